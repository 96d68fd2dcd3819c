//! The core's list of settings (`SETTING_FIELDS`) is the truth; the policy schema Chrome
//! checks (`managed_schema.json`), the options page and the wording repeat its names and
//! limits. This holds them to it, so a limit changed in one place cannot drift from the others.
#![allow(clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Map, Value};
use weborca_cert::{SETTING_FIELDS, SettingField, SettingKind};

fn repo_file(path: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn schema_properties() -> Map<String, Value> {
    let schema: Value =
        serde_json::from_str(&repo_file("managed_schema.json")).expect("the schema is JSON");
    schema["properties"]
        .as_object()
        .expect("the schema has properties")
        .clone()
}

fn names<'a>(fields: impl IntoIterator<Item = &'a SettingField>) -> BTreeSet<&'a str> {
    fields.into_iter().map(|field| field.name).collect()
}

fn editable() -> impl Iterator<Item = &'static SettingField> {
    SETTING_FIELDS.iter().filter(|field| !field.policy_only)
}

/// A schema attribute that is a whole number, or `None` when absent.
fn number(schema: &Value, attribute: &str, setting: &str) -> Option<i64> {
    schema.get(attribute).map(|value| {
        value
            .as_i64()
            .unwrap_or_else(|| panic!("{setting}: {attribute} is not a whole number"))
    })
}

fn count(limit: Option<usize>) -> Option<i64> {
    limit.map(|n| i64::try_from(n).expect("a small limit"))
}

/// The `a-b` range a title states (`… (30-365) / …`), if any.
fn range_in(title: &str) -> Option<(i64, i64)> {
    let open = title.find('(')?;
    let close = open + title[open..].find(')')?;
    let inside = &title[open + 1..close];
    let digits = |text: &str| {
        text.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse::<i64>()
            .ok()
    };
    let (low, high) = inside.split_once('-')?;
    Some((digits(low)?, digits(high)?))
}

/// The bound of a pattern's `{1,n}` that ends it (`^[…]{1,64}$`: a length limit on the whole
/// value; a `{1,5}` inside, as a port's, limits only a part).
fn length_in_pattern(pattern: &str) -> Option<i64> {
    let quantifier = pattern.strip_suffix("}$")?;
    let open = quantifier.rfind('{')?;
    quantifier[open + 1..].split_once(',')?.1.parse().ok()
}

#[test]
fn the_schema_names_every_setting_and_nothing_else() {
    let properties = schema_properties();
    let in_schema: BTreeSet<&str> = properties.keys().map(String::as_str).collect();
    assert_eq!(in_schema, names(SETTING_FIELDS));
}

#[test]
fn the_schema_has_the_cores_kinds_and_limits() {
    let properties = schema_properties();
    for field in SETTING_FIELDS {
        let name = field.name;
        let property = &properties[name];
        let list = matches!(field.kind, SettingKind::IntegerList | SettingKind::TextList);
        let (kind, item_kind) = match field.kind {
            SettingKind::Boolean => ("boolean", None),
            SettingKind::Integer => ("integer", None),
            SettingKind::Text => ("string", None),
            SettingKind::IntegerList => ("array", Some("integer")),
            SettingKind::TextList => ("array", Some("string")),
        };
        assert_eq!(property["type"], kind, "{name}: type");
        let items = &property["items"];
        assert_eq!(items["type"].as_str(), item_kind, "{name}: the items' type");
        // Numbers are checked on the value, or on each item of a list.
        let numbers = if list { items } else { property };
        assert_eq!(
            number(numbers, "minimum", name),
            field.min,
            "{name}: minimum"
        );
        assert_eq!(
            number(numbers, "maximum", name),
            field.max,
            "{name}: maximum"
        );
        if list {
            for attribute in ["minimum", "maximum"] {
                assert_eq!(
                    number(property, attribute, name),
                    None,
                    "{name}: {attribute}"
                );
            }
        }
        assert_eq!(
            number(property, "maxItems", name),
            count(field.max_items),
            "{name}: maxItems"
        );
        assert_eq!(
            number(property, "maxLength", name),
            count(field.max_length),
            "{name}: maxLength"
        );
        // Chrome checks the pattern, not maxLength: a length in it must be the same.
        if let Some(pattern) = property["pattern"].as_str() {
            if let Some(length) = length_in_pattern(pattern) {
                assert_eq!(Some(length), count(field.max_length), "{name}: pattern");
            }
        }
        // The range the administrator reads in the title.
        let title = property["title"]
            .as_str()
            .expect("every setting has a title");
        if let Some((low, high)) = range_in(title) {
            assert_eq!(
                (Some(low), Some(high)),
                (field.min, field.max),
                "{name}: title"
            );
        }
    }
}

/// The opening tag of the element with `id`, if the page has one.
fn tag_with_id<'a>(page: &'a str, id: &str) -> Option<&'a str> {
    let at = page.find(&format!(" id=\"{id}\""))?;
    let start = page[..at].rfind('<')?;
    let end = at + page[at..].find('>')?;
    Some(&page[start..=end])
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = start + tag[start..].find('"')?;
    Some(&tag[start..end])
}

#[test]
fn the_options_page_has_an_input_with_the_cores_limits_for_each_users_setting() {
    let page = repo_file("extension/options/options.html");
    for field in SETTING_FIELDS {
        let name = field.name;
        let Some(tag) = tag_with_id(&page, name) else {
            assert!(field.policy_only, "{name}: no input on the options page");
            continue;
        };
        assert!(
            !field.policy_only,
            "{name}: only policy sets it, yet the page has an input"
        );
        assert!(
            page.contains(&format!("<label for=\"{name}\"")),
            "{name}: no label"
        );
        let bound = |attribute_name| {
            attribute(tag, attribute_name).map(|value| {
                value
                    .parse::<i64>()
                    .unwrap_or_else(|_| panic!("{name}: {attribute_name}=\"{value}\""))
            })
        };
        if field.kind == SettingKind::Integer {
            assert_eq!(attribute(tag, "type"), Some("number"), "{name}: type");
            assert_eq!(bound("min"), field.min, "{name}: min");
            assert_eq!(bound("max"), field.max, "{name}: max");
        } else {
            assert_eq!(
                (bound("min"), bound("max")),
                (None, None),
                "{name}: min/max"
            );
        }
        assert_eq!(
            bound("maxlength"),
            count(field.max_length),
            "{name}: maxlength"
        );
    }
}

/// The names an object literal assigned to `const` (or `export const`) `name` gives keys to,
/// or the strings of an array literal.
fn js_names(script: &str, name: &str) -> BTreeSet<String> {
    let declaration = format!("const {name} = ");
    let start = script
        .find(&declaration)
        .unwrap_or_else(|| panic!("no {name}"));
    let rest = &script[start + declaration.len()..];
    let (open, close) = if rest.starts_with('[') {
        ('[', ']')
    } else {
        ('{', '}')
    };
    let body = &rest[rest.find(open).expect("a literal") + 1..rest.find(close).expect("its end")];
    body.split([',', '\n'])
        .filter_map(|item| {
            let item = item.trim();
            let key = if open == '[' {
                item.trim_matches('\'')
            } else {
                item.split_once(':')?.0.trim()
            };
            (!key.is_empty()).then(|| key.to_owned())
        })
        .collect()
}

fn owned(names: BTreeSet<&str>) -> BTreeSet<String> {
    names.into_iter().map(str::to_owned).collect()
}

#[test]
fn the_options_script_reads_exactly_the_users_settings() {
    let script = repo_file("extension/options/options.js");
    assert_eq!(js_names(&script, "KEYS"), owned(names(editable())));
    for field in editable() {
        assert!(
            script.contains(&format!("value('{}')", field.name)),
            "{}: not read from the form",
            field.name
        );
    }
}

#[test]
fn every_setting_has_a_label_and_every_users_setting_an_error_message() {
    let script = repo_file("extension/shared/i18n.js");
    assert_eq!(
        js_names(&script, "SETTING_LABEL_KEYS"),
        owned(names(SETTING_FIELDS))
    );
    assert_eq!(
        js_names(&script, "SETTING_ERROR_KEYS"),
        owned(names(editable()))
    );
}
