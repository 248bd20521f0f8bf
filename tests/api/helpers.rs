use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{Value, json};
use shared::App;
use shared::config::Config;

pub const USER_AGENT: &str = "Mozilla/5.0 (erun-tests)";
pub const TOKEN_KEY: &str = "test-token-key-0123456789abcdef";

pub struct TestApp {
    pub addr: SocketAddr,
    pub app: &'static App,
    pub http: reqwest::Client,
}

/// A response reduced to what the tests look at.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// DynamoDB round-trips the request made (counted by the SDK interceptor).
    pub fn ddb_calls(&self) -> u32 {
        self.header(functions::gateway::DDB_CALLS_HEADER)
            .and_then(|v| v.parse().ok())
            .expect("the dev gateway reports DynamoDB calls")
    }

    /// Asserts the contract's error envelope and returns its message.
    #[track_caller]
    pub fn error_message(&self) -> String {
        assert_eq!(
            self.status, 400,
            "expected a 400, got {}: {}",
            self.status, self.text
        );
        let body = self.json();
        assert_eq!(body["success"], false, "{body}");
        body["message"].as_str().expect("message").to_owned()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A fresh table and bucket (from template.yaml) and a dev gateway on an
/// ephemeral loopback port.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    assert!(
        std::env::var("AWS_ENDPOINT_URL_DYNAMODB").is_ok(),
        "the local engines are not running: use scripts/test.sh"
    );
    let id = uuid::Uuid::now_v7().simple().to_string();
    let mut config = Config::from_lookup(|name| match name {
        "TABLE_NAME" => Some(format!("test-{id}")),
        "IMAGE_BUCKET" => Some(format!("test-{id}")),
        "TOKENKEY" => Some(TOKEN_KEY.to_owned()),
        "VALID_ACCESS_TOKEN_TIME" => Some("3h".to_owned()),
        "VALID_REFRESH_TOKEN_TIME" => Some("14d".to_owned()),
        "ENABLE_TEST_ROUTES" => Some("1".to_owned()),
        _ => None,
    })
    .expect("test config");
    adjust(&mut config);
    let sdk = aws_config::load_from_env().await;
    let app: &'static App = Box::leak(Box::new(App::new(config, &sdk)));
    functions::devstack::ensure_table(&app.db.client, &app.config.table_name)
        .await
        .expect("create table");
    functions::devstack::ensure_bucket(&app.s3, &app.config.image_bucket)
        .await
        .expect("create bucket");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum_serve(listener, app).await });
    let http = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    TestApp { addr, app, http }
}

async fn axum_serve(listener: tokio::net::TcpListener, app: &'static App) {
    let router = functions::gateway::router(app);
    let _ = axum::serve(listener, router).await;
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("request sent");
        let reply = Reply {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            text: response.text().await.expect("body"),
        };
        crate::openapi::check_reply(&reply);
        reply
    }

    pub async fn request(&self, method: reqwest::Method, path: &str, auth: Option<&str>) -> Reply {
        let mut request = self.http.request(method, self.url(path));
        if let Some(value) = auth {
            request = request.header("authorization", value);
        }
        self.send(request).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.request(reqwest::Method::GET, path, Some(&format!("Bearer {token}")))
            .await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Reply {
        self.send(self.http.post(self.url(path)).json(body)).await
    }

    /// POST without a body, as the frontend's apply button does.
    pub async fn post_json_auth(&self, path: &str, token: &str) -> Reply {
        self.send(self.http.post(self.url(path)).bearer_auth(token))
            .await
    }

    /// Creates a test account and logs it in; returns (userId, token). Each
    /// call is a new account (its own password), even for a reused nickname.
    pub async fn login_as(&self, nickname: &str) -> (String, String) {
        let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
        let account = json!({ "nickname": nickname, "password": password });
        let signup = self.post_json("/testSignup", &account).await;
        assert_eq!(signup.json()["success"], true, "{}", signup.text);
        let login = self.post_json("/testlogin", &account).await;
        let token = login.json()["token"].as_str().expect("token").to_owned();
        let user_id = self
            .app
            .tokens
            .verify(&token, 0)
            .expect("our token")
            .user_id;
        (user_id, token)
    }

    /// Moves the app clock (the dev gateway's test-only route).
    pub async fn shift_clock(&self, offset_seconds: i64) {
        let reply = self
            .send(
                self.http
                    .put(self.url("/__dev/clock"))
                    .json(&json!({ "offsetSeconds": offset_seconds })),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
}
