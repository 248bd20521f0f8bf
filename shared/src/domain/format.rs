//! Number and date formats the frontend reads as JavaScript produced them.

use chrono::{DateTime, Utc};

use crate::time::kst;

pub use super::number::js_number;

/// JavaScript `Number.prototype.toFixed(1)`: rounds the **exact** binary
/// value to one decimal, an exact tie away from zero (`1.25` → `"1.3"`,
/// `2.15` → `"2.1"` because 2.15 is stored slightly below). Rust's `{:.1}`
/// rounds exact ties to even and must not be used for this.
pub fn to_fixed_1(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    let negative = x < 0.0;
    // Every finite double has at most 1074 fractional decimal digits, so this
    // expansion is exact: no rounding happens here.
    let exact = format!("{:.1100}", x.abs());
    let (int_part, frac) = exact.split_once('.').unwrap_or((&exact, "0"));
    let mut digits: Vec<u8> = int_part.bytes().map(|b| b - b'0').collect();
    let frac = frac.as_bytes();
    digits.push(frac.first().map_or(0, |b| b - b'0'));
    // JS picks the larger n on a tie, so a second digit ≥ 5 rounds up.
    if frac.get(1).is_some_and(|b| *b >= b'5') {
        let mut i = digits.len();
        loop {
            if i == 0 {
                digits.insert(0, 1);
                break;
            }
            i -= 1;
            if digits[i] == 9 {
                digits[i] = 0;
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    let (whole, tenth) = digits.split_at(digits.len() - 1);
    let whole: String = whole.iter().map(|d| char::from(b'0' + d)).collect();
    let text = format!("{whole}.{}", tenth[0]);
    // JS prints (-0.04).toFixed(1) as "-0.0" and (-0).toFixed(1) as "0.0".
    if negative { format!("-{text}") } else { text }
}

/// `YYYY-MM-DD HH:mm:ss` in KST, as the original's DATETIME columns read.
pub fn kst_datetime(t: DateTime<Utc>) -> String {
    t.with_timezone(&kst())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_fixed_rounds_exact_ties_away_from_zero_like_javascript() {
        assert_eq!(to_fixed_1(1.25), "1.3");
        assert_eq!(to_fixed_1(3.25), "3.3");
        assert_eq!(to_fixed_1(4.75), "4.8");
        assert_eq!(to_fixed_1(0.25), "0.3");
        assert_eq!(to_fixed_1(9.95), "9.9"); // 9.95 is stored below the tie
        assert_ne!(
            format!("{:.1}", 1.25),
            to_fixed_1(1.25),
            "Rust's own rule differs"
        );
    }

    #[test]
    fn to_fixed_rounds_the_stored_binary_value_not_the_decimal_literal() {
        assert_eq!(to_fixed_1(2.15), "2.1"); // 2.149999…
        assert_eq!(to_fixed_1(2.35), "2.4"); // 2.350000…0888
        assert_eq!(to_fixed_1(1.15), "1.1");
        assert_eq!(to_fixed_1(1.05), "1.1");
    }

    #[test]
    fn to_fixed_of_averages_and_edge_values() {
        assert_eq!(to_fixed_1(11.0 / 3.0), "3.7");
        assert_eq!(to_fixed_1(13.0 / 4.0), "3.3");
        assert_eq!(to_fixed_1(5.0), "5.0");
        assert_eq!(to_fixed_1(0.0), "0.0");
        assert_eq!(to_fixed_1(9.96), "10.0");
        assert_eq!(to_fixed_1(99.95 + 0.01), "100.0");
        assert_eq!(to_fixed_1(f64::NAN), "NaN");
        assert_eq!(to_fixed_1(-1.25), "-1.3");
    }

    #[test]
    fn js_numbers_print_integral_values_without_a_fraction() {
        assert_eq!(js_number(62.0).to_string(), "62");
        assert_eq!(js_number(5.05).to_string(), "5.05");
        assert_eq!(js_number(16.5).to_string(), "16.5");
        assert_eq!(js_number(f64::NAN), serde_json::Value::Null);
    }

    #[test]
    fn datetimes_are_kst_wall_clock() {
        let t = crate::time::parse_instant("2022-06-02T11:08:57Z").expect("instant");
        assert_eq!(kst_datetime(t), "2022-06-02 20:08:57");
    }
}
