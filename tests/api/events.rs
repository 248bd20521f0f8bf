//! The sample events in `events/` (also usable with `cargo lambda invoke
//! --data-file`) parse as the Lambda runtime parses them and get the
//! contract's answers from the same `dispatch` the `api` binary runs.

use functions::routes;

use crate::helpers::spawn_app;

async fn run(route: &str, event: &str) -> lambda_http::Response<lambda_http::Body> {
    let app = spawn_app().await;
    let request = lambda_http::request::from_str(event).expect("an API Gateway v2 event");
    let route = routes::by_name(route).expect("route");
    shared::http::dispatch(app.app, route.handler, request)
        .await
        .0
}

#[tokio::test]
async fn the_user_auth_sample_event_from_a_logged_out_browser_gets_the_logout_message() {
    let response = run("user-auth", include_str!("../../events/user-auth.json")).await;
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = serde_json::from_slice(response.body().as_ref()).expect("json");
    assert_eq!(body["message"], shared::http::auth::TOKEN_PROBLEM);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://erunjrun.com"
    );
}

#[tokio::test]
async fn the_preflight_sample_event_is_answered_by_the_catch_all_function() {
    let response = run("fallback", include_str!("../../events/preflight.json")).await;
    assert_eq!(response.status(), 204);
    assert_eq!(
        response.headers()["access-control-allow-headers"],
        "authorization,content-type,reauthorization"
    );
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
}
