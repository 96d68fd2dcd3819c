//! Where a certificate is renewed: the ORCA services' host map (from monsiaj and glclient2,
//! `docs/renewal-protocol.md` §3), the WebORCA cloud's assumed API host, the service domains
//! a renewed file may come from, and the one rule that picks a certificate's endpoint for the
//! banner, the popup and automatic renewal alike.

use crate::settings::{DEFAULT_ORIGINS, Settings, normalize_origin};

/// Server host → renewal API host, from monsiaj and glclient2 (`docs/renewal-protocol.md` §3).
const API_HOSTS: [(&str, &str); 16] = [
    ("sms.orca.orcamo.jp", "auth.cmo.orcamo.jp"),
    ("sms.qkn.orcamo.jp", "auth.cmo.orcamo.jp"),
    ("sms.ikn.orcamo.jp", "auth.cmo.orcamo.jp"),
    ("sms.glorca.orcamo.jp", "auth.glcmo.orcamo.jp"),
    ("sms.glqkn.orcamo.jp", "auth.glcmo.orcamo.jp"),
    ("sms.glikn.orcamo.jp", "auth.glcmo.orcamo.jp"),
    ("sms-stg.orca.orcamo.jp", "auth-stg.cmo.orcamo.jp"),
    ("sms-stg.qkn.orcamo.jp", "auth-stg.cmo.orcamo.jp"),
    ("sms-stg.ikn.orcamo.jp", "auth-stg.cmo.orcamo.jp"),
    ("sms-stg.glorca.orcamo.jp", "auth-stg.glcmo.orcamo.jp"),
    ("sms-stg.glqkn.orcamo.jp", "auth-stg.glcmo.orcamo.jp"),
    ("sms-stg.glikn.orcamo.jp", "auth-stg.glcmo.orcamo.jp"),
    ("sms-test.orca.orcamo.jp", "cmo-auth-test.orca.orcamo.jp"),
    ("sms.orca-ng.org", "auth.orca-ng.org"),
    ("sms.qkn.orca-ng.org", "auth.orca-ng.org"),
    ("sms.ikn.orca-ng.org", "auth.orca-ng.org"),
];
/// The registrable domains of the hosts above (one label under a public suffix: `orcamo.jp`,
/// `orca-ng.org`). Any host of the API host's domain may serve the renewed file: nobody
/// outside the provider knows which one does. Written out rather than taken from the Public
/// Suffix List, whose table would cost the Wasm far more than these two names.
const SERVICE_DOMAINS: [&str; 2] = ["orcamo.jp", "orca-ng.org"];
/// No public source names WebORCA cloud's API host; this default is the ORCA cloud clients'
/// production host, an assumption the options page states and any admin can override.
const WEBORCA_CLOUD_API_HOST: &str = "auth.cmo.orcamo.jp";

/// The service domain `host` belongs to (`orcamo.jp` for `auth.cmo.orcamo.jp`), if it is one
/// of the built-in services; an API host elsewhere has no known domain, only itself.
pub(crate) fn service_domain(host: &str) -> Option<&'static str> {
    SERVICE_DOMAINS
        .into_iter()
        .find(|domain| crate::url::is_within(host, domain))
}

/// The renewal endpoint for a WebORCA page at `origin`: the setting if given, else the host
/// map, else (WebORCA cloud) the assumed default; `None` when nothing applies.
pub(crate) fn renewal_api_url(settings: &Settings, origin: &str) -> Option<String> {
    if let Some(url) = &settings.renewal_api_url {
        return Some(url.clone());
    }
    let origin = normalize_origin(origin)?;
    let host = origin.strip_prefix("https://")?.split(':').next()?;
    let api_host = API_HOSTS
        .iter()
        .find(|(server, _)| *server == host)
        .map(|(_, api)| *api)
        .or_else(|| {
            DEFAULT_ORIGINS
                .contains(&origin.as_str())
                .then_some(WEBORCA_CLOUD_API_HOST)
        })?;
    Some(format!("https://{api_host}/api/cert"))
}

/// The renewal endpoint of a registered certificate: for one renewed from a WebORCA page at
/// `origin` (the banner), that page's ([`renewal_api_url`]); away from any page (the popup,
/// automatic renewal), the setting if given, else the one endpoint every watched origin
/// leads to. `None` when they lead to different ones or one leads nowhere (an on-premise
/// WebORCA without `renewalApiUrl`): a certificate is never sent to another server's API.
pub fn certificate_api_url(settings: &Settings, origin: Option<&str>) -> Option<String> {
    if let Some(origin) = origin {
        return renewal_api_url(settings, origin);
    }
    if let Some(url) = &settings.renewal_api_url {
        return Some(url.clone());
    }
    let mut endpoints = settings
        .weborca_origins
        .iter()
        .map(|origin| renewal_api_url(settings, origin));
    let first = endpoints.next().flatten()?;
    endpoints
        .all(|endpoint| endpoint.as_deref() == Some(first.as_str()))
        .then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{SettingsInput, effective};

    fn input() -> SettingsInput {
        SettingsInput::default()
    }

    #[test]
    fn the_renewal_endpoint_comes_from_setting_then_host_map_then_cloud_default() {
        let mut settings = effective(&input(), &input()).settings;
        assert_eq!(
            renewal_api_url(&settings, "https://weborca.cloud.orcamo.jp").as_deref(),
            Some("https://auth.cmo.orcamo.jp/api/cert")
        );
        assert_eq!(
            renewal_api_url(&settings, "https://sms-stg.glqkn.orcamo.jp").as_deref(),
            Some("https://auth-stg.glcmo.orcamo.jp/api/cert")
        );
        assert_eq!(
            renewal_api_url(&settings, "https://orca.clinic.local"),
            None
        );
        settings.renewal_api_url = Some("https://weborca.test:8443/api/cert".into());
        assert_eq!(
            renewal_api_url(&settings, "https://orca.clinic.local").as_deref(),
            Some("https://weborca.test:8443/api/cert")
        );
    }

    #[test]
    fn a_certificate_away_from_any_page_is_renewed_only_where_every_origin_agrees() {
        let cloud = effective(&SettingsInput::default(), &SettingsInput::default()).settings;
        assert_eq!(
            certificate_api_url(&cloud, None).as_deref(),
            Some("https://auth.cmo.orcamo.jp/api/cert")
        );
        let mut on_premise = cloud.clone();
        on_premise
            .weborca_origins
            .push("https://orca.clinic.local".into());
        assert_eq!(certificate_api_url(&on_premise, None), None);
        assert_eq!(
            certificate_api_url(&on_premise, Some("https://weborca.cloud.orcamo.jp")).as_deref(),
            Some("https://auth.cmo.orcamo.jp/api/cert"),
            "a page names its own endpoint"
        );
        assert_eq!(
            certificate_api_url(&on_premise, Some("https://orca.clinic.local")),
            None
        );
        on_premise.renewal_api_url = Some("https://renew.clinic.local/api/cert".into());
        assert_eq!(
            certificate_api_url(&on_premise, None).as_deref(),
            Some("https://renew.clinic.local/api/cert")
        );
    }

    #[test]
    fn every_built_in_api_host_has_its_service_domain() {
        for (server, api) in API_HOSTS {
            assert!(service_domain(server).is_some(), "{server}");
            assert!(service_domain(api).is_some(), "{api}");
        }
        assert_eq!(service_domain("files.cmo.orcamo.jp"), Some("orcamo.jp"));
        assert_eq!(service_domain("renew.clinic.example.jp"), None);
    }
}
