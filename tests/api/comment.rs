//! `/comment` and `/recomment` routes (comments.md; original-tests.md §3.5, §3.6).

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};
use shared::store::keys;

use crate::course::{create_course, meta_number, patch_json, send, set_profile};
use crate::helpers::{Reply, TestApp, spawn_app};

const TOKEN_PROBLEM: &str = "token에 문제가 있음(기한만료가 아닌 에러)";

/// Seeds a run item directly (the /group routes belong to another issue):
/// just what comments read of a run.
pub async fn seed_run(app: &TestApp, host_id: &str, title: &str) -> String {
    let group_id = uuid::Uuid::new_v4().to_string();
    let key = keys::group(&group_id);
    let item = json!({
        "PK": key.pk, "SK": key.sk, "type": "Group",
        "groupId": group_id, "userId": host_id, "title": title,
    });
    app.app
        .db
        .client
        .put_item()
        .table_name(&app.app.config.table_name)
        .set_item(Some(serde_dynamo::to_item(item).expect("item")))
        .send()
        .await
        .expect("seed run");
    group_id
}

pub async fn post(app: &TestApp, path: &str, token: &str, body: &Value) -> Reply {
    app.send(
        app.http
            .post(app.url(path))
            .header("authorization", format!("Bearer {token}"))
            .json(body),
    )
    .await
}

#[tokio::test]
async fn comments_on_a_run_follow_the_original_suite() {
    let app = spawn_app().await;
    let (me_id, me) = app.login_as("오지우").await;
    let (_, other) = app.login_as("현준").await;
    let run = seed_run(&app, &me_id, "역따라 달려보자!").await;
    let hi = json!({ "content": "hi" });

    // 1-1, 1-2, 1-3
    let bad = post(&app, &format!("/comment/ererer/{run}"), &me, &hi).await;
    assert_eq!(bad.error_message(), "불러오기 상태값이 올바르지 않습니다");
    let bad_token = post(&app, &format!("/comment/group/{run}"), "tatata", &hi).await;
    assert_eq!(bad_token.error_message(), TOKEN_PROBLEM);
    let empty = post(
        &app,
        &format!("/comment/group/{run}"),
        &me,
        &json!({ "content": "" }),
    )
    .await;
    assert_eq!(empty.error_message(), "댓글은 반드시 입력해주셔야 합니다");
    let no_post = post(&app, "/comment/group/aaaa", &me, &hi).await;
    assert_eq!(no_post.error_message(), "댓글 등록을 실패했습니다");
    let created = post(&app, &format!("/comment/group/{run}"), &me, &hi)
        .await
        .json();
    assert_eq!(created["success"], true);
    let item = &created["data"][0];
    assert_eq!(item["groupId"], run.as_str());
    assert_eq!(item["courseId"], Value::Null);
    assert_eq!(item["content"], "hi");
    assert_eq!(item["createdAt"], "방금 전");
    assert_eq!(item["recommentCount"], 0);
    assert_eq!(
        item["user"],
        json!({ "userId": me_id, "nickname": "오지우", "profileUrl": item["user"]["profileUrl"], "userLevel": null })
    );
    let comment_id = item["commentId"].as_str().expect("id").to_owned();

    // 2-1 … 2-5
    let bad = app.get(&format!("/comment/ererer/{run}"), &me).await;
    assert_eq!(bad.error_message(), "불러오기 상태값이 올바르지 않습니다");
    let bad_token = app.get(&format!("/comment/group/{run}"), "tatata").await;
    assert_eq!(bad_token.error_message(), TOKEN_PROBLEM);
    let missing = app.get("/comment/group/aaaa", &me).await;
    assert_eq!(missing.error_message(), "해당 게시물이 존재하지 않습니다");
    let anonymous = app
        .request(
            reqwest::Method::GET,
            &format!("/comment/group/{run}"),
            Some("Bearer undefined"),
        )
        .await;
    assert_eq!(anonymous.json()["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        app.get(&format!("/comment/group/{run}"), &me).await.json()["success"],
        true
    );

    // 3-1 … 3-3
    let edit = json!({ "content": "수정" });
    let missing = patch_json(&app, &format!("/comment/{comment_id}123"), &me, &edit).await;
    assert_eq!(missing.error_message(), "해당 댓글이 존재하지 않습니다");
    let not_mine = patch_json(&app, &format!("/comment/{comment_id}"), &other, &edit).await;
    assert_eq!(
        not_mine.error_message(),
        "본인이 작성한 댓글만 수정할 수 있습니다"
    );
    let anonymous = patch_json(&app, &format!("/comment/{comment_id}"), "undefined", &edit).await;
    assert_eq!(anonymous.error_message(), TOKEN_PROBLEM);
    let edited = patch_json(&app, &format!("/comment/{comment_id}"), &me, &edit)
        .await
        .json();
    assert_eq!(edited["message"], "댓글 수정에 성공하였습니다");
    assert_eq!(edited["data"][0]["content"], "수정");

    // 4-1 … 4-3
    let missing = send(
        &app,
        reqwest::Method::DELETE,
        &format!("/comment/{comment_id}123"),
        &me,
    )
    .await;
    assert_eq!(missing.error_message(), "해당 댓글이 존재하지 않습니다");
    let not_mine = send(
        &app,
        reqwest::Method::DELETE,
        &format!("/comment/{comment_id}"),
        &other,
    )
    .await;
    assert_eq!(
        not_mine.error_message(),
        "본인이 작성한 댓글만 삭제할 수 있습니다"
    );
    let deleted = send(
        &app,
        reqwest::Method::DELETE,
        &format!("/comment/{comment_id}"),
        &me,
    )
    .await;
    assert_eq!(
        deleted.json(),
        json!({ "success": true, "message": "댓글 삭제에 성공하였습니다" })
    );
    assert_eq!(
        app.get(&format!("/comment/group/{run}"), &me).await.json()["data"],
        json!([])
    );
}

#[tokio::test]
async fn replies_follow_the_original_suite_and_list_the_whole_post() {
    let app = spawn_app().await;
    let (me_id, me) = app.login_as("오지우").await;
    let (_, other) = app.login_as("현준").await;
    let run = seed_run(&app, &me_id, "역따라 달려보자!").await;
    let first = post(
        &app,
        &format!("/comment/group/{run}"),
        &me,
        &json!({ "content": "테스트" }),
    )
    .await
    .json()["data"][0]["commentId"]
        .as_str()
        .expect("id")
        .to_owned();
    let second = post(
        &app,
        &format!("/comment/group/{run}"),
        &other,
        &json!({ "content": "둘째" }),
    )
    .await
    .json()["data"][1]["commentId"]
        .as_str()
        .expect("id")
        .to_owned();

    // 1-1, 1-2
    let created = post(
        &app,
        &format!("/recomment/{first}"),
        &me,
        &json!({ "content": "대댓글입니다." }),
    )
    .await
    .json();
    assert_eq!(created["data"][0]["user"]["nickname"], "오지우");
    assert!(created["data"][0].get("isEdit").is_none());
    let recomment_id = created["data"][0]["recommentId"]
        .as_str()
        .expect("id")
        .to_owned();
    let missing = post(
        &app,
        &format!("/recomment/{first}123"),
        &me,
        &json!({ "content": "x" }),
    )
    .await;
    assert_eq!(missing.error_message(), "해당 댓글이 존재하지 않습니다");
    let empty = post(
        &app,
        &format!("/recomment/{first}"),
        &me,
        &json!({ "content": null }),
    )
    .await;
    assert_eq!(empty.error_message(), "대댓글은 반드시 입력해주셔야 합니다");
    post(
        &app,
        &format!("/recomment/{second}"),
        &other,
        &json!({ "content": 42 }),
    )
    .await;

    // 2-1, 2-2: no auth at all; every reply of the post, oldest first.
    let listed = app
        .request(reqwest::Method::GET, &format!("/recomment/{second}"), None)
        .await;
    let data = listed.json()["data"].clone();
    assert_eq!(data[0]["user"]["nickname"], "오지우");
    assert_eq!(data[0]["isEdit"], false);
    assert_eq!(data[1]["content"], "42");
    assert_eq!(data[1]["commentId"], second.as_str());
    assert!(listed.ddb_calls() <= 3, "{}", listed.ddb_calls());
    let broken_auth = app
        .request(
            reqwest::Method::GET,
            &format!("/recomment/{first}"),
            Some("Bearer tatata"),
        )
        .await;
    assert_eq!(broken_auth.status, 200);
    let missing = app
        .request(
            reqwest::Method::GET,
            &format!("/recomment/{first}123"),
            None,
        )
        .await;
    assert_eq!(missing.error_message(), "해당 댓글이 존재하지 않습니다");
    let counts = app.get(&format!("/comment/group/{run}"), &me).await.json();
    assert_eq!(counts["data"][0]["recommentCount"], 1);
    assert_eq!(counts["data"][1]["recommentCount"], 1);

    // 3-1 … 3-3
    let missing = patch_json(
        &app,
        &format!("/recomment/{recomment_id}123"),
        &me,
        &json!({ "content": "x" }),
    )
    .await;
    assert_eq!(missing.error_message(), "해당 대댓글이 존재하지 않습니다");
    let not_mine = patch_json(
        &app,
        &format!("/recomment/{recomment_id}"),
        &other,
        &json!({ "content": "다른사람이에요" }),
    )
    .await;
    assert_eq!(
        not_mine.error_message(),
        "본인이 작성한 대댓글만 수정할 수 있습니다"
    );
    let edited = patch_json(
        &app,
        &format!("/recomment/{recomment_id}"),
        &me,
        &json!({ "content": "본인입니다." }),
    )
    .await
    .json();
    assert_eq!(edited["message"], "대댓글 수정에 성공하였습니다");
    assert_eq!(edited["data"][0]["content"], "본인입니다.");
    assert_eq!(edited["data"][0]["userId"], me_id.as_str());

    // 4-1 … 4-3
    let missing = send(
        &app,
        reqwest::Method::DELETE,
        &format!("/recomment/{recomment_id}123"),
        &me,
    )
    .await;
    assert_eq!(missing.error_message(), "해당 대댓글이 존재하지 않습니다");
    let not_mine = send(
        &app,
        reqwest::Method::DELETE,
        &format!("/recomment/{recomment_id}"),
        &other,
    )
    .await;
    assert_eq!(
        not_mine.error_message(),
        "본인이 작성한 대댓글만 삭제할 수 있습니다"
    );
    let deleted = send(
        &app,
        reqwest::Method::DELETE,
        &format!("/recomment/{recomment_id}"),
        &me,
    )
    .await;
    assert_eq!(deleted.json()["message"], "대댓글 삭제에 성공하였습니다");
    let counts = app.get(&format!("/comment/group/{run}"), &me).await.json();
    assert_eq!(counts["data"][0]["recommentCount"], 0);
}

#[tokio::test]
async fn deleting_a_comment_removes_its_replies_and_the_course_comment_count() {
    let app = spawn_app().await;
    let (_, author) = app.login_as("author").await;
    let (_, fan) = app.login_as("fan").await;
    let course = create_course(&app, &author, "댓글 코스", "서울 강남구").await;
    let listed = post(
        &app,
        &format!("/comment/course/{course}"),
        &fan,
        &json!({ "content": "첫 댓글" }),
    )
    .await
    .json();
    assert_eq!(listed["data"][0]["courseId"], course.as_str());
    assert_eq!(listed["data"][0]["groupId"], Value::Null);
    let keep = post(
        &app,
        &format!("/comment/course/{course}"),
        &author,
        &json!({ "content": "둘째" }),
    )
    .await
    .json()["data"][1]["commentId"]
        .as_str()
        .expect("id")
        .to_owned();
    let doomed = listed["data"][0]["commentId"]
        .as_str()
        .expect("id")
        .to_owned();
    for text in ["a", "b", "c"] {
        post(
            &app,
            &format!("/recomment/{doomed}"),
            &author,
            &json!({ "content": text }),
        )
        .await;
    }
    post(
        &app,
        &format!("/recomment/{keep}"),
        &fan,
        &json!({ "content": "남는 답글" }),
    )
    .await;
    assert_eq!(meta_number(&app, &course, "commentCount").await, 2);

    // The course owner may not delete someone else's comment.
    let refused = send(
        &app,
        reqwest::Method::DELETE,
        &format!("/comment/{doomed}"),
        &author,
    )
    .await;
    assert_eq!(
        refused.error_message(),
        "본인이 작성한 댓글만 삭제할 수 있습니다"
    );
    send(
        &app,
        reqwest::Method::DELETE,
        &format!("/comment/{doomed}"),
        &fan,
    )
    .await;

    assert_eq!(meta_number(&app, &course, "commentCount").await, 1);
    let replies = app
        .app
        .db
        .replies(keys::PostKind::Course, &course)
        .await
        .expect("replies");
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].comment_id, keep);
    let feed = app.get("/course/main", &author).await.json();
    assert_eq!(feed["data"]["feed"][0]["commentCnt"], 1);
}

#[tokio::test]
async fn authors_are_joined_at_read_time_and_lists_take_two_round_trips() {
    let app = spawn_app().await;
    let (host_id, host) = app.login_as("host").await;
    let run = seed_run(&app, &host_id, "한강 아침 러닝").await;
    let mut writers = Vec::new();
    for i in 0..8 {
        writers.push(app.login_as(&format!("w{i}")).await);
    }
    for round in 0..3 {
        for (_, token) in &writers {
            post(
                &app,
                &format!("/comment/group/{run}"),
                token,
                &json!({ "content": format!("{round}") }),
            )
            .await;
        }
    }
    let anonymous = app
        .request(
            reqwest::Method::GET,
            &format!("/comment/group/{run}"),
            Some("Bearer undefined"),
        )
        .await;
    assert_eq!(anonymous.json()["data"].as_array().map(Vec::len), Some(24));
    assert_eq!(
        anonymous.ddb_calls(),
        2,
        "one Query + one BatchGetItem whatever the size"
    );

    // Renamed: the new nickname shows. Deleted: a placeholder, never a failure.
    set_profile(&app, &writers[0].0, "nickname", "새이름").await;
    let gone = keys::user(&writers[1].0);
    app.app
        .db
        .client
        .delete_item()
        .table_name(&app.app.config.table_name)
        .key("PK", AttributeValue::S(gone.pk))
        .key("SK", AttributeValue::S(gone.sk))
        .send()
        .await
        .expect("delete user");
    let list = app
        .get(&format!("/comment/group/{run}"), &host)
        .await
        .json();
    assert_eq!(list["data"][0]["user"]["nickname"], "새이름");
    assert_eq!(list["data"][1]["user"]["nickname"], "알 수 없음");
    assert_eq!(list["data"][1]["user"]["profileUrl"], "");
    // Oldest first.
    let contents: Vec<&str> = list["data"]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["content"].as_str().expect("c"))
        .collect();
    assert_eq!(
        &contents[..9],
        ["0", "0", "0", "0", "0", "0", "0", "0", "1"]
    );
}

#[tokio::test]
async fn an_expired_token_gets_the_refresh_path_not_the_route() {
    let app = spawn_app().await;
    let (user_id, _) = app.login_as("runner").await;
    let run = seed_run(&app, &user_id, "run").await;
    let now = app.app.clock.now().timestamp();
    let expired = app
        .app
        .tokens
        .access_token(&user_id, now - 4 * 3600)
        .expect("token");
    let reply = post(
        &app,
        &format!("/comment/group/{run}"),
        &expired,
        &json!({ "content": "hi" }),
    )
    .await;
    assert_eq!(
        reply.error_message(),
        "reAuthorization 값이 존재하지 않습니다."
    );
    let reply = app.get(&format!("/comment/group/{run}"), &expired).await;
    assert_eq!(
        reply.error_message(),
        "reAuthorization 값이 존재하지 않습니다."
    );
    assert!(
        app.app
            .db
            .comments(keys::PostKind::Group, &run)
            .await
            .expect("q")
            .is_empty()
    );
}
