//! `/comment` routes: comments on runs and courses (contract comments.md §3).

use lambda_http::Request;
use serde_json::{Value, json};
use shared::domain::alarm::{Alarm, category};
use shared::domain::comment::PostKind;
use shared::domain::comment::{self, AlarmTarget, Comment, author_view, msg};
use shared::domain::limits;
use shared::error::OrFail;
use shared::http::{self, auth, ok};
use shared::store::AddCommentOutcome;
use shared::time::{instant_key, parse_instant, relative_time};
use shared::{ApiError, ApiResult, App};

/// The post owner's alarm, unless the actor is the owner (the owner's
/// nickname is read only when an alarm is written).
pub(crate) async fn owner_alarm(
    app: &App,
    what: &str,
    actor: &str,
    target: AlarmTarget<'_>,
    now: &str,
) -> anyhow::Result<Option<Alarm>> {
    if target.owner == actor {
        return Ok(None);
    }
    let nickname = app.db.user(target.owner).await?.map(|u| u.nickname);
    Ok(comment::owner_alarm(what, actor, &target, nickname, now))
}

/// The comment list of a post as every comment endpoint returns it (one
/// Query + one BatchGetItem of authors); `None` when the post is gone.
async fn comment_list(
    app: &App,
    kind: PostKind,
    post_id: &str,
) -> anyhow::Result<Option<Vec<Value>>> {
    let (exists, comments) = app.db.post_comments(kind, post_id).await?;
    if !exists {
        return Ok(None);
    }
    let ids: Vec<&str> = comments.iter().map(|c| c.user_id.as_str()).collect();
    let authors = if ids.is_empty() {
        Default::default()
    } else {
        app.db.users(&ids).await?
    };
    let now = app.clock.now();
    Ok(Some(
        comments
            .iter()
            .map(|c| {
                let created = parse_instant(&c.created_at).unwrap_or(now);
                json!({
                    "commentId": c.comment_id,
                    "groupId": (c.post_kind == PostKind::Group).then_some(&c.post_id),
                    "courseId": (c.post_kind == PostKind::Course).then_some(&c.post_id),
                    "content": c.content,
                    "createdAt": relative_time(created, now),
                    "user": author_view(&c.user_id, authors.get(&c.user_id)),
                    "recommentCount": c.reply_count,
                })
            })
            .collect(),
    ))
}

fn content(req: &Request, message: &'static str) -> Result<String, ApiError> {
    let body: Value = http::json_body(req)?;
    let text = comment::parse_content(body.get("content"))
        .ok_or_else(|| ApiError::bad_request(message))?;
    limits::COMMENT
        .check(Some(&text))
        .map_err(ApiError::bad_request)?;
    Ok(text)
}

/// POST /comment/{category}/{postId} (declared `/comment/{id}/{postId}`) — comment on a run or course.
pub async fn create(app: &App, req: Request) -> ApiResult {
    let me = auth::require_user(app, &req).await?;
    let text = content(&req, msg::CONTENT_REQUIRED)?;
    let kind = comment::parse_category(&http::path_param(&req, "id")?)
        .ok_or_else(|| ApiError::bad_request(msg::UNKNOWN_CATEGORY))?;
    let post_id = http::path_param(&req, "postId")?;
    let post = app
        .db
        .post_summary(kind, &post_id)
        .await
        .or_fail(msg::CREATE_FAILED)?
        .ok_or_else(|| ApiError::bad_request(msg::CREATE_FAILED))?;
    let now = instant_key(app.clock.now());
    let comment = Comment {
        comment_id: uuid::Uuid::new_v4().to_string(),
        post_kind: kind,
        post_id: post_id.clone(),
        user_id: me.user_id().to_owned(),
        content: text,
        reply_count: 0,
        created_at: now.clone(),
        updated_at: now.clone(),
    };
    let target = AlarmTarget {
        kind,
        post_id: &post_id,
        owner: &post.user_id,
        title: &post.title,
        comment_id: None,
    };
    let alarm = owner_alarm(app, category::COMMENT, me.user_id(), target, &now)
        .await
        .or_fail(msg::CREATE_FAILED)?;
    if app
        .db
        .add_comment(&comment, alarm.as_ref())
        .await
        .or_fail(msg::CREATE_FAILED)?
        == AddCommentOutcome::NoPost
    {
        return Err(ApiError::bad_request(msg::CREATE_FAILED));
    }
    let list = comment_list(app, kind, &post_id)
        .await
        .or_fail(msg::CREATE_FAILED)?
        .unwrap_or_default();
    ok(&json!({ "success": true, "data": list }))
}

/// GET /comment/{category}/{postId} (declared `/comment/{id}/{postId}`) — a post's comments, oldest first.
pub async fn list(app: &App, req: Request) -> ApiResult {
    auth::optional_user(app, &req).await?;
    let kind = comment::parse_category(&http::path_param(&req, "id")?)
        .ok_or_else(|| ApiError::bad_request(msg::UNKNOWN_CATEGORY))?;
    let post_id = http::path_param(&req, "postId")?;
    let list = comment_list(app, kind, &post_id)
        .await
        .or_fail(msg::READ_FAILED)?
        .ok_or_else(|| ApiError::bad_request(msg::POST_NOT_FOUND))?;
    ok(&json!({ "success": true, "data": list }))
}

/// PATCH /comment/{commentId} (declared `/comment/{id}`) — edit one's own comment.
pub async fn update(app: &App, req: Request) -> ApiResult {
    let me = auth::require_user(app, &req).await?;
    let text = content(&req, msg::CONTENT_REQUIRED)?;
    let comment_id = http::path_param(&req, "id")?;
    let comment = own_comment(
        app,
        &comment_id,
        me.user_id(),
        msg::EDIT_FAILED,
        msg::NOT_AUTHOR_EDIT,
    )
    .await?;
    let now = instant_key(app.clock.now());
    if !app
        .db
        .edit_comment(&comment, &text, &now)
        .await
        .or_fail(msg::EDIT_FAILED)?
    {
        return Err(ApiError::bad_request(msg::NOT_FOUND));
    }
    let list = comment_list(app, comment.post_kind, &comment.post_id)
        .await
        .or_fail(msg::EDIT_FAILED)?
        .unwrap_or_default();
    ok(&json!({ "success": true, "data": list, "message": msg::EDITED }))
}

/// DELETE /comment/{commentId} (declared `/comment/{id}`) — delete one's own comment and its replies.
pub async fn delete(app: &App, req: Request) -> ApiResult {
    let me = auth::require_user(app, &req).await?;
    let comment_id = http::path_param(&req, "id")?;
    own_comment(
        app,
        &comment_id,
        me.user_id(),
        msg::DELETE_FAILED,
        msg::NOT_AUTHOR_DELETE,
    )
    .await?;
    app.db
        .delete_comment(&comment_id)
        .await
        .or_fail(msg::DELETE_FAILED)?;
    ok(&json!({ "success": true, "message": msg::DELETED }))
}

async fn own_comment(
    app: &App,
    comment_id: &str,
    user_id: &str,
    failed: &'static str,
    not_author: &'static str,
) -> Result<Comment, ApiError> {
    let comment = app
        .db
        .comment(comment_id)
        .await
        .or_fail(failed)?
        .ok_or_else(|| ApiError::bad_request(msg::NOT_FOUND))?;
    if comment.user_id != user_id {
        return Err(ApiError::bad_request(not_author));
    }
    Ok(comment)
}
