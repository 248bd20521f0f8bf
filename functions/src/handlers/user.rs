//! Every `/user/*` route: who am I and logout, social login (Kakao, Naver),
//! SMS phone verification and account deletion (auth.md §7).

use lambda_http::Request;
use serde_json::{Value, json};
use shared::domain::image::folder;
use shared::domain::phone::{self, CODE_TTL_SECONDS, PhoneCode, SEND_INTERVAL_SECONDS};
use shared::domain::social::{self, Provider};
use shared::domain::user::{SOCIAL_PROVIDERS, User, msg};
use shared::error::OrFail;
use shared::http::response::redirect;
use shared::http::{self, auth, ok};
use shared::services::{groups, images, oauth, sms};
use shared::store::{SendCodeOutcome, SignupOutcome, VerifyOutcome};
use shared::time::instant_key;
use shared::{ApiError, ApiResult, App};

// ---- session ----

/// GET /user/auth — who am I (app start, header).
pub async fn auth(app: &App, req: Request) -> ApiResult {
    let me = auth::require_user(app, &req).await?;
    let user = &me.user;
    ok(&json!({
        "success": true,
        "userId": user.user_id,
        "nickname": user.nickname,
        "profileUrl": user.profile_url,
        "firstLogin": user.first_login(),
        "agreeSMS": user.agree_sms,
    }))
}

/// DELETE /user/logout — forget this browser's refresh token.
pub async fn logout(app: &App, req: Request) -> ApiResult {
    let me = auth::require_user(app, &req).await?;
    app.db
        .delete_refresh_token(me.user_id(), &http::user_agent(&req))
        .await
        .or_fail(msg::LOGOUT_FAILED)?;
    ok(&json!({ "success": true, "message": msg::LOGGED_OUT }))
}

// ---- social login ----

/// GET /user/kakao — 302 to Kakao's authorize page (not used by the frontend).
pub async fn kakao(app: &App, _req: Request) -> ApiResult {
    redirect(&oauth::authorize_url(app, Provider::Kakao))
}

/// GET /user/naver — 302 to Naver's authorize page (not used by the frontend).
pub async fn naver(app: &App, _req: Request) -> ApiResult {
    redirect(&oauth::authorize_url(app, Provider::Naver))
}

/// GET /user/kakao/callback?code= — log in (or sign up) with a Kakao code.
pub async fn kakao_callback(app: &App, req: Request) -> ApiResult {
    callback(app, req, Provider::Kakao).await
}

/// GET /user/naver/callback?code=&state= — log in (or sign up) with a Naver code.
pub async fn naver_callback(app: &App, req: Request) -> ApiResult {
    callback(app, req, Provider::Naver).await
}

/// The auth headers the frontend sends along are ignored here.
async fn callback(app: &App, req: Request, provider: Provider) -> ApiResult {
    let code = http::query(&req, "code").filter(|c| !c.is_empty());
    let provider_error = http::query(&req, "error").is_some();
    let code = match code {
        // The user cancelled at the provider (`error=access_denied`), or the
        // frontend had no code and sent the text `null`.
        _ if provider_error => return Err(ApiError::bad_request(msg::TOKEN_FAILED)),
        Some(c) if c == "null" || c == "undefined" => {
            return Err(ApiError::bad_request(msg::TOKEN_FAILED));
        }
        Some(c) => c,
        None => return redirect(&oauth::authorize_url(app, provider)),
    };
    let state = http::query(&req, "state");

    let profile = oauth::login(app, provider, &code, state.as_deref())
        .await
        .map_err(|e| ApiError::Failed {
            message: e.message(),
            cause: e.into(),
        })?;
    let user = social_user(app, provider, &profile).await?;

    let now = app.clock.now().timestamp();
    let token = app
        .tokens
        .access_token(&user.user_id, now)
        .or_fail(msg::LOGIN_FAILED)?;
    let refresh = app
        .tokens
        .refresh_token(&user.user_id, now)
        .or_fail(msg::LOGIN_FAILED)?;
    let refresh_exp = now + app.tokens.refresh_ttl.as_secs() as i64;
    app.db
        .put_refresh_token(
            &user.user_id,
            &http::user_agent(&req),
            &refresh,
            refresh_exp,
        )
        .await
        .or_fail(msg::LOGIN_FAILED)?;
    ok(&json!({
        "succcss": true,
        "token": token,
        "refreshToken": refresh,
        "userId": user.user_id,
        "nickname": user.nickname,
        "profileUrl": user.profile_url,
        "firstLogin": user.first_login(),
        "agreeSMS": user.agree_sms,
    }))
}

/// The user linked to this social account, created on first login.
async fn social_user(
    app: &App,
    provider: Provider,
    profile: &social::SocialProfile,
) -> Result<User, ApiError> {
    if let Some(user) = linked_user(app, provider, &profile.social_id)
        .await
        .or_fail(msg::LOGIN_FAILED)?
    {
        return Ok(user);
    }
    let user = social::new_account(
        uuid::Uuid::new_v4().to_string(),
        provider,
        profile,
        rand_u32(),
    );
    match app
        .db
        .create_social_user(&user)
        .await
        .or_fail(msg::LOGIN_FAILED)?
    {
        SignupOutcome::Created => Ok(user),
        // A concurrent first login won: use its user.
        SignupOutcome::AlreadyLinked => linked_user(app, provider, &profile.social_id)
            .await
            .or_fail(msg::LOGIN_FAILED)?
            .ok_or_else(|| ApiError::bad_request(msg::LOGIN_FAILED)),
    }
}

async fn linked_user(
    app: &App,
    provider: Provider,
    social_id: &str,
) -> anyhow::Result<Option<User>> {
    match app.db.social_user_id(provider.as_str(), social_id).await? {
        Some(id) => app.db.user(&id).await,
        None => Ok(None),
    }
}

/// A random number (social nicknames, image keys).
pub(super) fn rand_u32() -> u32 {
    uuid::Uuid::new_v4().as_u128() as u32
}

// ---- SMS phone verification ----

/// POST /user/message — send a 6-digit code by SMS.
pub async fn send_code(app: &App, req: Request) -> ApiResult {
    let me = auth::require_user(app, &req).await?;
    let body: Value = http::json_body(&req).map_err(|_| ApiError::bad_request(msg::SEND_FAILED))?;
    let number = body["tel"]
        .as_str()
        .and_then(phone::normalise)
        .ok_or_else(|| ApiError::bad_request(msg::SEND_FAILED))?;
    let cipher = app
        .phone
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("PHONE_KEY is not configured"))
        .or_fail(msg::SEND_FAILED)?;

    let now = app.clock.now().timestamp();
    let tag = cipher.tag(&number);
    let code = PhoneCode {
        code: phone::new_code(),
        number_tag: tag.clone(),
        expires_at: now + CODE_TTL_SECONDS,
        attempts: 0,
    };
    match app
        .db
        .store_phone_code(me.user_id(), &code, &tag, now, SEND_INTERVAL_SECONDS)
        .await
        .or_fail(msg::SEND_FAILED)?
    {
        SendCodeOutcome::Stored => {}
        SendCodeOutcome::Throttled => return Err(ApiError::bad_request(msg::SEND_THROTTLED)),
    }
    sms::send(app, &number, &phone::sms_content(&code.code))
        .await
        .or_fail(msg::SEND_FAILED)?;
    ok(&json!({ "success": true, "message": msg::CODE_SENT }))
}

/// POST /user/verify — check the code and save the (encrypted) phone.
/// A wrong, missing, expired or used code is a 200 with `success: false`.
pub async fn verify_code(app: &App, req: Request) -> ApiResult {
    let me = auth::require_user(app, &req).await?;
    let body: Value = http::json_body(&req)?;
    let wrong = || ok(&json!({ "success": false, "message": msg::WRONG_CODE }));
    let tel = body["tel"].as_str().map(str::trim).unwrap_or_default();
    let (Some(number), Some(code)) = (phone::normalise(tel), phone::code_text(&body["code"]))
    else {
        return wrong();
    };

    let Some(stored) = app
        .db
        .phone_code(me.user_id())
        .await
        .or_fail(msg::VERIFY_FAILED)?
    else {
        return wrong();
    };
    let Some(cipher) = app.phone.as_ref() else {
        return Err(anyhow::anyhow!("PHONE_KEY is not configured")).or_fail(msg::VERIFY_FAILED);
    };
    match stored.check(&cipher.tag(&number), &code, app.clock.now().timestamp()) {
        Ok(()) => {}
        Err(phone::VerifyRefusal::WrongCode | phone::VerifyRefusal::OtherNumber) => {
            app.db
                .count_code_attempt(me.user_id())
                .await
                .or_fail(msg::VERIFY_FAILED)?;
            return wrong();
        }
        Err(_) => return wrong(),
    }
    let sealed = app
        .phone
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("PHONE_KEY is not configured"))
        .and_then(|cipher| cipher.encrypt(tel))
        .or_fail(msg::VERIFY_FAILED)?;
    match app
        .db
        .verify_phone(me.user_id(), &stored, &sealed)
        .await
        .or_fail(msg::VERIFY_FAILED)?
    {
        VerifyOutcome::Verified => ok(&json!({ "success": true, "message": msg::VERIFIED })),
        VerifyOutcome::CodeGone => wrong(),
    }
}

// ---- account deletion ----

/// DELETE /user/delete — delete the account: mark it, finish run deletes
/// that failed part-way, withdraw from upcoming runs, delete the upcoming runs
/// the user hosts, then the profile picture, and last everything in the
/// user's partition with the profile and the social link. Authored courses and comments stay (shown with a missing author).
pub async fn delete(app: &App, req: Request) -> ApiResult {
    let me = auth::require_user(app, &req).await?;
    let user = &me.user;

    // From here on no new membership or run of this user can be written, so
    // the lists read below are complete.
    if !app
        .db
        .begin_account_deletion(&user.user_id)
        .await
        .or_fail(msg::DELETE_FAILED)?
    {
        return Err(ApiError::bad_request(msg::DELETE_FAILED));
    }
    // Runs whose delete failed part-way (here or on their own route): finish them.
    for group_id in app
        .db
        .unfinished_group_deletes(&user.user_id)
        .await
        .or_fail(msg::DELETE_FAILED)?
    {
        groups::resume_group_delete(app, &group_id, &user.user_id)
            .await
            .or_fail(msg::DELETE_FAILED)?;
    }
    let now = instant_key(app.clock.now());
    let hosted = app
        .db
        .hosted_run_ids_from(&user.user_id, &now)
        .await
        .or_fail(msg::DELETE_FAILED)?;
    for group in app.db.groups(&hosted).await.or_fail(msg::DELETE_FAILED)? {
        groups::delete_group(app, &group, &user.user_id)
            .await
            .or_fail(msg::DELETE_FAILED)?;
    }
    let applied = app
        .db
        .applied_run_ids_from(&user.user_id, &now)
        .await
        .or_fail(msg::DELETE_FAILED)?;
    for group_id in applied.iter().filter(|g| !hosted.contains(g)) {
        app.db
            .cancel_apply(group_id, &user.user_id)
            .await
            .or_fail(msg::DELETE_FAILED)?;
    }

    if let Some(key) = super::auth::our_profile_key(app, &user.profile_url) {
        images::delete(app, folder::PROFILE, &[key.to_owned()])
            .await
            .or_fail(msg::DELETE_FAILED)?;
    }
    let social = SOCIAL_PROVIDERS
        .contains(&user.social.as_str())
        .then_some(())
        .and(user.social_id.as_deref())
        .map(|id| (user.social.as_str(), id));
    app.db
        .delete_account(&user.user_id, social)
        .await
        .or_fail(msg::DELETE_FAILED)?;
    ok(&json!({ "success": true, "message": msg::DELETED }))
}
