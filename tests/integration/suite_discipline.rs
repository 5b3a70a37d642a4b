//! Suite discipline: bad expectations are bad input at their `[[expect]]` line, figure
//! expectations with tolerances, `--strict`, JUnit's skipped cells, Markdown failures, and
//! a matrix that tells the truth about sweeps.

use escrowlab::error::Error;
use escrowlab::runner::suite_file::Suite;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn escrowlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_escrowlab"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn malformed(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/malformed")
        .join(name)
}

/// A tiny population, so that every suite here runs in a second or two.
const TINY: &str = "[population]\nusers = 20\nepochs = 2\nmessages_per_session = 4\n";

/// Writes a suite (the tiny population appended) into `dir` and returns its path.
fn suite_file(dir: &tempfile::TempDir, name: &str, head: &str, rest: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, format!("{head}\n{TINY}\n{rest}")).unwrap();
    p.to_str().unwrap().to_string()
}

/// The bad-input contract: exit 2, no panic, the message, and `file:LINE:` of the
/// `[[expect]]` table.
fn assert_bad_expectation(fixture: &str, line: usize, message: &str) {
    let path = malformed(fixture);
    let p = path.to_str().unwrap();
    let o = escrowlab(&["suite", p]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{fixture}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains(message),
        "{fixture}: {message:?} not in {err:?}"
    );
    assert!(
        err.contains(&format!("{p}:{line}:1: ")),
        "{fixture}: expected the [[expect]] at line {line} in {err:?}"
    );
}

#[test]
fn an_expectation_that_matches_no_cell_is_bad_input_at_its_line() {
    // The second [[expect]] (line 15) asks for stolen = 4; the sweep runs 0, 1, 2.
    assert_bad_expectation(
        "suite-expect-matches-no-cell.toml",
        15,
        "expectation matches no cell: the suite runs `share-theft` on `threshold-3of5` only \
         with stolen = 0 | 1 | 2, not with stolen = 4",
    );
}

#[test]
fn a_parameter_value_of_the_wrong_type_is_bad_input_at_its_line() {
    assert_bad_expectation(
        "suite-expect-param-wrong-type.toml",
        6,
        "parameter `stolen` of `share-theft` is an integer in 0..=64, not the word \"many\"",
    );
}

#[test]
fn an_exposure_outside_zero_to_one_is_bad_input_at_its_line() {
    // The first [[expect]] (line 6) is fine; the second (line 11) says 7.5.
    assert_bad_expectation(
        "suite-expect-exposure-out-of-range.toml",
        11,
        "exposure 7.5 is outside [0, 1]",
    );
}

#[test]
fn the_library_reports_the_same_errors_as_config_errors_with_the_line() {
    let text = std::fs::read_to_string(malformed("suite-expect-matches-no-cell.toml")).unwrap();
    let e = Suite::from_toml_str(&text, "t.toml", None, &escrowlab::attacks::builtins())
        .expect_err("an expectation matching no cell is refused");
    match e {
        Error::Config { location, message } => {
            assert_eq!((location.line, location.column), (Some(15), Some(1)));
            assert!(message.contains("matches no cell"), "{message}");
        }
        other => panic!("expected Error::Config, got {other:?}"),
    }
    // An attack the suite does not run and a scheme it does not run are refused too.
    let bad = |expect: &str| {
        let text = format!(
            "schemes = [\"single-key\"]\nattacks = [\"key-theft\"]\n{TINY}\n[[expect]]\n{expect}\n"
        );
        Suite::from_toml_str(&text, "t.toml", None, &escrowlab::attacks::builtins())
            .expect_err("refused")
            .to_string()
    };
    assert!(bad("scheme = \"single-key\"\nattack = \"ghost\"").starts_with("t.toml:8:1: "));
    assert!(bad("scheme = \"hardened\"\nattack = \"key-theft\"").contains("does not run"));
}

#[test]
fn figure_expectations_with_tolerance_pass_and_fail() {
    let dir = tempfile::tempdir().unwrap();
    let p = suite_file(
        &dir,
        "figures.toml",
        "seed = 4\nschemes = [\"single-key\"]\nattacks = [\"key-theft\", \"share-theft\"]\n\
         [sweep]\nshare-theft = { stolen = [0, 1] }",
        r#"
[[expect]]
scheme = "single-key"
attack = "key-theft"
detected = false
# agents_compromised is 1: within 3 ± 2 (the edge), 1.2 ± 20%, and at least 1.
figures = { "cost.agents_compromised" = "== 3 ± 2", "cost.keys_recovered" = "== 1.2 ± 20%", before_compromise = ">= 1", "exposure.fraction" = "== 0.95 +- 0.05", detected = false }
comment = "holds"

[[expect]]
scheme = "single-key"
attack = "share-theft"
params = { stolen = 1 }
figures = { "cost.agents_compromised" = "== 3 ± 1.5", "cost.keys_recovered" = "<= 0.5 ± 10%" }
comment = "deliberately false: one vault is one agent"

[[expect]]
scheme = "single-key"
attack = "share-theft"
params = { stolen = 0 }
figures = { "cost.no_such_figure" = 0 }
comment = "deliberately false: the attack reports no such figure"
"#,
    );
    let o = escrowlab(&["suite", &p, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let cells = v["results"].as_array().unwrap();
    let cell = |attack: &str, stolen: Option<i64>| {
        cells
            .iter()
            .find(|c| {
                c["attack"] == attack
                    && stolen.is_none_or(|s| c["params"]["stolen"] == serde_json::json!(s))
            })
            .unwrap_or_else(|| panic!("no cell {attack} {stolen:?}"))
    };
    let kt = cell("key-theft", None);
    assert_eq!(kt["cost"]["agents_compromised"], 1, "the fixture's premise");
    assert_eq!(kt["verdict"], "pass", "{kt}");
    let one = cell("share-theft", Some(1));
    assert_eq!(one["verdict"], "fail");
    let f1: Vec<&str> = one["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(
        f1,
        [
            "cost.agents_compromised 1 expected == 3 ± 1.5",
            "cost.keys_recovered 1 expected <= 0.5 ± 10%"
        ]
    );
    let zero = cell("share-theft", Some(0));
    assert_eq!(zero["verdict"], "fail");
    assert_eq!(
        zero["failures"][0],
        "cost.no_such_figure: the cell does not report this figure (expected == 0)"
    );
    assert_eq!(v["tally"]["pass"], 1);
    assert_eq!(v["tally"]["fail"], 2);
}

/// A suite of two cells, with an expectation for key-theft and (if `both`) share-theft.
fn two_cells(dir: &tempfile::TempDir, both: bool) -> String {
    let mut rest = String::from(
        "[[expect]]\nscheme = \"single-key\"\nattack = \"key-theft\"\nexposure = 1.0\n\
         comment = \"one agency key\"\n",
    );
    if both {
        rest.push_str(
            "[[expect]]\nscheme = \"single-key\"\nattack = \"share-theft\"\nexposure = 1.0\n\
             comment = \"the one vault is the key\"\n",
        );
    }
    suite_file(
        dir,
        if both { "judged.toml" } else { "unjudged.toml" },
        "seed = 2\nschemes = [\"single-key\"]\nattacks = [\"key-theft\", \"share-theft\"]",
        &rest,
    )
}

#[test]
fn strict_exits_1_on_an_unjudged_cell_and_0_when_every_cell_is_judged() {
    let dir = tempfile::tempdir().unwrap();
    let unjudged = two_cells(&dir, false);
    let lax = escrowlab(&["suite", &unjudged]);
    assert_eq!(lax.status.code(), Some(0), "{}", stderr(&lax));
    let strict = escrowlab(&["suite", &unjudged, "--strict"]);
    assert_eq!(strict.status.code(), Some(1));
    let err = stderr(&strict);
    assert!(err.contains("1 of 2 cells is unjudged"), "{err}");
    assert!(err.contains("single-key / share-theft ["), "{err}");
    assert!(
        !err.contains("key-theft"),
        "the judged cell is not listed: {err}"
    );
    let judged = two_cells(&dir, true);
    let ok = escrowlab(&["suite", &judged, "--strict"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(stderr(&ok).is_empty(), "{}", stderr(&ok));
}

#[test]
fn junit_reports_an_unjudged_cell_as_skipped_not_passed() {
    let dir = tempfile::tempdir().unwrap();
    let o = escrowlab(&["suite", &two_cells(&dir, false), "--format", "junit"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let xml = stdout(&o);
    let case = |name: &str| {
        let start = xml
            .find(&format!("<testcase name=\"{name}"))
            .unwrap_or_else(|| panic!("no test case {name} in {xml}"));
        let len = xml[start..].find("</testcase>").unwrap();
        xml[start..start + len].to_string()
    };
    assert!(case("share-theft").contains("<skipped"), "{xml}");
    assert!(!case("key-theft").contains("<skipped"), "{xml}");
    assert!(
        xml.contains("failures=\"0\"") && xml.contains("disabled=\"1\""),
        "{xml}"
    );
}

#[test]
fn markdown_shows_a_failing_cell_with_its_reason_and_comment() {
    let dir = tempfile::tempdir().unwrap();
    let p = suite_file(
        &dir,
        "false.toml",
        "seed = 2\nschemes = [\"single-key\"]\nattacks = [\"key-theft\"]",
        "[[expect]]\nscheme = \"single-key\"\nattack = \"key-theft\"\nexposure = \"<= 0.5\"\n\
         comment = \"deliberately false, for the lab\"\n",
    );
    let o = escrowlab(&["suite", &p, "--format", "markdown"]);
    assert_eq!(o.status.code(), Some(1));
    let md = stdout(&o);
    let failures = &md[md.find("## Failures").expect("a Failures section")..];
    assert!(
        failures.contains("`single-key` / `key-theft`")
            && failures.contains("exposure 1 expected <= 0.5")
            && failures.contains("Expected because: deliberately false, for the lab"),
        "{failures}"
    );
}

/// The matrix line of `label` (the first column) in a table.
fn row<'a>(table: &'a str, label: &str) -> &'a str {
    table
        .lines()
        .find(|l| l.split("  ").next() == Some(label))
        .unwrap_or_else(|| panic!("no row {label:?} in\n{table}"))
}

#[test]
fn a_swept_row_shows_and_names_its_worst_variant() {
    let dir = tempfile::tempdir().unwrap();
    let p = suite_file(
        &dir,
        "sweep.toml",
        "seed = 6\nschemes = [\"threshold-3of5\"]\nattacks = [\"share-theft\", \"audit-tamper\"]\n\
         [sweep]\nshare-theft = { stolen = [2, 3] }\naudit-tamper = { tamper = [\"edit\", \"truncate\"] }",
        "",
    );
    let o = escrowlab(&["suite", &p, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let by = |tamper: &str| {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["params"]["tamper"] == tamper)
            .unwrap()
            .clone()
    };
    // The premises: stolen = 3 of a 3-of-5 key exposes everything, stolen = 2 is blocked;
    // `edit` is detected by the hash chain, `truncate` is not.
    assert_eq!(by("edit")["detected"], true);
    assert_eq!(by("truncate")["detected"], false);

    let table = stdout(&escrowlab(&["suite", &p]));
    let share = row(&table, "share-theft");
    assert!(share.contains("100% stolen=3"), "{share}");
    assert!(
        !share.contains('['),
        "no blocking label when the worst exposed: {share}"
    );
    let audit = row(&table, "audit-tamper");
    assert!(audit.contains("0% truncate"), "{audit}");
    assert!(!audit.contains('*'), "truncate went undetected: {audit}");
    for l in table.lines().take_while(|l| !l.starts_with("One loophole")) {
        assert!(l.chars().count() <= 100, "line over 100 columns: {l:?}");
    }

    let expanded = stdout(&escrowlab(&["suite", &p, "--expand"]));
    assert!(row(&expanded, "share-theft stolen=2").contains("0% [threshold-custody]"));
    assert!(row(&expanded, "share-theft stolen=3").contains("100%"));
    assert!(row(&expanded, "audit-tamper edit").contains("0%*"));
    assert!(!row(&expanded, "audit-tamper truncate").contains('*'));
}

#[test]
fn every_cell_of_the_default_suite_is_judged_by_an_expectation_with_a_comment() {
    let registry = escrowlab::attacks::builtins();
    let suite = Suite::load(None, &registry).expect("the default suite loads");
    for e in &suite.file.expect {
        assert!(
            e.comment.as_deref().is_some_and(|c| !c.trim().is_empty()),
            "an expectation without a comment: {} / {} {:?}",
            e.scheme,
            e.attack,
            e.params
        );
    }
    let mut unjudged = Vec::new();
    for c in suite.cells() {
        let scheme = &suite.schemes[c.scheme].name;
        let id = c.attack.meta().id;
        if !suite
            .file
            .expect
            .iter()
            .any(|e| e.matches(scheme, id, &c.params.0))
        {
            unjudged.push(format!("{scheme} / {id} {:?}", c.params.0));
        }
    }
    assert!(
        unjudged.is_empty(),
        "{} unjudged cells in the default suite:\n{}",
        unjudged.len(),
        unjudged.join("\n")
    );
}

#[test]
fn expectations_that_judge_nothing_or_the_impossible_are_bad_input_at_their_line() {
    for (fixture, message) in [
        (
            "suite-expect-no-criteria.toml",
            "expectation judges nothing: give at least one of exposure, users, out_of_scope, \
             detected, blocked_by or figures",
        ),
        (
            "suite-expect-out-of-scope-fraction.toml",
            "out_of_scope 0.5 is not a whole number",
        ),
        (
            "suite-expect-blocked-by-unknown.toml",
            "blocked_by = \"moon-shield\" is not a control escrowlab reports (write \"none\"",
        ),
    ] {
        assert_bad_expectation(fixture, 4, message);
    }
}

#[test]
fn every_control_the_shipped_suites_expect_is_one_escrowlab_reports() {
    let registry = escrowlab::attacks::builtins();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/suites");
    let mut blocked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_none_or(|x| x != "toml") {
            continue;
        }
        let suite = Suite::load(Some(p.to_str().unwrap()), &registry)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        for e in &suite.file.expect {
            if let Some(b) = &e.blocked_by {
                assert!(escrowlab::controls::is_builtin(b), "{b}");
                blocked += 1;
            }
        }
    }
    assert!(
        blocked > 10,
        "only {blocked} blocked_by expectations checked"
    );
}

#[test]
fn no_attack_and_parameters_for_attacks_not_run_are_bad_input() {
    for (fixture, line, message) in [
        ("suite-attacks-empty.toml", 3, "attacks = [] runs no attack"),
        (
            "suite-sweep-attack-not-run.toml",
            5,
            "[sweep] gives parameters for `share-theft`, which the suite does not run",
        ),
        (
            "suite-params-attack-not-run.toml",
            5,
            "[params] gives parameters for `share-theft`, which the suite does not run",
        ),
    ] {
        let path = malformed(fixture);
        let p = path.to_str().unwrap();
        let o = escrowlab(&["suite", p]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{fixture}: {err}");
        assert!(err.contains(message), "{fixture}: {err}");
        assert!(err.contains(&format!("{p}:{line}:")), "{fixture}: {err}");
        assert!(o.stdout.is_empty(), "{fixture} ran");
    }
}

#[test]
fn the_default_suite_warns_about_nothing() {
    // Every value its sweeps give beyond a scheme (share-theft's `stolen` above
    // single-key's one agent) is named by an expectation on that scheme, which says what
    // the value means there.
    let registry = escrowlab::attacks::builtins();
    let suite = Suite::load(None, &registry).unwrap();
    let cells = suite.cells();
    let warned: Vec<String> = cells.iter().flat_map(|c| suite.run_warnings(c)).collect();
    assert!(warned.is_empty(), "{warned:#?}");
}

#[test]
fn a_value_beyond_a_scheme_is_a_warning_unless_an_expectation_names_it_there() {
    let dir = tempfile::tempdir().unwrap();
    let expect = |stolen: u32| {
        format!(
            "[[expect]]\nscheme = \"single-key\"\nattack = \"share-theft\"\n\
             params = {{ stolen = {stolen} }}\nexposure = 1.0\n"
        )
    };
    let p = suite_file(
        &dir,
        "s.toml",
        "schemes = [\"single-key\"]\nattacks = [\"share-theft\"]\nutility_targets = 0",
        &format!(
            "[sweep]\nshare-theft = {{ stolen = [1, 2, 3] }}\n{}",
            expect(2)
        ),
    );
    let o = escrowlab(&["suite", &p]);
    let err = stderr(&o);
    let warnings: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("escrowlab: warning: "))
        .collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(
        warnings[0].contains("single-key / share-theft: parameter `stolen` = 3 is beyond this run"),
        "{err}"
    );
    // Both named: no warning at all.
    let p = suite_file(
        &dir,
        "t.toml",
        "schemes = [\"single-key\"]\nattacks = [\"share-theft\"]\nutility_targets = 0",
        &format!(
            "[sweep]\nshare-theft = {{ stolen = [1, 2, 3] }}\n{}{}",
            expect(2),
            expect(3)
        ),
    );
    let o = escrowlab(&["suite", &p]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
}
