//! What is left when a run's create, edit or delete fails part-way, whether
//! a retry finishes the job, and pages far beyond the feed's end.

use std::future::Future;
use std::task::Poll;

use futures::future::join_all;
use serde_json::json;

use crate::group::partition;
use crate::helpers::{Reply, TestApp, spawn_app};
use crate::runs::{Run, create, hosted_run};

const DELETE_FAILED: &str = "그룹러닝 게시물 삭제가 실패하였습니다";
const NOT_FOUND: &str = "해당 게시물이 존재하지 않습니다";

async fn anonymous(app: &TestApp, path: &str) -> Reply {
    app.request(reqwest::Method::GET, path, Some("Bearer undefined"))
        .await
}

async fn delete(app: &TestApp, token: &str, id: &str) -> Reply {
    app.request(
        reqwest::Method::DELETE,
        &format!("/group/{id}"),
        Some(&format!("Bearer {token}")),
    )
    .await
}

/// The image keys of a run, from its detail page.
async fn image_keys(app: &TestApp, id: &str) -> Vec<String> {
    let detail = anonymous(app, &format!("/group/detail/{id}")).await.json();
    ["thumbnailUrl1", "thumbnailUrl2", "thumbnailUrl3"]
        .iter()
        .filter_map(|k| detail["data"][*k].as_str())
        .filter(|u| u.contains("cloudfront"))
        .map(|u| u.rsplit('/').next().expect("key").to_owned())
        .collect()
}

fn stored(keys: &[String]) -> Vec<String> {
    let mut objects: Vec<String> = keys.iter().map(|k| format!("groupthumbnail/{k}")).collect();
    objects.sort();
    objects
}

/// The SKs of a user's `delete` alarms for run `id`.
async fn delete_alarms(app: &TestApp, user: &str, id: &str) -> Vec<String> {
    partition(app, &format!("USER#{user}"))
        .await
        .into_iter()
        .filter(|i| {
            i["SK"].as_s().is_ok_and(|s| s.starts_with("ALARM#"))
                && i["category"].as_s().is_ok_and(|c| c == "delete")
                && i["groupId"].as_s().is_ok_and(|g| g == id)
        })
        .map(|i| i["SK"].as_s().expect("sk").clone())
        .collect()
}

/// Takes the image bucket away (its objects kept aside), so that every S3
/// call of the app fails.
async fn take_bucket_away(app: &TestApp) -> Vec<(String, bytes::Bytes)> {
    let (s3, bucket) = (&app.app.s3, &app.app.config.image_bucket);
    let mut aside = Vec::new();
    for key in app.bucket_keys().await {
        let object = s3
            .get_object()
            .bucket(bucket)
            .key(&key)
            .send()
            .await
            .expect("get");
        aside.push((
            key.clone(),
            object.body.collect().await.expect("body").into_bytes(),
        ));
        s3.delete_object()
            .bucket(bucket)
            .key(&key)
            .send()
            .await
            .expect("delete");
    }
    s3.delete_bucket()
        .bucket(bucket)
        .send()
        .await
        .expect("delete bucket");
    aside
}

async fn bring_bucket_back(app: &TestApp, aside: Vec<(String, bytes::Bytes)>) {
    let (s3, bucket) = (&app.app.s3, &app.app.config.image_bucket);
    functions::local::devstack::ensure_bucket(s3, bucket)
        .await
        .expect("bucket");
    for (key, bytes) in aside {
        s3.put_object()
            .bucket(bucket)
            .key(key)
            .body(bytes.into())
            .send()
            .await
            .expect("put back");
    }
}

// ---- create / edit: no orphan uploads ----

#[tokio::test]
async fn a_create_refused_after_its_upload_leaves_no_image_in_the_bucket() {
    let app = spawn_app().await;
    let (id, _, token) = hosted_run(&app, "호스트", &Run::in_days(3, "07:00").images(2)).await;
    let kept = image_keys(&app, &id).await;
    assert_eq!(kept.len(), 2);
    // Within ten seconds: refused by the transaction, after the upload.
    let refused = create(&app, &token, &Run::in_days(4, "07:00").images(3)).await;
    assert_eq!(
        refused.error_message(),
        "짧은시간내에 연속으로 글을 작성할 수 없습니다"
    );
    assert_eq!(
        app.bucket_keys().await,
        stored(&kept),
        "only the first run's images"
    );
}

#[tokio::test]
async fn an_edit_that_loses_a_race_deletes_its_upload_and_changes_nothing() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let app = spawn_app().await;
    let run = Run::in_days(3, "07:00").images(1);
    let (id, _, host) = hosted_run(&app, "호스트", &run).await;
    let (_, runner) = app.login_as("러너").await;
    let apply = format!("/group/{id}/apply");
    let mut title = "한강 아침 러닝".to_owned();
    let mut failed = 0;
    for attempt in 0..20 {
        let before = app.bucket_keys().await;
        assert_eq!(before, stored(&image_keys(&app, &id).await));
        // A member joins and leaves without pause while the host edits (no
        // image kept, one new): the edit's read of the membership goes
        // stale before its write.
        let stop = AtomicBool::new(false);
        let toggles = async {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) || n % 2 == 1 {
                assert_eq!(app.post_json_auth(&apply, &runner).await.status, 200);
                n += 1;
            }
        };
        let new_title = format!("바뀐 제목 {attempt}");
        let edit = async {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            let form = run
                .clone()
                .set("title", &new_title)
                .set("startTime", "undefined")
                .set("finishTime", "undefined")
                .form(&app);
            let reply = app
                .send(
                    app.http
                        .patch(app.url(&format!("/group/{id}")))
                        .bearer_auth(&host)
                        .multipart(form),
                )
                .await;
            stop.store(true, Ordering::Relaxed);
            reply
        };
        let ((), reply) = tokio::join!(toggles, edit);
        let detail = anonymous(&app, &format!("/group/detail/{id}")).await.json();
        if reply.status == 200 {
            // It slipped between two toggles: applied whole.
            assert_eq!(detail["data"]["title"], new_title.as_str());
            let now = app.bucket_keys().await;
            assert_eq!(now, stored(&image_keys(&app, &id).await));
            assert_eq!(now.len(), 1, "the new image replaced the old one");
            assert_ne!(now, before);
            title = new_title;
            continue;
        }
        assert_eq!(
            reply.error_message(),
            "그룹러닝 게시물 수정이 실패하였습니다"
        );
        failed += 1;
        assert_eq!(detail["data"]["title"], title.as_str(), "nothing changed");
        assert_eq!(
            app.bucket_keys().await,
            before,
            "the failed edit's upload is deleted, the run's image stays"
        );
        if failed == 3 {
            return;
        }
    }
    panic!("only {failed} of 20 edits raced with the toggles");
}

// ---- delete: a failure part-way is finished by the retry ----

#[tokio::test]
async fn a_run_delete_that_fails_at_its_images_is_finished_by_the_hosts_retry() {
    let app = spawn_app().await;
    let (id, host_id, host) = hosted_run(&app, "호스트", &Run::in_days(3, "07:00").images(2)).await;
    let (runner, runner_token) = app.login_as("러너").await;
    app.post_json_auth(&format!("/group/{id}/apply"), &runner_token)
        .await;
    let comment = app
        .send(
            app.http
                .post(app.url(&format!("/comment/group/{id}")))
                .bearer_auth(&runner_token)
                .json(&json!({"content": "같이 가요"})),
        )
        .await;
    assert_eq!(comment.json()["success"], true, "{}", comment.text);
    let images = stored(&image_keys(&app, &id).await);
    assert_eq!(app.bucket_keys().await, images);

    // The bucket goes away (its objects kept aside): the image step fails.
    let aside = take_bucket_away(&app).await;
    assert_eq!(
        delete(&app, &host, &id).await.error_message(),
        DELETE_FAILED
    );

    // What is left: the run is gone for every reader and nobody can join;
    // its items are deleted and its members told, except the DELETING record.
    assert_eq!(
        anonymous(&app, &format!("/group/detail/{id}"))
            .await
            .error_message(),
        NOT_FOUND
    );
    assert_eq!(
        anonymous(&app, "/group/all").await.json()["data"],
        json!([])
    );
    let (_, late) = app.login_as("늦은러너").await;
    assert_eq!(
        app.post_json_auth(&format!("/group/{id}/apply"), &late)
            .await
            .error_message(),
        "그룹러닝신청이 실패하였습니다"
    );
    let left: Vec<String> = partition(&app, &format!("GROUP#{id}"))
        .await
        .iter()
        .map(|i| i["SK"].as_s().expect("sk").clone())
        .collect();
    assert_eq!(left, ["DELETING"]);
    let alarms_before: Vec<Vec<String>> =
        join_all([&host_id, &runner].map(|u| delete_alarms(&app, u, &id))).await;
    assert!(
        alarms_before.iter().all(|a| a.len() == 1),
        "{alarms_before:?}"
    );
    // Only the host's retry resumes it.
    assert_eq!(
        delete(&app, &runner_token, &id).await.error_message(),
        NOT_FOUND
    );

    // The bucket is back with the images: the host's retry finishes.
    bring_bucket_back(&app, aside).await;
    assert_eq!(
        delete(&app, &host, &id).await.json(),
        json!({"success": true, "message": "게시글이 삭제되었습니다"})
    );
    assert!(partition(&app, &format!("GROUP#{id}")).await.is_empty());
    assert_eq!(app.bucket_keys().await, Vec::<String>::new());
    let alarms_after: Vec<Vec<String>> =
        join_all([&host_id, &runner].map(|u| delete_alarms(&app, u, &id))).await;
    assert_eq!(alarms_after, alarms_before, "the retry told nobody twice");
    assert_eq!(delete(&app, &host, &id).await.error_message(), NOT_FOUND);
}

#[tokio::test]
async fn an_account_deletion_that_fails_in_a_hosted_runs_delete_is_finished_by_its_retry() {
    let app = spawn_app().await;
    let (id, host_id, host) = hosted_run(&app, "호스트", &Run::in_days(3, "07:00").images(1)).await;
    let (runner, runner_token) = app.login_as("러너").await;
    app.post_json_auth(&format!("/group/{id}/apply"), &runner_token)
        .await;
    let bearer = format!("Bearer {host}");
    let leave = || app.request(reqwest::Method::DELETE, "/user/delete", Some(&bearer));
    let aside = take_bucket_away(&app).await;
    assert_eq!(leave().await.error_message(), "회원탈퇴에 실패하였습니다.");
    assert!(app.app.db.user(&host_id).await.expect("read").is_some());
    let left: Vec<String> = partition(&app, &format!("GROUP#{id}"))
        .await
        .iter()
        .map(|i| i["SK"].as_s().expect("sk").clone())
        .collect();
    assert_eq!(left, ["DELETING"], "the run's delete stopped at its images");

    bring_bucket_back(&app, aside).await;
    assert_eq!(
        leave().await.json(),
        json!({"success": true, "message": "회원탈퇴에 성공하였습니다."})
    );
    assert!(app.app.db.user(&host_id).await.expect("read").is_none());
    assert!(partition(&app, &format!("GROUP#{id}")).await.is_empty());
    assert_eq!(app.bucket_keys().await, Vec::<String>::new());
    assert_eq!(delete_alarms(&app, &runner, &id).await.len(), 1);
}

/// Runs `fut` until it has returned `Pending` `budget` times, then drops it
/// there (as a Lambda that times out or crashes mid-way): `None`.
async fn interrupted<F: Future>(fut: F, budget: usize) -> Option<F::Output> {
    let mut fut = Box::pin(fut);
    let mut left = budget;
    std::future::poll_fn(move |cx| match fut.as_mut().poll(cx) {
        Poll::Ready(out) => Poll::Ready(Some(out)),
        Poll::Pending if left == 0 => Poll::Ready(None),
        Poll::Pending => {
            left -= 1;
            Poll::Pending
        }
    })
    .await
}

#[tokio::test]
async fn a_run_delete_interrupted_at_any_point_is_finished_by_a_retry() {
    let app = spawn_app().await;
    let mut interruptions = 0;
    for budget in 0..400 {
        let (id, host_id, host) = hosted_run(
            &app,
            &format!("호스트{budget}"),
            &Run::in_days(3, "07:00").images(1),
        )
        .await;
        let (runner, token) = app.login_as(&format!("러너{budget}")).await;
        app.post_json_auth(&format!("/group/{id}/apply"), &token)
            .await;
        let images = stored(&image_keys(&app, &id).await);
        let group = app.app.db.group(&id).await.expect("read").expect("run");

        let done = interrupted(
            shared::services::groups::delete_group(app.app, &group, &host_id),
            budget,
        )
        .await;
        if let Some(result) = &done {
            assert!(result.as_ref().is_ok_and(|d| *d), "the whole delete ran");
        } else {
            interruptions += 1;
            // Never half-visible: the whole run with both members, or nothing.
            let detail = anonymous(&app, &format!("/group/detail/{id}")).await;
            if detail.status == 200 {
                let appliers = detail.json()["data"]["Appliers"].clone();
                assert_eq!(appliers.as_array().map(Vec::len), Some(2), "{appliers}");
            } else {
                assert_eq!(detail.error_message(), NOT_FOUND);
            }
            assert_eq!(
                delete(&app, &host, &id).await.json(),
                json!({"success": true, "message": "게시글이 삭제되었습니다"}),
                "interrupted after {budget} suspensions"
            );
        }
        assert!(
            partition(&app, &format!("GROUP#{id}")).await.is_empty(),
            "budget {budget}"
        );
        assert!(!images.is_empty());
        assert_eq!(
            app.bucket_keys().await,
            Vec::<String>::new(),
            "budget {budget}"
        );
        for user in [&host_id, &runner] {
            assert_eq!(
                delete_alarms(&app, user, &id).await.len(),
                1,
                "one delete alarm each, budget {budget}"
            );
        }
        if done.is_some() {
            eprintln!("delete interrupted at {interruptions} points, then finished by a retry");
            assert!(
                interruptions > 3,
                "only {interruptions} interruption points"
            );
            return;
        }
    }
    panic!("the delete never finished within 400 suspensions");
}

// ---- paging ----

#[tokio::test]
async fn feed_pages_far_beyond_the_data_are_empty_and_read_the_index_once() {
    let app = spawn_app().await;
    for i in 0..3 {
        hosted_run(&app, &format!("호스트{i}"), &Run::in_days(2 + i, "07:00")).await;
    }
    let max = usize::MAX;
    for query in [
        "page=2&size=6".to_owned(),
        "page=1000000&size=1000000".to_owned(),
        format!("page={max}&size={max}"),
        format!("page={max}&size=1"),
        format!("page=2&size={max}"),
        // All digits but beyond usize: as far as a page can go (docs/limits.md).
        "page=99999999999999999999999&size=6".to_owned(),
    ] {
        let reply = anonymous(&app, &format!("/group/all?{query}")).await;
        assert_eq!(reply.json()["data"], json!([]), "{query}");
        assert!(reply.ddb_calls() <= 2, "{query}: {}", reply.ddb_calls());
    }
    for query in [
        "page=1&size=1000000".to_owned(),
        format!("page=1&size={max}"),
        // Not positive integers: the whole list (groups.md §1.9).
        "page=0&size=6".to_owned(),
        "page=-1&size=-6".to_owned(),
    ] {
        let reply = anonymous(&app, &format!("/group/all?{query}")).await;
        assert_eq!(
            reply.json()["data"].as_array().map(Vec::len),
            Some(3),
            "{query}"
        );
    }
}
