//! The companion's process: Chrome starts it with the caller's origin, then sends requests as
//! native messaging frames on stdin and reads the answers on stdout (stdout is the channel:
//! nothing else is ever printed there; notes go to stderr, which Chrome logs, never a secret).

use std::io::{self, Read, Write};
use std::process::ExitCode;

use serde_json::{Value, json};
use weborca_cert::RenewalCode as Code;
use weborca_companion::frame::{FrameError, MAX_INCOMING, read_frame, write_frame};
use weborca_companion::origin::{CONFIG_FILE, InstallConfig, allowed};
use weborca_companion::request::Request;
use weborca_companion::{CompanionError, Store, handle};

fn main() -> ExitCode {
    let origin = std::env::args().nth(1);
    let config = install_config();
    let stdin = io::stdin();
    let stdout = io::stdout();
    let mut input = stdin.lock();
    let mut output = stdout.lock();
    if !allowed(origin.as_deref(), &config) {
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
            .and_then(|request| handle(request, store.as_ref()).map_err(log));
        if answer(&mut output, result.map(|answer| json!(answer))).is_err() {
            return ExitCode::FAILURE;
        }
    }
}

/// Refuses the whole connection with `err`, after reading the request Chrome is writing: a
/// host that exits first breaks Chrome's pipe, and Chrome then reports "error when
/// communicating with the native messaging host" instead of this answer.
fn refuse(input: &mut impl Read, output: &mut impl Write, err: CompanionError) -> ExitCode {
    let _ = read_frame(input, MAX_INCOMING);
    let _ = answer(output, Err(err));
    ExitCode::FAILURE
}

/// The config the installer wrote beside the binary; none means nobody may call.
fn install_config() -> InstallConfig {
    std::env::current_exe()
        .ok()
        .and_then(|exe| std::fs::read(exe.with_file_name(CONFIG_FILE)).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

#[cfg(unix)]
fn current_store() -> Result<Box<dyn Store>, CompanionError> {
    weborca_companion::store::nss::NssStore::for_current_user()
        .map(|store| Box::new(store) as Box<dyn Store>)
        .map_err(|err| CompanionError::with(Code::CompanionStoreFailed, err.detail))
}

#[cfg(windows)]
fn current_store() -> Result<Box<dyn Store>, CompanionError> {
    Ok(Box::new(
        weborca_companion::store::windows::WindowsStore::for_current_user(),
    ))
}

#[cfg(not(any(unix, windows)))]
fn current_store() -> Result<Box<dyn Store>, CompanionError> {
    Err(CompanionError::with(
        Code::CompanionStoreFailed,
        "no store on this system yet",
    ))
}

fn log(err: CompanionError) -> CompanionError {
    eprintln!(
        "weborca-companion: {}{}",
        err.code,
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
