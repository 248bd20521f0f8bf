//! Which AWS operations each function performs, recorded by an SDK
//! interceptor so that a test can compare them with the function's IAM
//! policy in template.yaml (`tests/iam/`: every call granted, every grant
//! used). DynamoDB Local and moto enforce no IAM, so without this a missing
//! grant is only seen in AWS.
//!
//! Recording is off unless a process turns it on with [`record_to`] (the API
//! tests do); deployed functions never do, and then the interceptor only
//! checks one `OnceLock`. Operations are attributed to the function named by
//! the innermost [`as_function`] scope (the dev gateway opens one per request
//! with the route's `ERUN_ROUTE` name; background functions open one with
//! their own name); calls outside any scope (test set-up) are not recorded.
//!
//! Each operation is recorded as the IAM action(s) it needs, with its
//! resource relative to our own resources:
//! * DynamoDB: `table` or `table/index/<name>`; the parts of
//!   TransactWriteItems count as `PutItem`/`UpdateItem`/`DeleteItem`/
//!   `ConditionCheckItem`, TransactGetItems as `GetItem` (that is how IAM
//!   authorizes them); BatchGetItem/BatchWriteItem are their own actions.
//! * S3: `<first key segment>/*` of each object (DeleteObjects: each key, as
//!   `s3:DeleteObject`; HeadObject as `s3:GetObject`), `bucket` for bucket
//!   operations.
//! * EventBridge Scheduler: `schedule/<group>/*`.

use std::collections::BTreeSet;
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, Input,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use serde::{Deserialize, Serialize};

tokio::task_local! {
    static FUNCTION: &'static str;
}

/// One IAM-relevant use of an AWS API by a function.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Operation {
    /// The function's name: its `ERUN_ROUTE`, or its logical id in template.yaml.
    pub function: String,
    /// The IAM action, e.g. `dynamodb:UpdateItem`.
    pub action: String,
    /// The resource relative to ours (see the module docs).
    pub resource: String,
}

/// The recording's file name in the test target directory
/// (`CARGO_TARGET_TMPDIR`): the API tests write it, `tests/iam` reads it.
pub const RECORDING_FILE: &str = "aws-operations.jsonl";

struct Recorder {
    path: PathBuf,
    seen: Mutex<BTreeSet<Operation>>,
}

static RECORDER: OnceLock<Recorder> = OnceLock::new();

/// Turns recording on for this process: every distinct operation is appended
/// to `path` as one JSON line. The file is truncated by the first call; later
/// calls (with any path) keep the first recorder.
pub fn record_to(path: &Path) -> std::io::Result<()> {
    if RECORDER.get().is_some() {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let recorder = Recorder {
        path: path.to_owned(),
        seen: Mutex::new(BTreeSet::new()),
    };
    if RECORDER.set(recorder).is_ok() {
        std::fs::File::create(path)?;
    }
    Ok(())
}

/// Reads a file written by [`record_to`].
pub fn read_recording(path: &Path) -> anyhow::Result<BTreeSet<Operation>> {
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Ok(serde_json::from_str(l)?))
        .collect()
}

/// Runs `fut` with its AWS operations attributed to `function`.
pub async fn as_function<F: Future>(function: &'static str, fut: F) -> F::Output {
    FUNCTION.scope(function, fut).await
}

fn record(action: String, resource: String) {
    let Some(recorder) = RECORDER.get() else {
        return;
    };
    let Ok(function) = FUNCTION.try_with(|f| *f) else {
        return;
    };
    let op = Operation {
        function: function.to_owned(),
        action,
        resource,
    };
    let Ok(mut seen) = recorder.seen.lock() else {
        return;
    };
    if seen.contains(&op) {
        return;
    }
    let line = serde_json::to_string(&op).unwrap_or_default();
    let written = std::fs::OpenOptions::new()
        .append(true)
        .open(&recorder.path)
        .and_then(|mut f| writeln!(f, "{line}"));
    if written.is_ok() {
        seen.insert(op);
    }
}

/// The resource of an S3 object key: its first segment as a prefix.
pub fn object_resource(key: &str) -> String {
    match key.split_once('/') {
        Some((folder, _)) => format!("{folder}/*"),
        None => key.to_owned(),
    }
}

fn table_resource(index: Option<&str>) -> String {
    match index {
        Some(index) => format!("table/index/{index}"),
        None => "table".to_owned(),
    }
}

/// The IAM actions and resources one SDK call needs.
fn actions_of(service: &str, operation: &str, input: &Input) -> Vec<(String, String)> {
    let mut out = Vec::new();
    match service.to_ascii_lowercase().as_str() {
        "dynamodb" => dynamodb_actions(operation, input, &mut out),
        "s3" => s3_actions(operation, input, &mut out),
        "scheduler" => scheduler_actions(operation, input, &mut out),
        other => out.push((format!("{other}:{operation}"), "*".to_owned())),
    }
    out
}

fn dynamodb_actions(operation: &str, input: &Input, out: &mut Vec<(String, String)>) {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
    use aws_sdk_dynamodb::operation::{query::QueryInput, scan::ScanInput};
    let action = |name: &str| format!("dynamodb:{name}");
    match operation {
        "Query" => {
            let index = input
                .downcast_ref::<QueryInput>()
                .and_then(|q| q.index_name());
            out.push((action("Query"), table_resource(index)));
        }
        "Scan" => {
            let index = input
                .downcast_ref::<ScanInput>()
                .and_then(|q| q.index_name());
            out.push((action("Scan"), table_resource(index)));
        }
        "TransactWriteItems" => {
            if let Some(tx) = input.downcast_ref::<TransactWriteItemsInput>() {
                for part in tx.transact_items() {
                    let name = if part.put().is_some() {
                        "PutItem"
                    } else if part.update().is_some() {
                        "UpdateItem"
                    } else if part.delete().is_some() {
                        "DeleteItem"
                    } else {
                        "ConditionCheckItem"
                    };
                    out.push((action(name), table_resource(None)));
                }
            }
        }
        "TransactGetItems" => out.push((action("GetItem"), table_resource(None))),
        other => out.push((action(other), table_resource(None))),
    }
}

fn s3_actions(operation: &str, input: &Input, out: &mut Vec<(String, String)>) {
    use aws_sdk_s3::operation::{
        copy_object::CopyObjectInput, delete_object::DeleteObjectInput,
        delete_objects::DeleteObjectsInput, get_object::GetObjectInput,
        head_object::HeadObjectInput, put_object::PutObjectInput,
    };
    let key_of = |key: Option<&str>| object_resource(key.unwrap_or_default());
    match operation {
        "PutObject" => {
            let key = input.downcast_ref::<PutObjectInput>().and_then(|i| i.key());
            out.push(("s3:PutObject".into(), key_of(key)));
        }
        "GetObject" => {
            let key = input.downcast_ref::<GetObjectInput>().and_then(|i| i.key());
            out.push(("s3:GetObject".into(), key_of(key)));
        }
        "HeadObject" => {
            let key = input
                .downcast_ref::<HeadObjectInput>()
                .and_then(|i| i.key());
            out.push(("s3:GetObject".into(), key_of(key)));
        }
        "DeleteObject" => {
            let key = input
                .downcast_ref::<DeleteObjectInput>()
                .and_then(|i| i.key());
            out.push(("s3:DeleteObject".into(), key_of(key)));
        }
        "DeleteObjects" => {
            if let Some(delete) = input
                .downcast_ref::<DeleteObjectsInput>()
                .and_then(|i| i.delete())
            {
                for object in delete.objects() {
                    out.push(("s3:DeleteObject".into(), object_resource(object.key())));
                }
            }
        }
        "CopyObject" => {
            if let Some(copy) = input.downcast_ref::<CopyObjectInput>() {
                out.push(("s3:PutObject".into(), key_of(copy.key())));
                // `bucket/key` (URL-encoded); the source key after the bucket.
                let source = copy.copy_source().unwrap_or_default();
                let source_key = source.split_once('/').map_or("", |(_, k)| k);
                out.push(("s3:GetObject".into(), object_resource(source_key)));
            }
        }
        "ListObjectsV2" | "ListObjects" => out.push(("s3:ListBucket".into(), "bucket".into())),
        other => out.push((format!("s3:{other}"), "bucket".into())),
    }
}

fn scheduler_actions(operation: &str, input: &Input, out: &mut Vec<(String, String)>) {
    use aws_sdk_scheduler::operation::{
        create_schedule::CreateScheduleInput, delete_schedule::DeleteScheduleInput,
        get_schedule::GetScheduleInput, update_schedule::UpdateScheduleInput,
    };
    let group = match operation {
        "CreateSchedule" => input
            .downcast_ref::<CreateScheduleInput>()
            .and_then(|i| i.group_name()),
        "UpdateSchedule" => input
            .downcast_ref::<UpdateScheduleInput>()
            .and_then(|i| i.group_name()),
        "DeleteSchedule" => input
            .downcast_ref::<DeleteScheduleInput>()
            .and_then(|i| i.group_name()),
        "GetSchedule" => input
            .downcast_ref::<GetScheduleInput>()
            .and_then(|i| i.group_name()),
        _ => None,
    };
    out.push((
        format!("scheduler:{operation}"),
        format!("schedule/{}/*", group.unwrap_or("default")),
    ));
}

/// SDK interceptor recording each operation (once per call, not per attempt)
/// when recording is on. Install it on every AWS client of [`crate::App`].
#[derive(Debug, Default)]
pub struct OperationRecorder;

impl Intercept for OperationRecorder {
    fn name(&self) -> &'static str {
        "OperationRecorder"
    }

    // Not `read_before_execution`: client interceptors see that before the
    // operation's configuration (its `Metadata`) is in the bag.
    fn read_before_serialization(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if RECORDER.get().is_none() {
            return Ok(());
        }
        let Some(metadata) = cfg.load::<Metadata>() else {
            return Ok(());
        };
        for (action, resource) in actions_of(metadata.service(), metadata.name(), context.input()) {
            record(action, resource);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::{ConditionCheck, Put, TransactWriteItem, Update};

    #[test]
    fn transaction_parts_count_as_the_item_actions_iam_checks() {
        let put = Put::builder()
            .table_name("t")
            .set_item(Some(Default::default()))
            .build()
            .expect("put");
        let update = Update::builder()
            .table_name("t")
            .set_key(Some(Default::default()))
            .update_expression("SET a = :a")
            .build()
            .expect("update");
        let check = ConditionCheck::builder()
            .table_name("t")
            .set_key(Some(Default::default()))
            .condition_expression("attribute_exists(PK)")
            .build()
            .expect("check");
        let input =
            aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput::builder()
                .transact_items(TransactWriteItem::builder().put(put).build())
                .transact_items(TransactWriteItem::builder().update(update).build())
                .transact_items(TransactWriteItem::builder().condition_check(check).build())
                .build()
                .expect("input");
        let actions = actions_of("DynamoDB", "TransactWriteItems", &Input::erase(input));
        let names: Vec<_> = actions.iter().map(|(a, r)| format!("{a} {r}")).collect();
        assert_eq!(
            names,
            [
                "dynamodb:PutItem table",
                "dynamodb:UpdateItem table",
                "dynamodb:ConditionCheckItem table"
            ]
        );
    }

    #[test]
    fn a_query_names_its_index_and_deletes_name_each_key_prefix() {
        let query = aws_sdk_dynamodb::operation::query::QueryInput::builder()
            .table_name("t")
            .index_name("GSI2")
            .build()
            .expect("query");
        assert_eq!(
            actions_of("DynamoDB", "Query", &Input::erase(query)),
            [("dynamodb:Query".to_owned(), "table/index/GSI2".to_owned())]
        );
        use aws_sdk_s3::types::{Delete, ObjectIdentifier};
        let delete = Delete::builder()
            .objects(
                ObjectIdentifier::builder()
                    .key("profileImg/a.jpg")
                    .build()
                    .expect("id"),
            )
            .objects(
                ObjectIdentifier::builder()
                    .key("w_384/a.jpg")
                    .build()
                    .expect("id"),
            )
            .build()
            .expect("delete");
        let input = aws_sdk_s3::operation::delete_objects::DeleteObjectsInput::builder()
            .bucket("b")
            .delete(delete)
            .build()
            .expect("input");
        assert_eq!(
            actions_of("S3", "DeleteObjects", &Input::erase(input)),
            [
                ("s3:DeleteObject".to_owned(), "profileImg/*".to_owned()),
                ("s3:DeleteObject".to_owned(), "w_384/*".to_owned())
            ]
        );
    }
}
