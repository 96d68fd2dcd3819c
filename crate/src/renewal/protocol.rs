//! The wire protocol (`docs/renewal-protocol.md` §3) as pure functions: what to send, what an
//! answer means, and where the renewed file may be fetched from.
//!
//! 1. `POST <api>` with `Accept`/`Content-Type: application/json` and the body `{}` (an empty
//!    body was refused by the provider's WAF), over mutual TLS with the current certificate.
//! 2. 200 with JSON `{ "uri", "pass" }`.
//! 3. `GET <uri>` with the same identity: the new PKCS#12.

use super::endpoint::service_domain;
use crate::url::{https_authority, is_within};

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
    let answer = Answer { uri, pass };
    if !download_allowed(&answer.uri, api_url, download_hosts) {
        return Err(AnswerError::UntrustedUri(answer));
    }
    Ok(answer)
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
