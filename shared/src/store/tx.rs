//! The store's one write plumbing: TransactWriteItems with cancellations as
//! values, the builders of its parts (`tx_put`, `tx_update`, `tx_delete`,
//! `tx_check`, the throttle marker `tx_throttle`), and [`written`] /
//! [`WriteResult::written_or_refused`], the outcome of a single conditional write, so
//! stores state conditions without SDK boilerplate.

use anyhow::Context;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem, Update,
};

use super::keys::{self, Key};
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

    /// The first part whose condition failed (`None`: done), for outcomes
    /// told apart by which guard refused.
    pub(super) fn first_failed(&self) -> Option<usize> {
        match self {
            Self::Done => None,
            Self::ConditionFailed(parts) => Some(parts.iter().copied().min().unwrap_or(0)),
        }
    }
}

/// The errors of single writes (PutItem, UpdateItem, DeleteItem) whose
/// condition can fail.
pub(super) trait ConditionalWriteError {
    /// `Some` when the write's condition failed: with the item that refused
    /// it when the write asked for it
    /// (`ReturnValuesOnConditionCheckFailure::AllOld`) and there was one.
    fn refused(&self) -> Option<Option<Item>>;
}

macro_rules! conditional_write_errors {
    ($($error:ty),*) => {$(
        impl ConditionalWriteError for $error {
            fn refused(&self) -> Option<Option<Item>> {
                match self {
                    Self::ConditionalCheckFailedException(e) => Some(e.item().cloned()),
                    _ => None,
                }
            }
        }
    )*};
}

conditional_write_errors!(PutItemError, UpdateItemError, DeleteItemError);

/// The outcome of one conditional write ([`WriteResult::written_or_refused`]).
pub(super) enum Conditional<T> {
    Written(T),
    /// Its condition failed; the item that refused it if the write asked
    /// for it (`ReturnValuesOnConditionCheckFailure::AllOld`) and there was
    /// one.
    Refused(Option<Item>),
}

/// The result of one conditional write as sent (PutItem, UpdateItem,
/// DeleteItem).
pub(super) trait WriteResult<T> {
    /// The outcome, a failed condition as a value with the item that
    /// refused it (for callers that tell refusals apart by it); any other
    /// failure is an error with `what` as its context.
    fn written_or_refused(self, what: &'static str) -> anyhow::Result<Conditional<T>>;
}

impl<T, E, R> WriteResult<T> for Result<T, SdkError<E, R>>
where
    E: ConditionalWriteError + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    fn written_or_refused(self, what: &'static str) -> anyhow::Result<Conditional<T>> {
        match self {
            Ok(out) => Ok(Conditional::Written(out)),
            Err(e) => match e
                .as_service_error()
                .and_then(ConditionalWriteError::refused)
            {
                Some(old) => Ok(Conditional::Refused(old)),
                None => Err(e).context(what),
            },
        }
    }
}

/// The outcome of one conditional write: `Some(output)` when written,
/// `None` when its condition failed (an answer, not an error); any other
/// failure is an error with `what` as its context.
pub(super) fn written<T>(
    result: impl WriteResult<T>,
    what: &'static str,
) -> anyhow::Result<Option<T>> {
    Ok(match result.written_or_refused(what)? {
        Conditional::Written(out) => Some(out),
        Conditional::Refused(_) => None,
    })
}

enum Attempt {
    Finished(TxOutcome),
    Conflict,
}

pub(super) type Values<'a> = &'a [(&'a str, AttributeValue)];

/// Expression attribute names (`#name`, attribute).
pub(super) type Names<'a> = &'a [(&'a str, &'a str)];

impl Db {
    /// Runs a transaction whose failed condition is an answer: `true` when
    /// it was written, `false` when a condition failed (conflicts retried as
    /// in [`Db::transact_retrying`]).
    pub(super) async fn transact_if(
        &self,
        parts: Vec<TransactWriteItem>,
        what: &'static str,
    ) -> anyhow::Result<bool> {
        Ok(self.transact_retrying(parts).await.context(what)? == TxOutcome::Done)
    }

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
        self.tx_update_named(key, update, condition, &[], values)
    }

    /// [`Db::tx_update`] whose expressions name attributes (`#name`).
    pub(super) fn tx_update_named(
        &self,
        key: &Key,
        update: &str,
        condition: Option<&str>,
        names: Names<'_>,
        values: Values<'_>,
    ) -> anyhow::Result<TransactWriteItem> {
        let mut op = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key_map(key)))
            .update_expression(update)
            .set_condition_expression(condition.map(str::to_owned));
        for (name, attribute) in names {
            op = op.expression_attribute_names(*name, *attribute);
        }
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
        self.tx_delete_named(key, condition, &[], values)
    }

    /// [`Db::tx_delete`] whose condition names attributes (`#name`).
    pub(super) fn tx_delete_named(
        &self,
        key: &Key,
        condition: Option<&str>,
        names: Names<'_>,
        values: Values<'_>,
    ) -> anyhow::Result<TransactWriteItem> {
        let mut op = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key_map(key)))
            .set_condition_expression(condition.map(str::to_owned));
        for (name, attribute) in names {
            op = op.expression_attribute_names(*name, *attribute);
        }
        for (name, value) in values {
            op = op.expression_attribute_values(*name, value.clone());
        }
        Ok(TransactWriteItem::builder().delete(op.build()?).build())
    }

    /// A throttle marker at `key` until `until` (epoch seconds, also its
    /// TTL): written only if there is none or it expired by `now`, so the
    /// transaction carrying it is refused within the interval (the SMS
    /// codes' 60 s; the run creation's 10 s).
    pub(super) fn tx_throttle(
        &self,
        key: &Key,
        now: i64,
        until: i64,
    ) -> anyhow::Result<TransactWriteItem> {
        let mut item = key_map(key);
        item.insert("type".into(), s("Throttle"));
        item.insert(keys::EXPIRES_AT.into(), n(until));
        self.tx_put(
            item,
            Some("attribute_not_exists(PK) OR expiresAt <= :now"),
            &[(":now", n(now))],
        )
    }

    pub(super) fn tx_check(
        &self,
        key: &Key,
        condition: &str,
        values: Values<'_>,
    ) -> anyhow::Result<TransactWriteItem> {
        let mut op = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key_map(key)))
            .condition_expression(condition);
        for (name, value) in values {
            op = op.expression_attribute_values(*name, value.clone());
        }
        Ok(TransactWriteItem::builder()
            .condition_check(op.build()?)
            .build())
    }
}

pub(super) fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub(super) fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}
