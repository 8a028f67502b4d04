//! A fully connected network with hand-written backprop, in f32, batch-major.
//!
//! Layer l (1-based) computes h_l = a_{l−1}·W_lᵀ + b_l with W_l of shape [fan_out, fan_in]
//! (PyTorch's `nn.Linear`). Hidden layers (l ≤ depth) then apply optional batch norm
//! (training-mode batch statistics, as PyTorch), the activation φ and an optional identity
//! skip: a_l = a_{l−1} + φ(BN(h_l)) where fan_in = fan_out. The readout l = depth+1 is linear
//! and yields the logits.
//!
//! The forward pass keeps, per layer, h and a (the backward pass needs both); all buffers live
//! in the network and are reused across calls, so repeated passes with the same batch size
//! allocate nothing.

use std::borrow::Cow;

use crate::activation::Activation;
use crate::config::ExperimentConfig;
use crate::init::WeightInit;
use crate::linalg::{gemm, Op, Write};
use crate::rng::{Rng, Stream};

/// Batch norm's ε, PyTorch's default.
pub const BN_EPS: f64 = 1e-5;

/// What a parameter tensor is (PyTorch names it `weight`/`bias` in both Linear and BatchNorm).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    Weight,
    Bias,
    /// BatchNorm's γ (PyTorch: `bn.weight`).
    BnScale,
    /// BatchNorm's β (PyTorch: `bn.bias`).
    BnShift,
}

/// One parameter tensor and its gradient, for optimizers to iterate over.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub kind: ParamKind,
    /// Shape [rows, cols], row-major; vectors are [1, n].
    pub rows: usize,
    pub cols: usize,
    pub value: Vec<f32>,
    /// ∂L/∂value from the last `backward` (overwritten each time, not accumulated).
    pub grad: Vec<f32>,
}

impl Param {
    fn new(kind: ParamKind, rows: usize, cols: usize, value: Vec<f32>) -> Self {
        debug_assert_eq!(value.len(), rows * cols);
        Param { kind, rows, cols, grad: vec![0.0; value.len()], value }
    }
}

/// Batch norm of one hidden layer, with the statistics of the last forward pass.
#[derive(Clone, Debug)]
pub struct BatchNorm {
    pub scale: Param,
    pub shift: Param,
    mean: Vec<f32>,
    inv_std: Vec<f32>,
}

impl BatchNorm {
    fn new(width: usize) -> Self {
        BatchNorm {
            scale: Param::new(ParamKind::BnScale, 1, width, vec![1.0; width]),
            shift: Param::new(ParamKind::BnShift, 1, width, vec![0.0; width]),
            mean: vec![0.0; width],
            inv_std: vec![0.0; width],
        }
    }

    /// Per-unit batch mean and 1/√(biased variance + ε), as PyTorch normalizes in training mode.
    fn fit(&mut self, h: &[f32], width: usize, sums: &mut Vec<f64>) {
        let batch = (h.len() / width) as f64;
        column_sums(h, width, sums);
        let means: Vec<f64> = sums.iter().map(|s| s / batch).collect();
        sums.clear();
        sums.resize(width, 0.0);
        for row in h.chunks_exact(width) {
            for ((acc, &v), m) in sums.iter_mut().zip(row).zip(&means) {
                let d = f64::from(v) - m;
                *acc += d * d;
            }
        }
        for j in 0..width {
            self.mean[j] = means[j] as f32;
            self.inv_std[j] = (1.0 / (sums[j] / batch + BN_EPS).sqrt()) as f32;
        }
    }

    fn normalized(&self, h: f32, unit: usize) -> f32 {
        (h - self.mean[unit]) * self.inv_std[unit]
    }

    fn output(&self, h: f32, unit: usize) -> f32 {
        self.scale.value[unit] * self.normalized(h, unit) + self.shift.value[unit]
    }

    /// Given dz = ∂L/∂(BN output) in `grad`, stores ∂L/∂γ, ∂L/∂β and replaces `grad` by
    /// ∂L/∂h = γ·inv_std·(dz − mean_b dz − x̂·mean_b(dz·x̂)) (PyTorch's formula).
    fn backward(&mut self, h: &[f32], grad: &mut [f32], width: usize, sums: &mut Vec<f64>) {
        let batch = (h.len() / width) as f64;
        column_sums(grad, width, sums);
        let shift_grad: Vec<f64> = sums.clone();
        sums.clear();
        sums.resize(width, 0.0);
        for (h_row, g_row) in h.chunks_exact(width).zip(grad.chunks_exact(width)) {
            for (j, acc) in sums.iter_mut().enumerate() {
                *acc += f64::from(g_row[j]) * f64::from(self.normalized(h_row[j], j));
            }
        }
        for j in 0..width {
            self.shift.grad[j] = shift_grad[j] as f32;
            self.scale.grad[j] = sums[j] as f32;
        }
        for (h_row, g_row) in h.chunks_exact(width).zip(grad.chunks_exact_mut(width)) {
            for j in 0..width {
                let x_hat = f64::from(self.normalized(h_row[j], j));
                let factor = f64::from(self.scale.value[j]) * f64::from(self.inv_std[j]);
                let centered = f64::from(g_row[j]) - shift_grad[j] / batch - x_hat * sums[j] / batch;
                g_row[j] = (factor * centered) as f32;
            }
        }
    }
}

/// z = BN(h) (or h without BN) for every entry of the [batch, width] pre-activation, in order:
/// what φ is applied to.
fn activation_inputs<'a>(pre: &'a [f32], bn: Option<&'a BatchNorm>, width: usize) -> impl Iterator<Item = f32> + 'a {
    pre.chunks_exact(width).flat_map(move |row| row.iter().enumerate().map(move |(unit, &h)| bn.map_or(h, |bn| bn.output(h, unit))))
}

/// Sums down each column of a row-major [rows, width] matrix, in f64, in row order.
fn column_sums(m: &[f32], width: usize, sums: &mut Vec<f64>) {
    sums.clear();
    sums.resize(width, 0.0);
    for row in m.chunks_exact(width) {
        for (acc, &v) in sums.iter_mut().zip(row) {
            *acc += f64::from(v);
        }
    }
}

#[derive(Clone, Debug)]
pub struct Layer {
    pub fan_in: usize,
    pub fan_out: usize,
    pub weight: Param,
    pub bias: Param,
    pub bn: Option<BatchNorm>,
    /// Hidden layers apply BN/activation/skip; the readout is purely linear.
    pub hidden: bool,
    /// a = a_in + φ(·): identity skip around this block.
    pub residual: bool,
    /// h of the last forward pass, [batch, fan_out].
    pre: Vec<f32>,
    /// a (or the logits) of the last forward pass, [batch, fan_out].
    out: Vec<f32>,
}

impl Layer {
    /// Pre-activation h = a_in·Wᵀ + b (before BN) of the last forward pass.
    pub fn pre_activation(&self) -> &[f32] {
        &self.pre
    }

    /// Output a of the last forward pass (the logits for the readout).
    pub fn output(&self) -> &[f32] {
        &self.out
    }

    /// φ's output of the last forward pass: the layer's output itself, except that a residual
    /// block's output also holds the skip, so there φ(BN(h)) is recomputed (same operations,
    /// same bits as in the forward pass).
    pub fn activation_output(&self, act: Activation, slope: f32) -> Cow<'_, [f32]> {
        if !self.residual {
            return Cow::Borrowed(&self.out);
        }
        Cow::Owned(self.activation_input().map(|z| act.f(z, slope)).collect())
    }

    /// What φ was applied to in the last forward pass, batch-major: z = BN(h) with batch norm,
    /// else h itself.
    pub fn activation_input(&self) -> impl Iterator<Item = f32> + '_ {
        activation_inputs(&self.pre, self.bn.as_ref(), self.fan_out)
    }

    /// This layer's parameters: weight, bias, then BN's γ and β if present.
    pub fn params(&self) -> impl Iterator<Item = &Param> {
        [&self.weight, &self.bias].into_iter().chain(self.bn.iter().flat_map(|bn| [&bn.scale, &bn.shift]))
    }

    pub fn params_mut(&mut self) -> impl Iterator<Item = &mut Param> {
        [&mut self.weight, &mut self.bias].into_iter().chain(self.bn.iter_mut().flat_map(|bn| [&mut bn.scale, &mut bn.shift]))
    }
}

/// What `backward` shows the observer about one layer (all row-major, batch-major).
#[derive(Clone, Copy, Debug)]
pub struct LayerBackward<'a> {
    /// 1-based layer number; depth+1 is the readout.
    pub layer: usize,
    /// δ = ∂L/∂h, h the pre-activation before BN; [batch, fan_out].
    pub delta: &'a [f32],
    /// ∂L/∂(this layer's output a_l), ∂L/∂logits for the readout; [batch, fan_out].
    pub grad_output: &'a [f32],
    /// ∂L/∂(this layer's input a_{l−1}), the network input for layer 1, including the skip
    /// path; [batch, fan_in].
    pub grad_input: &'a [f32],
}

#[derive(Clone, Debug)]
pub struct Mlp {
    pub layers: Vec<Layer>,
    pub act: Activation,
    pub slope: f32,
    /// Batch size of the last forward pass (0 before the first).
    batch: usize,
    input: Vec<f32>,
    input_grad: Vec<f32>,
    // Backward scratch, reused across calls.
    grad_output: Vec<f32>,
    grad_input: Vec<f32>,
    delta: Vec<f32>,
    sums: Vec<f64>,
}

impl Mlp {
    /// The network `cfg` describes, for `n_inputs` features and `n_outputs` logits. Weights are
    /// drawn layer by layer from the config's weight stream; biases start at 0, BN at γ=1, β=0.
    pub fn new(cfg: &ExperimentConfig, n_inputs: usize, n_outputs: usize) -> Self {
        let init = WeightInit::from_config(cfg);
        let mut rng = Rng::new(cfg.seed, Stream::Weights);
        let mut fan_in = n_inputs;
        let layers = (0..=cfg.depth)
            .map(|i| {
                let hidden = i < cfg.depth;
                let fan_out = if hidden { cfg.width } else { n_outputs };
                let layer = Layer {
                    fan_in,
                    fan_out,
                    weight: Param::new(ParamKind::Weight, fan_out, fan_in, init.sample(fan_in, fan_out, &mut rng)),
                    bias: Param::new(ParamKind::Bias, 1, fan_out, vec![0.0; fan_out]),
                    bn: (hidden && cfg.bn).then(|| BatchNorm::new(fan_out)),
                    hidden,
                    residual: hidden && cfg.res && fan_in == fan_out,
                    pre: Vec::new(),
                    out: Vec::new(),
                };
                fan_in = fan_out;
                layer
            })
            .collect();
        Mlp {
            layers,
            act: cfg.act,
            slope: cfg.slope,
            batch: 0,
            input: Vec::new(),
            input_grad: Vec::new(),
            grad_output: Vec::new(),
            grad_input: Vec::new(),
            delta: Vec::new(),
            sums: Vec::new(),
        }
    }

    pub fn n_inputs(&self) -> usize {
        self.layers[0].fan_in
    }

    pub fn n_outputs(&self) -> usize {
        self.layers.last().map_or(0, |l| l.fan_out)
    }

    /// Batch size of the last forward pass.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// The input of the last forward pass, [batch, n_inputs].
    pub fn input(&self) -> &[f32] {
        &self.input
    }

    /// ∂L/∂input from the last backward pass, [batch, n_inputs].
    pub fn input_grad(&self) -> &[f32] {
        &self.input_grad
    }

    pub fn logits(&self) -> &[f32] {
        self.layers.last().map_or(&[], |l| &l.out)
    }

    pub fn params(&self) -> impl Iterator<Item = &Param> {
        self.layers.iter().flat_map(Layer::params)
    }

    pub fn params_mut(&mut self) -> impl Iterator<Item = &mut Param> {
        self.layers.iter_mut().flat_map(Layer::params_mut)
    }

    /// Runs `inputs` ([batch, n_inputs], batch ≥ 1) through the network; returns the logits.
    /// Batch norm normalizes with this batch's statistics (PyTorch's training mode).
    pub fn forward(&mut self, inputs: &[f32], batch: usize) -> &[f32] {
        self.forward_with(inputs, batch, true)
    }

    /// `forward` with batch norm normalizing by the statistics of the last `forward` instead of
    /// this batch's (what PyTorch's eval mode does with running averages, which this network
    /// does not keep). Evaluates points one by one, e.g. a grid, whatever their mix. Without
    /// batch norm it is `forward`. Before any `forward`, batch norm outputs β.
    pub fn forward_inference(&mut self, inputs: &[f32], batch: usize) -> &[f32] {
        self.forward_with(inputs, batch, false)
    }

    fn forward_with(&mut self, inputs: &[f32], batch: usize, fit_batch_norm: bool) -> &[f32] {
        assert!(batch > 0 && inputs.len() == batch * self.n_inputs(), "forward: {} inputs for batch {batch}", inputs.len());
        self.batch = batch;
        self.input.clear();
        self.input.extend_from_slice(inputs);
        let (act, slope) = (self.act, self.slope);
        for i in 0..self.layers.len() {
            let (before, rest) = self.layers.split_at_mut(i);
            let layer_in = if i == 0 { &self.input } else { &before[i - 1].out };
            let layer = &mut rest[0];
            let width = layer.fan_out;
            layer.pre.clear();
            for _ in 0..batch {
                layer.pre.extend_from_slice(&layer.bias.value);
            }
            gemm(batch, layer.fan_in, width, layer_in, Op::N, &layer.weight.value, Op::T, &mut layer.pre, Write::Accumulate);
            layer.out.resize(batch * width, 0.0);
            if !layer.hidden {
                layer.out.copy_from_slice(&layer.pre);
                continue;
            }
            if let Some(bn) = layer.bn.as_mut().filter(|_| fit_batch_norm) {
                bn.fit(&layer.pre, width, &mut self.sums);
            }
            for (a, z) in layer.out.iter_mut().zip(activation_inputs(&layer.pre, layer.bn.as_ref(), width)) {
                *a = act.f(z, slope);
            }
            if layer.residual {
                for (a, x) in layer.out.iter_mut().zip(layer_in) {
                    *a += x;
                }
            }
        }
        self.logits()
    }

    /// Backpropagates `grad_logits` = ∂L/∂logits ([batch, n_outputs]) through the last forward
    /// pass: fills every parameter's `grad` and `input_grad`, and shows each layer, from the
    /// readout down to layer 1, to `observe`.
    pub fn backward(&mut self, grad_logits: &[f32], mut observe: impl FnMut(LayerBackward<'_>)) {
        let batch = self.batch;
        assert!(batch > 0, "backward before forward");
        assert_eq!(grad_logits.len(), batch * self.n_outputs(), "backward: gradient shape");
        let (act, slope) = (self.act, self.slope);
        self.grad_output.clear();
        self.grad_output.extend_from_slice(grad_logits);
        for i in (0..self.layers.len()).rev() {
            let (before, rest) = self.layers.split_at_mut(i);
            let layer_in = if i == 0 { &self.input } else { &before[i - 1].out };
            let layer = &mut rest[0];
            let (fan_in, width) = (layer.fan_in, layer.fan_out);
            // δ = ∂L/∂h: through the activation (and BN) for hidden layers.
            self.delta.clear();
            self.delta.extend_from_slice(&self.grad_output);
            if layer.hidden {
                // Without a skip, a = φ(z) exactly, so φ′ can come from a where that is cheaper
                // (bit-identical to φ′(z), see `df_from_output`).
                let output_is_phi = !layer.residual;
                let phi_inputs = activation_inputs(&layer.pre, layer.bn.as_ref(), width);
                for ((d, &a), z) in self.delta.iter_mut().zip(&layer.out).zip(phi_inputs) {
                    *d *= match act.df_from_output(a) {
                        Some(df) if output_is_phi => df,
                        _ => act.df(z, slope),
                    };
                }
                if let Some(bn) = &mut layer.bn {
                    bn.backward(&layer.pre, &mut self.delta, width, &mut self.sums);
                }
            }
            gemm(width, batch, fan_in, &self.delta, Op::T, layer_in, Op::N, &mut layer.weight.grad, Write::Overwrite);
            column_sums(&self.delta, width, &mut self.sums);
            for (g, s) in layer.bias.grad.iter_mut().zip(&self.sums) {
                *g = *s as f32;
            }
            self.grad_input.resize(batch * fan_in, 0.0);
            gemm(batch, width, fan_in, &self.delta, Op::N, &layer.weight.value, Op::N, &mut self.grad_input, Write::Overwrite);
            if layer.residual {
                for (gi, go) in self.grad_input.iter_mut().zip(&self.grad_output) {
                    *gi += go;
                }
            }
            observe(LayerBackward { layer: i + 1, delta: &self.delta, grad_output: &self.grad_output, grad_input: &self.grad_input });
            std::mem::swap(&mut self.grad_output, &mut self.grad_input);
        }
        self.input_grad.clear();
        self.input_grad.extend_from_slice(&self.grad_output);
    }
}

/// Mean softmax cross-entropy of `logits` ([batch, n_classes]) against `labels`; writes
/// ∂L/∂logits = (softmax − onehot)/batch into `grad`. Computed per row in f64 with the max
/// subtracted (no overflow); non-finite logits give a NaN loss, never a panic.
pub fn softmax_cross_entropy(logits: &[f32], labels: &[usize], n_classes: usize, grad: &mut Vec<f32>) -> f64 {
    let batch = labels.len();
    assert_eq!(logits.len(), batch * n_classes, "cross-entropy: logits shape");
    grad.clear();
    grad.resize(logits.len(), 0.0);
    let mut total = 0.0;
    for ((row, &label), grad_row) in logits.chunks_exact(n_classes).zip(labels).zip(grad.chunks_exact_mut(n_classes)) {
        let max = row.iter().fold(f64::NEG_INFINITY, |m, &z| m.max(f64::from(z)));
        let sum: f64 = row.iter().map(|&z| libm::exp(f64::from(z) - max)).sum();
        total += libm::log(sum) - (f64::from(row[label]) - max);
        for (c, (g, &z)) in grad_row.iter_mut().zip(row).enumerate() {
            let p = libm::exp(f64::from(z) - max) / sum;
            let target = if c == label { 1.0 } else { 0.0 };
            *g = ((p - target) / batch as f64) as f32;
        }
    }
    total / batch as f64
}

/// Mean squared error of `outputs` against `targets` (same shape), averaged over every entry
/// as PyTorch's `MSELoss`; writes ∂L/∂outputs = 2(y − t)/n into `grad`. Computed in f64;
/// non-finite outputs give a non-finite loss, never a panic.
pub fn mean_squared_error(outputs: &[f32], targets: &[f32], grad: &mut Vec<f32>) -> f64 {
    assert_eq!(outputs.len(), targets.len(), "MSE: outputs and targets differ in length");
    let n = outputs.len() as f64;
    grad.clear();
    let mut total = 0.0;
    for (&y, &target) in outputs.iter().zip(targets) {
        let error = f64::from(y) - f64::from(target);
        total += error * error;
        grad.push((2.0 * error / n) as f32);
    }
    total / n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Dataset, Init};
    use crate::data::Targets;

    /// Where the reference forward adds a small nudge, to differentiate w.r.t. an internal value.
    #[derive(Clone, Copy)]
    enum Site {
        /// Pre-activation h of layer `i` (0-based), entry `k`.
        Pre(usize, usize),
        /// Output a of layer `i` (0-based), entry `k`.
        Out(usize, usize),
    }

    /// Independent f64 forward + loss with plain loops, reading the structure from `mlp` and
    /// the parameters from `params` (in `mlp.params()` order).
    fn reference_loss(mlp: &Mlp, params: &[Vec<f64>], x: &[f64], targets: &Targets, nudge: Option<(Site, f64)>) -> f64 {
        let batch = x.len() / mlp.n_inputs();
        let mut a = x.to_vec();
        let mut p = 0;
        for (i, layer) in mlp.layers.iter().enumerate() {
            let (n_in, n_out) = (layer.fan_in, layer.fan_out);
            let (w, b) = (&params[p], &params[p + 1]);
            p += 2;
            let mut h = vec![0.0; batch * n_out];
            for s in 0..batch {
                for j in 0..n_out {
                    h[s * n_out + j] = b[j] + (0..n_in).map(|k| a[s * n_in + k] * w[j * n_in + k]).sum::<f64>();
                }
            }
            if let Some((Site::Pre(li, k), eps)) = nudge {
                if li == i {
                    h[k] += eps;
                }
            }
            let mut out = h.clone();
            if layer.hidden {
                if layer.bn.is_some() {
                    let (gamma, beta) = (&params[p], &params[p + 1]);
                    p += 2;
                    for j in 0..n_out {
                        let mean = (0..batch).map(|s| h[s * n_out + j]).sum::<f64>() / batch as f64;
                        let var = (0..batch).map(|s| (h[s * n_out + j] - mean).powi(2)).sum::<f64>() / batch as f64;
                        for s in 0..batch {
                            out[s * n_out + j] = gamma[j] * (h[s * n_out + j] - mean) / (var + BN_EPS).sqrt() + beta[j];
                        }
                    }
                }
                for (k, v) in out.iter_mut().enumerate() {
                    *v = mlp.act.f(*v, f64::from(mlp.slope)) + if layer.residual { a[k] } else { 0.0 };
                }
            }
            if let Some((Site::Out(li, k), eps)) = nudge {
                if li == i {
                    out[k] += eps;
                }
            }
            a = out;
        }
        let outputs = mlp.n_outputs();
        match targets {
            Targets::Classes { labels, .. } => {
                let mut loss = 0.0;
                for s in 0..batch {
                    let row = &a[s * outputs..(s + 1) * outputs];
                    let lse = row.iter().map(|z| z.exp()).sum::<f64>().ln();
                    loss += lse - row[labels[s]];
                }
                loss / batch as f64
            }
            Targets::Values { values, .. } => {
                a.iter().zip(values).map(|(y, &t)| (y - f64::from(t)).powi(2)).sum::<f64>() / a.len() as f64
            }
        }
    }

    /// Backprop values saved from the observer, per 0-based layer.
    struct Observed {
        delta: Vec<Vec<f32>>,
        grad_output: Vec<Vec<f32>>,
        grad_input: Vec<Vec<f32>>,
    }

    fn setup(data: Dataset, act: Activation, bn: bool, res: bool) -> (Mlp, Vec<f32>, Targets) {
        let cfg = ExperimentConfig {
            seed: 9,
            data,
            batch: 4,
            depth: 3,
            width: 5,
            act,
            slope: 0.1,
            init: Init::XavierNormal,
            gain: Some(1.2),
            bn,
            res,
            ..ExperimentConfig::default()
        };
        let samples = cfg.data.generate(cfg.seed).select(&[3, 100, 600, 900]);
        let mut mlp = Mlp::new(&cfg, samples.n_features, samples.n_outputs());
        // Nonzero biases and BN parameters, so their gradients are exercised off the init point.
        let mut rng = Rng::new(1, Stream::Data);
        for param in mlp.params_mut() {
            if param.kind != ParamKind::Weight {
                for v in &mut param.value {
                    *v += (0.3 * rng.normal()) as f32;
                }
            }
        }
        (mlp, samples.inputs, samples.targets)
    }

    fn run(mlp: &mut Mlp, x: &[f32], targets: &Targets) -> (f64, Observed) {
        let mut grad = Vec::new();
        let logits = mlp.forward(x, x.len() / mlp.n_inputs()).to_vec();
        let loss = targets.loss(&logits, &mut grad);
        let layers = mlp.layers.len();
        let mut seen = Observed { delta: vec![vec![]; layers], grad_output: vec![vec![]; layers], grad_input: vec![vec![]; layers] };
        mlp.backward(&grad, |lb| {
            seen.delta[lb.layer - 1] = lb.delta.to_vec();
            seen.grad_output[lb.layer - 1] = lb.grad_output.to_vec();
            seen.grad_input[lb.layer - 1] = lb.grad_input.to_vec();
        });
        (loss, seen)
    }

    /// Central difference of the reference loss, step 1e-6: truncation error ~1e-12·φ‴ and
    /// rounding ~1e-16/1e-6 = 1e-10, far below the f32 backprop error we test for. Inputs near
    /// a kink (relu at 0) within 1e-6 are vanishingly unlikely with these random values.
    const STEP: f64 = 1e-6;

    /// f32 backprop vs the f64 reference: each value is a sum of a few dozen f32 products, so its
    /// relative error is ~1e-6; cancellation (BN's centred gradients, the bias before BN whose
    /// exact gradient is 0) makes it absolute w.r.t. the gradient's scale, hence 1e-4 relative
    /// plus 1e-5 of the largest gradient in the network.
    fn assert_close(what: &str, got: f32, want: f64, scale: f64) {
        let err = (f64::from(got) - want).abs();
        assert!(err <= 1e-4 * want.abs() + 1e-5 * scale, "{what}: backprop {got} vs finite difference {want}");
    }

    fn check(data: Dataset, act: Activation, bn: bool, res: bool) {
        let (mut mlp, x32, targets) = setup(data, act, bn, res);
        let (loss, seen) = run(&mut mlp, &x32, &targets);
        let params: Vec<Vec<f64>> = mlp.params().map(|p| p.value.iter().map(|&v| f64::from(v)).collect()).collect();
        let x: Vec<f64> = x32.iter().map(|&v| f64::from(v)).collect();
        let base = reference_loss(&mlp, &params, &x, &targets, None);
        assert!((loss - base).abs() < 1e-5 * base.abs(), "{act:?}: loss {loss} vs reference {base}");
        let fd = |loss_at: &dyn Fn(f64) -> f64| (loss_at(STEP) - loss_at(-STEP)) / (2.0 * STEP);
        let scale = mlp.params().flat_map(|p| p.grad.iter()).fold(0.0f64, |m, &g| m.max(f64::from(g).abs()));
        assert!(scale > 1e-3, "{act:?}: gradients too small for a meaningful check");
        let label = format!("{data:?} {act:?} bn={bn} res={res}");
        for (pi, param) in mlp.params().enumerate() {
            for k in 0..param.value.len() {
                let want = fd(&|eps| {
                    let mut nudged = params.clone();
                    nudged[pi][k] += eps;
                    reference_loss(&mlp, &nudged, &x, &targets, None)
                });
                assert_close(&format!("{label} {:?} #{pi}[{k}]", param.kind), param.grad[k], want, scale);
            }
        }
        for k in 0..x.len() {
            let want = fd(&|eps| {
                let mut nudged = x.clone();
                nudged[k] += eps;
                reference_loss(&mlp, &params, &nudged, &targets, None)
            });
            assert_close(&format!("{label} input[{k}]"), mlp.input_grad()[k], want, scale);
        }
        // What the probe reads: δ (before BN), ∂L/∂a_l and ∂L/∂a_{l−1} of every layer.
        for i in 0..mlp.layers.len() {
            for k in 0..seen.delta[i].len() {
                let want = fd(&|eps| reference_loss(&mlp, &params, &x, &targets, Some((Site::Pre(i, k), eps))));
                assert_close(&format!("{label} δ layer {}[{k}]", i + 1), seen.delta[i][k], want, scale);
                let want = fd(&|eps| reference_loss(&mlp, &params, &x, &targets, Some((Site::Out(i, k), eps))));
                assert_close(&format!("{label} ∂L/∂a layer {}[{k}]", i + 1), seen.grad_output[i][k], want, scale);
            }
            let below = if i == 0 { mlp.input_grad().to_vec() } else { seen.grad_output[i - 1].clone() };
            assert_eq!(seen.grad_input[i], below, "{label}: layer {} grad_input is the next grad_output", i + 1);
        }
    }

    fn check_every_activation(bn: bool, res: bool) {
        for &act in Activation::ALL {
            check(Dataset::Spiral, act, bn, res);
        }
    }

    #[test]
    fn mean_squared_error_gradients_match_finite_differences() {
        for &act in Activation::ALL {
            check(Dataset::Sine, act, false, false);
        }
        check(Dataset::Sine, Activation::Tanh, true, true);
    }

    #[test]
    fn gradients_match_finite_differences_for_every_activation() {
        check_every_activation(false, false);
    }

    #[test]
    fn gradients_match_finite_differences_with_batch_norm() {
        check_every_activation(true, false);
    }

    #[test]
    fn gradients_match_finite_differences_with_residual_blocks() {
        check_every_activation(false, true);
    }

    #[test]
    fn gradients_match_finite_differences_with_batch_norm_and_residual_blocks() {
        check_every_activation(true, true);
    }

    #[test]
    fn structure_follows_the_config() {
        let (mlp, _, _) = setup(Dataset::Spiral, Activation::Tanh, true, true);
        let shapes: Vec<(usize, usize, bool, bool, bool)> =
            mlp.layers.iter().map(|l| (l.fan_in, l.fan_out, l.hidden, l.residual, l.bn.is_some())).collect();
        // The first layer (2 → 5) cannot have an identity skip; the readout has neither skip nor BN.
        assert_eq!(shapes, [(2, 5, true, false, true), (5, 5, true, true, true), (5, 5, true, true, true), (5, 2, false, false, false)]);
        assert_eq!(mlp.params().count(), 4 * 4 - 2);
        assert!(mlp.params().filter(|p| p.kind == ParamKind::Bias).all(|p| p.value.iter().all(|&v| v != 0.0)), "setup shifts biases");
        let fresh = Mlp::new(&ExperimentConfig { depth: 2, width: 3, ..ExperimentConfig::default() }, 2, 2);
        assert!(fresh.params().filter(|p| p.kind == ParamKind::Bias).all(|p| p.value.iter().all(|&v| v == 0.0)));
    }

    #[test]
    fn activation_output_excludes_the_skip() {
        let (mut mlp, x, _) = setup(Dataset::Spiral, Activation::Tanh, true, true);
        mlp.forward(&x, x.len() / 2);
        let (act, slope) = (mlp.act, mlp.slope);
        assert_eq!(&*mlp.layers[0].activation_output(act, slope), mlp.layers[0].output(), "no skip: a itself");
        let (below, layer) = (&mlp.layers[1], &mlp.layers[2]);
        for ((phi, a), a_in) in layer.activation_output(act, slope).iter().zip(layer.output()).zip(below.output()) {
            assert!(phi.abs() <= 1.0 && (phi - (a - a_in)).abs() <= 1e-6 * (1.0 + a.abs()), "φ {phi} vs a − a_in {}", a - a_in);
        }
    }

    #[test]
    fn inference_normalizes_with_the_statistics_of_the_last_forward() {
        let (mut mlp, x, _) = setup(Dataset::Spiral, Activation::Tanh, true, true);
        let fitted = mlp.forward(&x, 4).to_vec();
        // The same batch in inference mode: the same statistics, so the same bits.
        assert_eq!(mlp.forward_inference(&x, 4), &fitted[..]);
        // One example alone: training mode would normalize it to β (variance 0); inference
        // mode gives the output it had inside the batch.
        assert_eq!(mlp.forward_inference(&x[2..4], 1), &fitted[2..4]);
        assert_ne!(mlp.forward(&x[2..4], 1), &fitted[2..4]);
        let (mut plain, x, _) = setup(Dataset::Spiral, Activation::Tanh, false, true);
        let fitted = plain.forward(&x, 4).to_vec();
        assert_eq!(plain.forward_inference(&x[..2], 1), &fitted[..2], "without batch norm, rows are independent");
    }

    #[test]
    fn repeated_passes_reuse_buffers_and_overwrite_gradients() {
        let (mut mlp, x, targets) = setup(Dataset::Spiral, Activation::Relu, true, true);
        run(&mut mlp, &x, &targets);
        let grads: Vec<Vec<f32>> = mlp.params().map(|p| p.grad.clone()).collect();
        let buffers: Vec<*const f32> = mlp.layers.iter().flat_map(|l| [l.pre.as_ptr(), l.out.as_ptr()]).collect();
        run(&mut mlp, &x, &targets);
        assert_eq!(grads, mlp.params().map(|p| p.grad.clone()).collect::<Vec<_>>(), "gradients accumulated");
        let again: Vec<*const f32> = mlp.layers.iter().flat_map(|l| [l.pre.as_ptr(), l.out.as_ptr()]).collect();
        assert_eq!(buffers, again, "forward reallocated its buffers");
    }

    #[test]
    fn cross_entropy_matches_hand_computation() {
        // Row [1, 2, 0], label 1: log(e¹+e²+e⁰) − 2 = 0.40760596444438013 (Python math);
        // row [0, 0, 0], label 2: log 3 = 1.0986122886681098.
        let mut grad = Vec::new();
        let loss = softmax_cross_entropy(&[1.0, 2.0, 0.0, 0.0, 0.0, 0.0], &[1, 2], 3, &mut grad);
        assert!((loss - (0.40760596444438013 + 1.0986122886681098) / 2.0).abs() < 1e-15);
        // softmax([1,2,0]) = [0.24472847, 0.66524096, 0.09003057]; gradients halved (batch 2).
        let want = [0.24472847 / 2.0, (0.66524096 - 1.0) / 2.0, 0.09003057 / 2.0, 1.0 / 6.0, 1.0 / 6.0, -1.0 / 3.0];
        for (g, w) in grad.iter().zip(want) {
            assert!((f64::from(*g) - w).abs() < 1e-7, "{grad:?}");
        }
        // Huge logits do not overflow; non-finite ones give NaN, not a panic.
        assert!((softmax_cross_entropy(&[1e30, 0.0], &[0], 2, &mut grad)).abs() < 1e-12);
        assert!(softmax_cross_entropy(&[f32::INFINITY, 0.0], &[0], 2, &mut grad).is_nan());
        assert!(softmax_cross_entropy(&[f32::NAN, 0.0], &[1], 2, &mut grad).is_nan());
    }

    #[test]
    fn mean_squared_error_matches_hand_computation() {
        // Errors 1, 0, −0.5, −2: squares sum to 5.25, mean 1.3125; gradients 2e/4.
        let mut grad = Vec::new();
        let loss = mean_squared_error(&[1.0, 2.0, 0.5, -1.0], &[0.0, 2.0, 1.0, 1.0], &mut grad);
        assert_eq!(loss, 1.3125);
        assert_eq!(grad, [0.5, 0.0, -0.25, -1.0]);
        // f32::MAX − (−f32::MAX) overflows f32 but not the f64 arithmetic; the gradient does.
        let loss = mean_squared_error(&[f32::MAX], &[-f32::MAX], &mut grad);
        assert!(loss.is_finite() && grad[0] == f32::INFINITY);
        assert!(mean_squared_error(&[f32::NAN, 0.0], &[0.0, 0.0], &mut grad).is_nan());
        assert_eq!(mean_squared_error(&[f32::INFINITY], &[0.0], &mut grad), f64::INFINITY);
    }
}
