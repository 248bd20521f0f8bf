//! Every key string of the table is built here and nowhere else.
//! The table and its access patterns: `docs/data-model.md`.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const PK: &str = "PK";
pub const SK: &str = "SK";
pub const GSI1: &str = "GSI1";
pub const GSI1PK: &str = "GSI1PK";
pub const GSI1SK: &str = "GSI1SK";
pub const GSI2: &str = "GSI2";
pub const GSI2PK: &str = "GSI2PK";
pub const GSI2SK: &str = "GSI2SK";
/// TTL attribute (epoch seconds). DynamoDB deletes late: readers check it too.
pub const EXPIRES_AT: &str = "expiresAt";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Key {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
}

/// A secondary-index entry (`GSI1PK`/`GSI1SK` or `GSI2PK`/`GSI2SK`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexKey {
    pub pk: String,
    pub sk: String,
}

/// `USER#<uid> / PROFILE`: the user record.
pub fn user(user_id: &str) -> Key {
    Key {
        pk: user_pk(user_id),
        sk: "PROFILE".into(),
    }
}

/// GSI1 entry of a **test** account only (sparse: real users are not in it):
/// `TESTUSER#<nickname> / USER#<uid>`, for `/testlogin`'s (nickname, password) lookup.
pub fn test_account_index(nickname: &str, user_id: &str) -> IndexKey {
    IndexKey {
        pk: test_account_pk(nickname),
        sk: user_pk(user_id),
    }
}

pub fn test_account_pk(nickname: &str) -> String {
    format!("TESTUSER#{nickname}")
}

/// `USER#<uid> / REFRESH#<sha256(User-Agent)>`: one refresh-token slot per
/// (user, browser). The User-Agent is hashed so long headers make short keys.
pub fn refresh_token(user_id: &str, user_agent: &str) -> Key {
    let digest = Sha256::digest(user_agent.as_bytes());
    Key {
        pk: user_pk(user_id),
        sk: format!("REFRESH#{}", hex::encode(digest)),
    }
}

fn user_pk(user_id: &str) -> String {
    format!("USER#{user_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_slots_differ_per_browser_and_are_fixed_length() {
        let a = refresh_token("u", "Mozilla/5.0 (X11)");
        let b = refresh_token("u", "Mozilla/5.0 (Mac)");
        assert_eq!(a.pk, "USER#u");
        assert_ne!(a.sk, b.sk);
        assert_eq!(a.sk.len(), "REFRESH#".len() + 64);
        assert_eq!(refresh_token("u", &"x".repeat(10_000)).sk.len(), a.sk.len());
    }

    #[test]
    fn user_keys_share_the_user_partition() {
        assert_eq!(user("u").pk, refresh_token("u", "ua").pk);
        assert_eq!(user("u").sk, "PROFILE");
    }
}
