//! The JSON report's schema, docs/report.schema.json, generated from the report types:
//! - it is current (regenerate with `ESCROWLAB_BLESS=1 cargo test --test integration report_schema::`);
//! - real reports validate against it: a small suite with a sweep and a failed expectation
//!   (through the binary), a suite with an erroring cell, and the plain-E2E baseline;
//! - broken reports do not (a missing member, an unknown member, a wrong type, a negative
//!   count, a verdict that does not exist), so the validation can fail.
//!
//! The validator is this file's own: the keywords the generated schema uses, and a panic
//! on any other, so a schema that starts using a new keyword fails here until the
//! validator understands it.

use escrowlab::attack::{Attack, AttackCtx, AttackMeta, Exposure, Outcome, Params, Registry};
use escrowlab::config::scheme::Scheme;
use escrowlab::runner::suite::run_suite;
use escrowlab::runner::suite_file::Suite;
use serde_json::{Map, Value};
use std::process::Command;

const SCHEMA_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/report.schema.json");

#[test]
fn report_schema_is_current() {
    let want = escrowlab::report::json_schema();
    if std::env::var_os("ESCROWLAB_BLESS").is_some() {
        std::fs::write(SCHEMA_PATH, &want).expect("write docs/report.schema.json");
    }
    let have = std::fs::read_to_string(SCHEMA_PATH).unwrap_or_default();
    assert!(
        have == want,
        "docs/report.schema.json is stale: run `ESCROWLAB_BLESS=1 cargo test --test integration report_schema::`"
    );
}

// ----- a validator for the keywords the schema uses -----

/// Keywords that only annotate.
const ANNOTATIONS: &[&str] = &["$schema", "$comment", "title", "description", "default"];

struct Validator<'a> {
    root: &'a Value,
}

impl Validator<'_> {
    /// Every violation of `schema` by `v`, each as `path: what`.
    fn errors(&self, schema: &Value, v: &Value, path: &str) -> Vec<String> {
        let mut errs = Vec::new();
        self.check(schema, v, path, &mut errs);
        errs
    }

    fn check(&self, schema: &Value, v: &Value, path: &str, errs: &mut Vec<String>) {
        let s = match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => {
                errs.push(format!("{path}: no value is allowed here"));
                return;
            }
            Value::Object(s) => s,
            other => panic!("not a schema: {other}"),
        };
        for (k, kv) in s {
            match k.as_str() {
                k if ANNOTATIONS.contains(&k) => {}
                "$defs" => {}
                "$ref" => {
                    let r = kv.as_str().expect("$ref is a string");
                    let name = r
                        .strip_prefix("#/$defs/")
                        .unwrap_or_else(|| panic!("unsupported $ref {r}"));
                    let target = &self.root["$defs"][name];
                    assert!(!target.is_null(), "$ref to a missing definition {r}");
                    self.check(target, v, path, errs);
                }
                "type" => {
                    let types: Vec<&str> = match kv {
                        Value::String(t) => vec![t.as_str()],
                        Value::Array(a) => a.iter().map(|t| t.as_str().unwrap()).collect(),
                        _ => panic!("bad type {kv}"),
                    };
                    if !types.iter().any(|t| has_type(v, t)) {
                        errs.push(format!("{path}: {v} is not of type {}", types.join("|")));
                    }
                }
                "const" => {
                    if v != kv {
                        errs.push(format!("{path}: {v} is not {kv}"));
                    }
                }
                "enum" => {
                    if !kv.as_array().unwrap().contains(v) {
                        errs.push(format!("{path}: {v} is not one of {kv}"));
                    }
                }
                "minimum" => {
                    if let (Some(x), Some(m)) = (v.as_f64(), kv.as_f64()) {
                        if x < m {
                            errs.push(format!("{path}: {x} is below the minimum {m}"));
                        }
                    }
                }
                "maximum" => {
                    if let (Some(x), Some(m)) = (v.as_f64(), kv.as_f64()) {
                        if x > m {
                            errs.push(format!("{path}: {x} is above the maximum {m}"));
                        }
                    }
                }
                "format" => {
                    if let Value::Number(n) = v {
                        let ok = match kv.as_str().unwrap() {
                            "uint" | "uint64" => n.is_u64(),
                            "uint32" => n.as_u64().is_some_and(|x| x <= u64::from(u32::MAX)),
                            "int64" => n.is_i64(),
                            "double" | "float" => true,
                            other => panic!("unsupported format {other}"),
                        };
                        if !ok {
                            errs.push(format!("{path}: {n} is not a {kv}"));
                        }
                    }
                }
                "properties" | "required" | "additionalProperties" => {
                    // Checked together below.
                }
                "items" => {
                    if let Value::Array(a) = v {
                        for (i, x) in a.iter().enumerate() {
                            self.check(kv, x, &format!("{path}/{i}"), errs);
                        }
                    }
                }
                "anyOf" | "oneOf" => {
                    let ok = kv
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|alt| self.errors(alt, v, path).is_empty())
                        .count();
                    if ok == 0 || (k == "oneOf" && ok > 1) {
                        errs.push(format!("{path}: {v} matches {ok} of the {k} alternatives"));
                    }
                }
                "allOf" => {
                    for alt in kv.as_array().unwrap() {
                        self.check(alt, v, path, errs);
                    }
                }
                other => panic!("the validator does not support the keyword `{other}`"),
            }
        }
        if let Value::Object(obj) = v {
            self.check_object(s, obj, path, errs);
        }
    }

    fn check_object(
        &self,
        s: &Map<String, Value>,
        obj: &Map<String, Value>,
        path: &str,
        errs: &mut Vec<String>,
    ) {
        let empty = Map::new();
        let props = s
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        if let Some(req) = s.get("required").and_then(Value::as_array) {
            for r in req {
                let r = r.as_str().unwrap();
                if !obj.contains_key(r) {
                    errs.push(format!("{path}: the required member `{r}` is missing"));
                }
            }
        }
        for (k, x) in obj {
            let p = format!("{path}/{k}");
            match (props.get(k), s.get("additionalProperties")) {
                (Some(ps), _) => self.check(ps, x, &p, errs),
                (None, Some(extra)) => self.check(extra, x, &p, errs),
                (None, None) => {}
            }
        }
    }
}

fn has_type(v: &Value, t: &str) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => match v {
            Value::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        },
        other => panic!("unsupported type {other}"),
    }
}

fn schema() -> Value {
    serde_json::from_str(&escrowlab::report::json_schema()).expect("the schema is JSON")
}

fn violations(report: &Value) -> Vec<String> {
    let s = schema();
    Validator { root: &s }.errors(&s, report, "")
}

fn assert_valid(report: &Value, what: &str) {
    let e = violations(report);
    assert!(e.is_empty(), "{what} does not validate:\n{}", e.join("\n"));
}

// ----- real reports -----

/// A small suite: a sweep, a failed expectation, plain E2E beside two escrow schemes.
const SWEEP_SUITE: &str = r#"
seed = 5
schemes = ["e2e-baseline", "single-key", "threshold-3of5"]
attacks = ["key-theft", "share-theft", "audit-tamper"]
utility_targets = 1
[population]
users = 16
epochs = 2
messages_per_session = 3
[sweep]
share-theft = { stolen = [0, 3] }
audit-tamper = { tamper = ["edit", "truncate"] }
[[expect]]
scheme = "single-key"
attack = "key-theft"
exposure = 0.5
comment = "deliberately wrong, so the report has a failure"
[[expect]]
scheme = "threshold-3of5"
attack = "share-theft"
params = { stolen = 3 }
exposure = 1.0
figures = { "cost.agents_compromised" = ">= 3" }
"#;

/// The plain-E2E baseline: every attack that reaches it, one scheme.
const BASELINE_SUITE: &str = r#"
seed = 9
schemes = ["e2e-baseline"]
attacks = ["endpoint-compromise", "ghost"]
utility_targets = 1
[population]
users = 16
epochs = 2
messages_per_session = 3
"#;

fn json_via_binary(suite: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("suite.toml");
    std::fs::write(&file, suite).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_escrowlab"))
        .args(["suite", file.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "suite failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the report is JSON")
}

#[test]
fn a_sweep_report_with_a_failure_validates() {
    let v = json_via_binary(SWEEP_SUITE);
    assert_eq!(
        v["tally"]["fail"], 1,
        "the report has its deliberate failure"
    );
    assert!(v["results"].as_array().unwrap().len() >= 12);
    assert_valid(&v, "the sweep report");
}

#[test]
fn the_baseline_report_validates() {
    let v = json_via_binary(BASELINE_SUITE);
    assert_eq!(v["provenance"]["schemes"][0]["name"], "e2e-baseline");
    assert_valid(&v, "the baseline report");
}

struct Broken;
static BROKEN: AttackMeta = AttackMeta {
    id: "lab-broken",
    title: "A lab attack that gives up",
    actor: "student",
    capabilities: &[],
    description: "Returns an error.",
    references: &[],
    params: &[],
};
impl Attack for Broken {
    fn meta(&self) -> &'static AttackMeta {
        &BROKEN
    }
    fn check(&self, _: &Scheme, _: &Params) -> Exposure {
        Exposure::yes("always")
    }
    fn run(&self, _: &mut AttackCtx, _: &Params) -> escrowlab::Result<Outcome> {
        Err(escrowlab::Error::misuse("the lab attack gave up"))
    }
}
static REGISTRY: &[&dyn Attack] = &[&escrowlab::attacks::key_theft::KeyTheft, &Broken];

#[test]
fn a_report_with_an_erroring_cell_validates() {
    let suite = Suite::from_toml_str_in(
        r#"
seed = 3
schemes = ["single-key"]
attacks = "all"
[population]
users = 12
epochs = 2
messages_per_session = 2
"#,
        "test",
        None,
        &Registry::of(REGISTRY),
    )
    .expect("suite parses");
    let report = run_suite(&suite, None, None).expect("suite runs");
    assert_eq!(report.tally.error, 1);
    let v: Value = serde_json::from_str(&report.to_json()).unwrap();
    assert!(v["results"][1]["error"].is_string());
    assert_valid(&v, "the report with an error");
}

// ----- broken reports are rejected -----

#[test]
fn broken_reports_are_rejected() {
    let good = json_via_binary(BASELINE_SUITE);
    assert_valid(&good, "the baseline report");
    let mut cases: Vec<(&str, Value)> = Vec::new();
    let mut v = good.clone();
    v.as_object_mut().unwrap().remove("provenance");
    cases.push(("missing provenance", v));
    let mut v = good.clone();
    v["results"][0]["surprise"] = Value::from(1);
    cases.push(("an unknown member in a cell", v));
    let mut v = good.clone();
    v["results"][0]["verdict"] = Value::from("maybe");
    cases.push(("a verdict that does not exist", v));
    let mut v = good.clone();
    v["results"][0]["exposure"]["messages"] = Value::from(-1);
    cases.push(("a negative count", v));
    let mut v = good.clone();
    v["seed"] = Value::from("42");
    cases.push(("a seed as a string", v));
    let mut v = good.clone();
    v["schema"] = Value::from("escrowlab-report/2");
    cases.push(("another schema name", v));
    let mut v = good.clone();
    v["results"][0]["exposure"]["by_epoch"] = Value::from(vec![Value::from(1.5)]);
    cases.push(("a fractional per-epoch count", v));
    let mut v = good;
    v["provenance"]["schemes"][0]
        .as_object_mut()
        .unwrap()
        .remove("sha256");
    cases.push(("a scheme without its digest", v));
    for (what, v) in cases {
        assert!(!violations(&v).is_empty(), "{what} was accepted");
    }
}

#[test]
fn the_validator_refuses_keywords_it_does_not_know() {
    let s = serde_json::json!({ "patternProperties": {} });
    let r = std::panic::catch_unwind(|| Validator { root: &s }.errors(&s, &Value::Null, ""));
    assert!(r.is_err());
}
