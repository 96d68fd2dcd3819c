//! One request, one answer: `{ type, … }` in, `{ ok: true, … }` or `{ ok: false, error:
//! { code, … } }` out, the codes the extension words like the core's own.

use base64ct::{Base64, Encoding};
use serde::{Deserialize, Serialize};
use weborca_cert::RenewalCode as Code;
use weborca_cert::{CertificateInfo, Error as ReadError, read_certificate_file};
use zeroize::Zeroizing;

use crate::backup::{BackupRequest, back_up};
use crate::store::Store;

/// What the extension asks.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Request {
    /// Which companion, on which store.
    Version,
    /// The client certificates in the store that carry a private key.
    List,
    /// Import a renewed `.p12` the extension verified.
    #[serde(rename_all = "camelCase")]
    Import {
        /// The file, base64.
        p12: String,
        /// Its password.
        password: Zeroizing<String>,
        /// The SHA-256 fingerprint the extension verified: anything else is refused.
        fingerprint: String,
    },
    /// Copy the `.p12` and its password file into the administrator's folder, and check the copy.
    Backup(BackupRequest),
}

/// Why a request was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanionError {
    /// The stable code.
    pub code: &'static str,
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
            code: code.as_str(),
            detail: None,
        }
    }

    /// A refusal with a detail for the log.
    pub fn with(code: Code, detail: impl Into<String>) -> Self {
        Self {
            code: code.as_str(),
            detail: Some(detail.into()),
        }
    }
}

impl From<ReadError> for CompanionError {
    fn from(err: ReadError) -> Self {
        Self {
            code: err.code(),
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
    /// `backup`: where the copies are, checked.
    #[serde(rename_all = "camelCase")]
    BackedUp {
        /// The `.p12`'s copy.
        p12_path: String,
        /// The password file's copy.
        password_path: String,
    },
}

/// Answers `request` with `store`.
pub fn handle(request: Request, store: &dyn Store) -> Result<Answer, CompanionError> {
    match request {
        Request::Version => Ok(Answer::Version {
            version: env!("CARGO_PKG_VERSION"),
            store: store.name(),
        }),
        Request::List => list(store),
        Request::Import {
            p12,
            password,
            fingerprint,
        } => import(store, &p12, &password, &fingerprint),
        Request::Backup(request) => back_up(&request),
    }
}

fn list(store: &dyn Store) -> Result<Answer, CompanionError> {
    let stored = store
        .list()
        .map_err(|err| CompanionError::with(Code::CompanionStoreFailed, err.detail))?;
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

fn import(
    store: &dyn Store,
    p12: &str,
    password: &str,
    fingerprint: &str,
) -> Result<Answer, CompanionError> {
    let bytes = Zeroizing::new(decode(p12)?);
    // The core opens it natively first: the same checks as the extension's, and a file that
    // is not the verified certificate never reaches the store.
    let report = read_certificate_file(&bytes, Some(password), None)?;
    if !report
        .certificate
        .sha256_fingerprint
        .eq_ignore_ascii_case(fingerprint)
    {
        return Err(CompanionError::new(Code::CompanionFingerprintMismatch));
    }
    let label = report
        .certificate
        .common_name
        .clone()
        .unwrap_or_else(|| report.certificate.subject.clone());
    let fingerprint = &report.certificate.sha256_fingerprint;
    // Already there with its key (the same file asked again after a worker stopped before the
    // answer): nothing to import, and no second copy of the key (Windows keeps one per import).
    if !holds_with_key(store, fingerprint)? {
        store
            .import(&bytes, password, &label)
            .map_err(|err| CompanionError::with(Code::CompanionStoreFailed, err.detail))?;
        // Answered only once the store shows it, with its private key.
        if !holds_with_key(store, fingerprint)? {
            return Err(CompanionError::new(Code::CompanionNotInStore));
        }
    }
    Ok(Answer::Imported {
        certificate: Box::new(report.certificate),
    })
}

/// Whether the store holds the certificate with this SHA-256 fingerprint with its private key.
fn holds_with_key(store: &dyn Store, fingerprint: &str) -> Result<bool, CompanionError> {
    Ok(store
        .list()
        .map_err(|err| CompanionError::with(Code::CompanionStoreFailed, err.detail))?
        .into_iter()
        .any(|found| {
            found.has_private_key
                && read_certificate_file(&found.der, None, None)
                    .is_ok_and(|seen| seen.certificate.sha256_fingerprint == fingerprint)
        }))
}

/// Base64 from the extension; anything else is a malformed message.
pub(crate) fn decode(text: &str) -> Result<Vec<u8>, CompanionError> {
    Base64::decode_vec(text).map_err(|_| CompanionError::new(Code::CompanionMalformedMessage))
}
