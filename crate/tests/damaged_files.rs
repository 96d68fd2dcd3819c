//! Truncated and bit-flipped copies of every fixture: each gives a specific error (or, where
//! nothing protects the bytes, a clean read), never a panic or a hang.
#![cfg(not(target_arch = "wasm32"))]

use der::{Decode, Encode};
use std::ops::Range;

use weborca_cert::{Error, Keys, Signatures, read_certificate_file, read_certificate_round};

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

/// The bytes of a MAC-protected file that a flipped bit may change and the file still open,
/// each with why; every other flip must fail the MAC (or the structure around it).
// Test helpers: clippy's in-tests allowances reach only `#[test]` functions.
#[allow(clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
fn may_change_without_the_mac_noticing(
    file: &str,
    whole: &[u8],
) -> Vec<(Range<usize>, &'static str)> {
    let mac_data = mac_data_of(whole).unwrap_or_else(|| panic!("{file}: no MacData"));
    let digest = &mac_data.mac;
    // Where `part`'s DER encoding last occurs: the MacData is the file's last element.
    let last = |part: &[u8]| {
        let at = whole
            .windows(part.len())
            .rposition(|window| window == part)
            .unwrap_or_else(|| panic!("{file}: a MacData part not found as written"));
        at..at + part.len()
    };
    let null_of = |algorithm: &[u8]| {
        let at = last(algorithm);
        (at.end - 2..at.end, ())
    };
    let mut allowed = Vec::new();
    if digest.algorithm.oid == PBMAC1 {
        let pbmac1 = last(&digest.algorithm.to_der().expect("re-encode"));
        // RFC 9579 §5: with PBMAC1 the MacData's macSalt and iterations are ignored (the salt
        // and count in use are in the PBMAC1 parameters, which the MAC's key depends on).
        let digest_end = last(&digest.to_der().expect("re-encode")).end;
        allowed.push((
            digest_end..whole.len(),
            "PBMAC1: MacData's unused macSalt and iterations",
        ));
        // The messageAuthScheme's NULL: the HMAC is named by its OID alone.
        let scheme = pbmac1.end - 2..pbmac1.end;
        assert_eq!(&whole[scheme.clone()], [5, 0], "{file}: a NULL");
        allowed.push((
            scheme,
            "PBMAC1: the message authentication scheme's NULL, not read",
        ));
    } else {
        let algorithm = digest.algorithm.to_der().expect("re-encode");
        let (null, ()) = null_of(&algorithm);
        if whole[null.clone()] == [5, 0] {
            // The digest is named by its OID alone, as OpenSSL does: its NULL is not read.
            allowed.push((null, "the MAC digest algorithm's NULL parameters, not read"));
        }
    }
    allowed
}

/// The file's MacData: its last element (the outer SEQUENCE may end with BER's
/// end-of-contents octets, and a MacData may spell out its DEFAULT count).
// Test helpers: clippy's in-tests allowances reach only `#[test]` functions.
#[allow(clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
fn mac_data_of(whole: &[u8]) -> Option<pkcs12::MacData> {
    let pfx = pkcs12::Pfx::from_der(whole).ok();
    pfx.and_then(|pfx| pfx.mac_data).or_else(|| {
        (0..whole.len()).rev().find_map(|at| {
            (0..=4)
                .step_by(2)
                .filter_map(|eoc| whole.get(at..whole.len().checked_sub(eoc)?))
                .find_map(|tail| pkcs12::MacData::from_der(tail).ok())
        })
    })
}

/// The PBMAC1 algorithm identifier (RFC 8018).
const PBMAC1: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.14");

#[test]
fn bit_flips_never_pass_a_mac_and_never_panic() {
    // Every bit of every file with a MAC; the keys of a file's unchanged parameters are
    // derived once and reused (a flipped salt or count derives anew), or NSS's 600,000
    // iterations would take hours.
    // One thread per file: about 350,000 reads in all.
    let passed: Vec<String> = std::thread::scope(|scope| {
        let threads: Vec<_> = ALL
            .iter()
            .map(|&file| scope.spawn(move || flip_every_bit(file)))
            .collect();
        threads
            .into_iter()
            .flat_map(|thread| thread.join().expect("no panic"))
            .collect()
    });
    assert!(
        passed.is_empty(),
        "flips that passed the MAC:\n{}",
        passed.join("\n")
    );
}

/// Flips every bit of `file` in turn: the flips that opened outside the bytes allowed.
// Test helpers: clippy's in-tests allowances reach only `#[test]` functions.
#[allow(clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
fn flip_every_bit(file: &str) -> Vec<String> {
    let mut passed = Vec::new();
    {
        let whole = fixture_files::bytes(file);
        let password = password_of(file);
        let has_mac = read_certificate_file(whole, Some(password), None)
            .ok()
            .and_then(|report| report.protection)
            .is_some_and(|protection| protection.mac.is_some());
        if !has_mac {
            // Nothing protects these bytes: a sample shows they never panic (fuzzing does more).
            for pos in positions(whole.len(), 160) {
                let mut damaged = whole.to_vec();
                damaged[pos] ^= 1 << (pos % 8);
                if let Err(err) = read_certificate_file(&damaged, Some(password), None) {
                    assert!(!err.code().is_empty());
                }
            }
            return passed;
        }
        let allowed = may_change_without_the_mac_noticing(file, whole);
        let mut keys = Keys::computing();
        let mut signatures = Signatures::computing();
        for pos in 0..whole.len() {
            for bit in 0..8 {
                let mut damaged = whole.to_vec();
                damaged[pos] ^= 1 << bit;
                let result = read_certificate_round(
                    &damaged,
                    Some(password),
                    None,
                    &mut keys,
                    &mut signatures,
                );
                match result {
                    Ok(_) if allowed.iter().any(|(range, _)| range.contains(&pos)) => {}
                    Ok(_) => passed.push(format!(
                        "{file}: bit {bit} at {pos} (byte {:02x}, allowed: {allowed:?})",
                        whole[pos]
                    )),
                    Err(err) => assert!(!err.code().is_empty()),
                }
            }
        }
    }
    passed
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
