//! The explosion diagnosis: which value went non-finite first, the gradient norms that led to
//! it, and what typically fixes it, chosen from the experiment's actual settings.

use serde::{Deserialize, Serialize};

use crate::activation::Activation;
use crate::clip::ClipMethod;
use crate::config::{ExperimentConfig, Init};
use crate::init::{calculate_gain, weight_variance};
use crate::mlp::ParamKind;
use crate::optim::OptimizerKind;

/// What went non-finite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// h = a_{l−1}·Wᵀ + b (before batch norm).
    PreActivation,
    /// a = φ(h), or the logits for the readout.
    Activation,
    Loss,
    /// δ = ∂L/∂h.
    Delta,
    #[serde(rename = "grad_w")]
    GradWeight,
    #[serde(rename = "grad_b")]
    GradBias,
    /// ∂L/∂γ or ∂L/∂β of batch norm.
    GradBn,
    /// The parameters after the update.
    Weight,
    Bias,
    /// Batch norm's γ or β.
    Bn,
}

impl Quantity {
    pub(super) fn gradient_of(kind: ParamKind) -> Self {
        match kind {
            ParamKind::Weight => Quantity::GradWeight,
            ParamKind::Bias => Quantity::GradBias,
            ParamKind::BnScale | ParamKind::BnShift => Quantity::GradBn,
        }
    }

    pub(super) fn value_of(kind: ParamKind) -> Self {
        match kind {
            ParamKind::Weight => Quantity::Weight,
            ParamKind::Bias => Quantity::Bias,
            ParamKind::BnScale | ParamKind::BnShift => Quantity::Bn,
        }
    }

    /// Computed by the forward pass (before any gradient).
    fn is_forward(self) -> bool {
        matches!(self, Quantity::PreActivation | Quantity::Activation | Quantity::Loss)
    }

    /// A parameter made non-finite by the optimizer's update.
    pub fn is_update(self) -> bool {
        matches!(self, Quantity::Weight | Quantity::Bias | Quantity::Bn)
    }

    /// Words for a sentence.
    fn describe(self) -> &'static str {
        match self {
            Quantity::PreActivation => "pre-activation h",
            Quantity::Activation => "activation a",
            Quantity::Loss => "loss",
            Quantity::Delta => "backpropagated δ = ∂L/∂h",
            Quantity::GradWeight => "weight gradient ∂L/∂W",
            Quantity::GradBias => "bias gradient ∂L/∂b",
            Quantity::GradBn => "batch-norm gradient ∂L/∂γ or ∂L/∂β",
            Quantity::Weight => "weight W",
            Quantity::Bias => "bias b",
            Quantity::Bn => "batch-norm γ or β",
        }
    }
}

/// ‖∂L/∂W‖ of every layer (1..=depth+1) at one step, before clipping.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecentGradNorms {
    pub step: u64,
    #[serde(with = "crate::serde_float::vec")]
    pub grad_w_norm: Vec<f64>,
}

/// Why training stopped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// The step (1-based) that produced the first non-finite value.
    pub step: u64,
    /// Its layer, 1-based (`depth + 1` is the readout).
    pub layer: usize,
    pub quantity: Quantity,
    /// NaN, ∞ or −∞: the first such value, or the norm of the tensor holding it.
    #[serde(with = "crate::serde_float")]
    pub value: f64,
    /// One sentence saying all of the above.
    pub message: String,
    /// The steps before, oldest first, up to `RECENT_STEPS`, and the failing step itself when
    /// its backward pass ran.
    pub recent_grad_norms: Vec<RecentGradNorms>,
    /// What typically fixes it, most relevant first, for this experiment's settings.
    pub advice: Vec<String>,
}

impl Diagnosis {
    pub(super) fn new(cfg: &ExperimentConfig, step: u64, layer: usize, quantity: Quantity, value: f64, recent: Vec<RecentGradNorms>) -> Self {
        let readout = if layer == cfg.depth + 1 { " (the readout)" } else { "" };
        let shown = match value {
            v if v.is_nan() => "NaN",
            v if v > 0.0 => "∞",
            _ => "−∞",
        };
        let when = if quantity.is_update() { "in the update of" } else { "at" };
        let message = format!("The {} of layer {layer}{readout} became {shown} {when} step {step}, first; training stopped.", quantity.describe());
        let advice = advise(cfg, step, quantity, &recent);
        Diagnosis { step, layer, quantity, value, message, recent_grad_norms: recent, advice }
    }
}

/// PyTorch's recommended initializer for an activation.
fn recommended_init(act: Activation) -> Init {
    match act {
        Activation::Linear | Activation::Sigmoid | Activation::Tanh => Init::XavierNormal,
        Activation::Selu => Init::LecunNormal,
        Activation::Relu | Activation::LeakyRelu | Activation::Elu | Activation::Gelu | Activation::Silu | Activation::Softplus => {
            Init::KaimingNormal
        }
    }
}

/// A global gradient norm from per-layer norms.
fn global_norm(norms: &RecentGradNorms) -> f64 {
    norms.grad_w_norm.iter().map(|n| n * n).sum::<f64>().sqrt()
}

/// One piece of advice after a divergence, with the numbers it quotes; `english()` words it
/// (the page words it in the reader's language from the same fields).
#[derive(Clone, Debug, PartialEq)]
pub enum Advice {
    /// The initial weights diverged: lr and clipping cannot help.
    InitialWeights,
    /// lr is above the optimizer's default (`times` = lr / default).
    LowerLrFromDefault { lr: f32, times: f32, opt: OptimizerKind, default_lr: f32, try_lr: f32 },
    LowerLr { lr: f32, try_lr: f32 },
    ClipByNorm,
    /// Clipping by value is on (threshold `clipv`).
    ClipByNormInstead { clipv: f32 },
    /// Clipping by norm was on (threshold `clipv`) and did not prevent it.
    ClipNormDidNotHelp { clipv: f32 },
    /// The global gradient norm grew by `factor` over `steps` steps.
    GradientGrew { factor: f64, steps: usize },
    /// σ_w² = fan_in·Var(W) is well above PyTorch's gain² for `act`.
    SmallerWeights { sigma_w2: f64, act: Activation, gain_squared: f64, init: Init },
    BatchNorm,
    FewerLayers { depth: usize },
}

impl Advice {
    pub fn english(&self) -> String {
        match *self {
            Advice::InitialWeights => "This happened with the initial weights, before any update changed them: lowering lr or clipping cannot help.".to_owned(),
            Advice::LowerLrFromDefault { lr, times, opt, default_lr, try_lr } => {
                format!("Lower the learning rate: lr={lr} is {times:.0}× {opt}'s default {default_lr}; try lr={try_lr}.")
            }
            Advice::LowerLr { lr, try_lr } => format!("Lower the learning rate: try lr={try_lr} (now {lr})."),
            Advice::ClipByNorm => "Clip gradients by norm (clip=norm&clipv=1): any gradient whose global norm exceeds 1 is scaled down to 1 before the step, so one bad batch cannot throw the weights far.".to_owned(),
            Advice::ClipByNormInstead { clipv } => format!("Clipping by value (clipv={clipv}) bounds each entry, not the step: a large layer still moves far. Clip by norm instead (clip=norm)."),
            Advice::ClipNormDidNotHelp { clipv } => format!("Clipping by norm is on (clipv={clipv}) and did not prevent this: lower lr, or clipv."),
            Advice::GradientGrew { factor, steps } => format!(
                "The gradient norm grew ×{factor:.3e} over the last {steps} steps (recent_grad_norms): each update made the next gradient larger."
            ),
            Advice::SmallerWeights { sigma_w2, act, gain_squared, init } => format!(
                "Start from smaller weights: this init gives σ_w² = fan_in·Var(W) = {sigma_w2:.3}, while PyTorch's gain for {act} suggests gain² = {gain_squared:.3}; try init={init}."
            ),
            Advice::BatchNorm => "Batch normalization (bn=1) rescales every layer's pre-activations to unit variance, so they cannot grow with depth.".to_owned(),
            Advice::FewerLayers { depth } => format!("Or use fewer layers: each of the {depth} hidden layers multiplies the signal's scale."),
        }
    }
}

impl Diagnosis {
    /// What typically fixes this divergence under `cfg` (the experiment that diverged), most
    /// relevant first: `advice` as data.
    pub fn remedies(&self, cfg: &ExperimentConfig) -> Vec<Advice> {
        remedies(cfg, self.step, self.quantity, &self.recent_grad_norms)
    }
}

fn advise(cfg: &ExperimentConfig, step: u64, quantity: Quantity, recent: &[RecentGradNorms]) -> Vec<String> {
    remedies(cfg, step, quantity, recent).iter().map(Advice::english).collect()
}

fn remedies(cfg: &ExperimentConfig, step: u64, quantity: Quantity, recent: &[RecentGradNorms]) -> Vec<Advice> {
    let mut advice = Vec::new();
    // With the initial weights (first step, or nothing ever moved them), updates are not the cause.
    let at_init = (step == 1 && !quantity.is_update()) || cfg.lr == 0.0;
    if at_init {
        advice.push(Advice::InitialWeights);
    } else {
        let default_lr = cfg.opt.default_lr();
        let (lr, try_lr) = (cfg.lr, cfg.lr / 10.0);
        advice.push(if lr > default_lr {
            Advice::LowerLrFromDefault { lr, times: lr / default_lr, opt: cfg.opt, default_lr, try_lr }
        } else {
            Advice::LowerLr { lr, try_lr }
        });
        advice.push(match cfg.clip {
            ClipMethod::None => Advice::ClipByNorm,
            ClipMethod::Value => Advice::ClipByNormInstead { clipv: cfg.clipv },
            ClipMethod::Norm => Advice::ClipNormDidNotHelp { clipv: cfg.clipv },
        });
        let finite: Vec<f64> = recent.iter().map(global_norm).filter(|n| n.is_finite() && *n > 0.0).collect();
        if let (Some(&first), Some(&last)) = (finite.first(), finite.last()) {
            if finite.len() >= 2 && last >= 10.0 * first {
                advice.push(Advice::GradientGrew { factor: last / first, steps: finite.len() });
            }
        }
    }
    let sigma_w2 = weight_variance(cfg, cfg.width, cfg.width) * cfg.width as f64;
    let gain = f64::from(calculate_gain(cfg.act, cfg.slope));
    if sigma_w2 > 2.0 * gain * gain {
        advice.push(Advice::SmallerWeights { sigma_w2, act: cfg.act, gain_squared: gain * gain, init: recommended_init(cfg.act) });
    }
    if !cfg.bn && quantity.is_forward() {
        advice.push(Advice::BatchNorm);
    }
    if at_init && !cfg.bn {
        advice.push(Advice::FewerLayers { depth: cfg.depth });
    }
    advice
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recent(norms: &[f64]) -> Vec<RecentGradNorms> {
        norms.iter().enumerate().map(|(i, &n)| RecentGradNorms { step: i as u64 + 1, grad_w_norm: vec![n, 0.0] }).collect()
    }

    fn mentions(advice: &[String], text: &str) -> bool {
        advice.iter().any(|a| a.contains(text))
    }

    #[test]
    fn advice_follows_the_settings() {
        let relu = ExperimentConfig { act: Activation::Relu, init: Init::KaimingNormal, opt: OptimizerKind::Sgd, lr: 10.0, ..Default::default() };
        let advice = advise(&relu, 5, Quantity::GradWeight, &recent(&[1.0, 30.0, 900.0]));
        assert!(advice[0].starts_with("Lower the learning rate: lr=10 is 100× sgd's default 0.1; try lr=1."), "{advice:?}");
        assert!(mentions(&advice, "clip=norm&clipv=1"));
        assert!(mentions(&advice, "grew ×9.000e2 over the last 3 steps"), "{advice:?}");
        assert!(!mentions(&advice, "init="), "He init for relu is fine: {advice:?}");
        assert!(!mentions(&advice, "bn=1"), "a gradient, not a forward value");

        let clipped = ExperimentConfig { clip: ClipMethod::Norm, clipv: 0.5, lr: 0.05, ..relu.clone() };
        let advice = advise(&clipped, 5, Quantity::Weight, &recent(&[1.0, 1.0]));
        assert!(advice[0].contains("try lr=0.005 (now 0.05)"), "{advice:?}");
        assert!(mentions(&advice, "Clipping by norm is on (clipv=0.5)") && !mentions(&advice, "grew"));
        let by_value = ExperimentConfig { clip: ClipMethod::Value, ..relu.clone() };
        assert!(mentions(&advise(&by_value, 5, Quantity::Delta, &[]), "Clip by norm instead"));

        let large = ExperimentConfig { init: Init::Normal, std: 1.0, width: 64, ..relu.clone() };
        let advice = advise(&large, 3, Quantity::Activation, &[]);
        assert!(mentions(&advice, "σ_w² = fan_in·Var(W) = 64.000") && mentions(&advice, "gain² = 2.000; try init=kaiming_normal"), "{advice:?}");
        assert!(mentions(&advice, "bn=1"));
    }

    #[test]
    fn at_initialization_only_the_network_itself_is_blamed() {
        let cfg = ExperimentConfig { act: Activation::Tanh, init: Init::Normal, std: 3.0, depth: 40, ..Default::default() };
        let advice = advise(&cfg, 1, Quantity::PreActivation, &recent(&[1.0]));
        assert!(advice[0].contains("initial weights"), "{advice:?}");
        assert!(!mentions(&advice, "Lower the learning rate") && !mentions(&advice, "clip="), "{advice:?}");
        assert!(mentions(&advice, "try init=xavier_normal") && mentions(&advice, "each of the 40 hidden layers"), "{advice:?}");
        // An update that overflows at step 1 is the learning rate's doing.
        assert!(advise(&cfg, 1, Quantity::Weight, &[])[0].starts_with("Lower the learning rate"));
        // With lr = 0 nothing ever moves the weights.
        assert!(advise(&ExperimentConfig { lr: 0.0, ..cfg }, 9, Quantity::Delta, &[])[0].contains("initial weights"));
    }

    #[test]
    fn the_message_names_layer_quantity_value_and_step() {
        let cfg = ExperimentConfig { depth: 3, ..Default::default() };
        let d = Diagnosis::new(&cfg, 7, 4, Quantity::Activation, f64::INFINITY, vec![]);
        assert_eq!(d.message, "The activation a of layer 4 (the readout) became ∞ at step 7, first; training stopped.");
        let d = Diagnosis::new(&cfg, 2, 1, Quantity::Weight, f64::NAN, vec![]);
        assert_eq!(d.message, "The weight W of layer 1 became NaN in the update of step 2, first; training stopped.");
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!((json["quantity"].as_str(), json["value"].as_str()), (Some("weight"), Some("NaN")));
        assert_eq!(serde_json::to_value(Quantity::GradWeight).unwrap(), "grad_w");
        let back: Diagnosis = serde_json::from_value(json).unwrap();
        assert_eq!((back.step, back.layer, back.quantity), (2, 1, Quantity::Weight));
    }
}
