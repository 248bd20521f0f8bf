//! `GET` and `POST /socket.io/`: Socket.IO v5 over Engine.IO v4 long-polling
//! for the run chat (contract chat.md, design docs/chat.md). Each request is
//! answered from DynamoDB alone, so any instance can serve any session.

use std::collections::HashMap;
use std::time::Duration;

use futures::future::join_all;
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use shared::chat::engineio::{self, TransportError};
use shared::chat::session::{self, Fetched, Session};
use shared::chat::{self, ChatRow, DELIVERY_BATCH, HISTORY_LIMIT, MAX_PACKETS_PER_POST, socketio};
use shared::http::{body_bytes, header, query};
use shared::store::Claim;
use shared::{ApiResult, App};

const TEXT: &str = "text/plain; charset=UTF-8";

fn now_ms(app: &App) -> i64 {
    app.clock.now().timestamp_millis()
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn text(body: impl Into<String>) -> ApiResult {
    let mut response = Response::new(Body::Text(body.into()));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(TEXT),
    );
    Ok(response)
}

fn refuse(error: TransportError) -> ApiResult {
    let mut response = Response::new(Body::Text(error.body()));
    *response.status_mut() =
        http::StatusCode::from_u16(error.status()).unwrap_or(http::StatusCode::BAD_REQUEST);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(shared::http::response::JSON),
    );
    Ok(response)
}

/// Ends a session that broke the protocol, and says so.
async fn close(app: &App, sid: &str, reason: &str, error: TransportError) -> ApiResult {
    // The sid is a bearer secret of the session: never logged.
    tracing::info!(reason, "chat session closed");
    app.db.delete_chat_session(sid).await?;
    refuse(error)
}

/// The query every request carries: `EIO=4`, `transport=polling`, and the
/// `sid` after the handshake. Checked in the reference server's order.
fn session_id(req: &Request) -> Result<Option<String>, TransportError> {
    if query(req, "transport").as_deref() != Some("polling") {
        return Err(TransportError::UnknownTransport);
    }
    if query(req, "EIO").as_deref() != Some("4") {
        return Err(TransportError::UnsupportedProtocolVersion);
    }
    Ok(query(req, "sid").filter(|s| !s.is_empty()))
}

fn origin(req: &Request) -> Option<String> {
    header(req.headers(), "origin").map(str::to_owned)
}

/// The live session `sid`, if this request may use it.
async fn load(app: &App, req: &Request, sid: &str) -> Result<Session, TransportError> {
    match app.db.chat_session(sid, now_ms(app)).await {
        Ok(Some(s)) if s.same_origin(origin(req).as_deref()) => Ok(s),
        // A sid taken to another site's page: refused, the owner's session lives on.
        Ok(Some(_)) => Err(TransportError::Forbidden),
        Ok(None) => Err(TransportError::UnknownSid),
        Err(e) => {
            tracing::error!(error = ?e, "chat session read failed");
            Err(TransportError::BadRequest)
        }
    }
}

/// GET /socket.io/ — the handshake (no `sid`), or a poll: held until there
/// is something to send, the ping is due, or `max_hold` has passed.
pub async fn poll(app: &App, req: Request) -> ApiResult {
    let config = &app.config.chat;
    let sid = match session_id(&req) {
        Ok(Some(sid)) => sid,
        Ok(None) => {
            let session = Session::new(session::random_id(), origin(&req), now_ms(app), config);
            app.db.create_chat_session(&session).await?;
            return text(engineio::Packet::Open(config.handshake(&session.sid)).to_string());
        }
        Err(e) => return refuse(e),
    };
    let poll_id = session::random_id();
    let hold_end = now_ms(app) + ms(config.max_hold);
    let until = session::claim_until(hold_end);
    let origin = origin(&req);
    let mut current = match app
        .db
        .claim_chat_session(&sid, &poll_id, until, now_ms(app), origin.as_deref())
        .await?
    {
        Claim::Claimed(session) => *session,
        Claim::Unknown => return refuse(TransportError::UnknownSid),
        // A sid taken to another site's page: refused, the owner's session lives on.
        Claim::Forbidden => return refuse(TransportError::Forbidden),
        // Two polls at once: the reference server closes the session too.
        Claim::Busy => {
            return close(app, &sid, "overlapping polls", TransportError::BadRequest).await;
        }
    };
    // Room counters seen by the last look (none yet: query every room).
    let mut heads: Option<HashMap<String, u64>> = None;
    loop {
        let now = now_ms(app);
        let fetched = fetch(app, &current, heads.as_ref()).await?;
        let (packets, mut next) = session::deliver(&current, &fetched, now, config);
        if !packets.is_empty() || now >= hold_end {
            next.release();
            next.next_version();
            if app.db.save_chat_session(&next, current.ver).await? {
                return text(engineio::encode_payload(&packets));
            }
            // A POST changed the session meanwhile: deliver from the latest.
        } else {
            let wake = current.wake_at().min(hold_end);
            let nap = (wake - now).clamp(1, ms(config.poll_every));
            tokio::time::sleep(Duration::from_millis(nap.unsigned_abs())).await;
        }
        let groups: Vec<&str> = current.rooms.keys().map(String::as_str).collect();
        let (session, seen) = app.db.chat_poll_state(&sid, &groups, now_ms(app)).await?;
        heads = Some(seen);
        match session {
            Some(s) if s.poll_id == poll_id => current = s,
            // Closed by the client, or dead (no pong in time): say so.
            None => return text(engineio::Packet::Close.to_string()),
            // Our claim ran out and another poll took over: leave it to that one.
            Some(_) => return text(engineio::Packet::Noop.to_string()),
        }
    }
}

/// The rows a poll may deliver: each pending `chatList` and what is new in
/// the joined rooms (only those whose counter moved past the cursor, when
/// the counters are known).
async fn fetch(
    app: &App,
    session: &Session,
    heads: Option<&HashMap<String, u64>>,
) -> anyhow::Result<Fetched> {
    let history = join_all(session.history.iter().map(|(group, up_to)| async move {
        let from = up_to.saturating_sub(HISTORY_LIMIT);
        let rows = app
            .db
            .chat_rows(group, from, *up_to, HISTORY_LIMIT as i32)
            .await;
        rows.map(|r| (group.clone(), r))
    }));
    let moved = |group: &String, cursor: u64| {
        heads.is_none_or(|h| h.get(group).is_none_or(|head| *head > cursor))
    };
    let rooms = session.rooms.iter().filter(|(g, c)| moved(g, **c));
    let new = join_all(rooms.map(|(group, cursor)| async move {
        let rows = app
            .db
            .chat_rows(group, *cursor, u64::MAX, DELIVERY_BATCH)
            .await;
        rows.map(|r| (group.clone(), r))
    }));
    let (history, new) = futures::join!(history, new);
    Ok(Fetched {
        history: history.into_iter().collect::<anyhow::Result<_>>()?,
        new: new.into_iter().collect::<anyhow::Result<_>>()?,
    })
}

/// A change to the session a POST makes, replayed on a fresh copy if a
/// poll saved the session in between.
enum Change {
    Pong,
    Connect,
    Disconnect,
    Join { group: String, head: u64 },
    Send(socketio::Packet),
}

/// POST /socket.io/ — packets from the client, answered `ok`.
pub async fn post(app: &App, req: Request) -> ApiResult {
    let config = &app.config.chat;
    let sid = match session_id(&req) {
        Ok(Some(sid)) => sid,
        Ok(None) => return refuse(TransportError::BadHandshakeMethod),
        Err(e) => return refuse(e),
    };
    let mut current = match load(app, &req, &sid).await {
        Ok(s) => s,
        Err(e) => return refuse(e),
    };
    let body = body_bytes(&req);
    if body.len() > config.max_payload {
        return close(
            app,
            &sid,
            "payload too large",
            TransportError::PayloadTooLarge,
        )
        .await;
    }
    let binary = header(req.headers(), "content-type")
        .is_some_and(|t| t.trim().starts_with("application/octet-stream"));
    let packets = match std::str::from_utf8(body).map(engineio::decode_payload) {
        Ok(Ok(packets)) if !binary && packets.len() <= MAX_PACKETS_PER_POST => packets,
        _ => return close(app, &sid, "bad payload", TransportError::BadRequest).await,
    };
    let mut changes = Vec::new();
    let mut connected = current.connected();
    let mut heads: HashMap<(String, String), (u64, bool)> = HashMap::new();
    for packet in packets {
        let data = match packet {
            engineio::Packet::Message(data) => data,
            engineio::Packet::Pong(_) => {
                changes.push(Change::Pong);
                continue;
            }
            engineio::Packet::Close => {
                app.db.delete_chat_session(&sid).await?;
                return text("ok");
            }
            engineio::Packet::Ping(_) | engineio::Packet::Noop => continue,
            engineio::Packet::Open(_) | engineio::Packet::Upgrade => {
                return close(app, &sid, "unexpected packet", TransportError::BadRequest).await;
            }
        };
        let Ok(packet) = socketio::Packet::decode(&data) else {
            return close(
                app,
                &sid,
                "bad socket.io packet",
                TransportError::BadRequest,
            )
            .await;
        };
        match packet {
            socketio::Packet::Connect { namespace, .. } if namespace == "/" => {
                connected = true;
                changes.push(Change::Connect);
            }
            socketio::Packet::Connect { namespace, .. } => {
                changes.push(Change::Send(socketio::Packet::ConnectError {
                    namespace,
                    data: json!({ "message": "Invalid namespace" }),
                }));
            }
            socketio::Packet::Disconnect { namespace } => {
                if namespace == "/" {
                    connected = false;
                    changes.push(Change::Disconnect);
                }
            }
            socketio::Packet::Event {
                namespace,
                name,
                args,
                ..
            } => {
                if namespace != "/" || !connected {
                    return close(
                        app,
                        &sid,
                        "event outside a namespace",
                        TransportError::BadRequest,
                    )
                    .await;
                }
                on_event(app, &name, &args, &mut changes, &mut heads).await?;
            }
            // We never ask for acknowledgements.
            socketio::Packet::Ack { .. } => {}
            socketio::Packet::ConnectError { .. } => {
                return close(app, &sid, "unexpected packet", TransportError::BadRequest).await;
            }
        }
    }
    if changes.is_empty() {
        // Only messages posted: the session itself is unchanged.
        return text("ok");
    }
    loop {
        let now = now_ms(app);
        let mut next = current.clone();
        for change in &changes {
            match change {
                Change::Pong => next.pong(now, config),
                Change::Connect => next.connect(session::random_id),
                Change::Disconnect => next.disconnect(),
                Change::Join { group, head } => {
                    // Past the room limit the join is ignored.
                    next.join(group, *head);
                }
                Change::Send(packet) => next.push_out(packet),
            }
        }
        next.next_version();
        if app.db.save_chat_session(&next, current.ver).await? {
            return text("ok");
        }
        current = match load(app, &req, &sid).await {
            Ok(s) => s,
            Err(e) => return refuse(e),
        };
    }
}

/// `chatRoom` and `reqMessage` (chat.md §3); any other event is ignored.
async fn on_event(
    app: &App,
    name: &str,
    args: &[Value],
    changes: &mut Vec<Change>,
    heads: &mut HashMap<(String, String), (u64, bool)>,
) -> anyhow::Result<()> {
    let arg = |i: usize| args.get(i).unwrap_or(&Value::Null);
    let group = chat::acceptable_group_id(arg(0));
    let user = arg(1).as_str().filter(|u| !u.is_empty() && u.len() <= 64);
    match name {
        "chatRoom" => {
            let Some(group) = group else { return Ok(()) };
            let (head, member) = match user {
                None => (0, false),
                Some(user) => match heads.get(&(group.to_owned(), user.to_owned())) {
                    Some(known) => *known,
                    None => {
                        let found = app.db.chat_room_head(group, user).await?;
                        heads.insert((group.to_owned(), user.to_owned()), found);
                        found
                    }
                },
            };
            if member {
                changes.push(Change::Join {
                    group: group.to_owned(),
                    head,
                });
            } else {
                // Not an applicant (or logged out): no room, an empty history.
                changes.push(Change::Send(socketio::Packet::event(
                    "chatList",
                    vec![json!([])],
                )));
            }
        }
        "reqMessage" => {
            let (Some(group), Some(user), Some(message)) =
                (group, user, chat::acceptable_message(arg(2)))
            else {
                return Ok(());
            };
            let Some(profile) = app.db.chat_sender(group, user).await? else {
                return Ok(());
            };
            let row = ChatRow {
                chat_id: 0,
                group_id: group.to_owned(),
                user_id: user.to_owned(),
                nickname: profile.nickname,
                profile_url: profile.profile_url,
                message: message.to_owned(),
                sent_at: now_ms(app),
            };
            app.db.append_chat(&row).await?;
        }
        _ => {}
    }
    Ok(())
}
