//! The companion's message reader fed arbitrary bytes as Chrome would write them to its stdin:
//! native messaging frames (a length in the machine's byte order, then JSON), read with the
//! companion's cap, parsed as requests and answered through a store kept in memory. Checks that
//! nothing panics or hangs, that a frame over the cap is refused before it is read, that an
//! answer always fits Chrome's 1 MB limit for a host's message, and that an import reaches the
//! store only for a file that opens with its password and has the fingerprint asked for.
//! Backups run too: a message cannot name a folder, and no administrator's folder is set here,
//! so they must write nothing.
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use weborca_companion::admin::Admin;
use weborca_companion::frame::{FrameError, MAX_INCOMING, MAX_OUTGOING, read_frame};
use weborca_companion::handle;
use weborca_companion::request::{Renewed, Request};
use weborca_companion::store::{Store, StoreError, StoredCertificate};

/// A store in memory: what was imported.
#[derive(Default)]
struct MemoryStore {
    imported: RefCell<Vec<Vec<u8>>>,
}

impl Store for MemoryStore {
    fn name(&self) -> &'static str {
        "memory"
    }

    /// Nothing shows in the list: an import is then answered `companion_not_in_store`, after
    /// the store was asked (what the check below looks at).
    fn list(&self) -> Result<Vec<StoredCertificate>, StoreError> {
        Ok(Vec::new())
    }

    fn import(&self, p12: &[u8], _password: &str, _label: &str) -> Result<(), StoreError> {
        self.imported.borrow_mut().push(p12.to_vec());
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let store = MemoryStore::default();
    let mut input = data;
    for _ in 0..8 {
        let frame = match read_frame(&mut input, MAX_INCOMING) {
            Ok(Some(frame)) => frame,
            Ok(None) | Err(FrameError::Truncated | FrameError::Io(_)) => return,
            Err(FrameError::TooLarge { len, max }) => {
                assert!(len > max as u64);
                return;
            }
        };
        assert!(frame.len() <= MAX_INCOMING);
        let Ok(request) = serde_json::from_slice::<Request>(&frame) else {
            continue;
        };
        let asked = match &request {
            Request::Import(Renewed { fingerprint, .. }) => Some(fingerprint.clone()),
            Request::Version | Request::List | Request::Backup(_) | Request::Status(_) => None,
        };
        let before = store.imported.borrow().len();
        let answer = handle(request, &store, &Admin::default(), 0);
        let body = match &answer {
            Ok(answer) => serde_json::to_vec(answer),
            Err(err) => serde_json::to_vec(err),
        }
        .expect("an answer serializes");
        assert!(body.len() <= MAX_OUTGOING, "an answer fits Chrome's limit");
        if let Some(fingerprint) = asked {
            let imported = store.imported.borrow().len() > before;
            if imported {
                let last = store.imported.borrow().last().cloned().expect("imported");
                let report =
                    weborca_cert::read_certificate_file(&last, Some("orca-test-pass"), None);
                assert!(
                    report.is_ok_and(|r| r
                        .certificate
                        .sha256_fingerprint
                        .eq_ignore_ascii_case(&fingerprint)),
                    "only the verified certificate reaches the store"
                );
            }
        }
    }
});
