//! The whole Lambda `main` of an HTTP route function in one call.

use std::convert::Infallible;

use lambda_http::{Request, service_fn};
use tokio::sync::OnceCell;

use super::{Handler, dispatch};
use crate::App;

static APP: OnceCell<App> = OnceCell::const_new();

/// Builds the [`App`] once per cold start and serves `handler` until the
/// runtime stops. Handlers never produce a Lambda-level error: every outcome
/// is an HTTP response (a bare Lambda error would reach the client as a 5xx
/// the frontend cannot show).
pub async fn serve(handler: Handler) -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    let app: &'static App = APP.get_or_try_init(App::from_env).await?;
    lambda_http::run(service_fn(move |req: Request| async move {
        Ok::<_, Infallible>(dispatch(app, handler, req).await.0)
    }))
    .await
}
