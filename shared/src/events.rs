//! Helpers for the background functions' own event types.

/// An object key as S3 event notifications carry it: URL-encoded, with `+`
/// for spaces (`groupthumbnail/a+b.png` is `groupthumbnail/a b.png`).
pub fn s3_object_key(raw: &str) -> String {
    let spaced = raw.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_keys_are_url_decoded() {
        assert_eq!(
            s3_object_key("groupthumbnail/a+b.png"),
            "groupthumbnail/a b.png"
        );
        assert_eq!(
            s3_object_key("groupthumbnail%2F123.png"),
            "groupthumbnail/123.png"
        );
        assert_eq!(
            s3_object_key("profileImg/%ED%95%9C.png"),
            "profileImg/한.png"
        );
        assert_eq!(s3_object_key("a%2Bb.png"), "a+b.png");
    }
}
