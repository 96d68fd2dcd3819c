//! The Wasm boundary as the extension sees it: plain objects in, `{ code, … }` errors out.
#![cfg(target_arch = "wasm32")]
// Clippy's in-tests allowances (clippy.toml) do not see `#[wasm_bindgen_test]` functions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;
use weborca_cert::wasm::reader::read_certificate;
use weborca_cert::{Reading, Round, SignatureAlgorithm, SignatureRequest, native_signatures};

#[path = "support/fixture_files.rs"]
mod fixture_files;

fn field(object: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(object, &JsValue::from_str(name)).expect("object")
}

#[wasm_bindgen_test]
async fn a_report_crosses_as_a_plain_object() {
    let bytes = fixture_files::bytes("openssl-legacy.p12");
    let report = read_certificate(
        bytes.to_vec(),
        Some("orca-test-pass".into()),
        Some("103867__JP_u00001294_client3948.p12".into()),
    )
    .await
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
async fn errors_cross_as_codes_with_context() {
    let bytes = fixture_files::bytes("openssl-legacy.p12");
    let err = read_certificate(bytes.to_vec(), Some("wrong".into()), None)
        .await
        .expect_err("wrong password");
    assert_eq!(
        field(&err, "code").as_string().as_deref(),
        Some("wrong_password")
    );
    let err = read_certificate(bytes[..100].to_vec(), Some("x".into()), None)
        .await
        .expect_err("truncated");
    assert_eq!(
        field(&err, "code").as_string().as_deref(),
        Some("truncated")
    );
    assert!(field(&err, "position").as_f64().is_some());
    let err = read_certificate(b"hello".to_vec(), None, None)
        .await
        .expect_err("not a certificate");
    assert_eq!(
        field(&err, "code").as_string().as_deref(),
        Some("not_certificate")
    );
}

/// Counts the PBKDF2 derivations handed to WebCrypto (Node's `crypto.subtle`, as the
/// browser's in the worker), so a silent fall back to Wasm shows.
fn count_web_crypto_derivations() {
    js_sys::eval(
        "if (!globalThis.derivations) { const subtle = globalThis.crypto.subtle; \
         const derive = subtle.deriveBits.bind(subtle); globalThis.derivations = []; \
         subtle.deriveBits = (params, key, bits) => { \
           globalThis.derivations.push(params.hash + ' ' + params.iterations); \
           return derive(params, key, bits); }; } \
         globalThis.derivations.length = 0;",
    )
    .expect("instrumented");
}

fn web_crypto_derivations() -> Vec<String> {
    let list: js_sys::Array = js_sys::eval("globalThis.derivations").expect("list").into();
    list.iter().filter_map(|d| d.as_string()).collect()
}

#[wasm_bindgen_test]
async fn pbkdf2_goes_to_web_crypto_and_the_answer_is_the_native_one() {
    for row in
        fixture_files::expected().filter(|row| row.file.ends_with(".p12") && row.certificates > 0)
    {
        count_web_crypto_derivations();
        let bytes = fixture_files::bytes(row.file);
        let report = read_certificate(bytes.to_vec(), Some(row.password.into()), None)
            .await
            .unwrap_or_else(|err| panic!("{}: {err:?}", row.file));
        let native = weborca_cert::read_certificate_file(bytes, Some(row.password), None)
            .expect("opens natively");
        let certificate = field(&report, "certificate");
        assert_eq!(
            field(&certificate, "sha256Fingerprint").as_string(),
            Some(native.certificate.sha256_fingerprint.clone()),
            "{}",
            row.file
        );
        assert_eq!(
            field(&report, "hasPrivateKey").as_bool(),
            Some(native.has_private_key),
            "{}",
            row.file
        );
        // The chain's CA confirmed by WebCrypto as by the native verifier.
        assert_eq!(
            field(&certificate, "issuerKey").as_string(),
            native.certificate.issuer_key,
            "{}",
            row.file
        );
        let derived = web_crypto_derivations();
        let pbes2 = native.protection.as_ref().map_or(0, |p| {
            p.encryption
                .iter()
                .filter(|e| e.starts_with("PBES2"))
                .count()
        });
        let pbmac1 = native
            .protection
            .as_ref()
            .and_then(|p| p.mac)
            .is_some_and(|mac| mac.starts_with("PBMAC1"));
        assert_eq!(
            derived.len(),
            pbes2 + usize::from(pbmac1),
            "{}: {derived:?}",
            row.file
        );
        if row.file.starts_with("nss") {
            assert_eq!(derived, vec!["SHA-256 600000", "SHA-256 600000"]);
        }
        let wrong = read_certificate(bytes.to_vec(), Some("wrong".into()), None).await;
        let native_wrong = weborca_cert::read_certificate_file(bytes, Some("wrong"), None);
        assert_eq!(
            wrong.err().map(|err| field(&err, "code").as_string()),
            native_wrong.err().map(|err| Some(err.code().to_owned())),
            "{} with a wrong password",
            row.file
        );
    }
}

#[wasm_bindgen_test]
fn settings_objects_are_read_key_by_key() {
    use weborca_cert::wasm::settings::effective_settings;
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
    use weborca_cert::wasm::settings::validate_settings;
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

/// WebCrypto's answers to `requests`, through the binding the worker calls for the renewal's
/// `checkSignatures` effect.
async fn web_crypto_answers(requests: &[SignatureRequest]) -> Vec<bool> {
    let requests = serde_wasm_bindgen::to_value(requests).expect("requests");
    let answers = weborca_cert::wasm::signature::check_signatures(requests)
        .await
        .expect("answers");
    js_sys::Array::from(&answers)
        .iter()
        .map(|answer| answer.as_bool().expect("a boolean"))
        .collect()
}

/// The certificate's own SubjectPublicKeyInfo (DER).
fn own_key(der: &[u8]) -> Vec<u8> {
    use der::{Decode, Encode};
    x509_cert::Certificate::from_der(der)
        .expect("certificate")
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .expect("SPKI")
}

#[wasm_bindgen_test]
async fn signatures_are_checked_by_web_crypto_right_and_wrong_keys_rsa_and_ec() {
    use p256::ecdsa::signature::Signer;
    use p256::pkcs8::EncodePublicKey;
    // RSA: the fixtures' CA signed client3948 (the request the reader asks in its round).
    let mut reading = Reading::asking();
    let file = fixture_files::bytes("openssl-legacy-chain.p12");
    let mut asked = loop {
        match reading.next(file, Some("orca-test-pass"), None) {
            Round::CheckSignatures(requests) => break requests,
            Round::DeriveKeys(missing) => {
                reading.compute_deferred();
                let derived = missing
                    .iter()
                    .map(|request| Some(request.compute(b"orca-test-pass")))
                    .collect();
                reading.derived(missing, derived, b"orca-test-pass");
            }
            Round::Done(result) => panic!("the CA's signature is asked first: {result:?}"),
        }
    };
    let rsa = asked.remove(0);
    assert_eq!(rsa.algorithm, SignatureAlgorithm::RsaSha256);
    let client = fixture_files::bytes("client3948.der");
    let wrong_rsa = SignatureRequest {
        key: own_key(client),
        ..rsa.clone()
    };
    // EC: a P-256 key signs; another P-256 key does not verify it.
    let signer = p256::ecdsa::SigningKey::from_slice(&[7; 32]).expect("scalar");
    let other = p256::ecdsa::SigningKey::from_slice(&[9; 32]).expect("scalar");
    let signed = b"tbsCertificate".to_vec();
    let signature: p256::ecdsa::Signature = signer.sign(&signed);
    let spki = |key: &p256::ecdsa::SigningKey| {
        key.verifying_key()
            .to_public_key_der()
            .expect("SPKI")
            .as_bytes()
            .to_vec()
    };
    let ec = SignatureRequest {
        algorithm: SignatureAlgorithm::EcdsaP256Sha256,
        key: spki(&signer),
        signed,
        signature: signature.to_bytes().to_vec(),
    };
    let wrong_ec = SignatureRequest {
        key: spki(&other),
        ..ec.clone()
    };
    // An RSA key named for ECDSA, and bytes that are no key: refused, so false.
    let mismatched = SignatureRequest {
        key: rsa.key.clone(),
        ..ec.clone()
    };
    let garbage = SignatureRequest {
        key: b"not a key".to_vec(),
        ..rsa.clone()
    };
    let requests = [rsa, wrong_rsa, ec, wrong_ec, mismatched, garbage];
    let native: Vec<bool> = requests.iter().map(native_signatures::verify).collect();
    assert_eq!(native, [true, false, true, false, false, false]);
    assert_eq!(web_crypto_answers(&requests).await, native);
}
