//! The activation chart: φ and φ′ of the chosen activation over φ's input z, with where one
//! hidden layer's units sit shaded on top (the probe's histogram of z, on a right-hand axis)
//! and φ's flat region marked: the saturated tails, or ReLU's zero side.

use gradscope_core::config::Activation;
use gradscope_core::probe::{PreActivationHistogram, PRE_ACTIVATION_HIGH, PRE_ACTIVATION_LOW};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::frame::{draw_line, frame, stroke, Axes, Axis, DrawResult};
use super::histogram::Saturation;
use super::legend::{draw_header, LegendEntry, Swatch};
use super::style::PlotStyle;
use crate::format;
use crate::i18n::Strings;
use crate::tr;

/// Points per curve over [−6, 6]: a step of 1/40, so z = 0 (ReLU's kink) is a sample.
const CURVE_POINTS: usize = 481;
/// Room above the tallest bar, as a fraction of it.
const HEADROOM: f64 = 0.1;
/// Opacity of the histogram bars: the curves and the grid stay visible through them.
const BAR_OPACITY: f64 = 0.55;
const LINE: f64 = 2.0;

/// What the chart shows: `histogram` is one hidden layer's (`layer`).
#[derive(Clone, Copy, Debug)]
pub struct ActivationChart<'a> {
    pub act: Activation,
    /// leaky_relu's negative slope.
    pub slope: f32,
    pub histogram: &'a PreActivationHistogram,
}

/// Where φ passes (almost) no gradient back, on the z axis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FlatRegion {
    /// z below `low` or above `high`: the probe's saturation rule for φ's output (|tanh| > 0.97,
    /// sigmoid outside [0.03, 0.97]) mapped back through φ⁻¹.
    Tails { low: f64, high: f64 },
    /// z < 0, where ReLU is 0 with slope 0: a unit there for every example is dead.
    Negative,
}

impl FlatRegion {
    /// φ's flat region, if it has one the probe counts.
    pub fn of(act: Activation) -> Option<FlatRegion> {
        let logit = |p: f64| libm::log(p / (1.0 - p));
        match act {
            Activation::Tanh => Some(FlatRegion::Tails { low: libm::atanh(Saturation::TANH.low), high: libm::atanh(Saturation::TANH.high) }),
            Activation::Sigmoid => Some(FlatRegion::Tails { low: logit(Saturation::SIGMOID.low), high: logit(Saturation::SIGMOID.high) }),
            Activation::Relu => Some(FlatRegion::Negative),
            _ => None,
        }
    }

    /// The stretches of [`PRE_ACTIVATION_LOW`, `PRE_ACTIVATION_HIGH`] it covers.
    pub fn spans(self) -> Vec<(f64, f64)> {
        match self {
            FlatRegion::Tails { low, high } => vec![(PRE_ACTIVATION_LOW, low), (high, PRE_ACTIVATION_HIGH)],
            FlatRegion::Negative => vec![(PRE_ACTIVATION_LOW, 0.0)],
        }
    }

    fn describe(self, words: &Strings) -> &'static str {
        match self {
            FlatRegion::Tails { .. } => words.activation_chart.saturated,
            FlatRegion::Negative => words.activation_chart.relu_off,
        }
    }
}

/// (z, φ(z), φ′(z)) at `CURVE_POINTS` evenly spaced z over the histogram's range, in f64.
pub fn curve(act: Activation, slope: f32) -> Vec<(f64, f64, f64)> {
    let step = (PRE_ACTIVATION_HIGH - PRE_ACTIVATION_LOW) / (CURVE_POINTS - 1) as f64;
    let slope = f64::from(slope);
    (0..CURVE_POINTS)
        .map(|i| {
            let z = PRE_ACTIVATION_LOW + i as f64 * step;
            (z, act.f(z, slope), act.df(z, slope))
        })
        .collect()
}

/// The left axis: every value of φ and φ′ on the curve, and 0, with a twentieth of the span
/// to spare on each side.
pub fn value_range(points: &[(f64, f64, f64)]) -> std::ops::Range<f64> {
    let values = points.iter().flat_map(|&(_, f, df)| [f, df]).filter(|v| v.is_finite());
    let (lo, hi) = values.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let pad = (hi - lo).max(1.0) / 20.0;
    lo - pad..hi + pad
}

/// Each bin's share of the layer's values, in percent, and the right axis' top: the largest
/// share with `HEADROOM` (1% when the bins are empty).
pub fn shares(histogram: &PreActivationHistogram) -> (Vec<f64>, f64) {
    let total = histogram.total().max(1) as f64;
    let shares: Vec<f64> = histogram.counts.iter().map(|&c| 100.0 * f64::from(c) / total).collect();
    let top = shares.iter().copied().fold(0.0, f64::max);
    (shares, if top > 0.0 { top * (1.0 + HEADROOM) } else { 1.0 })
}

/// Draws φ (solid) and φ′ (dashed) against z on the left axis, the layer's histogram of z as
/// bars on the right axis (share of its batch × width values per bin of 1/8), φ's flat region
/// shaded behind, and above the chart how many values lie beyond the axis or are not finite.
pub fn draw_activation<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &ActivationChart, style: &PlotStyle) -> DrawResult<(), DB> {
    let colours = &style.colours;
    let words = style.words();
    let t = &words.activation_chart;
    let histogram = chart.histogram;
    let (phi_line, slope_line) = (stroke(colours.delta, LINE, style), stroke(colours.grad_w, LINE, style));
    let bar = colours.theory.mix(BAR_OPACITY);
    let flat = FlatRegion::of(chart.act);
    let mut entries = vec![
        LegendEntry::new(Swatch::Line { line: phi_line, dashed: false, marker: None }, tr!(words, activation_chart.phi, act = chart.act.name())),
        LegendEntry::new(Swatch::Line { line: slope_line, dashed: true, marker: None }, t.slope),
        LegendEntry::new(Swatch::Fill(colours.theory), tr!(words, activation_chart.histogram, layer = histogram.layer)),
    ];
    if let Some(flat) = flat {
        entries.push(LegendEntry::new(Swatch::Fill(colours.readout_band), flat.describe(words)));
    }
    let note = outside_note(histogram, words);
    let body = draw_header(root, &entries, (!note.is_empty()).then_some(note.as_str()), style)?;

    let points = curve(chart.act, chart.slope);
    let (shares, share_top) = shares(histogram);
    let x_range = PRE_ACTIVATION_LOW..PRE_ACTIVATION_HIGH;
    let mut axes = Axes::new(Axis::linear(x_range, t.z_axis, false), Axis::linear(value_range(&points), t.value_axis, false));
    axes.right = Some(Axis::linear(0.0..share_top, t.share_axis, false));
    let Some(frame) = frame(&body, axes, style)? else {
        return Ok(());
    };
    if let Some(flat) = flat {
        let area = frame.chart.plotting_area();
        let y = area.get_y_range();
        for (from, to) in flat.spans() {
            area.draw(&Rectangle::new([(from, y.start), (to, y.end)], colours.readout_band.filled()))?;
        }
    }
    let dual = frame.into_dual(style)?;
    let bars = dual.secondary_plotting_area();
    for (i, &share) in shares.iter().enumerate().filter(|(_, &s)| s > 0.0) {
        let (left, right) = PreActivationHistogram::bin(i);
        bars.draw(&Rectangle::new([(left, 0.0), (right, share)], bar.filled()))?;
    }
    let area = dual.plotting_area();
    let line = |value: fn(&(f64, f64, f64)) -> f64| -> Vec<(f64, Option<f64>)> { points.iter().map(|p| (p.0, Some(value(p)).filter(|v| v.is_finite()))).collect() };
    draw_line(area, &line(|p| p.2), slope_line, true, style)?;
    draw_line(area, &line(|p| p.1), phi_line, false, style)
}

/// "12% of z below −6; 3% at 6 or above; 4 values NaN or ±∞, not shown", the parts that apply.
fn outside_note(histogram: &PreActivationHistogram, words: &Strings) -> String {
    let share = |count: u32| format::percent(f64::from(count) / histogram.total().max(1) as f64);
    let mut parts = Vec::new();
    if histogram.below > 0 {
        parts.push(tr!(words, activation_chart.below, share = share(histogram.below), low = PRE_ACTIVATION_LOW));
    }
    if histogram.above > 0 {
        parts.push(tr!(words, activation_chart.above, share = share(histogram.above), high = PRE_ACTIVATION_HIGH));
    }
    if histogram.nonfinite > 0 {
        parts.push(tr!(words, plot.not_shown, count = histogram.nonfinite));
    }
    parts.join(words.table.notes_separator)
}

#[cfg(test)]
mod tests {
    use super::super::svg::{self, filled_rects, hex, polylines, texts, write_preview, PlotBox, Rect};
    use super::*;
    use gradscope_core::probe::PRE_ACTIVATION_BINS;
    use crate::i18n::Lang;

    const SIZE: (u32, u32) = (640, 400);

    fn histogram(layer: usize, counts: &[(usize, u32)], below: u32, above: u32, nonfinite: u32) -> PreActivationHistogram {
        let mut bins = vec![0; PRE_ACTIVATION_BINS];
        for &(bin, count) in counts {
            bins[bin] = count;
        }
        PreActivationHistogram { layer, counts: bins, below, above, nonfinite }
    }

    fn render(chart: &ActivationChart, style: &PlotStyle) -> String {
        svg::render(SIZE, |root| draw_activation(root, chart, style))
    }

    /// The chart's pixel ↔ value maps, from its plotting area and axis ranges.
    struct Mapping {
        plot: PlotBox,
        values: std::ops::Range<f64>,
        share_top: f64,
    }

    impl Mapping {
        fn z_at(&self, x: f64) -> f64 {
            PRE_ACTIVATION_LOW + (x - self.plot.left) / (self.plot.right - self.plot.left) * (PRE_ACTIVATION_HIGH - PRE_ACTIVATION_LOW)
        }
        fn y_of(&self, value: f64, range: std::ops::Range<f64>) -> f64 {
            self.plot.bottom - (value - range.start) / (range.end - range.start) * (self.plot.bottom - self.plot.top)
        }
    }

    fn mapping(svg: &str, chart: &ActivationChart) -> Mapping {
        let plot = PlotBox::find(svg, PlotStyle::light().colours.axis);
        Mapping { plot, values: value_range(&curve(chart.act, chart.slope)), share_top: shares(chart.histogram).1 }
    }

    /// Every point of every line drawn in `colour` inside the plot (the legend's swatch is not).
    fn plotted(svg: &str, colour: RGBColor, plot: PlotBox) -> Vec<(f64, f64)> {
        polylines(svg, colour).into_iter().filter(|line| line.iter().all(|&(x, y)| plot.holds(x, y))).flatten().collect()
    }

    #[test]
    fn the_curves_are_phi_and_its_derivative_at_every_drawn_point() {
        let layer = histogram(1, &[(48, 10)], 0, 0, 0);
        let colours = PlotStyle::light().colours;
        for act in [Activation::Sigmoid, Activation::Tanh, Activation::Relu, Activation::LeakyRelu, Activation::Selu, Activation::Gelu] {
            let chart = ActivationChart { act, slope: 0.2, histogram: &layer };
            let svg = render(&chart, &PlotStyle::light());
            let map = mapping(&svg, &chart);
            for (colour, value) in [(colours.delta, Activation::f::<f64> as fn(Activation, f64, f64) -> f64), (colours.grad_w, Activation::df::<f64>)] {
                let points = plotted(&svg, colour, map.plot);
                assert!(points.len() > 100, "{act}: {} points", points.len());
                for (x, y) in points {
                    let z = map.z_at(x);
                    // A drawn point is a sample or lies on the straight line between two samples
                    // 1/40 apart (leaky_relu′ jumps at 0), and a pixel of rounding moves z by
                    // 12/plot width: compare with the curve's values around z.
                    let wiggle = 1.0 / 40.0 + 12.0 / (map.plot.right - map.plot.left);
                    let near: Vec<f64> = (-4..=4).map(|k| z + f64::from(k) * wiggle / 4.0).map(|z| map.y_of(value(act, z, 0.2), map.values.clone())).collect();
                    let (lo, hi) = near.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
                    assert!(lo - 1.5 <= y && y <= hi + 1.5, "{act}: pixel ({x}, {y}) is off the curve at z = {z} ({lo}..{hi})");
                }
            }
        }
    }

    #[test]
    fn known_points_sigmoid_slope_peaks_at_a_quarter_and_relu_slope_is_one_on_the_positive_side() {
        let layer = histogram(1, &[(48, 10)], 0, 0, 0);
        let colours = PlotStyle::light().colours;
        let sigmoid = ActivationChart { act: Activation::Sigmoid, slope: 0.01, histogram: &layer };
        let svg = render(&sigmoid, &PlotStyle::light());
        let map = mapping(&svg, &sigmoid);
        let highest = plotted(&svg, colours.grad_w, map.plot).into_iter().fold(f64::MAX, |top, (_, y)| top.min(y));
        assert!((highest - map.y_of(0.25, map.values.clone())).abs() <= 1.0, "φ′ peaks at 1/4");
        let relu = ActivationChart { act: Activation::Relu, ..sigmoid };
        let svg = render(&relu, &PlotStyle::light());
        let map = mapping(&svg, &relu);
        let (one, zero) = (map.y_of(1.0, map.values.clone()), map.y_of(0.0, map.values.clone()));
        for (x, y) in plotted(&svg, colours.grad_w, map.plot) {
            let expected = if map.z_at(x) > 0.05 { one } else if map.z_at(x) < -0.05 { zero } else { continue };
            assert!((y - expected).abs() <= 1.0, "relu′ at z = {}: {y} vs {expected}", map.z_at(x));
        }
    }

    #[test]
    fn the_shaded_mass_is_the_histogram_bin_by_bin() {
        // 1000 values: 600 in [0, 1/8), 250 in [−1, −7/8), 100 in [2, 2.125), 50 beyond the axis.
        let layer = histogram(3, &[(48, 600), (40, 250), (64, 100)], 30, 20, 0);
        let chart = ActivationChart { act: Activation::Tanh, slope: 0.01, histogram: &layer };
        let style = PlotStyle::light();
        let svg = render(&chart, &style);
        write_preview("activation", &svg);
        let map = mapping(&svg, &chart);
        let bar_fill = hex(style.colours.theory);
        let bars: Vec<Rect> = filled_rects(&svg).into_iter().filter(|r| r.fill == bar_fill && map.plot.holds_rect(r)).collect();
        assert_eq!(bars.len(), 3, "one bar per non-empty bin");
        assert_eq!(map.share_top, 60.0 * 1.1);
        for (bin, count) in [(48, 600.0), (40, 250.0), (64, 100.0)] {
            let (left, right) = PreActivationHistogram::bin(bin);
            let bar = bars.iter().find(|r| (map.z_at(r.x) - left).abs() < 0.05).unwrap_or_else(|| panic!("no bar at {left}"));
            assert!((map.z_at(bar.x + bar.width) - right).abs() < 0.05, "bin {bin} is 1/8 wide");
            let share = count / 1000.0 * 100.0;
            let height = share / map.share_top * (map.plot.bottom - map.plot.top);
            assert!((bar.height - height).abs() <= 1.0, "bin {bin}: {} px for {share}%", bar.height);
        }
        // The values off the axis are said, not lost.
        let texts = texts(&svg);
        assert!(texts.iter().any(|t| t.contains("3% of z below -6")), "{texts:?}");
        assert!(texts.iter().any(|t| t.contains("2% at 6 or above")), "{texts:?}");
        assert!(texts.iter().any(|t| t == "layer 3: share of z per bin (right axis)"), "{texts:?}");
    }

    #[test]
    fn the_flat_region_is_shaded_where_the_probe_counts_saturation_or_relu_is_off() {
        let FlatRegion::Tails { low, high } = FlatRegion::of(Activation::Tanh).unwrap() else { panic!("tanh saturates") };
        assert!((libm::tanh(high) - 0.97).abs() < 1e-12 && low == -high);
        let FlatRegion::Tails { low, high } = FlatRegion::of(Activation::Sigmoid).unwrap() else { panic!("sigmoid saturates") };
        let sigmoid = |z: f64| 1.0 / (1.0 + libm::exp(-z));
        assert!((sigmoid(low) - 0.03).abs() < 1e-12 && (sigmoid(high) - 0.97).abs() < 1e-12);
        assert_eq!(FlatRegion::of(Activation::Relu), Some(FlatRegion::Negative));
        assert_eq!(FlatRegion::of(Activation::Gelu), None);

        let layer = histogram(1, &[(48, 1)], 0, 0, 0);
        let style = PlotStyle::light();
        let band = hex(style.colours.readout_band);
        let bands = |act| {
            let chart = ActivationChart { act, slope: 0.01, histogram: &layer };
            let svg = render(&chart, &style);
            let map = mapping(&svg, &chart);
            let mut spans: Vec<(f64, f64)> = filled_rects(&svg).into_iter().filter(|r| r.fill == band && map.plot.holds_rect(r)).map(|r| (map.z_at(r.x), map.z_at(r.x + r.width))).collect();
            spans.sort_by(|a, b| a.0.total_cmp(&b.0));
            spans
        };
        let tanh = bands(Activation::Tanh);
        assert_eq!(tanh.len(), 2);
        let edge = libm::atanh(0.97);
        assert!((tanh[0].0 + 6.0).abs() < 0.05 && (tanh[0].1 + edge).abs() < 0.05 && (tanh[1].0 - edge).abs() < 0.05, "{tanh:?}");
        let relu = bands(Activation::Relu);
        assert!(relu.len() == 1 && relu[0].1.abs() < 0.05, "{relu:?}");
        assert!(bands(Activation::Silu).is_empty());
    }

    #[test]
    fn chinese_words_and_the_dark_palette() {
        let layer = histogram(2, &[(50, 5)], 0, 0, 2);
        let chart = ActivationChart { act: Activation::Sigmoid, slope: 0.01, histogram: &layer };
        let style = PlotStyle::dark().in_language(Lang::ZhCn);
        let svg = render(&chart, &style);
        let texts = texts(&svg);
        let words = Lang::ZhCn.strings();
        assert!(texts.iter().any(|t| t == words.activation_chart.z_axis), "{texts:?}");
        assert!(texts.iter().any(|t| t.contains(&tr!(words, plot.not_shown, count = 2))), "{texts:?}");
        let map = Mapping { plot: PlotBox::find(&svg, PlotStyle::dark().colours.axis), values: 0.0..1.0, share_top: 0.0 };
        assert!(plotted(&svg, PlotStyle::dark().colours.delta, map.plot).len() > 100, "φ in the dark palette's colour");
        assert!(polylines(&svg, PlotStyle::light().colours.delta).is_empty());
    }
}
