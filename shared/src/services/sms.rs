//! SMS through Naver Cloud SENS (auth.md §7.8), signed with HMAC-SHA256 over
//! `POST /sms/v2/services/<id>/messages\n<timestamp>\n<access key>`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use crate::App;
use crate::config::SensConfig;
pub use crate::domain::reminder::MessageType;

/// The request path of the send API for a service id.
pub fn messages_path(service_id: &str) -> String {
    format!("/sms/v2/services/{service_id}/messages")
}

/// `x-ncp-apigw-signature-v2`: base64(HMAC-SHA256(secret, "POST <path>\n<timestamp>\n<access key>")).
pub fn signature(
    method: &str,
    path: &str,
    timestamp: &str,
    access_key: &str,
    secret: &str,
) -> String {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(format!("{method} {path}\n{timestamp}\n{access_key}").as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

/// Sends one SMS to `to` (digits only). Non-2xx and network errors fail.
/// The message text and the number are never logged.
pub async fn send(app: &App, to: &str, content: &str) -> anyhow::Result<()> {
    send_message(app, MessageType::Sms, to, content).await
}

/// Sends one SMS or LMS (`type` of the SENS body) to `to`; as [`send`].
pub async fn send_message(
    app: &App,
    message_type: MessageType,
    to: &str,
    content: &str,
) -> anyhow::Result<()> {
    let SensConfig {
        service_id,
        access_key,
        secret_key,
        base,
        from,
    } = &app.config.external.sens;
    if service_id.is_empty() || access_key.is_empty() || secret_key.is_empty() {
        anyhow::bail!("SENS is not configured");
    }
    let path = messages_path(service_id);
    // The signature timestamp is real time: SENS refuses skewed requests,
    // whatever the app clock says.
    let timestamp = chrono::Utc::now().timestamp_millis().to_string();
    let response = app
        .http
        .post(format!("{}{path}", base.trim_end_matches('/')))
        .header("content-type", "application/json; charset=utf-8")
        .header("x-ncp-iam-access-key", access_key)
        .header("x-ncp-apigw-timestamp", &timestamp)
        .header(
            "x-ncp-apigw-signature-v2",
            signature("POST", &path, &timestamp, access_key, secret_key),
        )
        .body(
            json!({
                "type": message_type.as_str(),
                "countryCode": "82",
                "from": from,
                "content": content,
                "messages": [{ "to": to }],
            })
            .to_string(),
        )
        .send()
        .await?;
    let status = response.status();
    if !status.is_success() {
        anyhow::bail!("SENS answered {status}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_an_independent_hmac_sha256() {
        // Reference value computed with Python's hmac/hashlib:
        // base64(hmac.new(b"secret", b"POST /sms/v2/services/ncp:sms:kr:1:svc/messages\n1655000000000\nACCESS", sha256).digest())
        assert_eq!(
            signature(
                "POST",
                &messages_path("ncp:sms:kr:1:svc"),
                "1655000000000",
                "ACCESS",
                "secret"
            ),
            "8VF2cqWs2b/u4i1pFAUf3vS51dm+LR7j2H2s2Sk7Hr4="
        );
    }
}
