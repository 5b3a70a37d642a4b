//! The attack boundary, proved by the compiler: the cheats an outside reviewer wrote
//! against the old, in-crate attack API, written as a foreign crate would write them, must
//! not compile. Each `.stderr` beside them pins why (private fields and private items, or
//! an accessor that no longer exists).
//! Regenerate after a deliberate API change with `TRYBUILD=overwrite cargo test --test
//! compile_fail`, and read the diff: every error must still be a privacy error.

#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn the_three_cheats_do_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/compile-fail/*.rs");
}
