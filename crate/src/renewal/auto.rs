//! Zero-touch renewal on managed terminals (`autoRenew`, policy only): which registered
//! certificates the worker renews now without a click, and when to look again.
//!
//! Each certificate gets one moment, spread over days so that a clinic's terminals — and all
//! clinics that enter the window on the same day — do not reach the server together: from
//! the latest of the window opening, the registration, and the day automatic renewal was
//! switched on (so a fleet-wide switch or install is spread too), plus a fraction of the
//! spread that is fixed per terminal and certificate. A certificate is renewed automatically
//! **once**: any renewal record for it (done, failed, uncertain…) ends automation for it,
//! and the banner and popup remain for the user.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::endpoint::certificate_api_url;
use crate::file_name::is_renewable_client;
use crate::jst::{DAY_MS, jst_day, jst_day_start};
use crate::overview::Registration;
use crate::settings::Settings;

/// The spread ends this long before expiry at the latest, leaving room for the user's steps
/// (backup, import) and for a failed automatic attempt to be redone by hand.
const LAST_DAYS_KEPT_FREE: i64 = 14;

/// What the worker does about automatic renewal now.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AutoPlan {
    /// Fingerprints to start renewing now, automatically.
    pub start: Vec<String>,
    /// The next moment of a certificate not yet due (ms), to set a timer for.
    pub wake_at: Option<i64>,
    /// Since when automatic renewal is on (ms), to store.
    pub since: Option<i64>,
}

/// The plan at `now`. `renewed` lists the fingerprints that have a renewal record (in any
/// state); `seed` is this terminal's random number (drawn once, stored); `since` is what the
/// last plan returned. It is kept while the policy is off or not yet read, so a policy that
/// arrives late never moves a terminal's moment.
pub fn plan(
    registrations: &[Registration],
    renewed: &[String],
    settings: &Settings,
    seed: u32,
    since: Option<i64>,
    now: i64,
) -> AutoPlan {
    // The same rule as the popup's: a certificate whose endpoint is not known for certain (an
    // on-premise WebORCA without `renewalApiUrl`) is never renewed without a click.
    if !settings.auto_renew || certificate_api_url(settings, None).is_none() {
        return AutoPlan {
            since,
            ..AutoPlan::default()
        };
    }
    let since = since.unwrap_or(now).min(now);
    let mut plan = AutoPlan {
        since: Some(since),
        ..AutoPlan::default()
    };
    for registration in registrations {
        let cert = &registration.certificate;
        let renewable = cert.common_name.as_deref().is_some_and(is_renewable_client);
        if !renewable || now > cert.not_after || renewed.contains(&cert.sha256_fingerprint) {
            continue;
        }
        let at = moment(registration, settings, seed, since);
        if now >= at {
            plan.start.push(cert.sha256_fingerprint.clone());
        } else {
            plan.wake_at = Some(plan.wake_at.map_or(at, |earlier| earlier.min(at)));
        }
    }
    plan
}

/// When this terminal renews this certificate automatically.
fn moment(registration: &Registration, settings: &Settings, seed: u32, since: i64) -> i64 {
    let not_after = registration.certificate.not_after;
    // The same first day as the banner's: the JST day `warnDays` before the expiry day.
    let window_opens = jst_day_start(jst_day(not_after) - i64::from(settings.warn_days));
    let base = window_opens.max(registration.registered_at).max(since);
    let room = (not_after - LAST_DAYS_KEPT_FREE * DAY_MS - base).max(0);
    let spread = (i64::from(settings.auto_renew_spread_days) * DAY_MS).min(room);
    base + (spread as f64 * fraction(seed, &registration.certificate.sha256_fingerprint)) as i64
}

/// A number in [0, 1) fixed for this terminal and certificate, evenly spread over terminals.
fn fraction(seed: u32, fingerprint: &str) -> f64 {
    let digest = Sha256::new()
        .chain_update(seed.to_be_bytes())
        .chain_update(fingerprint.as_bytes())
        .finalize();
    let mut first = [0u8; 4];
    first.copy_from_slice(digest.get(..4).unwrap_or(&[0; 4]));
    f64::from(u32::from_be_bytes(first)) / (f64::from(u32::MAX) + 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::renewal::fixtures::{WITH_CHAIN, three_years_earlier};
    use crate::renewal::{StartRequest, start};
    use crate::settings::{SettingsInput, effective};

    const NOW: i64 = 1_800_000_000_000;

    fn settings(auto_renew: bool, spread_days: i64) -> Settings {
        let policy = SettingsInput {
            auto_renew: Some(auto_renew),
            auto_renew_spread_days: Some(spread_days),
            ..SettingsInput::default()
        };
        effective(&SettingsInput::default(), &policy).settings
    }

    fn registration(fingerprint: &str, days_left: i64, registered_days_ago: i64) -> Registration {
        let mut certificate = three_years_earlier(WITH_CHAIN);
        certificate.sha256_fingerprint = fingerprint.into();
        certificate.common_name = Some("client0001".into());
        certificate.not_after = NOW + days_left * DAY_MS;
        Registration {
            label: "受付".into(),
            file_name: None,
            registered_at: NOW - registered_days_ago * DAY_MS,
            certificate,
            found_in_store: false,
        }
    }

    fn no_renewals() -> Vec<String> {
        Vec::new()
    }

    #[test]
    fn nothing_happens_unless_the_policy_turns_it_on() {
        let plan = plan(
            &[registration("a", 10, 400)],
            &no_renewals(),
            &settings(false, 0),
            7,
            Some(NOW - 100 * DAY_MS),
            NOW,
        );
        assert!(plan.start.is_empty() && plan.wake_at.is_none());
        assert_eq!(plan.since, Some(NOW - 100 * DAY_MS), "kept while off");
    }

    #[test]
    fn on_premise_without_a_renewal_api_is_never_renewed_automatically() {
        let policy = SettingsInput {
            auto_renew: Some(true),
            auto_renew_spread_days: Some(0),
            weborca_origins: Some(vec!["https://orca.clinic.local".into()]),
            ..SettingsInput::default()
        };
        let mut on_premise = effective(&SettingsInput::default(), &policy).settings;
        let regs = [registration("in", 60, 400)];
        let none = plan(&regs, &no_renewals(), &on_premise, 7, None, NOW);
        assert!(none.start.is_empty());
        on_premise.renewal_api_url = Some("https://renew.clinic.local/api/cert".into());
        let due = plan(&regs, &no_renewals(), &on_premise, 7, None, NOW);
        assert_eq!(due.start, ["in"]);
    }

    #[test]
    fn without_spread_a_certificate_in_the_window_is_renewed_at_once_and_only_once() {
        let regs = [registration("in", 60, 400), registration("out", 120, 400)];
        let plan_now = plan(
            &regs,
            &no_renewals(),
            &settings(true, 0),
            7,
            Some(NOW - 400 * DAY_MS),
            NOW,
        );
        assert_eq!(plan_now.start, ["in"]);
        // "out" enters the window in 30 days (the JST day boundary decides the hour).
        let wake = plan_now.wake_at.expect("a timer for the other one");
        assert!(
            (29 * DAY_MS..=31 * DAY_MS).contains(&(wake - NOW)),
            "{wake}"
        );
        // Any record — even a failed one — ends automation for that certificate.
        let request = StartRequest {
            current: regs[0].certificate.clone(),
            label: "受付".into(),
            api_url: Some("https://auth.cmo.orcamo.jp/api/cert".into()),
            download_hosts: vec![],
            folder: "WebORCA証明書".into(),
            companion: None,
            confirmed: false,
            automatic: true,
            earlier_record_unreadable: false,
        };
        let record = start(None, request, NOW).expect("starts").record;
        let renewals = vec![record.fingerprint];
        let later = plan(
            &regs,
            &renewals,
            &settings(true, 0),
            7,
            Some(NOW - 400 * DAY_MS),
            NOW,
        );
        assert!(later.start.is_empty());
    }

    #[test]
    fn terminals_spread_over_days_from_when_the_policy_arrived() {
        // A fleet switched on today, with certificates long in the window: each terminal
        // gets its own moment over the next 14 days, none in the past.
        let regs = [registration("fleet", 60, 400)];
        let moments: Vec<i64> = (0..200u32)
            .map(|seed| moment(&regs[0], &settings(true, 14), seed, NOW))
            .collect();
        assert!(
            moments
                .iter()
                .all(|at| (NOW..NOW + 14 * DAY_MS).contains(at))
        );
        let first_day = moments.iter().filter(|at| **at < NOW + DAY_MS).count();
        assert!(first_day < 40, "{first_day} of 200 on the first day");
        let spread = moments.iter().max().unwrap_or(&0) - moments.iter().min().unwrap_or(&0);
        assert!(spread > 10 * DAY_MS, "{spread}");
        // The same terminal keeps its moment: no new draw on each check.
        assert_eq!(
            moment(&regs[0], &settings(true, 14), 5, NOW),
            moment(&regs[0], &settings(true, 14), 5, NOW)
        );
        let due = plan(&regs, &no_renewals(), &settings(true, 14), 5, None, NOW);
        assert_eq!(due.since, Some(NOW));
    }

    #[test]
    fn the_spread_shrinks_near_expiry_and_expired_or_non_renewable_ones_are_left_alone() {
        let late = registration("late", 20, 0);
        let at = moment(&late, &settings(true, 30), 99, NOW);
        assert!(
            at <= NOW + 6 * DAY_MS,
            "14 days are kept free before expiry"
        );
        let expired = registration("gone", -1, 400);
        let mut server_cert = registration("server", 10, 400);
        server_cert.certificate.common_name = Some("weborca.cloud.orcamo.jp".into());
        let plan = plan(
            &[expired, server_cert],
            &no_renewals(),
            &settings(true, 0),
            1,
            None,
            NOW,
        );
        assert!(plan.start.is_empty() && plan.wake_at.is_none());
    }
}
