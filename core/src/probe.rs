//! The per-layer gradient probe: one forward and backward pass of the configured MLP on one
//! batch at initialization, measured layer by layer. This is what the main plot shows.
//!
//! CONTRACT (shared by the CLI, the worker and the UI; field names are part of the CLI's
//! JSON output): layers are numbered 1..=depth+1, the last is the readout.

use serde::{Deserialize, Serialize};

use crate::activation::Activation;
use crate::config::ExperimentConfig;
use crate::data::{probe_batch, Samples};
use crate::mlp::{Layer, Mlp};
use crate::norm;
use crate::rbm::{init_mlp, Rbm};
use crate::theory::{Inapplicable, Theory};

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

/// The pre-activation histograms' fixed bins: [−6, 6) in steps of 1/8. Every activation's shape
/// plays out in this range (tanh is past the probe's saturation threshold beyond ±2.09, sigmoid
/// beyond ±3.48; ReLU switches at 0, a bin edge), and 1/8 is a binary fraction, so a value's
/// bin is computed exactly (`floor(8z)`) and the same natively and in wasm.
pub const PRE_ACTIVATION_LOW: f64 = -6.0;
pub const PRE_ACTIVATION_HIGH: f64 = 6.0;
pub const PRE_ACTIVATION_BINS: usize = 96;
const BINS_PER_UNIT: f64 = PRE_ACTIVATION_BINS as f64 / (PRE_ACTIVATION_HIGH - PRE_ACTIVATION_LOW);

/// Where one hidden layer's units sit on φ: a histogram of the values φ was applied to in the
/// probed batch, z = BN(h) with batch norm, else the pre-activation h. Every entry of the
/// [batch, width] matrix is counted exactly once: the counts, `below`, `above` and `nonfinite`
/// add up to batch × width.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreActivationHistogram {
    /// 1-based hidden layer.
    pub layer: usize,
    /// `PRE_ACTIVATION_BINS` bins: `counts[i]` holds the z with low + i/8 ≤ z < low + (i+1)/8,
    /// low = `PRE_ACTIVATION_LOW`.
    pub counts: Vec<u32>,
    /// Finite z below `PRE_ACTIVATION_LOW`, and at or above `PRE_ACTIVATION_HIGH`.
    pub below: u32,
    pub above: u32,
    /// NaN and ±∞.
    pub nonfinite: u32,
}

impl PreActivationHistogram {
    fn of(layer: usize, values: impl Iterator<Item = f32>) -> Self {
        let mut histogram = PreActivationHistogram { layer, counts: vec![0; PRE_ACTIVATION_BINS], below: 0, above: 0, nonfinite: 0 };
        for z in values {
            *histogram.slot(z) += 1;
        }
        histogram
    }

    /// The counter `z` goes to. f64::from(z)·8 is exact and so is its floor; subtracting the
    /// (integer) bin of `PRE_ACTIVATION_LOW` after the floor keeps it exact (z + 6 would round
    /// −1e-30 up to the bin of 0).
    fn slot(&mut self, z: f32) -> &mut u32 {
        if !z.is_finite() {
            return &mut self.nonfinite;
        }
        let bin = libm::floor(f64::from(z) * BINS_PER_UNIT) - PRE_ACTIVATION_LOW * BINS_PER_UNIT;
        match bin {
            b if b < 0.0 => &mut self.below,
            b if b >= PRE_ACTIVATION_BINS as f64 => &mut self.above,
            b => &mut self.counts[b as usize],
        }
    }

    /// Bin `i`'s edges [left, right).
    pub fn bin(i: usize) -> (f64, f64) {
        let left = |i: usize| PRE_ACTIVATION_LOW + i as f64 / BINS_PER_UNIT;
        (left(i), left(i + 1))
    }

    /// Every value counted: batch × width.
    pub fn total(&self) -> u64 {
        self.counts.iter().chain([&self.below, &self.above, &self.nonfinite]).map(|&c| u64::from(c)).sum()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeReport {
    /// Mean loss of the probed batch: cross-entropy, or MSE for a regression dataset.
    #[serde(with = "crate::serde_float")]
    pub loss: f64,
    pub layers: Vec<LayerProbe>,
    pub theory: Theory,
    /// One per hidden layer, layer 1 first (the readout has no φ).
    pub pre_activations: Vec<PreActivationHistogram>,
}

/// Runs the probe for `cfg`. Pure and deterministic: same config → bit-identical report,
/// natively and in wasm.
///
/// The batch is the first `batch` examples of the batch-order permutation of the dataset. Never
/// panics: values that overflow show up as ±∞/NaN with `nonfinite` set, and batch, depth and
/// width outside their ranges are clamped into them first.
pub fn probe(cfg: &ExperimentConfig) -> ProbeReport {
    let cfg = &cfg.with_clamped_shape();
    let examples = probe_batch(cfg);
    let mlp = Mlp::new(cfg, examples.n_features, examples.n_outputs());
    measure(cfg, mlp, &examples, |q1, anchor| crate::theory::predict(cfg, q1, anchor))
}

/// The probe of `cfg`'s network after greedy pretraining: its first hidden layers hold the
/// RBMs of `stack` (`rbm::init_mlp`), the rest their initialization. Same batch as `probe`, so
/// the two reports compare layer by layer. The mean-field theory describes i.i.d. random
/// weights, which pretrained weights are not. Errs when the stack does not fit the network.
pub fn probe_pretrained(cfg: &ExperimentConfig, stack: &[Rbm]) -> Result<ProbeReport, String> {
    let cfg = &cfg.with_clamped_shape();
    let examples = probe_batch(cfg);
    let mut mlp = Mlp::new(cfg, examples.n_features, examples.n_outputs());
    init_mlp(stack, &mut mlp)?;
    Ok(measure(cfg, mlp, &examples, |_, _| Theory::not_applicable(Inapplicable::Pretrained)))
}

/// One forward and backward pass of `mlp` on `examples`, measured layer by layer; `theory`
/// gets q¹ (the mean square of the first pre-activation) and the last hidden layer's δ RMS.
fn measure(cfg: &ExperimentConfig, mut mlp: Mlp, examples: &Samples, theory: impl FnOnce(f64, f64) -> Theory) -> ProbeReport {
    let logits = mlp.forward(&examples.inputs, examples.len());
    let mut grad_logits = Vec::new();
    let loss = examples.targets.loss(logits, &mut grad_logits);

    let mut layers: Vec<LayerProbe> = mlp.layers.iter().enumerate().map(|(i, layer)| forward_stats(&mlp, i, layer)).collect();
    mlp.backward(&grad_logits, |seen| {
        let row = &mut layers[seen.layer - 1];
        row.delta_rms = norm::rms(seen.delta);
        row.local_gain = norm::frobenius(seen.grad_input) / norm::frobenius(seen.grad_output);
        row.delta_zero = norm::all_zero(seen.delta);
        row.nonfinite |= norm::any_nonfinite(seen.delta) || norm::any_nonfinite(seen.grad_input);
    });
    for (row, layer) in layers.iter_mut().zip(&mlp.layers) {
        row.grad_w_norm = norm::frobenius(&layer.weight.grad);
        row.grad_b_norm = norm::frobenius(&layer.bias.grad);
        row.grad_w_zero = norm::all_zero(&layer.weight.grad);
        row.nonfinite |= norm::any_nonfinite(&layer.weight.grad) || norm::any_nonfinite(&layer.bias.grad);
    }

    // The length map starts at the first hidden layer: q¹ = mean of (h¹)².
    let q1 = norm::sum_of_squares(mlp.layers[0].pre_activation()) / mlp.layers[0].pre_activation().len() as f64;
    let anchor = layers[cfg.depth - 1].delta_rms;
    let pre_activations = mlp.layers.iter().filter(|l| l.hidden).enumerate().map(|(i, l)| PreActivationHistogram::of(i + 1, l.activation_input())).collect();
    ProbeReport { loss, layers, theory: theory(q1, anchor), pre_activations }
}

/// Everything about layer `i` (0-based) that the forward pass determines; the gradient fields
/// are filled in after the backward pass.
fn forward_stats(mlp: &Mlp, i: usize, layer: &Layer) -> LayerProbe {
    let out = layer.output();
    let (saturated, dead) = activity(mlp, layer);
    LayerProbe {
        layer: i + 1,
        fan_in: layer.fan_in,
        fan_out: layer.fan_out,
        delta_rms: f64::NAN,
        grad_w_norm: f64::NAN,
        grad_b_norm: f64::NAN,
        weight_norm: norm::frobenius(&layer.weight.value),
        act_mean: norm::mean(out),
        act_std: norm::std(out),
        saturated,
        dead,
        local_gain: f64::NAN,
        delta_zero: false,
        grad_w_zero: false,
        nonfinite: norm::any_nonfinite(layer.pre_activation()) || norm::any_nonfinite(out),
    }
}

/// (saturated, dead) fractions of `layer`'s φ outputs in the last forward pass; (0, 0) for the
/// readout. Saturation and death are properties of φ's output, not of the skip sum a_{l−1} + φ.
pub(crate) fn activity(mlp: &Mlp, layer: &Layer) -> (f64, f64) {
    if !layer.hidden {
        return (0.0, 0.0);
    }
    let phi = layer.activation_output(mlp.act, mlp.slope);
    (saturated_fraction(mlp.act, &phi), dead_fraction(mlp.act, &phi, layer.fan_out))
}

/// Fraction of φ outputs in a flat region: |tanh| > 0.97, or sigmoid outside [0.03, 0.97].
/// Other activations have no two-sided saturation: 0.
fn saturated_fraction(act: Activation, phi: &[f32]) -> f64 {
    let saturated = |a: f32| match act {
        Activation::Tanh => a.abs() > 0.97,
        Activation::Sigmoid => !(0.03..=0.97).contains(&a),
        _ => false,
    };
    phi.iter().filter(|&&a| saturated(a)).count() as f64 / phi.len() as f64
}

/// Fraction of units whose φ output is exactly 0 for every example of the batch. Only ReLU
/// can die this way: leaky_relu, elu, selu, gelu and silu are nonzero for every x ≠ 0, so 0.
fn dead_fraction(act: Activation, phi: &[f32], width: usize) -> f64 {
    if act != Activation::Relu {
        return 0.0;
    }
    let dead = (0..width).filter(|&unit| phi.iter().skip(unit).step_by(width).all(|&a| a == 0.0)).count();
    dead as f64 / width as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Init;
    use crate::theory::Theory;

    fn config(act: Activation, init: Init, depth: usize, width: usize, batch: usize) -> ExperimentConfig {
        ExperimentConfig { act, init, depth, width, batch, ..ExperimentConfig::default() }
    }

    /// Every number in the report, as bits (NaN payloads and signed zeros included).
    fn bits(report: &ProbeReport) -> Vec<u64> {
        let mut out = vec![report.loss.to_bits()];
        for l in &report.layers {
            out.extend(
                [l.delta_rms, l.grad_w_norm, l.grad_b_norm, l.weight_norm, l.act_mean, l.act_std, l.saturated, l.dead, l.local_gain]
                    .map(f64::to_bits),
            );
            out.extend([l.layer, l.fan_in, l.fan_out].map(|v| v as u64));
            out.extend([l.delta_zero, l.grad_w_zero, l.nonfinite].map(u64::from));
        }
        for h in &report.pre_activations {
            out.extend(h.counts.iter().chain([&h.below, &h.above, &h.nonfinite]).map(|&c| u64::from(c)));
        }
        out
    }

    #[test]
    fn same_config_gives_bit_identical_reports_and_the_seed_matters() {
        for cfg in [
            ExperimentConfig::default(),
            ExperimentConfig { bn: true, res: true, init: Init::Orthogonal, act: Activation::Gelu, ..ExperimentConfig::default() },
        ] {
            let a = probe(&cfg);
            assert_eq!(bits(&a), bits(&probe(&cfg)));
            assert_eq!(a.theory, probe(&cfg).theory);
            let other = probe(&ExperimentConfig { seed: cfg.seed + 1, ..cfg.clone() });
            assert_ne!(a.loss.to_bits(), other.loss.to_bits());
            assert_ne!(a.layers[0].delta_rms.to_bits(), other.layers[0].delta_rms.to_bits());
        }
    }

    #[test]
    fn rows_describe_every_layer() {
        let cfg = config(Activation::Tanh, Init::XavierNormal, 6, 16, 32);
        let report = probe(&cfg);
        let shape: Vec<(usize, usize, usize)> = report.layers.iter().map(|l| (l.layer, l.fan_in, l.fan_out)).collect();
        assert_eq!(shape, [(1, 2, 16), (2, 16, 16), (3, 16, 16), (4, 16, 16), (5, 16, 16), (6, 16, 16), (7, 16, 2)]);
        for l in &report.layers {
            assert!(!l.nonfinite && !l.delta_zero && !l.grad_w_zero, "layer {}", l.layer);
            for v in [l.delta_rms, l.grad_w_norm, l.weight_norm, l.act_std, l.local_gain] {
                assert!(v.is_finite() && v > 0.0, "layer {}: {v}", l.layer);
            }
            assert!((0.0..=1.0).contains(&l.saturated) && l.dead == 0.0);
        }
        // Two classes: ∂L/∂logits = (p − onehot)/B has entries ±(1 − p)/B, so the readout's δ RMS
        // is below 1/B, and the loss of a near-uniform prediction is near ln 2.
        let readout = report.layers.last().unwrap();
        assert!(readout.delta_rms < 1.0 / 32.0);
        assert!((report.loss - std::f64::consts::LN_2).abs() < 0.5);
    }

    #[test]
    fn deep_sigmoid_with_small_init_vanishes_towards_the_input() {
        // Default story: σ_w² = 64·0.01 and sigmoid′ ≤ 1/4 give χ₁ ≈ 0.04 per layer.
        let report = probe(&ExperimentConfig::default());
        let d: Vec<f64> = report.layers.iter().map(|l| l.delta_rms).collect();
        assert!(d[0] < 1e-6 * d[9], "δ profile {d:?}");
        assert!(d.windows(2).take(9).all(|w| w[0] < w[1]), "δ grows monotonically towards the output: {d:?}");
        assert!(matches!(report.theory, Theory::Applies(_)));
    }

    #[test]
    fn zero_init_reports_exact_zeros_without_inventing_numbers() {
        let report = probe(&config(Activation::Relu, Init::Zeros, 4, 8, 16));
        let hidden = &report.layers[..4];
        for l in hidden {
            assert!(l.delta_zero && l.grad_w_zero && !l.nonfinite, "layer {}", l.layer);
            assert_eq!((l.delta_rms, l.grad_w_norm, l.grad_b_norm, l.weight_norm), (0.0, 0.0, 0.0, 0.0));
            // relu(0) = 0 for every unit and example: all units dead.
            assert_eq!(l.dead, 1.0);
        }
        // ∂L/∂a is zero above and below the hidden layers: their gain 0/0 is undefined.
        assert!(hidden.iter().all(|l| l.local_gain.is_nan()));
        let readout = &report.layers[4];
        // The readout still gets the loss gradient, but its input a_4 = 0, so ∂L/∂W = 0 while ∂L/∂b ≠ 0.
        assert!(!readout.delta_zero && readout.grad_w_zero && readout.grad_b_norm > 0.0);
        assert_eq!(readout.local_gain, 0.0);
        assert!(matches!(report.theory, Theory::NotApplicable { .. }));
    }

    #[test]
    fn overflow_is_flagged_not_a_panic() {
        // std 10 at width 64: each linear layer multiplies the scale by 80, so f32 overflows by layer ~20.
        let cfg = ExperimentConfig { std: 10.0, ..config(Activation::Linear, Init::Normal, 40, 64, 8) };
        let report = probe(&cfg);
        assert!(report.layers.iter().any(|l| l.nonfinite));
        assert!(!report.layers[0].nonfinite || report.layers[0].act_std.is_finite());
        assert!(!report.loss.is_finite());
        let json = serde_json::to_string(&report).expect("non-finite values serialize");
        assert!(json.contains("NaN") || json.contains("inf"));
    }

    #[test]
    fn regression_is_probed_with_mean_squared_error() {
        let cfg = ExperimentConfig { data: crate::config::Dataset::Sine, ..config(Activation::Tanh, Init::XavierNormal, 4, 16, 64) };
        let report = probe(&cfg);
        let (first, readout) = (&report.layers[0], &report.layers[4]);
        assert_eq!((first.fan_in, readout.fan_out), (1, 1));
        assert!(report.layers.iter().all(|l| !l.nonfinite && l.delta_rms > 0.0));
        // The loss is the batch's mean (y − t)², by hand.
        let examples = probe_batch(&cfg);
        let crate::data::Targets::Values { values, .. } = &examples.targets else { panic!("sine has values") };
        let outputs = Mlp::new(&cfg, 1, 1).forward(&examples.inputs, cfg.batch).to_vec();
        let squared: f64 = outputs.iter().zip(values).map(|(&y, &t)| (f64::from(y) - f64::from(t)).powi(2)).sum();
        assert_eq!(report.loss, squared / cfg.batch as f64);
    }

    #[test]
    fn out_of_range_shapes_are_clamped_not_a_panic() {
        let report = probe(&config(Activation::Relu, Init::KaimingNormal, 0, 0, 0));
        assert_eq!(report.layers.len(), 2);
        assert_eq!(report.layers[0].fan_out, 2);
        let report = probe(&config(Activation::Relu, Init::KaimingNormal, 1, 2, 5000));
        assert!(report.loss.is_finite());
    }

    #[test]
    fn residual_saturation_is_measured_on_phi_not_on_the_skip_sum() {
        // With skips, a_l = a_{l−1} + tanh(·) grows beyond ±1; saturation is a property of tanh.
        let cfg = ExperimentConfig { res: true, gain: Some(1.0), ..config(Activation::Tanh, Init::XavierNormal, 20, 32, 64) };
        let report = probe(&cfg);
        let examples = probe_batch(&cfg);
        let mut mlp = Mlp::new(&cfg, 2, 2);
        mlp.forward(&examples.inputs, cfg.batch);
        let beyond = |v: &[f32]| v.iter().filter(|a| a.abs() > 0.97).count() as f64 / v.len() as f64;
        let layer = &mlp.layers[19];
        assert_eq!(report.layers[19].saturated, beyond(&layer.activation_output(cfg.act, cfg.slope)));
        assert!(beyond(layer.output()) > report.layers[19].saturated + 0.2, "the skip sum would overstate it");
    }

    #[test]
    fn pre_activation_bins_are_exact_and_every_value_is_counted_once() {
        let values = [-6.0, -6.000_001, 6.0, 5.999_999, 0.0, -0.0, -1e-30, 0.125, -0.125, f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e30];
        let histogram = PreActivationHistogram::of(3, values.into_iter());
        let bin_of = |z: f32| (0..PRE_ACTIVATION_BINS).find(|&i| {
            let (left, right) = PreActivationHistogram::bin(i);
            left <= f64::from(z) && f64::from(z) < right
        });
        assert_eq!((bin_of(-6.0), bin_of(5.999_999), bin_of(0.0), bin_of(-1e-30), bin_of(0.125)), (Some(0), Some(95), Some(48), Some(47), Some(49)));
        let mut expected = vec![0u32; PRE_ACTIVATION_BINS];
        for bin in [0, 95, 48, 48, 47, 49, 47] {
            expected[bin] += 1;
        }
        assert_eq!(histogram.counts, expected);
        assert_eq!((histogram.layer, histogram.below, histogram.above, histogram.nonfinite), (3, 1, 2, 3));
        assert_eq!(histogram.total(), values.len() as u64);
        assert_eq!(PreActivationHistogram::bin(PRE_ACTIVATION_BINS - 1).1, PRE_ACTIVATION_HIGH);
    }

    #[test]
    fn pre_activation_histograms_count_every_hidden_unit_of_the_batch() {
        for cfg in [
            config(Activation::Tanh, Init::XavierNormal, 5, 24, 40),
            ExperimentConfig { res: true, bn: true, ..config(Activation::Gelu, Init::KaimingUniform, 3, 8, 7) },
            ExperimentConfig { std: 10.0, ..config(Activation::Linear, Init::Normal, 40, 64, 8) },
        ] {
            let report = probe(&cfg);
            let layers: Vec<usize> = report.pre_activations.iter().map(|h| h.layer).collect();
            assert_eq!(layers, (1..=cfg.depth).collect::<Vec<_>>());
            for h in &report.pre_activations {
                assert_eq!(h.total(), (cfg.batch * cfg.width) as u64, "layer {}", h.layer);
            }
        }
    }

    #[test]
    fn the_histogram_agrees_with_the_saturated_and_dead_shares() {
        // tanh(z) is saturated (|tanh| > 0.97) exactly where |z| > atanh(0.97) ≈ 2.092; that
        // threshold lies inside the bin [2, 2.125), so the share must lie between the mass
        // strictly beyond that bin (and its mirror) and the mass including them.
        let cfg = ExperimentConfig { gain: Some(3.0), ..config(Activation::Tanh, Init::XavierNormal, 6, 32, 64) };
        let report = probe(&cfg);
        let total = (cfg.batch * cfg.width) as f64;
        let threshold = libm::atanh(0.97);
        for (h, l) in report.pre_activations.iter().zip(&report.layers) {
            let mass = |keep: &dyn Fn((f64, f64)) -> bool| {
                let bins: u32 = (0..PRE_ACTIVATION_BINS).filter(|&i| keep(PreActivationHistogram::bin(i))).map(|i| h.counts[i]).sum();
                f64::from(bins + h.below + h.above) / total
            };
            let surely = mass(&|(left, right)| right <= -threshold || left > threshold);
            let perhaps = mass(&|(left, right)| left < -threshold || right > threshold);
            assert!(surely <= l.saturated && l.saturated <= perhaps, "layer {}: {surely} ≤ {} ≤ {perhaps}", h.layer, l.saturated);
        }
        assert!(report.layers[5].saturated > 0.1, "gain 3 drives tanh into its tails: {}", report.layers[5].saturated);
        // A dead ReLU unit has z ≤ 0 for the whole batch: its batch entries all sit below the bin
        // starting at 0, or in it (z = 0 exactly).
        let report = probe(&ExperimentConfig { std: 0.6, ..config(Activation::Relu, Init::Normal, 8, 16, 32) });
        let zero_bin = PRE_ACTIVATION_BINS / 2;
        assert_eq!(PreActivationHistogram::bin(zero_bin).0, 0.0);
        let mut some_dead = false;
        for (h, l) in report.pre_activations.iter().zip(&report.layers) {
            let off = h.below + h.counts[..=zero_bin].iter().sum::<u32>();
            assert!(l.dead * (32.0 * 16.0) <= f64::from(off), "layer {}", h.layer);
            some_dead |= l.dead > 0.0;
        }
        assert!(some_dead, "std 0.6 at width 16 kills some ReLU units");
    }

    #[test]
    fn with_batch_norm_the_histogram_shows_what_phi_sees() {
        // Huge weights make h huge, but φ is applied to BN(h): standardized per unit.
        let cfg = ExperimentConfig { bn: true, std: 10.0, ..config(Activation::Tanh, Init::Normal, 4, 32, 64) };
        let report = probe(&cfg);
        for h in &report.pre_activations {
            let central: u32 = h.counts[(PRE_ACTIVATION_BINS / 2 - 16)..(PRE_ACTIVATION_BINS / 2 + 16)].iter().sum();
            assert!(f64::from(central) > 0.9 * (64.0 * 32.0), "layer {}: most of BN(h) within ±2", h.layer);
            assert!(h.below + h.above < 20 && h.nonfinite == 0, "layer {}", h.layer);
        }
    }

    #[test]
    fn saturation_and_death_rules() {
        assert_eq!(saturated_fraction(Activation::Tanh, &[0.98, -0.98, 0.5, 0.97]), 0.5);
        assert_eq!(saturated_fraction(Activation::Sigmoid, &[0.01, 0.99, 0.03, 0.97, 0.5]), 0.4);
        assert_eq!(saturated_fraction(Activation::Relu, &[100.0, 0.0]), 0.0);
        // Batch of 3, width 2: unit 0 is zero for all three examples, unit 1 is not.
        assert_eq!(dead_fraction(Activation::Relu, &[0.0, 0.0, 0.0, 1.0, 0.0, 0.0], 2), 0.5);
        assert_eq!(dead_fraction(Activation::LeakyRelu, &[0.0, 0.0], 2), 0.0);
    }
}
