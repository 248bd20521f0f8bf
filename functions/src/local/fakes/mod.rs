//! Loopback fakes of the outside services, speaking their real wire
//! formats: Kakao and Naver login ([`oauth`]) and Naver Cloud SENS
//! ([`sens`]). The tests and the dev gateway use them so that login and SMS
//! work offline; they are never deployed (feature `dev-gateway`).

pub mod oauth;
pub mod sens;

use std::net::SocketAddr;

/// Serves `router` on an ephemeral loopback port; returns its base URL.
pub(crate) async fn serve(router: axum::Router) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            tracing::error!(%error, "fake service stopped");
        }
    });
    Ok(format!("http://{addr}"))
}
