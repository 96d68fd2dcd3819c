//! A renewal as the worker stores it: what stays for its whole life (the certificate being
//! renewed, where to renew it, where to save) and its [`Stage`]. Its stored shape is in
//! `stored.rs`.

use serde::{Deserialize, Serialize};

use super::stage::Stage;
use super::stored::StoredRecord;
use crate::certificate::CertificateInfo;

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
