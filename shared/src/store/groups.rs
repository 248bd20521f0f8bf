//! Group runs and their members. Key design: docs/data-model.md.

use std::collections::HashMap;

use anyhow::{Context, bail};
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use super::Db;
use super::batch::Item;
use super::batch::query_all;
use super::item::{Mixed, Stored};
use super::keys::{self, Key};
use super::tx::{TxOutcome, n, s, written};
use crate::domain::feed::{FeedPartition, FeedRow};
use crate::domain::group::{Group, GroupText, Member};
use crate::domain::profile::EvaluationCounts;
use crate::domain::user::User;

pub const GROUP_TYPE: &str = "Group";
pub const TEXT_TYPE: &str = "GroupText";
pub const MEMBER_TYPE: &str = "Apply";
pub const EVALUATION_TYPE: &str = "Evaluation";
pub const FEED_ENTRY_TYPE: &str = "GroupFeedEntry";

/// The condition every membership write puts on the member's profile: it
/// exists and its deletion has not begun (`Db::begin_account_deletion`), so
/// no membership can appear for a deleted or departing user.
const PROFILE_ACTIVE: &str = "attribute_exists(PK) AND attribute_not_exists(deleting)";

impl Db {
    fn profile_active(&self, user_id: &str) -> anyhow::Result<TransactWriteItem> {
        self.tx_check(&keys::user(user_id), PROFILE_ACTIVE, &[])
    }
}

fn group_item(group: &Group) -> anyhow::Result<Item> {
    let feed = keys::group_feed_index(&group.starts_at, &group.group_id);
    let hosted = keys::hosted_group_index(&group.user_id, &group.starts_at, &group.group_id);
    let by_region = keys::group_region_index(group.region, &group.starts_at, &group.group_id);
    Stored::new(keys::group(&group.group_id), GROUP_TYPE, group)
        .gsi1(feed)
        .gsi2(hosted)
        .gsi3(by_region)
        .item()
}

/// The run's 14 composite feed entries (GSI6, docs/data-model.md "Run
/// feed"): put in every transaction that puts its META, so they follow each
/// edit (same keys: a Put replaces them).
fn feed_entry_items(group: &Group) -> anyhow::Result<Vec<Item>> {
    let row = FeedRow::of(group.clone());
    row.combos()
        .iter()
        .map(|combo| {
            let index = keys::group_combo_index(combo, &group.starts_at, &group.group_id);
            let mut item = Stored::new(
                keys::group_feed_entry(&group.group_id, combo),
                FEED_ENTRY_TYPE,
                &row,
            )
            .item()?;
            item.insert(keys::GSI6PK.into(), s(&index.pk));
            item.insert(keys::GSI6SK.into(), s(&index.sk));
            Ok(item)
        })
        .collect()
}

/// The keys of a run's feed entries (the same 14 whatever its values).
pub(super) fn feed_entry_keys(group: &Group) -> Vec<Key> {
    FeedRow::of(group.clone())
        .combos()
        .iter()
        .map(|combo| keys::group_feed_entry(&group.group_id, combo))
        .collect()
}

fn text_item(group_id: &str, text: &GroupText) -> anyhow::Result<Item> {
    Stored::new(keys::group_text(group_id), TEXT_TYPE, text).item()
}

fn member_item(member: &Member) -> anyhow::Result<Item> {
    let index = keys::applied_group_index(&member.user_id, &member.starts_at, &member.group_id);
    Stored::new(
        keys::apply(&member.group_id, &member.user_id),
        MEMBER_TYPE,
        member,
    )
    .gsi2(index)
    .item()
}

/// The instant a run write happens (its `createdAt` / `updatedAt`).
fn written_at(instant: &str) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    crate::time::parse_instant(instant).context("the run's write time is not an instant")
}

/// Items of several kinds, sorted out by their `type` (the store's own
/// bag: callers get the intent-level shapes below).
#[derive(Debug, Default)]
struct Loaded {
    groups: HashMap<String, Group>,
    texts: Vec<GroupText>,
    members: Vec<Member>,
    users: HashMap<String, User>,
    /// Members (user ids) who evaluated the host (`EVAL#` markers).
    evaluated: Vec<String>,
}

impl Loaded {
    /// Sorts a mixed read out ([`Mixed`]), each kind in read order.
    fn from_items(items: Vec<Item>) -> anyhow::Result<Self> {
        let mut mixed = Mixed::new(items);
        Ok(Self {
            groups: mixed
                .decode::<Group>(GROUP_TYPE)?
                .into_iter()
                .map(|g| (g.group_id.clone(), g))
                .collect(),
            texts: mixed.decode(TEXT_TYPE)?,
            members: mixed.decode(MEMBER_TYPE)?,
            users: mixed.users(),
            evaluated: mixed
                .take(EVALUATION_TYPE)
                .iter()
                .filter_map(|item| item.get("userId")?.as_s().ok().cloned())
                .collect(),
        })
    }

    /// The run and the one membership read with it.
    fn into_part(mut self, group_id: &str) -> MyPart {
        MyPart {
            run: self.groups.remove(group_id),
            membership: self.members.pop(),
        }
    }

    /// The run's collection, when the run is in it.
    fn into_run(mut self, group_id: &str) -> Option<RunWithMembers> {
        let run = self.groups.remove(group_id)?;
        Some(RunWithMembers {
            run,
            text: self.texts.into_iter().next(),
            members: self.members,
        })
    }
}

/// A run with its text and every member, the host included.
#[derive(Debug, Clone)]
pub struct RunWithMembers {
    pub run: Group,
    pub text: Option<GroupText>,
    pub members: Vec<Member>,
}

/// A run (when it exists) and one person's membership of it (when any).
#[derive(Debug, Clone, Default)]
pub struct MyPart {
    pub run: Option<Group>,
    pub membership: Option<Member>,
}

/// [`MyPart`] plus whether the person has already evaluated the host.
#[derive(Debug, Clone, Default)]
pub struct MyEvaluation {
    pub part: MyPart,
    pub evaluated_host: bool,
}

/// One run of a list page: read already, or known by id and host only
/// (a composite feed entry, a membership).
#[derive(Debug, Clone)]
pub enum ListedRun {
    Read(Box<Group>),
    Id { group_id: String, host_id: String },
}

impl ListedRun {
    fn group_id(&self) -> &str {
        match self {
            Self::Read(g) => &g.group_id,
            Self::Id { group_id, .. } => group_id,
        }
    }

    fn host_id(&self) -> &str {
        match self {
            Self::Read(g) => &g.user_id,
            Self::Id { host_id, .. } => host_id,
        }
    }
}

impl From<Group> for ListedRun {
    fn from(group: Group) -> Self {
        Self::Read(Box::new(group))
    }
}

impl From<FeedRow> for ListedRun {
    fn from(row: FeedRow) -> Self {
        match row.group {
            Some(group) => Self::from(group),
            None => Self::Id {
                group_id: row.group_id,
                host_id: row.user_id,
            },
        }
    }
}

impl From<&Member> for ListedRun {
    fn from(member: &Member) -> Self {
        Self::Id {
            group_id: member.group_id.clone(),
            host_id: member.host_id.clone(),
        }
    }
}

/// A list page ready to render: its runs in the order asked (a run deleted
/// since it was listed is left out), the hosts' profiles (and the list
/// subject's, when asked) and one person's memberships of those runs.
#[derive(Debug, Clone, Default)]
pub struct RunList {
    pub runs: Vec<Group>,
    pub users: HashMap<String, User>,
    pub memberships: Vec<Member>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum CreateGroupOutcome {
    Created,
    /// The same user created a run less than 10 s ago.
    Throttled,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ApplyOutcome {
    Applied,
    AlreadyMember,
    /// Full, started or gone by the time the write ran.
    Refused,
}

#[derive(Debug, PartialEq, Eq)]
pub enum CancelOutcome {
    Cancelled,
    NotMember,
}

impl Db {
    /// `GetItem GROUP#<gid> / A#META`.
    pub async fn group(&self, group_id: &str) -> anyhow::Result<Option<Group>> {
        self.get(&keys::group(group_id), false, None, "group").await
    }

    /// Creates a run, its text and the host's membership in one transaction,
    /// guarded by the per-user 10-second creation marker.
    pub async fn create_group(
        &self,
        group: &Group,
        text: &GroupText,
        host: &Member,
        now: i64,
    ) -> anyhow::Result<CreateGroupOutcome> {
        let throttle = keys::throttle(&group.user_id, "group-create");
        let mut items = vec![
            self.tx_throttle(&throttle, now, now + 10)?,
            self.tx_put(group_item(group)?, Some("attribute_not_exists(PK)"), &[])?,
            self.tx_put(text_item(&group.group_id, text)?, None, &[])?,
            self.tx_put(member_item(host)?, None, &[])?,
            self.profile_active(&host.user_id)?,
        ];
        // The run's reminders, in the same transaction (docs/reminders.md).
        items.extend(self.reminder_puts(group, written_at(&group.created_at)?)?);
        for entry in feed_entry_items(group)? {
            items.push(self.tx_put(entry, None, &[])?);
        }
        let outcome = self
            .transact_retrying(items)
            .await
            .context("create group")?;
        match outcome.first_failed() {
            None => Ok(CreateGroupOutcome::Created),
            Some(0) => Ok(CreateGroupOutcome::Throttled),
            Some(4) => bail!("create group: the host's account is being deleted"),
            Some(_) => bail!("create group: the run id is taken"),
        }
    }

    /// A run with its text and every member (one Query of the run's
    /// detail collection); `None` when the run does not exist.
    pub async fn run_with_members(&self, group_id: &str) -> anyhow::Result<Option<RunWithMembers>> {
        self.run_collection(group_id, false).await
    }

    /// [`Db::run_with_members`] read strongly consistent: whoever cancelled
    /// is gone, whoever joined a moment ago is there.
    pub async fn run_with_members_now(
        &self,
        group_id: &str,
    ) -> anyhow::Result<Option<RunWithMembers>> {
        self.run_collection(group_id, true).await
    }

    async fn run_collection(
        &self,
        group_id: &str,
        consistent: bool,
    ) -> anyhow::Result<Option<RunWithMembers>> {
        let items = query_all(
            self.client
                .query()
                .table_name(&self.table)
                .consistent_read(consistent)
                .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
                .expression_attribute_values(":pk", s(&keys::group_pk(group_id)))
                .expression_attribute_values(":prefix", s(keys::GROUP_DETAIL_PREFIX)),
        )
        .await
        .context("query group")?;
        Ok(Loaded::from_items(items)?.into_run(group_id))
    }

    /// Every item of a run's partition (cascade delete): the run, its text,
    /// members, comments, replies and chat.
    pub async fn group_partition_keys(&self, group_id: &str) -> anyhow::Result<Vec<Key>> {
        let items = query_all(
            self.client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk")
                .projection_expression("PK, SK")
                .expression_attribute_values(":pk", s(&keys::group_pk(group_id))),
        )
        .await
        .context("query group partition")?;
        Ok(items
            .into_iter()
            .filter_map(|i| {
                Some(Key {
                    pk: i.get(keys::PK)?.as_s().ok()?.clone(),
                    sk: i.get(keys::SK)?.as_s().ok()?.clone(),
                })
            })
            .collect())
    }

    /// The `limit` runs starting last from `from` on, latest first (one
    /// limited Query on GSI1: the landing page's runs).
    pub async fn latest_runs(&self, from: &str, limit: i32) -> anyhow::Result<Vec<Group>> {
        let (rows, _) = self
            .feed_page(&FeedPartition::All, Some(from), None, true, None, limit)
            .await?;
        Ok(rows.into_iter().filter_map(|row| row.group).collect())
    }

    /// One page of a feed index partition between two start keys (`low`
    /// inclusive, `high` exclusive; `None` = open), in start order or
    /// reversed, continuing after `after`: every run (GSI1 `GROUPS`), one
    /// region's (GSI3 `GROUPS#R<r>`) or one filter combination's (GSI6, rows
    /// without the run attached). Returns the rows and where the next page
    /// starts (`None` at the end).
    pub async fn feed_page(
        &self,
        partition: &FeedPartition,
        low: Option<&str>,
        high: Option<&str>,
        newest_first: bool,
        after: Option<Item>,
        limit: i32,
    ) -> anyhow::Result<(Vec<FeedRow>, Option<Item>)> {
        let (index, pk_name, sk_name, pk) = match partition {
            FeedPartition::All => (
                keys::GSI1,
                keys::GSI1PK,
                keys::GSI1SK,
                keys::GROUPS.to_owned(),
            ),
            FeedPartition::Region(r) => (
                keys::GSI3,
                keys::GSI3PK,
                keys::GSI3SK,
                keys::group_region_pk(*r),
            ),
            FeedPartition::Combo(combo) => (
                keys::GSI6,
                keys::GSI6PK,
                keys::GSI6SK,
                keys::group_combo_pk(combo),
            ),
        };
        // Keys are `<start>#<id>`, so `<= high` (the bare instant) excludes
        // runs starting exactly at `high`.
        // Instants start with a digit: "0" is below every key.
        let low = low.unwrap_or("0");
        let high = high.unwrap_or("~");
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression(format!(
                "{pk_name} = :pk AND {sk_name} BETWEEN :low AND :high"
            ))
            .expression_attribute_values(":pk", s(&pk))
            .expression_attribute_values(":low", s(low))
            .expression_attribute_values(":high", s(high))
            .scan_index_forward(!newest_first)
            .limit(limit)
            .set_exclusive_start_key(after)
            .send()
            .await
            .context("query groups")?;
        let items = out.items.unwrap_or_default();
        let rows = match partition {
            FeedPartition::Combo(_) => {
                serde_dynamo::from_items(items).context("decode feed entries")?
            }
            _ => serde_dynamo::from_items::<_, Group>(items)
                .context("decode groups")?
                .into_iter()
                .map(FeedRow::of)
                .collect(),
        };
        Ok((rows, out.last_evaluated_key.filter(|k| !k.is_empty())))
    }

    /// One-off backfill of the feed entries of runs written before GSI6
    /// existed (docs/data-model.md, "Deploying"): every run in GSI1 from
    /// `from` on (`None`: all) gets its 14 entries. Idempotent. Returns how
    /// many runs were written.
    pub async fn backfill_feed_entries(&self, from: Option<&str>) -> anyhow::Result<usize> {
        let mut after = None;
        let mut count = 0;
        loop {
            let (rows, next) = self
                .feed_page(&FeedPartition::All, from, None, false, after, 100)
                .await?;
            for group in rows.into_iter().filter_map(|row| row.group) {
                if self.put_feed_entries(group).await? {
                    count += 1;
                }
            }
            match next {
                Some(key) => after = Some(key),
                None => return Ok(count),
            }
        }
    }

    /// Puts a run's entries in one transaction conditioned on its META still
    /// having the start and thema they are built from; a run edited
    /// meanwhile is read again, a deleted one is skipped (`false`).
    async fn put_feed_entries(&self, mut group: Group) -> anyhow::Result<bool> {
        for _ in 0..8 {
            let check = self.tx_check(
                &keys::group(&group.group_id),
                "startsAt = :start AND thema = :thema",
                &[(":start", s(&group.starts_at)), (":thema", s(&group.thema))],
            )?;
            let mut items = vec![check];
            for entry in feed_entry_items(&group)? {
                items.push(self.tx_put(entry, None, &[])?);
            }
            if self.transact_if(items, "backfill feed entries").await? {
                return Ok(true);
            }
            match self.group(&group.group_id).await? {
                Some(current) => group = current,
                None => return Ok(false),
            }
        }
        bail!("backfill of run {}: it kept changing", group.group_id)
    }

    /// Runs the user applied to (host included) starting at or after `from_utc`.
    pub async fn applied_run_ids_from(
        &self,
        user_id: &str,
        from_utc: &str,
    ) -> anyhow::Result<Vec<String>> {
        self.run_ids_from(user_id, keys::APPLY, from_utc).await
    }

    /// Runs the user hosts starting at or after `from_utc`.
    pub async fn hosted_run_ids_from(
        &self,
        user_id: &str,
        from_utc: &str,
    ) -> anyhow::Result<Vec<String>> {
        self.run_ids_from(user_id, keys::HOSTED, from_utc).await
    }

    /// Group ids of a user's runs under `prefix` (`keys::APPLY` joined,
    /// `keys::HOSTED` hosted) starting at or after `from_utc`, in start
    /// order: one paged `Query` on GSI2, keys only.
    async fn run_ids_from(
        &self,
        user_id: &str,
        prefix: &str,
        from_utc: &str,
    ) -> anyhow::Result<Vec<String>> {
        let (from, to) = keys::runs_from(prefix, from_utc);
        let items = query_all(
            self.user_range_query(user_id, &from, &to)
                .projection_expression("GSI2SK"),
        )
        .await
        .context("query user runs")?;
        Ok(items
            .iter()
            .filter_map(|item| {
                item.get(keys::GSI2SK)
                    .and_then(|v| v.as_s().ok())
                    .and_then(|sk| keys::group_id_of_run(sk))
                    .map(str::to_owned)
            })
            .collect())
    }

    /// A user's profile with their evaluation counters, plus runs, in one
    /// BatchGetItem (the `/auth/info` read after the runs query).
    pub async fn profile_with_groups(
        &self,
        user_id: &str,
        group_ids: &[String],
    ) -> anyhow::Result<(Option<(User, EvaluationCounts)>, Vec<Group>)> {
        let mut wanted = vec![keys::user(user_id)];
        wanted.extend(group_ids.iter().map(|g| keys::group(g)));
        let items = self
            .batch_get(&wanted)
            .await
            .context("get profile and runs")?;
        let mut mixed = Mixed::new(items);
        let groups = mixed.decode::<Group>("Group")?;
        let mut profile = None;
        for item in mixed.take("User") {
            let user = serde_dynamo::from_item::<_, User>(item.clone());
            let counts = serde_dynamo::from_item::<_, EvaluationCounts>(item);
            match (user, counts) {
                (Ok(user), Ok(counts)) => profile = Some((user, counts)),
                // Read like a deleted user (`users::decode_user`).
                (Err(e), _) | (_, Err(e)) => {
                    tracing::warn!(error = %e, "skipped a malformed user item");
                }
            }
        }
        Ok((profile, groups))
    }

    /// Runs by id (BatchGetItem); missing ones are absent.
    pub async fn groups(&self, group_ids: &[String]) -> anyhow::Result<Vec<Group>> {
        let wanted: Vec<Key> = group_ids.iter().map(|g| keys::group(g)).collect();
        let items = self.batch_get(&wanted).await.context("get groups")?;
        serde_dynamo::from_items(items).context("decode groups")
    }

    /// Runs hosted by a user (GSI2 `USER#u / HOST#…`).
    pub async fn hosted_groups(&self, user_id: &str) -> anyhow::Result<Vec<Group>> {
        let items = query_all(self.user_prefix_query(user_id, keys::HOSTED))
            .await
            .context("query hosted groups")?;
        serde_dynamo::from_items(items).context("decode groups")
    }

    /// A user's memberships whose run starts in `[from, to)` (UTC instant keys; `None` = open).
    pub async fn memberships(
        &self,
        user_id: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> anyhow::Result<Vec<Member>> {
        let low = format!("{}{}", keys::APPLY, from.unwrap_or(""));
        let high = format!("{}{}", keys::APPLY, to.unwrap_or("~"));
        let items = query_all(self.user_range_query(user_id, &low, &high))
            .await
            .context("query memberships")?;
        serde_dynamo::from_items(items).context("decode memberships")
    }

    /// Loads mixed keys (runs, members, users, evaluation markers) in one BatchGetItem.
    async fn load(&self, keys: &[Key]) -> anyhow::Result<Loaded> {
        if keys.is_empty() {
            return Ok(Loaded::default());
        }
        Loaded::from_items(self.batch_get(keys).await?)
    }

    /// A run and the user's membership of it (one BatchGetItem).
    pub async fn my_part(&self, group_id: &str, user_id: &str) -> anyhow::Result<MyPart> {
        let loaded = self
            .load(&[keys::group(group_id), keys::apply(group_id, user_id)])
            .await?;
        Ok(loaded.into_part(group_id))
    }

    /// A run, the user's membership and whether they evaluated its host
    /// (one BatchGetItem).
    pub async fn my_evaluation(
        &self,
        group_id: &str,
        user_id: &str,
    ) -> anyhow::Result<MyEvaluation> {
        let loaded = self
            .load(&[
                keys::group(group_id),
                keys::apply(group_id, user_id),
                keys::evaluation(group_id, user_id),
            ])
            .await?;
        let evaluated_host = loaded.evaluated.iter().any(|u| u == user_id);
        Ok(MyEvaluation {
            part: loaded.into_part(group_id),
            evaluated_host,
        })
    }

    /// What a page of a run list needs, in ONE BatchGetItem: the runs not
    /// read yet, every host's profile, `member`'s membership of each run and
    /// `subject`'s profile (a list about someone must know they exist).
    pub async fn run_list(
        &self,
        runs: impl IntoIterator<Item = ListedRun>,
        member: Option<&str>,
        subject: Option<&str>,
    ) -> anyhow::Result<RunList> {
        let runs: Vec<ListedRun> = runs.into_iter().collect();
        let mut wanted: Vec<Key> = subject.map(keys::user).into_iter().collect();
        for run in &runs {
            if let ListedRun::Id { group_id, .. } = run {
                wanted.push(keys::group(group_id));
            }
            wanted.push(keys::user(run.host_id()));
            if let Some(m) = member {
                wanted.push(keys::apply(run.group_id(), m));
            }
        }
        let mut loaded = self.load(&wanted).await?;
        let runs = runs
            .into_iter()
            .filter_map(|run| match run {
                ListedRun::Read(group) => Some(*group),
                ListedRun::Id { group_id, .. } => loaded.groups.remove(&group_id),
            })
            .collect();
        Ok(RunList {
            runs,
            users: loaded.users,
            memberships: loaded.members,
        })
    }

    /// Joins a run: the membership and `applyCount + 1` in one transaction,
    /// conditioned on capacity, the run still existing and not started, and
    /// its start still being the member's `startsAt` (an edit that moved the
    /// start meanwhile would leave this member's index entry behind).
    pub async fn add_member(&self, member: &Member, now_key: &str) -> anyhow::Result<ApplyOutcome> {
        let group_key = keys::group(&member.group_id);
        let count = self.tx_update(
            &group_key,
            "SET applyCount = applyCount + :one",
            Some(
                "attribute_exists(PK) AND applyCount < maxPeople AND startsAt > :now \
                 AND startsAt = :start",
            ),
            &[
                (":one", n(1)),
                (":now", s(now_key)),
                (":start", s(&member.starts_at)),
            ],
        )?;
        let items = vec![
            self.tx_put(member_item(member)?, Some("attribute_not_exists(PK)"), &[])?,
            count,
            self.profile_active(&member.user_id)?,
        ];
        let outcome = self.transact_retrying(items).await.context("add member")?;
        match outcome.first_failed() {
            None => Ok(ApplyOutcome::Applied),
            Some(0) => Ok(ApplyOutcome::AlreadyMember),
            // Full, started, gone — or the member's account is being deleted.
            Some(_) => Ok(ApplyOutcome::Refused),
        }
    }

    /// Leaves a run: the membership and `applyCount − 1` in one transaction.
    pub async fn cancel_apply(
        &self,
        group_id: &str,
        user_id: &str,
    ) -> anyhow::Result<CancelOutcome> {
        let delete = self.tx_delete(
            &keys::apply(group_id, user_id),
            Some("attribute_exists(PK)"),
            &[],
        )?;
        let count = self.tx_update(
            &keys::group(group_id),
            "SET applyCount = applyCount - :one",
            Some("attribute_exists(PK) AND applyCount > :zero"),
            &[(":one", n(1)), (":zero", n(0))],
        )?;
        if self
            .transact_if(vec![delete, count], "cancel apply")
            .await?
        {
            Ok(CancelOutcome::Cancelled)
        } else {
            Ok(CancelOutcome::NotMember)
        }
    }

    /// The current member count (strongly consistent).
    pub async fn apply_count(&self, group_id: &str) -> anyhow::Result<u32> {
        let item = self
            .get_item_at(
                &keys::group(group_id),
                true,
                Some("applyCount"),
                "apply count",
            )
            .await?;
        Ok(item
            .and_then(|i| {
                i.get("applyCount")
                    .and_then(|v| v.as_n().ok())
                    .and_then(|v| v.parse().ok())
            })
            .unwrap_or(0))
    }

    /// Replaces a run (its META, text, reminders and feed entries) and moves
    /// its members' index entries, if it is as read: same host, same
    /// `applyCount`, `imagesResized` still `resized_when_read`. `Ok(false)`:
    /// it changed meanwhile (read it again and retry). One transaction.
    pub async fn update_group(
        &self,
        group: &Group,
        resized_when_read: bool,
        text: &GroupText,
        members: &[Member],
    ) -> anyhow::Result<bool> {
        // Optimistic concurrency: the META is replaced only if no one joined or
        // left since it was read (the Put carries that read's applyCount) and
        // the resize function did not mark its images meanwhile (a stale
        // `imagesResized = false` would serve the originals until the next upload).
        let marker = if resized_when_read {
            "imagesResized = :yes"
        } else {
            "NOT imagesResized = :yes"
        };
        let mut items = vec![
            self.tx_put(
                group_item(group)?,
                Some(&format!(
                    "attribute_exists(PK) AND userId = :host AND applyCount = :count AND {marker}"
                )),
                &[
                    (":host", s(&group.user_id)),
                    (":count", n(i64::from(group.apply_count))),
                    (":yes", AttributeValue::Bool(true)),
                ],
            )?,
            self.tx_put(text_item(&group.group_id, text)?, None, &[])?,
        ];
        // Members keep their own fields (evaluation, attendance); only their
        // index entry follows the new start.
        for member in members {
            let index =
                keys::applied_group_index(&member.user_id, &group.starts_at, &group.group_id);
            items.push(self.tx_update(
                &keys::apply(&group.group_id, &member.user_id),
                "SET startsAt = :start, GSI2SK = :sk",
                Some("attribute_exists(PK)"),
                &[(":start", s(&group.starts_at)), (":sk", s(&index.sk))],
            )?);
        }
        // The reminders follow the new time, in the same transaction (docs/reminders.md).
        items.extend(self.reminder_puts(group, written_at(&group.updated_at)?)?);
        // The feed entries follow the new thema and start (same keys: replaced).
        for entry in feed_entry_items(group)? {
            items.push(self.tx_put(entry, None, &[])?);
        }
        if items.len() > 100 {
            bail!(
                "a run with {} members cannot be edited in one transaction",
                members.len()
            );
        }
        self.transact_if(items, "update group").await
    }

    /// Deletes the run's META item if `host` hosts it: from this moment the
    /// run is gone for every reader and no one can join it.
    pub async fn delete_group_meta(&self, group_id: &str, host: &str) -> anyhow::Result<bool> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(super::key_map(&keys::group(group_id))))
            .condition_expression("attribute_exists(PK) AND userId = :host")
            .expression_attribute_values(":host", s(host))
            .send()
            .await;
        Ok(written(result, "delete group")?.is_some())
    }

    /// Submits the attendance sheet once (conditioned on the host's flag
    /// still being unset): every member's flag, and +1 manner point for each
    /// attendee, clamped at 100. An attendee already at 100, or whose account
    /// is gone, gets no update (never a partial profile); a member who left
    /// meanwhile is dropped. Each point update is conditioned on the value
    /// read, so a concurrent change makes it re-read and retry.
    pub async fn submit_attendance(
        &self,
        group: &Group,
        members: &[Member],
        attendees: &[String],
    ) -> anyhow::Result<bool> {
        let mut members: Vec<&Member> = members.iter().collect();
        for _ in 0..8 {
            let ids: Vec<&str> = attendees.iter().map(String::as_str).collect();
            let points = self.manner_points(&ids).await?;
            let mut items = Vec::with_capacity(members.len() + attendees.len());
            let mut host_part = None;
            for member in &members {
                let is_host = member.user_id == group.user_id;
                let key = keys::apply(&group.group_id, &member.user_id);
                let yes = (":yes", AttributeValue::Bool(true));
                let update = if is_host {
                    host_part = Some(items.len());
                    self.tx_update(
                        &key,
                        "SET attendance = :yes",
                        Some("attribute_exists(PK) AND attendance = :no"),
                        &[yes, (":no", AttributeValue::Bool(false))],
                    )?
                } else {
                    self.tx_update(
                        &key,
                        "SET attendance = :yes",
                        Some("attribute_exists(PK)"),
                        &[yes],
                    )?
                };
                items.push(update);
            }
            let first_point = items.len();
            for (user_id, seen) in &points {
                if *seen < super::users::MAX_MANNER_POINT {
                    items.push(self.manner_point_from(user_id, *seen, 1)?);
                }
            }
            if items.len() > 100 {
                bail!(
                    "attendance of {} members does not fit one transaction",
                    members.len()
                );
            }
            let failed = match self
                .transact_retrying(items)
                .await
                .context("submit attendance")?
            {
                TxOutcome::Done => return Ok(true),
                TxOutcome::ConditionFailed(parts) => parts,
            };
            if host_part.is_some_and(|h| failed.contains(&h)) {
                return Ok(false);
            }
            // Members who left are dropped; changed points are read again.
            let gone: Vec<String> = failed
                .iter()
                .filter(|i| **i < first_point)
                .map(|i| members[*i].user_id.clone())
                .collect();
            members.retain(|m| !gone.contains(&m.user_id));
        }
        bail!("submit attendance kept racing")
    }

    /// Evaluates the run's host once per (run, member), for good: the
    /// member's `evaluation` (must still be 0) and the `EVAL#` marker (must
    /// not exist: leaving and rejoining cannot evaluate again), with the
    /// host's `eval<k>` counter and `mannerPoint ± 1` kept within 0..=100
    /// (at a bound only the counter moves). Every host update is conditioned
    /// on the host's profile existing: a host whose account is gone gets no
    /// (partial) profile, and the evaluation is still recorded.
    pub async fn evaluate_host(
        &self,
        group: &Group,
        user_id: &str,
        category: u8,
        point: i8,
    ) -> anyhow::Result<EvaluateOutcome> {
        let marker = Stored::new(
            keys::evaluation(&group.group_id, user_id),
            EVALUATION_TYPE,
            &serde_json::json!({ "userId": user_id, "evaluation": category }),
        )
        .item()?;
        for host_update in [
            HostUpdate::PointAndCounter,
            HostUpdate::Counter,
            HostUpdate::None,
        ] {
            let member = self.tx_update(
                &keys::apply(&group.group_id, user_id),
                "SET evaluation = :category",
                Some("attribute_exists(PK) AND evaluation = :zero"),
                &[(":category", n(i64::from(category))), (":zero", n(0))],
            )?;
            let mut items = vec![
                member,
                self.tx_put(marker.clone(), Some("attribute_not_exists(PK)"), &[])?,
            ];
            match host_update {
                HostUpdate::PointAndCounter => items.push(self.manner_point_change_with_counter(
                    &group.user_id,
                    point,
                    category,
                )?),
                HostUpdate::Counter => items.push(self.tx_update(
                    &keys::user(&group.user_id),
                    &format!("ADD eval{category} :one"),
                    Some("attribute_exists(PK)"),
                    &[(":one", n(1))],
                )?),
                HostUpdate::None => {}
            }
            let outcome = self
                .transact_retrying(items)
                .await
                .context("evaluate host")?;
            match outcome.first_failed() {
                None => return Ok(EvaluateOutcome::Done),
                Some(0 | 1) => return Ok(EvaluateOutcome::AlreadyEvaluated),
                // The point is at a bound, or the host's profile is gone.
                Some(_) => continue,
            }
        }
        bail!("evaluate host: no attempt succeeded")
    }
}

#[derive(Clone, Copy)]
enum HostUpdate {
    PointAndCounter,
    Counter,
    None,
}

#[derive(Debug, PartialEq, Eq)]
pub enum EvaluateOutcome {
    Done,
    AlreadyEvaluated,
}
