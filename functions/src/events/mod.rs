//! The handlers of the functions that no HTTP request starts, one module per
//! function; their Lambda `main`s are in `src/bin/`, and the dev gateway's
//! background runner (`local::background`) calls the same functions.
//!
//! * [`image_resize`]: S3 `ObjectCreated` of the upload folders (`image-resize`);
//! * [`alarm_dispatch`]: the EventBridge Scheduler tick (`alarm-dispatch`).
//!
//! Chat is HTTP (`GET`/`POST /socket.io/`): `handlers::chat`.

pub mod alarm_dispatch;
pub mod image_resize;
