//! Accounts: social sign-up, profile edits, SMS codes and their throttles,
//! a user's upcoming runs, and everything account deletion removes.

use std::collections::HashMap;

use anyhow::Context;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::batch::query_all;
use super::item::Stored;
use super::keys::{self, Key};
use super::tx::{n, s, written};
use super::{Db, key_map};
use crate::domain::phone::PhoneCode;
use crate::domain::profile::ProfileChanges;
use crate::domain::user::User;

#[derive(Debug, PartialEq, Eq)]
pub enum SignupOutcome {
    Created,
    /// Another request linked this social account first.
    AlreadyLinked,
}

#[derive(Debug, PartialEq, Eq)]
pub enum SendCodeOutcome {
    Stored,
    /// A code went to this user or this number less than the interval ago.
    Throttled,
}

#[derive(Debug, PartialEq, Eq)]
pub enum VerifyOutcome {
    Verified,
    /// The code was used, replaced or voided in the meantime.
    CodeGone,
}

impl Db {
    /// `GetItem SOCIAL#<provider>#<id> / SOCIAL` → the linked user id.
    pub async fn social_user_id(
        &self,
        provider: &str,
        social_id: &str,
    ) -> anyhow::Result<Option<String>> {
        let link = self
            .get_item_at(
                &keys::social(provider, social_id),
                true,
                None,
                "social link",
            )
            .await?;
        Ok(link.and_then(|i| i.get("userId").and_then(|v| v.as_s().ok()).cloned()))
    }

    /// First login: the social link and the user in one transaction, both
    /// `attribute_not_exists`, so two concurrent first logins make one user.
    pub async fn create_social_user(&self, user: &User) -> anyhow::Result<SignupOutcome> {
        let social_id = user.social_id.as_deref().context("social id")?;
        let link = keys::social(&user.social, social_id);
        let mut link_item = key_map(&link);
        link_item.insert("type".into(), s("Social"));
        link_item.insert("userId".into(), s(&user.user_id));
        let user_item = Stored::new(keys::user(&user.user_id), "User", user).item()?;
        let new = Some("attribute_not_exists(PK)");
        let parts = vec![
            self.tx_put(link_item, new, &[])?,
            self.tx_put(user_item, new, &[])?,
        ];
        Ok(if self.transact_if(parts, "create social user").await? {
            SignupOutcome::Created
        } else {
            SignupOutcome::AlreadyLinked
        })
    }

    /// Applies profile changes to an existing user (`attribute_exists`);
    /// returns the old `profileUrl` when the picture changed, `None` when
    /// the user does not exist.
    pub async fn update_profile(
        &self,
        user_id: &str,
        changes: &ProfileChanges,
    ) -> anyhow::Result<Option<Option<String>>> {
        let mut sets = Vec::new();
        let mut values: HashMap<String, AttributeValue> = HashMap::new();
        let mut names: HashMap<String, String> = HashMap::new();
        let texts = [
            ("nickname", &changes.nickname),
            ("bio", &changes.bio),
            ("likeLocation", &changes.like_location),
            ("likeDistance", &changes.like_distance),
            ("userLevel", &changes.user_level),
            ("profileUrl", &changes.profile_url),
        ];
        for (i, (attr, value)) in texts.iter().enumerate() {
            if let Some(value) = value {
                sets.push(format!("#a{i} = :v{i}"));
                names.insert(format!("#a{i}"), (*attr).to_owned());
                values.insert(format!(":v{i}"), s(value));
            }
        }
        if let Some(agree) = changes.agree_sms {
            sets.push("#agree = :agree".into());
            names.insert("#agree".into(), "agreeSMS".into());
            values.insert(":agree".into(), AttributeValue::Bool(agree));
        }
        if sets.is_empty() {
            return Ok(Some(None));
        }
        let key = keys::user(user_id);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_map(&key)))
            .update_expression(format!("SET {}", sets.join(", ")))
            .condition_expression("attribute_exists(PK)")
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .return_values(ReturnValue::UpdatedOld)
            .send()
            .await;
        match written(result, "update profile")? {
            Some(out) => Ok(Some(changes.profile_url.as_ref().and_then(|_| {
                out.attributes
                    .and_then(|a| a.get("profileUrl").and_then(|v| v.as_s().ok()).cloned())
            }))),
            None => Ok(None),
        }
    }

    /// Stores a new SMS code (replacing any earlier one) unless a code went
    /// to this user or this number (by its tag) within the interval: one
    /// transaction with two conditional throttle markers.
    pub async fn store_phone_code(
        &self,
        user_id: &str,
        code: &PhoneCode,
        number_tag: &str,
        now: i64,
        interval: i64,
    ) -> anyhow::Result<SendCodeOutcome> {
        let item = Stored::new(keys::phone_code(user_id), "PhoneCode", code).item()?;
        let until = now + interval;
        let parts = vec![
            self.tx_put(item, None, &[])?,
            self.tx_throttle(&keys::throttle(user_id, "sms"), now, until)?,
            self.tx_throttle(&keys::phone_throttle(number_tag, "sms"), now, until)?,
        ];
        Ok(if self.transact_if(parts, "store phone code").await? {
            SendCodeOutcome::Stored
        } else {
            SendCodeOutcome::Throttled
        })
    }

    /// The pending SMS code (consistent read; expiry is the caller's rule).
    pub async fn phone_code(&self, user_id: &str) -> anyhow::Result<Option<PhoneCode>> {
        self.get(&keys::phone_code(user_id), true, None, "phone code")
            .await
    }

    /// Counts one wrong guess against the pending code (if it still exists).
    pub async fn count_code_attempt(&self, user_id: &str) -> anyhow::Result<()> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_map(&keys::phone_code(user_id))))
            .update_expression("ADD attempts :one")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":one", n(1))
            .send()
            .await;
        written(result, "count code attempt")?;
        Ok(())
    }

    /// Uses the code and stores the encrypted phone in one transaction: the
    /// code is deleted only if it is still the one checked (single use, even
    /// for two concurrent verifications).
    pub async fn verify_phone(
        &self,
        user_id: &str,
        code: &PhoneCode,
        encrypted_phone: &str,
    ) -> anyhow::Result<VerifyOutcome> {
        let parts = vec![
            self.tx_delete_named(
                &keys::phone_code(user_id),
                Some(
                    "#code = :code AND numberTag = :tag AND (attribute_not_exists(attempts) OR attempts = :attempts)",
                ),
                &[("#code", "code")],
                &[
                    (":code", s(&code.code)),
                    (":tag", s(&code.number_tag)),
                    (":attempts", n(i64::from(code.attempts))),
                ],
            )?,
            self.tx_update(
                &keys::user(user_id),
                "SET phone = :phone",
                Some("attribute_exists(PK)"),
                &[(":phone", s(encrypted_phone))],
            )?,
        ];
        Ok(if self.transact_if(parts, "verify phone").await? {
            VerifyOutcome::Verified
        } else {
            VerifyOutcome::CodeGone
        })
    }

    /// The first step of an account deletion: marks the profile, after which
    /// no membership or hosted run can be written for the user (their
    /// transactions check the profile: `groups::PROFILE_ACTIVE`). `false`
    /// when the profile is gone.
    pub async fn begin_account_deletion(&self, user_id: &str) -> anyhow::Result<bool> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_map(&keys::user(user_id))))
            .update_expression("SET deleting = :yes")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .send()
            .await;
        Ok(written(result, "begin account deletion")?.is_some())
    }

    /// Every key in the `USER#<uid>` partition (profile, refresh tokens,
    /// phone code, throttles, alarms), paged, keys only.
    pub async fn user_partition(&self, user_id: &str) -> anyhow::Result<Vec<Key>> {
        let items = query_all(
            self.client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk")
                .expression_attribute_values(":pk", s(&keys::user_pk(user_id)))
                .projection_expression("PK, SK")
                .consistent_read(true),
        )
        .await
        .context("query user partition")?;
        serde_dynamo::from_items(items).context("decode key")
    }

    /// The last step of an account deletion: every item of the user's
    /// partition except the profile in batches, then the profile and the
    /// social link together. Idempotent: a failed deletion can be retried
    /// while the profile (and so the login) still exists.
    pub async fn delete_account(
        &self,
        user_id: &str,
        social: Option<(&str, &str)>,
    ) -> anyhow::Result<()> {
        let profile = keys::user(user_id);
        let rest: Vec<_> = self
            .user_partition(user_id)
            .await?
            .into_iter()
            .filter(|k| *k != profile)
            .map(|k| super::delete_request(&k))
            .collect::<anyhow::Result<_>>()?;
        self.batch_write(rest).await.context("delete user items")?;
        let mut transaction = self
            .client
            .transact_write_items()
            .transact_items(self.tx_delete(&profile, None, &[])?);
        if let Some((provider, social_id)) = social {
            transaction = transaction.transact_items(self.tx_delete(
                &keys::social(provider, social_id),
                None,
                &[],
            )?);
        }
        transaction.send().await.context("delete profile")?;
        Ok(())
    }
}
