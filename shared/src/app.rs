//! The application context: configuration and SDK clients, built once per
//! cold start (Lambda) or once per dev gateway / test.

use aws_config::SdkConfig;

use crate::aws_ops::OperationRecorder;
use crate::config::Config;
use crate::domain::phone::PhoneCipher;
use crate::domain::token::TokenKeys;
use crate::metrics::DynamoCallCounter;
use crate::store::Db;
use crate::time::Clock;

pub struct App {
    pub config: Config,
    pub db: Db,
    pub s3: aws_sdk_s3::Client,
    pub scheduler: aws_sdk_scheduler::Client,
    pub tokens: TokenKeys,
    pub clock: Clock,
    /// HTTPS client (rustls) for Kakao, Naver and SENS, built once.
    pub http: reqwest::Client,
    /// Phone-number cipher; `None` when `PHONE_KEY` is not configured (the
    /// phone routes then fail with their own message).
    pub phone: Option<PhoneCipher>,
}

/// Outside calls must finish well inside the 10 s function timeout.
const OUTSIDE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(4);

impl App {
    /// Everything from the environment: our variables plus the SDK's standard
    /// ones (region, credentials, `AWS_ENDPOINT_URL_*`).
    /// Secrets named by `ERUN_SECRETS` come from SSM Parameter Store
    /// ([`crate::secrets`]) through a client of the same SDK configuration.
    pub async fn from_env() -> anyhow::Result<Self> {
        let env = |name: &str| std::env::var(name).ok();
        let sdk = aws_config::load_from_env().await;
        let secrets = match crate::secrets::Wanted::from_lookup(env)? {
            Some(wanted) => {
                crate::secrets::Secrets::fetch(&Self::ssm_client(&sdk), &wanted).await?
            }
            None => crate::secrets::Secrets::default(),
        };
        let config = Config::from_lookup(secrets.overlay(env)).map_err(|e| {
            if secrets.missing.is_empty() {
                e
            } else {
                e.context(format!("SSM parameters not found: {:?}", secrets.missing))
            }
        })?;
        Ok(Self::new(config, &sdk))
    }

    /// The SSM client secrets are read with (built only when some are wanted).
    pub fn ssm_client(sdk: &SdkConfig) -> aws_sdk_ssm::Client {
        aws_sdk_ssm::Client::new(sdk)
    }

    pub fn new(config: Config, sdk: &SdkConfig) -> Self {
        let dynamo = aws_sdk_dynamodb::config::Builder::from(sdk)
            .interceptor(DynamoCallCounter)
            .interceptor(OperationRecorder)
            .build();
        let s3 = aws_sdk_s3::config::Builder::from(sdk)
            .interceptor(OperationRecorder)
            .build();
        let scheduler = aws_sdk_scheduler::config::Builder::from(sdk)
            .interceptor(OperationRecorder)
            .build();
        Self {
            db: Db::new(
                aws_sdk_dynamodb::Client::from_conf(dynamo),
                config.table_name.clone(),
            ),
            s3: aws_sdk_s3::Client::from_conf(s3),
            scheduler: aws_sdk_scheduler::Client::from_conf(scheduler),
            tokens: TokenKeys::new(
                config.token_key.as_bytes(),
                config.access_token_ttl,
                config.refresh_token_ttl,
            ),
            clock: Clock::default(),
            http: reqwest::Client::builder()
                .timeout(OUTSIDE_TIMEOUT)
                .connect_timeout(OUTSIDE_TIMEOUT)
                .build()
                .unwrap_or_else(|_| reqwest::Client::new()),
            phone: config.external.phone_key.as_ref().map(PhoneCipher::new),
            config,
        }
    }
}
