//! The machine's tests for probing, the one POST, waiting (`../connect.rs`).

use crate::renewal::effect::{Effect, Notice};
use crate::renewal::event::{Command, Outcome, Timer};
use crate::renewal::protocol::MAX_POSTS_WHEN_BUSY;
use crate::renewal::record::Secret;
use crate::renewal::stage::Failure;

use crate::renewal::machine::step as advance;
use crate::renewal::machine::*;

use crate::renewal::machine::tests::*;
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
