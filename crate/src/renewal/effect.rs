//! What the machine asks the worker to do ([`Effect`]), in order; what each does comes back
//! as an [`Outcome`](super::event::Outcome). Each effect's name on the wire (`type`) is its
//! variant's, in camelCase, written once: here.

use serde::{Deserialize, Serialize};

use super::event::EventKind;
use super::record::{RenewalRecord, Secret};
use super::stored::StageName;
use crate::certificate::CertificateInfo;
use crate::issuer::SignatureRequest;

/// What the worker is to do, in order; results come back as events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Effect {
    /// An HTTP request over the browser's mutual TLS, redirects not followed. Its outcome
    /// comes back as [`Outcome::Response`](super::event::Outcome::Response) or [`Outcome::NetworkFailed`](super::event::Outcome::NetworkFailed).
    #[serde(rename_all = "camelCase")]
    Request {
        /// How.
        method: Method,
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
    /// [`Outcome::FileSaved`](super::event::Outcome::FileSaved) or [`Outcome::SaveFailed`](super::event::Outcome::SaveFailed).
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
    /// old one goes to history, the label stays), then answer [`Outcome::Registered`](super::event::Outcome::Registered).
    #[serde(rename_all = "camelCase")]
    Register {
        /// The new certificate (boxed: it is by far the largest effect).
        certificate: Box<CertificateInfo>,
        /// The `.p12`'s name.
        file_name: String,
    },
    /// Check each signature with the browser's WebCrypto (`checkSignatures` in the core's
    /// bindings does it), then answer [`Outcome::SignaturesChecked`](super::event::Outcome::SignaturesChecked) in the same order.
    CheckSignatures {
        /// What to check.
        requests: Vec<SignatureRequest>,
    },
    /// Tell the user.
    Notify {
        /// What about.
        notice: Notice,
    },
    /// Send [`Timer::Tick`](super::event::Timer::Tick) at `at` (ms).
    Wake {
        /// When.
        at: i64,
    },
    /// Ask the companion to import the renewed file kept in the secret into the computer's
    /// store. Answer with [`Outcome::CompanionImported`](super::event::Outcome::CompanionImported) or [`Outcome::CompanionRefused`](super::event::Outcome::CompanionRefused).
    CompanionImport {
        /// The SHA-256 fingerprint the file must have (verified here).
        fingerprint: String,
    },
    /// Ask the companion to back the renewed file kept in the secret and its password up
    /// into the folder its administrator set (it names the files) and check the copy. Answer
    /// with [`Outcome::CompanionBackedUp`](super::event::Outcome::CompanionBackedUp) or [`Outcome::CompanionRefused`](super::event::Outcome::CompanionRefused).
    CompanionBackup {
        /// The SHA-256 fingerprint the file must have (verified here).
        fingerprint: String,
    },
    /// Save a held certificate's files where the administrator looks, not where a
    /// receptionist imports: the password file (as [`Effect::SavePassword`] writes it) and,
    /// when kept, the file. Answer with [`Outcome::HeldExported`](super::event::Outcome::HeldExported) or [`Outcome::SaveFailed`](super::event::Outcome::SaveFailed).
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
#[cfg_attr(test, derive(Deserialize))]
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
    /// The event, when the stage was not waiting for it: nothing changed; the worker logs it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stray: Option<Stray>,
}

/// An event a stage does not take (an outcome it did not ask for, a command it does not
/// accept): said aloud, never dropped without a word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Stray {
    /// The stage it reached.
    pub stage: StageName,
    /// The event.
    pub event: EventKind,
}

/// The HTTP methods the renewal sends: the probe and the file's download are `GET`s, the
/// application (which may issue a certificate) the one `POST`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// Safe to repeat.
    Get,
    /// May issue a certificate: at most one per renewal asked for.
    Post,
}
