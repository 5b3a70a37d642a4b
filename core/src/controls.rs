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
    "binary-transparency",
    "binding",
    "checksum-binding",
    "ciphertext",
    "cluster-majority",
    "combiner-aead-check",
    "delivery",
    "device-attestation",
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
    "key-transparency",
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
    "session-commitment",
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

/// What a block or a detection rests on: the difference between a figure the run
/// measured and a property the model gives a control by construction. Every `blocked_by`
/// and `detected_by` a cell reports carries one ([`ControlBasis`]), so that a reader never
/// takes an assumption for a measured block.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum BasisKind {
    /// Certain by construction: the model has the control fire every time, at once (an
    /// honest party always checks, every client always compares, every view is compared
    /// with the true one). Its probability 1 is an assumption, not a measurement.
    Assumption,
    /// Holds unless a cryptographic assumption fails (an unforgeable signature, an AEAD, a
    /// threshold below its quorum): the failure probability is negligible, not measured.
    Cryptographic,
    /// Nothing to take: the design holds no such key, party or interface. Certain, and a
    /// statement about the design rather than about a check.
    Design,
    /// A probability or delay that depends on parameters and chance: measured in the run
    /// (or computed from a cited distribution), given with the figure.
    Measured,
}

impl BasisKind {
    /// The word the reports print.
    pub fn word(self) -> &'static str {
        match self {
            BasisKind::Assumption => "assumption",
            BasisKind::Cryptographic => "cryptographic",
            BasisKind::Design => "design",
            BasisKind::Measured => "measured",
        }
    }
}

/// What one reported control rests on, with the probability and delay behind it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ControlBasis {
    /// The control.
    pub control: String,
    /// Assumption, cryptographic, design or measured.
    pub kind: BasisKind,
    /// The probability that the control stops (or notices) this attack: `1` for an
    /// assumption or a design fact, `null` when negligible failure is all that can be said
    /// (cryptographic), the measured or computed figure otherwise.
    pub probability: Option<f64>,
    /// Epochs between the attack and the control acting: `0` for an assumption (at once),
    /// the measured mean delay for a measured one, `null` when not applicable.
    pub delay_epochs: Option<f64>,
    /// What the figure rests on, in one sentence.
    pub rests_on: String,
}

impl ControlBasis {
    /// The basis a built-in control has by default (`None` for `not-applicable`, `error`
    /// and a user family's own controls). A mechanism that measures a probability or a
    /// delay replaces it with [`ControlBasis::measured`] through its journal.
    pub fn builtin(control: &str) -> Option<ControlBasis> {
        let (kind, rests_on) = static_basis(control)?;
        let (probability, delay_epochs) = match kind {
            BasisKind::Assumption | BasisKind::Design => (Some(1.0), Some(0.0)),
            // Clipper's 16-bit checksum refuses one forged field with 1 − 2^-16.
            BasisKind::Measured if control == "checksum-binding" => {
                (Some(1.0 - 2f64.powi(-16)), None)
            }
            BasisKind::Cryptographic | BasisKind::Measured => (None, None),
        };
        Some(ControlBasis {
            control: control.to_string(),
            kind,
            probability,
            delay_epochs,
            rests_on: rests_on.to_string(),
        })
    }
    /// A measured (or computed) basis.
    pub fn measured(
        control: &str,
        probability: Option<f64>,
        delay_epochs: Option<f64>,
        rests_on: impl Into<String>,
    ) -> ControlBasis {
        ControlBasis {
            control: control.to_string(),
            kind: BasisKind::Measured,
            probability,
            delay_epochs,
            rests_on: rests_on.into(),
        }
    }
    /// The short label the tables print: `assumed` for an assumption, `p=0.93` or
    /// `p=0.93, 2.0 epochs` for a measured one, empty otherwise.
    pub fn short(&self) -> String {
        match self.kind {
            BasisKind::Assumption => "assumed".into(),
            BasisKind::Measured => {
                let mut s = match self.probability {
                    Some(p) => format!("p={}", fmt_p(p)),
                    None => String::new(),
                };
                if let Some(d) = self.delay_epochs {
                    if !s.is_empty() {
                        s.push_str(", ");
                    }
                    s.push_str(&format!("{d:.1} epochs"));
                }
                s
            }
            BasisKind::Cryptographic | BasisKind::Design => String::new(),
        }
    }
    /// The full label: `kind (probability, delay): rests on`.
    pub fn label(&self) -> String {
        let mut figs = Vec::new();
        match self.probability {
            Some(p) => figs.push(format!("p={}", fmt_p(p))),
            None if self.kind == BasisKind::Cryptographic => figs.push("p~1".into()),
            None => {}
        }
        if let Some(d) = self.delay_epochs {
            figs.push(format!("delay {d:.1} epochs"));
        }
        let figs = if figs.is_empty() {
            String::new()
        } else {
            format!(" ({})", figs.join(", "))
        };
        format!(
            "{}: {}{figs}: {}",
            self.control,
            self.kind.word(),
            self.rests_on
        )
    }
}

/// A probability, four significant places at most (`1`, `0.9312`, `0.0001`).
fn fmt_p(p: f64) -> String {
    if p == 1.0 || p == 0.0 {
        return format!("{p:.0}");
    }
    let s = format!("{p:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Every built-in control's default basis (see [`BasisKind`]); a unit test checks that each
/// control of [`BUILTIN`] but `not-applicable` and `error` has one.
fn static_basis(control: &str) -> Option<(BasisKind, &'static str)> {
    use BasisKind::*;
    Some(match control {
        "binary-transparency" => (Measured, "client updates are logged and independent rebuilders check them against reproducible builds, outside the update channel: a rebuilder looks with probability `bt_monitor_pct` per epoch, and clients roll back an update it catches (the run reports the probability and the delay it measured; at 100 every update is rebuilt in the epoch it ships, an assumption)"),
        "binding" => (Cryptographic, "the escrow field is signed by the sender; forging it needs the signing key"),
        "checksum-binding" => (Measured, "a 16-bit checksum over key and field (the Clipper LEAF; `checksum_bits` in the scheme): each forged field is refused with probability 1 − 2^-16 per try, and the attack's tries are counted"),
        "ciphertext" => (Cryptographic, "the ciphertext does not decrypt under the key offered"),
        "cluster-majority" => (Cryptographic, "each record is locked to the cluster key; fewer members than its quorum cannot open it"),
        "combiner-aead-check" => (Cryptographic, "the combiner's AEAD rejects a key that does not open the session"),
        "delivery" => (Cryptographic, "the session key delivery does not open without the member's key"),
        "device-attestation" => (Measured, "a distance-bounding exchange keyed by the phone's secure element: a relay passes with (3/4)^db_rounds, computed with each block"),
        "device-binding" => (Assumption, "the vendor compares the device id in the blob with the id the phone in custody claims; the claim is the phone's own word (a relay lies)"),
        "dkg" => (Cryptographic, "distributed key generation: no single party learns the key"),
        "epoch-keys" => (Cryptographic, "each epoch has its own key; a key of one epoch opens no other"),
        "expiry" => (Assumption, "an honest agent refuses an expired warrant, every time"),
        "firmware-transparency" => (Assumption, "every firmware change is seen at once by whoever watches the firmware log"),
        "guess-limit" => (Measured, "the share of targets whose passcode is not among the guesses the limit allows"),
        "join-notice" => (Assumption, "every member's client shows every join at once, and someone looks"),
        "key-check" => (Cryptographic, "the combined key does not unwrap"),
        "key-not-created" => (Design, "the design never creates the key the attack would take"),
        "key-pinning" => (Assumption, "the client's pinned key is never rewritten: true only against a key pushed outside the update channel that ships the pin (an in-band pin is rewritten by the update that pushes the key, and then reports nothing)"),
        "key-transparency" => (Measured, "a key clients accept must be in the provider's published key log (a SHA-256 Merkle tree with inclusion proofs); a monitor looks at a user's entries with probability `kt_monitor_pct` per epoch and has a key its owner did not add, or a silent member whose credential matches no warrant, revoked after that epoch (the run reports the share it caught and the mean delay; at 100 every monitor looks every epoch, an assumption)"),
        "ledger-gossip" => (Assumption, "every agent compares its ledger head with the true public head at once"),
        "ledger-inclusion" => (Assumption, "an honest agent releases only for a request it finds on the ledger"),
        "session-commitment" => (Cryptographic, "a published record names its sessions by SHA-256(salt ‖ session id) with a 256-bit salt the public never sees: linking one is a preimage search"),
        "malformed" => (Cryptographic, "the request does not parse or verify"),
        "member-integrity" => (Design, "a counter can be rolled back only on a member the attacker holds"),
        "no-audit-log" => (Design, "the scheme keeps no audit log to tamper with"),
        "no-court" => (Design, "the scheme has no court to forge warrants of"),
        "no-court-key" => (Design, "the scheme has no court key"),
        "no-escrow" => (Design, "the scheme escrows nothing"),
        "owner-notice" => (Assumption, "every owner of a seized phone notices at once"),
        "proactive-refresh" => (Cryptographic, "shares from before a refresh do not combine with shares after it"),
        "published-key-check" => (Assumption, "clients compare the escrow key with the published one every time"),
        "recipient-field-check" => (Assumption, "every recipient client checks every escrow field it receives"),
        "recompute-binding" => (Cryptographic, "recipients re-derive the escrow field from key and header; another field does not match"),
        "replay-cache" => (Assumption, "an honest agent remembers every warrant it served"),
        "retention" => (Assumption, "keys past retention are deleted, and the deletion is complete"),
        "roster-check" => (Assumption, "members sign the roster and their identity keys are verified out of band (`roster_signer = \"user\"`): every client refuses every member no member signed, at once and always, unless it carries a valid exception credential (under `roster_signer = \"provider\"` the check stops nothing the provider inserts; under `\"log\"` key transparency decides)"),
        "scope" | "scope-check" => (Assumption, "an honest agent releases only what the warrant covers"),
        "share-commitment-check" => (Cryptographic, "a share that does not match its public commitment is rejected"),
        "share-verification" => (Cryptographic, "a decryption share that does not verify is rejected"),
        "signature" => (Cryptographic, "the signature does not verify"),
        "signed-binding" => (Cryptographic, "the escrow field is signed with the family key; forging needs that key (held by clients: extractable from a software client)"),
        "signing-key-destroyed" => (Design, "the cards that could sign firmware were destroyed (a parameter of the scheme)"),
        "tap-reconciliation" => (Assumption, "every tap is reconciled against the court's list at once"),
        "threshold" | "threshold-custody" => (Cryptographic, "fewer shares than the threshold reveal nothing about the key"),
        "use-limit" => (Assumption, "an honest agent counts every use of a warrant"),
        "vendor-blob-check" => (Cryptographic, "the vendor's recovery blob does not open or parse"),
        "warrant-check" => (Assumption, "an honest agent checks every warrant before serving it"),
        "warrant-signature" => (Cryptographic, "the court's signature on the warrant does not verify"),
        _ => return None,
    })
}

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
    fn every_builtin_control_has_a_basis() {
        for c in BUILTIN {
            if matches!(*c, "not-applicable" | "error") {
                assert!(ControlBasis::builtin(c).is_none(), "{c}");
                continue;
            }
            let b = ControlBasis::builtin(c).unwrap_or_else(|| panic!("{c} has no basis"));
            assert_eq!(b.control, *c);
        }
        let a = ControlBasis::builtin("roster-check").unwrap();
        assert_eq!(a.kind, BasisKind::Assumption);
        assert_eq!(a.short(), "assumed");
        let m = ControlBasis::measured("guess-limit", Some(0.93125), Some(2.0), "x");
        assert_eq!(m.short(), "p=0.9313, 2.0 epochs");
    }

    #[test]
    fn every_defence_says_what_it_assumes_and_how_it_works_in_its_basis_words() {
        for d in DEFENCES {
            assert!(is_builtin(d.control), "{}", d.control);
            assert!(!d.assumes.trim().is_empty(), "{}: assumes", d.control);
            let b = ControlBasis::builtin(d.control).unwrap();
            // "certain by construction (K...": K is the control's basis word; a measured
            // basis is "measured" or "a parameter"; an assumption the mechanism replaces
            // with a measured figure is "a parameter".
            let w = d.works;
            if let Some(rest) = w.strip_prefix("certain by construction (") {
                assert!(
                    rest.starts_with(b.kind.word()),
                    "{}: works says {w:?}, its basis is {}",
                    d.control,
                    b.kind.word()
                );
            } else {
                assert!(
                    w.starts_with("a parameter") || w.starts_with("measured"),
                    "{}: {w:?}",
                    d.control
                );
                assert!(
                    matches!(b.kind, BasisKind::Measured | BasisKind::Assumption),
                    "{}: {w:?} but its basis is {}",
                    d.control,
                    b.kind.word()
                );
            }
        }
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

/// One defence a family offers: the control that reports it, the parameters that switch
/// and tune it (a scheme key such as `client.roster_check`, or the family's own
/// `[mechanism.params]` name) with their defaults, where the default comes from, and the
/// attacks that target it. `escrowlab mechanisms --json` lists them per family with the
/// control's basis.
#[derive(Debug)]
pub struct Defence {
    /// The family.
    pub family: &'static str,
    /// The control reported in `blocked_by` / `detected_by`.
    pub control: &'static str,
    /// `(parameter, default)` pairs.
    pub params: &'static [(&'static str, &'static str)],
    /// Where the default comes from (a citation, or "chosen" when nothing is cited).
    pub cited: &'static str,
    /// Attacks that target this defence.
    pub attacks: &'static [&'static str],
    /// What the defence assumes.
    pub assumes: &'static str,
    /// With what probability it works: measured, a parameter, or certain by construction.
    pub works: &'static str,
}

/// Every built-in family's defences.
pub static DEFENCES: &[Defence] = &[
    Defence { family: "session-escrow", control: "threshold-custody", params: &[("custody.kind", "required"), ("custody.k", "1"), ("custody.n", "1")], cited: "k-of-n escrow agents (Abelson et al., Keys Under Doormats 2015; the threshold-3of5 scheme chooses 3-of-5)", attacks: &["key-theft", "share-theft", "collusion"], assumes: "fewer than k of the n agents are taken or collude, and the dealer (by default) forgets the key it dealt", works: "certain by construction (cryptographic): fewer than k shares reveal nothing; how many are taken is the attack's parameter, not a probability" },
    Defence { family: "session-escrow", control: "dkg", params: &[("custody.keygen", "dealer")], cited: "Pedersen 1991; Gennaro, Jarecki, Krawczyk & Rabin 1999 (a trusted dealer is the default, as in deployed escrow)", attacks: &["dealer"], assumes: "at least one participant of the key generation is honest and the agents' channels are authenticated", works: "certain by construction (cryptographic): no single party learns the key; `custody.keygen` switches it on" },
    Defence { family: "session-escrow", control: "epoch-keys", params: &[("custody.lifetime", "static")], cited: "chosen (forward secrecy of escrow keys per epoch)", attacks: &["key-theft", "mobile-adversary"], assumes: "each epoch's key is erased when the epoch ends, completely", works: "certain by construction (cryptographic, with erasure assumed): a key of one epoch opens no other" },
    Defence { family: "session-escrow", control: "proactive-refresh", params: &[("custody.refresh", "false")], cited: "Herzberg, Jarecki, Krawczyk & Yung, Proactive Secret Sharing, CRYPTO 1995", attacks: &["mobile-adversary"], assumes: "fewer than k shares are taken within one refresh period, and old shares are erased at each refresh", works: "certain by construction (cryptographic): shares of different periods do not combine; the mobile adversary's shares per epoch are its parameter" },
    Defence { family: "session-escrow", control: "checksum-binding", params: &[("field.binding", "signed"), ("field.checksum_bits", "16")], cited: "EES LEAF 16-bit checkword (Blaze 1994)", attacks: &["field-forgery", "rogue-endpoints", "client-key-extraction"], assumes: "every recipient (or chip) checks the checksum of every field it receives, and a forger tests a candidate only by querying that check", works: "measured: a forged field passes with probability 2^-checksum_bits a try (2^-16 by default); the attack's tries are counted; with the family key extracted from a software client, in one try" },
    Defence { family: "session-escrow", control: "signed-binding", params: &[("field.binding", "signed")], cited: "chosen (one family signing key held by clients)", attacks: &["field-forgery", "client-key-extraction"], assumes: "the family signing key stays secret although every client holds it: true only on tamper-proof hardware, not in a software client", works: "certain by construction (cryptographic) while the key is secret; one key extracted from a software client makes a forgery succeed in one try" },
    Defence { family: "session-escrow", control: "recompute-binding", params: &[("field.binding", "signed")], cited: "Bellare & Goldwasser, verifiable partial key escrow, CCS 1997 (recipients re-derive the field)", attacks: &["field-forgery", "rogue-endpoints"], assumes: "the recipient's client is honest and re-derives the field from the session key and the header", works: "certain by construction (cryptographic): a field other than the recomputed one is refused; two rogue endpoints together skip the check" },
    Defence { family: "session-escrow", control: "key-pinning", params: &[("client.pin_escrow_key", "false")], cited: "chosen; an in-band pin (Juniper 2015: Checkoway et al., CCS 2016, the Dual EC constant rewritten through the update channel)", attacks: &["escrow-key-substitution"], assumes: "the pin ships with the client's own updates: it holds against a key pushed by configuration, and is rewritten by an update that pushes the key (`escrow-key-substitution` controls the update channel, so against it the pin reports nothing)", works: "certain by construction (assumption) against a key pushed outside the update channel, which no built-in attack makes; against an update-channel push it works with probability 0: the pin is rewritten with the key (the Juniper case measures `cost.pin_rewritten`)" },
    Defence { family: "session-escrow", control: "binary-transparency", params: &[("client.binary_transparency", "false"), ("client.bt_monitor_pct", "100")], cited: "binary transparency and reproducible builds (Fahl et al., Hey, NSA: Stay Away from my Market!, CCS 2014; Mozilla Binary Transparency 2017; Go checksum database, Cox 2019); no deployed figure for bt_monitor_pct: sweep it", attacks: &["escrow-key-substitution"], assumes: "every client update is published in an append-only log the update channel cannot rewrite, and clients roll back an update a rebuilder reports", works: "measured: a rebuilder looks with p = bt_monitor_pct per epoch, so a pushed key is caught by epoch e with 1 − (1 − p)^(e + 1) and read until then; each cell reports the delay it measured; at 100 (hardened) certain by construction (assumption)" },
    Defence { family: "session-escrow", control: "roster-check", params: &[("client.roster_check", "false"), ("client.roster_signer", "user")], cited: "members sign the roster, identity keys compared out of band (Signal safety numbers; CONIKS, Melara et al. 2015)", attacks: &["ghost", "shadow-taps"], assumes: "`roster_signer = user`: members' identity keys are verified out of band and every client compares every roster; `provider`: nothing (a provider-signed roster signs what the provider inserts); `log`: see key-transparency", works: "certain by construction (assumption) under `user`; 0 under `provider` against the relay's own ghost; under `log` the key is accepted and key-transparency decides" },
    Defence { family: "session-escrow", control: "key-transparency", params: &[("client.roster_check", "false"), ("client.roster_signer", "user"), ("client.kt_monitor_pct", "100")], cited: "CONIKS (Melara et al. 2015); WhatsApp's auditable key directory (akd, 2023); no deployed figure for kt_monitor_pct: sweep it (100 is CONIKS's every-client-every-epoch assumption)", attacks: &["ghost", "shadow-taps"], assumes: "clients accept a key only with an inclusion proof in the published log, the log's roots are gossiped (no equivocation), and a key a monitor flags is revoked after that epoch", works: "measured: a monitor looks at a conversation's entries with p = kt_monitor_pct per epoch; a ghost logged at epoch e0 is caught within the run with 1 − (1 − p)^(epochs − e0); each cell reports the share caught and the mean delay" },
    Defence { family: "session-escrow", control: "share-verification", params: &[("combiner.verify_shares", "true")], cited: "threshold decryption shares with proofs (Shoup & Gennaro 1998)", attacks: &["malicious-shares", "rogue-agent"], assumes: "the combiner checks every share against the agent's public verification key", works: "certain by construction (cryptographic assumption): a share that fails its pairing check is rejected" },
    Defence { family: "session-escrow", control: "use-limit", params: &[("warrant.use_limit", "1"), ("warrant.replay_cache", "true")], cited: "chosen", attacks: &["warrant-replay"], assumes: "an honest agent counts every use of a warrant and keeps its replay cache", works: "certain by construction (assumption): an honest agent refuses every replay at once; a rogue agent does not count" },
    Defence { family: "session-escrow", control: "scope-check", params: &[("warrant.check_scope", "true")], cited: "the warrant's targets and window (an honest agent)", attacks: &["scope-abuse", "target-substitution"], assumes: "an honest agent compares every request with the warrant's targets and window", works: "certain by construction (assumption): an honest agent refuses every request outside the warrant; a rogue agent does not check" },
    Defence { family: "session-escrow", control: "warrant-signature", params: &[("warrant.court.kind", "single"), ("warrant.check_signature", "true")], cited: "a court-signed warrant (chosen; threshold judges optional)", attacks: &["warrant-forgery"], assumes: "the court's signing key (or k of its judges' keys) stays secret", works: "certain by construction (cryptographic): a warrant that verifies needs the court key, which `warrant-forgery` steals" },
    Defence { family: "ghost-user", control: "roster-check", params: &[("client.roster_check", "false"), ("client.roster_signer", "user"), ("exception", "none")], cited: "Levy & Robinson 2018 proposal; the open letter of 2019 (clients would have to stop checking); CONIKS (Melara et al. 2015)", attacks: &["ghost", "shadow-taps", "interface-breach"], assumes: "`roster_signer = user`: members' identity keys are verified out of band; a silent member passes only with an Ed25519 exception credential from the issuer `exception` names (`provider`: the interface signs it; `court`: the interface holds the court's, one per warrant)", works: "certain by construction (assumption) under `roster_signer = user`, with the credential cryptographic (a silent member without one is refused unless Ed25519 is forged); probability 0 under `provider` (the provider signs what its interface inserts)" },
    Defence { family: "ghost-user", control: "key-transparency", params: &[("client.roster_check", "false"), ("client.roster_signer", "user"), ("client.kt_monitor_pct", "100"), ("exception", "none")], cited: "CONIKS (Melara et al. 2015); WhatsApp's auditable key directory (akd, 2023); the lawful-exception design of the 2018–19 ghost debate; no deployed figure for kt_monitor_pct: sweep it", attacks: &["interface-breach"], assumes: "every key clients accept is logged with its credential (inclusion proofs against gossiped roots); the target's monitor flags a device it did not add, an auditor with the court's list flags a silent member whose credential matches no warrant; a flagged key is revoked after that epoch; a stolen court credential for a docket target matches a warrant and is not flagged", works: "measured: p = kt_monitor_pct per user per epoch; a key logged at e0 is caught with 1 − (1 − p)^(epochs − e0); the suite fixtures/suites/key-transparency.toml sweeps p and reports the detection curve (cost.kt_caught / cost.kt_flaggable)" },
    Defence { family: "ghost-user", control: "tap-reconciliation", params: &[("reconcile_taps", "true")], cited: "chosen (Athens 2004: the bypassed management system kept the only log)", attacks: &["shadow-taps"], assumes: "every tap leaves a record outside the switch it runs on, and that record is reconciled against the court's list", works: "certain by construction (assumption): every unlisted tap is found at once; in Athens 2004 the only log was in the bypassed system" },
    Defence { family: "device-escrow", control: "device-binding", params: &[("bind_to_device", "false")], cited: "Ozzie, CLEAR (2018); Tromer's relay critique", attacks: &["device-relay"], assumes: "the vendor compares the device id inside the blob with the id the phone in custody claims; without attestation that claim is the phone's own word", works: "certain by construction (assumption) against an honest phone only: a relay claims the victim's id and passes unless `attestation = \"relay-proof\"`" },
    Defence { family: "device-escrow", control: "device-attestation", params: &[("attestation", "none"), ("db_rounds", "32")], cited: "Brands & Chaum, distance bounding (EUROCRYPT 1993); Hancke & Kuhn (SecureComm 2005); 32 rounds chosen", attacks: &["device-relay"], assumes: "each phone's device key stays in its secure element (enrolled with the vendor at manufacture), and a relay cannot answer a rapid round within its time bound (speed of light), so it commits its answers before the challenges", works: "a parameter: a relay that pre-asks the genuine phone passes with probability (3/4)^db_rounds (1.0e-4 at 32 rounds), computed with each block" },
    Defence { family: "device-escrow", control: "owner-notice", params: &[], cited: "CLEAR: recovery bricks the phone (its owner notices)", attacks: &["device-seizure"], assumes: "the owner of a bricked phone notices and complains", works: "certain by construction (assumption): every owner notices, at once" },
    Defence { family: "hsm-guess-limit", control: "guess-limit", params: &[("limit", "10"), ("pins", "human"), ("passcode", "digits4")], cited: "Apple Platform Security Guide (10 tries); Bonneau, Preibusch & Anderson 2012 (human PINs)", attacks: &["hsm-brute-force"], assumes: "each member counts guesses on its own and is not rolled back; passcodes follow the chosen distribution (human or uniform) and are guessed in frequency order", works: "measured: the share of targets whose passcode is not among the guesses the limit allows, from the PIN distribution (uniform 4 digits: 1 − 10/10^4; human 4-digit PINs: 14.8 % fall within 10 tries)" },
    Defence { family: "hsm-guess-limit", control: "cluster-majority", params: &[("members", "5"), ("cluster_key", "whole")], cited: "Apple Platform Security Guide (each member holds the cluster key)", attacks: &["hsm-brute-force", "hsm-counter-rollback"], assumes: "fewer members than the quorum are breached (threshold split), or none at all (the deployed design: each member holds the whole cluster key)", works: "certain by construction (cryptographic) below the quorum; with the whole key (default) one breached member opens every record it holds" },
    Defence { family: "hsm-guess-limit", control: "signing-key-destroyed", params: &[("signing_key_destroyed", "true")], cited: "Apple destroyed the admin cards (Krstić, Black Hat 2016)", attacks: &["hsm-brute-force"], assumes: "the admin cards were really destroyed and no other firmware signing path exists", works: "certain by construction (design, a parameter): with the key gone no firmware can lift the limit" },
    Defence { family: "hsm-guess-limit", control: "member-integrity", params: &[], cited: "each member counts on its own", attacks: &["hsm-counter-rollback"], assumes: "a member's counter can be rolled back only by holding that member", works: "certain by construction (design): rolling back a counter needs the member" },
    Defence { family: "public-ledger", control: "ledger-inclusion", params: &[("k", "3"), ("n", "5")], cited: "Green, Kaptchuk & Van Laer 2021 (procedural check by each agent here)", attacks: &["off-ledger", "ledger-fork"], assumes: "an honest agent finds every request on the ledger before it releases; the check is procedural (publication does not gate the key cryptographically)", works: "certain by construction (assumption): an honest agent refuses every off-ledger request at once; a rogue agent releases anyway" },
    Defence { family: "public-ledger", control: "ledger-gossip", params: &[("gossip", "true"), ("monitors_pct", "100"), ("gossip_interval", "1")], cited: "Certificate Transparency gossip (RFC 6962); no deployed figure for monitors_pct: sweep it", attacks: &["ledger-fork"], assumes: "monitors compare the heads they receive honestly; an agent's view reaches a monitor only at a gossip round, with probability monitors_pct", works: "a parameter: detection needs a monitor's view to meet the fork, probability ≈ monitors_pct per gossip round (1 − (1 − monitors_pct/100)^agents forked), delay up to gossip_interval epochs; certain by construction (assumption) only at monitors_pct = 100" },
    Defence { family: "public-ledger", control: "session-commitment", params: &[("record_ids", "clear")], cited: "chosen (a salted SHA-256 commitment per session)", attacks: &["ledger-docket"], assumes: "each record's 256-bit salt stays with the agents, and SHA-256 is preimage-resistant", works: "certain by construction (cryptographic): linking a committed session id is a preimage search (the docket attack links 0 of 252 sessions)" },
    Defence { family: "public-ledger", control: "threshold", params: &[("k", "3"), ("n", "5")], cited: "k-of-n agents (3-of-5 chosen)", attacks: &["off-ledger", "dealer"], assumes: "fewer than k of the n agents are taken or collude, and the dealer forgets the key it dealt", works: "certain by construction (cryptographic): fewer than k shares reveal nothing; how many are taken is the attack's parameter" },
];

/// The defences of `family`.
pub fn defences_of(family: &str) -> impl Iterator<Item = &'static Defence> + '_ {
    DEFENCES.iter().filter(move |d| d.family == family)
}
