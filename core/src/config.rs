//! The experiment config: the one description of an experiment. It is what a shared link
//! holds (`link`), what the worker receives and what the CLI reads. It holds no weights:
//! weights are always regenerated from it (same config → same numbers).
//!
//! Each config enum has one `FromStr`/`Display` pair (PyTorch's lower-case names) that serves
//! the link, the HTML form and serde alike, plus `ALL` (display order) and a human `label`
//! and one-line `about` for the UI.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::clip::{ClipConfig, ClipMethod};
use crate::optim::{OptimizerConfig, OptimizerKind};
use crate::recurrent::{self, Model, RecurrentConfig, RecurrentInit, Task};
use crate::rbm::{Pretrain, PretrainConfig};

/// Link format version written as `v=`.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExperimentConfig {
    /// Master seed; data, weights and batch order each get their own stream from it.
    pub seed: u64,
    pub data: Dataset,
    /// Examples per batch, 1..=1024.
    pub batch: usize,
    /// Number of hidden layers, 1..=200.
    pub depth: usize,
    /// Units per hidden layer, 2..=512.
    pub width: usize,
    pub act: Activation,
    /// Negative slope of leaky_relu (PyTorch default 0.01).
    pub slope: f32,
    pub init: Init,
    /// Standard deviation of `Init::Normal`.
    pub std: f32,
    /// Half-width of `Init::Uniform`: U(−bound, bound).
    pub bound: f32,
    /// Gain for xavier/kaiming/orthogonal; `None` = `calculate_gain(act)` as in PyTorch.
    pub gain: Option<f32>,
    /// Batch normalization after each hidden linear layer (training-mode batch statistics).
    pub bn: bool,
    /// Identity skip connection around each hidden block whose input and output widths match.
    pub res: bool,
    // Training (issue 4). The probe ignores these; the trainer reads them through
    // `optimizer()` and `clipping()`.
    /// Optimizer (`torch.optim` update rule).
    pub opt: OptimizerKind,
    /// Learning rate; setting `opt` resets it to that optimizer's default.
    pub lr: f32,
    /// Momentum μ of `momentum`/`nesterov` (unused by the other optimizers).
    pub mom: f32,
    /// Weight decay λ (L2 term in the gradient; decoupled for `adamw`).
    pub wd: f32,
    /// Gradient clipping before each step.
    pub clip: ClipMethod,
    /// Clipping threshold: max_norm τ for `norm`, clip_value v for `value`; kept while `clip` is off.
    pub clipv: f32,
    // Recurrent networks (issue 5): `model` picks the network; the keys below apply only to a
    // recurrent one, which also reads seed, batch, act (φ of the plain RNN: tanh or relu),
    // gain, std and bound (for `rinit`) and the training keys. See `recurrent()`.
    /// The network: the MLP of the keys above, or a recurrent cell.
    pub model: Architecture,
    /// Hidden units of the recurrent cell.
    pub hidden: usize,
    /// Sequence length T.
    pub seq: usize,
    pub task: Task,
    /// Initial LSTM forget-gate bias.
    pub fbias: f32,
    /// Initialization of the recurrent matrices W_h·.
    pub rinit: RecurrentInit,
    /// Truncated BPTT window; 0 = full BPTT.
    pub tbptt: usize,
    // Greedy layer-wise pretraining (issue 6), read through `pretraining()`; the probe and the
    // trainer start from the pretrained stack when `pretrain` is `rbm`.
    /// Whether the hidden layers are first trained as stacked RBMs.
    pub pretrain: Pretrain,
    /// Gibbs steps k of CD-k.
    pub cdk: usize,
    /// Pretraining epochs per layer.
    pub pt_epochs: usize,
    /// Pretraining learning rate, momentum and weight decay.
    pub pt_lr: f32,
    pub pt_mom: f32,
    pub pt_wd: f32,
    /// Persistent contrastive divergence.
    pub pcd: bool,
}

/// Valid ranges (inclusive). The link decoder clamps to them; the UI's sliders span them.
impl ExperimentConfig {
    pub const BATCH: RangeInclusive<usize> = 1..=1024;
    pub const DEPTH: RangeInclusive<usize> = 1..=200;
    pub const WIDTH: RangeInclusive<usize> = 2..=512;
    pub const SLOPE: RangeInclusive<f32> = 0.0..=1.0;
    pub const STD: RangeInclusive<f32> = 0.0..=10.0;
    pub const BOUND: RangeInclusive<f32> = 0.0..=10.0;
    pub const GAIN: RangeInclusive<f32> = 0.0..=10.0;
    pub const LR: RangeInclusive<f32> = OptimizerConfig::LR;
    pub const MOM: RangeInclusive<f32> = OptimizerConfig::MOMENTUM;
    pub const WD: RangeInclusive<f32> = OptimizerConfig::WEIGHT_DECAY;
    pub const CLIPV: RangeInclusive<f32> = ClipConfig::THRESHOLD;
    pub const HIDDEN: RangeInclusive<usize> = RecurrentConfig::HIDDEN;
    pub const SEQ: RangeInclusive<usize> = RecurrentConfig::SEQ;
    pub const FBIAS: RangeInclusive<f32> = RecurrentConfig::FBIAS;
    pub const TBPTT: RangeInclusive<usize> = RecurrentConfig::TBPTT;

    /// Whether this is the multilayer perceptron (the keys data … res apply) rather than a
    /// recurrent network (the keys hidden … tbptt apply).
    pub fn is_mlp(&self) -> bool {
        self.model == Architecture::Mlp
    }

    /// The recurrent experiment this config describes, `None` for the MLP. The plain RNN's φ is
    /// `act`, which the link keeps to tanh or relu for recurrent models (`allows_activation`).
    pub fn recurrent(&self) -> Option<RecurrentConfig> {
        let Architecture::Recurrent(model) = self.model else { return None };
        Some(RecurrentConfig {
            seed: self.seed,
            batch: self.batch,
            model,
            nonlinearity: self.act,
            hidden: self.hidden,
            seq: self.seq,
            task: self.task,
            fbias: self.fbias,
            rinit: self.rinit,
            gain: self.gain,
            std: self.std,
            bound: self.bound,
            tbptt: self.tbptt,
        })
    }

    /// Whether `act` can be this network's activation: any for the MLP; tanh or relu
    /// (torch.nn.RNN's `nonlinearity`) for a recurrent network, even an LSTM or GRU (which
    /// ignore it), so that switching to the plain RNN always gives a valid network.
    pub fn allows_activation(&self, act: Activation) -> bool {
        self.is_mlp() || RecurrentConfig::NONLINEARITIES.contains(&act)
    }

    /// What choosing `model` does when it moves between the MLP and the recurrent networks
    /// (in a link as in the form; between RNN, LSTM and GRU nothing else changes, so they
    /// compare under the same settings): batch size, optimizer and clipping take that family's
    /// defaults, and an activation a recurrent network cannot use becomes tanh.
    pub fn use_model_defaults(&mut self, previous: Architecture) {
        if previous.is_mlp() == self.is_mlp() {
            return;
        }
        let (batch, optimizer, clip) = if self.is_mlp() {
            let mlp = ExperimentConfig::default();
            (mlp.batch, mlp.optimizer(), ClipConfig::None)
        } else {
            (RecurrentConfig::default().batch, recurrent::default_optimizer(), recurrent::DEFAULT_CLIP)
        };
        self.batch = batch;
        self.set_optimizer(optimizer);
        self.clip = clip.method();
        self.clipv = clip.threshold().unwrap_or(ClipConfig::DEFAULT_THRESHOLD);
        if !self.allows_activation(self.act) {
            self.act = Activation::Tanh;
        }
    }
    pub const CDK: RangeInclusive<usize> = PretrainConfig::CD_K;
    pub const PT_EPOCHS: RangeInclusive<usize> = PretrainConfig::EPOCHS;
    pub const PT_LR: RangeInclusive<f32> = PretrainConfig::LR;
    pub const PT_MOM: RangeInclusive<f32> = PretrainConfig::MOMENTUM;
    pub const PT_WD: RangeInclusive<f32> = PretrainConfig::WEIGHT_DECAY;

    /// The optimizer settings `opt`, `lr`, `mom`, `wd` describe.
    pub fn optimizer(&self) -> OptimizerConfig {
        OptimizerConfig { kind: self.opt, lr: self.lr, momentum: self.mom, weight_decay: self.wd }
    }

    /// The clipping `clip` and `clipv` describe, or why `clipv` is unusable.
    pub fn clipping(&self) -> Result<ClipConfig, String> {
        ClipConfig::new(self.clip, self.clipv)
    }

    /// The pretraining settings `pretrain`, `cdk`, `pt_epochs`, `pt_lr`, `pt_mom`, `pt_wd`, `pcd` describe.
    pub fn pretraining(&self) -> PretrainConfig {
        PretrainConfig {
            method: self.pretrain,
            cd_k: self.cdk,
            epochs: self.pt_epochs,
            lr: self.pt_lr,
            momentum: self.pt_mom,
            weight_decay: self.pt_wd,
            persistent: self.pcd,
        }
    }

    /// Stores `pretraining` in `pretrain`, `cdk`, `pt_epochs`, `pt_lr`, `pt_mom`, `pt_wd`, `pcd`.
    pub fn set_pretraining(&mut self, pretraining: PretrainConfig) {
        let PretrainConfig { method, cd_k, epochs, lr, momentum, weight_decay, persistent } = pretraining;
        (self.pretrain, self.cdk, self.pt_epochs, self.pt_lr, self.pt_mom, self.pt_wd, self.pcd) =
            (method, cd_k, epochs, lr, momentum, weight_decay, persistent);
    }

    /// Stores `optimizer` in `opt`, `lr`, `mom`, `wd`.
    pub fn set_optimizer(&mut self, optimizer: OptimizerConfig) {
        (self.opt, self.lr, self.mom, self.wd) = (optimizer.kind, optimizer.lr, optimizer.momentum, optimizer.weight_decay);
    }

    /// Stores `clip` in `clip` and, unless it is off, `clipv` (off keeps the last threshold).
    pub fn set_clipping(&mut self, clip: ClipConfig) {
        self.clip = clip.method();
        if let Some(threshold) = clip.threshold() {
            self.clipv = threshold;
        }
    }

    /// Resets `lr`, `mom` and `wd` to the defaults of the optimizer `opt` (what choosing an
    /// optimizer does, in a link and in the form): e.g. sgd's lr 0.1 rather than adam's 1e-3.
    pub fn use_optimizer_defaults(&mut self) {
        self.set_optimizer(OptimizerConfig::for_kind(self.opt));
    }

    /// The same experiment with batch, depth and width clamped into their ranges (what the
    /// probe and the trainer run when handed an out-of-range config).
    pub fn with_clamped_shape(&self) -> ExperimentConfig {
        ExperimentConfig {
            batch: self.batch.clamp(*Self::BATCH.start(), *Self::BATCH.end()),
            depth: self.depth.clamp(*Self::DEPTH.start(), *Self::DEPTH.end()),
            width: self.width.clamp(*Self::WIDTH.start(), *Self::WIDTH.end()),
            ..self.clone()
        }
    }
}

/// The first screen tells a story: a deep sigmoid net with small normal init, whose gradient
/// vanishes towards the input. The page then invites switching to ReLU with Kaiming init.
/// Training defaults to Adam at PyTorch's lr 1e-3 without clipping: Adam's per-parameter step
/// does not shrink with the vanishing gradient, so even this network learns (slowly).
impl Default for ExperimentConfig {
    fn default() -> Self {
        let optimizer = OptimizerConfig::default();
        let recurrent = RecurrentConfig::default();
        let pretraining = PretrainConfig::default();
        ExperimentConfig {
            seed: 1,
            data: Dataset::Spiral,
            batch: 64,
            depth: 10,
            width: 64,
            act: Activation::Sigmoid,
            slope: 0.01,
            init: Init::Normal,
            std: 0.1,
            bound: 0.1,
            gain: None,
            bn: false,
            res: false,
            opt: optimizer.kind,
            lr: optimizer.lr,
            mom: optimizer.momentum,
            wd: optimizer.weight_decay,
            clip: ClipMethod::None,
            clipv: ClipConfig::DEFAULT_THRESHOLD,
            model: Architecture::Mlp,
            hidden: recurrent.hidden,
            seq: recurrent.seq,
            task: recurrent.task,
            fbias: recurrent.fbias,
            rinit: recurrent.rinit,
            tbptt: recurrent.tbptt,
            pretrain: pretraining.method,
            cdk: pretraining.cd_k,
            pt_epochs: pretraining.epochs,
            pt_lr: pretraining.lr,
            pt_mom: pretraining.momentum,
            pt_wd: pretraining.weight_decay,
            pcd: pretraining.persistent,
        }
    }
}

/// The network a config describes (link key `model`): the MLP, or a recurrent cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Architecture {
    Mlp,
    Recurrent(Model),
}

impl Architecture {
    /// Every choice, in the order the UI lists them.
    pub fn all() -> impl Iterator<Item = Architecture> {
        std::iter::once(Architecture::Mlp).chain(Model::ALL.iter().map(|&model| Architecture::Recurrent(model)))
    }

    pub fn is_mlp(self) -> bool {
        self == Architecture::Mlp
    }

    /// Canonical name, as written in links.
    pub fn name(self) -> &'static str {
        match self {
            Architecture::Mlp => "mlp",
            Architecture::Recurrent(model) => model.name(),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Architecture::Mlp => "MLP (feed-forward)",
            Architecture::Recurrent(model) => model.label(),
        }
    }

    pub fn about(self) -> &'static str {
        match self {
            Architecture::Mlp => "A multilayer perceptron: depth hidden layers of width units on a 2-D dataset.",
            Architecture::Recurrent(model) => model.about(),
        }
    }
}

/// Every canonical `model` name, in the order of `Architecture::all()` (a test checks it).
const ARCHITECTURE_NAMES: &[&str] = &["mlp", "rnn", "lstm", "gru"];

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Architecture {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if matches!(normalize_name(s).as_str(), "mlp" | "feedforward") {
            return Ok(Architecture::Mlp);
        }
        s.parse::<Model>()
            .map(Architecture::Recurrent)
            .map_err(|_| UnknownName { kind: "model", given: s.to_owned(), expected: ARCHITECTURE_NAMES })
    }
}

/// Serializes a type as its `Display` name and reads it back through its `FromStr`.
macro_rules! serde_by_name {
    ($ty:ty) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use serde_by_name;

serde_by_name!(Architecture);

/// Activation functions, named as in PyTorch (`torch.nn.functional`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    Linear,
    Sigmoid,
    Tanh,
    Relu,
    LeakyRelu,
    Elu,
    Selu,
    Gelu,
    Silu,
    Softplus,
}

/// Weight initializers, named as in `torch.nn.init` (without the trailing underscore).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Init {
    Zeros,
    Normal,
    Uniform,
    XavierNormal,
    XavierUniform,
    KaimingNormal,
    KaimingUniform,
    Orthogonal,
    LecunNormal,
}

/// Datasets: TensorFlow Playground's 2-D two-class sets (softmax cross-entropy), a 1-D
/// regression set (mean squared error), and two sets of binary images for RBM pretraining
/// (classified with softmax cross-entropy). Each dataset has one loss, so no link key picks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dataset {
    Spiral,
    Circle,
    Xor,
    Gauss,
    Sine,
    Bars,
    Digits,
}

impl Activation {
    /// Whether `slope` changes this activation (only leaky_relu's negative slope).
    pub fn uses_slope(self) -> bool {
        self == Activation::LeakyRelu
    }
}

impl Init {
    /// Whether `std` changes this initializer.
    pub fn uses_std(self) -> bool {
        self == Init::Normal
    }

    /// Whether `bound` changes this initializer.
    pub fn uses_bound(self) -> bool {
        self == Init::Uniform
    }

    /// Whether `gain` changes this initializer (as in `torch.nn.init`).
    pub fn uses_gain(self) -> bool {
        matches!(
            self,
            Init::XavierNormal | Init::XavierUniform | Init::KaimingNormal | Init::KaimingUniform | Init::Orthogonal
        )
    }
}

/// A name that `FromStr` did not recognise; its `Display` is a sentence listing the valid names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName {
    /// What was being parsed: "activation", "init" or "dataset".
    pub kind: &'static str,
    pub given: String,
    /// Every valid name, in display order.
    pub expected: &'static [&'static str],
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} '{}'; expected one of {}", self.kind, self.given, self.expected.join(", "))
    }
}

impl std::error::Error for UnknownName {}

/// Case, '_', '-' and spaces do not matter when parsing names, so "LeakyReLU", "leaky-relu"
/// and "Kaiming_Normal" (PyTorch's class names, people's spellings) all work.
pub(crate) fn normalize_name(name: &str) -> String {
    name.chars().filter(|c| !matches!(c, '_' | '-' | ' ')).flat_map(char::to_lowercase).collect()
}

/// Generates, for a config enum, the single table of names from which `ALL`, `NAMES`, `name`,
/// `label`, `about`, `Display` and `FromStr` (with aliases) all derive.
macro_rules! named_enum {
    (
        $ty:ident, $kind:literal,
        variants { $($variant:ident => $name:literal, $label:literal, $about:literal;)* }
        aliases { $($alias:literal => $target:ident),* $(,)? }
    ) => {
        impl $ty {
            /// Every variant, in the order the UI lists them.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),*];
            /// Every canonical name, in the order of `ALL`.
            pub const NAMES: &'static [&'static str] = &[$($name),*];

            /// Canonical (PyTorch) name, as written in links.
            pub fn name(self) -> &'static str {
                match self { $($ty::$variant => $name),* }
            }

            /// Short human label for menus.
            pub fn label(self) -> &'static str {
                match self { $($ty::$variant => $label),* }
            }

            /// One sentence for tooltips: what it is, with its formula.
            pub fn about(self) -> &'static str {
                match self { $($ty::$variant => $about),* }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl FromStr for $ty {
            type Err = UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = normalize_name(s);
                let aliases: &[(&str, $ty)] = &[$(($alias, $ty::$target)),*];
                $ty::ALL
                    .iter()
                    .map(|&v| (v.name(), v))
                    .chain(aliases.iter().copied())
                    .find(|(name, _)| normalize_name(name) == wanted)
                    .map(|(_, v)| v)
                    .ok_or_else(|| UnknownName { kind: $kind, given: s.to_owned(), expected: $ty::NAMES })
            }
        }
    };
}

// Other modules' config enums (optimizer, clipping) use the same table; they import
// `fmt`, `FromStr`, `UnknownName` and `normalize_name`, which the expansion names.
pub(crate) use named_enum;

named_enum! {
    Activation, "activation",
    variants {
        Linear => "linear", "Linear (identity)", "φ(x) = x: no nonlinearity.";
        Sigmoid => "sigmoid", "Sigmoid", "φ(x) = 1/(1+e^−x); its slope is at most 1/4, so deep stacks vanish.";
        Tanh => "tanh", "Tanh", "φ(x) = tanh x; PyTorch's gain is 5/3.";
        Relu => "relu", "ReLU", "φ(x) = max(0, x); PyTorch's gain is √2.";
        LeakyRelu => "leaky_relu", "Leaky ReLU", "φ(x) = x for x > 0, slope·x otherwise; gain √(2/(1+slope²)).";
        Elu => "elu", "ELU", "φ(x) = x for x > 0, e^x − 1 otherwise.";
        Selu => "selu", "SELU", "Scaled ELU, self-normalizing with lecun_normal init; PyTorch's gain is 3/4.";
        Gelu => "gelu", "GELU", "φ(x) = x·Φ(x), Φ the standard normal CDF.";
        Silu => "silu", "SiLU (swish)", "φ(x) = x·sigmoid(x).";
        Softplus => "softplus", "Softplus", "φ(x) = ln(1 + e^x), a smooth ReLU.";
    }
    aliases { "identity" => Linear, "swish" => Silu }
}

named_enum! {
    Init, "init",
    variants {
        Zeros => "zeros", "Zeros", "Every weight 0: no signal, no gradient to the hidden layers.";
        Normal => "normal", "Normal", "W ~ N(0, std²).";
        Uniform => "uniform", "Uniform", "W ~ U(−bound, bound).";
        XavierNormal => "xavier_normal", "Xavier (Glorot) normal", "W ~ N(0, gain²·2/(fan_in+fan_out)).";
        XavierUniform => "xavier_uniform", "Xavier (Glorot) uniform", "W ~ U(±gain·√(6/(fan_in+fan_out))).";
        KaimingNormal => "kaiming_normal", "Kaiming (He) normal", "W ~ N(0, gain²/fan_in).";
        KaimingUniform => "kaiming_uniform", "Kaiming (He) uniform", "W ~ U(±gain·√(3/fan_in)).";
        Orthogonal => "orthogonal", "Orthogonal", "A random (semi-)orthogonal matrix times gain.";
        LecunNormal => "lecun_normal", "LeCun normal", "W ~ N(0, 1/fan_in).";
    }
    aliases {
        "he_normal" => KaimingNormal, "he_uniform" => KaimingUniform,
        "glorot_normal" => XavierNormal, "glorot_uniform" => XavierUniform,
    }
}

named_enum! {
    Dataset, "dataset",
    variants {
        Spiral => "spiral", "Spiral", "Two interleaved spirals.";
        Circle => "circle", "Circle", "A disc inside a ring.";
        Xor => "xor", "XOR", "Four quadrants, opposite ones share a class.";
        Gauss => "gauss", "Gaussian blobs", "Two Gaussian clusters.";
        Sine => "sine", "Noisy sine (regression)", "y = sin(x) + noise for x in [−π, π]; mean squared error.";
        Bars => "bars", "Bars and stripes (4×4 binary)", "4×4 binary images whose columns (bars) or rows (stripes) are each on or off; class: bars or stripes.";
        Digits => "digits", "Digits (8×8 binary)", "1797 real handwritten digits (UCI optical digits via scikit-learn), each pixel on iff ≥ 8/16; class: the digit.";
    }
    aliases { "gaussian" => Gauss, "bars_stripes" => Bars, "bars_and_stripes" => Bars, "bas" => Bars, "optdigits" => Digits }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks, for one config enum, that Display, FromStr and serde agree on every variant.
    fn names_round_trip<T>(all: &[T])
    where
        T: Copy + PartialEq + fmt::Debug + fmt::Display + FromStr<Err = UnknownName> + Serialize,
    {
        for &v in all {
            let name = v.to_string();
            assert_eq!(name.parse::<T>(), Ok(v));
            assert_eq!(name.to_uppercase().parse::<T>(), Ok(v), "case-insensitive");
            assert_eq!(serde_json::to_string(&v).unwrap(), format!("\"{name}\""), "serde uses the same name");
        }
    }

    #[test]
    fn every_name_round_trips_through_display_fromstr_and_serde() {
        names_round_trip(Activation::ALL);
        names_round_trip(Init::ALL);
        names_round_trip(Dataset::ALL);
        assert_eq!(Activation::ALL.len(), 10);
        assert_eq!(Init::ALL.len(), 9);
        assert_eq!(Dataset::ALL.len(), 7);
    }

    #[test]
    fn model_names_round_trip_and_say_what_was_expected() {
        let names: Vec<&str> = Architecture::all().map(Architecture::name).collect();
        assert_eq!(names, ARCHITECTURE_NAMES);
        for model in Architecture::all() {
            assert_eq!(model.to_string().to_uppercase().parse(), Ok(model));
            let json = serde_json::to_string(&model).unwrap();
            assert_eq!(json, format!("\"{model}\""));
            assert_eq!(serde_json::from_str::<Architecture>(&json).unwrap(), model);
        }
        assert_eq!("Elman".parse(), Ok(Architecture::Recurrent(Model::Rnn)));
        assert_eq!("cnn".parse::<Architecture>().unwrap_err().to_string(), "unknown model 'cnn'; expected one of mlp, rnn, lstm, gru");
    }

    #[test]
    fn a_recurrent_config_reads_the_shared_keys() {
        let mlp = ExperimentConfig::default();
        assert_eq!(mlp.recurrent(), None);
        let cfg = ExperimentConfig { model: Architecture::Recurrent(Model::Rnn), act: Activation::Relu, gain: Some(0.5), seed: 9, batch: 3, ..mlp };
        let recurrent = cfg.recurrent().unwrap();
        assert_eq!((recurrent.model, recurrent.nonlinearity, recurrent.gain, recurrent.seed, recurrent.batch), (Model::Rnn, Activation::Relu, Some(0.5), 9, 3));
        assert!(!cfg.allows_activation(Activation::Sigmoid) && ExperimentConfig::default().allows_activation(Activation::Sigmoid));
    }

    #[test]
    fn aliases_and_pytorch_spellings_parse() {
        assert_eq!("identity".parse(), Ok(Activation::Linear));
        assert_eq!("Swish".parse(), Ok(Activation::Silu));
        assert_eq!("LeakyReLU".parse(), Ok(Activation::LeakyRelu));
        assert_eq!("leaky-relu".parse(), Ok(Activation::LeakyRelu));
        assert_eq!("he_normal".parse(), Ok(Init::KaimingNormal));
        assert_eq!("HE_UNIFORM".parse(), Ok(Init::KaimingUniform));
        assert_eq!("glorot_normal".parse(), Ok(Init::XavierNormal));
        assert_eq!("glorot_uniform".parse(), Ok(Init::XavierUniform));
        assert_eq!(" gaussian ".parse(), Ok(Dataset::Gauss));
        assert_eq!("bars_and_stripes".parse(), Ok(Dataset::Bars));
        assert_eq!("OptDigits".parse(), Ok(Dataset::Digits));
    }

    #[test]
    fn unknown_names_say_what_was_expected() {
        let err = "rleu".parse::<Activation>().unwrap_err();
        assert_eq!(err.given, "rleu");
        assert_eq!(
            err.to_string(),
            "unknown activation 'rleu'; expected one of linear, sigmoid, tanh, relu, leaky_relu, elu, selu, gelu, silu, softplus"
        );
        assert!("".parse::<Init>().is_err());
        assert!("kaiming".parse::<Init>().is_err(), "ambiguous between normal and uniform");
    }

    #[test]
    fn only_the_relevant_parameters_apply() {
        let slope: Vec<_> = Activation::ALL.iter().filter(|a| a.uses_slope()).collect();
        assert_eq!(slope, [&Activation::LeakyRelu]);
        let with = |f: fn(Init) -> bool| Init::ALL.iter().copied().filter(|&i| f(i)).collect::<Vec<_>>();
        assert_eq!(with(Init::uses_std), [Init::Normal]);
        assert_eq!(with(Init::uses_bound), [Init::Uniform]);
        assert_eq!(
            with(Init::uses_gain),
            [Init::XavierNormal, Init::XavierUniform, Init::KaimingNormal, Init::KaimingUniform, Init::Orthogonal]
        );
    }

    #[test]
    fn default_is_the_vanishing_sigmoid_story() {
        let c = ExperimentConfig::default();
        assert_eq!((c.act, c.init, c.std, c.depth, c.width), (Activation::Sigmoid, Init::Normal, 0.1, 10, 64));
        assert_eq!((c.seed, c.data, c.batch, c.gain, c.bn, c.res), (1, Dataset::Spiral, 64, None, false, false));
        assert_eq!(c.optimizer(), OptimizerConfig::for_kind(OptimizerKind::Adam));
        assert_eq!(c.clipping(), Ok(ClipConfig::None));
    }

    #[test]
    fn training_settings_round_trip_through_their_structs() {
        let mut c = ExperimentConfig { opt: OptimizerKind::Sgd, ..ExperimentConfig::default() };
        c.use_optimizer_defaults();
        assert_eq!((c.lr, c.mom, c.wd), (0.1, 0.0, 0.0));
        c.opt = OptimizerKind::Adamw;
        c.use_optimizer_defaults();
        assert_eq!((c.lr, c.mom, c.wd), (1e-3, 0.0, 1e-2));
        let momentum = OptimizerConfig { lr: 0.05, ..OptimizerConfig::for_kind(OptimizerKind::Nesterov) };
        c.set_optimizer(momentum);
        assert_eq!(c.optimizer(), momentum);
        c.set_clipping(ClipConfig::Value(0.25));
        assert_eq!((c.clip, c.clipv, c.clipping()), (ClipMethod::Value, 0.25, Ok(ClipConfig::Value(0.25))));
        c.set_clipping(ClipConfig::None);
        assert_eq!((c.clip, c.clipv), (ClipMethod::None, 0.25), "switching clipping off keeps the threshold");
        assert!(ExperimentConfig { clip: ClipMethod::Norm, clipv: 0.0, ..c }.clipping().is_err());
    }

    #[test]
    fn pretraining_settings_round_trip_through_their_struct() {
        let mut c = ExperimentConfig::default();
        assert_eq!(c.pretraining(), PretrainConfig::default());
        let rbm = PretrainConfig { method: Pretrain::Rbm, cd_k: 3, epochs: 7, lr: 0.05, momentum: 0.5, weight_decay: 0.0, persistent: true };
        c.set_pretraining(rbm);
        assert_eq!(c.pretraining(), rbm);
        assert_eq!((c.pretrain, c.cdk, c.pt_epochs, c.pt_lr, c.pt_mom, c.pt_wd, c.pcd), (Pretrain::Rbm, 3, 7, 0.05, 0.5, 0.0, true));
    }
}
