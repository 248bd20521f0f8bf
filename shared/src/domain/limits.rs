//! Every bound on client input, in one place (documented in docs/limits.md).
//!
//! Text is counted in UTF-16 code units, as the frontend's `maxLength` and
//! `String.length` count it. Where the frontend limits an input, the server
//! uses the same number (nickname 8, bio 50, comment 40); elsewhere the bound
//! is generous for a person typing but keeps every item far below
//! DynamoDB's 400 KB and every list response below Lambda's 6 MB.
//! Longer input is refused with a 400 in the contract's error format:
//! `<label>은/는 <max>자까지 입력할 수 있습니다`.

use crate::domain::course::{CourseEdit, NewCourse};
use crate::domain::group::GroupForm;
use crate::domain::profile::ProfileChanges;

/// A text field's name as users read it and its maximum length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub label: &'static str,
    pub max: usize,
}

const fn limit(label: &'static str, max: usize) -> Limit {
    Limit { label, max }
}

// ---- profile (auth.md §7.12, §7.13: the frontend's input limits) ----
pub const NICKNAME: Limit = limit("닉네임", 8);
pub const BIO: Limit = limit("자기소개", 50);
/// `likeLocation`/`likeDistance` are one-digit codes; room for any future code.
pub const PREFERENCE: Limit = limit("선호 설정", 10);
pub const USER_LEVEL: Limit = limit("러너 레벨", 20);
/// Test accounts (`/testSignup`): nickname and password.
pub const TEST_ACCOUNT: Limit = limit("계정 정보", 100);

// ---- comments and replies (comments.md: the frontend's 40-character input) ----
pub const COMMENT: Limit = limit("댓글", 40);

// ---- runs (groups.md) and courses (courses.md) ----
pub const TITLE: Limit = limit("제목", 100);
pub const CONTENT: Limit = limit("내용", 5000);
pub const SPEED: Limit = limit("페이스", 50);
pub const LOCATION: Limit = limit("러닝장소", 200);
pub const THEMA: Limit = limit("러닝 테마", 50);
pub const PARKING: Limit = limit("주차 정보", 200);
pub const BAGGAGE: Limit = limit("짐 보관 정보", 200);
pub const CHATTING_ROOM: Limit = limit("채팅방 주소", 500);
pub const TOTAL_TIME: Limit = limit("총 소요시간", 50);
/// The route as a JSON array of points: ~40 characters a point, so ~2 500 points.
pub const MAP_LAT_LNG: Limit = limit("코스 정보", 100_000);
/// Free-form numbers and times sent as text (`distance`, `maxPeople`, `date`, …).
pub const SHORT_FIELD: Limit = limit("입력값", 50);

// ---- lists ----
/// Largest `size` of a paged list; a larger one is read as this.
pub const MAX_PAGE_SIZE: usize = 100;
/// How far into a sorted list a page may reach (`page × size`): a page
/// beyond it is empty, so no request reads more than this many items.
pub const MAX_LIST_WINDOW: usize = 1_000;
/// Entries of the attendance sheet (`attendance: [...]`), far above a run's
/// capacity.
pub const MAX_ATTENDANCE_ENTRIES: usize = 200;

// ---- ids ----
/// Longest id in a path or query (ours are 36-character UUIDs; social ids are
/// shorter). A longer one cannot name anything and is read as unknown, so the
/// route answers its own "not found" (a DynamoDB key would refuse it).
pub const MAX_ID_CHARS: usize = 128;

/// Length as JavaScript counts it.
pub fn js_length(text: &str) -> usize {
    text.encode_utf16().count()
}

/// `은` after a final consonant, `는` after a vowel (or a non-Hangul end).
fn topic_particle(word: &str) -> &'static str {
    match word.chars().last() {
        Some(c @ '가'..='힣') if !(c as u32 - 0xAC00).is_multiple_of(28) => "은",
        _ => "는",
    }
}

impl Limit {
    pub fn message(&self) -> String {
        format!(
            "{}{} {}자까지 입력할 수 있습니다",
            self.label,
            topic_particle(self.label),
            self.max
        )
    }

    /// `Err(message)` when `value` is longer than the limit; absent is fine.
    pub fn check(&self, value: Option<&str>) -> Result<(), String> {
        match value {
            Some(v) if js_length(v) > self.max => Err(self.message()),
            _ => Ok(()),
        }
    }
}

/// The first field over its limit, in the order given.
pub fn check_all(fields: &[(Limit, Option<&str>)]) -> Result<(), String> {
    fields
        .iter()
        .try_for_each(|(limit, value)| limit.check(*value))
}

/// `POST /group`, `PATCH /group/{id}`.
pub fn group_form(form: &GroupForm) -> Result<(), String> {
    check_all(&[
        (TITLE, form.title.as_deref()),
        (SHORT_FIELD, form.max_people.as_deref()),
        (SHORT_FIELD, form.date.as_deref()),
        (SHORT_FIELD, form.standby_time.as_deref()),
        (SHORT_FIELD, form.finish_time.as_deref()),
        (SHORT_FIELD, form.distance.as_deref()),
        (SPEED, form.speed.as_deref()),
        (LOCATION, form.location.as_deref()),
        (MAP_LAT_LNG, form.map_lat_lng.as_deref()),
        (THEMA, form.thema.as_deref()),
        (PARKING, form.parking.as_deref()),
        (BAGGAGE, form.baggage.as_deref()),
        (CONTENT, form.content.as_deref()),
        (CHATTING_ROOM, form.chatting_room.as_deref()),
    ])
}

/// `POST /course`.
pub fn new_course(c: &NewCourse) -> Result<(), String> {
    check_all(&[
        (TITLE, Some(&c.title)),
        (LOCATION, Some(&c.location)),
        (MAP_LAT_LNG, Some(&c.map_lat_lng)),
        (CONTENT, Some(&c.content)),
        (TOTAL_TIME, Some(&c.total_time)),
        (THEMA, Some(&c.thema)),
        (PARKING, c.parking.as_deref()),
        (BAGGAGE, c.baggage.as_deref()),
    ])
}

/// `PATCH /course/{id}`.
pub fn course_edit(c: &CourseEdit) -> Result<(), String> {
    check_all(&[
        (TITLE, c.title.as_deref()),
        (LOCATION, c.location.as_deref()),
        (CONTENT, c.content.as_deref()),
        (TOTAL_TIME, c.total_time.as_deref()),
        (THEMA, c.thema.as_deref()),
        (PARKING, c.parking.as_deref()),
        (BAGGAGE, c.baggage.as_deref()),
    ])
}

/// `PATCH /auth/updateUser`, `PATCH /auth/userLike`.
pub fn profile(c: &ProfileChanges) -> Result<(), String> {
    check_all(&[
        (NICKNAME, c.nickname.as_deref()),
        (BIO, c.bio.as_deref()),
        (PREFERENCE, c.like_location.as_deref()),
        (PREFERENCE, c.like_distance.as_deref()),
        (USER_LEVEL, c.user_level.as_deref()),
    ])
}

/// One page of a list as `?page=&size=` ask for it: the one paging parser
/// of every list (1-based page, both ≥ 1, `size` capped at
/// [`MAX_PAGE_SIZE`]). `None` from [`Page::parse`] is the contract's
/// "everything": either number absent or not a positive integer. Huge
/// numbers never overflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub number: usize,
    pub size: usize,
}

impl Page {
    pub fn parse(page: Option<&str>, size: Option<&str>) -> Option<Page> {
        let number = |v: Option<&str>| {
            let digits = v?.trim();
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            match digits.parse::<usize>() {
                Ok(0) => None,
                Ok(n) => Some(n),
                // All digits but too large for usize: as far as a page can go.
                Err(_) => Some(usize::MAX),
            }
        };
        Some(Page {
            number: number(page)?,
            size: number(size)?.min(MAX_PAGE_SIZE),
        })
    }

    /// Items before the page.
    pub fn skip(self) -> usize {
        (self.number - 1).saturating_mul(self.size)
    }

    /// Items an ordered read must return to answer the page: at most
    /// [`MAX_LIST_WINDOW`] (a page beyond it is empty).
    pub fn needed(self) -> usize {
        needed_for(self.number, self.size)
    }
}

/// The slice `[(page−1)·size, page·size)` of `len` items; all of them
/// without paging.
pub fn page_range(page: Option<Page>, len: usize) -> std::ops::Range<usize> {
    match page {
        Some(page) => {
            let start = page.skip().min(len);
            start..start.saturating_add(page.size).min(len)
        }
        None => 0..len,
    }
}

/// The page's items of an ordered list; all of them without paging.
pub fn page_of<T>(page: Option<Page>, items: Vec<T>) -> Vec<T> {
    match page {
        Some(page) => items
            .into_iter()
            .skip(page.skip())
            .take(page.size)
            .collect(),
        None => items,
    }
}

/// Items a paged list must have read to answer the page: at most
/// [`MAX_LIST_WINDOW`] (a page beyond it is empty).
pub fn needed_for(page: usize, size: usize) -> usize {
    page.saturating_mul(size).min(MAX_LIST_WINDOW)
}

/// An id from a path or query that fits our keys, or `None`.
pub fn id(raw: &str) -> Option<&str> {
    (raw.len() <= MAX_ID_CHARS).then_some(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_counted_like_javascript_and_the_message_names_the_field() {
        assert_eq!(js_length("닉네임"), 3);
        assert_eq!(js_length("🏃"), 2);
        assert_eq!(NICKNAME.check(Some("여덟글자닉네임임")), Ok(()));
        assert_eq!(
            NICKNAME.check(Some("아홉글자닉네임이야")),
            Err("닉네임은 8자까지 입력할 수 있습니다".to_owned())
        );
        assert_eq!(SPEED.message(), "페이스는 50자까지 입력할 수 있습니다");
        assert_eq!(NICKNAME.check(None), Ok(()));
    }

    #[test]
    fn huge_pages_neither_overflow_nor_widen_the_read() {
        let max = u64::MAX.to_string();
        let huge = "3402823669209384634633746074317682114551234567890";
        let paging = |page, size| Page::parse(page, size).map(|p| (p.number, p.size));
        assert_eq!(
            paging(Some(&max), Some(huge)),
            Some((usize::MAX, MAX_PAGE_SIZE))
        );
        assert_eq!(needed_for(usize::MAX, MAX_PAGE_SIZE), MAX_LIST_WINDOW);
        assert_eq!(paging(Some("2"), Some("10")), Some((2, 10)));
        assert_eq!(paging(Some("0"), Some("10")), None);
        assert_eq!(paging(None, Some("10")), None);
    }

    #[test]
    fn pages_are_sliced_after_sorting_and_invalid_paging_means_everything() {
        let page_range = |len, page, size| page_range(Page::parse(page, size), len);
        assert_eq!(page_range(10, Some("2"), Some("4")), 4..8);
        assert_eq!(page_range(10, Some("3"), Some("4")), 8..10);
        assert_eq!(page_range(10, Some("4"), Some("4")), 10..10);
        assert_eq!(page_range(10, None, Some("4")), 0..10);
        assert_eq!(page_range(10, Some("0"), Some("4")), 0..10);
        assert_eq!(page_range(10, Some("x"), Some("4")), 0..10);
    }

    #[test]
    fn a_page_of_items_is_its_slice_and_no_paging_is_all_of_them() {
        let items: Vec<u32> = (1..=10).collect();
        for (page, size, expected) in [
            ("2", "3", vec![4, 5, 6]),
            ("4", "3", vec![10]),
            ("9", "3", vec![]),
            ("0", "3", items.clone()),
        ] {
            let paged = Page::parse(Some(page), Some(size));
            assert_eq!(page_of(paged, items.clone()), expected, "{page}/{size}");
        }
    }
}
