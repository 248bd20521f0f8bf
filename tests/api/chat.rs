//! The run chat: Engine.IO v4 polling spoken by hand (exact packets, bad
//! input), and the frontend's own `socket.io-client` (tests/chat) against
//! the same dev gateway.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use futures::future::join_all;
use serde_json::{Value, json};
use shared::chat::ChatConfig;

use crate::helpers::{Reply, TestApp, spawn_app_with};
use crate::runs::{Run, hosted_run};

const ORIGIN: &str = "http://localhost:3000";

/// Intervals short enough for tests (production keeps the original 25 s / 20 s).
fn short(ping_interval_ms: u64, ping_timeout_ms: u64, hold_ms: u64) -> ChatConfig {
    ChatConfig {
        ping_interval: Duration::from_millis(ping_interval_ms),
        ping_timeout: Duration::from_millis(ping_timeout_ms),
        max_hold: Duration::from_millis(hold_ms),
        poll_every: Duration::from_millis(50),
        ..ChatConfig::default()
    }
}

async fn chat_app(config: ChatConfig) -> TestApp {
    spawn_app_with(move |c| c.chat = config).await
}

/// One Engine.IO polling client, speaking the wire format by hand.
struct Client<'a> {
    app: &'a TestApp,
    sid: String,
    origin: Option<&'static str>,
}

fn path(sid: Option<&str>) -> String {
    let t = uuid::Uuid::new_v4().simple().to_string();
    match sid {
        Some(sid) => format!("/socket.io/?EIO=4&transport=polling&t={t}&sid={sid}"),
        None => format!("/socket.io/?EIO=4&transport=polling&t={t}"),
    }
}

async fn handshake<'a>(app: &'a TestApp, origin: Option<&'static str>) -> (Client<'a>, Value) {
    let mut request = app.http.get(app.url(&path(None)));
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    let reply = app.send(request).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; charset=UTF-8")
    );
    let open: Value = serde_json::from_str(reply.text.strip_prefix('0').expect("open packet"))
        .expect("handshake JSON");
    let sid = open["sid"].as_str().expect("sid").to_owned();
    (Client { app, sid, origin }, open)
}

impl Client<'_> {
    fn with_origin(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self.origin {
            Some(origin) => request.header("origin", origin),
            None => request,
        }
    }

    async fn get(&self) -> Reply {
        let request = self.app.http.get(self.app.url(&path(Some(&self.sid))));
        self.app.send(self.with_origin(request)).await
    }

    async fn post(&self, body: &str) -> Reply {
        let request = self
            .app
            .http
            .post(self.app.url(&path(Some(&self.sid))))
            .header("content-type", "text/plain;charset=UTF-8")
            .body(body.to_owned());
        self.app.send(self.with_origin(request)).await
    }

    async fn post_ok(&self, body: &str) {
        let reply = self.post(body).await;
        assert_eq!((reply.status, reply.text.as_str()), (200, "ok"));
    }

    /// Handshake + `40` + its acknowledgement, as the client starts.
    async fn connect(app: &TestApp) -> Client<'_> {
        let (client, _) = handshake(app, Some(ORIGIN)).await;
        client.post_ok("40").await;
        let ack = client.get().await;
        assert!(ack.text.starts_with("40{\"sid\":"), "{}", ack.text);
        client
    }

    async fn emit(&self, event: &str, args: &[Value]) {
        let mut items = vec![json!(event)];
        items.extend(args.iter().cloned());
        self.post_ok(&format!("42{}", Value::Array(items))).await;
    }

    /// Polls (answering pings) until `count` events arrived or `wait` passed.
    async fn events(&self, count: usize, wait: Duration) -> Vec<(String, Value)> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut events = Vec::new();
        while events.len() < count && tokio::time::Instant::now() < deadline {
            let reply = self.get().await;
            assert_eq!(reply.status, 200, "{}", reply.text);
            for packet in reply.text.split('\x1e') {
                if packet == "2" {
                    self.post_ok("3").await;
                } else if let Some(event) = packet.strip_prefix("42") {
                    let v: Value = serde_json::from_str(event).expect("event JSON");
                    events.push((v[0].as_str().expect("name").to_owned(), v[1].clone()));
                }
            }
        }
        events
    }
}

fn error(reply: &Reply) -> (u16, Value) {
    (reply.status, reply.json())
}

fn unknown_sid() -> Value {
    json!({"code": 1, "message": "Session ID unknown"})
}

fn bad_request() -> Value {
    json!({"code": 3, "message": "Bad request"})
}

/// A run with its host and one applicant; returns (groupId, hostId, memberId).
async fn run_with_member(app: &TestApp) -> (String, String, String) {
    let (id, host, _) = hosted_run(app, "호스트", &Run::in_days(3, "07:00")).await;
    let (member, token) = app.login_as("러너").await;
    let reply = app
        .post_json_auth(&format!("/group/{id}/apply"), &token)
        .await;
    assert_eq!(reply.json()["success"], true, "{}", reply.text);
    (id, host, member)
}

async fn partition(app: &TestApp, pk: &str) -> Vec<HashMap<String, AttributeValue>> {
    app.app
        .db
        .client
        .query()
        .table_name(&app.app.db.table)
        .key_condition_expression("PK = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(pk.to_owned()))
        .consistent_read(true)
        .send()
        .await
        .expect("query")
        .items
        .unwrap_or_default()
}

#[tokio::test]
async fn the_handshake_advertises_polling_only_the_heartbeat_and_cors() {
    let app = chat_app(ChatConfig::default()).await;
    let reply = app
        .send(
            app.http
                .get(app.url(&path(None)))
                .header("origin", "https://erunjrun.com"),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("https://erunjrun.com")
    );
    assert_eq!(
        reply.header("access-control-allow-credentials"),
        Some("true")
    );
    let open: Value = serde_json::from_str(&reply.text[1..]).expect("json");
    assert_eq!(open["upgrades"], json!([]));
    assert_eq!(open["pingInterval"], 25000);
    assert_eq!(open["pingTimeout"], 20000);
    assert_eq!(open["maxPayload"], 1_000_000);
    assert!(open["sid"].as_str().is_some_and(|s| s.len() >= 20));
}

#[tokio::test]
async fn unknown_sessions_transports_versions_and_handshake_methods_get_engine_io_errors() {
    let app = chat_app(ChatConfig::default()).await;
    let get = |p: String| {
        let app = &app;
        async move { app.send(app.http.get(app.url(&p))).await }
    };
    assert_eq!(
        error(&get(path(Some("no-such-session"))).await),
        (400, unknown_sid())
    );
    assert_eq!(
        error(&get("/socket.io/?EIO=4&transport=websocket".into()).await),
        (400, json!({"code": 0, "message": "Transport unknown"}))
    );
    assert_eq!(
        error(&get("/socket.io/?EIO=3&transport=polling".into()).await),
        (
            400,
            json!({"code": 5, "message": "Unsupported protocol version"})
        )
    );
    let post = app
        .send(app.http.post(app.url(&path(None))).body("40"))
        .await;
    assert_eq!(
        error(&post),
        (400, json!({"code": 2, "message": "Bad handshake method"}))
    );
}

#[tokio::test]
async fn members_get_the_history_and_every_message_with_the_senders_current_profile() {
    let app = chat_app(short(5000, 5000, 300)).await;
    let (group, host, member) = run_with_member(&app).await;
    let a = Client::connect(&app).await;
    a.emit("chatRoom", &[json!(group), json!(host)]).await;
    assert_eq!(
        a.events(1, Duration::from_secs(3)).await,
        vec![("chatList".to_owned(), json!([]))]
    );
    let b = Client::connect(&app).await;
    b.emit("chatRoom", &[json!(group), json!(member)]).await;
    assert_eq!(b.events(1, Duration::from_secs(3)).await[0].1, json!([]));

    a.emit(
        "reqMessage",
        &[json!(group), json!(host), json!("7시에 2번 출구")],
    )
    .await;
    let expected = json!({
        "userId": host, "groupId": group, "nickname": "호스트",
        "profileUrl": app.app.db.user(&host).await.expect("get").expect("user").profile_url,
        "message": "7시에 2번 출구",
    });
    for client in [&a, &b] {
        assert_eq!(
            client.events(1, Duration::from_secs(3)).await,
            vec![("chatMessage".to_owned(), expected.clone())],
            "the sender receives its own message too"
        );
    }

    // The nickname is read at send time: a renamed member posts under the new name.
    app.app
        .db
        .client
        .update_item()
        .table_name(&app.app.db.table)
        .key("PK", AttributeValue::S(format!("USER#{member}")))
        .key("SK", AttributeValue::S("PROFILE".into()))
        .update_expression("SET nickname = :n")
        .expression_attribute_values(":n", AttributeValue::S("새이름".into()))
        .send()
        .await
        .expect("rename");
    b.emit("reqMessage", &[json!(group), json!(member), json!("네!")])
        .await;
    assert_eq!(
        a.events(1, Duration::from_secs(3)).await[0].1["nickname"],
        "새이름"
    );

    let late = Client::connect(&app).await;
    late.emit("chatRoom", &[json!(group), json!(member)]).await;
    let history = late.events(1, Duration::from_secs(3)).await;
    assert_eq!(history[0].0, "chatList");
    let rows = history[0].1.as_array().expect("rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0],
        json!({"chatId": 1, "groupId": group, "userId": host, "nickname": "호스트",
               "profileUrl": expected["profileUrl"], "message": "7시에 2번 출구"})
    );
    assert_eq!(
        (rows[1]["chatId"].clone(), rows[1]["nickname"].clone()),
        (json!(2), json!("새이름"))
    );
}

#[tokio::test]
async fn messages_of_non_applicants_empty_or_oversized_messages_are_ignored_silently() {
    let app = chat_app(short(5000, 5000, 300)).await;
    let (group, host, member) = run_with_member(&app).await;
    let (outsider, _) = app.login_as("구경꾼").await;
    let a = Client::connect(&app).await;
    a.emit("chatRoom", &[json!(group), json!(host)]).await;
    a.events(1, Duration::from_secs(3)).await;

    let o = Client::connect(&app).await;
    o.emit("chatRoom", &[json!(group), json!(outsider)]).await;
    assert_eq!(
        o.events(1, Duration::from_secs(3)).await,
        vec![("chatList".to_owned(), json!([]))],
        "a non-applicant sees no history"
    );
    o.emit(
        "reqMessage",
        &[json!(group), json!(outsider), json!("몰래")],
    )
    .await;
    a.emit("reqMessage", &[json!(group), json!(member), json!("")])
        .await;
    a.emit("reqMessage", &[json!(group), json!(member), json!(5)])
        .await;
    a.emit(
        "reqMessage",
        &[json!(group), json!(member), json!("가".repeat(1001))],
    )
    .await;
    a.emit("reqMessage", &[json!(group), Value::Null, json!("익명")])
        .await;
    a.emit("reqMessage", &[json!(group), json!(member), json!("진짜")])
        .await;
    let events = a.events(2, Duration::from_secs(2)).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].1["message"], "진짜");
    assert!(
        o.events(1, Duration::from_millis(600)).await.is_empty(),
        "a non-applicant is not in the room"
    );
    let stored = partition(&app, &format!("GROUP#{group}"))
        .await
        .into_iter()
        .filter(|i| i["SK"].as_s().is_ok_and(|s| s.starts_with("CHAT#")))
        .count();
    assert_eq!(stored, 1);
}

#[tokio::test]
async fn malformed_unknown_binary_and_oversized_bodies_close_the_session_without_a_5xx() {
    let config = ChatConfig {
        max_payload: 2048,
        ..short(5000, 5000, 300)
    };
    let app = chat_app(config).await;
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "unknown engine.io type",
            "7".into(),
            "text/plain;charset=UTF-8",
        ),
        ("empty body", String::new(), "text/plain;charset=UTF-8"),
        (
            "empty packet",
            "3\x1e\x1e3".into(),
            "text/plain;charset=UTF-8",
        ),
        ("binary packet", "bAQID".into(), "text/plain;charset=UTF-8"),
        ("binary body", "40".into(), "application/octet-stream"),
        (
            "bad JSON",
            "42[\"chatRoom\"".into(),
            "text/plain;charset=UTF-8",
        ),
        (
            "unknown socket.io type",
            "49".into(),
            "text/plain;charset=UTF-8",
        ),
        (
            "binary attachment",
            r#"451-["reqMessage",{"_placeholder":true,"num":0}]"#.into(),
            "text/plain;charset=UTF-8",
        ),
        (
            "event before connect",
            r#"42["chatRoom","g","u"]"#.into(),
            "text/plain;charset=UTF-8",
        ),
        ("upgrade", "5".into(), "text/plain;charset=UTF-8"),
    ];
    for (name, body, content_type) in cases {
        let (client, _) = handshake(&app, Some(ORIGIN)).await;
        let reply = app
            .send(
                app.http
                    .post(app.url(&path(Some(&client.sid))))
                    .header("origin", ORIGIN)
                    .header("content-type", content_type)
                    .body(body),
            )
            .await;
        assert_eq!(error(&reply), (400, bad_request()), "{name}");
        assert_eq!(
            error(&client.get().await),
            (400, unknown_sid()),
            "{name} closes the session"
        );
    }
    let (client, _) = handshake(&app, Some(ORIGIN)).await;
    let too_big = format!("42[\"reqMessage\",\"g\",\"u\",\"{}\"]", "a".repeat(3000));
    assert_eq!(error(&client.post(&too_big).await), (413, bad_request()));
    assert_eq!(error(&client.get().await), (400, unknown_sid()));
}

#[tokio::test]
async fn a_thousand_joins_close_the_session_in_one_body_and_coalesce_across_bodies() {
    let app = chat_app(short(5000, 5000, 300)).await;
    let (group, host, _) = run_with_member(&app).await;
    let join = format!("42{}", json!(["chatRoom", group, host]));
    let flood = Client::connect(&app).await;
    let body = vec![join.as_str(); 1000].join("\x1e");
    assert_eq!(error(&flood.post(&body).await), (400, bad_request()));
    assert_eq!(error(&flood.get().await), (400, unknown_sid()));

    let patient = Client::connect(&app).await;
    let hundred = vec![join.as_str(); 100].join("\x1e");
    for _ in 0..10 {
        let reply = patient.post(&hundred).await;
        assert_eq!((reply.status, reply.text.as_str()), (200, "ok"));
        assert!(reply.ddb_calls() <= 4, "one membership read per body");
    }
    let reply = patient.get().await;
    assert_eq!(
        reply.text.matches("chatList").count(),
        1,
        "one history, not a thousand: {}",
        reply.text
    );
}

#[tokio::test]
async fn a_sid_used_from_another_origin_is_refused_and_its_owner_keeps_it() {
    let app = chat_app(short(5000, 5000, 300)).await;
    let owner = Client::connect(&app).await;
    let thief = Client {
        app: &app,
        sid: owner.sid.clone(),
        origin: Some("https://evil.example"),
    };
    let forbidden = (403, json!({"code": 4, "message": "Forbidden"}));
    assert_eq!(error(&thief.get().await), forbidden);
    assert_eq!(error(&thief.post("41").await), forbidden);
    owner.post_ok("3").await;
    assert_eq!(owner.get().await.text, "6", "the owner's session lives on");
}

#[tokio::test]
async fn two_polls_at_once_end_the_session_like_the_reference_server() {
    let app = chat_app(short(5000, 5000, 600)).await;
    let client = Client::connect(&app).await;
    let (first, second) = tokio::join!(client.get(), async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        client.get().await
    });
    assert_eq!(error(&second), (400, bad_request()));
    assert!(first.text == "1" || first.text == "6", "{}", first.text);
    assert_eq!(error(&client.get().await), (400, unknown_sid()));
}

#[tokio::test]
async fn concurrent_senders_and_posts_deliver_every_message_once_in_chat_id_order() {
    let app = chat_app(short(5000, 5000, 400)).await;
    let (group, host, member) = run_with_member(&app).await;
    let receiver = Client::connect(&app).await;
    receiver
        .emit("chatRoom", &[json!(group), json!(host)])
        .await;
    receiver.events(1, Duration::from_secs(3)).await;
    let mut senders = Vec::new();
    for _ in 0..3 {
        senders.push(Client::connect(&app).await);
    }
    let send_all = join_all(senders.iter().enumerate().map(|(s, client)| {
        let (group, member) = (group.clone(), member.clone());
        async move {
            for i in 0..8 {
                client
                    .emit(
                        "reqMessage",
                        &[json!(group), json!(member), json!(format!("{s}-{i}"))],
                    )
                    .await;
            }
        }
    }));
    // Meanwhile the receiver's own session takes concurrent POSTs (pongs).
    let noise = join_all((0..6).map(|_| receiver.post_ok("3")));
    let receive = receiver.events(24, Duration::from_secs(15));
    let (_, _, events) = tokio::join!(send_all, noise, receive);
    let texts: Vec<String> = events
        .iter()
        .map(|(_, m)| m["message"].as_str().expect("text").to_owned())
        .collect();
    assert_eq!(texts.len(), 24, "{texts:?}");
    let mut unique = texts.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 24, "no duplicates: {texts:?}");
    let mut stored: Vec<(u64, String)> = partition(&app, &format!("GROUP#{group}"))
        .await
        .into_iter()
        .filter(|i| i["SK"].as_s().is_ok_and(|s| s.starts_with("CHAT#")))
        .map(|i| {
            (
                i["chatId"].as_n().expect("id").parse().expect("n"),
                i["message"].as_s().expect("text").clone(),
            )
        })
        .collect();
    stored.sort();
    assert_eq!(
        stored.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        (1..=24).collect::<Vec<u64>>(),
        "ids have no gaps"
    );
    assert_eq!(
        stored.into_iter().map(|(_, t)| t).collect::<Vec<_>>(),
        texts,
        "delivered in chatId order"
    );
    assert!(
        receiver
            .events(1, Duration::from_millis(500))
            .await
            .is_empty(),
        "nothing comes twice"
    );
}

/// What a sender does in the middle of posting: takes the next id.
async fn take_chat_id(app: &TestApp, group: &str) {
    let key = shared::store::keys::chat_counter(group);
    app.app
        .db
        .client
        .update_item()
        .table_name(&app.app.db.table)
        .key("PK", AttributeValue::S(key.pk))
        .key("SK", AttributeValue::S(key.sk))
        .update_expression("ADD seq :one")
        .expression_attribute_values(":one", AttributeValue::N("1".into()))
        .send()
        .await
        .expect("take an id");
}

#[tokio::test]
async fn a_slow_sender_is_waited_for_and_a_dead_one_delays_the_room_by_the_gap_wait_only() {
    let app = chat_app(short(20_000, 20_000, 1000)).await;
    let (group, host, member) = run_with_member(&app).await;
    let receiver = Client::connect(&app).await;
    receiver
        .emit("chatRoom", &[json!(group), json!(host)])
        .await;
    receiver.events(1, Duration::from_secs(3)).await;
    let sender = Client::connect(&app).await;

    // A sender took id 1 and stores it just after id 2 was stored.
    take_chat_id(&app, &group).await;
    sender
        .emit("reqMessage", &[json!(group), json!(member), json!("둘째")])
        .await;
    let late = shared::chat::ChatRow {
        chat_id: 1,
        group_id: group.clone(),
        user_id: member.clone(),
        nickname: "러너".into(),
        profile_url: String::new(),
        message: "첫째".into(),
        sent_at: chrono::Utc::now().timestamp_millis(),
    };
    let mut item: HashMap<String, AttributeValue> = serde_dynamo::to_item(&late).expect("item");
    let key = shared::store::keys::chat(&group, 1);
    item.insert("PK".into(), AttributeValue::S(key.pk));
    item.insert("SK".into(), AttributeValue::S(key.sk));
    app.app
        .db
        .client
        .put_item()
        .table_name(&app.app.db.table)
        .set_item(Some(item))
        .send()
        .await
        .expect("late put");
    let texts: Vec<Value> = receiver
        .events(2, Duration::from_secs(5))
        .await
        .into_iter()
        .map(|(_, m)| m["message"].clone())
        .collect();
    assert_eq!(texts, vec![json!("첫째"), json!("둘째")], "in id order");

    // A sender took id 3 and died: id 4 comes through after the gap wait.
    take_chat_id(&app, &group).await;
    sender
        .emit("reqMessage", &[json!(group), json!(member), json!("넷째")])
        .await;
    let stored = std::time::Instant::now();
    let events = receiver.events(1, Duration::from_secs(10)).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].1["message"], "넷째");
    assert!(
        stored.elapsed() >= Duration::from_millis(2500),
        "held back while id 3 might still come: {:?}",
        stored.elapsed()
    );
}

#[tokio::test]
async fn a_poll_is_held_until_the_ping_and_a_session_without_pong_dies() {
    // Generous intervals: a loaded machine must not kill the session before
    // the first poll even starts.
    let app = chat_app(short(4000, 3000, 8000)).await;
    let opened = std::time::Instant::now();
    let client = Client::connect(&app).await;
    let ping = client.get().await;
    // Held (not answered at once), and answered by the ping, which comes
    // before the 8 s hold limit would have answered `6`.
    assert_eq!(ping.text, "2");
    assert!(opened.elapsed() >= Duration::from_millis(4000));
    // No pong: the session dies pingTimeout after the ping.
    let close = client.get().await;
    assert_eq!(close.text, "1", "a pending poll learns of the death");
    assert_eq!(error(&client.get().await), (400, unknown_sid()));

    let short_hold = chat_app(short(5000, 5000, 300)).await;
    let idle = Client::connect(&short_hold).await;
    let started = std::time::Instant::now();
    assert_eq!(
        idle.get().await.text,
        "6",
        "nothing to say: a noop at the hold limit"
    );
    assert!(
        started.elapsed() < Duration::from_millis(4000),
        "answered at the hold limit, not at the 5 s ping"
    );
}

#[tokio::test]
async fn a_client_close_ends_the_session_and_a_namespace_disconnect_leaves_the_room() {
    let app = chat_app(short(5000, 5000, 300)).await;
    let (group, host, member) = run_with_member(&app).await;
    let a = Client::connect(&app).await;
    a.emit("chatRoom", &[json!(group), json!(host)]).await;
    a.events(1, Duration::from_secs(3)).await;
    a.post_ok("41\x1e1").await;
    assert_eq!(error(&a.get().await), (400, unknown_sid()));

    let b = Client::connect(&app).await;
    b.emit("chatRoom", &[json!(group), json!(host)]).await;
    b.events(1, Duration::from_secs(3)).await;
    b.post_ok("41").await;
    b.post_ok("40").await;
    assert!(b.get().await.text.starts_with("40"));
    let c = Client::connect(&app).await;
    c.emit("reqMessage", &[json!(group), json!(member), json!("안녕")])
        .await;
    assert!(
        b.events(1, Duration::from_millis(800)).await.is_empty(),
        "after 41 the socket is in no room"
    );
}

#[tokio::test]
async fn deleting_the_run_deletes_its_chat() {
    let app = chat_app(short(5000, 5000, 300)).await;
    let (id, host, host_token) = hosted_run(&app, "호스트", &Run::in_days(3, "07:00")).await;
    let a = Client::connect(&app).await;
    a.emit("reqMessage", &[json!(id), json!(host), json!("곧 봐요")])
        .await;
    let before = partition(&app, &format!("GROUP#{id}")).await;
    let sks: Vec<&str> = before
        .iter()
        .filter_map(|i| i["SK"].as_s().ok().map(String::as_str))
        .collect();
    assert!(sks.contains(&"CHATSEQ") && sks.iter().any(|s| s.starts_with("CHAT#")));
    let reply = app
        .request(
            reqwest::Method::DELETE,
            &format!("/group/{id}"),
            Some(&format!("Bearer {host_token}")),
        )
        .await;
    assert_eq!(reply.json()["success"], true, "{}", reply.text);
    assert!(partition(&app, &format!("GROUP#{id}")).await.is_empty());
}

/// The frontend's socket.io-client (tests/chat, pinned in its lockfile)
/// against this dev gateway: connect, join, history, send, receive,
/// non-applicant ignored, disconnect and reconnect, heartbeat.
#[tokio::test]
async fn the_frontends_socket_io_client_chats_through_the_dev_gateway() {
    let ping_ms = 1500;
    let app = chat_app(short(ping_ms, 1500, 1000)).await;
    let (group, host, member) = run_with_member(&app).await;
    let (outsider, _) = app.login_as("구경꾼").await;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/chat");
    assert!(
        std::path::Path::new(dir)
            .join("node_modules/socket.io-client")
            .exists(),
        "tests/chat/node_modules is missing: scripts/test.sh installs it (install_tools)"
    );
    let output = tokio::process::Command::new("node")
        .arg("--test")
        .arg("chat.test.mjs")
        .current_dir(dir)
        .env("CHAT_URL", format!("http://{}", app.addr))
        .env("GROUP_ID", &group)
        .env("HOST_ID", &host)
        .env("MEMBER_ID", &member)
        .env("OUTSIDER_ID", &outsider)
        .env("PING_INTERVAL_MS", ping_ms.to_string())
        .output()
        .await
        .expect("node runs");
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "node test failed:\n{report}");
    assert!(
        report.contains("# pass 1") || report.contains("# pass"),
        "{report}"
    );
    assert!(report.contains("# fail 0"), "{report}");
}
