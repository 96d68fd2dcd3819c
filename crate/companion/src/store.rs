//! The computer's own certificate store, as the browser reads it: the one place a renewed
//! certificate must reach before the browser presents it.

#[cfg(target_os = "linux")]
pub mod nss;
#[cfg(windows)]
pub mod windows;

use der::Decode;
use sha1::{Digest, Sha1};
use weborca_cert::RenewalCode as Code;
use x509_cert::Certificate;

/// A certificate found in the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCertificate {
    /// The certificate (DER).
    pub der: Vec<u8>,
    /// The store holds a private key for it.
    pub has_private_key: bool,
}

/// Why the store could not be read or written; `detail` is for the administrator's log, never
/// holds a password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreError {
    /// The code the extension words (`companion_store_failed` unless the store knows better).
    pub code: Code,
    /// What failed, in English, for logs.
    pub detail: String,
}

impl StoreError {
    /// A failure described for the log.
    pub fn new(detail: impl Into<String>) -> Self {
        Self::with(Code::CompanionStoreFailed, detail)
    }

    /// A failure with its own code.
    pub fn with(code: Code, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
        }
    }
}

impl From<StoreError> for crate::request::CompanionError {
    fn from(err: StoreError) -> Self {
        Self::with(err.code, err.detail)
    }
}

/// A certificate store the companion can list and import into.
pub trait Store {
    /// Its name for the options page (`nss`, `windows`).
    fn name(&self) -> &'static str;
    /// Every certificate in the store, with whether its private key is there.
    fn list(&self) -> Result<Vec<StoredCertificate>, StoreError>;
    /// Imports certificate and key from a PKCS#12 opened by `password`, under `label`.
    /// Importing the same file twice leaves one copy.
    fn import(&self, p12: &[u8], password: &str, label: &str) -> Result<(), StoreError>;
    /// Certificates kept apart from [`Store::list`]'s that may have issued them (Windows' `CA`
    /// and `Root`); NSS keeps them in the one list.
    fn authorities(&self) -> Result<Vec<Vec<u8>>, StoreError> {
        Ok(Vec::new())
    }
}

/// The key identifier NSS and CryptoAPI containers are found by: SHA-1 of the RSA modulus, or
/// of the EC public point (`CKA_ID` as NSS sets it on import).
pub fn key_id(certificate_der: &[u8]) -> Option<[u8; 20]> {
    let certificate = Certificate::from_der(certificate_der).ok()?;
    let spki = certificate.tbs_certificate().subject_public_key_info();
    let public = spki.subject_public_key.as_bytes()?;
    let material = match pkcs1::RsaPublicKey::<der::asn1::UintRef<'_>>::from_der(public) {
        Ok(rsa) => strip_leading_zeros(rsa.modulus.as_bytes()).to_vec(),
        Err(_) => public.to_vec(),
    };
    Some(Sha1::digest(&material).into())
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}
