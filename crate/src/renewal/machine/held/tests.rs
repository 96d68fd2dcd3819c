//! The machine's tests for a certificate held for the administrator (`../held.rs`).

use crate::renewal::effect::{Effect, Notice};
use crate::renewal::event::{Command, Outcome, Timer};
use crate::renewal::stage::{ExportedFiles, Failure};

use crate::file_name::held_names;
use crate::renewal::fixtures::WITH_CHAIN as RENEWED;
use crate::renewal::machine::*;

use crate::renewal::machine::tests::*;
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
