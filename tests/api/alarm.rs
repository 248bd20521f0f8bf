//! `/alarm` routes and the alarms comments and replies write (alarms.md).

use serde_json::json;
use shared::domain::alarm::{Alarm, category};
use shared::time::instant_key;

use crate::comment::{post, seed_run};
use crate::course::{create_course, send};
use crate::helpers::spawn_app;

#[tokio::test]
async fn comment_and_reply_alarms_reach_the_post_owner_but_never_the_actor() {
    let app = spawn_app().await;
    let (host_id, host) = app.login_as("host").await;
    let (_, guest) = app.login_as("guest").await;
    let run = seed_run(&app, &host_id, "한강 아침 러닝").await;
    let course = create_course(&app, &host, "제주 코스", "제주특별자치도 제주시").await;

    post(
        &app,
        &format!("/comment/group/{run}"),
        &host,
        &json!({ "content": "주인 댓글" }),
    )
    .await;
    let listed = post(
        &app,
        &format!("/comment/group/{run}"),
        &guest,
        &json!({ "content": "저도 참여하고 싶어요!" }),
    )
    .await
    .json();
    let guest_comment = listed["data"][1]["commentId"]
        .as_str()
        .expect("id")
        .to_owned();
    post(
        &app,
        &format!("/recomment/{guest_comment}"),
        &host,
        &json!({ "content": "환영해요" }),
    )
    .await;
    post(
        &app,
        &format!("/recomment/{guest_comment}"),
        &guest,
        &json!({ "content": "감사해요" }),
    )
    .await;
    post(
        &app,
        &format!("/comment/course/{course}"),
        &guest,
        &json!({ "content": "좋아요" }),
    )
    .await;
    // A run alarm written by the /group routes renders too.
    let update = Alarm::for_group(
        category::UPDATE,
        &host_id,
        &run,
        "한강 아침 러닝",
        &instant_key(app.app.clock.now()),
    );
    app.app.db.put_alarms(&[update]).await.expect("alarm");

    let guest_alarms = app.get("/alarm", &guest).await.json();
    assert_eq!(
        guest_alarms,
        json!({ "success": true, "count": 0, "unreadCount": 0, "data": [] })
    );

    let reply = app.get("/alarm", &host).await;
    assert_eq!(reply.ddb_calls(), 3, "auth + one Query + one BatchGetItem");
    let body = reply.json();
    assert_eq!(body["count"], 4);
    assert_eq!(body["unreadCount"], 4);
    let data = body["data"].as_array().expect("data");
    let categories: Vec<&str> = data
        .iter()
        .map(|a| a["category"].as_str().expect("c"))
        .collect();
    assert_eq!(
        categories,
        ["update", "comment", "recomment", "comment"],
        "newest first"
    );
    let recomment = &data[2];
    assert_eq!(recomment["groupId"], run.as_str());
    assert_eq!(recomment["groupTitle"], "한강 아침 러닝");
    assert_eq!(recomment["commentId"], guest_comment.as_str());
    assert_eq!(recomment["commentContent"], "저도 참여하고 싶어요!");
    assert_eq!(recomment["nickname"], "host");
    assert_eq!(recomment["check"], false);
    assert_eq!(recomment["createdAt"], "방금 전");
    let course_alarm = &data[1];
    assert_eq!(course_alarm["courseId"], course.as_str());
    assert_eq!(course_alarm["courseTitle"], "제주 코스");
    assert_eq!(course_alarm["groupId"], serde_json::Value::Null);
    assert!(course_alarm.get("commentContent").is_none());
    assert!(data[0].get("commentContent").is_none());
    assert!(data[0].get("userId").is_none() && data[0].get("sendPhone").is_none());

    // The parent comment is deleted: the alarm stays, its text becomes null.
    send(
        &app,
        reqwest::Method::DELETE,
        &format!("/comment/{guest_comment}"),
        &guest,
    )
    .await;
    let after = app.get("/alarm", &host).await.json();
    assert_eq!(after["data"][2]["commentContent"], serde_json::Value::Null);

    let read = send(&app, reqwest::Method::PATCH, "/alarm", &host).await;
    assert_eq!(
        read.json(),
        json!({ "success": true, "message": "새 알람 모두 읽기에 성공했습니다" })
    );
    let after = app.get("/alarm", &host).await.json();
    assert_eq!(after["unreadCount"], 0);
    assert_eq!(after["count"], 4);
    assert_eq!(after["data"][0]["check"], true);
}

#[tokio::test]
async fn anonymous_alarm_requests_fail_with_the_contract_messages() {
    let app = spawn_app().await;
    let list = app
        .request(reqwest::Method::GET, "/alarm", Some("Bearer undefined"))
        .await;
    assert_eq!(list.error_message(), "알람 불러오기에 실패하였습니다");
    let read = app
        .request(reqwest::Method::PATCH, "/alarm", Some("Bearer undefined"))
        .await;
    assert_eq!(read.error_message(), "새 알람 모두 읽기에 실패했습니다");
    let missing = app.request(reqwest::Method::GET, "/alarm", None).await;
    assert_eq!(
        missing.error_message(),
        "token에 문제가 있음(기한만료가 아닌 에러)"
    );
}
