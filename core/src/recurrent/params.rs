//! Parameter groups of the recurrent cells, one per gate, and their initialization.
//!
//! Weights have PyTorch's layout: W_i· is [hidden, n_inputs], W_h· is [hidden, hidden], row-major
//! (PyTorch stacks the gates' blocks into `weight_ih_l0`, `weight_hh_l0`; here each block is its
//! own tensor). The readout is an `nn.Linear(hidden, n_outputs)`.

use crate::init::WeightInit;
use crate::rng::{Rng, Stream};

use super::{Model, RecurrentConfig, RecurrentInit};

/// What a gate computes, with PyTorch's letter for its parameters (W_i{letter}, b_h{letter}, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GateKind {
    /// The plain RNN's single group: the new hidden state itself.
    Hidden,
    /// LSTM i.
    Input,
    /// LSTM f.
    Forget,
    /// LSTM g, the candidate cell value.
    Cell,
    /// LSTM o.
    Output,
    /// GRU r.
    Reset,
    /// GRU z.
    Update,
    /// GRU n, the candidate hidden state.
    New,
}

impl GateKind {
    /// PyTorch's subscript letter ("" for the plain RNN, whose tensors are W_ih, W_hh, …).
    pub fn letter(self) -> &'static str {
        match self {
            GateKind::Hidden => "",
            GateKind::Input => "i",
            GateKind::Forget => "f",
            GateKind::Cell => "g",
            GateKind::Output => "o",
            GateKind::Reset => "r",
            GateKind::Update => "z",
            GateKind::New => "n",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            GateKind::Hidden => "hidden",
            GateKind::Input => "input",
            GateKind::Forget => "forget",
            GateKind::Cell => "cell",
            GateKind::Output => "output",
            GateKind::Reset => "reset",
            GateKind::Update => "update",
            GateKind::New => "new",
        }
    }
}

impl Model {
    /// The parameter groups, in PyTorch's gate order.
    pub fn gates(self) -> &'static [GateKind] {
        match self {
            Model::Rnn => &[GateKind::Hidden],
            Model::Lstm => &[GateKind::Input, GateKind::Forget, GateKind::Cell, GateKind::Output],
            Model::Gru => &[GateKind::Reset, GateKind::Update, GateKind::New],
        }
    }
}

/// The sizes that fix every tensor's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub model: Model,
    pub n_inputs: usize,
    pub hidden: usize,
    pub n_outputs: usize,
}

/// One gate's parameters: its pre-activation is W_ih x_t + b_ih + W_hh h_{t−1} + b_hh.
#[derive(Clone, Debug, PartialEq)]
pub struct Gate {
    /// W_i· [hidden, n_inputs].
    pub w_ih: Vec<f32>,
    /// W_h· [hidden, hidden].
    pub w_hh: Vec<f32>,
    /// b_i· [hidden].
    pub b_ih: Vec<f32>,
    /// b_h· [hidden].
    pub b_hh: Vec<f32>,
}

/// All parameters of a network (or, with the same layout, their gradients).
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// One per `shape.model.gates()`, in that order.
    pub gates: Vec<Gate>,
    /// Readout weight [n_outputs, hidden].
    pub w_out: Vec<f32>,
    /// Readout bias [n_outputs].
    pub b_out: Vec<f32>,
}

impl Params {
    /// All zeros (the gradient accumulator's starting point).
    pub fn zeros(shape: Shape) -> Self {
        let Shape { model, n_inputs, hidden, n_outputs } = shape;
        let gate = Gate { w_ih: vec![0.0; hidden * n_inputs], w_hh: vec![0.0; hidden * hidden], b_ih: vec![0.0; hidden], b_hh: vec![0.0; hidden] };
        Params { gates: vec![gate; model.gates().len()], w_out: vec![0.0; n_outputs * hidden], b_out: vec![0.0; n_outputs] }
    }

    /// Initial parameters for `cfg`, drawn from its `Stream::Weights`.
    ///
    /// Everything except the recurrent matrices follows PyTorch: W_i·, b_i·, b_h· ~ U(±1/√H)
    /// (nn.RNN/LSTM/GRU's `reset_parameters`), readout weight and bias ~ U(±1/√H) (nn.Linear).
    /// Then the LSTM forget gate gets b_if = fbias, b_hf = 0, and `rinit = identity` zeroes
    /// every gate bias (IRNN). The recurrent matrices W_h· are drawn last, gate by gate, so
    /// changing `rinit` leaves all other initial weights unchanged.
    pub fn init(cfg: &RecurrentConfig, shape: Shape) -> Self {
        let mut rng = Rng::new(cfg.seed, Stream::Weights);
        let hidden = shape.hidden;
        let torch_bound = 1.0 / (hidden as f64).sqrt();
        let uniform = |len: usize, rng: &mut Rng| -> Vec<f32> { (0..len).map(|_| rng.uniform_in(-torch_bound, torch_bound) as f32).collect() };
        let mut params = Params::zeros(shape);
        for gate in &mut params.gates {
            gate.w_ih = uniform(hidden * shape.n_inputs, &mut rng);
            gate.b_ih = uniform(hidden, &mut rng);
            gate.b_hh = uniform(hidden, &mut rng);
        }
        params.w_out = uniform(shape.n_outputs * hidden, &mut rng);
        params.b_out = uniform(shape.n_outputs, &mut rng);
        if cfg.rinit == RecurrentInit::Identity {
            for gate in &mut params.gates {
                gate.b_ih.fill(0.0);
                gate.b_hh.fill(0.0);
            }
        }
        for (gate, &kind) in params.gates.iter_mut().zip(shape.model.gates()) {
            if kind == GateKind::Forget {
                gate.b_ih.fill(cfg.fbias);
                gate.b_hh.fill(0.0);
            }
            let gain = cfg.effective_gain();
            gate.w_hh = match cfg.rinit {
                RecurrentInit::Default => uniform(hidden * hidden, &mut rng),
                RecurrentInit::Identity => (0..hidden * hidden).map(|i| if i % (hidden + 1) == 0 { gain } else { 0.0 }).collect(),
                RecurrentInit::Like(init) => WeightInit { init, gain, std: cfg.std, bound: cfg.bound }.sample(hidden, hidden, &mut rng),
            };
        }
        params
    }

    /// Every tensor, in a fixed order: per gate W_i·, W_h·, b_i·, b_h·; then the readout's
    /// weight and bias. Optimizer state is keyed by this order.
    pub fn tensors(&self) -> Vec<&[f32]> {
        let gates = self.gates.iter().flat_map(|g| [&g.w_ih[..], &g.w_hh[..], &g.b_ih[..], &g.b_hh[..]]);
        gates.chain([&self.w_out[..], &self.b_out[..]]).collect()
    }

    /// `tensors`, mutably.
    pub fn tensors_mut(&mut self) -> Vec<&mut [f32]> {
        let gates = self.gates.iter_mut().flat_map(|g| [&mut g.w_ih[..], &mut g.w_hh[..], &mut g.b_ih[..], &mut g.b_hh[..]]);
        gates.chain([&mut self.w_out[..], &mut self.b_out[..]]).collect()
    }

    /// PyTorch-style names of `tensors()`, e.g. "weight_hh_f" (LSTM W_hf), "readout.bias".
    pub fn tensor_names(model: Model) -> Vec<String> {
        let gates = model.gates().iter().flat_map(|kind| {
            let suffix = if kind.letter().is_empty() { String::new() } else { format!("_{}", kind.letter()) };
            ["weight_ih", "weight_hh", "bias_ih", "bias_hh"].map(|name| format!("{name}{suffix}"))
        });
        gates.chain(["readout.weight".to_owned(), "readout.bias".to_owned()]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Init;

    fn shape(model: Model) -> Shape {
        Shape { model, n_inputs: 3, hidden: 16, n_outputs: 2 }
    }

    fn config(model: Model, rinit: RecurrentInit) -> RecurrentConfig {
        RecurrentConfig { model, rinit, hidden: 16, ..RecurrentConfig::default() }
    }

    #[test]
    fn shapes_and_names_follow_pytorch() {
        let p = Params::zeros(shape(Model::Lstm));
        assert_eq!(p.gates.len(), 4);
        let lens: Vec<usize> = p.tensors().iter().map(|t| t.len()).collect();
        assert_eq!(&lens[..4], [16 * 3, 16 * 16, 16, 16]);
        assert_eq!(&lens[16..], [2 * 16, 2]);
        let names = Params::tensor_names(Model::Lstm);
        assert_eq!(names.len(), lens.len());
        assert_eq!(&names[4..8], ["weight_ih_f", "weight_hh_f", "bias_ih_f", "bias_hh_f"]);
        assert_eq!(Params::tensor_names(Model::Rnn), ["weight_ih", "weight_hh", "bias_ih", "bias_hh", "readout.weight", "readout.bias"]);
        assert_eq!(Params::tensor_names(Model::Gru)[8], "weight_ih_n");
    }

    #[test]
    fn default_init_is_pytorch_uniform_and_forget_bias_is_set() {
        let cfg = RecurrentConfig { fbias: 2.5, ..config(Model::Lstm, RecurrentInit::Default) };
        let p = Params::init(&cfg, shape(Model::Lstm));
        let bound = 0.25; // 1/√16
        for (name, t) in Params::tensor_names(Model::Lstm).iter().zip(p.tensors()) {
            if name == "bias_ih_f" {
                assert!(t.iter().all(|&b| b == 2.5));
            } else if name == "bias_hh_f" {
                assert!(t.iter().all(|&b| b == 0.0));
            } else {
                assert!(t.iter().all(|&w| w.abs() <= bound), "{name} exceeds ±1/√H");
                // 16+ draws all below bound/2 has probability 2^-16.
                assert!(t.len() < 16 || t.iter().any(|&w| w.abs() > 0.5 * bound), "{name} looks not drawn");
            }
        }
    }

    #[test]
    fn identity_and_orthogonal_recurrent_matrices() {
        let cfg = RecurrentConfig { gain: Some(0.9), ..config(Model::Rnn, RecurrentInit::Identity) };
        let p = Params::init(&cfg, shape(Model::Rnn));
        for r in 0..16 {
            for c in 0..16 {
                assert_eq!(p.gates[0].w_hh[r * 16 + c], if r == c { 0.9 } else { 0.0 });
            }
        }
        assert!(p.gates[0].b_ih.iter().chain(&p.gates[0].b_hh).all(|&b| b == 0.0), "IRNN has zero biases");
        let cfg = config(Model::Gru, RecurrentInit::Like(Init::Orthogonal));
        let p = Params::init(&cfg, shape(Model::Gru));
        for gate in &p.gates {
            // Each block is orthogonal: rows are unit vectors and mutually orthogonal.
            for r in 0..16 {
                for s in 0..16 {
                    let dot: f64 = (0..16).map(|c| f64::from(gate.w_hh[r * 16 + c]) * f64::from(gate.w_hh[s * 16 + c])).sum();
                    assert!((dot - if r == s { 1.0 } else { 0.0 }).abs() < 1e-5);
                }
            }
        }
    }

    #[test]
    fn changing_rinit_keeps_every_other_weight() {
        let a = Params::init(&config(Model::Lstm, RecurrentInit::Default), shape(Model::Lstm));
        let b = Params::init(&config(Model::Lstm, RecurrentInit::Like(Init::Orthogonal)), shape(Model::Lstm));
        assert_ne!(a.gates[0].w_hh, b.gates[0].w_hh);
        for (ga, gb) in a.gates.iter().zip(&b.gates) {
            assert_eq!((&ga.w_ih, &ga.b_ih, &ga.b_hh), (&gb.w_ih, &gb.b_ih, &gb.b_hh));
        }
        assert_eq!((&a.w_out, &a.b_out), (&b.w_out, &b.b_out));
    }
}
