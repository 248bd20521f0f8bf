//! Response builders, and the one mapping of `ApiError` to a response. Handlers use [`ok`]; errors go through `ApiError`.

use lambda_http::{Body, Response};
use serde::Serialize;

use crate::ApiResult;
use crate::error::{ApiError, GENERIC_FAILURE};

pub const JSON: &str = "application/json; charset=utf-8";
pub const HTML: &str = "text/html; charset=utf-8";

/// A JSON response with the given status.
pub fn json(status: u16, value: &impl Serialize) -> Response<Body> {
    let body = serde_json::to_vec(value).unwrap_or_else(|e| {
        // Serialising our own response types cannot fail short of a bug; keep
        // the contract's envelope even then.
        tracing::error!(error = %e, "response serialisation failed");
        br#"{"success":false,"message":"response error"}"#.to_vec()
    });
    let mut response = Response::new(Body::Binary(body));
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(JSON),
    );
    response
}

/// 200 with a JSON body.
pub fn ok(value: &impl Serialize) -> ApiResult {
    Ok(json(200, value))
}

/// The catch-all answer for unknown routes (cross-cutting.md §7).
pub fn catch_all() -> Response<Body> {
    let mut response = Response::new(Body::Text("테스트 성공".to_owned()));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(HTML),
    );
    response
}

/// 302 to `location` (the provider authorize redirects, auth.md §7.1/§7.2).
pub fn redirect(location: &str) -> ApiResult {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = http::StatusCode::FOUND;
    let value = http::HeaderValue::from_str(location)
        .map_err(|e| crate::ApiError::Internal(anyhow::anyhow!("redirect location: {e}")))?;
    response.headers_mut().insert(http::header::LOCATION, value);
    Ok(response)
}

/// The error half of the mapping: every `ApiError` as the response the
/// frontend expects (statuses and bodies: `crate::error`).
impl ApiError {
    /// The only place that chooses status codes and writes error bodies.
    pub fn into_response(self) -> Response<Body> {
        match self {
            ApiError::BadRequest(message) => failure(&message),
            ApiError::Failed { message, cause } => {
                tracing::error!(error = ?cause, message, "request failed");
                failure(message)
            }
            ApiError::Internal(cause) => {
                tracing::error!(error = ?cause, "request failed");
                failure(GENERIC_FAILURE)
            }
            ApiError::TokenExpired { token } => json(
                401,
                &serde_json::json!({
                    "succcss": false,
                    "message": "token 만료",
                    "reason": "new Token 발급",
                    "token": token,
                }),
            ),
            ApiError::NoRoute => catch_all(),
        }
    }
}

fn failure(message: &str) -> Response<Body> {
    json(
        400,
        &serde_json::json!({ "success": false, "message": message }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::OrFail;
    use serde_json::json;

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
