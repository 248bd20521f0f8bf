//! Courses with their bookmarks and ratings, all in the `COURSE#<id>`
//! collection; counters on `META` change in the same transaction as the
//! bookmark / rating item, so they stay exact under concurrency.

use std::collections::{HashMap, HashSet};

use anyhow::Context;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, Get, ReturnValue, TransactGetItem};
use serde::Serialize;

use super::batch::query_all;
use super::item::{Mixed, Stored};
use super::keys::{self, Key};
use super::tx::TxOutcome;
use super::tx::{n, s, written};
use super::{Db, Item, key_map};
use crate::domain::course::{Course, CourseOrder, StarSummary};
use crate::domain::user::User;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BookmarkItem<'a> {
    #[serde(flatten)]
    key: Key,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "GSI2PK")]
    gsi2pk: String,
    #[serde(rename = "GSI2SK")]
    gsi2sk: String,
    course_id: &'a str,
    user_id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StarItem<'a> {
    #[serde(flatten)]
    key: Key,
    #[serde(rename = "type")]
    kind: &'static str,
    course_id: &'a str,
    user_id: &'a str,
    my_star_point: i64,
}

/// What list items need of a course (no content, route or total time).
const LIST_ATTRIBUTES: &[&str] = &[
    "courseId",
    "userId",
    "title",
    "location",
    "distance",
    "images",
    "imagesResized",
    "thema",
    "region",
    "clickCnt",
    "bookmarkCount",
    "starSum",
    "starCount",
    "commentCount",
    "createdAt",
    "updatedAt",
];

pub(super) fn with_list_projection(mut query: QueryFluentBuilder) -> QueryFluentBuilder {
    let mut names = Vec::with_capacity(LIST_ATTRIBUTES.len());
    for (i, attribute) in LIST_ATTRIBUTES.iter().enumerate() {
        let placeholder = format!("#p{i}");
        query = query.expression_attribute_names(&placeholder, *attribute);
        names.push(placeholder);
    }
    query.projection_expression(names.join(", "))
}

#[derive(Debug, PartialEq, Eq)]
pub enum BookmarkOutcome {
    Added,
    Removed,
    NoCourse,
}

#[derive(Debug, PartialEq, Eq)]
pub enum RateOutcome {
    NoCourse,
    /// The course's summary with this rating applied, and the caller's rating (0 = none).
    Rated {
        stars: StarSummary,
        mine: i64,
    },
}

/// Heterogeneous point reads of one BatchGetItem, decoded by item type.
#[derive(Debug, Default)]
pub struct Lookup {
    pub users: HashMap<String, User>,
    pub courses: HashMap<String, Course>,
    /// Course ids the requested bookmarks exist for.
    pub bookmarked: HashSet<String>,
    /// Course id → the requested user's rating.
    pub stars: HashMap<String, i64>,
}

impl Db {
    /// Puts a new course (never overwrites).
    pub async fn create_course(&self, course: &Course) -> anyhow::Result<()> {
        let feed = keys::course_feed_index(&course.created_at, &course.course_id);
        let authored =
            keys::authored_course_index(&course.user_id, &course.created_at, &course.course_id);
        let mut item = Stored::new(keys::course(&course.course_id), "Course", course)
            .gsi1(feed)
            .gsi2(authored)
            .item()?;
        super::course_orders::add_meta_index_attributes(&mut item, course);
        // The course and its ordering entries appear together.
        let mut parts = vec![self.tx_put(item, Some("attribute_not_exists(PK)"), &[])?];
        for order in CourseOrder::SHADOWED {
            parts.push(self.tx_order_set(course, order)?);
        }
        if self.transact_retrying(parts).await? != TxOutcome::Done {
            anyhow::bail!("put course: the id is taken");
        }
        Ok(())
    }

    /// `GetItem COURSE#<id> / META`.
    pub async fn course(&self, course_id: &str) -> anyhow::Result<Option<Course>> {
        self.get(&keys::course(course_id), false, None, "course")
            .await
    }

    /// A detail view: `ADD clickCnt 1` atomically, returning the course after
    /// it; `None` when the course does not exist.
    pub async fn view_course(&self, course_id: &str) -> anyhow::Result<Option<Course>> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_map(&keys::course(course_id))))
            .update_expression("ADD clickCnt :one, ORDN :rank")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":one", n(1))
            // A click is 10 tenths of rank point, moved in the same update.
            .expression_attribute_values(":rank", super::course_orders::order_delta(10))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match written(result, "count course view")? {
            Some(out) => out
                .attributes
                .map(serde_dynamo::from_item)
                .transpose()
                .context("decode course"),
            None => Ok(None),
        }
    }

    /// The `limit` newest courses, or every course (`None`), newest first
    /// in the index's order (list attributes; one Query on GSI1, backwards,
    /// several only past DynamoDB's 1 MB page).
    pub async fn newest_courses(&self, limit: Option<usize>) -> anyhow::Result<Vec<Course>> {
        let items = self
            .newest_entries(keys::GSI1, keys::GSI1PK, keys::COURSES, limit, None)
            .await
            .context("query newest courses")?;
        serde_dynamo::from_items(items).context("decode courses")
    }

    /// Courses written by a user, newest first (GSI2 `USER#<uid>`, `COURSE#…`).
    pub async fn courses_by_author(&self, user_id: &str) -> anyhow::Result<Vec<Course>> {
        let query = self
            .user_prefix_query(user_id, keys::AUTHORED_COURSE)
            .scan_index_forward(false);
        let items = query_all(with_list_projection(query))
            .await
            .context("query authored courses")?;
        serde_dynamo::from_items(items).context("decode courses")
    }

    /// Ids of the courses a user bookmarked, by course creation, newest first.
    pub async fn bookmarked_course_ids(&self, user_id: &str) -> anyhow::Result<Vec<String>> {
        let query = self
            .user_prefix_query(user_id, keys::BOOKMARK)
            .projection_expression("courseId")
            .scan_index_forward(false);
        let items = query_all(query).await.context("query bookmarks")?;
        Ok(items
            .into_iter()
            .filter_map(|mut item| match item.remove("courseId") {
                Some(AttributeValue::S(id)) => Some(id),
                _ => None,
            })
            .collect())
    }

    /// One BatchGetItem for: user profiles, courses, and `user`'s bookmarks
    /// and ratings on `marks_on` courses.
    pub async fn lookup(
        &self,
        users: &[&str],
        courses: &[&str],
        marks_of: Option<&str>,
        marks_on: &[&str],
    ) -> anyhow::Result<Lookup> {
        let mut wanted: Vec<Key> = users.iter().map(|u| keys::user(u)).collect();
        wanted.extend(courses.iter().map(|c| keys::course(c)));
        if let Some(user) = marks_of {
            for course in marks_on {
                wanted.push(keys::bookmark(course, user));
                wanted.push(keys::star(course, user));
            }
        }
        let mut found = Lookup::default();
        if wanted.is_empty() {
            return Ok(found);
        }
        let mut mixed = Mixed::new(self.batch_get(&wanted).await.context("lookup")?);
        found.users = mixed.users();
        for course in mixed.decode::<Course>("Course")? {
            found.courses.insert(course.course_id.clone(), course);
        }
        for item in mixed.take("Bookmark") {
            if let Some(id) = text(&item, "courseId") {
                found.bookmarked.insert(id.to_owned());
            }
        }
        for item in mixed.take("Star") {
            let value = match item.get("myStarPoint") {
                Some(AttributeValue::N(v)) => v.parse().unwrap_or(0),
                _ => 0,
            };
            if let Some(id) = text(&item, "courseId") {
                found.stars.insert(id.to_owned(), value);
            }
        }
        Ok(found)
    }

    /// Adds the user's bookmark if absent, else removes it, with
    /// `bookmarkCount` in the same transaction. Concurrent toggles by the
    /// same user are resolved by the key conditions (retried).
    pub async fn toggle_bookmark(
        &self,
        course: &Course,
        user_id: &str,
    ) -> anyhow::Result<BookmarkOutcome> {
        let meta = keys::course(&course.course_id);
        let bookmark = keys::bookmark(&course.course_id, user_id);
        let index = keys::bookmarked_course_index(user_id, &course.created_at, &course.course_id);
        let marker = keys::bookmark_marker(user_id, &course.course_id);
        let mut marker_item = key_map(&marker);
        marker_item.insert("type".into(), s("BookmarkMarker"));
        let item: Item = serde_dynamo::to_item(BookmarkItem {
            key: bookmark.clone(),
            kind: "Bookmark",
            gsi2pk: index.pk,
            gsi2sk: index.sk,
            course_id: &course.course_id,
            user_id,
        })
        .context("encode bookmark")?;
        for _ in 0..8 {
            let add = vec![
                self.tx_put(item.clone(), Some("attribute_not_exists(PK)"), &[])?,
                self.tx_update(
                    &meta,
                    "ADD bookmarkCount :d",
                    Some("attribute_exists(PK)"),
                    &[(":d", n(1))],
                )?,
                self.tx_order_add(&course.course_id, CourseOrder::Bookmark, 1)?,
                self.tx_put(marker_item.clone(), None, &[])?,
            ];
            let outcome = self.transact_retrying(add).await?;
            if outcome.failed(1) {
                return Ok(BookmarkOutcome::NoCourse);
            }
            if !outcome.failed(0) {
                return Ok(BookmarkOutcome::Added);
            }
            let remove = vec![
                self.tx_delete(&bookmark, Some("attribute_exists(PK)"), &[])?,
                self.tx_update(
                    &meta,
                    "ADD bookmarkCount :d",
                    Some("attribute_exists(PK)"),
                    &[(":d", n(-1))],
                )?,
                self.tx_order_add(&course.course_id, CourseOrder::Bookmark, -1)?,
                self.tx_delete(&marker, None, &[])?,
            ];
            let outcome = self.transact_retrying(remove).await?;
            if outcome.failed(1) {
                return Ok(BookmarkOutcome::NoCourse);
            }
            if !outcome.failed(0) {
                return Ok(BookmarkOutcome::Removed);
            }
        }
        anyhow::bail!("bookmark toggle kept racing")
    }

    /// Sets (`Some`) or clears (`None`) the user's rating; `starSum` and
    /// `starCount` change in the same transaction, conditioned on the rating
    /// read, so concurrent ratings leave exact sums.
    pub async fn rate_course(
        &self,
        course_id: &str,
        user_id: &str,
        rating: Option<i64>,
    ) -> anyhow::Result<RateOutcome> {
        let meta = keys::course(course_id);
        let star = keys::star(course_id, user_id);
        for _ in 0..32 {
            let (course, old) = self.course_and_star(&meta, &star).await?;
            let Some(course) = course else {
                return Ok(RateOutcome::NoCourse);
            };
            let stars = course.stars();
            let (parts, sum_delta, count_delta) = match (old, rating) {
                (None, None) => return Ok(RateOutcome::Rated { stars, mine: 0 }),
                (Some(o), Some(v)) if o == v => return Ok(RateOutcome::Rated { stars, mine: v }),
                (old, Some(v)) => {
                    let item: Item = serde_dynamo::to_item(StarItem {
                        key: star.clone(),
                        kind: "Star",
                        course_id,
                        user_id,
                        my_star_point: v,
                    })
                    .context("encode rating")?;
                    let put = match old {
                        None => self.tx_put(item, Some("attribute_not_exists(PK)"), &[])?,
                        Some(o) => {
                            self.tx_put(item, Some("myStarPoint = :old"), &[(":old", n(o))])?
                        }
                    };
                    let count = i64::from(old.is_none());
                    (put, v - old.unwrap_or(0), count)
                }
                (Some(o), None) => (
                    self.tx_delete(&star, Some("myStarPoint = :old"), &[(":old", n(o))])?,
                    -o,
                    -1,
                ),
            };
            let after = StarSummary {
                sum: stars.sum + sum_delta,
                count: stars.count + count_delta,
            };
            // Conditioned on the sums (and region) read, so the star ordering
            // and the rank computed from them are exact; a concurrent rating
            // makes this attempt fail and re-read.
            let update = self.tx_update(
                &meta,
                "ADD starSum :sum, starCount :count, ORDN :rank",
                Some(
                    "attribute_exists(PK) AND starSum = :oldSum AND starCount = :oldCount \
                     AND #region = :region",
                ),
                &[
                    (":sum", n(sum_delta)),
                    (":count", n(count_delta)),
                    (
                        ":rank",
                        super::course_orders::order_delta(
                            after.rounded_tenths() - stars.rounded_tenths(),
                        ),
                    ),
                    (":oldSum", n(stars.sum)),
                    (":oldCount", n(stars.count)),
                    (":region", n(i64::from(course.region))),
                ],
            )?;
            let update = with_region_name(update);
            let rated = Course {
                star_sum: after.sum,
                star_count: after.count,
                ..course
            };
            let order = self.tx_order_set(&rated, CourseOrder::Star)?;
            let outcome = self.transact_retrying(vec![parts, update, order]).await?;
            if outcome.failed(1) {
                // Gone, or rated meanwhile: read again.
                continue;
            }
            if !outcome.failed(0) {
                return Ok(RateOutcome::Rated {
                    stars: after,
                    mine: rating.unwrap_or(0),
                });
            }
        }
        anyhow::bail!("rating kept racing")
    }

    /// The course and the user's rating, read consistently in one round-trip.
    async fn course_and_star(
        &self,
        meta: &Key,
        star: &Key,
    ) -> anyhow::Result<(Option<Course>, Option<i64>)> {
        let get = |key: &Key| -> anyhow::Result<TransactGetItem> {
            Ok(TransactGetItem::builder()
                .get(
                    Get::builder()
                        .table_name(&self.table)
                        .set_key(Some(key_map(key)))
                        .build()?,
                )
                .build())
        };
        let out = self
            .client
            .transact_get_items()
            .transact_items(get(meta)?)
            .transact_items(get(star)?)
            .send()
            .await
            .context("read course and rating")?;
        let mut responses = out.responses.unwrap_or_default().into_iter();
        let course = responses
            .next()
            .and_then(|r| r.item)
            .map(serde_dynamo::from_item::<_, Course>)
            .transpose()
            .context("decode course")?;
        let star =
            responses
                .next()
                .and_then(|r| r.item)
                .and_then(|item| match item.get("myStarPoint") {
                    Some(AttributeValue::N(v)) => v.parse().ok(),
                    _ => None,
                });
        Ok((course, star))
    }

    /// Writes the editable fields of a course (counters untouched) and moves
    /// its region-scoped index entries with its region, in one transaction.
    pub async fn update_course(&self, course: &Course) -> anyhow::Result<()> {
        let images = serde_dynamo::to_attribute_value(&course.images).context("encode images")?;
        let optional = |v: &Option<String>| v.as_deref().map_or(AttributeValue::Null(true), s);
        let meta = self.tx_update_named(
            &keys::course(&course.course_id),
            "SET title = :title, content = :content, #location = :location, #region = :region, \
             distance = :distance, totalTime = :totalTime, images = :images, \
             imagesResized = :resized, parking = :parking, baggage = :baggage, \
             thema = :thema, updatedAt = :updatedAt, GSI3PK = :regionPk, ORDRPK = :rankPk",
            Some("attribute_exists(PK)"),
            &[("#location", "location"), ("#region", "region")],
            &[
                (":title", s(&course.title)),
                (":content", s(&course.content)),
                (":location", s(&course.location)),
                (":region", n(i64::from(course.region))),
                (":distance", AttributeValue::N(course.distance.to_string())),
                (":totalTime", s(&course.total_time)),
                (":images", images),
                (":resized", AttributeValue::Bool(course.images_resized)),
                (":parking", optional(&course.parking)),
                (":baggage", optional(&course.baggage)),
                (":thema", s(&course.thema)),
                (":updatedAt", s(&course.updated_at)),
                (":regionPk", s(&keys::course_region_pk(course.region))),
                (
                    ":rankPk",
                    s(&keys::course_order_region_pk(
                        CourseOrder::Rank.name(),
                        course.region,
                    )),
                ),
            ],
        )?;
        let mut parts = vec![meta];
        for order in CourseOrder::SHADOWED {
            parts.push(self.tx_update(
                &keys::course_order(&course.course_id, order.name()),
                "SET ORDRPK = :pk",
                None,
                &[(
                    ":pk",
                    s(&keys::course_order_region_pk(order.name(), course.region)),
                )],
            )?);
        }
        if self.transact_retrying(parts).await? != TxOutcome::Done {
            anyhow::bail!("update course: the course is gone");
        }
        Ok(())
    }

    /// Deletes the whole `COURSE#<id>` collection: bookmarks (with their GSI2
    /// entries), ratings, comments, replies, and `META` last, so a failed
    /// attempt can be repeated. A second pass removes anything a concurrent
    /// request slipped in meanwhile.
    pub async fn delete_course(&self, course_id: &str) -> anyhow::Result<()> {
        let meta = keys::course(course_id);
        for _ in 0..2 {
            let keys = self.collection_keys(&meta.pk).await?;
            let (metas, mut rest): (Vec<Key>, Vec<Key>) =
                keys.into_iter().partition(|k| *k == meta);
            // Its ordering entries (their own partition) go before `META` too.
            rest.extend(
                CourseOrder::SHADOWED
                    .iter()
                    .map(|o| keys::course_order(course_id, o.name())),
            );
            let mut requests = Vec::with_capacity(rest.len());
            for key in &rest {
                requests.push(super::delete_request(key)?);
            }
            self.batch_write(requests)
                .await
                .context("delete course items")?;
            let mut requests = Vec::new();
            for key in &metas {
                requests.push(super::delete_request(key)?);
            }
            self.batch_write(requests).await.context("delete course")?;
        }
        Ok(())
    }

    /// Every key of one partition.
    pub(super) async fn collection_keys(&self, pk: &str) -> anyhow::Result<Vec<Key>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", s(pk))
            .projection_expression("PK, SK");
        let items = query_all(query).await.context("query collection")?;
        serde_dynamo::from_items(items).context("decode keys")
    }
}

/// Names `#region` (a reserved word) in a transaction's update part.
fn with_region_name(
    mut part: aws_sdk_dynamodb::types::TransactWriteItem,
) -> aws_sdk_dynamodb::types::TransactWriteItem {
    if let Some(update) = part.update.as_mut() {
        update
            .expression_attribute_names
            .get_or_insert_with(Default::default)
            .insert("#region".into(), "region".into());
    }
    part
}

pub(super) fn text<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Some(v),
        _ => None,
    }
}
