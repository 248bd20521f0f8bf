//! What only this machine runs; never deployed (feature `dev-gateway`):
//!
//! * [`gateway`]: every route of the route table on one port (`dev-gateway`);
//! * [`devstack`]: the local table, bucket and schedules, built from
//!   template.yaml's own definitions;
//! * [`background`]: the local runner of the S3 and schedule events;
//! * [`images`]: the local bucket served under `/__images` (as the CDN);
//! * [`fakes`]: loopback fakes of Kakao, Naver and SENS;
//! * [`theme_defaults`]: the theme default thumbnails, uploaded to the local
//!   bucket by the dev gateway and, as a deploy-time tool, to the stage's
//!   bucket by `upload-theme-defaults` (scripts/deploy.sh).
//!
//! Their binaries are in `src/local/bin/`.

pub mod background;
pub mod devstack;
pub mod fakes;
pub mod gateway;
pub mod images;
pub mod theme_defaults;
