//! The wire protocol (`docs/renewal-protocol.md` §3) as pure functions: what to send, what an
//! answer means, and where the renewed file may be fetched from.
//!
//! 1. `POST <api>` with `Accept`/`Content-Type: application/json` and the body `{}` (an empty
//!    body was refused by the provider's WAF), over mutual TLS with the current certificate.
//! 2. 200 with JSON `{ "uri", "pass" }`.
//! 3. `GET <uri>` with the same identity: the new PKCS#12.

use super::endpoint::service_domain;
use crate::url::{https_authority, is_within, normalize_https_url};

/// The request body: exactly `{}`.
pub(crate) const REQUEST_BODY: &str = "{}";
/// Longest answer read from the API; a real one is a URL and a password.
pub(super) const MAX_ANSWER_BYTES: usize = 16 * 1024;
/// Longest renewed file read: the reader's own input limit.
pub(super) const MAX_FILE_BYTES: usize = crate::input::MAX_INPUT_LEN;
/// How long one request may take before it counts as timed out.
pub(super) const REQUEST_TIMEOUT_MS: u32 = 30_000;

/// ASSUMPTION about the provider, the one place to change if it proves wrong: the renewal
/// API and the file server answer directly and never redirect. No public client follows a
/// redirect (monsiaj reads a 302's body as the answer; glclient2 does not follow), and a
/// followed redirect would present the client certificate to a host nobody chose. So every
/// request is sent with `redirect: "manual"` and a redirect ends the step with its own error.
pub const FOLLOW_REDIRECTS: bool = false;

/// ASSUMPTION about the provider, beside the one above: a 503 or 429 to the POST means
/// nothing was issued. No source confirms it, and a proxy or gateway in front of the API may
/// answer 503 after the provider issued, which would cost a certificate per round. So a busy
/// answer is taken at its word only this often: at most `MAX_POSTS_WHEN_BUSY` POSTs in all for
/// one renewal, each after the server's `Retry-After` (capped at [`MAX_RETRY_AFTER_MS`]) when
/// that is later than the backoff; then the renewal stops and the user decides.
pub(super) const MAX_POSTS_WHEN_BUSY: u32 = 2;
/// The longest `Retry-After` honoured: a server asking for more is tried again after this.
pub(super) const MAX_RETRY_AFTER_MS: i64 = 6 * 3_600_000;

/// How long a `Retry-After` header asks to wait from `now` (ms): delay-seconds, or an
/// HTTP-date (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 §10.2.3); `None` when absent or
/// unreadable (the backoff alone decides), at most [`MAX_RETRY_AFTER_MS`].
pub(super) fn retry_after_ms(value: Option<&str>, now: i64) -> Option<i64> {
    let value = value?.trim();
    let wait = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        value
            .parse::<i64>()
            .map_or(i64::MAX, |s| s.saturating_mul(1000))
    } else {
        http_date_ms(value)?.saturating_sub(now)
    };
    Some(wait.clamp(0, MAX_RETRY_AFTER_MS))
}

/// An IMF-fixdate (the form RFC 9110 requires senders to use) in ms since the epoch.
fn http_date_ms(value: &str) -> Option<i64> {
    let [_weekday, day, month, year, time, zone] =
        value.split(' ').collect::<Vec<_>>().try_into().ok()?;
    if zone != "GMT" {
        return None;
    }
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == month)? as i64 + 1;
    let number = |text: &str| -> Option<i64> {
        (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse().ok())
            .flatten()
    };
    let (day, year) = (number(day)?, number(year)?);
    let mut clock = time.split(':').map(number);
    let (h, m, s) = (clock.next()??, clock.next()??, clock.next()??);
    if !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 || clock.next().is_some() {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + h) * 60 + m) * 60_000 + s * 1000)
}

/// The API's answer, checked: where the new file is and its password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Answer {
    /// Where the new PKCS#12 is.
    pub uri: String,
    /// Its password.
    pub pass: String,
}

/// What a 200 from the API can be instead of a usable answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum AnswerError {
    /// Not JSON with string `uri` and non-empty `pass`.
    Malformed,
    /// `uri` is not `https:` on a host allowed to serve the file: nothing is sent there, but a
    /// certificate was issued, so the answer is kept for the administrator.
    UntrustedUri(Answer),
    /// Longer than any answer could be ([`MAX_ANSWER_BYTES`]): not read at all.
    TooLarge,
}

impl AnswerError {
    /// The stable code shown to the extension.
    pub(super) fn code(&self) -> super::code::Code {
        use super::code::Code;
        match self {
            Self::Malformed => Code::MalformedAnswer,
            Self::UntrustedUri(_) => Code::UntrustedUri,
            Self::TooLarge => Code::AnswerTooLarge,
        }
    }
}

/// Reads a 200 answer's body: JSON with string `uri` and `pass`, and a `uri` the file may be
/// fetched from (see [`download_allowed`]).
pub(super) fn read_answer(
    body: &[u8],
    api_url: &str,
    download_hosts: &[String],
) -> Result<Answer, AnswerError> {
    let json: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| AnswerError::Malformed)?;
    let field = |name: &str| json.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    let (Some(uri), Some(pass)) = (field("uri"), field("pass")) else {
        return Err(AnswerError::Malformed);
    };
    if pass.is_empty() {
        return Err(AnswerError::Malformed);
    }
    // The URL fetched is the URL checked: its normalized form, or nothing. A form that
    // does not normalize (white space around it, a control character) would resolve as a
    // relative URL inside the extension.
    let Some(checked) = normalize_https_url(&uri)
        .filter(|checked| download_allowed(checked, api_url, download_hosts))
    else {
        return Err(AnswerError::UntrustedUri(Answer { uri, pass }));
    };
    Ok(Answer { uri: checked, pass })
}

/// Whether the renewed file may be fetched from `uri` — decided before any request is sent
/// to it, because the GET presents the client certificate. Allowed: `https:` on the API's
/// own host, on any host of the API host's service domain (for WebORCA cloud `orcamo.jp`:
/// nobody outside the provider knows which host serves the file), or on a host the
/// administrator listed in `downloadHosts`.
pub(super) fn download_allowed(uri: &str, api_url: &str, download_hosts: &[String]) -> bool {
    let (Some(target), Some(api)) = (https_authority(uri), https_authority(api_url)) else {
        return false;
    };
    let listed = download_hosts
        .iter()
        .any(|allowed| allowed.eq_ignore_ascii_case(&target.host_port()));
    let same_service = match service_domain(&api.host) {
        Some(domain) => is_within(&target.host, domain),
        None => target.host == api.host,
    };
    listed || (same_service && target.port == api.port)
}

/// What an HTTP status other than 200 from the API says about whether a certificate was
/// issued — the question every retry depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PostFailure {
    /// 503 or 429: the server says it did not do it now; safe to try again later.
    Busy,
    /// 401/403 (`NOT PERMITTED CERTIFICATE`): this certificate may not renew. Nothing issued.
    NotPermitted,
    /// Another 4xx: the request was refused. Nothing issued.
    Rejected,
    /// A 5xx other than 503, or anything else: the server may have issued a certificate
    /// before failing. Never retried on our own.
    Unknown,
}

/// Classifies a POST's status that is not 200.
pub(super) fn post_failure(status: u16) -> PostFailure {
    match status {
        429 | 503 => PostFailure::Busy,
        401 | 403 => PostFailure::NotPermitted,
        400..=499 => PostFailure::Rejected,
        _ => PostFailure::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const API: &str = "https://auth.cmo.orcamo.jp/api/cert";

    fn answer(body: &str) -> Result<Answer, AnswerError> {
        read_answer(body.as_bytes(), API, &[])
    }

    #[test]
    fn a_good_answer_is_taken() {
        assert_eq!(
            answer(r#"{"uri":"https://auth.cmo.orcamo.jp/files/abc.p12","pass":"s3cret"}"#),
            Ok(Answer {
                uri: "https://auth.cmo.orcamo.jp/files/abc.p12".into(),
                pass: "s3cret".into()
            })
        );
    }

    #[test]
    fn bad_answers_say_why() {
        for body in [
            "not json",
            r#"{"uri":"https://auth.cmo.orcamo.jp/x"}"#,
            r#"{"uri":"https://auth.cmo.orcamo.jp/x","pass":7}"#,
            r#"{"uri":"https://auth.cmo.orcamo.jp/x","pass":""}"#,
        ] {
            assert_eq!(answer(body), Err(AnswerError::Malformed), "{body}");
        }
        for uri in [
            "http://auth.cmo.orcamo.jp/x",
            "https://evil.example/x",
            "https://auth.cmo.orcamo.jp@evil.example/x",
            "https://orcamo.jp.evil.example/x",
            "https://auth.cmo.orcamo.jp:8443/x",
        ] {
            let body = format!(r#"{{"uri":"{uri}","pass":"p"}}"#);
            assert!(
                matches!(answer(&body), Err(AnswerError::UntrustedUri(ref kept)) if kept.uri == uri && kept.pass == "p"),
                "{uri}"
            );
        }
    }

    #[test]
    fn the_url_fetched_is_the_url_checked() {
        for uri in [
            "\u{3000}https://auth.cmo.orcamo.jp/files/abc.p12",
            " https://auth.cmo.orcamo.jp/files/abc.p12",
            "https://auth.cmo.orcamo.jp/files/abc.p12\n",
            "https://auth.cmo.orcamo.jp/files/a b.p12",
            "\thttps://auth.cmo.orcamo.jp/files/abc.p12",
        ] {
            let body = serde_json::json!({ "uri": uri, "pass": "p" }).to_string();
            assert!(
                matches!(answer(&body), Err(AnswerError::UntrustedUri(ref kept)) if kept.uri == uri),
                "{uri:?}"
            );
        }
        // Taken in the form that was checked: host lower-cased, port 443 dropped.
        let body = r#"{"uri":"https://Auth.CMO.orcamo.jp:443/files/abc.p12","pass":"p"}"#;
        assert_eq!(
            answer(body).map(|a| a.uri),
            Ok("https://auth.cmo.orcamo.jp/files/abc.p12".into())
        );
    }

    #[test]
    fn the_file_may_come_from_any_host_of_the_service_or_a_listed_one() {
        assert!(download_allowed(
            "https://files.cmo.orcamo.jp/f.p12",
            API,
            &[]
        ));
        assert!(download_allowed("https://dl.orcamo.jp/f.p12", API, &[]));
        assert!(!download_allowed(
            "https://files.elsewhere.test/f.p12",
            API,
            &[]
        ));
        let listed = ["files.elsewhere.test".to_owned()];
        assert!(download_allowed(
            "https://files.elsewhere.test/f.p12",
            API,
            &listed
        ));
        // An API outside the built-in services: its own host only, unless listed.
        let own = "https://renew.clinic.example.jp:8443/api/cert";
        assert!(download_allowed(
            "https://renew.clinic.example.jp:8443/f",
            own,
            &[]
        ));
        assert!(!download_allowed(
            "https://other.clinic.example.jp:8443/f",
            own,
            &[]
        ));
        assert!(!download_allowed(
            "https://renew.clinic.example.jp/f",
            own,
            &[]
        ));
    }

    #[test]
    fn retry_after_is_read_in_seconds_or_as_a_date_and_capped() {
        let now = 784_111_777_000; // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(http_date_ms("Sun, 06 Nov 1994 08:49:37 GMT"), Some(now));
        assert_eq!(retry_after_ms(Some("120"), now), Some(120_000));
        assert_eq!(retry_after_ms(Some(" 0 "), now), Some(0));
        assert_eq!(
            retry_after_ms(Some("Sun, 06 Nov 1994 08:51:37 GMT"), now),
            Some(120_000)
        );
        assert_eq!(
            retry_after_ms(Some("Sun, 06 Nov 1994 08:00:00 GMT"), now),
            Some(0),
            "a date past is now"
        );
        assert_eq!(
            retry_after_ms(Some("99999999999999999999"), now),
            Some(MAX_RETRY_AFTER_MS)
        );
        for unreadable in ["", "-5", "soon", "1.5", "Sun, 06 Nov 1994 08:49:37 PST"] {
            assert_eq!(
                retry_after_ms(Some(unreadable), now),
                None,
                "{unreadable:?}"
            );
        }
        assert_eq!(retry_after_ms(None, now), None);
    }

    #[test]
    fn only_an_explicit_busy_answer_is_safe_to_repeat() {
        assert_eq!(post_failure(503), PostFailure::Busy);
        assert_eq!(post_failure(429), PostFailure::Busy);
        assert_eq!(post_failure(403), PostFailure::NotPermitted);
        assert_eq!(post_failure(401), PostFailure::NotPermitted);
        assert_eq!(post_failure(404), PostFailure::Rejected);
        assert_eq!(post_failure(500), PostFailure::Unknown);
        assert_eq!(post_failure(502), PostFailure::Unknown);
        assert_eq!(post_failure(302), PostFailure::Unknown);
    }
}
