//! The native column of `make bench`: opens one file `runs` times with the same reader the
//! Wasm runs (`read_certificate_file`, release profile) and prints the milliseconds of each
//! open as JSON, or the reader's error code.
//!
//! `cargo run --release --example bench_reader -- <file> <password> <runs>`

use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, password, runs] = args.as_slice() else {
        eprintln!("usage: bench_reader <file> <password> <runs>");
        return ExitCode::from(2);
    };
    let Ok(runs) = runs.parse::<usize>() else {
        eprintln!("bench_reader: runs must be a number");
        return ExitCode::from(2);
    };
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(error) => {
            eprintln!("bench_reader: {file}: {error}");
            return ExitCode::from(1);
        }
    };
    // As the extension passes it: an empty password is still a password (both encodings).
    let password = Some(password.as_str());
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let answer = weborca_cert::read_certificate_file(&bytes, password, None);
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        if let Err(error) = answer {
            println!("{{\"error\":\"{}\"}}", error.code());
            return ExitCode::SUCCESS;
        }
    }
    let list: Vec<String> = times.iter().map(|ms| format!("{ms:.4}")).collect();
    println!("{{\"runs\":[{}]}}", list.join(","));
    ExitCode::SUCCESS
}
