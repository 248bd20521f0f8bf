//! Pure types and rules: no AWS, no Lambda, no DynamoDB attribute values.

pub mod token;
pub mod user;
