//! template.yaml's operations block covers every function: a log group with
//! retention, an alarm, exactly the secret grants its `ERUN_SECRETS` lists,
//! no secret as a plain environment value; every dead-letter queue has an
//! alarm; throttled routes exist; the custom domain maps an empty base path.

use std::collections::{BTreeMap, BTreeSet};

use functions::routes::ROUTES;
use serde_yaml::Value;

/// The variables that must never be plain Lambda configuration.
const SECRET_VARIABLES: &[&str] = &[
    "TOKENKEY",
    "KAKAO_SECRET",
    "NAVER_SECRET",
    "NCP_SENS_SECRET",
    "PHONE_KEY",
];

fn template() -> Value {
    serde_yaml::from_str(functions::local::devstack::TEMPLATE).expect("template.yaml parses")
}

fn resources(doc: &Value) -> &serde_yaml::Mapping {
    doc["Resources"].as_mapping().expect("Resources")
}

fn of_type<'a>(doc: &'a Value, kind: &str) -> Vec<(String, &'a Value)> {
    resources(doc)
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .map(|(id, r)| (id.as_str().expect("id").to_owned(), r))
        .collect()
}

/// `!Ref X` / `!Sub "…${X}…"` as the name it refers to.
fn tag_text(value: &Value, tag: &str) -> Option<String> {
    match value {
        Value::Tagged(t) if t.tag == tag => t.value.as_str().map(str::to_owned),
        _ => None,
    }
}

fn globals_env(doc: &Value) -> &Value {
    &doc["Globals"]["Function"]["Environment"]["Variables"]
}

/// The secrets a function may read: its own `ERUN_SECRETS` or the global one.
fn listed_secrets(doc: &Value, function: &Value) -> BTreeSet<String> {
    let own = &function["Properties"]["Environment"]["Variables"]["ERUN_SECRETS"];
    let list = own
        .as_str()
        .or_else(|| globals_env(doc)["ERUN_SECRETS"].as_str())
        .unwrap_or_default();
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// role logical id → secret names granted to it by the secret-read policies.
fn granted_secrets(doc: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut grants: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, policy) in of_type(doc, "AWS::IAM::ManagedPolicy") {
        let statements = policy["Properties"]["PolicyDocument"]["Statement"]
            .as_sequence()
            .expect("statements");
        let mut names = BTreeSet::new();
        for statement in statements {
            let actions: Vec<&str> = statement["Action"]
                .as_sequence()
                .expect("actions")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            if !actions.iter().any(|a| a.starts_with("ssm:")) {
                continue;
            }
            assert_eq!(
                actions,
                ["ssm:GetParameters"],
                "{id} grants only GetParameters"
            );
            let resource = tag_text(&statement["Resource"], "!Sub")
                .unwrap_or_else(|| panic!("{id}: one parameter ARN per statement"));
            let name = resource
                .strip_prefix("arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/erunjrun/${Stage}/")
                .unwrap_or_else(|| panic!("{id}: {resource} is not a stage parameter"));
            assert!(
                SECRET_VARIABLES.contains(&name),
                "{id} grants {name}, not a known secret"
            );
            names.insert(name.to_owned());
        }
        for role in policy["Properties"]["Roles"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            let role = tag_text(role, "!Ref").expect("roles are !Ref <Function>Role");
            grants
                .entry(role)
                .or_default()
                .extend(names.iter().cloned());
        }
    }
    grants
}

#[test]
fn every_function_reads_exactly_the_secrets_it_lists_and_none_is_a_plain_value() {
    let doc = template();
    let grants = granted_secrets(&doc);
    let functions = of_type(&doc, "AWS::Serverless::Function");
    assert!(!functions.is_empty());
    for name in SECRET_VARIABLES {
        assert!(
            globals_env(&doc).get(*name).is_none(),
            "{name} is a plain global variable"
        );
    }
    let mut roles = BTreeSet::new();
    for (id, function) in &functions {
        let env = &function["Properties"]["Environment"]["Variables"];
        for name in SECRET_VARIABLES {
            assert!(env.get(*name).is_none(), "{id} has {name} as a plain value");
        }
        let listed = listed_secrets(&doc, function);
        assert!(
            listed
                .iter()
                .all(|n| SECRET_VARIABLES.contains(&n.as_str())),
            "{id} lists an unknown secret: {listed:?}"
        );
        let role = format!("{id}Role");
        let granted = grants.get(&role).cloned().unwrap_or_default();
        assert_eq!(
            granted, listed,
            "{id}: the <Secret>SecretRead policies must name {role} for exactly ERUN_SECRETS"
        );
        roles.insert(role);
    }
    for role in grants.keys() {
        assert!(
            roles.contains(role),
            "{role} is granted secrets but is no function's role"
        );
    }
}

#[test]
fn every_function_has_a_log_group_with_retention_and_an_alarm() {
    let doc = template();
    let all = resources(&doc);
    for (id, _) in of_type(&doc, "AWS::Serverless::Function") {
        let logs = &all[format!("{id}Logs").as_str()];
        assert_eq!(logs["Type"], "AWS::Logs::LogGroup", "{id}Logs is missing");
        assert_eq!(
            tag_text(&logs["Properties"]["LogGroupName"], "!Sub").as_deref(),
            Some(format!("/aws/lambda/${{{id}}}").as_str()),
            "{id}Logs is the function's own log group"
        );
        assert_eq!(
            tag_text(&logs["Properties"]["RetentionInDays"], "!Ref").as_deref(),
            Some("LogRetentionDays")
        );
        let alarm = &all[format!("{id}Alarm").as_str()];
        assert_eq!(
            alarm["Type"], "AWS::CloudWatch::Alarm",
            "{id}Alarm is missing"
        );
        let text = serde_yaml::to_string(&alarm["Properties"]).expect("yaml");
        assert!(
            text.contains("MetricName: Errors") && text.contains("MetricName: Throttles"),
            "{id}Alarm watches errors and throttles"
        );
        assert!(
            text.contains(&format!("!Ref {id}")),
            "{id}Alarm watches {id}"
        );
    }
}

#[test]
fn every_alarm_is_named_after_the_stage_and_notifies_the_topic() {
    let doc = template();
    let alarms = of_type(&doc, "AWS::CloudWatch::Alarm");
    assert!(alarms.len() >= 5);
    for (id, alarm) in alarms {
        let name = tag_text(&alarm["Properties"]["AlarmName"], "!Sub")
            .unwrap_or_else(|| panic!("{id} has a !Sub name"));
        assert!(name.starts_with("erunjrun-${Stage}: "), "{id}: {name}");
        assert!(
            name.len() > "erunjrun-${Stage}: ".len() + 10,
            "{id}: say what broke"
        );
        let actions = serde_yaml::to_string(&alarm["Properties"]["AlarmActions"]).expect("yaml");
        assert!(actions.contains("AlarmTopicArn"), "{id} notifies the topic");
    }
}

#[test]
fn every_dead_letter_queue_has_an_alarm() {
    let doc = template();
    let all = resources(&doc);
    for (id, _) in of_type(&doc, "AWS::SQS::Queue")
        .into_iter()
        .filter(|(id, _)| id.ends_with("DeadLetterQueue"))
    {
        let alarm = &all[format!("{id}Alarm").as_str()];
        let text = serde_yaml::to_string(&alarm["Properties"]).expect("yaml");
        assert!(
            text.contains("ApproximateNumberOfMessagesVisible") && text.contains(&id),
            "{id}Alarm must watch the queue's visible messages"
        );
    }
}

#[test]
fn throttled_routes_are_routes_and_money_routes_are_tighter_than_the_default() {
    let doc = template();
    let api = &resources(&doc)["Api"]["Properties"];
    let default_rate = api["DefaultRouteSettings"]["ThrottlingRateLimit"]
        .as_f64()
        .expect("a default rate");
    let keys: BTreeSet<String> = ROUTES
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let settings = api["RouteSettings"].as_mapping().expect("route settings");
    for (key, setting) in settings {
        let key = key.as_str().expect("route key");
        assert!(keys.contains(key), "{key} is not a route");
        let rate = setting["ThrottlingRateLimit"].as_f64().expect("rate");
        assert!(rate < default_rate, "{key} is tighter than the default");
    }
    for key in [
        "POST /user/message",
        "GET /user/kakao/callback",
        "GET /user/naver/callback",
        "POST /group",
        "POST /course",
    ] {
        assert!(settings.contains_key(key), "{key} has its own throttle");
    }
}

#[test]
fn the_custom_domain_maps_the_api_with_an_empty_base_path() {
    let doc = template();
    let mapping = &resources(&doc)["ApiDomainMapping"];
    assert_eq!(mapping["Type"], "AWS::ApiGatewayV2::ApiMapping");
    assert_eq!(mapping["Condition"], "HasDomain");
    assert_eq!(mapping["Properties"]["ApiMappingKey"], "");
    assert_eq!(mapping["Properties"]["Stage"], "$default");
    let base = serde_yaml::to_string(&doc["Outputs"]["ApiBaseUrl"]["Value"]).expect("yaml");
    assert!(base.contains("https://${DomainName}"), "{base}");
}
