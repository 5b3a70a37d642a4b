//! Real incidents as runnable cases: `escrowlab cases` lists them, `escrowlab cases run NAME`
//! runs one.
//!
//! A case is a suite file (`fixtures/cases/NAME.toml`, embedded in the binary) with one
//! more table, `[case]`: the incident's title, when it happened, a summary, the steps the
//! suite models and the references. Its expectations encode what happened; `cases run`
//! judges them as `suite --strict` does, with the same exit codes.

use crate::attack::Registry;
use crate::error::{Error, Result};
use crate::runner::suite_file::Suite;
use serde::{Deserialize, Serialize};

/// The built-in cases: name and file text.
const CASES: &[(&str, &str)] = &[
    (
        "blaze-1994",
        include_str!("../../fixtures/cases/blaze-1994.toml"),
    ),
    (
        "athens-2004",
        include_str!("../../fixtures/cases/athens-2004.toml"),
    ),
    (
        "juniper-2015",
        include_str!("../../fixtures/cases/juniper-2015.toml"),
    ),
    (
        "salt-typhoon-2024",
        include_str!("../../fixtures/cases/salt-typhoon-2024.toml"),
    ),
];

/// What a case file's `[case]` table says about the incident.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CaseInfo {
    /// The incident, in a line.
    pub title: String,
    /// When it happened (a year or a span).
    pub when: String,
    /// What happened, in a sentence or two.
    pub summary: String,
    /// The steps the suite models, in order.
    pub modelled: Vec<String>,
    /// Published sources.
    pub references: Vec<String>,
}

/// One built-in case.
#[derive(Clone, Debug)]
pub struct Case {
    /// Its name (`escrowlab cases run NAME`).
    pub name: &'static str,
    /// Its `[case]` table.
    pub info: CaseInfo,
    text: &'static str,
}

impl Case {
    /// The file it is read from, as reports name it.
    pub fn source(&self) -> String {
        format!("builtin:cases/{}.toml", self.name)
    }
    /// The case's suite: the file without its `[case]` table (blanked line for line, so
    /// errors keep their line numbers).
    ///
    /// # Errors
    /// [`Error::Config`] when the suite does not load against `registry`.
    pub fn suite(&self, registry: &Registry) -> Result<Suite> {
        Suite::from_toml_str_in(
            &without_case_table(self.text),
            &self.source(),
            None,
            registry,
        )
    }
}

/// Every built-in case, in order.
///
/// # Errors
/// [`Error::Config`] for a case file whose `[case]` table is missing or malformed (a bug,
/// caught by the tests).
pub fn all() -> Result<Vec<Case>> {
    CASES
        .iter()
        .map(|&(name, text)| {
            let source = format!("builtin:cases/{name}.toml");
            let table: toml::Table = toml::from_str(text)
                .map_err(|e| Error::input(format!("{source}: {}", e.message())))?;
            let info = table
                .get("case")
                .cloned()
                .ok_or_else(|| Error::input(format!("{source}: no [case] table")))?
                .try_into::<CaseInfo>()
                .map_err(|e| Error::input(format!("{source}: [case]: {}", e.message())))?;
            Ok(Case { name, info, text })
        })
        .collect()
}

/// The case called `name`.
///
/// # Errors
/// [`Error::Input`] for a name no case has, listing the names.
pub fn find(name: &str) -> Result<Case> {
    let cases = all()?;
    let names: Vec<&str> = cases.iter().map(|c| c.name).collect();
    cases
        .iter()
        .find(|c| c.name == name)
        .cloned()
        .ok_or_else(|| {
            Error::input(format!(
                "unknown case `{}` (known: {})",
                crate::text::echo(name),
                names.join(", ")
            ))
        })
}

/// Whether `line` is a table header (`[name]` or `[[name]]`, a comment allowed after).
fn is_header(line: &str) -> bool {
    let l = line.split('#').next().unwrap_or("").trim_end();
    l.starts_with('[')
        && l.ends_with(']')
        && l.trim_matches(|c| c == '[' || c == ']')
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.\"".contains(c))
}

/// `text` with the `[case]` table's lines (its header to the next header) left empty.
fn without_case_table(text: &str) -> String {
    let mut in_case = false;
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if is_header(line) {
            in_case = line.split('#').next().unwrap_or("").trim() == "[case]";
        }
        if in_case {
            if line.ends_with('\n') {
                out.push('\n');
            }
        } else {
            out.push_str(line);
        }
    }
    out
}

/// `escrowlab cases`: one entry per case, wrapped to the terminal.
pub fn render_list(cases: &[Case]) -> String {
    let mut out = String::new();
    for c in cases {
        out.push_str(&format!("{}  ({})\n", c.name, c.info.when));
        let width = crate::text::terminal_width();
        for para in [&c.info.title, &c.info.summary] {
            out.push_str(&crate::text::wrap(para, width, "  ", "  "));
            out.push('\n');
        }
        out.push_str(&format!("  run: escrowlab cases run {}\n\n", c.name));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_case_table_is_blanked_line_for_line() {
        let text =
            "seed = 1\n[case]\ntitle = \"x\"\nmodelled = [\n  \"a\",\n]\n[population]\nusers = 2\n";
        let out = without_case_table(text);
        assert_eq!(out, "seed = 1\n\n\n\n\n\n[population]\nusers = 2\n");
        assert_eq!(out.lines().count(), text.lines().count());
    }

    #[test]
    fn every_case_has_its_table_and_a_known_name_only() {
        let cases = all().unwrap();
        assert_eq!(cases.len(), CASES.len());
        for c in &cases {
            assert!(
                !c.info.references.is_empty() && !c.info.modelled.is_empty(),
                "{}",
                c.name
            );
        }
        let e = find("no-such-case").unwrap_err().to_string();
        assert!(e.contains("blaze-1994"), "{e}");
    }
}
