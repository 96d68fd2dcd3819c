//! The companion as Chrome runs it: its own process, the caller's origin as the first argument,
//! length-prefixed JSON on stdin and stdout, the install config beside the binary. What a
//! caller that is not allowed (its request read first, so Chrome gets the answer), an oversized
//! or malformed message, a file that is not the verified certificate and a PKCS#12 work bomb
//! get: each its own code, nothing imported. Where it writes is the administrator's alone
//! (`admin.json`), and it leaves nothing secret on disk even when killed.
#![cfg(target_os = "linux")]

mod support;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
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
        std::fs::create_dir_all(dir.join("tmp")).expect("scratch");
        let binary = dir.join("weborca-companion");
        std::fs::copy(env!("CARGO_BIN_EXE_weborca-companion"), &binary).expect("copy");
        // As a package installs it: root's, writable by nobody else (the companion checks).
        set_mode(&dir, 0o755);
        set_mode(&binary, 0o755);
        let installed = Self { dir, binary };
        installed.write_root_file(
            "weborca-companion.json",
            &json!({ "allowedExtensions": [ID] }).to_string(),
        );
        installed
    }

    /// Writes `name` beside the binary, 0644, as an administrator would.
    fn write_root_file(&self, name: &str, contents: &str) {
        let path = self.dir.join(name);
        std::fs::write(&path, contents).expect("config");
        set_mode(&path, 0o644);
    }

    /// Sets the administrator's backup folder.
    fn back_up_into(&self, folder: &Path) {
        self.write_root_file(
            "admin.json",
            &json!({ "backupFolder": folder.display().to_string() }).to_string(),
        );
    }

    fn command(&self, origin: &str) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .arg(origin)
            .env_clear()
            .env("HOME", self.dir.join("home"))
            .env("TMPDIR", self.dir.join("tmp"))
            .env("PATH", std::env::var_os("PATH").unwrap_or_default());
        command
    }

    /// Runs the companion for `origin` with `input` on stdin; its answers and exit success.
    fn run(&self, origin: &str, input: &[u8]) -> (Vec<Value>, bool) {
        let mut child = spawn(
            self.command(origin)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped()),
        );
        // A companion that stops reading early may close stdin: that is its right.
        let _ = child.stdin.take().expect("stdin").write_all(input);
        let output = child.wait_with_output().expect("ends");
        (answers(&output.stdout), output.status.success())
    }

    fn ask_one(&self, request: &Value) -> Value {
        self.ask(std::slice::from_ref(request)).swap_remove(0)
    }

    fn ask(&self, requests: &[Value]) -> Vec<Value> {
        let input: Vec<u8> = requests
            .iter()
            .flat_map(|r| frame(r.to_string().as_bytes()))
            .collect();
        self.run(&format!("chrome-extension://{ID}/"), &input).0
    }
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("mode");
}

/// Starts `command`. A binary copied a moment ago may still be open for writing in a child
/// another test thread forked meanwhile (until that child's exec closes it): Linux then
/// refuses to run it (ETXTBSY), so that one error is waited out.
fn spawn(command: &mut Command) -> std::process::Child {
    const TEXT_FILE_BUSY: i32 = 26;
    for _ in 0..50 {
        match command.spawn() {
            Ok(child) => return child,
            Err(err) if err.raw_os_error() == Some(TEXT_FILE_BUSY) => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(err) => panic!("starts: {err}"),
        }
    }
    panic!("the copied binary stayed busy")
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
    let mut child = spawn(
        companion
            .command("chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba/")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
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

fn backup(p12: &[u8], password: &str, fingerprint: &str) -> Value {
    json!({ "type": "backup", "p12": Base64::encode_string(p12), "password": password, "fingerprint": fingerprint })
}

/// Every file under `dir`, recursively (links not followed).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => found.extend(files_under(&path)),
            Ok(_) => found.push(path),
            Err(_) => {}
        }
    }
    found
}

#[test]
fn a_config_someone_else_could_change_is_not_used_at_all() {
    let companion = Installed::new("untrusted");
    companion.back_up_into(&companion.dir.join("backups"));
    let version = json!({ "type": "version" });
    assert_eq!(companion.ask_one(&version)["ok"], true);
    for (path, mode) in [
        (companion.dir.join("admin.json"), 0o666),
        (companion.dir.join("weborca-companion.json"), 0o664),
        (companion.dir.clone(), 0o775),
    ] {
        let restore = if path.is_dir() { 0o755 } else { 0o644 };
        set_mode(&path, mode);
        assert_eq!(
            code(&companion.ask_one(&version)),
            "companion_config_untrusted",
            "{} at {mode:o}",
            path.display()
        );
        set_mode(&path, restore);
    }
    // A link to a file anyone may write counts as that file.
    let loose = companion.dir.join("home/admin.json");
    std::fs::write(&loose, r#"{"backupFolder":"/"}"#).expect("write");
    set_mode(&loose, 0o666);
    std::fs::remove_file(companion.dir.join("admin.json")).expect("remove");
    std::os::unix::fs::symlink(&loose, companion.dir.join("admin.json")).expect("link");
    assert_eq!(
        code(&companion.ask_one(&version)),
        "companion_config_untrusted"
    );
}

#[test]
fn a_backup_goes_only_where_the_administrator_said_under_names_the_companion_makes() {
    let pki = support::Renewal::make("backup");
    let companion = Installed::new("backup");
    let home = companion.dir.join("home");
    // A backup is of a renewal of the terminal certificate in the store, as an import is.
    support::put_in_nss(&home.join(".pki/nssdb"), &pki.old);
    let stray = backup(
        &pki.other_terminal,
        support::PASS,
        &support::fingerprint(&pki.other_terminal),
    );
    let new = support::fingerprint(&pki.new);
    let request = backup(&pki.new, support::PASS, &new);

    companion.back_up_into(&companion.dir.join("nas"));
    assert_eq!(
        code(&companion.ask_one(&stray)),
        "companion_not_a_renewal",
        "not a renewal of this terminal's certificate: nothing written"
    );
    assert!(!companion.dir.join("nas").exists());
    std::fs::remove_file(companion.dir.join("admin.json")).expect("no folder again");
    // No folder set by the administrator: nothing written, and said so.
    assert_eq!(
        code(&companion.ask_one(&request)),
        "companion_backup_not_set"
    );
    // A folder that is not absolute: refused.
    companion.write_root_file("admin.json", r#"{"backupFolder":"../backups"}"#);
    assert_eq!(
        code(&companion.ask_one(&request)),
        "companion_backup_folder"
    );

    // A request that names a folder, a name or a text of its own is refused whole: the
    // autostart entry, `..`, an absolute path.
    let folder = companion.dir.join("nas").join("受付PC");
    companion.back_up_into(&folder);
    let autostart = home.join(".config/autostart");
    for (key, value) in [
        ("folder", autostart.display().to_string()),
        ("p12Name", "../../.config/autostart/x.desktop".to_owned()),
        ("passwordName", "/etc/x.desktop".to_owned()),
        (
            "passwordHeader",
            "[Desktop Entry]\nExec=sh -c 'touch /tmp/owned'".to_owned(),
        ),
    ] {
        let mut hostile = request.clone();
        hostile[key] = json!(value);
        assert_eq!(
            code(&companion.ask_one(&hostile)),
            "companion_malformed_message",
            "{key}"
        );
    }
    assert!(
        files_under(&home)
            .iter()
            .all(|f| f.starts_with(home.join(".pki"))),
        "nothing written in HOME"
    );
    assert!(!folder.exists(), "nothing written at all");

    // The backup itself: the folder made 0700, each file 0600, named after the certificate.
    let answers = [companion.ask_one(&request)];
    assert_eq!(answers[0]["ok"], true, "{answers:?}");
    let p12_path = PathBuf::from(answers[0]["p12Path"].as_str().expect("path"));
    let password_path = PathBuf::from(answers[0]["passwordPath"].as_str().expect("path"));
    assert_eq!(p12_path.parent(), Some(folder.as_path()));
    assert_eq!(password_path.parent(), Some(folder.as_path()));
    let name = p12_path
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(
        name.contains("__JP_u00001294_client3948_") && name.ends_with(".p12"),
        "{name}"
    );
    assert_eq!(std::fs::read(&p12_path).expect("copy"), pki.new);
    let text = std::fs::read_to_string(&password_path).expect("password file");
    assert_eq!(text.lines().nth(1), Some(support::PASS));
    let mode = |path: &Path| std::fs::metadata(path).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode(&folder), 0o700);
    assert_eq!(mode(&p12_path), 0o600);
    assert_eq!(mode(&password_path), 0o600);
    assert_eq!(files_under(&folder).len(), 2, "no temporary file left");

    // Asked again (a worker stopped before the answer): the same backup, nothing added.
    assert_eq!(companion.ask_one(&request)["ok"], true);
    assert_eq!(files_under(&folder).len(), 2);

    // A link where a backup goes is never written through, and what was there stays.
    std::fs::remove_file(&p12_path).expect("remove");
    std::fs::remove_file(&password_path).expect("remove");
    std::os::unix::fs::symlink(autostart.join("x.desktop"), &p12_path).expect("link");
    assert_eq!(
        code(&companion.ask_one(&request)),
        "companion_backup_failed"
    );
    assert!(!autostart.exists(), "nothing through the link");
    assert!(std::fs::symlink_metadata(&p12_path).is_ok_and(|m| m.file_type().is_symlink()));
    assert_eq!(
        files_under(&folder),
        std::slice::from_ref(&p12_path),
        "only the link, as it was"
    );

    // An earlier file under the name stays as it was.
    std::fs::remove_file(&p12_path).expect("remove");
    std::fs::write(&password_path, "an earlier backup\r\n").expect("earlier");
    assert_eq!(
        code(&companion.ask_one(&request)),
        "companion_backup_failed"
    );
    assert_eq!(
        std::fs::read_to_string(&password_path).expect("kept"),
        "an earlier backup\r\n"
    );
    assert_eq!(
        files_under(&folder),
        [password_path],
        "the .p12 this call wrote is gone"
    );
}

/// A `pk12util` first on PATH that writes down its arguments, then runs NSS's own.
fn recording_pk12util(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let real = String::from_utf8(
        Command::new("sh")
            .args(["-c", "command -v pk12util"])
            .output()
            .expect("sh")
            .stdout,
    )
    .expect("utf-8");
    let script = bin.join("pk12util");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '{}'\nexec {} \"$@\"\n",
            dir.join("pk12util-args").display(),
            real.trim()
        ),
    )
    .expect("script");
    set_mode(&script, 0o755);
    bin
}

#[test]
fn pk12util_gets_the_file_and_the_password_from_memory_never_a_path_or_its_command_line() {
    let pki = support::Renewal::make("argv");
    let companion = Installed::new("argv");
    support::put_in_nss(&companion.dir.join("home/.pki/nssdb"), &pki.old);
    let bin = recording_pk12util(&companion.dir);
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let input = frame(
        import(&pki.new, support::PASS, &support::fingerprint(&pki.new))
            .to_string()
            .as_bytes(),
    );
    let mut child = spawn(
        companion
            .command(&format!("chrome-extension://{ID}/"))
            .env("PATH", path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&input)
        .expect("write");
    let output = child.wait_with_output().expect("ends");
    assert_eq!(answers(&output.stdout)[0]["ok"], true, "imported");
    let args = std::fs::read_to_string(companion.dir.join("pk12util-args")).expect("ran");
    let args: Vec<&str> = args.lines().collect();
    assert!(
        !args.contains(&support::PASS),
        "no password on the command line: {args:?}"
    );
    let after = |flag: &str| args.iter().position(|a| *a == flag).map(|i| args[i + 1]);
    for flag in ["-i", "-w"] {
        let named = after(flag).expect(flag);
        assert!(
            named.starts_with("/dev/fd/"),
            "{flag} {named}: a memory file, not a path"
        );
    }
}

/// A tiny generator for the kill moments (no dependency; the seed is printed).
struct Moments(u64);

impl Moments {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

#[test]
fn a_companion_killed_at_any_moment_of_an_import_leaves_nothing_secret_on_disk() {
    const ROUNDS: usize = 100;
    let pki = support::Renewal::make("kill");
    let companion = Installed::new("kill");
    let template = companion.dir.join("template-nssdb");
    support::put_in_nss(&template, &pki.old);
    let (new, password) = (pki.new.clone(), support::PASS);
    let request = frame(
        import(&new, password, &support::fingerprint(&new))
            .to_string()
            .as_bytes(),
    );
    let nssdb = companion.dir.join("home/.pki/nssdb");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64);
    println!("kill moments seed {seed}");
    let mut moments = Moments(seed);
    for round in 0..ROUNDS {
        let _ = std::fs::remove_dir_all(&nssdb);
        std::fs::create_dir_all(&nssdb).expect("nssdb");
        for file in ["cert9.db", "key4.db", "pkcs11.txt"] {
            let _ = std::fs::copy(template.join(file), nssdb.join(file));
        }
        let mut child = spawn(
            companion
                .command(&format!("chrome-extension://{ID}/"))
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        );
        let _ = child.stdin.as_mut().expect("stdin").write_all(&request);
        std::thread::sleep(std::time::Duration::from_millis(moments.next(400)));
        // Chrome's way: SIGTERM, then SIGKILL; here one or the other, at random moments.
        let signal = if round % 2 == 0 { "TERM" } else { "KILL" };
        let _ = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status();
        let _ = child.wait();
    }
    // Any pk12util a killed companion left running finishes on its own.
    std::thread::sleep(std::time::Duration::from_secs(2));
    drop(pki);
    let needle_in = |bytes: &[u8]| {
        bytes
            .windows(password.len())
            .any(|w| w == password.as_bytes())
            || bytes
                .windows(64)
                .any(|w| w == &new[new.len() / 2..new.len() / 2 + 64])
    };
    let mut places = files_under(&companion.dir);
    places.extend(files_under(Path::new("/dev/shm")));
    let leaks: Vec<_> = places
        .into_iter()
        .filter(|path| !path.starts_with(&template) && !path.starts_with(&nssdb))
        .filter(|path| std::fs::read(path).is_ok_and(|bytes| needle_in(&bytes)))
        .collect();
    assert_eq!(leaks, Vec::<PathBuf>::new(), "seed {seed}");
    // The database holds the key (that is the import), never the file or its password.
    for file in files_under(&nssdb) {
        let bytes = std::fs::read(&file).expect("read");
        assert!(!needle_in(&bytes), "{} (seed {seed})", file.display());
    }
}

fn status(extra: Option<(&str, Value)>) -> Value {
    let mut certificate = json!({
        "name": "受付PC", "commonName": "client3948", "serial": "0A1B", "notAfter": 1_900_000_000_000_i64,
        "foundInStore": true,
        "renewal": { "stage": "done", "errorCode": null, "errorMessage": null,
                     "renewedAt": 1_796_000_000_000_i64, "importedAt": 1_796_000_000_000_i64, "backedUpAt": null },
    });
    if let Some((key, value)) = extra {
        certificate[key] = value;
    }
    json!({ "type": "status", "extensionVersion": "0.1.0", "certificates": [certificate] })
}

#[test]
fn a_terminal_status_goes_only_into_the_administrators_folder_whole_and_with_nothing_secret() {
    let companion = Installed::new("status");
    assert_eq!(
        code(&companion.ask_one(&status(None))),
        "companion_backup_not_set",
        "no folder set: nothing written"
    );
    let folder = companion.dir.join("nas");
    companion.back_up_into(&folder);
    // A report cannot carry anything the format has no place for.
    for (key, value) in [
        ("password", json!("orca-test-pass")),
        ("p12", json!("MIIK")),
        ("folder", json!("/home/user/.config/autostart")),
    ] {
        assert_eq!(
            code(&companion.ask_one(&status(Some((key, value))))),
            "companion_malformed_message",
            "{key}"
        );
    }
    assert!(files_under(&folder).is_empty());

    let answer = companion.ask_one(&status(None));
    assert_eq!(answer["ok"], true, "{answer}");
    let written = PathBuf::from(answer["path"].as_str().expect("path"));
    assert_eq!(written.parent(), Some(folder.as_path()));
    let file: Value =
        serde_json::from_slice(&std::fs::read(&written).expect("status")).expect("JSON");
    assert_eq!(file["format"], "weborca-terminal-status");
    assert_eq!(file["version"], 1);
    assert_eq!(file["certificates"][0]["name"], "受付PC");
    assert!(
        file["certificates"][0]["daysLeft"].as_i64().is_some(),
        "days left, as written"
    );
    assert!(file["computer"].as_str().is_some_and(|c| !c.is_empty()));
    // Written again: still one file and the page, no temporary left.
    assert_eq!(companion.ask_one(&status(None))["ok"], true);
    let mut names: Vec<String> = files_under(&folder)
        .iter()
        .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"weborca-status.html".to_owned()));
    let page = std::fs::read_to_string(folder.join("weborca-status.html")).expect("page");
    assert!(
        page.contains("取り込み済み・バックアップなし"),
        "imported, not backed up"
    );

    // The administrator's command prints the same table and writes the same page.
    let out = Command::new(&companion.binary)
        .args(["report", folder.to_str().expect("utf-8")])
        .output()
        .expect("report");
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        table.contains("Imported, no backup") && table.contains("受付PC"),
        "{table}"
    );
}
