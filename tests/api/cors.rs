//! CORS, preflight and the catch-all (cross-cutting.md §2, §7).

use reqwest::Method;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_preflight_from_the_frontend_gets_204_with_the_contract_headers() {
    let app = spawn_app().await;
    for path in ["/user/auth", "/group/abc/apply", "/no/such/route"] {
        let reply = app
            .send(
                app.http
                    .request(Method::OPTIONS, app.url(path))
                    .header("origin", "http://localhost:3000")
                    .header("access-control-request-method", "GET")
                    .header(
                        "access-control-request-headers",
                        "authorization,reauthorization",
                    ),
            )
            .await;
        assert_eq!(reply.status, 204, "{path}");
        assert_eq!(reply.text, "");
        assert_eq!(
            reply.header("access-control-allow-origin"),
            Some("http://localhost:3000")
        );
        assert_eq!(
            reply.header("access-control-allow-credentials"),
            Some("true")
        );
        assert_eq!(
            reply.header("access-control-allow-methods"),
            Some("GET,HEAD,PUT,PATCH,POST,DELETE")
        );
        assert_eq!(
            reply.header("access-control-allow-headers"),
            Some("authorization,reauthorization")
        );
        assert_eq!(
            reply.header("vary"),
            Some("Origin, Access-Control-Request-Headers")
        );
        assert_eq!(reply.header("access-control-max-age"), None);
    }
}

#[tokio::test]
async fn responses_echo_only_allowed_origins() {
    let app = spawn_app().await;
    let allowed = app
        .send(
            app.http
                .get(app.url("/user/auth"))
                .header("origin", "https://www.erunjrun.com")
                .header("authorization", "Bearer undefined"),
        )
        .await;
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://www.erunjrun.com")
    );
    assert_eq!(allowed.header("vary"), Some("Origin"));

    let foreign = app
        .send(
            app.http
                .get(app.url("/user/auth"))
                .header("origin", "https://evil.example")
                .header("authorization", "Bearer undefined"),
        )
        .await;
    assert_eq!(foreign.header("access-control-allow-origin"), None);
    assert_eq!(
        foreign.status, 400,
        "the request still runs; the browser just cannot read it"
    );
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_answer_the_catch_all_text() {
    let app = spawn_app().await;
    let cases = [
        (Method::GET, "/"),
        (Method::GET, "/favicon.ico"),
        (Method::POST, "/user/auth"),
        (Method::GET, "/testSignup"),
        (Method::PUT, "/comment/abc/def/ghi"),
    ];
    for (method, path) in cases {
        let reply = app.request(method.clone(), path, None).await;
        assert_eq!(reply.status, 200, "{method} {path}");
        assert_eq!(
            reply.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(reply.text, "테스트 성공", "{method} {path}");
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let reply = app.request(Method::GET, "/", None).await;
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(reply.header("x-frame-options"), Some("SAMEORIGIN"));
    assert_eq!(reply.header("referrer-policy"), Some("no-referrer"));
}
