//! Users and their test-login index.

use anyhow::Context;
use aws_sdk_dynamodb::types::AttributeValue;

use super::Db;
use super::item::Stored;
use super::keys::{self, Key};
use aws_sdk_dynamodb::types::TransactWriteItem;

use super::tx::{n, written};
use crate::domain::user::User;

/// A profile item as a user; a malformed one (e.g. a counter-only stub an
/// older version could leave behind) is read like a deleted user — absent —
/// and logged, so one bad item never fails a whole page.
pub(super) fn decode_user(item: super::Item) -> Option<User> {
    match serde_dynamo::from_item::<_, User>(item) {
        Ok(user) => Some(user),
        Err(e) => {
            tracing::warn!(error = %e, "skipped a malformed user item");
            None
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum CreateOutcome {
    Created,
    AlreadyExists,
}

impl Db {
    /// `GetItem USER#<uid> / PROFILE`.
    pub async fn user(&self, user_id: &str) -> anyhow::Result<Option<User>> {
        let item = self
            .get_item_at(&keys::user(user_id), false, None, "user")
            .await?;
        Ok(item.and_then(decode_user))
    }

    /// Profiles of many users in one BatchGetItem (per 100), by id.
    pub async fn users(
        &self,
        user_ids: &[&str],
    ) -> anyhow::Result<std::collections::HashMap<String, User>> {
        let keys: Vec<Key> = user_ids.iter().map(|id| keys::user(id)).collect();
        let items = self.batch_get(&keys).await.context("get users")?;
        Ok(items
            .into_iter()
            .filter_map(decode_user)
            .map(|u| (u.user_id.clone(), u))
            .collect())
    }

    /// Puts a new user; never overwrites an existing id. Test accounts also
    /// get the sparse GSI1 entry `/testlogin` queries.
    pub async fn create_user(&self, user: &User) -> anyhow::Result<CreateOutcome> {
        let mut item = Stored::new(keys::user(&user.user_id), "User", user);
        if user.is_test_account() {
            // Sparse GSI1: only test accounts can be found by nickname.
            item = item.gsi1(keys::test_account_index(&user.nickname, &user.user_id));
        }
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item.item()?))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await;
        match written(result, "put user")? {
            Some(_) => Ok(CreateOutcome::Created),
            None => Ok(CreateOutcome::AlreadyExists),
        }
    }

    /// The test account with this nickname whose `social` equals `password`
    /// (one Query on the sparse GSI1; real accounts are never in it).
    pub async fn test_account(
        &self,
        nickname: &str,
        password: &str,
    ) -> anyhow::Result<Option<User>> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI1)
            .key_condition_expression("GSI1PK = :pk")
            .filter_expression("social = :password")
            .expression_attribute_values(":pk", AttributeValue::S(keys::test_account_pk(nickname)))
            .expression_attribute_values(":password", AttributeValue::S(password.to_owned()))
            .send()
            .await
            .context("query test accounts")?;
        let users: Vec<User> =
            serde_dynamo::from_items(out.items.unwrap_or_default()).context("decode user")?;
        Ok(users.into_iter().find(User::is_test_account))
    }
}

/// Manner points: the attendance (+1) and host-evaluation (±1) writes the
/// run transactions carry, kept within 0..=100.
pub const MAX_MANNER_POINT: i64 = 100;

impl Db {
    /// Current manner points of existing profiles (strongly consistent
    /// GetItems, concurrently); users without a well-formed profile are absent.
    pub(super) async fn manner_points(
        &self,
        user_ids: &[&str],
    ) -> anyhow::Result<Vec<(String, i64)>> {
        let reads = user_ids.iter().map(|user_id| async move {
            let item = self
                .get_item_at(
                    &keys::user(user_id),
                    true,
                    Some("mannerPoint"),
                    "manner point",
                )
                .await?;
            let point = item
                .and_then(|i| i.get("mannerPoint").and_then(|v| v.as_n().ok()).cloned())
                .and_then(|n| n.parse::<f64>().ok())
                .map(|p| p as i64);
            anyhow::Ok(point.map(|p| ((*user_id).to_owned(), p)))
        });
        Ok(futures::future::try_join_all(reads)
            .await?
            .into_iter()
            .flatten()
            .collect())
    }

    /// `mannerPoint + delta` on an existing profile, only if it still is `seen`.
    pub(super) fn manner_point_from(
        &self,
        user_id: &str,
        seen: i64,
        delta: i8,
    ) -> anyhow::Result<TransactWriteItem> {
        self.tx_update(
            &keys::user(user_id),
            "SET mannerPoint = mannerPoint + :delta",
            Some("attribute_exists(PK) AND mannerPoint = :seen"),
            &[(":delta", n(i64::from(delta))), (":seen", n(seen))],
        )
    }

    pub(super) fn manner_point_change_with_counter(
        &self,
        user_id: &str,
        delta: i8,
        category: u8,
    ) -> anyhow::Result<TransactWriteItem> {
        let (condition, bound) = if delta >= 0 {
            ("mannerPoint <= :bound", MAX_MANNER_POINT - i64::from(delta))
        } else {
            ("mannerPoint >= :bound", -i64::from(delta))
        };
        self.tx_update(
            &keys::user(user_id),
            &format!("SET mannerPoint = mannerPoint + :delta ADD eval{category} :one"),
            Some(&format!("attribute_exists(PK) AND {condition}")),
            &[
                (":delta", n(i64::from(delta))),
                (":bound", n(bound)),
                (":one", n(1)),
            ],
        )
    }
}
