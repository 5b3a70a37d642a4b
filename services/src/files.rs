//! Files a party writes: secrets with mode 0600, and small files replaced atomically.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to a new file readable and writable by its owner only (mode 0600 on
/// Unix), replacing nothing: the file is written beside and renamed into place.
///
/// # Errors
/// I/O errors.
pub fn write_secret(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_with_mode(path, bytes, 0o600)
}

/// Writes `bytes` to `path` atomically (written beside, then renamed).
///
/// # Errors
/// I/O errors.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_with_mode(path, bytes, 0o644)
}

fn write_with_mode(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = opts.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)
}
