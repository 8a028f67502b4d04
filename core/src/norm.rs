//! Summary statistics of f32 tensors, accumulated sequentially in f64.
//!
//! Every f32 squared fits an f64 without underflow or overflow (f32's range is 1e−45…3e38,
//! its squares 1e−90…1e77), so a plain f64 sum of squares is exact enough and can neither
//! invent a zero nor an ∞: a norm is 0 only when the tensor is, and ∞ only when an entry is.
//! The fixed left-to-right order keeps results bit-identical on every platform.

pub fn sum_of_squares(x: &[f32]) -> f64 {
    x.iter().map(|&v| f64::from(v) * f64::from(v)).sum()
}

/// Frobenius (Euclidean) norm.
pub fn frobenius(x: &[f32]) -> f64 {
    sum_of_squares(x).sqrt()
}

/// Root mean square; NaN for an empty slice.
pub fn rms(x: &[f32]) -> f64 {
    (sum_of_squares(x) / x.len() as f64).sqrt()
}

/// Mean; NaN for an empty slice.
pub fn mean(x: &[f32]) -> f64 {
    x.iter().map(|&v| f64::from(v)).sum::<f64>() / x.len() as f64
}

/// Population standard deviation (divides by n), two-pass for accuracy.
pub fn std(x: &[f32]) -> f64 {
    let m = mean(x);
    let squared_deviation = |v: f32| (f64::from(v) - m) * (f64::from(v) - m);
    (x.iter().map(|&v| squared_deviation(v)).sum::<f64>() / x.len() as f64).sqrt()
}

/// Every entry is exactly ±0 (true for an empty slice).
pub fn all_zero(x: &[f32]) -> bool {
    x.iter().all(|&v| v == 0.0)
}

pub fn any_nonfinite(x: &[f32]) -> bool {
    x.iter().any(|v| !v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norms_of_tiny_values_do_not_underflow() {
        // 1e-30² = 1e-60 is 0 in f32 but not in f64.
        let x = [1e-30f32; 4];
        let want = 2.0 * f64::from(1e-30f32);
        assert!((frobenius(&x) - want).abs() <= 1e-15 * want);
        assert!((rms(&x) - f64::from(1e-30f32)).abs() <= 1e-15 * want);
        // The smallest subnormal still has a nonzero norm.
        assert_eq!(frobenius(&[f32::from_bits(1)]), f64::from(f32::from_bits(1)));
    }

    #[test]
    fn norms_of_huge_values_do_not_overflow() {
        // 1e30² = 1e60 is ∞ in f32 but not in f64.
        let x = [1e30f32, -1e30, 1e30, -1e30];
        let want = 2.0 * f64::from(1e30f32);
        assert!((frobenius(&x) - want).abs() <= 1e-15 * want);
        let max = f64::from(f32::MAX);
        assert!((frobenius(&[f32::MAX, f32::MAX]) - max * 2f64.sqrt()).abs() <= 1e-15 * max);
    }

    #[test]
    fn moments_and_flags() {
        let x = [1.0f32, 2.0, 3.0, 4.0, 0.0, -0.0];
        assert_eq!(mean(&x), 10.0 / 6.0);
        let m = 10.0 / 6.0;
        let var = [1.0, 2.0, 3.0, 4.0, 0.0, 0.0].iter().map(|v: &f64| (v - m) * (v - m)).sum::<f64>() / 6.0;
        assert!((std(&x) - var.sqrt()).abs() < 1e-15);
        assert!(!all_zero(&x) && all_zero(&[0.0, -0.0]));
        assert!(any_nonfinite(&[1.0, f32::NAN]) && any_nonfinite(&[-f32::INFINITY]) && !any_nonfinite(&x));
    }

    #[test]
    fn non_finite_entries_show_in_the_norm() {
        assert_eq!(frobenius(&[1.0, f32::INFINITY]), f64::INFINITY);
        assert!(frobenius(&[1.0, f32::NAN]).is_nan());
        assert!(std(&[1.0, f32::INFINITY]).is_nan());
    }
}
