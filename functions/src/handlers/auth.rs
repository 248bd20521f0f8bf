//! Every `/auth/*` route: a user's page, the account-settings form and its
//! update, the first-login preferences (auth.md §7).

use lambda_http::Request;
use serde_json::{Value, json};
use shared::domain::image::{self, folder};
use shared::domain::limits;
use shared::domain::number::js_number;
use shared::domain::profile::{self, ProfileChanges, level_code, msg};
use shared::domain::schedule;
use shared::error::OrFail;
use shared::http::multipart::{self, Limits};
use shared::http::{self, auth, ok};
use shared::services::images;
use shared::time::instant_key;
use shared::{ApiError, ApiResult, App};

// ---- profile ----

/// GET /auth/info/{userId} — a user's page: profile, host-evaluation
/// counters and upcoming runs. Two DynamoDB round-trips whatever the list size.
pub async fn info(app: &App, req: Request) -> ApiResult {
    auth::optional_user(app, &req).await?;
    let user_id =
        http::path_param(&req, "userId").map_err(|_| ApiError::bad_request(msg::INFO_FAILED))?;

    let now = app.clock.now();
    let from = instant_key(schedule::today_start(now));
    let run_ids = app
        .db
        .applied_run_ids_from(&user_id, &from)
        .await
        .or_fail(msg::INFO_FAILED)?;
    let (profile, groups) = app
        .db
        .profile_with_groups(&user_id, &run_ids)
        .await
        .or_fail(msg::INFO_FAILED)?;
    let (user, counts) = profile.ok_or_else(|| ApiError::bad_request(msg::INFO_FAILED))?;

    let (evaluation, total) = counts.to_json();
    let waiting = schedule::waiting(&groups, app.clock.now_kst(), &app.config.images);
    ok(&json!({
        "success": true,
        "data": {
            "totalEvaluationCount": total,
            "evaluation": evaluation,
            "userInfo": {
                "userId": user.user_id,
                "nickname": user.nickname,
                "profileUrl": user.profile_url,
                "bio": user.bio,
                "likeLocation": profile::display(user.like_location.as_deref(), profile::location_name),
                "likeDistance": profile::display(user.like_distance.as_deref(), profile::distance_name),
                "userLevel": user.user_level,
                "mannerPoint": js_number(user.manner_point),
            },
            "waiting": waiting,
        }
    }))
}

/// GET /auth/updateUser — the account-settings form, with the decrypted phone.
pub async fn settings(app: &App, req: Request) -> ApiResult {
    let me = auth::require_user(app, &req).await?;
    let user = &me.user;
    let phone = match user.phone.as_deref().filter(|p| *p != "null") {
        None => None,
        Some(sealed) => Some(
            app.phone
                .as_ref()
                .ok_or_else(|| anyhow::anyhow!("PHONE_KEY is not configured"))
                .and_then(|cipher| cipher.decrypt(sealed))
                .or_fail(msg::SETTINGS_FAILED)?,
        ),
    };
    ok(&json!({
        "success": true,
        "data": {
            "userId": user.user_id,
            "nickname": user.nickname,
            "profileUrl": user.profile_url,
            "bio": user.bio,
            "likeLocation": user.like_location,
            "likeDistance": user.like_distance,
            "userLevel": user.user_level.as_deref().map(level_code),
            "mannerPoint": js_number(user.manner_point),
            "certPhone": phone.is_some(),
            "phone": phone,
            "agreeSMS": user.agree_sms,
        }
    }))
}

/// PATCH /auth/userLike — the first-login preferences.
pub async fn user_like(app: &App, req: Request) -> ApiResult {
    let me = auth::require_user(app, &req).await?;
    let body: Value = http::json_body(&req)?;

    let changes = ProfileChanges {
        like_location: profile::preference_text(body.get("likeLocation")),
        like_distance: profile::preference_text(body.get("likeDistance")),
        user_level: profile::preference_text(body.get("userLevel")),
        ..Default::default()
    };
    limits::profile(&changes).map_err(ApiError::bad_request)?;
    app.db
        .update_profile(me.user_id(), &changes)
        .await
        .or_fail(msg::PROFILE_FAILED)?
        .ok_or_else(|| ApiError::bad_request(msg::PROFILE_FAILED))?;
    ok(&json!({ "success": true, "message": msg::PROFILE_UPDATED }))
}

/// PATCH /auth/updateUser — account settings (multipart, optional `image` file).
pub async fn update(app: &App, req: Request) -> ApiResult {
    let me = auth::require_user(app, &req).await?;
    let form = multipart::parse(
        &req,
        Limits {
            file_field: "image",
            max_files: 1,
            max_file_bytes: image::MAX_IMAGE_BYTES,
        },
    )
    .await?;
    let mut changes = ProfileChanges::from_form(|name| form.text(name).map(str::to_owned));
    limits::profile(&changes).map_err(ApiError::bad_request)?;

    let uploaded = match form.files.first() {
        None => None,
        Some(file) => {
            let mime = image::check_image(&file.content_type, &file.bytes)
                .map_err(ApiError::bad_request)?;
            let now_ms = app.clock.now().timestamp_millis();
            let key = image::object_key(
                &file.file_name,
                mime,
                super::user::rand_u32() as u16,
                now_ms,
            );
            images::upload(app, folder::PROFILE, &key, file.bytes.clone(), mime)
                .await
                .or_fail(msg::PROFILE_FAILED)?;
            changes.profile_url = Some(app.config.images.url(folder::PROFILE, &key));
            Some(key)
        }
    };

    let updated = app.db.update_profile(me.user_id(), &changes).await;
    let old_url = match updated {
        Ok(Some(old)) => old,
        failed => {
            if let Some(key) = uploaded {
                forget_image(app, &key).await;
            }
            return Err(match failed {
                Err(cause) => ApiError::Failed {
                    message: msg::PROFILE_FAILED,
                    cause,
                },
                _ => ApiError::bad_request(msg::PROFILE_FAILED),
            });
        }
    };
    if let Some(old_key) = old_url.as_deref().and_then(|url| our_profile_key(app, url))
        && Some(old_key) != uploaded.as_deref()
    {
        forget_image(app, old_key).await;
    }
    ok(&json!({ "success": true, "message": msg::PROFILE_UPDATED }))
}

/// The key of a profile picture we stored, or `None` for a provider URL
/// (Kakao, Naver) or anything else that is not ours.
pub(super) fn our_profile_key<'a>(app: &App, url: &'a str) -> Option<&'a str> {
    let ours = app.config.images.url(folder::PROFILE, "");
    url.strip_prefix(ours.as_str())
        .filter(|rest| !rest.contains('/'))
        .and_then(image::key_from_url)
}

/// Best effort: a leftover picture costs storage, never correctness.
async fn forget_image(app: &App, key: &str) {
    if let Err(error) = images::delete(app, folder::PROFILE, &[key.to_owned()]).await {
        tracing::warn!(error = ?error, "profile image not deleted");
    }
}
