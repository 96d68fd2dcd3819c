//! The renewal rules: how a certificate stands on a given instant, what the user should do
//! next, when to remind, how long "後で" (later) lasts. Every function takes `now`; days are
//! calendar days in Japan, as clinics count them (`jst.rs`).
//!
//! Sources (`docs/renewal-protocol.md` §2): WebORCA warns at ≤ 90 days left; レセ電ビューア at
//! 3 calendar months; monsiaj when now + 2 calendar months passes notAfter; glclient2 when
//! fewer than 60 days (2 × 30) remain.

use serde::{Deserialize, Serialize};

use crate::jst::{DAY_MS, add_months_jst, jst_day, jst_day_start};

/// When and how often to remind. One source for defaults, options and admin policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    /// Days before expiry at which the renewal window opens (WebORCA: 90).
    pub warn_days: u32,
    /// Days before expiry from which renewal is urgent.
    pub urgent_days: u32,
    /// Days before expiry at which to remind, largest first.
    pub reminder_days: Vec<u32>,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            warn_days: 90,
            urgent_days: 14,
            reminder_days: vec![90, 60, 30, 14, 7, 3, 1],
        }
    }
}

/// Where a certificate stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    /// More than `warn_days` left.
    Valid,
    /// `warn_days` or fewer left: time to renew.
    RenewalWindow,
    /// `urgent_days` or fewer left.
    Urgent,
    /// Past notAfter: it can no longer renew itself.
    Expired,
    /// Not expired, but its CN is not `client` + digits, so no ORCA client renews it.
    NotRenewable,
}

/// What the user should do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum NextAction {
    /// Nothing yet.
    None,
    /// Renew now with the extension (「今すぐ更新」).
    RenewNow,
    /// Renew by hand on the system management site while it is still valid.
    RenewOnManagementSite,
    /// Expired: a tenant administrator re-issues it on the system management site, or a
    /// terminal whose certificate is still valid fetches it; then it is installed by hand.
    ReissueByAdministrator,
}

/// How loudly to say it (badge colour, banner style).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Severity {
    /// Nothing to show.
    None,
    /// In the renewal window.
    Warning,
    /// Urgent or expired.
    Critical,
}

/// A certificate's standing at one instant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Assessment {
    /// Where it stands.
    pub status: Status,
    /// JST calendar days from today to the expiry day (0 on the last day, negative after).
    pub days_left: i64,
    /// How loudly to say it.
    pub severity: Severity,
    /// What to do next.
    pub next_action: NextAction,
    /// The reminder step reached (a value of `reminder_days`), if any.
    pub reminder_step: Option<u32>,
}

/// Assesses a certificate that expires at `not_after` (ms) on instant `now` (ms).
///
/// RFC 5280 §4.1.2.5: "The validity period for a certificate is the period of time from
/// notBefore through notAfter, inclusive", so it expires only after `not_after`.
pub(crate) fn assess(not_after: i64, renewable: bool, now: i64, schedule: &Schedule) -> Assessment {
    let days_left = jst_day(not_after) - jst_day(now);
    let in_window = days_left <= i64::from(schedule.warn_days);
    let urgent = days_left <= i64::from(schedule.urgent_days);
    let (status, severity) = if now > not_after {
        (Status::Expired, Severity::Critical)
    } else if !renewable {
        let severity = match (urgent, in_window) {
            (true, _) => Severity::Critical,
            (false, true) => Severity::Warning,
            (false, false) => Severity::None,
        };
        (Status::NotRenewable, severity)
    } else if urgent {
        (Status::Urgent, Severity::Critical)
    } else if in_window {
        (Status::RenewalWindow, Severity::Warning)
    } else {
        (Status::Valid, Severity::None)
    };
    let next_action = match status {
        Status::Valid => NextAction::None,
        Status::RenewalWindow | Status::Urgent => NextAction::RenewNow,
        Status::Expired => NextAction::ReissueByAdministrator,
        Status::NotRenewable if severity == Severity::None => NextAction::None,
        Status::NotRenewable => NextAction::RenewOnManagementSite,
    };
    Assessment {
        status,
        days_left,
        severity,
        next_action,
        reminder_step: if now > not_after {
            None
        } else {
            reminder_step(days_left, schedule)
        },
    }
}

/// The reminder step reached with `days_left`: the smallest step not below it.
fn reminder_step(days_left: i64, schedule: &Schedule) -> Option<u32> {
    schedule
        .reminder_days
        .iter()
        .copied()
        .filter(|step| i64::from(*step) >= days_left)
        .min()
}

/// Whether a reminder is due: a step has been reached that was not yet notified.
pub(crate) fn reminder_due(assessment: &Assessment, last_notified_step: Option<u32>) -> bool {
    match (assessment.reminder_step, last_notified_step) {
        (Some(step), Some(last)) => step < last,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// Until when "後で" hides the reminder: the start (JST) of the next reminder step's day, or
/// of tomorrow when no step is left; never past expiry, always after `now`.
pub fn snooze_until(not_after: i64, now: i64, schedule: &Schedule) -> i64 {
    let today = jst_day(now);
    let expiry_day = jst_day(not_after);
    let days_left = expiry_day - today;
    let next_step_day = schedule
        .reminder_days
        .iter()
        .map(|step| i64::from(*step))
        .filter(|step| *step < days_left)
        .max()
        .map(|step| expiry_day - step)
        .unwrap_or(today + 1);
    jst_day_start(next_step_day).min(not_after).max(now + 1)
}

/// The other ORCA clients, whose warning rules the popup shows for comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ClientProfile {
    /// WebORCA in Chrome: ≤ 90 days left.
    WebOrca,
    /// レセ電ビューア ≥ 2.2.13: 3 calendar months left.
    ReceiptViewer,
    /// monsiaj: now + 2 calendar months after notAfter.
    Monsiaj,
    /// glclient2: fewer than 60 × 24 hours left.
    Glclient,
}

impl ClientProfile {
    /// Every profile, in the order the popup lists them.
    pub const ALL: [Self; 4] = [
        Self::WebOrca,
        Self::ReceiptViewer,
        Self::Monsiaj,
        Self::Glclient,
    ];

    /// Whether this client would be warning on `now` about a certificate ending at `not_after`.
    pub fn warns(self, not_after: i64, now: i64) -> bool {
        match self {
            Self::WebOrca => jst_day(not_after) - jst_day(now) <= 90,
            Self::ReceiptViewer => add_months_jst(now, 3).is_none_or(|later| later >= not_after),
            Self::Monsiaj => add_months_jst(now, 2).is_none_or(|later| later > not_after),
            Self::Glclient => not_after - now < 60 * DAY_MS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::jst::tests::jst;

    fn assess_at(not_after: i64, now: i64) -> Assessment {
        assess(not_after, true, now, &Schedule::default())
    }

    // A certificate that ends on 2027-06-30 at 23:59:59 JST, like a 3-year ORCA one.
    fn not_after() -> i64 {
        jst(2027, 6, 30, 23, 59, 59)
    }

    #[test]
    fn the_window_opens_at_90_days() {
        let day = |days_before: i64| not_after() - days_before * DAY_MS;
        let a91 = assess_at(not_after(), day(91));
        assert_eq!(
            (a91.status, a91.days_left, a91.severity),
            (Status::Valid, 91, Severity::None)
        );
        assert_eq!(a91.next_action, NextAction::None);
        let a90 = assess_at(not_after(), day(90));
        assert_eq!((a90.status, a90.days_left), (Status::RenewalWindow, 90));
        assert_eq!(
            (a90.severity, a90.next_action),
            (Severity::Warning, NextAction::RenewNow)
        );
        let a89 = assess_at(not_after(), day(89));
        assert_eq!((a89.status, a89.days_left), (Status::RenewalWindow, 89));
    }

    #[test]
    fn urgent_from_14_days() {
        let day = |days_before: i64| not_after() - days_before * DAY_MS;
        assert_eq!(
            assess_at(not_after(), day(15)).status,
            Status::RenewalWindow
        );
        let a14 = assess_at(not_after(), day(14));
        assert_eq!(
            (a14.status, a14.severity),
            (Status::Urgent, Severity::Critical)
        );
    }

    #[test]
    fn expiry_is_after_not_after_inclusive() {
        let last_second = assess_at(not_after(), not_after() - 1000);
        assert_eq!(
            (last_second.status, last_second.days_left),
            (Status::Urgent, 0)
        );
        let at = assess_at(not_after(), not_after());
        assert_eq!(
            at.status,
            Status::Urgent,
            "notAfter itself is still valid (RFC 5280)"
        );
        let after = assess_at(not_after(), not_after() + 1);
        assert_eq!(after.status, Status::Expired);
        assert_eq!(after.next_action, NextAction::ReissueByAdministrator);
        assert_eq!(after.reminder_step, None);
        let next_day = assess_at(not_after(), not_after() + 1000);
        assert_eq!(next_day.days_left, -1);
    }

    #[test]
    fn days_are_counted_in_japan() {
        // 2027-06-29 23:59 UTC is already the 30th in Japan: the expiry day, 0 days left.
        let utc_evening = jst(2027, 6, 30, 8, 59, 0);
        assert_eq!(assess_at(not_after(), utc_evening).days_left, 0);
        let a_minute_before = jst(2027, 6, 29, 23, 59, 0);
        assert_eq!(assess_at(not_after(), a_minute_before).days_left, 1);
    }

    #[test]
    fn leap_years_count_february_29() {
        // 2028 is a leap year: from 2028-02-28 to 2028-03-01 is 2 days.
        let end = jst(2028, 3, 1, 12, 0, 0);
        assert_eq!(assess_at(end, jst(2028, 2, 28, 12, 0, 0)).days_left, 2);
        assert_eq!(
            assess_at(jst(2027, 3, 1, 12, 0, 0), jst(2027, 2, 28, 12, 0, 0)).days_left,
            1
        );
        // 90 days before 2028-05-29 is 2028-02-29.
        let end = jst(2028, 5, 29, 10, 0, 0);
        assert_eq!(
            assess_at(end, jst(2028, 2, 29, 9, 0, 0)).status,
            Status::RenewalWindow
        );
        assert_eq!(
            assess_at(end, jst(2028, 2, 28, 23, 0, 0)).status,
            Status::Valid
        );
    }

    #[test]
    fn other_common_names_are_not_renewable_but_still_warned_about() {
        let schedule = Schedule::default();
        let far = assess(not_after(), false, not_after() - 200 * DAY_MS, &schedule);
        assert_eq!(
            (far.status, far.severity, far.next_action),
            (Status::NotRenewable, Severity::None, NextAction::None)
        );
        let near = assess(not_after(), false, not_after() - 30 * DAY_MS, &schedule);
        assert_eq!(
            (near.severity, near.next_action),
            (Severity::Warning, NextAction::RenewOnManagementSite)
        );
        let gone = assess(not_after(), false, not_after() + DAY_MS, &schedule);
        assert_eq!(gone.status, Status::Expired);
    }

    #[test]
    fn warn_days_follow_the_schedule() {
        let schedule = Schedule {
            warn_days: 150,
            ..Schedule::default()
        };
        let a = assess(not_after(), true, not_after() - 120 * DAY_MS, &schedule);
        assert_eq!(a.status, Status::RenewalWindow);
    }

    #[test]
    fn reminders_fire_once_per_step() {
        let at = |days: i64| assess_at(not_after(), not_after() - days * DAY_MS);
        assert_eq!(at(120).reminder_step, None);
        assert_eq!(at(90).reminder_step, Some(90));
        assert_eq!(at(75).reminder_step, Some(90));
        assert_eq!(at(60).reminder_step, Some(60));
        assert_eq!(at(0).reminder_step, Some(1));
        assert!(!reminder_due(&at(120), None));
        assert!(reminder_due(&at(80), None));
        assert!(!reminder_due(&at(70), Some(90)));
        assert!(reminder_due(&at(59), Some(90)));
        assert!(!reminder_due(&at(59), Some(60)));
    }

    #[test]
    fn later_lasts_until_the_next_step_and_never_past_expiry() {
        let schedule = Schedule::default();
        let expiry_day = jst_day(not_after());
        // 80 days left: back on the day 60 days before expiry, at 00:00 JST.
        let now = not_after() - 80 * DAY_MS;
        assert_eq!(
            snooze_until(not_after(), now, &schedule),
            jst_day_start(expiry_day - 60)
        );
        // On a step's own day: until the following step.
        let now = jst_day_start(expiry_day - 60) + 3_600_000;
        assert_eq!(
            snooze_until(not_after(), now, &schedule),
            jst_day_start(expiry_day - 30)
        );
        // One day left: no step remains, so tomorrow — the expiry day itself.
        let now = jst_day_start(expiry_day - 1) + 3_600_000;
        assert_eq!(
            snooze_until(not_after(), now, &schedule),
            jst_day_start(expiry_day)
        );
        // On the last day: never past expiry.
        let now = jst_day_start(expiry_day) + 3_600_000;
        assert_eq!(snooze_until(not_after(), now, &schedule), not_after());
    }

    #[test]
    fn other_clients_warn_by_their_own_rules() {
        let end = jst(2027, 6, 30, 12, 0, 0);
        let warns = |profile: ClientProfile, now: i64| profile.warns(end, now);
        // レセ電ビューア: 3 calendar months.
        assert!(!warns(
            ClientProfile::ReceiptViewer,
            jst(2027, 3, 30, 11, 0, 0)
        ));
        assert!(warns(
            ClientProfile::ReceiptViewer,
            jst(2027, 3, 30, 12, 0, 0)
        ));
        // monsiaj: now + 2 months strictly after notAfter.
        assert!(!warns(ClientProfile::Monsiaj, jst(2027, 4, 30, 12, 0, 0)));
        assert!(warns(ClientProfile::Monsiaj, jst(2027, 4, 30, 12, 0, 1)));
        // glclient2: under 60 × 24 hours.
        assert!(!warns(ClientProfile::Glclient, end - 60 * DAY_MS));
        assert!(warns(ClientProfile::Glclient, end - 60 * DAY_MS + 1));
        // WebORCA: 90 JST days.
        assert!(warns(ClientProfile::WebOrca, end - 90 * DAY_MS));
        assert!(!warns(ClientProfile::WebOrca, end - 91 * DAY_MS));
    }
}
