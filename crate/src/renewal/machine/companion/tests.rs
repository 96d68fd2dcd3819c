//! The machine's tests for the companion's import and backup (`../companion.rs`).

use crate::renewal::effect::{Effect, Notice};
use crate::renewal::event::{Outcome, Timer};
use crate::renewal::stage::Copies;

use crate::renewal::machine::*;
use crate::renewal::view::{Card, view};

use crate::renewal::machine::tests::*;
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
