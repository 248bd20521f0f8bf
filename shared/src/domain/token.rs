//! Our HS256 JWTs (auth.md §2.1): `{"userId","iat","exp"}`; access and
//! refresh tokens differ only in lifetime; test tokens carry no `exp` and
//! never expire. Verification has no leeway and checks expiry only after the
//! signature (so a forged expired token is "invalid", not "expired").

use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    #[serde(rename = "userId")]
    pub user_id: String,
    pub iat: i64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub exp: Option<i64>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    /// Signature good, `exp` in the past.
    Expired,
    /// Anything else: malformed, bad signature, wrong algorithm, `nbf`…
    Invalid,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

impl TokenKeys {
    pub fn new(secret: &[u8], access_ttl: Duration, refresh_ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        // `exp` is optional (test tokens) but still enforced when present.
        validation.required_spec_claims.clear();
        validation.validate_exp = true;
        validation.validate_nbf = true;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl,
            refresh_ttl,
        }
    }

    fn sign(&self, claims: &Claims) -> anyhow::Result<String> {
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &self.encoding,
        )?)
    }

    pub fn access_token(&self, user_id: &str, now: i64) -> anyhow::Result<String> {
        self.sign(&claims(user_id, now, Some(self.access_ttl)))
    }

    pub fn refresh_token(&self, user_id: &str, now: i64) -> anyhow::Result<String> {
        self.sign(&claims(user_id, now, Some(self.refresh_ttl)))
    }

    /// A never-expiring token, only for `/testlogin`.
    pub fn test_token(&self, user_id: &str, now: i64) -> anyhow::Result<String> {
        self.sign(&claims(user_id, now, None))
    }

    /// Verifies a token at `now` (epoch seconds, from the app clock).
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        // jsonwebtoken checks `exp` against the system clock; we check it
        // ourselves against the app clock, after the signature.
        let mut validation = self.validation.clone();
        validation.validate_exp = false;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).map_err(
            |e| match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            },
        )?;
        match data.claims.exp {
            Some(exp) if exp <= now => Err(TokenError::Expired),
            _ => Ok(data.claims),
        }
    }
}

fn claims(user_id: &str, now: i64, ttl: Option<Duration>) -> Claims {
    Claims {
        user_id: user_id.to_owned(),
        iat: now,
        exp: ttl.map(|t| now + t.as_secs() as i64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    const NOW: i64 = 1_700_000_000;

    fn keys() -> TokenKeys {
        TokenKeys::new(
            b"test-secret-0123456789",
            Duration::from_secs(3 * 3600),
            Duration::from_secs(14 * 86_400),
        )
    }

    fn payload(token: &str) -> serde_json::Value {
        let part = token.split('.').nth(1).expect("payload part");
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("json")
    }

    #[test]
    fn access_tokens_carry_user_id_iat_and_exp() {
        let token = keys().access_token("u-1", NOW).expect("sign");
        assert_eq!(
            payload(&token),
            serde_json::json!({"userId": "u-1", "iat": NOW, "exp": NOW + 3 * 3600})
        );
        let header = token.split('.').next().expect("header");
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).expect("b64")).expect("json");
        assert_eq!(header, serde_json::json!({"alg": "HS256", "typ": "JWT"}));
    }

    #[test]
    fn refresh_tokens_differ_only_in_lifetime() {
        let token = keys().refresh_token("u-1", NOW).expect("sign");
        assert_eq!(payload(&token)["exp"], NOW + 14 * 86_400);
        assert_eq!(keys().verify(&token, NOW).expect("valid").user_id, "u-1");
    }

    #[test]
    fn a_test_token_has_no_exp_and_never_expires() {
        let token = keys().test_token("u-1", NOW).expect("sign");
        assert!(payload(&token).get("exp").is_none());
        assert!(keys().verify(&token, NOW + 100 * 365 * 86_400).is_ok());
    }

    #[test]
    fn expiry_has_no_leeway() {
        let token = keys().access_token("u-1", NOW).expect("sign");
        let exp = NOW + 3 * 3600;
        assert!(keys().verify(&token, exp - 1).is_ok());
        assert_eq!(keys().verify(&token, exp), Err(TokenError::Expired));
        assert_eq!(keys().verify(&token, exp + 1), Err(TokenError::Expired));
    }

    #[test]
    fn an_expired_token_with_a_bad_signature_is_invalid_not_expired() {
        let other = TokenKeys::new(
            b"another-secret-000000",
            Duration::from_secs(60),
            Duration::from_secs(60),
        );
        let forged = other.access_token("u-1", NOW).expect("sign");
        assert_eq!(keys().verify(&forged, NOW + 3600), Err(TokenError::Invalid));
    }

    #[test]
    fn malformed_tokens_are_invalid() {
        for token in ["undefined", "", "a.b.c", "null"] {
            assert_eq!(
                keys().verify(token, NOW),
                Err(TokenError::Invalid),
                "{token:?}"
            );
        }
    }

    #[test]
    fn a_token_signed_with_another_algorithm_is_invalid() {
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims("u-1", NOW, None),
            &EncodingKey::from_secret(b"test-secret-0123456789"),
        )
        .expect("sign");
        assert_eq!(keys().verify(&token, NOW), Err(TokenError::Invalid));
    }

    #[test]
    fn a_token_not_yet_valid_is_invalid() {
        #[derive(Serialize)]
        struct WithNbf<'a> {
            #[serde(rename = "userId")]
            user_id: &'a str,
            iat: i64,
            nbf: i64,
        }
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &WithNbf {
                user_id: "u-1",
                iat: NOW,
                nbf: i64::MAX / 2,
            },
            &EncodingKey::from_secret(b"test-secret-0123456789"),
        )
        .expect("sign");
        assert_eq!(keys().verify(&token, NOW), Err(TokenError::Invalid));
    }
}
