//! The administrator's guide's example policies (`docs/admin/examples/`) are settings the core
//! accepts whole: every value in force, none refused — so an administrator who copies one
//! gets what the guide says.
#![allow(clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;

use serde_json::{Map, Value};
use weborca_cert::effective_settings_json;

fn example(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/admin/examples")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn assert_accepted(name: &str, policy: &Map<String, Value>) {
    let effective = effective_settings_json(&Map::new(), policy);
    assert!(
        effective.policy_errors.is_empty(),
        "{name}: {:?}",
        effective.policy_errors
    );
    let mut keys: Vec<&str> = policy.keys().map(String::as_str).collect();
    let mut locked = effective.locked.clone();
    keys.sort_unstable();
    locked.sort_unstable();
    assert_eq!(locked, keys, "{name}: every value is in force");
}

#[test]
fn the_linux_examples_policies_are_accepted_whole() {
    for name in ["linux-cloud.json", "linux-onpremise.json"] {
        let document = example(name);
        let extensions = document["3rdparty"]["extensions"]
            .as_object()
            .unwrap_or_else(|| panic!("{name}: 3rdparty.extensions"));
        assert_eq!(extensions.len(), 1, "{name}");
        for policy in extensions.values() {
            assert_accepted(name, policy.as_object().expect("an object"));
        }
    }
}

#[test]
fn the_admin_console_example_is_accepted_whole() {
    // The Google Admin console wraps each value: { "name": { "Value": … } }.
    let document = example("google-admin-console.json");
    let policy: Map<String, Value> = document
        .as_object()
        .expect("an object")
        .iter()
        .map(|(key, wrapped)| (key.clone(), wrapped["Value"].clone()))
        .collect();
    assert_accepted("google-admin-console.json", &policy);
}
