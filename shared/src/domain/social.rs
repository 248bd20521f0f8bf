//! Social login (auth.md §7.3, §7.4): which provider, what its profile
//! answer means, and the account a first login creates.

use serde_json::Value;

use super::user::User;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Kakao,
    Naver,
}

impl Provider {
    /// The stored `social` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Kakao => "kakao",
            Provider::Naver => "naver",
        }
    }
}

/// The contract's messages for a failed exchange / profile fetch.
pub const TOKEN_FAILED: &str = "Failed to obtain access token";
pub const PROFILE_FAILED: &str = "Failed to fetch user profile";

/// What we keep from a provider profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocialProfile {
    pub social_id: String,
    pub nickname: Option<String>,
    pub profile_image: Option<String>,
}

fn text(value: &Value) -> Option<String> {
    value
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Kakao `GET /v2/user/me`: `id` (a number, kept as its decimal text),
/// `properties.nickname` / `.profile_image`, else
/// `kakao_account.profile.nickname` / `.profile_image_url`.
pub fn kakao_profile(body: &Value) -> Option<SocialProfile> {
    let social_id = match &body["id"] {
        Value::Number(n) if n.is_u64() || n.is_i64() => n.to_string(),
        Value::String(s) if !s.is_empty() => s.clone(),
        _ => return None,
    };
    let account = &body["kakao_account"]["profile"];
    Some(SocialProfile {
        social_id,
        nickname: text(&body["properties"]["nickname"]).or_else(|| text(&account["nickname"])),
        profile_image: text(&body["properties"]["profile_image"])
            .or_else(|| text(&account["profile_image_url"])),
    })
}

/// Naver `GET /v1/nid/me`: requires `resultcode == "00"`; `response.id`,
/// `.nickname`, `.profile_image`.
pub fn naver_profile(body: &Value) -> Option<SocialProfile> {
    if body["resultcode"] != "00" {
        return None;
    }
    let response = &body["response"];
    Some(SocialProfile {
        social_id: text(&response["id"])?,
        nickname: text(&response["nickname"]),
        profile_image: text(&response["profile_image"]),
    })
}

/// The access token of a token-endpoint answer; Naver reports errors with
/// HTTP 200 and an `error` field, so a body with `error` is a failure too.
pub fn access_token(body: &Value) -> Option<String> {
    if body.get("error").is_some_and(|e| !e.is_null()) {
        return None;
    }
    text(&body["access_token"])
}

/// The nickname of a new account: the provider's, cut to its first 8
/// characters; without one, `이런저런` and a 4-character random suffix
/// (auth.md open question 3).
pub fn signup_nickname(provider_nickname: Option<&str>, random: u32) -> String {
    match provider_nickname {
        Some(n) => n.chars().take(8).collect(),
        None => format!("이런저런{:04}", random % 10_000),
    }
}

/// The account a first login creates: preferences empty, `mannerPoint` 50,
/// `agreeSMS` false, no phone; an empty `profileUrl` when the provider has
/// no picture (the settings page then shows its own default).
pub fn new_account(
    user_id: String,
    provider: Provider,
    profile: &SocialProfile,
    random: u32,
) -> User {
    let mut user = User::new(
        user_id,
        signup_nickname(profile.nickname.as_deref(), random),
        profile.profile_image.clone().unwrap_or_default(),
        provider.as_str().to_owned(),
    );
    user.social_id = Some(profile.social_id.clone());
    user
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kakao_ids_are_kept_as_decimal_text_and_properties_win() {
        let body = json!({
            "id": 2_266_112_233_u64,
            "properties": {"nickname": "현준", "profile_image": "http://k/img.jpg"},
            "kakao_account": {"profile": {"nickname": "other", "profile_image_url": "http://k/other.jpg"}}
        });
        assert_eq!(
            kakao_profile(&body),
            Some(SocialProfile {
                social_id: "2266112233".into(),
                nickname: Some("현준".into()),
                profile_image: Some("http://k/img.jpg".into()),
            })
        );
    }

    #[test]
    fn kakao_accounts_without_properties_fall_back_to_the_account_profile() {
        let body = json!({"id": 7, "kakao_account": {"profile": {"nickname": "러너"}}});
        let profile = kakao_profile(&body).expect("profile");
        assert_eq!(profile.nickname.as_deref(), Some("러너"));
        assert_eq!(profile.profile_image, None);
        assert_eq!(kakao_profile(&json!({"msg": "no id"})), None);
    }

    #[test]
    fn naver_profiles_need_result_code_00() {
        let ok = json!({"resultcode": "00", "message": "success",
            "response": {"id": "abc", "nickname": "네이버", "profile_image": "https://n/p.png"}});
        assert_eq!(
            naver_profile(&ok).map(|p| p.social_id),
            Some("abc".to_owned())
        );
        let failed = json!({"resultcode": "024", "message": "Authentication failed"});
        assert_eq!(naver_profile(&failed), None);
    }

    #[test]
    fn a_token_answer_with_an_error_is_a_failure_even_with_status_200() {
        assert_eq!(
            access_token(&json!({"access_token": "t", "token_type": "bearer"})),
            Some("t".into())
        );
        assert_eq!(
            access_token(
                &json!({"error": "invalid_request", "error_description": "no valid data in session"})
            ),
            None
        );
        assert_eq!(access_token(&json!({})), None);
    }

    #[test]
    fn nicknames_are_cut_to_eight_characters_or_get_a_fallback() {
        assert_eq!(
            signup_nickname(Some("아홉글자의닉네임이다"), 0),
            "아홉글자의닉네임"
        );
        assert_eq!(
            signup_nickname(Some("🏃🏃🏃🏃🏃🏃🏃🏃🏃"), 0)
                .chars()
                .count(),
            8
        );
        assert_eq!(signup_nickname(None, 42), "이런저런0042");
        assert_eq!(signup_nickname(None, 123_456), "이런저런3456");
    }

    #[test]
    fn a_first_login_creates_an_account_with_the_original_defaults() {
        let profile = SocialProfile {
            social_id: "99".into(),
            nickname: None,
            profile_image: None,
        };
        let user = new_account("u".into(), Provider::Naver, &profile, 7);
        assert_eq!(user.social, "naver");
        assert_eq!(user.social_id.as_deref(), Some("99"));
        assert_eq!(user.profile_url, "");
        assert!(user.first_login());
        assert_eq!(user.manner_point, 50.0);
    }
}
