//! Truncated and bit-flipped copies of every fixture: each gives a specific error (or, where
//! nothing protects the bytes, a clean read), never a panic or a hang.
#![cfg(not(target_arch = "wasm32"))]

use der::{Decode, Encode};
use weborca_cert::{Error, read_certificate_file};

#[path = "support/fixture_files.rs"]
mod fixture_files;
use fixture_files::{ALL, expected};

fn password_of(file: &str) -> &'static str {
    expected()
        .find(|row| row.file == file)
        .map(|row| row.password)
        .unwrap_or("")
}

/// About `count` positions spread over `len`, always including the first 32 (the headers).
fn positions(len: usize, count: usize) -> impl Iterator<Item = usize> {
    let step = (len / count).max(1);
    (0..len.min(32)).chain((32..len).step_by(step))
}

#[test]
fn truncated_files_say_they_are_truncated() {
    for &file in ALL {
        let whole = fixture_files::bytes(file);
        let is_pem = whole.starts_with(b"-----");
        for cut in positions(whole.len(), 200) {
            let prefix = &whole[..cut];
            let result = read_certificate_file(prefix, Some(password_of(file)), None);
            match result {
                Err(Error::Truncated { .. }) | Err(Error::NotCertificateOrPkcs12) => {}
                // PEM: a cut inside the base64 makes it undecodable, a cut after a whole block
                // leaves a shorter but valid file.
                Err(Error::Malformed { .. }) | Err(Error::NoCertificate) if is_pem => {}
                Ok(_) if is_pem && prefix.windows(8).any(|w| w == b"-----END") => {}
                other => panic!("{file} cut at {cut}: {other:?}"),
            }
        }
    }
}

#[test]
fn bit_flips_never_pass_a_mac_and_never_panic() {
    for &file in ALL {
        let whole = fixture_files::bytes(file);
        let password = password_of(file);
        let has_mac = read_certificate_file(whole, Some(password), None)
            .ok()
            .and_then(|report| report.protection)
            .is_some_and(|protection| protection.mac.is_some());
        // NSS files cost 600,000 iterations per try: fewer positions there.
        let count = if file.starts_with("nss") { 24 } else { 160 };
        for pos in positions(whole.len(), count) {
            let mut damaged = whole.to_vec();
            damaged[pos] ^= 1 << (pos % 8);
            let result = read_certificate_file(&damaged, Some(password), None);
            if has_mac {
                // The MAC covers every byte of content; the rest is structure.
                assert!(result.is_err(), "{file}: flip at {pos} passed the MAC");
            }
            if let Err(err) = result {
                assert!(!err.code().is_empty());
            }
        }
    }
}

#[test]
fn hostile_iteration_counts_are_refused_before_any_work() {
    let mut pfx =
        pkcs12::Pfx::from_der(fixture_files::bytes("openssl-legacy.p12")).expect("fixture");
    let mac = pfx.mac_data.as_mut().expect("legacy files have a MAC");
    mac.iterations = 50_000_000;
    let hostile = pfx.to_der().expect("re-encode");
    let result = read_certificate_file(&hostile, Some("orca-test-pass"), None);
    assert_eq!(
        result.err(),
        Some(Error::IterationsTooHigh {
            count: 50_000_000,
            max: weborca_cert::MAX_ITERATIONS
        })
    );
}
