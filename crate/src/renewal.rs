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
pub use verify::verify_renewal;
pub use view::{RenewalView, backup_matches, view};

/// Files and certificates the renewal's tests share.
#[cfg(test)]
pub(crate) mod fixtures {
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
}
