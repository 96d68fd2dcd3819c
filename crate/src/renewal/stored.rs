//! The stored shape of a renewal record.
//!
//! Stored in the flat shape every release so far wrote (`state`, `issued`, `uri`, `error`, …):
//! records written mid-renewal by an earlier release resume, and an earlier release still
//! reads what this one writes (except the new `held` stage, which it sets aside as it does any
//! entry it cannot read; a signature being checked is `answered` with a flag, which an earlier
//! release reads as a download and GETs again). Decoding checks each stage has its data; a
//! record that does not is set aside (see `crate/src/stored.rs`), never guessed at.

use serde::{Deserialize, Serialize};

use super::code::Code;
use super::record::{CompanionPlan, RenewalRecord};
use super::stage::{
    CompanionOutcome, Copies, ExportedFiles, Failure, Files, Renewed, Retry, Stage,
};
use crate::certificate::CertificateInfo;

/// Each stage's name as stored (`state`) and as the pages read it, written once: here. A
/// name this version does not know (a later release's) fails to decode, and the record is
/// set aside rather than guessed at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StageName {
    /// [`Stage::Probing`].
    Probing,
    /// [`Stage::Requesting`].
    Requesting,
    /// [`Stage::Waiting`].
    Waiting,
    /// [`Stage::Downloading`] and [`Stage::DownloadStuck`] (told apart by the timer), and
    /// [`Stage::CheckingSignature`] (told apart by `checkingSignature`).
    Answered,
    /// [`Stage::Saving`] before the password file is saved.
    Verified,
    /// [`Stage::Saving`] with the password file saved.
    PasswordSaved,
    /// [`Stage::Importing`].
    Importing,
    /// [`Stage::BackingUp`].
    BackingUp,
    /// [`Stage::Registering`].
    FilesSaved,
    /// [`Stage::AwaitingImport`], the backup not checked.
    Saved,
    /// [`Stage::AwaitingImport`], the backup checked.
    BackedUp,
    /// [`Stage::Done`].
    Done,
    /// [`Stage::Held`].
    Held,
    /// [`Stage::Uncertain`].
    Uncertain,
    /// [`Stage::Failed`].
    Failed,
}

/// The stored shape: one flat record whose fields each stage uses some of (the shape every
/// earlier release wrote and reads).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct StoredRecord {
    fingerprint: String,
    label: String,
    state: StageName,
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
    /// `answered`, the file kept and its issuer's signature being checked. (A release before
    /// reads it as a download, GETs the file again and checks it its own way.)
    #[serde(default, skip_serializing_if = "is_false")]
    checking_signature: bool,
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
        let state = record.stage.name();
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
            checking_signature: false,
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
            Stage::CheckingSignature { uri, attempt } => {
                stored.uri = Some(uri);
                stored.download_attempt = attempt;
                stored.checking_signature = true;
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
            checking_signature,
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
        let stage = match (state, error) {
            (StageName::Probing, _) => Stage::Probing { attempt },
            (StageName::Requesting, _) => Stage::Requesting { attempt },
            // An earlier release always wrote both; a missing time means "due".
            (StageName::Waiting, reason) => Stage::Waiting {
                attempt,
                retry_at: next_attempt_at.unwrap_or(updated_at),
                reason: reason.unwrap_or(Failure::new(Code::ConnectionFailed, None)),
                picker_tab: picker_tab_id,
            },
            (StageName::Answered, _) if checking_signature => Stage::CheckingSignature {
                uri: uri.ok_or(INCOMPLETE)?,
                attempt: download_attempt,
            },
            // An error with no timer was "stuck" in the flat shape.
            (StageName::Answered, Some(reason)) if next_attempt_at.is_none() => {
                Stage::DownloadStuck {
                    uri: uri.ok_or(INCOMPLETE)?,
                    attempt: download_attempt,
                    reason,
                }
            }
            (StageName::Answered, reason) => Stage::Downloading {
                uri: uri.ok_or(INCOMPLETE)?,
                attempt: download_attempt,
                retry: next_attempt_at.map(|at| Retry {
                    at,
                    reason: reason.unwrap_or(Failure::new(Code::DownloadFailed, None)),
                }),
            },
            (StageName::Verified, reason) => Stage::Saving {
                renewed: renewed.ok_or(INCOMPLETE)?,
                password_file: None,
                attempt: save_attempt,
                stuck: reason.is_some(),
                outcome,
            },
            (StageName::PasswordSaved, reason) => Stage::Saving {
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
            (StageName::Importing, _) => Stage::Importing {
                renewed: renewed.ok_or(INCOMPLETE)?,
            },
            (StageName::BackingUp, _) => Stage::BackingUp {
                renewed: renewed.ok_or(INCOMPLETE)?,
                imported: outcome.imported,
                refused: outcome.refused,
            },
            (StageName::FilesSaved, _) => Stage::Registering {
                renewed: renewed.ok_or(INCOMPLETE)?,
                copies: copies(files, outcome, only_backed_up)?,
            },
            (name @ (StageName::Saved | StageName::BackedUp), _) => Stage::AwaitingImport {
                renewed: renewed.ok_or(INCOMPLETE)?,
                files: files.map_err(|_| INCOMPLETE)?,
                backed_up: name == StageName::BackedUp,
                reminded_at: reminded_at.unwrap_or(updated_at),
                outcome,
            },
            (StageName::Done, _) => Stage::Done {
                renewed: renewed.ok_or(INCOMPLETE)?,
                copies: copies(files, outcome, only_backed_up)?,
            },
            (StageName::Held, Some(reason)) => Stage::Held {
                reason,
                received,
                uri,
                exported,
            },
            (StageName::Uncertain, Some(reason)) => Stage::Uncertain {
                reason,
                picker_tab: picker_tab_id,
            },
            (StageName::Failed, Some(reason)) => Stage::Failed {
                reason,
                issued: issued != StoredIssued::No,
                picker_tab: picker_tab_id,
            },
            (StageName::Held | StageName::Uncertain | StageName::Failed, None) => {
                return Err("a renewal record that stopped without its reason");
            }
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
