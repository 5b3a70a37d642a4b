//! Cheat 3: reach the running world's seed, ground truth, session keys, prekeys or identity
//! secrets — or rebuild the world from a guessed seed and read its truth.
use escrowlab::prelude::*;

fn cheat(config: escrowlab::world::WorldConfig, conv: &Conversation, world: &escrowlab::world::World) {
    // Rebuild the world from a guessed seed ...
    let _ = escrowlab::mechanism::run_world(config.clone());
    let _ = escrowlab::mechanism::new_world(config.clone(), Default::default());
    // ... or read a world's ground truth, its vaults (through session escrow's attachment)
    // and its court key.
    let _ = world.truth();
    let _ = world.escrow().agents[0].vault.contents();
    let _ = &world.attachment;
    // The world's secret derivations.
    let _ = escrowlab::world::session_key_of(config.seed, conv, 0);
    let _ = escrowlab::world::identity_key(config.seed, 0);
    let _ = escrowlab::world::prekey_secret(config.seed, 0, 0);
    let _ = escrowlab::seed::rng(config.seed, "identity", &[0]);
}

fn main() {
    let _ = cheat;
}
