//! Every code a renewal can end, wait or be refused with, as one enum: the machine branches
//! on variants, never on strings, and [`Code::ALL`] is the list the extension must word
//! (a test fails for a code without a Japanese or English message).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Writes the enum, its stable strings and the list once, so they cannot drift apart.
macro_rules! codes {
    ($($(#[doc = $doc:literal])+ $variant:ident = $code:literal,)*) => {
        /// A renewal's stable code, stored in records and worded by the extension.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Code {
            $($(#[doc = $doc])+ $variant,)*
        }

        impl Code {
            /// Every code, in the order written here.
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            /// The stable string (`snake_case`) stored and sent to the extension.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)*
                }
            }

            /// The code written as `text`; `None` for one this version does not know.
            pub fn parse(text: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|code| code.as_str() == text)
            }
        }
    };
}

codes! {
    /// The API could not be reached (nothing was sent that could issue a certificate).
    ConnectionFailed = "connection_failed",
    /// An automatic renewal could not connect: Chrome may need its certificate picker.
    AutoNotConnected = "auto_not_connected",
    /// No answer in time.
    Timeout = "timeout",
    /// The server answered with an error (busy, or unknown after the POST).
    ServerError = "server_error",
    /// The server refused the certificate (403 `NOT PERMITTED CERTIFICATE`).
    NotPermitted = "not_permitted",
    /// The server refused the request.
    Rejected = "rejected",
    /// The server redirected a request that must not be redirected.
    Redirected = "redirected",
    /// The answer was not `{ uri, pass }`.
    MalformedAnswer = "malformed_answer",
    /// The answer's `uri` is not on a host allowed to serve the file.
    UntrustedUri = "untrusted_uri",
    /// The answer was longer than any answer could be.
    AnswerTooLarge = "answer_too_large",
    /// The file's host failed (5xx, 429): the GET is repeated.
    DownloadFailed = "download_failed",
    /// The file is no longer at its address (404, 410).
    DownloadGone = "download_gone",
    /// The file's host refused the GET.
    DownloadRefused = "download_refused",
    /// The file does not open with its password: damaged or replaced on the way (a MAC or
    /// decryption failure cannot tell which); a new download may cure it.
    RenewedWrongPassword = "renewed_wrong_password",
    /// The file is cut short or broken; a new download may cure it.
    RenewedUnreadable = "renewed_unreadable",
    /// The file is over the reader's size cap.
    RenewedTooLarge = "renewed_too_large",
    /// Opening the file would cost more work than any real file.
    RenewedTooComplex = "renewed_too_complex",
    /// The file uses an algorithm this reader does not implement: no new download cures it.
    RenewedUnsupported = "renewed_unsupported",
    /// The file holds no private key.
    RenewedNoKey = "renewed_no_key",
    /// The file's key belongs to none of its certificates.
    RenewedKeyMismatch = "renewed_key_mismatch",
    /// Another terminal's certificate.
    RenewedOtherSubject = "renewed_other_subject",
    /// It does not end after the current one.
    RenewedNotLater = "renewed_not_later",
    /// Its issuer cannot be confirmed: another issuer name, or the same name with another
    /// authority key identifier (a CA key rollover and a forged CA look alike).
    RenewedOtherIssuer = "renewed_other_issuer",
    /// Not signed by the issuer key known from the registered file.
    RenewedBadSignature = "renewed_bad_signature",
    /// The issuer key's algorithm is one this core does not verify.
    RenewedUnverifiable = "renewed_unverifiable",
    /// A file could not be saved.
    SaveFailed = "save_failed",
    /// The secret of an issued certificate is gone from the extension's storage (cleared by
    /// hand, or a record from an older version).
    SecretLost = "secret_lost",
    /// The worker stopped while the POST was in flight.
    Interrupted = "interrupted",
    /// The connection dropped after the POST was sent.
    ConnectionLost = "connection_lost",
    /// No renewal endpoint is known for this certificate (on-premise without `renewalApiUrl`).
    NoApiUrl = "no_api_url",
    /// A renewal is under way: exactly one POST, whoever clicks.
    RenewalInProgress = "renewal_in_progress",
    /// A renewed certificate is saved and waits to be imported.
    RenewalAwaitsImport = "renewal_awaits_import",
    /// A certificate may already have been issued: the user must confirm another.
    RenewalNeedsConfirmation = "renewal_needs_confirmation",
    /// Automation tries each certificate once; the user goes on by hand.
    RenewalAlreadyAttempted = "renewal_already_attempted",
    /// A renewed certificate is held for the administrator: it must be exported or discarded
    /// before another is applied for.
    RenewalHeld = "renewal_held",
    /// The backup copy the user picked is not the renewed certificate, or does not open.
    BackupMismatch = "backup_mismatch",
    /// The companion is not installed, not allowed, or did not answer.
    CompanionUnavailable = "companion_unavailable",
    /// The extension has not been granted `nativeMessaging` (the Web Store edition asks for
    /// it on the options page), or was granted it since the worker started.
    CompanionNotPermitted = "companion_not_permitted",
    /// The companion refused for a reason this version does not know.
    CompanionRefused = "companion_refused",
    /// The companion was sent a file that is not the verified certificate.
    CompanionFingerprintMismatch = "companion_fingerprint_mismatch",
    /// The computer's certificate store could not be read or written.
    CompanionStoreFailed = "companion_store_failed",
    /// After the import, the store did not show the certificate with its private key.
    CompanionNotInStore = "companion_not_in_store",
    /// The backup folder is not usable (not absolute, not a folder, not reachable).
    CompanionBackupFolder = "companion_backup_folder",
    /// The backup could not be written.
    CompanionBackupFailed = "companion_backup_failed",
    /// The backup copy did not read back or open with its password.
    CompanionBackupUnreadable = "companion_backup_unreadable",
    /// The companion does not accept this extension as its caller.
    CompanionOriginNotAllowed = "companion_origin_not_allowed",
    /// The message was over the companion's size cap.
    CompanionMessageTooLarge = "companion_message_too_large",
    /// The companion could not read the message.
    CompanionMalformedMessage = "companion_malformed_message",
    /// The companion is not installed on this computer (Chrome finds no native messaging host of its name).
    CompanionNotInstalled = "companion_not_installed",
    /// The companion's host manifest does not name this extension in `allowed_origins`: Chrome refuses to start it.
    CompanionForbidden = "companion_forbidden",
    /// The companion started but ended without answering.
    CompanionExited = "companion_exited",
    /// The companion did not answer within the time limit; it was stopped.
    CompanionTimedOut = "companion_timed_out",
    /// The companion's install configuration could be changed by someone other than an administrator (not owned by the administrator, or writable by others): it is not used.
    CompanionConfigUntrusted = "companion_config_untrusted",
    /// The companion's install configuration names no backup folder: it writes no backup.
    CompanionBackupNotSet = "companion_backup_not_set",
    /// The file does not renew a WebORCA terminal certificate that is in this computer's store with its key: nothing is imported.
    CompanionNotRenewal = "companion_not_a_renewal",
    /// The file holds more than one key pair: nothing is imported.
    CompanionExtraKeys = "companion_extra_keys",
    /// The store already has this certificate with a key that opens only after asking the user: it is left as it is.
    CompanionKeyProtected = "companion_key_protected",
    /// This terminal's status could not be written into the administrator's folder.
    CompanionStatusFailed = "companion_status_failed",
    /// Neither the store nor the file carries the issuer whose key signed the certificate in the store, so the renewal's signature cannot be checked: nothing is imported.
    CompanionIssuerUnknown = "companion_issuer_unknown",
    /// The file holds a certificate that is neither the renewal nor one of its issuers: nothing is imported.
    CompanionExtraCertificates = "companion_extra_certificates",
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| serde::de::Error::custom("unknown renewal code"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_as_itself_and_is_written_once() {
        for code in Code::ALL {
            assert_eq!(Code::parse(code.as_str()), Some(*code));
            let count = Code::ALL
                .iter()
                .filter(|c| c.as_str() == code.as_str())
                .count();
            assert_eq!(count, 1, "{} written twice", code.as_str());
        }
        assert_eq!(Code::parse("made_up"), None);
    }
}
