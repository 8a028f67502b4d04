//! The recurrent network unrolled over a batch of sequences: forward pass, linear readout of the
//! last steps, loss, and backpropagation through time (full or truncated).
//!
//! Buffers are time-major: step t of sequence b, unit u of a [steps, batch, width] buffer is at
//! (t·batch + b)·width + u. Hidden states include the initial one: h[0] = h_0, h[t] = h_t.
//! The input-side products W_i· x_t + b_i· of all steps are one matrix product per gate, and
//! so are the weight gradients ∂L/∂W_i· and ∂L/∂W_h· (summed over all steps at once); only
//! the recurrence itself goes step by step.

use crate::activation::Activation;
use crate::clip::l2_norm;
use crate::linalg::{gemm, Op, Write};

use super::params::{GateKind, Params, Shape};
use super::task::{Batch, Targets};
use super::{gru, lstm, rnn, Model, RecurrentConfig};

/// σ′ through the output s = σ(x).
pub(super) fn sigmoid_slope(s: f32) -> f32 {
    Activation::Sigmoid.df_from_output(s).expect("sigmoid′ = s(1 − s)")
}

/// tanh′ through the output y = tanh(x).
pub(super) fn tanh_slope(y: f32) -> f32 {
    Activation::Tanh.df_from_output(y).expect("tanh′ = 1 − y²")
}

/// h_0 (and c_0 for the LSTM), each [batch, hidden]; zeros unless given.
#[derive(Clone, Debug, PartialEq)]
pub struct InitialState {
    pub h: Vec<f32>,
    /// Ignored by the RNN and GRU.
    pub c: Vec<f32>,
}

/// A recurrent network with the buffers of its last forward and backward pass.
#[derive(Clone, Debug)]
pub struct RecurrentNet {
    shape: Shape,
    /// φ of the plain RNN.
    nonlinearity: Activation,
    pub params: Params,
    /// ∂L/∂params from the last `backward` (overwritten, not accumulated).
    pub grads: Params,
    batch: usize,
    steps: usize,
    /// [steps, batch, n_inputs], kept for ∂L/∂W_i·.
    inputs: Vec<f32>,
    /// Per gate [steps, batch, hidden]: W_i· x_t + b_i·.
    pre_ih: Vec<Vec<f32>>,
    /// Per gate [batch, hidden], the current step's W_h· h_{t−1} + b_h·.
    pre_hh: Vec<Vec<f32>>,
    /// Per gate [steps, batch, hidden]: LSTM i, f, g, o; GRU r, z, n (empty for the RNN).
    gate_values: Vec<Vec<f32>>,
    /// [steps + 1, batch, hidden]: h_0 … h_T.
    h: Vec<f32>,
    /// LSTM only, [steps + 1, batch, hidden]: c_0 … c_T.
    c: Vec<f32>,
    /// [steps, batch, hidden]: LSTM tanh(c_t); GRU W_hn h_{t−1} + b_hn; unused by the RNN.
    aux: Vec<f32>,
    /// How many final steps the readout reads.
    output_steps: usize,
    /// [output_steps, batch, n_outputs].
    outputs: Vec<f32>,
    grad_outputs: Vec<f32>,
    /// [output_steps, batch, hidden]: ∂L/∂h_t through the readout only.
    grad_h_out: Vec<f32>,
    /// Per gate [steps, batch, hidden]: ∂L/∂(input-side pre-activation).
    d_pre: Vec<Vec<f32>>,
    /// GRU only, [steps, batch, hidden]: ∂L/∂(W_hn h_{t−1} + b_hn).
    d_hn: Vec<f32>,
    /// Carried ∂L/∂h and ∂L/∂c of the current step and the one before it, [batch, hidden].
    dh: Vec<f32>,
    dh_prev: Vec<f32>,
    dc: Vec<f32>,
    dc_prev: Vec<f32>,
    /// [steps, batch, n_inputs].
    grad_inputs: Vec<f32>,
    /// ‖∂L/∂h_t‖ and (LSTM) ‖∂L/∂c_t‖ for t = 1..=steps.
    grad_h_norm: Vec<f64>,
    grad_c_norm: Vec<f64>,
}

/// Rows `t` of a [_, batch, width] buffer whose step blocks are `block` long.
fn at(buf: &[f32], t: usize, block: usize) -> &[f32] {
    &buf[t * block..(t + 1) * block]
}

fn at_mut(buf: &mut [f32], t: usize, block: usize) -> &mut [f32] {
    &mut buf[t * block..(t + 1) * block]
}

/// Step `t` of every gate's buffer.
fn all_at(bufs: &[Vec<f32>], t: usize, block: usize) -> Vec<&[f32]> {
    bufs.iter().map(|b| at(b, t, block)).collect()
}

fn all_at_mut(bufs: &mut [Vec<f32>], t: usize, block: usize) -> Vec<&mut [f32]> {
    bufs.iter_mut().map(|b| at_mut(b, t, block)).collect()
}

/// Adds `bias` to every row of the row-major `m`.
fn add_bias(m: &mut [f32], bias: &[f32]) {
    for row in m.chunks_exact_mut(bias.len()) {
        for (x, &b) in row.iter_mut().zip(bias) {
            *x += b;
        }
    }
}

/// out[u] = Σ_rows m[row][u], summed in f64 in row order.
fn column_sums(m: &[f32], out: &mut [f32]) {
    let mut sums = vec![0.0f64; out.len()];
    for row in m.chunks_exact(out.len()) {
        for (s, &x) in sums.iter_mut().zip(row) {
            *s += f64::from(x);
        }
    }
    for (o, s) in out.iter_mut().zip(sums) {
        *o = s as f32;
    }
}

fn resize(buf: &mut Vec<f32>, len: usize) {
    buf.clear();
    buf.resize(len, 0.0);
}

fn resize_all(bufs: &mut Vec<Vec<f32>>, count: usize, len: usize) {
    bufs.resize_with(count, Vec::new);
    for b in bufs.iter_mut() {
        resize(b, len);
    }
}

impl RecurrentNet {
    /// The network `cfg` describes, sized for its task, with initial weights from its seed.
    pub fn new(cfg: &RecurrentConfig) -> Self {
        let shape = Shape { model: cfg.model, n_inputs: cfg.task.n_inputs(), hidden: cfg.hidden, n_outputs: cfg.task.n_outputs() };
        Self::with_params(shape, cfg.nonlinearity, Params::init(cfg, shape))
    }

    /// A network with the given weights (whose sizes must match `shape`).
    pub fn with_params(shape: Shape, nonlinearity: Activation, params: Params) -> Self {
        assert_eq!(params.tensors().iter().map(|t| t.len()).collect::<Vec<_>>(), Params::zeros(shape).tensors().iter().map(|t| t.len()).collect::<Vec<_>>(), "parameter shapes");
        RecurrentNet {
            shape,
            nonlinearity,
            grads: Params::zeros(shape),
            params,
            batch: 0,
            steps: 0,
            inputs: Vec::new(),
            pre_ih: Vec::new(),
            pre_hh: Vec::new(),
            gate_values: Vec::new(),
            h: Vec::new(),
            c: Vec::new(),
            aux: Vec::new(),
            output_steps: 0,
            outputs: Vec::new(),
            grad_outputs: Vec::new(),
            grad_h_out: Vec::new(),
            d_pre: Vec::new(),
            d_hn: Vec::new(),
            dh: Vec::new(),
            dh_prev: Vec::new(),
            dc: Vec::new(),
            dc_prev: Vec::new(),
            grad_inputs: Vec::new(),
            grad_h_norm: Vec::new(),
            grad_c_norm: Vec::new(),
        }
    }

    pub fn shape(&self) -> Shape {
        self.shape
    }

    pub fn nonlinearity(&self) -> Activation {
        self.nonlinearity
    }

    /// Sequences in the last forward pass.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// Steps T of the last forward pass.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Runs the recurrence over `inputs` ([steps, batch, n_inputs]) from `initial` (zeros if `None`).
    ///
    /// # Panics
    /// If `inputs` or `initial` do not fit the shape (a bug in the caller).
    pub fn forward(&mut self, inputs: &[f32], batch: usize, initial: Option<&InitialState>) {
        let Shape { model, n_inputs, hidden, .. } = self.shape;
        assert!(batch > 0 && inputs.len().is_multiple_of(batch * n_inputs), "inputs are not [steps, {batch}, {n_inputs}]");
        let steps = inputs.len() / (batch * n_inputs);
        let bh = batch * hidden;
        let n_gates = model.gates().len();
        self.batch = batch;
        self.steps = steps;
        self.inputs.clear();
        self.inputs.extend_from_slice(inputs);
        resize_all(&mut self.pre_ih, n_gates, steps * bh);
        resize_all(&mut self.pre_hh, n_gates, bh);
        resize_all(&mut self.gate_values, if model == Model::Rnn { 0 } else { n_gates }, steps * bh);
        resize(&mut self.h, (steps + 1) * bh);
        resize(&mut self.c, if model == Model::Lstm { (steps + 1) * bh } else { 0 });
        resize(&mut self.aux, if model == Model::Rnn { 0 } else { steps * bh });
        if let Some(initial) = initial {
            self.h[..bh].copy_from_slice(&initial.h);
            if model == Model::Lstm {
                self.c[..bh].copy_from_slice(&initial.c);
            }
        }
        for (pre, gate) in self.pre_ih.iter_mut().zip(&self.params.gates) {
            gemm(steps * batch, n_inputs, hidden, &self.inputs, Op::N, &gate.w_ih, Op::T, pre, Write::Overwrite);
            add_bias(pre, &gate.b_ih);
        }
        for t in 0..steps {
            let (past, future) = self.h.split_at_mut((t + 1) * bh);
            let h_prev = &past[t * bh..];
            let h_next = &mut future[..bh];
            for (pre, gate) in self.pre_hh.iter_mut().zip(&self.params.gates) {
                gemm(batch, hidden, hidden, h_prev, Op::N, &gate.w_hh, Op::T, pre, Write::Overwrite);
                add_bias(pre, &gate.b_hh);
            }
            let pre_ih = all_at(&self.pre_ih, t, bh);
            let mut gates = all_at_mut(&mut self.gate_values, t, bh);
            match model {
                Model::Rnn => rnn::forward_step(self.nonlinearity, pre_ih[0], &self.pre_hh[0], h_next),
                Model::Lstm => {
                    let (c_past, c_future) = self.c.split_at_mut((t + 1) * bh);
                    let tanh_c = at_mut(&mut self.aux, t, bh);
                    lstm::forward_step(&pre_ih, &self.pre_hh, &c_past[t * bh..], &mut gates, &mut c_future[..bh], tanh_c, h_next);
                }
                Model::Gru => gru::forward_step(&pre_ih, &self.pre_hh, h_prev, &mut gates, at_mut(&mut self.aux, t, bh), h_next),
            }
        }
    }

    /// The readout y = W_out h_t + b_out of the last `output_steps` steps, [output_steps, batch, n_outputs].
    pub fn readout(&mut self, output_steps: usize) -> &[f32] {
        let Shape { hidden, n_outputs, .. } = self.shape;
        assert!((1..=self.steps).contains(&output_steps), "readout of {output_steps} of {} steps", self.steps);
        let rows = output_steps * self.batch;
        self.output_steps = output_steps;
        resize(&mut self.outputs, rows * n_outputs);
        let h_out = &self.h[(self.steps + 1 - output_steps) * self.batch * hidden..];
        gemm(rows, hidden, n_outputs, h_out, Op::N, &self.params.w_out, Op::T, &mut self.outputs, Write::Overwrite);
        add_bias(&mut self.outputs, &self.params.b_out);
        &self.outputs
    }

    /// Forward pass, readout, loss against `batch.targets`, and backward pass with truncation
    /// window `tbptt` (0 = full). Returns the loss; the gradients are in `grads`.
    pub fn loss_and_grads(&mut self, batch: &Batch, initial: Option<&InitialState>, tbptt: usize) -> f64 {
        self.forward(&batch.inputs, batch.size, initial);
        self.readout(batch.output_steps);
        let mut grad_outputs = std::mem::take(&mut self.grad_outputs);
        let loss = batch.targets.loss(&self.outputs, self.shape.n_outputs, &mut grad_outputs);
        self.backward(&grad_outputs, tbptt);
        self.grad_outputs = grad_outputs;
        loss
    }

    /// Backpropagation through time from ∂L/∂outputs of the last `readout`.
    ///
    /// Truncation (`tbptt` = k > 0): counting back from the last step, the state is detached
    /// every k steps: no gradient flows from h_{T−jk+1} (and c) into h_{T−jk}, j = 1, 2, …
    /// This is the gradient PyTorch computes when the forward pass calls `h = h.detach()`
    /// after steps T−k, T−2k, … (TBPTT(k, k) of Williams & Peng 1990, with the chunks aligned
    /// to end at the last step and one update per sequence). A loss at step t thus reaches
    /// back at most k steps, and the final loss exactly k: parameters receive the contributions
    /// of steps T−k+1 … T, and ∂L/∂h_{T−k} is only its own readout's. k ≥ T with T a multiple
    /// of k also detaches h_0, so its gradient is 0.
    pub fn backward(&mut self, grad_outputs: &[f32], tbptt: usize) {
        let Shape { model, n_inputs, hidden, n_outputs } = self.shape;
        let (batch, steps) = (self.batch, self.steps);
        let bh = batch * hidden;
        let out_rows = self.output_steps * batch;
        assert_eq!(grad_outputs.len(), out_rows * n_outputs, "∂L/∂outputs shape");

        // Readout: y = h W_outᵀ + b_out.
        let h_out = &self.h[(steps + 1 - self.output_steps) * bh..];
        gemm(n_outputs, out_rows, hidden, grad_outputs, Op::T, h_out, Op::N, &mut self.grads.w_out, Write::Overwrite);
        column_sums(grad_outputs, &mut self.grads.b_out);
        resize(&mut self.grad_h_out, out_rows * hidden);
        gemm(out_rows, n_outputs, hidden, grad_outputs, Op::N, &self.params.w_out, Op::N, &mut self.grad_h_out, Write::Overwrite);

        let n_gates = model.gates().len();
        resize_all(&mut self.d_pre, n_gates, steps * bh);
        resize(&mut self.d_hn, if model == Model::Gru { steps * bh } else { 0 });
        for buf in [&mut self.dh, &mut self.dh_prev, &mut self.dc, &mut self.dc_prev] {
            resize(buf, bh);
        }
        self.grad_h_norm.clear();
        self.grad_h_norm.resize(steps, 0.0);
        self.grad_c_norm.clear();
        self.grad_c_norm.resize(if model == Model::Lstm { steps } else { 0 }, 0.0);
        let first_output = steps - self.output_steps;

        for t in (0..steps).rev() {
            // self.dh is ∂L/∂h_{t+1} (1-based) through later steps; add this step's readout.
            if t >= first_output {
                for (d, &g) in self.dh.iter_mut().zip(at(&self.grad_h_out, t - first_output, bh)) {
                    *d += g;
                }
            }
            self.grad_h_norm[t] = l2_norm(&self.dh);
            let mut d_pre = all_at_mut(&mut self.d_pre, t, bh);
            self.dh_prev.fill(0.0);
            match model {
                Model::Rnn => rnn::backward_step(self.nonlinearity, at(&self.h, t + 1, bh), &self.dh, d_pre[0]),
                Model::Lstm => {
                    let [i, f, g, o] = &all_at(&self.gate_values, t, bh)[..] else { unreachable!("an LSTM has four gates") };
                    let gates = lstm::Gates { i, f, g, o };
                    lstm::backward_step(&gates, at(&self.c, t, bh), at(&self.aux, t, bh), &self.dh, &mut self.dc, &mut d_pre, &mut self.dc_prev);
                    self.grad_c_norm[t] = l2_norm(&self.dc);
                }
                Model::Gru => {
                    let [r, z, n] = &all_at(&self.gate_values, t, bh)[..] else { unreachable!("a GRU has three gates") };
                    let gates = gru::Gates { r, z, n };
                    gru::backward_step(&gates, at(&self.h, t, bh), at(&self.aux, t, bh), &self.dh, &mut d_pre, at_mut(&mut self.d_hn, t, bh), &mut self.dh_prev);
                }
            }
            // The matrix paths: ∂L/∂h_{t−1} += ∂L/∂(W_h· h_{t−1} + b_h·) · W_h·.
            for (k, gate) in self.params.gates.iter().enumerate() {
                let d_hidden_side = if model.gates()[k] == GateKind::New { at(&self.d_hn, t, bh) } else { &*d_pre[k] };
                gemm(batch, hidden, hidden, d_hidden_side, Op::N, &gate.w_hh, Op::N, &mut self.dh_prev, Write::Accumulate);
            }
            if tbptt > 0 && (steps - t) % tbptt == 0 {
                self.dh_prev.fill(0.0);
                self.dc_prev.fill(0.0);
            }
            std::mem::swap(&mut self.dh, &mut self.dh_prev);
            std::mem::swap(&mut self.dc, &mut self.dc_prev);
        }

        // Parameter gradients, summed over all steps by one product each.
        resize(&mut self.grad_inputs, steps * batch * n_inputs);
        let h_prevs = &self.h[..steps * bh];
        for (k, (gate, grad)) in self.params.gates.iter().zip(&mut self.grads.gates).enumerate() {
            let d_input_side = &self.d_pre[k];
            let d_hidden_side = if model.gates()[k] == GateKind::New { &self.d_hn } else { d_input_side };
            gemm(hidden, steps * batch, n_inputs, d_input_side, Op::T, &self.inputs, Op::N, &mut grad.w_ih, Write::Overwrite);
            column_sums(d_input_side, &mut grad.b_ih);
            gemm(hidden, steps * batch, hidden, d_hidden_side, Op::T, h_prevs, Op::N, &mut grad.w_hh, Write::Overwrite);
            column_sums(d_hidden_side, &mut grad.b_hh);
            let write = if k == 0 { Write::Overwrite } else { Write::Accumulate };
            gemm(steps * batch, hidden, n_inputs, d_input_side, Op::N, &gate.w_ih, Op::N, &mut self.grad_inputs, write);
        }
    }

    /// Hidden states h_0 … h_T, [steps + 1, batch, hidden].
    pub fn hidden_states(&self) -> &[f32] {
        &self.h
    }

    /// LSTM cell states c_0 … c_T, [steps + 1, batch, hidden]; empty for the others.
    pub fn cell_states(&self) -> &[f32] {
        &self.c
    }

    /// Values of gate `k` (in `model.gates()` order) at every step, [steps, batch, hidden];
    /// empty for the plain RNN, whose only group is the hidden state itself.
    pub fn gate_values(&self, k: usize) -> &[f32] {
        self.gate_values.get(k).map_or(&[], |g| &g[..])
    }

    /// The last readout, [output_steps, batch, n_outputs].
    pub fn outputs(&self) -> &[f32] {
        &self.outputs
    }

    /// ‖∂L/∂h_t‖ (Frobenius over batch and units; L is the batch mean) for t = 1..=T, from
    /// the last `backward`: the total derivative, through the readout and through later steps.
    pub fn grad_h_norms(&self) -> &[f64] {
        &self.grad_h_norm
    }

    /// ‖∂L/∂c_t‖ for t = 1..=T (LSTM only; empty otherwise).
    pub fn grad_c_norms(&self) -> &[f64] {
        &self.grad_c_norm
    }

    /// ∂L/∂inputs, [steps, batch, n_inputs].
    pub fn input_grad(&self) -> &[f32] {
        &self.grad_inputs
    }

    /// ∂L/∂h_0 and (LSTM) ∂L/∂c_0 from the last `backward`.
    pub fn initial_grad(&self) -> InitialState {
        let c = if self.shape.model == Model::Lstm { self.dc.clone() } else { Vec::new() };
        InitialState { h: self.dh.clone(), c }
    }
}

impl Targets {
    /// The loss of `outputs` ([rows, n_outputs]) and ∂loss/∂outputs into `grad`: MSE for
    /// values, mean softmax cross-entropy for classes.
    pub fn loss(&self, outputs: &[f32], n_outputs: usize, grad: &mut Vec<f32>) -> f64 {
        match self {
            Targets::Values(values) => crate::mlp::mean_squared_error(outputs, values, grad),
            Targets::Classes(labels) => crate::mlp::softmax_cross_entropy(outputs, labels, n_outputs, grad),
        }
    }
}
