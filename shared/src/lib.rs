//! `shared`: everything that is not route-specific.
//!
//! * [`app`]: configuration and SDK clients, built once per cold start;
//! * [`error`]: the one `ApiError` and its single HTTP mapping;
//! * [`http`]: API Gateway glue (parsing, responses, CORS, auth, `serve`);
//! * [`store`]: DynamoDB single-table access (all key strings in `store::keys`);
//! * [`domain`]: pure types and rules;
//! * [`metrics`]: the DynamoDB call counter used by tests and benchmarks;
//! * [`aws_ops`]: the AWS operations per function, for the IAM coverage test.
//! * [`secrets`]: SSM SecureString parameters read at cold start.

pub mod app;
pub mod aws_ops;
pub mod chat;
pub mod config;
pub mod domain;
pub mod error;
pub mod http;
pub mod metrics;
pub mod secrets;
pub mod services;
pub mod store;
pub mod time;

pub use app::App;
pub use error::{ApiError, ApiResult};
