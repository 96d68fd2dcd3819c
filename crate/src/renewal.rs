//! Renewing a certificate with itself (`docs/renewal-protocol.md`): the wire protocol
//! (`protocol`), the proof that a downloaded file is the renewed certificate (`verify`), the
//! state machine the worker drives (`machine`), and when to renew without a click (`auto`). All pure: the worker does the I/O.

mod auto;
mod machine;
mod protocol;
mod verify;

pub use auto::{AutoPlan, plan as auto_plan};
pub use machine::{Event, RenewalRecord, Secret, StartRequest, removal_refused, start, step};
pub use protocol::{FOLLOW_REDIRECTS, REQUEST_BODY};
