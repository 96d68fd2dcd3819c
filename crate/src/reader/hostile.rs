//! Hostile files, built here byte by byte: each is well-formed enough to reach the costly
//! part of the reader, and each must be answered quickly — opened, or refused with a specific
//! error before the work is done. With `HOSTILE_FILES_OUT=<dir>` the files are also written
//! there (`<name>.p12` / `.pem`, the password in `passwords.tsv`), so `make bench` can time
//! them in the Wasm build.

use der::{Decode, Encode};
use zeroize::Zeroizing;

use super::read_certificate_file;
use crate::error::Error;
use crate::pkcs12::{self, MAX_CERTIFICATES, MAX_KEYS, MAX_WORK};

const PASS: &str = "orca-test-pass";

// --- DER by hand: the shapes are RFC 7292's, the point is the counts and parameters ---

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    crate::ber::encode(&[tag], content)
}

fn seq(items: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &items.concat())
}

fn octets(content: &[u8]) -> Vec<u8> {
    tlv(0x04, content)
}

fn explicit0(content: &[u8]) -> Vec<u8> {
    tlv(0xa0, content)
}

fn int(value: u32) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(3);
    let mut content = bytes[skip..].to_vec();
    if content[0] & 0x80 != 0 {
        content.insert(0, 0);
    }
    tlv(0x02, &content)
}

fn oid(dotted: &str) -> Vec<u8> {
    const_oid::ObjectIdentifier::new(dotted)
        .expect("OID")
        .to_der()
        .expect("DER")
}

const DATA: &str = "1.2.840.113549.1.7.1";
const KEY_BAG: &str = "1.2.840.113549.1.12.10.1.1";
const SHROUDED_KEY_BAG: &str = "1.2.840.113549.1.12.10.1.2";
const CERT_BAG: &str = "1.2.840.113549.1.12.10.1.3";
const SECRET_BAG: &str = "1.2.840.113549.1.12.10.1.5";

fn bag(kind: &str, value: &[u8]) -> Vec<u8> {
    seq(&[oid(kind), explicit0(value)])
}

fn cert_bag(certificate: &[u8]) -> Vec<u8> {
    let value = seq(&[
        oid("1.2.840.113549.1.9.22.1"),
        explicit0(&octets(certificate)),
    ]);
    bag(CERT_BAG, &value)
}

/// A `data` part holding `bags`.
fn data_part(bags: &[Vec<u8>]) -> Vec<u8> {
    seq(&[oid(DATA), explicit0(&octets(&seq(bags)))])
}

/// A PFX without a MAC (the reader then relies on decryption alone).
fn pfx(parts: &[Vec<u8>]) -> Vec<u8> {
    pfx_with_mac(parts, Vec::new())
}

/// A PFX with `mac_data` (DER, or empty for none).
fn pfx_with_mac(parts: &[Vec<u8>], mac_data: Vec<u8>) -> Vec<u8> {
    let auth_safe = seq(parts);
    let content = seq(&[oid(DATA), explicit0(&octets(&auth_safe))]);
    seq(&[int(3), content, mac_data])
}

/// A shrouded key bag: `pkcs8` under PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC).
fn pbes2_key_bag(pkcs8: &[u8], iterations: u32) -> Vec<u8> {
    let params =
        pkcs5::pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(iterations, &[7; 16], [9; 16])
            .expect("PBES2 parameters");
    let ciphertext = params.encrypt(PASS, pkcs8).expect("encrypts");
    let scheme = pkcs5::EncryptionScheme::from(params).to_der().expect("DER");
    bag(SHROUDED_KEY_BAG, &seq(&[scheme, octets(&ciphertext)]))
}

/// The EC fixture's key and certificate.
fn ec_fixture() -> (Zeroizing<Vec<u8>>, Vec<u8>) {
    let mut contents =
        pkcs12::open(include_bytes!("../../tests/fixtures/ec-p256.p12"), PASS).expect("opens");
    (
        contents.private_keys.remove(0),
        contents.certificates.remove(0),
    )
}

/// The EC key without its public point (as Java writes it), its scalar changed by `n` so that
/// it belongs to no certificate and the point must be recomputed.
fn stripped_other_key(pkcs8: &[u8], n: u8) -> Vec<u8> {
    let info = pkcs8::PrivateKeyInfoRef::from_der(pkcs8).expect("PKCS#8");
    let mut sec1 = sec1::EcPrivateKey::from_der(info.private_key.as_bytes()).expect("SEC 1");
    sec1.public_key = None;
    let mut scalar = sec1.private_key.to_vec();
    if let Some(last) = scalar.last_mut() {
        *last ^= n;
    }
    sec1.private_key = &scalar;
    let sec1 = sec1.to_der().expect("SEC 1");
    pkcs8::PrivateKeyInfoRef {
        algorithm: info.algorithm,
        private_key: der::asn1::OctetStringRef::new(&sec1).expect("octets"),
        public_key: None,
    }
    .to_der()
    .expect("PKCS#8")
}

/// A PBMAC1 `MacData` whose PBKDF2 derives `key_len` bytes for HMAC-SHA256.
fn pbmac1_mac_data(key_len: u32) -> Vec<u8> {
    let hmac_sha256 = seq(&[oid("1.2.840.113549.2.9"), vec![0x05, 0x00]]);
    let pbkdf2 = seq(&[
        oid("1.2.840.113549.1.5.12"),
        seq(&[
            octets(&[1; 16]),
            int(2048),
            int(key_len),
            hmac_sha256.clone(),
        ]),
    ]);
    let pbmac1 = seq(&[oid("1.2.840.113549.1.5.14"), seq(&[pbkdf2, hmac_sha256])]);
    seq(&[seq(&[pbmac1, octets(&[0; 32])]), octets(&[2; 16]), int(1)])
}

/// A hostile file, what it is, and the answer it must get.
struct Case {
    name: &'static str,
    bytes: Vec<u8>,
    expected: Result<(), Error>,
}

fn cases() -> Vec<Case> {
    let (key, certificate) = ec_fixture();
    let mut cases = Vec::new();

    // The 26-second file: 160 EC keys without their point and 160 certificates.
    let keys: Vec<Vec<u8>> = (1..=160)
        .map(|n| bag(KEY_BAG, &stripped_other_key(&key, n)))
        .collect();
    let certs: Vec<Vec<u8>> = (0..160).map(|_| cert_bag(&certificate)).collect();
    cases.push(Case {
        name: "160-ec-keys-without-points",
        bytes: pfx(&[data_part(&certs[..1]), data_part(&keys)]),
        expected: Err(Error::TooManyParts {
            what: "keys",
            max: MAX_KEYS,
        }),
    });
    // Within the caps: every key against every certificate, each point computed once.
    cases.push(Case {
        name: "ec-keys-without-points-at-the-caps",
        bytes: pfx(&[
            data_part(&certs[..MAX_CERTIFICATES]),
            data_part(&keys[..MAX_KEYS]),
        ]),
        expected: Err(Error::KeyMismatch),
    });
    cases.push(Case {
        name: "160-certificates",
        bytes: pfx(&[data_part(&certs)]),
        expected: Err(Error::TooManyParts {
            what: "certificates",
            max: MAX_CERTIFICATES,
        }),
    });
    let secrets: Vec<Vec<u8>> = (0..5000)
        .map(|_| bag(SECRET_BAG, &seq(&[oid(DATA), explicit0(&octets(b"x"))])))
        .collect();
    cases.push(Case {
        name: "5000-bags",
        bytes: pfx(&[data_part(&secrets)]),
        expected: Err(Error::TooManyParts {
            what: "bags",
            max: crate::pkcs12::MAX_BAGS,
        }),
    });
    let empty_parts: Vec<Vec<u8>> = (0..20_000).map(|_| data_part(&[])).collect();
    cases.push(Case {
        name: "20000-empty-parts",
        bytes: pfx(&empty_parts),
        expected: Err(Error::NoCertificate),
    });

    // Derivations: three at NSS's 600,000 iterations fit; the fourth is refused unrun.
    let shrouded = pbes2_key_bag(&key, 600_000);
    cases.push(Case {
        name: "pbes2-600000-x4",
        bytes: pfx(&[
            data_part(&certs[..1]),
            data_part(&[shrouded.clone(), shrouded.clone()]),
            data_part(&[shrouded.clone(), shrouded]),
        ]),
        expected: Err(Error::TooMuchWork { max: MAX_WORK }),
    });
    // 3DES at the iteration cap: key and IV are three SHA-1 derivations of 2,000,000.
    let pbe_params = seq(&[octets(&[3; 8]), int(crate::pkcs12::MAX_ITERATIONS as u32)]);
    let triple_des = seq(&[oid("1.2.840.113549.1.12.1.3"), pbe_params]);
    let capped = bag(SHROUDED_KEY_BAG, &seq(&[triple_des, octets(&[0; 64])]));
    cases.push(Case {
        name: "3des-at-iteration-cap",
        bytes: pfx(&[data_part(&certs[..1]), data_part(&[capped])]),
        expected: Err(Error::TooMuchWork { max: MAX_WORK }),
    });
    // PBMAC1 asking for a key 64 times the HMAC's output.
    cases.push(Case {
        name: "pbmac1-long-key",
        bytes: pfx_with_mac(&[data_part(&certs[..1])], pbmac1_mac_data(32 * 64)),
        expected: Err(Error::Malformed {
            position: 0,
            context: "PBMAC1 key length",
        }),
    });

    // PEM: a CA bundle picked by mistake.
    let block = der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &certificate)
        .expect("PEM");
    cases.push(Case {
        name: "pem-bundle-of-200",
        bytes: block.repeat(200).into_bytes(),
        expected: Err(Error::TooManyParts {
            what: "certificates",
            max: MAX_CERTIFICATES,
        }),
    });
    // The costliest file real tools write opens (NSS, 600,000 iterations).
    cases.push(Case {
        name: "nss-600000-iterations",
        bytes: include_bytes!("../../tests/fixtures/nss-pk12util.p12").to_vec(),
        expected: Ok(()),
    });
    cases
}

#[test]
fn hostile_files_are_answered_within_the_budget() {
    let out = std::env::var_os("HOSTILE_FILES_OUT").map(std::path::PathBuf::from);
    let mut passwords = String::new();
    for case in cases() {
        assert!(
            case.bytes.len() <= crate::input::MAX_INPUT_LEN,
            "{} fits the size cap",
            case.name
        );
        let result = read_certificate_file(&case.bytes, Some(PASS), None).map(|_| ());
        assert_eq!(result, case.expected, "{}", case.name);
        if let Some(dir) = &out {
            let extension = if case.name.starts_with("pem") {
                "pem"
            } else {
                "p12"
            };
            let file = format!("{}.{extension}", case.name);
            std::fs::create_dir_all(dir).expect("output folder");
            std::fs::write(dir.join(&file), &case.bytes).expect("written");
            passwords.push_str(&format!("{file}\t{PASS}\n"));
        }
    }
    if let Some(dir) = &out {
        std::fs::write(dir.join("passwords.tsv"), passwords).expect("written");
    }
}
