//! What each remedy does to the gradient: orthogonal init, small random init, batch norm,
//! residual connections, gradient clipping, adaptive learning rates. Each panel shows the
//! current network's numbers when its feature is on.

use gradscope_core::clip::ClipConfig;
use gradscope_core::config::Init;
use gradscope_core::init::weight_variance;
use gradscope_core::optim::{OptimizerKind, ADAGRAD_EPS, ADAM_BETAS, ADAM_EPS};
use gradscope_core::ExperimentConfig;
use leptos::prelude::*;

use crate::components::panel::Panel;
use crate::components::results::Shown;
use crate::format;
use crate::math::{self, Math, SlotValue};
use crate::i18n::{use_i18n, Label};
use crate::panels::prose::{panel_text, Prose};
use crate::panels::chain::plot_ratio;

/// σ_w² = n·Var(W) of the hidden layers, from the core's `init::weight_variance`.
pub fn hidden_sigma_w2(cfg: &ExperimentConfig) -> f64 {
    cfg.width as f64 * weight_variance(cfg, cfg.width, cfg.width)
}

/// The slot values of `LIVE_SMALL_INIT` for a `normal` init.
fn small_init_values(cfg: &ExperimentConfig) -> Vec<SlotValue> {
    vec![
        ("n", cfg.width.to_string()),
        ("std", format::readable(f64::from(cfg.std))),
        ("sigma_w2", format::readable(hidden_sigma_w2(cfg))),
    ]
}

/// PyTorch's defaults for the adaptive optimizers, from the core's constants, written as
/// PyTorch's documentation writes them (0.9, 1e-8).
fn optimizer_defaults() -> Vec<SlotValue> {
    let epsilon = |eps: f64| format!("{eps:e}");
    vec![
        ("adam_lr", OptimizerKind::Adam.default_lr().to_string()),
        ("beta1", ADAM_BETAS.0.to_string()),
        ("beta2", ADAM_BETAS.1.to_string()),
        ("adam_eps", epsilon(ADAM_EPS)),
        ("adagrad_lr", OptimizerKind::Adagrad.default_lr().to_string()),
        ("adagrad_eps", epsilon(ADAGRAD_EPS)),
    ]
}

/// The measured ratio ‖δ₁‖/‖δ_L‖ as formula slots, for the "what this network does" lines.
fn measured_ratio(shown: ReadSignal<Option<Shown>>) -> Signal<Vec<SlotValue>> {
    Signal::derive(move || {
        let ratio = shown.with(|s| s.as_ref().and_then(|s| plot_ratio(&s.report)));
        vec![("ratio", ratio.map_or_else(|| "?".to_owned(), format::readable))]
    })
}

/// A remedy's panel: its explanation, then this network's numbers (`formula` with `values`)
/// while the remedy is on, else `off` (how to switch it on).
#[component]
fn RemedyPanel(
    id: &'static str,
    title: Label,
    body: Label,
    #[prop(into)] on: Signal<bool>,
    formula: math::Formula,
    values: Signal<Vec<SlotValue>>,
    off: Label,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Panel id title=Signal::derive(move || title(i18n.t()).to_owned())>
            <Prose text=Signal::derive(move || body(i18n.t()))/>
            <Show when=move || on.get() fallback=move || view! { <p class="panel-note">{move || off(i18n.t())}</p> }>
                <Math formula values/>
            </Show>
        </Panel>
    }
}

#[component]
pub fn OrthogonalPanel(config: ReadSignal<ExperimentConfig>) -> impl IntoView {
    let gain = Signal::derive(move || vec![("gain", config.with(|c| format::readable(f64::from(c.effective_gain()))))]);
    let on = Signal::derive(move || config.with(|c| c.init == Init::Orthogonal));
    view! { <RemedyPanel id="orthogonal" title=|t| t.panels.orthogonal_title body=|t| t.panels.orthogonal on formula=math::LIVE_ORTHOGONAL_SPECTRUM values=gain off=|t| t.panels.orthogonal_off/> }
}

#[component]
pub fn SmallInitPanel(config: ReadSignal<ExperimentConfig>) -> impl IntoView {
    let on = Signal::derive(move || config.with(|c| c.init == Init::Normal));
    let values = Signal::derive(move || config.with(small_init_values));
    view! { <RemedyPanel id="small-init" title=|t| t.panels.small_init_title body=|t| t.panels.small_init on formula=math::LIVE_SMALL_INIT values off=|t| t.panels.small_init_off/> }
}

#[component]
pub fn BatchNormPanel(config: ReadSignal<ExperimentConfig>, shown: ReadSignal<Option<Shown>>) -> impl IntoView {
    let on = Signal::derive(move || config.with(|c| c.bn));
    view! { <RemedyPanel id="batch-norm" title=|t| t.panels.batch_norm_title body=|t| t.panels.batch_norm on formula=math::LIVE_RATIO values=measured_ratio(shown) off=|t| t.panels.batch_norm_off/> }
}

#[component]
pub fn ResidualPanel(config: ReadSignal<ExperimentConfig>, shown: ReadSignal<Option<Shown>>) -> impl IntoView {
    let on = Signal::derive(move || config.with(|c| c.res));
    view! { <RemedyPanel id="residual" title=|t| t.panels.residual_title body=|t| t.panels.residual on formula=math::LIVE_RATIO values=measured_ratio(shown) off=|t| t.panels.residual_off/> }
}

#[component]
pub fn ClippingPanel(config: ReadSignal<ExperimentConfig>) -> impl IntoView {
    let clipping = move || config.with(|c| c.clipping().ok());
    let text = panel_text();
    view! {
        <Panel id="clipping" title=Signal::derive(move || text().clipping_title.to_owned())>
            <Prose text=Signal::derive(move || text().clipping)/>
            {move || match clipping() {
                Some(ClipConfig::Norm(tau)) => view! { <Math formula=math::LIVE_CLIP_NORM values=Signal::stored(vec![("tau", format::readable(f64::from(tau)))])/> }.into_any(),
                Some(ClipConfig::Value(v)) => view! { <Math formula=math::LIVE_CLIP_VALUE values=Signal::stored(vec![("v", format::readable(f64::from(v)))])/> }.into_any(),
                _ => view! { <p class="panel-note">{move || text().clipping_off}</p> }.into_any(),
            }}
        </Panel>
    }
}

#[component]
pub fn OptimizerPanel(config: ReadSignal<ExperimentConfig>) -> impl IntoView {
    let current = Signal::derive(move || config.with(|c| vec![("lr", format::readable(f64::from(c.lr)))]));
    let text = panel_text();
    view! {
        <Panel id="adaptive" title=Signal::derive(move || text().adaptive_title.to_owned())>
            <Prose text=Signal::derive(move || text().adaptive)/>
            <Math formula=math::OPTIMIZER_DEFAULTS values=Signal::stored(optimizer_defaults())/>
            <p class="panel-note"><code>{move || config.with(|c| c.opt.name())}</code></p>
            <Math formula=math::LIVE_LR values=current/>
        </Panel>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_init_sigma_w2_is_width_times_std_squared() {
        let cfg = ExperimentConfig { init: Init::Normal, std: 0.5, width: 64, ..ExperimentConfig::default() };
        assert_eq!(hidden_sigma_w2(&cfg), 16.0);
        let values = small_init_values(&cfg);
        assert_eq!(values, [("n", "64".to_owned()), ("std", "0.500".to_owned()), ("sigma_w2", "16.0".to_owned())]);
        for slot in math::LIVE_SMALL_INIT.slots() {
            assert!(values.iter().any(|(name, _)| name == slot), "{slot}");
        }
    }

    #[test]
    fn optimizer_defaults_are_pytorchs_and_fill_the_formula() {
        let values = optimizer_defaults();
        let value = |name| values.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str());
        assert_eq!((value("adam_lr"), value("beta1"), value("beta2"), value("adam_eps")), (Some("0.001"), Some("0.9"), Some("0.999"), Some("1e-8")));
        assert_eq!((value("adagrad_lr"), value("adagrad_eps")), (Some("0.01"), Some("1e-10")));
        for slot in math::OPTIMIZER_DEFAULTS.slots() {
            assert!(value(slot).is_some(), "{slot}");
        }
    }
}
