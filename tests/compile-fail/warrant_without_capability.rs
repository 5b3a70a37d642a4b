//! Cheat 2: get a warrant naming every user, and the agents' answers to it, without going
//! through a capability the runner records: call the court and the agents directly
//! (fabricating the case instead: `forged_lawful_case.rs`).
use escrowlab::prelude::*;

fn cheat(ctx: &mut AttackCtx, warrant: Warrant, world: &escrowlab::world::World) {
    // The court's signing path is not public ...
    let signed = escrowlab::lawful::issue_warrant(world, warrant).unwrap();
    // ... nor are the agents' request path and the combiner's world-level entry point.
    let _ = escrowlab::lawful::submit_to(&mut world.clone(), &[0, 1, 2], &[], 0);
    let _ = signed;
    let _ = ctx;
}

fn main() {
    let _ = cheat;
}
