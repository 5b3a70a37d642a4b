//! The names of the controls the built-in mechanisms and the attack context report: what a
//! cell's `blocked_by` (and `detected_by`) can say, and so what a suite's
//! `blocked_by = "..."` may name.
//!
//! A control is named where it fires (an agent's refusal, a mechanism's journal, the attack
//! context's checks, a client); this list gathers them, and a unit test scans those
//! sources so that a control added there without being added here fails the build's tests.
//! A mechanism registered by a user ([`crate::mechanism::register`]) reports controls of
//! its own: an expectation on a scheme of such a family may name any control.

/// Every control a built-in mechanism, the attack context, an agent or a client can
/// report, sorted; `not-applicable` is the runner's word for an attack that cannot run.
pub const BUILTIN: &[&str] = &[
    "binding",
    "checksum-binding",
    "ciphertext",
    "cluster-majority",
    "combiner-aead-check",
    "delivery",
    "device-binding",
    "dkg",
    "epoch-keys",
    "error",
    "expiry",
    "firmware-transparency",
    "guess-limit",
    "join-notice",
    "key-check",
    "key-not-created",
    "key-pinning",
    "ledger-gossip",
    "ledger-inclusion",
    "malformed",
    "member-integrity",
    "no-audit-log",
    "no-court",
    "no-court-key",
    "no-escrow",
    "not-applicable",
    "owner-notice",
    "proactive-refresh",
    "published-key-check",
    "recipient-field-check",
    "recompute-binding",
    "replay-cache",
    "retention",
    "roster-check",
    "scope",
    "scope-check",
    "share-commitment-check",
    "share-verification",
    "signature",
    "signed-binding",
    "signing-key-destroyed",
    "tap-reconciliation",
    "threshold",
    "threshold-custody",
    "use-limit",
    "vendor-blob-check",
    "warrant-check",
    "warrant-signature",
];

/// Is `name` a control a built-in mechanism can report (or `none`: not blocked)?
pub fn is_builtin(name: &str) -> bool {
    name == "none" || BUILTIN.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The string literal that starts `rest` (after white space), if one does.
    fn literal(rest: &str) -> Option<&str> {
        let rest = rest.trim_start().strip_prefix('"')?;
        rest.find('"').map(|end| &rest[..end])
    }

    #[test]
    fn the_list_is_sorted_and_holds_every_control_the_sources_name() {
        let mut sorted = BUILTIN.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, BUILTIN, "keep the list sorted, each name once");
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        let mut dirs = vec![root];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    files.push(p);
                }
            }
        }
        let calls = [
            ".refuse(",
            ".notice(",
            ".block(",
            ".detect(",
            "Error::refused(",
            "control: \"",
        ];
        let mut missing = Vec::new();
        for f in &files {
            let text = std::fs::read_to_string(f).unwrap();
            for call in calls {
                for (i, _) in text.match_indices(call) {
                    let after = if call.ends_with('"') {
                        &text[i + call.len() - 1..]
                    } else {
                        &text[i + call.len()..]
                    };
                    if let Some(name) = literal(after) {
                        if !is_builtin(name) && !name.is_empty() && !name.contains(' ') {
                            missing.push(format!("{}: {name}", f.display()));
                        }
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "controls named in the sources but not in controls::BUILTIN:\n{}",
            missing.join("\n")
        );
    }
}
