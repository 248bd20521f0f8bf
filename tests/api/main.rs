//! Black-box tests of the whole backend: every request goes through the dev
//! gateway (the same API Gateway event parsing and handlers as the Lambdas)
//! against DynamoDB Local and moto, started by `scripts/test.sh`. Each test
//! gets its own table and bucket, created from template.yaml.

mod helpers;
mod openapi;

mod account;
mod alarm;
mod auth;
mod background;
mod chat;
mod comment;
mod cors;
mod course;
mod events;
mod group;
mod group_failures;
mod hardening;
mod images;
mod operations;
mod reminders;
mod runs;
mod scale;
mod secrets;
mod template;
