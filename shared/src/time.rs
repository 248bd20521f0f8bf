//! The one clock every handler uses, and the KST conversions.
//!
//! Instants are stored as UTC; KST (+09:00, no DST) appears only when reading
//! requests and writing responses. The clock carries an offset so that
//! end-to-end tests can move "now" (the dev gateway's test-only
//! `PUT /__dev/clock`); nothing in a deployed function can change it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, FixedOffset, Utc};

/// Korea Standard Time, UTC+9 all year.
pub fn kst() -> FixedOffset {
    // 9 h is always a valid offset; `east_opt` only fails beyond ±24 h.
    FixedOffset::east_opt(9 * 3600).unwrap_or_else(|| unreachable!("UTC+9 is a valid offset"))
}

/// A wall clock with a settable offset (seconds), shared by clones.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_seconds: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::seconds(self.offset_seconds.load(Ordering::Relaxed))
    }

    pub fn now_kst(&self) -> DateTime<FixedOffset> {
        self.now().with_timezone(&kst())
    }

    pub fn set_offset_seconds(&self, seconds: i64) {
        self.offset_seconds.store(seconds, Ordering::Relaxed);
    }

    pub fn offset_seconds(&self) -> i64 {
        self.offset_seconds.load(Ordering::Relaxed)
    }
}

/// Parses a stored UTC instant (RFC 3339).
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A stored instant as it sorts in keys: UTC RFC 3339 with millisecond precision and `Z`.
pub fn instant_key(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// One-letter Korean weekday (`일` … `토`).
pub fn weekday_short(date: chrono::NaiveDate) -> &'static str {
    use chrono::Datelike;
    ["월", "화", "수", "목", "금", "토", "일"][date.weekday().num_days_from_monday() as usize]
}

/// The relative time of comments, replies and alarms (cross-cutting.md §9),
/// computed from real instants; calendar parts in KST.
pub fn relative_time(created: DateTime<Utc>, now: DateTime<Utc>) -> String {
    use chrono::Datelike;
    let minutes = (now - created).num_seconds().div_euclid(60);
    let hours = minutes.div_euclid(60);
    let days = minutes.div_euclid(1440);
    if minutes < 1 {
        return "방금 전".to_owned();
    }
    if minutes < 60 {
        return format!("{minutes}분 전");
    }
    if hours < 24 {
        return format!("{hours}시간 전");
    }
    if days < 7 {
        return format!("{days}일 전");
    }
    let local = created.with_timezone(&kst());
    if days < 365 {
        format!("{}월 {}일", local.month(), local.day())
    } else {
        format!("{}년 {}월 {}일", local.year(), local.month(), local.day())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        parse_instant(text).expect("instant")
    }

    #[test]
    fn relative_times_follow_the_contract_table() {
        let now = at("2026-11-25T12:00:00Z");
        let cases = [
            ("2026-11-25T11:59:30Z", "방금 전"),
            ("2026-11-25T12:00:30Z", "방금 전"),
            ("2026-11-25T11:55:00Z", "5분 전"),
            ("2026-11-25T09:00:00Z", "3시간 전"),
            ("2026-11-23T11:00:00Z", "2일 전"),
            ("2026-06-03T00:00:00Z", "6월 3일"),
            ("2025-12-25T00:00:00Z", "12월 25일"),
            ("2024-12-25T00:00:00Z", "2024년 12월 25일"),
        ];
        for (created, expected) in cases {
            assert_eq!(relative_time(at(created), now), expected, "{created}");
        }
    }

    #[test]
    fn calendar_parts_are_kst_dates() {
        // 2026-06-02 20:00 UTC is already June 3rd in Seoul.
        assert_eq!(
            relative_time(at("2026-06-02T20:00:00Z"), at("2026-11-25T00:00:00Z")),
            "6월 3일"
        );
    }

    #[test]
    fn weekdays_are_one_korean_letter() {
        let date = chrono::NaiveDate::from_ymd_opt(2022, 6, 18).expect("date");
        assert_eq!(weekday_short(date), "토");
    }

    #[test]
    fn instant_keys_sort_as_time() {
        let a = instant_key(at("2026-01-02T03:04:05Z"));
        assert_eq!(a, "2026-01-02T03:04:05.000Z");
        assert!(instant_key(at("2026-01-02T03:04:05.5Z")) > a);
    }

    #[test]
    fn a_shifted_clock_moves_now_by_the_offset_and_reset_brings_it_back() {
        let clock = Clock::default();
        let before = clock.now();
        clock.set_offset_seconds(3600);
        let shifted = clock.now();
        assert!((shifted - before).num_seconds() >= 3599);
        clock.set_offset_seconds(0);
        assert!((clock.now() - before).num_seconds() < 5);
    }

    #[test]
    fn clones_share_the_offset() {
        let clock = Clock::default();
        let other = clock.clone();
        clock.set_offset_seconds(-60);
        assert_eq!(other.offset_seconds(), -60);
    }

    #[test]
    fn kst_is_nine_hours_ahead_of_utc() {
        let clock = Clock::default();
        let utc = clock.now();
        let kst = utc.with_timezone(&kst());
        assert_eq!(kst.offset().local_minus_utc(), 9 * 3600);
        assert_eq!(
            kst.naive_local() - utc.naive_utc(),
            chrono::Duration::hours(9)
        );
    }
}
