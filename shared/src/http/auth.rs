//! The two auth modes of auth.md §3: [`require_user`] (original
//! `checkTokens`) and [`optional_user`] (original `checkUsers`), with every
//! message byte-exact and the refresh path answering 401 with a new access
//! token. The decisions about the header text are pure ([`bearer`]); only
//! the user lookup and the refresh-token lookup touch DynamoDB.

use std::collections::HashSet;

use lambda_http::Request;

use super::header;
use crate::domain::token::TokenError;
use crate::domain::user::User;
use crate::{ApiError, App, metrics};

pub const AUTH_MISSING: &str = "authorization 값이 존재하지 않습니다.";
pub const AUTH_MALFORMED: &str = "authorization 값이 올바르지 않습니다.";
pub const AUTH_NOT_BEARER: &str = "토큰이 Bearer가 아닙니다.";
pub const TOKEN_PROBLEM: &str = "token에 문제가 있음(기한만료가 아닌 에러)";
pub const REAUTH_MISSING: &str = "reAuthorization 값이 존재하지 않습니다.";
pub const REAUTH_MALFORMED: &str = "reAuthorization 값이 올바르지 않습니다.";
pub const REAUTH_NOT_BEARER: &str = "리프레쉬 토큰이 Bearer가 아닙니다.";
pub const REFRESH_EXPIRED: &str = "refreshToken까지 만료되었습니다.";
pub const REFRESH_PROBLEM: &str = "refreshToken에 문제가 있음(기한만료가 아닌 에러)";
pub const REFRESH_MISMATCH: &str = "database에 저장된 refreshToken과 다릅니다.";

/// The caller, with their profile already loaded (the existence check needs it anyway).
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user: User,
}

impl AuthUser {
    pub fn user_id(&self) -> &str {
        &self.user.user_id
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Required,
    Optional,
}

/// REQUIRED auth: the request runs only for a known user.
pub async fn require_user(app: &App, req: &Request) -> Result<AuthUser, ApiError> {
    match authenticate(app, req, Mode::Required).await? {
        Some(user) => Ok(user),
        None => Err(ApiError::bad_request(TOKEN_PROBLEM)),
    }
}

/// OPTIONAL auth: exactly `Bearer undefined` is anonymous; anything else is
/// checked like REQUIRED (a bad token is an error, not anonymous).
pub async fn optional_user(app: &App, req: &Request) -> Result<Option<AuthUser>, ApiError> {
    authenticate(app, req, Mode::Optional).await
}

/// OPTIONAL auth that also returns the caller's bookmarked course ids: the
/// profile and the bookmark markers are one Query of the caller's partition
/// (`Db::profile_and_bookmarks`), so the course feed's flags cost no extra
/// round-trip. Same answers as [`optional_user`] in every other respect.
pub async fn optional_user_with_bookmarks(
    app: &App,
    req: &Request,
) -> Result<Option<(AuthUser, HashSet<String>)>, ApiError> {
    authenticate_with(app, req, Mode::Optional, |id| async move {
        app.db.profile_and_bookmarks(&id).await
    })
    .await
}

async fn authenticate(app: &App, req: &Request, mode: Mode) -> Result<Option<AuthUser>, ApiError> {
    let found = authenticate_with(app, req, mode, |id| async move {
        Ok(app.db.user(&id).await?.map(|user| (user, ())))
    })
    .await?;
    Ok(found.map(|(user, ())| user))
}

/// The auth modes with the profile loaded by `load` (which may read more of
/// the user's partition in the same round-trip).
async fn authenticate_with<T, F, Fut>(
    app: &App,
    req: &Request,
    mode: Mode,
    load: F,
) -> Result<Option<(AuthUser, T)>, ApiError>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Option<(User, T)>>>,
{
    let raw = req
        .headers()
        .get("authorization")
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    let token = match (mode, raw) {
        (Mode::Optional, Some("Bearer undefined")) => return Ok(None),
        (Mode::Optional, None) => return Err(ApiError::bad_request(TOKEN_PROBLEM)),
        (Mode::Required, None | Some("")) => return Err(ApiError::bad_request(AUTH_MISSING)),
        (_, Some(value)) => {
            bearer(value, AUTH_MALFORMED, AUTH_NOT_BEARER).map_err(ApiError::bad_request)?
        }
    };
    let now = app.clock.now().timestamp();
    match app.tokens.verify(token, now) {
        Ok(claims) => {
            let (user, extra) = load(claims.user_id)
                .await
                .map_err(|e| ApiError::Failed {
                    message: TOKEN_PROBLEM,
                    cause: e,
                })?
                .ok_or_else(|| ApiError::bad_request(TOKEN_PROBLEM))?;
            metrics::record_user(&user.user_id);
            Ok(Some((AuthUser { user }, extra)))
        }
        Err(TokenError::Invalid) => Err(ApiError::bad_request(TOKEN_PROBLEM)),
        Err(TokenError::Expired) => Err(refresh(app, req, now).await),
    }
}

/// The refresh path (auth.md §3.3). Always an error: either a message, or the
/// 401 carrying a new access token; the request itself is not executed.
async fn refresh(app: &App, req: &Request, now: i64) -> ApiError {
    let raw = match header(req.headers(), "reauthorization") {
        None | Some("") => return ApiError::bad_request(REAUTH_MISSING),
        Some(value) => value,
    };
    let token = match bearer(raw, REAUTH_MALFORMED, REAUTH_NOT_BEARER) {
        Ok(token) => token,
        Err(message) => return ApiError::bad_request(message),
    };
    let claims = match app.tokens.verify(token, now) {
        Ok(claims) => claims,
        Err(TokenError::Expired) => return ApiError::bad_request(REFRESH_EXPIRED),
        Err(TokenError::Invalid) => return ApiError::bad_request(REFRESH_PROBLEM),
    };
    let user_agent = super::user_agent(req);
    let stored = match app
        .db
        .refresh_token(&claims.user_id, &user_agent, now)
        .await
    {
        Ok(stored) => stored,
        Err(cause) => {
            return ApiError::Failed {
                message: REFRESH_PROBLEM,
                cause,
            };
        }
    };
    if stored.as_deref() != Some(token) {
        return ApiError::bad_request(REFRESH_MISMATCH);
    }
    match app.tokens.access_token(&claims.user_id, now) {
        Ok(token) => ApiError::TokenExpired { token },
        Err(cause) => ApiError::Failed {
            message: REFRESH_PROBLEM,
            cause,
        },
    }
}

/// Splits `Bearer <token>` on single spaces exactly as the original did:
/// anything but two parts is malformed, a first part other than `Bearer` is
/// refused.
fn bearer<'a>(
    value: &'a str,
    malformed: &'static str,
    not_bearer: &'static str,
) -> Result<&'a str, &'static str> {
    let mut parts = value.split(' ');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("Bearer"), Some(token), None) => Ok(token),
        (Some(_), Some(_), None) => Err(not_bearer),
        _ => Err(malformed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_needs_exactly_two_space_separated_parts() {
        assert_eq!(bearer("Bearer abc", "m", "b"), Ok("abc"));
        assert_eq!(bearer("Bearer", "m", "b"), Err("m"));
        assert_eq!(bearer("Bearer  abc", "m", "b"), Err("m"));
        assert_eq!(bearer("Bearer a b", "m", "b"), Err("m"));
        assert_eq!(bearer("", "m", "b"), Err("m"));
    }

    #[test]
    fn the_scheme_must_be_exactly_bearer() {
        assert_eq!(bearer("bearer abc", "m", "b"), Err("b"));
        assert_eq!(bearer("Basic abc", "m", "b"), Err("b"));
    }

    #[test]
    fn an_empty_token_after_bearer_is_passed_on_to_verification() {
        // `Bearer ` splits into ["Bearer", ""]: two parts, so it is a token
        // (an invalid one), exactly like the original.
        assert_eq!(bearer("Bearer ", "m", "b"), Ok(""));
    }
}
