//! Whether a certificate was signed by an issuer's key (RFC 5280 §6.1.3 (a)(1)): the one
//! check that tells the ORCA CA's certificate from another with the same names.
//!
//! Sans-I/O like the PBKDF2 keys (`pkcs12/keys.rs`): a read lists each check it needs as a
//! [`SignatureRequest`] in [`Signatures`], and whoever holds a verifier answers before the next
//! round. In the Wasm that is the browser's WebCrypto (`wasm/signature.rs`: `importKey("spki")`
//! and `verify`), so the core ships no big-integer arithmetic: RSA (the `rsa` crate over
//! `crypto-bigint`) and ECDSA cost the shipped core 81 KB raw, 20 KB brotli (issue 27,
//! tests/bench/cuts.md). Natively (the companion, the tests) [`Signatures::computing`] answers
//! with the `rsa` and `p256` crates. Other algorithms are reported as unsupported, never as
//! valid, and are never asked.

use der::{Decode, Encode};
use serde::{Deserialize, Serialize};
use x509_cert::Certificate;

use crate::oid::{
    ECDSA_WITH_SHA_256 as ECDSA_WITH_SHA256, SHA_1_WITH_RSA_ENCRYPTION as SHA1_WITH_RSA,
    SHA_256_WITH_RSA_ENCRYPTION as SHA256_WITH_RSA, SHA_384_WITH_RSA_ENCRYPTION as SHA384_WITH_RSA,
    SHA_512_WITH_RSA_ENCRYPTION as SHA512_WITH_RSA,
};

/// What checking a signature found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SignatureCheck {
    /// The issuer's key signed the certificate.
    Valid,
    /// It did not (or the key or signature is malformed).
    Invalid,
    /// An algorithm this core does not verify (it is never taken as valid).
    Unsupported,
}

/// A signature algorithm this core has checked, as WebCrypto names its parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-1 (`sha1WithRSAEncryption`).
    RsaSha1,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RsaSha256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RsaSha384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RsaSha512,
    /// ECDSA on P-256 with SHA-256.
    EcdsaP256Sha256,
}

impl SignatureAlgorithm {
    /// The hash, as WebCrypto names it.
    pub fn web_crypto_hash(self) -> &'static str {
        match self {
            Self::RsaSha1 => "SHA-1",
            Self::RsaSha256 | Self::EcdsaP256Sha256 => "SHA-256",
            Self::RsaSha384 => "SHA-384",
            Self::RsaSha512 => "SHA-512",
        }
    }

    /// Whether it is ECDSA (else RSASSA-PKCS1-v1_5).
    pub fn is_ecdsa(self) -> bool {
        match self {
            Self::EcdsaP256Sha256 => true,
            Self::RsaSha1 | Self::RsaSha256 | Self::RsaSha384 | Self::RsaSha512 => false,
        }
    }
}

/// One signature to check: the issuer's key, what it signed and the signature, in the shape
/// WebCrypto takes them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignatureRequest {
    /// The algorithm the certificate names.
    pub algorithm: SignatureAlgorithm,
    /// The issuer's SubjectPublicKeyInfo (DER).
    #[serde(with = "serde_bytes")]
    pub key: Vec<u8>,
    /// The signed bytes: the certificate's TBSCertificate (DER).
    #[serde(with = "serde_bytes")]
    pub signed: Vec<u8>,
    /// The signature: PKCS#1 v1.5 bytes, or for ECDSA the fixed `r‖s` (64 bytes) WebCrypto
    /// takes (the certificate carries a DER `Ecdsa-Sig-Value`).
    #[serde(with = "serde_bytes")]
    pub signature: Vec<u8>,
}

/// The check of a certificate's signature (`certificate`, DER) by `issuer_key`
/// (SubjectPublicKeyInfo, DER), or what is known without one: `Invalid` when a part is
/// malformed, `Unsupported` for an algorithm this core does not check. The signed bytes are
/// the TBSCertificate as it stands in the file (RFC 5280 §4.1.1.3), not re-encoded: the
/// encoder would cost the Wasm what it saves (issue 27).
fn request(certificate: &[u8], issuer_key: &[u8]) -> Result<SignatureRequest, SignatureCheck> {
    let (signed, algorithm, signature) =
        signed_parts(certificate).ok_or(SignatureCheck::Invalid)?;
    let algorithm = match algorithm.oid {
        SHA1_WITH_RSA => SignatureAlgorithm::RsaSha1,
        SHA256_WITH_RSA => SignatureAlgorithm::RsaSha256,
        SHA384_WITH_RSA => SignatureAlgorithm::RsaSha384,
        SHA512_WITH_RSA => SignatureAlgorithm::RsaSha512,
        ECDSA_WITH_SHA256 => SignatureAlgorithm::EcdsaP256Sha256,
        _ => return Err(SignatureCheck::Unsupported),
    };
    let signature = signature.as_bytes().ok_or(SignatureCheck::Invalid)?;
    let signature = if algorithm.is_ecdsa() {
        p256_fixed(signature).ok_or(SignatureCheck::Invalid)?
    } else {
        signature.to_vec()
    };
    // Only a well-formed key is asked about (WebCrypto would refuse the rest the same way).
    spki::SubjectPublicKeyInfoRef::from_der(issuer_key).map_err(|_| SignatureCheck::Invalid)?;
    Ok(SignatureRequest {
        algorithm,
        key: issuer_key.to_vec(),
        signed: signed.to_vec(),
        signature,
    })
}

/// A certificate's three parts (RFC 5280 §4.1): the TBSCertificate's bytes as they stand,
/// the signature algorithm, the signature.
fn signed_parts(
    certificate: &[u8],
) -> Option<(
    &[u8],
    spki::AlgorithmIdentifierRef<'_>,
    der::asn1::BitStringRef<'_>,
)> {
    use der::Reader;
    let mut outer = der::SliceReader::new(certificate).ok()?;
    outer
        .sequence(|inner| {
            let tbs = inner.tlv_bytes()?;
            let algorithm = inner.decode()?;
            let signature = inner.decode()?;
            Ok::<_, der::Error>((tbs, algorithm, signature))
        })
        .ok()
}

/// A DER `Ecdsa-Sig-Value` (RFC 5480 §2.2: SEQUENCE { r INTEGER, s INTEGER }) as the 64-byte
/// `r‖s` WebCrypto verifies for P-256; `None` when it is malformed or a part is too long.
fn p256_fixed(der: &[u8]) -> Option<Vec<u8>> {
    #[derive(der::Sequence)]
    struct EcdsaSigValue<'a> {
        r: der::asn1::UintRef<'a>,
        s: der::asn1::UintRef<'a>,
    }
    let value = EcdsaSigValue::from_der(der).ok()?;
    let mut fixed = vec![0u8; 64];
    for (part, half) in [value.r, value.s].iter().zip(fixed.chunks_exact_mut(32)) {
        let bytes = part.as_bytes();
        let start = half.len().checked_sub(bytes.len())?;
        half.get_mut(start..)?.copy_from_slice(bytes);
    }
    Some(fixed)
}

/// The checks a read needs and the answers it has: asked of the caller (the Wasm binding
/// answers with WebCrypto between rounds) or, natively, computed here.
#[derive(Debug, Default)]
pub struct Signatures {
    /// Whether checks are computed here (else listed for the caller).
    #[cfg(feature = "in-process-signatures")]
    computing: bool,
    /// Checks answered so far.
    answered: Vec<(SignatureRequest, bool)>,
    /// Checks this round needed and did not have.
    missing: Vec<SignatureRequest>,
    /// Answers given in the order the checks are first asked, the last one first.
    in_order: Vec<bool>,
}

impl Signatures {
    /// Checks are listed for the caller, who answers with [`Signatures::provide`].
    pub fn asking() -> Self {
        Self::default()
    }

    /// Checks answered, in the order they are first asked, by `valid`: the answers to the
    /// checks an earlier pass over the same file asked (the same pass asks them again in the
    /// same order). See [`Signatures::fits`].
    pub fn answering(mut valid: Vec<bool>) -> Self {
        valid.reverse();
        Self {
            in_order: valid,
            ..Self::default()
        }
    }

    /// Whether the answers given to [`Signatures::answering`] were one per check: none left
    /// over, none missing.
    pub fn fits(&self) -> bool {
        self.in_order.is_empty() && self.missing.is_empty()
    }

    /// Checks are computed here, with the `rsa` and `p256` crates.
    #[cfg(feature = "in-process-signatures")]
    pub fn computing() -> Self {
        Self {
            computing: true,
            ..Self::default()
        }
    }

    /// Whether the last round needed checks it did not have.
    pub fn waiting(&self) -> bool {
        !self.missing.is_empty()
    }

    /// The checks to answer before the next round.
    pub fn take_missing(&mut self) -> Vec<SignatureRequest> {
        core::mem::take(&mut self.missing)
    }

    /// The answer to one check: whether the key verifies the signature. A key or signature
    /// the verifier refuses is invalid.
    pub fn provide(&mut self, request: SignatureRequest, valid: bool) {
        self.answered.push((request, valid));
    }

    /// Whether `issuer_key` signed `certificate` (DER); `None` while the check is asked.
    pub(crate) fn check(
        &mut self,
        certificate: &[u8],
        issuer_key: &[u8],
    ) -> Option<SignatureCheck> {
        let request = match request(certificate, issuer_key) {
            Ok(request) => request,
            Err(known) => return Some(known),
        };
        let valid = match self.answered.iter().find(|(asked, _)| *asked == request) {
            Some((_, valid)) => *valid,
            None => self.unanswered(request)?,
        };
        Some(if valid {
            SignatureCheck::Valid
        } else {
            SignatureCheck::Invalid
        })
    }

    /// A check not answered yet: answered in order, computed here natively, else listed
    /// (once).
    fn unanswered(&mut self, request: SignatureRequest) -> Option<bool> {
        if let Some(valid) = self.in_order.pop() {
            self.answered.push((request, valid));
            return Some(valid);
        }
        #[cfg(feature = "in-process-signatures")]
        if self.computing {
            let valid = native::verify(&request);
            self.answered.push((request, valid));
            return Some(valid);
        }
        if !self.missing.contains(&request) {
            self.missing.push(request);
        }
        None
    }
}

/// The checks computed in this process: the companion and the tests (never in the Wasm, which
/// asks WebCrypto).
#[cfg(feature = "in-process-signatures")]
pub mod native {
    use sha1::Sha1;
    use sha2::{Digest, Sha256, Sha384, Sha512};
    use spki::SubjectPublicKeyInfoRef;

    use super::{SignatureAlgorithm, SignatureRequest};
    use der::Decode;

    /// Whether the request's key verifies its signature.
    pub fn verify(request: &SignatureRequest) -> bool {
        let Ok(key) = SubjectPublicKeyInfoRef::from_der(&request.key) else {
            return false;
        };
        let (message, signature) = (&request.signed, &request.signature);
        match request.algorithm {
            SignatureAlgorithm::RsaSha1 => rsa_verify::<Sha1>(key, message, signature),
            SignatureAlgorithm::RsaSha256 => rsa_verify::<Sha256>(key, message, signature),
            SignatureAlgorithm::RsaSha384 => rsa_verify::<Sha384>(key, message, signature),
            SignatureAlgorithm::RsaSha512 => rsa_verify::<Sha512>(key, message, signature),
            SignatureAlgorithm::EcdsaP256Sha256 => p256_verify(key, message, signature),
        }
    }

    fn rsa_verify<D: Digest + const_oid::AssociatedOid>(
        key: SubjectPublicKeyInfoRef<'_>,
        message: &[u8],
        signature: &[u8],
    ) -> bool {
        rsa::PublicKey::try_from(key).is_ok_and(|key| {
            key.verify(
                rsa::pkcs1v15::Pkcs1v15Sign::new::<D>(),
                &D::digest(message),
                signature,
            )
            .is_ok()
        })
    }

    fn p256_verify(key: SubjectPublicKeyInfoRef<'_>, message: &[u8], signature: &[u8]) -> bool {
        use p256::ecdsa::signature::Verifier;
        let Some(point) = key.subject_public_key.as_bytes() else {
            return false;
        };
        let (Ok(key), Ok(signature)) = (
            p256::ecdsa::VerifyingKey::from_sec1_bytes(point),
            p256::ecdsa::Signature::from_slice(signature),
        ) else {
            return false;
        };
        key.verify(message, &signature).is_ok()
    }
}

/// For the companion: the issuer's key (SubjectPublicKeyInfo DER, hex, as
/// [`crate::CertificateInfo::issuer_key`] writes it) that signed `certificate` (DER), found
/// among the certificates `candidates` (DER) or the keys `keys` (hex): the first named as its
/// issuer whose key verifies its signature. `None` when none does — the issuer is not known.
#[cfg(feature = "in-process-signatures")]
pub fn signing_key(der: &[u8], candidates: &[&[u8]], keys: &[&str]) -> Option<String> {
    let certificate = Certificate::from_der(der).ok()?;
    let parsed: Vec<Certificate> = candidates
        .iter()
        .filter_map(|der| Certificate::from_der(der).ok())
        .collect();
    let chain: Vec<&Certificate> = parsed.iter().collect();
    let mut signatures = Signatures::computing();
    find_issuer_key(der, &certificate, &chain, &mut signatures)
        .or_else(|| {
            keys.iter()
                .filter_map(|hex| crate::certificate::hex_decode(hex))
                .find(|key| signatures.check(der, key) == Some(SignatureCheck::Valid))
        })
        .map(|key| crate::certificate::hex(&key))
}

/// The issuer's SubjectPublicKeyInfo (DER) among `chain` for `certificate` (`der` as
/// decoded): the first certificate named as its issuer whose key verifies `certificate`'s
/// signature. Every candidate's check is asked in the same round.
pub(crate) fn find_issuer_key(
    der: &[u8],
    certificate: &Certificate,
    chain: &[&Certificate],
    signatures: &mut Signatures,
) -> Option<Vec<u8>> {
    let tbs = certificate.tbs_certificate();
    let keys = chain
        .iter()
        .filter(|candidate| candidate.tbs_certificate().subject() == tbs.issuer())
        .filter_map(|candidate| {
            candidate
                .tbs_certificate()
                .subject_public_key_info()
                .to_der()
                .ok()
        });
    // An unanswered check goes on to the next candidate, so that all are asked at once.
    keys.into_iter()
        .find(|key| signatures.check(der, key) == Some(SignatureCheck::Valid))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pkcs12;

    fn check_signature(certificate: &Certificate, key: &[u8]) -> SignatureCheck {
        Signatures::computing()
            .check(&certificate.to_der().expect("DER"), key)
            .expect("computed here")
    }

    /// The certificate's own SubjectPublicKeyInfo (DER).
    fn spki(certificate: &Certificate) -> Vec<u8> {
        certificate
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .expect("spki")
    }

    fn certificates(file: &[u8]) -> Vec<Certificate> {
        pkcs12::open(file, "orca-test-pass")
            .expect("fixture opens")
            .certificates
            .iter()
            .map(|der| Certificate::from_der(der).expect("certificate"))
            .collect()
    }

    #[test]
    fn the_ca_in_the_chain_signed_the_client_certificate_and_nothing_else_did() {
        // openssl-legacy-chain.p12: client3948 issued by the fixtures' test CA, CA included.
        let all = certificates(include_bytes!("../tests/fixtures/openssl-legacy-chain.p12"));
        let (client, ca) = (&all[0], &all[1]);
        let ca_key = spki(ca);
        assert_eq!(check_signature(client, &ca_key), SignatureCheck::Valid);
        assert_eq!(
            find_issuer_key(
                &client.to_der().expect("DER"),
                client,
                &[ca],
                &mut Signatures::computing()
            ),
            Some(ca_key.clone())
        );
        let client_key = spki(client);
        assert_eq!(
            check_signature(client, &client_key),
            SignatureCheck::Invalid
        );
        assert_eq!(
            check_signature(client, b"not a key"),
            SignatureCheck::Invalid
        );
    }

    #[test]
    fn a_changed_certificate_no_longer_verifies() {
        let all = certificates(include_bytes!("../tests/fixtures/openssl-legacy-chain.p12"));
        let ca_key = spki(&all[1]);
        let mut der = all[0].to_der().expect("der");
        let serial_byte = der.len() / 3; // inside the TBS, well before the signature
        der[serial_byte] ^= 0x01;
        if let Ok(altered) = Certificate::from_der(&der) {
            assert_eq!(check_signature(&altered, &ca_key), SignatureCheck::Invalid);
        }
    }

    #[test]
    fn ec_signatures_are_checked_too() {
        use p256::ecdsa::signature::Signer;
        // ec-p256.p12's certificate, re-signed here by its own P-256 key (no fixture tool
        // made an EC-signed one): valid with that key, invalid with the RSA CA's.
        let contents = pkcs12::open(
            include_bytes!("../tests/fixtures/ec-p256.p12"),
            "orca-test-pass",
        )
        .expect("fixture opens");
        let original = Certificate::from_der(&contents.certificates[0]).expect("certificate");
        let info = pkcs8::PrivateKeyInfoRef::from_der(&contents.private_keys[0]).expect("PKCS#8");
        let sec1 = sec1::EcPrivateKey::from_der(info.private_key.as_bytes()).expect("SEC 1");
        let signer = p256::ecdsa::SigningKey::from_slice(sec1.private_key).expect("scalar");
        let tbs = original.tbs_certificate().to_der().expect("tbs");
        let signature: p256::ecdsa::Signature = signer.sign(&tbs);
        let algorithm = spki::AlgorithmIdentifierOwned {
            oid: ECDSA_WITH_SHA256,
            parameters: None,
        };
        let body = [
            tbs,
            algorithm.to_der().expect("alg"),
            der::asn1::BitString::from_bytes(&signature.to_der().to_bytes())
                .expect("bits")
                .to_der()
                .expect("bits"),
        ]
        .concat();
        let mut der = der::Header::new(
            der::Tag::Sequence,
            der::Length::try_from(body.len()).expect("len"),
        )
        .to_der()
        .expect("header");
        der.extend_from_slice(&body);
        let resigned = Certificate::from_der(&der).expect("re-signed certificate");
        let own = spki(&original);
        assert_eq!(check_signature(&resigned, &own), SignatureCheck::Valid);
        let ca = certificates(include_bytes!("../tests/fixtures/openssl-legacy-chain.p12"));
        let ca_key = spki(&ca[1]);
        assert_eq!(check_signature(&resigned, &ca_key), SignatureCheck::Invalid);
        assert_eq!(check_signature(&original, &ca_key), SignatureCheck::Valid);
    }
}
