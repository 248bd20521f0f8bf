//! One module per resource, one `pub async fn` per route, all with the shape
//! `async fn name(app: &App, req: Request) -> ApiResult`.

pub mod account;
pub mod alarm;
pub mod auth;
pub mod chat;
pub mod comment;
pub mod course;
pub mod fallback;
pub mod group;
pub mod recomment;
pub mod user;
