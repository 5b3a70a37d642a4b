//! Session escrow as what the sender's client attaches to every session: the escrow field
//! (the session key encrypted to the epoch's threshold key, bound to the header), the
//! recipients' check of it, and the escrow side's epoch boundary (keys created, destroyed,
//! refreshed).

use super::field::{EscrowField, FieldEnv};
use super::EscrowSystem;
use crate::detection::Detection;
use crate::error::Result;
use crate::world::attachment::{Attached, SessionAttachment, Setup};
use crate::world::{RogueMode, World};
use rand::Rng;
use rand_chacha::ChaCha20Rng;
use std::any::Any;

impl SessionAttachment for EscrowSystem {
    fn clone_box(&self) -> Box<dyn SessionAttachment> {
        Box::new(self.clone())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn active(&self) -> bool {
        self.has_escrow()
    }
    fn begin_epoch(&mut self, epoch: u32) -> Result<()> {
        EscrowSystem::begin_epoch(self, epoch)
    }
    fn take_detections(&mut self) -> Vec<Detection> {
        std::mem::take(&mut self.detections)
    }
    fn registry_key(&self, field: &[u8]) -> Option<Vec<u8>> {
        EscrowField::decode(field).ok().map(|f| f.te_ct)
    }
    fn attach(&self, setup: &Setup<'_>, rng: &mut ChaCha20Rng) -> Result<Attached> {
        let mut out = Attached::default();
        if !self.has_escrow() {
            return Ok(out);
        }
        let header = setup.header;
        let (session, epoch) = (header.session, header.epoch);
        let ke = self.key_epoch_for(epoch);
        if let Some(mode) = setup.rogue {
            // A rogue sender sends no field or random bytes; an honest recipient's check
            // rejects either (a rogue recipient, cooperating, does not check).
            if setup.honest_recipient {
                out.rejected = true;
                out.detections.push(Detection {
                    control: "recipient-field-check".into(),
                    epoch,
                    detail: format!("session {session}: missing or bogus escrow field"),
                });
            }
            if mode == RogueMode::Garbage {
                let mut g = vec![0u8; 256];
                rng.fill(&mut g[..]);
                out.field = Some(
                    EscrowField {
                        key_epoch: ke,
                        te_ct: g,
                        wrapped: vec![0; 48],
                        check: Vec::new(),
                        sig: Vec::new(),
                    }
                    .encode(),
                );
            }
            return Ok(out);
        }
        if setup.pushed_key.is_some() && setup.pinned {
            out.detections.push(Detection {
                control: "key-pinning".into(),
                epoch,
                detail: format!(
                    "session {session}: pushed escrow key differs from the pinned one; refused"
                ),
            });
        }
        // The key an honest client uses: the genuine key of the epoch, or a key pushed
        // through the update channel, unless the client pins the genuine one.
        let pk = match setup.pushed_key.filter(|_| !setup.pinned) {
            Some(pk) => pk.to_vec(),
            None => match self.keys.get(&ke) {
                Some(pk) => pk.clone(),
                None => return Ok(out),
            },
        };
        let env = FieldEnv {
            backend: self.b(),
            rule: self.rule,
            family_key: &self.family_key,
        };
        let seed: [u8; 32] = rng.gen();
        if !setup.field_wanted {
            // The chains get fields of their own; the stream moved as it would have.
            out.field = Some(Vec::new());
            return Ok(out);
        }
        let f = env.make(header, setup.session_key, ke, &pk, setup.signer, seed)?;
        // Honest recipients check the binding against the key their own client is
        // configured with (the same one the sender used).
        if let Err(e) =
            env.recipient_check(header, setup.session_key, &f, &pk, setup.sender_identity)
        {
            out.rejected = true;
            out.detections.push(Detection {
                control: "recipient-field-check".into(),
                epoch,
                detail: e.to_string(),
            });
        }
        out.field = Some(f.encode());
        Ok(out)
    }
}

/// The escrow side a world's clients attach to (empty for a world whose family attaches
/// something else: no keys, no agents, no court).
impl World {
    /// Session escrow's state in this world.
    pub(crate) fn escrow(&self) -> &EscrowSystem {
        self.attachment
            .as_any()
            .downcast_ref::<EscrowSystem>()
            .unwrap_or_else(|| EscrowSystem::empty())
    }
    /// Session escrow's state in this world, to change (`None` for a world whose family
    /// attaches something else).
    pub(crate) fn escrow_mut(&mut self) -> Option<&mut EscrowSystem> {
        self.attachment.as_any_mut().downcast_mut::<EscrowSystem>()
    }
    /// Submits request bytes to agent `i` at time `now` (`None` when there is no such
    /// agent).
    pub(crate) fn submit_to_agent(
        &mut self,
        i: usize,
        bytes: &[u8],
        now: u64,
    ) -> Option<super::agent::ShareResponse> {
        let World {
            attachment,
            directory,
            registry,
            ..
        } = self;
        let escrow = attachment.as_any_mut().downcast_mut::<EscrowSystem>()?;
        escrow.submit(i, bytes, directory, registry, now)
    }
}
