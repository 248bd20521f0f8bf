//! The fields that identify a request in the access-log line `dispatch`
//! writes (one JSON line per request: route, status, latency, ids, user,
//! DynamoDB calls, user agent — never a credential header, a cookie or the
//! query string, which carries login codes).

use lambda_http::{Request, RequestExt};

/// What identifies one request in the access log: the API Gateway route key
/// (`GET /group/{id}`), API Gateway's request id (the `apigw-requestid`
/// response header a user can quote) and the Lambda invocation's id.
pub(crate) struct RequestIds {
    pub route: String,
    pub request_id: String,
    pub lambda_request_id: String,
}

impl RequestIds {
    pub fn of(req: &Request) -> Self {
        use lambda_http::request::RequestContext;
        let (route, request_id) = match req.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(c)) => (c.route_key.clone(), c.request_id.clone()),
            _ => (None, None),
        };
        Self {
            route: route.unwrap_or_else(|| "-".to_owned()),
            request_id: request_id.unwrap_or_else(|| "-".to_owned()),
            lambda_request_id: req
                .lambda_context_ref()
                .map(|c| c.request_id.clone())
                .filter(|id| !id.is_empty())
                .unwrap_or_else(|| "-".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use lambda_http::tracing::subscriber;
    use serde_json::{Value, json};

    use crate::App;
    use crate::config::Config;
    use lambda_http::RequestExt;

    use crate::http::{HandlerFuture, dispatch, ok};

    const ACCESS_TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VySWQiOiJ1LTEifQ.access-signature";
    const REFRESH_TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.e30.refresh-signature";
    const LOGIN_CODE: &str = "kakao-one-time-code-123";

    /// Collects what the subscriber writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut out) = self.0.lock() {
                out.extend_from_slice(buf);
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn app() -> &'static App {
        let config = Config::from_lookup(|name| match name {
            "TABLE_NAME" | "IMAGE_BUCKET" => Some("t".to_owned()),
            "TOKENKEY" => Some("access-log-test-key-0123".to_owned()),
            _ => None,
        })
        .expect("config");
        let sdk = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build();
        Box::leak(Box::new(App::new(config, &sdk)))
    }

    fn answer(_app: &'static App, _req: lambda_http::Request) -> HandlerFuture {
        Box::pin(async { ok(&json!({ "success": true })) })
    }

    fn event() -> String {
        json!({
            "version": "2.0",
            "routeKey": "GET /user/kakao/callback",
            "rawPath": "/user/kakao/callback",
            "rawQueryString": format!("code={LOGIN_CODE}"),
            "cookies": [format!("accessToken={ACCESS_TOKEN}")],
            "headers": {
                "authorization": format!("Bearer {ACCESS_TOKEN}"),
                "reauthorization": format!("Bearer {REFRESH_TOKEN}"),
                "user-agent": "Mozilla/5.0 (log-test)",
            },
            "queryStringParameters": { "code": LOGIN_CODE },
            "requestContext": {
                "accountId": "000000000000", "apiId": "api", "domainName": "api.example",
                "domainPrefix": "api",
                "http": { "method": "GET", "path": "/user/kakao/callback", "protocol": "HTTP/1.1",
                          "sourceIp": "203.0.113.9", "userAgent": "Mozilla/5.0 (log-test)" },
                "requestId": "apigw-req-42", "routeKey": "GET /user/kakao/callback",
                "stage": "$default", "time": "01/Jan/2026:00:00:00 +0000", "timeEpoch": 1767225600000_i64,
            },
            "isBase64Encoded": false,
        })
        .to_string()
    }

    #[tokio::test(flavor = "current_thread")]
    async fn access_log_carries_route_status_latency_and_ids_only() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = subscriber::fmt()
            .json()
            .with_writer(move || writer.clone())
            .finish();
        let _guard =
            lambda_http::tracing::subscriber::util::SubscriberInitExt::set_default(subscriber);

        let mut context = lambda_http::Context::default();
        context.request_id = "lambda-req-7".to_owned();
        let req = lambda_http::request::from_str(&event())
            .expect("event")
            .with_lambda_context(context);
        let (response, _) = dispatch(app(), answer, req).await;
        assert_eq!(response.status(), 200);

        let text = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf-8");
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON log line"))
            .filter(|l: &Value| l["fields"]["message"] == "request")
            .collect();
        assert_eq!(lines.len(), 1, "one access-log line per request: {text}");
        let fields = &lines[0]["fields"];
        assert_eq!(fields["route"], "GET /user/kakao/callback");
        assert_eq!(fields["status"], 200);
        assert!(
            fields["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
            "{fields}"
        );
        assert_eq!(fields["request_id"], "apigw-req-42");
        assert_eq!(fields["lambda_request_id"], "lambda-req-7");
        for secret in [
            ACCESS_TOKEN,
            REFRESH_TOKEN,
            "access-signature",
            "refresh-signature",
            LOGIN_CODE,
        ] {
            assert!(!text.contains(secret), "the log shows {secret}: {text}");
        }
        assert!(
            !text.to_ascii_lowercase().contains("authorization"),
            "{text}"
        );
    }
}
