//! Local development: every route of the route table on one port, against
//! DynamoDB Local and moto (reached through the SDK's `AWS_ENDPOINT_URL_*`).
//! Never deployed (feature `dev-gateway`).
//!
//! Offline by default: without `KAKAO_ID` the Kakao and Naver logins go to
//! the loopback fake providers, without `NCP_SENS_ID` SMS go to the fake
//! SENS, and without `PHONE_KEY` phone numbers use a fixed development key
//! (README, "Logging in offline").

use std::net::SocketAddr;

use functions::local::fakes::oauth::FakeProviders;
use functions::local::fakes::sens::FakeSens;

/// Development-only phone key (not secret); real deployments set `PHONE_KEY`.
const DEV_PHONE_KEY: [u8; 32] = *b"erunjrun-dev-phone-key-not-real!";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber_init();
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let mut config = shared::config::Config::from_env()?;
    if config.external.kakao.client_id.is_empty() {
        let frontend =
            std::env::var("FRONTEND_URL").unwrap_or_else(|_| "http://localhost:3000".into());
        let fake = FakeProviders::start(&format!("{frontend}/kakao"), &format!("{frontend}/naver"))
            .await?;
        fake.configure(&mut config.external);
        tracing::info!(base = %fake.base, "KAKAO_ID unset: Kakao and Naver logins use the fake providers");
    }
    if config.external.sens.service_id.is_empty() {
        let fake = FakeSens::start("ncp:sms:kr:0:dev", "dev-access-key", "dev-secret-key").await?;
        fake.configure(&mut config.external);
        tracing::info!(messages = %format!("{}/__fake/sens/messages", fake.base), "NCP_SENS_ID unset: SMS go to the fake SENS");
    }
    if config.external.phone_key.is_none() {
        config.external.phone_key = Some(DEV_PHONE_KEY);
        tracing::warn!("PHONE_KEY unset: using the development phone key");
    }
    let sdk = aws_config::load_from_env().await;
    let app: &'static shared::App = Box::leak(Box::new(shared::App::new(config, &sdk)));
    functions::local::devstack::ensure_table(&app.db.client, &app.config.table_name).await?;
    functions::local::devstack::ensure_bucket(&app.s3, &app.config.image_bucket).await?;
    let themes = functions::local::theme_defaults::upload(
        &app.s3,
        &app.config.image_bucket,
        &functions::local::theme_defaults::assets_dir(),
    )
    .await?;
    tracing::info!(
        count = themes.len(),
        "theme default thumbnails in the local bucket"
    );
    // The background functions, run locally as S3 and the Scheduler run them in AWS.
    functions::local::devstack::ensure_schedules(&app.scheduler, &app.config.table_name).await?;
    let background = functions::local::background::Background {
        on_schedule: Some(functions::local::background::alarm_dispatch()),
        on_object_created: Some(functions::local::background::image_resize(
            functions::events::image_resize::Settings::default(),
        )),
    };
    functions::local::background::spawn(app, background, aws_sdk_sqs::Client::new(&sdk)).await?;
    functions::local::gateway::serve(app, SocketAddr::from(([127, 0, 0, 1], port))).await
}

fn tracing_subscriber_init() {
    lambda_http::tracing::init_default_subscriber();
}
