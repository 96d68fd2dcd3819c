//! The password-based key derivations of the reader, as plain (non-generic) functions.
//!
//! Why a crate of its own: a generic function is compiled in the crate that names its type
//! parameters. The core is built for size (`opt-level = "z"`), so `pkcs12::kdf::derive_key`
//! and `pbkdf2_hmac` instantiated there ran their per-iteration bookkeeping (padding, copies,
//! iterator adapters) unoptimised: 60 % of the time of a legacy file went there, not into the
//! hash. Instantiated here, in a crate the release profile builds at `opt-level = 3`, a legacy
//! ORCA file opens about twice as fast for a few kilobytes of Wasm.

use pkcs12::kdf::{Pkcs12KeyType, derive_key};

/// The hash of a derivation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hash {
    /// SHA-1.
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// What a PKCS#12 KDF key is for (RFC 7292 Appendix B.3: the diversifier ID).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// ID 1: an encryption key.
    EncryptionKey,
    /// ID 2: an initialisation vector.
    Iv,
    /// ID 3: a MAC key.
    Mac,
}

/// RFC 7292 Appendix B.2: `length` bytes from `password` (the BMPString form, as given),
/// `salt` and `iterations` (at most `i32::MAX`; the reader caps them far lower).
pub fn pkcs12_kdf(
    hash: Hash,
    password: &[u8],
    salt: &[u8],
    purpose: Purpose,
    iterations: u32,
    length: usize,
) -> Vec<u8> {
    let id = match purpose {
        Purpose::EncryptionKey => Pkcs12KeyType::EncryptionKey,
        Purpose::Iv => Pkcs12KeyType::Iv,
        Purpose::Mac => Pkcs12KeyType::Mac,
    };
    let rounds = i32::try_from(iterations).unwrap_or(i32::MAX);
    match hash {
        Hash::Sha1 => derive_key::<sha1::Sha1>(password, salt, id, rounds, length),
        Hash::Sha224 => derive_key::<sha2::Sha224>(password, salt, id, rounds, length),
        Hash::Sha256 => derive_key::<sha2::Sha256>(password, salt, id, rounds, length),
        Hash::Sha384 => derive_key::<sha2::Sha384>(password, salt, id, rounds, length),
        Hash::Sha512 => derive_key::<sha2::Sha512>(password, salt, id, rounds, length),
    }
}

/// RFC 8018 §5.2: PBKDF2 with HMAC-`hash`, filling `key`.
pub fn pbkdf2(hash: Hash, password: &[u8], salt: &[u8], iterations: u32, key: &mut [u8]) {
    use pbkdf2::pbkdf2_hmac;
    match hash {
        Hash::Sha1 => pbkdf2_hmac::<sha1::Sha1>(password, salt, iterations, key),
        Hash::Sha224 => pbkdf2_hmac::<sha2::Sha224>(password, salt, iterations, key),
        Hash::Sha256 => pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations, key),
        Hash::Sha384 => pbkdf2_hmac::<sha2::Sha384>(password, salt, iterations, key),
        Hash::Sha512 => pbkdf2_hmac::<sha2::Sha512>(password, salt, iterations, key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbkdf2_matches_rfc_6070() {
        // RFC 6070 test vector 2: "password", "salt", 2 iterations, 20 bytes, HMAC-SHA1.
        let mut key = [0u8; 20];
        pbkdf2(Hash::Sha1, b"password", b"salt", 2, &mut key);
        let expected = [
            0xea, 0x6c, 0x01, 0x4d, 0xc7, 0x2d, 0x6f, 0x8c, 0xcd, 0x1e, 0xd9, 0x2a, 0xce, 0x1d,
            0x41, 0xf0, 0xd8, 0xde, 0x89, 0x57,
        ];
        assert_eq!(key, expected);
    }

    #[test]
    fn pkcs12_kdf_is_the_pkcs12_crates() {
        let ours = pkcs12_kdf(Hash::Sha1, b"\0a\0\0", b"salt", Purpose::Mac, 3, 20);
        let theirs = derive_key::<sha1::Sha1>(b"\0a\0\0", b"salt", Pkcs12KeyType::Mac, 3, 20);
        assert_eq!(ours, theirs);
    }
}
