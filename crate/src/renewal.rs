//! Renewing a certificate with itself (`docs/renewal-protocol.md`): the wire protocol
//! (`protocol`), the proof that a downloaded file is the renewed certificate (`verify`), the
//! state machine the worker drives (`machine`: its stages in `stage`, stored by `stored`, fed
//! `event`s, returning `effect`s), and when to renew without a click (`auto`). All pure: the
//! worker does the I/O.

mod auto;
mod code;
mod effect;
mod endpoint;
mod event;
mod machine;
mod policy;
mod protocol;
mod record;
mod stage;
mod status;
mod stored;
mod verify;
mod view;
#[cfg(test)]
mod worker_names;

pub use auto::plan as auto_plan;
pub use code::Code;
#[cfg(target_arch = "wasm32")]
pub(crate) use effect::Method;
pub use endpoint::certificate_api_url;
#[cfg(target_arch = "wasm32")]
pub(crate) use event::EventKind;
pub use event::{Command, Event, Outcome, Timer};
pub use machine::{StartRequest, removal_refused, start, step};
pub use policy::StartAsked;
pub use protocol::FOLLOW_REDIRECTS;
pub use record::{CompanionPlan, RenewalRecord, Secret};
pub use stage::Stage;
pub use status::{CertificateStatus, RenewalStatus, terminal_status};
#[cfg(feature = "in-process-signatures")]
pub use verify::verify_renewal;
pub use view::{RenewalView, backup_matches, view};

/// Files and certificates the renewal's tests share.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::effect::{Effect, Step};
    use super::event::{Event, Outcome};
    use crate::certificate::CertificateInfo;
    use crate::jst::DAY_MS;
    use crate::read_certificate_file;

    /// The fixtures' password.
    pub(crate) const PASS: &str = "orca-test-pass";
    /// A client certificate as the ORCA cloud exports it (legacy algorithms, no CA).
    pub(crate) const LEGACY: &[u8] = include_bytes!("../tests/fixtures/openssl-legacy.p12");
    /// The same with the issuing CA in the file.
    pub(crate) const WITH_CHAIN: &[u8] =
        include_bytes!("../tests/fixtures/openssl-legacy-chain.p12");

    /// `file`'s certificate as it was registered three years earlier: what a renewal to
    /// `file` replaces.
    pub(crate) fn three_years_earlier(file: &[u8]) -> CertificateInfo {
        let mut old = read_certificate_file(file, Some(PASS), None)
            .expect("fixture")
            .certificate;
        old.not_after -= 1095 * DAY_MS;
        old
    }

    /// The step after the worker checked the signatures `step` asked about (natively here, with
    /// WebCrypto in the worker), its effects joined: what one step was before the check moved
    /// out of the Wasm.
    pub(crate) fn answer_signature_checks(mut step: Step, now: i64) -> Step {
        let Some(index) = step
            .effects
            .iter()
            .position(|effect| matches!(effect, Effect::CheckSignatures { .. }))
        else {
            return step;
        };
        let Effect::CheckSignatures { requests } = step.effects.remove(index) else {
            return step;
        };
        let kept = step.effects.iter().find_map(|effect| match effect {
            Effect::KeepSecret { secret, .. } => Some(secret.clone()),
            _ => None,
        });
        let valid = requests.iter().map(crate::issuer::native::verify).collect();
        let event = Event::from(Outcome::SignaturesChecked { valid });
        let next = super::step(step.record, event, kept.as_ref(), now, 0.0);
        step.effects.extend(next.effects);
        Step {
            record: next.record,
            effects: step.effects,
            stray: step.stray.or(next.stray),
        }
    }
}
