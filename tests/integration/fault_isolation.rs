//! A panicking or failing attack marks its own cell `error`; every other cell still runs
//! and the report is complete.

use escrowlab::attack::{Attack, AttackCtx, AttackMeta, Exposure, Outcome, Params};
use escrowlab::config::scheme::Scheme;
use escrowlab::runner::suite::run_suite;
use escrowlab::runner::suite_file::Suite;
use escrowlab::runner::Verdict;

struct Panicker;
static PANICKER: AttackMeta = AttackMeta {
    id: "lab-panicker",
    title: "A lab attack with a bug",
    actor: "student",
    capabilities: &[],
    description: "Panics.",
    references: &[],
    params: &[],
};
impl Attack for Panicker {
    fn meta(&self) -> &'static AttackMeta {
        &PANICKER
    }
    fn check(&self, _: &Scheme, _: &Params) -> Exposure {
        Exposure::yes("always")
    }
    fn run(&self, _: &mut AttackCtx, _: &Params) -> escrowlab::Result<Outcome> {
        panic!("deliberate bug in a lab attack")
    }
}

struct Failer;
static FAILER: AttackMeta = AttackMeta {
    id: "lab-failer",
    description: "Returns an error.",
    ..PANICKER
};
impl Attack for Failer {
    fn meta(&self) -> &'static AttackMeta {
        &FAILER
    }
    fn check(&self, _: &Scheme, _: &Params) -> Exposure {
        Exposure::yes("always")
    }
    fn run(&self, _: &mut AttackCtx, _: &Params) -> escrowlab::Result<Outcome> {
        Err(escrowlab::Error::misuse("the lab attack gave up"))
    }
}

static REGISTRY: &[&dyn Attack] = &[&Panicker, &escrowlab::attacks::key_theft::KeyTheft, &Failer];

const SUITE: &str = r#"
seed = 3
schemes = ["single-key"]
attacks = "all"
[population]
users = 20
epochs = 3
messages_per_session = 3
[[expect]]
scheme = "single-key"
attack = "key-theft"
exposure = 1.0
"#;

#[test]
fn a_panicking_attack_yields_one_error_cell_and_a_complete_report() {
    escrowlab::panics::install_hook();
    let suite = Suite::from_toml_str_in(
        SUITE,
        "test",
        None,
        &escrowlab::attack::Registry::of(REGISTRY),
    )
    .expect("suite parses");
    let report = run_suite(&suite, None, None).expect("suite runs");
    assert_eq!(report.results.len(), 3);
    let by = |id: &str| report.results.iter().find(|c| c.attack == id).unwrap();
    let p = by("lab-panicker");
    assert_eq!(p.verdict, Verdict::Error);
    assert!(
        p.error.as_deref().unwrap().contains("deliberate bug"),
        "{:?}",
        p.error
    );
    let f = by("lab-failer");
    assert_eq!(f.verdict, Verdict::Error);
    assert!(f.error.as_deref().unwrap().contains("gave up"));
    let k = by("key-theft");
    assert_eq!(
        k.verdict,
        Verdict::Pass,
        "the other cells still run and are judged"
    );
    assert_eq!(k.exposure.fraction, 1.0);
    assert!(!report.all_held(), "an errored attack makes the run exit 1");
    assert_eq!(report.tally.error, 2);
    // The report is complete JSON with every cell, written atomically.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    std::fs::write(&path, "old report").unwrap();
    escrowlab::output::write_atomic(&path, report.to_json().as_bytes()).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["schema"], "escrowlab-report/1");
    assert_eq!(v["results"].as_array().unwrap().len(), 3);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
}

/// A lab attack whose `check` panics (its `run` would succeed).
struct CheckPanicker;
static CHECK_PANICKER: AttackMeta = AttackMeta {
    id: "lab-check-panicker",
    description: "Panics in check().",
    ..PANICKER
};
impl Attack for CheckPanicker {
    fn meta(&self) -> &'static AttackMeta {
        &CHECK_PANICKER
    }
    fn check(&self, _: &Scheme, _: &Params) -> Exposure {
        panic!("deliberate bug in check")
    }
    fn run(&self, _: &mut AttackCtx, _: &Params) -> escrowlab::Result<Outcome> {
        Ok(Outcome::default())
    }
}

static CHECK_REGISTRY: &[&dyn Attack] = &[&CheckPanicker, &escrowlab::attacks::key_theft::KeyTheft];

fn check_registry() -> escrowlab::attack::Registry {
    escrowlab::attack::Registry::of(CHECK_REGISTRY)
}

/// Asserts `error` says the attack panicked in `check()` and why.
fn assert_check_panic(error: Option<&str>) {
    let e = error.expect("an error cell");
    assert!(e.contains("panicked in check()"), "{e}");
    assert!(e.contains("deliberate bug in check"), "{e}");
}

#[test]
fn a_panic_in_check_yields_one_error_cell_and_a_complete_report() {
    escrowlab::panics::install_hook();
    let suite = Suite::from_toml_str_in(SUITE, "test", None, &check_registry()).unwrap();
    let report = run_suite(&suite, None, None).expect("suite runs");
    assert_eq!(report.results.len(), 2);
    let p = &report.results[0];
    assert_eq!(p.attack, "lab-check-panicker");
    assert_eq!(p.verdict, Verdict::Error);
    assert_check_panic(p.error.as_deref());
    let k = &report.results[1];
    assert_eq!(k.verdict, Verdict::Pass, "the other cell still runs");
    assert!(!report.all_held(), "an error cell makes the run exit 1");
    assert_eq!(report.tally.error, 1);
    let v: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(v["results"].as_array().unwrap().len(), 2);
}

#[test]
fn a_panic_in_check_is_contained_for_one_cell_and_the_loophole() {
    escrowlab::panics::install_hook();
    let config = crate::common::tiny_config("single-key");
    let scheme = config.scheme.clone();
    let registry = check_registry();
    let cell = escrowlab::runner::run_one(
        &registry,
        &scheme,
        "lab-check-panicker",
        &Default::default(),
        &config,
    )
    .expect("one cell runs");
    assert_check_panic(cell.error.as_deref());
    assert!(!cell.check.exposed);
    let base = escrowlab::runner::base_worlds(&scheme, &config).unwrap();
    let (worst, errors) = escrowlab::runner::loophole::worst_attack(&registry, &base);
    assert_eq!(worst.expect("key-theft still measured").attack, "key-theft");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("lab-check-panicker: "), "{errors:?}");
    assert_check_panic(Some(&errors[0]));
}
