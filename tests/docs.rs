//! docs/ATTACKS.md is generated from the registry; this test fails when it is stale.
//! Regenerate with `ESCROWLAB_BLESS=1 cargo test --test docs`.

#[test]
fn attacks_md_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/ATTACKS.md");
    let want = escrowlab::docs::attacks_markdown(&escrowlab::attacks::builtins());
    if std::env::var_os("ESCROWLAB_BLESS").is_some() {
        std::fs::write(path, &want).expect("write docs/ATTACKS.md");
    }
    let have = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        have == want,
        "docs/ATTACKS.md is stale: run `ESCROWLAB_BLESS=1 cargo test --test docs`"
    );
}
