//! The dev gateway: serves every row of [`ROUTES`] on one port by turning
//! each HTTP request into the API Gateway HTTP API (payload v2) event the
//! Lambda would receive, parsing it with the same `lambda_http` code, and
//! calling the same handler through the same `dispatch`.
//!
//! Test-only extra (only with `ENABLE_TEST_ROUTES=1`, never deployed):
//! `PUT /__dev/clock {"offsetSeconds": n}` shifts the app clock, `DELETE`
//! resets it, `GET` reads it.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;

use axum::Router;
use axum::body::Body as AxumBody;
use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, any, on};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use shared::App;
use shared::http::Handler;

use crate::routes::{ROUTES, Route};

/// Lambda's synchronous payload limit: API Gateway refuses larger requests
/// before any function runs (413, as here).
pub const MAX_EVENT_BYTES: usize = 6 * 1024 * 1024;

/// Response header carrying the DynamoDB round-trips of the request (the
/// SDK interceptor's count). Dev gateway only: benchmarks and tests read it.
pub const DDB_CALLS_HEADER: &str = "x-erun-ddb-calls";

/// Response header naming the route that answered (`GET /group/{id}`, `ANY
/// /{proxy+}`), as in the route table. Dev gateway only: the API tests check
/// each answer against that route in docs/openapi.yaml.
pub const ROUTE_HEADER: &str = "x-erun-route";

#[derive(Clone, Copy)]
struct Target {
    app: &'static App,
    route: &'static Route,
}

/// The router of every route, with the catch-all for everything else.
pub fn router(app: &'static App) -> Router {
    let fallback = ROUTES
        .iter()
        .find(|r| r.path == "/{proxy+}")
        .unwrap_or_else(|| unreachable!("the route table has a catch-all"));
    let mut paths: BTreeMap<String, MethodRouter> = BTreeMap::new();
    for route in ROUTES.iter().filter(|r| r.path != "/{proxy+}") {
        let target = Target { app, route };
        let handler = move |params: Option<Path<HashMap<String, String>>>, req: Request| {
            invoke(target, params.map(|Path(p)| p).unwrap_or_default(), req)
        };
        let entry = paths.remove(route.path).unwrap_or_default();
        let entry = match route.method {
            "ANY" => entry.merge(any(handler)),
            m => entry.merge(on(method_filter(m), handler)),
        };
        paths.insert(route.path.to_owned(), entry);
    }
    let catch_all = Target {
        app,
        route: fallback,
    };
    let fallback_handler = move |req: Request| invoke(catch_all, HashMap::new(), req);
    let mut router = Router::new();
    for (path, methods) in paths {
        // A known path with another method is an unknown route too (and
        // OPTIONS there is a preflight): both go to the catch-all.
        let methods = methods.fallback(fallback_handler);
        for axum_path in axum_paths(&path) {
            router = router.route(&axum_path, methods.clone());
        }
    }
    if app.config.enable_test_routes {
        router = router.route(
            "/__dev/clock",
            axum::routing::get(clock_get)
                .put(clock_set)
                .delete(clock_reset)
                .with_state(app),
        );
    }
    router
        .merge(super::images::router(app))
        .fallback(fallback_handler)
}

/// Binds `addr` and serves until the process ends.
pub async fn serve(app: &'static App, addr: SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(addr = %listener.local_addr()?, routes = ROUTES.len(), "dev gateway listening");
    axum::serve(listener, router(app)).await?;
    Ok(())
}

/// The axum paths of an API Gateway route path: a trailing greedy
/// `{proxy+}` matches any remainder, the empty one included (`/socket.io/`).
fn axum_paths(path: &str) -> Vec<String> {
    match path.strip_suffix("/{proxy+}") {
        Some(prefix) => vec![format!("{prefix}/"), format!("{prefix}/{{*proxy}}")],
        None => vec![path.to_owned()],
    }
}

fn method_filter(method: &str) -> MethodFilter {
    match method {
        "GET" => MethodFilter::GET,
        "POST" => MethodFilter::POST,
        "PUT" => MethodFilter::PUT,
        "PATCH" => MethodFilter::PATCH,
        "DELETE" => MethodFilter::DELETE,
        "HEAD" => MethodFilter::HEAD,
        other => unreachable!("route table method {other} is not an HTTP method"),
    }
}

async fn invoke(target: Target, path_params: HashMap<String, String>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(body) = body.collect().await.map(|b| b.to_bytes()) else {
        return (http::StatusCode::BAD_REQUEST, "unreadable body").into_response();
    };
    if body.len() > MAX_EVENT_BYTES {
        return (
            http::StatusCode::PAYLOAD_TOO_LARGE,
            [(http::header::CONTENT_TYPE, "application/json")],
            r#"{"message":"Request Entity Too Large"}"#,
        )
            .into_response();
    }
    let event = event_json(target.route, &parts, &path_params, &body);
    let request = match lambda_http::request::from_str(&event.to_string()) {
        Ok(request) => request,
        Err(e) => {
            return (http::StatusCode::BAD_REQUEST, format!("bad event: {e}")).into_response();
        }
    };
    let (response, stats) = shared::aws_ops::as_function(
        target.route.name,
        shared::http::dispatch(target.app, target.route.handler as Handler, request),
    )
    .await;
    let (mut parts, body) = response.into_parts();
    parts
        .headers
        .insert(DDB_CALLS_HEADER, stats.ddb_calls().into());
    if let Ok(route) =
        http::HeaderValue::from_str(&format!("{} {}", target.route.method, target.route.path))
    {
        parts.headers.insert(ROUTE_HEADER, route);
    }
    let bytes = match body {
        lambda_http::Body::Empty => Vec::new(),
        lambda_http::Body::Text(t) => t.into_bytes(),
        lambda_http::Body::Binary(b) => b,
        _ => Vec::new(),
    };
    Response::from_parts(parts, AxumBody::from(bytes))
}

/// The API Gateway HTTP API v2 event for this request, as AWS would send it:
/// lower-cased headers with repeated values joined by commas, cookies apart,
/// decoded query parameters (repeats joined by commas), binary bodies base64.
pub fn event_json(
    route: &Route,
    parts: &http::request::Parts,
    path_params: &HashMap<String, String>,
    body: &[u8],
) -> Value {
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    let mut cookies = Vec::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == http::header::COOKIE {
            cookies.extend(value.split("; ").map(str::to_owned));
            continue;
        }
        headers
            .entry(name.as_str().to_owned())
            .and_modify(|v| {
                v.push(',');
                v.push_str(&value);
            })
            .or_insert(value);
    }
    let raw_query = parts.uri.query().unwrap_or_default();
    let mut query: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in form_urlencoded::parse(raw_query.as_bytes()) {
        query
            .entry(k.into_owned())
            .and_modify(|e| {
                e.push(',');
                e.push_str(&v);
            })
            .or_insert_with(|| v.into_owned());
    }
    let content_type = headers
        .get("content-type")
        .map(String::as_str)
        .unwrap_or_default();
    let text_body = std::str::from_utf8(body)
        .ok()
        .filter(|_| is_text(content_type));
    let (body, is_base64) = match (body.is_empty(), text_body) {
        (true, _) => (Value::Null, false),
        (false, Some(text)) => (Value::String(text.to_owned()), false),
        (false, None) => (Value::String(BASE64.encode(body)), true),
    };
    let route_key = if route.path == "/{proxy+}" && path_params.is_empty() {
        "$default".to_owned()
    } else {
        format!("{} {}", route.method, route.path)
    };
    let now = chrono::Utc::now();
    let user_agent = headers.get("user-agent").cloned().unwrap_or_default();
    json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": parts.uri.path(),
        "rawQueryString": raw_query,
        "cookies": if cookies.is_empty() { Value::Null } else { json!(cookies) },
        "headers": headers,
        "queryStringParameters": if query.is_empty() { Value::Null } else { json!(query) },
        "pathParameters": if path_params.is_empty() { Value::Null } else { json!(path_params) },
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": headers.get("host").cloned().unwrap_or_else(|| "127.0.0.1".into()),
            "domainPrefix": "local",
            "http": {
                "method": parts.method.as_str(),
                "path": parts.uri.path(),
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": user_agent,
            },
            "requestId": uuid::Uuid::new_v4().to_string(),
            "routeKey": route_key,
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
            "timeEpoch": now.timestamp_millis(),
        },
        "body": body,
        "isBase64Encoded": is_base64,
    })
}

/// Content types API Gateway passes as text; everything else arrives base64.
fn is_text(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence.is_empty()
        || essence.starts_with("text/")
        || essence == "application/json"
        || essence.ends_with("+json")
        || essence == "application/x-www-form-urlencoded"
        || essence == "application/xml"
}

async fn clock_get(State(app): State<&'static App>) -> axum::Json<Value> {
    axum::Json(
        json!({ "offsetSeconds": app.clock.offset_seconds(), "now": app.clock.now().to_rfc3339() }),
    )
}

async fn clock_set(
    State(app): State<&'static App>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    match body.get("offsetSeconds").and_then(Value::as_i64) {
        Some(seconds) => {
            app.clock.set_offset_seconds(seconds);
            clock_get(State(app)).await.into_response()
        }
        None => (
            http::StatusCode::BAD_REQUEST,
            "offsetSeconds (integer) required",
        )
            .into_response(),
    }
}

async fn clock_reset(State(app): State<&'static App>) -> axum::Json<Value> {
    app.clock.set_offset_seconds(0);
    clock_get(State(app)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(uri: &str, headers: &[(&'static str, &'static str)]) -> http::request::Parts {
        let mut builder = http::Request::builder().method("POST").uri(uri);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(()).expect("request").into_parts().0
    }

    fn route() -> &'static Route {
        crate::routes::by_name("user-auth").expect("route")
    }

    #[test]
    fn repeated_query_values_are_decoded_and_joined_like_api_gateway() {
        let event = event_json(
            route(),
            &parts("/x?thema=%EC%82%B0&thema=%EB%8F%84%EC%8B%9C&page=1", &[]),
            &HashMap::new(),
            b"",
        );
        assert_eq!(event["queryStringParameters"]["thema"], "산,도시");
        assert_eq!(
            event["rawQueryString"],
            "thema=%EC%82%B0&thema=%EB%8F%84%EC%8B%9C&page=1"
        );
        assert_eq!(event["routeKey"], "GET /user/auth");
    }

    #[test]
    fn multipart_bodies_arrive_base64_and_json_as_text() {
        let multipart = event_json(
            route(),
            &parts("/x", &[("content-type", "multipart/form-data; boundary=a")]),
            &HashMap::new(),
            b"\xff\x00",
        );
        assert_eq!(multipart["isBase64Encoded"], true);
        assert_eq!(multipart["body"], BASE64.encode(b"\xff\x00"));
        let json_body = event_json(
            route(),
            &parts("/x", &[("content-type", "application/json;charset=UTF-8")]),
            &HashMap::new(),
            b"{}",
        );
        assert_eq!(json_body["isBase64Encoded"], false);
        assert_eq!(json_body["body"], "{}");
    }

    #[test]
    fn headers_are_lower_cased_and_cookies_kept_apart() {
        let event = event_json(
            route(),
            &parts(
                "/x",
                &[("reAuthorization", "Bearer r"), ("cookie", "a=1; b=2")],
            ),
            &HashMap::new(),
            b"",
        );
        assert_eq!(event["headers"]["reauthorization"], "Bearer r");
        assert_eq!(event["cookies"], json!(["a=1", "b=2"]));
        assert!(event["headers"].get("cookie").is_none());
    }

    #[test]
    fn the_event_parses_into_a_lambda_request_with_path_parameters() {
        use lambda_http::RequestExt;
        let params = HashMap::from([("id".to_owned(), "g-1".to_owned())]);
        let event = event_json(
            route(),
            &parts("/group/g-1/apply?a=1", &[("user-agent", "UA")]),
            &params,
            b"",
        );
        let request = lambda_http::request::from_str(&event.to_string()).expect("v2 event");
        assert_eq!(request.path_parameters().first("id"), Some("g-1"));
        assert_eq!(request.query_string_parameters().first("a"), Some("1"));
        assert_eq!(request.headers()["user-agent"], "UA");
    }
}
