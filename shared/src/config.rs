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
    fn debug_output_never_shows_the_token_key() {
        let config = Config::from_lookup(vars(&[
            ("TABLE_NAME", "t"),
            ("IMAGE_BUCKET", "b"),
            ("TOKENKEY", "super-secret-signing-key"),
        ]))
        .expect("config");
        assert!(!format!("{config:?}").contains("super-secret"));
    }
}
