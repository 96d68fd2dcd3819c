//! The companion (the native helper IT installs) takes the verified file first when the
//! policy uses it: it imports it into the computer's store (if asked), then backs it and its
//! password up where its administrator said. Whatever it could not do goes to Downloads, as
//! without it.

use super::super::code::Code;
use super::super::effect::Effect;
use super::super::event::{Command, Event, Outcome, Timer};
use super::super::stage::{CompanionOutcome, Copies, Failure, Files, Renewed, Stage};
use super::Machine;

impl Machine<'_> {
    pub(super) fn importing(&mut self, renewed: Renewed, event: Event) -> Stage {
        match event {
            Event::Outcome(Outcome::CompanionImported) => self.back_up(renewed, true, None),
            Event::Outcome(Outcome::CompanionRefused { code }) => {
                self.back_up(renewed, false, Some(Failure::new(code, None)))
            }
            // Importing the same file again leaves one copy: a stopped worker asks again.
            Event::Timer(Timer::WorkerStarted) | Event::Command(Command::RetryNow) => {
                self.import(renewed)
            }
            Event::Timer(Timer::Tick) => Stage::Importing { renewed },
            Event::Command(command) => self.stray(command, Stage::Importing { renewed }),
            Event::Outcome(other) => self.stray(other, Stage::Importing { renewed }),
        }
    }

    pub(super) fn backing_up(
        &mut self,
        renewed: Renewed,
        imported: bool,
        refused: Option<Failure>,
        event: Event,
    ) -> Stage {
        let stay = |renewed, refused| Stage::BackingUp {
            renewed,
            imported,
            refused,
        };
        match event {
            // Imported and backed up, both checked: nothing goes to Downloads. The secret
            // stays until the registration is replaced.
            Event::Outcome(Outcome::CompanionBackedUp {
                path,
                password_path: Some(password),
            }) if imported => {
                let backup = Files {
                    password,
                    p12: path,
                };
                self.register(renewed, Copies::Companion { backup })
            }
            // Backed up but not imported: the files go to Downloads for the person who
            // imports them, as without the companion.
            Event::Outcome(Outcome::CompanionBackedUp { path, .. }) => {
                let outcome = CompanionOutcome {
                    imported,
                    backup: Some(path),
                    refused,
                };
                self.save(renewed, None, 0, outcome)
            }
            Event::Outcome(Outcome::CompanionRefused { code }) => {
                // No folder set is the administrator's choice, not a failure to report.
                let said = match code {
                    Code::CompanionBackupNotSet => None,
                    other => Some(Failure::new(other, None)),
                };
                let outcome = CompanionOutcome {
                    imported,
                    backup: None,
                    refused: refused.or(said),
                };
                self.save(renewed, None, 0, outcome)
            }
            // The same copy again is accepted as done: a stopped worker asks again.
            Event::Timer(Timer::WorkerStarted) | Event::Command(Command::RetryNow) => {
                self.back_up(renewed, imported, refused)
            }
            Event::Timer(Timer::Tick) => stay(renewed, refused),
            Event::Command(command) => self.stray(command, stay(renewed, refused)),
            Event::Outcome(other) => self.stray(other, stay(renewed, refused)),
        }
    }

    pub(super) fn import(&mut self, renewed: Renewed) -> Stage {
        if self.secret.is_none() {
            return self.fail(Code::SecretLost, None, true);
        }
        self.effects.push(Effect::CompanionImport {
            fingerprint: renewed.certificate.sha256_fingerprint.clone(),
        });
        Stage::Importing { renewed }
    }

    pub(super) fn back_up(
        &mut self,
        renewed: Renewed,
        imported: bool,
        refused: Option<Failure>,
    ) -> Stage {
        if self.secret.is_none() {
            return self.fail(Code::SecretLost, None, true);
        }
        self.effects.push(Effect::CompanionBackup {
            fingerprint: renewed.certificate.sha256_fingerprint.clone(),
        });
        Stage::BackingUp {
            renewed,
            imported,
            refused,
        }
    }
}

#[cfg(test)]
mod tests;
