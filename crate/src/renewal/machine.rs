//! The renewal as a sans-I/O state machine, laid out as rustls lays out its handshake (one
//! handler per state, unexpected input said aloud) and quinn-proto its connection (timers,
//! commands and outcomes apart): the worker feeds it an [`Event`] and performs the effects it
//! returns (a request, a file to save, a notification, a timer). It never touches the network,
//! storage or a clock: `now` and `jitter` come in.
//!
//! Where things go: the stages and what they imply are in `stage.rs`, their stored names in
//! `stored.rs`, the events in `event.rs`, the effects in `effect.rs`. Here is the dispatch
//! (one arm per stage, no wildcard); each family of stages has its file beside this one —
//! `connect` (probe, POST, waiting), `download`, `save`, `companion`, `finish` (registering,
//! awaiting import, done), `held`, `stopped` (uncertain, failed). A stage's handler matches
//! the two timers in full, then only the commands it accepts and the outcomes it waits for;
//! anything else comes back as the step's `stray`, which the worker logs.
//!
//! The rules it exists for: **at most one POST per renewal the user asked for** (only the
//! probe and an explicit 503/429 are repeated on their own; everything after the POST is sent
//! is resumable without it), **nothing is called done before the new certificate is proven**
//! (`verify_renewed`), and **nothing the server issued is thrown away**: from the answer on,
//! the password (and the file once downloaded) is wiped only after both files are on disk (in
//! Downloads, or in the companion's checked backup with the certificate imported and
//! registered) or by the user's or the administrator's own act. Every step is written down
//! before the next I/O, so a stopped worker or a closed browser resumes where it was.

mod companion;
mod connect;
mod download;
mod finish;
mod held;
mod save;
mod stopped;

use serde::Deserialize;

use super::code::Code;
use super::effect::{Effect, Method, Notice, Step, Stray};
use super::event::Event;
use super::protocol::REQUEST_TIMEOUT_MS;
use super::record::{CompanionPlan, RenewalRecord, Secret};
use super::stage::{NewStart, Stage};
use crate::certificate::CertificateInfo;
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
        match existing.stage.new_start() {
            NewStart::Refused(code) => return Err(code),
            NewStart::Confirmed { wipe_secret } => {
                confirmed()?;
                if wipe_secret {
                    effects.push(Effect::WipeSecret);
                }
            }
            NewStart::Free => {}
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
    Ok(Step {
        record,
        effects,
        stray: None,
    })
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
/// keeps for this renewal. An event the stage does not take changes nothing and comes back
/// as the step's `stray`.
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
        stray: None,
    };
    let stage = machine.on(before.clone(), event);
    let Machine { effects, stray, .. } = machine;
    if stage != before {
        record.updated_at = now;
    }
    record.stage = stage;
    Step {
        record,
        effects,
        stray,
    }
}

/// One transition: the renewal's fixed data, the secret, and the effects decided so far.
struct Machine<'a> {
    record: &'a RenewalRecord,
    secret: Option<&'a Secret>,
    effects: Vec<Effect>,
    now: i64,
    jitter: f64,
    /// The event, when the stage did not take it.
    stray: Option<Stray>,
}

impl Machine<'_> {
    /// One arm per stage, each in its family's file.
    fn on(&mut self, stage: Stage, event: Event) -> Stage {
        match stage {
            Stage::Probing { attempt } => self.probing(attempt, event),
            Stage::Requesting { attempt } => self.requesting(attempt, event),
            Stage::Waiting {
                attempt,
                retry_at,
                reason,
                picker_tab,
            } => self.waiting(attempt, retry_at, reason, picker_tab, event),
            Stage::Downloading {
                uri,
                attempt,
                retry,
            } => self.downloading(uri, attempt, retry, event),
            Stage::CheckingSignature { uri, attempt } => {
                self.checking_signature(uri, attempt, event)
            }
            Stage::DownloadStuck {
                uri,
                attempt,
                reason,
            } => self.download_stuck(uri, attempt, reason, event),
            Stage::Saving {
                renewed,
                password_file,
                attempt,
                stuck,
                outcome,
            } => self.saving(renewed, password_file, attempt, stuck, outcome, event),
            Stage::Importing { renewed } => self.importing(renewed, event),
            Stage::BackingUp {
                renewed,
                imported,
                refused,
            } => self.backing_up(renewed, imported, refused, event),
            Stage::Registering { renewed, copies } => self.registering(renewed, copies, event),
            Stage::AwaitingImport {
                renewed,
                files,
                backed_up,
                reminded_at,
                outcome,
            } => self.awaiting_import(renewed, files, backed_up, reminded_at, outcome, event),
            Stage::Done { renewed, copies } => self.done(renewed, copies, event),
            Stage::Held {
                reason,
                received,
                uri,
                exported,
            } => self.held(reason, received, uri, exported, event),
            Stage::Uncertain { reason, picker_tab } => {
                self.uncertain_stage(reason, picker_tab, event)
            }
            Stage::Failed {
                reason,
                issued,
                picker_tab,
            } => self.failed_stage(reason, issued, picker_tab, event),
        }
    }

    /// An event `stage` does not take: it stays as it is, and the step says so.
    fn stray(&mut self, event: impl Into<Event>, stage: Stage) -> Stage {
        self.stray = Some(Stray {
            stage: stage.name(),
            event: event.into().kind(),
        });
        stage
    }

    /// A secret left by a worker that stopped before wiping it.
    fn wipe_leftover_secret(&mut self) {
        if self.secret.is_some() {
            self.effects.push(Effect::WipeSecret);
        }
    }

    fn notify(&mut self, notice: Notice) {
        self.effects.push(Effect::Notify { notice });
    }
}

/// Why a GET got no answer (a request that provably sent nothing that could issue).
fn no_answer(timeout: bool) -> Code {
    if timeout {
        Code::Timeout
    } else {
        Code::ConnectionFailed
    }
}

/// The probe: `GET <API origin>/`, body unread. Any answer proves the TLS connection with the
/// client certificate; a failure proves nothing was sent that could issue a certificate.
fn probe(api_url: &str) -> Effect {
    let origin = https_authority(api_url)
        .map(|a| a.origin())
        .unwrap_or_else(|| api_url.to_owned());
    Effect::Request {
        method: Method::Get,
        url: format!("{origin}/"),
        body: None,
        max_bytes: 0,
        timeout_ms: REQUEST_TIMEOUT_MS,
    }
}

#[cfg(test)]
mod tests;
