//! The application context: configuration and SDK clients, built once per
//! cold start (Lambda) or once per dev gateway / test.

use aws_config::SdkConfig;

use crate::config::Config;
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
}

impl App {
    /// Everything from the environment: our variables plus the SDK's standard
    /// ones (region, credentials, `AWS_ENDPOINT_URL_*`).
    pub async fn from_env() -> anyhow::Result<Self> {
        let config = Config::from_env()?;
        let sdk = aws_config::load_from_env().await;
        Ok(Self::new(config, &sdk))
    }

    pub fn new(config: Config, sdk: &SdkConfig) -> Self {
        let dynamo = aws_sdk_dynamodb::config::Builder::from(sdk)
            .interceptor(DynamoCallCounter)
            .build();
        Self {
            db: Db::new(
                aws_sdk_dynamodb::Client::from_conf(dynamo),
                config.table_name.clone(),
            ),
            s3: aws_sdk_s3::Client::new(sdk),
            scheduler: aws_sdk_scheduler::Client::new(sdk),
            tokens: TokenKeys::new(
                config.token_key.as_bytes(),
                config.access_token_ttl,
                config.refresh_token_ttl,
            ),
            clock: Clock::default(),
            config,
        }
    }
}
