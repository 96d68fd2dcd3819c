//! Is the downloaded file the renewed certificate of *this* terminal, from *this* issuer?
//! Nothing is called done, and the registration is not replaced, before it passes.
//!
//! What each check costs (Wasm size and time): opening the file is the reader's work
//! (PKCS#12 KDF, 3DES/RC2, MAC; milliseconds). The names, dates and key identifiers are
//! string compares. The signature check is one RSA public-key operation (~1 ms) or one
//! P-256 verification (see `issuer.rs` for what each links).

use crate::certificate::{CertificateInfo, hex_decode};
use crate::error::Error;
use crate::issuer::{SignatureCheck, check_signature};
use crate::reader::{CertificateReport, read_with_certificate};

/// Opens the downloaded file with `pass` and checks it may replace `old`, the certificate
/// being renewed. On failure, the stable code of the first defect found:
/// - `renewed_wrong_password`, `renewed_key_mismatch`, `renewed_unreadable`: it does not open;
/// - `renewed_too_complex`: it would cost more work than any real file (see the reader's
///   budget), so it is not opened;
/// - `renewed_no_key`: no private key, so it could not be used to log in;
/// - `renewed_other_subject`: another terminal's (subject CN or O differ);
/// - `renewed_not_later`: it does not end after the current one;
/// - `renewed_other_issuer`: another issuer DN, or another authority key identifier when
///   the current certificate names its issuer's key;
/// - `renewed_bad_signature`: not signed by the issuer's key known from the registered file
///   (kept from the first registration that carried the CA, across renewals);
/// - `renewed_unverifiable`: the issuer's key is known but its algorithm is one this core
///   does not verify; refused rather than assumed.
pub(super) fn verify_renewed(
    bytes: &[u8],
    pass: &str,
    old: &CertificateInfo,
) -> Result<CertificateReport, &'static str> {
    let (mut report, certificate) =
        read_with_certificate(bytes, Some(pass)).map_err(|err| match err {
            Error::WrongPassword => "renewed_wrong_password",
            Error::KeyMismatch => "renewed_key_mismatch",
            // Built to exhaust the reader: a hostile server's file, never a damaged one.
            Error::TooMuchWork { .. }
            | Error::TooManyParts { .. }
            | Error::IterationsTooHigh { .. } => "renewed_too_complex",
            _ => "renewed_unreadable",
        })?;
    let new = &report.certificate;
    if !report.has_private_key {
        return Err("renewed_no_key");
    }
    if new.common_name != old.common_name || new.organization != old.organization {
        return Err("renewed_other_subject");
    }
    if new.not_after <= old.not_after {
        return Err("renewed_not_later");
    }
    if new.issuer != old.issuer {
        return Err("renewed_other_issuer");
    }
    if old.authority_key_id.is_some() && new.authority_key_id != old.authority_key_id {
        return Err("renewed_other_issuer");
    }
    // The registered file's issuer key is the one to trust; the renewed file's chain only
    // proves the file is consistent with itself (its own issuer key was checked on reading).
    if let Some(key) = old.issuer_key.as_deref().and_then(hex_decode) {
        match check_signature(&certificate, &key) {
            // The same key checks the next renewal, even if this file carries no chain.
            SignatureCheck::Valid => report.certificate.issuer_key.clone_from(&old.issuer_key),
            SignatureCheck::Invalid => return Err("renewed_bad_signature"),
            SignatureCheck::Unsupported => return Err("renewed_unverifiable"),
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jst::DAY_MS;
    use crate::renewal::fixtures::{LEGACY, PASS, WITH_CHAIN, three_years_earlier as current};

    #[test]
    fn a_renewed_file_for_the_same_terminal_from_the_same_issuer_passes() {
        let report = verify_renewed(LEGACY, PASS, &current(LEGACY)).expect("verified");
        assert_eq!(
            report.certificate.common_name.as_deref(),
            Some("client3948")
        );
        let old = current(WITH_CHAIN);
        assert!(
            old.issuer_key.is_some(),
            "the chain's CA key is kept at registration"
        );
        assert!(verify_renewed(WITH_CHAIN, PASS, &old).is_ok());
        assert!(
            verify_renewed(LEGACY, PASS, &old).is_ok(),
            "signed by the registered CA key"
        );
    }

    #[test]
    fn each_defect_is_named() {
        let old = current(LEGACY);
        assert_eq!(
            verify_renewed(LEGACY, "wrong", &old).err(),
            Some("renewed_wrong_password")
        );
        assert_eq!(
            verify_renewed(&LEGACY[..LEGACY.len() / 2], PASS, &old).err(),
            Some("renewed_unreadable")
        );
        let other = include_bytes!("../../tests/fixtures/ec-p256.p12");
        assert_eq!(
            verify_renewed(other, PASS, &old).err(),
            Some("renewed_other_subject")
        );
        let mut same_expiry = old.clone();
        same_expiry.not_after += 1095 * DAY_MS;
        assert_eq!(
            verify_renewed(LEGACY, PASS, &same_expiry).err(),
            Some("renewed_not_later")
        );
        let no_key = include_bytes!("../../tests/fixtures/cert-only.p12");
        assert_eq!(
            verify_renewed(no_key, PASS, &old).err(),
            Some("renewed_no_key")
        );
    }

    #[test]
    fn another_issuer_is_refused_by_name_key_identifier_or_signature() {
        let mut other_name = current(LEGACY);
        other_name.issuer = "CN=client3948,O=u00001294,C=JP".into(); // as if self-signed
        assert_eq!(
            verify_renewed(LEGACY, PASS, &other_name).err(),
            Some("renewed_other_issuer")
        );

        let mut other_key_id = current(LEGACY);
        other_key_id.authority_key_id = Some("00112233".into());
        assert_eq!(
            verify_renewed(LEGACY, PASS, &other_key_id).err(),
            Some("renewed_other_issuer")
        );

        // Same names, but the registered issuer key is another one (here: the client's own).
        let mut other_key = current(WITH_CHAIN);
        let client_key = crate::reader::read_with_certificate(LEGACY, Some(PASS))
            .map(|(_, cert)| {
                use der::Encode;
                cert.tbs_certificate()
                    .subject_public_key_info()
                    .to_der()
                    .expect("spki")
            })
            .expect("fixture");
        other_key.issuer_key = Some(crate::certificate::hex(&client_key));
        assert_eq!(
            verify_renewed(LEGACY, PASS, &other_key).err(),
            Some("renewed_bad_signature")
        );
    }
}
