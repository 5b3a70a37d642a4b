//! Typed expectations on cells, as suites state them, and how they are judged.
//!
//! An expectation names a scheme, an attack and (optionally) a subset of the attack's
//! parameters; every cell it matches must satisfy each check it gives:
//!
//! ```toml
//! [[expect]]
//! scheme = "single-key"
//! attack = "field-forgery"
//! exposure = 0.0                       # fraction of all messages: `== x`, `<= x`, `>= x`
//! detected = false
//! figures = { "cost.tries_mean" = "== 65536 ± 50%", before_compromise = "== 0" }
//! comment = "a 16-bit LEAF check falls to about 2^16 chip queries (Blaze 1994)"
//! ```
//!
//! `figures` judges any number a cell reports, by a dotted path into the cell's JSON
//! (`cost.agents_compromised`, `exposure.users_total`, `before_compromise`, ...). A
//! comparison is `OP VALUE [± TOLERANCE]`: `OP` is `==`, `<=` or `>=` (none means `==`),
//! the tolerance is absolute (`± 64`) or relative to the value (`± 25%`), and `+-` or `+/-`
//! may stand for `±`.

use super::{CellResult, Verdict};
use crate::attack::ParamValue;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// Slack on every comparison, so that figures computed in floating point compare as written.
const EPSILON: f64 = 1e-9;

/// How far from the bound a measured number may be and still satisfy a comparison.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tolerance {
    /// `± x`: an absolute distance.
    Absolute(f64),
    /// `± x%`: a percentage of the bound's magnitude.
    Percent(f64),
}

impl Tolerance {
    /// The absolute slack this tolerance gives around `bound`.
    pub fn slack(self, bound: f64) -> f64 {
        match self {
            Tolerance::Absolute(t) => t,
            Tolerance::Percent(p) => bound.abs() * p / 100.0,
        }
    }
}

impl fmt::Display for Tolerance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tolerance::Absolute(t) => write!(f, "± {t}"),
            Tolerance::Percent(p) => write!(f, "± {p}%"),
        }
    }
}

/// A comparison of a measured number: `== x`, `<= x`, `>= x` (a bare number means `==`),
/// optionally with a tolerance (`== 256 ± 64`, `<= 0.5 ± 10%`).
#[derive(Clone, Debug, PartialEq)]
pub struct Cmp {
    /// `==`, `<=` or `>=`.
    pub op: CmpOp,
    /// The bound.
    pub value: f64,
    /// How far past the bound a measurement may lie (none: only floating-point slack).
    pub tolerance: Option<Tolerance>,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// Equal (within the tolerance, or 1e-9).
    Eq,
    /// At most (the bound plus the tolerance).
    Le,
    /// At least (the bound minus the tolerance).
    Ge,
}

fn not_a_comparison(s: &str) -> Error {
    Error::input(format!(
        "expectation `{s}` is not a comparison (write `== 1.0`, `<= 0.05`, `>= 0.9`, \
         `== 256 ± 64`, `== 256 ± 25%` or a number)"
    ))
}

fn finite(s: &str, what: &str) -> Result<f64> {
    let v: f64 = what.trim().parse().map_err(|_| not_a_comparison(s))?;
    if !v.is_finite() {
        return Err(Error::input(format!(
            "expectation `{s}` is not a finite number"
        )));
    }
    Ok(v)
}

impl Cmp {
    /// A comparison without tolerance.
    pub fn new(op: CmpOp, value: f64) -> Cmp {
        Cmp {
            op,
            value,
            tolerance: None,
        }
    }

    /// Parses `"<= 0.5"`, `">= 1"`, `"== 0"`, `"0.5"`, `"== 256 ± 64"` or `"== 256 ± 25%"`
    /// (`+-` and `+/-` may stand for `±`).
    ///
    /// # Errors
    /// [`Error::Input`] for anything else, a number that is not finite, or a negative
    /// tolerance.
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
        let split = ["±", "+/-", "+-"]
            .iter()
            .find_map(|sep| rest.split_once(sep));
        let (value, tolerance) = match split {
            None => (finite(s, rest)?, None),
            Some((v, tol)) => {
                let value = finite(s, v)?;
                let tol = tol.trim();
                let tolerance = match tol.strip_suffix('%') {
                    Some(p) => Tolerance::Percent(finite(s, p)?),
                    None => Tolerance::Absolute(finite(s, tol)?),
                };
                let (Tolerance::Percent(x) | Tolerance::Absolute(x)) = tolerance;
                if x < 0.0 {
                    return Err(Error::input(format!(
                        "expectation `{s}`: a tolerance cannot be negative"
                    )));
                }
                (value, Some(tolerance))
            }
        };
        Ok(Cmp {
            op,
            value,
            tolerance,
        })
    }

    /// The absolute slack around the bound: the tolerance plus floating-point slack.
    pub fn slack(&self) -> f64 {
        self.tolerance.map_or(0.0, |t| t.slack(self.value)) + EPSILON
    }

    /// Does `x` satisfy it?
    pub fn holds(&self, x: f64) -> bool {
        let slack = self.slack();
        match self.op {
            CmpOp::Eq => (x - self.value).abs() <= slack,
            CmpOp::Le => x <= self.value + slack,
            CmpOp::Ge => x >= self.value - slack,
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
        write!(f, "{op} {}", self.value)?;
        if let Some(t) = self.tolerance {
            write!(f, " {t}")?;
        }
        Ok(())
    }
}

impl Serialize for Cmp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl schemars::JsonSchema for Cmp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Cmp".into()
    }
    /// Serialized as its text: `"<= 0.5"`, `"== 256 ± 64"`.
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A comparison as written: `==`, `<=` or `>=`, a number, optionally `± tolerance` or `± percent%`.",
            "type": "string"
        })
    }
}

impl<'de> Deserialize<'de> for Cmp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        match FigureCheck::deserialize(d)? {
            FigureCheck::Cmp(c) => Ok(c),
            FigureCheck::Bool(b) => Err(serde::de::Error::custom(format!(
                "expected a number or a comparison such as \"<= 0.5\", found {b}"
            ))),
        }
    }
}

/// What `figures` says about one figure: a comparison, or (for a true/false figure such as
/// `detected`) the value it must have.
#[derive(Clone, Debug, PartialEq)]
pub enum FigureCheck {
    /// A number compared (`"== 256 ± 64"`, or a bare number for `==`).
    Cmp(Cmp),
    /// A flag that must equal this.
    Bool(bool),
}

impl fmt::Display for FigureCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FigureCheck::Cmp(c) => c.fmt(f),
            FigureCheck::Bool(b) => write!(f, "== {b}"),
        }
    }
}

impl Serialize for FigureCheck {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            FigureCheck::Cmp(c) => c.serialize(s),
            FigureCheck::Bool(b) => s.serialize_bool(*b),
        }
    }
}

impl schemars::JsonSchema for FigureCheck {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "FigureCheck".into()
    }
    /// A comparison's text, or the flag a true/false figure must equal.
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let cmp = g.subschema_for::<Cmp>();
        schemars::json_schema!({
            "description": "A comparison, or the value a true/false figure must have.",
            "anyOf": [cmp, { "type": "boolean" }]
        })
    }
}

impl<'de> Deserialize<'de> for FigureCheck {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = FigureCheck;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number, true or false, or a comparison such as \"== 256 ± 64\"")
            }
            fn visit_bool<E: serde::de::Error>(
                self,
                v: bool,
            ) -> std::result::Result<Self::Value, E> {
                Ok(FigureCheck::Bool(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<Self::Value, E> {
                Ok(FigureCheck::Cmp(Cmp::new(CmpOp::Eq, v as f64)))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<Self::Value, E> {
                Ok(FigureCheck::Cmp(Cmp::new(CmpOp::Eq, v as f64)))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<Self::Value, E> {
                if v.is_finite() {
                    Ok(FigureCheck::Cmp(Cmp::new(CmpOp::Eq, v)))
                } else {
                    Err(E::custom(format!("{v} is not a finite number")))
                }
            }
            fn visit_str<E: serde::de::Error>(
                self,
                v: &str,
            ) -> std::result::Result<Self::Value, E> {
                Cmp::parse(v).map(FigureCheck::Cmp).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// One expectation from a suite file. Every field given must hold for each matching cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// Scheme name.
    pub scheme: String,
    /// Attack id.
    pub attack: String,
    /// Parameter values the cell must have (a subset; omitted = any).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, ParamValue>,
    /// Exposure fraction of messages (a number in 0..=1).
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
    /// Any figure the cell reports, by dotted path into the cell's JSON
    /// (`"cost.tries_mean" = "== 256 ± 64"`, `before_compromise = 0`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub figures: BTreeMap<String, FigureCheck>,
    /// Why this is expected (literature, measurement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// Looks up a dotted path (`cost.tries_mean`, `detected_by.0`) in a JSON value: object
/// members by name, array elements by index.
pub fn figure<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(root, |v, part| match v {
        Value::Object(m) => m.get(part),
        Value::Array(a) => part.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

fn judge_figure(path: &str, check: &FigureCheck, got: Option<&Value>) -> Option<String> {
    let got = match got {
        None | Some(Value::Null) => {
            return Some(format!(
                "{path}: the cell does not report this figure (expected {check})"
            ))
        }
        Some(v) => v,
    };
    match (check, got) {
        (FigureCheck::Cmp(c), Value::Number(n)) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            (!c.holds(x)).then(|| format!("{path} {n} expected {c}"))
        }
        (FigureCheck::Bool(b), Value::Bool(g)) => {
            (b != g).then(|| format!("{path} {g} expected {b}"))
        }
        (_, other) => {
            let kind = match other {
                Value::Bool(_) => "true or false",
                Value::Number(_) => "a number",
                Value::String(_) => "text",
                Value::Array(_) => "a list",
                _ => "a table",
            };
            Some(format!(
                "{path} is {kind} ({other}), which `{check}` cannot judge"
            ))
        }
    }
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

    /// Checks what can be checked without the suite: it judges something (at least one
    /// check is given), the exposure bound lies in 0..=1, counts are whole and not
    /// negative, figure paths are well formed.
    ///
    /// # Errors
    /// [`Error::Input`] saying what is wrong (the suite loader adds file, line and column).
    pub fn validate(&self) -> Result<()> {
        if self.exposure.is_none()
            && self.users.is_none()
            && self.out_of_scope.is_none()
            && self.detected.is_none()
            && self.blocked_by.is_none()
            && self.figures.is_empty()
        {
            return Err(Error::input(
                "expectation judges nothing: give at least one of exposure, users, \
                 out_of_scope, detected, blocked_by or figures",
            ));
        }
        if let Some(c) = &self.exposure {
            if !(0.0..=1.0).contains(&c.value) {
                return Err(Error::input(format!(
                    "exposure {} is outside [0, 1]: exposure is the fraction of all \
                     messages exposed (write 0.5 for half)",
                    c.value
                )));
            }
        }
        for (name, c) in [("users", &self.users), ("out_of_scope", &self.out_of_scope)] {
            if let Some(c) = c {
                if c.value < 0.0 {
                    return Err(Error::input(format!(
                        "{name} {} is negative: it counts messages or users",
                        c.value
                    )));
                }
                if c.value.fract() != 0.0 {
                    return Err(Error::input(format!(
                        "{name} {} is not a whole number: it counts messages or users",
                        c.value
                    )));
                }
            }
        }
        for (path, check) in &self.figures {
            if path.is_empty() || path.split('.').any(str::is_empty) {
                return Err(Error::input(format!(
                    "figure `{path}` is not a dotted path such as `cost.tries_mean`"
                )));
            }
            if let (true, FigureCheck::Cmp(c)) = (path == "exposure.fraction", check) {
                if !(0.0..=1.0).contains(&c.value) {
                    return Err(Error::input(format!(
                        "figure `exposure.fraction` {} is outside [0, 1]",
                        c.value
                    )));
                }
            }
        }
        Ok(())
    }

    /// Why this expectation fails for `cell` (empty when every check holds).
    pub fn failures(&self, cell: &CellResult) -> Vec<String> {
        let json = if self.figures.is_empty() {
            Value::Null
        } else {
            serde_json::to_value(cell).unwrap_or(Value::Null)
        };
        self.failures_in(cell, &json)
    }

    /// As [`Expectation::failures`], with the cell's JSON already made (for `figures`).
    fn failures_in(&self, cell: &CellResult, json: &Value) -> Vec<String> {
        let mut failures = Vec::new();
        if let Some(c) = &self.exposure {
            if !c.holds(cell.exposure.fraction) {
                failures.push(format!("exposure {} expected {c}", cell.exposure.fraction));
            }
        }
        if let Some(c) = &self.users {
            if !c.holds(cell.exposure.users as f64) {
                failures.push(format!("users {} expected {c}", cell.exposure.users));
            }
        }
        if let Some(c) = &self.out_of_scope {
            if !c.holds(cell.out_of_scope as f64) {
                failures.push(format!("out_of_scope {} expected {c}", cell.out_of_scope));
            }
        }
        if let Some(d) = self.detected {
            if d != cell.detected {
                failures.push(format!("detected {} expected {d}", cell.detected));
            }
        }
        if let Some(b) = &self.blocked_by {
            let got = cell.blocked_by.as_deref().unwrap_or("none");
            if got != b {
                failures.push(format!("blocked_by {got} expected {b}"));
            }
        }
        for (path, check) in &self.figures {
            if let Some(f) = judge_figure(path, check, figure(json, path)) {
                failures.push(f);
            }
        }
        failures
    }
}

/// Applies the cell's expectations and sets its verdict: `error` when the attack failed,
/// `unjudged` when no expectation applies, else `pass` or `fail` with every reason.
pub fn apply(cell: &mut CellResult) {
    if cell.error.is_some() {
        cell.verdict = Verdict::Error;
        return;
    }
    let json = if cell.expected.iter().any(|e| !e.figures.is_empty()) {
        serde_json::to_value(&*cell).unwrap_or(Value::Null)
    } else {
        Value::Null
    };
    let failures: Vec<String> = cell
        .expected
        .iter()
        .flat_map(|e| e.failures_in(cell, &json))
        .collect();
    cell.verdict = if cell.expected.is_empty() {
        Verdict::Unjudged
    } else if failures.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    cell.failures = failures;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_with_tolerance() {
        let c = Cmp::parse("== 256 ± 64").unwrap();
        assert!(c.holds(192.0) && c.holds(320.0) && !c.holds(321.0) && !c.holds(191.0));
        let p = Cmp::parse("== 200 +- 10%").unwrap();
        assert!(p.holds(220.0) && !p.holds(221.0));
        let le = Cmp::parse("<= 10 +/- 1").unwrap();
        assert!(le.holds(11.0) && !le.holds(11.5));
        let ge = Cmp::parse(">= 10 ± 1").unwrap();
        assert!(ge.holds(9.0) && !ge.holds(8.5));
        assert_eq!(c.to_string(), "== 256 ± 64");
        assert_eq!(p.to_string(), "== 200 ± 10%");
        assert!(Cmp::parse("== 1 ± -1").is_err());
        assert!(Cmp::parse("== 1 ± lots").is_err());
        assert!(Cmp::parse("about 1").is_err());
        assert!(Cmp::parse("== inf").is_err());
    }

    #[test]
    fn dotted_paths() {
        let v = serde_json::json!({"cost": {"tries": 3}, "detected_by": ["a", "b"]});
        assert_eq!(figure(&v, "cost.tries"), Some(&Value::from(3)));
        assert_eq!(figure(&v, "detected_by.1"), Some(&Value::from("b")));
        assert_eq!(figure(&v, "cost.nope"), None);
        assert_eq!(figure(&v, "cost.tries.deeper"), None);
    }
}
