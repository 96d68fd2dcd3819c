//! The object identifiers the core names, in one place: from `const-oid`'s database (by the
//! RFC that defines each), or from `pkcs12`/`pkcs5` where those crates export them; written
//! out here, with their source, only where no crate has them.

use const_oid::ObjectIdentifier;

/// Directory attributes (RFC 4519; RFC 2985 for the e-mail address).
pub(crate) use const_oid::db::rfc2985::PKCS_9_AT_EMAIL_ADDRESS;
pub(crate) use const_oid::db::rfc4519::{
    COMMON_NAME, COUNTRY_NAME, DOMAIN_COMPONENT, GIVEN_NAME, LOCALITY_NAME, ORGANIZATION_NAME,
    ORGANIZATIONAL_UNIT_NAME, SERIAL_NUMBER, SN, ST, STREET,
};
/// Certificate extensions (RFC 5280 §4.2.1).
pub(crate) use const_oid::db::rfc5280::{
    ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_SUBJECT_KEY_IDENTIFIER,
};
/// CMS content types (RFC 5911), the containers of a PFX.
pub(crate) use const_oid::db::rfc5911::{ID_DATA, ID_ENCRYPTED_DATA};
/// Key, curve, signature and hash algorithms (RFC 5912; RFC 8410 for Ed25519).
pub(crate) use const_oid::db::rfc5912::{
    ECDSA_WITH_SHA_256, ID_EC_PUBLIC_KEY, ID_SHA_1, ID_SHA_224, ID_SHA_256, ID_SHA_384, ID_SHA_512,
    RSA_ENCRYPTION, SECP_256_R_1, SECP_384_R_1, SECP_521_R_1, SHA_1_WITH_RSA_ENCRYPTION,
    SHA_256_WITH_RSA_ENCRYPTION, SHA_384_WITH_RSA_ENCRYPTION, SHA_512_WITH_RSA_ENCRYPTION,
};
pub(crate) use const_oid::db::rfc8410::ID_ED_25519;

/// RFC 9579 `id-PBMAC1` (newer than `const-oid`'s database).
pub(crate) const ID_PBMAC1: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.14");
/// RFC 7292 §4.2.3 / PKCS#9 `x509Certificate`, the type of a certificate bag's value.
pub(crate) const X509_CERTIFICATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.1");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_names_are_the_identifiers_the_code_used_to_write_out() {
        let written = [
            (COMMON_NAME, "2.5.4.3"),
            (ORGANIZATION_NAME, "2.5.4.10"),
            (ORGANIZATIONAL_UNIT_NAME, "2.5.4.11"),
            (COUNTRY_NAME, "2.5.4.6"),
            (LOCALITY_NAME, "2.5.4.7"),
            (ST, "2.5.4.8"),
            (STREET, "2.5.4.9"),
            (SERIAL_NUMBER, "2.5.4.5"),
            (GIVEN_NAME, "2.5.4.42"),
            (SN, "2.5.4.4"),
            (DOMAIN_COMPONENT, "0.9.2342.19200300.100.1.25"),
            (PKCS_9_AT_EMAIL_ADDRESS, "1.2.840.113549.1.9.1"),
            (ID_CE_SUBJECT_KEY_IDENTIFIER, "2.5.29.14"),
            (ID_CE_AUTHORITY_KEY_IDENTIFIER, "2.5.29.35"),
            (ID_DATA, "1.2.840.113549.1.7.1"),
            (ID_ENCRYPTED_DATA, "1.2.840.113549.1.7.6"),
            (RSA_ENCRYPTION, "1.2.840.113549.1.1.1"),
            (ID_EC_PUBLIC_KEY, "1.2.840.10045.2.1"),
            (SECP_256_R_1, "1.2.840.10045.3.1.7"),
            (SECP_384_R_1, "1.3.132.0.34"),
            (SECP_521_R_1, "1.3.132.0.35"),
            (ID_ED_25519, "1.3.101.112"),
            (SHA_1_WITH_RSA_ENCRYPTION, "1.2.840.113549.1.1.5"),
            (SHA_256_WITH_RSA_ENCRYPTION, "1.2.840.113549.1.1.11"),
            (SHA_384_WITH_RSA_ENCRYPTION, "1.2.840.113549.1.1.12"),
            (SHA_512_WITH_RSA_ENCRYPTION, "1.2.840.113549.1.1.13"),
            (ECDSA_WITH_SHA_256, "1.2.840.10045.4.3.2"),
            (ID_SHA_1, "1.3.14.3.2.26"),
            (ID_SHA_224, "2.16.840.1.101.3.4.2.4"),
            (ID_SHA_256, "2.16.840.1.101.3.4.2.1"),
            (ID_SHA_384, "2.16.840.1.101.3.4.2.2"),
            (ID_SHA_512, "2.16.840.1.101.3.4.2.3"),
        ];
        for (oid, dotted) in written {
            assert_eq!(oid.to_string(), dotted);
        }
    }
}
