//! The companion's process: Chrome starts it with the caller's origin, then sends requests as
//! native messaging frames on stdin and reads the answers on stdout (stdout is the channel:
//! nothing else is ever printed there; notes go to stderr, which Chrome logs, never a secret).

use std::io::{self, Read, Write};
use std::process::ExitCode;

use serde_json::{Value, json};
use weborca_cert::RenewalCode as Code;
use weborca_companion::admin::{self, Admin};
use weborca_companion::frame::{FrameError, MAX_INCOMING, read_frame, write_frame};
use weborca_companion::origin::allowed;
use weborca_companion::request::Request;
use weborca_companion::{CompanionError, Store, handle};

fn main() -> ExitCode {
    keep_out_of_core_dumps();
    let origin = std::env::args().nth(1);
    // Run by an administrator rather than by Chrome: the status page of a folder.
    if origin.as_deref() == Some("report") {
        return report(std::env::args().nth(2));
    }
    let stdin = io::stdin();
    let stdout = io::stdout();
    let mut input = stdin.lock();
    let mut output = stdout.lock();
    let admin = match administrator_settings() {
        Ok(admin) => admin,
        Err(err) => return refuse(&mut input, &mut output, log(err)),
    };
    if !allowed(origin.as_deref(), &admin.allowed_extensions) {
        return refuse(
            &mut input,
            &mut output,
            CompanionError::new(Code::CompanionOriginNotAllowed),
        );
    }
    let store = match current_store() {
        Ok(store) => store,
        Err(err) => return refuse(&mut input, &mut output, err),
    };
    loop {
        let frame = match read_frame(&mut input, MAX_INCOMING) {
            Ok(Some(frame)) => frame,
            Ok(None) => return ExitCode::SUCCESS,
            // The rest of an oversized or cut frame cannot be skipped safely: say why and stop.
            Err(FrameError::TooLarge { .. }) => {
                let _ = answer(
                    &mut output,
                    Err(CompanionError::new(Code::CompanionMessageTooLarge)),
                );
                return ExitCode::FAILURE;
            }
            Err(FrameError::Truncated | FrameError::Io(_)) => return ExitCode::FAILURE,
        };
        let result = serde_json::from_slice::<Request>(&frame)
            .map_err(|_| CompanionError::new(Code::CompanionMalformedMessage))
            .and_then(|request| handle(request, store.as_ref(), &admin, now()).map_err(log));
        if answer(&mut output, result.map(|answer| json!(answer))).is_err() {
            return ExitCode::FAILURE;
        }
    }
}

/// The process holds renewed files and their passwords in memory: a crash must not write them
/// to disk (systemd-coredump, apport), so it is never dumped. Best effort: a refusal changes
/// nothing else.
#[cfg(target_os = "linux")]
fn keep_out_of_core_dumps() {
    use rustix::process::{DumpableBehavior, Resource, Rlimit, set_dumpable_behavior, setrlimit};
    let _ = set_dumpable_behavior(DumpableBehavior::NotDumpable);
    let _ = setrlimit(
        Resource::Core,
        Rlimit {
            current: Some(0),
            maximum: Some(0),
        },
    );
}

#[cfg(not(target_os = "linux"))]
fn keep_out_of_core_dumps() {}

/// `weborca-companion report <folder>`: writes the folder's page (`weborca-status.html` in it)
/// and prints the same table.
fn report(folder: Option<String>) -> ExitCode {
    use weborca_companion::{files, report};
    let Some(folder) = folder else {
        eprintln!("usage: weborca-companion report <the administrator's folder>");
        return ExitCode::from(2);
    };
    let folder = std::path::Path::new(&folder);
    let files = report::read_folder(folder);
    let now = now();
    let page = folder.join(report::PAGE);
    if let Err(err) = files::replace_whole(&page, report::page(&files, now).as_bytes()) {
        eprintln!("weborca-companion: {}: {err}", page.display());
        return ExitCode::FAILURE;
    }
    print!("{}", report::text(&files, now));
    println!("{}", page.display());
    ExitCode::SUCCESS
}

/// Refuses the whole connection with `err`, after reading the request Chrome is writing: a
/// host that exits first breaks Chrome's pipe, and Chrome then reports "error when
/// communicating with the native messaging host" instead of this answer.
fn refuse(input: &mut impl Read, output: &mut impl Write, err: CompanionError) -> ExitCode {
    let _ = read_frame(input, MAX_INCOMING);
    let _ = answer(output, Err(err));
    ExitCode::FAILURE
}

/// What the administrator set for the companion installed where this binary is.
fn administrator_settings() -> Result<Admin, CompanionError> {
    let exe = std::env::current_exe()
        .map_err(|err| CompanionError::with(Code::CompanionConfigUntrusted, err.to_string()))?;
    admin::read(exe.parent().unwrap_or(std::path::Path::new("/")))
}

#[cfg(target_os = "linux")]
fn current_store() -> Result<Box<dyn Store>, CompanionError> {
    weborca_companion::store::nss::NssStore::for_current_user()
        .map(|store| Box::new(store) as Box<dyn Store>)
        .map_err(CompanionError::from)
}

#[cfg(windows)]
fn current_store() -> Result<Box<dyn Store>, CompanionError> {
    Ok(Box::new(
        weborca_companion::store::windows::WindowsStore::for_current_user(),
    ))
}

#[cfg(not(any(target_os = "linux", windows)))]
fn current_store() -> Result<Box<dyn Store>, CompanionError> {
    Err(CompanionError::with(
        Code::CompanionStoreFailed,
        "no store on this system yet",
    ))
}

/// Milliseconds since the epoch (the date in backup names).
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn log(err: CompanionError) -> CompanionError {
    eprintln!(
        "weborca-companion: {}{}",
        err.code.as_str(),
        err.detail
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default()
    );
    err
}

fn answer(
    output: &mut impl Write,
    result: Result<Value, CompanionError>,
) -> Result<(), FrameError> {
    let body = match result {
        Ok(Value::Object(mut fields)) => {
            fields.insert("ok".into(), Value::Bool(true));
            Value::Object(fields)
        }
        Ok(other) => json!({ "ok": true, "value": other }),
        Err(err) => json!({ "ok": false, "error": err }),
    };
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    write_frame(output, &bytes)
}
