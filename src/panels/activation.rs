//! Activations: φ and φ′ of the chosen activation, and where this network's units sit: the
//! probe's saturated and dead fractions over the hidden layers, and for a chosen layer a chart
//! of φ and φ′ with the histogram of its pre-activations shaded on top.

use gradscope_core::config::Activation;
use gradscope_core::probe::{LayerProbe, PreActivationHistogram};
use gradscope_core::{ExperimentConfig, ProbeReport};
use leptos::prelude::*;

use crate::components::panel::{tip_id, InfoFor, Panel};
use crate::components::results::{PlotCanvas, PlotStatus, Shown};
use crate::format;
use crate::i18n::use_i18n;
use crate::math::{self, Formula, Math};
use crate::panels::prose::{panel_text, Prose};
use crate::plot::{draw_activation, draw_chart_on_canvas, ActivationChart};
use crate::tr;

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

/// The hidden layer the chart shows: the one chosen, kept within the network's depth, or the
/// middle one until a layer is chosen.
pub fn shown_layer(chosen: Option<usize>, depth: usize) -> usize {
    chosen.unwrap_or(depth.div_ceil(2)).clamp(1, depth.max(1))
}

/// Layer `layer`'s histogram and probe row, if the report has them.
fn layer_of(report: &ProbeReport, layer: usize) -> Option<(&PreActivationHistogram, &LayerProbe)> {
    Some((report.pre_activations.get(layer.checked_sub(1)?)?, report.layers.get(layer - 1)?))
}

/// The bins, then below, above and non-finite, comma-separated: what the chart shades, for tests
/// and for copying (`data-counts`).
fn counts_attribute(histogram: &PreActivationHistogram) -> String {
    let all = histogram.counts.iter().chain([&histogram.below, &histogram.above, &histogram.nonfinite]);
    all.map(u32::to_string).collect::<Vec<_>>().join(",")
}

#[component]
pub fn ActivationPanel(config: ReadSignal<ExperimentConfig>, shown: ReadSignal<Option<Shown>>) -> impl IntoView {
    let i18n = use_i18n();
    // Words, not a formula: "saturated" and "dead" are the reader's language. A Memo: the text
    // and both attributes read it.
    let mean = Memo::new(move |_| shown.with(|s| s.as_ref().and_then(|s| activity(&s.report))));
    let activity_mean = move || {
        mean.get().map(|(saturated, dead)| tr!(i18n.t(), live_panels.activity_mean, saturated = format::percent(saturated), dead = format::percent(dead)))
    };
    let text = panel_text();
    view! {
        <Panel id="activation" title=Signal::derive(move || text().activation_title.to_owned())>
            {move || view! { <Math formula=formula(config.with(|c| c.act))/> }}
            <Prose text=Signal::derive(move || text().activation)/>
            <p class="panel-note" id="activation-mean" data-saturated=move || mean.get().map(|m| format::exact(m.0))
                data-dead=move || mean.get().map(|m| format::exact(m.1))>{activity_mean}</p>
            <LayerChart config shown/>
        </Panel>
    }
}

/// A layer chooser, the chart of φ and φ′ over that layer's histogram, and its shares.
#[component]
fn LayerChart(config: ReadSignal<ExperimentConfig>, shown: ReadSignal<Option<Shown>>) -> impl IntoView {
    let i18n = use_i18n();
    let (chosen, set_chosen) = signal(None::<usize>);
    let depth = Memo::new(move |_| config.with(|c| c.with_clamped_shape().depth));
    let layer = Memo::new(move |_| shown_layer(chosen.get(), depth.get()));
    let PlotCanvas { canvas, area, dark, area_width } = PlotCanvas::new();
    let (failure, set_failure) = signal(None::<String>);
    // "layer:generation" once drawn, so tests know which answer is on screen.
    let (drawn, set_drawn) = signal(None::<String>);
    Effect::new(move || {
        let Some(canvas) = canvas.get() else { return };
        area_width.track();
        let (dark, lang, layer) = (dark.get(), i18n.lang(), layer.get());
        let (act, slope) = config.with(|c| (c.act, c.slope));
        shown.with(|shown| {
            let Some((shown, (histogram, _))) = shown.as_ref().and_then(|s| Some((s, layer_of(&s.report, layer)?))) else { return };
            let chart = ActivationChart { act, slope, histogram };
            let result = draw_chart_on_canvas(&canvas, dark, lang, |root, style| draw_activation(root, &chart, style));
            set_drawn.set(result.is_ok().then(|| format!("{layer}:{}", shown.generation)));
            set_failure.set(result.err());
        });
    });
    let share = move |field: &'static str, value: fn(&LayerProbe) -> f64| {
        move || shown.with(|s| s.as_ref().and_then(|s| layer_of(&s.report, layer.get())).map(|(_, l)| {
            let value = value(l);
            view! { <dd data-field=field data-value=format::exact(value)>{format::percent(value)}</dd> }
        }))
    };
    view! {
        <div class="activation-layer">
            <label for="activation-layer">{move || i18n.t().live_panels.layer}" "<output for="activation-layer">{move || layer.get()}</output></label>
            <InfoFor key="activation-layer" label=|t| t.live_panels.layer/>
            <input type="range" id="activation-layer" min="1" max=move || depth.get() prop:value=move || layer.get()
                aria-describedby=tip_id("activation-layer")
                on:input=move |ev| if let Ok(layer) = event_target_value(&ev).parse() { set_chosen.set(Some(layer)) }/>
        </div>
        <p class="panel-note">{move || {
            let count = shown.with(|s| s.as_ref().and_then(|s| layer_of(&s.report, layer.get())).map_or(0, |(h, _)| h.total()));
            tr!(i18n.t(), live_panels.chart_intro, layer = layer.get(), count = count)
        }}</p>
        <div class="activation-chart-area" node_ref=area>
            <span class="plot-info"><InfoFor key="activation-chart" label=|t| t.live_panels.chart_title/></span>
            <canvas id="activation-chart" node_ref=canvas role="img" aria-describedby=tip_id("activation-chart")
                aria-label=move || tr!(i18n.t(), live_panels.chart_label, act = config.with(|c| c.act.name()), layer = layer.get())
                data-layer=move || layer.get().to_string()
                data-counts=move || shown.with(|s| s.as_ref().and_then(|s| layer_of(&s.report, layer.get())).map(|(h, _)| counts_attribute(h)))
                data-drawn=move || drawn.get()/>
        </div>
        <PlotStatus waiting=Signal::derive(move || shown.with(Option::is_none)) waiting_text=|t| t.results.computing failure/>
        <dl class="activation-shares" id="activation-shares">
            <dt>{move || i18n.t().live_panels.layer_saturated}</dt>{share("saturated", |l| l.saturated)}
            <dt>{move || i18n.t().live_panels.layer_dead}</dt>{share("dead", |l| l.dead)}
        </dl>
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
    fn the_chart_shows_the_chosen_layer_within_the_depth_or_the_middle_one() {
        assert_eq!((shown_layer(None, 10), shown_layer(None, 1), shown_layer(None, 7)), (5, 1, 4));
        assert_eq!((shown_layer(Some(3), 10), shown_layer(Some(30), 10), shown_layer(Some(0), 10)), (3, 10, 1));
        let report = probe(&ExperimentConfig { depth: 3, width: 4, batch: 5, ..ExperimentConfig::default() });
        let (histogram, row) = layer_of(&report, 3).expect("layer 3 is hidden");
        assert_eq!((histogram.layer, row.layer), (3, 3));
        assert!(layer_of(&report, 4).is_none() && layer_of(&report, 0).is_none(), "the readout has no φ");
        let cells: Vec<u32> = counts_attribute(histogram).split(',').map(|c| c.parse().unwrap()).collect();
        assert_eq!(cells.len(), histogram.counts.len() + 3);
        assert_eq!(cells.iter().map(|&c| u64::from(c)).sum::<u64>(), 5 * 4);
    }

    #[test]
    fn every_activation_has_its_formula() {
        for &act in Activation::ALL {
            assert!(formula(act).name.ends_with(&act.name().to_uppercase()), "{act}");
        }
    }
}
