//! Every HTTP route function. template.yaml sets `ERUN_ROUTE` per function;
//! the route is looked up once, at cold start.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let route = functions::routes::from_env("ERUN_ROUTE")?;
    shared::http::serve::serve(route.handler).await
}
