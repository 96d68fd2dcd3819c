//! The Wasm boundary: the only module that knows wasm-bindgen. Values cross as plain JS
//! objects; errors cross as `{ code, …context }` so the extension can localize them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, ReadableStreamDefaultReader, Response, ResponseType};
use zeroize::{Zeroize, Zeroizing};

use crate::error::Error;
use crate::overview::{Registration, ReminderState};
use crate::renewal::{Event, RenewalRecord, Secret, StartRequest};
use crate::settings::{Settings, SettingsInput};
use crate::stored::{HistoryEntry, SetAside};

/// A settings form refused (its `key` and `reason` say why).
const INVALID_SETTING: &str = "invalid_setting";
/// A bug in the shell or the core: the worker sent something the core cannot read.
const INTERNAL: &str = "internal";

/// The core's version, so the extension can show which reader it runs.
#[wasm_bindgen(js_name = coreVersion)]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Reads a certificate file; resolves to the report or rejects with `{ code, … }`.
/// `password` opens PKCS#12 and is wiped after use. The PBKDF2 keys the file needs are
/// derived with the browser's WebCrypto (`crypto.subtle`, all of a round at once), which is
/// several times faster than SHA-256 in Wasm; see `pkcs12/keys.rs`.
#[wasm_bindgen(js_name = readCertificate)]
pub async fn read_certificate(
    bytes: Vec<u8>,
    password: Option<String>,
    file_name: Option<String>,
) -> Result<JsValue, JsValue> {
    let mut keys = crate::Keys::asking();
    let secret = password.as_deref().unwrap_or("").as_bytes();
    let result = loop {
        match crate::read_certificate_round(
            &bytes,
            password.as_deref(),
            file_name.as_deref(),
            &mut keys,
        ) {
            Ok(Some(report)) => break Ok(report),
            Err(err) => break Err(err),
            Ok(None) => {
                let missing = keys.take_missing();
                let derivations = start_web_crypto_pbkdf2(secret, &missing).await;
                // The PKCS#12 KDF in Wasm while WebCrypto derives on its own threads.
                keys.compute_deferred();
                let derived = finish_web_crypto_pbkdf2(derivations, missing.len()).await;
                for (request, key) in missing.into_iter().zip(derived) {
                    match key {
                        Some(key) => keys.provide(request, key, secret),
                        None => keys.compute(request, secret),
                    }
                }
            }
        }
    };
    if let Some(mut password) = password {
        password.zeroize();
    }
    result
        .map(|report| to_js(&report))
        .map_err(|err| to_js(&ErrorObject::from(&err)))
}

/// Starts deriving each request with `crypto.subtle` (PBKDF2 over `password`), all at once,
/// so that they are under way before the caller computes.
/// `None` when WebCrypto is absent or refuses the password. The password's copy handed to
/// WebCrypto is wiped once imported.
async fn start_web_crypto_pbkdf2(
    password: &[u8],
    requests: &[crate::Pbkdf2Request],
) -> Option<js_sys::Promise> {
    if requests.is_empty() {
        return None;
    }
    let global = js_sys::global();
    let subtle = js_sys::Reflect::get(&global, &"crypto".into())
        .and_then(|crypto| js_sys::Reflect::get(&crypto, &"subtle".into()))
        .ok()
        .filter(|subtle| subtle.is_object())?;
    let secret = js_sys::Uint8Array::from(password);
    let import = call(
        &subtle,
        "importKey",
        &[
            "raw".into(),
            secret.clone().into(),
            "PBKDF2".into(),
            false.into(),
            js_sys::Array::of1(&"deriveBits".into()).into(),
        ],
    );
    let key = match import {
        Ok(promise) => JsFuture::from(promise).await,
        Err(err) => Err(err),
    };
    secret.fill(0, 0, secret.length());
    let key = key.ok()?;
    let derivations = js_sys::Array::new();
    for request in requests {
        let params = js_sys::Object::new();
        set(&params, "name", &"PBKDF2".into());
        // Only requests WebCrypto has the hash for are ever listed (`Keys::pbkdf2`).
        let hash = request.web_crypto_hash().unwrap_or_default();
        set(&params, "hash", &hash.into());
        let salt = js_sys::Uint8Array::from(request.salt.as_slice());
        set(&params, "salt", &salt.into());
        set(&params, "iterations", &request.iterations.into());
        let bits = (request.length * 8) as u32;
        let derivation = call(
            &subtle,
            "deriveBits",
            &[params.into(), key.clone(), bits.into()],
        )
        .unwrap_or_else(|err| js_sys::Promise::reject(&err));
        derivations.push(&derivation);
    }
    let settled = js_sys::Promise::all_settled(&derivations);
    // Chromium hands a derivation to its crypto threads within the call; Node's WebCrypto
    // does after a few microtasks, which this turn lets run (a timer would cost more).
    let _ = JsFuture::from(js_sys::Promise::resolve(&JsValue::UNDEFINED)).await;
    Some(settled)
}

/// The keys the derivations gave, in order: `None` for each one that failed (an algorithm
/// WebCrypto refuses, or no WebCrypto at all), which the caller then computes in Wasm. The
/// derived bits are wiped once read.
async fn finish_web_crypto_pbkdf2(
    derivations: Option<js_sys::Promise>,
    count: usize,
) -> Vec<Option<Zeroizing<Vec<u8>>>> {
    let settled = match derivations {
        Some(promise) => JsFuture::from(promise).await.ok(),
        None => None,
    };
    let Some(settled) = settled.and_then(|s| s.dyn_into::<js_sys::Array>().ok()) else {
        return (0..count).map(|_| None).collect();
    };
    settled
        .iter()
        .map(|outcome| {
            let fulfilled = js_sys::Reflect::get(&outcome, &"status".into())
                .ok()
                .and_then(|status| status.as_string())
                .is_some_and(|status| status == "fulfilled");
            let value = js_sys::Reflect::get(&outcome, &"value".into()).ok()?;
            if !fulfilled || !value.is_instance_of::<js_sys::ArrayBuffer>() {
                return None;
            }
            let bits = js_sys::Uint8Array::new(&value);
            let key = Zeroizing::new(bits.to_vec());
            bits.fill(0, 0, bits.length());
            Some(key)
        })
        .collect()
}

/// `target[method](...args)`, for the few WebCrypto calls (a promise, or what was thrown).
fn call(target: &JsValue, method: &str, args: &[JsValue]) -> Result<js_sys::Promise, JsValue> {
    let function: js_sys::Function = js_sys::Reflect::get(target, &method.into())?.dyn_into()?;
    let args: js_sys::Array = args.iter().collect();
    function.apply(target, &args)?.dyn_into()
}

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
fn settings_entries(
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

/// What storage holds, read entry by entry: `{ stored, writes }`. `stored` has the entries
/// that decode — as they were stored, not re-encoded — in `registrations`, `reminders`,
/// `renewals`, `history`, the entries set aside (`setAside`, old and new, each with its
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
    ];
    let reasons: Vec<SetAside> = set_aside.iter().map(|(reason, _)| reason.clone()).collect();
    let plan = crate::stored_plan(field("schemaVersion").as_f64().map(|v| v as u64), &reasons);
    let all_aside: js_sys::Array = field("setAside").dyn_into().unwrap_or_default();
    for (reason, value) in set_aside {
        let entry = to_js(&reason);
        set(&entry, "value", &value);
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

/// The renewal endpoint of a certificate renewed from the WebORCA page at `origin`, or away
/// from any page (`undefined`); `undefined` when none is known for certain.
#[wasm_bindgen(js_name = renewalApiUrl)]
pub fn renewal_api_url(
    settings: JsValue,
    origin: Option<String>,
) -> Result<Option<String>, JsValue> {
    let settings: Settings = from_js(settings)?;
    Ok(crate::certificate_api_url(&settings, origin.as_deref()))
}

/// Every code the core can reject or record with: the extension words each one (a test
/// checks both locales against this list).
#[wasm_bindgen(js_name = errorCodes)]
pub fn error_codes() -> Vec<String> {
    Error::CODES
        .iter()
        .copied()
        .chain(crate::RenewalCode::ALL.iter().map(|code| code.as_str()))
        .chain([INVALID_SETTING, INTERNAL])
        .map(str::to_owned)
        .collect()
}

/// "今すぐ更新": `{ record, effects }` for a new renewal, or rejects with `{ code }`
/// (`renewal_in_progress`, `renewal_awaits_import`, `renewal_needs_confirmation`, …).
#[wasm_bindgen(js_name = renewalStart)]
pub fn renewal_start(existing: JsValue, request: JsValue, now: f64) -> Result<JsValue, JsValue> {
    let existing: Option<RenewalRecord> = from_js(existing)?;
    let request: StartRequest = from_js(request)?;
    crate::start_renewal(existing.as_ref(), request, now as i64)
        .map(|step| to_js(&step))
        .map_err(|refusal| to_js(&Coded { code: refusal }))
}

/// One step of a renewal: `{ record, effects }` after `event` (see `renewal::Event`), given
/// the secret the worker keeps for it (or `undefined`).
#[wasm_bindgen(js_name = renewalStep)]
pub fn renewal_step(
    record: JsValue,
    event: JsValue,
    secret: JsValue,
    now: f64,
    jitter: f64,
) -> Result<JsValue, JsValue> {
    let record: RenewalRecord = from_js(record)?;
    let event: Event = from_js(event)?;
    let mut secret: Option<Secret> = from_js(secret)?;
    let step = crate::renewal_step(record, event, secret.as_ref(), now as i64, jitter);
    if let Some(secret) = secret.as_mut() {
        secret.pass.zeroize();
        secret.file.zeroize();
    }
    Ok(to_js(&step))
}

/// Which certificates the worker renews now without a click (`autoRenew`), when to look
/// again, and since when automatic renewal is on: `{ start, wakeAt, since }`. `renewed` is
/// the fingerprints that have a renewal record.
#[wasm_bindgen(js_name = autoRenewalPlan)]
pub fn auto_renewal_plan(
    registrations: JsValue,
    renewed: JsValue,
    settings: JsValue,
    seed: u32,
    since: Option<f64>,
    now: f64,
) -> Result<JsValue, JsValue> {
    let registrations: Vec<Registration> = from_js(registrations)?;
    let renewed: Vec<String> = from_js(renewed)?;
    let settings: Settings = from_js(settings)?;
    Ok(to_js(&crate::auto_plan(
        &registrations,
        &renewed,
        &settings,
        seed,
        since.map(|s| s as i64),
        now as i64,
    )))
}

/// Why the registered certificate of `record` may not be removed now, or `undefined`.
#[wasm_bindgen(js_name = renewalRemovalRefused)]
pub fn renewal_removal_refused(record: JsValue) -> Result<Option<String>, JsValue> {
    let record: Option<RenewalRecord> = from_js(record)?;
    Ok(crate::renewal_removal_refused(record.as_ref()).map(|code| code.as_str().to_owned()))
}

/// What the screens show for a renewal (`renewal::RenewalView`): its card, error, actions,
/// whether the password may be shown, the guide.
#[wasm_bindgen(js_name = renewalView)]
pub fn renewal_view(record: JsValue) -> Result<JsValue, JsValue> {
    let record: RenewalRecord = from_js(record)?;
    Ok(to_js(&crate::renewal_view(&record)))
}

/// Whether the backup copy the user picked (its SHA-256 fingerprint, read with the kept
/// password) is the renewed certificate awaiting its backup check.
#[wasm_bindgen(js_name = renewalBackupMatches)]
pub fn renewal_backup_matches(record: JsValue, copy_fingerprint: &str) -> Result<bool, JsValue> {
    let record: RenewalRecord = from_js(record)?;
    Ok(crate::renewal_backup_matches(&record, copy_fingerprint))
}

/// Performs a renewal step's `Request` effect over the browser's TLS (credentials included,
/// so the client certificate is presented; redirects not followed, see
/// `FOLLOW_REDIRECTS`) and resolves to the event to feed back: `{ type: "response", status,
/// redirected, body (a Uint8Array), tooLarge }` or `{ type: "networkFailed", timeout }`.
/// The body is read up to `maxBytes` and no further.
#[wasm_bindgen(js_name = performRequest)]
pub async fn perform_request(effect: JsValue) -> Result<JsValue, JsValue> {
    let request: RequestEffect = from_js(effect)?;
    let init = js_sys::Object::new();
    let method = if request.method == "POST" {
        "POST"
    } else {
        "GET"
    };
    set(&init, "method", &method.into());
    set(&init, "credentials", &"include".into());
    set(
        &init,
        "redirect",
        &if crate::FOLLOW_REDIRECTS {
            "follow"
        } else {
            "manual"
        }
        .into(),
    );
    set(
        &init,
        "signal",
        &AbortSignal::timeout_with_u32(request.timeout_ms),
    );
    if let Some(body) = &request.body {
        let headers = js_sys::Object::new();
        set(&headers, "Accept", &"application/json".into());
        set(&headers, "Content-Type", &"application/json".into());
        set(&init, "headers", &headers);
        set(&init, "body", &body.as_str().into());
    }
    let response: Response = match JsFuture::from(fetch(&request.url, &init)).await {
        Ok(response) => response.unchecked_into(),
        Err(err) => return Ok(network_failed(js_error_is_timeout(&err))),
    };
    let redirected = response.type_() == ResponseType::Opaqueredirect;
    let (body, too_large) = if redirected {
        (Vec::new(), false)
    } else {
        match read_capped(response.body(), request.max_bytes).await {
            Ok(read) => read,
            Err(timeout) => return Ok(network_failed(timeout)),
        }
    };
    // Built by hand, the body as a Uint8Array (`renewal::Event` reads either form): serde
    // would write it as an Array, one JS number per byte.
    let event = js_sys::Object::new();
    set(&event, "type", &"response".into());
    set(&event, "status", &response.status().into());
    set(&event, "redirected", &redirected.into());
    set(&event, "body", &js_sys::Uint8Array::from(body.as_slice()));
    set(&event, "tooLarge", &too_large.into());
    Ok(event.into())
}

// The global `fetch` (window or worker) with a plain init object: gloo-net's builder cost
// 6 KB of Wasm and 4 KB of JS glue for the five fields set here.
#[wasm_bindgen]
extern "C" {
    fn fetch(url: &str, init: &js_sys::Object) -> js_sys::Promise;
}

/// Reads at most `max` bytes of the body, then cancels the rest. `Err(timeout?)` when the
/// stream fails.
async fn read_capped(
    stream: Option<web_sys::ReadableStream>,
    max: usize,
) -> Result<(Vec<u8>, bool), bool> {
    let Some(stream) = stream else {
        return Ok((Vec::new(), false));
    };
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut body = Vec::new();
    loop {
        if body.len() > max {
            let _ = JsFuture::from(reader.cancel()).await;
            body.truncate(max);
            return Ok((body, true));
        }
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(|err| js_error_is_timeout(&err))?;
        let done = js_sys::Reflect::get(&chunk, &"done".into())
            .map(|v| v.is_truthy())
            .unwrap_or(true);
        if done {
            return Ok((body, false));
        }
        if let Ok(value) = js_sys::Reflect::get(&chunk, &"value".into()) {
            body.extend(js_sys::Uint8Array::new(&value).to_vec());
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestEffect {
    method: String,
    url: String,
    body: Option<String>,
    max_bytes: usize,
    timeout_ms: u32,
}

fn network_failed(timeout: bool) -> JsValue {
    let object = js_sys::Object::new();
    set(&object, "type", &"networkFailed".into());
    set(&object, "timeout", &timeout.into());
    object.into()
}

/// A fetch or a body read that got no answer: aborted by the signal (timeout) or failed
/// outright.
fn js_error_is_timeout(err: &JsValue) -> bool {
    js_sys::Reflect::get(err, &"name".into())
        .ok()
        .and_then(|name| name.as_string())
        .is_some_and(|name| name == "AbortError" || name == "TimeoutError")
}

#[derive(Serialize)]
struct Coded<T: Serialize> {
    code: T,
}

#[derive(Serialize)]
struct InvalidSetting {
    code: &'static str,
    key: String,
    reason: &'static str,
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
