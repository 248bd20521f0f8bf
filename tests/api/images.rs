//! The image pipeline end to end (docs/images.md): uploads through the API,
//! moto's S3 notification → SQS → the real `image-resize` handler, copies
//! in the bucket, the marker in DynamoDB Local, URLs in the responses.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lambda_events::s3::S3Event;
use aws_sdk_s3::config::{ConfigBag, Intercept};
use aws_sdk_s3::operation::put_object::PutObjectInput;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use functions::events::image_resize::{self as resize, Settings};
use functions::local::background::{self, S3Handler};
use reqwest::multipart::Part;
use serde_json::Value;
use shared::App;

use crate::course::{Part as CoursePart, send_multipart};
use crate::helpers::{TestApp, spawn_app};
use crate::runs::{Run, create, newest_hosted_run};

/// What the runner delivered, and what the function answered.
#[derive(Clone, Default)]
struct Deliveries {
    events: Arc<Mutex<Vec<S3Event>>>,
    results: Arc<Mutex<Vec<Result<(), String>>>>,
}

impl Deliveries {
    fn events(&self) -> Vec<S3Event> {
        self.events.lock().expect("lock").clone()
    }
    fn results(&self) -> Vec<Result<(), String>> {
        self.results.lock().expect("lock").clone()
    }
}

fn settings() -> Settings {
    Settings {
        owner_wait: Duration::from_millis(300),
        ..Settings::default()
    }
}

/// The bucket notifies a fresh queue (as `dev.sh` wires it).
struct Pipeline {
    sqs: aws_sdk_sqs::Client,
    queue: String,
    seen: Deliveries,
    handler: S3Handler,
}

impl Pipeline {
    async fn wire(app: &TestApp) -> Self {
        let sdk = aws_config::load_from_env().await;
        let sqs = aws_sdk_sqs::Client::new(&sdk);
        let queue = background::wire_bucket_events(
            app.app,
            &sqs,
            &format!("{}-resize", app.app.config.image_bucket),
        )
        .await
        .expect("wired");
        let seen = Deliveries::default();
        let sink = seen.clone();
        let handler: S3Handler = Arc::new(move |app, event| {
            let sink = sink.clone();
            Box::pin(async move {
                sink.events.lock().expect("lock").push(event.clone());
                let result = resize::handle(app, &settings(), event).await;
                sink.results
                    .lock()
                    .expect("lock")
                    .push(result.as_ref().map(|_| ()).map_err(|e| format!("{e:#}")));
                result
            })
        });
        Self {
            sqs,
            queue,
            seen,
            handler,
        }
    }

    /// Delivers events until the queue stays empty for a moment.
    async fn drain(&self, app: &TestApp) {
        let mut quiet = 0;
        while quiet < 2 {
            let n = background::pump_s3_events(
                app.app,
                &self.sqs,
                &self.queue,
                Duration::from_secs(1),
                &self.handler,
            )
            .await
            .expect("pump");
            quiet = if n == 0 { quiet + 1 } else { 0 };
        }
    }
}

async fn object(app: &App, key: &str) -> Option<(String, Option<String>, Vec<u8>)> {
    let got = app
        .s3
        .get_object()
        .bucket(&app.config.image_bucket)
        .key(key)
        .send()
        .await
        .ok()?;
    let content_type = got.content_type().unwrap_or_default().to_owned();
    let cache = got.cache_control().map(str::to_owned);
    let bytes = got
        .body
        .collect()
        .await
        .expect("body")
        .into_bytes()
        .to_vec();
    Some((content_type, cache, bytes))
}

fn jpeg_size(bytes: &[u8]) -> (u16, u16) {
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.decode().expect("a valid JPEG");
    let info = decoder.info().expect("info");
    (info.width, info.height)
}

fn key_of(url: &Value) -> String {
    url.as_str()
        .expect("url")
        .rsplit('/')
        .next()
        .expect("key")
        .to_owned()
}

async fn run_list_thumbnail(app: &TestApp, host: &str) -> String {
    app.request(
        reqwest::Method::GET,
        &format!("/group/mypage?userId={host}"),
        Some("Bearer undefined"),
    )
    .await
    .json()["data"][0]["thumbnailUrl"]
        .as_str()
        .expect("thumbnail")
        .to_owned()
}

async fn run_detail(app: &TestApp, id: &str, token: &str) -> Value {
    app.get(&format!("/group/detail/{id}"), token).await.json()["data"].clone()
}

async fn group_marker(app: &App, id: &str) -> bool {
    app.db
        .group(id)
        .await
        .expect("read")
        .expect("run")
        .images_resized
}

/// Creates a run with the given thumbnails; returns (groupId, host, token).
async fn run_with(app: &TestApp, files: Vec<(Vec<u8>, &'static str)>) -> (String, String, String) {
    let (host, token) = app.login_as("호스트").await;
    let mut run = Run::in_days(3, "07:00");
    for (bytes, mime) in files {
        run = run.thumbnail(bytes, "blob", mime);
    }
    let reply = create(app, &token, &run).await;
    assert_eq!(reply.json()["success"], true, "{}", reply.text);
    let id = newest_hosted_run(app, &host).await;
    (id, host, token)
}

#[tokio::test]
async fn a_run_photo_gets_both_copies_upright_without_exif_and_the_urls_switch_when_ready() {
    let app = spawn_app().await;
    let pipeline = Pipeline::wire(&app).await;
    // A 1200×900 photo stored sideways (EXIF orientation 6, with a GPS block).
    let photo = imaging::fixtures::jpeg(1200, 900, Some(6));
    let (id, host, token) = run_with(&app, vec![(photo, "image/jpeg")]).await;

    // Before the function ran: the original everywhere, never a missing copy.
    let list = run_list_thumbnail(&app, &host).await;
    assert!(list.contains("/groupthumbnail/"), "{list}");
    let detail = run_detail(&app, &id, &token).await;
    assert!(
        detail["thumbnailUrl1"]
            .as_str()
            .expect("url")
            .contains("/groupthumbnail/"),
        "{detail}"
    );
    let key = key_of(&detail["thumbnailUrl1"]);

    pipeline.drain(&app).await;
    assert_eq!(pipeline.seen.results(), [Ok(())]);

    for (folder, size) in [("w_384", (384, 512)), ("w_758", (758, 1011))] {
        let (content_type, cache, bytes) = object(app.app, &format!("{folder}/{key}"))
            .await
            .unwrap_or_else(|| panic!("{folder} copy exists"));
        assert_eq!(content_type, "image/jpeg");
        assert_eq!(
            cache.as_deref(),
            Some("public, max-age=31536000, immutable")
        );
        // Portrait: the orientation was applied to the pixels.
        assert_eq!(jpeg_size(&bytes), size, "{folder}");
        assert!(!bytes.windows(4).any(|w| w == b"Exif"), "{folder} has EXIF");
    }
    assert!(group_marker(app.app, &id).await);
    let list = run_list_thumbnail(&app, &host).await;
    assert!(list.ends_with(&format!("/w_384/{key}")), "{list}");
    let detail = run_detail(&app, &id, &token).await;
    assert!(
        detail["thumbnailUrl1"]
            .as_str()
            .expect("url")
            .ends_with(&format!("/w_758/{key}")),
        "{detail}"
    );

    // The dev gateway serves the copies (dev.sh points CDN_BASE_URL here).
    let served = app
        .http
        .get(app.url(&format!("/__images/w_384/{key}")))
        .send()
        .await
        .expect("served");
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/jpeg");
}

#[tokio::test]
async fn an_iphone_heic_photo_is_served_as_jpeg_copies() {
    let app = spawn_app().await;
    let pipeline = Pipeline::wire(&app).await;
    let (id, host, _) = run_with(
        &app,
        vec![(imaging::fixtures::heic(1200, 800), "image/heic")],
    )
    .await;
    pipeline.drain(&app).await;
    assert_eq!(pipeline.seen.results(), [Ok(())]);

    let list = run_list_thumbnail(&app, &host).await;
    let key = list.rsplit('/').next().expect("key").to_owned();
    for (folder, size) in [("w_384", (384, 256)), ("w_758", (758, 505))] {
        let (content_type, _, bytes) = object(app.app, &format!("{folder}/{key}"))
            .await
            .unwrap_or_else(|| panic!("{folder} copy exists"));
        assert_eq!(content_type, "image/jpeg", "{folder}");
        assert_eq!(jpeg_size(&bytes), size, "{folder}");
    }
    assert!(group_marker(app.app, &id).await);
    assert!(list.contains("/w_384/"), "{list}");
}

#[tokio::test]
async fn a_course_picture_with_transparency_gets_png_copies_and_the_course_switches() {
    let app = spawn_app().await;
    let pipeline = Pipeline::wire(&app).await;
    let (author, token) = app.login_as("author").await;
    let png = imaging::fixtures::png_with_alpha(1000, 500);
    let parts = vec![
        CoursePart::Text("title", "제주 해변 코스"),
        CoursePart::Text("totalTime", "0h 30min"),
        CoursePart::Text("distance", "5.05"),
        CoursePart::Text("location", "제주 제주시 구좌읍"),
        CoursePart::Text("mapLatLng", r#"[{"lat":33.52,"lng":126.57}]"#),
        CoursePart::Text("content", "바다"),
        CoursePart::Text("thema", "해변"),
        CoursePart::File("courseImage", "sea.png", "image/png", &png),
    ];
    let reply = send_multipart(&app, reqwest::Method::POST, "/course", &token, &parts).await;
    assert_eq!(reply.json()["success"], true, "{}", reply.text);
    let course = app
        .app
        .db
        .courses_by_author(&author)
        .await
        .expect("courses")
        .pop()
        .expect("stored");
    let key = course.images[0].clone();
    let detail = app
        .get(&format!("/course/detail/{}", course.course_id), &token)
        .await
        .json();
    assert!(
        key_of(&detail["data"]["courseImageUrl1"]) == key
            && !detail["data"]["courseImageUrl1"]
                .as_str()
                .expect("url")
                .contains("/w_758/"),
        "{detail}"
    );

    pipeline.drain(&app).await;
    assert_eq!(pipeline.seen.results(), [Ok(())]);
    let (content_type, _, bytes) = object(app.app, &format!("w_384/{key}"))
        .await
        .expect("list copy");
    assert_eq!(content_type, "image/png");
    assert_eq!(&bytes[16..24], &[0, 0, 1, 128, 0, 0, 0, 192], "384×192");
    assert!(object(app.app, &format!("w_758/{key}")).await.is_some());
    let detail = app
        .get(&format!("/course/detail/{}", course.course_id), &token)
        .await
        .json();
    assert!(
        detail["data"]["courseImageUrl1"]
            .as_str()
            .expect("url")
            .ends_with(&format!("/w_758/{key}")),
        "{detail}"
    );
    let mine = app
        .get(&format!("/course/mypage?userId={author}"), &token)
        .await
        .json();
    assert!(
        mine.to_string().contains(&format!("/w_384/{key}")),
        "{mine}"
    );
}

#[tokio::test]
async fn bad_uploads_get_no_copies_no_retry_and_the_run_keeps_its_originals() {
    let app = spawn_app().await;
    let pipeline = Pipeline::wire(&app).await;
    let mut corrupt = b"\xFF\xD8\xFF\xE0\0\x10JFIF\0".to_vec();
    corrupt.extend_from_slice(&[0x5A; 2000]);
    let (id, host, _) = run_with(
        &app,
        vec![
            (imaging::fixtures::png_bomb(), "image/png"),
            (corrupt, "image/jpeg"),
        ],
    )
    .await;
    // Objects the API never stores: empty, not an image, no owner, not our key.
    let bucket = &app.app.config.image_bucket;
    for (key, body, owner) in [
        ("groupthumbnail/1.png", Vec::new(), Some(id.as_str())),
        (
            "groupthumbnail/2.jpg",
            b"hello, not a picture".to_vec(),
            Some(&id),
        ),
        (
            "groupthumbnail/3.jpg",
            imaging::fixtures::jpeg(800, 600, None),
            None,
        ),
        (
            "groupthumbnail/../4.jpg",
            imaging::fixtures::jpeg(800, 600, None),
            Some(&id),
        ),
        (
            "courseImage/5.jpg",
            imaging::fixtures::jpeg(800, 600, None),
            Some("not-a-uuid"),
        ),
    ] {
        let mut put = app
            .app
            .s3
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(body.into());
        if let Some(owner) = owner {
            put = put.metadata("owner", owner);
        }
        put.send().await.expect("put");
    }
    pipeline.drain(&app).await;

    let results = pipeline.seen.results();
    assert_eq!(results.len(), 7, "every upload was delivered once");
    assert!(
        results.iter().all(Result::is_ok),
        "nothing to retry: {results:?}"
    );
    let copies = app
        .app
        .s3
        .list_objects_v2()
        .bucket(bucket)
        .prefix("w_")
        .send()
        .await
        .expect("list");
    assert_eq!(copies.key_count(), Some(0), "{:?}", copies.contents());
    assert!(!group_marker(app.app, &id).await);
    assert!(
        run_list_thumbnail(&app, &host)
            .await
            .contains("/groupthumbnail/")
    );
}

#[tokio::test]
async fn an_upload_its_run_never_references_leaves_no_copies_behind() {
    let app = spawn_app().await;
    let pipeline = Pipeline::wire(&app).await;
    let (id, _, _) = run_with(
        &app,
        vec![(imaging::fixtures::jpeg(900, 600, None), "image/jpeg")],
    )
    .await;
    pipeline.drain(&app).await;
    assert!(group_marker(app.app, &id).await);
    // Stored for the run by a request that then failed: the run never lists it.
    let bucket = &app.app.config.image_bucket;
    app.app
        .s3
        .put_object()
        .bucket(bucket)
        .key("groupthumbnail/9orphan.jpg")
        .metadata("owner", &id)
        .body(imaging::fixtures::jpeg(800, 600, None).into())
        .send()
        .await
        .expect("put");
    pipeline.drain(&app).await;

    assert!(pipeline.seen.results().iter().all(Result::is_ok));
    for copy in ["w_384/9orphan.jpg", "w_758/9orphan.jpg"] {
        assert!(object(app.app, copy).await.is_none(), "{copy} was removed");
    }
    assert!(group_marker(app.app, &id).await, "the run keeps its state");
}

#[tokio::test]
async fn a_redelivered_event_writes_nothing_twice() {
    let app = spawn_app().await;
    let pipeline = Pipeline::wire(&app).await;
    let (id, _, _) = run_with(
        &app,
        vec![(imaging::fixtures::jpeg(900, 600, None), "image/jpeg")],
    )
    .await;
    pipeline.drain(&app).await;
    assert!(group_marker(app.app, &id).await);

    let puts = Puts::default();
    let recording = app_with_s3(app.app, puts.clone()).await;
    for event in pipeline.seen.events() {
        resize::handle(recording, &settings(), event)
            .await
            .expect("a redelivery succeeds");
    }
    assert_eq!(puts.keys(), Vec::<String>::new());
    assert!(group_marker(app.app, &id).await);
}

#[tokio::test]
async fn a_failure_after_the_first_copy_is_finished_by_the_retry_without_rewriting_it() {
    let app = spawn_app().await;
    let pipeline = Pipeline::wire(&app).await;
    let (id, _, token) = run_with(
        &app,
        vec![(imaging::fixtures::jpeg(900, 600, None), "image/jpeg")],
    )
    .await;
    // Capture the event without handling it.
    let captured: Arc<Mutex<Vec<S3Event>>> = Arc::default();
    let sink = captured.clone();
    let capture: S3Handler = Arc::new(move |_, event| {
        let sink = sink.clone();
        Box::pin(async move {
            sink.lock().expect("lock").push(event);
            Ok(())
        })
    });
    while captured.lock().expect("lock").is_empty() {
        background::pump_s3_events(
            app.app,
            &pipeline.sqs,
            &pipeline.queue,
            Duration::from_secs(1),
            &capture,
        )
        .await
        .expect("pump");
    }
    let event = captured.lock().expect("lock")[0].clone();
    let key = key_of(&run_detail(&app, &id, &token).await["thumbnailUrl1"]);

    let failing = Puts {
        fail_prefix: Some("w_758/"),
        ..Puts::default()
    };
    let first = app_with_s3(app.app, failing.clone()).await;
    let outcome = resize::handle(first, &settings(), event.clone()).await;
    assert!(outcome.is_err(), "a transient failure fails the invocation");
    assert!(object(app.app, &format!("w_384/{key}")).await.is_some());
    assert!(object(app.app, &format!("w_758/{key}")).await.is_none());
    assert!(!group_marker(app.app, &id).await);

    let puts = Puts::default();
    let retry = app_with_s3(app.app, puts.clone()).await;
    resize::handle(retry, &settings(), event)
        .await
        .expect("the retry finishes");
    assert_eq!(puts.keys(), [format!("w_758/{key}")]);
    assert!(object(app.app, &format!("w_758/{key}")).await.is_some());
    assert!(group_marker(app.app, &id).await);
}

#[tokio::test]
async fn replacing_one_image_waits_for_the_new_copy_and_removing_one_keeps_the_marker() {
    let app = spawn_app().await;
    let pipeline = Pipeline::wire(&app).await;
    let photo = || (imaging::fixtures::jpeg(900, 600, None), "image/jpeg");
    let (id, _, token) = run_with(&app, vec![photo(), photo()]).await;
    pipeline.drain(&app).await;
    assert!(group_marker(app.app, &id).await, "both images resized");
    let detail = run_detail(&app, &id, &token).await;
    let (first, second) = (
        detail["thumbnailUrl1"].clone(),
        detail["thumbnailUrl2"].clone(),
    );

    // Keep the first, replace the second with a new upload.
    let edit = |keep: Vec<String>, files: usize| {
        let mut form = Run::in_days(3, "07:00").form(&app);
        for url in keep {
            form = form.text("thumbnailUrl", url);
        }
        for _ in 0..files {
            form = form.part(
                "thumbnail",
                Part::bytes(imaging::fixtures::jpeg(700, 500, None))
                    .file_name("blob")
                    .mime_str("image/jpeg")
                    .expect("mime"),
            );
        }
        app.http
            .patch(app.url(&format!("/group/{id}")))
            .bearer_auth(&token)
            .multipart(form)
    };
    let reply = app
        .send(edit(vec![first.as_str().expect("url").to_owned()], 1))
        .await;
    assert_eq!(reply.json()["success"], true, "{}", reply.text);
    assert!(
        !group_marker(app.app, &id).await,
        "the new image has no copies yet"
    );
    let detail = run_detail(&app, &id, &token).await;
    assert!(!detail.to_string().contains("/w_758/"), "{detail}");
    assert!(
        object(app.app, &format!("w_384/{}", key_of(&second)))
            .await
            .is_none()
    );

    pipeline.drain(&app).await;
    assert!(group_marker(app.app, &id).await);
    let detail = run_detail(&app, &id, &token).await;
    assert!(
        detail["thumbnailUrl2"]
            .as_str()
            .expect("url")
            .contains("/w_758/")
    );

    // Removing an image uploads nothing: the remaining ones stay resized.
    let reply = app
        .send(edit(vec![first.as_str().expect("url").to_owned()], 0))
        .await;
    assert_eq!(reply.json()["success"], true, "{}", reply.text);
    assert!(group_marker(app.app, &id).await);
}

#[tokio::test]
async fn the_theme_defaults_are_served_under_their_exact_decomposed_names() {
    let app = spawn_app().await;
    let keys = functions::local::theme_defaults::upload(
        &app.app.s3,
        &app.app.config.image_bucket,
        &functions::local::theme_defaults::assets_dir(),
    )
    .await
    .expect("uploaded");
    assert_eq!(keys.len(), 6);
    for thema in ["산", "도시", "강변", "해변", "공원", "트랙"] {
        let url = shared::domain::image::ImageUrls::theme_default(&app.url("/__images"), thema)
            .expect("known theme");
        let served = app.http.get(&url).send().await.expect("served");
        assert_eq!(served.status(), 200, "{thema}: {url}");
        assert_eq!(served.headers()["content-type"], "image/png");
        let bytes = served.bytes().await.expect("body");
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    }
}

/// Records the keys of PutObject calls; optionally fails those under a prefix.
#[derive(Debug, Clone, Default)]
struct Puts {
    fail_prefix: Option<&'static str>,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Puts {
    fn keys(&self) -> Vec<String> {
        self.seen.lock().expect("lock").clone()
    }
}

impl Intercept for Puts {
    fn name(&self) -> &'static str {
        "test-puts"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(put) = context.input().downcast_ref::<PutObjectInput>() {
            let key = put.key().unwrap_or_default().to_owned();
            self.seen.lock().expect("lock").push(key.clone());
            if self.fail_prefix.is_some_and(|p| key.starts_with(p)) {
                return Err("injected S3 failure".into());
            }
        }
        Ok(())
    }
}

/// The same app (table, bucket, config) with an S3 client that goes through `puts`.
async fn app_with_s3(app: &App, puts: Puts) -> &'static App {
    let sdk = aws_config::load_from_env().await;
    let mut copy = App::new(app.config.clone(), &sdk);
    copy.s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .interceptor(puts)
            .build(),
    );
    Box::leak(Box::new(copy))
}

// ---- template.yaml ----

fn resources() -> serde_yaml::Mapping {
    let doc: serde_yaml::Value =
        serde_yaml::from_str(functions::local::devstack::TEMPLATE).expect("template.yaml parses");
    doc["Resources"].as_mapping().expect("Resources").clone()
}

fn text(value: &serde_yaml::Value) -> String {
    serde_yaml::to_string(value).expect("yaml")
}

#[test]
fn the_template_triggers_the_resize_function_on_the_upload_folders_only() {
    let resources = resources();
    let function = &resources["ImageResizeFunction"];
    assert_eq!(
        function["Metadata"]["BuildProperties"]["Binary"],
        "image-resize"
    );
    let mut prefixes: Vec<String> = function["Properties"]["Events"]
        .as_mapping()
        .expect("events")
        .values()
        .map(|e| {
            assert_eq!(e["Type"], "S3");
            assert_eq!(e["Properties"]["Events"], "s3:ObjectCreated:*");
            let rules = e["Properties"]["Filter"]["S3Key"]["Rules"]
                .as_sequence()
                .expect("rules");
            assert_eq!(rules.len(), 1);
            assert_eq!(rules[0]["Name"], "prefix");
            rules[0]["Value"].as_str().expect("prefix").to_owned()
        })
        .collect();
    prefixes.sort();
    let mut local = background::UPLOAD_PREFIXES.to_vec();
    local.sort();
    assert_eq!(prefixes, local, "deployed and local triggers agree");
    let on_failure = &function["Properties"]["EventInvokeConfig"]["DestinationConfig"]["OnFailure"];
    assert_eq!(on_failure["Type"], "SQS");
    assert!(text(on_failure).contains("ImageResizeDeadLetterQueue"));
}

#[test]
fn the_resize_policy_grants_exactly_the_calls_the_function_makes() {
    let resources = resources();
    let statements = resources["ImageResizeFunction"]["Properties"]["Policies"][0]["Statement"]
        .as_sequence()
        .expect("statements")
        .clone();
    let mut grants: Vec<(String, Vec<String>)> = statements
        .iter()
        .flat_map(|s| {
            let targets: Vec<String> = text(&s["Resource"])
                .lines()
                .filter_map(|l| l.split("AccountId}").nth(1).map(str::to_owned))
                .chain(
                    text(&s["Resource"])
                        .contains("Table.Arn")
                        .then(|| "table".into()),
                )
                .collect();
            s["Action"]
                .as_sequence()
                .expect("actions")
                .iter()
                .map(move |a| (a.as_str().expect("action").to_owned(), targets.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    grants.sort();
    let uploads = vec!["/groupthumbnail/*".to_owned(), "/courseImage/*".to_owned()];
    let copies = vec!["/w_384/*".to_owned(), "/w_758/*".to_owned()];
    assert_eq!(
        grants,
        [
            ("dynamodb:GetItem".into(), vec!["table".into()]),
            ("dynamodb:Query".into(), vec!["table".into()]),
            ("dynamodb:UpdateItem".into(), vec!["table".into()]),
            ("s3:DeleteObject".into(), copies.clone()),
            ("s3:GetObject".into(), uploads),
            ("s3:ListBucket".into(), vec![String::new()]),
            ("s3:PutObject".into(), copies),
        ]
    );
}

#[test]
fn the_bucket_stays_private_behind_our_own_cloudfront_distribution() {
    let resources = resources();
    let block = &resources["ImageBucket"]["Properties"]["PublicAccessBlockConfiguration"];
    for flag in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(block[flag], true, "{flag}");
    }
    let distribution = &resources["ImageDistribution"]["Properties"]["DistributionConfig"];
    assert!(text(&distribution["Origins"]).contains("ImageOriginAccessControl.Id"));
    assert_eq!(
        resources["ImageOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]["SigningBehavior"],
        "always"
    );
    let policy = text(&resources["ImageBucketPolicy"]["Properties"]["PolicyDocument"]);
    assert!(policy.contains("cloudfront.amazonaws.com"), "{policy}");
    assert!(
        policy.contains("distribution/${ImageDistribution}"),
        "{policy}"
    );
    assert!(
        !policy.contains("\"*\"") && !policy.contains("AWS: '*'"),
        "{policy}"
    );
    let doc: serde_yaml::Value =
        serde_yaml::from_str(functions::local::devstack::TEMPLATE).expect("parses");
    let env = text(&doc["Globals"]["Function"]["Environment"]["Variables"]);
    for var in ["CDN_BASE_URL", "DEFAULT_IMAGE_BASE"] {
        let line = env
            .lines()
            .skip_while(|l| !l.starts_with(var))
            .take(2)
            .collect::<String>();
        assert!(
            line.contains("ImageDistribution.DomainName"),
            "{var}: {line}"
        );
    }
    assert!(
        !text(&doc).contains("dpnlaom97ul1b"),
        "no link to the original's CDN"
    );
}

#[tokio::test]
async fn an_edit_that_read_the_run_before_its_images_were_marked_never_unmarks_them() {
    use shared::store::resize::{MarkOutcome, OwnerKind};
    let app = spawn_app().await;
    let photo = imaging::fixtures::jpeg(800, 600, None);
    let (id, _host, token) = run_with(&app, vec![(photo, "image/jpeg")]).await;

    // An edit reads the run; then the resize function marks it.
    let stale = app
        .app
        .db
        .run_with_members(&id)
        .await
        .expect("read")
        .expect("run");
    assert!(!stale.run.images_resized);
    let marked = app
        .app
        .db
        .mark_images_resized(OwnerKind::Group, &id, &stale.run.thumbnails)
        .await
        .expect("mark");
    assert_eq!(marked, MarkOutcome::Marked);

    // The write built from that read is refused instead of writing `false` back.
    let mut late = stale.run.clone();
    late.title = "늦게 쓴 제목".into();
    let text = stale.text.clone().expect("text");
    let written = app
        .app
        .db
        .update_group(&late, stale.run.images_resized, &text, &stale.members)
        .await
        .expect("write");
    assert!(!written, "a write from before the mark is refused");
    assert!(group_marker(app.app, &id).await, "still marked");

    // Through the API the edit reads again and lands; kept images stay resized.
    let kept = run_detail(&app, &id, &token).await["thumbnailUrl1"]
        .as_str()
        .expect("url")
        .to_owned();
    assert!(kept.contains("/w_758/"), "{kept}");
    let edited = Run::in_days(3, "07:00").set("title", "늦게 쓴 제목");
    let reply = crate::group::patch(
        &app,
        &token,
        &id,
        crate::group::edit_form(&app, &edited, &[&kept], 0),
    )
    .await;
    assert_eq!(reply.json()["success"], true, "{}", reply.text);
    let after = app.app.db.group(&id).await.expect("read").expect("run");
    assert_eq!(after.title, "늦게 쓴 제목");
    assert_eq!(after.thumbnails, stale.run.thumbnails);
    assert!(after.images_resized, "the edit kept the marker");
}
