//! Refresh tokens, one slot per (user, User-Agent), expiring with the token.

use anyhow::Context;
use aws_sdk_dynamodb::types::AttributeValue;

use super::Db;
use super::keys;

impl Db {
    /// Stores (overwrites) the refresh token of this browser.
    pub async fn put_refresh_token(
        &self,
        user_id: &str,
        user_agent: &str,
        token: &str,
        expires_at: i64,
    ) -> anyhow::Result<()> {
        let key = keys::refresh_token(user_id, user_agent);
        self.client
            .put_item()
            .table_name(&self.table)
            .item(keys::PK, AttributeValue::S(key.pk))
            .item(keys::SK, AttributeValue::S(key.sk))
            .item("type", AttributeValue::S("RefreshToken".into()))
            .item("token", AttributeValue::S(token.to_owned()))
            .item(keys::EXPIRES_AT, AttributeValue::N(expires_at.to_string()))
            .send()
            .await
            .context("put refresh token")?;
        Ok(())
    }

    /// The stored refresh token of this browser, if present and not expired
    /// at `now` (TTL deletion is lazy, so expiry is checked here too).
    pub async fn refresh_token(
        &self,
        user_id: &str,
        user_agent: &str,
        now: i64,
    ) -> anyhow::Result<Option<String>> {
        let key = keys::refresh_token(user_id, user_agent);
        let item = self.get_item_at(&key, true, None, "refresh token").await?;
        let Some(item) = item else {
            return Ok(None);
        };
        let expires_at = item
            .get(keys::EXPIRES_AT)
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<i64>().ok());
        if expires_at.is_some_and(|e| e <= now) {
            return Ok(None);
        }
        Ok(item.get("token").and_then(|v| v.as_s().ok()).cloned())
    }

    pub async fn delete_refresh_token(
        &self,
        user_id: &str,
        user_agent: &str,
    ) -> anyhow::Result<()> {
        let key = keys::refresh_token(user_id, user_agent);
        self.client
            .delete_item()
            .table_name(&self.table)
            .key(keys::PK, AttributeValue::S(key.pk))
            .key(keys::SK, AttributeValue::S(key.sk))
            .send()
            .await
            .context("delete refresh token")?;
        Ok(())
    }
}
