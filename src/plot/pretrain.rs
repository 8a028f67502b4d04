//! The pretraining charts: each layer's reconstruction error and free-energy gap over its
//! epochs, the first layer's learned filters as weight images, and fine-tuning from random
//! initialization against fine-tuning from the pretrained stack.

use plotters::coord::Shift;
use plotters::prelude::*;

use gradscope_core::rbm::EpochMetrics;

use super::colour::{mix, viridis};
use super::frame::{draw_line, frame, stroke, Axes, Axis, DrawResult, PlotArea};
use super::legend::{draw_header, LegendEntry, Swatch};
use super::linear::from_zero;
use super::loss::step_range;
use super::style::PlotStyle;

const LINE: f64 = 2.0;
const RAMP_STOPS: usize = 24;
/// Filters drawn at most (the first hidden units): more would shrink each below legibility.
pub const MAX_FILTERS: usize = 64;
/// Gap between filter tiles, CSS pixels.
const TILE_GAP: f64 = 3.0;

/// Draws, per pretrained layer (coloured by depth as in the update-ratio chart), the
/// reconstruction error over epochs (solid, left axis, from 0) and the free-energy gap
/// (dashed, right axis): held-out minus training mean free energy, which grows when the RBM
/// fits its training examples rather than their distribution.
pub fn draw_pretraining<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    metrics: &[EpochMetrics],
    layers: usize,
    style: &PlotStyle,
) -> DrawResult<(), DB> {
    let colours = &style.colours;
    let (ramp_lo, ramp_hi) = colours.line_ramp;
    let along_ramp = |depth: f64| viridis(ramp_lo + (ramp_hi - ramp_lo) * depth);
    let layer_colour = |layer: usize| match layers {
        0 | 1 => along_ramp(0.5),
        _ => along_ramp((layer - 1) as f64 / (layers - 1) as f64),
    };
    let ramp = (0..RAMP_STOPS).map(|i| along_ramp(i as f64 / (RAMP_STOPS - 1) as f64)).collect();
    let line = |dashed| Swatch::Line { line: stroke(colours.text, LINE * 0.75, style), dashed, marker: None };
    let entries = [
        LegendEntry::new(Swatch::Ramp(ramp), style.words().plot.layer_ramp),
        LegendEntry::new(line(false), style.words().plot.reconstruction_error),
        LegendEntry::new(line(true), style.words().plot.free_energy_gap_right),
    ];
    let body = draw_header(root, &entries, None, style)?;

    let epochs = step_range(metrics.iter().map(|m| m.epoch as u64));
    let mut axes = Axes::new(
        Axis::linear(epochs, style.words().plot.epoch, true),
        Axis::linear(from_zero(metrics.iter().map(|m| m.recon_error)), style.words().plot.reconstruction_error, false),
    );
    axes.right = Some(Axis::linear(from_zero(metrics.iter().map(|m| m.free_energy_gap)), style.words().plot.free_energy_gap, false));
    let Some(frame) = frame(&body, axes, style)? else {
        return Ok(());
    };
    let dual = frame.into_dual(style)?;
    let series = |layer: usize, value: fn(&EpochMetrics) -> f64| -> Vec<(f64, Option<f64>)> {
        metrics.iter().filter(|m| m.layer == layer).map(|m| (m.epoch as f64, Some(value(m)).filter(|v| v.is_finite()))).collect()
    };
    for layer in 1..=layers {
        let colour = stroke(layer_colour(layer), LINE, style);
        draw_line(dual.secondary_plotting_area(), &series(layer, |m| m.free_energy_gap), colour, true, style)?;
        draw_line(dual.plotting_area(), &series(layer, |m| m.recon_error), colour, false, style)?;
    }
    Ok(())
}

/// The incoming weights of the first hidden units, each an image of the input.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Filters<'a> {
    /// Row-major [n_hidden, rows · columns] (an RBM's W).
    pub weights: &'a [f32],
    pub rows: usize,
    pub columns: usize,
}

impl Filters<'_> {
    /// How many filters are drawn: every hidden unit, up to `MAX_FILTERS`.
    pub fn shown(&self) -> usize {
        (self.weights.len() / (self.rows * self.columns).max(1)).min(MAX_FILTERS)
    }
}

/// Draws the first `MAX_FILTERS` hidden units' weight images in a grid of tiles, each scaled
/// to its own largest |w| (so a unit's pattern shows whatever its size): positive weights in
/// the first class colour, negative in the second, 0 in the background colour.
pub fn draw_filters<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, filters: &Filters, style: &PlotStyle) -> DrawResult<(), DB> {
    let colours = &style.colours;
    let swatch = |colour| Swatch::Line { line: ShapeStyle { color: RGBAColor::from(colour), filled: true, stroke_width: style.stroke(6.0) }, dashed: false, marker: None };
    let entries = [LegendEntry::new(swatch(colours.class_1), style.words().plot.positive_weight), LegendEntry::new(swatch(colours.class_0), style.words().plot.negative_weight)];
    let body = draw_header(root, &entries, Some(style.words().plot.filters_note), style)?;
    let count = filters.shown();
    let pixels = filters.rows * filters.columns;
    if count == 0 {
        return Ok(());
    }
    let (width, height) = body.dim_in_pixel();
    let gap = style.px(TILE_GAP);
    // The most columns of tiles whose square tiles still fit the height.
    let tile_for = |per_row: usize| {
        let rows = count.div_ceil(per_row) as i32;
        let by_width = (width as i32 - gap * (per_row as i32 + 1)) / per_row as i32;
        let by_height = (height as i32 - gap * (rows + 1)) / rows;
        by_width.min(by_height)
    };
    let per_row = (1..=count).max_by_key(|&n| (tile_for(n), std::cmp::Reverse(n))).unwrap_or(1);
    let tile = tile_for(per_row);
    if tile < 2 {
        return Ok(());
    }
    let cell = tile as f64 / filters.columns.max(filters.rows) as f64;
    for (unit, weights) in filters.weights.chunks(pixels).take(count).enumerate() {
        let (x0, y0) = (gap + (unit % per_row) as i32 * (tile + gap), gap + (unit / per_row) as i32 * (tile + gap));
        let largest = weights.iter().fold(0.0f32, |m, w| m.max(w.abs()));
        for (pixel, &w) in weights.iter().enumerate() {
            let strength = if largest > 0.0 && w.is_finite() { f64::from(w.abs() / largest) } else { 0.0 };
            let sign_colour = if w >= 0.0 { colours.class_1 } else { colours.class_0 };
            let (r, c) = ((pixel / filters.columns) as f64, (pixel % filters.columns) as f64);
            let corner = |r: f64, c: f64| (x0 + (c * cell).round() as i32, y0 + (r * cell).round() as i32);
            let rect = Rectangle::new([corner(r, c), corner(r + 1.0, c + 1.0)], mix(colours.background, sign_colour, strength).filled());
            body.draw(&rect)?;
        }
        let outline = [(x0, y0), (x0 + tile, y0 + tile)];
        body.draw(&Rectangle::new(outline, stroke(colours.grid, 1.0, style)))?;
    }
    Ok(())
}

/// Two fine-tuning runs of the same network on the same batches: from random initialization
/// and from the pretrained stack. Each run's slices are read up to the shorter of its two.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FineTuning<'a> {
    pub random_steps: &'a [u64],
    pub random: &'a [f64],
    pub pretrained_steps: &'a [u64],
    pub pretrained: &'a [f64],
    /// What the values are (the y axis title), e.g. "accuracy".
    pub quantity: &'a str,
}

/// Draws both runs' `quantity` over training steps on one linear axis from 0: random
/// initialization dashed in the gradient-norm colour, pretrained solid in the δ colour.
pub fn draw_fine_tuning<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, runs: &FineTuning, style: &PlotStyle) -> DrawResult<(), DB> {
    let colours = &style.colours;
    let random_line = stroke(colours.grad_w, LINE, style);
    let pretrained_line = stroke(colours.delta, LINE, style);
    let entries = [
        LegendEntry::new(Swatch::Line { line: random_line, dashed: true, marker: None }, style.words().plot.from_random_init),
        LegendEntry::new(Swatch::Line { line: pretrained_line, dashed: false, marker: None }, style.words().plot.from_pretrained),
    ];
    let body = draw_header(root, &entries, None, style)?;
    let run = |steps: &[u64], values: &[f64]| -> Vec<(f64, Option<f64>)> {
        steps.iter().zip(values).map(|(&s, &v)| (s as f64, v.is_finite().then_some(v))).collect()
    };
    let (random, pretrained) = (run(runs.random_steps, runs.random), run(runs.pretrained_steps, runs.pretrained));
    let x = step_range(runs.random_steps.iter().chain(runs.pretrained_steps).copied());
    let y = from_zero(random.iter().chain(&pretrained).filter_map(|p| p.1));
    let Some(mut frame) = frame(&body, Axes::new(Axis::steps(x, style.words()), Axis::linear(y, runs.quantity, false)), style)? else {
        return Ok(());
    };
    frame.draw_mesh(true, style)?;
    let area: &PlotArea<DB> = frame.chart.plotting_area();
    draw_line(area, &random, random_line, true, style)?;
    draw_line(area, &pretrained, pretrained_line, false, style)
}

#[cfg(test)]
mod tests {
    use super::super::svg::{elements, filled_rects, hex, polylines, render, texts, write_preview};
    use super::*;

    const SIZE: (u32, u32) = (640, 360);

    fn metric(layer: usize, epoch: usize, recon_error: f64, free_energy_gap: f64) -> EpochMetrics {
        EpochMetrics { layer, epoch, recon_error, train_free_energy: -10.0, held_out_free_energy: -10.0 + free_energy_gap, free_energy_gap }
    }

    #[test]
    fn each_layer_gets_a_falling_reconstruction_line_and_its_gap_on_the_right_axis() {
        let metrics: Vec<EpochMetrics> =
            (1..=2).flat_map(|l| (0..=3).map(move |e| metric(l, e, 0.2 / (1.0 + e as f64 * l as f64), 0.1 * e as f64))).collect();
        let svg = render(SIZE, |root| draw_pretraining(root, &metrics, 2, &PlotStyle::light()));
        write_preview("pretraining", &svg);
        let labels = texts(&svg);
        for wanted in ["reconstruction error", "free-energy gap (right axis)", "epoch", "layer: input → output"] {
            assert!(labels.iter().any(|t| t == wanted), "{wanted}: {labels:?}");
        }
        // One solid line of 4 epochs per layer, each falling (larger y is lower on screen).
        let solid: Vec<Vec<(f64, f64)>> =
            elements(&svg, "polyline").iter().filter(|l| l["points"].split_whitespace().count() == 4).map(|l| {
                l["points"].split_whitespace().map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                }).collect()
            }).collect();
        assert_eq!(solid.len(), 2, "{svg}");
        assert!(solid.iter().all(|line| line.windows(2).all(|w| w[1].0 > w[0].0 && w[1].1 > w[0].1)));
    }

    #[test]
    fn filters_are_tiles_of_signed_weights_each_scaled_to_its_largest() {
        let style = PlotStyle::light();
        let colours = &style.colours;
        // Three 2×2 filters.
        let weights = [2.0, -2.0, 0.0, 1.0, 0.5, 0.5, -0.5, 0.0, 0.0, 0.0, 0.0, 0.0];
        let filters = Filters { weights: &weights, rows: 2, columns: 2 };
        assert_eq!(filters.shown(), 3);
        let svg = render(SIZE, |root| draw_filters(root, &filters, &style));
        let fills: Vec<String> = filled_rects(&svg).into_iter().map(|r| r.fill).collect();
        let count = |colour| fills.iter().filter(|f| **f == hex(colour)).count();
        // +max of filters 1 and 2, −max of filters 1 and 2 (−0.5 is filter 2's largest |w|).
        assert_eq!(count(colours.class_1), 2 + 1, "{fills:?}");
        assert_eq!(count(colours.class_0), 1 + 1, "{fills:?}");
        assert!(texts(&svg).iter().any(|t| t == "positive weight"));
        assert_eq!(Filters { weights: &[0.0; 64 * 200], rows: 8, columns: 8 }.shown(), MAX_FILTERS);
    }

    #[test]
    fn fine_tuning_draws_both_runs_in_their_colours() {
        let style = PlotStyle::light();
        let steps: Vec<u64> = (0..10).map(|s| s * 10).collect();
        let random = vec![0.1; 10];
        let pretrained: Vec<f64> = (0..10).map(|i| 0.1 + 0.08 * i as f64).collect();
        let runs = FineTuning { random_steps: &steps, random: &random, pretrained_steps: &steps, pretrained: &pretrained, quantity: "accuracy" };
        let svg = render(SIZE, |root| draw_fine_tuning(root, &runs, &style));
        write_preview("fine-tuning", &svg);
        let solid = polylines(&svg, style.colours.delta);
        assert!(solid.iter().any(|line| line.len() == 10), "the pretrained run, solid");
        assert!(!polylines(&svg, style.colours.grad_w).is_empty(), "the random run, dashed");
        for wanted in ["from random init", "from pretrained RBMs", "accuracy", "step"] {
            assert!(texts(&svg).iter().any(|t| t == wanted), "{wanted}");
        }
    }
}
