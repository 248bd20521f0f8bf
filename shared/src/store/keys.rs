//! Every key string of the table is built here and nowhere else.
//! The table and its access patterns: `docs/data-model.md`.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::feed::FeedCombo;

pub const PK: &str = "PK";
pub const SK: &str = "SK";
pub const GSI1: &str = "GSI1";
pub const GSI1PK: &str = "GSI1PK";
pub const GSI1SK: &str = "GSI1SK";
pub const GSI2: &str = "GSI2";
pub const GSI2PK: &str = "GSI2PK";
pub const GSI2SK: &str = "GSI2SK";
/// GSI3 — "by region, in time order" (runs by start, courses by creation).
pub const GSI3: &str = "GSI3";
pub const GSI3PK: &str = "GSI3PK";
pub const GSI3SK: &str = "GSI3SK";
/// GSI4 / GSI5 — course orderings (numeric `ORDN`), platform-wide / per region.
pub const GSI4: &str = "GSI4";
pub const GSI5: &str = "GSI5";
pub const ORDER_PK: &str = "ORDPK";
pub const ORDER_REGION_PK: &str = "ORDRPK";
pub const ORDER_N: &str = "ORDN";
/// GSI6 — composite run feeds: one partition per combination of filter
/// values (region, time bucket, distance bucket, thema), time-ordered.
pub const GSI6: &str = "GSI6";
pub const GSI6PK: &str = "GSI6PK";
pub const GSI6SK: &str = "GSI6SK";
/// TTL attribute (epoch seconds). DynamoDB deletes late: readers check it too.
pub const EXPIRES_AT: &str = "expiresAt";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Key {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
}

/// A secondary-index entry (`GSI1PK`/`GSI1SK` or `GSI2PK`/`GSI2SK`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexKey {
    pub pk: String,
    pub sk: String,
}

/// `USER#<uid> / PROFILE`: the user record.
pub fn user(user_id: &str) -> Key {
    Key {
        pk: user_pk(user_id),
        sk: "PROFILE".into(),
    }
}

/// GSI1 entry of a **test** account only (sparse: real users are not in it):
/// `TESTUSER#<nickname> / USER#<uid>`, for `/testlogin`'s (nickname, password) lookup.
pub fn test_account_index(nickname: &str, user_id: &str) -> IndexKey {
    IndexKey {
        pk: test_account_pk(nickname),
        sk: user_pk(user_id),
    }
}

pub fn test_account_pk(nickname: &str) -> String {
    format!("TESTUSER#{nickname}")
}

/// `USER#<uid> / REFRESH#<sha256(User-Agent)>`: one refresh-token slot per
/// (user, browser). The User-Agent is hashed so long headers make short keys.
pub fn refresh_token(user_id: &str, user_agent: &str) -> Key {
    let digest = Sha256::digest(user_agent.as_bytes());
    Key {
        pk: user_pk(user_id),
        sk: format!("REFRESH#{}", hex::encode(digest)),
    }
}

/// `SOCIAL#<provider>#<socialId> / SOCIAL`: (provider, id) → userId, unique by key.
pub fn social(provider: &str, social_id: &str) -> Key {
    Key {
        pk: format!("SOCIAL#{provider}#{social_id}"),
        sk: "SOCIAL".into(),
    }
}

/// `USER#<uid> / PHONE_CODE`: the pending SMS verification code.
pub fn phone_code(user_id: &str) -> Key {
    Key {
        pk: user_pk(user_id),
        sk: "PHONE_CODE".into(),
    }
}

/// `USER#<uid> / THROTTLE#<action>`: a short-lived marker (run creation 10 s
/// rule, SMS send rate), written conditionally.
pub fn throttle(user_id: &str, action: &str) -> Key {
    Key {
        pk: user_pk(user_id),
        sk: format!("THROTTLE#{action}"),
    }
}

/// `PHONE#<tag> / THROTTLE#<action>`: a throttle per phone number, where
/// `tag` is a keyed hash of the number (never the number itself).
pub fn phone_throttle(tag: &str, action: &str) -> Key {
    Key {
        pk: format!("PHONE#{tag}"),
        sk: format!("THROTTLE#{action}"),
    }
}

/// The `GSI2SK` range of a user's runs under `prefix` (`APPLY#`, `HOST#`)
/// starting at `from_utc` (inclusive) up to the end of that prefix.
pub fn runs_from(prefix: &str, from_utc: &str) -> (String, String) {
    (format!("{prefix}{from_utc}"), format!("{prefix}~"))
}

/// The group id at the end of a run's `GSI2SK` (`<prefix><startUtc>#<gid>`).
pub fn group_id_of_run(gsi2sk: &str) -> Option<&str> {
    gsi2sk
        .rsplit_once('#')
        .map(|(_, id)| id)
        .filter(|id| !id.is_empty())
}

// ---- group runs ----

pub fn group_pk(group_id: &str) -> String {
    format!("GROUP#{group_id}")
}

/// `GROUP#<gid> / A#META`: the run itself (what lists show).
///
/// The run's own items sort first in its collection: `A#META`, `A#TEXT`,
/// then `APPLY#<uid>`. So `begins_with(SK, "A")` reads exactly the run, its
/// text and its members for the detail page, and never the comments,
/// replies or chat messages that share the partition.
pub fn group(group_id: &str) -> Key {
    Key {
        pk: group_pk(group_id),
        sk: "A#META".into(),
    }
}

/// `GROUP#<gid> / A#TEXT`: the bulky fields only the detail page shows
/// (`mapLatLng`, `content`), kept out of the feed index.
pub fn group_text(group_id: &str) -> Key {
    Key {
        pk: group_pk(group_id),
        sk: "A#TEXT".into(),
    }
}

/// `GROUP#<gid> / DELETING`: a run whose delete began and has not finished
/// (it replaces the META; outside the `A` detail prefix).
pub fn group_deletion(group_id: &str) -> Key {
    Key {
        pk: group_pk(group_id),
        sk: "DELETING".into(),
    }
}

/// GSI2 entry of an unfinished run delete: `USER#<host> / DELETING#<gid>`
/// (account deletion finishes its user's unfinished run deletes).
pub fn group_deletion_index(host_id: &str, group_id: &str) -> IndexKey {
    IndexKey {
        pk: user_pk(host_id),
        sk: format!("{DELETING}{group_id}"),
    }
}

pub const DELETING: &str = "DELETING#";

/// Sort-key prefix shared by a run's META, TEXT and member items.
pub const GROUP_DETAIL_PREFIX: &str = "A";

/// GSI1 entry of a run: `GROUPS / <startUtc>#<gid>` (feeds, main page, by start).
pub fn group_feed_index(start_utc: &str, group_id: &str) -> IndexKey {
    IndexKey {
        pk: GROUPS.into(),
        sk: format!("{start_utc}#{group_id}"),
    }
}

pub const GROUPS: &str = "GROUPS";

/// GSI3 entry of a run: `GROUPS#R<region> / <startUtc>#<gid>` (the feed of one region).
pub fn group_region_index(region: u8, start_utc: &str, group_id: &str) -> IndexKey {
    IndexKey {
        pk: group_region_pk(region),
        sk: format!("{start_utc}#{group_id}"),
    }
}

pub fn group_region_pk(region: u8) -> String {
    format!("{GROUPS}#R{region}")
}

/// Sort-key prefix of a run's feed entries (`FEED#<mask>`), kept apart from
/// the `A…` detail prefix, members, comments, chat and reminders.
pub const FEED_ENTRY: &str = "FEED#";

/// `GROUP#<gid> / FEED#<mask>`: the run's entry for one filter combination
/// (`mask`: the dimensions it names, e.g. `rth`). In the run's partition, so
/// the run's edits overwrite it and its delete removes it.
pub fn group_feed_entry(group_id: &str, combo: &FeedCombo) -> Key {
    Key {
        pk: group_pk(group_id),
        sk: format!("{FEED_ENTRY}{}", combo.mask()),
    }
}

/// GSI6 entry of a run's feed entry: `GF#<mask>#<v1>#…` / `<startUtc>#<gid>`
/// (the same sort key as GSI1 and GSI3). The thema (free text) is the last
/// value, and the mask fixes how many values follow, so no two
/// combinations share a partition.
pub fn group_combo_index(combo: &FeedCombo, start_utc: &str, group_id: &str) -> IndexKey {
    IndexKey {
        pk: group_combo_pk(combo),
        sk: format!("{start_utc}#{group_id}"),
    }
}

pub fn group_combo_pk(combo: &FeedCombo) -> String {
    let mut pk = format!("GF#{}", combo.mask());
    for value in combo.values() {
        pk.push('#');
        pk.push_str(&value);
    }
    pk
}

/// GSI2 entry of a run: `USER#<host> / HOST#<startUtc>#<gid>` (runs a user hosts).
pub fn hosted_group_index(host_id: &str, start_utc: &str, group_id: &str) -> IndexKey {
    IndexKey {
        pk: user_pk(host_id),
        sk: format!("{HOSTED}{start_utc}#{group_id}"),
    }
}

pub const HOSTED: &str = "HOST#";

/// `GROUP#<gid> / APPLY#<uid>`: one member; lives in the run's collection.
pub fn apply(group_id: &str, user_id: &str) -> Key {
    Key {
        pk: group_pk(group_id),
        sk: format!("{APPLY}{user_id}"),
    }
}

pub const APPLY: &str = "APPLY#";

/// `GROUP#<gid> / EVAL#<uid>`: that the member evaluated the run's host.
/// Kept apart from the membership, so leaving and rejoining cannot clear it
/// (one evaluation per run and member, for good); outside the detail
/// collection (`A…`), deleted with the run's partition.
pub fn evaluation(group_id: &str, user_id: &str) -> Key {
    Key {
        pk: group_pk(group_id),
        sk: format!("EVAL#{user_id}"),
    }
}

/// GSI2 entry of a membership: `USER#<uid> / APPLY#<startUtc>#<gid>`.
pub fn applied_group_index(user_id: &str, start_utc: &str, group_id: &str) -> IndexKey {
    IndexKey {
        pk: user_pk(user_id),
        sk: format!("{APPLY}{start_utc}#{group_id}"),
    }
}

/// `GROUP#<gid> / CHAT#<chatId, 20 digits>`: one chat message; ids count
/// up per room, so the sort key is the send order.
pub fn chat(group_id: &str, chat_id: u64) -> Key {
    Key {
        pk: group_pk(group_id),
        sk: chat_sk(chat_id),
    }
}

pub fn chat_sk(chat_id: u64) -> String {
    format!("{CHAT}{chat_id:020}")
}

pub const CHAT: &str = "CHAT#";

/// `GROUP#<gid> / CHATSEQ`: the room's last `chatId` (in the run's
/// partition, so the run's delete cascade removes it with the messages).
pub fn chat_counter(group_id: &str) -> Key {
    Key {
        pk: group_pk(group_id),
        sk: "CHATSEQ".into(),
    }
}

/// `CHATSESSION#<sid> / SESSION`: one Engine.IO session (TTL `expiresAt`).
pub fn chat_session(sid: &str) -> Key {
    Key {
        pk: format!("CHATSESSION#{sid}"),
        sk: "SESSION".into(),
    }
}

// ---- courses ----

pub fn course_pk(course_id: &str) -> String {
    format!("COURSE#{course_id}")
}

/// `COURSE#<cid> / META`: the course with its counters.
pub fn course(course_id: &str) -> Key {
    Key {
        pk: course_pk(course_id),
        sk: "META".into(),
    }
}

pub const COURSES: &str = "COURSES";

/// GSI1 entry of a course: `COURSES / <createdUtc>#<cid>`.
pub fn course_feed_index(created_utc: &str, course_id: &str) -> IndexKey {
    IndexKey {
        pk: COURSES.into(),
        sk: format!("{created_utc}#{course_id}"),
    }
}

/// GSI2 entry of a course: `USER#<author> / COURSE#<createdUtc>#<cid>`.
pub fn authored_course_index(author_id: &str, created_utc: &str, course_id: &str) -> IndexKey {
    IndexKey {
        pk: user_pk(author_id),
        sk: format!("{AUTHORED_COURSE}{created_utc}#{course_id}"),
    }
}

pub const AUTHORED_COURSE: &str = "COURSE#";

/// GSI3 entry of a course: `COURSES#R<region> / <createdUtc>#<cid>` (newest of a region).
pub fn course_region_index(region: u8, created_utc: &str, course_id: &str) -> IndexKey {
    IndexKey {
        pk: course_region_pk(region),
        sk: format!("{created_utc}#{course_id}"),
    }
}

pub fn course_region_pk(region: u8) -> String {
    format!("{COURSES}#R{region}")
}

/// `CORDER#<cid> / <order>`: the course's entry in one counter ordering
/// (`star`, `comment`, `bookmark`); the `rank` ordering lives on `META`.
/// Its own partition, beside the course's collection (deleted with it).
pub fn course_order(course_id: &str, order: &str) -> Key {
    Key {
        pk: format!("{COURSE_ORDER}{course_id}"),
        sk: order.to_owned(),
    }
}

pub const COURSE_ORDER: &str = "CORDER#";

/// GSI4 partition of an ordering (all courses).
pub fn course_order_pk(order: &str) -> String {
    format!("CORD#{order}")
}

/// GSI5 partition of an ordering within one region.
pub fn course_order_region_pk(order: &str, region: u8) -> String {
    format!("CORD#{order}#R{region}")
}

/// `USER#<uid> / PROFILE#BM#<cid>`: the user's bookmark mirrored into their
/// own partition (written in the toggle's transaction), so one Query
/// `begins_with(SK, "PROFILE")` reads the profile and every bookmark flag.
pub fn bookmark_marker(user_id: &str, course_id: &str) -> Key {
    Key {
        pk: user_pk(user_id),
        sk: format!("{BOOKMARK_MARKER}{course_id}"),
    }
}

pub const BOOKMARK_MARKER: &str = "PROFILE#BM#";

/// `COURSE#<cid> / BOOKMARK#<uid>`: one per (course, user) by key.
pub fn bookmark(course_id: &str, user_id: &str) -> Key {
    Key {
        pk: course_pk(course_id),
        sk: format!("{BOOKMARK}{user_id}"),
    }
}

pub const BOOKMARK: &str = "BOOKMARK#";

/// GSI2 entry of a bookmark: `USER#<uid> / BOOKMARK#<createdUtc>#<cid>`.
pub fn bookmarked_course_index(user_id: &str, created_utc: &str, course_id: &str) -> IndexKey {
    IndexKey {
        pk: user_pk(user_id),
        sk: format!("{BOOKMARK}{created_utc}#{course_id}"),
    }
}

/// `COURSE#<cid> / STAR#<uid>`: one rating per (course, user) by key.
pub fn star(course_id: &str, user_id: &str) -> Key {
    Key {
        pk: course_pk(course_id),
        sk: format!("{STAR}{user_id}"),
    }
}

pub const STAR: &str = "STAR#";

// ---- comments and replies (in the post's collection) ----

/// The partition of a post: `GROUP#<id>` or `COURSE#<id>`.
pub fn post_pk(category: PostKind, post_id: &str) -> String {
    match category {
        PostKind::Group => group_pk(post_id),
        PostKind::Course => course_pk(post_id),
    }
}

/// The post a comment hangs on (a domain type; here for the key builders).
pub use crate::domain::comment::PostKind;

/// `<post> / COMMENT#<createdUtc>#<commentId>`.
pub fn comment(post: PostKind, post_id: &str, created_utc: &str, comment_id: &str) -> Key {
    Key {
        pk: post_pk(post, post_id),
        sk: format!("{COMMENT}{created_utc}#{comment_id}"),
    }
}

pub const COMMENT: &str = "COMMENT#";

/// GSI1 entry of a comment: `COMMENT#<commentId> / COMMENT` (find by id).
pub fn comment_id_index(comment_id: &str) -> IndexKey {
    IndexKey {
        pk: format!("{COMMENT}{comment_id}"),
        sk: "COMMENT".into(),
    }
}

/// `<post> / REPLY#<createdUtc>#<recommentId>`.
pub fn reply(post: PostKind, post_id: &str, created_utc: &str, recomment_id: &str) -> Key {
    Key {
        pk: post_pk(post, post_id),
        sk: format!("{REPLY}{created_utc}#{recomment_id}"),
    }
}

pub const REPLY: &str = "REPLY#";

/// GSI1 entry of a reply: `RECOMMENT#<recommentId> / RECOMMENT`.
pub fn reply_id_index(recomment_id: &str) -> IndexKey {
    IndexKey {
        pk: format!("RECOMMENT#{recomment_id}"),
        sk: "RECOMMENT".into(),
    }
}

/// GSI2 entry of anything a user wrote: `USER#<uid> / <prefix><createdUtc>#<id>`.
pub fn authored_index(user_id: &str, prefix: &str, created_utc: &str, id: &str) -> IndexKey {
    IndexKey {
        pk: user_pk(user_id),
        sk: format!("{prefix}{created_utc}#{id}"),
    }
}

// ---- alarms ----

/// `USER#<uid> / ALARM#<createdUtc>#<alarmId>`: in the recipient's partition.
pub fn alarm(user_id: &str, created_utc: &str, alarm_id: &str) -> Key {
    Key {
        pk: user_pk(user_id),
        sk: format!("{ALARM}{created_utc}#{alarm_id}"),
    }
}

pub const ALARM: &str = "ALARM#";

// ---- run reminders (docs/reminders.md) ----

/// `GROUP#<gid> / REMIND#<category>`: a run's pending reminder of one kind.
/// It lives in the run's partition (a run delete removes it with the rest;
/// its sort key is outside the detail page's `A` prefix).
pub fn reminder(group_id: &str, category: &str) -> Key {
    Key {
        pk: group_pk(group_id),
        sk: format!("{REMIND}{category}"),
    }
}

pub const REMIND: &str = "REMIND#";

/// GSI1 entry of a pending reminder: `REMINDERS / <dueUtc>#<gid>#<category>`,
/// so "everything due up to T" is one Query.
pub fn reminder_due_index(due_utc: &str, group_id: &str, category: &str) -> IndexKey {
    IndexKey {
        pk: REMINDERS.into(),
        sk: format!("{due_utc}#{group_id}#{category}"),
    }
}

pub const REMINDERS: &str = "REMINDERS";

/// `REMINDED#<gid>#<category>#<dueUtc> / USER#<uid>`: the idempotency record
/// of one reminder occurrence for one recipient (its alarm row and SMS state).
/// A moved run's reminder is a new occurrence (another due time).
pub fn reminder_delivery(group_id: &str, category: &str, due_utc: &str, user_id: &str) -> Key {
    Key {
        pk: reminder_deliveries_pk(group_id, category, due_utc),
        sk: user_pk(user_id),
    }
}

pub fn reminder_deliveries_pk(group_id: &str, category: &str, due_utc: &str) -> String {
    format!("REMINDED#{group_id}#{category}#{due_utc}")
}

pub fn user_pk(user_id: &str) -> String {
    format!("USER#{user_id}")
}

/// `RESIZE#<bucket>/<object key> / ETAG#<etag>`: the resize function's
/// idempotency record of one uploaded object version (in progress →
/// completed, with `expiresAt`). All versions of one object share the
/// partition, so "has this image been resized" is one Query.
pub fn resize_record(bucket: &str, object_key: &str, etag: &str) -> Key {
    Key {
        pk: resize_records_pk(bucket, object_key),
        sk: format!("ETAG#{etag}"),
    }
}

pub fn resize_records_pk(bucket: &str, object_key: &str) -> String {
    format!("RESIZE#{bucket}/{object_key}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_slots_differ_per_browser_and_are_fixed_length() {
        let a = refresh_token("u", "Mozilla/5.0 (X11)");
        let b = refresh_token("u", "Mozilla/5.0 (Mac)");
        assert_eq!(a.pk, "USER#u");
        assert_ne!(a.sk, b.sk);
        assert_eq!(a.sk.len(), "REFRESH#".len() + 64);
        assert_eq!(refresh_token("u", &"x".repeat(10_000)).sk.len(), a.sk.len());
    }

    #[test]
    fn run_ranges_cover_one_prefix_from_an_instant_and_give_back_the_group_id() {
        let (from, to) = runs_from(APPLY, "2026-01-01T00:00:00.000Z");
        let sk = applied_group_index("u", "2026-03-01T00:00:00.000Z", "g-1").sk;
        assert!(from <= sk && sk <= to);
        let earlier = applied_group_index("u", "2025-12-31T23:59:59.000Z", "g-0").sk;
        assert!(earlier < from);
        let hosted = hosted_group_index("u", "2026-03-01T00:00:00.000Z", "g-1").sk;
        assert!(!(from <= hosted && hosted <= to));
        assert_eq!(group_id_of_run(&sk), Some("g-1"));
    }

    #[test]
    fn user_keys_share_the_user_partition() {
        assert_eq!(user("u").pk, refresh_token("u", "ua").pk);
        assert_eq!(user("u").sk, "PROFILE");
    }
}
