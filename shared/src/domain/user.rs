//! The user record (auth.md §1).

use serde::{Deserialize, Serialize};

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
        .ok_or("닉네임을 입력해 주세요.")?;
    if nickname.chars().count() > 8 {
        return Err("닉네임은 8자 이하로 입력해 주세요.");
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
