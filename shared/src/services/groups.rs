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

/// The first `needed` runs of the list order (groups.md §1.8) among the runs
/// starting at `from` or later that pass `matches`, reading the feed index
/// only as far as that order requires (no full read per request). `None` for
/// `needed` reads everything.
///
/// The list orders runs by the number in `applyEndTime`. In the index
/// (ordered by start) that number is 0 ("0 일") for every run starting before
/// `min(now + 1 h, tomorrow 00:00 KST)` — those come first, newest first, so
/// they are read backwards — and after that cut it is the whole hours to the
/// start for the rest of today (≥ 1) and the days to the date for later days.
/// That later part is read forwards in chunks: once every run up to the day
/// before the last one read is in, all runs whose number is at most that many
/// days are known, and reading stops when they are `needed`.
pub async fn feed(
    app: &App,
    from: Option<&str>,
    matches: impl Fn(&Group) -> bool,
    needed: Option<usize>,
) -> anyhow::Result<Vec<Group>> {
    use crate::domain::group::{sort_for_list, start_instant};
    use crate::time::{instant_key, kst};

    let now = app.clock.now();
    let Some(needed) = needed else {
        let mut all = read_range(app, from, None, false, None, &matches).await?;
        sort_for_list(&mut all, now);
        return Ok(all);
    };
    let today = now.with_timezone(&kst()).date_naive();
    let tomorrow = start_instant(today + chrono::Duration::days(1), chrono::NaiveTime::MIN);
    let closed_key = instant_key((now + chrono::Duration::hours(1)).min(tomorrow));

    // Closed runs: already in list order when read backwards.
    let mut found = Vec::new();
    if from.is_none_or(|f| f < closed_key.as_str()) {
        found = read_range(app, from, Some(&closed_key), true, Some(needed), &matches).await?;
        if found.len() >= needed {
            sort_for_list(&mut found, now);
            return Ok(found);
        }
    }
    let need = needed - found.len();

    // The rest, forwards in growing chunks. The first chunk is sized to cover
    // the first days of a typical feed in one Query (a sparse feed is read to
    // its end by it); the next ones double.
    let low = from.map_or(closed_key.clone(), |f| {
        f.max(closed_key.as_str()).to_owned()
    });
    let mut after = None;
    let mut chunk = need.saturating_mul(3).saturating_add(16).min(200) as i32;
    loop {
        let (page, next) = app
            .db
            .groups_page(Some(&low), None, false, after, chunk)
            .await?;
        let settled = match (&next, page.last()) {
            (Some(_), Some(last)) => last.days_from_today(now) - 1,
            _ => i64::MAX,
        };
        let read = page.len();
        found.extend(page.into_iter().filter(|g| matches(g)));
        let known = found
            .iter()
            .filter(|g| g.list_label(now) <= settled)
            .count();
        tracing::debug!(read, known, settled, more = next.is_some(), "feed chunk");
        if known >= needed || next.is_none() {
            break;
        }
        after = next;
        chunk = (chunk * 2).min(200);
    }
    sort_for_list(&mut found, now);
    Ok(found)
}

/// Every matching run in `[low, high)`, or the first `limit` matching ones.
async fn read_range(
    app: &App,
    low: Option<&str>,
    high: Option<&str>,
    newest_first: bool,
    limit: Option<usize>,
    matches: &impl Fn(&Group) -> bool,
) -> anyhow::Result<Vec<Group>> {
    let mut found = Vec::new();
    let mut after = None;
    loop {
        let (page, next) = app
            .db
            .groups_page(low, high, newest_first, after, 100)
            .await?;
        found.extend(page.into_iter().filter(|g| matches(g)));
        if next.is_none() || limit.is_some_and(|l| found.len() >= l) {
            return Ok(found);
        }
        after = next;
    }
}
