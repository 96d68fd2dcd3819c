//! Does a private key belong to a certificate? A renewed file whose key is not the
//! certificate's cannot log in, so this is checked before anyone calls it done.
//!
//! RSA: the modulus and public exponent in the PKCS#1 private key equal the certificate's.
//! EC: the public point written beside the private key (SEC 1 `publicKey`, which OpenSSL,
//! NSS and Windows include) equals the certificate's; when a writer left it out (Java), the
//! point is recomputed for P-256, the curve client certificates use.

use core::cell::OnceCell;

use const_oid::ObjectIdentifier;
use der::Decode;
use pkcs1::{RsaPrivateKeyRef, RsaPublicKeyRef};
use pkcs8::PrivateKeyInfoRef;
use spki::SubjectPublicKeyInfoOwned;

use crate::error::{Error, Result};

use crate::oid::{ID_EC_PUBLIC_KEY as EC_PUBLIC_KEY, RSA_ENCRYPTION, SECP_256_R_1 as P256};

/// A private key read once, checked against any number of certificates.
pub(crate) struct PrivateKey<'a> {
    algorithm: ObjectIdentifier,
    kind: Kind<'a>,
    /// The P-256 point recomputed from the scalar, the first time a certificate needs it:
    /// the scalar multiplication is the dear part of a check, so it runs once per key.
    recomputed: OnceCell<Result<p256::PublicKey>>,
}

enum Kind<'a> {
    Rsa(RsaPrivateKeyRef<'a>),
    Ec(sec1::EcPrivateKey<'a>),
    Other,
}

impl<'a> PrivateKey<'a> {
    /// Reads a PKCS#8 `PrivateKeyInfo`.
    pub(crate) fn parse(der: &'a [u8]) -> Result<Self> {
        let info = PrivateKeyInfoRef::from_der(der).map_err(Error::der("private key"))?;
        let kind = match info.algorithm.oid {
            RSA_ENCRYPTION => Kind::Rsa(
                RsaPrivateKeyRef::from_der(info.private_key.as_bytes())
                    .map_err(Error::der("RSA private key"))?,
            ),
            EC_PUBLIC_KEY => Kind::Ec(
                sec1::EcPrivateKey::from_der(info.private_key.as_bytes())
                    .map_err(Error::der("EC private key"))?,
            ),
            _ => Kind::Other,
        };
        Ok(Self {
            algorithm: info.algorithm.oid,
            kind,
            recomputed: OnceCell::new(),
        })
    }

    /// Whether this is the key of the certificate whose public key is `spki`.
    pub(crate) fn matches(&self, spki: &SubjectPublicKeyInfoOwned) -> Result<bool> {
        if self.algorithm != spki.algorithm.oid {
            return Ok(false);
        }
        let public_bits = spki.subject_public_key.raw_bytes();
        match &self.kind {
            Kind::Rsa(private) => {
                let public =
                    RsaPublicKeyRef::from_der(public_bits).map_err(Error::der("RSA public key"))?;
                Ok(private.modulus == public.modulus
                    && private.public_exponent == public.public_exponent)
            }
            Kind::Ec(private) => {
                if let Some(point) = private.public_key {
                    return Ok(point == public_bits);
                }
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|params| params.decode_as::<ObjectIdentifier>().ok());
                if curve != Some(P256) {
                    return Err(Error::UnsupportedAlgorithm {
                        oid: curve.unwrap_or(EC_PUBLIC_KEY),
                    });
                }
                let recomputed = self
                    .recomputed
                    .get_or_init(|| {
                        p256::SecretKey::from_slice(private.private_key)
                            .map(|secret| secret.public_key())
                            .map_err(|_| Error::Malformed {
                                position: 0,
                                context: "EC private key",
                            })
                    })
                    .clone()?;
                let public = p256::PublicKey::from_sec1_bytes(public_bits).map_err(|_| {
                    Error::Malformed {
                        position: 0,
                        context: "EC public key",
                    }
                })?;
                Ok(recomputed == public)
            }
            Kind::Other => Err(Error::UnsupportedAlgorithm {
                oid: self.algorithm,
            }),
        }
    }
}
