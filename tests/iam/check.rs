//! IAM coverage: every AWS operation the API tests performed (recorded per
//! function by `shared::aws_ops`) must be granted by that function's policy
//! in template.yaml, resource and index included, and every granted action
//! must have been used. DynamoDB Local and moto enforce no IAM, so this is
//! where a missing or superfluous grant shows.
//!
//! Reads the recording of the last API test run: `scripts/test.sh` runs this
//! package after every other test (`cargo test -p iam-check`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_yaml::Value;
use shared::aws_ops::{Operation, RECORDING_FILE, read_recording};

const TEMPLATE: &str = include_str!("../../template.yaml");

/// One allowed (action, resource) pair of a policy statement, both patterns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Grant {
    action: String,
    resource: String,
}

#[derive(Debug)]
struct Function {
    logical_id: String,
    /// The name its operations are recorded under: `ERUN_ROUTE`, else the logical id.
    name: String,
    grants: Vec<Grant>,
}

/// `*` matches any run of characters, `?` one character (IAM's wildcards).
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn unsupported(resource: &Value) -> ! {
    panic!("unsupported policy resource {resource:?}: use !GetAtt, !Ref, a !Sub string or a string")
}

/// A policy resource in the recorder's relative form (`table`,
/// `table/index/GSI1`, `<folder>/*`, `bucket`, `schedule/<group>/<name>`).
fn relative_resource(resource: &Value) -> String {
    let text = match resource {
        Value::Tagged(t) if ["!GetAtt", "!Ref"].contains(&t.tag.to_string().as_str()) => {
            format!(
                "${{{}}}",
                t.value.as_str().unwrap_or_else(|| unsupported(resource))
            )
        }
        Value::Tagged(t) if t.tag == "!Sub" => t
            .value
            .as_str()
            .unwrap_or_else(|| unsupported(resource))
            .to_owned(),
        Value::String(s) => s.clone(),
        _ => unsupported(resource),
    };
    if let Some(rest) = text.strip_prefix("${Table.Arn}") {
        return format!("table{rest}");
    }
    if let Some(rest) = text.strip_prefix("${ImageBucket.Arn}") {
        return match rest.strip_prefix('/') {
            Some(key) => key.to_owned(),
            None => "bucket".to_owned(),
        };
    }
    if let Some((_, after)) = text.split_once(":s3:::") {
        return match after.split_once('/') {
            Some((_, key)) => key.to_owned(),
            None => "bucket".to_owned(),
        };
    }
    if let Some((_, after)) = text.split_once(":schedule/") {
        return format!("schedule/{after}");
    }
    text
}

fn strings(value: &Value) -> Vec<Value> {
    match value {
        Value::Sequence(items) => items.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

fn functions(template: &str) -> Vec<Function> {
    let doc: Value = serde_yaml::from_str(template).expect("template.yaml parses");
    let resources = doc["Resources"].as_mapping().expect("Resources");
    let mut out = Vec::new();
    for (id, resource) in resources {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let logical_id = id.as_str().expect("logical id").to_owned();
        let properties = &resource["Properties"];
        let name = properties["Environment"]["Variables"]["ERUN_ROUTE"]
            .as_str()
            .map_or_else(|| logical_id.clone(), str::to_owned);
        let mut grants = Vec::new();
        for policy in strings(&properties["Policies"]) {
            let statements = policy.get("Statement").unwrap_or_else(|| {
                panic!(
                    "{logical_id}: only inline Statement policies can be checked, found {policy:?}"
                )
            });
            for statement in strings(statements) {
                assert_eq!(
                    statement["Effect"], "Allow",
                    "{logical_id}: only Allow statements"
                );
                for action in strings(&statement["Action"]) {
                    for resource in strings(&statement["Resource"]) {
                        grants.push(Grant {
                            action: action.as_str().expect("action").to_owned(),
                            resource: relative_resource(&resource),
                        });
                    }
                }
            }
        }
        out.push(Function {
            logical_id,
            name,
            grants,
        });
    }
    out
}

fn covers(grant: &Grant, op: &Operation) -> bool {
    glob(&grant.action, &op.action) && glob(&grant.resource, &op.resource)
}

/// `iam:PassRole` is the scheduler's use of the schedule's execution role:
/// used when the function creates or updates schedules.
fn passes_a_role(op: &Operation) -> bool {
    matches!(
        op.action.as_str(),
        "scheduler:CreateSchedule" | "scheduler:UpdateSchedule"
    )
}

/// `s3:ListBucket` on the bucket is what makes S3 answer a read of a missing
/// object with 404 (NoSuchKey) instead of 403: used when the function reads
/// objects and must tell "gone" from "forbidden" (the image-resize function).
fn reads_objects(op: &Operation) -> bool {
    op.action == "s3:GetObject"
}

fn used(grant: &Grant, ops: &[&Operation]) -> bool {
    if grant.action == "iam:PassRole" {
        return ops.iter().any(|op| passes_a_role(op));
    }
    if grant.action == "s3:ListBucket" && grant.resource == "bucket" {
        return ops.iter().any(|op| reads_objects(op));
    }
    ops.iter().any(|op| covers(grant, op))
}

/// (ungranted operations, unused grants, operations of unknown functions).
fn compare(
    functions: &[Function],
    recorded: &BTreeSet<Operation>,
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut by_function: BTreeMap<&str, Vec<&Operation>> = BTreeMap::new();
    for op in recorded {
        by_function
            .entry(op.function.as_str())
            .or_default()
            .push(op);
    }
    let mut ungranted = Vec::new();
    let mut unused = Vec::new();
    for f in functions {
        let ops = by_function.remove(f.name.as_str()).unwrap_or_default();
        ungranted.extend(
            ops.iter()
                .filter(|op| !f.grants.iter().any(|g| covers(g, op)))
                .map(|op| {
                    format!(
                        "{} ({}): {} on {}",
                        f.logical_id, f.name, op.action, op.resource
                    )
                }),
        );
        unused.extend(f.grants.iter().filter(|g| !used(g, &ops)).map(|g| {
            format!(
                "{} ({}): {} on {}",
                f.logical_id, f.name, g.action, g.resource
            )
        }));
    }
    let unknown = by_function
        .into_iter()
        .map(|(name, ops)| format!("{name}: {} operations", ops.len()))
        .collect();
    (ungranted, unused, unknown)
}

fn recording() -> BTreeSet<Operation> {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(RECORDING_FILE);
    read_recording(&path).unwrap_or_else(|e| {
        panic!(
            "no recording of the API tests at {} ({e}): run ./scripts/test.sh, which runs them first",
            path.display()
        )
    })
}

#[test]
fn every_aws_call_of_the_api_tests_is_granted_by_its_functions_policy() {
    let (ungranted, _, unknown) = compare(&functions(TEMPLATE), &recording());
    assert!(
        ungranted.is_empty(),
        "calls their function's policy does not grant:\n{}",
        ungranted.join("\n")
    );
    assert!(
        unknown.is_empty(),
        "operations recorded under a name that is no function's ERUN_ROUTE or logical id:\n{}",
        unknown.join("\n")
    );
}

#[test]
fn every_granted_action_is_used_by_the_api_tests() {
    let (_, unused, _) = compare(&functions(TEMPLATE), &recording());
    assert!(
        unused.is_empty(),
        "grants no test run used (remove them, or test the path that needs them):\n{}",
        unused.join("\n")
    );
}

#[cfg(test)]
mod matching {
    use super::*;

    fn op(function: &str, action: &str, resource: &str) -> Operation {
        Operation {
            function: function.into(),
            action: action.into(),
            resource: resource.into(),
        }
    }

    const TEMPLATE: &str = r#"
Resources:
  ProfileFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment: { Variables: { ERUN_ROUTE: profile } }
      Policies:
        - Statement:
            - Effect: Allow
              Action: [dynamodb:GetItem]
              Resource: !GetAtt Table.Arn
            - Effect: Allow
              Action: [dynamodb:Query]
              Resource: !Sub ${Table.Arn}/index/GSI2
            - Effect: Allow
              Action: [s3:DeleteObject]
              Resource:
                - !Sub arn:${AWS::Partition}:s3:::images-${Stage}/profileImg/*
  ResizeFunction:
    Type: AWS::Serverless::Function
    Properties:
      Policies:
        - Statement:
            - Effect: Allow
              Action: s3:GetObject
              Resource: !Sub ${ImageBucket.Arn}/*
"#;

    #[test]
    fn a_table_grant_does_not_cover_an_index_nor_an_index_grant_the_table() {
        let fs = functions(TEMPLATE);
        let recorded = BTreeSet::from([
            op("profile", "dynamodb:GetItem", "table"),
            op("profile", "dynamodb:Query", "table"),
            op("profile", "dynamodb:GetItem", "table/index/GSI2"),
            op("profile", "s3:DeleteObject", "profileImg/*"),
            op("ResizeFunction", "s3:GetObject", "w_384/*"),
        ]);
        let (ungranted, unused, unknown) = compare(&fs, &recorded);
        assert_eq!(
            ungranted,
            [
                "ProfileFunction (profile): dynamodb:GetItem on table/index/GSI2",
                "ProfileFunction (profile): dynamodb:Query on table",
            ]
        );
        assert_eq!(
            unused,
            ["ProfileFunction (profile): dynamodb:Query on table/index/GSI2"]
        );
        assert!(unknown.is_empty());
    }

    #[test]
    fn a_prefix_grant_covers_only_its_own_folder() {
        let fs = functions(TEMPLATE);
        let recorded = BTreeSet::from([
            op("profile", "dynamodb:GetItem", "table"),
            op("profile", "dynamodb:Query", "table/index/GSI2"),
            op("profile", "s3:DeleteObject", "w_758/*"),
            op("ResizeFunction", "s3:GetObject", "courseImage/*"),
            op("nobody", "s3:GetObject", "courseImage/*"),
        ]);
        let (ungranted, unused, unknown) = compare(&fs, &recorded);
        assert_eq!(
            ungranted,
            ["ProfileFunction (profile): s3:DeleteObject on w_758/*"]
        );
        assert_eq!(
            unused,
            ["ProfileFunction (profile): s3:DeleteObject on profileImg/*"]
        );
        assert_eq!(unknown, ["nobody: 1 operations"]);
    }

    #[test]
    fn globs_match_like_iam() {
        assert!(glob("dynamodb:*", "dynamodb:GetItem"));
        assert!(glob("profileImg/*", "profileImg/*"));
        assert!(!glob("profileImg/*", "w_384/*"));
        assert!(!glob("table", "table/index/GSI1"));
        assert!(glob("table/index/*", "table/index/GSI1"));
    }
}
