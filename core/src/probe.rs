//! The per-layer gradient probe: one forward and backward pass of the configured MLP on one
//! batch at initialization, measured layer by layer. This is what the main plot shows.
//!
//! CONTRACT (shared by the CLI, the worker and the UI; field names are part of the CLI's
//! JSON output): layers are numbered 1..=depth+1, the last is the readout.

use serde::{Deserialize, Serialize};

use crate::config::ExperimentConfig;
use crate::theory::Theory;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerProbe {
    /// 1-based layer index; `depth + 1` is the readout.
    pub layer: usize,
    pub fan_in: usize,
    pub fan_out: usize,
    /// RMS of δ = ∂L/∂h over batch and units (h the pre-activation, before BN).
    #[serde(with = "crate::serde_float")]
    pub delta_rms: f64,
    /// Frobenius norm of ∂L/∂W (loss averaged over the batch).
    #[serde(with = "crate::serde_float")]
    pub grad_w_norm: f64,
    /// Euclidean norm of ∂L/∂b.
    #[serde(with = "crate::serde_float")]
    pub grad_b_norm: f64,
    /// Frobenius norm of W itself (for update:data ratios and the chain-rule panel).
    #[serde(with = "crate::serde_float")]
    pub weight_norm: f64,
    /// Mean and standard deviation of this layer's output a over batch and units.
    #[serde(with = "crate::serde_float")]
    pub act_mean: f64,
    #[serde(with = "crate::serde_float")]
    pub act_std: f64,
    /// Fraction of output entries saturated (|tanh| > 0.97, sigmoid outside [0.03, 0.97]); 0 otherwise.
    #[serde(with = "crate::serde_float")]
    pub saturated: f64,
    /// Fraction of units that are zero for the whole batch (ReLU family); 0 otherwise.
    #[serde(with = "crate::serde_float")]
    pub dead: f64,
    /// Realized backward gain of this layer: ‖∂L/∂a_{l−1}‖_F / ‖∂L/∂a_l‖_F (a_0 = input,
    /// a_{depth+1} = logits). The running product of these is exactly the ratio the plot shows.
    #[serde(with = "crate::serde_float")]
    pub local_gain: f64,
    /// Flags: every entry of δ (resp. ∂L/∂W) is exactly 0 in f32, e.g. by underflow.
    pub delta_zero: bool,
    pub grad_w_zero: bool,
    /// Some value of this layer (activation, δ, gradient) is NaN or ±∞.
    pub nonfinite: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeReport {
    /// Mean cross-entropy of the probed batch.
    #[serde(with = "crate::serde_float")]
    pub loss: f64,
    pub layers: Vec<LayerProbe>,
    pub theory: Theory,
}

/// Runs the probe for `cfg`. Pure and deterministic: same config → bit-identical report,
/// natively and in wasm.
pub fn probe(cfg: &ExperimentConfig) -> ProbeReport {
    let _ = cfg;
    todo!("implemented by the numerics work")
}
