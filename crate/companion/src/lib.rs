//! The companion of WebORCA 証明書更新アシスタント: a Chrome native messaging host, installed by
//! the clinic's IT, that does what an extension cannot — it lists the client certificates in
//! the computer's own store, imports each renewed certificate there and backs it up where the
//! administrator says. It reads every file with the extension's own core (`weborca-cert`),
//! natively. Sans-I/O where it can be: `handle` turns a request into an answer through a
//! [`Store`]; `main` only moves frames.

pub mod admin;
pub mod backup;
pub mod files;
pub mod frame;
pub mod origin;
pub mod report;
pub mod request;
pub mod status;
pub mod store;

pub use request::{Answer, CompanionError, handle};
pub use store::Store;
