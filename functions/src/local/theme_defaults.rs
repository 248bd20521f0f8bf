//! The six theme default thumbnails (contract images.md §5), drawn by
//! `scripts/theme-defaults.py` and shipped in `assets/theme-defaults/` under
//! their exact, partly NFD-decomposed Hangul names. Uploaded to
//! `groupthumbnail/<name>` of the image bucket by the dev gateway at start
//! and by `upload-theme-defaults` on deploy (README, "Deploy").

use std::path::{Path, PathBuf};

use anyhow::Context;
use aws_sdk_s3::primitives::ByteStream;
use shared::domain::image::folder;

/// `assets/theme-defaults/` of this repository.
pub fn assets_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/theme-defaults")
}

/// Uploads every `.png` of `dir` to `groupthumbnail/<file name>`, file names
/// as bytes on disk (no Unicode normalisation). Returns the keys.
pub async fn upload(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    dir: &Path,
) -> anyhow::Result<Vec<String>> {
    let mut keys = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("read {}", dir.display()))? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !name.ends_with(".png") {
            continue;
        }
        let key = format!("{}/{name}", folder::GROUP);
        s3.put_object()
            .bucket(bucket)
            .key(&key)
            .content_type("image/png")
            .cache_control("public, max-age=86400")
            .body(ByteStream::from(std::fs::read(&path)?))
            .send()
            .await
            .with_context(|| format!("upload {key}"))?;
        keys.push(key);
    }
    keys.sort();
    Ok(keys)
}
