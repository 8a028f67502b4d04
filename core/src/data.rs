//! TensorFlow Playground's 2-D two-class datasets (playground/src/dataset.ts), generated from
//! the config's data stream, plus the probe's batch.
//!
//! Generation follows the Playground's recipes with its noise setting at 10 %; then each input
//! feature is standardized to mean 0 and variance 1 over all examples, so the first layer sees
//! unit-variance inputs whatever the dataset.

use core::f64::consts::PI;

use crate::config::{Dataset, ExperimentConfig};
use crate::rng::{Rng, Stream};

/// Examples per dataset (the largest batch).
pub const N_EXAMPLES: usize = 1024;
/// The Playground's noise setting (its slider's 10 %).
pub const NOISE: f64 = 0.1;

/// What the network is asked to predict. Classification only so far; a regression variant
/// (real-valued targets for MSE) belongs here.
#[derive(Clone, Debug, PartialEq)]
pub enum Targets {
    Classes { labels: Vec<usize>, n_classes: usize },
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
        match &self.targets {
            Targets::Classes { n_classes, .. } => *n_classes,
        }
    }

    /// The examples at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Samples {
        let d = self.n_features;
        let inputs = indices.iter().flat_map(|&i| self.inputs[i * d..(i + 1) * d].iter().copied()).collect();
        let targets = match &self.targets {
            Targets::Classes { labels, n_classes } => {
                Targets::Classes { labels: indices.iter().map(|&i| labels[i]).collect(), n_classes: *n_classes }
            }
        };
        Samples { inputs, n_features: d, targets }
    }
}

impl Dataset {
    /// The dataset for `seed`: N_EXAMPLES points, half of each class, standardized inputs.
    pub fn generate(self, seed: u64) -> Samples {
        let mut rng = Rng::new(seed, Stream::Data);
        let half = N_EXAMPLES / 2;
        let mut points: Vec<([f64; 2], usize)> = Vec::with_capacity(N_EXAMPLES);
        match self {
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
        standardize(&points)
    }
}

/// Shifts and scales each feature to mean 0 and variance 1 over all points.
fn standardize(points: &[([f64; 2], usize)]) -> Samples {
    let n = points.len() as f64;
    let mut inputs = vec![0.0f32; points.len() * 2];
    for feature in 0..2 {
        let mean = points.iter().map(|(p, _)| p[feature]).sum::<f64>() / n;
        let var = points.iter().map(|(p, _)| (p[feature] - mean) * (p[feature] - mean)).sum::<f64>() / n;
        let scale = 1.0 / var.sqrt();
        for (i, (p, _)) in points.iter().enumerate() {
            inputs[i * 2 + feature] = ((p[feature] - mean) * scale) as f32;
        }
    }
    let labels = points.iter().map(|&(_, label)| label).collect();
    Samples { inputs, n_features: 2, targets: Targets::Classes { labels, n_classes: 2 } }
}

/// Indices of the probe's batch: the first `batch` entries of a permutation drawn from the
/// batch-order stream (so the batch does not depend on the data or the weights).
pub fn probe_batch_indices(cfg: &ExperimentConfig) -> Vec<usize> {
    let mut order = Rng::new(cfg.seed, Stream::BatchOrder).permutation(N_EXAMPLES);
    order.truncate(cfg.batch.min(N_EXAMPLES));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(s: &Samples) -> &[usize] {
        match &s.targets {
            Targets::Classes { labels, .. } => labels,
        }
    }

    #[test]
    fn every_dataset_is_standardized_balanced_and_deterministic() {
        for &data in Dataset::ALL {
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
    fn probe_batch_depends_only_on_seed_and_size() {
        let cfg = |seed, batch| ExperimentConfig { seed, batch, ..ExperimentConfig::default() };
        let a = probe_batch_indices(&cfg(1, 64));
        assert_eq!(a.len(), 64);
        assert_eq!(a, probe_batch_indices(&ExperimentConfig { depth: 3, data: Dataset::Xor, ..cfg(1, 64) }));
        assert_eq!(&probe_batch_indices(&cfg(1, 1024))[..64], &a[..], "a larger batch extends the smaller one");
        assert_ne!(a, probe_batch_indices(&cfg(2, 64)));
        let mut all = probe_batch_indices(&cfg(1, 1024));
        all.sort_unstable();
        assert_eq!(all, (0..N_EXAMPLES).collect::<Vec<_>>());
        let s = Dataset::Spiral.generate(1).select(&a[..2]);
        assert_eq!(s.len(), 2);
    }
}
