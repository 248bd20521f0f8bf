//! `image-resize`: S3 `ObjectCreated` on `groupthumbnail/` and
//! `courseImage/` → `w_384/{name}` and `w_758/{name}` → the owning run or
//! course is marked `imagesResized` once every one of its images has both
//! copies. The Lambda (`bin/image-resize.rs`) and the dev gateway's
//! background runner (`local/background.rs`) call this same [`handle`]. Design: docs/images.md.
//!
//! At least once, idempotent: one record per object version (bucket, key,
//! ETag) claimed in progress → completed; copies already written by a failed
//! attempt are not written again. Inputs no retry can fix (empty, corrupt,
//! not an image, AVIF, too many pixels, not our key, no owner) are logged
//! once and end successfully; everything else (S3 or DynamoDB unavailable)
//! fails the invocation so Lambda retries it, then parks it in the DLQ.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use aws_lambda_events::s3::{S3Event, S3EventRecord};
use aws_sdk_s3::primitives::ByteStream;
use shared::App;
use shared::domain::image::{self, folder};
use shared::services::images::OWNER_METADATA;
use shared::store::resize::{
    Claim, MarkOutcome, OUTCOME_RESIZED, OwnerImages, OwnerKind, ResizeRecord,
};

/// The folders the copies go to, by width.
pub const COPIES: [(u32, &str); 2] = [(384, folder::LIST), (758, folder::DETAIL)];

/// No upload through the API is larger (`MAX_IMAGE_BYTES`); anything bigger
/// did not come from us and is not read into memory.
const MAX_SOURCE_BYTES: i64 = 16 * 1024 * 1024;

const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

#[derive(Debug, Clone)]
pub struct Settings {
    pub limits: imaging::Limits,
    /// How long to wait for the run or course that names an upload: the API
    /// stores the object before its row (at most one API timeout, 10 s).
    pub owner_wait: Duration,
    /// In-progress lease of an idempotency record: longer than the
    /// function's timeout, so a crashed attempt's record is taken over.
    pub lease_seconds: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            limits: imaging::Limits::default(),
            owner_wait: Duration::from_secs(12),
            lease_seconds: 90,
        }
    }
}

/// What one object ended with (stored in its record, and logged).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Resized,
    Refused,
    /// The original was deleted before it could be read (an edit removed it).
    Gone,
    /// Nothing references the image: its copies were removed.
    Orphan,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Resized => OUTCOME_RESIZED,
            Self::Refused => "REFUSED",
            Self::Gone => "GONE",
            Self::Orphan => "ORPHAN",
        }
    }
}

/// An upload of ours: `<groupthumbnail|courseImage>/<key>`.
struct Upload {
    bucket: String,
    /// The full object key.
    key: String,
    folder: &'static str,
    /// The file name (the key the run or course stores).
    name: String,
    etag: String,
}

impl Upload {
    fn parse(record: &S3EventRecord) -> Result<Self, &'static str> {
        let bucket = record.s3.bucket.name.clone().unwrap_or_default();
        let key = s3_object_key(record.s3.object.key.as_deref().unwrap_or(""));
        let (prefix, name) = key.split_once('/').ok_or("not in an upload folder")?;
        let folder = match prefix {
            folder::GROUP => folder::GROUP,
            folder::COURSE => folder::COURSE,
            _ => return Err("not in an upload folder"),
        };
        // Our keys are `{r}{t}.{ext}`; the theme defaults and anything else are not uploads.
        if image::key_from_url(name) != Some(name) {
            return Err("not an upload key of ours");
        }
        let etag = record
            .s3
            .object
            .e_tag
            .as_deref()
            .unwrap_or("none")
            .trim_matches('"')
            .to_owned();
        Ok(Self {
            name: name.to_owned(),
            bucket,
            key,
            folder,
            etag,
        })
    }

    fn owner_kind(&self) -> OwnerKind {
        if self.folder == folder::COURSE {
            OwnerKind::Course
        } else {
            OwnerKind::Group
        }
    }

    fn copy_key(&self, copy_folder: &str) -> String {
        format!("{copy_folder}/{}", self.name)
    }
}

/// Handles every record of one S3 event; fails (for Lambda to retry) if any
/// record failed for a reason a retry can fix.
pub async fn handle(app: &App, settings: &Settings, event: S3Event) -> anyhow::Result<()> {
    // Its AWS calls are checked against this function's policy (tests/iam).
    shared::aws_ops::as_function(FUNCTION, async {
        let mut first_error = None;
        for record in &event.records {
            if let Err(e) = handle_record(app, settings, record).await {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    })
    .await
}

/// The function's logical id in template.yaml (the IAM coverage check's name).
pub const FUNCTION: &str = "ImageResizeFunction";

async fn handle_record(
    app: &App,
    settings: &Settings,
    record: &S3EventRecord,
) -> anyhow::Result<()> {
    let upload = match Upload::parse(record) {
        Ok(u) if u.bucket == app.config.image_bucket => u,
        Ok(_) => {
            tracing::warn!(reason = "another bucket", "image refused");
            return Ok(());
        }
        Err(reason) => {
            tracing::info!(reason, "object skipped");
            return Ok(());
        }
    };
    let record_key = ResizeRecord::of(&upload.bucket, &upload.key, &upload.etag);
    let now = app.clock.now().timestamp();
    let written = match app
        .db
        .claim_resize(&record_key, now, settings.lease_seconds)
        .await?
    {
        Claim::Claimed { written } => written,
        Claim::Completed { outcome } => {
            tracing::info!(key = %upload.key, outcome, "already handled (redelivered event)");
            return Ok(());
        }
        Claim::InProgress => bail!("{} is being resized by another invocation", upload.key),
    };
    match process(app, settings, &upload, &record_key, &written).await {
        Ok(outcome) => {
            app.db
                .complete_resize(&record_key, outcome.as_str(), app.clock.now().timestamp())
                .await?;
            tracing::info!(key = %upload.key, outcome = outcome.as_str(), "image handled");
            Ok(())
        }
        Err(e) => {
            if let Err(release) = app
                .db
                .release_resize(&record_key, app.clock.now().timestamp())
                .await
            {
                tracing::warn!(error = ?release, "resize record not released (its lease expires)");
            }
            Err(e.context(format!("resize {}", upload.key)))
        }
    }
}

fn refused(upload: &Upload, reason: &dyn std::fmt::Display) -> Outcome {
    tracing::warn!(key = %upload.key, reason = %reason, "image refused: no copies, the original stays served");
    Outcome::Refused
}

async fn process(
    app: &App,
    settings: &Settings,
    upload: &Upload,
    record: &ResizeRecord,
    written: &[u32],
) -> anyhow::Result<Outcome> {
    let object = match app
        .s3
        .get_object()
        .bucket(&upload.bucket)
        .key(&upload.key)
        .send()
        .await
    {
        Ok(o) => o,
        Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_key()) => {
            delete_copies(app, upload).await?;
            return Ok(Outcome::Gone);
        }
        Err(e) => return Err(e).context("get the original"),
    };
    let Some(owner) = object
        .metadata()
        .and_then(|m| m.get(OWNER_METADATA))
        .filter(|id| uuid::Uuid::parse_str(id).is_ok())
        .cloned()
    else {
        return Ok(refused(upload, &"no owner: not uploaded through the API"));
    };
    if object.content_length().unwrap_or(0) > MAX_SOURCE_BYTES {
        return Ok(refused(upload, &"larger than any upload"));
    }
    let bytes = object
        .body
        .collect()
        .await
        .context("read the original")?
        .into_bytes();

    let missing: Vec<u32> = COPIES
        .iter()
        .map(|(w, _)| *w)
        .filter(|w| !written.contains(w))
        .collect();
    if !missing.is_empty() {
        let limits = settings.limits;
        let widths = missing.clone();
        let copies = tokio::task::spawn_blocking(move || imaging::resize(&bytes, &widths, &limits))
            .await
            .context("resize task")?;
        let copies = match copies {
            Ok(c) => c,
            Err(refusal) => return Ok(refused(upload, &refusal)),
        };
        for copy in copies {
            let Some((_, copy_folder)) = COPIES.iter().find(|(w, _)| *w == copy.target) else {
                continue;
            };
            app.s3
                .put_object()
                .bucket(&upload.bucket)
                .key(upload.copy_key(copy_folder))
                .content_type(copy.content_type)
                .cache_control(CACHE_CONTROL)
                .body(ByteStream::from(copy.bytes))
                .send()
                .await
                .with_context(|| format!("store the {} px copy", copy.target))?;
            app.db.resize_copy_written(record, copy.target).await?;
        }
    }
    mark_owner(app, settings, upload, &owner).await
}

/// Marks the owner once all its images have both copies. Waits (bounded)
/// for the owner to reference the image: the API stores objects first.
async fn mark_owner(
    app: &App,
    settings: &Settings,
    upload: &Upload,
    owner: &str,
) -> anyhow::Result<Outcome> {
    let kind = upload.owner_kind();
    let deadline = Instant::now() + settings.owner_wait;
    let mut delay = Duration::from_millis(100);
    let mut seen = false;
    loop {
        let images = app.db.owner_images(kind, owner).await?;
        let Some(OwnerImages { keys, resized }) = images.filter(|i| i.keys.contains(&upload.name))
        else {
            if !seen && Instant::now() < deadline {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(2));
                continue;
            }
            // Never referenced (a failed request) or removed by an edit meanwhile.
            delete_copies(app, upload).await?;
            return Ok(Outcome::Orphan);
        };
        seen = true;
        if resized {
            return Ok(Outcome::Resized);
        }
        let now = app.clock.now().timestamp();
        for other in keys.iter().filter(|k| **k != upload.name) {
            let other_key = format!("{}/{other}", upload.folder);
            let widths = [COPIES[0].0, COPIES[1].0];
            if !app
                .db
                .image_resized(&upload.bucket, &other_key, widths, now)
                .await?
            {
                // That image's own invocation marks the owner when it is done.
                return Ok(Outcome::Resized);
            }
        }
        match app.db.mark_images_resized(kind, owner, &keys).await? {
            MarkOutcome::Marked => {
                tracing::info!(key = %upload.key, "owner marked resized");
                return Ok(Outcome::Resized);
            }
            // An edit landed in between: look again.
            MarkOutcome::Changed => continue,
        }
    }
}

async fn delete_copies(app: &App, upload: &Upload) -> anyhow::Result<()> {
    for (_, copy_folder) in COPIES {
        app.s3
            .delete_object()
            .bucket(&upload.bucket)
            .key(upload.copy_key(copy_folder))
            .send()
            .await
            .context("delete a copy")?;
    }
    Ok(())
}

/// An object key as S3 event notifications carry it: URL-encoded, with `+`
/// for spaces (`groupthumbnail/a+b.png` is `groupthumbnail/a b.png`).
pub fn s3_object_key(raw: &str) -> String {
    let spaced = raw.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(bucket: &str, key: &str) -> S3EventRecord {
        serde_json::from_value(serde_json::json!({
            "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "ap-northeast-2",
            "eventTime": "2026-11-25T00:00:00.000Z", "eventName": "ObjectCreated:Put",
            "userIdentity": {}, "requestParameters": {}, "responseElements": {},
            "s3": {"s3SchemaVersion": "1.0", "configurationId": "c",
                   "bucket": {"name": bucket, "arn": "arn:aws:s3:::b"},
                   "object": {"key": key, "size": 3, "eTag": "\"abc\""}}
        }))
        .expect("record")
    }

    #[test]
    fn only_our_upload_keys_in_the_two_upload_folders_are_resized() {
        let ok = Upload::parse(&record("b", "groupthumbnail/4701653467320472.JPG")).expect("ours");
        assert_eq!(
            (ok.folder, ok.name.as_str(), ok.etag.as_str()),
            (folder::GROUP, "4701653467320472.JPG", "abc")
        );
        assert_eq!(ok.copy_key(folder::LIST), "w_384/4701653467320472.JPG");
        let course = Upload::parse(&record("b", "courseImage/1.png")).expect("ours");
        assert_eq!(course.owner_kind(), OwnerKind::Course);
        for foreign in [
            "w_384/1.png",
            "w_758/1.png",
            "profileImg/1.png",
            "groupthumbnail/%E1%84%80%E1%85%B5%EB%B3%B8_%E1%84%89.png",
            "groupthumbnail/a/b.png",
            "groupthumbnail/",
            "1.png",
        ] {
            assert!(Upload::parse(&record("b", foreign)).is_err(), "{foreign}");
        }
    }

    #[test]
    fn event_keys_are_url_decoded() {
        assert_eq!(
            s3_object_key("groupthumbnail/a+b.png"),
            "groupthumbnail/a b.png"
        );
        assert_eq!(
            s3_object_key("groupthumbnail%2F123.png"),
            "groupthumbnail/123.png"
        );
        assert_eq!(
            s3_object_key("profileImg/%ED%95%9C.png"),
            "profileImg/한.png"
        );
        assert_eq!(s3_object_key("a%2Bb.png"), "a+b.png");
    }
}
