//! The bags inside safe contents (RFC 7292 §4.2): keys, shrouded keys, certificates, and
//! nested safe contents. CRL and secret bags carry nothing a client certificate needs.

use const_oid::ObjectIdentifier;
use der::{Any, Encode, asn1::ContextSpecific};
use pkcs12::pbe_params::EncryptedPrivateKeyInfo;
use pkcs12::{CertBag, SafeBag};
use zeroize::Zeroizing;

use super::Protection;
use super::decrypt;
use super::password::Password;
use crate::ber;
use crate::error::{Error, Result, decode};

/// RFC 7292 §4.2.3 / PKCS#9: `x509Certificate` in a certificate bag.
const X509_CERTIFICATE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.1");
/// Safe contents nested inside safe contents deeper than this are refused.
const MAX_NESTING: usize = 4;

/// Certificates and keys found so far.
#[derive(Default)]
pub struct Found {
    pub certificates: Vec<Vec<u8>>,
    pub private_keys: Vec<Zeroizing<Vec<u8>>>,
}

/// Reads one `SafeContents ::= SEQUENCE OF SafeBag` (DER) into `found`.
pub fn collect(
    safe_contents: &[u8],
    password: &Password,
    found: &mut Found,
    protection: &mut Protection,
    depth: usize,
) -> Result<()> {
    if depth > MAX_NESTING {
        return Err(Error::Malformed {
            position: 0,
            context: "nesting of safe contents",
        });
    }
    let bags: Vec<SafeBag> = decode(safe_contents, "safe contents")?;
    for bag in &bags {
        match bag.bag_id {
            pkcs12::PKCS_12_KEY_BAG_OID => {
                found.private_keys.push(Zeroizing::new(bag_value(bag)?));
            }
            pkcs12::PKCS_12_PKCS8_KEY_BAG_OID => {
                let value = bag_value(bag)?;
                let shrouded: EncryptedPrivateKeyInfo = decode(&value, "encrypted private key")?;
                protection
                    .encryption
                    .push(decrypt::describe(&shrouded.encryption_algorithm));
                let plain = decrypt::decrypt(
                    &shrouded.encryption_algorithm,
                    shrouded.encrypted_data.as_bytes(),
                    password,
                )?;
                found
                    .private_keys
                    .push(Zeroizing::new(ber::to_der(&plain)?));
            }
            pkcs12::PKCS_12_CERT_BAG_OID => {
                let cert_bag: CertBag = decode(&bag_value(bag)?, "certificate bag")?;
                if cert_bag.cert_id == X509_CERTIFICATE {
                    found
                        .certificates
                        .push(cert_bag.cert_value.as_bytes().to_vec());
                }
            }
            pkcs12::PKCS_12_SAFE_CONTENTS_BAG_OID => {
                collect(&bag_value(bag)?, password, found, protection, depth + 1)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// `bagValue [0] EXPLICIT`: `pkcs12::SafeBag` keeps the tagged element; this unwraps it.
fn bag_value(bag: &SafeBag) -> Result<Vec<u8>> {
    let tagged: ContextSpecific<Any> = decode(&bag.bag_value, "bag value")?;
    tagged.value.to_der().map_err(Error::der("bag value"))
}
