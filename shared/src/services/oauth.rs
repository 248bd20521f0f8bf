//! Kakao and Naver login over HTTPS (auth.md §7.1–§7.4): the authorize
//! redirect, the code exchange and the profile fetch. Provider answers are
//! interpreted in `domain::social`; every failure is one of two contract
//! messages, never a crash.

use serde_json::Value;

use crate::App;
use crate::config::OAuthClient;
use crate::domain::social::{self, PROFILE_FAILED, Provider, SocialProfile, TOKEN_FAILED};

fn client(app: &App, provider: Provider) -> &OAuthClient {
    match provider {
        Provider::Kakao => &app.config.external.kakao,
        Provider::Naver => &app.config.external.naver,
    }
}

/// The provider's authorize URL (§7.1, §7.2).
pub fn authorize_url(app: &App, provider: Provider) -> String {
    let c = client(app, provider);
    let path = match provider {
        Provider::Kakao => "/oauth/authorize",
        Provider::Naver => "/oauth2.0/authorize",
    };
    let query = form_urlencoded_pairs(&[
        ("response_type", "code"),
        ("redirect_uri", &c.redirect_url),
        ("client_id", &c.client_id),
    ]);
    format!("{}{path}?{query}", c.auth_base.trim_end_matches('/'))
}

fn form_urlencoded_pairs(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Why a login failed; the message is the contract's.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("{TOKEN_FAILED}")]
    Token(#[source] anyhow::Error),
    #[error("{PROFILE_FAILED}")]
    Profile(#[source] anyhow::Error),
}

impl LoginError {
    pub fn message(&self) -> &'static str {
        match self {
            LoginError::Token(_) => TOKEN_FAILED,
            LoginError::Profile(_) => PROFILE_FAILED,
        }
    }
}

/// Exchanges `code` and fetches the profile.
pub async fn login(
    app: &App,
    provider: Provider,
    code: &str,
    state: Option<&str>,
) -> Result<SocialProfile, LoginError> {
    let token = exchange(app, provider, code, state)
        .await
        .map_err(LoginError::Token)?;
    profile(app, provider, &token)
        .await
        .map_err(LoginError::Profile)
}

async fn exchange(
    app: &App,
    provider: Provider,
    code: &str,
    state: Option<&str>,
) -> anyhow::Result<String> {
    let c = client(app, provider);
    let mut form: Vec<(&str, &str)> = vec![
        ("grant_type", "authorization_code"),
        ("client_id", &c.client_id),
        ("redirect_uri", &c.redirect_url),
        ("code", code),
    ];
    if let Some(secret) = c.client_secret.as_deref() {
        form.push(("client_secret", secret));
    }
    let path = match provider {
        Provider::Kakao => "/oauth/token",
        Provider::Naver => {
            form.push(("state", state.unwrap_or_default()));
            "/oauth2.0/token"
        }
    };
    let url = format!("{}{path}", c.auth_base.trim_end_matches('/'));
    let response = app.http.post(url).form(&form).send().await?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        // The provider's own error text (e.g. KOE320) is logged, not shown.
        anyhow::bail!(
            "{} token endpoint answered {status}: {}",
            provider.as_str(),
            body.get("error").unwrap_or(&Value::Null)
        );
    }
    social::access_token(&body).ok_or_else(|| {
        anyhow::anyhow!(
            "{} token answer without access_token: {}",
            provider.as_str(),
            body.get("error").unwrap_or(&Value::Null)
        )
    })
}

async fn profile(app: &App, provider: Provider, token: &str) -> anyhow::Result<SocialProfile> {
    let c = client(app, provider);
    let path = match provider {
        Provider::Kakao => "/v2/user/me",
        Provider::Naver => "/v1/nid/me",
    };
    let url = format!("{}{path}", c.api_base.trim_end_matches('/'));
    let response = app.http.get(url).bearer_auth(token).send().await?;
    let status = response.status();
    if !status.is_success() {
        anyhow::bail!("{} profile endpoint answered {status}", provider.as_str());
    }
    let body: Value = response.json().await?;
    match provider {
        Provider::Kakao => social::kakao_profile(&body),
        Provider::Naver => social::naver_profile(&body),
    }
    .ok_or_else(|| anyhow::anyhow!("{} profile without an id", provider.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlencoding_keeps_unreserved_characters_only() {
        assert_eq!(
            urlencode("http://localhost:3000/kakao"),
            "http%3A%2F%2Flocalhost%3A3000%2Fkakao"
        );
        assert_eq!(urlencode("a-b_c.d~"), "a-b_c.d~");
    }
}
