//! Axis math for the depth plot, free of plotters types so it is tested on its own: the log
//! y range, decade ticks and their labels, where special values go, and clipping lines to the
//! visible range. Positions on the y axis are in decades (log10 of the value).

use std::ops::Range;

/// The visible window is never wider than this. The probe computes in f32, so its values
/// (1.4e-45 … 3.4e38, and norms over up to 2³² entries of them) always lie inside; only the
/// theory's geometric extrapolation can reach beyond, and it is clipped at the edge.
pub const DECADE_FLOOR: f64 = -50.0;
pub const DECADE_CEIL: f64 = 50.0;
/// A flat profile still gets one decade of context, so the axis has something to label.
const MIN_SPAN: f64 = 1.0;
/// Room above and below the data, as a fraction of its span: keeps the extreme points clear of
/// the zero/non-finite markers pinned to the edges.
const PAD_FRACTION: f64 = 0.08;
/// Tick spacings tried in turn (in decades for y, in layers for x) until the labels fit.
const NICE_STEPS: [usize; 12] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

/// The visible y range in decades: `lo` = log10 of the bottom edge's value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DecadeRange {
    pub lo: f64,
    pub hi: f64,
}

impl DecadeRange {
    /// The range that shows every positive finite value (zeros, negatives, NaN and ±∞ have no
    /// place on a log axis: they become edge markers and do not stretch the range), with room
    /// above and below.
    pub fn fit(values: impl IntoIterator<Item = f64>) -> Self {
        match decade_extent(values) {
            Some((lo, hi)) => {
                let span = hi - lo;
                Self {
                    lo: lo - span * PAD_FRACTION,
                    hi: hi + span * PAD_FRACTION,
                }
            }
            // Nothing to place: show 0.1 … 10 around the edge markers.
            None => Self { lo: -1.0, hi: 1.0 },
        }
    }

    /// Like `fit` without the room: the smallest value at `lo`, the largest at `hi` (a colour
    /// scale uses its whole ramp).
    pub fn spanning(values: impl IntoIterator<Item = f64>) -> Self {
        decade_extent(values)
            .map(|(lo, hi)| Self { lo, hi })
            .unwrap_or(Self { lo: -1.0, hi: 1.0 })
    }

    pub fn contains(&self, decade: f64) -> bool {
        self.lo <= decade && decade <= self.hi
    }

    pub fn as_range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

/// The decades of the smallest and largest positive finite value, widened to `MIN_SPAN` around
/// their centre; `None` when there is no such value.
fn decade_extent(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite() && *v > 0.0)
        .map(|v| v.log10().clamp(DECADE_FLOOR, DECADE_CEIL))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), d| {
            (lo.min(d), hi.max(d))
        });
    if lo > hi {
        return None;
    }
    let centre = (lo + hi) / 2.0;
    let half = (hi - lo).max(MIN_SPAN) / 2.0;
    Some((centre - half, centre + half))
}

/// A tick at `mantissa × 10^exponent`. Kept as integers so labels are written from exact
/// digits, never from a float that prints as "9999e-5".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecadeTick {
    pub mantissa: u8,
    pub exponent: i32,
}

impl DecadeTick {
    pub fn position(self) -> f64 {
        f64::from(self.exponent) + f64::from(self.mantissa).log10()
    }

    /// "0.5", "1", "20" near 1; "1e-5", "2e-3", "1e3" elsewhere.
    pub fn label(self) -> String {
        let m = self.mantissa;
        match self.exponent {
            -1 => format!("0.{m}"),
            0 => format!("{m}"),
            1 => format!("{m}0"),
            e => format!("{m}e{e}"),
        }
    }
}

/// Where the ticks of one axis go: labelled positions get a label and a grid line, the others a
/// fainter grid line only.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AxisTicks {
    pub labelled: Vec<(f64, String)>,
    pub unlabelled: Vec<f64>,
}

impl AxisTicks {
    pub fn positions(&self) -> Vec<f64> {
        self.labelled
            .iter()
            .map(|(position, _)| *position)
            .collect()
    }

    /// The label at exactly this position (plotters hands back the positions it was given).
    pub fn label_at(&self, position: f64) -> String {
        self.labelled
            .iter()
            .find(|(p, _)| *p == position)
            .map(|(_, label)| label.clone())
            .unwrap_or_default()
    }
}

/// Decade ticks for `range` with at most `max_labels` labels (at least 2 are allowed). Labels sit
/// on powers of ten, every 1, 2, 5, 10, … decades; when only one or two powers of ten are in
/// view, 2× and 5× get labels too.
pub fn decade_ticks(range: DecadeRange, max_labels: usize) -> AxisTicks {
    let max_labels = max_labels.max(2);
    let first = range.lo.ceil() as i32;
    let last = range.hi.floor() as i32;
    let multiples = |step: i32| (first..=last).filter(move |e| e.rem_euclid(step) == 0);
    let step = NICE_STEPS
        .iter()
        .map(|&s| s as i32)
        .find(|&s| multiples(s).count() <= max_labels)
        .unwrap_or(NICE_STEPS[NICE_STEPS.len() - 1] as i32);

    let in_view = |tick: &DecadeTick| range.contains(tick.position());
    let mut labelled: Vec<DecadeTick> = multiples(step)
        .map(|exponent| DecadeTick {
            mantissa: 1,
            exponent,
        })
        .collect();
    let mut unlabelled = Vec::new();
    if step == 1 {
        let decades = (range.lo.floor() as i32)..=last;
        let with_mantissa = |mantissas: &'static [u8]| {
            decades.clone().flat_map(move |exponent| {
                mantissas
                    .iter()
                    .map(move |&mantissa| DecadeTick { mantissa, exponent })
            })
        };
        let halves: Vec<DecadeTick> = with_mantissa(&[2, 5]).filter(in_view).collect();
        if labelled.len() < 3 && labelled.len() + halves.len() <= max_labels {
            labelled.extend(halves);
        }
        // Every mantissa gets a faint line while the decades are few enough to keep them apart.
        if range.hi - range.lo <= 6.0 {
            unlabelled.extend(
                with_mantissa(&[2, 3, 4, 5, 6, 7, 8, 9])
                    .filter(|tick| in_view(tick) && !labelled.contains(tick))
                    .map(DecadeTick::position),
            );
        }
    } else {
        let minor_step = if step <= 5 { 1 } else { step / 2 };
        unlabelled.extend(
            multiples(minor_step)
                .filter(|e| e.rem_euclid(step) != 0)
                .map(f64::from),
        );
    }
    labelled.sort_by(|a, b| a.position().total_cmp(&b.position()));
    AxisTicks {
        labelled: labelled
            .into_iter()
            .map(|tick| (tick.position(), tick.label()))
            .collect(),
        unlabelled,
    }
}

/// Layer ticks for layers 1..=`readout` (the readout, labelled `readout_label`, is the last): always the
/// first layer and the readout, plus every `step`-th layer with `step` the smallest nice spacing
/// whose labels fit in `max_labels`.
pub fn layer_ticks(readout: usize, max_labels: usize, readout_label: &str) -> AxisTicks {
    let candidates = |step: usize| -> Vec<usize> {
        let mut layers = vec![1];
        // Skip multiples closer than ¾ step to the fixed first and last labels: they would crowd.
        let clear = |distance: usize| 4 * distance >= 3 * step;
        layers.extend(
            (step..readout)
                .step_by(step)
                .filter(|&layer| clear(layer - 1) && clear(readout - layer)),
        );
        layers.push(readout);
        layers.dedup();
        layers
    };
    if readout == 0 {
        return AxisTicks::default();
    }
    let layers = NICE_STEPS
        .iter()
        .map(|&step| candidates(step))
        .find(|layers| layers.len() <= max_labels.max(2))
        .unwrap_or_else(|| vec![1, readout]);
    let label = |layer: usize| {
        if layer == readout {
            readout_label.to_owned()
        } else {
            layer.to_string()
        }
    };
    AxisTicks {
        labelled: layers
            .into_iter()
            .map(|layer| (layer as f64, label(layer)))
            .collect(),
        unlabelled: Vec::new(),
    }
}

/// Where a measured value goes on the log axis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Placement {
    /// At this many decades.
    At(f64),
    /// Exactly zero (in f32 usually underflow): a marker pinned to the bottom edge.
    Zero,
    /// NaN or ±∞, pinned to the top edge. A negative value (which a norm never is) lands here
    /// too: it is just as broken and just as impossible to place on a log axis.
    NonFinite,
}

impl Placement {
    pub fn of(value: f64) -> Self {
        if value == 0.0 {
            Placement::Zero
        } else if value.is_finite() && value > 0.0 {
            Placement::At(value.log10())
        } else {
            Placement::NonFinite
        }
    }

    pub fn decade(self) -> Option<f64> {
        match self {
            Placement::At(decade) => Some(decade),
            Placement::Zero | Placement::NonFinite => None,
        }
    }
}

/// Splits a polyline of `(x, y)` points into the runs whose y lies inside `range` (ends
/// included; decades on a log axis); a `None` point breaks the line. Segments that cross an edge are cut exactly there, because plotters
/// would squash an outside point onto the edge and bend the line.
pub fn visible_runs(points: &[(f64, Option<f64>)], range: Range<f64>) -> Vec<Vec<(f64, f64)>> {
    let inside = |y: f64| range.start <= y && y <= range.end;
    let mut runs = Vec::new();
    let mut run: Vec<(f64, f64)> = Vec::new();
    let mut flush = |run: &mut Vec<(f64, f64)>| {
        if !run.is_empty() {
            runs.push(std::mem::take(run));
        }
    };
    let mut previous: Option<(f64, f64)> = None;
    for &(x, decade) in points {
        let Some(y) = decade else {
            flush(&mut run);
            previous = None;
            continue;
        };
        let point = (x, y);
        match previous {
            None if inside(y) => run.push(point),
            None => {}
            Some(start) => match clip_segment(start, point, &range) {
                Some((entry, exit)) => {
                    if run.last() != Some(&entry) {
                        flush(&mut run);
                        run.push(entry);
                    }
                    run.push(exit);
                    if exit != point {
                        flush(&mut run);
                    }
                }
                None => flush(&mut run),
            },
        }
        previous = Some(point);
    }
    flush(&mut run);
    runs
}

/// The part of segment p→q with y inside `range` (Liang–Barsky on y only); the end points are
/// returned unchanged when they are inside, so runs can be joined by equality.
fn clip_segment(
    p: (f64, f64),
    q: (f64, f64),
    range: &Range<f64>,
) -> Option<((f64, f64), (f64, f64))> {
    let dy = q.1 - p.1;
    if dy == 0.0 {
        return (range.start <= p.1 && p.1 <= range.end).then_some((p, q));
    }
    let (t_lo, t_hi) = ((range.start - p.1) / dy, (range.end - p.1) / dy);
    let (enter, exit) = (t_lo.min(t_hi).max(0.0), t_lo.max(t_hi).min(1.0));
    if enter > exit {
        return None;
    }
    let at = |t: f64| match t {
        0.0 => p,
        1.0 => q,
        t => (p.0 + t * (q.0 - p.0), p.1 + t * dy),
    };
    Some((at(enter), at(exit)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(ticks: &AxisTicks) -> Vec<&str> {
        ticks
            .labelled
            .iter()
            .map(|(_, label)| label.as_str())
            .collect()
    }

    fn assert_runs_near(actual: Vec<Vec<(f64, f64)>>, expected: &[&[(f64, f64)]]) {
        let near = |a: &(f64, f64), b: &(f64, f64)| (a.0 - b.0).abs() + (a.1 - b.1).abs() < 1e-12;
        assert!(
            actual.len() == expected.len()
                && actual.iter().zip(expected).all(|(run, want)| {
                    run.len() == want.len() && run.iter().zip(want.iter()).all(|(a, b)| near(a, b))
                }),
            "{actual:?} != {expected:?}"
        );
    }

    #[test]
    fn range_covers_the_data_with_padding_on_both_sides() {
        let range = DecadeRange::fit([1e-12, 3e-7, 1e-1]);
        assert!(range.lo < -12.0 && range.lo > -13.0, "{range:?}");
        assert!(range.hi > -1.0 && range.hi < 0.0, "{range:?}");
        let pad = (-12.0 - range.lo, range.hi + 1.0);
        assert!((pad.0 - pad.1).abs() < 1e-9 && pad.0 > 0.5, "{pad:?}");
    }

    #[test]
    fn range_ignores_zeros_and_non_finite_values() {
        let clean = DecadeRange::fit([1e-3, 1e2]);
        let dirty = DecadeRange::fit([0.0, 1e-3, f64::NAN, f64::INFINITY, -5.0, 1e2, -0.0]);
        assert_eq!(clean, dirty);
    }

    #[test]
    fn all_equal_values_get_a_decade_centred_on_them() {
        let range = DecadeRange::fit([0.01; 5]);
        assert!(((range.lo + range.hi) / 2.0 + 2.0).abs() < 1e-12);
        assert!(range.hi - range.lo >= MIN_SPAN);
        let ticks = decade_ticks(range, 8);
        assert_eq!(labels(&ticks), ["5e-3", "1e-2", "2e-2"]);
    }

    #[test]
    fn nothing_to_place_shows_a_default_window_around_one() {
        for values in [vec![], vec![0.0, f64::NAN], vec![f64::NEG_INFINITY]] {
            let range = DecadeRange::fit(values);
            assert_eq!(range, DecadeRange { lo: -1.0, hi: 1.0 });
            assert_eq!(labels(&decade_ticks(range, 8)), ["0.1", "1", "10"]);
        }
    }

    #[test]
    fn the_whole_f32_range_gets_few_readable_labels() {
        // Subnormal-small to f32::MAX: 83 decades, labelled every 20.
        let range = DecadeRange::fit([1.4e-45, 3.4e38]);
        let ticks = decade_ticks(range, 8);
        assert_eq!(labels(&ticks), ["1e-40", "1e-20", "1", "1e20", "1e40"]);
        // Grid lines halfway between labels keep the decades countable.
        assert_eq!(ticks.unlabelled, [-50.0, -30.0, -10.0, 10.0, 30.0]);
    }

    #[test]
    fn absurd_values_are_capped_to_the_window() {
        let range = DecadeRange::fit([1e-300, 1e300]);
        assert!(
            range.lo >= DECADE_FLOOR - 10.0 && range.hi <= DECADE_CEIL + 10.0,
            "{range:?}"
        );
        assert!(range.lo < DECADE_FLOOR && range.hi > DECADE_CEIL);
        // Still labelled sparsely, never more than asked.
        assert!(decade_ticks(range, 6).labelled.len() <= 6);
    }

    #[test]
    fn vanishing_profile_is_labelled_every_decade_when_there_is_room() {
        let range = DecadeRange::fit([1e-12, 1e-1]);
        let ticks = decade_ticks(range, 12);
        let mut expected: Vec<String> = (-12..=-2).map(|e| format!("1e{e}")).collect();
        expected.push("0.1".to_owned());
        assert_eq!(labels(&ticks), expected);
        // … and every other decade when there is not.
        assert_eq!(
            labels(&decade_ticks(range, 6)),
            ["1e-12", "1e-10", "1e-8", "1e-6", "1e-4", "1e-2"]
        );
    }

    #[test]
    fn labels_are_never_long_floats() {
        for (lo, hi) in [
            (-45.3, 38.9),
            (-0.4, 0.7),
            (-7.9, -6.1),
            (2.2, 3.3),
            (-13.0, 2.0),
        ] {
            for max_labels in 2..12 {
                let ticks = decade_ticks(DecadeRange { lo, hi }, max_labels);
                assert!(ticks.labelled.len() <= max_labels, "{lo} {hi} {max_labels}");
                for (position, label) in &ticks.labelled {
                    assert!(label.len() <= 5, "{label}");
                    assert!(DecadeRange { lo, hi }.contains(*position));
                    // The label names the value at its position.
                    let value: f64 = label.parse().unwrap();
                    assert!(
                        (value.log10() - position).abs() < 1e-12,
                        "{label} at {position}"
                    );
                }
            }
        }
    }

    #[test]
    fn decade_labels_read_like_numbers() {
        let label = |mantissa, exponent| DecadeTick { mantissa, exponent }.label();
        assert_eq!(label(1, -5), "1e-5");
        assert_eq!(label(2, -2), "2e-2");
        assert_eq!(label(5, -1), "0.5");
        assert_eq!(label(1, 0), "1");
        assert_eq!(label(2, 1), "20");
        assert_eq!(label(1, 3), "1e3");
    }

    #[test]
    fn minor_grid_lines_fill_short_ranges_only() {
        let short = decade_ticks(
            DecadeRange {
                lo: -3.02,
                hi: -0.9,
            },
            8,
        );
        assert_eq!(labels(&short), ["1e-3", "1e-2", "0.1"]);
        assert_eq!(short.unlabelled.len(), 2 * 8);
        let long = decade_ticks(
            DecadeRange {
                lo: -12.6,
                hi: -0.4,
            },
            20,
        );
        assert!(long.unlabelled.is_empty());
    }

    #[test]
    fn layer_ticks_always_show_first_layer_and_readout() {
        assert_eq!(labels(&layer_ticks(4, 10, "out")), ["1", "2", "3", "out"]);
        assert_eq!(labels(&layer_ticks(21, 6, "out")), ["1", "5", "10", "15", "out"]);
        let deep = layer_ticks(201, 8, "out");
        assert_eq!(labels(&deep), ["1", "50", "100", "150", "out"]);
        assert_eq!(deep.label_at(201.0), "out");
        assert_eq!(deep.positions().last(), Some(&201.0));
        // A multiple right next to the first layer or the readout would collide with its label.
        assert_eq!(labels(&layer_ticks(11, 4, "out")), ["1", "5", "out"]);
        assert_eq!(
            labels(&layer_ticks(12, 7, "out")),
            ["1", "4", "6", "8", "10", "out"]
        );
        assert_eq!(labels(&layer_ticks(1, 8, "out")), ["out"]);
        assert!(layer_ticks(0, 8, "out").labelled.is_empty());
    }

    #[test]
    fn special_values_are_placed_at_the_edges() {
        assert_eq!(Placement::of(0.0), Placement::Zero);
        assert_eq!(Placement::of(-0.0), Placement::Zero);
        assert_eq!(Placement::of(f64::NAN), Placement::NonFinite);
        assert_eq!(Placement::of(f64::INFINITY), Placement::NonFinite);
        assert_eq!(Placement::of(f64::NEG_INFINITY), Placement::NonFinite);
        assert_eq!(Placement::of(-1e-3), Placement::NonFinite);
        assert_eq!(Placement::of(1e-3), Placement::At(-3.0));
        assert_eq!(
            Placement::of(f64::MIN_POSITIVE).decade(),
            Some(f64::MIN_POSITIVE.log10())
        );
    }

    #[test]
    fn lines_inside_the_range_are_kept_whole() {
        let range = -5.0..0.0;
        let points = [(1.0, Some(-4.0)), (2.0, Some(-3.0)), (3.0, Some(-1.0))];
        assert_eq!(
            visible_runs(&points, range),
            [vec![(1.0, -4.0), (2.0, -3.0), (3.0, -1.0)]]
        );
    }

    #[test]
    fn unplaceable_points_break_the_line() {
        let range = -5.0..0.0;
        let points = [
            (1.0, Some(-4.0)),
            (2.0, Some(-3.0)),
            (3.0, None),
            (4.0, Some(-1.0)),
        ];
        assert_eq!(
            visible_runs(&points, range),
            [vec![(1.0, -4.0), (2.0, -3.0)], vec![(4.0, -1.0)]]
        );
    }

    #[test]
    fn lines_leaving_the_range_are_cut_at_the_edge() {
        let range = -5.0..0.0;
        // Falls through the floor between x=2 and 3, comes back between 4 and 5.
        let points = [
            (1.0, Some(-1.0)),
            (2.0, Some(-3.0)),
            (3.0, Some(-7.0)),
            (4.0, Some(-9.0)),
            (5.0, Some(-3.0)),
        ];
        assert_runs_near(
            visible_runs(&points, range.clone()),
            &[
                &[(1.0, -1.0), (2.0, -3.0), (2.5, -5.0)],
                &[(4.0 + 4.0 / 6.0, -5.0), (5.0, -3.0)],
            ],
        );
        // A segment that crosses the whole window keeps only its middle.
        let steep = [(0.0, Some(5.0)), (1.0, Some(-10.0))];
        assert_runs_near(
            visible_runs(&steep, range.clone()),
            &[&[(1.0 / 3.0, 0.0), (2.0 / 3.0, -5.0)]],
        );
        let outside = [(0.0, Some(3.0)), (1.0, Some(4.0))];
        assert!(visible_runs(&outside, range).is_empty());
    }
}
