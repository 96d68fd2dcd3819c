//! The backup the popup asks a person for, done by the companion: the renewed `.p12` and its
//! password file written into the folder the administrator set (`admin.rs`; a share on the
//! clinic's NAS, say), under names the companion makes from the verified certificate, read
//! back and opened with the password before the answer says the backup is good.
//!
//! What a request cannot do: choose the folder, a file name, or any text in the password file
//! but the password itself.
//! What never happens: a file outside the folder (names come from the certificate and carry no
//! separator; each file is created new, which follows no link), an existing file replaced or
//! removed (each is written under a temporary name, then linked into place, which fails if the
//! name is taken), a half-written backup (a failed check removes only what this call made).
//! Files are 0600 and folders this call creates 0700 (Unix); on Windows they inherit the
//! folder's access rules.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use weborca_cert::RenewalCode as Code;
use weborca_cert::{CertificateReport, read_certificate_file, renewed_file_names};
use zeroize::Zeroizing;

use crate::files::{self, PRIVATE, remove_quietly, temporary_beside, write_new};
use crate::request::{Answer, CompanionError};

/// Writes the checked backup of `bytes` (opened with `password`, already read as `report`) into
/// `folder`, on `now` (ms since the epoch, for the date in the names).
pub fn back_up(
    folder: Option<&Path>,
    bytes: &[u8],
    password: &str,
    report: &CertificateReport,
    now: i64,
) -> Result<Answer, CompanionError> {
    let folder = folder.ok_or_else(|| CompanionError::new(Code::CompanionBackupNotSet))?;
    let names = renewed_file_names(&report.certificate, now);
    let p12_path = folder.join(plain_name(&names.p12)?);
    let password_path = folder.join(plain_name(&names.password)?);
    let text = Zeroizing::new(format!(
        "{} のパスワード（証明書と一緒に大切に保管してください） / Password for {}\r\n{password}\r\n",
        names.p12, names.p12
    ));
    create_folder(folder)?;
    let mut written = Written::default();
    let result = written
        .put(&p12_path, bytes)
        .and_then(|()| written.put(&password_path, text.as_bytes()))
        .map_err(|err| CompanionError::with(Code::CompanionBackupFailed, err.to_string()));
    if let Err(err) = result {
        written.undo();
        return Err(err);
    }
    if !copy_opens(&p12_path, &password_path, bytes) {
        written.undo();
        return Err(CompanionError::new(Code::CompanionBackupUnreadable));
    }
    Ok(Answer::BackedUp {
        p12_path: p12_path.display().to_string(),
        password_path: password_path.display().to_string(),
    })
}

/// The administrator's folder, created for its user alone if it is not there yet.
fn create_folder(folder: &Path) -> Result<(), CompanionError> {
    files::create_folder(folder).map_err(|err| {
        CompanionError::with(
            Code::CompanionBackupFolder,
            format!("{}: {err}", folder.display()),
        )
    })
}

/// A file name with no folder in it (the core makes them so; checked again where it counts).
fn plain_name(name: &str) -> Result<&Path, CompanionError> {
    let path = Path::new(name);
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\', ':', '\0'])
        && path
            .file_name()
            .is_some_and(|file| file == path.as_os_str());
    if plain {
        Ok(path)
    } else {
        Err(CompanionError::with(
            Code::CompanionBackupFailed,
            "a backup name is not a plain file name",
        ))
    }
}

/// The files this call put in place, so that a failure removes those and nothing else.
#[derive(Default)]
struct Written {
    created: Vec<PathBuf>,
}

impl Written {
    /// Puts `contents` at `path`, unless the same contents are already there (this backup asked
    /// again after a worker stopped before the answer). Another file under the name stays and
    /// refuses the backup.
    fn put(&mut self, path: &Path, contents: &[u8]) -> std::io::Result<()> {
        let temporary = temporary_beside(path);
        write_new(&temporary, contents, PRIVATE)?;
        let placed = place(&temporary, path, contents);
        remove_quietly(&temporary);
        match placed {
            Ok(()) => {
                self.created.push(path.to_owned());
                Ok(())
            }
            Err(err) if err.kind() == ErrorKind::AlreadyExists => {
                if same_regular_file(path, contents) {
                    Ok(())
                } else {
                    Err(err)
                }
            }
            Err(err) => Err(err),
        }
    }

    /// Removes what this call put in place.
    fn undo(&mut self) {
        for path in self.created.drain(..) {
            remove_quietly(&path);
        }
    }
}

/// Gives the flushed `temporary` its final name without replacing anything: a hard link fails
/// when the name is taken (and never follows a link there). Where the file system has no hard
/// links (some shares): on Linux a rename that refuses to replace (`RENAME_NOREPLACE`);
/// elsewhere `contents` are written under the final name, created new.
fn place(temporary: &Path, path: &Path, contents: &[u8]) -> std::io::Result<()> {
    match fs::hard_link(temporary, path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == ErrorKind::AlreadyExists => Err(err),
        Err(_) => place_without_hard_link(temporary, path, contents),
    }
}

#[cfg(target_os = "linux")]
fn place_without_hard_link(temporary: &Path, path: &Path, _contents: &[u8]) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, temporary, CWD, path, RenameFlags::NOREPLACE).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn place_without_hard_link(_temporary: &Path, path: &Path, contents: &[u8]) -> std::io::Result<()> {
    write_new(path, contents, PRIVATE)
}

/// Whether `path` is a plain file (not a link) holding exactly `contents`.
fn same_regular_file(path: &Path, contents: &[u8]) -> bool {
    fs::symlink_metadata(path).is_ok_and(|meta| meta.is_file())
        && fs::read(path).is_ok_and(|existing| Zeroizing::new(existing).as_slice() == contents)
}

/// The copy as the share returns it, opened with the password read back from its own file.
fn copy_opens(p12_path: &Path, password_path: &Path, bytes: &[u8]) -> bool {
    let copy = fs::read(p12_path).ok().map(Zeroizing::new);
    let pass_file = fs::read_to_string(password_path).ok().map(Zeroizing::new);
    copy.zip(pass_file).is_some_and(|(copy, pass_file)| {
        let pass = pass_file.lines().nth(1).unwrap_or_default();
        copy.as_slice() == bytes && read_certificate_file(&copy, Some(pass), None).is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "weborca-companion-backup-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch");
        dir
    }

    #[test]
    fn a_failed_check_removes_only_what_this_call_wrote_and_an_earlier_backup_stays() {
        let dir = scratch("undo");
        let earlier = dir.join("earlier.p12");
        fs::write(&earlier, b"an earlier backup").expect("earlier");
        let mut written = Written::default();
        written
            .put(&earlier, b"an earlier backup")
            .expect("the same file: kept");
        written.put(&dir.join("new.txt"), b"new").expect("new");
        assert!(
            written.put(&earlier, b"other contents").is_err(),
            "never replaced"
        );
        written.undo();
        assert_eq!(fs::read(&earlier).expect("stays"), b"an earlier backup");
        assert!(!dir.join("new.txt").exists(), "what this call made is gone");
        let leftovers: Vec<_> = fs::read_dir(&dir)
            .expect("list")
            .flatten()
            .map(|entry| entry.file_name())
            .collect();
        assert_eq!(leftovers, ["earlier.p12"], "no temporary file left");
        let _ = fs::remove_dir_all(dir);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_where_a_backup_goes_is_never_followed() {
        let dir = scratch("link");
        let target = dir.join("autostart.desktop");
        std::os::unix::fs::symlink(&target, dir.join("name.p12")).expect("link");
        let mut written = Written::default();
        assert!(written.put(&dir.join("name.p12"), b"contents").is_err());
        assert!(!target.exists(), "nothing written through the link");
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn only_plain_names_pass() {
        for bad in [
            "", ".", "..", ".hidden", "a/b", "a\\b", "/etc/x", "C:x", "a\0b",
        ] {
            assert!(plain_name(bad).is_err(), "{bad:?}");
        }
        assert!(plain_name("103867__JP_u00001294_client3948_20291207.p12").is_ok());
    }
}
