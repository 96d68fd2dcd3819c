//! The backup the popup asks a person for today, done by the companion: the `.p12` and its
//! password file copied into the folder the administrator names (a share on the clinic's NAS,
//! say, with the computer's name in the path), read back and opened with the password before
//! the answer says the backup is good. Nothing half-written stays: a copy that fails its
//! check is removed.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use weborca_cert::RenewalCode as Code;
use weborca_cert::read_certificate_file;
use zeroize::Zeroizing;

use crate::request::{Answer, CompanionError, decode};

/// What to back up, and where.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupRequest {
    /// The `.p12`, base64.
    pub p12: String,
    /// Its password.
    pub password: Zeroizing<String>,
    /// The folder the administrator named (absolute).
    pub folder: String,
    /// The `.p12`'s file name.
    pub p12_name: String,
    /// The password file's name.
    pub password_name: String,
    /// The password file's first line (localized by the extension, naming the `.p12`).
    pub password_header: String,
}

/// Copies, reads back, opens; the paths of the checked copies.
pub fn back_up(request: &BackupRequest) -> Result<Answer, CompanionError> {
    let folder = Path::new(&request.folder);
    if !folder.is_absolute() {
        return Err(CompanionError::with(
            Code::CompanionBackupFolder,
            "the backup folder is not an absolute path",
        ));
    }
    let p12_path = folder.join(plain_name(&request.p12_name)?);
    let password_path = folder.join(plain_name(&request.password_name)?);
    let bytes = Zeroizing::new(decode(&request.p12)?);
    let text = Zeroizing::new(format!(
        "{}\r\n{}\r\n",
        request.password_header,
        request.password.as_str()
    ));
    fs::create_dir_all(folder)
        .map_err(|err| CompanionError::with(Code::CompanionBackupFolder, err.to_string()))?;
    // Only what this call created is ever removed: an earlier backup stays as it was. The
    // same copy already there is this backup asked again (a worker stopped before the answer).
    let p12_created = match write_new_or_same(&p12_path, &bytes) {
        Ok(created) => created,
        Err(err) => {
            return Err(CompanionError::with(
                Code::CompanionBackupFailed,
                err.to_string(),
            ));
        }
    };
    if let Err(err) = write_new_or_same(&password_path, text.as_bytes()) {
        if p12_created {
            remove(&[&p12_path]);
        }
        return Err(CompanionError::with(
            Code::CompanionBackupFailed,
            err.to_string(),
        ));
    }
    // The copy as the share returns it, opened with the password read back from its own file.
    let checked = fs::read(&p12_path)
        .ok()
        .zip(fs::read_to_string(&password_path).ok())
        .is_some_and(|(copy, pass_file)| {
            let copy = Zeroizing::new(copy);
            let pass_file = Zeroizing::new(pass_file);
            let pass = pass_file.lines().nth(1).unwrap_or_default();
            copy.as_slice() == bytes.as_slice()
                && read_certificate_file(&copy, Some(pass), None).is_ok()
        });
    if !checked {
        remove(&[&p12_path, &password_path]);
        return Err(CompanionError::new(Code::CompanionBackupUnreadable));
    }
    Ok(Answer::BackedUp {
        p12_path: p12_path.display().to_string(),
        password_path: password_path.display().to_string(),
    })
}

/// A file name with no folder in it.
fn plain_name(name: &str) -> Result<PathBuf, CompanionError> {
    let path = Path::new(name);
    let plain = path
        .file_name()
        .is_some_and(|file| file == path.as_os_str())
        && !name.contains(['/', '\\'])
        && name != "."
        && name != "..";
    if plain {
        Ok(path.to_path_buf())
    } else {
        Err(CompanionError::new(Code::CompanionMalformedMessage))
    }
}

/// Writes a file that must not exist yet (a backup never replaces an earlier one), unless the
/// same contents are already there; whether it was created now.
fn write_new_or_same(path: &Path, contents: &[u8]) -> std::io::Result<bool> {
    match write_new(path, contents) {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            let same = fs::read(path).is_ok_and(|existing| existing == contents);
            if same { Ok(false) } else { Err(err) }
        }
        Err(err) => Err(err),
    }
}

fn write_new(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

fn remove(paths: &[&Path]) {
    for path in paths {
        let _ = fs::remove_file(path);
    }
}
