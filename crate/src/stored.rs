//! What the worker keeps in `chrome.storage.local`, read one entry at a time.
//!
//! A clinic's extension runs for years on data written by older versions (and, after a
//! rollback, by newer ones), and a storage write can be cut short. So each registration,
//! reminder, renewal record and history entry is decoded on its own: one that does not decode
//! is set aside — kept with the reason, reported in words — and every other certificate keeps
//! its banner, badge and reminders. Sans-I/O: [`read`] returns what to write back; the worker
//! writes it.
//!
//! Versions: 1 is the first shape stamped with `schemaVersion`. Data written before the stamp
//! (version 0, extension 0.1.0) has the same shape, so 0 → 1 only sets entries aside and
//! stamps. A later shape change adds a step to [`MIGRATIONS`]. Data stamped with a version
//! newer than this build is read as well as it can be and never written back.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::certificate::CertificateInfo;
use crate::overview::{Registration, ReminderState};
use crate::renewal::RenewalRecord;

/// The shape this build writes.
pub const SCHEMA_VERSION: u64 = 1;

/// Steps from version `i` to `i + 1`, on the raw stored object.
const MIGRATIONS: [fn(&mut Map<String, Value>); 1] = [
    // 0 → 1: the same shape; entries that do not decode are set aside by `read`.
    |_| {},
];

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

/// An entry that could not be read, kept as it was.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetAside {
    /// Which storage key it came from (`registrations`, `renewals`…).
    pub area: String,
    /// Its index or fingerprint there.
    pub key: String,
    /// Its label, when that much could be read: how the popup names it.
    pub label: Option<String>,
    /// Why it could not be read (English, for the administrator).
    pub reason: String,
    /// The entry itself, untouched.
    pub value: Value,
    /// The user closed the popup's notice about it. The entry stays: a set-aside renewal
    /// record still means a certificate may have been issued (see `StartRequest`).
    #[serde(default)]
    pub dismissed: bool,
}

/// Everything readable in storage.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stored {
    /// Registered certificates.
    pub registrations: Vec<Registration>,
    /// Reminder state by fingerprint.
    pub reminders: BTreeMap<String, ReminderState>,
    /// Renewal records by fingerprint of the certificate being renewed.
    pub renewals: BTreeMap<String, RenewalRecord>,
    /// Replaced registrations.
    pub history: Vec<HistoryEntry>,
    /// Entries set aside, now or before.
    pub set_aside: Vec<SetAside>,
    /// The data was written by a newer version: read as well as possible, never rewritten.
    pub newer_schema: bool,
}

/// What [`read`] found, and what to write back (`None`: nothing).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reading {
    /// The readable entries.
    pub stored: Stored,
    /// Keys to set in storage: the migrated shape, the areas without the entries set aside,
    /// the set-aside list and the version.
    pub writes: Option<Map<String, Value>>,
}

/// Reads the stored object (`chrome.storage.local.get(null)`, or the keys named here).
pub fn read(raw: &Map<String, Value>) -> Reading {
    let version = raw
        .get("schemaVersion")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let newer_schema = version > SCHEMA_VERSION;
    let mut raw = raw.clone();
    for migration in MIGRATIONS.iter().skip(version as usize) {
        migration(&mut raw);
    }
    let mut set_aside = Vec::new();
    let registrations: Vec<(String, Registration)> = entries(&raw, "registrations", &mut set_aside);
    let history: Vec<(String, HistoryEntry)> = entries(&raw, "history", &mut set_aside);
    let reminders: Vec<(String, ReminderState)> = entries(&raw, "reminders", &mut set_aside);
    let renewals: Vec<(String, RenewalRecord)> = entries(&raw, "renewals", &mut set_aside);
    // The areas that lost an entry are written back without it.
    let rewritten: std::collections::BTreeSet<String> =
        set_aside.iter().map(|entry| entry.area.clone()).collect();
    let stored_aside: Vec<SetAside> = raw
        .get("setAside")
        .and_then(|value| serde_json::from_value(value.clone()).ok())
        .unwrap_or_default();
    let found_now = !set_aside.is_empty();
    let stored = Stored {
        registrations: values(&registrations),
        history: values(&history),
        reminders: keyed(&reminders),
        renewals: keyed(&renewals),
        set_aside: [stored_aside, set_aside].concat(),
        newer_schema,
    };
    let writes = (!newer_schema && (found_now || version < SCHEMA_VERSION)).then(|| {
        let mut writes = Map::new();
        for area in &rewritten {
            let value = match area.as_str() {
                "registrations" => serde_json::to_value(&stored.registrations),
                "history" => serde_json::to_value(&stored.history),
                "reminders" => serde_json::to_value(&stored.reminders),
                _ => serde_json::to_value(&stored.renewals),
            };
            writes.insert(area.clone(), value.unwrap_or(Value::Null));
        }
        if found_now {
            let aside = serde_json::to_value(&stored.set_aside).unwrap_or(Value::Null);
            writes.insert("setAside".to_owned(), aside);
        }
        writes.insert("schemaVersion".to_owned(), SCHEMA_VERSION.into());
        writes
    });
    Reading { stored, writes }
}

/// The entries of one area (a list, or an object keyed by fingerprint), each decoded on its
/// own as `T`; what does not decode goes to `set_aside`.
fn entries<T: DeserializeOwned>(
    raw: &Map<String, Value>,
    area: &str,
    set_aside: &mut Vec<SetAside>,
) -> Vec<(String, T)> {
    let items: Vec<(String, Value)> = match raw.get(area) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(index, item)| (index.to_string(), item.clone()))
            .collect(),
        Some(Value::Object(items)) => items
            .iter()
            .map(|(key, item)| (key.clone(), item.clone()))
            .collect(),
        Some(other) => vec![(String::new(), other.clone())],
    };
    let mut decoded = Vec::new();
    for (key, value) in items {
        match serde_json::from_value::<T>(value.clone()) {
            Ok(entry) => decoded.push((key, entry)),
            Err(err) => set_aside.push(SetAside {
                area: area.to_owned(),
                key,
                label: value
                    .get("label")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                reason: err.to_string(),
                value,
                dismissed: false,
            }),
        }
    }
    decoded
}

fn values<T: Clone>(entries: &[(String, T)]) -> Vec<T> {
    entries.iter().map(|(_, entry)| entry.clone()).collect()
}

fn keyed<T: Clone>(entries: &[(String, T)]) -> BTreeMap<String, T> {
    entries.iter().cloned().collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn registration(label: &str, fingerprint: &str) -> Value {
        let mut certificate =
            crate::renewal::fixtures::three_years_earlier(crate::renewal::fixtures::LEGACY);
        certificate.sha256_fingerprint = fingerprint.to_owned();
        let registration = Registration {
            label: label.to_owned(),
            file_name: None,
            registered_at: 1,
            certificate,
        };
        serde_json::to_value(registration).expect("JSON")
    }

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn a_bad_entry_is_set_aside_and_the_others_are_kept() {
        let good = registration("受付PC", "AA");
        let raw = object(json!({
            "schemaVersion": 1,
            "registrations": [good.clone(), { "label": "診察室", "certificate": 42 }, registration("会計", "BB")],
            "reminders": { "AA": { "lastNotifiedStep": 90 }, "CC": "snoozed" },
        }));
        let reading = read(&raw);
        let stored = &reading.stored;
        assert_eq!(stored.registrations.len(), 2);
        assert_eq!(stored.registrations[0].label, "受付PC");
        assert_eq!(stored.reminders.len(), 1);
        let aside: Vec<_> = stored
            .set_aside
            .iter()
            .map(|s| (s.area.as_str(), s.key.as_str(), s.label.as_deref()))
            .collect();
        assert_eq!(
            aside,
            [
                ("registrations", "1", Some("診察室")),
                ("reminders", "CC", None)
            ]
        );
        let writes = reading.writes.expect("cleaned areas written back");
        assert_eq!(writes["registrations"].as_array().map(Vec::len), Some(2));
        assert_eq!(writes["registrations"][0], good, "a good entry round-trips");
        assert_eq!(writes["setAside"].as_array().map(Vec::len), Some(2));
        assert!(
            !writes.contains_key("renewals"),
            "untouched areas are not rewritten"
        );
        // Read again after the write: clean, nothing more to write, the set-aside kept.
        let mut after = raw.clone();
        after.extend(writes);
        let again = read(&after);
        assert_eq!(again.writes, None);
        assert_eq!(again.stored.set_aside.len(), 2);
        assert_eq!(again.stored.registrations, stored.registrations);
    }

    #[test]
    fn unversioned_data_is_stamped_and_newer_data_is_never_written() {
        let raw = object(json!({ "registrations": [registration("受付PC", "AA")] }));
        let reading = read(&raw);
        assert_eq!(reading.stored.registrations.len(), 1);
        assert_eq!(
            reading.writes,
            Some(object(json!({ "schemaVersion": SCHEMA_VERSION })))
        );
        let newer = object(json!({
            "schemaVersion": SCHEMA_VERSION + 1,
            "registrations": [registration("受付PC", "AA"), "something new"],
        }));
        let reading = read(&newer);
        assert!(reading.stored.newer_schema);
        assert_eq!(reading.stored.registrations.len(), 1);
        assert_eq!(reading.writes, None, "a newer version's data is left alone");
    }

    #[test]
    fn an_area_of_the_wrong_kind_is_set_aside_whole() {
        let raw = object(json!({ "schemaVersion": 1, "registrations": "garbage", "renewals": [] }));
        let reading = read(&raw);
        assert!(reading.stored.registrations.is_empty());
        assert_eq!(reading.stored.set_aside.len(), 1);
        assert_eq!(reading.stored.set_aside[0].value, json!("garbage"));
        let writes = reading.writes.expect("written");
        assert_eq!(writes["registrations"], json!([]));
    }
}
