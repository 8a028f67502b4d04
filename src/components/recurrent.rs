//! The recurrent lab's results: the time-step plot with RNN, LSTM and GRU overlaid, the chosen
//! model's numbers per time step, and the gating panel (equations and the current gate values).

use gradscope_core::recurrent::{Model, TimeProbe};
use leptos::prelude::*;

use crate::bridge::Overlay;
use crate::components::panel::{tip_id, InfoFor, Panel};
use crate::format;
use crate::i18n::{self, use_i18n, Strings};
use crate::math::{self, Math};
use crate::plot::{draw_chart_on_canvas, draw_time_plot, TimePlot};
use crate::tr;

use super::recurrent_training::TrainedNow;
use super::results::{PlotCanvas, PlotStatus};

/// An overlay on screen, with the generation of the request it answers.
#[derive(Clone, Debug, PartialEq)]
pub struct ShownOverlay {
    pub generation: u64,
    pub overlay: Overlay,
}

/// The time-step plot. The canvas says what it drew (`data-series`: the models in drawing
/// order, `data-steps`: T, `data-chosen`), so tests and curious users can check it.
#[component]
pub fn TimePlotView(shown: ReadSignal<Option<ShownOverlay>>, set_drawn: WriteSignal<u64>, now: ReadSignal<TrainedNow>) -> impl IntoView {
    let i18n = use_i18n();
    let PlotCanvas { canvas, area, dark, area_width } = PlotCanvas::new();
    let (failure, set_failure) = signal(None::<String>);
    let (drawn_series, set_drawn_series) = signal(Vec::<Model>::new());
    let (drawn_steps, set_drawn_steps) = signal(0usize);
    let (drawn_now, set_drawn_now) = signal(0u64);
    Effect::new(move || {
        let Some(canvas) = canvas.get() else { return };
        area_width.track();
        let dark = dark.get();
        let lang = i18n.lang();
        shown.with(|shown| {
            let Some(shown) = shown else { return };
            let mut plot = TimePlot::from_probes(&shown.overlay.probes, shown.overlay.chosen, lang.strings());
            if let Some((step, probes)) = now.get() {
                plot = plot.with_now(step, &probes, lang.strings());
            }
            let mut models = Vec::new();
            let result = draw_chart_on_canvas(&canvas, dark, lang, |root, style| {
                models = draw_time_plot(root, &plot, style)?;
                Ok(())
            });
            set_failure.set(result.err());
            set_drawn_series.set(models);
            set_drawn_steps.set(plot.steps());
            set_drawn_now.set(plot.now_step);
            set_drawn.set(shown.generation);
        });
    });
    let names = move || drawn_series.with(|models| models.iter().map(|m| m.name()).collect::<Vec<_>>().join(","));
    let chosen = move || shown.with(|s| s.as_ref().map(|s| s.overlay.chosen.name()).unwrap_or_default());
    view! {
        <div id="time-plot-area" class="plot-area" node_ref=area>
            <span class="plot-info"><InfoFor key="time-plot" label=|t| t.info.the_plot/></span>
            <canvas id="time-plot" node_ref=canvas role="img" aria-describedby=tip_id("time-plot")
                data-series=names data-series-count=move || drawn_series.with(Vec::len).to_string()
                data-steps=move || drawn_steps.get().to_string() data-chosen=chosen
                data-now-step=move || drawn_now.get().to_string()
                aria-label=move || i18n.t().recurrent.plot_label/>
            <PlotStatus waiting=Signal::derive(move || shown.with(Option::is_none)) waiting_text=|t| t.recurrent.computing failure/>
        </div>
    }
}

/// The plot in words: how fast each model's gradient fades going back in time.
#[component]
pub fn TimeReading(shown: ReadSignal<Option<ShownOverlay>>) -> impl IntoView {
    let i18n = use_i18n();
    let text = move || shown.with(|s| s.as_ref().map(|s| time_reading(&s.overlay, i18n.t())));
    view! { <p id="time-reading" aria-live="polite">{text}</p> }
}

fn time_reading(overlay: &Overlay, words: &Strings) -> String {
    let steps = overlay.probes.first().map_or(0, |p| p.steps);
    let parts: Vec<String> = overlay
        .probes
        .iter()
        .map(|probe| {
            let name = i18n::model(words, probe.model).0;
            match (probe.per_step_factor(), probe.grad_h_norm.first()) {
                (Some(factor), Some(&first)) => {
                    let share = format::gradient(first / probe.grad_h_norm[steps - 1], words);
                    tr!(words, recurrent.reading_part, name = name, factor = format::readable(factor), share = share, steps = steps)
                }
                (None, Some(&first)) if first == 0.0 => tr!(words, recurrent.reading_zero, name = name),
                _ => tr!(words, recurrent.reading_not_finite, name = name),
            }
        })
        .collect();
    tr!(words, recurrent.reading, steps = steps, parts = parts.join(words.recurrent.reading_separator))
}

/// One column of the per-step table: its `data-field` (the CLI's CSV header name), heading,
/// tooltip and the series it reads.
struct Column {
    field: String,
    heading: String,
    about: String,
    values: Vec<f64>,
    text: fn(f64, &Strings) -> String,
}

fn columns(probe: &TimeProbe, words: &Strings) -> Vec<Column> {
    let column = |field: &str, heading: &str, about: &str, values: &[f64], text: fn(f64, &Strings) -> String| Column {
        field: field.to_owned(),
        heading: heading.to_owned(),
        about: about.to_owned(),
        values: values.to_vec(),
        text,
    };
    let readable: fn(f64, &Strings) -> String = |value, _| format::readable(value);
    let said = &words.recurrent;
    let mut columns = vec![column("grad_h_norm", "‖∂L/∂hₜ‖", said.grad_h_about, &probe.grad_h_norm, format::gradient)];
    if !probe.grad_c_norm.is_empty() {
        columns.push(column("grad_c_norm", "‖∂L/∂cₜ‖", said.grad_c_about, &probe.grad_c_norm, format::gradient));
    }
    for trace in &probe.gates {
        let gate = i18n::gate(words, &trace.gate);
        let heading = tr!(words, recurrent.gate_mean, gate = gate);
        let about = tr!(words, recurrent.gate_mean_about, gate = gate);
        columns.push(column(&format!("{}_gate_mean", trace.gate), &heading, &about, &trace.mean, readable));
    }
    if !probe.path_product.is_empty() {
        let gate = if probe.model == Model::Lstm { said.forget_gates } else { said.update_gates };
        let about = tr!(words, recurrent.path_product_about, gate = gate);
        columns.push(column("path_product", said.path_product, &about, &probe.path_product, format::gradient));
    }
    columns
}

/// The chosen model's numbers per time step, exactly as `gradscope probe` prints them (`data-value`).
#[component]
pub fn TimeTable(shown: ReadSignal<Option<ShownOverlay>>) -> impl IntoView {
    let i18n = use_i18n();
    let probe = move || shown.with(|s| s.as_ref().and_then(|s| s.overlay.chosen_probe().cloned()));
    view! {
        <div class="table-scroll" id="time-table-scroll" tabindex="0" role="region" aria-labelledby="time-table-caption">
            <table id="time-table">
                <caption id="time-table-caption">
                    {move || probe().map(|p| view! {
                        {tr!(i18n.t(), recurrent.caption_before, model = i18n::model(i18n.t(), p.model).0)}
                        <span data-field="loss" data-value=format::exact(p.loss)>{format::readable(p.loss)}</span>
                        {i18n.t().recurrent.caption_baseline}
                        <span data-field="baseline" data-value=format::exact(p.baseline)>{format::readable(p.baseline)}</span>
                        {i18n.t().recurrent.caption_after}
                    })}
                </caption>
                {move || probe().map(|p| {
                    let words = i18n.t();
                    let columns = columns(&p, words);
                    view! {
                        <thead>
                            <tr>
                                <th scope="col">"t"</th>
                                {columns.iter().map(|c| view! { <th scope="col" title=c.about.clone()>{c.heading.clone()}</th> }).collect_view()}
                            </tr>
                        </thead>
                        <tbody>
                            {(0..p.steps).map(|t| view! {
                                <tr>
                                    <td data-field="t" data-value=(t + 1).to_string()>{t + 1}</td>
                                    {columns.iter().map(|c| {
                                        let value = c.values[t];
                                        view! { <td data-field=c.field.clone() data-value=format::exact(value)>{(c.text)(value, words)}</td> }
                                    }).collect_view()}
                                </tr>
                            }).collect_view()}
                        </tbody>
                    }
                })}
            </table>
        </div>
    }
}

/// A number in the gating panel, readable, with its exact value for comparison.
fn number(field: &'static str, value: f64) -> impl IntoView {
    view! { <strong data-field=field data-value=format::exact(value)>{format::readable(value)}</strong> }
}

/// Why the gradient survives (or not): the chosen model's equations and the current numbers.
#[component]
pub fn GatingPanel(shown: ReadSignal<Option<ShownOverlay>>) -> impl IntoView {
    let i18n = use_i18n();
    let body = move || {
        let words = i18n.t();
        shown.with(|s| s.as_ref().and_then(|s| s.overlay.chosen_probe().cloned())).map(|probe| gating_body(probe, words))
    };
    view! {
        <Panel id="gating" title=Signal::derive(move || i18n.t().gating.title.to_owned())>
            {body}
        </Panel>
    }
}

fn gating_body(probe: TimeProbe, words: &'static Strings) -> impl IntoView {
    let said = &words.gating;
    let steps = probe.steps;
    let last_mean = |gate: &str| probe.gates.iter().find(|g| g.gate == gate).and_then(|g| g.mean.last().copied()).unwrap_or(f64::NAN);
    let whole_path = probe.path_product.first().copied().unwrap_or(f64::NAN);
    let factor = probe.per_step_factor().unwrap_or(f64::NAN);
    let measured = view! {
        <p>{said.measured_before} {number("per_step_factor", factor)} {said.measured_after}</p>
    };
    match probe.model {
        Model::Lstm => view! {
            <Math formula=math::LSTM_CELL/>
            <Math formula=math::LSTM_PATH/>
            <p>
                {said.lstm_before} {number("forget_last", last_mean("forget"))}
                {tr!(words, gating.lstm_product, steps = steps)} {number("path_product_1", whole_path)} {said.sentence_end}
            </p>
            {measured}
        }
        .into_any(),
        Model::Gru => view! {
            <Math formula=math::GRU_STATE/>
            <Math formula=math::GRU_PATH/>
            <p>
                {said.gru_before} {number("update_last", last_mean("update"))}
                {tr!(words, gating.gru_product, steps = steps)} {number("path_product_1", whole_path)} {said.sentence_end}
            </p>
            {measured}
        }
        .into_any(),
        Model::Rnn => {
            let sigma = probe.spectral_norm.map_or(f64::NAN, |s| s.0);
            let critical = probe.critical_norm.map_or(f64::NAN, |s| s.0);
            let verdict = if sigma < critical { said.rnn_below } else { said.rnn_at_least };
            view! {
                <Math formula=math::RNN_STATE/>
                <Math formula=math::RNN_JACOBIAN/>
                <p>
                    {said.rnn_before} {number("spectral_norm", sigma)} {said.rnn_against} {number("critical_norm", critical)}
                    {verdict}
                </p>
                {measured}
            }
            .into_any()
        }
    }
}
