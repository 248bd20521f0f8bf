//! DynamoDB single-table access. Key design: `docs/data-model.md`.
//!
//! Store methods return `anyhow::Result`; expected conditional-write
//! outcomes are values (`…Outcome`), never raw SDK errors.

mod accounts;
mod alarms;
mod batch;
mod chat;
mod comments;
mod course_orders;
mod courses;
pub mod feed;
pub mod group_delete;
pub mod groups;
mod item;
pub mod keys;
pub mod reminders;
pub mod resize;
mod tokens;
mod tx;
mod users;

pub use batch::{Item, delete_request, key_map, put_request};

use aws_sdk_dynamodb::Client;

#[derive(Clone, Debug)]
pub struct Db {
    pub client: Client,
    pub table: String,
}

impl Db {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

pub use accounts::{SendCodeOutcome, SignupOutcome, VerifyOutcome};
pub use alarms::StoredAlarm;
pub use chat::Claim;
pub use comments::{AddCommentOutcome, AddReplyOutcome, PostSummary};
pub use courses::{BookmarkOutcome, Lookup, RateOutcome};
pub use users::CreateOutcome;
