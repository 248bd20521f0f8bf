//! Whole-run operations that span the table and the bucket.

use anyhow::Context;

use crate::App;
use crate::domain::alarm::{Alarm, category};
use crate::domain::feed::{FeedPartition, FeedRow};
use crate::domain::group::{Group, Listed};
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
    // GSI1 projects the whole run: every row has it attached.
    let rows = feed_in(
        app,
        Scope::default(),
        from,
        |row: &FeedRow| row.group.as_ref().is_some_and(&matches),
        needed,
    )
    .await?;
    Ok(rows.into_iter().filter_map(|row| row.group).collect())
}

/// Where a feed is read: one index partition (every run, one region's, or
/// one filter combination's: `domain::feed`), and an exclusive upper bound
/// on the start key (a date filter's end), so a read never leaves the
/// filter's window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub partition: FeedPartition,
    pub until: Option<String>,
    /// Rows read per expected match (`Residual::spread`; 0 or 1: none filtered out).
    pub spread: usize,
}

/// [`feed_in`] over several partitions: one walk per partition (concurrently),
/// merged — the first `needed` of the union are among the first `needed` of
/// each, as the partitions hold disjoint sets of runs.
pub async fn feed_partitions(
    app: &App,
    partitions: &[FeedPartition],
    until: Option<&str>,
    spread: usize,
    from: Option<&str>,
    matches: impl Fn(&FeedRow) -> bool + Copy,
    needed: Option<usize>,
) -> anyhow::Result<Vec<FeedRow>> {
    let reads = partitions.iter().map(|partition| {
        let scope = Scope {
            partition: partition.clone(),
            until: until.map(str::to_owned),
            spread,
        };
        feed_in(app, scope, from, matches, needed)
    });
    let mut all: Vec<FeedRow> = futures::future::try_join_all(reads)
        .await?
        .into_iter()
        .flatten()
        .collect();
    crate::domain::group::sort_for_list(&mut all, app.clock.now());
    Ok(all)
}

/// [`feed`] within one [`Scope`], over feed index rows.
pub async fn feed_in(
    app: &App,
    scope: Scope,
    from: Option<&str>,
    matches: impl Fn(&FeedRow) -> bool,
    needed: Option<usize>,
) -> anyhow::Result<Vec<FeedRow>> {
    use crate::domain::group::{sort_for_list, start_instant};
    use crate::time::{instant_key, kst};

    let now = app.clock.now();
    let until = scope.until.as_deref();
    if from.zip(until).is_some_and(|(f, u)| f >= u) {
        return Ok(Vec::new());
    }
    let Some(needed) = needed else {
        let mut all = read_range(app, &scope, from, until, false, None, &matches).await?;
        sort_for_list(&mut all, now);
        return Ok(all);
    };
    let today = now.with_timezone(&kst()).date_naive();
    let tomorrow = start_instant(today + chrono::Duration::days(1), chrono::NaiveTime::MIN);
    let closed_key = instant_key((now + chrono::Duration::hours(1)).min(tomorrow));

    // Closed runs: already in list order when read backwards.
    let mut found = Vec::new();
    if from.is_none_or(|f| f < closed_key.as_str()) {
        let high = until.map_or(closed_key.as_str(), |u| u.min(closed_key.as_str()));
        found = read_range(app, &scope, from, Some(high), true, Some(needed), &matches).await?;
        if found.len() >= needed {
            sort_for_list(&mut found, now);
            return Ok(found);
        }
    }
    let need = needed - found.len();

    // The rest, forwards in growing chunks. The first chunk is sized to cover
    // the first days of a typical feed in one Query (a sparse feed is read to
    // its end by it); the next ones double.
    let mut low = from.map_or(closed_key.clone(), |f| {
        f.max(closed_key.as_str()).to_owned()
    });
    if until.is_some_and(|u| u <= low.as_str()) {
        sort_for_list(&mut found, now);
        return Ok(found);
    }
    let mut after = None;
    // Filters that skip runs widen the chunks (up to 1 000, DynamoDB's 1 MB
    // page holds about that many runs).
    let spread = scope.spread.max(1);
    let cap = if spread > 1 { 1000 } else { 200 };
    let mut chunk = (need
        .saturating_mul(3)
        .saturating_add(16)
        .saturating_mul(spread))
    .min(cap) as i32;
    loop {
        let (page, next) = app
            .db
            .feed_page(&scope.partition, Some(&low), until, false, after, chunk)
            .await?;
        let settled = match (&next, page.last()) {
            (Some(_), Some(last)) => last.days_from_today(now) - 1,
            _ => i64::MAX,
        };
        let read = page.len();
        let last_day = page
            .last()
            .filter(|g| g.days_from_today(now) >= 1)
            .and_then(Listed::kst_date);
        found.extend(page.into_iter().filter(|g| matches(g)));
        let known = found
            .iter()
            .filter(|g| g.list_label(now) <= settled)
            .count();
        tracing::debug!(read, known, settled, more = next.is_some(), "feed chunk");
        if known >= needed || next.is_none() {
            break;
        }
        // A dense day: the chunk ended inside day D (D ≥ 1 days ahead) and
        // the page needs `rest` more runs of list number D. Those are day D's
        // runs latest first (before today's runs D hours ahead, which are all
        // read), so day D is read backwards for `rest` of them instead of
        // forwards to its end: O(page), however many runs day D holds.
        if let Some(day) = last_day {
            let day_low = instant_key(start_instant(day, chrono::NaiveTime::MIN));
            let day_high = instant_key(start_instant(
                day + chrono::Duration::days(1),
                chrono::NaiveTime::MIN,
            ));
            let high = until.map_or(day_high.clone(), |u| u.min(day_high.as_str()).to_owned());
            let rest = needed - known;
            let from_day = day_low.max(low.clone());
            let (tail, complete) =
                read_latest(app, &scope, &from_day, &high, rest, &matches).await?;
            found.retain(|g| g.kst_date() != Some(day));
            let got = tail.len();
            found.extend(tail);
            if got >= rest || !complete || until.is_some_and(|u| u <= day_high.as_str()) {
                break;
            }
            // Day D had fewer: every run of number ≤ D is known; go on after it.
            low = day_high;
            after = None;
            continue;
        }
        after = next;
        chunk = (chunk * 2).min(cap as i32);
    }
    sort_for_list(&mut found, now);
    Ok(found)
}

/// The latest `wanted` matching runs in `[low, high)`, read backwards (all
/// of them when there are fewer), plus every run sharing the start of the
/// `wanted`-th when that start continues past it (the list breaks such ties
/// by id, the index the other way): one more Query for that one instant.
/// Returns the runs and whether the range was read to its start.
async fn read_latest(
    app: &App,
    scope: &Scope,
    low: &str,
    high: &str,
    wanted: usize,
    matches: &impl Fn(&FeedRow) -> bool,
) -> anyhow::Result<(Vec<FeedRow>, bool)> {
    let mut found: Vec<FeedRow> = Vec::new();
    let mut after = None;
    // Sized like the forward chunks: room for filters that skip some runs.
    let limit = ((wanted * 3 + 16).saturating_mul(scope.spread.max(1))).min(1000) as i32;
    let complete = loop {
        let (page, next) = app
            .db
            .feed_page(&scope.partition, Some(low), Some(high), true, after, limit)
            .await?;
        found.extend(page.into_iter().filter(|g| matches(g)));
        match next {
            Some(key) if found.len() <= wanted => after = Some(key),
            Some(_) => break false,
            None => break true,
        }
    };
    let straddling = match (
        wanted.checked_sub(1).and_then(|i| found.get(i)),
        found.get(wanted),
    ) {
        (Some(a), Some(b)) if a.starts_at == b.starts_at => Some(a.starts_at.clone()),
        _ => None,
    };
    if let Some(instant) = straddling {
        // Every run of that instant: keys `<instant>#<id>` lie between the
        // bare instant and `<instant>#~`.
        let tied = read_range(
            app,
            scope,
            Some(&instant),
            Some(&format!("{instant}#~")),
            false,
            None,
            matches,
        )
        .await?;
        found.retain(|g| g.starts_at != instant);
        found.extend(tied);
    }
    Ok((found, complete))
}

/// Every matching run in `[low, high)`, or the first `limit` matching ones.
async fn read_range(
    app: &App,
    scope: &Scope,
    low: Option<&str>,
    high: Option<&str>,
    newest_first: bool,
    limit: Option<usize>,
    matches: &impl Fn(&FeedRow) -> bool,
) -> anyhow::Result<Vec<FeedRow>> {
    let mut found = Vec::new();
    let mut after = None;
    loop {
        let (page, next) = app
            .db
            .feed_page(&scope.partition, low, high, newest_first, after, 100)
            .await?;
        found.extend(page.into_iter().filter(|g| matches(g)));
        if next.is_none() || limit.is_some_and(|l| found.len() >= l) {
            return Ok(found);
        }
        after = next;
    }
}
