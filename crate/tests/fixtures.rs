//! Every fixture made by `fixtures/gen.sh` is read as `openssl` reported it (expected.tsv),
//! natively and, with the same code, as Wasm under Node (`wasm-bindgen-test`).
// Clippy's in-tests allowances (clippy.toml) do not see `#[wasm_bindgen_test]` functions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use weborca_cert::{Error, Format, read_certificate_file};

#[path = "support/fixture_files.rs"]
mod fixture_files;
use fixture_files::{Expected, bytes, expected};

#[test]
fn every_fixture_reads_as_openssl_reports_it() {
    for row in expected() {
        let result = read_certificate_file(bytes(row.file), Some(row.password), Some(row.file));
        if row.certificates == 0 {
            assert_eq!(result.err(), Some(Error::NoCertificate), "{}", row.file);
            continue;
        }
        let report = result.unwrap_or_else(|err| panic!("{}: {err}", row.file));
        let cert = &report.certificate;
        let Expected { file, .. } = row;
        assert_eq!(cert.common_name.as_deref(), Some(row.cn), "{file} CN");
        assert_eq!(cert.organization.as_deref(), Some(row.o), "{file} O");
        assert_eq!(cert.serial, row.serial, "{file} serial");
        assert_eq!(cert.not_after, row.not_after * 1000, "{file} notAfter");
        assert_eq!(cert.sha256_fingerprint, row.sha256, "{file} fingerprint");
        assert_eq!(report.has_private_key, row.has_key, "{file} key");
        assert_eq!(
            report.key_matches_certificate,
            row.has_key.then_some(true),
            "{file} key match"
        );
        assert_eq!(
            1 + report.chain.len(),
            row.certificates,
            "{file} certificates"
        );
    }
}

#[test]
fn each_variant_is_the_variant_it_claims_to_be() {
    let protection = |file: &str, password: &str| {
        let report = read_certificate_file(bytes(file), Some(password), None).expect(file);
        assert_eq!(report.format, Format::Pkcs12, "{file}");
        report.protection.expect("PKCS#12 protection")
    };
    let pass = "orca-test-pass";
    let legacy = protection("openssl-legacy.p12", pass);
    assert_eq!(legacy.mac, Some("HMAC-SHA1"));
    assert_eq!(
        legacy.encryption,
        [
            "pbeWithSHAAnd40BitRC2-CBC",
            "pbeWithSHAAnd3-KeyTripleDES-CBC"
        ]
    );
    let modern = protection("openssl3-default.p12", pass);
    assert_eq!(modern.mac, Some("HMAC-SHA256"));
    assert_eq!(
        modern.encryption,
        ["PBES2/AES-256-CBC", "PBES2/AES-256-CBC"]
    );
    assert_eq!(
        protection("openssl-descert.p12", pass).encryption,
        ["pbeWithSHAAnd3-KeyTripleDES-CBC", "PBES2/AES-256-CBC"]
    );
    assert_eq!(
        protection("openssl-aes128.p12", pass).encryption,
        ["PBES2/AES-128-CBC", "PBES2/AES-128-CBC"]
    );
    assert_eq!(
        protection("openssl-sha512mac.p12", pass).mac,
        Some("HMAC-SHA512")
    );
    assert_eq!(protection("openssl-nomac.p12", pass).mac, None);
    assert!(
        protection("openssl-unencrypted.p12", pass)
            .encryption
            .is_empty()
    );
    assert_eq!(
        protection("rfc9579-pbmac1.p12", "1234").mac,
        Some("PBMAC1 HMAC-SHA256")
    );
    assert_eq!(
        protection("nss-pk12util.p12", pass).mac,
        Some("HMAC-SHA256")
    );
    assert_eq!(
        protection("openssl-legacy-nonascii.p12", "パスワード123").mac,
        Some("HMAC-SHA1")
    );
}

#[test]
fn wrong_passwords_are_reported_as_such() {
    for row in expected().filter(|row| row.file.ends_with(".p12")) {
        let wrong = if row.password.is_empty() {
            "x"
        } else {
            "wrong-password"
        };
        let result = read_certificate_file(bytes(row.file), Some(wrong), None);
        assert_eq!(result.err(), Some(Error::WrongPassword), "{}", row.file);
    }
    // No password at all is tried as the empty one.
    let result = read_certificate_file(bytes("openssl-legacy.p12"), None, None);
    assert_eq!(result.err(), Some(Error::WrongPassword));
    let report = read_certificate_file(bytes("java-empty-password.p12"), None, None);
    assert!(report.is_ok());
}

#[test]
fn certificate_files_need_no_password_and_keep_their_chain() {
    let report = read_certificate_file(bytes("client3948-chain.pem"), None, None).expect("chain");
    assert_eq!(report.format, Format::Pem);
    assert_eq!(
        report.certificate.common_name.as_deref(),
        Some("client3948")
    );
    assert_eq!(report.certificate.subject, "CN=client3948,O=u00001294,C=JP");
    assert_eq!(
        report.certificate.issuer,
        "CN=WebORCA Test CA,O=WebORCA Test,C=JP"
    );
    assert_eq!(report.certificate.key_algorithm, "RSA 2048");
    assert_eq!(report.chain.len(), 1);
    assert_eq!(
        report.chain[0].common_name.as_deref(),
        Some("WebORCA Test CA")
    );
    let der = read_certificate_file(bytes("client3948.der"), Some("ignored"), None).expect("DER");
    assert_eq!(der.format, Format::Der);
    assert!(!der.has_private_key);
    let ec = read_certificate_file(bytes("ec-p256.p12"), Some("orca-test-pass"), None).expect("EC");
    assert_eq!(ec.certificate.key_algorithm, "EC P-256");
}

#[test]
fn renewable_clients_and_orca_file_names() {
    let name = "103867__JP_u00001294_client3948.p12";
    let report = read_certificate_file(
        bytes("openssl-legacy.p12"),
        Some("orca-test-pass"),
        Some(name),
    )
    .expect("legacy");
    assert!(report.renewable_client);
    let decoded = report.file_name.expect("ORCA-style name");
    assert_eq!(
        (
            decoded.serial.as_str(),
            decoded.tenant.as_str(),
            decoded.common_name.as_str()
        ),
        ("103867", "u00001294", "client3948")
    );
    let admin =
        read_certificate_file(bytes("not-renewable.crt"), None, Some("admin.crt")).expect("admin");
    assert!(!admin.renewable_client);
    assert_eq!(admin.file_name, None);
}

/// The fixtures are listed in three places: the origins in `gen.sh`, `expected.tsv` (what
/// `openssl` reports) and `fixture_files.rs` (the bytes the tests embed). They must agree with
/// each other and with the folder, or a fixture is made and never read, or read and never made.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn the_fixture_lists_agree_with_each_other_and_the_folder() {
    use std::collections::BTreeSet;
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let in_folder: BTreeSet<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| {
            [".p12", ".crt", ".der", ".pem"]
                .iter()
                .any(|ext| name.ends_with(ext))
        })
        .filter(|name| name != "ca.crt") // the CA the fixtures are issued by, read by none
        .collect();
    let gen_sh = include_str!("fixtures/gen.sh");
    let origins: BTreeSet<String> = gen_sh
        .lines()
        .skip_while(|line| !line.starts_with("# Origins"))
        .skip(1)
        .take_while(|line| line.starts_with("#   "))
        .flat_map(|line| {
            let names = line.trim_start_matches("#   ").split("  ").next().unwrap();
            names
                .split(", ")
                .map(str::trim)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .flat_map(|name| match name.strip_suffix(".*") {
            // `client3948.*`: every file of that name in the folder
            Some(stem) => in_folder
                .iter()
                .filter(|file| {
                    file.starts_with(&format!("{stem}.")) || file.starts_with(&format!("{stem}-"))
                })
                .cloned()
                .collect(),
            None => vec![name],
        })
        .filter(|name| name != "ca.crt")
        .collect();
    let described: BTreeSet<String> = expected().map(|row| row.file.to_owned()).collect();
    let embedded: BTreeSet<String> = fixture_files::ALL
        .iter()
        .map(|name| (*name).to_owned())
        .collect();
    assert_eq!(origins, in_folder, "gen.sh's origins and the folder");
    assert_eq!(described, in_folder, "expected.tsv and the folder");
    assert_eq!(embedded, in_folder, "fixture_files.rs and the folder");
}
