//! The Wasm boundary: the only module that knows wasm-bindgen. Values cross as plain JS
//! objects; errors cross as `{ code, …context }` so the extension can localize them.

use std::collections::HashMap;

use gloo_net::http::{Method, RequestBuilder};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use web_sys::{AbortSignal, RequestCredentials};
use zeroize::Zeroize;

use crate::certificate::CertificateInfo;
use crate::error::Error;
use crate::overview::{Registration, ReminderState};
use crate::renewal::{Event, RenewalError, RenewalRecord};
use crate::settings::{Settings, SettingsInput};

/// The core's version, so the extension can show which reader it runs.
#[wasm_bindgen(js_name = coreVersion)]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Reads a certificate file. `password` opens PKCS#12 and is wiped after use.
#[wasm_bindgen(js_name = readCertificate)]
pub fn read_certificate(
    bytes: &[u8],
    password: Option<String>,
    file_name: Option<String>,
) -> Result<JsValue, JsValue> {
    let result = crate::read_certificate_file(bytes, password.as_deref(), file_name.as_deref());
    if let Some(mut password) = password {
        password.zeroize();
    }
    result
        .map(|report| to_js(&report))
        .map_err(|err| to_js(&ErrorObject::from(&err)))
}

/// The settings in force: defaults, then the user's, then the administrator's policy.
#[wasm_bindgen(js_name = effectiveSettings)]
pub fn effective_settings(user: JsValue, policy: JsValue) -> Result<JsValue, JsValue> {
    let user: SettingsInput = from_js(user)?;
    let policy: SettingsInput = from_js(policy)?;
    Ok(to_js(&crate::effective_settings(&user, &policy)))
}

/// Checks a settings form whole; the cleaned values, or `{ code: "invalid_setting", key, reason }`.
#[wasm_bindgen(js_name = validateSettings)]
pub fn validate_settings(input: JsValue) -> Result<JsValue, JsValue> {
    let input: SettingsInput = from_js(input)?;
    crate::validate_settings(&input)
        .map(|valid| to_js(&valid))
        .map_err(|err| {
            to_js(&InvalidSetting {
                code: "invalid_setting",
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

/// Every registered certificate assessed on `now` (ms), with badge and due reminders.
#[wasm_bindgen]
pub fn overview(
    registrations: JsValue,
    reminders: JsValue,
    settings: JsValue,
    now: f64,
) -> Result<JsValue, JsValue> {
    let registrations: Vec<Registration> = from_js(registrations)?;
    let reminders: HashMap<String, ReminderState> = from_js(reminders)?;
    let settings: Settings = from_js(settings)?;
    Ok(to_js(&crate::overview(
        &registrations,
        &reminders,
        &settings,
        now as i64,
    )))
}

/// Until when "後で" hides a certificate ending at `not_after` (ms), decided on `now` (ms).
#[wasm_bindgen(js_name = snoozeUntil)]
pub fn snooze_until(not_after: f64, now: f64, settings: JsValue) -> Result<f64, JsValue> {
    let settings: Settings = from_js(settings)?;
    Ok(crate::snooze_until(not_after as i64, now as i64, &settings.schedule()) as f64)
}

/// The renewal endpoint for a WebORCA page at `origin` (setting, host map, cloud default).
#[wasm_bindgen(js_name = renewalApiUrl)]
pub fn renewal_api_url(settings: JsValue, origin: &str) -> Result<Option<String>, JsValue> {
    let settings: Settings = from_js(settings)?;
    Ok(crate::renewal_api_url(&settings, origin))
}

/// Step 1 of a renewal: `POST <api_url>` with `{}` over the browser's TLS (the client
/// certificate is presented, so credentials are included). Resolves to `{ uri, pass }`;
/// rejects with `{ code, transient, status }`. `signal` bounds the wait.
#[wasm_bindgen(js_name = requestRenewal)]
pub async fn request_renewal(
    api_url: String,
    allowed_hosts: JsValue,
    signal: AbortSignal,
) -> Result<JsValue, JsValue> {
    let allowed_hosts: Vec<String> = from_js(allowed_hosts)?;
    let request = RequestBuilder::new(&api_url)
        .method(Method::POST)
        .header("Accept", "application/json")
        .header("Content-Type", "application/json")
        .credentials(RequestCredentials::Include)
        .abort_signal(Some(&signal))
        .body(crate::REQUEST_BODY)
        .map_err(|_| to_js(&RenewalError::connection_failed()))?;
    let response = request
        .send()
        .await
        .map_err(|err| to_js(&network_failure(&err)))?;
    let status = response.status();
    let body = response
        .text()
        .await
        .map_err(|err| to_js(&network_failure(&err)))?;
    let answer =
        crate::check_answer(status, &body, &api_url, &allowed_hosts).map_err(|err| to_js(&err))?;
    let object = js_sys::Object::new();
    js_sys::Reflect::set(&object, &"uri".into(), &answer.uri.into())?;
    js_sys::Reflect::set(&object, &"pass".into(), &answer.pass.into())?;
    Ok(object.into())
}

/// Step 2: `GET <uri>` with the same identity; resolves to the file's bytes.
#[wasm_bindgen(js_name = downloadRenewed)]
pub async fn download_renewed(uri: String, signal: AbortSignal) -> Result<Vec<u8>, JsValue> {
    let response = RequestBuilder::new(&uri)
        .method(Method::GET)
        .credentials(RequestCredentials::Include)
        .abort_signal(Some(&signal))
        .send()
        .await
        .map_err(|err| to_js(&network_failure(&err)))?;
    if response.status() != 200 {
        return Err(to_js(&crate::http_failure(response.status())));
    }
    let bytes = response
        .binary()
        .await
        .map_err(|err| to_js(&network_failure(&err)))?;
    Ok(bytes)
}

/// Step 3: checks the downloaded file before anything is called done (see `verify_renewed`).
#[wasm_bindgen(js_name = verifyRenewed)]
pub fn verify_renewed(bytes: &[u8], pass: String, old: JsValue) -> Result<JsValue, JsValue> {
    let old: CertificateInfo = from_js(old)?;
    let mut pass = pass;
    let result = crate::verify_renewed(bytes, &pass, &old);
    pass.zeroize();
    result
        .map(|report| to_js(&report))
        .map_err(|err| to_js(&err))
}

/// The names to save a renewed certificate and its password under.
#[wasm_bindgen(js_name = savedNames)]
pub fn saved_names(certificate: JsValue, now: f64) -> Result<JsValue, JsValue> {
    let certificate: CertificateInfo = from_js(certificate)?;
    Ok(to_js(&crate::saved_names(&certificate, now as i64)))
}

/// "今すぐ更新": the record to store and follow, or `undefined` when one is under way.
#[wasm_bindgen(js_name = startRenewal)]
pub fn start_renewal(
    existing: JsValue,
    fingerprint: &str,
    label: &str,
    api_url: &str,
    now: f64,
) -> Result<JsValue, JsValue> {
    let existing: Option<RenewalRecord> = from_js(existing)?;
    Ok(
        crate::start_renewal(existing.as_ref(), fingerprint, label, api_url, now as i64)
            .map(|record| to_js(&record))
            .unwrap_or(JsValue::UNDEFINED),
    )
}

/// What a renewal record becomes after `event` (`{ type: "answered", uri }`…) at `now`.
#[wasm_bindgen(js_name = renewalTransition)]
pub fn renewal_transition(
    record: JsValue,
    event: JsValue,
    now: f64,
    jitter: f64,
) -> Result<JsValue, JsValue> {
    let record: RenewalRecord = from_js(record)?;
    let event: Event = from_js(event)?;
    Ok(to_js(&crate::renewal_transition(
        record, event, now as i64, jitter,
    )))
}

/// Whether a renewal's new certificate is saved but its import not yet confirmed.
#[wasm_bindgen(js_name = renewalAwaitsImport)]
pub fn renewal_awaits_import(record: JsValue) -> Result<bool, JsValue> {
    let record: RenewalRecord = from_js(record)?;
    Ok(record.awaits_import())
}

/// A fetch that got no HTTP answer: aborted by the signal (timeout) or failed outright.
fn network_failure(err: &gloo_net::Error) -> RenewalError {
    match err {
        gloo_net::Error::JsError(js) if js.name == "AbortError" || js.name == "TimeoutError" => {
            RenewalError::timeout()
        }
        _ => RenewalError::connection_failed(),
    }
}

#[derive(Serialize)]
struct InvalidSetting {
    code: &'static str,
    key: &'static str,
    reason: &'static str,
}

/// Reads a JS value the worker built; a shape error is a bug in the shell, reported as such.
fn from_js<T: serde::de::DeserializeOwned>(value: JsValue) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value)
        .map_err(|err| to_js(&ErrorObject::new("internal", err.to_string())))
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
            _ => {}
        }
        object
    }
}
