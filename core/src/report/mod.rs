//! Reports: JSON is primary (`escrowlab-report/1`, its schema in `docs/report.schema.json`:
//! [`json_schema`]); the table, Markdown, JUnit XML, CSV and HTML are rendered from the same
//! data ([`Report`], built by the runner), each with the report's [`Provenance`].

pub mod csv;
pub mod html;
pub mod junit;
pub mod schema;
pub mod svg;
pub mod text;

/// The report's provenance (defined with the runner, which records it).
pub mod provenance {
    pub use crate::runner::provenance::*;
}

pub use crate::runner::report_model::*;
pub use provenance::{scheme_digest, Provenance, SchemeDigest};
pub use schema::json_schema;

/// One cell's docket figures in one line: `F1 0.04 (recall 2/2 = 1.00, precision 2/100 = 0.02)`.
pub(crate) fn docket_summary(d: &crate::runner::DocketFigures) -> String {
    format!(
        "F1 {:.2} (recall {}/{} = {:.2}, precision {}/{} = {:.2})",
        d.fraction, d.learned, d.targets, d.recall, d.learned, d.claimed, d.precision
    )
}
