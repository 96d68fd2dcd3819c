//! The machine's tests for saving the files in Downloads (`../save.rs`).

use crate::renewal::effect::{Effect, Notice};
use crate::renewal::event::{Command, Outcome};

use crate::renewal::machine::*;

use crate::renewal::machine::tests::*;
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
