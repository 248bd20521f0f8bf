//! The image-resize function's table access: its idempotency records and
//! the `imagesResized` marker of the run or course that owns an image
//! (docs/images.md).
//!
//! A record per uploaded object version (`keys::resize_record`), modelled on
//! Powertools idempotency: claimed **in progress** with a lease, then
//! **completed** with its outcome; both expire (`expiresAt`). Copies written
//! so far are kept in `written`, so a retry after a failure halfway writes
//! only what is missing.

use std::collections::HashMap;

use anyhow::Context;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::keys::{self, Key};
use super::tx::{n, s, written};
use super::{Db, key_map};

/// How long a completed record is kept: far beyond S3's and Lambda's
/// redelivery windows (async events are retried for at most 6 hours).
pub const RECORD_TTL_SECONDS: i64 = 7 * 24 * 3600;

const IN_PROGRESS: &str = "IN_PROGRESS";
const COMPLETED: &str = "COMPLETED";

/// What a completed record says happened.
pub const OUTCOME_RESIZED: &str = "RESIZED";

/// The idempotency record of one uploaded object version (bucket, key,
/// ETag): the S3 event's key in the Powertools model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResizeRecord(Key);

impl ResizeRecord {
    pub fn of(bucket: &str, object_key: &str, etag: &str) -> Self {
        Self(keys::resize_record(bucket, object_key, etag))
    }
}

/// The result of claiming a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This invocation owns the work; `written` lists the widths a previous,
    /// failed attempt already stored.
    Claimed { written: Vec<u32> },
    /// Done before (a redelivery): the outcome it ended with.
    Completed { outcome: String },
    /// Another invocation holds an unexpired lease.
    InProgress,
}

/// The owner of an image, as named by the object's `owner` metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerKind {
    Group,
    Course,
}

impl OwnerKind {
    fn key(self, id: &str) -> Key {
        match self {
            Self::Group => keys::group(id),
            Self::Course => keys::course(id),
        }
    }

    /// The attribute holding the image keys in slot order.
    fn images_attribute(self) -> &'static str {
        match self {
            Self::Group => "thumbnails",
            Self::Course => "images",
        }
    }
}

/// The owner's image state as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerImages {
    pub keys: Vec<String>,
    pub resized: bool,
}

/// Outcome of the conditional marker write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkOutcome {
    Marked,
    /// The images changed (or the owner went away) since they were read.
    Changed,
}

fn widths_of(item: &HashMap<String, AttributeValue>) -> Vec<u32> {
    let mut widths: Vec<u32> = item
        .get("written")
        .and_then(|v| v.as_ns().ok())
        .map(|ns| ns.iter().filter_map(|w| w.parse().ok()).collect())
        .unwrap_or_default();
    widths.sort_unstable();
    widths
}

impl Db {
    /// Claims the record of one object version: created, or taken over when
    /// its lease or its whole record has expired. Keeps `written`.
    pub async fn claim_resize(
        &self,
        record: &ResizeRecord,
        now: i64,
        lease_seconds: i64,
    ) -> anyhow::Result<Claim> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_map(&record.0)))
            .update_expression(
                "SET #status = :in_progress, leaseUntil = :lease, #expires = :expires",
            )
            .condition_expression(
                "attribute_not_exists(PK) OR #expires < :now \
                 OR (#status = :in_progress AND leaseUntil < :now)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#expires", keys::EXPIRES_AT)
            .expression_attribute_values(":in_progress", s(IN_PROGRESS))
            .expression_attribute_values(":lease", n(now + lease_seconds))
            .expression_attribute_values(":expires", n(now + RECORD_TTL_SECONDS))
            .expression_attribute_values(":now", n(now))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match written(result, "claim resize record")? {
            Some(out) => Ok(Claim::Claimed {
                written: out.attributes.as_ref().map(widths_of).unwrap_or_default(),
            }),
            None => {
                let item = self
                    .get_item_at(&record.0, true, None, "resize record")
                    .await?
                    .unwrap_or_default();
                let status = item.get("status").and_then(|v| v.as_s().ok());
                Ok(match status.map(String::as_str) {
                    Some(COMPLETED) => Claim::Completed {
                        outcome: item
                            .get("outcome")
                            .and_then(|v| v.as_s().ok())
                            .cloned()
                            .unwrap_or_default(),
                    },
                    _ => Claim::InProgress,
                })
            }
        }
    }

    /// Notes that the copy of `width` is stored (kept across a failed attempt).
    pub async fn resize_copy_written(
        &self,
        record: &ResizeRecord,
        width: u32,
    ) -> anyhow::Result<()> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_map(&record.0)))
            .update_expression("ADD written :w")
            .expression_attribute_values(":w", AttributeValue::Ns(vec![width.to_string()]))
            .send()
            .await
            .context("note written copy")?;
        Ok(())
    }

    /// Completes the record with its outcome.
    pub async fn complete_resize(
        &self,
        record: &ResizeRecord,
        outcome: &str,
        now: i64,
    ) -> anyhow::Result<()> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_map(&record.0)))
            .update_expression(
                "SET #status = :completed, outcome = :outcome, #expires = :expires REMOVE leaseUntil",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#expires", keys::EXPIRES_AT)
            .expression_attribute_values(":completed", s(COMPLETED))
            .expression_attribute_values(":outcome", s(outcome))
            .expression_attribute_values(":expires", n(now + RECORD_TTL_SECONDS))
            .send()
            .await
            .context("complete resize record")?;
        Ok(())
    }

    /// Gives the lease up after a failure, so Lambda's retry can claim the
    /// record at once (what was written stays noted).
    pub async fn release_resize(&self, record: &ResizeRecord, now: i64) -> anyhow::Result<()> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_map(&record.0)))
            .update_expression("SET leaseUntil = :expired")
            .condition_expression("#status = :in_progress")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":in_progress", s(IN_PROGRESS))
            .expression_attribute_values(":expired", n(now - 1))
            .send()
            .await;
        written(result, "release resize record")?;
        Ok(())
    }

    /// Whether some version of the object has both copies stored: its record
    /// notes both widths written (set before the marker step, so of two images
    /// finishing at once the later one always sees the earlier) and it did not
    /// end as an orphan or a deleted original.
    pub async fn image_resized(
        &self,
        bucket: &str,
        object_key: &str,
        widths: [u32; 2],
        now: i64,
    ) -> anyhow::Result<bool> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk")
            .filter_expression(
                "contains(written, :list) AND contains(written, :detail) \
                 AND (attribute_not_exists(outcome) OR outcome = :resized) AND #expires > :now",
            )
            .expression_attribute_names("#expires", keys::EXPIRES_AT)
            .expression_attribute_values(":pk", s(&keys::resize_records_pk(bucket, object_key)))
            .expression_attribute_values(":list", n(i64::from(widths[0])))
            .expression_attribute_values(":detail", n(i64::from(widths[1])))
            .expression_attribute_values(":resized", s(OUTCOME_RESIZED))
            .expression_attribute_values(":now", n(now))
            .consistent_read(true)
            .send()
            .await
            .context("query resize records")?;
        Ok(out.count > 0)
    }

    /// The image keys (slot order) and marker of a run or course.
    pub async fn owner_images(
        &self,
        kind: OwnerKind,
        id: &str,
    ) -> anyhow::Result<Option<OwnerImages>> {
        let images = kind.images_attribute();
        let item = self
            .get_item_named(
                &kind.key(id),
                true,
                Some("#images, imagesResized"),
                &[("#images", images)],
                "image owner",
            )
            .await?;
        Ok(item.map(|item| OwnerImages {
            keys: item
                .get(images)
                .and_then(|v| v.as_l().ok())
                .map(|l| l.iter().filter_map(|k| k.as_s().ok().cloned()).collect())
                .unwrap_or_default(),
            resized: item
                .get("imagesResized")
                .and_then(|v| v.as_bool().ok())
                .copied()
                .unwrap_or(false),
        }))
    }

    /// Sets `imagesResized` only while the owner still has exactly `keys`:
    /// an edit that landed meanwhile wins, and its own uploads mark it later.
    pub async fn mark_images_resized(
        &self,
        kind: OwnerKind,
        id: &str,
        keys: &[String],
    ) -> anyhow::Result<MarkOutcome> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_map(&kind.key(id))))
            .update_expression("SET imagesResized = :true")
            .condition_expression("attribute_exists(PK) AND #images = :keys")
            .expression_attribute_names("#images", kind.images_attribute())
            .expression_attribute_values(":true", AttributeValue::Bool(true))
            .expression_attribute_values(
                ":keys",
                AttributeValue::L(keys.iter().map(|k| s(k.as_str())).collect()),
            )
            .send()
            .await;
        match written(result, "mark images resized")? {
            Some(_) => Ok(MarkOutcome::Marked),
            None => Ok(MarkOutcome::Changed),
        }
    }
}
