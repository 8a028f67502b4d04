//! How numbers are written on the page. Each value has two forms: the exact one (Rust's `{}`,
//! the shortest text that parses back to the same f64; kept in `data-value` so tests and curious
//! users can compare with `gradscope probe` bit for bit) and a readable one for people.
//! Digits are the same in every language; only the few words (an exact zero) are translated.

use crate::i18n::Strings;

/// The exact form: shortest round-trip decimal, "NaN", "inf", "-inf".
pub fn exact(value: f64) -> String {
    value.to_string()
}

/// Three significant digits: plain decimals from 0.001 up to 9999, scientific outside
/// (`3.21e-7`, the way numpy and PyTorch print tiny gradients).
pub fn readable(value: f64) -> String {
    if !value.is_finite() {
        return non_finite(value).to_owned();
    }
    if value == 0.0 {
        return "0".to_owned();
    }
    // Format in scientific first: its exponent already accounts for rounding up (9.996 → 1.00e1).
    let scientific = format!("{value:.2e}");
    let exponent: i32 = scientific.split_once('e').and_then(|(_, e)| e.parse().ok()).unwrap_or(0);
    if (-3..4).contains(&exponent) {
        let decimals = (2 - exponent).max(0) as usize;
        format!("{value:.decimals$}")
    } else {
        scientific
    }
}

/// A gradient magnitude, always in scientific notation: this page is about orders of magnitude,
/// and a column reads best when every exponent is visible. An exact zero gets a word: in f32 it
/// means the signal underflowed or no path reaches this layer (zero weights, dead units).
pub fn gradient(value: f64, words: &Strings) -> String {
    if value == 0.0 {
        words.table.exact_zero.to_owned()
    } else if value.is_finite() {
        format!("{value:.2e}")
    } else {
        non_finite(value).to_owned()
    }
}

/// A fraction in [0, 1] as a percentage ("12.5%").
pub fn percent(fraction: f64) -> String {
    if !fraction.is_finite() {
        return non_finite(fraction).to_owned();
    }
    let percent = format!("{:.1}", fraction * 100.0);
    // "12.0%" reads as false precision; "0%" and "100%" are the common cases.
    format!("{}%", percent.strip_suffix(".0").unwrap_or(&percent))
}

fn non_finite(value: f64) -> &'static str {
    if value.is_nan() {
        "NaN"
    } else if value > 0.0 {
        "∞"
    } else {
        "−∞"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn exact_is_rust_display_and_parses_back_bit_for_bit() {
        for v in [0.1 + 0.2, 1e-300, 5e-324, -0.0, f64::MAX, 3.0, 1.0 / 3.0] {
            let text = exact(v);
            assert_eq!(text.parse::<f64>().unwrap().to_bits(), v.to_bits(), "{text}");
        }
        assert_eq!(exact(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(exact(f64::NAN), "NaN");
        assert_eq!(exact(f64::INFINITY), "inf");
        assert_eq!(exact(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn readable_keeps_three_significant_digits() {
        assert_eq!(readable(3.2149e-7), "3.21e-7");
        assert_eq!(readable(0.52345), "0.523");
        assert_eq!(readable(0.0012345), "0.00123");
        assert_eq!(readable(0.00099999), "0.00100", "rounds up into the plain range");
        assert_eq!(readable(0.00012345), "1.23e-4");
        assert_eq!(readable(12.345), "12.3");
        assert_eq!(readable(9.996), "10.0");
        assert_eq!(readable(1234.5), "1234");
        assert_eq!(readable(12345.0), "1.23e4");
        assert_eq!(readable(-0.25), "-0.250");
        assert_eq!(readable(1.0), "1.00");
        assert_eq!(readable(0.0), "0");
        assert_eq!(readable(f64::NAN), "NaN");
        assert_eq!(readable(f64::NEG_INFINITY), "−∞");
    }

    #[test]
    fn gradients_show_their_exponent_and_exact_zeros_are_called_out() {
        let (en, zh) = (Lang::En.strings(), Lang::ZhCn.strings());
        assert_eq!(gradient(0.0, en), "0 (exact)");
        assert_eq!(gradient(0.0, zh), "0（精确）");
        for words in [en, zh] {
            assert_eq!(gradient(1e-45, words), "1.00e-45");
            assert_eq!(gradient(0.139, words), "1.39e-1");
            assert_eq!(gradient(12.0, words), "1.20e1");
            assert_eq!(gradient(f64::INFINITY, words), "∞");
        }
    }

    #[test]
    fn fractions_read_as_percentages() {
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.125), "12.5%");
        assert_eq!(percent(1.0 / 3.0), "33.3%");
    }
}
