//! The renewal protocol as pure steps (`docs/renewal-protocol.md` §3): the request, the check
//! of the answer, the classification of failures, the backoff, the verification of the
//! renewed file, and the names it is saved under. The network calls live in `wasm.rs`.
//!
//! 1. `POST <api>` with `Accept`/`Content-Type: application/json` and the body `{}` (an empty
//!    body was refused by the provider's WAF), over mutual TLS with the current certificate.
//! 2. 200 (monsiaj also accepts 302 without following it) with JSON `{ "uri", "pass" }`.
//! 3. `GET <uri>` with the same identity: the new PKCS#12.

use serde::{Deserialize, Serialize};

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

/// Where a renewal stands. Persisted by the worker after every step, so a restarted worker
/// knows what was done and never sends a second POST on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Phase {
    /// The POST may be in flight.
    Requesting,
    /// The API answered with `uri` and `pass` (kept in session storage); the GET is next.
    Answered,
    /// A transient failure; retried at `next_attempt_at`.
    Waiting,
    /// The verified file and its password are saved; the user is guided from here.
    Saved,
    /// The user's backup copy was checked; the password is wiped.
    BackedUp,
    /// The user logged in with the new certificate.
    Done,
    /// Stopped; `error` says why.
    Failed,
}

/// A failure as stored: its code and HTTP status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedError {
    /// `RenewalError::code`, or a worker code (`interrupted`, `save_failed`).
    pub code: String,
    /// The HTTP status, when there was one.
    pub status: Option<u16>,
}

/// The files a renewal saved (full paths, as `chrome.downloads` reports them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedFiles {
    /// The PKCS#12.
    pub p12: String,
    /// The password text file.
    pub password: String,
}

/// One certificate's renewal, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RenewalRecord {
    /// The certificate being renewed (SHA-256 fingerprint).
    pub fingerprint: String,
    /// Its label, for messages.
    pub label: String,
    /// Where it stands.
    pub state: Phase,
    /// POST attempts made (1 for the first).
    pub attempt: u32,
    /// The renewal endpoint.
    pub api_url: String,
    /// When it started (ms).
    pub started_at: i64,
    /// When it last changed (ms).
    pub updated_at: i64,
    /// Where the new file is, between answer and download.
    #[serde(default)]
    pub uri: Option<String>,
    /// When a waiting renewal is retried (ms).
    #[serde(default)]
    pub next_attempt_at: Option<i64>,
    /// Why it is waiting or failed.
    #[serde(default)]
    pub error: Option<RecordedError>,
    /// What was saved.
    #[serde(default)]
    pub files: Option<SavedFiles>,
    /// The renewed certificate's fingerprint.
    #[serde(default)]
    pub new_fingerprint: Option<String>,
    /// The renewed certificate's notAfter (ms).
    #[serde(default)]
    pub new_not_after: Option<i64>,
    /// The tab opened for the certificate picker, if any.
    #[serde(default)]
    pub picker_tab_id: Option<i64>,
}

/// What happened to a renewal; `transition` says what it becomes.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Event {
    /// The API answered.
    Answered {
        /// Where the new file is.
        uri: String,
    },
    /// The file was verified and saved.
    #[serde(rename_all = "camelCase")]
    Saved {
        /// The saved files.
        files: SavedFiles,
        /// The new certificate's fingerprint.
        new_fingerprint: String,
        /// The new certificate's notAfter (ms).
        new_not_after: i64,
    },
    /// A step failed.
    #[serde(rename_all = "camelCase")]
    Failed {
        /// The error's code.
        code: String,
        /// Whether it may succeed later.
        #[serde(default)]
        transient: bool,
        /// The HTTP status, if any.
        #[serde(default)]
        status: Option<u16>,
    },
    /// A new worker found this record.
    WorkerStarted,
    /// The retry alarm rang (or the user picked the certificate and wants it now).
    RetryDue {
        /// Retry even before `next_attempt_at`.
        #[serde(default)]
        now: bool,
    },
    /// The user opened the certificate picker in this tab.
    #[serde(rename_all = "camelCase")]
    PickerOpened {
        /// The tab.
        tab_id: i64,
    },
    /// The user's backup copy was checked.
    BackupConfirmed,
    /// The user logged in with the new certificate.
    ImportConfirmed,
}

impl RenewalRecord {
    /// Whether a renewal is under way, so "今すぐ更新" must not start another.
    pub fn is_active(&self) -> bool {
        matches!(
            self.state,
            Phase::Requesting | Phase::Answered | Phase::Waiting
        )
    }

    /// Whether the new certificate is saved but its import not yet confirmed.
    pub fn awaits_import(&self) -> bool {
        matches!(self.state, Phase::Saved | Phase::BackedUp)
    }
}

/// "今すぐ更新": the record to store and follow, or `None` when `existing` is still under way
/// (a second click, a second tab: exactly one POST).
pub fn start(
    existing: Option<&RenewalRecord>,
    fingerprint: &str,
    label: &str,
    api_url: &str,
    now: i64,
) -> Option<RenewalRecord> {
    if existing.is_some_and(RenewalRecord::is_active) {
        return None;
    }
    Some(RenewalRecord {
        fingerprint: fingerprint.to_owned(),
        label: label.to_owned(),
        state: Phase::Requesting,
        attempt: 1,
        api_url: api_url.to_owned(),
        started_at: now,
        updated_at: now,
        uri: None,
        next_attempt_at: None,
        error: None,
        files: None,
        new_fingerprint: None,
        new_not_after: None,
        picker_tab_id: None,
    })
}

/// What `record` becomes after `event` at `now`; `jitter` in [0, 1) spreads retries.
/// Events that do not apply to the record's state leave it unchanged.
pub fn transition(mut record: RenewalRecord, event: Event, now: i64, jitter: f64) -> RenewalRecord {
    use Phase::*;
    let before = record.clone();
    match (record.state, event) {
        (Requesting, Event::Answered { uri }) => {
            record.state = Answered;
            record.uri = Some(uri);
            record.error = None;
        }
        (
            Answered,
            Event::Saved {
                files,
                new_fingerprint,
                new_not_after,
            },
        ) => {
            record.state = Saved;
            record.uri = None;
            record.files = Some(files);
            record.new_fingerprint = Some(new_fingerprint);
            record.new_not_after = Some(new_not_after);
        }
        (
            Requesting | Answered,
            Event::Failed {
                code,
                transient,
                status,
            },
        ) => {
            // Only a POST that got no usable answer is retried; once answered, the GET of
            // that answer or its file failed, and a new POST would issue another certificate.
            let delay = (transient && record.state == Requesting)
                .then(|| retry_delay(record.attempt, jitter))
                .flatten();
            record.state = if delay.is_some() { Waiting } else { Failed };
            record.next_attempt_at = delay.map(|d| now + d);
            record.uri = None;
            record.error = Some(RecordedError { code, status });
        }
        (Requesting, Event::WorkerStarted) => {
            // The previous worker died while the POST was in flight: it may have issued a
            // certificate whose address never arrived. Never POST again on our own.
            record.state = Failed;
            record.error = Some(RecordedError {
                code: "interrupted".to_owned(),
                status: None,
            });
        }
        (Waiting, Event::RetryDue { now: at_once })
            if at_once || record.next_attempt_at.is_none_or(|at| at <= now) =>
        {
            record.state = Requesting;
            record.attempt += 1;
            record.next_attempt_at = None;
        }
        (Waiting | Failed, Event::PickerOpened { tab_id }) => record.picker_tab_id = Some(tab_id),
        (Saved, Event::BackupConfirmed) => record.state = BackedUp,
        (Saved | BackedUp, Event::ImportConfirmed) => record.state = Done,
        _ => {}
    }
    if record != before {
        record.updated_at = now;
    }
    record
}

#[cfg(test)]
mod state_tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    fn started() -> RenewalRecord {
        start(
            None,
            "AA",
            "受付PC",
            "https://auth.cmo.orcamo.jp/api/cert",
            NOW,
        )
        .expect("starts")
    }

    fn failed(code: &str, transient: bool) -> Event {
        Event::Failed {
            code: code.to_owned(),
            transient,
            status: None,
        }
    }

    #[test]
    fn a_renewal_under_way_is_never_started_twice() {
        let record = started();
        assert_eq!(start(Some(&record), "AA", "x", "u", NOW), None);
        let waiting = transition(record, failed("server_error", true), NOW, 0.0);
        assert_eq!(start(Some(&waiting), "AA", "x", "u", NOW), None);
        let stopped = transition(started(), failed("not_permitted", false), NOW, 0.0);
        assert!(
            start(Some(&stopped), "AA", "x", "u", NOW).is_some(),
            "the user may try again"
        );
    }

    #[test]
    fn the_happy_path_goes_to_done() {
        let record = transition(
            started(),
            Event::Answered {
                uri: "https://a/x".into(),
            },
            NOW + 1,
            0.5,
        );
        assert_eq!(
            (record.state, record.uri.as_deref()),
            (Phase::Answered, Some("https://a/x"))
        );
        let files = SavedFiles {
            p12: "a.p12".into(),
            password: "a.txt".into(),
        };
        let saved = Event::Saved {
            files,
            new_fingerprint: "BB".into(),
            new_not_after: NOW + 1095 * DAY_MS,
        };
        let record = transition(record, saved, NOW + 2, 0.5);
        assert_eq!((record.state, record.uri.clone()), (Phase::Saved, None));
        assert!(record.awaits_import());
        let record = transition(record, Event::BackupConfirmed, NOW + 3, 0.5);
        let record = transition(record, Event::ImportConfirmed, NOW + 4, 0.5);
        assert_eq!((record.state, record.updated_at), (Phase::Done, NOW + 4));
    }

    #[test]
    fn transient_failures_wait_and_retry_until_attempts_run_out() {
        let mut record = transition(started(), failed("timeout", true), NOW, 0.0);
        assert_eq!(
            (record.state, record.next_attempt_at),
            (Phase::Waiting, Some(NOW + 30_000))
        );
        assert_eq!(
            transition(
                record.clone(),
                Event::RetryDue { now: false },
                NOW + 1000,
                0.0
            )
            .state,
            Phase::Waiting
        );
        for attempt in 2..=MAX_ATTEMPTS {
            let later = NOW + i64::from(attempt) * DAY_MS;
            record = transition(record, Event::RetryDue { now: false }, later, 0.0);
            assert_eq!((record.state, record.attempt), (Phase::Requesting, attempt));
            record = transition(record, failed("server_error", true), later, 0.0);
        }
        assert_eq!(record.state, Phase::Failed, "capped");
        assert_eq!(
            record.error.map(|e| e.code).as_deref(),
            Some("server_error")
        );
    }

    #[test]
    fn permanent_failures_and_failures_after_the_answer_stop() {
        assert_eq!(
            transition(started(), failed("untrusted_uri", false), NOW, 0.0).state,
            Phase::Failed
        );
        let answered = transition(
            started(),
            Event::Answered {
                uri: "https://a/x".into(),
            },
            NOW,
            0.0,
        );
        let record = transition(answered, failed("connection_failed", true), NOW, 0.0);
        assert_eq!(
            record.state,
            Phase::Failed,
            "no second POST once a certificate was issued"
        );
    }

    #[test]
    fn a_worker_that_died_mid_post_does_not_post_again() {
        let record = transition(started(), Event::WorkerStarted, NOW, 0.0);
        assert_eq!(record.state, Phase::Failed);
        assert_eq!(record.error.map(|e| e.code).as_deref(), Some("interrupted"));
        let answered = transition(
            started(),
            Event::Answered {
                uri: "https://a/x".into(),
            },
            NOW,
            0.0,
        );
        assert_eq!(
            transition(answered.clone(), Event::WorkerStarted, NOW, 0.0),
            answered,
            "the GET may resume"
        );
    }

    #[test]
    fn picking_the_certificate_allows_an_immediate_retry() {
        let waiting = transition(started(), failed("connection_failed", true), NOW, 0.0);
        let picked = transition(waiting, Event::PickerOpened { tab_id: 7 }, NOW, 0.0);
        assert_eq!(picked.picker_tab_id, Some(7));
        let retried = transition(picked, Event::RetryDue { now: true }, NOW + 1, 0.0);
        assert_eq!((retried.state, retried.attempt), (Phase::Requesting, 2));
    }
}
