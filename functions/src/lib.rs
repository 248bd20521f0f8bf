//! `functions`: the route table, one handler per route, and (feature
//! `dev-gateway`) the local gateway that serves every route on one port.

pub mod handlers;
pub mod resize;
pub mod routes;

#[cfg(feature = "dev-gateway")]
pub mod background;
#[cfg(feature = "dev-gateway")]
pub mod devstack;
#[cfg(feature = "dev-gateway")]
pub mod fakes;
#[cfg(feature = "dev-gateway")]
pub mod gateway;
#[cfg(feature = "dev-gateway")]
pub mod local_images;
#[cfg(feature = "dev-gateway")]
pub mod theme_defaults;
