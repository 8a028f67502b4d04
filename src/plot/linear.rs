//! Linear axes (training steps, loss, accuracy, histogram values and counts), free of plotters
//! types. Ticks sit on multiples of 1, 2 or 5 × 10^k and their labels are written from integer
//! digits, never from a float that prints as "0.30000000000000004".

use std::ops::Range;

use super::scale::AxisTicks;

/// Tick positions within this fraction of a step outside the range still count as inside: the
/// range's ends are often exact multiples that division rounds the wrong way (0.3 / 0.1).
const EDGE_SLACK: f64 = 1e-9;
/// Multiples of the step larger than this would lose their integer digits in an f64.
const MAX_MULTIPLE: f64 = 1e15;
/// Numbers with more integer digits than this are written as "2e7".
const MAX_PLAIN_DIGITS: usize = 7;
/// Numbers with more decimals than this are written as "5e-5".
const MAX_PLAIN_DECIMALS: i32 = 4;

/// Ticks for `range` with at most `max_labels` labels (at least 2 are allowed), every 1, 2 or
/// 5 × 10^k; `whole_numbers` keeps the step at 1 or more (training steps, counts). A range that
/// is empty, reversed or not finite gets no ticks.
pub fn linear_ticks(range: Range<f64>, max_labels: usize, whole_numbers: bool) -> AxisTicks {
    let (lo, hi) = (range.start, range.end);
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return AxisTicks::default();
    }
    let max_labels = max_labels.max(2);
    // One decade below the step that would put `max_labels` ticks in the range: the loop
    // climbs through 1, 2, 5 × 10^k from there.
    let mut exponent = ((hi - lo) / max_labels as f64).log10().floor() as i32 - 1;
    if whole_numbers {
        exponent = exponent.max(0);
    }
    loop {
        for mantissa in [1, 2, 5] {
            let step = mantissa as f64 * 10f64.powi(exponent);
            let first = (lo / step - EDGE_SLACK).ceil();
            let last = (hi / step + EDGE_SLACK).floor();
            if first.abs().max(last.abs()) > MAX_MULTIPLE {
                return AxisTicks::default();
            }
            if last - first + 1.0 <= max_labels as f64 {
                let labelled = (first as i64..=last as i64)
                    .map(|k| (k as f64 * step, number_label(k * mantissa, exponent)))
                    .collect();
                return AxisTicks {
                    labelled,
                    unlabelled: Vec::new(),
                };
            }
        }
        exponent += 1;
    }
}

/// `digits × 10^exponent` written out: "0", "250", "-0.05", "1.5e-5", "2e7".
pub fn number_label(digits: i64, exponent: i32) -> String {
    if digits == 0 {
        return "0".to_owned();
    }
    let (mut digits, mut exponent) = (digits, exponent);
    while digits % 10 == 0 {
        digits /= 10;
        exponent += 1;
    }
    let sign = if digits < 0 { "-" } else { "" };
    let figures = digits.unsigned_abs().to_string();
    let integer_digits = figures.len() as i32 + exponent;
    if exponent >= 0 && integer_digits as usize <= MAX_PLAIN_DIGITS {
        format!("{sign}{figures}{}", "0".repeat(exponent as usize))
    } else if exponent < 0 && -exponent <= MAX_PLAIN_DECIMALS {
        if integer_digits > 0 {
            let (whole, fraction) = figures.split_at(integer_digits as usize);
            format!("{sign}{whole}.{fraction}")
        } else {
            format!("{sign}0.{}{figures}", "0".repeat(-integer_digits as usize))
        }
    } else {
        let (first, rest) = figures.split_at(1);
        let point = if rest.is_empty() { "" } else { "." };
        format!("{sign}{first}{point}{rest}e{}", integer_digits - 1)
    }
}

/// A linear range showing every finite value in `values` and 0 (losses and counts are measured
/// from zero), with a little room above the largest; 0…1 when there is nothing to show.
pub fn from_zero(values: impl IntoIterator<Item = f64>) -> Range<f64> {
    const HEADROOM: f64 = 0.06;
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo == hi {
        return 0.0..1.0;
    }
    let room = (hi - lo) * HEADROOM;
    (if lo < 0.0 { lo - room } else { lo })..(if hi > 0.0 { hi + room } else { hi })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(ticks: &AxisTicks) -> Vec<&str> {
        ticks.labelled.iter().map(|(_, l)| l.as_str()).collect()
    }

    #[test]
    fn ticks_step_by_one_two_or_five() {
        assert_eq!(
            labels(&linear_ticks(0.0..1.0, 6, false)),
            ["0", "0.2", "0.4", "0.6", "0.8", "1"]
        );
        assert_eq!(labels(&linear_ticks(0.0..1.0, 3, false)), ["0", "0.5", "1"]);
        assert_eq!(
            labels(&linear_ticks(-0.05..0.3, 8, false)),
            ["-0.05", "0", "0.05", "0.1", "0.15", "0.2", "0.25", "0.3"]
        );
        // 250 is no multiple of 1, 2 or 5 × 10^k: the next step that fits is 500.
        assert_eq!(
            labels(&linear_ticks(0.0..1000.0, 5, true)),
            ["0", "500", "1000"]
        );
    }

    #[test]
    fn whole_number_axes_never_tick_between_integers() {
        assert_eq!(
            labels(&linear_ticks(0.0..3.0, 20, true)),
            ["0", "1", "2", "3"]
        );
        assert_eq!(labels(&linear_ticks(0.0..3.0, 20, false)).len(), 16);
    }

    #[test]
    fn labels_name_the_value_at_their_position_for_any_magnitude() {
        for (lo, hi) in [
            (0.0, 1.0),
            (-1.0, 1.0),
            (0.0, 0.3),
            (-2.3e-5, 2.3e-5),
            (3.0e-9, 7.5e-9),
            (0.0, 123_456.0),
            (1.0e6, 5.0e8),
            (0.96, 0.97),
            (-7.0, -3.0),
        ] {
            for max_labels in 2..12 {
                let ticks = linear_ticks(lo..hi, max_labels, false);
                // Two labels at least when three are allowed; with room for only two, a 1-2-5
                // step may leave one (−1…1: 2 would need −2 or 2, 1 needs three labels).
                let least = if max_labels >= 3 { 2 } else { 1 };
                assert!(
                    (least..=max_labels).contains(&ticks.labelled.len()),
                    "{lo}..{hi} with {max_labels}: {:?}",
                    labels(&ticks)
                );
                let step = 10f64.powf((hi - lo).log10().floor() - 2.0);
                for (position, label) in &ticks.labelled {
                    assert!(label.len() <= 8, "{label}");
                    let value: f64 = label.parse().unwrap();
                    assert!(
                        (value - position).abs() <= 1e-9 * step,
                        "{label} at {position}"
                    );
                    assert!(*position >= lo - 1e-9 * step && *position <= hi + 1e-9 * step);
                }
            }
        }
    }

    #[test]
    fn numbers_are_written_plainly_near_one_and_in_e_notation_far_from_it() {
        assert_eq!(number_label(0, -3), "0");
        assert_eq!(number_label(25, -2), "0.25");
        assert_eq!(number_label(-5, -2), "-0.05");
        assert_eq!(number_label(15, -1), "1.5");
        assert_eq!(number_label(5, -4), "0.0005");
        assert_eq!(number_label(5, -5), "5e-5");
        assert_eq!(number_label(-15, -6), "-1.5e-5");
        assert_eq!(number_label(20, 2), "2000");
        assert_eq!(number_label(1_000_000, 0), "1000000");
        assert_eq!(number_label(2, 7), "2e7");
        assert_eq!(number_label(25, 7), "2.5e8");
    }

    #[test]
    fn broken_ranges_get_no_ticks() {
        for range in [1.0..1.0, 2.0..1.0, f64::NAN..1.0, 0.0..f64::INFINITY] {
            assert!(linear_ticks(range, 5, false).labelled.is_empty());
        }
        // So narrow for its distance from zero that the multiples of any step lose their digits.
        assert!(linear_ticks(1e300..1.000000000000002e300, 5, false)
            .labelled
            .is_empty());
        // Narrow but representable: exact labels.
        let far = linear_ticks(1e300..1.0000001e300, 5, false);
        assert!(!far.labelled.is_empty() && far.labelled.iter().all(|(_, l)| l.ends_with("e300")));
    }

    #[test]
    fn ranges_start_at_zero_with_room_above() {
        let loss = from_zero([2.0, 0.5, f64::NAN]);
        assert!(
            loss.start == 0.0 && (loss.end - 2.12).abs() < 1e-12,
            "{loss:?}"
        );
        let negative = from_zero([-1.0, 1.0]);
        assert!(negative.start < -1.0 && negative.end > 1.0);
        assert_eq!(from_zero([]), 0.0..1.0);
        assert_eq!(from_zero([0.0, f64::INFINITY]), 0.0..1.0);
    }
}
