//! Windows: the backup folder the `.msi`'s `BACKUPFOLDER` property (or Group Policy) wrote to
//! `HKLM\SOFTWARE\WebORCA\Companion`, value `BackupFolder` — a key only administrators can
//! write.
// One registry read: Windows has no safe binding for it. Each block says why it holds.
#![allow(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

use std::ptr;

use weborca_cert::RenewalCode as Code;
use windows_sys::Win32::Foundation::{ERROR_FILE_NOT_FOUND, ERROR_MORE_DATA, ERROR_SUCCESS};
use windows_sys::Win32::System::Registry::{
    HKEY_LOCAL_MACHINE, RRF_NOEXPAND, RRF_RT_REG_SZ, RRF_SUBKEY_WOW6464KEY, RegGetValueW,
};

use crate::request::CompanionError;

/// The key, under `HKEY_LOCAL_MACHINE`.
const KEY: &str = r"SOFTWARE\WebORCA\Companion";
/// The value: a `REG_SZ` path.
const VALUE: &str = "BackupFolder";

/// The `BackupFolder` value, if set: no key or no value is none. Read from the 64-bit view, where
/// the 64-bit `.msi` writes it, whatever this process is. Only a `REG_SZ` counts: a
/// `REG_EXPAND_SZ` is refused, not expanded (`RRF_NOEXPAND`; without it RegGetValueW expands it
/// and returns it as a `REG_SZ`), since its variables would be the user's, whom this setting
/// must not answer to.
pub(super) fn backup_folder() -> Result<Option<String>, CompanionError> {
    let key = wide(KEY);
    let value = wide(VALUE);
    let flags = RRF_RT_REG_SZ | RRF_NOEXPAND | RRF_SUBKEY_WOW6464KEY;
    let mut buffer: Vec<u16> = Vec::new();
    // The size, then the value; again if it grew in between (an administrator writing it).
    for _ in 0..4 {
        let mut size = u32::try_from(buffer.len() * 2).unwrap_or(u32::MAX);
        let data = if buffer.is_empty() {
            ptr::null_mut()
        } else {
            buffer.as_mut_ptr().cast()
        };
        // SAFETY: `key` and `value` are NUL-terminated and outlive the call; `data` is null
        // (asking for the size) or `buffer`, whose `size` bytes the call may write.
        let status = unsafe {
            RegGetValueW(
                HKEY_LOCAL_MACHINE,
                key.as_ptr(),
                value.as_ptr(),
                flags,
                ptr::null_mut(),
                data,
                &mut size,
            )
        };
        match status {
            ERROR_FILE_NOT_FOUND => return Ok(None),
            ERROR_SUCCESS if !buffer.is_empty() => {
                buffer.truncate(size as usize / 2);
                while buffer.last() == Some(&0) {
                    buffer.pop();
                }
                return String::from_utf16(&buffer)
                    .map(Some)
                    .map_err(|_| refused("not a valid string"));
            }
            // The size (with its NUL); one unit more for a value stored without one.
            ERROR_SUCCESS | ERROR_MORE_DATA => buffer = vec![0; size as usize / 2 + 1],
            other => return Err(refused(&format!("error {other}"))),
        }
    }
    Err(refused("it kept changing while being read"))
}

fn refused(why: &str) -> CompanionError {
    CompanionError::with(
        Code::CompanionBackupFolder,
        format!(r"HKLM\{KEY}\{VALUE}: {why}"),
    )
}

fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain([0]).collect()
}
