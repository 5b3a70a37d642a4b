//! The HTML report: one self-contained page (no network request of any kind: a
//! Content-Security-Policy forbids every fetch, and every chart is inline SVG drawn by
//! [`super::svg`]) with
//!
//! - the exposure heat-map: schemes × attack variants, each cell coloured by the fraction
//!   of messages exposed, marked when detected, blocked, failed, errored or unjudged, with
//!   its figures as a tooltip;
//! - one sweep plot per swept attack and parameter: exposure against the parameter, one
//!   series per scheme;
//! - exposure over epochs: each scheme's worst cell, then per scheme every attack that
//!   exposed anything (its worst variant);
//! - lawful utility against each scheme's worst exposure;
//! - the one-loophole, failure, cell and provenance tables.
//!
//! An inline script counts errors (`window.onerror`, `console.error`) and, once the page
//! has loaded, the charts drawn with a non-empty box: it writes them to the `<body>`'s
//! `data-errors` and `data-charts-rendered` attributes, next to `data-charts-expected` (the
//! number of charts written), for a headless browser to read back.
//!
//! Every string from the report is escaped ([`esc`]); the page depends only on the report.

use super::svg::{self, esc, Chart, Point, Series, XAxis, YFormat};
use super::Report;
use crate::attack::ParamValue;
use crate::runner::{CellResult, Verdict};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The page's Content-Security-Policy: nothing may be fetched; inline style and script only.
pub const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

const STYLE: &str =
    "body{font-family:system-ui,sans-serif;margin:24px;color:#1d1d1d}\
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;font-size:13px;margin:8px 0}\
th,td{border:1px solid #d5d5d5;padding:3px 7px;text-align:left;vertical-align:top;white-space:nowrap}\
td.w{white-space:normal;min-width:160px;max-width:520px}td.p{white-space:normal;min-width:140px}\
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}\
.pass{color:#1a7f37}.fail{color:#c40000;font-weight:bold}.error{color:#8a4b00;font-weight:bold}\
.unjudged{color:#666}.muted{color:#666}code{font-size:12px}svg.chart{display:block;margin:8px 0}\
.note{font-size:13px;color:#444;max-width:900px}";

/// Runs first: counts errors before any other script could raise one.
const ERROR_SCRIPT: &str = "window.__escrowlabErrors=0;\
function __escrowlabError(){window.__escrowlabErrors++;\
if(document.body){document.body.setAttribute('data-errors',String(window.__escrowlabErrors));}}\
window.onerror=function(){__escrowlabError();return false;};\
window.addEventListener('unhandledrejection',__escrowlabError);\
(function(){var e=console.error;console.error=function(){__escrowlabError();\
return e.apply(console,arguments);};})();";

/// Runs at the end: counts the charts drawn with a non-empty box once the page has loaded.
const LOAD_SCRIPT: &str = "window.addEventListener('load',function(){\
var n=0,c=document.querySelectorAll('svg.chart');\
for(var i=0;i<c.length;i++){var r=c[i].getBoundingClientRect();if(r.width>0&&r.height>0){n++;}}\
document.body.setAttribute('data-charts-rendered',String(n));\
document.body.setAttribute('data-errors',String(window.__escrowlabErrors));});";

fn params_line(params: &BTreeMap<String, ParamValue>, sep: &str) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(sep)
}

use super::text::varying;

/// Attacks in order of first appearance.
fn attacks(r: &Report) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for c in &r.results {
        if !out.contains(&c.attack.as_str()) {
            out.push(&c.attack);
        }
    }
    out
}

/// One heat-map row: an attack and one of its parameter sets (a variant).
struct Row {
    label: String,
    attack: String,
    params: BTreeMap<String, ParamValue>,
}

fn rows(r: &Report) -> Vec<Row> {
    let mut out: Vec<Row> = Vec::new();
    for a in attacks(r) {
        let vary = varying(r, a);
        for c in r.results.iter().filter(|c| c.attack == a) {
            if out
                .iter()
                .any(|row| row.attack == a && row.params == c.params)
            {
                continue;
            }
            let name: Vec<String> = vary
                .iter()
                .filter_map(|k| c.params.get(k).map(|v| format!("{k}={v}")))
                .collect();
            out.push(Row {
                label: if name.is_empty() {
                    a.to_string()
                } else {
                    format!("{a} {}", name.join(","))
                },
                attack: a.to_string(),
                params: c.params.clone(),
            });
        }
    }
    out
}

fn cell_tip(c: &CellResult) -> String {
    let e = &c.exposure;
    let mut t = format!(
        "{} / {}{}\nexposure {} ({} of {} messages; {} of {} users)\nverdict {}",
        c.scheme,
        c.attack,
        if c.params.is_empty() {
            String::new()
        } else {
            format!(" [{}]", params_line(&c.params, " "))
        },
        svg::pct(e.fraction),
        e.messages,
        e.messages_total,
        e.users,
        e.users_total,
        verdict_word(c.verdict)
    );
    if c.detected {
        let _ = write!(t, "\ndetected by {}", c.detected_shown());
    }
    if let Some(b) = c.blocked_shown() {
        let _ = write!(t, "\nblocked by {b}");
    }
    for b in &c.basis {
        let _ = write!(t, "\n{}", b.label());
    }
    if c.out_of_scope > 0 {
        let _ = write!(t, "\nout of scope {}", c.out_of_scope);
    }
    if c.docket.claimed > 0 {
        let _ = write!(t, "\ndocket {}", super::docket_summary(&c.docket));
    }
    if let Some(err) = &c.error {
        let _ = write!(t, "\nerror: {err}");
    }
    for f in &c.failures {
        let _ = write!(t, "\nfailed: {f}");
    }
    t
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Unjudged => "unjudged",
        Verdict::Error => "error",
    }
}

/// The exposure heat-map.
fn heatmap(r: &Report) -> String {
    let rows = rows(r);
    let label_w = (rows
        .iter()
        .map(|row| row.label.chars().count())
        .max()
        .unwrap_or(8) as f64
        * 7.0
        + 16.0)
        .clamp(120.0, 340.0);
    let col_w = (r
        .schemes
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(8) as f64
        * 7.0
        + 14.0)
        .clamp(88.0, 170.0);
    let row_h = 24.0;
    let head = 30.0;
    let legend_h = 96.0;
    let w = label_w + col_w * r.schemes.len() as f64 + 20.0;
    let w = w.max(640.0);
    let h = head + row_h * rows.len() as f64 + legend_h;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg class=\"chart\" id=\"heatmap\" role=\"img\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" \
         height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n<title>Exposure heat-map: \
         schemes × attacks</title>\n<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" \
         patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" \
         height=\"6\" fill=\"#bdbdbd\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#7a7a7a\" \
         stroke-width=\"3\"/></pattern><linearGradient id=\"ramp\">{}</linearGradient></defs>",
        svg::RAMP
            .iter()
            .map(|(o, [r, g, b])| format!(
                "<stop offset=\"{}\" stop-color=\"#{r:02x}{g:02x}{b:02x}\"/>",
                svg::num(*o)
            ))
            .collect::<String>(),
        w = svg::num(w),
        h = svg::num(h)
    );
    for (i, sc) in r.schemes.iter().enumerate() {
        let x = label_w + col_w * i as f64 + col_w / 2.0;
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"20\" text-anchor=\"middle\" font-weight=\"bold\"><title>{}</title>{}</text>",
            svg::num(x),
            esc(&sc.name),
            esc(&svg::clip(&sc.name, ((col_w - 8.0) / 7.0) as usize))
        );
    }
    for (ri, row) in rows.iter().enumerate() {
        let y = head + row_h * ri as f64;
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\"><title>{}</title>{}</text>",
            svg::num(label_w - 8.0),
            svg::num(y + 16.0),
            esc(&row.label),
            esc(&svg::clip(&row.label, ((label_w - 16.0) / 7.0) as usize))
        );
        for (si, sc) in r.schemes.iter().enumerate() {
            let x = label_w + col_w * si as f64;
            let cell = r
                .results
                .iter()
                .find(|c| c.scheme == sc.name && c.attack == row.attack && c.params == row.params);
            let (cx, cy, cw, ch) = (x + 1.0, y + 1.0, col_w - 2.0, row_h - 2.0);
            let Some(c) = cell else {
                let _ = writeln!(
                    s,
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fafafa\" stroke=\"#e0e0e0\"><title>{} / {}: not run</title></rect>",
                    svg::num(cx),
                    svg::num(cy),
                    svg::num(cw),
                    svg::num(ch),
                    esc(&sc.name),
                    esc(&row.label)
                );
                continue;
            };
            let f = c.exposure.fraction;
            let (fill, text, light) = if c.verdict == Verdict::Error {
                ("url(#hatch)".to_string(), "ERR".to_string(), false)
            } else if !c.applicable {
                ("#ececec".to_string(), "n/a".to_string(), false)
            } else {
                (svg::exposure_fill(f), svg::pct(f), svg::light_text_on(f))
            };
            let (stroke, sw, dasharray) = match c.verdict {
                Verdict::Fail => ("#c40000", "3", ""),
                Verdict::Unjudged => ("#555", "1.5", " stroke-dasharray=\"4 3\""),
                _ => ("#ffffff", "1", ""),
            };
            let _ = write!(
                s,
                "<g class=\"cell\"><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{sw}\"{dasharray}/>",
                esc(&cell_tip(c)),
                svg::num(cx),
                svg::num(cy),
                svg::num(cw),
                svg::num(ch),
            );
            let _ = write!(
                s,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{}\">{}{}</text>",
                svg::num(x + col_w / 2.0),
                svg::num(y + 16.0),
                if light { "#fff" } else { "#1d1d1d" },
                esc(&text),
                if c.verdict == Verdict::Fail { " !" } else { "" }
            );
            if c.detected {
                let _ = write!(
                    s,
                    "<circle cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"#1d1d1d\" stroke=\"#fff\"/>",
                    svg::num(x + col_w - 9.0),
                    svg::num(y + 8.0)
                );
            }
            if c.blocked_by.is_some() && c.applicable {
                let _ = write!(
                    s,
                    "<rect x=\"{}\" y=\"{}\" width=\"8\" height=\"8\" fill=\"#1f5fa8\" stroke=\"#fff\"/>",
                    svg::num(x + 5.0),
                    svg::num(y + 4.0)
                );
            }
            s.push_str("</g>\n");
        }
    }
    // Legend: the ramp, then the marks.
    let ly = head + row_h * rows.len() as f64 + 18.0;
    let lx = 10.0;
    let _ = writeln!(
        s,
        "<g class=\"legend\"><text x=\"{lx}\" y=\"{}\">messages exposed:</text>\
         <rect x=\"{}\" y=\"{}\" width=\"28\" height=\"14\" fill=\"{}\" stroke=\"#ccc\"/>\
         <text x=\"{}\" y=\"{}\">0</text>\
         <rect x=\"{}\" y=\"{}\" width=\"200\" height=\"14\" fill=\"url(#ramp)\"/>\
         <text x=\"{}\" y=\"{}\">&gt;0%</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">100%</text></g>",
        svg::num(ly + 11.0),
        svg::num(lx + 135.0),
        svg::num(ly),
        svg::NOTHING,
        svg::num(lx + 168.0),
        svg::num(ly + 11.0),
        svg::num(lx + 190.0),
        svg::num(ly),
        svg::num(lx + 190.0),
        svg::num(ly + 28.0),
        svg::num(lx + 390.0),
        svg::num(ly + 28.0),
        lx = svg::num(lx)
    );
    let my = ly + 48.0;
    let marks = [
        (
            "<circle cx=\"6\" cy=\"-4\" r=\"4\" fill=\"#1d1d1d\"/>",
            "detected",
        ),
        (
            "<rect x=\"2\" y=\"-8\" width=\"8\" height=\"8\" fill=\"#1f5fa8\"/>",
            "blocked by a control",
        ),
        (
            "<rect x=\"0\" y=\"-11\" width=\"14\" height=\"14\" fill=\"none\" stroke=\"#c40000\" stroke-width=\"3\"/>",
            "expectation failed (!)",
        ),
        (
            "<rect x=\"0\" y=\"-11\" width=\"14\" height=\"14\" fill=\"url(#hatch)\"/>",
            "attack error",
        ),
        (
            "<rect x=\"0\" y=\"-11\" width=\"14\" height=\"14\" fill=\"none\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>",
            "unjudged",
        ),
    ];
    let mut x = 10.0;
    for (shape, label) in marks {
        let _ = writeln!(
            s,
            "<g class=\"legend\" transform=\"translate({} {})\">{shape}<text x=\"20\" y=\"0\">{label}</text></g>",
            svg::num(x),
            svg::num(my)
        );
        x += 22.0 + label.len() as f64 * 7.0;
    }
    s.push_str("</svg>\n");
    s
}

/// Sweep plots: per swept attack and parameter, exposure against the parameter, one series
/// per scheme (and per setting of the attack's other swept parameters).
fn sweeps(r: &Report) -> Vec<Chart> {
    let mut charts = Vec::new();
    for a in attacks(r) {
        let vary = varying(r, a);
        for p in &vary {
            let cells: Vec<&CellResult> = r
                .results
                .iter()
                .filter(|c| c.attack == a && c.params.contains_key(p))
                .collect();
            // The x values, in order of first appearance; numeric when every value is.
            let mut values: Vec<&ParamValue> = Vec::new();
            for c in &cells {
                if let Some(v) = c.params.get(p) {
                    if !values.contains(&v) {
                        values.push(v);
                    }
                }
            }
            let numeric = values.iter().all(|v| matches!(v, ParamValue::Int(_)));
            let xof = |v: &ParamValue| -> f64 {
                match v {
                    ParamValue::Int(i) => *i as f64,
                    other => values.iter().position(|w| *w == other).unwrap_or(0) as f64,
                }
            };
            let x = if numeric {
                let lo = values.iter().map(|v| xof(v)).fold(f64::INFINITY, f64::min);
                let hi = values
                    .iter()
                    .map(|v| xof(v))
                    .fold(f64::NEG_INFINITY, f64::max);
                let ticks = if hi - lo <= 12.0 {
                    (0..=(hi - lo) as i64).map(|i| lo + i as f64).collect()
                } else {
                    svg::nice_ticks(hi - lo)
                        .into_iter()
                        .map(|t| lo + t)
                        .collect()
                };
                XAxis::Numeric { ticks }
            } else {
                XAxis::Categories(values.iter().map(|v| v.to_string()).collect())
            };
            // Series: scheme and the other swept parameters.
            let mut series: Vec<Series> = Vec::new();
            for (si, sc) in r.schemes.iter().enumerate() {
                let mine: Vec<&&CellResult> =
                    cells.iter().filter(|c| c.scheme == sc.name).collect();
                let mut keys: Vec<String> = Vec::new();
                for c in &mine {
                    let k = vary
                        .iter()
                        .filter(|q| *q != p)
                        .filter_map(|q| c.params.get(q).map(|v| format!("{q}={v}")))
                        .collect::<Vec<_>>()
                        .join(",");
                    if !keys.contains(&k) {
                        keys.push(k);
                    }
                }
                for k in &keys {
                    let mut points: Vec<Point> = mine
                        .iter()
                        .filter(|c| {
                            let ck = vary
                                .iter()
                                .filter(|q| *q != p)
                                .filter_map(|q| c.params.get(q).map(|v| format!("{q}={v}")))
                                .collect::<Vec<_>>()
                                .join(",");
                            ck == *k && c.verdict != Verdict::Error
                        })
                        .filter_map(|c| {
                            c.params.get(p).map(|v| Point {
                                x: xof(v),
                                y: c.exposure.fraction,
                                tip: cell_tip(c),
                            })
                        })
                        .collect();
                    points.sort_by(|a, b| a.x.total_cmp(&b.x));
                    if points.is_empty() {
                        continue;
                    }
                    series.push(Series {
                        name: if k.is_empty() {
                            sc.name.clone()
                        } else {
                            format!("{} {k}", sc.name)
                        },
                        colour: if keys.len() > 1 { series.len() } else { si },
                        points,
                    });
                }
            }
            charts.push(Chart {
                id: format!("sweep-{}", charts.len() + 1),
                title: format!("{a}: exposure against {p}"),
                x_label: p.clone(),
                y_label: "messages exposed".into(),
                x,
                y_format: YFormat::Percent,
                y_max: 1.0,
                lines: true,
                label_points: false,
                series,
            });
        }
    }
    charts
}

/// The fraction of epoch `e`'s messages a cell exposed.
fn epoch_fraction(c: &CellResult, e: usize) -> f64 {
    let total = c.exposure.total_by_epoch.get(e).copied().unwrap_or(0);
    let got = c.exposure.by_epoch.get(e).copied().unwrap_or(0);
    if total == 0 {
        0.0
    } else {
        got as f64 / total as f64
    }
}

fn epoch_series(c: &CellResult, name: String, colour: usize) -> Series {
    let points = (0..c.exposure.by_epoch.len())
        .map(|e| Point {
            x: e as f64,
            y: epoch_fraction(c, e),
            tip: format!(
                "{name}\nepoch {e}: {} of {} messages ({})",
                c.exposure.by_epoch[e],
                c.exposure.total_by_epoch.get(e).copied().unwrap_or(0),
                svg::pct(epoch_fraction(c, e))
            ),
        })
        .collect();
    Series {
        name,
        colour,
        points,
    }
}

fn epoch_axis(r: &Report) -> XAxis {
    let n = r
        .results
        .iter()
        .map(|c| c.exposure.by_epoch.len())
        .max()
        .unwrap_or(1)
        .max(1);
    XAxis::Numeric {
        ticks: (0..n).map(|e| e as f64).collect(),
    }
}

/// The cell a scheme's summary names as its worst.
fn worst_cell<'a>(r: &'a Report, scheme: &str) -> Option<&'a CellResult> {
    let w = r
        .schemes
        .iter()
        .find(|s| s.name == scheme)?
        .worst
        .as_ref()?;
    r.results
        .iter()
        .find(|c| c.scheme == scheme && c.attack == w.attack && c.params == w.params)
}

/// Exposure over epochs: the worst cell of each scheme, then per scheme each attack that
/// exposed anything (its worst variant).
fn epochs(r: &Report) -> Vec<Chart> {
    let mut charts = Vec::new();
    let worst: Vec<Series> = r
        .schemes
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            worst_cell(r, &s.name).map(|c| {
                let label = if c.params.is_empty() {
                    format!("{} ({})", s.name, c.attack)
                } else {
                    format!("{} ({} {})", s.name, c.attack, params_line(&c.params, " "))
                };
                epoch_series(c, label, i)
            })
        })
        .collect();
    charts.push(Chart {
        id: "epochs-worst".into(),
        title: "Exposure by epoch: each scheme's worst single attack".into(),
        x_label: "epoch".into(),
        y_label: "messages of the epoch exposed".into(),
        x: epoch_axis(r),
        y_format: YFormat::Percent,
        y_max: 1.0,
        lines: true,
        label_points: false,
        series: worst,
    });
    for s in &r.schemes {
        let mut series = Vec::new();
        for a in attacks(r) {
            let best = r
                .results
                .iter()
                .filter(|c| c.scheme == s.name && c.attack == a && c.exposure.messages > 0)
                .fold(None::<&CellResult>, |w, c| match w {
                    Some(w) if w.exposure.messages >= c.exposure.messages => Some(w),
                    _ => Some(c),
                });
            if let Some(c) = best {
                let n = series.len();
                series.push(epoch_series(c, a.to_string(), n));
            }
        }
        if series.is_empty() {
            continue;
        }
        charts.push(Chart {
            id: format!("epochs-{}", charts.len()),
            title: format!(
                "Exposure by epoch under {}: every attack that exposed anything",
                s.name
            ),
            x_label: "epoch".into(),
            y_label: "messages of the epoch exposed".into(),
            x: epoch_axis(r),
            y_format: YFormat::Percent,
            y_max: 1.0,
            lines: true,
            label_points: false,
            series,
        });
    }
    charts
}

/// Lawful utility against the worst single attack's exposure, one point per scheme and
/// kind of warrant (retrospective: issued at the end over every epoch; prospective: issued
/// at the middle epoch).
fn utility(r: &Report) -> Chart {
    let mut series = Vec::new();
    for (i, s) in r.schemes.iter().enumerate() {
        let worst = s.worst.as_ref().map_or(0.0, |w| w.fraction);
        let u = &s.lawful_utility;
        let p = &u.prospective;
        let kinds = [
            (
                "retro",
                "retrospective (issued at the end, every epoch)".to_string(),
                u.fraction,
                u.readable,
                u.warranted_messages,
                &u.cost,
            ),
            (
                "prosp",
                format!("prospective (issued at epoch {})", p.from_epoch),
                p.fraction,
                p.readable,
                p.warranted_messages,
                &p.cost,
            ),
        ];
        for (short, long, fraction, readable, warranted, cost) in kinds {
            series.push(Series {
                name: format!("{}, {short}", s.name),
                colour: i,
                points: vec![Point {
                    x: worst,
                    y: fraction,
                    tip: format!(
                        "{}\nlawful utility, {long}: {} ({} of {} warranted messages)\ncost: {}\nworst exposure {}{}{}",
                        s.name,
                        svg::pct(fraction),
                        readable,
                        warranted,
                        crate::lawful::cost_words(cost),
                        svg::pct(worst),
                        s.worst.as_ref().map_or(String::new(), |w| format!(
                            " ({}, {} users)",
                            w.attack, w.users
                        )),
                        u.assumption
                            .as_ref()
                            .map_or(String::new(), |a| format!("\n{a}"))
                    ),
                }],
            });
        }
    }
    Chart {
        id: "utility".into(),
        title: "Lawful utility against the worst single attack's exposure".into(),
        x_label: "messages exposed by the worst single attack".into(),
        y_label: "warranted messages read".into(),
        x: XAxis::Fraction,
        y_format: YFormat::Percent,
        y_max: 1.0,
        lines: false,
        label_points: true,
        series,
    }
}

fn td(s: &str) -> String {
    format!("<td>{}</td>", esc(s))
}

/// A cell of parameters, allowed to wrap between them.
fn tdp(s: &str) -> String {
    format!("<td class=\"p\">{}</td>", esc(s))
}

/// A cell of free text, allowed to wrap.
fn tdw(s: &str) -> String {
    format!("<td class=\"w\">{}</td>", esc(s))
}

fn tdn(s: impl std::fmt::Display) -> String {
    format!("<td class=\"n\">{}</td>", esc(&s.to_string()))
}

fn loophole_table(r: &Report, out: &mut String) {
    out.push_str(
        "<table><tr><th>scheme</th><th>backend</th><th>worst single attack</th><th>users</th>\
         <th>messages</th><th>× worst E2E device</th><th>× median E2E device</th>\
         <th>lawful utility, retro / prosp</th></tr>\n",
    );
    for s in &r.schemes {
        let (attack, users, msgs) = match &s.worst {
            Some(w) => (
                if w.params.is_empty() {
                    w.attack.clone()
                } else {
                    format!("{} {}", w.attack, params_line(&w.params, " "))
                },
                w.users.to_string(),
                format!("{} ({})", w.messages, svg::pct(w.fraction)),
            ),
            None => ("n/a".into(), "-".into(), "-".into()),
        };
        let ratio = |x: Option<f64>| x.map_or("n/a".to_string(), |x| format!("{x:.1}×"));
        let l = s.loophole.as_ref();
        let u = &s.lawful_utility;
        let _ = writeln!(
            out,
            "<tr>{}{}{}{}{}{}{}{}</tr>",
            td(&s.name),
            td(&s.backend),
            td(&attack),
            tdn(users),
            tdn(msgs),
            tdn(ratio(l.and_then(|l| l.ratio_to_worst_device))),
            tdn(ratio(l.and_then(|l| l.ratio_to_median_device))),
            tdn(format!(
                "{} ({} of {}) / {} ({} of {})",
                svg::pct(u.fraction),
                u.readable,
                u.warranted_messages,
                svg::pct(u.prospective.fraction),
                u.prospective.readable,
                u.prospective.warranted_messages
            )),
        );
    }
    out.push_str("</table>\n");
    let _ = writeln!(
        out,
        "<p class=\"note\">Comparison: {}. Lawful utility: retrospective (warrants issued at \
         the end, every epoch) / prospective (issued at the middle epoch).</p>",
        esc(crate::runner::loophole::COMPARISON)
    );
    if let Some(l) = r.schemes.iter().find_map(|s| s.loophole.as_ref()) {
        let d = &l.e2e;
        let _ = writeln!(
            out,
            "<p class=\"note\">Plain E2E, one device ({} on each of {} devices under {}): worst {} \
             users (user {}), median {}, mean {:.2}.</p>",
            esc(&d.attack),
            d.devices,
            esc(&d.scheme),
            d.worst_device.users,
            d.worst_device.user,
            d.users.median,
            d.users.mean
        );
    }
}

fn failures_table(r: &Report, out: &mut String) {
    let bad: Vec<&CellResult> = r
        .results
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Fail | Verdict::Error))
        .collect();
    if bad.is_empty() {
        out.push_str("<p>No expectation failed and no attack errored.</p>\n");
        return;
    }
    out.push_str(
        "<table><tr><th>scheme</th><th>attack</th><th>params</th><th>verdict</th>\
         <th>why</th><th>expected because</th></tr>\n",
    );
    for c in bad {
        let rows: Vec<(String, String)> = if c.verdict == Verdict::Error {
            vec![(c.error.clone().unwrap_or_default(), String::new())]
        } else {
            let v: Vec<(String, String)> = c
                .expected
                .iter()
                .filter_map(|e| {
                    let f = e.failures(c);
                    (!f.is_empty()).then(|| {
                        (
                            f.join("; "),
                            e.comment
                                .clone()
                                .unwrap_or_else(|| "(the expectation gives no comment)".into()),
                        )
                    })
                })
                .collect();
            if v.is_empty() {
                vec![(c.failures.join("; "), String::new())]
            } else {
                v
            }
        };
        for (why, comment) in rows {
            let _ = writeln!(
                out,
                "<tr>{}{}{}<td class=\"{v}\">{v}</td>{}{}</tr>",
                td(&c.scheme),
                td(&c.attack),
                tdp(&params_line(&c.params, " ")),
                tdw(&why),
                tdw(&comment),
                v = verdict_word(c.verdict)
            );
        }
    }
    out.push_str("</table>\n");
}

fn cells_table(r: &Report, out: &mut String) {
    out.push_str(
        "<table><tr><th>scheme</th><th>attack</th><th>params</th><th>verdict</th>\
         <th>exposure</th><th>messages</th><th>users</th><th>out of scope</th>\
         <th>before compromise</th><th>docket (F1; recall, precision)</th>\
         <th>detected by</th><th>blocked by</th></tr>\n",
    );
    for c in &r.results {
        let e = &c.exposure;
        let _ = writeln!(
            out,
            "<tr>{}{}{}<td class=\"{v}\">{v}</td>{}{}{}{}{}{}{}{}</tr>",
            td(&c.scheme),
            td(&c.attack),
            tdp(&params_line(&c.params, " ")),
            tdn(svg::pct(e.fraction)),
            tdn(format!("{} / {}", e.messages, e.messages_total)),
            tdn(format!("{} / {}", e.users, e.users_total)),
            tdn(c.out_of_scope),
            tdn(c.before_compromise),
            tdn(if c.docket.claimed > 0 {
                super::docket_summary(&c.docket)
            } else {
                "-".to_string()
            }),
            tdw(&c.detected_shown()),
            td(&c.blocked_shown().unwrap_or_else(|| "-".into())),
            v = verdict_word(c.verdict)
        );
    }
    out.push_str("</table>\n");
}

fn provenance_table(r: &Report, out: &mut String) {
    let p = &r.provenance;
    let pop = &p.population;
    let _ = writeln!(
        out,
        "<table><tr><th>escrowlab</th>{}</tr><tr><th>suite</th>{}</tr><tr><th>seed</th>{}</tr>\
         <tr><th>backends</th>{}</tr><tr><th>population</th>{}</tr></table>",
        td(&p.version),
        td(&p.suite),
        td(&p.seed.to_string()),
        td(&p.backends.join(", ")),
        td(&format!(
            "{} users × {} epochs × {} messages per session; group share {}; conversations {}",
            pop.users,
            pop.epochs,
            pop.messages_per_session,
            pop.group_share,
            pop.conversations
                .map_or_else(|| "as many as users".to_string(), |c| c.to_string())
        )),
    );
    out.push_str(
        "<table><tr><th>scheme</th><th>backend</th><th>SHA-256 of its definition</th></tr>\n",
    );
    for s in &p.schemes {
        let _ = writeln!(
            out,
            "<tr>{}{}<td><code>{}</code></td></tr>",
            td(&s.name),
            td(&s.backend),
            esc(&s.sha256)
        );
    }
    out.push_str("</table>\n");
}

fn section(out: &mut String, id: &str, title: &str) {
    let _ = writeln!(out, "<h2 id=\"{}\">{}</h2>", esc(id), esc(title));
}

/// Renders the report as one self-contained HTML page.
pub fn render(r: &Report) -> String {
    let sweeps = sweeps(r);
    let epochs = epochs(r);
    let charts = 1 + sweeps.len() + epochs.len() + 1;
    let t = &r.tally;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"escrowlab {}\">\n\
         <title>escrowlab report: {}</title>\n<script>{ERROR_SCRIPT}</script>\n\
         <style>{STYLE}</style>\n</head>\n<body data-charts-expected=\"{charts}\" data-errors=\"0\">\n",
        esc(&r.provenance.version),
        esc(&r.suite)
    );
    let _ = writeln!(
        out,
        "<h1>escrowlab report</h1>\n<p>Suite <code>{}</code>, seed {}, {} users × {} epochs × {} \
         messages per session, backend {}. {} cells: {} passed, {} failed, {} unjudged, {} \
         errors.</p>",
        esc(&r.suite),
        r.seed,
        r.population.users,
        r.population.epochs,
        r.population.messages_per_session,
        esc(&r.backends.join(", ")),
        t.cells,
        t.pass,
        t.fail,
        t.unjudged,
        t.error
    );
    section(&mut out, "heatmap-section", "Exposure heat-map");
    out.push_str(
        "<p class=\"note\">Each cell: the fraction of all messages whose plaintext the attack \
         recovered (confirmed against ground truth). Hover a cell for its figures.</p>\n",
    );
    out.push_str(&heatmap(r));
    section(&mut out, "sweeps", "Sweeps");
    if sweeps.is_empty() {
        out.push_str("<p>No attack was swept over a parameter in this suite.</p>\n");
    }
    for c in &sweeps {
        out.push_str(&c.render());
    }
    section(&mut out, "epochs", "Exposure over epochs");
    for c in &epochs {
        out.push_str(&c.render());
    }
    section(
        &mut out,
        "utility-section",
        "Lawful utility and the worst exposure",
    );
    out.push_str(&utility(r).render());
    section(&mut out, "loophole", "One loophole");
    loophole_table(r, &mut out);
    section(&mut out, "failures", "Failures");
    failures_table(r, &mut out);
    section(&mut out, "cells", "Cells");
    cells_table(r, &mut out);
    section(&mut out, "provenance", "Provenance");
    provenance_table(r, &mut out);
    let _ = write!(out, "<script>{LOAD_SCRIPT}</script>\n</body>\n</html>\n");
    out
}
