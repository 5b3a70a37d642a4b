//! The `protocol` world option: the same traffic under the hash ratchet, the Double
//! Ratchet and sender keys; per-chain escrow; a device snapshot heals under the Double
//! Ratchet while a stolen escrow key never does.

use crate::common;
use escrowlab::attack::ParamValue;
use escrowlab::backend::BackendKind;
use escrowlab::runner::CellResult;
use escrowlab::world::Protocol;

/// A tiny world (24 users, 3 epochs, 6 messages a session) under `protocol`.
fn run(
    scheme: &str,
    attack: &str,
    protocol: Protocol,
    params: &[(&str, ParamValue)],
) -> CellResult {
    let mut cfg = common::config(scheme, BackendKind::Blsttc, 7);
    cfg.population.users = 24;
    cfg.population.epochs = 3;
    cfg.population.messages_per_session = 6;
    cfg.population.protocol = protocol;
    common::cell_with(&cfg, attack, params)
}

fn figure(c: &CellResult, name: &str) -> f64 {
    c.cost
        .get(name)
        .and_then(|v| v.as_f64())
        .unwrap_or_else(|| panic!("no figure {name}: {:?}", c.cost))
}

#[test]
fn per_chain_escrow_reads_everything_and_costs_a_field_per_speaker_turn() {
    let hash = run("single-key", "key-theft", Protocol::HashRatchet, &[]);
    for protocol in [Protocol::DoubleRatchet, Protocol::SenderKeys] {
        let c = run("single-key", "key-theft", protocol, &[]);
        // The traffic is the protocol's only change: the same messages exist.
        assert_eq!(c.exposure.messages_total, hash.exposure.messages_total);
        assert_eq!(c.exposure.total_by_epoch, hash.exposure.total_by_epoch);
        // The stolen escrow key opens every chain's field: everything, as before.
        assert_eq!(c.exposure.fraction, 1.0, "{protocol:?}");
        assert_eq!(c.exposure.messages, hash.exposure.messages);
        let per_message = figure(&c, "escrow_fields_per_message");
        // More than one field per session (about 1/6 a message here), at most one a
        // message.
        assert!(
            per_message > 1.0 / 6.0 && per_message <= 1.0,
            "{protocol:?}: {per_message}"
        );
        println!("{protocol:?}: {per_message:.3} escrow fields per message (hash ratchet: 1 per session of 6)");
    }
}

#[test]
fn a_device_snapshot_heals_under_the_double_ratchet_an_implant_does_not() {
    let user = ("user", ParamValue::Int(0));
    let at = ("at_epoch", ParamValue::Int(1));
    let cell = |p: Protocol, params: &[(&str, ParamValue)]| {
        run("e2e-baseline", "endpoint-compromise", p, params)
    };
    // An implant is the device: it reads what the device reads under either protocol.
    let implant_hash = cell(Protocol::HashRatchet, &[user.clone(), at.clone()]);
    let implant_dr = cell(Protocol::DoubleRatchet, &[user.clone(), at.clone()]);
    assert!(implant_hash.exposure.messages > 0);
    assert_eq!(implant_dr.exposure.messages, implant_hash.exposure.messages);
    // A snapshot at the start of epoch 1 holds that epoch's prekey: under the hash ratchet
    // it reads the sessions delivered to it to their end; under the Double Ratchet only
    // until the device's first DH step in each (summed over the first eight devices).
    let (mut hash, mut dr) = (0, 0);
    for u in 0..8 {
        let params = [
            ("user", ParamValue::Int(u)),
            at.clone(),
            ("mode", ParamValue::Str("snapshot".into())),
        ];
        let h = run(
            "e2e-baseline",
            "endpoint-compromise",
            Protocol::HashRatchet,
            &params,
        );
        let d = run(
            "e2e-baseline",
            "endpoint-compromise",
            Protocol::DoubleRatchet,
            &params,
        );
        assert!(d.exposure.messages <= h.exposure.messages, "user {u}");
        // Nothing of another epoch (a later prekey is made after the copy), under both.
        for c in [&h, &d] {
            assert_eq!(
                c.exposure.by_epoch[0] + c.exposure.by_epoch[2],
                0,
                "user {u}"
            );
        }
        hash += h.exposure.messages;
        dr += d.exposure.messages;
    }
    assert!(dr > 0, "the responder's copy reads the first chain");
    assert!(dr < hash, "{dr} !< {hash}: the Double Ratchet heals");
    println!(
        "snapshot at epoch 1, devices 0-7: hash ratchet reads {hash}, double ratchet {dr} messages"
    );
}

#[test]
fn lawful_access_opens_every_chain_of_the_warrants_sessions() {
    for protocol in [Protocol::DoubleRatchet, Protocol::SenderKeys] {
        let mut cfg = common::config("single-key", BackendKind::Blsttc, 11);
        cfg.population.users = 24;
        cfg.population.epochs = 3;
        cfg.population.protocol = protocol;
        let r = escrowlab::lawful::demonstrate(cfg).expect("demonstration runs");
        assert!(r.in_scope_messages > 0, "{protocol:?}");
        // The warrant's sessions are opened chain by chain: all of them, nothing else.
        assert_eq!(r.in_scope_decrypted, r.in_scope_messages, "{protocol:?}");
        assert_eq!(r.out_of_scope_decrypted, 0, "{protocol:?}");
    }
}

/// Colluding agents and a substituted escrow key open every chain's field, not only the
/// first: under the Double Ratchet they read what they read under the hash ratchet.
#[test]
fn collusion_and_key_substitution_open_every_chain() {
    for attack in ["collusion", "escrow-key-substitution"] {
        let hash = run("threshold-3of5", attack, Protocol::HashRatchet, &[]);
        assert!(hash.exposure.messages > 0, "{attack}");
        let dr = run("threshold-3of5", attack, Protocol::DoubleRatchet, &[]);
        assert_eq!(dr.exposure.messages, hash.exposure.messages, "{attack}");
        assert_eq!(dr.exposure.users, hash.exposure.users, "{attack}");
    }
    // Collusion's figures count sessions, not fields: under the Double Ratchet, with its
    // many fields per session, they add up to the hash ratchet's session counts.
    let names = [
        "sessions_opened",
        "sessions_key_destroyed",
        "sessions_combine_failed",
    ];
    let epoch = |protocol| run("threshold-3of5-epoch", "collusion", protocol, &[]);
    let (hash, dr) = (epoch(Protocol::HashRatchet), epoch(Protocol::DoubleRatchet));
    for name in names {
        assert_eq!(figure(&dr, name), figure(&hash, name), "{name}");
    }
    assert!(figure(&dr, "sessions_key_destroyed") > 0.0);
}

/// The escrowed-seed design (`[field] ratchet_escrow = "seed"`).
const SEED_SCHEME: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/schemes/single-key-seed.toml"
);

/// Under the escrowed-seed design one field per session opens every chain of it: the
/// stolen escrow key reads everything with the hash ratchet's field count.
#[test]
fn an_escrowed_seed_opens_every_chain_with_one_field_per_session() {
    let hash = run("single-key", "key-theft", Protocol::HashRatchet, &[]);
    for protocol in [Protocol::DoubleRatchet, Protocol::SenderKeys] {
        let chains = run("single-key", "key-theft", protocol, &[]);
        let seed = run(SEED_SCHEME, "key-theft", protocol, &[]);
        assert_eq!(seed.exposure.messages_total, hash.exposure.messages_total);
        assert_eq!(seed.exposure.fraction, 1.0, "{protocol:?}");
        assert_eq!(seed.exposure.messages, hash.exposure.messages);
        let rate = figure(&seed, "escrow_fields_per_message");
        // One field per session of six messages.
        assert_eq!(rate, 1.0 / 6.0, "{protocol:?}: one field per session");
        assert!(
            rate < figure(&chains, "escrow_fields_per_message"),
            "{protocol:?}"
        );
    }
}

/// The price of the escrowed seed: a device snapshot under the Double Ratchet no longer
/// heals. The copy holds the seed every later key pair derives from, so it reads what a
/// snapshot reads under the hash ratchet (each session of its epoch to its end), where
/// the per-chain design's copy stops at the device's first DH step.
#[test]
fn under_an_escrowed_seed_a_device_snapshot_keeps_reading_after_the_next_dh_step() {
    let (mut hash, mut chains, mut seed) = (0, 0, 0);
    for u in 0..8 {
        let params = [
            ("user", ParamValue::Int(u)),
            ("at_epoch", ParamValue::Int(1)),
            ("mode", ParamValue::Str("snapshot".into())),
        ];
        let cell = |scheme: &str, p: Protocol| run(scheme, "endpoint-compromise", p, &params);
        let h = cell("single-key", Protocol::HashRatchet);
        let c = cell("single-key", Protocol::DoubleRatchet);
        let s = cell(SEED_SCHEME, Protocol::DoubleRatchet);
        assert_eq!(s.exposure.messages, h.exposure.messages, "user {u}");
        assert!(c.exposure.messages <= s.exposure.messages, "user {u}");
        hash += h.exposure.messages;
        chains += c.exposure.messages;
        seed += s.exposure.messages;
    }
    assert!(
        chains < seed,
        "{chains} !< {seed}: only the per-chain design heals"
    );
    println!(
        "snapshot at epoch 1, devices 0-7: hash ratchet {hash}, double ratchet with per-chain escrow {chains}, with an escrowed seed {seed} messages"
    );
}

/// The agent-facing attacks open every chain of the sessions they obtain shares for (a
/// request has one item per escrow field; `scope-abuse` also counts its victims by them): under the Double Ratchet they read what they
/// read under the hash ratchet.
#[test]
fn rogue_agents_and_forged_requests_open_every_chain() {
    for (scheme, attack, mode) in [
        ("threshold-3of5", "rogue-agent", "reuse"),
        ("threshold-3of5", "rogue-agent", "combiner"),
        ("single-key", "warrant-forgery", ""),
        (
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/fixtures/schemes/broken/no-scope-check.toml"
            ),
            "scope-abuse",
            "",
        ),
    ] {
        let params: Vec<(&str, ParamValue)> = if mode.is_empty() {
            Vec::new()
        } else {
            vec![("mode", ParamValue::Str(mode.into()))]
        };
        let hash = run(scheme, attack, Protocol::HashRatchet, &params);
        assert!(hash.exposure.messages > 0, "{attack} {mode}");
        let dr = run(scheme, attack, Protocol::DoubleRatchet, &params);
        assert_eq!(
            dr.exposure.messages, hash.exposure.messages,
            "{attack} {mode}"
        );
    }
}

/// The healing contrast of docs/THREAT-MODEL.md ("Device state theft against escrow key
/// theft"), measured: one compromise at the start of epoch 1 of a 4-epoch world of 100
/// users (20 messages a session; 1:1 conversations only, then the default mix with
/// groups), every device in turn. A device snapshot's share of the device's messages by
/// epoch (and by quarter of its sessions within epoch 1), against a stolen escrow key's
/// share of all messages by epoch, per protocol and escrow design. Prints the table the
/// section quotes:
/// `cargo test --test integration protocols::healing_contrast -- --include-ignored --nocapture`.
#[test]
#[ignore = "slow tier: cargo test -- --include-ignored"]
fn healing_contrast() {
    use escrowlab::runner::{base_worlds, run_cell};
    use std::collections::BTreeMap;
    let cell = |base: &escrowlab::attack::context::BaseWorlds,
                attack: &str,
                given: &[(&str, ParamValue)]| {
        let a = escrowlab::attacks::find(attack).expect("built-in attack");
        let given: BTreeMap<String, ParamValue> = given
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let params =
            escrowlab::attack::Params::resolve(attack, a.meta().params, &given).expect("params");
        let c = run_cell(base, a, &params, &[]);
        assert!(c.error.is_none(), "{attack}: {:?}", c.error);
        c
    };
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/THREAT-MODEL.md"))
        .expect("THREAT-MODEL.md");
    println!("| conversations | protocol | escrow | snapshot: epoch 1, by quarter of its sessions | snapshot: epochs 1, 2, 3 | escrow key theft: epochs 1, 2, 3 | fields per message |");
    println!("|---|---|---|---|---|---|---|");
    let mut healed = BTreeMap::new();
    let mut stale = Vec::new();
    for (pairs, protocol, design) in [
        (true, Protocol::HashRatchet, "single-key"),
        (true, Protocol::DoubleRatchet, "single-key"),
        (true, Protocol::DoubleRatchet, SEED_SCHEME),
        (false, Protocol::HashRatchet, "single-key"),
        (false, Protocol::DoubleRatchet, "single-key"),
        (false, Protocol::DoubleRatchet, SEED_SCHEME),
        (false, Protocol::SenderKeys, "single-key"),
        (false, Protocol::SenderKeys, SEED_SCHEME),
    ] {
        let mut cfg = common::config(design, BackendKind::Blsttc, 7);
        if pairs {
            cfg.population.group_share = 0.0;
        }
        cfg.population.users = 100;
        cfg.population.epochs = 4;
        cfg.population.messages_per_session = 20;
        cfg.population.protocol = protocol;
        let base = base_worlds(&cfg.scheme, &cfg).expect("world");
        let at = ("at_epoch", ParamValue::Int(1));
        // Per epoch: the device's messages (what its implant reads) and the snapshot's.
        let (mut member, mut read) = ([0usize; 4], [0usize; 4]);
        let mut quarters = [0.0f64; 4];
        for u in 0..100 {
            let user = ("user", ParamValue::Int(u));
            let implant = cell(&base, "endpoint-compromise", &[user.clone(), at.clone()]);
            let snapshot = cell(
                &base,
                "endpoint-compromise",
                &[
                    user,
                    at.clone(),
                    ("mode", ParamValue::Str("snapshot".into())),
                ],
            );
            for e in 0..4 {
                member[e] += implant.exposure.by_epoch[e];
                read[e] += snapshot.exposure.by_epoch[e];
            }
            // Sessions have 20 messages: a quarter of the epoch's messages each.
            for (q, share) in quarters.iter_mut().enumerate() {
                let f = snapshot
                    .cost
                    .get(&format!("read_share_quarter_{}", q + 1))
                    .and_then(|v| v.as_f64())
                    .unwrap_or(0.0);
                *share += f * implant.exposure.by_epoch[1] as f64 / 4.0;
            }
        }
        let theft = cell(&base, "key-theft", std::slice::from_ref(&at));
        let pct = |a: f64, b: f64| format!("{:.0} %", 100.0 * a / b.max(1.0));
        let q: Vec<String> = quarters
            .iter()
            .map(|r| pct(*r, member[1] as f64 / 4.0))
            .collect();
        let by_epoch: Vec<String> = (1..4)
            .map(|e| pct(read[e] as f64, member[e] as f64))
            .collect();
        let theft_by_epoch: Vec<String> = (1..4)
            .map(|e| {
                pct(
                    theft.exposure.by_epoch[e] as f64,
                    theft.exposure.total_by_epoch[e] as f64,
                )
            })
            .collect();
        let fields = theft
            .cost
            .get("escrow_fields_per_message")
            .and_then(|v| v.as_f64())
            .map_or("0.050 (one per session)".to_string(), |f| format!("{f:.3}"));
        let escrow = if design == SEED_SCHEME {
            "seed"
        } else {
            "chains"
        };
        let row = format!(
            "| {} | {} | {escrow} | {} | {} | {} | {fields} |",
            if pairs { "1:1 only" } else { "default mix" },
            protocol.name(),
            q.join(", "),
            by_epoch.join(", "),
            theft_by_epoch.join(", ")
        );
        println!("{row}");
        if !doc.contains(&row) {
            stale.push(row);
        }
        // Escrow key theft never heals; a snapshot reads nothing of a later epoch.
        assert!(theft_by_epoch.iter().all(|s| s == "100 %"), "{protocol:?}");
        assert_eq!(read[2] + read[3], 0, "{protocol:?}");
        if pairs {
            healed.insert((protocol.name(), escrow), read[1] as f64 / member[1] as f64);
            if protocol == Protocol::DoubleRatchet && escrow == "chains" {
                // 1:1 only: past the first quarter of its sessions the copy reads nothing
                // (the device's own first DH step comes within a few messages).
                assert!(quarters[3] < 0.05 * member[1] as f64 / 4.0, "{quarters:?}");
            }
        }
    }
    // Only the Double Ratchet with per-chain escrow heals within the epoch.
    let dr = healed[&("double-ratchet", "chains")];
    assert!(dr < healed[&("hash-ratchet", "chains")], "{healed:?}");
    assert_eq!(
        healed[&("double-ratchet", "seed")],
        healed[&("hash-ratchet", "chains")]
    );
    // The section quotes this table: a row that changed makes it stale.
    assert!(
        stale.is_empty(),
        "docs/THREAT-MODEL.md (\"Device state theft against escrow key theft\") lacks these rows; update the table:\n{}",
        stale.join("\n")
    );
}

/// Devices that keep history (`[population] history_epochs`): a device compromised at
/// epoch 2 with two epochs of history yields everything one compromised at epoch 0 does
/// (its stored plaintexts of epochs 0 and 1, then what it reads on), under the hash ratchet
/// and the Double Ratchet; without history, only what comes after.
#[test]
fn a_device_that_keeps_history_yields_it_to_an_implant_and_a_snapshot() {
    for protocol in [Protocol::HashRatchet, Protocol::DoubleRatchet] {
        let cell = |history: u32, at: i64, mode: &str| {
            let mut cfg = common::config("e2e-baseline", BackendKind::Blsttc, 7);
            cfg.population.users = 24;
            cfg.population.epochs = 3;
            cfg.population.messages_per_session = 6;
            cfg.population.protocol = protocol;
            cfg.population.history_epochs = history;
            let params = [
                ("user", ParamValue::Int(0)),
                ("at_epoch", ParamValue::Int(at)),
                ("mode", ParamValue::Str(mode.into())),
            ];
            common::cell_with(&cfg, "endpoint-compromise", &params)
        };
        let from_start = cell(0, 0, "implant");
        let late = cell(0, 2, "implant");
        let late_with_history = cell(2, 2, "implant");
        assert!(late.exposure.messages < from_start.exposure.messages);
        assert_eq!(
            late_with_history.exposure.by_epoch, from_start.exposure.by_epoch,
            "{protocol:?}"
        );
        // A snapshot takes the same stored history (and then heals or not, as before).
        let snapshot = cell(0, 2, "snapshot");
        let snapshot_with_history = cell(2, 2, "snapshot");
        assert_eq!(
            snapshot_with_history.exposure.messages,
            snapshot.exposure.messages
                + from_start.exposure.by_epoch[0]
                + from_start.exposure.by_epoch[1],
            "{protocol:?}"
        );
    }
}

/// `scope-abuse` counts its victims by request item (one per escrow field): under the
/// Double Ratchet the scope check refuses every victim session as under the hash ratchet,
/// and without the check every one is served.
#[test]
fn scope_abuse_counts_victim_sessions_by_their_fields() {
    let no_check = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/schemes/broken/no-scope-check.toml"
    );
    for scheme in ["threshold-3of5", no_check] {
        let hash = run(scheme, "scope-abuse", Protocol::HashRatchet, &[]);
        let dr = run(scheme, "scope-abuse", Protocol::DoubleRatchet, &[]);
        for name in ["victim_sessions", "victim_sessions_served"] {
            assert_eq!(figure(&dr, name), figure(&hash, name), "{scheme}: {name}");
        }
    }
}
