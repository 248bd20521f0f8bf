//! Whole-run operations that span the table and the bucket.

use anyhow::Context;

use crate::App;
use crate::domain::alarm::{Alarm, category};
use crate::domain::group::Group;
use crate::domain::image::folder;
use crate::store::delete_request;
use crate::time::instant_key;

/// Deletes a run (only as `host`): first its META item — from then on it is
/// gone for every reader and nobody can join — then everything else in its
/// partition (text, members, comments, replies, chat), then one `delete`
/// alarm per member (host included), then its images. Returns `false` when
/// the run was already gone or `host` does not host it.
///
/// If a step after the META delete fails, the leftovers are invisible (no
/// META) and the error is reported; nothing is half-visible.
pub async fn delete_group(app: &App, group: &Group, host: &str) -> anyhow::Result<bool> {
    let members = app.db.group_collection(&group.group_id).await?.members;
    if !app.db.delete_group_meta(&group.group_id, host).await? {
        return Ok(false);
    }
    let keys = app.db.group_partition_keys(&group.group_id).await?;
    let requests = keys
        .iter()
        .map(delete_request)
        .collect::<anyhow::Result<Vec<_>>>()?;
    app.db
        .batch_write(requests)
        .await
        .context("delete run items")?;

    let now = instant_key(app.clock.now());
    let alarms: Vec<Alarm> = members
        .iter()
        .map(|m| {
            Alarm::for_group(
                category::DELETE,
                &m.user_id,
                &group.group_id,
                &group.title,
                &now,
            )
        })
        .collect();
    app.db.put_alarms(&alarms).await?;
    if !group.thumbnails.is_empty() {
        crate::services::images::delete(app, folder::GROUP, &group.thumbnails).await?;
    }
    tracing::info!(group_id = %group.group_id, members = members.len(), items = keys.len(), "run deleted");
    Ok(true)
}
