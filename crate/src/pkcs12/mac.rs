//! The PFX integrity check: HMAC over the authenticated safe.
//!
//! RFC 7292 §5.1 and Appendix B: the MAC key comes from the PKCS#12 KDF with the same hash as
//! the HMAC (SHA-1 in legacy files, SHA-256 from OpenSSL 3, SHA-512 on request).
//! RFC 9579: `PBMAC1` instead derives the key with PBKDF2 from the UTF-8 password and ignores
//! `macSalt`/`iterations` of `MacData`.

use const_oid::ObjectIdentifier;
use der::Sequence;
use hmac::{EagerHash, Hmac, KeyInit, Mac};
use pkcs5::pbes2::{Pbkdf2Params, Pbkdf2Prf};
use pkcs12::MacData;
use pkcs12::kdf::{Pkcs12KeyType, derive_key};
use sha1::digest::{Digest, FixedOutputReset, block_api::BlockSizeUser};
use spki::AlgorithmIdentifierOwned;

use super::decrypt::{check_iterations, parameters};
use super::password::Password;
use crate::error::{Error, Result};

const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const SHA224: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.4");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
/// RFC 9579 `id-PBMAC1`.
const PBMAC1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.14");

/// RFC 9579 §3: `PBMAC1-params ::= SEQUENCE { keyDerivationFunc, messageAuthScheme }`.
#[derive(Sequence)]
struct Pbmac1Params {
    key_derivation_func: AlgorithmIdentifierOwned,
    message_auth_scheme: AlgorithmIdentifierOwned,
}

/// Checks the MAC with `password`; returns the MAC's name for the report.
///
/// When the PKCS#12 KDF is used, the password form that matched is kept in `password` so
/// that decryption uses the same one.
pub fn verify(mac_data: &MacData, data: &[u8], password: &mut Password) -> Result<&'static str> {
    let algorithm = &mac_data.mac.algorithm;
    let expected = mac_data.mac.digest.as_bytes();
    if algorithm.oid == PBMAC1 {
        return verify_pbmac1(algorithm, data, expected, password);
    }
    let salt = mac_data.mac_salt.as_bytes();
    let iterations = check_iterations(mac_data.iterations)?;
    let (name, matched) = match algorithm.oid {
        SHA1 => (
            "HMAC-SHA1",
            pkcs12_mac::<sha1::Sha1>(password, salt, iterations, data, expected),
        ),
        SHA224 => (
            "HMAC-SHA224",
            pkcs12_mac::<sha2::Sha224>(password, salt, iterations, data, expected),
        ),
        SHA256 => (
            "HMAC-SHA256",
            pkcs12_mac::<sha2::Sha256>(password, salt, iterations, data, expected),
        ),
        SHA384 => (
            "HMAC-SHA384",
            pkcs12_mac::<sha2::Sha384>(password, salt, iterations, data, expected),
        ),
        SHA512 => (
            "HMAC-SHA512",
            pkcs12_mac::<sha2::Sha512>(password, salt, iterations, data, expected),
        ),
        oid => return Err(Error::UnsupportedAlgorithm { oid }),
    };
    let index = matched.ok_or(Error::WrongPassword)?;
    password.settle_bmp_form(index);
    Ok(name)
}

/// Tries each PKCS#12 form of the password; returns the index of the one that matched.
fn pkcs12_mac<D>(
    password: &Password,
    salt: &[u8],
    iterations: u32,
    data: &[u8],
    expected: &[u8],
) -> Option<usize>
where
    D: Digest + FixedOutputReset + BlockSizeUser + EagerHash,
{
    let key_len = <D as Digest>::output_size();
    password.bmp_forms().position(|form| {
        let key = zeroize::Zeroizing::new(derive_key::<D>(
            form,
            salt,
            Pkcs12KeyType::Mac,
            iterations as i32, // bounded by MAX_ITERATIONS
            key_len,
        ));
        hmac_matches::<D>(&key, data, expected)
    })
}

fn hmac_matches<D: EagerHash>(key: &[u8], data: &[u8], expected: &[u8]) -> bool {
    match <Hmac<D> as KeyInit>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.verify_slice(expected).is_ok() // constant-time comparison
        }
        Err(_) => false,
    }
}

fn verify_pbmac1(
    algorithm: &AlgorithmIdentifierOwned,
    data: &[u8],
    expected: &[u8],
    password: &Password,
) -> Result<&'static str> {
    let params: Pbmac1Params = parameters(algorithm, "PBMAC1 parameters")?
        .decode_as()
        .map_err(Error::der("PBMAC1 parameters"))?;
    let kdf = &params.key_derivation_func;
    if kdf.oid != pkcs5::pbes2::PBKDF2_OID {
        return Err(Error::UnsupportedAlgorithm { oid: kdf.oid });
    }
    let pbkdf2: Pbkdf2Params =
        parameters(kdf, "PBKDF2 parameters")?
            .try_into()
            .map_err(|err: der::Error| match err.kind() {
                der::ErrorKind::OidUnknown { oid } => Error::UnsupportedAlgorithm { oid },
                _ => Error::from_der(&err, "PBKDF2 parameters"),
            })?;
    let iterations = check_iterations(i64::from(pbkdf2.iteration_count))?;
    // RFC 9579 §3: keyLength is required; a missing or absurd one is a malformed file.
    let key_len = usize::from(pbkdf2.key_length.unwrap_or(0));
    if !(1..=64).contains(&key_len) {
        return Err(Error::Malformed {
            position: 0,
            context: "PBMAC1 key length",
        });
    }
    let mut key = zeroize::Zeroizing::new(vec![0u8; key_len]);
    let salt = pbkdf2.salt.as_bytes();
    let secret = password.utf8();
    match pbkdf2.prf {
        Pbkdf2Prf::HmacWithSha1 => {
            pbkdf2::pbkdf2_hmac::<sha1::Sha1>(secret, salt, iterations, &mut key)
        }
        Pbkdf2Prf::HmacWithSha224 => {
            pbkdf2::pbkdf2_hmac::<sha2::Sha224>(secret, salt, iterations, &mut key)
        }
        Pbkdf2Prf::HmacWithSha256 => {
            pbkdf2::pbkdf2_hmac::<sha2::Sha256>(secret, salt, iterations, &mut key)
        }
        Pbkdf2Prf::HmacWithSha384 => {
            pbkdf2::pbkdf2_hmac::<sha2::Sha384>(secret, salt, iterations, &mut key)
        }
        Pbkdf2Prf::HmacWithSha512 => {
            pbkdf2::pbkdf2_hmac::<sha2::Sha512>(secret, salt, iterations, &mut key)
        }
        other => return Err(Error::UnsupportedAlgorithm { oid: other.oid() }),
    }
    let scheme = params.message_auth_scheme.oid;
    let (name, matched) = match scheme {
        oid if oid == Pbkdf2Prf::HmacWithSha1.oid() => (
            "PBMAC1 HMAC-SHA1",
            hmac_matches::<sha1::Sha1>(&key, data, expected),
        ),
        oid if oid == Pbkdf2Prf::HmacWithSha256.oid() => (
            "PBMAC1 HMAC-SHA256",
            hmac_matches::<sha2::Sha256>(&key, data, expected),
        ),
        oid if oid == Pbkdf2Prf::HmacWithSha384.oid() => (
            "PBMAC1 HMAC-SHA384",
            hmac_matches::<sha2::Sha384>(&key, data, expected),
        ),
        oid if oid == Pbkdf2Prf::HmacWithSha512.oid() => (
            "PBMAC1 HMAC-SHA512",
            hmac_matches::<sha2::Sha512>(&key, data, expected),
        ),
        oid => return Err(Error::UnsupportedAlgorithm { oid }),
    };
    if matched {
        Ok(name)
    } else {
        Err(Error::WrongPassword)
    }
}
