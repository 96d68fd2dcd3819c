//! A renewal as stored: what stays for its whole life (the certificate being renewed, where
//! to renew it, where to save) and its [`Stage`], whose variants hold only their own data, so
//! an impossible combination cannot be written down.
//!
//! ```text
//! Probing ─any answer─▶ Requesting ─200 {uri,pass}─▶ Downloading ─verified─┬─▶ Saving
//!  │ no connection        │ 503/429                    │ 5xx, damaged file │     │ password
//!  ▼                      ▼                            │ (timer, then user)│     ▼ file, .p12
//! Waiting ◀───────────── (nothing issued)        DownloadStuck           │  Registering ─▶ AwaitingImport
//!  │ timer ─▶ Probing     │ timeout, lost, 5xx,        (404, refusal,     │     │ (imported)    │ backup,
//!  ▼ rounds used up       │ redirect, worker died      retries used up)   │     ▼               ▼ login
//! Failed                  ▼                                                │    Done ◀──────────┘
//!                       Uncertain        Held (kept for the                │     ▲
//!                                        administrator)                    │     │ registered
//!   with a companion plan: Importing (if asked) ─▶ BackingUp ──────────────┘     │
//!     both verified ─▶ Registering (nothing in Downloads) ──────────────────────┘
//!     anything refused ─▶ Saving, as without the companion (what it did is carried)
//! ```
//!
//! Stored in the flat shape every release so far wrote (`state`, `issued`, `uri`, `error`, …):
//! records written mid-renewal by an earlier release resume, and an earlier release still
//! reads what this one writes (except the new `held` stage, which it sets aside as it does any
//! entry it cannot read). Decoding checks each stage has its data; a record that does not is
//! set aside (see `stored.rs`), never guessed at.

use serde::{Deserialize, Serialize};

use super::code::Code;
use crate::certificate::CertificateInfo;
use crate::file_name::SavedNames;

/// One certificate's renewal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StoredRecord", into = "StoredRecord")]
pub struct RenewalRecord {
    /// The certificate being renewed (SHA-256 fingerprint).
    pub fingerprint: String,
    /// Its label, for messages.
    pub label: String,
    /// The certificate being renewed, as registered: what the new one is checked against.
    pub current: CertificateInfo,
    /// The renewal endpoint.
    pub api_url: String,
    /// Hosts the administrator allowed to serve the file, as they were at the start.
    pub download_hosts: Vec<String>,
    /// The Downloads sub-folder, as it was at the start (both files go to one place).
    pub folder: String,
    /// When it started (ms).
    pub started_at: i64,
    /// When it last changed (ms).
    pub updated_at: i64,
    /// Started by the worker under the `autoRenew` policy, not by a click.
    pub automatic: bool,
    /// What the companion does once the file is verified, as the policy said at the start.
    pub companion: Option<CompanionPlan>,
    /// Where it stands.
    pub stage: Stage,
}

/// What the administrator's policy has the companion (the native helper) do for a renewal:
/// back the verified file up (always: where is the companion's own administrator setting) and,
/// when `import`, first import it into the computer's own store.
///
/// Unknown fields are ignored both ways: a record of the release before carries
/// `backupFolder` (read, then dropped), and that release reads this one's (its folder absent).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanionPlan {
    /// Import the renewed certificate into the computer's own store.
    #[serde(default)]
    pub import: bool,
}

/// What the companion did before the files were saved in Downloads (it could not do all).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompanionOutcome {
    /// The renewed certificate is in the computer's store, with its private key.
    pub imported: bool,
    /// The checked backup copy of the `.p12`.
    pub backup: Option<String>,
    /// Why the companion could not do all it was asked (said once; the user is guided). Not
    /// set for a backup folder the administrator did not set: that is their choice.
    pub refused: Option<Failure>,
}

/// Where the renewed certificate's files are once it is registered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Copies {
    /// Both files saved in Downloads; what the companion did before, if it was used.
    Downloads {
        /// The saved files.
        files: Files,
        /// What the companion did.
        outcome: CompanionOutcome,
    },
    /// Imported and backed up by the companion, both checked: nothing was written to
    /// Downloads, and the extension keeps nothing of the file or its password.
    Companion {
        /// The checked backup copies (full paths, as the companion wrote them).
        backup: Files,
    },
}

/// Where a renewal stands, each stage with the data it has and nothing else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// A cheap GET to the API origin proves the connection and the client certificate.
    /// Nothing has been sent that could issue a certificate.
    Probing {
        /// Probe + POST rounds, 1 for the first.
        attempt: u32,
    },
    /// The POST may be in flight: from here on a certificate may exist.
    Requesting {
        /// The round.
        attempt: u32,
    },
    /// Nothing was issued (no connection, or 503/429); probed again at `retry_at`.
    Waiting {
        /// The round that failed.
        attempt: u32,
        /// When the next round starts (ms).
        retry_at: i64,
        /// Why.
        reason: Failure,
        /// The tab opened for the certificate picker, if any.
        picker_tab: Option<i64>,
    },
    /// A certificate was issued; its file is fetched with GETs (never another POST).
    Downloading {
        /// Where the file is.
        uri: String,
        /// GETs so far.
        attempt: u32,
        /// The last GET failed; the next is due then.
        retry: Option<Retry>,
    },
    /// The file will not come on its own: the user may GET it again or, confirmed, apply for
    /// a new certificate. The password is kept.
    DownloadStuck {
        /// Where the file is.
        uri: String,
        /// GETs so far.
        attempt: u32,
        /// Why.
        reason: Failure,
    },
    /// The verified file is being saved: the password file first, then the `.p12`.
    Saving {
        /// The new certificate and its file names.
        renewed: Renewed,
        /// The password file's path, once saved.
        password_file: Option<String>,
        /// Tries of the current file.
        attempt: u32,
        /// Saving failed `MAX_SAVE_ATTEMPTS` times: only the user goes on (nothing is lost).
        stuck: bool,
        /// What the companion did before (it could not do all), if it was used.
        outcome: CompanionOutcome,
    },
    /// The file is verified; the companion imports it into the computer's store (the file and
    /// its password are kept, durably, until it answers).
    Importing {
        /// The new certificate.
        renewed: Renewed,
    },
    /// The companion copies the file and its password into the administrator's backup folder
    /// and checks the copy (the secret is kept, durably, until it answers).
    BackingUp {
        /// The new certificate.
        renewed: Renewed,
        /// The import before it succeeded.
        imported: bool,
        /// Why the import before it failed, if it did.
        refused: Option<Failure>,
    },
    /// The files are where they stay; the registration is replaced next.
    Registering {
        /// The new certificate.
        renewed: Renewed,
        /// Where its files are.
        copies: Copies,
    },
    /// Registered: the user is guided to back up and import.
    AwaitingImport {
        /// The new certificate.
        renewed: Renewed,
        /// Where its files are.
        files: Files,
        /// The user's backup copy was checked (the password is wiped).
        backed_up: bool,
        /// When the user was last reminded (ms).
        reminded_at: i64,
        /// What the companion did (why it could not import, said once).
        outcome: CompanionOutcome,
    },
    /// The user logged in with the new certificate, or the companion imported it.
    Done {
        /// The new certificate.
        renewed: Renewed,
        /// Where its files are.
        copies: Copies,
    },
    /// A certificate was issued but its file is not this terminal's renewed certificate, or
    /// its issuer cannot be confirmed. Not registered, not saved where a receptionist would
    /// import it: the password and the file are kept until the administrator exports or
    /// discards them. The current certificate stays in use.
    Held {
        /// Which defect.
        reason: Failure,
        /// What the file says, when it could be read.
        received: Option<Box<CertificateInfo>>,
        /// Where the server said the file is, when it was not fetched (a host not allowed).
        uri: Option<String>,
        /// Where the administrator exported it, once done.
        exported: Option<ExportedFiles>,
    },
    /// The POST was sent but its answer never arrived: a certificate may have been issued.
    /// Only the user, told so, may start again.
    Uncertain {
        /// Why.
        reason: Failure,
        /// The tab opened for the certificate picker, if any.
        picker_tab: Option<i64>,
    },
    /// Stopped.
    Failed {
        /// Why.
        reason: Failure,
        /// A certificate was issued (a new application needs the user's confirmation).
        issued: bool,
        /// The tab opened for the certificate picker, if any.
        picker_tab: Option<i64>,
    },
}

/// Why a renewal waits, is stuck or stopped: its code and the HTTP status, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    /// The stable code (localized by the extension).
    pub code: Code,
    /// The HTTP status, when there was one.
    #[serde(default)]
    pub status: Option<u16>,
}

impl Failure {
    pub(super) fn new(code: Code, status: Option<u16>) -> Self {
        Self { code, status }
    }
}

/// A GET that failed and is tried again on a timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retry {
    /// When (ms).
    pub at: i64,
    /// Why the last one failed.
    pub reason: Failure,
}

/// The verified renewed certificate and the names it is saved under.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Renewed {
    /// What the new certificate says.
    pub certificate: CertificateInfo,
    /// File names, fixed once so a resumed save writes the same ones.
    pub names: SavedNames,
}

/// Both files, saved (full paths, as `chrome.downloads` reports them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Files {
    /// The password text file.
    pub password: String,
    /// The PKCS#12.
    pub p12: String,
}

/// What the administrator exported of a held renewal (full paths).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedFiles {
    /// The password text file.
    pub password: String,
    /// The PKCS#12, when the file was kept (not for one over the size cap).
    #[serde(default)]
    pub p12: Option<String>,
}

/// What the worker keeps secret for a renewal (the password, and the file until saved): it
/// hands it back with every event, and stores or wipes it as the effects say.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Secret {
    /// The renewed file's password.
    pub pass: String,
    /// The downloaded file, until it is saved (or, held, exported).
    #[serde(default)]
    pub file: Option<Vec<u8>>,
}

impl Stage {
    /// Under way: a new start is refused and the certificate may not be removed.
    pub fn is_busy(&self) -> bool {
        match self {
            Self::Probing { .. }
            | Self::Requesting { .. }
            | Self::Waiting { .. }
            | Self::Downloading { .. }
            | Self::DownloadStuck { .. }
            | Self::Saving { .. }
            | Self::Importing { .. }
            | Self::BackingUp { .. }
            | Self::Registering { .. } => true,
            Self::AwaitingImport { .. }
            | Self::Done { .. }
            | Self::Held { .. }
            | Self::Uncertain { .. }
            | Self::Failed { .. } => false,
        }
    }

    /// The new certificate is saved but its import not yet confirmed.
    pub fn awaits_import(&self) -> bool {
        match self {
            Self::AwaitingImport { .. } => true,
            Self::Probing { .. }
            | Self::Requesting { .. }
            | Self::Waiting { .. }
            | Self::Downloading { .. }
            | Self::DownloadStuck { .. }
            | Self::Saving { .. }
            | Self::Importing { .. }
            | Self::BackingUp { .. }
            | Self::Registering { .. }
            | Self::Done { .. }
            | Self::Held { .. }
            | Self::Uncertain { .. }
            | Self::Failed { .. } => false,
        }
    }

    /// A certificate was issued and its secret is still wanted: the worker keeps it (and
    /// keeps it durable, so a closed browser loses nothing) until this is false.
    pub fn keeps_durable_secret(&self) -> bool {
        match self {
            Self::Downloading { .. }
            | Self::DownloadStuck { .. }
            | Self::Saving { .. }
            | Self::Importing { .. }
            | Self::BackingUp { .. }
            | Self::Held { .. } => true,
            Self::Probing { .. }
            | Self::Requesting { .. }
            | Self::Waiting { .. }
            | Self::Registering { .. }
            | Self::AwaitingImport { .. }
            | Self::Done { .. }
            | Self::Uncertain { .. }
            | Self::Failed { .. } => false,
        }
    }

    /// The name stored in `state` (and used by the screens as a class).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Probing { .. } => "probing",
            Self::Requesting { .. } => "requesting",
            Self::Waiting { .. } => "waiting",
            Self::Downloading { .. } | Self::DownloadStuck { .. } => "answered",
            Self::Saving {
                password_file: None,
                ..
            } => "verified",
            Self::Saving {
                password_file: Some(_),
                ..
            } => "passwordSaved",
            Self::Importing { .. } => "importing",
            Self::BackingUp { .. } => "backingUp",
            Self::Registering { .. } => "filesSaved",
            Self::AwaitingImport {
                backed_up: false, ..
            } => "saved",
            Self::AwaitingImport {
                backed_up: true, ..
            } => "backedUp",
            Self::Done { .. } => "done",
            Self::Held { .. } => "held",
            Self::Uncertain { .. } => "uncertain",
            Self::Failed { .. } => "failed",
        }
    }

    /// Why it waits, is stuck or stopped.
    pub fn reason(&self) -> Option<Failure> {
        match self {
            Self::Waiting { reason, .. }
            | Self::DownloadStuck { reason, .. }
            | Self::Held { reason, .. }
            | Self::Uncertain { reason, .. }
            | Self::Failed { reason, .. } => Some(*reason),
            Self::Downloading { retry, .. } => retry.map(|retry| retry.reason),
            Self::Saving { stuck, .. } => stuck.then_some(Failure::new(Code::SaveFailed, None)),
            Self::Probing { .. }
            | Self::Requesting { .. }
            | Self::Importing { .. }
            | Self::BackingUp { .. }
            | Self::Registering { .. }
            | Self::AwaitingImport { .. }
            | Self::Done { .. } => None,
        }
    }

    /// The verified renewed certificate, once there is one.
    pub fn renewed(&self) -> Option<&Renewed> {
        match self {
            Self::Saving { renewed, .. }
            | Self::Importing { renewed }
            | Self::BackingUp { renewed, .. }
            | Self::Registering { renewed, .. }
            | Self::AwaitingImport { renewed, .. }
            | Self::Done { renewed, .. } => Some(renewed),
            Self::Probing { .. }
            | Self::Requesting { .. }
            | Self::Waiting { .. }
            | Self::Downloading { .. }
            | Self::DownloadStuck { .. }
            | Self::Held { .. }
            | Self::Uncertain { .. }
            | Self::Failed { .. } => None,
        }
    }

    /// Whether a certificate was (`Some(true)`), may have been (`None`) or was not issued.
    pub fn issued(&self) -> Option<bool> {
        match self {
            Self::Probing { .. } | Self::Waiting { .. } => Some(false),
            Self::Requesting { .. } | Self::Uncertain { .. } => None,
            Self::Downloading { .. }
            | Self::DownloadStuck { .. }
            | Self::Saving { .. }
            | Self::Importing { .. }
            | Self::BackingUp { .. }
            | Self::Registering { .. }
            | Self::AwaitingImport { .. }
            | Self::Done { .. }
            | Self::Held { .. } => Some(true),
            Self::Failed { issued, .. } => Some(*issued),
        }
    }
}

/// The stored shape: one flat record whose fields each stage uses some of (the shape every
/// earlier release wrote and reads).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredRecord {
    fingerprint: String,
    label: String,
    state: String,
    issued: StoredIssued,
    current: CertificateInfo,
    api_url: String,
    #[serde(default)]
    download_hosts: Vec<String>,
    folder: String,
    attempt: u32,
    #[serde(default)]
    download_attempt: u32,
    #[serde(default)]
    save_attempt: u32,
    started_at: i64,
    updated_at: i64,
    #[serde(default)]
    uri: Option<String>,
    #[serde(default)]
    next_attempt_at: Option<i64>,
    #[serde(default)]
    error: Option<Failure>,
    #[serde(default)]
    renewed: Option<Renewed>,
    #[serde(default)]
    files: StoredFiles,
    #[serde(default)]
    picker_tab_id: Option<i64>,
    #[serde(default)]
    reminded_at: Option<i64>,
    #[serde(default)]
    automatic: bool,
    /// Held only: what the file says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    received: Option<Box<CertificateInfo>>,
    /// Held only: where the administrator exported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exported: Option<ExportedFiles>,
    /// What the companion is to do (fixed at the start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    companion: Option<CompanionPlan>,
    /// The companion imported the renewed certificate.
    #[serde(default, skip_serializing_if = "is_false")]
    imported: bool,
    /// The companion's checked backup copy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    backup_path: Option<String>,
    /// Why the companion could not do all it was asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    companion_error: Option<Failure>,
    /// `files` are the companion's checked backup copies: nothing was saved in Downloads.
    /// (A release before reads them as saved files, and shows the same imported card.)
    #[serde(default, skip_serializing_if = "is_false")]
    only_backed_up: bool,
}

fn is_false(value: &bool) -> bool {
    !value
}

#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum StoredIssued {
    No,
    Maybe,
    Yes,
}

#[derive(Default, Serialize, Deserialize)]
struct StoredFiles {
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    p12: Option<String>,
}

impl From<RenewalRecord> for StoredRecord {
    fn from(record: RenewalRecord) -> Self {
        let state = record.stage.name().to_owned();
        let issued = match record.stage.issued() {
            Some(true) => StoredIssued::Yes,
            Some(false) => StoredIssued::No,
            None => StoredIssued::Maybe,
        };
        let error = record.stage.reason();
        let mut stored = Self {
            fingerprint: record.fingerprint,
            label: record.label,
            state,
            issued,
            current: record.current,
            api_url: record.api_url,
            download_hosts: record.download_hosts,
            folder: record.folder,
            attempt: 1,
            download_attempt: 0,
            save_attempt: 0,
            started_at: record.started_at,
            updated_at: record.updated_at,
            uri: None,
            next_attempt_at: None,
            error,
            renewed: None,
            files: StoredFiles::default(),
            picker_tab_id: None,
            reminded_at: None,
            automatic: record.automatic,
            received: None,
            exported: None,
            companion: record.companion,
            imported: false,
            backup_path: None,
            companion_error: None,
            only_backed_up: false,
        };
        let both = |files: Files| StoredFiles {
            password: Some(files.password),
            p12: Some(files.p12),
        };
        match record.stage {
            Stage::Probing { attempt } | Stage::Requesting { attempt } => {
                stored.attempt = attempt;
            }
            Stage::Waiting {
                attempt,
                retry_at,
                reason: _,
                picker_tab,
            } => {
                stored.attempt = attempt;
                stored.next_attempt_at = Some(retry_at);
                stored.picker_tab_id = picker_tab;
            }
            Stage::Downloading {
                uri,
                attempt,
                retry,
            } => {
                stored.uri = Some(uri);
                stored.download_attempt = attempt;
                stored.next_attempt_at = retry.map(|retry| retry.at);
            }
            Stage::DownloadStuck {
                uri,
                attempt,
                reason: _,
            } => {
                stored.uri = Some(uri);
                stored.download_attempt = attempt;
            }
            Stage::Saving {
                renewed,
                password_file,
                attempt,
                stuck: _,
                outcome,
            } => {
                stored.renewed = Some(renewed);
                stored.files.password = password_file;
                stored.save_attempt = attempt;
                stored.set_outcome(outcome);
            }
            Stage::Importing { renewed } => {
                stored.renewed = Some(renewed);
            }
            Stage::BackingUp {
                renewed,
                imported,
                refused,
            } => {
                stored.renewed = Some(renewed);
                stored.imported = imported;
                stored.companion_error = refused;
            }
            Stage::Registering { renewed, copies } | Stage::Done { renewed, copies } => {
                stored.renewed = Some(renewed);
                match copies {
                    Copies::Downloads { files, outcome } => {
                        stored.files = both(files);
                        stored.set_outcome(outcome);
                    }
                    Copies::Companion { backup } => {
                        stored.backup_path = Some(backup.p12.clone());
                        stored.files = both(backup);
                        stored.imported = true;
                        stored.only_backed_up = true;
                    }
                }
            }
            Stage::AwaitingImport {
                renewed,
                files,
                backed_up: _,
                reminded_at,
                outcome,
            } => {
                stored.renewed = Some(renewed);
                stored.files = both(files);
                stored.reminded_at = Some(reminded_at);
                stored.set_outcome(outcome);
            }
            Stage::Held {
                reason: _,
                received,
                uri,
                exported,
            } => {
                stored.received = received;
                stored.uri = uri;
                stored.exported = exported;
            }
            Stage::Uncertain {
                reason: _,
                picker_tab,
            }
            | Stage::Failed {
                reason: _,
                issued: _,
                picker_tab,
            } => stored.picker_tab_id = picker_tab,
        }
        stored
    }
}

impl TryFrom<StoredRecord> for RenewalRecord {
    type Error = &'static str;

    fn try_from(stored: StoredRecord) -> Result<Self, Self::Error> {
        // One message for every stage without its data: the store sets the entry aside.
        const INCOMPLETE: &str = "a renewal record without the data of its stage";
        let StoredRecord {
            state,
            issued,
            attempt,
            download_attempt,
            save_attempt,
            updated_at,
            uri,
            next_attempt_at,
            error,
            renewed,
            files,
            picker_tab_id,
            reminded_at,
            received,
            exported,
            companion,
            imported,
            backup_path,
            companion_error,
            only_backed_up,
            ..
        } = stored;
        let outcome = CompanionOutcome {
            imported,
            backup: backup_path,
            refused: companion_error,
        };
        let files = match files {
            StoredFiles {
                password: Some(password),
                p12: Some(p12),
            } => Ok(Files { password, p12 }),
            StoredFiles {
                password: password_file,
                ..
            } => Err(password_file),
        };
        let stage = match (state.as_str(), error) {
            ("probing", _) => Stage::Probing { attempt },
            ("requesting", _) => Stage::Requesting { attempt },
            // An earlier release always wrote both; a missing time means "due".
            ("waiting", reason) => Stage::Waiting {
                attempt,
                retry_at: next_attempt_at.unwrap_or(updated_at),
                reason: reason.unwrap_or(Failure::new(Code::ConnectionFailed, None)),
                picker_tab: picker_tab_id,
            },
            // An error with no timer was "stuck" in the flat shape.
            ("answered", Some(reason)) if next_attempt_at.is_none() => Stage::DownloadStuck {
                uri: uri.ok_or(INCOMPLETE)?,
                attempt: download_attempt,
                reason,
            },
            ("answered", reason) => Stage::Downloading {
                uri: uri.ok_or(INCOMPLETE)?,
                attempt: download_attempt,
                retry: next_attempt_at.map(|at| Retry {
                    at,
                    reason: reason.unwrap_or(Failure::new(Code::DownloadFailed, None)),
                }),
            },
            ("verified", reason) => Stage::Saving {
                renewed: renewed.ok_or(INCOMPLETE)?,
                password_file: None,
                attempt: save_attempt,
                stuck: reason.is_some(),
                outcome,
            },
            ("passwordSaved", reason) => Stage::Saving {
                renewed: renewed.ok_or(INCOMPLETE)?,
                password_file: Some(match files {
                    Ok(both) => both.password,
                    Err(password) => password.ok_or(INCOMPLETE)?,
                }),
                attempt: save_attempt,
                stuck: reason.is_some(),
                outcome,
            },
            // The release before asked the companion after both files were saved (its paths
            // are dropped here; those files stay where they are); this one asks before. Either
            // way the file is in the secret: the companion is asked again, and whatever it
            // could not do is saved in Downloads.
            ("importing", _) => Stage::Importing {
                renewed: renewed.ok_or(INCOMPLETE)?,
            },
            ("backingUp", _) => Stage::BackingUp {
                renewed: renewed.ok_or(INCOMPLETE)?,
                imported: outcome.imported,
                refused: outcome.refused,
            },
            ("filesSaved", _) => Stage::Registering {
                renewed: renewed.ok_or(INCOMPLETE)?,
                copies: copies(files, outcome, only_backed_up)?,
            },
            (name @ ("saved" | "backedUp"), _) => Stage::AwaitingImport {
                renewed: renewed.ok_or(INCOMPLETE)?,
                files: files.map_err(|_| INCOMPLETE)?,
                backed_up: name == "backedUp",
                reminded_at: reminded_at.unwrap_or(updated_at),
                outcome,
            },
            ("done", _) => Stage::Done {
                renewed: renewed.ok_or(INCOMPLETE)?,
                copies: copies(files, outcome, only_backed_up)?,
            },
            ("held", Some(reason)) => Stage::Held {
                reason,
                received,
                uri,
                exported,
            },
            ("uncertain", Some(reason)) => Stage::Uncertain {
                reason,
                picker_tab: picker_tab_id,
            },
            ("failed", Some(reason)) => Stage::Failed {
                reason,
                issued: issued != StoredIssued::No,
                picker_tab: picker_tab_id,
            },
            _ => return Err("a renewal stage this version does not know, or without its reason"),
        };
        Ok(Self {
            fingerprint: stored.fingerprint,
            label: stored.label,
            current: stored.current,
            api_url: stored.api_url,
            download_hosts: stored.download_hosts,
            folder: stored.folder,
            started_at: stored.started_at,
            updated_at,
            automatic: stored.automatic,
            companion,
            stage,
        })
    }
}

/// Where a registered renewal's files are, from the flat shape.
fn copies(
    files: Result<Files, Option<String>>,
    outcome: CompanionOutcome,
    only_backed_up: bool,
) -> Result<Copies, &'static str> {
    let files = files.map_err(|_| "a renewal record without the data of its stage")?;
    Ok(if only_backed_up {
        Copies::Companion { backup: files }
    } else {
        Copies::Downloads { files, outcome }
    })
}

impl StoredRecord {
    fn set_outcome(&mut self, outcome: CompanionOutcome) {
        self.imported = outcome.imported;
        self.backup_path = outcome.backup;
        self.companion_error = outcome.refused;
    }
}
