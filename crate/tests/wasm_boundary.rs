//! The Wasm boundary as the extension sees it: plain objects in, `{ code, … }` errors out.
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;
use weborca_cert::wasm::read_certificate;

#[path = "support/fixture_files.rs"]
mod fixture_files;

fn field(object: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(object, &JsValue::from_str(name)).expect("object")
}

#[wasm_bindgen_test]
fn a_report_crosses_as_a_plain_object() {
    let bytes = fixture_files::bytes("openssl-legacy.p12");
    let report = read_certificate(
        bytes,
        Some("orca-test-pass".into()),
        Some("103867__JP_u00001294_client3948.p12".into()),
    )
    .expect("opens");
    let certificate = field(&report, "certificate");
    assert_eq!(
        field(&certificate, "commonName").as_string().as_deref(),
        Some("client3948")
    );
    let not_after = field(&certificate, "notAfter")
        .as_f64()
        .expect("number of milliseconds");
    assert!(not_after > 1.7e12);
    assert_eq!(field(&report, "renewableClient").as_bool(), Some(true));
    let file_name = field(&report, "fileName");
    assert_eq!(
        field(&file_name, "tenant").as_string().as_deref(),
        Some("u00001294")
    );
}

#[wasm_bindgen_test]
fn errors_cross_as_codes_with_context() {
    let bytes = fixture_files::bytes("openssl-legacy.p12");
    let err = read_certificate(bytes, Some("wrong".into()), None).expect_err("wrong password");
    assert_eq!(
        field(&err, "code").as_string().as_deref(),
        Some("wrong_password")
    );
    let err = read_certificate(&bytes[..100], Some("x".into()), None).expect_err("truncated");
    assert_eq!(
        field(&err, "code").as_string().as_deref(),
        Some("truncated")
    );
    assert!(field(&err, "position").as_f64().is_some());
    let err = read_certificate(b"hello", None, None).expect_err("not a certificate");
    assert_eq!(
        field(&err, "code").as_string().as_deref(),
        Some("not_certificate")
    );
}

#[wasm_bindgen_test]
fn settings_objects_are_read_key_by_key() {
    use weborca_cert::wasm::effective_settings;
    let json = |text: &str| js_sys::JSON::parse(text).expect("JSON");
    let policy = json(
        r#"{"warnDays": "150", "usersMayRemove": false, "renewalApiUrl": null,
            "autoRenew": "yes", "reminderDays": [30, 7], "aUnknown": 1}"#,
    );
    let effective = effective_settings(json(r#"{"warnDays": 120}"#), policy).expect("read");
    let errors: js_sys::Array = field(&effective, "policyErrors").into();
    let named: Vec<(String, String)> = errors
        .iter()
        .map(|e| {
            (
                field(&e, "key").as_string().unwrap(),
                field(&e, "reason").as_string().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("aUnknown", "unknown"),
        ("autoRenew", "type"),
        ("warnDays", "type"),
    ];
    assert_eq!(
        named,
        expected.map(|(k, r)| (k.to_owned(), r.to_owned())),
        "in the order of their names"
    );
    let settings = field(&effective, "settings");
    assert_eq!(field(&settings, "warnDays").as_f64(), Some(120.0));
    assert_eq!(field(&settings, "usersMayRemove").as_bool(), Some(false));
    let err = effective_settings(JsValue::UNDEFINED, json("{}")).expect_err("not an object");
    assert_eq!(field(&err, "code").as_string().as_deref(), Some("internal"));
}

#[wasm_bindgen_test]
fn a_settings_form_is_refused_whole_with_the_key_and_reason() {
    use weborca_cert::wasm::validate_settings;
    let json = |text: &str| js_sys::JSON::parse(text).expect("JSON");
    let valid =
        validate_settings(json(r#"{"warnDays": 120, "reminderDays": [7, 30, 7]}"#)).expect("valid");
    assert_eq!(field(&valid, "warnDays").as_f64(), Some(120.0));
    let days: js_sys::Array = field(&valid, "reminderDays").into();
    assert_eq!(
        days.iter().map(|d| d.as_f64().unwrap()).collect::<Vec<_>>(),
        [30.0, 7.0]
    );
    for (form, key, reason) in [
        (r#"{"warnDays": 10}"#, "warnDays", "range"),
        (r#"{"warnDays": "120"}"#, "warnDays", "type"),
        (r#"{"warnDay": 120}"#, "warnDay", "unknown"),
        (r#"{"autoRenew": true}"#, "autoRenew", "policyOnly"),
    ] {
        let err = validate_settings(json(form)).expect_err(form);
        assert_eq!(
            field(&err, "code").as_string().as_deref(),
            Some("invalid_setting")
        );
        assert_eq!(
            field(&err, "key").as_string().as_deref(),
            Some(key),
            "{form}"
        );
        assert_eq!(
            field(&err, "reason").as_string().as_deref(),
            Some(reason),
            "{form}"
        );
    }
}
