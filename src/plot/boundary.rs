//! The decision boundary of a 2-D, two-class dataset: the network's P(class 1) over a grid as
//! filled cells, the data on top, in data coordinates with equal scales on both axes.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::colour::class_fill;
use super::downsample::runs;
use super::frame::{frame, Axes, Axis, DrawResult};
use super::legend::{draw_header, draw_marker, LegendEntry, Marker, Paint, Swatch};
use super::style::PlotStyle;

/// Probability levels per class: cells are coloured in 2 × LEVELS + 1 steps, so neighbouring
/// cells of one step merge into one rectangle (differences below 1/64 are not visible).
const LEVELS: f64 = 32.0;
const RAMP_STOPS: usize = 25;

/// What the network predicts over the plane, and the data (the core's `DecisionBoundary` and
/// `Samples`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Boundary<'a> {
    /// The grid has resolution × resolution cells tiling `x_range` × `y_range`.
    pub resolution: usize,
    pub x_range: [f64; 2],
    pub y_range: [f64; 2],
    /// P(class 1) at each cell's centre, row by row from the lowest y, in a row from the lowest x.
    pub probability: &'a [f64],
    /// The data points, x and y interleaved (as `Samples::inputs`).
    pub inputs: &'a [f32],
    /// Each point's class, 0 or 1.
    pub labels: &'a [usize],
}

/// A cell's colour step: `Some(0)` certain class 0, `Some(2 × LEVELS)` certain class 1,
/// `None` NaN.
pub(crate) fn level(probability: f64) -> Option<u8> {
    probability
        .is_finite()
        .then(|| (probability.clamp(0.0, 1.0) * 2.0 * LEVELS).round() as u8)
}

/// The probability a level is drawn with.
fn level_probability(level: Option<u8>) -> f64 {
    level.map_or(f64::NAN, |level| f64::from(level) / (2.0 * LEVELS))
}

/// A range for an axis: the given one when it is usable, else −1…1.
fn usable([lo, hi]: [f64; 2]) -> std::ops::Range<f64> {
    if lo.is_finite() && hi.is_finite() && lo < hi {
        lo..hi
    } else {
        -1.0..1.0
    }
}

/// Draws the probability grid (class-0 colour below ½, class-1 colour above, the background at
/// ½ where the boundary is) and the data points on top in full colour with an outline.
pub fn draw_decision_boundary<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    boundary: &Boundary,
    style: &PlotStyle,
) -> DrawResult<(), DB> {
    let colours = &style.colours;
    let point = |class: RGBColor| Paint {
        colour: class.to_rgba(),
        filled: true,
        outline: Some(colours.background),
    };
    let ramp = (0..RAMP_STOPS)
        .map(|i| class_fill(i as f64 / (RAMP_STOPS - 1) as f64, colours))
        .collect();
    let entries = [
        LegendEntry::new(
            Swatch::Marker(Marker::Circle, point(colours.class_0)),
            style.words().plot.class_0,
        ),
        LegendEntry::new(
            Swatch::Marker(Marker::Circle, point(colours.class_1)),
            style.words().plot.class_1,
        ),
        LegendEntry::new(Swatch::Ramp(ramp), style.words().plot.class_1_probability),
    ];
    let body = draw_header(root, &entries, None, style)?;

    let (x_range, y_range) = (usable(boundary.x_range), usable(boundary.y_range));
    let mut axes = Axes::new(
        Axis::linear(x_range.clone(), "x₁", false),
        Axis::linear(y_range.clone(), "x₂", false),
    );
    axes.equal_aspect = true;
    let Some(mut frame) = frame(&body, axes, style)? else {
        return Ok(());
    };
    let area = frame.chart.plotting_area();
    let n = boundary.resolution;
    let cell = |range: &std::ops::Range<f64>, i: usize| {
        range.start + (range.end - range.start) * i as f64 / n as f64
    };
    let rows = boundary
        .probability
        .len()
        .checked_div(n)
        .map_or(0, |rows| rows.min(n));
    for row in 0..rows {
        let levels: Vec<Option<u8>> = boundary.probability[row * n..(row + 1) * n]
            .iter()
            .map(|&p| level(p))
            .collect();
        for (columns, level) in runs(&levels) {
            let corners = [
                (cell(&x_range, columns.start), cell(&y_range, row)),
                (cell(&x_range, columns.end), cell(&y_range, row + 1)),
            ];
            let fill = class_fill(level_probability(level), colours);
            area.draw(&Rectangle::new(corners, fill.filled()))?;
        }
    }
    frame.draw_mesh(false, style)?;

    let area = frame.chart.plotting_area();
    let inside = |x: f64, y: f64| x_range.contains(&x) && y_range.contains(&y);
    for (xy, &label) in boundary.inputs.chunks_exact(2).zip(boundary.labels) {
        let (x, y) = (f64::from(xy[0]), f64::from(xy[1]));
        if inside(x, y) {
            let class = if label == 0 {
                colours.class_0
            } else {
                colours.class_1
            };
            draw_marker(area, (x, y), (0, 0), Marker::Circle, point(class), style)?;
        }
    }
    Ok(())
}
