//! docs/SCALING.md's Slurm recipe, run for real: a single-node Slurm cluster (the
//! distribution's `slurm-wlm` and `munge`) is started in a temporary directory, the
//! recipe's two files (`docs/slurm/`) submit 4 shards of a small suite as an array job and
//! the merge as a job depending on it, and the merged JSON report must be the unsharded
//! run's byte for byte.
//!
//! Where Slurm is not installed, or the test cannot start daemons (it needs root), it
//! prints why and passes; with `ESCROWLAB_REQUIRE_SLURM` set (as `.ci/run` sets it) it
//! fails instead.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const SUITE: &str = r#"seed = 11
schemes = ["e2e-baseline", "single-key", "threshold-3of5"]
attacks = ["key-theft", "share-theft", "endpoint-compromise", "warrant-replay"]

[population]
users = 16
epochs = 3
messages_per_session = 3

[sweep]
share-theft = { stolen = [1, 3] }
"#;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The recipe's files are what docs/SCALING.md quotes, byte for byte.
#[test]
fn scaling_md_quotes_the_slurm_recipe_it_ships() {
    let doc = std::fs::read_to_string(repo().join("docs/SCALING.md")).unwrap();
    for f in ["sweep.sbatch", "submit.sh"] {
        let body = std::fs::read_to_string(repo().join("docs/slurm").join(f)).unwrap();
        assert!(
            doc.contains(&format!("```bash\n{body}```")),
            "docs/SCALING.md does not quote docs/slurm/{f} as it is"
        );
    }
}

/// Why Slurm cannot run here, if it cannot.
fn unavailable() -> Option<String> {
    for tool in ["slurmctld", "slurmd", "sbatch", "squeue", "munged"] {
        let found = Command::new("sh")
            .args([
                "-c",
                &format!("command -v {tool} || test -x /usr/sbin/{tool}"),
            ])
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            return Some(format!("`{tool}` is not installed (slurm-wlm, munge)"));
        }
    }
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some("starting slurmd needs root".into());
    }
    None
}

/// Stops the cluster's daemons and jobs when the test ends, however it ends.
struct Cluster {
    dir: PathBuf,
}

impl Cluster {
    fn conf(&self) -> PathBuf {
        self.dir.join("slurm.conf")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("scancel")
            .env("SLURM_CONF", self.conf())
            .arg("--user=root")
            .output();
        for pid in ["slurmd.pid", "slurmctld.pid"] {
            if let Ok(p) = std::fs::read_to_string(self.dir.join(pid)) {
                let _ = Command::new("kill").arg(p.trim()).output();
            }
        }
    }
}

fn logs(dir: &Path) -> String {
    let mut out = String::new();
    for sub in ["cluster/log", "work/logs"] {
        if let Ok(rd) = std::fs::read_dir(dir.join(sub)) {
            for e in rd.flatten() {
                let text = std::fs::read_to_string(e.path()).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(15).collect();
                out += &format!("--- {}\n", e.path().display());
                for l in tail.into_iter().rev() {
                    out += l;
                    out.push('\n');
                }
            }
        }
    }
    out
}

#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn the_scaling_md_array_job_and_its_merge_run_on_slurm() {
    if let Some(why) = unavailable() {
        assert!(
            std::env::var_os("ESCROWLAB_REQUIRE_SLURM").is_none(),
            "Slurm is required (ESCROWLAB_REQUIRE_SLURM) but {why}"
        );
        eprintln!("skipped: {why}");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (cluster_dir, work) = (tmp.path().join("cluster"), tmp.path().join("work"));
    std::fs::create_dir_all(&work).unwrap();
    let up = Command::new("bash")
        .arg(repo().join("tests/slurm/up.sh"))
        .arg(&cluster_dir)
        .output()
        .expect("run tests/slurm/up.sh");
    let cluster = Cluster {
        dir: cluster_dir.clone(),
    };
    assert!(
        up.status.success(),
        "the Slurm cluster did not start: {}\n{}",
        String::from_utf8_lossy(&up.stderr),
        logs(tmp.path())
    );
    for f in ["sweep.sbatch", "submit.sh"] {
        std::fs::copy(repo().join("docs/slurm").join(f), work.join(f)).unwrap();
    }
    std::fs::write(work.join("sweep.toml"), SUITE).unwrap();
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_escrowlab"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let submit = Command::new("bash")
        .arg("submit.sh")
        .current_dir(&work)
        .env("PATH", &path)
        .env("SLURM_CONF", cluster.conf())
        .env("SUITE", "sweep.toml")
        .env("N", "4")
        .output()
        .expect("run submit.sh");
    assert!(
        submit.status.success(),
        "submit.sh failed: {}",
        String::from_utf8_lossy(&submit.stderr)
    );
    let merge_job = String::from_utf8_lossy(&submit.stdout).trim().to_string();
    assert!(
        merge_job.parse::<u64>().is_ok(),
        "submit.sh prints the merge job's id, not {merge_job:?}"
    );
    // Wait for the queue to empty (the merge is the last job to leave it).
    let start = Instant::now();
    loop {
        let q = Command::new("squeue")
            .env("SLURM_CONF", cluster.conf())
            .args(["-h", "-o", "%i"])
            .output()
            .expect("squeue");
        if q.status.success() && q.stdout.iter().all(u8::is_ascii_whitespace) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "the jobs did not finish in 10 minutes\n{}",
            logs(tmp.path())
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    for i in 1..=4 {
        assert!(
            work.join(format!("parts/part-{i}.jsonl")).is_file(),
            "shard {i} wrote no part\n{}",
            logs(tmp.path())
        );
    }
    let merged = std::fs::read(work.join("report.json")).unwrap_or_else(|e| {
        panic!(
            "the merge job wrote no report.json ({e})\n{}",
            logs(tmp.path())
        )
    });
    assert!(work.join("report.html").is_file(), "no report.html");
    let whole = Command::new(&bin)
        .current_dir(&work)
        .args(["suite", "sweep.toml", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        merged == whole.stdout,
        "the report merged on Slurm differs from the unsharded run"
    );
    drop(cluster);
}
