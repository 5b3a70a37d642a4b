//! The terminal table and the Markdown report, rendered from a [`Report`].

use super::{Report, Worst};
use crate::runner::{CellResult, Verdict};

fn pct(f: f64) -> String {
    let p = f * 100.0;
    if p == 0.0 || p >= 99.95 || p >= 10.0 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

/// One matrix entry: exposure (a range over sweeps), `*` when detected, the blocking control,
/// `!` when an expectation failed, `ERR` when the attack errored.
fn entry(cells: &[&CellResult]) -> String {
    if cells.is_empty() {
        return "-".into();
    }
    if cells.iter().any(|c| c.verdict == Verdict::Error) {
        return "ERR".into();
    }
    let lo = cells
        .iter()
        .map(|c| c.exposure.fraction)
        .fold(f64::INFINITY, f64::min);
    let hi = cells
        .iter()
        .map(|c| c.exposure.fraction)
        .fold(0.0, f64::max);
    let mut s = if (hi - lo).abs() < 1e-12 {
        pct(hi)
    } else {
        format!("{}-{}", pct(lo), pct(hi))
    };
    if cells.iter().any(|c| c.detected) {
        s.push('*');
    }
    if let Some(b) = cells.iter().find_map(|c| c.blocked_by.as_deref()) {
        s.push_str(&format!(" [{b}]"));
    }
    if cells.iter().any(|c| c.verdict == Verdict::Fail) {
        s.push_str(" !");
    }
    s
}

fn worst_line(w: &Option<Worst>) -> String {
    match w {
        None => "n/a".into(),
        Some(w) => {
            let params: Vec<String> = w.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!(
                "{} of messages, {} users ({}{})",
                pct(w.fraction),
                w.users,
                w.attack,
                if params.is_empty() {
                    String::new()
                } else {
                    format!(" {}", params.join(" "))
                }
            )
        }
    }
}

fn attacks_in_order(r: &Report) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for c in &r.results {
        if !v.contains(&c.attack) {
            v.push(c.attack.clone());
        }
    }
    v
}

fn cells<'a>(r: &'a Report, scheme: &str, attack: &str) -> Vec<&'a CellResult> {
    r.results
        .iter()
        .filter(|c| c.scheme == scheme && c.attack == attack)
        .collect()
}

/// The terminal rendering: the matrix, the one-loophole lines, lawful utility, the tally.
pub fn table(r: &Report) -> String {
    let attacks = attacks_in_order(r);
    let w0 = attacks.iter().map(|a| a.len()).max().unwrap_or(6).max(6) + 2;
    let rows: Vec<Vec<String>> = attacks
        .iter()
        .map(|a| {
            r.schemes
                .iter()
                .map(|s| entry(&cells(r, &s.name, a)))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = r
        .schemes
        .iter()
        .enumerate()
        .map(|(i, s)| {
            rows.iter()
                .map(|row| row[i].len())
                .max()
                .unwrap_or(0)
                .max(s.name.len())
                + 2
        })
        .collect();
    let mut out = format!(
        "escrowlab suite {} — seed {}, {} users × {} epochs × {} messages/session, backend {}\n\n",
        r.suite,
        r.seed,
        r.population.users,
        r.population.epochs,
        r.population.messages_per_session,
        r.backends.join("+")
    );
    out.push_str(&format!("{:<w0$}", "exposure"));
    for (s, w) in r.schemes.iter().zip(&widths) {
        out.push_str(&format!("{:<w$}", s.name, w = *w));
    }
    out.push('\n');
    for (a, row) in attacks.iter().zip(&rows) {
        out.push_str(&format!("{a:<w0$}"));
        for (e, w) in row.iter().zip(&widths) {
            out.push_str(&format!("{e:<w$}", w = *w));
        }
        out.push('\n');
    }
    out.push_str("\n  % = messages exposed (confirmed against ground truth); * = detected; [control] = what blocked it; ! = expectation failed\n\n");
    out.push_str("One loophole:\n");
    for s in &r.schemes {
        out.push_str(&format!(
            "  {:<22} worst single attack: {}; plain E2E worst single failure: {}\n",
            s.name,
            worst_line(&s.worst),
            worst_line(&r.baseline_worst)
        ));
    }
    out.push_str("\nLawful utility (warranted messages law enforcement can read):\n");
    for s in &r.schemes {
        let u = &s.lawful_utility;
        out.push_str(&format!(
            "  {:<22} {} ({} of {})\n",
            s.name,
            pct(u.fraction),
            u.readable,
            u.warranted_messages
        ));
    }
    let t = &r.tally;
    out.push_str(&format!(
        "\n{} cells: {} passed, {} failed, {} unjudged, {} errors\n",
        t.cells, t.pass, t.fail, t.unjudged, t.error
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
        let params: Vec<String> = c.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out.push_str(&format!(
            "  {} {}/{} [{}]: {why}\n",
            if c.verdict == Verdict::Error {
                "ERROR"
            } else {
                "FAIL"
            },
            c.scheme,
            c.attack,
            params.join(" ")
        ));
    }
    out
}

/// A Markdown report fit for a lab write-up.
pub fn markdown(r: &Report) -> String {
    let attacks = attacks_in_order(r);
    let mut out = format!(
        "# escrowlab report\n\nSuite `{}`, seed {}, {} users × {} epochs × {} messages per session, backend {}.\n\n## Exposure matrix\n\n",
        r.suite,
        r.seed,
        r.population.users,
        r.population.epochs,
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
    for a in &attacks {
        out.push_str(&format!("| `{a}` |"));
        for s in &r.schemes {
            out.push_str(&format!(
                " {} |",
                entry(&cells(r, &s.name, a)).replace('|', "\\|")
            ));
        }
        out.push('\n');
    }
    out.push_str("\n`*` detected, `[control]` blocked by, `!` expectation failed.\n\n## One loophole\n\n| scheme | worst single attack | plain E2E worst | lawful utility |\n|---|---|---|---|\n");
    for s in &r.schemes {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            s.name,
            worst_line(&s.worst),
            worst_line(&r.baseline_worst),
            pct(s.lawful_utility.fraction)
        ));
    }
    out.push_str("\n## Cells\n\n| scheme | attack | params | exposure | users | out of scope | before compromise | detected by | blocked by | verdict |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for c in &r.results {
        let params: Vec<String> = c.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out.push_str(&format!(
            "| {} | {} | {} | {} ({}/{}) | {}/{} | {} | {} | {} | {} | {:?} |\n",
            c.scheme,
            c.attack,
            params.join(" "),
            pct(c.exposure.fraction),
            c.exposure.messages,
            c.exposure.messages_total,
            c.exposure.users,
            c.exposure.users_total,
            c.out_of_scope,
            c.before_compromise,
            if c.detected_by.is_empty() {
                "-".to_string()
            } else {
                c.detected_by.join(", ")
            },
            c.blocked_by.as_deref().unwrap_or("-"),
            c.verdict
        ));
    }
    let t = &r.tally;
    out.push_str(&format!(
        "\n{} cells: {} passed, {} failed, {} unjudged, {} errors.\n",
        t.cells, t.pass, t.fail, t.unjudged, t.error
    ));
    out
}
