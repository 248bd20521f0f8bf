//! `/course` routes (contract courses.md).

use std::collections::HashSet;

use lambda_http::Request;
use serde_json::{Map, Value, json};
use shared::domain::course::{self, Course, CourseEdit, CourseSort, MAX_IMAGES, NewCourse, msg};
use shared::domain::format::{js_number, kst_datetime};
use shared::domain::image::{MAX_IMAGE_BYTES, check_image, folder, object_key};
use shared::domain::limits::{self, Page};
use shared::domain::place;
use shared::domain::user::User;
use shared::error::OrFail;
use shared::http::multipart::{self, Form, Limits, UploadedFile};
use shared::http::{self, auth, ok};
use shared::services::images;
use shared::store::{BookmarkOutcome, Lookup, RateOutcome};
use shared::time::{instant_key, parse_instant};
use shared::{ApiError, ApiResult, App};

const LIMITS: Limits = Limits {
    file_field: "courseImage",
    max_files: MAX_IMAGES,
    max_file_bytes: MAX_IMAGE_BYTES,
};

/// POST /course — share a course (multipart, 1–3 `courseImage` files).
pub async fn create(app: &App, req: Request) -> ApiResult {
    let me = auth::require_user(app, &req).await?;
    let form = multipart::parse(&req, LIMITS).await?;
    let mimes = checked_images(&form.files)?;
    let input = NewCourse::parse(|name| form.text(name)).map_err(ApiError::bad_request)?;
    if form.files.is_empty() {
        return Err(ApiError::bad_request(msg::NO_IMAGE));
    }
    // Every refusal comes before the upload: a refused request stores nothing.
    limits::new_course(&input).map_err(ApiError::bad_request)?;
    let now = app.clock.now();
    let course_id = uuid::Uuid::new_v4().to_string();
    let keys = upload(app, &course_id, &form.files, &mimes)
        .await
        .or_fail(msg::CREATE_FAILED)?;
    let course = input.into_course(course_id, me.user_id(), keys, now);
    app.db
        .create_course(&course)
        .await
        .or_fail(msg::CREATE_FAILED)?;
    ok(&json!({ "success": true, "message": msg::CREATED }))
}

/// Every file must be an accepted image (multer's filter ran before the validator).
fn checked_images(files: &[UploadedFile]) -> Result<Vec<&'static str>, ApiError> {
    files
        .iter()
        .map(|f| check_image(&f.content_type, &f.bytes).map_err(ApiError::bad_request))
        .collect()
}

/// Stores files under fresh keys (distinct within the request), concurrently.
async fn upload(
    app: &App,
    course_id: &str,
    files: &[UploadedFile],
    mimes: &[&str],
) -> anyhow::Result<Vec<String>> {
    let now_ms = app.clock.now().timestamp_millis();
    let keys: Vec<String> = files
        .iter()
        .zip(mimes)
        .enumerate()
        .map(|(i, (f, mime))| {
            let random = u16::from_le_bytes([uuid::Uuid::new_v4().as_bytes()[0], 0]);
            object_key(&f.file_name, mime, random, now_ms + i as i64)
        })
        .collect();
    let puts = files.iter().zip(mimes).zip(&keys).map(|((f, mime), key)| {
        images::upload_owned(
            app,
            folder::COURSE,
            key,
            f.bytes.clone(),
            mime,
            Some(course_id),
        )
    });
    futures::future::try_join_all(puts).await?;
    Ok(keys)
}

/// GET /course/main — the 6 newest courses.
pub async fn main(app: &App, req: Request) -> ApiResult {
    let list = CourseList::of(app, &req).await?;
    list_reply(main_feed(list).await)
}

/// GET /course/all — the region's sorted feed and the subject's ranking:
/// paged from the ordering indexes ([`feed_page`]), else the whole region
/// ([`all_feed`]).
pub async fn all(app: &App, req: Request) -> ApiResult {
    if let Some(page) = http::page(&req) {
        return feed_page(app, &req, page).await;
    }
    let list = CourseList::of(app, &req).await?;
    list_reply(all_feed(list, &req).await)
}

/// GET /course/mypage — the courses the subject wrote.
pub async fn mypage(app: &App, req: Request) -> ApiResult {
    let list = CourseList::of(app, &req).await?;
    list_reply(mypage_feed(list).await)
}

/// GET /course/bookmark — the courses the subject bookmarked.
pub async fn bookmark_list(app: &App, req: Request) -> ApiResult {
    let list = CourseList::of(app, &req).await?;
    list_reply(bookmark_feed(list).await)
}

/// GET /course/{category} with any other category: an empty `data` (and
/// the subject's `preferData`).
pub async fn unknown_category(app: &App, req: Request) -> ApiResult {
    let list = CourseList::of(app, &req).await?;
    list_reply(list.answer(&[], true, &[], |_, _| Map::new()).await)
}

/// A list body as the answer: a read failure or a missing subject user is
/// the list's failure message.
fn list_reply(body: anyhow::Result<Option<Value>>) -> ApiResult {
    body.or_fail(msg::LIST_FAILED)
        .and_then(|body| body.ok_or_else(|| ApiError::bad_request(msg::LIST_FAILED)))
        .and_then(|body| ok(&body))
}

/// An unpaged course list: whose list it is (`?userId=`, else the viewer)
/// and who asks. Data: one Query (or none) and one BatchGetItem (subject
/// profile, bookmark flags, bookmarked courses), whatever the size.
struct CourseList<'a> {
    app: &'a App,
    subject_id: Option<String>,
    viewer: Option<User>,
}

impl<'a> CourseList<'a> {
    /// The list of `?userId=` (else of the viewer), as the viewer asks it.
    async fn of(app: &'a App, req: &Request) -> Result<Self, ApiError> {
        let viewer = auth::optional_user(app, req).await?;
        let subject_id = http::query_id(req, "userId")
            .or_else(|| viewer.as_ref().map(|v| v.user_id().to_owned()));
        Ok(Self {
            app,
            subject_id,
            viewer: viewer.map(|v| v.user),
        })
    }

    fn subject_id(&self) -> Option<&str> {
        self.subject_id.as_deref()
    }

    /// The body of the list: one BatchGetItem for the subject's profile
    /// (unless the viewer is the subject), the `courses`, and (with
    /// `subject_marks`) the subject's bookmarks on `marks_on`; `data` builds
    /// the `data` object from the subject and what was read. `None` when the
    /// subject user does not exist.
    async fn answer(
        self,
        courses: &[&str],
        subject_marks: bool,
        marks_on: &[&str],
        data: impl FnOnce(Option<&User>, &Lookup) -> Map<String, Value>,
    ) -> anyhow::Result<Option<Value>> {
        let subject_id = self.subject_id.as_deref();
        let viewer_is_subject = self.viewer.as_ref().map(|v| v.user_id.as_str()) == subject_id;
        let users: Vec<&str> = subject_id
            .filter(|_| !viewer_is_subject)
            .into_iter()
            .collect();
        let marks_of = subject_id.filter(|_| subject_marks);
        let found = self
            .app
            .db
            .lookup(&users, courses, marks_of, marks_on)
            .await?;
        let subject = match subject_id {
            None => None,
            Some(_) if viewer_is_subject => self.viewer,
            Some(id) => match found.users.get(id) {
                Some(user) => Some(user.clone()),
                None => return Ok(None),
            },
        };
        let data = data(subject.as_ref(), &found);
        let mut body = json!({ "success": true, "data": data });
        if let Some(subject) = subject {
            body["preferData"] = json!(place::course_prefer_name(subject.like_location.as_deref()));
        }
        Ok(Some(body))
    }
}

fn ids(courses: &[Course]) -> Vec<&str> {
    courses.iter().map(|c| c.course_id.as_str()).collect()
}

fn feed_of(items: Vec<Value>) -> Map<String, Value> {
    Map::from_iter([("feed".to_owned(), Value::from(items))])
}

/// `GET /course/main`: the 6 newest courses.
async fn main_feed(list: CourseList<'_>) -> anyhow::Result<Option<Value>> {
    let app = list.app;
    let courses = app.db.newest_courses(Some(6)).await?;
    list.answer(&[], true, &ids(&courses), |_, found| {
        let flag = |c: &Course| found.bookmarked.contains(&c.course_id);
        feed_of(courses.iter().map(|c| main_item(app, c, flag(c))).collect())
    })
    .await
}

/// `GET /course/all` without paging: the region's sorted feed (whole, or
/// sliced by a `page`/`size` the paged path did not take), plus the top 3
/// of the subject's preferred region; the bookmark flags are read for the
/// feed and the top 3 of every pool the preference may pick.
async fn all_feed(list: CourseList<'_>, req: &Request) -> anyhow::Result<Option<Value>> {
    let app = list.app;
    let courses = app.db.newest_courses(None).await?;
    let region = course::parse_region_filter(http::query(req, "region").as_deref());
    let mut feed: Vec<Course> = courses
        .iter()
        .filter(|c| region.is_none_or(|r| c.region == r))
        .cloned()
        .collect();
    course::sort_courses(
        &mut feed,
        CourseSort::parse(http::query(req, "sort").as_deref()),
    );
    let page = limits::page_range(http::page(req), feed.len());
    feed = feed.drain(page).collect();
    let pools: HashSet<&str> = std::iter::once(None)
        .chain((1..=9).map(Some))
        .flat_map(|r| course::ranking(&courses, r))
        .map(|c| c.course_id.as_str())
        .collect();
    let marks_on: Vec<String> = feed
        .iter()
        .map(|c| c.course_id.as_str())
        .chain(pools)
        .map(str::to_owned)
        .collect();
    let marks: Vec<&str> = marks_on.iter().map(String::as_str).collect();
    let now = app.clock.now().timestamp();
    list.answer(&[], true, &marks, |subject, found| {
        let flag = |c: &Course| found.bookmarked.contains(&c.course_id);
        let region = subject.and_then(|s| place::preferred_region(s.like_location.as_deref()));
        let ranking: Vec<Value> = course::ranking(&courses, region)
            .into_iter()
            .map(|c| feed_item(app, c, flag(c), now, false))
            .collect();
        let items: Vec<Value> = feed
            .iter()
            .map(|c| feed_item(app, c, flag(c), now, true))
            .collect();
        let mut data = feed_of(items);
        data.insert("rankingFeed".into(), ranking.into());
        data
    })
    .await
}

/// `GET /course/mypage`: the courses the subject wrote.
async fn mypage_feed(list: CourseList<'_>) -> anyhow::Result<Option<Value>> {
    let app = list.app;
    let courses = match list.subject_id() {
        Some(s) => app.db.courses_by_author(s).await?,
        None => Vec::new(),
    };
    list.answer(&[], true, &ids(&courses), |subject, found| {
        let flag = |c: &Course| found.bookmarked.contains(&c.course_id);
        match subject {
            Some(_) => feed_of(courses.iter().map(|c| my_item(app, c, flag(c))).collect()),
            None => Map::new(),
        }
    })
    .await
}

/// `GET /course/bookmark`: the courses the subject bookmarked.
async fn bookmark_feed(list: CourseList<'_>) -> anyhow::Result<Option<Value>> {
    let app = list.app;
    let bookmarked_ids = match list.subject_id() {
        Some(s) => app.db.bookmarked_course_ids(s).await?,
        None => Vec::new(),
    };
    let course_ids: Vec<&str> = bookmarked_ids.iter().map(String::as_str).collect();
    list.answer(&course_ids, false, &[], |subject, found| match subject {
        Some(_) => feed_of(
            bookmarked_ids
                .iter()
                .filter_map(|id| found.courses.get(id))
                .map(|c| my_item(app, c, true))
                .collect(),
        ),
        None => Map::new(),
    })
    .await
}

/// `GET /course/all` with `page` and `size` (as the frontend always sends
/// them), served from the ordering indexes: the page's slice of its ordering
/// and the subject's top-3 ranking are each one Query reading only what is
/// shown (docs/data-model.md, "Course orderings"); the bookmark flags come
/// with the profile. Without paging the whole region is listed ([`all_feed`]).
async fn feed_page(app: &App, req: &Request, page: Page) -> ApiResult {
    let viewer = auth::optional_user_with_bookmarks(app, req).await?;
    let requested = http::query_id(req, "userId");
    list_reply(feed_page_body(app, req, viewer, requested, page).await)
}

async fn feed_page_body(
    app: &App,
    req: &Request,
    viewer: Option<(auth::AuthUser, HashSet<String>)>,
    requested: Option<String>,
    page: Page,
) -> anyhow::Result<Option<Value>> {
    let (subject, marks) = match (requested, viewer) {
        (Some(id), Some((v, marks))) if id == v.user_id() => (Some(v.user), marks),
        (Some(id), _) => match app.db.profile_and_bookmarks(&id).await? {
            Some((user, marks)) => (Some(user), marks),
            None => return Ok(None),
        },
        (None, Some((v, marks))) => (Some(v.user), marks),
        (None, None) => (None, HashSet::new()),
    };
    let region = course::parse_region_filter(http::query(req, "region").as_deref());
    let sort = CourseSort::parse(http::query(req, "sort").as_deref());
    let (needed, skip) = (page.needed(), page.skip());
    let pool = subject
        .as_ref()
        .and_then(|s| place::preferred_region(s.like_location.as_deref()));
    let feed = async {
        match course::CourseOrder::of_sort(sort) {
            None => {
                let newest = app.db.newest_courses_in(region, needed).await?;
                Ok(newest.into_iter().skip(skip).collect::<Vec<_>>())
            }
            Some(order) => {
                let ids = app.db.course_ids_by_order(order, region, needed).await?;
                let ids: Vec<String> = ids.into_iter().skip(skip).collect();
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                app.db.courses_by_ids(&ids).await
            }
        }
    };
    let (feed, ranking) = futures::try_join!(feed, app.db.course_ranking(pool, 3))?;
    let now = app.clock.now().timestamp();
    let flag = |c: &Course| marks.contains(&c.course_id);
    let items: Vec<Value> = feed
        .iter()
        .map(|c| feed_item(app, c, flag(c), now, true))
        .collect();
    let ranking: Vec<Value> = ranking
        .iter()
        .map(|c| feed_item(app, c, flag(c), now, false))
        .collect();
    let mut body = json!({ "success": true, "data": { "feed": items, "rankingFeed": ranking } });
    if let Some(subject) = subject {
        body["preferData"] = json!(place::course_prefer_name(subject.like_location.as_deref()));
    }
    Ok(Some(body))
}

fn image_url(app: &App, c: &Course) -> Value {
    c.images
        .first()
        .map(|key| {
            app.config
                .images
                .list(folder::COURSE, key, c.images_resized)
        })
        .into()
}

fn main_item(app: &App, c: &Course, bookmark: bool) -> Value {
    json!({
        "courseId": c.course_id,
        "title": c.title,
        "location": place::short_location(&c.location),
        "distance": js_number(c.distance),
        "courseImageUrl1": image_url(app, c),
        "clickCnt": c.click_cnt,
        "createdAt": created_text(c),
        "commentCnt": c.comment_count,
        "starPoint": c.stars().text_or_zero(),
        "bookmark": bookmark,
    })
}

fn feed_item(app: &App, c: &Course, bookmark: bool, now: i64, with_count: bool) -> Value {
    let mut item = main_item(app, c, bookmark);
    let updated = parse_instant(&c.updated_at).map_or(now, |t| t.timestamp());
    item["region"] = json!(c.region);
    item["updateTime"] = json!(now - updated);
    item["rankPoint"] = js_number(c.rank_point());
    if with_count {
        item["bookmarkCnt"] = json!(c.bookmark_count);
    }
    item
}

fn my_item(app: &App, c: &Course, bookmark: bool) -> Value {
    let mut item = main_item(app, c, bookmark);
    item["userId"] = json!(c.user_id);
    item["starPoint"] = json!(c.stars().text_or_zero_text());
    item
}

fn created_text(c: &Course) -> String {
    parse_instant(&c.created_at)
        .map(kst_datetime)
        .unwrap_or_default()
}

/// GET /course/detail/{id} — one course; counts the view.
pub async fn detail(app: &App, req: Request) -> ApiResult {
    let viewer = auth::optional_user(app, &req).await?;
    let course_id = http::path_param(&req, "id")?;
    let course = app
        .db
        .view_course(&course_id)
        .await
        .or_fail(msg::DETAIL_FAILED)?
        .ok_or_else(|| ApiError::bad_request(msg::DETAIL_FAILED))?;
    let viewer_id = viewer.as_ref().map(|v| v.user_id());
    let found = app
        .db
        .lookup(&[&course.user_id], &[], viewer_id, &[&course.course_id])
        .await
        .or_fail(msg::DETAIL_FAILED)?;
    let author = found.users.get(&course.user_id);
    let urls = &app.config.images;
    let image = |slot: usize| -> Value {
        course
            .images
            .get(slot)
            .map(|k| urls.detail(folder::COURSE, k, course.images_resized))
            .into()
    };
    let map: Value = serde_json::from_str(&course.map_lat_lng).unwrap_or_else(|_| json!([]));
    ok(&json!({
        "success": true,
        "data": {
            "courseId": course.course_id,
            "title": course.title,
            "content": course.content,
            "location": course.location,
            "distance": js_number(course.distance),
            "totalTime": course.total_time,
            "courseImageUrl1": image(0),
            "courseImageUrl2": image(1),
            "courseImageUrl3": image(2),
            "mapLatLng": map,
            "parking": course.parking,
            "baggage": course.baggage,
            "createdAt": created_text(&course),
            "clickCnt": course.click_cnt,
            "thema": course.thema,
            "user": {
                "userId": course.user_id,
                "nickname": author.map_or(shared::domain::comment::msg::UNKNOWN_AUTHOR, |a| a.nickname.as_str()),
                "profileUrl": author.map_or("", |a| a.profile_url.as_str()),
                "userLevel": author.and_then(|a| a.user_level.clone()),
                "mannerPoint": author.map_or(Value::Null, |a| js_number(a.manner_point)),
            },
            "bookmark": found.bookmarked.contains(&course.course_id),
        }
    }))
}

/// PATCH /course/{id} — edit a course (multipart; unused by the frontend).
pub async fn update(app: &App, req: Request) -> ApiResult {
    let me = auth::require_user(app, &req).await?;
    let form: Form = multipart::parse(&req, LIMITS).await?;
    let mimes = checked_images(&form.files)?;
    let course_id = http::path_param(&req, "id")?;
    let course = app
        .db
        .course(&course_id)
        .await
        .or_fail(msg::UPDATE_FAILED)?
        .ok_or_else(|| ApiError::bad_request(msg::NOT_FOUND))?;
    if course.user_id != me.user_id() {
        return Err(ApiError::bad_request(msg::NOT_AUTHOR_EDIT));
    }
    let kept = course::kept_images(&course.images, &form.texts("courseImageUrl"));
    let room = MAX_IMAGES.saturating_sub(kept.len()).min(form.files.len());
    if kept.is_empty() && room == 0 {
        return Err(ApiError::bad_request(msg::NO_IMAGE));
    }
    // Every refusal comes before the upload: a refused request stores nothing.
    let edit = CourseEdit::parse(|name| form.text(name));
    limits::course_edit(&edit).map_err(ApiError::bad_request)?;
    let added = upload(app, &course_id, &form.files[..room], &mimes[..room])
        .await
        .or_fail(msg::UPDATE_FAILED)?;
    let previous = course.images.clone();
    let mut edited = edit.apply(course);
    edited.images_resized = edited.images_resized && added.is_empty();
    let added_keys = added.clone();
    edited.images = kept.into_iter().chain(added).collect();
    edited.updated_at = instant_key(app.clock.now());
    if let Err(cause) = app.db.update_course(&edited).await {
        // Nothing references the new uploads: do not leave them behind.
        if let Err(e) = images::delete(app, folder::COURSE, &added_keys).await {
            tracing::warn!(error = ?e, "uploads of a failed course edit were not deleted");
        }
        return Err(ApiError::Failed {
            message: msg::UPDATE_FAILED,
            cause,
        });
    }
    let dropped: Vec<String> = previous
        .into_iter()
        .filter(|k| !edited.images.contains(k))
        .collect();
    if !dropped.is_empty()
        && let Err(e) = images::delete(app, folder::COURSE, &dropped).await
    {
        tracing::warn!(error = ?e, "dropped course images were not deleted");
    }
    ok(&json!({ "success": true, "message": msg::UPDATED }))
}

/// DELETE /course/{id} — delete a course with its bookmarks, ratings,
/// comments, replies and images.
pub async fn delete(app: &App, req: Request) -> ApiResult {
    let me = auth::require_user(app, &req).await?;
    let course_id = http::path_param(&req, "id")?;
    let course = app
        .db
        .course(&course_id)
        .await
        .or_fail(msg::DELETE_FAILED)?
        .ok_or_else(|| ApiError::bad_request(msg::NOT_FOUND))?;
    if course.user_id != me.user_id() {
        return Err(ApiError::bad_request(msg::NOT_AUTHOR_DELETE));
    }
    app.db
        .delete_course(&course_id)
        .await
        .or_fail(msg::DELETE_FAILED)?;
    // The course is gone; an S3 hiccup only leaves unreachable objects behind.
    if let Err(e) = images::delete(app, folder::COURSE, &course.images).await {
        tracing::warn!(error = ?e, "course images were not deleted");
    }
    ok(&json!({ "success": true, "message": msg::DELETED }))
}

/// PATCH /course/{id}/bookmark — toggle the caller's bookmark.
pub async fn bookmark(app: &App, req: Request) -> ApiResult {
    let me = auth::require_user(app, &req).await?;
    let course_id = http::path_param(&req, "id")?;
    let course = app
        .db
        .course(&course_id)
        .await
        .or_fail(msg::BOOKMARK_FAILED)?
        .ok_or_else(|| ApiError::bad_request(msg::NOT_FOUND))?;
    let bookmarked = match app
        .db
        .toggle_bookmark(&course, me.user_id())
        .await
        .or_fail(msg::BOOKMARK_FAILED)?
    {
        BookmarkOutcome::Added => true,
        BookmarkOutcome::Removed => false,
        BookmarkOutcome::NoCourse => return Err(ApiError::bad_request(msg::NOT_FOUND)),
    };
    ok(&json!({ "success": true, "data": { "bookmark": bookmarked } }))
}

/// GET /course/{id}/starPoint — rating summary and the viewer's rating.
pub async fn star_point(app: &App, req: Request) -> ApiResult {
    let viewer = auth::optional_user(app, &req).await?;
    let course_id = http::path_param(&req, "id")?;
    let found = app
        .db
        .lookup(
            &[],
            &[&course_id],
            viewer.as_ref().map(|v| v.user_id()),
            &[&course_id],
        )
        .await
        .or_fail(msg::STAR_READ_FAILED)?;
    let course = found
        .courses
        .get(&course_id)
        .ok_or_else(|| ApiError::bad_request(msg::NOT_FOUND))?;
    let stars = course.stars();
    ok(&json!({
        "success": true,
        "data": {
            "starPoint": stars.text(),
            "starPeople": stars.count,
            "myStarPoint": found.stars.get(&course_id).copied().unwrap_or(0),
        }
    }))
}

/// PATCH /course/{id}/starPoint — rate (1–5) or clear (`null`) the caller's rating.
pub async fn rate(app: &App, req: Request) -> ApiResult {
    let me = auth::require_user(app, &req).await?;
    let course_id = http::path_param(&req, "id")?;
    // A malformed body counts as an invalid rating; existence is checked first.
    let rating = http::json_body::<Value>(&req)
        .map_err(|_| msg::STAR_FAILED)
        .and_then(|body| course::parse_star(body.get("myStarPoint")));
    let Ok(rating) = rating else {
        return match app.db.course(&course_id).await.or_fail(msg::STAR_FAILED)? {
            None => Err(ApiError::bad_request(msg::NOT_FOUND)),
            Some(_) => Err(ApiError::bad_request(msg::STAR_FAILED)),
        };
    };
    match app
        .db
        .rate_course(&course_id, me.user_id(), rating)
        .await
        .or_fail(msg::STAR_FAILED)?
    {
        RateOutcome::NoCourse => Err(ApiError::bad_request(msg::NOT_FOUND)),
        RateOutcome::Rated { stars, mine } => ok(&json!({
            "success": true,
            "data": { "starPoint": stars.text(), "starPeople": stars.count, "myStarPoint": mine }
        })),
    }
}
