//! Reading a certificate file, with the browser's WebCrypto for the PBKDF2 keys.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use zeroize::{Zeroize, Zeroizing};

use super::{ErrorObject, set, to_js};

/// Reads a certificate file; resolves to the report or rejects with `{ code, … }`.
/// `password` opens PKCS#12 and is wiped after use. The PBKDF2 keys the file needs are
/// derived with the browser's WebCrypto (`crypto.subtle`, all of a round at once), which is
/// several times faster than SHA-256 in Wasm (see `pkcs12/keys.rs`); the issuer's signature
/// is checked with it too (see `issuer.rs`).
#[wasm_bindgen(js_name = readCertificate)]
pub async fn read_certificate(
    bytes: Vec<u8>,
    password: Option<String>,
    file_name: Option<String>,
) -> Result<JsValue, JsValue> {
    let mut reading = crate::Reading::asking();
    let secret = password.as_deref().unwrap_or("").as_bytes();
    let result = loop {
        match reading.next(&bytes, password.as_deref(), file_name.as_deref()) {
            crate::Round::Done(result) => break result,
            // The file is open; the issuer's signature is asked of WebCrypto.
            crate::Round::CheckSignatures(requests) => {
                let valid = super::signature::web_crypto_verify(&requests).await;
                reading.checked(requests, valid);
            }
            crate::Round::DeriveKeys(missing) => {
                let derivations = start_web_crypto_pbkdf2(secret, &missing).await;
                // The PKCS#12 KDF in Wasm while WebCrypto derives on its own threads.
                reading.compute_deferred();
                let derived = finish_web_crypto_pbkdf2(derivations, missing.len()).await;
                reading.derived(missing, derived, secret);
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
    let subtle = super::signature::subtle()?;
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
pub(super) fn call(
    target: &JsValue,
    method: &str,
    args: &[JsValue],
) -> Result<js_sys::Promise, JsValue> {
    let function: js_sys::Function = js_sys::Reflect::get(target, &method.into())?.dyn_into()?;
    let args: js_sys::Array = args.iter().collect();
    function.apply(target, &args)?.dyn_into()
}
