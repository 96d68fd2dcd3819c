//! The diagnostics an administrator copies from the options page and hands to the IT vendor:
//! one text block with the versions, the settings in force and where each came from, the
//! policy values refused, each registration and each renewal. Built only from what the worker
//! already holds as metadata: no function here is given a password, a key or a file, and no
//! place in the text is made for a download address or a path outside the settings.

use crate::jst::{days_left, jst_date_time};
use crate::overview::Registration;
use crate::renewal::{RenewalRecord, Stage};
use crate::settings::{EffectiveSettings, SettingsInput};

/// What the worker knows beside storage: versions, the browser, the companion's answer, and
/// the words for each error code in the user's language (the core has codes, not words).
/// Read key by key at the boundary (`wasm.rs`): a derived deserializer cost the Wasm 4.4 KB.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// The extension's version (its manifest).
    pub extension_version: String,
    /// How Chrome installed it (`admin`, `normal`, `development`…).
    pub install_type: String,
    /// The browser and its version, as the worker read them.
    pub browser: String,
    /// The companion's answer, when the policy uses it.
    pub companion: Option<CompanionFacts>,
    /// Each error code with its sentence (a list, looked up linearly: a map's code cost the
    /// Wasm 8 KB for a report made once).
    pub messages: Vec<(String, String)>,
    /// Now (ms).
    pub now: i64,
}

/// What the companion answered to `version`, or why it did not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompanionFacts {
    /// Its version, when it answered.
    pub version: Option<String>,
    /// Its certificate store (`nss`, `windows`…), when it answered.
    pub store: Option<String>,
    /// The backup folder its administrator set (a setting, so shown), when it answered.
    pub backup_folder: Option<String>,
    /// Why it did not answer.
    pub error_code: Option<String>,
    /// The last status-file write: whether it worked, and when (ms).
    pub status_written: Option<bool>,
    /// The last status-file write's failure code.
    pub status_code: Option<String>,
    /// When the last status-file write was tried (ms).
    pub status_at: Option<i64>,
}

/// The text block: `effective` computed from `user` (the stored settings) and the policy.
pub fn diagnostics(
    facts: &Facts,
    effective: &EffectiveSettings,
    user: &SettingsInput,
    registrations: &[Registration],
    renewals: &[RenewalRecord],
) -> String {
    let mut out = String::new();
    let now = jst_date_time(facts.now);
    let install = &facts.install_type;
    line(
        &mut out,
        &["WebORCA 証明書更新アシスタント 診断情報 / diagnostics"],
    );
    line(&mut out, &["written: ", &now]);
    line(
        &mut out,
        &[
            "extension: ",
            &facts.extension_version,
            " (install: ",
            install,
            ")",
        ],
    );
    line(&mut out, &["core: ", env!("CARGO_PKG_VERSION")]);
    line(&mut out, &["browser: ", &facts.browser]);
    companion(&mut out, facts, effective);

    line(
        &mut out,
        &["\n[settings] name = value (source: policy / user / default)"],
    );
    for setting in effective.sourced(user) {
        let source = setting.source.as_str();
        line(
            &mut out,
            &["  ", setting.name, " = ", &setting.value, " (", source, ")"],
        );
    }
    if effective.policy_errors.is_empty() {
        line(&mut out, &["policy values refused: none"]);
    } else {
        line(&mut out, &["policy values refused:"]);
        for error in &effective.policy_errors {
            line(&mut out, &["  ", &error.key, ": ", error.reason]);
        }
    }

    let count = registrations.len().to_string();
    line(&mut out, &["\n[registrations] ", &count]);
    for (index, registration) in registrations.iter().enumerate() {
        registration_lines(&mut out, index + 1, registration, facts.now);
    }

    let count = renewals.len().to_string();
    line(&mut out, &["\n[renewals] ", &count]);
    for record in renewals {
        renewal_lines(&mut out, record, facts);
    }
    out
}

/// One line from its parts: pushed, not formatted (each `format!` cost the Wasm ~150 bytes).
fn line(out: &mut String, parts: &[&str]) {
    for part in parts {
        out.push_str(part);
    }
    out.push('\n');
}

fn companion(out: &mut String, facts: &Facts, effective: &EffectiveSettings) {
    if !effective.settings.use_companion {
        line(out, &["companion: not used (useCompanion is false)"]);
        return;
    }
    let Some(companion) = &facts.companion else {
        line(out, &["companion: not asked"]);
        return;
    };
    match &companion.version {
        Some(version) => {
            let store = companion.store.as_deref().unwrap_or("unknown");
            let folder = companion.backup_folder.as_deref();
            let (open, folder, close) = folder.map_or(("", "not set", ""), |f| ("\"", f, "\""));
            line(
                out,
                &[
                    "companion: ",
                    version,
                    ", store: ",
                    store,
                    ", backup folder: ",
                    open,
                    folder,
                    close,
                ],
            );
        }
        None => {
            let code = companion.error_code.as_deref().unwrap_or(UNAVAILABLE);
            line(
                out,
                &["companion: not answering: ", &coded(code, None, facts)],
            );
        }
    }
    match (companion.status_written, companion.status_at) {
        (Some(true), Some(at)) => {
            line(
                out,
                &["companion status file: written ", &jst_date_time(at)],
            );
        }
        (Some(false), at) => {
            let at = at.map(jst_date_time).unwrap_or_default();
            let code = companion.status_code.as_deref().unwrap_or(UNAVAILABLE);
            line(
                out,
                &[
                    "companion status file: not written ",
                    &at,
                    ": ",
                    &coded(code, None, facts),
                ],
            );
        }
        _ => line(
            out,
            &["companion status file: not written since the browser started"],
        ),
    }
}

/// The code the worker gives a companion that did not answer for no reason it could tell.
const UNAVAILABLE: &str = "companion_unavailable";

fn registration_lines(out: &mut String, number: usize, registration: &Registration, now: i64) {
    let certificate = &registration.certificate;
    line(out, &[&number.to_string(), ". ", &registration.label]);
    let left = days_left(certificate.not_after, now);
    let left = if left < 0 {
        ["expired ", &(-left).to_string(), " days ago"].concat()
    } else {
        [&left.to_string(), " days left"].concat()
    };
    line(
        out,
        &[
            "   CN: ",
            certificate.common_name.as_deref().unwrap_or("(none)"),
            " / serial: ",
            &certificate.serial,
            " / notAfter: ",
            &jst_date_time(certificate.not_after),
            " (",
            &left,
            ")",
        ],
    );
    // The file's name as the user chose it, never its folder (the browser gives no path).
    let (found, name, close) = match (&registration.file_name, registration.found_in_store) {
        (_, true) => ("the computer's certificate store (companion)", "", ""),
        (Some(name), false) => ("file \"", name.as_str(), "\""),
        (None, false) => ("a file", "", ""),
    };
    line(
        out,
        &[
            "   found in: ",
            found,
            name,
            close,
            " / registered: ",
            &jst_date_time(registration.registered_at),
            " / fingerprint: ",
            short(&certificate.sha256_fingerprint),
        ],
    );
}

fn renewal_lines(out: &mut String, record: &RenewalRecord, facts: &Facts) {
    let automatic = if record.automatic { ", automatic" } else { "" };
    line(
        out,
        &[
            "- ",
            &record.label,
            " (fingerprint ",
            short(&record.fingerprint),
            "): stage ",
            &stage_name(&record.stage),
            automatic,
        ],
    );
    line(
        out,
        &[
            "   started: ",
            &jst_date_time(record.started_at),
            " / updated: ",
            &jst_date_time(record.updated_at),
            " / ",
            &attempts(&record.stage),
        ],
    );
    // The API's origin only: it says which server without any path the provider chose.
    let api = crate::url::https_authority(&record.api_url)
        .map_or_else(|| "(unreadable)".to_owned(), |authority| authority.origin());
    let plan = match &record.companion {
        None => "none",
        Some(plan) if plan.import => "import and back up",
        Some(_) => "back up",
    };
    line(out, &["   server: ", &api, " / companion: ", plan]);
    if let Some(renewed) = record.stage.renewed() {
        let certificate = &renewed.certificate;
        line(
            out,
            &[
                "   new certificate: CN ",
                certificate.common_name.as_deref().unwrap_or("(none)"),
                " / serial ",
                &certificate.serial,
                " / notAfter ",
                &jst_date_time(certificate.not_after),
            ],
        );
    }
    let error = record.stage.reason().map_or_else(
        || "none".to_owned(),
        |reason| coded(reason.code.as_str(), reason.status, facts),
    );
    line(out, &["   last error: ", &error]);
}

/// The stage's name as stored and as the status files write it (`StageName`, serde's camelCase of
/// the variant): its `Debug` with a lower-case first letter. The renewal gives no text form, and
/// a serializer here would be linked for one word. ASCII only: `char::to_lowercase` links
/// 13 KB of Unicode tables for names that are all ASCII.
pub(crate) fn stage_name(stage: &Stage) -> String {
    let mut name = format!("{:?}", stage.name());
    if let Some(first) = name.get_mut(..1) {
        first.make_ascii_lowercase();
    }
    name
}

/// How many tries the stage has made, named by what was tried.
fn attempts(stage: &Stage) -> String {
    let (what, count) = match stage {
        Stage::Probing { attempt }
        | Stage::Requesting { attempt }
        | Stage::Waiting { attempt, .. } => ("application round ", attempt),
        Stage::Downloading { attempt, .. }
        | Stage::CheckingSignature { attempt, .. }
        | Stage::DownloadStuck { attempt, .. } => ("downloads ", attempt),
        Stage::Saving { attempt, .. } => ("saves ", attempt),
        Stage::Importing { .. }
        | Stage::BackingUp { .. }
        | Stage::Registering { .. }
        | Stage::AwaitingImport { .. }
        | Stage::Done { .. }
        | Stage::Held { .. }
        | Stage::Uncertain { .. }
        | Stage::Failed { .. } => return "no tries pending".to_owned(),
    };
    [what, &count.to_string()].concat()
}

/// `code (HTTP n): its sentence`, on one line.
fn coded(code: &str, status: Option<u16>, facts: &Facts) -> String {
    let mut text = code.to_owned();
    if let Some(status) = status {
        text.push_str(" (HTTP ");
        text.push_str(&status.to_string());
        text.push(')');
    }
    if let Some((_, words)) = facts.messages.iter().find(|(known, _)| known == code) {
        text.push(':');
        for word in words.split_whitespace() {
            text.push(' ');
            text.push_str(word);
        }
    }
    text
}

/// The first 16 hex digits of a fingerprint: enough to tell certificates apart in a report.
fn short(fingerprint: &str) -> &str {
    fingerprint.get(..16).unwrap_or(fingerprint)
}

#[cfg(test)]
mod tests;
