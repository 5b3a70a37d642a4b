//! Typed attack parameters with defaults and ranges.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A parameter value.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum ParamValue {
    /// A whole number.
    Int(i64),
    /// A flag.
    Bool(bool),
    /// A word (a mode name).
    Str(String),
}

/// Reads an integer, a boolean or a string; any other value (a float, an array...) is
/// refused naming what it is, instead of serde's "did not match any variant".
impl<'de> Deserialize<'de> for ParamValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ParamValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a parameter value: an integer, true or false, or a string")
            }
            fn visit_bool<E: serde::de::Error>(
                self,
                v: bool,
            ) -> std::result::Result<ParamValue, E> {
                Ok(ParamValue::Bool(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<ParamValue, E> {
                Ok(ParamValue::Int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<ParamValue, E> {
                i64::try_from(v)
                    .map(ParamValue::Int)
                    .map_err(|_| E::custom(format!("the integer {v} is too large for a parameter")))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<ParamValue, E> {
                Err(E::custom(format!(
                    "the float {v} is not a parameter value: a parameter is an integer, true or \
                     false, or a string"
                )))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<ParamValue, E> {
                Ok(ParamValue::Str(v.to_string()))
            }
            fn visit_string<E: serde::de::Error>(
                self,
                v: String,
            ) -> std::result::Result<ParamValue, E> {
                Ok(ParamValue::Str(v))
            }
        }
        d.deserialize_any(V)
    }
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
    /// An integer in `min..=max` that also indexes or counts something of the simulated
    /// run (a user, an agent, an epoch...): a value given for a run is checked against
    /// that run's size before it starts (see [`Params::check_run`]). A negative value is
    /// a sentinel (such as "-1: chosen from the seed") and is not checked against the run.
    Bounded {
        /// Smallest accepted.
        min: i64,
        /// Largest accepted.
        max: i64,
        /// What of the run it indexes or counts.
        bound: Bound,
    },
}

/// What of the simulated run a [`ParamKind::Bounded`] parameter indexes or counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// A user index: below the number of users.
    User,
    /// A number of users: at most the number of users.
    Users,
    /// An escrow agent index: below the scheme's number of agents `n`.
    Agent,
    /// A number of escrow agents: at most `n`.
    Agents,
    /// A number of judges: at most the court's `n`.
    Judges,
    /// An epoch index: below the run's number of epochs.
    Epoch,
    /// A number of HSM members: at most the members of the scheme's HSM cluster (the
    /// `hsm-guess-limit` family's `members`). Beyond it is impossible (there is no such
    /// member to take), not merely without effect.
    Members,
    /// A number of epochs: at most the run's number of epochs.
    Epochs,
}

/// The sizes of a run that [`ParamKind::Bounded`] parameters are checked against.
/// `None` leaves that bound unchecked (a scheme without agents, say).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunSize {
    /// Users in the population.
    pub users: Option<u64>,
    /// Epochs on the timeline.
    pub epochs: Option<u64>,
    /// Escrow agents (`[custody] n`); for a suite, the most of any of its schemes.
    pub agents: Option<u64>,
    /// Judges of the court; for a suite, the most of any of its schemes.
    pub judges: Option<u64>,
    /// Members of the HSM cluster (`hsm-guess-limit` schemes); for a suite, the most of any
    /// of its schemes.
    pub members: Option<u64>,
}

impl Bound {
    /// Is a value beyond this bound impossible (it indexes a user or an agent the run does
    /// not have: an error) rather than legal but unable to take effect (a count above what
    /// the run has, an epoch after its last: a warning)?
    pub fn beyond_is_impossible(self) -> bool {
        matches!(self, Bound::User | Bound::Agent | Bound::Members)
    }

    /// What happens to a value beyond this bound that is only a warning.
    fn beyond_effect(self) -> &'static str {
        match self {
            Bound::Epoch => "it acts after the last epoch's traffic",
            Bound::User | Bound::Agent | Bound::Members => "there is no such one",
            Bound::Users | Bound::Agents | Bound::Judges | Bound::Epochs => {
                "only as many as the run has take part"
            }
        }
    }

    /// Does `x` fit a run of `size`? `Err` holds the words for the limit; `Ok` also when
    /// the run leaves this bound unchecked.
    fn fits(self, x: u64, size: &RunSize) -> std::result::Result<(), String> {
        let (n, index, one, many) = match self {
            Bound::User => (size.users, true, "user", "users"),
            Bound::Users => (size.users, false, "user", "users"),
            Bound::Agent => (size.agents, true, "escrow agent", "escrow agents"),
            Bound::Agents => (size.agents, false, "escrow agent", "escrow agents"),
            Bound::Judges => (size.judges, false, "judge", "judges"),
            Bound::Epoch => (size.epochs, true, "epoch", "epochs"),
            Bound::Epochs => (size.epochs, false, "epoch", "epochs"),
            Bound::Members => (size.members, false, "HSM member", "HSM members"),
        };
        let Some(n) = n else { return Ok(()) };
        if (index && x < n) || (!index && x <= n) {
            return Ok(());
        }
        let what = format!("{n} {}", if n == 1 { one } else { many });
        Err(if index && n > 0 {
            format!("the run has {what} (indices 0..={})", n - 1)
        } else {
            format!("the run has {what}")
        })
    }
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
        self.check_as(&format!("attack `{attack}`"), v)
    }

    /// As [`ParamSpec::check`], the message naming the parameter's owner as `owner`
    /// (``attack `key-theft` ``, ``mechanism family `public-ledger` ``). A value of the
    /// wrong type is named with its type (`the string "10"`).
    ///
    /// # Errors
    /// [`Error::Input`] naming the owner, the parameter and the accepted values.
    pub fn check_as(&self, owner: &str, v: &ParamValue) -> Result<()> {
        let shown = match (self.kind, v) {
            (ParamKind::Choice(_), _) | (_, ParamValue::Int(_) | ParamValue::Bool(_)) => {
                crate::text::echo(&v.to_string())
            }
            (_, ParamValue::Str(w)) => format!("the string \"{}\"", crate::text::echo(w)),
        };
        let bad = |accepted: String| {
            Err(Error::input(format!(
                "{owner}: parameter `{}` = {shown} is not accepted (accepted: {accepted})",
                self.name,
            )))
        };
        match (self.kind, v) {
            (ParamKind::Int { min, max } | ParamKind::Bounded { min, max, .. }, v) => match v {
                ParamValue::Int(x) if (min..=max).contains(x) => Ok(()),
                _ => bad(format!("an integer in {min}..={max}")),
            },
            (ParamKind::Bool, ParamValue::Bool(_)) => Ok(()),
            (ParamKind::Bool, _) => bad("true or false".into()),
            (ParamKind::Choice(c), ParamValue::Str(s)) if c.contains(&s.as_str()) => Ok(()),
            (ParamKind::Choice(c), _) => bad(c.join(", ")),
        }
    }
    /// Checks a value against the `size` of the run it is given for (only
    /// [`ParamKind::Bounded`] parameters, and only non-negative values, have a bound).
    /// Only an impossible value is an error (an index beyond the users or agents the run
    /// has, see [`Bound::beyond_is_impossible`]); a legal value that cannot take effect is
    /// a warning from [`ParamSpec::run_warning`].
    ///
    /// # Errors
    /// [`Error::Input`] naming the parameter, its value and the bound.
    pub fn check_run(&self, attack: &str, v: &ParamValue, size: &RunSize) -> Result<()> {
        let (ParamKind::Bounded { bound, .. }, &ParamValue::Int(x)) = (self.kind, v) else {
            return Ok(());
        };
        let Ok(x) = u64::try_from(x) else {
            return Ok(());
        };
        if !bound.beyond_is_impossible() {
            return Ok(());
        }
        bound.fits(x, size).map_err(|limit| {
            Error::input(format!(
                "attack `{attack}`: parameter `{}` = {x} is outside the run: {limit}",
                self.name
            ))
        })
    }
    /// The warning for a legal value that cannot take effect in a run of `size` (a count
    /// above what the run has, an epoch at or after its last), or `None`.
    pub fn run_warning(&self, attack: &str, v: &ParamValue, size: &RunSize) -> Option<String> {
        let (ParamKind::Bounded { bound, .. }, &ParamValue::Int(x)) = (self.kind, v) else {
            return None;
        };
        let x = u64::try_from(x).ok()?;
        if bound.beyond_is_impossible() {
            return None;
        }
        let limit = bound.fits(x, size).err()?;
        Some(format!(
            "attack `{attack}`: parameter `{}` = {x} is beyond this run ({limit}): {}",
            self.name,
            bound.beyond_effect()
        ))
    }
    /// What a sentinel value means, from the parameter's doc: for a doc that says
    /// "(-1: chosen from the seed)", `-1` means "chosen from the seed". `None` for any
    /// other value or when the doc does not say.
    pub fn sentinel_meaning(&self, v: &ParamValue) -> Option<&'static str> {
        let &ParamValue::Int(x) = v else { return None };
        if x >= 0 {
            return None;
        }
        let key = format!("({x}: ");
        let doc: &'static str = self.doc;
        let start = doc.find(&key)? + key.len();
        let len = doc[start..].find(')')?;
        Some(&doc[start..start + len])
    }
    /// Parses a command-line value for this parameter.
    ///
    /// # Errors
    /// [`Error::Input`].
    pub fn parse(&self, attack: &str, s: &str) -> Result<ParamValue> {
        let v = match self.kind {
            ParamKind::Int { .. } | ParamKind::Bounded { .. } => {
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
        Params::resolve_as(&format!("attack `{attack}`"), specs, given)
    }

    /// As [`Params::resolve`] for a mechanism family's parameters (a scheme's
    /// `[mechanism] params`): the messages name the family, not an attack.
    ///
    /// # Errors
    /// [`Error::Input`] for an unknown parameter or a value out of range.
    pub fn resolve_family(
        family: &str,
        specs: &[ParamSpec],
        given: &BTreeMap<String, ParamValue>,
    ) -> Result<Params> {
        Params::resolve_as(&format!("mechanism family `{family}`"), specs, given)
    }

    fn resolve_as(
        owner: &str,
        specs: &[ParamSpec],
        given: &BTreeMap<String, ParamValue>,
    ) -> Result<Params> {
        for name in given.keys() {
            if !specs.iter().any(|s| s.name == name) {
                let known: Vec<&str> = specs.iter().map(|s| s.name).collect();
                return Err(Error::input(format!(
                    "{owner} has no parameter `{}` (its parameters: {})",
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
            s.check_as(owner, &v)?;
            m.insert(s.name.to_string(), v);
        }
        Ok(Params(m))
    }
    /// Checks the parameters `given` for a run (not the defaults: an attack's default
    /// adapts to the run) against the run's `size`: a [`ParamKind::Bounded`] value that
    /// points outside the run (user 100000 of 20) is refused.
    ///
    /// # Errors
    /// [`Error::Input`] naming the parameter, its value and the bound.
    pub fn check_run(
        attack: &str,
        specs: &[ParamSpec],
        given: &BTreeMap<String, ParamValue>,
        size: &RunSize,
    ) -> Result<()> {
        for (name, v) in given {
            let Some(spec) = specs.iter().find(|s| s.name == name) else {
                continue;
            };
            spec.check_run(attack, v, size)?;
        }
        Ok(())
    }
    /// The warnings for the parameters `given` for `attack` (not the defaults: an
    /// attack's default adapts to the run) that are legal but cannot take effect in a run
    /// of `size`, one per parameter, in name order.
    pub fn run_warnings(
        attack: &str,
        specs: &[ParamSpec],
        given: &BTreeMap<String, ParamValue>,
        size: &RunSize,
    ) -> Vec<String> {
        given
            .iter()
            .filter_map(|(name, v)| {
                specs
                    .iter()
                    .find(|s| s.name == name)
                    .and_then(|s| s.run_warning(attack, v, size))
            })
            .collect()
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
