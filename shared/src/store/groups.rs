//! Group runs and their members.

use anyhow::Context;
use aws_sdk_dynamodb::types::AttributeValue;

use super::Db;
use super::keys;
use crate::domain::group::Group;

impl Db {
    /// `GetItem GROUP#<gid> / META`.
    pub async fn group(&self, group_id: &str) -> anyhow::Result<Option<Group>> {
        let key = keys::group(group_id);
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(keys::PK, AttributeValue::S(key.pk))
            .key(keys::SK, AttributeValue::S(key.sk))
            .send()
            .await
            .context("get group")?;
        out.item
            .map(serde_dynamo::from_item)
            .transpose()
            .context("decode group")
    }
}
