//! The "upcoming runs" of a user's page (`waiting` in auth.md §7.10).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Utc};
use serde_json::{Value, json};

use super::group::Group;
use super::image::{ImageUrls, folder};
use super::number::js_number_text;
use crate::time::{kst, weekday_short};

/// Midnight KST of `now`'s KST date, as a UTC instant: the lower bound of
/// the upcoming-runs query.
pub fn today_start(now: DateTime<Utc>) -> DateTime<Utc> {
    let local = now.with_timezone(&kst());
    let midnight = local.date_naive().and_time(NaiveTime::MIN);
    // A fixed offset has exactly one local midnight.
    midnight
        .and_local_timezone(kst())
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now)
}

/// One `waiting` item, or `None` when the run is over for this list
/// (dated before today, or today with `standbyTime` ≤ now, both KST).
pub fn waiting_item(
    group: &Group,
    now: DateTime<FixedOffset>,
    images: &ImageUrls,
) -> Option<Value> {
    let date = NaiveDate::parse_from_str(&group.date, "%Y-%m-%d").ok()?;
    let standby = NaiveTime::parse_from_str(&group.standby_time, "%H:%M:%S").ok()?;
    let today = now.date_naive();
    let d_day = (date - today).num_days();
    if d_day < 0 || (d_day == 0 && standby <= now.time()) {
        return None;
    }
    let location = group
        .location
        .split(' ')
        .filter(|w| !w.is_empty())
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let thumbnail = match group.thumbnails.first() {
        Some(key) => Some(images.list(folder::GROUP, key, group.images_resized)),
        None => ImageUrls::theme_default(&images.cdn_base, &group.thema),
    };
    Some(json!({
        "dDay": d_day,
        "date": format!(
            "{} ({}) {}",
            date.format("%Y.%m.%d"),
            weekday_short(date),
            standby.format("%H:%M")
        ),
        "title": group.title,
        "location": location,
        "distance": format!("{}km", js_number_text(group.distance)),
        "thema": group.thema,
        "groupId": group.group_id,
        "thumbnailUrl": thumbnail,
        "standbyTime": group.standby_time,
        "appliedPeople": group.apply_count,
    }))
}

/// Every upcoming run, formatted and ordered by `dDay`, then date and time.
pub fn waiting(groups: &[Group], now: DateTime<FixedOffset>, images: &ImageUrls) -> Vec<Value> {
    let mut upcoming: Vec<(&Group, Value)> = groups
        .iter()
        .filter_map(|g| waiting_item(g, now, images).map(|item| (g, item)))
        .collect();
    upcoming.sort_by(|(a, _), (b, _)| {
        (a.date.as_str(), a.standby_time.as_str()).cmp(&(b.date.as_str(), b.standby_time.as_str()))
    });
    upcoming.into_iter().map(|(_, item)| item).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(date: &str, time: &str) -> Group {
        Group {
            group_id: format!("g-{date}-{time}"),
            user_id: "host".into(),
            title: "한강 아침 러닝".into(),
            max_people: 5,
            date: date.into(),
            standby_time: time.into(),
            finish_time: None,
            starts_at: String::new(),
            distance: 5.0,
            speed: "6:00".into(),
            location: "서울 마포구 망원동".into(),
            parking: None,
            baggage: None,
            region: 1,
            timecode: 2,
            thema: "강변".into(),
            chatting_room: String::new(),
            thumbnails: vec![],
            images_resized: false,
            apply_count: 3,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    fn images() -> ImageUrls {
        ImageUrls {
            cdn_base: "https://cdn.example".into(),
            default_base: "https://s3.example".into(),
        }
    }

    fn now(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).expect("instant")
    }

    #[test]
    fn an_item_has_the_contract_formats() {
        let item = waiting_item(
            &group("2022-06-12", "07:00:00"),
            now("2022-06-10T23:00:00+09:00"),
            &images(),
        )
        .expect("upcoming");
        assert_eq!(item["dDay"], 2);
        assert_eq!(item["date"], "2022.06.12 (일) 07:00");
        assert_eq!(item["location"], "서울 마포구");
        assert_eq!(item["distance"], "5km");
        assert_eq!(item["appliedPeople"], 3);
        assert_eq!(item["standbyTime"], "07:00:00");
        assert!(
            item["thumbnailUrl"]
                .as_str()
                .expect("default")
                .starts_with("https://cdn.example/groupthumbnail/")
        );
    }

    #[test]
    fn runs_that_started_today_or_earlier_are_left_out_but_later_ones_stay() {
        let at = now("2022-06-12T08:00:00+09:00");
        assert!(waiting_item(&group("2022-06-12", "07:00:00"), at, &images()).is_none());
        assert!(waiting_item(&group("2022-06-12", "08:00:00"), at, &images()).is_none());
        assert!(waiting_item(&group("2022-06-11", "09:00:00"), at, &images()).is_none());
        let later = waiting_item(&group("2022-06-12", "08:00:01"), at, &images()).expect("later");
        assert_eq!(later["dDay"], 0);
        let list = waiting(
            &[
                group("2022-06-13", "06:00:00"),
                group("2022-06-12", "07:00:00"),
                group("2022-06-12", "09:00:00"),
            ],
            at,
            &images(),
        );
        let dates: Vec<_> = list.iter().map(|i| i["date"].clone()).collect();
        assert_eq!(
            dates,
            ["2022.06.12 (일) 09:00", "2022.06.13 (월) 06:00"].map(Value::from)
        );
    }

    #[test]
    fn one_word_locations_and_fractional_distances_and_thumbnails() {
        let mut g = group("2022-06-13", "06:00:00");
        g.location = "서울".into();
        g.distance = 5.5;
        g.thumbnails = vec!["5121654000000000.jpg".into()];
        g.images_resized = true;
        let item = waiting_item(&g, now("2022-06-12T08:00:00+09:00"), &images()).expect("item");
        assert_eq!(item["location"], "서울");
        assert_eq!(item["distance"], "5.5km");
        assert_eq!(
            item["thumbnailUrl"],
            "https://cdn.example/w_384/5121654000000000.jpg"
        );
        g.thema = "우주".into();
        g.thumbnails.clear();
        let item = waiting_item(&g, now("2022-06-12T08:00:00+09:00"), &images()).expect("item");
        assert_eq!(item["thumbnailUrl"], Value::Null);
    }

    #[test]
    fn today_starts_at_midnight_kst() {
        let now = "2022-06-12T16:30:00Z".parse::<DateTime<Utc>>().expect("t");
        assert_eq!(
            today_start(now).to_rfc3339(),
            "2022-06-12T15:00:00+00:00",
            "01:30 KST on the 13th: the day began at 15:00 UTC on the 12th"
        );
    }
}
