//! Optimizers with `torch.optim`'s update rules and defaults, on plain `f32` slices.
//!
//! Each parameter tensor is one slice; its gradient a slice of the same length. The
//! [`Optimizer`] keeps per-parameter state (momentum buffer, Adagrad's sum, RMSprop's and
//! Adam's moving averages) keyed by the parameter's position, created on its first step.
//!
//! Hyperparameters that PyTorch does not make us choose keep PyTorch's defaults: Adam's
//! betas (0.9, 0.999) and ε 1e-8, RMSprop's α 0.99 and ε 1e-8 (no momentum, not centered),
//! Adagrad's ε 1e-10, initial_accumulator_value 0 and lr_decay 0 (so Adagrad's step size is
//! lr itself), SGD's dampening 0. They are Python floats (f64) in PyTorch and are rounded
//! to f32 where they meet a tensor, as here (so 1 − β₁ is the f32 nearest 0.1, as in torch).
//!
//! Arithmetic is plain f32 multiply-then-add in a fixed order (no `mul_add`), so native and
//! wasm give identical bits; sqrt is IEEE-exact, and Adam's β^t uses `libm::pow`.
//! Adam's first moment is updated as the published β₁·m + (1−β₁)·g; current PyTorch
//! computes the same value as `m.lerp_(g, 1−β₁)`, which can differ in the last bit.
//!
//! Changing settings mid-training (the page applies them from the next step): a new `lr`,
//! `momentum` or `weight_decay` keeps the state, as editing a PyTorch `param_group` does;
//! a new optimizer kind starts from fresh state, as constructing a new `torch.optim`
//! optimizer does (so even momentum ↔ nesterov restarts the buffer at b₁ = g).

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::config::{named_enum, normalize_name, UnknownName};

/// Adam's (β₁, β₂): decay rates of the first and second moment estimates.
pub const ADAM_BETAS: (f64, f64) = (0.9, 0.999);
/// Adam's ε, added to √v̂.
pub const ADAM_EPS: f64 = 1e-8;
/// RMSprop's smoothing constant α.
pub const RMSPROP_ALPHA: f64 = 0.99;
/// RMSprop's ε, added to √v.
pub const RMSPROP_EPS: f64 = 1e-8;
/// Adagrad's ε, added to √(Σg²).
pub const ADAGRAD_EPS: f64 = 1e-10;
/// Adagrad's initial_accumulator_value: Σg² starts here.
pub const ADAGRAD_INITIAL_ACCUMULATOR: f32 = 0.0;

/// The optimizers, named for the link key `opt`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    Sgd,
    Momentum,
    Nesterov,
    Adagrad,
    Rmsprop,
    Adam,
    Adamw,
}

named_enum! {
    OptimizerKind, "optimizer",
    variants {
        Sgd => "sgd", "SGD", "θ ← θ − lr·g (torch.optim.SGD).";
        Momentum => "momentum", "SGD with momentum", "b ← μ·b + g (b = g at first), θ ← θ − lr·b (torch.optim.SGD, momentum=μ).";
        Nesterov => "nesterov", "SGD with Nesterov momentum", "b ← μ·b + g, θ ← θ − lr·(g + μ·b) (torch.optim.SGD, nesterov=True).";
        Adagrad => "adagrad", "Adagrad", "s ← s + g², θ ← θ − lr·g/(√s + ε): the first step is lr·sign(g) whatever |g|.";
        Rmsprop => "rmsprop", "RMSprop", "v ← α·v + (1−α)·g², θ ← θ − lr·g/(√v + ε).";
        Adam => "adam", "Adam", "Bias-corrected moving averages m, v of g and g²; θ ← θ − lr·m̂/(√v̂ + ε); weight decay adds λ·θ to g.";
        Adamw => "adamw", "AdamW", "Adam with decoupled weight decay: θ ← θ − lr·λ·θ, then the Adam step on the plain gradient.";
    }
    aliases { "sgd_momentum" => Momentum, "nag" => Nesterov }
}

impl OptimizerKind {
    /// Learning rate a fresh `opt=` starts with. PyTorch's defaults for the adaptive ones
    /// (Adam/AdamW 1e-3, Adagrad and RMSprop 1e-2). PyTorch's SGD default, 1e-3, barely moves
    /// a small MLP in the few thousand steps a page shows, so plain SGD uses 0.1, the rate of
    /// Karpathy's makemore MLPs; with momentum μ = 0.9 the steady-state step is lr/(1−μ) times
    /// the gradient, so 0.01 gives the same effective rate.
    pub fn default_lr(self) -> f32 {
        match self {
            OptimizerKind::Sgd => 0.1,
            OptimizerKind::Momentum | OptimizerKind::Nesterov => 0.01,
            OptimizerKind::Adagrad | OptimizerKind::Rmsprop => 1e-2,
            OptimizerKind::Adam | OptimizerKind::Adamw => 1e-3,
        }
    }

    /// μ: 0.9, the value of PyTorch's SGD example, for the kinds that use it; 0 (unused) otherwise.
    pub fn default_momentum(self) -> f32 {
        if self.uses_momentum() {
            0.9
        } else {
            0.0
        }
    }

    /// λ: AdamW's default 1e-2 (it is its point); the others' PyTorch default 0.
    pub fn default_weight_decay(self) -> f32 {
        if self == OptimizerKind::Adamw {
            1e-2
        } else {
            0.0
        }
    }

    /// Whether `momentum` changes this optimizer (Adam's β₁ is fixed at 0.9 instead).
    pub fn uses_momentum(self) -> bool {
        matches!(self, OptimizerKind::Momentum | OptimizerKind::Nesterov)
    }

    /// Whether weight decay is decoupled (AdamW: θ shrinks directly) rather than an L2 term
    /// λ·θ added to the gradient (every other `torch.optim` optimizer's `weight_decay`).
    pub fn decouples_weight_decay(self) -> bool {
        self == OptimizerKind::Adamw
    }
}

/// What the link keys `opt`, `lr`, `mom` and `wd` hold.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OptimizerConfig {
    pub kind: OptimizerKind,
    /// Learning rate γ.
    pub lr: f32,
    /// μ of momentum and nesterov; ignored by the other kinds.
    pub momentum: f32,
    /// λ: L2 penalty added to the gradient, or AdamW's decoupled decay.
    pub weight_decay: f32,
}

/// Adam at PyTorch's defaults trains the default networks without tuning.
impl Default for OptimizerConfig {
    fn default() -> Self {
        OptimizerConfig::for_kind(OptimizerKind::Adam)
    }
}

impl OptimizerConfig {
    /// Valid ranges (inclusive), for the link decoder and the UI's sliders. lr 0 freezes the
    /// network; μ stays below 1 so the momentum buffer forgets old gradients.
    pub const LR: RangeInclusive<f32> = 0.0..=10.0;
    pub const MOMENTUM: RangeInclusive<f32> = 0.0..=0.999;
    pub const WEIGHT_DECAY: RangeInclusive<f32> = 0.0..=1.0;

    /// `kind` with its default lr, momentum and weight decay.
    pub fn for_kind(kind: OptimizerKind) -> Self {
        OptimizerConfig {
            kind,
            lr: kind.default_lr(),
            momentum: kind.default_momentum(),
            weight_decay: kind.default_weight_decay(),
        }
    }

    /// Checks every value against its range (NaN fails), naming the link key that is wrong.
    pub fn validate(&self) -> Result<(), String> {
        let checks = [
            ("lr", self.lr, Self::LR),
            ("mom", self.momentum, Self::MOMENTUM),
            ("wd", self.weight_decay, Self::WEIGHT_DECAY),
        ];
        for (key, value, range) in checks {
            if !range.contains(&value) {
                return Err(format!(
                    "{key} must be between {} and {}, got {value}",
                    range.start(),
                    range.end()
                ));
            }
        }
        Ok(())
    }
}

/// What one parameter carries between steps; which variant depends on the kind.
#[derive(Clone, Debug)]
enum ParamState {
    /// Plain SGD remembers nothing.
    Stateless,
    /// SGD's momentum_buffer b (momentum and nesterov).
    Momentum { buffer: Vec<f32> },
    /// Adagrad's state_sum Σg².
    Adagrad { sum: Vec<f32> },
    /// RMSprop's square_avg v.
    Rmsprop { square_avg: Vec<f32> },
    /// Adam's and AdamW's step count t and exp_avg m, exp_avg_sq v.
    Adam {
        step: u64,
        exp_avg: Vec<f32>,
        exp_avg_sq: Vec<f32>,
    },
}

impl ParamState {
    fn new(kind: OptimizerKind, len: usize) -> Self {
        match kind {
            OptimizerKind::Sgd => ParamState::Stateless,
            // Zeros, so the first step's μ·0 + g is exactly PyTorch's b₁ = g.
            OptimizerKind::Momentum | OptimizerKind::Nesterov => ParamState::Momentum {
                buffer: vec![0.0; len],
            },
            OptimizerKind::Adagrad => ParamState::Adagrad {
                sum: vec![ADAGRAD_INITIAL_ACCUMULATOR; len],
            },
            OptimizerKind::Rmsprop => ParamState::Rmsprop {
                square_avg: vec![0.0; len],
            },
            OptimizerKind::Adam | OptimizerKind::Adamw => ParamState::Adam {
                step: 0,
                exp_avg: vec![0.0; len],
                exp_avg_sq: vec![0.0; len],
            },
        }
    }

    /// Length of the parameter this state belongs to (`None` when it holds no buffer).
    fn len(&self) -> Option<usize> {
        match self {
            ParamState::Stateless => None,
            ParamState::Momentum { buffer: b }
            | ParamState::Adagrad { sum: b }
            | ParamState::Rmsprop { square_avg: b } => Some(b.len()),
            ParamState::Adam { exp_avg, .. } => Some(exp_avg.len()),
        }
    }
}

/// An optimizer over a fixed list of parameter tensors.
#[derive(Clone, Debug)]
pub struct Optimizer {
    config: OptimizerConfig,
    /// `states[i]` belongs to the i-th parameter passed to `step`.
    states: Vec<ParamState>,
}

impl Optimizer {
    pub fn new(config: OptimizerConfig) -> Self {
        Optimizer {
            config,
            states: Vec::new(),
        }
    }

    pub fn config(&self) -> &OptimizerConfig {
        &self.config
    }

    /// Applies new settings from the next step on: a different kind drops all state, the
    /// same kind keeps it (see the module documentation).
    pub fn set_config(&mut self, config: OptimizerConfig) {
        if config.kind != self.config.kind {
            self.states.clear();
        }
        self.config = config;
    }

    /// One update of every parameter from its gradient, in the order given (which must be the
    /// same at every step: state is keyed by position). Returns, per parameter, the norm of
    /// the change actually made, ‖θ_new − θ_old‖ (differences and sum in f64), for the
    /// update:data ratio ‖Δθ‖/‖θ‖.
    ///
    /// # Panics
    /// If a gradient's length differs from its parameter's, or a parameter's length differs
    /// from the previous step's: both are bugs in the caller (a changed network needs a new
    /// `Optimizer`), not bad input.
    pub fn step<'a>(
        &mut self,
        params_and_grads: impl IntoIterator<Item = (&'a mut [f32], &'a [f32])>,
    ) -> Vec<f64> {
        let config = self.config;
        params_and_grads
            .into_iter()
            .enumerate()
            .map(|(index, (param, grad))| {
                assert_eq!(
                    param.len(),
                    grad.len(),
                    "parameter {index}: gradient length differs from parameter length"
                );
                if index == self.states.len() {
                    self.states.push(ParamState::new(config.kind, param.len()));
                }
                let state = &mut self.states[index];
                if let Some(len) = state.len() {
                    assert_eq!(
                        len,
                        param.len(),
                        "parameter {index} changed length since the last step"
                    );
                }
                update(&config, state, param, grad)
            })
            .collect()
    }
}

/// Sets every θᵢ to `new_value(i, θᵢ)` and returns ‖θ_new − θ_old‖.
fn apply(param: &mut [f32], mut new_value: impl FnMut(usize, f32) -> f32) -> f64 {
    let mut sum_of_squares = 0.0f64;
    for (i, theta) in param.iter_mut().enumerate() {
        let old = *theta;
        *theta = new_value(i, old);
        let change = f64::from(*theta) - f64::from(old);
        sum_of_squares += change * change;
    }
    sum_of_squares.sqrt()
}

/// One step of one parameter, following the pseudocode of the `torch.optim` docs.
fn update(
    config: &OptimizerConfig,
    state: &mut ParamState,
    param: &mut [f32],
    grad: &[f32],
) -> f64 {
    let lr = config.lr;
    let weight_decay = config.weight_decay;
    // g ← g + λ·θ: weight decay as PyTorch's L2 term (all but AdamW).
    let l2 = |g: f32, theta: f32| {
        if weight_decay != 0.0 {
            g + weight_decay * theta
        } else {
            g
        }
    };
    match state {
        ParamState::Stateless => apply(param, |i, theta| theta - lr * l2(grad[i], theta)),
        ParamState::Momentum { buffer } => {
            let momentum = config.momentum;
            let nesterov = config.kind == OptimizerKind::Nesterov;
            apply(param, |i, theta| {
                let g = l2(grad[i], theta);
                buffer[i] = momentum * buffer[i] + g;
                let direction = if nesterov {
                    g + momentum * buffer[i]
                } else {
                    buffer[i]
                };
                theta - lr * direction
            })
        }
        ParamState::Adagrad { sum } => {
            let eps = ADAGRAD_EPS as f32;
            apply(param, |i, theta| {
                let g = l2(grad[i], theta);
                sum[i] += g * g;
                theta - lr * (g / (sum[i].sqrt() + eps))
            })
        }
        ParamState::Rmsprop { square_avg } => {
            let (alpha, one_minus_alpha, eps) = (
                RMSPROP_ALPHA as f32,
                (1.0 - RMSPROP_ALPHA) as f32,
                RMSPROP_EPS as f32,
            );
            apply(param, |i, theta| {
                let g = l2(grad[i], theta);
                square_avg[i] = alpha * square_avg[i] + one_minus_alpha * g * g;
                theta - lr * (g / (square_avg[i].sqrt() + eps))
            })
        }
        ParamState::Adam {
            step,
            exp_avg,
            exp_avg_sq,
        } => {
            *step += 1;
            let (beta1, beta2) = ADAM_BETAS;
            // As torch: bias corrections in f64, then step size lr/(1−β₁ᵗ) and √(1−β₂ᵗ) as f32.
            let t = *step as f64;
            let step_size = (f64::from(lr) / (1.0 - libm::pow(beta1, t))) as f32;
            let bias_correction2_sqrt = (1.0 - libm::pow(beta2, t)).sqrt() as f32;
            let (b1, one_minus_b1, b2, one_minus_b2) = (
                beta1 as f32,
                (1.0 - beta1) as f32,
                beta2 as f32,
                (1.0 - beta2) as f32,
            );
            let eps = ADAM_EPS as f32;
            let decoupled = config.kind.decouples_weight_decay();
            // AdamW: θ ← θ·(1 − lr·λ) (torch computes the factor in f64) before the Adam step.
            let shrink = (1.0 - f64::from(lr) * f64::from(weight_decay)) as f32;
            apply(param, |i, theta| {
                let (theta, g) = if decoupled {
                    (theta * shrink, grad[i])
                } else {
                    (theta, l2(grad[i], theta))
                };
                exp_avg[i] = b1 * exp_avg[i] + one_minus_b1 * g;
                exp_avg_sq[i] = b2 * exp_avg_sq[i] + one_minus_b2 * g * g;
                let denom = exp_avg_sq[i].sqrt() / bias_correction2_sqrt + eps;
                theta - step_size * (exp_avg[i] / denom)
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(kind: OptimizerKind, lr: f32, momentum: f32, weight_decay: f32) -> OptimizerConfig {
        OptimizerConfig {
            kind,
            lr,
            momentum,
            weight_decay,
        }
    }

    /// Steps a one-element parameter starting at θ₀ through the given gradients and returns
    /// θ after each step.
    fn trajectory(config: OptimizerConfig, theta0: f32, grads: &[f32]) -> Vec<f32> {
        let mut optimizer = Optimizer::new(config);
        let mut theta = [theta0];
        grads
            .iter()
            .map(|&g| {
                optimizer.step([(&mut theta[..], &[g][..])]);
                theta[0]
            })
            .collect()
    }

    /// Relative tolerance for a value computed in f32 through a handful of roundings
    /// (a few ulps); the alternatives the tests rule out differ by far more.
    const F32_ROUNDING: f64 = 5e-7;

    /// Checks θ after each step against hand-computed values, up to f32 rounding.
    fn assert_steps(config: OptimizerConfig, theta0: f32, grads: &[f32], expected: &[f64]) {
        assert_close(&trajectory(config, theta0, grads), expected, F32_ROUNDING);
    }

    fn assert_close(actual: &[f32], expected: &[f64], rel: f64) {
        assert_eq!(actual.len(), expected.len());
        for (step, (&a, &e)) in actual.iter().zip(expected).enumerate() {
            let tol = rel * e.abs().max(1e-30);
            assert!(
                (f64::from(a) - e).abs() <= tol,
                "step {}: got {a}, expected {e} (±{tol})",
                step + 1
            );
        }
    }

    #[test]
    fn names_round_trip_and_defaults_are_pytorchs() {
        for &kind in OptimizerKind::ALL {
            assert_eq!(kind.to_string().parse(), Ok(kind));
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{kind}\""));
            assert_eq!(OptimizerConfig::for_kind(kind).validate(), Ok(()));
        }
        assert_eq!(
            OptimizerKind::NAMES,
            ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]
        );
        assert_eq!("AdamW".parse(), Ok(OptimizerKind::Adamw));
        assert_eq!("RMSprop".parse(), Ok(OptimizerKind::Rmsprop));
        assert_eq!("NAG".parse(), Ok(OptimizerKind::Nesterov));
        assert_eq!(
            "lbfgs".parse::<OptimizerKind>().unwrap_err().kind,
            "optimizer"
        );

        let lr = |k| OptimizerConfig::for_kind(k).lr;
        assert_eq!(
            (lr(OptimizerKind::Adam), lr(OptimizerKind::Adamw)),
            (1e-3, 1e-3)
        );
        assert_eq!(
            (lr(OptimizerKind::Adagrad), lr(OptimizerKind::Rmsprop)),
            (1e-2, 1e-2)
        );
        assert_eq!(
            OptimizerConfig::for_kind(OptimizerKind::Adamw).weight_decay,
            1e-2
        );
        assert_eq!(
            OptimizerConfig::for_kind(OptimizerKind::Adam).weight_decay,
            0.0
        );
        assert_eq!(
            OptimizerConfig::for_kind(OptimizerKind::Nesterov).momentum,
            0.9
        );
        assert_eq!(OptimizerConfig::default().kind, OptimizerKind::Adam);
        assert_eq!(ADAM_BETAS, (0.9, 0.999));
        assert_eq!(
            (ADAM_EPS, RMSPROP_EPS, ADAGRAD_EPS, RMSPROP_ALPHA),
            (1e-8, 1e-8, 1e-10, 0.99)
        );
    }

    #[test]
    fn out_of_range_settings_are_refused_by_key() {
        let bad = |c: OptimizerConfig| c.validate().unwrap_err();
        let adam = OptimizerConfig::default();
        assert_eq!(
            bad(OptimizerConfig { lr: -0.1, ..adam }),
            "lr must be between 0 and 10, got -0.1"
        );
        assert!(bad(OptimizerConfig {
            lr: f32::NAN,
            ..adam
        })
        .starts_with("lr "));
        assert!(bad(OptimizerConfig {
            momentum: 1.0,
            ..adam
        })
        .starts_with("mom "));
        assert!(bad(OptimizerConfig {
            weight_decay: f32::INFINITY,
            ..adam
        })
        .starts_with("wd "));
    }

    #[test]
    fn sgd_steps_against_the_gradient() {
        // θ₁ = 1 − 0.1·0.5 = 0.95; θ₂ = 0.95 − 0.1·(−1) = 1.05.
        assert_steps(
            config(OptimizerKind::Sgd, 0.1, 0.0, 0.0),
            1.0,
            &[0.5, -1.0],
            &[0.95, 1.05],
        );
        // L2: g₁ = 0.5 + 0.01·1 = 0.51, θ₁ = 1 − 0.051 = 0.949;
        //     g₂ = −1 + 0.01·0.949 = −0.99051, θ₂ = 0.949 + 0.099051 = 1.048051.
        assert_steps(
            config(OptimizerKind::Sgd, 0.1, 0.0, 0.01),
            1.0,
            &[0.5, -1.0],
            &[0.949, 1.048051],
        );
    }

    #[test]
    fn momentum_buffer_starts_at_the_gradient() {
        // b₁ = g₁ = 0.5, θ₁ = 1 − 0.1·0.5 = 0.95;
        // b₂ = 0.9·0.5 − 1 = −0.55, θ₂ = 0.95 + 0.055 = 1.005.
        let momentum = config(OptimizerKind::Momentum, 0.1, 0.9, 0.0);
        assert_steps(momentum, 1.0, &[0.5, -1.0], &[0.95, 1.005]);
        // Nesterov: b₁ = 0.5, θ₁ = 1 − 0.1·(0.5 + 0.9·0.5) = 0.905;
        // b₂ = −0.55, θ₂ = 0.905 − 0.1·(−1 + 0.9·(−0.55)) = 0.905 + 0.1495 = 1.0545.
        let nesterov = config(OptimizerKind::Nesterov, 0.1, 0.9, 0.0);
        assert_steps(nesterov, 1.0, &[0.5, -1.0], &[0.905, 1.0545]);
        // The first step equals plain SGD's exactly: b₁ = g, not (1 − μ)·g or 0.
        let sgd = config(OptimizerKind::Sgd, 0.1, 0.0, 0.0);
        assert_eq!(
            trajectory(momentum, 0.3, &[0.7])[0].to_bits(),
            trajectory(sgd, 0.3, &[0.7])[0].to_bits()
        );
    }

    #[test]
    fn adagrad_first_step_is_lr_times_sign() {
        // s₁ = 0.25, θ₁ = 1 − 0.01·0.5/(0.5 + 1e-10) = 0.99;
        // s₂ = 1.25, θ₂ = 0.99 + 0.01/√1.25 = 0.99 + 0.00894427191 = 0.99894427191.
        let adagrad = config(OptimizerKind::Adagrad, 0.01, 0.0, 0.0);
        assert_steps(adagrad, 1.0, &[0.5, -1.0], &[0.99, 0.998_944_271_91]);
        // lr·g/(|g| + ε) for any |g| ≫ 1e-10: blind to how small the gradient is.
        for g in [3.0f32, 1e-3, -1e-6] {
            let change = trajectory(adagrad, 0.0, &[g])[0];
            let expected = -0.01 * f64::from(g) / (f64::from(g).abs() + ADAGRAD_EPS);
            assert_close(&[change], &[expected], 1e-6);
        }
    }

    #[test]
    fn rmsprop_divides_by_the_root_mean_square() {
        // v₁ = 0.01·0.25 = 0.0025, θ₁ = 1 − 0.01·0.5/(0.05 + 1e-8) = 0.9000000200;
        // v₂ = 0.99·0.0025 + 0.01·1 = 0.012475, θ₂ = θ₁ + 0.01/(√0.012475 + 1e-8)
        //    = 0.9000000200 + 0.0895323 = 0.9895323.
        let expected_2 = 0.900_000_02 + 0.01 / (0.012475f64.sqrt() + 1e-8);
        let rmsprop = config(OptimizerKind::Rmsprop, 0.01, 0.0, 0.0);
        assert_close(
            &trajectory(rmsprop, 1.0, &[0.5, -1.0]),
            &[0.900_000_02, expected_2],
            1e-6,
        );
        assert!((expected_2 - 0.989_532_3).abs() < 1e-7);
    }

    /// Adam straight from the published equations, in f64.
    fn adam_reference(lr: f64, theta0: f64, grads: &[f32]) -> Vec<f64> {
        let (beta1, beta2) = ADAM_BETAS;
        let (mut theta, mut m, mut v) = (theta0, 0.0, 0.0);
        let mut thetas = Vec::new();
        for (t, &g) in (1..).zip(grads) {
            let g = f64::from(g);
            m = beta1 * m + (1.0 - beta1) * g;
            v = beta2 * v + (1.0 - beta2) * g * g;
            let m_hat = m / (1.0 - beta1.powi(t));
            let v_hat = v / (1.0 - beta2.powi(t));
            theta -= lr * m_hat / (v_hat.sqrt() + ADAM_EPS);
            thetas.push(theta);
        }
        thetas
    }

    #[test]
    fn adam_matches_the_published_equations() {
        // θ₁ = 1 − 1e-3·0.5/(0.5 + 1e-8) = 0.999 (m̂₁ = g, √v̂₁ = |g|);
        // m₂ = 0.9·0.05 − 0.1 = −0.055, v₂ = 0.999·0.00025 + 0.001 = 0.00124975,
        // m̂₂ = −0.055/0.19 = −0.2894737, v̂₂ = 0.00124975/0.001999 = 0.6251876,
        // θ₂ = 0.999 + 1e-3·0.2894737/0.7906880 = 0.9993661.
        let adam = config(OptimizerKind::Adam, 1e-3, 0.0, 0.0);
        assert_steps(adam, 1.0, &[0.5, -1.0], &[0.999, 0.999_366_104]);
        let grads = [0.5, -1.0, 0.25, 3.0, -0.1, 0.0, 2.0, -2.0];
        assert_close(
            &trajectory(adam, 1.0, &grads),
            &adam_reference(1e-3, 1.0, &grads),
            1e-6,
        );
    }

    #[test]
    fn adam_first_step_is_lr_times_sign_even_for_tiny_gradients() {
        // θ₁ − θ₀ = −lr·g/(|g| + ε): −lr·sign(g) for |g| ≫ 1e-8, and still 0.99·lr at |g| = 1e-6.
        let adam = config(OptimizerKind::Adam, 1e-3, 0.0, 0.0);
        for g in [100.0f32, 0.5, -1e-3] {
            let change = trajectory(adam, 0.0, &[g])[0];
            assert_close(&[change], &[-1e-3 * f64::from(g.signum())], 1e-4);
        }
        let tiny = trajectory(adam, 0.0, &[1e-6])[0];
        assert_close(&[tiny], &[-1e-3 * 1e-6 / (1e-6 + ADAM_EPS)], 1e-5);
        assert!(
            tiny < -0.99e-3,
            "a gradient of 1e-6 still moves θ by ≈ lr: {tiny}"
        );
    }

    #[test]
    fn l2_and_decoupled_weight_decay_differ_as_documented() {
        // Adam with L2: g₁ = 0.5 + 0.01·1 = 0.51 is normalised away: θ₁ = 1 − 1e-3·0.51/(0.51 + 1e-8) = 0.999.
        let adam_l2 = config(OptimizerKind::Adam, 1e-3, 0.0, 0.01);
        assert_steps(adam_l2, 1.0, &[0.5], &[0.999]);
        // AdamW: θ ← 1·(1 − 1e-3·0.01) = 0.99999, then −1e-3: θ₁ = 0.99899.
        let adamw = config(OptimizerKind::Adamw, 1e-3, 0.0, 0.01);
        assert_steps(adamw, 1.0, &[0.5], &[0.99899]);
        // With a zero gradient AdamW still shrinks θ by lr·λ·θ; Adam+L2 moves by lr·sign(λθ).
        assert_steps(adamw, 2.0, &[0.0], &[2.0 * (1.0 - 1e-5)]);
        assert_steps(adam_l2, 2.0, &[0.0], &[2.0 - 1e-3]);
        // Adagrad (like SGD and RMSprop) takes λ as L2 too: decay acts even with zero gradient,
        let adagrad_l2 = config(OptimizerKind::Adagrad, 0.01, 0.0, 0.5);
        // g₁ = 0 + 0.5·2 = 1 → θ₁ = 2 − 0.01·1/(1 + 1e-10) = 1.99.
        assert_steps(adagrad_l2, 2.0, &[0.0], &[1.99]);
    }

    #[test]
    fn returned_norm_is_the_actual_change() {
        let mut weights = vec![0.5f32, -1.0, 2.0, 0.0];
        let mut bias = vec![0.1f32, -0.2];
        let (grad_w, grad_b) = ([0.3f32, -0.4, 1.2, 0.0], [1e-3f32, -5.0]);
        for kind in OptimizerKind::ALL.iter().copied() {
            let mut optimizer = Optimizer::new(OptimizerConfig {
                weight_decay: 0.01,
                ..OptimizerConfig::for_kind(kind)
            });
            for _ in 0..3 {
                let (w0, b0) = (weights.clone(), bias.clone());
                let norms = optimizer.step([
                    (&mut weights[..], &grad_w[..]),
                    (&mut bias[..], &grad_b[..]),
                ]);
                let distance = |new: &[f32], old: &[f32]| {
                    new.iter()
                        .zip(old)
                        .map(|(&n, &o)| (f64::from(n) - f64::from(o)).powi(2))
                        .sum::<f64>()
                        .sqrt()
                };
                assert_eq!(
                    norms,
                    [distance(&weights, &w0), distance(&bias, &b0)],
                    "{kind}"
                );
                assert!(
                    norms.iter().all(|&n| n > 0.0),
                    "{kind}: every parameter moved"
                );
            }
        }
        // Plain SGD without decay: ‖Δθ‖ = lr·‖g‖ = 0.1·√(0.09 + 0.16) = 0.05, up to storing
        // θ ≈ 1 in f32 (half an ulp, 6e-8, per entry).
        let mut theta = [1.0f32, 1.0];
        let norms = Optimizer::new(config(OptimizerKind::Sgd, 0.1, 0.0, 0.0))
            .step([(&mut theta[..], &[0.3f32, -0.4][..])]);
        assert!((norms[0] - 0.05).abs() < 1.2e-7, "{norms:?}");
    }

    #[test]
    fn new_lr_keeps_state_and_new_kind_resets_it() {
        let mut theta = [1.0f32];
        let mut optimizer = Optimizer::new(config(OptimizerKind::Momentum, 0.1, 0.9, 0.0));
        optimizer.step([(&mut theta[..], &[1.0][..])]); // b = 1, θ = 0.9
        optimizer.set_config(config(OptimizerKind::Momentum, 0.01, 0.9, 0.0));
        optimizer.step([(&mut theta[..], &[1.0][..])]); // b = 0.9 + 1 = 1.9, θ = 0.9 − 0.019 = 0.881
        assert_close(&theta, &[0.881], F32_ROUNDING);
        optimizer.set_config(config(OptimizerKind::Nesterov, 0.01, 0.9, 0.0));
        optimizer.step([(&mut theta[..], &[1.0][..])]); // fresh b = 1, θ = 0.881 − 0.01·1.9 = 0.862
        assert_close(&theta, &[0.862], F32_ROUNDING);
        assert_eq!(optimizer.config().kind, OptimizerKind::Nesterov);
    }

    #[test]
    fn each_parameter_has_its_own_state() {
        // Adam on two parameters at once equals Adam on each alone.
        let adam = OptimizerConfig::default();
        let (mut a, mut b) = ([1.0f32, 2.0], [3.0f32]);
        let mut both = Optimizer::new(adam);
        for (ga, gb) in [([0.5f32, -1.0], [10.0f32]), ([0.1, 0.2], [-3.0])] {
            both.step([(&mut a[..], &ga[..]), (&mut b[..], &gb[..])]);
        }
        assert_eq!(trajectory(adam, 3.0, &[10.0, -3.0])[1], b[0]);
        assert_eq!(trajectory(adam, 2.0, &[-1.0, 0.2])[1], a[1]);
    }

    #[test]
    #[should_panic(expected = "changed length")]
    fn a_parameter_changing_length_is_a_caller_bug() {
        let mut optimizer = Optimizer::new(OptimizerConfig::default());
        optimizer.step([(&mut [1.0f32, 2.0][..], &[0.1f32, 0.1][..])]);
        optimizer.step([(&mut [1.0f32][..], &[0.1f32][..])]);
    }
}
