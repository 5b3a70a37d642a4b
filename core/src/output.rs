//! Writing reports safely (reading the files a user names is `crate::input`).
//!
//! The policy for a file escrowlab writes (`suite --out PATH`, `sample KIND --out PATH`):
//! - **Regular files only.** A `PATH` that exists and is not a regular file (a directory,
//!   a FIFO, a socket, a character or block device) is refused, as is a path that names a
//!   directory (`missing/`, `dir/.`). [`check_writable`] says so before any work starts,
//!   from the file's metadata: nothing is opened to find out, so a FIFO never blocks.
//! - **Symbolic links are followed** when they lead to a regular file: the report replaces
//!   the link's final target (resolved with [`std::fs::canonicalize`]) and the link itself
//!   is left as it was. A dangling link, or one leading to anything but a regular file, is
//!   refused.
//! - **Never a truncated report.** The bytes go to a temporary file
//!   `.escrowlab-report-<pid>-<random>` in the target's own directory, which is flushed,
//!   synced and renamed over the target: a reader sees the old file or the new one. On
//!   every error path the temporary file is removed (dropping a
//!   [`tempfile::NamedTempFile`] deletes it, and a failed rename hands it back to be
//!   dropped).
//! - **Stale temporary files**, left by a run killed before its rename, are removed by the
//!   next write into the same directory once they are older than [`STALE_AFTER`]. A live
//!   writer keeps its temporary file only for one write and sync, far less than that, so a
//!   concurrent run's file is never taken from it.
//! - **Permissions.** A new report gets what any newly created file gets under the user's
//!   umask (`0o666` less the umask: the temporary file is created with mode `0o666` and the
//!   kernel applies the umask); a report replacing an existing file keeps that file's
//!   permissions; secret material ([`Access::OwnerOnly`]) is always `0o600`.

use crate::error::{Error, Result};
use std::fs::{Metadata, Permissions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How old a leftover temporary file must be before a later write removes it.
pub const STALE_AFTER: Duration = Duration::from_secs(10 * 60);

/// The start of every temporary file's name (older versions named theirs
/// `.escrowlab-reportXXXXXX`, which the same prefix covers).
const TEMP_PREFIX: &str = ".escrowlab-report";

/// Who may read a file escrowlab writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// An ordinary report: a new file gets `0o666` less the umask, a replaced file keeps its
    /// permissions.
    Normal,
    /// Secret material (a key share): owner read and write only (`0o600`), always.
    OwnerOnly,
}

fn io(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source,
    }
}

fn refuse(path: &Path, why: &str) -> Error {
    Error::input(format!("--out {}: {why}", path.display()))
}

/// Checks, before any work starts, that a report can be written at `path` (see the module
/// documentation for what is accepted): the file it resolves to is absent or a regular
/// file, and its directory exists and accepts a new file.
///
/// # Errors
/// [`Error::Input`] naming the path and what is wrong with it, or [`Error::Io`].
pub fn check_writable(path: &Path) -> Result<()> {
    let target = resolve(path)?;
    drop(temp_file(&target, Access::OwnerOnly).map_err(|e| io(path, e))?);
    Ok(())
}

/// Writes `bytes` to `path` atomically as an ordinary report ([`Access::Normal`]).
///
/// # Errors
/// As [`write_atomic_with`].
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, bytes, Access::Normal)
}

/// Writes `bytes` to `path` atomically with the permissions `access` gives: an existing
/// file is replaced only by a complete one, and a symbolic link is followed to the regular
/// file it leads to (see the module documentation).
///
/// # Errors
/// [`Error::Input`] when `path` is not a regular file (or a link to one) and no new file
/// can be made there; [`Error::Io`] with the path.
pub fn write_atomic_with(path: &Path, bytes: &[u8], access: Access) -> Result<()> {
    let target = resolve(path)?;
    remove_stale(parent_dir(&target));
    let mut tmp = temp_file(&target, access).map_err(|e| io(path, e))?;
    tmp.write_all(bytes).map_err(|e| io(path, e))?;
    tmp.as_file().sync_all().map_err(|e| io(path, e))?;
    tmp.persist(&target).map_err(|e| io(path, e.error))?;
    Ok(())
}

/// The file a report for `path` goes to: `path` itself when it is absent (in an existing
/// directory) or a regular file, the final target when it is a symbolic link to a regular
/// file. Only metadata is read.
fn resolve(path: &Path) -> Result<PathBuf> {
    if names_a_directory(path) {
        return Err(refuse(path, "names a directory, not a file"));
    }
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound => return new_file(path),
        Err(e) => return Err(io(path, e)),
    };
    if !meta.file_type().is_symlink() {
        return regular(path, &meta, "is").map(|()| path.to_path_buf());
    }
    let target = std::fs::canonicalize(path).map_err(|e| match e.kind() {
        ErrorKind::NotFound => refuse(path, "is a dangling symbolic link"),
        _ => io(path, e),
    })?;
    let meta = std::fs::metadata(&target).map_err(|e| io(path, e))?;
    regular(path, &meta, "is a symbolic link to").map(|()| target)
}

/// Refuses `meta` unless it is a regular file's, saying `path` `relation` what it is.
fn regular(path: &Path, meta: &Metadata, relation: &str) -> Result<()> {
    match crate::input::not_regular(&meta.file_type()) {
        None => Ok(()),
        Some(what) => Err(refuse(
            path,
            &format!("{relation} {what}, not a regular file"),
        )),
    }
}

/// A path that does not exist yet: its directory must.
fn new_file(path: &Path) -> Result<PathBuf> {
    let dir = parent_dir(path);
    if !dir.is_dir() {
        return Err(refuse(
            path,
            &format!("directory {} does not exist", dir.display()),
        ));
    }
    Ok(path.to_path_buf())
}

/// Whether `path` can only name a directory: empty, `/`, `..`, or ending in `/` or `/.`.
fn names_a_directory(path: &Path) -> bool {
    let s = path.as_os_str().as_encoded_bytes();
    path.file_name().is_none() || s.ends_with(b"/") || s.ends_with(b"/.")
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A new temporary file beside `target`, with the permissions `access` gives it (an
/// existing `target`'s own, for [`Access::Normal`]).
fn temp_file(target: &Path, access: Access) -> std::io::Result<tempfile::NamedTempFile> {
    let prefix = format!("{TEMP_PREFIX}-{}-", std::process::id());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    if let Some(p) = creation_permissions(access) {
        builder.permissions(p);
    }
    let tmp = builder.tempfile_in(parent_dir(target))?;
    if access == Access::Normal {
        if let Ok(existing) = std::fs::metadata(target) {
            tmp.as_file().set_permissions(existing.permissions())?;
        }
    }
    Ok(tmp)
}

/// The mode a temporary file is created with (the kernel then applies the umask).
fn creation_permissions(access: Access) -> Option<Permissions> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(Permissions::from_mode(match access {
            Access::Normal => 0o666,
            Access::OwnerOnly => 0o600,
        }))
    }
    #[cfg(not(unix))]
    {
        let _ = access;
        None
    }
}

/// Removes this module's temporary files in `dir` older than [`STALE_AFTER`] (regular
/// files only; best effort: a file that cannot be removed is left).
fn remove_stale(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let ours = e
            .file_name()
            .as_encoded_bytes()
            .starts_with(TEMP_PREFIX.as_bytes());
        // `DirEntry::metadata` does not follow a symbolic link.
        let stale = |m: Metadata| {
            m.is_file()
                && m.modified()
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > STALE_AFTER)
        };
        if ours && e.metadata().is_ok_and(stale) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}
