//! The verified file goes to Downloads: the password file first (without it the `.p12` is
//! useless, and it is the one thing that cannot be fetched again), then the `.p12`.

use super::super::code::Code;
use super::super::effect::{Effect, Notice};
use super::super::event::{Command, Event, Outcome, Timer};
use super::super::record::Secret;
use super::super::stage::{CompanionOutcome, Copies, Files, Renewed, Stage};
use super::{MAX_SAVE_ATTEMPTS, Machine};

impl Machine<'_> {
    pub(super) fn saving(
        &mut self,
        renewed: Renewed,
        password_file: Option<String>,
        attempt: u32,
        stuck: bool,
        outcome: CompanionOutcome,
        event: Event,
    ) -> Stage {
        let stay = |renewed, password_file, outcome| Stage::Saving {
            renewed,
            password_file,
            attempt,
            stuck,
            outcome,
        };
        match event {
            Event::Outcome(Outcome::FileSaved { path }) => match password_file {
                None => self.save(renewed, Some(path), 0, outcome),
                Some(password) => self.files_saved(
                    renewed,
                    Files {
                        password,
                        p12: path,
                    },
                    outcome,
                ),
            },
            Event::Outcome(Outcome::SaveFailed) if attempt + 1 < MAX_SAVE_ATTEMPTS => {
                self.save(renewed, password_file, attempt + 1, outcome)
            }
            Event::Outcome(Outcome::SaveFailed) => {
                // Nothing is lost: the secret stays; the user is asked to try again.
                self.notify(Notice::SaveFailed);
                Stage::Saving {
                    renewed,
                    password_file,
                    attempt: attempt + 1,
                    stuck: true,
                    outcome,
                }
            }
            Event::Timer(Timer::WorkerStarted) if !stuck => {
                self.save(renewed, password_file, attempt, outcome)
            }
            Event::Command(Command::RetryNow) => self.save(renewed, password_file, 0, outcome),
            Event::Timer(Timer::WorkerStarted | Timer::Tick) => {
                stay(renewed, password_file, outcome)
            }
            Event::Command(command) => self.stray(command, stay(renewed, password_file, outcome)),
            Event::Outcome(other) => self.stray(other, stay(renewed, password_file, outcome)),
        }
    }

    /// Saves the file the stage is at.
    pub(super) fn save(
        &mut self,
        renewed: Renewed,
        password_file: Option<String>,
        attempt: u32,
        outcome: CompanionOutcome,
    ) -> Stage {
        let folder = &self.record.folder;
        let effect = match (&password_file, self.secret) {
            (None, Some(_)) => Effect::SavePassword {
                path: format!("{folder}/{}", renewed.names.password),
                p12_name: renewed.names.p12.clone(),
            },
            (Some(_), Some(Secret { file: Some(_), .. })) => Effect::SaveP12 {
                path: format!("{folder}/{}", renewed.names.p12),
            },
            (None | Some(_), None | Some(Secret { file: None, .. })) => {
                return self.fail(Code::SecretLost, None, true);
            }
        };
        self.effects.push(effect);
        Stage::Saving {
            renewed,
            password_file,
            attempt,
            stuck: false,
            outcome,
        }
    }

    /// Both files are on disk: the password stays only for 「確認する」 and the user's backup
    /// check, in memory-only session storage, and the file is dropped.
    fn files_saved(&mut self, renewed: Renewed, files: Files, outcome: CompanionOutcome) -> Stage {
        self.keep_password_in_session();
        self.register(renewed, Copies::Downloads { files, outcome })
    }
}

#[cfg(test)]
mod tests;
