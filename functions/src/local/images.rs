//! `GET /__images/{*key}`: the dev gateway serves the local bucket, so the
//! URLs the API returns (`CDN_BASE_URL=http://localhost:3000/__images` in
//! `scripts/dev.sh`) show real pictures offline, as CloudFront does when
//! deployed. Dev gateway only.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use shared::App;

pub const PREFIX: &str = "/__images";

pub fn router(app: &'static App) -> Router {
    Router::new().route(
        &format!("{PREFIX}/{{*key}}"),
        axum::routing::get(object).with_state(app),
    )
}

/// The object under the (percent-decoded) key, with its stored content type
/// and cache control; 404 when it does not exist.
async fn object(State(app): State<&'static App>, Path(key): Path<String>) -> Response {
    let got = app
        .s3
        .get_object()
        .bucket(&app.config.image_bucket)
        .key(&key)
        .send()
        .await;
    let object = match got {
        Ok(o) => o,
        Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_key()) => {
            return (http::StatusCode::NOT_FOUND, "no such image").into_response();
        }
        Err(e) => {
            tracing::warn!(error = ?e, "local image read failed");
            return (http::StatusCode::BAD_GATEWAY, "image store unavailable").into_response();
        }
    };
    let content_type = object
        .content_type()
        .unwrap_or("application/octet-stream")
        .to_owned();
    let cache = object.cache_control().map(str::to_owned);
    let Ok(body) = object.body.collect().await.map(|b| b.into_bytes()) else {
        return (http::StatusCode::BAD_GATEWAY, "image read failed").into_response();
    };
    let mut response = ([(http::header::CONTENT_TYPE, content_type)], body).into_response();
    if let Some(cache) = cache.and_then(|c| http::HeaderValue::from_str(&c).ok()) {
        response
            .headers_mut()
            .insert(http::header::CACHE_CONTROL, cache);
    }
    response
}
