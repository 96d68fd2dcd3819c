// Each test crate that includes this uses part of it.
#![allow(dead_code, unreachable_pub)]
// A broken fixture list fails the test that reads it; clippy's in-tests allowances
// (clippy.toml) reach only `#[test]` functions, not helpers like these.
#![allow(clippy::expect_used, clippy::indexing_slicing)]
//! The fixtures and what `openssl` said of them, compiled in so Wasm tests need no file system.

/// One row of `fixtures/expected.tsv`.
pub struct Expected {
    pub file: &'static str,
    pub password: &'static str,
    pub cn: &'static str,
    pub o: &'static str,
    pub serial: &'static str,
    pub not_after: i64,
    pub sha256: &'static str,
    pub has_key: bool,
    pub certificates: usize,
}

pub fn expected() -> impl Iterator<Item = Expected> {
    include_str!("../fixtures/expected.tsv")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), 9, "expected.tsv row: {line}");
            Expected {
                file: f[0],
                password: f[1],
                cn: f[2],
                o: f[3],
                serial: f[4],
                not_after: f[5].parse().unwrap_or(0),
                sha256: f[6],
                has_key: f[7] == "yes",
                certificates: f[8].parse().expect("certificate count"),
            }
        })
}

macro_rules! fixtures {
    ($($name:literal),* $(,)?) => {
        /// The bytes of fixture `name`.
        pub fn bytes(name: &str) -> &'static [u8] {
            match name {
                $($name => include_bytes!(concat!("../fixtures/", $name)),)*
                other => panic!("no fixture {other}: add it to fixture_files.rs"),
            }
        }
        /// Every fixture file name.
        pub const ALL: &[&str] = &[$($name),*];
    };
}

fixtures![
    "client3948.crt",
    "client3948.der",
    "client3948-chain.pem",
    "not-renewable.crt",
    "openssl3-default.p12",
    "openssl-legacy.p12",
    "openssl-legacy-chain.p12",
    "openssl-descert.p12",
    "openssl-aes128.p12",
    "openssl-sha512mac.p12",
    "openssl-nomac.p12",
    "openssl-unencrypted.p12",
    "keytool.p12",
    "nss-pk12util.p12",
    "ec-p256.p12",
    "cert-only.p12",
    "key-only.p12",
    "openssl-empty-password.p12",
    "java-empty-password.p12",
    "openssl-nonascii-password.p12",
    "openssl-legacy-nonascii.p12",
    "rfc9579-pbmac1.p12",
];
