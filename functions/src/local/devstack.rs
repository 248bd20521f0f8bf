//! Local resources created **from template.yaml's own definitions**, so the
//! local and deployed schemas cannot drift: the DynamoDB table (keys, GSIs,
//! TTL) and the image bucket. Used by the dev gateway and the tests.

use anyhow::{Context, bail};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use serde::Deserialize;

/// The SAM template, compiled in: the gateway needs no path at run time.
pub const TEMPLATE: &str = include_str!("../../../template.yaml");

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TableDefinition {
    pub attribute_definitions: Vec<AttributeDef>,
    pub key_schema: Vec<KeyDef>,
    #[serde(default)]
    pub global_secondary_indexes: Vec<IndexDef>,
    pub time_to_live_specification: Option<TtlDef>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeDef {
    pub attribute_name: String,
    pub attribute_type: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyDef {
    pub attribute_name: String,
    pub key_type: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IndexDef {
    pub index_name: String,
    pub key_schema: Vec<KeyDef>,
    pub projection: ProjectionDef,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProjectionDef {
    pub projection_type: String,
    #[serde(default)]
    pub non_key_attributes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TtlDef {
    pub attribute_name: String,
    pub enabled: bool,
}

/// The one `AWS::DynamoDB::Table` of the template.
pub fn table_definition(template: &str) -> anyhow::Result<TableDefinition> {
    let doc: serde_yaml::Value = serde_yaml::from_str(template).context("parse template.yaml")?;
    let resources = doc
        .get("Resources")
        .and_then(|r| r.as_mapping())
        .context("template has no Resources")?;
    let tables: Vec<_> = resources
        .values()
        .filter(|r| r.get("Type").and_then(|t| t.as_str()) == Some("AWS::DynamoDB::Table"))
        .collect();
    let [table] = tables.as_slice() else {
        bail!(
            "template.yaml must define exactly one DynamoDB table, found {}",
            tables.len()
        );
    };
    let properties = table
        .get("Properties")
        .cloned()
        .context("table has no Properties")?;
    serde_yaml::from_value(properties).context("read the table's Properties")
}

fn key_schema(keys: &[KeyDef]) -> anyhow::Result<Vec<KeySchemaElement>> {
    keys.iter()
        .map(|k| {
            Ok(KeySchemaElement::builder()
                .attribute_name(&k.attribute_name)
                .key_type(KeyType::from(k.key_type.as_str()))
                .build()?)
        })
        .collect()
}

/// Creates `name` with the template's keys, indexes and TTL.
pub async fn create_table(
    client: &aws_sdk_dynamodb::Client,
    name: &str,
    def: &TableDefinition,
) -> anyhow::Result<()> {
    let mut create = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(key_schema(&def.key_schema)?));
    for a in &def.attribute_definitions {
        create = create.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(&a.attribute_name)
                .attribute_type(ScalarAttributeType::from(a.attribute_type.as_str()))
                .build()?,
        );
    }
    for index in &def.global_secondary_indexes {
        let projection = Projection::builder()
            .projection_type(ProjectionType::from(
                index.projection.projection_type.as_str(),
            ))
            .set_non_key_attributes(
                (!index.projection.non_key_attributes.is_empty())
                    .then(|| index.projection.non_key_attributes.clone()),
            )
            .build();
        create = create.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(&index.index_name)
                .set_key_schema(Some(key_schema(&index.key_schema)?))
                .projection(projection)
                .build()?,
        );
    }
    create
        .send()
        .await
        .with_context(|| format!("create table {name}"))?;
    if let Some(ttl) = &def.time_to_live_specification {
        client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(&ttl.attribute_name)
                    .enabled(ttl.enabled)
                    .build()?,
            )
            .send()
            .await
            .with_context(|| format!("enable TTL on {name}"))?;
    }
    Ok(())
}

/// Creates the table unless it exists (the local run keeps its data between
/// starts). A table kept from before the template gained an index is refused
/// with what to do: its items were written without that index's entries.
pub async fn ensure_table(client: &aws_sdk_dynamodb::Client, name: &str) -> anyhow::Result<()> {
    match client.describe_table().table_name(name).send().await {
        Ok(out) => {
            let existing: Vec<&str> = out
                .table()
                .map(|t| t.global_secondary_indexes())
                .unwrap_or_default()
                .iter()
                .filter_map(|i| i.index_name())
                .collect();
            let missing: Vec<String> = table_definition(TEMPLATE)?
                .global_secondary_indexes
                .into_iter()
                .map(|i| i.index_name)
                .filter(|i| !existing.contains(&i.as_str()))
                .collect();
            if missing.is_empty() {
                Ok(())
            } else {
                bail!(
                    "the local table {name} was created before template.yaml had the indexes {}: \
                     its items lack their entries. Stop, remove the local data \
                     (.local/dynamodb-data) and start again",
                    missing.join(", ")
                )
            }
        }
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            create_table(client, name, &table_definition(TEMPLATE)?).await
        }
        Err(e) => Err(e).with_context(|| format!("describe table {name}")),
    }
}

/// The template's `AWS::Scheduler::Schedule`s: (logical id, expression,
/// target input).
pub fn schedule_definitions(template: &str) -> anyhow::Result<Vec<(String, String, String)>> {
    let doc: serde_yaml::Value = serde_yaml::from_str(template).context("parse template.yaml")?;
    let resources = doc
        .get("Resources")
        .and_then(|r| r.as_mapping())
        .context("template has no Resources")?;
    let mut found = Vec::new();
    for (id, resource) in resources {
        if resource.get("Type").and_then(|t| t.as_str()) != Some("AWS::Scheduler::Schedule") {
            continue;
        }
        let properties = &resource["Properties"];
        let expression = properties["ScheduleExpression"]
            .as_str()
            .context("schedule without an expression")?;
        let input = properties["Target"]["Input"].as_str().unwrap_or("{}");
        found.push((
            id.as_str().context("logical id")?.to_owned(),
            expression.to_owned(),
            input.to_owned(),
        ));
    }
    Ok(found)
}

/// Creates the template's schedules in the local Scheduler (moto), in the
/// schedule group named like the table, unless they exist. moto never
/// fires them: the background runner does (`background::fire_rate_schedules`).
pub async fn ensure_schedules(
    scheduler: &aws_sdk_scheduler::Client,
    group: &str,
) -> anyhow::Result<()> {
    use aws_sdk_scheduler::types::{FlexibleTimeWindow, FlexibleTimeWindowMode, Target};
    if scheduler
        .get_schedule_group()
        .name(group)
        .send()
        .await
        .is_err()
    {
        scheduler
            .create_schedule_group()
            .name(group)
            .send()
            .await
            .with_context(|| format!("create schedule group {group}"))?;
    }
    for (name, expression, input) in schedule_definitions(TEMPLATE)? {
        if scheduler
            .get_schedule()
            .group_name(group)
            .name(&name)
            .send()
            .await
            .is_ok()
        {
            continue;
        }
        scheduler
            .create_schedule()
            .group_name(group)
            .name(&name)
            .schedule_expression(expression)
            .flexible_time_window(
                FlexibleTimeWindow::builder()
                    .mode(FlexibleTimeWindowMode::Off)
                    .build()?,
            )
            .target(
                Target::builder()
                    .arn(format!(
                        "arn:aws:lambda:ap-northeast-2:000000000000:function:{name}"
                    ))
                    .role_arn("arn:aws:iam::000000000000:role/local-scheduler")
                    .input(input)
                    .build()?,
            )
            .send()
            .await
            .with_context(|| format!("create schedule {name}"))?;
    }
    Ok(())
}

/// Creates the image bucket unless it exists.
pub async fn ensure_bucket(s3: &aws_sdk_s3::Client, bucket: &str) -> anyhow::Result<()> {
    if s3.head_bucket().bucket(bucket).send().await.is_ok() {
        return Ok(());
    }
    let mut create = s3.create_bucket().bucket(bucket);
    // Outside us-east-1 S3 wants the region as the location constraint.
    if let Some(region) = s3
        .config()
        .region()
        .map(|r| r.as_ref().to_owned())
        .filter(|r| r != "us-east-1")
    {
        create = create.create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(
                    region.as_str(),
                ))
                .build(),
        );
    }
    create
        .send()
        .await
        .with_context(|| format!("create bucket {bucket}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_defines_the_table_with_both_indexes_and_ttl() {
        let def = table_definition(TEMPLATE).expect("table");
        let keys: Vec<_> = def
            .key_schema
            .iter()
            .map(|k| (k.attribute_name.as_str(), k.key_type.as_str()))
            .collect();
        assert_eq!(keys, [("PK", "HASH"), ("SK", "RANGE")]);
        let indexes: Vec<_> = def
            .global_secondary_indexes
            .iter()
            .map(|i| i.index_name.as_str())
            .collect();
        assert_eq!(indexes, ["GSI1", "GSI2", "GSI3", "GSI4", "GSI5", "GSI6"]);
        let ttl = def.time_to_live_specification.expect("ttl");
        assert_eq!(ttl.attribute_name, shared::store::keys::EXPIRES_AT);
        assert!(ttl.enabled);
    }

    #[test]
    fn the_key_names_match_the_store() {
        use shared::store::keys;
        let def = table_definition(TEMPLATE).expect("table");
        let attrs: Vec<_> = def
            .attribute_definitions
            .iter()
            .map(|a| a.attribute_name.as_str())
            .collect();
        for name in [
            keys::PK,
            keys::SK,
            keys::GSI1PK,
            keys::GSI1SK,
            keys::GSI2PK,
            keys::GSI2SK,
            keys::GSI3PK,
            keys::GSI3SK,
            keys::ORDER_PK,
            keys::ORDER_REGION_PK,
            keys::ORDER_N,
            keys::GSI6PK,
            keys::GSI6SK,
        ] {
            assert!(attrs.contains(&name), "{name} missing from the template");
        }
    }

    #[test]
    fn a_template_without_a_table_is_refused() {
        assert!(table_definition("Resources: {}").is_err());
    }
}
