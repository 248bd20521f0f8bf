//! A fake Kakao and Naver login on one loopback port, with the providers'
//! wire formats:
//!
//! | provider | endpoint | fake path |
//! | --- | --- | --- |
//! | Kakao | `GET https://kauth.kakao.com/oauth/authorize` | `/kakao/auth/oauth/authorize` |
//! | Kakao | `POST https://kauth.kakao.com/oauth/token` (form) | `/kakao/auth/oauth/token` |
//! | Kakao | `GET https://kapi.kakao.com/v2/user/me` (Bearer) | `/kakao/api/v2/user/me` |
//! | Naver | `GET https://nid.naver.com/oauth2.0/authorize` | `/naver/auth/oauth2.0/authorize` |
//! | Naver | `POST https://nid.naver.com/oauth2.0/token` (form) | `/naver/auth/oauth2.0/token` |
//! | Naver | `GET https://openapi.naver.com/v1/nid/me` (Bearer) | `/naver/api/v1/nid/me` |
//!
//! Codes are single use. Kakao answers errors with 4xx and
//! `{"error","error_description","error_code"}`; Naver with **HTTP 200** and
//! `{"error","error_description"}`; profile endpoints refuse unknown tokens
//! with 401. Besides codes issued by [`FakeProviders::issue_code`] (tests)
//! and by the authorize page (browser), any code of the form
//! `dev-<socialId>-<nickname>` is accepted once, so a developer can log in
//! with `curl '…/user/kakao/callback?code=dev-42-러너'`.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use shared::config::OAuthClient;

/// A provider account the fake logs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeAccount {
    pub social_id: String,
    pub nickname: Option<String>,
    pub profile_image: Option<String>,
}

impl FakeAccount {
    pub fn new(social_id: &str, nickname: &str) -> Self {
        Self {
            social_id: social_id.to_owned(),
            nickname: Some(nickname.to_owned()),
            profile_image: Some(format!("http://img.fake/{social_id}.jpg")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FakeProvider {
    Kakao,
    Naver,
}

impl FakeProvider {
    fn name(self) -> &'static str {
        match self {
            FakeProvider::Kakao => "kakao",
            FakeProvider::Naver => "naver",
        }
    }
}

#[derive(Debug, Clone)]
struct Grant {
    provider: FakeProvider,
    account: FakeAccount,
    /// The profile endpoint will refuse this grant's token.
    broken_profile: bool,
}

#[derive(Default)]
struct Inner {
    codes: HashMap<String, Grant>,
    used_dev_codes: HashSet<(FakeProvider, String)>,
    tokens: HashMap<String, Grant>,
    down: bool,
    token_requests: Vec<(FakeProvider, HashMap<String, String>)>,
}

/// The fake's expected clients; [`FakeProviders::configure`] writes the same
/// values into our configuration.
#[derive(Clone)]
struct Clients {
    kakao: OAuthClient,
    naver: OAuthClient,
}

#[derive(Clone)]
pub struct FakeProviders {
    pub base: String,
    inner: Arc<Mutex<Inner>>,
    clients: Arc<Clients>,
}

type Shared = (Arc<Mutex<Inner>>, Arc<Clients>);

impl FakeProviders {
    /// Starts the fake on `127.0.0.1:0`. `redirect_url` is the frontend
    /// callback page the clients are registered with.
    pub async fn start(kakao_redirect: &str, naver_redirect: &str) -> anyhow::Result<Self> {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let client = |id: &str, secret: Option<&str>, redirect: &str| OAuthClient {
            client_id: id.to_owned(),
            client_secret: secret.map(str::to_owned),
            redirect_url: redirect.to_owned(),
            auth_base: String::new(),
            api_base: String::new(),
        };
        let mut clients = Clients {
            kakao: client("fake-kakao-client", None, kakao_redirect),
            naver: client(
                "fake-naver-client",
                Some("fake-naver-secret"),
                naver_redirect,
            ),
        };
        let shared: Shared = (inner.clone(), Arc::new(clients.clone()));
        let router = Router::new()
            .route("/kakao/auth/oauth/authorize", get(kakao_authorize))
            .route("/kakao/auth/oauth/token", post(kakao_token))
            .route("/kakao/api/v2/user/me", get(kakao_me))
            .route("/naver/auth/oauth2.0/authorize", get(naver_authorize))
            .route(
                "/naver/auth/oauth2.0/token",
                post(naver_token).get(naver_token_get),
            )
            .route("/naver/api/v1/nid/me", get(naver_me))
            .with_state(shared.clone());
        let base = super::serve(router).await?;
        clients.kakao.auth_base = format!("{base}/kakao/auth");
        clients.kakao.api_base = format!("{base}/kakao/api");
        clients.naver.auth_base = format!("{base}/naver/auth");
        clients.naver.api_base = format!("{base}/naver/api");
        Ok(Self {
            base,
            inner: shared.0,
            clients: Arc::new(clients),
        })
    }

    /// Points our configuration at this fake (client ids, secret, bases).
    pub fn configure(&self, external: &mut shared::config::External) {
        external.kakao = self.clients.kakao.clone();
        external.naver = self.clients.naver.clone();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A fresh single-use code that logs `account` in.
    pub fn issue_code(&self, provider: FakeProvider, account: FakeAccount) -> String {
        self.issue(provider, account, false)
    }

    /// A code whose exchange works but whose profile fetch is refused.
    pub fn issue_code_with_broken_profile(
        &self,
        provider: FakeProvider,
        account: FakeAccount,
    ) -> String {
        self.issue(provider, account, true)
    }

    fn issue(&self, provider: FakeProvider, account: FakeAccount, broken_profile: bool) -> String {
        let code = format!("{}-code-{}", provider.name(), uuid::Uuid::new_v4().simple());
        self.lock().codes.insert(
            code.clone(),
            Grant {
                provider,
                account,
                broken_profile,
            },
        );
        code
    }

    /// While down, the token endpoints answer 503.
    pub fn set_down(&self, down: bool) {
        self.lock().down = down;
    }

    /// The form fields of every token request received, in order.
    pub fn token_requests(&self) -> Vec<(FakeProvider, HashMap<String, String>)> {
        self.lock().token_requests.clone()
    }
}

fn lock(inner: &Mutex<Inner>) -> std::sync::MutexGuard<'_, Inner> {
    inner.lock().unwrap_or_else(|e| e.into_inner())
}

/// `dev-<socialId>-<nickname>`: the documented offline code format.
fn dev_account(code: &str) -> Option<FakeAccount> {
    let rest = code.strip_prefix("dev-")?;
    let (id, nickname) = rest.split_once('-').unwrap_or((rest, "개발러너"));
    (!id.is_empty()).then(|| FakeAccount::new(id, nickname))
}

/// Takes a code (single use) and checks the client; `Err` is the error
/// body of the provider.
fn redeem(
    inner: &Mutex<Inner>,
    provider: FakeProvider,
    expected: &OAuthClient,
    form: &HashMap<String, String>,
) -> Result<String, (&'static str, String)> {
    let mut state = lock(inner);
    state.token_requests.push((provider, form.clone()));
    let field = |k: &str| form.get(k).map(String::as_str);
    if field("grant_type") != Some("authorization_code") {
        return Err(("unsupported_grant_type", "grant_type missing".into()));
    }
    if field("client_id") != Some(expected.client_id.as_str())
        || field("client_secret") != expected.client_secret.as_deref()
    {
        return Err(("invalid_client", "Bad client credentials".into()));
    }
    if provider == FakeProvider::Kakao && field("redirect_uri") != Some(&expected.redirect_url) {
        return Err(("invalid_grant", "Redirect URI mismatch.".into()));
    }
    let code = field("code").unwrap_or_default().to_owned();
    let grant = match state.codes.remove(&code) {
        Some(grant) if grant.provider == provider => grant,
        _ => match dev_account(&code) {
            Some(account) if state.used_dev_codes.insert((provider, code.clone())) => Grant {
                provider,
                account,
                broken_profile: false,
            },
            _ => {
                return Err((
                    "invalid_grant",
                    format!("authorization code not found for code={code}"),
                ));
            }
        },
    };
    let token = format!("{}-at-{}", provider.name(), uuid::Uuid::new_v4().simple());
    state.tokens.insert(token.clone(), grant);
    Ok(token)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
}

fn token_of(inner: &Mutex<Inner>, provider: FakeProvider, headers: &HeaderMap) -> Option<Grant> {
    let token = bearer(headers)?;
    lock(inner)
        .tokens
        .get(token)
        .filter(|g| g.provider == provider && !g.broken_profile)
        .cloned()
}

// ---- authorize pages (browser): log in at once as the account in the query ----

fn authorize(
    inner: &Mutex<Inner>,
    provider: FakeProvider,
    expected: &OAuthClient,
    query: &HashMap<String, String>,
) -> Response {
    let redirect = query.get("redirect_uri").cloned().unwrap_or_default();
    if query.get("client_id") != Some(&expected.client_id) || redirect != expected.redirect_url {
        return (
            StatusCode::BAD_REQUEST,
            "fake provider: unknown client or redirect_uri",
        )
            .into_response();
    }
    let state = query
        .get("state")
        .map(|s| format!("&state={}", urlencode(s)))
        .unwrap_or_default();
    if query.get("deny").is_some() {
        return Redirect::to(&format!(
            "{redirect}?error=access_denied&error_description=User%20denied%20access{state}"
        ))
        .into_response();
    }
    let account = FakeAccount::new(
        query.get("id").map(String::as_str).unwrap_or("1001"),
        query
            .get("nickname")
            .map(String::as_str)
            .unwrap_or("개발러너"),
    );
    let code = format!("{}-code-{}", provider.name(), uuid::Uuid::new_v4().simple());
    lock(inner).codes.insert(
        code.clone(),
        Grant {
            provider,
            account,
            broken_profile: false,
        },
    );
    let separator = if redirect.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{redirect}{separator}code={code}{state}")).into_response()
}

/// An `application/x-www-form-urlencoded` body.
fn form_fields(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn kakao_authorize(
    State((inner, clients)): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    authorize(&inner, FakeProvider::Kakao, &clients.kakao, &query)
}

async fn naver_authorize(
    State((inner, clients)): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    authorize(&inner, FakeProvider::Naver, &clients.naver, &query)
}

// ---- Kakao ----

async fn kakao_token(State((inner, clients)): State<Shared>, body: Bytes) -> Response {
    if lock(&inner).down {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let form = form_fields(&body);
    match redeem(&inner, FakeProvider::Kakao, &clients.kakao, &form) {
        Ok(token) => axum::Json(json!({
            "access_token": token,
            "token_type": "bearer",
            "refresh_token": format!("rt-{}", uuid::Uuid::new_v4().simple()),
            "expires_in": 21599,
            "scope": "profile_image profile_nickname",
            "refresh_token_expires_in": 5_183_999,
        }))
        .into_response(),
        Err((error, description)) => {
            let (status, code) = match error {
                "invalid_client" => (StatusCode::UNAUTHORIZED, "KOE010"),
                _ => (StatusCode::BAD_REQUEST, "KOE320"),
            };
            (
                status,
                axum::Json(
                    json!({"error": error, "error_description": description, "error_code": code}),
                ),
            )
                .into_response()
        }
    }
}

async fn kakao_me(State((inner, _)): State<Shared>, headers: HeaderMap) -> Response {
    let Some(grant) = token_of(&inner, FakeProvider::Kakao, &headers) else {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"msg": "this access token does not exist", "code": -401})),
        )
            .into_response();
    };
    let a = grant.account;
    let id: Value = a
        .social_id
        .parse::<u64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::from(a.social_id.clone()));
    let mut properties = serde_json::Map::new();
    if let Some(n) = &a.nickname {
        properties.insert("nickname".into(), json!(n));
    }
    if let Some(p) = &a.profile_image {
        properties.insert("profile_image".into(), json!(p));
        properties.insert("thumbnail_image".into(), json!(p));
    }
    axum::Json(json!({
        "id": id,
        "connected_at": "2022-06-01T00:00:00Z",
        "properties": properties,
        "kakao_account": {
            "profile_nickname_needs_agreement": a.nickname.is_none(),
            "profile": { "nickname": a.nickname, "profile_image_url": a.profile_image },
        },
    }))
    .into_response()
}

// ---- Naver: errors are HTTP 200 with an `error` field ----

fn naver_token_answer(
    inner: &Mutex<Inner>,
    clients: &Clients,
    form: &HashMap<String, String>,
) -> Response {
    if lock(inner).down {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    match redeem(inner, FakeProvider::Naver, &clients.naver, form) {
        Ok(token) => axum::Json(json!({
            "access_token": token,
            "refresh_token": format!("rt-{}", uuid::Uuid::new_v4().simple()),
            "token_type": "bearer",
            "expires_in": "3600",
        }))
        .into_response(),
        Err((error, description)) => {
            axum::Json(json!({"error": error, "error_description": description})).into_response()
        }
    }
}

async fn naver_token(State((inner, clients)): State<Shared>, body: Bytes) -> Response {
    naver_token_answer(&inner, &clients, &form_fields(&body))
}

async fn naver_token_get(
    State((inner, clients)): State<Shared>,
    Query(form): Query<HashMap<String, String>>,
) -> Response {
    naver_token_answer(&inner, &clients, &form)
}

async fn naver_me(State((inner, _)): State<Shared>, headers: HeaderMap) -> Response {
    let Some(grant) = token_of(&inner, FakeProvider::Naver, &headers) else {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"resultcode": "024", "message": "Authentication failed (인증 실패하였습니다.)"})),
        )
            .into_response();
    };
    let a = grant.account;
    let mut response = serde_json::Map::new();
    response.insert("id".into(), json!(a.social_id));
    if let Some(n) = &a.nickname {
        response.insert("nickname".into(), json!(n));
    }
    if let Some(p) = &a.profile_image {
        response.insert("profile_image".into(), json!(p));
    }
    axum::Json(json!({"resultcode": "00", "message": "success", "response": response}))
        .into_response()
}
