//! The dev gateway's runner of the background paths, against moto: S3
//! object-created events through SQS, and due EventBridge schedules.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_scheduler::types::{FlexibleTimeWindow, FlexibleTimeWindowMode, Target};
use chrono::Utc;
use functions::local::background::{self, S3Handler, ScheduleHandler};
use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn an_uploaded_object_reaches_the_object_created_handler() {
    let app = spawn_app().await;
    let sdk = aws_config::load_from_env().await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let queue = format!("{}-events", app.app.config.image_bucket);
    let url = background::wire_bucket_events(app.app, &sqs, &queue)
        .await
        .expect("wired");

    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = seen.clone();
    let handler: S3Handler = Arc::new(move |_, event| {
        let sink = sink.clone();
        Box::pin(async move {
            for record in event.records {
                sink.lock()
                    .expect("lock")
                    .push(functions::events::image_resize::s3_object_key(
                        &record.s3.object.key.unwrap_or_default(),
                    ));
            }
            Ok(())
        })
    });
    app.app
        .s3
        .put_object()
        .bucket(&app.app.config.image_bucket)
        .key("groupthumbnail/123.png")
        .body(crate::runs::PNG.to_vec().into())
        .send()
        .await
        .expect("upload");
    for _ in 0..5 {
        background::pump_s3_events(app.app, &sqs, &url, Duration::from_secs(1), &handler)
            .await
            .expect("pump");
        if !seen.lock().expect("lock").is_empty() {
            break;
        }
    }
    assert_eq!(*seen.lock().expect("lock"), ["groupthumbnail/123.png"]);
    // Handled messages are gone from the queue.
    let again = background::pump_s3_events(app.app, &sqs, &url, Duration::from_secs(0), &handler)
        .await
        .expect("pump");
    assert_eq!(again, 0);
}

#[tokio::test]
async fn a_due_schedule_fires_once_and_a_future_one_waits() {
    let app = spawn_app().await;
    let group = app.app.config.table_name.clone();
    let scheduler = &app.app.scheduler;
    scheduler
        .create_schedule_group()
        .name(&group)
        .send()
        .await
        .expect("group");
    let kst = |t: chrono::DateTime<Utc>| {
        t.with_timezone(&shared::time::kst())
            .format("at(%Y-%m-%dT%H:%M:%S)")
            .to_string()
    };
    for (name, when, input) in [
        (
            "due",
            kst(app.now() - chrono::Duration::minutes(1)),
            json!({"groupId": "g-1", "category": "start"}),
        ),
        (
            "later",
            kst(app.now() + chrono::Duration::days(1)),
            json!({"groupId": "g-1", "category": "end"}),
        ),
    ] {
        scheduler
            .create_schedule()
            .name(name)
            .group_name(&group)
            .schedule_expression(when)
            .schedule_expression_timezone("Asia/Seoul")
            .flexible_time_window(
                FlexibleTimeWindow::builder()
                    .mode(FlexibleTimeWindowMode::Off)
                    .build()
                    .expect("window"),
            )
            .target(
                Target::builder()
                    .arn("arn:aws:lambda:ap-northeast-2:123456789012:function:alarm-dispatch")
                    .role_arn("arn:aws:iam::123456789012:role/scheduler")
                    .input(input.to_string())
                    .build()
                    .expect("target"),
            )
            .send()
            .await
            .expect("schedule");
    }
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = seen.clone();
    let handler: ScheduleHandler = Arc::new(move |_, event| {
        let sink = sink.clone();
        Box::pin(async move {
            sink.lock().expect("lock").push(event);
            Ok(())
        })
    });
    assert_eq!(
        background::fire_due_schedules(app.app, &group, &handler)
            .await
            .expect("fire"),
        1
    );
    assert_eq!(
        *seen.lock().expect("lock"),
        [json!({"groupId": "g-1", "category": "start"})]
    );
    assert_eq!(
        background::fire_due_schedules(app.app, &group, &handler)
            .await
            .expect("fire"),
        0,
        "fired once"
    );

    // The test clock reaches the later one.
    app.shift_clock(2 * 86_400).await;
    assert_eq!(
        background::fire_due_schedules(app.app, &group, &handler)
            .await
            .expect("fire"),
        1
    );
    assert_eq!(seen.lock().expect("lock").len(), 2);
    let left = scheduler
        .list_schedules()
        .group_name(&group)
        .send()
        .await
        .expect("list");
    assert!(left.schedules().is_empty(), "fired schedules are deleted");
}

#[tokio::test]
async fn a_local_table_kept_from_before_an_index_existed_is_refused_with_what_to_do() {
    use functions::local::devstack::{self, TEMPLATE};
    let app = spawn_app().await;
    let client = &app.app.db.client;
    // A table as an older template made it: without its newest index.
    let mut old = devstack::table_definition(TEMPLATE).expect("table");
    let dropped = old.global_secondary_indexes.pop().expect("an index");
    let used: Vec<String> = old
        .key_schema
        .iter()
        .chain(
            old.global_secondary_indexes
                .iter()
                .flat_map(|i| &i.key_schema),
        )
        .map(|k| k.attribute_name.clone())
        .collect();
    old.attribute_definitions
        .retain(|a| used.contains(&a.attribute_name));
    let name = format!("{}-old-{}", app.app.config.table_name, uuid::Uuid::new_v4());
    devstack::create_table(client, &name, &old)
        .await
        .expect("old table");

    let refused = devstack::ensure_table(client, &name)
        .await
        .expect_err("a table without the template's indexes is refused");
    let message = format!("{refused:#}");
    assert!(message.contains(&dropped.index_name), "{message}");
    assert!(message.contains(".local/dynamodb-data"), "{message}");
    // The test run's own table, made from today's template, is accepted.
    devstack::ensure_table(client, &app.app.config.table_name)
        .await
        .expect("today's table");
    client
        .delete_table()
        .table_name(&name)
        .send()
        .await
        .expect("clean up");
}
