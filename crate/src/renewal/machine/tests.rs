//! Every transition and effect of the renewal, each stage interrupted and resumed; records
//! written by the previous release read back and resumed; what each card offers.

use serde_json::{Value, json};

use super::super::effect::{Effect, Notice, Step, Stray};
use super::super::event::{Command, EventKind, Outcome, Timer};
use super::super::protocol::MAX_POSTS_WHEN_BUSY;
use super::super::record::Secret;
use super::super::stage::{
    CompanionOutcome, Copies, ExportedFiles, Failure, Files, Renewed, Retry,
};
use super::super::stored::StageName;
use super::step as advance;
use super::*;
use crate::file_name::held_names;
use crate::jst::DAY_MS;
use crate::renewal::fixtures::{PASS, WITH_CHAIN as RENEWED, three_years_earlier};
use crate::renewal::view::{Action, Card, view};

const NOW: i64 = 1_800_000_000_000;
const API: &str = "https://auth.cmo.orcamo.jp/api/cert";
const URI: &str = "https://files.cmo.orcamo.jp/f/abc.p12";
const FOLDER: &str = "WebORCA証明書";
/// Another terminal's file (client3949) that opens with [`PASS`].
const OTHER_SUBJECT: &[u8] = include_bytes!("../../../tests/fixtures/ec-p256.p12");
/// client3948's certificate without its key.
const NO_KEY: &[u8] = include_bytes!("../../../tests/fixtures/cert-only.p12");

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
        api_url: Some(API.into()),
        download_hosts: vec![],
        folder: FOLDER.into(),
        companion: None,
        confirmed,
        automatic: false,
        earlier_record_unreadable: false,
    }
}

fn automatic_request() -> StartRequest {
    StartRequest {
        automatic: true,
        ..request(false)
    }
}

fn started() -> RenewalRecord {
    start(None, request(false), NOW).expect("starts").record
}

fn response(status: u16, body: &[u8]) -> Event {
    Event::from(Outcome::Response {
        status,
        redirected: false,
        body: body.to_vec(),
        too_large: false,
        retry_after: None,
    })
}

fn too_large() -> Event {
    Event::from(Outcome::Response {
        status: 200,
        redirected: false,
        body: vec![],
        too_large: true,
        retry_after: None,
    })
}

/// What the worker reports when the browser was sent elsewhere (`redirect: "manual"`).
fn redirected() -> Event {
    Event::from(Outcome::Response {
        status: 0,
        redirected: true,
        body: Vec::new(),
        too_large: false,
        retry_after: None,
    })
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

fn secret_with(file: &[u8]) -> Secret {
    Secret {
        pass: PASS.into(),
        file: Some(file.to_vec()),
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
            Effect::Request { method, url, .. } => Some((wire_name(method), url.clone())),
            _ => None,
        })
        .collect()
}

fn posts(step: &Step) -> usize {
    requests(step).iter().filter(|(m, _)| *m == "POST").count()
}

fn wipes(step: &Step) -> bool {
    step.effects.contains(&Effect::WipeSecret)
}

fn code(record: &RenewalRecord) -> Option<Code> {
    record.stage.reason().map(|reason| reason.code)
}

fn state(record: &RenewalRecord) -> &'static str {
    wire_name(&record.stage.name())
}

/// A value's name on the wire, as the worker reads it.
fn wire_name(value: &impl serde::Serialize) -> &'static str {
    let name = serde_json::to_value(value).expect("serialised");
    String::leak(name.as_str().expect("a name").to_owned())
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

/// When the stage goes on by itself, if it does.
fn retry_at(record: &RenewalRecord) -> Option<i64> {
    match &record.stage {
        Stage::Waiting { retry_at, .. } => Some(*retry_at),
        Stage::Downloading { retry, .. } => retry.map(|retry| retry.at),
        _ => None,
    }
}

fn download_attempt(record: &RenewalRecord) -> u32 {
    match &record.stage {
        Stage::Downloading { attempt, .. } | Stage::DownloadStuck { attempt, .. } => *attempt,
        other => panic!("not downloading: {other:?}"),
    }
}

fn renewed_of(record: &RenewalRecord) -> Renewed {
    match &record.stage {
        Stage::Saving { renewed, .. }
        | Stage::Registering { renewed, .. }
        | Stage::AwaitingImport { renewed, .. }
        | Stage::Done { renewed, .. } => renewed.clone(),
        other => panic!("not verified: {other:?}"),
    }
}

/// Probing → Requesting: the record after the POST was asked for.
fn requesting() -> RenewalRecord {
    on(started(), response(404, b""), None).record
}

fn waiting() -> RenewalRecord {
    on(
        started(),
        Event::from(Outcome::NetworkFailed { timeout: false }),
        None,
    )
    .record
}

fn answered() -> RenewalRecord {
    on(requesting(), response(200, &answer_body()), None).record
}

/// An answered renewal whose current certificate is changed by `change`.
fn answered_for(change: impl FnOnce(&mut CertificateInfo)) -> RenewalRecord {
    let mut record = answered();
    change(&mut record.current);
    record
}

fn verified() -> RenewalRecord {
    on(answered(), response(200, RENEWED), Some(&secret(false))).record
}

/// The step once the file `record` was saving is on disk at `path`.
fn file_saved(record: RenewalRecord, path: &str) -> Step {
    let event = Event::from(Outcome::FileSaved { path: path.into() });
    on(record, event, Some(&secret(true)))
}

fn password_saved() -> RenewalRecord {
    file_saved(verified(), "/d/p.txt").record
}

fn files_saved() -> RenewalRecord {
    file_saved(password_saved(), "/d/c.p12").record
}

fn saved() -> RenewalRecord {
    on(
        files_saved(),
        Event::from(Outcome::Registered),
        Some(&secret(false)),
    )
    .record
}

fn backed_up() -> RenewalRecord {
    on(
        saved(),
        Event::from(Command::BackupConfirmed),
        Some(&secret(false)),
    )
    .record
}

fn done() -> RenewalRecord {
    on(backed_up(), Event::from(Command::ImportConfirmed), None).record
}

fn uncertain() -> RenewalRecord {
    on(
        requesting(),
        Event::from(Outcome::NetworkFailed { timeout: true }),
        None,
    )
    .record
}

fn download_retry() -> RenewalRecord {
    let step = on(answered(), response(503, b""), Some(&secret(false)));
    step.record
}

fn download_stuck() -> RenewalRecord {
    on(answered(), response(404, b""), Some(&secret(false))).record
}

fn save_stuck() -> RenewalRecord {
    let mut record = verified();
    for _ in 0..MAX_SAVE_ATTEMPTS {
        record = on(
            record,
            Event::from(Outcome::SaveFailed),
            Some(&secret(true)),
        )
        .record;
    }
    record
}

/// Held: another terminal's file.
fn held() -> RenewalRecord {
    on(
        answered(),
        response(200, OTHER_SUBJECT),
        Some(&secret(false)),
    )
    .record
}

fn held_exported() -> RenewalRecord {
    let event = Event::from(Outcome::HeldExported {
        path: "/d/管理者確認用/p.txt".into(),
        p12_path: Some("/d/管理者確認用/c.p12".into()),
    });
    on(held(), event, Some(&secret_with(OTHER_SUBJECT))).record
}

/// The nss-pk12util fixture with its iteration counts (600,000) raised past the reader's cap.
fn too_complex() -> Vec<u8> {
    let mut file = include_bytes!("../../../tests/fixtures/nss-pk12util.p12").to_vec();
    let count = [0x02, 0x03, 0x09, 0x27, 0xc0];
    let mut found = false;
    for at in 0..file.len() - count.len() {
        if file[at..at + count.len()] == count {
            file[at + 2..at + 5].copy_from_slice(&[0x7f, 0xff, 0xff]);
            found = true;
        }
    }
    assert!(found, "the fixture's iteration count");
    file
}

/// The client certificate's own public key: not the key that signed it.
fn client_key_hex() -> String {
    use der::Encode;
    let (_, certificate) =
        crate::reader::read_with_certificate(RENEWED, Some(PASS)).expect("fixture");
    let spki = certificate
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .expect("spki");
    crate::certificate::hex(&spki)
}

#[test]
fn a_renewal_starts_with_a_probe_of_the_api_origin_not_a_post() {
    let step = start(None, request(false), NOW).expect("starts");
    assert_eq!(step.record.stage, Stage::Probing { attempt: 1 });
    assert_eq!(step.record.stage.issued(), Some(false));
    assert_eq!(
        requests(&step),
        [("GET", "https://auth.cmo.orcamo.jp/".to_owned())]
    );
    assert!(matches!(
        &step.effects[..],
        [Effect::Request { max_bytes: 0, .. }]
    ));
    let step = on(step.record, response(404, b"NOT FOUND"), None);
    assert_eq!(step.record.stage, Stage::Requesting { attempt: 1 });
    assert_eq!(step.record.stage.issued(), None);
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
        step.record.stage,
        Stage::Downloading {
            uri: URI.into(),
            attempt: 1,
            retry: None
        }
    );
    assert_eq!(step.record.stage.issued(), Some(true));
    assert_eq!(
        step.effects[0],
        Effect::KeepSecret {
            secret: secret(false),
            durable: true
        },
        "the password is kept, durably, before anything else happens"
    );
    assert_eq!(requests(&step), [("GET", URI.to_owned())]);
    assert_eq!(step.effects.len(), 2);

    let step = on(step.record, response(200, RENEWED), Some(&secret(false)));
    assert_eq!(state(&step.record), "verified");
    let renewed = renewed_of(&step.record);
    assert_eq!(
        renewed.certificate.common_name.as_deref(),
        Some("client3948")
    );
    assert_eq!(
        step.effects,
        [
            Effect::KeepSecret {
                secret: secret(true),
                durable: true
            },
            Effect::SavePassword {
                path: format!("{FOLDER}/{}", renewed.names.password),
                p12_name: renewed.names.p12.clone(),
            }
        ]
    );

    let step = file_saved(step.record, "/d/p.txt");
    assert_eq!(state(&step.record), "passwordSaved");
    assert!(matches!(
        &step.record.stage,
        Stage::Saving { password_file: Some(path), attempt: 0, stuck: false, .. } if path == "/d/p.txt"
    ));
    assert_eq!(
        step.effects,
        [Effect::SaveP12 {
            path: format!("{FOLDER}/{}", renewed.names.p12)
        }]
    );

    let step = file_saved(step.record, "/d/c.p12");
    let files = Files {
        password: "/d/p.txt".into(),
        p12: "/d/c.p12".into(),
    };
    assert_eq!(
        step.record.stage,
        Stage::Registering {
            renewed: renewed.clone(),
            copies: Copies::Downloads {
                files: files.clone(),
                outcome: CompanionOutcome::default()
            }
        }
    );
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

    let step = on(
        step.record,
        Event::from(Outcome::Registered),
        Some(&secret(false)),
    );
    assert_eq!(
        step.record.stage,
        Stage::AwaitingImport {
            renewed: renewed.clone(),
            files: files.clone(),
            backed_up: false,
            reminded_at: NOW,
            outcome: CompanionOutcome::default()
        }
    );
    assert_eq!(notices(&step), [Notice::AwaitingImport]);
    assert_eq!(step.effects.len(), 1);
    let step = on(
        step.record,
        Event::from(Command::BackupConfirmed),
        Some(&secret(false)),
    );
    assert_eq!(
        (state(&step.record), step.effects.clone()),
        ("backedUp", vec![Effect::WipeSecret])
    );
    let later = advance(
        step.record,
        Event::from(Command::ImportConfirmed),
        None,
        NOW + 5,
        0.0,
    );
    assert_eq!(
        later.record.stage,
        Stage::Done {
            renewed,
            copies: Copies::Downloads {
                files,
                outcome: CompanionOutcome::default()
            }
        }
    );
    assert_eq!(later.record.updated_at, NOW + 5);
    assert_eq!(later.effects, [Effect::WipeSecret]);
}

#[test]
fn only_failures_that_provably_issued_nothing_are_retried_on_their_own() {
    // No connection at the probe (e.g. no certificate to present): nothing was sent.
    let step = on(
        started(),
        Event::from(Outcome::NetworkFailed { timeout: false }),
        None,
    );
    assert_eq!(
        step.record.stage,
        Stage::Waiting {
            attempt: 1,
            retry_at: NOW + 30_000,
            reason: Failure::new(Code::ConnectionFailed, None),
            picker_tab: None
        }
    );
    assert_eq!(step.record.stage.issued(), Some(false));
    assert_eq!(step.effects, [Effect::Wake { at: NOW + 30_000 }]);
    // Too early: nothing. Due: a new probe, never a POST straight away.
    let early = advance(
        step.record.clone(),
        Event::from(Timer::Tick),
        None,
        NOW + 1,
        0.0,
    );
    assert_eq!((early.record, early.effects), (step.record.clone(), vec![]));
    let retry = advance(
        step.record,
        Event::from(Timer::Tick),
        None,
        NOW + 30_000,
        0.0,
    );
    assert_eq!(retry.record.stage, Stage::Probing { attempt: 2 });
    assert_eq!(
        requests(&retry),
        [("GET", "https://auth.cmo.orcamo.jp/".to_owned())]
    );

    for status in [503, 429] {
        let step = on(requesting(), response(status, b"busy"), None);
        assert_eq!(state(&step.record), "waiting", "{status}");
        assert_eq!(step.record.stage.issued(), Some(false));
        assert_eq!(
            step.record.stage.reason(),
            Some(Failure::new(Code::ServerError, Some(status)))
        );
        assert_eq!(posts(&step), 0);
    }
}

/// A 503/429 to the POST as a fetch reports it, with its `Retry-After` header.
fn busy(status: u16, retry_after: Option<&str>) -> Event {
    Event::from(Outcome::Response {
        status,
        redirected: false,
        body: b"busy".to_vec(),
        too_large: false,
        retry_after: retry_after.map(str::to_owned),
    })
}

#[test]
fn a_busy_answer_waits_for_retry_after_and_the_posts_it_may_cost_are_capped() {
    // The server's Retry-After wins over a shorter backoff, and is capped.
    let step = on(requesting(), busy(503, Some("600")), None);
    assert_eq!(retry_at(&step.record), Some(NOW + 600_000));
    assert_eq!(step.effects, [Effect::Wake { at: NOW + 600_000 }]);
    let far = on(requesting(), busy(429, Some("86400")), None);
    assert_eq!(retry_at(&far.record), Some(NOW + 6 * 3_600_000));
    // A shorter or unreadable one leaves the backoff.
    for header in [Some("1"), Some("soon"), None] {
        let step = on(requesting(), busy(503, header), None);
        assert_eq!(retry_at(&step.record), Some(NOW + 30_000), "{header:?}");
    }
    // However often the server says busy, a renewal sends at most MAX_POSTS_WHEN_BUSY POSTs:
    // a proxy answering 503 after the provider issued costs no more than that.
    let mut record = started();
    let mut sent = 0;
    let mut now = NOW;
    while matches!(record.stage, Stage::Probing { .. }) {
        let probed = advance(record, response(404, b""), None, now, 0.0);
        sent += posts(&probed);
        let answered = advance(probed.record, busy(503, Some("0")), None, now, 0.0);
        record = answered.record;
        if let Some(at) = retry_at(&record) {
            now = at;
            record = advance(record, Event::from(Timer::Tick), None, now, 0.0).record;
        }
    }
    assert_eq!(sent, MAX_POSTS_WHEN_BUSY as usize);
    assert!(matches!(record.stage, Stage::Failed { issued: false, .. }));
    assert_eq!(code(&record), Some(Code::ServerError));
}

#[test]
fn retries_back_off_and_end() {
    let mut record = on(
        started(),
        Event::from(Outcome::NetworkFailed { timeout: true }),
        None,
    )
    .record;
    for attempt in 2..=MAX_ATTEMPTS {
        let at = retry_at(&record).expect("waiting");
        record = advance(record, Event::from(Timer::Tick), None, at, 0.0).record;
        assert_eq!(record.stage, Stage::Probing { attempt });
        let failed = advance(
            record,
            Event::from(Outcome::NetworkFailed { timeout: true }),
            None,
            at,
            0.0,
        );
        if attempt == MAX_ATTEMPTS {
            assert_eq!(notices(&failed), [Notice::Failed]);
        } else {
            assert!(notices(&failed).is_empty());
        }
        record = failed.record;
    }
    assert!(matches!(record.stage, Stage::Failed { issued: false, .. }));
    assert_eq!(code(&record), Some(Code::Timeout));
    assert_eq!(retry_delay(1, MAX_ATTEMPTS, 0.0), Some(30_000));
    assert_eq!(retry_delay(1, MAX_ATTEMPTS, 1.0), Some(60_000));
    assert_eq!(retry_delay(5, MAX_ATTEMPTS, 1.0), Some(960_000));
    assert_eq!(retry_delay(MAX_ATTEMPTS, MAX_ATTEMPTS, 0.5), None);
    assert_eq!(retry_delay(1, MAX_ATTEMPTS, f64::NAN), Some(45_000));
    assert_eq!(retry_delay(20, 100, 1.0), Some(30 * 60_000), "capped");
}

#[test]
fn a_post_without_an_answer_is_uncertain_and_never_repeated() {
    for (event, expected) in [
        (
            Event::from(Outcome::NetworkFailed { timeout: true }),
            Code::Timeout,
        ),
        (
            Event::from(Outcome::NetworkFailed { timeout: false }),
            Code::ConnectionLost,
        ),
        (Event::from(Timer::WorkerStarted), Code::Interrupted),
        (redirected(), Code::Redirected),
        (response(500, b"oops"), Code::ServerError),
        (response(502, b"bad gateway"), Code::ServerError),
    ] {
        let step = on(requesting(), event, None);
        assert_eq!(state(&step.record), "uncertain");
        assert_eq!(step.record.stage.issued(), None);
        assert_eq!(code(&step.record), Some(expected));
        assert_eq!(posts(&step), 0);
        assert_eq!(notices(&step), [Notice::Uncertain]);
        // Nothing brings it back on its own.
        for later in [
            Event::from(Timer::Tick),
            Event::from(Timer::WorkerStarted),
            Event::from(Command::RetryNow),
        ] {
            let again = on(step.record.clone(), later, None);
            assert_eq!(again.record, step.record);
            assert!(again.effects.is_empty());
        }
    }
}

#[test]
fn refusals_that_issued_nothing_stop_and_may_simply_be_tried_again() {
    for (status, expected) in [
        (403, Code::NotPermitted),
        (401, Code::NotPermitted),
        (400, Code::Rejected),
    ] {
        let step = on(
            requesting(),
            response(status, b"NOT PERMITTED CERTIFICATE"),
            None,
        );
        assert_eq!(
            step.record.stage,
            Stage::Failed {
                reason: Failure::new(expected, Some(status)),
                issued: false,
                picker_tab: None
            }
        );
        assert!(
            start(Some(&step.record), request(false), NOW).is_ok(),
            "no confirmation needed"
        );
    }
}

#[test]
fn an_answer_that_cannot_be_used_stops_and_a_new_start_needs_confirmation() {
    let step = on(requesting(), response(200, b"not json"), None);
    assert!(matches!(
        step.record.stage,
        Stage::Failed { issued: true, .. }
    ));
    assert_eq!(code(&step.record), Some(Code::MalformedAnswer));
    assert_eq!(
        start(Some(&step.record), request(false), NOW).err(),
        Some(Code::RenewalNeedsConfirmation)
    );
    assert!(start(Some(&step.record), request(true), NOW).is_ok());

    // A file on a host the client certificate must not be shown to: nothing is sent there,
    // and the password and the address are kept for the administrator.
    let foreign = "https://files.elsewhere.test/x.p12";
    let body = format!(r#"{{"uri":"{foreign}","pass":"p"}}"#);
    let step = on(requesting(), response(200, body.as_bytes()), None);
    assert!(requests(&step).is_empty(), "no request to a foreign host");
    assert_eq!(
        step.record.stage,
        Stage::Held {
            reason: Failure::new(Code::UntrustedUri, Some(200)),
            received: None,
            uri: Some(foreign.into()),
            exported: None,
        }
    );
    assert!(step.effects.contains(&Effect::KeepSecret {
        secret: Secret {
            pass: "p".into(),
            file: None
        },
        durable: true
    }));
    assert!(!step.effects.contains(&Effect::WipeSecret));
    assert_eq!(
        start(Some(&step.record), request(true), NOW).err(),
        Some(Code::RenewalHeld)
    );
    let too_large = on(requesting(), too_large(), None);
    assert_eq!(code(&too_large.record), Some(Code::AnswerTooLarge));
    assert_eq!(
        start(Some(&uncertain()), request(false), NOW).err(),
        Some(Code::RenewalNeedsConfirmation)
    );
    let confirmed = start(Some(&uncertain()), request(true), NOW).expect("confirmed");
    assert_eq!(
        posts(&confirmed),
        0,
        "even a confirmed restart probes first"
    );
    assert_eq!(confirmed.record.stage, Stage::Probing { attempt: 1 });
}

#[test]
fn a_renewal_under_way_or_awaiting_import_is_never_started_twice() {
    for record in [
        started(),
        requesting(),
        waiting(),
        answered(),
        download_retry(),
        verified(),
        password_saved(),
        save_stuck(),
        files_saved(),
    ] {
        for request in [request(true), request(false)] {
            assert_eq!(
                start(Some(&record), request, NOW).err(),
                Some(Code::RenewalInProgress),
                "{:?}",
                record.stage
            );
        }
        assert_eq!(
            removal_refused(Some(&record)),
            Some(Code::RenewalInProgress)
        );
    }
    for record in [saved(), backed_up()] {
        assert_eq!(
            start(Some(&record), request(true), NOW).err(),
            Some(Code::RenewalAwaitsImport)
        );
        assert_eq!(removal_refused(Some(&record)), None);
    }
    assert_eq!(
        removal_refused(Some(&download_stuck())),
        Some(Code::RenewalInProgress)
    );
    assert_eq!(removal_refused(None), None);
    // After the import, a new renewal (of the new certificate) is a plain start.
    assert!(start(Some(&done()), request(false), NOW).is_ok());
}

#[test]
fn the_download_is_repeated_not_the_post() {
    // A transient failure of the GET: a timed retry of the GET, the password kept.
    for (event, expected) in [
        (
            Event::from(Outcome::NetworkFailed { timeout: true }),
            Failure::new(Code::Timeout, None),
        ),
        (
            response(503, b""),
            Failure::new(Code::DownloadFailed, Some(503)),
        ),
        (
            response(500, b""),
            Failure::new(Code::DownloadFailed, Some(500)),
        ),
        (
            response(429, b""),
            Failure::new(Code::DownloadFailed, Some(429)),
        ),
    ] {
        let step = on(answered(), event, Some(&secret(false)));
        let at = NOW + 30_000;
        assert_eq!(
            step.record.stage,
            Stage::Downloading {
                uri: URI.into(),
                attempt: 1,
                retry: Some(Retry {
                    at,
                    reason: expected
                })
            }
        );
        assert_eq!(step.effects, [Effect::Wake { at }], "no wipe");
        let early = advance(
            step.record.clone(),
            Event::from(Timer::Tick),
            Some(&secret(false)),
            at - 1,
            0.0,
        );
        assert!(early.effects.is_empty());
        let retry = advance(
            step.record,
            Event::from(Timer::Tick),
            Some(&secret(false)),
            at,
            0.0,
        );
        assert_eq!(requests(&retry), [("GET", URI.to_owned())]);
        assert_eq!(download_attempt(&retry.record), 2);
    }
    // Retries run out: the user is asked; the password is still kept; a click tries again.
    let mut record = answered();
    let mut last = Vec::new();
    for _ in 0..MAX_DOWNLOAD_ATTEMPTS {
        let failed = on(
            record,
            Event::from(Outcome::NetworkFailed { timeout: false }),
            Some(&secret(false)),
        );
        assert!(!wipes(&failed));
        assert_eq!(posts(&failed), 0);
        last = notices(&failed);
        record = failed.record;
        if let Some(at) = retry_at(&record) {
            record = advance(
                record,
                Event::from(Timer::Tick),
                Some(&secret(false)),
                at,
                0.0,
            )
            .record;
        }
    }
    assert_eq!(
        record.stage,
        Stage::DownloadStuck {
            uri: URI.into(),
            attempt: MAX_DOWNLOAD_ATTEMPTS,
            reason: Failure::new(Code::ConnectionFailed, None)
        }
    );
    assert_eq!(last, [Notice::DownloadStuck]);
    let clicked = on(record, Event::from(Command::RetryNow), Some(&secret(false)));
    assert_eq!(requests(&clicked), [("GET", URI.to_owned())]);
    assert_eq!(download_attempt(&clicked.record), 1, "a fresh count");
    assert_eq!(posts(&clicked), 0);
}

#[test]
fn a_download_that_does_not_work_keeps_the_password_and_waits_for_the_user() {
    for (event, expected) in [
        (redirected(), Failure::new(Code::Redirected, None)),
        (
            response(404, b""),
            Failure::new(Code::DownloadGone, Some(404)),
        ),
        (
            response(410, b""),
            Failure::new(Code::DownloadGone, Some(410)),
        ),
        (
            response(403, b"NOT PERMITTED CERTIFICATE"),
            Failure::new(Code::DownloadRefused, Some(403)),
        ),
    ] {
        let step = on(answered(), event, Some(&secret(false)));
        assert_eq!(
            step.record.stage,
            Stage::DownloadStuck {
                uri: URI.into(),
                attempt: 1,
                reason: expected
            },
            "the address is kept"
        );
        assert_eq!(step.record.stage.issued(), Some(true));
        assert!(step.record.stage.keeps_durable_secret());
        assert_eq!(
            step.effects,
            [Effect::Notify {
                notice: Notice::DownloadStuck
            }],
            "no wipe"
        );
        // A new worker or a timer does not retry it on its own; the user's click does.
        for later in [Event::from(Timer::WorkerStarted), Event::from(Timer::Tick)] {
            let again = on(step.record.clone(), later, Some(&secret(false)));
            assert_eq!((again.record, again.effects), (step.record.clone(), vec![]));
        }
        let again = on(
            step.record.clone(),
            Event::from(Command::RetryNow),
            Some(&secret(false)),
        );
        assert_eq!(requests(&again), [("GET", URI.to_owned())]);
        // Or the user gives up on that file and applies again, confirmed: the password goes.
        assert_eq!(
            start(Some(&step.record), request(false), NOW).err(),
            Some(Code::RenewalNeedsConfirmation)
        );
        assert_eq!(
            start(Some(&step.record), automatic_request(), NOW).err(),
            Some(Code::RenewalAlreadyAttempted)
        );
        let restart = start(Some(&step.record), request(true), NOW).expect("confirmed");
        assert_eq!(restart.effects[0], Effect::WipeSecret);
        assert_eq!(posts(&restart), 0);
    }
}

#[test]
fn a_damaged_download_keeps_the_password_and_is_fetched_again_never_posted() {
    let other_pass = Secret {
        pass: "other".into(),
        file: None,
    };
    let half = &RENEWED[..RENEWED.len() / 2];
    for (body, kept, expected) in [
        // The MAC fails: a damaged file and another password look alike.
        (RENEWED, &other_pass, Code::RenewedWrongPassword),
        (half, &secret(false), Code::RenewedUnreadable),
        (
            b"<html>proxy error</html>".as_slice(),
            &secret(false),
            Code::RenewedUnreadable,
        ),
    ] {
        let step = on(answered(), response(200, body), Some(kept));
        let at = NOW + 30_000;
        assert_eq!(
            step.record.stage,
            Stage::Downloading {
                uri: URI.into(),
                attempt: 1,
                retry: Some(Retry {
                    at,
                    reason: Failure::new(expected, Some(200))
                })
            },
            "{expected:?}"
        );
        assert_eq!(
            step.effects,
            [Effect::Wake { at }],
            "no wipe, nothing saved, nothing told yet"
        );
        // The GET again on the timer, then the user: never a POST, never a wipe.
        let mut record = step.record;
        let mut last = Vec::new();
        let mut gets = 0;
        while let Some(at) = retry_at(&record) {
            let retried = advance(record, Event::from(Timer::Tick), Some(kept), at, 0.0);
            assert_eq!(requests(&retried), [("GET", URI.to_owned())]);
            gets += 1;
            let failed = advance(retried.record, response(200, body), Some(kept), at, 0.0);
            assert!(!wipes(&failed) && posts(&failed) == 0);
            last = notices(&failed);
            record = failed.record;
        }
        assert_eq!(gets, MAX_DOWNLOAD_ATTEMPTS - 1);
        assert_eq!(
            record.stage,
            Stage::DownloadStuck {
                uri: URI.into(),
                attempt: MAX_DOWNLOAD_ATTEMPTS,
                reason: Failure::new(expected, Some(200))
            }
        );
        assert_eq!(last, [Notice::DownloadStuck]);
        // The next download may come right.
        let clicked = on(record, Event::from(Command::RetryNow), Some(&secret(false)));
        let fixed = on(clicked.record, response(200, RENEWED), Some(&secret(false)));
        assert_eq!(state(&fixed.record), "verified");
    }
}

#[test]
fn a_file_that_is_not_ours_is_held_for_the_administrator_with_its_secret() {
    let far_later = |c: &mut CertificateInfo| c.not_after += 1095 * DAY_MS;
    let other_issuer = |c: &mut CertificateInfo| c.issuer = "CN=Someone Else".into();
    let client_key = client_key_hex();
    let other_key = |c: &mut CertificateInfo| c.issuer_key = Some(client_key);
    let complex = too_complex();
    let cases: [(RenewalRecord, &[u8], Code, bool); 6] = [
        (answered(), OTHER_SUBJECT, Code::RenewedOtherSubject, true),
        (
            answered_for(far_later),
            RENEWED,
            Code::RenewedNotLater,
            true,
        ),
        (answered(), NO_KEY, Code::RenewedNoKey, true),
        (answered(), &complex, Code::RenewedTooComplex, false),
        (
            answered_for(other_issuer),
            RENEWED,
            Code::RenewedOtherIssuer,
            true,
        ),
        (
            answered_for(other_key),
            RENEWED,
            Code::RenewedBadSignature,
            true,
        ),
    ];
    for (record, body, expected, readable) in cases {
        assert!(record.current.issuer_key.is_some() || expected != Code::RenewedBadSignature);
        let step = on(record, response(200, body), Some(&secret(false)));
        let Stage::Held {
            reason,
            received,
            uri: None,
            exported,
        } = &step.record.stage
        else {
            panic!("{expected:?}: held, not {:?}", step.record.stage);
        };
        assert_eq!(*reason, Failure::new(expected, None));
        assert_eq!(received.is_some(), readable, "{expected:?}");
        assert_eq!(*exported, None);
        assert_eq!(step.record.stage.issued(), Some(true));
        assert_eq!(
            step.effects,
            [
                Effect::KeepSecret {
                    secret: secret_with(body),
                    durable: true
                },
                Effect::Notify {
                    notice: Notice::Held
                }
            ],
            "{expected:?}: kept with the file, durably; not registered, not saved"
        );
    }
    // Over the size cap: only the password (kept since the answer) stays.
    let step = on(answered(), too_large(), Some(&secret(false)));
    assert_eq!(
        step.record.stage,
        Stage::Held {
            reason: Failure::new(Code::RenewedTooLarge, Some(200)),
            received: None,
            uri: None,
            exported: None
        }
    );
    assert_eq!(
        step.effects,
        [Effect::Notify {
            notice: Notice::Held
        }]
    );
    // What the administrator is shown of another terminal's file.
    let Stage::Held { received, .. } = held().stage else {
        panic!("held");
    };
    assert_eq!(
        received.expect("read").common_name.as_deref(),
        Some("client3949")
    );
}

#[test]
fn a_held_certificate_waits_for_the_administrator_to_export_or_discard_it() {
    let kept = secret_with(OTHER_SUBJECT);
    let record = held();
    // Nothing moves it on its own, and nobody starts another over it.
    for event in [
        Event::from(Timer::WorkerStarted),
        Event::from(Timer::Tick),
        Event::from(Command::RetryNow),
        response(200, RENEWED),
        Event::from(Outcome::FileSaved { path: "x".into() }),
        Event::from(Outcome::Registered),
        Event::from(Command::BackupConfirmed),
        Event::from(Command::ImportConfirmed),
    ] {
        let step = on(record.clone(), event, Some(&kept));
        assert_eq!((step.record, step.effects), (record.clone(), vec![]));
    }
    for request in [request(false), request(true)] {
        assert_eq!(
            start(Some(&record), request, NOW).err(),
            Some(Code::RenewalHeld)
        );
    }
    assert_eq!(
        start(Some(&record), automatic_request(), NOW).err(),
        Some(Code::RenewalAlreadyAttempted)
    );

    // Export: both files, apart from where a receptionist imports.
    let Stage::Held { received, .. } = &record.stage else {
        panic!("held");
    };
    let names = held_names(received.as_deref(), NOW);
    assert!(names.p12.starts_with("HELD_") && names.password.starts_with("HELD_"));
    let step = on(
        record.clone(),
        Event::from(Command::ExportHeld),
        Some(&kept),
    );
    assert_eq!(step.record, record);
    assert_eq!(
        step.effects,
        [Effect::ExportHeld {
            password_path: format!("{FOLDER}/{HELD_FOLDER}/{}", names.password),
            p12_path: Some(format!("{FOLDER}/{HELD_FOLDER}/{}", names.p12)),
            p12_name: names.p12.clone(),
        }]
    );
    assert_eq!(HELD_FOLDER, "管理者確認用");
    let exported = held_exported();
    assert_eq!(
        exported.stage,
        Stage::Held {
            reason: Failure::new(Code::RenewedOtherSubject, None),
            received: received.clone(),
            uri: None,
            exported: Some(ExportedFiles {
                password: "/d/管理者確認用/p.txt".into(),
                p12: Some("/d/管理者確認用/c.p12".into()),
            })
        }
    );
    // Exported: a new application needs the confirmation, and the secret goes first.
    assert_eq!(
        start(Some(&exported), request(false), NOW).err(),
        Some(Code::RenewalNeedsConfirmation)
    );
    let restart = start(Some(&exported), request(true), NOW).expect("confirmed");
    assert_eq!(restart.effects[0], Effect::WipeSecret);
    assert_eq!(posts(&restart), 0);
    assert_eq!(restart.record.stage, Stage::Probing { attempt: 1 });

    // Discard: the administrator's act wipes the secret; the record says a certificate exists.
    for record in [record, exported] {
        let step = on(record, Event::from(Command::DiscardHeld), Some(&kept));
        assert_eq!(
            step.record.stage,
            Stage::Failed {
                reason: Failure::new(Code::RenewedOtherSubject, None),
                issued: true,
                picker_tab: None
            }
        );
        assert_eq!(step.effects, [Effect::WipeSecret]);
        assert_eq!(
            start(Some(&step.record), request(false), NOW).err(),
            Some(Code::RenewalNeedsConfirmation)
        );
    }

    // A file over the size cap was not kept: only the password file is exported.
    let huge = on(answered(), too_large(), Some(&secret(false))).record;
    let step = on(huge, Event::from(Command::ExportHeld), Some(&secret(false)));
    let names = held_names(None, NOW);
    assert!(
        !names.p12.contains("client3948"),
        "never named as the current certificate"
    );
    assert_eq!(
        step.effects,
        [Effect::ExportHeld {
            password_path: format!("{FOLDER}/{HELD_FOLDER}/{}", names.password),
            p12_path: None,
            p12_name: names.p12,
        }]
    );
}

#[test]
fn a_renewed_certificate_without_an_authority_key_identifier_from_the_registered_ca_is_accepted() {
    // The current certificate names its issuer's key; the renewed one (the fixtures' CA
    // writes none) does not. Same issuer name, signed by the registered CA key: accepted.
    let record = answered_for(|c| c.authority_key_id = Some("00112233".into()));
    assert!(record.current.issuer_key.is_some(), "the CA key is known");
    let step = on(record, response(200, RENEWED), Some(&secret(false)));
    assert_eq!(state(&step.record), "verified");
    let renewed = renewed_of(&step.record);
    assert_eq!(renewed.certificate.authority_key_id, None);
    assert_eq!(
        renewed.certificate.issuer_key,
        current().issuer_key,
        "the same key checks the next renewal"
    );
    assert!(matches!(step.effects[1], Effect::SavePassword { .. }));
}

#[test]
fn a_new_worker_goes_on_without_resetting_the_retry_counts() {
    let failed = on(
        answered(),
        Event::from(Outcome::NetworkFailed { timeout: true }),
        Some(&secret(false)),
    );
    let at = retry_at(&failed.record).expect("timer");
    // Before the timer: only the timer again.
    let early = advance(
        failed.record.clone(),
        Event::from(Timer::WorkerStarted),
        Some(&secret(false)),
        at - 1,
        0.0,
    );
    assert_eq!(early.effects, [Effect::Wake { at }]);
    let woken = advance(
        failed.record,
        Event::from(Timer::WorkerStarted),
        Some(&secret(false)),
        at,
        0.0,
    );
    assert_eq!(requests(&woken), [("GET", URI.to_owned())]);
    assert_eq!(download_attempt(&woken.record), 2, "counted, not reset");
    let record = save_stuck();
    assert_eq!(code(&record), Some(Code::SaveFailed));
    assert_eq!(
        on(
            record,
            Event::from(Timer::WorkerStarted),
            Some(&secret(true))
        )
        .effects,
        [],
        "the user decides"
    );
}

#[test]
fn each_stage_resumes_after_a_stopped_worker_without_a_post() {
    // Probing: the probe is repeated (it cannot issue anything).
    let step = on(started(), Event::from(Timer::WorkerStarted), None);
    assert_eq!(
        requests(&step),
        [("GET", "https://auth.cmo.orcamo.jp/".to_owned())]
    );
    // Waiting: its timer again.
    let step = on(waiting(), Event::from(Timer::WorkerStarted), None);
    assert_eq!(step.effects, [Effect::Wake { at: NOW + 30_000 }]);
    // Downloading: the GET again.
    let step = on(
        answered(),
        Event::from(Timer::WorkerStarted),
        Some(&secret(false)),
    );
    assert_eq!(requests(&step), [("GET", URI.to_owned())]);
    // Saving: the password file again, or the .p12; Registering: register.
    let step = on(
        verified(),
        Event::from(Timer::WorkerStarted),
        Some(&secret(true)),
    );
    assert!(matches!(step.effects[..], [Effect::SavePassword { .. }]));
    let step = on(
        password_saved(),
        Event::from(Timer::WorkerStarted),
        Some(&secret(true)),
    );
    assert!(matches!(step.effects[..], [Effect::SaveP12 { .. }]));
    let step = on(files_saved(), Event::from(Timer::WorkerStarted), None);
    assert!(matches!(step.effects[..], [Effect::Register { .. }]));
    // Saved and later: nothing to redo.
    assert_eq!(
        on(saved(), Event::from(Timer::WorkerStarted), None).effects,
        []
    );
    assert_eq!(
        on(backed_up(), Event::from(Timer::WorkerStarted), None).effects,
        []
    );
    assert_eq!(
        on(done(), Event::from(Timer::WorkerStarted), None).effects,
        []
    );
    for record in [
        started(),
        waiting(),
        answered(),
        download_retry(),
        download_stuck(),
        verified(),
        password_saved(),
        save_stuck(),
        files_saved(),
        saved(),
        backed_up(),
        done(),
        held(),
        held_exported(),
        uncertain(),
    ] {
        for event in [
            Event::from(Timer::WorkerStarted),
            Event::from(Timer::Tick),
            Event::from(Command::RetryNow),
        ] {
            let step = advance(
                record.clone(),
                event,
                Some(&secret(true)),
                NOW + DAY_MS,
                0.0,
            );
            assert_eq!(posts(&step), 0, "{:?}", record.stage);
        }
    }
}

#[test]
fn a_stopped_worker_s_leftover_secret_is_moved_to_session_storage_or_wiped() {
    // Registering, and saved but not backed up: the password stays for 「確認する」 and the
    // backup check, but out of durable storage where a stopped worker may have left it.
    let session = Effect::KeepSecret {
        secret: secret(false),
        durable: false,
    };
    let step = on(
        files_saved(),
        Event::from(Timer::WorkerStarted),
        Some(&secret(true)),
    );
    assert!(matches!(
        &step.effects[..],
        [first, Effect::Register { .. }] if *first == session
    ));
    let step = on(
        files_saved(),
        Event::from(Command::RetryNow),
        Some(&secret(true)),
    );
    assert!(matches!(
        &step.effects[..],
        [first, Effect::Register { .. }] if *first == session
    ));
    let step = on(
        saved(),
        Event::from(Timer::WorkerStarted),
        Some(&secret(true)),
    );
    assert_eq!(step.effects, [session]);
    assert_eq!(step.record, saved());
    // Done with it: a leftover is wiped; none left, nothing to do.
    let failed = on(requesting(), response(403, b""), None).record;
    let discarded = on(
        held(),
        Event::from(Command::DiscardHeld),
        Some(&secret(false)),
    )
    .record;
    for record in [backed_up(), done(), uncertain(), failed, discarded] {
        let step = on(
            record.clone(),
            Event::from(Timer::WorkerStarted),
            Some(&secret(false)),
        );
        assert_eq!(step.effects, [Effect::WipeSecret], "{:?}", record.stage);
        assert_eq!(step.record, record);
        assert_eq!(
            on(record, Event::from(Timer::WorkerStarted), None).effects,
            []
        );
    }
    // Where the secret must stay durable, a new worker leaves it where it is.
    for record in [download_stuck(), save_stuck(), held(), held_exported()] {
        let step = on(
            record.clone(),
            Event::from(Timer::WorkerStarted),
            Some(&secret(true)),
        );
        assert!(
            step.effects
                .iter()
                .all(|e| !matches!(e, Effect::WipeSecret | Effect::KeepSecret { .. })),
            "{:?}",
            record.stage
        );
    }
}

#[test]
fn a_lost_secret_is_said_not_hidden() {
    for record in [answered(), verified()] {
        let step = on(record, Event::from(Timer::WorkerStarted), None);
        assert!(matches!(
            step.record.stage,
            Stage::Failed { issued: true, .. }
        ));
        assert_eq!(code(&step.record), Some(Code::SecretLost));
        assert_eq!(notices(&step), [Notice::Failed]);
    }
    // A GET due on its timer: the same when it rings.
    let step = advance(
        download_retry(),
        Event::from(Timer::Tick),
        None,
        NOW + 30_000,
        0.0,
    );
    assert_eq!(code(&step.record), Some(Code::SecretLost));
    let step = on(answered(), response(200, RENEWED), None);
    assert_eq!(code(&step.record), Some(Code::SecretLost));
    let step = on(download_stuck(), Event::from(Command::RetryNow), None);
    assert_eq!(code(&step.record), Some(Code::SecretLost));
    // The .p12 is still needed after the password file: without it, the same.
    let step = on(
        password_saved(),
        Event::from(Timer::WorkerStarted),
        Some(&secret(false)),
    );
    assert_eq!(code(&step.record), Some(Code::SecretLost));
}

#[test]
fn a_failed_save_is_tried_again_then_left_to_the_user_with_nothing_lost() {
    let mut record = verified();
    for _ in 1..MAX_SAVE_ATTEMPTS {
        let step = on(
            record,
            Event::from(Outcome::SaveFailed),
            Some(&secret(true)),
        );
        assert!(matches!(step.effects[..], [Effect::SavePassword { .. }]));
        record = step.record;
    }
    let step = on(
        record,
        Event::from(Outcome::SaveFailed),
        Some(&secret(true)),
    );
    assert_eq!(state(&step.record), "verified");
    assert!(matches!(
        step.record.stage,
        Stage::Saving {
            stuck: true,
            attempt: MAX_SAVE_ATTEMPTS,
            ..
        }
    ));
    assert_eq!(code(&step.record), Some(Code::SaveFailed));
    assert_eq!(
        step.effects,
        [Effect::Notify {
            notice: Notice::SaveFailed
        }],
        "the secret is kept"
    );
    let again = on(
        step.record,
        Event::from(Command::RetryNow),
        Some(&secret(true)),
    );
    assert!(matches!(again.effects[..], [Effect::SavePassword { .. }]));
    assert_eq!(again.record.stage.reason(), None);
    // The .p12's save fails the same way, its password file kept.
    let mut record = password_saved();
    for _ in 0..MAX_SAVE_ATTEMPTS {
        record = on(
            record,
            Event::from(Outcome::SaveFailed),
            Some(&secret(true)),
        )
        .record;
    }
    assert_eq!(
        (state(&record), code(&record)),
        ("passwordSaved", Some(Code::SaveFailed))
    );
    let again = on(record, Event::from(Command::RetryNow), Some(&secret(true)));
    assert!(matches!(again.effects[..], [Effect::SaveP12 { .. }]));
}

#[test]
fn a_renewed_certificate_waiting_for_import_is_brought_up_daily() {
    let record = saved();
    assert!(matches!(
        record.stage,
        Stage::AwaitingImport {
            reminded_at: NOW,
            ..
        }
    ));
    let early = advance(
        record.clone(),
        Event::from(Timer::Tick),
        None,
        NOW + 3_600_000,
        0.0,
    );
    assert_eq!(early.effects, []);
    let next_day = advance(
        record,
        Event::from(Timer::Tick),
        None,
        NOW + IMPORT_REMINDER_INTERVAL_MS,
        0.0,
    );
    assert_eq!(notices(&next_day), [Notice::AwaitingImport]);
    assert!(matches!(
        next_day.record.stage,
        Stage::AwaitingImport { reminded_at, .. } if reminded_at == NOW + IMPORT_REMINDER_INTERVAL_MS
    ));
    // Backed up, still reminded.
    let later = advance(
        backed_up(),
        Event::from(Timer::Tick),
        None,
        NOW + IMPORT_REMINDER_INTERVAL_MS,
        0.0,
    );
    assert_eq!(notices(&later), [Notice::AwaitingImport]);
    let done = on(next_day.record, Event::from(Command::ImportConfirmed), None).record;
    assert_eq!(
        advance(done, Event::from(Timer::Tick), None, NOW + 9 * DAY_MS, 0.0).effects,
        [],
        "no reminder once imported"
    );
}

#[test]
fn events_that_do_not_apply_change_nothing() {
    let record = saved();
    for event in [
        response(200, &answer_body()),
        Event::from(Outcome::NetworkFailed { timeout: true }),
        Event::from(Outcome::FileSaved { path: "x".into() }),
        Event::from(Outcome::SaveFailed),
        Event::from(Outcome::Registered),
        Event::from(Command::RetryNow),
        Event::from(Command::PickerOpened { tab_id: 3 }),
        Event::from(Command::ExportHeld),
        Event::from(Outcome::HeldExported {
            path: "x".into(),
            p12_path: None,
        }),
        Event::from(Command::DiscardHeld),
    ] {
        let step = on(record.clone(), event, Some(&secret(true)));
        assert_eq!((step.record, step.effects), (record.clone(), vec![]));
    }
    // The administrator's events do nothing to a renewal that is not held.
    for record in [
        started(),
        requesting(),
        waiting(),
        answered(),
        download_stuck(),
        verified(),
        files_saved(),
        done(),
        uncertain(),
    ] {
        for event in [
            Event::from(Command::ExportHeld),
            Event::from(Outcome::HeldExported {
                path: "x".into(),
                p12_path: None,
            }),
            Event::from(Command::DiscardHeld),
        ] {
            let step = on(record.clone(), event, Some(&secret(true)));
            assert_eq!((step.record, step.effects), (record.clone(), vec![]));
        }
    }
}

#[test]
fn picking_the_certificate_is_remembered_and_a_retry_probes_at_once() {
    let picked = on(
        waiting(),
        Event::from(Command::PickerOpened { tab_id: 7 }),
        None,
    )
    .record;
    assert!(matches!(
        picked.stage,
        Stage::Waiting {
            picker_tab: Some(7),
            ..
        }
    ));
    let retried = on(picked, Event::from(Command::RetryNow), None);
    assert_eq!(retried.record.stage, Stage::Probing { attempt: 2 });
    assert_eq!(posts(&retried), 0);
    for record in [
        uncertain(),
        on(requesting(), response(403, b""), None).record,
    ] {
        let picked = on(
            record,
            Event::from(Command::PickerOpened { tab_id: 9 }),
            None,
        )
        .record;
        assert!(matches!(
            picked.stage,
            Stage::Uncertain {
                picker_tab: Some(9),
                ..
            } | Stage::Failed {
                picker_tab: Some(9),
                ..
            }
        ));
    }
}

#[test]
fn an_automatic_renewal_that_cannot_connect_stops_at_once_and_says_so_once() {
    let record = start(None, automatic_request(), NOW)
        .expect("starts")
        .record;
    assert!(record.automatic);
    let step = on(
        record,
        Event::from(Outcome::NetworkFailed { timeout: false }),
        None,
    );
    assert_eq!(
        step.record.stage,
        Stage::Failed {
            reason: Failure::new(Code::AutoNotConnected, None),
            issued: false,
            picker_tab: None
        }
    );
    assert_eq!(posts(&step), 0);
    assert_eq!(notices(&step), [Notice::Failed]);
    assert!(
        !step
            .effects
            .iter()
            .any(|e| matches!(e, Effect::Wake { .. }))
    );
    // Never automatically again, even from a plan made before this record existed…
    assert_eq!(
        start(Some(&step.record), automatic_request(), NOW).err(),
        Some(Code::RenewalAlreadyAttempted)
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
        Some(Code::RenewalNeedsConfirmation)
    );
    let automatic = StartRequest {
        automatic: true,
        ..lost.clone()
    };
    assert_eq!(
        start(None, automatic, NOW).err(),
        Some(Code::RenewalAlreadyAttempted)
    );
    let confirmed = StartRequest {
        confirmed: true,
        ..lost
    };
    let step = start(None, confirmed, NOW).expect("confirmed");
    assert_eq!(posts(&step), 0);
}

#[test]
fn an_automatic_renewal_ends_by_asking_for_backup_and_import() {
    let mut record = files_saved();
    record.automatic = true;
    let step = on(
        record,
        Event::from(Outcome::Registered),
        Some(&secret(false)),
    );
    assert_eq!(state(&step.record), "saved");
    assert_eq!(notices(&step), [Notice::RenewedAutomatically]);
}

#[test]
fn events_are_read_as_the_worker_writes_them() {
    let event = |json: &str| serde_json::from_str::<Event>(json);
    assert_eq!(
        event(r#"{"type":"response","status":200,"body":[123,125],"tooLarge":false}"#).ok(),
        Some(Event::from(Outcome::Response {
            status: 200,
            redirected: false,
            body: b"{}".to_vec(),
            too_large: false,
            retry_after: None,
        }))
    );
    assert_eq!(
        event(r#"{"type":"response","status":0,"redirected":true}"#).ok(),
        Some(redirected())
    );
    assert_eq!(
        event(r#"{"type":"networkFailed","timeout":true}"#).ok(),
        Some(Event::from(Outcome::NetworkFailed { timeout: true }))
    );
    assert_eq!(
        event(r#"{"type":"fileSaved","path":"/d/a.p12"}"#).ok(),
        Some(Event::from(Outcome::FileSaved {
            path: "/d/a.p12".into()
        }))
    );
    assert_eq!(
        event(r#"{"type":"pickerOpened","tabId":7}"#).ok(),
        Some(Event::from(Command::PickerOpened { tab_id: 7 }))
    );
    assert_eq!(
        event(r#"{"type":"tick","other":1}"#).ok(),
        Some(Event::from(Timer::Tick))
    );
    assert_eq!(
        event(r#"{"type":"exportHeld"}"#).ok(),
        Some(Event::from(Command::ExportHeld))
    );
    assert_eq!(
        event(r#"{"type":"heldExported","path":"/d/h/p.txt","p12Path":"/d/h/c.p12"}"#).ok(),
        Some(Event::from(Outcome::HeldExported {
            path: "/d/h/p.txt".into(),
            p12_path: Some("/d/h/c.p12".into())
        }))
    );
    assert_eq!(
        event(r#"{"type":"heldExported","path":"/d/h/p.txt"}"#).ok(),
        Some(Event::from(Outcome::HeldExported {
            path: "/d/h/p.txt".into(),
            p12_path: None
        }))
    );
    assert_eq!(
        event(r#"{"type":"discardHeld"}"#).ok(),
        Some(Event::from(Command::DiscardHeld))
    );
    for bad in [
        r#"{"type":"response"}"#,
        r#"{"type":"fileSaved"}"#,
        r#"{"type":"pickerOpened"}"#,
        r#"{"type":"heldExported"}"#,
        r#"{"type":"heldExported","p12Path":"/d/c.p12"}"#,
        r#"{"type":"explode"}"#,
        r#"{"status":200}"#,
        r#"{"type":"response","status":"200"}"#,
    ] {
        assert!(event(bad).is_err(), "{bad}");
    }
}

#[test]
fn effects_are_written_as_the_worker_reads_them() {
    let step = on(
        held(),
        Event::from(Command::ExportHeld),
        Some(&secret_with(OTHER_SUBJECT)),
    );
    let written = serde_json::to_value(&step.effects).expect("effects");
    assert_eq!(written[0]["type"], "exportHeld");
    assert!(written[0]["passwordPath"].as_str().is_some());
    assert!(written[0]["p12Path"].as_str().is_some());
    assert!(written[0]["p12Name"].as_str().is_some());
    let step = on(
        answered(),
        response(200, OTHER_SUBJECT),
        Some(&secret(false)),
    );
    let written = serde_json::to_value(&step.effects).expect("effects");
    assert_eq!(written[0]["type"], "keepSecret");
    assert_eq!(written[0]["durable"], true);
    assert_eq!(written[1], json!({"type": "notify", "notice": "held"}));
}

// --- records as stored -----------------------------------------------------------------

/// A record exactly as the previous release wrote it (`git show HEAD~1:…/machine.rs`): every
/// field, `null` where unset, then `fields` over it.
fn stored_by_previous_release(state: &str, issued: &str, fields: Value) -> Value {
    let mut record = json!({
        "fingerprint": "AA",
        "label": "受付PC",
        "state": state,
        "issued": issued,
        "current": serde_json::to_value(current()).expect("certificate"),
        "apiUrl": API,
        "downloadHosts": [],
        "folder": FOLDER,
        "attempt": 1,
        "downloadAttempt": 0,
        "saveAttempt": 0,
        "startedAt": NOW - DAY_MS,
        "updatedAt": NOW - 60_000,
        "uri": null,
        "nextAttemptAt": null,
        "error": null,
        "renewed": null,
        "files": {"password": null, "p12": null},
        "pickerTabId": null,
        "remindedAt": null,
        "automatic": false,
    });
    for (key, value) in fields.as_object().expect("fields").clone() {
        record[key] = value;
    }
    record
}

fn renewed_json() -> Value {
    serde_json::to_value(renewed_of(&verified())).expect("renewed")
}

fn decode(value: Value) -> RenewalRecord {
    serde_json::from_value(value.clone()).unwrap_or_else(|err| panic!("{err}: {value}"))
}

/// A stored record, read and handed to a new worker.
fn resumed(value: Value, secret: Option<&Secret>) -> (RenewalRecord, Step) {
    let record = decode(value);
    let step = on(record.clone(), Event::from(Timer::WorkerStarted), secret);
    (record, step)
}

#[test]
fn records_written_by_the_previous_release_before_the_answer_resume() {
    // Probing: the probe again.
    let (record, step) = resumed(stored_by_previous_release("probing", "no", json!({})), None);
    assert_eq!(record.stage, Stage::Probing { attempt: 1 });
    assert_eq!(
        requests(&step),
        [("GET", "https://auth.cmo.orcamo.jp/".to_owned())]
    );
    assert_eq!(record.started_at, NOW - DAY_MS);
    // Requesting: the POST may have gone; uncertain, never a second POST.
    let (record, step) = resumed(
        stored_by_previous_release("requesting", "maybe", json!({"attempt": 2})),
        None,
    );
    assert_eq!(record.stage, Stage::Requesting { attempt: 2 });
    assert_eq!(posts(&step), 0);
    assert_eq!(state(&step.record), "uncertain");
    assert_eq!(code(&step.record), Some(Code::Interrupted));
    // Waiting: its timer, its reason and its picker tab.
    let (record, step) = resumed(
        stored_by_previous_release(
            "waiting",
            "no",
            json!({
                "attempt": 2,
                "nextAttemptAt": NOW + 60_000,
                "error": {"code": "connection_failed", "status": null},
                "pickerTabId": 7,
            }),
        ),
        None,
    );
    assert_eq!(
        record.stage,
        Stage::Waiting {
            attempt: 2,
            retry_at: NOW + 60_000,
            reason: Failure::new(Code::ConnectionFailed, None),
            picker_tab: Some(7)
        }
    );
    assert_eq!(step.effects, [Effect::Wake { at: NOW + 60_000 }]);
    assert_eq!(
        view(&record).actions,
        [Action::PickCertificate, Action::RetryNow]
    );
}

#[test]
fn records_written_by_the_previous_release_after_the_answer_resume() {
    let answered = |fields: Value| {
        let mut all = json!({"uri": URI, "downloadAttempt": 2});
        for (key, value) in fields.as_object().expect("fields").clone() {
            all[key] = value;
        }
        stored_by_previous_release("answered", "yes", all)
    };
    // A GET in flight: the GET again, counted on.
    let (record, step) = resumed(answered(json!({})), Some(&secret(false)));
    assert_eq!(
        record.stage,
        Stage::Downloading {
            uri: URI.into(),
            attempt: 2,
            retry: None
        }
    );
    assert_eq!(requests(&step), [("GET", URI.to_owned())]);
    assert_eq!(posts(&step), 0);
    assert_eq!(download_attempt(&step.record), 3);
    // A GET due later: its timer; due already: the GET.
    let failure = json!({"code": "download_failed", "status": 503});
    let later = answered(json!({"nextAttemptAt": NOW + 60_000, "error": failure}));
    let (record, step) = resumed(later, Some(&secret(false)));
    assert_eq!(
        record.stage,
        Stage::Downloading {
            uri: URI.into(),
            attempt: 2,
            retry: Some(Retry {
                at: NOW + 60_000,
                reason: Failure::new(Code::DownloadFailed, Some(503))
            })
        }
    );
    assert_eq!(step.effects, [Effect::Wake { at: NOW + 60_000 }]);
    let due = answered(json!({"nextAttemptAt": NOW - 1, "error": failure}));
    let (_, step) = resumed(due, Some(&secret(false)));
    assert_eq!(requests(&step), [("GET", URI.to_owned())]);
    // An error without a timer: stuck, for the user (as the previous release did).
    for (error, status) in [
        ("download_gone", Some(404)),
        ("renewed_unreadable", Some(200)),
        ("download_failed", Some(503)),
    ] {
        let stuck = answered(json!({"error": {"code": error, "status": status}}));
        let (record, step) = resumed(stuck, Some(&secret(false)));
        assert_eq!(
            record.stage,
            Stage::DownloadStuck {
                uri: URI.into(),
                attempt: 2,
                reason: Failure::new(Code::parse(error).expect("code"), status)
            }
        );
        assert_eq!(step.effects, [], "{error}: the user decides");
        let again = on(record, Event::from(Command::RetryNow), Some(&secret(false)));
        assert_eq!(requests(&again), [("GET", URI.to_owned())]);
    }
    // Without its secret (a record of a release that kept none): said, not hidden.
    let (_, step) = resumed(answered(json!({})), None);
    assert_eq!(code(&step.record), Some(Code::SecretLost));
}

#[test]
fn records_written_by_the_previous_release_while_saving_resume() {
    let renewed = renewed_of(&verified());
    let saving = |state: &str, fields: Value| {
        let mut all = json!({"uri": URI, "renewed": renewed_json(), "downloadAttempt": 1});
        for (key, value) in fields.as_object().expect("fields").clone() {
            all[key] = value;
        }
        stored_by_previous_release(state, "yes", all)
    };
    // Verified: the password file first, under the names fixed then.
    let (record, step) = resumed(saving("verified", json!({})), Some(&secret(true)));
    assert_eq!(
        record.stage,
        Stage::Saving {
            renewed: renewed.clone(),
            password_file: None,
            attempt: 0,
            stuck: false,
            outcome: CompanionOutcome::default()
        }
    );
    assert_eq!(
        step.effects,
        [Effect::SavePassword {
            path: format!("{FOLDER}/{}", renewed.names.password),
            p12_name: renewed.names.p12.clone()
        }]
    );
    // Verified, its save failed three times: the user decides; 再試行 saves it.
    let failed_save = saving(
        "verified",
        json!({"saveAttempt": 3, "error": {"code": "save_failed", "status": null}}),
    );
    let (record, step) = resumed(failed_save, Some(&secret(true)));
    assert_eq!(
        record.stage,
        Stage::Saving {
            renewed: renewed.clone(),
            password_file: None,
            attempt: 3,
            stuck: true,
            outcome: CompanionOutcome::default()
        }
    );
    assert_eq!(step.effects, []);
    let again = on(record, Event::from(Command::RetryNow), Some(&secret(true)));
    assert!(matches!(again.effects[..], [Effect::SavePassword { .. }]));
    // PasswordSaved: the .p12.
    let password_saved = saving(
        "passwordSaved",
        json!({"files": {"password": "/d/p.txt", "p12": null}}),
    );
    let (record, step) = resumed(password_saved, Some(&secret(true)));
    assert!(matches!(
        &record.stage,
        Stage::Saving { password_file: Some(path), stuck: false, .. } if path == "/d/p.txt"
    ));
    assert_eq!(
        step.effects,
        [Effect::SaveP12 {
            path: format!("{FOLDER}/{}", renewed.names.p12)
        }]
    );
    // FilesSaved: register, the password moved out of durable storage.
    let files_saved = saving(
        "filesSaved",
        json!({"files": {"password": "/d/p.txt", "p12": "/d/c.p12"}}),
    );
    let (record, step) = resumed(files_saved, Some(&secret(true)));
    let files = Files {
        password: "/d/p.txt".into(),
        p12: "/d/c.p12".into(),
    };
    assert_eq!(
        record.stage,
        Stage::Registering {
            renewed: renewed.clone(),
            copies: Copies::Downloads {
                files: files.clone(),
                outcome: CompanionOutcome::default()
            }
        }
    );
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
            }
        ]
    );
}

#[test]
fn records_written_by_the_previous_release_once_saved_or_stopped_resume() {
    let files = json!({"password": "/d/p.txt", "p12": "/d/c.p12"});
    let saved_json = |state: &str, reminded: Value| {
        stored_by_previous_release(
            state,
            "yes",
            json!({"renewed": renewed_json(), "files": files, "remindedAt": reminded}),
        )
    };
    // Saved: the guide, the daily reminder from when it was last given.
    let (record, step) = resumed(saved_json("saved", json!(NOW - 3_600_000)), None);
    assert!(matches!(
        record.stage,
        Stage::AwaitingImport {
            backed_up: false,
            reminded_at,
            ..
        } if reminded_at == NOW - 3_600_000
    ));
    assert_eq!(step.effects, []);
    let tick = advance(record, Event::from(Timer::Tick), None, NOW + DAY_MS, 0.0);
    assert_eq!(notices(&tick), [Notice::AwaitingImport]);
    // Saved without a reminder time (never written back then): from its last change.
    let (record, _) = resumed(saved_json("saved", Value::Null), None);
    assert!(matches!(
        record.stage,
        Stage::AwaitingImport { reminded_at, .. } if reminded_at == NOW - 60_000
    ));
    // Backed up, done: nothing to redo; a leftover secret is wiped.
    let (record, step) = resumed(saved_json("backedUp", json!(NOW)), Some(&secret(false)));
    assert!(matches!(
        record.stage,
        Stage::AwaitingImport {
            backed_up: true,
            ..
        }
    ));
    assert_eq!(step.effects, [Effect::WipeSecret]);
    let (record, step) = resumed(saved_json("done", Value::Null), None);
    assert_eq!(state(&record), "done");
    assert_eq!(step.effects, []);
    assert!(start(Some(&record), request(false), NOW).is_ok());

    // Uncertain: only the user, confirmed, goes on.
    let (record, step) = resumed(
        stored_by_previous_release(
            "uncertain",
            "maybe",
            json!({"error": {"code": "interrupted", "status": null}, "pickerTabId": 4}),
        ),
        None,
    );
    assert_eq!(
        record.stage,
        Stage::Uncertain {
            reason: Failure::new(Code::Interrupted, None),
            picker_tab: Some(4)
        }
    );
    assert_eq!(step.effects, []);
    assert_eq!(
        start(Some(&record), request(false), NOW).err(),
        Some(Code::RenewalNeedsConfirmation)
    );
    // Failed after the answer (the previous release failed a file that was not ours, with
    // its uri and all): a certificate exists, a new one needs the confirmation.
    let (record, step) = resumed(
        stored_by_previous_release(
            "failed",
            "yes",
            json!({"uri": URI, "downloadAttempt": 1,
                   "error": {"code": "renewed_other_issuer", "status": null}}),
        ),
        Some(&secret(false)),
    );
    assert_eq!(
        record.stage,
        Stage::Failed {
            reason: Failure::new(Code::RenewedOtherIssuer, None),
            issued: true,
            picker_tab: None
        }
    );
    assert_eq!(step.effects, [Effect::WipeSecret]);
    assert_eq!(
        start(Some(&record), request(false), NOW).err(),
        Some(Code::RenewalNeedsConfirmation)
    );
    // Failed before anything was issued: a plain start.
    let (record, step) = resumed(
        stored_by_previous_release(
            "failed",
            "no",
            json!({"error": {"code": "not_permitted", "status": 403}}),
        ),
        None,
    );
    assert_eq!(
        record.stage,
        Stage::Failed {
            reason: Failure::new(Code::NotPermitted, Some(403)),
            issued: false,
            picker_tab: None
        }
    );
    assert_eq!(step.effects, []);
    assert!(start(Some(&record), request(false), NOW).is_ok());
}

#[test]
fn an_inconsistent_stored_record_fails_to_decode_rather_than_being_guessed_at() {
    let renewed = renewed_json();
    let files = json!({"password": "/d/p.txt", "p12": "/d/c.p12"});
    let error = json!({"code": "timeout", "status": null});
    for (state, issued, fields) in [
        ("answered", "yes", json!({})),
        (
            "answered",
            "yes",
            json!({"error": error, "nextAttemptAt": NOW}),
        ),
        ("verified", "yes", json!({"uri": URI})),
        ("passwordSaved", "yes", json!({"renewed": renewed})),
        ("filesSaved", "yes", json!({"renewed": renewed})),
        (
            "filesSaved",
            "yes",
            json!({"renewed": renewed, "files": {"password": "/d/p.txt", "p12": null}}),
        ),
        ("saved", "yes", json!({"renewed": renewed})),
        ("saved", "yes", json!({"files": files})),
        ("backedUp", "yes", json!({"files": files})),
        ("done", "yes", json!({"renewed": renewed})),
        ("uncertain", "maybe", json!({})),
        ("failed", "yes", json!({})),
        ("held", "yes", json!({})),
        ("exploded", "no", json!({})),
        ("probing", "perhaps", json!({})),
        (
            "failed",
            "no",
            json!({"error": {"code": "made_up", "status": null}}),
        ),
    ] {
        let value = stored_by_previous_release(state, issued, fields);
        assert!(
            serde_json::from_value::<RenewalRecord>(value.clone()).is_err(),
            "decoded: {value}"
        );
    }
    // A field every release wrote is required.
    let mut value = stored_by_previous_release("probing", "no", json!({}));
    value.as_object_mut().expect("object").remove("attempt");
    assert!(serde_json::from_value::<RenewalRecord>(value).is_err());
}

#[test]
fn every_stage_is_written_in_the_flat_shape_and_reads_back_equal() {
    let mut picked = uncertain();
    if let Stage::Uncertain { picker_tab, .. } = &mut picked.stage {
        *picker_tab = Some(5);
    }
    let mut automatic = saved();
    automatic.automatic = true;
    let huge = on(answered(), too_large(), Some(&secret(false))).record;
    let records = [
        started(),
        requesting(),
        waiting(),
        on(
            waiting(),
            Event::from(Command::PickerOpened { tab_id: 2 }),
            None,
        )
        .record,
        answered(),
        download_retry(),
        download_stuck(),
        verified(),
        password_saved(),
        save_stuck(),
        files_saved(),
        saved(),
        automatic,
        backed_up(),
        done(),
        held(),
        held_exported(),
        huge,
        picked,
        on(requesting(), response(403, b""), None).record,
        on(held(), Event::from(Command::DiscardHeld), None).record,
    ];
    for record in records {
        let written = serde_json::to_value(&record).expect("written");
        assert_eq!(written["state"], state(&record));
        let issued = match record.stage.issued() {
            Some(true) => "yes",
            Some(false) => "no",
            None => "maybe",
        };
        assert_eq!(written["issued"], issued);
        assert_eq!(
            written["error"],
            serde_json::to_value(record.stage.reason()).expect("error")
        );
        let read: RenewalRecord = serde_json::from_value(written.clone())
            .unwrap_or_else(|err| panic!("{err}: {written}"));
        assert_eq!(read, record, "{written}");
    }
    // Every field the previous release required is written, whatever the stage.
    let written = serde_json::to_value(held()).expect("written");
    for field in [
        "fingerprint",
        "label",
        "state",
        "issued",
        "current",
        "apiUrl",
        "folder",
        "attempt",
        "startedAt",
        "updatedAt",
    ] {
        assert!(written.get(field).is_some(), "{field}");
    }
    let written = serde_json::to_value(answered()).expect("written");
    assert_eq!(written["uri"], URI);
    assert_eq!(written["downloadAttempt"], 1);
}

// --- what the screens show ---------------------------------------------------------------

#[test]
fn each_card_offers_what_its_stage_allows() {
    use Action as A;
    let cases: Vec<(RenewalRecord, Card, Vec<Action>)> = vec![
        (started(), Card::Progress, vec![]),
        (requesting(), Card::Progress, vec![]),
        // A connection failure: perhaps Chrome needs its certificate picker.
        (
            waiting(),
            Card::Waiting,
            vec![A::PickCertificate, A::RetryNow],
        ),
        (
            on(requesting(), response(503, b""), None).record,
            Card::Waiting,
            vec![A::RetryNow],
        ),
        (answered(), Card::Progress, vec![]),
        (
            download_retry(),
            Card::DownloadRetry,
            vec![A::DownloadAgain],
        ),
        (
            download_stuck(),
            Card::DownloadStuck,
            vec![A::DownloadAgain, A::RenewConfirmed],
        ),
        (verified(), Card::Progress, vec![]),
        (
            save_stuck(),
            Card::SaveStuck,
            vec![A::SaveAgain, A::RevealPassword],
        ),
        (files_saved(), Card::Progress, vec![]),
        (
            saved(),
            Card::Guide,
            vec![A::RevealPassword, A::ConfirmBackup, A::ConfirmImport],
        ),
        (backed_up(), Card::Guide, vec![A::ConfirmImport]),
        (done(), Card::Done, vec![]),
        (held(), Card::Held, vec![A::ExportHeld, A::DiscardHeld]),
        (
            held_exported(),
            Card::Held,
            vec![A::DiscardHeld, A::RenewConfirmed],
        ),
        (uncertain(), Card::Uncertain, vec![A::RenewConfirmed]),
        (
            on(requesting(), response(200, b"not json"), None).record,
            Card::Failed,
            vec![A::RenewConfirmed],
        ),
        (
            on(requesting(), response(403, b""), None).record,
            Card::Failed,
            vec![A::RenewAgain],
        ),
        (
            on(
                start(None, automatic_request(), NOW)
                    .expect("starts")
                    .record,
                Event::from(Outcome::NetworkFailed { timeout: false }),
                None,
            )
            .record,
            Card::Failed,
            vec![A::PickCertificate, A::RenewAgain],
        ),
    ];
    for (record, card, actions) in cases {
        let shown = view(&record);
        assert_eq!(
            (shown.card, shown.actions),
            (card, actions),
            "{:?}",
            record.stage
        );
        assert_eq!(shown.stage, record.stage.name());
        assert_eq!(shown.busy, record.stage.is_busy());
        assert_eq!(shown.error, record.stage.reason());
        assert_eq!(shown.fingerprint, "AA");
    }
}

#[test]
fn the_screens_are_told_when_the_password_may_be_shown_and_what_to_guide() {
    let shown = |record: &RenewalRecord| view(record).shows_password;
    assert!(!shown(&requesting()) && !shown(&answered()));
    assert!(shown(&verified()) && shown(&password_saved()) && shown(&save_stuck()));
    assert!(!shown(&files_saved()));
    assert!(shown(&saved()) && !shown(&backed_up()) && !shown(&done()));
    assert!(!shown(&held()) && !shown(&held_exported()));

    let saved = view(&saved());
    assert!(saved.awaits_import && !saved.busy);
    let guide = saved.guide.expect("guide");
    assert_eq!(
        (
            guide.names.p12.as_str(),
            guide.names.password.as_str(),
            guide.names.folder.as_str()
        ),
        ("c.p12", "p.txt", "d")
    );
    assert!(!guide.backed_up);
    assert_eq!(
        guide.not_after,
        renewed_of(&verified()).certificate.not_after
    );
    assert!(view(&backed_up()).guide.expect("guide").backed_up);

    let retry = view(&download_retry());
    assert_eq!(retry.retry_at, Some(NOW + 30_000));
    assert_eq!(retry.attempt, 1);
    assert_eq!(view(&waiting()).retry_at, Some(NOW + 30_000));

    // The administrator sees both issuers and, once exported, where the files are.
    let held = view(&held()).held.expect("held");
    assert_eq!(held.current_issuer, current().issuer);
    assert!(held.received_issuer.is_some());
    assert_eq!(held.exported, None);
    let exported = view(&held_exported()).held.expect("held");
    assert_eq!(
        exported.exported.map(|files| files.password),
        Some("/d/管理者確認用/p.txt".to_owned())
    );
    assert!(!view(&held_exported()).busy);
}

#[test]
fn a_start_cut_short_before_its_wipe_leaves_no_secret_behind() {
    // A confirmed start over a stuck download or an exported held certificate wipes its
    // secret after the new record is stored: a worker stopped in between resumes the probe
    // and wipes what was left (found by the fuzz target's invariant (e)).
    for record in [download_stuck(), held_exported()] {
        let restart = start(Some(&record), request(true), NOW).expect("confirmed");
        assert_eq!(restart.effects[0], Effect::WipeSecret);
        let step = on(
            restart.record,
            Event::from(Timer::WorkerStarted),
            Some(&secret(true)),
        );
        assert_eq!(step.effects[0], Effect::WipeSecret);
        assert_eq!(
            requests(&step),
            [("GET", "https://auth.cmo.orcamo.jp/".to_owned())]
        );
        assert_eq!(posts(&step), 0);
    }
    assert_eq!(
        on(started(), Event::from(Timer::WorkerStarted), None)
            .effects
            .len(),
        1,
        "nothing left: the probe alone"
    );
}

#[test]
fn a_held_renewal_keeps_its_certificate_until_exported_and_an_export_without_its_secret_says_so() {
    let record = held();
    assert_eq!(removal_refused(Some(&record)), Some(Code::RenewalHeld));
    assert_eq!(
        removal_refused(Some(&held_exported())),
        None,
        "once exported, the files are the administrator's"
    );
    let step = on(record, Event::from(Command::ExportHeld), None);
    assert!(matches!(
        step.record.stage,
        Stage::Failed {
            issued: true,
            reason: Failure {
                code: Code::SecretLost,
                ..
            },
            ..
        }
    ));
    assert!(notices(&step).contains(&Notice::Failed));
}

// --- with the companion ------------------------------------------------------------------

/// An answered renewal under a policy that uses the companion (`import`: it imports too).
fn answered_under_companion(import: bool) -> RenewalRecord {
    let mut record = answered();
    record.companion = Some(CompanionPlan { import });
    record
}

/// The verified download of [`answered_under_companion`].
fn verified_under_companion(import: bool) -> Step {
    on(
        answered_under_companion(import),
        response(200, RENEWED),
        Some(&secret(false)),
    )
}

fn companion_effects(step: &Step) -> Vec<&Effect> {
    step.effects
        .iter()
        .filter(|e| {
            matches!(
                e,
                Effect::CompanionImport { .. } | Effect::CompanionBackup { .. }
            )
        })
        .collect()
}

fn saves(step: &Step) -> bool {
    step.effects
        .iter()
        .any(|e| matches!(e, Effect::SavePassword { .. } | Effect::SaveP12 { .. }))
}

/// Whether the step lets the secret go, or keeps it only in memory.
fn lets_secret_go(step: &Step) -> bool {
    step.effects.iter().any(|e| {
        matches!(
            e,
            Effect::WipeSecret | Effect::KeepSecret { durable: false, .. }
        )
    })
}

const BACKUP_P12: &str = "/srv/nas/受付PC/c.p12";
const BACKUP_PASSWORD: &str = "/srv/nas/受付PC/c_password.txt";

fn backed_up_by_companion() -> Event {
    Event::from(Outcome::CompanionBackedUp {
        path: BACKUP_P12.into(),
        password_path: Some(BACKUP_PASSWORD.into()),
    })
}

/// Runs `events` from `step` with the kept file, stopping at the first save.
fn through(mut step: Step, events: Vec<Event>) -> Step {
    for event in events {
        assert!(!saves(&step), "saved before the companion answered");
        assert!(
            !lets_secret_go(&step),
            "the secret went before anything was kept"
        );
        step = on(step.record, event, Some(&secret(true)));
    }
    step
}

/// Saves both files and registers: what is left once the companion could not do all.
fn saved_and_registered(step: Step) -> Step {
    assert_eq!(state(&step.record), "verified", "{:?}", step.record.stage);
    assert!(matches!(step.effects[..], [Effect::SavePassword { .. }]));
    assert!(step.record.stage.keeps_durable_secret());
    let step = file_saved(step.record, "/d/p.txt");
    let step = file_saved(step.record, "/d/c.p12");
    assert_eq!(state(&step.record), "filesSaved");
    on(
        step.record,
        Event::from(Outcome::Registered),
        Some(&secret(false)),
    )
}

#[test]
fn imported_and_backed_up_by_the_companion_nothing_goes_to_downloads_and_the_secret_goes() {
    let step = verified_under_companion(true);
    assert_eq!(state(&step.record), "importing", "stored before it starts");
    assert!(step.record.stage.keeps_durable_secret());
    let fingerprint = renewed_of(&verified()).certificate.sha256_fingerprint;
    assert!(matches!(
        step.effects[..],
        [
            Effect::KeepSecret { durable: true, .. },
            Effect::CompanionImport { .. }
        ]
    ));
    assert_eq!(
        companion_effects(&step),
        [&Effect::CompanionImport {
            fingerprint: fingerprint.clone()
        }]
    );
    assert!(
        !saves(&step),
        "nothing saved in Downloads before the companion"
    );
    let step = on(
        step.record,
        Event::from(Outcome::CompanionImported),
        Some(&secret(true)),
    );
    assert_eq!(state(&step.record), "backingUp");
    assert!(step.record.stage.keeps_durable_secret());
    assert_eq!(
        step.effects,
        [Effect::CompanionBackup { fingerprint }],
        "only the fingerprint: the companion names the files and knows its folder"
    );
    let step = on(step.record, backed_up_by_companion(), Some(&secret(true)));
    assert_eq!(state(&step.record), "filesSaved", "registering, as stored");
    assert!(matches!(step.effects[..], [Effect::Register { .. }]));
    assert!(
        matches!(&step.record.stage, Stage::Registering { copies: Copies::Companion { backup }, .. }
            if backup.p12 == BACKUP_P12 && backup.password == BACKUP_PASSWORD)
    );
    let step = on(
        step.record,
        Event::from(Outcome::Registered),
        Some(&secret(true)),
    );
    assert_eq!(state(&step.record), "done");
    assert_eq!(
        step.effects,
        [
            Effect::WipeSecret,
            Effect::Notify {
                notice: Notice::RenewedAndImported
            }
        ],
        "registered: the file and its password leave the extension"
    );
    let shown = view(&step.record);
    assert_eq!(shown.card, Card::Imported);
    assert_eq!(shown.actions, [], "no backup or import reminder");
    assert!(!shown.awaits_import && !shown.shows_password && shown.listed);
    let imported = shown.imported.expect("what the companion did");
    assert_eq!(imported.backup.as_deref(), Some(BACKUP_P12));
    assert_eq!(imported.backup_refused, None);
    assert_eq!(imported.saved, None, "nothing was written to Downloads");
}

#[test]
fn whatever_the_companion_could_not_do_the_files_go_to_downloads_with_the_reason_said_once() {
    use Code as C;
    let refused = |code| Event::from(Outcome::CompanionRefused { code });
    /// plan.import, the companion's answers, the stage after registering, the reason said,
    /// the backup on record.
    type Case = (
        bool,
        Vec<Event>,
        &'static str,
        Option<Code>,
        Option<&'static str>,
    );
    let cases: Vec<Case> = vec![
        (
            true,
            vec![
                refused(C::CompanionOriginNotAllowed),
                backed_up_by_companion(),
            ],
            "backedUp",
            Some(C::CompanionOriginNotAllowed),
            Some(BACKUP_P12),
        ),
        (
            true,
            vec![
                Event::from(Outcome::CompanionImported),
                refused(C::CompanionBackupFailed),
            ],
            "done",
            Some(C::CompanionBackupFailed),
            None,
        ),
        // No folder set is the administrator's choice: not said.
        (
            true,
            vec![
                Event::from(Outcome::CompanionImported),
                refused(C::CompanionBackupNotSet),
            ],
            "done",
            None,
            None,
        ),
        (
            false,
            vec![refused(C::CompanionBackupNotSet)],
            "saved",
            None,
            None,
        ),
        (
            true,
            vec![
                refused(C::CompanionNotRenewal),
                refused(C::CompanionBackupNotSet),
            ],
            "saved",
            Some(C::CompanionNotRenewal),
            None,
        ),
        // Not there at all: said once, the first reason.
        (
            true,
            vec![
                refused(C::CompanionNotInstalled),
                refused(C::CompanionNotInstalled),
            ],
            "saved",
            Some(C::CompanionNotInstalled),
            None,
        ),
        (
            false,
            vec![refused(C::CompanionTimedOut)],
            "saved",
            Some(C::CompanionTimedOut),
            None,
        ),
        // Backed up without an import: the files still go to the person who imports them.
        (
            false,
            vec![backed_up_by_companion()],
            "backedUp",
            None,
            Some(BACKUP_P12),
        ),
    ];
    for (import, events, after, said, backup) in cases {
        let label = format!("import {import}, {events:?}");
        let step = saved_and_registered(through(verified_under_companion(import), events));
        assert_eq!(state(&step.record), after, "{label}");
        let shown = view(&step.record);
        let (refusal, on_record) = match (&shown.guide, &shown.imported) {
            (Some(guide), None) => (guide.companion_refused, guide.backup.clone()),
            (None, Some(imported)) => {
                let saved = imported
                    .saved
                    .as_ref()
                    .expect("the files to keep are named");
                assert_eq!((saved.p12.as_str(), saved.folder.as_str()), ("c.p12", "d"));
                (imported.backup_refused, imported.backup.clone())
            }
            other => panic!("{label}: {other:?}"),
        };
        assert_eq!(refusal.map(|f| f.code), said, "{label}");
        assert_eq!(on_record.as_deref(), backup, "{label}");
    }
}

#[test]
fn a_worker_stopped_while_the_companion_works_asks_it_again_and_never_posts() {
    let importing = verified_under_companion(true).record;
    let again = on(
        importing.clone(),
        Event::from(Timer::WorkerStarted),
        Some(&secret(true)),
    );
    assert_eq!(state(&again.record), "importing");
    assert_eq!(
        companion_effects(&again).len(),
        1,
        "the same import: one copy"
    );
    assert_eq!(posts(&again), 0);
    let backing_up = on(
        importing,
        Event::from(Outcome::CompanionImported),
        Some(&secret(true)),
    )
    .record;
    let again = on(
        backing_up.clone(),
        Event::from(Timer::WorkerStarted),
        Some(&secret(true)),
    );
    assert_eq!(state(&again.record), "backingUp");
    assert!(matches!(
        companion_effects(&again)[..],
        [Effect::CompanionBackup { .. }]
    ));
    assert!(!lets_secret_go(&again));
    let registering = on(backing_up, backed_up_by_companion(), Some(&secret(true))).record;
    let again = on(
        registering.clone(),
        Event::from(Timer::WorkerStarted),
        Some(&secret(true)),
    );
    assert!(
        matches!(again.effects[..], [Effect::Register { .. }]),
        "registered again, the secret kept until then: {:?}",
        again.effects
    );
    let done = on(
        registering.clone(),
        Event::from(Outcome::Registered),
        Some(&secret(true)),
    )
    .record;
    // Each stage as stored reads back as it was.
    for record in [
        verified_under_companion(true).record,
        verified_under_companion(false).record,
        on(
            verified_under_companion(true).record,
            Event::from(Outcome::CompanionImported),
            Some(&secret(true)),
        )
        .record,
        registering,
        done,
    ] {
        let stored = serde_json::to_value(&record).expect("stored");
        assert_eq!(decode(stored), record);
    }
    // The secret lost meanwhile: said, never a save of nothing.
    let lost = on(
        verified_under_companion(true).record,
        Event::from(Timer::WorkerStarted),
        None,
    );
    assert_eq!(state(&lost.record), "failed");
}

#[test]
fn a_record_of_the_release_before_with_a_backup_folder_still_loads_and_resumes() {
    let plan = json!({"import": true, "backupFolder": "/srv/nas/受付PC"});
    let files = json!({"password": "/d/p.txt", "p12": "/d/c.p12"});
    // Importing, as the release before stored it (both files saved first).
    let (record, step) = resumed(
        stored_by_previous_release(
            "importing",
            "yes",
            json!({"renewed": renewed_json(), "files": files, "companion": plan}),
        ),
        Some(&secret(true)),
    );
    assert_eq!(record.companion, Some(CompanionPlan { import: true }));
    assert_eq!(state(&record), "importing");
    assert!(matches!(step.effects[..], [Effect::CompanionImport { .. }]));
    // Backing up after an import.
    let (record, step) = resumed(
        stored_by_previous_release(
            "backingUp",
            "yes",
            json!({"renewed": renewed_json(), "files": files, "companion": plan, "imported": true}),
        ),
        Some(&secret(true)),
    );
    assert!(matches!(
        record.stage,
        Stage::BackingUp {
            imported: true,
            refused: None,
            ..
        }
    ));
    assert!(matches!(step.effects[..], [Effect::CompanionBackup { .. }]));
    // Done: imported, backed up, with the files it saved in Downloads.
    let done = decode(stored_by_previous_release(
        "done",
        "yes",
        json!({"renewed": renewed_json(), "files": files, "companion": plan,
               "imported": true, "backupPath": "/srv/nas/受付PC/c.p12"}),
    ));
    let imported = view(&done).imported.expect("imported");
    assert_eq!(imported.backup.as_deref(), Some("/srv/nas/受付PC/c.p12"));
    assert!(imported.saved.is_some());
}

/// `CompanionPlan` as the release before declared it (`git show HEAD~3:crate/src/renewal/record.rs`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct PlanOfTheReleaseBefore {
    #[serde(default)]
    import: bool,
    #[serde(default)]
    backup_folder: Option<String>,
}

#[test]
fn a_record_written_now_reads_in_the_release_before() {
    let registering = on(
        on(
            verified_under_companion(true).record,
            Event::from(Outcome::CompanionImported),
            Some(&secret(true)),
        )
        .record,
        backed_up_by_companion(),
        Some(&secret(true)),
    )
    .record;
    let done = on(
        registering,
        Event::from(Outcome::Registered),
        Some(&secret(true)),
    )
    .record;
    let stored = serde_json::to_value(&done).expect("stored");
    let plan: PlanOfTheReleaseBefore =
        serde_json::from_value(stored["companion"].clone()).expect("the plan reads");
    assert!(plan.import && plan.backup_folder.is_none());
    // Its `done` needs both files and says imported: the backup copies stand for them.
    assert_eq!(stored["state"], "done");
    assert_eq!(stored["files"]["p12"], BACKUP_P12);
    assert_eq!(stored["files"]["password"], BACKUP_PASSWORD);
    assert_eq!(stored["imported"], true);
    assert_eq!(stored["backupPath"], BACKUP_P12);
}

#[test]
fn the_terminal_status_says_what_was_done_with_a_renewal_and_why_one_stopped() {
    use crate::overview::Registration;
    use crate::renewal::terminal_status;
    let registration = |certificate: CertificateInfo| Registration {
        label: "受付PC".into(),
        file_name: None,
        registered_at: 0,
        certificate,
        found_in_store: true,
    };
    // Imported and backed up by the companion, then registered.
    let step = verified_under_companion(true);
    let step = on(
        step.record,
        Event::from(Outcome::CompanionImported),
        Some(&secret(true)),
    );
    let step = on(step.record, backed_up_by_companion(), Some(&secret(true)));
    let done = on(
        step.record,
        Event::from(Outcome::Registered),
        Some(&secret(true)),
    )
    .record;
    let renewed = renewed_of(&verified()).certificate;
    let status = terminal_status(
        &[registration(renewed.clone())],
        std::slice::from_ref(&done),
    );
    let renewal = status[0].renewal.as_ref().expect("came from a renewal");
    assert_eq!(renewal.stage, StageName::Done);
    assert_eq!(renewal.renewed_at, Some(done.updated_at));
    assert_eq!(renewal.imported_at, Some(done.updated_at));
    assert_eq!(renewal.backed_up_at, Some(done.updated_at));
    assert_eq!(status[0].serial, renewed.serial);

    // A renewal that stopped: the registration being renewed says why.
    let current = done.current.clone();
    let mut failed = done;
    failed.stage = Stage::Failed {
        reason: Failure::new(Code::ConnectionFailed, None),
        issued: false,
        picker_tab: None,
    };
    let status = terminal_status(&[registration(current)], &[failed]);
    let renewal = status[0].renewal.as_ref().expect("being renewed");
    assert_eq!(
        (renewal.stage, renewal.error_code, renewal.renewed_at),
        (StageName::Failed, Some(Code::ConnectionFailed), None)
    );
    // Nothing of a secret has a place in it.
    let json = serde_json::to_string(&status).expect("json");
    assert!(!json.contains(PASS));
}

#[test]
fn an_event_a_stage_does_not_take_is_said_aloud_and_changes_nothing() {
    // An outcome nobody asked for, and a command the stage does not accept.
    for (record, event, stage, kind) in [
        (
            done(),
            Event::from(Outcome::FileSaved { path: "x".into() }),
            StageName::Done,
            EventKind::FileSaved,
        ),
        (
            requesting(),
            Event::from(Command::RetryNow),
            StageName::Requesting,
            EventKind::RetryNow,
        ),
        (
            saved(),
            Event::from(Outcome::CompanionImported),
            StageName::Saved,
            EventKind::CompanionImported,
        ),
        (
            held(),
            Event::from(Command::ImportConfirmed),
            StageName::Held,
            EventKind::ImportConfirmed,
        ),
    ] {
        let step = on(record.clone(), event, Some(&secret(true)));
        assert_eq!(step.stray, Some(Stray { stage, event: kind }));
        assert_eq!(step.record, record);
        assert!(step.effects.is_empty());
    }
    // Timers are every stage's: never stray.
    for record in [
        done(),
        requesting(),
        saved(),
        held(),
        waiting(),
        uncertain(),
    ] {
        assert_eq!(on(record, Event::from(Timer::Tick), None).stray, None);
    }
    // What a stage waits for is taken.
    let answered = on(requesting(), response(200, &answer_body()), None);
    assert_eq!(answered.stray, None);
}
