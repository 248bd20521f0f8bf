//! Chat sessions (one item each, TTL) and room messages (in the run's
//! partition). Design: docs/chat.md.

use std::collections::HashMap;

use anyhow::Context;
use aws_sdk_dynamodb::types::AttributeValue;

use super::Db;
use super::item::Stored;
use super::keys;
use super::tx::{Conditional, WriteResult, n, s, written};
use crate::chat::ChatRow;
use crate::chat::session::Session;
use crate::domain::user::User;

const SESSION_TYPE: &str = "ChatSession";
const CHAT_TYPE: &str = "Chat";

/// The outcome of claiming a session for a poll.
pub enum Claim {
    Claimed(Box<Session>),
    /// No such session, or it is dead.
    Unknown,
    /// Opened from another Origin than this request's.
    Forbidden,
    /// Another poll holds it now.
    Busy,
}

fn sk_of(item: &super::Item) -> Option<&str> {
    item.get(keys::SK)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

impl Db {
    /// The live session `sid` (strongly consistent); a dead one (no pong in
    /// time, TTL not yet applied) is absent.
    pub async fn chat_session(&self, sid: &str, now_ms: i64) -> anyhow::Result<Option<Session>> {
        let session: Option<Session> = self
            .get(&keys::chat_session(sid), true, None, "chat session")
            .await?;
        Ok(session.filter(|s| s.alive(now_ms)))
    }

    /// What a held poll looks at each time: the live session and the last
    /// id taken in each of `groups` (a room counter), in one strongly
    /// consistent BatchGetItem. A room whose counter did not move since
    /// the cursor needs no Query.
    pub async fn chat_poll_state(
        &self,
        sid: &str,
        groups: &[&str],
        now_ms: i64,
    ) -> anyhow::Result<(Option<Session>, HashMap<String, u64>)> {
        let session_key = keys::chat_session(sid);
        let mut wanted = vec![session_key.clone()];
        wanted.extend(groups.iter().map(|g| keys::chat_counter(g)));
        let items = self
            .batch_get_consistent(&wanted)
            .await
            .context("batch get poll state")?;
        let mut session = None;
        // A room nobody posted in has no counter yet: its head is 0.
        let mut heads: HashMap<String, u64> = groups.iter().map(|g| ((*g).to_owned(), 0)).collect();
        for item in items {
            let pk = item.get(keys::PK).and_then(|v| v.as_s().ok()).cloned();
            if pk.as_deref() == Some(session_key.pk.as_str()) {
                let s: Session = serde_dynamo::from_item(item).context("decode chat session")?;
                session = Some(s).filter(|s| s.alive(now_ms));
            } else if let Some(group) = pk.as_deref().and_then(|p| p.strip_prefix("GROUP#")) {
                let head = item
                    .get("seq")
                    .and_then(|v| v.as_n().ok())
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                heads.insert(group.to_owned(), head);
            }
        }
        Ok((session, heads))
    }

    /// Stores a new session (a new random sid never collides; the
    /// condition makes sure of it).
    pub async fn create_chat_session(&self, session: &Session) -> anyhow::Result<()> {
        let item = Stored::new(keys::chat_session(&session.sid), SESSION_TYPE, session).item()?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .context("put chat session")?;
        Ok(())
    }

    /// Writes `session` if the stored one is still at version `read_ver`;
    /// `false` when it changed or vanished meanwhile (re-read and redo).
    pub async fn save_chat_session(
        &self,
        session: &Session,
        read_ver: u64,
    ) -> anyhow::Result<bool> {
        let item = Stored::new(keys::chat_session(&session.sid), SESSION_TYPE, session).item()?;
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("ver = :v")
            .expression_attribute_values(":v", n(read_ver as i64))
            .send()
            .await;
        Ok(written(result, "save chat session")?.is_some())
    }

    /// Reads and claims session `sid` for poll `poll_id` until `until` in
    /// one conditional `UpdateItem` (the session must be alive, not held by
    /// another poll, and opened from `origin` if the request has one).
    pub async fn claim_chat_session(
        &self,
        sid: &str,
        poll_id: &str,
        until: i64,
        now_ms: i64,
        origin: Option<&str>,
    ) -> anyhow::Result<Claim> {
        let key = keys::chat_session(sid);
        let mut condition =
            "attribute_exists(PK) AND aliveUntil > :now AND pollUntil <= :now".to_owned();
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(keys::PK, AttributeValue::S(key.pk))
            .key(keys::SK, AttributeValue::S(key.sk))
            .update_expression("SET pollId = :id, pollUntil = :until, ver = ver + :one")
            .expression_attribute_values(":id", s(poll_id))
            .expression_attribute_values(":until", n(until))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", n(now_ms))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
            .return_values_on_condition_check_failure(
                aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
            );
        if let Some(origin) = origin {
            condition.push_str(" AND (attribute_not_exists(origin) OR origin = :origin)");
            request = request.expression_attribute_values(":origin", s(origin));
        }
        let result = request.condition_expression(condition).send().await;
        match result.written_or_refused("claim chat session")? {
            Conditional::Written(out) => {
                let session = serde_dynamo::from_item(out.attributes.unwrap_or_default())
                    .context("decode chat session")?;
                Ok(Claim::Claimed(Box::new(session)))
            }
            Conditional::Refused(None) => Ok(Claim::Unknown),
            Conditional::Refused(Some(old)) => {
                let old: Session = serde_dynamo::from_item(old).context("decode chat session")?;
                Ok(if !old.alive(now_ms) {
                    Claim::Unknown
                } else if !old.same_origin(origin) {
                    Claim::Forbidden
                } else {
                    Claim::Busy
                })
            }
        }
    }

    pub async fn delete_chat_session(&self, sid: &str) -> anyhow::Result<()> {
        let key = keys::chat_session(sid);
        self.client
            .delete_item()
            .table_name(&self.table)
            .key(keys::PK, AttributeValue::S(key.pk))
            .key(keys::SK, AttributeValue::S(key.sk))
            .send()
            .await
            .context("delete chat session")?;
        Ok(())
    }

    /// The newest stored `chatId` of the room (0 when empty) and whether
    /// `user_id` is an applicant of the run: a Query and a GetItem, at once.
    pub async fn chat_room_head(
        &self,
        group_id: &str,
        user_id: &str,
    ) -> anyhow::Result<(u64, bool)> {
        let member = keys::apply(group_id, user_id);
        let last = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :chat)")
            .expression_attribute_values(":pk", s(&keys::group_pk(group_id)))
            .expression_attribute_values(":chat", s(keys::CHAT))
            .scan_index_forward(false)
            .limit(1)
            .consistent_read(true)
            .send();
        let applied = self.get_item_at(&member, false, Some(keys::PK), "membership");
        let (last, applied) = futures::join!(last, applied);
        let head = last
            .context("query last chat")?
            .items
            .unwrap_or_default()
            .first()
            .and_then(|i| i.get("chatId"))
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let is_member = applied?.is_some();
        Ok((head, is_member))
    }

    /// The sender's current profile if they are an applicant of the run
    /// (host included): one BatchGetItem.
    pub async fn chat_sender(&self, group_id: &str, user_id: &str) -> anyhow::Result<Option<User>> {
        let member = keys::apply(group_id, user_id);
        let profile = keys::user(user_id);
        let items = self.batch_get(&[member.clone(), profile.clone()]).await?;
        let is_member = items.iter().any(|i| sk_of(i) == Some(member.sk.as_str()));
        let user = items
            .into_iter()
            .find(|i| sk_of(i) == Some(profile.sk.as_str()))
            .map(serde_dynamo::from_item::<_, User>)
            .transpose()
            .context("decode sender")?;
        Ok(user.filter(|_| is_member))
    }

    /// Stores `row` as the room's next message and returns its `chatId`.
    /// The id comes from an atomic `ADD` on the room counter (never a
    /// conflict, however many senders), then the message is put; a reader
    /// that sees a later id first waits for this one ([`crate::chat::deliverable`]).
    pub async fn append_chat(&self, row: &ChatRow) -> anyhow::Result<u64> {
        let counter = keys::chat_counter(&row.group_id);
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(keys::PK, AttributeValue::S(counter.pk))
            .key(keys::SK, AttributeValue::S(counter.sk))
            .update_expression("ADD seq :one")
            .expression_attribute_values(":one", n(1))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
            .send()
            .await
            .context("take chat id")?;
        let chat_id = out
            .attributes
            .as_ref()
            .and_then(|a| a.get("seq"))
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .context("chat counter without seq")?;
        let stored = ChatRow {
            chat_id,
            ..row.clone()
        };
        let item = Stored::new(keys::chat(&row.group_id, chat_id), CHAT_TYPE, &stored).item()?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .context("put chat")?;
        Ok(chat_id)
    }

    /// Messages of a room with `after < chatId <= up_to`, in order, at most
    /// `limit` (strongly consistent: a cursor must not pass an unseen row).
    pub async fn chat_rows(
        &self,
        group_id: &str,
        after: u64,
        up_to: u64,
        limit: i32,
    ) -> anyhow::Result<Vec<ChatRow>> {
        if up_to <= after {
            return Ok(Vec::new());
        }
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND SK BETWEEN :from AND :to")
            .expression_attribute_values(":pk", s(&keys::group_pk(group_id)))
            .expression_attribute_values(":from", s(&keys::chat_sk(after + 1)))
            .expression_attribute_values(":to", s(&keys::chat_sk(up_to)))
            .consistent_read(true)
            .limit(limit)
            .send()
            .await
            .context("query chat")?;
        serde_dynamo::from_items(out.items.unwrap_or_default()).context("decode chat")
    }
}
