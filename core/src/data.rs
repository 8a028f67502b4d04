//! The generated datasets, from the config's data stream, plus the probe's batch.
//!
//! The classification sets are TensorFlow Playground's 2-D two-class sets
//! (playground/src/dataset.ts), generated with its noise setting at 10 %. `sine` is a 1-D
//! regression set: x uniform in [−π, π], target sin(x) plus Gaussian noise of standard deviation
//! 0.1. Each input feature is then standardized to mean 0 and variance 1 over all examples, so the
//! first layer sees unit-variance inputs whatever the dataset; regression targets are left as
//! they are (so the constant predictor's MSE is Var(sin x) + 0.1² ≈ 0.51, the noise floor 0.01).
//! `bars` and `digits` are binary images (`rbm::binary_data`), left at 0/1 for RBM pretraining.

use core::f64::consts::PI;

use crate::config::{Dataset, ExperimentConfig};
use crate::mlp::{mean_squared_error, softmax_cross_entropy};
use crate::rbm::BinaryDataset;
use crate::rng::{Rng, Stream};

/// Examples per generated dataset (the largest batch); `digits` has its 1797 real examples.
pub const N_EXAMPLES: usize = 1024;
/// The Playground's noise setting (its slider's 10 %); also the sine's noise standard deviation.
pub const NOISE: f64 = 0.1;

/// What the network is asked to predict, and so which loss it is trained with.
#[derive(Clone, Debug, PartialEq)]
pub enum Targets {
    /// One class index per example; softmax cross-entropy.
    Classes { labels: Vec<usize>, n_classes: usize },
    /// Real values, row-major [len, n_outputs]; mean squared error over all entries.
    Values { values: Vec<f32>, n_outputs: usize },
}

impl Targets {
    /// Width of the network's output layer for these targets.
    pub fn n_outputs(&self) -> usize {
        match self {
            Targets::Classes { n_classes, .. } => *n_classes,
            Targets::Values { n_outputs, .. } => *n_outputs,
        }
    }

    /// The mean loss of `outputs` ([len, n_outputs]) and ∂loss/∂outputs into `grad`: softmax
    /// cross-entropy for classes, MSE (PyTorch's `MSELoss`, mean over every entry) for values.
    pub fn loss(&self, outputs: &[f32], grad: &mut Vec<f32>) -> f64 {
        match self {
            Targets::Classes { labels, n_classes } => softmax_cross_entropy(outputs, labels, *n_classes, grad),
            Targets::Values { values, .. } => mean_squared_error(outputs, values, grad),
        }
    }
}

/// Examples: `inputs` is row-major [len, n_features].
#[derive(Clone, Debug, PartialEq)]
pub struct Samples {
    pub inputs: Vec<f32>,
    pub n_features: usize,
    pub targets: Targets,
}

impl Samples {
    pub fn len(&self) -> usize {
        self.inputs.len() / self.n_features
    }

    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }

    /// Width of the network's output layer for these targets.
    pub fn n_outputs(&self) -> usize {
        self.targets.n_outputs()
    }

    /// The examples at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Samples {
        let targets = match &self.targets {
            Targets::Classes { n_classes, .. } => Targets::Classes { labels: Vec::new(), n_classes: *n_classes },
            Targets::Values { n_outputs, .. } => Targets::Values { values: Vec::new(), n_outputs: *n_outputs },
        };
        let mut selected = Samples { inputs: Vec::new(), n_features: self.n_features, targets };
        self.select_into(indices, &mut selected);
        selected
    }

    /// `select` into `out`, reusing its buffers (the trainer gathers a batch every step).
    /// `out` must have the same kind of targets.
    pub fn select_into(&self, indices: &[usize], out: &mut Samples) {
        let d = self.n_features;
        out.n_features = d;
        out.inputs.clear();
        out.inputs.extend(indices.iter().flat_map(|&i| &self.inputs[i * d..(i + 1) * d]));
        match (&self.targets, &mut out.targets) {
            (Targets::Classes { labels, n_classes }, Targets::Classes { labels: chosen, n_classes: out_classes }) => {
                *out_classes = *n_classes;
                chosen.clear();
                chosen.extend(indices.iter().map(|&i| labels[i]));
            }
            (Targets::Values { values, n_outputs }, Targets::Values { values: chosen, n_outputs: out_outputs }) => {
                let k = *n_outputs;
                *out_outputs = k;
                chosen.clear();
                chosen.extend(indices.iter().flat_map(|&i| &values[i * k..(i + 1) * k]));
            }
            _ => panic!("select_into: classes and values do not mix"),
        }
    }
}

impl Dataset {
    /// Input features per example: 2 for the Playground's sets, 1 for `sine`, one per pixel
    /// for the binary images.
    pub fn n_features(self) -> usize {
        match (self, self.image_shape()) {
            (_, Some((rows, columns))) => rows * columns,
            (Dataset::Sine, None) => 1,
            _ => 2,
        }
    }

    /// The generator of a binary image set (inputs in {0, 1}, as RBMs need), if this is one.
    pub fn binary(self) -> Option<BinaryDataset> {
        match self {
            Dataset::Bars => Some(BinaryDataset::BarsStripes),
            Dataset::Digits => Some(BinaryDataset::Digits),
            Dataset::Spiral | Dataset::Circle | Dataset::Xor | Dataset::Gauss | Dataset::Sine => None,
        }
    }

    /// (rows, columns) of an input image, for the image sets (to draw inputs and filters).
    pub fn image_shape(self) -> Option<(usize, usize)> {
        self.binary().map(BinaryDataset::image_shape)
    }

    /// The dataset for `seed`. The Playground's sets and `sine`: N_EXAMPLES examples with
    /// standardized inputs; the classification sets have half of each class (circle and xor:
    /// about half, their labels are noisy). The binary sets: see `BinaryDataset::generate`.
    pub fn generate(self, seed: u64) -> Samples {
        let mut rng = Rng::new(seed, Stream::Data);
        let half = N_EXAMPLES / 2;
        let mut points: Vec<([f64; 2], usize)> = Vec::with_capacity(N_EXAMPLES);
        match self {
            Dataset::Bars => return BinaryDataset::BarsStripes.generate(seed),
            Dataset::Digits => return BinaryDataset::Digits.generate(seed),
            Dataset::Sine => return noisy_sine(&mut rng),
            Dataset::Spiral => {
                for (label, phase) in [(1, 0.0), (0, PI)] {
                    for i in 0..half {
                        let r = i as f64 / half as f64 * 5.0;
                        let t = 1.75 * i as f64 / half as f64 * 2.0 * PI + phase;
                        let x = r * libm::sin(t) + rng.uniform_in(-1.0, 1.0) * NOISE;
                        let y = r * libm::cos(t) + rng.uniform_in(-1.0, 1.0) * NOISE;
                        points.push(([x, y], label));
                    }
                }
            }
            Dataset::Circle => {
                let radius = 5.0;
                // Inner disc and outer ring; the label comes from the noisy position.
                for (r_low, r_high) in [(0.0, radius * 0.5), (radius * 0.7, radius)] {
                    for _ in 0..half {
                        let r = rng.uniform_in(r_low, r_high);
                        let angle = rng.uniform_in(0.0, 2.0 * PI);
                        let (x, y) = (r * libm::sin(angle), r * libm::cos(angle));
                        let noise_x = rng.uniform_in(-radius, radius) * NOISE;
                        let noise_y = rng.uniform_in(-radius, radius) * NOISE;
                        let (noisy_x, noisy_y) = (x + noise_x, y + noise_y);
                        let inside = noisy_x * noisy_x + noisy_y * noisy_y < (radius * 0.5) * (radius * 0.5);
                        points.push(([x, y], usize::from(inside)));
                    }
                }
            }
            Dataset::Xor => {
                let padding = 0.3;
                let away_from_axis = |v: f64| if v > 0.0 { v + padding } else { v - padding };
                for _ in 0..N_EXAMPLES {
                    let x = away_from_axis(rng.uniform_in(-5.0, 5.0));
                    let y = away_from_axis(rng.uniform_in(-5.0, 5.0));
                    let noise_x = rng.uniform_in(-5.0, 5.0) * NOISE;
                    let noise_y = rng.uniform_in(-5.0, 5.0) * NOISE;
                    let same_sign = (x + noise_x) * (y + noise_y) >= 0.0;
                    points.push(([x, y], usize::from(same_sign)));
                }
            }
            Dataset::Gauss => {
                // The Playground maps noise 0…0.5 to a variance of 0.5…4.
                let std = (0.5 + 7.0 * NOISE).sqrt();
                for (label, center) in [(1, 2.0), (0, -2.0)] {
                    for _ in 0..half {
                        let x = center + std * rng.normal();
                        let y = center + std * rng.normal();
                        points.push(([x, y], label));
                    }
                }
            }
        }
        let features: Vec<f64> = points.iter().flat_map(|(p, _)| *p).collect();
        let labels = points.iter().map(|&(_, label)| label).collect();
        Samples { inputs: standardized(&features, 2), n_features: 2, targets: Targets::Classes { labels, n_classes: 2 } }
    }
}

/// The `sine` regression set: x uniform in [−π, π] (then standardized), y = sin x + N(0, NOISE²).
fn noisy_sine(rng: &mut Rng) -> Samples {
    let mut x = Vec::with_capacity(N_EXAMPLES);
    let mut values = Vec::with_capacity(N_EXAMPLES);
    for _ in 0..N_EXAMPLES {
        let position = rng.uniform_in(-PI, PI);
        x.push(position);
        values.push((libm::sin(position) + NOISE * rng.normal()) as f32);
    }
    Samples { inputs: standardized(&x, 1), n_features: 1, targets: Targets::Values { values, n_outputs: 1 } }
}

/// Shifts and scales each feature (column of the row-major `features`) to mean 0 and variance 1.
fn standardized(features: &[f64], n_features: usize) -> Vec<f32> {
    let n = (features.len() / n_features) as f64;
    let mut inputs = vec![0.0f32; features.len()];
    for feature in 0..n_features {
        let column = || features.iter().skip(feature).step_by(n_features);
        let mean = column().sum::<f64>() / n;
        let var = column().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        let scale = 1.0 / var.sqrt();
        for (slot, v) in inputs.iter_mut().skip(feature).step_by(n_features).zip(column()) {
            *slot = ((v - mean) * scale) as f32;
        }
    }
    inputs
}

/// The probe's batch of `cfg`'s dataset.
pub fn probe_batch(cfg: &ExperimentConfig) -> Samples {
    let samples = cfg.data.generate(cfg.seed);
    samples.select(&probe_batch_indices(cfg, samples.len()))
}

/// Indices of the probe's batch among `n_examples`: the first `batch` entries of a permutation
/// drawn from the batch-order stream (so the batch does not depend on the data or the weights;
/// it is the trainer's first batch).
pub fn probe_batch_indices(cfg: &ExperimentConfig, n_examples: usize) -> Vec<usize> {
    let mut order = Rng::new(cfg.seed, Stream::BatchOrder).permutation(n_examples);
    order.truncate(cfg.batch.min(n_examples));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(s: &Samples) -> &[usize] {
        let Targets::Classes { labels, .. } = &s.targets else { panic!("a classification set") };
        labels
    }

    const CLASSIFICATION: [Dataset; 4] = [Dataset::Spiral, Dataset::Circle, Dataset::Xor, Dataset::Gauss];

    #[test]
    fn every_classification_set_is_standardized_balanced_and_deterministic() {
        assert_eq!(Dataset::ALL.iter().filter(|d| d.n_features() == 2).count(), CLASSIFICATION.len());
        for data in CLASSIFICATION {
            let s = data.generate(3);
            assert_eq!((s.len(), s.n_features, s.n_outputs()), (N_EXAMPLES, 2, 2));
            for feature in 0..2 {
                let column: Vec<f64> = (0..s.len()).map(|i| f64::from(s.inputs[i * 2 + feature])).collect();
                let mean = column.iter().sum::<f64>() / column.len() as f64;
                let var = column.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / column.len() as f64;
                assert!(mean.abs() < 1e-6 && (var - 1.0).abs() < 1e-5, "{data:?} feature {feature}: {mean} {var}");
            }
            let ones = labels(&s).iter().filter(|&&l| l == 1).count();
            assert!(labels(&s).iter().all(|&l| l < 2));
            // Spiral and gauss are exactly half/half; circle and xor label noisy points, so
            // near-half (xor: the sign of a product of symmetric variables is a fair coin).
            assert!((400..=624).contains(&ones), "{data:?}: {ones} of class 1");
            assert_eq!(s, data.generate(3), "{data:?} not deterministic");
            assert_ne!(s.inputs, data.generate(4).inputs, "{data:?} ignores the seed");
        }
    }

    #[test]
    fn datasets_have_their_geometry() {
        let mean_of = |s: &Samples, class: usize, f: &dyn Fn(f32, f32) -> f32| {
            let ls = labels(s);
            let vals: Vec<f64> = (0..s.len()).filter(|&i| ls[i] == class).map(|i| f64::from(f(s.inputs[2 * i], s.inputs[2 * i + 1]))).collect();
            vals.iter().sum::<f64>() / vals.len() as f64
        };
        let circle = Dataset::Circle.generate(1);
        let radius = |x: f32, y: f32| (x * x + y * y).sqrt();
        assert!(mean_of(&circle, 1, &radius) < 0.6 * mean_of(&circle, 0, &radius), "inner class is not inside");
        let xor = Dataset::Xor.generate(1);
        let product = |x: f32, y: f32| x * y;
        assert!(mean_of(&xor, 1, &product) > 0.5 && mean_of(&xor, 0, &product) < -0.5);
        let gauss = Dataset::Gauss.generate(1);
        let sum = |x: f32, y: f32| x + y;
        assert!(mean_of(&gauss, 1, &sum) > 1.0 && mean_of(&gauss, 0, &sum) < -1.0);
        // The two spiral arms are point reflections of each other: opposite means ≈ 0, equal radii.
        let spiral = Dataset::Spiral.generate(1);
        assert!((mean_of(&spiral, 1, &radius) - mean_of(&spiral, 0, &radius)).abs() < 0.05);
    }

    #[test]
    fn the_sine_is_a_standardized_noisy_sine() {
        let s = Dataset::Sine.generate(5);
        assert_eq!((s.len(), s.n_features, s.n_outputs()), (N_EXAMPLES, 1, 1));
        let Targets::Values { values, .. } = &s.targets else { panic!("sine has values") };
        let x: Vec<f64> = s.inputs.iter().map(|&v| f64::from(v)).collect();
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        assert!(mean.abs() < 1e-6 && (var - 1.0).abs() < 1e-5, "{mean} {var}");
        // Standardizing is linear and 1024 uniform draws reach within ~0.01 of ±π, so mapping
        // [min x, max x] back onto [−π, π] recovers the positions: y − sin(position) is the
        // noise, N(0, 0.1²).
        let (low, high) = x.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        let position = |x: f64| -PI + (x - low) / (high - low) * 2.0 * PI;
        let residuals: Vec<f64> = x.iter().zip(values).map(|(&x, &y)| f64::from(y) - libm::sin(position(x))).collect();
        let rms = (residuals.iter().map(|r| r * r).sum::<f64>() / n).sqrt();
        assert!((0.09..0.11).contains(&rms), "noise RMS {rms}");
        // The constant predictor's MSE is the targets' variance, ≈ 1/2 + 0.01.
        let y: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
        let y_mean = y.iter().sum::<f64>() / n;
        let y_var = y.iter().map(|v| (v - y_mean).powi(2)).sum::<f64>() / n;
        assert!((0.45..0.57).contains(&y_var), "{y_var}");
        assert_eq!(s, Dataset::Sine.generate(5));
        assert_ne!(s.inputs, Dataset::Sine.generate(6).inputs);
        let picked = s.select(&[7, 3]);
        assert_eq!(picked.inputs, [s.inputs[7], s.inputs[3]]);
        assert_eq!(picked.targets, Targets::Values { values: vec![values[7], values[3]], n_outputs: 1 });
    }

    #[test]
    fn select_into_reuses_the_buffers_and_matches_select() {
        let s = Dataset::Xor.generate(2);
        let mut out = s.select(&[1, 2, 3, 4]);
        let capacity = out.inputs.as_ptr();
        s.select_into(&[9, 0], &mut out);
        assert_eq!(out, s.select(&[9, 0]));
        assert_eq!(out.inputs.as_ptr(), capacity);
        assert_eq!(labels(&out), [labels(&s)[9], labels(&s)[0]]);
    }

    #[test]
    fn probe_batch_depends_only_on_seed_and_size() {
        let cfg = |seed, batch| ExperimentConfig { seed, batch, ..ExperimentConfig::default() };
        let a = probe_batch_indices(&cfg(1, 64), N_EXAMPLES);
        assert_eq!(a.len(), 64);
        assert_eq!(a, probe_batch_indices(&ExperimentConfig { depth: 3, data: Dataset::Xor, ..cfg(1, 64) }, N_EXAMPLES));
        assert_eq!(&probe_batch_indices(&cfg(1, 1024), N_EXAMPLES)[..64], &a[..], "a larger batch extends the smaller one");
        assert_ne!(a, probe_batch_indices(&cfg(2, 64), N_EXAMPLES));
        let mut all = probe_batch_indices(&cfg(1, 1024), N_EXAMPLES);
        all.sort_unstable();
        assert_eq!(all, (0..N_EXAMPLES).collect::<Vec<_>>());
        let s = Dataset::Spiral.generate(1).select(&a[..2]);
        assert_eq!(s.len(), 2);
    }
}
