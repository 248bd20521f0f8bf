//! Whole-run operations that span the table and the bucket.

use anyhow::Context;

use crate::App;
use crate::domain::alarm::{Alarm, category};
use crate::domain::group::Group;
use crate::domain::image::folder;
use crate::store::delete_request;
use crate::store::group_delete::GroupDeletion;
use crate::store::keys::{self, Key};
use crate::time::instant_key;

/// Deletes a run (only as `host`). First its META is swapped for a
/// DELETING record in one transaction — from then on the run is gone for
/// every reader and nobody can join — then [`finish_group_delete`] removes the
/// rest. Returns `false` when the run was already gone or `host` does not
/// host it.
///
/// If a step after the swap fails, the leftovers are invisible (no META) and
/// the error is reported; [`resume_group_delete`] (the host's retry) finishes.
pub async fn delete_group(app: &App, group: &Group, host: &str) -> anyhow::Result<bool> {
    let deletion = GroupDeletion {
        group: group.clone(),
        deleted_at: instant_key(app.clock.now()),
    };
    if !app.db.begin_group_delete(&deletion, host).await? {
        return Ok(false);
    }
    finish_group_delete(app, &deletion).await?;
    Ok(true)
}

/// Finishes the delete of a run that failed part-way, if `host` hosts it.
/// `false`: no unfinished delete of this run by `host`.
pub async fn resume_group_delete(app: &App, group_id: &str, host: &str) -> anyhow::Result<bool> {
    match app.db.group_deletion(group_id).await? {
        Some(deletion) if deletion.group.user_id == host => {
            tracing::info!(group_id, "resuming an unfinished run delete");
            finish_group_delete(app, &deletion).await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Every step is idempotent and each one leaves enough behind for a retry:
/// one `delete` alarm per member still in the partition (ids and time fixed
/// by the deletion, so written again they are the same items), then every
/// item of the partition (text, members, comments, replies, chat), then the
/// images, and last the DELETING record.
async fn finish_group_delete(app: &App, deletion: &GroupDeletion) -> anyhow::Result<()> {
    let group = &deletion.group;
    let record = keys::group_deletion(&group.group_id);
    let items: Vec<Key> = app
        .db
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
    app.db.put_alarms(&alarms).await?;
    let requests = items
        .iter()
        .map(delete_request)
        .collect::<anyhow::Result<Vec<_>>>()?;
    app.db
        .batch_write(requests)
        .await
        .context("delete run items")?;
    if !group.thumbnails.is_empty() {
        crate::services::images::delete(app, folder::GROUP, &group.thumbnails).await?;
    }
    app.db.end_group_delete(&group.group_id).await?;
    tracing::info!(group_id = %group.group_id, members = alarms.len(), items = items.len(), "run deleted");
    Ok(())
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
