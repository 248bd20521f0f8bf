//! Comments and replies, in the post's collection (`GROUP#`/`COURSE#`), so a
//! post's comments or replies are one Query and deleting the post removes
//! them. Found by id through their GSI1 entries.

use std::collections::HashMap;

use anyhow::Context;
use aws_sdk_dynamodb::types::AttributeValue;

use super::batch::query_all;
use super::courses::text;
use super::item::Stored;
use super::keys::{self, Key};
use super::tx::{s, written};
use super::{Db, key_map};
use crate::domain::alarm::Alarm;
use crate::domain::comment::PostKind;
use crate::domain::comment::{Comment, Reply};
use crate::domain::course::CourseOrder;

/// What comments and alarms need of the post they hang on.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostSummary {
    /// The run's host or the course's author.
    pub user_id: String,
    pub title: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum AddCommentOutcome {
    Added,
    NoPost,
}

#[derive(Debug, PartialEq, Eq)]
pub enum AddReplyOutcome {
    Added,
    NoComment,
}

pub fn comment_key(c: &Comment) -> Key {
    keys::comment(c.post_kind, &c.post_id, &c.created_at, &c.comment_id)
}

fn reply_key(r: &Reply) -> Key {
    keys::reply(r.post_kind, &r.post_id, &r.created_at, &r.recomment_id)
}

fn post_meta(kind: PostKind, post_id: &str) -> Key {
    match kind {
        PostKind::Group => keys::group(post_id),
        PostKind::Course => keys::course(post_id),
    }
}

impl Db {
    /// Puts the comment if the post still exists; a course's `commentCount`
    /// and the post owner's alarm are written in the same transaction.
    pub async fn add_comment(
        &self,
        comment: &Comment,
        alarm: Option<&Alarm>,
    ) -> anyhow::Result<AddCommentOutcome> {
        let key = comment_key(comment);
        let by_id = keys::comment_id_index(&comment.comment_id);
        let authored = keys::authored_index(
            &comment.user_id,
            keys::COMMENT,
            &comment.created_at,
            &comment.comment_id,
        );
        let item = Stored::new(key, "Comment", comment)
            .gsi1(by_id)
            .gsi2(authored)
            .item()?;
        let meta = post_meta(comment.post_kind, &comment.post_id);
        let mut parts = vec![
            self.tx_put(item, Some("attribute_not_exists(PK)"), &[])?,
            match comment.post_kind {
                PostKind::Course => self.tx_update(
                    &meta,
                    "ADD commentCount :one, ORDN :rank",
                    Some("attribute_exists(PK)"),
                    &[
                        (":one", super::tx::n(1)),
                        (":rank", super::course_orders::order_delta(10)),
                    ],
                )?,
                PostKind::Group => self.tx_check(&meta, "attribute_exists(PK)", &[])?,
            },
        ];
        if let Some(alarm) = alarm {
            parts.push(self.tx_put(super::alarms::alarm_item(alarm, None)?, None, &[])?);
        }
        if comment.post_kind == PostKind::Course {
            parts.push(self.tx_order_add(&comment.post_id, CourseOrder::Comment, 1)?);
        }
        Ok(match self.transact_retrying(parts).await? {
            o if o.failed(1) => AddCommentOutcome::NoPost,
            _ => AddCommentOutcome::Added,
        })
    }

    /// Comments of a post, oldest first.
    pub async fn comments(&self, kind: PostKind, post_id: &str) -> anyhow::Result<Vec<Comment>> {
        self.post_items(kind, post_id, keys::COMMENT).await
    }

    /// Whether the post exists, and its comments oldest first: one Query,
    /// plus one GetItem of the post only when it has no comments (comments
    /// never outlive their post: deleting a post empties its partition).
    pub async fn post_comments(
        &self,
        kind: PostKind,
        post_id: &str,
    ) -> anyhow::Result<(bool, Vec<Comment>)> {
        let comments = self.comments(kind, post_id).await?;
        if !comments.is_empty() {
            return Ok((true, comments));
        }
        Ok((self.post_summary(kind, post_id).await?.is_some(), comments))
    }

    /// Author and title of a run or course; `None` when it does not exist.
    pub async fn post_summary(
        &self,
        kind: PostKind,
        post_id: &str,
    ) -> anyhow::Result<Option<PostSummary>> {
        self.get(
            &post_meta(kind, post_id),
            false,
            Some("userId, title"),
            "post",
        )
        .await
    }

    /// Replies of every comment of a post, oldest first.
    pub async fn replies(&self, kind: PostKind, post_id: &str) -> anyhow::Result<Vec<Reply>> {
        self.post_items(kind, post_id, keys::REPLY).await
    }

    async fn post_items<T: serde::de::DeserializeOwned>(
        &self,
        kind: PostKind,
        post_id: &str,
        prefix: &str,
    ) -> anyhow::Result<Vec<T>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":pk", s(&keys::post_pk(kind, post_id)))
            .expression_attribute_values(":prefix", s(prefix));
        let items = query_all(query).await.context("query post items")?;
        serde_dynamo::from_items(items).context("decode post items")
    }

    /// A comment by id (its GSI1 entry).
    pub async fn comment(&self, comment_id: &str) -> anyhow::Result<Option<Comment>> {
        let index = keys::comment_id_index(comment_id);
        self.by_index(index).await
    }

    /// A reply by id (its GSI1 entry).
    pub async fn reply(&self, recomment_id: &str) -> anyhow::Result<Option<Reply>> {
        let index = keys::reply_id_index(recomment_id);
        self.by_index(index).await
    }

    async fn by_index<T: serde::de::DeserializeOwned>(
        &self,
        index: keys::IndexKey,
    ) -> anyhow::Result<Option<T>> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI1)
            .key_condition_expression("GSI1PK = :pk AND GSI1SK = :sk")
            .expression_attribute_values(":pk", s(&index.pk))
            .expression_attribute_values(":sk", s(&index.sk))
            .send()
            .await
            .context("query by id")?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .next()
            .map(serde_dynamo::from_item)
            .transpose()
            .context("decode by id")
    }

    /// Replaces a comment's content; `false` when it no longer exists.
    pub async fn edit_comment(
        &self,
        comment: &Comment,
        content: &str,
        now: &str,
    ) -> anyhow::Result<bool> {
        self.edit_content(comment_key(comment), content, now).await
    }

    /// Replaces a reply's content; `false` when it no longer exists.
    pub async fn edit_reply(
        &self,
        reply: &Reply,
        content: &str,
        now: &str,
    ) -> anyhow::Result<bool> {
        self.edit_content(reply_key(reply), content, now).await
    }

    async fn edit_content(&self, key: Key, content: &str, now: &str) -> anyhow::Result<bool> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_map(&key)))
            .update_expression("SET content = :content, updatedAt = :now")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":content", s(content))
            .expression_attribute_values(":now", s(now))
            .send()
            .await;
        Ok(written(result, "edit content")?.is_some())
    }

    /// Deletes a comment with its replies in one transaction conditioned on
    /// the reply count read, so a reply added meanwhile is never orphaned
    /// (retried); a course's `commentCount` goes down in the same transaction.
    pub async fn delete_comment(&self, comment_id: &str) -> anyhow::Result<()> {
        for _ in 0..8 {
            let Some(comment) = self.comment(comment_id).await? else {
                return Ok(());
            };
            let replies: Vec<Reply> = self
                .replies(comment.post_kind, &comment.post_id)
                .await?
                .into_iter()
                .filter(|r| r.comment_id == comment.comment_id)
                .collect();
            let count = replies.len() as i64;
            // A transaction holds 100 parts; a longer thread is emptied first.
            if replies.len() > 95 {
                let mut requests = Vec::with_capacity(replies.len());
                for r in &replies {
                    requests.push(super::delete_request(&reply_key(r))?);
                }
                self.batch_write(requests).await.context("delete replies")?;
            }
            let mut parts = vec![if replies.len() > 95 {
                self.tx_delete(&comment_key(&comment), Some("attribute_exists(PK)"), &[])?
            } else {
                self.tx_delete(
                    &comment_key(&comment),
                    Some("attribute_exists(PK) AND (replyCount = :n OR attribute_not_exists(replyCount))"),
                    &[(":n", super::tx::n(count))],
                )?
            }];
            if comment.post_kind == PostKind::Course {
                parts.push(self.tx_update(
                    &keys::course(&comment.post_id),
                    "ADD commentCount :d, ORDN :rank",
                    Some("attribute_exists(PK)"),
                    &[
                        (":d", super::tx::n(-1)),
                        (":rank", super::course_orders::order_delta(-10)),
                    ],
                )?);
                parts.push(self.tx_order_add(&comment.post_id, CourseOrder::Comment, -1)?);
            }
            if replies.len() <= 95 {
                for r in &replies {
                    parts.push(self.tx_delete(&reply_key(r), None, &[])?);
                }
            }
            let outcome = self.transact_retrying(parts).await?;
            if !outcome.failed(0) && !outcome.failed(1) {
                return Ok(());
            }
            if outcome.failed(1) && !outcome.failed(0) {
                // The course is gone (and the comment with it, or about to be).
                return Ok(());
            }
        }
        anyhow::bail!("comment delete kept racing")
    }

    /// Puts a reply if its comment still exists, bumping the comment's
    /// `replyCount` and writing the post owner's alarm in the same transaction.
    pub async fn add_reply(
        &self,
        reply: &Reply,
        parent: &Comment,
        alarm: Option<&Alarm>,
    ) -> anyhow::Result<AddReplyOutcome> {
        let by_id = keys::reply_id_index(&reply.recomment_id);
        let authored = keys::authored_index(
            &reply.user_id,
            keys::REPLY,
            &reply.created_at,
            &reply.recomment_id,
        );
        let item = Stored::new(reply_key(reply), "Reply", reply)
            .gsi1(by_id)
            .gsi2(authored)
            .item()?;
        let parent_key = comment_key(parent);
        let mut parts = vec![
            self.tx_put(item, Some("attribute_not_exists(PK)"), &[])?,
            self.tx_update(
                &parent_key,
                "ADD replyCount :one",
                Some("attribute_exists(PK)"),
                &[(":one", super::tx::n(1))],
            )?,
        ];
        if let Some(alarm) = alarm {
            parts.push(self.tx_put(
                super::alarms::alarm_item(alarm, Some(parent_key.sk))?,
                None,
                &[],
            )?);
        }
        Ok(match self.transact_retrying(parts).await? {
            o if o.failed(1) => AddReplyOutcome::NoComment,
            _ => AddReplyOutcome::Added,
        })
    }

    /// Deletes a reply and decrements its comment's `replyCount` together.
    pub async fn delete_reply(&self, reply: &Reply) -> anyhow::Result<()> {
        let parent = keys::comment_id_index(&reply.comment_id);
        let Some(parent) = self.by_index::<Comment>(parent).await? else {
            // The comment is gone: its replies went with it (or go now).
            self.client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(super::key_map(&reply_key(reply))))
                .send()
                .await
                .context("delete reply")?;
            return Ok(());
        };
        let parts = vec![
            self.tx_delete(&reply_key(reply), Some("attribute_exists(PK)"), &[])?,
            self.tx_update(
                &comment_key(&parent),
                "ADD replyCount :d",
                Some("attribute_exists(PK)"),
                &[(":d", super::tx::n(-1))],
            )?,
        ];
        self.transact_retrying(parts).await?;
        Ok(())
    }

    /// The current content of comments, by comment id, from their keys
    /// (one BatchGetItem).
    pub async fn comment_contents(
        &self,
        comment_keys: &[Key],
    ) -> anyhow::Result<HashMap<String, String>> {
        if comment_keys.is_empty() {
            return Ok(HashMap::new());
        }
        let items = self.batch_get(comment_keys).await.context("get comments")?;
        Ok(items
            .iter()
            .filter_map(|item| {
                Some((
                    text(item, "commentId")?.to_owned(),
                    match item.get("content") {
                        Some(AttributeValue::S(c)) => c.clone(),
                        _ => String::new(),
                    },
                ))
            })
            .collect())
    }
}
