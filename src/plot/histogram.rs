//! Histograms of one layer's values (activations, gradients) as small panels side by side, or
//! stacked when the chart is narrow; saturated tails shaded and their bars in a warning colour.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{draw_line, font, frame, stroke, Axes, Axis, DrawResult, PADDING, TICK_FONT};
use super::legend::{draw_header, LegendEntry, Swatch};
use super::linear::from_zero;
use super::scale::DecadeRange;
use super::style::PlotStyle;
use crate::i18n::Strings;
use crate::tr;

/// Narrower panels than this (CSS pixels) are stacked instead of set side by side.
const MIN_PANEL_WIDTH: f64 = 280.0;
/// The log count axis starts just below a count of 1, so single counts show as short bars.
const LOG_FLOOR: f64 = -0.25;
/// Height of the row above the panels for the count of NaN/±∞ values, CSS pixels.
const NOTE_ROW: f64 = 18.0;

/// Counts of values in equal bins over [low, high] (the core's `train::Histogram`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Histogram<'a> {
    pub low: f64,
    pub high: f64,
    pub counts: &'a [u32],
    /// NaN and ±∞ values, in no bin: reported beside the panel.
    pub non_finite: u32,
}

impl Histogram<'_> {
    /// Bin `i`'s left and right edges.
    fn bin(&self, i: usize) -> (f64, f64) {
        let width = (self.high - self.low) / self.counts.len() as f64;
        (
            self.low + i as f64 * width,
            self.low + (i + 1) as f64 * width,
        )
    }
}

/// An activation's saturated range: values below `low` or above `high` (the probe's rule).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Saturation {
    pub low: f64,
    pub high: f64,
}

impl Saturation {
    /// |tanh| > 0.97.
    pub const TANH: Saturation = Saturation {
        low: -0.97,
        high: 0.97,
    };
    /// sigmoid outside [0.03, 0.97].
    pub const SIGMOID: Saturation = Saturation {
        low: 0.03,
        high: 0.97,
    };

    /// Whether a bin is drawn as saturated: its centre lies in a saturated tail.
    pub fn covers_bin(&self, (left, right): (f64, f64)) -> bool {
        let centre = (left + right) / 2.0;
        centre < self.low || centre > self.high
    }

    fn describe(&self, words: &Strings) -> String {
        if self.low == -self.high {
            tr!(words, plot.saturated_beyond, high = self.high)
        } else {
            tr!(words, plot.saturated_outside, low = self.low, high = self.high)
        }
    }
}

/// One panel: a histogram with its axis title (what was counted, e.g. "tanh output, layer 3").
#[derive(Clone, Debug, PartialEq)]
pub struct HistogramPanel<'a> {
    pub title: String,
    pub histogram: Histogram<'a>,
    pub saturation: Option<Saturation>,
}

/// The panels to draw, and whether counts are on a log axis (tails of a few values stay visible
/// next to a peak of thousands).
#[derive(Clone, Debug, PartialEq)]
pub struct Histograms<'a> {
    pub panels: Vec<HistogramPanel<'a>>,
    pub log_counts: bool,
}

/// How many panels go side by side in `width` CSS pixels: all of them when each gets
/// `MIN_PANEL_WIDTH`, else as many as do, at least one (then they stack).
pub(crate) fn panel_columns(panels: usize, width_css: f64) -> usize {
    ((width_css / MIN_PANEL_WIDTH) as usize).clamp(1, panels.max(1))
}

/// Draws every panel: bars over the value range, the saturated tails shaded behind them and their
/// bars in the warning colour, the count of NaN/±∞ values (which no bin holds) in the corner.
pub fn draw_histograms<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    histograms: &Histograms,
    style: &PlotStyle,
) -> DrawResult<(), DB> {
    let colours = &style.colours;
    let mut entries = vec![LegendEntry::new(
        Swatch::Fill(colours.delta),
        style.words().plot.count_per_bin,
    )];
    if let Some(saturation) = histograms.panels.iter().find_map(|p| p.saturation) {
        entries.push(LegendEntry::new(
            Swatch::Fill(colours.grad_w),
            saturation.describe(style.words()),
        ));
    }
    let body = draw_header(root, &entries, None, style)?;
    let n = histograms.panels.len();
    if n == 0 {
        return Ok(());
    }
    let columns = panel_columns(n, f64::from(body.dim_in_pixel().0) / style.scale);
    let rows = n.div_ceil(columns);
    // A row for the count of NaN/±∞ values above every panel when any has some, so the panels
    // stay aligned.
    let note_row = histograms.panels.iter().any(|p| p.histogram.non_finite > 0);
    for (panel, area) in histograms
        .panels
        .iter()
        .zip(body.split_evenly((rows, columns)))
    {
        let area = if note_row {
            let (note, rest) = area.split_vertically(style.px(NOTE_ROW));
            draw_non_finite_note(&note, panel.histogram.non_finite, style)?;
            rest
        } else {
            area
        };
        draw_panel(&area, panel, histograms.log_counts, style)?;
    }
    Ok(())
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &HistogramPanel,
    log_counts: bool,
    style: &PlotStyle,
) -> DrawResult<(), DB> {
    let colours = &style.colours;
    let histogram = &panel.histogram;
    let counts = histogram.counts.iter().map(|&c| f64::from(c));
    let x_range = if histogram.low.is_finite() && histogram.high > histogram.low {
        histogram.low..histogram.high
    } else {
        0.0..1.0
    };
    let y = if log_counts {
        let fitted = DecadeRange::fit(counts);
        let decades = DecadeRange {
            lo: LOG_FLOOR,
            hi: fitted.hi.max(1.0),
        };
        Axis::decades(decades, style.words().plot.count_log_scale)
    } else {
        Axis::linear(from_zero(counts), style.words().plot.count, true)
    };
    let y_range = y.range.clone();
    let axes = Axes::new(Axis::linear(x_range.clone(), panel.title.clone(), false), y);
    let Some(mut frame) = frame(area, axes, style)? else {
        return Ok(());
    };
    let plot = frame.chart.plotting_area();
    let (bottom, top) = (y_range.start, y_range.end);

    if let Some(saturation) = panel.saturation {
        let band = colours.readout_band.filled();
        for (from, to) in [
            (x_range.start, saturation.low),
            (saturation.high, x_range.end),
        ] {
            if to > from {
                plot.draw(&Rectangle::new([(from, bottom), (to, top)], band))?;
            }
        }
    }
    frame.draw_mesh(true, style)?;
    let plot = frame.chart.plotting_area();
    if let Some(saturation) = panel.saturation {
        let line = stroke(colours.grad_w, 1.0, style);
        for x in [saturation.low, saturation.high] {
            if x_range.start < x && x < x_range.end {
                draw_line(
                    plot,
                    &[(x, Some(bottom)), (x, Some(top))],
                    line,
                    true,
                    style,
                )?;
            }
        }
    }

    for (i, &count) in histogram.counts.iter().enumerate() {
        let height = if log_counts {
            match count {
                0 => continue,
                count => f64::from(count).log10(),
            }
        } else {
            f64::from(count)
        };
        let bin = histogram.bin(i);
        let saturated = panel.saturation.is_some_and(|s| s.covers_bin(bin));
        let colour = if saturated {
            colours.grad_w
        } else {
            colours.delta
        };
        plot.draw(&Rectangle::new(
            [(bin.0, bottom), (bin.1, height)],
            colour.filled(),
        ))?;
    }

    Ok(())
}

/// "12 values NaN or ±∞, not shown" at the right of `area`, when there are any.
fn draw_non_finite_note<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    non_finite: u32,
    style: &PlotStyle,
) -> DrawResult<(), DB> {
    if non_finite == 0 {
        return Ok(());
    }
    let (width, height) = area.dim_in_pixel();
    let note = tr!(style.words(), plot.not_shown, count = non_finite);
    let note_font =
        font(style, TICK_FONT, style.colours.non_finite).pos(Pos::new(HPos::Right, VPos::Center));
    let at = (width as i32 - style.px(PADDING), height as i32 / 2);
    area.draw_text(&note, &note_font, at)
}
