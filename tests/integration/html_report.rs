//! The HTML report in a real browser: a small suite's report is written, opened in headless
//! Chromium, screenshotted and dumped. The screenshot must be a picture (not blank), every
//! chart must have rendered with a non-empty box, and the page must have raised no error.
//! The page must also reference nothing on the network.
//!
//! Needs `/usr/bin/chromium` (Debian: `apt-get install --no-install-recommends chromium`).
//! Without it the test prints a skip line and passes, unless `ESCROWLAB_REQUIRE_CHROMIUM`
//! is set (CI sets it), in which case it fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const CHROMIUM: &str = "/usr/bin/chromium";

/// A small suite with a sweep (two sweep plots), a failed expectation and plain E2E.
const SUITE: &str = r#"
seed = 11
schemes = ["e2e-baseline", "single-key", "threshold-3of5"]
attacks = ["key-theft", "share-theft", "endpoint-compromise", "audit-tamper", "ghost"]
utility_targets = 2
[population]
users = 24
epochs = 3
messages_per_session = 3
[sweep]
share-theft = { stolen = [0, 1, 2, 3] }
audit-tamper = { tamper = ["edit", "truncate"] }
[[expect]]
scheme = "single-key"
attack = "key-theft"
exposure = 0.5
comment = "deliberately wrong: <script>alert('not run')</script> & friends"
"#;

/// Writes the suite's HTML report into `dir` and returns its path and text.
fn write_report(dir: &Path) -> (PathBuf, String) {
    let suite = dir.join("suite.toml");
    std::fs::write(&suite, SUITE).unwrap();
    let out = dir.join("report.html");
    let run = Command::new(env!("CARGO_BIN_EXE_escrowlab"))
        .args([
            "suite",
            suite.to_str().unwrap(),
            "--format",
            "html",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    // 1: the deliberately wrong expectation failed.
    assert_eq!(
        run.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let html = std::fs::read_to_string(&out).expect("the report was written");
    (out, html)
}

/// Every `src=`, `href=`, `url(` and `@import` in the page, with the start of what it
/// points at (quotes, spaces and parentheses skipped).
fn references(html: &str) -> Vec<(&'static str, String)> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    for pat in ["src=", "href=", "url(", "@import"] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(pat) {
            let at = from + i + pat.len();
            let target: String = lower[at..]
                .chars()
                .skip_while(|c| matches!(c, '"' | '\'' | ' ' | '('))
                .take(12)
                .collect();
            out.push((pat, target));
            from = at;
        }
    }
    out
}

#[test]
fn the_page_references_nothing_on_the_network() {
    let dir = tempfile::tempdir().unwrap();
    let (_, html) = write_report(dir.path());
    let refs = references(&html);
    // The heat-map's pattern and gradient are in-page references.
    assert!(refs
        .iter()
        .any(|(p, t)| *p == "url(" && t.starts_with("#hatch)")));
    for (pat, target) in &refs {
        assert!(
            !target.starts_with("http:")
                && !target.starts_with("https:")
                && !target.starts_with("//"),
            "the page references the network: {pat}{target}"
        );
    }
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(html.contains("Content-Security-Policy") && html.contains("default-src 'none'"));
    // The expectation's comment is shown, escaped, and is never markup.
    assert!(html.contains("&lt;script&gt;alert(&#39;not run&#39;)&lt;/script&gt; &amp; friends"));
    assert_eq!(
        html.matches("<script>").count(),
        2,
        "only the page's own two scripts"
    );
}

fn chromium(args: &[&str], profile: &Path) -> std::process::Output {
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    // A guard against a browser that never exits (not a timing assertion).
    let start = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > std::time::Duration::from_secs(300) {
            let _ = child.kill();
            panic!("chromium did not exit");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// The value of `name="..."` in the first `<body ...>` tag of a DOM dump.
fn body_attr(dom: &str, name: &str) -> Option<String> {
    let start = dom.find("<body")?;
    let tag = &dom[start..start + dom[start..].find('>')?];
    let key = format!("{name}=\"");
    let i = tag.find(&key)? + key.len();
    Some(tag[i..i + tag[i..].find('"')?].to_string())
}

#[test]
fn chromium_renders_every_chart_without_errors() {
    if !Path::new(CHROMIUM).exists() {
        if std::env::var_os("ESCROWLAB_REQUIRE_CHROMIUM").is_some() {
            panic!("{CHROMIUM} is missing and ESCROWLAB_REQUIRE_CHROMIUM is set");
        }
        println!(
            "SKIPPED: {CHROMIUM} is not installed (apt-get install chromium to run this test)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (page, html) = write_report(dir.path());
    let url = format!("file://{}", page.display());
    let charts = html.matches("<svg class=\"chart\"").count();
    // Heat-map, two sweeps, worst-by-epoch, three schemes' epoch charts, utility.
    assert_eq!(charts, 8);

    // The screenshot: a picture with variety, not a blank page.
    let shot = dir.path().join("shot.png");
    let profile = tempfile::tempdir().unwrap();
    let run = chromium(
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1400,2400",
            &url,
        ],
        profile.path(),
    );
    assert!(
        shot.exists(),
        "no screenshot; chromium said: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1400, 2400));
    let bpp = info.line_size / info.width as usize;
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(bpp).collect();
    let mut colours: Vec<&[u8]> = pixels.clone();
    colours.sort_unstable();
    colours.dedup();
    let ink = pixels
        .iter()
        .filter(|p| p[..3].iter().any(|c| *c < 200))
        .count();
    let red = pixels
        .iter()
        .filter(|p| p[0] > 150 && p[1] < 60 && p[2] < 60)
        .count();
    assert!(colours.len() > 50, "only {} colours: blank?", colours.len());
    assert!(
        ink * 100 > pixels.len(),
        "under 1% of the page is drawn ({ink} pixels)"
    );
    assert!(
        red > 500,
        "no heat-map cell at full exposure is visible ({red} red pixels)"
    );
    if let Some(keep) = std::env::var_os("ESCROWLAB_KEEP_SCREENSHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }

    // The DOM after load: every chart drawn, no error.
    let profile = tempfile::tempdir().unwrap();
    let run = chromium(
        &["--virtual-time-budget=5000", "--dump-dom", &url],
        profile.path(),
    );
    let dom = String::from_utf8_lossy(&run.stdout);
    let expected = body_attr(&dom, "data-charts-expected");
    let rendered = body_attr(&dom, "data-charts-rendered");
    let errors = body_attr(&dom, "data-errors");
    assert_eq!(expected, Some(charts.to_string()));
    assert_eq!(
        rendered,
        Some(charts.to_string()),
        "charts rendered (the load script ran?)"
    );
    assert_eq!(errors.as_deref(), Some("0"), "errors on the page");
}
