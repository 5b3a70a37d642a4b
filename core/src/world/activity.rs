//! Activity: how many sessions a conversation holds per epoch, how many messages a session
//! carries, and which users never write.
//!
//! - `constant` (the default) is the original traffic: one session per conversation per
//!   epoch, `messages_per_session` messages in each, every member may write. Old results
//!   reproduce byte for byte.
//! - `heavy-tailed`: every conversation has a rate drawn once from a Pareto distribution
//!   (shape α = `activity_exponent`) whose mean is `sessions_per_epoch`, and holds
//!   Poisson(rate) sessions in each epoch; every session carries 1 + Poisson(λ) messages,
//!   λ drawn from a Pareto of the same shape with mean `messages_per_session − 1`. Both
//!   Paretos are truncated (rates at [`MAX_SESSION_RATE`], λ below
//!   `limits::MAX_MESSAGES_PER_SESSION`) and their scale is set so that the *truncated*
//!   mean is the stated one. A Poisson mixed over a Pareto has the Pareto's tail: a few
//!   conversations carry most sessions, a few sessions most messages.
//! - `silent_share` (either activity): that share of users, chosen from the seed, never
//!   writes a message. A silent user still receives keys and reads; a conversation whose
//!   members are all silent holds no session. Default 0 under `constant` and
//!   [`DEFAULT_SILENT_SHARE`] under `heavy-tailed`.
//!
//! The sources of the defaults are in `docs/POPULATIONS.md`.

use super::Population;
use crate::config::limits;
use crate::error::{Error, Result};
use crate::seed;
use rand::seq::index::sample;
use rand::Rng;
use rand_distr::{Distribution, Pareto, Poisson};

/// How traffic is spread over conversations and sessions.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Activity {
    /// One session per conversation per epoch, `messages_per_session` messages each (the
    /// original traffic).
    #[default]
    Constant,
    /// Pareto-mixed Poisson sessions per conversation and messages per session, with
    /// stated means.
    HeavyTailed,
}

impl Activity {
    /// The name used in configuration files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Activity::Constant => "constant",
            Activity::HeavyTailed => "heavy-tailed",
        }
    }
}

/// Default mean sessions per conversation per epoch under `heavy-tailed` (the constant
/// activity's one).
pub const DEFAULT_SESSIONS_PER_EPOCH: f64 = 1.0;
/// Default Pareto shape α of the rates (tail `P(X > x) ∝ x^(−α)`: a finite mean, an
/// infinite variance before the truncation).
pub const DEFAULT_ACTIVITY_EXPONENT: f64 = 1.5;
/// Default share of silent users under `heavy-tailed`.
pub const DEFAULT_SILENT_SHARE: f64 = 0.1;
/// Largest session rate of a conversation per epoch.
pub const MAX_SESSION_RATE: f64 = 1000.0;

/// A Pareto of shape `alpha` truncated to `[scale, cap]`, with its scale chosen so that its
/// mean is `mean` (a degenerate draw of `mean` when no scale reaches it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct TruncatedPareto {
    scale: f64,
    alpha: f64,
    cap: f64,
}

impl TruncatedPareto {
    /// The truncated Pareto of shape `alpha` below `cap` whose mean is `mean`.
    pub(crate) fn with_mean(mean: f64, alpha: f64, cap: f64) -> TruncatedPareto {
        let mean = mean.min(cap);
        // The truncated mean grows with the scale: bisect on it.
        let (mut lo, mut hi) = (0.0f64, mean);
        for _ in 0..100 {
            let mid = (lo + hi) / 2.0;
            if truncated_mean(mid, alpha, cap) < mean {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        TruncatedPareto {
            scale: hi,
            alpha,
            cap,
        }
    }
    /// The distribution's mean.
    #[cfg(test)]
    pub(crate) fn mean(&self) -> f64 {
        truncated_mean(self.scale, self.alpha, self.cap)
    }
    /// One draw (a draw above the cap is drawn again, up to 1 000 times, then the cap).
    pub(crate) fn sample(&self, rng: &mut impl Rng) -> f64 {
        if self.scale <= 0.0 {
            return 0.0;
        }
        if self.scale >= self.cap {
            return self.cap;
        }
        let p = Pareto::new(self.scale, self.alpha).expect("validated parameters");
        (0..1000)
            .map(|_| p.sample(rng))
            .find(|&x| x <= self.cap)
            .unwrap_or(self.cap)
    }
}

/// The mean of a Pareto of `scale` and shape `alpha` conditioned on `≤ cap`.
fn truncated_mean(scale: f64, alpha: f64, cap: f64) -> f64 {
    if scale <= 0.0 {
        return 0.0;
    }
    if scale >= cap {
        return cap;
    }
    let norm = 1.0 - (scale / cap).powf(alpha);
    if (alpha - 1.0).abs() < 1e-12 {
        scale * (cap / scale).ln() / norm
    } else {
        alpha * scale.powf(alpha) * (cap.powf(1.0 - alpha) - scale.powf(1.0 - alpha))
            / ((1.0 - alpha) * norm)
    }
}

/// A Poisson draw of mean `lambda` (0 when `lambda` is 0).
fn poisson(lambda: f64, rng: &mut impl Rng) -> u32 {
    if lambda <= 0.0 {
        return 0;
    }
    let x: f64 = Poisson::new(lambda)
        .expect("positive finite mean")
        .sample(rng);
    x.min(f64::from(u32::MAX)) as u32
}

/// A world's traffic plan: who is silent, every conversation's session rate, and how many
/// messages each session carries. Built once per world from the seed.
#[derive(Clone, Debug, Default)]
pub(crate) struct Plan {
    /// `heavy-tailed`: the distributions; `None` under `constant`.
    heavy: Option<Heavy>,
    /// Messages per session under `constant`.
    messages: u32,
    /// Per user: never writes.
    silent: Vec<bool>,
    /// Any silent user at all (otherwise every member writes, as in the original).
    any_silent: bool,
    /// Per conversation: its session rate per epoch (`heavy-tailed`).
    rates: Vec<f64>,
    /// Per conversation: at least one member writes.
    speaks: Vec<bool>,
}

#[derive(Clone, Copy, Debug)]
struct Heavy {
    messages: TruncatedPareto,
}

/// One session of an epoch: its conversation (index) and how many messages it carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SessionSlot {
    /// Index of the conversation.
    pub(crate) conv: u32,
    /// Messages in the session.
    pub(crate) messages: u32,
}

impl Plan {
    /// The plan of a population's conversations, from the world's seed.
    pub(crate) fn new(p: &Population, conversations: &[super::Conversation], s: u64) -> Plan {
        let share = p.silent_share_resolved();
        let users = p.users as usize;
        let mut silent = vec![false; users];
        let n_silent = ((users as f64) * share).round() as usize;
        if n_silent > 0 {
            let mut rng = seed::rng(s, "silent-users", &[]);
            for u in sample(&mut rng, users, n_silent.min(users)) {
                silent[u] = true;
            }
        }
        let speaks = conversations
            .iter()
            .map(|c| c.members.iter().any(|&m| !silent[m as usize]))
            .collect();
        let (heavy, rates) = match p.activity {
            Activity::Constant => (None, Vec::new()),
            Activity::HeavyTailed => {
                let alpha = p.activity_exponent_resolved();
                let sessions = TruncatedPareto::with_mean(
                    p.sessions_per_epoch_resolved(),
                    alpha,
                    MAX_SESSION_RATE,
                );
                let messages = TruncatedPareto::with_mean(
                    f64::from(p.messages_per_session) - 1.0,
                    alpha,
                    limits::MAX_MESSAGES_PER_SESSION as f64 - 1.0,
                );
                let rates = conversations
                    .iter()
                    .map(|c| {
                        sessions.sample(&mut seed::rng(s, "activity-rate", &[u64::from(c.id)]))
                    })
                    .collect();
                (Some(Heavy { messages }), rates)
            }
        };
        Plan {
            heavy,
            messages: p.messages_per_session,
            any_silent: n_silent > 0,
            silent,
            rates,
            speaks,
        }
    }

    /// The sessions of `epoch`, in order: under `constant` with no silent user, one per
    /// conversation with `messages_per_session` messages (the original order).
    pub(crate) fn sessions(
        &self,
        conversations: &[super::Conversation],
        epoch: u32,
        s: u64,
    ) -> Vec<SessionSlot> {
        let mut out = Vec::with_capacity(conversations.len());
        for (i, c) in conversations.iter().enumerate() {
            if self.speaks.get(i) == Some(&false) {
                continue;
            }
            let Some(h) = &self.heavy else {
                out.push(SessionSlot {
                    conv: i as u32,
                    messages: self.messages,
                });
                continue;
            };
            let key = [u64::from(c.id), u64::from(epoch)];
            let count = poisson(self.rates[i], &mut seed::rng(s, "activity-sessions", &key));
            for k in 0..count {
                let mut rng = seed::rng(s, "activity-messages", &[key[0], key[1], u64::from(k)]);
                let lambda = h.messages.sample(&mut rng);
                let extra = poisson(lambda, &mut rng);
                let messages = extra
                    .saturating_add(1)
                    .min(limits::MAX_MESSAGES_PER_SESSION as u32);
                out.push(SessionSlot {
                    conv: i as u32,
                    messages,
                });
            }
        }
        out
    }

    /// The members of a conversation who write (all of them when nobody is silent).
    pub(crate) fn speakers<'a>(&self, members: &'a [u32]) -> std::borrow::Cow<'a, [u32]> {
        if !self.any_silent {
            return std::borrow::Cow::Borrowed(members);
        }
        std::borrow::Cow::Owned(
            members
                .iter()
                .copied()
                .filter(|&m| !self.silent[m as usize])
                .collect(),
        )
    }

    /// The silent users.
    #[cfg(test)]
    pub(crate) fn silent_users(&self) -> impl Iterator<Item = u32> + '_ {
        self.silent
            .iter()
            .enumerate()
            .filter(|(_, &s)| s)
            .map(|(u, _)| u as u32)
    }
}

impl Population {
    /// The mean sessions per conversation per epoch (1 under `constant`).
    pub fn sessions_per_epoch_resolved(&self) -> f64 {
        match self.activity {
            Activity::Constant => 1.0,
            Activity::HeavyTailed => self
                .sessions_per_epoch
                .unwrap_or(DEFAULT_SESSIONS_PER_EPOCH),
        }
    }
    /// The Pareto shape α of the activity (`heavy-tailed` only).
    pub fn activity_exponent_resolved(&self) -> f64 {
        self.activity_exponent.unwrap_or(DEFAULT_ACTIVITY_EXPONENT)
    }
    /// The share of silent users (default 0 under `constant`, [`DEFAULT_SILENT_SHARE`]
    /// under `heavy-tailed`).
    pub fn silent_share_resolved(&self) -> f64 {
        self.silent_share.unwrap_or(match self.activity {
            Activity::Constant => 0.0,
            Activity::HeavyTailed => DEFAULT_SILENT_SHARE,
        })
    }
    /// Fills in the activity's defaults (what a report's provenance names).
    pub(crate) fn resolve_activity(&mut self) {
        if self.activity == Activity::HeavyTailed {
            self.sessions_per_epoch = Some(self.sessions_per_epoch_resolved());
            self.activity_exponent = Some(self.activity_exponent_resolved());
            self.silent_share = Some(self.silent_share_resolved());
        }
    }
    /// The activity in words, for a model summary (`; activity constant`).
    pub(crate) fn activity_summary(&self) -> String {
        let mut s = match self.activity {
            Activity::Constant => format!("; activity constant ({} messages/session)", self.messages_per_session),
            Activity::HeavyTailed => format!(
                "; activity heavy-tailed α={} (means: {} sessions/conversation/epoch, {} messages/session)",
                self.activity_exponent_resolved(),
                self.sessions_per_epoch_resolved(),
                self.messages_per_session
            ),
        };
        let q = self.silent_share_resolved();
        if q > 0.0 {
            s.push_str(&format!(", {q} silent"));
        }
        s
    }
    /// Checks the activity's parameters.
    pub(crate) fn validate_activity(&self) -> Result<()> {
        let heavy = self.activity == Activity::HeavyTailed;
        let check = |name: &str, v: Option<f64>, applies: bool, lo: f64, hi: f64| -> Result<()> {
            let Some(v) = v else { return Ok(()) };
            if !applies {
                return Err(Error::input(format!(
                    "{name} applies to activity = \"heavy-tailed\" only; remove it or set that activity"
                )));
            }
            if !(v.is_finite() && (lo..=hi).contains(&v)) {
                return Err(Error::input(format!(
                    "{name} = {v} is out of range (accepted: {lo}..={hi})"
                )));
            }
            Ok(())
        };
        check(
            "sessions_per_epoch",
            self.sessions_per_epoch,
            heavy,
            0.01,
            100.0,
        )?;
        check(
            "activity_exponent",
            self.activity_exponent,
            heavy,
            1.1,
            10.0,
        )?;
        check("silent_share", self.silent_share, true, 0.0, 0.99)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::{model::make_conversations, Model};

    fn heavy(users: u32) -> Population {
        Population {
            users,
            epochs: 1,
            activity: Activity::HeavyTailed,
            ..Population::default()
        }
    }

    #[test]
    fn truncated_pareto_has_the_stated_mean() {
        for (mean, alpha, cap) in [
            (1.0, 1.5, 1000.0),
            (19.0, 1.5, 9999.0),
            (4.0, 1.1, 100.0),
            (0.5, 3.0, 50.0),
        ] {
            let d = TruncatedPareto::with_mean(mean, alpha, cap);
            assert!((d.mean() / mean - 1.0).abs() < 1e-9, "{d:?}");
        }
    }

    /// Over several seeds: the sample means of sessions per conversation and messages per
    /// session are the stated means within 15 % (about five standard errors at these
    /// sizes), and the tails are heavy: the largest draw is tens of times the mean, and
    /// far more draws pass ten times the mean than a Poisson of the same mean allows.
    #[test]
    fn sessions_and_messages_have_their_means_and_heavy_tails() {
        let mut p = heavy(20_000);
        p.silent_share = Some(0.0);
        p.sessions_per_epoch = Some(2.0);
        for seed in [1u64, 2, 3] {
            let convs = make_conversations(&p, seed);
            let plan = Plan::new(&p, &convs, seed);
            let slots = plan.sessions(&convs, 0, seed);
            let mut per_conv = vec![0u32; convs.len()];
            for s in &slots {
                per_conv[s.conv as usize] += 1;
            }
            let mean_sessions = slots.len() as f64 / convs.len() as f64;
            assert!(
                (mean_sessions / 2.0 - 1.0).abs() < 0.15,
                "seed {seed}: {mean_sessions}"
            );
            let max_sessions = *per_conv.iter().max().unwrap();
            assert!(
                max_sessions >= 40,
                "seed {seed}: busiest conversation {max_sessions}"
            );
            let msgs: Vec<u32> = slots.iter().map(|s| s.messages).collect();
            let mean_msgs = msgs.iter().map(|&m| f64::from(m)).sum::<f64>() / msgs.len() as f64;
            assert!(
                (mean_msgs / 20.0 - 1.0).abs() < 0.15,
                "seed {seed}: {mean_msgs}"
            );
            assert!(*msgs.iter().max().unwrap() >= 400, "seed {seed}");
            // A Poisson of mean 20 passes 200 with probability below 1e-100; the Pareto
            // mixture with about (6.3 / 200)^1.5 ≈ 0.6 %.
            let over = msgs.iter().filter(|&&m| m > 200).count() as f64 / msgs.len() as f64;
            assert!(over > 0.002, "seed {seed}: {over}");
            assert!(msgs.iter().all(|&m| m >= 1));
        }
    }

    #[test]
    fn silent_users_write_nothing_and_have_their_share() {
        let p = heavy(1_000);
        let convs = make_conversations(&p, 5);
        let plan = Plan::new(&p, &convs, 5);
        let silent: Vec<u32> = plan.silent_users().collect();
        assert_eq!(silent.len(), 100);
        for c in &convs {
            assert!(plan
                .speakers(&c.members)
                .iter()
                .all(|m| !silent.contains(m)));
        }
        for s in plan.sessions(&convs, 0, 5) {
            assert!(!plan.speakers(&convs[s.conv as usize].members).is_empty());
        }
    }

    #[test]
    fn constant_activity_is_the_original_traffic() {
        for model in Model::ALL {
            let p = Population {
                users: 300,
                model,
                ..Population::default()
            };
            let convs = make_conversations(&p, 9);
            let plan = Plan::new(&p, &convs, 9);
            let slots = plan.sessions(&convs, 2, 9);
            let want: Vec<SessionSlot> = (0..convs.len() as u32)
                .map(|conv| SessionSlot { conv, messages: 20 })
                .collect();
            assert_eq!(slots, want);
            assert_eq!(
                plan.speakers(&convs[0].members),
                convs[0].members.as_slice()
            );
        }
    }

    #[test]
    fn activity_parameters_are_checked() {
        let mut p = Population {
            sessions_per_epoch: Some(2.0),
            ..Population::default()
        };
        assert!(p.validate().is_err(), "heavy-tailed only");
        p.activity = Activity::HeavyTailed;
        p.validate().unwrap();
        p.activity_exponent = Some(1.0);
        assert!(p.validate().is_err());
        p.activity_exponent = None;
        p.silent_share = Some(1.0);
        assert!(p.validate().is_err());
    }
}
