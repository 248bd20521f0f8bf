//! TransactWriteItems with cancellations as values, and small builders for
//! its parts, so stores state conditions without SDK boilerplate.

use anyhow::Context;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem, Update,
};

use super::keys::Key;
use super::{Db, Item, key_map};

/// The result of a transaction: done, or cancelled with the indexes of the
/// parts whose condition failed.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum TxOutcome {
    Done,
    ConditionFailed(Vec<usize>),
}

impl TxOutcome {
    pub(super) fn failed(&self, index: usize) -> bool {
        matches!(self, Self::ConditionFailed(parts) if parts.contains(&index))
    }
}

enum Attempt {
    Finished(TxOutcome),
    Conflict,
}

pub(super) type Values<'a> = &'a [(&'a str, AttributeValue)];

impl Db {
    /// Runs a transaction; a cancellation because another transaction held
    /// an item (`TransactionConflict`, frequent on hot counters) is retried
    /// with a jittered backoff, a failed condition is returned as a value.
    pub(super) async fn transact_retrying(
        &self,
        parts: Vec<TransactWriteItem>,
    ) -> anyhow::Result<TxOutcome> {
        let mut attempt = 0u32;
        loop {
            match self.transact_once(parts.clone()).await? {
                Attempt::Finished(outcome) => return Ok(outcome),
                Attempt::Conflict if attempt < 12 => {
                    let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0]) % 20;
                    let wait = (10u64 << attempt.min(5)) + jitter;
                    tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
                    attempt += 1;
                }
                Attempt::Conflict => anyhow::bail!("transaction conflict persisted"),
            }
        }
    }

    async fn transact_once(&self, parts: Vec<TransactWriteItem>) -> anyhow::Result<Attempt> {
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(parts))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Attempt::Finished(TxOutcome::Done)),
            Err(e) => {
                let reasons = e.as_service_error().and_then(|s| match s {
                    aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(c) => {
                        Some(c.cancellation_reasons().to_vec())
                    }
                    _ => None,
                });
                match reasons {
                    Some(reasons)
                        if reasons
                            .iter()
                            .any(|r| r.code() == Some("ConditionalCheckFailed")) =>
                    {
                        Ok(Attempt::Finished(TxOutcome::ConditionFailed(
                            reasons
                                .iter()
                                .enumerate()
                                .filter(|(_, r)| r.code() == Some("ConditionalCheckFailed"))
                                .map(|(i, _)| i)
                                .collect(),
                        )))
                    }
                    Some(reasons)
                        if reasons
                            .iter()
                            .any(|r| r.code() == Some("TransactionConflict")) =>
                    {
                        Ok(Attempt::Conflict)
                    }
                    _ => Err(e).context("transact write"),
                }
            }
        }
    }

    pub(super) fn tx_put(
        &self,
        item: Item,
        condition: Option<&str>,
        values: Values<'_>,
    ) -> anyhow::Result<TransactWriteItem> {
        let mut put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression(condition.map(str::to_owned));
        for (name, value) in values {
            put = put.expression_attribute_values(*name, value.clone());
        }
        Ok(TransactWriteItem::builder().put(put.build()?).build())
    }

    pub(super) fn tx_update(
        &self,
        key: &Key,
        update: &str,
        condition: Option<&str>,
        values: Values<'_>,
    ) -> anyhow::Result<TransactWriteItem> {
        let mut op = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key_map(key)))
            .update_expression(update)
            .set_condition_expression(condition.map(str::to_owned));
        for (name, value) in values {
            op = op.expression_attribute_values(*name, value.clone());
        }
        Ok(TransactWriteItem::builder().update(op.build()?).build())
    }

    pub(super) fn tx_delete(
        &self,
        key: &Key,
        condition: Option<&str>,
        values: Values<'_>,
    ) -> anyhow::Result<TransactWriteItem> {
        let mut op = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key_map(key)))
            .set_condition_expression(condition.map(str::to_owned));
        for (name, value) in values {
            op = op.expression_attribute_values(*name, value.clone());
        }
        Ok(TransactWriteItem::builder().delete(op.build()?).build())
    }

    pub(super) fn tx_check(&self, key: &Key, condition: &str) -> anyhow::Result<TransactWriteItem> {
        Ok(TransactWriteItem::builder()
            .condition_check(
                ConditionCheck::builder()
                    .table_name(&self.table)
                    .set_key(Some(key_map(key)))
                    .condition_expression(condition)
                    .build()?,
            )
            .build())
    }
}

pub(super) fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub(super) fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}
