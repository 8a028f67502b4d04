//! Greedy layer-wise pretraining of a sigmoid MLP's hidden layers as stacked RBMs, and writing
//! the stack into the MLP.
//!
//! Layer 1 is an RBM on the data; when its epochs are done, the hidden probabilities p(h|v) of
//! the training and held-out examples become the visible data of layer 2, and so on. Each RBM
//! starts from W ~ N(0, 0.01²), c = 0 and b = the log-odds of its data's marginals.
//!
//! Training runs in chunks of epochs ([`Pretrainer::advance`]) so a worker can report progress;
//! the numbers do not depend on the chunking. After epoch 0 (before any update) and every epoch
//! the current layer reports its reconstruction error on the training data and the mean free
//! energies of the held-out data and of as many training examples: held-out minus training is
//! the free-energy gap, which grows when the RBM starts to fit its training examples rather
//! than their distribution (the practical guide, §6; log Z cancels in the difference).

use serde::{Deserialize, Serialize};

use crate::config::ExperimentConfig;
use crate::mlp::Mlp;
use crate::rng::{Rng, Stream};

use super::cd::CdTrainer;
use super::machine::Rbm;
use super::{check_sigmoid_plain, PretrainConfig};

/// Metrics of one layer after `epoch` epochs (0 = at its initialization).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// 1-based hidden layer (the MLP's layer number).
    pub layer: usize,
    pub epoch: usize,
    /// Mean over training examples and visible units of (v − p(v | p(h | v)))².
    #[serde(with = "crate::serde_float")]
    pub recon_error: f64,
    /// Mean free energy of the first n_held_out training examples.
    #[serde(with = "crate::serde_float")]
    pub train_free_energy: f64,
    /// Mean free energy of the held-out examples.
    #[serde(with = "crate::serde_float")]
    pub held_out_free_energy: f64,
    /// held_out_free_energy − train_free_energy: > 0 and growing = overfitting.
    #[serde(with = "crate::serde_float")]
    pub free_energy_gap: f64,
}

/// How far one layer's pretraining is (a progress bar).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerProgress {
    /// 1-based hidden layer.
    pub layer: usize,
    pub n_visible: usize,
    pub n_hidden: usize,
    pub epochs_done: usize,
    pub epochs_total: usize,
}

/// What one [`Pretrainer::advance`] call reports: the metrics recorded since the last call,
/// every layer's progress, and whether all layers are trained.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PretrainChunk {
    pub metrics: Vec<EpochMetrics>,
    pub layers: Vec<LayerProgress>,
    pub done: bool,
}

/// The layer being trained.
#[derive(Clone, Debug)]
struct Active {
    rbm: Rbm,
    trainer: CdTrainer,
    epochs_done: usize,
}

#[derive(Clone, Debug)]
pub struct Pretrainer {
    config: PretrainConfig,
    batch_size: usize,
    /// [n_inputs, hidden widths…].
    widths: Vec<usize>,
    rng: Rng,
    finished: Vec<Rbm>,
    active: Option<Active>,
    /// The active layer's visible data: the input, or the layer below's hidden probabilities.
    train: Vec<f32>,
    held_out: Vec<f32>,
    history: Vec<EpochMetrics>,
    /// How much of `history` the last chunk reported.
    reported: usize,
    batch: Vec<f32>,
}

/// [n_inputs, width, …, width]: the visible sizes of the RBMs for `cfg`'s hidden layers.
pub fn mlp_widths(cfg: &ExperimentConfig, n_inputs: usize) -> Vec<usize> {
    std::iter::once(n_inputs).chain(std::iter::repeat_n(cfg.width, cfg.depth)).collect()
}

/// The pretraining stream: Gibbs draws, batch order and RBM initial weights, in that run's
/// order. `rng::Stream` has no variant for it (rng.rs is not this module's), so it is derived
/// from the weight stream's first word and a fixed tag; it must stay fixed like the streams.
fn pretrain_rng(seed: u64) -> Rng {
    const TAG: u64 = 0x7072_6574_7261_696e; // "pretrain"
    Rng::from_seed(Rng::new(seed, Stream::Weights).next_u64() ^ TAG)
}

impl Pretrainer {
    /// Pretraining of RBMs widths[0]→widths[1], widths[1]→widths[2], … on `train` (row-major
    /// [n, widths[0]], entries in [0, 1]); `held_out` only enters the free-energy gap.
    /// Refuses, with a sentence saying why, anything it cannot train on.
    pub fn new(config: &PretrainConfig, seed: u64, batch_size: usize, widths: &[usize], train: &[f32], held_out: &[f32]) -> Result<Self, String> {
        config.validate()?;
        if widths.len() < 2 || widths.contains(&0) {
            return Err(format!("pretraining needs an input width and at least one hidden width, all positive; got {widths:?}"));
        }
        if batch_size == 0 {
            return Err("pretraining needs a batch size of at least 1".to_owned());
        }
        for (what, data) in [("training", train), ("held-out", held_out)] {
            if data.is_empty() || !data.len().is_multiple_of(widths[0]) {
                return Err(format!("the {what} data must be whole rows of {} inputs, got {} values", widths[0], data.len()));
            }
            if let Some(bad) = data.iter().find(|v| !(0.0..=1.0).contains(*v)) {
                return Err(format!("RBM pretraining needs inputs in [0, 1] (binary data), but the {what} data has {bad}"));
            }
        }
        let mut pretrainer = Pretrainer {
            config: *config,
            batch_size,
            widths: widths.to_vec(),
            rng: pretrain_rng(seed),
            finished: Vec::new(),
            active: None,
            train: train.to_vec(),
            held_out: held_out.to_vec(),
            history: Vec::new(),
            reported: 0,
            batch: Vec::new(),
        };
        pretrainer.start_layer();
        Ok(pretrainer)
    }

    /// Runs up to `max_epochs` more epochs (moving on to the next layer as each finishes).
    pub fn advance(&mut self, max_epochs: usize) -> PretrainChunk {
        for _ in 0..max_epochs {
            if self.active.is_none() {
                break;
            }
            self.run_epoch();
        }
        let metrics = self.history[self.reported..].to_vec();
        self.reported = self.history.len();
        PretrainChunk { metrics, layers: self.progress(), done: self.is_done() }
    }

    pub fn is_done(&self) -> bool {
        self.active.is_none()
    }

    /// Every layer's progress, bottom first.
    pub fn progress(&self) -> Vec<LayerProgress> {
        let finished = self.finished.len();
        let in_training = self.active.as_ref().map_or(0, |a| a.epochs_done);
        (0..self.widths.len() - 1)
            .map(|i| LayerProgress {
                layer: i + 1,
                n_visible: self.widths[i],
                n_hidden: self.widths[i + 1],
                epochs_done: if i < finished {
                    self.config.epochs
                } else if i == finished {
                    in_training
                } else {
                    0
                },
                epochs_total: self.config.epochs,
            })
            .collect()
    }

    /// Every metric recorded so far, in order.
    pub fn history(&self) -> &[EpochMetrics] {
        &self.history
    }

    /// The fully trained layers, bottom first (all of them once `is_done`).
    pub fn finished(&self) -> &[Rbm] {
        &self.finished
    }

    /// The layer in training, if any (e.g. to draw its filters live).
    pub fn in_training(&self) -> Option<&Rbm> {
        self.active.as_ref().map(|a| &a.rbm)
    }

    fn start_layer(&mut self) {
        let layer = self.finished.len();
        let mut rbm = Rbm::new(self.widths[layer], self.widths[layer + 1], &mut self.rng);
        rbm.set_visible_bias_from_data(&self.train);
        let trainer = CdTrainer::new(&self.config, &rbm);
        self.history.push(measure(layer + 1, 0, &rbm, &self.train, &self.held_out));
        self.active = Some(Active { rbm, trainer, epochs_done: 0 });
    }

    /// One pass over the training rows in a fresh random order, in mini-batches (the last may
    /// be smaller); then the metrics; then, after the last epoch, the move to the next layer.
    fn run_epoch(&mut self) {
        let Some(active) = &mut self.active else { return };
        let n_visible = active.rbm.n_visible;
        let order = self.rng.permutation(self.train.len() / n_visible);
        for rows in order.chunks(self.batch_size) {
            self.batch.clear();
            for &row in rows {
                self.batch.extend_from_slice(&self.train[row * n_visible..(row + 1) * n_visible]);
            }
            active.trainer.update(&mut active.rbm, &self.batch, &mut self.rng);
        }
        active.epochs_done += 1;
        let layer = self.finished.len() + 1;
        self.history.push(measure(layer, active.epochs_done, &active.rbm, &self.train, &self.held_out));
        if active.epochs_done == self.config.epochs {
            let Some(Active { rbm, .. }) = self.active.take() else { return };
            for data in [&mut self.train, &mut self.held_out] {
                let visible = std::mem::take(data);
                rbm.hidden_probs(&visible, data);
            }
            self.finished.push(rbm);
            if self.finished.len() < self.widths.len() - 1 {
                self.start_layer();
            }
        }
    }
}

/// `rbm`'s metrics on its visible data; the training free energy is averaged over as many
/// examples as are held out, so both means have the same sampling noise.
fn measure(layer: usize, epoch: usize, rbm: &Rbm, train: &[f32], held_out: &[f32]) -> EpochMetrics {
    let comparable = held_out.len().min(train.len());
    let train_free_energy = rbm.mean_free_energy(&train[..comparable]);
    let held_out_free_energy = rbm.mean_free_energy(held_out);
    EpochMetrics {
        layer,
        epoch,
        recon_error: rbm.reconstruction_error(train),
        train_free_energy,
        held_out_free_energy,
        free_energy_gap: held_out_free_energy - train_free_energy,
    }
}

/// Writes `stack` (bottom first) into `mlp`'s first hidden layers: W into the layer's weight
/// (both [fan_out, fan_in]) and the hidden bias c into its bias; the layers above and the
/// readout keep their initialization. Then hidden layer l of the MLP computes exactly the
/// hidden probabilities of RBM l on the layer below's output. Changes nothing on error; an
/// empty stack (no pretraining) changes nothing, whatever the network.
pub fn init_mlp(stack: &[Rbm], mlp: &mut Mlp) -> Result<(), String> {
    if stack.is_empty() {
        return Ok(());
    }
    let bn = mlp.layers.iter().any(|l| l.bn.is_some());
    let residual = mlp.layers.iter().any(|l| l.residual);
    check_sigmoid_plain(mlp.act, bn, residual)?;
    let hidden_layers = mlp.layers.iter().filter(|l| l.hidden).count();
    if stack.len() > hidden_layers {
        return Err(format!("{} pretrained layers do not fit a network with {hidden_layers} hidden layers", stack.len()));
    }
    for (i, (rbm, layer)) in stack.iter().zip(&mlp.layers).enumerate() {
        if (rbm.n_visible, rbm.n_hidden) != (layer.fan_in, layer.fan_out) {
            return Err(format!(
                "pretrained layer {} is {}→{} but the network's layer {} is {}→{}",
                i + 1,
                rbm.n_visible,
                rbm.n_hidden,
                i + 1,
                layer.fan_in,
                layer.fan_out
            ));
        }
    }
    for (rbm, layer) in stack.iter().zip(&mut mlp.layers) {
        layer.weight.value.copy_from_slice(&rbm.weight);
        layer.bias.value.copy_from_slice(&rbm.hidden_bias);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Activation, Init};
    use crate::rbm::binary_data::{bars_and_stripes_patterns, split_held_out, BinaryDataset};
    use crate::rbm::machine::tests::{bits, energy};
    use crate::rbm::Pretrain;

    fn config(epochs: usize) -> PretrainConfig {
        PretrainConfig { method: Pretrain::Rbm, epochs, ..PretrainConfig::default() }
    }

    /// log Σ exp(xᵢ), shifting by the maximum.
    fn log_sum_exp(xs: impl Iterator<Item = f64>) -> f64 {
        let xs: Vec<f64> = xs.collect();
        let max = xs.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x));
        max + libm::log(xs.iter().map(|&x| libm::exp(x - max)).sum::<f64>())
    }

    /// Exact mean log-likelihood of binary rows `data` under `rbm`, by enumerating all
    /// 2^(n_v + n_h) joint states for log Z and all 2^n_h hidden states per example, with the
    /// energy function alone (independent of `free_energies`).
    fn exact_log_likelihood(rbm: &Rbm, data: &[f32]) -> f64 {
        let (nv, nh) = (rbm.n_visible, rbm.n_hidden);
        let hiddens: Vec<Vec<f64>> = (0..1 << nh).map(|k| bits(k, nh)).collect();
        let log_unnormalized = |v: &[f64]| log_sum_exp(hiddens.iter().map(|h| -energy(rbm, v, h)));
        let log_z = log_sum_exp((0..1 << nv).map(|k| log_unnormalized(&bits(k, nv))));
        let rows: Vec<f64> = data.chunks(nv).map(|row| log_unnormalized(&row.iter().map(|&x| f64::from(x)).collect::<Vec<_>>()) - log_z).collect();
        rows.iter().sum::<f64>() / rows.len() as f64
    }

    /// Exact log-likelihood of 3×3 bars and stripes (14 equally likely patterns, so at best
    /// −ln 14 = −2.64; a uniform model over 2⁹ images scores −9 ln 2 = −6.24) under an RBM
    /// with 8 hidden units, after 0, 50, 200 and 400 epochs.
    fn log_likelihood_curve(cfg: &PretrainConfig) -> Vec<f64> {
        let patterns = bars_and_stripes_patterns(3);
        let train: Vec<f32> = patterns.iter().copied().cycle().take(patterns.len() * 4).collect();
        let mut pretrainer = Pretrainer::new(&PretrainConfig { epochs: 400, ..*cfg }, 3, 8, &[9, 8], &train, &patterns).unwrap();
        let mut curve = vec![exact_log_likelihood(pretrainer.in_training().unwrap(), &patterns)];
        for chunk in [50, 150, 200] {
            pretrainer.advance(chunk);
            let rbm = pretrainer.in_training().or(pretrainer.finished().last()).unwrap();
            curve.push(exact_log_likelihood(rbm, &patterns));
        }
        curve
    }

    /// Starts uniform (tiny weights, visible biases at the marginals ½), then, once the hidden
    /// units have broken their symmetry (the first tens of epochs are a plateau, where noisy
    /// bias updates may cost a few hundredths of a nat), gains at every checkpoint.
    fn assert_learns(curve: &[f64], final_at_least: f64) {
        assert!((curve[0] + 9.0 * std::f64::consts::LN_2).abs() < 0.01, "starts uniform: {curve:?}");
        assert!(curve[1] > curve[0] - 0.05 && curve[2] > curve[1] && curve[3] > curve[2], "increases: {curve:?}");
        assert!(curve[3] > final_at_least, "{curve:?}");
    }

    #[test]
    fn exact_log_likelihood_increases_under_cd1() {
        let curve = log_likelihood_curve(&config(0));
        eprintln!("CD-1 log-likelihood after 0, 50, 200, 400 epochs: {curve:?}");
        assert_learns(&curve, -3.5);
    }

    #[test]
    fn exact_log_likelihood_increases_under_persistent_cd() {
        // PCD's chains must mix while the weights move: a smaller step than CD's.
        let curve = log_likelihood_curve(&PretrainConfig { persistent: true, lr: 0.05, momentum: 0.5, ..config(0) });
        eprintln!("PCD-1 log-likelihood after 0, 50, 200, 400 epochs: {curve:?}");
        assert_learns(&curve, -4.7);
    }

    fn pretrainer(data: BinaryDataset, seed: u64, widths: &[usize], epochs: usize) -> Pretrainer {
        let (train, held_out) = split_held_out(&data.generate(seed));
        Pretrainer::new(&config(epochs), seed, 32, widths, &train.inputs, &held_out.inputs).unwrap()
    }

    fn digits_pretrainer(seed: u64, widths: &[usize], epochs: usize) -> Pretrainer {
        pretrainer(BinaryDataset::Digits, seed, widths, epochs)
    }

    #[test]
    fn reconstruction_error_decreases_in_every_layer() {
        let mut pretrainer = digits_pretrainer(1, &[64, 32, 16], 4);
        let chunk = pretrainer.advance(usize::MAX);
        assert!(chunk.done);
        assert_eq!(chunk.metrics.len(), 2 * 5, "epochs 0..=4 of each layer");
        for layer in [1, 2] {
            let curve: Vec<f64> = chunk.metrics.iter().filter(|m| m.layer == layer).map(|m| m.recon_error).collect();
            eprintln!("layer {layer} reconstruction error by epoch: {curve:?}");
            assert!(curve[4] < 0.7 * curve[0], "layer {layer}: {curve:?}");
        }
        assert!(chunk.metrics.iter().all(|m| m.free_energy_gap.is_finite()));
    }

    #[test]
    fn free_energy_gap_opens_when_the_rbm_overfits_few_examples() {
        // 16 training digits and 64 hidden units: the RBM can memorize them, so their free
        // energy falls below that of unseen digits, and the gap grows. (It starts above 0: the
        // visible biases are the log-odds of these 16 digits, which leave some pixels always off.)
        let (train, held_out) = split_held_out(&BinaryDataset::Digits.generate(5));
        let few = &train.inputs[..16 * 64];
        let cfg = PretrainConfig { weight_decay: 0.0, ..config(100) };
        let mut pretrainer = Pretrainer::new(&cfg, 5, 16, &[64, 64], few, &held_out.inputs[..100 * 64]).unwrap();
        let metrics = pretrainer.advance(usize::MAX).metrics;
        let gaps: Vec<f64> = metrics.iter().step_by(20).map(|m| m.free_energy_gap).collect();
        eprintln!("free-energy gap every 20 epochs: {gaps:?}");
        // After the symmetric plateau of the first epochs it widens steadily.
        assert!(gaps[1..].windows(2).all(|w| w[1] > w[0]), "{gaps:?}");
        assert!(*gaps.last().unwrap() > gaps[0] + 10.0, "{gaps:?}");
    }

    #[test]
    fn pretraining_is_bit_identical_for_a_seed_whatever_the_chunking() {
        let bars = |seed| pretrainer(BinaryDataset::BarsStripes, seed, &[16, 12, 8], 3);
        let whole = {
            let mut p = bars(9);
            p.advance(usize::MAX);
            p
        };
        let chunked = {
            let mut p = bars(9);
            let mut metrics = Vec::new();
            while !p.is_done() {
                metrics.extend(p.advance(1).metrics);
            }
            assert_eq!(metrics.len(), whole.history().len(), "every metric reported once");
            p
        };
        let fingerprint = |p: &Pretrainer| -> Vec<u64> {
            let params = p.finished().iter().flat_map(|r| r.weight.iter().chain(&r.visible_bias).chain(&r.hidden_bias)).map(|v| u64::from(v.to_bits()));
            let metrics = p.history().iter().flat_map(|m| [m.recon_error, m.train_free_energy, m.held_out_free_energy, m.free_energy_gap]).map(f64::to_bits);
            params.chain(metrics).collect()
        };
        assert_eq!(fingerprint(&whole), fingerprint(&chunked));
        assert_eq!(whole.finished().len(), 2);
        let other_seed = {
            let mut p = bars(10);
            p.advance(usize::MAX);
            p
        };
        assert_ne!(whole.finished()[0].weight, other_seed.finished()[0].weight);
    }

    #[test]
    fn progress_counts_epochs_layer_by_layer() {
        let mut p = digits_pretrainer(2, &[64, 8, 8, 8], 2);
        let chunk = p.advance(3);
        let done: Vec<usize> = chunk.layers.iter().map(|l| l.epochs_done).collect();
        assert_eq!(done, [2, 1, 0]);
        assert_eq!((chunk.layers[1].n_visible, chunk.layers[1].n_hidden, chunk.layers[1].epochs_total), (8, 8, 2));
        // Layer 1's epochs 0, 1, 2, then layer 2's epochs 0 and 1.
        let reported: Vec<(usize, usize)> = chunk.metrics.iter().map(|m| (m.layer, m.epoch)).collect();
        assert_eq!(reported, [(1, 0), (1, 1), (1, 2), (2, 0), (2, 1)]);
        assert!(!chunk.done);
        let last = p.advance(100);
        assert!(last.done && last.layers.iter().all(|l| l.epochs_done == 2));
        assert_eq!(last.metrics.len(), 1 + 3, "the rest of layer 2, then layer 3");
        let json = serde_json::to_string(&last).unwrap();
        assert_eq!(serde_json::from_str::<PretrainChunk>(&json).unwrap(), last);
    }

    #[test]
    fn the_mlp_computes_the_stack_s_hidden_probabilities_exactly() {
        let cfg = ExperimentConfig { act: Activation::Sigmoid, init: Init::Normal, depth: 3, width: 16, ..ExperimentConfig::default() };
        let mut mlp = Mlp::new(&cfg, 64, 10);
        let widths = mlp_widths(&cfg, 64);
        assert_eq!(widths, [64, 16, 16, 16]);
        // Pretrain only the first two of the three hidden layers: the third keeps its init.
        let mut p = digits_pretrainer(4, &widths[..3], 2);
        p.advance(usize::MAX);
        let untouched: Vec<Vec<f32>> = mlp.layers[2..].iter().map(|l| l.weight.value.clone()).collect();
        init_mlp(p.finished(), &mut mlp).unwrap();
        let (_, held_out) = split_held_out(&BinaryDataset::Digits.generate(4));
        let x = &held_out.inputs[..10 * 64];
        mlp.forward(x, 10);
        let mut below = x.to_vec();
        for (l, rbm) in p.finished().iter().enumerate() {
            let mut probs = Vec::new();
            rbm.hidden_probs(&below, &mut probs);
            assert_eq!(mlp.layers[l].output(), probs.as_slice(), "layer {}", l + 1);
            below = probs;
        }
        let after: Vec<Vec<f32>> = mlp.layers[2..].iter().map(|l| l.weight.value.clone()).collect();
        assert_eq!(untouched, after);
    }

    #[test]
    fn init_mlp_refuses_networks_the_stack_does_not_fit_and_changes_nothing() {
        let mut p = digits_pretrainer(4, &[64, 16, 16], 1);
        p.advance(usize::MAX);
        let base = ExperimentConfig { act: Activation::Sigmoid, depth: 2, width: 16, ..ExperimentConfig::default() };
        let cases = [
            (ExperimentConfig { act: Activation::Tanh, ..base.clone() }, "act=tanh"),
            (ExperimentConfig { bn: true, ..base.clone() }, "bn and res off"),
            (ExperimentConfig { res: true, ..base.clone() }, "bn and res off"),
            (ExperimentConfig { width: 8, ..base.clone() }, "is 64→16 but the network's layer 1 is 64→8"),
            (ExperimentConfig { depth: 1, ..base.clone() }, "2 pretrained layers do not fit a network with 1 hidden layers"),
        ];
        for (cfg, message) in cases {
            let mut mlp = Mlp::new(&cfg, 64, 10);
            let before: Vec<Vec<f32>> = mlp.params().map(|p| p.value.clone()).collect();
            let err = init_mlp(p.finished(), &mut mlp).unwrap_err();
            assert!(err.contains(message), "{err}");
            assert_eq!(before, mlp.params().map(|p| p.value.clone()).collect::<Vec<_>>());
        }
    }

    #[test]
    fn bad_inputs_are_refused_with_a_reason() {
        let ok = [0.0, 1.0, 1.0, 0.0];
        let new = |cfg: &PretrainConfig, batch, widths: &[usize], train: &[f32]| Pretrainer::new(cfg, 1, batch, widths, train, &ok).map(|_| ()).unwrap_err();
        assert!(new(&config(1), 4, &[2, 3], &[-0.5, 1.0]).contains("inputs in [0, 1]"), "standardized data");
        assert!(new(&config(1), 4, &[2, 3], &[f32::NAN, 1.0]).contains("NaN"));
        assert!(new(&config(1), 4, &[2, 3], &[1.0, 0.0, 1.0]).contains("whole rows of 2"));
        assert!(new(&config(1), 4, &[2, 3], &[]).contains("training data"));
        assert!(new(&config(1), 0, &[2, 3], &ok).contains("batch size"));
        assert!(new(&config(1), 4, &[2], &ok).contains("at least one hidden width"));
        assert!(new(&config(1), 4, &[2, 0], &ok).contains("positive"));
        assert!(new(&PretrainConfig { cd_k: 0, ..config(1) }, 4, &[2, 3], &ok).starts_with("cdk"));
        assert!(Pretrainer::new(&config(1), 1, 4, &[2, 3], &ok, &[0.5]).map(|_| ()).unwrap_err().contains("held-out"));
    }
}

