//! Issue 14: the feeds read from indexes give exactly the lists a full sort
//! gives, at several data sizes, and the index keys always agree with the
//! counts they follow, also under concurrency.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{Duration, Utc};
use futures::future::join_all;
use serde_json::{Value, json};
use shared::domain::course::{Course, CourseOrder};
use shared::domain::group::{Group, sort_for_list, start_instant};
use shared::store::keys;
use shared::time::{instant_key, kst};

use crate::course::{partition, patch_json, send, set_profile};
use crate::helpers::{Reply, TestApp, spawn_app};

/// A course stored directly (the creation route is tested elsewhere), with
/// `created` shared by groups of three so the tie order matters.
async fn stored_course(app: &TestApp, i: usize, base: chrono::DateTime<Utc>) -> Course {
    let created = instant_key(base + Duration::seconds((i / 3) as i64));
    let course: Course = serde_json::from_value(json!({
        "courseId": uuid::Uuid::new_v4().to_string(),
        "userId": "author",
        "title": format!("코스 {i}"),
        "location": "서울 강남구",
        "distance": 5.0,
        "images": [format!("{i}.png")],
        "imagesResized": true,
        "thema": "도시",
        "region": (i % 4) as u8,
        "createdAt": created,
        "updatedAt": created,
    }))
    .expect("course");
    app.app.db.create_course(&course).await.expect("create");
    course
}

/// Counters through the real write paths: bookmarks, ratings (equal
/// averages on purpose: 4/1 and 8/2), views, and comments via the API.
async fn exercise(app: &TestApp, course: &Course, i: usize, users: &[(String, String)]) {
    let db = &app.app.db;
    for (user, _) in users.iter().take(i % 4) {
        db.toggle_bookmark(course, user).await.expect("bookmark");
    }
    for (k, (user, _)) in users.iter().enumerate().take(i % 3) {
        let star = if i % 6 == 1 {
            4
        } else {
            ((i + k) % 5 + 1) as i64
        };
        db.rate_course(&course.course_id, user, Some(star))
            .await
            .expect("rate");
    }
    for _ in 0..(i * 7 % 5) {
        db.view_course(&course.course_id).await.expect("view");
    }
    for (_, token) in users.iter().take(i % 3) {
        let reply = app
            .send(
                app.http
                    .post(app.url(&format!("/comment/course/{}", course.course_id)))
                    .bearer_auth(token)
                    .json(&json!({ "content": "좋아요" })),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
}

/// A list without the fields that depend on the instant of the request.
fn stable(list: &Value) -> Vec<Value> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|item| {
            let mut item = item.clone();
            if let Some(map) = item.as_object_mut() {
                map.remove("updateTime");
            }
            item
        })
        .collect()
}

async fn get_as(app: &TestApp, path: &str, token: Option<&str>) -> Reply {
    let auth = token.map_or_else(|| "Bearer undefined".to_owned(), |t| format!("Bearer {t}"));
    let reply = app.request(reqwest::Method::GET, path, Some(&auth)).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.text);
    reply
}

#[tokio::test]
async fn course_feed_pages_and_rankings_equal_a_full_sort_at_several_sizes() {
    let app = spawn_app().await;
    let mut users = Vec::new();
    for i in 0..4 {
        users.push(app.login_as(&format!("fan{i}")).await);
    }
    let (viewer_id, viewer) = (users[0].0.clone(), users[0].1.clone());
    let base = Utc::now() - Duration::days(1);
    let mut count = 0;
    for size in [5, 19, 47] {
        while count < size {
            let course = stored_course(&app, count, base).await;
            exercise(&app, &course, count, &users).await;
            count += 1;
        }
        for (who, token) in [("anonymous", None), ("viewer", Some(viewer.as_str()))] {
            for region in ["0", "1", "3"] {
                for sort in ["new", "starPoint", "comment", "bookmark"] {
                    // The whole list, sorted in memory (the unpaged request).
                    let path = format!("/course/all?region={region}&sort={sort}");
                    let full = get_as(&app, &path, token).await.json();
                    let full_feed = stable(&full["data"]["feed"]);
                    let ranking = stable(&full["data"]["rankingFeed"]);
                    for page_size in [4usize, 6] {
                        for page in 1..=full_feed.len() / page_size + 2 {
                            let paged = get_as(
                                &app,
                                &format!("{path}&page={page}&size={page_size}"),
                                token,
                            )
                            .await;
                            let body = paged.json();
                            let want: Vec<Value> = full_feed
                                .iter()
                                .skip((page - 1) * page_size)
                                .take(page_size)
                                .cloned()
                                .collect();
                            assert_eq!(
                                stable(&body["data"]["feed"]),
                                want,
                                "{size} courses, {who}, region {region}, {sort}, page {page} of {page_size}"
                            );
                            assert_eq!(stable(&body["data"]["rankingFeed"]), ranking);
                            assert_eq!(body.get("preferData"), full.get("preferData"));
                            let most = if token.is_some() { 4 } else { 3 };
                            assert!(
                                paged.ddb_calls() <= most,
                                "{size} courses, {sort}: {} calls",
                                paged.ddb_calls()
                            );
                        }
                    }
                }
            }
        }
        // The viewer's preferred region picks the ranking pool.
        set_profile(&app, &viewer_id, "likeLocation", "1").await;
        let full = get_as(&app, "/course/all?region=0&sort=new", Some(&viewer)).await;
        let paged = get_as(
            &app,
            "/course/all?region=0&sort=new&page=1&size=6",
            Some(&viewer),
        )
        .await;
        assert_eq!(
            stable(&paged.json()["data"]["rankingFeed"]),
            stable(&full.json()["data"]["rankingFeed"])
        );
        assert!(
            full.json()["data"]["rankingFeed"]
                .as_array()
                .expect("ranking")
                .iter()
                .all(|c| c["region"] == 1)
        );
        set_profile(&app, &viewer_id, "likeLocation", "0").await;
    }
}

/// The stored ordering keys of a course: `META`'s rank, and each `CORDER#` entry.
async fn stored_keys(
    app: &TestApp,
    course_id: &str,
) -> (Course, HashMap<String, (String, String)>) {
    let meta_items = partition(app, &keys::course_pk(course_id)).await;
    let meta = meta_items
        .into_iter()
        .find(|i| i.get("SK") == Some(&AttributeValue::S("META".into())))
        .expect("META");
    let text = |item: &HashMap<String, AttributeValue>, name: &str| match item.get(name) {
        Some(AttributeValue::N(v) | AttributeValue::S(v)) => v.clone(),
        _ => String::new(),
    };
    let mut found = HashMap::new();
    found.insert(
        "rank".to_owned(),
        (text(&meta, "ORDN"), text(&meta, "ORDRPK")),
    );
    for item in partition(app, &format!("CORDER#{course_id}")).await {
        found.insert(
            text(&item, "SK"),
            (text(&item, "ORDN"), text(&item, "ORDRPK")),
        );
    }
    let course: Course = serde_dynamo::from_item(meta).expect("course");
    (course, found)
}

fn assert_keys_follow_counts(course: &Course, stored: &HashMap<String, (String, String)>) {
    for order in [
        CourseOrder::Rank,
        CourseOrder::Star,
        CourseOrder::Comment,
        CourseOrder::Bookmark,
    ] {
        let (number, region_pk) = stored.get(order.name()).expect("an entry per ordering");
        assert_eq!(
            *number,
            order.key(course).to_string(),
            "{} of {course:?}",
            order.name()
        );
        assert_eq!(
            *region_pk,
            keys::course_order_region_pk(order.name(), course.region)
        );
    }
}

#[tokio::test]
async fn ordering_keys_agree_with_the_counts_after_concurrent_writes() {
    let app = spawn_app().await;
    let (_, author) = app.login_as("author").await;
    let id = crate::course::create_course(&app, &author, "붐비는 코스", "서울 마포구").await;
    let mut fans = Vec::new();
    for i in 0..12 {
        fans.push(app.login_as(&format!("fan{i}")).await.1);
    }
    let bookmark = format!("/course/{id}/bookmark");
    let star = format!("/course/{id}/starPoint");
    let detail = format!("/course/detail/{id}");
    let comment = format!("/comment/course/{id}");
    let work = fans.iter().enumerate().map(|(i, token)| {
        let (app, bookmark, star, detail, comment) = (&app, &bookmark, &star, &detail, &comment);
        async move {
            // Everyone at once: a bookmark (some toggle twice), a rating (some
            // change it), a view and a comment.
            let toggles = 1 + i % 2;
            for _ in 0..toggles {
                send(app, reqwest::Method::PATCH, bookmark, token).await;
            }
            patch_json(app, star, token, &json!({ "myStarPoint": (i % 5) + 1 })).await;
            if i % 3 == 0 {
                patch_json(app, star, token, &json!({ "myStarPoint": Value::Null })).await;
            }
            app.get(detail, token).await;
            app.send(
                app.http
                    .post(app.url(comment))
                    .bearer_auth(token)
                    .json(&json!({ "content": "또 올게요" })),
            )
            .await;
        }
    });
    join_all(work).await;
    let (course, stored) = stored_keys(&app, &id).await;
    assert_eq!(course.bookmark_count, 6, "half toggled twice");
    assert_eq!(course.star_count, 8, "every third cleared theirs");
    assert_eq!(course.comment_count, 12);
    assert_eq!(course.click_cnt, 12);
    assert_keys_follow_counts(&course, &stored);

    // Deleting comments concurrently moves the keys back down with the count.
    let comments = app
        .request(reqwest::Method::GET, &comment, Some("Bearer undefined"))
        .await
        .json();
    let ids: Vec<String> = comments["data"]
        .as_array()
        .expect("comments")
        .iter()
        .take(5)
        .map(|c| c["commentId"].as_str().expect("id").to_owned())
        .collect();
    let owners: Vec<&String> = fans.iter().collect();
    join_all(ids.iter().map(|cid| {
        let app = &app;
        let owners = &owners;
        async move {
            // Only its author may delete a comment: try every fan.
            for token in owners.iter() {
                let reply = send(
                    app,
                    reqwest::Method::DELETE,
                    &format!("/comment/{cid}"),
                    token,
                )
                .await;
                if reply.status == 200 && reply.json()["success"] == true {
                    break;
                }
            }
        }
    }))
    .await;
    let (course, stored) = stored_keys(&app, &id).await;
    assert_eq!(course.comment_count, 7);
    assert_keys_follow_counts(&course, &stored);

    // An edit that moves the course to another region moves every entry.
    let kept = format!("https://cdn.example/w_758/{}", course.images[0]);
    let edited = crate::course::send_multipart(
        &app,
        reqwest::Method::PATCH,
        &format!("/course/{id}"),
        &author,
        &[
            crate::course::Part::Text("courseImageUrl", &kept),
            crate::course::Part::Text("location", "제주특별자치도 제주시 삼양동"),
        ],
    )
    .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    let (course, stored) = stored_keys(&app, &id).await;
    assert_eq!(course.region, 9);
    assert_keys_follow_counts(&course, &stored);
    let jeju = get_as(
        &app,
        "/course/all?region=9&sort=comment&page=1&size=6",
        None,
    )
    .await;
    assert_eq!(jeju.json()["data"]["feed"][0]["courseId"], id.as_str());
    let seoul = get_as(
        &app,
        "/course/all?region=1&sort=comment&page=1&size=6",
        None,
    )
    .await;
    assert_eq!(seoul.json()["data"]["feed"], json!([]));
}

/// A run stored directly, in `region`, `days` ahead at `hour:minute`.
async fn stored_run(app: &TestApp, i: u32, region: u8, days: i64, hour: u32) -> Group {
    let thema = ["산", "도시", "트랙"][(i % 3) as usize];
    stored_run_as(app, i, region, days, hour, thema, f64::from(i % 20)).await
}

/// [`stored_run`] with its thema and distance chosen.
async fn stored_run_as(
    app: &TestApp,
    i: u32,
    region: u8,
    days: i64,
    hour: u32,
    thema: &str,
    distance: f64,
) -> Group {
    let today = Utc::now().with_timezone(&kst()).date_naive();
    let date = today + Duration::days(days);
    let time = chrono::NaiveTime::from_hms_opt(hour, (i % 4) * 15, 0).expect("time");
    let created = instant_key(Utc::now());
    let group: Group = serde_json::from_value(json!({
        "groupId": format!("g{i:04}"),
        "userId": format!("host{i}"),
        "title": format!("run {i}"),
        "maxPeople": 5,
        "date": date.format("%Y-%m-%d").to_string(),
        "standbyTime": time.format("%H:%M:%S").to_string(),
        "startsAt": instant_key(start_instant(date, time)),
        "distance": distance,
        "speed": "pace",
        "location": "서울 서초구",
        "region": region,
        "timecode": shared::domain::group::time_bucket(time),
        "thema": thema,
        "applyCount": 1,
        "createdAt": created,
        "updatedAt": created,
    }))
    .expect("group");
    let host: shared::domain::group::Member = serde_json::from_value(json!({
        "applyId": group.group_id,
        "groupId": group.group_id,
        "userId": group.user_id,
        "hostId": group.user_id,
        "startsAt": group.starts_at,
        "attendance": false,
        "evaluation": 0,
        "appliedAt": created,
    }))
    .expect("member");
    let text: shared::domain::group::GroupText =
        serde_json::from_value(json!({ "mapLatLng": "[]" })).expect("text");
    let profile = shared::domain::user::User::new(
        group.user_id.clone(),
        "host".into(),
        String::new(),
        "kakao".into(),
    );
    app.app.db.create_user(&profile).await.expect("host");
    app.app
        .db
        .create_group(&group, &text, &host, 0)
        .await
        .expect("run");
    group
}

fn ids(reply: &Reply) -> Vec<String> {
    reply.json()["data"]
        .as_array()
        .expect("list")
        .iter()
        .map(|g| g["groupId"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn filtered_run_feed_pages_equal_a_full_sort_at_several_sizes() {
    let app = spawn_app().await;
    let today = Utc::now().with_timezone(&kst()).date_naive();
    let mut all: Vec<Group> = Vec::new();
    let mut next = 0u32;
    let filters = [
        "region=1",
        "region=2/9/",
        "region=1&thema=트랙/",
        "time=2/5/&region=1",
        "distance=1/4/",
        "region=2&distance=3",
        "thema=산/도시/&time=4",
    ];
    for size in [12u32, 60, 150] {
        while next < size {
            let i = next;
            // Region 1 dominates; a few in 2 and 9; days −2..20, all hours.
            let region = match i % 7 {
                0 => 2,
                1 => 9,
                _ => 1,
            };
            let days = i64::from(i % 23) - 2;
            all.push(stored_run(&app, i, region, days, (i * 5) % 24).await);
            next += 1;
        }
        let now = app.app.clock.now();
        let from = (today + Duration::days(3)).format("%Y-%m-%d").to_string();
        let to = (today + Duration::days(11)).format("%Y-%m-%d").to_string();
        let dated = format!("date={from}/{to}/&region=1");
        let mut cases: Vec<String> = filters.iter().map(|f| (*f).to_owned()).collect();
        cases.push(dated.clone());
        cases.push(format!("{dated}&finish=1"));
        cases.push("region=1&finish=1".to_owned());
        for filter in &cases {
            let everything = app
                .request(
                    reqwest::Method::GET,
                    &format!("/group/all?{filter}"),
                    Some("Bearer undefined"),
                )
                .await;
            let full = ids(&everything);
            // The unpaged list is the full sort of the matching runs.
            let parsed = {
                let q: HashMap<String, String> = filter
                    .split('&')
                    .filter_map(|p| p.split_once('='))
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect();
                let get = |k: &str| q.get(k).map(String::as_str);
                shared::domain::group::FeedFilter::parse(
                    get("date"),
                    get("region"),
                    get("time"),
                    get("distance"),
                    get("thema"),
                    get("finish"),
                )
            };
            let recruiting = shared::domain::group::recruiting_from(now);
            let mut expected: Vec<Group> = all
                .iter()
                .filter(|g| {
                    parsed.matches(g)
                        && (parsed.include_finished || g.starts_at.as_str() >= recruiting.as_str())
                })
                .cloned()
                .collect();
            sort_for_list(&mut expected, now);
            let want: Vec<String> = expected.iter().map(|g| g.group_id.clone()).collect();
            assert_eq!(full, want, "{size} runs, {filter}: unpaged");
            for page_size in [4usize, 6] {
                for page in 1..=full.len() / page_size + 2 {
                    let reply = app
                        .request(
                            reqwest::Method::GET,
                            &format!("/group/all?{filter}&page={page}&size={page_size}"),
                            Some("Bearer undefined"),
                        )
                        .await;
                    let got = ids(&reply);
                    let want: Vec<String> = full
                        .iter()
                        .skip((page - 1) * page_size)
                        .take(page_size)
                        .cloned()
                        .collect();
                    assert_eq!(
                        got, want,
                        "{size} runs, {filter}, page {page} of {page_size}"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn a_region_page_costs_the_same_calls_however_many_runs_other_regions_hold() {
    let app = spawn_app().await;
    let mut i = 0;
    for _ in 0..8 {
        stored_run(&app, i, 9, 2 + i64::from(i), 7).await;
        i += 1;
    }
    let jeju = "/group/all?region=9&page=1&size=6";
    let before = app
        .request(reqwest::Method::GET, jeju, Some("Bearer undefined"))
        .await;
    assert_eq!(ids(&before).len(), 6);
    // 300 runs elsewhere, on the same days: the Jeju page reads none of them.
    for _ in 0..300 {
        stored_run(&app, i, 1, 2 + i64::from(i % 8), (i * 3) % 24).await;
        i += 1;
    }
    let after = app
        .request(reqwest::Method::GET, jeju, Some("Bearer undefined"))
        .await;
    assert_eq!(ids(&after), ids(&before));
    assert_eq!(before.ddb_calls(), 2, "one Query + one BatchGetItem");
    assert_eq!(after.ddb_calls(), 2, "one Query + one BatchGetItem");
    let prefer_calls = {
        let (user, token) = app.login_as("jeju").await;
        set_profile(&app, &user, "likeLocation", "9").await;
        app.get("/group/prefer?page=1&size=6", &token)
            .await
            .ddb_calls()
    };
    assert_eq!(prefer_calls, 3, "auth + one Query + one BatchGetItem");
}

/// Every page (up to `pages`) of sizes 3, 6 and 7 equals the slice of the unpaged list.
async fn check_pages(app: &TestApp, filter: &str, pages: usize) {
    let full = ids(&app
        .request(
            reqwest::Method::GET,
            &format!("/group/all?{filter}"),
            Some("Bearer undefined"),
        )
        .await);
    for size in [3usize, 6, 7] {
        for page in 1..=(full.len() / size + 1).min(pages) {
            let reply = app
                .request(
                    reqwest::Method::GET,
                    &format!("/group/all?{filter}page={page}&size={size}"),
                    Some("Bearer undefined"),
                )
                .await;
            let want: Vec<String> = full
                .iter()
                .skip((page - 1) * size)
                .take(size)
                .cloned()
                .collect();
            assert_eq!(ids(&reply), want, "{filter} page {page} of {size}");
        }
    }
}

async fn seed_dense(app: &TestApp, start: u32, count: u32) {
    for n in start..start + count {
        let region = if n % 5 == 0 { 2 } else { 1 };
        let (days, hour) = if n % 11 == 0 {
            (4, 9)
        } else {
            (3, 6 + (n % 5) * 3)
        };
        stored_run(app, n, region, days, hour).await;
    }
}

#[tokio::test]
async fn a_dense_day_is_read_backwards_for_its_page_with_ties_in_list_order() {
    let app = spawn_app().await;
    // Day 3 holds many runs at only five distinct start times (ties broken
    // by id in the list, the other way in the index); a few runs on day 4.
    seed_dense(&app, 0, 40).await;
    let mut calls_before = Vec::new();
    for filter in ["", "region=1&", "region=1&thema=산/&"] {
        check_pages(&app, filter, usize::MAX).await;
        let first = app
            .request(
                reqwest::Method::GET,
                &format!("/group/all?{filter}page=1&size=6"),
                Some("Bearer undefined"),
            )
            .await;
        calls_before.push(first.ddb_calls());
    }
    // Ten times as many runs that day: the first page costs the same.
    seed_dense(&app, 40, 400).await;
    for (n, filter) in ["", "region=1&", "region=1&thema=산/&"].iter().enumerate() {
        let first = app
            .request(
                reqwest::Method::GET,
                &format!("/group/all?{filter}page=1&size=6"),
                Some("Bearer undefined"),
            )
            .await;
        check_pages(&app, filter, 4).await;
        assert!(
            first.ddb_calls() <= 4 && calls_before[n] <= 4,
            "{filter}: {} → {} calls",
            calls_before[n],
            first.ddb_calls()
        );
    }
}

#[tokio::test]
async fn the_alarm_list_shows_the_newest_hundred_whatever_the_history() {
    use shared::domain::alarm::{Alarm, category};
    let app = spawn_app().await;
    let (user, token) = app.login_as("alarms").await;
    let base = Utc::now() - Duration::days(30);
    let alarms: Vec<Alarm> = (0..130)
        .map(|i| {
            let mut alarm = Alarm::for_group(
                category::UPDATE,
                &user,
                &format!("g{i:03}"),
                &format!("run {i}"),
                &instant_key(base + Duration::minutes(i)),
            );
            alarm.check = i % 2 == 0;
            alarm
        })
        .collect();
    app.app.db.put_alarms(&alarms).await.expect("alarms");
    let reply = app.get("/alarm", &token).await;
    let body = reply.json();
    let titles: Vec<&str> = body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|a| a["groupTitle"].as_str().expect("title"))
        .collect();
    let newest: Vec<String> = (30..130).rev().map(|i| format!("run {i}")).collect();
    assert_eq!(titles, newest, "the newest 100, newest first");
    assert_eq!(body["count"], 100);
    assert_eq!(body["unreadCount"], 50, "unread among those shown");
    assert!(
        reply.ddb_calls() <= 3,
        "auth + one Query (+ one BatchGetItem): {}",
        reply.ddb_calls()
    );
}

/// The ids `/group/all?{filter}` must list: the seeded runs that pass the
/// parsed filter (and are recruiting unless `finish=1`), fully sorted.
fn expected_ids(all: &[Group], filter: &str, now: chrono::DateTime<Utc>) -> Vec<String> {
    let q: HashMap<String, String> = filter
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let get = |k: &str| q.get(k).map(String::as_str);
    let parsed = shared::domain::group::FeedFilter::parse(
        get("date"),
        get("region"),
        get("time"),
        get("distance"),
        get("thema"),
        get("finish"),
    );
    let recruiting = shared::domain::group::recruiting_from(now);
    let mut expected: Vec<Group> = all
        .iter()
        .filter(|g| {
            parsed.matches(g)
                && (parsed.include_finished || g.starts_at.as_str() >= recruiting.as_str())
        })
        .cloned()
        .collect();
    sort_for_list(&mut expected, now);
    expected.into_iter().map(|g| g.group_id).collect()
}

async fn anonymous_ids(app: &TestApp, path: &str) -> Vec<String> {
    ids(&get_as(app, path, None).await)
}

const THEMAS: [&str; 6] = ["산", "도시", "강변", "해변", "공원", "트랙"];

#[tokio::test]
async fn every_filter_the_frontend_sends_lists_and_pages_like_a_full_sort_at_several_sizes() {
    let app = spawn_app().await;
    let today = Utc::now().with_timezone(&kst()).date_naive();
    let day = |n: i64| (today + Duration::days(n)).format("%Y-%m-%d").to_string();
    let dated = format!("date={}/{}/", day(2), day(9));
    let filters = [
        "thema=트랙/".to_owned(),
        "thema=도시/산/".to_owned(),
        "distance=2/4/".to_owned(),
        "time=1/3/".to_owned(),
        "region=1&thema=도시/산/".to_owned(),
        "region=1&time=1/3/&distance=2/4/".to_owned(),
        "date=&region=9&time=&distance=4/&finish=0&thema=트랙/".to_owned(),
        "region=2&thema=해변/공원/&time=6/".to_owned(),
        "time=1/2/3/4/5/6/&distance=3/".to_owned(),
        "thema=전체/&distance=1/".to_owned(),
        "region=0&time=5/".to_owned(),
        format!("{dated}&thema=산/&time=3/"),
        format!("{dated}&region=1&distance=1/&finish=1"),
        "thema=도시/&finish=1".to_owned(),
        "region=1&time=2/5/&distance=1/3/&thema=산/도시/강변/&finish=1".to_owned(),
        // 4·3·4 = 48 combinations: beyond the partition bound.
        "region=1&time=1/2/3/4/&distance=1/2/3/&thema=산/도시/강변/해변/".to_owned(),
        "region=1/2/&time=4/&thema=없는테마/".to_owned(),
    ];
    let mut all: Vec<Group> = Vec::new();
    let mut next = 0u32;
    for size in [30u32, 120, 300] {
        while next < size {
            let i = next;
            // Region 1 dominates; days −2..20, all hours, every thema and distance.
            let region = match i % 7 {
                0 => 2,
                1 => 9,
                _ => 1,
            };
            let days = i64::from(i % 23) - 2;
            let thema = THEMAS[((i / 2) % 6) as usize];
            let distance = f64::from((i * 7) % 21);
            all.push(stored_run_as(&app, i, region, days, (i * 5) % 24, thema, distance).await);
            next += 1;
        }
        let now = app.app.clock.now();
        for filter in &filters {
            let full = anonymous_ids(&app, &format!("/group/all?{filter}")).await;
            assert_eq!(
                full,
                expected_ids(&all, filter, now),
                "{size} runs, {filter}: unpaged"
            );
            for page_size in [4usize, 6, 100] {
                for page in 1..=full.len() / page_size + 2 {
                    let got = anonymous_ids(
                        &app,
                        &format!("/group/all?{filter}&page={page}&size={page_size}"),
                    )
                    .await;
                    let want: Vec<String> = full
                        .iter()
                        .skip((page - 1) * page_size)
                        .take(page_size)
                        .cloned()
                        .collect();
                    assert_eq!(
                        got, want,
                        "{size} runs, {filter}, page {page} of {page_size}"
                    );
                }
            }
        }
    }
}

/// (request, ids listed, DynamoDB calls) of each filtered page, and of the
/// viewer's `prefer` page.
async fn measure_filtered_pages(
    app: &TestApp,
    filters: &[&str],
    token: &str,
) -> Vec<(String, Vec<String>, u32)> {
    let mut seen = Vec::new();
    for filter in filters {
        let reply = get_as(app, &format!("/group/all?{filter}"), None).await;
        seen.push(((*filter).to_owned(), ids(&reply), reply.ddb_calls()));
    }
    let prefer = app.get("/group/prefer?page=1&size=6", token).await;
    seen.push(("prefer".to_owned(), ids(&prefer), prefer.ddb_calls()));
    seen
}

#[tokio::test]
async fn a_filtered_page_costs_the_same_calls_however_many_other_runs_the_platform_holds() {
    let app = spawn_app().await;
    // Eight runs that match every filter below: Jeju, 트랙, 15 km+, 00–04 h.
    for i in 0..8u32 {
        stored_run_as(&app, i, 9, 2 + i64::from(i), 1, "트랙", 16.0).await;
    }
    let filters = [
        "date=&region=9&time=&distance=4/&finish=0&thema=트랙/&page=1&size=6",
        "time=1/&region=9&page=1&size=6",
        "thema=트랙/&page=1&size=6",
        "thema=트랙/&distance=4/&time=1/&page=1&size=6",
        "region=9&thema=트랙/도시/&distance=3/4/&page=1&size=6",
        "distance=4/&finish=1&page=1&size=6",
    ];
    let (user, token) = app.login_as("jeju").await;
    crate::course::set_profile(&app, &user, "likeLocation", "9").await;
    crate::course::set_profile(&app, &user, "likeDistance", "4").await;
    let before = measure_filtered_pages(&app, &filters, &token).await;
    // Ten times as many runs on the same days, in the same region and the
    // same partitions' neighbours — none of them matches.
    for i in 8..88u32 {
        let (region, thema, distance, hour) = match i % 4 {
            0 => (9, "산", 3.0, 5),
            1 => (9, "도시", 7.0, 10),
            2 => (1, "공원", 12.0, 1),
            _ => (9, "도시", 2.0, 20),
        };
        stored_run_as(&app, i, region, 2 + i64::from(i % 8), hour, thema, distance).await;
    }
    let after = measure_filtered_pages(&app, &filters, &token).await;
    for ((filter, ids_before, calls_before), (_, ids_after, calls_after)) in
        before.iter().zip(&after)
    {
        assert_eq!(ids_before.len(), 6, "{filter}");
        assert_eq!(ids_after, ids_before, "{filter}: the same page");
        assert_eq!(calls_after, calls_before, "{filter}: the same calls");
    }
    // Anonymous: one Query per partition read + one BatchGetItem; prefer adds auth.
    assert_eq!(before[0].2, 2, "{:?}", before[0]);
    assert_eq!(before[2].2, 2, "{:?}", before[2]);
    assert_eq!(before[4].2, 5, "four partitions: {:?}", before[4]);
    assert_eq!(before[6].2, 3, "{:?}", before[6]);
}

/// The run's composite feed entries (`FEED#…` items of its partition).
async fn feed_entries(app: &TestApp, group_id: &str) -> Vec<HashMap<String, AttributeValue>> {
    partition(app, &keys::group_pk(group_id))
        .await
        .into_iter()
        .filter(|i| {
            matches!(i.get("SK"), Some(AttributeValue::S(sk)) if sk.starts_with(keys::FEED_ENTRY))
        })
        .collect()
}

#[tokio::test]
async fn an_edit_of_thema_time_or_date_moves_the_run_between_filtered_feeds() {
    use crate::group::{edit_form, patch};
    use crate::runs::{Run, hosted_run};
    let app = spawn_app().await;
    // 서울 (region 1), 5.5 km (bucket 2), 강변, 07:00 (bucket 2), in 3 days.
    let run = Run::in_days(3, "07:00");
    let (id, _, host) = hosted_run(&app, "호스트", &run).await;
    let day = |n: i64| {
        (app.today() + Duration::days(n))
            .format("%Y-%m-%d")
            .to_string()
    };
    let old_feeds = [
        "thema=강변/".to_owned(),
        "time=2/".to_owned(),
        "region=1&thema=강변/&time=2/&distance=2/".to_owned(),
        format!("date={}/{}/&thema=강변/", day(3), day(3)),
        format!("date={}/{}/&region=1&distance=2/", day(3), day(3)),
    ];
    let new_feeds = [
        "thema=산/".to_owned(),
        "time=6/".to_owned(),
        "region=1&thema=산/&time=6/&distance=2/".to_owned(),
        format!("date={}/{}/&thema=산/", day(5), day(5)),
        format!("date={}/{}/&region=1&distance=2/", day(5), day(5)),
    ];
    for feed in &old_feeds {
        assert_eq!(
            anonymous_ids(&app, &format!("/group/all?{feed}&page=1&size=6")).await,
            std::slice::from_ref(&id),
            "{feed}"
        );
    }
    for feed in &new_feeds {
        assert!(
            anonymous_ids(&app, &format!("/group/all?{feed}&page=1&size=6"))
                .await
                .is_empty(),
            "{feed}"
        );
    }
    let edited = run
        .clone()
        .set("thema", "산")
        .set("standbyTime", "21:30")
        .set("date", &day(5));
    let reply = patch(&app, &host, &id, edit_form(&app, &edited, &[], 0)).await;
    assert_eq!(reply.json()["success"], true, "{}", reply.text);
    for feed in &old_feeds {
        assert!(
            anonymous_ids(&app, &format!("/group/all?{feed}&page=1&size=6"))
                .await
                .is_empty(),
            "{feed} after the edit"
        );
    }
    for feed in &new_feeds {
        let listed = get_as(&app, &format!("/group/all?{feed}&page=1&size=6"), None)
            .await
            .json();
        assert_eq!(
            listed["data"][0]["groupId"],
            id.as_str(),
            "{feed} after the edit"
        );
        assert_eq!(listed["data"][0]["thema"], "산");
        assert_eq!(listed["data"][0]["standbyTime"], "21:30:00");
    }
    // Still 14 entries (replaced, not added), all naming the new values.
    let entries = feed_entries(&app, &id).await;
    assert_eq!(entries.len(), 14);
    assert!(entries.iter().all(|e| {
        matches!(e.get("GSI6SK"), Some(AttributeValue::S(sk)) if sk.ends_with(&id))
            && e.get("thema") == Some(&AttributeValue::S("산".into()))
    }));
}

#[tokio::test]
async fn a_deleted_run_leaves_every_filtered_feed_at_once() {
    use crate::runs::{Run, hosted_run};
    let app = spawn_app().await;
    let (id, _, host) = hosted_run(&app, "호스트", &Run::in_days(2, "02:30")).await;
    let (kept, _, _) = hosted_run(&app, "남는호스트", &Run::in_days(4, "02:30")).await;
    let feeds = [
        "thema=강변/",
        "time=1/",
        "distance=2/",
        "region=1&thema=강변/",
        "region=1&time=1/&distance=2/&thema=강변/",
        "thema=강변/&finish=1",
    ];
    for feed in feeds {
        let listed = anonymous_ids(&app, &format!("/group/all?{feed}&page=1&size=6")).await;
        assert!(
            listed.contains(&id) && listed.contains(&kept),
            "{feed}: {listed:?}"
        );
    }
    assert_eq!(feed_entries(&app, &id).await.len(), 14);
    let reply = app
        .request(
            reqwest::Method::DELETE,
            &format!("/group/{id}"),
            Some(&format!("Bearer {host}")),
        )
        .await;
    assert_eq!(reply.json()["success"], true, "{}", reply.text);
    for feed in feeds {
        let listed = anonymous_ids(&app, &format!("/group/all?{feed}&page=1&size=6")).await;
        assert_eq!(
            listed,
            std::slice::from_ref(&kept),
            "{feed} after the delete"
        );
    }
    assert!(feed_entries(&app, &id).await.is_empty());
}

#[tokio::test]
async fn the_backfill_puts_the_feed_entries_of_runs_written_before_them() {
    let app = spawn_app().await;
    let mut all = Vec::new();
    for i in 0..24u32 {
        let thema = THEMAS[(i % 6) as usize];
        all.push(
            stored_run_as(
                &app,
                i,
                (i % 3) as u8,
                2 + i64::from(i % 5),
                (i * 5) % 24,
                thema,
                f64::from(i),
            )
            .await,
        );
    }
    // Runs as an older version wrote them: no entries.
    for group in &all {
        for entry in feed_entries(&app, &group.group_id).await {
            let key = |name: &str| entry.get(name).cloned().expect("key");
            app.app
                .db
                .client
                .delete_item()
                .table_name(&app.app.config.table_name)
                .key("PK", key("PK"))
                .key("SK", key("SK"))
                .send()
                .await
                .expect("delete entry");
        }
    }
    let filter = "region=1&thema=도시/산/&time=1/2/3/4/";
    assert!(
        anonymous_ids(&app, &format!("/group/all?{filter}"))
            .await
            .is_empty()
    );
    let written = app
        .app
        .db
        .backfill_feed_entries(None)
        .await
        .expect("backfill");
    assert_eq!(written, all.len());
    let now = app.app.clock.now();
    for filter in [filter, "distance=1/", "thema=트랙/&finish=1"] {
        assert_eq!(
            anonymous_ids(&app, &format!("/group/all?{filter}")).await,
            expected_ids(&all, filter, now),
            "{filter}"
        );
    }
    // Again: the same items.
    assert_eq!(
        app.app.db.backfill_feed_entries(None).await.expect("again"),
        all.len()
    );
    for group in &all {
        assert_eq!(feed_entries(&app, &group.group_id).await.len(), 14);
    }
}
