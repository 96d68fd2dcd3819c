//! PKCS#12 files opened with the fixtures' password, so that mutations of the real fixtures
//! get past the MAC check and reach decryption, the bags and the keys; then with a second
//! password picked by the first byte (even: empty, which has two PKCS#12 forms; odd: the
//! non-ASCII or the RFC 9579 fixture's). The file is the rest of the input (the seeds carry
//! the selector byte). Checks: no panic, any `Err` is fine, a report keeps its promises, and
//! opening in rounds (PBKDF2 keys derived outside the core, as the browser does with
//! WebCrypto) gives exactly the native answer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weborca_cert::{Reading, Round, native_signatures};
use weborca_cert_fuzz::{PASS, check_report};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, file)) = data.split_first() else {
        return;
    };
    let second = match selector {
        s if s % 2 == 0 => "",
        s if s / 2 % 2 == 0 => "パスワード123",
        _ => "1234",
    };
    for password in [PASS, second] {
        let native = weborca_cert::read_certificate_file(file, Some(password), None);
        if let Ok(report) = &native {
            check_report(report);
        }
        assert_eq!(in_rounds(file, password), native, "rounds differ");
    }
});

/// The binding's loop, with each listed key derived by the core's own PBKDF2 and each
/// signature checked by the native verifier.
fn in_rounds(file: &[u8], password: &str) -> weborca_cert::Result<weborca_cert::CertificateReport> {
    let mut reading = Reading::asking();
    for _ in 0..16 {
        match reading.next(file, Some(password), None) {
            Round::CheckSignatures(requests) => {
                let valid = requests.iter().map(native_signatures::verify).collect();
                reading.checked(requests, valid);
            }
            Round::DeriveKeys(missing) => {
                reading.compute_deferred();
                let derived = missing
                    .iter()
                    .map(|request| Some(request.compute(password.as_bytes())))
                    .collect();
                reading.derived(missing, derived, password.as_bytes());
            }
            Round::Done(result) => return result,
        }
    }
    panic!("rounds never end");
}
