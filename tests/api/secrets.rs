//! Secrets from SSM Parameter Store (moto's SSM, the same wire protocol):
//! SecureString values reach the configuration decrypted, a missing optional
//! one stays unset, a missing token key stops the cold start.

use aws_sdk_ssm::types::ParameterType;
use shared::App;
use shared::config::Config;
use shared::secrets::{SECRETS_PATH_VAR, SECRETS_VAR, Secrets, Wanted};

async fn ssm() -> aws_sdk_ssm::Client {
    assert!(
        std::env::var("AWS_ENDPOINT_URL_SSM").is_ok(),
        "the local engines are not running: use scripts/test.sh"
    );
    App::ssm_client(&aws_config::load_from_env().await)
}

/// A fresh parameter path per test, with `values` stored as SecureStrings.
async fn store(ssm: &aws_sdk_ssm::Client, values: &[(&str, &str)]) -> String {
    let path = format!("/erunjrun-test/{}", uuid::Uuid::now_v7().simple());
    for (name, value) in values {
        ssm.put_parameter()
            .name(format!("{path}/{name}"))
            .value(*value)
            .r#type(ParameterType::SecureString)
            .send()
            .await
            .expect("put parameter");
    }
    path
}

fn wanted(path: &str, list: &str) -> Wanted {
    let path = path.to_owned();
    let list = list.to_owned();
    Wanted::from_lookup(move |name| match name {
        SECRETS_VAR => Some(list.clone()),
        SECRETS_PATH_VAR => Some(path.clone()),
        _ => None,
    })
    .expect("valid")
    .expect("some secrets wanted")
}

/// The plain (non-secret) variables a deployed function has.
fn plain(name: &str) -> Option<String> {
    match name {
        "TABLE_NAME" | "IMAGE_BUCKET" => Some("erunjrun-test".to_owned()),
        // A stale plain value must lose against the parameter.
        "TOKENKEY" => Some("plain-environment-value".to_owned()),
        _ => None,
    }
}

#[tokio::test]
async fn secure_string_parameters_become_the_configuration() {
    let ssm = ssm().await;
    let path = store(
        &ssm,
        &[
            ("TOKENKEY", "token-key-from-ssm-0123456789"),
            ("PHONE_KEY", "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="),
            ("NCP_SENS_SECRET", "sens-secret-from-ssm"),
        ],
    )
    .await;
    let secrets = Secrets::fetch(&ssm, &wanted(&path, "TOKENKEY,PHONE_KEY,NCP_SENS_SECRET"))
        .await
        .expect("fetched");
    assert!(secrets.missing.is_empty(), "{secrets:?}");
    let config = Config::from_lookup(secrets.overlay(plain)).expect("config");
    assert_eq!(config.token_key, "token-key-from-ssm-0123456789");
    assert_eq!(config.external.phone_key, Some([1u8; 32]));
    assert_eq!(config.external.sens.secret_key, "sens-secret-from-ssm");
}

#[tokio::test]
async fn only_the_listed_names_are_read() {
    let ssm = ssm().await;
    let path = store(
        &ssm,
        &[
            ("TOKENKEY", "token-key-from-ssm-0123456789"),
            ("PHONE_KEY", "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="),
        ],
    )
    .await;
    let secrets = Secrets::fetch(&ssm, &wanted(&path, "TOKENKEY"))
        .await
        .expect("fetched");
    let config = Config::from_lookup(secrets.overlay(plain)).expect("config");
    assert_eq!(
        config.external.phone_key, None,
        "a function that does not list PHONE_KEY never holds it"
    );
}

#[tokio::test]
async fn a_missing_optional_secret_stays_unset_and_a_missing_token_key_stops_the_start() {
    let ssm = ssm().await;
    let path = store(&ssm, &[("TOKENKEY", "token-key-from-ssm-0123456789")]).await;
    let secrets = Secrets::fetch(&ssm, &wanted(&path, "TOKENKEY,KAKAO_SECRET"))
        .await
        .expect("fetched");
    assert_eq!(secrets.missing, [format!("{path}/KAKAO_SECRET")]);
    let config = Config::from_lookup(secrets.overlay(plain)).expect("config");
    assert_eq!(config.external.kakao.client_secret, None);

    let empty = store(&ssm, &[]).await;
    let secrets = Secrets::fetch(&ssm, &wanted(&empty, "TOKENKEY"))
        .await
        .expect("fetched");
    let without_plain = |name: &str| plain(name).filter(|_| name != "TOKENKEY");
    assert!(Config::from_lookup(secrets.overlay(without_plain)).is_err());
}
