//! The machine's tests for registering, awaiting the import, done (`../finish.rs`).

use crate::renewal::effect::Notice;
use crate::renewal::event::{Command, Outcome, Timer};

use crate::jst::DAY_MS;
use crate::renewal::machine::step as advance;
use crate::renewal::machine::*;

use crate::renewal::machine::tests::*;
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
