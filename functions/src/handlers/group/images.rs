//! Run images: the upload limits, the check and upload of thumbnails under
//! fresh S3 keys, and their list / detail URLs.

use serde_json::Value;
use shared::domain::group::Group;
use shared::domain::image::{self, ImageUrls, folder};
use shared::http::multipart::{Limits, UploadedFile};
use shared::{ApiError, App, services};

use super::bad;

pub(super) const THUMBNAILS: Limits = Limits {
    file_field: "thumbnail",
    max_files: 3,
    max_file_bytes: image::MAX_IMAGE_BYTES,
};

/// Checks every uploaded file is a real image; returns (file, mime) pairs.
pub(super) fn checked_images(
    files: &[UploadedFile],
) -> Result<Vec<(&UploadedFile, &'static str)>, ApiError> {
    files
        .iter()
        .map(|f| {
            image::check_image(&f.content_type, &f.bytes)
                .map(|mime| (f, mime))
                .map_err(bad)
        })
        .collect()
}

/// Uploads the files under fresh keys (in order), tagged with the run they
/// belong to (for the resize function), and returns the keys.
pub(super) async fn upload_all(
    app: &App,
    group_id: &str,
    files: &[(&UploadedFile, &'static str)],
) -> anyhow::Result<Vec<String>> {
    let now_ms = app.clock.now().timestamp_millis();
    let mut keys = Vec::with_capacity(files.len());
    for (i, (file, mime)) in files.iter().enumerate() {
        let random = (uuid::Uuid::new_v4().as_u128() % 1000) as u16;
        // File names are usually `blob`: the extension comes from the type.
        let key = image::object_key(
            &format!("blob.{}", mime.rsplit('/').next().unwrap_or("img")),
            mime,
            random,
            now_ms + i as i64,
        );
        services::images::upload_owned(
            app,
            folder::GROUP,
            &key,
            file.bytes.clone(),
            mime,
            Some(group_id),
        )
        .await?;
        keys.push(key);
    }
    Ok(keys)
}

pub(super) fn list_thumbnail(urls: &ImageUrls, g: &Group) -> Value {
    match g.thumbnails.first() {
        Some(key) => Value::String(urls.list(folder::GROUP, key, g.images_resized)),
        None => ImageUrls::theme_default(&urls.default_base, &g.thema)
            .map_or(Value::Null, Value::String),
    }
}

pub(super) fn detail_thumbnails(urls: &ImageUrls, g: &Group) -> [Value; 3] {
    let slot = |i: usize| {
        g.thumbnails.get(i).map_or(Value::Null, |k| {
            Value::String(urls.detail(folder::GROUP, k, g.images_resized))
        })
    };
    if g.thumbnails.is_empty() {
        let default = ImageUrls::theme_default(&urls.default_base, &g.thema)
            .map_or(Value::Null, Value::String);
        return [default, Value::Null, Value::Null];
    }
    [slot(0), slot(1), slot(2)]
}
