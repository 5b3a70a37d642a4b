//! Secrets stay out of Debug output (moved from `tests/robustness.rs`): agents' shares are
//! shown by fingerprint only.

use crate::backend::BackendKind;
use crate::config::scheme::Scheme;
use crate::world::{Population, WorldConfig};

#[test]
fn secrets_never_appear_in_debug_output_or_reports() {
    let world = crate::mechanism::run_world(WorldConfig {
        scheme: Scheme::load("threshold-3of5").unwrap(),
        population: Population {
            users: 6,
            epochs: 1,
            messages_per_session: 1,
            group_share: 0.0,
            conversations: Some(3),
            ..Population::default()
        },
        seed: 1,
        backend: BackendKind::Blsttc,
    })
    .unwrap();
    let debug = format!("{world:?}");
    for a in &world.escrow().agents {
        let share = a.vault.get(0).unwrap();
        let hex = hex::encode(share.as_bytes());
        assert!(
            !debug.contains(&hex),
            "a share's hex appears in Debug output"
        );
        assert!(
            !debug.contains(&format!("{:?}", share.as_bytes())),
            "a share's bytes appear in Debug output"
        );
        assert!(
            debug.contains(&share.fingerprint()),
            "fingerprints are shown instead"
        );
    }
}
