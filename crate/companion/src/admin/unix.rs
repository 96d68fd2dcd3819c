//! Unix: a file counts as the administrator's only if it, and the folder it is in (after
//! following links, as it is read), belong to root and nobody else may write them.

use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use weborca_cert::RenewalCode as Code;

use crate::request::CompanionError;

/// Group or others may write.
const WRITABLE_BY_OTHERS: u32 = 0o022;

/// The file's bytes; `None` when there is no such file; refused when someone other than root
/// could have written it or could replace it.
pub(super) fn trusted_bytes(path: &Path) -> Result<Option<Vec<u8>>, CompanionError> {
    let real = match fs::canonicalize(path) {
        Ok(real) => real,
        Err(err) if err.kind() == ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(untrusted(path, &err.to_string())),
    };
    let folder = real.parent().unwrap_or(Path::new("/"));
    for checked in [real.as_path(), folder] {
        let meta = fs::metadata(checked).map_err(|err| untrusted(checked, &err.to_string()))?;
        if meta.uid() != 0 {
            return Err(untrusted(checked, "not owned by root"));
        }
        if meta.mode() & WRITABLE_BY_OTHERS != 0 {
            return Err(untrusted(checked, "writable by group or others"));
        }
    }
    // The link itself (the .deb's `admin.json` → /etc) sits in the install folder, checked the
    // same way, so nobody else can point it elsewhere.
    if real != path {
        if let Some(link_folder) = path.parent() {
            trusted_folder(link_folder)?;
        }
    }
    fs::read(&real)
        .map(Some)
        .map_err(|err| untrusted(&real, &err.to_string()))
}

fn trusted_folder(folder: &Path) -> Result<(), CompanionError> {
    let meta = fs::metadata(folder).map_err(|err| untrusted(folder, &err.to_string()))?;
    if meta.uid() != 0 || meta.mode() & WRITABLE_BY_OTHERS != 0 {
        return Err(untrusted(folder, "not root's alone"));
    }
    Ok(())
}

fn untrusted(path: &Path, why: &str) -> CompanionError {
    CompanionError::with(
        Code::CompanionConfigUntrusted,
        format!("{}: {why}", path.display()),
    )
}
