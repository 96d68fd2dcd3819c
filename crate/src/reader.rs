//! The reader's one entry point: a certificate file (and its password) in, a report out.

use serde::Serialize;
use zeroize::Zeroizing;

use crate::certificate::{self, CertificateInfo, ParsedCertificate};
use crate::error::{Error, Result};
use crate::file_name::{self, OrcaFileName};
use crate::input::{self, Input};
use crate::issuer::{self, SignatureRequest, Signatures};
use crate::key::PrivateKey;
use crate::pkcs12::{self, Keys, MAX_CERTIFICATES, MAX_KEYS, Pbkdf2Request, Protection, at_most};

/// The container a certificate came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// PKCS#12 (`.p12`, `.pfx`).
    Pkcs12,
    /// PEM text (`.pem`, `.crt`, `.cer`).
    Pem,
    /// A binary DER certificate (`.der`, `.cer`, `.crt`).
    Der,
}

/// Everything the reader found in one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateReport {
    /// The container.
    pub format: Format,
    /// The end-entity certificate: the one the private key belongs to, else the one that
    /// issued no other certificate in the file.
    pub certificate: CertificateInfo,
    /// The other certificates in the file (CA chain), in file order.
    pub chain: Vec<CertificateInfo>,
    /// Whether the file holds a private key.
    pub has_private_key: bool,
    /// How many private keys the file holds (the companion imports a file with exactly one).
    #[serde(skip)]
    pub key_count: usize,
    /// Whether that key belongs to `certificate` (`None` without a key). A key that belongs to
    /// no certificate is an error ([`Error::KeyMismatch`]), so this is never `Some(false)`.
    pub key_matches_certificate: Option<bool>,
    /// Whether the subject CN is `client` + digits, which the ORCA clients renew.
    pub renewable_client: bool,
    /// The fields of an ORCA-style file name, when `file_name` was one.
    pub file_name: Option<OrcaFileName>,
    /// How a PKCS#12 file was protected.
    pub protection: Option<Protection>,
}

/// Reads a certificate file: `password` opens PKCS#12 (an absent one is tried as empty);
/// `file_name`, if known, is decoded when it is ORCA-style. Nothing here reads a clock.
/// Natively only: the Wasm reads in rounds ([`Reading`]).
#[cfg(feature = "in-process-signatures")]
pub fn read_certificate_file(
    bytes: &[u8],
    password: Option<&str>,
    file_name: Option<&str>,
) -> Result<CertificateReport> {
    let (report, _) = read_with_certificate(bytes, password)?;
    Ok(named(report, file_name))
}

/// One round of reading a file with the keys `keys` has and the signature checks
/// `signatures` has answered: `None` when it listed PBKDF2 derivations (`Keys::take_missing`)
/// or signature checks (`Signatures::take_missing`) to make first, then the next round
/// answers. The Wasm binding makes them with WebCrypto; the answers are those of the native
/// path.
pub fn read_certificate_round(
    bytes: &[u8],
    password: Option<&str>,
    file_name: Option<&str>,
    keys: &mut Keys,
    signatures: &mut Signatures,
) -> Result<Option<CertificateReport>> {
    let read = read_in_round(bytes, password, keys, signatures);
    if keys.waiting() || signatures.waiting() {
        // Whatever this round found, it found without some of the file or its issuer.
        return Ok(None);
    }
    let (report, _) = read?;
    Ok(Some(named(report, file_name)))
}

/// A file read in rounds, sans-I/O as `quinn-proto` is: [`Reading::next`] reads the file
/// again with all that is known and says what the caller must do before the next round, and
/// the caller answers with [`Reading::derived`] or [`Reading::checked`]. The Wasm binding
/// answers with WebCrypto; the tests and the fuzzer with the core's own code.
pub struct Reading {
    keys: Keys,
    signatures: Signatures,
}

/// What one round of a [`Reading`] needs next.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one per round, matched at once: a box buys nothing
pub enum Round {
    /// The PBKDF2 keys to derive (possibly none), answered with [`Reading::derived`]. The
    /// PKCS#12 KDF keys the round met are computed by [`Reading::compute_deferred`], which a
    /// caller calls while its derivations run.
    DeriveKeys(Vec<Pbkdf2Request>),
    /// The issuer signatures to check, answered with [`Reading::checked`].
    CheckSignatures(Vec<SignatureRequest>),
    /// The answer.
    Done(Result<CertificateReport>),
}

impl Reading {
    /// A reading that asks for its PBKDF2 keys and signature checks.
    pub fn asking() -> Self {
        Self {
            keys: Keys::asking(),
            signatures: Signatures::asking(),
        }
    }

    /// Reads the file once more: see [`read_certificate_round`].
    pub fn next(&mut self, bytes: &[u8], password: Option<&str>, file_name: Option<&str>) -> Round {
        let keys = &mut self.keys;
        match read_certificate_round(bytes, password, file_name, keys, &mut self.signatures) {
            Ok(Some(report)) => Round::Done(Ok(report)),
            Err(err) => Round::Done(Err(err)),
            // Keys first: the certificates whose signatures are checked are in the parts of
            // the file the keys open.
            Ok(None) if keys.waiting() => Round::DeriveKeys(keys.take_missing()),
            Ok(None) => Round::CheckSignatures(self.signatures.take_missing()),
        }
    }

    /// Computes the PKCS#12 KDF keys the last round met (optional: the next round computes
    /// what is still missing).
    pub fn compute_deferred(&mut self) {
        self.keys.compute_deferred();
    }

    /// The keys derived for `requests`, in order: `None` for one the caller could not derive
    /// (no WebCrypto, or it refused the parameters), which is then computed here.
    pub fn derived(
        &mut self,
        requests: Vec<Pbkdf2Request>,
        keys: Vec<Option<Zeroizing<Vec<u8>>>>,
        password: &[u8],
    ) {
        let mut keys = keys.into_iter();
        for request in requests {
            match keys.next().flatten() {
                Some(key) => self.keys.provide(request, key, password),
                None => self.keys.compute(request, password),
            }
        }
    }

    /// Whether each of `requests` verified, in order (a missing answer is invalid).
    pub fn checked(&mut self, requests: Vec<SignatureRequest>, valid: Vec<bool>) {
        let mut valid = valid.into_iter();
        for request in requests {
            let valid = valid.next().unwrap_or(false);
            self.signatures.provide(request, valid);
        }
    }
}

/// The report with what an ORCA-style `file_name` says.
fn named(mut report: CertificateReport, file_name: Option<&str>) -> CertificateReport {
    report.file_name = file_name.and_then(file_name::parse);
    report
}

/// As [`read_certificate_file`], with the end-entity certificate itself (DER) for checks that
/// need more than its summary (its issuer's signature on it).
#[cfg(feature = "in-process-signatures")]
pub(crate) fn read_with_certificate(
    bytes: &[u8],
    password: Option<&str>,
) -> Result<(CertificateReport, Vec<u8>)> {
    read_in_round(
        bytes,
        password,
        &mut Keys::computing(),
        &mut Signatures::computing(),
    )
}

/// One round of the read with the end-entity certificate (DER): when `keys` or `signatures` is
/// left waiting, the report is incomplete and the caller asks and reads again.
pub(crate) fn read_in_round(
    bytes: &[u8],
    password: Option<&str>,
    keys: &mut Keys,
    signatures: &mut Signatures,
) -> Result<(CertificateReport, Vec<u8>)> {
    let (format, ders, private_keys, protection) = match input::classify(bytes)? {
        Input::Certificates { ders, pem } => (
            if pem { Format::Pem } else { Format::Der },
            ders,
            Vec::new(),
            None,
        ),
        Input::Pkcs12(pfx) => {
            let contents = pkcs12::open_with(pfx, password.unwrap_or(""), keys)?;
            (
                Format::Pkcs12,
                contents.certificates,
                contents.private_keys,
                Some(contents.protection),
            )
        }
    };
    let (mut report, leaf) = report(format, &ders, &private_keys, signatures)?;
    report.protection = protection;
    Ok((report, leaf))
}

/// Picks the end-entity certificate and checks the key against it.
fn report(
    format: Format,
    ders: &[Vec<u8>],
    private_keys: &[Zeroizing<Vec<u8>>],
    signatures: &mut Signatures,
) -> Result<(CertificateReport, Vec<u8>)> {
    // Bounded before any parsing: PEM and DER inputs reach here without the PKCS#12 caps.
    at_most(ders, MAX_CERTIFICATES, "certificates")?;
    at_most(private_keys, MAX_KEYS, "keys")?;
    let parsed = ders
        .iter()
        .map(|der| certificate::parse(der))
        .collect::<Result<Vec<_>>>()?;
    if parsed.is_empty() {
        return Err(Error::NoCertificate);
    }
    let leaf = match private_keys.first() {
        Some(_) => key_owner(private_keys, &parsed)?.ok_or(Error::KeyMismatch)?,
        None => end_entity(&parsed),
    };
    let has_private_key = !private_keys.is_empty();
    let (Some(leaf_der), Some(leaf_certificate)) = (ders.get(leaf), parsed.get(leaf)) else {
        return Err(Error::NoCertificate);
    };
    let others: Vec<_> = parsed
        .iter()
        .enumerate()
        .filter(|(index, _)| *index != leaf)
        .map(|(_, other)| &other.certificate)
        .collect();
    let issuer_key =
        issuer::find_issuer_key(leaf_der, &leaf_certificate.certificate, &others, signatures);
    let mut infos: Vec<CertificateInfo> = parsed.into_iter().map(|p| p.info).collect();
    let mut certificate = infos.remove(leaf);
    certificate.issuer_key = issuer_key.map(|key| certificate::hex(&key));
    let report = CertificateReport {
        format,
        renewable_client: certificate
            .common_name
            .as_deref()
            .is_some_and(file_name::is_renewable_client),
        certificate,
        chain: infos,
        has_private_key,
        key_count: private_keys.len(),
        key_matches_certificate: has_private_key.then_some(true),
        file_name: None,
        protection: None,
    };
    Ok((report, leaf_der.clone()))
}

/// The index of the first certificate that one of the keys belongs to. Each key is read
/// (and an EC point recomputed) once, however many certificates it is compared with.
fn key_owner(
    private_keys: &[zeroize::Zeroizing<Vec<u8>>],
    parsed: &[ParsedCertificate],
) -> Result<Option<usize>> {
    for private_key in private_keys {
        let private_key = PrivateKey::parse(private_key)?;
        for (index, cert) in parsed.iter().enumerate() {
            if private_key.matches(cert.certificate.tbs_certificate().subject_public_key_info())? {
                return Ok(Some(index));
            }
        }
    }
    Ok(None)
}

/// Without a key: the first certificate whose subject issued none of the others.
fn end_entity(parsed: &[ParsedCertificate]) -> usize {
    parsed
        .iter()
        .position(|candidate| {
            !parsed.iter().any(|other| {
                !core::ptr::eq(other, candidate) && other.info.issuer == candidate.info.subject
            })
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod hostile;

#[cfg(test)]
mod tests {
    use super::*;

    fn open(file: &[u8]) -> pkcs12::Pkcs12Contents {
        pkcs12::open(file, "orca-test-pass").expect("fixture opens")
    }

    #[test]
    fn a_key_of_another_certificate_is_a_mismatch() {
        let rsa = open(include_bytes!("../tests/fixtures/openssl3-default.p12"));
        let ec = open(include_bytes!("../tests/fixtures/ec-p256.p12"));
        let result = report(
            Format::Pkcs12,
            &rsa.certificates,
            &ec.private_keys,
            &mut Signatures::computing(),
        );
        assert_eq!(result.err(), Some(Error::KeyMismatch));
        let result = report(
            Format::Pkcs12,
            &ec.certificates,
            &rsa.private_keys,
            &mut Signatures::computing(),
        );
        assert_eq!(result.err(), Some(Error::KeyMismatch));
        assert!(
            report(
                Format::Pkcs12,
                &rsa.certificates,
                &rsa.private_keys,
                &mut Signatures::computing()
            )
            .is_ok()
        );
    }

    /// The PKCS#8 key re-encoded without its public point (as Java writes it), the private
    /// scalar optionally altered to make it another key.
    fn without_public_point(pkcs8: &[u8], alter_scalar: bool) -> Zeroizing<Vec<u8>> {
        use der::{Decode, Encode};
        let info = pkcs8::PrivateKeyInfoRef::from_der(pkcs8).expect("PKCS#8");
        let mut sec1 = sec1::EcPrivateKey::from_der(info.private_key.as_bytes()).expect("SEC 1");
        assert!(sec1.public_key.is_some(), "OpenSSL writes the public point");
        sec1.public_key = None;
        let mut scalar = sec1.private_key.to_vec();
        if let (true, Some(last)) = (alter_scalar, scalar.last_mut()) {
            *last ^= 1;
        }
        sec1.private_key = &scalar;
        let sec1 = sec1.to_der().expect("SEC 1");
        let stripped = pkcs8::PrivateKeyInfoRef {
            algorithm: info.algorithm,
            private_key: der::asn1::OctetStringRef::new(&sec1).expect("octets"),
            public_key: None,
        };
        Zeroizing::new(stripped.to_der().expect("PKCS#8"))
    }

    #[test]
    fn an_ec_key_without_its_public_point_is_checked_by_recomputing_it() {
        let ec = open(include_bytes!("../tests/fixtures/ec-p256.p12"));
        let same = [without_public_point(&ec.private_keys[0], false)];
        assert!(
            report(
                Format::Pkcs12,
                &ec.certificates,
                &same,
                &mut Signatures::computing()
            )
            .is_ok()
        );
        let other = [without_public_point(&ec.private_keys[0], true)];
        let result = report(
            Format::Pkcs12,
            &ec.certificates,
            &other,
            &mut Signatures::computing(),
        );
        assert_eq!(result.err(), Some(Error::KeyMismatch));
    }
}
