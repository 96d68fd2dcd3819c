//! The settings in force, a settings form checked, the watched origins.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{ErrorObject, INTERNAL, from_js, object_entries, to_js};
use crate::settings::{Settings, SettingsInput};

/// A settings form refused (its `key` and `reason` say why).
pub(super) const INVALID_SETTING: &str = "invalid_setting";

/// The settings in force: defaults, then the user's, then the administrator's policy. Both
/// are read key by key: a value of the wrong kind is named in `policyErrors`, not fatal.
#[wasm_bindgen(js_name = effectiveSettings)]
pub fn effective_settings(user: JsValue, policy: JsValue) -> Result<JsValue, JsValue> {
    let user = SettingsInput::from_entries(settings_entries(&user)?);
    let policy = SettingsInput::from_entries(settings_entries(&policy)?);
    Ok(to_js(&crate::effective_settings_read(user, policy)))
}

/// A settings object's entries, each value its own deserializer, without nulls and in the
/// order of their names (as a `serde_json::Map` iterated them before).
pub(super) fn settings_entries(
    object: &JsValue,
) -> Result<Vec<(String, serde_wasm_bindgen::Deserializer)>, JsValue> {
    if !object.is_object() || js_sys::Array::is_array(object) {
        return Err(to_js(&ErrorObject::new(
            INTERNAL,
            "settings are not an object".to_owned(),
        )));
    }
    let mut entries: Vec<(String, JsValue)> = object_entries(object)
        .into_iter()
        .filter(|(_, value)| !value.is_null() && !value.is_undefined())
        .collect();
    crate::order::sort_by(&mut entries, |a, b| a.0.cmp(&b.0));
    Ok(entries
        .into_iter()
        .map(|(key, value)| (key, value.into()))
        .collect())
}

/// Checks a settings form whole; the cleaned values, or `{ code: INVALID_SETTING, key, reason }`.
#[wasm_bindgen(js_name = validateSettings)]
pub fn validate_settings(input: JsValue) -> Result<JsValue, JsValue> {
    // Read as the settings in force are (one reader linked, not also a struct deserializer):
    // a value of the wrong kind or an unknown name refuses the form like an invalid value.
    let (input, mut errors) = SettingsInput::from_entries(settings_entries(&input)?);
    let checked = match errors.drain(..).next() {
        Some(err) => Err(err),
        None => crate::validate_settings_form(&input),
    };
    checked.map(|valid| to_js(&valid)).map_err(|err| {
        to_js(&InvalidSetting {
            code: INVALID_SETTING,
            key: err.key,
            reason: err.reason,
        })
    })
}

/// Whether `origin` is a watched WebORCA origin under `settings`.
#[wasm_bindgen(js_name = isWeborcaOrigin)]
pub fn is_weborca_origin(settings: JsValue, origin: &str) -> Result<bool, JsValue> {
    let settings: Settings = from_js(settings)?;
    Ok(settings.is_weborca_origin(origin))
}

#[derive(Serialize)]
struct InvalidSetting {
    code: &'static str,
    key: String,
    reason: &'static str,
}
