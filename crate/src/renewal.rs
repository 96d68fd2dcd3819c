//! The renewal protocol as pure steps (`docs/renewal-protocol.md` §3): the request, the check
//! of the answer, the classification of failures, the backoff, the verification of the
//! renewed file, and the names it is saved under. The network calls live in `wasm.rs`.
//!
//! 1. `POST <api>` with `Accept`/`Content-Type: application/json` and the body `{}` (an empty
//!    body was refused by the provider's WAF), over mutual TLS with the current certificate.
//! 2. 200 (monsiaj also accepts 302 without following it) with JSON `{ "uri", "pass" }`.
//! 3. `GET <uri>` with the same identity: the new PKCS#12.

use serde::Serialize;

use crate::certificate::CertificateInfo;
use crate::error::Error;
use crate::reader::{CertificateReport, read_certificate_file};
use crate::rules::{DAY_MS, jst_day};

/// The request body: exactly `{}`.
pub const REQUEST_BODY: &str = "{}";
/// Attempts for transient failures before giving up.
pub const MAX_ATTEMPTS: u32 = 6;
const BACKOFF_BASE_MS: i64 = 30_000;
const BACKOFF_CAP_MS: i64 = 30 * 60_000;

/// What the renewal API answered, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// Where the new PKCS#12 is.
    pub uri: String,
    /// Its password.
    pub pass: String,
}

/// Why a renewal step failed. `code` crosses to JavaScript; `transient` ones are retried.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RenewalError {
    /// Stable code, mapped to a Japanese message by the extension.
    pub code: &'static str,
    /// Whether trying again later may succeed (network, timeout, 5xx).
    pub transient: bool,
    /// The HTTP status, when there was one.
    pub status: Option<u16>,
}

impl RenewalError {
    fn permanent(code: &'static str, status: Option<u16>) -> Self {
        Self {
            code,
            transient: false,
            status,
        }
    }

    fn transient(code: &'static str, status: Option<u16>) -> Self {
        Self {
            code,
            transient: true,
            status,
        }
    }

    /// The request never got an answer (network down, or no client certificate to present:
    /// Chrome reports both as one `TypeError`). Transient; the user may also pick a
    /// certificate in a tab.
    pub fn connection_failed() -> Self {
        Self::transient("connection_failed", None)
    }

    /// No answer within the time allowed.
    pub fn timeout() -> Self {
        Self::transient("timeout", None)
    }
}

/// Classifies an HTTP status that is not success: 5xx and 429 are transient; 401/403 mean
/// the certificate is not allowed (the ORCA servers answer `NOT PERMITTED CERTIFICATE`).
pub fn http_failure(status: u16) -> RenewalError {
    match status {
        401 | 403 => RenewalError::permanent("not_permitted", Some(status)),
        429 | 500..=599 => RenewalError::transient("server_error", Some(status)),
        _ => RenewalError::permanent("rejected", Some(status)),
    }
}

/// Checks the API's answer: status 200 or 302, JSON with string `uri` and `pass`, and a `uri`
/// on `https:` at the API's own host or one the administrator allowed.
pub fn check_answer(
    status: u16,
    body: &str,
    api_url: &str,
    allowed_hosts: &[String],
) -> Result<Answer, RenewalError> {
    if status != 200 && status != 302 {
        return Err(http_failure(status));
    }
    let malformed = || RenewalError::permanent("malformed_answer", Some(status));
    let json: serde_json::Value = serde_json::from_str(body).map_err(|_| malformed())?;
    let field = |name: &str| json.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    let (Some(uri), Some(pass)) = (field("uri"), field("pass")) else {
        return Err(malformed());
    };
    if pass.is_empty() {
        return Err(malformed());
    }
    let api_host = host_of(api_url);
    let uri_host = uri.strip_prefix("https://").and_then(|_| host_of(&uri));
    let trusted = match (uri_host, api_host) {
        (Some(uri_host), Some(api_host)) => {
            uri_host == api_host
                || allowed_hosts
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case(&uri_host))
        }
        _ => false,
    };
    if !trusted {
        return Err(RenewalError::permanent("untrusted_uri", Some(status)));
    }
    Ok(Answer { uri, pass })
}

/// The lower-cased `host[:port]` of an `https://` URL.
fn host_of(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    (!authority.is_empty() && !authority.contains('@')).then(|| authority.to_ascii_lowercase())
}

/// Delay before attempt `attempt` (1-based) after a transient failure: exponential from
/// 30 s, capped at 30 min, with "full jitter" from `jitter` in [0, 1) (the caller's random).
/// `None` once `MAX_ATTEMPTS` are used up.
pub fn retry_delay(attempt: u32, jitter: f64) -> Option<i64> {
    if attempt >= MAX_ATTEMPTS {
        return None;
    }
    let exponential = BACKOFF_BASE_MS
        .saturating_mul(1 << attempt.min(20))
        .min(BACKOFF_CAP_MS);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.5
    };
    // Half fixed, half random: never retries at once, never all clients together.
    Some(exponential / 2 + (exponential as f64 / 2.0 * jitter) as i64)
}

/// Opens the downloaded file with `pass` and checks it may replace `old`: same subject CN and
/// O, a later notAfter, and a private key that belongs to it. Nothing is called done before.
pub fn verify_renewed(
    bytes: &[u8],
    pass: &str,
    old: &CertificateInfo,
) -> Result<CertificateReport, RenewalError> {
    let report = read_certificate_file(bytes, Some(pass), None).map_err(|err| {
        RenewalError::permanent(
            match err {
                Error::WrongPassword => "renewed_wrong_password",
                Error::KeyMismatch => "renewed_key_mismatch",
                _ => "renewed_unreadable",
            },
            None,
        )
    })?;
    let new = &report.certificate;
    if new.common_name != old.common_name || new.organization != old.organization {
        return Err(RenewalError::permanent("renewed_other_subject", None));
    }
    if new.not_after <= old.not_after {
        return Err(RenewalError::permanent("renewed_not_later", None));
    }
    if !report.has_private_key {
        return Err(RenewalError::permanent("renewed_no_key", None));
    }
    Ok(report)
}

/// File names for a renewed certificate, ORCA-style with the JST date it was saved:
/// `<serial>__JP_<O>_<CN>_<yyyymmdd>.p12` and `…_<yyyymmdd>_password.txt`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedNames {
    /// The PKCS#12 file.
    pub p12: String,
    /// The text file with its password.
    pub password: String,
}

/// The names for `new` saved on `now` (ms).
pub fn saved_names(new: &CertificateInfo, now: i64) -> SavedNames {
    let safe = |s: Option<&str>, fallback: &str| -> String {
        s.unwrap_or(fallback)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    let date = jst_date(now);
    let stem = format!(
        "{}__JP_{}_{}_{date}",
        safe(Some(&new.serial), "0"),
        safe(new.organization.as_deref(), "tenant"),
        safe(new.common_name.as_deref(), "client"),
    );
    SavedNames {
        p12: format!("{stem}.p12"),
        password: format!("{stem}_password.txt"),
    }
}

/// `yyyymmdd` of the JST day of `millis`.
fn jst_date(millis: i64) -> String {
    let day_start_utc = jst_day(millis) * DAY_MS;
    u64::try_from(day_start_utc)
        .ok()
        .and_then(|ms| {
            der::DateTime::from_unix_duration(core::time::Duration::from_millis(ms)).ok()
        })
        .map(|d| format!("{:04}{:02}{:02}", d.year(), d.month(), d.day()))
        .unwrap_or_else(|| "00000000".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const API: &str = "https://auth.cmo.orcamo.jp/api/cert";

    fn answer(status: u16, body: &str) -> Result<Answer, RenewalError> {
        check_answer(status, body, API, &[])
    }

    #[test]
    fn a_good_answer_is_taken() {
        let ok = answer(
            200,
            r#"{"uri":"https://auth.cmo.orcamo.jp/files/abc.p12","pass":"s3cret"}"#,
        );
        assert_eq!(
            ok,
            Ok(Answer {
                uri: "https://auth.cmo.orcamo.jp/files/abc.p12".into(),
                pass: "s3cret".into()
            })
        );
        assert!(answer(302, r#"{"uri":"https://auth.cmo.orcamo.jp/x","pass":"p"}"#).is_ok());
    }

    #[test]
    fn bad_answers_say_why() {
        let code = |r: Result<Answer, RenewalError>| r.err().map(|e| (e.code, e.transient));
        assert_eq!(
            code(answer(200, "not json")),
            Some(("malformed_answer", false))
        );
        assert_eq!(
            code(answer(200, r#"{"uri":"https://auth.cmo.orcamo.jp/x"}"#)),
            Some(("malformed_answer", false))
        );
        assert_eq!(
            code(answer(
                200,
                r#"{"uri":"https://auth.cmo.orcamo.jp/x","pass":7}"#
            )),
            Some(("malformed_answer", false))
        );
        assert_eq!(
            code(answer(
                200,
                r#"{"uri":"http://auth.cmo.orcamo.jp/x","pass":"p"}"#
            )),
            Some(("untrusted_uri", false))
        );
        assert_eq!(
            code(answer(
                200,
                r#"{"uri":"https://evil.example/x","pass":"p"}"#
            )),
            Some(("untrusted_uri", false))
        );
        assert_eq!(
            code(answer(
                200,
                r#"{"uri":"https://auth.cmo.orcamo.jp@evil.example/x","pass":"p"}"#
            )),
            Some(("untrusted_uri", false))
        );
        assert_eq!(
            code(answer(403, "NOT PERMITTED CERTIFICATE")),
            Some(("not_permitted", false))
        );
        assert_eq!(code(answer(404, "")), Some(("rejected", false)));
        assert_eq!(code(answer(500, "")), Some(("server_error", true)));
        assert_eq!(code(answer(503, "")), Some(("server_error", true)));
        let allowed = check_answer(
            200,
            r#"{"uri":"https://files.example.jp/x","pass":"p"}"#,
            API,
            &["files.example.jp".into()],
        );
        assert!(allowed.is_ok());
    }

    #[test]
    fn backoff_grows_is_capped_and_ends() {
        assert_eq!(retry_delay(1, 0.0), Some(30_000));
        assert_eq!(retry_delay(1, 1.0), Some(60_000));
        assert_eq!(retry_delay(2, 0.0), Some(60_000));
        assert_eq!(retry_delay(5, 1.0), Some(960_000));
        assert!(
            (1..MAX_ATTEMPTS).all(|a| retry_delay(a, 1.0).is_some_and(|d| d <= BACKOFF_CAP_MS))
        );
        assert_eq!(retry_delay(MAX_ATTEMPTS, 0.5), None);
        assert_eq!(retry_delay(1, f64::NAN), Some(45_000));
    }

    #[test]
    fn names_are_orca_style_with_the_japanese_date() {
        let info = CertificateInfo {
            subject: "CN=client3948,O=u00001294,C=JP".into(),
            common_name: Some("client3948".into()),
            organization: Some("u00001294".into()),
            issuer: "CN=CA".into(),
            serial: "1A2B".into(),
            not_before: 0,
            not_after: 0,
            sha256_fingerprint: "00".into(),
            key_algorithm: "RSA 2048".into(),
        };
        // 2026-11-24 20:00 UTC is already the 25th in Japan.
        let names = saved_names(&info, 1_795_550_400_000);
        assert_eq!(names.p12, "1A2B__JP_u00001294_client3948_20261125.p12");
        assert_eq!(
            names.password,
            "1A2B__JP_u00001294_client3948_20261125_password.txt"
        );
    }
}

#[cfg(test)]
mod verification_tests {
    use super::*;

    const RENEWED: &[u8] = include_bytes!("../tests/fixtures/openssl-legacy.p12");
    const PASS: &str = "orca-test-pass";

    fn current() -> CertificateInfo {
        let mut old = read_certificate_file(RENEWED, Some(PASS), None)
            .expect("fixture")
            .certificate;
        old.not_after -= 1095 * DAY_MS;
        old
    }

    fn code(result: Result<CertificateReport, RenewalError>) -> Option<&'static str> {
        result.err().map(|e| e.code)
    }

    #[test]
    fn a_renewed_file_for_the_same_terminal_passes() {
        let report = verify_renewed(RENEWED, PASS, &current()).expect("verified");
        assert_eq!(
            report.certificate.common_name.as_deref(),
            Some("client3948")
        );
    }

    #[test]
    fn each_defect_is_named() {
        assert_eq!(
            code(verify_renewed(RENEWED, "wrong", &current())),
            Some("renewed_wrong_password")
        );
        assert_eq!(
            code(verify_renewed(
                &RENEWED[..RENEWED.len() / 2],
                PASS,
                &current()
            )),
            Some("renewed_unreadable")
        );
        let other = include_bytes!("../tests/fixtures/ec-p256.p12");
        assert_eq!(
            code(verify_renewed(other, PASS, &current())),
            Some("renewed_other_subject")
        );
        let mut same_expiry = current();
        same_expiry.not_after += 1095 * DAY_MS;
        assert_eq!(
            code(verify_renewed(RENEWED, PASS, &same_expiry)),
            Some("renewed_not_later")
        );
        let no_key = include_bytes!("../tests/fixtures/cert-only.p12");
        assert_eq!(
            code(verify_renewed(no_key, PASS, &current())),
            Some("renewed_no_key")
        );
    }
}
