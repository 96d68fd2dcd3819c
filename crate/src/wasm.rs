//! The Wasm boundary: the only module that knows wasm-bindgen. Values cross as plain JS
//! objects; errors cross as `{ code, …context }` so the extension can localize them.

use serde::Serialize;
use wasm_bindgen::prelude::*;
use zeroize::Zeroize;

use crate::error::Error;

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

impl From<&Error> for ErrorObject {
    fn from(err: &Error) -> Self {
        let mut object = Self {
            code: err.code(),
            message: err.to_string(),
            position: None,
            context: None,
            oid: None,
            count: None,
            max: None,
        };
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
