//! Image objects in S3: uploads with their real content type, deletes of
//! an image and its resized copies.

use anyhow::Context;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};

use crate::App;
use crate::domain::image::folder;

/// Object metadata naming the run or course an upload belongs to
/// (`x-amz-meta-owner: <id>`): the resize function marks that owner.
pub const OWNER_METADATA: &str = "owner";

/// Stores one uploaded image under `<folder>/<key>`.
pub async fn upload(
    app: &App,
    folder: &str,
    key: &str,
    bytes: bytes::Bytes,
    content_type: &str,
) -> anyhow::Result<()> {
    upload_owned(app, folder, key, bytes, content_type, None).await
}

/// [`upload`] with the id of the run or course the image belongs to, for the
/// resize function (docs/images.md).
pub async fn upload_owned(
    app: &App,
    folder: &str,
    key: &str,
    bytes: bytes::Bytes,
    content_type: &str,
    owner: Option<&str>,
) -> anyhow::Result<()> {
    app.s3
        .put_object()
        .set_metadata(owner.map(|id| {
            std::collections::HashMap::from([(OWNER_METADATA.to_owned(), id.to_owned())])
        }))
        .bucket(&app.config.image_bucket)
        .key(format!("{folder}/{key}"))
        .content_type(content_type)
        .cache_control("public, max-age=31536000, immutable")
        .body(ByteStream::from(bytes))
        .send()
        .await
        .with_context(|| format!("upload {folder}/{key}"))?;
    Ok(())
}

/// Deletes images (original in `folder` and both resized copies) in one
/// DeleteObjects request per 333 images. Missing objects are not an error;
/// a key S3 refused (quiet mode reports only those, e.g. `AccessDenied`) is.
pub async fn delete(app: &App, original_folder: &str, keys: &[String]) -> anyhow::Result<()> {
    let objects: Vec<ObjectIdentifier> = keys
        .iter()
        .flat_map(|key| {
            [original_folder, folder::LIST, folder::DETAIL].map(|f| format!("{f}/{key}"))
        })
        .map(|key| ObjectIdentifier::builder().key(key).build())
        .collect::<Result<_, _>>()?;
    for chunk in objects.chunks(999) {
        let out = app
            .s3
            .delete_objects()
            .bucket(&app.config.image_bucket)
            .delete(
                Delete::builder()
                    .set_objects(Some(chunk.to_vec()))
                    .quiet(true)
                    .build()?,
            )
            .send()
            .await
            .context("delete images")?;
        if let Some(first) = out.errors().first() {
            anyhow::bail!(
                "delete images: {} of {} keys refused, first {:?}: {}",
                out.errors().len(),
                chunk.len(),
                first.key().unwrap_or_default(),
                first.code().unwrap_or_default()
            );
        }
    }
    Ok(())
}
