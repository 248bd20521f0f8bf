//! One module per URL prefix (`user` serves `/user/*`, `auth` `/auth/*`,
//! `test_account` `/testSignup` and `/testlogin`, `chat` `/socket.io`,
//! `fallback` everything else), one `pub async fn` per route, all with the
//! shape `async fn name(app: &App, req: Request) -> ApiResult`.

pub mod alarm;
pub mod auth;
pub mod chat;
pub mod comment;
pub mod course;
pub mod fallback;
pub mod group;
pub mod recomment;
pub mod test_account;
pub mod user;
