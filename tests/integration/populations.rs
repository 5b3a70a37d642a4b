//! Population models (docs/POPULATIONS.md): `uniform` stays the default, the heavy-tailed
//! models are seeded and deterministic, their parameters are checked, the provenance names
//! them, and a heavy tail makes the worst device expose more than the uniform generator.

use escrowlab::runner::loophole::baseline_device_failures;
use escrowlab::runner::suite_file::Suite;
use escrowlab::world::{Activity, GroupSizes, Model, Population};
use std::process::Command;

fn pop(model: Model, users: u32) -> Population {
    Population {
        users,
        epochs: 1,
        messages_per_session: 2,
        model,
        ..Population::default()
    }
}

fn escrowlab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_escrowlab"))
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn uniform_is_the_default_in_code_and_in_suite_files() {
    assert_eq!(Population::default().model, Model::Uniform);
    assert_eq!(Population::default().group_sizes, GroupSizes::Uniform);
    let registry = escrowlab::attacks::builtins();
    let suite = Suite::from_toml_str(
        "schemes = [\"single-key\"]\nattacks = [\"key-theft\"]\n[population]\nusers = 20\n",
        "t",
        None,
        &registry,
    )
    .unwrap();
    assert_eq!(suite.file.population.model, Model::Uniform);
    assert_eq!(suite.file.population.conversation_count(), 20);
}

#[test]
fn heavy_tailed_models_are_deterministic_and_expose_more_from_the_worst_device() {
    let registry = escrowlab::attacks::builtins();
    let run = |p: &Population, seed| {
        baseline_device_failures(&registry, p, seed, None)
            .unwrap()
            .expect("the registry has endpoint-compromise")
    };
    let uniform = run(&pop(Model::Uniform, 300), 5);
    let mut heavy = pop(Model::PowerLaw, 300);
    // γ close to 2: the busiest weight is near users − 1 for any seed.
    heavy.exponent = Some(2.1);
    let a = run(&heavy, 5);
    let b = run(&heavy, 5);
    assert_eq!(a.per_device, b.per_device, "same seed, same figures");
    assert!(
        a.worst_device.users >= 2 * uniform.worst_device.users,
        "power-law worst device {} vs uniform {}",
        a.worst_device.users,
        uniform.worst_device.users
    );
    // The median device of a heavy tail is lighter than its mean.
    assert!(a.users.median <= a.users.mean);
    let ln = run(&pop(Model::LogNormal, 300), 5);
    assert!(ln.devices == 300 && ln.errors.is_empty());
}

#[test]
fn power_law_group_sizes_reach_past_eight_and_stay_under_the_cap() {
    let registry = escrowlab::attacks::builtins();
    let mut p = pop(Model::Uniform, 200);
    p.group_share = 1.0;
    p.group_sizes = GroupSizes::PowerLaw;
    p.max_group = Some(64);
    p.group_exponent = Some(1.0);
    assert!(p.mean_group_size() > 8.0);
    let d = baseline_device_failures(&registry, &p, 1, None)
        .unwrap()
        .unwrap();
    // One device reads every member of its groups: at least one group above 8 members.
    assert!(d.worst_device.users > 8, "{:?}", d.worst_device);
    assert!(d.worst_device.users <= 200);
}

#[test]
fn a_parameter_of_another_model_or_out_of_range_is_a_one_line_error() {
    for args in [
        &[
            "attack",
            "key-theft",
            "--scheme",
            "single-key",
            "--exponent",
            "2.5",
        ][..],
        &[
            "attack",
            "key-theft",
            "--scheme",
            "single-key",
            "--model",
            "power-law",
            "--exponent",
            "0.5",
        ],
        &[
            "attack",
            "key-theft",
            "--scheme",
            "single-key",
            "--model",
            "log-normal",
            "--sigma",
            "9",
        ],
        &[
            "attack",
            "key-theft",
            "--scheme",
            "single-key",
            "--group-sizes",
            "power-law",
            "--max-group",
            "2000",
        ],
        &[
            "loophole", "--users", "20", "--seeds", "1", "--model", "uniform", "--mu", "1",
        ],
    ] {
        let out = escrowlab(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn the_provenance_names_the_model_and_every_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(
        &path,
        "schemes = [\"single-key\"]\nattacks = [\"key-theft\"]\n[population]\nusers = 30\n\
         epochs = 1\nmessages_per_session = 2\nmodel = \"log-normal\"\nsigma = 1.5\n\
         group_sizes = \"power-law\"\n",
    )
    .unwrap();
    let out = escrowlab(&["suite", path.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let p = &v["provenance"]["population"];
    assert_eq!(p["model"], "log-normal");
    assert_eq!(p["sigma"], 1.5);
    assert_eq!(p["mu"], 0.5, "the default is named, not left out");
    assert_eq!(p["max_degree"], 29.0);
    assert_eq!(p["group_sizes"], "power-law");
    assert_eq!(p["max_group"], 1024);
    assert_eq!(p["activity"], "constant", "the activity is named too");
}

#[test]
fn heavy_tailed_activity_is_named_deterministic_and_its_silent_users_never_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(
        &path,
        "schemes = [\"single-key\"]\nattacks = [\"key-theft\"]\n[population]\nusers = 40\n\
         epochs = 2\nmessages_per_session = 3\nactivity = \"heavy-tailed\"\nsilent_share = 0.25\n",
    )
    .unwrap();
    let run = || {
        let out = escrowlab(&["suite", path.to_str().unwrap(), "--format", "json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        v
    };
    let v = run();
    let p = &v["provenance"]["population"];
    assert_eq!(p["activity"], "heavy-tailed");
    assert_eq!(p["silent_share"], 0.25);
    assert_eq!(p["sessions_per_epoch"], 1.0, "defaults are named");
    assert_eq!(p["activity_exponent"], 1.5);
    let cells = |v: &serde_json::Value| v["results"].to_string();
    assert_eq!(cells(&v), cells(&run()), "same seed, same cells");
    // Key theft reads every active user: a quarter of the 40 users never writes, so at
    // most 30 users are exposed.
    let theft = &v["results"][0]["exposure"];
    let exposed = theft["users"].as_u64().unwrap();
    assert!(exposed > 0 && exposed <= 30, "{theft}");
    assert_eq!(theft["users"], theft["users_total"]);
}

#[test]
fn activity_flags_are_checked() {
    let out = escrowlab(&[
        "attack",
        "key-theft",
        "--scheme",
        "single-key",
        "--users",
        "20",
        "--epochs",
        "1",
        "--sessions-per-epoch",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("sessions_per_epoch applies to activity"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut p = pop(Model::PowerLaw, 100);
    p.activity = Activity::HeavyTailed;
    p.silent_share = Some(1.5);
    assert!(p.validate().is_err());
}

#[test]
fn an_old_report_without_a_model_still_parses_as_uniform() {
    let old = r#"{"users": 200, "group_share": 0.2, "epochs": 4, "messages_per_session": 20, "conversations": null}"#;
    let p: Population = serde_json::from_str(old).unwrap();
    assert_eq!(p, Population::default());
}
