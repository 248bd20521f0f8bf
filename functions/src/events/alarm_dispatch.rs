//! `alarm-dispatch`: invoked every minute by the EventBridge Scheduler
//! schedule of template.yaml with `{"scheduledTime": …}`; sends every run
//! reminder due by then (`shared::services::reminders`, docs/reminders.md).
//! The Lambda (`bin/alarm-dispatch.rs`) and the dev gateway's background
//! runner (`local/background.rs`) call this same [`handle`].

use std::time::Instant;

use shared::App;
use shared::services::reminders::{Tick, dispatch};

/// One scheduler tick: its payload, and the invocation's deadline if any.
/// Answers the dispatch report as JSON.
pub async fn handle(
    app: &App,
    event: serde_json::Value,
    deadline: Option<Instant>,
) -> anyhow::Result<serde_json::Value> {
    let tick = Tick::from_event(event)?;
    let report = dispatch(app, &tick, deadline).await?;
    Ok(serde_json::to_value(report)?)
}
