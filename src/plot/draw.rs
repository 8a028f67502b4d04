//! Drawing the depth plot on any plotters backend: the canvas in the browser, SVG in tests.
//!
//! Layout, top to bottom: a legend that wraps to the width (outside the data, so it never covers
//! a point), an optional note (why there is no theory line), then the chart with layers on x and
//! a log y axis. Exact zeros sit as ▼ on the bottom edge, NaN/±∞ as ✕ on the top edge.

use plotters::coord::Shift;
use plotters::prelude::*;

use gradscope_core::probe::ProbeReport;

use super::frame::{draw_line, frame, stroke, Axes, Axis, DrawResult, PlotArea};
use super::legend::{
    draw_header, draw_marker, LegendEntry, Marker, Paint, Swatch, EDGE_MARKER, MARKER,
};
use super::scale::{DecadeRange, Placement};
use super::series::{DepthPlot, Quantity, Series};
use super::style::PlotStyle;

const LINE: f64 = 2.0;

/// Draws the main plot of one probe report: both measured series and the theory line.
pub fn draw_depth_plot<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &ProbeReport,
    style: &PlotStyle,
) -> DrawResult<(), DB> {
    draw_plot(root, &DepthPlot::from_report(report, style.words()), style)
}

/// Draws any set of series (e.g. a report plus a faded reference from `DepthPlot::with_reference`).
pub fn draw_plot<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    plot: &DepthPlot,
    style: &PlotStyle,
) -> DrawResult<(), DB> {
    let body = draw_header(root, &legend(plot, style), plot.note.as_deref(), style)?;
    draw_chart(&body, plot, style)
}

/// How one series looks.
struct Look {
    line: ShapeStyle,
    dashed: bool,
    marker: Option<Marker>,
    paint: Paint,
    /// Sideways shift of the ▼ markers, so a layer where both series are 0 shows both.
    zero_shift: i32,
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
        let colour = if series.faded {
            colour.mix(0.5)
        } else {
            colour.to_rgba()
        };
        Self {
            line: stroke(colour, if series.faded { LINE * 0.75 } else { LINE }, style),
            dashed: series.quantity == Quantity::TheoryDeltaRms,
            marker,
            paint: Paint {
                colour,
                filled: !series.faded,
                outline: None,
            },
            zero_shift,
        }
    }
}

/// Legend entries: one per series, plus the edge markers when the plot has any.
fn legend(plot: &DepthPlot, style: &PlotStyle) -> Vec<LegendEntry> {
    let mut entries: Vec<LegendEntry> = plot
        .series
        .iter()
        .map(|series| {
            let look = Look::of(series, style);
            let swatch = Swatch::Line {
                line: look.line,
                dashed: look.dashed,
                marker: look.marker.map(|marker| (marker, look.paint)),
            };
            LegendEntry::new(swatch, series.label.as_str())
        })
        .collect();
    if plot.has_measured(|p| p == Placement::Zero) {
        let paint = Paint::solid(style.colours.text);
        entries.push(LegendEntry::new(
            Swatch::Marker(Marker::Zero, paint),
            style.words().plot.exactly_zero,
        ));
    }
    if plot.has_measured(|p| p == Placement::NonFinite) {
        let paint = Paint::solid(style.colours.non_finite);
        entries.push(LegendEntry::new(
            Swatch::Marker(Marker::NonFinite, paint),
            style.words().plot.non_finite,
        ));
    }
    entries
}

fn draw_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    plot: &DepthPlot,
    style: &PlotStyle,
) -> DrawResult<(), DB> {
    let colours = &style.colours;
    let range = DecadeRange::fit(plot.values());
    let readout = plot.readout.max(1);
    let axes = Axes::new(
        Axis::layers(readout, style.words()),
        Axis::decades(range, style.words().plot.gradient_axis),
    );
    let Some(mut frame) = frame(area, axes, style)? else {
        return Ok(()); // No room for a readable chart; the table below still has the numbers.
    };

    // The readout column gets a tinted band: it is a different kind of layer (no activation, and
    // no theory point), and "out" on the axis names it.
    let band = [
        (readout as f64 - 0.5, range.lo),
        (readout as f64 + 0.5, range.hi),
    ];
    frame.chart.draw_series(std::iter::once(Rectangle::new(
        band,
        colours.readout_band.filled(),
    )))?;
    frame.draw_mesh(true, style)?;

    // With hundreds of layers the markers would merge into a thick smear; the lines carry it.
    let plot_width = frame.chart.plotting_area().dim_in_pixel().0;
    let point_markers = f64::from(plot_width) / readout as f64 >= 3.0 * f64::from(style.px(MARKER));
    // Reference series first, so the current numbers are drawn on top.
    let (faded, main): (Vec<&Series>, Vec<&Series>) = plot.series.iter().partition(|s| s.faded);
    for series in faded.into_iter().chain(main) {
        draw_series(
            frame.chart.plotting_area(),
            series,
            range,
            point_markers,
            style,
        )?;
    }
    Ok(())
}

fn draw_series<DB: DrawingBackend>(
    area: &PlotArea<DB>,
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
    draw_line(area, &points, look.line, look.dashed, style)?;
    // The theory is a curve, not measurements: no markers, and its zeros are no underflow.
    let Some(marker) = look.marker else {
        return Ok(());
    };
    let s = style.px(EDGE_MARKER);
    for (layer, placement) in series.placements() {
        let x = layer as f64;
        match placement {
            Placement::At(decade) if point_markers && range.contains(decade) => {
                draw_marker(area, (x, decade), (0, 0), marker, look.paint, style)?
            }
            Placement::At(_) => {}
            Placement::Zero => {
                let paint = Paint::solid(look.paint.colour);
                let offset = (look.zero_shift, -s);
                draw_marker(area, (x, range.lo), offset, Marker::Zero, paint, style)?
            }
            // One ✕ in the warning colour whichever series broke (the table says which).
            Placement::NonFinite => {
                let paint = Paint::solid(style.colours.non_finite);
                draw_marker(
                    area,
                    (x, range.hi),
                    (0, s + 1),
                    Marker::NonFinite,
                    paint,
                    style,
                )?
            }
        }
    }
    Ok(())
}
