//! Gradient clipping as `torch.nn.utils.clip_grad_norm_` and `clip_grad_value_`, on plain
//! `f32` slices (one per parameter tensor), reporting the norm before clipping.
//!
//! Norms are sums of squares in f64, in a fixed order. Every f32 squared fits an f64 without
//! overflow (f32::MAX² ≈ 1.2e77) or underflow (the smallest subnormal squared ≈ 2e-90), so
//! no rescaling is needed and huge or tiny gradients get an exact-to-rounding norm; PyTorch
//! computes it in the gradients' own dtype.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::config::{named_enum, normalize_name, UnknownName};
use crate::norm::sum_of_squares;

/// ‖x‖₂ in f64, summed in index order: `norm::frobenius`, under the name the recurrent module
/// imports it by.
pub use crate::norm::frobenius as l2_norm;

/// What a clipping call did.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClipReport {
    /// Global L2 norm of all gradients before clipping; NaN or ∞ if an entry was.
    #[serde(with = "crate::serde_float")]
    pub total_norm: f64,
    /// Whether any gradient entry was changed.
    pub clipped: bool,
    /// Global L2 norm after clipping, measured on the clipped gradients (`total_norm` when
    /// nothing changed, so an unclipped step costs no second pass).
    #[serde(with = "crate::serde_float")]
    pub norm_after: f64,
}

impl ClipReport {
    /// The report of a clipping call that left `grads` behind.
    fn measured(total_norm: f64, clipped: bool, grads: &[&mut [f32]]) -> Self {
        let norm_after = if clipped { global_norm(grads) } else { total_norm };
        ClipReport { total_norm, clipped, norm_after }
    }
}

/// The L2 norm of all gradients together, as if concatenated into one vector.
fn global_norm(grads: &[&mut [f32]]) -> f64 {
    grads.iter().map(|g| sum_of_squares(g)).sum::<f64>().sqrt()
}

/// `clip_grad_norm_`: if the global norm ‖g‖ exceeds `max_norm` (τ), scales every gradient by
/// τ/(‖g‖ + 1e-6), PyTorch's coefficient (the 1e-6 guards against ‖g‖ = 0), so ‖g‖ becomes τ.
///
/// A non-finite norm (some entry NaN or ±∞) leaves the gradients unchanged and is reported:
/// PyTorch's default (`error_if_nonfinite=False`) would multiply everything by NaN, erasing
/// which layer went first, which the explosion diagnosis needs. `max_norm` must be > 0
/// ([`ClipConfig::new`] checks it).
pub fn clip_grad_norm(grads: &mut [&mut [f32]], max_norm: f32) -> ClipReport {
    let total_norm = global_norm(grads);
    let coefficient = f64::from(max_norm) / (total_norm + 1e-6);
    let clipped = total_norm.is_finite() && coefficient < 1.0;
    if clipped {
        // In f64: for a huge norm the coefficient is below f32's normal range.
        for x in grads.iter_mut().flat_map(|g| g.iter_mut()) {
            *x = (f64::from(*x) * coefficient) as f32;
        }
    }
    ClipReport::measured(total_norm, clipped, grads)
}

/// `clip_grad_value_`: clamps every entry to [−v, v] (±∞ become ±v, NaN stays NaN, as in
/// PyTorch). `clip_value` must be ≥ 0 ([`ClipConfig::new`] checks it).
pub fn clip_grad_value(grads: &mut [&mut [f32]], clip_value: f32) -> ClipReport {
    let total_norm = global_norm(grads);
    let mut clipped = false;
    for x in grads.iter_mut().flat_map(|g| g.iter_mut()) {
        // Comparisons rather than f32::clamp, which panics on a NaN bound.
        let bounded = if *x > clip_value {
            clip_value
        } else if *x < -clip_value {
            -clip_value
        } else {
            *x
        };
        clipped |= bounded != *x;
        *x = bounded;
    }
    ClipReport::measured(total_norm, clipped, grads)
}

/// The clipping methods, named for the link key `clip`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClipMethod {
    None,
    Norm,
    Value,
}

named_enum! {
    ClipMethod, "clipping method",
    variants {
        None => "none", "No clipping", "Gradients are used as computed.";
        Norm => "norm", "Clip the global norm", "If ‖g‖ > τ over all parameters together, g ← τ·g/‖g‖ (clip_grad_norm_).";
        Value => "value", "Clip each value", "Each gradient entry is clamped to [−v, v] (clip_grad_value_).";
    }
    aliases { "clip_grad_norm" => Norm, "clip_grad_value" => Value, "off" => None }
}

/// What the link keys `clip` (method) and `clipv` (threshold τ or v) hold together.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "clip", content = "clipv", rename_all = "snake_case")]
pub enum ClipConfig {
    #[default]
    None,
    /// `clip_grad_norm_` with max_norm τ.
    Norm(f32),
    /// `clip_grad_value_` with clip_value v.
    Value(f32),
}

impl ClipConfig {
    /// Valid thresholds (inclusive), for the link decoder and the UI's slider.
    pub const THRESHOLD: RangeInclusive<f32> = 1e-6..=1e6;
    /// The threshold the UI offers when clipping is switched on (a common max_norm).
    pub const DEFAULT_THRESHOLD: f32 = 1.0;

    /// `method` with `threshold` as its τ or v; `None` ignores the threshold.
    pub fn new(method: ClipMethod, threshold: f32) -> Result<Self, String> {
        if method != ClipMethod::None && !Self::THRESHOLD.contains(&threshold) {
            return Err(format!(
                "clipv must be between {:e} and {:e}, got {threshold}",
                Self::THRESHOLD.start(),
                Self::THRESHOLD.end()
            ));
        }
        Ok(match method {
            ClipMethod::None => ClipConfig::None,
            ClipMethod::Norm => ClipConfig::Norm(threshold),
            ClipMethod::Value => ClipConfig::Value(threshold),
        })
    }

    pub fn method(self) -> ClipMethod {
        match self {
            ClipConfig::None => ClipMethod::None,
            ClipConfig::Norm(_) => ClipMethod::Norm,
            ClipConfig::Value(_) => ClipMethod::Value,
        }
    }

    /// τ or v; `None` when not clipping.
    pub fn threshold(self) -> Option<f32> {
        match self {
            ClipConfig::None => None,
            ClipConfig::Norm(t) | ClipConfig::Value(t) => Some(t),
        }
    }

    /// Clips `grads` in place; without clipping, just reports their global norm.
    pub fn apply(self, grads: &mut [&mut [f32]]) -> ClipReport {
        match self {
            ClipConfig::None => ClipReport::measured(global_norm(grads), false, grads),
            ClipConfig::Norm(max_norm) => clip_grad_norm(grads, max_norm),
            ClipConfig::Value(clip_value) => clip_grad_value(grads, clip_value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clip_report(total_norm: f64, clipped: bool, norm_after: f64) -> ClipReport {
        ClipReport {
            total_norm,
            clipped,
            norm_after,
        }
    }

    fn norm_of(grads: &[&mut [f32]]) -> f64 {
        grads.iter().map(|g| l2_norm(g).powi(2)).sum::<f64>().sqrt()
    }

    #[test]
    fn norm_clipping_rescales_to_the_threshold_only_when_above() {
        // Global norm √(3² + 4² + 12²) = 13 across two parameters.
        let (mut a, mut b) = ([3.0f32, 4.0], [12.0f32]);
        let report = clip_grad_norm(&mut [&mut a[..], &mut b[..]], 6.5);
        let after = norm_of(&[&mut a[..], &mut b[..]]);
        assert_eq!(report, clip_report(13.0, true, after));
        // Scaled by 6.5/(13 + 1e-6) ≈ 0.5, direction kept.
        assert!((after - 6.5).abs() < 1e-6);
        let scale = 6.5 / (13.0 + 1e-6);
        for (got, original) in [(a[0], 3.0), (a[1], 4.0), (b[0], 12.0)] {
            assert!((f64::from(got) - original * scale).abs() < 1e-6, "{got}");
        }

        let (mut a, mut b) = ([3.0f32, 4.0], [12.0f32]);
        let report = clip_grad_norm(&mut [&mut a[..], &mut b[..]], 13.5);
        assert_eq!(report, clip_report(13.0, false, 13.0));
        assert_eq!(
            (a, b),
            ([3.0, 4.0], [12.0]),
            "below the threshold nothing changes"
        );
    }

    #[test]
    fn value_clipping_clamps_exactly_and_reports_the_norm_before() {
        let (mut a, mut b) = ([-3.0f32, 0.25, 4.0], [0.5f32, -0.5]);
        let before = (9.0f64 + 0.0625 + 16.0 + 0.25 + 0.25).sqrt();
        let report = clip_grad_value(&mut [&mut a[..], &mut b[..]], 0.5);
        let after = (0.25f64 + 0.0625 + 0.25 + 0.25 + 0.25).sqrt();
        assert_eq!(report, clip_report(before, true, after));
        assert_eq!((a, b), ([-0.5, 0.25, 0.5], [0.5, -0.5]));

        let mut inside = [0.5f32, -0.5, 0.0];
        assert!(
            !clip_grad_value(&mut [&mut inside[..]], 0.5).clipped,
            "entries at ±v are not changed"
        );
    }

    #[test]
    fn huge_and_tiny_gradients_neither_overflow_nor_underflow() {
        // In f32, f32::MAX² overflows to ∞ and (1e-30)² = 1e-60 underflows to 0.
        let mut huge = [f32::MAX; 4];
        let report = clip_grad_norm(&mut [&mut huge[..]], 1.0);
        assert_eq!(report.total_norm, 2.0 * f64::from(f32::MAX));
        assert!(report.clipped);
        assert!(
            (l2_norm(&huge) - 1.0).abs() < 1e-6,
            "clipped to τ = 1: {}",
            l2_norm(&huge)
        );

        let mut tiny = [1e-30f32; 4];
        let report = clip_grad_norm(&mut [&mut tiny[..]], 1.0);
        assert!(
            (report.total_norm / (2.0 * f64::from(1e-30f32)) - 1.0).abs() < 1e-12,
            "{}",
            report.total_norm
        );
        assert!(!report.clipped);
        // The smallest subnormal f32 still has a positive norm.
        assert!(l2_norm(&[f32::from_bits(1)]) > 0.0);
    }

    #[test]
    fn non_finite_gradients_are_reported_and_left_alone() {
        let mut g = [1.0f32, f32::NAN, 5.0];
        let report = clip_grad_norm(&mut [&mut g[..]], 1.0);
        assert!(report.total_norm.is_nan() && !report.clipped);
        assert_eq!((g[0], g[2]), (1.0, 5.0), "not multiplied by NaN");

        let mut g = [1.0f32, f32::INFINITY];
        let report = clip_grad_norm(&mut [&mut g[..]], 1.0);
        assert_eq!(
            (report.total_norm, report.clipped, g[0]),
            (f64::INFINITY, false, 1.0)
        );

        // By value, as PyTorch's clamp: ∞ becomes v, NaN stays NaN.
        let mut g = [f32::NEG_INFINITY, f32::NAN];
        let report = clip_grad_value(&mut [&mut g[..]], 2.0);
        assert!(report.total_norm.is_nan() && report.clipped);
        assert_eq!(g[0], -2.0);
        assert!(g[1].is_nan());
    }

    #[test]
    fn config_names_thresholds_and_dispatch() {
        for &method in ClipMethod::ALL {
            assert_eq!(method.to_string().parse(), Ok(method));
            let config = ClipConfig::new(method, 2.0).unwrap();
            assert_eq!(config.method(), method);
        }
        assert_eq!(ClipMethod::NAMES, ["none", "norm", "value"]);
        assert_eq!("clip_grad_norm".parse(), Ok(ClipMethod::Norm));
        assert_eq!(ClipConfig::default(), ClipConfig::None);
        assert_eq!(
            ClipConfig::new(ClipMethod::Value, 0.5),
            Ok(ClipConfig::Value(0.5))
        );
        assert_eq!(
            ClipConfig::new(ClipMethod::None, f32::NAN),
            Ok(ClipConfig::None)
        );
        assert_eq!(ClipConfig::Norm(3.0).threshold(), Some(3.0));
        assert_eq!(ClipConfig::None.threshold(), None);
        for bad in [0.0, -1.0, f32::NAN, f32::INFINITY] {
            let err = ClipConfig::new(ClipMethod::Norm, bad).unwrap_err();
            assert!(
                err.starts_with("clipv must be between 1e-6 and 1e6"),
                "{err}"
            );
        }
        assert_eq!(
            serde_json::to_string(&ClipConfig::Norm(1.5)).unwrap(),
            r#"{"clip":"norm","clipv":1.5}"#
        );
        assert_eq!(
            serde_json::from_str::<ClipConfig>(r#"{"clip":"none"}"#).unwrap(),
            ClipConfig::None
        );

        let mut g = [3.0f32, 4.0];
        assert_eq!(
            ClipConfig::None.apply(&mut [&mut g[..]]),
            clip_report(5.0, false, 5.0)
        );
        assert!(ClipConfig::Norm(1.0).apply(&mut [&mut g[..]]).clipped);
        assert!((l2_norm(&g) - 1.0).abs() < 1e-6);
        let before = l2_norm(&g);
        assert_eq!(
            ClipConfig::Value(0.5).apply(&mut [&mut g[..]]),
            clip_report(before, true, 0.5f64.sqrt())
        );
        assert_eq!(g, [0.5, 0.5]);
    }
}
