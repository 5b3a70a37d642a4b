//! Reading the files a user names (schemes, suites, `inspect` inputs): one checked reader.
//!
//! A path is looked at with [`std::fs::metadata`] before it is opened, so a FIFO, a
//! device, a directory or a socket is refused at once (opening a FIFO with no writer
//! blocks forever; a device can be endless). Only then is the file opened and read, at
//! most [`MAX_FILE_BYTES`] bytes of it.

use crate::error::{Error, Result};
use crate::limits::MAX_FILE_BYTES;
use std::io::Read;
use std::path::Path;

/// What a file that is not a regular file is, in words, for a message (`None` for a
/// regular file). Shared by the reader here and the writer in [`crate::output`].
pub(crate) fn not_regular(t: &std::fs::FileType) -> Option<&'static str> {
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if t.is_socket() {
            return Some("a socket");
        }
        if t.is_char_device() {
            return Some("a character device");
        }
        if t.is_block_device() {
            return Some("a block device");
        }
    }
    if t.is_symlink() {
        return Some("a symbolic link");
    }
    Some("a special file")
}

/// Reads a file the user named: refuses anything but a regular file (before opening it)
/// and more than [`MAX_FILE_BYTES`] bytes.
///
/// # Errors
/// [`Error::Io`] when the path cannot be read; [`Error::Input`] naming the path and what
/// it is (a FIFO, a directory, ...) or the size limit.
pub fn read_user_file(path: &Path) -> Result<Vec<u8>> {
    let io = |source| Error::Io {
        path: crate::text::echo(&path.display().to_string()),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if let Some(what) = not_regular(&meta.file_type()) {
        return Err(Error::input(format!(
            "{}: is {what}, not a regular file",
            crate::text::echo(&path.display().to_string())
        )));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(path));
    }
    let f = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    f.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    // The file may have grown since it was looked at.
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(path));
    }
    Ok(bytes)
}

fn too_large(path: &Path) -> Error {
    Error::input(format!(
        "{}: file is larger than the limit of {MAX_FILE_BYTES} bytes",
        crate::text::echo(&path.display().to_string())
    ))
}
