//! Each terminal's status, in the administrator's folder: what the extension reports of its
//! certificates (names, dates, the renewal's stage and last error, when the import and the
//! backup were verified), written by the companion with who and where it is, one small file
//! per terminal and user, replaced whole (a reader never sees half a file). The folder is the
//! administrator's backup folder (`admin.rs`); a request names none. The report is typed:
//! it has no place for a password, a key or a file, and any field it does not know refuses it.
//!
//! The format (`weborca-terminal-status`, version 1) is documented in the administrator's guide
//! §8 so that an IT vendor's own tools can read it.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};
use weborca_cert::RenewalCode as Code;

use crate::files;
use crate::request::{Answer, CompanionError};

/// The start of every status file's name, directly in the administrator's folder (no folder
/// of its own: a folder inside theirs could be a link someone else put there).
pub const FILE_PREFIX: &str = "weborca-status__";
/// What a status file says it is.
pub const FORMAT: &str = "weborca-terminal-status";
/// Its version: a reader refuses one it does not know.
pub const VERSION: u32 = 1;
/// At most this many certificates per terminal.
const MAX_CERTIFICATES: usize = 32;
/// At most this many characters in any text.
const MAX_TEXT: usize = 300;

/// A short line of text: no control characters, at most [`MAX_TEXT`] characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct Text(String);

impl TryFrom<String> for Text {
    type Error = &'static str;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        if text.chars().count() > MAX_TEXT {
            Err("text too long")
        } else if text.chars().any(char::is_control) {
            Err("control character in text")
        } else {
            Ok(Self(text))
        }
    }
}

impl Text {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What the extension reports of this terminal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TerminalReport {
    /// The extension's version.
    pub extension_version: Text,
    /// Each registered certificate.
    #[serde(deserialize_with = "at_most_certificates")]
    pub certificates: Vec<CertificateStatus>,
}

fn at_most_certificates<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<CertificateStatus>, D::Error> {
    let all = Vec::<CertificateStatus>::deserialize(deserializer)?;
    if all.len() > MAX_CERTIFICATES {
        return Err(serde::de::Error::custom("too many certificates"));
    }
    Ok(all)
}

/// One registered certificate, as the extension knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CertificateStatus {
    /// The name the clinic gave it (受付PC…).
    pub name: Text,
    /// Its subject CN (`client` + digits).
    pub common_name: Option<Text>,
    /// Its serial (hex).
    pub serial: Text,
    /// When it ends (ms since the epoch).
    pub not_after: i64,
    /// Found in the computer's store by the companion, rather than registered from a file.
    pub found_in_store: bool,
    /// Calendar days in Japan left when the status was written (the companion sets it).
    #[serde(default)]
    pub days_left: Option<i64>,
    /// Its renewal, if one was started.
    pub renewal: Option<RenewalStatus>,
}

/// Where a certificate's renewal stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RenewalStatus {
    /// The stage's stored name (`probing`, `done`, `failed`…).
    pub stage: Text,
    /// The last error's code, if any.
    pub error_code: Option<Text>,
    /// Its words, as the terminal showed them.
    pub error_message: Option<Text>,
    /// When the renewed certificate was registered (ms), if it was.
    pub renewed_at: Option<i64>,
    /// When the companion's import was verified (ms), if it was.
    pub imported_at: Option<i64>,
    /// When the companion's backup was verified (ms), if it was.
    pub backed_up_at: Option<i64>,
}

/// A status file as written: who, where, when, and the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`] when written by this version.
    pub version: u32,
    /// The computer's name.
    pub computer: String,
    /// The user the companion runs as.
    pub user: String,
    /// The companion's version.
    pub companion_version: String,
    /// When it was written (ms since the epoch).
    pub written_at: i64,
    /// What the extension reported.
    #[serde(flatten)]
    pub report: TerminalReport,
}

/// Who and where this companion runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Terminal {
    /// The computer's name.
    pub computer: String,
    /// The user's name.
    pub user: String,
}

impl Terminal {
    /// This computer and user, as the system names them.
    pub fn current() -> Self {
        Self {
            computer: computer_name(),
            user: std::env::var("USER")
                .or_else(|_| std::env::var("USERNAME"))
                .unwrap_or_else(|_| "unknown".to_owned()),
        }
    }

    /// The status file's name: `weborca-status__<computer>__<user>__<hash>.json`, characters a
    /// share may refuse as `_`, and a short hash of the names as written so that two terminals
    /// whose names differ only in such characters (受付PC and 会計PC) keep a file each.
    pub fn file_name(&self) -> String {
        let safe = |s: &str| -> String {
            let cleaned: String = s
                .chars()
                .take(64)
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            if cleaned.is_empty() {
                "unknown".to_owned()
            } else {
                cleaned
            }
        };
        let digest = Sha1::digest(format!("{}\0{}", self.computer, self.user).as_bytes());
        let hash: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
        format!(
            "{FILE_PREFIX}{}__{}__{hash}.json",
            safe(&self.computer),
            safe(&self.user)
        )
    }
}

#[cfg(unix)]
fn computer_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|name| name.trim().to_owned())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

#[cfg(not(unix))]
fn computer_name() -> String {
    std::env::var("COMPUTERNAME").unwrap_or_else(|_| "unknown".to_owned())
}

/// Writes `report` for `terminal` into `folder` at `now`, replacing this terminal's earlier
/// file whole, then the page that shows every terminal (`report.rs`). Only the last part of
/// each name is inside the folder, and renaming over it replaces a link there, never what it
/// points to.
pub fn write_status(
    folder: Option<&Path>,
    terminal: &Terminal,
    report: TerminalReport,
    now: i64,
) -> Result<Answer, CompanionError> {
    let folder = folder.ok_or_else(|| CompanionError::new(Code::CompanionBackupNotSet))?;
    let failed =
        |err: std::io::Error| CompanionError::with(Code::CompanionStatusFailed, err.to_string());
    files::create_folder(folder).map_err(failed)?;
    let mut report = report;
    for certificate in &mut report.certificates {
        certificate.days_left = Some(weborca_cert::days_left(certificate.not_after, now));
    }
    let file = StatusFile {
        format: FORMAT.to_owned(),
        version: VERSION,
        computer: terminal.computer.clone(),
        user: terminal.user.clone(),
        companion_version: env!("CARGO_PKG_VERSION").to_owned(),
        written_at: now,
        report,
    };
    let bytes = serde_json::to_vec_pretty(&file)
        .map_err(|err| CompanionError::with(Code::CompanionStatusFailed, err.to_string()))?;
    let path = folder.join(terminal.file_name());
    files::replace_whole(&path, &bytes).map_err(failed)?;
    let page = crate::report::page(&crate::report::read_folder(folder), now);
    files::replace_whole(&folder.join(crate::report::PAGE), page.as_bytes()).map_err(failed)?;
    Ok(Answer::StatusWritten {
        path: path.display().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminals_whose_names_differ_only_in_characters_a_share_refuses_keep_a_file_each() {
        let name = |computer: &str, user: &str| {
            Terminal {
                computer: computer.into(),
                user: user.into(),
            }
            .file_name()
        };
        let reception = name("受付PC", "山田");
        assert_ne!(reception, name("会計PC", "佐藤"));
        assert_eq!(
            reception,
            name("受付PC", "山田"),
            "the same terminal, the same file"
        );
        assert!(
            reception.starts_with(FILE_PREFIX) && reception.ends_with(".json"),
            "{reception}"
        );
        assert!(
            !name("../../etc", "a/b\\c").contains(['/', '\\']),
            "never a folder"
        );
    }

    #[test]
    fn a_report_refuses_long_text_control_characters_and_fields_it_has_no_place_for() {
        let report = |certificate: serde_json::Value| {
            serde_json::from_value::<TerminalReport>(serde_json::json!({
                "extensionVersion": "0.1.0", "certificates": [certificate],
            }))
        };
        let good = serde_json::json!({
            "name": "受付PC", "commonName": "client3948", "serial": "0A", "notAfter": 0,
            "foundInStore": false, "renewal": null,
        });
        assert!(report(good.clone()).is_ok());
        for (key, value) in [
            ("name", serde_json::json!("x".repeat(301))),
            ("name", serde_json::json!("line\nbreak")),
        ] {
            let mut bad = good.clone();
            bad[key] = value;
            assert!(report(bad).is_err(), "{key}");
        }
        let mut extra = good;
        extra["password"] = serde_json::json!("secret");
        assert!(report(extra).is_err());
    }
}
