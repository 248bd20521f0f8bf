//! Local development: every route of the route table on one port, against
//! DynamoDB Local and moto (reached through the SDK's `AWS_ENDPOINT_URL_*`).
//! Never deployed (feature `dev-gateway`).

use std::net::SocketAddr;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber_init();
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let app: &'static shared::App = Box::leak(Box::new(shared::App::from_env().await?));
    functions::devstack::ensure_table(&app.db.client, &app.config.table_name).await?;
    functions::devstack::ensure_bucket(&app.s3, &app.config.image_bucket).await?;
    functions::gateway::serve(app, SocketAddr::from(([127, 0, 0, 1], port))).await
}

fn tracing_subscriber_init() {
    lambda_http::tracing::init_default_subscriber();
}
