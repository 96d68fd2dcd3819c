//! Windows: the backup folder the `.msi`'s `BACKUPFOLDER` property (or Group Policy) wrote to
//! `HKLM\SOFTWARE\WebORCA\Companion`, value `BackupFolder` — a key only administrators can
//! write.

use crate::request::CompanionError;

/// The `BackupFolder` value, if set.
pub(super) fn backup_folder() -> Result<Option<String>, CompanionError> {
    // To do (issue 25): read the registry value.
    Ok(None)
}
