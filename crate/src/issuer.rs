//! Whether a certificate was signed by an issuer's key (RFC 5280 §6.1.3 (a)(1)): the one
//! check that tells the ORCA CA's certificate from another with the same names.
//!
//! Cost in the Wasm (the optimised `.wasm` built with and without the RSA call): RSA (PKCS#1
//! v1.5 over `num-bigint`, see [`rsa_verify`]) adds 38 KB raw, 12 KB brotli; ECDSA P-256
//! reuses the curve arithmetic the key check already links. Other algorithms are reported as
//! unsupported, never as valid.

use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use num_bigint::BigUint;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use spki::SubjectPublicKeyInfoRef;
use x509_cert::Certificate;

const SHA1_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const SHA384_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const SHA512_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");

/// What checking a signature found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureCheck {
    /// The issuer's key signed the certificate.
    Valid,
    /// It did not (or the key or signature is malformed).
    Invalid,
    /// An algorithm this core does not verify (it is never taken as valid).
    Unsupported,
}

/// Checks `certificate`'s signature with the issuer's SubjectPublicKeyInfo (DER).
pub fn check_signature(certificate: &Certificate, issuer_key: &[u8]) -> SignatureCheck {
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

/// PKCS#1 v1.5 verification (RFC 8017 §8.2.2) over `num-bigint`, with the `rsa` crate's key
/// checks. Not the `rsa` crate itself: its constant-time arithmetic (`crypto-bigint`), which a
/// check of public values does not need, cost 61 KB of Wasm, this 38 KB. As the RFC says, the
/// expected encoding is built and compared, never parsed out of the signature. The tests
/// check it against the `rsa` crate.
fn rsa_verify<D: Digest + const_oid::AssociatedOid>(
    key: SubjectPublicKeyInfoRef<'_>,
    message: &[u8],
    signature: &[u8],
) -> bool {
    let Some((n, e)) = rsa_public_key(key) else {
        return false;
    };
    let Ok(k) = usize::try_from(n.bits().div_ceil(8)) else {
        return false;
    };
    let s = BigUint::from_bytes_be(signature);
    if signature.len() != k || s >= n {
        return false;
    }
    let Some(expected) = emsa_pkcs1_v1_5::<D>(message, k) else {
        return false;
    };
    let m = s.modpow(&e, &n).to_bytes_be();
    let mut encoded = vec![0; k.saturating_sub(m.len())];
    encoded.extend_from_slice(&m);
    encoded == expected
}

/// The modulus and exponent of an RSA key the `rsa` crate would take: `rsaEncryption` with
/// NULL parameters (or RSASSA-PSS without), an odd modulus of 1,024 to 8,192 bits, an odd
/// exponent below it and at most 2^33 − 1 (larger ones only make verification slow).
fn rsa_public_key(key: SubjectPublicKeyInfoRef<'_>) -> Option<(BigUint, BigUint)> {
    let parameters_fit = match key.algorithm.oid {
        RSA_ENCRYPTION => key.algorithm.parameters.is_some_and(|p| p.is_null()),
        RSASSA_PSS => key.algorithm.parameters.is_none(),
        _ => false,
    };
    let public = pkcs1::RsaPublicKeyRef::from_der(key.subject_public_key.as_bytes()?).ok()?;
    let n = BigUint::from_bytes_be(public.modulus.as_bytes());
    let e = BigUint::from_bytes_be(public.public_exponent.as_bytes());
    let fits = parameters_fit
        && (1024..=8192).contains(&n.bits())
        && n.bit(0)
        && e.bit(0)
        && e > BigUint::from(1u8)
        && e.bits() <= 33
        && e < n;
    fits.then_some((n, e))
}

/// EMSA-PKCS1-v1_5 (RFC 8017 §9.2) of `message` for a `k`-byte modulus:
/// `00 01 FF…FF 00 DigestInfo(hash)`, at least 8 bytes of `FF`.
fn emsa_pkcs1_v1_5<D: Digest + const_oid::AssociatedOid>(
    message: &[u8],
    k: usize,
) -> Option<Vec<u8>> {
    let hash = D::digest(message);
    let oid = D::OID.as_bytes();
    let (oid_len, hash_len) = (
        u8::try_from(oid.len()).ok()?,
        u8::try_from(hash.len()).ok()?,
    );
    // DigestInfo ::= SEQUENCE { SEQUENCE { OID, NULL }, OCTET STRING }
    let mut digest_info = vec![
        0x30,
        oid_len.checked_add(8)?.checked_add(hash_len)?,
        0x30,
        oid_len.checked_add(4)?,
        0x06,
        oid_len,
    ];
    digest_info.extend_from_slice(oid);
    digest_info.extend_from_slice(&[0x05, 0x00, 0x04, hash_len]);
    digest_info.extend_from_slice(&hash);
    let padding = k
        .checked_sub(digest_info.len() + 3)
        .filter(|len| *len >= 8)?;
    let mut encoded = Vec::with_capacity(k);
    encoded.extend_from_slice(&[0x00, 0x01]);
    encoded.resize(2 + padding, 0xff);
    encoded.push(0x00);
    encoded.extend_from_slice(&digest_info);
    Some(encoded)
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

/// The issuer's SubjectPublicKeyInfo (DER) among `chain` for `certificate`: the first
/// certificate named as its issuer (and, when `certificate` names the key, with that key
/// identifier) whose key verifies `certificate`'s signature.
pub fn find_issuer_key(certificate: &Certificate, chain: &[&Certificate]) -> Option<Vec<u8>> {
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

    /// The RSA client key of `openssl-legacy.p12` (PKCS#8) and its SubjectPublicKeyInfo.
    fn rsa_key_pair() -> (rsa::PrivateKey, Vec<u8>) {
        use rsa::pkcs8::DecodePrivateKey;
        let contents = pkcs12::open(
            include_bytes!("../tests/fixtures/openssl-legacy.p12"),
            "orca-test-pass",
        )
        .expect("fixture opens");
        let key = rsa::PrivateKey::from_pkcs8_der(&contents.private_keys[0]).expect("RSA key");
        let certificate = Certificate::from_der(&contents.certificates[0]).expect("certificate");
        (key, spki(&certificate))
    }

    /// Ours and the `rsa` crate's verdicts on one signature, which must agree.
    fn verdicts<D: Digest + const_oid::AssociatedOid>(
        spki_der: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> (bool, bool) {
        let key = SubjectPublicKeyInfoRef::from_der(spki_der).expect("spki");
        let ours = rsa_verify::<D>(key.clone(), message, signature);
        let theirs = rsa::PublicKey::try_from(key).is_ok_and(|key| {
            key.verify(
                rsa::pkcs1v15::Pkcs1v15Sign::new::<D>(),
                &D::digest(message),
                signature,
            )
            .is_ok()
        });
        (ours, theirs)
    }

    fn rsa_signatures_agree_with_the_rsa_crate<D: Digest + const_oid::AssociatedOid>() {
        let (private, public) = rsa_key_pair();
        let message = b"tbsCertificate stand-in";
        let signature = private
            .sign(rsa::pkcs1v15::Pkcs1v15Sign::new::<D>(), &D::digest(message))
            .expect("signs");
        assert_eq!(verdicts::<D>(&public, message, &signature), (true, true));
        assert_eq!(
            verdicts::<D>(&public, b"another", &signature),
            (false, false)
        );
        for byte in [0, 1, signature.len() / 2, signature.len() - 1] {
            let mut altered = signature.clone();
            altered[byte] ^= 0x40;
            assert_eq!(verdicts::<D>(&public, message, &altered), (false, false));
        }
        let short = &signature[1..];
        assert_eq!(verdicts::<D>(&public, message, short), (false, false));
        let mut long = vec![0];
        long.extend_from_slice(&signature);
        assert_eq!(verdicts::<D>(&public, message, &long), (false, false));
        // The modulus itself (s = n, not below it) and all ones are refused too.
        let modulus = {
            let key = SubjectPublicKeyInfoRef::from_der(&public).expect("spki");
            let bits = key.subject_public_key.as_bytes().expect("bits").to_vec();
            let rsa_key = pkcs1::RsaPublicKeyRef::from_der(&bits).expect("PKCS#1");
            rsa_key.modulus.as_bytes().to_vec()
        };
        assert_eq!(verdicts::<D>(&public, message, &modulus), (false, false));
        let ones = vec![0xff; signature.len()];
        assert_eq!(verdicts::<D>(&public, message, &ones), (false, false));
    }

    #[test]
    fn rsa_verification_agrees_with_the_rsa_crate_for_each_digest() {
        rsa_signatures_agree_with_the_rsa_crate::<Sha1>();
        rsa_signatures_agree_with_the_rsa_crate::<Sha256>();
        rsa_signatures_agree_with_the_rsa_crate::<Sha384>();
        rsa_signatures_agree_with_the_rsa_crate::<Sha512>();
        // Signed with SHA-256, checked as SHA-1: another DigestInfo, refused by both.
        let (private, public) = rsa_key_pair();
        let signature = private
            .sign(
                rsa::pkcs1v15::Pkcs1v15Sign::new::<Sha256>(),
                &Sha256::digest(b"m"),
            )
            .expect("signs");
        assert_eq!(verdicts::<Sha1>(&public, b"m", &signature), (false, false));
    }

    #[test]
    fn rsa_keys_the_rsa_crate_refuses_are_refused() {
        use der::asn1::{AnyRef, BitString, UintRef};
        let (_, public) = rsa_key_pair();
        let original = SubjectPublicKeyInfoRef::from_der(&public).expect("spki");
        let bits = original
            .subject_public_key
            .as_bytes()
            .expect("bits")
            .to_vec();
        let parsed = pkcs1::RsaPublicKeyRef::from_der(&bits).expect("PKCS#1");
        let n = parsed.modulus.as_bytes().to_vec();
        let with = |modulus: &[u8], exponent: &[u8], parameters: Option<AnyRef<'_>>| {
            let key = pkcs1::RsaPublicKeyRef {
                modulus: UintRef::new(modulus).expect("uint"),
                public_exponent: UintRef::new(exponent).expect("uint"),
            }
            .to_der()
            .expect("PKCS#1");
            spki::SubjectPublicKeyInfo {
                algorithm: spki::AlgorithmIdentifier {
                    oid: RSA_ENCRYPTION,
                    parameters,
                },
                subject_public_key: BitString::from_bytes(&key).expect("bits"),
            }
            .to_der()
            .expect("spki")
        };
        let null = Some(AnyRef::from(der::asn1::Null));
        let accepted = |spki_der: &[u8]| {
            let key = SubjectPublicKeyInfoRef::from_der(spki_der).expect("spki");
            let theirs = rsa::PublicKey::try_from(key.clone()).is_ok();
            (rsa_public_key(key).is_some(), theirs)
        };
        assert_eq!(accepted(&with(&n, &[1, 0, 1], null)), (true, true));
        let mut even = n.clone();
        *even.last_mut().expect("byte") &= 0xfe;
        for refused in [
            with(&n, &[1, 0, 1], None),       // no NULL parameters
            with(&even, &[1, 0, 1], null),    // even modulus
            with(&n[..64], &[1, 0, 1], null), // 512 bits
            with(&n, &[1], null),             // e = 1
            with(&n, &[1, 0, 0], null),       // even exponent
            with(&n, &[3, 0, 0, 0, 1], null), // e > 2^33 − 1
            with(&n, &n, null),               // e = n
        ] {
            assert_eq!(accepted(&refused), (false, false));
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
