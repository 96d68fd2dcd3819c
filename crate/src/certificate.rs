//! An X.509 certificate as the extension shows it: names, validity, serial, fingerprint, key.

use const_oid::ObjectIdentifier;
use der::asn1::{Ia5StringRef, OctetString};
use der::{Decode, Encode, Tag, Tagged};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::pkix::AuthorityKeyIdentifier;
use x509_cert::ext::pkix::name::DirectoryString;
use x509_cert::name::Name;

use crate::error::{Error, Result};
use crate::oid;

const CN: ObjectIdentifier = oid::COMMON_NAME;
const O: ObjectIdentifier = oid::ORGANIZATION_NAME;

/// Short names for the attributes met in client-certificate DNs (RFC 4514 §3 plus the
/// common extras). Written out here because `x509-cert`'s `Display` pulls in the whole OID
/// name table (about 95 KB of Wasm) for names these certificates never use.
const ATTRIBUTE_NAMES: [(ObjectIdentifier, &str); 12] = [
    (CN, "CN"),
    (O, "O"),
    (oid::ORGANIZATIONAL_UNIT_NAME, "OU"),
    (oid::COUNTRY_NAME, "C"),
    (oid::LOCALITY_NAME, "L"),
    (oid::ST, "ST"),
    (oid::STREET, "STREET"),
    (oid::SERIAL_NUMBER, "serialNumber"),
    (oid::GIVEN_NAME, "GN"),
    (oid::SN, "SN"),
    (oid::DOMAIN_COMPONENT, "DC"),
    (oid::PKCS_9_AT_EMAIL_ADDRESS, "emailAddress"),
];

/// What the extension stores and shows about one certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateInfo {
    /// Subject DN, RFC 4514 (`CN=client3948,O=u00001294,C=JP`).
    pub subject: String,
    /// Subject CN, if any.
    pub common_name: Option<String>,
    /// Subject O (the ORCA tenant, `u` + 8 digits), if any.
    pub organization: Option<String>,
    /// Issuer DN, RFC 4514.
    pub issuer: String,
    /// Serial number, upper-case hex without leading zeros (as `openssl x509 -serial`).
    pub serial: String,
    /// Start of validity, milliseconds since the Unix epoch.
    pub not_before: i64,
    /// End of validity, milliseconds since the Unix epoch.
    pub not_after: i64,
    /// SHA-256 of the DER certificate, upper-case hex.
    pub sha256_fingerprint: String,
    /// Public key algorithm and size (`RSA 2048`, `EC P-256`).
    pub key_algorithm: String,
    /// The authority key identifier (hex), naming the issuer's key, when present.
    #[serde(default)]
    pub authority_key_id: Option<String>,
    /// The subject key identifier (hex), when present.
    #[serde(default)]
    pub subject_key_id: Option<String>,
    /// The issuer's public key (SubjectPublicKeyInfo DER, hex), when the file carried the
    /// issuer's certificate and its signature on this one checked out: what a renewed
    /// certificate must be signed by.
    #[serde(default)]
    pub issuer_key: Option<String>,
}

/// A decoded certificate with its DER and its summary.
pub(crate) struct ParsedCertificate {
    /// The certificate as decoded.
    pub certificate: Certificate,
    /// What the extension shows of it.
    pub info: CertificateInfo,
}

/// Decodes a DER certificate.
pub(crate) fn parse(der: &[u8]) -> Result<ParsedCertificate> {
    let certificate = Certificate::from_der(der).map_err(Error::der("certificate"))?;
    let tbs = certificate.tbs_certificate();
    let validity = tbs.validity();
    let info = CertificateInfo {
        subject: format_name(tbs.subject()),
        common_name: attribute(tbs.subject(), CN),
        organization: attribute(tbs.subject(), O),
        issuer: format_name(tbs.issuer()),
        serial: hex(trim_leading_zeros(tbs.serial_number().as_bytes())),
        not_before: unix_millis(validity.not_before.to_unix_duration()),
        not_after: unix_millis(validity.not_after.to_unix_duration()),
        sha256_fingerprint: hex(&Sha256::digest(der)),
        key_algorithm: key_algorithm(tbs.subject_public_key_info()),
        authority_key_id: extension(&certificate, oid::ID_CE_AUTHORITY_KEY_IDENTIFIER)
            .and_then(|value| AuthorityKeyIdentifier::from_der(value).ok())
            .and_then(|aki| aki.key_identifier)
            .map(|id| hex(id.as_bytes())),
        subject_key_id: extension(&certificate, oid::ID_CE_SUBJECT_KEY_IDENTIFIER)
            .and_then(|value| OctetString::from_der(value).ok())
            .map(|id| hex(id.as_bytes())),
        issuer_key: None,
    };
    Ok(ParsedCertificate { certificate, info })
}

/// The value of extension `oid`, if the certificate has it.
fn extension(certificate: &Certificate, oid: ObjectIdentifier) -> Option<&[u8]> {
    certificate
        .tbs_certificate()
        .extensions()?
        .iter()
        .find(|ext| ext.extn_id == oid)
        .map(|ext| ext.extn_value.as_bytes())
}

fn unix_millis(duration: core::time::Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

fn trim_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    bytes.get(start..).unwrap_or(bytes)
}

/// Upper-case hex, as OpenSSL prints serials and fingerprints.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use core::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02X}"); // writing to a String cannot fail
    }
    out
}

/// Bytes from [`hex`]'s upper- or lower-case form; `None` for anything else.
pub(crate) fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The first value of attribute `oid` in `name`, as text.
fn attribute(name: &Name, oid: ObjectIdentifier) -> Option<String> {
    name.iter()
        .find(|atv| atv.oid == oid)
        .and_then(attribute_text)
}

fn attribute_text(atv: &AttributeTypeAndValue) -> Option<String> {
    if let Ok(text) = DirectoryString::try_from(&atv.value) {
        return Some(text.value().into_owned());
    }
    if atv.value.tag() == Tag::Ia5String {
        return atv
            .value
            .decode_as::<Ia5StringRef<'_>>()
            .ok()
            .map(|s| s.as_str().to_owned());
    }
    None
}

/// RFC 4514 §2: RDNs from last to first, `+` inside a multi-valued RDN, special characters
/// escaped; values that are not strings are written as `#` + hex of their DER.
pub(crate) fn format_name(name: &Name) -> String {
    let rdns: Vec<String> = name
        .iter_rdn()
        .map(|rdn| {
            rdn.iter()
                .map(format_attribute)
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect();
    rdns.into_iter().rev().collect::<Vec<_>>().join(",")
}

fn format_attribute(atv: &AttributeTypeAndValue) -> String {
    let label = ATTRIBUTE_NAMES
        .iter()
        .find(|(oid, _)| *oid == atv.oid)
        .map(|(_, label)| (*label).to_owned())
        .unwrap_or_else(|| atv.oid.to_string());
    let value = match attribute_text(atv) {
        Some(text) => escape(&text),
        None => format!("#{}", hex(&atv.value.to_der().unwrap_or_default())),
    };
    format!("{label}={value}")
}

fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && matches!(c, ' ' | '#'))
            || (i == last && c == ' ');
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn key_algorithm(spki: &spki::SubjectPublicKeyInfoOwned) -> String {
    match spki.algorithm.oid {
        oid::RSA_ENCRYPTION => {
            pkcs1::RsaPublicKeyRef::from_der(spki.subject_public_key.raw_bytes())
                .map(|key| {
                    let modulus = trim_leading_zeros(key.modulus.as_bytes());
                    let top = modulus.first().copied().unwrap_or(0);
                    let bits = modulus.len() * 8 - top.leading_zeros() as usize;
                    format!("RSA {bits}")
                })
                .unwrap_or_else(|_| "RSA".to_owned())
        }
        oid::ID_EC_PUBLIC_KEY => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|params| params.decode_as::<ObjectIdentifier>().ok());
            match curve {
                Some(oid::SECP_256_R_1) => "EC P-256".to_owned(),
                Some(oid::SECP_384_R_1) => "EC P-384".to_owned(),
                Some(oid::SECP_521_R_1) => "EC P-521".to_owned(),
                Some(other) => format!("EC {other}"),
                None => "EC".to_owned(),
            }
        }
        oid::ID_ED_25519 => "Ed25519".to_owned(),
        oid => oid.to_string(),
    }
}
