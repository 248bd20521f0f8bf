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

#[cfg(test)]
mod tests {
    use super::*;

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
