//! template.yaml ⇄ the route table: adding a route without its SAM function
//! (or the other way round) fails here, not at deploy time.

use std::collections::BTreeSet;

use functions::routes::ROUTES;
use serde_yaml::Value;

fn template() -> Value {
    serde_yaml::from_str(functions::local::devstack::TEMPLATE).expect("template.yaml parses")
}

/// (logical id, function properties) of every function built from the `api` binary.
fn api_functions(doc: &Value) -> Vec<(String, Value)> {
    let resources = doc["Resources"].as_mapping().expect("Resources");
    resources
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
        .filter(|(_, r)| r["Metadata"]["BuildProperties"]["Binary"] == "api")
        .map(|(id, r)| (id.as_str().expect("id").to_owned(), r["Properties"].clone()))
        .collect()
}

fn pascal_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn every_route_has_a_sam_function_and_every_function_a_route() {
    let doc = template();
    let mut in_template = BTreeSet::new();
    for (id, properties) in api_functions(&doc) {
        let name = properties["Environment"]["Variables"]["ERUN_ROUTE"]
            .as_str()
            .unwrap_or_else(|| panic!("{id} has no ERUN_ROUTE"))
            .to_owned();
        assert_eq!(
            id,
            format!("{}Function", pascal_case(&name)),
            "logical id of {name}"
        );
        let events = properties["Events"]
            .as_mapping()
            .unwrap_or_else(|| panic!("{id} has no events"));
        for event in events.values() {
            assert_eq!(event["Type"], "HttpApi", "{id}");
            let p = &event["Properties"];
            assert!(
                matches!(&p["ApiId"], Value::Tagged(t) if t.tag == "!Ref" && t.value == "Api"),
                "{id} is on the HTTP API"
            );
            let method = p["Method"].as_str().expect("Method").to_ascii_uppercase();
            let path = p["Path"].as_str().expect("Path").to_owned();
            in_template.insert((method, path, name.clone()));
        }
    }
    let in_table: BTreeSet<_> = ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned(), r.name.to_owned()))
        .collect();
    let missing: Vec<_> = in_table.difference(&in_template).collect();
    let extra: Vec<_> = in_template.difference(&in_table).collect();
    assert!(
        missing.is_empty(),
        "routes without a SAM function: {missing:?}"
    );
    assert!(extra.is_empty(), "SAM functions without a route: {extra:?}");
}

#[test]
fn policies_name_exact_actions_and_never_a_wildcard_or_a_scan() {
    let doc = template();
    for (id, properties) in api_functions(&doc) {
        let text = serde_yaml::to_string(&properties["Policies"]).expect("yaml");
        let statements = properties["Policies"]
            .as_sequence()
            .into_iter()
            .flatten()
            .flat_map(|p| p["Statement"].as_sequence().cloned().unwrap_or_default());
        for statement in statements {
            let actions = serde_yaml::to_string(&statement["Action"]).expect("yaml");
            assert!(
                !actions.contains('*'),
                "{id} has a wildcard action:\n{actions}"
            );
            let resources = serde_yaml::to_string(&statement["Resource"]).expect("yaml");
            for line in resources.lines().filter(|l| l.contains('*')) {
                // Only S3 object paths under a named prefix may end in `/*`.
                let object_prefix = line.contains(":s3:::")
                    && line.trim_end().ends_with("/*")
                    && line.matches('*').count() == 1;
                assert!(object_prefix, "{id} has a wildcard resource: {line}");
            }
        }
        assert!(!text.contains("Scan"), "{id} may Scan:\n{text}");
        assert!(
            !text.contains("CrudPolicy") && !text.contains("FullAccess"),
            "{id} uses a broad template"
        );
    }
}

#[test]
fn test_routes_are_off_unless_a_deploy_turns_them_on() {
    let doc = template();
    assert_eq!(doc["Parameters"]["EnableTestRoutes"]["Default"], "0");
    // Secrets are SSM SecureString parameters, never template parameters
    // (a parameter value lands in the Lambda configuration): operations.rs.
    for secret in [
        "TokenKey",
        "KakaoSecret",
        "NaverSecret",
        "SensSecretKey",
        "PhoneKey",
    ] {
        assert!(
            doc["Parameters"].get(secret).is_none(),
            "{secret} is a template parameter"
        );
    }
}

#[test]
fn the_dev_clock_route_is_not_deployed() {
    assert!(!functions::local::devstack::TEMPLATE.contains("__dev"));
    assert!(ROUTES.iter().all(|r| !r.path.contains("__dev")));
}

#[test]
fn every_route_function_has_an_alarm_named_after_its_whole_route() {
    let doc = template();
    let resources = &doc["Resources"];
    // Functions with several routes (chat, the catch-all) are named by what they serve.
    let single: Vec<_> = ROUTES
        .iter()
        .filter(|r| ROUTES.iter().filter(|o| o.name == r.name).count() == 1)
        .collect();
    assert!(single.len() > 40, "most functions serve one route");
    for route in single {
        let id = format!("{}Function", pascal_case(route.name));
        let name = match &resources[format!("{id}Alarm").as_str()]["Properties"]["AlarmName"] {
            Value::Tagged(t) if t.tag == "!Sub" => t.value.as_str().unwrap_or_default().to_owned(),
            other => panic!("{id}Alarm has no !Sub name: {other:?}"),
        };
        assert_eq!(
            name,
            format!(
                "erunjrun-${{Stage}}: {} {} is crashing or throttled ({id})",
                route.method, route.path
            ),
            "the alarm of {id}"
        );
    }
}
