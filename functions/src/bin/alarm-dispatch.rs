//! alarm-dispatch: invoked every minute by the EventBridge Scheduler
//! schedule of template.yaml with `{"scheduledTime": …}`; sends every run
//! reminder due by then (`shared::services::reminders`, docs/reminders.md).
//! The handler: `functions::events::alarm_dispatch` (the dev gateway's
//! background runner calls the same).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use functions::events::alarm_dispatch::handle;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use shared::App;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let app: &'static App = Box::leak(Box::new(App::from_env().await?));
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            let deadline = instant_of(event.context.deadline);
            Ok::<_, Error>(handle(app, event.payload, Some(deadline)).await?)
        },
    ))
    .await
}

/// The invocation's deadline (epoch milliseconds) as an `Instant`.
fn instant_of(deadline_ms: u64) -> Instant {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    Instant::now() + Duration::from_millis(deadline_ms.saturating_sub(now_ms))
}
