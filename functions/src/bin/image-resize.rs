//! The `image-resize` Lambda: S3 `ObjectCreated` events of the upload
//! folders → resized copies and the owner's `imagesResized` marker
//! (functions/src/events/image_resize.rs, docs/images.md).

use aws_lambda_events::s3::S3Event;
use lambda_http::lambda_runtime::{self, LambdaEvent, service_fn};
use shared::App;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_http::tracing::init_default_subscriber();
    let app: &'static App = Box::leak(Box::new(App::from_env().await?));
    let settings: &'static functions::events::image_resize::Settings = Box::leak(Box::new(
        functions::events::image_resize::Settings::default(),
    ));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<S3Event>| async move {
        // The chain of causes, for the log line Lambda writes of a failed invocation.
        functions::events::image_resize::handle(app, settings, event.payload)
            .await
            .map_err(|e| lambda_runtime::Error::from(format!("{e:#}")))
    }))
    .await
}
