//! The terminal table and the Markdown report, rendered from a [`Report`].

use super::{OneLoophole, Report, Worst};
use crate::attack::ParamValue;
use crate::runner::{CellResult, Verdict};
use std::collections::BTreeMap;

fn pct(f: f64) -> String {
    let p = f * 100.0;
    if p == 0.0 || p >= 99.95 || p >= 10.0 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

/// Options of the matrix renderings (table and Markdown).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MatrixOptions {
    /// Every variant of a swept attack as its own row, instead of one row per attack that
    /// shows its worst variant.
    pub expand: bool,
}

/// Lines of the terminal table are kept to this width where the matrix allows: wider
/// matrices are split into panels of schemes.
const MAX_WIDTH: usize = 100;

/// The parameters that vary between the cells of one attack (its sweep).
pub(crate) fn varying(r: &Report, attack: &str) -> Vec<String> {
    let all: Vec<&CellResult> = r.results.iter().filter(|c| c.attack == attack).collect();
    let mut out = Vec::new();
    if let Some(first) = all.first() {
        for k in first.params.keys() {
            if all.iter().any(|c| c.params.get(k) != first.params.get(k)) {
                out.push(k.clone());
            }
        }
    }
    out
}

/// A variant's name from its swept parameters: a word as itself (`truncate`), other values
/// as `name=value` (`stolen=3`).
fn variant_name(c: &CellResult, varying: &[String]) -> String {
    varying
        .iter()
        .filter_map(|k| {
            c.params.get(k).map(|v| match v {
                ParamValue::Str(w) => w.clone(),
                other => format!("{k}={other}"),
            })
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The worst variant: most messages exposed, then undetected, then unblocked; the first
/// in suite order among equals (the least effort that reaches the worst).
fn worst_variant<'a>(cells: &[&'a CellResult]) -> Option<&'a CellResult> {
    let rank = |c: &CellResult| (c.exposure.messages, !c.detected, c.blocked_by.is_none());
    let mut worst: Option<&CellResult> = None;
    for c in cells {
        if worst.is_none_or(|w| rank(c) > rank(w)) {
            worst = Some(c);
        }
    }
    worst
}

/// One matrix entry. One cell: its exposure, `*` when detected, `[control]` when the
/// mechanism reported a blocking control.
/// Several (a sweep): the worst variant's exposure and its name (when the variants
/// differ); `*` only when every variant that exposed anything was detected (every variant,
/// when none exposed anything); `[control]` only when the worst variant exposed nothing.
/// `!` when an expectation failed, `ERR` when an attack errored, `n/a` when the attack's
/// capabilities do not exist under the scheme's mechanism.
fn entry(cells: &[&CellResult], varying: &[String]) -> String {
    let Some(worst) = worst_variant(cells) else {
        return "-".into();
    };
    if cells.iter().any(|c| c.verdict == Verdict::Error) {
        return "ERR".into();
    }
    if cells.iter().all(|c| !c.applicable) {
        return if cells.iter().any(|c| c.verdict == Verdict::Fail) {
            "n/a !".into()
        } else {
            "n/a".into()
        };
    }
    let exposed: Vec<&&CellResult> = cells.iter().filter(|c| c.exposure.messages > 0).collect();
    let detected = if exposed.is_empty() {
        cells.iter().all(|c| c.detected)
    } else {
        exposed.iter().all(|c| c.detected)
    };
    let mut s = pct(worst.exposure.fraction);
    if detected {
        s.push('*');
        // Detected only by a control the model assumes always works: not a measurement.
        let judged: Vec<&&CellResult> = if exposed.is_empty() {
            cells.iter().collect()
        } else {
            exposed
        };
        if judged.iter().all(|c| c.detected_only_by_assumption()) {
            s.push('a');
        }
    }
    let same = cells.iter().all(|c| {
        (c.exposure.messages, c.detected, &c.blocked_by)
            == (worst.exposure.messages, worst.detected, &worst.blocked_by)
    });
    if !same {
        let name = variant_name(worst, varying);
        if !name.is_empty() {
            s.push(' ');
            s.push_str(&name);
        }
    }
    if let Some(b) = worst.blocked_shown() {
        if cells.len() == 1 || worst.exposure.messages == 0 {
            s.push_str(&format!(" [{b}]"));
        }
    }
    if cells.iter().any(|c| c.verdict == Verdict::Fail) {
        s.push_str(" !");
    }
    s
}

/// The worst attack's parameters, `name=value` separated by spaces (empty without any).
fn worst_params(w: &Worst) -> String {
    w.params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn worst_line(w: &Option<Worst>) -> String {
    match w {
        None => "n/a".into(),
        Some(w) => {
            let params = worst_params(w);
            format!(
                "{}, {} ({}) ({}{})",
                crate::text::count(w.users, "user", "users"),
                crate::text::count(w.messages, "message", "messages"),
                pct(w.fraction),
                w.attack,
                if params.is_empty() {
                    String::new()
                } else {
                    format!(" {params}")
                }
            )
        }
    }
}

/// Plain E2E's single-device failures over every device, in words: worst, mean, median.
fn e2e_devices(l: Option<&OneLoophole>) -> String {
    match l {
        None => "n/a (no endpoint-compromise in the registry)".into(),
        Some(l) => {
            let d = &l.e2e;
            format!(
                "worst {} ({}, user {}), mean {:.2} users ({:.1} messages), median {} users ({} messages), over all {} devices",
                crate::text::count(d.worst_device.users, "user", "users"),
                crate::text::count(d.worst_device.messages, "message", "messages"),
                d.worst_device.user,
                d.users.mean,
                d.messages.mean,
                d.users.median,
                d.messages.median,
                d.devices
            )
        }
    }
}

/// The plain-E2E reference every one-loophole line of a report is compared with: the same
/// for every scheme of a suite (one population, one seed), so it is printed once.
fn e2e_reference(r: &Report) -> Option<&OneLoophole> {
    r.schemes.iter().find_map(|s| s.loophole.as_ref())
}

fn ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "n/a".to_string(), |r| format!("{r:.1}×"))
}

/// The one-loophole block of the text report, in lines that fit 80 columns: plain E2E's
/// single-device failures over every device once, then per scheme its worst single attack
/// (users, fraction of messages) and how many times the worst and the median device's users
/// that is, then which attack and variant it was.
fn loophole_block(r: &Report) -> String {
    let mut out = String::from("One loophole (users exposed by the worst single failure):\n");
    out.push_str(&crate::text::wrap(
        &format!("comparison: {}.", crate::runner::loophole::COMPARISON),
        80,
        "  ",
        "    ",
    ));
    out.push('\n');
    match e2e_reference(r) {
        None => out.push_str("  plain E2E: n/a (no endpoint-compromise in the registry)\n"),
        Some(l) => {
            let d = &l.e2e;
            out.push_str(&format!(
                "  plain E2E, one device (endpoint-compromise on each of {}):\n    \
                 worst {} (user {}), median {}, mean {:.2}\n",
                crate::text::count(d.devices, "device", "devices"),
                crate::text::count(d.worst_device.users, "user", "users"),
                d.worst_device.user,
                d.users.median,
                d.users.mean
            ));
        }
    }
    for s in &r.schemes {
        let Some(w) = &s.worst else {
            out.push_str(&format!("  {:<22} n/a\n", s.name));
            continue;
        };
        let l = s.loophole.as_ref();
        out.push_str(&format!(
            "  {:<22} {}, {} msgs; {} worst device, {} median\n",
            s.name,
            crate::text::count(w.users, "user", "users"),
            pct(w.fraction),
            ratio(l.and_then(|l| l.ratio_to_worst_device)),
            ratio(l.and_then(|l| l.ratio_to_median_device)),
        ));
        let params = worst_params(w);
        let variant = if params.is_empty() {
            String::new()
        } else {
            format!(" {params}")
        };
        out.push_str(&format!("  {:<22} by {}{variant}\n", "", w.attack));
    }
    out
}

/// One row of the matrix: an attack (every variant), or with `expand` one variant of it.
struct Row {
    label: String,
    attack: String,
    params: Option<BTreeMap<String, ParamValue>>,
    varying: Vec<String>,
}

fn rows(r: &Report, opts: MatrixOptions) -> Vec<Row> {
    let mut out: Vec<Row> = Vec::new();
    for c in &r.results {
        let have = out.iter().any(|row| {
            row.attack == c.attack && row.params.as_ref().is_none_or(|p| *p == c.params)
        });
        if have {
            continue;
        }
        let varying = varying(r, &c.attack);
        if opts.expand && !varying.is_empty() {
            out.push(Row {
                label: format!("{} {}", c.attack, variant_name(c, &varying)),
                attack: c.attack.clone(),
                params: Some(c.params.clone()),
                varying,
            });
        } else {
            out.push(Row {
                label: c.attack.clone(),
                attack: c.attack.clone(),
                params: None,
                varying,
            });
        }
    }
    // Keep each attack's variants together, in the order the attack first appeared.
    let order: Vec<String> = out.iter().fold(Vec::new(), |mut v, row| {
        if !v.contains(&row.attack) {
            v.push(row.attack.clone());
        }
        v
    });
    out.sort_by_key(|row| order.iter().position(|a| *a == row.attack));
    out
}

fn row_cells<'a>(r: &'a Report, scheme: &str, row: &Row) -> Vec<&'a CellResult> {
    r.results
        .iter()
        .filter(|c| {
            c.scheme == scheme
                && c.attack == row.attack
                && row.params.as_ref().is_none_or(|p| *p == c.params)
        })
        .collect()
}

fn row_entries(r: &Report, row: &Row) -> Vec<String> {
    r.schemes
        .iter()
        .map(|s| entry(&row_cells(r, &s.name, row), &row.varying))
        .collect()
}

/// Each expectation of a failed cell that failed: its reasons and its comment.
fn failed_expectations(c: &CellResult) -> Vec<(String, Option<String>)> {
    c.expected
        .iter()
        .filter_map(|e| {
            let f = e.failures(c);
            (!f.is_empty()).then(|| (f.join("; "), e.comment.clone()))
        })
        .collect()
}

fn params_line(c: &CellResult) -> String {
    c.params_shown(" ")
}

/// The matrix for a terminal: attack rows, scheme columns, split into panels of schemes
/// when one panel would be wider than [`MAX_WIDTH`].
fn matrix(r: &Report, opts: MatrixOptions) -> String {
    let rows = rows(r, opts);
    let w0 = rows.iter().map(|a| a.label.len()).max().unwrap_or(6).max(8) + 2;
    let entries: Vec<Vec<String>> = rows.iter().map(|row| row_entries(r, row)).collect();
    let widths: Vec<usize> = r
        .schemes
        .iter()
        .enumerate()
        .map(|(i, s)| {
            entries
                .iter()
                .map(|e| e[i].chars().count())
                .max()
                .unwrap_or(0)
                .max(s.name.len())
                + 2
        })
        .collect();
    // A column's width includes two spaces of padding, trimmed after the last column.
    let mut panels: Vec<Vec<usize>> = Vec::new();
    let mut used = w0;
    for (i, &w) in widths.iter().enumerate() {
        if panels.is_empty() || used + w > MAX_WIDTH + 2 {
            panels.push(Vec::new());
            used = w0;
        }
        if let Some(p) = panels.last_mut() {
            p.push(i);
        }
        used += w;
    }
    let mut out = String::new();
    for (n, panel) in panels.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let mut line = format!("{:<w0$}", "exposure");
        for &i in panel {
            line.push_str(&format!("{:<w$}", r.schemes[i].name, w = widths[i]));
        }
        out.push_str(line.trim_end());
        out.push('\n');
        for (row, e) in rows.iter().zip(&entries) {
            let mut line = format!("{:<w0$}", row.label);
            for &i in panel {
                line.push_str(&format!("{:<w$}", e[i], w = widths[i]));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}

/// The provenance footer of the table, in lines within [`MAX_WIDTH`] columns (a scheme
/// name too long to share a line with its digest puts the digest on the next line).
fn provenance_footer(r: &Report) -> String {
    let p = &r.provenance;
    // The heading already gives the seed, backends and population.
    let mut out = format!(
        "\nProvenance: escrowlab {} (seed, backend and population as in the heading)\n\
         Scheme SHA-256 (canonical form; first {DIGEST_SHOWN} hex digits, all 64 in JSON):\n",
        p.version,
    );
    for s in &p.schemes {
        let short = s.sha256.get(..DIGEST_SHOWN).unwrap_or(&s.sha256);
        if 2 + s.name.len() + 1 + short.len() <= 80 && s.name.len() <= 22 {
            out.push_str(&format!("  {:<22} {short}\n", s.name));
        } else {
            out.push_str(&format!("  {}\n  {:<22} {short}\n", s.name, ""));
        }
    }
    out
}

/// Hex digits of a scheme digest the table shows (the JSON, Markdown, HTML and CSV reports
/// carry all 64).
const DIGEST_SHOWN: usize = 16;

/// What every reported block and detection rests on, one row per distinct basis.
fn bases_markdown(r: &Report) -> String {
    let mut seen: Vec<&crate::controls::ControlBasis> = Vec::new();
    for c in &r.results {
        for b in &c.basis {
            if !seen.contains(&b) {
                seen.push(b);
            }
        }
    }
    if seen.is_empty() {
        return String::new();
    }
    seen.sort_by(|a, b| a.control.cmp(&b.control));
    let mut out = String::from(
        "\n## What the blocks and detections rest on\n\nAn *assumption* is certain by construction \
         (the model makes the control work every time, at once): it is not a measured block. \
         *Cryptographic* holds unless a cryptographic assumption fails; *design* means the design \
         has nothing to take; *measured* gives the probability or delay the run measured or \
         computed.\n\n| control | basis | probability | delay (epochs) | rests on |\n|---|---|---|---|---|\n",
    );
    let opt = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.4}"));
    for b in seen {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            b.control,
            b.kind.word(),
            opt(b.probability),
            opt(b.delay_epochs),
            b.rests_on.replace('|', "\\|")
        ));
    }
    out
}

/// The provenance section of the Markdown report.
fn provenance_markdown(r: &Report) -> String {
    let p = &r.provenance;
    let mut out = format!(
        "\n## Provenance\n\nescrowlab {}, suite `{}`, seed {}, backend {}, {} users × {} epochs × \
         {} messages per session.\n\n| scheme | backend | SHA-256 of its definition |\n|---|---|---|\n",
        p.version,
        p.suite,
        p.seed,
        p.backends.join(", "),
        p.population.users,
        p.population.epochs,
        p.population.messages_per_session,
    );
    for s in &p.schemes {
        out.push_str(&format!(
            "| {} | {} | `{}` |\n",
            s.name, s.backend, s.sha256
        ));
    }
    out
}

/// The terminal rendering: the matrix, the one-loophole lines, lawful utility, the tally.
pub fn table(r: &Report) -> String {
    table_with(r, MatrixOptions::default())
}

/// As [`table`], with matrix options (`--expand`).
pub fn table_with(r: &Report, opts: MatrixOptions) -> String {
    let mut out = format!(
        "escrowlab suite {} — seed {}, backend {}\n{} × {} × {} messages/session\n\n",
        r.suite,
        r.seed,
        r.backends.join("+"),
        crate::text::count(r.population.users, "user", "users"),
        crate::text::count(r.population.epochs, "epoch", "epochs"),
        r.population.messages_per_session,
    );
    out.push_str(&matrix(r, opts));
    out.push_str(
        "\n  % = messages exposed (confirmed against ground truth); * = detected;\n  \
         [control] = what blocked it; ! = expectation failed. *a = detected only by\n  \
         a control the model assumes always works (certain by construction, not\n  \
         measured); [control, assumed] likewise for a block; [control, p=...] gives\n  \
         the measured probability behind it. A swept attack shows\n  \
         its worst variant, named; there * means every variant that exposed anything\n  \
         was detected, and [control] appears only when the worst variant exposed\n  \
         nothing. --expand shows every variant.\n\n",
    );
    out.push_str(&loophole_block(r));
    out.push_str(
        "\nLawful utility (warranted messages law enforcement can read; the same\n\
         targets retrospectively, warrants issued at the end over every epoch, and\n\
         prospectively, issued at the middle epoch; cost as the mechanism measured it):\n",
    );
    let pad = " ".repeat(25);
    for s in &r.schemes {
        let u = &s.lawful_utility;
        let p = &u.prospective;
        out.push_str(&format!(
            "  {:<22} retrospective {} ({} of {})\n{pad}prospective {} ({} of {}), from epoch {}\n",
            s.name,
            pct(u.fraction),
            u.readable,
            u.warranted_messages,
            pct(p.fraction),
            p.readable,
            p.warranted_messages,
            p.from_epoch
        ));
        if !u.cost.is_empty() || !p.cost.is_empty() {
            out.push_str(&crate::text::wrap(
                &format!(
                    "cost: retrospective {}; prospective {}",
                    crate::lawful::cost_words(&u.cost),
                    crate::lawful::cost_words(&p.cost)
                ),
                80,
                &pad,
                &pad,
            ));
            out.push('\n');
        }
        if let Some(a) = &u.assumption {
            out.push_str(&crate::text::wrap(a, 80, &pad, &pad));
            out.push('\n');
        }
    }
    out.push_str(&docket_block(r));
    let t = &r.tally;
    out.push_str(&format!(
        "\n{}: {} passed, {} failed, {} unjudged, {}\n",
        crate::text::count(t.cells, "cell", "cells"),
        t.pass,
        t.fail,
        t.unjudged,
        crate::text::count(t.error, "error", "errors")
    ));
    for c in r
        .results
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Fail | Verdict::Error))
    {
        let why = if c.verdict == Verdict::Error {
            c.error.clone().unwrap_or_default()
        } else {
            c.failures.join("; ")
        };
        out.push_str(&format!(
            "  {} {}/{} [{}]: {why}\n",
            if c.verdict == Verdict::Error {
                "ERROR"
            } else {
                "FAIL"
            },
            c.scheme,
            c.attack,
            params_line(c)
        ));
        for (_, comment) in failed_expectations(c) {
            if let Some(comment) = comment {
                out.push_str(&format!("      expected because: {comment}\n"));
            }
        }
    }
    out.push_str(&provenance_footer(r));
    out
}

/// What the docket block says its figures are.
const DOCKET_LEGEND: &str = "Warrant targets the attacker named, judged against the standing docket: F1 of recall (targets named) and precision (named users who are targets), so naming everyone scores near 0.";

/// The docket exposure of every cell whose attack named a target (none: empty).
fn docket_block(r: &Report) -> String {
    let named: Vec<&CellResult> = r.results.iter().filter(|c| c.docket.claimed > 0).collect();
    if named.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "\nDocket exposure (warrant targets the attacker named; F1 of recall and precision,\n\
         so naming everyone scores near 0):\n",
    );
    for c in named {
        let name = if c.params.is_empty() {
            c.attack.clone()
        } else {
            format!("{} [{}]", c.attack, params_line(c))
        };
        // Two lines a cell, so that the table keeps within 100 columns.
        out.push_str(&format!(
            "  {:<22} {}\n      {}\n",
            c.scheme,
            name,
            super::docket_summary(&c.docket)
        ));
    }
    out
}

/// The Markdown section on lawful access: both kinds per scheme, with their cost.
fn lawful_markdown(r: &Report) -> String {
    let mut out = String::from(
        "\n## Lawful access\n\nThe same targets served two kinds of warrant: retrospective (issued at the end of the run, covering every epoch) and prospective (issued at the start of the middle epoch, covering it to the last), both executed at the end. Cost as the mechanism measured it, summed over the warrants.\n\n| scheme | kind | utility | read of warranted | cost |\n|---|---|---|---|---|\n",
    );
    let mut notes = Vec::new();
    for s in &r.schemes {
        let u = &s.lawful_utility;
        let p = &u.prospective;
        let mark = match &u.assumption {
            Some(a) => {
                notes.push(a.clone());
                format!(" ({})", notes.len())
            }
            None => String::new(),
        };
        out.push_str(&format!(
            "| {}{mark} | retrospective | {} | {} of {} | {} |\n| {}{mark} | prospective, from epoch {} | {} | {} of {} | {} |\n",
            s.name,
            pct(u.fraction),
            u.readable,
            u.warranted_messages,
            crate::lawful::cost_words(&u.cost),
            s.name,
            p.from_epoch,
            pct(p.fraction),
            p.readable,
            p.warranted_messages,
            crate::lawful::cost_words(&p.cost),
        ));
    }
    for (i, n) in notes.iter().enumerate() {
        out.push_str(&format!("\n({}) {n}.\n", i + 1));
    }
    out
}

/// A Markdown report fit for a lab write-up.
pub fn markdown(r: &Report) -> String {
    markdown_with(r, MatrixOptions::default())
}

/// As [`markdown`], with matrix options (`--expand`).
pub fn markdown_with(r: &Report, opts: MatrixOptions) -> String {
    let mut out = format!(
        "# escrowlab report\n\nSuite `{}`, seed {}, {} × {} × {} messages per \
         session, backend {}.\n\n## Exposure matrix\n\n",
        r.suite,
        r.seed,
        crate::text::count(r.population.users, "user", "users"),
        crate::text::count(r.population.epochs, "epoch", "epochs"),
        r.population.messages_per_session,
        r.backends.join(", ")
    );
    out.push_str("| attack |");
    for s in &r.schemes {
        out.push_str(&format!(" {} |", s.name));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(r.schemes.len()));
    out.push('\n');
    for row in rows(r, opts) {
        out.push_str(&format!("| `{}` |", row.label));
        for e in row_entries(r, &row) {
            out.push_str(&format!(" {} |", e.replace('|', "\\|")));
        }
        out.push('\n');
    }
    out.push_str(
        "\n`*` detected, `[control]` blocked by, `!` expectation failed; `*a` detected only by a \
         control the model assumes always works (certain by construction, not measured), \
         `[control, assumed]` likewise for a block, `[control, p=...]` the measured probability \
         behind it. A swept attack shows \
         its worst variant and names it; `*` only when every variant that exposed anything \
         was detected; `[control]` only when the worst variant exposed nothing.\n",
    );
    out.push_str(&format!(
        "\n## One loophole\n\nEach scheme's worst single attack, against plain E2E's single-device failures (`endpoint-compromise` on every device under `e2e-baseline`): {}.\n\nComparison: {}.\n\n| scheme | worst single attack | × the worst device (users) | × the median device (users) | lawful utility, retrospective / prospective |\n|---|---|---|---|---|\n",
        e2e_devices(e2e_reference(r)),
        crate::runner::loophole::COMPARISON
    ));
    for s in &r.schemes {
        let l = s.loophole.as_ref();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} / {} |\n",
            s.name,
            worst_line(&s.worst),
            ratio(l.and_then(|l| l.ratio_to_worst_device)),
            ratio(l.and_then(|l| l.ratio_to_median_device)),
            pct(s.lawful_utility.fraction),
            pct(s.lawful_utility.prospective.fraction)
        ));
    }
    out.push_str(&lawful_markdown(r));
    let named: Vec<&CellResult> = r.results.iter().filter(|c| c.docket.claimed > 0).collect();
    if !named.is_empty() {
        out.push_str(&format!("\n## Docket exposure\n\n{DOCKET_LEGEND}\n\n| scheme | attack | params | docket (F1) | recall | precision |\n|---|---|---|---|---|---|\n"));
        for c in named {
            let d = &c.docket;
            out.push_str(&format!(
                "| {} | {} | {} | {:.2} | {}/{} ({:.2}) | {}/{} ({:.2}) |\n",
                c.scheme,
                c.attack,
                params_line(c),
                d.fraction,
                d.learned,
                d.targets,
                d.recall,
                d.learned,
                d.claimed,
                d.precision
            ));
        }
    }
    out.push_str("\n## Cells\n\n| scheme | attack | params | exposure | users | out of scope | before compromise | detected by | blocked by | verdict |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for c in &r.results {
        out.push_str(&format!(
            "| {} | {} | {} | {} ({}/{}) | {}/{} | {} | {} | {} | {} | {:?} |\n",
            c.scheme,
            c.attack,
            params_line(c),
            pct(c.exposure.fraction),
            c.exposure.messages,
            c.exposure.messages_total,
            c.exposure.users,
            c.exposure.users_total,
            c.out_of_scope,
            c.before_compromise,
            c.detected_shown(),
            c.blocked_shown().unwrap_or_else(|| "-".into()),
            c.verdict
        ));
    }
    out.push_str(&bases_markdown(r));
    let t = &r.tally;
    out.push_str(&format!(
        "\n{}: {} passed, {} failed, {} unjudged, {}.\n",
        crate::text::count(t.cells, "cell", "cells"),
        t.pass,
        t.fail,
        t.unjudged,
        crate::text::count(t.error, "error", "errors")
    ));
    let bad: Vec<&CellResult> = r
        .results
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Fail | Verdict::Error))
        .collect();
    if !bad.is_empty() {
        out.push_str("\n## Failures\n\n");
    }
    for c in bad {
        let head = format!("- `{}` / `{}` ({})", c.scheme, c.attack, params_line(c));
        if c.verdict == Verdict::Error {
            out.push_str(&format!(
                "{head}: **error**: {}\n",
                c.error.as_deref().unwrap_or("")
            ));
            continue;
        }
        for (why, comment) in failed_expectations(c) {
            out.push_str(&format!("{head}: **failed**: {why}.\n"));
            match comment {
                Some(comment) => out.push_str(&format!("  Expected because: {comment}\n")),
                None => out.push_str("  (The expectation gives no comment.)\n"),
            }
        }
    }
    out.push_str(&provenance_markdown(r));
    out
}
