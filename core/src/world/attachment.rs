//! What a family's design has the sender's client attach to every session it opens, and
//! what the family does at each epoch boundary: the one phase of a mechanism that runs
//! while the traffic is produced rather than on the finished world.
//!
//! The world knows nothing of what is attached: session escrow's field (its threshold
//! ciphertext of the session key, bound to the header) is one [`SessionAttachment`],
//! built by that family's [`Mechanism`](crate::mechanism::Mechanism) and handed to the
//! world when it is built; a family that attaches nothing gets [`Nothing`].

use super::{IdentitySigner, RogueMode};
use crate::detection::Detection;
use crate::error::Result;
use crate::messaging::SessionHeader;
use crate::secret::Key32;
use ed25519_dalek::VerifyingKey;
/// The session's random stream an attachment draws from (re-exported so a family of its own
/// can name it).
pub use rand_chacha::ChaCha20Rng;
use std::any::Any;

/// One session as its sender's client opens it: what an attachment may use.
pub struct Setup<'a> {
    /// The session's header.
    pub header: &'a SessionHeader,
    /// The session key the sender's client generated.
    pub session_key: &'a Key32,
    /// How the sender's client treats the attachment (`None`: honestly).
    pub rogue: Option<RogueMode>,
    /// Does some other member's client check honestly (an honest recipient)?
    pub honest_recipient: bool,
    /// A public key pushed through the update channel and in force for this session.
    pub pushed_key: Option<&'a [u8]>,
    /// Does the client pin the genuine key (ignoring a push)?
    pub pinned: bool,
    /// The sender's identity signer.
    pub(crate) signer: &'a IdentitySigner<'a>,
    /// The sender's identity verifying key (from the directory).
    pub sender_identity: &'a VerifyingKey,
    /// Is the session-level field wanted? `false` when the world escrows the session's
    /// chains in fields of their own (per-chain escrow under `double-ratchet` or
    /// `sender-keys`): the attachment then draws from `rng` exactly as it would and may
    /// return an empty placeholder (`Some(vec![])`) instead of making the field, which
    /// would open nothing.
    pub field_wanted: bool,
}

/// What an attachment produced for one session.
#[derive(Default)]
pub struct Attached {
    /// The bytes the session carries (encoded), if any.
    pub field: Option<Vec<u8>>,
    /// Client-side detections.
    pub detections: Vec<Detection>,
    /// Did an honest recipient reject the session?
    pub rejected: bool,
}

/// What a family attaches to sessions as they are sent, and its epoch boundary.
pub trait SessionAttachment: Send + Sync + std::fmt::Debug + 'static {
    /// A copy (worlds are cloned for every attack cell).
    fn clone_box(&self) -> Box<dyn SessionAttachment>;
    /// For the family's own code to reach its state.
    fn as_any(&self) -> &dyn Any;
    /// For the family's own code to reach its state.
    fn as_any_mut(&mut self) -> &mut dyn Any;
    /// Does the family attach anything to sessions at all (otherwise pushed keys and rogue
    /// clients change nothing)?
    fn active(&self) -> bool;
    /// The epoch boundary (keys created, destroyed, refreshed), before the epoch's traffic.
    ///
    /// # Errors
    /// As the family's key generation.
    fn begin_epoch(&mut self, epoch: u32) -> Result<()>;
    /// What the family's side noticed since it was made or last asked (a share that does
    /// not match its commitment), moved into the world's detections.
    fn take_detections(&mut self) -> Vec<Detection>;
    /// What the sender's client attaches to one session, drawing any randomness from `rng`
    /// (the session's own stream).
    ///
    /// # Errors
    /// As the family's encryption.
    fn attach(&self, setup: &Setup<'_>, rng: &mut ChaCha20Rng) -> Result<Attached>;
    /// What the relay registers a carried field under (the preimage of its fingerprint),
    /// `None` for bytes that are no field of this family.
    fn registry_key(&self, field: &[u8]) -> Option<Vec<u8>>;
}

impl Clone for Box<dyn SessionAttachment> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// A family that attaches nothing to sessions.
#[derive(Clone, Copy, Debug, Default)]
pub struct Nothing;

impl SessionAttachment for Nothing {
    fn clone_box(&self) -> Box<dyn SessionAttachment> {
        Box::new(Nothing)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn active(&self) -> bool {
        false
    }
    fn begin_epoch(&mut self, _: u32) -> Result<()> {
        Ok(())
    }
    fn take_detections(&mut self) -> Vec<Detection> {
        Vec::new()
    }
    fn attach(&self, _: &Setup<'_>, _: &mut ChaCha20Rng) -> Result<Attached> {
        Ok(Attached::default())
    }
    fn registry_key(&self, _: &[u8]) -> Option<Vec<u8>> {
        None
    }
}
