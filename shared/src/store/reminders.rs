//! Run reminders in the table (design: docs/reminders.md).
//!
//! * A **pending reminder** `GROUP#<gid> / REMIND#<category>` per (run,
//!   kind), indexed by due time in GSI1 (`REMINDERS / <due>#<gid>#<category>`).
//!   It is written in the same transaction as the run's create or edit, and
//!   deleted by the dispatcher once every recipient is done (or with the run).
//!   While a dispatcher works on it, it carries a lease (`leaseUntil`,
//!   `leaseId`).
//! * A **delivery record** `REMINDED#<gid>#<category>#<due> / USER#<uid>` per
//!   recipient: written in the same transaction as the recipient's alarm row,
//!   then moved through the SMS states. It is the idempotency record.

use std::collections::HashMap;

use anyhow::{Context, bail};
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::alarms::alarm_item;
use super::batch::query_all;
use super::item::{Mixed, Stored};
use super::keys::{self, Key};
use super::tx::{TxOutcome, s, written};
use super::{Db, Item, key_map};
use crate::domain::alarm::Alarm;
use crate::domain::group::Group;
use crate::domain::reminder::{self, Kind};
use crate::domain::user::User;
use crate::time::instant_key;

pub const REMINDER_TYPE: &str = "Reminder";
pub const DELIVERY_TYPE: &str = "ReminderDelivery";

/// A pending reminder is removed by TTL this long after its time if no
/// dispatcher ever finished it (every kind is stale by then).
const ENTRY_TTL_DAYS: i64 = 3;
/// Delivery records outlive every pending reminder they could guard.
const DELIVERY_TTL_DAYS: i64 = 7;
/// Recipients per alarm transaction (2 items each, 100 items at most).
const ALARMS_PER_TX: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    group_id: String,
    kind: Kind,
    due_at: String,
    expires_at: i64,
}

/// A reminder that is due (read from the index).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DueReminder {
    pub group_id: String,
    pub kind: Kind,
    /// UTC instant key.
    pub due_at: String,
}

impl DueReminder {
    fn key(&self) -> Key {
        keys::reminder(&self.group_id, self.kind.category())
    }

    pub fn due(&self) -> Option<DateTime<Utc>> {
        crate::time::parse_instant(&self.due_at)
    }
}

/// Where a recipient's SMS stands. Only `Planned` may move to `Sending`, and
/// only a dispatcher that wrote `Sending` may send: a record found in
/// `Sending` by a later attempt means "maybe sent" and becomes `Unknown`,
/// never a second message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmsState {
    /// No SMS: no consent or no phone number.
    None,
    Planned,
    Sending,
    Sent,
    /// SENS refused or could not be reached; nothing billed.
    Failed,
    /// A dispatcher stopped between sending and recording.
    Unknown,
}

impl SmsState {
    fn as_str(self) -> &'static str {
        match self {
            SmsState::None => "none",
            SmsState::Planned => "planned",
            SmsState::Sending => "sending",
            SmsState::Sent => "sent",
            SmsState::Failed => "failed",
            SmsState::Unknown => "unknown",
        }
    }
}

/// One recipient's record of one reminder occurrence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub group_id: String,
    pub kind: Kind,
    pub due_at: String,
    pub user_id: String,
    pub alarm_id: String,
    pub alarm_created_at: String,
    pub sms: SmsState,
    #[serde(default)]
    pub send_phone: u8,
    pub expires_at: i64,
}

impl Delivery {
    pub fn new(due: &DueReminder, alarm: &Alarm, sms: SmsState) -> Self {
        let expires = due.due().map_or(0, |d| {
            (d + chrono::Duration::days(DELIVERY_TTL_DAYS)).timestamp()
        });
        Self {
            group_id: due.group_id.clone(),
            kind: due.kind,
            due_at: due.due_at.clone(),
            user_id: alarm.user_id.clone(),
            alarm_id: alarm.alarm_id.clone(),
            alarm_created_at: alarm.created_at.clone(),
            sms,
            send_phone: 0,
            expires_at: expires,
        }
    }

    fn key(&self) -> Key {
        keys::reminder_delivery(
            &self.group_id,
            self.kind.category(),
            &self.due_at,
            &self.user_id,
        )
    }

    fn alarm_key(&self) -> Key {
        keys::alarm(&self.user_id, &self.alarm_created_at, &self.alarm_id)
    }
}

impl Db {
    /// The run's pending reminders for a create or an edit at `now`: one Put
    /// per kind that is still ahead (same key per kind, so an edit replaces
    /// the old time), parts of the run's own transaction.
    pub(super) fn reminder_puts(
        &self,
        group: &Group,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Vec<TransactWriteItem>> {
        reminder::upcoming(group, now)
            .into_iter()
            .map(|(kind, due)| {
                let due_at = instant_key(due);
                let entry = Entry {
                    group_id: group.group_id.clone(),
                    kind,
                    expires_at: (due + chrono::Duration::days(ENTRY_TTL_DAYS)).timestamp(),
                    due_at,
                };
                let item = Stored::new(
                    keys::reminder(&group.group_id, kind.category()),
                    REMINDER_TYPE,
                    &entry,
                )
                .gsi1(keys::reminder_due_index(
                    &entry.due_at,
                    &group.group_id,
                    kind.category(),
                ))
                .item()?;
                self.tx_put(item, None, &[])
            })
            .collect()
    }
}

impl Db {
    /// Every pending reminder due at or before `until`, oldest first (one
    /// Query on GSI1, paged).
    pub async fn due_reminders(&self, until: DateTime<Utc>) -> anyhow::Result<Vec<DueReminder>> {
        // Keys are `<due>#<gid>#<category>`: `~` sorts after every id.
        let bound = format!("{}#~", instant_key(until));
        let items = query_all(
            self.client
                .query()
                .table_name(&self.table)
                .index_name(keys::GSI1)
                .key_condition_expression("GSI1PK = :pk AND GSI1SK <= :bound")
                .expression_attribute_values(":pk", s(keys::REMINDERS))
                .expression_attribute_values(":bound", s(&bound)),
        )
        .await
        .context("query due reminders")?;
        serde_dynamo::from_items(items).context("decode due reminders")
    }

    /// Takes the lease of a pending reminder until `until`, if it still has
    /// this due time and no live lease. `false`: moved, done or taken.
    pub async fn lease_reminder(
        &self,
        due: &DueReminder,
        now: &str,
        until: &str,
        lease_id: &str,
    ) -> anyhow::Result<bool> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_map(&due.key())))
            .update_expression("SET leaseUntil = :until, leaseId = :id")
            .condition_expression(
                "dueAt = :due AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)",
            )
            .expression_attribute_values(":until", s(until))
            .expression_attribute_values(":id", s(lease_id))
            .expression_attribute_values(":due", s(&due.due_at))
            .expression_attribute_values(":now", s(now))
            .send()
            .await;
        Ok(written(result, "lease reminder")?.is_some())
    }

    /// Deletes a finished reminder — unless an edit replaced it meanwhile
    /// (then the lease id differs and the new time stays pending).
    pub async fn finish_reminder(&self, due: &DueReminder, lease_id: &str) -> anyhow::Result<()> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_map(&due.key())))
            .condition_expression("leaseId = :id")
            .expression_attribute_values(":id", s(lease_id))
            .send()
            .await;
        written(result, "finish reminder")?;
        Ok(())
    }

    /// Gives a lease back after a failure, so a retry need not wait for it
    /// to expire (best effort: when this fails too, the expiry frees it).
    pub async fn release_reminder(&self, due: &DueReminder, lease_id: &str) -> anyhow::Result<()> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_map(&due.key())))
            .update_expression("REMOVE leaseUntil, leaseId")
            .condition_expression("leaseId = :id")
            .expression_attribute_values(":id", s(lease_id))
            .send()
            .await;
        written(result, "release reminder")?;
        Ok(())
    }

    /// The recipients' profiles and their delivery records of this
    /// occurrence, in one strongly consistent BatchGetItem (per 100 keys).
    pub async fn reminder_recipients(
        &self,
        due: &DueReminder,
        user_ids: &[&str],
    ) -> anyhow::Result<(HashMap<String, User>, HashMap<String, Delivery>)> {
        let mut wanted: Vec<Key> = user_ids.iter().map(|id| keys::user(id)).collect();
        wanted.extend(user_ids.iter().map(|id| {
            keys::reminder_delivery(&due.group_id, due.kind.category(), &due.due_at, id)
        }));
        let items = self
            .batch_get_consistent(&wanted)
            .await
            .context("get recipients")?;
        let mut mixed = Mixed::new(items);
        let users = mixed.decode::<User>("User")?;
        let deliveries = mixed.decode::<Delivery>(DELIVERY_TYPE)?;
        Ok((
            users.into_iter().map(|u| (u.user_id.clone(), u)).collect(),
            deliveries
                .into_iter()
                .map(|d| (d.user_id.clone(), d))
                .collect(),
        ))
    }

    /// Each recipient's alarm row together with its delivery record, both
    /// only if absent, in transactions of 50 recipients: an alarm row exists
    /// exactly when its record does.
    pub async fn record_reminder_alarms(&self, writes: &[(Alarm, Delivery)]) -> anyhow::Result<()> {
        for chunk in writes.chunks(ALARMS_PER_TX) {
            let mut parts = Vec::with_capacity(chunk.len() * 2);
            for (alarm, delivery) in chunk {
                parts.push(self.tx_put(
                    alarm_item(alarm, None)?,
                    Some("attribute_not_exists(PK)"),
                    &[],
                )?);
                parts.push(self.tx_put(
                    delivery_item(delivery)?,
                    Some("attribute_not_exists(PK)"),
                    &[],
                )?);
            }
            if self.transact_retrying(parts).await? != TxOutcome::Done {
                bail!("a reminder alarm was recorded by someone else");
            }
        }
        Ok(())
    }

    /// Moves records from one SMS state to another, all or none (one
    /// transaction; at most 100 records). `false` when one of them was not
    /// in `from` any more.
    pub async fn move_sms_state(
        &self,
        deliveries: &[Delivery],
        from: SmsState,
        to: SmsState,
    ) -> anyhow::Result<bool> {
        if deliveries.is_empty() {
            return Ok(true);
        }
        let values = [(":from", s(from.as_str())), (":to", s(to.as_str()))];
        let parts = deliveries
            .iter()
            .map(|d| self.tx_update(&d.key(), "SET sms = :to", Some("sms = :from"), &values))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(self.transact_retrying(parts).await? == TxOutcome::Done)
    }

    /// Records the outcome of sent messages (records in `Sending`): the
    /// record's final state and `sendPhone`, and `sendPhone` on the alarm row
    /// when a message went out, in one transaction (≤ 50 recipients). An
    /// alarm row that vanished meanwhile (account deleted) does not stop the
    /// others' records.
    pub async fn record_sms_results(&self, results: &[Delivery]) -> anyhow::Result<()> {
        let mut skip_alarm_of: Vec<usize> = Vec::new();
        for _ in 0..2 {
            let mut parts = Vec::with_capacity(results.len() * 2);
            let mut alarm_part_of = Vec::new();
            for (i, d) in results.iter().enumerate() {
                let sent = [
                    (":state", s(d.sms.as_str())),
                    (":phone", AttributeValue::N(d.send_phone.to_string())),
                    (":sending", s(SmsState::Sending.as_str())),
                ];
                parts.push(self.tx_update(
                    &d.key(),
                    "SET sms = :state, sendPhone = :phone",
                    Some("sms = :sending"),
                    &sent,
                )?);
                if d.send_phone > 0 && !skip_alarm_of.contains(&i) {
                    alarm_part_of.push((parts.len(), i));
                    parts.push(self.tx_update(
                        &d.alarm_key(),
                        "SET sendPhone = :phone",
                        Some("attribute_exists(PK)"),
                        &[(":phone", AttributeValue::N(d.send_phone.to_string()))],
                    )?);
                }
            }
            match self.transact_retrying(parts).await? {
                TxOutcome::Done => return Ok(()),
                TxOutcome::ConditionFailed(failed) => {
                    let vanished: Vec<usize> = alarm_part_of
                        .iter()
                        .filter(|(part, _)| failed.contains(part))
                        .map(|(_, i)| *i)
                        .collect();
                    if vanished.is_empty() || failed.len() != vanished.len() {
                        bail!("SMS results: a record left the sending state");
                    }
                    skip_alarm_of.extend(vanished);
                }
            }
        }
        bail!("SMS results could not be recorded")
    }
}

fn delivery_item(delivery: &Delivery) -> anyhow::Result<Item> {
    Stored::new(delivery.key(), DELIVERY_TYPE, delivery).item()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sms_states_are_stored_as_the_words_the_conditions_use() {
        for state in [
            SmsState::None,
            SmsState::Planned,
            SmsState::Sending,
            SmsState::Sent,
            SmsState::Failed,
            SmsState::Unknown,
        ] {
            let stored = serde_json::to_value(state).expect("json");
            assert_eq!(stored, state.as_str());
        }
    }
}
