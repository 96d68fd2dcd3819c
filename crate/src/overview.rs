//! What every UI shows, computed in one place: the registered certificates assessed on
//! `now`, most urgent first, with the badge, the banner's choice (a renewed certificate that
//! awaits its import first) and the reminders now due. The extension stores the records and
//! renders the result (`background/banner-view.js` words the banner); it decides nothing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::certificate::CertificateInfo;
use crate::file_name::is_renewable_client;
use crate::renewal::RenewalRecord;
use crate::rules::{Assessment, ClientProfile, NextAction, Severity, Status, assess, reminder_due};
use crate::settings::Settings;

/// A certificate the user registered (only metadata: never the file, key or password).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    /// The user's name for it (「受付PC」).
    pub label: String,
    /// The file it was read from, if known.
    pub file_name: Option<String>,
    /// When it was registered (ms).
    pub registered_at: i64,
    /// What the reader found.
    pub certificate: CertificateInfo,
    /// Registered by the companion from the computer's own certificate store (no file).
    /// Absent in data written before it existed: read as `false`.
    #[serde(default)]
    pub found_in_store: bool,
}

impl Registration {
    /// `certificate` registered on `now` under the user's `label`, or under its CN (else its
    /// subject) when the label is blank: every certificate has a name the user recognises.
    /// Registered again, it keeps `first_registered`: automatic renewal spreads from it.
    pub fn new(
        certificate: CertificateInfo,
        label: &str,
        file_name: Option<String>,
        first_registered: Option<i64>,
        now: i64,
    ) -> Self {
        // White space as JavaScript's `trim` sees it too (a BOM pasted from a file).
        let label = match label.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}') {
            "" => certificate
                .common_name
                .clone()
                .filter(|cn| !cn.is_empty())
                .unwrap_or_else(|| certificate.subject.clone()),
            label => label.to_owned(),
        };
        Self {
            label,
            file_name,
            registered_at: first_registered.unwrap_or(now),
            certificate,
            found_in_store: false,
        }
    }
}

/// Per-certificate reminder state, keyed by fingerprint in storage.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReminderState {
    /// The last reminder step notified.
    pub last_notified_step: Option<u32>,
    /// "後で" hides the banner until then (ms).
    pub snoozed_until: Option<i64>,
}

/// One certificate as the UIs show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// SHA-256 fingerprint: the certificate's identity in storage.
    pub fingerprint: String,
    /// The user's name for it.
    pub label: String,
    /// Subject CN.
    pub common_name: Option<String>,
    /// End of validity (ms).
    pub not_after: i64,
    /// Its standing now.
    pub assessment: Assessment,
    /// Whether "後で" currently hides it.
    pub snoozed: bool,
    /// Whether the banner on WebORCA pages should show it.
    pub show_banner: bool,
    /// Which other ORCA clients would be warning now (for comparison in the popup).
    pub warning_clients: Vec<ClientProfile>,
    /// Registered from the computer's certificate store, not from a file.
    pub found_in_store: bool,
}

/// The toolbar badge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Badge {
    /// Days left of the most urgent certificate, or `!` once expired.
    pub text: String,
    /// Its colour class.
    pub severity: Severity,
}

/// A reminder to notify now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DueReminder {
    /// Which certificate.
    pub fingerprint: String,
    /// The step reached (store it as `lastNotifiedStep`).
    pub step: u32,
}

/// What the banner on WebORCA pages shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Banner {
    /// A renewed certificate saved but not yet imported: until it is, the old one still
    /// expires, so this comes before any other.
    PendingImport {
        /// The certificate being renewed.
        fingerprint: String,
        /// Its label.
        label: String,
        /// Its buttons, the first the main one.
        actions: Vec<BannerAction>,
    },
    /// The most urgent certificate to show, and how many others the banner could show.
    Certificate {
        /// Which entry.
        fingerprint: String,
        /// Other entries that would show a banner.
        others: usize,
        /// Its buttons, the first the main one.
        actions: Vec<BannerAction>,
    },
}

/// A button on the banner. The page may ask for these, for the banner's certificate, and
/// nothing else: the worker checks both against this overview (`bannerOffers` in
/// `background/index.js`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
#[serde(rename_all = "camelCase")]
pub enum BannerAction {
    /// 「今すぐ更新」.
    Renew,
    /// 「更新の手順」: the popup's guide for it.
    Guide,
    /// 「後で」.
    Snooze,
}

/// A certificate's buttons: 「今すぐ更新」 where it can be renewed now, else the guide.
fn certificate_actions(entry: &Entry) -> Vec<BannerAction> {
    let main = match entry.assessment.next_action {
        NextAction::RenewNow => BannerAction::Renew,
        NextAction::None
        | NextAction::ReissueByAdministrator
        | NextAction::RenewOnManagementSite => BannerAction::Guide,
    };
    vec![main, BannerAction::Snooze]
}

/// Everything the UIs need at one instant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    /// Every registered certificate, most urgent first.
    pub entries: Vec<Entry>,
    /// The badge, `None` when everything is fine (a renewal awaiting its import keeps a `!`).
    pub badge: Option<Badge>,
    /// The banner, `None` for none.
    pub banner: Option<Banner>,
    /// Reminders to notify now.
    pub due_reminders: Vec<DueReminder>,
    /// Certificates whose successor is registered (by their renewal, or registered beside
    /// them): a reminder already shown for one of them is withdrawn.
    pub withdrawn_reminders: Vec<String>,
}

/// Assesses every registration on `now` under `settings`; `renewals` are the renewal records.
pub fn overview(
    registrations: &[Registration],
    reminders: &BTreeMap<String, ReminderState>,
    renewals: &[RenewalRecord],
    settings: &Settings,
    now: i64,
) -> Overview {
    let schedule = settings.schedule();
    let mut entries: Vec<Entry> = registrations
        .iter()
        .map(|registration| {
            let cert = &registration.certificate;
            let renewable = cert.common_name.as_deref().is_some_and(is_renewable_client);
            let assessment = assess(cert.not_after, renewable, now, &schedule);
            let state = reminders.get(&cert.sha256_fingerprint);
            let snoozed = state
                .and_then(|s| s.snoozed_until)
                .is_some_and(|until| now < until);
            Entry {
                fingerprint: cert.sha256_fingerprint.clone(),
                label: registration.label.clone(),
                common_name: cert.common_name.clone(),
                not_after: cert.not_after,
                show_banner: assessment.severity > Severity::None && !snoozed,
                warning_clients: ClientProfile::ALL
                    .into_iter()
                    .filter(|profile| profile.warns(cert.not_after, now))
                    .collect(),
                assessment,
                snoozed,
                found_in_store: registration.found_in_store,
            }
        })
        .collect();
    crate::order::sort_by(&mut entries, |a, b| {
        b.assessment
            .severity
            .cmp(&a.assessment.severity)
            .then(a.not_after.cmp(&b.not_after))
    });
    let badge = entries
        .iter()
        .find(|entry| entry.assessment.severity > Severity::None)
        .map(|entry| Badge {
            text: if entry.assessment.status == Status::Expired {
                "!".to_owned()
            } else {
                entry.assessment.days_left.to_string()
            },
            severity: entry.assessment.severity,
        });
    // A certificate whose successor is verified and on its way (with the companion, being
    // saved or registered) or registered needs no reminder: its renewal is done or seconds from
    // done (and a shown one is withdrawn once the successor is registered). A save that is
    // stuck waits for the user, who is still reminded.
    let registered = |fingerprint: &str| {
        registrations
            .iter()
            .any(|r| r.certificate.sha256_fingerprint == fingerprint)
    };
    let successor_on_its_way = |fingerprint: &str| {
        renewals.iter().any(|record| {
            record.fingerprint == fingerprint
                && record.stage.renewed().is_some()
                && record.stage.is_busy()
                && record.stage.reason().is_none()
        })
    };
    let terminal = |c: &CertificateInfo| {
        (
            c.common_name.clone(),
            c.organization.clone(),
            c.issuer.clone(),
        )
    };
    let superseded = |certificate: &CertificateInfo| {
        registrations.iter().any(|other| {
            terminal(&other.certificate) == terminal(certificate)
                && other.certificate.not_after > certificate.not_after
        })
    };
    let withdrawn_reminders: Vec<String> = renewals
        .iter()
        .filter(|record| {
            record
                .stage
                .renewed()
                .is_some_and(|renewed| registered(&renewed.certificate.sha256_fingerprint))
        })
        .map(|record| record.fingerprint.clone())
        .chain(
            registrations
                .iter()
                .filter(|r| superseded(&r.certificate))
                .map(|r| r.certificate.sha256_fingerprint.clone()),
        )
        .collect();
    let due_reminders = entries
        .iter()
        .filter(|entry| {
            !successor_on_its_way(&entry.fingerprint)
                && !withdrawn_reminders.contains(&entry.fingerprint)
        })
        .filter(|entry| {
            let last = reminders
                .get(&entry.fingerprint)
                .and_then(|s| s.last_notified_step);
            reminder_due(&entry.assessment, last)
        })
        .filter_map(|entry| {
            entry.assessment.reminder_step.map(|step| DueReminder {
                fingerprint: entry.fingerprint.clone(),
                step,
            })
        })
        .collect();
    let awaiting_import = renewals.iter().find(|record| record.stage.awaits_import());
    // Renewed but not imported: the old certificate still expires, so the badge stays up.
    let badge = badge.or_else(|| {
        awaiting_import.map(|_| Badge {
            text: "!".to_owned(),
            severity: Severity::Warning,
        })
    });
    let shown: Vec<&Entry> = entries.iter().filter(|entry| entry.show_banner).collect();
    // An urgent or expired certificate is never hidden behind an import reminder, which
    // lasts until someone presses 「ログインできました」: it may be another terminal's.
    let urgent = |entry: &&Entry| entry.assessment.severity == Severity::Critical;
    let banner = match (awaiting_import, shown.first()) {
        (Some(_), Some(first)) if urgent(first) => Some(Banner::Certificate {
            fingerprint: first.fingerprint.clone(),
            others: shown.len() - 1,
            actions: certificate_actions(first),
        }),
        (Some(record), _) => Some(Banner::PendingImport {
            fingerprint: record.fingerprint.clone(),
            label: record.label.clone(),
            actions: vec![BannerAction::Guide],
        }),
        (None, Some(first)) => Some(Banner::Certificate {
            fingerprint: first.fingerprint.clone(),
            others: shown.len() - 1,
            actions: certificate_actions(first),
        }),
        (None, None) => None,
    };
    Overview {
        entries,
        badge,
        banner,
        due_reminders,
        withdrawn_reminders,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jst::DAY_MS;
    use crate::settings::{SettingsInput, effective};

    const NOW: i64 = 1_800_000_000_000;

    fn registration(cn: &str, fingerprint: &str, days_left: i64) -> Registration {
        Registration {
            label: format!("{cn} の端末"),
            file_name: None,
            registered_at: NOW - DAY_MS,
            certificate: CertificateInfo {
                subject: format!("CN={cn},O=u00001294,C=JP"),
                common_name: Some(cn.to_owned()),
                organization: Some("u00001294".to_owned()),
                issuer: "CN=Test CA".to_owned(),
                serial: "01".to_owned(),
                not_before: NOW - 1000 * DAY_MS,
                not_after: NOW + days_left * DAY_MS,
                sha256_fingerprint: fingerprint.to_owned(),
                key_algorithm: "RSA 2048".to_owned(),
                authority_key_id: None,
                subject_key_id: None,
                issuer_key: None,
            },
            found_in_store: false,
        }
    }

    #[test]
    fn found_in_store_is_kept_in_storage_read_as_false_when_absent_and_shown() {
        let mut found = registration("client1", "A", 100);
        found.found_in_store = true;
        let stored = serde_json::to_value(&found).expect("serializes");
        assert_eq!(stored["foundInStore"], true, "camelCase in storage");
        let read: Registration = serde_json::from_value(stored.clone()).expect("reads back");
        assert_eq!(read, found);
        // Written by an earlier version, without the field.
        let mut old = stored;
        old.as_object_mut().expect("object").remove("foundInStore");
        let read: Registration = serde_json::from_value(old).expect("old data reads");
        assert!(!read.found_in_store);
        let shown = overview(
            &[found, registration("client2", "B", 200)],
            &BTreeMap::new(),
            &[],
            &settings(),
            NOW,
        );
        let by = |fp: &str| {
            shown
                .entries
                .iter()
                .find(|e| e.fingerprint == fp)
                .expect("entry")
        };
        assert!(by("A").found_in_store);
        assert!(!by("B").found_in_store);
    }

    fn settings() -> Settings {
        effective(&SettingsInput::default(), &SettingsInput::default()).settings
    }

    #[test]
    fn a_blank_label_becomes_the_common_name_else_the_subject() {
        let certificate = registration("client1", "A", 100).certificate;
        let named = Registration::new(certificate.clone(), "  受付PC ", None, None, NOW);
        assert_eq!(named.label, "受付PC");
        let unnamed = Registration::new(certificate.clone(), " \u{3000}\u{feff}", None, None, NOW);
        assert_eq!(unnamed.label, "client1");
        let empty_cn = CertificateInfo {
            common_name: Some(String::new()),
            ..certificate.clone()
        };
        let unnamed = Registration::new(empty_cn, "", None, None, NOW);
        assert_eq!(unnamed.label, "CN=client1,O=u00001294,C=JP");
        let no_cn = CertificateInfo {
            common_name: None,
            ..certificate
        };
        let unnamed = Registration::new(no_cn, "", Some("a.p12".into()), None, NOW);
        assert_eq!(unnamed.label, "CN=client1,O=u00001294,C=JP");
        assert_eq!(unnamed.file_name.as_deref(), Some("a.p12"));
    }

    #[test]
    fn registered_again_it_keeps_its_first_date() {
        let certificate = registration("client1", "A", 100).certificate;
        let first = Registration::new(certificate.clone(), "", None, None, NOW);
        assert_eq!(first.registered_at, NOW);
        let again = Registration::new(certificate, "", None, Some(NOW), NOW + DAY_MS);
        assert_eq!(again.registered_at, NOW);
    }

    #[test]
    fn most_urgent_first_and_the_badge_counts_its_days() {
        let regs = [
            registration("client1", "A", 200),
            registration("client2", "B", 80),
            registration("client3", "C", 10),
        ];
        let overview = overview(&regs, &BTreeMap::new(), &[], &settings(), NOW);
        let order: Vec<&str> = overview
            .entries
            .iter()
            .map(|e| e.fingerprint.as_str())
            .collect();
        assert_eq!(order, ["C", "B", "A"]);
        assert_eq!(
            overview.badge,
            Some(Badge {
                text: "10".into(),
                severity: Severity::Critical
            })
        );
        assert!(overview.entries[0].show_banner && overview.entries[1].show_banner);
        assert!(!overview.entries[2].show_banner);
    }

    #[test]
    fn no_badge_when_all_is_well_and_a_mark_once_expired() {
        let fine = overview(
            &[registration("client1", "A", 120)],
            &BTreeMap::new(),
            &[],
            &settings(),
            NOW,
        );
        assert_eq!(fine.badge, None);
        assert!(fine.due_reminders.is_empty());
        let gone = overview(
            &[registration("client1", "A", -3)],
            &BTreeMap::new(),
            &[],
            &settings(),
            NOW,
        );
        assert_eq!(gone.badge.map(|b| b.text), Some("!".to_owned()));
        assert_eq!(gone.entries[0].assessment.status, Status::Expired);
    }

    #[test]
    fn reminders_are_due_once_per_step_and_snooze_hides_the_banner() {
        let regs = [registration("client1", "A", 80)];
        let mut state = BTreeMap::new();
        let first = overview(&regs, &state, &[], &settings(), NOW);
        assert_eq!(
            first.due_reminders,
            [DueReminder {
                fingerprint: "A".into(),
                step: 90
            }]
        );
        state.insert(
            "A".to_owned(),
            ReminderState {
                last_notified_step: Some(90),
                snoozed_until: Some(NOW + DAY_MS),
            },
        );
        let later = overview(&regs, &state, &[], &settings(), NOW);
        assert!(later.due_reminders.is_empty());
        assert!(later.entries[0].snoozed && !later.entries[0].show_banner);
        let after_snooze = overview(&regs, &state, &[], &settings(), NOW + DAY_MS);
        assert!(after_snooze.entries[0].show_banner);
    }

    #[test]
    fn other_clients_are_listed_when_they_would_warn() {
        let regs = [registration("client1", "A", 50)];
        let entry = &overview(&regs, &BTreeMap::new(), &[], &settings(), NOW).entries[0];
        assert!(entry.warning_clients.contains(&ClientProfile::WebOrca));
        assert!(entry.warning_clients.contains(&ClientProfile::Glclient));
    }

    /// A renewal record in `state`, by deserializing what the worker stores.
    fn renewal_in(state: &str, fingerprint: &str) -> RenewalRecord {
        let request = crate::renewal::StartRequest {
            current: crate::renewal::fixtures::three_years_earlier(
                crate::renewal::fixtures::LEGACY,
            ),
            label: "受付PC".into(),
            api_url: Some("https://auth.example.jp/api/cert".into()),
            download_hosts: vec![],
            folder: "WebORCA証明書".into(),
            confirmed: false,
            companion: None,
            automatic: false,
            earlier_record_unreadable: false,
        };
        let record = crate::renewal::start(None, request, NOW)
            .expect("starts")
            .record;
        let mut stored = serde_json::to_value(&record).expect("stored");
        stored["state"] = state.into();
        stored["fingerprint"] = fingerprint.into();
        if ["verified", "saved", "importing", "backingUp", "done"].contains(&state) {
            // A saved record has its certificate and both files.
            let report = crate::read_certificate_file(
                crate::renewal::fixtures::LEGACY,
                Some(crate::renewal::fixtures::PASS),
                None,
            )
            .expect("fixture");
            stored["renewed"] = serde_json::json!({
                "certificate": serde_json::to_value(&report.certificate).expect("certificate"),
                "names": { "p12": "new.p12", "password": "new_password.txt" },
            });
            stored["files"] = serde_json::json!({ "password": "/d/p.txt", "p12": "/d/new.p12" });
        }
        serde_json::from_value(stored).expect("a record")
    }

    #[test]
    fn an_urgent_certificate_keeps_its_banner_beside_an_import_reminder() {
        let awaiting = [renewal_in("saved", "A")];
        for days_left in [14, 3, -1] {
            let regs = [
                registration("client1", "A", 200),
                registration("client2", "B", days_left),
            ];
            let shown = overview(&regs, &BTreeMap::new(), &awaiting, &settings(), NOW);
            // An expired certificate is the administrator's to reissue: the guide says how.
            let main = if days_left < 0 {
                BannerAction::Guide
            } else {
                BannerAction::Renew
            };
            assert_eq!(
                shown.banner,
                Some(Banner::Certificate {
                    fingerprint: "B".into(),
                    others: 0,
                    actions: vec![main, BannerAction::Snooze],
                }),
                "{days_left} days left"
            );
        }
    }

    #[test]
    fn a_renewal_awaiting_its_import_takes_the_banner_and_keeps_a_badge() {
        let regs = [
            registration("client1", "A", 200),
            registration("client2", "B", 60),
        ];
        let plain = overview(&regs, &BTreeMap::new(), &[], &settings(), NOW);
        assert_eq!(
            plain.banner,
            Some(Banner::Certificate {
                fingerprint: "B".into(),
                others: 0,
                actions: vec![BannerAction::Renew, BannerAction::Snooze],
            })
        );
        let awaiting = [renewal_in("probing", "A"), renewal_in("saved", "A")];
        let pending = overview(&regs, &BTreeMap::new(), &awaiting, &settings(), NOW);
        assert_eq!(
            pending.banner,
            Some(Banner::PendingImport {
                fingerprint: "A".into(),
                label: "受付PC".into(),
                actions: vec![BannerAction::Guide],
            })
        );

        // Nothing else to warn about: the badge still says something is left to do.
        let calm = [registration("client1", "A", 200)];
        let quiet = overview(&calm, &BTreeMap::new(), &awaiting, &settings(), NOW);
        assert_eq!(
            quiet.badge,
            Some(Badge {
                text: "!".into(),
                severity: Severity::Warning
            })
        );
        assert_eq!(
            overview(&calm, &BTreeMap::new(), &awaiting[..1], &settings(), NOW).badge,
            None
        );
    }

    /// The renewed certificate of [`renewal_in`]'s records, registered.
    fn successor() -> Registration {
        let report = crate::read_certificate_file(
            crate::renewal::fixtures::LEGACY,
            Some(crate::renewal::fixtures::PASS),
            None,
        )
        .expect("fixture");
        Registration::new(report.certificate, "受付PC", None, None, NOW)
    }

    /// The certificate the successor renews, `days_left` from expiry, as registered.
    fn renewed_one(days_left: i64) -> Registration {
        let mut old = successor();
        old.certificate.sha256_fingerprint = "OLD".into();
        old.certificate.not_after = NOW + days_left * DAY_MS;
        old
    }

    #[test]
    fn no_reminder_for_a_certificate_whose_successor_is_verified_or_registered() {
        let due = |registrations: &[Registration], renewals: &[RenewalRecord]| {
            overview(registrations, &BTreeMap::new(), renewals, &settings(), NOW)
        };
        // Its 60-day step is reached, nothing renews it: reminded, as always.
        let alone = due(&[renewed_one(59)], &[]);
        assert_eq!(alone.due_reminders.len(), 1);
        assert_eq!(alone.withdrawn_reminders, Vec::<String>::new());
        // The companion is importing or backing up its verified successor: not now.
        for state in ["importing", "backingUp", "verified"] {
            let renewing = due(&[renewed_one(59)], &[renewal_in(state, "OLD")]);
            assert_eq!(renewing.due_reminders, [], "{state}");
        }
        // Its save stuck, waiting for the user: still reminded.
        let mut stuck = serde_json::to_value(renewal_in("verified", "OLD")).expect("stored");
        stuck["error"] = serde_json::json!({"code": "save_failed"});
        let stuck: RenewalRecord = serde_json::from_value(stuck).expect("a record");
        assert_eq!(due(&[renewed_one(59)], &[stuck]).due_reminders.len(), 1);
        // The successor registered beside it (found in the store, registered by hand): not
        // reminded, and one already shown is withdrawn.
        let beside = due(&[renewed_one(59), successor()], &[]);
        assert_eq!(beside.due_reminders, []);
        assert_eq!(beside.withdrawn_reminders, ["OLD"]);
        // Replaced by its renewal: a reminder shown a moment before is withdrawn.
        let replaced = due(&[successor()], &[renewal_in("done", "OLD")]);
        assert_eq!(replaced.due_reminders, []);
        assert_eq!(replaced.withdrawn_reminders, ["OLD"]);
        // Another terminal's certificate ending later supersedes nothing.
        let mut other = successor();
        other.certificate.common_name = Some("client9999".into());
        let others = due(&[renewed_one(59), other], &[]);
        assert_eq!(others.due_reminders.len(), 1);
    }
}
