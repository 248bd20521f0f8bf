//! Outside systems reached by the functions.

pub mod groups;
pub mod images;
pub mod oauth;
pub mod reminders;
pub mod sms;
