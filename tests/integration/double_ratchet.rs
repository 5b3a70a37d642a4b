//! The Double Ratchet and X3DH written from Signal's specifications
//! (`escrowlab::messaging::{double_ratchet, x3dh}`): both sides agree, messages decrypt in
//! any order within the skip bound, a failed message changes nothing, and a stolen state
//! stops reading once the conversation has taken a DH step the thief did not see, while a
//! stolen hash-ratchet chain never stops.

use escrowlab::messaging::double_ratchet::{DhPair, Header, State, MAX_SKIP};
use escrowlab::messaging::x3dh;
use escrowlab::prelude::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn rng(label: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(label)
}

fn identity(seed: u8) -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[seed; 32])
}

/// Alice and Bob after X3DH (with a one-time prekey), ready to talk.
fn pair(seed: u64) -> (State, State, Vec<u8>) {
    let mut r = rng(seed);
    let (alice, bob) = (identity(1), identity(2));
    let spk = DhPair::generate(&mut r);
    let opk = DhPair::generate(&mut r);
    let bundle = x3dh::PrekeyBundle::new(&bob, &spk, Some(&opk));
    let (sk_a, ad_a, msg) = x3dh::initiate(&alice, &bundle, &mut r).unwrap();
    let (sk_b, ad_b) = x3dh::respond(&bob, &spk, Some(&opk), &msg).unwrap();
    assert_eq!(sk_a, sk_b, "both sides derive the same SK");
    assert_eq!(ad_a, ad_b, "and the same associated data");
    let a = State::init_alice(&sk_a, &spk.public, &mut r);
    let b = State::init_bob(&sk_b, spk);
    (a, b, ad_a)
}

#[test]
fn x3dh_agrees_with_and_without_a_one_time_prekey_and_refuses_a_forged_signed_prekey() {
    let mut r = rng(3);
    let (alice, bob, mallory) = (identity(1), identity(2), identity(3));
    let spk = DhPair::generate(&mut r);
    // Without a one-time prekey.
    let bundle = x3dh::PrekeyBundle::new(&bob, &spk, None);
    let (sk_a, _, msg) = x3dh::initiate(&alice, &bundle, &mut r).unwrap();
    let (sk_b, _) = x3dh::respond(&bob, &spk, None, &msg).unwrap();
    assert_eq!(sk_a, sk_b);
    // With one, the keys differ from the run without it; a responder that lost it refuses.
    let opk = DhPair::generate(&mut r);
    let bundle = x3dh::PrekeyBundle::new(&bob, &spk, Some(&opk));
    let (sk_a2, _, msg2) = x3dh::initiate(&alice, &bundle, &mut r).unwrap();
    assert_eq!(
        x3dh::respond(&bob, &spk, Some(&opk), &msg2).unwrap().0,
        sk_a2
    );
    assert_ne!(sk_a2, sk_a);
    assert!(x3dh::respond(&bob, &spk, None, &msg2).is_err());
    // A signed prekey signed by someone else: the initiator aborts.
    let mut forged = x3dh::PrekeyBundle::new(&bob, &spk, None);
    forged.signature = x3dh::PrekeyBundle::new(&mallory, &spk, None).signature;
    assert!(x3dh::initiate(&alice, &forged, &mut r).is_err());
}

#[test]
fn turns_and_reordered_messages_all_decrypt() {
    let (mut a, mut b, ad) = pair(5);
    let (mut ra, mut rb) = (rng(50), rng(51));
    // Bob cannot speak first: he has no sending chain yet.
    assert!(b.encrypt(b"too early", &ad).is_err());
    let first: Vec<_> = (0..3)
        .map(|i| a.encrypt(format!("a{i}").as_bytes(), &ad).unwrap())
        .collect();
    // Delivered 2, 0, 1.
    for i in [2usize, 0, 1] {
        let (h, c) = &first[i];
        assert_eq!(
            b.decrypt(h, c, &ad, &mut rb).unwrap(),
            format!("a{i}").into_bytes()
        );
    }
    assert_eq!(b.steps(), 1);
    let reply = b.encrypt(b"b0", &ad).unwrap();
    let late = a.encrypt(b"a3 (before the reply arrived)", &ad).unwrap();
    assert_eq!(a.decrypt(&reply.0, &reply.1, &ad, &mut ra).unwrap(), b"b0");
    let next = a.encrypt(b"a4 (new chain)", &ad).unwrap();
    assert_ne!(next.0.dh, late.0.dh, "a reply made Alice take a DH step");
    // The new chain's message first, then the old chain's late one (a skipped key).
    assert_eq!(
        b.decrypt(&next.0, &next.1, &ad, &mut rb).unwrap(),
        b"a4 (new chain)"
    );
    assert_eq!(b.skipped_keys(), 1);
    assert_eq!(
        b.decrypt(&late.0, &late.1, &ad, &mut rb).unwrap(),
        b"a3 (before the reply arrived)"
    );
    assert_eq!(b.skipped_keys(), 0);
    // A message key is used once: a replay is refused.
    assert!(b.decrypt(&late.0, &late.1, &ad, &mut rb).is_err());
}

#[test]
fn a_message_that_fails_changes_nothing_and_skipping_is_bounded() {
    let (mut a, mut b, ad) = pair(7);
    let mut rb = rng(70);
    let (h, c) = a.encrypt(b"hello", &ad).unwrap();
    let mut bad = c.clone();
    bad[0] ^= 1;
    assert!(b.decrypt(&h, &bad, &ad, &mut rb).is_err());
    assert!(b.decrypt(&h, &c, b"other ad", &mut rb).is_err());
    let forged = Header { n: h.n + 5, ..h };
    assert!(b.decrypt(&forged, &c, &ad, &mut rb).is_err());
    assert_eq!(
        (b.steps(), b.skipped_keys()),
        (0, 0),
        "no failure changed the state"
    );
    assert_eq!(b.decrypt(&h, &c, &ad, &mut rb).unwrap(), b"hello");
    // A header claiming a counter past the bound is refused before any key is derived.
    let (h2, c2) = a.encrypt(b"x", &ad).unwrap();
    let far = Header {
        n: h2.n + MAX_SKIP + 1,
        ..h2
    };
    assert!(b.decrypt(&far, &c2, &ad, &mut rb).is_err());
    assert_eq!(b.skipped_keys(), 0);
    assert_eq!(b.decrypt(&h2, &c2, &ad, &mut rb).unwrap(), b"x");
    // Header encoding round-trips; other lengths are refused.
    assert_eq!(Header::decode(&h2.encode()).unwrap(), h2);
    assert!(Header::decode(&[0u8; 39]).is_err());
}

#[test]
fn a_stolen_state_stops_reading_after_a_dh_step_the_thief_did_not_take() {
    let (mut a, mut b, ad) = pair(9);
    let (mut ra, mut rb, mut rt) = (rng(90), rng(91), rng(92));
    let m1 = a.encrypt(b"m1", &ad).unwrap();
    b.decrypt(&m1.0, &m1.1, &ad, &mut rb).unwrap();
    // The thief copies Bob's whole state now, and reads what Alice sends to Bob.
    let mut thief = b.clone();
    let m2 = a.encrypt(b"m2", &ad).unwrap();
    assert_eq!(thief.decrypt(&m2.0, &m2.1, &ad, &mut rt).unwrap(), b"m2");
    b.decrypt(&m2.0, &m2.1, &ad, &mut rb).unwrap();
    // Bob replies under the key he held when copied: Alice's next chain is still open to
    // the copy (it holds that key's secret).
    let r1 = b.encrypt(b"r1", &ad).unwrap();
    a.decrypt(&r1.0, &r1.1, &ad, &mut ra).unwrap();
    let m3 = a.encrypt(b"m3", &ad).unwrap();
    assert_eq!(thief.decrypt(&m3.0, &m3.1, &ad, &mut rt).unwrap(), b"m3");
    b.decrypt(&m3.0, &m3.1, &ad, &mut rb).unwrap();
    // Bob's step on m3 drew a key the thief never saw: from Bob's next reply on, nothing.
    let r2 = b.encrypt(b"r2", &ad).unwrap();
    a.decrypt(&r2.0, &r2.1, &ad, &mut ra).unwrap();
    let m4 = a.encrypt(b"m4", &ad).unwrap();
    assert!(thief.decrypt(&m4.0, &m4.1, &ad, &mut rt).is_err(), "healed");
    assert_eq!(b.decrypt(&m4.0, &m4.1, &ad, &mut rb).unwrap(), b"m4");
    // The hash ratchet never heals: a chain key copied at message 1 derives every later key.
    let session = escrowlab::secret::Key32(rng(93).gen());
    let mut device = escrowlab::messaging::Ratchet::new(&session);
    device.next_key();
    let mut stolen = device.clone();
    for _ in 0..50 {
        assert_eq!(stolen.next_key(), device.next_key());
    }
}

#[test]
fn the_same_seeds_give_the_same_bytes() {
    let run = || {
        let (mut a, mut b, ad) = pair(11);
        let mut rb = rng(110);
        let m = a.encrypt(b"same", &ad).unwrap();
        b.decrypt(&m.0, &m.1, &ad, &mut rb).unwrap();
        let r = b.encrypt(b"reply", &ad).unwrap();
        (m.1, r.0.encode(), r.1)
    };
    assert_eq!(run(), run());
}

/// A stream that hands out scripted 32-byte secrets, in order: the keys each party draws.
struct Scripted(std::collections::VecDeque<[u8; 32]>);

impl rand::RngCore for Scripted {
    fn next_u32(&mut self) -> u32 {
        unreachable!("the ratchet draws whole keys only")
    }
    fn next_u64(&mut self) -> u64 {
        unreachable!("the ratchet draws whole keys only")
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        let next = self.0.pop_front().expect("a scripted secret left");
        dest.copy_from_slice(&next);
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rand::CryptoRng for Scripted {}

/// Where python-doubleratchet is, or why it cannot be used.
fn python_doubleratchet() -> Result<std::ffi::OsString, String> {
    let deps = std::env::var_os("ESCROWLAB_PYDEPS").unwrap_or_else(|| {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/pydeps")
            .into_os_string()
    });
    let probe = std::process::Command::new("python3")
        .env("PYTHONPATH", &deps)
        .args(["-c", "import doubleratchet, cryptography"])
        .output()
        .map_err(|e| format!("python3 does not run ({e})"))?;
    if !probe.status.success() {
        return Err(format!(
            "python-doubleratchet is not installed (`python3 -m pip install --target {} \
             DoubleRatchet==1.1.0`)",
            std::path::Path::new(&deps).display()
        ));
    }
    Ok(deps)
}

/// The same exchange (fixed secrets, escrowlab's KDF info strings and AEAD) through
/// escrowlab's Double Ratchet and through python-doubleratchet: every header and ciphertext
/// must be the same bytes. Skips with the reason where the package is missing; fails
/// instead with `ESCROWLAB_REQUIRE_CROSSCHECK` set (as `.ci/run` sets it).
#[test]
fn the_double_ratchet_matches_an_independent_implementation_byte_for_byte() {
    let deps = match python_doubleratchet() {
        Ok(d) => d,
        Err(why) => {
            assert!(
                std::env::var_os("ESCROWLAB_REQUIRE_CROSSCHECK").is_none(),
                "the cross-check is required (ESCROWLAB_REQUIRE_CROSSCHECK) but {why}"
            );
            eprintln!("skipped: {why}");
            return;
        }
    };
    let mut r = rng(2026);
    let secrets =
        |r: &mut ChaCha20Rng, n: usize| -> Vec<[u8; 32]> { (0..n).map(|_| r.gen()).collect() };
    let sk = escrowlab::secret::Key32(r.gen());
    let spk: [u8; 32] = r.gen();
    let (alice_privs, bob_privs) = (secrets(&mut r, 8), secrets(&mut r, 8));
    let ad = b"escrowlab cross-check".to_vec();
    // Turns with several messages each, so that every kind of step happens.
    let turns: &[(&str, usize)] = &[
        ("alice", 3),
        ("bob", 2),
        ("alice", 1),
        ("bob", 3),
        ("alice", 2),
    ];
    let mut messages = Vec::new();
    for (t, (who, n)) in turns.iter().enumerate() {
        for i in 0..*n {
            messages.push((
                *who,
                format!("turn {t} message {i} from {who}").into_bytes(),
            ));
        }
    }
    // escrowlab's side.
    let mut ra = Scripted(alice_privs.iter().copied().collect());
    let mut rb = Scripted(bob_privs.iter().copied().collect());
    let spk_pair = DhPair::from_secret(spk);
    let mut a = State::init_alice(&sk, &spk_pair.public, &mut ra);
    let mut b = State::init_bob(&sk, spk_pair);
    let mut ours = Vec::new();
    for (who, pt) in &messages {
        let (sender, receiver, rng) = if *who == "alice" {
            (&mut a, &mut b, &mut rb)
        } else {
            (&mut b, &mut a, &mut ra)
        };
        let (h, c) = sender.encrypt(pt, &ad).unwrap();
        assert_eq!(&receiver.decrypt(&h, &c, &ad, rng).unwrap(), pt);
        ours.push(serde_json::json!({
            "dh": hex::encode(h.dh), "pn": h.pn, "n": h.n, "ct": hex::encode(c)
        }));
    }
    // python-doubleratchet's side.
    let script = serde_json::json!({
        "sk": hex::encode(&sk.0),
        "bob_spk": hex::encode(spk),
        "alice_privs": alice_privs.iter().map(hex::encode).collect::<Vec<_>>(),
        "bob_privs": bob_privs.iter().map(hex::encode).collect::<Vec<_>>(),
        "ad": hex::encode(&ad),
        "messages": messages.iter().map(|(w, p)| serde_json::json!([w, hex::encode(p)])).collect::<Vec<_>>(),
    });
    let mut child = std::process::Command::new("python3")
        .env("PYTHONPATH", &deps)
        .arg(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/crosscheck/double_ratchet.py"),
        )
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run python3");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python-doubleratchet failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(theirs.len(), ours.len());
    for (i, (o, t)) in ours.iter().zip(&theirs).enumerate() {
        assert_eq!(o, t, "message {i} differs between the implementations");
    }
    // Every change of speaker was a DH step on the receiving side: Bob took three (each of
    // Alice's turns), Alice two.
    assert_eq!((a.steps(), b.steps()), (2, 3));
}
