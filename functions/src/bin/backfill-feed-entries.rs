//! Deploy step (once, after GSI6 is active): writes the composite feed
//! entries of runs created before them, in the table named by `TABLE_NAME`
//! (or the first argument), with the SDK's usual credentials and region.
//! Only runs starting from the second argument on (an instant key such as
//! `2026-12-01T00:00:00.000Z`), or every run. docs/data-model.md, "Deploying".

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let table = args
        .next()
        .or_else(|| std::env::var("TABLE_NAME").ok())
        .ok_or_else(|| anyhow::anyhow!("usage: backfill-feed-entries <table> [from]"))?;
    let from = args.next();
    let sdk = aws_config::load_from_env().await;
    let db = shared::store::Db::new(aws_sdk_dynamodb::Client::new(&sdk), table);
    let runs = db.backfill_feed_entries(from.as_deref()).await?;
    println!("feed entries written for {runs} runs");
    Ok(())
}
