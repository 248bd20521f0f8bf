//! Addresses and region preferences of the course lists (groups.md §1.4,
//! courses.md §1.3). Region codes from addresses: `group::region_of`.

/// The first two words of an address (`서울 서초구`); fewer when it has fewer.
pub fn short_location(location: &str) -> String {
    location
        .split(' ')
        .filter(|w| !w.is_empty())
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A preference code `"1"`..`"9"` as its region number.
pub fn preferred_region(like_location: Option<&str>) -> Option<u8> {
    match like_location? {
        code @ ("1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9") => code.parse().ok(),
        _ => None,
    }
}

/// `preferData` of the course lists: the display name of a `likeLocation`
/// code, anything else unchanged (usually null).
pub fn course_prefer_name(like_location: Option<&str>) -> Option<String> {
    let code = like_location?;
    Some(
        super::profile::location_name(code)
            .unwrap_or(code)
            .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_locations_keep_the_words_that_exist() {
        assert_eq!(
            short_location("제주특별자치도 제주시 삼양삼동 2658-1"),
            "제주특별자치도 제주시"
        );
        assert_eq!(short_location("서울"), "서울");
    }

    #[test]
    fn prefer_names_and_regions_follow_the_code_table() {
        assert_eq!(
            course_prefer_name(Some("8")).as_deref(),
            Some("전라도/광주광역시")
        );
        assert_eq!(course_prefer_name(Some("x")).as_deref(), Some("x"));
        assert_eq!(course_prefer_name(None), None);
        assert_eq!(preferred_region(Some("9")), Some(9));
        assert_eq!(preferred_region(Some("0")), None);
        assert_eq!(preferred_region(Some("10")), None);
    }
}
