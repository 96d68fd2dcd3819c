//! The renewal as a sans-I/O state machine, in the manner of rustls' `Connection`: the worker
//! feeds it events (an HTTP answer, a saved file, a timer, a user's confirmation) and
//! performs the effects it returns (a request, a file to save, a notification, a timer). It
//! never touches the network, storage or a clock: `now` and `jitter` come in.
//!
//! ```text
//! probing ─any answer─▶ requesting ─200 {uri,pass}─▶ answered ─file verified─▶ verified
//!   │ no connection        │ 503/429 ─▶ waiting ─timer─▶ probing          │ password file saved
//!   ▼                      │ timeout, lost, 5xx, redirect, worker died     ▼
//! waiting                  └──────────────▶ uncertain          passwordSaved ─.p12 saved─▶ filesSaved
//!                                                                           │ registered
//!                      saved ─backup checked─▶ backedUp ─logged in─▶ done ◀─┘ (saved)
//! ```
//!
//! The two rules it exists for: **at most one POST per renewal the user asked for** (only
//! the probe and an explicit 503/429 are repeated on their own; everything after the POST is
//! sent is resumable without it), and **nothing is called done before the new certificate
//! is proven** (`verify_renewed`), with every step after the answer written down before the
//! next I/O so that a stopped worker or a closed browser resumes where it was.

use serde::{Deserialize, Serialize};

use super::protocol::{
    MAX_ANSWER_BYTES, MAX_FILE_BYTES, PostFailure, REQUEST_BODY, REQUEST_TIMEOUT_MS, post_failure,
    read_answer,
};
use super::verify::verify_renewed;
use crate::certificate::CertificateInfo;
use crate::file_name::{SavedNames, renewed_names};
use crate::url::https_authority;

/// Rounds of probe + POST for failures that provably issued nothing, before giving up.
pub(super) const MAX_ATTEMPTS: u32 = 6;
/// GETs of an issued file before asking the user (the GET is safe to repeat).
pub(super) const MAX_DOWNLOAD_ATTEMPTS: u32 = 6;
/// Tries to save one file before asking the user.
pub(super) const MAX_SAVE_ATTEMPTS: u32 = 3;
/// How often a saved certificate that is not yet imported is brought up again.
pub(super) const IMPORT_REMINDER_INTERVAL_MS: i64 = 24 * 3_600_000;
const BACKOFF_BASE_MS: i64 = 30_000;
const BACKOFF_CAP_MS: i64 = 30 * 60_000;

/// Where a renewal stands. Stored after every step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Phase {
    /// A cheap GET to the API origin proves the connection and the client certificate.
    /// Nothing has been sent that could issue a certificate.
    Probing,
    /// The POST may be in flight: from here on a certificate may exist.
    Requesting,
    /// Nothing was issued (no connection, or 503/429); tried again at `next_attempt_at`.
    Waiting,
    /// The API answered `{uri, pass}`: a certificate was issued. The GET is next (and is
    /// repeated on its own as long as the URI works).
    Answered,
    /// The downloaded file passed verification; the password file is saved next.
    Verified,
    /// The password file is on disk; the `.p12` is saved next.
    PasswordSaved,
    /// Both files are on disk; the registration is replaced next.
    FilesSaved,
    /// Registered: the user is guided to back up and import.
    Saved,
    /// The user's backup copy was checked; the password is wiped.
    BackedUp,
    /// The user logged in with the new certificate.
    Done,
    /// The POST was sent but its answer never arrived: a certificate may have been issued.
    /// Only the user, told so, may start again.
    Uncertain,
    /// Stopped; `error` says why and `issued` whether a certificate exists.
    Failed,
}

impl Phase {
    /// Under way: a new start is refused and the certificate may not be removed.
    pub fn is_busy(self) -> bool {
        matches!(
            self,
            Self::Probing
                | Self::Requesting
                | Self::Waiting
                | Self::Answered
                | Self::Verified
                | Self::PasswordSaved
                | Self::FilesSaved
        )
    }

    /// The new certificate is saved but its import not yet confirmed.
    pub fn awaits_import(self) -> bool {
        matches!(self, Self::Saved | Self::BackedUp)
    }
}

/// Whether this renewal has produced a certificate on the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Issued {
    /// Nothing that could issue one was sent (or the server said it did nothing).
    No,
    /// The POST was sent and its outcome is unknown.
    Maybe,
    /// The server answered with a file: one exists.
    Yes,
}

/// A failure as stored: its stable code (localized by the extension) and HTTP status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedError {
    /// `connection_failed`, `auto_not_connected`, `timeout`, `server_error`, `not_permitted`, `rejected`,
    /// `redirected`, `malformed_answer`, `untrusted_uri`, `download_failed`,
    /// `download_gone`, `download_refused`, `renewed_*` (see `verify_renewed`),
    /// `save_failed`, `secret_lost`, `interrupted`, `connection_lost`.
    pub code: String,
    /// The HTTP status, when there was one.
    #[serde(default)]
    pub status: Option<u16>,
}

/// The files saved so far (full paths, as `chrome.downloads` reports them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedFiles {
    /// The password text file.
    #[serde(default)]
    pub password: Option<String>,
    /// The PKCS#12.
    #[serde(default)]
    pub p12: Option<String>,
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

/// One certificate's renewal, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RenewalRecord {
    /// The certificate being renewed (SHA-256 fingerprint).
    pub fingerprint: String,
    /// Its label, for messages.
    pub label: String,
    /// Where it stands.
    pub state: Phase,
    /// Whether a certificate was issued.
    pub issued: Issued,
    /// The certificate being renewed, as registered: what the new one is checked against.
    pub current: CertificateInfo,
    /// The renewal endpoint.
    pub api_url: String,
    /// Hosts the administrator allowed to serve the file, as they were at the start.
    #[serde(default)]
    pub download_hosts: Vec<String>,
    /// The Downloads sub-folder, as it was at the start (both files go to one place).
    pub folder: String,
    /// Probe + POST rounds (1 for the first).
    pub attempt: u32,
    /// GETs of the issued file.
    #[serde(default)]
    pub download_attempt: u32,
    /// Tries to save the current file.
    #[serde(default)]
    pub save_attempt: u32,
    /// When it started (ms).
    pub started_at: i64,
    /// When it last changed (ms).
    pub updated_at: i64,
    /// Where the issued file is, from the answer until both files are saved.
    #[serde(default)]
    pub uri: Option<String>,
    /// When a timed retry is due (ms).
    #[serde(default)]
    pub next_attempt_at: Option<i64>,
    /// Why it is waiting, stuck or stopped.
    #[serde(default)]
    pub error: Option<RecordedError>,
    /// The verified new certificate.
    #[serde(default)]
    pub renewed: Option<Renewed>,
    /// What was saved.
    #[serde(default)]
    pub files: SavedFiles,
    /// The tab opened for the certificate picker, if any.
    #[serde(default)]
    pub picker_tab_id: Option<i64>,
    /// When the user was last reminded to import (ms).
    #[serde(default)]
    pub reminded_at: Option<i64>,
    /// Started by the worker under the `autoRenew` policy, not by a click.
    #[serde(default)]
    pub automatic: bool,
}

/// What the screens need to know about a renewal, decided here rather than by each screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RenewalFacts {
    /// Under way (see [`Phase::is_busy`]).
    pub busy: bool,
    /// Saved, its import not yet confirmed.
    pub awaits_import: bool,
    /// 「確認する」 may show the password: while the files are being saved (nothing is lost
    /// if saving fails) and until the backup is checked.
    pub shows_password: bool,
    /// Nothing was issued because the connection failed — perhaps Chrome could not present
    /// the certificate without its picker, which the user can open.
    pub offers_picker: bool,
}

impl RenewalRecord {
    /// What the screens show for this renewal.
    pub fn facts(&self) -> RenewalFacts {
        let connection = self.error.as_ref().is_some_and(|e| {
            matches!(
                e.code.as_str(),
                "connection_failed" | "timeout" | "auto_not_connected"
            )
        });
        RenewalFacts {
            busy: self.state.is_busy(),
            awaits_import: self.state.awaits_import(),
            shows_password: matches!(
                self.state,
                Phase::Verified | Phase::PasswordSaved | Phase::Saved
            ),
            offers_picker: matches!(self.state, Phase::Waiting | Phase::Failed)
                && self.issued == Issued::No
                && connection,
        }
    }

    /// Stopped at a step only the user can move on (a download that will not work on its
    /// own, a save that failed three times): no timer, no new worker goes on with it.
    fn waits_for_user(&self) -> bool {
        self.state.is_busy() && self.error.is_some() && self.next_attempt_at.is_none()
    }
}

/// What the worker keeps secret for a renewal (the password, and the file until saved): it
/// hands it back with every event, and stores or wipes it as [`Effect::KeepSecret`] and
/// [`Effect::WipeSecret`] say.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Secret {
    /// The renewed file's password.
    pub pass: String,
    /// The verified file, until it is saved.
    #[serde(default)]
    pub file: Option<Vec<u8>>,
}

/// Something that happened to a renewal: `{ type, …fields }`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "EventFields")]
pub enum Event {
    /// A new worker found this record (the last one may have died anywhere).
    WorkerStarted,
    /// A timer rang (a retry, the hourly check).
    Tick,
    /// The user asked to go on now (retry button, certificate picked).
    RetryNow,
    /// The request the last step asked for got an HTTP answer.
    Response {
        /// The status (0 for a redirect not followed).
        status: u16,
        /// A redirect was answered and not followed.
        redirected: bool,
        /// The body, up to the limit the request set.
        body: Vec<u8>,
        /// The body was longer than that limit (reading stopped there).
        too_large: bool,
    },
    /// The request got no answer.
    NetworkFailed {
        /// It ran out of time (else the connection failed).
        timeout: bool,
    },
    /// The file the last step asked to save is on disk.
    FileSaved {
        /// Its full path.
        path: String,
    },
    /// Saving it failed (interrupted, refused).
    SaveFailed,
    /// The new certificate replaced the old one in the registrations.
    Registered,
    /// The user opened the certificate picker in this tab.
    PickerOpened {
        /// The tab.
        tab_id: i64,
    },
    /// The user's backup copy was checked.
    BackupConfirmed,
    /// The user logged in with the new certificate.
    ImportConfirmed,
}

/// An [`Event`] as the worker writes it, every variant's fields in one struct: serde's
/// internally tagged enums buffer the whole value first, and that machinery cost 25 KB of Wasm.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventFields {
    #[serde(rename = "type")]
    kind: EventKind,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    redirected: bool,
    #[serde(default, with = "serde_bytes")]
    body: Vec<u8>,
    #[serde(default)]
    too_large: bool,
    #[serde(default)]
    timeout: bool,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    tab_id: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum EventKind {
    WorkerStarted,
    Tick,
    RetryNow,
    Response,
    NetworkFailed,
    FileSaved,
    SaveFailed,
    Registered,
    PickerOpened,
    BackupConfirmed,
    ImportConfirmed,
}

impl TryFrom<EventFields> for Event {
    type Error = &'static str;

    fn try_from(fields: EventFields) -> Result<Self, Self::Error> {
        Ok(match fields.kind {
            EventKind::WorkerStarted => Self::WorkerStarted,
            EventKind::Tick => Self::Tick,
            EventKind::RetryNow => Self::RetryNow,
            EventKind::Response => Self::Response {
                status: fields.status.ok_or("missing field `status`")?,
                redirected: fields.redirected,
                body: fields.body,
                too_large: fields.too_large,
            },
            EventKind::NetworkFailed => Self::NetworkFailed {
                timeout: fields.timeout,
            },
            EventKind::FileSaved => Self::FileSaved {
                path: fields.path.ok_or("missing field `path`")?,
            },
            EventKind::SaveFailed => Self::SaveFailed,
            EventKind::Registered => Self::Registered,
            EventKind::PickerOpened => Self::PickerOpened {
                tab_id: fields.tab_id.ok_or("missing field `tabId`")?,
            },
            EventKind::BackupConfirmed => Self::BackupConfirmed,
            EventKind::ImportConfirmed => Self::ImportConfirmed,
        })
    }
}

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
    /// the answer until both files are on disk) or in memory-only session storage.
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
    /// The renewal endpoint.
    pub api_url: String,
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
    /// A renewal record of this certificate was found unreadable and set aside (see
    /// `stored.rs`): it may have issued a certificate, so a new one needs the confirmation.
    #[serde(default)]
    pub earlier_record_unreadable: bool,
}

/// Why "今すぐ更新" did not start a renewal; each is a code the extension explains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Refusal {
    /// One is under way: exactly one POST, whoever clicks.
    #[serde(rename = "renewal_in_progress")]
    InProgress,
    /// A renewed certificate is saved and waits to be imported.
    #[serde(rename = "renewal_awaits_import")]
    AwaitsImport,
    /// A certificate may already have been issued: the user must confirm another.
    #[serde(rename = "renewal_needs_confirmation")]
    NeedsConfirmation,
    /// An automatic start for a certificate that already has a renewal: automation tries
    /// each certificate once, whatever became of it; the user goes on by hand.
    #[serde(rename = "renewal_already_attempted")]
    AlreadyAttempted,
}

/// "今すぐ更新": a new renewal and its first effect (the probe), or why not.
pub fn start(
    existing: Option<&RenewalRecord>,
    request: StartRequest,
    now: i64,
) -> Result<Step, Refusal> {
    let mut effects = Vec::new();
    if (existing.is_some() || request.earlier_record_unreadable) && request.automatic {
        // Checked here, not only by the planner: two plans made at once must not both start.
        return Err(Refusal::AlreadyAttempted);
    }
    if existing.is_none() && request.earlier_record_unreadable && !request.confirmed {
        return Err(Refusal::NeedsConfirmation);
    }
    if let Some(existing) = existing {
        // Only a download the user gave up on may be replaced: a failed save still holds
        // the file that was issued.
        let stuck = existing.state == Phase::Answered && existing.waits_for_user();
        if existing.state.is_busy() && !stuck {
            return Err(Refusal::InProgress);
        }
        if existing.state.awaits_import() {
            return Err(Refusal::AwaitsImport);
        }
        let may_exist = matches!(existing.state, Phase::Uncertain | Phase::Failed)
            && existing.issued != Issued::No;
        if (may_exist || stuck) && !request.confirmed {
            return Err(Refusal::NeedsConfirmation);
        }
        if stuck {
            // The user gave up on that file: its password goes now.
            effects.push(Effect::WipeSecret);
        }
    }
    let record = RenewalRecord {
        fingerprint: request.current.sha256_fingerprint.clone(),
        label: request.label,
        state: Phase::Probing,
        issued: Issued::No,
        current: request.current,
        api_url: request.api_url,
        download_hosts: request.download_hosts,
        folder: request.folder,
        attempt: 1,
        download_attempt: 0,
        save_attempt: 0,
        started_at: now,
        updated_at: now,
        uri: None,
        next_attempt_at: None,
        error: None,
        renewed: None,
        files: SavedFiles::default(),
        picker_tab_id: None,
        reminded_at: None,
        automatic: request.automatic,
    };
    effects.push(probe(&record));
    Ok(Step { record, effects })
}

/// Whether the registered certificate may be removed now; the refusal code if not.
pub fn removal_refused(record: Option<&RenewalRecord>) -> Option<&'static str> {
    record
        .is_some_and(|r| r.state.is_busy())
        .then_some("renewal_in_progress")
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
/// keeps for this renewal. Events that do not apply to the state change nothing.
pub fn step(
    record: RenewalRecord,
    event: Event,
    secret: Option<&Secret>,
    now: i64,
    jitter: f64,
) -> Step {
    let before = record.clone();
    let mut step = Machine {
        record,
        effects: Vec::new(),
        now,
        jitter,
    };
    step.on(event, secret);
    let Machine {
        mut record,
        effects,
        ..
    } = step;
    if record != before {
        record.updated_at = now;
    }
    Step { record, effects }
}

struct Machine {
    record: RenewalRecord,
    effects: Vec<Effect>,
    now: i64,
    jitter: f64,
}

impl Machine {
    fn on(&mut self, event: Event, secret: Option<&Secret>) {
        use Phase::*;
        let due = self.record.next_attempt_at.is_none_or(|at| at <= self.now);
        match (self.record.state, event) {
            (Probing, Event::Response { .. }) => {
                // Any HTTP answer proves the connection and the client certificate.
                self.record.state = Requesting;
                self.record.issued = Issued::Maybe;
                self.record.error = None;
                self.effects.push(Effect::Request {
                    method: "POST",
                    url: self.record.api_url.clone(),
                    body: Some(REQUEST_BODY),
                    max_bytes: MAX_ANSWER_BYTES,
                    timeout_ms: REQUEST_TIMEOUT_MS,
                });
            }
            (Probing, Event::NetworkFailed { .. }) if self.record.automatic => {
                // Nothing was sent. Without the AutoSelectCertificateForUrls policy Chrome
                // fails at once here: say so once, and leave the banner's path to the user.
                self.fail("auto_not_connected", None, Issued::No);
            }
            (Probing, Event::NetworkFailed { timeout }) => {
                let code = if timeout {
                    "timeout"
                } else {
                    "connection_failed"
                };
                self.wait_or_fail(code, None);
            }
            (Probing, Event::WorkerStarted) => self.effects.push(probe(&self.record)),
            (
                Requesting,
                Event::Response {
                    status,
                    redirected,
                    body,
                    too_large,
                },
            ) => self.on_answer(status, redirected, &body, too_large),
            (Requesting, Event::NetworkFailed { timeout }) => {
                // Sent (the probe proved the connection) but unanswered: it may have issued.
                self.uncertain(
                    if timeout {
                        "timeout"
                    } else {
                        "connection_lost"
                    },
                    None,
                );
            }
            (Requesting, Event::WorkerStarted) => self.uncertain("interrupted", None),
            (Waiting, Event::Tick) if due => self.probe_again(),
            (Waiting, Event::RetryNow) => self.probe_again(),
            (Waiting, Event::WorkerStarted) => self.wake_at_next_attempt(),
            (
                Answered,
                Event::Response {
                    status,
                    redirected,
                    body,
                    too_large,
                },
            ) => self.on_download(status, redirected, &body, too_large, secret),
            (Answered, Event::NetworkFailed { timeout }) => {
                let code = if timeout {
                    "timeout"
                } else {
                    "connection_failed"
                };
                self.download_later(code, None, secret);
            }
            (Answered, Event::WorkerStarted) if !due => self.wake_at_next_attempt(),
            // Stuck (retries used up, or a refusal): only the user goes on.
            (Answered | Verified | PasswordSaved, Event::WorkerStarted)
                if self.record.waits_for_user() => {}
            (Answered, Event::WorkerStarted) => self.download(secret, false),
            (Answered, Event::RetryNow) => self.download(secret, true),
            (Answered, Event::Tick) if due && self.record.next_attempt_at.is_some() => {
                self.download(secret, false);
            }
            (Verified | PasswordSaved, Event::FileSaved { path }) => self.on_saved(path, secret),
            (Verified | PasswordSaved, Event::SaveFailed) => {
                self.record.save_attempt += 1;
                if self.record.save_attempt < MAX_SAVE_ATTEMPTS {
                    self.save(secret);
                } else {
                    // Nothing is lost: the secret stays; the user is asked to try again.
                    self.record.error = Some(error("save_failed", None));
                    self.notify(Notice::SaveFailed);
                }
            }
            (Verified | PasswordSaved, Event::WorkerStarted) => self.save(secret),
            (Verified | PasswordSaved, Event::RetryNow) => {
                self.record.save_attempt = 0;
                self.record.error = None;
                self.save(secret);
            }
            (FilesSaved, Event::Registered) => {
                self.record.state = Saved;
                self.record.uri = None;
                self.record.reminded_at = Some(self.now);
                self.notify(if self.record.automatic {
                    Notice::RenewedAutomatically
                } else {
                    Notice::AwaitingImport
                });
            }
            (FilesSaved, Event::WorkerStarted | Event::RetryNow) => self.register(),
            (Saved | BackedUp, Event::Tick) => {
                let last = self.record.reminded_at.unwrap_or(self.record.updated_at);
                if self.now >= last.saturating_add(IMPORT_REMINDER_INTERVAL_MS) {
                    self.record.reminded_at = Some(self.now);
                    self.notify(Notice::AwaitingImport);
                }
            }
            (Saved, Event::BackupConfirmed) => {
                self.record.state = BackedUp;
                self.effects.push(Effect::WipeSecret);
            }
            (Saved | BackedUp, Event::ImportConfirmed) => {
                self.record.state = Done;
                self.effects.push(Effect::WipeSecret);
            }
            (Waiting | Failed | Uncertain, Event::PickerOpened { tab_id }) => {
                self.record.picker_tab_id = Some(tab_id);
            }
            _ => {}
        }
    }

    /// The POST's answer. Only an explicit "busy" is repeated on our own; from a 200 on, a
    /// certificate exists and is never requested again without the user.
    fn on_answer(&mut self, status: u16, redirected: bool, body: &[u8], too_large: bool) {
        if redirected {
            // monsiaj reads a 302's body as the answer; a browser cannot without following.
            return self.uncertain("redirected", None);
        }
        if status != 200 {
            return match post_failure(status) {
                PostFailure::Busy => self.wait_or_fail("server_error", Some(status)),
                PostFailure::NotPermitted => self.fail("not_permitted", Some(status), Issued::No),
                PostFailure::Rejected => self.fail("rejected", Some(status), Issued::No),
                PostFailure::Unknown => self.uncertain("server_error", Some(status)),
            };
        }
        let answer = if too_large {
            Err(super::protocol::AnswerError::TooLarge)
        } else {
            read_answer(body, &self.record.api_url, &self.record.download_hosts)
        };
        match answer {
            Ok(answer) => {
                self.record.state = Phase::Answered;
                self.record.issued = Issued::Yes;
                self.record.uri = Some(answer.uri);
                self.record.download_attempt = 0;
                let secret = Secret {
                    pass: answer.pass,
                    file: None,
                };
                self.effects.push(Effect::KeepSecret {
                    secret: secret.clone(),
                    durable: true,
                });
                self.download(Some(&secret), false);
            }
            // The server answered, so it may have issued something we cannot fetch.
            Err(err) => self.fail(err.code(), Some(status), Issued::Yes),
        }
    }

    /// The GET's answer: the file, verified before anything is saved.
    fn on_download(
        &mut self,
        status: u16,
        redirected: bool,
        body: &[u8],
        too_large: bool,
        secret: Option<&Secret>,
    ) {
        let Some(secret) = secret else {
            return self.fail("secret_lost", None, Issued::Yes);
        };
        if redirected {
            return self.stuck("redirected", None);
        }
        match status {
            // Over the reader's size cap: no certificate file, and no repeat will make it one.
            200 if too_large => self.fail("renewed_too_large", Some(status), Issued::Yes),
            200 => match verify_renewed(body, &secret.pass, &self.record.current) {
                Ok(report) => {
                    let names = renewed_names(&report.certificate, self.now);
                    self.record.state = Phase::Verified;
                    self.record.error = None;
                    self.record.next_attempt_at = None;
                    self.record.save_attempt = 0;
                    self.record.renewed = Some(Renewed {
                        certificate: report.certificate,
                        names,
                    });
                    let kept = Secret {
                        pass: secret.pass.clone(),
                        file: Some(body.to_vec()),
                    };
                    self.effects.push(Effect::KeepSecret {
                        secret: kept.clone(),
                        durable: true,
                    });
                    self.save(Some(&kept));
                }
                // A damaged download (a proxy's page, a cut transfer) may come right again;
                // a file that opens but is not ours will not.
                Err("renewed_unreadable") => self.stuck("renewed_unreadable", Some(status)),
                Err(code) => self.fail(code, None, Issued::Yes),
            },
            404 | 410 => self.stuck("download_gone", Some(status)),
            429 | 500..=599 => self.download_later("download_failed", Some(status), Some(secret)),
            _ => self.stuck("download_refused", Some(status)),
        }
    }

    /// A download that will not work on its own: the password and the address stay, the user
    /// may try the GET again, or (confirmed) apply for a new certificate.
    fn stuck(&mut self, code: &str, status: Option<u16>) {
        self.record.error = Some(error(code, status));
        self.record.next_attempt_at = None;
        self.notify(Notice::DownloadStuck);
    }

    fn download(&mut self, secret: Option<&Secret>, by_user: bool) {
        if secret.is_none() {
            return self.fail("secret_lost", None, Issued::Yes);
        }
        let Some(uri) = self.record.uri.clone() else {
            return self.fail("secret_lost", None, Issued::Yes);
        };
        if by_user {
            self.record.download_attempt = 0;
        }
        self.record.download_attempt += 1;
        self.record.next_attempt_at = None;
        self.effects.push(Effect::Request {
            method: "GET",
            url: uri,
            body: None,
            max_bytes: MAX_FILE_BYTES,
            timeout_ms: REQUEST_TIMEOUT_MS,
        });
    }

    /// A GET that may work later: retried on a timer, then left to the user — the password
    /// is kept all the while, and no POST is ever sent again for it.
    fn download_later(&mut self, code: &str, status: Option<u16>, secret: Option<&Secret>) {
        if secret.is_none() {
            return self.fail("secret_lost", status, Issued::Yes);
        }
        self.record.error = Some(error(code, status));
        match retry_delay(
            self.record.download_attempt,
            MAX_DOWNLOAD_ATTEMPTS,
            self.jitter,
        ) {
            Some(delay) => {
                let at = self.now + delay;
                self.record.next_attempt_at = Some(at);
                self.effects.push(Effect::Wake { at });
            }
            None => {
                self.record.next_attempt_at = None;
                self.notify(Notice::DownloadStuck);
            }
        }
    }

    fn on_saved(&mut self, path: String, secret: Option<&Secret>) {
        self.record.save_attempt = 0;
        self.record.error = None;
        if self.record.state == Phase::Verified {
            self.record.state = Phase::PasswordSaved;
            self.record.files.password = Some(path);
            self.save(secret);
        } else {
            self.record.state = Phase::FilesSaved;
            self.record.files.p12 = Some(path);
            // Both files are on disk: the password stays only for 「確認する」 and the backup
            // check, in memory-only session storage.
            if let Some(secret) = secret {
                self.effects.push(Effect::KeepSecret {
                    secret: Secret {
                        pass: secret.pass.clone(),
                        file: None,
                    },
                    durable: false,
                });
            }
            self.register();
        }
    }

    /// Saves the file the state is at: the password first, because without it the `.p12` is
    /// useless, and it is the one thing that cannot be fetched again.
    fn save(&mut self, secret: Option<&Secret>) {
        let Some(renewed) = &self.record.renewed else {
            return self.fail("secret_lost", None, Issued::Yes);
        };
        let folder = &self.record.folder;
        let effect = match (self.record.state, secret) {
            (Phase::Verified, Some(_)) => Effect::SavePassword {
                path: format!("{folder}/{}", renewed.names.password),
                p12_name: renewed.names.p12.clone(),
            },
            (Phase::PasswordSaved, Some(Secret { file: Some(_), .. })) => Effect::SaveP12 {
                path: format!("{folder}/{}", renewed.names.p12),
            },
            _ => return self.fail("secret_lost", None, Issued::Yes),
        };
        self.effects.push(effect);
    }

    fn register(&mut self) {
        let Some(renewed) = &self.record.renewed else {
            return self.fail("secret_lost", None, Issued::Yes);
        };
        self.effects.push(Effect::Register {
            certificate: Box::new(renewed.certificate.clone()),
            file_name: renewed.names.p12.clone(),
        });
    }

    fn probe_again(&mut self) {
        self.record.state = Phase::Probing;
        self.record.attempt += 1;
        self.record.next_attempt_at = None;
        self.effects.push(probe(&self.record));
    }

    /// Nothing was issued: try again later, or stop after `MAX_ATTEMPTS`.
    fn wait_or_fail(&mut self, code: &str, status: Option<u16>) {
        self.record.issued = Issued::No;
        match retry_delay(self.record.attempt, MAX_ATTEMPTS, self.jitter) {
            Some(delay) => {
                let at = self.now + delay;
                self.record.state = Phase::Waiting;
                self.record.next_attempt_at = Some(at);
                self.record.error = Some(error(code, status));
                self.effects.push(Effect::Wake { at });
            }
            None => self.fail(code, status, Issued::No),
        }
    }

    fn wake_at_next_attempt(&mut self) {
        if let Some(at) = self.record.next_attempt_at {
            self.effects.push(Effect::Wake { at });
        }
    }

    fn uncertain(&mut self, code: &str, status: Option<u16>) {
        self.record.state = Phase::Uncertain;
        self.record.issued = Issued::Maybe;
        self.record.error = Some(error(code, status));
        self.record.next_attempt_at = None;
        self.effects.push(Effect::WipeSecret);
        self.notify(Notice::Uncertain);
    }

    fn fail(&mut self, code: &str, status: Option<u16>, issued: Issued) {
        self.record.state = Phase::Failed;
        self.record.issued = issued;
        self.record.error = Some(error(code, status));
        self.record.next_attempt_at = None;
        self.record.uri = None;
        self.effects.push(Effect::WipeSecret);
        self.notify(Notice::Failed);
    }

    fn notify(&mut self, notice: Notice) {
        self.effects.push(Effect::Notify { notice });
    }
}

fn error(code: &str, status: Option<u16>) -> RecordedError {
    RecordedError {
        code: code.to_owned(),
        status,
    }
}

/// The probe: `GET <API origin>/`, body unread. Any answer proves the TLS connection with the
/// client certificate; a failure proves nothing was sent that could issue a certificate.
fn probe(record: &RenewalRecord) -> Effect {
    let origin = https_authority(&record.api_url)
        .map(|a| a.origin())
        .unwrap_or_else(|| record.api_url.clone());
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
