//! The chain rule: ∂L/∂h₁ as a product of one factor per layer, with this network's measured
//! factors and their running product, which is exactly the ratio the plot and reading show.

use gradscope_core::theory::Theory;
use gradscope_core::ProbeReport;
use leptos::prelude::*;

use crate::components::panel::Panel;
use crate::components::results::Shown;
use crate::format;
use crate::math::{self, Math};
use crate::panels::prose::{panel_text, Prose};

/// Layer `layer`'s factor in the backward product, measured and predicted.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainLink {
    pub layer: usize,
    /// ‖δ_l‖ / ‖δ_{l+1}‖ as measured. Hidden layers share one width, so this is also the ratio
    /// of the δ RMS values the plot draws.
    pub factor: f64,
    /// Product of the factors from the last hidden layer down to this one: ‖δ_l‖ / ‖δ_L‖.
    pub product: f64,
    /// The same factor from mean-field theory's predicted profile, when theory applies.
    pub predicted: Option<f64>,
}

/// The factors of the hidden layers, from the last but one down to layer 1 (the order in which
/// backpropagation applies them). Zeros and overflow give NaN or ∞ factors, never a panic.
pub fn chain_links(report: &ProbeReport) -> Vec<ChainLink> {
    let hidden = &report.layers[..report.layers.len().saturating_sub(1)];
    let predicted = match &report.theory {
        Theory::Applies(mf) if mf.predicted_delta_rms.len() == hidden.len() => Some(&mf.predicted_delta_rms),
        _ => None,
    };
    let mut product = 1.0;
    (1..hidden.len())
        .rev()
        .map(|l| {
            let factor = hidden[l - 1].delta_rms / hidden[l].delta_rms;
            product *= factor;
            ChainLink { layer: l, factor, product, predicted: predicted.map(|p| p[l - 1] / p[l]) }
        })
        .collect()
}

/// The ratio the plot and the reading show: ‖δ₁‖ / ‖δ_L‖ with L the last hidden layer.
pub fn plot_ratio(report: &ProbeReport) -> Option<f64> {
    let hidden = &report.layers[..report.layers.len().saturating_sub(1)];
    match hidden {
        [first, .., last] => Some(first.delta_rms / last.delta_rms),
        _ => None,
    }
}

#[component]
pub fn ChainRulePanel(shown: ReadSignal<Option<Shown>>) -> impl IntoView {
    let links = Memo::new(move |_| shown.with(|s| s.as_ref().map(|s| chain_links(&s.report)).unwrap_or_default()));
    let product = move || links.with(|links| links.last().map_or_else(|| "?".to_owned(), |link| format::readable(link.product)));
    let text = panel_text();
    view! {
        <Panel id="chain-rule" title=Signal::derive(move || text().chain_title.to_owned())>
            <Prose text=Signal::derive(move || text().chain_intro)/>
            <Show when=move || links.with(|l| !l.is_empty()) fallback=move || view! { <Prose text=Signal::derive(move || text().chain_one_layer)/> }>
                <Prose text=Signal::derive(move || text().chain_table_intro)/>
                <div class="panel-table-scroll">
                    <table class="panel-table" id="chain-table">
                        <thead><tr><th>"l"</th><th>"‖δₗ‖ / ‖δₗ₊₁‖"</th><th>"∏"</th><th>{move || text().chain_theory_column}</th></tr></thead>
                        <tbody>
                            {move || links.with(|links| links.iter().map(|link| view! {
                                <tr>
                                    <td>{link.layer}</td>
                                    <td data-field="factor" data-value=format::exact(link.factor)>{format::readable(link.factor)}</td>
                                    <td data-field="product" data-value=format::exact(link.product)>{format::readable(link.product)}</td>
                                    <td>{link.predicted.map_or_else(|| "—".to_owned(), format::readable)}</td>
                                </tr>
                            }).collect_view())}
                        </tbody>
                    </table>
                </div>
                <Math formula=math::CHAIN_RATIO values=Signal::derive(move || vec![("product", product())])/>
                <Prose text=Signal::derive(move || text().chain_outro)/>
            </Show>
        </Panel>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradscope_core::config::{Activation, Init};
    use gradscope_core::{probe::probe, ExperimentConfig};

    #[test]
    fn running_product_is_the_plotted_ratio() {
        for cfg in [
            ExperimentConfig::default(),
            ExperimentConfig { act: Activation::Tanh, init: Init::XavierNormal, depth: 12, ..ExperimentConfig::default() },
        ] {
            let report = probe(&cfg);
            let links = chain_links(&report);
            assert_eq!(links.len(), cfg.depth - 1);
            assert_eq!(links.iter().map(|l| l.layer).collect::<Vec<_>>(), (1..cfg.depth).rev().collect::<Vec<_>>());
            let ratio = plot_ratio(&report).unwrap();
            let product = links.last().unwrap().product;
            // Telescoping in floating point: equal up to rounding, one ulp-ish per factor.
            assert!(((product - ratio) / ratio).abs() < 1e-12, "{product} vs {ratio}");
            // Each factor is the measured δ ratio of neighbouring layers.
            let top = &links[0];
            assert_eq!(top.factor, report.layers[cfg.depth - 2].delta_rms / report.layers[cfg.depth - 1].delta_rms);
        }
    }

    #[test]
    fn default_sigmoid_factors_are_below_one_and_theory_agrees_on_the_order() {
        // Sigmoid with std 0.1 at width 64: σ_w² = 0.64 and φ′ ≤ 1/4, so each factor is far below 1.
        let report = probe(&ExperimentConfig::default());
        for link in chain_links(&report) {
            assert!(link.factor < 0.5, "layer {}: {}", link.layer, link.factor);
            let predicted = link.predicted.expect("theory applies to plain sigmoid");
            assert!(predicted < 0.5 && (link.factor / predicted - 1.0).abs() < 0.5, "layer {}: {} vs {predicted}", link.layer, link.factor);
        }
    }

    #[test]
    fn zero_gradients_give_undefined_factors_not_a_panic() {
        let cfg = ExperimentConfig { act: Activation::Relu, init: Init::Zeros, depth: 4, ..ExperimentConfig::default() };
        let links = chain_links(&probe(&cfg));
        assert!(links.iter().all(|l| l.factor.is_nan() && l.predicted.is_none()));
        let one_layer = probe(&ExperimentConfig { depth: 1, ..ExperimentConfig::default() });
        assert!(chain_links(&one_layer).is_empty() && plot_ratio(&one_layer).is_none());
    }
}
