//! Time as clinics count it: calendar days and months in Japan (Asia/Tokyo, UTC+9, no
//! daylight saving). Every rule about "days left" and every date in a file name uses these.

use core::time::Duration;

use der::DateTime;

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;
/// Japan Standard Time is UTC+9 all year.
const JST_OFFSET_MS: i64 = 9 * 3_600_000;

/// The JST calendar day (days since 1970-01-01 in Japan) that instant `millis` falls on.
pub(crate) fn jst_day(millis: i64) -> i64 {
    (millis + JST_OFFSET_MS).div_euclid(DAY_MS)
}

/// Calendar days in Japan from `now` to `not_after`'s day (0 on the last day, negative once
/// past), the count every "days left" here uses.
pub fn days_left(not_after: i64, now: i64) -> i64 {
    jst_day(not_after) - jst_day(now)
}

/// The instant JST day `day` begins (00:00 in Japan).
pub(crate) fn jst_day_start(day: i64) -> i64 {
    day * DAY_MS - JST_OFFSET_MS
}

/// `yyyymmdd` of the JST day of `millis` (what a file saved then is dated).
pub(crate) fn jst_date_digits(millis: i64) -> String {
    u64::try_from(jst_day_start(jst_day(millis)) + JST_OFFSET_MS)
        .ok()
        .and_then(|ms| DateTime::from_unix_duration(Duration::from_millis(ms)).ok())
        .map(|d| format!("{:04}{:02}{:02}", d.year(), d.month(), d.day()))
        .unwrap_or_else(|| "00000000".to_owned())
}

/// `yyyy-mm-dd hh:mm JST` of `millis` (the diagnostics' dates, read the same on any PC).
pub(crate) fn jst_date_time(millis: i64) -> String {
    u64::try_from(millis + JST_OFFSET_MS)
        .ok()
        .and_then(|ms| DateTime::from_unix_duration(Duration::from_millis(ms)).ok())
        .map(|d| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02} JST",
                d.year(),
                d.month(),
                d.day(),
                d.hour(),
                d.minutes()
            )
        })
        .unwrap_or_else(|| format!("{millis} ms"))
}

/// `millis` moved `months` calendar months later in Japan, the day clamped to the month's
/// end (Jan 31 + 1 month = Feb 28/29), as Java's `Calendar.add(MONTH, n)` does for monsiaj.
/// `None` outside the years X.509 dates cover (1970–9999).
pub(crate) fn add_months_jst(millis: i64, months: u32) -> Option<i64> {
    let local = u64::try_from(millis + JST_OFFSET_MS).ok()?;
    let date = DateTime::from_unix_duration(Duration::from_millis(local)).ok()?;
    let month_index = u32::from(date.month()) - 1 + months;
    let year = u16::try_from(u32::from(date.year()) + month_index / 12).ok()?;
    let month = u8::try_from(month_index % 12 + 1).ok()?;
    let moved = (1..=date.day()).rev().find_map(|day| {
        DateTime::new(
            year,
            month,
            day,
            date.hour(),
            date.minutes(),
            date.seconds(),
        )
        .ok()
    })?;
    let sub_second = i64::try_from(local % 1000).ok()?;
    let moved_ms = i64::try_from(moved.unix_duration().as_millis()).ok()?;
    Some(moved_ms + sub_second - JST_OFFSET_MS)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An instant from a JST wall-clock time.
    pub(crate) fn jst(year: u16, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> i64 {
        let utc = DateTime::new(year, month, day, hour, minute, second).expect("valid date");
        i64::try_from(utc.unix_duration().as_millis()).expect("fits") - JST_OFFSET_MS
    }

    #[test]
    fn a_day_runs_from_midnight_to_midnight_in_japan() {
        assert_eq!(
            jst_day(jst(2027, 6, 30, 0, 0, 0)),
            jst_day(jst(2027, 6, 30, 23, 59, 59))
        );
        assert_eq!(
            jst_day(jst(2027, 6, 30, 0, 0, 0)) - 1,
            jst_day(jst(2027, 6, 29, 23, 59, 59))
        );
        assert_eq!(
            jst_day_start(jst_day(jst(2027, 6, 30, 23, 59, 59))),
            jst(2027, 6, 30, 0, 0, 0)
        );
        assert_eq!(jst_date_digits(jst(2027, 6, 30, 0, 0, 0)), "20270630");
    }

    #[test]
    fn months_are_clamped_to_the_month_end() {
        let cases = [
            (jst(2027, 11, 30, 9, 0, 0), 3, jst(2028, 2, 29, 9, 0, 0)),
            (jst(2027, 12, 31, 9, 0, 0), 2, jst(2028, 2, 29, 9, 0, 0)),
            (jst(2026, 12, 31, 9, 0, 0), 2, jst(2027, 2, 28, 9, 0, 0)),
            (jst(2027, 1, 15, 9, 0, 0), 12, jst(2028, 1, 15, 9, 0, 0)),
        ];
        for (from, months, to) in cases {
            assert_eq!(
                add_months_jst(from, months),
                Some(to),
                "{from} + {months} months"
            );
        }
    }
}
