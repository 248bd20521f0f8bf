//! A group run (contract groups.md). Dates and times as the frontend sends
//! and reads them are KST wall-clock (`date` `YYYY-MM-DD`, `standbyTime`
//! `HH:mm:ss`); `startsAt` is the same instant in UTC, used for keys and
//! every time rule.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub group_id: String,
    /// Host.
    pub user_id: String,
    pub title: String,
    pub max_people: u32,
    /// KST date `YYYY-MM-DD`.
    pub date: String,
    /// KST time `HH:mm:ss`.
    pub standby_time: String,
    #[serde(default)]
    pub finish_time: Option<String>,
    /// Start in UTC (RFC 3339, `Z`).
    pub starts_at: String,
    pub distance: f64,
    pub speed: String,
    pub location: String,
    #[serde(default)]
    pub parking: Option<String>,
    #[serde(default)]
    pub baggage: Option<String>,
    /// 0..9 from the first word of `location`.
    pub region: u8,
    /// Start-hour bucket 1..6 (floor(h/4)+1).
    pub timecode: u8,
    pub thema: String,
    #[serde(default)]
    pub chatting_room: String,
    /// Image keys in slot order (at most 3).
    #[serde(default)]
    pub thumbnails: Vec<String>,
    /// Set by the resize function once `w_384/` and `w_758/` copies exist.
    #[serde(default)]
    pub images_resized: bool,
    /// Members, host included (kept by the apply/cancel transaction).
    pub apply_count: u32,
    pub created_at: String,
    pub updated_at: String,
}

/// The detail-only text of a run (a separate item, kept out of list reads).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupText {
    /// The route as the JSON text the frontend sent (an array of `{lat,lng}`).
    pub map_lat_lng: String,
    #[serde(default)]
    pub content: Option<String>,
}

/// One member of a run (the host included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// Opaque id of the membership (the contract's `applyId`).
    #[serde(default)]
    pub apply_id: String,
    pub group_id: String,
    pub user_id: String,
    /// The run's host (never changes), so "runs I joined" lists can fetch
    /// host profiles together with the runs.
    pub host_id: String,
    /// The run's start (UTC), mirrored for the user's GSI2 index.
    pub starts_at: String,
    /// Set for every member when the host submits the attendance sheet.
    #[serde(default)]
    pub attendance: bool,
    /// 0 = host not evaluated yet; 1..10 = the category chosen.
    #[serde(default)]
    pub evaluation: u8,
    pub applied_at: String,
}

// ---------------------------------------------------------------------------
// Rules (pure): parsing the form, derived codes, time windows, formats.
// ---------------------------------------------------------------------------

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

use crate::time::{instant_key, kst, weekday_short};

pub const MAX_PEOPLE_LIMIT: u32 = 50;
pub const THEMAS: &[&str] = &["산", "도시", "강변", "해변", "공원", "트랙"];

/// Contract messages of the create/edit form (groups.md §2.1, §2.9).
pub mod msg {
    pub const TITLE_MISSING: &str = "제목은 반드시 입력해주셔야 합니다";
    pub const TITLE_SHORT: &str = "제목은 최소 3글자 이상이어야 합니다";
    pub const MAX_PEOPLE_MISSING: &str = "모집인원은 반드시 입력해주셔야 합니다";
    pub const MAX_PEOPLE_NOT_NUMBER: &str = "모집인원은 숫자만 입력가능합니다";
    pub const MAX_PEOPLE_TOO_MANY: &str = "모집인원은 50명까지 입력가능합니다";
    pub const DATE: &str = "날짜 형식만 입력 가능합니다";
    pub const STANDBY: &str = "스탠바이 시간은 반드시 입력해주셔야 합니다";
    pub const FINISH: &str = "종료 시간은 반드시 입력해주셔야 합니다";
    pub const DISTANCE: &str = "거리는 반드시 입력해주셔야 합니다";
    pub const SPEED: &str = "페이스는 반드시 입력해주셔야 합니다";
    pub const LOCATION: &str = "러닝장소는 반드시 입력해주셔야 합니다";
    pub const MAP: &str = "코스에 대한 정보는 반드시 입력해주셔야 합니다";
    pub const THEMA: &str = "러닝 테마는 반드시 입력해주셔야 합니다";
    pub const CREATE_TOO_SOON: &str =
        "그룹러닝등록은 현재시간보다 6시간 이후부터 등록할 수 있습니다";
    pub const EDIT_TOO_SOON: &str = "그룹러닝수정은 현재시간보다 6시간 이후로만 수정할 수 있습니다";
    pub const EDIT_PAST: &str = "이미 지난 그룹러닝은 수정할 수 없습니다";
    pub const THROTTLED: &str = "짧은시간내에 연속으로 글을 작성할 수 없습니다";
    pub const LIST_FAILED: &str = "그룹러닝 게시글 불러오기를 실패하였습니다";
    pub const NOT_FOUND: &str = "해당 게시물이 존재하지 않습니다";
    pub const WRONG_USER: &str = "잘못된 유저입니다";
    pub const APPLY_FAILED: &str = "그룹러닝신청이 실패하였습니다";
    pub const NOT_HOST: &str = "그룹러닝 호스트가 아닙니다";
    pub const ATTENDANCE_TOO_EARLY: &str = "아직 출석체크 시간이 아닙니다";
    pub const ATTENDANCE_DONE: &str = "이미 제출이 완료된 출석명단입니다";
    pub const ATTENDANCE_FAILED: &str = "출석체크가 완료되지 않았습니다.";
    pub const EVAL_HOST: &str = "크루장은 크루장 평가에 참여할 수 없습니다";
    pub const EVAL_NOT_MEMBER: &str = "크루장 평가는 그룹러닝 참가자만 할 수 있습니다";
    pub const EVAL_DONE: &str = "이미 크루장 평가에 참여했습니다";
    pub const EVAL_FAILED: &str = "호스트 평가가 완료되지 않았습니다";
    pub const CREATE_FAILED: &str = "그룹러닝 게시물 작성이 실패하였습니다";
    pub const UPDATE_FAILED: &str = "그룹러닝 게시물 수정이 실패하였습니다";
    pub const DELETE_FAILED: &str = "그룹러닝 게시물 삭제가 실패하였습니다";
    pub const DETAIL_FAILED: &str = "그룹러닝 게시글 불러오기가 실패하였습니다";
    pub const ATTENDANCE_LIST_FAILED: &str = "출석체크 명단 불러오기에 실패하였습니다";
    pub const EVALUATION_PAGE_FAILED: &str = "호스트 평가 페이지 불러오기에 실패하였습니다";
    pub const CREATED: &str = "게시물이 등록되었습니다";
    pub const NOT_AUTHOR_EDIT: &str = "본인이 작성한 글만 수정할 수 있습니다";
    pub const UPDATED: &str = "게시글이 수정되었습니다";
    pub const NOT_AUTHOR_DELETE: &str = "본인이 작성한 글만 삭제할 수 있습니다";
    pub const DELETED: &str = "게시글이 삭제되었습니다";
    pub const LOGIN_REQUIRED: &str = "로그인 후 사용할 수 있습니다";
    pub const UNKNOWN_CATEGORY: &str = "불러오기 상태값이 올바르지 않습니다";
    pub const APPLIED: &str = "그룹러닝에 신청되었습니다";
    pub const CANCELLED: &str = "그룹러닝 신청이 취소되었습니다";
    pub const ATTENDANCE_SUBMITTED: &str = "출석체크가 완료되었습니다.";
    pub const EVALUATED: &str = "호스트 평가가 완료되었습니다";
    pub const APPLY_STARTED: &str = "이미 지난 그룹러닝은 신청 및 취소가 불가합니다";
    pub const HOST_CANNOT_CANCEL: &str = "개설자는 신청을 취소할 수 없습니다";
    pub const FULL: &str = "신청인원이 남아있지 않습니다";
}

/// The text fields of `POST /group` and `PATCH /group/{id}`, as sent.
#[derive(Debug, Default, Clone)]
pub struct GroupForm {
    pub title: Option<String>,
    pub max_people: Option<String>,
    pub date: Option<String>,
    pub standby_time: Option<String>,
    pub finish_time: Option<String>,
    pub distance: Option<String>,
    pub speed: Option<String>,
    pub location: Option<String>,
    pub map_lat_lng: Option<String>,
    pub thema: Option<String>,
    pub parking: Option<String>,
    pub baggage: Option<String>,
    pub content: Option<String>,
    pub chatting_room: Option<String>,
}

/// Validated create input.
#[derive(Debug, Clone, PartialEq)]
pub struct NewGroup {
    pub title: String,
    pub max_people: u32,
    pub date: NaiveDate,
    pub standby: NaiveTime,
    pub finish: Option<NaiveTime>,
    pub distance: f64,
    pub speed: String,
    pub location: String,
    pub map_lat_lng: String,
    pub thema: String,
    pub parking: Option<String>,
    pub baggage: Option<String>,
    pub content: Option<String>,
    pub chatting_room: String,
}

/// Validated edit input (location, distance and the route are not editable).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupEdit {
    pub title: String,
    pub max_people: u32,
    pub date: NaiveDate,
    pub standby: NaiveTime,
    pub speed: String,
    pub thema: String,
    pub parking: Option<String>,
    pub baggage: Option<String>,
    pub content: Option<String>,
    pub chatting_room: Option<String>,
}

/// "missing or empty" in the contract's sense (a string of spaces is present).
fn required<'a>(value: &'a Option<String>, message: &'static str) -> Result<&'a str, &'static str> {
    value.as_deref().filter(|v| !v.is_empty()).ok_or(message)
}

/// FormData turns JS `undefined`/`null` into text; for optional fields that means "absent".
pub fn optional_text(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .filter(|v| *v != "undefined" && *v != "null")
        .map(str::to_owned)
}

fn parse_title(form: &GroupForm) -> Result<String, &'static str> {
    let title = required(&form.title, msg::TITLE_MISSING)?;
    if title.chars().count() < 3 {
        return Err(msg::TITLE_SHORT);
    }
    Ok(title.to_owned())
}

fn parse_max_people(form: &GroupForm) -> Result<u32, &'static str> {
    let raw = form
        .max_people
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(msg::MAX_PEOPLE_MISSING)?;
    let n: u32 = raw.parse().map_err(|_| msg::MAX_PEOPLE_NOT_NUMBER)?;
    if n < 1 {
        return Err(msg::MAX_PEOPLE_NOT_NUMBER);
    }
    if n > MAX_PEOPLE_LIMIT {
        return Err(msg::MAX_PEOPLE_TOO_MANY);
    }
    Ok(n)
}

fn parse_date(form: &GroupForm) -> Result<NaiveDate, &'static str> {
    let raw = required(&form.date, msg::DATE)?;
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| msg::DATE)
}

/// `H:mm`, `HH:mm` or `HH:mm:ss`; the frontend's 12-hour picker sends hour
/// `24` for 12 PM, which means 12.
pub fn parse_time(raw: &str) -> Option<NaiveTime> {
    let mut parts = raw.trim().split(':');
    let hour: u32 = parts.next()?.parse().ok()?;
    let minute: u32 = parts.next()?.parse().ok()?;
    let second: u32 = match parts.next() {
        Some(s) => s.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    let hour = if hour == 24 { 12 } else { hour };
    NaiveTime::from_hms_opt(hour, minute, second)
}

fn parse_standby(form: &GroupForm) -> Result<NaiveTime, &'static str> {
    parse_time(required(&form.standby_time, msg::STANDBY)?).ok_or(msg::STANDBY)
}

fn parse_map(form: &GroupForm) -> Result<String, &'static str> {
    let raw = required(&form.map_lat_lng, msg::MAP)?;
    match serde_json::from_str::<serde_json::Value>(raw) {
        Ok(serde_json::Value::Array(points))
            if points.iter().all(|p| {
                p.get("lat").is_some_and(serde_json::Value::is_number)
                    && p.get("lng").is_some_and(serde_json::Value::is_number)
            }) =>
        {
            Ok(raw.to_owned())
        }
        _ => Err(msg::MAP),
    }
}

/// Validates a create form in the contract's order (first failure wins).
pub fn parse_new(form: &GroupForm) -> Result<NewGroup, &'static str> {
    let title = parse_title(form)?;
    let max_people = parse_max_people(form)?;
    let date = parse_date(form)?;
    let standby = parse_standby(form)?;
    let finish_raw = required(&form.finish_time, msg::FINISH)?;
    let distance = required(&form.distance, msg::DISTANCE)?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|d| d.is_finite() && *d >= 0.0)
        .ok_or(msg::DISTANCE)?;
    let speed = required(&form.speed, msg::SPEED)?.to_owned();
    let location = required(&form.location, msg::LOCATION)?.to_owned();
    let map_lat_lng = parse_map(form)?;
    let thema = required(&form.thema, msg::THEMA)?.to_owned();
    Ok(NewGroup {
        title,
        max_people,
        date,
        standby,
        finish: parse_time(finish_raw),
        distance,
        speed,
        location,
        map_lat_lng,
        thema,
        parking: optional_text(&form.parking),
        baggage: optional_text(&form.baggage),
        content: optional_text(&form.content),
        chatting_room: optional_text(&form.chatting_room).unwrap_or_default(),
    })
}

/// Validates an edit form in the contract's order.
pub fn parse_edit(form: &GroupForm) -> Result<GroupEdit, &'static str> {
    let title = parse_title(form)?;
    let max_people = parse_max_people(form)?;
    let date = parse_date(form)?;
    let standby = parse_standby(form)?;
    required(&form.finish_time, msg::FINISH)?;
    let speed = required(&form.speed, msg::SPEED)?.to_owned();
    let thema = required(&form.thema, msg::THEMA)?.to_owned();
    Ok(GroupEdit {
        title,
        max_people,
        date,
        standby,
        speed,
        thema,
        parking: optional_text(&form.parking),
        baggage: optional_text(&form.baggage),
        content: optional_text(&form.content),
        chatting_room: optional_text(&form.chatting_room),
    })
}

/// Region code from the first word of a Kakao address (groups.md §1.5).
pub fn region_of(location: &str) -> u8 {
    match location.split_whitespace().next().unwrap_or_default() {
        "서울" => 1,
        "경기" => 2,
        "인천" => 3,
        "강원" | "강원특별자치도" => 4,
        "충남" | "충북" | "세종특별자치시" | "대전" => 5,
        "경북" | "대구" => 6,
        "경남" | "부산" | "울산" => 7,
        "전남" | "전북" | "광주" | "전북특별자치도" => 8,
        "제주특별자치도" => 9,
        _ => 0,
    }
}

/// Start-hour bucket: floor(h/4)+1 (1 = 00–03 h … 6 = 20–23 h).
pub fn time_bucket(standby: NaiveTime) -> u8 {
    (standby.hour() / 4 + 1) as u8
}

/// Distance bucket code (1 `<5`, 2 `5..10`, 3 `10..15`, 4 `>=15`).
pub fn distance_bucket(distance: f64) -> u8 {
    match distance {
        d if d < 5.0 => 1,
        d if d < 10.0 => 2,
        d if d < 15.0 => 3,
        _ => 4,
    }
}

/// The UTC instant of a KST date and time.
pub fn start_instant(date: NaiveDate, standby: NaiveTime) -> DateTime<Utc> {
    let local = NaiveDateTime::new(date, standby);
    (local - chrono::Duration::hours(9)).and_utc()
}

/// `start − 6 h` must be strictly later than now (create and edit).
pub fn far_enough_ahead(start: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    start - chrono::Duration::hours(6) > now
}

/// Recruiting = start ≥ now + 4 h.
pub fn recruiting_from(now: DateTime<Utc>) -> String {
    instant_key(now + chrono::Duration::hours(4))
}

/// What the list order (groups.md §1.8) reads of a run: runs, and the rows
/// of the feed indexes (`domain::feed::FeedRow`), are ordered by the same code.
pub trait Listed {
    /// KST date `YYYY-MM-DD`.
    fn date(&self) -> &str;
    /// KST time `HH:mm:ss`.
    fn standby_time(&self) -> &str;
    /// Start in UTC (an instant key).
    fn starts_at(&self) -> &str;
    fn group_id(&self) -> &str;

    fn start(&self) -> DateTime<Utc> {
        crate::time::parse_instant(self.starts_at()).unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    fn kst_date(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(self.date(), "%Y-%m-%d").ok()
    }

    /// Calendar days from today (KST) to the run's date.
    fn days_from_today(&self, now: DateTime<Utc>) -> i64 {
        let today = now.with_timezone(&kst()).date_naive();
        self.kst_date()
            .map(|d| (d - today).num_days())
            .unwrap_or(-1)
    }

    /// The number at the start of `applyEndTime`, which the list order uses.
    fn list_label(&self, now: DateTime<Utc>) -> i64 {
        let days = self.days_from_today(now);
        if days > 0 {
            return days;
        }
        let hours = (self.start() - now).num_hours();
        if days == 0 && hours > 0 { hours } else { 0 }
    }
}

impl Listed for Group {
    fn date(&self) -> &str {
        &self.date
    }
    fn standby_time(&self) -> &str {
        &self.standby_time
    }
    fn starts_at(&self) -> &str {
        &self.starts_at
    }
    fn group_id(&self) -> &str {
        &self.group_id
    }
}

impl Group {
    pub fn start(&self) -> DateTime<Utc> {
        Listed::start(self)
    }

    pub fn kst_date(&self) -> Option<NaiveDate> {
        Listed::kst_date(self)
    }

    pub fn has_started(&self, now: DateTime<Utc>) -> bool {
        self.start() <= now
    }

    /// Calendar days from today (KST) to the run's date.
    pub fn days_from_today(&self, now: DateTime<Utc>) -> i64 {
        Listed::days_from_today(self, now)
    }

    /// The number at the start of `applyEndTime`, which the list order uses.
    pub fn list_label(&self, now: DateTime<Utc>) -> i64 {
        Listed::list_label(self, now)
    }

    /// `applyEndTime` (groups.md §1.3), compared literally by the frontend.
    pub fn apply_end_time(&self, now: DateTime<Utc>) -> String {
        match (self.days_from_today(now), self.list_label(now)) {
            (days, label) if days > 0 => format!("{label} 일"),
            (0, hours) if hours > 0 => format!("{hours} 시간"),
            _ => "0 일".to_owned(),
        }
    }

    /// `YYYY.MM.DD (d) HH:mm`.
    pub fn list_date(&self) -> String {
        match self.kst_date() {
            Some(d) => format!(
                "{} ({}) {}",
                d.format("%Y.%m.%d"),
                weekday_short(d),
                self.standby_time.get(..5).unwrap_or(&self.standby_time)
            ),
            None => self.date.clone(),
        }
    }

    /// `YYYY년 MM월 DD일 토요일 17시 25분`.
    pub fn long_date(&self) -> String {
        let Some(d) = self.kst_date() else {
            return self.date.clone();
        };
        let time = parse_time(&self.standby_time).unwrap_or_default();
        format!(
            "{}년 {:02}월 {:02}일 {}요일 {:02}시 {:02}분",
            d.year(),
            d.month(),
            d.day(),
            weekday_short(d),
            time.hour(),
            time.minute()
        )
    }

    /// First two words of the address.
    pub fn short_location(&self) -> String {
        self.location
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl NewGroup {
    /// The run this form creates, hosted by `host`, with its text (the host's
    /// own membership is [`Member::join`]). It starts recruited by one: the host.
    pub fn into_run(
        self,
        group_id: String,
        host: &str,
        thumbnails: Vec<String>,
        now: DateTime<Utc>,
    ) -> (Group, GroupText) {
        let now_key = instant_key(now);
        let group = Group {
            group_id,
            user_id: host.to_owned(),
            title: self.title,
            max_people: self.max_people,
            date: self.date.format("%Y-%m-%d").to_string(),
            standby_time: self.standby.format("%H:%M:%S").to_string(),
            finish_time: self.finish.map(|t| t.format("%H:%M:%S").to_string()),
            starts_at: instant_key(start_instant(self.date, self.standby)),
            distance: self.distance,
            speed: self.speed,
            region: region_of(&self.location),
            location: self.location,
            parking: self.parking,
            baggage: self.baggage,
            timecode: time_bucket(self.standby),
            thema: self.thema,
            chatting_room: self.chatting_room,
            thumbnails,
            images_resized: false,
            apply_count: 1,
            created_at: now_key.clone(),
            updated_at: now_key,
        };
        let text = GroupText {
            map_lat_lng: self.map_lat_lng,
            content: self.content,
        };
        (group, text)
    }
}

impl GroupEdit {
    /// `old` after this edit, with its text: `thumbnails` are the image slots
    /// after the edit, `uploaded` whether any of them is new (kept images keep
    /// their resized copies; new ones wait for the resize function). Omitted
    /// optional fields keep their old values; the route is not editable.
    pub fn apply_to(
        self,
        old: &Group,
        old_text: Option<GroupText>,
        thumbnails: Vec<String>,
        uploaded: bool,
        now: DateTime<Utc>,
    ) -> (Group, GroupText) {
        let text = GroupText {
            map_lat_lng: old_text
                .as_ref()
                .map_or_else(|| "[]".to_owned(), |t| t.map_lat_lng.clone()),
            content: self.content.or_else(|| old_text.and_then(|t| t.content)),
        };
        let group = Group {
            title: self.title,
            max_people: self.max_people,
            date: self.date.format("%Y-%m-%d").to_string(),
            standby_time: self.standby.format("%H:%M:%S").to_string(),
            starts_at: instant_key(start_instant(self.date, self.standby)),
            timecode: time_bucket(self.standby),
            speed: self.speed,
            thema: self.thema,
            parking: self.parking.or_else(|| old.parking.clone()),
            baggage: self.baggage.or_else(|| old.baggage.clone()),
            chatting_room: self
                .chatting_room
                .unwrap_or_else(|| old.chatting_room.clone()),
            images_resized: old.images_resized && !uploaded,
            thumbnails,
            updated_at: instant_key(now),
            ..old.clone()
        };
        (group, text)
    }
}

/// Whether an edit refused at its write (the run was not as `read`) may read
/// again and retry with `fresh`: only when the resize function marked the
/// images meanwhile and nothing the edit depends on changed (host, members
/// count, images, not started). An edit that lost a race with a join or a
/// leave fails, as the contract has it.
pub fn edit_may_retry(read: &Group, fresh: &Group, host: &str, now: DateTime<Utc>) -> bool {
    fresh.images_resized != read.images_resized
        && fresh.apply_count == read.apply_count
        && fresh.user_id == host
        && fresh.thumbnails == read.thumbnails
        && fresh.start() >= now
}

impl Member {
    /// `user_id` joining `run` now (the host joins their own run when it is
    /// created): not attended, host not evaluated, with the run's host and
    /// start mirrored for the member's index.
    pub fn join(run: &Group, user_id: &str, now: DateTime<Utc>) -> Self {
        Self {
            apply_id: uuid::Uuid::new_v4().to_string(),
            group_id: run.group_id.clone(),
            user_id: user_id.to_owned(),
            host_id: run.user_id.clone(),
            starts_at: run.starts_at.clone(),
            attendance: false,
            evaluation: 0,
            applied_at: instant_key(now),
        }
    }
}

/// §1.8: date descending, then (stable) the number of `applyEndTime`
/// ascending; remaining ties by start descending, then id.
pub fn sort_for_list<T: Listed>(groups: &mut [T], now: DateTime<Utc>) {
    groups.sort_by(|a, b| {
        a.list_label(now)
            .cmp(&b.list_label(now))
            .then_with(|| b.date().cmp(a.date()))
            .then_with(|| b.standby_time().cmp(a.standby_time()))
            .then_with(|| a.group_id().cmp(b.group_id()))
    });
}

/// Feed filters of `GET /group/all` (groups.md §2.2), parsed from the query.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct FeedFilter {
    /// Inclusive KST date range; `Some(None)` = a range that matches nothing.
    pub dates: Option<Option<(NaiveDate, NaiveDate)>>,
    pub regions: Option<Vec<u8>>,
    pub time_buckets: Option<Vec<u8>>,
    pub distance_buckets: Option<Vec<u8>>,
    pub themas: Option<Vec<String>>,
    /// `finish=1`: include closed and past runs.
    pub include_finished: bool,
}

fn parts(value: Option<&str>) -> Vec<&str> {
    value
        .unwrap_or_default()
        .split('/')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

fn codes(value: Option<&str>) -> Option<Vec<u8>> {
    let values = parts(value);
    if values.is_empty() || values.contains(&"0") {
        return None;
    }
    Some(values.iter().filter_map(|v| v.parse().ok()).collect())
}

impl FeedFilter {
    pub fn parse(
        date: Option<&str>,
        region: Option<&str>,
        time: Option<&str>,
        distance: Option<&str>,
        thema: Option<&str>,
        finish: Option<&str>,
    ) -> Self {
        let date_parts = parts(date);
        let dates = match date_parts.as_slice() {
            [] => None,
            [from, to] => {
                let parse = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
                Some(match (parse(from), parse(to)) {
                    (Some(f), Some(t)) if f <= t => Some((f, t)),
                    _ => None,
                })
            }
            _ => Some(None),
        };
        let themas = parts(thema);
        Self {
            dates,
            regions: codes(region),
            time_buckets: codes(time),
            distance_buckets: codes(distance),
            themas: (!themas.is_empty() && !themas.contains(&"전체"))
                .then(|| themas.iter().map(|t| (*t).to_owned()).collect()),
            include_finished: finish == Some("1"),
        }
    }

    /// The start-key window `[low, high)` the filters allow (UTC instant
    /// keys): the date range from its first day's 00:00 KST to the day after
    /// its last; an open bound is `None`. The whole window is `None` when the
    /// filters match nothing (an unreadable date range, or only regions
    /// that do not exist), so nothing needs to be read.
    pub fn start_window(&self) -> Option<(Option<String>, Option<String>)> {
        if self
            .regions
            .as_ref()
            .is_some_and(|r| !r.iter().any(|r| *r <= 9))
        {
            return None;
        }
        match &self.dates {
            None => Some((None, None)),
            Some(None) => None,
            Some(Some((from, to))) => {
                let day_after = to.succ_opt()?;
                Some((
                    Some(crate::time::instant_key(start_instant(
                        *from,
                        NaiveTime::MIN,
                    ))),
                    Some(crate::time::instant_key(start_instant(
                        day_after,
                        NaiveTime::MIN,
                    ))),
                ))
            }
        }
    }

    /// How many runs of the read window one match costs, as if themes,
    /// distance and time buckets were spread evenly (1 without those
    /// filters): read chunks are sized by it, so a selective filter still
    /// fills its page in one or two Queries.
    pub fn spread(&self) -> usize {
        let share =
            |selected: Option<usize>, of: usize| selected.map_or(1, |n| of / n.clamp(1, of));
        share(self.themas.as_ref().map(Vec::len), 6)
            * share(self.distance_buckets.as_ref().map(Vec::len), 4)
            * share(self.time_buckets.as_ref().map(Vec::len), 6)
    }

    /// The regions whose partitions hold every match (`None`: all runs).
    pub fn region_partitions(&self) -> Option<Vec<u8>> {
        self.regions.as_ref().map(|r| {
            let mut regions: Vec<u8> = r.iter().copied().filter(|r| *r <= 9).collect();
            regions.sort_unstable();
            regions.dedup();
            regions
        })
    }

    pub fn matches(&self, g: &Group) -> bool {
        if let Some(range) = &self.dates {
            match (range, g.kst_date()) {
                (Some((from, to)), Some(d)) if *from <= d && d <= *to => {}
                _ => return false,
            }
        }
        self.regions.as_ref().is_none_or(|r| r.contains(&g.region))
            && self
                .time_buckets
                .as_ref()
                .is_none_or(|t| t.contains(&g.timecode))
            && self
                .distance_buckets
                .as_ref()
                .is_none_or(|d| d.contains(&distance_bucket(g.distance)))
            && self.themas.as_ref().is_none_or(|t| t.contains(&g.thema))
    }
}

/// Why a user may not join or leave a run (endpoint 11).
#[derive(Debug, PartialEq, Eq)]
pub enum ApplyRefusal {
    Started,
    HostCannotCancel,
    Full,
}

impl ApplyRefusal {
    /// What the user is told.
    pub fn message(&self) -> &'static str {
        match self {
            Self::Started => msg::APPLY_STARTED,
            Self::HostCannotCancel => msg::HOST_CANNOT_CANCEL,
            Self::Full => msg::FULL,
        }
    }
}

/// Apply or cancel, decided from the run, the caller's membership and now.
#[derive(Debug, PartialEq, Eq)]
pub enum ApplyAction {
    Apply,
    Cancel,
}

pub fn decide_apply(
    group: &Group,
    user_id: &str,
    is_member: bool,
    now: DateTime<Utc>,
) -> Result<ApplyAction, ApplyRefusal> {
    if group.has_started(now) {
        return Err(ApplyRefusal::Started);
    }
    if is_member {
        if group.user_id == user_id {
            return Err(ApplyRefusal::HostCannotCancel);
        }
        return Ok(ApplyAction::Cancel);
    }
    if group.apply_count >= group.max_people {
        return Err(ApplyRefusal::Full);
    }
    Ok(ApplyAction::Apply)
}

/// Image slots after an edit (groups.md §2.9): kept keys (only current
/// ones, in the order sent, once each), then the new uploads, at most 3.
/// Returns (new slots, keys to delete, how many uploads are stored).
pub fn edit_images(
    current: &[String],
    kept_urls: &[&str],
    uploads: &[String],
) -> (Vec<String>, Vec<String>, usize) {
    let mut slots: Vec<String> = Vec::new();
    for url in kept_urls {
        let key = url
            .split('?')
            .next()
            .unwrap_or_default()
            .rsplit('/')
            .next()
            .unwrap_or_default();
        if current.iter().any(|c| c.rsplit('/').next() == Some(key))
            && !slots.iter().any(|s| s == key)
        {
            slots.push(key.to_owned());
        }
    }
    let room = 3usize.saturating_sub(slots.len());
    let stored = uploads.len().min(room);
    slots.extend(uploads.iter().take(stored).cloned());
    let removed = current
        .iter()
        .filter(|c| {
            !slots
                .iter()
                .any(|s| Some(s.as_str()) == c.rsplit('/').next())
        })
        .cloned()
        .collect();
    (slots, removed, stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        crate::time::parse_instant(text).expect("instant")
    }

    fn group(date: &str, time: &str) -> Group {
        let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("date");
        let t = parse_time(time).expect("time");
        Group {
            group_id: format!("{date}{time}"),
            user_id: "host".into(),
            title: "title".into(),
            max_people: 5,
            date: date.into(),
            standby_time: t.format("%H:%M:%S").to_string(),
            finish_time: None,
            starts_at: instant_key(start_instant(d, t)),
            distance: 5.0,
            speed: "5'00\" km/h".into(),
            location: "서울 서초구 잠원동".into(),
            parking: None,
            baggage: None,
            region: 1,
            timecode: time_bucket(t),
            thema: "강변".into(),
            chatting_room: String::new(),
            thumbnails: vec![],
            images_resized: false,
            apply_count: 1,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn a_member_joins_at_the_runs_current_start_under_its_host_with_nothing_recorded_yet() {
        let mut run = group("2026-12-24", "07:00");
        run.starts_at = "2026-12-23T22:00:00.000Z".into();
        let now = at("2026-12-05T10:00:00.000Z");
        let member = Member::join(&run, "runner", now);
        assert_eq!(member.group_id, run.group_id);
        assert_eq!(member.user_id, "runner");
        assert_eq!(member.host_id, "host");
        assert_eq!(member.starts_at, "2026-12-23T22:00:00.000Z");
        assert_eq!(member.applied_at, instant_key(now));
        assert!(!member.attendance);
        assert_eq!(member.evaluation, 0);
        assert_ne!(member.apply_id, Member::join(&run, "runner", now).apply_id);
    }

    #[test]
    fn an_edit_keeps_what_it_omits_and_marks_new_uploads_as_not_resized() {
        let mut old = group("2026-12-24", "07:00");
        old.parking = Some("주차 가능".into());
        old.chatting_room = "https://open.kakao.com/o/old".into();
        old.images_resized = true;
        let old_text = GroupText {
            map_lat_lng: "[[37.5,127.0]]".into(),
            content: Some("old content".into()),
        };
        let now = at("2026-12-05T10:00:00.000Z");
        let edit = |content: Option<&str>| GroupEdit {
            title: "new title".into(),
            max_people: 8,
            date: NaiveDate::from_ymd_opt(2026, 12, 25).expect("date"),
            standby: parse_time("06:30").expect("time"),
            speed: "6'00\" km/h".into(),
            thema: "트랙".into(),
            parking: None,
            baggage: Some("보관 가능".into()),
            content: content.map(str::to_owned),
            chatting_room: None,
        };

        let (kept, text) = edit(None).apply_to(&old, Some(old_text.clone()), vec![], false, now);
        assert_eq!(kept.title, "new title");
        assert_eq!(kept.date, "2026-12-25");
        assert_eq!(kept.standby_time, "06:30:00");
        assert_eq!(kept.starts_at, "2026-12-24T21:30:00.000Z");
        assert_eq!(kept.parking.as_deref(), Some("주차 가능"));
        assert_eq!(kept.baggage.as_deref(), Some("보관 가능"));
        assert_eq!(kept.chatting_room, "https://open.kakao.com/o/old");
        assert_eq!(
            (kept.location.as_str(), kept.distance),
            (old.location.as_str(), old.distance)
        );
        assert!(
            kept.images_resized,
            "no new upload: the resized copies still serve"
        );
        assert_eq!(kept.updated_at, instant_key(now));
        assert_eq!(text, old_text);

        let (uploaded, text) =
            edit(Some("new content")).apply_to(&old, None, vec!["new.jpg".into()], true, now);
        assert!(
            !uploaded.images_resized,
            "a new upload waits for its copies"
        );
        assert_eq!(uploaded.thumbnails, vec!["new.jpg".to_owned()]);
        assert_eq!(text.map_lat_lng, "[]");
        assert_eq!(text.content.as_deref(), Some("new content"));
    }

    #[test]
    fn an_edit_retries_only_when_the_resize_mark_alone_changed() {
        let now = at("2026-12-05T10:00:00.000Z");
        let mut read = group("2026-12-24", "07:00");
        read.thumbnails = vec!["a.jpg".into()];
        let marked = Group {
            images_resized: true,
            ..read.clone()
        };
        assert!(edit_may_retry(&read, &marked, "host", now));
        assert!(
            !edit_may_retry(&read, &read, "host", now),
            "nothing to retry for"
        );
        let joined = Group {
            apply_count: 2,
            ..marked.clone()
        };
        assert!(!edit_may_retry(&read, &joined, "host", now), "a join wins");
        let other_images = Group {
            thumbnails: vec!["b.jpg".into()],
            ..marked.clone()
        };
        assert!(!edit_may_retry(&read, &other_images, "host", now));
        assert!(!edit_may_retry(&read, &marked, "someone else", now));
        let started = at("2026-12-24T00:00:00.000Z");
        assert!(
            !edit_may_retry(&read, &marked, "host", started),
            "started meanwhile"
        );
    }

    #[test]
    fn regions_come_from_the_first_word_with_the_rewrite_aliases() {
        assert_eq!(region_of("서울 관악구 신림동 1463-69"), 1);
        assert_eq!(region_of("대전 유성구"), 5);
        assert_eq!(region_of("강원특별자치도 춘천시"), 4);
        assert_eq!(region_of("전북특별자치도 전주시"), 8);
        assert_eq!(region_of("제주특별자치도 제주시"), 9);
        assert_eq!(region_of("Tokyo"), 0);
        assert_eq!(region_of(""), 0);
    }

    #[test]
    fn time_buckets_follow_the_filter_labels() {
        let bucket = |t: &str| time_bucket(parse_time(t).expect("time"));
        assert_eq!(bucket("00:30"), 1);
        assert_eq!(bucket("03:59"), 1);
        assert_eq!(bucket("04:00"), 2);
        assert_eq!(bucket("14:50"), 4);
        assert_eq!(bucket("23:59"), 6);
    }

    #[test]
    fn times_accept_short_forms_and_hour_24_means_noon() {
        assert_eq!(parse_time("7:05"), NaiveTime::from_hms_opt(7, 5, 0));
        assert_eq!(parse_time("17:25:30"), NaiveTime::from_hms_opt(17, 25, 30));
        assert_eq!(parse_time("24:30"), NaiveTime::from_hms_opt(12, 30, 0));
        assert_eq!(parse_time("25:00"), None);
        assert_eq!(parse_time("7"), None);
        assert_eq!(parse_time("undefined"), None);
    }

    #[test]
    fn kst_starts_are_nine_hours_ahead_of_utc() {
        let d = NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
        assert_eq!(
            instant_key(start_instant(d, parse_time("07:00").expect("t"))),
            "2026-05-31T22:00:00.000Z"
        );
    }

    #[test]
    fn apply_end_time_counts_days_then_hours_then_closes() {
        // Now: 2026-06-01 23:00 KST.
        let now = at("2026-06-01T14:00:00Z");
        assert_eq!(group("2026-06-04", "07:00").apply_end_time(now), "3 일");
        assert_eq!(
            group("2026-06-02", "01:00").apply_end_time(now),
            "1 일",
            "tomorrow 01:00 seen at 23:00"
        );
        let morning = at("2026-06-01T00:00:00Z"); // 09:00 KST
        assert_eq!(
            group("2026-06-01", "14:59").apply_end_time(morning),
            "5 시간"
        );
        assert_eq!(
            group("2026-06-01", "09:30").apply_end_time(morning),
            "0 일",
            "less than an hour"
        );
        assert_eq!(group("2026-05-30", "09:30").apply_end_time(morning), "0 일");
    }

    #[test]
    fn list_order_puts_closed_runs_first_and_mixes_hours_with_days() {
        let morning = at("2026-06-01T00:00:00Z"); // 09:00 KST
        let mut groups = vec![
            group("2026-06-04", "07:00"), // 3 일
            group("2026-06-01", "14:00"), // 5 시간
            group("2026-05-20", "07:00"), // 0 일
            group("2026-06-03", "07:00"), // 2 일
        ];
        sort_for_list(&mut groups, morning);
        let dates: Vec<&str> = groups.iter().map(|g| g.date.as_str()).collect();
        assert_eq!(
            dates,
            ["2026-05-20", "2026-06-03", "2026-06-04", "2026-06-01"]
        );
    }

    #[test]
    fn formats_match_the_contract_examples() {
        let g = group("2022-06-18", "17:25");
        assert_eq!(g.list_date(), "2022.06.18 (토) 17:25");
        assert_eq!(g.long_date(), "2022년 06월 18일 토요일 17시 25분");
        assert_eq!(g.short_location(), "서울 서초구");
        let one_word = Group {
            location: "서울".into(),
            ..g
        };
        assert_eq!(one_word.short_location(), "서울");
    }

    #[test]
    fn feed_filters_parse_the_frontends_trailing_slashes() {
        let f = FeedFilter::parse(
            Some("2026-06-01/2026-06-30"),
            Some("1/2/"),
            Some("0/"),
            Some("2/4/"),
            Some("도시/산/"),
            Some("0"),
        );
        assert_eq!(f.regions, Some(vec![1, 2]));
        assert_eq!(f.time_buckets, None, "0 means every bucket");
        assert_eq!(f.distance_buckets, Some(vec![2, 4]));
        assert_eq!(f.themas, Some(vec!["도시".to_owned(), "산".to_owned()]));
        assert!(!f.include_finished);
        let empty = FeedFilter::parse(Some(""), Some(""), Some(""), Some(""), Some(""), None);
        assert_eq!(empty, FeedFilter::default());
        let reversed = FeedFilter::parse(
            Some("2026-06-30/2026-06-01"),
            None,
            None,
            None,
            Some("전체/"),
            Some("1"),
        );
        assert_eq!(reversed.dates, Some(None));
        assert_eq!(reversed.themas, None);
        assert!(reversed.include_finished);
        assert!(!reversed.matches(&group("2026-06-10", "07:00")));
    }

    #[test]
    fn distance_buckets_are_half_open() {
        assert_eq!(distance_bucket(4.99), 1);
        assert_eq!(distance_bucket(5.0), 2);
        assert_eq!(distance_bucket(10.0), 3);
        assert_eq!(distance_bucket(15.0), 4);
    }

    #[test]
    fn apply_decisions_cover_each_refusal() {
        let now = at("2026-06-01T00:00:00Z");
        let g = group("2026-06-03", "07:00");
        assert_eq!(decide_apply(&g, "me", false, now), Ok(ApplyAction::Apply));
        assert_eq!(decide_apply(&g, "me", true, now), Ok(ApplyAction::Cancel));
        assert_eq!(
            decide_apply(&g, "host", true, now),
            Err(ApplyRefusal::HostCannotCancel)
        );
        let full = Group {
            apply_count: 5,
            ..g.clone()
        };
        assert_eq!(
            decide_apply(&full, "me", false, now),
            Err(ApplyRefusal::Full)
        );
        assert_eq!(
            decide_apply(&full, "me", true, now),
            Ok(ApplyAction::Cancel),
            "members may always leave"
        );
        assert_eq!(
            decide_apply(&g, "me", false, at("2026-06-10T00:00:00Z")),
            Err(ApplyRefusal::Started)
        );
    }

    #[test]
    fn edited_images_keep_known_keys_in_order_then_new_ones_up_to_three() {
        let current = vec!["1.jpg".to_owned(), "2.jpg".to_owned(), "3.jpg".to_owned()];
        let (slots, removed, stored) = edit_images(
            &current,
            &[
                "https://cdn/w_758/3.jpg",
                "https://cdn/w_758/1.jpg?x=1",
                "https://s3/groupthumbnail/default.png",
                "https://cdn/w_758/3.jpg",
            ],
            &["new.png".to_owned(), "new2.png".to_owned()],
        );
        assert_eq!(slots, ["3.jpg", "1.jpg", "new.png"]);
        assert_eq!(removed, ["2.jpg"]);
        assert_eq!(stored, 1, "only one upload fits");
        let (slots, removed, _) = edit_images(&current, &[], &[]);
        assert!(slots.is_empty());
        assert_eq!(removed.len(), 3);
    }

    #[test]
    fn create_and_edit_forms_validate_in_contract_order() {
        let form = GroupForm {
            title: Some("한강 러닝".into()),
            max_people: Some(" 5 ".into()),
            date: Some("2026-06-01".into()),
            standby_time: Some("7:00".into()),
            finish_time: Some("23:00".into()),
            distance: Some("5.06".into()),
            speed: Some("5'00\" km/h".into()),
            location: Some("서울 서초구".into()),
            map_lat_lng: Some(r#"[{"lat":1,"lng":2}]"#.into()),
            thema: Some("산".into()),
            parking: Some("undefined".into()),
            ..GroupForm::default()
        };
        let parsed = parse_new(&form).expect("valid");
        assert_eq!(parsed.max_people, 5);
        assert_eq!(parsed.parking, None, "`undefined` text is absent");
        assert_eq!(parsed.chatting_room, "");
        let too_many = GroupForm {
            max_people: Some("51".into()),
            ..form.clone()
        };
        assert_eq!(parse_new(&too_many), Err(msg::MAX_PEOPLE_TOO_MANY));
        let edit = GroupForm {
            finish_time: Some("undefined".into()),
            location: None,
            map_lat_lng: None,
            distance: None,
            ..form
        };
        assert!(
            parse_edit(&edit).is_ok(),
            "the edit page sends finishTime as `undefined`"
        );
    }
}
