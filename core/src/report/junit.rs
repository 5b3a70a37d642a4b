//! JUnit XML: one test case per cell, through quick-junit. A failed cell is a failure (with
//! the expectation's comment), an errored attack an error, an unjudged cell skipped. Each
//! test suite (one per scheme) carries the provenance as properties (`escrowlab.version`,
//! `escrowlab.seed`, `escrowlab.scheme_sha256`, ...).

use super::Report;
use crate::runner::Verdict;
use quick_junit::{NonSuccessKind, Report as JReport, TestCase, TestCaseStatus, TestSuite};

/// Renders the report as JUnit XML.
pub fn render(report: &Report) -> String {
    let mut jr = JReport::new("escrowlab");
    for scheme in &report.schemes {
        let mut suite = TestSuite::new(scheme.name.clone());
        let p = &report.provenance;
        suite.add_properties([
            ("escrowlab.version".to_string(), p.version.clone()),
            ("escrowlab.suite".to_string(), p.suite.clone()),
            ("escrowlab.seed".to_string(), p.seed.to_string()),
            ("escrowlab.backend".to_string(), scheme.backend.clone()),
            (
                "escrowlab.population".to_string(),
                format!(
                    "{} users, {} epochs, {} messages per session",
                    p.population.users, p.population.epochs, p.population.messages_per_session
                ),
            ),
            (
                "escrowlab.scheme_sha256".to_string(),
                p.schemes
                    .iter()
                    .find(|s| s.name == scheme.name)
                    .map(|s| s.sha256.clone())
                    .unwrap_or_default(),
            ),
        ]);
        for c in report.results.iter().filter(|c| c.scheme == scheme.name) {
            let params: Vec<String> = c.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let name = if params.is_empty() {
                c.attack.clone()
            } else {
                format!("{} [{}]", c.attack, params.join(","))
            };
            let status = match c.verdict {
                Verdict::Pass => TestCaseStatus::success(),
                // Nothing was judged: reported as skipped, never as passed.
                Verdict::Unjudged => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message("unjudged: no expectation in the suite applies to this cell");
                    s
                }
                Verdict::Fail => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(c.failures.join("; "));
                    let comments: Vec<&str> = c
                        .expected
                        .iter()
                        .filter(|e| !e.failures(c).is_empty())
                        .filter_map(|e| e.comment.as_deref())
                        .collect();
                    if !comments.is_empty() {
                        s.set_description(format!("expected because: {}", comments.join("; ")));
                    }
                    s
                }
                Verdict::Error => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                    s.set_message(c.error.clone().unwrap_or_default());
                    s
                }
            };
            let mut tc = TestCase::new(name, status);
            tc.set_classname(format!("escrowlab.{}", scheme.name));
            tc.set_system_out(format!(
                "exposure {:.4} ({} of {} messages, {} of {} users); out_of_scope {}; detected_by [{}]; blocked_by {}",
                c.exposure.fraction,
                c.exposure.messages,
                c.exposure.messages_total,
                c.exposure.users,
                c.exposure.users_total,
                c.out_of_scope,
                c.detected_by.join(", "),
                c.blocked_by.as_deref().unwrap_or("-")
            ));
            suite.add_test_case(tc);
        }
        jr.add_test_suite(suite);
    }
    jr.to_string()
        .unwrap_or_else(|e| format!("<!-- junit serialisation failed: {e} -->\n"))
}
