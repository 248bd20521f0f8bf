//! Profile rules: the code tables of auth.md §8, the `agreeSMS` input of
//! §6.1, the FormData `undefined`/`null` rule of §6.4, and the changes the
//! two edit routes (§7.12, §7.13) make.

use serde_json::Value;

/// Every user-facing message of `/auth/*` (auth.md §7), byte for byte.
pub mod msg {
    pub const INFO_FAILED: &str = "유저 정보 불러오기에 실패하였습니다.";
    pub const SETTINGS_FAILED: &str = "유저 정보 수정 페이지 불러오기에 실패했습니다.";
    pub const PROFILE_UPDATED: &str = "프로필 수정에 성공하였습니다.";
    pub const PROFILE_FAILED: &str = "프로필 수정에 실패하였습니다.";
}

/// §8.1: `likeLocation` code → `/auth/info` display name.
pub fn location_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "1" => "서울",
        "2" => "경기도",
        "3" => "인천광역시",
        "4" => "강원도",
        "5" => "충청도/세종특별시/대전광역시",
        "6" => "경상북도/대구광역시",
        "7" => "경상남도/부산광역시/울산광역시",
        "8" => "전라도/광주광역시",
        "9" => "제주특별자치도",
        _ => return None,
    })
}

/// §8.2: `likeDistance` code → display name.
pub fn distance_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "0" => "잘 모르겠어요",
        "1" => "5km 미만",
        "2" => "5km 이상 10km 미만",
        "3" => "10km 이상 15km 미만",
        "4" => "15km 이상",
        _ => return None,
    })
}

const LEVELS: [&str; 5] = ["오렌지", "퍼플", "블루", "레드", "블랙"];

/// §8.3: stored colour → code `"0"`–`"4"`; other values unchanged.
pub fn level_code(stored: &str) -> String {
    LEVELS
        .iter()
        .position(|c| *c == stored)
        .map(|i| i.to_string())
        .unwrap_or_else(|| stored.to_owned())
}

/// §8.3: a code `"0"`–`"4"` sent by the settings page → its colour; other
/// values stored as sent.
pub fn level_from_input(input: &str) -> String {
    input
        .parse::<usize>()
        .ok()
        .filter(|_| input.len() == 1)
        .and_then(|i| LEVELS.get(i))
        .map(|c| (*c).to_owned())
        .unwrap_or_else(|| input.to_owned())
}

/// Display value: the name for a known code, else the stored value.
pub fn display(stored: Option<&str>, names: fn(&str) -> Option<&'static str>) -> Option<String> {
    stored.map(|s| names(s).map(str::to_owned).unwrap_or_else(|| s.to_owned()))
}

/// §6.1: `true`/`false`/`1`/`0`, as JSON or as strings; anything else is `None`
/// (leave the stored value unchanged).
pub fn parse_agree_sms(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_f64() {
            Some(1.0) => Some(true),
            Some(0.0) => Some(false),
            _ => None,
        },
        Value::String(s) => match s.trim() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// §6.4: FormData turns JavaScript `undefined`/`null` into these strings;
/// they mean "absent".
pub fn form_value(raw: Option<&str>) -> Option<&str> {
    raw.filter(|v| *v != "undefined" && *v != "null")
}

/// A preference as `/auth/userLike` accepts it: a number becomes its decimal
/// text, a string is kept, anything else (or `null`) leaves it unchanged.
pub fn preference_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The fields one edit changes; `None` = unchanged.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ProfileChanges {
    pub nickname: Option<String>,
    pub bio: Option<String>,
    pub like_location: Option<String>,
    pub like_distance: Option<String>,
    pub user_level: Option<String>,
    pub agree_sms: Option<bool>,
    pub profile_url: Option<String>,
}

impl ProfileChanges {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// `PATCH /auth/updateUser` text fields (§7.13): `phone` and a text
    /// `image` are ignored; codes for `userLevel` become colours.
    pub fn from_form(text: impl Fn(&str) -> Option<String>) -> Self {
        let field = |name: &str| text(name).filter(|v| form_value(Some(v)).is_some());
        Self {
            nickname: field("nickname"),
            bio: field("bio"),
            like_location: field("likeLocation"),
            like_distance: field("likeDistance"),
            user_level: field("userLevel").map(|l| level_from_input(&l)),
            agree_sms: field("agreeSMS").and_then(|v| parse_agree_sms(&Value::String(v))),
            profile_url: None,
        }
    }
}

/// Host-evaluation counters `eval1..eval10` of a user (absent = 0).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub struct EvaluationCounts {
    #[serde(default)]
    pub eval1: u64,
    #[serde(default)]
    pub eval2: u64,
    #[serde(default)]
    pub eval3: u64,
    #[serde(default)]
    pub eval4: u64,
    #[serde(default)]
    pub eval5: u64,
    #[serde(default)]
    pub eval6: u64,
    #[serde(default)]
    pub eval7: u64,
    #[serde(default)]
    pub eval8: u64,
    #[serde(default)]
    pub eval9: u64,
    #[serde(default)]
    pub eval10: u64,
}

impl EvaluationCounts {
    pub fn as_array(&self) -> [u64; 10] {
        [
            self.eval1,
            self.eval2,
            self.eval3,
            self.eval4,
            self.eval5,
            self.eval6,
            self.eval7,
            self.eval8,
            self.eval9,
            self.eval10,
        ]
    }

    /// `{"evaluationCategory1": n, …, "evaluationCategory10": n}` and the total.
    pub fn to_json(&self) -> (Value, u64) {
        let counts = self.as_array();
        let map: serde_json::Map<String, Value> = counts
            .iter()
            .enumerate()
            .map(|(i, n)| (format!("evaluationCategory{}", i + 1), Value::from(*n)))
            .collect();
        (Value::Object(map), counts.iter().sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn codes_map_to_display_names_and_unknown_values_pass_through() {
        assert_eq!(display(Some("1"), location_name), Some("서울".into()));
        assert_eq!(
            display(Some("7"), location_name),
            Some("경상남도/부산광역시/울산광역시".into())
        );
        assert_eq!(display(Some("부산"), location_name), Some("부산".into()));
        assert_eq!(display(None, location_name), None);
        assert_eq!(
            display(Some("2"), distance_name),
            Some("5km 이상 10km 미만".into())
        );
        assert_eq!(
            display(Some("0"), distance_name),
            Some("잘 모르겠어요".into())
        );
    }

    #[test]
    fn levels_are_stored_as_colours_and_shown_as_codes_on_the_settings_page() {
        assert_eq!(level_code("퍼플"), "1");
        assert_eq!(level_code("블랙"), "4");
        assert_eq!(level_code("초보"), "초보");
        assert_eq!(level_from_input("0"), "오렌지");
        assert_eq!(level_from_input("4"), "블랙");
        assert_eq!(level_from_input("5"), "5");
        assert_eq!(level_from_input("01"), "01");
        assert_eq!(level_from_input("퍼플"), "퍼플");
    }

    #[test]
    fn agree_sms_accepts_booleans_and_zero_one_as_json_or_text() {
        for (input, expected) in [
            (json!(true), Some(true)),
            (json!(false), Some(false)),
            (json!(1), Some(true)),
            (json!(0), Some(false)),
            (json!("true"), Some(true)),
            (json!("false"), Some(false)),
            (json!("1"), Some(true)),
            (json!("0"), Some(false)),
            (json!("yes"), None),
            (json!(2), None),
            (json!(null), None),
        ] {
            assert_eq!(parse_agree_sms(&input), expected, "{input}");
        }
    }

    #[test]
    fn formdata_undefined_and_null_strings_mean_absent() {
        let form = |name: &str| match name {
            "nickname" => Some("러너".to_owned()),
            "bio" => Some("undefined".to_owned()),
            "userLevel" => Some("null".to_owned()),
            "likeLocation" => Some("3".to_owned()),
            "agreeSMS" => Some("true".to_owned()),
            "phone" => Some("010-1111-2222".to_owned()),
            _ => None,
        };
        let changes = ProfileChanges::from_form(form);
        assert_eq!(
            changes,
            ProfileChanges {
                nickname: Some("러너".into()),
                like_location: Some("3".into()),
                agree_sms: Some(true),
                ..Default::default()
            }
        );
    }

    #[test]
    fn preferences_store_numbers_as_their_decimal_text() {
        assert_eq!(preference_text(Some(&json!(1))), Some("1".into()));
        assert_eq!(preference_text(Some(&json!("퍼플"))), Some("퍼플".into()));
        assert_eq!(preference_text(Some(&json!(null))), None);
        assert_eq!(preference_text(None), None);
    }

    #[test]
    fn all_ten_evaluation_categories_are_present_and_summed() {
        let counts = EvaluationCounts {
            eval1: 1,
            eval4: 2,
            ..Default::default()
        };
        let (json, total) = counts.to_json();
        assert_eq!(total, 3);
        assert_eq!(json.as_object().map(|m| m.len()), Some(10));
        assert_eq!(json["evaluationCategory4"], 2);
        assert_eq!(json["evaluationCategory10"], 0);
    }
}
