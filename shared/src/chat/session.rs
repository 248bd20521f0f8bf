//! One Engine.IO session as stored in DynamoDB (one item), its transitions,
//! and what a poll delivers. Every write of the item is conditioned on the
//! `ver` it was read with, so a poll and concurrent POSTs never overwrite
//! each other's changes (the loser re-reads and redoes its part).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{ChatConfig, ChatRow, HISTORY_LIMIT, MAX_ROOMS, deliverable, engineio, socketio};

/// Socket.IO packets waiting for the next poll (connect answers). Bounded:
/// identical packets are kept once, and past this many the rest are dropped.
const MAX_PENDING: usize = 16;
/// A claimed poll keeps its claim this long past its hold, so a poller that
/// died mid-hold frees the session by itself.
const CLAIM_MARGIN_MS: i64 = 5_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub sid: String,
    /// The `Origin` header of the handshake. A later request that carries an
    /// Origin must carry this one: a sid taken to another site's page is
    /// refused there. (A request without Origin is no browser page, and a
    /// non-browser client can claim any Origin anyway.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// Set while connected to the default namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub socket_id: Option<String>,
    /// Joined rooms → the last `chatId` delivered from each.
    #[serde(default)]
    pub rooms: BTreeMap<String, u64>,
    /// Rooms whose `chatList` is still to be sent → the last `chatId` it covers.
    #[serde(default)]
    pub history: BTreeMap<String, u64>,
    /// Socket.IO packets (text) still to be sent.
    #[serde(default)]
    pub out: Vec<String>,
    /// Epoch ms of the next ping.
    pub ping_at: i64,
    /// A ping went out and its pong has not come back.
    pub ping_sent: bool,
    /// Epoch ms after which the session is dead (no pong in time).
    pub alive_until: i64,
    /// Epoch ms until which a poll holds the session (0 = none).
    #[serde(default)]
    pub poll_until: i64,
    #[serde(default)]
    pub poll_id: String,
    /// Optimistic-concurrency version.
    pub ver: u64,
    /// TTL (epoch s): the item disappears once the session is dead.
    pub expires_at: i64,
}

fn ms(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Until when a poll that answers by `hold_end` holds its session: a little
/// longer, so that a poller that died mid-hold frees the session by itself.
pub fn claim_until(hold_end: i64) -> i64 {
    hold_end + CLAIM_MARGIN_MS
}

/// A random id for sessions and sockets (128 bits, base64url).
pub fn random_id() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes())
}

impl Session {
    pub fn new(sid: String, origin: Option<String>, now: i64, config: &ChatConfig) -> Self {
        let mut session = Self {
            sid,
            origin,
            socket_id: None,
            rooms: BTreeMap::new(),
            history: BTreeMap::new(),
            out: Vec::new(),
            ping_at: now + ms(config.ping_interval),
            ping_sent: false,
            alive_until: now + ms(config.ping_interval) + ms(config.ping_timeout),
            poll_until: 0,
            poll_id: String::new(),
            ver: 0,
            expires_at: 0,
        };
        session.touch();
        session
    }

    pub fn alive(&self, now: i64) -> bool {
        self.alive_until > now
    }

    pub fn same_origin(&self, origin: Option<&str>) -> bool {
        match (self.origin.as_deref(), origin) {
            (Some(pinned), Some(origin)) => pinned == origin,
            _ => true,
        }
    }

    pub fn release(&mut self) {
        self.poll_id.clear();
        self.poll_until = 0;
    }

    /// The client's `3`: the next ping is due one interval from now.
    pub fn pong(&mut self, now: i64, config: &ChatConfig) {
        self.ping_sent = false;
        self.ping_at = now + ms(config.ping_interval);
        self.alive_until = self
            .alive_until
            .max(now + ms(config.ping_interval) + ms(config.ping_timeout));
    }

    pub fn connected(&self) -> bool {
        self.socket_id.is_some()
    }

    /// `40` on the default namespace: answered with `40{"sid":…}`.
    pub fn connect(&mut self, new_socket_id: impl FnOnce() -> String) {
        let socket_id = self.socket_id.get_or_insert_with(new_socket_id).clone();
        self.push_out(&socketio::Packet::Connect {
            namespace: socketio::DEFAULT_NAMESPACE.into(),
            data: Some(json!({ "sid": socket_id })),
        });
    }

    /// `41`: leaves the namespace and with it every room.
    pub fn disconnect(&mut self) {
        self.socket_id = None;
        self.rooms.clear();
        self.history.clear();
    }

    /// Joins `group` whose newest message is `head`: the next poll sends
    /// `chatList` up to `head`, later messages follow as `chatMessage`.
    /// `false` (nothing changes) when the socket is in too many rooms.
    pub fn join(&mut self, group: &str, head: u64) -> bool {
        if !self.rooms.contains_key(group) && self.rooms.len() >= MAX_ROOMS {
            return false;
        }
        self.rooms.insert(group.to_owned(), head);
        self.history.insert(group.to_owned(), head);
        true
    }

    pub fn push_out(&mut self, packet: &socketio::Packet) {
        let text = packet.encode();
        if self.out.len() < MAX_PENDING && !self.out.contains(&text) {
            self.out.push(text);
        }
    }

    pub fn ping_due(&self, now: i64) -> bool {
        !self.ping_sent && now >= self.ping_at
    }

    /// When a held poll must look again at the latest: the ping time, or
    /// the death of the session.
    pub fn wake_at(&self) -> i64 {
        if self.ping_sent {
            self.alive_until
        } else {
            self.ping_at
        }
    }

    fn touch(&mut self) {
        self.expires_at = self.alive_until.div_euclid(1000) + 1;
    }

    /// Bumps the version before a conditional save of what was read at `ver`.
    pub fn next_version(&mut self) {
        self.ver += 1;
        self.touch();
    }
}

/// Room messages read for one poll: `history[g]` the rows of a pending
/// `chatList`, `new[g]` the rows after the room's cursor.
#[derive(Debug, Default)]
pub struct Fetched {
    pub history: BTreeMap<String, Vec<ChatRow>>,
    pub new: BTreeMap<String, Vec<ChatRow>>,
}

/// What a poll answers now (empty: nothing yet) and the session after it.
pub fn deliver(
    session: &Session,
    fetched: &Fetched,
    now: i64,
    config: &ChatConfig,
) -> (Vec<engineio::Packet>, Session) {
    let mut next = session.clone();
    let mut packets: Vec<engineio::Packet> =
        next.out.drain(..).map(engineio::Packet::Message).collect();
    for (group, up_to) in &session.history {
        let rows: Vec<&ChatRow> = fetched
            .history
            .get(group)
            .into_iter()
            .flatten()
            .filter(|r| r.chat_id <= *up_to)
            .collect();
        let owned: Vec<ChatRow> = rows.iter().map(|r| (*r).clone()).collect();
        let from = up_to.saturating_sub(HISTORY_LIMIT);
        if deliverable(&owned, from, now) < owned.len() {
            // A message before the join is still being written: wait for it.
            continue;
        }
        next.history.remove(group);
        let rows: Vec<Value> = owned.iter().map(ChatRow::list_json).collect();
        let list = socketio::Packet::event("chatList", vec![Value::Array(rows)]);
        packets.push(engineio::Packet::Message(list.encode()));
    }
    for (group, cursor) in next.rooms.iter_mut() {
        if next.history.contains_key(group) {
            continue; // the history goes first
        }
        let rows: Vec<ChatRow> = fetched
            .new
            .get(group)
            .into_iter()
            .flatten()
            .filter(|r| r.chat_id > *cursor)
            .cloned()
            .collect();
        for row in &rows[..deliverable(&rows, *cursor, now)] {
            let message = socketio::Packet::event("chatMessage", vec![row.message_json()]);
            packets.push(engineio::Packet::Message(message.encode()));
            *cursor = row.chat_id;
        }
    }
    if next.ping_due(now) {
        packets.push(engineio::Packet::Ping(String::new()));
        next.ping_sent = true;
        next.alive_until = next.alive_until.max(now + ms(config.ping_timeout));
    }
    (packets, next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use engineio::Packet as Eio;

    fn config() -> ChatConfig {
        ChatConfig::default()
    }

    fn row(id: u64, group: &str) -> ChatRow {
        ChatRow {
            chat_id: id,
            group_id: group.into(),
            user_id: "u".into(),
            nickname: "현준".into(),
            profile_url: "p".into(),
            message: format!("m{id}"),
            sent_at: 0,
        }
    }

    fn connected_session() -> Session {
        let mut s = Session::new("s".into(), None, 0, &config());
        s.connect(|| "sock".into());
        s
    }

    #[test]
    fn a_connect_is_answered_once_with_the_socket_id_even_if_repeated() {
        let mut s = connected_session();
        s.connect(|| "other".into());
        let (packets, next) = deliver(&s, &Fetched::default(), 1, &config());
        assert_eq!(packets, vec![Eio::Message(r#"0{"sid":"sock"}"#.into())]);
        assert!(next.out.is_empty());
        let (again, _) = deliver(&next, &Fetched::default(), 2, &config());
        assert!(again.is_empty(), "nothing is delivered twice");
    }

    #[test]
    fn a_join_sends_the_history_then_only_newer_messages_in_order() {
        let mut s = connected_session();
        s.out.clear();
        assert!(s.join("g", 2));
        let fetched = Fetched {
            history: BTreeMap::from([("g".into(), vec![row(1, "g"), row(2, "g")])]),
            new: BTreeMap::from([("g".into(), vec![row(3, "g"), row(4, "g")])]),
        };
        let (packets, next) = deliver(&s, &fetched, 1, &config());
        let texts: Vec<String> = packets.iter().map(ToString::to_string).collect();
        assert_eq!(texts.len(), 3);
        let list: Value = serde_json::from_str(&texts[0]["42".len()..]).expect("json");
        assert_eq!(list[0], "chatList");
        assert_eq!(
            list[1][0],
            json!({"chatId": 1, "groupId": "g", "userId": "u", "nickname": "현준", "profileUrl": "p", "message": "m1"})
        );
        assert_eq!(list[1].as_array().map(Vec::len), Some(2));
        assert_eq!(
            texts[1],
            r#"42["chatMessage",{"groupId":"g","message":"m3","nickname":"현준","profileUrl":"p","userId":"u"}]"#
        );
        assert!(texts[2].contains("m4"));
        assert_eq!(next.rooms["g"], 4);
        assert!(next.history.is_empty());
        let (again, _) = deliver(&next, &fetched, 2, &config());
        assert!(again.is_empty(), "delivered rows are not sent again");
    }

    #[test]
    fn rooms_are_bounded_and_leaving_the_namespace_leaves_them_all() {
        let mut s = connected_session();
        for i in 0..MAX_ROOMS {
            assert!(s.join(&format!("g{i}"), 0));
        }
        assert!(!s.join("one-too-many", 0));
        assert!(s.join("g0", 5), "a room already joined can be joined again");
        s.disconnect();
        assert!(s.rooms.is_empty() && s.history.is_empty() && !s.connected());
    }

    #[test]
    fn a_ping_goes_out_once_per_interval_and_a_pong_rearms_it() {
        let c = config();
        let s = connected_session();
        let (before, _) = deliver(&s, &Fetched::default(), 24_999, &c);
        assert!(!before.contains(&Eio::Ping(String::new())));
        let (at, pinged) = deliver(&s, &Fetched::default(), 25_000, &c);
        assert!(at.contains(&Eio::Ping(String::new())));
        assert!(pinged.ping_sent);
        let (_, still) = deliver(&pinged, &Fetched::default(), 30_000, &c);
        assert!(still.ping_sent && !still.ping_due(30_000));
        assert!(pinged.alive(44_999) && !pinged.alive(45_000));
        let mut ponged = pinged.clone();
        ponged.pong(26_000, &c);
        assert!(!ponged.ping_due(50_999) && ponged.ping_due(51_000));
        assert!(ponged.alive(70_999) && !ponged.alive(71_000));
    }

    #[test]
    fn a_late_ping_gives_the_client_its_full_timeout() {
        let c = config();
        let s = connected_session();
        let (_, pinged) = deliver(&s, &Fetched::default(), 40_000, &c);
        assert_eq!(pinged.alive_until, 60_000);
    }

    #[test]
    fn a_session_opened_from_a_site_refuses_requests_from_another() {
        let pinned = Session::new(
            "s".into(),
            Some("https://erunjrun.com".into()),
            0,
            &config(),
        );
        assert!(pinned.same_origin(Some("https://erunjrun.com")));
        assert!(!pinned.same_origin(Some("https://evil.example")));
        assert!(pinned.same_origin(None), "not a browser page");
        let open = Session::new("s".into(), None, 0, &config());
        assert!(open.same_origin(Some("https://erunjrun.com")));
    }

    #[test]
    fn pending_packets_are_bounded_and_kept_once() {
        let mut s = connected_session();
        for i in 0..100 {
            s.push_out(&socketio::Packet::ConnectError {
                namespace: format!("/n{}", i % 40),
                data: json!({"message": "Invalid namespace"}),
            });
        }
        assert_eq!(s.out.len(), MAX_PENDING);
    }

    #[test]
    fn the_ttl_follows_the_sessions_death_and_the_item_round_trips() {
        let mut s = connected_session();
        s.join("g", 3);
        s.next_version();
        assert_eq!(s.expires_at, 46);
        let item: std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> =
            serde_dynamo::to_item(&s).expect("item");
        let back: Session = serde_dynamo::from_item(item).expect("session");
        assert_eq!(back, s);
    }
}
