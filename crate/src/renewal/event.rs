//! What happens to a renewal, as the worker reports it: `{ type, …fields }`.

use serde::{Deserialize, Serialize};

use super::code::Code;

/// Something that happened to a renewal, sorted by who says it: a timer, a person (the user
/// or the administrator), or the worker reporting what an effect did. The machine answers
/// timers in every stage; a command only where a stage accepts it; an outcome only where the
/// stage waits for it — any other is a [`Stray`](super::effect::Stray), said aloud.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "EventFields")]
pub enum Event {
    /// The worker's clock.
    Timer(Timer),
    /// Someone asked.
    Command(Command),
    /// What an effect did.
    Outcome(Outcome),
}

/// The worker's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// A new worker found this record (the last one may have died anywhere).
    WorkerStarted,
    /// A timer rang (a retry, the hourly check).
    Tick,
}

/// What the user or the administrator asked, from a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// Go on now (retry button, certificate picked).
    RetryNow,
    /// The user opened the certificate picker in this tab.
    PickerOpened {
        /// The tab.
        tab_id: i64,
    },
    /// The user's backup copy was checked.
    BackupConfirmed,
    /// The user logged in with the new certificate.
    ImportConfirmed,
    /// The administrator asked to export a held certificate's files.
    ExportHeld,
    /// The administrator discarded a held certificate (its password and file are wiped).
    DiscardHeld,
}

/// What an effect did, as the worker reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
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
        /// The `Retry-After` header, as sent (read for a 503 or 429).
        retry_after: Option<String>,
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
    /// The held files are saved where the administrator asked.
    HeldExported {
        /// The password file's full path.
        path: String,
        /// The `.p12`'s, when there was one to save.
        p12_path: Option<String>,
    },
    /// The signatures the last step asked about were checked (WebCrypto), in its order:
    /// whether each key verifies (a key or signature WebCrypto refuses is `false`).
    SignaturesChecked {
        /// One answer per request.
        valid: Vec<bool>,
    },
    /// The companion imported the renewed certificate into the computer's store.
    CompanionImported,
    /// The companion backed both files up and checked the copy.
    CompanionBackedUp {
        /// The `.p12`'s copy.
        path: String,
        /// The password file's copy (a companion before this release did not say it).
        password_path: Option<String>,
    },
    /// The companion could not do what it was asked (or is not installed).
    CompanionRefused {
        /// Why.
        code: Code,
    },
}

impl From<Timer> for Event {
    fn from(timer: Timer) -> Self {
        Self::Timer(timer)
    }
}

impl From<Command> for Event {
    fn from(command: Command) -> Self {
        Self::Command(command)
    }
}

impl From<Outcome> for Event {
    fn from(outcome: Outcome) -> Self {
        Self::Outcome(outcome)
    }
}

impl Event {
    /// Its name on the wire (`type`), for a stray said aloud.
    pub fn kind(&self) -> EventKind {
        match self {
            Self::Timer(Timer::WorkerStarted) => EventKind::WorkerStarted,
            Self::Timer(Timer::Tick) => EventKind::Tick,
            Self::Command(Command::RetryNow) => EventKind::RetryNow,
            Self::Command(Command::PickerOpened { .. }) => EventKind::PickerOpened,
            Self::Command(Command::BackupConfirmed) => EventKind::BackupConfirmed,
            Self::Command(Command::ImportConfirmed) => EventKind::ImportConfirmed,
            Self::Command(Command::ExportHeld) => EventKind::ExportHeld,
            Self::Command(Command::DiscardHeld) => EventKind::DiscardHeld,
            Self::Outcome(Outcome::Response { .. }) => EventKind::Response,
            Self::Outcome(Outcome::NetworkFailed { .. }) => EventKind::NetworkFailed,
            Self::Outcome(Outcome::FileSaved { .. }) => EventKind::FileSaved,
            Self::Outcome(Outcome::SaveFailed) => EventKind::SaveFailed,
            Self::Outcome(Outcome::Registered) => EventKind::Registered,
            Self::Outcome(Outcome::HeldExported { .. }) => EventKind::HeldExported,
            Self::Outcome(Outcome::SignaturesChecked { .. }) => EventKind::SignaturesChecked,
            Self::Outcome(Outcome::CompanionImported) => EventKind::CompanionImported,
            Self::Outcome(Outcome::CompanionBackedUp { .. }) => EventKind::CompanionBackedUp,
            Self::Outcome(Outcome::CompanionRefused { .. }) => EventKind::CompanionRefused,
        }
    }
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
    retry_after: Option<String>,
    #[serde(default)]
    timeout: bool,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    tab_id: Option<i64>,
    #[serde(default)]
    p12_path: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    password_path: Option<String>,
    #[serde(default)]
    valid: Option<Vec<bool>>,
}

/// Each event's name on the wire (`type`), written once: here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)] // each is the event of the same name
pub enum EventKind {
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
    ExportHeld,
    HeldExported,
    DiscardHeld,
    SignaturesChecked,
    CompanionImported,
    CompanionBackedUp,
    CompanionRefused,
}

impl TryFrom<EventFields> for Event {
    type Error = &'static str;

    fn try_from(fields: EventFields) -> Result<Self, Self::Error> {
        Ok(match fields.kind {
            EventKind::WorkerStarted => Timer::WorkerStarted.into(),
            EventKind::Tick => Timer::Tick.into(),
            EventKind::RetryNow => Command::RetryNow.into(),
            EventKind::Response => Self::Outcome(Outcome::Response {
                status: fields.status.ok_or("missing field `status`")?,
                redirected: fields.redirected,
                body: fields.body,
                too_large: fields.too_large,
                retry_after: fields.retry_after,
            }),
            EventKind::NetworkFailed => Self::Outcome(Outcome::NetworkFailed {
                timeout: fields.timeout,
            }),
            EventKind::FileSaved => Self::Outcome(Outcome::FileSaved {
                path: fields.path.ok_or("missing field `path`")?,
            }),
            EventKind::SaveFailed => Outcome::SaveFailed.into(),
            EventKind::Registered => Outcome::Registered.into(),
            EventKind::PickerOpened => Self::Command(Command::PickerOpened {
                tab_id: fields.tab_id.ok_or("missing field `tabId`")?,
            }),
            EventKind::BackupConfirmed => Command::BackupConfirmed.into(),
            EventKind::ImportConfirmed => Command::ImportConfirmed.into(),
            EventKind::ExportHeld => Command::ExportHeld.into(),
            EventKind::HeldExported => Self::Outcome(Outcome::HeldExported {
                path: fields.path.ok_or("missing field `path`")?,
                p12_path: fields.p12_path,
            }),
            EventKind::DiscardHeld => Command::DiscardHeld.into(),
            EventKind::SignaturesChecked => Self::Outcome(Outcome::SignaturesChecked {
                valid: fields.valid.ok_or("missing field `valid`")?,
            }),
            EventKind::CompanionImported => Outcome::CompanionImported.into(),
            EventKind::CompanionBackedUp => Self::Outcome(Outcome::CompanionBackedUp {
                path: fields.path.ok_or("missing field `path`")?,
                password_path: fields.password_path,
            }),
            // A code this version does not know is still a refusal, worded generally.
            EventKind::CompanionRefused => Self::Outcome(Outcome::CompanionRefused {
                code: fields
                    .code
                    .as_deref()
                    .and_then(Code::parse)
                    .filter(|code| code.as_str().starts_with("companion_"))
                    .unwrap_or(Code::CompanionRefused),
            }),
        })
    }
}
