//! The recurrent lab's charts, on any plotters backend:
//! - the time-step plot (`draw_time_plot`): ‖∂L/∂h_t‖ against the time step t on a log axis, one
//!   line per recurrent model on the same task and seed, the chosen one drawn thicker;
//! - the training overlay (`draw_recurrent_loss`): each model's training loss against the step,
//!   with the task's baseline (the loss of the best input-blind guess) dashed.
//!
//! Exact zeros (f32 underflow, far back in time) sit as ▼ on the bottom edge, NaN/±∞ as ✕ on the
//! top edge, like the depth plot.

use plotters::coord::Shift;
use plotters::prelude::*;

use gradscope_core::recurrent::{Model, TimeProbe};

use super::frame::{draw_line, frame, stroke, Axes, Axis, DrawResult, PlotArea};
use super::legend::{draw_header, draw_marker, LegendEntry, Marker, Paint, Swatch, EDGE_MARKER, MARKER};
use super::linear::from_zero;
use super::loss::step_range;
use super::scale::{DecadeRange, Placement};
use super::style::PlotStyle;
use crate::i18n::{self, Strings};
use crate::tr;

const LINE: f64 = 1.5;
const CHOSEN_LINE: f64 = 3.0;

/// One model's line: y values at x = 1, 2, … (time steps) or at the given steps.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelSeries {
    pub model: Model,
    pub label: String,
    /// `(x, value)`, x increasing; values as measured (0, NaN and ±∞ included).
    pub points: Vec<(f64, f64)>,
}

/// What the time-step plot draws: one series per model, and which model the page has chosen;
/// while training, also each model's series now (dashed), beside the series at init.
#[derive(Clone, Debug, PartialEq)]
pub struct TimePlot {
    pub series: Vec<ModelSeries>,
    pub chosen: Model,
    /// The training step of `now`, and its series (empty before training).
    pub now_step: u64,
    pub now: Vec<ModelSeries>,
}

impl TimePlot {
    /// ‖∂L/∂h_t‖ of every probe, t = 1..=T, each named in `words`' language.
    pub fn from_probes(probes: &[TimeProbe], chosen: Model, words: &Strings) -> Self {
        TimePlot { series: time_series(probes, words), chosen, now_step: 0, now: Vec::new() }
    }

    /// Adds the probes of training step `step` (each model's last training batch), dashed.
    pub fn with_now(self, step: u64, probes: &[TimeProbe], words: &Strings) -> Self {
        TimePlot { now_step: step, now: time_series(probes, words), ..self }
    }

    /// The last time step, T.
    pub fn steps(&self) -> usize {
        self.series.iter().map(|s| s.points.len()).max().unwrap_or(0)
    }
}

/// ‖∂L/∂h_t‖ of every probe, t = 1..=T, each named in `words`' language.
fn time_series(probes: &[TimeProbe], words: &Strings) -> Vec<ModelSeries> {
    probes
        .iter()
        .map(|probe| ModelSeries {
            model: probe.model,
            label: format!("{} ‖∂L/∂hₜ‖", i18n::model(words, probe.model).0),
            points: (1..).zip(&probe.grad_h_norm).map(|(t, &v)| (f64::from(t), v)).collect(),
        })
        .collect()
}

/// Colour and marker of a model: fixed per model, so the overlay and the loss chart agree.
fn look(model: Model, chosen: bool, style: &PlotStyle) -> (ShapeStyle, Marker, Paint) {
    let colours = &style.colours;
    let (colour, marker) = match model {
        Model::Rnn => (colours.grad_w, Marker::Square),
        Model::Lstm => (colours.delta, Marker::Circle),
        Model::Gru => (colours.theory, Marker::Circle),
    };
    let width = if chosen { CHOSEN_LINE } else { LINE };
    (stroke(colour, width, style), marker, Paint { colour: colour.to_rgba(), filled: chosen, outline: None })
}

fn legend_entry(series: &ModelSeries, chosen: bool, style: &PlotStyle) -> LegendEntry {
    let (line, marker, paint) = look(series.model, chosen, style);
    LegendEntry::new(Swatch::Line { line, dashed: false, marker: Some((marker, paint)) }, series.label.as_str())
}

/// Legend entries for the edge markers the series need.
fn edge_entries<'a>(series: impl Iterator<Item = &'a ModelSeries> + Clone, style: &PlotStyle) -> Vec<LegendEntry> {
    let has = |wanted: Placement| series.clone().any(|s| s.points.iter().any(|&(_, v)| Placement::of(v) == wanted));
    let mut entries = Vec::new();
    if has(Placement::Zero) {
        entries.push(LegendEntry::new(Swatch::Marker(Marker::Zero, Paint::solid(style.colours.text)), style.words().plot.exactly_zero));
    }
    if has(Placement::NonFinite) {
        entries.push(LegendEntry::new(Swatch::Marker(Marker::NonFinite, Paint::solid(style.colours.non_finite)), style.words().plot.non_finite));
    }
    entries
}

/// Draws ‖∂L/∂h_t‖ against t for every model of `plot`; returns the models drawn, in order.
pub fn draw_time_plot<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    plot: &TimePlot,
    style: &PlotStyle,
) -> DrawResult<Vec<Model>, DB> {
    let mut entries: Vec<LegendEntry> =
        plot.series.iter().map(|s| legend_entry(s, s.model == plot.chosen, style)).collect();
    let words = style.words();
    let now_line = stroke(style.colours.text, LINE, style);
    if !plot.now.is_empty() {
        let label = tr!(words, plot.now_dashed, step = plot.now_step);
        entries.push(LegendEntry::new(Swatch::Line { line: now_line, dashed: true, marker: None }, label));
    }
    let every = plot.series.iter().chain(&plot.now);
    entries.extend(edge_entries(every.clone(), style));
    let note = words.plot.bptt_note;
    let body = draw_header(root, &entries, Some(note), style)?;
    let range = DecadeRange::fit(every.flat_map(|s| s.points.iter().map(|&(_, v)| v)));
    let steps = plot.steps().max(1) as f64;
    let axes = Axes::new(
        Axis::linear(1.0..steps.max(2.0), words.plot.time_axis, true),
        Axis::decades(range, words.plot.grad_h_axis),
    );
    let Some(mut frame) = frame(&body, axes, style)? else {
        return Ok(Vec::new()); // No room for a readable chart; the table still has the numbers.
    };
    frame.draw_mesh(true, style)?;
    let area = frame.chart.plotting_area();
    let room = f64::from(area.dim_in_pixel().0) / steps >= 3.0 * f64::from(style.px(MARKER));
    // The chosen model last, on top.
    let (chosen, others): (Vec<&ModelSeries>, Vec<&ModelSeries>) = plot.series.iter().partition(|s| s.model == plot.chosen);
    let mut drawn = Vec::new();
    for series in others.into_iter().chain(chosen) {
        draw_model_series(area, series, series.model == plot.chosen, range, room, style)?;
        drawn.push(series.model);
    }
    for series in &plot.now {
        let (line, _, _) = look(series.model, false, style);
        let points: Vec<(f64, Option<f64>)> = series.points.iter().map(|&(x, v)| (x, Placement::of(v).decade())).collect();
        draw_line(area, &points, line, true, style)?;
    }
    Ok(drawn)
}

/// One model's line on the log axis, its point markers when there is `room`, and its edge markers.
fn draw_model_series<DB: DrawingBackend>(
    area: &PlotArea<DB>,
    series: &ModelSeries,
    chosen: bool,
    range: DecadeRange,
    room: bool,
    style: &PlotStyle,
) -> DrawResult<(), DB> {
    let (line, marker, paint) = look(series.model, chosen, style);
    let points: Vec<(f64, Option<f64>)> = series.points.iter().map(|&(x, v)| (x, Placement::of(v).decade())).collect();
    draw_line(area, &points, line, false, style)?;
    let s = style.px(EDGE_MARKER);
    let (bottom, top) = (area.get_y_range().start, area.get_y_range().end);
    for &(x, value) in &series.points {
        match Placement::of(value) {
            Placement::At(decade) if room && range.contains(decade) => draw_marker(area, (x, decade), (0, 0), marker, paint, style)?,
            Placement::At(_) => {}
            Placement::Zero => draw_marker(area, (x, bottom), (0, -s), Marker::Zero, Paint::solid(paint.colour), style)?,
            Placement::NonFinite => {
                draw_marker(area, (x, top), (0, s + 1), Marker::NonFinite, Paint::solid(style.colours.non_finite), style)?
            }
        }
    }
    Ok(())
}

/// What the training overlay draws: each model's mean training loss per chunk, and the baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct RecurrentLoss {
    /// `(step, mean training loss of the steps up to there)` per model.
    pub series: Vec<ModelSeries>,
    /// The model drawn thicker and on top, if one is singled out.
    pub chosen: Option<Model>,
    pub baseline: f64,
}

/// Draws every model's training loss against the step on a linear axis from 0, with the
/// baseline as a dashed line: a model on it has learned nothing the inputs could tell it.
/// Returns the models whose line was drawn, in drawing order.
pub fn draw_recurrent_loss<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &RecurrentLoss,
    style: &PlotStyle,
) -> DrawResult<Vec<Model>, DB> {
    let baseline_line = stroke(style.colours.muted, LINE, style);
    let chosen = |series: &ModelSeries| Some(series.model) == chart.chosen;
    let mut entries: Vec<LegendEntry> = chart.series.iter().map(|s| legend_entry(s, chosen(s), style)).collect();
    entries.push(LegendEntry::new(Swatch::Line { line: baseline_line, dashed: true, marker: None }, style.words().plot.baseline));
    let body = draw_header(root, &entries, None, style)?;
    let values = chart.series.iter().flat_map(|s| s.points.iter().map(|&(_, v)| v));
    // Losses far above the baseline (the first steps) would squash it flat: cap the axis at 3×.
    let ceiling = 3.0 * chart.baseline;
    let y_range = from_zero(values.map(|v| v.min(ceiling)).chain([chart.baseline]));
    let steps = step_range(chart.series.iter().flat_map(|s| s.points.iter().map(|&(x, _)| x as u64)).chain([0]));
    let Some(mut frame) = frame(&body, Axes::new(Axis::steps(steps.clone(), style.words()), Axis::linear(y_range, style.words().plot.training_loss, false)), style)? else {
        return Ok(Vec::new());
    };
    frame.draw_mesh(true, style)?;
    let area = frame.chart.plotting_area();
    draw_line(area, &[(steps.start, Some(chart.baseline)), (steps.end, Some(chart.baseline))], baseline_line, true, style)?;
    let (singled_out, others): (Vec<&ModelSeries>, Vec<&ModelSeries>) = chart.series.iter().partition(|s| chosen(s));
    let mut drawn = Vec::new();
    for series in others.into_iter().chain(singled_out) {
        let (line, _, _) = look(series.model, chosen(series), style);
        // A non-finite loss breaks the line (training stops there).
        let points: Vec<(f64, Option<f64>)> = series.points.iter().map(|&(x, v)| (x, v.is_finite().then_some(v))).collect();
        draw_line(area, &points, line, false, style)?;
        if points.iter().any(|(_, v)| v.is_some()) {
            drawn.push(series.model);
        }
    }
    Ok(drawn)
}

#[cfg(test)]
mod tests {
    use gradscope_core::link;
    use gradscope_core::recurrent::probe_every_model;

    use super::super::svg::*;
    use super::*;
    use crate::i18n::Lang;

    const SIZE: (u32, u32) = (720, 440);

    fn overlay(link: &str) -> Vec<TimeProbe> {
        probe_every_model(&link::decode(link).config.recurrent().unwrap()).unwrap()
    }

    #[test]
    fn the_overlay_draws_one_line_per_model_with_a_legend_and_the_chosen_one_on_top() {
        let probes = overlay("model=lstm&hidden=16&seq=30&batch=8");
        let plot = TimePlot::from_probes(&probes, Model::Lstm, Lang::En.strings());
        assert_eq!(plot.steps(), 30);
        let mut drawn = Vec::new();
        let style = PlotStyle::light();
        let svg = render(SIZE, |root| {
            drawn = draw_time_plot(root, &plot, &style)?;
            Ok(())
        });
        write_preview("time_plot", &svg);
        assert_eq!(drawn, [Model::Rnn, Model::Gru, Model::Lstm], "the chosen model is drawn last");
        let labels = texts(&svg);
        for model in Model::ALL {
            assert!(labels.iter().any(|l| l.starts_with(model.label())), "legend for {model}: {labels:?}");
        }
        assert!(labels.iter().any(|l| l.contains("time step t")) && labels.iter().any(|l| l.contains("log scale")));
        let colours = &style.colours;
        for colour in [colours.grad_w, colours.delta, colours.theory] {
            let lines = polylines(&svg, colour);
            // The legend's swatch is a two-point line; the series has every time step.
            assert!(lines.iter().any(|line| line.len() == 30), "a 30-point line in {colour:?}");
        }
        // The LSTM keeps more of its gradient going back than the RNN: at t = 1 its line is
        // higher on the page (smaller y) relative to its own end at t = T.
        let drop = |colour| {
            let line = polylines(&svg, colour).into_iter().find(|l| l.len() == 30).unwrap();
            line[0].1 - line[29].1
        };
        assert!(drop(colours.delta) < drop(colours.grad_w), "LSTM falls less than RNN");
    }

    #[test]
    fn training_adds_each_models_gradient_now_dashed_with_one_legend_entry() {
        let probes = overlay("model=gru&hidden=8&seq=12&batch=4");
        let style = PlotStyle::light();
        let lines = |plot: &TimePlot| {
            let svg = render(SIZE, |root| draw_time_plot(root, plot, &style).map(drop));
            (polylines(&svg, style.colours.theory).len(), texts(&svg))
        };
        let at_init = TimePlot::from_probes(&probes, Model::Gru, Lang::En.strings());
        let (before, labels) = lines(&at_init);
        assert!(!labels.iter().any(|l| l.contains("now")), "{labels:?}");
        let halved: Vec<TimeProbe> = probes.iter().map(|p| TimeProbe { grad_h_norm: p.grad_h_norm.iter().map(|v| v / 2.0).collect(), ..p.clone() }).collect();
        let (after, labels) = lines(&at_init.with_now(40, &halved, Lang::En.strings()));
        assert!(labels.iter().any(|l| l.contains("now, at step 40")), "{labels:?}");
        // The GRU's dashed line is drawn in dashes: many more pieces in its colour.
        assert!(after > before + 5, "{before} → {after} pieces");
    }

    #[test]
    fn underflow_to_zero_sits_on_the_bottom_edge_with_a_legend_entry() {
        let rnn = |values: Vec<f64>| TimeProbe { grad_h_norm: values, ..overlay("model=rnn&hidden=4&seq=4&batch=2").remove(0) };
        let probe = rnn(vec![0.0, 1e-30, 1e-10, 1.0]);
        let plot = TimePlot::from_probes(&[probe], Model::Rnn, Lang::En.strings());
        let svg = render(SIZE, |root| draw_time_plot(root, &plot, &PlotStyle::light()).map(drop));
        assert!(texts(&svg).iter().any(|t| t == PlotStyle::light().words().plot.exactly_zero));
        let line = polylines(&svg, PlotStyle::light().colours.grad_w).into_iter().max_by_key(Vec::len).unwrap();
        assert_eq!(line.len(), 3, "the line starts after the zero");
    }

    #[test]
    fn the_training_overlay_draws_every_model_and_the_baseline() {
        let series = |model, loss: f64| ModelSeries { model, label: model.label().to_owned(), points: (1..=10).map(|s| (f64::from(s) * 100.0, loss)).collect() };
        let chart = RecurrentLoss { series: vec![series(Model::Rnn, 0.16), series(Model::Lstm, 0.01)], chosen: Some(Model::Lstm), baseline: 1.0 / 6.0 };
        let style = PlotStyle::light();
        let svg = render(SIZE, |root| draw_recurrent_loss(root, &chart, &style).map(drop));
        write_preview("recurrent_loss", &svg);
        assert!(texts(&svg).iter().any(|t| t.starts_with("baseline")));
        assert!(polylines(&svg, style.colours.delta).iter().any(|l| l.len() == 10));
        assert!(polylines(&svg, style.colours.grad_w).iter().any(|l| l.len() == 10));
    }
}
