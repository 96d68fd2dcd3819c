//! The machine's tests for the file fetched with GETs, verified, or held (`../download.rs`).

use crate::renewal::effect::{Effect, Notice};
use crate::renewal::event::{Command, EventKind, Outcome, Timer};
use crate::renewal::record::Secret;
use crate::renewal::stage::{Failure, Retry};
use crate::renewal::stored::StageName;

use crate::jst::DAY_MS;
use crate::renewal::fixtures::WITH_CHAIN as RENEWED;
use crate::renewal::machine::step as advance;
use crate::renewal::machine::*;

use crate::renewal::machine::tests::*;
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

/// The checks a step asked the worker for.
fn signature_requests(step: &Step) -> Vec<crate::issuer::SignatureRequest> {
    step.effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::CheckSignatures { requests } => Some(requests.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

#[test]
fn the_issuer_s_signature_is_checked_by_the_worker_with_the_file_kept_meanwhile() {
    let step = advance(
        answered(),
        response(200, RENEWED),
        Some(&secret(false)),
        NOW,
        0.0,
    );
    assert_eq!(
        step.record.stage,
        Stage::CheckingSignature {
            uri: URI.into(),
            attempt: 1,
        }
    );
    // Kept (durably) before the worker checks, and nothing saved or registered yet.
    assert_eq!(
        step.effects[0],
        Effect::KeepSecret {
            secret: secret(true),
            durable: true,
        }
    );
    assert_eq!(step.effects.len(), 2, "{:?}", step.effects);
    // The file's own CA and the registered issuer key are the same key: asked once.
    let requests = signature_requests(&step);
    let issuer_key = current().issuer_key.expect("the registered CA key");
    assert_eq!(requests.len(), 1);
    assert_eq!(crate::certificate::hex(&requests[0].key), issuer_key);
    assert!(requests.iter().all(crate::issuer::native::verify));

    // The worker says valid: verified, and saving begins.
    let valid = Event::from(Outcome::SignaturesChecked { valid: vec![true] });
    let checked = advance(step.record.clone(), valid, Some(&secret(true)), NOW, 0.0);
    assert_eq!(checked.record.stage.name(), StageName::Verified);
    assert!(matches!(checked.effects[..], [Effect::SavePassword { .. }]));
    assert_eq!(checked.record.stage, verified().stage);

    // Invalid (WebCrypto refused the key, or another key signed it): held, file kept.
    let invalid = Event::from(Outcome::SignaturesChecked { valid: vec![false] });
    let refused = advance(step.record.clone(), invalid, Some(&secret(true)), NOW, 0.0);
    assert_eq!(code(&refused.record), Some(Code::RenewedBadSignature));
    assert_eq!(refused.record.stage.name(), StageName::Held);
    assert!(!wipes(&refused));
}

#[test]
fn a_signature_answer_that_does_not_fit_is_a_stray_and_a_lost_file_is_fetched_again() {
    let record = checking_signature();
    let two = Event::from(Outcome::SignaturesChecked {
        valid: vec![true, true],
    });
    let step = advance(record.clone(), two, Some(&secret(true)), NOW, 0.0);
    assert_eq!((&step.record, &step.effects[..]), (&record, &[][..]));
    assert_eq!(
        step.stray.map(|stray| stray.event),
        Some(EventKind::SignaturesChecked)
    );
    // The kept file is gone: the GET again (never the POST).
    let valid = Event::from(Outcome::SignaturesChecked { valid: vec![true] });
    let step = advance(record.clone(), valid, Some(&secret(false)), NOW, 0.0);
    assert_eq!(requests(&step), [("GET", URI.to_owned())]);
    // A check answered for a downloading stage is a stray too.
    let valid = Event::from(Outcome::SignaturesChecked { valid: vec![true] });
    let step = advance(answered(), valid, Some(&secret(false)), NOW, 0.0);
    assert!(step.stray.is_some());
}

#[test]
fn a_check_whose_answer_was_lost_is_asked_again_by_the_tick_the_user_or_a_new_worker() {
    let record = checking_signature();
    for event in [
        Event::from(Timer::Tick),
        Event::from(Command::RetryNow),
        Event::from(Timer::WorkerStarted),
    ] {
        let step = advance(record.clone(), event, Some(&secret(true)), NOW, 0.0);
        assert_eq!(step.record.stage, record.stage);
        assert!(
            matches!(step.effects[..], [Effect::CheckSignatures { .. }]),
            "{:?}",
            step.effects
        );
        assert_eq!(posts(&step), 0);
    }
}

#[test]
fn a_file_that_is_not_ours_by_its_names_is_held_without_waiting_for_a_check() {
    // The chain's CA is named as the issuer (a check would be asked), but the certificate
    // ends no later than the registered one: refused at once, never kept for a check.
    let mut record = answered();
    record.current.not_after += 1095 * DAY_MS;
    let step = advance(
        record,
        response(200, RENEWED),
        Some(&secret(false)),
        NOW,
        0.0,
    );
    assert_eq!(code(&step.record), Some(Code::RenewedNotLater));
    assert!(signature_requests(&step).is_empty());
}
