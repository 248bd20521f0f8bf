//! A shared running course (contract courses.md): the record, its derived
//! numbers (star average, rank point), the feed sorts and the ranking, and
//! the parsing of what the upload form and the rating widget send.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::format::to_fixed_1;

pub const MAX_IMAGES: usize = 3;

/// Every user-facing message of `/course/*` (contract courses.md), byte for
/// byte: the frontend shows them and matches on some.
pub mod msg {
    /// A logout message for the frontend (auth.md §4.4), as the original used it.
    pub const LIST_FAILED: &str = "코스 추천 게시물 불러오기 실패하였습니다";
    pub const DETAIL_FAILED: &str = "코스추천 게시글 불러오기를 실패하였습니다";
    pub const NOT_FOUND: &str = "해당 게시물이 존재하지 않습니다";
    pub const TITLE_MISSING: &str = "제목은 반드시 입력해주셔야 합니다";
    pub const TITLE_SHORT: &str = "제목은 최소 3글자 이상이어야 합니다";
    pub const DISTANCE: &str = "거리는 반드시 입력해주셔야 합니다";
    pub const LOCATION: &str = "러닝장소는 반드시 입력해주셔야 합니다";
    pub const MAP: &str = "코스에 대한 정보는 반드시 입력해주셔야 합니다";
    pub const CONTENT: &str = "코스에 대한 설명은 반드시 입력해주셔야 합니다";
    pub const TOTAL_TIME: &str = "총 소요시간에 대한 설명은 반드시 입력해주셔야 합니다";
    pub const NO_IMAGE: &str = "이미지는 최소 1개 이상 등록해주세요";
    pub const CREATE_FAILED: &str = "게시물 등록에 실패하였습니다";
    pub const CREATED: &str = "게시물 등록에 성공하였습니다";
    pub const NOT_AUTHOR_EDIT: &str = "게시물은 본인만 수정할 수 있습니다";
    pub const UPDATE_FAILED: &str = "코스추천 게시물 수정이 실패하였습니다";
    pub const UPDATED: &str = "게시물 수정에 성공했습니다";
    pub const NOT_AUTHOR_DELETE: &str = "게시물은 본인만 삭제할 수 있습니다";
    pub const DELETE_FAILED: &str = "게시물 삭제에 실패하였습니다";
    pub const DELETED: &str = "게시물 삭제에 성공하였습니다";
    pub const BOOKMARK_FAILED: &str = "북마크 입력에 실패했습니다";
    /// Sic ("에에"): the original's text.
    pub const STAR_READ_FAILED: &str = "평점 불러오기에에 실패했습니다";
    /// An invalid rating or a failed write.
    pub const STAR_FAILED: &str = "평점 입력에 실패했습니다";
}

/// The course `META` item. `content`, `mapLatLng` and `totalTime` default to
/// empty because list queries do not read them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Course {
    pub course_id: String,
    /// Author.
    pub user_id: String,
    pub title: String,
    #[serde(default)]
    pub content: String,
    pub location: String,
    /// The route as the JSON text the frontend sent (an array of `{lat,lng}`).
    #[serde(default)]
    pub map_lat_lng: String,
    pub distance: f64,
    /// Free text as received (`"0h 30min"`).
    #[serde(default)]
    pub total_time: String,
    /// Image keys in slot order (1..3).
    pub images: Vec<String>,
    /// Set by the resize function once `w_384/` and `w_758/` copies exist.
    #[serde(default)]
    pub images_resized: bool,
    #[serde(default)]
    pub parking: Option<String>,
    #[serde(default)]
    pub baggage: Option<String>,
    #[serde(default)]
    pub thema: String,
    pub region: u8,
    #[serde(default)]
    pub click_cnt: i64,
    #[serde(default)]
    pub bookmark_count: i64,
    #[serde(default)]
    pub star_sum: i64,
    #[serde(default)]
    pub star_count: i64,
    /// Comments (replies not counted).
    #[serde(default)]
    pub comment_count: i64,
    /// UTC RFC 3339 (milliseconds, `Z`).
    pub created_at: String,
    pub updated_at: String,
}

/// The star summary of a course: sum and number of its ratings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StarSummary {
    pub sum: i64,
    pub count: i64,
}

impl StarSummary {
    /// The average as an IEEE double, as the original computed it; `None`
    /// without ratings.
    pub fn average(self) -> Option<f64> {
        (self.count > 0).then(|| self.sum as f64 / self.count as f64)
    }

    /// `"x.y"`, or `"NaN"` without ratings (the starPoint endpoints).
    pub fn text(self) -> String {
        self.average().map_or_else(|| "NaN".to_owned(), to_fixed_1)
    }

    /// `"x.y"`, or the number `0` without ratings (`main`, `all`, ranking).
    pub fn text_or_zero(self) -> Value {
        self.average()
            .map_or_else(|| Value::from(0), |a| Value::from(to_fixed_1(a)))
    }

    /// `"x.y"`, or `"0.0"` without ratings (`mypage`, `bookmark`).
    pub fn text_or_zero_text(self) -> String {
        to_fixed_1(self.average().unwrap_or(0.0))
    }

    /// The one-decimal value in tenths (0 without ratings): `"4.3"` → 43.
    pub fn rounded_tenths(self) -> i64 {
        self.average()
            .map(to_fixed_1)
            .and_then(|t| t.replace('.', "").parse().ok())
            .unwrap_or(0)
    }

    /// An integer that orders like the average (0 without ratings):
    /// ⌊sum·10¹⁴ / count⌋. Distinct averages of up to 10⁶ ratings differ by
    /// more than 10⁻¹², so they never share a value; equal ones always do.
    pub fn order_value(self) -> i64 {
        if self.count <= 0 {
            return 0;
        }
        let scaled = i128::from(self.sum) * 100_000_000_000_000 / i128::from(self.count);
        i64::try_from(scaled.max(0)).unwrap_or(i64::MAX)
    }

    /// The one-decimal value as a number (0 without ratings), as the rank uses it.
    pub fn rounded(self) -> f64 {
        self.average()
            .and_then(|a| to_fixed_1(a).parse().ok())
            .unwrap_or(0.0)
    }
}

impl Course {
    pub fn stars(&self) -> StarSummary {
        StarSummary {
            sum: self.star_sum,
            count: self.star_count,
        }
    }

    /// `commentCnt + starPoint (one decimal, 0 if none) + clickCnt`, summed
    /// as numbers in that order (the original concatenated strings).
    pub fn rank_point(&self) -> f64 {
        self.comment_count as f64 + self.stars().rounded() + self.click_cnt as f64
    }

    /// The rank point in tenths, exactly (`rankPoint` = this / 10).
    pub fn rank_tenths(&self) -> i64 {
        10 * (self.comment_count + self.click_cnt) + self.stars().rounded_tenths()
    }

    fn newest_first(&self, other: &Self) -> Ordering {
        other
            .created_at
            .cmp(&self.created_at)
            .then_with(|| self.course_id.cmp(&other.course_id))
    }
}

/// The `sort` of `GET /course/all` (courses.md §1.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CourseSort {
    New,
    StarPoint,
    Comment,
    Bookmark,
}

impl CourseSort {
    /// Unknown or absent → `New`; `clickCnt` falls through to `Bookmark`
    /// as in the original (a missing `break`), kept.
    pub fn parse(raw: Option<&str>) -> Self {
        match raw {
            Some("starPoint") => Self::StarPoint,
            Some("comment") => Self::Comment,
            Some("bookmark" | "clickCnt") => Self::Bookmark,
            _ => Self::New,
        }
    }
}

/// Sorts the whole set (descending by the key; ties: newest, then id).
pub fn sort_courses(courses: &mut [Course], sort: CourseSort) {
    courses.sort_by(|a, b| {
        let by_key = match sort {
            CourseSort::New => Ordering::Equal,
            CourseSort::StarPoint => {
                let (x, y) = (
                    a.stars().average().unwrap_or(0.0),
                    b.stars().average().unwrap_or(0.0),
                );
                y.total_cmp(&x)
            }
            CourseSort::Comment => b.comment_count.cmp(&a.comment_count),
            CourseSort::Bookmark => b.bookmark_count.cmp(&a.bookmark_count),
        };
        by_key.then_with(|| a.newest_first(b))
    });
}

/// Base of the numeric ordering keys of the course indexes (GSI4/GSI5):
/// `ORDN = primary · 10²³ + tiebreak`, so a count change is one atomic
/// `ADD ORDN :delta·10²³` in the transaction that changes the count.
pub const ORDER_SCALE: i128 = 100_000_000_000_000_000_000_000;

/// The tiebreak part (< 10²³): newer first, then smaller id first (read
/// backwards): creation in epoch milliseconds · 10¹⁰ plus the complement of
/// the id's first 32 bits. Two courses created in the same millisecond with
/// ids sharing their first 32 bits (chance 2⁻³²) could swap places.
pub fn order_tiebreak(created_at: &str, course_id: &str) -> i128 {
    let millis = chrono::DateTime::parse_from_rfc3339(created_at)
        .map(|t| t.timestamp_millis().clamp(0, 9_999_999_999_999))
        .unwrap_or(0);
    let head = course_id
        .get(..8)
        .and_then(|h| u32::from_str_radix(h, 16).ok())
        .unwrap_or(0);
    i128::from(millis) * 10_000_000_000 + (9_999_999_999 - i128::from(head))
}

/// The full ordering key of a course in one ordering.
pub fn order_key(primary: i64, created_at: &str, course_id: &str) -> i128 {
    i128::from(primary.clamp(0, 999_999_999_999_999)) * ORDER_SCALE
        + order_tiebreak(created_at, course_id)
}

/// The counter orderings served by the course indexes, with each course's
/// primary value in them. `rank` is `rankPoint` in tenths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CourseOrder {
    Star,
    Comment,
    Bookmark,
    Rank,
}

impl CourseOrder {
    pub const SHADOWED: [Self; 3] = [Self::Star, Self::Comment, Self::Bookmark];

    pub fn name(self) -> &'static str {
        match self {
            Self::Star => "star",
            Self::Comment => "comment",
            Self::Bookmark => "bookmark",
            Self::Rank => "rank",
        }
    }

    pub fn primary(self, c: &Course) -> i64 {
        match self {
            Self::Star => c.stars().order_value(),
            Self::Comment => c.comment_count,
            Self::Bookmark => c.bookmark_count,
            Self::Rank => c.rank_tenths(),
        }
    }

    pub fn key(self, c: &Course) -> i128 {
        order_key(self.primary(c), &c.created_at, &c.course_id)
    }

    /// The ordering of a feed sort (`None`: newest first, by creation).
    pub fn of_sort(sort: CourseSort) -> Option<Self> {
        match sort {
            CourseSort::New => None,
            CourseSort::StarPoint => Some(Self::Star),
            CourseSort::Comment => Some(Self::Comment),
            CourseSort::Bookmark => Some(Self::Bookmark),
        }
    }
}

/// `region` of the feed query: `1`..`9` filter, anything else is all.
pub fn parse_region_filter(raw: Option<&str>) -> Option<u8> {
    raw.and_then(|r| r.trim().parse::<u8>().ok())
        .filter(|r| (1..=9).contains(r))
}

/// The top 3 by rank point (ties: newest first) among the courses of
/// `region` (all courses when `None`).
pub fn ranking(courses: &[Course], region: Option<u8>) -> Vec<&Course> {
    let mut pool: Vec<&Course> = courses
        .iter()
        .filter(|c| region.is_none_or(|r| c.region == r))
        .collect();
    pool.sort_by(|a, b| {
        b.rank_tenths()
            .cmp(&a.rank_tenths())
            .then_with(|| a.newest_first(b))
    });
    pool.truncate(3);
    pool
}

/// The text fields of `POST /course`, validated in the contract's order.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCourse {
    pub title: String,
    pub distance: f64,
    pub location: String,
    pub map_lat_lng: String,
    pub content: String,
    pub total_time: String,
    pub thema: String,
    pub parking: Option<String>,
    pub baggage: Option<String>,
}

impl NewCourse {
    /// `field(name)` gives a text part of the form.
    pub fn parse<'a>(field: impl Fn(&str) -> Option<&'a str>) -> Result<Self, &'static str> {
        let present = |name: &str| field(name).filter(|v| !v.is_empty());
        let title = present("title").ok_or(msg::TITLE_MISSING)?;
        if title.chars().count() < 3 {
            return Err(msg::TITLE_SHORT);
        }
        let distance = present("distance")
            .and_then(|d| d.trim().parse::<f64>().ok())
            .filter(|d| d.is_finite())
            .ok_or(msg::DISTANCE)?;
        let location = present("location").ok_or(msg::LOCATION)?;
        let map_lat_lng = present("mapLatLng")
            .filter(|m| matches!(serde_json::from_str::<Value>(m), Ok(Value::Array(_))))
            .ok_or(msg::MAP)?;
        let content = present("content").ok_or(msg::CONTENT)?;
        let total_time = present("totalTime").ok_or(msg::TOTAL_TIME)?;
        Ok(Self {
            title: title.to_owned(),
            distance,
            location: location.to_owned(),
            map_lat_lng: map_lat_lng.to_owned(),
            content: content.to_owned(),
            total_time: total_time.to_owned(),
            thema: field("thema").unwrap_or_default().to_owned(),
            parking: field("parking").map(str::to_owned),
            baggage: field("baggage").map(str::to_owned),
        })
    }

    /// The course this form shares, by `author`, with its uploaded `images`:
    /// every counter at zero, its copies not resized yet.
    pub fn into_course(
        self,
        course_id: String,
        author: &str,
        images: Vec<String>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Course {
        let created = crate::time::instant_key(now);
        Course {
            course_id,
            user_id: author.to_owned(),
            region: super::group::region_of(&self.location),
            title: self.title,
            content: self.content,
            location: self.location,
            map_lat_lng: self.map_lat_lng,
            distance: self.distance,
            total_time: self.total_time,
            images,
            images_resized: false,
            parking: self.parking,
            baggage: self.baggage,
            thema: self.thema,
            click_cnt: 0,
            bookmark_count: 0,
            star_sum: 0,
            star_count: 0,
            comment_count: 0,
            created_at: created.clone(),
            updated_at: created,
        }
    }
}

/// The optional text fields of `PATCH /course/{id}`: absent, `undefined` or
/// `null` leave a field unchanged.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CourseEdit {
    pub title: Option<String>,
    pub total_time: Option<String>,
    pub distance: Option<f64>,
    pub location: Option<String>,
    pub parking: Option<String>,
    pub baggage: Option<String>,
    pub content: Option<String>,
    pub thema: Option<String>,
}

impl CourseEdit {
    pub fn parse<'a>(field: impl Fn(&str) -> Option<&'a str>) -> Self {
        let given = |name: &str| {
            field(name)
                .filter(|v| *v != "undefined" && *v != "null")
                .map(str::to_owned)
        };
        Self {
            title: given("title"),
            total_time: given("totalTime"),
            distance: given("distance")
                .and_then(|d| d.trim().parse().ok())
                .filter(|d: &f64| d.is_finite()),
            location: given("location"),
            parking: given("parking"),
            baggage: given("baggage"),
            content: given("content"),
            thema: given("thema"),
        }
    }

    /// The course with the edit applied (region recomputed from a new location).
    pub fn apply(self, mut course: Course) -> Course {
        if let Some(location) = self.location {
            course.region = super::group::region_of(&location);
            course.location = location;
        }
        let set = |slot: &mut String, v: Option<String>| {
            if let Some(v) = v {
                *slot = v;
            }
        };
        set(&mut course.title, self.title);
        set(&mut course.total_time, self.total_time);
        set(&mut course.content, self.content);
        set(&mut course.thema, self.thema);
        if let Some(d) = self.distance {
            course.distance = d;
        }
        if self.parking.is_some() {
            course.parking = self.parking;
        }
        if self.baggage.is_some() {
            course.baggage = self.baggage;
        }
        course
    }
}

/// The kept keys of an edit (groups.md §2.9 rule 1): the last path segment
/// of each sent URL, only when it is one of the current keys, each once.
pub fn kept_images(current: &[String], sent_urls: &[&str]) -> Vec<String> {
    let mut kept: Vec<String> = Vec::new();
    for url in sent_urls {
        let without_query = url.split('?').next().unwrap_or_default();
        let Some(key) = super::image::key_from_url(without_query) else {
            continue;
        };
        if current.iter().any(|c| c == key) && !kept.iter().any(|k| k == key) {
            kept.push(key.to_owned());
        }
    }
    kept
}

/// A rating as the widget sends it: `null`/absent clears it; an integer
/// 1–5 (number or numeric string) sets it; anything else is refused.
pub fn parse_star(raw: Option<&Value>) -> Result<Option<i64>, &'static str> {
    let value = match raw {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(_) => None,
    };
    value
        .filter(|v| (1..=5).contains(v))
        .map(Some)
        .ok_or(msg::STAR_FAILED)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_shared_course_starts_with_zero_counters_its_region_and_copies_not_yet_resized() {
        let input = NewCourse {
            title: "한강 코스".into(),
            distance: 5.0,
            location: "서울 마포구 망원동".into(),
            map_lat_lng: "[]".into(),
            content: "내용".into(),
            total_time: "0h 30min".into(),
            thema: "강변".into(),
            parking: Some("있음".into()),
            baggage: None,
        };
        let now = crate::time::parse_instant("2026-12-05T10:00:00.000Z").expect("instant");
        let c = input.into_course("c-1".into(), "author", vec!["a.jpg".into()], now);
        assert_eq!(
            (c.course_id.as_str(), c.user_id.as_str()),
            ("c-1", "author")
        );
        assert_eq!(c.region, 1);
        assert_eq!(c.images, vec!["a.jpg".to_owned()]);
        assert!(!c.images_resized);
        assert_eq!(
            (
                c.click_cnt,
                c.bookmark_count,
                c.star_sum,
                c.star_count,
                c.comment_count
            ),
            (0, 0, 0, 0, 0)
        );
        assert_eq!(c.created_at, "2026-12-05T10:00:00.000Z");
        assert_eq!(c.updated_at, c.created_at);
        assert_eq!(c.parking.as_deref(), Some("있음"));
    }

    fn course(id: &str, created: &str) -> Course {
        Course {
            course_id: id.into(),
            user_id: "u".into(),
            title: "title".into(),
            content: String::new(),
            location: "서울 강남구".into(),
            map_lat_lng: "[]".into(),
            distance: 5.0,
            total_time: String::new(),
            images: vec!["1.jpg".into()],
            images_resized: false,
            parking: None,
            baggage: None,
            thema: String::new(),
            region: 1,
            click_cnt: 0,
            bookmark_count: 0,
            star_sum: 0,
            star_count: 0,
            comment_count: 0,
            created_at: created.into(),
            updated_at: created.into(),
        }
    }

    #[test]
    fn star_texts_follow_the_per_response_table() {
        let none = StarSummary::default();
        assert_eq!(none.text(), "NaN");
        assert_eq!(none.text_or_zero(), json!(0));
        assert_eq!(none.text_or_zero_text(), "0.0");
        let four = StarSummary { sum: 5, count: 4 }; // 1.25, an exact tie
        assert_eq!(four.text(), "1.3");
        assert_eq!(four.text_or_zero(), json!("1.3"));
        assert_eq!(four.rounded(), 1.3);
    }

    #[test]
    fn rank_point_is_a_numeric_sum_of_comments_rounded_stars_and_clicks() {
        let mut c = course("a", "2026-01-01T00:00:00.000Z");
        c.comment_count = 2;
        c.click_cnt = 10;
        c.star_sum = 9;
        c.star_count = 2;
        assert_eq!(c.rank_point(), 16.5);
    }

    #[test]
    fn sorts_order_the_whole_set_with_newest_first_on_ties() {
        let mut a = course("a", "2026-01-01T00:00:00.000Z");
        let mut b = course("b", "2026-01-02T00:00:00.000Z");
        let c = course("c", "2026-01-03T00:00:00.000Z");
        a.comment_count = 5;
        b.comment_count = 5;
        a.star_sum = 5;
        a.star_count = 1;
        let mut all = vec![a.clone(), b.clone(), c.clone()];
        sort_courses(&mut all, CourseSort::New);
        assert_eq!(ids(&all), ["c", "b", "a"]);
        sort_courses(&mut all, CourseSort::Comment);
        assert_eq!(ids(&all), ["b", "a", "c"]);
        sort_courses(&mut all, CourseSort::StarPoint);
        assert_eq!(ids(&all), ["a", "c", "b"]);
        b.bookmark_count = 1;
        let mut all = vec![a, b, c];
        sort_courses(&mut all, CourseSort::parse(Some("clickCnt")));
        assert_eq!(ids(&all), ["b", "c", "a"]);
    }

    fn ids(courses: &[Course]) -> Vec<&str> {
        courses.iter().map(|c| c.course_id.as_str()).collect()
    }

    #[test]
    fn unknown_sorts_are_new() {
        assert_eq!(CourseSort::parse(None), CourseSort::New);
        assert_eq!(CourseSort::parse(Some("x")), CourseSort::New);
    }

    #[test]
    fn the_ranking_is_the_top_three_of_the_region_or_of_everything() {
        let mut list = Vec::new();
        for (i, clicks) in [5, 9, 1, 7].into_iter().enumerate() {
            let mut c = course(
                &format!("c{i}"),
                &format!("2026-01-0{}T00:00:00.000Z", i + 1),
            );
            c.click_cnt = clicks;
            c.region = if i == 1 { 9 } else { 1 };
            list.push(c);
        }
        let top: Vec<_> = ranking(&list, None)
            .iter()
            .map(|c| c.course_id.clone())
            .collect();
        assert_eq!(top, ["c1", "c3", "c0"]);
        let top: Vec<_> = ranking(&list, Some(9))
            .iter()
            .map(|c| c.course_id.clone())
            .collect();
        assert_eq!(top, ["c1"]);
    }

    #[test]
    fn region_filters_accept_one_to_nine_only() {
        assert_eq!(parse_region_filter(Some("9")), Some(9));
        assert_eq!(parse_region_filter(Some("0")), None);
        assert_eq!(parse_region_filter(Some("abc")), None);
        assert_eq!(parse_region_filter(None), None);
    }

    #[test]
    fn the_upload_form_is_checked_in_the_contract_order() {
        let full = [
            ("title", "제주 바다"),
            ("distance", "5.05"),
            ("location", "제주특별자치도 제주시"),
            ("mapLatLng", "[{\"lat\":1,\"lng\":2}]"),
            ("content", "내용"),
            ("totalTime", "0h 30min"),
        ];
        let without = |skip: &str, replace: Option<&'static str>| {
            let fields: Vec<(&str, &str)> = full
                .iter()
                .filter_map(|(k, v)| {
                    if *k == skip {
                        replace.map(|r| (*k, r))
                    } else {
                        Some((*k, *v))
                    }
                })
                .collect();
            NewCourse::parse(|name| fields.iter().find(|(k, _)| *k == name).map(|(_, v)| *v))
        };
        let ok = without("", None).expect("valid");
        assert_eq!(ok.distance, 5.05);
        assert_eq!(ok.thema, "");
        assert_eq!(
            without("title", None),
            Err("제목은 반드시 입력해주셔야 합니다")
        );
        assert_eq!(
            without("title", Some("ab")),
            Err("제목은 최소 3글자 이상이어야 합니다")
        );
        assert_eq!(
            without("distance", Some("far")),
            Err("거리는 반드시 입력해주셔야 합니다")
        );
        assert_eq!(
            without("location", Some("")),
            Err("러닝장소는 반드시 입력해주셔야 합니다")
        );
        assert_eq!(
            without("mapLatLng", Some("{}")),
            Err("코스에 대한 정보는 반드시 입력해주셔야 합니다")
        );
        assert_eq!(
            without("content", None),
            Err("코스에 대한 설명은 반드시 입력해주셔야 합니다")
        );
        assert_eq!(
            without("totalTime", None),
            Err("총 소요시간에 대한 설명은 반드시 입력해주셔야 합니다")
        );
    }

    #[test]
    fn edits_change_only_given_fields_and_recompute_the_region() {
        let c = course("a", "2026-01-01T00:00:00.000Z");
        let edit = CourseEdit::parse(|name| match name {
            "location" => Some("제주특별자치도 서귀포시"),
            "title" => Some("undefined"),
            _ => None,
        });
        let edited = edit.apply(c.clone());
        assert_eq!(edited.region, 9);
        assert_eq!(edited.title, c.title);
    }

    #[test]
    fn kept_images_are_current_keys_only_once_each() {
        let current = vec!["1.jpg".to_owned(), "2.png".to_owned()];
        let kept = kept_images(
            &current,
            &[
                "https://cdn/w_758/2.png?x=1",
                "https://cdn/w_758/9.jpg",
                "2.png",
                "1.jpg",
            ],
        );
        assert_eq!(kept, ["2.png", "1.jpg"]);
    }

    #[test]
    fn ratings_are_integers_one_to_five_or_null() {
        assert_eq!(parse_star(None), Ok(None));
        assert_eq!(parse_star(Some(&json!(null))), Ok(None));
        assert_eq!(parse_star(Some(&json!(4))), Ok(Some(4)));
        assert_eq!(parse_star(Some(&json!("5"))), Ok(Some(5)));
        assert_eq!(parse_star(Some(&json!(0))), Err(msg::STAR_FAILED));
        assert_eq!(parse_star(Some(&json!(6))), Err(msg::STAR_FAILED));
        assert_eq!(parse_star(Some(&json!(2.5))), Err(msg::STAR_FAILED));
        assert_eq!(parse_star(Some(&json!("x"))), Err(msg::STAR_FAILED));
        assert_eq!(parse_star(Some(&json!(true))), Err(msg::STAR_FAILED));
    }
}
