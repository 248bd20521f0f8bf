//! A fake Naver Cloud SENS SMS API on a loopback port:
//! `POST /sms/v2/services/<serviceId>/messages`.
//!
//! It verifies the request like the real API gateway: the access key, a
//! timestamp within 5 minutes, and the `x-ncp-apigw-signature-v2` computed
//! here independently (HMAC-SHA256 of `POST <path>\n<timestamp>\n<access
//! key>` with the configured secret, base64) and compared byte for byte; a
//! bad one is a 401 with the gateway's error body. Accepted messages answer
//! 202 and are recorded: [`FakeSens::messages`] in tests,
//! `GET <base>/__fake/sens/messages` for a developer running the dev gateway.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::Sha256;

/// One accepted SMS or LMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentSms {
    /// `SMS` or `LMS`.
    #[serde(rename = "type")]
    pub kind: String,
    pub from: String,
    pub to: String,
    pub content: String,
}

impl SentSms {
    /// The 6-digit code inside `[…]` of a verification text.
    pub fn code(&self) -> Option<String> {
        let start = self.content.find('[')? + 1;
        let end = self.content[start..].find(']')? + start;
        Some(self.content[start..end].to_owned())
    }
}

#[derive(Default)]
struct Inner {
    messages: Vec<SentSms>,
    rejected: u32,
    down: bool,
    /// Answers this long after accepting (a client timeout: sent but unknown).
    delay: Option<std::time::Duration>,
}

#[derive(Clone)]
struct Account {
    service_id: String,
    access_key: String,
    secret_key: String,
}

type Shared = (Arc<Mutex<Inner>>, Arc<Account>);

#[derive(Clone)]
pub struct FakeSens {
    pub base: String,
    inner: Arc<Mutex<Inner>>,
    account: Arc<Account>,
}

impl FakeSens {
    pub async fn start(
        service_id: &str,
        access_key: &str,
        secret_key: &str,
    ) -> anyhow::Result<Self> {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let account = Arc::new(Account {
            service_id: service_id.to_owned(),
            access_key: access_key.to_owned(),
            secret_key: secret_key.to_owned(),
        });
        let router = Router::new()
            .route("/sms/v2/services/{service}/messages", post(send))
            .route("/__fake/sens/messages", get(list))
            .with_state((inner.clone(), account.clone()));
        let base = super::serve(router).await?;
        Ok(Self {
            base,
            inner,
            account,
        })
    }

    /// Points our configuration at this fake with matching credentials.
    pub fn configure(&self, external: &mut shared::config::External) {
        external.sens = shared::config::SensConfig {
            service_id: self.account.service_id.clone(),
            access_key: self.account.access_key.clone(),
            secret_key: self.account.secret_key.clone(),
            base: self.base.clone(),
            from: "0212345678".into(),
        };
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn messages(&self) -> Vec<SentSms> {
        self.lock().messages.clone()
    }

    /// Requests refused for their credentials or signature.
    pub fn rejected(&self) -> u32 {
        self.lock().rejected
    }

    /// While down, every send answers 500.
    pub fn set_down(&self, down: bool) {
        self.lock().down = down;
    }

    /// Accepts (records) each message, then waits this long before
    /// answering: a client with a shorter timeout sees a timeout.
    pub fn set_delay(&self, delay: Option<std::time::Duration>) {
        self.lock().delay = delay;
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn expected_signature(
    path: &str,
    timestamp: &str,
    access_key: &str,
    secret: &str,
) -> Option<String> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(b"POST ");
    mac.update(path.as_bytes());
    mac.update(b"\n");
    mac.update(timestamp.as_bytes());
    mac.update(b"\n");
    mac.update(access_key.as_bytes());
    Some(BASE64.encode(mac.finalize().into_bytes()))
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({"error": {
            "errorCode": "200",
            "message": "Authentication Failed",
            "details": "Invalid authentication information."
        }})),
    )
        .into_response()
}

async fn send(
    State((inner, account)): State<Shared>,
    Path(service): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lock = || inner.lock().unwrap_or_else(|e| e.into_inner());
    if lock().down {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let timestamp = header(&headers, "x-ncp-apigw-timestamp");
    let fresh = timestamp
        .parse::<i64>()
        .is_ok_and(|t| (chrono::Utc::now().timestamp_millis() - t).abs() <= 5 * 60 * 1000);
    let signed = expected_signature(
        uri.path(),
        timestamp,
        &account.access_key,
        &account.secret_key,
    );
    let authentic = header(&headers, "x-ncp-iam-access-key") == account.access_key
        && fresh
        && signed.as_deref() == Some(header(&headers, "x-ncp-apigw-signature-v2"));
    if !authentic {
        lock().rejected += 1;
        return unauthorized();
    }
    if service != account.service_id {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"status": 404, "errorMessage": "Not Found Exception"})),
        )
            .into_response();
    }
    let Ok(message) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("body is not JSON");
    };
    let to: Vec<String> = message["messages"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|m| m["to"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let (Some(from), Some(content)) = (message["from"].as_str(), message["content"].as_str())
    else {
        return bad_request("from and content are required");
    };
    let kind = message["type"].as_str().unwrap_or_default();
    if !matches!(kind, "SMS" | "LMS")
        || to.is_empty()
        || to.iter().any(|t| !t.chars().all(|c| c.is_ascii_digit()))
    {
        return bad_request("type SMS or LMS and digit-only destinations are required");
    }
    // SENS takes 90 bytes (EUC-KR: 2 per Korean letter) in an SMS, 2000 in an LMS.
    let limit = if kind == "SMS" { 90 } else { 2000 };
    if euc_kr_bytes(content) > limit {
        return bad_request("content too long for its type");
    }
    let delay = {
        let mut state = lock();
        for to in to {
            state.messages.push(SentSms {
                kind: kind.to_owned(),
                from: from.to_owned(),
                to,
                content: content.to_owned(),
            });
        }
        state.delay
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    (
        StatusCode::ACCEPTED,
        axum::Json(json!({
            "requestId": format!("RSSA-{}", uuid::Uuid::new_v4().simple()),
            "requestTime": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
            "statusCode": "202",
            "statusName": "success",
        })),
    )
        .into_response()
}

/// Byte length in EUC-KR, estimated: ASCII 1, anything else 2.
fn euc_kr_bytes(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

fn bad_request(reason: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"status": 400, "errorMessage": reason})),
    )
        .into_response()
}

async fn list(State((inner, _)): State<Shared>) -> axum::Json<Vec<SentSms>> {
    axum::Json(
        inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .messages
            .clone(),
    )
}
