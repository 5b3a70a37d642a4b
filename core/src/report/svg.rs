//! A small SVG writer for the HTML report's charts: escaping, number formatting, a colour
//! palette and ramp, "nice" axis ticks, and an x/y chart (lines with points, or a scatter)
//! with axes, tick labels, a legend and a `<title>` tooltip on every point.
//!
//! Everything it writes is inline SVG for an HTML page (no external references), and every
//! string from the report goes through [`esc`]. Output depends only on the input.

use std::fmt::Write as _;

/// `s` escaped for HTML and SVG text and attribute values: `&`, `<`, `>`, `"` and `'` as
/// character references, and every control character but newline and tab written visibly
/// as `\u{..}` (HTML forbids them).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// A coordinate or size: at most two decimals, no trailing zeros (`12`, `12.5`, `0.25`).
pub fn num(x: f64) -> String {
    let x = if x.is_finite() { x } else { 0.0 };
    let s = format!("{:.2}", (x * 100.0).round() / 100.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// A fraction as a percentage for labels: `0%`, `0.5%`, `12%`, `100%`.
pub fn pct(f: f64) -> String {
    let p = f * 100.0;
    if p == 0.0 || p >= 10.0 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

/// Series colours (Tableau 10): distinguishable, and legible on white.
pub const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#7f7f7f",
];

/// The colour of series `i`; past the palette the colours repeat with a dash pattern
/// ([`dash`]).
pub fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// The dash pattern of series `i` (`None`: solid).
pub fn dash(i: usize) -> Option<&'static str> {
    match (i / PALETTE.len()) % 3 {
        0 => None,
        1 => Some("6 3"),
        _ => Some("2 3"),
    }
}

/// The exposure ramp's stops, from a small exposure to all messages (ColorBrewer OrRd).
pub const RAMP: [(f64, [u8; 3]); 5] = [
    (0.0, [0xfe, 0xe8, 0xc8]),
    (0.25, [0xfd, 0xbb, 0x84]),
    (0.5, [0xfc, 0x8d, 0x59]),
    (0.75, [0xe3, 0x4a, 0x33]),
    (1.0, [0xb3, 0x00, 0x00]),
];

/// The fill of a cell that exposed nothing.
pub const NOTHING: &str = "#e8f1e4";

/// The ramp's colour at `f` (0..=1), as RGB.
fn ramp_rgb(f: f64) -> [u8; 3] {
    let f = if f.is_finite() {
        f.clamp(0.0, 1.0)
    } else {
        0.0
    };
    for w in RAMP.windows(2) {
        let ((a, ca), (b, cb)) = (w[0], w[1]);
        if f <= b {
            let t = if b > a { (f - a) / (b - a) } else { 0.0 };
            let mix = |i: usize| (ca[i] as f64 + (cb[i] as f64 - ca[i] as f64) * t).round() as u8;
            return [mix(0), mix(1), mix(2)];
        }
    }
    RAMP[RAMP.len() - 1].1
}

/// The fill for an exposure fraction: [`NOTHING`] at exactly 0, else the ramp.
pub fn exposure_fill(f: f64) -> String {
    if f <= 0.0 {
        return NOTHING.into();
    }
    let [r, g, b] = ramp_rgb(f);
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Whether text on this exposure fill should be white (dark fill) rather than black.
pub fn light_text_on(f: f64) -> bool {
    if f <= 0.0 {
        return false;
    }
    let [r, g, b] = ramp_rgb(f);
    0.299 * r as f64 + 0.587 * g as f64 + 0.114 * b as f64 <= 140.0
}

/// Ticks from 0 to at least `max` in steps of 1, 2 or 5 × 10^k, at most about 6 of them.
pub fn nice_ticks(max: f64) -> Vec<f64> {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let n = (max / step).ceil() as usize;
    (0..=n).map(|i| i as f64 * step).collect()
}

/// `s` cut to `max` characters with `…` (the full text belongs in a `<title>`).
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The x axis of a chart.
#[derive(Clone, Debug, PartialEq)]
pub enum XAxis {
    /// Numbers: a point's `x` is its value; ticks at the given values.
    Numeric {
        /// Tick positions (and labels).
        ticks: Vec<f64>,
    },
    /// Fractions 0..=1: ticks every quarter, labelled as percentages.
    Fraction,
    /// Named values, evenly spaced: a point's `x` is the index.
    Categories(Vec<String>),
}

/// How the y axis is labelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YFormat {
    /// A fraction 0..=1 shown as a percentage.
    Percent,
    /// A count.
    Count,
}

/// One point: position and the tooltip text (unescaped).
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// x (a value, or a category index).
    pub x: f64,
    /// y.
    pub y: f64,
    /// Tooltip.
    pub tip: String,
}

/// One series: a name for the legend, a colour index, and its points in x order.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend name.
    pub name: String,
    /// Colour index ([`colour`], [`dash`]).
    pub colour: usize,
    /// The points.
    pub points: Vec<Point>,
}

/// An x/y chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// A stable id (unique in the page; used for element ids).
    pub id: String,
    /// Title above the plot.
    pub title: String,
    /// x axis label.
    pub x_label: String,
    /// y axis label.
    pub y_label: String,
    /// The x axis.
    pub x: XAxis,
    /// y axis format.
    pub y_format: YFormat,
    /// Highest y shown (the axis runs from 0).
    pub y_max: f64,
    /// Join the points of a series with lines (else a scatter).
    pub lines: bool,
    /// Write each point's series name beside it (for a scatter of few points).
    pub label_points: bool,
    /// The series.
    pub series: Vec<Series>,
}

const W: f64 = 800.0;
const H: f64 = 330.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 280.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 58.0;

impl Chart {
    /// The chart as an `<svg class="chart">` element.
    pub fn render(&self) -> String {
        let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
        let (xmin, xmax) = match &self.x {
            XAxis::Numeric { ticks } => {
                let lo = ticks.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = ticks.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                if lo.is_finite() && hi > lo {
                    (lo, hi)
                } else {
                    (lo.min(0.0), lo.max(0.0) + 1.0)
                }
            }
            XAxis::Categories(c) => (-0.5, c.len().max(1) as f64 - 0.5),
            XAxis::Fraction => (0.0, 1.0),
        };
        let ymax = if self.y_max > 0.0 { self.y_max } else { 1.0 };
        let sx = |x: f64| LEFT + (x - xmin) / (xmax - xmin) * pw;
        let sy = |y: f64| TOP + ph - (y / ymax).clamp(0.0, 1.05) * ph;
        let mut s = String::new();
        let _ = write!(
            s,
            "<svg class=\"chart\" id=\"{}\" role=\"img\" viewBox=\"0 0 {} {}\" width=\"{}\" \
             height=\"{}\" font-family=\"sans-serif\" font-size=\"12\">\n<title>{}</title>\n",
            esc(&self.id),
            num(W),
            num(H),
            num(W),
            num(H),
            esc(&self.title)
        );
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"22\" font-size=\"14\" font-weight=\"bold\">{}</text>",
            num(LEFT),
            esc(&clip(&self.title, 90))
        );
        // Grid and y ticks.
        let yticks: Vec<f64> = match self.y_format {
            YFormat::Percent => vec![0.0, 0.25, 0.5, 0.75, 1.0]
                .into_iter()
                .filter(|t| *t <= ymax + 1e-9)
                .collect(),
            YFormat::Count => nice_ticks(ymax)
                .into_iter()
                .filter(|t| *t <= ymax + 1e-9)
                .collect(),
        };
        for t in &yticks {
            let y = sy(*t);
            let label = match self.y_format {
                YFormat::Percent => pct(*t),
                YFormat::Count => num(*t),
            };
            let _ = writeln!(
                s,
                "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#e3e3e3\"/>\
                 <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                num(LEFT),
                num(LEFT + pw),
                num(LEFT - 6.0),
                num(y + 4.0),
                esc(&label),
                y = num(y)
            );
        }
        // x ticks.
        let xticks: Vec<(f64, String)> = match &self.x {
            XAxis::Numeric { ticks } => ticks.iter().map(|t| (*t, num(*t))).collect(),
            XAxis::Fraction => [0.0, 0.25, 0.5, 0.75, 1.0]
                .iter()
                .map(|t| (*t, pct(*t)))
                .collect(),
            XAxis::Categories(c) => c
                .iter()
                .enumerate()
                .map(|(i, n)| (i as f64, n.clone()))
                .collect(),
        };
        for (x, label) in &xticks {
            let px = sx(*x);
            let _ = writeln!(
                s,
                "<line x1=\"{px}\" y1=\"{}\" x2=\"{px}\" y2=\"{}\" stroke=\"#444\"/>\
                 <text x=\"{px}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                num(TOP + ph),
                num(TOP + ph + 5.0),
                num(TOP + ph + 18.0),
                esc(&clip(label, 14)),
                px = num(px)
            );
        }
        // Axes and their labels.
        let _ = writeln!(
            s,
            "<line x1=\"{l}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#444\"/>\
             <line x1=\"{l}\" y1=\"{t}\" x2=\"{l}\" y2=\"{b}\" stroke=\"#444\"/>\n\
             <text x=\"{cx}\" y=\"{xl}\" text-anchor=\"middle\">{}</text>\n\
             <text transform=\"translate(16 {cy}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
            esc(&self.x_label),
            esc(&self.y_label),
            l = num(LEFT),
            r = num(LEFT + pw),
            t = num(TOP),
            b = num(TOP + ph),
            cx = num(LEFT + pw / 2.0),
            xl = num(TOP + ph + 40.0),
            cy = num(TOP + ph / 2.0),
        );
        // Series, the first drawn widest: where series coincide, each still shows as a
        // band around the next (up to six series; beyond that all are drawn alike).
        let layered = self.lines && self.series.len() <= 6;
        let n = self.series.len();
        // Point labels already written, so a label at the same place goes below the last.
        let mut labelled: Vec<(String, String)> = Vec::new();
        for (i, se) in self.series.iter().enumerate() {
            let extra = if layered { (n - 1 - i) as f64 } else { 0.0 };
            let (width, radius) = if self.lines {
                (2.0 + 1.5 * extra, 3.5 + 1.5 * extra)
            } else {
                (2.0, 6.0)
            };
            let c = colour(se.colour);
            let dash_attr = dash(se.colour)
                .map(|d| format!(" stroke-dasharray=\"{d}\""))
                .unwrap_or_default();
            let _ = writeln!(s, "<g class=\"series\"><title>{}</title>", esc(&se.name));
            if self.lines && se.points.len() > 1 {
                let pts: Vec<String> = se
                    .points
                    .iter()
                    .map(|p| format!("{},{}", num(sx(p.x)), num(sy(p.y))))
                    .collect();
                let _ = writeln!(
                    s,
                    "<polyline fill=\"none\" stroke=\"{c}\" stroke-width=\"{}\"{dash_attr} points=\"{}\"/>",
                    num(width),
                    pts.join(" ")
                );
            }
            for p in &se.points {
                let (px, py) = (sx(p.x), sy(p.y));
                let _ = writeln!(
                    s,
                    "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{c}\" stroke=\"#fff\"><title>{}</title></circle>",
                    num(px),
                    num(py),
                    num(radius),
                    esc(&p.tip)
                );
                if self.label_points {
                    let at = (num(px), num(py));
                    let below = labelled.iter().filter(|l| **l == at).count();
                    labelled.push(at);
                    // Right of the point in the left half, left of it in the right half.
                    let (lx, anchor) = if px > LEFT + pw / 2.0 {
                        (px - 9.0, "end")
                    } else {
                        (px + 9.0, "start")
                    };
                    let _ = writeln!(
                        s,
                        "<text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\" font-size=\"11\">{}</text>",
                        num(lx),
                        num(py - 6.0 + 13.0 * below as f64),
                        esc(&clip(&se.name, 24))
                    );
                }
            }
            s.push_str("</g>\n");
        }
        // Legend.
        let lx = LEFT + pw + 16.0;
        for (i, se) in self.series.iter().enumerate() {
            let y = TOP + 8.0 + i as f64 * 16.0;
            if y > H - 12.0 {
                let _ = writeln!(
                    s,
                    "<text x=\"{}\" y=\"{}\" fill=\"#666\">… {} more</text>",
                    num(lx),
                    num(y),
                    self.series.len() - i
                );
                break;
            }
            let c = colour(se.colour);
            let dash_attr = dash(se.colour)
                .map(|d| format!(" stroke-dasharray=\"{d}\""))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "<g class=\"legend\"><title>{}</title><line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" \
                 stroke=\"{c}\" stroke-width=\"3\"{dash_attr}/><text x=\"{}\" y=\"{}\">{}</text></g>",
                esc(&se.name),
                num(lx),
                num(y - 4.0),
                num(lx + 18.0),
                num(y - 4.0),
                num(lx + 24.0),
                num(y),
                esc(&clip(&se.name, 38))
            );
        }
        s.push_str("</svg>\n");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coinciding_scatter_labels_are_stacked_and_fractions_read_as_percent() {
        let point = |name: &str| Series {
            name: name.into(),
            colour: 0,
            points: vec![Point {
                x: 1.0,
                y: 1.0,
                tip: name.into(),
            }],
        };
        let c = Chart {
            id: "u".into(),
            title: "u".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            x: XAxis::Fraction,
            y_format: YFormat::Percent,
            y_max: 1.0,
            lines: false,
            label_points: true,
            series: vec![point("first"), point("second")],
        };
        let s = c.render();
        assert!(
            s.contains("y=\"34\" text-anchor=\"end\" font-size=\"11\">first<"),
            "{s}"
        );
        assert!(
            s.contains("y=\"47\" text-anchor=\"end\" font-size=\"11\">second<"),
            "{s}"
        );
        assert!(s.contains(">25%</text>") && !s.contains(">0.25</text>"));
    }

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(
            esc("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
        assert_eq!(esc("a\u{1b}[2Jb\u{0}"), "a\\u{1b}[2Jb\\u{0}");
        assert_eq!(esc("line\nnext\ttab"), "line\nnext\ttab");
    }

    #[test]
    fn numbers_are_short_and_stable() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.5), "12.5");
        assert_eq!(num(0.256), "0.26");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(f64::NAN), "0");
    }

    #[test]
    fn ticks_are_nice_and_cover_the_maximum() {
        assert_eq!(nice_ticks(5.0), vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(nice_ticks(37.0), vec![0.0, 10.0, 20.0, 30.0, 40.0]);
        assert_eq!(
            nice_ticks(0.0),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        assert!(nice_ticks(1234.0).last().copied().unwrap() >= 1234.0);
    }

    #[test]
    fn the_ramp_darkens_with_exposure() {
        assert_eq!(exposure_fill(0.0), NOTHING);
        assert_eq!(exposure_fill(1.0), "#b30000");
        assert_eq!(exposure_fill(0.5), "#fc8d59");
        assert!(!light_text_on(0.1));
        assert!(light_text_on(1.0));
    }

    #[test]
    fn a_chart_escapes_its_strings_and_draws_every_point() {
        let c = Chart {
            id: "c1".into(),
            title: "t <b>".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            x: XAxis::Numeric {
                ticks: vec![0.0, 1.0, 2.0],
            },
            y_format: YFormat::Percent,
            y_max: 1.0,
            lines: true,
            label_points: false,
            series: vec![Series {
                name: "s&1".into(),
                colour: 0,
                points: vec![
                    Point {
                        x: 0.0,
                        y: 0.0,
                        tip: "<a>".into(),
                    },
                    Point {
                        x: 2.0,
                        y: 1.0,
                        tip: "b".into(),
                    },
                ],
            }],
        };
        let s = c.render();
        assert!(s.starts_with("<svg class=\"chart\" id=\"c1\""));
        assert!(s.contains("t &lt;b&gt;") && !s.contains("<b>"));
        assert!(s.contains("s&amp;1") && s.contains("&lt;a&gt;"));
        assert_eq!(s.matches("<circle").count(), 2);
        assert!(s.contains("points=\"64,272 520,40\""), "{s}");
        assert!(s.contains("r=\"3.5\""), "one series: the narrowest width");
    }
}
