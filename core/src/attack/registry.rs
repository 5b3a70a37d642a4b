//! The set of attacks a command line, a suite or a test knows by id.

use super::Attack;

/// The attacks known by id. escrowlab's own binary uses the built-ins
/// (`escrowlab::attacks::builtins()`); a user's binary starts from those and adds its own
/// with [`Registry::with`], then hands the result to `escrowlab::cli::main_with`.
#[derive(Clone, Default)]
pub struct Registry {
    attacks: Vec<&'static dyn Attack>,
    /// Attacks that could not be added, each with why (see [`Registry::faults`]).
    faults: Vec<String>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.ids()).finish()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// A registry of exactly these attacks, in this order.
    pub fn of(attacks: &[&'static dyn Attack]) -> Self {
        attacks.iter().fold(Registry::new(), |r, a| r.with(*a))
    }

    /// Adds `attack`; an attack with the same id replaces the one registered before it, in
    /// its place (so a user can swap a built-in for a variant of their own). An attack whose
    /// `meta()` panics, or whose id is not a plain name, is not added: the registry records
    /// why ([`Registry::faults`]) and `escrowlab::cli::main_with` refuses to start with it,
    /// naming the attack, instead of crashing.
    #[must_use]
    pub fn with(mut self, attack: &'static dyn Attack) -> Self {
        let position = self.attacks.len() + self.faults.len() + 1;
        let id = match crate::panics::silenced(|| attack.meta().id) {
            Ok(id) => id,
            Err(panic) => {
                self.faults.push(format!(
                    "attack number {position} added to the registry panicked in `meta()`: {panic}"
                ));
                return self;
            }
        };
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            self.faults.push(format!(
                "attack number {position} added to the registry has the id `{}`: an id is one \
                 or more ASCII letters, digits, `-` or `_`",
                crate::text::echo(id)
            ));
            return self;
        }
        match self.attacks.iter().position(|a| a.meta().id == id) {
            Some(i) => self.attacks[i] = attack,
            None => self.attacks.push(attack),
        }
        self
    }

    /// Why attacks handed to [`Registry::with`] were not added (empty when all were).
    pub fn faults(&self) -> &[String] {
        &self.faults
    }

    /// The attack with this id.
    pub fn find(&self, id: &str) -> Option<&'static dyn Attack> {
        self.attacks.iter().copied().find(|a| a.meta().id == id)
    }

    /// Every attack, in registration order.
    pub fn iter(&self) -> impl Iterator<Item = &'static dyn Attack> + '_ {
        self.attacks.iter().copied()
    }

    /// Every id, in registration order.
    pub fn ids(&self) -> Vec<&'static str> {
        self.attacks.iter().map(|a| a.meta().id).collect()
    }

    /// How many attacks.
    pub fn len(&self) -> usize {
        self.attacks.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.attacks.is_empty()
    }

    /// The error for an id this registry does not know, listing the ones it does.
    pub fn unknown(&self, id: &str) -> crate::Error {
        crate::Error::input(format!(
            "unknown attack `{}` (known: {})",
            crate::text::echo(id),
            self.ids().join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::Registry;
    use crate::attack::{Attack, AttackCtx, AttackMeta, Exposure, Outcome, Params};
    use crate::config::scheme::Scheme;

    struct PanicsInMeta;
    impl Attack for PanicsInMeta {
        fn meta(&self) -> &'static AttackMeta {
            panic!("no metadata yet")
        }
        fn check(&self, _: &Scheme, _: &Params) -> Exposure {
            Exposure::no("never runs")
        }
        fn run(&self, _: &mut AttackCtx<'_>, _: &Params) -> crate::Result<Outcome> {
            Ok(Outcome::default())
        }
    }

    #[test]
    fn an_attack_whose_meta_panics_is_recorded_not_added() {
        let r = Registry::new().with(&PanicsInMeta);
        assert!(r.is_empty());
        assert_eq!(r.faults().len(), 1);
        assert!(
            r.faults()[0].contains("attack number 1")
                && r.faults()[0].contains("panicked in `meta()`: no metadata yet"),
            "{:?}",
            r.faults()
        );
    }
}
