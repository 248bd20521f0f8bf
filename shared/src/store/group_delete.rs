//! A run's delete as a record of work in progress, so that a delete that
//! fails part-way is finished by a retry instead of leaving orphans.
//!
//! The run's META item is replaced by a `GROUP#<gid> / DELETING` item in one
//! transaction: from then on the run is gone for every reader and nobody can
//! join it, and the DELETING item remembers what is still to be removed (the
//! run's images; its partition is read again). It is deleted last.

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::Db;
use super::batch::{delete_request, key_map, query_all};
use super::item::Stored;
use super::keys::{self, Key};
use super::tx::s;
use crate::domain::alarm::{Alarm, category};
use crate::domain::group::Group;

pub const DELETING_TYPE: &str = "GroupDeleting";

/// A run whose delete has begun and not finished.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupDeletion {
    /// The run as it was when its delete began.
    pub group: Group,
    /// When the delete began (UTC RFC 3339): the time of its alarms, so a
    /// retry writes the same alarm items again instead of new ones.
    pub deleted_at: String,
}

impl Db {
    /// Deletes the run's META (only if `host` hosts it) and writes its
    /// DELETING item, in one transaction. `false`: the run is gone or not
    /// `host`'s, or its delete already began.
    pub async fn begin_group_delete(
        &self,
        deletion: &GroupDeletion,
        host: &str,
    ) -> anyhow::Result<bool> {
        let group_id = &deletion.group.group_id;
        let mut parts = vec![
            self.tx_delete(
                &keys::group(group_id),
                Some("attribute_exists(PK) AND userId = :host"),
                &[(":host", s(host))],
            )?,
            self.tx_put(
                Stored::new(keys::group_deletion(group_id), DELETING_TYPE, deletion)
                    .gsi2(keys::group_deletion_index(host, group_id))
                    .item()?,
                Some("attribute_not_exists(PK)"),
                &[],
            )?,
        ];
        // The run leaves every filtered feed in the same step (its 14
        // composite entries; the cascade would remove them later anyway).
        for key in super::groups::feed_entry_keys(&deletion.group) {
            parts.push(self.tx_delete(&key, None, &[])?);
        }
        self.transact_if(parts, "begin group delete").await
    }

    /// The run's unfinished delete, if any (consistent read).
    pub async fn group_deletion(&self, group_id: &str) -> anyhow::Result<Option<GroupDeletion>> {
        self.get(
            &keys::group_deletion(group_id),
            true,
            None,
            "group deletion",
        )
        .await
    }

    /// The runs `host` hosts whose delete began and has not finished
    /// (one paged Query on GSI2, keys only).
    pub async fn unfinished_group_deletes(&self, host: &str) -> anyhow::Result<Vec<String>> {
        let items = query_all(
            self.user_prefix_query(host, keys::DELETING)
                .projection_expression(keys::GSI2SK),
        )
        .await
        .context("query unfinished group deletes")?;
        Ok(items
            .iter()
            .filter_map(|i| i.get(keys::GSI2SK)?.as_s().ok())
            .filter_map(|sk| sk.strip_prefix(keys::DELETING))
            .map(str::to_owned)
            .collect())
    }

    /// Ends a run's delete: removes its DELETING item (the last step).
    pub async fn end_group_delete(&self, group_id: &str) -> anyhow::Result<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_map(&keys::group_deletion(group_id))))
            .send()
            .await
            .context("end group delete")?;
        Ok(())
    }
}

impl Db {
    /// The table's part of finishing a run's delete (after its META became
    /// the DELETING record, which stays): one `delete` alarm per member still
    /// in the partition (ids and time fixed by the deletion, so written again
    /// they are the same items), then every item of the partition (text,
    /// members, comments, replies, chat). Idempotent. Returns (members,
    /// items deleted).
    pub async fn delete_group_items(
        &self,
        deletion: &GroupDeletion,
    ) -> anyhow::Result<(usize, usize)> {
        let group = &deletion.group;
        let record = keys::group_deletion(&group.group_id);
        let items: Vec<Key> = self
            .group_partition_keys(&group.group_id)
            .await?
            .into_iter()
            .filter(|k| *k != record)
            .collect();
        let alarms: Vec<Alarm> = items
            .iter()
            .filter_map(|k| k.sk.strip_prefix(keys::APPLY))
            .map(|member| {
                let mut alarm = Alarm::for_group(
                    category::DELETE,
                    member,
                    &group.group_id,
                    &group.title,
                    &deletion.deleted_at,
                );
                alarm.alarm_id = deletion_alarm_id(&group.group_id, member);
                alarm
            })
            .collect();
        self.put_alarms(&alarms).await?;
        let requests = items
            .iter()
            .map(delete_request)
            .collect::<anyhow::Result<Vec<_>>>()?;
        self.batch_write(requests)
            .await
            .context("delete run items")?;
        Ok((alarms.len(), items.len()))
    }
}

/// The id of a run's `delete` alarm for one member: the same on every retry.
fn deletion_alarm_id(group_id: &str, member: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("delete\n{group_id}\n{member}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes)
        .into_uuid()
        .to_string()
}
