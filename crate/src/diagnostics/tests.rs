//! The diagnostics hold no secret of a renewal in progress, and name every setting's source.
#![allow(clippy::expect_used, clippy::indexing_slicing)]

use super::*;
use crate::certificate::CertificateInfo;
use crate::renewal::fixtures::{
    PASS, WITH_CHAIN as RENEWED, answer_signature_checks, three_years_earlier,
};
use crate::renewal::{Event, Outcome, Secret, StartRequest, start, step};
use crate::settings::{FIELDS, effective_json};

const NOW: i64 = 1_800_000_000_000;
/// The download address the server answered: it may carry a token, so it is never written.
const URI: &str = "https://files.cmo.orcamo.jp/f/token-7f3a9c/abc.p12";

fn current() -> CertificateInfo {
    three_years_earlier(RENEWED)
}

fn response(status: u16, body: &[u8]) -> Event {
    Event::from(Outcome::Response {
        status,
        redirected: false,
        body: body.to_vec(),
        too_large: false,
        retry_after: None,
    })
}

/// A renewal that received the password and the download address, whose first GET failed:
/// `downloading` holds the address, the secret the worker keeps beside it the password.
fn renewal_downloading(secret: &Secret) -> RenewalRecord {
    let request = StartRequest {
        current: current(),
        label: "受付PC".into(),
        api_url: Some("https://auth.cmo.orcamo.jp/api/cert".into()),
        download_hosts: vec![],
        folder: "WebORCA証明書".into(),
        companion: None,
        confirmed: false,
        automatic: true,
        earlier_record_unreadable: false,
    };
    let record = start(None, request, NOW).expect("starts").record;
    let record = step(record, response(404, b""), None, NOW, 0.0).record; // the probe answered
    let answer = format!(r#"{{"uri":"{URI}","pass":"{PASS}"}}"#);
    let record = step(record, response(200, answer.as_bytes()), None, NOW, 0.0).record;
    step(record, response(503, b""), Some(secret), NOW, 0.0).record // a GET failed
}

/// The same renewal once the file came and was verified: the secret holds the file too.
fn renewal_verified(secret: &Secret) -> RenewalRecord {
    let answered = step(
        renewal_downloading(secret),
        response(200, RENEWED),
        Some(secret),
        NOW,
        0.0,
    );
    answer_signature_checks(answered, NOW).record
}

fn registration() -> Registration {
    Registration::new(
        current(),
        "受付PC",
        Some("1234__JP_clinic_client3948_20270101.p12".into()),
        None,
        NOW,
    )
}

fn facts() -> Facts {
    Facts {
        extension_version: "0.1.0".into(),
        install_type: "admin".into(),
        browser: "Chrome 141.0.7390.54 (Windows)".into(),
        companion: Some(CompanionFacts {
            error_code: Some("companion_not_installed".into()),
            ..CompanionFacts::default()
        }),
        messages: vec![(
            "companion_not_installed".to_owned(),
            "補助プログラムがインストールされていません。".to_owned(),
        )],
        now: NOW,
    }
}

/// Standard base64 (no crate for one assertion): 48 bytes make 64 characters, no padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    bytes
        .chunks(3)
        .flat_map(|chunk| {
            let n = u32::from(chunk[0]) << 16 | u32::from(chunk[1]) << 8 | u32::from(chunk[2]);
            (0..4)
                .rev()
                .map(move |i| char::from(ALPHABET[(n >> (6 * i) & 63) as usize]))
        })
        .collect()
}

fn object(json: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    json.as_object().expect("an object").clone()
}

#[test]
fn no_secret_of_a_renewal_in_progress_is_written() {
    let secret = Secret {
        pass: PASS.into(),
        file: Some(RENEWED.to_vec()),
    };
    let downloading = renewal_downloading(&secret);
    let verified = renewal_verified(&secret);
    // The names written are the stored ones, as serde writes them.
    for (record, stored) in [(&downloading, "answered"), (&verified, "verified")] {
        let serialized = serde_json::to_value(record.stage.name()).expect("a name");
        assert_eq!(serialized, stored, "{:?}", record.stage);
        assert_eq!(stage_name(&record.stage), stored);
    }
    let effective = effective_json(&serde_json::Map::new(), &serde_json::Map::new());
    let text = diagnostics(
        &facts(),
        &effective,
        &SettingsInput::default(),
        &[registration()],
        &[downloading, verified],
    );

    assert!(!text.contains(PASS), "the password:\n{text}");
    assert!(
        !text.contains("token-7f3a9c"),
        "the download address:\n{text}"
    );
    // The file's bytes in any form a copy could carry them.
    let hex: String = RENEWED[..24].iter().map(|b| format!("{b:02x}")).collect();
    let hex_upper = hex.to_uppercase();
    let base64 = base64(&RENEWED[..48]);
    for encoded in [&hex, &hex_upper, &base64] {
        assert!(
            !text.contains(encoded.as_str()),
            "the file's bytes:\n{text}"
        );
    }
    // The public key material of the certificate is not needed either.
    let issuer_key = current().issuer_key.unwrap_or_default();
    assert!(
        issuer_key.is_empty() || !text.contains(&issuer_key[..32]),
        "{text}"
    );

    // What the vendor needs is there.
    for expected in [
        "extension: 0.1.0 (install: admin)",
        "browser: Chrome 141.0.7390.54 (Windows)",
        "受付PC",
        &current().serial,
        "client3948",
        "stage verified, automatic",
        "stage answered, automatic",
        "downloads 1",
        "last error: download_failed (HTTP 503)",
        "server: https://auth.cmo.orcamo.jp",
        "file \"1234__JP_clinic_client3948_20270101.p12\"",
    ] {
        assert!(text.contains(expected), "{expected}:\n{text}");
    }
}

#[test]
fn every_setting_names_its_source_and_a_refused_policy_value_is_listed() {
    let user = object(serde_json::json!({ "downloadSubfolder": "certs", "autoRenew": true }));
    let policy = object(serde_json::json!({
        "warnDays": 120,
        "useCompanion": true,
        "reminderDays": [],
        "companionBackupFolder": "/srv/x",
    }));
    let effective = effective_json(&user, &policy);
    let (user_input, _) = SettingsInput::from_json(&user);
    let text = diagnostics(&facts(), &effective, &user_input, &[], &[]);

    for field in FIELDS {
        let listed = text
            .lines()
            .find(|line| line.trim_start().starts_with(&format!("{} = ", field.name)))
            .unwrap_or_else(|| panic!("{} is not listed:\n{text}", field.name));
        assert!(
            listed.ends_with("(policy)")
                || listed.ends_with("(user)")
                || listed.ends_with("(default)"),
            "{listed}"
        );
    }
    assert!(text.contains("  warnDays = 120 (policy)"), "{text}");
    assert!(
        text.contains("  downloadSubfolder = \"certs\" (user)"),
        "{text}"
    );
    // Only the administrator sets autoRenew: the user's stored value is not in force.
    assert!(text.contains("  autoRenew = false (default)"), "{text}");
    assert!(
        text.contains("  reminderDays = [90, 60, 30, 14, 7, 3, 1] (default)"),
        "{text}"
    );
    assert!(
        text.contains("  reminderDays: "),
        "the refused value:\n{text}"
    );
    assert!(text.contains("  companionBackupFolder: unknown"), "{text}");
    assert!(
        text.contains("companion: not answering: companion_not_installed: 補助プログラムがインストールされていません。"),
        "{text}"
    );
}
