//! Response builders. Handlers use [`ok`]; errors go through `ApiError`.

use lambda_http::{Body, Response};
use serde::Serialize;

use crate::ApiResult;

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
