//! What every chart's frame shares: fonts, axes with our own ticks, margins and label areas
//! sized to the labels they hold, the mesh, and lines cut at the plotting area's edges.

use std::ops::Range;

use plotters::chart::DualCoordChartContext;
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::layout::{label_capacity, ticks_that_fit, widest_label};
use super::linear::linear_ticks;
use super::scale::{decade_ticks, layer_ticks, visible_runs, AxisTicks, DecadeRange};
use super::style::PlotStyle;
use crate::i18n::Strings;

pub type DrawResult<T, DB> = Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;
pub(crate) type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<TickedAxis, TickedAxis>>;
pub(crate) type PlotArea<DB> = DrawingArea<DB, Cartesian2d<TickedAxis, TickedAxis>>;
pub(crate) type DualChart<'a, DB> = DualCoordChartContext<
    'a,
    DB,
    Cartesian2d<TickedAxis, TickedAxis>,
    Cartesian2d<TickedAxis, TickedAxis>,
>;

// Sizes in CSS pixels.
pub(crate) const TICK_FONT: f64 = 12.0;
pub(crate) const AXIS_FONT: f64 = 13.0;
pub(crate) const PADDING: f64 = 10.0;
const TICK_MARK: f64 = 4.0;
/// A plotting area smaller than this on either side is not drawn: nothing in it would be legible.
const MIN_PLOT: f64 = 40.0;
/// Vertical room per y tick label, in font sizes.
const Y_LABEL_PITCH: f64 = 2.4;
/// Dashes of dashed lines: dash and gap.
pub(crate) const DASH: (f64, f64) = (6.0, 4.0);

pub(crate) fn font(style: &PlotStyle, css: f64, colour: RGBColor) -> TextStyle<'static> {
    let font = (FontFamily::SansSerif, style.font(css)).into_font();
    TextStyle {
        color: colour.to_backend_color(),
        ..TextStyle::from(font)
    }
}

/// A linear axis (layers, steps, values, or decades of a log scale) with our own ticks and
/// labels: plotters' automatic ones would put labels at 3.16e-5 on a log axis.
#[derive(Clone)]
pub(crate) struct TickedAxis {
    linear: RangedCoordf64,
    ticks: AxisTicks,
}

impl TickedAxis {
    pub(crate) fn new(range: Range<f64>, ticks: AxisTicks) -> Self {
        Self {
            linear: range.into(),
            ticks,
        }
    }
}

impl Ranged for TickedAxis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.linear.map(value, limit)
    }

    /// Labelled ticks for the bold grid and the labels, the others for the light grid.
    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.ticks.unlabelled.clone()
        } else {
            self.ticks.positions()
        }
    }

    fn range(&self) -> Range<f64> {
        self.linear.range()
    }
}

impl ValueFormatter<f64> for TickedAxis {
    fn format_ext(&self, value: &f64) -> String {
        self.ticks.label_at(*value)
    }
}

/// One axis of a frame: what it spans, its title, and its ticks for a given number of labels.
pub(crate) struct Axis {
    pub range: Range<f64>,
    pub title: String,
    ticks: Box<dyn Fn(usize) -> AxisTicks>,
}

impl Axis {
    /// A log axis over `decades`.
    pub(crate) fn decades(decades: DecadeRange, title: impl Into<String>) -> Self {
        Self {
            range: decades.as_range(),
            title: title.into(),
            ticks: Box::new(move |n| decade_ticks(decades, n)),
        }
    }

    /// A linear axis; `whole_numbers` never ticks between integers (steps, counts).
    pub(crate) fn linear(range: Range<f64>, title: impl Into<String>, whole_numbers: bool) -> Self {
        Self {
            range: range.clone(),
            title: title.into(),
            ticks: Box::new(move |n| linear_ticks(range.clone(), n, whole_numbers)),
        }
    }

    /// Training steps.
    pub(crate) fn steps(range: Range<f64>, words: &Strings) -> Self {
        Self::linear(range, words.plot.step, true)
    }

    /// Layers 1 to `readout`, one unit each, the readout labelled "out" (in `words`' language).
    pub(crate) fn layers(readout: usize, words: &'static Strings) -> Self {
        Self {
            range: 0.5..readout as f64 + 0.5,
            title: words.plot.layer_axis.to_owned(),
            ticks: Box::new(move |n| layer_ticks(readout, n, words.plot.readout_tick)),
        }
    }
}

/// The axes of a chart. With `equal_aspect` a unit on x is as long as a unit on y (data
/// coordinates of a 2-D dataset), and the plotting area is centred in what is left over.
pub(crate) struct Axes {
    pub x: Axis,
    pub y: Axis,
    pub right: Option<Axis>,
    pub equal_aspect: bool,
}

impl Axes {
    pub(crate) fn new(x: Axis, y: Axis) -> Self {
        Self {
            x,
            y,
            right: None,
            equal_aspect: false,
        }
    }
}

/// A chart with its axes laid out; the mesh is drawn separately so fills can go beneath it.
pub(crate) struct Frame<'a, DB: DrawingBackend> {
    pub chart: Chart<'a, DB>,
    x_axis: TickedAxis,
    right_axis: Option<TickedAxis>,
    titles: [String; 3],
}

/// Lays out `axes` on `area`: label areas as wide as their widest labels, as many ticks as fit.
/// `None` when the area is too small for a legible chart.
pub(crate) fn frame<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    axes: Axes,
    style: &PlotStyle,
) -> DrawResult<Option<Frame<'a, DB>>, DB> {
    let (width, height) = area.dim_in_pixel();
    let tick_px = style.font(TICK_FONT);
    let tick = style.px(TICK_MARK);
    let mut margin = [style.px(8.0), style.px(20.0), style.px(6.0), style.px(6.0)];
    if axes.right.is_some() {
        margin[1] = style.px(6.0);
    }
    let [mut top, mut right, mut bottom, mut left] = margin;
    // plotters puts tick labels 2 tick lengths from the axis and the axis title at the far edge.
    let x_label_area = 2 * tick + style.px(TICK_FONT + 8.0 + AXIS_FONT + 4.0);
    let side_label_area = |ticks: &AxisTicks| {
        widest_label(ticks, tick_px) as i32 + 2 * tick + style.px(8.0 + AXIS_FONT + 4.0)
    };
    let y_ticks_for = |axis: &Axis, length: i32| {
        (axis.ticks)(label_capacity(f64::from(length), tick_px * Y_LABEL_PITCH))
    };

    let mut plot_height = height as i32 - top - bottom - x_label_area;
    let mut y_ticks = y_ticks_for(&axes.y, plot_height);
    let mut right_ticks = axes
        .right
        .as_ref()
        .map(|axis| y_ticks_for(axis, plot_height));
    let y_label_area = side_label_area(&y_ticks);
    let right_label_area = right_ticks.as_ref().map_or(0, side_label_area);
    let mut plot_width = width as i32 - left - right - y_label_area - right_label_area;
    if plot_width < style.px(MIN_PLOT) || plot_height < style.px(MIN_PLOT) {
        return Ok(None);
    }
    if axes.equal_aspect {
        let span = |axis: &Axis| axis.range.end - axis.range.start;
        let units_per_px =
            (span(&axes.x) / f64::from(plot_width)).max(span(&axes.y) / f64::from(plot_height));
        let spare_width = plot_width - (span(&axes.x) / units_per_px).round() as i32;
        let spare_height = plot_height - (span(&axes.y) / units_per_px).round() as i32;
        left += spare_width / 2;
        right += spare_width - spare_width / 2;
        top += spare_height / 2;
        bottom += spare_height - spare_height / 2;
        plot_width -= spare_width;
        plot_height -= spare_height;
        // Fewer rows may hold fewer labels; the label area stays as wide as it was.
        y_ticks = y_ticks_for(&axes.y, plot_height);
        right_ticks = axes
            .right
            .as_ref()
            .map(|axis| y_ticks_for(axis, plot_height));
    }
    let x_ticks = ticks_that_fit(f64::from(plot_width), tick_px, &axes.x.ticks);

    let x_axis = TickedAxis::new(axes.x.range.clone(), x_ticks);
    let chart = ChartBuilder::on(area)
        .margin_top(top)
        .margin_right(right)
        .margin_bottom(bottom)
        .margin_left(left)
        .x_label_area_size(x_label_area)
        .y_label_area_size(y_label_area)
        .right_y_label_area_size(right_label_area)
        .build_cartesian_2d(
            x_axis.clone(),
            TickedAxis::new(axes.y.range.clone(), y_ticks),
        )?;
    let right_axis = axes
        .right
        .as_ref()
        .zip(right_ticks)
        .map(|(axis, ticks)| TickedAxis::new(axis.range.clone(), ticks));
    let right_title = axes.right.map(|axis| axis.title).unwrap_or_default();
    Ok(Some(Frame {
        chart,
        x_axis,
        right_axis,
        titles: [axes.x.title, axes.y.title, right_title],
    }))
}

impl<'a, DB: DrawingBackend> Frame<'a, DB> {
    /// Axes, tick labels and titles; with `grid`, grid lines at the ticks (off where cells fill
    /// the area and lines would cut through them).
    pub(crate) fn draw_mesh(&mut self, grid: bool, style: &PlotStyle) -> DrawResult<(), DB> {
        let [x_title, y_title, _] = &self.titles;
        draw_mesh(&mut self.chart, (x_title, y_title), grid, style)
    }

    /// Instead of `draw_mesh` for a frame with a right-hand axis: turns the chart into one with
    /// that axis as a second y coordinate, and draws both meshes. (The right label area moves to
    /// the second coordinate first, or the primary mesh would label it too.)
    pub(crate) fn into_dual(self, style: &PlotStyle) -> DrawResult<DualChart<'a, DB>, DB> {
        let colours = &style.colours;
        let right_axis = self
            .right_axis
            .unwrap_or_else(|| TickedAxis::new(0.0..1.0, AxisTicks::default()));
        let mut dual = self.chart.set_secondary_coord(self.x_axis, right_axis);
        let [x_title, y_title, right_title] = self.titles;
        dual.configure_secondary_axes()
            .y_desc(right_title)
            .label_style(font(style, TICK_FONT, colours.text))
            .axis_desc_style(font(style, AXIS_FONT, colours.text))
            .axis_style(colours.axis.stroke_width(style.stroke(1.0)))
            .set_all_tick_mark_size(style.px(TICK_MARK))
            .draw()?;
        draw_mesh(&mut dual, (&x_title, &y_title), true, style)?;
        Ok(dual)
    }
}

fn draw_mesh<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    (x_title, y_title): (&str, &str),
    grid: bool,
    style: &PlotStyle,
) -> DrawResult<(), DB> {
    let colours = &style.colours;
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(x_title)
        .y_desc(y_title)
        .label_style(font(style, TICK_FONT, colours.text))
        .axis_desc_style(font(style, AXIS_FONT, colours.text))
        .bold_line_style(colours.grid.stroke_width(style.stroke(1.0)))
        .light_line_style(colours.grid_minor.stroke_width(style.stroke(1.0)))
        .axis_style(colours.axis.stroke_width(style.stroke(1.0)))
        .set_all_tick_mark_size(style.px(TICK_MARK));
    if !grid {
        mesh.disable_mesh();
    }
    mesh.draw()
}

/// Draws a line through `(x, y)` points: a `None` breaks it, and it is cut exactly at the
/// area's top and bottom (plotters would squash an outside point onto the edge and bend the line).
pub(crate) fn draw_line<DB: DrawingBackend>(
    area: &PlotArea<DB>,
    points: &[(f64, Option<f64>)],
    line: ShapeStyle,
    dashed: bool,
    style: &PlotStyle,
) -> DrawResult<(), DB> {
    for run in visible_runs(points, area.get_y_range()) {
        if dashed {
            let (dash, gap) = (style.px(DASH.0), style.px(DASH.1));
            area.draw(&DashedPathElement::new(run, dash, gap, line))?;
        } else {
            area.draw(&PathElement::new(run, line))?;
        }
    }
    Ok(())
}

/// A line or outline `css` pixels wide.
pub(crate) fn stroke(colour: impl Color, width_css: f64, style: &PlotStyle) -> ShapeStyle {
    ShapeStyle {
        color: colour.to_rgba(),
        filled: false,
        stroke_width: style.stroke(width_css),
    }
}
