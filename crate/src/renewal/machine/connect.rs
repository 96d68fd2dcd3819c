//! Before anything is issued: the probe proves the connection and the client certificate, the
//! one POST applies, and a round that provably issued nothing waits and tries again.

use super::super::code::Code;
use super::super::effect::{Effect, Method};
use super::super::event::{Command, Event, Outcome, Timer};
use super::super::protocol::{
    AnswerError, MAX_ANSWER_BYTES, MAX_POSTS_WHEN_BUSY, PostFailure, REQUEST_BODY,
    REQUEST_TIMEOUT_MS, post_failure, read_answer, retry_after_ms,
};
use super::super::record::Secret;
use super::super::stage::{Failure, Stage};
use super::{MAX_ATTEMPTS, Machine, no_answer, probe, retry_delay};

impl Machine<'_> {
    pub(super) fn probing(&mut self, attempt: u32, event: Event) -> Stage {
        let stay = Stage::Probing { attempt };
        match event {
            // Any HTTP answer proves the connection and the client certificate.
            Event::Outcome(Outcome::Response { .. }) => {
                self.effects.push(Effect::Request {
                    method: Method::Post,
                    url: self.record.api_url.clone(),
                    body: Some(REQUEST_BODY),
                    max_bytes: MAX_ANSWER_BYTES,
                    timeout_ms: REQUEST_TIMEOUT_MS,
                });
                Stage::Requesting { attempt }
            }
            // Nothing was sent. Without the AutoSelectCertificateForUrls policy Chrome fails
            // at once here: say so once, and leave the banner's path to the user.
            Event::Outcome(Outcome::NetworkFailed { .. }) if self.record.automatic => {
                self.fail(Code::AutoNotConnected, None, false)
            }
            Event::Outcome(Outcome::NetworkFailed { timeout }) => {
                self.wait_or_fail(attempt, Failure::new(no_answer(timeout), None))
            }
            Event::Outcome(other) => self.stray(other, stay),
            Event::Timer(Timer::WorkerStarted) => {
                self.wipe_leftover_secret(); // an abandoned renewal's, if `start` was cut short
                self.effects.push(probe(&self.record.api_url));
                stay
            }
            Event::Timer(Timer::Tick) => stay,
            Event::Command(command) => self.stray(command, stay),
        }
    }

    pub(super) fn requesting(&mut self, attempt: u32, event: Event) -> Stage {
        let stay = Stage::Requesting { attempt };
        match event {
            Event::Outcome(Outcome::Response {
                status,
                redirected,
                body,
                too_large,
                retry_after,
            }) => self.on_answer(
                attempt,
                (status, retry_after.as_deref()),
                redirected,
                &body,
                too_large,
            ),
            // Sent (the probe proved the connection) but unanswered: it may have issued.
            Event::Outcome(Outcome::NetworkFailed { timeout }) => {
                let code = if timeout {
                    Code::Timeout
                } else {
                    Code::ConnectionLost
                };
                self.uncertain(code, None)
            }
            Event::Outcome(other) => self.stray(other, stay),
            Event::Timer(Timer::WorkerStarted) => self.uncertain(Code::Interrupted, None),
            Event::Timer(Timer::Tick) => stay,
            Event::Command(command) => self.stray(command, stay),
        }
    }

    pub(super) fn waiting(
        &mut self,
        attempt: u32,
        retry_at: i64,
        reason: Failure,
        picker_tab: Option<i64>,
        event: Event,
    ) -> Stage {
        let stay = |picker_tab| Stage::Waiting {
            attempt,
            retry_at,
            reason,
            picker_tab,
        };
        match event {
            Event::Timer(Timer::Tick) if retry_at <= self.now => self.probe_again(attempt),
            Event::Timer(Timer::Tick) => stay(picker_tab),
            Event::Timer(Timer::WorkerStarted) => {
                self.effects.push(Effect::Wake { at: retry_at });
                stay(picker_tab)
            }
            Event::Command(Command::RetryNow) => self.probe_again(attempt),
            Event::Command(Command::PickerOpened { tab_id }) => stay(Some(tab_id)),
            Event::Command(command) => self.stray(command, stay(picker_tab)),
            Event::Outcome(outcome) => self.stray(outcome, stay(picker_tab)),
        }
    }

    /// The POST's answer. Only an explicit "busy" is repeated on our own; from a 200 on, a
    /// certificate exists and is never requested again without the user.
    fn on_answer(
        &mut self,
        attempt: u32,
        (status, retry_after): (u16, Option<&str>),
        redirected: bool,
        body: &[u8],
        too_large: bool,
    ) -> Stage {
        if redirected {
            // monsiaj reads a 302's body as the answer; a browser cannot without following.
            return self.uncertain(Code::Redirected, None);
        }
        if status != 200 {
            return match post_failure(status) {
                PostFailure::Busy => self.wait_after_busy(attempt, status, retry_after),
                PostFailure::NotPermitted => self.fail(Code::NotPermitted, Some(status), false),
                PostFailure::Rejected => self.fail(Code::Rejected, Some(status), false),
                PostFailure::Unknown => self.uncertain(Code::ServerError, Some(status)),
            };
        }
        let answer = if too_large {
            Err(AnswerError::TooLarge)
        } else {
            read_answer(body, &self.record.api_url, &self.record.download_hosts)
        };
        match answer {
            Ok(answer) => {
                self.effects.push(Effect::KeepSecret {
                    secret: Secret {
                        pass: answer.pass,
                        file: None,
                    },
                    durable: true,
                });
                self.request_file(answer.uri, 0)
            }
            // Issued, but the file is where the client certificate must not be presented:
            // nothing is sent there; the password and the address are kept for the
            // administrator.
            Err(AnswerError::UntrustedUri(answer)) => {
                self.effects.push(Effect::KeepSecret {
                    secret: Secret {
                        pass: answer.pass,
                        file: None,
                    },
                    durable: true,
                });
                self.hold(
                    Failure::new(Code::UntrustedUri, Some(status)),
                    None,
                    Some(answer.uri),
                )
            }
            // The server answered, so it may have issued something we cannot fetch.
            Err(err @ (AnswerError::Malformed | AnswerError::TooLarge)) => {
                self.fail(err.code(), Some(status), true)
            }
        }
    }

    fn probe_again(&mut self, attempt: u32) -> Stage {
        self.effects.push(probe(&self.record.api_url));
        Stage::Probing {
            attempt: attempt + 1,
        }
    }

    /// Nothing was issued: try again later, or stop after `MAX_ATTEMPTS`.
    fn wait_or_fail(&mut self, attempt: u32, reason: Failure) -> Stage {
        match retry_delay(attempt, MAX_ATTEMPTS, self.jitter) {
            Some(delay) => {
                let at = self.now + delay;
                self.effects.push(Effect::Wake { at });
                Stage::Waiting {
                    attempt,
                    retry_at: at,
                    reason,
                    picker_tab: None,
                }
            }
            None => self.fail(reason.code, reason.status, false),
        }
    }

    /// A 503/429 to the POST (see `MAX_POSTS_WHEN_BUSY`): waits for the later of the backoff
    /// and the server's `Retry-After`, unless the POSTs allowed are used up.
    fn wait_after_busy(&mut self, attempt: u32, status: u16, retry_after: Option<&str>) -> Stage {
        // Rounds count from 1 and send at most one POST each: this was POST number `attempt`.
        let backoff = if attempt >= MAX_POSTS_WHEN_BUSY {
            None
        } else {
            retry_delay(attempt, MAX_ATTEMPTS, self.jitter)
        };
        let Some(backoff) = backoff else {
            return self.fail(Code::ServerError, Some(status), false);
        };
        let wait =
            retry_after_ms(retry_after, self.now).map_or(backoff, |asked| asked.max(backoff));
        let at = self.now + wait;
        self.effects.push(Effect::Wake { at });
        Stage::Waiting {
            attempt,
            retry_at: at,
            reason: Failure::new(Code::ServerError, Some(status)),
            picker_tab: None,
        }
    }
}

#[cfg(test)]
mod tests;
