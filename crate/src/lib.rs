//! The core of WebORCA 証明書更新アシスタント: reads WebORCA client certificates — X.509 in
//! DER or PEM, and PKCS#12 in the variants real tools export (the ORCA cloud's legacy
//! RC2/3DES files, OpenSSL 3, Java, NSS/Firefox BER, PBMAC1) — and reports what the
//! extension needs to keep them from expiring.
//!
//! Pure logic: no clock, no I/O, no browser types outside `wasm` (built only for Wasm), so
//! `cargo test` covers it natively.

mod ber;
mod certificate;
mod error;
mod file_name;
mod input;
mod issuer;
mod key;
mod oid;
mod order;
mod overview;
mod pkcs12;
mod reader;
mod renewal;
mod rules;
mod settings;
mod stored;
mod url;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use certificate::CertificateInfo;
pub use error::{Error, Result};
pub use file_name::{OrcaFileName, SavedNames, is_renewable_client, renewed_names};
pub use input::MAX_INPUT_LEN;
pub use overview::{Badge, DueReminder, Entry, Overview, Registration, ReminderState, overview};
pub use pkcs12::{
    Hash, Keys, MAX_BAGS, MAX_CERTIFICATES, MAX_ITERATIONS, MAX_KEYS, MAX_WORK, Pbkdf2Request,
    Protection,
};
pub use reader::{CertificateReport, Format, read_certificate_file, read_certificate_round};
pub use renewal::{
    AutoPlan, Event, FOLLOW_REDIRECTS, REQUEST_BODY, RenewalRecord, Secret, StartRequest,
    auto_plan, removal_refused as renewal_removal_refused, start as start_renewal,
    step as renewal_step,
};
pub use rules::{
    Assessment, ClientProfile, DAY_MS, NextAction, Schedule, Severity, Status, add_months_jst,
    assess, jst_day, jst_day_start, reminder_due, snooze_until,
};
pub use settings::{
    DEFAULT_DOWNLOAD_SUBFOLDER, DEFAULT_ORIGINS, EffectiveSettings, Settings, SettingsError,
    SettingsInput, effective as effective_settings, effective_json as effective_settings_json,
    effective_read as effective_settings_read, normalize_origin, renewal_api_url,
    validate as validate_settings, validate_form as validate_settings_form,
};
pub use stored::{
    HistoryEntry, Plan as StoredPlan, SCHEMA_VERSION, SetAside, plan as stored_plan, told_to_user,
};
