//! The companion against a real NSS database (NSS's own `certutil` and `pk12util`), in a
//! throwaway folder: import a renewed file as the ORCA cloud exports it (RC2/3DES, SHA-1 MAC),
//! find it again with its private key, import it twice, refuse what is not the verified
//! certificate, back it up and check the copy.
#![cfg(unix)]

use std::path::PathBuf;

use base64ct::{Base64, Encoding};
use weborca_companion::request::{Answer, Request};
use weborca_companion::store::nss::NssStore;
use weborca_companion::{Store, handle};

const LEGACY: &[u8] = include_bytes!("../../tests/fixtures/openssl-legacy.p12");
const PASS: &str = "orca-test-pass";
const FINGERPRINT: &str = "C95C4B9DB2B155BEE558736FEB875F16761B037DCF03A20CCFD7B252A6DB9FE0";

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "weborca-companion-test-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

fn request(json: serde_json::Value) -> Request {
    serde_json::from_value(json).expect("a request")
}

fn import(store: &NssStore, fingerprint: &str, password: &str) -> Result<Answer, String> {
    let request = request(serde_json::json!({
        "type": "import", "p12": Base64::encode_string(LEGACY), "password": password, "fingerprint": fingerprint,
    }));
    handle(request, store).map_err(|err| err.code.to_owned())
}

#[test]
fn a_renewed_file_is_imported_once_with_its_key_and_found_again() {
    let dir = scratch("import");
    let store = NssStore::at(dir.join("nssdb"));
    assert_eq!(store.list().expect("an absent database lists nothing"), []);

    // Refused before anything reaches the store: another fingerprint, a wrong password.
    assert_eq!(
        import(&store, &"00".repeat(32), PASS).err().as_deref(),
        Some("companion_fingerprint_mismatch")
    );
    assert_eq!(
        import(&store, FINGERPRINT, "wrong").err().as_deref(),
        Some("wrong_password")
    );
    assert_eq!(store.list().expect("list"), []);

    let Ok(Answer::Imported { certificate }) = import(&store, FINGERPRINT, PASS) else {
        panic!("imported");
    };
    assert_eq!(certificate.sha256_fingerprint, FINGERPRINT);
    let Ok(Answer::Imported { .. }) = import(&store, FINGERPRINT, PASS) else {
        panic!("imported again");
    };
    let listed = store.list().expect("list");
    assert_eq!(listed.len(), 1, "no duplicate");
    assert!(listed[0].has_private_key);

    let Ok(Answer::List { certificates }) = handle(Request::List, &store) else {
        panic!("listed");
    };
    assert_eq!(certificates.len(), 1);
    assert_eq!(certificates[0].certificate.sha256_fingerprint, FINGERPRINT);
    assert!(
        certificates[0].renewable_client,
        "client3948 is a WebORCA terminal certificate"
    );
    // No temporary file with the password is left behind.
    let leftovers = std::fs::read_dir(std::env::temp_dir())
        .expect("temp")
        .flatten()
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .starts_with(&format!("weborca-companion-{}-", std::process::id()))
        })
        .count();
    assert_eq!(leftovers, 0);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_backup_is_written_read_back_and_opened_or_nothing_is_left() {
    let dir = scratch("backup");
    let backup = |folder: String| {
        handle(
            request(serde_json::json!({
                "type": "backup", "p12": Base64::encode_string(LEGACY), "password": PASS,
                "folder": folder, "p12Name": "client3948.p12", "passwordName": "client3948_password.txt",
                "passwordHeader": "client3948.p12 のパスワード",
            })),
            &NssStore::at(dir.join("unused")),
        )
    };
    let folder = dir.join("nas").join("受付PC");
    let Ok(Answer::BackedUp {
        p12_path,
        password_path,
    }) = backup(folder.display().to_string())
    else {
        panic!("backed up");
    };
    assert_eq!(std::fs::read(&p12_path).expect("copy"), LEGACY);
    assert!(
        std::fs::read_to_string(&password_path)
            .expect("password file")
            .contains(PASS)
    );

    // The same backup asked again is the same backup; another file under those names never
    // replaces the first.
    assert!(backup(folder.display().to_string()).is_ok(), "asked again");
    let other = handle(
        request(serde_json::json!({
            "type": "backup", "p12": Base64::encode_string(include_bytes!("../../tests/fixtures/openssl3-default.p12")),
            "password": PASS, "folder": folder.display().to_string(), "p12Name": "client3948.p12",
            "passwordName": "client3948_password.txt", "passwordHeader": "x",
        })),
        &NssStore::at(dir.join("unused")),
    );
    assert_eq!(other.err().map(|e| e.code), Some("companion_backup_failed"));
    assert_eq!(
        std::fs::read(&p12_path).expect("the first copy stays"),
        LEGACY
    );
    assert!(
        std::fs::read_to_string(&password_path)
            .expect("its password file stays")
            .contains(PASS)
    );
    assert_eq!(
        backup("relative/folder".into()).err().map(|e| e.code),
        Some("companion_backup_folder")
    );
    let blocked = dir.join("a-file");
    std::fs::write(&blocked, b"not a folder").expect("file");
    assert_eq!(
        backup(blocked.join("inside").display().to_string())
            .err()
            .map(|e| e.code),
        Some("companion_backup_folder")
    );
    let _ = std::fs::remove_dir_all(dir);
}
