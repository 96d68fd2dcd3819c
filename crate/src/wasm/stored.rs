//! What storage holds, decoded entry by entry, and what the screens make of it: the
//! overview of every registered certificate, a new registration, "後で".

use std::collections::BTreeMap;

use wasm_bindgen::prelude::*;

use super::{from_js, object_entries, set, to_js};
use crate::overview::{Registration, ReminderState};
use crate::renewal::RenewalRecord;
use crate::settings::Settings;
use crate::stored::{HistoryEntry, SetAside};

/// What storage holds, read entry by entry: `{ stored, writes }`. `stored` has the entries
/// that decode — as they were stored, not re-encoded — in `registrations`, `reminders`,
/// `renewals`, `history`, the user's `settings` (`{}` when they are not an object), the entries set aside (`setAside`, old and new, each with its
/// `value`), `notice` (what the popup names: `{ area, label }` of the entries not dismissed,
/// from the areas the user sees) and `newerSchema`; `writes` (or `null`) is what the worker
/// must write back.
/// Decoded here, with the deserializers the other exports link anyway (see `stored.rs`).
#[wasm_bindgen(js_name = storedState)]
pub fn stored_state(raw: JsValue) -> Result<JsValue, JsValue> {
    let field = |name: &str| js_sys::Reflect::get(&raw, &name.into()).unwrap_or_default();
    let mut set_aside = Vec::new();
    let mut area =
        |name: &'static str, decode: Decode| (name, decode(&field(name), name, &mut set_aside));
    let areas = [
        area("registrations", decoded::<Registration, false>),
        area("history", decoded::<HistoryEntry, false>),
        area("reminders", decoded::<ReminderState, true>),
        area("renewals", decoded::<RenewalRecord, true>),
        area("settings", settings_object),
    ];
    let reasons: Vec<SetAside> = set_aside.iter().map(|(reason, _)| reason.clone()).collect();
    let plan = crate::stored_plan(field("schemaVersion").as_f64().map(|v| v as u64), &reasons);
    let all_aside: js_sys::Array = field("setAside").dyn_into().unwrap_or_default();
    for (reason, value) in set_aside {
        let entry = to_js(&reason);
        set(&entry, "value", &value);
        if plan.newer_schema {
            // Not moved: a newer version wrote it, and reads it where it is.
            set(&entry, "inPlace", &true.into());
        }
        all_aside.push(&entry);
    }
    let stored = js_sys::Object::new();
    for (area, entries) in &areas {
        set(&stored, area, entries);
    }
    set(&stored, "setAside", &all_aside);
    // What the popup names (`stored::told_to_user`).
    let notice = js_sys::Array::new();
    for entry in all_aside.iter() {
        let area = js_sys::Reflect::get(&entry, &"area".into()).unwrap_or_default();
        let dismissed = js_sys::Reflect::get(&entry, &"dismissed".into()).unwrap_or_default();
        let named = area
            .as_string()
            .is_some_and(|area| crate::told_to_user(&area, dismissed.is_truthy()));
        if !named {
            continue;
        }
        let told = js_sys::Object::new();
        set(&told, "area", &area);
        let label = js_sys::Reflect::get(&entry, &"label".into()).unwrap_or_default();
        set(&told, "label", &label);
        notice.push(&told);
    }
    set(&stored, "notice", &notice);
    set(&stored, "newerSchema", &plan.newer_schema.into());
    let writes = if plan.writes() {
        let writes = js_sys::Object::new();
        for (area, entries) in areas.iter().filter(|(area, _)| plan.rewrite.contains(area)) {
            set(&writes, area, entries);
        }
        if plan.write_set_aside {
            set(&writes, "setAside", &all_aside);
        }
        if plan.stamp_version {
            set(
                &writes,
                "schemaVersion",
                &(crate::SCHEMA_VERSION as f64).into(),
            );
        }
        writes.into()
    } else {
        JsValue::NULL
    };
    let reading = js_sys::Object::new();
    set(&reading, "stored", &stored);
    set(&reading, "writes", &writes);
    Ok(reading.into())
}

/// The user's settings: an object, read key by key later (a value of the wrong kind is
/// dropped there). Anything else is set aside like a bad entry, and the defaults and the
/// policy apply: one corrupt value must not silence every certificate's reminders.
fn settings_object(
    value: &JsValue,
    area: &'static str,
    set_aside: &mut Vec<(SetAside, JsValue)>,
) -> JsValue {
    if value.is_undefined() || value.is_null() {
        return js_sys::Object::new().into();
    }
    if value.is_object() && !js_sys::Array::is_array(value) {
        return value.clone();
    }
    let reason = SetAside {
        area,
        key: area.to_owned(),
        label: None,
        reason: "settings are not an object".to_owned(),
        dismissed: false,
    };
    set_aside.push((reason, value.clone()));
    js_sys::Object::new().into()
}

/// `changes` (what the worker is about to write) with every entry this version could not
/// read put back where it was (`stored.setAside` entries marked `inPlace`, found in data a
/// newer version wrote): an area written whole would otherwise lose them, and with a renewal
/// record the fact that a certificate may have been issued. An entry the change itself
/// writes (the same key) is the change's; the set-aside list written keeps only the entries
/// it holds, not those still in their areas. The user's settings are a whole, never merged.
#[wasm_bindgen(js_name = withEntriesKeptInPlace)]
pub fn with_entries_kept_in_place(stored: JsValue, changes: JsValue) -> JsValue {
    let get = |object: &JsValue, name: &str| {
        js_sys::Reflect::get(object, &name.into()).unwrap_or_default()
    };
    let has = |object: &JsValue, name: &str| {
        object.is_object() && js_sys::Reflect::has(object, &name.into()).unwrap_or(false)
    };
    let all_aside: js_sys::Array = get(&stored, "setAside").dyn_into().unwrap_or_default();
    let in_place: Vec<JsValue> = all_aside
        .iter()
        .filter(|entry| get(entry, "inPlace").is_truthy())
        .collect();
    if in_place.is_empty() || !changes.is_object() {
        return changes;
    }
    for entry in &in_place {
        let (Some(area), Some(key)) = (
            get(entry, "area").as_string(),
            get(entry, "key").as_string(),
        ) else {
            continue;
        };
        if area == "settings" || !has(&changes, &area) {
            continue;
        }
        let written = get(&changes, &area);
        if js_sys::Array::is_array(&written) {
            written
                .unchecked_ref::<js_sys::Array>()
                .push(&get(entry, "value"));
        } else if written.is_object() && !has(&written, &key) {
            set(&written, &key, &get(entry, "value"));
        }
    }
    if has(&changes, "setAside") {
        let list: js_sys::Array = get(&changes, "setAside").dyn_into().unwrap_or_default();
        let kept: js_sys::Array = list
            .iter()
            .filter(|entry| !get(entry, "inPlace").is_truthy())
            .collect();
        set(&changes, "setAside", &kept);
    }
    changes
}

/// How one stored area is read: [`decoded`] for its entry type.
type Decode = fn(&JsValue, &'static str, &mut Vec<(SetAside, JsValue)>) -> JsValue;

/// The entries of one stored area (a list or an object; `KEYED`: kept as an object by
/// fingerprint, else as a list) that decode as `T`, as they were; the others go to
/// `set_aside` with their reason. An area that is neither is set aside whole.
fn decoded<T: serde::de::DeserializeOwned, const KEYED: bool>(
    value: &JsValue,
    area: &'static str,
    set_aside: &mut Vec<(SetAside, JsValue)>,
) -> JsValue {
    let entries: Vec<(String, JsValue)> = if value.is_undefined() || value.is_null() {
        Vec::new()
    } else if js_sys::Array::is_array(value) {
        let list: &js_sys::Array = value.unchecked_ref();
        list.iter()
            .enumerate()
            .map(|(index, entry)| (index.to_string(), entry))
            .collect()
    } else if value.is_object() {
        object_entries(value)
    } else {
        vec![(String::new(), value.clone())]
    };
    let kept: JsValue = if KEYED {
        js_sys::Object::new().into()
    } else {
        js_sys::Array::new().into()
    };
    for (key, entry) in entries {
        match serde_wasm_bindgen::from_value::<T>(entry.clone()) {
            Ok(_) if KEYED => set(&kept, &key, &entry),
            Ok(_) => {
                kept.unchecked_ref::<js_sys::Array>().push(&entry);
            }
            Err(err) => {
                let label = js_sys::Reflect::get(&entry, &"label".into())
                    .ok()
                    .and_then(|label| label.as_string());
                let reason = SetAside {
                    area,
                    key,
                    label,
                    reason: err.to_string(),
                    dismissed: false,
                };
                set_aside.push((reason, entry));
            }
        }
    }
    kept
}

/// Every registered certificate assessed on `now` (ms), with badge, banner and due
/// reminders; `renewals` is the list of stored renewal records.
#[wasm_bindgen]
pub fn overview(
    registrations: JsValue,
    reminders: JsValue,
    renewals: JsValue,
    settings: JsValue,
    now: f64,
) -> Result<JsValue, JsValue> {
    let registrations: Vec<Registration> = from_js(registrations)?;
    // A BTreeMap: linked anyway for serde_json's maps; a HashMap added 1 KB of Wasm.
    let reminders: BTreeMap<String, ReminderState> = from_js(reminders)?;
    let renewals: Vec<RenewalRecord> = from_js(renewals)?;
    let settings: Settings = from_js(settings)?;
    Ok(to_js(&crate::overview(
        &registrations,
        &reminders,
        &renewals,
        &settings,
        now as i64,
    )))
}

/// What this terminal reports of each registration for the administrator's page (the
/// companion writes it): `registrations` and `renewals` as stored.
#[wasm_bindgen(js_name = terminalStatus)]
pub fn terminal_status(registrations: JsValue, renewals: JsValue) -> Result<JsValue, JsValue> {
    let registrations: Vec<Registration> = from_js(registrations)?;
    let renewals: Vec<RenewalRecord> = from_js(renewals)?;
    Ok(to_js(&crate::renewal::terminal_status(
        &registrations,
        &renewals,
    )))
}

/// The registration of a certificate the reader found (`certificate`), under `label` or its
/// CN; registered again, it keeps `first_registered` (ms).
#[wasm_bindgen(js_name = newRegistration)]
pub fn new_registration(
    certificate: JsValue,
    label: &str,
    file_name: Option<String>,
    first_registered: Option<f64>,
    now: f64,
) -> Result<JsValue, JsValue> {
    let certificate = from_js(certificate)?;
    let first_registered = first_registered.map(|ms| ms as i64);
    Ok(to_js(&Registration::new(
        certificate,
        label,
        file_name,
        first_registered,
        now as i64,
    )))
}

/// Until when "後で" hides a certificate ending at `not_after` (ms), decided on `now` (ms).
#[wasm_bindgen(js_name = snoozeUntil)]
pub fn snooze_until(not_after: f64, now: f64, settings: JsValue) -> Result<f64, JsValue> {
    let settings: Settings = from_js(settings)?;
    Ok(crate::snooze_until(not_after as i64, now as i64, &settings.schedule()) as f64)
}

/// The registrations to add for the certificates the companion found in the computer's store
/// (`discovery.rs`): `found` as the companion lists them.
#[wasm_bindgen(js_name = discoveredRegistrations)]
pub fn discovered_registrations(
    found: JsValue,
    registrations: JsValue,
    history: JsValue,
    now: f64,
) -> Result<JsValue, JsValue> {
    let found: Vec<crate::FoundCertificate> = from_js(found)?;
    let registrations: Vec<Registration> = from_js(registrations)?;
    let history: Vec<HistoryEntry> = from_js(history)?;
    Ok(to_js(&crate::discovered_registrations(
        &found,
        &registrations,
        &history,
        now as i64,
    )))
}
