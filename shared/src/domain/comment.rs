//! Comments and replies ("recomments") on runs and courses (contract
//! comments.md): the records, content validation, and how an author is shown.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::alarm::Alarm;
use super::user::User;

/// Every user-facing message of `/comment/*` and `/recomment/*` (contract
/// comments.md), byte for byte: the frontend shows them and matches on some.
pub mod msg {
    pub const CONTENT_REQUIRED: &str = "댓글은 반드시 입력해주셔야 합니다";
    pub const UNKNOWN_CATEGORY: &str = "불러오기 상태값이 올바르지 않습니다";
    pub const POST_NOT_FOUND: &str = "해당 게시물이 존재하지 않습니다";
    pub const NOT_FOUND: &str = "해당 댓글이 존재하지 않습니다";
    pub const CREATE_FAILED: &str = "댓글 등록을 실패했습니다";
    pub const READ_FAILED: &str = "댓글 불러오기에 실패했습니다";
    pub const NOT_AUTHOR_EDIT: &str = "본인이 작성한 댓글만 수정할 수 있습니다";
    pub const EDIT_FAILED: &str = "댓글 수정에 실패하였습니다";
    pub const EDITED: &str = "댓글 수정에 성공하였습니다";
    pub const NOT_AUTHOR_DELETE: &str = "본인이 작성한 댓글만 삭제할 수 있습니다";
    pub const DELETE_FAILED: &str = "댓글 삭제에 실패하였습니다";
    pub const DELETED: &str = "댓글 삭제에 성공하였습니다";
    pub const REPLY_CONTENT_REQUIRED: &str = "대댓글은 반드시 입력해주셔야 합니다";
    pub const REPLY_NOT_FOUND: &str = "해당 대댓글이 존재하지 않습니다";
    pub const REPLY_CREATE_FAILED: &str = "대댓글 등록에 실패했습니다";
    pub const REPLY_READ_FAILED: &str = "대댓글 불러오기에 실패했습니다";
    pub const REPLY_NOT_AUTHOR_EDIT: &str = "본인이 작성한 대댓글만 수정할 수 있습니다";
    pub const REPLY_EDIT_FAILED: &str = "대댓글 수정에 실패하였습니다";
    pub const REPLY_EDITED: &str = "대댓글 수정에 성공하였습니다";
    pub const REPLY_NOT_AUTHOR_DELETE: &str = "본인이 작성한 대댓글만 삭제할 수 있습니다";
    pub const REPLY_DELETE_FAILED: &str = "대댓글 삭제에 실패하였습니다";
    pub const REPLY_DELETED: &str = "대댓글 삭제에 성공하였습니다";
    /// Nickname shown for an author whose account no longer exists (the
    /// users issue keeps their content). The frontend reads `user.nickname`
    /// without a null check, so a placeholder object is rendered instead of
    /// `null`.
    pub const UNKNOWN_AUTHOR: &str = "알 수 없음";
}

/// The kind of post a comment hangs on: a run or a course.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PostKind {
    Group,
    Course,
}

/// A comment, in its post's item collection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub comment_id: String,
    pub post_kind: PostKind,
    pub post_id: String,
    /// Author.
    pub user_id: String,
    pub content: String,
    /// Replies of this comment (kept by the reply transactions).
    #[serde(default)]
    pub reply_count: i64,
    /// UTC RFC 3339 (milliseconds, `Z`); part of the sort key.
    pub created_at: String,
    pub updated_at: String,
}

/// A reply, in the same collection as its comment (the post's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reply {
    pub recomment_id: String,
    pub comment_id: String,
    pub post_kind: PostKind,
    pub post_id: String,
    pub user_id: String,
    pub content: String,
    pub created_at: String,
    pub updated_at: String,
}

/// `group` / `course` of `/comment/{category}/{id}` (exact, lowercase).
pub fn parse_category(raw: &str) -> Option<PostKind> {
    match raw {
        "group" => Some(PostKind::Group),
        "course" => Some(PostKind::Course),
        _ => None,
    }
}

/// Storage-safe cap (comments.md open question 2); over it is refused with
/// the validation message.
pub const MAX_CONTENT_CHARS: usize = 10_000;

/// `content` as the original's validator took it: missing, `null` or `""`
/// is refused; numbers and booleans pass as their text; whitespace passes.
pub fn parse_content(raw: Option<&Value>) -> Option<String> {
    let text = match raw? {
        Value::Null => return None,
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    };
    (!text.is_empty() && text.chars().count() <= MAX_CONTENT_CHARS).then_some(text)
}

/// The embedded `user` object: the author's **current** profile.
pub fn author_view(user_id: &str, author: Option<&User>) -> Value {
    match author {
        Some(u) => json!({
            "userId": u.user_id,
            "nickname": u.nickname,
            "profileUrl": u.profile_url,
            "userLevel": u.user_level,
        }),
        None => json!({
            "userId": user_id,
            "nickname": msg::UNKNOWN_AUTHOR,
            "profileUrl": "",
            "userLevel": null,
        }),
    }
}

/// The post an alarm is about.
#[derive(Debug, Clone, Copy)]
pub struct AlarmTarget<'a> {
    pub kind: PostKind,
    pub post_id: &'a str,
    /// The run's host or the course's author: the recipient.
    pub owner: &'a str,
    pub title: &'a str,
    /// The parent comment of a reply.
    pub comment_id: Option<&'a str>,
}

/// The post owner's `comment` / `recomment` alarm (alarms.md §3.1, §3.2);
/// none when the actor is the owner. `nickname` is the owner's own.
pub fn owner_alarm(
    what: &str,
    actor: &str,
    target: &AlarmTarget,
    owner_nickname: Option<String>,
    now: &str,
) -> Option<Alarm> {
    if target.owner == actor {
        return None;
    }
    let mut alarm = Alarm::for_group(what, target.owner, target.post_id, target.title, now);
    if target.kind == PostKind::Course {
        alarm.group_id = None;
        alarm.group_title = None;
        alarm.course_id = Some(target.post_id.to_owned());
        alarm.course_title = Some(target.title.to_owned());
    }
    alarm.nickname = owner_nickname;
    alarm.comment_id = target.comment_id.map(str::to_owned);
    Some(alarm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_must_be_present_and_non_empty_but_may_be_any_scalar() {
        assert_eq!(parse_content(None), None);
        assert_eq!(parse_content(Some(&Value::Null)), None);
        assert_eq!(parse_content(Some(&json!(""))), None);
        assert_eq!(parse_content(Some(&json!("  "))), Some("  ".to_owned()));
        assert_eq!(parse_content(Some(&json!(12))), Some("12".to_owned()));
        assert_eq!(parse_content(Some(&json!(false))), Some("false".to_owned()));
        assert_eq!(parse_content(Some(&json!("x".repeat(10_001)))), None);
    }

    #[test]
    fn categories_are_exact_and_lowercase() {
        assert_eq!(parse_category("group"), Some(PostKind::Group));
        assert_eq!(parse_category("course"), Some(PostKind::Course));
        assert_eq!(parse_category("Group"), None);
        assert_eq!(parse_category("ererer"), None);
    }

    #[test]
    fn alarms_go_to_the_owner_of_the_post_never_to_the_actor() {
        let target = AlarmTarget {
            kind: PostKind::Course,
            post_id: "c",
            owner: "owner",
            title: "코스",
            comment_id: Some("m"),
        };
        assert!(owner_alarm("recomment", "owner", &target, None, "t").is_none());
        let alarm =
            owner_alarm("recomment", "guest", &target, Some("주인".into()), "t").expect("alarm");
        assert_eq!(alarm.user_id, "owner");
        assert_eq!(alarm.course_id.as_deref(), Some("c"));
        assert_eq!(alarm.group_id, None);
        assert_eq!(alarm.comment_id.as_deref(), Some("m"));
        assert_eq!(alarm.nickname.as_deref(), Some("주인"));
        let run = AlarmTarget {
            kind: PostKind::Group,
            ..target
        };
        let alarm = owner_alarm("comment", "guest", &run, None, "t").expect("alarm");
        assert_eq!(alarm.group_title.as_deref(), Some("코스"));
        assert_eq!(alarm.course_id, None);
    }

    #[test]
    fn a_deleted_author_is_shown_as_unknown_not_null() {
        let view = author_view("gone", None);
        assert_eq!(view["nickname"], msg::UNKNOWN_AUTHOR);
        assert_eq!(view["profileUrl"], "");
        assert_eq!(view["userId"], "gone");
    }
}
