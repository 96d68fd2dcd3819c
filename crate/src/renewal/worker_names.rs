//! The worker's copy of the names on the wire (`extension/shared/protocol.js`) held against
//! the core's own: an event, effect, notice or banner button added, renamed or removed on
//! one side fails here until the other follows.

use serde::de::DeserializeOwned;

use super::effect::{Effect, Method, Notice};
use super::event::EventKind;
use super::record::Secret;
use crate::overview::BannerAction;
use crate::renewal::fixtures::{LEGACY, PASS};

const PROTOCOL_JS: &str = include_str!("../../../extension/shared/protocol.js");

/// The quoted values of `export const <name> = Object.freeze({ … })`, in order.
fn worker_names(name: &str) -> Vec<String> {
    let start = format!("export const {name} = Object.freeze({{");
    let block = PROTOCOL_JS
        .split_once(start.as_str())
        .and_then(|(_, rest)| rest.split_once("});"))
        .map(|(block, _)| block)
        .unwrap_or_else(|| panic!("protocol.js names {name}"));
    block
        .lines()
        .filter_map(|line| line.split_once(": '"))
        .filter_map(|(_, value)| value.split_once('\''))
        .map(|(value, _)| value.to_owned())
        .collect()
}

/// Every name serde knows for a unit enum, read from its refusal of a name it does not know.
fn core_names<T: DeserializeOwned + std::fmt::Debug>() -> Vec<String> {
    let refusal = serde_json::from_str::<T>("\"?\"").expect_err("no such name");
    let said = refusal.to_string();
    let (_, listed) = said
        .split_once("expected one of ")
        .expect("the names listed");
    listed
        .split(", ")
        .map(|name| name.split('`').nth(1).expect("a quoted name").to_owned())
        .collect()
}

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

#[test]
fn events_notices_and_banner_buttons_are_named_as_the_core_names_them() {
    assert_eq!(
        sorted(worker_names("Event")),
        sorted(core_names::<EventKind>())
    );
    assert_eq!(
        sorted(worker_names("Notice")),
        sorted(core_names::<Notice>())
    );
    assert_eq!(
        sorted(worker_names("BannerAction")),
        sorted(core_names::<BannerAction>())
    );
}

/// One effect of each kind (the match has no wildcard: a new effect does not compile here
/// until it has its sample, and so its name is checked).
fn one_of_each() -> Vec<Effect> {
    let certificate = crate::read_certificate_file(LEGACY, Some(PASS), None)
        .expect("fixture")
        .certificate;
    let all = vec![
        Effect::Request {
            method: Method::Get,
            url: String::new(),
            body: None,
            max_bytes: 0,
            timeout_ms: 0,
        },
        Effect::KeepSecret {
            secret: Secret {
                pass: String::new(),
                file: None,
            },
            durable: false,
        },
        Effect::WipeSecret,
        Effect::SavePassword {
            path: String::new(),
            p12_name: String::new(),
        },
        Effect::SaveP12 {
            path: String::new(),
        },
        Effect::Register {
            certificate: Box::new(certificate),
            file_name: String::new(),
        },
        Effect::Notify {
            notice: Notice::Failed,
        },
        Effect::Wake { at: 0 },
        Effect::CheckSignatures { requests: vec![] },
        Effect::CompanionImport {
            fingerprint: String::new(),
        },
        Effect::CompanionBackup {
            fingerprint: String::new(),
        },
        Effect::ExportHeld {
            password_path: String::new(),
            p12_path: None,
            p12_name: String::new(),
        },
    ];
    for effect in &all {
        match effect {
            Effect::Request { .. }
            | Effect::KeepSecret { .. }
            | Effect::WipeSecret
            | Effect::SavePassword { .. }
            | Effect::SaveP12 { .. }
            | Effect::Register { .. }
            | Effect::Notify { .. }
            | Effect::Wake { .. }
            | Effect::CheckSignatures { .. }
            | Effect::CompanionImport { .. }
            | Effect::CompanionBackup { .. }
            | Effect::ExportHeld { .. } => {}
        }
    }
    all
}

#[test]
fn effects_are_named_as_the_core_names_them() {
    let core: Vec<String> = one_of_each()
        .iter()
        .map(|effect| {
            let written = serde_json::to_value(effect).expect("JSON");
            written["type"].as_str().expect("a type").to_owned()
        })
        .collect();
    assert_eq!(core.len(), 12, "one sample per effect");
    assert_eq!(sorted(worker_names("Effect")), sorted(core));
}
