//! Training the configured MLP over time, in chunks of steps (issue 4).
//!
//! A [`Trainer`] holds the network of an `ExperimentConfig` (the same initial weights as the
//! probe: same streams), its optimizer and its batch order. [`Trainer::advance`] takes a number
//! of steps and returns a compact [`Snapshot`], which the worker posts to the page.
//!
//! Each step takes the next `batch` examples of a permutation of the dataset drawn from
//! `Stream::BatchOrder`; when fewer than `batch` are left, the epoch ends and a new
//! permutation is drawn (the leftover examples are skipped, as PyTorch's `drop_last=True`). The
//! first epoch's permutation is the probe's, so the first step's gradients are exactly the
//! probe's. Then: forward, loss (cross-entropy or MSE, fixed by the dataset), backward, clipping,
//! optimizer step.
//!
//! Training stops at the first non-finite value, in the order a step computes them: a layer's
//! pre-activation or activation in the forward pass, the loss, then per layer from the readout
//! down δ and the parameter gradients, then the updated parameters. A [`Diagnosis`] says which
//! came first and what typically fixes it; `advance` then takes no more steps.
//!
//! Determinism: the same config and the same calls (`advance`, `set_optimizer`, `set_clip`)
//! give the same bits, natively and in wasm, however the steps are chunked: measuring a chunk
//! (its snapshot, histograms, the decision boundary) never changes the training.

mod bench;
mod diagnosis;
mod views;

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::clip::{ClipConfig, ClipReport};
use crate::config::ExperimentConfig;
use crate::data::{Samples, Targets};
use crate::mlp::{Mlp, Param, ParamKind};
use crate::norm;
use crate::optim::{Optimizer, OptimizerConfig};
use crate::probe::activity;
use crate::rbm::{init_mlp, Rbm};
use crate::rng::{Rng, Stream};

pub use bench::reference_benchmark;
pub use diagnosis::{Advice, Diagnosis, Quantity, RecentGradNorms};
pub use views::{DecisionBoundary, Histogram, LayerHistograms, HISTOGRAM_BINS};

/// The evaluation subset is every `EVAL_STRIDE`-th example of the first epoch's permutation:
/// 256 of the 1024, in random order, both classes alike.
pub const EVAL_STRIDE: usize = 4;
/// How many steps of per-layer gradient norms a diagnosis shows.
pub const RECENT_STEPS: usize = 8;
/// Most examples evaluated in one forward pass (bounds the memory of `evaluate_all` and the grid).
const INFERENCE_BATCH: usize = 256;

/// Loss and accuracy of the current network on a fixed set of examples.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Mean loss: cross-entropy, or MSE for a regression dataset.
    #[serde(with = "crate::serde_float")]
    pub loss: f64,
    /// Fraction of examples whose largest logit is their class (an example with a non-finite
    /// logit counts as wrong); `None` for regression.
    pub accuracy: Option<f64>,
}

/// One layer at the last step of a chunk. Before the first step every measured field is NaN.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerSnapshot {
    /// 1-based; `depth + 1` is the readout.
    pub layer: usize,
    /// ‖∂L/∂W‖ before clipping.
    #[serde(with = "crate::serde_float")]
    pub grad_w_norm: f64,
    /// RMS of δ = ∂L/∂h over the batch and units (h before batch norm).
    #[serde(with = "crate::serde_float")]
    pub delta_rms: f64,
    /// ‖W‖ after the step.
    #[serde(with = "crate::serde_float")]
    pub weight_norm: f64,
    /// Update:data ratio ‖ΔW‖/‖W‖: the change the optimizer made to W (lr, momentum, adaptive
    /// scaling and weight decay included) over ‖W‖ before the step. ≈ 1e-3 is healthy.
    #[serde(with = "crate::serde_float")]
    pub update_ratio: f64,
    /// Fractions of φ outputs saturated and of units dead on the step's batch (see the probe).
    #[serde(with = "crate::serde_float")]
    pub saturated: f64,
    #[serde(with = "crate::serde_float")]
    pub dead: f64,
}

/// What a chunk of steps did: compact, for the worker to post every ~100 ms.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Training steps completed so far (a step that hit a non-finite value does not count).
    pub step: u64,
    /// Steps this chunk completed: fewer than asked once training stopped.
    pub steps_in_chunk: usize,
    /// Mean and last training (batch) loss of the chunk's steps; NaN without steps.
    #[serde(with = "crate::serde_float")]
    pub loss_mean: f64,
    #[serde(with = "crate::serde_float")]
    pub loss_last: f64,
    /// The network after the chunk on the evaluation subset (`EVAL_STRIDE`).
    pub eval: Evaluation,
    /// Global gradient norm before clipping at the chunk's last step; NaN without steps.
    #[serde(with = "crate::serde_float")]
    pub grad_norm: f64,
    /// The same after clipping (what the optimizer got): `grad_norm` when clipping is off or
    /// did not change that step.
    #[serde(with = "crate::serde_float")]
    pub grad_norm_clipped: f64,
    /// Steps of the chunk whose gradient clipping changed.
    pub clip_events: usize,
    /// Per layer, at the last step taken (this chunk's or an earlier one's).
    pub layers: Vec<LayerSnapshot>,
    /// Why training stopped, once it has.
    pub diagnosis: Option<Diagnosis>,
}

/// What does not change while training: the experiment and its data.
#[derive(Clone, Debug)]
struct Setup {
    config: ExperimentConfig,
    samples: Samples,
    /// The first epoch's permutation (the probe's), from which the evaluation subset comes.
    first_epoch: Vec<usize>,
    eval: Samples,
    /// The layer (0-based) and kind of each parameter, in `Mlp::params` order.
    owners: Vec<(usize, ParamKind)>,
    /// RBMs that initialize the first hidden layers (greedy pretraining), bottom first; empty
    /// for the configured initialization alone. A reset goes back to them.
    pretrained: Vec<Rbm>,
}

/// Everything a reset restores.
#[derive(Clone, Debug)]
struct State {
    mlp: Mlp,
    optimizer: Optimizer,
    clip: ClipConfig,
    order: Rng,
    epoch: Vec<usize>,
    /// Next unused position in `epoch`.
    position: usize,
    step: u64,
    layers: Vec<LayerSnapshot>,
    recent: VecDeque<RecentGradNorms>,
    diagnosis: Option<Diagnosis>,
}

/// Buffers reused from step to step.
#[derive(Clone, Debug)]
struct Scratch {
    batch: Samples,
    grad_outputs: Vec<f32>,
    delta_rms: Vec<f64>,
    grad_norms: Vec<f64>,
}

/// An MLP in training. See the module documentation.
#[derive(Clone, Debug)]
pub struct Trainer {
    setup: Setup,
    state: State,
    scratch: Scratch,
}

/// A step's first non-finite value: 1-based layer, what it was, and the value (or the norm
/// holding it: NaN or ±∞).
type Found = (usize, Quantity, f64);

impl Trainer {
    /// The network, data and optimizer `cfg` describes, before its first step. Batch, depth
    /// and width outside their ranges are clamped (as the probe does); optimizer and clipping
    /// values outside theirs are an error, naming the link key.
    pub fn new(cfg: &ExperimentConfig) -> Result<Self, String> {
        Trainer::with_samples(cfg, cfg.data.generate(cfg.seed))
    }

    /// Fine-tuning: the same, but starting from the pretrained `stack` in the first hidden
    /// layers (`rbm::init_mlp`; `reset` returns to it). Errs when the stack does not fit.
    pub fn pretrained(cfg: &ExperimentConfig, stack: Vec<Rbm>) -> Result<Self, String> {
        Trainer::build(cfg, cfg.data.generate(cfg.seed), stack)
    }

    /// Trains on `samples` instead of `cfg.data` (benchmarks, tests); `batch` is capped at
    /// their number.
    pub fn with_samples(cfg: &ExperimentConfig, samples: Samples) -> Result<Self, String> {
        Trainer::build(cfg, samples, Vec::new())
    }

    fn build(cfg: &ExperimentConfig, samples: Samples, pretrained: Vec<Rbm>) -> Result<Self, String> {
        if samples.is_empty() {
            return Err("there are no examples to train on".to_owned());
        }
        let mut config = cfg.with_clamped_shape();
        config.batch = config.batch.min(samples.len());
        config.optimizer().validate()?;
        config.clipping()?;
        let first_epoch = Rng::new(config.seed, Stream::BatchOrder).permutation(samples.len());
        let eval_indices: Vec<usize> = first_epoch.iter().copied().step_by(EVAL_STRIDE).collect();
        let eval = samples.select(&eval_indices);
        let mut setup = Setup { config, samples, first_epoch, eval, owners: Vec::new(), pretrained };
        init_mlp(&setup.pretrained, &mut Mlp::new(&setup.config, setup.samples.n_features, setup.samples.n_outputs()))?;
        let state = State::new(&setup);
        setup.owners = state.mlp.layers.iter().enumerate().flat_map(|(i, layer)| layer.params().map(move |p| (i, p.kind))).collect();
        let scratch = Scratch {
            batch: setup.samples.select(&[]),
            grad_outputs: Vec::new(),
            delta_rms: vec![f64::NAN; state.mlp.layers.len()],
            grad_norms: vec![f64::NAN; setup.owners.len()],
        };
        Ok(Trainer { setup, state, scratch })
    }

    /// The experiment, with the current optimizer and clipping settings.
    pub fn config(&self) -> &ExperimentConfig {
        &self.setup.config
    }

    pub fn mlp(&self) -> &Mlp {
        &self.state.mlp
    }

    /// Steps completed so far.
    pub fn step_count(&self) -> u64 {
        self.state.step
    }

    /// Why training stopped, once it has.
    pub fn diagnosis(&self) -> Option<&Diagnosis> {
        self.state.diagnosis.as_ref()
    }

    /// New optimizer settings from the next step on, keeping the weights; the optimizer's
    /// state (momentum, Adam's moments) is kept unless the kind changes (`Optimizer::set_config`).
    pub fn set_optimizer(&mut self, optimizer: OptimizerConfig) -> Result<(), String> {
        optimizer.validate()?;
        self.state.optimizer.set_config(optimizer);
        self.setup.config.set_optimizer(optimizer);
        Ok(())
    }

    /// New clipping from the next step on.
    pub fn set_clip(&mut self, clip: ClipConfig) -> Result<(), String> {
        if let Some(threshold) = clip.threshold() {
            ClipConfig::new(clip.method(), threshold)?;
        }
        self.state.clip = clip;
        self.setup.config.set_clipping(clip);
        Ok(())
    }

    /// Back to step 0: the same initial weights and batch order, a fresh optimizer with the
    /// current settings.
    pub fn reset(&mut self) {
        self.state = State::new(&self.setup);
    }

    /// Takes up to `steps` steps (none once training has stopped) and reports on them.
    pub fn advance(&mut self, steps: usize) -> Snapshot {
        let (mut loss_sum, mut loss_last, mut grad_norm, mut grad_norm_clipped) = (0.0, f64::NAN, f64::NAN, f64::NAN);
        let (mut taken, mut clip_events) = (0, 0);
        for index in 0..steps {
            if self.state.diagnosis.is_some() {
                break;
            }
            match self.step(index + 1 == steps) {
                Ok((loss, clip)) => {
                    (loss_sum, loss_last, grad_norm, grad_norm_clipped) = (loss_sum + loss, loss, clip.total_norm, clip.norm_after);
                    taken += 1;
                    clip_events += usize::from(clip.clipped);
                }
                Err(diagnosis) => self.state.diagnosis = Some(diagnosis),
            }
        }
        Snapshot {
            step: self.state.step,
            steps_in_chunk: taken,
            loss_mean: if taken > 0 { loss_sum / taken as f64 } else { f64::NAN },
            loss_last,
            eval: self.evaluate(),
            grad_norm,
            grad_norm_clipped,
            clip_events,
            layers: self.state.layers.clone(),
            diagnosis: self.state.diagnosis.clone(),
        }
    }

    /// Loss and accuracy on the evaluation subset, in one forward pass (batch norm normalizes
    /// with the subset's own statistics).
    pub fn evaluate(&mut self) -> Evaluation {
        let eval = &self.setup.eval;
        let outputs = self.state.mlp.forward(&eval.inputs, eval.len());
        let loss = eval.targets.loss(outputs, &mut self.scratch.grad_outputs);
        let correct = correct_predictions(outputs, &eval.targets);
        Evaluation { loss, accuracy: correct.map(|c| c as f64 / eval.len() as f64) }
    }

    /// Loss and accuracy on the whole dataset (batch norm normalizes with the evaluation
    /// subset's statistics, see `Mlp::forward_inference`).
    pub fn evaluate_all(&mut self) -> Evaluation {
        self.fit_batch_norm();
        let samples = &self.setup.samples;
        let (mut loss_sum, mut correct) = (0.0, Some(0));
        let indices: Vec<usize> = (0..samples.len()).collect();
        for chunk in indices.chunks(INFERENCE_BATCH) {
            let part = samples.select(chunk);
            let outputs = self.state.mlp.forward_inference(&part.inputs, part.len());
            loss_sum += part.targets.loss(outputs, &mut self.scratch.grad_outputs) * part.len() as f64;
            correct = correct.zip(correct_predictions(outputs, &part.targets)).map(|(a, b)| a + b);
        }
        let n = samples.len() as f64;
        Evaluation { loss: loss_sum / n, accuracy: correct.map(|c| c as f64 / n) }
    }

    /// With batch norm, sets its statistics to the evaluation subset's (for `forward_inference`).
    fn fit_batch_norm(&mut self) {
        if self.setup.config.bn {
            let eval = &self.setup.eval;
            self.state.mlp.forward(&eval.inputs, eval.len());
        }
    }

    /// The next batch of the epoch into `scratch.batch`, drawing a new epoch when it runs out.
    fn next_batch(&mut self) {
        let (batch, state) = (self.setup.config.batch, &mut self.state);
        if state.position + batch > state.epoch.len() {
            state.epoch = state.order.permutation(state.epoch.len());
            state.position = 0;
        }
        self.setup.samples.select_into(&state.epoch[state.position..state.position + batch], &mut self.scratch.batch);
        state.position += batch;
    }

    /// One step. `measure`: also record the per-layer snapshot (the chunk's last step).
    /// Returns the batch loss and the clipping report, or the diagnosis of the first
    /// non-finite value (then the step does not count).
    fn step(&mut self, measure: bool) -> Result<(f64, ClipReport), Diagnosis> {
        let number = self.state.step + 1;
        self.next_batch();
        let Scratch { batch, grad_outputs, delta_rms, grad_norms } = &mut self.scratch;
        let mlp = &mut self.state.mlp;
        let outputs = mlp.forward(&batch.inputs, batch.len());
        let loss = batch.targets.loss(outputs, grad_outputs);
        if let Some(found) = first_nonfinite_forward(mlp) {
            return Err(self.diagnose(number, found));
        }
        if !loss.is_finite() {
            let readout = mlp.layers.len();
            return Err(self.diagnose(number, (readout, Quantity::Loss, loss)));
        }
        mlp.backward(grad_outputs, |seen| delta_rms[seen.layer - 1] = norm::rms(seen.delta));
        for (slot, param) in grad_norms.iter_mut().zip(mlp.params()) {
            *slot = norm::frobenius(&param.grad);
        }
        let grad_w_norm = weight_entries(&self.setup.owners, grad_norms);
        let recent = &mut self.state.recent;
        if recent.len() == RECENT_STEPS {
            recent.pop_front();
        }
        recent.push_back(RecentGradNorms { step: number, grad_w_norm: grad_w_norm.clone() });
        if let Some(found) = self.first_nonfinite_backward() {
            return Err(self.diagnose(number, found));
        }

        let mlp = &mut self.state.mlp;
        // What the snapshot needs from before the update: ‖W‖, and φ's activity on this batch.
        let before = measure.then(|| {
            let weight_norms: Vec<f64> = mlp.layers.iter().map(|l| norm::frobenius(&l.weight.value)).collect();
            let activity: Vec<(f64, f64)> = mlp.layers.iter().map(|l| activity(mlp, l)).collect();
            (weight_norms, activity)
        });
        let mut grads: Vec<&mut [f32]> = mlp.params_mut().map(|p| p.grad.as_mut_slice()).collect();
        let clip = self.state.clip.apply(&mut grads);
        let changes = self.state.optimizer.step(mlp.params_mut().map(|Param { value, grad, .. }| (value.as_mut_slice(), grad.as_slice())));
        if let Some((index, &change)) = changes.iter().enumerate().find(|(_, c)| !c.is_finite()) {
            let (layer, kind) = self.setup.owners[index];
            return Err(self.diagnose(number, (layer + 1, Quantity::value_of(kind), change)));
        }
        if let Some((weight_norms, activity)) = before {
            let weight_changes = weight_entries(&self.setup.owners, &changes);
            let mlp = &self.state.mlp;
            self.state.layers = mlp
                .layers
                .iter()
                .enumerate()
                .map(|(i, layer)| LayerSnapshot {
                    layer: i + 1,
                    grad_w_norm: grad_w_norm[i],
                    delta_rms: self.scratch.delta_rms[i],
                    weight_norm: norm::frobenius(&layer.weight.value),
                    update_ratio: weight_changes[i] / weight_norms[i],
                    saturated: activity[i].0,
                    dead: activity[i].1,
                })
                .collect();
        }
        self.state.step = number;
        Ok((loss, clip))
    }

    /// The first non-finite value of the last backward pass, in the order it computes them:
    /// from the readout down, per layer δ, then the parameter gradients.
    fn first_nonfinite_backward(&self) -> Option<Found> {
        let Scratch { delta_rms, grad_norms, .. } = &self.scratch;
        (0..delta_rms.len()).rev().find_map(|i| {
            if !delta_rms[i].is_finite() {
                return Some((i + 1, Quantity::Delta, delta_rms[i]));
            }
            self.setup
                .owners
                .iter()
                .zip(grad_norms)
                .find(|((layer, _), norm)| *layer == i && !norm.is_finite())
                .map(|(&(_, kind), &norm)| (i + 1, Quantity::gradient_of(kind), norm))
        })
    }

    fn diagnose(&self, step: u64, (layer, quantity, value): Found) -> Diagnosis {
        Diagnosis::new(&self.setup.config, step, layer, quantity, value, self.state.recent.iter().cloned().collect())
    }
}

impl State {
    fn new(setup: &Setup) -> Self {
        let config = &setup.config;
        let mut mlp = Mlp::new(config, setup.samples.n_features, setup.samples.n_outputs());
        // `build` checked that the stack fits, so this cannot fail; an empty stack changes nothing.
        let _ = init_mlp(&setup.pretrained, &mut mlp);
        let mut order = Rng::new(config.seed, Stream::BatchOrder);
        let epoch = order.permutation(setup.samples.len());
        debug_assert_eq!(epoch, setup.first_epoch);
        let layers = mlp
            .layers
            .iter()
            .enumerate()
            .map(|(i, layer)| LayerSnapshot {
                layer: i + 1,
                grad_w_norm: f64::NAN,
                delta_rms: f64::NAN,
                weight_norm: norm::frobenius(&layer.weight.value),
                update_ratio: f64::NAN,
                saturated: f64::NAN,
                dead: f64::NAN,
            })
            .collect();
        State {
            mlp,
            optimizer: Optimizer::new(config.optimizer()),
            clip: config.clipping().unwrap_or_default(),
            order,
            epoch,
            position: 0,
            step: 0,
            layers,
            recent: VecDeque::with_capacity(RECENT_STEPS),
            diagnosis: None,
        }
    }
}

/// The entries of a per-parameter list that belong to weights, one per layer.
fn weight_entries(owners: &[(usize, ParamKind)], per_param: &[f64]) -> Vec<f64> {
    owners.iter().zip(per_param).filter(|((_, kind), _)| *kind == ParamKind::Weight).map(|(_, &v)| v).collect()
}

/// The first non-finite pre-activation or activation of the last forward pass, layer by layer.
fn first_nonfinite_forward(mlp: &Mlp) -> Option<Found> {
    let first = |values: &[f32]| values.iter().find(|v| !v.is_finite()).map(|&v| f64::from(v));
    mlp.layers.iter().enumerate().find_map(|(i, layer)| {
        first(layer.pre_activation())
            .map(|v| (i + 1, Quantity::PreActivation, v))
            .or_else(|| first(layer.output()).map(|v| (i + 1, Quantity::Activation, v)))
    })
}

/// How many rows of `outputs` have their largest logit at their label (the first largest on
/// ties; a row with a non-finite logit is wrong); `None` for regression targets.
fn correct_predictions(outputs: &[f32], targets: &Targets) -> Option<usize> {
    let Targets::Classes { labels, n_classes } = targets else {
        return None;
    };
    let predicted = |row: &[f32]| {
        row.iter().all(|v| v.is_finite()).then(|| row.iter().enumerate().fold(0, |best, (c, &v)| if v > row[best] { c } else { best }))
    };
    Some(outputs.chunks_exact(*n_classes).zip(labels).filter(|(row, &label)| predicted(row) == Some(label)).count())
}

#[cfg(test)]
mod tests;
