//! Deploy step: uploads the six theme default thumbnails to the image bucket
//! named by `IMAGE_BUCKET` (or the first argument), with the SDK's usual
//! credentials and region. README, "Deploy".

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let bucket = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("IMAGE_BUCKET").ok())
        .ok_or_else(|| anyhow::anyhow!("usage: upload-theme-defaults <bucket>"))?;
    let sdk = aws_config::load_from_env().await;
    let s3 = aws_sdk_s3::Client::new(&sdk);
    for key in functions::local::theme_defaults::upload(
        &s3,
        &bucket,
        &functions::local::theme_defaults::assets_dir(),
    )
    .await?
    {
        println!("s3://{bucket}/{key}");
    }
    Ok(())
}
