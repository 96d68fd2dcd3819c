//! What the administrator set, read only from places only an administrator can change: the
//! companion answers to them, never to whoever speaks as the extension. A request carries data
//! (a file, its password); where the companion writes and whom it answers come from here.
//!
//! - `weborca-companion.json` beside the binary, written by the package: the extension IDs
//!   allowed to call.
//! - The backup folder: on Linux `admin.json` beside the binary (`{"backupFolder": "/srv/…"}`;
//!   the `.deb` makes it a link to its conffile `/etc/weborca-companion/admin.json`); on
//!   Windows the `BackupFolder` value under `HKLM\SOFTWARE\WebORCA\Companion`, which the `.msi`
//!   writes from its `BACKUPFOLDER` property (or Group Policy sets).
//!
//! On Unix each file, and the folder it is in, must belong to root and be writable by nobody
//! else, or it is not used at all (`companion_config_untrusted`): a file the user could edit
//! would make the user's programs, the extension included, its author. On Windows the install
//! folder under Program Files and HKLM are writable by administrators only.

#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::request::CompanionError;

/// The package's config file's name, beside the executable.
pub const CONFIG_FILE: &str = "weborca-companion.json";
/// The administrator's settings file's name, beside the executable (Unix).
pub const ADMIN_FILE: &str = "admin.json";

/// What the administrator set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Admin {
    /// The extension IDs allowed to call (the store's and the self-hosted edition's).
    pub allowed_extensions: Vec<String>,
    /// Where backups (and nothing else) are written; none: the companion writes no backup.
    pub backup_folder: Option<PathBuf>,
}

/// The package's config file as written.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InstallConfig {
    #[serde(default)]
    allowed_extensions: Vec<String>,
}

/// The administrator's settings file as written (Unix).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(not(unix), allow(dead_code))]
struct AdminFile {
    #[serde(default)]
    backup_folder: Option<String>,
}

/// Reads what the administrator set for the companion installed in `install_dir` (the
/// executable's folder). No config file: nobody may call. A file someone other than an
/// administrator could change: refused whole.
pub fn read(install_dir: &Path) -> Result<Admin, CompanionError> {
    let allowed_extensions = match trusted_bytes(&install_dir.join(CONFIG_FILE))? {
        Some(bytes) => serde_json::from_slice::<InstallConfig>(&bytes)
            .map(|config| config.allowed_extensions)
            .unwrap_or_default(),
        None => Vec::new(),
    };
    Ok(Admin {
        allowed_extensions,
        backup_folder: backup_folder(install_dir)?,
    })
}

/// The administrator's backup folder: absolute, or it is refused.
#[cfg(any(unix, windows))]
fn checked_folder(folder: Option<String>) -> Result<Option<PathBuf>, CompanionError> {
    use weborca_cert::RenewalCode as Code;
    match folder.filter(|folder| !folder.trim().is_empty()) {
        None => Ok(None),
        Some(folder) if Path::new(&folder).is_absolute() => Ok(Some(PathBuf::from(folder))),
        Some(_) => Err(CompanionError::with(
            Code::CompanionBackupFolder,
            "the administrator's backup folder is not an absolute path",
        )),
    }
}

#[cfg(unix)]
fn trusted_bytes(path: &Path) -> Result<Option<Vec<u8>>, CompanionError> {
    unix::trusted_bytes(path)
}

#[cfg(unix)]
fn backup_folder(install_dir: &Path) -> Result<Option<PathBuf>, CompanionError> {
    match unix::trusted_bytes(&install_dir.join(ADMIN_FILE))? {
        None => Ok(None),
        Some(bytes) => {
            let file: AdminFile = serde_json::from_slice(&bytes).map_err(|err| {
                CompanionError::with(
                    weborca_cert::RenewalCode::CompanionBackupFolder,
                    format!("{ADMIN_FILE}: {err}"),
                )
            })?;
            checked_folder(file.backup_folder)
        }
    }
}

#[cfg(windows)]
fn trusted_bytes(path: &Path) -> Result<Option<Vec<u8>>, CompanionError> {
    // Under Program Files: writable by administrators only (the .msi installs it there).
    Ok(std::fs::read(path).ok())
}

#[cfg(windows)]
fn backup_folder(_install_dir: &Path) -> Result<Option<PathBuf>, CompanionError> {
    checked_folder(windows::backup_folder()?)
}

#[cfg(not(any(unix, windows)))]
fn trusted_bytes(_path: &Path) -> Result<Option<Vec<u8>>, CompanionError> {
    Ok(None)
}

#[cfg(not(any(unix, windows)))]
fn backup_folder(_install_dir: &Path) -> Result<Option<PathBuf>, CompanionError> {
    Ok(None)
}
