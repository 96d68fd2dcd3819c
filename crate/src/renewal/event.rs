//! What happens to a renewal, as the worker reports it: `{ type, …fields }`.

use serde::Deserialize;

use super::code::Code;

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
    /// The held files are saved where the administrator asked.
    HeldExported {
        /// The password file's full path.
        path: String,
        /// The `.p12`'s, when there was one to save.
        p12_path: Option<String>,
    },
    /// The administrator discarded a held certificate (its password and file are wiped).
    DiscardHeld,
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
    ExportHeld,
    HeldExported,
    DiscardHeld,
    CompanionImported,
    CompanionBackedUp,
    CompanionRefused,
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
                retry_after: fields.retry_after,
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
            EventKind::ExportHeld => Self::ExportHeld,
            EventKind::HeldExported => Self::HeldExported {
                path: fields.path.ok_or("missing field `path`")?,
                p12_path: fields.p12_path,
            },
            EventKind::DiscardHeld => Self::DiscardHeld,
            EventKind::CompanionImported => Self::CompanionImported,
            EventKind::CompanionBackedUp => Self::CompanionBackedUp {
                path: fields.path.ok_or("missing field `path`")?,
                password_path: fields.password_path,
            },
            // A code this version does not know is still a refusal, worded generally.
            EventKind::CompanionRefused => Self::CompanionRefused {
                code: fields
                    .code
                    .as_deref()
                    .and_then(Code::parse)
                    .filter(|code| code.as_str().starts_with("companion_"))
                    .unwrap_or(Code::CompanionRefused),
            },
        })
    }
}
