//! Configuration, read from the environment once per cold start.

use std::time::Duration;

use anyhow::{Context, bail};

/// Default CORS allow-list (cross-cutting.md §2).
pub const DEFAULT_ORIGINS: &[&str] = &[
    "http://localhost:3000",
    "https://erunjrun.com",
    "https://www.erunjrun.com",
];

/// The original's CDN (contract images.md §5); deployments set `CDN_BASE_URL`.
pub const DEFAULT_CDN_BASE: &str = "https://dpnlaom97ul1b.cloudfront.net";
/// Where the six theme default thumbnails live.
pub const DEFAULT_THEME_IMAGE_BASE: &str = "https://erunjrungroup.s3.ap-northeast-2.amazonaws.com";

#[derive(Clone)]
pub struct Config {
    /// The single DynamoDB table.
    pub table_name: String,
    /// Bucket for run, course and profile images.
    pub image_bucket: String,
    /// HMAC secret of our JWTs (`TOKENKEY`). Never logged.
    pub token_key: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// `/testSignup` and `/testlogin` answer only when this is on.
    pub enable_test_routes: bool,
    pub cors_origins: Vec<String>,
    /// CDN and default-thumbnail bases for image URLs in responses.
    pub images: crate::domain::image::ImageUrls,
    /// Kakao / Naver login, Naver Cloud SENS, the phone-number key.
    pub external: External,
    /// Chat timing and limits (`CHAT_*`, docs/chat.md).
    pub chat: crate::chat::ChatConfig,
}

/// One OAuth provider (auth.md §5, §7.1–§7.4).
#[derive(Clone, Debug, Default)]
pub struct OAuthClient {
    /// `KAKAO_ID` / `NAVER_ID`; empty = not configured.
    pub client_id: String,
    /// `KAKAO_SECRET` (sent only when set) / `NAVER_SECRET`. Never logged.
    pub client_secret: Option<String>,
    /// `KAKAO_URL` / `NAVER_URL`: the **frontend's** callback page.
    pub redirect_url: String,
    /// Authorize and token endpoints (`https://kauth.kakao.com`, `https://nid.naver.com`).
    pub auth_base: String,
    /// Profile endpoint (`https://kapi.kakao.com`, `https://openapi.naver.com`).
    pub api_base: String,
}

/// Naver Cloud SENS (auth.md §7.8).
#[derive(Clone, Debug, Default)]
pub struct SensConfig {
    /// `NCP_SENS_ID`: the SMS service id.
    pub service_id: String,
    /// `NCP_SENS_ACCESS`: the access key id.
    pub access_key: String,
    /// `NCP_SENS_SECRET`: the signing secret. Never logged.
    pub secret_key: String,
    /// `SENS_BASE` (`https://sens.apigw.ntruss.com`).
    pub base: String,
    /// `SMS_FROM`: the registered sender number.
    pub from: String,
}

/// Outside services and the phone key.
#[derive(Clone, Default)]
pub struct External {
    pub kakao: OAuthClient,
    pub naver: OAuthClient,
    pub sens: SensConfig,
    /// `PHONE_KEY` (32 bytes, base64): AES-256-GCM key of stored phone numbers.
    pub phone_key: Option<[u8; 32]>,
}

impl std::fmt::Debug for External {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redact = |c: &OAuthClient| OAuthClient {
            client_secret: c.client_secret.as_ref().map(|_| "<redacted>".into()),
            ..c.clone()
        };
        f.debug_struct("External")
            .field("kakao", &redact(&self.kakao))
            .field("naver", &redact(&self.naver))
            .field(
                "sens",
                &SensConfig {
                    secret_key: "<redacted>".into(),
                    ..self.sens.clone()
                },
            )
            .field("phone_key", &self.phone_key.map(|_| "<redacted>"))
            .finish()
    }
}

pub const DEFAULT_KAKAO_AUTH_BASE: &str = "https://kauth.kakao.com";
pub const DEFAULT_KAKAO_API_BASE: &str = "https://kapi.kakao.com";
pub const DEFAULT_NAVER_AUTH_BASE: &str = "https://nid.naver.com";
pub const DEFAULT_NAVER_API_BASE: &str = "https://openapi.naver.com";
pub const DEFAULT_SENS_BASE: &str = "https://sens.apigw.ntruss.com";

impl External {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let var = |name: &str| get(name).filter(|v| !v.is_empty());
        let or = |name: &str, default: &str| var(name).unwrap_or_else(|| default.to_owned());
        let text = |name: &str| var(name).unwrap_or_default();
        let phone_key = var("PHONE_KEY")
            .map(|k| crate::domain::phone::PhoneCipher::parse_key(&k))
            .transpose()?;
        Ok(Self {
            kakao: OAuthClient {
                client_id: text("KAKAO_ID"),
                client_secret: var("KAKAO_SECRET"),
                redirect_url: text("KAKAO_URL"),
                auth_base: or("KAKAO_AUTH_BASE", DEFAULT_KAKAO_AUTH_BASE),
                api_base: or("KAKAO_API_BASE", DEFAULT_KAKAO_API_BASE),
            },
            naver: OAuthClient {
                client_id: text("NAVER_ID"),
                client_secret: var("NAVER_SECRET"),
                redirect_url: text("NAVER_URL"),
                auth_base: or("NAVER_AUTH_BASE", DEFAULT_NAVER_AUTH_BASE),
                api_base: or("NAVER_API_BASE", DEFAULT_NAVER_API_BASE),
            },
            sens: SensConfig {
                service_id: text("NCP_SENS_ID"),
                access_key: text("NCP_SENS_ACCESS"),
                secret_key: text("NCP_SENS_SECRET"),
                base: or("SENS_BASE", DEFAULT_SENS_BASE),
                from: text("SMS_FROM"),
            },
            phone_key,
        })
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("table_name", &self.table_name)
            .field("image_bucket", &self.image_bucket)
            .field("token_key", &"<redacted>")
            .field("access_token_ttl", &self.access_token_ttl)
            .field("refresh_token_ttl", &self.refresh_token_ttl)
            .field("enable_test_routes", &self.enable_test_routes)
            .field("cors_origins", &self.cors_origins)
            .field("images", &self.images)
            .field("external", &self.external)
            .field("chat", &self.chat)
            .finish()
    }
}

impl Config {
    /// Reads every variable; a missing required one is a loud start-up error.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Same as [`Config::from_env`], over any source of variables.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let required = |name: &str| {
            get(name)
                .filter(|v| !v.is_empty())
                .with_context(|| format!("{name} must be set"))
        };
        let token_key = required("TOKENKEY")?;
        if token_key.len() < 16 {
            bail!("TOKENKEY must be at least 16 bytes");
        }
        let duration = |name: &str, default: &str| -> anyhow::Result<Duration> {
            let raw = get(name).unwrap_or_else(|| default.to_owned());
            parse_duration(&raw).with_context(|| format!("{name}={raw:?} is not a duration"))
        };
        Ok(Self {
            table_name: required("TABLE_NAME")?,
            image_bucket: required("IMAGE_BUCKET")?,
            token_key,
            access_token_ttl: duration("VALID_ACCESS_TOKEN_TIME", "12h")?,
            refresh_token_ttl: duration("VALID_REFRESH_TOKEN_TIME", "7d")?,
            enable_test_routes: get("ENABLE_TEST_ROUTES").as_deref() == Some("1"),
            cors_origins: get("CORS_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_else(|| DEFAULT_ORIGINS.iter().map(|s| (*s).to_owned()).collect()),
            images: crate::domain::image::ImageUrls {
                cdn_base: get("CDN_BASE_URL").unwrap_or_else(|| DEFAULT_CDN_BASE.to_owned()),
                default_base: get("DEFAULT_IMAGE_BASE")
                    .unwrap_or_else(|| DEFAULT_THEME_IMAGE_BASE.to_owned()),
            },
            external: External::from_lookup(&get)?,
            chat: crate::chat::ChatConfig::from_lookup(&get)?,
        })
    }
}

/// Parses the vercel/ms duration syntax the original used for token
/// lifetimes: `3h`, `14d`, `1.5 hours`, `90s`; a bare number is
/// **milliseconds** (cross-cutting.md §13). Negative and zero values are
/// refused: a token that expires on issue is a configuration mistake.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().ok()?;
    let millis_per_unit = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "ms" | "msec" | "msecs" | "millisecond" | "milliseconds" => 1.0,
        "s" | "sec" | "secs" | "second" | "seconds" => 1e3,
        "m" | "min" | "mins" | "minute" | "minutes" => 60e3,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600e3,
        "d" | "day" | "days" => 86_400e3,
        "w" | "week" | "weeks" => 604_800e3,
        "y" | "yr" | "yrs" | "year" | "years" => 31_557_600e3,
        _ => return None,
    };
    let millis = value * millis_per_unit;
    (millis.is_finite() && millis >= 1000.0).then(|| Duration::from_millis(millis as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn durations_follow_the_ms_syntax() {
        assert_eq!(parse_duration("3h"), Some(Duration::from_secs(3 * 3600)));
        assert_eq!(
            parse_duration("14d"),
            Some(Duration::from_secs(14 * 86_400))
        );
        assert_eq!(parse_duration("1.5 hours"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("2w"), Some(Duration::from_secs(14 * 86_400)));
        assert_eq!(parse_duration("10 MIN"), Some(Duration::from_secs(600)));
    }

    #[test]
    fn a_bare_number_is_milliseconds_like_the_node_library() {
        assert_eq!(parse_duration("3600000"), Some(Duration::from_secs(3600)));
        // "3600" would be 3.6 s: shorter than a second is refused outright.
        assert_eq!(parse_duration("360"), None);
    }

    #[test]
    fn garbage_and_negative_durations_are_refused() {
        assert_eq!(parse_duration(""), None);
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("-1h"), None);
        assert_eq!(parse_duration("3 fortnights"), None);
    }

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn config_needs_table_bucket_and_a_long_enough_key() {
        let ok = vars(&[
            ("TABLE_NAME", "t"),
            ("IMAGE_BUCKET", "b"),
            ("TOKENKEY", "0123456789abcdef"),
        ]);
        let config = Config::from_lookup(ok).expect("complete config");
        assert!(!config.enable_test_routes, "test routes are off by default");
        assert_eq!(config.cors_origins.len(), 3);
        assert_eq!(config.access_token_ttl, Duration::from_secs(12 * 3600));

        let short_key = vars(&[
            ("TABLE_NAME", "t"),
            ("IMAGE_BUCKET", "b"),
            ("TOKENKEY", "short"),
        ]);
        assert!(Config::from_lookup(short_key).is_err());
        let no_table = vars(&[("IMAGE_BUCKET", "b"), ("TOKENKEY", "0123456789abcdef")]);
        assert!(Config::from_lookup(no_table).is_err());
    }

    #[test]
    fn providers_default_to_the_real_endpoints_and_a_bad_phone_key_is_refused() {
        let base = [
            ("TABLE_NAME", "t"),
            ("IMAGE_BUCKET", "b"),
            ("TOKENKEY", "0123456789abcdef"),
        ];
        let config = Config::from_lookup(vars(&base)).expect("config");
        assert_eq!(config.external.kakao.auth_base, "https://kauth.kakao.com");
        assert_eq!(config.external.naver.api_base, "https://openapi.naver.com");
        assert_eq!(config.external.sens.base, "https://sens.apigw.ntruss.com");
        assert_eq!(config.external.kakao.client_secret, None);
        assert_eq!(config.external.phone_key, None);
        let mut bad = base.to_vec();
        bad.push(("PHONE_KEY", "c2hvcnQ="));
        assert!(Config::from_lookup(vars(&bad)).is_err());
    }

    #[test]
    fn debug_output_never_shows_the_token_key() {
        let config = Config::from_lookup(vars(&[
            ("TABLE_NAME", "t"),
            ("IMAGE_BUCKET", "b"),
            ("TOKENKEY", "super-secret-signing-key"),
            ("KAKAO_SECRET", "kakao-secret-value"),
            ("NAVER_SECRET", "naver-secret-value"),
            ("NCP_SENS_SECRET", "sens-secret-value"),
            ("PHONE_KEY", "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="),
        ]))
        .expect("config");
        let shown = format!("{config:?}");
        assert!(!shown.contains("super-secret"));
        assert!(!shown.contains("secret-value"), "{shown}");
        assert!(!shown.contains("AQEBAQ"));
        assert_eq!(config.external.phone_key, Some([1u8; 32]));
    }
}
