//! JSON views of runs for the lists: one list item, the renderers that read
//! what a page of items needs in one BatchGetItem, and the label tables of
//! `GET /group/prefer`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use shared::App;
use shared::domain::group::{Group, Member};
use shared::domain::number::js_number;
use shared::domain::user::User;
use shared::store::groups::ListedRun;

use super::images::list_thumbnail;

/// How one list item is rendered beyond the common fields.
#[derive(Clone, Copy)]
pub(super) enum Extra {
    None,
    /// `mypage`: the host's own attendance flag.
    Attendance,
    /// `complete`: the subject's evaluation value.
    Evaluation,
}

pub(super) fn list_item(
    app: &App,
    g: &Group,
    host: Option<&User>,
    member: Option<&Member>,
    extra: Extra,
    now: DateTime<Utc>,
) -> Value {
    let updated = shared::time::parse_instant(&g.updated_at)
        .map(|u| (now - u).num_seconds())
        .unwrap_or(0);
    let mut item = json!({
        "groupId": g.group_id,
        "title": g.title,
        "location": g.short_location(),
        "distance": js_number(g.distance),
        "date": g.list_date(),
        "standbyTime": g.standby_time,
        "maxPeople": g.max_people,
        "thumbnailUrl": list_thumbnail(&app.config.images, g),
        "applyPeople": g.apply_count,
        "userId": g.user_id,
        "applyEndTime": g.apply_end_time(now),
        "thema": g.thema,
        "updateTime": updated,
        "nickname": host.map(|h| h.nickname.as_str()),
        "profileUrl": host.map(|h| h.profile_url.as_str()),
        "applyState": member.is_some(),
    });
    if let Value::Object(map) = &mut item {
        match extra {
            Extra::None => {}
            Extra::Attendance => {
                map.insert(
                    "attendance".into(),
                    Value::Bool(member.is_some_and(|m| m.attendance)),
                );
            }
            Extra::Evaluation => {
                map.insert(
                    "evaluation".into(),
                    json!(member.map_or(0, |m| m.evaluation)),
                );
            }
        }
    }
    item
}

/// Renders a page of a list with ONE BatchGetItem ([`Db::run_list`]): the
/// runs not read yet (composite feed entries), every host profile and the
/// viewer's membership of every run on the page. A run deleted since it was
/// listed is left out.
///
/// [`Db::run_list`]: shared::store::Db::run_list
pub(super) async fn render(
    app: &App,
    runs: impl IntoIterator<Item = ListedRun>,
    viewer: Option<&str>,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Value>> {
    let list = app.db.run_list(runs, viewer, None).await?;
    Ok(list_items(
        app,
        &list.runs,
        &list.users,
        &list.memberships,
        Extra::None,
        now,
    ))
}

/// List items of `groups`, each with its host's profile and the given
/// person's membership (by run) when there is one.
pub(super) fn list_items(
    app: &App,
    groups: &[Group],
    users: &HashMap<String, User>,
    members: &[Member],
    extra: Extra,
    now: DateTime<Utc>,
) -> Vec<Value> {
    let by_group: HashMap<&str, &Member> =
        members.iter().map(|m| (m.group_id.as_str(), m)).collect();
    groups
        .iter()
        .map(|g| {
            let member = by_group.get(g.group_id.as_str()).copied();
            list_item(app, g, users.get(&g.user_id), member, extra, now)
        })
        .collect()
}

/// The profile's region label (one table: `profile::location_name`), except
/// that this endpoint names region 8 differently (groups.md, `GET /group/prefer`).
pub(super) fn prefer_location(code: Option<&str>) -> Value {
    match code {
        Some("8") => Value::String("전라남도/전라북도/광주광역시".to_owned()),
        Some(code) => Value::String(
            shared::domain::profile::location_name(code)
                .unwrap_or(code)
                .to_owned(),
        ),
        None => Value::Null,
    }
}

/// The distance label (`profile::distance_name`); `"0"` and unknown codes are `미정`.
pub(super) fn prefer_distance(code: Option<&str>) -> &'static str {
    code.filter(|c| *c != "0")
        .and_then(shared::domain::profile::distance_name)
        .unwrap_or("미정")
}
