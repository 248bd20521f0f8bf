//! The defects of issue 12 (an attacker's probe of the local stack), one
//! test per defect, plus the paths the IAM coverage check (tests/iam) needs
//! exercised so that every grant in template.yaml is proven used.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use futures::future::join_all;
use reqwest::Method;
use serde_json::json;
use shared::store::keys;

use crate::course::{Part, send_multipart, set_profile};
use crate::helpers::{Reply, TestApp, spawn_app, spawn_app_with};
use crate::runs::{Run, create, hosted_run};

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

async fn scan(app: &TestApp) -> Vec<HashMap<String, AttributeValue>> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let out = app
            .app
            .db
            .client
            .scan()
            .table_name(&app.app.db.table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan");
        items.extend(out.items.unwrap_or_default());
        match out.last_evaluated_key {
            Some(k) if !k.is_empty() => start = Some(k),
            _ => return items,
        }
    }
}

async fn objects(app: &TestApp) -> Vec<String> {
    app.app
        .s3
        .list_objects_v2()
        .bucket(&app.app.config.image_bucket)
        .send()
        .await
        .expect("list")
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .collect()
}

async fn profile_item(app: &TestApp, user_id: &str) -> Option<HashMap<String, AttributeValue>> {
    let key = keys::user(user_id);
    app.app
        .db
        .client
        .get_item()
        .table_name(&app.app.db.table)
        .key("PK", AttributeValue::S(key.pk))
        .key("SK", AttributeValue::S(key.sk))
        .consistent_read(true)
        .send()
        .await
        .expect("get")
        .item
}

async fn manner_point(app: &TestApp, user_id: &str) -> String {
    profile_item(app, user_id)
        .await
        .and_then(|i| i.get("mannerPoint").and_then(|v| v.as_n().ok()).cloned())
        .expect("a manner point")
}

async fn set_manner_point(app: &TestApp, user_id: &str, point: i64) {
    let key = keys::user(user_id);
    app.app
        .db
        .client
        .update_item()
        .table_name(&app.app.db.table)
        .key("PK", AttributeValue::S(key.pk))
        .key("SK", AttributeValue::S(key.sk))
        .update_expression("SET mannerPoint = :p")
        .expression_attribute_values(":p", AttributeValue::N(point.to_string()))
        .send()
        .await
        .expect("set manner point");
}

async fn toggle_apply(app: &TestApp, group_id: &str, token: &str) -> Reply {
    app.post_json_auth(&format!("/group/{group_id}/apply"), token)
        .await
}

async fn evaluate(app: &TestApp, group_id: &str, token: &str, point: i64) -> Reply {
    app.send(
        app.http
            .patch(app.url(&format!("/group/evaluation/{group_id}")))
            .bearer_auth(token)
            .json(&json!({"point": point, "evaluationCategory": 2})),
    )
    .await
}

async fn comment(app: &TestApp, path: &str, token: &str, content: &str) -> Reply {
    app.send(
        app.http
            .post(app.url(path))
            .bearer_auth(token)
            .json(&json!({ "content": content })),
    )
    .await
}

async fn delete_account(app: &TestApp, token: &str) -> Reply {
    app.request(
        Method::DELETE,
        "/user/delete",
        Some(&format!("Bearer {token}")),
    )
    .await
}

fn start_of(app: &TestApp, run: &Run) -> chrono::DateTime<chrono::Utc> {
    let date = chrono::NaiveDate::parse_from_str(&run.date(app), "%Y-%m-%d").expect("date");
    let standby = run.field("standbyTime").expect("field");
    let time = chrono::NaiveTime::parse_from_str(&standby, "%H:%M").expect("time");
    shared::domain::group::start_instant(date, time)
}

// ---- 2. a deleted user's stub ----

#[tokio::test]
async fn evaluating_a_deleted_host_creates_no_partial_profile_and_the_run_still_reads() {
    let app = spawn_app().await;
    let run = Run::in_days(1, "07:00");
    let (id, host_id, host) = hosted_run(&app, "호스트", &run).await;
    let (_, runner) = app.login_as("러너").await;
    toggle_apply(&app, &id, &runner).await;
    comment(&app, &format!("/comment/group/{id}"), &host, "반가워요").await;
    // The run has started; the host leaves.
    app.set_clock(start_of(&app, &run) + chrono::Duration::seconds(3600))
        .await;
    assert_eq!(delete_account(&app, &host).await.status, 200);

    let reply = evaluate(&app, &id, &runner, 1).await;
    assert_eq!(reply.json()["success"], true, "{}", reply.text);
    assert!(
        profile_item(&app, &host_id).await.is_none(),
        "no partial USER#…/PROFILE"
    );

    // Even if such an item exists (written by an older version), readers survive it.
    let key = keys::user(&host_id);
    app.app
        .db
        .client
        .put_item()
        .table_name(&app.app.db.table)
        .item("PK", AttributeValue::S(key.pk))
        .item("SK", AttributeValue::S(key.sk))
        .item("eval8", AttributeValue::N("1".into()))
        .send()
        .await
        .expect("stub");
    let detail = app.get(&format!("/group/detail/{id}"), &runner).await;
    assert_eq!(detail.status, 200, "{}", detail.text);
    assert!(
        detail.json()["data"]["nickname"].is_null(),
        "{}",
        detail.text
    );
    let list = app.get(&format!("/comment/group/{id}"), &runner).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let written = comment(
        &app,
        &format!("/comment/group/{id}"),
        &runner,
        "잘 뛰었어요",
    )
    .await;
    assert_eq!(written.status, 200, "{}", written.text);
}

// ---- 3. unbounded inputs ----

#[tokio::test]
async fn text_longer_than_its_limit_is_refused_with_a_clear_400() {
    let app = spawn_app().await;
    let (id, _, host) = hosted_run(&app, "호스트", &Run::in_days(3, "07:00")).await;

    let long_comment = "가".repeat(41);
    let reply = comment(&app, &format!("/comment/group/{id}"), &host, &long_comment).await;
    assert_eq!(reply.error_message(), "댓글은 40자까지 입력할 수 있습니다");
    assert_eq!(
        comment(
            &app,
            &format!("/comment/group/{id}"),
            &host,
            &"가".repeat(40)
        )
        .await
        .status,
        200
    );

    let nickname = send_multipart(
        &app,
        Method::PATCH,
        "/auth/updateUser",
        &host,
        &[Part::Text("nickname", "아홉글자닉네임이야")],
    )
    .await;
    assert_eq!(
        nickname.error_message(),
        "닉네임은 8자까지 입력할 수 있습니다"
    );

    let (_, other) = app.login_as("다른호스트").await;
    let long_title = create(
        &app,
        &other,
        &Run::in_days(3, "08:00").set("title", &"달".repeat(101)),
    )
    .await;
    assert_eq!(
        long_title.error_message(),
        "제목은 100자까지 입력할 수 있습니다"
    );
    let long_speed = create(
        &app,
        &other,
        &Run::in_days(3, "08:00").set("speed", &"5".repeat(51)),
    )
    .await;
    assert_eq!(
        long_speed.error_message(),
        "페이스는 50자까지 입력할 수 있습니다"
    );

    let course = send_multipart(
        &app,
        Method::POST,
        "/course",
        &other,
        &[
            Part::Text("title", "바다 코스"),
            Part::Text("totalTime", "0h 30min"),
            Part::Text("distance", "5"),
            Part::Text("location", "제주특별자치도 제주시"),
            Part::Text("mapLatLng", r#"[{"lat":33.5,"lng":126.5}]"#),
            Part::Text("content", &"바".repeat(5001)),
            Part::Text("thema", "해변"),
            Part::File("courseImage", "a.png", "image/png", PNG),
        ],
    )
    .await;
    assert_eq!(
        course.error_message(),
        "내용은 5000자까지 입력할 수 있습니다"
    );
}

#[tokio::test]
async fn huge_page_and_size_values_answer_a_bounded_empty_page() {
    let app = spawn_app().await;
    hosted_run(&app, "호스트", &Run::in_days(3, "07:00")).await;
    let reply = app
        .request(
            Method::GET,
            "/group/all?page=18446744073709551615&size=18446744073709551615",
            Some("Bearer undefined"),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json()["data"], json!([]));
    assert!(
        reply.ddb_calls() <= 3,
        "no unbounded read: {}",
        reply.ddb_calls()
    );
    let big_size = app
        .request(
            Method::GET,
            "/group/all?page=1&size=1000000",
            Some("Bearer undefined"),
        )
        .await;
    assert_eq!(big_size.json()["data"].as_array().map(Vec::len), Some(1));
}

// ---- 4. manner point abuse ----

#[tokio::test]
async fn cancelling_and_reapplying_never_allows_a_second_evaluation() {
    let app = spawn_app().await;
    let (id, host_id, _) = hosted_run(&app, "호스트", &Run::in_days(1, "07:00")).await;
    let (_, runner) = app.login_as("러너").await;
    toggle_apply(&app, &id, &runner).await;
    assert_eq!(
        evaluate(&app, &id, &runner, -1).await.json()["success"],
        true
    );
    for _ in 0..3 {
        toggle_apply(&app, &id, &runner).await; // cancel
        toggle_apply(&app, &id, &runner).await; // apply again
        assert_eq!(
            evaluate(&app, &id, &runner, -1).await.error_message(),
            "이미 크루장 평가에 참여했습니다"
        );
    }
    assert_eq!(manner_point(&app, &host_id).await, "49");
}

// ---- 5. attendance with someone at 100 or gone ----

#[tokio::test]
async fn an_attendee_at_100_points_or_without_an_account_does_not_block_the_sheet() {
    let app = spawn_app().await;
    let run = Run::in_days(1, "07:00");
    let (id, _, host) = hosted_run(&app, "호스트", &run).await;
    let (top, top_token) = app.login_as("만점").await;
    let (gone, gone_token) = app.login_as("탈퇴").await;
    let (plain, plain_token) = app.login_as("보통").await;
    for token in [&top_token, &gone_token, &plain_token] {
        toggle_apply(&app, &id, token).await;
    }
    set_manner_point(&app, &top, 100).await;
    app.set_clock(start_of(&app, &run) + chrono::Duration::seconds(600))
        .await;
    assert_eq!(delete_account(&app, &gone_token).await.status, 200);

    let path = format!("/group/attendance/{id}");
    let sheet = app.get(&path, &host).await.json();
    let listed: Vec<String> = sheet["applyUser"]
        .as_array()
        .expect("list")
        .iter()
        .map(|u| u["userId"].as_str().expect("id").to_owned())
        .collect();
    let everyone: Vec<usize> = (0..listed.len()).collect();
    let done = app
        .send(
            app.http
                .patch(app.url(&path))
                .bearer_auth(&host)
                .json(&json!({ "attendance": everyone })),
        )
        .await;
    assert_eq!(
        done.json(),
        json!({"success": true, "message": "출석체크가 완료되었습니다."}),
        "{}",
        done.text
    );
    assert_eq!(manner_point(&app, &top).await, "100", "clamped");
    assert_eq!(manner_point(&app, &plain).await, "51");
    assert!(profile_item(&app, &gone).await.is_none(), "no stub");
}

// ---- 6. ghost members ----

#[tokio::test]
async fn applications_racing_an_account_deletion_leave_no_membership() {
    let app = spawn_app().await;
    let mut runs = Vec::new();
    for i in 0..6 {
        let (id, _, _) = hosted_run(&app, &format!("호스트{i}"), &Run::in_days(3, "07:00")).await;
        runs.push(id);
    }
    let (leaver, token) = app.login_as("떠날사람").await;
    let applies = join_all(runs.iter().map(|id| toggle_apply(&app, id, &token)));
    let deletion = async {
        tokio::time::sleep(std::time::Duration::from_millis(15)).await;
        delete_account(&app, &token).await
    };
    let (_, deleted) = tokio::join!(applies, deletion);
    assert_eq!(deleted.status, 200, "{}", deleted.text);
    let ghosts: Vec<_> = scan(&app)
        .await
        .into_iter()
        .filter(|i| {
            i.get("type")
                .and_then(|v| v.as_s().ok())
                .is_some_and(|t| t == "Apply")
        })
        .filter(|i| i.get("userId").and_then(|v| v.as_s().ok()) == Some(&leaver))
        .collect();
    assert!(ghosts.is_empty(), "memberships survived: {ghosts:?}");
    for id in &runs {
        let count = app.app.db.apply_count(id).await.expect("count");
        assert_eq!(count, 1, "only the host is left in {id}");
    }
}

// ---- 7. orphans ----

#[tokio::test]
async fn a_refused_course_create_or_edit_leaves_no_object_behind() {
    let app = spawn_app().await;
    let (_, token) = app.login_as("작성자").await;
    let long = "바".repeat(5001);
    let fields = |content: &str| -> Vec<(&'static str, String)> {
        vec![
            ("title", "바다 코스".into()),
            ("totalTime", "0h 30min".into()),
            ("distance", "5".into()),
            ("location", "제주특별자치도 제주시".into()),
            ("mapLatLng", r#"[{"lat":33.5,"lng":126.5}]"#.into()),
            ("content", content.to_owned()),
            ("thema", "해변".into()),
        ]
    };
    fn parts<'a>(fields: &'a [(&'static str, String)]) -> Vec<Part<'a>> {
        let mut parts: Vec<Part> = fields.iter().map(|(k, v)| Part::Text(k, v)).collect();
        parts.push(Part::File("courseImage", "a.png", "image/png", PNG));
        parts
    }
    let bad = fields(&long);
    let refused = send_multipart(&app, Method::POST, "/course", &token, &parts(&bad)).await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(objects(&app).await, Vec::<String>::new());

    let good = fields("좋은 코스");
    let created = send_multipart(&app, Method::POST, "/course", &token, &parts(&good)).await;
    assert_eq!(created.json()["success"], true, "{}", created.text);
    let before = objects(&app).await;
    assert_eq!(before.len(), 1);
    let user = app.app.tokens.verify(&token, 0).expect("token").user_id;
    let course_id = app.app.db.courses_by_author(&user).await.expect("mine")[0]
        .course_id
        .clone();
    let refused_edit = send_multipart(
        &app,
        Method::PATCH,
        &format!("/course/{course_id}"),
        &token,
        &parts(&bad),
    )
    .await;
    assert_eq!(refused_edit.status, 400, "{}", refused_edit.text);
    assert_eq!(objects(&app).await, before);
}

// ---- 8. contract details ----

#[tokio::test]
async fn a_form_urlencoded_body_is_read_like_json() {
    let app = spawn_app().await;
    let (id, _, host) = hosted_run(&app, "호스트", &Run::in_days(3, "07:00")).await;
    let reply = app
        .send(
            app.http
                .post(app.url(&format!("/comment/group/{id}")))
                .bearer_auth(&host)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("content=%EB%B0%98%EA%B0%80%EC%9B%8C%EC%9A%94"),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let list = app.get(&format!("/comment/group/{id}"), &host).await.json();
    assert_eq!(list["data"][0]["content"], "반가워요", "{list}");
}

#[tokio::test]
async fn an_id_too_long_for_a_key_answers_the_routes_not_found_message() {
    let app = spawn_app().await;
    let (_, token) = app.login_as("러너").await;
    let long = "x".repeat(3000);
    assert_eq!(
        app.get(&format!("/comment/group/{long}"), &token)
            .await
            .error_message(),
        "해당 게시물이 존재하지 않습니다"
    );
    assert_eq!(
        app.get(&format!("/course/detail/{long}"), &token)
            .await
            .error_message(),
        "코스추천 게시글 불러오기를 실패하였습니다",
        "the course detail's own answer for a missing course"
    );
    assert_eq!(
        app.get(&format!("/group/detail/{long}"), &token)
            .await
            .error_message(),
        "해당 게시물이 존재하지 않습니다"
    );
    // A user id in the query names no user either: the route's unknown-user answer.
    assert_eq!(
        app.get(&format!("/group/mypage?userId={long}"), &token)
            .await
            .error_message(),
        "잘못된 유저입니다"
    );
}

#[tokio::test]
async fn the_course_lists_name_the_sejong_region_as_the_contract_does() {
    let app = spawn_app().await;
    let (viewer_id, viewer) = app.login_as("세종러너").await;
    set_profile(&app, &viewer_id, "likeLocation", "5").await;
    let list = app
        .get("/course/all?region=0&sort=new&page=1&size=6", &viewer)
        .await;
    assert_eq!(list.json()["preferData"], "충청도/세종특별시/대전광역시");
}

// ---- 9. pending SMS codes ----

#[tokio::test]
async fn a_pending_sms_code_leaves_no_phone_number_in_the_table() {
    let sens = functions::local::fakes::sens::FakeSens::start("ncp:sms:kr:1:erun", "a", "s")
        .await
        .expect("fake sens");
    let app = spawn_app_with(|c| {
        sens.configure(&mut c.external);
        c.external.phone_key = Some([9; 32]);
    })
    .await;
    let (_, token) = app.login_as("문자").await;
    let sent = app
        .send(
            app.http
                .post(app.url("/user/message"))
                .bearer_auth(&token)
                .json(&json!({"tel": "010-2468-1357"})),
        )
        .await;
    assert_eq!(sent.json()["success"], true, "{}", sent.text);
    let dump = format!("{:?}", scan(&app).await);
    for needle in ["24681357", "2468-1357", "01024681357"] {
        assert!(!dump.contains(needle), "{needle} is stored: {dump}");
    }
    let code = sens.messages().last().and_then(|m| m.code()).expect("code");
    let verified = app
        .send(
            app.http
                .post(app.url("/user/verify"))
                .bearer_auth(&token)
                .json(&json!({"tel": "010-2468-1357", "code": code})),
        )
        .await;
    assert_eq!(verified.json()["success"], true, "{}", verified.text);
}

// ---- paths the IAM coverage check needs exercised ----

#[tokio::test]
async fn lists_that_take_a_login_refresh_an_expired_access_token() {
    let app = spawn_app().await;
    let (user_id, _) = app.login_as("새로고침").await;
    let now = app.app.clock.now().timestamp();
    let access = app.app.tokens.access_token(&user_id, now).expect("access");
    let refresh = app
        .app
        .tokens
        .refresh_token(&user_id, now)
        .expect("refresh");
    app.app
        .db
        .put_refresh_token(&user_id, crate::helpers::USER_AGENT, &refresh, now + 86_400)
        .await
        .expect("store refresh token");
    app.shift_clock(4 * 3600).await;
    for path in [
        "/group/main".to_owned(),
        format!("/group/mypage?userId={user_id}"),
        format!("/group/complete?userId={user_id}"),
        "/group/nonsense".to_owned(),
    ] {
        let reply = app
            .send(
                app.http
                    .get(app.url(&path))
                    .bearer_auth(&access)
                    .header("reAuthorization", format!("Bearer {refresh}")),
            )
            .await;
        assert_eq!(reply.status, 401, "{path}: {}", reply.text);
        assert_eq!(reply.json()["message"], "token 만료", "{path}");
    }
}

#[tokio::test]
async fn a_throttled_run_creation_leaves_no_uploaded_thumbnail() {
    let app = spawn_app().await;
    let (_, token) = app.login_as("호스트").await;
    let first = create(&app, &token, &Run::in_days(3, "07:00").images(1)).await;
    assert_eq!(first.json()["success"], true, "{}", first.text);
    let stored = objects(&app).await;
    let again = create(&app, &token, &Run::in_days(3, "08:00").images(2)).await;
    assert_eq!(
        again.error_message(),
        "짧은시간내에 연속으로 글을 작성할 수 없습니다"
    );
    assert_eq!(objects(&app).await, stored);
}

#[tokio::test]
async fn deleting_an_account_deletes_the_images_of_its_future_runs() {
    let app = spawn_app().await;
    let (_, token) = app.login_as("호스트").await;
    let created = create(&app, &token, &Run::in_days(3, "07:00").images(1)).await;
    assert_eq!(created.json()["success"], true, "{}", created.text);
    assert_eq!(objects(&app).await.len(), 1);
    assert_eq!(delete_account(&app, &token).await.status, 200);
    assert_eq!(objects(&app).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_comment_with_more_replies_than_a_transaction_holds_is_deleted_whole() {
    let app = spawn_app().await;
    let (id, _, host) = hosted_run(&app, "호스트", &Run::in_days(3, "07:00")).await;
    comment(&app, &format!("/comment/group/{id}"), &host, "원댓글").await;
    let list = app.get(&format!("/comment/group/{id}"), &host).await.json();
    let comment_id = list["data"][0]["commentId"]
        .as_str()
        .expect("comment id")
        .to_owned();
    for i in 0..96 {
        let reply = comment(
            &app,
            &format!("/recomment/{comment_id}"),
            &host,
            &format!("답글 {i}"),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
    let deleted = app
        .request(
            Method::DELETE,
            &format!("/comment/{comment_id}"),
            Some(&format!("Bearer {host}")),
        )
        .await;
    assert_eq!(deleted.json()["success"], true, "{}", deleted.text);
    let left: Vec<_> = scan(&app)
        .await
        .into_iter()
        .filter(|i| {
            i.get("type")
                .and_then(|v| v.as_s().ok())
                .is_some_and(|t| t == "Reply" || t == "Comment")
        })
        .collect();
    assert!(left.is_empty(), "{} left", left.len());
}
