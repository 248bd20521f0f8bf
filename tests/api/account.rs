//! Social login, profile, preferences, SMS verification and account
//! deletion (auth.md §7.1–§7.4, §7.7–§7.13), through the dev gateway against
//! the loopback fake Kakao, Naver and SENS.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use functions::local::fakes::oauth::{FakeAccount, FakeProvider, FakeProviders};
use functions::local::fakes::sens::FakeSens;
use reqwest::Method;
use serde_json::{Value, json};
use shared::domain::group::{Group, GroupText, Member};
use shared::domain::phone::PhoneCipher;
use shared::domain::user::msg::{SEND_FAILED, SEND_THROTTLED};
use shared::time::{instant_key, kst};

use crate::helpers::{Reply, TestApp, USER_AGENT, spawn_app_with};

const PHONE_KEY: [u8; 32] = [7; 32];
const TOKEN_FAILED: &str = "Failed to obtain access token";
const PROFILE_FAILED_MSG: &str = "Failed to fetch user profile";

struct World {
    app: TestApp,
    providers: FakeProviders,
    sens: FakeSens,
}

async fn spawn() -> World {
    spawn_adjusted(|_| {}).await
}

async fn spawn_adjusted(adjust: impl FnOnce(&mut shared::config::Config)) -> World {
    let providers =
        FakeProviders::start("http://localhost:3000/kakao", "http://localhost:3000/naver")
            .await
            .expect("fake providers");
    let sens = FakeSens::start("ncp:sms:kr:1:erun", "test-access", "test-secret")
        .await
        .expect("fake sens");
    let app = spawn_app_with(|c| {
        providers.configure(&mut c.external);
        sens.configure(&mut c.external);
        c.external.phone_key = Some(PHONE_KEY);
        adjust(c);
    })
    .await;
    World {
        app,
        providers,
        sens,
    }
}

impl World {
    async fn callback(&self, provider: FakeProvider, query: &str) -> Reply {
        let path = match provider {
            FakeProvider::Kakao => "/user/kakao/callback",
            FakeProvider::Naver => "/user/naver/callback",
        };
        // The frontend sends its (possibly stale) auth headers along.
        self.app
            .send(
                self.app
                    .http
                    .get(self.app.url(&format!("{path}?{query}")))
                    .header("authorization", "Bearer undefined")
                    .header("reauthorization", "Bearer undefined"),
            )
            .await
    }

    /// Logs `account` in; returns the callback body.
    async fn login(&self, provider: FakeProvider, account: FakeAccount) -> Value {
        let code = self.providers.issue_code(provider, account);
        let reply = self
            .callback(provider, &format!("code={code}&state=erunjrun"))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.json()
    }

    async fn kakao_user(&self, id: &str, nickname: &str) -> (String, String) {
        let body = self
            .login(FakeProvider::Kakao, FakeAccount::new(id, nickname))
            .await;
        (
            body["userId"].as_str().expect("userId").to_owned(),
            body["token"].as_str().expect("token").to_owned(),
        )
    }

    async fn call(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Reply {
        let mut request = self
            .app
            .http
            .request(method, self.app.url(path))
            .header("authorization", format!("Bearer {token}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.app.send(request).await
    }

    async fn item(&self, pk: &str, sk: &str) -> Option<HashMap<String, AttributeValue>> {
        self.app
            .app
            .db
            .client
            .get_item()
            .table_name(&self.app.app.db.table)
            .key("PK", AttributeValue::S(pk.into()))
            .key("SK", AttributeValue::S(sk.into()))
            .consistent_read(true)
            .send()
            .await
            .expect("get item")
            .item
    }

    async fn partition(&self, pk: &str) -> Vec<HashMap<String, AttributeValue>> {
        self.app
            .app
            .db
            .client
            .query()
            .table_name(&self.app.app.db.table)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(pk.into()))
            .consistent_read(true)
            .send()
            .await
            .expect("query")
            .items
            .unwrap_or_default()
    }

    /// Every item of the table (tests only: never in a request path).
    async fn all_items(&self) -> Vec<HashMap<String, AttributeValue>> {
        self.app
            .app
            .db
            .client
            .scan()
            .table_name(&self.app.app.db.table)
            .send()
            .await
            .expect("scan")
            .items
            .unwrap_or_default()
    }

    async fn send_code(&self, token: &str, tel: &str) -> Reply {
        self.call(
            Method::POST,
            "/user/message",
            token,
            Some(json!({ "tel": tel })),
        )
        .await
    }

    fn last_code(&self) -> String {
        self.sens
            .messages()
            .last()
            .and_then(|m| m.code())
            .expect("an SMS with a code")
    }

    /// A run hosted by `host` starting in `hours`, with the host as member.
    async fn seed_group(&self, host: &str, hours: i64, title: &str) -> Group {
        let start = self.app.app.clock.now() + chrono::Duration::hours(hours);
        let local = start.with_timezone(&kst());
        let now = instant_key(self.app.app.clock.now());
        let group = Group {
            group_id: uuid::Uuid::new_v4().to_string(),
            user_id: host.to_owned(),
            title: title.to_owned(),
            max_people: 5,
            date: local.format("%Y-%m-%d").to_string(),
            standby_time: local.format("%H:%M:%S").to_string(),
            finish_time: None,
            starts_at: instant_key(start),
            distance: 5.5,
            speed: "6:00".into(),
            location: "서울 마포구 망원동".into(),
            parking: None,
            baggage: None,
            region: 1,
            timecode: 2,
            thema: "강변".into(),
            chatting_room: String::new(),
            thumbnails: vec![],
            images_resized: false,
            apply_count: 1,
            created_at: now.clone(),
            updated_at: now.clone(),
        };
        let text = GroupText {
            map_lat_lng: "[]".into(),
            content: None,
        };
        self.app
            .app
            .db
            .create_group(&group, &text, &self.member(&group, host), 0)
            .await
            .expect("create group");
        group
    }

    fn member(&self, group: &Group, user: &str) -> Member {
        Member {
            apply_id: uuid::Uuid::new_v4().to_string(),
            group_id: group.group_id.clone(),
            user_id: user.to_owned(),
            host_id: group.user_id.clone(),
            starts_at: group.starts_at.clone(),
            attendance: false,
            evaluation: 0,
            applied_at: instant_key(self.app.app.clock.now()),
        }
    }

    async fn join(&self, group: &Group, user: &str) {
        let outcome = self
            .app
            .app
            .db
            .add_member(
                &self.member(group, user),
                &instant_key(self.app.app.clock.now()),
            )
            .await
            .expect("join");
        assert_eq!(format!("{outcome:?}"), "Applied");
    }
}

fn text(item: &HashMap<String, AttributeValue>, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

// ---- social login ----

#[tokio::test]
async fn a_first_kakao_login_creates_the_user_and_answers_tokens_with_the_misspelled_flag() {
    let w = spawn().await;
    let issued_from = w.app.now().timestamp();
    let body = w
        .login(FakeProvider::Kakao, FakeAccount::new("2266112233", "현준"))
        .await;
    let user_id = body["userId"].as_str().expect("userId");
    assert_eq!(body["succcss"], true);
    assert!(body.get("success").is_none());
    assert_eq!(body["nickname"], "현준");
    assert_eq!(body["profileUrl"], "http://img.fake/2266112233.jpg");
    assert_eq!(body["firstLogin"], true);
    assert_eq!(body["agreeSMS"], false);

    let now = w.app.app.clock.now().timestamp();
    let access = w
        .app
        .app
        .tokens
        .verify(body["token"].as_str().expect("t"), now)
        .expect("ours");
    let refresh = w
        .app
        .app
        .tokens
        .verify(body["refreshToken"].as_str().expect("r"), now)
        .expect("ours");
    assert_eq!(access.user_id, user_id);
    // Issued between the two clock reads (a second may tick in between).
    let issued = refresh.exp.expect("exp") - 14 * 86_400;
    assert!((issued_from..=now).contains(&issued), "{issued}");
    let stored = w
        .app
        .app
        .db
        .refresh_token(user_id, USER_AGENT, now)
        .await
        .expect("read");
    assert_eq!(stored.as_deref(), body["refreshToken"].as_str());

    let link = w
        .item("SOCIAL#kakao#2266112233", "SOCIAL")
        .await
        .expect("link");
    assert_eq!(text(&link, "userId").as_deref(), Some(user_id));
    let me = w
        .app
        .get("/user/auth", body["token"].as_str().expect("t"))
        .await;
    assert_eq!(me.json()["userId"], user_id);

    // The real Kakao wire format: form POST with our client and redirect, no secret.
    let (provider, form) = w.providers.token_requests().pop().expect("token request");
    assert_eq!(provider, FakeProvider::Kakao);
    assert_eq!(form["grant_type"], "authorization_code");
    assert_eq!(form["client_id"], "fake-kakao-client");
    assert_eq!(form["redirect_uri"], "http://localhost:3000/kakao");
    assert!(!form.contains_key("client_secret"));
}

#[tokio::test]
async fn a_returning_user_gets_the_same_account_and_their_stored_profile() {
    let w = spawn().await;
    let (user_id, token) = w.kakao_user("77", "처음이름").await;
    let like = w
        .call(
            Method::PATCH,
            "/auth/userLike",
            &token,
            Some(json!({"likeLocation": 1, "likeDistance": 2, "userLevel": "퍼플"})),
        )
        .await;
    assert_eq!(
        like.json(),
        json!({"success": true, "message": "프로필 수정에 성공하였습니다."})
    );

    let again = w
        .login(FakeProvider::Kakao, FakeAccount::new("77", "바뀐이름"))
        .await;
    assert_eq!(again["userId"], user_id.as_str());
    assert_eq!(
        again["nickname"], "처음이름",
        "not refreshed from the provider"
    );
    assert_eq!(again["firstLogin"], false);
    let users = w
        .all_items()
        .await
        .into_iter()
        .filter(|i| text(i, "type").as_deref() == Some("User"))
        .count();
    assert_eq!(users, 1);
}

#[tokio::test]
async fn naver_login_sends_the_secret_and_state_and_creates_a_naver_user() {
    let w = spawn().await;
    let body = w
        .login(
            FakeProvider::Naver,
            FakeAccount::new("naver-abc", "네이버러너"),
        )
        .await;
    assert_eq!(body["succcss"], true);
    assert_eq!(body["nickname"], "네이버러너");
    assert_eq!(body["firstLogin"], true);
    let (_, form) = w.providers.token_requests().pop().expect("token request");
    assert_eq!(form["client_secret"], "fake-naver-secret");
    assert_eq!(form["state"], "erunjrun");
    let profile = w
        .item(
            &format!("USER#{}", body["userId"].as_str().expect("id")),
            "PROFILE",
        )
        .await
        .expect("user");
    assert_eq!(text(&profile, "social").as_deref(), Some("naver"));
    assert_eq!(text(&profile, "socialId").as_deref(), Some("naver-abc"));
}

#[tokio::test]
async fn used_unknown_and_cancelled_codes_are_400s_with_the_contract_message() {
    let w = spawn().await;
    for provider in [FakeProvider::Kakao, FakeProvider::Naver] {
        let code = w
            .providers
            .issue_code(provider, FakeAccount::new("5", "러너"));
        let first = w
            .callback(provider, &format!("code={code}&state=erunjrun"))
            .await;
        assert_eq!(first.status, 200);
        let reused = w
            .callback(provider, &format!("code={code}&state=erunjrun"))
            .await;
        assert_eq!(reused.error_message(), TOKEN_FAILED, "{provider:?} reuse");
        let unknown = w.callback(provider, "code=made-up&state=erunjrun").await;
        assert_eq!(unknown.error_message(), TOKEN_FAILED);
        let null = w.callback(provider, "code=null").await;
        assert_eq!(null.error_message(), TOKEN_FAILED);
        let denied = w
            .callback(
                provider,
                "error=access_denied&error_description=User%20denied%20access&state=erunjrun",
            )
            .await;
        assert_eq!(denied.error_message(), TOKEN_FAILED);
    }
    // Naver's refusals come back as HTTP 200 with `error`; still a failure.
    assert!(w.providers.token_requests().len() >= 4);
}

#[tokio::test]
async fn a_provider_that_is_down_or_refuses_the_profile_gives_the_contract_messages() {
    let w = spawn().await;
    let broken = w
        .providers
        .issue_code_with_broken_profile(FakeProvider::Kakao, FakeAccount::new("9", "러너"));
    let reply = w
        .callback(FakeProvider::Kakao, &format!("code={broken}"))
        .await;
    assert_eq!(reply.error_message(), PROFILE_FAILED_MSG);
    let broken = w
        .providers
        .issue_code_with_broken_profile(FakeProvider::Naver, FakeAccount::new("9", "러너"));
    let reply = w
        .callback(FakeProvider::Naver, &format!("code={broken}"))
        .await;
    assert_eq!(reply.error_message(), PROFILE_FAILED_MSG);

    w.providers.set_down(true);
    let code = w
        .providers
        .issue_code(FakeProvider::Kakao, FakeAccount::new("9", "러너"));
    let reply = w
        .callback(FakeProvider::Kakao, &format!("code={code}"))
        .await;
    assert_eq!(reply.error_message(), TOKEN_FAILED);
    assert!(
        w.all_items().await.is_empty(),
        "no user is created by a failed login"
    );
}

#[tokio::test]
async fn a_provider_that_cannot_be_reached_is_a_400_not_a_crash() {
    let w = spawn_adjusted(|c| {
        c.external.kakao.auth_base = "http://127.0.0.1:9".into();
    })
    .await;
    let reply = w.callback(FakeProvider::Kakao, "code=anything").await;
    assert_eq!(reply.error_message(), TOKEN_FAILED);
}

#[tokio::test]
async fn accounts_without_nickname_or_picture_get_the_fallbacks() {
    let w = spawn().await;
    let bare = FakeAccount {
        social_id: "1234".into(),
        nickname: None,
        profile_image: None,
    };
    let body = w.login(FakeProvider::Kakao, bare.clone()).await;
    let nickname = body["nickname"].as_str().expect("nickname");
    assert!(nickname.starts_with("이런저런"), "{nickname}");
    assert_eq!(nickname.chars().count(), 8);
    assert_eq!(body["profileUrl"], "");
    let body = w.login(FakeProvider::Naver, bare).await;
    assert!(
        body["nickname"]
            .as_str()
            .expect("n")
            .starts_with("이런저런")
    );

    let long = w
        .login(
            FakeProvider::Kakao,
            FakeAccount::new("55", "아홉글자의닉네임이다"),
        )
        .await;
    assert_eq!(long["nickname"], "아홉글자의닉네임");
}

#[tokio::test]
async fn concurrent_first_logins_of_one_account_make_exactly_one_user() {
    let w = spawn().await;
    let codes: Vec<String> = (0..8)
        .map(|_| {
            w.providers
                .issue_code(FakeProvider::Kakao, FakeAccount::new("424242", "동시"))
        })
        .collect();
    let queries: Vec<String> = codes.iter().map(|code| format!("code={code}")).collect();
    let replies = futures::future::join_all(
        queries
            .iter()
            .map(|query| w.callback(FakeProvider::Kakao, query)),
    )
    .await;
    let ids: std::collections::HashSet<String> = replies
        .iter()
        .map(|r| {
            assert_eq!(r.status, 200, "{}", r.text);
            r.json()["userId"].as_str().expect("id").to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "every login resolves to the same user");
    let items = w.all_items().await;
    let count = |kind: &str| {
        items
            .iter()
            .filter(|i| text(i, "type").as_deref() == Some(kind))
            .count()
    };
    assert_eq!(count("User"), 1);
    assert_eq!(count("Social"), 1);
}

#[tokio::test]
async fn the_authorize_routes_redirect_to_the_providers_and_a_missing_code_does_too() {
    let w = spawn().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    for (path, expected) in [
        (
            "/user/kakao",
            "/kakao/auth/oauth/authorize?response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fkakao&client_id=fake-kakao-client",
        ),
        (
            "/user/naver",
            "/naver/auth/oauth2.0/authorize?response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fnaver&client_id=fake-naver-client",
        ),
        (
            "/user/kakao/callback",
            "/kakao/auth/oauth/authorize?response_type=code",
        ),
    ] {
        let reply = client.get(w.app.url(path)).send().await.expect("sent");
        assert_eq!(reply.status(), 302, "{path}");
        let location = reply.headers()["location"].to_str().expect("location");
        assert!(
            location.starts_with(&format!("{}{expected}", w.providers.base)),
            "{path}: {location}"
        );
    }
}

#[tokio::test]
async fn the_fake_authorize_page_and_dev_codes_log_a_developer_in_offline() {
    let w = spawn().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = client
        .get(format!(
            "{}/kakao/auth/oauth/authorize?response_type=code&client_id=fake-kakao-client&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fkakao&nickname=%EB%9F%AC%EB%84%88",
            w.providers.base
        ))
        .send()
        .await
        .expect("authorize");
    let location = page.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let code = location.split("code=").nth(1).expect("code");
    let body = w
        .callback(FakeProvider::Kakao, &format!("code={code}"))
        .await
        .json();
    assert_eq!(body["nickname"], "러너");

    let dev = w
        .callback(
            FakeProvider::Naver,
            "code=dev-42-%EA%B0%9C%EB%B0%9C&state=x",
        )
        .await;
    assert_eq!(dev.json()["nickname"], "개발");
    let again = w
        .callback(
            FakeProvider::Naver,
            "code=dev-42-%EA%B0%9C%EB%B0%9C&state=x",
        )
        .await;
    assert_eq!(
        again.error_message(),
        TOKEN_FAILED,
        "dev codes are single use too"
    );
}

// ---- SMS verification ----

#[tokio::test]
async fn a_code_goes_out_signed_and_verifies_the_number_once() {
    let w = spawn().await;
    let (user_id, token) = w.kakao_user("1", "러너").await;
    let sent = w.send_code(&token, "010-1234-5678").await;
    assert_eq!(
        sent.json(),
        json!({"success": true, "message": "인증번호를 발송했습니다."})
    );
    assert_eq!(w.sens.rejected(), 0, "the fake verified the signature");
    let sms = w.sens.messages().pop().expect("sms");
    assert_eq!(sms.to, "01012345678");
    assert_eq!(sms.from, "0212345678");
    let code = sms.code().expect("code");
    assert_eq!(code.len(), 6);
    assert_eq!(sms.content, format!("이런저런 인증번호는 [{code}] 입니다."));

    let wrong = w
        .call(
            Method::POST,
            "/user/verify",
            &token,
            Some(json!({"tel": "010-1234-5678", "code": "000000"})),
        )
        .await;
    assert_eq!(wrong.status, 200);
    assert_eq!(
        wrong.json(),
        json!({"success": false, "message": "인증번호가 다릅니다."})
    );
    let right = w
        .call(
            Method::POST,
            "/user/verify",
            &token,
            Some(json!({"tel": "010-1234-5678", "code": code.parse::<u64>().expect("n")})),
        )
        .await;
    assert_eq!(
        right.json(),
        json!({"success": true, "message": "핸드폰 인증 완료."})
    );
    let reused = w
        .call(
            Method::POST,
            "/user/verify",
            &token,
            Some(json!({"tel": "010-1234-5678", "code": code})),
        )
        .await;
    assert_eq!(reused.json()["success"], false, "a code is single use");

    // Stored encrypted (never the plain number); shown decrypted to its owner.
    let profile = w
        .item(&format!("USER#{user_id}"), "PROFILE")
        .await
        .expect("user");
    let sealed = text(&profile, "phone").expect("phone");
    assert!(!sealed.contains("1234"), "{sealed}");
    assert_eq!(
        PhoneCipher::new(&PHONE_KEY).decrypt(&sealed).expect("ours"),
        "010-1234-5678"
    );
    let settings = w.app.get("/auth/updateUser", &token).await.json();
    assert_eq!(settings["data"]["phone"], "010-1234-5678");
    assert_eq!(settings["data"]["certPhone"], true);
    assert_eq!(
        settings["data"]["agreeSMS"], false,
        "verification does not change consent"
    );
}

#[tokio::test]
async fn a_code_still_verifies_at_nine_minutes_fifty_nine_seconds_and_not_at_ten_minutes() {
    let w = spawn().await;
    let (_, token) = w.kakao_user("1", "러너").await;
    let verify = |code: String| {
        w.call(
            Method::POST,
            "/user/verify",
            &token,
            Some(json!({"tel": "01012345678", "code": code})),
        )
    };
    let second = chrono::Duration::seconds;
    // The rule counts whole seconds: each request below runs right after the
    // clock was set to the start of the second it names.
    let sent = w.app.start + second(60);
    w.app.set_clock_at_second_start(sent).await;
    assert_eq!(w.send_code(&token, "01012345678").await.status, 200);
    let code = w.last_code();
    w.app.set_clock_at_second_start(sent + second(599)).await;
    assert_eq!(
        verify(code).await.json(),
        json!({"success": true, "message": "핸드폰 인증 완료."}),
        "valid at 9 min 59 s"
    );

    let sent = sent + second(700);
    w.app.set_clock_at_second_start(sent).await;
    assert_eq!(w.send_code(&token, "01012345678").await.status, 200);
    let code = w.last_code();
    w.app.set_clock_at_second_start(sent + second(600)).await;
    assert_eq!(
        verify(code).await.json(),
        json!({"success": false, "message": "인증번호가 다릅니다."}),
        "expired at 10 min"
    );
}

#[tokio::test]
async fn a_code_sent_to_one_number_does_not_verify_another_and_dies_after_five_wrong_guesses() {
    let w = spawn().await;
    let (_, token) = w.kakao_user("1", "러너").await;
    w.send_code(&token, "010-1111-2222").await;
    let code = w.last_code();
    let verify = |tel: &'static str, code: String| {
        w.call(
            Method::POST,
            "/user/verify",
            &token,
            Some(json!({"tel": tel, "code": code})),
        )
    };
    assert_eq!(
        verify("010-3333-4444", code.clone()).await.json()["success"],
        false
    );
    for _ in 0..4 {
        assert_eq!(
            verify("010-1111-2222", "999999".into()).await.json()["success"],
            false
        );
    }
    assert_eq!(
        verify("010-1111-2222", code).await.json()["success"],
        false,
        "five wrong guesses void the code"
    );
}

#[tokio::test]
async fn missing_fields_are_answered_without_a_crash() {
    let w = spawn().await;
    let (_, token) = w.kakao_user("1", "러너").await;
    for body in [json!({}), json!({"tel": 1234}), json!({"tel": "전화번호"})] {
        let reply = w
            .call(Method::POST, "/user/message", &token, Some(body))
            .await;
        assert_eq!(reply.error_message(), "인증번호를 발송하지 못했습니다.");
    }
    for body in [
        json!({}),
        json!({"code": "123456"}),
        json!({"tel": "010-1234-5678"}),
        json!({"tel": "010-1234-5678", "code": "123456"}),
    ] {
        let reply = w
            .call(Method::POST, "/user/verify", &token, Some(body))
            .await;
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.json(),
            json!({"success": false, "message": "인증번호가 다릅니다."})
        );
    }
    let anonymous = w
        .app
        .request(Method::POST, "/user/message", Some("Bearer undefined"))
        .await;
    assert_eq!(
        anonymous.error_message(),
        "token에 문제가 있음(기한만료가 아닌 에러)"
    );
}

#[tokio::test]
async fn repeated_sends_are_throttled_per_user_and_per_number() {
    let w = spawn().await;
    let (_, a) = w.kakao_user("1", "가").await;
    let (_, b) = w.kakao_user("2", "나").await;
    assert_eq!(w.send_code(&a, "010-1234-5678").await.status, 200);
    assert_eq!(
        w.send_code(&a, "010-9999-8888").await.error_message(),
        SEND_THROTTLED
    );
    assert_eq!(
        w.send_code(&b, "01012345678").await.error_message(),
        SEND_THROTTLED,
        "the same number from another account"
    );
    assert_eq!(w.sens.messages().len(), 1);
    w.app.shift_clock(61).await;
    assert_eq!(w.send_code(&a, "010-1234-5678").await.status, 200);
    assert_eq!(w.sens.messages().len(), 2);
}

#[tokio::test]
async fn a_wrongly_signed_request_is_rejected_by_sens_and_reported_as_not_sent() {
    let w = spawn_adjusted(|c| c.external.sens.secret_key = "another-secret".into()).await;
    let (_, token) = w.kakao_user("1", "러너").await;
    let reply = w.send_code(&token, "010-1234-5678").await;
    assert_eq!(reply.error_message(), SEND_FAILED);
    assert_eq!(w.sens.rejected(), 1);
    assert!(w.sens.messages().is_empty());
}

// ---- profile ----

#[tokio::test]
async fn the_settings_form_shows_codes_and_no_phone_before_verification() {
    let w = spawn().await;
    let (user_id, token) = w.kakao_user("1", "러너").await;
    w.call(
        Method::PATCH,
        "/auth/userLike",
        &token,
        Some(json!({"likeLocation": 3, "likeDistance": "2", "userLevel": "퍼플"})),
    )
    .await;
    let reply = w.app.get("/auth/updateUser", &token).await;
    assert_eq!(
        reply.json(),
        json!({"success": true, "data": {
            "userId": user_id, "nickname": "러너", "profileUrl": "http://img.fake/1.jpg",
            "bio": null, "likeLocation": "3", "likeDistance": "2", "userLevel": "1",
            "mannerPoint": 50, "phone": null, "agreeSMS": false, "certPhone": false
        }})
    );
    assert!(
        reply.text.contains("\"mannerPoint\":50,") || reply.text.contains("\"mannerPoint\":50}")
    );
}

/// A form part: name, optional (file name, content type), bytes.
type Part<'a> = (&'a str, Option<(&'a str, &'a str)>, &'a [u8]);

fn multipart(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let boundary = "----erunBoundary7MA4YWxk";
    let mut body = Vec::new();
    for (name, file, content) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some((file_name, content_type)) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";

impl World {
    async fn patch_form(&self, token: &str, parts: &[Part<'_>]) -> Reply {
        let (content_type, body) = multipart(parts);
        self.app
            .send(
                self.app
                    .http
                    .patch(self.app.url("/auth/updateUser"))
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", content_type)
                    .body(body),
            )
            .await
    }

    async fn object_type(&self, key: &str) -> Option<String> {
        self.app
            .app
            .s3
            .head_object()
            .bucket(&self.app.app.config.image_bucket)
            .key(key)
            .send()
            .await
            .ok()
            .map(|o| o.content_type().unwrap_or_default().to_owned())
    }
}

#[tokio::test]
async fn settings_text_fields_are_saved_and_formdata_undefined_or_null_leave_values_alone() {
    let w = spawn().await;
    let (_, token) = w.kakao_user("1", "러너").await;
    w.call(
        Method::PATCH,
        "/auth/userLike",
        &token,
        Some(json!({"likeLocation": 1, "likeDistance": 2, "userLevel": "퍼플"})),
    )
    .await;
    let reply = w
        .patch_form(
            &token,
            &[
                ("nickname", None, "새이름".as_bytes()),
                ("bio", None, "일주일에 3번 뛰어요".as_bytes()),
                ("likeLocation", None, b"undefined"),
                ("likeDistance", None, b"4"),
                ("userLevel", None, b"null"),
                ("agreeSMS", None, b"true"),
                ("phone", None, b"010-0000-0000"),
                ("image", None, b"http://img.fake/1.jpg"),
            ],
        )
        .await;
    assert_eq!(
        reply.json(),
        json!({"success": true, "message": "프로필 수정에 성공하였습니다."})
    );
    let data = w.app.get("/auth/updateUser", &token).await.json()["data"].clone();
    assert_eq!(data["nickname"], "새이름");
    assert_eq!(data["bio"], "일주일에 3번 뛰어요");
    assert_eq!(data["likeLocation"], "1", "undefined leaves it");
    assert_eq!(data["likeDistance"], "4");
    assert_eq!(data["userLevel"], "1", "null leaves it");
    assert_eq!(data["agreeSMS"], true);
    assert_eq!(
        data["phone"],
        Value::Null,
        "phone only changes through verification"
    );
    assert_eq!(
        data["profileUrl"], "http://img.fake/1.jpg",
        "a text image part changes nothing"
    );

    for (input, expected) in [
        ("0", false),
        ("1", true),
        ("false", false),
        ("maybe", false),
    ] {
        w.patch_form(&token, &[("agreeSMS", None, input.as_bytes())])
            .await;
        let auth = w.app.get("/user/auth", &token).await.json();
        assert_eq!(auth["agreeSMS"], expected, "agreeSMS={input}");
    }
    w.patch_form(&token, &[("userLevel", None, b"3")]).await;
    let info = w
        .app
        .get(
            &format!("/auth/info/{}", data["userId"].as_str().expect("id")),
            &token,
        )
        .await;
    assert_eq!(info.json()["data"]["userInfo"]["userLevel"], "레드");
}

#[tokio::test]
async fn a_new_picture_is_stored_with_its_type_and_replaces_our_old_one() {
    let w = spawn().await;
    let (_, token) = w.kakao_user("1", "러너").await;
    let first = w
        .patch_form(&token, &[("image", Some(("me.png", "image/png")), PNG)])
        .await;
    assert_eq!(first.json()["success"], true, "{}", first.text);
    let url = w.app.get("/user/auth", &token).await.json()["profileUrl"]
        .as_str()
        .expect("url")
        .to_owned();
    let prefix = format!("{}/profileImg/", w.app.app.config.images.cdn_base);
    let key = url.strip_prefix(&prefix).expect("our folder").to_owned();
    assert!(key.ends_with(".png"));
    assert_eq!(
        w.object_type(&format!("profileImg/{key}")).await.as_deref(),
        Some("image/png")
    );

    w.patch_form(&token, &[("image", Some(("new.png", "image/png")), PNG)])
        .await;
    let new_url = w.app.get("/user/auth", &token).await.json()["profileUrl"]
        .as_str()
        .expect("url")
        .to_owned();
    assert_ne!(new_url, url);
    let new_key = new_url.strip_prefix(&prefix).expect("ours");
    assert!(
        w.object_type(&format!("profileImg/{new_key}"))
            .await
            .is_some()
    );
    assert_eq!(
        w.object_type(&format!("profileImg/{key}")).await,
        None,
        "old one deleted"
    );

    let refused = w
        .patch_form(
            &token,
            &[("image", Some(("x.txt", "text/plain")), b"hello")],
        )
        .await;
    assert_eq!(
        refused.error_message(),
        "지원되는 이미지파일 형식이 아닙니다."
    );
    let disguised = w
        .patch_form(
            &token,
            &[("image", Some(("x.png", "image/png")), b"MZ not an image")],
        )
        .await;
    assert_eq!(
        disguised.error_message(),
        "지원되는 이미지파일 형식이 아닙니다."
    );
}

#[tokio::test]
async fn user_info_shows_names_counters_and_upcoming_runs_in_two_dynamodb_calls() {
    let w = spawn().await;
    let (host, token) = w.kakao_user("1", "호스트").await;
    let (other, _) = w.kakao_user("2", "다른이").await;
    w.call(
        Method::PATCH,
        "/auth/userLike",
        &token,
        Some(json!({"likeLocation": 1, "likeDistance": 2, "userLevel": "퍼플"})),
    )
    .await;
    // Counters written by the group-evaluation route: eval1 = 1, eval4 = 2.
    w.app
        .app
        .db
        .client
        .update_item()
        .table_name(&w.app.app.db.table)
        .key("PK", AttributeValue::S(format!("USER#{host}")))
        .key("SK", AttributeValue::S("PROFILE".into()))
        .update_expression("SET eval1 = :one, eval4 = :two, mannerPoint = :mp")
        .expression_attribute_values(":one", AttributeValue::N("1".into()))
        .expression_attribute_values(":two", AttributeValue::N("2".into()))
        .expression_attribute_values(":mp", AttributeValue::N("62".into()))
        .send()
        .await
        .expect("counters");
    let later = w.seed_group(&host, 72, "모레 러닝").await;
    let sooner = w.seed_group(&other, 30, "내일 러닝").await;
    w.join(&sooner, &host).await;
    w.seed_group(&other, 40, "안 간 러닝").await;

    let reply = w
        .app
        .request(
            Method::GET,
            &format!("/auth/info/{host}"),
            Some("Bearer undefined"),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.ddb_calls(), 2, "one Query + one BatchGetItem");
    let data = reply.json()["data"].clone();
    assert_eq!(data["totalEvaluationCount"], 3);
    assert_eq!(data["evaluation"]["evaluationCategory1"], 1);
    assert_eq!(data["evaluation"]["evaluationCategory4"], 2);
    assert_eq!(data["evaluation"]["evaluationCategory10"], 0);
    assert_eq!(
        data["userInfo"],
        json!({"userId": host, "nickname": "호스트", "profileUrl": "http://img.fake/1.jpg",
            "bio": null, "likeLocation": "서울", "likeDistance": "5km 이상 10km 미만",
            "userLevel": "퍼플", "mannerPoint": 62})
    );
    let waiting = data["waiting"].as_array().expect("waiting");
    let ids: Vec<&str> = waiting
        .iter()
        .map(|i| i["groupId"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, [sooner.group_id.as_str(), later.group_id.as_str()]);
    assert_eq!(waiting[0]["appliedPeople"], 2);
    assert_eq!(waiting[0]["distance"], "5.5km");
    assert_eq!(waiting[0]["location"], "서울 마포구");
    assert_eq!(waiting[0]["title"], "내일 러닝");
    assert!(waiting[0]["date"].as_str().expect("date").contains(" ("));

    let unknown = w
        .app
        .request(Method::GET, "/auth/info/nobody", Some("Bearer undefined"))
        .await;
    assert_eq!(
        unknown.error_message(),
        "유저 정보 불러오기에 실패하였습니다."
    );
    let no_header = w
        .app
        .request(Method::GET, &format!("/auth/info/{host}"), None)
        .await;
    assert_eq!(
        no_header.error_message(),
        "token에 문제가 있음(기한만료가 아닌 에러)"
    );
}

#[tokio::test]
async fn first_login_preferences_store_numbers_as_text_and_end_the_first_login() {
    let w = spawn().await;
    let (user_id, token) = w.kakao_user("1", "러너").await;
    w.call(
        Method::PATCH,
        "/auth/userLike",
        &token,
        Some(json!({"likeLocation": 9, "likeDistance": 0, "userLevel": "블랙"})),
    )
    .await;
    let profile = w
        .item(&format!("USER#{user_id}"), "PROFILE")
        .await
        .expect("user");
    assert_eq!(text(&profile, "likeLocation").as_deref(), Some("9"));
    assert_eq!(text(&profile, "likeDistance").as_deref(), Some("0"));
    assert_eq!(text(&profile, "userLevel").as_deref(), Some("블랙"));
    assert_eq!(
        w.app.get("/user/auth", &token).await.json()["firstLogin"],
        false
    );
    let missing = w
        .call(
            Method::PATCH,
            "/auth/userLike",
            "undefined",
            Some(json!({})),
        )
        .await;
    assert_eq!(
        missing.error_message(),
        "token에 문제가 있음(기한만료가 아닌 에러)"
    );
}

// ---- account deletion ----

#[tokio::test]
async fn deleting_an_account_leaves_nothing_of_the_user_and_frees_their_seats() {
    let w = spawn().await;
    let (user_id, token) = w.kakao_user("31337", "떠날사람").await;
    let (other, other_token) = w.kakao_user("2", "남는사람").await;
    // A second browser's refresh token, a pending code, a throttle, a picture.
    w.app
        .send(
            w.app
                .http
                .get(w.app.url(&format!(
                    "/user/kakao/callback?code={}",
                    w.providers
                        .issue_code(FakeProvider::Kakao, FakeAccount::new("31337", "떠날사람"))
                )))
                .header("user-agent", "Another Browser"),
        )
        .await;
    w.send_code(&token, "010-1234-5678").await;
    w.patch_form(&token, &[("image", Some(("me.png", "image/png")), PNG)])
        .await;
    let picture = w.app.get("/user/auth", &token).await.json()["profileUrl"]
        .as_str()
        .expect("url")
        .to_owned();
    let picture_key = picture.rsplit('/').next().expect("key").to_owned();
    // Runs: one they host (with another member), one they joined, one past.
    let hosted = w.seed_group(&user_id, 48, "내가 여는 러닝").await;
    w.join(&hosted, &other).await;
    let joined = w.seed_group(&other, 24, "남의 러닝").await;
    w.join(&joined, &user_id).await;
    assert!(w.partition(&format!("USER#{user_id}")).await.len() >= 5);

    let reply = w.call(Method::DELETE, "/user/delete", &token, None).await;
    assert_eq!(
        reply.json(),
        json!({"success": true, "message": "회원탈퇴에 성공하였습니다."})
    );

    assert!(
        w.partition(&format!("USER#{user_id}")).await.is_empty(),
        "profile, tokens, code, throttle, alarms"
    );
    assert!(w.item("SOCIAL#kakao#31337", "SOCIAL").await.is_none());
    let leftovers: Vec<_> = w
        .all_items()
        .await
        .into_iter()
        .filter(|i| {
            [text(i, "GSI2PK"), text(i, "userId"), text(i, "PK")]
                .iter()
                .flatten()
                .any(|v| v.contains(&user_id))
        })
        .collect();
    assert!(
        leftovers.is_empty(),
        "nothing refers to the user: {leftovers:?}"
    );
    assert!(
        w.partition(&format!("GROUP#{}", hosted.group_id))
            .await
            .is_empty(),
        "hosted run deleted"
    );
    assert_eq!(
        w.app
            .app
            .db
            .apply_count(&joined.group_id)
            .await
            .expect("count"),
        1,
        "seat freed"
    );
    assert_eq!(
        w.object_type(&format!("profileImg/{picture_key}")).await,
        None
    );

    // The other member was told, and the user is logged out everywhere.
    let alarms = w.partition(&format!("USER#{other}")).await;
    assert!(
        alarms
            .iter()
            .any(|a| text(a, "category").as_deref() == Some("delete")
                && text(a, "groupId").as_deref() == Some(hosted.group_id.as_str()))
    );
    assert_eq!(
        w.app.get("/user/auth", &token).await.error_message(),
        "token에 문제가 있음(기한만료가 아닌 에러)"
    );
    assert_eq!(w.app.get("/user/auth", &other_token).await.status, 200);

    // Logging in again with the same Kakao account starts a new account.
    let again = w
        .login(FakeProvider::Kakao, FakeAccount::new("31337", "떠날사람"))
        .await;
    assert_ne!(again["userId"], user_id.as_str());
    assert_eq!(again["firstLogin"], true);
}
