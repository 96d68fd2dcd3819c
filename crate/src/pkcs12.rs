//! Opening a PKCS#12 (PFX) file with its password: the reader that ties the RustCrypto parts
//! together. No crate on the registry reads every variant real tools export (see
//! `docs/renewal-protocol.md` §1); `pkcs12`, `cms` and `pkcs5` provide the ASN.1 types and
//! PBES2, the rest of the cryptography comes from `rc2`, `des`, `cbc`, `hmac`, `sha1`,
//! `sha2` and `pbkdf2`.
//!
//! RFC 7292 §4: `PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo,
//! macData MacData OPTIONAL }`, with `authSafe` of type `data` holding an
//! `AuthenticatedSafe ::= SEQUENCE OF ContentInfo` of `data` or `encryptedData`.

mod bags;
mod budget;
mod decrypt;
mod keys;
mod mac;
mod password;

use const_oid::ObjectIdentifier;
use der::{Any, Decode, Reader, SliceReader, Tag, TagNumber, Tagged, asn1::OctetStringRef};
use serde::Serialize;
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use budget::Budget;
pub(crate) use budget::at_most;
#[cfg(test)]
pub(crate) use budget::{MAX_BAGS, MAX_WORK};
pub(crate) use budget::{MAX_CERTIFICATES, MAX_KEYS};
pub use decrypt::MAX_ITERATIONS;
pub use keys::{Keys, Pbkdf2Request};
use password::Password;

use crate::ber;
use crate::error::{Error, Result, decode};

use crate::oid::{ID_DATA, ID_ENCRYPTED_DATA};

/// What a PFX held, once opened.
pub(crate) struct Pkcs12Contents {
    /// DER certificates in file order.
    pub certificates: Vec<Vec<u8>>,
    /// PKCS#8 `PrivateKeyInfo` DER of each key, wiped when dropped.
    pub private_keys: Vec<Zeroizing<Vec<u8>>>,
    /// How the file was protected.
    pub protection: Protection,
}

/// The integrity and privacy algorithms a PFX used, by name (for administrators and tests).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Protection {
    /// The MAC (`HMAC-SHA1`, `PBMAC1 HMAC-SHA256`…), `None` when the file has none.
    pub mac: Option<&'static str>,
    /// The encryption of each encrypted part, in file order (`pbeWithSHAAnd40BitRC2-CBC`…).
    pub encryption: Vec<&'static str>,
}

/// Whether `der` starts like a PFX: `SEQUENCE { INTEGER 3, SEQUENCE { OID … } }`.
pub(crate) fn looks_like_pfx(der: &[u8]) -> bool {
    // 30 xx 02 01 03 after any length form, BER included.
    let Some(&len_byte) = der.get(1) else {
        return false;
    };
    let header = match len_byte {
        0x80 => 2,
        0x00..=0x7f => 2,
        b => 2 + usize::from(b & 0x7f),
    };
    der.first() == Some(&0x30) && der.get(header..header + 3) == Some(&[0x02, 0x01, 0x03])
}

/// Opens `bytes` (DER or BER) with `password`, every key computed here.
#[cfg(test)]
pub(crate) fn open(bytes: &[u8], password: &str) -> Result<Pkcs12Contents> {
    open_with(bytes, password, &mut Keys::computing())
}

/// One round of opening `bytes` (DER or BER) with `password`, with the keys `keys` has or
/// computes. When `keys` is left waiting, the answer (contents or error) is void: derive what
/// it lists and call again (see `keys.rs`).
pub(crate) fn open_with(bytes: &[u8], password: &str, keys: &mut Keys) -> Result<Pkcs12Contents> {
    let mut password = Password::new(password);
    let mut budget = Budget::default();
    let der = ber::to_der(bytes)?;
    let pfx: pkcs12::Pfx = decode(&der, "PKCS#12 structure")?;
    if pfx.auth_safe.content_type != ID_DATA {
        // Public-key integrity mode (signedData) is not used by any tool we know of.
        return Err(Error::UnsupportedAlgorithm {
            oid: pfx.auth_safe.content_type,
        });
    }
    let auth_safe = octets(&pfx.auth_safe.content, "authenticated safe")?;

    let mut protection = Protection::default();
    if let Some(mac_data) = &pfx.mac_data {
        protection.mac = Some(mac::verify(
            mac_data,
            &auth_safe,
            &mut password,
            &mut budget,
            keys,
        )?);
    }
    // Only the MAC's key can be missing yet: then the MAC is unchecked this round.
    let verified = protection.mac.is_some() && !keys.waiting();
    // Without a MAC, a wrong password shows only as garbage after decryption.
    let after_decryption = |err: Error| match err {
        Error::WrongPassword if verified => Error::Malformed {
            position: 0,
            context: "encrypted content",
        },
        Error::Malformed { .. } | Error::Truncated { .. } if !verified => Error::WrongPassword,
        other => other,
    };

    let auth_safe = ber::to_der(&auth_safe)?;
    let parts: Vec<cms::content_info::ContentInfo> = decode(&auth_safe, "authenticated safe")?;
    let mut found = bags::Found::default();
    for part in &parts {
        let safe_contents = match part.content_type {
            ID_DATA => Zeroizing::new(octets(&part.content, "safe contents")?),
            ID_ENCRYPTED_DATA => {
                let (algorithm, ciphertext) = encrypted_data(&part.content)?;
                protection.encryption.push(decrypt::describe(&algorithm));
                let plain = decrypt::decrypt(&algorithm, &ciphertext, &password, &mut budget, keys)
                    .map_err(after_decryption)?;
                let Some(plain) = plain else { continue };
                Zeroizing::new(ber::to_der(&plain).map_err(after_decryption)?)
            }
            oid => return Err(Error::UnsupportedAlgorithm { oid }),
        };
        let mut opening = bags::Opening {
            password: &password,
            budget: &mut budget,
            keys,
            found: &mut found,
            protection: &mut protection,
        };
        opening
            .collect(&safe_contents, 0)
            .map_err(after_decryption)?;
    }
    Ok(Pkcs12Contents {
        certificates: found.certificates,
        private_keys: found.private_keys,
        protection,
    })
}

/// The value of a `data` content: an OCTET STRING.
fn octets(content: &Any, context: &'static str) -> Result<Vec<u8>> {
    let octets: &OctetStringRef = content.decode_as().map_err(Error::der(context))?;
    Ok(octets.as_bytes().to_vec())
}

/// RFC 5652 §8: `EncryptedData ::= SEQUENCE { version, encryptedContentInfo, [1] … }` and
/// `EncryptedContentInfo ::= SEQUENCE { contentType, contentEncryptionAlgorithm,
/// encryptedContent [0] IMPLICIT OCTET STRING OPTIONAL }`.
///
/// Read here rather than with `cms::encrypted_data::EncryptedData` because NSS and Java write
/// `encryptedContent` as a *constructed* implicit string (`A0 … 04 … 04 …`), which the DER
/// type refuses and a schema-free BER pass cannot tell apart from an EXPLICIT tag.
fn encrypted_data(content: &Any) -> Result<(AlgorithmIdentifierOwned, Vec<u8>)> {
    const CONTEXT: &str = "encrypted data";
    content
        .sequence(|reader: &mut SliceReader<'_>| {
            let _version: u8 = reader.decode()?;
            let info: Any = reader.decode()?;
            // [1] unprotectedAttrs, if any, carry nothing we need.
            while !reader.is_finished() {
                let _: Any = reader.decode()?;
            }
            info.sequence(|info: &mut SliceReader<'_>| {
                let _content_type: ObjectIdentifier = info.decode()?;
                let algorithm: AlgorithmIdentifierOwned = info.decode()?;
                let encrypted: Any = info.decode()?;
                Ok((algorithm, encrypted))
            })
        })
        .map_err(Error::der(CONTEXT))
        .and_then(|(algorithm, encrypted)| {
            let ciphertext = match encrypted.tag() {
                Tag::ContextSpecific {
                    number: TagNumber(0),
                    constructed: false,
                } => encrypted.value().to_vec(),
                Tag::ContextSpecific {
                    number: TagNumber(0),
                    constructed: true,
                } => joined_segments(encrypted.value()).map_err(Error::der(CONTEXT))?,
                _ => {
                    return Err(Error::Malformed {
                        position: 0,
                        context: CONTEXT,
                    });
                }
            };
            Ok((algorithm, ciphertext))
        })
}

/// X.690 §8.7.3: the value of a constructed OCTET STRING is its segments' values joined.
fn joined_segments(value: &[u8]) -> der::Result<Vec<u8>> {
    let mut reader = SliceReader::new(value)?;
    let mut joined = Vec::with_capacity(value.len());
    while !reader.is_finished() {
        let segment = <&OctetStringRef>::decode(&mut reader)?;
        joined.extend_from_slice(segment.as_bytes());
    }
    Ok(joined)
}
