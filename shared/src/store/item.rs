//! The envelope every record is stored in: its key, its `type`, its index
//! entries, and the record's own fields (serde_dynamo, flattened).

use anyhow::Context;
use serde::Serialize;

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
