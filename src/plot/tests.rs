//! The plot rendered to SVG and read back: labels, legend, markers and where they sit.

use gradscope_core::probe::{LayerProbe, ProbeReport};
use gradscope_core::theory::{Inapplicable, MeanField, Theory};

use super::svg::*;
use super::*;
use crate::i18n::{Lang, Strings};

const SIZE: (u32, u32) = (720, 440);

fn english() -> &'static Strings {
    Lang::En.strings()
}

fn layer(layer: usize, delta_rms: f64, grad_w_norm: f64) -> LayerProbe {
    LayerProbe {
        layer,
        fan_in: 64,
        fan_out: 64,
        delta_rms,
        grad_w_norm,
        grad_b_norm: delta_rms,
        weight_norm: 8.0,
        act_mean: 0.5,
        act_std: 0.1,
        saturated: 0.0,
        dead: 0.0,
        local_gain: 0.1,
        delta_zero: delta_rms == 0.0,
        grad_w_zero: grad_w_norm == 0.0,
        nonfinite: !delta_rms.is_finite() || !grad_w_norm.is_finite(),
    }
}

fn mean_field(predicted_delta_rms: Vec<f64>) -> Theory {
    Theory::Applies(MeanField {
        sigma_w2: 1.0,
        sigma_b2: 0.0,
        q_star: 0.0,
        chi1: 0.1,
        depth_scale: 0.43,
        phase: "ordered".to_owned(),
        predicted_delta_rms,
        approximate: false,
    })
}

/// A sigmoid-like vanishing profile: δ from 1e-12 at layer 1 to 1e-1 at the readout (layer 12),
/// ‖∂L/∂W‖ three times that, and a theory line for the 11 hidden layers.
fn vanishing() -> ProbeReport {
    let delta = |l: usize| 10f64.powi(l as i32 - 13);
    ProbeReport {
        loss: 0.69,
        layers: (1..=12)
            .map(|l| layer(l, delta(l), 3.0 * delta(l)))
            .collect(),
        theory: mean_field((1..=11).map(|l| 2.0 * delta(l)).collect()),
        pre_activations: vec![],
    }
}

/// Underflow near the input (δ exactly 0 at layers 1–2, ‖∂L/∂W‖ at layer 1) and a NaN at layer 5.
fn broken() -> ProbeReport {
    let mut report = vanishing();
    for (index, (delta, grad_w)) in [(0.0, 0.0), (0.0, 1e-9)].into_iter().enumerate() {
        report.layers[index] = layer(index + 1, delta, grad_w);
    }
    report.layers[4] = layer(5, f64::NAN, f64::INFINITY);
    report
}

fn not_applicable() -> ProbeReport {
    ProbeReport {
        theory: Theory::not_applicable(Inapplicable::BatchNorm),
        ..vanishing()
    }
}

fn render(plot: &DepthPlot, style: &PlotStyle, size: (u32, u32)) -> String {
    svg::render(size, |root| draw_plot(root, plot, style))
}

fn render_report(report: &ProbeReport) -> String {
    render(&DepthPlot::from_report(report, english()), &PlotStyle::light(), SIZE)
}

/// The plotting area's top and bottom, from the readout band that spans it.
fn plot_top_bottom(svg: &str, colours: &Colours) -> (f64, f64) {
    let rects = elements(svg, "rect");
    let band = with_attr(&rects, "fill", &hex(colours.readout_band));
    assert_eq!(band.len(), 1, "one readout band");
    let top = number(band[0], "y");
    (top, top + number(band[0], "height"))
}

#[test]
fn vanishing_profile_has_decade_labels_legend_and_axis_titles() {
    let svg = render_report(&vanishing());
    let texts = texts(&svg);
    for expected in ["1e-10", "1e-8", "1e-6", "1e-4", "1e-2", "1", "out"] {
        assert!(
            texts.iter().any(|t| t == expected),
            "no {expected:?} in {texts:?}"
        );
    }
    for expected in ["‖∂L/∂h‖ RMS", "‖∂L/∂W‖", "theory (mean field)"] {
        assert!(
            texts.iter().any(|t| t == expected),
            "legend lacks {expected:?}"
        );
    }
    assert!(texts.iter().any(|t| t == "layer (input → output)"));
    assert!(texts.iter().any(|t| t == "gradient norm (log scale)"));
    // Nothing special to explain, so no edge-marker entries.
    assert!(!texts.iter().any(|t| t == "exactly 0" || t == "NaN or ±∞"));
    // Every tick label is short and names a power of ten or a layer.
    for text in texts
        .iter()
        .filter(|t| t.starts_with(|c: char| c.is_ascii_digit()))
    {
        assert!(text.len() <= 5, "{text:?}");
        let value: f64 = text.parse().unwrap();
        assert!(
            value.log10().fract() == 0.0 || value.fract() == 0.0,
            "{text:?}"
        );
    }
}

#[test]
fn each_measured_point_gets_its_marker_and_the_theory_its_line() {
    let colours = PlotStyle::light().colours;
    let svg = render_report(&vanishing());
    // 12 layers + 1 legend sample each: circles for δ, squares for ∂W.
    assert_eq!(
        with_attr(&elements(&svg, "circle"), "fill", &hex(colours.delta)).len(),
        13
    );
    assert_eq!(
        with_attr(&elements(&svg, "rect"), "fill", &hex(colours.grad_w)).len(),
        13
    );
    // Unbroken profiles: one polyline per measured series (plus the legend samples).
    let lines = elements(&svg, "polyline");
    assert_eq!(with_attr(&lines, "stroke", &hex(colours.delta)).len(), 2);
    assert_eq!(with_attr(&lines, "stroke", &hex(colours.grad_w)).len(), 2);
    // The theory is dashed: many short pieces, none of them markers.
    let dashes = with_attr(&lines, "stroke", &hex(colours.theory)).len();
    assert!(dashes > 10, "{dashes} dashes");
    assert!(with_attr(&elements(&svg, "circle"), "fill", &hex(colours.theory)).is_empty());
}

#[test]
fn zeros_sit_on_the_bottom_edge_and_nan_on_the_top_edge() {
    let colours = PlotStyle::light().colours;
    let svg = render_report(&broken());
    let (top, bottom) = plot_top_bottom(&svg, &colours);
    let polygons = elements(&svg, "polygon");

    // δ is 0 at layers 1 and 2, ∂W at layer 1: ▼ in the series' colour, tip on the bottom edge.
    for (colour, count) in [(colours.delta, 2), (colours.grad_w, 1)] {
        let zeros = with_attr(&polygons, "fill", &hex(colour));
        assert_eq!(zeros.len(), count);
        for zero in zeros {
            let ys = polygon_ys(zero);
            let tip = ys.iter().copied().fold(f64::MIN, f64::max);
            assert!(
                (tip - bottom).abs() <= 1.0,
                "tip {tip}, bottom edge {bottom}"
            );
            assert!(ys.iter().all(|&y| y >= top && y <= bottom));
        }
    }
    // … and one ▼ in the legend, explained.
    assert_eq!(with_attr(&polygons, "fill", &hex(colours.text)).len(), 1);
    let texts = texts(&svg);
    assert!(texts.iter().any(|t| t == "exactly 0") && texts.iter().any(|t| t == "NaN or ±∞"));

    // Layer 5 is NaN (δ) and ∞ (∂W): two ✕ just under the top edge, plus the legend's; each ✕ is
    // two strokes in the warning colour.
    let lines = elements(&svg, "line");
    let crosses = with_attr(&lines, "stroke", &hex(colours.non_finite));
    assert_eq!(crosses.len(), 2 * 3);
    let in_plot: Vec<_> = crosses
        .iter()
        .filter(|line| number(line, "y1") >= top)
        .collect();
    assert_eq!(in_plot.len(), 2 * 2);
    for line in in_plot {
        let highest = number(line, "y1").min(number(line, "y2"));
        assert!(
            (highest - top).abs() <= 2.0,
            "cross at {highest}, top edge {top}"
        );
    }

    // The lines break at the gaps: δ runs over layers 3–4 and 6–12 (+ legend sample).
    let polylines = elements(&svg, "polyline");
    assert_eq!(
        with_attr(&polylines, "stroke", &hex(colours.delta)).len(),
        3
    );
    // No marker for a value that has no place: 12 layers − 3 special + 1 legend circle.
    assert_eq!(
        with_attr(&elements(&svg, "circle"), "fill", &hex(colours.delta)).len(),
        10
    );
}

#[test]
fn without_theory_the_plot_says_why_and_draws_no_line() {
    let colours = PlotStyle::light().colours;
    let svg = render_report(&not_applicable());
    let texts = texts(&svg);
    let note = texts
        .iter()
        .find(|t| t.starts_with("No theory line:"))
        .expect("a note");
    assert!(note.contains("Batch normalization"), "{note}");
    let words: String = texts
        .iter()
        .filter(|t| !t.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        words.contains("ICLR 2019)."),
        "the whole reason is shown: {words}"
    );
    assert!(!texts.iter().any(|t| t == "theory (mean field)"));
    assert!(!svg.contains(&hex(colours.theory)));
    // The measured series are all still there.
    assert_eq!(
        with_attr(&elements(&svg, "circle"), "fill", &hex(colours.delta)).len(),
        13
    );
}

#[test]
fn a_long_note_wraps_on_a_narrow_screen() {
    let svg = render(
        &DepthPlot::from_report(&not_applicable(), english()),
        &PlotStyle::light(),
        (320, 420),
    );
    let texts = texts(&svg);
    let first = texts
        .iter()
        .position(|t| t.starts_with("No theory line:"))
        .unwrap();
    assert!(
        !texts[first].ends_with("2019)."),
        "wrapped"
    );
    assert!(texts[first + 1..]
        .iter()
        .any(|t| t.ends_with("ICLR 2019).")));
}

#[test]
fn in_chinese_the_titles_legend_and_note_are_chinese_and_the_note_wraps_between_characters() {
    let chinese = Lang::ZhCn.strings();
    let width = 320;
    let style = PlotStyle::light().in_language(Lang::ZhCn);
    let svg = render(&DepthPlot::from_report(&not_applicable(), chinese), &style, (width, 420));
    let texts = texts(&svg);
    for expected in [chinese.plot.layer_axis, chinese.plot.gradient_axis, chinese.plot.readout_tick, chinese.plot.delta_rms] {
        assert!(texts.iter().any(|t| t == expected), "{expected:?} missing from {texts:?}");
    }
    assert!(!texts.iter().any(|t| t == english().plot.layer_axis), "no English left: {texts:?}");
    let reason = crate::i18n::inapplicable(chinese, Inapplicable::BatchNorm);
    let note = crate::tr!(chinese, plot.no_theory, reason = reason).replace(' ', "");
    let start = texts.iter().position(|t| note.starts_with(t.as_str())).expect("the note is drawn");
    let mut rows: Vec<String> = Vec::new();
    while rows.concat().replace(' ', "") != note {
        rows.push(texts[start + rows.len()].clone());
        assert!(note.starts_with(&rows.concat().replace(' ', "")), "the note's rows, in order: {rows:?}");
    }
    assert!(rows.len() > 1, "a long Chinese note has no spaces but must still wrap: {rows:?}");
    let note_px = style.font(super::legend::NOTE_FONT);
    for row in &rows {
        assert!(super::layout::text_width(row, note_px) <= width, "{row:?} is wider than the plot");
    }
}

#[test]
fn a_reference_report_is_drawn_faded_behind_the_current_one() {
    let colours = PlotStyle::light().colours;
    let plot = DepthPlot::from_report(&vanishing(), english()).with_reference(&broken(), "at init", english());
    assert_eq!(plot.series.len(), 5);
    let svg = render(&plot, &PlotStyle::light(), SIZE);
    let texts = texts(&svg);
    assert!(texts.iter().any(|t| t == "‖∂L/∂h‖ RMS, at init"));
    assert!(texts.iter().any(|t| t == "‖∂L/∂W‖, at init"));
    let faded_lines: Vec<_> = elements(&svg, "polyline")
        .into_iter()
        .filter(|line| line.get("stroke") == Some(&hex(colours.delta).as_str()))
        .filter(|line| line.get("opacity") == Some(&"0.5"))
        .collect();
    // The reference's δ line has the same two runs as `broken` on its own, plus a legend sample.
    assert_eq!(faded_lines.len(), 3);
    // Its zeros and NaN still get markers (the reference report is where they come from).
    assert!(texts.iter().any(|t| t == "exactly 0"));
}

#[test]
fn dark_mode_uses_the_dark_colours() {
    let dark = PlotStyle::dark();
    let svg = render(&DepthPlot::from_report(&broken(), english()), &dark, SIZE);
    let rects = elements(&svg, "rect");
    assert_eq!(
        number(&rects[0], "width"),
        f64::from(SIZE.0),
        "background first"
    );
    assert_eq!(rects[0]["fill"], hex(dark.colours.background));
    assert!(svg.contains(&hex(dark.colours.delta)) && svg.contains(&hex(dark.colours.non_finite)));
    assert!(!svg.contains(&hex(PlotStyle::light().colours.delta)));
}

#[test]
fn high_dpi_scales_text_and_lines() {
    let plot = DepthPlot::from_report(&vanishing(), english());
    let single = render(&plot, &PlotStyle::light(), SIZE);
    let double = render(
        &plot,
        &PlotStyle::light().scaled(2.0),
        (SIZE.0 * 2, SIZE.1 * 2),
    );
    let font_sizes = |svg: &str| -> Vec<f64> {
        elements(svg, "text")
            .iter()
            .map(|t| number(t, "font-size"))
            .collect()
    };
    let (small, large) = (font_sizes(&single), font_sizes(&double));
    assert_eq!(small.len(), large.len(), "same labels at both scales");
    for (s, l) in small.iter().zip(&large) {
        assert!((l - 2.0 * s).abs() < 1e-9, "{s} → {l}");
    }
    let widths = |svg: &str| -> Vec<f64> {
        elements(svg, "polyline")
            .iter()
            .map(|l| number(l, "stroke-width"))
            .collect()
    };
    assert_eq!(
        widths(&double),
        widths(&single).iter().map(|w| 2.0 * w).collect::<Vec<_>>()
    );
}

#[test]
fn deep_networks_thin_the_labels_and_drop_point_markers() {
    let colours = PlotStyle::light().colours;
    let report = ProbeReport {
        loss: 2.3,
        layers: (1..=201)
            .map(|l| layer(l, 0.97f64.powi(201 - l as i32), 0.1))
            .collect(),
        theory: mean_field(vec![0.5; 200]),
        pre_activations: vec![],
    };
    let svg = render_report(&report);
    let texts = texts(&svg);
    for expected in ["1", "20", "100", "180", "out"] {
        assert!(
            texts.iter().any(|t| t == expected),
            "no {expected:?} in {texts:?}"
        );
    }
    assert!(!texts.iter().any(|t| t == "200" || t == "201"));
    // Only the legend's sample: 201 circles would merge into a smear.
    assert_eq!(
        with_attr(&elements(&svg, "circle"), "fill", &hex(colours.delta)).len(),
        1
    );
}

#[test]
fn degenerate_input_draws_without_error() {
    let empty = ProbeReport {
        loss: f64::NAN,
        layers: vec![],
        theory: mean_field(vec![]),
        pre_activations: vec![],
    };
    render_report(&empty);
    let all_nan = ProbeReport {
        loss: f64::NAN,
        layers: (1..=3).map(|l| layer(l, f64::NAN, f64::NAN)).collect(),
        theory: mean_field(vec![f64::NAN, f64::INFINITY]),
        pre_activations: vec![],
    };
    let texts = texts(&render_report(&all_nan));
    assert!(texts.iter().any(|t| t == "NaN or ±∞"));
    // Too small for a chart: only the background and legend, no error.
    render(
        &DepthPlot::from_report(&vanishing(), english()),
        &PlotStyle::light(),
        (90, 60),
    );
}

/// Writes the plot as SVG to `target/` so a person can look at it.
#[test]
fn write_previews() {
    let deep = ProbeReport {
        loss: 2.3,
        layers: (1..=61)
            .map(|l| {
                layer(
                    l,
                    1e-30 * 1.9f64.powi(l as i32),
                    2e-30 * 1.9f64.powi(l as i32),
                )
            })
            .collect(),
        theory: mean_field((1..=60).map(|l| 1.5e-30 * 1.9f64.powi(l)).collect()),
        pre_activations: vec![],
    };
    let previews = [
        (
            "plot-preview",
            DepthPlot::from_report(&broken(), english()),
            PlotStyle::light(),
            SIZE,
        ),
        (
            "plot-preview-dark",
            DepthPlot::from_report(&broken(), english()),
            PlotStyle::dark(),
            SIZE,
        ),
        (
            "plot-preview-na",
            DepthPlot::from_report(&not_applicable(), english()),
            PlotStyle::light(),
            (360, 400),
        ),
        (
            "plot-preview-deep",
            DepthPlot::from_report(&deep, english()),
            PlotStyle::light(),
            SIZE,
        ),
        (
            "plot-preview-reference",
            DepthPlot::from_report(&vanishing(), english()).with_reference(&broken(), "at init", english()),
            PlotStyle::dark().scaled(2.0),
            (SIZE.0 * 2, SIZE.1 * 2),
        ),
    ];
    for (name, plot, style, size) in previews {
        write_preview(name, &render(&plot, &style, size));
    }
}
