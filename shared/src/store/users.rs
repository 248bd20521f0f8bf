//! Users and their test-login index.

use anyhow::Context;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;

use super::Db;
use super::keys::{self, Key};
use crate::domain::user::User;

#[derive(Debug, PartialEq, Eq)]
pub enum CreateOutcome {
    Created,
    AlreadyExists,
}

#[derive(Serialize)]
struct UserItem<'a> {
    #[serde(flatten)]
    key: Key,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    user: &'a User,
    #[serde(rename = "GSI1PK", skip_serializing_if = "Option::is_none")]
    gsi1pk: Option<String>,
    #[serde(rename = "GSI1SK", skip_serializing_if = "Option::is_none")]
    gsi1sk: Option<String>,
}

impl Db {
    /// `GetItem USER#<uid> / PROFILE`.
    pub async fn user(&self, user_id: &str) -> anyhow::Result<Option<User>> {
        let key = keys::user(user_id);
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(keys::PK, AttributeValue::S(key.pk))
            .key(keys::SK, AttributeValue::S(key.sk))
            .send()
            .await
            .context("get user")?;
        out.item
            .map(serde_dynamo::from_item)
            .transpose()
            .context("decode user")
    }

    /// Profiles of many users in one BatchGetItem (per 100), by id.
    pub async fn users(
        &self,
        user_ids: &[&str],
    ) -> anyhow::Result<std::collections::HashMap<String, User>> {
        let keys: Vec<Key> = user_ids.iter().map(|id| keys::user(id)).collect();
        let items = self.batch_get(&keys).await.context("get users")?;
        let users: Vec<User> = serde_dynamo::from_items(items).context("decode users")?;
        Ok(users.into_iter().map(|u| (u.user_id.clone(), u)).collect())
    }

    /// Puts a new user; never overwrites an existing id. Test accounts also
    /// get the sparse GSI1 entry `/testlogin` queries.
    pub async fn create_user(&self, user: &User) -> anyhow::Result<CreateOutcome> {
        let index = user
            .is_test_account()
            .then(|| keys::test_account_index(&user.nickname, &user.user_id));
        let item = UserItem {
            key: keys::user(&user.user_id),
            kind: "User",
            user,
            gsi1pk: index.as_ref().map(|i| i.pk.clone()),
            gsi1sk: index.map(|i| i.sk),
        };
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(serde_dynamo::to_item(item).context("encode user")?))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(CreateOutcome::Created),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(CreateOutcome::AlreadyExists)
            }
            Err(e) => Err(e).context("put user"),
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
