//! The HTTP executor for a renewal step's `Request` effect.

use gloo_net::http::Request;
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, ReadableStreamDefaultReader, RequestCredentials, RequestRedirect, ResponseType,
};

use super::{from_js, set, to_js};
use crate::renewal::{EventKind, Method};

/// Performs a renewal step's `Request` effect with gloo-net over the browser's TLS (credentials included,
/// so the client certificate is presented; redirects not followed, see
/// `FOLLOW_REDIRECTS`) and resolves to the event to feed back: `{ type: "response", status,
/// redirected, body (a Uint8Array), tooLarge, retryAfter? }` or `{ type: "networkFailed", timeout }`.
/// The body is read up to `maxBytes` and no further.
#[wasm_bindgen(js_name = performRequest)]
pub async fn perform_request(effect: JsValue) -> Result<JsValue, JsValue> {
    let request: RequestEffect = from_js(effect)?;
    let signal = AbortSignal::timeout_with_u32(request.timeout_ms);
    let builder = match request.method {
        Method::Post => Request::post(&request.url),
        Method::Get => Request::get(&request.url),
    }
    .credentials(RequestCredentials::Include)
    .redirect(if crate::FOLLOW_REDIRECTS {
        RequestRedirect::Follow
    } else {
        RequestRedirect::Manual
    })
    .abort_signal(Some(&signal));
    let built = match &request.body {
        Some(body) => builder
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
            .body(body.as_str()),
        None => builder.build(),
    };
    let sent = match built {
        Ok(built) => built.send().await,
        Err(err) => Err(err),
    };
    let response = match sent {
        Ok(response) => response,
        Err(err) => return Ok(network_failed(gloo_error_is_timeout(&err))),
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
    set(&event, "type", &to_js(&EventKind::Response));
    set(&event, "status", &response.status().into());
    set(&event, "redirected", &redirected.into());
    set(&event, "body", &js_sys::Uint8Array::from(body.as_slice()));
    set(&event, "tooLarge", &too_large.into());
    // A busy server's `Retry-After` (readable: host access lifts CORS's header filter).
    if let Some(retry_after) = response.headers().get("retry-after") {
        set(&event, "retryAfter", &retry_after.into());
    }
    Ok(event.into())
}

/// A request that got no answer in time: fetch rejects with the signal's reason, a
/// `DOMException` named `TimeoutError` (an `Error` in Chrome, so gloo-net keeps its name; gloo-net
/// would panic on a rejection that is not an `Error`, which fetch never gives). `GlooError`
/// comes only from building the request (a URL fetch refuses before sending anything).
fn gloo_error_is_timeout(err: &gloo_net::Error) -> bool {
    match err {
        gloo_net::Error::JsError(err) => is_timeout_name(&err.name),
        gloo_net::Error::GlooError(text) => {
            is_timeout_name(text.split(':').next().unwrap_or_default())
        }
    }
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
    method: Method,
    url: String,
    body: Option<String>,
    max_bytes: usize,
    timeout_ms: u32,
}

fn network_failed(timeout: bool) -> JsValue {
    let object = js_sys::Object::new();
    set(&object, "type", &to_js(&EventKind::NetworkFailed));
    set(&object, "timeout", &timeout.into());
    object.into()
}

/// A fetch or a body read that got no answer: aborted by the signal (timeout) or failed
/// outright.
fn js_error_is_timeout(err: &JsValue) -> bool {
    js_sys::Reflect::get(err, &"name".into())
        .ok()
        .and_then(|name| name.as_string())
        .is_some_and(|name| is_timeout_name(&name))
}

/// The names a fetch's or a stream's rejection has when its signal ran out.
fn is_timeout_name(name: &str) -> bool {
    name == "AbortError" || name == "TimeoutError"
}
