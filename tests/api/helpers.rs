use std::net::SocketAddr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde_json::{Value, json};
use shared::App;
use shared::config::Config;
use shared::time::kst;

pub const USER_AGENT: &str = "Mozilla/5.0 (erun-tests)";
pub const TOKEN_KEY: &str = "test-token-key-0123456789abcdef";

pub struct TestApp {
    pub addr: SocketAddr,
    pub app: &'static App,
    pub http: reqwest::Client,
    /// The app clock's instant when the test started (see [`pinned_start`]).
    pub start: DateTime<Utc>,
    /// The clock offset that pinned it there (seconds from the real clock).
    pinned_offset: i64,
}

/// Where every test's app clock starts: 12:00 KST of the current KST date.
/// Test fixtures take their dates from the app clock ([`TestApp::now`],
/// [`TestApp::today`]), never from the machine's clock, and noon is twelve
/// hours from the KST midnight either way, so no test crosses a date line
/// that its fixtures did not expect, whenever the suite runs.
pub fn pinned_start() -> DateTime<Utc> {
    let today = Utc::now().with_timezone(&kst()).date_naive();
    kst_instant(today, NaiveTime::from_hms_opt(12, 0, 0).expect("noon"))
}

/// A KST wall-clock time as an instant.
pub fn kst_instant(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    shared::domain::group::start_instant(date, time)
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
        self.header(functions::local::gateway::DDB_CALLS_HEADER)
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
    // Every AWS call a route makes, for the IAM coverage check (tests/iam).
    let recording =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(shared::aws_ops::RECORDING_FILE);
    shared::aws_ops::record_to(&recording).expect("AWS operation recording");
    let sdk = aws_config::load_from_env().await;
    let app: &'static App = Box::leak(Box::new(App::new(config, &sdk)));
    let start = pinned_start();
    let pinned_offset = (start - Utc::now()).num_seconds();
    app.clock.set_offset_seconds(pinned_offset);
    functions::local::devstack::ensure_table(&app.db.client, &app.config.table_name)
        .await
        .expect("create table");
    functions::local::devstack::ensure_bucket(&app.s3, &app.config.image_bucket)
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
    TestApp {
        addr,
        app,
        http,
        start,
        pinned_offset,
    }
}

async fn axum_serve(listener: tokio::net::TcpListener, app: &'static App) {
    let router = functions::local::gateway::router(app);
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

    /// Every object key in the test's image bucket, sorted.
    pub async fn bucket_keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        let mut pages = self
            .app
            .s3
            .list_objects_v2()
            .bucket(&self.app.config.image_bucket)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.expect("list objects");
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_owned)),
            );
        }
        keys.sort();
        keys
    }

    /// The app clock's now (what every handler reads).
    pub fn now(&self) -> DateTime<Utc> {
        self.app.clock.now()
    }

    /// Today in KST by the app clock.
    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&kst()).date_naive()
    }

    /// Moves the app clock `seconds` ahead of where the pinned clock would
    /// read now (not cumulative: each call replaces the previous shift),
    /// through the dev gateway's test-only route.
    pub async fn shift_clock(&self, seconds: i64) {
        self.set_clock_offset(self.pinned_offset + seconds).await;
    }

    /// Sets the app clock to `at` (to the second; it keeps running from there).
    pub async fn set_clock(&self, at: DateTime<Utc>) {
        self.set_clock_offset((at - Utc::now()).num_seconds()).await;
    }

    async fn set_clock_offset(&self, offset: i64) {
        let reply = self
            .send(
                self.http
                    .put(self.url("/__dev/clock"))
                    .json(&json!({ "offsetSeconds": offset })),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }

    /// Sets the app clock to the whole second `at` right after a real second
    /// begins, so that the requests of the next ~900 ms read `at`'s second
    /// (for rules that count whole seconds).
    pub async fn set_clock_at_second_start(&self, at: DateTime<Utc>) {
        let into_second = Utc::now().timestamp_subsec_millis();
        tokio::time::sleep(Duration::from_millis(u64::from(
            1005 - into_second.min(1000),
        )))
        .await;
        let now = Utc::now();
        self.app
            .clock
            .set_offset_seconds(at.timestamp() - now.timestamp());
    }
}
