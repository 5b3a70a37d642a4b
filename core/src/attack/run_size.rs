//! How big a run is, read off its schemes and population: the sizes
//! [`RunSize`](crate::vocab::params::RunSize) bounds parameters against.

use crate::vocab::params::{ParamValue, RunSize};

/// Members of `scheme`'s HSM cluster: its `hsm-guess-limit` mechanism's `members` (the
/// family's default when not given), 0 for any other family.
fn cluster_members(scheme: &crate::config::Scheme) -> usize {
    const FAMILY: &str = "hsm-guess-limit";
    if scheme.family() != FAMILY {
        return 0;
    }
    let given = scheme
        .mechanism
        .as_ref()
        .and_then(|m| m.params.get("members"));
    let default = crate::mechanism::find(FAMILY).and_then(|m| {
        m.info()
            .params
            .iter()
            .find(|p| p.name == "members")
            .map(|p| p.default.value())
    });
    match given.cloned().or(default) {
        Some(ParamValue::Int(m)) => usize::try_from(m).unwrap_or(0),
        _ => 0,
    }
}

impl RunSize {
    /// The size of a run of `scheme` on `population`.
    pub fn of(scheme: &crate::config::Scheme, population: &crate::world::Population) -> Self {
        RunSize::of_schemes(std::slice::from_ref(scheme), population)
    }

    /// The size of runs of each of `schemes` on `population`: agents and judges are the
    /// most of any scheme (a suite sweeps one value over schemes of different sizes), and
    /// unchecked when no scheme has any.
    pub fn of_schemes(
        schemes: &[crate::config::Scheme],
        population: &crate::world::Population,
    ) -> Self {
        let most = |f: fn(&crate::config::Scheme) -> usize| {
            schemes
                .iter()
                .map(f)
                .max()
                .filter(|&m| m > 0)
                .map(|m| m as u64)
        };
        RunSize {
            users: Some(u64::from(population.users)),
            epochs: Some(u64::from(population.epochs)),
            agents: most(|s| s.n()),
            judges: most(|s| {
                if s.offers_lawful_access() {
                    s.court_kn().1
                } else {
                    0
                }
            }),
            members: most(cluster_members),
        }
    }
}
