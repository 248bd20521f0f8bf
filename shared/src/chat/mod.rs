//! Group chat over Socket.IO v5 / Engine.IO v4 long-polling (contract
//! chat.md, design in docs/chat.md): the packet codecs, the per-session state
//! and what a poll delivers. Pure: the handlers and the store do the I/O.

pub mod engineio;
pub mod session;
pub mod socketio;

use std::time::Duration;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

/// The longest message stored and broadcast (chars); longer ones are
/// ignored like empty ones (chat.md §5.2: the original column held 255).
pub const MAX_MESSAGE_CHARS: usize = 1000;
/// Group ids are UUIDs; anything much longer is not a room.
pub const MAX_GROUP_ID_CHARS: usize = 64;
/// Rooms one socket may be in (the frontend joins one).
pub const MAX_ROOMS: usize = 10;
/// `chatList` carries the newest this many messages, oldest first.
pub const HISTORY_LIMIT: u64 = 200;
/// Room messages one poll answer carries per room (the rest follow at once).
pub const DELIVERY_BATCH: i32 = 100;
/// Engine.IO packets one POST may carry; more closes the session.
pub const MAX_PACKETS_PER_POST: usize = 100;

/// Timing and size limits, from the environment (tests shorten them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatConfig {
    /// `CHAT_PING_INTERVAL_MS` (25000, the original's).
    pub ping_interval: Duration,
    /// `CHAT_PING_TIMEOUT_MS` (20000).
    pub ping_timeout: Duration,
    /// `CHAT_MAX_PAYLOAD` bytes of one POST (1000000).
    pub max_payload: usize,
    /// `CHAT_MAX_HOLD_MS`: longest a poll is held (20000; must stay well
    /// below API Gateway's 30 s integration timeout and the function timeout).
    pub max_hold: Duration,
    /// `CHAT_POLL_MS`: how often a held poll re-reads DynamoDB (200).
    pub poll_every: Duration,
}

impl Default for ChatConfig {
    fn default() -> Self {
        Self {
            ping_interval: Duration::from_millis(25_000),
            ping_timeout: Duration::from_millis(20_000),
            max_payload: 1_000_000,
            max_hold: Duration::from_millis(20_000),
            poll_every: Duration::from_millis(200),
        }
    }
}

/// API Gateway answers 503 after 30 s: a hold must end well before.
const HOLD_CEILING: Duration = Duration::from_secs(25);

impl ChatConfig {
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let defaults = Self::default();
        let number = |name: &str, default: u64| -> anyhow::Result<u64> {
            match get(name).filter(|v| !v.is_empty()) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .with_context(|| format!("{name}={v:?} is not a whole number")),
            }
        };
        let millis = |name: &str, default: Duration| -> anyhow::Result<Duration> {
            let ms = number(name, default.as_millis() as u64)?;
            if ms == 0 {
                bail!("{name} must be above 0");
            }
            Ok(Duration::from_millis(ms))
        };
        let config = Self {
            ping_interval: millis("CHAT_PING_INTERVAL_MS", defaults.ping_interval)?,
            ping_timeout: millis("CHAT_PING_TIMEOUT_MS", defaults.ping_timeout)?,
            max_payload: number("CHAT_MAX_PAYLOAD", defaults.max_payload as u64)? as usize,
            max_hold: millis("CHAT_MAX_HOLD_MS", defaults.max_hold)?,
            poll_every: millis("CHAT_POLL_MS", defaults.poll_every)?,
        };
        if config.max_hold > HOLD_CEILING {
            bail!(
                "CHAT_MAX_HOLD_MS must be at most {} ms",
                HOLD_CEILING.as_millis()
            );
        }
        if config.max_payload < 1024 {
            bail!("CHAT_MAX_PAYLOAD must be at least 1024 bytes");
        }
        Ok(config)
    }

    /// The handshake's data (after the `0`), `upgrades` empty: the client
    /// stays on polling.
    pub fn handshake(&self, sid: &str) -> String {
        serde_json::json!({
            "sid": sid,
            "upgrades": [],
            "pingInterval": self.ping_interval.as_millis() as u64,
            "pingTimeout": self.ping_timeout.as_millis() as u64,
            "maxPayload": self.max_payload,
        })
        .to_string()
    }
}

/// A stored message (chat.md §3.3): `chatId` increases by one per message
/// in its room; `sentAt` (epoch ms, ours) lets readers tell a message still
/// being written from one whose sender died (see [`deliverable`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatRow {
    pub chat_id: u64,
    pub group_id: String,
    pub user_id: String,
    pub nickname: String,
    pub profile_url: String,
    pub message: String,
    #[serde(default)]
    pub sent_at: i64,
}

/// How long a reader waits for a missing `chatId` (taken by a sender that
/// has not stored its message yet) before passing over it.
pub const GAP_WAIT_MS: i64 = 3_000;

/// How many of `rows` (ascending ids, all after `cursor`) may be delivered
/// now: ids follow each other, or the row after a gap is older than
/// [`GAP_WAIT_MS`] (the missing message's sender took its id before that
/// row's sender and has had that long to store it).
pub fn deliverable(rows: &[ChatRow], cursor: u64, now: i64) -> usize {
    let mut expected = cursor + 1;
    for (i, row) in rows.iter().enumerate() {
        if row.chat_id != expected && now - row.sent_at < GAP_WAIT_MS {
            return i;
        }
        expected = row.chat_id + 1;
    }
    rows.len()
}

impl ChatRow {
    /// A `chatList` row: the contract's six fields.
    pub fn list_json(&self) -> serde_json::Value {
        serde_json::json!({
            "chatId": self.chat_id,
            "groupId": self.group_id,
            "userId": self.user_id,
            "nickname": self.nickname,
            "profileUrl": self.profile_url,
            "message": self.message,
        })
    }

    /// The `chatMessage` payload: the row without `chatId` (chat.md §3.2).
    pub fn message_json(&self) -> serde_json::Value {
        serde_json::json!({
            "userId": self.user_id,
            "groupId": self.group_id,
            "nickname": self.nickname,
            "profileUrl": self.profile_url,
            "message": self.message,
        })
    }
}

/// The message text of a `reqMessage`, if it is one we store: a non-empty
/// string (after trimming nothing: spaces are text) within the bound.
pub fn acceptable_message(value: &serde_json::Value) -> Option<&str> {
    let text = value.as_str()?;
    (!text.is_empty() && text.chars().count() <= MAX_MESSAGE_CHARS).then_some(text)
}

/// A room name we keep: a non-empty string within the bound.
pub fn acceptable_group_id(value: &serde_json::Value) -> Option<&str> {
    let id = value.as_str()?;
    (!id.is_empty() && id.chars().count() <= MAX_GROUP_ID_CHARS).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::HashMap;

    #[test]
    fn defaults_are_the_originals_and_the_environment_shortens_them() {
        let none = ChatConfig::from_lookup(&|_| None).expect("defaults");
        assert_eq!(none, ChatConfig::default());
        assert_eq!(
            none.handshake("s"),
            r#"{"maxPayload":1000000,"pingInterval":25000,"pingTimeout":20000,"sid":"s","upgrades":[]}"#
        );
        let vars = HashMap::from([
            ("CHAT_PING_INTERVAL_MS", "300"),
            ("CHAT_MAX_HOLD_MS", "250"),
        ]);
        let short =
            ChatConfig::from_lookup(&|k| vars.get(k).map(|v| (*v).to_owned())).expect("short");
        assert_eq!(short.ping_interval, Duration::from_millis(300));
        assert_eq!(short.max_hold, Duration::from_millis(250));
    }

    #[test]
    fn holds_near_the_gateway_timeout_and_garbage_are_refused() {
        for (k, v) in [
            ("CHAT_MAX_HOLD_MS", "29000"),
            ("CHAT_POLL_MS", "0"),
            ("CHAT_PING_TIMEOUT_MS", "soon"),
            ("CHAT_MAX_PAYLOAD", "10"),
        ] {
            assert!(
                ChatConfig::from_lookup(&|name| (name == k).then(|| v.to_owned())).is_err(),
                "{k}={v}"
            );
        }
    }

    fn row(id: u64, sent_at: i64) -> ChatRow {
        ChatRow {
            chat_id: id,
            group_id: "g".into(),
            user_id: "u".into(),
            nickname: "n".into(),
            profile_url: "p".into(),
            message: "m".into(),
            sent_at,
        }
    }

    #[test]
    fn readers_wait_for_a_missing_id_until_it_is_presumed_lost() {
        let rows = [
            row(3, 10_000),
            row(4, 10_000),
            row(6, 10_500),
            row(7, 10_600),
        ];
        assert_eq!(deliverable(&rows, 2, 11_000), 2, "5 is still being written");
        assert_eq!(deliverable(&rows, 2, 10_500 + GAP_WAIT_MS), 4, "5 is lost");
        assert_eq!(deliverable(&rows, 1, 11_000), 0, "2 is still being written");
        assert_eq!(deliverable(&rows[..2], 2, 0), 2);
        assert_eq!(deliverable(&[], 2, 0), 0);
    }

    #[test]
    fn only_non_empty_bounded_strings_are_messages() {
        assert_eq!(acceptable_message(&json!("안녕")), Some("안녕"));
        assert_eq!(acceptable_message(&json!("")), None);
        assert_eq!(acceptable_message(&json!(5)), None);
        assert_eq!(acceptable_message(&json!(null)), None);
        assert_eq!(acceptable_message(&json!(["a"])), None);
        let longest = "가".repeat(MAX_MESSAGE_CHARS);
        assert!(acceptable_message(&json!(longest)).is_some());
        assert_eq!(acceptable_message(&json!(format!("{longest}a"))), None);
        assert_eq!(
            acceptable_message(&json!("a".repeat(MAX_MESSAGE_CHARS + 1))),
            None,
            "characters are counted, not bytes"
        );
        assert_eq!(acceptable_group_id(&json!("x".repeat(65))), None);
        assert_eq!(acceptable_group_id(&json!({"id": 1})), None);
    }
}
