//! Per-request bookkeeping: DynamoDB round-trips (counted by an SDK
//! interceptor, not by hand) and the authenticated user for the access log.
//!
//! [`RequestStats::scope`] wraps one request; the interceptor and
//! [`record_user`] write into the stats of the request they run in. Outside a
//! scope both are no-ops.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;

tokio::task_local! {
    static CURRENT: Arc<RequestStats>;
}

#[derive(Debug, Default)]
pub struct RequestStats {
    ddb_calls: AtomicU32,
    user_id: Mutex<Option<String>>,
}

impl RequestStats {
    /// Runs `fut` with fresh stats and returns them with its output.
    pub async fn scope<F: Future>(fut: F) -> (F::Output, Arc<RequestStats>) {
        let stats = Arc::new(RequestStats::default());
        let out = CURRENT.scope(stats.clone(), fut).await;
        (out, stats)
    }

    /// HTTP requests sent to DynamoDB (retries count: each is a round-trip).
    pub fn ddb_calls(&self) -> u32 {
        self.ddb_calls.load(Ordering::Relaxed)
    }

    pub fn user_id(&self) -> Option<String> {
        self.user_id.lock().ok().and_then(|u| u.clone())
    }
}

/// Remembers the authenticated user of the current request for the access log.
pub fn record_user(user_id: &str) {
    let _ = CURRENT.try_with(|stats| {
        if let Ok(mut slot) = stats.user_id.lock() {
            *slot = Some(user_id.to_owned());
        }
    });
}

/// SDK interceptor: one count per HTTP attempt to DynamoDB.
#[derive(Debug, Default)]
pub struct DynamoCallCounter;

impl Intercept for DynamoCallCounter {
    fn name(&self) -> &'static str {
        "DynamoCallCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let _ = CURRENT.try_with(|stats| stats.ddb_calls.fetch_add(1, Ordering::Relaxed));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_user_is_recorded_only_inside_a_scope() {
        record_user("outside");
        let ((), stats) = RequestStats::scope(async { record_user("u-1") }).await;
        assert_eq!(stats.user_id().as_deref(), Some("u-1"));
        assert_eq!(stats.ddb_calls(), 0);
    }
}
