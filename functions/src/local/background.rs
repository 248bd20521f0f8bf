//! The local runner of the two background paths AWS drives by itself:
//!
//! * **S3 object-created events**: the image bucket notifies an SQS queue in
//!   moto (as S3 would invoke the function through its notification); the
//!   runner long-polls the queue and hands each record, parsed as the
//!   Lambda's `S3Event`, to the registered handler.
//! * **Due EventBridge schedules**: moto stores schedules but never fires
//!   them; the runner reads them back, and each one-time `at(…)` schedule
//!   that is due is delivered once to the registered handler with its
//!   target input, then deleted (`ActionAfterCompletion: DELETE`). A
//!   fixed-rate `rate(…)` schedule (the alarm dispatcher's) is delivered
//!   once per period of the app clock, with `<aws.scheduler.scheduled-time>`
//!   in its input filled in as the Scheduler does.
//!
//! The background functions themselves (image resize, alarm dispatch) plug
//! in as [`Background`] handlers: the same functions their Lambda `main`s
//! call (`crate::events`). Dev gateway only (feature `dev-gateway`); never deployed.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use aws_lambda_events::s3::S3Event;
use aws_sdk_sqs::types::QueueAttributeName;
use futures::future::BoxFuture;
use serde_json::Value;
use shared::App;

pub type S3Handler =
    Arc<dyn Fn(&'static App, S3Event) -> BoxFuture<'static, anyhow::Result<()>> + Send + Sync>;
pub type ScheduleHandler =
    Arc<dyn Fn(&'static App, Value) -> BoxFuture<'static, anyhow::Result<()>> + Send + Sync>;

/// The background functions to run locally (none registered yet: the image
/// resize and alarm dispatch functions arrive with their own issues).
#[derive(Clone, Default)]
pub struct Background {
    pub on_object_created: Option<S3Handler>,
    pub on_schedule: Option<ScheduleHandler>,
}

/// The key prefixes whose new objects notify (the image-resize function's
/// trigger in template.yaml).
pub const UPLOAD_PREFIXES: [&str; 2] = ["groupthumbnail/", "courseImage/"];

/// Creates `queue` and points the bucket's object-created notifications of
/// the upload folders at it; returns the queue URL.
pub async fn wire_bucket_events(
    app: &App,
    sqs: &aws_sdk_sqs::Client,
    queue: &str,
) -> anyhow::Result<String> {
    let url = sqs
        .create_queue()
        .queue_name(queue)
        .send()
        .await
        .context("create queue")?
        .queue_url
        .context("queue url")?;
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .context("queue attributes")?
        .attributes
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .context("queue arn")?;
    use aws_sdk_s3::types::{
        Event, FilterRule, FilterRuleName, NotificationConfiguration,
        NotificationConfigurationFilter, QueueConfiguration, S3KeyFilter,
    };
    // As template.yaml: only the upload folders notify (never the copies).
    let mut notifications = NotificationConfiguration::builder();
    for prefix in UPLOAD_PREFIXES {
        notifications = notifications.queue_configurations(
            QueueConfiguration::builder()
                .queue_arn(&arn)
                .events(Event::S3ObjectCreated)
                .filter(
                    NotificationConfigurationFilter::builder()
                        .key(
                            S3KeyFilter::builder()
                                .filter_rules(
                                    FilterRule::builder()
                                        .name(FilterRuleName::Prefix)
                                        .value(prefix)
                                        .build(),
                                )
                                .build(),
                        )
                        .build(),
                )
                .build()?,
        );
    }
    app.s3
        .put_bucket_notification_configuration()
        .bucket(&app.config.image_bucket)
        .notification_configuration(notifications.build())
        .send()
        .await
        .context("bucket notification")?;
    Ok(url)
}

/// moto's records lack fields real S3 sends; the Lambda event type needs them.
fn s3_event(body: &str) -> anyhow::Result<Option<S3Event>> {
    let mut value: Value = serde_json::from_str(body).context("notification body")?;
    let Some(records) = value.get_mut("Records").and_then(Value::as_array_mut) else {
        // e.g. the `s3:TestEvent` S3 sends when a notification is configured.
        return Ok(None);
    };
    for record in records.iter_mut() {
        if let Some(r) = record.as_object_mut() {
            for field in ["userIdentity", "requestParameters", "responseElements"] {
                r.entry(field).or_insert_with(|| serde_json::json!({}));
            }
        }
    }
    Ok(Some(serde_json::from_value(value).context("S3 event")?))
}

/// Receives what the queue holds (waiting up to `wait`), hands each event to
/// `handler`, and deletes the messages it handled. Returns the number of events.
pub async fn pump_s3_events(
    app: &'static App,
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    wait: Duration,
    handler: &S3Handler,
) -> anyhow::Result<usize> {
    let out = sqs
        .receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(10)
        .wait_time_seconds(wait.as_secs() as i32)
        .send()
        .await
        .context("receive")?;
    let mut handled = 0;
    for message in out.messages.unwrap_or_default() {
        match s3_event(message.body().unwrap_or_default()) {
            Ok(Some(event)) => {
                // Like Lambda: a failed invocation is logged; the record is not retried forever.
                if let Err(e) = handler(app, event).await {
                    tracing::error!(error = ?e, "S3 event handler failed");
                }
                handled += 1;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = ?e, "skipping an unreadable S3 notification"),
        }
        if let Some(receipt) = message.receipt_handle() {
            sqs.delete_message()
                .queue_url(queue_url)
                .receipt_handle(receipt)
                .send()
                .await
                .context("delete message")?;
        }
    }
    Ok(handled)
}

/// Parses `at(yyyy-mm-ddThh:mm:ss)` in the schedule's time zone (UTC or
/// Asia/Seoul) into a UTC instant.
pub fn at_expression(
    expression: &str,
    zone: Option<&str>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let inner = expression.strip_prefix("at(")?.strip_suffix(')')?;
    let local = chrono::NaiveDateTime::parse_from_str(inner, "%Y-%m-%dT%H:%M:%S").ok()?;
    let offset = match zone.unwrap_or("UTC") {
        "UTC" | "Etc/UTC" => 0,
        "Asia/Seoul" => 9,
        _ => return None,
    };
    Some((local - chrono::Duration::hours(offset)).and_utc())
}

/// Every schedule of `group` with its details (name, group, expression,
/// target input): `ListSchedules` page by page, `GetSchedule` for each.
async fn schedules_of(
    app: &App,
    group: &str,
) -> anyhow::Result<Vec<aws_sdk_scheduler::operation::get_schedule::GetScheduleOutput>> {
    let mut schedules = Vec::new();
    let mut token = None;
    loop {
        let page = app
            .scheduler
            .list_schedules()
            .group_name(group)
            .set_next_token(token)
            .send()
            .await
            .context("list schedules")?;
        for summary in page.schedules() {
            let Some(name) = summary.name() else { continue };
            let schedule = app
                .scheduler
                .get_schedule()
                .name(name)
                .set_group_name(summary.group_name().map(str::to_owned))
                .send()
                .await
                .context("get schedule")?;
            schedules.push(schedule);
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(schedules);
        }
    }
}

/// Delivers every due one-time schedule of `group` once (target input as
/// the event) and deletes it. Returns how many fired.
pub async fn fire_due_schedules(
    app: &'static App,
    group: &str,
    handler: &ScheduleHandler,
) -> anyhow::Result<usize> {
    let now = app.clock.now();
    let mut fired = 0;
    for schedule in schedules_of(app, group).await? {
        let Some(name) = schedule.name() else {
            continue;
        };
        let due = schedule
            .schedule_expression()
            .and_then(|e| at_expression(e, schedule.schedule_expression_timezone()))
            .is_some_and(|at| at <= now);
        if !due {
            continue;
        }
        let input = schedule.target().and_then(|t| t.input()).unwrap_or("{}");
        let event: Value = serde_json::from_str(input).unwrap_or(Value::Null);
        // At most once here; the alarm function itself is idempotent (AWS delivers at least once).
        app.scheduler
            .delete_schedule()
            .name(name)
            .set_group_name(schedule.group_name().map(str::to_owned))
            .send()
            .await
            .context("delete schedule")?;
        if let Err(e) = handler(app, event).await {
            tracing::error!(error = ?e, schedule = name, "schedule handler failed");
        }
        fired += 1;
    }
    Ok(fired)
}

/// `rate(<n> minute[s]|hour[s]|day[s])` as its period.
pub fn rate_expression(expression: &str) -> Option<chrono::Duration> {
    let inner = expression.strip_prefix("rate(")?.strip_suffix(')')?;
    let (n, unit) = inner.trim().split_once(' ')?;
    let n: i64 = n.parse().ok().filter(|n| *n > 0)?;
    match unit.trim() {
        "minute" | "minutes" => Some(chrono::Duration::minutes(n)),
        "hour" | "hours" => Some(chrono::Duration::hours(n)),
        "day" | "days" => Some(chrono::Duration::days(n)),
        _ => None,
    }
}

/// The Scheduler's context attribute in a target input.
pub const SCHEDULED_TIME: &str = "<aws.scheduler.scheduled-time>";

/// Delivers every `rate(…)` schedule of `group` whose current period (of
/// the app clock, aligned to the epoch) is not the one delivered last — once
/// per call, however many periods passed (the dispatcher catches up by
/// itself) — with the period's start as `<aws.scheduler.scheduled-time>`.
/// `last` remembers the delivered periods. Returns how many fired.
pub async fn fire_rate_schedules(
    app: &'static App,
    group: &str,
    handler: &ScheduleHandler,
    last: &mut HashMap<String, chrono::DateTime<chrono::Utc>>,
) -> anyhow::Result<usize> {
    let now = app.clock.now();
    let mut fired = 0;
    for schedule in schedules_of(app, group).await? {
        let Some(name) = schedule.name() else {
            continue;
        };
        let Some(period) = schedule.schedule_expression().and_then(rate_expression) else {
            continue;
        };
        let seconds = period.num_seconds().max(1);
        let Some(tick) =
            chrono::DateTime::from_timestamp(now.timestamp().div_euclid(seconds) * seconds, 0)
        else {
            continue;
        };
        // Any other period fires, also an earlier one (the dev clock was
        // moved back): the dispatcher only sends what is still pending.
        if last.get(name) == Some(&tick) {
            continue;
        }
        last.insert(name.to_owned(), tick);
        let input = schedule.target().and_then(|t| t.input()).unwrap_or("{}");
        let input = input.replace(
            SCHEDULED_TIME,
            &tick.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        );
        let event: Value = serde_json::from_str(&input).unwrap_or(Value::Null);
        if let Err(e) = handler(app, event).await {
            tracing::error!(error = ?e, schedule = name, "schedule handler failed");
        }
        fired += 1;
    }
    Ok(fired)
}

/// The alarm-dispatch function as a schedule handler: the same
/// [`crate::events::alarm_dispatch::handle`] its Lambda `main` calls.
pub fn alarm_dispatch() -> ScheduleHandler {
    Arc::new(|app, event| {
        Box::pin(async move {
            crate::events::alarm_dispatch::handle(app, event, None).await?;
            Ok(())
        })
    })
}

/// The image-resize function as an object-created handler: the same
/// [`crate::events::image_resize::handle`] its Lambda `main` calls.
pub fn image_resize(settings: crate::events::image_resize::Settings) -> S3Handler {
    let settings = Arc::new(settings);
    Arc::new(move |app, event| {
        let settings = settings.clone();
        Box::pin(async move { crate::events::image_resize::handle(app, &settings, event).await })
    })
}

/// Runs both paths in the background for as long as the process lives.
pub async fn spawn(
    app: &'static App,
    background: Background,
    sqs: aws_sdk_sqs::Client,
) -> anyhow::Result<()> {
    if let Some(handler) = background.on_object_created {
        let queue_url = wire_bucket_events(
            app,
            &sqs,
            &format!("{}-object-created", app.config.image_bucket),
        )
        .await?;
        tokio::spawn(async move {
            loop {
                if let Err(e) =
                    pump_s3_events(app, &sqs, &queue_url, Duration::from_secs(10), &handler).await
                {
                    tracing::warn!(error = ?e, "S3 event pump");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        });
    }
    if let Some(handler) = background.on_schedule {
        let group = app.config.table_name.clone();
        tokio::spawn(async move {
            let mut delivered = HashMap::new();
            loop {
                if let Err(e) = fire_due_schedules(app, &group, &handler).await {
                    tracing::warn!(error = ?e, "schedule runner");
                }
                if let Err(e) = fire_rate_schedules(app, &group, &handler, &mut delivered).await {
                    tracing::warn!(error = ?e, "rate schedule runner");
                }
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_expressions_are_read_in_their_time_zone() {
        let utc = at_expression("at(2026-06-01T07:00:00)", None).expect("utc");
        assert_eq!(utc.to_rfc3339(), "2026-06-01T07:00:00+00:00");
        let kst = at_expression("at(2026-06-01T07:00:00)", Some("Asia/Seoul")).expect("kst");
        assert_eq!(kst.to_rfc3339(), "2026-05-31T22:00:00+00:00");
        assert_eq!(at_expression("rate(1 minute)", None), None);
        assert_eq!(
            at_expression("at(2026-06-01T07:00:00)", Some("Mars/Olympus")),
            None
        );
    }

    #[test]
    fn rate_expressions_are_read_as_periods() {
        assert_eq!(
            rate_expression("rate(1 minute)"),
            Some(chrono::Duration::minutes(1))
        );
        assert_eq!(
            rate_expression("rate(5 minutes)"),
            Some(chrono::Duration::minutes(5))
        );
        assert_eq!(
            rate_expression("rate(2 hours)"),
            Some(chrono::Duration::hours(2))
        );
        assert_eq!(rate_expression("rate(0 minutes)"), None);
        assert_eq!(rate_expression("at(2026-06-01T07:00:00)"), None);
        assert_eq!(rate_expression("cron(* * * * ? *)"), None);
    }

    #[test]
    fn moto_records_get_the_fields_the_lambda_event_needs() {
        let body = r#"{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"ap-northeast-2","eventTime":"2026-11-25T00:00:00.000Z","eventName":"ObjectCreated:Put","s3":{"s3SchemaVersion":"1.0","configurationId":"c","bucket":{"name":"b","arn":"arn:aws:s3:::b"},"object":{"key":"groupthumbnail/a+b.png","size":3,"eTag":"x"}}}]}"#;
        let event = s3_event(body).expect("parsed").expect("records");
        assert_eq!(
            event.records[0].s3.object.key.as_deref(),
            Some("groupthumbnail/a+b.png")
        );
        assert!(
            s3_event(r#"{"Event":"s3:TestEvent"}"#)
                .expect("parsed")
                .is_none()
        );
    }
}
