//! The renewal machine's test kit: the fixtures, records at each stage and readers of a step
//! that every family's tests share (each family's tests are beside its file: `connect/tests.rs`,
//! …), and the tests that cross families: the whole path, every stage interrupted and resumed,
//! records written by the previous release, the wire shapes, what each card offers.

use serde_json::{Value, json};

use super::super::effect::{Effect, Notice, Step, Stray};
use super::super::event::{Command, EventKind, Outcome, Timer};
use super::super::record::Secret;
use super::super::stage::{CompanionOutcome, Copies, Failure, Files, Renewed, Retry};
use super::super::stored::StageName;
use super::step as advance;
use super::*;
use crate::jst::DAY_MS;
use crate::renewal::fixtures::{PASS, WITH_CHAIN as RENEWED, three_years_earlier};
use crate::renewal::view::{Action, Card, view};

pub(super) const NOW: i64 = 1_800_000_000_000;
pub(super) const API: &str = "https://auth.cmo.orcamo.jp/api/cert";
pub(super) const URI: &str = "https://files.cmo.orcamo.jp/f/abc.p12";
pub(super) const FOLDER: &str = "WebORCA証明書";
/// Another terminal's file (client3949) that opens with [`PASS`].
pub(super) const OTHER_SUBJECT: &[u8] = include_bytes!("../../../tests/fixtures/ec-p256.p12");
/// client3948's certificate without its key.
pub(super) const NO_KEY: &[u8] = include_bytes!("../../../tests/fixtures/cert-only.p12");

/// The certificate being renewed: the fixture's own, three years earlier.
pub(super) fn current() -> CertificateInfo {
    let mut old = three_years_earlier(RENEWED);
    old.sha256_fingerprint = "AA".into();
    old
}

pub(super) fn request(confirmed: bool) -> StartRequest {
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

pub(super) fn automatic_request() -> StartRequest {
    StartRequest {
        automatic: true,
        ..request(false)
    }
}

pub(super) fn started() -> RenewalRecord {
    start(None, request(false), NOW).expect("starts").record
}

pub(super) fn response(status: u16, body: &[u8]) -> Event {
    Event::from(Outcome::Response {
        status,
        redirected: false,
        body: body.to_vec(),
        too_large: false,
        retry_after: None,
    })
}

pub(super) fn too_large() -> Event {
    Event::from(Outcome::Response {
        status: 200,
        redirected: false,
        body: vec![],
        too_large: true,
        retry_after: None,
    })
}

/// What the worker reports when the browser was sent elsewhere (`redirect: "manual"`).
pub(super) fn redirected() -> Event {
    Event::from(Outcome::Response {
        status: 0,
        redirected: true,
        body: Vec::new(),
        too_large: false,
        retry_after: None,
    })
}

pub(super) fn answer_body() -> Vec<u8> {
    format!(r#"{{"uri":"{URI}","pass":"{PASS}"}}"#).into_bytes()
}

pub(super) fn secret(file: bool) -> Secret {
    Secret {
        pass: PASS.into(),
        file: file.then(|| RENEWED.to_vec()),
    }
}

pub(super) fn secret_with(file: &[u8]) -> Secret {
    Secret {
        pass: PASS.into(),
        file: Some(file.to_vec()),
    }
}

/// One step as the worker runs it: a `CheckSignatures` effect is performed at once (here with
/// the native verifier, in the worker with WebCrypto) and its answer fed back, so the two
/// steps read as one; `download/tests.rs` drives the check step by step.
pub(super) fn on(record: RenewalRecord, event: Event, secret: Option<&Secret>) -> Step {
    crate::renewal::fixtures::answer_signature_checks(advance(record, event, secret, NOW, 0.0), NOW)
}

pub(super) fn requests(step: &Step) -> Vec<(&'static str, String)> {
    step.effects
        .iter()
        .filter_map(|e| match e {
            Effect::Request { method, url, .. } => Some((wire_name(method), url.clone())),
            _ => None,
        })
        .collect()
}

pub(super) fn posts(step: &Step) -> usize {
    requests(step).iter().filter(|(m, _)| *m == "POST").count()
}

pub(super) fn wipes(step: &Step) -> bool {
    step.effects.contains(&Effect::WipeSecret)
}

pub(super) fn code(record: &RenewalRecord) -> Option<Code> {
    record.stage.reason().map(|reason| reason.code)
}

pub(super) fn state(record: &RenewalRecord) -> &'static str {
    wire_name(&record.stage.name())
}

/// A value's name on the wire, as the worker reads it.
pub(super) fn wire_name(value: &impl serde::Serialize) -> &'static str {
    let name = serde_json::to_value(value).expect("serialised");
    String::leak(name.as_str().expect("a name").to_owned())
}

pub(super) fn notices(step: &Step) -> Vec<Notice> {
    step.effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notify { notice } => Some(*notice),
            _ => None,
        })
        .collect()
}

/// When the stage goes on by itself, if it does.
pub(super) fn retry_at(record: &RenewalRecord) -> Option<i64> {
    match &record.stage {
        Stage::Waiting { retry_at, .. } => Some(*retry_at),
        Stage::Downloading { retry, .. } => retry.map(|retry| retry.at),
        _ => None,
    }
}

pub(super) fn download_attempt(record: &RenewalRecord) -> u32 {
    match &record.stage {
        Stage::Downloading { attempt, .. } | Stage::DownloadStuck { attempt, .. } => *attempt,
        other => panic!("not downloading: {other:?}"),
    }
}

pub(super) fn renewed_of(record: &RenewalRecord) -> Renewed {
    match &record.stage {
        Stage::Saving { renewed, .. }
        | Stage::Registering { renewed, .. }
        | Stage::AwaitingImport { renewed, .. }
        | Stage::Done { renewed, .. } => renewed.clone(),
        other => panic!("not verified: {other:?}"),
    }
}

/// Probing → Requesting: the record after the POST was asked for.
pub(super) fn requesting() -> RenewalRecord {
    on(started(), response(404, b""), None).record
}

pub(super) fn waiting() -> RenewalRecord {
    on(
        started(),
        Event::from(Outcome::NetworkFailed { timeout: false }),
        None,
    )
    .record
}

pub(super) fn answered() -> RenewalRecord {
    on(requesting(), response(200, &answer_body()), None).record
}

/// An answered renewal whose current certificate is changed by `change`.
pub(super) fn answered_for(change: impl FnOnce(&mut CertificateInfo)) -> RenewalRecord {
    let mut record = answered();
    change(&mut record.current);
    record
}

/// The file downloaded and kept, the issuer's signature asked of the worker.
pub(super) fn checking_signature() -> RenewalRecord {
    advance(
        answered(),
        response(200, RENEWED),
        Some(&secret(false)),
        NOW,
        0.0,
    )
    .record
}

pub(super) fn verified() -> RenewalRecord {
    on(answered(), response(200, RENEWED), Some(&secret(false))).record
}

/// The step once the file `record` was saving is on disk at `path`.
pub(super) fn file_saved(record: RenewalRecord, path: &str) -> Step {
    let event = Event::from(Outcome::FileSaved { path: path.into() });
    on(record, event, Some(&secret(true)))
}

pub(super) fn password_saved() -> RenewalRecord {
    file_saved(verified(), "/d/p.txt").record
}

pub(super) fn files_saved() -> RenewalRecord {
    file_saved(password_saved(), "/d/c.p12").record
}

pub(super) fn saved() -> RenewalRecord {
    on(
        files_saved(),
        Event::from(Outcome::Registered),
        Some(&secret(false)),
    )
    .record
}

pub(super) fn backed_up() -> RenewalRecord {
    on(
        saved(),
        Event::from(Command::BackupConfirmed),
        Some(&secret(false)),
    )
    .record
}

pub(super) fn done() -> RenewalRecord {
    on(backed_up(), Event::from(Command::ImportConfirmed), None).record
}

pub(super) fn uncertain() -> RenewalRecord {
    on(
        requesting(),
        Event::from(Outcome::NetworkFailed { timeout: true }),
        None,
    )
    .record
}

pub(super) fn download_retry() -> RenewalRecord {
    let step = on(answered(), response(503, b""), Some(&secret(false)));
    step.record
}

pub(super) fn download_stuck() -> RenewalRecord {
    on(answered(), response(404, b""), Some(&secret(false))).record
}

pub(super) fn save_stuck() -> RenewalRecord {
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
pub(super) fn held() -> RenewalRecord {
    on(
        answered(),
        response(200, OTHER_SUBJECT),
        Some(&secret(false)),
    )
    .record
}

pub(super) fn held_exported() -> RenewalRecord {
    let event = Event::from(Outcome::HeldExported {
        path: "/d/管理者確認用/p.txt".into(),
        p12_path: Some("/d/管理者確認用/c.p12".into()),
    });
    on(held(), event, Some(&secret_with(OTHER_SUBJECT))).record
}

/// The nss-pk12util fixture with its iteration counts (600,000) raised past the reader's cap.
pub(super) fn too_complex() -> Vec<u8> {
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
pub(super) fn client_key_hex() -> String {
    use der::{Decode, Encode};
    let (_, der) = crate::reader::read_with_certificate(RENEWED, Some(PASS)).expect("fixture");
    let certificate = x509_cert::Certificate::from_der(&der).expect("certificate");
    let spki = certificate
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .expect("spki");
    crate::certificate::hex(&spki)
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

/// A 503/429 to the POST as a fetch reports it, with its `Retry-After` header.
pub(super) fn busy(status: u16, retry_after: Option<&str>) -> Event {
    Event::from(Outcome::Response {
        status,
        redirected: false,
        body: b"busy".to_vec(),
        too_large: false,
        retry_after: retry_after.map(str::to_owned),
    })
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
    // Checking the signature: the check again, on the kept file.
    let step = advance(
        checking_signature(),
        Event::from(Timer::WorkerStarted),
        Some(&secret(true)),
        NOW,
        0.0,
    );
    assert!(matches!(step.effects[..], [Effect::CheckSignatures { .. }]));
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
        checking_signature(),
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
pub(super) fn stored_by_previous_release(state: &str, issued: &str, fields: Value) -> Value {
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

pub(super) fn renewed_json() -> Value {
    serde_json::to_value(renewed_of(&verified())).expect("renewed")
}

pub(super) fn decode(value: Value) -> RenewalRecord {
    serde_json::from_value(value.clone()).unwrap_or_else(|err| panic!("{err}: {value}"))
}

/// A stored record, read and handed to a new worker.
pub(super) fn resumed(value: Value, secret: Option<&Secret>) -> (RenewalRecord, Step) {
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
        checking_signature(),
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

// --- with the companion ------------------------------------------------------------------

/// An answered renewal under a policy that uses the companion (`import`: it imports too).
pub(super) fn answered_under_companion(import: bool) -> RenewalRecord {
    let mut record = answered();
    record.companion = Some(CompanionPlan { import });
    record
}

/// The verified download of [`answered_under_companion`].
pub(super) fn verified_under_companion(import: bool) -> Step {
    on(
        answered_under_companion(import),
        response(200, RENEWED),
        Some(&secret(false)),
    )
}

pub(super) fn companion_effects(step: &Step) -> Vec<&Effect> {
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

pub(super) fn saves(step: &Step) -> bool {
    step.effects
        .iter()
        .any(|e| matches!(e, Effect::SavePassword { .. } | Effect::SaveP12 { .. }))
}

/// Whether the step lets the secret go, or keeps it only in memory.
pub(super) fn lets_secret_go(step: &Step) -> bool {
    step.effects.iter().any(|e| {
        matches!(
            e,
            Effect::WipeSecret | Effect::KeepSecret { durable: false, .. }
        )
    })
}

pub(super) const BACKUP_P12: &str = "/srv/nas/受付PC/c.p12";
pub(super) const BACKUP_PASSWORD: &str = "/srv/nas/受付PC/c_password.txt";

pub(super) fn backed_up_by_companion() -> Event {
    Event::from(Outcome::CompanionBackedUp {
        path: BACKUP_P12.into(),
        password_path: Some(BACKUP_PASSWORD.into()),
    })
}

/// Runs `events` from `step` with the kept file, stopping at the first save.
pub(super) fn through(mut step: Step, events: Vec<Event>) -> Step {
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
pub(super) fn saved_and_registered(step: Step) -> Step {
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
