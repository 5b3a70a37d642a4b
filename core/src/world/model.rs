//! Population models: how many conversations each user is in, and how large groups are.
//!
//! - `uniform` (the default) is the original generator: every member of every conversation
//!   is drawn uniformly at random, so memberships per user are about Poisson and the
//!   busiest user grows like log n.
//! - `power-law` and `log-normal` draw a weight per user from a heavy-tailed distribution
//!   (a Pareto with exponent γ truncated to `[min_degree, max_degree]`, or a log-normal
//!   with μ and σ) and draw every member of every conversation with probability
//!   proportional to its weight: a Chung–Lu construction, in which a user's expected number
//!   of conversations is its weight. Unless `conversations` is given, a heavy-tailed
//!   population has `users × mean weight / mean conversation size` conversations, so that
//!   the mean memberships per user equals the distribution's mean.
//! - Group sizes are uniform from 3 to 8 (the original), or `power-law`: `P(s) ∝ s^(−β)`
//!   for `s` from 3 to `max_group` (at most 1 024, WhatsApp's group limit).
//!
//! Every draw comes from the world's seed; the sources of the defaults are in
//! `docs/POPULATIONS.md`.

use super::{Conversation, Population};
use crate::error::{Error, Result};
use crate::seed;
use rand::distributions::{Distribution, WeightedIndex};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_distr::{LogNormal, Pareto};
use statrs::distribution::{ContinuousCDF, Normal};

/// How many conversations a user is in.
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
pub enum Model {
    /// Every member drawn uniformly at random (the original generator; about Poisson
    /// memberships per user).
    #[default]
    Uniform,
    /// Chung–Lu with Pareto weights: degree exponent γ, truncated to
    /// `[min_degree, max_degree]`.
    PowerLaw,
    /// Chung–Lu with log-normal weights (μ, σ of the logarithm).
    LogNormal,
    /// A real graph: the conversations of an edge list (`edges = "PATH"`, `--edges PATH`).
    Edges,
}

impl Model {
    /// The name used in configuration files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Model::Uniform => "uniform",
            Model::PowerLaw => "power-law",
            Model::LogNormal => "log-normal",
            Model::Edges => "edges",
        }
    }
    /// Every generated model, in documentation order (`edges` reads a file instead).
    pub const ALL: [Model; 3] = [Model::Uniform, Model::PowerLaw, Model::LogNormal];
}

/// How large group conversations are.
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
pub enum GroupSizes {
    /// Uniform from 3 to 8 members (the original generator).
    #[default]
    Uniform,
    /// `P(s) ∝ s^(−group_exponent)` for `s` from 3 to `max_group`.
    PowerLaw,
}

impl GroupSizes {
    /// Is this the default (left out of serialized populations)?
    pub fn is_uniform(&self) -> bool {
        *self == GroupSizes::Uniform
    }
}

/// Default degree exponent γ of the power-law model.
pub const DEFAULT_EXPONENT: f64 = 2.5;
/// Default smallest weight (expected conversations) of the power-law model.
pub const DEFAULT_MIN_DEGREE: f64 = 1.0;
/// Default μ of the log-normal model (mean weight e^(μ+σ²/2) ≈ 2.7, the uniform
/// generator's mean memberships per user).
pub const DEFAULT_MU: f64 = 0.5;
/// Default σ of the log-normal model.
pub const DEFAULT_SIGMA: f64 = 1.0;
/// Default exponent β of power-law group sizes.
pub const DEFAULT_GROUP_EXPONENT: f64 = 2.0;
/// Largest group (WhatsApp's limit since 2022), the default and the bound of `max_group`.
pub const MAX_GROUP: u32 = 1024;
/// Smallest and largest group of the uniform group sizes.
pub const UNIFORM_GROUP: (u32, u32) = (3, 8);

/// The resolved parameters of a population's model (defaults filled in).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Weights {
    /// No weights: uniform members.
    Uniform,
    /// Pareto exponent γ on `[min, max]`.
    PowerLaw { exponent: f64, min: f64, max: f64 },
    /// Log-normal (μ, σ), truncated at `max`.
    LogNormal { mu: f64, sigma: f64, max: f64 },
}

impl Weights {
    /// The mean weight (expected conversations per user), exact for the truncation used.
    pub(crate) fn mean(self) -> f64 {
        match self {
            Weights::Uniform => f64::NAN,
            Weights::PowerLaw { exponent, min, max } => {
                let a = exponent - 1.0;
                if max <= min {
                    return min;
                }
                let norm = 1.0 - (min / max).powf(a);
                if (a - 1.0).abs() < 1e-12 {
                    min * (max / min).ln() / norm
                } else {
                    a * min.powf(a) * (max.powf(1.0 - a) - min.powf(1.0 - a)) / ((1.0 - a) * norm)
                }
            }
            Weights::LogNormal { mu, sigma, max } => {
                let full = (mu + sigma * sigma / 2.0).exp();
                if sigma == 0.0 {
                    return mu.exp().min(max);
                }
                let n = Normal::standard();
                let top = n.cdf((max.ln() - mu) / sigma);
                if top <= 0.0 {
                    return max;
                }
                full * n.cdf((max.ln() - mu - sigma * sigma) / sigma) / top
            }
        }
    }

    /// One weight per user, from `rng` (a draw above the truncation is drawn again, up to
    /// 1 000 times, then the truncation is taken).
    fn draw(self, users: u32, rng: &mut impl Rng) -> Vec<f64> {
        fn below(d: &impl Distribution<f64>, max: f64, users: u32, rng: &mut impl Rng) -> Vec<f64> {
            (0..users)
                .map(|_| {
                    (0..1000)
                        .map(|_| d.sample(rng))
                        .find(|&x| x <= max)
                        .unwrap_or(max)
                })
                .collect()
        }
        match self {
            Weights::Uniform => vec![1.0; users as usize],
            Weights::PowerLaw { exponent, min, max } => {
                let p = Pareto::new(min, exponent - 1.0).expect("validated parameters");
                below(&p, max, users, rng)
            }
            Weights::LogNormal { mu, sigma, max } => {
                let l = LogNormal::new(mu, sigma).expect("validated parameters");
                below(&l, max, users, rng)
            }
        }
    }
}

/// Checks a float parameter: present only for its model, finite and within range.
fn check_param(
    name: &str,
    v: Option<f64>,
    applies: bool,
    model: &str,
    lo: f64,
    hi: f64,
) -> Result<()> {
    let Some(v) = v else { return Ok(()) };
    if !applies {
        return Err(Error::input(format!(
            "{name} applies to {model} only; remove it or set that model"
        )));
    }
    if !(v.is_finite() && (lo..=hi).contains(&v)) {
        return Err(Error::input(format!(
            "{name} = {v} is out of range (accepted: {lo}..={hi})"
        )));
    }
    Ok(())
}

impl Population {
    /// The model's resolved weights (every parameter with its default filled in).
    pub(crate) fn weights(&self) -> Weights {
        let cap = f64::from(self.users.saturating_sub(1).max(1));
        match self.model {
            Model::Uniform | Model::Edges => Weights::Uniform,
            Model::PowerLaw => Weights::PowerLaw {
                exponent: self.exponent.unwrap_or(DEFAULT_EXPONENT),
                min: self.min_degree.unwrap_or(DEFAULT_MIN_DEGREE),
                max: self.max_degree.unwrap_or(cap),
            },
            Model::LogNormal => Weights::LogNormal {
                mu: self.mu.unwrap_or(DEFAULT_MU),
                sigma: self.sigma.unwrap_or(DEFAULT_SIGMA),
                max: self.max_degree.unwrap_or(cap),
            },
        }
    }

    /// This population with every parameter of its model and group sizes filled in with its
    /// default (what a report's provenance names).
    pub fn resolved(&self) -> Population {
        let mut p = self.clone();
        match p.weights() {
            Weights::Uniform => {}
            Weights::PowerLaw { exponent, min, max } => {
                p.exponent = Some(exponent);
                p.min_degree = Some(min);
                p.max_degree = Some(max);
            }
            Weights::LogNormal { mu, sigma, max } => {
                p.mu = Some(mu);
                p.sigma = Some(sigma);
                p.max_degree = Some(max);
            }
        }
        if p.group_sizes == GroupSizes::PowerLaw {
            p.group_exponent = Some(p.group_exponent.unwrap_or(DEFAULT_GROUP_EXPONENT));
            p.max_group = Some(p.max_group.unwrap_or(MAX_GROUP));
        }
        p.resolve_activity();
        p
    }

    /// The model and its parameters in one line (`power-law γ=2.5 degree 1..=999`).
    pub fn model_summary(&self) -> String {
        if self.model == Model::Edges {
            return format!(
                "edges {} ({} users, {} conversations){}",
                self.edges.as_deref().unwrap_or("?"),
                self.users,
                self.conversation_count(),
                self.activity_summary()
            );
        }
        let mut s = match self.weights() {
            Weights::Uniform => "uniform".to_string(),
            Weights::PowerLaw { exponent, min, max } => {
                format!("power-law γ={exponent} degree {min}..={max}")
            }
            Weights::LogNormal { mu, sigma, max } => {
                format!("log-normal μ={mu} σ={sigma} degree ..={max}")
            }
        };
        let (lo, hi) = self.group_size_range();
        match self.group_sizes {
            GroupSizes::Uniform => s.push_str(&format!("; groups {lo}..={hi} uniform")),
            GroupSizes::PowerLaw => s.push_str(&format!(
                "; groups {lo}..={hi} power-law β={}",
                self.group_exponent.unwrap_or(DEFAULT_GROUP_EXPONENT)
            )),
        }
        s.push_str(&self.activity_summary());
        s
    }

    /// Smallest and largest group size (`(3, 2)`, an empty range, when users < 3).
    pub fn group_size_range(&self) -> (u32, u32) {
        let hi = match self.group_sizes {
            GroupSizes::Uniform => UNIFORM_GROUP.1,
            GroupSizes::PowerLaw => self.max_group.unwrap_or(MAX_GROUP),
        };
        (UNIFORM_GROUP.0, hi.min(self.users))
    }

    /// The probability of each group size from 3 up (empty when users < 3).
    fn group_size_pmf(&self) -> Vec<f64> {
        let (lo, hi) = self.group_size_range();
        if hi < lo {
            return Vec::new();
        }
        let w: Vec<f64> = match self.group_sizes {
            GroupSizes::Uniform => (lo..=hi).map(|_| 1.0).collect(),
            GroupSizes::PowerLaw => {
                let b = self.group_exponent.unwrap_or(DEFAULT_GROUP_EXPONENT);
                (lo..=hi).map(|s| f64::from(s).powf(-b)).collect()
            }
        };
        let total: f64 = w.iter().sum();
        w.into_iter().map(|x| x / total).collect()
    }

    /// The mean group size.
    pub fn mean_group_size(&self) -> f64 {
        let (lo, _) = self.group_size_range();
        let pmf = self.group_size_pmf();
        if pmf.is_empty() {
            return 2.0;
        }
        pmf.iter()
            .enumerate()
            .map(|(i, p)| p * f64::from(lo + i as u32))
            .sum()
    }

    /// The mean number of members of a conversation.
    pub fn mean_members(&self) -> f64 {
        let g = self.group_share.clamp(0.0, 1.0);
        (1.0 - g) * 2.0 + g * self.mean_group_size()
    }

    /// Conversations when `conversations` is not given: as many as users under `uniform`;
    /// under a heavy-tailed model, `users × mean weight / mean members` (at least 1), so that
    /// a user's expected number of conversations is its weight.
    pub(crate) fn default_conversations(&self) -> u32 {
        match self.weights() {
            Weights::Uniform => self.users,
            w => {
                let c = f64::from(self.users) * w.mean() / self.mean_members();
                if c.is_finite() {
                    c.round().clamp(1.0, f64::from(u32::MAX)) as u32
                } else {
                    1
                }
            }
        }
    }

    /// Checks the model's parameters.
    pub(crate) fn validate_model(&self) -> Result<()> {
        let pl = self.model == Model::PowerLaw;
        let ln = self.model == Model::LogNormal;
        let max_users = f64::from(self.users);
        check_param(
            "exponent",
            self.exponent,
            pl,
            "model = \"power-law\"",
            1.1,
            10.0,
        )?;
        check_param(
            "min_degree",
            self.min_degree,
            pl,
            "model = \"power-law\"",
            0.01,
            max_users,
        )?;
        check_param(
            "max_degree",
            self.max_degree,
            pl || ln,
            "model = \"power-law\" or \"log-normal\"",
            0.01,
            max_users,
        )?;
        check_param("mu", self.mu, ln, "model = \"log-normal\"", -10.0, 10.0)?;
        check_param("sigma", self.sigma, ln, "model = \"log-normal\"", 0.0, 4.0)?;
        if let Weights::PowerLaw { min, max, .. } = self.weights() {
            if min > max {
                return Err(Error::input(format!(
                    "min_degree = {min} is above max_degree = {max}"
                )));
            }
        }
        let gp = self.group_sizes == GroupSizes::PowerLaw;
        check_param(
            "group_exponent",
            self.group_exponent,
            gp,
            "group_sizes = \"power-law\"",
            0.0,
            10.0,
        )?;
        if let Some(m) = self.max_group {
            if !gp {
                return Err(Error::input(
                    "max_group applies to group_sizes = \"power-law\" only; remove it or set those group sizes",
                ));
            }
            if !(UNIFORM_GROUP.0..=MAX_GROUP).contains(&m) {
                return Err(Error::input(format!(
                    "max_group = {m} is out of range (accepted: {}..={MAX_GROUP})",
                    UNIFORM_GROUP.0
                )));
            }
        }
        Ok(())
    }
}

/// The conversations of a population, from the world's seed.
pub(crate) fn make_conversations(p: &Population, s: u64) -> Vec<Conversation> {
    if p.model == Model::Edges {
        // Validated before any world is built: the graph is in the process's cache.
        return p
            .edges
            .as_deref()
            .and_then(|path| super::edges::load(path).ok())
            .map(|g| g.to_conversations())
            .unwrap_or_default();
    }
    let mut rng = seed::rng(s, "conversations", &[]);
    let n = p.conversation_count();
    let groups = (n as f64 * p.group_share).round() as u32;
    if p.model == Model::Uniform && p.group_sizes == GroupSizes::Uniform {
        // The original generator, draw for draw: old results reproduce byte for byte.
        let users: Vec<u32> = (0..p.users).collect();
        return (0..n)
            .map(|id| {
                let size = if id < groups && p.users >= 3 {
                    rng.gen_range(3..=8.min(p.users))
                } else {
                    2
                };
                let mut members: Vec<u32> = users
                    .choose_multiple(&mut rng, size as usize)
                    .copied()
                    .collect();
                members.sort_unstable();
                Conversation {
                    id,
                    members,
                    group: size > 2,
                }
            })
            .collect();
    }
    let (lo, _) = p.group_size_range();
    let pmf = p.group_size_pmf();
    let sizes = (!pmf.is_empty()).then(|| WeightedIndex::new(&pmf).expect("positive weights"));
    let weights = p
        .weights()
        .draw(p.users, &mut seed::rng(s, "population-weights", &[]));
    let pick = WeightedIndex::new(&weights).expect("positive weights");
    let mut seen = vec![false; p.users as usize];
    (0..n)
        .map(|id| {
            let size = match &sizes {
                Some(d) if id < groups => lo + d.sample(&mut rng) as u32,
                _ => 2,
            };
            let mut members = Vec::with_capacity(size as usize);
            // Members in proportion to weight, without repeats: a repeat is drawn again (a
            // bounded number of times, then the next free user in id order is taken, so
            // that a group larger than the heavy users it can draw still fills).
            let mut tries = 0u32;
            while members.len() < size as usize {
                let mut u = pick.sample(&mut rng) as u32;
                if seen[u as usize] {
                    tries += 1;
                    if tries < 64 * size {
                        continue;
                    }
                    while seen[u as usize] {
                        u = (u + 1) % p.users;
                    }
                }
                seen[u as usize] = true;
                members.push(u);
            }
            for &m in &members {
                seen[m as usize] = false;
            }
            members.sort_unstable();
            Conversation {
                id,
                members,
                group: size > 2,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pop(model: Model, users: u32) -> Population {
        Population {
            users,
            model,
            ..Population::default()
        }
    }

    #[test]
    fn truncated_means_match_the_draws() {
        for p in [pop(Model::PowerLaw, 20_000), pop(Model::LogNormal, 20_000)] {
            let w = p.weights();
            let draws = w.draw(p.users, &mut seed::rng(1, "t", &[]));
            let mean = draws.iter().sum::<f64>() / draws.len() as f64;
            assert!(
                (mean / w.mean() - 1.0).abs() < 0.1,
                "{w:?}: {mean} vs {}",
                w.mean()
            );
        }
    }

    #[test]
    fn members_are_distinct_and_sizes_in_range() {
        for model in Model::ALL {
            let mut p = pop(model, 50);
            p.group_share = 0.5;
            p.group_sizes = GroupSizes::PowerLaw;
            p.max_group = Some(40);
            let convs = make_conversations(&p, 7);
            assert_eq!(convs.len() as u32, p.conversation_count());
            for c in &convs {
                let mut m = c.members.clone();
                m.dedup();
                assert_eq!(m.len(), c.members.len());
                assert!(c.members.len() >= 2 && c.members.len() <= 40);
                assert!(c.members.iter().all(|&u| u < 50));
            }
        }
    }

    #[test]
    fn parameters_of_another_model_are_refused() {
        let mut p = pop(Model::Uniform, 100);
        p.exponent = Some(2.5);
        assert!(p.validate().is_err());
        let mut p = pop(Model::PowerLaw, 100);
        p.exponent = Some(1.0);
        assert!(p.validate().is_err());
        p.exponent = Some(2.0);
        p.validate().unwrap();
        p.max_group = Some(2000);
        assert!(p.validate().is_err());
    }
}
