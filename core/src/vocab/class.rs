//! Attacker classes: the small documented set of adversaries every attack is measured as,
//! and how each of an attack's parameters scales within its class.
//!
//! `escrowlab compare` never runs an attack at its default parameters. It runs it at every
//! parameter set of its class's grid ([`ClassSpec::grid`]): the counts the class allows
//! (one insider, a coalition of `c`, `d` devices, a budget of `W` operations), every target
//! there is, and every value of the parameters that only choose *how* (a mode, a flag, an
//! epoch, which agent or which user). Nothing in the grid reads a parameter's default, so
//! changing a default cannot change what `compare` reports.

use super::capability::Capability;
use super::params::{Bound, ParamKind, ParamSpec, ParamValue, RunSize};
use serde::Serialize;
use std::collections::BTreeMap;

/// The adversary an attack models. Ordered from the narrowest to the widest reach.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum AttackerClass {
    /// An outsider who breaches one system: one agent's vault, one HSM member, the
    /// lawful-access interface.
    Outsider,
    /// One insider: an agent, an officer or an auditor acting outside the protocol.
    Insider,
    /// A coalition of `c` insiders or breached parties (agents, HSM members, judges).
    Coalition,
    /// Physical seizure (or implant) of `d` devices.
    Seizure,
    /// A compute budget of `W` operations (hash evaluations, passcode guesses).
    Compute,
    /// The provider itself: its relay, its client updates, its ledger, its dealer.
    Provider,
}

impl AttackerClass {
    /// Every class, in report order.
    pub const ALL: [AttackerClass; 6] = [
        AttackerClass::Outsider,
        AttackerClass::Insider,
        AttackerClass::Coalition,
        AttackerClass::Seizure,
        AttackerClass::Compute,
        AttackerClass::Provider,
    ];
    /// The name used in reports (`coalition`).
    pub fn name(self) -> &'static str {
        match self {
            AttackerClass::Outsider => "outsider",
            AttackerClass::Insider => "insider",
            AttackerClass::Coalition => "coalition",
            AttackerClass::Seizure => "seizure",
            AttackerClass::Compute => "compute",
            AttackerClass::Provider => "provider",
        }
    }
    /// One line: who the class is, with its bound from `b`.
    pub fn describe(self, b: &ClassBounds) -> String {
        match self {
            AttackerClass::Outsider => "an outsider who breaches one system".into(),
            AttackerClass::Insider => "one insider".into(),
            AttackerClass::Coalition => format!("a coalition of c = {} insiders", b.coalition),
            AttackerClass::Seizure => format!("physical seizure of d = {} devices", b.devices),
            AttackerClass::Compute => format!("a compute budget of W = {} operations", b.work),
            AttackerClass::Provider => "the provider itself".into(),
        }
    }
    /// How many parties the class takes: 1 for an outsider or one insider, `c` for a
    /// coalition, `d` for a seizure; the provider and a compute budget take every party
    /// there is (`None`).
    pub fn parties(self, b: &ClassBounds) -> Option<i64> {
        match self {
            AttackerClass::Outsider | AttackerClass::Insider => Some(1),
            AttackerClass::Coalition => Some(i64::from(b.coalition)),
            AttackerClass::Seizure => Some(i64::from(b.devices)),
            AttackerClass::Compute | AttackerClass::Provider => None,
        }
    }
    /// The class an attack with these capabilities models, when it does not say
    /// ([`ClassSpec::derive`]): spending work is a compute budget; controlling the relay,
    /// a client, the ledger or the dealer is the provider; seizing or implanting a device
    /// is a seizure; acting as an agent or writing its log is an insider; breaching a
    /// vault, an agent or the interface is an outsider; a court key is a coalition of
    /// judges; anything else (requests under warrants) is one insider (an officer).
    pub fn of_capabilities(caps: &[Capability]) -> AttackerClass {
        use Capability as C;
        let has = |c: C| caps.contains(&c);
        if has(C::SpendWork) {
            AttackerClass::Compute
        } else if has(C::ControlRelay)
            || has(C::ControlClient)
            || has(C::ControlLedger)
            || has(C::ControlDealer)
        {
            AttackerClass::Provider
        } else if has(C::SeizeDevice) || has(C::CompromiseDevice) {
            AttackerClass::Seizure
        } else if has(C::ActAsAgent) || has(C::WriteAuditLog) {
            AttackerClass::Insider
        } else if has(C::StealCourtKey) {
            AttackerClass::Coalition
        } else if has(C::CompromiseAgent) || has(C::CompromiseVault) || has(C::BreachInterface) {
            AttackerClass::Outsider
        } else {
            AttackerClass::Insider
        }
    }
}

/// The bounds of the classes that have one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ClassBounds {
    /// `c`: insiders in a coalition.
    pub coalition: u32,
    /// `d`: devices seized.
    pub devices: u32,
    /// `W`: operations of a compute budget.
    pub work: u64,
}

impl Default for ClassBounds {
    /// `c = 3` (a majority of five), `d = 1`, `W = 2^20`.
    fn default() -> Self {
        ClassBounds {
            coalition: 3,
            devices: 1,
            work: 1 << 20,
        }
    }
}

/// How one parameter scales within the attack's class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// A count of parties taken: the class's number of parties (1, `c` or `d`; for
    /// classes without one, every party the run has).
    Parties,
    /// Parties taken beyond a first one: the class's number of parties minus one.
    ExtraParties,
    /// Operations of work: the compute budget `W`.
    Work,
    /// A count of targets (users, conversations, sessions, fields): every one there is,
    /// the parameter's maximum clamped to the run's bound and to `cap`.
    Every {
        /// The largest value tried (a count above everything the run has takes no more).
        cap: i64,
    },
    /// A choice of how: every value is tried (every mode, both flags, every epoch, every
    /// agent or user index) and the worst kept.
    Sweep,
    /// A value fixed by the class, independent of the default, with the reason.
    Fixed(i64, &'static str),
}

/// An attack's class and how each of its parameters scales within it.
#[derive(Clone, Debug)]
pub struct ClassSpec {
    /// The class.
    pub class: AttackerClass,
    /// Per parameter name, how it scales (a parameter not listed scales as
    /// [`ClassSpec::default_scale`] says).
    pub scales: Vec<(&'static str, Scale)>,
}

/// The most parameter sets one attack's grid may hold.
pub const MAX_GRID: usize = 4096;

impl ClassSpec {
    /// A class with scales given for some parameters (the others by kind).
    pub fn new(class: AttackerClass, scales: &[(&'static str, Scale)]) -> ClassSpec {
        ClassSpec {
            class,
            scales: scales.to_vec(),
        }
    }
    /// The class derived from capabilities, every parameter scaling by its kind.
    pub fn derive(capabilities: &[Capability]) -> ClassSpec {
        ClassSpec::new(AttackerClass::of_capabilities(capabilities), &[])
    }
    /// How `spec` scales when the attack does not say: a count of users, agents, HSM
    /// members, judges is [`Scale::Parties`] (users: every target, except under a
    /// seizure, where they are the devices taken); a flag, a mode, an epoch or an index
    /// is swept; a count of epochs takes every epoch; a bare integer is swept over its
    /// two ends capped at 64 (`Fixed` or `Every` should be declared instead).
    pub fn default_scale(&self, spec: &ParamSpec) -> Scale {
        match spec.kind {
            ParamKind::Bool | ParamKind::Choice(_) => Scale::Sweep,
            ParamKind::Bounded { bound, .. } => match bound {
                Bound::User | Bound::Agent | Bound::Epoch => Scale::Sweep,
                Bound::Users if self.class == AttackerClass::Seizure => Scale::Parties,
                Bound::Users | Bound::Epochs => Scale::Every { cap: i64::MAX },
                Bound::Agents | Bound::Members | Bound::Judges => Scale::Parties,
            },
            ParamKind::Int { .. } => Scale::Every { cap: 64 },
        }
    }
    /// How the parameter `spec` scales.
    pub fn scale_of(&self, spec: &ParamSpec) -> Scale {
        self.scales
            .iter()
            .find(|(n, _)| *n == spec.name)
            .map_or_else(|| self.default_scale(spec), |(_, s)| *s)
    }

    /// The values `spec` takes in the grid of this class under `bounds` in a run of
    /// `size`: never its default.
    pub fn values(
        &self,
        spec: &ParamSpec,
        bounds: &ClassBounds,
        size: &RunSize,
    ) -> Vec<ParamValue> {
        let (min, max, bound) = match spec.kind {
            ParamKind::Bool => {
                return match self.scale_of(spec) {
                    Scale::Fixed(v, _) => vec![ParamValue::Bool(v != 0)],
                    _ => vec![ParamValue::Bool(false), ParamValue::Bool(true)],
                }
            }
            ParamKind::Choice(words) => {
                return match self.scale_of(spec) {
                    Scale::Fixed(v, _) => usize::try_from(v)
                        .ok()
                        .and_then(|i| words.get(i))
                        .map(|w| vec![ParamValue::Str((*w).to_string())])
                        .unwrap_or_default(),
                    _ => words
                        .iter()
                        .map(|w| ParamValue::Str((*w).to_string()))
                        .collect(),
                }
            }
            ParamKind::Int { min, max } => (min, max, None),
            ParamKind::Bounded { min, max, bound } => (min, max, Some(bound)),
        };
        // The run's own limit on this parameter: an index below it, a count up to it.
        let run_max = bound.and_then(|b| {
            let n = match b {
                Bound::User | Bound::Users => size.users,
                Bound::Agent | Bound::Agents => size.agents,
                Bound::Judges => size.judges,
                Bound::Epoch | Bound::Epochs => size.epochs,
                Bound::Members => size.members,
            }?;
            let n = i64::try_from(n).unwrap_or(i64::MAX);
            Some(match b {
                Bound::User | Bound::Agent | Bound::Epoch => n - 1,
                _ => n,
            })
        });
        let hi = run_max.map_or(max, |r| r.min(max));
        let clamp = |v: i64| v.clamp(min, hi.max(min));
        let ints: Vec<i64> = match self.scale_of(spec) {
            Scale::Parties => {
                vec![clamp(self.class.parties(bounds).unwrap_or(hi))]
            }
            Scale::ExtraParties => {
                vec![clamp(self.class.parties(bounds).map_or(hi, |p| p - 1))]
            }
            Scale::Work => vec![clamp(i64::try_from(bounds.work).unwrap_or(i64::MAX))],
            Scale::Every { cap } => vec![clamp(hi.min(cap))],
            Scale::Fixed(v, _) => vec![clamp(v)],
            Scale::Sweep => {
                // An index or epoch of the run: every one; a bare integer: its two ends.
                if bound.is_some() || hi - min <= 64 {
                    (min..=hi.max(min)).take(MAX_GRID).collect()
                } else {
                    vec![min, hi.max(min)]
                }
            }
        };
        let mut ints = ints;
        ints.dedup();
        ints.into_iter().map(ParamValue::Int).collect()
    }

    /// Every parameter set of the class's grid: the product of each parameter's
    /// [`ClassSpec::values`], in a fixed order, at most [`MAX_GRID`] (beyond it, the
    /// grid is cut and `cut` says so).
    pub fn grid(
        &self,
        specs: &[ParamSpec],
        bounds: &ClassBounds,
        size: &RunSize,
    ) -> (Vec<BTreeMap<String, ParamValue>>, bool) {
        let mut sets = vec![BTreeMap::new()];
        let mut cut = false;
        for spec in specs {
            let values = self.values(spec, bounds, size);
            let mut next = Vec::with_capacity(sets.len() * values.len().max(1));
            'outer: for s in &sets {
                for v in &values {
                    if next.len() >= MAX_GRID {
                        cut = true;
                        break 'outer;
                    }
                    let mut s = s.clone();
                    s.insert(spec.name.to_string(), v.clone());
                    next.push(s);
                }
            }
            if !next.is_empty() {
                sets = next;
            }
        }
        (sets, cut)
    }
}
