//! Xavier / He: the variance argument, PyTorch's formulas and gain table, and this network's
//! numbers (fan_in, fan_out, σ or bound, σ_w², χ₁) taken from the core (`init`, `theory`).

use gradscope_core::config::{Activation, Init};
use gradscope_core::init::{calculate_gain, Draw, WeightInit};
use gradscope_core::theory::Theory;
use gradscope_core::{ExperimentConfig, ProbeReport};
use leptos::prelude::*;

use crate::components::panel::Panel;
use crate::components::results::Shown;
use crate::format;
use crate::i18n::{self, use_i18n};
use crate::math::{self, Formula, Math, SlotValue};
use crate::panels::prose::{panel_text, Prose};

/// The layers of one shape and how their weights are drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerScale {
    /// First and last layer (1-based) of the run of layers with this shape.
    pub first: usize,
    pub last: usize,
    pub fan_in: usize,
    pub fan_out: usize,
    pub draw: Draw,
    /// Var(W) of one entry.
    pub variance: f64,
}

/// One row per run of layers with equal (fan_in, fan_out): input layer, hidden layers, readout.
pub fn layer_scales(cfg: &ExperimentConfig, report: &ProbeReport) -> Vec<LayerScale> {
    let init = WeightInit::from_config(cfg);
    let mut scales: Vec<LayerScale> = Vec::new();
    for layer in &report.layers {
        match scales.last_mut() {
            Some(run) if (run.fan_in, run.fan_out) == (layer.fan_in, layer.fan_out) => run.last = layer.layer,
            _ => scales.push(LayerScale {
                first: layer.layer,
                last: layer.layer,
                fan_in: layer.fan_in,
                fan_out: layer.fan_out,
                draw: init.draw(layer.fan_in, layer.fan_out),
                variance: init.variance(layer.fan_in, layer.fan_out),
            }),
        }
    }
    scales
}

/// The formula for `init` with this layer's numbers in its slots.
fn live_formula(cfg: &ExperimentConfig, scale: &LayerScale) -> (Formula, Vec<SlotValue>) {
    let gain = ("gain", format::readable(f64::from(cfg.effective_gain())));
    let fan_in = ("fan_in", scale.fan_in.to_string());
    let fan_out = ("fan_out", scale.fan_out.to_string());
    let (std, bound) = match scale.draw {
        Draw::Normal { std } => (format::readable(std), String::new()),
        Draw::Uniform { bound } => (String::new(), format::readable(bound)),
        Draw::Zero | Draw::Orthogonal { .. } => (String::new(), String::new()),
    };
    let (std, bound) = (("std", std), ("bound", bound));
    let variance = ("variance", format::readable(scale.variance));
    match cfg.init {
        Init::XavierNormal => (math::LIVE_XAVIER_NORMAL, vec![gain, fan_in, fan_out, std]),
        Init::XavierUniform => (math::LIVE_XAVIER_UNIFORM, vec![gain, fan_in, fan_out, bound]),
        Init::KaimingNormal => (math::LIVE_KAIMING_NORMAL, vec![gain, fan_in, std]),
        Init::KaimingUniform => (math::LIVE_KAIMING_UNIFORM, vec![gain, fan_in, bound]),
        Init::LecunNormal => (math::LIVE_LECUN_NORMAL, vec![fan_in, std]),
        Init::Normal => (math::LIVE_NORMAL, vec![std, variance]),
        Init::Uniform => (math::LIVE_UNIFORM, vec![bound, variance]),
        Init::Orthogonal => (math::LIVE_ORTHOGONAL, vec![gain, fan_in, fan_out, variance]),
        Init::Zeros => (math::LIVE_ZEROS, vec![]),
    }
}

/// PyTorch's gain expression for `act`, and whether PyTorch defines one at all.
fn gain_expression(act: Activation) -> (&'static str, bool) {
    match act {
        Activation::Linear | Activation::Sigmoid => ("1", true),
        Activation::Tanh => ("5/3", true),
        Activation::Relu => ("√2", true),
        Activation::LeakyRelu => ("√(2/(1 + slope²))", true),
        Activation::Selu => ("3/4", true),
        Activation::Elu | Activation::Gelu | Activation::Silu | Activation::Softplus => ("√2", false),
    }
}

#[component]
pub fn InitPanel(config: ReadSignal<ExperimentConfig>, shown: ReadSignal<Option<Shown>>) -> impl IntoView {
    let scales = Memo::new(move |_| {
        shown.with(|s| s.as_ref().map(|s| config.with(|cfg| layer_scales(cfg, &s.report))).unwrap_or_default())
    });
    // The hidden layers (width → width) when there are any, else the first layer.
    let featured = move || scales.with(|s| s.get(1).or_else(|| s.first()).cloned());
    let live = move || featured().map(|scale| config.with(|cfg| live_formula(cfg, &scale)));
    let theory = move || {
        shown.with(|s| {
            s.as_ref().map(|s| match &s.report.theory {
                Theory::Applies(_) => Ok(()),
                Theory::NotApplicable { cause, .. } => Err(*cause),
            })
        })
    };
    let chi_values = Signal::derive(move || {
        shown.with(|s| match s.as_ref().map(|s| &s.report.theory) {
            Some(Theory::Applies(mf)) => vec![("sigma_w2", format::readable(mf.sigma_w2)), ("chi1", format::readable(mf.chi1))],
            _ => vec![],
        })
    });
    let i18n = use_i18n();
    let text = panel_text();
    view! {
        <Panel id="init" title=Signal::derive(move || text().init_title.to_owned())>
            <Prose text=Signal::derive(move || text().init_intro)/>
            <div class="panel-table-scroll">
                <table class="panel-table" id="gain-table">
                    <tbody>
                        {Activation::ALL.iter().map(|&act| {
                            let (expression, in_pytorch) = gain_expression(act);
                            let value = move || config.with(|c| f64::from(calculate_gain(act, c.slope)));
                            view! {
                                <tr class:current=move || config.with(|c| c.act == act)>
                                    <td><code>{act.name()}</code></td>
                                    <td>{expression}{(!in_pytorch).then_some(" *")}</td>
                                    <td data-value=move || format::exact(value())>{move || format::readable(value())}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <Prose text=Signal::derive(move || text().gain_note)/>
            <Prose text=Signal::derive(move || text().init_current)/>
            {move || live().map(|(formula, values)| view! { <Math formula values=Signal::stored(values)/> })}
            <div class="panel-table-scroll">
                <table class="panel-table" id="init-table">
                    <thead><tr><th>"l"</th><th>"fan_in"</th><th>"fan_out"</th><th>"σ / a"</th><th>"Var(W)"</th><th>"fan_in·Var(W)"</th></tr></thead>
                    <tbody>
                        {move || scales.with(|scales| scales.iter().map(|s| {
                            // Orthogonal and zeros have no σ or bound: their Var(W) says it all.
                            let (kind, scale) = match s.draw {
                                Draw::Normal { std } => ("std", Some(std)),
                                Draw::Uniform { bound } => ("bound", Some(bound)),
                                Draw::Orthogonal { .. } | Draw::Zero => ("none", None),
                            };
                            let layers = if s.first == s.last { s.first.to_string() } else { format!("{}–{}", s.first, s.last) };
                            view! {
                                <tr>
                                    <td>{layers}</td>
                                    <td data-field="fan_in">{s.fan_in}</td>
                                    <td data-field="fan_out">{s.fan_out}</td>
                                    <td data-field=kind data-value=scale.map(format::exact)>{scale.map_or_else(|| "—".to_owned(), format::readable)}</td>
                                    <td data-field="variance" data-value=format::exact(s.variance)>{format::readable(s.variance)}</td>
                                    <td>{format::readable(s.fan_in as f64 * s.variance)}</td>
                                </tr>
                            }
                        }).collect_view())}
                    </tbody>
                </table>
            </div>
            {move || match theory() {
                Some(Ok(())) => view! { <Math formula=math::LIVE_CHI values=chi_values/> }.into_any(),
                Some(Err(cause)) => view! { <p class="panel-note">"χ₁: " {move || i18n::inapplicable(i18n.t(), cause)}</p> }.into_any(),
                None => ().into_any(),
            }}
        </Panel>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradscope_core::probe::probe;

    #[test]
    fn scales_follow_torch_formulas_for_each_layer_shape() {
        let cfg = ExperimentConfig { init: Init::XavierNormal, gain: Some(1.5), depth: 5, width: 48, ..ExperimentConfig::default() };
        let scales = layer_scales(&cfg, &probe(&cfg));
        let shapes: Vec<_> = scales.iter().map(|s| (s.first, s.last, s.fan_in, s.fan_out)).collect();
        assert_eq!(shapes, [(1, 1, 2, 48), (2, 5, 48, 48), (6, 6, 48, 2)]);
        for s in &scales {
            let Draw::Normal { std } = s.draw else { panic!("xavier_normal draws normals") };
            let expected = 1.5 * (2.0 / (s.fan_in + s.fan_out) as f64).sqrt();
            assert!((std - expected).abs() < 1e-15 * expected, "{std} vs {expected}");
            assert!((s.variance - expected * expected).abs() < 1e-14 * s.variance);
        }
    }

    #[test]
    fn every_init_fills_every_slot_of_its_formula() {
        for &init in Init::ALL {
            let cfg = ExperimentConfig { init, depth: 3, width: 16, ..ExperimentConfig::default() };
            let report = probe(&cfg);
            for scale in layer_scales(&cfg, &report) {
                let (formula, values) = live_formula(&cfg, &scale);
                for slot in formula.slots() {
                    let value = values.iter().find(|(name, _)| name == slot).map(|(_, v)| v.as_str());
                    assert!(value.is_some_and(|v| !v.is_empty()), "{init}: slot {slot} has no value");
                }
            }
        }
    }

    #[test]
    fn kaiming_uniform_bound_and_gain_table_match_pytorch() {
        let cfg = ExperimentConfig { init: Init::KaimingUniform, act: Activation::Relu, depth: 2, width: 100, ..ExperimentConfig::default() };
        let hidden = &layer_scales(&cfg, &probe(&cfg))[1];
        let Draw::Uniform { bound } = hidden.draw else { panic!("kaiming_uniform draws uniforms") };
        // gain √2 (f32), bound = gain·√(3/100).
        let expected = f64::from(std::f32::consts::SQRT_2) * 0.03f64.sqrt();
        assert!((bound - expected).abs() < 1e-15);
        assert_eq!(gain_expression(Activation::Tanh), ("5/3", true));
        assert!(!gain_expression(Activation::Gelu).1);
    }
}
