//! The theory overlay explained: χ₁, the ordered and chaotic phases, why the measured curve
//! differs from the dashed line, and the ‖∂L/∂W‖-looks-flat caveat, with this network's numbers.

use gradscope_core::theory::{MeanField, Theory};
use gradscope_core::ProbeReport;
use leptos::prelude::*;

use crate::components::panel::Panel;
use crate::components::results::Shown;
use crate::format;
use crate::math::{self, Math};
use crate::panels::prose::{panel_text, Prose};
use crate::i18n::{self, use_i18n};

/// Layer 2 against the last hidden layer, for δ and for ∂L/∂W: the two series of the plot,
/// across the layers of equal width (layer 1's weight gradient multiplies the raw input, whose
/// scale is the data's, not the network's).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FirstOverLast {
    pub delta: f64,
    pub grad_w: f64,
}

pub fn first_over_last(report: &ProbeReport) -> Option<FirstOverLast> {
    let hidden = &report.layers[..report.layers.len().saturating_sub(1)];
    match hidden {
        [_, first, .., last] => Some(FirstOverLast {
            delta: first.delta_rms / last.delta_rms,
            grad_w: first.grad_w_norm / last.grad_w_norm,
        }),
        _ => None,
    }
}

/// The ‖∂L/∂W‖ curve "looks flat" while δ vanishes when it changes by less than a factor 10
/// across the depth while δ shrinks by more than 100.
pub fn weight_gradient_hides_vanishing(ratios: FirstOverLast) -> bool {
    ratios.delta < 1e-2 && (0.1..=10.0).contains(&ratios.grad_w)
}

#[component]
pub fn TheoryPanel(shown: ReadSignal<Option<Shown>>) -> impl IntoView {
    let i18n = use_i18n();
    let mean_field = move || {
        shown.with(|s| {
            s.as_ref().map(|s| match &s.report.theory {
                Theory::Applies(mf) => Ok(mf.clone()),
                Theory::NotApplicable { cause, .. } => Err(*cause),
            })
        })
    };
    let live_values = Signal::derive(move || match mean_field() {
        Some(Ok(MeanField { sigma_w2, q_star, chi1, depth_scale, .. })) => vec![
            ("sigma_w2", format::readable(sigma_w2)),
            ("q_star", format::readable(q_star)),
            ("chi1", format::readable(chi1)),
            ("xi", format::readable(depth_scale)),
        ],
        _ => vec![],
    });
    let ratios = move || shown.with(|s| s.as_ref().and_then(|s| first_over_last(&s.report)));
    let text = panel_text();
    view! {
        <Panel id="theory" title=Signal::derive(move || text().theory_title.to_owned())>
            <Prose text=Signal::derive(move || text().theory_intro)/>
            {move || match mean_field() {
                Some(Ok(mf)) => view! {
                    <p><strong id="theory-phase">{i18n::phase(i18n.t(), &mf.phase).to_owned()}</strong>{mf.approximate.then_some(" (≈)")}</p>
                    <Math formula=math::LIVE_MEAN_FIELD values=live_values/>
                }.into_any(),
                Some(Err(cause)) => view! { <p class="panel-note">{i18n::inapplicable(i18n.t(), cause)}</p> }.into_any(),
                None => ().into_any(),
            }}
            <Prose text=Signal::derive(move || text().theory_differs)/>
            <Prose text=Signal::derive(move || text().theory_caveat)/>
            {move || ratios().map(|r| view! {
                <Math formula=math::LIVE_CAVEAT values=Signal::stored(vec![
                    ("delta", format::readable(r.delta)),
                    ("grad_w", format::readable(r.grad_w)),
                ])/>
                <p id="theory-caveat" class="panel-note" data-delta=format::exact(r.delta) data-grad-w=format::exact(r.grad_w)>
                    {weight_gradient_hides_vanishing(r).then_some(text().theory_hidden)}
                </p>
            })}
        </Panel>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradscope_core::config::{Activation, Init};
    use gradscope_core::{probe::probe, ExperimentConfig};

    #[test]
    fn ratios_are_the_plotted_first_over_last_hidden_layer() {
        let cfg = ExperimentConfig { depth: 6, ..ExperimentConfig::default() };
        let report = probe(&cfg);
        let r = first_over_last(&report).unwrap();
        assert_eq!(r.delta, report.layers[1].delta_rms / report.layers[5].delta_rms);
        assert_eq!(r.grad_w, report.layers[1].grad_w_norm / report.layers[5].grad_w_norm);
        assert!(first_over_last(&probe(&ExperimentConfig { depth: 2, ..cfg })).is_none());
    }

    #[test]
    fn relu_xavier_weight_gradient_is_flatter_than_delta() {
        // THEORY.md: with ReLU + Xavier, δ vanishes (χ₁ = 1/2) while E[a²] shrinks forward in step,
        // so ‖∂L/∂W‖ changes far less than δ across depth.
        let cfg = ExperimentConfig { act: Activation::Relu, init: Init::XavierNormal, gain: Some(1.0), depth: 30, width: 256, ..ExperimentConfig::default() };
        let r = first_over_last(&probe(&cfg)).unwrap();
        assert!(r.delta < 1e-2, "δ ratio {}", r.delta);
        assert!(weight_gradient_hides_vanishing(r), "{r:?}");
        // The default sigmoid net vanishes in both: no caveat to show.
        let default = first_over_last(&probe(&ExperimentConfig::default())).unwrap();
        assert!(!weight_gradient_hides_vanishing(default), "{default:?}");
    }
}
