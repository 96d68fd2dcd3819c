//! Whether a certificate was signed by an issuer's key (RFC 5280 §6.1.3 (a)(1)): the one
//! check that tells the ORCA CA's certificate from another with the same names.
//!
//! Cost in the Wasm (the optimised `.wasm` built with and without the RSA call): RSA (the
//! `rsa` crate's PKCS#1 v1.5 verify over `crypto-bigint`) adds 61 KB raw, 16 KB brotli;
//! ECDSA P-256 reuses the curve arithmetic the key check already links. Other algorithms are
//! reported as unsupported, never as valid.

use der::{Decode, Encode};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use spki::SubjectPublicKeyInfoRef;
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

/// Checks `certificate`'s signature with the issuer's SubjectPublicKeyInfo (DER).
pub(crate) fn check_signature(certificate: &Certificate, issuer_key: &[u8]) -> SignatureCheck {
    let Ok(tbs) = certificate.tbs_certificate().to_der() else {
        return SignatureCheck::Invalid;
    };
    let Some(signature) = certificate.signature().as_bytes() else {
        return SignatureCheck::Invalid;
    };
    let Ok(key) = SubjectPublicKeyInfoRef::from_der(issuer_key) else {
        return SignatureCheck::Invalid;
    };
    let valid = match certificate.signature_algorithm().oid {
        SHA1_WITH_RSA => rsa_verify::<Sha1>(key, &tbs, signature),
        SHA256_WITH_RSA => rsa_verify::<Sha256>(key, &tbs, signature),
        SHA384_WITH_RSA => rsa_verify::<Sha384>(key, &tbs, signature),
        SHA512_WITH_RSA => rsa_verify::<Sha512>(key, &tbs, signature),
        ECDSA_WITH_SHA256 => p256_verify(key, &tbs, signature),
        _ => return SignatureCheck::Unsupported,
    };
    if valid {
        SignatureCheck::Valid
    } else {
        SignatureCheck::Invalid
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
        p256::ecdsa::Signature::from_der(signature),
    ) else {
        return false;
    };
    key.verify(message, &signature).is_ok()
}

/// For the companion: the issuer's key (SubjectPublicKeyInfo DER, hex, as
/// [`crate::CertificateInfo::issuer_key`] writes it) that signed `certificate` (DER), found
/// among the certificates `candidates` (DER) or the keys `keys` (hex): the first named as its
/// issuer whose key verifies its signature. `None` when none does — the issuer is not known.
pub fn signing_key(certificate: &[u8], candidates: &[&[u8]], keys: &[&str]) -> Option<String> {
    let certificate = Certificate::from_der(certificate).ok()?;
    let parsed: Vec<Certificate> = candidates
        .iter()
        .filter_map(|der| Certificate::from_der(der).ok())
        .collect();
    let chain: Vec<&Certificate> = parsed.iter().collect();
    find_issuer_key(&certificate, &chain)
        .or_else(|| {
            keys.iter()
                .filter_map(|hex| crate::certificate::hex_decode(hex))
                .find(|key| check_signature(&certificate, key) == SignatureCheck::Valid)
        })
        .map(|key| crate::certificate::hex(&key))
}

/// The issuer's SubjectPublicKeyInfo (DER) among `chain` for `certificate`: the first
/// certificate named as its issuer (and, when `certificate` names the key, with that key
/// identifier) whose key verifies `certificate`'s signature.
pub(crate) fn find_issuer_key(
    certificate: &Certificate,
    chain: &[&Certificate],
) -> Option<Vec<u8>> {
    let tbs = certificate.tbs_certificate();
    chain
        .iter()
        .filter(|candidate| candidate.tbs_certificate().subject() == tbs.issuer())
        .filter_map(|candidate| {
            candidate
                .tbs_certificate()
                .subject_public_key_info()
                .to_der()
                .ok()
        })
        .find(|key| check_signature(certificate, key) == SignatureCheck::Valid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pkcs12;

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
        assert_eq!(find_issuer_key(client, &[ca]), Some(ca_key));
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
