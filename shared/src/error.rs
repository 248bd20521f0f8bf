//! The one API error type (its single HTTP mapping: `http::response`).
//!
//! The frontend's axios interceptor only reads `response.data`, so every
//! error is HTTP 400 with `{"success":false,"message":…}` (cross-cutting.md
//! §6), except the token refresh (401, auth.md §3.3) and unknown routes
//! (200 `테스트 성공`, cross-cutting.md §7). Every `message` is shown to the
//! user, and a few log them out (auth.md §4.4).

use lambda_http::{Body, Response};

/// Shown when something unexpected failed and the route has no message of its own.
pub const GENERIC_FAILURE: &str = "요청을 처리하지 못했습니다.";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A client error whose text the user sees as is.
    #[error("{0}")]
    BadRequest(String),
    /// An unexpected failure reported with the route's own message; the
    /// cause is logged, never shown.
    #[error("{message}")]
    Failed {
        message: &'static str,
        #[source]
        cause: anyhow::Error,
    },
    /// Unexpected failure without a route-specific message.
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
    /// The access token expired and the refresh token is good: 401 carrying a
    /// fresh access token; the request itself was not executed.
    #[error("token 만료")]
    TokenExpired { token: String },
    /// No route here (or a route switched off): the catch-all answer.
    #[error("no such route")]
    NoRoute,
}

pub type ApiResult = Result<Response<Body>, ApiError>;

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest(message.into())
    }
}

/// A refusal of the domain is a client error with its own message.
impl From<crate::domain::group::ApplyRefusal> for ApiError {
    fn from(refusal: crate::domain::group::ApplyRefusal) -> Self {
        Self::bad_request(refusal.message())
    }
}

/// Attach a route's own failure message to an unexpected error:
/// `app.db.user(id).await.or_fail("유저 정보 불러오기에 실패하였습니다.")?`.
pub trait OrFail<T> {
    fn or_fail(self, message: &'static str) -> Result<T, ApiError>;
}

impl<T, E: Into<anyhow::Error>> OrFail<T> for Result<T, E> {
    fn or_fail(self, message: &'static str) -> Result<T, ApiError> {
        self.map_err(|e| ApiError::Failed {
            message,
            cause: e.into(),
        })
    }
}
