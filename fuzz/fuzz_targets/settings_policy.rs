//! Settings as storage and Chrome's managed policy hand them over: the input split at its
//! first 0xff byte into the user's JSON object and the policy's (no 0xff: no policy), merged
//! by `effective_settings_json`; and a whole settings form checked by
//! `validate_settings_form`. Checks: no panic; the settings in force always pass
//! `validate_settings` (nothing invalid is ever in force); only the policy's own names are
//! locked; and validating a valid form changes nothing more (validation is idempotent).
#![no_main]

use libfuzzer_sys::{Corpus, fuzz_target};
use serde_json::{Map, Value};
use weborca_cert::{
    SettingsInput, effective_settings_json, validate_settings, validate_settings_form,
};

fuzz_target!(|data: &[u8]| -> Corpus {
    let (user, policy) = match data.iter().position(|&b| b == 0xff) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &b"{}"[..]),
    };
    let (Ok(user), Ok(policy)) = (
        serde_json::from_slice::<Map<String, Value>>(user),
        serde_json::from_slice::<Map<String, Value>>(policy),
    ) else {
        return form(data);
    };
    let effective = effective_settings_json(&user, &policy);
    let in_force = serde_json::to_value(&effective.settings).expect("settings serialize");
    let in_force: SettingsInput =
        serde_json::from_value(in_force).expect("settings read back as a settings input");
    if let Err(err) = validate_settings(&in_force) {
        panic!(
            "settings in force are invalid: {err:?} in {:?}",
            effective.settings
        );
    }
    for name in &effective.locked {
        assert!(
            policy.contains_key(*name),
            "{name} locked but not in the policy"
        );
    }
    form(data);
    Corpus::Keep
});

/// The options page's form, validated whole.
fn form(data: &[u8]) -> Corpus {
    let Ok(input) = serde_json::from_slice::<SettingsInput>(data) else {
        return Corpus::Reject;
    };
    if let Ok(valid) = validate_settings_form(&input) {
        assert_eq!(
            validate_settings_form(&valid).as_ref(),
            Ok(&valid),
            "not idempotent"
        );
    }
    Corpus::Keep
}
