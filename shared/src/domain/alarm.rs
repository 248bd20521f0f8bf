//! The alarm record (contract alarms.md §1).

use serde::{Deserialize, Serialize};

/// Every user-facing message of `/alarm` (alarms.md §4), byte for byte.
pub mod msg {
    pub const LIST_FAILED: &str = "알람 불러오기에 실패하였습니다";
    pub const READ_FAILED: &str = "새 알람 모두 읽기에 실패했습니다";
    pub const ALL_READ: &str = "새 알람 모두 읽기에 성공했습니다";
}

/// Exact category strings; the frontend compares them with `===`.
pub mod category {
    pub const COMMENT: &str = "comment";
    pub const RECOMMENT: &str = "recomment";
    pub const UPDATE: &str = "update";
    pub const DELETE: &str = "delete";
    pub const DDAY: &str = "Dday";
    pub const START: &str = "start";
    pub const END: &str = "end";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alarm {
    pub alarm_id: String,
    /// Recipient.
    pub user_id: String,
    pub category: String,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub group_id: Option<String>,
    #[serde(default)]
    pub group_title: Option<String>,
    #[serde(default)]
    pub course_id: Option<String>,
    #[serde(default)]
    pub course_title: Option<String>,
    #[serde(default)]
    pub nickname: Option<String>,
    #[serde(default)]
    pub comment_id: Option<String>,
    #[serde(default)]
    pub check: bool,
    /// 0 no SMS, 1 SMS, 2 LMS (never returned by the API).
    #[serde(default)]
    pub send_phone: u8,
    /// UTC RFC 3339; drives ordering and the relative time.
    pub created_at: String,
}

impl Alarm {
    /// A run alarm (`update`, `delete`, …) for one recipient.
    pub fn for_group(
        category: &str,
        recipient: &str,
        group_id: &str,
        group_title: &str,
        created_at: &str,
    ) -> Self {
        Self {
            alarm_id: uuid::Uuid::new_v4().to_string(),
            user_id: recipient.to_owned(),
            category: category.to_owned(),
            role: None,
            group_id: Some(group_id.to_owned()),
            group_title: Some(group_title.to_owned()),
            course_id: None,
            course_title: None,
            nickname: None,
            comment_id: None,
            check: false,
            send_phone: 0,
            created_at: created_at.to_owned(),
        }
    }
}
