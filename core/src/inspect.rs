//! `escrowlab inspect` and `escrowlab sample`: every byte format the mechanism decodes,
//! reachable from the command line. `sample` writes a real encoding from a small seeded
//! world (for labs and for the malformed-input corpus); `inspect` decodes one, or says
//! exactly why it does not decode. Secrets are shown as fingerprints only.

use crate::backend::BackendKind;
use crate::config::scheme::Scheme;
use crate::error::{Error, Result};
use crate::escrow::agent::ShareRequest;
use crate::escrow::audit::AuditLog;
use crate::escrow::court::{SignedWarrant, Warrant};
use crate::escrow::field::EscrowField;
use crate::lawful;
use crate::secret::{fingerprint, Scalar};
use crate::world::{Population, World, WorldConfig};

/// The byte formats.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An escrow access field.
    Field,
    /// A signed warrant.
    Warrant,
    /// A share request (warrant + fields).
    Request,
    /// An agent's audit log.
    AuditLog,
    /// A threshold public key set.
    PublicKeySet,
    /// A decryption share.
    DecryptionShare,
    /// A secret key share (32-byte big-endian scalar).
    SecretShare,
}

impl Kind {
    /// Whether an encoding of this kind is secret material, written owner-only (`0o600`):
    /// a secret key share, and a decryption share (with enough others it opens a session).
    pub fn is_secret(self) -> bool {
        matches!(self, Kind::SecretShare | Kind::DecryptionShare)
    }
}

fn small_world(backend: BackendKind, seed: u64) -> Result<World> {
    let scheme = Scheme::load("threshold-3of5")?;
    let population = Population {
        users: 6,
        epochs: 1,
        messages_per_session: 2,
        group_share: 0.0,
        conversations: Some(3),
        ..Population::default()
    };
    // The sample world's seed is its own, domain-separated from the seed a suite or an
    // attack runs under: `sample secret-share --seed 42` never hands out a share of the
    // world `escrowlab suite --seed 42` attacks.
    let seed = u64::from_be_bytes(
        crate::seed::derive(seed, "sample-world", &[])[..8]
            .try_into()
            .unwrap_or([0; 8]),
    );
    crate::mechanism::run_world(WorldConfig {
        scheme,
        population,
        seed,
        backend,
    })
}

/// A valid encoding of `kind` from a small seeded world.
///
/// # Errors
/// World construction errors.
pub fn sample(kind: Kind, backend: BackendKind, seed: u64) -> Result<Vec<u8>> {
    let mut world = small_world(backend, seed)?;
    let b = world.backend();
    let s0 = world.transcript.sessions[0].header.clone();
    let warrant = Warrant {
        case_id: "sample".into(),
        targets: vec![s0.sender],
        from_epoch: 0,
        to_epoch: 0,
        issued: world.now,
        expires: world.now + lawful::WARRANT_VALIDITY,
        nonce: [7; 16],
        use_limit: 1,
    };
    let signed = lawful::issue_warrant(&world, warrant)?;
    let request = lawful::build_request(&world, &signed, &[s0.session], "sample", [8; 16]);
    Ok(match kind {
        Kind::Field => world.transcript.sessions[0]
            .field
            .clone()
            .unwrap_or_default(),
        Kind::Warrant => signed.encode(),
        Kind::Request => request,
        Kind::AuditLog => {
            let now = world.now + 1;
            lawful::submit_to(&mut world, &[0], &request, now);
            world.escrow().agents[0].audit.encode()
        }
        Kind::PublicKeySet => world.escrow().keys[&0].clone(),
        Kind::DecryptionShare => {
            let f = world
                .transcript
                .field(s0.session)
                .ok_or_else(|| Error::misuse("sample world has no field"))?;
            let share = world.escrow().agents[0]
                .vault
                .get(0)
                .ok_or_else(|| Error::misuse("no share"))?;
            b.decryption_share(share, &f.te_ct)?
        }
        Kind::SecretShare => world.escrow().agents[0]
            .vault
            .get(0)
            .map(|s| s.0.to_vec())
            .unwrap_or_default(),
    })
}

/// Decodes `bytes` as `kind` and describes it.
///
/// # Errors
/// [`Error::Malformed`] saying what is wrong.
pub fn inspect(kind: Kind, bytes: &[u8], backend: BackendKind) -> Result<String> {
    let b = backend.instance()?;
    Ok(match kind {
        Kind::Field => {
            let f = EscrowField::decode(bytes)?;
            format!(
                "escrow field: key epoch {}, threshold ciphertext {} bytes (valid: {}), wrapped key {} bytes, check {} bytes, signature {} bytes",
                f.key_epoch,
                f.te_ct.len(),
                b.verify_ciphertext(&f.te_ct),
                f.wrapped.len(),
                f.check.len(),
                f.sig.len()
            )
        }
        Kind::Warrant => {
            let w = SignedWarrant::decode(bytes)?;
            format!(
                "warrant {}: case {}, targets {:?}, epochs {}..={}, valid {}..={}, use limit {}, signature {} bytes",
                w.fingerprint(),
                crate::text::escape_for_terminal(&crate::text::echo(&w.warrant.case_id)),
                w.warrant.targets,
                w.warrant.from_epoch,
                w.warrant.to_epoch,
                w.warrant.issued,
                w.warrant.expires,
                w.warrant.use_limit,
                w.signature.len()
            )
        }
        Kind::Request => {
            let r = ShareRequest::decode(bytes)?;
            format!(
                "share request from {:?} under warrant {} for {}",
                r.requester,
                r.warrant.fingerprint(),
                crate::text::count(r.items.len(), "field", "fields")
            )
        }
        Kind::AuditLog => {
            let log = AuditLog::decode(bytes)?;
            let verdict = match crate::escrow::audit::verify(&log, None) {
                Ok(()) => "chain verifies".to_string(),
                Err(t) => format!("TAMPERED: {t}"),
            };
            format!(
                "audit log of agent {}: {} entries, {} granted; {verdict}",
                log.agent(),
                log.len(),
                log.granted_count()
            )
        }
        Kind::PublicKeySet => {
            let k = b.k(bytes)?;
            let pk = b.master_public_key(bytes)?;
            if b.is_identity_key(&pk) {
                return Err(Error::malformed(
                    "public key set",
                    "the master public key is the identity point (point at infinity)",
                ));
            }
            format!(
                "public key set: k = {k}, master key fingerprint {}",
                fingerprint(&pk)
            )
        }
        Kind::DecryptionShare => {
            b.check_decryption_share(bytes)?;
            format!(
                "decryption share: a valid group point, fingerprint {}",
                fingerprint(bytes)
            )
        }
        Kind::SecretShare => {
            let arr: [u8; 32] = bytes.try_into().map_err(|_| {
                Error::malformed(
                    "secret share",
                    format!("expected 32 bytes, found {}", bytes.len()),
                )
            })?;
            let s = Scalar(arr);
            b.check_scalar(&s)?;
            format!(
                "secret share: canonical scalar, fingerprint {} (value never shown)",
                s.fingerprint()
            )
        }
    })
}
