//! The renewal: its endpoint, the state machine's steps, the automatic plan, the view.

use serde::Serialize;
use wasm_bindgen::prelude::*;
use zeroize::Zeroize;

use super::{from_js, to_js};
use crate::overview::Registration;
use crate::settings::Settings;
use crate::{Event, RenewalRecord, Secret, StartAsked, StartRequest};

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

/// "今すぐ更新": `{ record, effects }` for a new renewal `asked` for (`StartAsked`) under the
/// settings in force, or rejects with `{ code }` (`renewal_in_progress`,
/// `renewal_awaits_import`, `renewal_needs_confirmation`, …).
#[wasm_bindgen(js_name = renewalStart)]
pub fn renewal_start(
    existing: JsValue,
    asked: JsValue,
    settings: JsValue,
    now: f64,
) -> Result<JsValue, JsValue> {
    let existing: Option<RenewalRecord> = from_js(existing)?;
    let settings: Settings = from_js(settings)?;
    let request = StartRequest::under(&settings, from_js::<StartAsked>(asked)?);
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

#[derive(Serialize)]
struct Coded<T: Serialize> {
    code: T,
}
