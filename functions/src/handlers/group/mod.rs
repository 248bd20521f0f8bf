//! `/group/*` — group runs (contract groups.md).

use lambda_http::Request;
use serde::Deserialize;
use serde_json::{Value, json};
use shared::domain::group::{self as rules, ApplyAction, FeedFilter, Group, Member, msg};
use shared::domain::image::folder;
use shared::domain::limits::{self, Page};
use shared::domain::number::js_number;
use shared::error::OrFail;
use shared::http::multipart;
use shared::http::{self, auth, ok};
use shared::services;
use shared::store::feed::FeedQuery;
use shared::store::groups::{
    ApplyOutcome, CancelOutcome, CreateGroupOutcome, EvaluateOutcome, ListedRun, MyEvaluation,
    MyPart, RunWithMembers,
};
use shared::time::instant_key;
use shared::{ApiError, ApiResult, App};

mod form;
mod images;
mod view;

use form::form_fields;
use images::{THUMBNAILS, checked_images, detail_thumbnails, upload_all};
use view::{Extra, list_items, prefer_distance, prefer_location, render};

/// How often an edit reads the run again when the resize function marked its
/// images between the edit's read and its write.
const MAX_EDIT_RETRIES: u32 = 3;

fn bad(message: &str) -> ApiError {
    ApiError::bad_request(message)
}

// ---------------------------------------------------------------------------
// Create / edit / delete
// ---------------------------------------------------------------------------
/// POST /group — create a run (multipart, 0–3 `thumbnail` files).
pub async fn create(app: &App, req: Request) -> ApiResult {
    let me = auth::require_user(app, &req).await?;
    let form = multipart::parse(&req, THUMBNAILS).await?;
    let files = checked_images(&form.files)?;
    let fields = form_fields(&form);
    let input = rules::parse_new(&fields).map_err(bad)?;
    shared::domain::limits::group_form(&fields).map_err(ApiError::bad_request)?;
    let now = app.clock.now();
    let start = rules::start_instant(input.date, input.standby);
    if !rules::far_enough_ahead(start, now) {
        return Err(bad(msg::CREATE_TOO_SOON));
    }

    let group_id = uuid::Uuid::new_v4().to_string();
    let thumbnails = upload_all(app, &group_id, &files)
        .await
        .or_fail(msg::CREATE_FAILED)?;
    let (group, text) = input.into_run(group_id, me.user_id(), thumbnails, now);
    let host = Member::join(&group, &group.user_id, now);
    let outcome = app
        .db
        .create_group(&group, &text, &host, now.timestamp())
        .await
        .or_fail(msg::CREATE_FAILED);
    if !matches!(outcome, Ok(CreateGroupOutcome::Created)) && !group.thumbnails.is_empty() {
        // Nothing references the uploads: do not leave them behind.
        services::images::delete(app, folder::GROUP, &group.thumbnails)
            .await
            .or_fail(msg::CREATE_FAILED)?;
    }
    match outcome? {
        CreateGroupOutcome::Created => ok(&json!({ "success": true, "message": msg::CREATED })),
        CreateGroupOutcome::Throttled => Err(bad(msg::THROTTLED)),
    }
}

/// PATCH /group/{id} — edit a run (host only, not after it started).
pub async fn update(app: &App, req: Request) -> ApiResult {
    let me = auth::require_user(app, &req).await?;
    let group_id = http::path_param(&req, "id")?;
    let form = multipart::parse(&req, THUMBNAILS).await?;
    let files = checked_images(&form.files)?;
    let fields = form_fields(&form);
    let input = rules::parse_edit(&fields).map_err(bad)?;
    shared::domain::limits::group_form(&fields).map_err(ApiError::bad_request)?;

    let Some(RunWithMembers {
        run: old,
        text: old_text,
        members,
    }) = app
        .db
        .run_with_members(&group_id)
        .await
        .or_fail(msg::UPDATE_FAILED)?
    else {
        return Err(bad(msg::NOT_FOUND));
    };
    if old.user_id != me.user_id() {
        return Err(bad(msg::NOT_AUTHOR_EDIT));
    }
    let now = app.clock.now();
    if old.start() < now {
        return Err(bad(msg::EDIT_PAST));
    }
    let start = rules::start_instant(input.date, input.standby);
    if !rules::far_enough_ahead(start, now) {
        return Err(bad(msg::EDIT_TOO_SOON));
    }

    let kept = form.texts("thumbnailUrl");
    let (_, _, storable) =
        rules::edit_images(&old.thumbnails, &kept, &vec![String::new(); files.len()]);
    let uploaded = upload_all(app, &group_id, &files[..storable])
        .await
        .or_fail(msg::UPDATE_FAILED)?;
    // Optimistic: written only if the run is still as read (applyCount,
    // imagesResized). When only the resize function marked its images
    // meanwhile, read again and retry, so the stale `false` is never written.
    let mut current = RunWithMembers {
        run: old,
        text: old_text,
        members,
    };
    let mut retries = 0;
    let written = loop {
        let (slots, removed, _) = rules::edit_images(&current.run.thumbnails, &kept, &uploaded);
        let (group, text) = input.clone().apply_to(
            &current.run,
            current.text.clone(),
            slots,
            !uploaded.is_empty(),
            now,
        );
        let outcome = app
            .db
            .update_group(&group, current.run.images_resized, &text, &current.members)
            .await;
        match outcome {
            Ok(true) => break Ok((group, removed)),
            Ok(false) if retries < MAX_EDIT_RETRIES => {
                retries += 1;
                match app.db.run_with_members(&group_id).await {
                    Ok(Some(fresh))
                        if rules::edit_may_retry(&current.run, &fresh.run, me.user_id(), now) =>
                    {
                        current = fresh;
                    }
                    Ok(_) => break Err(None),
                    Err(e) => break Err(Some(e)),
                }
            }
            Ok(false) => break Err(None),
            Err(e) => break Err(Some(e)),
        }
    };
    let (group, removed) = match written {
        Ok(written) => written,
        Err(failure) => {
            // Changed beyond a retry (or the write failed): keep nothing of this attempt.
            if !uploaded.is_empty() {
                services::images::delete(app, folder::GROUP, &uploaded)
                    .await
                    .or_fail(msg::UPDATE_FAILED)?;
            }
            if let Some(e) = failure {
                return Err(e).or_fail(msg::UPDATE_FAILED);
            }
            return Err(bad(msg::UPDATE_FAILED));
        }
    };
    let RunWithMembers {
        run: old, members, ..
    } = current;
    let alarms: Vec<_> = members
        .iter()
        .map(|m| {
            shared::domain::alarm::Alarm::for_group(
                "update",
                &m.user_id,
                &group_id,
                &old.title,
                &group.updated_at,
            )
        })
        .collect();
    app.db
        .put_alarms(&alarms)
        .await
        .or_fail(msg::UPDATE_FAILED)?;
    if !removed.is_empty() {
        services::images::delete(app, folder::GROUP, &removed)
            .await
            .or_fail(msg::UPDATE_FAILED)?;
    }
    ok(&json!({ "success": true, "message": msg::UPDATED }))
}

/// DELETE /group/{id} — delete a run and everything in it (host only).
pub async fn delete(app: &App, req: Request) -> ApiResult {
    let me = auth::require_user(app, &req).await?;
    let group_id = http::path_param(&req, "id")?;
    let group = app.db.group(&group_id).await.or_fail(msg::DELETE_FAILED)?;
    if group.as_ref().is_some_and(|g| g.user_id != me.user_id()) {
        return Err(bad(msg::NOT_AUTHOR_DELETE));
    }
    let deleted = match group {
        Some(group) => services::groups::delete_group(app, &group, me.user_id())
            .await
            .or_fail(msg::DELETE_FAILED)?,
        None => false,
    };
    // Gone already, or its delete began elsewhere: the host's retry of a
    // delete that failed part-way finishes it.
    if deleted
        || services::groups::resume_group_delete(app, &group_id, me.user_id())
            .await
            .or_fail(msg::DELETE_FAILED)?
    {
        return ok(&json!({ "success": true, "message": msg::DELETED }));
    }
    Err(bad(msg::NOT_FOUND))
}

/// GET /group/all — the feed with its filters, sorted, then paged.
pub async fn all(app: &App, req: Request) -> ApiResult {
    let viewer = auth::optional_user(app, &req).await?;
    let q = |name: &str| http::query(&req, name);
    let filter = FeedFilter::parse(
        q("date").as_deref(),
        q("region").as_deref(),
        q("time").as_deref(),
        q("distance").as_deref(),
        q("thema").as_deref(),
        q("finish").as_deref(),
    );
    let now = app.clock.now();
    let from = (!filter.include_finished).then(|| rules::recruiting_from(now));
    let page = http::page(&req);
    let needed = page.map(Page::needed);
    // Only the filters' window of the index partitions that hold the
    // filtered runs is read: docs/data-model.md, "Run feed".
    let plan = filter.plan();
    let rows = match filter.start_window() {
        None => Vec::new(),
        Some((low, until)) => {
            let from = match (from, low) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            let query = FeedQuery {
                plan: &plan,
                from: from.as_deref(),
                until: until.as_deref(),
                needed,
            };
            app.db
                .feed_partitions(now, query)
                .await
                .or_fail(msg::LIST_FAILED)?
        }
    };
    let rows = limits::page_of(page, rows);
    let runs = rows.into_iter().map(ListedRun::from);
    let data = render(app, runs, viewer.as_ref().map(auth::AuthUser::user_id), now)
        .await
        .or_fail(msg::LIST_FAILED)?;
    ok(&json!({ "success": true, "data": data }))
}

/// GET /group/main — the three recruiting runs furthest in the future.
pub async fn main(app: &App, req: Request) -> ApiResult {
    let viewer = auth::optional_user(app, &req).await?;
    let now = app.clock.now();
    let from = rules::recruiting_from(now);
    let mut groups = app
        .db
        .latest_runs(&from, 3)
        .await
        .or_fail(msg::LIST_FAILED)?;
    rules::sort_for_list(&mut groups, now);
    let data = render(
        app,
        groups.into_iter().map(ListedRun::from),
        viewer.as_ref().map(auth::AuthUser::user_id),
        now,
    )
    .await
    .or_fail(msg::LIST_FAILED)?;
    ok(&json!({ "success": true, "data": data }))
}

/// GET /group/prefer — recruiting runs in the viewer's region and distance.
pub async fn prefer(app: &App, req: Request) -> ApiResult {
    let viewer = auth::optional_user(app, &req)
        .await?
        .ok_or_else(|| bad(msg::LOGIN_REQUIRED))?;
    let user = &viewer.user;
    let region: Option<u8> = user
        .like_location
        .as_deref()
        .and_then(|l| l.trim().parse().ok());
    let bucket: Option<u8> = user
        .like_distance
        .as_deref()
        .and_then(|d| d.parse().ok())
        .filter(|d| (1..=4).contains(d));
    let finish = http::query(&req, "finish");
    let now = app.clock.now();
    let page = http::page(&req);
    let rows = match region {
        None => Vec::new(),
        Some(region) => {
            let from = (finish.as_deref() != Some("1")).then(|| rules::recruiting_from(now));
            // The same partitions as `/group/all` with these filters: the
            // region's (GSI3), or its distance bucket's (GSI6).
            let plan = FeedFilter {
                regions: Some(vec![region]),
                distance_buckets: bucket.map(|b| vec![b]),
                ..FeedFilter::default()
            }
            .plan();
            let query = FeedQuery {
                plan: &plan,
                from: from.as_deref(),
                until: None,
                needed: page.map(Page::needed),
            };
            app.db
                .feed_partitions(now, query)
                .await
                .or_fail(msg::LIST_FAILED)?
        }
    };
    let rows = limits::page_of(page, rows);
    let runs = rows.into_iter().map(ListedRun::from);
    let data = render(app, runs, Some(viewer.user_id()), now)
        .await
        .or_fail(msg::LIST_FAILED)?;
    ok(&json!({
        "success": true,
        "data": data,
        "preferData": {
            "likeDistance": prefer_distance(user.like_distance.as_deref()),
            "likeLocation": prefer_location(user.like_location.as_deref()),
        },
    }))
}

fn subject(req: &Request) -> Result<String, ApiError> {
    http::query_id(req, "userId").ok_or_else(|| bad(msg::WRONG_USER))
}

/// GET /group/mypage?userId= — every run the user hosts, past and future.
pub async fn mypage(app: &App, req: Request) -> ApiResult {
    auth::optional_user(app, &req).await?;
    let user_id = subject(&req)?;
    let groups = app
        .db
        .hosted_groups(&user_id)
        .await
        .or_fail(msg::LIST_FAILED)?;
    let mut list = app
        .db
        .run_list(
            groups.into_iter().map(ListedRun::from),
            Some(&user_id),
            Some(&user_id),
        )
        .await
        .or_fail(msg::LIST_FAILED)?;
    if !list.users.contains_key(&user_id) {
        return Err(bad(msg::WRONG_USER));
    }
    let now = app.clock.now();
    rules::sort_for_list(&mut list.runs, now);
    let data = list_items(
        app,
        &list.runs,
        &list.users,
        &list.memberships,
        Extra::Attendance,
        now,
    );
    ok(&json!({ "success": true, "data": data }))
}

/// GET /group/complete?userId= — started runs the user joined but did not host.
pub async fn complete(app: &App, req: Request) -> ApiResult {
    auth::optional_user(app, &req).await?;
    let user_id = subject(&req)?;
    let now = app.clock.now();
    let members: Vec<Member> = app
        .db
        .memberships(&user_id, None, Some(&instant_key(now)))
        .await
        .or_fail(msg::LIST_FAILED)?
        .into_iter()
        .filter(|m| m.host_id != user_id)
        .collect();
    let mut list = app
        .db
        .run_list(members.iter().map(ListedRun::from), None, Some(&user_id))
        .await
        .or_fail(msg::LIST_FAILED)?;
    if !list.users.contains_key(&user_id) {
        return Err(bad(msg::WRONG_USER));
    }
    rules::sort_for_list(&mut list.runs, now);
    let data = list_items(
        app,
        &list.runs,
        &list.users,
        &members,
        Extra::Evaluation,
        now,
    );
    ok(&json!({ "success": true, "data": data }))
}

/// GET /group/{category} with any other category.
pub async fn unknown_category(app: &App, req: Request) -> ApiResult {
    auth::optional_user(app, &req).await?;
    Err(bad(msg::UNKNOWN_CATEGORY))
}

// ---------------------------------------------------------------------------
// Detail and membership
// ---------------------------------------------------------------------------
/// GET /group/detail/{id} — a run with its members and host (2 DynamoDB calls).
pub async fn detail(app: &App, req: Request) -> ApiResult {
    let viewer = auth::optional_user(app, &req).await?;
    let group_id = http::path_param(&req, "id")?;
    let Some(RunWithMembers {
        run: g,
        text,
        mut members,
    }) = app
        .db
        .run_with_members(&group_id)
        .await
        .or_fail(msg::DETAIL_FAILED)?
    else {
        return Err(bad(msg::NOT_FOUND));
    };
    members.sort_by(|a, b| {
        (a.user_id != g.user_id)
            .cmp(&(b.user_id != g.user_id))
            .then_with(|| a.applied_at.cmp(&b.applied_at))
    });
    let ids: Vec<&str> = members
        .iter()
        .map(|m| m.user_id.as_str())
        .chain([g.user_id.as_str()])
        .collect();
    let users = app.db.users(&ids).await.or_fail(msg::DETAIL_FAILED)?;
    let host = users.get(&g.user_id);
    let text = text.as_ref();
    let map: Value = text
        .map_or(Ok(Value::Array(vec![])), |t| {
            serde_json::from_str(&t.map_lat_lng)
        })
        .or_fail(msg::DETAIL_FAILED)?;
    let [t1, t2, t3] = detail_thumbnails(&app.config.images, &g);
    let now = app.clock.now();
    let created = shared::time::parse_instant(&g.created_at).map(|c| {
        c.with_timezone(&shared::time::kst())
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    });
    let appliers: Vec<Value> = members
        .iter()
        .map(|m| {
            let u = users.get(&m.user_id);
            json!({
                "applyId": m.apply_id,
                "userId": m.user_id,
                "nickname": u.map(|u| u.nickname.as_str()),
                "profileUrl": u.map(|u| u.profile_url.as_str()),
            })
        })
        .collect();
    let viewer_id = viewer.as_ref().map(auth::AuthUser::user_id);
    ok(&json!({
        "success": true,
        "data": {
            "groupId": g.group_id,
            "userId": g.user_id,
            "mapLatLng": map,
            "thumbnailUrl1": t1,
            "thumbnailUrl2": t2,
            "thumbnailUrl3": t3,
            "title": g.title,
            "maxPeople": g.max_people,
            "date": g.date,
            "standbyTime": g.standby_time,
            "finishTime": g.finish_time,
            "distance": js_number(g.distance),
            "speed": g.speed,
            "location": g.location,
            "parking": g.parking,
            "baggage": g.baggage,
            "content": text.and_then(|t| t.content.as_deref()),
            "region": g.region,
            "timecode": g.timecode,
            "thema": g.thema,
            "chattingRoom": g.chatting_room,
            "createdAt": created,
            "applyState": viewer_id.is_some_and(|v| members.iter().any(|m| m.user_id == v)),
            "applyEndTime": g.apply_end_time(now),
            "Appliers": appliers,
            "nickname": host.map(|h| h.nickname.as_str()),
            "profileUrl": host.map(|h| h.profile_url.as_str()),
            "userLevel": host.and_then(|h| h.user_level.as_deref()),
            "mannerPoint": host.map(|h| js_number(h.manner_point)),
            "datetime": g.long_date(),
        }
    }))
}

/// POST /group/{id}/apply — apply, or cancel when already a member.
pub async fn apply(app: &App, req: Request) -> ApiResult {
    let me = auth::require_user(app, &req).await?;
    let group_id = http::path_param(&req, "id")?;
    let MyPart { run, membership } = app
        .db
        .my_part(&group_id, me.user_id())
        .await
        .or_fail(msg::APPLY_FAILED)?;
    let mut run = run.ok_or_else(|| bad(msg::APPLY_FAILED))?;
    let now = app.clock.now();
    let action = rules::decide_apply(&run, me.user_id(), membership.is_some(), now)
        .map_err(ApiError::from)?;
    let applied = match action {
        ApplyAction::Apply => {
            let mut moved = 0;
            loop {
                let member = Member::join(&run, me.user_id(), now);
                match app
                    .db
                    .add_member(&member, &instant_key(now))
                    .await
                    .or_fail(msg::APPLY_FAILED)?
                {
                    // A concurrent request of the same user got there first: same result.
                    ApplyOutcome::Applied | ApplyOutcome::AlreadyMember => break true,
                    ApplyOutcome::Refused => {
                        // Capacity, time or the start changed since the read.
                        let fresh = app
                            .db
                            .group(&group_id)
                            .await
                            .or_fail(msg::APPLY_FAILED)?
                            .ok_or_else(|| bad(msg::APPLY_FAILED))?;
                        match rules::decide_apply(&fresh, me.user_id(), false, now) {
                            Err(why) => return Err(why.into()),
                            // An edit moved the start: join at the new one.
                            Ok(_) if fresh.starts_at != run.starts_at && moved < 3 => {
                                run = fresh;
                                moved += 1;
                            }
                            Ok(_) => return Err(bad(msg::APPLY_FAILED)),
                        }
                    }
                }
            }
        }
        ApplyAction::Cancel => {
            // `NotMember`: a concurrent cancel of the same user got there first; same result.
            let _: CancelOutcome = app
                .db
                .cancel_apply(&group_id, me.user_id())
                .await
                .or_fail(msg::APPLY_FAILED)?;
            false
        }
    };
    let count = app
        .db
        .apply_count(&group_id)
        .await
        .or_fail(msg::APPLY_FAILED)?;
    let message = if applied {
        msg::APPLIED
    } else {
        msg::CANCELLED
    };
    ok(
        &json!({ "success": true, "message": message, "data": { "applyPeople": count, "applyState": applied } }),
    )
}

// ---------------------------------------------------------------------------
// Attendance (host) and host evaluation (members)
// ---------------------------------------------------------------------------

/// The checks shared by both attendance routes; returns the run and its
/// members, non-host members ordered by userId descending (the sheet order).
async fn attendance_sheet(
    app: &App,
    req: &Request,
    failed: &'static str,
) -> Result<(Group, Vec<Member>, Vec<Member>), ApiError> {
    let me = auth::require_user(app, req).await?;
    let group_id = http::path_param(req, "id")?;
    let RunWithMembers {
        run: group,
        members,
        ..
    } = match app.db.run_with_members(&group_id).await.or_fail(failed)? {
        Some(run) if run.run.user_id == me.user_id() => run,
        _ => return Err(bad(msg::NOT_HOST)),
    };
    if app.clock.now() < group.start() - chrono::Duration::minutes(30) {
        return Err(bad(msg::ATTENDANCE_TOO_EARLY));
    }
    if members
        .iter()
        .any(|m| m.user_id == group.user_id && m.attendance)
    {
        return Err(bad(msg::ATTENDANCE_DONE));
    }
    let mut sheet: Vec<Member> = members
        .iter()
        .filter(|m| m.user_id != group.user_id)
        .cloned()
        .collect();
    sheet.sort_by(|a, b| b.user_id.cmp(&a.user_id));
    Ok((group, members, sheet))
}

/// GET /group/attendance/{id} — the attendance sheet (host, from 30 min before start).
pub async fn attendance(app: &App, req: Request) -> ApiResult {
    let (group, members, sheet) = attendance_sheet(app, &req, msg::ATTENDANCE_LIST_FAILED).await?;
    let ids: Vec<&str> = members
        .iter()
        .map(|m| m.user_id.as_str())
        .chain([group.user_id.as_str()])
        .collect();
    let users = app
        .db
        .users(&ids)
        .await
        .or_fail(msg::ATTENDANCE_LIST_FAILED)?;
    let host = users.get(&group.user_id);
    let apply_user: Vec<Value> = sheet
        .iter()
        .map(|m| {
            let u = users.get(&m.user_id);
            json!({
                "applyId": m.apply_id,
                "groupId": m.group_id,
                "userId": m.user_id,
                "attendance": m.attendance,
                "user": { "nickname": u.map(|u| u.nickname.as_str()), "profileUrl": u.map(|u| u.profile_url.as_str()) },
            })
        })
        .collect();
    ok(&json!({
        "success": true,
        "groupInfo": {
            "groupId": group.group_id,
            "title": group.title,
            "date": group.list_date(),
            "maxPeople": group.max_people,
            "user": { "userId": group.user_id, "nickname": host.map(|h| h.nickname.as_str()), "profileUrl": host.map(|h| h.profile_url.as_str()) },
            "attendanceCount": format!("{}/{}", members.len(), group.max_people),
        },
        "applyUser": apply_user,
    }))
}

#[derive(Deserialize)]
struct AttendanceBody {
    attendance: Option<Value>,
}

/// PATCH /group/attendance/{id} — submit the sheet once: indexes into the GET list (or userIds).
pub async fn submit_attendance(app: &App, req: Request) -> ApiResult {
    let (group, members, sheet) = attendance_sheet(app, &req, msg::ATTENDANCE_FAILED).await?;
    let body: AttendanceBody = http::json_body(&req).map_err(|_| bad(msg::ATTENDANCE_FAILED))?;
    let Some(Value::Array(selected)) = body.attendance else {
        return Err(bad(msg::ATTENDANCE_FAILED));
    };
    if selected.len() > shared::domain::limits::MAX_ATTENDANCE_ENTRIES {
        return Err(bad(msg::ATTENDANCE_FAILED));
    }
    let mut attendees: Vec<String> = Vec::new();
    for entry in &selected {
        let member = match entry {
            Value::Number(n) => n.as_u64().and_then(|i| sheet.get(i as usize)),
            Value::String(s) => s
                .parse::<usize>()
                .ok()
                .and_then(|i| sheet.get(i))
                .or_else(|| sheet.iter().find(|m| &m.user_id == s)),
            _ => None,
        };
        let member = member.ok_or_else(|| bad(msg::ATTENDANCE_FAILED))?;
        if !attendees.contains(&member.user_id) {
            attendees.push(member.user_id.clone());
        }
    }
    if !app
        .db
        .submit_attendance(&group, &members, &attendees)
        .await
        .or_fail(msg::ATTENDANCE_FAILED)?
    {
        return Err(bad(msg::ATTENDANCE_DONE));
    }
    ok(&json!({ "success": true, "message": msg::ATTENDANCE_SUBMITTED }))
}

/// The checks shared by both evaluation routes.
async fn evaluation_target(
    app: &App,
    req: &Request,
    failed: &'static str,
) -> Result<(Group, String), ApiError> {
    let me = auth::require_user(app, req).await?;
    let group_id = http::path_param(req, "id")?;
    let MyEvaluation {
        part: MyPart { run, membership },
        evaluated_host,
    } = app
        .db
        .my_evaluation(&group_id, me.user_id())
        .await
        .or_fail(failed)?;
    if run.as_ref().is_some_and(|g| g.user_id == me.user_id()) {
        return Err(bad(msg::EVAL_HOST));
    }
    let (Some(group), Some(member)) = (run, membership) else {
        return Err(bad(msg::EVAL_NOT_MEMBER));
    };
    if member.evaluation != 0 || evaluated_host {
        return Err(bad(msg::EVAL_DONE));
    }
    Ok((group, me.user_id().to_owned()))
}

/// GET /group/evaluation/{id} — the host-evaluation page (members who have not evaluated yet).
pub async fn evaluation(app: &App, req: Request) -> ApiResult {
    let (group, _) = evaluation_target(app, &req, msg::EVALUATION_PAGE_FAILED).await?;
    let host = app
        .db
        .user(&group.user_id)
        .await
        .or_fail(msg::EVALUATION_PAGE_FAILED)?;
    ok(&json!({
        "success": true,
        "hostUser": {
            "groupId": group.group_id,
            "title": group.title,
            "date": group.long_date(),
            "user": {
                "userId": group.user_id,
                "nickname": host.as_ref().map(|h| h.nickname.as_str()),
                "profileUrl": host.as_ref().map(|h| h.profile_url.as_str()),
            },
        },
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EvaluationBody {
    point: Option<Value>,
    evaluation_category: Option<Value>,
}

fn integer(value: &Option<Value>) -> Option<i64> {
    match value {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
}

/// PATCH /group/evaluation/{id} — evaluate the run's host once (±1 point, category 1–10).
pub async fn evaluate(app: &App, req: Request) -> ApiResult {
    let (group, me) = evaluation_target(app, &req, msg::EVAL_FAILED).await?;
    let body: EvaluationBody = http::json_body(&req).map_err(|_| bad(msg::EVAL_FAILED))?;
    let point = integer(&body.point)
        .filter(|p| *p == 1 || *p == -1)
        .ok_or_else(|| bad(msg::EVAL_FAILED))?;
    let category = integer(&body.evaluation_category)
        .filter(|c| (1..=10).contains(c))
        .ok_or_else(|| bad(msg::EVAL_FAILED))?;
    match app
        .db
        .evaluate_host(&group, &me, category as u8, point as i8)
        .await
        .or_fail(msg::EVAL_FAILED)?
    {
        EvaluateOutcome::Done => ok(&json!({ "success": true, "message": msg::EVALUATED })),
        EvaluateOutcome::AlreadyEvaluated => Err(bad(msg::EVAL_DONE)),
    }
}
