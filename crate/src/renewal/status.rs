//! What a terminal reports of its certificates for the administrator's page of every terminal
//! (the companion writes it; `crate/companion/src/status.rs` is the format): for each
//! registration, its renewal — the one renewing it, or the one it came from — as the stage's
//! stored name, the last error's code, and when the renewed certificate was registered,
//! imported and backed up. Never a password, a key or a file: the shape has no place for one.

use serde::Serialize;

use super::code::Code;
use super::record::RenewalRecord;
use super::stage::{CompanionOutcome, Copies, Stage};
use super::stored::StageName;
use crate::overview::Registration;

/// One registered certificate, as the companion writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateStatus {
    /// The name the clinic gave it.
    pub name: String,
    /// Its subject CN.
    pub common_name: Option<String>,
    /// Its serial (hex).
    pub serial: String,
    /// When it ends (ms).
    pub not_after: i64,
    /// Found in the computer's store through the companion.
    pub found_in_store: bool,
    /// Its renewal, if any.
    pub renewal: Option<RenewalStatus>,
}

/// Where a registration's renewal stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RenewalStatus {
    /// The stage's stored name.
    pub stage: StageName,
    /// The last error's code (the worker adds its words).
    pub error_code: Option<Code>,
    /// When this registration was registered as a renewal (ms).
    pub renewed_at: Option<i64>,
    /// When the companion's import was verified, or the user logged in with it (ms).
    pub imported_at: Option<i64>,
    /// When a backup copy was verified (ms).
    pub backed_up_at: Option<i64>,
}

/// Every registration's status, in the registrations' order.
pub fn terminal_status(
    registrations: &[Registration],
    renewals: &[RenewalRecord],
) -> Vec<CertificateStatus> {
    registrations
        .iter()
        .map(|registration| {
            let fingerprint = &registration.certificate.sha256_fingerprint;
            let came_from = renewals.iter().find(|record| {
                record
                    .stage
                    .renewed()
                    .is_some_and(|renewed| renewed.certificate.sha256_fingerprint == *fingerprint)
            });
            let renewing = renewals
                .iter()
                .find(|record| record.fingerprint == *fingerprint);
            let certificate = &registration.certificate;
            CertificateStatus {
                name: registration.label.clone(),
                common_name: certificate.common_name.clone(),
                serial: certificate.serial.clone(),
                not_after: certificate.not_after,
                found_in_store: registration.found_in_store,
                renewal: renewing
                    .map(renewing_status)
                    .or_else(|| came_from.map(renewed_status)),
            }
        })
        .collect()
}

/// A renewal of this registration, under way or stopped.
fn renewing_status(record: &RenewalRecord) -> RenewalStatus {
    RenewalStatus {
        stage: record.stage.name(),
        error_code: record.stage.reason().map(|reason| reason.code),
        renewed_at: None,
        imported_at: None,
        backed_up_at: None,
    }
}

/// The renewal this registration came from: what was done with it since.
fn renewed_status(record: &RenewalRecord) -> RenewalStatus {
    let at = Some(record.updated_at);
    let from_outcome = |outcome: &CompanionOutcome, user_backed_up: bool, logged_in: bool| {
        (
            (logged_in || outcome.imported).then_some(record.updated_at),
            (user_backed_up || outcome.backup.is_some()).then_some(record.updated_at),
        )
    };
    let (imported_at, backed_up_at) = match &record.stage {
        Stage::Registering { copies, .. } | Stage::Done { copies, .. } => match copies {
            Copies::Companion { .. } => (at, at),
            Copies::Downloads { outcome, .. } => {
                from_outcome(outcome, false, matches!(record.stage, Stage::Done { .. }))
            }
        },
        Stage::AwaitingImport {
            outcome, backed_up, ..
        } => from_outcome(outcome, *backed_up, false),
        Stage::Probing { .. }
        | Stage::Requesting { .. }
        | Stage::Waiting { .. }
        | Stage::Downloading { .. }
        | Stage::CheckingSignature { .. }
        | Stage::DownloadStuck { .. }
        | Stage::Saving { .. }
        | Stage::Importing { .. }
        | Stage::BackingUp { .. }
        | Stage::Held { .. }
        | Stage::Uncertain { .. }
        | Stage::Failed { .. } => (None, None),
    };
    RenewalStatus {
        stage: record.stage.name(),
        error_code: record.stage.reason().map(|reason| reason.code),
        renewed_at: at,
        imported_at,
        backed_up_at,
    }
}
