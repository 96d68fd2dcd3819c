//! Password-based decryption of bags and encrypted safe contents.
//!
//! Two families meet in real files:
//! - PBES2 (RFC 8018): OpenSSL 3, Java 17+, NSS, Windows "AES256-SHA256". Done by `pkcs5`.
//! - The PKCS#12 PBE schemes (RFC 7292 Appendix C): `pbeWithSHAAnd40BitRC2-CBC` (the ORCA
//!   cloud's certificate bag), `pbeWithSHAAnd3-KeyTripleDES-CBC` (its key bag), and their
//!   128-bit RC2 / two-key 3DES siblings. `pkcs5` refuses these ("won't fix"), so the key and
//!   IV come from `pkcs12::kdf` and the ciphers from `rc2`/`des` + `cbc` here.

use cbc::cipher::{BlockModeDecrypt, InnerIvInit, KeyIvInit, block_padding::Pkcs7};
use const_oid::ObjectIdentifier;
use der::asn1::AnyRef;
use pkcs5::pbes2::{self, EncryptionScheme};
use pkcs12::pbe_params::{Pbes2Params, Pkcs12PbeParams};
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use super::budget::{Budget, HashCost};
use super::keys::{self, Hash, Keys, Pbkdf2Request, Pkcs12KdfRequest, Purpose};
use super::password::Password;
use crate::error::{Error, Result};

/// The most key-derivation iterations a file may ask for. NSS (2024+) writes 600,000, the
/// OWASP figure for PBKDF2-HMAC-SHA256; a hostile file must not make us spin for minutes.
pub const MAX_ITERATIONS: u64 = 2_000_000;

/// The PBES2 ciphers `pkcs5` is built with here.
const PBES2_CIPHERS: [ObjectIdentifier; 4] = [
    pbes2::AES_128_CBC_OID,
    pbes2::AES_192_CBC_OID,
    pbes2::AES_256_CBC_OID,
    pbes2::DES_EDE3_CBC_OID,
];

/// A short, readable name for an encryption scheme, for the report ("PBES2/AES-256-CBC").
pub(super) fn describe(algorithm: &AlgorithmIdentifierOwned) -> &'static str {
    match algorithm.oid {
        pbes2::PBES2_OID => {
            let cipher = algorithm
                .parameters
                .as_ref()
                .and_then(|params| params.decode_as::<Pbes2Params>().ok())
                .map(|params| params.encryption.oid);
            match cipher {
                Some(pbes2::AES_128_CBC_OID) => "PBES2/AES-128-CBC",
                Some(pbes2::AES_192_CBC_OID) => "PBES2/AES-192-CBC",
                Some(pbes2::AES_256_CBC_OID) => "PBES2/AES-256-CBC",
                Some(pbes2::DES_EDE3_CBC_OID) => "PBES2/DES-EDE3-CBC",
                _ => "PBES2",
            }
        }
        pkcs12::PKCS_12_PBEWITH_SHAAND40_BIT_RC2_CBC => "pbeWithSHAAnd40BitRC2-CBC",
        pkcs12::PKCS_12_PBE_WITH_SHAAND128_BIT_RC2_CBC => "pbeWithSHAAnd128BitRC2-CBC",
        pkcs12::PKCS_12_PBE_WITH_SHAAND3_KEY_TRIPLE_DES_CBC => "pbeWithSHAAnd3-KeyTripleDES-CBC",
        pkcs12::PKCS_12_PBE_WITH_SHAAND2_KEY_TRIPLE_DES_CBC => "pbeWithSHAAnd2-KeyTripleDES-CBC",
        _ => "unknown",
    }
}

/// Decrypts `ciphertext` with the scheme named by `algorithm`; `None` when the key is one
/// the caller derives and has not yet (see `keys.rs`: the part is read in the next round).
///
/// A padding failure is reported as [`Error::WrongPassword`]: without a MAC it is the only
/// sign of a wrong password (the caller turns it into corruption when a MAC already passed).
pub(super) fn decrypt(
    algorithm: &AlgorithmIdentifierOwned,
    ciphertext: &[u8],
    password: &Password,
    budget: &mut Budget,
    keys: &mut Keys,
) -> Result<Option<Zeroizing<Vec<u8>>>> {
    budget.encrypted()?;
    let params = parameters(algorithm, "encryption parameters")?;
    match algorithm.oid {
        pbes2::PBES2_OID => decrypt_pbes2(params, ciphertext, password, budget, keys),
        oid => {
            let cipher = Pkcs12Cipher::from_oid(oid).ok_or(Error::UnsupportedAlgorithm { oid })?;
            let params: Pkcs12PbeParams = params
                .decode_as()
                .map_err(Error::der("PKCS#12 PBE parameters"))?;
            let iterations = check_iterations(params.iterations)?;
            let salt = params.salt.as_bytes();
            let mut last = Error::WrongPassword;
            let mut deferred = false;
            for form in password.bmp_forms() {
                // The key and the IV are two derivations (RFC 7292 Appendix B.2).
                budget.pkcs12_kdf(SHA1_COST, iterations, cipher.key_len())?;
                budget.pkcs12_kdf(SHA1_COST, iterations, 8)?;
                let derivation = |purpose, length| Pkcs12KdfRequest {
                    hash: Hash::Sha1,
                    form: Zeroizing::new(form.to_vec()),
                    salt: salt.to_vec(),
                    purpose,
                    iterations,
                    length,
                };
                let key = keys.pkcs12_kdf(derivation(Purpose::EncryptionKey, cipher.key_len()));
                let iv = keys.pkcs12_kdf(derivation(Purpose::Iv, 8));
                let (Some(key), Some(iv)) = (key, iv) else {
                    deferred = true;
                    continue;
                };
                match cipher.decrypt(&key, &iv, ciphertext) {
                    Ok(plain) => return Ok(Some(plain)),
                    Err(err) => last = err,
                }
            }
            if deferred {
                // Derived before the next round; the rest of the file is listed meanwhile.
                return Ok(None);
            }
            Err(last)
        }
    }
}

/// PBES2 (RFC 8018 §6.2). `pkcs5` reads the parameters; the key comes from `keys` (WebCrypto
/// in the browser) and the CBC decryption is done here, because `pkcs5` only decrypts with a
/// key it derives itself (and does not wipe).
fn decrypt_pbes2(
    params: AnyRef<'_>,
    ciphertext: &[u8],
    password: &Password,
    budget: &mut Budget,
    keys: &mut Keys,
) -> Result<Option<Zeroizing<Vec<u8>>>> {
    // Name the offending algorithm before `pkcs5` turns it into a generic decoding error.
    let raw: Pbes2Params = params.decode_as().map_err(Error::der("PBES2 parameters"))?;
    if raw.kdf.oid != pbes2::PBKDF2_OID {
        // scrypt included: its memory cost is set by the file, and no PKCS#12 writer uses it.
        return Err(Error::UnsupportedAlgorithm { oid: raw.kdf.oid });
    }
    if !PBES2_CIPHERS.contains(&raw.encryption.oid) {
        return Err(Error::UnsupportedAlgorithm {
            oid: raw.encryption.oid,
        });
    }
    let scheme = pbes2::Parameters::try_from(params).map_err(|err| match err.kind() {
        der::ErrorKind::OidUnknown { oid } => Error::UnsupportedAlgorithm { oid },
        _ => Error::from_der(&err, "PBES2 parameters"),
    })?;
    let Some(kdf) = scheme.kdf.pbkdf2() else {
        return Err(Error::UnsupportedAlgorithm { oid: raw.kdf.oid });
    };
    let length = scheme.encryption.key_size();
    // A stated key length must be the cipher's (as `pkcs5` requires).
    if kdf
        .key_length
        .is_some_and(|stated| usize::from(stated) != length)
    {
        return Err(Error::UnsupportedAlgorithm {
            oid: pbes2::PBKDF2_OID,
        });
    }
    let hash = keys::hash_of(kdf.prf)?;
    let iterations = check_iterations(i64::from(kdf.iteration_count))?;
    budget.pbkdf2(keys::cost(hash), iterations, length)?;
    let request = Pbkdf2Request {
        hash,
        salt: kdf.salt.as_ref().to_vec(),
        iterations,
        length,
    };
    let Some(key) = keys.pbkdf2(password.utf8(), request) else {
        return Ok(None);
    };
    let plain = match scheme.encryption {
        EncryptionScheme::Aes128Cbc { iv } => cbc_decrypt::<aes::Aes128>(&key, &iv, ciphertext),
        EncryptionScheme::Aes192Cbc { iv } => cbc_decrypt::<aes::Aes192>(&key, &iv, ciphertext),
        EncryptionScheme::Aes256Cbc { iv } => cbc_decrypt::<aes::Aes256>(&key, &iv, ciphertext),
        EncryptionScheme::DesEde3Cbc { iv } => cbc_decrypt::<des::TdesEde3>(&key, &iv, ciphertext),
        other => return Err(Error::UnsupportedAlgorithm { oid: other.oid() }),
    };
    plain.map(Some)
}

/// CBC with PKCS#7 padding under the block cipher `C`. A key or IV of the wrong size is a
/// malformed file; a padding failure is reported as [`Error::WrongPassword`] (see `decrypt`).
fn cbc_decrypt<C>(key: &[u8], iv: &[u8], ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>>
where
    cbc::Decryptor<C>: KeyIvInit + BlockModeDecrypt,
    C: cbc::cipher::BlockCipherDecrypt,
{
    cbc_decrypt_with(cbc::Decryptor::<C>::new_from_slices(key, iv), ciphertext)
}

/// [`cbc_decrypt`] with a decryptor built by the caller (RC2 builds its own cipher).
fn cbc_decrypt_with<C>(
    decryptor: core::result::Result<cbc::Decryptor<C>, cbc::cipher::InvalidLength>,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>>
where
    cbc::Decryptor<C>: BlockModeDecrypt,
    C: cbc::cipher::BlockCipherDecrypt,
{
    decryptor
        .map_err(|_| Error::Malformed {
            position: 0,
            context: "cipher key",
        })?
        .decrypt_padded_vec::<Pkcs7>(ciphertext)
        .map(Zeroizing::new)
        .map_err(|_| Error::WrongPassword)
}

/// The PKCS#12 PBE ciphers all derive with SHA-1.
const SHA1_COST: HashCost = HashCost::Narrow { output: 20 };

/// The parameters an algorithm must carry; their absence is a malformed file.
pub(super) fn parameters<'a>(
    algorithm: &'a AlgorithmIdentifierOwned,
    context: &'static str,
) -> Result<AnyRef<'a>> {
    algorithm
        .parameters
        .as_ref()
        .map(AnyRef::from)
        .ok_or(Error::Malformed {
            position: 0,
            context,
        })
}

/// Checks an iteration count from a file against [`MAX_ITERATIONS`].
pub(super) fn check_iterations(count: impl Into<i64>) -> Result<u32> {
    let count: i64 = count.into();
    if count < 1 {
        return Err(Error::Malformed {
            position: 0,
            context: "iteration count",
        });
    }
    let count = count as u64;
    if count > MAX_ITERATIONS {
        return Err(Error::IterationsTooHigh {
            count,
            max: MAX_ITERATIONS,
        });
    }
    Ok(count as u32)
}

/// The four PKCS#12 PBE ciphers (RFC 7292 Appendix C); all derive with SHA-1.
#[derive(Clone, Copy)]
enum Pkcs12Cipher {
    Rc2 {
        key_len: usize,
        effective_bits: usize,
    },
    TripleDes3Key,
    TripleDes2Key,
}

impl Pkcs12Cipher {
    fn from_oid(oid: ObjectIdentifier) -> Option<Self> {
        match oid {
            pkcs12::PKCS_12_PBEWITH_SHAAND40_BIT_RC2_CBC => Some(Self::Rc2 {
                key_len: 5,
                effective_bits: 40,
            }),
            pkcs12::PKCS_12_PBE_WITH_SHAAND128_BIT_RC2_CBC => Some(Self::Rc2 {
                key_len: 16,
                effective_bits: 128,
            }),
            pkcs12::PKCS_12_PBE_WITH_SHAAND3_KEY_TRIPLE_DES_CBC => Some(Self::TripleDes3Key),
            pkcs12::PKCS_12_PBE_WITH_SHAAND2_KEY_TRIPLE_DES_CBC => Some(Self::TripleDes2Key),
            _ => None,
        }
    }

    fn key_len(self) -> usize {
        match self {
            Self::Rc2 { key_len, .. } => key_len,
            Self::TripleDes3Key => 24,
            Self::TripleDes2Key => 16,
        }
    }

    /// Decrypts with a key and IV from the PKCS#12 KDF.
    fn decrypt(self, key: &[u8], iv: &[u8], ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        match self {
            // RC2's effective key length is not its key length: the cipher is built here.
            Self::Rc2 { effective_bits, .. } => {
                let cipher = rc2::Rc2::new_with_eff_key_len(key, effective_bits);
                cbc_decrypt_with(cbc::Decryptor::inner_iv_slice_init(cipher, iv), ciphertext)
            }
            Self::TripleDes3Key => cbc_decrypt::<des::TdesEde3>(key, iv, ciphertext),
            Self::TripleDes2Key => cbc_decrypt::<des::TdesEde2>(key, iv, ciphertext),
        }
    }
}
