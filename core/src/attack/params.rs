//! Typed attack parameters with defaults and ranges.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A parameter value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// A whole number.
    Int(i64),
    /// A flag.
    Bool(bool),
    /// A word (a mode name).
    Str(String),
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Int(v) => write!(f, "{v}"),
            ParamValue::Bool(v) => write!(f, "{v}"),
            ParamValue::Str(v) => write!(f, "{v}"),
        }
    }
}

/// The kind and accepted values of a parameter.
#[derive(Clone, Copy, Debug)]
pub enum ParamKind {
    /// An integer in `min..=max`.
    Int {
        /// Smallest accepted.
        min: i64,
        /// Largest accepted.
        max: i64,
    },
    /// A flag.
    Bool,
    /// One of these words.
    Choice(&'static [&'static str]),
}

/// One declared parameter.
#[derive(Clone, Debug)]
pub struct ParamSpec {
    /// Name (`--param name=value`).
    pub name: &'static str,
    /// Kind and range.
    pub kind: ParamKind,
    /// Default value.
    pub default: DefaultValue,
    /// One line of documentation.
    pub doc: &'static str,
}

/// A default that can live in a `static`.
#[derive(Clone, Copy, Debug)]
pub enum DefaultValue {
    /// Integer default.
    Int(i64),
    /// Flag default.
    Bool(bool),
    /// Word default.
    Str(&'static str),
}

impl DefaultValue {
    /// As a [`ParamValue`].
    pub fn value(self) -> ParamValue {
        match self {
            DefaultValue::Int(v) => ParamValue::Int(v),
            DefaultValue::Bool(v) => ParamValue::Bool(v),
            DefaultValue::Str(v) => ParamValue::Str(v.to_string()),
        }
    }
}

impl ParamSpec {
    /// Checks a value against the kind and range.
    ///
    /// # Errors
    /// [`Error::Input`] naming the parameter and the accepted values.
    pub fn check(&self, attack: &str, v: &ParamValue) -> Result<()> {
        let bad = |accepted: String| {
            Err(Error::input(format!(
                "attack `{attack}`: parameter `{}` = {} is not accepted (accepted: {accepted})",
                self.name,
                crate::text::echo(&v.to_string())
            )))
        };
        match (self.kind, v) {
            (ParamKind::Int { min, max }, ParamValue::Int(x)) if (min..=max).contains(x) => Ok(()),
            (ParamKind::Int { min, max }, _) => bad(format!("an integer in {min}..={max}")),
            (ParamKind::Bool, ParamValue::Bool(_)) => Ok(()),
            (ParamKind::Bool, _) => bad("true or false".into()),
            (ParamKind::Choice(c), ParamValue::Str(s)) if c.contains(&s.as_str()) => Ok(()),
            (ParamKind::Choice(c), _) => bad(c.join(", ")),
        }
    }
    /// Parses a command-line value for this parameter.
    ///
    /// # Errors
    /// [`Error::Input`].
    pub fn parse(&self, attack: &str, s: &str) -> Result<ParamValue> {
        let v = match self.kind {
            ParamKind::Int { .. } => {
                s.trim().parse::<i64>().map(ParamValue::Int).map_err(|_| {
                    Error::input(format!(
                        "attack `{attack}`: parameter `{}` wants an integer, got `{}`",
                        self.name,
                        crate::text::echo(s)
                    ))
                })?
            }
            ParamKind::Bool => match s.trim() {
                "true" => ParamValue::Bool(true),
                "false" => ParamValue::Bool(false),
                _ => {
                    return Err(Error::input(format!(
                        "attack `{attack}`: parameter `{}` wants true or false, got `{}`",
                        self.name,
                        crate::text::echo(s)
                    )))
                }
            },
            ParamKind::Choice(_) => ParamValue::Str(s.trim().to_string()),
        };
        self.check(attack, &v)?;
        Ok(v)
    }
}

/// Resolved parameters of one run: every declared parameter has a value.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Params(pub BTreeMap<String, ParamValue>);

impl Params {
    /// Fills defaults and checks `given` against `specs`.
    ///
    /// # Errors
    /// [`Error::Input`] for an unknown parameter or a value out of range.
    pub fn resolve(
        attack: &str,
        specs: &[ParamSpec],
        given: &BTreeMap<String, ParamValue>,
    ) -> Result<Params> {
        for name in given.keys() {
            if !specs.iter().any(|s| s.name == name) {
                let known: Vec<&str> = specs.iter().map(|s| s.name).collect();
                return Err(Error::input(format!(
                    "attack `{attack}` has no parameter `{}` (its parameters: {})",
                    crate::text::echo(name),
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )));
            }
        }
        let mut m = BTreeMap::new();
        for s in specs {
            let v = given
                .get(s.name)
                .cloned()
                .unwrap_or_else(|| s.default.value());
            s.check(attack, &v)?;
            m.insert(s.name.to_string(), v);
        }
        Ok(Params(m))
    }
    /// Integer parameter (0 when absent or not an integer: resolve() guarantees presence).
    pub fn int(&self, name: &str) -> i64 {
        match self.0.get(name) {
            Some(ParamValue::Int(v)) => *v,
            _ => 0,
        }
    }
    /// Flag parameter.
    pub fn flag(&self, name: &str) -> bool {
        matches!(self.0.get(name), Some(ParamValue::Bool(true)))
    }
    /// Word parameter.
    pub fn word(&self, name: &str) -> &str {
        match self.0.get(name) {
            Some(ParamValue::Str(v)) => v,
            _ => "",
        }
    }
}
