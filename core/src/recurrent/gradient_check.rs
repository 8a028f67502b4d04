//! Finite-difference checks of BPTT for every cell, against an independent f64 forward pass.
//!
//! The reference below is a per-sequence, per-unit transcription of the module's equations in
//! f64, sharing nothing with `net` but the parameter layout. Central differences of its loss
//! (step 1e-6, truncation error ~1e-12) are compared with the f32 analytic gradients of every
//! parameter of every gate, the readout, the inputs and the initial state.

use crate::activation::Activation;
use crate::clip::l2_norm;
use crate::rng::{Rng, Stream};

use super::net::{InitialState, RecurrentNet};
use super::params::{Params, Shape};
use super::task::{Batch, Targets};
use super::Model;

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + libm::exp(-x))
}

/// Everything the loss depends on, in f64: the parameter tensors (in `Params::tensors` order),
/// the inputs [T, B, I], h_0 and c_0 [B, H].
#[derive(Clone)]
struct Point {
    tensors: Vec<Vec<f64>>,
    inputs: Vec<f64>,
    h0: Vec<f64>,
    c0: Vec<f64>,
}

struct Problem {
    shape: Shape,
    act: Activation,
    batch: usize,
    steps: usize,
    output_steps: usize,
    targets: Targets,
}

impl Problem {
    /// The loss at `p`, computed sequence by sequence, unit by unit.
    fn loss(&self, p: &Point) -> f64 {
        let Shape { model, n_inputs: ni, hidden: nh, n_outputs: no } = self.shape;
        let gate = |k: usize| (&p.tensors[4 * k], &p.tensors[4 * k + 1], &p.tensors[4 * k + 2], &p.tensors[4 * k + 3]);
        let n_gates = model.gates().len();
        let (w_out, b_out) = (&p.tensors[4 * n_gates], &p.tensors[4 * n_gates + 1]);
        let mut total = 0.0;
        let mut terms = 0usize;
        for b in 0..self.batch {
            let mut h: Vec<f64> = p.h0[b * nh..(b + 1) * nh].to_vec();
            let mut c: Vec<f64> = p.c0[b * nh..(b + 1) * nh].to_vec();
            for t in 0..self.steps {
                let x = &p.inputs[(t * self.batch + b) * ni..(t * self.batch + b + 1) * ni];
                // (input side W_i· x + b_i·, hidden side W_h· h + b_h·) of gate k, unit u.
                let halves = |k: usize, u: usize| {
                    let (w_ih, w_hh, b_ih, b_hh) = gate(k);
                    let input: f64 = (0..ni).map(|i| w_ih[u * ni + i] * x[i]).sum::<f64>() + b_ih[u];
                    let hidden: f64 = (0..nh).map(|j| w_hh[u * nh + j] * h[j]).sum::<f64>() + b_hh[u];
                    (input, hidden)
                };
                let pre = |k: usize, u: usize| {
                    let (i, h) = halves(k, u);
                    i + h
                };
                let (new_h, new_c): (Vec<f64>, Vec<f64>) = (0..nh)
                    .map(|u| match model {
                        Model::Rnn => (self.act.f(pre(0, u), 0.0), 0.0),
                        Model::Lstm => {
                            let (i, f, g, o) = (sigmoid(pre(0, u)), sigmoid(pre(1, u)), libm::tanh(pre(2, u)), sigmoid(pre(3, u)));
                            let c_new = f * c[u] + i * g;
                            (o * libm::tanh(c_new), c_new)
                        }
                        Model::Gru => {
                            let (r, z) = (sigmoid(pre(0, u)), sigmoid(pre(1, u)));
                            let (x_n, h_n) = halves(2, u);
                            let n = libm::tanh(x_n + r * h_n);
                            ((1.0 - z) * n + z * h[u], 0.0)
                        }
                    })
                    .unzip();
                h = new_h;
                c = new_c;
                let Some(out_step) = (t + self.output_steps).checked_sub(self.steps) else { continue };
                let y: Vec<f64> = (0..no).map(|o| (0..nh).map(|j| w_out[o * nh + j] * h[j]).sum::<f64>() + b_out[o]).collect();
                let row = out_step * self.batch + b;
                match &self.targets {
                    Targets::Values(v) => {
                        for (o, y) in y.iter().enumerate() {
                            total += (y - f64::from(v[row * no + o])).powi(2);
                            terms += 1;
                        }
                    }
                    Targets::Classes(labels) => {
                        let log_sum = libm::log(y.iter().map(|&z| libm::exp(z)).sum::<f64>());
                        total += log_sum - y[labels[row]];
                        terms += 1;
                    }
                }
            }
        }
        total / terms as f64
    }
}

/// Random parameters (standard deviation 0.5: gates neither saturated nor linear), inputs and
/// initial state, drawn uniformly (only `Rng::uniform` underlies them, the most stable draw).
fn random_point(shape: Shape, batch: usize, steps: usize, rng: &mut Rng) -> (Params, Vec<f32>, InitialState) {
    let mut draw = |len: usize, sd: f64| -> Vec<f32> { (0..len).map(|_| rng.uniform_in(-sd * 3f64.sqrt(), sd * 3f64.sqrt()) as f32).collect() };
    let mut params = Params::zeros(shape);
    for t in params.tensors_mut() {
        let fresh = draw(t.len(), 0.5);
        t.copy_from_slice(&fresh);
    }
    let inputs = draw(steps * batch * shape.n_inputs, 1.0);
    let bh = batch * shape.hidden;
    let initial = InitialState { h: draw(bh, 0.5), c: draw(bh, 0.5) };
    (params, inputs, initial)
}

fn widen(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| f64::from(x)).collect()
}

/// Which part of a `Point` to differentiate.
#[derive(Clone, Copy)]
enum Part {
    Tensor(usize),
    Inputs,
    H0,
    C0,
}

impl Point {
    fn part(&mut self, part: Part) -> &mut Vec<f64> {
        match part {
            Part::Tensor(k) => &mut self.tensors[k],
            Part::Inputs => &mut self.inputs,
            Part::H0 => &mut self.h0,
            Part::C0 => &mut self.c0,
        }
    }
}

/// Central differences of the reference loss along every coordinate of `part`.
fn finite_differences(problem: &Problem, point: &Point, part: Part) -> Vec<f64> {
    const STEP: f64 = 1e-6;
    let mut moved = point.clone();
    (0..moved.part(part).len())
        .map(|i| {
            let original = moved.part(part)[i];
            moved.part(part)[i] = original + STEP;
            let up = problem.loss(&moved);
            moved.part(part)[i] = original - STEP;
            let down = problem.loss(&moved);
            moved.part(part)[i] = original;
            (up - down) / (2.0 * STEP)
        })
        .collect()
}

/// |analytic − numeric| ≤ 1e-4·|numeric| + 2e-6·(largest |numeric| of all checked values):
/// the analytic side is f32 (relative rounding ~1e-7 per operation over a few dozen operations).
fn assert_close(what: &str, analytic: &[f32], numeric: &[f64], scale: f64) {
    assert_eq!(analytic.len(), numeric.len(), "{what}");
    for (i, (&a, &n)) in analytic.iter().zip(numeric).enumerate() {
        let error = (f64::from(a) - n).abs();
        assert!(error <= 1e-4 * n.abs() + 2e-6 * scale, "{what}[{i}]: analytic {a}, numeric {n}");
    }
}

/// Regression targets read at every step, or class targets read at the last two.
#[derive(Clone, Copy, PartialEq)]
enum Loss {
    MseEveryStep,
    CrossEntropyLastTwo,
}

/// Checks every gradient of `model` over `steps` steps, batch 2, hidden 3, 2 inputs.
fn check(model: Model, act: Activation, loss_kind: Loss, steps: usize) {
    let classes = loss_kind == Loss::CrossEntropyLastTwo;
    let shape = Shape { model, n_inputs: 2, hidden: 3, n_outputs: if classes { 4 } else { 2 } };
    let batch = 2;
    let mut rng = Rng::new(17, Stream::Data);
    let (mut params, inputs, initial) = random_point(shape, batch, steps, &mut rng);
    if act == Activation::Relu {
        // Keep most units alive, or the paths back to early steps are cut and the check is empty.
        params.gates[0].b_ih.iter_mut().for_each(|b| *b += 1.0);
    }
    let output_steps = if classes { 2 } else { steps };
    let targets = if classes {
        Targets::Classes((0..output_steps * batch).map(|_| rng.below(4) as usize).collect())
    } else {
        Targets::Values((0..output_steps * batch * 2).map(|_| rng.uniform_in(-1.0, 1.0) as f32).collect())
    };
    let problem = Problem { shape, act, batch, steps, output_steps, targets: targets.clone() };
    let point = Point {
        tensors: params.tensors().iter().map(|t| widen(t)).collect(),
        inputs: widen(&inputs),
        h0: widen(&initial.h),
        c0: widen(&initial.c),
    };

    let mut net = RecurrentNet::with_params(shape, act, params);
    let loss = net.loss_and_grads(&Batch { size: batch, steps, inputs, output_steps, targets }, Some(&initial), 0);
    let label = format!("{model} {act} {}", if classes { "cross-entropy" } else { "mse" });
    assert!((loss - problem.loss(&point)).abs() < 1e-5 * (1.0 + loss.abs()), "{label}: loss {loss}");

    let mut names = Params::tensor_names(model);
    let mut parts: Vec<Part> = (0..names.len()).map(Part::Tensor).collect();
    let initial_grad = net.initial_grad();
    let mut analytic: Vec<Vec<f32>> = net.grads.tensors().iter().map(|t| t.to_vec()).collect();
    names.extend(["inputs".to_owned(), "h0".to_owned()]);
    parts.extend([Part::Inputs, Part::H0]);
    analytic.extend([net.input_grad().to_vec(), initial_grad.h]);
    if model == Model::Lstm {
        names.push("c0".to_owned());
        parts.push(Part::C0);
        analytic.push(initial_grad.c);
    }
    let numeric: Vec<Vec<f64>> = parts.iter().map(|&part| finite_differences(&problem, &point, part)).collect();
    let scale = numeric.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(scale > 1e-3, "{label}: gradients too small to check anything");
    for ((name, fd), a) in names.iter().zip(&numeric).zip(&analytic) {
        assert!(fd.iter().any(|&v| v.abs() > 1e-4 * scale), "{label} {name}: (nearly) zero, the check would be empty: {fd:?} scale {scale}");
        assert_close(&format!("{label} {name}"), a, fd, scale);
    }
}

#[test]
fn every_cell_matches_finite_differences_over_five_steps() {
    let cells = [(Model::Rnn, Activation::Tanh), (Model::Rnn, Activation::Relu), (Model::Lstm, Activation::Tanh), (Model::Gru, Activation::Tanh)];
    for (model, act) in cells {
        for loss in [Loss::MseEveryStep, Loss::CrossEntropyLastTwo] {
            check(model, act, loss, 5);
        }
    }
}

/// (h_t, c_t) of `net`'s last forward pass, as the initial state of a run continuing from there.
fn state_after(net: &RecurrentNet, t: usize) -> InitialState {
    let block = net.batch() * net.shape().hidden;
    let at = |states: &[f32]| states.get(t * block..(t + 1) * block).map_or_else(Vec::new, <[f32]>::to_vec);
    InitialState { h: at(net.hidden_states()), c: at(net.cell_states()) }
}

/// Truncated BPTT (k = 3 over T = 7 steps, a loss at every step) must equal the sum of full
/// BPTT over the chunks [4, 7), [1, 4), [0, 1), each started from the state the full forward
/// pass reached there (held constant), each loss weighted by its share of the mean.
#[test]
fn truncated_bptt_is_full_bptt_of_each_chunk_from_its_detached_state() {
    let (batch, steps, k) = (2, 7, 3);
    for &model in Model::ALL {
        let shape = Shape { model, n_inputs: 2, hidden: 3, n_outputs: 2 };
        let mut rng = Rng::new(23, Stream::Data);
        let (params, inputs, initial) = random_point(shape, batch, steps, &mut rng);
        let targets: Vec<f32> = (0..steps * batch * 2).map(|_| rng.uniform_in(-1.0, 1.0) as f32).collect();
        let whole = Batch { size: batch, steps, inputs: inputs.clone(), output_steps: steps, targets: Targets::Values(targets.clone()) };
        let mut truncated = RecurrentNet::with_params(shape, Activation::Tanh, params.clone());
        truncated.loss_and_grads(&whole, Some(&initial), k);

        let mut summed = Params::zeros(shape);
        let mut grad_h_norm = vec![0.0; steps];
        for (start, end) in [(4, 7), (1, 4), (0, 1)] {
            let chunk_initial = state_after(&truncated, start);
            let chunk = Batch {
                size: batch,
                steps: end - start,
                inputs: inputs[start * batch * 2..end * batch * 2].to_vec(),
                output_steps: end - start,
                targets: Targets::Values(targets[start * batch * 2..end * batch * 2].to_vec()),
            };
            let mut net = RecurrentNet::with_params(shape, Activation::Tanh, params.clone());
            net.loss_and_grads(&chunk, Some(&chunk_initial), 0);
            let weight = (end - start) as f32 / steps as f32;
            for (sum, g) in summed.tensors_mut().into_iter().zip(net.grads.tensors()) {
                sum.iter_mut().zip(g).for_each(|(s, &g)| *s += weight * g);
            }
            for (t, &norm) in net.grad_h_norms().iter().enumerate() {
                grad_h_norm[start + t] = f64::from(weight) * norm;
            }
        }
        let scale = summed.tensors().iter().flat_map(|t| t.iter()).fold(0.0f32, |m, &g| m.max(g.abs()));
        for ((name, got), want) in Params::tensor_names(model).iter().zip(truncated.grads.tensors()).zip(summed.tensors()) {
            for (&g, &w) in got.iter().zip(want) {
                assert!((g - w).abs() <= 1e-6 * scale, "{model} {name}: truncated {g} vs chunks {w}");
            }
        }
        for (t, (&got, &want)) in truncated.grad_h_norms().iter().zip(&grad_h_norm).enumerate() {
            assert!((got - want).abs() <= 1e-6 * want, "{model} ‖∂L/∂h_{}‖: {got} vs {want}", t + 1);
        }
        // h_0 sits on a chunk boundary here (7 − 2·3 = 1 ≠ 0), so it still gets a gradient.
        assert!(truncated.initial_grad().h.iter().any(|&g| g != 0.0));
    }
}

/// With one loss at the end, ∂L/∂h_t is exactly 0 for t ≤ T − k and nonzero after.
#[test]
fn truncation_window_bounds_how_far_back_the_final_loss_reaches() {
    let (batch, steps) = (2, 9);
    for &model in Model::ALL {
        let shape = Shape { model, n_inputs: 2, hidden: 3, n_outputs: 1 };
        let (params, inputs, _) = random_point(shape, batch, steps, &mut Rng::new(29, Stream::Data));
        let end_loss = Batch { size: batch, steps, inputs, output_steps: 1, targets: Targets::Values(vec![1.0, -1.0]) };
        let mut net = RecurrentNet::with_params(shape, Activation::Tanh, params);
        for k in [0, 1, 4, 9] {
            net.loss_and_grads(&end_loss, None, k);
            let reached = net.grad_h_norms().iter().filter(|&&n| n > 0.0).count();
            let want = if k == 0 { steps } else { k };
            assert_eq!(reached, want, "{model} tbptt {k}: {:?}", net.grad_h_norms());
            assert!(net.grad_h_norms()[steps - reached..].iter().all(|&n| n > 0.0), "{model} tbptt {k}: the last {want} states");
            assert_eq!(net.initial_grad().h.iter().any(|&g| g != 0.0), k == 0, "{model} tbptt {k}: h_0");
        }
    }
}

/// ‖∂L/∂h_t‖ as the probe reports it equals the norm of ∂L/∂h_0, checked above against finite
/// differences, of the same network run on the steps after t from the state it had reached at t
/// (one loss at the last step, so no readout term at t); ‖∂L/∂c_t‖ likewise, adding the path
/// through h_t.
#[test]
fn reported_state_gradient_norms_are_the_gradients_of_the_remaining_sequence() {
    let (batch, steps) = (2, 6);
    for &model in Model::ALL {
        let shape = Shape { model, n_inputs: 2, hidden: 3, n_outputs: 1 };
        let (params, inputs, initial) = random_point(shape, batch, steps, &mut Rng::new(31, Stream::Data));
        let targets = Targets::Values(vec![0.5, -0.5]);
        let mut whole = RecurrentNet::with_params(shape, Activation::Tanh, params.clone());
        whole.loss_and_grads(&Batch { size: batch, steps, inputs: inputs.clone(), output_steps: 1, targets: targets.clone() }, Some(&initial), 0);
        let bh = batch * shape.hidden;
        for t in 1..steps {
            let from_t = state_after(&whole, t);
            let rest = Batch { size: batch, steps: steps - t, inputs: inputs[t * batch * 2..].to_vec(), output_steps: 1, targets: targets.clone() };
            let mut suffix = RecurrentNet::with_params(shape, Activation::Tanh, params.clone());
            suffix.loss_and_grads(&rest, Some(&from_t), 0);
            let grad = suffix.initial_grad();
            let want_h = l2_norm(&grad.h);
            assert!((whole.grad_h_norms()[t - 1] - want_h).abs() <= 1e-5 * want_h, "{model} ‖∂L/∂h_{t}‖");
            if model == Model::Lstm {
                // The suffix takes h_t and c_t as independent inputs; in the whole sequence c_t
                // also reaches the loss through h_t = o_t ⊙ tanh(c_t).
                let o = &whole.gate_values(3)[(t - 1) * bh..t * bh];
                let total: Vec<f32> = (0..bh).map(|j| grad.c[j] + grad.h[j] * o[j] * (1.0 - libm::tanhf(from_t.c[j]).powi(2))).collect();
                let want_c = l2_norm(&total);
                assert!((whole.grad_c_norms()[t - 1] - want_c).abs() <= 1e-5 * want_c, "{model} ‖∂L/∂c_{t}‖");
            }
        }
    }
}
