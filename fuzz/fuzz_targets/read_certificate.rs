//! Any bytes as a certificate file opened without a password (an absent one is tried as
//! empty): X.509 DER, PEM, PKCS#12 DER or BER. Checks that the reader never panics, whatever
//! the file (any `Err` is fine), and that a report it returns keeps its documented promises.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weborca_cert_fuzz::check_report;

fuzz_target!(|data: &[u8]| {
    if let Ok(report) = weborca_cert::read_certificate_file(data, None, None) {
        check_report(&report);
    }
});
