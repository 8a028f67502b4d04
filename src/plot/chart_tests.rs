//! The training charts rendered to SVG and read back: labels, legends, cells, lines and where
//! they sit.

use plotters::coord::Shift;
use plotters::prelude::DrawingArea;
use plotters_svg::SVGBackend;

use super::svg::*;
use super::*;

const SIZE: (u32, u32) = (720, 400);

/// A deterministic wobble in [−1, 1] (minibatch noise without a random generator).
fn wobble(i: usize) -> f64 {
    (i as f64 * 12.9898).sin() * 0.5 + (i as f64 * 4.1414).cos() * 0.5
}

struct Training {
    steps: Vec<u64>,
    loss: Vec<f64>,
    accuracy: Vec<f64>,
}

impl Training {
    fn without_accuracy(steps: Vec<u64>, loss: Vec<f64>) -> Self {
        Self {
            steps,
            loss,
            accuracy: Vec::new(),
        }
    }

    fn history(&self, with_accuracy: bool, diverged_at: Option<u64>) -> LossHistory<'_> {
        LossHistory {
            steps: &self.steps,
            loss: &self.loss,
            accuracy: with_accuracy.then_some(self.accuracy.as_slice()),
            diverged_at,
        }
    }
}

/// Cross-entropy falling from ln 2 to ~0.04 over 3000 steps (more than a decade), accuracy
/// rising from ½.
fn training() -> Training {
    let steps: Vec<u64> = (0..300).map(|i| i * 10).collect();
    let loss = steps
        .iter()
        .enumerate()
        .map(|(i, &s)| (0.66 * (-(s as f64) / 700.0).exp() + 0.03) * (1.0 + 0.15 * wobble(i)))
        .collect();
    let accuracy = steps
        .iter()
        .map(|&s| 1.0 - 0.5 * (-(s as f64) / 500.0).exp())
        .collect();
    Training {
        steps,
        loss,
        accuracy,
    }
}

/// A loss that climbs and turns NaN at step 1500, where training stops.
fn diverging() -> Training {
    let steps: Vec<u64> = (0..=150).map(|i| i * 10).collect();
    let loss = steps
        .iter()
        .map(|&s| match s {
            1500 => f64::NAN,
            s => 0.7 + 0.3 * (s as f64 / 200.0).exp(),
        })
        .collect();
    Training {
        accuracy: vec![0.5; steps.len()],
        steps,
        loss,
    }
}

/// A per-layer quantity over training, owned by the test.
struct PerLayer {
    quantity: &'static str,
    layers: usize,
    steps: Vec<u64>,
    values: Vec<f64>,
}

impl PerLayer {
    fn series(&self) -> LayerSeries<'_> {
        LayerSeries {
            quantity: self.quantity,
            steps: &self.steps,
            layers: self.layers,
            values: &self.values,
        }
    }
}

/// ‖∂L/∂W‖ of a deep sigmoid network over training: 10⁻⁸ at layer 1 up to 10⁻¹ at the readout,
/// the first layer exactly 0 (underflow) for the first 40 snapshots, and NaN everywhere from
/// `nan_from` on.
fn gradient_norms(layers: usize, snapshots: usize, nan_from: usize) -> PerLayer {
    let steps = (0..snapshots as u64).map(|s| s * 25).collect();
    let mut values = Vec::with_capacity(layers * snapshots);
    for s in 0..snapshots {
        for l in 0..layers {
            let depth = l as f64 / (layers - 1).max(1) as f64;
            let value = if s >= nan_from {
                f64::NAN
            } else if l == 0 && s < 40 {
                0.0
            } else {
                10f64.powf(-8.0 + 7.0 * depth)
                    * (1.0 + s as f64 / 100.0)
                    * (1.0 + 0.2 * wobble(s * layers + l))
            };
            values.push(value);
        }
    }
    PerLayer {
        quantity: "‖∂L/∂W‖",
        layers,
        steps,
        values,
    }
}

/// Update:data ratios around 1e-3: deep layers too fast, early ones too slow, settling over time.
fn update_ratios(layers: usize, snapshots: usize) -> PerLayer {
    let steps = (0..snapshots as u64).map(|s| s * 10).collect();
    let mut values = Vec::with_capacity(layers * snapshots);
    for s in 0..snapshots {
        for l in 0..layers {
            let spread = (l as f64 - layers as f64 / 2.0) / layers as f64 * 3.0;
            let settle = (-(s as f64) / 80.0).exp();
            values
                .push(1e-3 * 10f64.powf(spread * (0.3 + settle)) * (1.0 + 0.3 * wobble(s + 7 * l)));
        }
    }
    PerLayer {
        quantity: "update:data ratio",
        layers,
        steps,
        values,
    }
}

/// A saturated tanh layer: most values piled up at ±1, few in the middle.
fn tanh_counts() -> Vec<u32> {
    (0..40)
        .map(|i| {
            let x = -1.0 + (i as f64 + 0.5) * 0.05;
            (30.0 + 2000.0 * (-(1.0 - f64::abs(x)) * 12.0).exp()) as u32
        })
        .collect()
}

/// Small gradients, bell-shaped, over ±2e-4.
fn gradient_counts() -> Vec<u32> {
    (0..40)
        .map(|i| {
            let x = (i as f64 + 0.5 - 20.0) / 6.0;
            (900.0 * (-x * x / 2.0).exp()) as u32
        })
        .collect()
}

fn histograms<'a>(tanh: &'a [u32], gradients: &'a [u32], log_counts: bool) -> Histograms<'a> {
    Histograms {
        panels: vec![
            HistogramPanel {
                title: "tanh output a, layer 3".to_owned(),
                histogram: Histogram {
                    low: -1.0,
                    high: 1.0,
                    counts: tanh,
                    non_finite: 0,
                },
                saturation: Some(Saturation::TANH),
            },
            HistogramPanel {
                title: "gradient ∂L/∂a, layer 3".to_owned(),
                histogram: Histogram {
                    low: -2e-4,
                    high: 2e-4,
                    counts: gradients,
                    non_finite: 12,
                },
                saturation: None,
            },
        ],
        log_counts,
    }
}

/// P(class 1) of a network that has half learned two interleaved spirals, on a 48² grid over
/// [−2.2, 2.2]², and 300 points of the two spirals.
struct Plane {
    probability: Vec<f64>,
    inputs: Vec<f32>,
    labels: Vec<usize>,
}

const GRID: usize = 48;
const SPAN: [f64; 2] = [-2.2, 2.2];

fn spiral_class_1(x: f64, y: f64) -> f64 {
    let (r, angle) = ((x * x + y * y).sqrt(), y.atan2(x));
    (angle - 2.5 * r).sin()
}

fn plane() -> Plane {
    let centre = |i: usize| SPAN[0] + (i as f64 + 0.5) * (SPAN[1] - SPAN[0]) / GRID as f64;
    let probability = (0..GRID)
        .flat_map(|row| (0..GRID).map(move |column| (centre(column), centre(row))))
        .map(|(x, y)| 1.0 / (1.0 + (-3.0 * spiral_class_1(x, y)).exp()))
        .collect();
    let mut inputs = Vec::new();
    let mut labels = Vec::new();
    for i in 0..300 {
        let class = i % 2;
        let t = (i / 2) as f64 / 150.0;
        let angle = 2.5 * 2.0 * t * std::f64::consts::PI + class as f64 * std::f64::consts::PI;
        let r = 2.0 * t + 0.05 * wobble(i);
        inputs.extend([(r * angle.cos()) as f32, (r * angle.sin()) as f32]);
        labels.push(class);
    }
    Plane {
        probability,
        inputs,
        labels,
    }
}

fn boundary(plane: &Plane) -> Boundary<'_> {
    Boundary {
        resolution: GRID,
        x_range: SPAN,
        y_range: SPAN,
        probability: &plane.probability,
        inputs: &plane.inputs,
        labels: &plane.labels,
    }
}

fn light() -> Colours {
    PlotStyle::light().colours
}

fn render_loss(history: &LossHistory, size: (u32, u32)) -> String {
    render(size, |root| draw_loss(root, history, &PlotStyle::light()))
}

fn has_text(svg: &str, wanted: &str) -> bool {
    texts(svg).iter().any(|t| t == wanted)
}

// ---- loss ----

#[test]
fn a_falling_loss_gets_a_log_axis_and_accuracy_its_own_axis_on_the_right() {
    let run = training();
    let history = run.history(true, None);
    let svg = render_loss(&history, SIZE);
    for expected in [
        "loss",
        "accuracy (right axis)",
        "loss (log scale)",
        "accuracy",
        "step",
    ] {
        assert!(
            has_text(&svg, expected),
            "no {expected:?} in {:?}",
            texts(&svg)
        );
    }
    let plot = PlotBox::find(&svg, light().axis);
    // Decades on the left, 0–1 on the right, and nothing of either on the other side.
    // ("0.2" is on both: 2 × 0.1 on the log axis and a fifth on the accuracy axis.)
    for (label, left) in [
        ("0.1", true),
        ("0.5", true),
        ("5e-2", true),
        ("0.4", false),
        ("0.8", false),
        ("1", false),
    ] {
        let sides: Vec<bool> = placed_texts(&svg)
            .into_iter()
            .filter(|(text, _, _)| text == label)
            .map(|(_, x, _)| x < plot.left)
            .collect();
        assert!(
            !sides.is_empty() && sides.iter().all(|&side| side == left),
            "{label}: {sides:?}"
        );
    }
    // One unbroken loss line inside the plot (plus the legend's sample) …
    let losses = polylines(&svg, light().delta);
    assert_eq!(losses.len(), 2);
    assert!(losses[1].iter().all(|&(x, y)| plot.holds(x, y)));
    // (The SVG drops a point that lands on the same pixel as the one before.)
    assert!(losses[1].len() >= run.steps.len() * 95 / 100);
    // … falling: it starts high and ends low.
    let (first, last) = (losses[1][0], losses[1][losses[1].len() - 1]);
    assert!(first.1 < plot.top + 0.2 * (plot.bottom - plot.top) && last.1 > first.1 + 150.0);
    // Accuracy dashed (many pieces), rising to the top of its 0–1 axis.
    let accuracy = polylines(&svg, light().grad_w);
    assert!(accuracy.len() > 20, "{} dashes", accuracy.len());
    let in_plot = accuracy
        .iter()
        .flatten()
        .filter(|&&(x, y)| plot.holds(x, y));
    let highest = in_plot.map(|p| p.1).fold(f64::MAX, f64::min);
    assert!(
        (highest - plot.top).abs() < 3.0,
        "{highest} vs {}",
        plot.top
    );
}

#[test]
fn a_loss_within_a_decade_stays_linear_from_zero() {
    let steps: Vec<u64> = (0..50).collect();
    let loss: Vec<f64> = steps.iter().map(|&s| 0.9 - 0.01 * s as f64).collect();
    let run = Training::without_accuracy(steps, loss);
    let svg = render_loss(&run.history(false, None), SIZE);
    assert!(has_text(&svg, "loss") && !has_text(&svg, "loss (log scale)"));
    assert!(!has_text(&svg, "accuracy (right axis)") && !has_text(&svg, "accuracy"));
    let plot = PlotBox::find(&svg, light().axis);
    let (_, zero_y) = text_at(&svg, "0");
    assert!(
        zero_y > plot.bottom - 2.0 * 12.0,
        "0 at the bottom: {zero_y} vs {}",
        plot.bottom
    );
}

#[test]
fn a_diverged_run_is_marked_where_it_stopped() {
    let run = diverging();
    let history = run.history(false, Some(1500));
    let svg = render_loss(&history, SIZE);
    assert!(has_text(&svg, "diverged at step 1500"));
    assert!(has_text(&svg, "diverged: NaN or ±∞"));
    let plot = PlotBox::find(&svg, light().axis);
    // A dashed vertical line at step 1500 (the right edge) from the top to the bottom …
    let dashes = polylines(&svg, light().non_finite);
    assert!(dashes.len() > 10);
    assert!(dashes
        .iter()
        .flatten()
        .all(|&(x, _)| (x - plot.right).abs() <= 1.0));
    let ys: Vec<f64> = dashes.iter().flatten().map(|p| p.1).collect();
    assert!(ys.iter().copied().fold(f64::MAX, f64::min) <= plot.top + 1.0);
    assert!(ys.iter().copied().fold(0.0, f64::max) >= plot.bottom - 10.0);
    // … a ✕ on the top edge at the NaN (two strokes), besides the legend's ✕.
    let crosses = with_attr(&elements(&svg, "line"), "stroke", &hex(light().non_finite)).len();
    assert_eq!(crosses, 2 * 2);
    // The loss line stops before the NaN: every point is finite and inside.
    let losses = polylines(&svg, light().delta);
    assert!(losses[1].iter().all(|&(x, y)| plot.holds(x, y)));
    assert_eq!(losses[1].len(), run.steps.len() - 1);
}

#[test]
fn long_histories_are_thinned_but_keep_their_spikes() {
    let steps: Vec<u64> = (0..100_000).collect();
    let mut loss: Vec<f64> = steps
        .iter()
        .map(|&s| 0.7 * (-(s as f64) / 3e4).exp() + 0.05)
        .collect();
    loss[53_211] = 50.0;
    let run = Training::without_accuracy(steps, loss);
    let svg = render_loss(&run.history(false, None), SIZE);
    let plot = PlotBox::find(&svg, light().axis);
    let line = &polylines(&svg, light().delta)[1];
    assert!(
        line.len() as f64 <= (plot.right - plot.left) / 2.0 + 2.0,
        "{} points",
        line.len()
    );
    // The spike to 50 still reaches above the "10" grid line; nothing else comes near.
    let (_, ten) = text_at(&svg, "10");
    let spikes: Vec<&(f64, f64)> = line.iter().filter(|p| p.1 < ten).collect();
    assert_eq!(spikes.len(), 1);
    let spike_x = plot.left + (plot.right - plot.left) * 53_211.0 / 99_999.0;
    assert!((spikes[0].0 - spike_x).abs() <= 1.0);
}

// ---- gradient heatmap ----

/// The heatmap of `gradient_norms(layers, snapshots, nan_from)` after `edit`.
fn heatmap_svg(
    layers: usize,
    snapshots: usize,
    nan_from: usize,
    edit: impl FnOnce(&mut Vec<f64>),
) -> String {
    let mut norms = gradient_norms(layers, snapshots, nan_from);
    edit(&mut norms.values);
    render(SIZE, |root| {
        draw_heatmap(root, &norms.series(), &PlotStyle::light())
    })
}

/// The cells: filled rectangles inside the plotting area.
fn cells(svg: &str) -> Vec<Rect> {
    let plot = PlotBox::find(svg, light().axis);
    filled_rects(svg)
        .into_iter()
        .skip(1) // the background
        .filter(|rect| plot.holds_rect(rect))
        .collect()
}

/// Cells tile their bounding box: no gaps, no overlaps.
fn assert_tiled(cells: &[Rect]) {
    let left = cells.iter().map(|c| c.x).fold(f64::MAX, f64::min);
    let top = cells.iter().map(|c| c.y).fold(f64::MAX, f64::min);
    let right = cells.iter().map(|c| c.x + c.width).fold(0.0, f64::max);
    let bottom = cells.iter().map(|c| c.y + c.height).fold(0.0, f64::max);
    let area: f64 = cells.iter().map(|c| c.width * c.height).sum();
    assert_eq!(
        area,
        (right - left) * (bottom - top),
        "the cells leave gaps or overlap"
    );
}

fn distinct(values: impl Iterator<Item = f64>) -> usize {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    values.dedup();
    values.len()
}

#[test]
fn every_layer_and_step_gets_a_cell() {
    let svg = heatmap_svg(12, 20, usize::MAX, |_| {});
    let cells = cells(&svg);
    assert_eq!(cells.len(), 12 * 20);
    assert_eq!(distinct(cells.iter().map(|c| c.x)), 20);
    assert_eq!(distinct(cells.iter().map(|c| c.y)), 12);
    assert_tiled(&cells);
    // The smallest value (layer 1) is the dark end of viridis, the largest the bright end, in
    // the readout's row at the top.
    let plot = PlotBox::find(&svg, light().axis);
    let bright: Vec<&Rect> = cells
        .iter()
        .filter(|c| c.fill == hex(viridis_at(1.0)))
        .collect();
    assert_eq!(bright.len(), 1);
    assert!((bright[0].y - plot.top).abs() <= 1.0);
    assert!(cells.iter().any(|c| c.fill == hex(viridis_at(0.0))));
    // Axis: the readout is "out" at the top, layer 1 at the bottom, and the title says which
    // end is which.
    assert!(text_at(&svg, "out").1 < text_at(&svg, "1").1);
    assert!(has_text(&svg, "layer (input → output)"));
}

fn viridis_at(t: f64) -> plotters::style::RGBColor {
    super::colour::viridis(t)
}

#[test]
fn zero_and_nan_cells_get_their_own_colours_explained_in_the_legend() {
    let svg = heatmap_svg(12, 200, 170, |_| {});
    let cells = cells(&svg);
    assert_eq!(cells.len(), 12 * 200);
    let count = |colour| cells.iter().filter(|c| c.fill == hex(colour)).count();
    // Layer 1 is exactly 0 for 40 snapshots; everything is NaN for the last 30.
    assert_eq!(count(light().zero_cell), 40);
    assert_eq!(count(light().non_finite), 12 * 30);
    // The legend, right of the plot, shows both colours with their meaning.
    let plot = PlotBox::find(&svg, light().axis);
    for (colour, label) in [
        (light().zero_cell, "exactly 0"),
        (light().non_finite, "NaN or ±∞"),
    ] {
        let swatches = filled_rects(&svg)
            .into_iter()
            .filter(|r| r.fill == hex(colour) && r.x > plot.right)
            .count();
        assert_eq!(swatches, 1, "{label}");
        assert!(text_at(&svg, label).0 > plot.right);
    }
}

#[test]
fn the_colour_bar_runs_dark_to_bright_with_decade_ticks_over_the_data() {
    let svg = heatmap_svg(12, 100, usize::MAX, |_| {});
    assert!(has_text(&svg, "‖∂L/∂W‖ (colour, log scale)"));
    let plot = PlotBox::find(&svg, light().axis);
    // The data run from ~1e-8 to ~0.2: the bar labels every decade in between, right of the plot.
    for label in ["1e-7", "1e-5", "1e-3", "1e-2", "0.1"] {
        assert!(text_at(&svg, label).0 > plot.right, "{label}");
    }
    // 64 strips, bright at the top, dark at the bottom, from the plot's top edge down.
    let mut strips: Vec<Rect> = filled_rects(&svg)
        .into_iter()
        .filter(|r| r.x > plot.right && r.width == 14.0)
        .collect();
    strips.sort_by(|a, b| a.y.total_cmp(&b.y));
    assert_eq!(strips.len(), 64);
    assert_eq!(strips[0].fill, hex(viridis_at(63.5 / 64.0)));
    assert_eq!(strips[63].fill, hex(viridis_at(0.5 / 64.0)));
    assert_eq!(strips[0].y, plot.top);
    // Ticks go up the bar in order of value: 1e-7 below 1e-5 below 0.1.
    let y = |label| text_at(&svg, label).1;
    assert!(y("1e-7") > y("1e-5") && y("1e-5") > y("0.1"));
}

#[test]
fn long_runs_of_deep_networks_are_downsampled_within_budget_and_keep_their_nans() {
    let svg = heatmap_svg(200, 3000, usize::MAX, |values| {
        values[1234 * 200 + 99] = f64::NAN
    });
    let cells = cells(&svg);
    let (columns, rows) = (
        distinct(cells.iter().map(|c| c.x)),
        distinct(cells.iter().map(|c| c.y)),
    );
    assert_eq!(cells.len(), rows * columns, "a full grid");
    assert!(
        cells.len() <= 4096 && cells.len() > 2048,
        "{rows} × {columns}"
    );
    assert!(rows < 200 && columns < 3000);
    assert_tiled(&cells);
    // One NaN among 600 000 values still shows: one cell, never averaged away.
    assert_eq!(
        cells
            .iter()
            .filter(|c| c.fill == hex(light().non_finite))
            .count(),
        1
    );
}

// ---- update:data ratio ----

fn ratio_svg(layers: usize, snapshots: usize, edit: impl FnOnce(&mut Vec<f64>)) -> String {
    let mut ratios = update_ratios(layers, snapshots);
    edit(&mut ratios.values);
    render(SIZE, |root| {
        draw_update_ratio(root, &ratios.series(), &PlotStyle::light())
    })
}

#[test]
fn the_reference_line_sits_at_one_thousandth_and_is_labelled() {
    let svg = ratio_svg(10, 400, |_| {});
    assert!(has_text(&svg, "1e-3: healthy (Karpathy)"));
    assert!(has_text(&svg, "update:data ratio (log scale)"));
    assert!(has_text(&svg, "layer: input → output"));
    let plot = PlotBox::find(&svg, light().axis);
    // Dashes in the text colour across the whole plot, all at the height of the 1e-3 tick.
    let dashes: Vec<Vec<(f64, f64)>> = polylines(&svg, light().text)
        .into_iter()
        .filter(|dash| dash.iter().all(|&(x, y)| plot.holds(x, y)))
        .collect();
    assert!(dashes.len() > 30, "{} dashes", dashes.len());
    let (_, tick_y) = text_at(&svg, "1e-3");
    assert!(dashes
        .iter()
        .flatten()
        .all(|&(_, y)| (y - tick_y).abs() <= 1.0));
    let xs: Vec<f64> = dashes.iter().flatten().map(|p| p.0).collect();
    assert!(xs.iter().copied().fold(f64::MAX, f64::min) <= plot.left + 1.0);
    assert!(xs.iter().copied().fold(0.0, f64::max) >= plot.right - 10.0);
}

#[test]
fn each_layer_gets_a_line_coloured_by_depth() {
    let svg = ratio_svg(10, 400, |_| {});
    let (low, high) = light().line_ramp;
    let colour = |layer: usize| viridis_at(low + (high - low) * layer as f64 / 9.0);
    let plot = PlotBox::find(&svg, light().axis);
    for layer in 0..10 {
        let lines = polylines(&svg, colour(layer));
        assert_eq!(lines.len(), 1, "layer {}", layer + 1);
        assert!(lines[0].len() > 100 && lines[0].iter().all(|&(x, y)| plot.holds(x, y)));
    }
    // The legend's ramp runs the same colours, input (left) to output (right).
    let ramp: Vec<Rect> = filled_rects(&svg)
        .into_iter()
        .skip(1)
        .filter(|r| r.y < plot.top)
        .collect();
    assert_eq!(ramp.first().map(|r| r.fill.clone()), Some(hex(colour(0))));
    assert_eq!(ramp.last().map(|r| r.fill.clone()), Some(hex(colour(9))));
}

#[test]
fn deep_networks_draw_a_spread_of_layers_within_a_point_budget() {
    let svg = ratio_svg(200, 2000, |_| {});
    // Layer lines are the only thin polylines of more than two points.
    let lines: Vec<usize> = elements(&svg, "polyline")
        .iter()
        .filter(|line| line["stroke-width"] == "1")
        .map(|line| line["points"].split_whitespace().count())
        .filter(|&points| points > 2)
        .collect();
    assert_eq!(lines.len(), 48);
    let points: usize = lines.iter().sum();
    assert!(points <= 6000, "{points} points");
    // The first layer and the readout are among them.
    let (low, high) = light().line_ramp;
    assert_eq!(polylines(&svg, viridis_at(low)).len(), 1);
    assert_eq!(polylines(&svg, viridis_at(high)).len(), 1);
}

#[test]
fn nan_and_zero_ratios_are_marked_on_the_edges_once_per_stretch() {
    // A NaN at snapshot 50, NaN everywhere from 80 on, and one exact 0 at snapshot 20.
    let svg = ratio_svg(10, 100, |values| {
        values[50 * 10 + 3] = f64::NAN;
        values[80 * 10..].fill(f64::NAN);
        values[20 * 10] = 0.0;
    });
    assert!(has_text(&svg, "NaN or ±∞") && has_text(&svg, "exactly 0"));
    let plot = PlotBox::find(&svg, light().axis);
    let lines = elements(&svg, "line");
    let crosses = with_attr(&lines, "stroke", &hex(light().non_finite));
    let in_plot: Vec<f64> = crosses
        .iter()
        .filter(|l| number(l, "y1") > plot.top - 1.0)
        .map(|l| (number(l, "x1") + number(l, "x2")) / 2.0)
        .collect();
    // Two stretches, two ✕ (of two strokes each) on the top edge, where each stretch starts.
    assert_eq!(in_plot.len(), 2 * 2, "{in_plot:?}");
    let step_x = |snapshot: f64| plot.left + (plot.right - plot.left) * snapshot / 99.0;
    for (centre, snapshot) in in_plot.chunks(2).map(|c| c[0]).zip([50.0, 80.0]) {
        assert!(
            (centre - step_x(snapshot)).abs() <= 1.0,
            "{centre} vs {}",
            step_x(snapshot)
        );
    }
    let polygons = elements(&svg, "polygon");
    let zeros = with_attr(&polygons, "fill", &hex(light().text));
    let tips: Vec<f64> = zeros
        .iter()
        .map(|z| polygon_ys(z).into_iter().fold(0.0, f64::max))
        .collect();
    assert_eq!(
        tips.iter()
            .filter(|&&tip| (tip - plot.bottom).abs() <= 1.0)
            .count(),
        1
    );
}

// ---- histograms ----

fn tanh_only(counts: &[u32], log_counts: bool) -> Histograms<'_> {
    Histograms {
        panels: vec![HistogramPanel {
            title: "tanh output a, layer 3".to_owned(),
            histogram: Histogram {
                low: -1.0,
                high: 1.0,
                counts,
                non_finite: 0,
            },
            saturation: Some(Saturation::TANH),
        }],
        log_counts,
    }
}

fn histogram_svg(histograms: &Histograms, size: (u32, u32)) -> String {
    render(size, |root| {
        draw_histograms(root, histograms, &PlotStyle::light())
    })
}

fn bars(svg: &str) -> Vec<Rect> {
    let plot = PlotBox::find(svg, light().axis);
    let colours = [hex(light().delta), hex(light().grad_w)];
    let mut bars: Vec<Rect> = filled_rects(svg)
        .into_iter()
        .filter(|r| colours.contains(&r.fill) && plot.holds_rect(r))
        .collect();
    bars.sort_by(|a, b| a.x.total_cmp(&b.x));
    bars
}

#[test]
fn bars_are_as_tall_as_their_counts_and_saturated_tails_stand_out() {
    let counts = tanh_counts();
    let svg = histogram_svg(&tanh_only(&counts, false), SIZE);
    let plot = PlotBox::find(&svg, light().axis);
    let bars = bars(&svg);
    assert_eq!(bars.len(), 40);
    for (bar, &count) in bars.iter().zip(&counts) {
        assert!(
            (bar.y + bar.height - plot.bottom).abs() <= 1.0,
            "bars stand on the axis"
        );
        let expected = f64::from(count) / f64::from(counts[0]) * bars[0].height;
        assert!(
            (bar.height - expected).abs() <= 1.5,
            "{count}: {} vs {expected}",
            bar.height
        );
    }
    // The end bins (centres ±0.975) are saturated, |a| > 0.97: the warning colour; the rest not.
    let saturated: Vec<usize> = (0..40)
        .filter(|&i| bars[i].fill == hex(light().grad_w))
        .collect();
    assert_eq!(saturated, [0, 39]);
    assert!(has_text(&svg, "saturated: |a| > 0.97"));
    // The tails beyond ±0.97 are shaded from the plot's edges, and dashed lines mark ±0.97.
    let shaded: Vec<Rect> = filled_rects(&svg)
        .into_iter()
        .filter(|r| r.fill == hex(light().readout_band))
        .collect();
    assert_eq!(shaded.len(), 2);
    let width = plot.right - plot.left;
    for band in &shaded {
        assert!((band.width - 0.015 * width).abs() <= 2.0, "{band:?}");
    }
    assert!(polylines(&svg, light().grad_w).len() > 10);
}

#[test]
fn log_counts_keep_single_values_visible() {
    let mut counts = vec![0u32; 40];
    counts[5] = 1;
    counts[20] = 10_000;
    let svg = histogram_svg(&tanh_only(&counts, true), SIZE);
    assert!(has_text(&svg, "count (log scale)"));
    assert!(has_text(&svg, "1e3") && has_text(&svg, "1"));
    let bars = bars(&svg);
    assert_eq!(bars.len(), 2, "empty bins have no bar");
    // 10 000 is 4 decades above 1: its bar is far taller, but the single count is visible.
    assert!(bars[0].height >= 3.0 && bars[1].height > 10.0 * bars[0].height);
}

#[test]
fn panels_sit_side_by_side_when_wide_and_stack_when_narrow() {
    let (tanh, gradients) = (tanh_counts(), gradient_counts());
    let shown = histograms(&tanh, &gradients, false);
    let wide = histogram_svg(&shown, (720, 360));
    let narrow = histogram_svg(&shown, (360, 620));
    let (first, second) = ("tanh output a, layer 3", "gradient ∂L/∂a, layer 3");
    let (w1, w2) = (text_at(&wide, first), text_at(&wide, second));
    assert!(w1.1 == w2.1 && w2.0 > w1.0 + 300.0);
    let (n1, n2) = (text_at(&narrow, first), text_at(&narrow, second));
    assert!((n1.0 - n2.0).abs() < 10.0 && n2.1 > n1.1 + 250.0);
    assert_eq!(super::histogram::panel_columns(2, 720.0), 2);
    assert_eq!(super::histogram::panel_columns(2, 500.0), 1);
    assert_eq!(super::histogram::panel_columns(3, 900.0), 3);
    assert_eq!(super::histogram::panel_columns(3, 600.0), 2);
    // The gradient panel reports the values no bin holds, in the warning colour.
    for svg in [&wide, &narrow] {
        let note = "12 values NaN or ±∞, not shown";
        let element = placed_texts(svg)
            .into_iter()
            .position(|(t, _, _)| t == note)
            .unwrap();
        assert_eq!(
            elements(svg, "text")[element]["fill"],
            hex(light().non_finite)
        );
    }
}

// ---- decision boundary ----

fn boundary_svg(boundary: &Boundary, size: (u32, u32)) -> String {
    render(size, |root| {
        draw_decision_boundary(root, boundary, &PlotStyle::light())
    })
}

#[test]
fn the_grid_fills_the_plot_and_the_points_sit_on_top() {
    let plane = plane();
    let svg = boundary_svg(&boundary(&plane), (480, 440));
    let plot = PlotBox::find(&svg, light().axis);
    let cells: Vec<Rect> = filled_rects(&svg)
        .into_iter()
        .skip(1)
        .filter(|r| plot.holds_rect(r))
        .collect();
    assert_tiled(&cells);
    let (left, top) = (
        cells.iter().map(|c| c.x).fold(f64::MAX, f64::min),
        cells.iter().map(|c| c.y).fold(f64::MAX, f64::min),
    );
    assert!((left - plot.left).abs() <= 1.0 && (top - plot.top).abs() <= 1.0);
    // Runs of equal colour merge: fewer rectangles than cells, at least one per row.
    assert!(
        cells.len() < GRID * GRID && cells.len() >= GRID,
        "{}",
        cells.len()
    );
    // 150 points per class (+ the legend's), filled in their class colour, outlined, inside.
    for class in [light().class_0, light().class_1] {
        let points = with_attr(&elements(&svg, "circle"), "fill", &hex(class)).len();
        assert_eq!(points, 151);
    }
    let circles = elements(&svg, "circle");
    let outlines = with_attr(&circles, "stroke", &hex(light().background));
    assert_eq!(outlines.len(), 302);
    for circle in &outlines[2..] {
        assert!(plot.holds(number(circle, "cx"), number(circle, "cy")));
    }
    // Every point (fill and outline) comes after the last cell in the drawing: on top.
    let after_cells = &svg[svg.rfind("<rect").unwrap()..];
    assert_eq!(after_cells.matches("<circle").count(), 2 * 300);
    for label in ["class 0", "class 1", "P(class 1): 0 → 1", "x₁", "x₂"] {
        assert!(has_text(&svg, label), "{label}");
    }
}

#[test]
fn data_coordinates_have_equal_scales_on_both_axes() {
    let probability = vec![0.5; 4 * 4];
    let wide = Boundary {
        resolution: 4,
        x_range: [-4.0, 4.0],
        y_range: [-1.0, 1.0],
        probability: &probability,
        inputs: &[],
        labels: &[],
    };
    let svg = boundary_svg(&wide, (600, 500));
    let plot = PlotBox::find(&svg, light().axis);
    let aspect = (plot.right - plot.left) / (plot.bottom - plot.top);
    assert!((aspect - 4.0).abs() < 0.1, "{aspect}");
}

#[test]
fn probabilities_colour_the_cells_by_class_with_nan_apart() {
    let colours = light();
    let probability = [0.0, 0.5, 1.0, f64::NAN];
    let grid = Boundary {
        resolution: 2,
        x_range: [0.0, 1.0],
        y_range: [0.0, 1.0],
        probability: &probability,
        inputs: &[0.25, 0.25, 0.75, 0.75, 9.0, 9.0],
        labels: &[0, 1, 1],
    };
    let svg = boundary_svg(&grid, (400, 400));
    let plot = PlotBox::find(&svg, colours.axis);
    let cells: Vec<Rect> = filled_rects(&svg)
        .into_iter()
        .skip(1)
        .filter(|r| plot.holds_rect(r))
        .collect();
    assert_eq!(cells.len(), 4);
    // Row by row from the lowest y: bottom-left certain class 0, bottom-right undecided (the
    // background), top-left certain class 1, top-right NaN.
    let at = |left: bool, bottom: bool| {
        cells
            .iter()
            .find(|c| {
                let (x, y) = (c.x + c.width / 2.0, c.y + c.height / 2.0);
                (x < (plot.left + plot.right) / 2.0) == left
                    && (y > (plot.top + plot.bottom) / 2.0) == bottom
            })
            .unwrap()
            .fill
            .clone()
    };
    assert_eq!(
        at(true, true),
        hex(super::colour::class_fill(0.0, &colours))
    );
    assert_eq!(at(false, true), hex(colours.background));
    assert_eq!(
        at(true, false),
        hex(super::colour::class_fill(1.0, &colours))
    );
    assert_eq!(at(false, false), hex(colours.non_finite));
    // The point outside the grid is not drawn over the axes.
    assert_eq!(
        with_attr(
            &elements(&svg, "circle"),
            "stroke",
            &hex(colours.background)
        )
        .len(),
        2 + 2
    );
}

#[test]
fn probability_levels_are_fine_enough_and_nan_is_its_own() {
    use super::boundary::level;
    assert_eq!(level(0.0), Some(0));
    assert_eq!(level(0.5), Some(32));
    assert_eq!(level(1.0), Some(64));
    assert_eq!(level(1.7), Some(64));
    assert_eq!(level(f64::NAN), None);
    // Neighbouring levels differ by 1/64 in probability: nearly equal cells merge, a visible
    // difference does not.
    assert_eq!(level(0.70), level(0.705));
    assert_ne!(level(0.70), level(0.72));
}

// ---- all charts ----

/// Draws at a roomy, a cramped and a tiny size; never an error or a panic.
fn survives(
    what: &str,
    draw: impl for<'a> Fn(&DrawingArea<SVGBackend<'a>, Shift>) -> DrawResult<(), SVGBackend<'a>>,
) {
    for size in [SIZE, (120, 90), (60, 40)] {
        let svg = render(size, &draw);
        assert!(svg.contains("<rect"), "{what} at {size:?}");
    }
}

#[test]
fn every_chart_survives_empty_short_and_absurd_data() {
    let style = PlotStyle::light();
    let nan = [f64::NAN; 6];
    let losses = [
        (&[][..], &[][..], Some(&[][..]), None),
        (&[1, 2, 3], &nan[..], Some(&nan[..1]), Some(0)),
        (&[7], &[0.0], None, None),
    ];
    for (steps, loss, accuracy, diverged_at) in losses {
        let history = LossHistory {
            steps,
            loss,
            accuracy,
            diverged_at,
        };
        survives("loss", |root| draw_loss(root, &history, &style));
    }
    let per_layer = [
        (&[][..], 0, &[][..]),
        (&[1, 2, 3], 4, &nan[..]),
        (&[5], 3, &[0.0, -1.0, f64::INFINITY][..]),
        (&[], 3, &nan[..]),
    ];
    for (steps, layers, values) in per_layer {
        let series = LayerSeries {
            quantity: "",
            steps,
            layers,
            values,
        };
        survives("heatmap", |root| draw_heatmap(root, &series, &style));
        survives("ratio", |root| draw_update_ratio(root, &series, &style));
    }
    let broken_panel = HistogramPanel {
        title: String::new(),
        histogram: Histogram {
            low: f64::NAN,
            high: -3.0,
            counts: &[],
            non_finite: 3,
        },
        saturation: Some(Saturation::SIGMOID),
    };
    for panels in [vec![], vec![broken_panel]] {
        let shown = Histograms {
            panels,
            log_counts: true,
        };
        survives("histograms", |root| draw_histograms(root, &shown, &style));
    }
    let boundaries = [
        (5, [f64::NAN, 1.0], [2.0, 2.0], &nan[..], &[1.0f32][..]),
        (0, [0.0, 1.0], [0.0, 1.0], &[], &[]),
    ];
    for (resolution, x_range, y_range, probability, inputs) in boundaries {
        let boundary = Boundary {
            resolution,
            x_range,
            y_range,
            probability,
            inputs,
            labels: &[],
        };
        survives("boundary", |root| {
            draw_decision_boundary(root, &boundary, &style)
        });
    }
}

#[test]
fn dark_mode_colours_every_chart_dark() {
    let (dark, light) = (PlotStyle::dark(), PlotStyle::light());
    let run = training();
    let norms = gradient_norms(6, 50, 45);
    let series = norms.series();
    let (tanh, gradients) = (tanh_counts(), gradient_counts());
    let plane = plane();
    let history = run.history(true, Some(2990));
    let shown = histograms(&tanh, &gradients, true);
    let boundary = boundary(&plane);
    let svgs = [
        render(SIZE, |root| draw_loss(root, &history, &dark)),
        render(SIZE, |root| draw_heatmap(root, &series, &dark)),
        render(SIZE, |root| draw_update_ratio(root, &series, &dark)),
        render(SIZE, |root| draw_histograms(root, &shown, &dark)),
        render(SIZE, |root| draw_decision_boundary(root, &boundary, &dark)),
    ];
    for svg in &svgs {
        assert_eq!(filled_rects(svg)[0].fill, hex(dark.colours.background));
        // (The light theme's text colour is the dark theme's background.)
        for colour in [
            light.colours.background,
            light.colours.grid,
            light.colours.delta,
            light.colours.non_finite,
        ] {
            assert!(
                !svg.contains(&hex(colour)),
                "a light colour {} in the dark chart",
                hex(colour)
            );
        }
    }
    assert!(
        svgs[1].contains(&hex(dark.colours.non_finite))
            && svgs[1].contains(&hex(dark.colours.zero_cell))
    );
}

#[test]
fn charts_scale_with_the_pixel_ratio() {
    let norms = gradient_norms(8, 30, usize::MAX);
    let series = norms.series();
    let single = render(SIZE, |root| {
        draw_update_ratio(root, &series, &PlotStyle::light())
    });
    let double = render((SIZE.0 * 2, SIZE.1 * 2), |root| {
        draw_update_ratio(root, &series, &PlotStyle::light().scaled(2.0))
    });
    assert_eq!(
        texts(&single),
        texts(&double),
        "the same labels at both scales"
    );
    let font_sizes = |svg: &str| -> Vec<f64> {
        elements(svg, "text")
            .iter()
            .map(|t| number(t, "font-size"))
            .collect()
    };
    for (s, d) in font_sizes(&single).iter().zip(font_sizes(&double)) {
        assert!((d - 2.0 * s).abs() < 1e-9);
    }
}

/// Writes every chart, light and dark, to `target/chart-*.svg` for a person to look at.
#[test]
fn write_previews() {
    let run = training();
    let broken = diverging();
    let per_layer = [
        ("heatmap", gradient_norms(12, 200, 170)),
        ("heatmap-deep", gradient_norms(200, 3000, 2500)),
        ("ratio", update_ratios(10, 400)),
        ("ratio-deep", update_ratios(200, 3000)),
    ];
    let (tanh, gradients) = (tanh_counts(), gradient_counts());
    let plane = plane();
    for (theme, style) in [("light", PlotStyle::light()), ("dark", PlotStyle::dark())] {
        let preview =
            |name: &str, svg: String| write_preview(&format!("chart-{name}-{theme}"), &svg);
        let history = run.history(true, None);
        preview(
            "loss",
            render(SIZE, |root| draw_loss(root, &history, &style)),
        );
        let history = broken.history(false, Some(1500));
        preview(
            "loss-diverged",
            render(SIZE, |root| draw_loss(root, &history, &style)),
        );
        for (name, data) in &per_layer {
            let series = data.series();
            let svg = render(SIZE, |root| {
                if name.starts_with("heatmap") {
                    draw_heatmap(root, &series, &style)
                } else {
                    draw_update_ratio(root, &series, &style)
                }
            });
            preview(name, svg);
        }
        let shown = histograms(&tanh, &gradients, false);
        preview(
            "histograms",
            render(SIZE, |root| draw_histograms(root, &shown, &style)),
        );
        let shown = histograms(&tanh, &gradients, true);
        preview(
            "histograms-log",
            render((360, 520), |root| draw_histograms(root, &shown, &style)),
        );
        let plane = boundary(&plane);
        preview(
            "boundary",
            render((480, 440), |root| {
                draw_decision_boundary(root, &plane, &style)
            }),
        );
    }
}
