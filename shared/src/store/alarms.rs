//! Alarms, in the recipient's partition, newest last in the sort key.

use anyhow::Context;
use serde::Serialize;

use super::Db;
use super::keys::{self, Key};
use crate::domain::alarm::Alarm;

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
    #[serde(flatten)]
    alarm: &'a Alarm,
}

impl Db {
    /// Writes alarms in batches of 25 (BatchWriteItem), retrying what
    /// DynamoDB leaves unprocessed.
    pub async fn put_alarms(&self, alarms: &[Alarm]) -> anyhow::Result<()> {
        let mut requests = Vec::with_capacity(alarms.len());
        for alarm in alarms {
            let item = AlarmItem {
                key: keys::alarm(&alarm.user_id, &alarm.created_at, &alarm.alarm_id),
                kind: "Alarm",
                gsi1pk: format!("{}{}", keys::ALARM, alarm.alarm_id),
                gsi1sk: "ALARM",
                alarm,
            };
            requests.push(super::put_request(
                serde_dynamo::to_item(item).context("encode alarm")?,
            )?);
        }
        self.batch_write(requests).await.context("write alarms")
    }
}
