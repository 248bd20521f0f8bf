//! Token auth (auth.md §3), the test-account routes, `/user/auth`, `/user/logout`.

use reqwest::Method;
use serde_json::json;
use shared::http::auth::*;

use crate::helpers::{USER_AGENT, spawn_app, spawn_app_with};

const THREE_HOURS: i64 = 3 * 3600;
const FOURTEEN_DAYS: i64 = 14 * 86_400;

// ---- test accounts ----

#[tokio::test]
async fn a_test_account_can_sign_up_and_log_in_with_a_token_that_never_expires() {
    let app = spawn_app().await;
    let account = json!({ "nickname": "tester", "password": "pw" });

    let signup = app.post_json("/testSignup", &account).await;
    assert_eq!(signup.status, 200);
    assert_eq!(
        signup.json(),
        json!({ "success": true, "message": "테스트 계정 완료" })
    );

    let login = app.post_json("/testlogin", &account).await;
    assert_eq!(login.status, 200);
    let body = login.json();
    assert_eq!(body["success"], true);
    let token = body["token"].as_str().expect("token");
    let claims = app
        .app
        .tokens
        .verify(token, i64::MAX / 4)
        .expect("valid forever");
    assert_eq!(claims.exp, None);

    let me = app.get("/user/auth", token).await;
    assert_eq!(me.json()["nickname"], "tester");
}

#[tokio::test]
async fn signup_without_a_nickname_is_a_400_not_a_crash() {
    let app = spawn_app().await;
    let reply = app
        .post_json("/testSignup", &json!({ "password": "pw" }))
        .await;
    assert_eq!(reply.error_message(), "닉네임을 입력해 주세요.");
}

#[tokio::test]
async fn malformed_json_is_a_400_with_the_error_envelope() {
    let app = spawn_app().await;
    let reply = app
        .send(
            app.http
                .post(app.url("/testSignup"))
                .header("content-type", "application/json;charset=UTF-8")
                .body("{\"nickname\": }"),
        )
        .await;
    assert!(reply.error_message().starts_with("잘못된 요청 본문입니다"));
}

#[tokio::test]
async fn login_with_an_unknown_nickname_or_wrong_password_is_a_400() {
    let app = spawn_app().await;
    app.login_as("tester").await;
    let unknown = app
        .post_json(
            "/testlogin",
            &json!({ "nickname": "nobody", "password": "pw" }),
        )
        .await;
    assert_eq!(
        unknown.error_message(),
        "닉네임 또는 비밀번호가 일치하지 않습니다."
    );
    let wrong = app
        .post_json(
            "/testlogin",
            &json!({ "nickname": "tester", "password": "other" }),
        )
        .await;
    assert_eq!(
        wrong.error_message(),
        "닉네임 또는 비밀번호가 일치하지 않습니다."
    );
}

#[tokio::test]
async fn test_accounts_can_never_pose_as_kakao_or_naver_users() {
    let app = spawn_app().await;
    for provider in ["kakao", "naver"] {
        let account = json!({ "nickname": "tester", "password": provider });
        assert_eq!(
            app.post_json("/testSignup", &account).await.error_message(),
            "사용할 수 없는 비밀번호입니다."
        );
        assert_eq!(
            app.post_json("/testlogin", &account).await.error_message(),
            "사용할 수 없는 비밀번호입니다."
        );
    }
}

#[tokio::test]
async fn test_routes_fall_through_to_the_catch_all_when_disabled() {
    let app = spawn_app_with(|c| c.enable_test_routes = false).await;
    for path in ["/testSignup", "/testlogin"] {
        let reply = app
            .post_json(path, &json!({ "nickname": "tester", "password": "pw" }))
            .await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.text, "테스트 성공");
    }
    let clock = app
        .send(
            app.http
                .put(app.url("/__dev/clock"))
                .json(&json!({"offsetSeconds": 1})),
        )
        .await;
    assert_eq!(
        clock.text, "테스트 성공",
        "the clock route exists only with test routes on"
    );
}

// ---- GET /user/auth ----

#[tokio::test]
async fn user_auth_returns_the_five_fields_the_frontend_stores_in_one_dynamodb_call() {
    let app = spawn_app().await;
    let (user_id, token) = app.login_as("러너").await;
    let reply = app.get("/user/auth", &token).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(
        reply.json(),
        json!({
            "success": true,
            "userId": user_id,
            "nickname": "러너",
            "profileUrl": "aaa",
            "firstLogin": true,
            "agreeSMS": false,
        })
    );
    assert_eq!(reply.ddb_calls(), 1);
}

#[tokio::test]
async fn required_auth_rejects_each_bad_header_with_its_exact_message() {
    let app = spawn_app().await;
    let (_, token) = app.login_as("tester").await;
    let cases: &[(Option<String>, &str)] = &[
        (None, AUTH_MISSING),
        (Some(String::new()), AUTH_MISSING),
        (Some("Bearer".into()), AUTH_MALFORMED),
        (Some(format!("Bearer  {token}")), AUTH_MALFORMED),
        (Some(format!("Bearer {token} extra")), AUTH_MALFORMED),
        (Some(format!("Basic {token}")), AUTH_NOT_BEARER),
        (Some(format!("bearer {token}")), AUTH_NOT_BEARER),
        (Some("Bearer undefined".into()), TOKEN_PROBLEM),
        (Some("Bearer null".into()), TOKEN_PROBLEM),
        (Some("Bearer not.a.jwt".into()), TOKEN_PROBLEM),
    ];
    for (header, expected) in cases {
        let reply = app
            .request(Method::GET, "/user/auth", header.as_deref())
            .await;
        assert_eq!(reply.error_message(), *expected, "header {header:?}");
    }
}

#[tokio::test]
async fn a_token_with_a_forged_signature_is_a_token_problem() {
    let app = spawn_app().await;
    let (user_id, _) = app.login_as("tester").await;
    let forged = shared::domain::token::TokenKeys::new(
        b"somebody-elses-key-000",
        std::time::Duration::from_secs(60),
        std::time::Duration::from_secs(60),
    )
    .test_token(&user_id, 0)
    .expect("sign");
    assert_eq!(
        app.get("/user/auth", &forged).await.error_message(),
        TOKEN_PROBLEM
    );
}

#[tokio::test]
async fn a_valid_token_of_a_user_who_no_longer_exists_is_a_token_problem() {
    let app = spawn_app().await;
    let token = app
        .app
        .tokens
        .access_token("deleted-user", app.app.clock.now().timestamp())
        .expect("sign");
    assert_eq!(
        app.get("/user/auth", &token).await.error_message(),
        TOKEN_PROBLEM
    );
}

// ---- the refresh path ----

/// Logs in a test user and gives them a stored refresh token for this
/// browser, as the OAuth callbacks do. Returns (userId, access, refresh).
async fn session(app: &crate::helpers::TestApp) -> (String, String, String) {
    let (user_id, _) = app.login_as("tester").await;
    let now = app.app.clock.now().timestamp();
    let access = app.app.tokens.access_token(&user_id, now).expect("access");
    let refresh = app
        .app
        .tokens
        .refresh_token(&user_id, now)
        .expect("refresh");
    app.app
        .db
        .put_refresh_token(&user_id, USER_AGENT, &refresh, now + FOURTEEN_DAYS)
        .await
        .expect("store refresh token");
    (user_id, access, refresh)
}

async fn with_refresh(
    app: &crate::helpers::TestApp,
    access: &str,
    reauth: Option<&str>,
) -> crate::helpers::Reply {
    let mut request = app
        .http
        .get(app.url("/user/auth"))
        .header("authorization", format!("Bearer {access}"));
    if let Some(value) = reauth {
        request = request.header("reAuthorization", value);
    }
    app.send(request).await
}

#[tokio::test]
async fn an_expired_access_token_with_a_good_refresh_token_gets_401_and_a_working_new_token() {
    let app = spawn_app().await;
    let (user_id, access, refresh) = session(&app).await;
    app.shift_clock(THREE_HOURS + 1).await;

    let reply = with_refresh(&app, &access, Some(&format!("Bearer {refresh}"))).await;
    assert_eq!(reply.status, 401);
    let body = reply.json();
    assert_eq!(body["succcss"], false);
    assert_eq!(body["message"], "token 만료");
    assert_eq!(body["reason"], "new Token 발급");
    assert!(body.get("success").is_none());
    let new_token = body["token"].as_str().expect("new token");
    let claims = app
        .app
        .tokens
        .verify(new_token, app.app.clock.now().timestamp())
        .expect("fresh");
    assert_eq!(claims.user_id, user_id);
    assert_eq!(claims.exp, Some(claims.iat + THREE_HOURS));

    let retried = app.get("/user/auth", new_token).await;
    assert_eq!(retried.status, 200);
    assert_eq!(retried.json()["userId"], user_id);
}

#[tokio::test]
async fn the_refresh_path_reports_each_problem_with_its_exact_message() {
    let app = spawn_app().await;
    let (_, access, refresh) = session(&app).await;
    app.shift_clock(THREE_HOURS + 1).await;
    let other_key = shared::domain::token::TokenKeys::new(
        b"somebody-elses-key-000",
        std::time::Duration::from_secs(60),
        std::time::Duration::from_secs(60),
    );
    let forged = other_key.refresh_token("x", 0).expect("sign");
    let cases: &[(Option<String>, &str)] = &[
        (None, REAUTH_MISSING),
        (Some(String::new()), REAUTH_MISSING),
        (Some(refresh.clone()), REAUTH_MALFORMED),
        (Some(format!("Token {refresh}")), REAUTH_NOT_BEARER),
        (Some("Bearer undefined".into()), REFRESH_PROBLEM),
        (Some(format!("Bearer {forged}")), REFRESH_PROBLEM),
    ];
    for (header, expected) in cases {
        let reply = with_refresh(&app, &access, header.as_deref()).await;
        assert_eq!(
            reply.error_message(),
            *expected,
            "reAuthorization {header:?}"
        );
    }
}

#[tokio::test]
async fn an_expired_refresh_token_ends_the_session() {
    let app = spawn_app().await;
    let (_, access, refresh) = session(&app).await;
    app.shift_clock(FOURTEEN_DAYS + 1).await;
    let reply = with_refresh(&app, &access, Some(&format!("Bearer {refresh}"))).await;
    assert_eq!(reply.error_message(), REFRESH_EXPIRED);
}

#[tokio::test]
async fn a_refresh_token_not_stored_for_this_browser_is_refused() {
    let app = spawn_app().await;
    let (user_id, access, refresh) = session(&app).await;
    // A newer login from the same browser replaced the stored token.
    let now = app.app.clock.now().timestamp();
    let newer = app
        .app
        .tokens
        .refresh_token(&user_id, now + 1)
        .expect("refresh");
    app.app
        .db
        .put_refresh_token(&user_id, USER_AGENT, &newer, now + FOURTEEN_DAYS)
        .await
        .expect("store");
    app.shift_clock(THREE_HOURS + 1).await;

    let reply = with_refresh(&app, &access, Some(&format!("Bearer {refresh}"))).await;
    assert_eq!(reply.error_message(), REFRESH_MISMATCH);

    let other_browser = app
        .send(
            app.http
                .get(app.url("/user/auth"))
                .header("user-agent", "Another Browser")
                .header("authorization", format!("Bearer {access}"))
                .header("reAuthorization", format!("Bearer {newer}")),
        )
        .await;
    assert_eq!(
        other_browser.error_message(),
        REFRESH_MISMATCH,
        "slots are per User-Agent"
    );
}

// ---- DELETE /user/logout ----

#[tokio::test]
async fn logout_forgets_only_this_browsers_refresh_token() {
    let app = spawn_app().await;
    let (user_id, access, refresh) = session(&app).await;
    let now = app.app.clock.now().timestamp();
    app.app
        .db
        .put_refresh_token(&user_id, "Phone", &refresh, now + FOURTEEN_DAYS)
        .await
        .expect("store");

    let reply = app
        .request(
            Method::DELETE,
            "/user/logout",
            Some(&format!("Bearer {access}")),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({ "success": true, "message": "로그아웃 되었습니다." })
    );

    let db = &app.app.db;
    assert_eq!(
        db.refresh_token(&user_id, USER_AGENT, now)
            .await
            .expect("read"),
        None
    );
    assert_eq!(
        db.refresh_token(&user_id, "Phone", now)
            .await
            .expect("read"),
        Some(refresh.clone())
    );

    app.shift_clock(THREE_HOURS + 1).await;
    let after = with_refresh(&app, &access, Some(&format!("Bearer {refresh}"))).await;
    assert_eq!(after.error_message(), REFRESH_MISMATCH);
}

#[tokio::test]
async fn logout_requires_a_login() {
    let app = spawn_app().await;
    let reply = app
        .request(Method::DELETE, "/user/logout", Some("Bearer undefined"))
        .await;
    assert_eq!(reply.error_message(), TOKEN_PROBLEM);
}

// ---- OPTIONAL mode (used by the list and detail routes) ----

fn request_with(headers: &[(&str, &str)]) -> lambda_http::Request {
    let mut request = lambda_http::Request::default();
    for (k, v) in headers {
        request.headers_mut().insert(
            http::HeaderName::from_bytes(k.as_bytes()).expect("name"),
            http::HeaderValue::from_str(v).expect("value"),
        );
    }
    request
}

#[tokio::test]
async fn optional_auth_treats_only_bearer_undefined_as_anonymous() {
    let app = spawn_app().await;
    let (user_id, token) = app.login_as("tester").await;
    let a = app.app;

    let anonymous = optional_user(a, &request_with(&[("authorization", "Bearer undefined")])).await;
    assert!(matches!(anonymous, Ok(None)));

    let known = optional_user(
        a,
        &request_with(&[("authorization", &format!("Bearer {token}"))]),
    )
    .await
    .expect("known user")
    .expect("not anonymous");
    assert_eq!(known.user_id(), user_id);

    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[], TOKEN_PROBLEM),
        (&[("authorization", "")], AUTH_MALFORMED),
        (&[("authorization", "Bearer null")], TOKEN_PROBLEM),
        (&[("authorization", "Basic abc")], AUTH_NOT_BEARER),
    ];
    for (headers, expected) in cases {
        let err = optional_user(a, &request_with(headers))
            .await
            .expect_err("refused");
        assert_eq!(err.to_string(), *expected, "{headers:?}");
    }
}
