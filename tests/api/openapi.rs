//! docs/openapi.yaml kept honest: it describes exactly the route table, and
//! every answer the API tests receive (through `TestApp::send`) must be a
//! documented status of the route that answered (the dev gateway names it in
//! `x-erun-route`), with a JSON body that validates against its schema.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, LazyLock, Mutex};

use functions::local::gateway::ROUTE_HEADER;
use functions::routes::ROUTES;
use serde_json::{Value, json};

use crate::helpers::Reply;

const DOCUMENT: &str = include_str!("../../docs/openapi.yaml");
/// How OpenAPI spells API Gateway's `ANY` method (AWS's own extension).
const ANY_METHOD: &str = "x-amazon-apigateway-any-method";
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

static SPEC: LazyLock<Value> = LazyLock::new(|| {
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(DOCUMENT).expect("docs/openapi.yaml is YAML");
    serde_json::to_value(yaml).expect("docs/openapi.yaml is JSON-compatible")
});

type Validators = Mutex<HashMap<String, Arc<jsonschema::Validator>>>;
static VALIDATORS: LazyLock<Validators> = LazyLock::new(Default::default);

fn operation_key(method: &str) -> String {
    if method == "ANY" {
        ANY_METHOD.to_owned()
    } else {
        method.to_ascii_lowercase()
    }
}

/// `/` in a JSON pointer token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// A validator for the schema at `pointer` (refs resolve against the whole
/// document, so `#/components/schemas/…` works anywhere).
fn validator(pointer: &str) -> Result<Arc<jsonschema::Validator>, String> {
    let mut cache = VALIDATORS.lock().map_err(|e| e.to_string())?;
    if let Some(v) = cache.get(pointer) {
        return Ok(v.clone());
    }
    let mut root = SPEC.clone();
    let object = root.as_object_mut().ok_or("the document is an object")?;
    object.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    // A URI fragment: the braces of path templates are percent-encoded.
    let fragment = pointer.replace('{', "%7B").replace('}', "%7D");
    object.insert("$ref".into(), json!(format!("#{fragment}")));
    let compiled = jsonschema::draft202012::new(&root).map_err(|e| format!("{pointer}: {e}"))?;
    let compiled = Arc::new(compiled);
    cache.insert(pointer.to_owned(), compiled.clone());
    Ok(compiled)
}

/// Checks one answer of `route` ("GET /group/{id}") against the document.
pub fn validate(route: &str, status: u16, content_type: &str, body: &str) -> Result<(), String> {
    let (method, path) = route.split_once(' ').ok_or("route is METHOD PATH")?;
    let operation_pointer = format!("/paths/{}/{}", escape(path), operation_key(method));
    let operation = SPEC
        .pointer(&operation_pointer)
        .ok_or_else(|| format!("{route} is not in docs/openapi.yaml"))?;
    let status_key = status.to_string();
    let Some(response) = operation["responses"].get(&status_key) else {
        return Err(format!("{route} answered {status}, not documented: {body}"));
    };
    let response = match response.get("$ref").and_then(Value::as_str) {
        Some(target) => SPEC
            .pointer(target.trim_start_matches('#'))
            .ok_or_else(|| format!("{target} does not resolve"))?,
        None => response,
    };
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if body.is_empty() {
        return Ok(());
    }
    let Some(media) = response["content"].get(essence) else {
        return Err(format!(
            "{route} {status} answered {essence:?}, not a documented media type: {body}"
        ));
    };
    if essence != "application/json" {
        return Ok(());
    }
    let instance: Value =
        serde_json::from_str(body).map_err(|e| format!("{route} {status}: not JSON ({e})"))?;
    let schema_pointer = match media["schema"].get("$ref").and_then(Value::as_str) {
        Some(target) => target.trim_start_matches('#').to_owned(),
        None => format!(
            "{operation_pointer}/responses/{status_key}/content/{}/schema",
            escape(essence)
        ),
    };
    if response.get("content").is_some() && media.get("schema").is_none() {
        return Err(format!("{route} {status}: JSON without a schema"));
    }
    let validator = validator(&schema_pointer)?;
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{route} {status} does not match docs/openapi.yaml: {errors:?}\nbody: {body}"
        ))
    }
}

/// Called by `TestApp::send` for every answer of a route.
#[track_caller]
pub fn check_reply(reply: &Reply) {
    let Some(route) = reply.header(ROUTE_HEADER) else {
        return; // not a route (the dev clock) or refused before any function ran
    };
    let content_type = reply.header("content-type").unwrap_or_default();
    if let Err(problem) = validate(route, reply.status, content_type, &reply.text) {
        panic!("{problem}");
    }
}

fn documented_operations() -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for (path, item) in SPEC["paths"].as_object().expect("paths") {
        for key in item.as_object().expect("path item").keys() {
            let method = if key == ANY_METHOD {
                "ANY".to_owned()
            } else if METHODS.contains(&key.as_str()) {
                key.to_ascii_uppercase()
            } else {
                continue; // parameters, summary, …
            };
            found.insert((method, path.clone()));
        }
    }
    found
}

#[test]
fn the_document_describes_every_route_and_nothing_else() {
    let routes: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    let documented = documented_operations();
    let missing: Vec<_> = routes.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&routes).collect();
    assert!(
        missing.is_empty(),
        "routes missing from docs/openapi.yaml: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "docs/openapi.yaml documents routes that do not exist: {extra:?}"
    );
}

#[test]
fn the_document_is_openapi_3_1_and_every_schema_compiles() {
    assert!(
        SPEC["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1."))
    );
    assert!(SPEC["info"]["title"].is_string() && SPEC["info"]["version"].is_string());
    for (path, item) in SPEC["paths"].as_object().expect("paths") {
        let params: BTreeSet<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        for (key, operation) in item.as_object().expect("path item") {
            if key != ANY_METHOD && !METHODS.contains(&key.as_str()) {
                continue;
            }
            let declared: BTreeSet<&str> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(item["parameters"].as_array().into_iter().flatten())
                .map(resolve)
                .filter(|p| p["in"] == "path")
                .filter_map(|p| p["name"].as_str())
                .collect();
            assert_eq!(declared, params, "{key} {path}: path parameters");
            assert!(
                operation["operationId"].is_string(),
                "{key} {path}: operationId"
            );
            let responses = operation["responses"].as_object().expect("responses");
            assert!(!responses.is_empty(), "{key} {path}: responses");
            for (status, response) in responses {
                let response = resolve(response);
                assert!(
                    response["description"].is_string(),
                    "{key} {path} {status}: description"
                );
                if let Some(schema) = response.pointer("/content/application~1json/schema") {
                    let pointer = match schema.get("$ref").and_then(Value::as_str) {
                        Some(target) => target.trim_start_matches('#').to_owned(),
                        None => format!(
                            "/paths/{}/{key}/responses/{status}/content/application~1json/schema",
                            escape(path)
                        ),
                    };
                    validator(&pointer).unwrap_or_else(|e| panic!("{key} {path} {status}: {e}"));
                }
            }
        }
    }
}

fn resolve(value: &Value) -> &Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(target) => SPEC
            .pointer(target.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{target} does not resolve")),
        None => value,
    }
}

#[test]
fn an_answer_that_breaks_the_document_is_refused() {
    // The contract's error envelope passes; a body of another shape, an
    // undocumented status and an undocumented route do not.
    let error = r#"{"success":false,"message":"로그인 후 사용하시오"}"#;
    assert_eq!(
        validate("GET /alarm", 400, "application/json", error),
        Ok(())
    );
    assert!(validate("GET /alarm", 400, "application/json", r#"{"success":"no"}"#).is_err());
    assert!(
        validate(
            "GET /alarm",
            400,
            "application/json",
            r#"{"success":true,"message":"x"}"#
        )
        .is_err()
    );
    // The refresh answer keeps the original's misspelt `succcss`.
    let refreshed = r#"{"succcss":false,"message":"token 만료","reason":"x","token":"t"}"#;
    assert_eq!(
        validate("GET /user/auth", 401, "application/json", refreshed),
        Ok(())
    );
    let corrected = r#"{"success":false,"message":"token 만료","reason":"x","token":"t"}"#;
    assert!(validate("GET /user/auth", 401, "application/json", corrected).is_err());
    assert!(validate("GET /alarm", 418, "application/json", error).is_err());
    assert!(validate("GET /nowhere", 200, "application/json", "{}").is_err());
    assert!(validate("GET /alarm", 200, "text/html", "<p>").is_err());
}
