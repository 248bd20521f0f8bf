//! Phone numbers and SMS verification codes (auth.md §6.3, §7.8, §7.9).
//!
//! Numbers are stored encrypted with AES-256-GCM: a fresh random 96-bit
//! nonce per encryption, stored as `v1.<base64(nonce ‖ ciphertext ‖ tag)>`.
//! The key (`PHONE_KEY`, 32 bytes, base64) comes from configuration. The
//! original's DES scheme is not reproduced: no legacy data is migrated and
//! the scheduler is rewritten too, as §6.3 allows. Plain numbers are never
//! logged and are decrypted only to show them to their owner and to send SMS.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rand::RngCore;

const VERSION: &str = "v1.";
const NONCE_BYTES: usize = 12;

/// How long an SMS code stays valid (auth.md open question 5).
pub const CODE_TTL_SECONDS: i64 = 10 * 60;
/// Wrong guesses after which a code is void (6 digits, so 5 tries are a
/// 1 in 180 000 chance).
pub const MAX_CODE_ATTEMPTS: u32 = 5;
/// One code per user and per number in this window.
pub const SEND_INTERVAL_SECONDS: i64 = 60;

#[derive(Clone)]
pub struct PhoneCipher {
    cipher: Aes256Gcm,
    key: [u8; 32],
}

impl std::fmt::Debug for PhoneCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PhoneCipher(<redacted>)")
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhoneKeyError {
    #[error("PHONE_KEY is not base64")]
    NotBase64,
    #[error("PHONE_KEY must decode to 32 bytes")]
    WrongLength,
}

impl PhoneCipher {
    pub fn new(key: &[u8; 32]) -> Self {
        Self {
            cipher: Aes256Gcm::new(&Key::<Aes256Gcm>::from(*key)),
            key: *key,
        }
    }

    /// A keyed hash of a normalised number (hex HMAC-SHA256 under a
    /// domain-separated message): names the number in throttle keys without
    /// revealing it (a plain hash of 10^8 numbers is trivially reversed).
    pub fn tag(&self, number: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = match <Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC takes keys of any length"),
        };
        mac.update(b"erun-phone-tag\0");
        mac.update(number.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The 32-byte key from its base64 text (`PHONE_KEY`).
    pub fn parse_key(text: &str) -> Result<[u8; 32], PhoneKeyError> {
        let bytes = BASE64
            .decode(text.trim())
            .map_err(|_| PhoneKeyError::NotBase64)?;
        bytes.try_into().map_err(|_| PhoneKeyError::WrongLength)
    }

    pub fn encrypt(&self, plain: &str) -> anyhow::Result<String> {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(&Nonce::from(nonce), plain.as_bytes())
            .map_err(|_| anyhow::anyhow!("phone encryption failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{VERSION}{}", BASE64.encode(out)))
    }

    /// Fails on anything not sealed by this key (tampered, truncated,
    /// another key, another format); the error never contains the number.
    pub fn decrypt(&self, stored: &str) -> anyhow::Result<String> {
        let body = stored
            .strip_prefix(VERSION)
            .ok_or_else(|| anyhow::anyhow!("unknown phone format"))?;
        let bytes = BASE64
            .decode(body)
            .map_err(|_| anyhow::anyhow!("phone is not base64"))?;
        if bytes.len() <= NONCE_BYTES {
            anyhow::bail!("phone ciphertext too short");
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let nonce: [u8; NONCE_BYTES] = nonce
            .try_into()
            .map_err(|_| anyhow::anyhow!("phone nonce"))?;
        let plain = self
            .cipher
            .decrypt(&Nonce::from(nonce), sealed)
            .map_err(|_| anyhow::anyhow!("phone decryption failed"))?;
        String::from_utf8(plain).map_err(|_| anyhow::anyhow!("phone is not UTF-8"))
    }
}

/// The SMS destination: `tel` with every `-` removed (§7.8), trimmed, and
/// it must then be 8–15 digits (an optional leading `+`); anything else is
/// refused before a code is stored or a message is paid for.
pub fn normalise(tel: &str) -> Option<String> {
    let number: String = tel.trim().chars().filter(|c| *c != '-').collect();
    let digits = number.strip_prefix('+').unwrap_or(&number);
    let valid = (8..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit());
    valid.then_some(number)
}

/// A 6-digit code in `[100000, 999998]`, as the original drew it.
pub fn new_code() -> String {
    use rand::Rng;
    rand::rngs::OsRng.gen_range(100_000..=999_998).to_string()
}

/// The SMS text of §7.8.
pub fn sms_content(code: &str) -> String {
    format!("이런저런 인증번호는 [{code}] 입니다.")
}

/// A code as the client sent it (string or number), as trimmed decimal text.
pub fn code_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.trim().to_owned()),
        serde_json::Value::Number(n) if n.is_u64() => Some(n.to_string()),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

/// A stored verification code. The number it was sent to is kept only as
/// its keyed hash ([`PhoneCipher::tag`]): a table dump shows no number.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneCode {
    pub code: String,
    /// `PhoneCipher::tag` of the normalised number the code was sent to.
    pub number_tag: String,
    /// Epoch seconds.
    pub expires_at: i64,
    #[serde(default)]
    pub attempts: u32,
}

#[derive(Debug, PartialEq, Eq)]
pub enum VerifyRefusal {
    Expired,
    TooManyAttempts,
    OtherNumber,
    WrongCode,
}

impl PhoneCode {
    /// Whether `code` sent for the number tagged `number_tag` at `now`
    /// verifies this stored code.
    pub fn check(&self, number_tag: &str, code: &str, now: i64) -> Result<(), VerifyRefusal> {
        if now >= self.expires_at {
            return Err(VerifyRefusal::Expired);
        }
        if self.attempts >= MAX_CODE_ATTEMPTS {
            return Err(VerifyRefusal::TooManyAttempts);
        }
        if self.number_tag != number_tag {
            return Err(VerifyRefusal::OtherNumber);
        }
        if self.code != code {
            return Err(VerifyRefusal::WrongCode);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher(byte: u8) -> PhoneCipher {
        PhoneCipher::new(&[byte; 32])
    }

    #[test]
    fn a_number_survives_a_round_trip_and_each_encryption_differs() {
        let c = cipher(7);
        let a = c.encrypt("010-1234-5678").expect("encrypt");
        let b = c.encrypt("010-1234-5678").expect("encrypt");
        assert_ne!(a, b, "a fresh nonce per encryption");
        assert!(!a.contains("1234"));
        assert_eq!(c.decrypt(&a).expect("decrypt"), "010-1234-5678");
        assert_eq!(c.decrypt(&b).expect("decrypt"), "010-1234-5678");
    }

    #[test]
    fn a_tampered_ciphertext_is_refused() {
        let c = cipher(7);
        let sealed = c.encrypt("01012345678").expect("encrypt");
        let mut bytes = BASE64
            .decode(sealed.strip_prefix(VERSION).expect("prefix"))
            .expect("b64");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(
            c.decrypt(&format!("{VERSION}{}", BASE64.encode(&bytes)))
                .is_err()
        );
        bytes[last] ^= 1;
        bytes[NONCE_BYTES] ^= 0x80;
        assert!(
            c.decrypt(&format!("{VERSION}{}", BASE64.encode(&bytes)))
                .is_err()
        );
        assert!(c.decrypt("v1.AAAA").is_err());
        assert!(c.decrypt("010-1234-5678").is_err());
        assert!(c.decrypt("null").is_err());
    }

    #[test]
    fn tags_are_stable_per_key_and_hide_the_number() {
        let tag = cipher(7).tag("01012345678");
        assert_eq!(tag, cipher(7).tag("01012345678"));
        assert_ne!(tag, cipher(8).tag("01012345678"));
        assert_ne!(tag, cipher(7).tag("01012345679"));
        assert!(!tag.contains("12345678"));
    }

    #[test]
    fn another_key_cannot_decrypt() {
        let sealed = cipher(7).encrypt("01012345678").expect("encrypt");
        assert!(cipher(8).decrypt(&sealed).is_err());
    }

    #[test]
    fn keys_are_32_bytes_of_base64() {
        let key = BASE64.encode([1u8; 32]);
        assert_eq!(PhoneCipher::parse_key(&key), Ok([1u8; 32]));
        assert_eq!(
            PhoneCipher::parse_key(&BASE64.encode([1u8; 16])),
            Err(PhoneKeyError::WrongLength)
        );
        assert_eq!(
            PhoneCipher::parse_key("not base64!"),
            Err(PhoneKeyError::NotBase64)
        );
    }

    #[test]
    fn numbers_lose_their_dashes_and_garbage_is_refused() {
        assert_eq!(normalise("010-1234-5678"), Some("01012345678".into()));
        assert_eq!(normalise(" 01012345678 "), Some("01012345678".into()));
        assert_eq!(normalise("+82-10-1234-5678"), Some("+821012345678".into()));
        assert_eq!(normalise(""), None);
        assert_eq!(normalise("010-abcd-5678"), None);
        assert_eq!(normalise("1234"), None);
    }

    #[test]
    fn codes_have_six_digits_in_the_original_range() {
        for _ in 0..200 {
            let code: u32 = new_code().parse().expect("digits");
            assert!((100_000..=999_998).contains(&code));
        }
        assert_eq!(
            sms_content("483920"),
            "이런저런 인증번호는 [483920] 입니다."
        );
    }

    #[test]
    fn codes_compare_as_trimmed_decimal_text() {
        assert_eq!(
            code_text(&serde_json::json!(" 483920 ")),
            Some("483920".into())
        );
        assert_eq!(code_text(&serde_json::json!(483920)), Some("483920".into()));
        assert_eq!(code_text(&serde_json::json!(null)), None);
        assert_eq!(code_text(&serde_json::json!("")), None);
        assert_eq!(code_text(&serde_json::json!(-1)), None);
    }

    #[test]
    fn a_code_verifies_only_for_its_number_before_expiry_and_within_the_attempts() {
        let stored = PhoneCode {
            code: "483920".into(),
            number_tag: "01012345678".into(),
            expires_at: 1000,
            attempts: 0,
        };
        assert_eq!(stored.check("01012345678", "483920", 999), Ok(()));
        assert_eq!(
            stored.check("01012345678", "483920", 1000),
            Err(VerifyRefusal::Expired)
        );
        assert_eq!(
            stored.check("01099999999", "483920", 1),
            Err(VerifyRefusal::OtherNumber)
        );
        assert_eq!(
            stored.check("01012345678", "000000", 1),
            Err(VerifyRefusal::WrongCode)
        );
        let tired = PhoneCode {
            attempts: MAX_CODE_ATTEMPTS,
            ..stored
        };
        assert_eq!(
            tired.check("01012345678", "483920", 1),
            Err(VerifyRefusal::TooManyAttempts)
        );
    }
}
