//! Pure types and rules: no AWS, no Lambda, no DynamoDB attribute values.

pub mod alarm;
pub mod comment;
pub mod course;
pub mod feed;
pub mod format;
pub mod group;
pub mod image;
pub mod limits;
pub mod number;
pub mod phone;
pub mod place;
pub mod profile;
pub mod reminder;
pub mod schedule;
pub mod social;
pub mod token;
pub mod user;
