//! Cheat 1: hand-make the loot a device implant yields (without `compromise_device`) and
//! pass it to `implant_session_keys`. Loot has private fields: only the context makes it.
use escrowlab::prelude::*;
use std::collections::BTreeMap;

fn cheat(ctx: &mut AttackCtx) -> usize {
    let loot = DeviceLoot {
        user: 0,
        from_epoch: 0,
        identity: ed25519_dalek::SigningKey::from_bytes(&[7; 32]),
        prekeys: BTreeMap::new(),
    };
    ctx.implant_session_keys(&loot).len()
}

fn main() {
    let _ = cheat;
}
