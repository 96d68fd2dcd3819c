//! The PFX integrity check: HMAC over the authenticated safe.
//!
//! RFC 7292 §5.1 and Appendix B: the MAC key comes from the PKCS#12 KDF with the same hash as
//! the HMAC (SHA-1 in legacy files, SHA-256 from OpenSSL 3, SHA-512 on request).
//! RFC 9579: `PBMAC1` instead derives the key with PBKDF2 from the UTF-8 password and ignores
//! `macSalt`/`iterations` of `MacData`.

use der::Sequence;
use hmac::{EagerHash, Hmac, KeyInit, Mac};
use pkcs5::pbes2::{Pbkdf2Params, Pbkdf2Prf};
use pkcs12::MacData;
use sha1::digest::Digest;
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use super::budget::Budget;
use super::decrypt::{check_iterations, parameters};
use super::keys::{self, Hash, Keys, Pbkdf2Request, Pkcs12KdfRequest, Purpose};
use super::password::Password;
use crate::error::{Error, Result};

use crate::oid::{
    ID_PBMAC1 as PBMAC1, ID_SHA_1 as SHA1, ID_SHA_224 as SHA224, ID_SHA_256 as SHA256,
    ID_SHA_384 as SHA384, ID_SHA_512 as SHA512,
};

/// RFC 9579 §3: `PBMAC1-params ::= SEQUENCE { keyDerivationFunc, messageAuthScheme }`.
#[derive(Sequence)]
struct Pbmac1Params {
    key_derivation_func: AlgorithmIdentifierOwned,
    message_auth_scheme: AlgorithmIdentifierOwned,
}

/// The HMACs RFC 9579 files use, with their output length.
const PBMAC1_SCHEMES: [(&str, usize, Pbkdf2Prf); 4] = [
    ("PBMAC1 HMAC-SHA1", 20, Pbkdf2Prf::HmacWithSha1),
    ("PBMAC1 HMAC-SHA256", 32, Pbkdf2Prf::HmacWithSha256),
    ("PBMAC1 HMAC-SHA384", 48, Pbkdf2Prf::HmacWithSha384),
    ("PBMAC1 HMAC-SHA512", 64, Pbkdf2Prf::HmacWithSha512),
];

/// Checks the MAC with `password`; returns the MAC's name for the report.
///
/// When the PKCS#12 KDF is used, the password form that matched is kept in `password` so
/// that decryption uses the same one.
/// A PBMAC1 key not yet derived (see `keys.rs`) leaves the MAC unchecked this round: `keys`
/// is then waiting, and the round's answer void.
pub(super) fn verify(
    mac_data: &MacData,
    data: &[u8],
    password: &mut Password,
    budget: &mut Budget,
    keys: &mut Keys,
) -> Result<&'static str> {
    let algorithm = &mac_data.mac.algorithm;
    let expected = mac_data.mac.digest.as_bytes();
    if algorithm.oid == PBMAC1 {
        return verify_pbmac1(algorithm, data, expected, password, budget, keys);
    }
    let mac = Pkcs12Mac {
        salt: mac_data.mac_salt.as_bytes(),
        iterations: check_iterations(mac_data.iterations)?,
        data,
        expected,
    };
    let (name, matched) = match algorithm.oid {
        SHA1 => (
            "HMAC-SHA1",
            mac.matches::<sha1::Sha1>(Hash::Sha1, password, budget, keys)?,
        ),
        SHA224 => (
            "HMAC-SHA224",
            mac.matches::<sha2::Sha224>(Hash::Sha224, password, budget, keys)?,
        ),
        SHA256 => (
            "HMAC-SHA256",
            mac.matches::<sha2::Sha256>(Hash::Sha256, password, budget, keys)?,
        ),
        SHA384 => (
            "HMAC-SHA384",
            mac.matches::<sha2::Sha384>(Hash::Sha384, password, budget, keys)?,
        ),
        SHA512 => (
            "HMAC-SHA512",
            mac.matches::<sha2::Sha512>(Hash::Sha512, password, budget, keys)?,
        ),
        oid => return Err(Error::UnsupportedAlgorithm { oid }),
    };
    match matched {
        // Unchecked this round: `keys` is waiting, and the round's answer void.
        None => Ok(name),
        Some(None) => Err(Error::WrongPassword),
        Some(Some(index)) => {
            password.settle_bmp_form(index);
            Ok(name)
        }
    }
}

/// A `MacData` MAC keyed by the PKCS#12 KDF.
struct Pkcs12Mac<'a> {
    salt: &'a [u8],
    iterations: u32,
    data: &'a [u8],
    expected: &'a [u8],
}

impl Pkcs12Mac<'_> {
    /// Tries each PKCS#12 form of the password, each charged to `budget`: the index of the
    /// one that matched, `Some(None)` for none, `None` when the keys are derived before the
    /// next round (the first round of an asking source).
    fn matches<D>(
        &self,
        hash: Hash,
        password: &Password,
        budget: &mut Budget,
        keys: &mut Keys,
    ) -> Result<Option<Option<usize>>>
    where
        D: Digest + EagerHash,
    {
        let key_len = <D as Digest>::output_size();
        let cost = keys::cost(hash);
        let mut deferred = false;
        for (index, form) in password.bmp_forms().enumerate() {
            budget.pkcs12_kdf(cost, self.iterations, key_len)?;
            let Some(key) = keys.pkcs12_kdf(Pkcs12KdfRequest {
                hash,
                form: Zeroizing::new(form.to_vec()),
                salt: self.salt.to_vec(),
                purpose: Purpose::Mac,
                iterations: self.iterations,
                length: key_len,
            }) else {
                deferred = true;
                continue;
            };
            if hmac_matches::<D>(&key, self.data, self.expected) {
                return Ok(Some(Some(index)));
            }
        }
        Ok((!deferred).then_some(None))
    }
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
    budget: &mut Budget,
    keys: &mut Keys,
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
    let scheme_oid = params.message_auth_scheme.oid;
    let (name, mac_output, scheme) = PBMAC1_SCHEMES
        .into_iter()
        .find(|(_, _, prf)| prf.oid() == scheme_oid)
        .ok_or(Error::UnsupportedAlgorithm { oid: scheme_oid })?;
    // RFC 9579 §3: keyLength is required. A key longer than the HMAC's output adds nothing
    // to its strength and multiplies the derivation's work, so it is refused.
    let key_len = usize::from(pbkdf2.key_length.unwrap_or(0));
    if !(1..=mac_output).contains(&key_len) {
        return Err(Error::Malformed {
            position: 0,
            context: "PBMAC1 key length",
        });
    }
    let hash = keys::hash_of(pbkdf2.prf)?;
    budget.pbkdf2(keys::cost(hash), iterations, key_len)?;
    let request = Pbkdf2Request {
        hash,
        salt: pbkdf2.salt.as_bytes().to_vec(),
        iterations,
        length: key_len,
    };
    let Some(key) = keys.pbkdf2(password.utf8(), request) else {
        return Ok(name);
    };
    let matched = match scheme {
        Pbkdf2Prf::HmacWithSha1 => hmac_matches::<sha1::Sha1>(&key, data, expected),
        Pbkdf2Prf::HmacWithSha256 => hmac_matches::<sha2::Sha256>(&key, data, expected),
        Pbkdf2Prf::HmacWithSha384 => hmac_matches::<sha2::Sha384>(&key, data, expected),
        _ => hmac_matches::<sha2::Sha512>(&key, data, expected),
    };
    if matched {
        Ok(name)
    } else {
        Err(Error::WrongPassword)
    }
}
