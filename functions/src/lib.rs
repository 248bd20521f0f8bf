//! `functions`: what the Lambda functions run, and (feature `dev-gateway`,
//! folder `local/`) what only this machine runs.
//!
//! Deployed:
//! * [`routes`]: the route table; `ERUN_ROUTE` picks one at cold start;
//! * [`handlers`]: one module per URL prefix, one `pub async fn` per route;
//! * [`events`]: the handlers of the non-HTTP functions (S3 object-created,
//!   EventBridge Scheduler);
//! * `src/bin/`: the Lambda binaries `api`, `image-resize`, `alarm-dispatch`.
//!
//! Local only (never deployed):
//! * `local`: the dev gateway, the local stack built from template.yaml,
//!   the background runner, the fake outside services, the deploy-time
//!   upload of the theme defaults, and their binaries (`src/local/bin/`).

pub mod events;
pub mod handlers;
pub mod routes;

#[cfg(feature = "dev-gateway")]
pub mod local;
