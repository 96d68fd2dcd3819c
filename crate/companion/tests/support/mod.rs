//! A renewal as the companion meets it, made with the real tools clinics' files come from: a
//! test CA issues a WebORCA terminal certificate (CN=client3948, O=u00001294) that ends soon,
//! exported with its CA as the store then holds it, and its renewal (same subject, a new key, a
//! later end), each by `openssl pkcs12 -legacy` as the ORCA cloud does; beside them the files
//! the companion must refuse: the renewal plus a second key pair (Java `keytool
//! -importkeystore`, which writes one key bag per entry), another terminal's certificate, the
//! same terminal's from another CA, from a CA that copies the real one's name (OpenSSL 3.0's
//! `x509 -req` writes no authority key identifier, so only the signature tells them apart), and
//! the renewal with a second certificate for its key.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::Command;

use weborca_cert::read_certificate_file;

/// The password of every file here.
pub const PASS: &str = "orca-test-pass";

/// The files of one renewal, in a folder of their own.
pub struct Renewal {
    pub dir: PathBuf,
    /// The certificate in the store before the renewal (30 days left), with its key.
    pub old: Vec<u8>,
    /// Its renewal (three years).
    pub new: Vec<u8>,
    /// The renewal and another terminal's key pair in one file.
    pub two_keys: Vec<u8>,
    /// Another terminal's certificate from the same CA.
    pub other_terminal: Vec<u8>,
    /// The same terminal's certificate from another CA.
    pub other_issuer: Vec<u8>,
    /// The old certificate alone (no CA beside it).
    pub old_alone: Vec<u8>,
    /// The renewal with its CA beside it.
    pub new_with_chain: Vec<u8>,
    /// The same terminal's certificate from a CA with the real one's name, that CA beside it.
    pub forged: Vec<u8>,
    /// The renewal, its key, and another terminal's certificate for the same key.
    pub same_key_other_certificate: Vec<u8>,
}

fn run(program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|err| panic!("{program}: {err}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().expect("utf-8 path").to_owned()
}

/// A CA in `dir`, its files named `name`, its subject `subject`.
fn ca(dir: &Path, name: &str, subject: &str) {
    run(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &path(dir, &format!("{name}.key")),
            "-out",
            &path(dir, &format!("{name}.crt")),
            "-days",
            "3650",
            "-subj",
            subject,
        ],
    );
}

/// `name`'s certificate and key exported again as a legacy `.p12` into `out`, with the
/// certificates `beside` (files in `dir`) added.
fn export(dir: &Path, name: &str, out: &str, beside: &[&str]) -> Vec<u8> {
    let (crt, key, p12) = (
        path(dir, &format!("{name}.crt")),
        path(dir, &format!("{name}.key")),
        path(dir, out),
    );
    let others = dir.join(format!("{out}.beside.pem"));
    let mut pem = String::new();
    for file in beside {
        pem.push_str(&std::fs::read_to_string(dir.join(file)).expect("certificate"));
    }
    std::fs::write(&others, pem).expect("beside");
    let mut args = vec![
        "pkcs12", "-export", "-legacy", "-in", &crt, "-inkey", &key, "-name", name, "-passout",
    ];
    let pass = format!("pass:{PASS}");
    let others = others.to_str().expect("utf-8").to_owned();
    args.extend([pass.as_str(), "-out", &p12]);
    if !beside.is_empty() {
        args.extend(["-certfile", &others]);
    }
    run("openssl", &args);
    std::fs::read(p12).expect("p12")
}

/// A certificate for `key` (a file in `dir`) from `ca`, valid `days`, into `<name>.crt`.
fn issue(dir: &Path, name: &str, cn: &str, ca: &str, days: &str, key: &str) {
    let (csr, crt) = (
        path(dir, &format!("{name}.csr")),
        path(dir, &format!("{name}.crt")),
    );
    run(
        "openssl",
        &[
            "req",
            "-new",
            "-key",
            &path(dir, key),
            "-out",
            &csr,
            "-subj",
            &format!("/C=JP/O=u00001294/CN={cn}"),
        ],
    );
    run(
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &path(dir, &format!("{ca}.crt")),
            "-CAkey",
            &path(dir, &format!("{ca}.key")),
            "-CAcreateserial",
            "-days",
            days,
            "-out",
            &crt,
        ],
    );
}

/// A terminal certificate from `ca`, valid `days`, exported as a legacy `.p12`.
fn terminal(dir: &Path, name: &str, cn: &str, ca: &str, days: &str) -> Vec<u8> {
    let key = format!("{name}.key");
    run(
        "openssl",
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            &path(dir, &key),
        ],
    );
    issue(dir, name, cn, ca, days, &key);
    export(dir, name, &format!("{name}.p12"), &[])
}

impl Renewal {
    /// Makes every file in a fresh folder named after `test`.
    pub fn make(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "weborca-companion-pki-{test}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("folder");
        ca(&dir, "ca", "/C=JP/O=WebORCA Test/CN=WebORCA Test CA");
        ca(&dir, "other-ca", "/C=JP/O=Another Test/CN=Another Test CA");
        ca(&dir, "forged-ca", "/C=JP/O=WebORCA Test/CN=WebORCA Test CA");
        let old_alone = terminal(&dir, "old", "client3948", "ca", "30");
        let old = export(&dir, "old", "old-with-ca.p12", &["ca.crt"]);
        let new = terminal(&dir, "new", "client3948", "ca", "1095");
        let other_terminal = terminal(&dir, "other-terminal", "client3950", "ca", "1095");
        let other_issuer = terminal(&dir, "other-issuer", "client3948", "other-ca", "1095");
        let two = path(&dir, "two-keys.p12");
        for (source, alias) in [("new.p12", "new"), ("other-terminal.p12", "other-terminal")] {
            run(
                "keytool",
                &[
                    "-importkeystore",
                    "-noprompt",
                    "-srckeystore",
                    &path(&dir, source),
                    "-srcstoretype",
                    "PKCS12",
                    "-srcstorepass",
                    PASS,
                    "-srcalias",
                    alias,
                    "-destkeystore",
                    &two,
                    "-deststoretype",
                    "PKCS12",
                    "-deststorepass",
                    PASS,
                ],
            );
        }
        let two_keys = std::fs::read(&two).expect("two keys");
        let new_with_chain = export(&dir, "new", "new-with-ca.p12", &["ca.crt"]);
        terminal(&dir, "forged", "client3948", "forged-ca", "1095");
        let forged = export(&dir, "forged", "forged-with-ca.p12", &["forged-ca.crt"]);
        issue(
            &dir,
            "same-key",
            "client7777",
            "other-ca",
            "1095",
            "new.key",
        );
        let same_key_other_certificate = export(&dir, "new", "new-same-key.p12", &["same-key.crt"]);
        Self {
            dir,
            old,
            new,
            two_keys,
            other_terminal,
            other_issuer,
            old_alone,
            new_with_chain,
            forged,
            same_key_other_certificate,
        }
    }
}

impl Drop for Renewal {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The SHA-256 fingerprint of the certificate the core reads as `p12`'s leaf.
pub fn fingerprint(p12: &[u8]) -> String {
    read_certificate_file(p12, Some(PASS), None)
        .expect("opens")
        .certificate
        .sha256_fingerprint
}

/// Puts `p12` in the NSS database `dir` the way an administrator or Chrome would.
pub fn put_in_nss(dir: &Path, p12: &[u8]) {
    std::fs::create_dir_all(dir).expect("nssdb");
    let db = format!("sql:{}", dir.display());
    if !dir.join("cert9.db").exists() {
        run("certutil", &["-N", "-d", &db, "--empty-password"]);
    }
    let file = dir.with_extension("setup.p12");
    let pass = dir.with_extension("setup.pass");
    std::fs::write(&file, p12).expect("p12");
    std::fs::write(&pass, PASS).expect("pass");
    run(
        "pk12util",
        &[
            "-i",
            file.to_str().expect("utf-8"),
            "-d",
            &db,
            "-w",
            pass.to_str().expect("utf-8"),
            "-k",
            "/dev/null",
        ],
    );
    let _ = std::fs::remove_file(file);
    let _ = std::fs::remove_file(pass);
}

/// `name`'s certificate and key from `renewal`'s folder, exported again under `nickname` (the
/// PKCS#12 friendly name NSS takes as the nickname).
pub fn exported_as(renewal: &Renewal, name: &str, nickname: &str) -> Vec<u8> {
    let out = path(&renewal.dir, &format!("{name}-renamed.p12"));
    run(
        "openssl",
        &[
            "pkcs12",
            "-export",
            "-legacy",
            "-in",
            &path(&renewal.dir, &format!("{name}.crt")),
            "-inkey",
            &path(&renewal.dir, &format!("{name}.key")),
            "-name",
            nickname,
            "-passout",
            &format!("pass:{PASS}"),
            "-out",
            &out,
        ],
    );
    std::fs::read(out).expect("p12")
}

/// Adds `name`'s certificate alone (no key) to the NSS database `dir` under `nickname`.
pub fn add_certificate_only(renewal: &Renewal, dir: &Path, name: &str, nickname: &str) {
    run(
        "certutil",
        &[
            "-A",
            "-d",
            &format!("sql:{}", dir.display()),
            "-n",
            nickname,
            "-t",
            ",,",
            "-i",
            &path(&renewal.dir, &format!("{name}.crt")),
        ],
    );
}
