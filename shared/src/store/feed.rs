//! The run feed's planner: the first `needed` runs of the list order
//! (the domain's `sort_for_list` / `list_label`) read from the feed index
//! partitions (GSI1 every run, GSI3 a region's, GSI6 a filter
//! combination's: `Db::feed_page`) in chunks, never a full read per request.
//! Design: docs/data-model.md, "Run feed".

use chrono::{DateTime, Utc};

use super::Db;
use crate::domain::feed::{FeedPartition, FeedPlan, FeedRow};
use crate::domain::group::{Group, Listed};

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

/// What [`Db::feed_partitions`] reads: a filter's plan (`FeedFilter::plan`:
/// its index partitions and the residual filter applied to the rows read),
/// the filter's window and how many runs of the list order are wanted.
#[derive(Debug, Clone, Copy)]
pub struct FeedQuery<'a> {
    pub plan: &'a FeedPlan,
    /// The earliest start key read (recruiting runs only, a date filter's
    /// start); `None`: every run.
    pub from: Option<&'a str>,
    /// The exclusive upper bound on the start key (a date filter's end).
    pub until: Option<&'a str>,
    /// The first `needed` runs of the list order; `None` reads everything.
    pub needed: Option<usize>,
}

impl Db {
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
        &self,
        now: DateTime<Utc>,
        from: Option<&str>,
        matches: impl Fn(&Group) -> bool,
        needed: Option<usize>,
    ) -> anyhow::Result<Vec<Group>> {
        // GSI1 projects the whole run: every row has it attached.
        let rows = self
            .feed_in(
                now,
                Scope::default(),
                from,
                |row: &FeedRow| row.group.as_ref().is_some_and(&matches),
                needed,
            )
            .await?;
        Ok(rows.into_iter().filter_map(|row| row.group).collect())
    }

    /// [`Db::feed_in`] over the plan's partitions: one walk per partition
    /// (concurrently), rows passing the plan's residual filter, merged — the
    /// first `needed` of the union are among the first `needed` of each, as
    /// the partitions hold disjoint sets of runs. No partition: nothing is read.
    pub async fn feed_partitions(
        &self,
        now: DateTime<Utc>,
        query: FeedQuery<'_>,
    ) -> anyhow::Result<Vec<FeedRow>> {
        let residual = &query.plan.residual;
        let matches = |row: &FeedRow| residual.matches(row);
        let reads = query.plan.partitions.iter().map(|partition| {
            let scope = Scope {
                partition: partition.clone(),
                until: query.until.map(str::to_owned),
                spread: residual.spread(),
            };
            self.feed_in(now, scope, query.from, matches, query.needed)
        });
        let mut all: Vec<FeedRow> = futures::future::try_join_all(reads)
            .await?
            .into_iter()
            .flatten()
            .collect();
        crate::domain::group::sort_for_list(&mut all, now);
        Ok(all)
    }

    /// [`Db::feed`] within one [`Scope`], over feed index rows.
    pub async fn feed_in(
        &self,
        now: DateTime<Utc>,
        scope: Scope,
        from: Option<&str>,
        matches: impl Fn(&FeedRow) -> bool,
        needed: Option<usize>,
    ) -> anyhow::Result<Vec<FeedRow>> {
        use crate::domain::group::{sort_for_list, start_instant};
        use crate::time::{instant_key, kst};

        let until = scope.until.as_deref();
        if from.zip(until).is_some_and(|(f, u)| f >= u) {
            return Ok(Vec::new());
        }
        let Some(needed) = needed else {
            let mut all = self
                .read_range(&scope, from, until, false, None, &matches)
                .await?;
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
            found = self
                .read_range(&scope, from, Some(high), true, Some(needed), &matches)
                .await?;
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
            let (page, next) = self
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
                let (tail, complete) = self
                    .read_latest(&scope, &from_day, &high, rest, &matches)
                    .await?;
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
        &self,
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
            let (page, next) = self
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
            let tied = self
                .read_range(
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
        &self,
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
            let (page, next) = self
                .feed_page(&scope.partition, low, high, newest_first, after, 100)
                .await?;
            found.extend(page.into_iter().filter(|g| matches(g)));
            if next.is_none() || limit.is_some_and(|l| found.len() >= l) {
                return Ok(found);
            }
            after = next;
        }
    }
}
