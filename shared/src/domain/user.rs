//! The user record (auth.md §1).

use serde::{Deserialize, Serialize};

/// Every user-facing message of `/user/*`, `/testSignup` and `/testlogin`
/// (auth.md §7), byte for byte as the frontend shows or matches them.
pub mod msg {
    pub const LOGIN_FAILED: &str = "로그인에 실패하였습니다.";
    /// The OAuth token exchange failed (the provider's answer, as the original said it).
    pub use crate::domain::social::{PROFILE_FAILED, TOKEN_FAILED};
    pub const LOGOUT_FAILED: &str = "로그아웃에 실패하였습니다.";
    pub const LOGGED_OUT: &str = "로그아웃 되었습니다.";
    pub const CODE_SENT: &str = "인증번호를 발송했습니다.";
    pub const SEND_FAILED: &str = "인증번호를 발송하지 못했습니다.";
    pub const SEND_THROTTLED: &str = "인증번호는 1분에 한 번만 보낼 수 있습니다.";
    pub const VERIFIED: &str = "핸드폰 인증 완료.";
    pub const WRONG_CODE: &str = "인증번호가 다릅니다.";
    pub const VERIFY_FAILED: &str = "핸드폰 인증에 실패하였습니다.";
    pub const DELETED: &str = "회원탈퇴에 성공하였습니다.";
    pub const DELETE_FAILED: &str = "회원탈퇴에 실패하였습니다.";
    // ---- test accounts ----
    pub const NICKNAME_MISSING: &str = "닉네임을 입력해 주세요.";
    pub const NICKNAME_TOO_LONG: &str = "닉네임은 8자 이하로 입력해 주세요.";
    pub const PASSWORD_MISSING: &str = "비밀번호를 입력해 주세요.";
    pub const PASSWORD_REFUSED: &str = "사용할 수 없는 비밀번호입니다.";
    pub const TEST_SIGNUP_FAILED: &str = "테스트 계정 생성에 실패하였습니다.";
    pub const TEST_SIGNED_UP: &str = "테스트 계정 완료";
    pub const TEST_LOGIN_MISMATCH: &str = "닉네임 또는 비밀번호가 일치하지 않습니다.";
}

/// Providers whose accounts may never use the test login.
pub const SOCIAL_PROVIDERS: &[&str] = &["kakao", "naver"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub user_id: String,
    pub nickname: String,
    pub profile_url: String,
    #[serde(default)]
    pub bio: Option<String>,
    #[serde(default)]
    pub like_location: Option<String>,
    #[serde(default)]
    pub like_distance: Option<String>,
    #[serde(default)]
    pub user_level: Option<String>,
    #[serde(default = "default_manner_point")]
    pub manner_point: f64,
    /// `kakao`, `naver`, or the password of a test account.
    pub social: String,
    #[serde(default)]
    pub social_id: Option<String>,
    /// Encrypted phone number; never logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, rename = "agreeSMS")]
    pub agree_sms: bool,
}

fn default_manner_point() -> f64 {
    50.0
}

impl User {
    /// A fresh account with the defaults of the original schema.
    pub fn new(user_id: String, nickname: String, profile_url: String, social: String) -> Self {
        Self {
            user_id,
            nickname,
            profile_url,
            bio: None,
            like_location: None,
            like_distance: None,
            user_level: None,
            manner_point: default_manner_point(),
            social,
            social_id: None,
            phone: None,
            agree_sms: false,
        }
    }

    /// Derived, never stored: the first-login form has not been sent yet.
    pub fn first_login(&self) -> bool {
        self.like_location.as_deref().is_none_or(str::is_empty)
    }

    /// Test accounts are the ones whose `social` is not a real provider.
    pub fn is_test_account(&self) -> bool {
        !SOCIAL_PROVIDERS.contains(&self.social.as_str())
    }
}

/// A nickname as `/testSignup` accepts it: present, trimmed, at most 8 characters
/// (the signup limit of auth.md §1).
pub fn parse_nickname(raw: Option<&str>) -> Result<String, &'static str> {
    let nickname = raw
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or(msg::NICKNAME_MISSING)?;
    if nickname.chars().count() > 8 {
        return Err(msg::NICKNAME_TOO_LONG);
    }
    Ok(nickname.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> User {
        User::new("u".into(), "러너".into(), "aaa".into(), "pw".into())
    }

    #[test]
    fn a_new_user_is_on_first_login_until_a_location_is_set() {
        let mut u = user();
        assert!(u.first_login());
        u.like_location = Some(String::new());
        assert!(u.first_login());
        u.like_location = Some("1".into());
        assert!(!u.first_login());
    }

    #[test]
    fn new_users_get_the_original_defaults() {
        let u = user();
        assert_eq!(u.manner_point, 50.0);
        assert!(!u.agree_sms);
        assert!(u.phone.is_none());
    }

    #[test]
    fn kakao_and_naver_accounts_are_never_test_accounts() {
        let mut u = user();
        assert!(u.is_test_account());
        u.social = "kakao".into();
        assert!(!u.is_test_account());
        u.social = "naver".into();
        assert!(!u.is_test_account());
    }

    #[test]
    fn nicknames_must_be_present_and_short() {
        assert_eq!(parse_nickname(Some(" 러너 ")), Ok("러너".to_owned()));
        assert!(parse_nickname(None).is_err());
        assert!(parse_nickname(Some("  ")).is_err());
        assert!(parse_nickname(Some("아홉글자닉네임이다")).is_err());
        assert_eq!(
            parse_nickname(Some("여덟글자닉네임다")),
            Ok("여덟글자닉네임다".to_owned())
        );
    }
}
