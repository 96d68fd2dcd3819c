//! Opening a file in rounds, with the PBKDF2 keys derived outside the core (as the Wasm
//! binding does with WebCrypto), gives exactly the answers of the native path: for every
//! fixture, with the right and a wrong password, and for damaged files. A round lists every
//! key it can see at once, so the binding derives them in parallel.
// Clippy's in-tests allowances (clippy.toml) do not see `#[wasm_bindgen_test]` functions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use weborca_cert::{
    CertificateReport, Pbkdf2Request, Reading, Result, Round, SignatureRequest, native_signatures,
    read_certificate_file,
};
use zeroize::Zeroizing;

#[path = "support/fixture_files.rs"]
mod fixture_files;
use fixture_files::{bytes, expected};

/// The answer in rounds, each listed key derived by `derive` and each signature checked by
/// `verify` (stand-ins for WebCrypto), with the PBKDF2 lists each round made.
fn in_rounds_checked(
    file: &[u8],
    password: &str,
    derive: impl Fn(&Pbkdf2Request) -> Option<Vec<u8>>,
    verify: impl Fn(&SignatureRequest) -> bool,
) -> (Result<CertificateReport>, Vec<Vec<Pbkdf2Request>>) {
    let mut reading = Reading::asking();
    let mut lists = Vec::new();
    let mut checked = 0;
    loop {
        match reading.next(file, Some(password), None) {
            // What the binding does once the file is open: one round of signature checks.
            Round::CheckSignatures(requests) => {
                let valid = requests.iter().map(&verify).collect();
                reading.checked(requests, valid);
                checked += 1;
                assert_eq!(checked, 1, "one round of signature checks");
            }
            Round::DeriveKeys(missing) => {
                // What the binding does while WebCrypto works.
                reading.compute_deferred();
                let derived = missing
                    .iter()
                    .map(|request| derive(request).map(Zeroizing::new))
                    .collect();
                lists.push(missing.clone());
                reading.derived(missing, derived, password.as_bytes());
                assert!(lists.len() <= 3, "rounds must end");
            }
            Round::Done(result) => return (result, lists),
        }
    }
}

/// The answer in rounds, the signatures checked as WebCrypto would.
fn in_rounds(
    file: &[u8],
    password: &str,
    derive: impl Fn(&Pbkdf2Request) -> Option<Vec<u8>>,
) -> (Result<CertificateReport>, Vec<Vec<Pbkdf2Request>>) {
    in_rounds_checked(file, password, derive, native_signatures::verify)
}

fn derived_elsewhere(password: &str) -> impl Fn(&Pbkdf2Request) -> Option<Vec<u8>> + '_ {
    |request| Some(request.compute(password.as_bytes()).to_vec())
}

#[test]
fn every_fixture_opens_in_rounds_as_it_opens_natively() {
    for row in expected() {
        for password in [row.password, "wrong password"] {
            let native = read_certificate_file(bytes(row.file), Some(password), None);
            let (rounds, lists) = in_rounds(bytes(row.file), password, derived_elsewhere(password));
            assert_eq!(rounds, native, "{} with {password:?}", row.file);
            if row.file.starts_with("nss") && password == row.password {
                // The certificates' part and the shrouded key: both listed in the first round.
                assert_eq!(lists.len(), 1, "{}", row.file);
                assert_eq!(lists[0].len(), 2, "{}", row.file);
                assert!(lists[0].iter().all(|r| r.iterations == 600_000));
            }
            if row.file.contains("legacy") {
                // Listed in the first round, computed in the core while nothing else waits.
                assert_eq!(lists, vec![vec![]], "{} with {password:?}", row.file);
            }
        }
    }
}

#[test]
fn a_pbmac1_file_lists_its_mac_key_with_the_others() {
    let file = bytes("rfc9579-pbmac1.p12");
    let row = expected()
        .find(|row| row.file == "rfc9579-pbmac1.p12")
        .expect("listed");
    let (report, lists) = in_rounds(file, row.password, derived_elsewhere(row.password));
    let protection = report.expect("opens").protection.expect("PKCS#12");
    assert!(protection.mac.is_some_and(|mac| mac.starts_with("PBMAC1")));
    // One round: the MAC key and every part's key are asked for together.
    let parts = protection
        .encryption
        .iter()
        .filter(|e| e.starts_with("PBES2"))
        .count();
    assert_eq!(lists.len(), 1);
    assert_eq!(lists[0].len(), 1 + parts);
}

#[test]
fn a_wrong_key_from_outside_is_a_wrong_password_never_a_wrong_report() {
    // A derivation that came back wrong (a broken WebCrypto) must not yield a certificate.
    let garbage = |request: &Pbkdf2Request| Some(vec![0x5a; request.length]);
    for row in expected().filter(|r| r.file.starts_with("nss")) {
        let (result, _) = in_rounds(bytes(row.file), row.password, garbage);
        assert!(result.is_err(), "{}", row.file);
    }
    // And one that could not be derived outside is computed here.
    for row in expected().filter(|r| r.file.starts_with("openssl3")) {
        let (result, _) = in_rounds(bytes(row.file), row.password, |_| None);
        assert_eq!(
            result,
            read_certificate_file(bytes(row.file), Some(row.password), None)
        );
    }
}

#[test]
fn damaged_files_answer_the_same_in_rounds() {
    for row in expected().filter(|r| r.file.ends_with(".p12")) {
        let file = bytes(row.file);
        for cut in [file.len() / 3, file.len() / 2, file.len() - 1] {
            let damaged = &file[..cut];
            let native = read_certificate_file(damaged, Some(row.password), None);
            let (rounds, _) = in_rounds(damaged, row.password, derived_elsewhere(row.password));
            assert_eq!(rounds, native, "{} cut at {cut}", row.file);
        }
        let mut flipped = file.to_vec();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 0x40;
        let native = read_certificate_file(&flipped, Some(row.password), None);
        let (rounds, _) = in_rounds(&flipped, row.password, derived_elsewhere(row.password));
        assert_eq!(rounds, native, "{} with a flipped byte", row.file);
    }
}

#[test]
fn the_chain_s_ca_is_the_issuer_only_when_its_signature_checks() {
    let file = bytes("openssl-legacy-chain.p12");
    let password = "orca-test-pass";
    let native = read_certificate_file(file, Some(password), None).expect("opens");
    assert!(
        native.certificate.issuer_key.is_some(),
        "the CA in the file"
    );
    let right = in_rounds(file, password, derived_elsewhere(password)).0;
    assert_eq!(right.as_ref().ok(), Some(&native));
    // The verifier refuses (a wrong key, or WebCrypto refusing it): no issuer key, the rest
    // of the report unchanged.
    let wrong = in_rounds_checked(file, password, derived_elsewhere(password), |_| false).0;
    let mut expected = native.clone();
    expected.certificate.issuer_key = None;
    assert_eq!(wrong.ok(), Some(expected));
    // A file without a chain asks nothing.
    let alone = bytes("openssl-legacy.p12");
    let asked = in_rounds_checked(alone, password, derived_elsewhere(password), |_| {
        panic!("nothing to check")
    });
    assert!(asked.0.is_ok());
}

#[test]
fn answers_missing_from_a_short_list_are_computed_keys_and_invalid_signatures() {
    let password = "orca-test-pass";
    // No key derived outside (an empty list for every request): each is computed in the core.
    for file in ["openssl3-default.p12", "nss-pk12util.p12"] {
        let native = read_certificate_file(bytes(file), Some(password), None);
        let mut reading = Reading::asking();
        let answer = loop {
            match reading.next(bytes(file), Some(password), None) {
                Round::DeriveKeys(missing) => {
                    reading.derived(missing, Vec::new(), b"orca-test-pass")
                }
                Round::CheckSignatures(requests) => {
                    let valid = requests.iter().map(native_signatures::verify).collect();
                    reading.checked(requests, valid);
                }
                Round::Done(answer) => break answer,
            }
        };
        assert_eq!(answer, native, "{file}");
    }
    // No answer to the chain's signature check: invalid, never valid.
    let file = bytes("openssl-legacy-chain.p12");
    let mut reading = Reading::asking();
    let answer = loop {
        match reading.next(file, Some(password), None) {
            Round::DeriveKeys(missing) => {
                let derived = missing
                    .iter()
                    .map(|request| Some(request.compute(password.as_bytes())))
                    .collect();
                reading.derived(missing, derived, password.as_bytes());
            }
            Round::CheckSignatures(requests) => reading.checked(requests, Vec::new()),
            Round::Done(answer) => break answer,
        }
    };
    let mut expected = read_certificate_file(file, Some(password), None).expect("opens");
    expected.certificate.issuer_key = None;
    assert_eq!(answer.ok(), Some(expected));
}
