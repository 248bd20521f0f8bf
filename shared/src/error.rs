//! The one API error type and its single HTTP mapping.
//!
//! The frontend's axios interceptor only reads `response.data`, so every
//! error is HTTP 400 with `{"success":false,"message":…}` (cross-cutting.md
//! §6), except the token refresh (401, auth.md §3.3) and unknown routes
//! (200 `테스트 성공`, cross-cutting.md §7). Every `message` is shown to the
//! user, and a few log them out (auth.md §4.4).

use lambda_http::{Body, Response};
use serde_json::json;

use crate::http::response;

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

    /// The only place that chooses status codes and writes error bodies.
    pub fn into_response(self) -> Response<Body> {
        match self {
            Self::BadRequest(message) => failure(&message),
            Self::Failed { message, cause } => {
                tracing::error!(error = ?cause, message, "request failed");
                failure(message)
            }
            Self::Internal(cause) => {
                tracing::error!(error = ?cause, "request failed");
                failure(GENERIC_FAILURE)
            }
            Self::TokenExpired { token } => response::json(
                401,
                &json!({
                    "succcss": false,
                    "message": "token 만료",
                    "reason": "new Token 발급",
                    "token": token,
                }),
            ),
            Self::NoRoute => response::catch_all(),
        }
    }
}

fn failure(message: &str) -> Response<Body> {
    response::json(400, &json!({ "success": false, "message": message }))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn body_json(response: Response<Body>) -> serde_json::Value {
        serde_json::from_slice(response.body().as_ref()).expect("json body")
    }

    #[test]
    fn client_errors_are_400_with_the_success_false_envelope() {
        let response = ApiError::bad_request("잘못된 요청").into_response();
        assert_eq!(response.status(), 400);
        assert_eq!(
            response.headers()["content-type"],
            "application/json; charset=utf-8"
        );
        assert_eq!(
            body_json(response),
            json!({"success": false, "message": "잘못된 요청"})
        );
    }

    #[test]
    fn unexpected_failures_show_the_route_message_and_hide_the_cause() {
        let response = Err::<(), _>(anyhow::anyhow!("dynamodb exploded at 10.0.0.1"))
            .or_fail("유저 정보 불러오기에 실패하였습니다.")
            .expect_err("failure")
            .into_response();
        assert_eq!(response.status(), 400);
        let body = body_json(response);
        assert_eq!(body["message"], "유저 정보 불러오기에 실패하였습니다.");
        assert!(!body.to_string().contains("exploded"));
    }

    #[test]
    fn internal_errors_are_still_400_for_the_frontend() {
        let response = ApiError::Internal(anyhow::anyhow!("boom")).into_response();
        assert_eq!(response.status(), 400);
        assert_eq!(body_json(response)["message"], GENERIC_FAILURE);
    }

    #[test]
    fn an_expired_token_answers_401_with_the_misspelled_flag_and_a_new_token() {
        let response = ApiError::TokenExpired {
            token: "new.jwt.here".into(),
        }
        .into_response();
        assert_eq!(response.status(), 401);
        assert_eq!(
            body_json(response),
            json!({"succcss": false, "message": "token 만료", "reason": "new Token 발급", "token": "new.jwt.here"})
        );
    }

    #[test]
    fn no_route_is_the_catch_all_text() {
        let response = ApiError::NoRoute.into_response();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "text/html; charset=utf-8"
        );
        assert_eq!(response.body().as_ref(), "테스트 성공".as_bytes());
    }
}
