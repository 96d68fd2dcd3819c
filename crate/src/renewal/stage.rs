//! Where a renewal stands: each [`Stage`] with the data it has and nothing else, so an
//! impossible combination cannot be written down, and what each stage implies (busy, holding
//! a secret, issued) as predicates written once. The transitions are in `machine/`, one file
//! per family of stages (named in the drawing). The predicates that guard a rule (busy, a
//! secret kept, a new start, issued) match every stage by name, so a new stage is decided in
//! each; only `awaits_import`, one stage by definition, is a `matches!`.
//!
//! ```text
//!                  ┌──────────── connect.rs ────────────┐
//! Probing ─any answer─▶ Requesting ─200 {uri,pass}─▶ Downloading ─verified─┬─▶ plan: import?  Importing ─▶ BackingUp ─┐
//!  │ no connection        │ 503/429                    │ 5xx, damaged file │                 (companion.rs)           │
//!  ▼                      ▼                            │ (timer, then user)│  no plan ──────────────────┐  both      │ anything
//! Waiting ◀───────────── (nothing issued)        DownloadStuck           │                            ▼  verified  │ refused
//!  │ timer or retry ─▶ Probing                   (404, refusal,          │                          Saving ◀─────────────┘
//!  ▼ rounds used up       │ timeout, lost, 5xx,   retries used up)        │                   password │ then .p12 (save.rs)
//! Failed ◀───┐            │ redirect, worker died          download.rs    │                            ▼          ▼
//!            │            ▼                                               │   Registering ◀── files saved ── (companion:
//!            │         Uncertain          (stopped.rs)                    │        │ registered     nothing in Downloads)
//!            │                                                            │        ▼   (finish.rs)
//!            └── discarded ── Held (a file not ours, or whose issuer      │   AwaitingImport ── backup, login ──▶ Done
//!                             cannot be confirmed; held.rs) ◀─────────────┘   (imported by the companion ──────▶ Done)
//!
//! Downloading ─200, opens, a signature to check─▶ CheckingSignature (file kept) ─signaturesChecked─▶ verified / held
//! ```

use serde::{Deserialize, Serialize};

use super::code::Code;
use super::stored::StageName;
use crate::certificate::CertificateInfo;
use crate::file_name::SavedNames;

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
    /// The downloaded file opened and is this terminal's renewed certificate by its names and
    /// dates; its issuer's signature is checked by the worker with WebCrypto (the Wasm carries
    /// no RSA). The file and its password are kept, durably, meanwhile.
    CheckingSignature {
        /// Where the file came from (a damaged file is fetched again from there).
        uri: String,
        /// GETs so far.
        attempt: u32,
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

impl Stage {
    /// Under way: a new start is refused and the certificate may not be removed.
    pub fn is_busy(&self) -> bool {
        match self {
            Self::Probing { .. }
            | Self::Requesting { .. }
            | Self::Waiting { .. }
            | Self::Downloading { .. }
            | Self::CheckingSignature { .. }
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
        // One stage by definition: a new stage cannot be it by mistake.
        matches!(self, Self::AwaitingImport { .. })
    }

    /// A certificate was issued and its secret is still wanted: the worker keeps it (and
    /// keeps it durable, so a closed browser loses nothing) until this is false.
    pub fn keeps_durable_secret(&self) -> bool {
        match self {
            Self::Downloading { .. }
            | Self::CheckingSignature { .. }
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

    /// What a new renewal of the same certificate (「今すぐ更新」 again) meets. Not the same as
    /// [`Stage::is_busy`]: a stuck download keeps its registration (the file is owed), yet the
    /// user may give up on it and apply again, confirmed.
    pub fn new_start(&self) -> NewStart {
        match self {
            Self::Probing { .. }
            | Self::Requesting { .. }
            | Self::Waiting { .. }
            | Self::Downloading { .. }
            | Self::CheckingSignature { .. }
            | Self::Saving { .. }
            | Self::Importing { .. }
            | Self::BackingUp { .. }
            | Self::Registering { .. } => NewStart::Refused(Code::RenewalInProgress),
            Self::AwaitingImport { .. } => NewStart::Refused(Code::RenewalAwaitsImport),
            Self::Held { exported: None, .. } => NewStart::Refused(Code::RenewalHeld),
            // The user gave up on that file, or the administrator has its files: its password
            // goes now.
            Self::DownloadStuck { .. }
            | Self::Held {
                exported: Some(_), ..
            } => NewStart::Confirmed { wipe_secret: true },
            Self::Uncertain { .. } | Self::Failed { issued: true, .. } => {
                NewStart::Confirmed { wipe_secret: false }
            }
            Self::Failed { issued: false, .. } | Self::Done { .. } => NewStart::Free,
        }
    }

    /// The name stored in `state` (and used by the screens as a class).
    pub fn name(&self) -> StageName {
        match self {
            Self::Probing { .. } => StageName::Probing,
            Self::Requesting { .. } => StageName::Requesting,
            Self::Waiting { .. } => StageName::Waiting,
            Self::Downloading { .. }
            | Self::CheckingSignature { .. }
            | Self::DownloadStuck { .. } => StageName::Answered,
            Self::Saving {
                password_file: None,
                ..
            } => StageName::Verified,
            Self::Saving {
                password_file: Some(_),
                ..
            } => StageName::PasswordSaved,
            Self::Importing { .. } => StageName::Importing,
            Self::BackingUp { .. } => StageName::BackingUp,
            Self::Registering { .. } => StageName::FilesSaved,
            Self::AwaitingImport {
                backed_up: false, ..
            } => StageName::Saved,
            Self::AwaitingImport {
                backed_up: true, ..
            } => StageName::BackedUp,
            Self::Done { .. } => StageName::Done,
            Self::Held { .. } => StageName::Held,
            Self::Uncertain { .. } => StageName::Uncertain,
            Self::Failed { .. } => StageName::Failed,
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
            | Self::CheckingSignature { .. }
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
            | Self::CheckingSignature { .. }
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
            | Self::CheckingSignature { .. }
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

/// What a new renewal of a certificate meets from its earlier one ([`Stage::new_start`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewStart {
    /// Not now: why.
    Refused(Code),
    /// Only once the user confirmed that a certificate may already have been issued; the
    /// earlier renewal's secret is wiped when `wipe_secret`.
    Confirmed {
        /// The earlier renewal's password (and file) go.
        wipe_secret: bool,
    },
    /// Nothing stands in the way.
    Free,
}
