//! The loss curve over training steps, with the accuracy on a second axis (0–1) and a mark
//! where training diverged.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::downsample::min_max;
use super::frame::{draw_line, font, frame, stroke, Axes, Axis, DrawResult, PlotArea, TICK_FONT};
use super::legend::{draw_header, draw_marker, LegendEntry, Marker, Paint, Swatch, EDGE_MARKER};
use super::linear::from_zero;
use super::scale::{DecadeRange, Placement};
use super::style::PlotStyle;
use crate::tr;

const LINE: f64 = 2.0;
/// Device pixels per drawn point at most: a longer history is thinned (keeping each stretch's
/// lowest and highest loss, so spikes survive).
const PIXELS_PER_POINT: f64 = 2.0;

/// What the loss chart shows. The slices are read up to the shortest of `steps` and `loss`;
/// `accuracy` (classification only) pairs with the same steps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LossHistory<'a> {
    pub steps: &'a [u64],
    pub loss: &'a [f64],
    /// Fractions 0–1, on the right-hand axis.
    pub accuracy: Option<&'a [f64]>,
    /// The step where training stopped on a non-finite value (the diagnosis's step).
    pub diverged_at: Option<u64>,
}

/// How the loss axis is scaled, decided by the data: log when the positive finite losses span a
/// decade or more (a falling loss keeps its late progress visible, as in Karpathy's plots of
/// log loss), linear otherwise, and always linear when a finite loss is 0 or negative (no place
/// on a log axis). The linear axis starts at 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LossScale {
    Linear,
    Log,
}

impl LossScale {
    pub fn for_losses(losses: &[f64]) -> Self {
        let finite = || losses.iter().copied().filter(|v| v.is_finite());
        if finite().any(|v| v <= 0.0) {
            return LossScale::Linear;
        }
        let (lo, hi) = finite().fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        if hi >= 10.0 * lo {
            LossScale::Log
        } else {
            LossScale::Linear
        }
    }

    /// Where a loss goes on the axis (decades on a log axis); `None` breaks the line.
    fn position(self, loss: f64) -> Option<f64> {
        match self {
            LossScale::Log => Placement::of(loss).decade(),
            LossScale::Linear => loss.is_finite().then_some(loss),
        }
    }
}

/// Draws the loss over training steps: a log or linear axis chosen by `LossScale::for_losses`,
/// the accuracy dashed on a 0–1 axis at the right when given, a ✕ on the top edge at the first
/// non-finite loss and a dashed vertical line where training diverged.
pub fn draw_loss<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    history: &LossHistory,
    style: &PlotStyle,
) -> DrawResult<(), DB> {
    let colours = &style.colours;
    let n = history.steps.len().min(history.loss.len());
    let (steps, losses) = (&history.steps[..n], &history.loss[..n]);
    let accuracy = history.accuracy.map(|a| &a[..n.min(a.len())]);
    let scale = LossScale::for_losses(losses);
    let first_non_finite = steps
        .iter()
        .zip(losses)
        .find(|(_, loss)| !loss.is_finite())
        .map(|(&step, _)| step);

    let words = style.words();
    let loss_line = stroke(colours.delta, LINE, style);
    let accuracy_line = stroke(colours.grad_w, LINE * 0.75, style);
    let mut entries = vec![LegendEntry::new(
        Swatch::Line {
            line: loss_line,
            dashed: false,
            marker: None,
        },
        words.plot.loss,
    )];
    if accuracy.is_some() {
        let swatch = Swatch::Line {
            line: accuracy_line,
            dashed: true,
            marker: None,
        };
        entries.push(LegendEntry::new(swatch, words.plot.accuracy_right_axis));
    }
    if first_non_finite.is_some() || history.diverged_at.is_some() {
        let swatch = Swatch::Marker(Marker::NonFinite, Paint::solid(colours.non_finite));
        entries.push(LegendEntry::new(swatch, words.plot.diverged));
    }
    let body = draw_header(root, &entries, None, style)?;

    let x_range = step_range(steps.iter().copied().chain(history.diverged_at));
    let y = match scale {
        LossScale::Log => {
            Axis::decades(DecadeRange::fit(losses.iter().copied()), words.plot.loss_log_scale)
        }
        LossScale::Linear => Axis::linear(from_zero(losses.iter().copied()), words.plot.loss, false),
    };
    let mut axes = Axes::new(Axis::steps(x_range, words), y);
    axes.right = accuracy.map(|_| Axis::linear(0.0..1.0, words.plot.accuracy, false));
    let Some(mut frame) = frame(&body, axes, style)? else {
        return Ok(());
    };

    let thinned = |values: &[f64], position: &dyn Fn(f64) -> Option<f64>, area: &PlotArea<DB>| {
        let points: Vec<(f64, Option<f64>)> = steps
            .iter()
            .zip(values)
            .map(|(&step, &value)| (step as f64, position(value)))
            .collect();
        let groups = f64::from(area.dim_in_pixel().0) / (2.0 * PIXELS_PER_POINT);
        min_max(&points, groups as usize)
    };
    let draw_losses = |area: &PlotArea<DB>| -> DrawResult<(), DB> {
        draw_line(
            area,
            &thinned(losses, &|v| scale.position(v), area),
            loss_line,
            false,
            style,
        )?;
        draw_divergence(area, first_non_finite, history.diverged_at, style)
    };
    match accuracy {
        Some(accuracy) => {
            let dual = frame.into_dual(style)?;
            let accuracy_area = dual.secondary_plotting_area();
            let fraction = |v: f64| v.is_finite().then_some(v);
            let points = thinned(accuracy, &fraction, accuracy_area);
            draw_line(accuracy_area, &points, accuracy_line, true, style)?;
            draw_losses(dual.plotting_area())
        }
        None => {
            frame.draw_mesh(true, style)?;
            draw_losses(frame.chart.plotting_area())
        }
    }
}

/// The x range of a chart over training steps: first to last, one step wide when they are equal.
pub(crate) fn step_range(steps: impl IntoIterator<Item = u64>) -> std::ops::Range<f64> {
    let (first, last) = steps
        .into_iter()
        .fold((u64::MAX, 0), |(lo, hi), s| (lo.min(s), hi.max(s)));
    if first > last {
        return 0.0..1.0;
    }
    first as f64..(last as f64).max(first as f64 + 1.0)
}

/// The ✕ on the top edge at the first non-finite loss, and the dashed line at the step where
/// training stopped, labelled.
fn draw_divergence<DB: DrawingBackend>(
    area: &PlotArea<DB>,
    first_non_finite: Option<u64>,
    diverged_at: Option<u64>,
    style: &PlotStyle,
) -> DrawResult<(), DB> {
    let colours = &style.colours;
    let (x_range, y_range) = (area.get_x_range(), area.get_y_range());
    if let Some(step) = first_non_finite {
        let paint = Paint::solid(colours.non_finite);
        let offset = (0, style.px(EDGE_MARKER) + 1);
        draw_marker(
            area,
            (step as f64, y_range.end),
            offset,
            Marker::NonFinite,
            paint,
            style,
        )?;
    }
    let Some(step) = diverged_at else {
        return Ok(());
    };
    let x = step as f64;
    let line = stroke(colours.non_finite, 1.5, style);
    // From the top down, so the first dash meets the ✕ on the top edge.
    draw_line(
        area,
        &[(x, Some(y_range.end)), (x, Some(y_range.start))],
        line,
        true,
        style,
    )?;
    // The label goes on the side with more room.
    let right_half = x > (x_range.start + x_range.end) / 2.0;
    let (h_pos, dx) = if right_half {
        (HPos::Right, -style.px(6.0))
    } else {
        (HPos::Left, style.px(6.0))
    };
    let label_font = font(style, TICK_FONT, colours.non_finite).pos(Pos::new(h_pos, VPos::Top));
    let dy = style.px(2.0 * EDGE_MARKER + 4.0);
    area.draw(
        &(EmptyElement::at((x, y_range.end))
            + Text::new(tr!(style.words(), plot.diverged_at, step = step), (dx, dy), label_font)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn losses_spanning_a_decade_get_a_log_axis() {
        assert_eq!(LossScale::for_losses(&[0.69, 0.3, 0.068]), LossScale::Log);
        assert_eq!(LossScale::for_losses(&[0.69, 0.3, 0.07]), LossScale::Linear);
        assert_eq!(LossScale::for_losses(&[2.3, 1e-5]), LossScale::Log);
        // NaN/±∞ (divergence) neither decide nor stretch the span.
        assert_eq!(
            LossScale::for_losses(&[0.7, 0.5, f64::NAN, f64::INFINITY]),
            LossScale::Linear
        );
        // A loss of exactly 0 (MSE on a fitted point) has no place on a log axis.
        assert_eq!(LossScale::for_losses(&[1.0, 1e-3, 0.0]), LossScale::Linear);
        assert_eq!(LossScale::for_losses(&[]), LossScale::Linear);
    }

    #[test]
    fn positions_are_decades_on_a_log_axis_and_non_finite_losses_break_the_line() {
        assert_eq!(LossScale::Log.position(0.01), Some(-2.0));
        assert_eq!(LossScale::Linear.position(0.01), Some(0.01));
        for scale in [LossScale::Log, LossScale::Linear] {
            assert_eq!(scale.position(f64::NAN), None);
            assert_eq!(scale.position(f64::INFINITY), None);
        }
    }

    #[test]
    fn step_ranges_cover_every_step_and_are_never_empty() {
        assert_eq!(step_range([10, 0, 3000]), 0.0..3000.0);
        assert_eq!(step_range([500]), 500.0..501.0);
        assert_eq!(step_range([]), 0.0..1.0);
    }
}
