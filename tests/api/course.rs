//! `/course` routes (courses.md; original-tests.md §3.4).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use futures::future::join_all;
use serde_json::{Value, json};
use shared::store::keys;

use crate::helpers::{Reply, TestApp, spawn_app};

pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01";
const LIST_FAILED: &str = "코스 추천 게시물 불러오기 실패하였습니다";
const NOT_FOUND: &str = "해당 게시물이 존재하지 않습니다";
const TOKEN_PROBLEM: &str = "token에 문제가 있음(기한만료가 아닌 에러)";

pub enum Part<'a> {
    Text(&'a str, &'a str),
    File(&'a str, &'a str, &'a str, &'a [u8]),
}

/// A `multipart/form-data` request body and its content type.
pub fn multipart(parts: &[Part]) -> (String, Vec<u8>) {
    let boundary = "erunTestBoundary";
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match part {
            Part::Text(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}")
                        .as_bytes(),
                );
            }
            Part::File(name, file, mime, bytes) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: {mime}\r\n\r\n")
                        .as_bytes(),
                );
                body.extend_from_slice(bytes);
            }
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub async fn send_multipart(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    parts: &[Part<'_>],
) -> Reply {
    let (content_type, body) = multipart(parts);
    app.send(
        app.http
            .request(method, app.url(path))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", content_type)
            .body(body),
    )
    .await
}

fn course_fields<'a>(title: &'a str, location: &'a str) -> Vec<Part<'a>> {
    vec![
        Part::Text("title", title),
        Part::Text("totalTime", "0h 30min"),
        Part::Text("distance", "5.05"),
        Part::Text("location", location),
        Part::Text(
            "mapLatLng",
            r#"[{"lat":33.52,"lng":126.57},{"lat":33.53,"lng":126.58}]"#,
        ),
        Part::Text("content", "함께 바다 보며 뛰어요!"),
        Part::Text("thema", "해변"),
        Part::Text("parking", "공영주차장"),
        Part::Text("baggage", ""),
    ]
}

/// Creates a course through the API and returns its id.
pub async fn create_course(app: &TestApp, token: &str, title: &str, location: &str) -> String {
    let mut parts = course_fields(title, location);
    parts.push(Part::File("courseImage", "run.png", "image/png", PNG));
    let reply = send_multipart(app, reqwest::Method::POST, "/course", token, &parts).await;
    assert_eq!(
        reply.json(),
        json!({ "success": true, "message": "게시물 등록에 성공하였습니다" })
    );
    let user = app.app.tokens.verify(token, 0).expect("token").user_id;
    let mine = app.app.db.courses_by_author(&user).await.expect("courses");
    mine.into_iter()
        .find(|c| c.title == title)
        .expect("the course is stored")
        .course_id
}

pub async fn patch_json(app: &TestApp, path: &str, token: &str, body: &Value) -> Reply {
    app.send(
        app.http
            .patch(app.url(path))
            .header("authorization", format!("Bearer {token}"))
            .json(body),
    )
    .await
}

pub async fn send(app: &TestApp, method: reqwest::Method, path: &str, token: &str) -> Reply {
    app.request(method, path, Some(&format!("Bearer {token}")))
        .await
}

/// Every item of one partition, raw.
pub async fn partition(app: &TestApp, pk: &str) -> Vec<HashMap<String, AttributeValue>> {
    app.app
        .db
        .client
        .query()
        .table_name(&app.app.config.table_name)
        .key_condition_expression("PK = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(pk.to_owned()))
        .consistent_read(true)
        .send()
        .await
        .expect("query")
        .items
        .unwrap_or_default()
}

pub async fn meta_number(app: &TestApp, course_id: &str, name: &str) -> i64 {
    let item = partition(app, &keys::course_pk(course_id))
        .await
        .into_iter()
        .find(|i| i.get("SK") == Some(&AttributeValue::S("META".into())))
        .expect("META");
    match item.get(name) {
        Some(AttributeValue::N(n)) => n.parse().expect("number"),
        _ => 0,
    }
}

/// Sets a profile attribute directly (the profile routes belong to another issue).
pub async fn set_profile(app: &TestApp, user_id: &str, name: &str, value: &str) {
    let key = keys::user(user_id);
    app.app
        .db
        .client
        .update_item()
        .table_name(&app.app.config.table_name)
        .key("PK", AttributeValue::S(key.pk))
        .key("SK", AttributeValue::S(key.sk))
        .update_expression("SET #n = :v")
        .expression_attribute_names("#n", name)
        .expression_attribute_values(":v", AttributeValue::S(value.to_owned()))
        .send()
        .await
        .expect("update profile");
}

#[tokio::test]
async fn creating_a_course_checks_auth_files_and_fields_in_the_contract_order() {
    let app = spawn_app().await;
    let (user_id, token) = app.login_as("writer").await;
    let post = |token: String, parts: Vec<Part<'static>>| {
        let app = &app;
        async move { send_multipart(app, reqwest::Method::POST, "/course", &token, &parts).await }
    };
    let with_image = |mut parts: Vec<Part<'static>>| {
        parts.push(Part::File("courseImage", "a.png", "image/png", PNG));
        parts
    };
    let fields = || {
        course_fields(
            "제주 바다보며 뛰어요!",
            "제주특별자치도 제주시 삼양삼동 2658-1",
        )
    };

    let anonymous = post("undefined".into(), with_image(fields())).await;
    assert_eq!(anonymous.error_message(), TOKEN_PROBLEM);
    let mut bad_type = fields();
    bad_type.push(Part::File("courseImage", "a.txt", "text/plain", b"hello"));
    assert_eq!(
        post(token.clone(), bad_type).await.error_message(),
        "지원되는 이미지파일 형식이 아닙니다."
    );
    let mut four = fields();
    for _ in 0..4 {
        four.push(Part::File("courseImage", "a.png", "image/png", PNG));
    }
    assert_eq!(
        post(token.clone(), four).await.error_message(),
        "Too many files"
    );
    let short = with_image(course_fields("ab", "서울 강남구"));
    assert_eq!(
        post(token.clone(), short).await.error_message(),
        "제목은 최소 3글자 이상이어야 합니다"
    );
    let mut no_distance: Vec<Part> = with_image(fields())
        .into_iter()
        .filter(|p| !matches!(p, Part::Text("distance", _)))
        .collect();
    no_distance.push(Part::Text("distance", "far"));
    assert_eq!(
        post(token.clone(), no_distance).await.error_message(),
        "거리는 반드시 입력해주셔야 합니다"
    );
    let no_total: Vec<Part> = with_image(fields())
        .into_iter()
        .filter(|p| !matches!(p, Part::Text("totalTime", _)))
        .collect();
    assert_eq!(
        post(token.clone(), no_total).await.error_message(),
        "총 소요시간에 대한 설명은 반드시 입력해주셔야 합니다"
    );
    assert_eq!(
        post(token.clone(), fields()).await.error_message(),
        "이미지는 최소 1개 이상 등록해주세요"
    );

    let id = create_course(
        &app,
        &token,
        "제주 바다보며 뛰어요!",
        "제주특별자치도 제주시 삼양삼동 2658-1",
    )
    .await;
    let course = app.app.db.course(&id).await.expect("read").expect("stored");
    assert_eq!(course.user_id, user_id);
    assert_eq!(course.region, 9);
    assert_eq!(course.total_time, "0h 30min");
    assert_eq!(course.images.len(), 1);
    let object = app
        .app
        .s3
        .get_object()
        .bucket(&app.app.config.image_bucket)
        .key(format!("courseImage/{}", course.images[0]))
        .send()
        .await
        .expect("the image is in S3");
    assert_eq!(object.content_type(), Some("image/png"));
}

#[tokio::test]
async fn the_detail_counts_every_view_atomically_and_shows_the_author_and_the_viewers_bookmark() {
    let app = spawn_app().await;
    let (author_id, author) = app.login_as("author").await;
    let (_, viewer) = app.login_as("viewer").await;
    let id = create_course(&app, &author, "한강 야경 코스", "서울 영등포구 여의도동").await;
    let detail = format!("/course/detail/{id}");
    let views = join_all(
        (0..20).map(|_| app.request(reqwest::Method::GET, &detail, Some("Bearer undefined"))),
    )
    .await;
    assert!(
        views.iter().all(|v| v.status == 200),
        "{:?}",
        views.iter().find(|v| v.status != 200)
    );
    assert_eq!(meta_number(&app, &id, "clickCnt").await, 20);

    send(
        &app,
        reqwest::Method::PATCH,
        &format!("/course/{id}/bookmark"),
        &viewer,
    )
    .await;
    let detail = app.get(&format!("/course/detail/{id}"), &viewer).await;
    assert!(
        detail.ddb_calls() <= 3,
        "auth + view + one batch: {}",
        detail.ddb_calls()
    );
    let data = &detail.json()["data"];
    assert_eq!(data["clickCnt"], 21);
    assert_eq!(data["bookmark"], true);
    assert_eq!(data["totalTime"], "0h 30min");
    assert_eq!(data["distance"], json!(5.05));
    assert_eq!(data["mapLatLng"][1]["lng"], json!(126.58));
    assert_eq!(data["user"]["userId"], author_id);
    assert_eq!(data["user"]["nickname"], "author");
    assert_eq!(data["user"]["mannerPoint"], json!(50));
    assert!(
        data["courseImageUrl1"]
            .as_str()
            .expect("url")
            .starts_with("https://")
    );
    assert_eq!(data["courseImageUrl2"], Value::Null);
    assert!(data.get("starPoint").is_none());
    let anonymous = app
        .request(
            reqwest::Method::GET,
            &format!("/course/detail/{id}"),
            Some("Bearer undefined"),
        )
        .await;
    assert_eq!(anonymous.json()["data"]["bookmark"], false);
    let missing = app.get("/course/detail/nope", &viewer).await;
    assert_eq!(
        missing.error_message(),
        "코스추천 게시글 불러오기를 실패하였습니다"
    );
}

#[tokio::test]
async fn star_points_round_like_javascript_and_null_clears_a_rating() {
    let app = spawn_app().await;
    let (_, author) = app.login_as("author").await;
    let id = create_course(&app, &author, "별점 코스", "서울 강남구").await;
    let path = format!("/course/{id}/starPoint");

    let none = app.get(&path, &author).await.json();
    assert_eq!(
        none["data"],
        json!({ "starPoint": "NaN", "starPeople": 0, "myStarPoint": 0 })
    );

    let mut last = Value::Null;
    let mut raters = Vec::new();
    for (i, rating) in [1, 1, 1, 2].into_iter().enumerate() {
        let (_, token) = app.login_as(&format!("rater{i}")).await;
        raters.push(token.clone());
        last = patch_json(&app, &path, &token, &json!({ "myStarPoint": rating }))
            .await
            .json();
    }
    // 5 / 4 = 1.25 exactly: JavaScript rounds the tie up, Rust's {:.1} would say 1.2.
    assert_eq!(
        last["data"],
        json!({ "starPoint": "1.3", "starPeople": 4, "myStarPoint": 2 })
    );
    let last_rater = raters[3].clone();
    let mine = app.get(&path, &last_rater).await.json();
    assert_eq!(mine["data"]["myStarPoint"], 2);

    let again = patch_json(&app, &path, &last_rater, &json!({ "myStarPoint": "5" }))
        .await
        .json();
    assert_eq!(
        again["data"],
        json!({ "starPoint": "2.0", "starPeople": 4, "myStarPoint": 5 })
    );
    let cleared = patch_json(&app, &path, &last_rater, &json!({ "myStarPoint": null }))
        .await
        .json();
    assert_eq!(
        cleared["data"],
        json!({ "starPoint": "1.0", "starPeople": 3, "myStarPoint": 0 })
    );

    let invalid = patch_json(&app, &path, &author, &json!({ "myStarPoint": 6 })).await;
    assert_eq!(invalid.error_message(), "평점 입력에 실패했습니다");
    let unknown = patch_json(
        &app,
        "/course/nope/starPoint",
        &author,
        &json!({ "myStarPoint": 6 }),
    )
    .await;
    assert_eq!(unknown.error_message(), NOT_FOUND);
    let unknown = app.get("/course/nope/starPoint", &author).await;
    assert_eq!(unknown.error_message(), NOT_FOUND);
    let anonymous = patch_json(&app, &path, "undefined", &json!({ "myStarPoint": 3 })).await;
    assert_eq!(anonymous.error_message(), TOKEN_PROBLEM);

    let list = app
        .get(
            &format!(
                "/course/mypage?userId={}",
                app.app.tokens.verify(&author, 0).expect("t").user_id
            ),
            &author,
        )
        .await;
    assert_eq!(list.json()["data"]["feed"][0]["starPoint"], "1.0");
}

#[tokio::test]
async fn concurrent_bookmark_toggles_and_ratings_by_many_users_leave_exact_counts() {
    let app = spawn_app().await;
    let (_, author) = app.login_as("author").await;
    let id = create_course(&app, &author, "인기 코스", "서울 마포구").await;
    let mut tokens = Vec::new();
    for i in 0..16 {
        tokens.push(app.login_as(&format!("fan{i}")).await.1);
    }
    let bookmark = format!("/course/{id}/bookmark");
    let replies = join_all(
        tokens
            .iter()
            .map(|t| send(&app, reqwest::Method::PATCH, &bookmark, t)),
    )
    .await;
    assert!(
        replies.iter().all(|r| r.json()["data"]["bookmark"] == true),
        "{replies:?}"
    );
    let star = format!("/course/{id}/starPoint");
    let bodies: Vec<Value> = (0..16)
        .map(|i| json!({ "myStarPoint": (i % 5) + 1 }))
        .collect();
    let ratings = join_all(
        tokens
            .iter()
            .zip(&bodies)
            .map(|(t, body)| patch_json(&app, &star, t, body)),
    )
    .await;
    assert!(ratings.iter().all(|r| r.status == 200), "{ratings:?}");
    let expected_sum: i64 = (0..16).map(|i| (i % 5) + 1).sum();
    assert_eq!(meta_number(&app, &id, "bookmarkCount").await, 16);
    assert_eq!(meta_number(&app, &id, "starCount").await, 16);
    assert_eq!(meta_number(&app, &id, "starSum").await, expected_sum);

    // Half of them toggle off, and one user double-clicks (two toggles at once).
    let off = join_all(
        tokens[..8]
            .iter()
            .map(|t| send(&app, reqwest::Method::PATCH, &bookmark, t)),
    )
    .await;
    assert!(off.iter().all(|r| r.json()["data"]["bookmark"] == false));
    let double = join_all(
        [&tokens[15], &tokens[15]].map(|t| send(&app, reqwest::Method::PATCH, &bookmark, t)),
    )
    .await;
    let states: Vec<Value> = double
        .iter()
        .map(|r| r.json()["data"]["bookmark"].clone())
        .collect();
    assert!(
        states.contains(&json!(true)) && states.contains(&json!(false)),
        "{states:?}"
    );
    let items = partition(&app, &keys::course_pk(&id)).await;
    let bookmark_items = items
        .iter()
        .filter(
            |i| matches!(i.get("SK"), Some(AttributeValue::S(sk)) if sk.starts_with("BOOKMARK#")),
        )
        .count();
    assert_eq!(bookmark_items, 8);
    assert_eq!(meta_number(&app, &id, "bookmarkCount").await, 8);

    let missing = send(
        &app,
        reqwest::Method::PATCH,
        "/course/nope/bookmark",
        &author,
    )
    .await;
    assert_eq!(missing.error_message(), NOT_FOUND);
}

#[tokio::test]
async fn the_feed_sorts_the_whole_region_before_paging_and_ranks_by_numeric_points() {
    let app = spawn_app().await;
    let (_, author) = app.login_as("author").await;
    let (viewer_id, viewer) = app.login_as("viewer").await;
    // Oldest first: A (서울), B (제주), C (서울), D (서울).
    let a = create_course(&app, &author, "코스 A", "서울 강남구").await;
    let b = create_course(&app, &author, "코스 B", "제주특별자치도 제주시").await;
    let c = create_course(&app, &author, "코스 C", "서울 종로구").await;
    let d = create_course(&app, &author, "코스 D", "서울 마포구").await;
    // A: 3 comments; B: 10 views; C: rated 4 and 5 (4.5); D: bookmarked by the viewer.
    for _ in 0..3 {
        app.send(
            app.http
                .post(app.url(&format!("/comment/course/{a}")))
                .header("authorization", format!("Bearer {viewer}"))
                .json(&json!({ "content": "좋아요" })),
        )
        .await;
    }
    for _ in 0..10 {
        app.get(&format!("/course/detail/{b}"), &viewer).await;
    }
    patch_json(
        &app,
        &format!("/course/{c}/starPoint"),
        &viewer,
        &json!({ "myStarPoint": 4 }),
    )
    .await;
    patch_json(
        &app,
        &format!("/course/{c}/starPoint"),
        &author,
        &json!({ "myStarPoint": 5 }),
    )
    .await;
    send(
        &app,
        reqwest::Method::PATCH,
        &format!("/course/{d}/bookmark"),
        &viewer,
    )
    .await;

    let ids = |reply: &Reply, list: &str| -> Vec<String> {
        reply.json()["data"][list]
            .as_array()
            .expect("list")
            .iter()
            .map(|i| i["courseId"].as_str().expect("id").to_owned())
            .collect()
    };
    let newest = app
        .get("/course/all?region=0&sort=new&page=1&size=6", &viewer)
        .await;
    assert_eq!(
        ids(&newest, "feed"),
        [d.clone(), c.clone(), b.clone(), a.clone()]
    );
    assert!(
        newest.ddb_calls() <= 3,
        "auth + query + batch: {}",
        newest.ddb_calls()
    );
    let by_comment = app
        .get("/course/all?region=0&sort=comment&page=1&size=1", &viewer)
        .await;
    assert_eq!(
        ids(&by_comment, "feed"),
        vec![a.clone()],
        "sorted over the whole set, then sliced"
    );
    let by_star = app
        .get("/course/all?region=1&sort=starPoint&page=1&size=2", &viewer)
        .await;
    assert_eq!(ids(&by_star, "feed"), [c.clone(), d.clone()]);
    let second = app
        .get("/course/all?region=1&sort=starPoint&page=2&size=2", &viewer)
        .await;
    assert_eq!(ids(&second, "feed"), vec![a.clone()]);
    let by_bookmark = app
        .get("/course/all?region=x&sort=clickCnt&page=1&size=1", &viewer)
        .await;
    assert_eq!(
        ids(&by_bookmark, "feed"),
        vec![d.clone()],
        "clickCnt falls through to bookmark"
    );

    // Ranking: B = 10 clicks + 0 = 10, C = 4.5, A = 3 comments (+ 0) = 3, D = 0.
    let ranking = newest.json()["data"]["rankingFeed"].clone();
    assert_eq!(
        ids(&newest, "rankingFeed"),
        [b.clone(), c.clone(), a.clone()]
    );
    assert_eq!(ranking[0]["rankPoint"], json!(10));
    assert_eq!(ranking[1]["rankPoint"], json!(4.5));
    assert_eq!(ranking[1]["starPoint"], "4.5");
    assert!(ranking[0].get("bookmarkCnt").is_none());
    let feed = newest.json()["data"]["feed"].clone();
    assert_eq!(feed[0]["bookmark"], true);
    assert_eq!(feed[0]["bookmarkCnt"], 1);
    assert_eq!(feed[3]["commentCnt"], 3);
    assert_eq!(feed[3]["starPoint"], json!(0));
    assert_eq!(feed[1]["region"], 1);
    assert_eq!(feed[0]["location"], "서울 마포구");
    assert!(newest.json().get("preferData").is_some_and(Value::is_null));

    // A viewer who prefers Seoul ranks only Seoul courses.
    set_profile(&app, &viewer_id, "likeLocation", "1").await;
    let seoul = app
        .get("/course/all?region=0&sort=new&page=1&size=6", &viewer)
        .await;
    assert_eq!(
        ids(&seoul, "rankingFeed"),
        [c.clone(), a.clone(), d.clone()]
    );
    assert_eq!(seoul.json()["preferData"], "서울");
    let anonymous = app
        .request(
            reqwest::Method::GET,
            "/course/all?region=0&sort=new&page=1&size=6",
            Some("Bearer undefined"),
        )
        .await;
    assert!(anonymous.json().get("preferData").is_none());
    assert_eq!(anonymous.json()["data"]["feed"][0]["bookmark"], false);

    let main = app.get("/course/main", &viewer).await;
    assert_eq!(
        ids(&main, "feed"),
        [d.clone(), c.clone(), b.clone(), a.clone()]
    );
    assert_eq!(main.json()["data"]["feed"][1]["starPoint"], "4.5");
    assert!(main.ddb_calls() <= 3, "{}", main.ddb_calls());
}

#[tokio::test]
async fn mypage_and_bookmark_lists_follow_the_subject_user() {
    let app = spawn_app().await;
    let (author_id, author) = app.login_as("오지우").await;
    let (reader_id, reader) = app.login_as("현준").await;
    let id = create_course(
        &app,
        &author,
        "제주 바다보며 뛰어요!",
        "제주특별자치도 제주시",
    )
    .await;
    send(
        &app,
        reqwest::Method::PATCH,
        &format!("/course/{id}/bookmark"),
        &author,
    )
    .await;

    // original-tests.md §3.4
    let mine = app
        .get(&format!("/course/mypage?userId={author_id}"), &author)
        .await
        .json();
    assert_eq!(mine["data"]["feed"][0]["userId"], author_id.as_str());
    assert_eq!(mine["data"]["feed"][0]["starPoint"], "0.0");
    let marks = app
        .get(&format!("/course/bookmark?userId={author_id}"), &author)
        .await
        .json();
    assert_eq!(marks["data"]["feed"][0]["bookmark"], true);
    assert_eq!(marks["data"]["feed"][0]["userId"], author_id.as_str());

    // On someone else's page the flags are the page owner's.
    let seen = app
        .get(&format!("/course/mypage?userId={author_id}"), &reader)
        .await;
    assert_eq!(seen.json()["data"]["feed"][0]["bookmark"], true);
    let readers = app
        .get(&format!("/course/bookmark?userId={reader_id}"), &author)
        .await
        .json();
    assert_eq!(readers["data"]["feed"], json!([]));

    let unknown = app.get("/course/mypage?userId=11", &author).await;
    assert_eq!(unknown.error_message(), LIST_FAILED);
    let anonymous = app
        .request(
            reqwest::Method::GET,
            "/course/mypage",
            Some("Bearer undefined"),
        )
        .await;
    assert_eq!(anonymous.json(), json!({ "success": true, "data": {} }));
    let other = app.get("/course/whatever", &reader).await;
    assert_eq!(
        other.json(),
        json!({ "success": true, "data": {}, "preferData": null })
    );
    let missing_header = app
        .request(reqwest::Method::GET, "/course/main", None)
        .await;
    assert_eq!(missing_header.error_message(), TOKEN_PROBLEM);
}

#[tokio::test]
async fn an_unknown_list_category_names_the_subject_users_preference() {
    let app = spawn_app().await;
    let (author_id, author) = app.login_as("오지우").await;
    let (_, reader) = app.login_as("현준").await;
    patch_json(
        &app,
        "/auth/userLike",
        &author,
        &json!({ "likeLocation": 9, "likeDistance": 2, "userLevel": "퍼플" }),
    )
    .await;
    let own = app.get("/course/whatever", &author).await.json();
    assert!(own["preferData"].is_string());

    // Contract courses.md §2.6: `preferData` is the subject user's.
    let theirs = app
        .get(&format!("/course/whatever?userId={author_id}"), &reader)
        .await
        .json();
    assert_eq!(
        theirs,
        json!({ "success": true, "data": {}, "preferData": own["preferData"] })
    );
    let unknown = app.get("/course/whatever?userId=11", &reader).await;
    assert_eq!(unknown.error_message(), LIST_FAILED);
}

#[tokio::test]
async fn deleting_a_course_removes_its_whole_collection_and_its_images() {
    let app = spawn_app().await;
    let (author_id, author) = app.login_as("author").await;
    let (fan_id, fan) = app.login_as("fan").await;
    let id = create_course(&app, &author, "지울 코스", "서울 강남구").await;
    send(
        &app,
        reqwest::Method::PATCH,
        &format!("/course/{id}/bookmark"),
        &fan,
    )
    .await;
    patch_json(
        &app,
        &format!("/course/{id}/starPoint"),
        &fan,
        &json!({ "myStarPoint": 3 }),
    )
    .await;
    let comment = app
        .send(
            app.http
                .post(app.url(&format!("/comment/course/{id}")))
                .header("authorization", format!("Bearer {fan}"))
                .json(&json!({ "content": "좋은 코스" })),
        )
        .await
        .json();
    let comment_id = comment["data"][0]["commentId"]
        .as_str()
        .expect("id")
        .to_owned();
    app.send(
        app.http
            .post(app.url(&format!("/recomment/{comment_id}")))
            .header("authorization", format!("Bearer {author}"))
            .json(&json!({ "content": "감사합니다" })),
    )
    .await;
    let image = app
        .app
        .db
        .course(&id)
        .await
        .expect("read")
        .expect("course")
        .images[0]
        .clone();
    assert_eq!(partition(&app, &keys::course_pk(&id)).await.len(), 5);

    let refused = send(
        &app,
        reqwest::Method::DELETE,
        &format!("/course/{id}"),
        &fan,
    )
    .await;
    assert_eq!(
        refused.error_message(),
        "게시물은 본인만 삭제할 수 있습니다"
    );
    let deleted = send(
        &app,
        reqwest::Method::DELETE,
        &format!("/course/{id}"),
        &author,
    )
    .await;
    assert_eq!(
        deleted.json(),
        json!({ "success": true, "message": "게시물 삭제에 성공하였습니다" })
    );

    assert!(partition(&app, &keys::course_pk(&id)).await.is_empty());
    assert!(
        app.app
            .db
            .bookmarked_course_ids(&fan_id)
            .await
            .expect("q")
            .is_empty()
    );
    assert!(
        app.app
            .db
            .courses_by_author(&author_id)
            .await
            .expect("q")
            .is_empty()
    );
    assert!(app.app.db.comment(&comment_id).await.expect("q").is_none());
    let gone = app
        .app
        .s3
        .head_object()
        .bucket(&app.app.config.image_bucket)
        .key(format!("courseImage/{image}"))
        .send()
        .await;
    assert!(gone.is_err(), "the image was deleted");
    // The alarm the fan's comment gave the author is kept.
    let alarms = app.get("/alarm", &author).await.json();
    assert_eq!(alarms["count"], 1);
    let again = send(
        &app,
        reqwest::Method::DELETE,
        &format!("/course/{id}"),
        &author,
    )
    .await;
    assert_eq!(again.error_message(), NOT_FOUND);
}

#[tokio::test]
async fn editing_a_course_keeps_sent_images_adds_new_ones_and_recomputes_the_region() {
    let app = spawn_app().await;
    let (_, author) = app.login_as("author").await;
    let (_, other) = app.login_as("other").await;
    let id = create_course(&app, &author, "고칠 코스", "서울 강남구").await;
    let old = app
        .app
        .db
        .course(&id)
        .await
        .expect("read")
        .expect("course")
        .images[0]
        .clone();
    let path = format!("/course/{id}");

    let refused = send_multipart(
        &app,
        reqwest::Method::PATCH,
        &path,
        &other,
        &[Part::Text("title", "남의 코스")],
    )
    .await;
    assert_eq!(
        refused.error_message(),
        "게시물은 본인만 수정할 수 있습니다"
    );
    let empty = send_multipart(
        &app,
        reqwest::Method::PATCH,
        &path,
        &author,
        &[Part::Text("title", "새 제목")],
    )
    .await;
    assert_eq!(empty.error_message(), "이미지는 최소 1개 이상 등록해주세요");
    let missing = send_multipart(&app, reqwest::Method::PATCH, "/course/nope", &author, &[]).await;
    assert_eq!(missing.error_message(), NOT_FOUND);

    let kept_url = format!("https://cdn.example/w_758/{old}");
    let edited = send_multipart(
        &app,
        reqwest::Method::PATCH,
        &path,
        &author,
        &[
            Part::Text("courseImageUrl", &kept_url),
            Part::Text("location", "부산 해운대구"),
            Part::Text("title", "undefined"),
            Part::File("courseImage", "b.png", "image/png", PNG),
        ],
    )
    .await;
    assert_eq!(
        edited.json(),
        json!({ "success": true, "message": "게시물 수정에 성공했습니다" })
    );
    let course = app.app.db.course(&id).await.expect("read").expect("course");
    assert_eq!(course.images.len(), 2);
    assert_eq!(course.images[0], old);
    assert_eq!(course.region, 7);
    assert_eq!(course.title, "고칠 코스");

    // Replacing the images deletes the dropped one.
    let replaced = send_multipart(
        &app,
        reqwest::Method::PATCH,
        &path,
        &author,
        &[Part::File("courseImage", "c.png", "image/png", PNG)],
    )
    .await;
    assert_eq!(replaced.status, 200, "{}", replaced.text);
    let course = app.app.db.course(&id).await.expect("read").expect("course");
    assert_eq!(course.images.len(), 1);
    assert!(!course.images.contains(&old));
    let gone = app
        .app
        .s3
        .head_object()
        .bucket(&app.app.config.image_bucket)
        .key(format!("courseImage/{old}"))
        .send()
        .await;
    assert!(gone.is_err());
}
