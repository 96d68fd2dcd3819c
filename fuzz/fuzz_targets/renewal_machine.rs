//! The renewal state machine fed an arbitrary sequence of events, the worker's way: each
//! step's record is stored, its `keepSecret` / `wipeSecret` effects applied to the secret
//! handed back with the next event, and a browser restart loses a secret kept for the
//! session only. Each event is picked by the input: an HTTP answer (status 200, a redirect not
//! followed, 404, 429, 500, 503 or 403; body a good answer, an answer with a wrong password,
//! garbage from the input, the renewed fixture, another terminal's file, or nothing), a
//! network failure with or without timeout, a timer, the user's retry, a new worker, a saved
//! or failed file, the registration, the backup and import confirmations, the picker, the
//! administrator's export / exported / discard of a held certificate, the answer to the last
//! signature checks (WebCrypto's, or every key refused), and "今すぐ更新" again
//! over the existing record (by the user, confirmed or not, or by the policy); and the clock
//! moves on by a picked amount. The first start is by the user or the policy, for the
//! certificate as registered or one naming another issuer (so the renewed file is held).
//! Checks the product's rules and that nothing panics, after every step:
//! (a) one POST per renewal: a POST is sent only as the first of a renewal, or after the
//!     server answered the previous one with an explicit 503/429 (the one answer that proves
//!     nothing was issued, which the machine retries on its own by design:
//!     `docs/architecture.md`);
//! (b) nothing past the download is reached (`verified`, `passwordSaved`, `filesSaved`,
//!     `saved`, `backedUp`, `done`) unless a download answer of this renewal carried the
//!     renewed fixture (or a garbage body that itself opens as a PKCS#12 with a key under the
//!     kept password);
//! (c) from the answer on (the stage's `issued()` is `Some(true)`), the secret (the password,
//!     and the file once kept) is never dropped — by a `wipeSecret`, a `keepSecret` without
//!     the file, or a browser restart losing a session-only secret — unless the event was the
//!     user's or the administrator's own act (`ImportConfirmed`, `BackupConfirmed`,
//!     `DiscardHeld`, a confirmed start) or both files are on disk (the stage is then
//!     Registering, AwaitingImport or Done);
//! (d) while the stage `keeps_durable_secret()`, the secret is there and was last kept
//!     durable;
//! (e) a worker stopped at the step just stored — once its effects were performed, and
//!     before any was (only a durable `keepSecret` is written with the record) — resumes
//!     after a browser restart (`WorkerStarted`) without a POST and with the secret in the
//!     right area: durable while the stage `keeps_durable_secret()`, else session-only or
//!     none; and the record it stored reads back as itself;
//! (f) a start over an existing record (uncertain, held, stuck, done, failed… by the user,
//!     confirmed or not, or by the policy) never returns a POST, and never drops the secret
//!     of an issued (or possibly issued) certificate without the user's confirmation.
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use weborca_cert::{
    Event, RenewalCode, RenewalCommand, RenewalOutcome, RenewalStage, RenewalTimer, Secret,
};
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
    // Bit 0: by the policy; bit 1: the registered certificate names another issuer.
    let first: u8 = u.arbitrary()?;
    let (mut renewal, effects) = Renewal::start_with(first & 1 == 1, first & 2 != 0);
    let mut rules = Rules::default();
    rules.check_posts(&renewal, &effects);
    rules.check_after(&renewal, &renewal, true);
    for _ in 0..64 {
        if u.is_empty() {
            break;
        }
        let before = renewal.clone();
        let state = renewal.state();
        // The user's or the administrator's own act, which may drop the secret.
        let mut by_user = false;
        let event = match u.int_in_range(0..=18u8)? {
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
                Some(response(status, redirected, body, too_large))
            }
            1 => Some(Event::from(RenewalOutcome::NetworkFailed {
                timeout: u.arbitrary()?,
            })),
            2 => Some(Event::from(RenewalTimer::Tick)),
            3 => Some(Event::from(RenewalCommand::RetryNow)),
            4 => Some(Event::from(RenewalTimer::WorkerStarted)),
            5 => Some(Event::from(RenewalOutcome::FileSaved {
                path: format!(
                    "/home/user/Downloads/WebORCA証明書/{}",
                    u.int_in_range(0..=9u8)?
                ),
            })),
            6 => Some(Event::from(RenewalOutcome::SaveFailed)),
            7 => Some(Event::from(RenewalOutcome::Registered)),
            8 => {
                by_user = true;
                Some(Event::from(RenewalCommand::BackupConfirmed))
            }
            9 => {
                by_user = true;
                Some(Event::from(RenewalCommand::ImportConfirmed))
            }
            10 => Some(Event::from(RenewalCommand::PickerOpened {
                tab_id: u.int_in_range(1..=3)?,
            })),
            11 => {
                renewal.restart_browser();
                Some(Event::from(RenewalTimer::WorkerStarted))
            }
            12 => Some(Event::from(RenewalCommand::ExportHeld)),
            13 => {
                let folder = "/home/user/Downloads/WebORCA証明書/管理者確認用";
                let p12 = u.arbitrary::<bool>()?;
                Some(Event::from(RenewalOutcome::HeldExported {
                    path: format!("{folder}/p.txt"),
                    p12_path: p12.then(|| format!("{folder}/c.p12")),
                }))
            }
            14 => {
                by_user = true;
                Some(Event::from(RenewalCommand::DiscardHeld))
            }
            // The companion's answers (the plan is set for renewals started by the policy).
            16 => Some(Event::from(RenewalOutcome::CompanionImported)),
            17 => Some(Event::from(RenewalOutcome::CompanionBackedUp {
                path: "/nas/受付PC/c.p12".into(),
                password_path: Some("/nas/受付PC/c_password.txt".into()),
            })),
            18 => Some(Event::from(RenewalOutcome::CompanionRefused {
                code: *u.choose(&[
                    RenewalCode::CompanionUnavailable,
                    RenewalCode::CompanionStoreFailed,
                    RenewalCode::CompanionBackupFailed,
                    RenewalCode::CompanionBackupNotSet,
                ])?,
            })),
            // The worker's answer to the last signature checks: WebCrypto's, or all refused
            // (in the start-again slot, so that the earlier inputs keep their meaning).
            _ if matches!(renewal.stage(), RenewalStage::CheckingSignature { .. })
                && u.ratio(3, 4)? =>
            {
                Some(renewal.signatures_checked(u.ratio(1, 4)?))
            }
            _ => {
                // 今すぐ更新 over the existing record: by the policy, or by the user,
                // confirmed or not.
                let automatic = u.ratio(1, 4)?;
                let confirmed = u.arbitrary::<bool>()?;
                renewal.now += *u.choose(&CLOCK_STEPS_MS)?;
                let issued = renewal.stage().issued() != Some(false);
                let had_secret = renewal.secret.is_some();
                let shown = trace().then(|| {
                    format!("start(automatic: {automatic}, confirmed: {confirmed}) on {state}")
                });
                if let Ok(effects) = renewal.start_again(automatic, confirmed) {
                    // (f)
                    assert!(
                        effects
                            .iter()
                            .filter_map(request_method)
                            .all(|m| m != "POST"),
                        "(f) a start sent a POST: {effects:?}"
                    );
                    let wipes = effects.iter().any(|e| e["type"] == "wipeSecret");
                    assert!(
                        !(wipes && issued && had_secret) || confirmed,
                        "(f) a start over {state} dropped an issued secret unconfirmed"
                    );
                    assert!(!automatic, "(f) the policy started over {state}");
                    // A new renewal: its own first POST, its own download to prove.
                    rules = Rules::default();
                    rules.check_posts(&renewal, &effects);
                    rules.check_kept(&before, &renewal, confirmed);
                    let stopped = before.stopped_before_effects(&renewal.record, &effects);
                    rules.check_after(&stopped, &renewal, true);
                }
                if let Some(shown) = shown {
                    eprintln!("{shown} → {}", renewal.state());
                }
                None
            }
        };
        let Some(event) = event else {
            continue;
        };
        renewal.now += *u.choose(&CLOCK_STEPS_MS)?;
        let jitter = f64::from(u.arbitrary::<u8>()?) / 255.0;
        let shown = trace().then(|| format!("{event:?}"));
        let (record, effects) = renewal.peek(event, jitter);
        let stopped = renewal.stopped_before_effects(&record, &effects);
        renewal.store(record, &effects);
        if let Some(event) = shown {
            eprintln!(
                "{event:.80} at +{} → {}",
                renewal.now - 1_800_000_000_000,
                renewal.state()
            );
        }
        rules.check_posts(&renewal, &effects);
        rules.check_kept(&before, &renewal, by_user);
        rules.check_after(&stopped, &renewal, false);
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

/// Both files are on disk, in Downloads or in the companion's checked backup: the password
/// may be session-only, and go.
fn files_on_disk(stage: &RenewalStage) -> bool {
    matches!(
        stage,
        RenewalStage::Registering { .. }
            | RenewalStage::AwaitingImport { .. }
            | RenewalStage::Done { .. }
    )
}

/// `after` lost what `before` held: the secret, or the file in it.
fn dropped(before: Option<&Secret>, after: Option<&Secret>) -> bool {
    match (before, after) {
        (Some(_), None) => true,
        (Some(before), Some(after)) => before.file.is_some() && after.file.is_none(),
        (None, _) => false,
    }
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
    /// (a) and (b).
    fn check_posts(&mut self, renewal: &Renewal, effects: &[Value]) {
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

    /// (c): from the answer on, the secret stays unless the user or administrator let it go
    /// or both files are on disk.
    fn check_kept(&self, before: &Renewal, after: &Renewal, by_user: bool) {
        if before.stage().issued() != Some(true) || by_user || files_on_disk(after.stage()) {
            return;
        }
        assert!(
            !dropped(before.secret.as_ref(), after.secret.as_ref()),
            "(c) the secret of an issued certificate was dropped: {:?} → {:?} (had file: {}, has: {:?})",
            before.stage(),
            after.stage(),
            before.secret.as_ref().is_some_and(|s| s.file.is_some()),
            after.secret.as_ref().map(|s| s.file.is_some()),
        );
    }

    /// (d) on the renewal as it is, (e) on it and on `stopped` (the step stored, its effects
    /// not performed), each restarted.
    fn check_after(&self, stopped: &Renewal, renewal: &Renewal, start: bool) {
        if renewal.stage().keeps_durable_secret() {
            assert!(
                renewal.secret.is_some() && renewal.durable,
                "(d) {:?} without its secret kept durably (secret: {}, durable: {})",
                renewal.stage(),
                renewal.secret.is_some(),
                renewal.durable
            );
        }
        renewal.check_stored();
        for (which, at) in [
            ("after its effects", renewal),
            ("before its effects", stopped),
        ] {
            let mut resumed = at.clone();
            resumed.restart_browser();
            let effects = resumed.feed(Event::from(RenewalTimer::WorkerStarted), 0.5);
            assert!(
                effects
                    .iter()
                    .filter_map(request_method)
                    .all(|m| m != "POST"),
                "(e) a resumed worker sent a POST ({which})"
            );
            let stage = resumed.stage();
            if stage.keeps_durable_secret() {
                assert!(
                    resumed.secret.is_some() && resumed.durable,
                    "(e) stopped {which}{}, {:?} resumed without its secret kept durably \
                     (secret: {}, durable: {})",
                    if start { " a start" } else { "" },
                    stage,
                    resumed.secret.is_some(),
                    resumed.durable
                );
            } else {
                assert!(
                    resumed.secret.is_none() || !resumed.durable,
                    "(e) stopped {which}{}, {:?} resumed with a secret left in durable storage",
                    if start { " a start" } else { "" },
                    stage
                );
            }
        }
    }
}
