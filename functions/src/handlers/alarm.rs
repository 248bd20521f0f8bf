//! `/alarm` routes (contract alarms.md §4).

use lambda_http::Request;
use serde_json::{Value, json};
use shared::domain::alarm::{category, msg};
use shared::error::OrFail;
use shared::http::{auth, ok};
use shared::time::{parse_instant, relative_time};
use shared::{ApiError, ApiResult, App};

/// `GET /alarm` lists the newest 100 alarms (a drop-down; docs/data-model.md
/// A1): its cost stays the same however many alarms a user collected.
const ALARM_LIST_LIMIT: usize = 100;

/// GET /alarm — the caller's newest alarms (at most 100), with the unread count among them
/// (one Query + one BatchGetItem of the parent comments of reply alarms).
pub async fn list(app: &App, req: Request) -> ApiResult {
    let me = auth::optional_user(app, &req)
        .await?
        .ok_or_else(|| ApiError::bad_request(msg::LIST_FAILED))?;
    let alarms = app
        .db
        .latest_alarms(me.user_id(), ALARM_LIST_LIMIT)
        .await
        .or_fail(msg::LIST_FAILED)?;
    let comment_keys: Vec<_> = alarms
        .iter()
        .filter(|a| a.alarm.category == category::RECOMMENT)
        .filter_map(|a| a.comment_key.clone())
        .collect();
    let contents = app
        .db
        .comment_contents(&comment_keys)
        .await
        .or_fail(msg::LIST_FAILED)?;
    let now = app.clock.now();
    let data: Vec<Value> = alarms
        .iter()
        .map(|stored| {
            let a = &stored.alarm;
            let created = parse_instant(&a.created_at).unwrap_or(now);
            let mut item = json!({
                "alarmId": a.alarm_id,
                "createdAt": relative_time(created, now),
                "category": a.category,
                "nickname": a.nickname,
                "courseId": a.course_id,
                "courseTitle": a.course_title,
                "groupId": a.group_id,
                "groupTitle": a.group_title,
                "role": a.role,
                "check": a.check,
                "commentId": a.comment_id,
            });
            if let (category::RECOMMENT, Some(id)) = (a.category.as_str(), &a.comment_id) {
                item["commentContent"] = json!(contents.get(id));
            }
            item
        })
        .collect();
    let unread = alarms.iter().filter(|a| !a.alarm.check).count();
    ok(&json!({ "success": true, "count": data.len(), "unreadCount": unread, "data": data }))
}

/// PATCH /alarm — mark every alarm of the caller read.
pub async fn mark_read(app: &App, req: Request) -> ApiResult {
    let me = auth::optional_user(app, &req)
        .await?
        .ok_or_else(|| ApiError::bad_request(msg::READ_FAILED))?;
    app.db
        .mark_alarms_read(me.user_id())
        .await
        .or_fail(msg::READ_FAILED)?;
    ok(&json!({ "success": true, "message": msg::ALL_READ }))
}
