//! Writing reports without ever leaving a truncated one: a temporary file in the same
//! directory, flushed and synced, then renamed over the target.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

fn io(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Checks, before any work starts, that `path` can be written: its directory exists and
/// accepts a new file, and the path is not a directory.
///
/// # Errors
/// [`Error::Input`] or [`Error::Io`] with the path.
pub fn check_writable(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Err(Error::input(format!(
            "--out {}: is a directory",
            path.display()
        )));
    }
    let dir = parent_dir(path);
    if !dir.is_dir() {
        return Err(Error::input(format!(
            "--out {}: directory {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    let probe = tempfile::Builder::new()
        .prefix(".escrowlab-probe")
        .tempfile_in(dir)
        .map_err(|e| io(path, e))?;
    drop(probe);
    Ok(())
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Writes `bytes` to `path` atomically: an existing file is replaced only by a complete one.
///
/// # Errors
/// [`Error::Io`] with the path.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = parent_dir(path);
    let mut tmp = tempfile::Builder::new()
        .prefix(".escrowlab-report")
        .tempfile_in(dir)
        .map_err(|e| io(path, e))?;
    tmp.write_all(bytes).map_err(|e| io(path, e))?;
    tmp.as_file().sync_all().map_err(|e| io(path, e))?;
    tmp.persist(path).map_err(|e| io(path, e.error))?;
    Ok(())
}
