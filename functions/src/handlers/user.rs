//! `/user/*` routes (auth.md §7).

use lambda_http::Request;
use serde_json::json;
use shared::error::OrFail;
use shared::http::{self, auth, ok};
use shared::{ApiResult, App};

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
        .or_fail("로그아웃에 실패하였습니다.")?;
    ok(&json!({ "success": true, "message": "로그아웃 되었습니다." }))
}
