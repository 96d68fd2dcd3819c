//! Is the downloaded file the renewed certificate of *this* terminal, from *this* issuer?
//! Nothing is called done, and the registration is not replaced, before it passes.
//!
//! What each check costs (Wasm size and time): opening the file is the reader's work
//! (PKCS#12 KDF, 3DES/RC2, MAC; milliseconds). The names, dates and key identifiers are
//! string compares. The signature check is one RSA public-key operation (~1 ms) or one
//! P-256 verification (see `issuer.rs` for what each links).

use super::code::Code;
use crate::certificate::{CertificateInfo, hex_decode};
use crate::error::Error;
use crate::issuer::{SignatureCheck, Signatures};
use crate::pkcs12::Keys;
use crate::reader::{CertificateReport, read_in_round};

/// Why a downloaded file may not replace the current certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Refused {
    /// It does not open (MAC or decryption failure, truncation, broken structure): damaged or
    /// replaced on the way, so a new download may cure it. `code` says which.
    Damaged {
        /// `renewed_wrong_password` or `renewed_unreadable`.
        code: Code,
    },
    /// It opens, or cannot be opened for a reason no download cures, and is not this
    /// terminal's renewed certificate from its issuer: kept for the administrator.
    NotOurs {
        /// Which defect (see [`verify_renewed`]).
        code: Code,
        /// What the file says, when it could be read: shown to the administrator.
        certificate: Option<Box<CertificateInfo>>,
    },
}

impl Refused {
    /// The stable code.
    #[cfg(feature = "in-process-signatures")]
    pub(super) fn code(&self) -> Code {
        match self {
            Self::Damaged { code } | Self::NotOurs { code, .. } => *code,
        }
    }
}

/// For the companion: whether `bytes`, opened with `pass`, renews `old` (a certificate in the
/// computer's store) by the same rules as a download — the same terminal, a later end, the
/// same issuer; the code of the first defect if not.
#[cfg(feature = "in-process-signatures")]
pub fn verify_renewal(
    bytes: &[u8],
    pass: &str,
    old: &CertificateInfo,
) -> Result<CertificateReport, Code> {
    match verify_renewed(bytes, pass, old, &mut Signatures::computing()) {
        Ok(Some(report)) => Ok(report),
        // Computed here, never asked.
        Ok(None) => Err(Code::RenewedUnverifiable),
        Err(refused) => Err(refused.code()),
    }
}

/// Opens the downloaded file with `pass` and checks it may replace `old`, the certificate
/// being renewed. On failure, the first defect found:
/// - damaged: `renewed_wrong_password` (the MAC fails: it cannot tell a damaged file from
///   another password), `renewed_unreadable` (cut short or broken);
/// - `renewed_key_mismatch`: it opens, but its key belongs to none of its certificates;
/// - `renewed_unsupported`: an algorithm this reader does not implement;
/// - `renewed_too_complex`: it would cost more work than any real file (see the reader's
///   budget), so it is not opened;
/// - `renewed_no_key`: no private key, so it could not be used to log in;
/// - `renewed_other_subject`: another terminal's (subject CN or O differ);
/// - `renewed_not_later`: it does not end after the current one;
/// - `renewed_other_issuer`: another issuer DN, or the same DN with another authority key
///   identifier than the current certificate names. An identifier absent from the renewed
///   certificate is no evidence of another issuer (RFC 5280 §4.2.1.1 makes it a hint for
///   building paths): the name decides, and the signature where the issuer's key is known;
/// - `renewed_bad_signature`: not signed by the issuer's key known from the registered file
///   (kept from the first registration that carried the CA, across renewals);
/// - `renewed_unverifiable`: the issuer's key is known but its algorithm is one this core
///   does not verify; refused rather than assumed.
///
/// `Ok(None)` while `signatures` waits for checks (the file's own chain, the registered
/// issuer's key) and nothing else is wrong: the caller answers them and verifies again, so the
/// answer is the one a verifier in this process would give.
pub(super) fn verify_renewed(
    bytes: &[u8],
    pass: &str,
    old: &CertificateInfo,
    signatures: &mut Signatures,
) -> Result<Option<CertificateReport>, Refused> {
    let not_ours = |code| Refused::NotOurs {
        code,
        certificate: None,
    };
    let (mut report, certificate) =
        read_in_round(bytes, Some(pass), &mut Keys::computing(), signatures).map_err(|err| {
            match err {
                Error::WrongPassword => Refused::Damaged {
                    code: Code::RenewedWrongPassword,
                },
                Error::KeyMismatch => not_ours(Code::RenewedKeyMismatch),
                // Built to exhaust the reader: a hostile server's file, never a damaged one.
                Error::TooMuchWork { .. }
                | Error::TooManyParts { .. }
                | Error::IterationsTooHigh { .. } => not_ours(Code::RenewedTooComplex),
                Error::TooLarge { .. } => not_ours(Code::RenewedTooLarge),
                // A format this reader lacks: the same file comes again on every download.
                Error::UnsupportedAlgorithm { .. } => not_ours(Code::RenewedUnsupported),
                Error::NotCertificateOrPkcs12
                | Error::Truncated { .. }
                | Error::Malformed { .. }
                | Error::NoCertificate => Refused::Damaged {
                    code: Code::RenewedUnreadable,
                },
            }
        })?;
    let new = &report.certificate;
    let defect = if !report.has_private_key {
        Some(Code::RenewedNoKey)
    } else if new.common_name != old.common_name || new.organization != old.organization {
        Some(Code::RenewedOtherSubject)
    } else if new.not_after <= old.not_after {
        Some(Code::RenewedNotLater)
    } else if new.issuer != old.issuer
        || (old.authority_key_id.is_some()
            && new.authority_key_id.is_some()
            && new.authority_key_id != old.authority_key_id)
    {
        Some(Code::RenewedOtherIssuer)
    } else {
        // The registered file's issuer key is the one to trust; the renewed file's chain only
        // proves the file is consistent with itself (its own issuer key was checked on reading).
        match old.issuer_key.as_deref().and_then(hex_decode) {
            Some(key) => match signatures.check(&certificate, &key) {
                // The same key checks the next renewal, even if this file carries no chain.
                Some(SignatureCheck::Valid) => {
                    report.certificate.issuer_key.clone_from(&old.issuer_key);
                    None
                }
                Some(SignatureCheck::Invalid) => Some(Code::RenewedBadSignature),
                Some(SignatureCheck::Unsupported) => Some(Code::RenewedUnverifiable),
                // Asked: `signatures` is waiting, decided below.
                None => None,
            },
            None => None,
        }
    };
    match defect {
        // A defect known from the names and dates is final: no check is waited for (so a file
        // that is not ours is refused before it is kept; only the `issuer_key` of the
        // certificate shown with it may then be missing).
        Some(code) => Err(Refused::NotOurs {
            code,
            certificate: Some(Box::new(report.certificate)),
        }),
        None if signatures.waiting() => Ok(None),
        None => Ok(Some(report)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jst::DAY_MS;
    use crate::renewal::fixtures::{LEGACY, PASS, WITH_CHAIN, three_years_earlier as current};

    /// Verified with the checks computed here.
    fn verify_renewed(
        bytes: &[u8],
        pass: &str,
        old: &CertificateInfo,
    ) -> Result<CertificateReport, Refused> {
        super::verify_renewed(bytes, pass, old, &mut Signatures::computing())
            .map(|report| report.expect("computed here, never asked"))
    }

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

    fn code(result: Result<CertificateReport, Refused>) -> Option<Code> {
        result.err().map(|refused| refused.code())
    }

    #[test]
    fn each_defect_is_named() {
        let old = current(LEGACY);
        assert_eq!(
            code(verify_renewed(LEGACY, "wrong", &old)),
            Some(Code::RenewedWrongPassword)
        );
        assert_eq!(
            code(verify_renewed(&LEGACY[..LEGACY.len() / 2], PASS, &old)),
            Some(Code::RenewedUnreadable)
        );
        let other = include_bytes!("../../tests/fixtures/ec-p256.p12");
        assert_eq!(
            code(verify_renewed(other, PASS, &old)),
            Some(Code::RenewedOtherSubject)
        );
        let mut same_expiry = old.clone();
        same_expiry.not_after += 1095 * DAY_MS;
        assert_eq!(
            code(verify_renewed(LEGACY, PASS, &same_expiry)),
            Some(Code::RenewedNotLater)
        );
        let no_key = include_bytes!("../../tests/fixtures/cert-only.p12");
        assert_eq!(
            code(verify_renewed(no_key, PASS, &old)),
            Some(Code::RenewedNoKey)
        );
    }

    #[test]
    fn another_issuer_is_refused_by_name_or_signature_and_a_missing_key_identifier_is_no_evidence()
    {
        let mut other_name = current(LEGACY);
        other_name.issuer = "CN=client3948,O=u00001294,C=JP".into(); // as if self-signed
        assert_eq!(
            code(verify_renewed(LEGACY, PASS, &other_name)),
            Some(Code::RenewedOtherIssuer)
        );

        // The current certificate names its issuer's key; the renewed one (the fixtures' CA
        // writes no authority key identifier) does not: the name and the signature decide.
        let mut named_key = current(WITH_CHAIN);
        named_key.authority_key_id = Some("00112233".into());
        assert!(verify_renewed(LEGACY, PASS, &named_key).is_ok());
        named_key.issuer_key = None;
        assert!(
            verify_renewed(LEGACY, PASS, &named_key).is_ok(),
            "the name decides"
        );

        // Same names, but the registered issuer key is another one (here: the client's own).
        let mut other_key = current(WITH_CHAIN);
        let client_key = crate::reader::read_with_certificate(LEGACY, Some(PASS))
            .map(|(_, der)| {
                use der::{Decode, Encode};
                let cert = x509_cert::Certificate::from_der(&der).expect("certificate");
                cert.tbs_certificate()
                    .subject_public_key_info()
                    .to_der()
                    .expect("spki")
            })
            .expect("fixture");
        other_key.issuer_key = Some(crate::certificate::hex(&client_key));
        assert_eq!(
            code(verify_renewed(LEGACY, PASS, &other_key)),
            Some(Code::RenewedBadSignature)
        );
    }
}
