//! CSV: one row per cell with flat columns (RFC 4180: comma-separated, CRLF line ends, a
//! field quoted when it holds a comma, a quote or a line break, quotes doubled).
//!
//! Columns: the cell (`scheme`, `attack`, `params` as `k=v;k=v`, `verdict`), its exposure,
//! `out_of_scope`, `before_compromise`, detection and blocking, the docket figures
//! (`docket_targets`, `docket_claimed`, `docket_learned`, `docket_fraction` (F1),
//! `docket_recall`, `docket_precision`), every cost figure as its own
//! column (`cost.` and the figure's path, nested maps flattened with dots; the union of
//! every cell's keys, sorted, empty where a cell has none), `error`, `failures`, the cell's
//! scheme's lawful utility (`scheme_lawful_retrospective`, `scheme_lawful_prospective`:
//! fractions of warranted messages read), then the provenance (`version`, `suite`, `seed`, `backend`, `scheme_sha256`).
//!
//! A text field that a spreadsheet would read as a formula (it starts with `=`, `+`, `-`,
//! `@`, a tab or a carriage return) is prefixed with `'`; numbers are written as they are.

use super::Report;
use crate::runner::{CellResult, Verdict};
use serde_json::Value;
use std::collections::BTreeMap;

/// The fixed columns before the cost figures.
const HEAD: &[&str] = &[
    "scheme",
    "attack",
    "params",
    "verdict",
    "exposure_fraction",
    "exposure_messages",
    "exposure_messages_total",
    "exposure_users",
    "exposure_users_total",
    "out_of_scope",
    "before_compromise",
    "detected",
    "detected_by",
    "blocked_by",
    "basis",
    "docket_targets",
    "docket_claimed",
    "docket_learned",
    "docket_fraction",
    "docket_recall",
    "docket_precision",
];

/// The fixed columns after the cost figures.
const TAIL: &[&str] = &[
    "error",
    "failures",
    "scheme_lawful_retrospective",
    "scheme_lawful_prospective",
    "version",
    "suite",
    "seed",
    "backend",
    "scheme_sha256",
];

/// What the cell's blocks and detections rest on: `control=kind` with `:p=` and `:delay=`
/// when known, `;`-separated (`roster-check=assumption:p=1:delay=0`).
fn basis(c: &CellResult) -> String {
    c.basis
        .iter()
        .map(|b| {
            let mut s = format!("{}={}", b.control, b.kind.word());
            if let Some(p) = b.probability {
                s.push_str(&format!(":p={p}"));
            }
            if let Some(d) = b.delay_epochs {
                s.push_str(&format!(":delay={d}"));
            }
            s
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// One field, quoted when it must be.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Text from a cell or an attack: kept from being read as a spreadsheet formula.
fn text(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// A cost figure's leaves, by dotted path under `prefix`.
fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                flatten(&format!("{prefix}.{k}"), v, out);
            }
        }
        Value::Number(n) => {
            out.insert(prefix.to_string(), n.to_string());
        }
        Value::Bool(b) => {
            out.insert(prefix.to_string(), b.to_string());
        }
        Value::String(s) => {
            out.insert(prefix.to_string(), text(s));
        }
        Value::Null => {
            out.insert(prefix.to_string(), String::new());
        }
        Value::Array(_) => {
            out.insert(prefix.to_string(), text(&v.to_string()));
        }
    }
}

fn cost_columns(c: &CellResult) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (k, v) in &c.cost {
        flatten(&format!("cost.{k}"), v, &mut out);
    }
    out
}

fn verdict(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Unjudged => "unjudged",
        Verdict::Error => "error",
    }
}

/// Renders the report as CSV: a header line, then one line per cell in report order.
pub fn render(r: &Report) -> String {
    let costs: Vec<BTreeMap<String, String>> = r.results.iter().map(cost_columns).collect();
    let mut keys: Vec<&String> = costs.iter().flat_map(|m| m.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = String::new();
    let header: Vec<String> = HEAD
        .iter()
        .map(|s| s.to_string())
        .chain(keys.iter().map(|k| k.to_string()))
        .chain(TAIL.iter().map(|s| s.to_string()))
        .map(|h| field(&h))
        .collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for (c, cost) in r.results.iter().zip(&costs) {
        let params: Vec<String> = c.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let digest = r.provenance.schemes.iter().find(|s| s.name == c.scheme);
        let lawful = r
            .schemes
            .iter()
            .find(|s| s.name == c.scheme)
            .map(|s| &s.lawful_utility);
        let e = &c.exposure;
        let mut row: Vec<String> = vec![
            text(&c.scheme),
            text(&c.attack),
            text(&params.join(";")),
            verdict(c.verdict).to_string(),
            e.fraction.to_string(),
            e.messages.to_string(),
            e.messages_total.to_string(),
            e.users.to_string(),
            e.users_total.to_string(),
            c.out_of_scope.to_string(),
            c.before_compromise.to_string(),
            c.detected.to_string(),
            text(&c.detected_by.join(";")),
            text(c.blocked_by.as_deref().unwrap_or("")),
            text(&basis(c)),
            c.docket.targets.to_string(),
            c.docket.claimed.to_string(),
            c.docket.learned.to_string(),
            c.docket.fraction.to_string(),
            c.docket.recall.to_string(),
            c.docket.precision.to_string(),
        ];
        row.extend(
            keys.iter()
                .map(|k| cost.get(*k).cloned().unwrap_or_default()),
        );
        row.extend([
            text(c.error.as_deref().unwrap_or("")),
            text(&c.failures.join("; ")),
            lawful.map(|u| u.fraction.to_string()).unwrap_or_default(),
            lawful
                .map(|u| u.prospective.fraction.to_string())
                .unwrap_or_default(),
            r.provenance.version.clone(),
            text(&r.provenance.suite),
            r.provenance.seed.to_string(),
            digest.map(|d| d.backend.clone()).unwrap_or_default(),
            digest.map(|d| d.sha256.clone()).unwrap_or_default(),
        ]);
        let row: Vec<String> = row.iter().map(|f| field(f)).collect();
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_per_rfc_4180() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("cr\r"), "\"cr\r\"");
    }

    #[test]
    fn formulas_are_defused_and_plain_text_is_not() {
        assert_eq!(text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(text("-1+2"), "'-1+2");
        assert_eq!(text("@sum"), "'@sum");
        assert_eq!(text("scope-check"), "scope-check");
    }

    #[test]
    fn nested_cost_maps_flatten_to_dotted_columns() {
        let v: Value = serde_json::json!({"a": {"b": 2, "c": {"d": 1.5}}, "e": [1, 2], "f": null});
        let mut out = BTreeMap::new();
        flatten("cost", &v, &mut out);
        let got: Vec<(&str, &str)> = out.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            got,
            [
                ("cost.a.b", "2"),
                ("cost.a.c.d", "1.5"),
                ("cost.e", "[1,2]"),
                ("cost.f", "")
            ]
        );
    }
}
