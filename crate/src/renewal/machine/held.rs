//! A certificate was issued but is not to be registered or saved where a receptionist would
//! import it: its password and file are kept until the administrator exports or discards them.

use super::super::code::Code;
use super::super::effect::{Effect, Notice};
use super::super::event::{Command, Event, Outcome, Timer};
use super::super::stage::{ExportedFiles, Failure, Stage};
use super::{HELD_FOLDER, Machine};
use crate::certificate::CertificateInfo;
use crate::file_name::held_names;

impl Machine<'_> {
    pub(super) fn held(
        &mut self,
        reason: Failure,
        received: Option<Box<CertificateInfo>>,
        uri: Option<String>,
        exported: Option<ExportedFiles>,
        event: Event,
    ) -> Stage {
        let stay = |received, uri, exported| Stage::Held {
            reason,
            received,
            uri,
            exported,
        };
        match event {
            Event::Command(Command::ExportHeld) => match self.export_held(received.as_deref()) {
                Some(lost) => lost,
                None => stay(received, uri, exported),
            },
            // The administrator's act: the secret goes, the record says what was issued.
            Event::Command(Command::DiscardHeld) => {
                self.effects.push(Effect::WipeSecret);
                Stage::Failed {
                    reason,
                    issued: true,
                    picker_tab: None,
                }
            }
            Event::Outcome(Outcome::HeldExported { path, p12_path }) => {
                let files = ExportedFiles {
                    password: path,
                    p12: p12_path,
                };
                stay(received, uri, Some(files))
            }
            // The export could not be saved: said at once, the files stay kept.
            Event::Outcome(Outcome::SaveFailed) => {
                self.notify(Notice::SaveFailed);
                stay(received, uri, exported)
            }
            Event::Timer(Timer::WorkerStarted | Timer::Tick) => stay(received, uri, exported),
            Event::Command(command) => self.stray(command, stay(received, uri, exported)),
            Event::Outcome(other) => self.stray(other, stay(received, uri, exported)),
        }
    }

    /// Saves the held files where the administrator asked; `None` (the stage stays) unless the
    /// secret they come from is gone.
    fn export_held(&mut self, received: Option<&CertificateInfo>) -> Option<Stage> {
        let Some(secret) = self.secret else {
            return Some(self.fail(Code::SecretLost, None, true));
        };
        let names = held_names(received, self.now);
        let folder = format!("{}/{HELD_FOLDER}", self.record.folder);
        self.effects.push(Effect::ExportHeld {
            password_path: format!("{folder}/{}", names.password),
            p12_path: secret
                .file
                .as_ref()
                .map(|_| format!("{folder}/{}", names.p12)),
            p12_name: names.p12,
        });
        None
    }
}

#[cfg(test)]
mod tests;
