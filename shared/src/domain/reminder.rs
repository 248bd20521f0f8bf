//! Scheduled run reminders (contract scheduler.md, scheduler-jobs.md):
//! when each of the three is due, which text a recipient gets, SMS or LMS.
//! Pure rules; the dispatcher is `services::reminders`, the design
//! `docs/reminders.md`.

use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use super::alarm::category;
use super::group::{Group, start_instant};

/// The three reminders of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Kind {
    #[serde(rename = "Dday")]
    Dday,
    #[serde(rename = "start")]
    Start,
    #[serde(rename = "end")]
    End,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Dday, Kind::Start, Kind::End];

    /// The alarm category (exact spelling: the frontend compares with `===`).
    pub fn category(self) -> &'static str {
        match self {
            Kind::Dday => category::DDAY,
            Kind::Start => category::START,
            Kind::End => category::END,
        }
    }

    pub fn from_category(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.category() == text)
    }
}

/// D-day reminders go out at 08:00 KST on the run's date ...
pub const DDAY_AT_KST: NaiveTime = match NaiveTime::from_hms_opt(8, 0, 0) {
    Some(t) => t,
    None => unreachable!(),
};
/// ... but only for runs starting at 09:00 KST or later: an earlier run's
/// start reminder (30 minutes before) comes first or at the same time.
pub const DDAY_LATEST_EARLY_START: NaiveTime = match NaiveTime::from_hms_opt(9, 0, 0) {
    Some(t) => t,
    None => unreachable!(),
};
/// The start reminder: this long before the standby time.
pub const START_LEAD_MINUTES: i64 = 30;
/// The end reminder of a run without a usable finish time: standby + 60 min.
pub const DEFAULT_LENGTH_MINUTES: i64 = 60;
/// An end reminder is still worth sending this long after its time (a
/// review request); later it is dropped.
pub const END_GRACE_HOURS: i64 = 24;

fn standby(group: &Group) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(&group.standby_time, "%H:%M:%S").ok()
}

/// When `kind` is due for `group` (UTC), or `None` when the run gets no such
/// reminder (a D-day for a run starting before 09:00 KST, or an unreadable
/// date/time).
///
/// The end reminder is at the run's finish time on its date when that is
/// later than the standby time; otherwise (no finish time, or a finish time
/// at or before the standby time — the frontend always sends `23:00`, so a
/// 23:30 run has one) it is standby + 60 minutes.
pub fn due_at(group: &Group, kind: Kind) -> Option<DateTime<Utc>> {
    let date = group.kst_date()?;
    let standby = standby(group)?;
    let start = start_instant(date, standby);
    match kind {
        Kind::Dday => {
            (standby >= DDAY_LATEST_EARLY_START).then(|| start_instant(date, DDAY_AT_KST))
        }
        Kind::Start => Some(start - chrono::Duration::minutes(START_LEAD_MINUTES)),
        Kind::End => {
            let finish = group
                .finish_time
                .as_deref()
                .and_then(|f| NaiveTime::parse_from_str(f, "%H:%M:%S").ok())
                .filter(|f| *f > standby);
            Some(match finish {
                Some(finish) => start_instant(date, finish),
                None => start + chrono::Duration::minutes(DEFAULT_LENGTH_MINUTES),
            })
        }
    }
}

/// The reminders to schedule when a run is written at `now`: every kind
/// that is due strictly later. A reminder whose time has already passed
/// when the run is created or moved is **skipped**, never sent late
/// (docs/reminders.md, "Past-due reminders").
pub fn upcoming(group: &Group, now: DateTime<Utc>) -> Vec<(Kind, DateTime<Utc>)> {
    Kind::ALL
        .into_iter()
        .filter_map(|kind| due_at(group, kind).map(|due| (kind, due)))
        .filter(|(_, due)| *due > now)
        .collect()
}

/// After this instant a reminder is no longer sent (a delivery that late
/// would be wrong or useless): D-day and start reminders once the run has
/// started, end reminders a day after their time.
pub fn stale_after(group: &Group, kind: Kind, due: DateTime<Utc>) -> DateTime<Utc> {
    match kind {
        Kind::Dday | Kind::Start => group.start(),
        Kind::End => due + chrono::Duration::hours(END_GRACE_HOURS),
    }
}

/// `host` for the run's host, `attendance` for everyone else.
pub fn role(group: &Group, user_id: &str) -> &'static str {
    if group.user_id == user_id {
        "host"
    } else {
        "attendance"
    }
}

/// The SMS/LMS text, byte-exact (scheduler.md §3). `\n` is a single LF with
/// one space on each side.
pub fn text(kind: Kind, host: bool, nickname: &str, title: &str, group_id: &str) -> String {
    match (kind, host) {
        (Kind::Dday, _) => format!("{nickname}님 오늘은[{title}]러닝이 있습니다"),
        (Kind::Start, true) => format!(
            "{nickname}님 30분 뒤 [{title}]러닝이 시작합니다. 출석체크를 해주세요. \n 링크: https://www.erunjrun.com/check/{group_id}"
        ),
        (Kind::Start, false) => format!("{nickname}님 30분 뒤 [{title}]러닝이 시작합니다."),
        (Kind::End, true) => {
            format!("{nickname}님 [{title}] 러닝은 어떠셨나요? 당신은 멋진 크루장입니다!")
        }
        (Kind::End, false) => format!(
            "{nickname}님 [{title}]러닝은 어떠셨나요? 크루장평가를 해주세요. \n 링크: https://www.erunjrun.com/evaluation/{group_id}"
        ),
    }
}

/// SENS message type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageType {
    #[serde(rename = "SMS")]
    Sms,
    #[serde(rename = "LMS")]
    Lms,
}

/// Estimated bytes at which a text becomes an LMS.
pub const LMS_FROM_BYTES: usize = 80;

impl MessageType {
    /// The original's estimate: UTF-16 code units, those above 127 count 2
    /// (so an emoji counts 4); 80 or more is an LMS.
    pub fn for_content(content: &str) -> Self {
        let bytes: usize = content
            .encode_utf16()
            .map(|unit| if unit > 127 { 2 } else { 1 })
            .sum();
        if bytes >= LMS_FROM_BYTES {
            MessageType::Lms
        } else {
            MessageType::Sms
        }
    }

    /// The wire value of SENS's `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageType::Sms => "SMS",
            MessageType::Lms => "LMS",
        }
    }

    /// The alarm's `sendPhone` once sent: 1 SMS, 2 LMS.
    pub fn send_phone(self) -> u8 {
        match self {
            MessageType::Sms => 1,
            MessageType::Lms => 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(date: &str, standby: &str, finish: Option<&str>) -> Group {
        let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("date");
        let t = NaiveTime::parse_from_str(standby, "%H:%M:%S").expect("time");
        Group {
            group_id: "23e84dd6-cc90-47e6-8b26-374491976fe5".into(),
            user_id: "host".into(),
            title: "한강 아침 러닝".into(),
            max_people: 5,
            date: date.into(),
            standby_time: standby.into(),
            finish_time: finish.map(str::to_owned),
            starts_at: crate::time::instant_key(start_instant(d, t)),
            distance: 5.0,
            speed: "6:00".into(),
            location: "서울 마포구".into(),
            parking: None,
            baggage: None,
            region: 1,
            timecode: 1,
            thema: "강변".into(),
            chatting_room: String::new(),
            thumbnails: vec![],
            images_resized: false,
            apply_count: 1,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("instant")
            .with_timezone(&Utc)
    }

    #[test]
    fn the_three_reminders_fall_at_8_kst_30_minutes_before_and_at_the_finish() {
        let g = group("2026-06-13", "18:00:00", Some("20:30:00"));
        assert_eq!(
            due_at(&g, Kind::Dday),
            Some(utc("2026-06-13T08:00:00+09:00"))
        );
        assert_eq!(
            due_at(&g, Kind::Start),
            Some(utc("2026-06-13T17:30:00+09:00"))
        );
        assert_eq!(
            due_at(&g, Kind::End),
            Some(utc("2026-06-13T20:30:00+09:00"))
        );
    }

    #[test]
    fn a_run_before_9_kst_gets_no_dday_reminder_and_one_at_9_does() {
        assert_eq!(
            due_at(&group("2026-06-13", "08:59:00", None), Kind::Dday),
            None
        );
        assert_eq!(
            due_at(&group("2026-06-13", "09:00:00", None), Kind::Dday),
            Some(utc("2026-06-13T08:00:00+09:00"))
        );
    }

    #[test]
    fn without_a_later_finish_time_the_end_is_an_hour_after_the_standby_time() {
        let none = group("2026-06-13", "18:00:00", None);
        assert_eq!(
            due_at(&none, Kind::End),
            Some(utc("2026-06-13T19:00:00+09:00"))
        );
        let before = group("2026-06-13", "23:30:00", Some("23:00:00"));
        assert_eq!(
            due_at(&before, Kind::End),
            Some(utc("2026-06-14T00:30:00+09:00"))
        );
    }

    #[test]
    fn past_due_reminders_are_not_scheduled() {
        let g = group("2026-06-13", "18:00:00", None);
        let kinds = |now| {
            upcoming(&g, utc(now))
                .into_iter()
                .map(|(k, _)| k)
                .collect::<Vec<_>>()
        };
        assert_eq!(kinds("2026-06-12T12:00:00+09:00"), Kind::ALL);
        assert_eq!(kinds("2026-06-13T08:00:00+09:00"), [Kind::Start, Kind::End]);
        assert_eq!(kinds("2026-06-13T10:00:00+09:00"), [Kind::Start, Kind::End]);
    }

    #[test]
    fn reminders_go_stale_at_the_start_or_a_day_after_the_end() {
        let g = group("2026-06-13", "18:00:00", None);
        let start = utc("2026-06-13T18:00:00+09:00");
        assert_eq!(
            stale_after(&g, Kind::Dday, utc("2026-06-13T08:00:00+09:00")),
            start
        );
        assert_eq!(
            stale_after(&g, Kind::Start, utc("2026-06-13T17:30:00+09:00")),
            start
        );
        assert_eq!(
            stale_after(&g, Kind::End, utc("2026-06-13T19:00:00+09:00")),
            utc("2026-06-14T19:00:00+09:00")
        );
    }

    #[test]
    fn texts_are_byte_exact() {
        let id = "g-1";
        assert_eq!(
            text(Kind::Dday, false, "현준", "한강", id),
            "현준님 오늘은[한강]러닝이 있습니다"
        );
        assert_eq!(
            text(Kind::Start, true, "현준", "한강", id),
            "현준님 30분 뒤 [한강]러닝이 시작합니다. 출석체크를 해주세요. \n 링크: https://www.erunjrun.com/check/g-1"
        );
        assert_eq!(
            text(Kind::Start, false, "현준", "한강", id),
            "현준님 30분 뒤 [한강]러닝이 시작합니다."
        );
        assert_eq!(
            text(Kind::End, true, "현준", "한강", id),
            "현준님 [한강] 러닝은 어떠셨나요? 당신은 멋진 크루장입니다!"
        );
        assert_eq!(
            text(Kind::End, false, "현준", "한강", id),
            "현준님 [한강]러닝은 어떠셨나요? 크루장평가를 해주세요. \n 링크: https://www.erunjrun.com/evaluation/g-1"
        );
    }

    #[test]
    fn eighty_estimated_bytes_make_an_lms_and_seventy_nine_an_sms() {
        // Dday's fixed part is 26 bytes: nickname + title of 54 bytes tips it.
        let at = |title: &str| MessageType::for_content(&text(Kind::Dday, false, "가", title, "g"));
        assert_eq!(at(&"a".repeat(51)), MessageType::Sms, "26 + 2 + 51 = 79");
        assert_eq!(at(&"a".repeat(52)), MessageType::Lms, "26 + 2 + 52 = 80");
        assert_eq!(MessageType::for_content("😀"), MessageType::Sms);
        assert_eq!(
            MessageType::for_content(&"😀".repeat(20)),
            MessageType::Lms,
            "4 each"
        );
        let link = text(
            Kind::Start,
            true,
            "a",
            "b",
            "23e84dd6-cc90-47e6-8b26-374491976fe5",
        );
        assert_eq!(MessageType::for_content(&link), MessageType::Lms);
        assert_eq!(MessageType::Sms.send_phone(), 1);
        assert_eq!(MessageType::Lms.send_phone(), 2);
    }

    #[test]
    fn categories_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_category(kind.category()), Some(kind));
        }
        assert_eq!(Kind::Dday.category(), "Dday");
        assert_eq!(Kind::from_category("dday"), None);
    }
}
