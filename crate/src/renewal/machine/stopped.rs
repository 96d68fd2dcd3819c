//! Stopped: after a POST whose answer never came (uncertain: a certificate may exist), or for
//! good (failed). Only the user, told so, starts again (through `start`).

use super::super::code::Code;
use super::super::effect::{Effect, Notice};
use super::super::event::{Command, Event, Timer};
use super::super::stage::{Failure, Stage};
use super::Machine;

impl Machine<'_> {
    pub(super) fn uncertain_stage(
        &mut self,
        reason: Failure,
        picker_tab: Option<i64>,
        event: Event,
    ) -> Stage {
        self.stopped(picker_tab, event, |picker_tab| Stage::Uncertain {
            reason,
            picker_tab,
        })
    }

    pub(super) fn failed_stage(
        &mut self,
        reason: Failure,
        issued: bool,
        picker_tab: Option<i64>,
        event: Event,
    ) -> Stage {
        self.stopped(picker_tab, event, |picker_tab| Stage::Failed {
            reason,
            issued,
            picker_tab,
        })
    }

    /// A stopped stage (`stage`, given its picker tab) stays stopped: it remembers the tab the
    /// user opens the certificate picker in (for the confirmed new start) and wipes a secret
    /// a stopped worker left; nothing else moves it.
    fn stopped(
        &mut self,
        picker_tab: Option<i64>,
        event: Event,
        stage: impl Fn(Option<i64>) -> Stage,
    ) -> Stage {
        match event {
            Event::Command(Command::PickerOpened { tab_id }) => stage(Some(tab_id)),
            Event::Timer(Timer::WorkerStarted) => {
                self.wipe_leftover_secret();
                stage(picker_tab)
            }
            Event::Timer(Timer::Tick) => stage(picker_tab),
            Event::Command(command) => self.stray(command, stage(picker_tab)),
            Event::Outcome(other) => self.stray(other, stage(picker_tab)),
        }
    }

    /// The POST may have issued: the secret goes (there is none yet), the user is told.
    pub(super) fn uncertain(&mut self, code: Code, status: Option<u16>) -> Stage {
        self.effects.push(Effect::WipeSecret);
        self.notify(Notice::Uncertain);
        Stage::Uncertain {
            reason: Failure::new(code, status),
            picker_tab: None,
        }
    }

    /// Stops. Reached after the answer only when nothing is kept that could be used (the
    /// answer itself unusable, the secret already gone): what is issued and usable is held.
    pub(super) fn fail(&mut self, code: Code, status: Option<u16>, issued: bool) -> Stage {
        self.effects.push(Effect::WipeSecret);
        self.notify(Notice::Failed);
        Stage::Failed {
            reason: Failure::new(code, status),
            issued,
            picker_tab: None,
        }
    }
}
