//! Renewing a certificate with itself (`docs/renewal-protocol.md`): the wire protocol
//! (`protocol`), the proof that a downloaded file is the renewed certificate (`verify`), and
//! the state machine the worker drives (`machine`). All pure: the worker does the I/O.

mod machine;
mod protocol;
mod verify;

pub use machine::{Event, RenewalRecord, Secret, StartRequest, removal_refused, start, step};
pub use protocol::{FOLLOW_REDIRECTS, REQUEST_BODY};
