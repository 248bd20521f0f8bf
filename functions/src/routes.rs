//! The single table of HTTP routes. template.yaml has one function per row
//! (same method, path and `ERUN_ROUTE`), checked by `tests/api/template.rs`;
//! the dev gateway serves every row on one port.

use shared::http::Handler;

use crate::handlers::{
    alarm, auth, chat, comment, course, fallback, group, recomment, test_account, user,
};

pub struct Route {
    /// HTTP method as API Gateway spells it, or `ANY`.
    pub method: &'static str,
    /// API Gateway path syntax (`{id}`, `{proxy+}`).
    pub path: &'static str,
    /// `ERUN_ROUTE` of the function serving it.
    pub name: &'static str,
    pub handler: Handler,
}

macro_rules! route {
    ($method:ident $path:literal => $name:literal, $handler:path) => {
        Route {
            method: stringify!($method),
            path: $path,
            name: $name,
            handler: |app, req| Box::pin($handler(app, req)),
        }
    };
}

pub static ROUTES: &[Route] = &[
    // ---- test accounts (answer only with ENABLE_TEST_ROUTES=1) ----
    route!(POST "/testSignup" => "test-signup", test_account::test_signup),
    route!(POST "/testlogin" => "test-login", test_account::test_login),
    // ---- user ----
    route!(GET "/user/auth" => "user-auth", user::auth),
    route!(DELETE "/user/logout" => "user-logout", user::logout),
    route!(GET "/user/kakao" => "user-kakao", user::kakao),
    route!(GET "/user/naver" => "user-naver", user::naver),
    route!(GET "/user/kakao/callback" => "user-kakao-callback", user::kakao_callback),
    route!(GET "/user/naver/callback" => "user-naver-callback", user::naver_callback),
    route!(DELETE "/user/delete" => "user-delete", user::delete),
    route!(POST "/user/message" => "user-message", user::send_code),
    route!(POST "/user/verify" => "user-verify", user::verify_code),
    // ---- auth ----
    route!(GET "/auth/info/{userId}" => "auth-info", auth::info),
    route!(GET "/auth/updateUser" => "auth-settings", auth::settings),
    route!(PATCH "/auth/updateUser" => "auth-update-user", auth::update),
    route!(PATCH "/auth/userLike" => "auth-user-like", auth::user_like),
    // ---- group ----
    route!(POST "/group" => "group-create", group::create),
    route!(GET "/group/all" => "group-all", group::all),
    route!(GET "/group/main" => "group-main", group::main),
    route!(GET "/group/prefer" => "group-prefer", group::prefer),
    route!(GET "/group/mypage" => "group-mypage", group::mypage),
    route!(GET "/group/complete" => "group-complete", group::complete),
    route!(GET "/group/{id}" => "group-category", group::unknown_category),
    route!(GET "/group/detail/{id}" => "group-detail", group::detail),
    route!(PATCH "/group/{id}" => "group-update", group::update),
    route!(DELETE "/group/{id}" => "group-delete", group::delete),
    route!(POST "/group/{id}/apply" => "group-apply", group::apply),
    route!(GET "/group/attendance/{id}" => "group-attendance", group::attendance),
    route!(PATCH "/group/attendance/{id}" => "group-attendance-submit", group::submit_attendance),
    route!(GET "/group/evaluation/{id}" => "group-evaluation", group::evaluation),
    route!(PATCH "/group/evaluation/{id}" => "group-evaluate", group::evaluate),
    // ---- course ----
    // `{id}` is the list category on GET and the courseId elsewhere (one name per position).
    route!(POST "/course" => "course-create", course::create),
    route!(GET "/course/main" => "course-main", course::main),
    route!(GET "/course/all" => "course-all", course::all),
    route!(GET "/course/mypage" => "course-mypage", course::mypage),
    route!(GET "/course/bookmark" => "course-bookmark-list", course::bookmark_list),
    route!(GET "/course/{id}" => "course-category", course::unknown_category),
    route!(GET "/course/detail/{id}" => "course-detail", course::detail),
    route!(PATCH "/course/{id}" => "course-update", course::update),
    route!(DELETE "/course/{id}" => "course-delete", course::delete),
    route!(PATCH "/course/{id}/bookmark" => "course-bookmark", course::bookmark),
    route!(GET "/course/{id}/starPoint" => "course-star-point", course::star_point),
    route!(PATCH "/course/{id}/starPoint" => "course-rate", course::rate),
    // ---- comment / recomment ----
    // `/comment/{id}` is the category before a postId, else the commentId;
    // `/recomment/{id}` is the commentId (POST, GET) or the recommentId (PATCH, DELETE).
    route!(POST "/comment/{id}/{postId}" => "comment-create", comment::create),
    route!(GET "/comment/{id}/{postId}" => "comment-list", comment::list),
    route!(PATCH "/comment/{id}" => "comment-update", comment::update),
    route!(DELETE "/comment/{id}" => "comment-delete", comment::delete),
    route!(POST "/recomment/{id}" => "recomment-create", recomment::create),
    route!(GET "/recomment/{id}" => "recomment-list", recomment::list),
    route!(PATCH "/recomment/{id}" => "recomment-update", recomment::update),
    route!(DELETE "/recomment/{id}" => "recomment-delete", recomment::delete),
    // ---- alarm ----
    route!(GET "/alarm" => "alarm-list", alarm::list),
    route!(PATCH "/alarm" => "alarm-read", alarm::mark_read),
    // ---- chat: Engine.IO long-polling (docs/chat.md) ----
    // The client asks for `/socket.io/?EIO=4&…`. An HTTP API route path cannot
    // end in `/`, so each function has the bare path and the greedy one (the
    // dev gateway serves `/socket.io/` through the greedy one; docs/chat.md).
    route!(GET "/socket.io" => "chat-poll", chat::poll),
    route!(GET "/socket.io/{proxy+}" => "chat-poll", chat::poll),
    route!(POST "/socket.io" => "chat-post", chat::post),
    route!(POST "/socket.io/{proxy+}" => "chat-post", chat::post),
    // ---- catch-all: unknown routes and every CORS preflight ----
    route!(ANY "/" => "fallback", fallback::not_found),
    route!(ANY "/{proxy+}" => "fallback", fallback::not_found),
];

/// The route a function serves, by its `ERUN_ROUTE` name.
pub fn by_name(name: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|r| r.name == name)
}

/// The route named by the environment variable `var`; a missing or unknown
/// name is a loud start-up error (a misconfigured function must not serve).
pub fn from_env(var: &str) -> anyhow::Result<&'static Route> {
    let name = std::env::var(var).map_err(|_| anyhow::anyhow!("{var} must name a route"))?;
    by_name(&name).ok_or_else(|| anyhow::anyhow!("{var}={name:?} is not in the route table"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_method_and_path_appears_once() {
        let mut seen = HashSet::new();
        for r in ROUTES {
            assert!(
                seen.insert((r.method, r.path)),
                "duplicate route {} {}",
                r.method,
                r.path
            );
        }
    }

    #[test]
    fn route_names_are_kebab_case() {
        for r in ROUTES {
            assert!(
                r.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{} is not kebab-case",
                r.name
            );
        }
    }

    #[test]
    fn an_unknown_route_name_is_refused() {
        assert!(by_name("no-such-route").is_none());
        assert_eq!(by_name("user-auth").map(|r| r.path), Some("/user/auth"));
    }
}
