//! Mean-field signal propagation (Poole et al. 2016; Schoenholz et al. 2017): the length map
//! q^l, its fixed point q*, χ₁ = σ_w² E[φ′(√q* z)²] by Gauss–Hermite quadrature, and the
//! predicted per-layer δ profile. See ../shared/THEORY.md.

use serde::{Deserialize, Serialize};

/// CONTRACT: what the probe report carries about theory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Theory {
    Applies(MeanField),
    /// Theory does not apply to this config; `reason` says why in one sentence.
    NotApplicable { reason: String },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeanField {
    /// σ_w² = fan_in · Var(W) of the hidden layers, and σ_b².
    #[serde(with = "crate::serde_float")]
    pub sigma_w2: f64,
    #[serde(with = "crate::serde_float")]
    pub sigma_b2: f64,
    /// Fixed point of the length map, and χ₁ there.
    #[serde(with = "crate::serde_float")]
    pub q_star: f64,
    #[serde(with = "crate::serde_float")]
    pub chi1: f64,
    /// Depth scale ξ = −1/ln χ₁ (∞ at criticality).
    #[serde(with = "crate::serde_float")]
    pub depth_scale: f64,
    /// "ordered" (χ₁ < 1: vanishing), "critical", or "chaotic" (χ₁ > 1: exploding).
    pub phase: String,
    /// Predicted δ RMS for layers 1..=depth, anchored at the measured value of layer `depth`.
    #[serde(with = "crate::serde_float::vec")]
    pub predicted_delta_rms: Vec<f64>,
}
