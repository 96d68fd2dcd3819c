//! The core of WebORCA 証明書更新アシスタント: reads WebORCA client certificates — X.509 in
//! DER or PEM, and PKCS#12 in the variants real tools export (the ORCA cloud's legacy
//! RC2/3DES files, OpenSSL 3, Java, NSS/Firefox BER, PBMAC1) — and reports what the
//! extension needs to keep them from expiring.
//!
//! Pure logic: no clock, no I/O, no browser types outside `wasm` (built only for Wasm), so
//! `cargo test` covers it natively.

mod ber;
mod certificate;
mod diagnostics;
mod discovery;
mod error;
mod file_name;
mod folder;
mod input;
mod issuer;
mod jst;
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

// The public API: what the Wasm binding (`wasm`), the tests, the fuzz targets and the
// benchmark use. Types that appear in these items' signatures are reachable through them.
pub use certificate::CertificateInfo;
pub use diagnostics::{
    CompanionFacts as DiagnosticsCompanion, Facts as DiagnosticsFacts, diagnostics,
};
pub use discovery::{Found as FoundCertificate, discovered as discovered_registrations};
pub use error::{Error, Result};
pub use file_name::{SavedNames, renewed_names as renewed_file_names};
pub use issuer::{SignatureAlgorithm, SignatureRequest, Signatures};
#[cfg(feature = "in-process-signatures")]
pub use issuer::{native as native_signatures, signing_key};
pub use jst::{DAY_MS, days_left};
pub use overview::overview;
pub use pkcs12::{Keys, MAX_ITERATIONS, Pbkdf2Request};
#[cfg(feature = "in-process-signatures")]
pub use reader::read_certificate_file;
pub use reader::{CertificateReport, Format, Reading, Round, read_certificate_round};
#[cfg(feature = "in-process-signatures")]
pub use renewal::verify_renewal;
pub use renewal::{
    CertificateStatus as TerminalCertificateStatus, RenewalStatus as TerminalRenewalStatus,
    terminal_status,
};
pub use renewal::{
    Code as RenewalCode, Command as RenewalCommand, CompanionPlan, Event, FOLLOW_REDIRECTS,
    Outcome as RenewalOutcome, RenewalRecord, RenewalView, Secret, Stage as RenewalStage,
    StartAsked, StartRequest, Timer as RenewalTimer, auto_plan,
    backup_matches as renewal_backup_matches, certificate_api_url,
    removal_refused as renewal_removal_refused, start as start_renewal, step as renewal_step,
    view as renewal_view,
};
pub use rules::snooze_until;
pub use settings::{
    FIELDS as SETTING_FIELDS, Field as SettingField, Kind as SettingKind, SettingsInput,
    effective_json as effective_settings_json, effective_read as effective_settings_read,
    validate as validate_settings, validate_form as validate_settings_form,
};
pub use stored::{HistoryEntry, SCHEMA_VERSION, plan as stored_plan, told_to_user};
