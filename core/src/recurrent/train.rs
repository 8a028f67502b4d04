//! Training a recurrent network on its task, in chunks of steps.
//!
//! Each step draws a fresh batch of sequences from the config's `Stream::BatchOrder` (the tasks
//! are generated, so there is no finite training set to order), runs BPTT, clips with
//! `crate::clip` and updates with `crate::optim`. The fixed sequences of `Stream::Data` serve
//! as probe batch and evaluation set. Same config, optimizer, clipping and chunking → the same
//! bits, natively and in wasm.

use serde::{Deserialize, Serialize};

use crate::clip::ClipConfig;
use crate::optim::{Optimizer, OptimizerConfig, OptimizerKind};
use crate::rng::{Rng, Stream};

use super::net::RecurrentNet;
use super::probe::{probe_batch, TimeProbe};
use super::RecurrentConfig;

/// The recurrent lab's training defaults: Adam at lr 1e-2 (ten times PyTorch's default, which
/// needs about twice the steps on the adding problem) with clip_grad_norm_ at 1.
pub fn default_optimizer() -> OptimizerConfig {
    OptimizerConfig { lr: 1e-2, ..OptimizerConfig::for_kind(OptimizerKind::Adam) }
}

/// See `default_optimizer`.
pub const DEFAULT_CLIP: ClipConfig = ClipConfig::Norm(1.0);

/// Held-out sequences the page and `gradscope train` score a recurrent network on
/// (`Trainer::evaluate`).
pub const EVALUATION_SEQUENCES: usize = 256;

/// What a chunk of training steps did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChunkSnapshot {
    /// Steps taken since the start, after this chunk.
    pub step: u64,
    /// Steps this chunk took (fewer than asked if training diverged).
    pub steps_in_chunk: usize,
    /// Mean training loss over the chunk's steps.
    #[serde(with = "crate::serde_float")]
    pub mean_loss: f64,
    /// The training loss of each step of the chunk, in order (on that step's fresh batch):
    /// however steps are chunked, the same step has the same loss.
    #[serde(with = "crate::serde_float::vec")]
    pub losses: Vec<f64>,
    /// Steps of this chunk whose gradient clipping changed.
    pub clip_events: usize,
    /// Largest global gradient norm (before clipping) in the chunk.
    #[serde(with = "crate::serde_float")]
    pub max_grad_norm: f64,
    /// The step whose loss or gradient first was NaN or ±∞; training stops there, no update.
    pub diverged_at: Option<u64>,
    /// Gradients and gates through time on the chunk's last batch, before clipping.
    pub probe: Option<TimeProbe>,
}

/// A recurrent network, its optimizer and its stream of training batches.
#[derive(Clone, Debug)]
pub struct Trainer {
    config: RecurrentConfig,
    net: RecurrentNet,
    optimizer: Optimizer,
    clip: ClipConfig,
    batches: Rng,
    step: u64,
    diverged_at: Option<u64>,
}

impl Trainer {
    /// A fresh network for `config`, or the reason a setting is invalid.
    pub fn new(config: &RecurrentConfig, optimizer: OptimizerConfig, clip: ClipConfig) -> Result<Self, String> {
        config.validate()?;
        optimizer.validate()?;
        if let Some(threshold) = clip.threshold() {
            ClipConfig::new(clip.method(), threshold)?;
        }
        Ok(Trainer {
            config: config.clone(),
            net: RecurrentNet::new(config),
            optimizer: Optimizer::new(optimizer),
            clip,
            batches: Rng::new(config.seed, Stream::BatchOrder),
            step: 0,
            diverged_at: None,
        })
    }

    pub fn config(&self) -> &RecurrentConfig {
        &self.config
    }

    pub fn net(&self) -> &RecurrentNet {
        &self.net
    }

    /// Steps taken so far.
    pub fn step_count(&self) -> u64 {
        self.step
    }

    /// The step whose loss or gradient first was not finite; no step is taken after it.
    pub fn diverged_at(&self) -> Option<u64> {
        self.diverged_at
    }

    /// New optimizer settings from the next step on (see `Optimizer::set_config`).
    pub fn set_optimizer(&mut self, optimizer: OptimizerConfig) -> Result<(), String> {
        optimizer.validate()?;
        self.optimizer.set_config(optimizer);
        Ok(())
    }

    pub fn set_clip(&mut self, clip: ClipConfig) {
        self.clip = clip;
    }

    /// Takes up to `steps` training steps (none once diverged).
    pub fn run(&mut self, steps: usize) -> ChunkSnapshot {
        let cfg = &self.config;
        let mut snapshot = ChunkSnapshot { step: self.step, steps_in_chunk: 0, mean_loss: f64::NAN, losses: Vec::with_capacity(steps.min(1024)), clip_events: 0, max_grad_norm: 0.0, diverged_at: self.diverged_at, probe: None };
        let mut loss_sum = 0.0;
        for index in 0..steps {
            if self.diverged_at.is_some() {
                break;
            }
            let batch = cfg.task.batch(cfg.seq, cfg.batch, &mut self.batches);
            let loss = self.net.loss_and_grads(&batch, None, cfg.tbptt);
            if index + 1 == steps {
                snapshot.probe = Some(TimeProbe::measure(&self.net, loss, cfg.task.baseline_loss()));
            }
            let report = self.clip.apply(&mut self.net.grads.tensors_mut());
            self.step += 1;
            if !loss.is_finite() || !report.total_norm.is_finite() {
                self.diverged_at = Some(self.step);
                snapshot.probe = Some(TimeProbe::measure(&self.net, loss, cfg.task.baseline_loss()));
                break;
            }
            loss_sum += loss;
            snapshot.losses.push(loss);
            snapshot.steps_in_chunk += 1;
            snapshot.clip_events += usize::from(report.clipped);
            snapshot.max_grad_norm = snapshot.max_grad_norm.max(report.total_norm);
            let net = &mut self.net;
            self.optimizer.step(net.params.tensors_mut().into_iter().zip(net.grads.tensors()));
        }
        snapshot.step = self.step;
        snapshot.diverged_at = self.diverged_at;
        if snapshot.steps_in_chunk > 0 {
            snapshot.mean_loss = loss_sum / snapshot.steps_in_chunk as f64;
        }
        snapshot
    }

    /// Mean loss of the current weights on the first `sequences` sequences of the evaluation
    /// set (`Stream::Data`, never trained on), evaluated in batches of the configured size.
    pub fn evaluate(&mut self, sequences: usize) -> f64 {
        let cfg = &self.config;
        let mut data = Rng::new(cfg.seed, Stream::Data);
        let (mut total, mut done) = (0.0, 0);
        let mut grad = Vec::new();
        while done < sequences {
            let size = cfg.batch.min(sequences - done);
            let batch = cfg.task.batch(cfg.seq, size, &mut data);
            self.net.forward(&batch.inputs, size, None);
            let outputs = self.net.readout(batch.output_steps);
            total += batch.targets.loss(outputs, cfg.task.n_outputs(), &mut grad) * size as f64;
            done += size;
        }
        total / sequences as f64
    }

    /// The probe through time with the current weights on the fixed probe batch.
    pub fn probe(&mut self) -> TimeProbe {
        let batch = probe_batch(&self.config);
        let loss = self.net.loss_and_grads(&batch, None, self.config.tbptt);
        TimeProbe::measure(&self.net, loss, self.config.task.baseline_loss())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;
    use crate::recurrent::{Model, RecurrentInit, Task};

    fn adam(lr: f32) -> OptimizerConfig {
        OptimizerConfig { lr, ..OptimizerConfig::for_kind(OptimizerKind::Adam) }
    }

    fn small(model: Model, task: Task) -> RecurrentConfig {
        RecurrentConfig { model, task, hidden: 8, seq: 12, batch: 4, ..RecurrentConfig::default() }
    }

    fn bits(params: &crate::recurrent::Params) -> Vec<u32> {
        params.tensors().iter().flat_map(|t| t.iter().map(|v| v.to_bits())).collect()
    }

    #[test]
    fn training_is_bit_identical_twice_and_independent_of_chunking() {
        for &model in Model::ALL {
            for task in [Task::Adding, Task::Copy] {
                let cfg = small(model, task);
                let run = |chunks: &[usize]| {
                    let mut trainer = Trainer::new(&cfg, adam(1e-2), ClipConfig::Norm(0.5)).unwrap();
                    let snapshots: Vec<String> = chunks.iter().map(|&n| serde_json::to_string(&trainer.run(n)).unwrap()).collect();
                    (snapshots, bits(&trainer.net().params), trainer.evaluate(10).to_bits())
                };
                let (first, params, eval) = run(&[5, 5]);
                assert_eq!((first.clone(), params.clone(), eval), run(&[5, 5]), "{model} {task}");
                let (_, chunked_differently, _) = run(&[3, 7]);
                assert_eq!(params, chunked_differently, "{model} {task}: chunking changed the weights");
                // The page evaluates between chunks; that must not change the training either.
                let mut evaluated = Trainer::new(&cfg, adam(1e-2), ClipConfig::Norm(0.5)).unwrap();
                evaluated.run(4);
                evaluated.evaluate(9);
                evaluated.probe();
                evaluated.run(6);
                assert_eq!(bits(&evaluated.net().params), params, "{model} {task}: evaluating changed the weights");
                let snapshot: ChunkSnapshot = serde_json::from_str(&first[1]).unwrap();
                assert_eq!((snapshot.step, snapshot.steps_in_chunk, snapshot.diverged_at), (10, 5, None));
                assert_eq!(snapshot.probe.unwrap().grad_h_norm.len(), 12);
            }
        }
    }

    #[test]
    fn clip_events_are_counted() {
        let cfg = small(Model::Rnn, Task::Copy);
        let mut tight = Trainer::new(&cfg, adam(1e-3), ClipConfig::Norm(1e-3)).unwrap();
        let snapshot = tight.run(4);
        assert_eq!(snapshot.clip_events, 4, "every gradient is above 1e-3");
        assert!(snapshot.max_grad_norm > 1e-3);
        let mut loose = Trainer::new(&cfg, adam(1e-3), ClipConfig::Norm(1e6)).unwrap();
        assert_eq!(loose.run(4).clip_events, 0);
    }

    #[test]
    fn an_exploding_network_stops_with_a_report_instead_of_a_panic() {
        // relu with W_hh = 3·I: h grows like 3^t and overflows f32 within 200 steps.
        let cfg = RecurrentConfig { model: Model::Rnn, nonlinearity: Activation::Relu, rinit: RecurrentInit::Identity, gain: Some(3.0), seq: 200, hidden: 8, batch: 4, ..RecurrentConfig::default() };
        let mut trainer = Trainer::new(&cfg, adam(1e-3), ClipConfig::None).unwrap();
        let before = bits(&trainer.net().params);
        let snapshot = trainer.run(3);
        assert_eq!((snapshot.diverged_at, snapshot.steps_in_chunk, snapshot.step), (Some(1), 0, 1));
        assert!(!snapshot.probe.unwrap().loss.is_finite());
        assert_eq!(bits(&trainer.net().params), before, "no update from a non-finite gradient");
        assert_eq!(trainer.run(3).step, 1, "stays stopped");
        assert_eq!(trainer.diverged_at(), Some(1));
    }

    /// Steps of the recurrent lab's default example: the page's "Compare RNN, LSTM and GRU"
    /// trains them side by side, and this is where the contrast has become clear.
    const DEFAULT_EXAMPLE_STEPS: usize = 800;

    /// The recurrent lab's default example: the adding problem at T = 30, hidden 32, batch 32,
    /// seed 1, the lab's defaults (Adam lr 1e-2, clip_grad_norm 1). After 800 steps the plain
    /// RNN is still at the baseline MSE 1/6 while LSTM and GRU solve the task. Measured
    /// (evaluation MSE on the 256 held-out sequences, every 100 steps, release build): the GRU
    /// leaves the baseline at step ~200 (0.001 at 300), the LSTM at ~550 (0.002 at 600), the
    /// RNN stays at 0.174–0.18 through step 3000. Seeds 2 and 3 alike: LSTM by 500–600, GRU by
    /// 200–300, RNN at the baseline through 800.
    ///
    /// Other shapes (same optimizer): at hidden 32 and T = 50 the LSTM needs ~900 steps; at
    /// hidden 64 and T = 50 (three times the cost per step) ~500–1000 (seeds 1–3), the GRU
    /// < 250, and the RNN stays at 0.16–0.19 for 10 000 steps. With Adam's default lr 1e-3
    /// everything is slower and the RNN is not hopeless, only far behind (hidden 64, T = 50:
    /// GRU learns from ~1000, LSTM ~1500, RNN ~6500). At T = 100 the LSTM needs luck (seed 2
    /// not within 1500 steps at lr 1e-2).
    #[test]
    fn the_default_example_leaves_the_rnn_at_the_baseline_while_lstm_and_gru_learn() {
        let baseline = Task::Adding.baseline_loss();
        for &model in Model::ALL {
            let cfg = RecurrentConfig { model, ..RecurrentConfig::default() };
            assert_eq!((cfg.task, cfg.seq, cfg.hidden, cfg.batch, cfg.seed), (Task::Adding, 30, 32, 32, 1), "the example documented above");
            let mut trainer = Trainer::new(&cfg, default_optimizer(), DEFAULT_CLIP).unwrap();
            let snapshot = trainer.run(DEFAULT_EXAMPLE_STEPS);
            assert_eq!((snapshot.step, snapshot.diverged_at), (DEFAULT_EXAMPLE_STEPS as u64, None));
            let mse = trainer.evaluate(EVALUATION_SEQUENCES);
            if model == Model::Rnn {
                assert!((mse / baseline - 1.0).abs() < 0.15, "the RNN is not within 15% of the baseline: {mse}");
            } else {
                assert!(mse < 0.05 * baseline, "{model} is not below 5% of the baseline: {mse}");
            }
        }
    }

    #[test]
    fn bad_settings_are_errors() {
        let cfg = RecurrentConfig { hidden: 1, ..RecurrentConfig::default() };
        assert!(Trainer::new(&cfg, adam(1e-3), ClipConfig::None).unwrap_err().starts_with("hidden"));
        let cfg = RecurrentConfig::default();
        assert!(Trainer::new(&cfg, adam(f32::NAN), ClipConfig::None).unwrap_err().starts_with("lr"));
        assert!(Trainer::new(&cfg, adam(1e-3), ClipConfig::Norm(-1.0)).unwrap_err().starts_with("clipv"));
    }
}
