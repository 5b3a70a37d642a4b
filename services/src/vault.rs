//! A vault sealed at rest: an agent's `state.bin` (its vault shares, its checks, the pinned
//! court key) encrypted under a 32-byte key the operator supplies.
//!
//! The sealed file is `ESCV`, a version byte (1), a 12-byte nonce and the state's bytes
//! under ChaCha20-Poly1305. The magic and the version are the associated data, so an altered
//! header fails as an altered body does. Every sealing draws a fresh nonce from the operating
//! system: a sealed file is not part of any report, so nothing here is seeded. The file is
//! written with mode 0600.
//!
//! The key file holds the 32 bytes raw, or as 64 hex digits (a trailing newline allowed). On
//! Unix it must not be readable or writable by group or others (mode 0600 or 0400), as
//! `ssh` demands of a private key.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;
use std::path::Path;
use zeroize::Zeroizing;

/// A sealed vault's first bytes.
pub const MAGIC: &[u8; 4] = b"ESCV";
/// The sealed format's version.
pub const VERSION: u8 = 1;
/// The length of a vault key, in bytes.
pub const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;
const HEADER_LEN: usize = MAGIC.len() + 1;

/// The operator's vault key (zeroized as it drops).
pub struct VaultKey(Zeroizing<[u8; KEY_LEN]>);

impl std::fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VaultKey(..)")
    }
}

impl VaultKey {
    /// A key of these bytes.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> VaultKey {
        VaultKey(Zeroizing::new(bytes))
    }

    /// Reads a key file: 32 raw bytes or 64 hex digits, mode 0600 or stricter on Unix.
    ///
    /// # Errors
    /// A missing file, a file readable by group or others, or one of another length, as text
    /// naming the file.
    pub fn load(path: &Path) -> Result<VaultKey, String> {
        let name = path.display();
        let meta = std::fs::metadata(path).map_err(|e| format!("vault key {name}: {e}"))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(format!(
                    "vault key {name}: mode {mode:04o} lets group or others read it; `chmod 600 {name}`"
                ));
            }
        }
        #[cfg(not(unix))]
        let _ = meta;
        let raw =
            Zeroizing::new(std::fs::read(path).map_err(|e| format!("vault key {name}: {e}"))?);
        let mut key = [0u8; KEY_LEN];
        if raw.len() == KEY_LEN {
            key.copy_from_slice(&raw);
        } else {
            let text = std::str::from_utf8(&raw).map(str::trim).unwrap_or("");
            let decoded = Zeroizing::new(hex::decode(text).unwrap_or_default());
            if decoded.len() != KEY_LEN {
                return Err(format!(
                    "vault key {name}: {} bytes; a vault key is {KEY_LEN} bytes, raw or as {} hex digits",
                    raw.len(),
                    2 * KEY_LEN
                ));
            }
            key.copy_from_slice(&decoded);
        }
        let k = VaultKey::from_bytes(key);
        zeroize::Zeroize::zeroize(&mut key);
        Ok(k)
    }

    /// Draws a new key from the operating system and writes it raw to `path` (mode 0600).
    ///
    /// # Errors
    /// I/O errors, as text.
    pub fn generate(path: &Path) -> Result<VaultKey, String> {
        let mut key = [0u8; KEY_LEN];
        rand::rngs::OsRng.fill_bytes(&mut key);
        let k = VaultKey::from_bytes(key);
        zeroize::Zeroize::zeroize(&mut key);
        crate::files::write_secret(path, k.0.as_slice())
            .map_err(|e| format!("vault key {}: {e}", path.display()))?;
        Ok(k)
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(Key::from_slice(self.0.as_slice()))
    }

    /// Seals `plain` under this key with a fresh nonce.
    pub fn seal(&self, plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let mut out = Vec::with_capacity(HEADER_LEN + NONCE_LEN + plain.len() + 16);
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        let ct = self
            .cipher()
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: &out[..HEADER_LEN],
                },
            )
            .expect("ChaCha20-Poly1305 encrypts any message shorter than 256 GiB");
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// Opens a sealed vault.
    ///
    /// # Errors
    /// Bytes that are not a sealed vault, another format version, or a tag that does not
    /// verify (the wrong key, or an altered file), as text.
    pub fn open(&self, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, String> {
        if sealed.len() < HEADER_LEN + NONCE_LEN + 16 || &sealed[..MAGIC.len()] != MAGIC {
            return Err(
                "not a sealed vault (no `ESCV` header): a state written unsealed, or not a state file"
                    .into(),
            );
        }
        if sealed[MAGIC.len()] != VERSION {
            return Err(format!(
                "sealed vault format {} (this escrowlab reads format {VERSION})",
                sealed[MAGIC.len()]
            ));
        }
        let (header, rest) = sealed.split_at(HEADER_LEN);
        let (nonce, ct) = rest.split_at(NONCE_LEN);
        self.cipher()
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: header,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| {
                "cannot unseal: the wrong vault key, or the sealed file was altered".to_string()
            })
    }
}

/// Seals `plain` under `key` into `path` (mode 0600, written beside and renamed).
///
/// # Errors
/// I/O errors, as text.
pub fn write_sealed(path: &Path, key: &VaultKey, plain: &[u8]) -> Result<(), String> {
    crate::files::write_secret(path, &key.seal(plain))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads and opens the sealed vault at `path`.
///
/// # Errors
/// As [`VaultKey::open`], or I/O errors, as text naming the file.
pub fn read_sealed(path: &Path, key: &VaultKey) -> Result<Zeroizing<Vec<u8>>, String> {
    let sealed = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    key.open(&sealed)
        .map_err(|e| format!("{}: {e}", path.display()))
}
