//! The store's reads: the one typed single-item read ([`Db::get`]), batch
//! reads and writes with DynamoDB's size limits and retries of unprocessed
//! entries, so callers never loop per item, and the one paging loop
//! ([`query_all`]).

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, bail};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{
    AttributeValue, DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest,
};

use super::Db;
use super::keys::{self, Key};
use super::tx::Names;

pub type Item = HashMap<String, AttributeValue>;

const MAX_ATTEMPTS: u32 = 8;

pub fn put_request(item: Item) -> anyhow::Result<WriteRequest> {
    Ok(WriteRequest::builder()
        .put_request(PutRequest::builder().set_item(Some(item)).build()?)
        .build())
}

pub fn delete_request(key: &Key) -> anyhow::Result<WriteRequest> {
    Ok(WriteRequest::builder()
        .delete_request(
            DeleteRequest::builder()
                .set_key(Some(key_map(key)))
                .build()?,
        )
        .build())
}

pub fn key_map(key: &Key) -> Item {
    HashMap::from([
        (keys::PK.to_owned(), AttributeValue::S(key.pk.clone())),
        (keys::SK.to_owned(), AttributeValue::S(key.sk.clone())),
    ])
}

async fn backoff(attempt: u32) {
    tokio::time::sleep(Duration::from_millis(20 << attempt.min(6))).await;
}

impl Db {
    /// GetItem of `key` (strongly consistent if `consistent`, only the
    /// `projection` attributes if any) as stored; `None` when absent. `what`
    /// names the item in errors.
    pub(super) async fn get_item_at(
        &self,
        key: &Key,
        consistent: bool,
        projection: Option<&str>,
        what: &str,
    ) -> anyhow::Result<Option<Item>> {
        self.get_item_named(key, consistent, projection, &[], what)
            .await
    }

    /// [`Db::get_item_at`] whose projection names attributes (`#name`).
    pub(super) async fn get_item_named(
        &self,
        key: &Key,
        consistent: bool,
        projection: Option<&str>,
        names: Names<'_>,
        what: &str,
    ) -> anyhow::Result<Option<Item>> {
        let mut get = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_map(key)))
            .set_consistent_read(consistent.then_some(true))
            .set_projection_expression(projection.map(str::to_owned));
        for (name, attribute) in names {
            get = get.expression_attribute_names(*name, *attribute);
        }
        let out = get.send().await.with_context(|| format!("get {what}"))?;
        Ok(out.item)
    }

    /// GetItem then decode: the one typed read of a single item
    /// ([`Db::get_item_at`] decoded as `T`).
    pub(super) async fn get<T: serde::de::DeserializeOwned>(
        &self,
        key: &Key,
        consistent: bool,
        projection: Option<&str>,
        what: &str,
    ) -> anyhow::Result<Option<T>> {
        self.get_item_at(key, consistent, projection, what)
            .await?
            .map(serde_dynamo::from_item)
            .transpose()
            .with_context(|| format!("decode {what}"))
    }

    /// BatchWriteItem in chunks of 25; unprocessed requests are retried with backoff.
    pub async fn batch_write(&self, requests: Vec<WriteRequest>) -> anyhow::Result<()> {
        for chunk in requests.chunks(25) {
            let mut pending = chunk.to_vec();
            let mut attempt = 0;
            while !pending.is_empty() {
                if attempt == MAX_ATTEMPTS {
                    bail!(
                        "{} writes still unprocessed after {MAX_ATTEMPTS} attempts",
                        pending.len()
                    );
                }
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .send()
                    .await
                    .context("batch write")?;
                pending = out
                    .unprocessed_items
                    .and_then(|mut u| u.remove(&self.table))
                    .unwrap_or_default();
                if !pending.is_empty() {
                    backoff(attempt).await;
                }
                attempt += 1;
            }
        }
        Ok(())
    }

    /// BatchGetItem of distinct keys in chunks of 100 (one round-trip per
    /// chunk when nothing is throttled); missing items are simply absent.
    pub async fn batch_get(&self, keys: &[Key]) -> anyhow::Result<Vec<Item>> {
        self.batch_get_with(keys, false).await
    }

    /// [`Db::batch_get`] with strongly consistent reads.
    pub async fn batch_get_consistent(&self, keys: &[Key]) -> anyhow::Result<Vec<Item>> {
        self.batch_get_with(keys, true).await
    }

    async fn batch_get_with(&self, keys: &[Key], consistent: bool) -> anyhow::Result<Vec<Item>> {
        let mut unique: Vec<&Key> = Vec::with_capacity(keys.len());
        for key in keys {
            if !unique.contains(&key) {
                unique.push(key);
            }
        }
        let mut items = Vec::with_capacity(unique.len());
        for chunk in unique.chunks(100) {
            let mut pending = KeysAndAttributes::builder()
                .set_keys(Some(chunk.iter().map(|k| key_map(k)).collect()))
                .consistent_read(consistent)
                .build()?;
            let mut attempt = 0;
            loop {
                if attempt == MAX_ATTEMPTS {
                    bail!("reads still unprocessed after {MAX_ATTEMPTS} attempts");
                }
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, pending)
                    .send()
                    .await
                    .context("batch get")?;
                items.extend(
                    out.responses
                        .and_then(|mut r| r.remove(&self.table))
                        .unwrap_or_default(),
                );
                match out.unprocessed_keys.and_then(|mut u| u.remove(&self.table)) {
                    Some(rest) if !rest.keys.is_empty() => {
                        pending = rest;
                        backoff(attempt).await;
                        attempt += 1;
                    }
                    _ => break,
                }
            }
        }
        Ok(items)
    }
}

impl Db {
    /// The Query of a user's GSI2 entries (`USER#<user_id>`) whose sort key
    /// begins with `prefix`: runs hosted (`keys::HOSTED`), unfinished run
    /// deletes (`keys::DELETING`), courses written
    /// (`keys::AUTHORED_COURSE`), bookmarks (`keys::BOOKMARK`). Callers add
    /// a projection or the order and run it with [`query_all`].
    pub(super) fn user_prefix_query(&self, user_id: &str, prefix: &str) -> QueryFluentBuilder {
        self.user_query(user_id, "begins_with(GSI2SK, :prefix)")
            .expression_attribute_values(":prefix", AttributeValue::S(prefix.to_owned()))
    }

    /// The Query of a user's GSI2 entries whose sort key lies in
    /// `[low, high]` (a kind's prefix followed by a start instant: runs
    /// joined or hosted in a time window). Callers add a projection and run
    /// it with [`query_all`].
    pub(super) fn user_range_query(
        &self,
        user_id: &str,
        low: &str,
        high: &str,
    ) -> QueryFluentBuilder {
        self.user_query(user_id, "GSI2SK BETWEEN :low AND :high")
            .expression_attribute_values(":low", AttributeValue::S(low.to_owned()))
            .expression_attribute_values(":high", AttributeValue::S(high.to_owned()))
    }

    /// A user's GSI2 partition with a condition on its sort key.
    fn user_query(&self, user_id: &str, sort_key_condition: &str) -> QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI2)
            .key_condition_expression(format!("GSI2PK = :pk AND {sort_key_condition}"))
            .expression_attribute_values(":pk", AttributeValue::S(keys::user_pk(user_id)))
    }
}

/// Runs a Query until it returned `limit` items (each request's `Limit` is
/// what is still missing) or its pages ended: several requests only past
/// DynamoDB's 1 MB page.
pub(super) async fn query_up_to(
    query: QueryFluentBuilder,
    limit: usize,
) -> anyhow::Result<Vec<Item>> {
    let mut found = Vec::new();
    let mut after = None;
    while found.len() < limit {
        let out = query
            .clone()
            .limit(i32::try_from(limit - found.len()).unwrap_or(i32::MAX))
            .set_exclusive_start_key(after.take())
            .send()
            .await
            .context("query")?;
        found.extend(out.items.unwrap_or_default());
        match out.last_evaluated_key {
            Some(k) if !k.is_empty() => after = Some(k),
            _ => break,
        }
    }
    Ok(found)
}

/// Runs a Query to the end of its pages.
pub(super) async fn query_all(query: QueryFluentBuilder) -> anyhow::Result<Vec<Item>> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let out = query
            .clone()
            .set_exclusive_start_key(start)
            .send()
            .await
            .context("query")?;
        items.extend(out.items.unwrap_or_default());
        match out.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return Ok(items),
        }
    }
}
