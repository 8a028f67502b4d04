//! Drawing the depth plot on any plotters backend: the canvas in the browser, SVG in tests.
//!
//! Layout, top to bottom: a legend that wraps to the width (outside the data, so it never covers
//! a point), an optional note (why there is no theory line), then the chart with layers on x and
//! a log y axis. Exact zeros sit as ▼ on the bottom edge, NaN/±∞ as ✕ on the top edge.

use std::ops::Range;

use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::{CoordTranslate, Shift};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use gradscope_core::probe::ProbeReport;

use super::layout::{flow_rows, label_capacity, text_width};
use super::scale::{decade_ticks, layer_ticks, visible_runs, AxisTicks, DecadeRange, Placement};
use super::series::{DepthPlot, Quantity, Series};
use super::style::PlotStyle;

pub type DrawResult<T, DB> = Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;
type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<TickedAxis, TickedAxis>>;

// Sizes in CSS pixels.
const TICK_FONT: f64 = 12.0;
const AXIS_FONT: f64 = 13.0;
const LEGEND_FONT: f64 = 13.0;
const NOTE_FONT: f64 = 12.0;
const PADDING: f64 = 10.0;
const LEGEND_ROW: f64 = 22.0;
const NOTE_ROW: f64 = 17.0;
const SWATCH: f64 = 28.0;
const TICK_MARK: f64 = 4.0;
/// Half the size of a point marker, and of the larger edge markers (0, NaN/±∞).
const MARKER: f64 = 3.5;
const EDGE_MARKER: f64 = 4.5;
const LINE: f64 = 2.0;

const X_AXIS_LABEL: &str = "layer (input → output)";
const Y_AXIS_LABEL: &str = "gradient norm (log scale)";
const ZERO_LABEL: &str = "exactly 0";
const NON_FINITE_LABEL: &str = "NaN or ±∞";

/// Draws the main plot of one probe report: both measured series and the theory line.
pub fn draw_depth_plot<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &ProbeReport,
    style: &PlotStyle,
) -> DrawResult<(), DB> {
    draw_plot(root, &DepthPlot::from_report(report), style)
}

/// Draws any set of series (e.g. a report plus a faded reference from `DepthPlot::with_reference`).
pub fn draw_plot<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    plot: &DepthPlot,
    style: &PlotStyle,
) -> DrawResult<(), DB> {
    root.fill(&style.colours.background)?;
    let header_height = draw_header(root, plot, style)?;
    let (_, body) = root.split_vertically(header_height);
    draw_chart(&body, plot, style)
}

/// A linear axis (layers, or decades of the log scale) with our own ticks and labels: plotters'
/// automatic ones would put labels at 3.16e-5 on a log axis.
struct TickedAxis {
    linear: RangedCoordf64,
    ticks: AxisTicks,
}

impl TickedAxis {
    fn new(range: Range<f64>, ticks: AxisTicks) -> Self {
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

/// The marks a plot uses; measured series and the legend share them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Marker {
    Circle,
    Square,
    /// ▼, tip on the bottom edge: the value is exactly 0.
    Zero,
    /// ✕ on the top edge: NaN or ±∞.
    NonFinite,
}

/// How one series looks.
struct Look {
    colour: RGBAColor,
    width: u32,
    dashed: bool,
    marker: Option<Marker>,
    /// Sideways shift of the ▼ markers, so a layer where both series are 0 shows both.
    zero_shift: i32,
    filled: bool,
}

impl Look {
    fn of(series: &Series, style: &PlotStyle) -> Self {
        let colours = &style.colours;
        let shift = style.px(EDGE_MARKER);
        let (colour, marker, zero_shift) = match series.quantity {
            Quantity::DeltaRms => (colours.delta, Some(Marker::Circle), -shift),
            Quantity::GradWNorm => (colours.grad_w, Some(Marker::Square), shift),
            Quantity::TheoryDeltaRms => (colours.theory, None, 0),
        };
        Self {
            colour: if series.faded {
                colour.mix(0.5)
            } else {
                colour.to_rgba()
            },
            width: style.stroke(if series.faded { LINE * 0.75 } else { LINE }),
            dashed: series.quantity == Quantity::TheoryDeltaRms,
            marker,
            zero_shift,
            filled: !series.faded,
        }
    }

    fn line(&self) -> ShapeStyle {
        ShapeStyle {
            color: self.colour,
            filled: false,
            stroke_width: self.width,
        }
    }
}

fn font(style: &PlotStyle, css: f64, colour: RGBColor) -> TextStyle<'static> {
    let font = (FontFamily::SansSerif, style.font(css)).into_font();
    TextStyle {
        color: colour.to_backend_color(),
        ..TextStyle::from(font)
    }
}

/// Draws `marker` at `at`, shifted by `offset` device pixels.
fn draw_marker<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    at: CT::From,
    offset: (i32, i32),
    marker: Marker,
    colour: RGBAColor,
    filled: bool,
    style: &PlotStyle,
) -> DrawResult<(), DB> {
    let s = style.px(match marker {
        Marker::Circle | Marker::Square => MARKER,
        Marker::Zero | Marker::NonFinite => EDGE_MARKER,
    });
    let (dx, dy) = offset;
    let shape = ShapeStyle {
        color: colour,
        filled,
        stroke_width: style.stroke(1.5),
    };
    let anchor = EmptyElement::at(at);
    match marker {
        Marker::Circle => area.draw(&(anchor + Circle::new((dx, dy), s, shape))),
        Marker::Square => {
            area.draw(&(anchor + Rectangle::new([(dx - s, dy - s), (dx + s, dy + s)], shape)))
        }
        Marker::Zero => area.draw(
            &(anchor
                + Polygon::new(
                    vec![(dx - s, dy - s), (dx + s, dy - s), (dx, dy + s)],
                    shape,
                )),
        ),
        Marker::NonFinite => {
            area.draw(&(anchor + Cross::new((dx, dy), s, shape.stroke_width(style.stroke(2.0)))))
        }
    }
}

enum Swatch<'a> {
    Series(&'a Series),
    Edge(Marker),
}

/// Legend entries: one per series, plus the edge markers when the plot has any.
fn legend(plot: &DepthPlot) -> Vec<(Swatch<'_>, &str)> {
    let mut entries: Vec<_> = plot
        .series
        .iter()
        .map(|series| (Swatch::Series(series), series.label.as_str()))
        .collect();
    if plot.has_measured(|p| p == Placement::Zero) {
        entries.push((Swatch::Edge(Marker::Zero), ZERO_LABEL));
    }
    if plot.has_measured(|p| p == Placement::NonFinite) {
        entries.push((Swatch::Edge(Marker::NonFinite), NON_FINITE_LABEL));
    }
    entries
}

/// Draws the legend and the note at the top of `root`; returns the height they take.
fn draw_header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    plot: &DepthPlot,
    style: &PlotStyle,
) -> DrawResult<i32, DB> {
    let colours = &style.colours;
    let (width, _) = root.dim_in_pixel();
    let pad = style.px(PADDING);
    let available = (width as i32 - 2 * pad).max(0) as u32;
    let (swatch, swatch_gap, entry_gap) = (style.px(SWATCH), style.px(6.0), style.px(20.0));
    let legend_font =
        font(style, LEGEND_FONT, colours.text).pos(Pos::new(HPos::Left, VPos::Center));

    let entries = legend(plot);
    let widths: Vec<u32> = entries
        .iter()
        .map(|(_, label)| (swatch + swatch_gap) as u32 + text_width(label, style.font(LEGEND_FONT)))
        .collect();
    let row_height = style.px(LEGEND_ROW);
    let mut top = pad / 2;
    for row in flow_rows(&widths, available, entry_gap as u32) {
        let y = top + row_height / 2;
        let mut x = pad;
        for index in row {
            let (swatch_kind, label) = &entries[index];
            draw_swatch(root, swatch_kind, (x, y), swatch, style)?;
            root.draw_text(label, &legend_font, (x + swatch + swatch_gap, y))?;
            x += widths[index] as i32 + entry_gap;
        }
        top += row_height;
    }

    if let Some(note) = &plot.note {
        let note_font = font(style, NOTE_FONT, colours.muted);
        let words: Vec<&str> = note.split_whitespace().collect();
        let widths: Vec<u32> = words
            .iter()
            .map(|word| text_width(word, style.font(NOTE_FONT)))
            .collect();
        let space = text_width(" ", style.font(NOTE_FONT));
        top += style.px(2.0);
        for row in flow_rows(&widths, available, space) {
            root.draw_text(&words[row].join(" "), &note_font, (pad, top))?;
            top += style.px(NOTE_ROW);
        }
    }
    Ok(top + pad / 2)
}

/// A short sample of a series' line and marker (or an edge marker) left of a legend label.
fn draw_swatch<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    swatch: &Swatch<'_>,
    (x, y): (i32, i32),
    length: i32,
    style: &PlotStyle,
) -> DrawResult<(), DB> {
    let centre = (x + length / 2, y);
    match swatch {
        Swatch::Series(series) => {
            let look = Look::of(series, style);
            let ends = [(x, y), (x + length, y)];
            if look.dashed {
                let (dash, gap) = (style.px(6.0), style.px(4.0));
                root.draw(&DashedPathElement::new(ends, dash, gap, look.line()))?;
            } else {
                root.draw(&PathElement::new(ends, look.line()))?;
            }
            match look.marker {
                Some(marker) => draw_marker(
                    root,
                    centre,
                    (0, 0),
                    marker,
                    look.colour,
                    look.filled,
                    style,
                ),
                None => Ok(()),
            }
        }
        Swatch::Edge(marker) => {
            let colour = match marker {
                Marker::NonFinite => style.colours.non_finite,
                _ => style.colours.text,
            };
            draw_marker(root, centre, (0, 0), *marker, colour.to_rgba(), true, style)
        }
    }
}

fn draw_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    plot: &DepthPlot,
    style: &PlotStyle,
) -> DrawResult<(), DB> {
    let colours = &style.colours;
    let range = DecadeRange::fit(plot.values());
    let readout = plot.readout.max(1);
    let tick_font = font(style, TICK_FONT, colours.text);
    let axis_font = font(style, AXIS_FONT, colours.text);
    let tick = style.px(TICK_MARK);
    let (width, height) = area.dim_in_pixel();
    let (margin_top, margin_right, margin_bottom, margin_left) =
        (style.px(8.0), style.px(20.0), style.px(6.0), style.px(6.0));

    // plotters puts tick labels 2 tick lengths from the axis and the axis title at the far edge.
    let x_label_area = 2 * tick + style.px(TICK_FONT + 8.0 + AXIS_FONT + 4.0);
    let plot_height = height as i32 - margin_top - margin_bottom - x_label_area;
    let y_ticks = decade_ticks(
        range,
        label_capacity(plot_height as f64, style.font(TICK_FONT) * 2.4),
    );
    let widest_y_label = y_ticks
        .labelled
        .iter()
        .map(|(_, label)| text_width(label, style.font(TICK_FONT)))
        .max()
        .unwrap_or(0);
    let y_label_area = widest_y_label as i32 + 2 * tick + style.px(8.0 + AXIS_FONT + 4.0);
    let plot_width = width as i32 - margin_left - margin_right - y_label_area;
    if plot_width < style.px(40.0) || plot_height < style.px(40.0) {
        return Ok(()); // No room for a readable chart; the table below still has the numbers.
    }
    let widest_x_label = text_width(&readout.to_string(), style.font(TICK_FONT));
    let x_ticks = layer_ticks(
        readout,
        label_capacity(
            plot_width as f64,
            f64::from(widest_x_label) + style.font(TICK_FONT) * 1.5,
        ),
    );

    let x_axis = TickedAxis::new(0.5..readout as f64 + 0.5, x_ticks);
    let y_axis = TickedAxis::new(range.as_range(), y_ticks);
    let mut chart = ChartBuilder::on(area)
        .margin_top(margin_top)
        .margin_right(margin_right)
        .margin_bottom(margin_bottom)
        .margin_left(margin_left)
        .x_label_area_size(x_label_area)
        .y_label_area_size(y_label_area)
        .build_cartesian_2d(x_axis, y_axis)?;

    // The readout column gets a tinted band: it is a different kind of layer (no activation, and
    // no theory point), and "out" on the axis names it.
    let band = [
        (readout as f64 - 0.5, range.lo),
        (readout as f64 + 0.5, range.hi),
    ];
    chart.draw_series(std::iter::once(Rectangle::new(
        band,
        colours.readout_band.filled(),
    )))?;
    chart
        .configure_mesh()
        .x_desc(X_AXIS_LABEL)
        .y_desc(Y_AXIS_LABEL)
        .label_style(tick_font)
        .axis_desc_style(axis_font)
        .bold_line_style(colours.grid.stroke_width(style.stroke(1.0)))
        .light_line_style(colours.grid_minor.stroke_width(style.stroke(1.0)))
        .axis_style(colours.axis.stroke_width(style.stroke(1.0)))
        .set_all_tick_mark_size(tick)
        .draw()?;

    // With hundreds of layers the markers would merge into a thick smear; the lines carry it.
    let point_markers = f64::from(plot_width) / readout as f64 >= 3.0 * f64::from(style.px(MARKER));
    // Reference series first, so the current numbers are drawn on top.
    let (faded, main): (Vec<&Series>, Vec<&Series>) = plot.series.iter().partition(|s| s.faded);
    for series in faded.into_iter().chain(main) {
        draw_series(&mut chart, series, range, point_markers, style)?;
    }
    Ok(())
}

fn draw_series<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    series: &Series,
    range: DecadeRange,
    point_markers: bool,
    style: &PlotStyle,
) -> DrawResult<(), DB> {
    let look = Look::of(series, style);
    let points: Vec<(f64, Option<f64>)> = series
        .placements()
        .map(|(layer, place)| (layer as f64, place.decade()))
        .collect();
    for run in visible_runs(&points, range) {
        if look.dashed {
            let (dash, gap) = (style.px(6.0), style.px(4.0));
            chart.draw_series(DashedLineSeries::new(run, dash, gap, look.line()))?;
        } else {
            chart.draw_series(LineSeries::new(run, look.line()))?;
        }
    }
    // The theory is a curve, not measurements: no markers, and its zeros are no underflow.
    let Some(marker) = look.marker else {
        return Ok(());
    };
    let area = chart.plotting_area();
    let s = style.px(EDGE_MARKER);
    for (layer, placement) in series.placements() {
        let x = layer as f64;
        match placement {
            Placement::At(decade) if point_markers && range.contains(decade) => draw_marker(
                area,
                (x, decade),
                (0, 0),
                marker,
                look.colour,
                look.filled,
                style,
            )?,
            Placement::At(_) => {}
            Placement::Zero => {
                let offset = (look.zero_shift, -s);
                draw_marker(
                    area,
                    (x, range.lo),
                    offset,
                    Marker::Zero,
                    look.colour,
                    true,
                    style,
                )?
            }
            // One ✕ in the warning colour whichever series broke (the table says which).
            Placement::NonFinite => {
                let colour = style.colours.non_finite.to_rgba();
                let offset = (0, s + 1);
                draw_marker(
                    area,
                    (x, range.hi),
                    offset,
                    Marker::NonFinite,
                    colour,
                    true,
                    style,
                )?
            }
        }
    }
    Ok(())
}
