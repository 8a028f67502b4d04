//! Activations: φ and φ′ of the chosen activation, and where this network's units sit (the
//! probe's saturated and dead fractions over the hidden layers).

use gradscope_core::config::Activation;
use gradscope_core::ProbeReport;
use leptos::prelude::*;

use crate::components::panel::Panel;
use crate::components::results::Shown;
use crate::format;
use crate::math::{self, Formula, Math};
use crate::panels::prose::{panel_text, Prose};

pub fn formula(act: Activation) -> Formula {
    match act {
        Activation::Linear => math::ACT_LINEAR,
        Activation::Sigmoid => math::ACT_SIGMOID,
        Activation::Tanh => math::ACT_TANH,
        Activation::Relu => math::ACT_RELU,
        Activation::LeakyRelu => math::ACT_LEAKY_RELU,
        Activation::Elu => math::ACT_ELU,
        Activation::Selu => math::ACT_SELU,
        Activation::Gelu => math::ACT_GELU,
        Activation::Silu => math::ACT_SILU,
        Activation::Softplus => math::ACT_SOFTPLUS,
    }
}

/// Mean over the hidden layers of the saturated share of outputs and of the dead share of units.
pub fn activity(report: &ProbeReport) -> Option<(f64, f64)> {
    let hidden = &report.layers[..report.layers.len().saturating_sub(1)];
    if hidden.is_empty() {
        return None;
    }
    let mean = |value: fn(&gradscope_core::probe::LayerProbe) -> f64| hidden.iter().map(value).sum::<f64>() / hidden.len() as f64;
    Some((mean(|l| l.saturated), mean(|l| l.dead)))
}

#[component]
pub fn ActivationPanel(config: ReadSignal<gradscope_core::ExperimentConfig>, shown: ReadSignal<Option<Shown>>) -> impl IntoView {
    let values = Signal::derive(move || {
        shown.with(|s| match s.as_ref().and_then(|s| activity(&s.report)) {
            Some((saturated, dead)) => vec![("saturated", format::percent(saturated)), ("dead", format::percent(dead))],
            None => vec![],
        })
    });
    let text = panel_text();
    view! {
        <Panel id="activation" title=Signal::derive(move || text().activation_title.to_owned())>
            {move || view! { <Math formula=formula(config.with(|c| c.act))/> }}
            <Prose text=Signal::derive(move || text().activation)/>
            <Math formula=math::LIVE_ACTIVITY values/>
        </Panel>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradscope_core::config::Init;
    use gradscope_core::{probe::probe, ExperimentConfig};

    #[test]
    fn activity_averages_the_hidden_layers_only() {
        let cfg = ExperimentConfig { act: Activation::Relu, init: Init::Zeros, depth: 4, width: 8, ..ExperimentConfig::default() };
        // Zero weights: every ReLU unit outputs 0 for the whole batch, and the readout is not counted.
        assert_eq!(activity(&probe(&cfg)), Some((0.0, 1.0)));
        let sigmoid = ExperimentConfig { act: Activation::Sigmoid, init: Init::Normal, std: 3.0, ..ExperimentConfig::default() };
        let (saturated, dead) = activity(&probe(&sigmoid)).unwrap();
        assert!(saturated > 0.5 && dead == 0.0, "large weights push sigmoid units into their flat tails: {saturated}");
    }

    #[test]
    fn every_activation_has_its_formula() {
        for &act in Activation::ALL {
            assert!(formula(act).name.ends_with(&act.name().to_uppercase()), "{act}");
        }
    }
}
