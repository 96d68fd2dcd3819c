//! PKCS#12 files opened with the fixtures' password, so that mutations of the real fixtures
//! get past the MAC check and reach decryption, the bags and the keys; then with a second
//! password picked by the first byte (even: empty, which has two PKCS#12 forms; odd: the
//! non-ASCII or the RFC 9579 fixture's). The file is the rest of the input (the seeds carry
//! the selector byte). Checks: no panic, any `Err` is fine, a report keeps its promises.
#![no_main]

use libfuzzer_sys::fuzz_target;
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
        if let Ok(report) = weborca_cert::read_certificate_file(file, Some(password), None) {
            check_report(&report);
        }
    }
});
