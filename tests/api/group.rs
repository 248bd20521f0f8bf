//! Group runs (contract groups.md) through the dev gateway.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::Duration;
use futures::future::join_all;
use reqwest::multipart::Form;
use serde_json::{Value, json};
use shared::time::kst;

use crate::helpers::{Reply, TestApp, spawn_app};
use crate::runs::{PNG, Run, create, hosted_run};

async fn anonymous(app: &TestApp, path: &str) -> Reply {
    app.request(reqwest::Method::GET, path, Some("Bearer undefined"))
        .await
}

/// Every item of the run's partition (to prove cascades).
pub async fn partition(app: &TestApp, pk: &str) -> Vec<HashMap<String, AttributeValue>> {
    app.app
        .db
        .client
        .query()
        .table_name(&app.app.db.table)
        .key_condition_expression("PK = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(pk.to_owned()))
        .consistent_read(true)
        .send()
        .await
        .expect("query")
        .items
        .unwrap_or_default()
}

async fn set_preferences(app: &TestApp, user_id: &str, location: &str, distance: &str) {
    app.app
        .db
        .client
        .update_item()
        .table_name(&app.app.db.table)
        .key("PK", AttributeValue::S(format!("USER#{user_id}")))
        .key("SK", AttributeValue::S("PROFILE".into()))
        .update_expression("SET likeLocation = :l, likeDistance = :d")
        .expression_attribute_values(":l", AttributeValue::S(location.into()))
        .expression_attribute_values(":d", AttributeValue::S(distance.into()))
        .send()
        .await
        .expect("update");
}

async fn manner_point(app: &TestApp, user_id: &str) -> f64 {
    app.app
        .db
        .user(user_id)
        .await
        .expect("read")
        .expect("user")
        .manner_point
}

// ---- POST /group ----

#[tokio::test]
async fn creating_a_run_makes_the_host_its_first_member() {
    let app = spawn_app().await;
    let (id, host, token) = hosted_run(&app, "호스트", &Run::in_days(3, "07:00")).await;
    let detail = app.get(&format!("/group/detail/{id}"), &token).await.json()["data"].clone();
    assert_eq!(detail["userId"], host);
    assert_eq!(detail["applyState"], true);
    assert_eq!(detail["Appliers"].as_array().map(Vec::len), Some(1));
    assert_eq!(detail["Appliers"][0]["userId"], host);
    assert_eq!(detail["Appliers"][0]["nickname"], "호스트");
    assert_eq!(detail["standbyTime"], "07:00:00");
    assert_eq!(detail["finishTime"], "23:00:00");
    assert_eq!(detail["distance"], json!(5.5));
    assert_eq!(detail["region"], 1);
    assert_eq!(detail["timecode"], 2);
    assert_eq!(detail["chattingRoom"], "");
    assert_eq!(detail["parking"], "");
    assert_eq!(detail["content"], "같이 뛰어요");
    assert_eq!(detail["mapLatLng"][1], json!({"lat": 37.5, "lng": 127.03}));
    assert_eq!(detail["applyEndTime"], "3 일");
    assert_eq!(detail["mannerPoint"], json!(50));
}

#[tokio::test]
async fn each_invalid_field_gets_its_contract_message_in_order() {
    let app = spawn_app().await;
    let (_, token) = app.login_as("호스트").await;
    let base = Run::in_days(3, "07:00");
    let cases: Vec<(Run, &str)> = vec![
        (
            base.clone().without("title"),
            "제목은 반드시 입력해주셔야 합니다",
        ),
        (
            base.clone().set("title", "런"),
            "제목은 최소 3글자 이상이어야 합니다",
        ),
        (
            base.clone().set("maxPeople", " "),
            "모집인원은 반드시 입력해주셔야 합니다",
        ),
        (
            base.clone().set("maxPeople", "다섯"),
            "모집인원은 숫자만 입력가능합니다",
        ),
        (
            base.clone().set("maxPeople", "2.5"),
            "모집인원은 숫자만 입력가능합니다",
        ),
        (
            base.clone().set("maxPeople", "-3"),
            "모집인원은 숫자만 입력가능합니다",
        ),
        (base.clone().set("date", ""), "날짜 형식만 입력 가능합니다"),
        (
            base.clone().set("date", "2026-02-30"),
            "날짜 형식만 입력 가능합니다",
        ),
        (
            base.clone().without("standbyTime"),
            "스탠바이 시간은 반드시 입력해주셔야 합니다",
        ),
        (
            base.clone().set("standbyTime", "7시"),
            "스탠바이 시간은 반드시 입력해주셔야 합니다",
        ),
        (
            base.clone().without("finishTime"),
            "종료 시간은 반드시 입력해주셔야 합니다",
        ),
        (
            base.clone().set("distance", "멀리"),
            "거리는 반드시 입력해주셔야 합니다",
        ),
        (
            base.clone().without("speed"),
            "페이스는 반드시 입력해주셔야 합니다",
        ),
        (
            base.clone().without("location"),
            "러닝장소는 반드시 입력해주셔야 합니다",
        ),
        (
            base.clone().set("mapLatLng", "{\"lat\":1}"),
            "코스에 대한 정보는 반드시 입력해주셔야 합니다",
        ),
        (
            base.clone().without("thema"),
            "러닝 테마는 반드시 입력해주셔야 합니다",
        ),
        // Several problems: only the first one is reported.
        (
            base.clone().without("title").without("thema"),
            "제목은 반드시 입력해주셔야 합니다",
        ),
    ];
    for (run, expected) in cases {
        assert_eq!(create(&app, &token, &run).await.error_message(), expected);
    }
    let mine = anonymous(&app, "/group/all?finish=1").await.json();
    assert_eq!(mine["data"], json!([]), "no refused form left a run behind");
}

#[tokio::test]
async fn a_run_must_start_more_than_six_hours_from_now() {
    let app = spawn_app().await;
    let (_, token) = app.login_as("호스트").await;
    let too_soon = (app.now() + Duration::hours(5)).with_timezone(&kst());
    let run = Run::in_days(0, "00:00")
        .set("date", &too_soon.format("%Y-%m-%d").to_string())
        .set("standbyTime", &too_soon.format("%H:%M").to_string());
    assert_eq!(
        create(&app, &token, &run).await.error_message(),
        "그룹러닝등록은 현재시간보다 6시간 이후부터 등록할 수 있습니다"
    );
}

#[tokio::test]
async fn a_second_run_within_ten_seconds_is_refused_then_allowed() {
    let app = spawn_app().await;
    let (_, token) = app.login_as("호스트").await;
    let run = Run::in_days(3, "07:00");
    assert_eq!(create(&app, &token, &run).await.status, 200);
    assert_eq!(
        create(&app, &token, &run).await.error_message(),
        "짧은시간내에 연속으로 글을 작성할 수 없습니다"
    );
    app.shift_clock(11).await;
    assert_eq!(create(&app, &token, &run).await.json()["success"], true);
}

#[tokio::test]
async fn hour_24_from_the_twelve_hour_picker_means_noon() {
    let app = spawn_app().await;
    let (id, _, token) = hosted_run(&app, "호스트", &Run::in_days(3, "24:30")).await;
    let detail = app.get(&format!("/group/detail/{id}"), &token).await.json();
    assert_eq!(detail["data"]["standbyTime"], "12:30:00");
    assert_eq!(detail["data"]["timecode"], 4);
}

#[tokio::test]
async fn uploads_of_zero_one_and_three_images_are_stored_and_four_are_refused() {
    let app = spawn_app().await;
    for (n, nickname) in [(0, "영"), (1, "하나"), (3, "셋")] {
        let (id, _, token) = hosted_run(&app, nickname, &Run::in_days(3, "07:00").images(n)).await;
        let data = app.get(&format!("/group/detail/{id}"), &token).await.json()["data"].clone();
        let urls: Vec<&Value> = ["thumbnailUrl1", "thumbnailUrl2", "thumbnailUrl3"]
            .iter()
            .map(|k| &data[*k])
            .collect();
        if n == 0 {
            assert!(
                urls[0]
                    .as_str()
                    .is_some_and(|u| u
                        .ends_with("%E1%84%80%E1%85%A1%E1%86%BC%E1%84%87%E1%85%A7%E1%86%AB.png")),
                "theme default: {urls:?}"
            );
            assert!(urls[1].is_null() && urls[2].is_null());
            continue;
        }
        for (i, url) in urls.iter().enumerate() {
            if i >= n {
                assert!(url.is_null());
                continue;
            }
            let url = url.as_str().expect("url");
            assert!(
                url.starts_with("https://dpnlaom97ul1b.cloudfront.net/groupthumbnail/"),
                "original until resized: {url}"
            );
            let key = url.rsplit('/').next().expect("key");
            assert!(key.ends_with(".png"));
            let object = app
                .app
                .s3
                .head_object()
                .bucket(&app.app.config.image_bucket)
                .key(format!("groupthumbnail/{key}"))
                .send()
                .await
                .expect("stored");
            assert_eq!(object.content_type(), Some("image/png"));
        }
    }
    let (_, token) = app.login_as("넷").await;
    let reply = create(&app, &token, &Run::in_days(3, "07:00").images(4)).await;
    assert_eq!(reply.error_message(), "Too many files");
}

#[tokio::test]
async fn a_file_that_is_not_an_image_or_too_large_is_refused() {
    let app = spawn_app().await;
    let (_, token) = app.login_as("호스트").await;
    let text = Run::in_days(3, "07:00").thumbnail(b"hello".to_vec(), "a.txt", "text/plain");
    let reply = create(&app, &token, &text).await;
    assert_eq!(
        reply.error_message(),
        "지원되는 이미지파일 형식이 아닙니다."
    );
    let disguised =
        Run::in_days(3, "07:00").thumbnail(b"MZ\x90\0 exe".to_vec(), "a.png", "image/png");
    let reply = create(&app, &token, &disguised).await;
    assert_eq!(
        reply.error_message(),
        "지원되는 이미지파일 형식이 아닙니다."
    );
    let mut big = PNG.to_vec();
    big.resize(4_500_000, 0);
    let large = Run::in_days(3, "07:00").thumbnail(big, "a.png", "image/png");
    let reply = create(&app, &token, &large).await;
    assert_eq!(reply.error_message(), "File too large");
    let mut huge = PNG.to_vec();
    huge.resize(6_500_000, 0);
    let over_limit = Run::in_days(3, "07:00").thumbnail(huge, "a.png", "image/png");
    let reply = create(&app, &token, &over_limit).await;
    assert_eq!(
        reply.status, 413,
        "API Gateway refuses events over 6 MB before any function runs"
    );
}

// ---- lists ----

#[tokio::test]
async fn the_feed_shows_each_field_the_frontend_reads_and_the_viewers_apply_state() {
    let app = spawn_app().await;
    let (id, host, token) = hosted_run(
        &app,
        "호스트",
        &Run::in_days(3, "17:25").set("distance", "11.82").images(1),
    )
    .await;
    let anon = anonymous(
        &app,
        "/group/all?date=&region=&time=&distance=&finish=0&thema=&page=1&size=6",
    )
    .await;
    let item = &anon.json()["data"][0];
    assert_eq!(item["groupId"], id);
    assert_eq!(item["title"], "한강 아침 러닝");
    assert_eq!(item["location"], "서울 서초구");
    assert_eq!(item["distance"], json!(11.82));
    assert!(
        item["date"]
            .as_str()
            .is_some_and(|d| d.ends_with(" 17:25") && d.contains(" (")),
        "{item}"
    );
    assert_eq!(item["standbyTime"], "17:25:00");
    assert_eq!(item["maxPeople"], 5);
    assert!(
        item["thumbnailUrl"]
            .as_str()
            .is_some_and(|u| u.contains("/groupthumbnail/"))
    );
    assert_eq!(item["applyPeople"], 1);
    assert_eq!(item["userId"], host);
    assert_eq!(item["applyEndTime"], "3 일");
    assert_eq!(item["thema"], "강변");
    assert_eq!(item["nickname"], "호스트");
    assert_eq!(item["profileUrl"], "aaa");
    assert_eq!(item["applyState"], false);
    assert!(item["updateTime"].is_number());
    assert_eq!(anon.ddb_calls(), 2, "one Query + one BatchGetItem");

    let mine = app.get("/group/all?page=1&size=6", &token).await;
    assert_eq!(mine.json()["data"][0]["applyState"], true);
    assert_eq!(
        mine.ddb_calls(),
        3,
        "auth GetItem + one Query + one BatchGetItem"
    );
}

#[tokio::test]
async fn list_requests_cost_the_same_round_trips_whatever_the_page_size() {
    let app = spawn_app().await;
    // A feed as dense as a real one: four runs a day for a week.
    for i in 0..28 {
        let hour = format!("{:02}:00", 6 + (i % 4) * 3);
        hosted_run(&app, &format!("호스트{i}"), &Run::in_days(1 + i / 4, &hour)).await;
    }
    for size in [1, 6, 12, 100] {
        let reply = anonymous(&app, &format!("/group/all?page=1&size={size}")).await;
        assert_eq!(
            reply.json()["data"].as_array().map(Vec::len),
            Some(size.min(28) as usize)
        );
        assert_eq!(
            reply.ddb_calls(),
            2,
            "size {size}: one Query + one BatchGetItem"
        );
    }
    assert_eq!(anonymous(&app, "/group/main").await.ddb_calls(), 2);
}

#[tokio::test]
async fn a_sparse_feed_is_read_to_its_end_by_one_query() {
    let app = spawn_app().await;
    for i in 0..8 {
        hosted_run(
            &app,
            &format!("호스트{i}"),
            &Run::in_days(3 + i * 2, "07:00"),
        )
        .await;
    }
    let reply = anonymous(&app, "/group/all?page=1&size=6").await;
    assert_eq!(reply.json()["data"].as_array().map(Vec::len), Some(6));
    assert_eq!(reply.ddb_calls(), 2, "one Query + one BatchGetItem");
}

#[tokio::test]
async fn the_feed_orders_by_days_left_and_pages_after_sorting() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for (i, days) in [5, 2, 9, 3].iter().enumerate() {
        ids.push(
            hosted_run(&app, &format!("호스트{i}"), &Run::in_days(*days, "07:00"))
                .await
                .0,
        );
    }
    let all = anonymous(&app, "/group/all").await.json();
    let order: Vec<&str> = all["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|i| i["groupId"].as_str().expect("id"))
        .collect();
    assert_eq!(
        order,
        [
            ids[1].as_str(),
            ids[3].as_str(),
            ids[0].as_str(),
            ids[2].as_str()
        ]
    );
    let page2 = anonymous(&app, "/group/all?page=2&size=2").await.json();
    let order2: Vec<&str> = page2["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|i| i["groupId"].as_str().expect("id"))
        .collect();
    assert_eq!(order2, [ids[0].as_str(), ids[2].as_str()]);
    assert_eq!(
        anonymous(&app, "/group/all?page=3&size=2").await.json()["data"],
        json!([])
    );
}

#[tokio::test]
async fn each_feed_filter_and_their_combination_select_the_right_runs() {
    let app = spawn_app().await;
    let far = (app.today() + Duration::days(20))
        .format("%Y-%m-%d")
        .to_string();
    let runs = [
        (
            "seoul",
            Run::in_days(3, "05:30")
                .set("distance", "3")
                .set("thema", "도시"),
        ),
        (
            "gyeonggi",
            Run::in_days(4, "14:50")
                .set("location", "경기 수원시 영통구")
                .set("distance", "9.63")
                .set("thema", "공원"),
        ),
        (
            "daejeon",
            Run::in_days(5, "21:00")
                .set("location", "대전 유성구")
                .set("distance", "17.72")
                .set("thema", "산"),
        ),
        (
            "far",
            Run::in_days(20, "07:00")
                .set("distance", "12")
                .set("thema", "강변"),
        ),
    ];
    let mut ids = HashMap::new();
    for (i, (name, run)) in runs.iter().enumerate() {
        ids.insert(*name, hosted_run(&app, &format!("호스트{i}"), run).await.0);
    }
    let select = |reply: Value| -> Vec<String> {
        let mut found: Vec<String> = reply["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|i| i["groupId"].as_str().expect("id").to_owned())
            .collect();
        found.sort();
        found
    };
    let expect = |names: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = names.iter().map(|n| ids[n].clone()).collect();
        v.sort();
        v
    };
    let today = app.today().format("%Y-%m-%d").to_string();
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            format!("date={today}/{far}"),
            vec!["seoul", "gyeonggi", "daejeon", "far"],
        ),
        (format!("date={far}/{far}"), vec!["far"]),
        (format!("date={far}/{today}"), vec![]),
        ("region=2/".into(), vec!["gyeonggi"]),
        ("region=5/".into(), vec!["daejeon"]),
        (
            "region=0/".into(),
            vec!["seoul", "gyeonggi", "daejeon", "far"],
        ),
        ("time=2/".into(), vec!["seoul", "far"]),
        ("time=4/6/".into(), vec!["gyeonggi", "daejeon"]),
        ("distance=1/".into(), vec!["seoul"]),
        ("distance=2/4/".into(), vec!["gyeonggi", "daejeon"]),
        ("distance=3".into(), vec!["far"]),
        (
            "thema=%EB%8F%84%EC%8B%9C/%EC%82%B0/".into(),
            vec!["seoul", "daejeon"],
        ),
        (
            "thema=%EC%A0%84%EC%B2%B4/".into(),
            vec!["seoul", "gyeonggi", "daejeon", "far"],
        ),
        ("region=1/&time=2/&distance=3/".into(), vec!["far"]),
        (
            "region=1/2/&thema=%EA%B3%B5%EC%9B%90/&finish=0".into(),
            vec!["gyeonggi"],
        ),
        (
            "date=&region=&time=&distance=&finish=0&thema=&page=1&size=6".into(),
            vec!["seoul", "gyeonggi", "daejeon", "far"],
        ),
    ];
    for (query, names) in cases {
        assert_eq!(
            select(anonymous(&app, &format!("/group/all?{query}")).await.json()),
            expect(&names),
            "{query}"
        );
    }
}

#[tokio::test]
async fn fixtures_dated_by_the_app_clock_agree_with_the_server_on_both_sides_of_midnight_kst() {
    use crate::helpers::kst_instant;
    let at = |h, m, s| chrono::NaiveTime::from_hms_opt(h, m, s).expect("time");
    let today = spawn_app().await.today();
    // 23:58:30 and 00:00:30 KST (14:58:30 and 15:00:30 UTC).
    for pinned in [
        kst_instant(today, at(23, 58, 30)),
        kst_instant(today + Duration::days(1), at(0, 0, 30)),
    ] {
        let app = spawn_app().await;
        app.set_clock(pinned).await;
        let (far, _, _) = hosted_run(&app, "호스트", &Run::in_days(3, "07:00")).await;
        let (near, _, _) = hosted_run(&app, "호스트2", &Run::in_days(1, "07:00")).await;
        let day = |days: i64| {
            (app.today() + Duration::days(days))
                .format("%Y-%m-%d")
                .to_string()
        };
        for (id, days) in [(&far, 3), (&near, 1)] {
            let detail = anonymous(&app, &format!("/group/detail/{id}")).await.json();
            assert_eq!(detail["data"]["date"], day(days), "pinned at {pinned}");
            assert_eq!(
                detail["data"]["applyEndTime"],
                format!("{days} 일"),
                "pinned at {pinned}"
            );
        }
        let feed = anonymous(&app, "/group/all").await.json();
        let labels: Vec<&str> = feed["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|i| i["applyEndTime"].as_str().expect("label"))
            .collect();
        assert_eq!(labels, ["1 일", "3 일"], "pinned at {pinned}");
    }
}

#[tokio::test]
async fn closed_and_past_runs_appear_only_with_finish_1() {
    let app = spawn_app().await;
    let (id, _, _) = hosted_run(&app, "호스트", &Run::in_days(1, "07:00")).await;
    app.shift_clock(2 * 86_400).await;
    assert_eq!(
        anonymous(&app, "/group/all").await.json()["data"],
        json!([])
    );
    let only_exactly_one = anonymous(&app, "/group/all?finish=1/").await.json();
    assert_eq!(
        only_exactly_one["data"],
        json!([]),
        "only exactly `1` includes finished runs"
    );
    let with_finished = anonymous(&app, "/group/all?finish=1").await.json();
    assert_eq!(with_finished["data"][0]["groupId"], id);
    assert_eq!(with_finished["data"][0]["applyEndTime"], "0 일");
}

#[tokio::test]
async fn main_shows_the_three_recruiting_runs_furthest_in_the_future() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for days in 1..=5 {
        ids.push(
            hosted_run(&app, &format!("호스트{days}"), &Run::in_days(days, "07:00"))
                .await
                .0,
        );
    }
    let main = anonymous(&app, "/group/main").await.json();
    let order: Vec<&str> = main["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|i| i["groupId"].as_str().expect("id"))
        .collect();
    assert_eq!(order, [ids[2].as_str(), ids[3].as_str(), ids[4].as_str()]);
}

#[tokio::test]
async fn prefer_needs_a_login_and_matches_the_users_region_and_distance() {
    let app = spawn_app().await;
    let (near, _, _) = hosted_run(
        &app,
        "서울러너",
        &Run::in_days(3, "07:00").set("distance", "3"),
    )
    .await;
    hosted_run(
        &app,
        "서울장거리",
        &Run::in_days(3, "07:00").set("distance", "21"),
    )
    .await;
    hosted_run(
        &app,
        "경기러너",
        &Run::in_days(3, "07:00")
            .set("location", "경기 성남시")
            .set("distance", "3"),
    )
    .await;
    let (viewer, token) = app.login_as("viewer").await;

    assert_eq!(
        anonymous(&app, "/group/prefer?page=1&size=6")
            .await
            .error_message(),
        "로그인 후 사용할 수 있습니다"
    );
    let no_header = app
        .request(reqwest::Method::GET, "/group/prefer", None)
        .await;
    assert_eq!(no_header.error_message(), shared::http::auth::TOKEN_PROBLEM);
    let nothing = app.get("/group/prefer?page=1&size=6", &token).await.json();
    assert_eq!(
        nothing["data"],
        json!([]),
        "no region chosen yet: nothing to recommend"
    );
    assert_eq!(
        nothing["preferData"],
        json!({"likeDistance": "미정", "likeLocation": null})
    );

    set_preferences(&app, &viewer, "1", "1").await;
    let reply = app.get("/group/prefer?page=1&size=6", &token).await.json();
    let ids: Vec<&str> = reply["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|i| i["groupId"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, [near.as_str()]);
    assert_eq!(
        reply["preferData"],
        json!({"likeDistance": "5km 미만", "likeLocation": "서울"})
    );
    set_preferences(&app, &viewer, "8", "0").await;
    let reply = app.get("/group/prefer", &token).await.json();
    assert_eq!(
        reply["preferData"],
        json!({"likeDistance": "미정", "likeLocation": "전라남도/전라북도/광주광역시"})
    );
}

#[tokio::test]
async fn an_unknown_list_category_is_refused() {
    let app = spawn_app().await;
    assert_eq!(
        anonymous(&app, "/group/All").await.error_message(),
        "불러오기 상태값이 올바르지 않습니다"
    );
    assert_eq!(
        anonymous(&app, "/group/everything").await.error_message(),
        "불러오기 상태값이 올바르지 않습니다"
    );
}

#[tokio::test]
async fn mypage_lists_hosted_runs_with_attendance_and_refuses_unknown_users() {
    let app = spawn_app().await;
    let (id, host, _) = hosted_run(&app, "호스트", &Run::in_days(3, "07:00")).await;
    let reply = anonymous(&app, &format!("/group/mypage?userId={host}"))
        .await
        .json();
    assert_eq!(reply["data"][0]["groupId"], id);
    assert_eq!(reply["data"][0]["attendance"], false);
    assert_eq!(reply["data"][0]["applyState"], true);
    // Past runs stay on the host's page.
    app.shift_clock(30 * 86_400).await;
    let later = anonymous(&app, &format!("/group/mypage?userId={host}"))
        .await
        .json();
    assert_eq!(later["data"][0]["groupId"], id);
    assert_eq!(later["data"][0]["applyEndTime"], "0 일");
    assert_eq!(
        anonymous(&app, "/group/mypage?userId=nobody")
            .await
            .error_message(),
        "잘못된 유저입니다"
    );
    assert_eq!(
        anonymous(&app, "/group/mypage").await.error_message(),
        "잘못된 유저입니다"
    );
    assert_eq!(
        anonymous(&app, "/group/complete?userId=")
            .await
            .error_message(),
        "잘못된 유저입니다"
    );
}

#[tokio::test]
async fn complete_lists_started_runs_the_user_joined_but_did_not_host() {
    let app = spawn_app().await;
    let (joined, _, _) = hosted_run(&app, "호스트", &Run::in_days(1, "07:00")).await;
    let (later, _, _) = hosted_run(&app, "호스트2", &Run::in_days(5, "07:00")).await;
    let (runner, token) = app.login_as("러너").await;
    for id in [&joined, &later] {
        assert_eq!(
            app.post_json_auth(&format!("/group/{id}/apply"), &token)
                .await
                .json()["success"],
            true
        );
    }
    hosted_run(&app, "러너호스트", &Run::in_days(1, "09:00")).await;
    app.shift_clock(2 * 86_400).await;
    let reply = anonymous(&app, &format!("/group/complete?userId={runner}"))
        .await
        .json();
    let data = reply["data"].as_array().expect("data");
    assert_eq!(data.len(), 1, "{reply}");
    assert_eq!(data[0]["groupId"], joined);
    assert_eq!(data[0]["evaluation"], 0);
    assert_eq!(data[0]["applyPeople"], 2, "the real count, not 1");
    assert_eq!(data[0]["applyEndTime"], "0 일");
}

// ---- detail ----

#[tokio::test]
async fn detail_of_a_missing_run_is_refused_and_costs_at_most_three_calls() {
    let app = spawn_app().await;
    assert_eq!(
        anonymous(&app, "/group/detail/nope").await.error_message(),
        "해당 게시물이 존재하지 않습니다"
    );
    let (id, _, token) = hosted_run(&app, "호스트", &Run::in_days(3, "07:00")).await;
    let reply = app.get(&format!("/group/detail/{id}"), &token).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.ddb_calls(),
        3,
        "auth GetItem + one Query + one BatchGetItem"
    );
    let anon = anonymous(&app, &format!("/group/detail/{id}")).await;
    assert_eq!(anon.json()["data"]["applyState"], false);
    assert_eq!(anon.ddb_calls(), 2);
    let datetime = anon.json()["data"]["datetime"]
        .as_str()
        .expect("datetime")
        .to_owned();
    assert!(datetime.ends_with("요일 07시 00분"), "{datetime}");
}

// ---- apply / cancel ----

#[tokio::test]
async fn applying_toggles_membership_and_reports_the_count() {
    let app = spawn_app().await;
    let (id, _, host_token) = hosted_run(&app, "호스트", &Run::in_days(3, "07:00")).await;
    let (_, token) = app.login_as("러너").await;
    let path = format!("/group/{id}/apply");
    let applied = app.post_json_auth(&path, &token).await.json();
    assert_eq!(
        applied,
        json!({"success": true, "message": "그룹러닝에 신청되었습니다", "data": {"applyPeople": 2, "applyState": true}})
    );
    let cancelled = app.post_json_auth(&path, &token).await.json();
    assert_eq!(
        cancelled,
        json!({"success": true, "message": "그룹러닝 신청이 취소되었습니다", "data": {"applyPeople": 1, "applyState": false}})
    );
    assert_eq!(
        app.post_json_auth(&path, &host_token).await.error_message(),
        "개설자는 신청을 취소할 수 없습니다"
    );
    assert_eq!(
        app.post_json_auth("/group/nope/apply", &token)
            .await
            .error_message(),
        "그룹러닝신청이 실패하였습니다"
    );
}

#[tokio::test]
async fn a_full_or_started_run_refuses_applications() {
    let app = spawn_app().await;
    let (id, _, _) = hosted_run(
        &app,
        "호스트",
        &Run::in_days(1, "07:00").set("maxPeople", "2"),
    )
    .await;
    let path = format!("/group/{id}/apply");
    let (_, first) = app.login_as("첫째").await;
    let (_, second) = app.login_as("둘째").await;
    assert_eq!(
        app.post_json_auth(&path, &first).await.json()["success"],
        true
    );
    assert_eq!(
        app.post_json_auth(&path, &second).await.error_message(),
        "신청인원이 남아있지 않습니다"
    );
    app.shift_clock(2 * 86_400).await;
    assert_eq!(
        app.post_json_auth(&path, &first).await.error_message(),
        "이미 지난 그룹러닝은 신청 및 취소가 불가합니다"
    );
}

#[tokio::test]
async fn fifty_simultaneous_applicants_never_overfill_a_run_of_five() {
    let app = spawn_app().await;
    let (id, _, _) = hosted_run(&app, "호스트", &Run::in_days(3, "07:00")).await;
    let mut tokens = Vec::new();
    for i in 0..50 {
        tokens.push(app.login_as(&format!("러너{i}")).await.1);
    }
    let path = format!("/group/{id}/apply");
    let replies = join_all(tokens.iter().map(|t| app.post_json_auth(&path, t))).await;
    let accepted = replies.iter().filter(|r| r.status == 200).count();
    assert_eq!(accepted, 4, "four seats besides the host");
    for r in replies.iter().filter(|r| r.status != 200) {
        assert_eq!(r.error_message(), "신청인원이 남아있지 않습니다");
    }
    let items = partition(&app, &format!("GROUP#{id}")).await;
    let members = items
        .iter()
        .filter(|i| i["SK"].as_s().is_ok_and(|s| s.starts_with("APPLY#")))
        .count();
    assert_eq!(members, 5);
    let meta = items
        .iter()
        .find(|i| i["SK"].as_s().is_ok_and(|s| s == "A#META"))
        .expect("meta");
    assert_eq!(
        meta["applyCount"].as_n().ok().map(String::as_str),
        Some("5")
    );
}

/// The APPLY# rows of a run by user id, and its META's `applyCount`.
async fn memberships_and_count(app: &TestApp, id: &str) -> (Vec<String>, usize) {
    let items = partition(app, &format!("GROUP#{id}")).await;
    let members = items
        .iter()
        .filter_map(|i| {
            i["SK"]
                .as_s()
                .ok()?
                .strip_prefix("APPLY#")
                .map(str::to_owned)
        })
        .collect();
    let meta = items
        .iter()
        .find(|i| i["SK"].as_s().is_ok_and(|s| s == "A#META"))
        .expect("meta");
    let count = meta["applyCount"]
        .as_n()
        .expect("n")
        .parse()
        .expect("count");
    (members, count)
}

#[tokio::test]
async fn the_same_user_applying_twice_at_once_ends_with_at_most_one_membership_the_replies_agree_with()
 {
    let app = spawn_app().await;
    let (id, host, _) = hosted_run(
        &app,
        "호스트",
        &Run::in_days(3, "07:00").set("maxPeople", "10"),
    )
    .await;
    let path = format!("/group/{id}/apply");
    // Four users double-click at once: eight toggles in flight together.
    let mut users = Vec::new();
    for i in 0..4 {
        users.push(app.login_as(&format!("러너{i}")).await);
    }
    let replies = join_all(
        users
            .iter()
            .flat_map(|(_, token)| [token, token])
            .map(|token| app.post_json_auth(&path, token)),
    )
    .await;
    let (members, count) = memberships_and_count(&app, &id).await;
    assert_eq!(count, members.len(), "the counter equals the rows");
    assert!(members.contains(&host));
    for (i, (user, _)) in users.iter().enumerate() {
        let rows = members.iter().filter(|m| *m == user).count();
        let pair = [&replies[2 * i], &replies[2 * i + 1]];
        let states: Vec<bool> = pair
            .iter()
            .map(|r| {
                let body = r.json();
                assert_eq!(body["success"], true, "{}", r.text);
                body["data"]["applyState"].as_bool().expect("applyState")
            })
            .collect();
        // Only two serial orders exist for two toggles of a non-member:
        // apply + apply-again (both see the membership: one row) or
        // apply then cancel (one says applied, one cancelled: no row).
        match rows {
            1 => assert_eq!(states, [true, true], "one row: both replies say applied"),
            0 => {
                assert_eq!(
                    states.iter().filter(|s| **s).count(),
                    1,
                    "no row: one apply then one cancel, {states:?}"
                );
                let cancel = pair
                    .iter()
                    .find(|r| r.json()["data"]["applyState"] == false)
                    .expect("cancel");
                assert_eq!(cancel.json()["message"], "그룹러닝 신청이 취소되었습니다");
            }
            n => panic!("{n} rows for one user"),
        }
    }
}

// ---- edit ----

pub async fn patch(app: &TestApp, token: &str, id: &str, form: Form) -> Reply {
    app.send(
        app.http
            .patch(app.url(&format!("/group/{id}")))
            .bearer_auth(token)
            .multipart(form),
    )
    .await
}

/// The edit page's form: current values, `startTime`/`finishTime` as `undefined`, no chattingRoom.
pub fn edit_form(app: &TestApp, run: &Run, kept: &[&str], new_images: usize) -> Form {
    let mut run = run
        .clone()
        .set("startTime", "undefined")
        .set("finishTime", "undefined")
        .without("chattingRoom")
        .without("location")
        .without("distance")
        .without("mapLatLng")
        .images(new_images);
    run.fields.retain(|(k, _)| *k != "thumbnailUrl");
    let mut form = run.form(app);
    for url in kept {
        form = form.text("thumbnailUrl", (*url).to_owned());
    }
    form
}

#[tokio::test]
async fn only_the_host_may_edit_and_not_after_the_start() {
    let app = spawn_app().await;
    let run = Run::in_days(1, "07:00");
    let (id, _, host) = hosted_run(&app, "호스트", &run).await;
    let (_, other) = app.login_as("남").await;
    assert_eq!(
        patch(&app, &other, &id, edit_form(&app, &run, &[], 0))
            .await
            .error_message(),
        "본인이 작성한 글만 수정할 수 있습니다"
    );
    assert_eq!(
        patch(&app, &host, "nope", edit_form(&app, &run, &[], 0))
            .await
            .error_message(),
        "해당 게시물이 존재하지 않습니다"
    );
    assert_eq!(
        patch(
            &app,
            &host,
            &id,
            edit_form(&app, &run.clone().set("title", "런"), &[], 0)
        )
        .await
        .error_message(),
        "제목은 최소 3글자 이상이어야 합니다"
    );
    let in_two_hours = (app.now() + Duration::hours(2)).with_timezone(&kst());
    let soon = Run::in_days(0, "00:00")
        .set("date", &in_two_hours.format("%Y-%m-%d").to_string())
        .set("standbyTime", &in_two_hours.format("%H:%M").to_string());
    assert_eq!(
        patch(&app, &host, &id, edit_form(&app, &soon, &[], 0))
            .await
            .error_message(),
        "그룹러닝수정은 현재시간보다 6시간 이후로만 수정할 수 있습니다"
    );
    app.shift_clock(2 * 86_400).await;
    assert_eq!(
        patch(
            &app,
            &host,
            &id,
            edit_form(&app, &Run::in_days(5, "07:00"), &[], 0)
        )
        .await
        .error_message(),
        "이미 지난 그룹러닝은 수정할 수 없습니다"
    );
}

#[tokio::test]
async fn an_edit_keeps_listed_images_adds_new_ones_deletes_the_rest_and_alarms_members() {
    let app = spawn_app().await;
    let run = Run::in_days(3, "07:00").images(3);
    let (id, host_id, host) = hosted_run(&app, "호스트", &run).await;
    let (runner, token) = app.login_as("러너").await;
    app.post_json_auth(&format!("/group/{id}/apply"), &token)
        .await;
    let before = app.get(&format!("/group/detail/{id}"), &host).await.json()["data"].clone();
    let url = |k: &str| before[k].as_str().expect("url").to_owned();
    let (first, second, third) = (
        url("thumbnailUrl1"),
        url("thumbnailUrl2"),
        url("thumbnailUrl3"),
    );

    // Keep 3rd then 1st, plus a theme-default URL that must be ignored, and one new file.
    let edited = run
        .clone()
        .set("title", "바뀐 제목입니다")
        .set("standbyTime", "08:15");
    let default =
        "https://erunjrungroup.s3.ap-northeast-2.amazonaws.com/groupthumbnail/%E1%84%80.png";
    let reply = patch(
        &app,
        &host,
        &id,
        edit_form(&app, &edited, &[&third, &first, default], 1),
    )
    .await;
    assert_eq!(
        reply.json(),
        json!({"success": true, "message": "게시글이 수정되었습니다"}),
        "{}",
        reply.text
    );

    let after = app.get(&format!("/group/detail/{id}"), &host).await.json()["data"].clone();
    let key = |u: &str| u.rsplit('/').next().expect("key").to_owned();
    assert_eq!(
        key(after["thumbnailUrl1"].as_str().expect("1")),
        key(&third)
    );
    assert_eq!(
        key(after["thumbnailUrl2"].as_str().expect("2")),
        key(&first)
    );
    let new_key = key(after["thumbnailUrl3"].as_str().expect("3"));
    assert!(![key(&first), key(&second), key(&third)].contains(&new_key));
    assert_eq!(after["title"], "바뀐 제목입니다");
    assert_eq!(after["standbyTime"], "08:15:00");
    assert_eq!(
        after["finishTime"], "23:00:00",
        "`undefined` does not overwrite"
    );
    assert_eq!(after["location"], "서울 서초구 잠원동 122-1");
    let removed = app
        .app
        .s3
        .head_object()
        .bucket(&app.app.config.image_bucket)
        .key(format!("groupthumbnail/{}", key(&second)))
        .send()
        .await;
    assert!(removed.is_err(), "the dropped image is deleted");

    for user in [&host_id, &runner] {
        let alarms: Vec<_> = partition(&app, &format!("USER#{user}"))
            .await
            .into_iter()
            .filter(|i| i["SK"].as_s().is_ok_and(|s| s.starts_with("ALARM#")))
            .collect();
        assert_eq!(alarms.len(), 1, "one update alarm for {user}");
        assert_eq!(
            alarms[0]["category"].as_s().ok().map(String::as_str),
            Some("update")
        );
        assert_eq!(
            alarms[0]["groupTitle"].as_s().ok().map(String::as_str),
            Some("한강 아침 러닝"),
            "the title before the edit"
        );
    }

    // No thumbnailUrl and no file: every image is removed.
    patch(&app, &host, &id, edit_form(&app, &edited, &[], 0)).await;
    let cleared = app.get(&format!("/group/detail/{id}"), &host).await.json()["data"].clone();
    assert!(
        cleared["thumbnailUrl1"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://erunjrungroup.s3")),
        "theme default"
    );
    assert!(cleared["thumbnailUrl2"].is_null());
}

// ---- delete ----

#[tokio::test]
async fn deleting_a_run_removes_everything_in_it_and_then_alarms_its_members() {
    let app = spawn_app().await;
    let (id, host_id, host) = hosted_run(&app, "호스트", &Run::in_days(3, "07:00").images(2)).await;
    let (runner, token) = app.login_as("러너").await;
    app.post_json_auth(&format!("/group/{id}/apply"), &token)
        .await;
    let (_, other) = app.login_as("남").await;
    let keys: Vec<String> = {
        let d = app.get(&format!("/group/detail/{id}"), &host).await.json()["data"].clone();
        ["thumbnailUrl1", "thumbnailUrl2"]
            .iter()
            .map(|k| {
                d[*k]
                    .as_str()
                    .expect("url")
                    .rsplit('/')
                    .next()
                    .expect("k")
                    .to_owned()
            })
            .collect()
    };
    let delete = |t: String| {
        let app = &app;
        let id = id.clone();
        async move {
            app.request(
                reqwest::Method::DELETE,
                &format!("/group/{id}"),
                Some(&format!("Bearer {t}")),
            )
            .await
        }
    };
    assert_eq!(
        delete(other.clone()).await.error_message(),
        "본인이 작성한 글만 삭제할 수 있습니다"
    );
    assert_eq!(
        delete(host.clone()).await.json(),
        json!({"success": true, "message": "게시글이 삭제되었습니다"})
    );
    assert_eq!(
        delete(host.clone()).await.error_message(),
        "해당 게시물이 존재하지 않습니다"
    );

    assert!(
        partition(&app, &format!("GROUP#{id}")).await.is_empty(),
        "nothing of the run is left"
    );
    for user in [&host_id, &runner] {
        let memberships = app
            .app
            .db
            .memberships(user, None, None)
            .await
            .expect("query");
        assert!(memberships.iter().all(|m| m.group_id != id));
        let alarms: Vec<_> = partition(&app, &format!("USER#{user}"))
            .await
            .into_iter()
            .filter(|i| i["SK"].as_s().is_ok_and(|s| s.starts_with("ALARM#")))
            .collect();
        assert_eq!(alarms.len(), 1);
        assert_eq!(
            alarms[0]["category"].as_s().ok().map(String::as_str),
            Some("delete")
        );
    }
    for key in keys {
        let gone = app
            .app
            .s3
            .head_object()
            .bucket(&app.app.config.image_bucket)
            .key(format!("groupthumbnail/{key}"))
            .send()
            .await;
        assert!(gone.is_err(), "image {key} deleted");
    }
    assert_eq!(
        anonymous(&app, "/group/all").await.json()["data"],
        json!([])
    );
}

// ---- attendance ----

#[tokio::test]
async fn the_attendance_sheet_opens_thirty_minutes_before_and_credits_the_chosen_members_once() {
    let app = spawn_app().await;
    let (id, host_id, host) = hosted_run(&app, "호스트", &Run::in_days(1, "07:00")).await;
    let mut members = Vec::new();
    for name in ["가", "나", "다"] {
        let (uid, token) = app.login_as(name).await;
        app.post_json_auth(&format!("/group/{id}/apply"), &token)
            .await;
        members.push((uid, token));
    }
    let path = format!("/group/attendance/{id}");
    assert_eq!(
        app.get(&path, &host).await.error_message(),
        "아직 출석체크 시간이 아닙니다"
    );
    assert_eq!(
        app.get(&path, &members[0].1).await.error_message(),
        "그룹러닝 호스트가 아닙니다"
    );

    let start = app.get(&format!("/group/detail/{id}"), &host).await.json()["data"]["date"].clone();
    let start =
        chrono::NaiveDate::parse_from_str(start.as_str().expect("date"), "%Y-%m-%d").expect("date");
    let start_utc = shared::domain::group::start_instant(
        start,
        chrono::NaiveTime::from_hms_opt(7, 0, 0).expect("t"),
    );
    app.set_clock(start_utc - Duration::minutes(29)).await;

    let sheet = app.get(&path, &host).await.json();
    assert_eq!(sheet["groupInfo"]["attendanceCount"], "4/5");
    assert_eq!(sheet["groupInfo"]["user"]["userId"], host_id);
    let listed: Vec<String> = sheet["applyUser"]
        .as_array()
        .expect("list")
        .iter()
        .map(|u| u["userId"].as_str().expect("id").to_owned())
        .collect();
    let mut expected: Vec<String> = members.iter().map(|(u, _)| u.clone()).collect();
    expected.sort();
    expected.reverse();
    assert_eq!(listed, expected, "host excluded, userId descending");

    let bad = app
        .send(
            app.http
                .patch(app.url(&path))
                .bearer_auth(&host)
                .json(&json!({"attendance": [7]})),
        )
        .await;
    assert_eq!(bad.error_message(), "출석체크가 완료되지 않았습니다.");
    let before: Vec<f64> = join_all(listed.iter().map(|u| manner_point(&app, u))).await;
    let done = app
        .send(
            app.http
                .patch(app.url(&path))
                .bearer_auth(&host)
                .json(&json!({"attendance": [0, 2, 0]})),
        )
        .await;
    assert_eq!(
        done.json(),
        json!({"success": true, "message": "출석체크가 완료되었습니다."})
    );
    let after: Vec<f64> = join_all(listed.iter().map(|u| manner_point(&app, u))).await;
    assert_eq!(after, vec![before[0] + 1.0, before[1], before[2] + 1.0]);

    assert_eq!(
        app.get(&path, &host).await.error_message(),
        "이미 제출이 완료된 출석명단입니다"
    );
    let again = app
        .send(
            app.http
                .patch(app.url(&path))
                .bearer_auth(&host)
                .json(&json!({"attendance": [1]})),
        )
        .await;
    assert_eq!(again.error_message(), "이미 제출이 완료된 출석명단입니다");
    let mine = anonymous(&app, &format!("/group/mypage?userId={host_id}"))
        .await
        .json();
    assert_eq!(mine["data"][0]["attendance"], true);
}

// ---- host evaluation ----

#[tokio::test]
async fn members_evaluate_the_host_once_and_the_point_stays_within_bounds() {
    let app = spawn_app().await;
    let (id, host_id, host) = hosted_run(&app, "호스트", &Run::in_days(1, "07:00")).await;
    let (_, runner) = app.login_as("러너").await;
    let (_, stranger) = app.login_as("남").await;
    app.post_json_auth(&format!("/group/{id}/apply"), &runner)
        .await;
    let path = format!("/group/evaluation/{id}");

    assert_eq!(
        app.get(&path, &host).await.error_message(),
        "크루장은 크루장 평가에 참여할 수 없습니다"
    );
    assert_eq!(
        app.get(&path, &stranger).await.error_message(),
        "크루장 평가는 그룹러닝 참가자만 할 수 있습니다"
    );
    let page = app.get(&path, &runner).await.json();
    assert_eq!(page["hostUser"]["user"]["userId"], host_id);
    assert_eq!(page["hostUser"]["title"], "한강 아침 러닝");

    let send = |body: Value| {
        app.send(
            app.http
                .patch(app.url(&path))
                .bearer_auth(&runner)
                .json(&body),
        )
    };
    assert_eq!(
        send(json!({"hostId": host_id, "point": 5, "evaluationCategory": 1}))
            .await
            .error_message(),
        "호스트 평가가 완료되지 않았습니다"
    );
    assert_eq!(
        send(json!({"hostId": host_id, "point": 1}))
            .await
            .error_message(),
        "호스트 평가가 완료되지 않았습니다"
    );
    assert_eq!(
        send(json!({"hostId": "someone-else", "point": 1, "evaluationCategory": 3}))
            .await
            .json()["message"],
        "호스트 평가가 완료되었습니다"
    );
    assert_eq!(
        manner_point(&app, &host_id).await,
        51.0,
        "the run's host, whatever hostId says"
    );
    assert_eq!(
        send(json!({"point": 1, "evaluationCategory": 3}))
            .await
            .error_message(),
        "이미 크루장 평가에 참여했습니다"
    );
    assert_eq!(
        app.get(&path, &runner).await.error_message(),
        "이미 크루장 평가에 참여했습니다"
    );
    let stats = app.app.db.user(&host_id).await.expect("read");
    assert!(stats.is_some());
    let host_item = partition(&app, &format!("USER#{host_id}"))
        .await
        .into_iter()
        .find(|i| i["SK"].as_s().is_ok_and(|s| s == "PROFILE"))
        .expect("profile");
    assert_eq!(
        host_item["eval3"].as_n().ok().map(String::as_str),
        Some("1")
    );
}

#[tokio::test]
async fn a_host_at_100_points_stays_at_100_after_a_good_evaluation() {
    let app = spawn_app().await;
    let (id, host_id, _) = hosted_run(&app, "호스트", &Run::in_days(1, "07:00")).await;
    app.app
        .db
        .client
        .update_item()
        .table_name(&app.app.db.table)
        .key("PK", AttributeValue::S(format!("USER#{host_id}")))
        .key("SK", AttributeValue::S("PROFILE".into()))
        .update_expression("SET mannerPoint = :p")
        .expression_attribute_values(":p", AttributeValue::N("100".into()))
        .send()
        .await
        .expect("set");
    let (_, runner) = app.login_as("러너").await;
    app.post_json_auth(&format!("/group/{id}/apply"), &runner)
        .await;
    let reply = app
        .send(
            app.http
                .patch(app.url(&format!("/group/evaluation/{id}")))
                .bearer_auth(&runner)
                .json(&json!({"point": 1, "evaluationCategory": 2})),
        )
        .await;
    assert_eq!(reply.json()["success"], true);
    assert_eq!(manner_point(&app, &host_id).await, 100.0);
}

/// The item of `sk` in a run's partition, as read now.
async fn run_item(app: &TestApp, id: &str, sk: &str) -> Option<HashMap<String, AttributeValue>> {
    partition(app, &format!("GROUP#{id}"))
        .await
        .into_iter()
        .find(|i| i["SK"].as_s().is_ok_and(|s| s == sk))
}

fn text_of(item: &HashMap<String, AttributeValue>, name: &str) -> String {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_else(|| panic!("{name} in {item:?}"))
}

/// The `update` alarms in a user's partition.
async fn update_alarms(app: &TestApp, user: &str) -> usize {
    partition(app, &format!("USER#{user}"))
        .await
        .into_iter()
        .filter(|i| {
            i["SK"].as_s().is_ok_and(|s| s.starts_with("ALARM#"))
                && i["category"].as_s().is_ok_and(|c| c == "update")
        })
        .count()
}

#[tokio::test]
async fn an_edit_racing_with_applications_is_all_or_nothing_and_loses_no_member() {
    let app = spawn_app().await;
    let mut outcomes = Vec::new();
    // The applications start together with the edit, a little later, and
    // after it is surely done: both outcomes of the race occur.
    let delays = [0u64, 5, 10, 15, 20, 30, 40].map(Some);
    for (round, delay) in delays.into_iter().chain([None]).enumerate() {
        let run = Run::in_days(3, "07:00").set("maxPeople", "10");
        let (id, host_id, host) = hosted_run(&app, &format!("호스트{round}"), &run).await;
        let host_row_before = run_item(&app, &id, &format!("APPLY#{host_id}"))
            .await
            .expect("host row");
        let old_start = text_of(
            &run_item(&app, &id, "A#META").await.expect("meta"),
            "startsAt",
        );
        let mut runners = Vec::new();
        for i in 0..6 {
            runners.push(app.login_as(&format!("러너{round}-{i}")).await);
        }
        let bucket_before = app.bucket_keys().await;
        let path = format!("/group/{id}/apply");
        let applies = async {
            if let Some(ms) = delay {
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            }
            join_all(runners.iter().map(|(_, t)| app.post_json_auth(&path, t))).await
        };
        let edited_run = run
            .clone()
            .set("title", "동시에 수정")
            .set("standbyTime", "08:30")
            .set("content", "바뀐 내용");
        let edit = patch(&app, &host, &id, edit_form(&app, &edited_run, &[], 1));
        let (applied, edited) = match delay {
            Some(_) => tokio::join!(applies, edit),
            None => {
                let edited = edit.await;
                (applies.await, edited)
            }
        };

        // Every application got its seat: none is lost to the edit.
        for reply in &applied {
            let body = reply.json();
            assert_eq!(body["message"], "그룹러닝에 신청되었습니다", "{body}");
            assert_eq!(body["data"]["applyState"], true);
            let people = body["data"]["applyPeople"].as_u64().expect("applyPeople");
            assert!((2..=7).contains(&people), "{people}");
        }
        let (members, count) = memberships_and_count(&app, &id).await;
        assert_eq!(members.len(), 7, "the host and all six");
        assert_eq!(count, 7, "the counter matches the member rows");

        let meta = run_item(&app, &id, "A#META").await.expect("meta");
        let text = run_item(&app, &id, "A#TEXT").await.expect("text");
        let thumbnails = meta["thumbnails"].as_l().map(Vec::len).unwrap_or(0);
        let done = edited.status == 200;
        if done {
            assert_eq!(
                edited.json(),
                json!({"success": true, "message": "게시글이 수정되었습니다"})
            );
            assert_eq!(text_of(&meta, "title"), "동시에 수정");
            assert_eq!(text_of(&meta, "standbyTime"), "08:30:00");
            assert_ne!(text_of(&meta, "startsAt"), old_start);
            assert_eq!(text_of(&text, "content"), "바뀐 내용");
            assert_eq!(thumbnails, 1);
            let thumb = meta["thumbnails"].as_l().expect("list")[0]
                .as_s()
                .expect("key")
                .clone();
            let mut expected = bucket_before.clone();
            expected.push(format!("groupthumbnail/{thumb}"));
            expected.sort();
            assert_eq!(app.bucket_keys().await, expected, "the new image is stored");
            assert_eq!(update_alarms(&app, &host_id).await, 1, "members told once");
        } else {
            assert_eq!(
                edited.error_message(),
                "그룹러닝 게시물 수정이 실패하였습니다"
            );
            assert_eq!(text_of(&meta, "title"), "한강 아침 러닝");
            assert_eq!(text_of(&meta, "standbyTime"), "07:00:00");
            assert_eq!(text_of(&meta, "startsAt"), old_start);
            assert_eq!(text_of(&text, "content"), "같이 뛰어요");
            assert_eq!(thumbnails, 0);
            assert_eq!(
                app.bucket_keys().await,
                bucket_before,
                "the failed edit's upload is deleted"
            );
            assert_eq!(
                update_alarms(&app, &host_id).await,
                0,
                "no alarm of an edit not made"
            );
        }
        let new_start = text_of(&meta, "startsAt");
        for (user, _) in &runners {
            let alarms = update_alarms(&app, user).await;
            assert!(alarms <= usize::from(done), "{alarms} update alarms");
        }
        // Members keep their own fields; only their index entry follows the run's start.
        for member in &members {
            let row = run_item(&app, &id, &format!("APPLY#{member}"))
                .await
                .expect("row");
            assert_eq!(text_of(&row, "userId"), *member);
            assert_eq!(text_of(&row, "hostId"), host_id);
            assert_eq!(text_of(&row, "startsAt"), new_start, "{member}");
            assert!(text_of(&row, "GSI2SK").ends_with(&format!("{new_start}#{id}")));
            assert_eq!(row["attendance"].as_bool().ok(), Some(&false));
            assert_eq!(row["evaluation"].as_n().ok().map(String::as_str), Some("0"));
        }
        let host_row = run_item(&app, &id, &format!("APPLY#{host_id}"))
            .await
            .expect("host row");
        for (name, value) in &host_row_before {
            if !["startsAt", "GSI2SK"].contains(&name.as_str()) {
                assert_eq!(host_row.get(name), Some(value), "host row field {name}");
            }
        }
        outcomes.push(done);
    }
    eprintln!("edit outcomes (true = applied): {outcomes:?}");
    assert_eq!(
        outcomes.last(),
        Some(&true),
        "an edit before the applications is applied"
    );
}

#[tokio::test]
async fn reading_the_feed_incrementally_gives_the_same_pages_as_sorting_every_run() {
    use shared::domain::group::{Group, GroupText, Member, sort_for_list, start_instant};
    use shared::time::instant_key;
    let app = spawn_app().await;
    let today = app.today();
    let at =
        |h: u32, m: u32| start_instant(today, chrono::NaiveTime::from_hms_opt(h, m, 0).expect("t"));
    let created = instant_key(app.now());
    let mut all = Vec::new();
    // 180 runs from 5 days ago to 25 days ahead, at many hours of each day.
    for i in 0..180u32 {
        let (days, hour) = (i64::from(i % 31) - 5, (i * 7) % 24);
        let date = today + Duration::days(days);
        let time = chrono::NaiveTime::from_hms_opt(hour, (i % 4) * 15, 0).expect("t");
        let id = format!("g{i:03}");
        let group = Group {
            group_id: id.clone(),
            user_id: format!("host{i}"),
            title: format!("run {i}"),
            max_people: 5,
            date: date.format("%Y-%m-%d").to_string(),
            standby_time: time.format("%H:%M:%S").to_string(),
            finish_time: None,
            starts_at: instant_key(start_instant(date, time)),
            distance: f64::from(i % 20),
            speed: "pace".into(),
            location: "서울 서초구".into(),
            parking: None,
            baggage: None,
            region: (i % 3) as u8,
            timecode: 1,
            thema: "산".into(),
            chatting_room: String::new(),
            thumbnails: vec![],
            images_resized: false,
            apply_count: 1,
            created_at: created.clone(),
            updated_at: created.clone(),
        };
        let host = Member {
            apply_id: id.clone(),
            group_id: id.clone(),
            user_id: group.user_id.clone(),
            host_id: group.user_id.clone(),
            starts_at: group.starts_at.clone(),
            attendance: false,
            evaluation: 0,
            applied_at: created.clone(),
        };
        let text = GroupText {
            map_lat_lng: "[]".into(),
            content: None,
        };
        // A run is only created for an existing host (issue 12, point 6).
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
            .expect("seed");
        all.push(group);
    }
    // Early morning, afternoon, and late evening (when "recruiting" starts tomorrow).
    for now in [at(0, 30), at(13, 10), at(21, 40)] {
        // 20 s past the minute: `set_clock` lands up to a second early, and
        // the checks below must not see a run's start (all on quarter hours)
        // come within a whole hour of now while they run.
        app.set_clock(now + Duration::seconds(20)).await;
        let now = app.now();
        let recruiting = shared::domain::group::recruiting_from(now);
        for from in [Some(recruiting.as_str()), None] {
            for region in [None, Some(1u8)] {
                let matches = |g: &Group| {
                    from.is_none_or(|f| g.starts_at.as_str() >= f)
                        && region.is_none_or(|r| g.region == r)
                };
                let mut expected: Vec<Group> = all.iter().filter(|g| matches(g)).cloned().collect();
                sort_for_list(&mut expected, now);
                for needed in [1, 6, 12, 30, 100, 500] {
                    let got = app
                        .app
                        .db
                        .feed(app.app.clock.now(), from, matches, Some(needed))
                        .await
                        .expect("feed");
                    let got: Vec<&str> = got
                        .iter()
                        .take(needed)
                        .map(|g| g.group_id.as_str())
                        .collect();
                    let want: Vec<&str> = expected
                        .iter()
                        .take(needed)
                        .map(|g| g.group_id.as_str())
                        .collect();
                    assert_eq!(
                        got, want,
                        "now {now}, from {from:?}, region {region:?}, first {needed}"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn a_first_feed_page_over_a_dense_fortnight_is_one_query_and_one_batch() {
    let app = spawn_app().await;
    for i in 0..36 {
        let days = 1 + i / 6;
        let hour = format!("{:02}:00", 6 + (i % 6) * 2);
        hosted_run(&app, &format!("호스트{i}"), &Run::in_days(days, &hour)).await;
    }
    let reply = anonymous(&app, "/group/all?page=1&size=6").await;
    assert_eq!(reply.json()["data"].as_array().map(Vec::len), Some(6));
    assert_eq!(reply.ddb_calls(), 2);
}
