//! The renewal state machine fed an arbitrary sequence of events, the worker's way: each
//! step's record is stored, its `keepSecret` / `wipeSecret` effects applied to the secret
//! handed back with the next event, and a browser restart loses a secret kept for the
//! session only. Each event is picked by the input: an HTTP answer (status 200, a redirect not
//! followed, 404, 429, 500, 503 or 403; body a good answer, an answer with a wrong password,
//! garbage from the input, the renewed fixture, another terminal's file, or nothing), a
//! network failure with or without timeout, a timer, the user's retry, a new worker, a saved
//! or failed file, the registration, the backup and import confirmations, the picker; and
//! the clock moves on by a picked amount. The renewal is started once (by the user or the
//! policy) and never again. Checks the product's two rules and that nothing panics:
//! (a) one POST per renewal: a POST is sent only as the first, or after the server answered
//!     the previous one with an explicit 503/429 (the one answer that proves nothing was
//!     issued, which the machine retries on its own by design: `docs/architecture.md`);
//! (b) nothing past the download is reached (`verified`, `passwordSaved`, `filesSaved`,
//!     `saved`, `backedUp`, `done`) unless a download answer carried the renewed fixture
//!     (or a garbage body that itself opens as a PKCS#12 with a key under the kept password).
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use weborca_cert::Event;
use weborca_cert_fuzz::{
    OTHER_SUBJECT, PASS, PROVEN_STATES, RENEWED, Renewal, request_method, response,
};

/// (status, redirected) as the worker reports them; a redirect not followed has status 0.
const ANSWERS: [(u16, bool); 7] = [
    (200, false),
    (0, true),
    (404, false),
    (429, false),
    (500, false),
    (503, false),
    (403, false),
];
const GOOD_ANSWER: &str =
    r#"{"uri":"https://auth.cmo.orcamo.jp/files/x.p12","pass":"orca-test-pass"}"#;
const WRONG_PASS_ANSWER: &str = r#"{"uri":"https://auth.cmo.orcamo.jp/files/x.p12","pass":"p"}"#;
const CLOCK_STEPS_MS: [i64; 6] = [0, 1_000, 30_000, 600_000, 3_600_000, 86_400_000];

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let (mut renewal, effects) = Renewal::start(u.arbitrary()?);
    let mut rules = Rules::default();
    rules.check(&renewal, &effects);
    for _ in 0..64 {
        if u.is_empty() {
            break;
        }
        let state = renewal.state();
        let event = match u.int_in_range(0..=11u8)? {
            0 => {
                let (status, redirected) = *u.choose(&ANSWERS)?;
                let garbage;
                let body: &[u8] = match u.int_in_range(0..=5u8)? {
                    0 => GOOD_ANSWER.as_bytes(),
                    1 => WRONG_PASS_ANSWER.as_bytes(),
                    2 => {
                        let len = u.int_in_range(0..=512u16)?;
                        garbage = u.bytes(len.into())?;
                        garbage
                    }
                    3 => RENEWED,
                    4 => OTHER_SUBJECT,
                    _ => b"",
                };
                let too_large = u.ratio(1, 16)?;
                if state == "requesting" && !redirected && matches!(status, 429 | 503) {
                    rules.post_answered_busy = true;
                }
                if state == "answered" && status == 200 && !redirected && !too_large {
                    rules.proven |= body == RENEWED || opens(body, &renewal);
                }
                response(status, redirected, body, too_large)
            }
            1 => Event::NetworkFailed {
                timeout: u.arbitrary()?,
            },
            2 => Event::Tick,
            3 => Event::RetryNow,
            4 => Event::WorkerStarted,
            5 => Event::FileSaved {
                path: format!(
                    "/home/user/Downloads/WebORCA証明書/{}",
                    u.int_in_range(0..=9u8)?
                ),
            },
            6 => Event::SaveFailed,
            7 => Event::Registered,
            8 => Event::BackupConfirmed,
            9 => Event::ImportConfirmed,
            10 => Event::PickerOpened {
                tab_id: u.int_in_range(1..=3)?,
            },
            _ => {
                renewal.restart_browser();
                Event::WorkerStarted
            }
        };
        renewal.now += *u.choose(&CLOCK_STEPS_MS)?;
        let jitter = f64::from(u.arbitrary::<u8>()?) / 255.0;
        let shown = trace().then(|| format!("{event:?}"));
        let effects = renewal.feed(event, jitter);
        if let Some(event) = shown {
            eprintln!(
                "{event:.80} at +{} → {}",
                renewal.now - 1_800_000_000_000,
                renewal.state()
            );
        }
        rules.check(&renewal, &effects);
    }
    Ok(())
}

/// `FUZZ_TRACE=1 renewal_machine <input>` prints each event and the state it led to.
fn trace() -> bool {
    static TRACE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *TRACE.get_or_init(|| std::env::var_os("FUZZ_TRACE").is_some())
}

/// Whether a garbage body is itself a PKCS#12 with a key that opens with the kept password.
fn opens(body: &[u8], renewal: &Renewal) -> bool {
    let pass = renewal.secret.as_ref().map_or(PASS, |s| s.pass.as_str());
    weborca_cert::read_certificate_file(body, Some(pass), None).is_ok_and(|r| r.has_private_key)
}

#[derive(Default)]
struct Rules {
    posts: u32,
    /// The last POST was answered 503/429: nothing was issued, another may follow.
    post_answered_busy: bool,
    /// A download answer carried a file that verifies.
    proven: bool,
}

impl Rules {
    fn check(&mut self, renewal: &Renewal, effects: &[serde_json::Value]) {
        for method in effects.iter().filter_map(request_method) {
            if method == "POST" {
                assert!(
                    self.posts == 0 || self.post_answered_busy,
                    "POST #{} although the last one may have issued a certificate: {:?}",
                    self.posts + 1,
                    renewal.record
                );
                self.posts += 1;
                self.post_answered_busy = false;
            }
        }
        let state = renewal.state();
        assert!(
            self.proven || !PROVEN_STATES.contains(&state.as_str()),
            "{state} without a verified download: {:?}",
            renewal.record
        );
    }
}
