//! The alarm-dispatch function (design and failure cases: docs/reminders.md).
//!
//! A fixed-rate EventBridge Scheduler schedule invokes it every minute with
//! its scheduled time. Each invocation takes every pending reminder due up
//! to that time (so a late, missed or repeated invocation loses nothing) and,
//! per reminder, under a lease:
//!
//! 1. reads the run and its **current** members (strongly consistent);
//! 2. reads the recipients' profiles and delivery records (one batch);
//! 3. writes each missing recipient's alarm row together with its delivery
//!    record (transactions of 50 recipients): exactly one row per recipient;
//! 4. sends the SMS in chunks: mark the chunk `sending` (one transaction),
//!    send concurrently, record the results (one transaction). A record a
//!    retry finds in `sending` may have been sent: it becomes `unknown`,
//!    never a second message;
//! 5. deletes the pending reminder.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::App;
use crate::domain::alarm::Alarm;
use crate::domain::group::Group;
use crate::domain::reminder::{self, Kind, MessageType};
use crate::domain::user::User;
use crate::services::sms;
use crate::store::reminders::{Delivery, DueReminder, SmsState};
use crate::time::instant_key;

/// The event: `{"scheduledTime": "<aws.scheduler.scheduled-time>"}` (the
/// Scheduler fills in the invocation's scheduled time, RFC 3339 UTC).
#[derive(Debug, Clone, Deserialize)]
pub struct Tick {
    #[serde(rename = "scheduledTime")]
    scheduled_time: String,
}

impl Tick {
    pub fn at(time: DateTime<Utc>) -> Self {
        Self {
            scheduled_time: time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }

    /// The event as the schedule's target input delivers it.
    pub fn from_event(event: serde_json::Value) -> anyhow::Result<Self> {
        let tick: Tick = serde_json::from_value(event)
            .map_err(|e| anyhow::anyhow!("not a scheduler tick: {e}"))?;
        tick.scheduled_time()?;
        Ok(tick)
    }

    pub fn scheduled_time(&self) -> anyhow::Result<DateTime<Utc>> {
        crate::time::parse_instant(&self.scheduled_time)
            .ok_or_else(|| anyhow::anyhow!("scheduledTime is not an RFC 3339 instant"))
    }
}

/// How long one dispatcher holds a reminder: longer than the function's
/// timeout (template.yaml: 120 s), so a live holder never loses it.
pub const LEASE_SECONDS: i64 = 150;
/// Messages marked `sending` and sent concurrently at a time: what an
/// interrupted attempt can leave "maybe sent".
pub const SMS_CHUNK: usize = 10;
/// No new reminder is started with less than this left before the deadline;
/// the next minute's invocation takes it.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(40);

/// What one invocation did (also logged, and the function's result).
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// Due reminders read from the index.
    pub due: usize,
    /// Reminders finished (every recipient handled) and removed.
    pub finished: usize,
    /// Alarm rows written.
    pub alarms: usize,
    pub sms_sent: usize,
    pub sms_failed: usize,
    /// Held by another dispatcher, or moved/finished since the index was read.
    pub skipped: usize,
    /// Removed unsent: the run was deleted or moved, or it is too late.
    pub dropped: usize,
    /// Left for the next invocation (deadline).
    pub deferred: usize,
    pub failed: usize,
}

/// Handles every reminder due up to the tick's scheduled time. Fails (so
/// the invocation is retried, and ends in the dead-letter queue if it keeps
/// failing) when any reminder failed; the others are finished regardless.
pub async fn dispatch(app: &App, tick: &Tick, deadline: Option<Instant>) -> anyhow::Result<Report> {
    // Its AWS calls are checked against this function's policy (tests/iam).
    crate::aws_ops::as_function(FUNCTION, dispatch_tick(app, tick, deadline)).await
}

/// The function's logical id in template.yaml (the IAM coverage check's name).
pub const FUNCTION: &str = "AlarmDispatchFunction";

async fn dispatch_tick(
    app: &App,
    tick: &Tick,
    deadline: Option<Instant>,
) -> anyhow::Result<Report> {
    let scheduled_time = tick.scheduled_time()?;
    let due = app.db.due_reminders(scheduled_time).await?;
    let mut report = Report {
        due: due.len(),
        ..Report::default()
    };
    let mut first_error = None;
    for (i, r) in due.iter().enumerate() {
        if deadline.is_some_and(|d| d.saturating_duration_since(Instant::now()) < DEADLINE_MARGIN) {
            report.deferred = due.len() - i;
            break;
        }
        if let Err(e) = process(app, r, &mut report).await {
            report.failed += 1;
            tracing::error!(group_id = %r.group_id, category = r.kind.category(), error = ?e, "reminder failed; the next attempt finishes it");
            first_error.get_or_insert(e);
        }
    }
    tracing::info!(
        %scheduled_time,
        due = report.due,
        finished = report.finished,
        alarms = report.alarms,
        sms_sent = report.sms_sent,
        sms_failed = report.sms_failed,
        skipped = report.skipped,
        dropped = report.dropped,
        deferred = report.deferred,
        failed = report.failed,
        "alarm dispatch"
    );
    match first_error {
        Some(e) => Err(e),
        None => Ok(report),
    }
}

async fn process(app: &App, r: &DueReminder, report: &mut Report) -> anyhow::Result<()> {
    let lease_id = uuid::Uuid::new_v4().to_string();
    let now = app.clock.now();
    let until = now + chrono::Duration::seconds(LEASE_SECONDS);
    if !app
        .db
        .lease_reminder(r, &instant_key(now), &instant_key(until), &lease_id)
        .await?
    {
        report.skipped += 1;
        return Ok(());
    }
    match deliver(app, r, now, report).await {
        Ok(()) => {
            app.db.finish_reminder(r, &lease_id).await?;
            report.finished += 1;
            Ok(())
        }
        Err(e) => {
            if let Err(release) = app.db.release_reminder(r, &lease_id).await {
                tracing::warn!(error = ?release, "lease not released; it expires");
            }
            Err(e)
        }
    }
}

async fn deliver(
    app: &App,
    r: &DueReminder,
    now: DateTime<Utc>,
    report: &mut Report,
) -> anyhow::Result<()> {
    let category = r.kind.category();
    // Strongly consistent: whoever cancelled is gone, whoever joined late is there.
    let Some(run) = app.db.run_with_members_now(&r.group_id).await? else {
        tracing::info!(group_id = %r.group_id, category, "run deleted: reminder dropped");
        report.dropped += 1;
        return Ok(());
    };
    let group = &run.run;
    let Some(due) = r
        .due()
        .filter(|d| reminder::due_at(group, r.kind) == Some(*d))
    else {
        // Only left behind when an edit moved the reminder into the past
        // (not rescheduled, docs/reminders.md).
        tracing::info!(group_id = %r.group_id, category, "run moved: reminder dropped");
        report.dropped += 1;
        return Ok(());
    };
    if now > reminder::stale_after(group, r.kind, due) {
        tracing::warn!(group_id = %r.group_id, category, due_at = %r.due_at, "reminder too late: dropped unsent");
        report.dropped += 1;
        return Ok(());
    }

    let ids: Vec<&str> = run.members.iter().map(|m| m.user_id.as_str()).collect();
    let (users, mut deliveries) = app.db.reminder_recipients(r, &ids).await?;

    // Alarm rows, exactly once per recipient.
    let created_at = instant_key(now);
    let mut new = Vec::new();
    for member in &run.members {
        if deliveries.contains_key(&member.user_id) {
            continue;
        }
        let Some(user) = users.get(&member.user_id) else {
            tracing::warn!(user_id = %member.user_id, category, "member without a profile: no reminder");
            continue;
        };
        let alarm = reminder_alarm(group, r.kind, user, &created_at);
        let sms = if user.agree_sms && user.phone.is_some() {
            SmsState::Planned
        } else {
            SmsState::None
        };
        let delivery = Delivery::new(r, &alarm, sms);
        new.push((alarm, delivery));
    }
    app.db.record_reminder_alarms(&new).await?;
    report.alarms += new.len();
    for (alarm, delivery) in new {
        if delivery.sms == SmsState::None {
            tracing::info!(user_id = %alarm.user_id, category, send_phone = 0, "reminder alarm written; no SMS (no consent or no phone)");
        }
        deliveries.insert(alarm.user_id, delivery);
    }

    // A previous attempt stopped between marking and recording: maybe sent.
    let mut stuck: Vec<Delivery> = deliveries
        .values()
        .filter(|d| d.sms == SmsState::Sending)
        .cloned()
        .collect();
    stuck.sort_by(|a, b| a.user_id.cmp(&b.user_id));
    for chunk in stuck.chunks(SMS_CHUNK) {
        if !app
            .db
            .move_sms_state(chunk, SmsState::Sending, SmsState::Unknown)
            .await?
        {
            anyhow::bail!("an SMS record changed under the lease");
        }
        for d in chunk {
            tracing::warn!(user_id = %d.user_id, category, send_phone = 0, "SMS outcome unknown after an interrupted attempt: not sent again");
        }
    }

    // SMS: mark, send, record — per chunk.
    let mut planned: Vec<Delivery> = deliveries
        .into_values()
        .filter(|d| d.sms == SmsState::Planned)
        .collect();
    planned.sort_by(|a, b| a.user_id.cmp(&b.user_id));
    for chunk in planned.chunks(SMS_CHUNK) {
        if !app
            .db
            .move_sms_state(chunk, SmsState::Planned, SmsState::Sending)
            .await?
        {
            anyhow::bail!("an SMS record changed under the lease");
        }
        let sends = chunk
            .iter()
            .map(|d| send_one(app, group, r.kind, users.get(&d.user_id), d));
        let results = futures::future::join_all(sends).await;
        app.db.record_sms_results(&results).await?;
        for d in &results {
            if d.sms == SmsState::Sent {
                report.sms_sent += 1;
            } else {
                report.sms_failed += 1;
            }
        }
    }
    Ok(())
}

/// The alarm row of one recipient (alarms.md §3.4): the recipient's own
/// nickname, the run's current title, `role` host/attendance.
fn reminder_alarm(group: &Group, kind: Kind, user: &User, created_at: &str) -> Alarm {
    Alarm {
        alarm_id: uuid::Uuid::new_v4().to_string(),
        user_id: user.user_id.clone(),
        category: kind.category().to_owned(),
        role: Some(reminder::role(group, &user.user_id).to_owned()),
        group_id: Some(group.group_id.clone()),
        group_title: Some(group.title.clone()),
        course_id: None,
        course_title: None,
        nickname: Some(user.nickname.clone()),
        comment_id: None,
        check: false,
        send_phone: 0,
        created_at: created_at.to_owned(),
    }
}

/// Sends one recipient's message; returns its record with the outcome
/// (`Sent` with `sendPhone` 1/2, or `Failed` with 0). Logs the user id,
/// category and `sendPhone` — never the number or the text.
async fn send_one(
    app: &App,
    group: &Group,
    kind: Kind,
    user: Option<&User>,
    delivery: &Delivery,
) -> Delivery {
    let mut out = delivery.clone();
    out.sms = SmsState::Failed;
    out.send_phone = 0;
    let category = kind.category();
    let Some(user) = user else {
        return out;
    };
    let number = match (&app.phone, &user.phone) {
        (Some(cipher), Some(stored)) => cipher.decrypt(stored).map(|n| n.replace('-', "")),
        _ => Err(anyhow::anyhow!("no phone key or no number")),
    };
    let to = match number {
        Ok(to) => to,
        Err(e) => {
            tracing::warn!(user_id = %user.user_id, category, send_phone = 0, error = %e, "reminder SMS not sent: phone unreadable");
            return out;
        }
    };
    let content = reminder::text(
        kind,
        group.user_id == user.user_id,
        &user.nickname,
        &group.title,
        &group.group_id,
    );
    let message_type = MessageType::for_content(&content);
    match sms::send_message(app, message_type, &to, &content).await {
        Ok(()) => {
            out.sms = SmsState::Sent;
            out.send_phone = message_type.send_phone();
            tracing::info!(user_id = %user.user_id, category, send_phone = out.send_phone, "reminder SMS sent");
        }
        Err(e) => {
            tracing::warn!(user_id = %user.user_id, category, send_phone = 0, error = %e, "reminder SMS failed");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_event_is_a_tick_and_other_events_are_refused() {
        let sample: serde_json::Value =
            serde_json::from_str(include_str!("../../../events/alarm-dispatch.json"))
                .expect("json");
        let tick = Tick::from_event(sample).expect("tick");
        assert_eq!(
            tick.scheduled_time().expect("time").to_rfc3339(),
            "2026-06-13T08:00:00+00:00"
        );
        assert!(Tick::from_event(serde_json::json!({"scheduledTime": "soon"})).is_err());
        assert!(Tick::from_event(serde_json::json!({"groupId": "g"})).is_err());
        let at = "2026-06-13T08:00:00Z".parse::<DateTime<Utc>>().expect("t");
        assert_eq!(Tick::at(at).scheduled_time().expect("time"), at);
    }
}
