//! What the settings in force decide for a renewal started now: the endpoint (by the one
//! rule, `endpoint.rs`), the hosts that may serve the file, the Downloads folder and what the
//! companion is to do. The worker says only what was asked and where.

use serde::Deserialize;

use super::endpoint::certificate_api_url;
use super::machine::StartRequest;
use super::record::CompanionPlan;
use crate::certificate::CertificateInfo;
use crate::settings::Settings;

/// A renewal as the worker asks for it: "今すぐ更新" on a page, in the popup, or by the
/// `autoRenew` policy.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartAsked {
    /// The registered certificate to renew.
    pub current: CertificateInfo,
    /// Its label.
    pub label: String,
    /// The WebORCA page's origin when asked from its banner.
    #[serde(default)]
    pub origin: Option<String>,
    /// See `StartRequest::confirmed`.
    #[serde(default)]
    pub confirmed: bool,
    /// See `StartRequest::automatic`.
    #[serde(default)]
    pub automatic: bool,
    /// See `StartRequest::earlier_record_unreadable`.
    #[serde(default)]
    pub earlier_record_unreadable: bool,
}

impl StartRequest {
    /// The renewal `asked` for, under `settings`.
    pub fn under(settings: &Settings, asked: StartAsked) -> Self {
        Self {
            api_url: certificate_api_url(settings, asked.origin.as_deref()),
            current: asked.current,
            label: asked.label,
            download_hosts: settings.download_hosts.clone(),
            folder: settings.download_subfolder.clone(),
            confirmed: asked.confirmed,
            automatic: asked.automatic,
            companion: CompanionPlan::under(settings),
            earlier_record_unreadable: asked.earlier_record_unreadable,
        }
    }
}

impl CompanionPlan {
    /// What the administrator's policy has the companion do, if it is used at all (where it
    /// backs up is the companion's own administrator setting).
    pub fn under(settings: &Settings) -> Option<Self> {
        settings.use_companion.then_some(Self {
            import: settings.companion_import,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::renewal::fixtures::{LEGACY, three_years_earlier};
    use crate::settings::{SettingsInput, effective};

    fn asked(origin: Option<&str>) -> StartAsked {
        StartAsked {
            current: three_years_earlier(LEGACY),
            label: "受付PC".into(),
            origin: origin.map(str::to_owned),
            confirmed: false,
            automatic: true,
            earlier_record_unreadable: false,
        }
    }

    #[test]
    fn a_renewal_takes_its_endpoint_folder_and_hosts_from_the_settings_in_force() {
        let mut settings = effective(&SettingsInput::default(), &SettingsInput::default()).settings;
        settings.download_hosts = vec!["files.example.jp".into()];
        let request =
            StartRequest::under(&settings, asked(Some("https://weborca.cloud.orcamo.jp")));
        assert_eq!(
            request.api_url.as_deref(),
            Some("https://auth.cmo.orcamo.jp/api/cert")
        );
        assert_eq!(request.download_hosts, ["files.example.jp"]);
        assert_eq!(request.folder, settings.download_subfolder);
        assert!(request.automatic);
        assert_eq!(
            request.companion, None,
            "no companion unless the policy uses it"
        );
        let on_premise = StartRequest::under(&settings, asked(Some("https://orca.clinic.local")));
        assert_eq!(
            on_premise.api_url, None,
            "an on-premise page without renewalApiUrl names none"
        );
    }

    #[test]
    fn the_companion_does_what_the_policy_says_and_nothing_when_it_is_off() {
        let mut settings = effective(&SettingsInput::default(), &SettingsInput::default()).settings;
        settings.companion_import = true;
        assert_eq!(
            CompanionPlan::under(&settings),
            None,
            "useCompanion off: nothing"
        );
        settings.use_companion = true;
        assert_eq!(
            CompanionPlan::under(&settings),
            Some(CompanionPlan { import: true })
        );
        settings.companion_import = false;
        assert_eq!(
            StartRequest::under(&settings, asked(None)).companion,
            Some(CompanionPlan { import: false }),
            "used without the import: the companion still backs up, where its administrator said"
        );
    }
}
