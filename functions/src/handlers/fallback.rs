use lambda_http::Request;
use shared::{ApiError, ApiResult, App};

/// ANY /{proxy+} — every path no other function serves: 200 `테스트 성공`
/// (also the health check). `OPTIONS` preflights never get here: `dispatch`
/// answers them for every route.
pub async fn not_found(_app: &App, _req: Request) -> ApiResult {
    Err(ApiError::NoRoute)
}
