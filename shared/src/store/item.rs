//! The envelope every record is stored in: its key, its `type`, its index
//! entries, and the record's own fields (serde_dynamo, flattened); and
//! [`Mixed`], the one decoder of reads that return several kinds at once.

use std::collections::HashMap;

use anyhow::Context;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Item;
use super::keys::{IndexKey, Key};

#[derive(Serialize)]
pub(super) struct Stored<'a, T: Serialize> {
    #[serde(flatten)]
    key: Key,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "GSI1PK", skip_serializing_if = "Option::is_none")]
    gsi1pk: Option<String>,
    #[serde(rename = "GSI1SK", skip_serializing_if = "Option::is_none")]
    gsi1sk: Option<String>,
    #[serde(rename = "GSI2PK", skip_serializing_if = "Option::is_none")]
    gsi2pk: Option<String>,
    #[serde(rename = "GSI2SK", skip_serializing_if = "Option::is_none")]
    gsi2sk: Option<String>,
    #[serde(rename = "GSI3PK", skip_serializing_if = "Option::is_none")]
    gsi3pk: Option<String>,
    #[serde(rename = "GSI3SK", skip_serializing_if = "Option::is_none")]
    gsi3sk: Option<String>,
    #[serde(flatten)]
    body: &'a T,
}

impl<'a, T: Serialize> Stored<'a, T> {
    pub(super) fn new(key: Key, kind: &'static str, body: &'a T) -> Self {
        Self {
            key,
            kind,
            gsi1pk: None,
            gsi1sk: None,
            gsi2pk: None,
            gsi2sk: None,
            gsi3pk: None,
            gsi3sk: None,
            body,
        }
    }

    pub(super) fn gsi1(mut self, index: IndexKey) -> Self {
        (self.gsi1pk, self.gsi1sk) = (Some(index.pk), Some(index.sk));
        self
    }

    pub(super) fn gsi2(mut self, index: IndexKey) -> Self {
        (self.gsi2pk, self.gsi2sk) = (Some(index.pk), Some(index.sk));
        self
    }

    pub(super) fn gsi3(mut self, index: IndexKey) -> Self {
        (self.gsi3pk, self.gsi3sk) = (Some(index.pk), Some(index.sk));
        self
    }

    pub(super) fn item(&self) -> anyhow::Result<Item> {
        serde_dynamo::to_item(self).with_context(|| format!("encode {}", self.kind))
    }
}

/// The `type` of a stored item.
pub(super) fn kind(item: &Item) -> Option<&str> {
    item.get("type")
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

/// The items of a mixed read (a BatchGetItem or Query returning several
/// kinds), sorted out by their `type`, each kind in read order; items of
/// kinds nobody takes are ignored.
pub(super) struct Mixed {
    by_kind: HashMap<String, Vec<Item>>,
}

impl Mixed {
    pub(super) fn new(items: Vec<Item>) -> Self {
        let mut by_kind: HashMap<String, Vec<Item>> = HashMap::new();
        for item in items {
            if let Some(k) = kind(&item) {
                by_kind.entry(k.to_owned()).or_default().push(item);
            }
        }
        Self { by_kind }
    }

    /// The items of `kind` as stored (markers read by one attribute).
    pub(super) fn take(&mut self, kind: &str) -> Vec<Item> {
        self.by_kind.remove(kind).unwrap_or_default()
    }

    /// The items of `kind`, each decoded as `T`; one that does not decode
    /// is an error.
    pub(super) fn decode<T: DeserializeOwned>(&mut self, kind: &str) -> anyhow::Result<Vec<T>> {
        self.take(kind)
            .into_iter()
            .map(|item| serde_dynamo::from_item(item).with_context(|| format!("decode {kind}")))
            .collect()
    }

    /// The `User` items by id, a malformed one read like a deleted user
    /// (absent, logged: `users::decode_user`).
    pub(super) fn users(&mut self) -> HashMap<String, crate::domain::user::User> {
        self.take("User")
            .into_iter()
            .filter_map(super::users::decode_user)
            .map(|u| (u.user_id.clone(), u))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Body {
        title: &'static str,
    }

    #[test]
    fn index_entries_appear_only_when_set() {
        let key = Key {
            pk: "A#1".into(),
            sk: "META".into(),
        };
        let body = Body { title: "t" };
        let plain = Stored::new(key.clone(), "Thing", &body)
            .item()
            .expect("item");
        assert!(!plain.contains_key("GSI1PK") && !plain.contains_key("GSI2PK"));
        assert_eq!(plain["type"].as_s().ok().map(String::as_str), Some("Thing"));
        assert_eq!(plain["title"].as_s().ok().map(String::as_str), Some("t"));
        let indexed = Stored::new(key, "Thing", &body)
            .gsi2(IndexKey {
                pk: "USER#u".into(),
                sk: "X#1".into(),
            })
            .item()
            .expect("item");
        assert_eq!(
            indexed["GSI2SK"].as_s().ok().map(String::as_str),
            Some("X#1")
        );
        assert!(!indexed.contains_key("GSI1PK"));
    }
}
