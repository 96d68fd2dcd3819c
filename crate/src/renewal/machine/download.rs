//! A certificate was issued: its file is fetched with GETs (never another POST), verified,
//! and handed on — or, when the server answered with something that is not this terminal's
//! renewed certificate, held for the administrator.

use super::super::code::Code;
use super::super::effect::{Effect, Method, Notice};
use super::super::event::{Command, Event, Outcome, Timer};
use super::super::protocol::{MAX_FILE_BYTES, REQUEST_TIMEOUT_MS};
use super::super::record::{CompanionPlan, Secret};
use super::super::stage::{CompanionOutcome, Failure, Renewed, Retry, Stage};
use super::super::verify::{Refused, verify_renewed};
use super::{HELD_FILE_CAP, MAX_DOWNLOAD_ATTEMPTS, Machine, no_answer, retry_delay};
use crate::certificate::CertificateInfo;
use crate::file_name::renewed_names;
use crate::issuer::Signatures;
use crate::reader::CertificateReport;

/// A downloaded file under verification: where it came from, its password, and whether it
/// is already kept in the secret (the file of a signature check is).
struct Fetched<'s> {
    uri: String,
    attempt: u32,
    secret: &'s Secret,
    file: &'s [u8],
    kept: bool,
}

impl<'s> Fetched<'s> {
    /// The file kept in the secret for its signature check.
    fn kept(uri: String, attempt: u32, secret: &'s Secret, file: &'s [u8]) -> Self {
        Self {
            uri,
            attempt,
            secret,
            file,
            kept: true,
        }
    }
}

impl Machine<'_> {
    pub(super) fn downloading(
        &mut self,
        uri: String,
        attempt: u32,
        retry: Option<Retry>,
        event: Event,
    ) -> Stage {
        match event {
            Event::Outcome(Outcome::Response {
                status,
                redirected,
                body,
                too_large,
                retry_after: _,
            }) => self.on_download(uri, attempt, status, redirected, &body, too_large),
            Event::Outcome(Outcome::NetworkFailed { timeout }) => {
                self.download_later(uri, attempt, Failure::new(no_answer(timeout), None))
            }
            Event::Timer(Timer::WorkerStarted) => match retry {
                Some(Retry { at, .. }) if at > self.now => {
                    self.effects.push(Effect::Wake { at });
                    Stage::Downloading {
                        uri,
                        attempt,
                        retry,
                    }
                }
                Some(_) | None => self.get(uri, attempt),
            },
            Event::Timer(Timer::Tick) if retry.is_some_and(|retry| retry.at <= self.now) => {
                self.get(uri, attempt)
            }
            Event::Timer(Timer::Tick) => Stage::Downloading {
                uri,
                attempt,
                retry,
            },
            // The user asks: a fresh count of GETs.
            Event::Command(Command::RetryNow) => self.get(uri, 0),
            Event::Command(command) => self.stray(
                command,
                Stage::Downloading {
                    uri,
                    attempt,
                    retry,
                },
            ),
            Event::Outcome(other) => self.stray(
                other,
                Stage::Downloading {
                    uri,
                    attempt,
                    retry,
                },
            ),
        }
    }

    /// Only the user goes on: the GET again, or (confirmed, through `start`) a new
    /// application.
    pub(super) fn download_stuck(
        &mut self,
        uri: String,
        attempt: u32,
        reason: Failure,
        event: Event,
    ) -> Stage {
        let stay = |uri| Stage::DownloadStuck {
            uri,
            attempt,
            reason,
        };
        match event {
            Event::Command(Command::RetryNow) => self.get(uri, 0),
            Event::Timer(Timer::WorkerStarted | Timer::Tick) => stay(uri),
            Event::Command(command) => self.stray(command, stay(uri)),
            Event::Outcome(outcome) => self.stray(outcome, stay(uri)),
        }
    }

    /// The GET's answer: the file, verified before anything is saved.
    fn on_download(
        &mut self,
        uri: String,
        attempt: u32,
        status: u16,
        redirected: bool,
        body: &[u8],
        too_large: bool,
    ) -> Stage {
        let Some(secret) = self.secret else {
            return self.fail(Code::SecretLost, None, true);
        };
        if redirected {
            return self.stuck(uri, attempt, Failure::new(Code::Redirected, None));
        }
        match status {
            // Over the reader's size cap: no certificate file, and no repeat will make it one.
            // The password stays for the administrator.
            200 if too_large => {
                self.hold(Failure::new(Code::RenewedTooLarge, Some(200)), None, None)
            }
            200 => self.verify_download(Fetched {
                uri,
                attempt,
                secret,
                file: body,
                kept: false,
            }),
            404 | 410 => self.stuck(uri, attempt, Failure::new(Code::DownloadGone, Some(status))),
            429 | 500..=599 => self.download_later(
                uri,
                attempt,
                Failure::new(Code::DownloadFailed, Some(status)),
            ),
            _ => self.stuck(
                uri,
                attempt,
                Failure::new(Code::DownloadRefused, Some(status)),
            ),
        }
    }

    /// The downloaded file verified, every signature check asked afresh.
    fn verify_download(&mut self, fetched: Fetched<'_>) -> Stage {
        let mut signatures = Signatures::asking();
        let verdict = verify_renewed(
            fetched.file,
            &fetched.secret.pass,
            &self.record.current,
            &mut signatures,
        );
        self.on_verdict(verdict, fetched, &mut signatures)
    }

    /// What the verification found: saved on, fetched again, held, or — when the issuer's
    /// signature is still to check — kept and asked of the worker.
    fn on_verdict(
        &mut self,
        verdict: Result<Option<CertificateReport>, Refused>,
        fetched: Fetched<'_>,
        signatures: &mut Signatures,
    ) -> Stage {
        let Fetched {
            uri,
            attempt,
            secret,
            file: body,
            kept,
        } = fetched;
        match verdict {
            Ok(Some(report)) => {
                let names = renewed_names(&report.certificate, self.now);
                if !kept {
                    self.keep_file(secret, body);
                }
                self.verified(Renewed {
                    certificate: report.certificate,
                    names,
                })
            }
            // This terminal's renewal by its names and dates: kept before the worker checks.
            Ok(None) => {
                if !kept {
                    self.keep_file(secret, body);
                }
                self.effects.push(Effect::CheckSignatures {
                    requests: signatures.take_missing(),
                });
                Stage::CheckingSignature { uri, attempt }
            }
            // A damaged download (a proxy's page, a cut transfer, a stale file, a flipped
            // bit) may come right: the GET again, on the timer, never the POST.
            Err(Refused::Damaged { code }) => {
                self.download_later(uri, attempt, Failure::new(code, Some(200)))
            }
            Err(Refused::NotOurs { code, certificate }) => {
                // A real certificate file is a few KB; a larger one (a work bomb) is not
                // kept in extension storage, only its password. (A file kept for the check
                // passed the names and dates: it is this terminal's, and stays.)
                if !kept && body.len() <= HELD_FILE_CAP {
                    self.keep_file(secret, body);
                }
                self.hold(Failure::new(code, None), certificate, None)
            }
        }
    }

    /// The worker checks the issuer's signature on the kept file (WebCrypto): its answers
    /// finish the verification begun in [`Machine::downloading`].
    pub(super) fn checking_signature(&mut self, uri: String, attempt: u32, event: Event) -> Stage {
        let stay = |uri| Stage::CheckingSignature { uri, attempt };
        let kept = self
            .secret
            .and_then(|secret| secret.file.as_deref().map(|file| (secret, file)));
        let Some((secret, file)) = kept else {
            // The kept file is gone (never by this machine): fetched again, never applied for.
            return match event {
                Event::Timer(Timer::WorkerStarted | Timer::Tick)
                | Event::Command(Command::RetryNow)
                | Event::Outcome(Outcome::SignaturesChecked { .. }) => self.get(uri, attempt),
                Event::Command(command) => self.stray(command, stay(uri)),
                Event::Outcome(other) => self.stray(other, stay(uri)),
            };
        };
        match event {
            Event::Outcome(Outcome::SignaturesChecked { valid }) => {
                // The same pass asks the same checks in the same order: answered in turn.
                let mut signatures = Signatures::answering(valid.clone());
                let verdict =
                    verify_renewed(file, &secret.pass, &self.record.current, &mut signatures);
                if !signatures.fits() {
                    return self.stray(Outcome::SignaturesChecked { valid }, stay(uri));
                }
                let fetched = Fetched::kept(uri, attempt, secret, file);
                self.on_verdict(verdict, fetched, &mut signatures)
            }
            // A new worker, the hourly tick or the user asks again (an answer may have been
            // lost with a worker, or not fitted the checks asked).
            Event::Timer(Timer::WorkerStarted | Timer::Tick)
            | Event::Command(Command::RetryNow) => {
                self.verify_download(Fetched::kept(uri, attempt, secret, file))
            }
            Event::Command(command) => self.stray(command, stay(uri)),
            Event::Outcome(other) => self.stray(other, stay(uri)),
        }
    }

    /// Keeps the downloaded file with its password, durably, until it is saved or exported.
    fn keep_file(&mut self, secret: &Secret, body: &[u8]) {
        let kept = Secret {
            pass: secret.pass.clone(),
            file: Some(body.to_vec()),
        };
        self.effects.push(Effect::KeepSecret {
            secret: kept,
            durable: true,
        });
    }

    /// Issued, but not to be registered or saved for import: kept for the administrator.
    pub(super) fn hold(
        &mut self,
        reason: Failure,
        received: Option<Box<CertificateInfo>>,
        uri: Option<String>,
    ) -> Stage {
        self.notify(Notice::Held);
        Stage::Held {
            reason,
            received,
            uri,
            exported: None,
        }
    }

    /// A download that will not work on its own: the password and the address stay, the user
    /// may try the GET again, or (confirmed) apply for a new certificate.
    fn stuck(&mut self, uri: String, attempt: u32, reason: Failure) -> Stage {
        self.notify(Notice::DownloadStuck);
        Stage::DownloadStuck {
            uri,
            attempt,
            reason,
        }
    }

    /// The GET again, once the password it needs is known to be kept.
    fn get(&mut self, uri: String, attempt: u32) -> Stage {
        if self.secret.is_none() {
            return self.fail(Code::SecretLost, None, true);
        }
        self.request_file(uri, attempt)
    }

    pub(super) fn request_file(&mut self, uri: String, attempt: u32) -> Stage {
        self.effects.push(Effect::Request {
            method: Method::Get,
            url: uri.clone(),
            body: None,
            max_bytes: MAX_FILE_BYTES,
            timeout_ms: REQUEST_TIMEOUT_MS,
        });
        Stage::Downloading {
            uri,
            attempt: attempt + 1,
            retry: None,
        }
    }

    /// A GET that may work later: retried on a timer, then left to the user — the password
    /// is kept all the while, and no POST is ever sent again for it.
    fn download_later(&mut self, uri: String, attempt: u32, reason: Failure) -> Stage {
        match retry_delay(attempt, MAX_DOWNLOAD_ATTEMPTS, self.jitter) {
            Some(delay) => {
                let at = self.now + delay;
                self.effects.push(Effect::Wake { at });
                Stage::Downloading {
                    uri,
                    attempt,
                    retry: Some(Retry { at, reason }),
                }
            }
            None => self.stuck(uri, attempt, reason),
        }
    }

    /// The file is verified and kept with its password: the companion takes it first when
    /// the policy uses it, else both files are saved in Downloads.
    fn verified(&mut self, renewed: Renewed) -> Stage {
        match &self.record.companion {
            Some(CompanionPlan { import: true }) => self.import(renewed),
            Some(CompanionPlan { import: false }) => self.back_up(renewed, false, None),
            None => self.save(renewed, None, 0, CompanionOutcome::default()),
        }
    }
}

#[cfg(test)]
mod tests;
