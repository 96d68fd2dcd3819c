//! One request, one answer: `{ type, … }` in, `{ ok: true, … }` or `{ ok: false, error:
//! { code, … } }` out, the codes the extension words like the core's own.

use base64ct::{Base64, Encoding};
use serde::{Deserialize, Serialize};
use weborca_cert::RenewalCode as Code;
use weborca_cert::{
    CertificateInfo, CertificateReport, Error as ReadError, read_certificate_file, signing_key,
    verify_renewal,
};
use zeroize::Zeroizing;

use crate::admin::Admin;
use crate::backup::back_up;
use crate::status::{Terminal, TerminalReport, write_status};
use crate::store::{Store, StoredCertificate};

/// What the extension asks.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Request {
    /// Which companion, on which store.
    Version,
    /// The client certificates in the store that carry a private key.
    List,
    /// Import a renewed `.p12` the extension verified, if it renews a certificate in the store.
    Import(Renewed),
    /// Copy the `.p12` and its password file into the administrator's folder, and check the
    /// copy. The folder and the names are the companion's to choose.
    Backup(Renewed),
    /// Write this terminal's status into the administrator's folder (`status.rs`).
    Status(TerminalReport),
}

/// A renewed certificate's file, as the extension holds it: data, never an instruction. A
/// request that says anything more (a folder, a name, a text to write) is refused whole.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Renewed {
    /// The file, base64.
    pub p12: String,
    /// Its password.
    pub password: Zeroizing<String>,
    /// The SHA-256 fingerprint the extension verified: anything else is refused.
    pub fingerprint: String,
}

/// A refusal's code: one of the core's renewal codes (`companion_…`), or the core's reader's
/// for a file it could not open (`wrong_password`, …); written as the code alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum RefusalCode {
    /// What the companion refused, or could not do.
    Companion(Code),
    /// Why the file could not be read (the reader's error's code).
    File(&'static str),
}

impl RefusalCode {
    /// The code as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Companion(code) => code.as_str(),
            Self::File(code) => code,
        }
    }
}

/// Why a request was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanionError {
    /// The stable code (the core's, so the extension words it with the rest).
    pub code: RefusalCode,
    /// For the administrator's log (never a password).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

// The companion's codes are the core's own (`RenewalCode::Companion…`): the extension words
// them with the rest, and `tests/codes.test.mjs` checks every one has a message.
impl CompanionError {
    /// A refusal with its code.
    pub fn new(code: Code) -> Self {
        Self {
            code: RefusalCode::Companion(code),
            detail: None,
        }
    }

    /// A refusal with a detail for the log.
    pub fn with(code: Code, detail: impl Into<String>) -> Self {
        Self {
            code: RefusalCode::Companion(code),
            detail: Some(detail.into()),
        }
    }
}

impl From<ReadError> for CompanionError {
    fn from(err: ReadError) -> Self {
        Self {
            code: RefusalCode::File(err.code()),
            detail: Some(err.to_string()),
        }
    }
}

/// A certificate in the store, as the extension registers it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Listed {
    /// The certificate (DER, base64).
    pub der: String,
    /// What the core's reader says of it.
    pub certificate: CertificateInfo,
    /// Issued to a WebORCA terminal (`client` + digits), by the core's rules.
    pub renewable_client: bool,
}

/// An answer's body besides `ok`.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Answer {
    /// `version`.
    #[serde(rename_all = "camelCase")]
    Version {
        /// The companion's version.
        version: &'static str,
        /// The store it works on.
        store: &'static str,
        /// The backup folder the administrator set, if any (shown on the options page).
        backup_folder: Option<String>,
    },
    /// `list`.
    List {
        /// The certificates with a private key.
        certificates: Vec<Listed>,
    },
    /// `import`: the certificate now in the store.
    Imported {
        /// What the store holds now (boxed: by far the largest answer).
        certificate: Box<CertificateInfo>,
    },
    /// `status`: where this terminal's status file is.
    StatusWritten {
        /// The file.
        path: String,
    },
    /// `backup`: where the copies are, checked.
    #[serde(rename_all = "camelCase")]
    BackedUp {
        /// The `.p12`'s copy.
        p12_path: String,
        /// The password file's copy.
        password_path: String,
    },
}

/// Answers `request` with `store`, under what the administrator set, at `now` (ms since the
/// epoch: the date in backup names).
pub fn handle(
    request: Request,
    store: &dyn Store,
    admin: &Admin,
    now: i64,
) -> Result<Answer, CompanionError> {
    match request {
        Request::Version => Ok(Answer::Version {
            version: env!("CARGO_PKG_VERSION"),
            store: store.name(),
            backup_folder: admin
                .backup_folder
                .as_ref()
                .map(|folder| folder.display().to_string()),
        }),
        Request::List => list(store),
        Request::Import(renewed) => {
            let opened = Opened::from(&renewed)?;
            import(store, &opened, &renewed.password)
        }
        Request::Status(report) => write_status(
            admin.backup_folder.as_deref(),
            &Terminal::current(),
            report,
            now,
        ),
        Request::Backup(renewed) => {
            let opened = Opened::from(&renewed)?;
            // The same file an import would take, nothing else: a caller cannot fill the
            // administrator's share with files of its own.
            opened.is_one_terminal_certificate()?;
            let stored = store.list()?;
            if !holds_with_key(&stored, &opened.report.certificate.sha256_fingerprint) {
                renews_one_of(&stored, &store.authorities()?, &opened, &renewed.password)?;
            }
            back_up(
                admin.backup_folder.as_deref(),
                &opened.bytes,
                &renewed.password,
                &opened.report,
                now,
            )
        }
    }
}

/// A renewed file opened by the companion itself with the core: its own fingerprint, never the
/// caller's word for it.
struct Opened {
    bytes: Zeroizing<Vec<u8>>,
    report: CertificateReport,
}

impl Opened {
    fn from(renewed: &Renewed) -> Result<Self, CompanionError> {
        let bytes = Zeroizing::new(decode(&renewed.p12)?);
        let report = read_certificate_file(&bytes, Some(&renewed.password), None)?;
        if !report
            .certificate
            .sha256_fingerprint
            .eq_ignore_ascii_case(&renewed.fingerprint)
        {
            return Err(CompanionError::new(Code::CompanionFingerprintMismatch));
        }
        Ok(Self { bytes, report })
    }
}

fn list(store: &dyn Store) -> Result<Answer, CompanionError> {
    let stored = store.list()?;
    let certificates = stored
        .into_iter()
        .filter(|found| found.has_private_key)
        .filter_map(|found| {
            let report = read_certificate_file(&found.der, None, None).ok()?;
            Some(Listed {
                der: Base64::encode_string(&found.der),
                renewable_client: report.renewable_client,
                certificate: report.certificate,
            })
        })
        .collect();
    Ok(Answer::List { certificates })
}

impl Opened {
    /// One key pair for a WebORCA terminal certificate, and no other certificate than its
    /// issuers: what pk12util would otherwise add to the store beside it (another terminal's
    /// certificate, a second certificate for the same key) is refused with the file.
    fn is_one_terminal_certificate(&self) -> Result<(), CompanionError> {
        let report = &self.report;
        match report.key_count {
            1 => {}
            0 => {
                return Err(CompanionError::with(
                    Code::CompanionNotRenewal,
                    "the file holds no private key",
                ));
            }
            _ => return Err(CompanionError::new(Code::CompanionExtraKeys)),
        }
        if !report.renewable_client {
            return Err(CompanionError::with(
                Code::CompanionNotRenewal,
                "not a WebORCA terminal certificate",
            ));
        }
        // Each other certificate must issue the leaf or another accepted one, by name.
        let mut issuers = vec![report.certificate.issuer.as_str()];
        let mut left: Vec<&CertificateInfo> = report.chain.iter().collect();
        while let Some(index) = left
            .iter()
            .position(|other| issuers.contains(&other.subject.as_str()))
        {
            issuers.push(left.swap_remove(index).issuer.as_str());
        }
        match left.first() {
            None => Ok(()),
            Some(stranger) => Err(CompanionError::with(
                Code::CompanionExtraCertificates,
                format!("{} is not an issuer of the renewal", stranger.subject),
            )),
        }
    }
}

/// Imports `opened` only when it is one key pair for a WebORCA terminal certificate that renews
/// one in the store with its key (the core's rules for a download: same terminal, same issuer
/// — its signature checked with the key that signed the one in the store — a later end).
/// Nothing in the store is replaced; the answer waits until the store shows the new
/// certificate with its key.
fn import(store: &dyn Store, opened: &Opened, password: &str) -> Result<Answer, CompanionError> {
    opened.is_one_terminal_certificate()?;
    let report = &opened.report;
    let fingerprint = &report.certificate.sha256_fingerprint;
    let stored = store.list()?;
    // Already there with its key (the same file asked again after a worker stopped before the
    // answer): nothing to import, and no second copy of the key (Windows keeps one per import).
    if holds_with_key(&stored, fingerprint) {
        return Ok(Answer::Imported {
            certificate: Box::new(report.certificate.clone()),
        });
    }
    renews_one_of(&stored, &store.authorities()?, opened, password)?;
    let label = report
        .certificate
        .common_name
        .clone()
        .unwrap_or_else(|| report.certificate.subject.clone());
    store.import(&opened.bytes, password, &label)?;
    // Answered only once the store shows it, with its private key.
    if !holds_with_key(&store.list()?, fingerprint) {
        return Err(CompanionError::new(Code::CompanionNotInStore));
    }
    Ok(Answer::Imported {
        certificate: Box::new(report.certificate.clone()),
    })
}

/// Whether the file renews a certificate of the same terminal that is in the store with its
/// key. The issuer is proven, not named: the key that signed the certificate in the store
/// (found among the store's certificates, or the file's own issuer) must have signed the
/// renewal, so a CA that only copies the issuer's name is refused.
fn renews_one_of(
    stored: &[StoredCertificate],
    authorities: &[Vec<u8>],
    opened: &Opened,
    password: &str,
) -> Result<(), CompanionError> {
    let new = &opened.report.certificate;
    let store_certificates: Vec<&[u8]> = stored
        .iter()
        .map(|found| found.der.as_slice())
        .chain(authorities.iter().map(Vec::as_slice))
        .collect();
    let file_issuer: Vec<&str> = new.issuer_key.as_deref().into_iter().collect();
    let mut refusal = CompanionError::with(
        Code::CompanionNotRenewal,
        "no certificate of this terminal with its key in the store",
    );
    for found in stored.iter().filter(|found| found.has_private_key) {
        let Ok(old) = read_certificate_file(&found.der, None, None) else {
            continue;
        };
        let mut old = old.certificate;
        if old.common_name != new.common_name || old.organization != new.organization {
            continue;
        }
        let Some(issuer_key) = signing_key(&found.der, &store_certificates, &file_issuer) else {
            refusal = CompanionError::with(
                Code::CompanionIssuerUnknown,
                "neither the store nor the file holds the issuer of the certificate in the store",
            );
            continue;
        };
        old.issuer_key = Some(issuer_key);
        match verify_renewal(&opened.bytes, password, &old) {
            Ok(_) => return Ok(()),
            Err(code) => {
                refusal = CompanionError::with(Code::CompanionNotRenewal, code.as_str());
            }
        }
    }
    Err(refusal)
}

/// Whether `stored` holds the certificate with this SHA-256 fingerprint with its private key.
fn holds_with_key(stored: &[StoredCertificate], fingerprint: &str) -> bool {
    stored.iter().any(|found| {
        found.has_private_key
            && read_certificate_file(&found.der, None, None)
                .is_ok_and(|seen| seen.certificate.sha256_fingerprint == *fingerprint)
    })
}

/// Base64 from the extension; anything else is a malformed message.
pub(crate) fn decode(text: &str) -> Result<Vec<u8>, CompanionError> {
    Base64::decode_vec(text).map_err(|_| CompanionError::new(Code::CompanionMalformedMessage))
}

/// The extension's names for these requests (`extension/shared/protocol.js`) held against
/// the companion's own: one renamed or added on either side fails here.
#[cfg(test)]
mod worker_names {
    use super::Request;

    const PROTOCOL_JS: &str = include_str!("../../../extension/shared/protocol.js");

    #[test]
    fn the_extensions_requests_are_named_as_the_companion_names_them() {
        let (_, rest) = PROTOCOL_JS
            .split_once("export const CompanionRequest = Object.freeze({")
            .expect("protocol.js names the companion's requests");
        let (block, _) = rest.split_once("});").expect("the list ends");
        let mut extension: Vec<&str> = block
            .lines()
            .filter_map(|line| line.split_once(": '"))
            .filter_map(|(_, value)| value.split_once('\''))
            .map(|(value, _)| value)
            .collect();
        // serde lists every name it knows when it refuses one it does not.
        let Err(refusal) = serde_json::from_str::<Request>(r#"{"type":"?"}"#) else {
            panic!("no such request");
        };
        let said = refusal.to_string();
        let (_, listed) = said
            .split_once("expected one of ")
            .expect("the names listed");
        let mut companion: Vec<&str> = listed
            .split(", ")
            .filter_map(|name| name.split('`').nth(1))
            .collect();
        extension.sort_unstable();
        companion.sort_unstable();
        assert_eq!(extension, companion);
    }
}
