//! The run fixtures of every test: [`Run`], the upload page's form built
//! field by field (dates from the app clock), [`create`] to post it, and
//! [`hosted_run`] for a run of a fresh host.

use chrono::Duration;
use reqwest::multipart::{Form, Part};
use serde_json::json;

use crate::helpers::{Reply, TestApp};

pub const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const ROUTE: &str = r#"[{"lat":37.49,"lng":127.02},{"lat":37.5,"lng":127.03}]"#;

/// A run as the upload page sends it; `days` from today at `time`, where
/// "today" is the app clock's KST date when the form is built (never the
/// machine's clock: the server judges dates by the app clock).
#[derive(Clone)]
pub struct Run {
    pub fields: Vec<(&'static str, String)>,
    pub images: usize,
    /// Other `thumbnail` files, after the `images` PNGs: (bytes, file name, type).
    files: Vec<(Vec<u8>, &'static str, &'static str)>,
    /// Days from the app clock's today, unless `date` was set explicitly.
    days: Option<i64>,
}

impl Run {
    pub fn in_days(days: i64, time: &str) -> Self {
        Self {
            fields: vec![
                ("title", "한강 아침 러닝".into()),
                ("maxPeople", "5".into()),
                ("date", String::new()),
                ("standbyTime", time.into()),
                ("startTime", time.into()),
                ("finishTime", "23:00".into()),
                ("distance", "5.5".into()),
                ("speed", "5'30\" km/h".into()),
                ("location", "서울 서초구 잠원동 122-1".into()),
                ("mapLatLng", ROUTE.into()),
                ("thema", "강변".into()),
                ("parking", "".into()),
                ("baggage", "보관 가능".into()),
                ("content", "같이 뛰어요".into()),
                ("chattingRoom", "".into()),
            ],
            images: 0,
            files: Vec::new(),
            days: Some(days),
        }
    }

    pub fn set(mut self, name: &'static str, value: &str) -> Self {
        if name == "date" {
            self.days = None;
        }
        self.fields.retain(|(k, _)| *k != name);
        self.fields.push((name, value.to_owned()));
        self
    }

    pub fn without(mut self, name: &'static str) -> Self {
        if name == "date" {
            self.days = None;
        }
        self.fields.retain(|(k, _)| *k != name);
        self
    }

    pub fn images(mut self, n: usize) -> Self {
        self.images = n;
        self
    }

    /// One more `thumbnail` file (after the `images` PNGs).
    pub fn thumbnail(
        mut self,
        bytes: Vec<u8>,
        file_name: &'static str,
        mime: &'static str,
    ) -> Self {
        self.files.push((bytes, file_name, mime));
        self
    }

    /// A field's value as set (`date`: see [`Run::date`]).
    pub fn field(&self, name: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    }

    /// The `date` field as `form` sends it now (`YYYY-MM-DD`).
    pub fn date(&self, app: &TestApp) -> String {
        match self.days {
            Some(days) => (app.today() + Duration::days(days))
                .format("%Y-%m-%d")
                .to_string(),
            None => self.field("date").unwrap_or_default(),
        }
    }

    /// The multipart form, its date counted from `app`'s clock.
    pub fn form(&self, app: &TestApp) -> Form {
        let date = self.days.map(|_| self.date(app));
        let mut form = Form::new();
        for (k, v) in &self.fields {
            let value = match (*k, &date) {
                ("date", Some(date)) => date.clone(),
                _ => v.clone(),
            };
            form = form.text(*k, value);
        }
        for _ in 0..self.images {
            form = form.part(
                "thumbnail",
                Part::bytes(PNG.to_vec())
                    .file_name("blob")
                    .mime_str("image/png")
                    .expect("mime"),
            );
        }
        for (bytes, file_name, mime) in &self.files {
            form = form.part(
                "thumbnail",
                Part::bytes(bytes.clone())
                    .file_name(*file_name)
                    .mime_str(mime)
                    .expect("mime"),
            );
        }
        form
    }
}

pub async fn create(app: &TestApp, token: &str, run: &Run) -> Reply {
    app.send(
        app.http
            .post(app.url("/group"))
            .bearer_auth(token)
            .multipart(run.form(app)),
    )
    .await
}

/// Creates a run as a fresh host; returns (groupId, host id, host token).
pub async fn hosted_run(app: &TestApp, nickname: &str, run: &Run) -> (String, String, String) {
    let (host, token) = app.login_as(nickname).await;
    let reply = create(app, &token, run).await;
    assert_eq!(
        reply.json(),
        json!({"success": true, "message": "게시물이 등록되었습니다"}),
        "{}",
        reply.text
    );
    let id = newest_hosted_run(app, &host).await;
    (id, host, token)
}

/// The id of the run `host` created last (the first of their `mypage`).
pub async fn newest_hosted_run(app: &TestApp, host: &str) -> String {
    let mine = app
        .request(
            reqwest::Method::GET,
            &format!("/group/mypage?userId={host}"),
            Some("Bearer undefined"),
        )
        .await;
    mine.json()["data"][0]["groupId"]
        .as_str()
        .expect("the new run")
        .to_owned()
}
