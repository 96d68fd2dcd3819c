//! The bags inside safe contents (RFC 7292 §4.2): keys, shrouded keys, certificates, and
//! nested safe contents. CRL and secret bags carry nothing a client certificate needs.

use der::{Any, Encode, asn1::ContextSpecific};
use pkcs12::pbe_params::EncryptedPrivateKeyInfo;
use pkcs12::{CertBag, SafeBag};
use zeroize::Zeroizing;

use super::Protection;
use super::budget::{Budget, MAX_CERTIFICATES, MAX_KEYS, at_most};
use super::decrypt;
use super::keys::Keys;
use super::password::Password;
use crate::ber;
use crate::error::{Error, Result, decode};

use crate::oid::X509_CERTIFICATE;
/// Safe contents nested inside safe contents deeper than this are refused.
const MAX_NESTING: usize = 4;

/// Certificates and keys found so far.
#[derive(Default)]
pub(super) struct Found {
    pub certificates: Vec<Vec<u8>>,
    pub private_keys: Vec<Zeroizing<Vec<u8>>>,
}

/// What reading the bags of one file needs and fills.
pub(super) struct Opening<'a> {
    pub password: &'a Password,
    pub budget: &'a mut Budget,
    pub keys: &'a mut Keys,
    pub found: &'a mut Found,
    pub protection: &'a mut Protection,
}

impl Opening<'_> {
    /// Reads one `SafeContents ::= SEQUENCE OF SafeBag` (DER) into `found`.
    pub(super) fn collect(&mut self, safe_contents: &[u8], depth: usize) -> Result<()> {
        if depth > MAX_NESTING {
            return Err(Error::Malformed {
                position: 0,
                context: "nesting of safe contents",
            });
        }
        let bags: Vec<SafeBag> = decode(safe_contents, "safe contents")?;
        for bag in &bags {
            self.budget.bag()?;
            match bag.bag_id {
                pkcs12::PKCS_12_KEY_BAG_OID => self.key(Zeroizing::new(bag_value(bag)?))?,
                pkcs12::PKCS_12_PKCS8_KEY_BAG_OID => {
                    let value = bag_value(bag)?;
                    let shrouded: EncryptedPrivateKeyInfo =
                        decode(&value, "encrypted private key")?;
                    self.protection
                        .encryption
                        .push(decrypt::describe(&shrouded.encryption_algorithm));
                    let plain = decrypt::decrypt(
                        &shrouded.encryption_algorithm,
                        shrouded.encrypted_data.as_bytes(),
                        self.password,
                        self.budget,
                        self.keys,
                    )?;
                    // Its key is derived before the next round.
                    let Some(plain) = plain else { continue };
                    self.key(Zeroizing::new(ber::to_der(&plain)?))?;
                }
                pkcs12::PKCS_12_CERT_BAG_OID => {
                    let cert_bag: CertBag = decode(&bag_value(bag)?, "certificate bag")?;
                    if cert_bag.cert_id == X509_CERTIFICATE {
                        let certificates = &mut self.found.certificates;
                        certificates.push(cert_bag.cert_value.as_bytes().to_vec());
                        at_most(certificates, MAX_CERTIFICATES, "certificates")?;
                    }
                }
                pkcs12::PKCS_12_SAFE_CONTENTS_BAG_OID => {
                    self.collect(&bag_value(bag)?, depth + 1)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn key(&mut self, private_key: Zeroizing<Vec<u8>>) -> Result<()> {
        self.found.private_keys.push(private_key);
        at_most(&self.found.private_keys, MAX_KEYS, "keys")
    }
}

/// `bagValue [0] EXPLICIT`: `pkcs12::SafeBag` keeps the tagged element; this unwraps it.
fn bag_value(bag: &SafeBag) -> Result<Vec<u8>> {
    let tagged: ContextSpecific<Any> = decode(&bag.bag_value, "bag value")?;
    tagged.value.to_der().map_err(Error::der("bag value"))
}
