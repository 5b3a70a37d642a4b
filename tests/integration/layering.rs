//! The layers of `escrowlab-core`, lowest first: a module may import (with `use crate::…`
//! or a `crate::…` path in code) only from its own layer or below. The order is declared
//! here and in docs/ARCHITECTURE.md ("Layers"); this test reads every source file of the
//! core crate (test modules excluded) and fails on an import against it.
//!
//! `KNOWN` lists the imports against the order that remain, each with the file that makes
//! it. The list only shrinks: the test fails on any import against the order that is not
//! listed, and on any listed one that no longer exists (remove it from the list).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first.
const LAYERS: &[&[&str]] = &[
    // Foundation: errors, secrets, seeds, text, byte codecs, limits, names of controls.
    &[
        "error",
        "secret",
        "seed",
        "text",
        "codec",
        "append_log",
        "panics",
        "exit_codes",
        "detection",
        "limits",
        "controls",
    ],
    &["progress", "output", "input"],
    // The vocabulary every layer shares: capabilities, parameters, events, claims, cells.
    &["vocab"],
    &["backend"],
    &["config"],
    &["messaging"],
    &["relay"],
    &["world"],
    // Session escrow: what its clients attach to every session (the world's attachment
    // point) and its keys, agents, court and audit log.
    &["escrow"],
    // What a run will cost, estimated from the configuration and the world's shape.
    &["budget"],
    &["mechanism"],
    &["attack"],
    &["lawful"],
    &["runner"],
    &["report"],
    // Tools on top.
    &[
        "cost", "cases", "docs", "inspect", "labs", "testing", "prelude", "cli",
    ],
];

/// Imports against the order that remain: (from, to, file). Only shrinks.
const KNOWN: &[(&str, &str, &str)] = &[];

fn core_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("core/src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("readable source directory") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a source file belongs to.
fn module_of(rel: &Path) -> String {
    let first = rel.components().next().expect("a path").as_os_str();
    first.to_string_lossy().trim_end_matches(".rs").to_string()
}

/// Every top-level module `code` reaches with `use crate::…` (also `crate::{a, b}`) or a
/// `crate::x::` path, comments and test modules excluded.
fn imports(code: &str) -> BTreeSet<String> {
    let code = match code.find("#[cfg(test)]") {
        Some(i) => &code[..i],
        None => code,
    };
    let code: String = code
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a::b, c}`: the first segment of each item.
            let end = group.find('}').unwrap_or(group.len());
            let mut depth = 0;
            let mut item = String::new();
            for ch in group[..end].chars() {
                match ch {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.insert(first_segment(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(ch);
            }
            out.insert(first_segment(&item));
        } else {
            out.insert(first_segment(rest));
        }
    }
    out.remove("");
    out
}

fn first_segment(s: &str) -> String {
    s.trim()
        .chars()
        .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
        .collect()
}

#[test]
fn imports_follow_the_declared_layers() {
    let rank: BTreeMap<&str, usize> = LAYERS
        .iter()
        .enumerate()
        .flat_map(|(i, l)| l.iter().map(move |m| (*m, i)))
        .collect();
    let src = core_src();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut against = BTreeSet::new();
    let mut unknown = BTreeSet::new();
    for f in &files {
        let rel = f.strip_prefix(&src).expect("under core/src");
        let from = module_of(rel);
        if from == "lib" || from == "internal_tests" {
            continue;
        }
        let Some(&r) = rank.get(from.as_str()) else {
            unknown.insert(from);
            continue;
        };
        let code = std::fs::read_to_string(f).expect("readable source");
        for to in imports(&code) {
            if to == from {
                continue;
            }
            match rank.get(to.as_str()) {
                Some(&t) if t > r => {
                    against.insert((from.clone(), to, rel.to_string_lossy().replace('\\', "/")));
                }
                Some(_) => {}
                None => {
                    unknown.insert(to);
                }
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "modules not placed in a layer (add them to LAYERS and ARCHITECTURE.md): {unknown:?}"
    );
    let known: BTreeSet<(String, String, String)> = KNOWN
        .iter()
        .map(|(a, b, f)| (a.to_string(), b.to_string(), f.to_string()))
        .collect();
    let new: Vec<_> = against.difference(&known).collect();
    assert!(
        new.is_empty(),
        "imports against the declared layers: {new:?}"
    );
    let gone: Vec<_> = known.difference(&against).collect();
    assert!(
        gone.is_empty(),
        "listed as known but no longer imported (remove from KNOWN): {gone:?}"
    );
}

#[test]
fn the_reader_sees_every_form_of_import() {
    let code = "use crate::a::b;\nuse crate::{c::d, e, f::{g, h}};\nfn x() { crate::i::j(); }\n// crate::k::l\n#[cfg(test)]\nmod tests { use crate::m; }";
    let got: Vec<String> = imports(code).into_iter().collect();
    assert_eq!(got, ["a", "c", "e", "f", "i"]);
}
