//! The heatmap of a per-layer quantity (‖∂L/∂W‖) over training steps: step on x, layer on y
//! (input at the bottom, the readout "out" at the top), log colour scale with a legend bar.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontTransform;

use super::colour::{viridis, LogColourScale};
use super::downsample::{buckets, cell_grid, column_edges, log_mean};
use super::frame::{font, frame, stroke, Axes, Axis, DrawResult, AXIS_FONT, PADDING, TICK_FONT};
use super::layout::{label_capacity, text_width, widest_label};
use super::scale::Placement;
use super::style::PlotStyle;
use crate::tr;

/// Cells drawn at most: each is a rectangle on every redraw.
const MAX_CELLS: usize = 4096;
/// Smallest cell side in CSS pixels: finer detail is not visible anyway.
const MIN_CELL: f64 = 2.0;
/// Sizes of the legend bar in CSS pixels, and its number of colour strips.
const BAR_WIDTH: f64 = 14.0;
const BAR_STRIPS: usize = 64;
const SPECIAL_ROW: f64 = 20.0;

/// A per-layer quantity over training, as the page collects it from snapshots: `values` holds
/// one snapshot after another, each with its `layers` values from layer 1 (next to the input) to
/// layer `layers` (the readout), so a new snapshot is appended with `extend`. As a matrix it has
/// a row per layer and a column per step. Reads only whole snapshots that have a step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerSeries<'a> {
    /// What the values are, e.g. "‖∂L/∂W‖" or "update:data ratio": titles the colour bar or axis.
    pub quantity: &'a str,
    pub steps: &'a [u64],
    pub layers: usize,
    pub values: &'a [f64],
}

impl LayerSeries<'_> {
    /// Snapshots that are complete and have a step.
    pub fn snapshots(&self) -> usize {
        match self.layers {
            0 => 0,
            layers => self.steps.len().min(self.values.len() / layers),
        }
    }

    /// The value of layer `layer` (0-based here) at snapshot `snapshot`.
    pub(crate) fn value(&self, layer: usize, snapshot: usize) -> f64 {
        self.values[snapshot * self.layers + layer]
    }

    /// Every value that is drawn.
    pub(crate) fn shown(&self) -> &[f64] {
        &self.values[..self.snapshots() * self.layers]
    }

    /// What a block of layers × snapshots shows (see `log_mean`).
    pub(crate) fn block(
        &self,
        layers: std::ops::Range<usize>,
        snapshots: std::ops::Range<usize>,
    ) -> Option<Placement> {
        log_mean(snapshots.flat_map(|s| layers.clone().map(move |l| self.value(l, s))))
    }
}

/// Draws `series` as a heatmap: one cell per layer and snapshot (groups of them on long runs and
/// deep networks, at most `MAX_CELLS`, showing their geometric mean; NaN/±∞ if any member is),
/// coloured by viridis on a log scale. The legend bar at the right has decade ticks and, below
/// it, the colours of exact zeros and NaN/±∞.
pub fn draw_heatmap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    series: &LayerSeries,
    style: &PlotStyle,
) -> DrawResult<(), DB> {
    let colours = &style.colours;
    root.fill(&colours.background)?;
    let (snapshots, layers) = (series.snapshots(), series.layers.max(1));
    let scale = LogColourScale::fit(series.shown().iter().copied());
    let edges = column_edges(&series.steps[..snapshots]);
    let x_range = match (edges.first(), edges.last()) {
        (Some(&first), Some(&last)) => first..last,
        _ => 0.0..1.0,
    };

    // The legend column: bar, ticks and labels, the special colours' labels, the rotated title.
    let tick_px = style.font(TICK_FONT);
    let words = style.words();
    let labels_width = [words.plot.exactly_zero, words.plot.non_finite]
        .iter()
        .map(|label| text_width(label, tick_px))
        .chain([widest_label(&scale.ticks(usize::MAX), tick_px)])
        .max()
        .unwrap_or(0) as i32;
    let pad = style.px(PADDING);
    let legend_width = style.px(BAR_WIDTH + 8.0) + labels_width + style.px(10.0 + AXIS_FONT) + pad;
    let (width, _) = root.dim_in_pixel();
    let (chart_area, _) = root.split_horizontally((width as i32 - legend_width).max(0));

    let axes = Axes::new(Axis::steps(x_range, words), Axis::layers(layers, words));
    let Some(mut frame) = frame(&chart_area, axes, style)? else {
        return Ok(());
    };
    let area = frame.chart.plotting_area();
    let (plot_width, plot_height) = area.dim_in_pixel();
    let min_cell = f64::from(style.stroke(MIN_CELL));
    let fit = |pixels: u32| (f64::from(pixels) / min_cell) as usize;
    let (rows, columns) = cell_grid(
        series.layers,
        snapshots,
        (fit(plot_height), fit(plot_width)),
        MAX_CELLS,
    );
    let column_groups = buckets(snapshots, columns);
    for rows in buckets(series.layers, rows) {
        let (bottom, top) = (rows.start as f64 + 0.5, rows.end as f64 + 0.5);
        for group in &column_groups {
            let Some(placement) = series.block(rows.clone(), group.clone()) else {
                continue;
            };
            let corners = [(edges[group.start], bottom), (edges[group.end], top)];
            let fill = scale.colour(placement, colours).filled();
            area.draw(&Rectangle::new(corners, fill))?;
        }
    }
    frame.draw_mesh(false, style)?;

    let (x_pixels, y_pixels) = frame.chart.plotting_area().get_pixel_range();
    let left = x_pixels.end + style.px(PADDING);
    draw_colour_legend(root, &scale, series.quantity, (left, y_pixels), style)
}

/// The legend bar from the plotting area's top down, decade ticks beside it, the zero and
/// NaN/±∞ colours underneath and the quantity's name alongside, rotated.
fn draw_colour_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    scale: &LogColourScale,
    quantity: &str,
    (left, rows): (i32, std::ops::Range<i32>),
    style: &PlotStyle,
) -> DrawResult<(), DB> {
    let colours = &style.colours;
    let bar_width = style.px(BAR_WIDTH);
    let special_row = style.px(SPECIAL_ROW);
    let top = rows.start;
    let bottom = rows.end - 2 * special_row - style.px(6.0);
    if bottom - top < style.px(30.0) {
        return Ok(());
    }
    let strips = BAR_STRIPS as i32;
    for strip in 0..strips {
        let y = |i: i32| bottom - (i * (bottom - top)) / strips;
        let colour = viridis((f64::from(strip) + 0.5) / f64::from(strips));
        let corners = [(left, y(strip + 1)), (left + bar_width, y(strip))];
        root.draw(&Rectangle::new(corners, colour.filled()))?;
    }
    let outline = stroke(colours.axis, 1.0, style);
    root.draw(&Rectangle::new(
        [(left, top), (left + bar_width, bottom)],
        outline,
    ))?;

    let tick_px = style.font(TICK_FONT);
    let label_font = font(style, TICK_FONT, colours.text).pos(Pos::new(HPos::Left, VPos::Center));
    let ticks = scale.ticks(label_capacity(f64::from(bottom - top), tick_px * 2.4));
    let tick_end = left + bar_width + style.px(4.0);
    for (decade, label) in &ticks.labelled {
        let y = scale.pixel(*decade, top, bottom);
        root.draw(&PathElement::new(
            [(left + bar_width, y), (tick_end, y)],
            outline,
        ))?;
        root.draw_text(label, &label_font, (tick_end + style.px(3.0), y))?;
    }

    let half_box = style.px(BAR_WIDTH / 2.0) - style.px(2.0);
    let specials = [
        (colours.zero_cell, style.words().plot.exactly_zero),
        (colours.non_finite, style.words().plot.non_finite),
    ];
    let mut widest = ticks
        .labelled
        .iter()
        .map(|(_, label)| text_width(label, tick_px) as i32)
        .max()
        .unwrap_or(0)
        + tick_end
        + style.px(3.0);
    for (row, (colour, label)) in specials.into_iter().enumerate() {
        let y = bottom + style.px(6.0) + special_row * row as i32 + special_row / 2;
        let centre = left + bar_width / 2;
        let corners = [
            (centre - half_box, y - half_box),
            (centre + half_box, y + half_box),
        ];
        root.draw(&Rectangle::new(corners, colour.filled()))?;
        root.draw(&Rectangle::new(corners, outline))?;
        let x = left + bar_width + style.px(7.0);
        root.draw_text(label, &label_font, (x, y))?;
        widest = widest.max(x + text_width(label, tick_px) as i32);
    }

    let title_font = font(style, AXIS_FONT, colours.text)
        .transform(FontTransform::Rotate270)
        .pos(Pos::new(HPos::Center, VPos::Top));
    let title = tr!(style.words(), plot.colour_log_scale, quantity = quantity);
    root.draw_text(
        &title,
        &title_font,
        (widest + style.px(8.0), (top + bottom) / 2),
    )
}
