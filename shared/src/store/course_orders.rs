//! The course feed's orderings as index entries, so a feed page or the top-3
//! ranking reads only what it shows (docs/data-model.md, "Course orderings").
//!
//! * newest first: GSI1 `COURSES` (all) and GSI3 `COURSES#R<r>` (a region),
//!   entries of `META` itself, projected `ALL`;
//! * `rank` (rankPoint): GSI4 `CORD#rank` and GSI5 `CORD#rank#R<r>`, entries
//!   of `META` (projected with the list attributes, so the ranking is one Query);
//! * `star`, `comment`, `bookmark`: GSI4 `CORD#<order>` and GSI5
//!   `CORD#<order>#R<r>`, entries of small `CORDER#<cid> / <order>` items beside the
//!   course's partition (keys only; the page's `META`s are then batch-read).
//!
//! The numeric sort key `ORDN` (`course::order_key`) changes with an `ADD`
//! in the very transaction or update that changes the count it follows, so a
//! count and its ordering can never disagree.

use std::collections::HashSet;

use anyhow::Context;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use super::batch::{query_all, query_up_to};
use super::keys;
use super::tx::s;
use super::{Db, Item};
use crate::domain::course::{Course, CourseOrder, ORDER_SCALE};
use crate::domain::user::User;

pub(super) const ORDER_TYPE: &str = "CourseOrder";

fn number(value: i128) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// Adds the index attributes of `META`: its GSI3 entry (newest of its region)
/// and its `rank` ordering (GSI4/GSI5).
pub(super) fn add_meta_index_attributes(item: &mut Item, course: &Course) {
    let region = keys::course_region_index(course.region, &course.created_at, &course.course_id);
    item.insert(keys::GSI3PK.into(), s(&region.pk));
    item.insert(keys::GSI3SK.into(), s(&region.sk));
    add_order_attributes(item, CourseOrder::Rank, course);
}

fn add_order_attributes(item: &mut Item, order: CourseOrder, course: &Course) {
    item.insert(
        keys::ORDER_PK.into(),
        s(&keys::course_order_pk(order.name())),
    );
    item.insert(
        keys::ORDER_REGION_PK.into(),
        s(&keys::course_order_region_pk(order.name(), course.region)),
    );
    item.insert(keys::ORDER_N.into(), number(order.key(course)));
}

/// The `CORDER#<cid> / <order>` item of a course (for the shadowed orderings).
pub(super) fn order_item(course: &Course, order: CourseOrder) -> Item {
    let mut item = super::key_map(&keys::course_order(&course.course_id, order.name()));
    item.insert("type".into(), s(ORDER_TYPE));
    item.insert("courseId".into(), s(&course.course_id));
    add_order_attributes(&mut item, order, course);
    item
}

/// `ADD ORDN :delta·10²³` for an ordering whose primary value changed by
/// `delta` (the tiebreak part never changes).
pub(super) fn order_delta(delta: i64) -> AttributeValue {
    number(i128::from(delta) * ORDER_SCALE)
}

impl Db {
    /// Transaction part: moves a shadowed ordering entry by `delta`. No
    /// condition: the same transaction's `META` update carries it.
    pub(super) fn tx_order_add(
        &self,
        course_id: &str,
        order: CourseOrder,
        delta: i64,
    ) -> anyhow::Result<TransactWriteItem> {
        self.tx_update(
            &keys::course_order(course_id, order.name()),
            "ADD ORDN :d",
            None,
            &[(":d", order_delta(delta))],
        )
    }

    /// Transaction part: sets a shadowed ordering entry to the course's value.
    pub(super) fn tx_order_set(
        &self,
        course: &Course,
        order: CourseOrder,
    ) -> anyhow::Result<TransactWriteItem> {
        self.tx_put(order_item(course, order), None, &[])
    }

    /// The first `limit` course ids of an ordering, best first (GSI4 for all
    /// regions, GSI5 for one), read backwards; keys only.
    pub async fn course_ids_by_order(
        &self,
        order: CourseOrder,
        region: Option<u8>,
        limit: usize,
    ) -> anyhow::Result<Vec<String>> {
        let (index, attribute, pk) = match region {
            None => (
                keys::GSI4,
                keys::ORDER_PK,
                keys::course_order_pk(order.name()),
            ),
            Some(r) => (
                keys::GSI5,
                keys::ORDER_REGION_PK,
                keys::course_order_region_pk(order.name(), r),
            ),
        };
        let items = self
            .newest_entries(index, attribute, &pk, Some(limit), Some("PK"))
            .await
            .context("query course ordering")?;
        Ok(items
            .iter()
            .filter_map(|i| i.get(keys::PK)?.as_s().ok())
            .filter_map(|pk| pk.strip_prefix(keys::COURSE_ORDER))
            .map(str::to_owned)
            .collect())
    }

    /// The top `limit` courses by rank point (ties: newest first) among all
    /// courses or one region's: one Query returning the list attributes.
    pub async fn course_ranking(
        &self,
        region: Option<u8>,
        limit: usize,
    ) -> anyhow::Result<Vec<Course>> {
        let order = CourseOrder::Rank;
        let (index, attribute, pk) = match region {
            None => (
                keys::GSI4,
                keys::ORDER_PK,
                keys::course_order_pk(order.name()),
            ),
            Some(r) => (
                keys::GSI5,
                keys::ORDER_REGION_PK,
                keys::course_order_region_pk(order.name(), r),
            ),
        };
        let items = self
            .newest_entries(index, attribute, &pk, Some(limit), None)
            .await
            .context("query course ranking")?;
        serde_dynamo::from_items(items).context("decode ranked courses")
    }

    /// The first `limit` courses newest first: all (GSI1) or of one region (GSI3).
    pub async fn newest_courses_in(
        &self,
        region: Option<u8>,
        limit: usize,
    ) -> anyhow::Result<Vec<Course>> {
        let (index, attribute, pk) = match region {
            None => (keys::GSI1, keys::GSI1PK, keys::COURSES.to_owned()),
            Some(r) => (keys::GSI3, keys::GSI3PK, keys::course_region_pk(r)),
        };
        // One more than needed shows whether courses created in the same
        // millisecond straddle the end (the index orders those by id
        // descending, the feed by id ascending): then all of that instant are read.
        let items = self
            .newest_entries(index, attribute, &pk, Some(limit.saturating_add(1)), None)
            .await
            .context("query newest courses")?;
        let mut courses: Vec<Course> = serde_dynamo::from_items(items).context("decode courses")?;
        if let (Some(last), Some(next)) = (
            limit.checked_sub(1).and_then(|i| courses.get(i)),
            courses.get(limit),
        ) && last.created_at == next.created_at
        {
            let instant = last.created_at.clone();
            let sk = if region.is_some() {
                keys::GSI3SK
            } else {
                keys::GSI1SK
            };
            let query = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(index)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :at)")
                .expression_attribute_names("#pk", attribute)
                .expression_attribute_names("#sk", sk)
                .expression_attribute_values(":pk", s(&pk))
                .expression_attribute_values(":at", s(&instant));
            let same: Vec<Course> = serde_dynamo::from_items(
                query_all(super::courses::with_list_projection(query))
                    .await
                    .context("query courses of one instant")?,
            )
            .context("decode courses")?;
            courses.retain(|c| c.created_at != instant);
            courses.extend(same);
        }
        crate::domain::course::sort_courses(&mut courses, crate::domain::course::CourseSort::New);
        courses.truncate(limit);
        Ok(courses)
    }

    /// Backwards Query of one index partition for its first `limit` entries,
    /// or all of them (`None`); several requests only past DynamoDB's 1 MB
    /// page. `projection`: `None` = the course list attributes. The one
    /// reader of the course orderings and of the newest-first indexes.
    pub(super) async fn newest_entries(
        &self,
        index: &str,
        attribute: &str,
        pk: &str,
        limit: Option<usize>,
        projection: Option<&str>,
    ) -> anyhow::Result<Vec<Item>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", attribute)
            .expression_attribute_values(":pk", s(pk))
            .scan_index_forward(false);
        let query = match projection {
            Some(p) => query.projection_expression(p),
            None => super::courses::with_list_projection(query),
        };
        match limit {
            Some(limit) => query_up_to(query, limit).await,
            None => query_all(query).await,
        }
    }

    /// A user's profile and the ids of every course they bookmarked, in one
    /// strongly consistent Query of their partition (`PROFILE`,
    /// `PROFILE#BM#<cid>`); `None` when there is no profile. Grows with the
    /// user's own bookmarks only.
    pub async fn profile_and_bookmarks(
        &self,
        user_id: &str,
    ) -> anyhow::Result<Option<(User, HashSet<String>)>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :profile)")
            .expression_attribute_values(":pk", s(&keys::user_pk(user_id)))
            .expression_attribute_values(":profile", s("PROFILE"))
            .consistent_read(true);
        let items = query_all(query).await.context("query profile")?;
        let mut user = None;
        let mut marks = HashSet::new();
        for item in items {
            match item.get(keys::SK).and_then(|v| v.as_s().ok()) {
                Some(sk) if sk == "PROFILE" => user = super::users::decode_user(item),
                Some(sk) => {
                    if let Some(id) = sk.strip_prefix(keys::BOOKMARK_MARKER) {
                        marks.insert(id.to_owned());
                    }
                }
                None => {}
            }
        }
        Ok(user.map(|u| (u, marks)))
    }

    /// Courses by id (BatchGetItem of `META` with the list attributes), in
    /// the order given; missing ones are skipped.
    pub async fn courses_by_ids(&self, ids: &[String]) -> anyhow::Result<Vec<Course>> {
        let wanted: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut found = self.lookup(&[], &wanted, None, &[]).await?.courses;
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }
}
