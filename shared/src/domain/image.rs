//! Image rules shared by runs, courses and profiles (contract images.md):
//! accepted types, object keys, folders and the URLs responses carry.

use serde::{Deserialize, Serialize};

pub const UNSUPPORTED_TYPE: &str = "지원되는 이미지파일 형식이 아닙니다.";

/// MIME subtypes the original accepted (`image/svg+xml` was in effect refused,
/// and still is: SVG can carry script).
const ALLOWED_SUBTYPES: &[&str] = &[
    "jpg", "jpeg", "png", "gif", "bmp", "webp", "heic", "heif", "jfif",
];

/// One request reaches a Lambda with at most ~4.4 MB of multipart body (6 MB
/// event, base64). A single file can never be larger than this.
pub const MAX_IMAGE_BYTES: usize = 4_400_000;

/// Folders (key prefixes) in the image bucket; resized copies keep the file name.
pub mod folder {
    pub const GROUP: &str = "groupthumbnail";
    pub const COURSE: &str = "courseImage";
    pub const PROFILE: &str = "profileImg";
    /// List-size copies (w = 384 px).
    pub const LIST: &str = "w_384";
    /// Detail-size copies (w = 758 px).
    pub const DETAIL: &str = "w_758";
}

/// Accepts a file only when both its declared type and its bytes are an image
/// of an allowed kind; returns the canonical MIME type to store it with.
pub fn check_image(
    declared_content_type: &str,
    bytes: &[u8],
) -> Result<&'static str, &'static str> {
    let subtype = declared_content_type
        .split('/')
        .nth(1)
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !ALLOWED_SUBTYPES.contains(&subtype.as_str()) {
        return Err(UNSUPPORTED_TYPE);
    }
    let sniffed = infer::get(bytes).ok_or(UNSUPPORTED_TYPE)?;
    match sniffed.mime_type() {
        mime @ ("image/jpeg" | "image/png" | "image/gif" | "image/bmp" | "image/webp"
        | "image/heif" | "image/heic") => Ok(mime),
        _ => Err(UNSUPPORTED_TYPE),
    }
}

/// `{r}{t}.{ext}` as the original named objects: `r` random 0–999, `t` epoch
/// milliseconds, `ext` from the client's file name (case kept). Anything but
/// ASCII letters and digits is dropped from the extension, so a key never
/// holds `/`, spaces or dots; with no usable extension the MIME subtype is used.
pub fn object_key(original_name: &str, mime: &str, random: u16, now_ms: i64) -> String {
    let from_name = original_name
        .rsplit_once('.')
        .map(|(_, ext)| {
            ext.chars()
                .filter(char::is_ascii_alphanumeric)
                .take(10)
                .collect::<String>()
        })
        .filter(|ext| !ext.is_empty());
    let ext = from_name.unwrap_or_else(|| mime.rsplit('/').next().unwrap_or("img").to_owned());
    format!("{}{}.{}", random % 1000, now_ms, ext)
}

/// The key inside a URL the frontend sends back (run/course edit keeps images
/// by URL): its last path segment, if it looks like one of our keys.
pub fn key_from_url(url: &str) -> Option<&str> {
    let key = url.trim().rsplit('/').next()?;
    let valid = !key.is_empty()
        && key.len() <= 64
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
        && key.contains('.');
    valid.then_some(key)
}

/// Builds every image URL of a response from configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImageUrls {
    /// CDN in front of the image bucket (`https://….cloudfront.net`).
    pub cdn_base: String,
    /// Where the six theme default thumbnails live (the original's S3 bucket).
    pub default_base: String,
}

impl ImageUrls {
    pub fn url(&self, folder: &str, key: &str) -> String {
        format!("{}/{folder}/{key}", self.cdn_base.trim_end_matches('/'))
    }

    /// Theme default of a run without images, on the given base; `None` for
    /// an unknown theme.
    pub fn theme_default(base: &str, thema: &str) -> Option<String> {
        let path = match thema {
            "산" => {
                "%E1%84%80%E1%85%B5%EB%B3%B8%EC%8D%B8%EB%84%A4%EC%9D%BC_%E1%84%89%E1%85%A1%E1%86%AB.png"
            }
            "도시" => {
                "%E1%84%80%E1%85%B5%E1%84%87%E1%85%A9%E1%86%AB%EC%8D%B8%EB%84%A4%EC%9D%BC_%E1%84%83%E1%85%A9%E1%84%89%E1%85%B5.png"
            }
            "강변" => {
                "%E1%84%80%E1%85%B5%E1%84%87%E1%85%A9%E1%86%AB%EC%8D%B8%EB%84%A4%EC%9D%BC_%E1%84%80%E1%85%A1%E1%86%BC%E1%84%87%E1%85%A7%E1%86%AB.png"
            }
            "해변" => {
                "%E1%84%80%E1%85%B5%E1%84%87%E1%85%A9%E1%86%AB%EC%8D%B8%EB%84%A4%EC%9D%BC_%E1%84%92%E1%85%A2%E1%84%87%E1%85%A7%E1%86%AB.png"
            }
            "공원" => {
                "%E1%84%80%E1%85%B5%E1%84%87%E1%85%A9%E1%86%AB%EC%8D%B8%EB%84%A4%EC%9D%BC_%E1%84%80%E1%85%A9%E1%86%BC%E1%84%8B%E1%85%AF%E1%86%AB.png"
            }
            "트랙" => {
                "%E1%84%80%E1%85%B5%E1%84%87%E1%85%A9%E1%86%AB%EC%8D%B8%EB%84%A4%EC%9D%BC_%E1%84%90%E1%85%B3%E1%84%85%E1%85%A2%E1%86%A8.png"
            }
            _ => return None,
        };
        Some(format!(
            "{}/{}/{path}",
            base.trim_end_matches('/'),
            folder::GROUP
        ))
    }

    /// A list-size image: the resized copy once it exists, else the original
    /// (the rewrite's replacement for the original's 10-second guess).
    pub fn list(&self, original_folder: &str, key: &str, resized: bool) -> String {
        self.url(
            if resized {
                folder::LIST
            } else {
                original_folder
            },
            key,
        )
    }

    /// A detail-size image, with the same fallback.
    pub fn detail(&self, original_folder: &str, key: &str, resized: bool) -> String {
        self.url(
            if resized {
                folder::DETAIL
            } else {
                original_folder
            },
            key,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0\0\x10JFIF\0";

    #[test]
    fn real_images_of_allowed_types_are_accepted() {
        assert_eq!(check_image("image/png", PNG), Ok("image/png"));
        assert_eq!(check_image("image/jpeg", JPEG), Ok("image/jpeg"));
        assert_eq!(check_image("image/jfif", JPEG), Ok("image/jpeg"));
    }

    #[test]
    fn other_types_or_bytes_are_refused_with_the_contract_message() {
        assert_eq!(check_image("text/plain", PNG), Err(UNSUPPORTED_TYPE));
        assert_eq!(
            check_image("image/svg+xml", b"<svg/>"),
            Err(UNSUPPORTED_TYPE)
        );
        assert_eq!(
            check_image("image/png", b"MZ\x90\0 not an image"),
            Err(UNSUPPORTED_TYPE)
        );
        assert_eq!(check_image("image/png", b"%PDF-1.7"), Err(UNSUPPORTED_TYPE));
    }

    #[test]
    fn keys_follow_the_original_scheme_and_never_contain_a_slash() {
        assert_eq!(
            object_key("run.JPG", "image/jpeg", 470, 1_653_467_320_472),
            "4701653467320472.JPG"
        );
        assert_eq!(
            object_key("../../etc/passwd.p/ng", "image/png", 1, 2),
            "12.png"
        );
        assert_eq!(object_key("noext", "image/webp", 1999, 5), "9995.webp");
    }

    #[test]
    fn the_key_is_the_last_segment_of_a_url_sent_back() {
        assert_eq!(
            key_from_url("https://cdn.example/w_758/4701653467320472.JPG"),
            Some("4701653467320472.JPG")
        );
        assert_eq!(
            key_from_url("4701653467320472.JPG"),
            Some("4701653467320472.JPG")
        );
        assert_eq!(key_from_url("https://cdn.example/w_758/"), None);
        assert_eq!(key_from_url("undefined"), None);
    }

    #[test]
    fn theme_defaults_are_byte_exact_and_unknown_themes_have_none() {
        let url = ImageUrls::theme_default(
            "https://erunjrungroup.s3.ap-northeast-2.amazonaws.com",
            "산",
        )
        .expect("known");
        assert_eq!(
            url,
            "https://erunjrungroup.s3.ap-northeast-2.amazonaws.com/groupthumbnail/%E1%84%80%E1%85%B5%EB%B3%B8%EC%8D%B8%EB%84%A4%EC%9D%BC_%E1%84%89%E1%85%A1%E1%86%AB.png"
        );
        assert_eq!(ImageUrls::theme_default("b", "우주"), None);
    }

    #[test]
    fn list_and_detail_urls_fall_back_to_the_original_until_resized() {
        let urls = ImageUrls {
            cdn_base: "https://cdn.example/".into(),
            default_base: String::new(),
        };
        assert_eq!(
            urls.list(folder::GROUP, "1.jpg", false),
            "https://cdn.example/groupthumbnail/1.jpg"
        );
        assert_eq!(
            urls.list(folder::GROUP, "1.jpg", true),
            "https://cdn.example/w_384/1.jpg"
        );
        assert_eq!(
            urls.detail(folder::COURSE, "1.jpg", true),
            "https://cdn.example/w_758/1.jpg"
        );
    }
}
