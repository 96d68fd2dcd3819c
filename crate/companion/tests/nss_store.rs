//! The companion against a real NSS database (NSS's own `certutil` and `pk12util`), in a
//! throwaway folder: a renewal of a terminal certificate that is in the store with its key is
//! imported beside it, once, and found again with its key; what does not renew one — another
//! terminal's, another CA's, a file with a second key pair — is refused and nothing reaches the
//! store; the store is read as data, so nicknames with spaces, newlines or a key ID in them
//! change nothing.
#![cfg(target_os = "linux")]

mod support;

use std::path::{Path, PathBuf};

use base64ct::{Base64, Encoding};
use weborca_companion::admin::Admin;
use weborca_companion::request::{Answer, Request};
use weborca_companion::store::key_id;
use weborca_companion::store::nss::NssStore;
use weborca_companion::{Store, handle};

use support::{PASS, Renewal, add_certificate_only, exported_as, fingerprint, put_in_nss};

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

fn import(
    store: &NssStore,
    p12: &[u8],
    password: &str,
    fingerprint: &str,
) -> Result<Answer, String> {
    let request = request(serde_json::json!({
        "type": "import", "p12": Base64::encode_string(p12), "password": password, "fingerprint": fingerprint,
    }));
    handle(request, store, &Admin::default(), 0).map_err(|err| err.code.as_str().to_owned())
}

/// (fingerprint, has key) of every terminal certificate in the store (the CA beside them left
/// out), sorted.
fn contents(store: &NssStore) -> Vec<(String, bool)> {
    let mut all: Vec<(String, bool)> = store
        .list()
        .expect("list")
        .into_iter()
        .filter_map(|found| {
            let report =
                weborca_cert::read_certificate_file(&found.der, None, None).expect("a certificate");
            report
                .renewable_client
                .then_some((report.certificate.sha256_fingerprint, found.has_private_key))
        })
        .collect();
    all.sort();
    all
}

fn database(dir: &Path) -> NssStore {
    NssStore::at(dir.join("nssdb"))
}

#[test]
fn a_renewal_of_a_certificate_in_the_store_is_imported_once_with_its_key_and_found_again() {
    let pki = Renewal::make("import");
    let dir = scratch("import");
    let store = database(&dir);
    assert_eq!(store.list().expect("an absent database lists nothing"), []);
    let new = fingerprint(&pki.new);

    // Nothing in the store to renew: refused, nothing imported.
    assert_eq!(
        import(&store, &pki.new, PASS, &new).err().as_deref(),
        Some("companion_not_a_renewal")
    );
    put_in_nss(&dir.join("nssdb"), &pki.old);
    let before = contents(&store);
    assert_eq!(before, [(fingerprint(&pki.old), true)]);

    // Refused before anything reaches the store: another fingerprint, a wrong password.
    assert_eq!(
        import(&store, &pki.new, PASS, &"00".repeat(32))
            .err()
            .as_deref(),
        Some("companion_fingerprint_mismatch")
    );
    assert_eq!(
        import(&store, &pki.new, "wrong", &new).err().as_deref(),
        Some("wrong_password")
    );
    assert_eq!(contents(&store), before);

    let Ok(Answer::Imported { certificate }) = import(&store, &pki.new, PASS, &new) else {
        panic!("imported");
    };
    assert_eq!(certificate.sha256_fingerprint, new);
    let Ok(Answer::Imported { .. }) = import(&store, &pki.new, PASS, &new) else {
        panic!("imported again");
    };
    let mut expected = vec![(fingerprint(&pki.old), true), (new.clone(), true)];
    expected.sort();
    assert_eq!(
        contents(&store),
        expected,
        "the old one kept, the new one once, each with its key"
    );

    let Ok(Answer::List { certificates }) = handle(Request::List, &store, &Admin::default(), 0)
    else {
        panic!("listed");
    };
    assert_eq!(certificates.len(), 2);
    assert!(certificates.iter().all(|c| c.renewable_client));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn what_does_not_renew_a_certificate_in_the_store_is_refused_and_nothing_reaches_it() {
    let pki = Renewal::make("refused");
    let dir = scratch("refused");
    let store = database(&dir);
    put_in_nss(&dir.join("nssdb"), &pki.old);
    let before = contents(&store);
    let keys_before = std::fs::read(dir.join("nssdb/key4.db")).expect("keys");
    for (file, code) in [
        (&pki.two_keys, "companion_extra_keys"),
        (&pki.other_terminal, "companion_not_a_renewal"),
        (&pki.other_issuer, "companion_not_a_renewal"),
        // A CA that only copies the issuer's name, itself in the file: its key did not sign
        // the certificate in the store, so it does not count; the store's CA did not sign this.
        (&pki.forged, "companion_not_a_renewal"),
        // The renewal, plus another terminal's certificate for the same key.
        (
            &pki.same_key_other_certificate,
            "companion_extra_certificates",
        ),
        (&pki.old, "(answered ok)"),
    ] {
        let answer = import(&store, file, PASS, &fingerprint(file));
        assert_eq!(answer.err().as_deref().unwrap_or("(answered ok)"), code);
        assert_eq!(contents(&store), before, "{code}: the store as it was");
    }
    assert_eq!(
        std::fs::read(dir.join("nssdb/key4.db")).expect("keys"),
        keys_before,
        "no key added, not even an orphan"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn nicknames_are_never_read_as_data_a_space_a_newline_or_a_key_id_in_one_changes_nothing() {
    let pki = Renewal::make("nicknames");
    let dir = scratch("nicknames");
    let nssdb = dir.join("nssdb");
    let store = database(&dir);
    // A keyless certificate, and the old certificate's key named after the keyless one's key
    // ID: a reader that took any 40-hex word of `certutil -K` would give it a key.
    let keyless_der = weborca_cert::read_certificate_file(&pki.other_terminal, Some(PASS), None)
        .expect("opens")
        .certificate;
    let keyless_id = {
        let crt = std::fs::read_to_string(pki.dir.join("other-terminal.crt")).expect("crt");
        let der = base64ct::Base64::decode_vec(
            &crt.lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<String>(),
        )
        .expect("pem");
        key_id(&der).expect("key id")
    };
    let hex: String = keyless_id.iter().map(|b| format!("{b:02x}")).collect();
    put_in_nss(&nssdb, &exported_as(&pki, "old", &hex));
    add_certificate_only(&pki, &nssdb, "ca", "WebORCA Test CA");
    add_certificate_only(&pki, &nssdb, "other-terminal", "trailing space ");
    add_certificate_only(&pki, &nssdb, "other-issuer", "first line\nsecond line");
    let listed = contents(&store);
    assert_eq!(listed.len(), 3, "{listed:?}");
    assert!(
        listed.contains(&(keyless_der.sha256_fingerprint.clone(), false)),
        "the keyless certificate has no key: {listed:?}"
    );
    assert!(listed.contains(&(fingerprint(&pki.old), true)));
    // And the renewal goes in beside them.
    let new = fingerprint(&pki.new);
    assert!(import(&store, &pki.new, PASS, &new).is_ok());
    assert!(contents(&store).contains(&(new, true)));
    let _ = std::fs::remove_dir_all(dir);
}

/// The store as a tool that says "done" and did nothing (pk12util exiting 0 without the key,
/// say): the companion answers only what the store shows.
struct SaysDoneDoesNothing(NssStore);

impl Store for SaysDoneDoesNothing {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn list(
        &self,
    ) -> Result<
        Vec<weborca_companion::store::StoredCertificate>,
        weborca_companion::store::StoreError,
    > {
        self.0.list()
    }
    fn import(
        &self,
        _p12: &[u8],
        _password: &str,
        _label: &str,
    ) -> Result<(), weborca_companion::store::StoreError> {
        Ok(())
    }
}

#[test]
fn an_import_is_answered_only_when_the_store_shows_the_certificate_with_its_key() {
    let pki = Renewal::make("post-check");
    let dir = scratch("post-check");
    put_in_nss(&dir.join("nssdb"), &pki.old);
    let store = SaysDoneDoesNothing(database(&dir));
    let request = request(serde_json::json!({
        "type": "import", "p12": Base64::encode_string(&pki.new), "password": PASS,
        "fingerprint": fingerprint(&pki.new),
    }));
    assert_eq!(
        handle(request, &store, &Admin::default(), 0)
            .err()
            .map(|e| e.code.as_str()),
        Some("companion_not_in_store")
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_issuer_is_proven_by_the_key_that_signed_the_certificate_in_the_store() {
    let pki = Renewal::make("issuer");
    let dir = scratch("issuer");
    let nssdb = dir.join("nssdb");
    let store = database(&dir);
    let new = fingerprint(&pki.new);
    // The old certificate with its key, and no CA anywhere: the renewal's signature cannot be
    // checked, so it is not imported.
    put_in_nss(&nssdb, &pki.old_alone);
    assert_eq!(
        import(&store, &pki.new, PASS, &new).err().as_deref(),
        Some("companion_issuer_unknown")
    );
    // The forged CA's own certificate in the file proves nothing: it did not sign the old one.
    assert_eq!(
        import(&store, &pki.forged, PASS, &fingerprint(&pki.forged))
            .err()
            .as_deref(),
        Some("companion_issuer_unknown")
    );
    // The renewal with its CA: that CA signed the certificate in the store, and the renewal.
    assert!(import(&store, &pki.new_with_chain, PASS, &new).is_ok());
    assert!(contents(&store).contains(&(new, true)));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_certificate_of_the_terminal_without_its_key_in_the_store_is_nothing_to_renew() {
    let pki = Renewal::make("keyless");
    let dir = scratch("keyless");
    let nssdb = dir.join("nssdb");
    let store = database(&dir);
    put_in_nss(&nssdb, &pki.other_terminal);
    add_certificate_only(&pki, &nssdb, "old", "client3948");
    add_certificate_only(&pki, &nssdb, "ca", "WebORCA Test CA");
    let before = contents(&store);
    assert_eq!(
        import(&store, &pki.new, PASS, &fingerprint(&pki.new))
            .err()
            .as_deref(),
        Some("companion_not_a_renewal")
    );
    assert_eq!(contents(&store), before);
    let _ = std::fs::remove_dir_all(dir);
}
