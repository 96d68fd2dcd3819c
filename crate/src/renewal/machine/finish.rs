//! The files are where they stay: the registration is replaced, then the user is guided to
//! back up and import (unless the companion already imported it), until it is done.

use super::super::effect::{Effect, Notice};
use super::super::event::{Command, Event, Outcome, Timer};
use super::super::record::Secret;
use super::super::stage::{CompanionOutcome, Copies, Files, Renewed, Stage};
use super::{IMPORT_REMINDER_INTERVAL_MS, Machine};

impl Machine<'_> {
    pub(super) fn registering(&mut self, renewed: Renewed, copies: Copies, event: Event) -> Stage {
        match event {
            Event::Outcome(Outcome::Registered) => self.registered(renewed, copies),
            Event::Timer(Timer::WorkerStarted) | Event::Command(Command::RetryNow) => {
                // A worker stopped before the password left durable storage moves it now
                // (with the companion's backup, it goes once registered).
                if let Copies::Downloads { .. } = copies {
                    self.keep_password_in_session();
                }
                self.register(renewed, copies)
            }
            Event::Timer(Timer::Tick) => Stage::Registering { renewed, copies },
            Event::Command(command) => self.stray(command, Stage::Registering { renewed, copies }),
            Event::Outcome(other) => self.stray(other, Stage::Registering { renewed, copies }),
        }
    }

    fn registered(&mut self, renewed: Renewed, copies: Copies) -> Stage {
        match copies {
            // Imported by the companion: nothing is left for anyone to do.
            copies @ (Copies::Companion { .. }
            | Copies::Downloads {
                outcome: CompanionOutcome { imported: true, .. },
                ..
            }) => {
                self.effects.push(Effect::WipeSecret);
                self.notify(Notice::RenewedAndImported);
                Stage::Done { renewed, copies }
            }
            Copies::Downloads { files, outcome } => {
                self.notify(if self.record.automatic {
                    Notice::RenewedAutomatically
                } else {
                    Notice::AwaitingImport
                });
                Stage::AwaitingImport {
                    renewed,
                    files,
                    backed_up: outcome.backup.is_some(),
                    reminded_at: self.now,
                    outcome,
                }
            }
        }
    }

    pub(super) fn awaiting_import(
        &mut self,
        renewed: Renewed,
        files: Files,
        backed_up: bool,
        reminded_at: i64,
        outcome: CompanionOutcome,
        event: Event,
    ) -> Stage {
        let stay = |renewed, files, outcome, backed_up, reminded_at| Stage::AwaitingImport {
            renewed,
            files,
            backed_up,
            reminded_at,
            outcome,
        };
        match event {
            Event::Timer(Timer::Tick)
                if self.now >= reminded_at.saturating_add(IMPORT_REMINDER_INTERVAL_MS) =>
            {
                self.notify(Notice::AwaitingImport);
                stay(renewed, files, outcome, backed_up, self.now)
            }
            Event::Timer(Timer::Tick) => stay(renewed, files, outcome, backed_up, reminded_at),
            Event::Timer(Timer::WorkerStarted) => {
                if backed_up {
                    self.wipe_leftover_secret();
                } else {
                    self.keep_password_in_session();
                }
                stay(renewed, files, outcome, backed_up, reminded_at)
            }
            // Checked again after it was checked: nothing more to wipe.
            Event::Command(Command::BackupConfirmed) => {
                if !backed_up {
                    self.effects.push(Effect::WipeSecret);
                }
                stay(renewed, files, outcome, true, reminded_at)
            }
            Event::Command(Command::ImportConfirmed) => {
                self.effects.push(Effect::WipeSecret);
                Stage::Done {
                    renewed,
                    copies: Copies::Downloads { files, outcome },
                }
            }
            Event::Command(command) => {
                let stay = stay(renewed, files, outcome, backed_up, reminded_at);
                self.stray(command, stay)
            }
            Event::Outcome(other) => {
                let stay = stay(renewed, files, outcome, backed_up, reminded_at);
                self.stray(other, stay)
            }
        }
    }

    pub(super) fn done(&mut self, renewed: Renewed, copies: Copies, event: Event) -> Stage {
        match event {
            Event::Timer(Timer::WorkerStarted) => {
                self.wipe_leftover_secret();
                Stage::Done { renewed, copies }
            }
            Event::Timer(Timer::Tick) => Stage::Done { renewed, copies },
            Event::Command(command) => self.stray(command, Stage::Done { renewed, copies }),
            Event::Outcome(other) => self.stray(other, Stage::Done { renewed, copies }),
        }
    }

    pub(super) fn register(&mut self, renewed: Renewed, copies: Copies) -> Stage {
        self.effects.push(Effect::Register {
            certificate: Box::new(renewed.certificate.clone()),
            file_name: renewed.names.p12.clone(),
        });
        Stage::Registering { renewed, copies }
    }

    /// Moves the password to memory-only storage and drops the file from the secret: both
    /// files are on disk.
    pub(super) fn keep_password_in_session(&mut self) {
        if let Some(secret) = self.secret {
            self.effects.push(Effect::KeepSecret {
                secret: Secret {
                    pass: secret.pass.clone(),
                    file: None,
                },
                durable: false,
            });
        }
    }
}

#[cfg(test)]
mod tests;
