//! Every transition and effect of the renewal, each sub-state interrupted and resumed.

use super::step as advance;
use super::*;
use crate::renewal::fixtures::{PASS, WITH_CHAIN as RENEWED, three_years_earlier};

const NOW: i64 = 1_800_000_000_000;
const API: &str = "https://auth.cmo.orcamo.jp/api/cert";
const URI: &str = "https://files.cmo.orcamo.jp/f/abc.p12";

/// The certificate being renewed: the fixture's own, three years earlier.
fn current() -> CertificateInfo {
    let mut old = three_years_earlier(RENEWED);
    old.sha256_fingerprint = "AA".into();
    old
}

fn request(confirmed: bool) -> StartRequest {
    StartRequest {
        current: current(),
        label: "受付PC".into(),
        api_url: API.into(),
        download_hosts: vec![],
        folder: "WebORCA証明書".into(),
        confirmed,
        automatic: false,
        earlier_record_unreadable: false,
    }
}

fn started() -> RenewalRecord {
    start(None, request(false), NOW).expect("starts").record
}

fn response(status: u16, body: &[u8]) -> Event {
    Event::Response {
        status,
        redirected: false,
        body: body.to_vec(),
        too_large: false,
    }
}

/// What the worker reports when the browser was sent elsewhere (`redirect: "manual"`).
fn redirected() -> Event {
    Event::Response {
        status: 0,
        redirected: true,
        body: Vec::new(),
        too_large: false,
    }
}

fn answer_body() -> Vec<u8> {
    format!(r#"{{"uri":"{URI}","pass":"{PASS}"}}"#).into_bytes()
}

fn secret(file: bool) -> Secret {
    Secret {
        pass: PASS.into(),
        file: file.then(|| RENEWED.to_vec()),
    }
}

/// Runs `event` on `record` with `secret`, at NOW.
fn on(record: RenewalRecord, event: Event, secret: Option<&Secret>) -> Step {
    advance(record, event, secret, NOW, 0.0)
}

fn requests(step: &Step) -> Vec<(&'static str, String)> {
    step.effects
        .iter()
        .filter_map(|e| match e {
            Effect::Request { method, url, .. } => Some((*method, url.clone())),
            _ => None,
        })
        .collect()
}

fn posts(step: &Step) -> usize {
    requests(step).iter().filter(|(m, _)| *m == "POST").count()
}

fn code(record: &RenewalRecord) -> Option<&str> {
    record.error.as_ref().map(|e| e.code.as_str())
}

fn notices(step: &Step) -> Vec<Notice> {
    step.effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notify { notice } => Some(*notice),
            _ => None,
        })
        .collect()
}

/// Probing → Requesting: the record after the POST was asked for.
fn requesting() -> RenewalRecord {
    on(started(), response(404, b""), None).record
}

fn answered() -> RenewalRecord {
    on(requesting(), response(200, &answer_body()), None).record
}

fn verified() -> RenewalRecord {
    on(answered(), response(200, RENEWED), Some(&secret(false))).record
}

/// The step once the file `record` was saving is on disk at `path`.
fn file_saved(record: RenewalRecord, path: &str) -> Step {
    let event = Event::FileSaved { path: path.into() };
    on(record, event, Some(&secret(true)))
}

fn password_saved() -> RenewalRecord {
    file_saved(verified(), "/d/p.txt").record
}

fn files_saved() -> RenewalRecord {
    file_saved(password_saved(), "/d/c.p12").record
}

fn saved() -> RenewalRecord {
    on(files_saved(), Event::Registered, Some(&secret(false))).record
}

#[test]
fn a_renewal_starts_with_a_probe_of_the_api_origin_not_a_post() {
    let step = start(None, request(false), NOW).expect("starts");
    assert_eq!(step.record.state, Phase::Probing);
    assert_eq!(step.record.issued, Issued::No);
    assert_eq!(
        requests(&step),
        [("GET", "https://auth.cmo.orcamo.jp/".to_owned())]
    );
    let step = on(step.record, response(404, b"NOT FOUND"), None);
    assert_eq!(
        (step.record.state, step.record.issued),
        (Phase::Requesting, Issued::Maybe)
    );
    assert_eq!(requests(&step), [("POST", API.to_owned())]);
    assert!(matches!(
        &step.effects[0],
        Effect::Request {
            body: Some("{}"),
            max_bytes: 16_384,
            timeout_ms: 30_000,
            ..
        }
    ));
}

#[test]
fn the_happy_path_saves_the_password_first_then_the_file_then_registers() {
    let step = on(requesting(), response(200, &answer_body()), None);
    assert_eq!(
        (step.record.state, step.record.issued),
        (Phase::Answered, Issued::Yes)
    );
    assert_eq!(step.record.uri.as_deref(), Some(URI));
    assert_eq!(
        step.effects[0],
        Effect::KeepSecret {
            secret: secret(false),
            durable: true
        },
        "the password is kept, durably, before anything else happens"
    );
    assert_eq!(requests(&step), [("GET", URI.to_owned())]);

    let step = on(step.record, response(200, RENEWED), Some(&secret(false)));
    assert_eq!(step.record.state, Phase::Verified);
    let renewed = step.record.renewed.clone().expect("verified");
    assert_eq!(
        renewed.certificate.common_name.as_deref(),
        Some("client3948")
    );
    assert_eq!(
        step.effects[0],
        Effect::KeepSecret {
            secret: secret(true),
            durable: true
        }
    );
    assert_eq!(
        step.effects[1],
        Effect::SavePassword {
            path: format!("WebORCA証明書/{}", renewed.names.password),
            p12_name: renewed.names.p12.clone(),
        }
    );

    let step = file_saved(step.record, "/d/p.txt");
    assert_eq!(step.record.state, Phase::PasswordSaved);
    assert_eq!(
        step.effects,
        [Effect::SaveP12 {
            path: format!("WebORCA証明書/{}", renewed.names.p12)
        }]
    );

    let step = file_saved(step.record, "/d/c.p12");
    assert_eq!(step.record.state, Phase::FilesSaved);
    assert_eq!(step.record.files.password.as_deref(), Some("/d/p.txt"));
    assert_eq!(step.record.files.p12.as_deref(), Some("/d/c.p12"));
    assert_eq!(
        step.effects,
        [
            Effect::KeepSecret {
                secret: secret(false),
                durable: false
            },
            Effect::Register {
                certificate: Box::new(renewed.certificate.clone()),
                file_name: renewed.names.p12.clone()
            },
        ],
        "once both files are on disk the password moves to memory-only storage"
    );

    let step = on(step.record, Event::Registered, Some(&secret(false)));
    assert_eq!(step.record.state, Phase::Saved);
    assert_eq!(notices(&step), [Notice::AwaitingImport]);
    let step = on(step.record, Event::BackupConfirmed, Some(&secret(false)));
    assert_eq!(
        (step.record.state, step.effects.clone()),
        (Phase::BackedUp, vec![Effect::WipeSecret])
    );
    let later = advance(step.record, Event::ImportConfirmed, None, NOW + 5, 0.0);
    assert_eq!(
        (later.record.state, later.record.updated_at),
        (Phase::Done, NOW + 5)
    );
    assert_eq!(later.effects, [Effect::WipeSecret]);
}

#[test]
fn only_failures_that_provably_issued_nothing_are_retried_on_their_own() {
    // No connection at the probe (e.g. no certificate to present): nothing was sent.
    let step = on(started(), Event::NetworkFailed { timeout: false }, None);
    assert_eq!(step.record.state, Phase::Waiting);
    assert_eq!(step.record.issued, Issued::No);
    assert_eq!(code(&step.record), Some("connection_failed"));
    assert_eq!(step.effects, [Effect::Wake { at: NOW + 30_000 }]);
    // Too early: nothing. Due: a new probe, never a POST straight away.
    assert_eq!(
        advance(step.record.clone(), Event::Tick, None, NOW + 1, 0.0).effects,
        []
    );
    let retry = advance(step.record, Event::Tick, None, NOW + 30_000, 0.0);
    assert_eq!(
        (retry.record.state, retry.record.attempt),
        (Phase::Probing, 2)
    );
    assert_eq!(
        requests(&retry),
        [("GET", "https://auth.cmo.orcamo.jp/".to_owned())]
    );

    for status in [503, 429] {
        let step = on(requesting(), response(status, b"busy"), None);
        assert_eq!(
            (step.record.state, step.record.issued),
            (Phase::Waiting, Issued::No),
            "{status}"
        );
        assert_eq!(code(&step.record), Some("server_error"));
    }
}

#[test]
fn retries_back_off_and_end() {
    let mut record = on(started(), Event::NetworkFailed { timeout: true }, None).record;
    for attempt in 2..=MAX_ATTEMPTS {
        let at = record.next_attempt_at.expect("waiting");
        record = advance(record, Event::Tick, None, at, 0.0).record;
        assert_eq!((record.state, record.attempt), (Phase::Probing, attempt));
        let failed = advance(
            record,
            Event::NetworkFailed { timeout: true },
            None,
            at,
            0.0,
        );
        if attempt == MAX_ATTEMPTS {
            assert_eq!(notices(&failed), [Notice::Failed]);
        }
        record = failed.record;
    }
    assert_eq!((record.state, record.issued), (Phase::Failed, Issued::No));
    assert_eq!(code(&record), Some("timeout"));
    assert_eq!(retry_delay(1, MAX_ATTEMPTS, 0.0), Some(30_000));
    assert_eq!(retry_delay(1, MAX_ATTEMPTS, 1.0), Some(60_000));
    assert_eq!(retry_delay(5, MAX_ATTEMPTS, 1.0), Some(960_000));
    assert_eq!(retry_delay(MAX_ATTEMPTS, MAX_ATTEMPTS, 0.5), None);
    assert_eq!(retry_delay(1, MAX_ATTEMPTS, f64::NAN), Some(45_000));
}

#[test]
fn a_post_without_an_answer_is_uncertain_and_never_repeated() {
    for (event, expected) in [
        (Event::NetworkFailed { timeout: true }, "timeout"),
        (Event::NetworkFailed { timeout: false }, "connection_lost"),
        (Event::WorkerStarted, "interrupted"),
        (redirected(), "redirected"),
        (response(500, b"oops"), "server_error"),
        (response(502, b"bad gateway"), "server_error"),
    ] {
        let step = on(requesting(), event, None);
        assert_eq!(
            (step.record.state, step.record.issued),
            (Phase::Uncertain, Issued::Maybe)
        );
        assert_eq!(code(&step.record), Some(expected));
        assert_eq!(posts(&step), 0);
        assert_eq!(notices(&step), [Notice::Uncertain]);
        // Nothing brings it back on its own.
        for later in [Event::Tick, Event::WorkerStarted, Event::RetryNow] {
            let again = on(step.record.clone(), later, None);
            assert_eq!(again.record.state, Phase::Uncertain);
            assert!(requests(&again).is_empty());
        }
    }
}

#[test]
fn refusals_that_issued_nothing_stop_and_may_simply_be_tried_again() {
    for (status, expected) in [
        (403, "not_permitted"),
        (401, "not_permitted"),
        (400, "rejected"),
    ] {
        let step = on(
            requesting(),
            response(status, b"NOT PERMITTED CERTIFICATE"),
            None,
        );
        assert_eq!(
            (step.record.state, step.record.issued),
            (Phase::Failed, Issued::No)
        );
        assert_eq!(code(&step.record), Some(expected));
        assert!(
            start(Some(&step.record), request(false), NOW).is_ok(),
            "no confirmation needed"
        );
    }
}

#[test]
fn an_answer_that_cannot_be_used_stops_and_a_new_start_needs_confirmation() {
    for (body, expected, issued) in [
        (b"not json".to_vec(), "malformed_answer", Issued::Yes),
        (
            br#"{"uri":"https://files.elsewhere.test/x.p12","pass":"p"}"#.to_vec(),
            "untrusted_uri",
            Issued::Yes,
        ),
    ] {
        let step = on(requesting(), response(200, &body), None);
        assert_eq!(
            (step.record.state, step.record.issued),
            (Phase::Failed, issued)
        );
        assert_eq!(code(&step.record), Some(expected));
        assert!(requests(&step).is_empty(), "no request to a foreign host");
        assert_eq!(
            start(Some(&step.record), request(false), NOW).err(),
            Some(Refusal::NeedsConfirmation)
        );
        assert!(start(Some(&step.record), request(true), NOW).is_ok());
    }
    let too_large = on(
        requesting(),
        Event::Response {
            status: 200,
            redirected: false,
            body: vec![b' '; 10],
            too_large: true,
        },
        None,
    );
    assert_eq!(code(&too_large.record), Some("answer_too_large"));
    let uncertain = on(requesting(), Event::NetworkFailed { timeout: true }, None).record;
    assert_eq!(
        start(Some(&uncertain), request(false), NOW).err(),
        Some(Refusal::NeedsConfirmation)
    );
    let confirmed = start(Some(&uncertain), request(true), NOW).expect("confirmed");
    assert_eq!(
        posts(&confirmed),
        0,
        "even a confirmed restart probes first"
    );
}

#[test]
fn a_renewal_under_way_or_awaiting_import_is_never_started_twice() {
    for record in [
        started(),
        requesting(),
        answered(),
        verified(),
        password_saved(),
        files_saved(),
    ] {
        assert_eq!(
            start(Some(&record), request(true), NOW).err(),
            Some(Refusal::InProgress),
            "{:?}",
            record.state
        );
        assert_eq!(removal_refused(Some(&record)), Some("renewal_in_progress"));
    }
    let waiting = on(started(), Event::NetworkFailed { timeout: false }, None).record;
    assert_eq!(
        start(Some(&waiting), request(true), NOW).err(),
        Some(Refusal::InProgress)
    );
    assert_eq!(
        start(Some(&saved()), request(true), NOW).err(),
        Some(Refusal::AwaitsImport)
    );
    assert_eq!(removal_refused(Some(&saved())), None);
    assert_eq!(removal_refused(None), None);
}

#[test]
fn the_download_is_repeated_not_the_post() {
    // A transient failure of the GET: a timed retry of the GET, the password kept.
    for event in [
        Event::NetworkFailed { timeout: true },
        response(503, b""),
        response(500, b""),
    ] {
        let step = on(answered(), event, Some(&secret(false)));
        assert_eq!(step.record.state, Phase::Answered);
        assert!(!step.effects.contains(&Effect::WipeSecret));
        let Some(Effect::Wake { at }) = step.effects.first().cloned() else {
            panic!("a timer: {:?}", step.effects);
        };
        let retry = advance(step.record, Event::Tick, Some(&secret(false)), at, 0.0);
        assert_eq!(requests(&retry), [("GET", URI.to_owned())]);
        assert_eq!(retry.record.download_attempt, 2);
    }
    // Retries run out: the user is asked; the password is still kept; a click tries again.
    let mut record = answered();
    let mut last = Vec::new();
    for _ in 0..MAX_DOWNLOAD_ATTEMPTS {
        let failed = on(
            record,
            Event::NetworkFailed { timeout: false },
            Some(&secret(false)),
        );
        last = notices(&failed);
        record = failed.record;
        if let Some(at) = record.next_attempt_at {
            record = advance(record, Event::Tick, Some(&secret(false)), at, 0.0).record;
        }
    }
    assert_eq!(
        (record.state, record.next_attempt_at),
        (Phase::Answered, None)
    );
    assert_eq!(last, [Notice::DownloadStuck]);
    let clicked = on(record, Event::RetryNow, Some(&secret(false)));
    assert_eq!(requests(&clicked), [("GET", URI.to_owned())]);
    assert_eq!(posts(&clicked), 0);
}

#[test]
fn a_download_that_does_not_work_keeps_the_password_and_waits_for_the_user() {
    for (event, expected) in [
        (redirected(), "redirected"),
        (response(404, b""), "download_gone"),
        (
            response(403, b"NOT PERMITTED CERTIFICATE"),
            "download_refused",
        ),
        (
            response(200, b"<html>proxy error</html>"),
            "renewed_unreadable",
        ),
    ] {
        let step = on(answered(), event, Some(&secret(false)));
        assert_eq!(
            (step.record.state, step.record.issued),
            (Phase::Answered, Issued::Yes)
        );
        assert_eq!(code(&step.record), Some(expected));
        assert_eq!(step.record.uri.as_deref(), Some(URI), "the address is kept");
        assert_eq!(
            step.effects,
            [Effect::Notify {
                notice: Notice::DownloadStuck
            }],
            "no wipe"
        );
        // A new worker does not retry it on its own; the user's click does, with the GET.
        assert_eq!(
            on(
                step.record.clone(),
                Event::WorkerStarted,
                Some(&secret(false))
            )
            .effects,
            []
        );
        let again = on(step.record.clone(), Event::RetryNow, Some(&secret(false)));
        assert_eq!(requests(&again), [("GET", URI.to_owned())]);
        // Or the user gives up on that file and applies again, confirmed: the password goes.
        assert_eq!(
            start(Some(&step.record), request(false), NOW).err(),
            Some(Refusal::NeedsConfirmation)
        );
        let restart = start(Some(&step.record), request(true), NOW).expect("confirmed");
        assert_eq!(restart.effects[0], Effect::WipeSecret);
    }
}

#[test]
fn a_file_that_opens_but_is_not_ours_stops_and_wipes() {
    let wrong_password = Secret {
        pass: "other".into(),
        file: None,
    };
    let step = on(answered(), response(200, RENEWED), Some(&wrong_password));
    assert_eq!(
        (step.record.state, step.record.issued),
        (Phase::Failed, Issued::Yes)
    );
    assert_eq!(code(&step.record), Some("renewed_wrong_password"));
    assert!(step.effects.contains(&Effect::WipeSecret));
    // A download over the size cap is no certificate file, however often it is fetched.
    let huge = Event::Response {
        status: 200,
        redirected: false,
        body: vec![],
        too_large: true,
    };
    let step = on(answered(), huge, Some(&secret(false)));
    assert_eq!(
        (step.record.state, step.record.issued),
        (Phase::Failed, Issued::Yes)
    );
    assert_eq!(code(&step.record), Some("renewed_too_large"));
}

#[test]
fn a_new_worker_goes_on_without_resetting_the_retry_counts() {
    let failed = on(
        answered(),
        Event::NetworkFailed { timeout: true },
        Some(&secret(false)),
    );
    let at = failed.record.next_attempt_at.expect("timer");
    let woken = advance(
        failed.record,
        Event::WorkerStarted,
        Some(&secret(false)),
        at,
        0.0,
    );
    assert_eq!(requests(&woken), [("GET", URI.to_owned())]);
    assert_eq!(woken.record.download_attempt, 2, "counted, not reset");
    let mut record = verified();
    for _ in 0..MAX_SAVE_ATTEMPTS {
        record = on(record, Event::SaveFailed, Some(&secret(true))).record;
    }
    assert_eq!(code(&record), Some("save_failed"));
    assert_eq!(
        on(record, Event::WorkerStarted, Some(&secret(true))).effects,
        [],
        "the user decides"
    );
}

#[test]
fn a_file_from_another_issuer_is_refused_before_anything_is_saved() {
    let mut record = answered();
    record.current.issuer = "CN=Someone Else".into();
    let step = on(record, response(200, RENEWED), Some(&secret(false)));
    assert_eq!(code(&step.record), Some("renewed_other_issuer"));
    assert!(step.effects.iter().all(|e| !matches!(
        e,
        Effect::SavePassword { .. } | Effect::SaveP12 { .. } | Effect::Register { .. }
    )));
}

#[test]
fn each_sub_state_resumes_after_a_stopped_worker_without_a_post() {
    // Probing: the probe is repeated (it cannot issue anything).
    assert_eq!(
        requests(&on(started(), Event::WorkerStarted, None)).len(),
        1
    );
    // Answered: the GET again.
    let step = on(answered(), Event::WorkerStarted, Some(&secret(false)));
    assert_eq!(requests(&step), [("GET", URI.to_owned())]);
    // Verified: the password file again; PasswordSaved: the .p12; FilesSaved: register.
    let step = on(verified(), Event::WorkerStarted, Some(&secret(true)));
    assert!(matches!(step.effects[..], [Effect::SavePassword { .. }]));
    let step = on(password_saved(), Event::WorkerStarted, Some(&secret(true)));
    assert!(matches!(step.effects[..], [Effect::SaveP12 { .. }]));
    let step = on(files_saved(), Event::WorkerStarted, Some(&secret(false)));
    assert!(matches!(step.effects[..], [Effect::Register { .. }]));
    // Saved and later: nothing to redo.
    assert_eq!(on(saved(), Event::WorkerStarted, None).effects, []);
    for record in [
        started(),
        answered(),
        verified(),
        password_saved(),
        files_saved(),
        saved(),
    ] {
        for event in [Event::WorkerStarted, Event::Tick, Event::RetryNow] {
            assert_eq!(posts(&on(record.clone(), event, Some(&secret(true)))), 0);
        }
    }
}

#[test]
fn a_lost_secret_is_said_not_hidden() {
    for record in [answered(), verified()] {
        let step = on(record, Event::WorkerStarted, None);
        assert_eq!(
            (step.record.state, step.record.issued),
            (Phase::Failed, Issued::Yes)
        );
        assert_eq!(code(&step.record), Some("secret_lost"));
    }
    // The .p12 is still needed after the password file: without it, the same.
    let step = on(password_saved(), Event::WorkerStarted, Some(&secret(false)));
    assert_eq!(code(&step.record), Some("secret_lost"));
}

#[test]
fn a_failed_save_is_tried_again_then_left_to_the_user_with_nothing_lost() {
    let mut record = verified();
    for _ in 1..MAX_SAVE_ATTEMPTS {
        let step = on(record, Event::SaveFailed, Some(&secret(true)));
        assert!(matches!(step.effects[..], [Effect::SavePassword { .. }]));
        record = step.record;
    }
    let step = on(record, Event::SaveFailed, Some(&secret(true)));
    assert_eq!(
        (step.record.state, code(&step.record)),
        (Phase::Verified, Some("save_failed"))
    );
    assert_eq!(
        step.effects,
        [Effect::Notify {
            notice: Notice::SaveFailed
        }],
        "the secret is kept"
    );
    let again = on(step.record, Event::RetryNow, Some(&secret(true)));
    assert!(matches!(again.effects[..], [Effect::SavePassword { .. }]));
    assert_eq!(again.record.error, None);
}

#[test]
fn a_renewed_certificate_waiting_for_import_is_brought_up_daily() {
    let record = saved();
    assert_eq!(record.reminded_at, Some(NOW));
    let early = advance(record.clone(), Event::Tick, None, NOW + 3_600_000, 0.0);
    assert_eq!(early.effects, []);
    let next_day = advance(
        record,
        Event::Tick,
        None,
        NOW + IMPORT_REMINDER_INTERVAL_MS,
        0.0,
    );
    assert_eq!(notices(&next_day), [Notice::AwaitingImport]);
    assert_eq!(
        next_day.record.reminded_at,
        Some(NOW + IMPORT_REMINDER_INTERVAL_MS)
    );
    let done = on(next_day.record, Event::ImportConfirmed, None).record;
    assert_eq!(
        on(done, Event::Tick, None).effects,
        [],
        "no reminder once imported"
    );
}

#[test]
fn events_that_do_not_apply_change_nothing() {
    let record = saved();
    for event in [
        response(200, &answer_body()),
        Event::NetworkFailed { timeout: true },
        Event::FileSaved { path: "x".into() },
        Event::SaveFailed,
        Event::Registered,
    ] {
        let step = on(record.clone(), event, Some(&secret(true)));
        assert_eq!((step.record, step.effects), (record.clone(), vec![]));
    }
}

#[test]
fn picking_the_certificate_is_remembered_and_a_retry_probes_at_once() {
    let waiting = on(started(), Event::NetworkFailed { timeout: false }, None).record;
    let picked = on(waiting, Event::PickerOpened { tab_id: 7 }, None).record;
    assert_eq!(picked.picker_tab_id, Some(7));
    let retried = on(picked, Event::RetryNow, None);
    assert_eq!(
        (retried.record.state, retried.record.attempt),
        (Phase::Probing, 2)
    );
}

#[test]
fn an_automatic_renewal_that_cannot_connect_stops_at_once_and_says_so_once() {
    let auto = StartRequest {
        automatic: true,
        ..request(false)
    };
    let record = start(None, auto, NOW).expect("starts").record;
    let step = on(record, Event::NetworkFailed { timeout: false }, None);
    assert_eq!(step.record.state, Phase::Failed);
    assert_eq!(step.record.issued, Issued::No);
    assert_eq!(code(&step.record), Some("auto_not_connected"));
    assert_eq!(posts(&step), 0);
    assert_eq!(notices(&step), [Notice::Failed]);
    assert!(
        !step
            .effects
            .iter()
            .any(|e| matches!(e, Effect::Wake { .. }))
    );
    // Never automatically again, even from a plan made before this record existed…
    let again = StartRequest {
        automatic: true,
        ..request(false)
    };
    assert_eq!(
        start(Some(&step.record), again, NOW).err(),
        Some(Refusal::AlreadyAttempted)
    );
    // …but the banner's 今すぐ更新 starts a renewal by hand, no confirmation needed.
    let by_hand = start(Some(&step.record), request(false), NOW).expect("starts");
    assert!(!by_hand.record.automatic);
}

#[test]
fn an_unreadable_earlier_record_counts_as_a_certificate_that_may_exist() {
    // Set aside by the storage reader: it may have issued, so no plain start, none automatic.
    let lost = StartRequest {
        earlier_record_unreadable: true,
        ..request(false)
    };
    assert_eq!(
        start(None, lost.clone(), NOW).err(),
        Some(Refusal::NeedsConfirmation)
    );
    let automatic = StartRequest {
        automatic: true,
        ..lost.clone()
    };
    assert_eq!(
        start(None, automatic, NOW).err(),
        Some(Refusal::AlreadyAttempted)
    );
    let confirmed = StartRequest {
        confirmed: true,
        ..lost
    };
    assert!(start(None, confirmed, NOW).is_ok());
}

#[test]
fn an_automatic_renewal_ends_by_asking_for_backup_and_import() {
    let mut record = files_saved();
    record.automatic = true;
    let step = on(record, Event::Registered, Some(&secret(false)));
    assert_eq!(step.record.state, Phase::Saved);
    assert_eq!(notices(&step), [Notice::RenewedAutomatically]);
}

#[test]
fn the_screens_are_told_what_each_state_allows() {
    let facts = |record: &RenewalRecord| record.facts();
    assert!(facts(&requesting()).busy && !facts(&requesting()).shows_password);
    assert!(facts(&verified()).shows_password && facts(&password_saved()).shows_password);
    assert!(!facts(&files_saved()).shows_password);
    let saved = saved();
    assert!(facts(&saved).awaits_import && facts(&saved).shows_password && !facts(&saved).busy);
    let no_connection = on(started(), Event::NetworkFailed { timeout: false }, None).record;
    assert!(facts(&no_connection).offers_picker);
    let refused = on(requesting(), response(403, b"NOT PERMITTED"), None).record;
    assert!(!facts(&refused).offers_picker);
}

#[test]
fn events_are_read_as_the_worker_writes_them() {
    let event = |json: &str| serde_json::from_str::<Event>(json);
    assert_eq!(
        event(r#"{"type":"response","status":200,"body":[123,125],"tooLarge":false}"#).ok(),
        Some(Event::Response {
            status: 200,
            redirected: false,
            body: b"{}".to_vec(),
            too_large: false,
        })
    );
    assert_eq!(
        event(r#"{"type":"response","status":0,"redirected":true}"#).ok(),
        Some(redirected())
    );
    assert_eq!(
        event(r#"{"type":"networkFailed","timeout":true}"#).ok(),
        Some(Event::NetworkFailed { timeout: true })
    );
    assert_eq!(
        event(r#"{"type":"fileSaved","path":"/d/a.p12"}"#).ok(),
        Some(Event::FileSaved {
            path: "/d/a.p12".into()
        })
    );
    assert_eq!(
        event(r#"{"type":"pickerOpened","tabId":7}"#).ok(),
        Some(Event::PickerOpened { tab_id: 7 })
    );
    assert_eq!(
        event(r#"{"type":"tick","other":1}"#).ok(),
        Some(Event::Tick)
    );
    for bad in [
        r#"{"type":"response"}"#,
        r#"{"type":"fileSaved"}"#,
        r#"{"type":"pickerOpened"}"#,
        r#"{"type":"explode"}"#,
        r#"{"status":200}"#,
        r#"{"type":"response","status":"200"}"#,
    ] {
        assert!(event(bad).is_err(), "{bad}");
    }
}
