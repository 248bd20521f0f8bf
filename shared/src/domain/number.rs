//! Numbers as JavaScript prints them (cross-cutting.md §10): integral floats
//! without a fraction (`62`, not `62.0`), others in shortest form (`5.5`).

use serde_json::Value;

pub fn js_number(value: f64) -> Value {
    if value.is_finite() && value.fract() == 0.0 && value.abs() < 9_007_199_254_740_992.0 {
        Value::from(value as i64)
    } else {
        serde_json::Number::from_f64(value)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

/// The same number as text (`5` → `"5"`, `5.5` → `"5.5"`).
pub fn js_number_text(value: f64) -> String {
    js_number(value).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_floats_print_without_a_fraction() {
        assert_eq!(js_number(62.0).to_string(), "62");
        assert_eq!(js_number(5.5).to_string(), "5.5");
        assert_eq!(js_number(5.06).to_string(), "5.06");
        assert_eq!(js_number_text(11.82), "11.82");
        assert_eq!(js_number_text(-1.0), "-1");
    }
}
