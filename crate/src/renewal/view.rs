//! What the screens show for a renewal, decided here so that the popup and the worker only
//! render it: which card, which actions, whether the password may be shown.

use serde::Serialize;

use super::code::Code;
use super::record::RenewalRecord;
use super::stage::{CompanionOutcome, Copies, ExportedFiles, Failure, Files, Stage};
use super::stored::StageName;
use crate::url::https_authority;

/// A renewal as the popup shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RenewalView {
    /// The certificate being renewed.
    pub fingerprint: String,
    /// Its label.
    pub label: String,
    /// The stage's stored name (the card's class).
    pub stage: StageName,
    /// Which card.
    pub card: Card,
    /// Why it waits, is stuck or stopped.
    pub error: Option<Failure>,
    /// When it goes on by itself (ms).
    pub retry_at: Option<i64>,
    /// The round, the GETs or the save tries so far (for "n 回目").
    pub attempt: u32,
    /// The popup lists it (everything but a renewal that is done).
    pub listed: bool,
    /// What the user may do, in the order shown.
    pub actions: Vec<Action>,
    /// Before 「もう一度申し込む」: the certificate was not received, so say where to check it.
    pub says_where_to_check: bool,
    /// A new application deletes a password kept for an issued certificate: the confirmation
    /// says so.
    pub renew_discards_kept: bool,
    /// Under way: a new start is refused and the certificate may not be removed.
    pub busy: bool,
    /// Saved, its import not yet confirmed.
    pub awaits_import: bool,
    /// 「確認する」 may show the password: while the files are being saved (nothing is lost if
    /// saving fails) and until the backup is checked.
    pub shows_password: bool,
    /// Started by the worker under the `autoRenew` policy.
    pub automatic: bool,
    /// The saved certificate's guide: its expiry and files.
    pub guide: Option<Guide>,
    /// A held certificate, for the administrator.
    pub held: Option<Held>,
    /// What the companion did, when it imported the new certificate.
    pub imported: Option<Imported>,
    /// The certificate-picker tab whose loading retries now (a round waiting on its
    /// connection), for the worker.
    pub retry_on_tab: Option<i64>,
    /// The renewal host's origin, where the certificate picker is opened.
    pub api_origin: Option<String>,
    /// Its files are saved in Downloads (not only in the companion's backup): the folder may
    /// be opened.
    pub saved_in_downloads: bool,
}

/// A renewal the companion finished: the new certificate is in the computer's store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Imported {
    /// When the new certificate ends (ms).
    pub not_after: i64,
    /// The checked backup copy of the `.p12`, when one was made.
    pub backup: Option<String>,
    /// Why the companion could not back it up: said, with the saved files to keep instead.
    pub backup_refused: Option<Failure>,
    /// The files saved in Downloads, to keep, when the companion did not back them up
    /// (`None`: nothing was written to Downloads).
    pub saved: Option<FileNames>,
}

/// The saved files as the receptionist sees them in Downloads: names, not full paths.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileNames {
    /// The `.p12`'s name.
    pub p12: String,
    /// The password file's name.
    pub password: String,
    /// The folder both are in (its name only: a sub-folder of Downloads).
    pub folder: String,
}

impl FileNames {
    fn of(files: &Files) -> Self {
        Self {
            p12: last_part(&files.p12).to_owned(),
            password: last_part(&files.password).to_owned(),
            folder: folder_of(&files.p12).to_owned(),
        }
    }
}

/// Which card the popup shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Card {
    /// 「更新しています…」.
    Progress,
    /// Nothing issued; tried again at `retry_at`.
    Waiting,
    /// The issued file failed to download (or arrived damaged); fetched again at `retry_at`.
    DownloadRetry,
    /// The issued file will not come on its own; the password is kept.
    DownloadStuck,
    /// A file could not be saved; nothing is lost.
    SaveStuck,
    /// The POST's answer never came: a certificate may exist.
    Uncertain,
    /// Stopped.
    Failed,
    /// Issued but held for the administrator; the current certificate still works.
    Held,
    /// Saved: back up, then import.
    Guide,
    /// Imported into the computer by the companion: says what was done, asks nothing.
    Imported,
    /// Imported.
    Done,
}

/// An action the popup offers; each sends its own message to the worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    /// Probe again now (nothing was issued).
    RetryNow,
    /// Open WebORCA in a tab so Chrome shows its certificate picker.
    PickCertificate,
    /// GET the issued file again (never a POST).
    DownloadAgain,
    /// Save the kept file again.
    SaveAgain,
    /// Apply again: nothing was issued.
    RenewAgain,
    /// Apply for a new certificate although one may exist (asks for confirmation).
    RenewConfirmed,
    /// Show the password.
    RevealPassword,
    /// Check the user's backup copy.
    ConfirmBackup,
    /// The user logged in with the new certificate.
    ConfirmImport,
    /// The administrator saves the held files.
    ExportHeld,
    /// The administrator discards the held files (asks for confirmation).
    DiscardHeld,
}

/// The saved certificate's guide.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Guide {
    /// When the new certificate ends (ms).
    pub not_after: i64,
    /// The saved files.
    pub names: FileNames,
    /// The step to show open; the others are folded so the guide fits the popup.
    pub current_step: GuideStep,
    /// The backup copy was checked.
    pub backed_up: bool,
    /// The companion's checked backup copy, when it made one.
    pub backup: Option<String>,
    /// Why the companion could not import (or back up): said once, above the steps.
    pub companion_refused: Option<Failure>,
}

/// A step of the saved certificate's guide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum GuideStep {
    /// See the password, back both files up and have the copy checked.
    Backup,
    /// Import the new certificate into the computer, then log in.
    Import,
}

/// The last part of a path as Chrome reports it (`/` or `\\` between parts).
fn last_part(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// The name of the folder `path` is in.
fn folder_of(path: &str) -> &str {
    let mut parts = path.rsplit(['/', '\\']);
    parts.next();
    parts.next().unwrap_or("")
}

/// What the administrator is shown of a held certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Held {
    /// The received certificate's issuer, when it could be read.
    pub received_issuer: Option<String>,
    /// The current certificate's issuer.
    pub current_issuer: String,
    /// Where the server said the file is, when it was not fetched.
    pub uri: Option<String>,
    /// Where it was exported, once done.
    pub exported: Option<ExportedFiles>,
}

/// The view of `record`.
pub fn view(record: &RenewalRecord) -> RenewalView {
    use Action as A;
    let stage = &record.stage;
    let mut retry_at = None;
    let mut attempt = 0;
    let mut guide = None;
    let mut held = None;
    let mut imported = None;
    let (card, actions) = match stage {
        Stage::Probing { attempt: round } | Stage::Requesting { attempt: round } => {
            attempt = *round;
            (Card::Progress, vec![])
        }
        Stage::Waiting {
            attempt: round,
            retry_at: at,
            reason,
            picker_tab: _,
        } => {
            attempt = *round;
            retry_at = Some(*at);
            (Card::Waiting, with_picker(reason, vec![A::RetryNow]))
        }
        Stage::Downloading {
            retry: None,
            attempt: tries,
            uri: _,
        }
        | Stage::CheckingSignature {
            attempt: tries,
            uri: _,
        }
        | Stage::Saving {
            stuck: false,
            attempt: tries,
            ..
        } => {
            attempt = *tries;
            (Card::Progress, vec![])
        }
        Stage::Downloading {
            retry: Some(retry),
            attempt: tries,
            uri: _,
        } => {
            attempt = *tries;
            retry_at = Some(retry.at);
            (Card::DownloadRetry, vec![A::DownloadAgain])
        }
        Stage::DownloadStuck { attempt: tries, .. } => {
            attempt = *tries;
            (
                Card::DownloadStuck,
                vec![A::DownloadAgain, A::RenewConfirmed],
            )
        }
        Stage::Saving { stuck: true, .. } => {
            (Card::SaveStuck, vec![A::SaveAgain, A::RevealPassword])
        }
        Stage::Importing { .. } | Stage::BackingUp { .. } | Stage::Registering { .. } => {
            (Card::Progress, vec![])
        }
        Stage::AwaitingImport {
            renewed,
            files,
            backed_up,
            reminded_at: _,
            outcome,
        } => {
            guide = Some(Guide {
                not_after: renewed.certificate.not_after,
                names: FileNames::of(files),
                current_step: if *backed_up {
                    GuideStep::Import
                } else {
                    GuideStep::Backup
                },
                backed_up: *backed_up,
                backup: outcome.backup.clone(),
                companion_refused: outcome.refused,
            });
            let actions = if *backed_up {
                vec![A::ConfirmImport]
            } else {
                vec![A::RevealPassword, A::ConfirmBackup, A::ConfirmImport]
            };
            (Card::Guide, actions)
        }
        Stage::Done {
            renewed,
            copies: Copies::Companion { backup },
        } => {
            imported = Some(Imported {
                not_after: renewed.certificate.not_after,
                backup: Some(backup.p12.clone()),
                backup_refused: None,
                saved: None,
            });
            (Card::Imported, vec![])
        }
        Stage::Done {
            renewed,
            copies:
                Copies::Downloads {
                    files,
                    outcome:
                        CompanionOutcome {
                            imported: true,
                            backup,
                            refused,
                        },
                },
        } => {
            imported = Some(Imported {
                not_after: renewed.certificate.not_after,
                backup: backup.clone(),
                // Imported, so a refusal on record is the backup's.
                backup_refused: *refused,
                saved: Some(FileNames::of(files)),
            });
            (Card::Imported, vec![])
        }
        Stage::Done {
            copies:
                Copies::Downloads {
                    outcome:
                        CompanionOutcome {
                            imported: false, ..
                        },
                    ..
                },
            ..
        } => (Card::Done, vec![]),
        Stage::Held {
            reason: _,
            received,
            uri,
            exported,
        } => {
            held = Some(Held {
                received_issuer: received.as_ref().map(|c| c.issuer.clone()),
                uri: uri.clone(),
                current_issuer: record.current.issuer.clone(),
                exported: exported.clone(),
            });
            let actions = match exported {
                None => vec![A::ExportHeld, A::DiscardHeld],
                Some(_) => vec![A::DiscardHeld, A::RenewConfirmed],
            };
            (Card::Held, actions)
        }
        Stage::Uncertain { .. } => (Card::Uncertain, vec![A::RenewConfirmed]),
        Stage::Failed {
            issued: true,
            reason: _,
            picker_tab: _,
        } => (Card::Failed, vec![A::RenewConfirmed]),
        Stage::Failed {
            issued: false,
            reason,
            picker_tab: _,
        } => (Card::Failed, with_picker(reason, vec![A::RenewAgain])),
    };
    let shows_password = match stage {
        Stage::Saving { .. }
        | Stage::Importing { .. }
        | Stage::BackingUp { .. }
        | Stage::AwaitingImport {
            backed_up: false, ..
        } => true,
        Stage::Probing { .. }
        | Stage::Requesting { .. }
        | Stage::Waiting { .. }
        | Stage::Downloading { .. }
        | Stage::CheckingSignature { .. }
        | Stage::DownloadStuck { .. }
        | Stage::Registering { .. }
        | Stage::AwaitingImport {
            backed_up: true, ..
        }
        | Stage::Done { .. }
        | Stage::Held { .. }
        | Stage::Uncertain { .. }
        | Stage::Failed { .. } => false,
    };
    RenewalView {
        fingerprint: record.fingerprint.clone(),
        label: record.label.clone(),
        stage: stage.name(),
        listed: card != Card::Done,
        says_where_to_check: matches!(card, Card::Failed | Card::DownloadStuck),
        renew_discards_kept: matches!(card, Card::DownloadStuck | Card::Held),
        card,
        error: stage.reason(),
        retry_at,
        attempt,
        actions,
        busy: stage.is_busy(),
        awaits_import: stage.awaits_import(),
        shows_password,
        automatic: record.automatic,
        guide,
        held,
        imported,
        retry_on_tab: if let Stage::Waiting { picker_tab, .. } = stage {
            *picker_tab
        } else {
            None
        },
        api_origin: https_authority(&record.api_url).map(|authority| authority.origin()),
        saved_in_downloads: matches!(
            stage,
            Stage::AwaitingImport { .. }
                | Stage::Registering {
                    copies: Copies::Downloads { .. },
                    ..
                }
                | Stage::Done {
                    copies: Copies::Downloads { .. },
                    ..
                }
        ),
    }
}

/// Nothing was issued because the connection failed — perhaps Chrome could not present the
/// certificate without its picker, which the user can open first.
fn with_picker(reason: &Failure, mut actions: Vec<Action>) -> Vec<Action> {
    if matches!(
        reason.code,
        Code::ConnectionFailed | Code::Timeout | Code::AutoNotConnected
    ) {
        actions.insert(0, Action::PickCertificate);
    }
    actions
}

/// Whether the user's backup copy (its SHA-256 fingerprint) is the renewed certificate whose
/// backup is awaited.
pub fn backup_matches(record: &RenewalRecord, copy_fingerprint: &str) -> bool {
    match &record.stage {
        Stage::AwaitingImport {
            renewed,
            backed_up: false,
            ..
        } => renewed.certificate.sha256_fingerprint == copy_fingerprint,
        Stage::Probing { .. }
        | Stage::Requesting { .. }
        | Stage::Waiting { .. }
        | Stage::Downloading { .. }
        | Stage::CheckingSignature { .. }
        | Stage::DownloadStuck { .. }
        | Stage::Saving { .. }
        | Stage::Importing { .. }
        | Stage::BackingUp { .. }
        | Stage::Registering { .. }
        | Stage::AwaitingImport { .. }
        | Stage::Done { .. }
        | Stage::Held { .. }
        | Stage::Uncertain { .. }
        | Stage::Failed { .. } => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certificate::CertificateInfo;
    use crate::file_name::SavedNames;
    use crate::renewal::stage::{CompanionOutcome, Renewed};

    fn certificate(fingerprint: &str) -> CertificateInfo {
        CertificateInfo {
            subject: "CN=client3948,O=u00001294,C=JP".into(),
            common_name: Some("client3948".into()),
            organization: Some("u00001294".into()),
            issuer: "CN=Test CA".into(),
            serial: "01".into(),
            not_before: 0,
            not_after: 1_000,
            sha256_fingerprint: fingerprint.into(),
            key_algorithm: "RSA 2048".into(),
            authority_key_id: None,
            subject_key_id: None,
            issuer_key: None,
        }
    }

    fn awaiting_import(p12: &str, password: &str, backed_up: bool) -> RenewalRecord {
        RenewalRecord {
            fingerprint: "AA".into(),
            label: "受付PC".into(),
            current: certificate("AA"),
            api_url: "https://api.test/api/cert".into(),
            download_hosts: vec![],
            folder: "WebORCA証明書".into(),
            started_at: 0,
            updated_at: 0,
            automatic: false,
            companion: None,
            stage: Stage::AwaitingImport {
                renewed: Renewed {
                    certificate: certificate("BB"),
                    names: SavedNames {
                        p12: "x.p12".into(),
                        password: "x_password.txt".into(),
                    },
                },
                files: Files {
                    password: password.into(),
                    p12: p12.into(),
                },
                backed_up,
                reminded_at: 0,
                outcome: CompanionOutcome::default(),
            },
        }
    }

    #[test]
    fn the_guide_names_the_files_and_their_folder_not_their_full_paths() {
        for (p12, password) in [
            (
                "/home/u/Downloads/WebORCA証明書/1__JP_u1_client1_20290101.p12",
                "/home/u/Downloads/WebORCA証明書/1__JP_u1_client1_20290101_password.txt",
            ),
            (
                r"C:\Users\u\Downloads\WebORCA証明書\1__JP_u1_client1_20290101.p12",
                r"C:\Users\u\Downloads\WebORCA証明書\1__JP_u1_client1_20290101_password.txt",
            ),
        ] {
            let guide = view(&awaiting_import(p12, password, false))
                .guide
                .expect("guide");
            assert_eq!(guide.names.p12, "1__JP_u1_client1_20290101.p12");
            assert_eq!(
                guide.names.password,
                "1__JP_u1_client1_20290101_password.txt"
            );
            assert_eq!(guide.names.folder, "WebORCA証明書");
        }
        let bare = view(&awaiting_import("c.p12", "p.txt", false))
            .guide
            .expect("guide");
        assert_eq!(
            (bare.names.p12.as_str(), bare.names.folder.as_str()),
            ("c.p12", "")
        );
    }

    #[test]
    fn the_open_step_is_the_backup_until_it_is_checked_then_the_import() {
        let open = |backed_up| {
            view(&awaiting_import("/d/c.p12", "/d/p.txt", backed_up))
                .guide
                .expect("guide")
                .current_step
        };
        assert_eq!(open(false), GuideStep::Backup);
        assert_eq!(open(true), GuideStep::Import);
        let json = serde_json::to_value(view(&awaiting_import("/d/c.p12", "/d/p.txt", true)))
            .expect("serializes");
        assert_eq!(json["guide"]["currentStep"], "import");
        assert_eq!(json["guide"]["names"]["p12"], "c.p12");
    }
}
