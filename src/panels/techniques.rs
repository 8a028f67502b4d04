//! What each remedy does to the gradient: orthogonal init, small random init, batch norm,
//! residual connections, gradient clipping, adaptive learning rates. Each panel shows the
//! current network's numbers when its feature is on.

use gradscope_core::clip::ClipConfig;
use gradscope_core::config::Init;
use gradscope_core::init::weight_variance;
use gradscope_core::optim::{OptimizerKind, ADAGRAD_EPS, ADAM_BETAS, ADAM_EPS};
use gradscope_core::train::{LayerSnapshot, Snapshot};
use gradscope_core::ExperimentConfig;
use leptos::prelude::*;

use crate::components::panel::Panel;
use crate::components::results::Shown;
use crate::format;
use crate::math::{self, Math, SlotValue};
use crate::i18n::{use_i18n, Label};
use crate::panels::prose::{panel_text, Prose};
use crate::panels::chain::plot_ratio;
use crate::tr;

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

/// One row of a live table: what it is, the snapshot field it shows (`data-field`), its
/// exact value (`data-value`) and how it reads.
struct LiveRow {
    label: Label,
    field: &'static str,
    value: f64,
    text: String,
}

impl LiveRow {
    fn readable(label: Label, field: &'static str, value: f64) -> Self {
        LiveRow { label, field, value, text: format::readable(value) }
    }
}

/// The clipping panel's numbers at the snapshot's last step: the global gradient norm before
/// clipping, and while clipping is on also after it, the threshold and how many of the chunk's
/// steps it changed.
fn clipping_rows(snapshot: &Snapshot, clip: ClipConfig) -> Vec<LiveRow> {
    let mut rows = vec![LiveRow::readable(|t| t.live_panels.clip_before, "grad_norm", snapshot.grad_norm)];
    if let Some(threshold) = clip.threshold() {
        rows.push(LiveRow::readable(|t| t.live_panels.clip_after, "grad_norm_clipped", snapshot.grad_norm_clipped));
        rows.push(LiveRow::readable(|t| t.live_panels.clip_threshold, "clipv", f64::from(threshold)));
        let events = snapshot.clip_events as f64;
        let text = format!("{} / {}", snapshot.clip_events, snapshot.steps_in_chunk);
        rows.push(LiveRow { label: |t| t.live_panels.clip_events, field: "clip_events", value: events, text });
    }
    rows
}

/// The first and the last hidden layer of a snapshot (one layer when there is one hidden layer).
fn first_and_last_hidden(snapshot: &Snapshot) -> Vec<&LayerSnapshot> {
    let hidden = &snapshot.layers[..snapshot.layers.len().saturating_sub(1)];
    let mut layers: Vec<&LayerSnapshot> = hidden.first().into_iter().chain(hidden.last()).collect();
    layers.dedup_by_key(|l| l.layer);
    layers
}

/// (first layer's ‖∂L/∂W‖ over the last one's, the same for the update:data ratio).
fn first_over_last(layers: &[&LayerSnapshot]) -> Option<(f64, f64)> {
    match layers {
        [first, last] => Some((first.grad_w_norm / last.grad_w_norm, first.update_ratio / last.update_ratio)),
        _ => None,
    }
}

/// `rows` as a two-column table (`id`), each value in `data-field`/`data-value`.
#[component]
fn LiveTable(id: &'static str, rows: Vec<LiveRow>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <table class="panel-table live-table" id=id>
            <tbody>
                {rows.into_iter().map(|row| view! {
                    <tr>
                        <th scope="row">{move || (row.label)(i18n.t())}</th>
                        <td data-field=row.field data-value=format::exact(row.value)>{row.text}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn ClippingPanel(config: ReadSignal<ExperimentConfig>, trained: ReadSignal<Option<Snapshot>>) -> impl IntoView {
    let clipping = move || config.with(|c| c.clipping().ok());
    let text = panel_text();
    let i18n = use_i18n();
    let live = move || {
        let clip = clipping().unwrap_or_default();
        trained.with(|snapshot| match snapshot {
            None => view! { <p class="panel-note">{move || i18n.t().live_panels.clip_untrained}</p> }.into_any(),
            Some(snapshot) => view! {
                <Show when=move || clip == ClipConfig::None>
                    <p class="panel-note">{move || i18n.t().live_panels.clip_off_norm}</p>
                </Show>
                <p class="live-step" data-step=snapshot.step.to_string()>{tr!(i18n.t(), live_panels.clip_step, step = snapshot.step)}</p>
                <LiveTable id="clipping-live" rows=clipping_rows(snapshot, clip)/>
            }
            .into_any(),
        })
    };
    view! {
        <Panel id="clipping" title=Signal::derive(move || text().clipping_title.to_owned())>
            <Prose text=Signal::derive(move || text().clipping)/>
            {move || match clipping() {
                Some(ClipConfig::Norm(tau)) => view! { <Math formula=math::LIVE_CLIP_NORM values=Signal::stored(vec![("tau", format::readable(f64::from(tau)))])/> }.into_any(),
                Some(ClipConfig::Value(v)) => view! { <Math formula=math::LIVE_CLIP_VALUE values=Signal::stored(vec![("v", format::readable(f64::from(v)))])/> }.into_any(),
                _ => view! { <p class="panel-note">{move || text().clipping_off}</p> }.into_any(),
            }}
            {live}
        </Panel>
    }
}

#[component]
pub fn OptimizerPanel(config: ReadSignal<ExperimentConfig>, trained: ReadSignal<Option<Snapshot>>) -> impl IntoView {
    let current = Signal::derive(move || config.with(|c| vec![("lr", format::readable(f64::from(c.lr)))]));
    let text = panel_text();
    let i18n = use_i18n();
    let live = move || {
        trained.with(|snapshot| match snapshot {
            None => view! { <p class="panel-note">{move || i18n.t().live_panels.adaptive_untrained}</p> }.into_any(),
            Some(snapshot) => {
                let layers = first_and_last_hidden(snapshot);
                let reading = first_over_last(&layers);
                view! {
                    <p class="live-step" data-step=snapshot.step.to_string()>{tr!(i18n.t(), live_panels.adaptive_step, step = snapshot.step)}</p>
                    <div class="panel-table-scroll">
                        <table class="panel-table" id="adaptive-live">
                            <thead><tr>
                                <th scope="col">{move || i18n.t().live_panels.adaptive_layer}</th>
                                <th scope="col">{move || i18n.t().live_panels.adaptive_grad}</th>
                                <th scope="col">{move || i18n.t().live_panels.adaptive_update}</th>
                            </tr></thead>
                            <tbody>
                                {layers.iter().map(|l| view! {
                                    <tr>
                                        <td data-field="layer" data-value=l.layer.to_string()>{l.layer}</td>
                                        <td data-field="grad_w_norm" data-value=format::exact(l.grad_w_norm)>{format::readable(l.grad_w_norm)}</td>
                                        <td data-field="update_ratio" data-value=format::exact(l.update_ratio)>{format::readable(l.update_ratio)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    {reading.map(|(grad, update)| view! {
                        <p>{move || tr!(i18n.t(), live_panels.adaptive_reading, grad = format::readable(grad), update = format::readable(update))}</p>
                    })}
                }
                .into_any()
            }
        })
    };
    view! {
        <Panel id="adaptive" title=Signal::derive(move || text().adaptive_title.to_owned())>
            <Prose text=Signal::derive(move || text().adaptive)/>
            <Math formula=math::OPTIMIZER_DEFAULTS values=Signal::stored(optimizer_defaults())/>
            <p class="panel-note"><code>{move || config.with(|c| c.opt.name())}</code></p>
            <Math formula=math::LIVE_LR values=current/>
            {live}
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

    fn trained(link: &str, steps: usize) -> Snapshot {
        let mut trainer = gradscope_core::train::Trainer::new(&gradscope_core::link::decode(link).config).unwrap();
        trainer.advance(steps)
    }

    #[test]
    fn clipping_shows_the_snapshots_norms_and_only_the_norm_when_off() {
        let snapshot = trained("data=spiral&depth=3&width=16&act=relu&init=kaiming_normal&opt=sgd&lr=0.1&clip=norm&clipv=0.01", 4);
        let rows = clipping_rows(&snapshot, ClipConfig::Norm(0.01));
        let shown: Vec<(&str, f64)> = rows.iter().map(|r| (r.field, r.value)).collect();
        assert_eq!(shown, [("grad_norm", snapshot.grad_norm), ("grad_norm_clipped", snapshot.grad_norm_clipped), ("clipv", f64::from(0.01f32)), ("clip_events", 4.0)]);
        assert!(snapshot.grad_norm > 0.01 && (snapshot.grad_norm_clipped / 0.01 - 1.0).abs() < 1e-5, "clipped to τ: {snapshot:?}");
        assert_eq!(rows[3].text, "4 / 4");
        let unclipped = trained("data=spiral&depth=3&width=16&act=relu&init=kaiming_normal&opt=sgd&lr=0.1", 2);
        let rows = clipping_rows(&unclipped, ClipConfig::None);
        let shown: Vec<(&str, f64, &str)> = rows.iter().map(|r| (r.field, r.value, r.text.as_str())).collect();
        assert_eq!(shown, [("grad_norm", unclipped.grad_norm, format::readable(unclipped.grad_norm).as_str())]);
    }

    #[test]
    fn adaptive_rows_are_the_first_and_last_hidden_layer_and_their_ratios() {
        let snapshot = trained("depth=6&width=32&act=sigmoid&init=normal&std=0.1&opt=adam", 3);
        let layers = first_and_last_hidden(&snapshot);
        assert_eq!(layers.iter().map(|l| l.layer).collect::<Vec<_>>(), [1, 6]);
        let (grad, update) = first_over_last(&layers).unwrap();
        assert_eq!(grad, snapshot.layers[0].grad_w_norm / snapshot.layers[5].grad_w_norm);
        // Small sigmoid init vanishes towards the input, yet Adam moves layer 1 about as much.
        assert!(grad < 1e-2 && update > 0.1 * grad.recip().min(1.0), "grad ratio {grad}, update ratio {update}");
        let one = trained("depth=1&width=8", 1);
        assert_eq!(first_and_last_hidden(&one).len(), 1);
        assert_eq!(first_over_last(&first_and_last_hidden(&one)), None);
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
