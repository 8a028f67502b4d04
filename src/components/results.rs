//! What the probe found: the plot, the same numbers as a table, and a sentence reading them.

use gradscope_core::probe::LayerProbe;
use gradscope_core::train::Snapshot;
use gradscope_core::ProbeReport;
use leptos::html::Canvas;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::components::panel::InfoFor;
use crate::format;
use crate::plot::{draw_plot_on_canvas, DepthPlot};
use crate::reading::reading;

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
fn now_and_at_init(init: &ProbeReport, trained: &Snapshot) -> Option<DepthPlot> {
    if trained.layers.len() != init.layers.len() {
        return None;
    }
    let mut now = init.clone();
    for (layer, measured) in now.layers.iter_mut().zip(&trained.layers) {
        (layer.delta_rms, layer.grad_w_norm) = (measured.delta_rms, measured.grad_w_norm);
    }
    Some(DepthPlot::from_report(&now).with_reference(init, AT_INIT))
}

/// The tag of the initial network's lines once training has started.
const AT_INIT: &str = "at init";

/// The plot; after each drawing it records which generation is on screen. Once training has
/// taken steps (`trained`), it shows the network now in front of the network at init.
#[component]
pub fn PlotView(shown: ReadSignal<Option<Shown>>, set_drawn: WriteSignal<u64>, trained: ReadSignal<Option<Snapshot>>) -> impl IntoView {
    let PlotCanvas { canvas, area, dark, area_width } = PlotCanvas::new();
    let (failure, set_failure) = signal(None::<String>);
    // The training step drawn as "now", if any (`data-now-step`).
    let (now_step, set_now_step) = signal(None::<u64>);
    Effect::new(move || {
        let Some(canvas) = canvas.get() else { return };
        area_width.track();
        let dark = dark.get();
        shown.with(|shown| {
            if let Some(shown) = shown {
                let both = trained.with(|t| t.as_ref().and_then(|t| Some((now_and_at_init(&shown.report, t)?, t.step))));
                let plot = both.as_ref().map_or_else(|| DepthPlot::from_report(&shown.report), |(plot, _)| plot.clone());
                set_failure.set(draw_plot_on_canvas(&canvas, &plot, dark).err());
                set_now_step.set(both.map(|(_, step)| step));
                // Even when drawing failed: the table and the reading are up to date.
                set_drawn.set(shown.generation);
            }
        });
    });
    view! {
        <div id="plot-area" node_ref=area>
            <span class="plot-info"><InfoFor key="plot" label="the plot"/></span>
            <canvas id="plot" node_ref=canvas role="img" data-now-step=move || now_step.get().map(|s| s.to_string())
                aria-label="Gradient norm of every layer against depth, on a log scale, with the theory's prediction. The table below lists the same numbers."/>
            <Show when=move || shown.with(Option::is_none)>
                <p class="plot-status">"Computing the gradients…"</p>
            </Show>
            <Show when=move || failure.with(Option::is_some)>
                <p class="plot-error" role="alert">"The plot could not be drawn: "{move || failure.get()}</p>
            </Show>
        </div>
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
    heading: &'static str,
    /// Tooltip: what the number is.
    about: &'static str,
    value: fn(&LayerProbe) -> f64,
    text: fn(f64) -> String,
}

const COLUMNS: &[Column] = &[
    Column { field: "layer", heading: "Layer", about: "1 is next to the input; the last row is the readout (logits).", value: |l| l.layer as f64, text: format::exact },
    Column { field: "fan_in", heading: "In", about: "Inputs to the layer (fan_in).", value: |l| l.fan_in as f64, text: format::exact },
    Column { field: "fan_out", heading: "Out", about: "Outputs of the layer (fan_out).", value: |l| l.fan_out as f64, text: format::exact },
    Column { field: "delta_rms", heading: "‖∂L/∂h‖ RMS", about: "RMS of δ = ∂L/∂h, the gradient at the layer's pre-activation, over batch and units. This is what vanishes or explodes.", value: |l| l.delta_rms, text: format::gradient },
    Column { field: "grad_w_norm", heading: "‖∂L/∂W‖", about: "Frobenius norm of the weight gradient (loss averaged over the batch).", value: |l| l.grad_w_norm, text: format::gradient },
    Column { field: "grad_b_norm", heading: "‖∂L/∂b‖", about: "Norm of the bias gradient.", value: |l| l.grad_b_norm, text: format::gradient },
    Column { field: "local_gain", heading: "Backward gain", about: "How much this layer scales the gradient passing through it: ‖∂L/∂a₍ₗ₋₁₎‖ / ‖∂L/∂aₗ‖. Below 1 shrinks, above 1 grows.", value: |l| l.local_gain, text: format::readable },
    Column { field: "weight_norm", heading: "‖W‖", about: "Frobenius norm of the weights.", value: |l| l.weight_norm, text: format::readable },
    Column { field: "act_mean", heading: "Mean a", about: "Mean of the layer's output over batch and units.", value: |l| l.act_mean, text: format::readable },
    Column { field: "act_std", heading: "Std a", about: "Standard deviation of the layer's output.", value: |l| l.act_std, text: format::readable },
    Column { field: "saturated", heading: "Saturated", about: "Share of outputs in the flat tails of sigmoid/tanh, where the slope is nearly 0.", value: |l| l.saturated, text: format::percent },
    Column { field: "dead", heading: "Dead", about: "Share of units that output 0 for the whole batch (ReLU family): no gradient flows through them.", value: |l| l.dead, text: format::percent },
];

/// The plot's numbers, for screen readers, for copying, and for exact comparison (`data-value`).
#[component]
pub fn ProbeTable(shown: ReadSignal<Option<Shown>>) -> impl IntoView {
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-labelledby="probe-table-caption">
            <table id="probe-table">
                <caption id="probe-table-caption">
                    <InfoFor key="table" label="the table"/>" "
                    "Per layer, at initialization, on one batch"
                    {move || shown.with(|s| s.as_ref().map(|s| view! {
                        " (loss " <span data-field="loss" data-value=format::exact(s.report.loss)>{format::readable(s.report.loss)}</span> ")"
                    }))}
                </caption>
                <thead>
                    <tr>
                        {COLUMNS.iter().map(|c| view! { <th scope="col" title=c.about>{c.heading}</th> }).collect_view()}
                        <th scope="col">"Notes"</th>
                    </tr>
                </thead>
                <tbody>
                    {move || shown.with(|s| s.as_ref().map(|s| {
                        let readout = s.report.layers.len();
                        s.report.layers.iter().map(|l| row(l, l.layer == readout)).collect_view()
                    }))}
                </tbody>
            </table>
        </div>
    }
}

fn row(layer: &LayerProbe, is_readout: bool) -> impl IntoView + use<> {
    let notes = [
        (is_readout, "readout (logits)"),
        (layer.delta_zero, "δ is exactly 0"),
        (layer.grad_w_zero, "∂L/∂W is exactly 0"),
        (layer.nonfinite, "NaN or ∞ values"),
    ];
    let notes: Vec<_> = notes.iter().filter(|(flag, _)| *flag).map(|(_, text)| *text).collect();
    let class = if layer.nonfinite { "nonfinite" } else if layer.delta_zero { "zero" } else { "" };
    view! {
        <tr class=class>
            {COLUMNS.iter().map(|c| {
                let value = (c.value)(layer);
                view! { <td data-field=c.field data-value=format::exact(value)>{(c.text)(value)}</td> }
            }).collect_view()}
            <td>{notes.join("; ")}</td>
        </tr>
    }
}

#[component]
pub fn Reading(shown: ReadSignal<Option<Shown>>) -> impl IntoView {
    view! {
        <p id="reading" aria-live="polite">
            {move || shown.with(|s| s.as_ref().map(|s| reading(&s.report)))}
        </p>
    }
}
