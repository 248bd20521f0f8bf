//! Scheduled run reminders (issue 11, scheduler.md): the runs are created,
//! edited, joined and deleted through the dev gateway; the dispatcher is the
//! alarm-dispatch function's own `dispatch`, invoked with a scheduler tick
//! while the app clock stands at the tick; SMS go to the fake SENS.

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};

use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use functions::local::fakes::sens::{FakeSens, SentSms};
use reqwest::multipart::Form;
use serde_json::Value;
use shared::App;
use shared::metrics::RequestStats;
use shared::services::reminders::{Report, Tick, dispatch};
use shared::store::Db;

use crate::helpers::{TestApp, spawn_app_with};
use crate::runs::{Run, create};

const PHONE_KEY: [u8; 32] = [9; 32];
const TITLE: &str = "한강 러닝";

struct World {
    app: TestApp,
    sens: FakeSens,
    /// The run date (KST), three days ahead: always far enough to create.
    day: NaiveDate,
}

struct Person {
    id: String,
    token: String,
    nickname: String,
}

async fn world() -> World {
    let sens = FakeSens::start("ncp:sms:kr:1:erun", "test-access", "test-secret")
        .await
        .expect("fake sens");
    let app = spawn_app_with(|c| {
        sens.configure(&mut c.external);
        c.external.phone_key = Some(PHONE_KEY);
    })
    .await;
    let day = app.today() + Duration::days(3);
    World { app, sens, day }
}

impl World {
    fn app(&self) -> &'static App {
        self.app.app
    }

    /// `HH:MM` KST on the run's day (+`days`), as a UTC instant.
    fn at(&self, days: i64, time: &str) -> DateTime<Utc> {
        let t = chrono::NaiveTime::parse_from_str(time, "%H:%M").expect("time");
        shared::domain::group::start_instant(self.day + Duration::days(days), t)
    }

    fn date(&self, days: i64) -> String {
        (self.day + Duration::days(days))
            .format("%Y-%m-%d")
            .to_string()
    }

    fn set_clock(&self, now: DateTime<Utc>) {
        self.app()
            .clock
            .set_offset_seconds((now - Utc::now()).num_seconds());
    }

    /// The scheduler's tick at `when`, with the clock a few seconds later
    /// (an invocation runs just after its scheduled time).
    async fn tick(&self, when: DateTime<Utc>) -> Report {
        self.set_clock(when + Duration::seconds(3));
        dispatch(self.app(), &Tick::at(when), None)
            .await
            .expect("dispatch")
    }

    /// A test account with a phone number (or none) and SMS consent.
    async fn person(&self, nickname: &str, phone: Option<&str>, agree: bool) -> Person {
        let (id, token) = self.app.login_as(nickname).await;
        let cipher = self.app().phone.as_ref().expect("phone key");
        let key = shared::store::keys::user(&id);
        let mut update = self
            .app()
            .db
            .client
            .update_item()
            .table_name(&self.app().db.table)
            .key("PK", AttributeValue::S(key.pk))
            .key("SK", AttributeValue::S(key.sk))
            .update_expression("SET agreeSMS = :agree")
            .expression_attribute_values(":agree", AttributeValue::Bool(agree));
        if let Some(number) = phone {
            update = update
                .update_expression("SET agreeSMS = :agree, phone = :phone")
                .expression_attribute_values(
                    ":phone",
                    AttributeValue::S(cipher.encrypt(number).expect("encrypt")),
                );
        }
        update.send().await.expect("profile");
        Person {
            id,
            token,
            nickname: nickname.to_owned(),
        }
    }

    /// Creates a run on `date` at `standby` (finish 23:00, as the frontend
    /// always sends) and returns its id.
    async fn run(&self, host: &Person, title: &str, date: &str, standby: &str) -> String {
        // The shared run fixture (standby = start, finish 23:00, thema 강변)
        // with this suite's fields, and no parking, baggage or chat link.
        let run = Run::in_days(0, standby)
            .set("title", title)
            .set("maxPeople", "50")
            .set("date", date)
            .set("distance", "5")
            .set("speed", "6:00")
            .set("location", "서울 마포구 망원동")
            .set("mapLatLng", r#"[{"lat":37.55,"lng":126.9}]"#)
            .set("content", "함께 달려요")
            .without("parking")
            .without("baggage")
            .without("chattingRoom");
        let reply = create(&self.app, &host.token, &run).await;
        assert_eq!(reply.json()["success"], true, "{}", reply.text);
        let hosted = self.app().db.hosted_groups(&host.id).await.expect("hosted");
        hosted
            .iter()
            .filter(|g| g.title == title)
            .max_by(|a, b| a.created_at.cmp(&b.created_at))
            .expect("the new run")
            .group_id
            .clone()
    }

    async fn edit(&self, host: &Person, group_id: &str, date: &str, standby: &str) {
        let form = Form::new()
            .text("title", TITLE)
            .text("maxPeople", "50")
            .text("date", date.to_owned())
            .text("standbyTime", standby.to_owned())
            .text("startTime", "undefined")
            .text("finishTime", "undefined")
            .text("speed", "6:00")
            .text("thema", "강변")
            .text("content", "함께 달려요");
        let reply = self
            .app
            .send(
                self.app
                    .http
                    .patch(self.app.url(&format!("/group/{group_id}")))
                    .bearer_auth(&host.token)
                    .multipart(form),
            )
            .await;
        assert_eq!(reply.json()["success"], true, "{}", reply.text);
    }

    /// Applies (or cancels, when already a member).
    async fn toggle_apply(&self, who: &Person, group_id: &str) -> bool {
        let reply = self
            .app
            .post_json_auth(&format!("/group/{group_id}/apply"), &who.token)
            .await;
        assert_eq!(reply.json()["success"], true, "{}", reply.text);
        reply.json()["data"]["applyState"] == true
    }

    /// Reminder alarms of a user as `GET /alarm` lists them: (category, role).
    async fn listed(&self, who: &Person) -> Vec<(String, String)> {
        let reply = self.app.get("/alarm", &who.token).await;
        let body = reply.json();
        assert_eq!(body["success"], true, "{}", reply.text);
        let mut found: Vec<(String, String)> = body["data"]
            .as_array()
            .expect("data")
            .iter()
            .filter(|a| ["Dday", "start", "end"].contains(&a["category"].as_str().unwrap_or("")))
            .map(|a| {
                (
                    a["category"].as_str().unwrap_or_default().to_owned(),
                    a["role"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        found.sort();
        found
    }

    /// `sendPhone` of a user's reminder alarms of one category (stored only).
    async fn send_phones(&self, who: &Person, category: &str) -> Vec<u8> {
        self.app()
            .db
            .alarms(&who.id)
            .await
            .expect("alarms")
            .into_iter()
            .filter(|a| a.alarm.category == category)
            .map(|a| a.alarm.send_phone)
            .collect()
    }

    fn messages_to(&self, number: &str) -> Vec<SentSms> {
        self.sens
            .messages()
            .into_iter()
            .filter(|m| m.to == number)
            .collect()
    }
}

fn texts(messages: &[SentSms]) -> Vec<(String, String)> {
    messages
        .iter()
        .map(|m| (m.kind.clone(), m.content.clone()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[tokio::test]
async fn each_reminder_arrives_at_its_time_for_host_and_applicant_with_the_exact_texts() {
    let w = world().await;
    let host = w.person("호스트", Some("010-1111-0001"), true).await;
    let runner = w.person("러너", Some("010-1111-0002"), true).await;
    let g = w.run(&host, TITLE, &w.date(0), "18:00").await;
    assert!(w.toggle_apply(&runner, &g).await);

    // D-day: 08:00 KST on the run's date, not a minute earlier.
    assert_eq!(w.tick(w.at(0, "07:59")).await.alarms, 0);
    assert_eq!(w.tick(w.at(0, "08:00")).await.alarms, 2);
    assert_eq!(w.listed(&host).await, pairs(&[("Dday", "host")]));
    assert_eq!(w.listed(&runner).await, pairs(&[("Dday", "attendance")]));
    assert_eq!(
        texts(&w.messages_to("01011110001")),
        pairs(&[("SMS", "호스트님 오늘은[한강 러닝]러닝이 있습니다")])
    );
    assert_eq!(w.send_phones(&host, "Dday").await, [1]);

    // start: 30 minutes before the standby time.
    assert_eq!(w.tick(w.at(0, "17:29")).await.alarms, 0);
    assert_eq!(w.tick(w.at(0, "17:30")).await.alarms, 2);
    let link = format!(" \n 링크: https://www.erunjrun.com/check/{g}");
    assert_eq!(
        texts(&w.messages_to("01011110001"))[1],
        (
            "LMS".to_owned(),
            format!("호스트님 30분 뒤 [한강 러닝]러닝이 시작합니다. 출석체크를 해주세요.{link}")
        )
    );
    assert_eq!(
        texts(&w.messages_to("01011110002"))[1],
        (
            "SMS".to_owned(),
            "러너님 30분 뒤 [한강 러닝]러닝이 시작합니다.".to_owned()
        )
    );
    assert_eq!(w.send_phones(&host, "start").await, [2]);
    assert_eq!(w.send_phones(&runner, "start").await, [1]);

    // end: the run's finish time (the frontend's 23:00).
    assert_eq!(w.tick(w.at(0, "22:59")).await.alarms, 0);
    assert_eq!(w.tick(w.at(0, "23:00")).await.alarms, 2);
    assert_eq!(
        texts(&w.messages_to("01011110001"))[2],
        (
            "SMS".to_owned(),
            "호스트님 [한강 러닝] 러닝은 어떠셨나요? 당신은 멋진 크루장입니다!".to_owned()
        )
    );
    assert_eq!(
        texts(&w.messages_to("01011110002"))[2],
        (
            "LMS".to_owned(),
            format!(
                "러너님 [한강 러닝]러닝은 어떠셨나요? 크루장평가를 해주세요. \n 링크: https://www.erunjrun.com/evaluation/{g}"
            )
        )
    );
    assert_eq!(w.send_phones(&runner, "end").await, [2]);

    // The alarm list shows the three, with the fields the frontend reads.
    assert_eq!(
        w.listed(&host).await,
        pairs(&[("Dday", "host"), ("end", "host"), ("start", "host")])
    );
    let body = w.app.get("/alarm", &runner.token).await.json();
    let first = &body["data"][0];
    assert_eq!(first["category"], "end");
    assert_eq!(first["groupId"], g.as_str());
    assert_eq!(first["groupTitle"], TITLE);
    assert_eq!(first["nickname"], "러너", "the recipient's own nickname");
    assert_eq!(first["check"], false);
    assert_eq!(body["unreadCount"], 3);
    assert_eq!(w.sens.messages().len(), 6, "nothing else was sent");
    assert!(
        w.sens.messages().iter().all(|m| m.from == "0212345678"),
        "from the registered sender"
    );
}

#[tokio::test]
async fn without_consent_or_a_phone_the_alarm_is_written_and_no_sms_is_sent() {
    let w = world().await;
    let host = w.person("호스트", Some("010-2222-0001"), true).await;
    let no_consent = w.person("거부", Some("010-2222-0002"), false).await;
    let no_phone = w.person("번호없음", None, true).await;
    let g = w.run(&host, TITLE, &w.date(0), "18:00").await;
    w.toggle_apply(&no_consent, &g).await;
    w.toggle_apply(&no_phone, &g).await;

    let report = w.tick(w.at(0, "08:00")).await;
    assert_eq!((report.alarms, report.sms_sent), (3, 1));
    for who in [&host, &no_consent, &no_phone] {
        assert_eq!(w.listed(who).await.len(), 1, "{}", who.nickname);
    }
    assert_eq!(w.send_phones(&no_consent, "Dday").await, [0]);
    assert_eq!(w.send_phones(&no_phone, "Dday").await, [0]);
    assert_eq!(w.send_phones(&host, "Dday").await, [1]);
    assert_eq!(w.sens.messages().len(), 1);
    assert_eq!(w.sens.messages()[0].to, "01022220001");
}

#[tokio::test]
async fn sms_or_lms_follows_the_estimated_length_of_the_text() {
    let w = world().await;
    let host = w.person("호스트", Some("010-3333-0001"), true).await;
    // 26 fixed bytes + "호스트" (6): a 47-byte title makes 79 (SMS), 48 makes 80 (LMS).
    let short = format!("{}{}", "러닝".repeat(11), "abc");
    let long = format!("{}{}", "러닝".repeat(12), "");
    assert_eq!(
        short
            .encode_utf16()
            .map(|u| if u > 127 { 2 } else { 1 })
            .sum::<usize>(),
        47
    );
    assert_eq!(
        long.encode_utf16()
            .map(|u| if u > 127 { 2 } else { 1 })
            .sum::<usize>(),
        48
    );
    w.run(&host, &short, &w.date(0), "18:00").await;
    w.set_clock(w.app.now() + Duration::seconds(11));
    w.run(&host, &long, &w.date(0), "19:00").await;

    assert_eq!(w.tick(w.at(0, "08:00")).await.sms_sent, 2);
    let kind_of = |title: &str| {
        w.sens
            .messages()
            .into_iter()
            .find(|m| m.content.contains(title))
            .map(|m| m.kind)
    };
    assert_eq!(kind_of(&format!("[{short}]")).as_deref(), Some("SMS"));
    assert_eq!(kind_of(&format!("[{long}]")).as_deref(), Some("LMS"));
    let mut phones = w.send_phones(&host, "Dday").await;
    phones.sort();
    assert_eq!(phones, [1, 2]);
}

#[tokio::test]
async fn an_edit_that_moves_the_run_moves_its_reminders() {
    let w = world().await;
    let host = w.person("호스트", Some("010-4444-0001"), true).await;
    let g = w.run(&host, TITLE, &w.date(0), "18:00").await;
    w.edit(&host, &g, &w.date(1), "19:00").await;

    // Nothing at the old times ...
    for old in [w.at(0, "08:00"), w.at(0, "17:30"), w.at(0, "23:00")] {
        assert_eq!(w.tick(old).await.alarms, 0);
    }
    // ... each at the new one, once.
    assert_eq!(w.tick(w.at(1, "08:00")).await.alarms, 1);
    assert_eq!(w.tick(w.at(1, "18:29")).await.alarms, 0);
    assert_eq!(w.tick(w.at(1, "18:30")).await.alarms, 1);
    assert_eq!(w.tick(w.at(1, "23:00")).await.alarms, 1);
    assert_eq!(
        w.listed(&host).await,
        pairs(&[("Dday", "host"), ("end", "host"), ("start", "host")])
    );
    assert_eq!(w.sens.messages().len(), 3);
}

#[tokio::test]
async fn moving_a_run_to_a_day_whose_eight_oclock_has_passed_skips_its_dday_reminder() {
    let w = world().await;
    let host = w.person("호스트", Some("010-4545-0001"), true).await;
    let g = w.run(&host, TITLE, &w.date(1), "18:00").await;
    // At 10:00 on the day, the host moves tomorrow's run to 18:00 today.
    w.set_clock(w.at(0, "10:00"));
    w.edit(&host, &g, &w.date(0), "18:00").await;

    // Not sent late today, and the old one does not fire tomorrow.
    assert_eq!(w.tick(w.at(0, "10:01")).await.alarms, 0);
    assert_eq!(w.tick(w.at(0, "17:30")).await.alarms, 1);
    assert_eq!(w.tick(w.at(0, "23:00")).await.alarms, 1);
    let tomorrow = w.tick(w.at(1, "08:00")).await;
    assert_eq!((tomorrow.alarms, tomorrow.dropped), (0, 1));
    assert_eq!(
        w.listed(&host).await,
        pairs(&[("end", "host"), ("start", "host")])
    );
}

#[tokio::test]
async fn a_run_created_after_its_dday_time_gets_only_its_start_and_end_reminders() {
    let w = world().await;
    let host = w.person("호스트", Some("010-4646-0001"), true).await;
    w.set_clock(w.at(0, "10:00"));
    w.run(&host, TITLE, &w.date(0), "18:00").await;
    assert_eq!(
        w.tick(w.at(0, "10:01")).await.alarms,
        0,
        "past due: skipped"
    );
    assert_eq!(w.tick(w.at(0, "17:30")).await.alarms, 1);
    assert_eq!(w.tick(w.at(0, "23:00")).await.alarms, 1);
    assert_eq!(
        w.listed(&host).await,
        pairs(&[("end", "host"), ("start", "host")])
    );
}

#[tokio::test]
async fn a_run_starting_before_nine_gets_no_dday_reminder() {
    let w = world().await;
    let host = w.person("호스트", Some("010-4747-0001"), true).await;
    w.run(&host, TITLE, &w.date(0), "08:30").await;
    assert_eq!(w.tick(w.at(0, "08:00")).await.alarms, 1);
    assert_eq!(w.listed(&host).await, pairs(&[("start", "host")]));
}

#[tokio::test]
async fn a_deleted_run_fires_nothing() {
    let w = world().await;
    let host = w.person("호스트", Some("010-5555-0001"), true).await;
    let runner = w.person("러너", Some("010-5555-0002"), true).await;
    let g = w.run(&host, TITLE, &w.date(0), "18:00").await;
    w.toggle_apply(&runner, &g).await;
    let reply = w
        .app
        .request(
            reqwest::Method::DELETE,
            &format!("/group/{g}"),
            Some(&format!("Bearer {}", host.token)),
        )
        .await;
    assert_eq!(reply.json()["success"], true, "{}", reply.text);

    let report = w.tick(w.at(1, "00:00")).await;
    assert_eq!(report.alarms, 0);
    assert!(w.listed(&host).await.is_empty());
    assert!(w.listed(&runner).await.is_empty());
    assert!(w.sens.messages().is_empty());
    assert_eq!(report.due, 0, "the delete took its pending reminders along");
}

#[tokio::test]
async fn a_member_who_cancelled_gets_nothing_more_and_one_who_joined_late_gets_the_rest() {
    let w = world().await;
    let host = w.person("호스트", None, false).await;
    let leaver = w.person("취소", None, false).await;
    let late = w.person("지각", None, false).await;
    let g = w.run(&host, TITLE, &w.date(0), "18:00").await;
    assert!(w.toggle_apply(&leaver, &g).await);

    w.tick(w.at(0, "08:00")).await;
    assert!(!w.toggle_apply(&leaver, &g).await, "cancelled");
    assert!(
        w.toggle_apply(&late, &g).await,
        "joined after the D-day reminder"
    );
    w.tick(w.at(0, "17:30")).await;

    assert_eq!(w.listed(&leaver).await, pairs(&[("Dday", "attendance")]));
    assert_eq!(w.listed(&late).await, pairs(&[("start", "attendance")]));
    assert_eq!(
        w.listed(&host).await,
        pairs(&[("Dday", "host"), ("start", "host")])
    );
}

#[tokio::test]
async fn a_second_delivery_writes_no_second_alarm_and_sends_no_second_sms() {
    let w = world().await;
    let host = w.person("호스트", Some("010-6666-0001"), true).await;
    let runner = w.person("러너", Some("010-6666-0002"), true).await;
    let g = w.run(&host, TITLE, &w.date(0), "18:00").await;
    w.toggle_apply(&runner, &g).await;

    // Two copies of the same tick at once, then a third after they finished.
    let tick = w.at(0, "08:00");
    w.set_clock(tick + Duration::seconds(3));
    let (first, second) = (Tick::at(tick), Tick::at(tick));
    let (a, b) = futures::join!(
        dispatch(w.app(), &first, None),
        dispatch(w.app(), &second, None)
    );
    let (a, b) = (a.expect("first"), b.expect("second"));
    assert_eq!(a.alarms + b.alarms, 2, "{a:?} {b:?}");
    assert_eq!(w.tick(tick).await.alarms, 0);
    // A later tick covers the same (already finished) reminder window too.
    assert_eq!(w.tick(tick + Duration::minutes(1)).await.alarms, 0);

    assert_eq!(w.listed(&host).await.len(), 1);
    assert_eq!(w.listed(&runner).await.len(), 1);
    assert_eq!(w.messages_to("01066660001").len(), 1);
    assert_eq!(w.messages_to("01066660002").len(), 1);
}

#[tokio::test]
async fn a_late_invocation_catches_up_every_reminder_still_worth_sending() {
    let w = world().await;
    let host = w.person("호스트", Some("010-6767-0001"), true).await;
    w.run(&host, TITLE, &w.date(0), "18:00").await;
    // No invocation from 07:00 to 17:45: the first one sends the D-day and the
    // start reminder (both still before the start).
    let report = w.tick(w.at(0, "17:45")).await;
    assert_eq!((report.alarms, report.sms_sent), (2, 2));
    // An end reminder a day late is still a review request; later it is dropped.
    let w2 = world().await;
    let host2 = w2.person("호스트", None, false).await;
    w2.run(&host2, TITLE, &w2.date(0), "18:00").await;
    let report = w2.tick(w2.at(1, "23:30")).await;
    assert_eq!(
        (report.alarms, report.dropped),
        (0, 3),
        "all three too late"
    );
}

/// Fails the `nth` (1-based) TransactWriteItems call made through it: a
/// crash of the dispatcher at that point, injected from the test only.
#[derive(Debug)]
struct FailNthTransaction {
    left: Arc<AtomicI32>,
}

impl Intercept for FailNthTransaction {
    fn name(&self) -> &'static str {
        "FailNthTransaction"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
        if context
            .input()
            .downcast_ref::<TransactWriteItemsInput>()
            .is_some()
            && self.left.fetch_sub(1, Ordering::SeqCst) == 1
        {
            return Err("injected crash".into());
        }
        Ok(())
    }
}

/// The same app (table, SENS, clock offset) whose `nth` transaction fails.
async fn crashing_copy(w: &World, nth: i32) -> &'static App {
    let sdk = aws_config::load_from_env().await;
    let mut app = App::new(w.app().config.clone(), &sdk);
    let conf = aws_sdk_dynamodb::config::Builder::from(&sdk)
        .interceptor(FailNthTransaction {
            left: Arc::new(AtomicI32::new(nth)),
        })
        .build();
    app.db = Db::new(
        aws_sdk_dynamodb::Client::from_conf(conf),
        w.app().db.table.clone(),
    );
    app.clock.set_offset_seconds(w.app().clock.offset_seconds());
    Box::leak(Box::new(app))
}

/// A run with the host and 11 members, all with a phone and consent: the
/// SMS go out in two chunks (10 + 2).
async fn twelve_member_run(w: &World) -> Vec<Person> {
    let mut people = Vec::new();
    for i in 0..12 {
        people.push(
            w.person(&format!("회원{i}"), Some(&format!("010-7777-{i:04}")), true)
                .await,
        );
    }
    let g = w.run(&people[0], TITLE, &w.date(0), "18:00").await;
    for p in &people[1..] {
        assert!(w.toggle_apply(p, &g).await);
    }
    people
}

async fn assert_each_once(w: &World, people: &[Person], messages: usize) {
    for p in people {
        assert_eq!(
            w.listed(p).await.len(),
            1,
            "one alarm row for {}",
            p.nickname
        );
    }
    let sent = w.sens.messages();
    assert_eq!(sent.len(), messages, "SMS sent");
    let mut numbers: Vec<&str> = sent.iter().map(|m| m.to.as_str()).collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), sent.len(), "nobody got two messages");
}

#[tokio::test]
async fn a_crash_after_the_first_sms_chunk_is_finished_by_the_retry_each_recipient_once() {
    let w = world().await;
    let people = twelve_member_run(&w).await;
    let tick = w.at(0, "08:00");
    w.set_clock(tick + Duration::seconds(3));

    // Transactions: 1 alarm rows, 2 mark chunk 1, 3 record chunk 1, 4 mark chunk 2 ← crash.
    let crashing = crashing_copy(&w, 4).await;
    assert!(dispatch(crashing, &Tick::at(tick), None).await.is_err());
    assert_eq!(w.sens.messages().len(), 10, "the first chunk went out");

    let retry = dispatch(w.app(), &Tick::at(tick), None)
        .await
        .expect("retry");
    assert_eq!((retry.alarms, retry.sms_sent), (0, 2), "{retry:?}");
    assert_each_once(&w, &people, 12).await;
    for p in &people {
        assert_ne!(w.send_phones(p, "Dday").await, [0], "{}", p.nickname);
    }
}

#[tokio::test]
async fn a_crash_while_writing_the_alarm_rows_leaves_nothing_half_done() {
    let w = world().await;
    let people = twelve_member_run(&w).await;
    let tick = w.at(0, "08:00");
    w.set_clock(tick + Duration::seconds(3));
    let crashing = crashing_copy(&w, 1).await;
    assert!(dispatch(crashing, &Tick::at(tick), None).await.is_err());
    assert!(w.sens.messages().is_empty());
    for p in &people {
        assert!(w.listed(p).await.is_empty());
    }
    let retry = dispatch(w.app(), &Tick::at(tick), None)
        .await
        .expect("retry");
    assert_eq!((retry.alarms, retry.sms_sent), (12, 12));
    assert_each_once(&w, &people, 12).await;
}

#[tokio::test]
async fn a_crash_between_sending_and_recording_never_sends_twice() {
    let w = world().await;
    let people = twelve_member_run(&w).await;
    let tick = w.at(0, "08:00");
    w.set_clock(tick + Duration::seconds(3));
    // 3: recording chunk 1's results fails after its 10 messages went out.
    let crashing = crashing_copy(&w, 3).await;
    assert!(dispatch(crashing, &Tick::at(tick), None).await.is_err());
    assert_eq!(w.sens.messages().len(), 10);

    let retry = dispatch(w.app(), &Tick::at(tick), None)
        .await
        .expect("retry");
    assert_eq!(retry.sms_sent, 2, "only the chunk never tried: {retry:?}");
    assert_each_once(&w, &people, 12).await;
    // Maybe-sent messages are not claimed as sent (sendPhone 0, as the
    // contract's "sent but the update failed").
    let mut zeros = 0;
    for p in &people {
        if w.send_phones(p, "Dday").await == [0] {
            zeros += 1;
        }
    }
    assert_eq!(zeros, 10);
}

#[tokio::test]
async fn a_reminder_held_by_a_crashed_dispatcher_is_resumed_once_its_lease_expires() {
    let w = world().await;
    let host = w.person("호스트", Some("010-7878-0001"), true).await;
    w.run(&host, TITLE, &w.date(0), "18:00").await;
    let tick = w.at(0, "08:00");
    w.set_clock(tick);
    // A dispatcher took the lease and died without giving it back.
    let pending = w.app().db.due_reminders(tick).await.expect("due");
    assert_eq!(pending.len(), 1);
    let now = shared::time::instant_key(tick);
    let until = shared::time::instant_key(
        tick + Duration::seconds(shared::services::reminders::LEASE_SECONDS),
    );
    assert!(
        w.app()
            .db
            .lease_reminder(&pending[0], &now, &until, "crashed")
            .await
            .expect("lease")
    );

    let held = w.tick(tick + Duration::minutes(1)).await;
    assert_eq!((held.skipped, held.alarms), (1, 0), "{held:?}");
    let resumed = w.tick(tick + Duration::minutes(3)).await;
    assert_eq!(
        (resumed.finished, resumed.alarms, resumed.sms_sent),
        (1, 1, 1)
    );
    assert_eq!(w.sens.messages().len(), 1);
}

#[tokio::test]
async fn an_invocation_near_its_deadline_leaves_the_work_to_the_next_one() {
    let w = world().await;
    let host = w.person("호스트", None, false).await;
    w.run(&host, TITLE, &w.date(0), "18:00").await;
    let tick = w.at(0, "08:00");
    w.set_clock(tick);
    let soon = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let report = dispatch(w.app(), &Tick::at(tick), Some(soon))
        .await
        .expect("dispatch");
    assert_eq!((report.deferred, report.alarms), (1, 0));
    assert_eq!(w.tick(tick + Duration::minutes(1)).await.alarms, 1);
}

#[tokio::test]
async fn sens_failing_leaves_send_phone_zero_and_never_sends_later() {
    let w = world().await;
    let host = w.person("호스트", Some("010-8888-0001"), true).await;
    w.run(&host, TITLE, &w.date(0), "18:00").await;
    w.sens.set_down(true);
    let report = w.tick(w.at(0, "08:00")).await;
    assert_eq!(
        (report.alarms, report.sms_sent, report.sms_failed),
        (1, 0, 1)
    );
    assert_eq!(w.send_phones(&host, "Dday").await, [0]);
    w.sens.set_down(false);
    assert_eq!(w.tick(w.at(0, "08:01")).await.sms_sent, 0);
    assert!(w.sens.messages().is_empty());
    assert_eq!(w.listed(&host).await.len(), 1);
}

#[tokio::test]
async fn a_sens_timeout_leaves_send_phone_zero_and_is_not_sent_again() {
    let w = world().await;
    let host = w.person("호스트", Some("010-8989-0001"), true).await;
    w.run(&host, TITLE, &w.date(0), "18:00").await;
    // SENS accepts, but answers after our 4-second client timeout.
    w.sens.set_delay(Some(std::time::Duration::from_secs(6)));
    let report = w.tick(w.at(0, "08:00")).await;
    assert_eq!((report.sms_sent, report.sms_failed), (0, 1));
    assert_eq!(w.send_phones(&host, "Dday").await, [0]);
    w.sens.set_delay(None);
    w.tick(w.at(0, "08:01")).await;
    assert_eq!(w.sens.messages().len(), 1, "accepted once, never resent");
}

#[tokio::test]
async fn thirty_applicants_cost_a_dozen_dynamodb_round_trips() {
    let w = world().await;
    let host = w.person("호스트", Some("010-9000-0000"), true).await;
    let g = w.run(&host, TITLE, &w.date(0), "18:00").await;
    for i in 1..30 {
        let p = w
            .person(&format!("러너{i}"), Some(&format!("010-9000-{i:04}")), true)
            .await;
        assert!(w.toggle_apply(&p, &g).await);
    }
    let tick = w.at(0, "08:00");
    w.set_clock(tick + Duration::seconds(3));
    let (report, stats) = RequestStats::scope(dispatch(w.app(), &Tick::at(tick), None)).await;
    let report = report.expect("dispatch");
    assert_eq!((report.alarms, report.sms_sent), (30, 30));
    // index query, lease, run + members, profiles + records, alarm rows,
    // 3 SMS chunks × (mark + record), finish = 12.
    println!(
        "DynamoDB round-trips for 30 recipients: {}",
        stats.ddb_calls()
    );
    assert!(stats.ddb_calls() <= 12, "{} calls", stats.ddb_calls());
}

#[tokio::test]
async fn the_local_runner_fires_the_templates_schedule_as_the_dev_clock_passes() {
    let w = world().await;
    let host = w.person("호스트", Some("010-9191-0001"), true).await;
    w.run(&host, TITLE, &w.date(0), "18:00").await;
    let group = w.app().config.table_name.clone();
    functions::local::devstack::ensure_schedules(&w.app().scheduler, &group)
        .await
        .expect("schedules");
    let handler = functions::local::background::alarm_dispatch();
    let mut delivered = std::collections::HashMap::new();
    let mut ticks = 0;

    for (at, expected) in [
        (w.at(0, "07:59"), vec![]),
        (w.at(0, "08:00"), pairs(&[("Dday", "host")])),
        (
            w.at(0, "17:30"),
            pairs(&[("Dday", "host"), ("start", "host")]),
        ),
        (
            w.at(0, "23:00"),
            pairs(&[("Dday", "host"), ("end", "host"), ("start", "host")]),
        ),
    ] {
        w.set_clock(at + Duration::seconds(1));
        let fired = functions::local::background::fire_rate_schedules(
            w.app(),
            &group,
            &handler,
            &mut delivered,
        )
        .await
        .expect("runner");
        assert_eq!(fired, 1, "one tick per minute");
        ticks += fired;
        assert_eq!(w.listed(&host).await, expected);
        // The same minute is not delivered again.
        let again = functions::local::background::fire_rate_schedules(
            w.app(),
            &group,
            &handler,
            &mut delivered,
        )
        .await
        .expect("runner");
        assert_eq!(again, 0);
    }
    assert_eq!(ticks, 4);
    assert_eq!(w.messages_to("01091910001").len(), 3);
}

// ---- template ----

fn resource(doc: &serde_yaml::Value, id: &str) -> serde_yaml::Value {
    doc["Resources"][id].clone()
}

fn template() -> serde_yaml::Value {
    serde_yaml::from_str(functions::local::devstack::TEMPLATE).expect("template.yaml parses")
}

fn tagged(value: &serde_yaml::Value) -> String {
    match value {
        serde_yaml::Value::Tagged(t) => format!(
            "{} {}",
            t.tag,
            serde_yaml::to_string(&t.value).expect("yaml").trim()
        ),
        other => serde_yaml::to_string(other)
            .expect("yaml")
            .trim()
            .to_owned(),
    }
}

#[test]
fn the_template_invokes_the_dispatcher_every_minute_with_its_scheduled_time() {
    let doc = template();
    let schedule = resource(&doc, "AlarmDispatchSchedule");
    assert_eq!(schedule["Type"], "AWS::Scheduler::Schedule");
    let p = &schedule["Properties"];
    assert_eq!(p["ScheduleExpression"], "rate(1 minute)");
    assert_eq!(p["FlexibleTimeWindow"]["Mode"], "OFF");
    assert_eq!(tagged(&p["GroupName"]), "!Ref AlarmDispatchScheduleGroup");
    assert_eq!(
        tagged(&p["Target"]["Arn"]),
        "!GetAtt AlarmDispatchFunction.Arn"
    );
    assert_eq!(
        tagged(&p["Target"]["RoleArn"]),
        "!GetAtt AlarmDispatchSchedulerRole.Arn"
    );
    let input: Value =
        serde_json::from_str(p["Target"]["Input"].as_str().expect("input")).expect("json");
    assert_eq!(input["scheduledTime"], "<aws.scheduler.scheduled-time>");
    let function = resource(&doc, "AlarmDispatchFunction");
    assert_eq!(
        function["Metadata"]["BuildProperties"]["Binary"],
        "alarm-dispatch"
    );
    let env = &function["Properties"]["Environment"]["Variables"];
    for name in ["NCP_SENS_ID", "NCP_SENS_ACCESS", "SMS_FROM"] {
        assert!(!env[name].is_null(), "{name}");
    }
    // The SENS secret and the phone key come from SSM at cold start.
    let secrets: Vec<&str> = env["ERUN_SECRETS"]
        .as_str()
        .expect("ERUN_SECRETS")
        .split(',')
        .collect();
    for name in ["NCP_SENS_SECRET", "PHONE_KEY"] {
        assert!(secrets.contains(&name), "{name} is read from SSM");
    }
    let timeout = function["Properties"]["Timeout"].as_i64().expect("timeout");
    assert!(
        timeout < shared::services::reminders::LEASE_SECONDS,
        "a live dispatcher never outlives its lease"
    );
}

#[test]
fn the_scheduler_role_may_only_invoke_the_dispatcher_and_feed_its_dead_letter_queue() {
    let doc = template();
    let role = resource(&doc, "AlarmDispatchSchedulerRole");
    let trust = &role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0];
    assert_eq!(trust["Principal"]["Service"], "scheduler.amazonaws.com");
    assert!(!trust["Condition"]["StringEquals"]["aws:SourceAccount"].is_null());
    let policies = role["Properties"]["Policies"]
        .as_sequence()
        .expect("policies");
    assert_eq!(policies.len(), 1);
    let statements: Vec<(String, String)> = policies[0]["PolicyDocument"]["Statement"]
        .as_sequence()
        .expect("statements")
        .iter()
        .map(|s| {
            assert_eq!(s["Effect"], "Allow");
            (
                s["Action"].as_str().expect("one action").to_owned(),
                tagged(&s["Resource"]),
            )
        })
        .collect();
    assert_eq!(
        statements,
        pairs(&[
            ("lambda:InvokeFunction", "!GetAtt AlarmDispatchFunction.Arn"),
            (
                "sqs:SendMessage",
                "!GetAtt AlarmDispatchDeadLetterQueue.Arn"
            ),
        ])
    );
}

#[test]
fn failed_dispatches_end_in_the_dead_letter_queue_after_bounded_retries() {
    let doc = template();
    assert_eq!(
        resource(&doc, "AlarmDispatchDeadLetterQueue")["Type"],
        "AWS::SQS::Queue"
    );
    let invoke = &resource(&doc, "AlarmDispatchFunction")["Properties"]["EventInvokeConfig"];
    assert_eq!(invoke["MaximumRetryAttempts"], 2);
    assert_eq!(invoke["DestinationConfig"]["OnFailure"]["Type"], "SQS");
    assert_eq!(
        tagged(&invoke["DestinationConfig"]["OnFailure"]["Destination"]),
        "!GetAtt AlarmDispatchDeadLetterQueue.Arn"
    );
    let target = &resource(&doc, "AlarmDispatchSchedule")["Properties"]["Target"];
    assert_eq!(
        tagged(&target["DeadLetterConfig"]["Arn"]),
        "!GetAtt AlarmDispatchDeadLetterQueue.Arn"
    );
    let retry = &target["RetryPolicy"];
    assert!(retry["MaximumRetryAttempts"].as_i64().expect("attempts") <= 10);
    assert!(retry["MaximumEventAgeInSeconds"].as_i64().expect("age") <= 600);
}

#[test]
fn the_dispatcher_policy_names_exactly_the_calls_it_makes() {
    let doc = template();
    let policies = &resource(&doc, "AlarmDispatchFunction")["Properties"]["Policies"];
    let mut granted: Vec<(String, String)> = Vec::new();
    for policy in policies.as_sequence().expect("policies") {
        for statement in policy["Statement"].as_sequence().expect("statements") {
            assert_eq!(statement["Effect"], "Allow");
            let resources: Vec<String> = match &statement["Resource"] {
                serde_yaml::Value::Sequence(list) => list.iter().map(tagged).collect(),
                one => vec![tagged(one)],
            };
            for action in statement["Action"].as_sequence().expect("actions") {
                for r in &resources {
                    granted.push((action.as_str().expect("action").to_owned(), r.clone()));
                }
            }
        }
    }
    granted.sort();
    let table = "!GetAtt Table.Arn";
    let mut expected = pairs(&[
        ("dynamodb:BatchGetItem", table),
        ("dynamodb:DeleteItem", table),
        ("dynamodb:PutItem", table),
        ("dynamodb:Query", table),
        ("dynamodb:Query", "!Sub ${Table.Arn}/index/GSI1"),
        ("dynamodb:UpdateItem", table),
    ]);
    expected.sort();
    assert_eq!(granted, expected);
}
