//! The reference training workload of the TensorFlow.js comparison (/work/shared/peers): what
//! `cargo xtask bench` times natively and in the browser worker.

use crate::clip::ClipMethod;
use crate::config::{Activation, ExperimentConfig, Init};
use crate::data::{Samples, Targets};
use crate::optim::OptimizerKind;
use crate::rng::{Rng, Stream};

use super::Trainer;

/// A trainer for the reference MLP step: `layers` dense layers of `width` units (input width
/// `width` too, so `depth = layers − 1` hidden ReLU layers and a linear readout of `width`),
/// He-normal weights, MSE against a fixed random N(0, 1) target, plain SGD at lr 1e-3, the
/// same `batch` of N(0, 1) inputs every step. Time `advance(k)` on it: the caller owns the
/// clock (wasm has no `std::time`); each call also evaluates `batch / 4` examples once.
/// `layers` must be 2..=201 and `width` 2..=512 (the config's ranges), `batch` 1..=1024.
pub fn reference_benchmark(layers: usize, width: usize, batch: usize) -> Result<Trainer, String> {
    let depth = layers.checked_sub(1).filter(|d| ExperimentConfig::DEPTH.contains(d));
    let (Some(depth), true, true) = (depth, ExperimentConfig::WIDTH.contains(&width), ExperimentConfig::BATCH.contains(&batch)) else {
        return Err(format!("no reference shape (L, W, B) = ({layers}, {width}, {batch}): L must be 2..=201, W 2..=512, B 1..=1024"));
    };
    let cfg = ExperimentConfig {
        depth,
        width,
        batch,
        act: Activation::Relu,
        init: Init::KaimingNormal,
        bn: false,
        res: false,
        opt: OptimizerKind::Sgd,
        lr: 1e-3,
        mom: 0.0,
        wd: 0.0,
        clip: ClipMethod::None,
        ..ExperimentConfig::default()
    };
    let mut rng = Rng::new(cfg.seed, Stream::Data);
    let mut normals = |n: usize| (0..n).map(|_| rng.normal() as f32).collect::<Vec<f32>>();
    let inputs = normals(batch * width);
    let values = normals(batch * width);
    Trainer::with_samples(&cfg, Samples { inputs, n_features: width, targets: Targets::Values { values, n_outputs: width } })
}
