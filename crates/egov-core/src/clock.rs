//! Time as the platform stores it: UTC, milliseconds since the Unix epoch.
//!
//! Both storage backends keep times as 64-bit integers, which sort and compare the same on SQLite and
//! PostgreSQL and never carry a time zone by mistake.

use std::time::{SystemTime, UNIX_EPOCH};

/// A UTC instant in milliseconds since 1970-01-01T00:00:00Z.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Millis(pub i64);

impl Millis {
    pub fn now() -> Self {
        let d = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Millis(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }

    pub fn plus_secs(self, secs: i64) -> Self {
        Millis(self.0.saturating_add(secs.saturating_mul(1000)))
    }

    /// Civil date (year, month, day) in UTC.
    pub fn date(self) -> (i32, u32, u32) {
        civil_from_days(self.0.div_euclid(86_400_000))
    }

    /// The instant at 00:00 UTC of a civil date; `None` for an impossible date.
    pub fn from_date(y: i32, m: u32, d: u32) -> Option<Self> {
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
            return None;
        }
        Some(Millis(days_from_civil(y, m, d) * 86_400_000))
    }

    /// RFC 3339 form, second precision, always `Z`.
    pub fn rfc3339(self) -> String {
        let (y, mo, d) = self.date();
        let secs = self.0.div_euclid(1000).rem_euclid(86_400);
        format!(
            "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            (secs / 60) % 60,
            secs % 60
        )
    }

    /// `YYYY-MM-DD HH:MM` at a fixed offset from UTC (in minutes), as people of that zone read a clock.
    pub fn local_minute(self, offset_minutes: i32) -> String {
        let t = self.plus_secs(i64::from(offset_minutes) * 60);
        let (y, mo, d) = t.date();
        let secs = t.0.div_euclid(1000).rem_euclid(86_400);
        format!(
            "{y:04}-{mo:02}-{d:02} {:02}:{:02}",
            secs / 3600,
            (secs / 60) % 60
        )
    }

    /// `YYYY-MM-DD`.
    pub fn ymd(self) -> String {
        let (y, m, d) = self.date();
        format!("{y:04}-{m:02}-{d:02}")
    }

    /// Parses `YYYY-MM-DD` as midnight UTC.
    pub fn parse_ymd(s: &str) -> Option<Self> {
        let mut it = s.splitn(3, '-');
        let y: i32 = it.next()?.parse().ok()?;
        let m: u32 = it.next()?.parse().ok()?;
        let d: u32 = it.next()?.parse().ok()?;
        if s.len() != 10 {
            return None;
        }
        Self::from_date(y, m, d)
    }
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

// Howard Hinnant's days-from-civil algorithm (public domain), proleptic Gregorian calendar.
fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(if m <= 2 { y - 1 } else { y });
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_dates() {
        assert_eq!(Millis(0).rfc3339(), "1970-01-01T00:00:00Z");
        let t = Millis::parse_ymd("2024-08-22").unwrap();
        assert_eq!(t.ymd(), "2024-08-22");
        assert_eq!(t.0, 1_724_284_800_000);
        assert!(Millis::parse_ymd("2023-02-29").is_none());
        assert!(Millis::parse_ymd("2024-02-29").is_some());
        assert!(Millis::parse_ymd("2024-13-01").is_none());
        assert!(Millis::parse_ymd("24-1-1").is_none());
    }

    proptest! {
        #[test]
        fn days_round_trip(days in -1_000_000i64..1_000_000) {
            let (y, m, d) = civil_from_days(days);
            prop_assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
