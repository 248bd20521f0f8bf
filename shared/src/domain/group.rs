//! A group run (contract groups.md). Dates and times as the frontend sends
//! and reads them are KST wall-clock (`date` `YYYY-MM-DD`, `standbyTime`
//! `HH:mm:ss`); `startsAt` is the same instant in UTC, used for keys and
//! every time rule.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub group_id: String,
    /// Host.
    pub user_id: String,
    pub title: String,
    pub max_people: u32,
    /// KST date `YYYY-MM-DD`.
    pub date: String,
    /// KST time `HH:mm:ss`.
    pub standby_time: String,
    #[serde(default)]
    pub finish_time: Option<String>,
    /// Start in UTC (RFC 3339, `Z`).
    pub starts_at: String,
    pub distance: f64,
    pub speed: String,
    pub location: String,
    #[serde(default)]
    pub parking: Option<String>,
    #[serde(default)]
    pub baggage: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
    /// 0..9 from the first word of `location`.
    pub region: u8,
    /// Start-hour bucket 1..6 (floor(h/4)+1).
    pub timecode: u8,
    pub thema: String,
    #[serde(default)]
    pub chatting_room: String,
    /// The route as the JSON text the frontend sent (an array of `{lat,lng}`).
    pub map_lat_lng: String,
    /// Image keys in slot order (at most 3).
    #[serde(default)]
    pub thumbnails: Vec<String>,
    /// Set by the resize function once `w_384/` and `w_758/` copies exist.
    #[serde(default)]
    pub images_resized: bool,
    /// Members, host included (kept by the apply/cancel transaction).
    pub apply_count: u32,
    pub created_at: String,
    pub updated_at: String,
}
