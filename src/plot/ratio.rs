//! Each layer's update:data ratio ‖lr·update‖/‖W‖ over training steps, on a log axis, with
//! Karpathy's rule of thumb (≈1e-3) as a reference line. Lines are coloured by depth.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::colour::viridis;
use super::downsample::{buckets, evenly_spaced, runs};
use super::frame::{draw_line, frame, stroke, Axes, Axis, DrawResult};
use super::heatmap::LayerSeries;
use super::legend::{draw_header, draw_marker, LegendEntry, Marker, Paint, Swatch, EDGE_MARKER};
use super::loss::step_range;
use super::scale::{DecadeRange, Placement};
use super::style::PlotStyle;
use crate::tr;

/// Karpathy's rule of thumb (makemore, part 3): updates about a thousandth of the weights'
/// size; far below, the layer barely learns; far above, it is unstable.
pub const HEALTHY_UPDATE_RATIO: f64 = 1e-3;
/// Lines drawn at most (evenly spread over depth, always the first layer and the readout): 200
/// lines would merge into one band, and the depth colours tell them apart anyway.
const MAX_LINES: usize = 48;
/// Points drawn at most over all lines, and device pixels per point at least.
const MAX_POINTS: usize = 6000;
const PIXELS_PER_POINT: f64 = 3.0;
const RAMP_STOPS: usize = 24;

/// Draws one line per layer (at most `MAX_LINES`), coloured by depth from viridis (input dark,
/// output light, see the ramp in the legend), over training steps on a log axis, with the
/// dashed 1e-3 reference. Long runs are averaged in groups of snapshots (geometric mean).
/// Where some layer's ratio turns NaN/±∞ a ✕ sits on the top edge, where it turns exactly 0 (no
/// update at all) a ▼ on the bottom edge: one at the start of each such stretch.
pub fn draw_update_ratio<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    series: &LayerSeries,
    style: &PlotStyle,
) -> DrawResult<(), DB> {
    let colours = &style.colours;
    let snapshots = series.snapshots();
    let words = style.words();
    let shown = series.shown();
    let (ramp_lo, ramp_hi) = colours.line_ramp;
    // `depth` from 0 (layer 1, next to the input) to 1 (the readout).
    let along_ramp = |depth: f64| viridis(ramp_lo + (ramp_hi - ramp_lo) * depth);
    let depth_colour = |layer: usize| match series.layers {
        0 | 1 => along_ramp(0.5),
        layers => along_ramp(layer as f64 / (layers - 1) as f64),
    };
    let ramp = (0..RAMP_STOPS)
        .map(|i| along_ramp(i as f64 / (RAMP_STOPS - 1) as f64))
        .collect();
    let mut entries = vec![
        LegendEntry::new(Swatch::Ramp(ramp), words.plot.layer_ramp),
        LegendEntry::new(
            Swatch::Line {
                line: stroke(colours.text, 1.5, style),
                dashed: true,
                marker: None,
            },
            words.plot.healthy_ratio,
        ),
    ];
    let has = |wanted: Placement| shown.iter().any(|&v| Placement::of(v) == wanted);
    let (any_zero, any_non_finite) = (has(Placement::Zero), has(Placement::NonFinite));
    if any_zero {
        let swatch = Swatch::Marker(Marker::Zero, Paint::solid(colours.text));
        entries.push(LegendEntry::new(swatch, words.plot.exactly_zero));
    }
    if any_non_finite {
        let swatch = Swatch::Marker(Marker::NonFinite, Paint::solid(colours.non_finite));
        entries.push(LegendEntry::new(swatch, words.plot.non_finite));
    }
    let body = draw_header(root, &entries, None, style)?;

    let decades = DecadeRange::fit(shown.iter().copied().chain([HEALTHY_UPDATE_RATIO]));
    let x_range = step_range(series.steps[..snapshots].iter().copied());
    let axes = Axes::new(
        Axis::steps(x_range.clone(), words),
        Axis::decades(decades, tr!(words, plot.log_scale, quantity = series.quantity)),
    );
    let Some(mut frame) = frame(&body, axes, style)? else {
        return Ok(());
    };
    frame.draw_mesh(true, style)?;
    let area = frame.chart.plotting_area();

    let lines = evenly_spaced(series.layers, MAX_LINES);
    let pixels = f64::from(area.dim_in_pixel().0) / PIXELS_PER_POINT;
    let points_per_line = (MAX_POINTS / lines.len().max(1)).min(pixels as usize);
    let groups = buckets(snapshots, points_per_line);
    let group_x = |group: &std::ops::Range<usize>| {
        (series.steps[group.start] as f64 + series.steps[group.end - 1] as f64) / 2.0
    };
    let line_width = if lines.len() > 12 { 1.0 } else { 1.5 };
    for &layer in &lines {
        let points: Vec<(f64, Option<f64>)> = groups
            .iter()
            .map(|group| {
                let mean = series.block(layer..layer + 1, group.clone());
                (group_x(group), mean.and_then(Placement::decade))
            })
            .collect();
        draw_line(
            area,
            &points,
            stroke(depth_colour(layer), line_width, style),
            false,
            style,
        )?;
    }

    // The reference goes over the lines: it must stay visible where they crowd around it.
    let reference = HEALTHY_UPDATE_RATIO.log10();
    let reference_line = stroke(colours.text, 1.5, style);
    let ends = [
        (x_range.start, Some(reference)),
        (x_range.end, Some(reference)),
    ];
    draw_line(area, &ends, reference_line, true, style)?;

    // Marks where some layer (drawn or not) starts having no place on the log axis: one at the
    // start of each stretch of such groups, not a row of them.
    if !(any_zero || any_non_finite) {
        return Ok(());
    }
    let edge = style.px(EDGE_MARKER);
    let special: Vec<Option<Placement>> = groups
        .iter()
        .map(|group| {
            let placements = group
                .clone()
                .flat_map(|s| (0..series.layers).map(move |l| Placement::of(series.value(l, s))));
            let mut zero = false;
            for placement in placements {
                match placement {
                    Placement::NonFinite => return Some(Placement::NonFinite),
                    Placement::Zero => zero = true,
                    Placement::At(_) => {}
                }
            }
            zero.then_some(Placement::Zero)
        })
        .collect();
    for (stretch, kind) in runs(&special) {
        let x = group_x(&groups[stretch.start]);
        let (y, offset, marker, colour) = match kind {
            Some(Placement::NonFinite) => {
                (decades.hi, edge + 1, Marker::NonFinite, colours.non_finite)
            }
            Some(Placement::Zero) => (decades.lo, -edge, Marker::Zero, colours.text),
            _ => continue,
        };
        draw_marker(
            area,
            (x, y),
            (0, offset),
            marker,
            Paint::solid(colour),
            style,
        )?;
    }
    Ok(())
}
