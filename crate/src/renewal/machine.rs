//! The renewal as a sans-I/O state machine, in the manner of rustls' `Connection`: the worker
//! feeds it events (an HTTP answer, a saved file, a timer, a user's confirmation) and
//! performs the effects it returns (a request, a file to save, a notification, a timer). It
//! never touches the network, storage or a clock: `now` and `jitter` come in. The stages are
//! drawn in `record.rs`; every transition is here, as a `match` on the stage and then the
//! event with no wildcard arm, so a new stage or event does not compile until each pair is
//! decided.
//!
//! The rules it exists for: **at most one POST per renewal the user asked for** (only the
//! probe and an explicit 503/429 are repeated on their own; everything after the POST is sent
//! is resumable without it), **nothing is called done before the new certificate is proven**
//! (`verify_renewed`), and **nothing the server issued is thrown away**: from the answer on,
//! the password (and the file once downloaded) is wiped only after both files are on disk (in
//! Downloads, or in the companion's checked backup with the certificate imported and
//! registered) or by the user's or the administrator's own act. Every step is written down before the next
//! I/O, so a stopped worker or a closed browser resumes where it was.

use serde::{Deserialize, Serialize};

use super::code::Code;
use super::event::Event;
use super::protocol::{
    AnswerError, MAX_ANSWER_BYTES, MAX_FILE_BYTES, MAX_POSTS_WHEN_BUSY, PostFailure, REQUEST_BODY,
    REQUEST_TIMEOUT_MS, post_failure, read_answer, retry_after_ms,
};
use super::record::{
    CompanionOutcome, CompanionPlan, Copies, ExportedFiles, Failure, Files, RenewalRecord, Renewed,
    Retry, Secret, Stage,
};
use super::verify::{Refused, verify_renewed};
use crate::certificate::CertificateInfo;
use crate::file_name::{held_names, renewed_names};
use crate::url::https_authority;

/// Rounds of probe + POST for failures that provably issued nothing, before giving up.
pub(super) const MAX_ATTEMPTS: u32 = 6;
/// GETs of an issued file before asking the user (the GET is safe to repeat).
pub(super) const MAX_DOWNLOAD_ATTEMPTS: u32 = 6;
/// Tries to save one file before asking the user.
pub(super) const MAX_SAVE_ATTEMPTS: u32 = 3;
/// How often a saved certificate that is not yet imported is brought up again.
pub(super) const IMPORT_REMINDER_INTERVAL_MS: i64 = 24 * 3_600_000;
/// Where a held certificate's files go when the administrator exports them, inside the
/// Downloads sub-folder: apart from the files a receptionist is told to import (the worker's
/// fallback for a refused folder name is another ASCII folder, never the import folder).
pub(super) const HELD_FOLDER: &str = "管理者確認用";
/// The largest held file kept in extension storage (as JSON numbers, about 3.5 times its size).
pub(super) const HELD_FILE_CAP: usize = 64 * 1024;
const BACKOFF_BASE_MS: i64 = 30_000;
const BACKOFF_CAP_MS: i64 = 30 * 60_000;

/// What the worker is to do, in order; results come back as events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Effect {
    /// An HTTP request over the browser's mutual TLS, redirects not followed. Its outcome
    /// comes back as [`Event::Response`] or [`Event::NetworkFailed`].
    #[serde(rename_all = "camelCase")]
    Request {
        /// `GET` or `POST`.
        method: &'static str,
        /// Where.
        url: String,
        /// The body to send (the POST's `{}`).
        body: Option<&'static str>,
        /// Read at most this much of the answer (0: the status is all that matters).
        max_bytes: usize,
        /// Give up after this long.
        timeout_ms: u32,
    },
    /// Store the secret, in storage that survives a browser restart when `durable` (from
    /// the answer until both files are on disk, or the companion's backup is registered) or
    /// in memory-only session storage.
    KeepSecret {
        /// What to keep.
        secret: Secret,
        /// Whether it must survive a browser restart.
        durable: bool,
    },
    /// Forget the secret everywhere.
    WipeSecret,
    /// Save the password file (the worker writes a localized first line naming `p12_name`,
    /// then the password), leaving no trace in the download history. Answer with
    /// [`Event::FileSaved`] or [`Event::SaveFailed`].
    #[serde(rename_all = "camelCase")]
    SavePassword {
        /// `folder/name`.
        path: String,
        /// The `.p12` it belongs to.
        p12_name: String,
    },
    /// Save the verified file kept in the secret, likewise.
    SaveP12 {
        /// `folder/name`.
        path: String,
    },
    /// Replace the registration of the certificate being renewed with `certificate` (the
    /// old one goes to history, the label stays), then answer [`Event::Registered`].
    #[serde(rename_all = "camelCase")]
    Register {
        /// The new certificate (boxed: it is by far the largest effect).
        certificate: Box<CertificateInfo>,
        /// The `.p12`'s name.
        file_name: String,
    },
    /// Tell the user.
    Notify {
        /// What about.
        notice: Notice,
    },
    /// Send [`Event::Tick`] at `at` (ms).
    Wake {
        /// When.
        at: i64,
    },
    /// Ask the companion to import the renewed file kept in the secret into the computer's
    /// store. Answer with [`Event::CompanionImported`] or [`Event::CompanionRefused`].
    CompanionImport {
        /// The SHA-256 fingerprint the file must have (verified here).
        fingerprint: String,
    },
    /// Ask the companion to back the renewed file kept in the secret and its password up
    /// into the folder its administrator set (it names the files) and check the copy. Answer
    /// with [`Event::CompanionBackedUp`] or [`Event::CompanionRefused`].
    CompanionBackup {
        /// The SHA-256 fingerprint the file must have (verified here).
        fingerprint: String,
    },
    /// Save a held certificate's files where the administrator looks, not where a
    /// receptionist imports: the password file (as [`Effect::SavePassword`] writes it) and,
    /// when kept, the file. Answer with [`Event::HeldExported`] or [`Event::SaveFailed`].
    #[serde(rename_all = "camelCase")]
    ExportHeld {
        /// `folder/held-folder/name` of the password file.
        password_path: String,
        /// `folder/held-folder/name` of the `.p12`, when the file was kept.
        p12_path: Option<String>,
        /// The `.p12`'s name, for the password file's first line.
        p12_name: String,
    },
}

/// What a notification is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Notice {
    /// The renewal stopped (`error` says why).
    Failed,
    /// A certificate may have been issued without us seeing it.
    Uncertain,
    /// A file could not be saved; the user can try again, nothing is lost.
    SaveFailed,
    /// The downloads stopped; the user can try again, nothing is lost.
    DownloadStuck,
    /// The new certificate is saved and waits to be imported.
    AwaitingImport,
    /// Renewed without a click (`autoRenew`): saved, to be backed up and imported.
    RenewedAutomatically,
    /// A certificate was issued but is held for the administrator; the current one still
    /// works.
    Held,
    /// Renewed and imported into the computer by the companion: nothing is left to do.
    RenewedAndImported,
}

/// The record to store, then the effects to perform in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// What the renewal is now.
    pub record: RenewalRecord,
    /// What to do.
    pub effects: Vec<Effect>,
}

/// What "今すぐ更新" needs to know.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartRequest {
    /// The registered certificate to renew.
    pub current: CertificateInfo,
    /// Its label.
    pub label: String,
    /// The renewal endpoint by the one rule (`certificate_api_url`), if it names one; else
    /// the earlier renewal's, chosen then from its page.
    #[serde(default)]
    pub api_url: Option<String>,
    /// Hosts the administrator allowed to serve the file.
    #[serde(default)]
    pub download_hosts: Vec<String>,
    /// The Downloads sub-folder.
    pub folder: String,
    /// The user confirmed that a new certificate will be issued although one may already
    /// have been (after an uncertain or failed-after-answer renewal).
    #[serde(default)]
    pub confirmed: bool,
    /// Started by the worker under the `autoRenew` policy: a probe that cannot connect
    /// ends it at once (Chrome may be unable to present the certificate without a picker).
    #[serde(default)]
    pub automatic: bool,
    /// What the companion is to do once the file is verified (the policy's), if anything.
    #[serde(default)]
    pub companion: Option<CompanionPlan>,
    /// A renewal record of this certificate was found unreadable and set aside (see
    /// `stored.rs`): it may have issued a certificate, so a new one needs the confirmation.
    #[serde(default)]
    pub earlier_record_unreadable: bool,
}

/// "今すぐ更新": a new renewal and its first effect (the probe), or the code of why not.
pub fn start(
    existing: Option<&RenewalRecord>,
    request: StartRequest,
    now: i64,
) -> Result<Step, Code> {
    let mut effects = Vec::new();
    if (existing.is_some() || request.earlier_record_unreadable) && request.automatic {
        // Checked here, not only by the planner: two plans made at once must not both start.
        return Err(Code::RenewalAlreadyAttempted);
    }
    if existing.is_none() && request.earlier_record_unreadable && !request.confirmed {
        return Err(Code::RenewalNeedsConfirmation);
    }
    let confirmed = || {
        request
            .confirmed
            .then_some(())
            .ok_or(Code::RenewalNeedsConfirmation)
    };
    if let Some(existing) = existing {
        match &existing.stage {
            Stage::Probing { .. }
            | Stage::Requesting { .. }
            | Stage::Waiting { .. }
            | Stage::Downloading { .. }
            | Stage::Saving { .. }
            | Stage::Importing { .. }
            | Stage::BackingUp { .. }
            | Stage::Registering { .. } => return Err(Code::RenewalInProgress),
            Stage::AwaitingImport { .. } => return Err(Code::RenewalAwaitsImport),
            Stage::Held { exported: None, .. } => return Err(Code::RenewalHeld),
            // The user gave up on that file, or the administrator has its files: its
            // password goes now.
            Stage::DownloadStuck { .. }
            | Stage::Held {
                exported: Some(_), ..
            } => {
                confirmed()?;
                effects.push(Effect::WipeSecret);
            }
            Stage::Uncertain { .. } | Stage::Failed { issued: true, .. } => confirmed()?,
            Stage::Failed { issued: false, .. } | Stage::Done { .. } => {}
        }
    }
    let api_url = request
        .api_url
        .or_else(|| existing.map(|earlier| earlier.api_url.clone()))
        .ok_or(Code::NoApiUrl)?;
    let record = RenewalRecord {
        fingerprint: request.current.sha256_fingerprint.clone(),
        label: request.label,
        current: request.current,
        api_url,
        download_hosts: request.download_hosts,
        folder: request.folder,
        started_at: now,
        updated_at: now,
        automatic: request.automatic,
        companion: request.companion,
        stage: Stage::Probing { attempt: 1 },
    };
    effects.push(probe(&record.api_url));
    Ok(Step { record, effects })
}

/// Whether the registered certificate may be removed now; the refusal code if not. A held
/// renewal keeps it too until its files are exported or discarded.
pub fn removal_refused(record: Option<&RenewalRecord>) -> Option<Code> {
    let stage = &record?.stage;
    if stage.is_busy() {
        Some(Code::RenewalInProgress)
    } else if let Stage::Held { exported: None, .. } = stage {
        Some(Code::RenewalHeld)
    } else {
        None
    }
}

/// Delay before attempt `attempt` (1-based) after a failure that may be repeated:
/// exponential from 30 s, capped at 30 min, half fixed and half from `jitter` in [0, 1) so
/// that clients do not retry together. `None` once `max` attempts are used up.
pub(super) fn retry_delay(attempt: u32, max: u32, jitter: f64) -> Option<i64> {
    if attempt >= max {
        return None;
    }
    let exponential = BACKOFF_BASE_MS
        .saturating_mul(1 << attempt.min(20))
        .min(BACKOFF_CAP_MS);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.5
    };
    Some(exponential / 2 + (exponential as f64 / 2.0 * jitter) as i64)
}

/// What `record` becomes after `event` at `now`, and what to do. `secret` is what the worker
/// keeps for this renewal. Events that do not apply to the stage change nothing.
pub fn step(
    mut record: RenewalRecord,
    event: Event,
    secret: Option<&Secret>,
    now: i64,
    jitter: f64,
) -> Step {
    let before = record.stage.clone();
    let mut machine = Machine {
        record: &record,
        secret,
        effects: Vec::new(),
        now,
        jitter,
    };
    let stage = machine.on(before.clone(), event);
    let effects = machine.effects;
    if stage != before {
        record.updated_at = now;
    }
    record.stage = stage;
    Step { record, effects }
}

/// One transition: the renewal's fixed data, the secret, and the effects decided so far.
struct Machine<'a> {
    record: &'a RenewalRecord,
    secret: Option<&'a Secret>,
    effects: Vec<Effect>,
    now: i64,
    jitter: f64,
}

impl Machine<'_> {
    fn on(&mut self, stage: Stage, event: Event) -> Stage {
        use Event as E;
        use Stage as S;
        match stage {
            S::Probing { attempt } => match event {
                // Any HTTP answer proves the connection and the client certificate.
                E::Response { .. } => {
                    self.effects.push(Effect::Request {
                        method: "POST",
                        url: self.record.api_url.clone(),
                        body: Some(REQUEST_BODY),
                        max_bytes: MAX_ANSWER_BYTES,
                        timeout_ms: REQUEST_TIMEOUT_MS,
                    });
                    S::Requesting { attempt }
                }
                // Nothing was sent. Without the AutoSelectCertificateForUrls policy Chrome
                // fails at once here: say so once, and leave the banner's path to the user.
                E::NetworkFailed { .. } if self.record.automatic => {
                    self.fail(Code::AutoNotConnected, None, false)
                }
                E::NetworkFailed { timeout } => {
                    let code = if timeout {
                        Code::Timeout
                    } else {
                        Code::ConnectionFailed
                    };
                    self.wait_or_fail(attempt, Failure::new(code, None))
                }
                E::WorkerStarted => {
                    self.wipe_leftover_secret(); // an abandoned renewal's, if `start` was cut short
                    self.effects.push(probe(&self.record.api_url));
                    S::Probing { attempt }
                }
                E::Tick
                | E::RetryNow
                | E::FileSaved { .. }
                | E::SaveFailed
                | E::Registered
                | E::PickerOpened { .. }
                | E::BackupConfirmed
                | E::ImportConfirmed
                | E::ExportHeld
                | E::HeldExported { .. }
                | E::DiscardHeld
                | E::CompanionImported
                | E::CompanionBackedUp { .. }
                | E::CompanionRefused { .. } => S::Probing { attempt },
            },
            S::Requesting { attempt } => match event {
                E::Response {
                    status,
                    redirected,
                    body,
                    too_large,
                    retry_after,
                } => self.on_answer(
                    attempt,
                    (status, retry_after.as_deref()),
                    redirected,
                    &body,
                    too_large,
                ),
                // Sent (the probe proved the connection) but unanswered: it may have issued.
                E::NetworkFailed { timeout } => {
                    let code = if timeout {
                        Code::Timeout
                    } else {
                        Code::ConnectionLost
                    };
                    self.uncertain(code, None)
                }
                E::WorkerStarted => self.uncertain(Code::Interrupted, None),
                E::Tick
                | E::RetryNow
                | E::FileSaved { .. }
                | E::SaveFailed
                | E::Registered
                | E::PickerOpened { .. }
                | E::BackupConfirmed
                | E::ImportConfirmed
                | E::ExportHeld
                | E::HeldExported { .. }
                | E::DiscardHeld
                | E::CompanionImported
                | E::CompanionBackedUp { .. }
                | E::CompanionRefused { .. } => S::Requesting { attempt },
            },
            S::Waiting {
                attempt,
                retry_at,
                reason,
                picker_tab,
            } => match event {
                E::Tick if retry_at <= self.now => self.probe_again(attempt),
                E::RetryNow => self.probe_again(attempt),
                E::WorkerStarted => {
                    self.effects.push(Effect::Wake { at: retry_at });
                    S::Waiting {
                        attempt,
                        retry_at,
                        reason,
                        picker_tab,
                    }
                }
                E::PickerOpened { tab_id } => S::Waiting {
                    attempt,
                    retry_at,
                    reason,
                    picker_tab: Some(tab_id),
                },
                E::Tick
                | E::Response { .. }
                | E::NetworkFailed { .. }
                | E::FileSaved { .. }
                | E::SaveFailed
                | E::Registered
                | E::BackupConfirmed
                | E::ImportConfirmed
                | E::ExportHeld
                | E::HeldExported { .. }
                | E::DiscardHeld
                | E::CompanionImported
                | E::CompanionBackedUp { .. }
                | E::CompanionRefused { .. } => S::Waiting {
                    attempt,
                    retry_at,
                    reason,
                    picker_tab,
                },
            },
            S::Downloading {
                uri,
                attempt,
                retry,
            } => match event {
                E::Response {
                    status,
                    redirected,
                    body,
                    too_large,
                    retry_after: _,
                } => self.on_download(uri, attempt, status, redirected, &body, too_large),
                E::NetworkFailed { timeout } => {
                    let code = if timeout {
                        Code::Timeout
                    } else {
                        Code::ConnectionFailed
                    };
                    self.download_later(uri, attempt, Failure::new(code, None))
                }
                E::WorkerStarted => match retry {
                    Some(Retry { at, .. }) if at > self.now => {
                        self.effects.push(Effect::Wake { at });
                        S::Downloading {
                            uri,
                            attempt,
                            retry,
                        }
                    }
                    Some(_) | None => self.get(uri, attempt),
                },
                // The user asks: a fresh count of GETs.
                E::RetryNow => self.get(uri, 0),
                E::Tick if retry.is_some_and(|retry| retry.at <= self.now) => {
                    self.get(uri, attempt)
                }
                E::Tick
                | E::FileSaved { .. }
                | E::SaveFailed
                | E::Registered
                | E::PickerOpened { .. }
                | E::BackupConfirmed
                | E::ImportConfirmed
                | E::ExportHeld
                | E::HeldExported { .. }
                | E::DiscardHeld
                | E::CompanionImported
                | E::CompanionBackedUp { .. }
                | E::CompanionRefused { .. } => S::Downloading {
                    uri,
                    attempt,
                    retry,
                },
            },
            // Only the user goes on: the GET again, or (confirmed, through `start`) a new
            // application.
            S::DownloadStuck {
                uri,
                attempt,
                reason,
            } => match event {
                E::RetryNow => self.get(uri, 0),
                E::WorkerStarted
                | E::Tick
                | E::Response { .. }
                | E::NetworkFailed { .. }
                | E::FileSaved { .. }
                | E::SaveFailed
                | E::Registered
                | E::PickerOpened { .. }
                | E::BackupConfirmed
                | E::ImportConfirmed
                | E::ExportHeld
                | E::HeldExported { .. }
                | E::DiscardHeld
                | E::CompanionImported
                | E::CompanionBackedUp { .. }
                | E::CompanionRefused { .. } => S::DownloadStuck {
                    uri,
                    attempt,
                    reason,
                },
            },
            S::Saving {
                renewed,
                password_file,
                attempt,
                stuck,
                outcome,
            } => match event {
                E::FileSaved { path } => match password_file {
                    None => self.save(renewed, Some(path), 0, outcome),
                    Some(password) => self.files_saved(
                        renewed,
                        Files {
                            password,
                            p12: path,
                        },
                        outcome,
                    ),
                },
                E::SaveFailed if attempt + 1 < MAX_SAVE_ATTEMPTS => {
                    self.save(renewed, password_file, attempt + 1, outcome)
                }
                E::SaveFailed => {
                    // Nothing is lost: the secret stays; the user is asked to try again.
                    self.notify(Notice::SaveFailed);
                    S::Saving {
                        renewed,
                        password_file,
                        attempt: attempt + 1,
                        stuck: true,
                        outcome,
                    }
                }
                E::WorkerStarted if !stuck => self.save(renewed, password_file, attempt, outcome),
                E::RetryNow => self.save(renewed, password_file, 0, outcome),
                E::WorkerStarted
                | E::Tick
                | E::Response { .. }
                | E::NetworkFailed { .. }
                | E::Registered
                | E::PickerOpened { .. }
                | E::BackupConfirmed
                | E::ImportConfirmed
                | E::ExportHeld
                | E::HeldExported { .. }
                | E::DiscardHeld
                | E::CompanionImported
                | E::CompanionBackedUp { .. }
                | E::CompanionRefused { .. } => S::Saving {
                    renewed,
                    password_file,
                    attempt,
                    stuck,
                    outcome,
                },
            },
            S::Importing { renewed } => match event {
                E::CompanionImported => self.back_up(renewed, true, None),
                E::CompanionRefused { code } => {
                    self.back_up(renewed, false, Some(Failure::new(code, None)))
                }
                // Importing the same file again leaves one copy: a stopped worker asks again.
                E::WorkerStarted | E::RetryNow => self.import(renewed),
                E::Tick
                | E::Response { .. }
                | E::NetworkFailed { .. }
                | E::FileSaved { .. }
                | E::SaveFailed
                | E::Registered
                | E::PickerOpened { .. }
                | E::BackupConfirmed
                | E::ImportConfirmed
                | E::ExportHeld
                | E::HeldExported { .. }
                | E::DiscardHeld
                | E::CompanionBackedUp { .. } => S::Importing { renewed },
            },
            S::BackingUp {
                renewed,
                imported,
                refused,
            } => match event {
                // Imported and backed up, both checked: nothing goes to Downloads. The secret
                // stays until the registration is replaced.
                E::CompanionBackedUp {
                    path,
                    password_path: Some(password),
                } if imported => {
                    let backup = Files {
                        password,
                        p12: path,
                    };
                    self.register(renewed, Copies::Companion { backup })
                }
                // Backed up but not imported: the files go to Downloads for the person who
                // imports them, as without the companion.
                E::CompanionBackedUp { path, .. } => {
                    let outcome = CompanionOutcome {
                        imported,
                        backup: Some(path),
                        refused,
                    };
                    self.save(renewed, None, 0, outcome)
                }
                E::CompanionRefused { code } => {
                    // No folder set is the administrator's choice, not a failure to report.
                    let said = match code {
                        Code::CompanionBackupNotSet => None,
                        other => Some(Failure::new(other, None)),
                    };
                    let outcome = CompanionOutcome {
                        imported,
                        backup: None,
                        refused: refused.or(said),
                    };
                    self.save(renewed, None, 0, outcome)
                }
                // The same copy again is accepted as done: a stopped worker asks again.
                E::WorkerStarted | E::RetryNow => self.back_up(renewed, imported, refused),
                E::Tick
                | E::Response { .. }
                | E::NetworkFailed { .. }
                | E::FileSaved { .. }
                | E::SaveFailed
                | E::Registered
                | E::PickerOpened { .. }
                | E::BackupConfirmed
                | E::ImportConfirmed
                | E::ExportHeld
                | E::HeldExported { .. }
                | E::DiscardHeld
                | E::CompanionImported => S::BackingUp {
                    renewed,
                    imported,
                    refused,
                },
            },
            S::Registering { renewed, copies } => match (event, copies) {
                // Imported by the companion: nothing is left for anyone to do.
                (E::Registered, copies @ Copies::Companion { .. })
                | (
                    E::Registered,
                    copies @ Copies::Downloads {
                        outcome: CompanionOutcome { imported: true, .. },
                        ..
                    },
                ) => {
                    self.effects.push(Effect::WipeSecret);
                    self.notify(Notice::RenewedAndImported);
                    S::Done { renewed, copies }
                }
                (E::Registered, Copies::Downloads { files, outcome }) => {
                    self.notify(if self.record.automatic {
                        Notice::RenewedAutomatically
                    } else {
                        Notice::AwaitingImport
                    });
                    S::AwaitingImport {
                        renewed,
                        files,
                        backed_up: outcome.backup.is_some(),
                        reminded_at: self.now,
                        outcome,
                    }
                }
                (E::WorkerStarted | E::RetryNow, copies) => {
                    // A worker stopped before the password left durable storage moves it now
                    // (with the companion's backup, it goes once registered).
                    if let Copies::Downloads { .. } = copies {
                        self.keep_password_in_session();
                    }
                    self.register(renewed, copies)
                }
                (
                    E::Tick
                    | E::Response { .. }
                    | E::NetworkFailed { .. }
                    | E::FileSaved { .. }
                    | E::SaveFailed
                    | E::PickerOpened { .. }
                    | E::BackupConfirmed
                    | E::ImportConfirmed
                    | E::ExportHeld
                    | E::HeldExported { .. }
                    | E::DiscardHeld
                    | E::CompanionImported
                    | E::CompanionBackedUp { .. }
                    | E::CompanionRefused { .. },
                    copies,
                ) => S::Registering { renewed, copies },
            },
            S::AwaitingImport {
                renewed,
                files,
                backed_up,
                reminded_at,
                outcome,
            } => match event {
                E::Tick if self.now >= reminded_at.saturating_add(IMPORT_REMINDER_INTERVAL_MS) => {
                    self.notify(Notice::AwaitingImport);
                    S::AwaitingImport {
                        renewed,
                        files,
                        backed_up,
                        reminded_at: self.now,
                        outcome,
                    }
                }
                E::BackupConfirmed if !backed_up => {
                    self.effects.push(Effect::WipeSecret);
                    S::AwaitingImport {
                        renewed,
                        files,
                        backed_up: true,
                        reminded_at,
                        outcome,
                    }
                }
                E::ImportConfirmed => {
                    self.effects.push(Effect::WipeSecret);
                    S::Done {
                        renewed,
                        copies: Copies::Downloads { files, outcome },
                    }
                }
                E::WorkerStarted => {
                    if backed_up {
                        self.wipe_leftover_secret();
                    } else {
                        self.keep_password_in_session();
                    }
                    S::AwaitingImport {
                        renewed,
                        files,
                        backed_up,
                        reminded_at,
                        outcome,
                    }
                }
                E::Tick
                | E::BackupConfirmed
                | E::RetryNow
                | E::Response { .. }
                | E::NetworkFailed { .. }
                | E::FileSaved { .. }
                | E::SaveFailed
                | E::Registered
                | E::PickerOpened { .. }
                | E::ExportHeld
                | E::HeldExported { .. }
                | E::DiscardHeld
                | E::CompanionImported
                | E::CompanionBackedUp { .. }
                | E::CompanionRefused { .. } => S::AwaitingImport {
                    renewed,
                    files,
                    backed_up,
                    reminded_at,
                    outcome,
                },
            },
            S::Done { renewed, copies } => match event {
                E::WorkerStarted => {
                    self.wipe_leftover_secret();
                    S::Done { renewed, copies }
                }
                E::Tick
                | E::RetryNow
                | E::Response { .. }
                | E::NetworkFailed { .. }
                | E::FileSaved { .. }
                | E::SaveFailed
                | E::Registered
                | E::PickerOpened { .. }
                | E::BackupConfirmed
                | E::ImportConfirmed
                | E::ExportHeld
                | E::HeldExported { .. }
                | E::DiscardHeld
                | E::CompanionImported
                | E::CompanionBackedUp { .. }
                | E::CompanionRefused { .. } => S::Done { renewed, copies },
            },
            S::Held {
                reason,
                received,
                uri,
                exported,
            } => match event {
                E::ExportHeld => match self.export_held(received.as_deref()) {
                    Some(lost) => lost,
                    None => S::Held {
                        reason,
                        received,
                        uri,
                        exported,
                    },
                },
                E::HeldExported { path, p12_path } => S::Held {
                    reason,
                    received,
                    uri,
                    exported: Some(ExportedFiles {
                        password: path,
                        p12: p12_path,
                    }),
                },
                // The administrator's act: the secret goes, the record says what was issued.
                E::DiscardHeld => {
                    self.effects.push(Effect::WipeSecret);
                    S::Failed {
                        reason,
                        issued: true,
                        picker_tab: None,
                    }
                }
                // The export could not be saved: said at once, the files stay kept.
                E::SaveFailed => {
                    self.notify(Notice::SaveFailed);
                    S::Held {
                        reason,
                        received,
                        uri,
                        exported,
                    }
                }
                E::WorkerStarted
                | E::Tick
                | E::RetryNow
                | E::Response { .. }
                | E::NetworkFailed { .. }
                | E::FileSaved { .. }
                | E::Registered
                | E::PickerOpened { .. }
                | E::BackupConfirmed
                | E::ImportConfirmed
                | E::CompanionImported
                | E::CompanionBackedUp { .. }
                | E::CompanionRefused { .. } => S::Held {
                    reason,
                    received,
                    uri,
                    exported,
                },
            },
            S::Uncertain { reason, picker_tab } => match event {
                E::PickerOpened { tab_id } => S::Uncertain {
                    reason,
                    picker_tab: Some(tab_id),
                },
                E::WorkerStarted => {
                    self.wipe_leftover_secret();
                    S::Uncertain { reason, picker_tab }
                }
                E::Tick
                | E::RetryNow
                | E::Response { .. }
                | E::NetworkFailed { .. }
                | E::FileSaved { .. }
                | E::SaveFailed
                | E::Registered
                | E::BackupConfirmed
                | E::ImportConfirmed
                | E::ExportHeld
                | E::HeldExported { .. }
                | E::DiscardHeld
                | E::CompanionImported
                | E::CompanionBackedUp { .. }
                | E::CompanionRefused { .. } => S::Uncertain { reason, picker_tab },
            },
            S::Failed {
                reason,
                issued,
                picker_tab,
            } => match event {
                E::PickerOpened { tab_id } => S::Failed {
                    reason,
                    issued,
                    picker_tab: Some(tab_id),
                },
                E::WorkerStarted => {
                    self.wipe_leftover_secret();
                    S::Failed {
                        reason,
                        issued,
                        picker_tab,
                    }
                }
                E::Tick
                | E::RetryNow
                | E::Response { .. }
                | E::NetworkFailed { .. }
                | E::FileSaved { .. }
                | E::SaveFailed
                | E::Registered
                | E::BackupConfirmed
                | E::ImportConfirmed
                | E::ExportHeld
                | E::HeldExported { .. }
                | E::DiscardHeld
                | E::CompanionImported
                | E::CompanionBackedUp { .. }
                | E::CompanionRefused { .. } => S::Failed {
                    reason,
                    issued,
                    picker_tab,
                },
            },
        }
    }

    /// The POST's answer. Only an explicit "busy" is repeated on our own; from a 200 on, a
    /// certificate exists and is never requested again without the user.
    fn on_answer(
        &mut self,
        attempt: u32,
        (status, retry_after): (u16, Option<&str>),
        redirected: bool,
        body: &[u8],
        too_large: bool,
    ) -> Stage {
        if redirected {
            // monsiaj reads a 302's body as the answer; a browser cannot without following.
            return self.uncertain(Code::Redirected, None);
        }
        if status != 200 {
            return match post_failure(status) {
                PostFailure::Busy => self.wait_after_busy(attempt, status, retry_after),
                PostFailure::NotPermitted => self.fail(Code::NotPermitted, Some(status), false),
                PostFailure::Rejected => self.fail(Code::Rejected, Some(status), false),
                PostFailure::Unknown => self.uncertain(Code::ServerError, Some(status)),
            };
        }
        let answer = if too_large {
            Err(AnswerError::TooLarge)
        } else {
            read_answer(body, &self.record.api_url, &self.record.download_hosts)
        };
        match answer {
            Ok(answer) => {
                self.effects.push(Effect::KeepSecret {
                    secret: Secret {
                        pass: answer.pass,
                        file: None,
                    },
                    durable: true,
                });
                self.request_file(answer.uri, 0)
            }
            // Issued, but the file is where the client certificate must not be presented:
            // nothing is sent there; the password and the address are kept for the
            // administrator.
            Err(AnswerError::UntrustedUri(answer)) => {
                self.effects.push(Effect::KeepSecret {
                    secret: Secret {
                        pass: answer.pass,
                        file: None,
                    },
                    durable: true,
                });
                self.hold(
                    Failure::new(Code::UntrustedUri, Some(status)),
                    None,
                    Some(answer.uri),
                )
            }
            // The server answered, so it may have issued something we cannot fetch.
            Err(err @ (AnswerError::Malformed | AnswerError::TooLarge)) => {
                self.fail(err.code(), Some(status), true)
            }
        }
    }

    /// The GET's answer: the file, verified before anything is saved.
    fn on_download(
        &mut self,
        uri: String,
        attempt: u32,
        status: u16,
        redirected: bool,
        body: &[u8],
        too_large: bool,
    ) -> Stage {
        let Some(secret) = self.secret else {
            return self.fail(Code::SecretLost, None, true);
        };
        if redirected {
            return self.stuck(uri, attempt, Failure::new(Code::Redirected, None));
        }
        match status {
            // Over the reader's size cap: no certificate file, and no repeat will make it one.
            // The password stays for the administrator.
            200 if too_large => {
                self.hold(Failure::new(Code::RenewedTooLarge, Some(200)), None, None)
            }
            200 => match verify_renewed(body, &secret.pass, &self.record.current) {
                Ok(report) => {
                    let names = renewed_names(&report.certificate, self.now);
                    self.keep_file(secret, body);
                    self.verified(Renewed {
                        certificate: report.certificate,
                        names,
                    })
                }
                // A damaged download (a proxy's page, a cut transfer, a stale file, a flipped
                // bit) may come right: the GET again, on the timer, never the POST.
                Err(Refused::Damaged { code }) => {
                    self.download_later(uri, attempt, Failure::new(code, Some(200)))
                }
                Err(Refused::NotOurs { code, certificate }) => {
                    // A real certificate file is a few KB; a larger one (a work bomb) is not
                    // kept in extension storage, only its password.
                    if body.len() <= HELD_FILE_CAP {
                        self.keep_file(secret, body);
                    }
                    self.hold(Failure::new(code, None), certificate, None)
                }
            },
            404 | 410 => self.stuck(uri, attempt, Failure::new(Code::DownloadGone, Some(status))),
            429 | 500..=599 => self.download_later(
                uri,
                attempt,
                Failure::new(Code::DownloadFailed, Some(status)),
            ),
            _ => self.stuck(
                uri,
                attempt,
                Failure::new(Code::DownloadRefused, Some(status)),
            ),
        }
    }

    /// Keeps the downloaded file with its password, durably, until it is saved or exported.
    fn keep_file(&mut self, secret: &Secret, body: &[u8]) {
        let kept = Secret {
            pass: secret.pass.clone(),
            file: Some(body.to_vec()),
        };
        self.effects.push(Effect::KeepSecret {
            secret: kept,
            durable: true,
        });
    }

    /// Issued, but not to be registered or saved for import: kept for the administrator.
    fn hold(
        &mut self,
        reason: Failure,
        received: Option<Box<CertificateInfo>>,
        uri: Option<String>,
    ) -> Stage {
        self.notify(Notice::Held);
        Stage::Held {
            reason,
            received,
            uri,
            exported: None,
        }
    }

    /// Saves the held files where the administrator asked; `None` (the stage stays) unless the
    /// secret they come from is gone.
    fn export_held(&mut self, received: Option<&CertificateInfo>) -> Option<Stage> {
        let Some(secret) = self.secret else {
            return Some(self.fail(Code::SecretLost, None, true));
        };
        let names = held_names(received, self.now);
        let folder = format!("{}/{HELD_FOLDER}", self.record.folder);
        self.effects.push(Effect::ExportHeld {
            password_path: format!("{folder}/{}", names.password),
            p12_path: secret
                .file
                .as_ref()
                .map(|_| format!("{folder}/{}", names.p12)),
            p12_name: names.p12,
        });
        None
    }

    /// A download that will not work on its own: the password and the address stay, the user
    /// may try the GET again, or (confirmed) apply for a new certificate.
    fn stuck(&mut self, uri: String, attempt: u32, reason: Failure) -> Stage {
        self.notify(Notice::DownloadStuck);
        Stage::DownloadStuck {
            uri,
            attempt,
            reason,
        }
    }

    /// The GET again, once the password it needs is known to be kept.
    fn get(&mut self, uri: String, attempt: u32) -> Stage {
        if self.secret.is_none() {
            return self.fail(Code::SecretLost, None, true);
        }
        self.request_file(uri, attempt)
    }

    fn request_file(&mut self, uri: String, attempt: u32) -> Stage {
        self.effects.push(Effect::Request {
            method: "GET",
            url: uri.clone(),
            body: None,
            max_bytes: MAX_FILE_BYTES,
            timeout_ms: REQUEST_TIMEOUT_MS,
        });
        Stage::Downloading {
            uri,
            attempt: attempt + 1,
            retry: None,
        }
    }

    /// A GET that may work later: retried on a timer, then left to the user — the password
    /// is kept all the while, and no POST is ever sent again for it.
    fn download_later(&mut self, uri: String, attempt: u32, reason: Failure) -> Stage {
        match retry_delay(attempt, MAX_DOWNLOAD_ATTEMPTS, self.jitter) {
            Some(delay) => {
                let at = self.now + delay;
                self.effects.push(Effect::Wake { at });
                Stage::Downloading {
                    uri,
                    attempt,
                    retry: Some(Retry { at, reason }),
                }
            }
            None => self.stuck(uri, attempt, reason),
        }
    }

    /// The file is verified and kept with its password: the companion takes it first when
    /// the policy uses it, else both files are saved in Downloads.
    fn verified(&mut self, renewed: Renewed) -> Stage {
        match &self.record.companion {
            Some(CompanionPlan { import: true }) => self.import(renewed),
            Some(CompanionPlan { import: false }) => self.back_up(renewed, false, None),
            None => self.save(renewed, None, 0, CompanionOutcome::default()),
        }
    }

    /// Saves the file the stage is at: the password first, because without it the `.p12` is
    /// useless, and it is the one thing that cannot be fetched again.
    fn save(
        &mut self,
        renewed: Renewed,
        password_file: Option<String>,
        attempt: u32,
        outcome: CompanionOutcome,
    ) -> Stage {
        let folder = &self.record.folder;
        let effect = match (&password_file, self.secret) {
            (None, Some(_)) => Effect::SavePassword {
                path: format!("{folder}/{}", renewed.names.password),
                p12_name: renewed.names.p12.clone(),
            },
            (Some(_), Some(Secret { file: Some(_), .. })) => Effect::SaveP12 {
                path: format!("{folder}/{}", renewed.names.p12),
            },
            (None | Some(_), None | Some(Secret { file: None, .. })) => {
                return self.fail(Code::SecretLost, None, true);
            }
        };
        self.effects.push(effect);
        Stage::Saving {
            renewed,
            password_file,
            attempt,
            stuck: false,
            outcome,
        }
    }

    fn register(&mut self, renewed: Renewed, copies: Copies) -> Stage {
        self.effects.push(Effect::Register {
            certificate: Box::new(renewed.certificate.clone()),
            file_name: renewed.names.p12.clone(),
        });
        Stage::Registering { renewed, copies }
    }

    /// Both files are on disk: the password stays only for 「確認する」 and the user's backup
    /// check, in memory-only session storage, and the file is dropped.
    fn files_saved(&mut self, renewed: Renewed, files: Files, outcome: CompanionOutcome) -> Stage {
        self.keep_password_in_session();
        self.register(renewed, Copies::Downloads { files, outcome })
    }

    fn import(&mut self, renewed: Renewed) -> Stage {
        if self.secret.is_none() {
            return self.fail(Code::SecretLost, None, true);
        }
        self.effects.push(Effect::CompanionImport {
            fingerprint: renewed.certificate.sha256_fingerprint.clone(),
        });
        Stage::Importing { renewed }
    }

    fn back_up(&mut self, renewed: Renewed, imported: bool, refused: Option<Failure>) -> Stage {
        if self.secret.is_none() {
            return self.fail(Code::SecretLost, None, true);
        }
        self.effects.push(Effect::CompanionBackup {
            fingerprint: renewed.certificate.sha256_fingerprint.clone(),
        });
        Stage::BackingUp {
            renewed,
            imported,
            refused,
        }
    }

    /// Moves the password to memory-only storage and drops the file from the secret: both
    /// files are on disk.
    fn keep_password_in_session(&mut self) {
        if let Some(secret) = self.secret {
            self.effects.push(Effect::KeepSecret {
                secret: Secret {
                    pass: secret.pass.clone(),
                    file: None,
                },
                durable: false,
            });
        }
    }

    /// A secret left by a worker that stopped before wiping it.
    fn wipe_leftover_secret(&mut self) {
        if self.secret.is_some() {
            self.effects.push(Effect::WipeSecret);
        }
    }

    fn probe_again(&mut self, attempt: u32) -> Stage {
        self.effects.push(probe(&self.record.api_url));
        Stage::Probing {
            attempt: attempt + 1,
        }
    }

    /// Nothing was issued: try again later, or stop after `MAX_ATTEMPTS`.
    fn wait_or_fail(&mut self, attempt: u32, reason: Failure) -> Stage {
        match retry_delay(attempt, MAX_ATTEMPTS, self.jitter) {
            Some(delay) => {
                let at = self.now + delay;
                self.effects.push(Effect::Wake { at });
                Stage::Waiting {
                    attempt,
                    retry_at: at,
                    reason,
                    picker_tab: None,
                }
            }
            None => self.fail(reason.code, reason.status, false),
        }
    }

    /// A 503/429 to the POST (see `MAX_POSTS_WHEN_BUSY`): waits for the later of the backoff
    /// and the server's `Retry-After`, unless the POSTs allowed are used up.
    fn wait_after_busy(&mut self, attempt: u32, status: u16, retry_after: Option<&str>) -> Stage {
        // Rounds count from 1 and send at most one POST each: this was POST number `attempt`.
        let backoff = if attempt >= MAX_POSTS_WHEN_BUSY {
            None
        } else {
            retry_delay(attempt, MAX_ATTEMPTS, self.jitter)
        };
        let Some(backoff) = backoff else {
            return self.fail(Code::ServerError, Some(status), false);
        };
        let wait =
            retry_after_ms(retry_after, self.now).map_or(backoff, |asked| asked.max(backoff));
        let at = self.now + wait;
        self.effects.push(Effect::Wake { at });
        Stage::Waiting {
            attempt,
            retry_at: at,
            reason: Failure::new(Code::ServerError, Some(status)),
            picker_tab: None,
        }
    }

    fn uncertain(&mut self, code: Code, status: Option<u16>) -> Stage {
        self.effects.push(Effect::WipeSecret);
        self.notify(Notice::Uncertain);
        Stage::Uncertain {
            reason: Failure::new(code, status),
            picker_tab: None,
        }
    }

    /// Stops. Reached after the answer only when nothing is kept that could be used (the
    /// answer itself unusable, the secret already gone): what is issued and usable is held.
    fn fail(&mut self, code: Code, status: Option<u16>, issued: bool) -> Stage {
        self.effects.push(Effect::WipeSecret);
        self.notify(Notice::Failed);
        Stage::Failed {
            reason: Failure::new(code, status),
            issued,
            picker_tab: None,
        }
    }

    fn notify(&mut self, notice: Notice) {
        self.effects.push(Effect::Notify { notice });
    }
}

/// The probe: `GET <API origin>/`, body unread. Any answer proves the TLS connection with the
/// client certificate; a failure proves nothing was sent that could issue a certificate.
fn probe(api_url: &str) -> Effect {
    let origin = https_authority(api_url)
        .map(|a| a.origin())
        .unwrap_or_else(|| api_url.to_owned());
    Effect::Request {
        method: "GET",
        url: format!("{origin}/"),
        body: None,
        max_bytes: 0,
        timeout_ms: REQUEST_TIMEOUT_MS,
    }
}

#[cfg(test)]
mod tests;
