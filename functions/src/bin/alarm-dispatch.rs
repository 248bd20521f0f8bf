//! alarm-dispatch: invoked every minute by the EventBridge Scheduler
//! schedule of template.yaml with `{"scheduledTime": …}`; sends every run
//! reminder due by then (`shared::services::reminders`, docs/reminders.md).
//! The dev gateway's background runner calls the same `dispatch`.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lambda_runtime::{Error, LambdaEvent, service_fn};
use shared::App;
use shared::services::reminders::{Tick, dispatch};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let app: &'static App = Box::leak(Box::new(App::from_env().await?));
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            let tick = Tick::from_event(event.payload)?;
            let deadline = instant_of(event.context.deadline);
            let report = dispatch(app, &tick, Some(deadline)).await?;
            Ok::<_, Error>(serde_json::to_value(report)?)
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
