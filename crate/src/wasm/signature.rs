//! Issuer signatures checked with the browser's WebCrypto (`crypto.subtle.importKey("spki")`
//! and `verify`), for the reader's rounds and the renewal's `checkSignatures` effect: the core
//! ships no RSA or ECDSA arithmetic (see `issuer.rs`).

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::reader::call;
use super::{from_js, set};
use crate::SignatureRequest;

/// The renewal's `checkSignatures` effect: resolves to one boolean per request, in order,
/// whether the key verifies the signature (a key or signature WebCrypto refuses is `false`).
#[wasm_bindgen(js_name = checkSignatures)]
pub async fn check_signatures(requests: JsValue) -> Result<JsValue, JsValue> {
    let requests: Vec<SignatureRequest> = from_js(requests)?;
    let valid = web_crypto_verify(&requests).await;
    Ok(valid
        .iter()
        .map(|valid| JsValue::from_bool(*valid))
        .collect::<js_sys::Array>()
        .into())
}

/// Checks each request with WebCrypto, all at once. Without WebCrypto every answer is
/// `false`: never valid by default.
pub(super) async fn web_crypto_verify(requests: &[SignatureRequest]) -> Vec<bool> {
    let Some(subtle) = subtle() else {
        return vec![false; requests.len()];
    };
    let checks: js_sys::Array = requests
        .iter()
        .map(|request| verify(&subtle, request))
        .collect();
    let Ok(settled) = JsFuture::from(js_sys::Promise::all(&checks)).await else {
        return vec![false; requests.len()];
    };
    js_sys::Array::from(&settled)
        .iter()
        .map(|answer| answer.as_bool() == Some(true))
        .collect()
}

/// `crypto.subtle`, when the global has one.
pub(super) fn subtle() -> Option<JsValue> {
    let global = js_sys::global();
    js_sys::Reflect::get(&global, &"crypto".into())
        .and_then(|crypto| js_sys::Reflect::get(&crypto, &"subtle".into()))
        .ok()
        .filter(|subtle| subtle.is_object())
}

/// A promise of whether one request verifies; it never rejects (a refusal is `false`).
fn verify(subtle: &JsValue, request: &SignatureRequest) -> js_sys::Promise {
    let algorithm = request.algorithm;
    let (import_params, verify_params) = (js_sys::Object::new(), js_sys::Object::new());
    let hash = JsValue::from_str(algorithm.web_crypto_hash());
    if algorithm.is_ecdsa() {
        set(&import_params, "name", &"ECDSA".into());
        set(&import_params, "namedCurve", &"P-256".into());
        set(&verify_params, "name", &"ECDSA".into());
        set(&verify_params, "hash", &hash);
    } else {
        set(&import_params, "name", &"RSASSA-PKCS1-v1_5".into());
        set(&import_params, "hash", &hash);
        set(&verify_params, "name", &"RSASSA-PKCS1-v1_5".into());
    }
    let import = call(
        subtle,
        "importKey",
        &[
            "spki".into(),
            js_sys::Uint8Array::from(request.key.as_slice()).into(),
            import_params.into(),
            false.into(),
            js_sys::Array::of1(&"verify".into()).into(),
        ],
    );
    let subtle = subtle.clone();
    let signature: JsValue = js_sys::Uint8Array::from(request.signature.as_slice()).into();
    let signed: JsValue = js_sys::Uint8Array::from(request.signed.as_slice()).into();
    let check = async move {
        let key = JsFuture::from(import?).await?;
        let verified = call(
            &subtle,
            "verify",
            &[verify_params.into(), key, signature, signed],
        )?;
        JsFuture::from(verified).await
    };
    wasm_bindgen_futures::future_to_promise(async move {
        Ok(JsValue::from_bool(
            check
                .await
                .is_ok_and(|valid: JsValue| valid.as_bool() == Some(true)),
        ))
    })
}
