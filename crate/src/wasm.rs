//! The Wasm boundary: the only module that knows wasm-bindgen. Values cross as plain JS
//! objects; errors cross as `{ code, …context }` so the extension can localize them. One
//! module per concept: the reader, the settings, the stored data, the renewal and its HTTP
//! executor.

pub mod http;
pub mod reader;
pub mod renewal;
pub mod settings;
pub mod signature;
pub mod stored;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::error::Error;

/// A bug in the shell or the core: the worker sent something the core cannot read.
const INTERNAL: &str = "internal";

/// The core's version, so the extension can show which reader it runs.
#[wasm_bindgen(js_name = coreVersion)]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// The diagnostics an administrator copies (`diagnostics.rs`): `facts` from the worker, the
/// user's stored settings and the policy (read as `effectiveSettings` reads them), and the
/// registrations and renewals as stored. Never given a secret: the worker's secrets stay out.
#[wasm_bindgen(js_name = diagnosticsText)]
pub fn diagnostics_text(
    facts: JsValue,
    user: JsValue,
    policy: JsValue,
    registrations: JsValue,
    renewals: JsValue,
) -> Result<String, JsValue> {
    let facts = diagnostics_facts(&facts);
    let registrations: Vec<crate::overview::Registration> = from_js(registrations)?;
    let renewals: Vec<crate::RenewalRecord> = from_js(renewals)?;
    let user = crate::SettingsInput::from_entries(settings::settings_entries(&user)?);
    let given = user.0.clone();
    let policy = crate::SettingsInput::from_entries(settings::settings_entries(&policy)?);
    let effective = crate::effective_settings_read(user, policy);
    Ok(crate::diagnostics(
        &facts,
        &effective,
        &given,
        &registrations,
        &renewals,
    ))
}

/// The worker's facts (`diagnostics::Facts`), read key by key: a derived deserializer for them
/// cost the Wasm 4.4 KB, and a missing or mistyped fact is only a blank in a report. `messages`
/// is a list of `[code, sentence]` pairs.
fn diagnostics_facts(facts: &JsValue) -> crate::DiagnosticsFacts {
    let get = |object: &JsValue, key: &str| js_sys::Reflect::get(object, &key.into()).ok();
    let text = |object: &JsValue, key: &str| get(object, key).and_then(|value| value.as_string());
    let number = |object: &JsValue, key: &str| {
        get(object, key)
            .and_then(|value| value.as_f64())
            .map(|ms| ms as i64)
    };
    let companion = get(facts, "companion")
        .filter(JsValue::is_object)
        .map(|companion| crate::DiagnosticsCompanion {
            version: text(&companion, "version"),
            store: text(&companion, "store"),
            backup_folder: text(&companion, "backupFolder"),
            error_code: text(&companion, "errorCode"),
            status_written: get(&companion, "statusWritten").and_then(|value| value.as_bool()),
            status_code: text(&companion, "statusCode"),
            status_at: number(&companion, "statusAt"),
        });
    let messages = get(facts, "messages")
        .filter(js_sys::Array::is_array)
        .map(|messages| {
            js_sys::Array::from(&messages)
                .iter()
                .filter_map(|pair| {
                    let pair = js_sys::Array::from(&pair);
                    Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
                })
                .collect()
        })
        .unwrap_or_default();
    crate::DiagnosticsFacts {
        extension_version: text(facts, "extensionVersion").unwrap_or_default(),
        install_type: text(facts, "installType").unwrap_or_default(),
        browser: text(facts, "browser").unwrap_or_default(),
        companion,
        messages,
        now: number(facts, "now").unwrap_or_default(),
    }
}

/// An object's own `(name, value)` pairs, as `Object.entries` gives them.
fn object_entries(object: &JsValue) -> Vec<(String, JsValue)> {
    js_sys::Object::entries(object.unchecked_ref())
        .iter()
        .map(|pair| {
            let pair: js_sys::Array = pair.unchecked_into();
            (pair.get(0).as_string().unwrap_or_default(), pair.get(1))
        })
        .collect()
}

fn set(object: &JsValue, key: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(object, &key.into(), value);
}

/// Every code the core can reject or record with: the extension words each one (a test
/// checks both locales against this list).
#[wasm_bindgen(js_name = errorCodes)]
pub fn error_codes() -> Vec<String> {
    Error::CODES
        .iter()
        .copied()
        .chain(crate::RenewalCode::ALL.iter().map(|code| code.as_str()))
        .chain([settings::INVALID_SETTING, INTERNAL])
        .map(str::to_owned)
        .collect()
}

/// Reads a JS value the worker built; a shape error is a bug in the shell, reported as such.
fn from_js<T: serde::de::DeserializeOwned>(value: JsValue) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value)
        .map_err(|err| to_js(&ErrorObject::new(INTERNAL, err.to_string())))
}

fn to_js<T: Serialize>(value: &T) -> JsValue {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value
        .serialize(&serializer)
        .unwrap_or_else(|err| JsValue::from_str(&err.to_string()))
}

/// `{ code, message, …context }` for one [`Error`]; `message` is English, for logs only.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorObject {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    position: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    context: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    oid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<u64>,
}

impl ErrorObject {
    fn new(code: &'static str, message: String) -> Self {
        Self {
            code,
            message,
            position: None,
            context: None,
            oid: None,
            count: None,
            max: None,
        }
    }
}

impl From<&Error> for ErrorObject {
    fn from(err: &Error) -> Self {
        let mut object = Self::new(err.code(), err.to_string());
        match err {
            Error::TooLarge { len, max } => {
                object.count = Some(*len as u64);
                object.max = Some(*max as u64);
            }
            Error::Truncated { position } => object.position = Some(*position),
            Error::Malformed { position, context } => {
                object.position = Some(*position);
                object.context = Some(context);
            }
            Error::UnsupportedAlgorithm { oid } => object.oid = Some(oid.to_string()),
            Error::IterationsTooHigh { count, max } => {
                object.count = Some(*count);
                object.max = Some(*max);
            }
            Error::TooMuchWork { max } => object.max = Some(*max),
            Error::TooManyParts { what, max } => {
                object.context = Some(what);
                object.max = Some(*max as u64);
            }
            _ => {}
        }
        object
    }
}
