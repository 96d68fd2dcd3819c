//! The companion as Chrome runs it: its own process, the caller's origin as the first argument,
//! length-prefixed JSON on stdin and stdout, the install config beside the binary. What a
//! caller that is not allowed (its request read first, so Chrome gets the answer), an oversized
//! or malformed message, a file that is not the verified certificate and a PKCS#12 work bomb
//! get: each its own code, nothing imported.
#![cfg(unix)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64ct::{Base64, Encoding};
use serde_json::{Value, json};

const ID: &str = "abcdefghijklmnopabcdefghijklmnop";
const LEGACY: &[u8] = include_bytes!("../../tests/fixtures/openssl-legacy.p12");
const PASS: &str = "orca-test-pass";
const FINGERPRINT: &str = "C95C4B9DB2B155BEE558736FEB875F16761B037DCF03A20CCFD7B252A6DB9FE0";

/// The binary copied into a folder of its own with an install config allowing [`ID`], and a
/// HOME whose NSS database it will use.
struct Installed {
    dir: PathBuf,
    binary: PathBuf,
}

impl Installed {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "weborca-companion-process-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("home")).expect("scratch");
        let binary = dir.join("weborca-companion");
        std::fs::copy(env!("CARGO_BIN_EXE_weborca-companion"), &binary).expect("copy");
        std::fs::write(
            dir.join("weborca-companion.json"),
            json!({ "allowedExtensions": [ID] }).to_string(),
        )
        .expect("config");
        Self { dir, binary }
    }

    /// Runs the companion for `origin` with `input` on stdin; its answers and exit success.
    fn run(&self, origin: &str, input: &[u8]) -> (Vec<Value>, bool) {
        let mut child = Command::new(&self.binary)
            .arg(origin)
            .env_clear()
            .env("HOME", self.dir.join("home"))
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starts");
        // A companion that stops reading early may close stdin: that is its right.
        let _ = child.stdin.take().expect("stdin").write_all(input);
        let output = child.wait_with_output().expect("ends");
        (answers(&output.stdout), output.status.success())
    }

    fn ask(&self, requests: &[Value]) -> Vec<Value> {
        let input: Vec<u8> = requests
            .iter()
            .flat_map(|r| frame(r.to_string().as_bytes()))
            .collect();
        self.run(&format!("chrome-extension://{ID}/"), &input).0
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(body.len())
        .expect("small")
        .to_ne_bytes()
        .to_vec();
    out.extend_from_slice(body);
    out
}

fn answers(mut stdout: &[u8]) -> Vec<Value> {
    let mut all = Vec::new();
    while stdout.len() >= 4 {
        let (length, rest) = stdout.split_at(4);
        let length = u32::from_ne_bytes(length.try_into().expect("4 bytes")) as usize;
        all.push(serde_json::from_slice(&rest[..length]).expect("JSON answer"));
        stdout = &rest[length..];
    }
    all
}

fn code(answer: &Value) -> &str {
    answer["error"]["code"].as_str().unwrap_or("(answered ok)")
}

fn import(p12: &[u8], password: &str, fingerprint: &str) -> Value {
    json!({ "type": "import", "p12": Base64::encode_string(p12), "password": password, "fingerprint": fingerprint })
}

fn listed(companion: &Installed) -> usize {
    let answers = companion.ask(&[json!({ "type": "list" })]);
    answers[0]["certificates"].as_array().expect("a list").len()
}

#[test]
fn a_caller_not_in_the_install_config_gets_nothing_but_the_reason() {
    let companion = Installed::new("origin");
    let request = frame(json!({ "type": "list" }).to_string().as_bytes());
    for origin in [
        "chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba/",
        "https://weborca.cloud.orcamo.jp/",
        "",
    ] {
        let (answers, success) = companion.run(origin, &request);
        assert_eq!(answers.len(), 1, "{origin}");
        assert_eq!(code(&answers[0]), "companion_origin_not_allowed");
        assert!(!success);
    }
    // Without its install config, nobody may call.
    std::fs::remove_file(companion.dir.join("weborca-companion.json")).expect("remove");
    let (answers, _) = companion.run(&format!("chrome-extension://{ID}/"), &request);
    assert_eq!(code(&answers[0]), "companion_origin_not_allowed");
}

#[test]
fn a_refused_caller_still_gets_its_request_read_so_chrome_receives_the_answer() {
    // Chrome starts the host, then writes the request. A host that refuses and exits before
    // reading it breaks that write (EPIPE), and Chrome reports a broken channel instead of
    // the answer: the extension then says "did not answer", not why.
    let companion = Installed::new("late-request");
    let mut child = Command::new(&companion.binary)
        .arg("chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba/")
        .env_clear()
        .env("HOME", companion.dir.join("home"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let request = frame(json!({ "type": "list" }).to_string().as_bytes());
    let written = child.stdin.take().expect("stdin").write_all(&request);
    let output = child.wait_with_output().expect("ends");
    assert!(written.is_ok(), "the request was read: {written:?}");
    let answers = answers(&output.stdout);
    assert_eq!(code(&answers[0]), "companion_origin_not_allowed");
}

#[test]
fn an_oversized_message_is_refused_before_it_is_read_and_a_malformed_one_is_named() {
    let companion = Installed::new("frames");
    // A length over the cap, with no body behind it: refused at once, nothing waited for.
    let (answers, success) = companion.run(
        &format!("chrome-extension://{ID}/"),
        &(64 * 1024 * 1024u32).to_ne_bytes(),
    );
    assert_eq!(code(&answers[0]), "companion_message_too_large");
    assert!(!success);
    // A malformed request is answered and the next one still is.
    let input = [frame(b"{not json"), frame(br#"{"type":"version"}"#)].concat();
    let (answers, success) = companion.run(&format!("chrome-extension://{ID}/"), &input);
    assert_eq!(code(&answers[0]), "companion_malformed_message");
    assert_eq!(answers[1]["ok"], true);
    assert!(success);
    let answers = companion.ask(&[json!({ "type": "delete", "fingerprint": FINGERPRINT })]);
    assert_eq!(
        code(&answers[0]),
        "companion_malformed_message",
        "no such request"
    );
}

/// The fixture's certificate and key, exported again by openssl with every key derivation at
/// `iterations` (the e2e server's `p12-bomb`).
fn work_bomb(dir: &Path, iterations: u32) -> Vec<u8> {
    let pem = dir.join("both.pem");
    let openssl = |args: &[&str]| {
        let status = Command::new("openssl")
            .args(args)
            .status()
            .expect("openssl");
        assert!(status.success(), "openssl {args:?}");
    };
    let legacy = dir.join("legacy.p12");
    std::fs::write(&legacy, LEGACY).expect("write");
    let pass = format!("pass:{PASS}");
    let (legacy, pem_path) = (
        legacy.to_str().expect("utf-8"),
        pem.to_str().expect("utf-8"),
    );
    openssl(&[
        "pkcs12", "-legacy", "-in", legacy, "-passin", &pass, "-nodes", "-out", pem_path,
    ]);
    let bomb = dir.join("bomb.p12");
    openssl(&[
        "pkcs12",
        "-export",
        "-in",
        pem_path,
        "-passout",
        &pass,
        "-iter",
        &iterations.to_string(),
        "-out",
        bomb.to_str().expect("utf-8"),
    ]);
    std::fs::read(bomb).expect("bomb")
}

#[test]
fn a_file_that_is_not_the_verified_certificate_or_costs_too_much_is_refused_and_nothing_is_imported()
 {
    let companion = Installed::new("import");
    let answers = companion.ask(&[
        import(LEGACY, PASS, &"00".repeat(32)),
        import(LEGACY, "wrong", FINGERPRINT),
        import(b"not a certificate", PASS, FINGERPRINT),
        import(&LEGACY[..LEGACY.len() / 2], PASS, FINGERPRINT),
    ]);
    let codes: Vec<&str> = answers.iter().map(code).collect();
    assert_eq!(
        codes,
        [
            "companion_fingerprint_mismatch",
            "wrong_password",
            "not_certificate",
            "truncated"
        ]
    );
    assert_eq!(listed(&companion), 0, "nothing imported");

    // Refused by the core's budget for key derivations, before the work is done.
    let bomb = work_bomb(&companion.dir, 2_000_000);
    let answers = companion.ask(&[import(&bomb, PASS, FINGERPRINT)]);
    assert_eq!(code(&answers[0]), "too_much_work");
    assert_eq!(listed(&companion), 0, "nothing imported");
}
