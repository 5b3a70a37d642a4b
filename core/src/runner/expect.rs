//! Typed expectations on cells, as suites state them.

use crate::attack::ParamValue;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A comparison of a measured number: `== x`, `<= x`, `>= x` (a bare number means `==`).
#[derive(Clone, Debug, PartialEq)]
pub struct Cmp {
    /// `==`, `<=` or `>=`.
    pub op: CmpOp,
    /// The bound.
    pub value: f64,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// Equal (within 1e-9).
    Eq,
    /// At most.
    Le,
    /// At least.
    Ge,
}

impl Cmp {
    /// Parses `"<= 0.5"`, `">= 1"`, `"== 0"` or `"0.5"`.
    ///
    /// # Errors
    /// [`Error::Input`] for anything else.
    pub fn parse(s: &str) -> Result<Cmp> {
        let t = s.trim();
        let (op, rest) = if let Some(r) = t.strip_prefix("<=") {
            (CmpOp::Le, r)
        } else if let Some(r) = t.strip_prefix(">=") {
            (CmpOp::Ge, r)
        } else if let Some(r) = t.strip_prefix("==") {
            (CmpOp::Eq, r)
        } else {
            (CmpOp::Eq, t)
        };
        let value: f64 = rest.trim().parse().map_err(|_| {
            Error::input(format!("expectation `{s}` is not a comparison (write `== 1.0`, `<= 0.05`, `>= 0.9` or a number)"))
        })?;
        if !value.is_finite() {
            return Err(Error::input(format!(
                "expectation `{s}` is not a finite number"
            )));
        }
        Ok(Cmp { op, value })
    }
    /// Does `x` satisfy it?
    pub fn holds(&self, x: f64) -> bool {
        match self.op {
            CmpOp::Eq => (x - self.value).abs() <= 1e-9,
            CmpOp::Le => x <= self.value + 1e-9,
            CmpOp::Ge => x >= self.value - 1e-9,
        }
    }
}

impl fmt::Display for Cmp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            CmpOp::Eq => "==",
            CmpOp::Le => "<=",
            CmpOp::Ge => ">=",
        };
        write!(f, "{op} {}", self.value)
    }
}

impl Serialize for Cmp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Cmp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(f64),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(v) if v.is_finite() => Ok(Cmp {
                op: CmpOp::Eq,
                value: v,
            }),
            Raw::N(v) => Err(serde::de::Error::custom(format!(
                "{v} is not a finite number"
            ))),
            Raw::S(s) => Cmp::parse(&s).map_err(serde::de::Error::custom),
        }
    }
}

/// One expectation from a suite file. Every field given must hold for each matching cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// Scheme name.
    pub scheme: String,
    /// Attack id.
    pub attack: String,
    /// Parameter values the cell must have (a subset; omitted = any).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, ParamValue>,
    /// Exposure fraction of messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposure: Option<Cmp>,
    /// Exposed users (count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<Cmp>,
    /// Exposed messages outside any valid warrant (count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_of_scope: Option<Cmp>,
    /// Whether the attack is detected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detected: Option<bool>,
    /// The control that must block it (`"none"` = must not be blocked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<String>,
    /// Why this is expected (literature, measurement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Expectation {
    /// Does this expectation apply to a cell?
    pub fn matches(
        &self,
        scheme: &str,
        attack: &str,
        params: &BTreeMap<String, ParamValue>,
    ) -> bool {
        self.scheme == scheme
            && self.attack == attack
            && self.params.iter().all(|(k, v)| params.get(k) == Some(v))
    }
}
