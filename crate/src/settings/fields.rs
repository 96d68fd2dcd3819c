//! What a setting is, and the macro that turns the one table of settings (in `settings.rs`)
//! into the per-setting code: the input struct, the reading of names, the limits validation
//! uses, the policy-only split, the merge with policy and the values in force (the `Settings`
//! struct and its defaults too). A new setting is a row there, plus its own rule in
//! `validate` only if its limits are not all it needs; `tests/settings_agree.rs` holds the
//! schema, the options page and the wording to the same list.

use serde::Serialize;

/// The kind of JSON value a setting takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    /// `true` or `false`.
    Boolean,
    /// A whole number.
    Integer,
    /// A list of whole numbers.
    IntegerList,
    /// A string.
    Text,
    /// A list of strings.
    TextList,
}

/// One setting as the core, the policy schema and the options page know it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Field {
    /// The JSON name, in storage, in the policy and as the options page's input id.
    pub name: &'static str,
    /// The kind of value.
    pub kind: Kind,
    /// The smallest number allowed (for a list, in each item).
    pub min: Option<i64>,
    /// The largest number allowed (for a list, in each item).
    pub max: Option<i64>,
    /// The most items a list may have.
    pub max_items: Option<usize>,
    /// The most characters a string may have once cleaned.
    pub max_length: Option<usize>,
    /// Only the administrator sets it: a user's value is refused, and never used.
    pub policy_only: bool,
}

impl Field {
    /// A setting without limits, set by users and policy alike.
    pub(super) const fn new(name: &'static str, kind: Kind) -> Self {
        Self {
            name,
            kind,
            min: None,
            max: None,
            max_items: None,
            max_length: None,
            policy_only: false,
        }
    }

    // The builders below are named like the fields so the table reads `{ min: 30, … }`.
    pub(super) const fn min(mut self, min: i64) -> Self {
        self.min = Some(min);
        self
    }

    pub(super) const fn max(mut self, max: i64) -> Self {
        self.max = Some(max);
        self
    }

    pub(super) const fn max_items(mut self, max_items: usize) -> Self {
        self.max_items = Some(max_items);
        self
    }

    pub(super) const fn max_length(mut self, max_length: usize) -> Self {
        self.max_length = Some(max_length);
        self
    }

    pub(super) const fn policy_only(mut self, policy_only: bool) -> Self {
        self.policy_only = policy_only;
        self
    }

    /// Whether `number` is within `min..=max`.
    pub(super) fn allows(&self, number: i64) -> bool {
        self.min.is_none_or(|min| number >= min) && self.max.is_none_or(|max| number <= max)
    }

    /// Whether a list of `count` items is short enough.
    pub(super) fn allows_items(&self, count: usize) -> bool {
        self.max_items.is_none_or(|max| count <= max)
    }

    /// Whether a string of `chars` characters is short enough.
    pub(super) fn allows_length(&self, chars: usize) -> bool {
        self.max_length.is_none_or(|max| chars <= max)
    }
}

/// The kind of JSON value a Rust input type reads, so the table names each type once, and
/// the table's numeric limits a value of it must keep.
pub(super) trait SettingValue {
    const KIND: Kind;

    /// Within `field`'s `min`/`max` and `max_items` (a text's own rule, which knows its
    /// length limit, is the setting's validator's).
    fn within(&self, field: &Field) -> bool;
}

impl SettingValue for bool {
    const KIND: Kind = Kind::Boolean;

    fn within(&self, _: &Field) -> bool {
        true
    }
}

impl SettingValue for i64 {
    const KIND: Kind = Kind::Integer;

    fn within(&self, field: &Field) -> bool {
        field.allows(*self)
    }
}

impl SettingValue for Vec<i64> {
    const KIND: Kind = Kind::IntegerList;

    fn within(&self, field: &Field) -> bool {
        field.allows_items(self.len()) && self.iter().all(|number| field.allows(*number))
    }
}

impl SettingValue for String {
    const KIND: Kind = Kind::Text;

    fn within(&self, _: &Field) -> bool {
        true
    }
}

impl SettingValue for Vec<String> {
    const KIND: Kind = Kind::TextList;

    fn within(&self, field: &Field) -> bool {
        field.allows_items(self.len())
    }
}

/// How a checked input value becomes the value in force; `None` leaves the default.
pub(super) trait InForce<T> {
    fn in_force(self) -> Option<T>;
}

impl<T> InForce<T> for T {
    fn in_force(self) -> Option<T> {
        Some(self)
    }
}

/// Days: checked non-negative already, so the fallback is never reached in practice.
impl InForce<u32> for i64 {
    fn in_force(self) -> Option<u32> {
        u32::try_from(self).ok()
    }
}

impl InForce<Vec<u32>> for Vec<i64> {
    fn in_force(self) -> Option<Vec<u32>> {
        Some(
            self.into_iter()
                .filter_map(|day| u32::try_from(day).ok())
                .collect(),
        )
    }
}

/// A setting whose absence has a meaning of its own (the renewal URL: derived per origin).
impl InForce<Option<String>> for String {
    fn in_force(self) -> Option<Option<String>> {
        Some(Some(self))
    }
}

/// A value in force as one line of text (the diagnostics an administrator copies).
pub(super) trait AsText {
    fn as_text(&self) -> String;
}

impl AsText for bool {
    fn as_text(&self) -> String {
        self.to_string()
    }
}

impl AsText for u32 {
    fn as_text(&self) -> String {
        self.to_string()
    }
}

impl AsText for String {
    fn as_text(&self) -> String {
        format!("\"{self}\"")
    }
}

impl AsText for Option<String> {
    fn as_text(&self) -> String {
        self.as_ref()
            .map_or_else(|| "(none)".to_owned(), AsText::as_text)
    }
}

impl<T: AsText> AsText for Vec<T> {
    fn as_text(&self) -> String {
        let items: Vec<String> = self.iter().map(AsText::as_text).collect();
        format!("[{}]", items.join(", "))
    }
}

/// Builds the per-setting code from the table of settings. Each row:
///
/// ```text
/// /// doc
/// CONST "jsonName" rust_field: InputType => InForceType = default, { limit: value, … };
/// ```
///
/// Generates `CONST: Field` and `FIELDS` (the list, in order), the `SettingsInput` struct,
/// the `Settings` struct (the values in force) and its `Default` (the table's defaults),
/// `SettingsInput::read_entry` (the name match), `SettingsInput::without_policy_only`,
/// `within_limits` (every value given, checked against its row's limits: the start of
/// `validate`), `validate_each`, `merge` (policy over user, with the locked names), `value_texts`
/// (each value in force as text) and `in_force` (the `Settings` from merged input and the
/// defaults). A new setting is one row here, and its own rule in `validate` only if it needs
/// more than its limits.
macro_rules! settings_table {
    ($(
        $(#[doc = $doc:literal])*
        $constant:ident $name:literal $field:ident: $input:ty => $in_force:ty = $default:expr,
            { $($limit:ident: $value:expr),* $(,)? };
    )*) => {
        $(
            const $constant: $crate::settings::fields::Field = $crate::settings::fields::Field::new(
                $name,
                <$input as $crate::settings::fields::SettingValue>::KIND,
            )$(.$limit($value))*;
        )*

        /// Every setting, in the order the policy's errors and locked names are listed.
        pub const FIELDS: &[$crate::settings::fields::Field] = &[$($constant),*];

        /// Settings as they arrive from the options page or from policy: any key may be missing.
        #[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
        #[serde(deny_unknown_fields)]
        pub struct SettingsInput {
            $(
                $(#[doc = $doc])*
                #[serde(rename = $name)]
                pub $field: Option<$input>,
            )*
        }

        /// The settings in force. A copy missing a value (one written before the setting
        /// existed) reads it as its default.
        #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(default)]
        pub struct Settings {
            $(
                $(#[doc = $doc])*
                #[serde(rename = $name)]
                pub $field: $in_force,
            )*
        }

        impl Default for Settings {
            fn default() -> Self {
                Self {
                    $($field: $default,)*
                }
            }
        }

        /// Every value `input` gives, each within its row's limits (`range` if not): what
        /// `validate` starts from, so no setting is dropped on the way.
        fn within_limits(input: &SettingsInput) -> Result<SettingsInput, SettingsError> {
            use $crate::settings::fields::SettingValue;
            $(
                if input.$field.as_ref().is_some_and(|value| !value.within(&$constant)) {
                    return Err(SettingsError::new($name, "range"));
                }
            )*
            Ok(input.clone())
        }

        impl SettingsInput {
            /// Reads one named value; a name no setting has, or a value of the wrong kind,
            /// is listed in `errors` and leaves the input as it was.
            fn read_entry<'de, D: serde::Deserializer<'de>>(
                &mut self,
                key: &str,
                value: D,
                errors: &mut Vec<SettingsError>,
            ) {
                fn take<'de, T: Deserialize<'de>, D: serde::Deserializer<'de>>(
                    key: &str,
                    value: D,
                    errors: &mut Vec<SettingsError>,
                ) -> Option<T> {
                    T::deserialize(value)
                        .map_err(|_| errors.push(SettingsError::new(key, "type")))
                        .ok()
                }
                match key {
                    $($name => self.$field = take(key, value, errors),)*
                    _ => errors.push(SettingsError::new(key, "unknown")),
                }
            }

            /// The names of the settings this input gives, in the table's order.
            pub(super) fn names_given(&self) -> Vec<&'static str> {
                let mut names = Vec::new();
                $(
                    if self.$field.is_some() {
                        names.push($name);
                    }
                )*
                names
            }

            /// This input without the settings only the administrator may set, and the
            /// names of those it carried.
            fn without_policy_only(mut self) -> (Self, Vec<&'static str>) {
                let mut names = Vec::new();
                $(
                    if $constant.policy_only && self.$field.take().is_some() {
                        names.push($name);
                    }
                )*
                (self, names)
            }
        }

        /// Validates key by key, keeping the valid ones and listing the rest.
        fn validate_each(input: &SettingsInput) -> (SettingsInput, Vec<SettingsError>) {
            let mut valid = SettingsInput::default();
            let mut errors = Vec::new();
            $(
                let single = SettingsInput {
                    $field: input.$field.clone(),
                    ..SettingsInput::default()
                };
                match validate(&single) {
                    Ok(checked) => valid.$field = checked.$field,
                    Err(error) => errors.push(error),
                }
            )*
            (valid, errors)
        }

        /// Policy over user, key by key, with the names the policy set (locked).
        fn merge(
            policy: SettingsInput,
            user: SettingsInput,
        ) -> (SettingsInput, Vec<&'static str>) {
            let mut locked = Vec::new();
            let merged = SettingsInput {
                $(
                    $field: match (policy.$field, user.$field) {
                        (Some(value), _) => {
                            locked.push($name);
                            Some(value)
                        }
                        (None, value) => value,
                    },
                )*
            };
            (merged, locked)
        }

        /// Every setting's name and its value in force, written as text, in the table's order.
        fn value_texts(settings: &Settings) -> Vec<(&'static str, String)> {
            use $crate::settings::fields::AsText;
            vec![$(($name, settings.$field.as_text()),)*]
        }

        /// The values in force for merged, checked input: each given value, else the default.
        fn in_force(merged: SettingsInput) -> Settings {
            use $crate::settings::fields::InForce;
            Settings {
                $(
                    $field: merged
                        .$field
                        .and_then(<$input as InForce<$in_force>>::in_force)
                        .unwrap_or_else(|| $default),
                )*
            }
        }
    };
}

pub(super) use settings_table;
