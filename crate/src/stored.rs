//! What the worker keeps in `chrome.storage.local`, read one entry at a time.
//!
//! A clinic's extension runs for years on data written by older versions (and, after a
//! rollback, by newer ones), and a storage write can be cut short. So each registration,
//! reminder, renewal record and history entry is decoded on its own: one that does not decode
//! is set aside — kept with the reason, reported in words — and every other certificate keeps
//! its banner, badge and reminders.
//!
//! The decoding itself happens at the Wasm boundary (`wasm::stored_state`), with the same
//! deserializers that read these types everywhere else: decoding here from JSON values
//! again would link a second copy of every one of them (measured: +91 KB of Wasm). Entries
//! that decode are handed back as they were stored, never re-encoded, so a field a newer
//! version added survives. What this module decides is what happens next: [`plan`].
//!
//! Versions: 1 is the first shape stamped with `schemaVersion`. Data written before the stamp
//! (version 0, extension 0.1.0) has the same shape, so 0 → 1 only sets entries aside and
//! stamps. A later shape change reads the old shape with serde (`default`, `alias`) or adds
//! its step where the entries are decoded. Data stamped with a version newer than this build
//! is read as well as it can be and never written back.

use serde::{Deserialize, Serialize};

use crate::certificate::CertificateInfo;

/// The shape this build writes.
pub const SCHEMA_VERSION: u64 = 1;

/// A registration replaced by its renewal, kept for the popup's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// The label it had.
    pub label: String,
    /// The file it was read from, if known.
    pub file_name: Option<String>,
    /// When it was registered (ms).
    pub registered_at: i64,
    /// When its renewal replaced it (ms).
    pub replaced_at: i64,
    /// What the reader found.
    pub certificate: CertificateInfo,
}

/// Why an entry was set aside (the entry itself travels beside it, untouched).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetAside {
    /// Which storage key it came from (`registrations`, `renewals`…).
    pub area: &'static str,
    /// Its index or fingerprint there.
    pub key: String,
    /// Its label, when that much could be read: how the popup names it.
    pub label: Option<String>,
    /// Why it could not be read (English, for the administrator).
    pub reason: String,
    /// The user closed the popup's notice about it. The entry stays: a set-aside renewal
    /// record still means a certificate may have been issued (see `StartRequest`).
    pub dismissed: bool,
}

/// What to write back after a reading.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Areas to write again without their set-aside entries (sorted, each once).
    pub rewrite: Vec<&'static str>,
    /// Whether the set-aside list grew (old entries + new ones are written).
    pub write_set_aside: bool,
    /// Whether to stamp [`SCHEMA_VERSION`].
    pub stamp_version: bool,
    /// The data was written by a newer version: nothing is written.
    pub newer_schema: bool,
}

impl Plan {
    /// Whether anything is to be written.
    pub fn writes(&self) -> bool {
        !self.rewrite.is_empty() || self.write_set_aside || self.stamp_version
    }
}

/// What to write after reading data stamped `version` (absent: before versions) in which
/// `set_aside` are the entries that did not decode.
pub fn plan(version: Option<u64>, set_aside: &[SetAside]) -> Plan {
    let version = version.unwrap_or(0);
    if version > SCHEMA_VERSION {
        return Plan {
            newer_schema: true,
            ..Plan::default()
        };
    }
    let found = !set_aside.is_empty();
    // Sorted and deduplicated by the core's one sort (a `BTreeSet` linked its own).
    let mut rewrite: Vec<&'static str> = set_aside.iter().map(|entry| entry.area).collect();
    crate::order::sort_by(&mut rewrite, Ord::cmp);
    rewrite.dedup();
    Plan {
        rewrite,
        write_set_aside: found,
        stamp_version: found || version < SCHEMA_VERSION,
        newer_schema: false,
    }
}

/// Whether the popup tells the user about an entry set aside from `area`: not once they
/// have closed the notice (`dismissed`); and their certificates, renewals and history are
/// theirs to know about, but not the reminder state, which they never see (it is rebuilt at
/// the next reminder).
pub fn told_to_user(area: &str, dismissed: bool) -> bool {
    !dismissed && area != "reminders"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aside(area: &'static str) -> SetAside {
        SetAside {
            area,
            key: "1".into(),
            label: None,
            reason: "missing field `certificate`".into(),
            dismissed: false,
        }
    }

    #[test]
    fn a_bad_entry_rewrites_its_area_only_and_the_set_aside_list() {
        let plan = plan(
            Some(1),
            &[
                aside("registrations"),
                aside("reminders"),
                aside("reminders"),
            ],
        );
        assert_eq!(plan.rewrite, ["registrations", "reminders"]);
        assert!(plan.write_set_aside && plan.stamp_version);
    }

    #[test]
    fn clean_current_data_is_not_written() {
        assert!(!plan(Some(SCHEMA_VERSION), &[]).writes());
    }

    #[test]
    fn unversioned_data_is_stamped_and_newer_data_is_never_written() {
        let unversioned = plan(None, &[]);
        assert!(unversioned.stamp_version && unversioned.rewrite.is_empty());
        let newer = plan(Some(SCHEMA_VERSION + 1), &[aside("registrations")]);
        assert!(newer.newer_schema);
        assert!(!newer.writes(), "a newer version's data is left alone");
    }

    #[test]
    fn the_user_is_told_of_what_they_see_only() {
        for area in ["registrations", "renewals", "history"] {
            assert!(told_to_user(area, false));
            assert!(!told_to_user(area, true), "dismissed");
        }
        assert!(!told_to_user("reminders", false));
    }
}
