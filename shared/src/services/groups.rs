//! Whole-run operations that span the table and the bucket.

use crate::App;
use crate::domain::group::Group;
use crate::domain::image::folder;
use crate::store::group_delete::GroupDeletion;
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
/// the table's part (`Db::delete_group_items`: the members' `delete` alarms,
/// then every item of the partition), then the images, and last the
/// DELETING record.
async fn finish_group_delete(app: &App, deletion: &GroupDeletion) -> anyhow::Result<()> {
    let group = &deletion.group;
    let (members, items) = app.db.delete_group_items(deletion).await?;
    if !group.thumbnails.is_empty() {
        crate::services::images::delete(app, folder::GROUP, &group.thumbnails).await?;
    }
    app.db.end_group_delete(&group.group_id).await?;
    tracing::info!(group_id = %group.group_id, members, items, "run deleted");
    Ok(())
}
