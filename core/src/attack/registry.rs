//! The set of attacks a command line, a suite or a test knows by id.

use super::Attack;

/// The attacks known by id. escrowlab's own binary uses the built-ins
/// (`escrowlab::attacks::builtins()`); a user's binary starts from those and adds its own
/// with [`Registry::with`], then hands the result to `escrowlab::cli::main_with`.
#[derive(Clone, Default)]
pub struct Registry {
    attacks: Vec<&'static dyn Attack>,
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
    /// its place (so a user can swap a built-in for a variant of their own).
    #[must_use]
    pub fn with(mut self, attack: &'static dyn Attack) -> Self {
        let id = attack.meta().id;
        match self.attacks.iter().position(|a| a.meta().id == id) {
            Some(i) => self.attacks[i] = attack,
            None => self.attacks.push(attack),
        }
        self
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
