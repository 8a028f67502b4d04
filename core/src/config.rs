//! The experiment config: the one description of an experiment. It is what a shared link
//! holds (`link`), what the worker receives and what the CLI reads. It holds no weights:
//! weights are always regenerated from it (same config → same numbers).

use serde::{Deserialize, Serialize};

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
}

/// Activation functions, named as in PyTorch (`torch.nn.functional`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

/// Generated datasets (TensorFlow Playground's 2-D classification sets).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Dataset {
    Spiral,
    Circle,
    Xor,
    Gauss,
}
