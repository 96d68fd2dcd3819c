//! Writing into the administrator's folder, shared by the backup and the status: a folder made
//! for its user alone, a file created new (which follows no link) and flushed before anything
//! calls it written, and a file replaced whole through a temporary name beside it.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

/// A file only its user reads (a backup: it holds a key and a password).
pub(crate) const PRIVATE: u32 = 0o600;
/// A file anyone who may enter the folder reads (a status: nothing secret).
pub(crate) const READABLE: u32 = 0o644;

/// `folder`, created for its user alone (0700 on Unix) where it is not there yet; an error if it
/// is there and is not a folder.
pub(crate) fn create_folder(folder: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(folder)?;
    if fs::metadata(folder)?.is_dir() {
        Ok(())
    } else {
        Err(std::io::Error::new(
            ErrorKind::NotADirectory,
            "not a folder",
        ))
    }
}

/// A name beside `path` nobody else uses: the process and the moment, hidden.
pub(crate) fn temporary_beside(path: &Path) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}-{nanos}.part", std::process::id()))
}

/// Creates `path`, which must not exist (creating new follows no link), with `mode` on Unix,
/// flushed to the disk; nothing of it is left if writing fails.
pub(crate) fn write_new(path: &Path, contents: &[u8], mode: u32) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path)?;
    let written = file.write_all(contents).and_then(|()| file.sync_all());
    if written.is_err() {
        remove_quietly(path);
    }
    written
}

/// Writes `bytes` under a temporary name beside `path`, flushed, then renames it over `path`:
/// a reader sees the old file or the new one, never half of either. Renaming replaces a link
/// at `path` itself, never what it points to.
pub fn replace_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = temporary_beside(path);
    let placed = write_new(&temporary, bytes, READABLE).and_then(|()| fs::rename(&temporary, path));
    if placed.is_err() {
        remove_quietly(&temporary);
    }
    placed
}

/// Removes `path` if it is there; what cannot be removed stays, as nothing can be done then.
pub(crate) fn remove_quietly(path: &Path) {
    let _ = fs::remove_file(path);
}
