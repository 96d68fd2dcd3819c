//! Settings and admin policy: one set of names and one validation for the options page and
//! `storage.managed` (`managed_schema.json` uses the same names). A value set by policy
//! overrides the user's and is shown locked.

use serde::{Deserialize, Serialize};

use crate::rules::Schedule;
pub(crate) use crate::url::normalize_origin;
use crate::url::{normalize_host, normalize_https_url};

/// The WebORCA cloud origins, always watched.
pub(crate) const DEFAULT_ORIGINS: [&str; 2] = [
    "https://weborca.cloud.orcamo.jp",
    "https://demo-weborca.cloud.orcamo.jp",
];
/// Where downloads go, under the browser's download folder.
pub(crate) const DEFAULT_DOWNLOAD_SUBFOLDER: &str = "WebORCA証明書";

/// How long, at most, the moments of automatic renewal are spread over terminals.
pub(crate) const DEFAULT_AUTO_RENEW_SPREAD_DAYS: u32 = 14;

mod fields;

use fields::settings_table;
pub use fields::{Field, Kind};

// The one list of settings: JSON name, Rust field, input type => type in force = default, and
// limits. Policy errors and locked names are listed in this order.
settings_table! {
    /// On-premise WebORCA origins, beside the cloud ones.
    /// (In force: the cloud ones first, then the configured ones.)
    WEBORCA_ORIGINS "weborcaOrigins" weborca_origins: Vec<String> => Vec<String> =
        DEFAULT_ORIGINS.iter().map(|origin| (*origin).to_owned()).collect(),
        {};
    /// The full URL of the renewal endpoint.
    RENEWAL_API_URL "renewalApiUrl" renewal_api_url: String => Option<String> = None,
        {};
    /// Days before expiry at which to start warning.
    WARN_DAYS "warnDays" warn_days: i64 => u32 = Schedule::default().warn_days,
        { min: 30, max: 365 };
    /// Days before expiry at which to remind.
    REMINDER_DAYS "reminderDays" reminder_days: Vec<i64> => Vec<u32> =
        Schedule::default().reminder_days,
        { min: 1, max: 365, max_items: 20 };
    /// Sub-folder of Downloads for renewed files.
    DOWNLOAD_SUBFOLDER "downloadSubfolder" download_subfolder: String => String =
        DEFAULT_DOWNLOAD_SUBFOLDER.to_owned(),
        { max_length: 64 };
    /// Hosts besides the renewal API's own domain that may serve the renewed file.
    DOWNLOAD_HOSTS "downloadHosts" download_hosts: Vec<String> => Vec<String> = Vec::new(),
        { max_items: 20 };
    /// Renew without a click when a certificate enters the window (policy only).
    AUTO_RENEW "autoRenew" auto_renew: bool => bool = false,
        { policy_only: true };
    /// Days over which terminals spread their automatic renewals (policy only).
    AUTO_RENEW_SPREAD_DAYS "autoRenewSpreadDays" auto_renew_spread_days: i64 => u32 =
        DEFAULT_AUTO_RENEW_SPREAD_DAYS,
        { min: 0, max: 30, policy_only: true };
    /// Whether users may register certificates themselves (policy only).
    USERS_MAY_REGISTER "usersMayRegister" users_may_register: bool => bool = true,
        { policy_only: true };
    /// Whether users may remove registered certificates (policy only).
    USERS_MAY_REMOVE "usersMayRemove" users_may_remove: bool => bool = true,
        { policy_only: true };
    /// Use the companion (the native helper IT installs) at all (policy only).
    USE_COMPANION "useCompanion" use_companion: bool => bool = false,
        { policy_only: true };
    /// Register the WebORCA terminal certificates the companion finds in the computer's store
    /// (policy only).
    COMPANION_DISCOVER "companionDiscover" companion_discover: bool => bool = false,
        { policy_only: true };
    /// Have the companion import each renewed certificate into the computer's store (policy
    /// only).
    COMPANION_IMPORT "companionImport" companion_import: bool => bool = false,
        { policy_only: true };
    /// Have the companion write this terminal's status into the administrator's folder
    /// (policy only; on by default wherever the companion is used).
    COMPANION_STATUS "companionStatus" companion_status: bool => bool = true,
        { policy_only: true };
}

/// What is wrong with which setting: `key` is the setting's name, `reason` a stable code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsError {
    /// The setting's name (`warnDays`…), or the unknown name that was given.
    pub key: String,
    /// Why: `origin`, `url`, `range`, `empty`, `folder`, `host`, `type` (not the kind of
    /// value the setting takes), `unknown` (no such setting), `policyOnly`.
    pub reason: &'static str,
}

impl SettingsError {
    fn new(key: &str, reason: &'static str) -> Self {
        Self {
            key: key.to_owned(),
            reason,
        }
    }
}

/// The settings in force with the names of those the administrator fixed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EffectiveSettings {
    /// The values.
    pub settings: Settings,
    /// Names set by policy: shown locked, not editable.
    pub locked: Vec<&'static str>,
    /// Policy values that were invalid and so ignored (the administrator should see them).
    pub policy_errors: Vec<SettingsError>,
    /// The origins these settings reach beyond the WebORCA cloud (see
    /// [`Settings::access_origins`]): each needs the extension's host access.
    pub access_origins: Vec<String>,
}

impl Settings {
    /// The reminder schedule these settings describe.
    pub fn schedule(&self) -> Schedule {
        Schedule {
            warn_days: self.warn_days,
            reminder_days: self.reminder_days.clone(),
            ..Schedule::default()
        }
    }

    /// `https://host[:port]` of every server these settings reach beyond the WebORCA cloud:
    /// on-premise WebORCA origins, a configured renewal API, the listed download hosts.
    pub fn access_origins(&self) -> Vec<String> {
        let on_premise = self
            .weborca_origins
            .iter()
            .filter(|origin| !DEFAULT_ORIGINS.contains(&origin.as_str()))
            .cloned();
        let api = self
            .renewal_api_url
            .as_deref()
            .and_then(crate::url::https_authority)
            .map(|authority| authority.origin());
        let hosts = self
            .download_hosts
            .iter()
            .map(|host| format!("https://{host}"));
        let mut origins: Vec<String> = Vec::new();
        for origin in on_premise.chain(api).chain(hosts) {
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        origins
    }

    /// Whether `origin` (`https://host[:port]`) is a watched WebORCA origin.
    pub fn is_weborca_origin(&self, origin: &str) -> bool {
        normalize_origin(origin).is_some_and(|o| self.weborca_origins.contains(&o))
    }
}

/// Where a setting in force came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Source {
    /// The administrator's policy (shown locked).
    Policy,
    /// The user's options page.
    User,
    /// Neither: the built-in default.
    Default,
}

impl Source {
    /// The name written in diagnostics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Policy => "policy",
            Self::User => "user",
            Self::Default => "default",
        }
    }
}

/// One setting in force: its name, its value as text and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sourced {
    /// The setting's name.
    pub name: &'static str,
    /// Its value in force, as text.
    pub value: String,
    /// Where it came from.
    pub source: Source,
}

impl EffectiveSettings {
    /// Every setting in the table's order with its value and its source, `user` being the
    /// user's stored settings these were computed from (a user value the core dropped, or one
    /// only the administrator may set, is not the user's).
    pub fn sourced(&self, user: &SettingsInput) -> Vec<Sourced> {
        let by_user = validate_each(user).0.without_policy_only().0.names_given();
        value_texts(&self.settings)
            .into_iter()
            .map(|(name, value)| {
                let source = if self.locked.contains(&name) {
                    Source::Policy
                } else if by_user.contains(&name) {
                    Source::User
                } else {
                    Source::Default
                };
                Sourced {
                    name,
                    value,
                    source,
                }
            })
            .collect()
    }
}

/// Checks every key given in `input`; all or nothing, so a form is never half-applied.
pub fn validate(input: &SettingsInput) -> Result<SettingsInput, SettingsError> {
    // Every value, within its limits; then the rules of those that need more.
    let mut valid = within_limits(input)?;
    if let Some(origins) = &input.weborca_origins {
        let mut normalized = Vec::new();
        for origin in origins {
            let origin =
                normalize_origin(origin).ok_or(SettingsError::new("weborcaOrigins", "origin"))?;
            if !normalized.contains(&origin) {
                normalized.push(origin);
            }
        }
        valid.weborca_origins = Some(normalized);
    }
    if let Some(url) = &input.renewal_api_url {
        let url = url.trim();
        valid.renewal_api_url = if url.is_empty() {
            None
        } else {
            Some(normalize_https_url(url).ok_or(SettingsError::new("renewalApiUrl", "url"))?)
        };
    }
    if let Some(days) = &input.reminder_days {
        let error = |reason| SettingsError::new(REMINDER_DAYS.name, reason);
        if days.is_empty() {
            return Err(error("empty"));
        }
        let mut sorted = days.clone();
        crate::order::sort_by(&mut sorted, |a, b| b.cmp(a));
        sorted.dedup();
        valid.reminder_days = Some(sorted);
    }
    if let Some(folder) = &input.download_subfolder {
        // Each part trimmed, so the cleaned value cleans to itself (found by fuzzing: "/ a").
        let parts: Vec<&str> = folder
            .trim()
            .trim_matches('/')
            .split('/')
            .map(str::trim)
            .collect();
        let folder = parts.join("/");
        let folder = folder.as_str();
        if !is_safe_folder(folder) {
            return Err(SettingsError::new("downloadSubfolder", "folder"));
        }
        valid.download_subfolder = Some(folder.to_owned());
    }
    if let Some(hosts) = &input.download_hosts {
        let mut normalized = Vec::new();
        for host in hosts.iter().filter(|h| !h.trim().is_empty()) {
            let host = normalize_host(host).ok_or(SettingsError::new("downloadHosts", "host"))?;
            if !normalized.contains(&host) {
                normalized.push(host);
            }
        }
        valid.download_hosts = Some(normalized);
    }
    Ok(valid)
}

/// Checks a form the user sends: like [`validate`], and the administrator's settings are
/// refused (a user's value for them would never be used).
pub fn validate_form(input: &SettingsInput) -> Result<SettingsInput, SettingsError> {
    if let Some(key) = input.clone().without_policy_only().1.first() {
        return Err(SettingsError::new(key, "policyOnly"));
    }
    validate(input)
}

impl SettingsInput {
    /// Reads settings key by key from JSON as Chrome or storage hands them over: a value of
    /// the wrong kind, or a name no setting has, is listed and the rest is kept, so one
    /// mistake in a policy never costs the others. The names are matched here rather than
    /// by deserializing the struct from each key alone: that costs the Wasm 14 KB.
    pub fn from_json(
        raw: &serde_json::Map<String, serde_json::Value>,
    ) -> (Self, Vec<SettingsError>) {
        Self::from_entries(
            raw.iter()
                .filter(|(_, value)| !value.is_null())
                .map(|(key, value)| (key.as_str(), value)),
        )
    }

    /// [`from_json`](Self::from_json) over `(name, value)` pairs whose values deserialize
    /// themselves, in the order given (nulls left out by the caller): the Wasm reads the JS
    /// objects through this directly, without building a `serde_json::Value` first (that
    /// linked 13 KB of `Value` code).
    pub fn from_entries<'de, K: AsRef<str>, D: serde::Deserializer<'de>>(
        entries: impl IntoIterator<Item = (K, D)>,
    ) -> (Self, Vec<SettingsError>) {
        let mut input = Self::default();
        let mut errors = Vec::new();
        for (key, value) in entries {
            input.read_entry(key.as_ref(), value, &mut errors);
        }
        (input, errors)
    }
}

/// Merges defaults, the user's settings and the policy; policy wins key by key. Invalid
/// stored or policy values are dropped (policy ones reported), never half-applied.
pub(crate) fn effective(user: &SettingsInput, policy: &SettingsInput) -> EffectiveSettings {
    // The administrator's settings are never taken from the user.
    let user = validate_each(user).0.without_policy_only().0;
    let (policy, policy_errors) = validate_each(policy);
    let (merged, locked) = merge(policy, user);
    let mut settings = in_force(merged);
    // The cloud origins are always watched, first.
    let configured = std::mem::take(&mut settings.weborca_origins);
    settings.weborca_origins = DEFAULT_ORIGINS.iter().map(|o| (*o).to_owned()).collect();
    settings.weborca_origins.extend(
        configured
            .into_iter()
            .filter(|o| !DEFAULT_ORIGINS.contains(&o.as_str())),
    );
    EffectiveSettings {
        access_origins: settings.access_origins(),
        settings,
        locked,
        policy_errors,
    }
}

/// [`effective`] for settings as stored and as Chrome hands the policy over (JSON objects):
/// policy values of the wrong kind or unknown names are listed with the refused ones.
pub fn effective_json(
    user: &serde_json::Map<String, serde_json::Value>,
    policy: &serde_json::Map<String, serde_json::Value>,
) -> EffectiveSettings {
    effective_read(
        SettingsInput::from_json(user),
        SettingsInput::from_json(policy),
    )
}

/// [`effective`] for settings read with [`SettingsInput::from_entries`]: the policy's reading
/// errors are listed first. The user's are dropped: the options page never stores a bad value.
pub fn effective_read(
    (user, _): (SettingsInput, Vec<SettingsError>),
    (policy, mut errors): (SettingsInput, Vec<SettingsError>),
) -> EffectiveSettings {
    let mut effective = effective(&user, &policy);
    errors.append(&mut effective.policy_errors);
    effective.policy_errors = errors;
    effective
}

/// A relative folder name `chrome.downloads` accepts on every OS: no `..`, no characters
/// Windows forbids, no control characters, not too long.
fn is_safe_folder(folder: &str) -> bool {
    !folder.is_empty()
        && DOWNLOAD_SUBFOLDER.allows_length(folder.chars().count())
        && folder.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && !part.ends_with('.')
                && !part.ends_with(' ')
                && !part
                    .chars()
                    .any(|c| c.is_control() || "<>:\"\\|?*~".contains(c))
                && !crate::folder::part_refused(part)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> SettingsInput {
        SettingsInput::default()
    }

    #[test]
    fn defaults_watch_the_cloud_and_remind_like_weborca() {
        let effective = effective(&input(), &input());
        assert_eq!(effective.settings.weborca_origins, DEFAULT_ORIGINS);
        assert_eq!(effective.settings.warn_days, 90);
        assert_eq!(effective.settings.reminder_days, [90, 60, 30, 14, 7, 3, 1]);
        assert_eq!(effective.settings.download_subfolder, "WebORCA証明書");
        assert!(effective.locked.is_empty());
    }

    #[test]
    fn policy_overrides_and_locks() {
        let user = SettingsInput {
            warn_days: Some(60),
            download_subfolder: Some("証明書".into()),
            ..input()
        };
        let policy = SettingsInput {
            warn_days: Some(150),
            ..input()
        };
        let effective = effective(&user, &policy);
        assert_eq!(effective.settings.warn_days, 150);
        assert_eq!(effective.settings.download_subfolder, "証明書");
        assert_eq!(effective.locked, ["warnDays"]);
        assert_eq!(effective.settings.schedule().warn_days, 150);
    }

    #[test]
    fn invalid_policy_values_are_ignored_and_reported() {
        let policy = SettingsInput {
            warn_days: Some(900),
            reminder_days: Some(vec![30, 7]),
            ..input()
        };
        let effective = effective(&input(), &policy);
        assert_eq!(effective.settings.warn_days, 90);
        assert_eq!(effective.settings.reminder_days, [30, 7]);
        assert_eq!(effective.locked, ["reminderDays"]);
        assert_eq!(
            effective.policy_errors,
            [SettingsError::new("warnDays", "range")]
        );
    }

    #[test]
    fn a_form_is_refused_whole() {
        let form = SettingsInput {
            warn_days: Some(100),
            reminder_days: Some(vec![]),
            ..input()
        };
        assert_eq!(
            validate(&form),
            Err(SettingsError::new("reminderDays", "empty"))
        );
        for days in [29, 366, -1] {
            let form = SettingsInput {
                warn_days: Some(days),
                ..input()
            };
            assert!(validate(&form).is_err(), "{days}");
        }
        let ok = SettingsInput {
            reminder_days: Some(vec![7, 30, 7, 1]),
            ..input()
        };
        assert_eq!(
            validate(&ok).map(|v| v.reminder_days),
            Ok(Some(vec![30, 7, 1]))
        );
    }

    #[test]
    fn origins_are_normalized_and_checked() {
        assert_eq!(
            normalize_origin("https://WebORCA.example.jp:443/").as_deref(),
            Some("https://weborca.example.jp")
        );
        assert_eq!(
            normalize_origin("https://192.168.1.20:8443").as_deref(),
            Some("https://192.168.1.20:8443")
        );
        for bad in [
            "http://weborca.example.jp",
            "https://a.jp/path",
            "https://",
            "weborca.example.jp",
            "https://a..jp",
            "https://a.jp:0",
            "https://u@a.jp",
        ] {
            assert_eq!(normalize_origin(bad), None, "{bad}");
        }
        let form = SettingsInput {
            weborca_origins: Some(vec![
                "https://orca.clinic.local".into(),
                "https://ORCA.clinic.local/".into(),
            ]),
            ..input()
        };
        let in_force = effective(&validate(&form).expect("valid"), &input());
        assert_eq!(in_force.access_origins, ["https://orca.clinic.local"]);
        let settings = in_force.settings;
        assert_eq!(settings.weborca_origins.len(), 3);
        assert!(settings.is_weborca_origin("https://orca.clinic.local"));
        assert!(!settings.is_weborca_origin("https://example.com"));
    }

    #[test]
    fn download_hosts_are_checked_like_the_other_settings() {
        let hosts = |list: &[&str]| SettingsInput {
            download_hosts: Some(list.iter().map(|h| (*h).to_owned()).collect()),
            ..input()
        };
        let valid =
            validate(&hosts(&["Files.Example.JP", "files.example.jp:443", " "])).expect("valid");
        assert_eq!(valid.download_hosts, Some(vec!["files.example.jp".into()]));
        let refused = validate(&hosts(&["https://files.example.jp/"])).err();
        assert_eq!(
            refused.map(|e| (e.key, e.reason)),
            Some(("downloadHosts".to_owned(), "host"))
        );
        let policy = effective(&input(), &hosts(&["cdn.example.jp"]));
        assert_eq!(policy.settings.download_hosts, ["cdn.example.jp"]);
        assert_eq!(policy.access_origins, ["https://cdn.example.jp"]);
        assert!(policy.locked.contains(&"downloadHosts"));
        let bad_policy = effective(&hosts(&["user.example.jp"]), &hosts(&["not a host"]));
        assert_eq!(bad_policy.settings.download_hosts, ["user.example.jp"]);
        assert_eq!(bad_policy.policy_errors.len(), 1);
    }

    fn json(text: &str) -> serde_json::Map<String, serde_json::Value> {
        serde_json::from_str(text).expect("JSON object")
    }

    #[test]
    fn a_policy_value_of_the_wrong_kind_or_name_is_named_and_the_rest_applies() {
        let policy = json(
            r#"{"warnDays": "150", "reminderDays": [30, 0], "autoRenew": "yes",
                "weborcaOrigins": ["https://orca.clinic.local"], "warnDay": 100,
                "usersMayRemove": false}"#,
        );
        let effective = effective_json(&json("{}"), &policy);
        let named: Vec<(&str, &str)> = effective
            .policy_errors
            .iter()
            .map(|e| (e.key.as_str(), e.reason))
            .collect();
        for expected in [
            ("warnDays", "type"),
            ("autoRenew", "type"),
            ("warnDay", "unknown"),
            ("reminderDays", "range"),
        ] {
            assert!(named.contains(&expected), "{expected:?} in {named:?}");
        }
        assert_eq!(named.len(), 4);
        assert!(
            effective
                .settings
                .is_weborca_origin("https://orca.clinic.local")
        );
        assert!(!effective.settings.users_may_remove);
        assert!(effective.settings.users_may_register);
        assert!(!effective.settings.auto_renew);
        assert_eq!(effective.settings.warn_days, 90);
        assert_eq!(effective.locked, ["weborcaOrigins", "usersMayRemove"]);
    }

    #[test]
    fn a_policy_still_naming_the_backup_folder_is_harmless() {
        // The companion's backup folder is the administrator's, set beside the companion
        // (admin.json, the registry): an earlier release's policy key is only named unused.
        let policy = json(
            r#"{"useCompanion": true, "companionImport": true,
                "companionBackupFolder": "/srv/backup"}"#,
        );
        let effective = effective_json(&json("{}"), &policy);
        assert_eq!(
            effective.policy_errors,
            [SettingsError::new("companionBackupFolder", "unknown")]
        );
        assert!(effective.settings.use_companion && effective.settings.companion_import);
        assert_eq!(effective.locked, ["useCompanion", "companionImport"]);
    }

    #[test]
    fn the_administrators_settings_come_from_policy_only() {
        let user = json(r#"{"autoRenew": true, "usersMayRemove": false, "warnDays": 60}"#);
        let settings = effective_json(&user, &json("{}")).settings;
        assert!(!settings.auto_renew && settings.users_may_remove);
        assert_eq!(settings.warn_days, 60);
        assert_eq!(
            settings.auto_renew_spread_days,
            DEFAULT_AUTO_RENEW_SPREAD_DAYS
        );
        let form = SettingsInput {
            auto_renew: Some(true),
            ..input()
        };
        assert_eq!(
            validate_form(&form),
            Err(SettingsError::new("autoRenew", "policyOnly"))
        );
        let policy = json(r#"{"autoRenew": true, "autoRenewSpreadDays": 31}"#);
        let effective = effective_json(&json("{}"), &policy);
        assert!(effective.settings.auto_renew);
        assert_eq!(
            effective.policy_errors,
            [SettingsError::new("autoRenewSpreadDays", "range")]
        );
    }

    /// A value of `field`'s kind: `number` (each item of a list of `items`), or `chars`
    /// letters long.
    fn value_of(field: &Field, number: i64, items: usize, chars: usize) -> serde_json::Value {
        use serde_json::Value;
        let text = || Value::from("x".repeat(chars));
        match field.kind {
            Kind::Boolean => Value::from(true),
            Kind::Integer => Value::from(number),
            Kind::IntegerList => Value::from(vec![number; items]),
            Kind::Text => text(),
            // A host name and a folder name alike; an origin list has no item limit.
            Kind::TextList => Value::from(vec![format!("{}.example.jp", "x".repeat(chars)); items]),
        }
    }

    fn validated(field: &Field, value: serde_json::Value) -> Result<SettingsInput, SettingsError> {
        let mut raw = serde_json::Map::new();
        raw.insert(field.name.to_owned(), value);
        let (input, errors) = SettingsInput::from_json(&raw);
        assert_eq!(errors, [], "{}", field.name);
        validate(&input)
    }

    #[test]
    fn validation_holds_each_setting_to_its_limits_in_the_table() {
        for field in FIELDS {
            let name = field.name;
            let refused = |value| {
                let error = validated(field, value).err();
                assert_eq!(error.map(|e| e.key), Some(name.to_owned()), "{name}");
            };
            let within = field.min.or(field.max).unwrap_or(1);
            if let Some(min) = field.min {
                assert!(
                    validated(field, value_of(field, min, 1, 1)).is_ok(),
                    "{name}"
                );
                refused(value_of(field, min - 1, 1, 1));
            }
            if let Some(max) = field.max {
                assert!(
                    validated(field, value_of(field, max, 1, 1)).is_ok(),
                    "{name}"
                );
                refused(value_of(field, max + 1, 1, 1));
            }
            if let Some(items) = field.max_items {
                let full = value_of(field, within, items, 1);
                assert!(validated(field, full).is_ok(), "{name}");
                refused(value_of(field, within, items + 1, 1));
            }
            if let Some(chars) = field.max_length {
                assert!(
                    validated(field, value_of(field, within, 1, chars)).is_ok(),
                    "{name}"
                );
                refused(value_of(field, within, 1, chars + 1));
            }
        }
    }

    #[test]
    fn a_form_is_refused_for_exactly_the_policy_only_settings_in_the_table() {
        for field in FIELDS {
            let mut raw = serde_json::Map::new();
            raw.insert(field.name.to_owned(), value_of(field, 1, 1, 1));
            let (input, _) = SettingsInput::from_json(&raw);
            let refused = validate_form(&input).err().map(|e| e.reason);
            assert_eq!(
                refused == Some("policyOnly"),
                field.policy_only,
                "{}",
                field.name
            );
        }
    }

    /// A value each setting accepts, other than its default.
    fn a_value_other_than_the_default(
        field: &Field,
        default: &serde_json::Value,
    ) -> serde_json::Value {
        use serde_json::Value;
        match field.kind {
            Kind::Boolean => Value::from(!default.as_bool().expect("a boolean")),
            Kind::Integer => Value::from(field.min.unwrap_or(1)),
            Kind::IntegerList => Value::from(vec![field.min.unwrap_or(1)]),
            Kind::Text if field.name == "renewalApiUrl" => {
                Value::from("https://orca.example.jp/api/cert")
            }
            Kind::Text => Value::from("Renewed"),
            Kind::TextList if field.name == "weborcaOrigins" => {
                Value::from(vec!["https://orca.example.jp"])
            }
            Kind::TextList => Value::from(vec!["files.example.jp"]),
        }
    }

    #[test]
    fn every_setting_the_policy_sets_is_locked_and_in_force() {
        // Forget one in `validate` (or anywhere between the policy and the values in force)
        // and its value is the default here.
        let defaults = serde_json::to_value(effective(&input(), &input()).settings).expect("JSON");
        for field in FIELDS {
            let mut raw = serde_json::Map::new();
            let value = a_value_other_than_the_default(field, &defaults[field.name]);
            assert_ne!(value, defaults[field.name], "{}", field.name);
            raw.insert(field.name.to_owned(), value);
            let (policy, unread) = SettingsInput::from_json(&raw);
            assert_eq!(unread, [], "{}", field.name);
            let in_force = effective(&input(), &policy);
            assert_eq!(in_force.policy_errors, [], "{}", field.name);
            assert!(in_force.locked.contains(&field.name), "{}", field.name);
            let settings = serde_json::to_value(&in_force.settings).expect("JSON");
            assert_ne!(
                settings[field.name], defaults[field.name],
                "{}: the policy's value is not in force",
                field.name
            );
        }
    }

    #[test]
    fn settings_missing_a_defaulted_value_read_back_with_the_tables_default() {
        let defaults = effective(&input(), &input()).settings;
        let serde_json::Value::Object(whole) = serde_json::to_value(&defaults).expect("JSON")
        else {
            panic!("settings are an object");
        };
        assert_eq!(whole.len(), FIELDS.len());
        for field in FIELDS {
            let mut missing = whole.clone();
            assert!(missing.remove(field.name).is_some(), "{}", field.name);
            // Required fields refuse to read; the others must fall back to the same default.
            if let Ok(read) = serde_json::from_value::<Settings>(missing.into()) {
                assert_eq!(read, defaults, "{}", field.name);
            }
        }
    }

    #[test]
    fn a_cleaned_folder_cleans_to_itself() {
        // Found by fuzzing (fuzz/regressions/settings_policy-subfolder-leading-space).
        for (given, cleaned) in [("/ a", "a"), (" clinic / certs/ ", "clinic/certs")] {
            let form = SettingsInput {
                download_subfolder: Some(given.into()),
                ..input()
            };
            let valid = validate_form(&form).expect("valid");
            assert_eq!(valid.download_subfolder.as_deref(), Some(cleaned));
            assert_eq!(validate_form(&valid).as_ref(), Ok(&valid));
        }
    }

    #[test]
    fn download_folders_stay_inside_downloads() {
        for good in ["WebORCA証明書", "clinic/certs"] {
            assert!(is_safe_folder(good), "{good}");
        }
        for bad in [
            "",
            "..",
            "a/../b",
            "a:b",
            "con\u{0}",
            "a/",
            "CON",
            "NUL/x",
            "certs/com1.d",
            "a\u{202E}gpj.exe",
            "x".repeat(65).as_str(),
        ] {
            assert!(!is_safe_folder(bad), "{bad}");
        }
    }
}
