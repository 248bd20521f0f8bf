//! CORS exactly as the original `cors` package answered (cross-cutting.md §2),
//! done in code so the Lambda behind API Gateway and the dev gateway behave
//! the same: the HTTP API has no CorsConfiguration, so OPTIONS requests reach
//! the catch-all function, which answers them here.

use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, StatusCode};
use lambda_http::{Body, Response};

const ALLOW_METHODS: &str = "GET,HEAD,PUT,PATCH,POST,DELETE";

/// Headers every response carries: CORS for allowed origins, `Vary`, and the
/// security headers the original set through helmet (cross-cutting.md §3).
pub fn decorate(response: &mut Response<Body>, request_headers: &HeaderMap, origins: &[String]) {
    let headers = response.headers_mut();
    if let Some(origin) = allowed_origin(request_headers, origins) {
        headers.insert("access-control-allow-origin", origin);
    }
    headers.insert(
        "access-control-allow-credentials",
        HeaderValue::from_static("true"),
    );
    if !headers.contains_key(http::header::VARY) {
        headers.insert(http::header::VARY, HeaderValue::from_static("Origin"));
    }
    for (name, value) in SECURITY_HEADERS {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
}

/// The answer to any `OPTIONS` request: 204, empty body, the requested
/// headers echoed back, no `Access-Control-Max-Age`.
pub fn preflight(request_headers: &HeaderMap, origins: &[String]) -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::NO_CONTENT;
    let headers = response.headers_mut();
    headers.insert(
        "access-control-allow-methods",
        HeaderValue::from_static(ALLOW_METHODS),
    );
    if let Some(requested) = request_headers.get("access-control-request-headers") {
        headers.insert("access-control-allow-headers", requested.clone());
    }
    headers.insert(
        http::header::VARY,
        HeaderValue::from_static("Origin, Access-Control-Request-Headers"),
    );
    decorate(&mut response, request_headers, origins);
    response
}

fn allowed_origin(request_headers: &HeaderMap, origins: &[String]) -> Option<HeaderValue> {
    let origin = request_headers.get(http::header::ORIGIN)?;
    let text = origin.to_str().ok()?;
    origins.iter().any(|o| o == text).then(|| origin.clone())
}

const SECURITY_HEADERS: &[(&str, &str)] = &[
    (
        "content-security-policy",
        "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests",
    ),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    ("origin-agent-cluster", "?1"),
    ("referrer-policy", "no-referrer"),
    (
        "strict-transport-security",
        "max-age=15552000; includeSubDomains",
    ),
    ("x-content-type-options", "nosniff"),
    ("x-dns-prefetch-control", "off"),
    ("x-download-options", "noopen"),
    ("x-frame-options", "SAMEORIGIN"),
    ("x-permitted-cross-domain-policies", "none"),
    ("x-xss-protection", "0"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn origins() -> Vec<String> {
        crate::config::DEFAULT_ORIGINS
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (HeaderName::from_static(k), HeaderValue::from_static(v)))
            .collect()
    }

    #[test]
    fn an_allowed_origin_is_echoed_with_credentials() {
        let mut response = Response::new(Body::Empty);
        decorate(
            &mut response,
            &headers(&[("origin", "https://erunjrun.com")]),
            &origins(),
        );
        let h = response.headers();
        assert_eq!(h["access-control-allow-origin"], "https://erunjrun.com");
        assert_eq!(h["access-control-allow-credentials"], "true");
        assert_eq!(h["vary"], "Origin");
        assert_eq!(h["x-content-type-options"], "nosniff");
    }

    #[test]
    fn a_foreign_origin_gets_no_allow_origin_header() {
        let mut response = Response::new(Body::Empty);
        decorate(
            &mut response,
            &headers(&[("origin", "https://evil.example")]),
            &origins(),
        );
        assert!(
            !response
                .headers()
                .contains_key("access-control-allow-origin")
        );
        assert_eq!(
            response.headers()["access-control-allow-credentials"],
            "true"
        );
    }

    #[test]
    fn preflight_is_204_and_echoes_the_requested_headers() {
        let response = preflight(
            &headers(&[
                ("origin", "http://localhost:3000"),
                ("access-control-request-method", "PATCH"),
                (
                    "access-control-request-headers",
                    "authorization,reauthorization,content-type",
                ),
            ]),
            &origins(),
        );
        let h = response.headers();
        assert_eq!(response.status(), 204);
        assert_eq!(h["access-control-allow-origin"], "http://localhost:3000");
        assert_eq!(
            h["access-control-allow-methods"],
            "GET,HEAD,PUT,PATCH,POST,DELETE"
        );
        assert_eq!(
            h["access-control-allow-headers"],
            "authorization,reauthorization,content-type"
        );
        assert_eq!(h["vary"], "Origin, Access-Control-Request-Headers");
        assert!(!h.contains_key("access-control-max-age"));
    }
}
