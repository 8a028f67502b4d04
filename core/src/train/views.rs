//! What the page draws besides the snapshots: per-layer histograms and the decision boundary.
//! Both are computed on demand from the current weights and change nothing in the training.

use serde::{Deserialize, Serialize};

use crate::activation::{sigmoid, Activation};
use crate::data::Targets;

use super::{Trainer, INFERENCE_BATCH};

/// Bins of every histogram.
pub const HISTOGRAM_BINS: usize = 40;
/// Finest decision-boundary grid, per side.
pub const MAX_RESOLUTION: usize = 128;
/// The boundary's grid extends past the data by this fraction of its range on each side.
const GRID_MARGIN: f64 = 0.05;

/// Counts of values in `HISTOGRAM_BINS` equal bins over [low, high]: bin i covers
/// [low + i·w, low + (i+1)·w) with w = (high − low)/bins, the last bin also holds `high`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    pub low: f64,
    pub high: f64,
    pub counts: Vec<u32>,
    /// NaN and ±∞ values, not in any bin.
    pub nonfinite: u32,
}

impl Histogram {
    /// Bins over a fixed range: [0, 1] for sigmoid outputs, [−1, 1] for tanh outputs (`bounded`),
    /// otherwise from the values, rounded outward to 1, 2 or 5 × 10^k so the axis stays put
    /// while the values wander within a step: [0, r] if none is negative, [−r, 0] if none is
    /// positive, else [−r, r]; [0, 1] when every value is 0.
    fn of(values: &[f32], bounded: Option<(f64, f64)>) -> Self {
        let finite = || values.iter().filter(|v| v.is_finite()).map(|&v| f64::from(v));
        let (low, high) = bounded.unwrap_or_else(|| {
            let (min, max) = finite().fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
            let (down, up) = (nice_ceiling(-min), nice_ceiling(max));
            if down == 0.0 {
                (0.0, if up == 0.0 { 1.0 } else { up })
            } else if up == 0.0 {
                (-down, 0.0)
            } else {
                (-down.max(up), down.max(up))
            }
        });
        let mut counts = vec![0u32; HISTOGRAM_BINS];
        let scale = HISTOGRAM_BINS as f64 / (high - low);
        for v in finite() {
            // `as` saturates, and bounded ranges clamp outliers into the end bins.
            let bin = (((v - low) * scale) as usize).min(HISTOGRAM_BINS - 1);
            counts[bin] += 1;
        }
        let nonfinite = values.iter().filter(|v| !v.is_finite()).count() as u32;
        Histogram { low, high, counts, nonfinite }
    }
}

/// The smallest of 1, 2, 5 × 10^k that is ≥ m (0 for m ≤ 0).
fn nice_ceiling(m: f64) -> f64 {
    if m <= 0.0 {
        return 0.0;
    }
    let base = libm::pow(10.0, libm::floor(libm::log10(m)));
    [1.0, 2.0, 5.0, 10.0].iter().map(|f| f * base).find(|&v| v >= m).unwrap_or(10.0 * base)
}

/// One layer's values on the evaluation subset with the current weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerHistograms {
    /// 1-based; `depth + 1` is the readout (its activation is the logits).
    pub layer: usize,
    /// φ's outputs (without a residual block's skip), as the probe's saturation.
    pub activation: Histogram,
    /// ∂L/∂a: the gradient reaching the layer's output (makemore's activation-gradient plot).
    pub activation_grad: Histogram,
    /// ∂L/∂W, every entry.
    pub weight_grad: Histogram,
}

/// P(class 1) over a square grid covering the data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecisionBoundary {
    /// The grid is resolution × resolution cells.
    pub resolution: usize,
    /// The span of the first and second (standardized) input feature: the grid's outer edges.
    pub x_range: [f64; 2],
    pub y_range: [f64; 2],
    /// At each cell's centre, row by row from the lowest y; in a row from the lowest x.
    #[serde(with = "crate::serde_float::vec")]
    pub probability: Vec<f64>,
}

impl Trainer {
    /// Histograms of `layer` (1-based) from one forward and backward pass on the evaluation
    /// subset; `None` for a layer the network does not have.
    pub fn histograms(&mut self, layer: usize) -> Option<LayerHistograms> {
        let index = layer.checked_sub(1).filter(|&i| i < self.state.mlp.layers.len())?;
        let eval = &self.setup.eval;
        let mlp = &mut self.state.mlp;
        let outputs = mlp.forward(&eval.inputs, eval.len());
        eval.targets.loss(outputs, &mut self.scratch.grad_outputs);
        let mut activation_grad = None;
        mlp.backward(&self.scratch.grad_outputs, |seen| {
            if seen.layer == layer {
                activation_grad = Some(Histogram::of(seen.grad_output, None));
            }
        });
        let chosen = &mlp.layers[index];
        let bounded = match mlp.act {
            Activation::Sigmoid if chosen.hidden => Some((0.0, 1.0)),
            Activation::Tanh if chosen.hidden => Some((-1.0, 1.0)),
            _ => None,
        };
        Some(LayerHistograms {
            layer,
            activation: Histogram::of(&chosen.activation_output(mlp.act, mlp.slope), bounded),
            activation_grad: activation_grad.expect("backward shows every layer"),
            weight_grad: Histogram::of(&chosen.weight.grad, None),
        })
    }

    /// P(class 1) on a `resolution`² grid (clamped to 2..=`MAX_RESOLUTION`) over the range of
    /// the data plus 5 % on each side; `None` unless the dataset is 2-D with two classes.
    pub fn decision_boundary(&mut self, resolution: usize) -> Option<DecisionBoundary> {
        let samples = &self.setup.samples;
        if samples.n_features != 2 || !matches!(samples.targets, Targets::Classes { n_classes: 2, .. }) {
            return None;
        }
        let n = resolution.clamp(2, MAX_RESOLUTION);
        let range = |feature: usize| {
            let column = samples.inputs.iter().skip(feature).step_by(2).map(|&v| f64::from(v));
            let (low, high) = column.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
            let margin = GRID_MARGIN * (high - low);
            [low - margin, high + margin]
        };
        let (x_range, y_range) = (range(0), range(1));
        let centre = |[low, high]: [f64; 2], i: usize| (low + (i as f64 + 0.5) * (high - low) / n as f64) as f32;
        let grid: Vec<f32> = (0..n).flat_map(|row| (0..n).flat_map(move |column| [centre(x_range, column), centre(y_range, row)])).collect();
        self.fit_batch_norm();
        let mut probability = Vec::with_capacity(n * n);
        for points in grid.chunks(2 * INFERENCE_BATCH) {
            let logits = self.state.mlp.forward_inference(points, points.len() / 2);
            probability.extend(logits.chunks_exact(2).map(|z| sigmoid(f64::from(z[1]) - f64::from(z[0]))));
        }
        Some(DecisionBoundary { resolution: n, x_range, y_range, probability })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ceilings_are_one_two_five_steps() {
        let cases = [(0.7, 1.0), (1.0, 1.0), (1.01, 2.0), (3.0, 5.0), (5.5, 10.0), (1e-7, 1e-7), (2.5e-9, 5e-9), (123.0, 200.0), (0.0, 0.0)];
        for (m, want) in cases {
            let got = nice_ceiling(m);
            assert!((got - want).abs() <= 1e-12 * want && got >= m, "{m}: {got}");
        }
    }

    #[test]
    fn histograms_count_every_value_once_in_fixed_bins() {
        let h = Histogram::of(&[0.0, 0.5, 1.0, 0.99, f32::NAN, f32::INFINITY], Some((0.0, 1.0)));
        assert_eq!((h.low, h.high, h.nonfinite), (0.0, 1.0, 2));
        assert_eq!((h.counts[0], h.counts[20], h.counts[39]), (1, 1, 2));
        assert_eq!(h.counts.iter().sum::<u32>(), 4);
        // From the values: relu outputs are non-negative, so [0, r].
        let h = Histogram::of(&[0.0, 0.0, 3.1], None);
        assert_eq!((h.low, h.high, h.counts[0], h.counts[24]), (0.0, 5.0, 2, 1));
        let h = Histogram::of(&[-0.0031, 0.0007], None);
        assert_eq!((h.low, h.high), (-0.005, 0.005));
        // Bins of width 0.00025 from −0.005: −0.0031 is 7.6 bins in, 0.0007 is 22.8.
        assert_eq!((h.counts[7], h.counts[22]), (1, 1));
        assert_eq!(Histogram::of(&[-2.0], None).low, -2.0);
        let zeros = Histogram::of(&[0.0; 5], None);
        assert_eq!((zeros.low, zeros.high, zeros.counts[0]), (0.0, 1.0, 5));
    }
}
