//! The `/test*` routes: `/testSignup` and `/testlogin`, the test accounts
//! (auth.md §7.14, §7.15). They exist only with
//! `ENABLE_TEST_ROUTES=1` and then only for accounts whose `social` is not a
//! real provider; otherwise they fall through to the catch-all.

use lambda_http::Request;
use serde::Deserialize;
use serde_json::json;
use shared::domain::user::{SOCIAL_PROVIDERS, User, msg, parse_nickname};
use shared::error::OrFail;
use shared::http::{self, ok};
use shared::store::CreateOutcome;
use shared::{ApiError, ApiResult, App};

#[derive(Deserialize)]
struct TestAccount {
    nickname: Option<String>,
    password: Option<String>,
}

fn password(raw: Option<String>) -> Result<String, ApiError> {
    let password = raw
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ApiError::bad_request(msg::PASSWORD_MISSING))?;
    shared::domain::limits::TEST_ACCOUNT
        .check(Some(&password))
        .map_err(ApiError::bad_request)?;
    if SOCIAL_PROVIDERS.contains(&password.as_str()) {
        return Err(ApiError::bad_request(msg::PASSWORD_REFUSED));
    }
    Ok(password)
}

/// POST /testSignup — create a test account.
pub async fn test_signup(app: &App, req: Request) -> ApiResult {
    if !app.config.enable_test_routes {
        return Err(ApiError::NoRoute);
    }
    let body: TestAccount = http::json_body(&req)?;
    let nickname = parse_nickname(body.nickname.as_deref()).map_err(ApiError::bad_request)?;
    let password = password(body.password)?;

    let user = User::new(
        uuid::Uuid::new_v4().to_string(),
        nickname,
        "aaa".into(),
        password,
    );
    match app
        .db
        .create_user(&user)
        .await
        .or_fail(msg::TEST_SIGNUP_FAILED)?
    {
        CreateOutcome::Created => ok(&json!({ "success": true, "message": msg::TEST_SIGNED_UP })),
        CreateOutcome::AlreadyExists => Err(ApiError::bad_request(msg::TEST_SIGNUP_FAILED)),
    }
}

/// POST /testlogin — a never-expiring token for a test account.
pub async fn test_login(app: &App, req: Request) -> ApiResult {
    if !app.config.enable_test_routes {
        return Err(ApiError::NoRoute);
    }
    let body: TestAccount = http::json_body(&req)?;
    let nickname = parse_nickname(body.nickname.as_deref()).map_err(ApiError::bad_request)?;
    let password = password(body.password)?;

    let user = app
        .db
        .test_account(&nickname, &password)
        .await
        .or_fail(msg::LOGIN_FAILED)?
        .ok_or_else(|| ApiError::bad_request(msg::TEST_LOGIN_MISMATCH))?;
    let token = app
        .tokens
        .test_token(&user.user_id, app.clock.now().timestamp())
        .or_fail(msg::LOGIN_FAILED)?;
    ok(&json!({ "success": true, "token": token }))
}
