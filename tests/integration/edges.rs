//! Real graphs as populations (`model = "edges"`, `--edges PATH`): the every-device
//! baseline on a graph the test builds exposes, per device, exactly the closed
//! neighbourhood the test computes itself; malformed files exit 2 naming the line; the
//! commands run on an edge list.

use escrowlab::runner::loophole::baseline_device_failures;
use escrowlab::runner::suite_file::Suite;
use escrowlab::world::{Model, Population};
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::Command;

fn escrowlab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_escrowlab"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// A star, a clique, a long path, random edges and one group, joined into one graph, as
/// lines of raw ids (sparse, not in order).
fn graph_lines() -> Vec<Vec<u64>> {
    let mut lines: Vec<Vec<u64>> = Vec::new();
    // A star: centre 1000, 25 leaves.
    for leaf in 1001..=1025u64 {
        lines.push(vec![1000, leaf]);
    }
    // A clique on 8 users, every pair its own conversation.
    for a in 2000..2008u64 {
        for b in a + 1..2008 {
            lines.push(vec![b, a]);
        }
    }
    // A long path of 60 users.
    for a in 3000..3059u64 {
        lines.push(vec![a, a + 1]);
    }
    // Random edges among 40 users, and bridges between the parts.
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(21);
    for _ in 0..80 {
        let a = rng.gen_range(9_000_000_000u64..9_000_000_040);
        let b = rng.gen_range(9_000_000_000u64..9_000_000_040);
        if a != b {
            lines.push(vec![a, b]);
        }
    }
    lines.push(vec![1000, 2000]);
    lines.push(vec![3059, 9_000_000_000]);
    // One group conversation of four.
    lines.push(vec![5, 1003, 3030, 2007]);
    lines
}

/// Writes `lines` as an edge list with a comment, and returns the graph as the test reads
/// it: raw id → dense id (first seen), and each dense user's closed neighbourhood.
fn write_graph(path: &std::path::Path, lines: &[Vec<u64>]) -> Vec<BTreeSet<u32>> {
    let mut f = std::fs::File::create(path).unwrap();
    writeln!(f, "# a star, a clique, a path, random edges, a group").unwrap();
    let mut dense: BTreeMap<u64, u32> = BTreeMap::new();
    let mut order = 0u32;
    let mut members_of: Vec<Vec<u32>> = Vec::new();
    let mut seen: BTreeSet<Vec<u32>> = BTreeSet::new();
    for l in lines {
        let text: Vec<String> = l.iter().map(u64::to_string).collect();
        writeln!(f, "{}", text.join(" ")).unwrap();
        let mut m: Vec<u32> = l
            .iter()
            .map(|raw| {
                *dense.entry(*raw).or_insert_with(|| {
                    order += 1;
                    order - 1
                })
            })
            .collect();
        m.sort_unstable();
        m.dedup();
        if seen.insert(m.clone()) {
            members_of.push(m);
        }
    }
    let mut closed = vec![BTreeSet::new(); order as usize];
    for m in &members_of {
        for &a in m {
            closed[a as usize].extend(m.iter().copied());
        }
    }
    closed
}

#[test]
fn every_device_of_an_edge_list_exposes_its_closed_neighbourhood() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("graph.txt");
    let closed = write_graph(&path, &graph_lines());
    // 2 epochs × 40 messages: a member of a pair sends none of 80 messages with
    // probability 2^-80, of the group of four (3/4)^80 < 1e-9, whatever the seed.
    let population = Population {
        model: Model::Edges,
        edges: Some(path.display().to_string()),
        epochs: 2,
        messages_per_session: 40,
        ..Population::default()
    }
    .with_edges()
    .unwrap();
    assert_eq!(population.users as usize, closed.len());
    let registry = escrowlab::attacks::builtins();
    let d = baseline_device_failures(&registry, &population, 5, None)
        .unwrap()
        .expect("the registry has endpoint-compromise");
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert_eq!(d.per_device.len(), closed.len());
    for (dev, exposed) in d.per_device.iter().zip(&d.exposed_users) {
        let want: Vec<u32> = closed[dev.user as usize].iter().copied().collect();
        assert_eq!(exposed, &want, "device of user {}", dev.user);
        assert_eq!(dev.users, want.len());
    }
    // The star's centre is the worst device: itself, 25 leaves, and the clique's bridge.
    assert_eq!(d.worst_device.users, 27);
    assert_eq!(d.coverage.users, closed.len());
}

#[test]
fn a_malformed_edge_file_exits_2_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    for (text, want) in [
        ("1 2\n# fine\n3 x7\n", ":3:3:"),
        ("1 2\n   4\n", ":2:4:"),
        ("1 2\n2 -3\n", ":2:3:"),
        ("1 2\n2 184467440737095516160\n", ":2:3:"),
    ] {
        let path = dir.path().join("bad.txt");
        std::fs::write(&path, text).unwrap();
        let p = path.display().to_string();
        let out = escrowlab(&["lawful-access", "--scheme", "threshold-3of5", "--edges", &p]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text:?}: {err}");
        assert!(err.contains(&format!("bad.txt{want}")), "{text:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn lawful_access_runs_on_an_edge_list_and_warns_about_dropped_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.txt");
    std::fs::write(
        &path,
        "# pairs and a group\n10 20\n20 30\n30 10\n10 10\n20 10\n40 50 60\n50 60 40\n60 10\n",
    )
    .unwrap();
    let p = path.display().to_string();
    let out = escrowlab(&[
        "lawful-access",
        "--scheme",
        "threshold-3of5",
        "--edges",
        &p,
        "--epochs",
        "2",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning") && err.contains("1 self-loop") && err.contains("2 duplicate"),
        "{err}"
    );
    // Another model does not combine with a graph.
    let out = escrowlab(&[
        "lawful-access",
        "--scheme",
        "threshold-3of5",
        "--edges",
        &p,
        "--model",
        "power-law",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_suite_reads_an_edge_list_relative_to_itself_gzip_included() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("g.txt.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(b"7 8\n8 9\n9 7 11\n").unwrap();
    enc.finish().unwrap();
    let registry = escrowlab::attacks::builtins();
    let suite = Suite::from_toml_str_in(
        "schemes = [\"single-key\"]\nattacks = [\"key-theft\"]\n[population]\nmodel = \"edges\"\nedges = \"g.txt.gz\"\n",
        "s.toml",
        Some(dir.path()),
        &registry,
    )
    .unwrap();
    let p = &suite.file.population;
    assert_eq!((p.users, p.conversation_count()), (4, 3));
    assert!(
        p.model_summary().starts_with("edges "),
        "{}",
        p.model_summary()
    );
    // `edges` without the model, and the model without `edges`, are refused.
    for toml in [
        "schemes = [\"single-key\"]\n[population]\nedges = \"g.txt.gz\"\n",
        "schemes = [\"single-key\"]\n[population]\nmodel = \"edges\"\n",
    ] {
        assert!(Suite::from_toml_str_in(toml, "s.toml", Some(dir.path()), &registry).is_err());
    }
}
