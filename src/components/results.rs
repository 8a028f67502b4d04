//! What the probe found: the plot, the same numbers as a table, and a sentence reading them.

use gradscope_core::probe::LayerProbe;
use gradscope_core::train::Snapshot;
use gradscope_core::ProbeReport;
use leptos::html::Canvas;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::components::panel::{tip_id, InfoFor};
use crate::components::redraw::Redraw;
use crate::format;
use crate::i18n::{use_i18n, Label, Lang, Strings};
use crate::plot::{draw_plot_on_canvas, DepthPlot};
use crate::reading::reading;
use crate::tr;

/// A report on screen, with the generation of the request it answers.
#[derive(Clone, Debug, PartialEq)]
pub struct Shown {
    pub generation: u64,
    pub report: ProbeReport,
}

/// The depth plot of a trained network ("now") in front of the probe's report ("at init"):
/// the snapshot's per-layer gradient norms in the report's shape, which keeps its theory line
/// (a prediction for the initial weights, drawn as such). `None` when they do not belong
/// together (a new network whose training has not caught up).
fn now_and_at_init(init: &ProbeReport, trained: &Snapshot, words: &Strings) -> Option<DepthPlot> {
    if trained.layers.len() != init.layers.len() {
        return None;
    }
    let mut now = init.clone();
    for (layer, measured) in now.layers.iter_mut().zip(&trained.layers) {
        (layer.delta_rms, layer.grad_w_norm) = (measured.delta_rms, measured.grad_w_norm);
    }
    Some(DepthPlot::from_report(&now, words).with_reference(init, words.results.at_init, words))
}

/// The plot; after each drawing it records which generation is on screen. Once training has
/// taken steps (`trained`), it shows the network now in front of the network at init. A new
/// answer, size, theme or language draws at once (what a slider move waits for); a new training
/// step only asks for a turn among the training charts (`Redraw`).
#[component]
pub fn PlotView(shown: ReadSignal<Option<Shown>>, set_drawn: WriteSignal<u64>, trained: ReadSignal<Option<Snapshot>>) -> impl IntoView {
    let i18n = use_i18n();
    let PlotCanvas { canvas, area, dark, area_width } = PlotCanvas::new();
    let (failure, set_failure) = signal(None::<String>);
    // The training step drawn as "now", if any (`data-now-step`).
    let (now_step, set_now_step) = signal(None::<u64>);
    // What is on the canvas: the answer's generation and the look it was drawn with.
    let drawn_look = StoredValue::new(None::<(u64, i32, bool, Lang)>);
    // Whether it drew: not before the first answer.
    let draw = move || {
        let Some(canvas) = canvas.get_untracked() else { return false };
        let (dark, lang) = (dark.get_untracked(), untrack(|| i18n.lang()));
        shown.with_untracked(|shown| {
            let Some(shown) = shown else { return false };
            let words = lang.strings();
            let both = trained.with_untracked(|t| t.as_ref().and_then(|t| Some((now_and_at_init(&shown.report, t, words)?, t.step))));
            let plot = both.as_ref().map_or_else(|| DepthPlot::from_report(&shown.report, words), |(plot, _)| plot.clone());
            set_failure.set(draw_plot_on_canvas(&canvas, &plot, dark, lang).err());
            set_now_step.set(both.map(|(_, step)| step));
            // Even when drawing failed: the table and the reading are up to date.
            set_drawn.set(shown.generation);
            drawn_look.set_value(Some((shown.generation, area_width.get_untracked(), dark, lang)));
            true
        })
    };
    let redraw = Redraw::register("plot", draw);
    Effect::new(move || {
        let look = shown.with(|s| s.as_ref().map(|s| s.generation)).map(|generation| (generation, area_width.get(), dark.get(), i18n.lang()));
        trained.track();
        if canvas.get().is_some() && look != drawn_look.get_value() {
            draw();
        } else {
            redraw.request();
        }
    });
    view! {
        <div id="plot-area" node_ref=area>
            <span class="plot-info"><InfoFor key="plot" label=|t| t.info.the_plot/></span>
            <canvas id="plot" node_ref=canvas role="img" aria-describedby=tip_id("plot") data-now-step=move || now_step.get().map(|s| s.to_string())
                aria-label=move || i18n.t().results.plot_label/>
            <PlotStatus waiting=Signal::derive(move || shown.with(Option::is_none)) waiting_text=|t| t.results.computing failure/>
        </div>
    }
}

/// Under a plot: "computing…" until the first answer, and why drawing failed, if it did.
#[component]
pub(crate) fn PlotStatus(waiting: Signal<bool>, waiting_text: Label, failure: ReadSignal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Show when=move || waiting.get()>
            <p class="plot-status">{move || waiting_text(i18n.t())}</p>
        </Show>
        <Show when=move || failure.with(Option::is_some)>
            <p class="plot-error" role="alert">
                {move || failure.get().map(|failure| tr!(i18n.t(), results.plot_failed, error = failure))}
            </p>
        </Show>
    }
}

/// A plot's canvas and the area around it, with what a redraw must follow.
#[derive(Clone, Copy)]
pub(crate) struct PlotCanvas {
    pub canvas: NodeRef<Canvas>,
    pub area: NodeRef<leptos::html::Div>,
    /// The page's colour scheme.
    pub dark: ReadSignal<bool>,
    /// The plot area's width in CSS pixels: the canvas is redrawn (at device resolution) whenever
    /// it changes, whether the window was resized or a scrollbar appeared.
    pub area_width: ReadSignal<i32>,
}

impl PlotCanvas {
    pub(crate) fn new() -> Self {
        let (canvas, area) = (NodeRef::<Canvas>::new(), NodeRef::<leptos::html::Div>::new());
        let (area_width, set_area_width) = signal(0);
        Effect::new(move || {
            if let Some(area) = area.get() {
                observe_width(&area, set_area_width);
            }
        });
        PlotCanvas { canvas, area, dark: prefers_dark(), area_width }
    }
}

/// Follows `(prefers-color-scheme: dark)`, so the plot's palette matches the page's CSS.
pub(crate) fn prefers_dark() -> ReadSignal<bool> {
    let query = window().match_media("(prefers-color-scheme: dark)").ok().flatten();
    let (dark, set_dark) = signal(query.as_ref().is_some_and(|q| q.matches()));
    if let Some(query) = query {
        let on_change = Closure::<dyn Fn(web_sys::MediaQueryListEvent)>::new(move |event: web_sys::MediaQueryListEvent| {
            set_dark.set(event.matches());
        });
        let _ = query.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
        // Each chart keeps its listener for the page's whole life.
        on_change.forget();
    }
    dark
}

pub fn observe_width(element: &web_sys::HtmlDivElement, set_width: WriteSignal<i32>) {
    let on_resize = Closure::<dyn Fn(js_sys::Array)>::new(move |entries: js_sys::Array| {
        if let Ok(entry) = entries.get(0).dyn_into::<web_sys::ResizeObserverEntry>() {
            set_width.set(entry.content_rect().width().round() as i32);
        }
    });
    if let Ok(observer) = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()) {
        observer.observe(element);
    }
    // The page's plots and charts live as long as the page; so do the observer and its handler.
    on_resize.forget();
}

/// One column of the table: a `LayerProbe` field, its heading, and how people read it.
struct Column {
    /// The `LayerProbe` field name, written as `data-field` (tests find cells by it).
    field: &'static str,
    heading: fn(&Strings) -> &'static str,
    /// Tooltip: what the number is.
    about: fn(&Strings) -> &'static str,
    value: fn(&LayerProbe) -> f64,
    text: fn(f64, &Strings) -> String,
}

const COLUMNS: &[Column] = &[
    Column { field: "layer", heading: |t| t.table.layer, about: |t| t.table.layer_about, value: |l| l.layer as f64, text: |v, _| format::exact(v) },
    Column { field: "fan_in", heading: |t| t.table.fan_in, about: |t| t.table.fan_in_about, value: |l| l.fan_in as f64, text: |v, _| format::exact(v) },
    Column { field: "fan_out", heading: |t| t.table.fan_out, about: |t| t.table.fan_out_about, value: |l| l.fan_out as f64, text: |v, _| format::exact(v) },
    Column { field: "delta_rms", heading: |t| t.table.delta_rms, about: |t| t.table.delta_rms_about, value: |l| l.delta_rms, text: format::gradient },
    Column { field: "grad_w_norm", heading: |t| t.table.grad_w_norm, about: |t| t.table.grad_w_norm_about, value: |l| l.grad_w_norm, text: format::gradient },
    Column { field: "grad_b_norm", heading: |t| t.table.grad_b_norm, about: |t| t.table.grad_b_norm_about, value: |l| l.grad_b_norm, text: format::gradient },
    Column { field: "local_gain", heading: |t| t.table.local_gain, about: |t| t.table.local_gain_about, value: |l| l.local_gain, text: |v, _| format::readable(v) },
    Column { field: "weight_norm", heading: |t| t.table.weight_norm, about: |t| t.table.weight_norm_about, value: |l| l.weight_norm, text: |v, _| format::readable(v) },
    Column { field: "act_mean", heading: |t| t.table.act_mean, about: |t| t.table.act_mean_about, value: |l| l.act_mean, text: |v, _| format::readable(v) },
    Column { field: "act_std", heading: |t| t.table.act_std, about: |t| t.table.act_std_about, value: |l| l.act_std, text: |v, _| format::readable(v) },
    Column { field: "saturated", heading: |t| t.table.saturated, about: |t| t.table.saturated_about, value: |l| l.saturated, text: |v, _| format::percent(v) },
    Column { field: "dead", heading: |t| t.table.dead, about: |t| t.table.dead_about, value: |l| l.dead, text: |v, _| format::percent(v) },
];

/// The plot's numbers, for screen readers, for copying, and for exact comparison (`data-value`).
#[component]
pub fn ProbeTable(shown: ReadSignal<Option<Shown>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-labelledby="probe-table-caption">
            <table id="probe-table">
                <caption id="probe-table-caption">
                    <InfoFor key="table" label=|t| t.info.the_table/>" "
                    {move || i18n.t().table.caption}
                    {move || shown.with(|s| s.as_ref().map(|s| view! {
                        {move || i18n.t().table.loss_before}
                        <span data-field="loss" data-value=format::exact(s.report.loss)>{format::readable(s.report.loss)}</span>
                        {move || i18n.t().table.loss_after}
                    }))}
                </caption>
                <thead>
                    <tr>
                        {COLUMNS.iter().map(|c| view! {
                            <th scope="col" title=move || (c.about)(i18n.t())>{move || (c.heading)(i18n.t())}</th>
                        }).collect_view()}
                        <th scope="col">{move || i18n.t().table.notes}</th>
                    </tr>
                </thead>
                <tbody>
                    {move || shown.with(|s| s.as_ref().map(|s| {
                        let readout = s.report.layers.len();
                        let words = i18n.t();
                        s.report.layers.iter().map(|l| row(l, l.layer == readout, words)).collect_view()
                    }))}
                </tbody>
            </table>
        </div>
    }
}

fn row(layer: &LayerProbe, is_readout: bool, words: &'static Strings) -> impl IntoView + use<> {
    let notes = [
        (is_readout, words.table.note_readout),
        (layer.delta_zero, words.table.note_delta_zero),
        (layer.grad_w_zero, words.table.note_grad_w_zero),
        (layer.nonfinite, words.table.note_nonfinite),
    ];
    let notes: Vec<_> = notes.iter().filter(|(flag, _)| *flag).map(|(_, text)| *text).collect();
    let class = if layer.nonfinite { "nonfinite" } else if layer.delta_zero { "zero" } else { "" };
    view! {
        <tr class=class>
            {COLUMNS.iter().map(|c| {
                let value = (c.value)(layer);
                view! { <td data-field=c.field data-value=format::exact(value)>{(c.text)(value, words)}</td> }
            }).collect_view()}
            <td>{notes.join(words.table.notes_separator)}</td>
        </tr>
    }
}

#[component]
pub fn Reading(shown: ReadSignal<Option<Shown>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p id="reading" aria-live="polite">
            {move || shown.with(|s| s.as_ref().map(|s| reading(&s.report, i18n.t())))}
        </p>
    }
}
