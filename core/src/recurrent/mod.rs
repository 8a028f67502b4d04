//! Recurrent networks unrolled in time: plain (Elman) RNN, LSTM and GRU with hand-written
//! backpropagation through time, the long-range tasks that tell them apart, and the probe that
//! shows the gradient through time.
//!
//! The equations are PyTorch's (`torch.nn.RNN`, `torch.nn.LSTM`, `torch.nn.GRU`), with x_t the
//! input, h_{t−1} the previous hidden state, σ the logistic sigmoid and ⊙ the elementwise product:
//!
//! - RNN: h_t = φ(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh), φ = tanh or relu.
//! - LSTM, gates in PyTorch's order (i, f, g, o):
//!   i_t = σ(W_ii x_t + b_ii + W_hi h_{t−1} + b_hi), f_t = σ(W_if x_t + b_if + W_hf h_{t−1} + b_hf),
//!   g_t = tanh(W_ig x_t + b_ig + W_hg h_{t−1} + b_hg), o_t = σ(W_io x_t + b_io + W_ho h_{t−1} + b_ho),
//!   c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t, h_t = o_t ⊙ tanh(c_t).
//! - GRU, PyTorch's variant (Keras calls it `reset_after=True`: the reset gate multiplies
//!   W_hn h_{t−1} + b_hn *after* the matrix product, unlike the 2014 paper's W_hn (r_t ⊙ h_{t−1})):
//!   r_t = σ(W_ir x_t + b_ir + W_hr h_{t−1} + b_hr), z_t = σ(W_iz x_t + b_iz + W_hz h_{t−1} + b_hz),
//!   n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t−1} + b_hn)), h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}.
//!
//! Each gate is its own parameter group (`Gate`: W_i·, W_h·, b_i·, b_h·), so the backward
//! pass of each cell (`rnn`, `lstm`, `gru`) is the chain rule of the lines above, term by term.
//! A linear readout maps h_t to the outputs of the last steps (`task`). Everything is f32,
//! batched, time-major; matrix products go through `crate::linalg`, transcendental math through
//! `libm`, so native and wasm runs are bit-identical.
//!
//! Layout: `params` (shapes, initialization), `rnn`/`lstm`/`gru` (one step forward and
//! backward), `net` (the unrolled network, readout, loss and BPTT), `task` (adding and copy
//! problems), `probe` (gradient norms and gate statistics through time), `train` (the trainer).

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::activation::Activation;
use crate::config::{named_enum, normalize_name, serde_by_name, ExperimentConfig, Init, UnknownName};

#[cfg(test)]
mod gradient_check;
mod gru;
mod lstm;
pub mod net;
pub mod params;
pub mod probe;
mod rnn;
pub mod task;
pub mod train;

pub use net::{InitialState, RecurrentNet};
pub use params::{Gate, GateKind, Params, Shape};
pub use probe::{largest_singular_value, probe_every_model, probe_through_time, GateTrace, TimeProbe};
pub use task::{Batch, Targets};
pub use train::{default_optimizer, ChunkSnapshot, Trainer, DEFAULT_CLIP, EVALUATION_SEQUENCES};

/// The recurrent cell (link key `model`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Model {
    Rnn,
    Lstm,
    Gru,
}

named_enum! {
    Model, "recurrent model",
    variants {
        Rnn => "rnn", "Plain RNN (Elman)", "h_t = φ(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh), as torch.nn.RNN.";
        Lstm => "lstm", "LSTM", "Gates i, f, g, o; c_t = f⊙c_{t−1} + i⊙g, h_t = o⊙tanh(c_t), as torch.nn.LSTM.";
        Gru => "gru", "GRU", "Gates r, z, n; h_t = (1−z)⊙n + z⊙h_{t−1}, reset after W_hn h (torch.nn.GRU).";
    }
    aliases { "elman" => Rnn }
}

/// The long-range task the network is trained on (link key `task`); see `task`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    Adding,
    Copy,
}

named_enum! {
    Task, "task",
    variants {
        Adding => "adding", "Adding problem", "Pairs (value ∈ U[0,1], marker); predict the sum of the two marked values at the end (MSE).";
        Copy => "copy", "Copy (memory) task", "See a few symbols, wait, then recall them in order after a go signal (cross-entropy).";
    }
    aliases { "memory" => Copy }
}

/// How the recurrent matrices W_h· are initialized (link key `rinit`): PyTorch's default, any
/// `torch.nn.init` initializer, or IRNN's scaled identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecurrentInit {
    /// PyTorch's `reset_parameters` of nn.RNN/LSTM/GRU: U(±1/√hidden).
    Default,
    /// gain·I with zero biases: the IRNN of Le, Jaitly & Hinton (2015), meant for relu.
    Identity,
    /// A `torch.nn.init` initializer with fan_in = fan_out = hidden.
    Like(Init),
}

impl RecurrentInit {
    /// Every choice, in the order the UI lists them.
    pub fn all() -> impl Iterator<Item = RecurrentInit> {
        [RecurrentInit::Default, RecurrentInit::Identity].into_iter().chain(Init::ALL.iter().map(|&init| RecurrentInit::Like(init)))
    }

    /// Canonical name, as written in links.
    pub fn name(self) -> &'static str {
        match self {
            RecurrentInit::Default => "default",
            RecurrentInit::Identity => "identity",
            RecurrentInit::Like(init) => init.name(),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RecurrentInit::Default => "PyTorch default",
            RecurrentInit::Identity => "Identity (IRNN)",
            RecurrentInit::Like(init) => init.label(),
        }
    }

    /// Whether `gain` changes this initializer (identity is scaled by it).
    pub fn uses_gain(self) -> bool {
        self == RecurrentInit::Identity || self.like(Init::uses_gain)
    }

    /// Whether `std` changes this initializer.
    pub fn uses_std(self) -> bool {
        self.like(Init::uses_std)
    }

    /// Whether `bound` changes this initializer.
    pub fn uses_bound(self) -> bool {
        self.like(Init::uses_bound)
    }

    fn like(self, uses: fn(Init) -> bool) -> bool {
        matches!(self, RecurrentInit::Like(init) if uses(init))
    }

    pub fn about(self) -> &'static str {
        match self {
            RecurrentInit::Default => "W_hh ~ U(±1/√hidden), like every weight and bias of torch.nn.RNN/LSTM/GRU.",
            RecurrentInit::Identity => "W_hh = gain·I and zero biases (Le, Jaitly & Hinton 2015); gain 1 unless set.",
            RecurrentInit::Like(init) => init.about(),
        }
    }
}

/// Every canonical `rinit` name, in the order of `RecurrentInit::all()` (a test checks it).
const RECURRENT_INIT_NAMES: &[&str] = &[
    "default",
    "identity",
    "zeros",
    "normal",
    "uniform",
    "xavier_normal",
    "xavier_uniform",
    "kaiming_normal",
    "kaiming_uniform",
    "orthogonal",
    "lecun_normal",
];

impl fmt::Display for RecurrentInit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for RecurrentInit {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match normalize_name(s).as_str() {
            "default" | "torch" | "pytorch" => Ok(RecurrentInit::Default),
            "identity" | "irnn" | "eye" => Ok(RecurrentInit::Identity),
            _ => s.parse::<Init>().map(RecurrentInit::Like).map_err(|_| UnknownName {
                kind: "recurrent init",
                given: s.to_owned(),
                expected: RECURRENT_INIT_NAMES,
            }),
        }
    }
}

serde_by_name!(RecurrentInit);

/// Everything that defines a recurrent experiment besides the optimizer and clipping (which
/// `train::Trainer` takes as `crate::optim::OptimizerConfig` and `crate::clip::ClipConfig`).
/// Like `ExperimentConfig` it holds no weights: the same config gives the same numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecurrentConfig {
    /// Master seed: weights (`Stream::Weights`), the fixed probe/evaluation sequences
    /// (`Stream::Data`) and the training sequences (`Stream::BatchOrder`).
    pub seed: u64,
    /// Sequences per batch.
    pub batch: usize,
    pub model: Model,
    /// φ of the plain RNN: tanh or relu (torch.nn.RNN's `nonlinearity`); LSTM and GRU ignore it.
    pub nonlinearity: Activation,
    /// Hidden units H (link key `hidden`).
    pub hidden: usize,
    /// Sequence length T (link key `seq`).
    pub seq: usize,
    pub task: Task,
    /// Initial LSTM forget-gate bias (link key `fbias`): b_if = fbias, b_hf = 0, so
    /// f_t ≈ σ(fbias) at the start (Gers et al. 2000; Jozefowicz et al. 2015 use 1).
    /// PyTorch itself draws both from U(±1/√H). Other models ignore it.
    pub fbias: f32,
    /// Initialization of the recurrent matrices W_h· (link key `rinit`).
    pub rinit: RecurrentInit,
    /// Gain for xavier/kaiming/orthogonal/identity `rinit`; `None` = calculate_gain(φ) for the
    /// plain RNN, 1 for LSTM and GRU (their gates mix sigmoid and tanh) and for identity.
    pub gain: Option<f32>,
    /// Standard deviation of `rinit=normal`.
    pub std: f32,
    /// Half-width of `rinit=uniform`.
    pub bound: f32,
    /// Truncated BPTT window k (link key `tbptt`); 0 = full BPTT. See `net::RecurrentNet::backward`.
    pub tbptt: usize,
}

/// Valid ranges (inclusive), for the link decoder and the UI's sliders.
impl RecurrentConfig {
    pub const BATCH: RangeInclusive<usize> = ExperimentConfig::BATCH;
    pub const HIDDEN: RangeInclusive<usize> = 2..=512;
    /// Three steps is the shortest copy task (one symbol, the go signal, one recall).
    pub const SEQ: RangeInclusive<usize> = 3..=1000;
    pub const FBIAS: RangeInclusive<f32> = -10.0..=10.0;
    pub const TBPTT: RangeInclusive<usize> = 0..=1000;
    pub const GAIN: RangeInclusive<f32> = ExperimentConfig::GAIN;
    pub const STD: RangeInclusive<f32> = ExperimentConfig::STD;
    pub const BOUND: RangeInclusive<f32> = ExperimentConfig::BOUND;
    /// The nonlinearities torch.nn.RNN offers.
    pub const NONLINEARITIES: [Activation; 2] = [Activation::Tanh, Activation::Relu];

    /// Checks every value against its range (NaN fails), naming the link key that is wrong.
    pub fn validate(&self) -> Result<(), String> {
        let counts = [
            ("batch", self.batch, Self::BATCH),
            ("hidden", self.hidden, Self::HIDDEN),
            ("seq", self.seq, Self::SEQ),
            ("tbptt", self.tbptt, Self::TBPTT),
        ];
        for (key, value, range) in counts {
            check_range(key, value, &range)?;
        }
        let reals = [("fbias", self.fbias, Self::FBIAS), ("std", self.std, Self::STD), ("bound", self.bound, Self::BOUND)];
        for (key, value, range) in reals {
            check_range(key, value, &range)?;
        }
        if let Some(gain) = self.gain {
            check_range("gain", gain, &Self::GAIN)?;
        }
        if self.model == Model::Rnn && !Self::NONLINEARITIES.contains(&self.nonlinearity) {
            return Err(format!("the RNN nonlinearity must be tanh or relu, got {}", self.nonlinearity));
        }
        Ok(())
    }

    /// The gain `rinit` uses (see `gain`).
    pub fn effective_gain(&self) -> f32 {
        self.gain.unwrap_or(match (self.model, self.rinit) {
            (_, RecurrentInit::Identity) | (Model::Lstm | Model::Gru, _) => 1.0,
            (Model::Rnn, _) => crate::init::calculate_gain(self.nonlinearity, 0.0),
        })
    }
}

fn check_range<T: PartialOrd + fmt::Display>(key: &str, value: T, range: &RangeInclusive<T>) -> Result<(), String> {
    if range.contains(&value) {
        Ok(())
    } else {
        Err(format!("{key} must be between {} and {}, got {value}", range.start(), range.end()))
    }
}

/// The recurrent lab's default example: the adding problem at T = 30, hidden 32, with PyTorch's
/// default init, forget bias 1 and full BPTT. With `train::default_optimizer` and
/// `DEFAULT_CLIP` the plain RNN stays at the baseline while LSTM and GRU learn within 800
/// steps, cheap enough to watch in the browser (see `train`'s test for the numbers).
impl Default for RecurrentConfig {
    fn default() -> Self {
        RecurrentConfig {
            seed: 1,
            batch: 32,
            model: Model::Lstm,
            nonlinearity: Activation::Tanh,
            hidden: 32,
            seq: 30,
            task: Task::Adding,
            fbias: 1.0,
            rinit: RecurrentInit::Default,
            gain: None,
            std: 0.1,
            bound: 0.1,
            tbptt: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_display_fromstr_and_serde() {
        for &model in Model::ALL {
            assert_eq!(model.to_string().parse::<Model>(), Ok(model));
            assert_eq!(serde_json::to_string(&model).unwrap(), format!("\"{model}\""));
        }
        for &task in Task::ALL {
            assert_eq!(task.to_string().to_uppercase().parse::<Task>(), Ok(task));
            assert_eq!(serde_json::to_string(&task).unwrap(), format!("\"{task}\""));
        }
        let names: Vec<&str> = RecurrentInit::all().map(RecurrentInit::name).collect();
        assert_eq!(names, RECURRENT_INIT_NAMES);
        for rinit in RecurrentInit::all() {
            assert_eq!(rinit.to_string().parse::<RecurrentInit>(), Ok(rinit));
            let json = serde_json::to_string(&rinit).unwrap();
            assert_eq!(json, format!("\"{rinit}\""));
            assert_eq!(serde_json::from_str::<RecurrentInit>(&json).unwrap(), rinit);
        }
    }

    #[test]
    fn only_the_relevant_parameters_apply() {
        let with = |uses: fn(RecurrentInit) -> bool| RecurrentInit::all().filter(|&r| uses(r)).map(RecurrentInit::name).collect::<Vec<_>>();
        assert_eq!(with(RecurrentInit::uses_gain), ["identity", "xavier_normal", "xavier_uniform", "kaiming_normal", "kaiming_uniform", "orthogonal"]);
        assert_eq!(with(RecurrentInit::uses_std), ["normal"]);
        assert_eq!(with(RecurrentInit::uses_bound), ["uniform"]);
    }

    #[test]
    fn pytorch_spellings_and_aliases_parse() {
        assert_eq!("LSTM".parse(), Ok(Model::Lstm));
        assert_eq!("Elman".parse(), Ok(Model::Rnn));
        assert_eq!("memory".parse(), Ok(Task::Copy));
        assert_eq!("IRNN".parse(), Ok(RecurrentInit::Identity));
        assert_eq!("Orthogonal".parse(), Ok(RecurrentInit::Like(Init::Orthogonal)));
        assert_eq!("he_normal".parse(), Ok(RecurrentInit::Like(Init::KaimingNormal)));
        let err = "eigen".parse::<RecurrentInit>().unwrap_err();
        assert!(err.to_string().starts_with("unknown recurrent init 'eigen'; expected one of default, identity, zeros"), "{err}");
        assert!(serde_json::from_str::<RecurrentInit>("\"nope\"").is_err());
    }

    #[test]
    fn validation_names_the_key_and_rejects_nan() {
        let good = RecurrentConfig::default();
        assert_eq!(good.validate(), Ok(()));
        let bad = |edit: fn(&mut RecurrentConfig)| {
            let mut c = RecurrentConfig::default();
            edit(&mut c);
            c.validate().unwrap_err()
        };
        assert_eq!(bad(|c| c.seq = 2), "seq must be between 3 and 1000, got 2");
        assert!(bad(|c| c.hidden = 0).starts_with("hidden"));
        assert!(bad(|c| c.tbptt = 5000).starts_with("tbptt"));
        assert!(bad(|c| c.fbias = f32::NAN).starts_with("fbias"));
        assert!(bad(|c| c.gain = Some(-1.0)).starts_with("gain"));
        assert!(bad(|c| {
            c.model = Model::Rnn;
            c.nonlinearity = Activation::Sigmoid;
        })
        .contains("tanh or relu"));
        let lstm_ignores_it = RecurrentConfig { model: Model::Lstm, nonlinearity: Activation::Sigmoid, ..RecurrentConfig::default() };
        assert_eq!(lstm_ignores_it.validate(), Ok(()));
    }

    #[test]
    fn config_round_trips_through_json() {
        let cfg = RecurrentConfig { model: Model::Gru, rinit: RecurrentInit::Like(Init::Orthogonal), gain: Some(1.5), tbptt: 20, ..RecurrentConfig::default() };
        let json = serde_json::to_string(&cfg).unwrap();
        assert!(json.contains("\"rinit\":\"orthogonal\"") && json.contains("\"model\":\"gru\""), "{json}");
        assert_eq!(serde_json::from_str::<RecurrentConfig>(&json).unwrap(), cfg);
    }

    #[test]
    fn default_gain_follows_the_model() {
        let mut c = RecurrentConfig { model: Model::Rnn, rinit: RecurrentInit::Like(Init::Orthogonal), ..RecurrentConfig::default() };
        assert_eq!(c.effective_gain(), 5.0 / 3.0);
        c.nonlinearity = Activation::Relu;
        assert_eq!(c.effective_gain(), core::f32::consts::SQRT_2);
        c.rinit = RecurrentInit::Identity;
        assert_eq!(c.effective_gain(), 1.0);
        c.model = Model::Gru;
        c.rinit = RecurrentInit::Like(Init::Orthogonal);
        assert_eq!(c.effective_gain(), 1.0);
        c.gain = Some(0.5);
        assert_eq!(c.effective_gain(), 0.5);
    }
}
