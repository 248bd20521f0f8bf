//! API Gateway glue: reading requests, writing responses, CORS, auth, and
//! the one `dispatch` that both the Lambda runtime and the dev gateway call.

mod access_log;
pub mod auth;
pub mod cors;
pub mod multipart;
pub mod response;
pub mod serve;

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use lambda_http::{Body, Request, RequestExt, Response};
use serde::de::DeserializeOwned;

use crate::metrics::RequestStats;
use crate::{ApiError, ApiResult, App};
use access_log::RequestIds;

pub use response::ok;

/// Express's JSON limit, kept (cross-cutting.md §5).
pub const MAX_JSON_BYTES: usize = 5 * 1024 * 1024;

pub type HandlerFuture = Pin<Box<dyn Future<Output = ApiResult> + Send>>;
/// Every route handler has this shape: `async fn name(app: &App, req: Request) -> ApiResult`,
/// boxed by the route table's `route!` macro.
pub type Handler = fn(&'static App, Request) -> HandlerFuture;

/// Runs one request through a handler: preflight, error mapping, CORS and
/// security headers, one access-log line. Never fails: every outcome is an
/// HTTP response.
pub async fn dispatch(
    app: &'static App,
    handler: Handler,
    req: Request,
) -> (Response<Body>, std::sync::Arc<RequestStats>) {
    let started = Instant::now();
    let method = req.method().clone();
    let log_method = method.clone();
    let path = req.raw_http_path().to_owned();
    let headers = req.headers().clone();
    let ids = RequestIds::of(&req);
    let (mut response, stats) = RequestStats::scope(async move {
        if method == http::Method::OPTIONS {
            return cors::preflight(req.headers(), &app.config.cors_origins);
        }
        handler(app, req)
            .await
            .unwrap_or_else(ApiError::into_response)
    })
    .await;
    cors::decorate(&mut response, &headers, &app.config.cors_origins);
    // Never the headers (Authorization, reAuthorization, cookies) or the query
    // string (login codes): `access_log_carries_route_status_latency_and_ids_only`.
    tracing::info!(
        route = %ids.route,
        request_id = %ids.request_id,
        lambda_request_id = %ids.lambda_request_id,
        method = %log_method,
        path = %path,
        status = response.status().as_u16(),
        latency_ms = started.elapsed().as_secs_f64() * 1e3,
        user_id = stats.user_id().as_deref().unwrap_or("-"),
        user_agent = header(&headers, "user-agent").unwrap_or("-"),
        ddb_calls = stats.ddb_calls(),
        "request"
    );
    (response, stats)
}

/// A header as text, case-insensitively; `None` when absent or not UTF-8.
pub fn header<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The `User-Agent` as the refresh-token slot uses it: a missing header is
/// the literal `undefined`, as in the original (auth.md §2.2).
pub fn user_agent(req: &Request) -> String {
    header(req.headers(), "user-agent")
        .unwrap_or("undefined")
        .to_owned()
}

/// Stands for an id too long to be one of ours: it names nothing, so the
/// route looks it up and answers its own "not found" (a DynamoDB key of
/// that length would be refused as a validation error instead).
pub const UNKNOWN_ID: &str = "-";

/// A path parameter of the route template (`{id}`); one longer than any id
/// reads as [`UNKNOWN_ID`].
pub fn path_param(req: &Request, name: &str) -> Result<String, ApiError> {
    req.path_parameters_ref()
        .and_then(|p| p.first(name))
        .filter(|v| !v.is_empty())
        .map(|v| {
            crate::domain::limits::id(v)
                .unwrap_or(UNKNOWN_ID)
                .to_owned()
        })
        .ok_or_else(|| ApiError::bad_request(format!("경로에 {name} 값이 없습니다.")))
}

/// The first value of a query-string parameter.
pub fn query(req: &Request, name: &str) -> Option<String> {
    req.query_string_parameters_ref()
        .and_then(|q| q.first(name))
        .map(str::to_owned)
}

/// `?page=&size=` of a list (`None`: everything), parsed once for every
/// list by [`crate::domain::limits::Page::parse`].
pub fn page(req: &Request) -> Option<crate::domain::limits::Page> {
    crate::domain::limits::Page::parse(query(req, "page").as_deref(), query(req, "size").as_deref())
}

/// An id from the query string (`?userId=`): absent or empty is `None`; one
/// longer than any id reads as [`UNKNOWN_ID`] (see [`path_param`]).
pub fn query_id(req: &Request, name: &str) -> Option<String> {
    query(req, name)
        .filter(|v| !v.is_empty())
        .map(|v| match crate::domain::limits::id(&v) {
            Some(_) => v,
            None => UNKNOWN_ID.to_owned(),
        })
}

/// Every value of a repeated query-string parameter, in order.
pub fn query_all(req: &Request, name: &str) -> Vec<String> {
    req.query_string_parameters_ref()
        .and_then(|q| q.all(name))
        .map(|v| v.into_iter().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The raw body bytes (API Gateway's base64 is already decoded).
pub fn body_bytes(req: &Request) -> &[u8] {
    match req.body() {
        Body::Empty => &[],
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    }
}

/// Parses a JSON body like `express.json` did: an empty body is `{}`, a
/// malformed one is a 400 with the parser's message, over 5 MB is
/// `request entity too large`. A form-urlencoded body is read the same way
/// (cross-cutting.md §5: the original mounted both parsers): its fields as
/// strings, a repeated field as an array of strings.
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    let bytes = body_bytes(req);
    if bytes.len() > MAX_JSON_BYTES {
        return Err(ApiError::bad_request("request entity too large"));
    }
    if is_form_urlencoded(req.headers()) {
        return serde_json::from_value(form_fields(bytes))
            .map_err(|e| ApiError::bad_request(format!("잘못된 요청 본문입니다: {e}")));
    }
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("잘못된 요청 본문입니다: {e}")))
}

fn is_form_urlencoded(headers: &http::HeaderMap) -> bool {
    header(headers, "content-type").is_some_and(|v| {
        v.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .eq_ignore_ascii_case("application/x-www-form-urlencoded")
    })
}

/// `a=1&b=x&b=y` as `{"a":"1","b":["x","y"]}` (Node's `querystring`).
fn form_fields(bytes: &[u8]) -> serde_json::Value {
    use serde_json::Value;
    let mut fields = serde_json::Map::new();
    for (name, value) in form_urlencoded::parse(bytes) {
        let value = Value::String(value.into_owned());
        match fields.get_mut(name.as_ref()) {
            None => {
                fields.insert(name.into_owned(), value);
            }
            Some(Value::Array(values)) => values.push(value),
            Some(first) => *first = Value::Array(vec![first.take(), value]),
        }
    }
    Value::Object(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_read_like_nodes_querystring() {
        assert_eq!(
            form_fields(b"content=%EB%B0%98+%EA%B0%80&tag=a&tag=b&tag=c&empty="),
            serde_json::json!({"content": "반 가", "tag": ["a", "b", "c"], "empty": ""})
        );
    }
}
