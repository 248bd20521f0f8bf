//! Alarms, in the recipient's partition, newest last in the sort key.

use anyhow::Context;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;

use super::batch::{query_all, query_up_to};
use super::courses::text;
use super::keys::{self, Key};
use super::tx::s;
use super::{Db, Item};
use crate::domain::alarm::Alarm;
use crate::domain::comment::PostKind;

#[derive(Serialize)]
struct AlarmItem<'a> {
    #[serde(flatten)]
    key: Key,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "GSI1PK")]
    gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    gsi1sk: &'static str,
    /// Sort key of the parent comment of a `recomment` alarm (its partition
    /// is the post's), so the list reads the comment text in one batch.
    #[serde(rename = "commentSK", skip_serializing_if = "Option::is_none")]
    comment_sk: Option<String>,
    #[serde(flatten)]
    alarm: &'a Alarm,
}

/// The stored item of an alarm.
pub(super) fn alarm_item(alarm: &Alarm, comment_sk: Option<String>) -> anyhow::Result<Item> {
    let item = AlarmItem {
        key: keys::alarm(&alarm.user_id, &alarm.created_at, &alarm.alarm_id),
        kind: "Alarm",
        gsi1pk: format!("{}{}", keys::ALARM, alarm.alarm_id),
        gsi1sk: "ALARM",
        comment_sk,
        alarm,
    };
    serde_dynamo::to_item(item).context("encode alarm")
}

/// An alarm with the key of the comment it refers to (recomment alarms).
#[derive(Debug, Clone)]
pub struct StoredAlarm {
    pub alarm: Alarm,
    pub comment_key: Option<Key>,
}

impl Db {
    /// Writes alarms in batches of 25 (BatchWriteItem), retrying what
    /// DynamoDB leaves unprocessed.
    pub async fn put_alarms(&self, alarms: &[Alarm]) -> anyhow::Result<()> {
        let mut requests = Vec::with_capacity(alarms.len());
        for alarm in alarms {
            requests.push(super::put_request(alarm_item(alarm, None)?)?);
        }
        self.batch_write(requests).await.context("write alarms")
    }

    /// Every alarm of a user, newest first (one Query, backwards).
    pub async fn alarms(&self, user_id: &str) -> anyhow::Result<Vec<StoredAlarm>> {
        let items = query_all(self.alarm_query(user_id).scan_index_forward(false))
            .await
            .context("query alarms")?;
        let mut alarms = Vec::with_capacity(items.len());
        for item in items {
            alarms.push(stored_alarm(item)?);
        }
        Ok(alarms)
    }

    /// The `limit` newest alarms of a user (one Query, backwards, `Limit`):
    /// what `GET /alarm`'s drop-down shows, whatever the user's history.
    pub async fn latest_alarms(
        &self,
        user_id: &str,
        limit: usize,
    ) -> anyhow::Result<Vec<StoredAlarm>> {
        let found = query_up_to(self.alarm_query(user_id).scan_index_forward(false), limit)
            .await
            .context("query alarms")?;
        let mut alarms = Vec::with_capacity(found.len());
        for item in found {
            alarms.push(stored_alarm(item)?);
        }
        Ok(alarms)
    }

    fn alarm_query(
        &self,
        user_id: &str,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":pk", s(&keys::user_pk(user_id)))
            .expression_attribute_values(":prefix", s(keys::ALARM))
    }

    /// Marks every unread alarm of a user read (Query of the unread ones,
    /// then BatchWriteItem of the same items with `check = true`).
    pub async fn mark_alarms_read(&self, user_id: &str) -> anyhow::Result<()> {
        let query = self
            .alarm_query(user_id)
            .filter_expression("#check = :false")
            .expression_attribute_names("#check", "check")
            .expression_attribute_values(":false", AttributeValue::Bool(false));
        let items = query_all(query).await.context("query unread alarms")?;
        let mut requests = Vec::with_capacity(items.len());
        for mut item in items {
            item.insert("check".to_owned(), AttributeValue::Bool(true));
            requests.push(super::put_request(item)?);
        }
        self.batch_write(requests).await.context("mark alarms read")
    }
}

fn stored_alarm(item: super::Item) -> anyhow::Result<StoredAlarm> {
    let comment_sk = text(&item, "commentSK").map(str::to_owned);
    let alarm: Alarm = serde_dynamo::from_item(item).context("decode alarm")?;
    let post = match (&alarm.group_id, &alarm.course_id) {
        (Some(g), _) => Some(keys::post_pk(PostKind::Group, g)),
        (None, Some(c)) => Some(keys::post_pk(PostKind::Course, c)),
        _ => None,
    };
    let comment_key = post.zip(comment_sk).map(|(pk, sk)| Key { pk, sk });
    Ok(StoredAlarm { alarm, comment_key })
}
