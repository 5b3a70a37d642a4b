//! docs/ATTACKS.md, docs/SCHEMES.md and docs/SUITES.md are generated from the code; these
//! tests fail when a committed file is stale. Regenerate with
//! `ESCROWLAB_BLESS=1 cargo test --test integration docs::`. The key tables the scheme and suite
//! references come from are checked against the parsers, both ways, and against every key
//! the fixtures use.

use escrowlab::config::scheme::{Scheme, SCHEME_KEYS};
use escrowlab::config::KeyDoc;
use escrowlab::runner::suite_file::{Suite, SUITE_KEYS};
use std::collections::BTreeSet;
use std::path::Path;

fn current(file: &str, want: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(file);
    if std::env::var_os("ESCROWLAB_BLESS").is_some() {
        std::fs::write(&path, want).unwrap_or_else(|e| panic!("write docs/{file}: {e}"));
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/{file} is stale: run `ESCROWLAB_BLESS=1 cargo test --test integration docs::`"
    );
}

#[test]
fn attacks_md_is_current() {
    current(
        "ATTACKS.md",
        &escrowlab::docs::attacks_markdown(&escrowlab::attacks::builtins()),
    );
}

#[test]
fn schemes_md_is_current() {
    current("SCHEMES.md", &escrowlab::docs::schemes_markdown());
}

#[test]
fn mechanisms_md_is_current() {
    current("MECHANISMS.md", &escrowlab::docs::mechanisms_markdown());
}

#[test]
fn threat_models_defence_table_is_current() {
    use escrowlab::docs::{defences_markdown, DEFENCES_BEGIN, DEFENCES_END};
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/THREAT-MODEL.md");
    let have = std::fs::read_to_string(&path).unwrap();
    let start = have
        .find(DEFENCES_BEGIN)
        .expect("THREAT-MODEL.md has the begin marker")
        + DEFENCES_BEGIN.len();
    let end = have
        .find(DEFENCES_END)
        .expect("THREAT-MODEL.md has the end marker");
    let want = format!("\n\n{}", defences_markdown());
    if std::env::var_os("ESCROWLAB_BLESS").is_some() {
        let text = format!("{}{want}{}", &have[..start], &have[end..]);
        std::fs::write(&path, text).unwrap();
    } else {
        assert!(
            have[start..end] == want,
            "docs/THREAT-MODEL.md's defence table is stale: run `ESCROWLAB_BLESS=1 cargo test \
             --test integration docs::`"
        );
    }
    // Every defence is in it, with what it assumes.
    for d in escrowlab::controls::DEFENCES {
        assert!(want.contains(d.assumes) || want.contains(&d.assumes.replace('|', "\\|")));
    }
}

#[test]
fn suites_md_is_current() {
    current("SUITES.md", &escrowlab::docs::suites_markdown());
}

// ----- the key tables agree with the parsers -----

const SCHEME_BASE: &str = r#"
name = "doc-test"
summary = "every documented key, one at a time"
[custody]
kind = "threshold"
k = 2
n = 3
[warrant]
court = { kind = "threshold", k = 2, n = 3 }
[mechanism]
family = "session-escrow"
"#;

const SUITE_BASE: &str = r#"
schemes = ["single-key"]
attacks = ["key-theft"]
[population]
users = 20
epochs = 3
[[expect]]
scheme = "single-key"
attack = "key-theft"
detected = false
"#;

/// The attack and parameter standing for `*` and `PARAM` in the suite's key table.
const ATTACK: &str = "key-theft";
const PARAM: &str = "at_epoch";

/// `base` with `key = example` set in `table` (dotted; `*` an attack id; an array of
/// tables gets it in its first element).
fn with_key(base: &str, k: &KeyDoc) -> String {
    with_value(base, k, k.example)
}

/// As [`with_key`], with `example` (TOML) as the value.
fn with_value(base: &str, k: &KeyDoc, example: &str) -> String {
    let mut doc: toml::Table = base.parse().unwrap();
    let value: toml::Table = format!("v = {example}")
        .parse()
        .unwrap_or_else(|e| panic!("example of `{}`: {e}", k.key));
    let value = value["v"].clone();
    let mut t = &mut doc;
    for part in k.table.split('.').filter(|p| !p.is_empty()) {
        let part = if part == "*" { ATTACK } else { part };
        let next = t
            .entry(part)
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        t = match next {
            toml::Value::Table(t) => t,
            toml::Value::Array(a) => a[0].as_table_mut().unwrap(),
            other => panic!("`{part}` is {other:?}"),
        };
    }
    let key = if k.key == "PARAM" { PARAM } else { k.key };
    t.insert(key.to_string(), value);
    // A key that applies under another key's value only (`model = "power-law"` only) gets
    // that value too.
    if k.allowed.ends_with(" only") {
        if let Some(pre) = k.allowed.split('`').find(|p| p.contains(" = ")) {
            let pre: toml::Table = pre.parse().unwrap();
            for (pk, pv) in pre {
                t.entry(pk).or_insert(pv);
            }
        }
    }
    toml::to_string(&doc).unwrap()
}

#[test]
fn every_documented_scheme_key_is_accepted() {
    for k in SCHEME_KEYS {
        let text = with_key(SCHEME_BASE, k);
        if let Err(e) = Scheme::from_toml_str(&text, "doc-test") {
            panic!("[{}] {} = {}: {e}\n{text}", k.table, k.key, k.example);
        }
    }
}

#[test]
fn every_documented_suite_key_is_accepted() {
    let registry = escrowlab::attacks::builtins();
    for k in SUITE_KEYS {
        let text = with_key(SUITE_BASE, k);
        if let Err(e) = Suite::from_toml_str(&text, "doc-test", None, &registry) {
            panic!("[{}] {} = {}: {e}\n{text}", k.table, k.key, k.example);
        }
    }
}

/// The keys the parser names for `table` when given an unknown one ("expected one of ...").
fn parser_keys(text: &str) -> BTreeSet<String> {
    let registry = escrowlab::attacks::builtins();
    let err = match Scheme::from_toml_str(text, "t") {
        Err(e) if text.contains("doc-test") => e.to_string(),
        _ => match Suite::from_toml_str(text, "t", None, &registry) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("an unknown key was accepted:\n{text}"),
        },
    };
    let list = err
        .split_once("expected one of ")
        .or_else(|| err.split_once("expected "))
        .unwrap_or_else(|| panic!("no list of keys in: {err}"))
        .1;
    // "`a`, `b`, `c`" or "`a` or `b`": the backquoted spans.
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn documented(keys: &[KeyDoc], table: &str) -> BTreeSet<String> {
    keys.iter()
        .filter(|k| k.table == table)
        .map(|k| k.key.to_string())
        .collect()
}

#[test]
fn every_key_the_parsers_accept_is_documented() {
    let unknown = KeyDoc {
        table: "",
        key: "zz_not_a_key",
        ty: "",
        default: "",
        allowed: "",
        doc: "",
        example: "1",
    };
    for table in [
        "", "custody", "field", "warrant", "audit", "combiner", "client",
    ] {
        let text = with_key(SCHEME_BASE, &KeyDoc { table, ..unknown });
        assert_eq!(
            parser_keys(&text),
            documented(SCHEME_KEYS, table),
            "scheme table [{table}]"
        );
    }
    for table in ["", "population", "expect"] {
        let text = with_key(SUITE_BASE, &KeyDoc { table, ..unknown });
        assert_eq!(
            parser_keys(&text),
            documented(SUITE_KEYS, table),
            "suite table [{table}]"
        );
    }
    // The court's keys, which its own representation checks.
    let court: BTreeSet<String> = ["kind", "k", "n"].map(String::from).into();
    assert_eq!(documented(SCHEME_KEYS, "warrant.court"), court);
    let bad = SCHEME_BASE.replace("k = 2, n = 3 }", "k = 2, n = 3, zz = 1 }");
    let err = Scheme::from_toml_str(&bad, "t").unwrap_err().to_string();
    for k in &court {
        assert!(err.contains(&format!("`{k}`")), "{err}");
    }
}

/// Every value a string key documents is one its parser knows, and the other way round:
/// a key whose parser rejects an unknown word with "unknown variant ..., expected ..." lists
/// exactly the documented values.
#[test]
fn every_documented_word_is_one_the_parser_knows() {
    let registry = escrowlab::attacks::builtins();
    let spans = |s: &str| -> BTreeSet<String> {
        s.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    let mut checked = BTreeSet::new();
    for (keys, base, scheme) in [
        (SCHEME_KEYS, SCHEME_BASE, true),
        (SUITE_KEYS, SUITE_BASE, false),
    ] {
        for k in keys.iter().filter(|k| k.ty == "string") {
            let parse = |v: &str| -> Result<(), String> {
                let text = with_value(base, k, v);
                if scheme {
                    Scheme::from_toml_str(&text, "t")
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                } else {
                    Suite::from_toml_str(&text, "t", None, &registry)
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                }
            };
            let Err(e) = parse("\"zz-bogus\"") else {
                continue; // free text (a name, a summary)
            };
            let Some((_, list)) = e.split_once("unknown variant `zz-bogus`, expected ") else {
                continue; // free text or a name checked elsewhere: no list of words
            };
            let documented = spans(k.allowed);
            assert_eq!(spans(list), documented, "[{}] {}", k.table, k.key);
            checked.insert(format!("{}.{}", k.table, k.key));
            for w in &documented {
                if let Err(e) = parse(&format!("\"{w}\"")) {
                    assert!(
                        !e.contains("unknown variant"),
                        "[{}] {} = {w}: {e}",
                        k.table,
                        k.key
                    );
                }
            }
        }
    }
    // The word-valued keys of both files (the suite's `backend` counted with the scheme's).
    for k in [
        ".backend",
        "custody.kind",
        "custody.keygen",
        "custody.lifetime",
        "field.binding",
        "warrant.court.kind",
        "audit.log",
    ] {
        assert!(checked.contains(k), "{k} not checked: {checked:?}");
    }
}

// ----- every key the fixtures use is documented -----

fn check_table(keys: &[KeyDoc], path: &str, t: &toml::Table, file: &Path) {
    for (k, v) in t {
        if path == "params" || path == "sweep" {
            let params = v.as_table().unwrap();
            for p in params.keys() {
                assert!(
                    keys.iter()
                        .any(|d| d.table == format!("{path}.*") && d.key == "PARAM"),
                    "{}: [{path}.{k}] {p} is not documented",
                    file.display()
                );
            }
            continue;
        }
        assert!(
            keys.iter().any(|d| d.table == path && d.key == k),
            "{}: key `{k}` of [{path}] is not documented",
            file.display()
        );
        let sub = if path.is_empty() {
            k.clone()
        } else {
            format!("{path}.{k}")
        };
        let has_docs = keys
            .iter()
            .any(|d| d.table == sub || d.table.starts_with(&format!("{sub}.")));
        match v {
            toml::Value::Table(inner) if has_docs => check_table(keys, &sub, inner, file),
            toml::Value::Array(items) if has_docs => {
                for i in items.iter().filter_map(|i| i.as_table()) {
                    check_table(keys, &sub, i, file);
                }
            }
            _ => {}
        }
    }
}

fn toml_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            toml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "toml") {
            out.push(p);
        }
    }
}

#[test]
fn every_key_the_fixtures_use_is_documented() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for (dir, keys) in [("schemes", SCHEME_KEYS), ("suites", SUITE_KEYS)] {
        let mut files = Vec::new();
        toml_files(&root.join(dir), &mut files);
        assert!(!files.is_empty(), "no fixtures in {dir}");
        for f in files {
            let t: toml::Table = std::fs::read_to_string(&f).unwrap().parse().unwrap();
            check_table(keys, "", &t, &f);
        }
    }
}
