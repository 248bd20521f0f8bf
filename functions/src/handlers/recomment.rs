//! `/recomment` routes: replies to comments (contract comments.md §4). A
//! reply list is always every reply of the whole post, oldest first.

use lambda_http::Request;
use serde_json::{Value, json};
use shared::domain::alarm::category;
use shared::domain::comment::PostKind;
use shared::domain::comment::{self, AlarmTarget, Comment, Reply, author_view, msg};
use shared::domain::limits;
use shared::error::OrFail;
use shared::http::{self, auth, ok};
use shared::store::AddReplyOutcome;
use shared::time::{instant_key, parse_instant, relative_time};
use shared::{ApiError, ApiResult, App};

use super::comment::owner_alarm;

/// The three item variants of the contract's table (comments.md §1.4).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    Post,
    Get,
    Patch,
}

/// Every reply of a post (one Query + one BatchGetItem).
async fn reply_list(
    app: &App,
    kind: PostKind,
    post_id: &str,
    variant: Variant,
) -> anyhow::Result<Vec<Value>> {
    let replies: Vec<Reply> = app.db.replies(kind, post_id).await?;
    let ids: Vec<&str> = replies.iter().map(|r| r.user_id.as_str()).collect();
    let authors = if ids.is_empty() {
        Default::default()
    } else {
        app.db.users(&ids).await?
    };
    let now = app.clock.now();
    Ok(replies
        .iter()
        .map(|r| {
            let created = parse_instant(&r.created_at).unwrap_or(now);
            let mut item = json!({
                "recommentId": r.recomment_id,
                "commentId": r.comment_id,
                "content": r.content,
                "createdAt": relative_time(created, now),
                "user": author_view(&r.user_id, authors.get(&r.user_id)),
            });
            if variant != Variant::Post {
                item["isEdit"] = json!(false);
            }
            if variant == Variant::Patch {
                item["userId"] = json!(r.user_id);
            }
            item
        })
        .collect())
}

fn content(req: &Request) -> Result<String, ApiError> {
    let body: Value = http::json_body(req)?;
    let text = comment::parse_content(body.get("content"))
        .ok_or_else(|| ApiError::bad_request(msg::REPLY_CONTENT_REQUIRED))?;
    limits::COMMENT
        .check(Some(&text))
        .map_err(ApiError::bad_request)?;
    Ok(text)
}

async fn find_comment(
    app: &App,
    comment_id: &str,
    failed: &'static str,
) -> Result<Comment, ApiError> {
    app.db
        .comment(comment_id)
        .await
        .or_fail(failed)?
        .ok_or_else(|| ApiError::bad_request(msg::NOT_FOUND))
}

/// POST /recomment/{commentId} (declared `/recomment/{id}`) — reply to a comment.
pub async fn create(app: &App, req: Request) -> ApiResult {
    let me = auth::require_user(app, &req).await?;
    let text = content(&req)?;
    let comment_id = http::path_param(&req, "id")?;
    let parent = find_comment(app, &comment_id, msg::REPLY_CREATE_FAILED).await?;
    let post = app
        .db
        .post_summary(parent.post_kind, &parent.post_id)
        .await
        .or_fail(msg::REPLY_CREATE_FAILED)?
        .ok_or_else(|| ApiError::bad_request(msg::REPLY_CREATE_FAILED))?;
    let now = instant_key(app.clock.now());
    let reply = Reply {
        recomment_id: uuid::Uuid::new_v4().to_string(),
        comment_id: parent.comment_id.clone(),
        post_kind: parent.post_kind,
        post_id: parent.post_id.clone(),
        user_id: me.user_id().to_owned(),
        content: text,
        created_at: now.clone(),
        updated_at: now.clone(),
    };
    let target = AlarmTarget {
        kind: parent.post_kind,
        post_id: &parent.post_id,
        owner: &post.user_id,
        title: &post.title,
        comment_id: Some(&parent.comment_id),
    };
    let alarm = owner_alarm(app, category::RECOMMENT, me.user_id(), target, &now)
        .await
        .or_fail(msg::REPLY_CREATE_FAILED)?;
    if app
        .db
        .add_reply(&reply, &parent, alarm.as_ref())
        .await
        .or_fail(msg::REPLY_CREATE_FAILED)?
        == AddReplyOutcome::NoComment
    {
        return Err(ApiError::bad_request(msg::NOT_FOUND));
    }
    let list = reply_list(app, parent.post_kind, &parent.post_id, Variant::Post)
        .await
        .or_fail(msg::REPLY_CREATE_FAILED)?;
    ok(&json!({ "success": true, "data": list }))
}

/// GET /recomment/{commentId} (declared `/recomment/{id}`) — every reply of
/// the comment's post. No auth: headers are ignored.
pub async fn list(app: &App, req: Request) -> ApiResult {
    let comment_id = http::path_param(&req, "id")?;
    let parent = find_comment(app, &comment_id, msg::REPLY_READ_FAILED).await?;
    let list = reply_list(app, parent.post_kind, &parent.post_id, Variant::Get)
        .await
        .or_fail(msg::REPLY_READ_FAILED)?;
    ok(&json!({ "success": true, "data": list }))
}

/// PATCH /recomment/{recommentId} (declared `/recomment/{id}`) — edit one's own reply.
pub async fn update(app: &App, req: Request) -> ApiResult {
    let me = auth::require_user(app, &req).await?;
    let text = content(&req)?;
    let recomment_id = http::path_param(&req, "id")?;
    let reply = own_reply(
        app,
        &recomment_id,
        me.user_id(),
        msg::REPLY_EDIT_FAILED,
        msg::REPLY_NOT_AUTHOR_EDIT,
    )
    .await?;
    let now = instant_key(app.clock.now());
    if !app
        .db
        .edit_reply(&reply, &text, &now)
        .await
        .or_fail(msg::REPLY_EDIT_FAILED)?
    {
        return Err(ApiError::bad_request(msg::REPLY_NOT_FOUND));
    }
    let list = reply_list(app, reply.post_kind, &reply.post_id, Variant::Patch)
        .await
        .or_fail(msg::REPLY_EDIT_FAILED)?;
    ok(&json!({ "success": true, "message": msg::REPLY_EDITED, "data": list }))
}

/// DELETE /recomment/{recommentId} (declared `/recomment/{id}`) — delete one's own reply.
pub async fn delete(app: &App, req: Request) -> ApiResult {
    let me = auth::require_user(app, &req).await?;
    let recomment_id = http::path_param(&req, "id")?;
    let reply = own_reply(
        app,
        &recomment_id,
        me.user_id(),
        msg::REPLY_DELETE_FAILED,
        msg::REPLY_NOT_AUTHOR_DELETE,
    )
    .await?;
    app.db
        .delete_reply(&reply)
        .await
        .or_fail(msg::REPLY_DELETE_FAILED)?;
    ok(&json!({ "success": true, "message": msg::REPLY_DELETED }))
}

async fn own_reply(
    app: &App,
    recomment_id: &str,
    user_id: &str,
    failed: &'static str,
    not_author: &'static str,
) -> Result<Reply, ApiError> {
    let reply = app
        .db
        .reply(recomment_id)
        .await
        .or_fail(failed)?
        .ok_or_else(|| ApiError::bad_request(msg::REPLY_NOT_FOUND))?;
    if reply.user_id != user_id {
        return Err(ApiError::bad_request(not_author));
    }
    Ok(reply)
}
