//! Law enforcement's combiner: collects shares, verifies each, dedupes, combines `k`,
//! checks the recovered key with the AEAD tag, derives message keys and reads the
//! warranted messages, naming any agent whose share failed.

use super::field::{unwrap_session_key, EscrowField};
use crate::backend::safe::safe_combine;
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::messaging::SessionHeader;
use crate::secret::Key32;

/// A recovered session key and the agents whose shares were thrown out.
#[derive(Debug, Clone)]
pub struct Recovery {
    /// The session key.
    pub session_key: Key32,
    /// Agents whose share failed verification, with the reason.
    pub rejected: Vec<(usize, String)>,
}

/// Recovers a field's session key from decryption shares.
///
/// With `verify_shares` (every sound scheme) this is [`safe_combine`] followed by the AEAD
/// unwrap. Without it (a deliberately broken combiner) the crate's raw combine is used on
/// the first `k` shares given, as a naive implementation would.
///
/// # Errors
/// As [`safe_combine`]; [`Error::Refused`] (`key-check`) when the unwrap fails.
pub fn recover(
    backend: &dyn Backend,
    public: &[u8],
    n: usize,
    header: &SessionHeader,
    field: &EscrowField,
    shares: &[(usize, Vec<u8>)],
    verify_shares: bool,
) -> Result<Recovery> {
    let unwrap = |w: &[u8]| unwrap_session_key(w, header, field);
    if verify_shares {
        let c = safe_combine(backend, public, n, shares, &field.te_ct, |w| {
            unwrap(w).is_some()
        })?;
        let session_key =
            unwrap(&c.plaintext).ok_or_else(|| Error::refused("key-check", "unwrap failed"))?;
        return Ok(Recovery {
            session_key,
            rejected: c.rejected,
        });
    }
    let k = backend.k(public)?;
    if shares.len() < k {
        return Err(Error::refused(
            "threshold",
            format!("{} shares, {k} needed", shares.len()),
        ));
    }
    let w = backend.combine_raw(public, &shares[..k], &field.te_ct)?;
    let session_key = unwrap(&w).ok_or_else(|| {
        Error::refused("key-check", "the combined key is wrong, and an unverifying combiner cannot say whose share caused it")
    })?;
    Ok(Recovery {
        session_key,
        rejected: Vec::new(),
    })
}
