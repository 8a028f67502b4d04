//! Colour maps, free of drawing: viridis for magnitudes (perceptually uniform, readable with the
//! common colour-vision deficiencies and in greyscale), the log colour scale of the heatmap, and
//! the two-class map of the decision boundary.

use plotters::style::RGBColor;

use super::scale::{decade_ticks, AxisTicks, DecadeRange, Placement};
use super::style::Colours;

/// Matplotlib's viridis (van der Walt & Smith, CC0) at 0, 1/16, …, 1, from its 256-entry table;
/// linear interpolation between them stays within 6/255 of the full table.
const VIRIDIS: [RGBColor; 17] = [
    RGBColor(0x44, 0x01, 0x54),
    RGBColor(0x48, 0x18, 0x6a),
    RGBColor(0x47, 0x2d, 0x7b),
    RGBColor(0x42, 0x40, 0x86),
    RGBColor(0x3b, 0x52, 0x8b),
    RGBColor(0x33, 0x63, 0x8d),
    RGBColor(0x2c, 0x72, 0x8e),
    RGBColor(0x26, 0x81, 0x8e),
    RGBColor(0x21, 0x90, 0x8c),
    RGBColor(0x1f, 0x9f, 0x88),
    RGBColor(0x28, 0xae, 0x80),
    RGBColor(0x3e, 0xbc, 0x74),
    RGBColor(0x5d, 0xc9, 0x63),
    RGBColor(0x82, 0xd3, 0x4c),
    RGBColor(0xab, 0xdc, 0x32),
    RGBColor(0xd5, 0xe2, 0x1a),
    RGBColor(0xfd, 0xe7, 0x25),
];

/// Viridis at `t` ∈ [0, 1]: dark purple (low) through teal to yellow (high). Values outside are
/// clamped, NaN gives the low end.
pub fn viridis(t: f64) -> RGBColor {
    let segments = (VIRIDIS.len() - 1) as f64;
    let position = if t.is_nan() {
        0.0
    } else {
        t.clamp(0.0, 1.0) * segments
    };
    let index = (position as usize).min(VIRIDIS.len() - 2);
    mix(VIRIDIS[index], VIRIDIS[index + 1], position - index as f64)
}

/// `from` moved a fraction `t` ∈ [0, 1] of the way to `to`, channel by channel.
pub fn mix(from: RGBColor, to: RGBColor, t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let channel = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    RGBColor(
        channel(from.0, to.0),
        channel(from.1, to.1),
        channel(from.2, to.2),
    )
}

/// Maps positive values to viridis by their decade: the smallest value in view at the dark end,
/// the largest at the bright end. Exact zeros and NaN/±∞ get colours of their own, outside the map.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogColourScale {
    pub decades: DecadeRange,
}

impl LogColourScale {
    pub fn fit(values: impl IntoIterator<Item = f64>) -> Self {
        Self {
            decades: DecadeRange::spanning(values),
        }
    }

    /// Where a decade falls on the ramp, 0 (bottom) … 1 (top), clamped.
    pub fn fraction(&self, decade: f64) -> f64 {
        let DecadeRange { lo, hi } = self.decades;
        ((decade - lo) / (hi - lo)).clamp(0.0, 1.0)
    }

    pub fn colour(&self, placement: Placement, colours: &Colours) -> RGBColor {
        match placement {
            Placement::At(decade) => viridis(self.fraction(decade)),
            Placement::Zero => colours.zero_cell,
            Placement::NonFinite => colours.non_finite,
        }
    }

    /// Decade ticks for the legend bar.
    pub fn ticks(&self, max_labels: usize) -> AxisTicks {
        decade_ticks(self.decades, max_labels)
    }

    /// The pixel row of `decade` on a bar drawn from `top` (the largest value) to `bottom`.
    pub fn pixel(&self, decade: f64, top: i32, bottom: i32) -> i32 {
        let fraction = self.fraction(decade);
        (f64::from(bottom) - fraction * f64::from(bottom - top)).round() as i32
    }
}

/// Two-class probability map: the background at P = ½ (undecided), deepening towards the class-0
/// colour as P(class 1) → 0 and the class-1 colour as P → 1. At most `MAX_TINT` of the way, so
/// the data points in full colour stand out. NaN gets the warning colour.
pub fn class_fill(probability: f64, colours: &Colours) -> RGBColor {
    const MAX_TINT: f64 = 0.55;
    if !probability.is_finite() {
        return colours.non_finite;
    }
    let p = probability.clamp(0.0, 1.0);
    let class = if p < 0.5 {
        colours.class_0
    } else {
        colours.class_1
    };
    mix(colours.background, class, MAX_TINT * (2.0 * p - 1.0).abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::PlotStyle;

    /// CIE L* (0 = black, 100 = white): lightness as people perceive it.
    fn lightness(colour: RGBColor) -> f64 {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let y = 0.2126 * linear(colour.0) + 0.7152 * linear(colour.1) + 0.0722 * linear(colour.2);
        let f = if y > 216.0 / 24389.0 {
            y.cbrt()
        } else {
            (24389.0 / 27.0 * y + 16.0) / 116.0
        };
        116.0 * f - 16.0
    }

    #[test]
    fn viridis_ends_and_middle_match_matplotlib() {
        assert_eq!(viridis(0.0), RGBColor(0x44, 0x01, 0x54));
        assert_eq!(viridis(1.0), RGBColor(0xfd, 0xe7, 0x25));
        // matplotlib's viridis(0.5) is #21918c; the table's entries 127 and 128 average to this.
        assert_eq!(viridis(0.5), RGBColor(0x21, 0x90, 0x8c));
        assert_eq!(viridis(-3.0), viridis(0.0));
        assert_eq!(viridis(7.0), viridis(1.0));
        assert_eq!(viridis(f64::NAN), viridis(0.0));
    }

    #[test]
    fn viridis_gets_lighter_evenly_all_the_way() {
        let samples: Vec<f64> = (0..=512)
            .map(|i| lightness(viridis(i as f64 / 512.0)))
            .collect();
        // Monotone up to the rounding to 8-bit channels (a fraction of the ~1 L* people notice) …
        for pair in samples.windows(2) {
            assert!(pair[1] >= pair[0] - 0.25, "{pair:?}");
        }
        // … from dark to light (L* 15 to 91) …
        assert!((samples[0] - 14.9).abs() < 0.5 && (samples[512] - 90.9).abs() < 0.5);
        // … in even steps: each sixteenth of the ramp is 4–6 L* lighter than the one before
        // (perceptually uniform: equal steps in value look like equal steps in colour).
        for sixteenth in samples.chunks(32).filter(|chunk| chunk.len() == 32) {
            let step = sixteenth[31] - sixteenth[0];
            assert!((4.0..6.0).contains(&(step * 32.0 / 31.0)), "{step}");
        }
    }

    #[test]
    fn mix_interpolates_and_clamps() {
        let (black, white) = (RGBColor(0, 0, 0), RGBColor(255, 255, 255));
        assert_eq!(mix(black, white, 0.5), RGBColor(128, 128, 128));
        assert_eq!(mix(black, white, -1.0), black);
        assert_eq!(mix(black, white, 2.0), white);
        assert_eq!(lightness(black), 0.0);
        assert!((lightness(white) - 100.0).abs() < 1e-9);
    }

    #[test]
    fn log_scale_maps_decades_to_the_ramp_and_special_values_off_it() {
        let colours = PlotStyle::light().colours;
        let scale = LogColourScale::fit([1e-8, 0.0, 1e-2, f64::NAN, 1e-5]);
        assert_eq!(scale.decades, DecadeRange { lo: -8.0, hi: -2.0 });
        assert_eq!(scale.fraction(-5.0), 0.5);
        assert_eq!(scale.colour(Placement::of(1e-8), &colours), viridis(0.0));
        assert_eq!(scale.colour(Placement::of(1e-2), &colours), viridis(1.0));
        assert_eq!(scale.colour(Placement::of(1e-5), &colours), viridis(0.5));
        // Outside the fitted range (an aggregate can be): the nearest end, never a wrap.
        assert_eq!(scale.colour(Placement::of(1e3), &colours), viridis(1.0));
        assert_eq!(
            scale.colour(Placement::of(0.0), &colours),
            colours.zero_cell
        );
        assert_eq!(
            scale.colour(Placement::of(f64::INFINITY), &colours),
            colours.non_finite
        );
        // The special colours are not on the ramp, and not each other.
        let ramp: Vec<RGBColor> = (0..=256).map(|i| viridis(i as f64 / 256.0)).collect();
        for special in [colours.zero_cell, colours.non_finite] {
            assert!(!ramp.contains(&special));
        }
        assert_ne!(colours.zero_cell, colours.non_finite);
    }

    #[test]
    fn legend_bar_ticks_are_decades_placed_on_the_bar() {
        let scale = LogColourScale::fit([1e-8, 1e-2]);
        let ticks = scale.ticks(4);
        let labels: Vec<&str> = ticks.labelled.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(labels, ["1e-8", "1e-6", "1e-4", "1e-2"]);
        // A bar from pixel 100 (top, 1e-2) down to 400 (bottom, 1e-8): 50 px per decade.
        assert_eq!(scale.pixel(-2.0, 100, 400), 100);
        assert_eq!(scale.pixel(-8.0, 100, 400), 400);
        assert_eq!(scale.pixel(-6.0, 100, 400), 300);
        assert_eq!(scale.pixel(-20.0, 100, 400), 400);
    }

    #[test]
    fn one_value_still_gets_a_decade_of_ramp() {
        let scale = LogColourScale::fit([3e-4; 4]);
        assert!((scale.decades.hi - scale.decades.lo - 1.0).abs() < 1e-12);
        assert_eq!(scale.fraction(3e-4f64.log10()), 0.5);
    }

    #[test]
    fn class_map_is_neutral_at_one_half_and_deepens_towards_each_class() {
        for style in [PlotStyle::light(), PlotStyle::dark()] {
            let colours = style.colours;
            assert_eq!(class_fill(0.5, &colours), colours.background);
            assert_eq!(class_fill(f64::NAN, &colours), colours.non_finite);
            let distance = |c: RGBColor| {
                let b = colours.background;
                (f64::from(c.0) - f64::from(b.0)).abs()
                    + (f64::from(c.1) - f64::from(b.1)).abs()
                    + (f64::from(c.2) - f64::from(b.2)).abs()
            };
            // Each half moves monotonically away from the background, towards its own class.
            for (end, class) in [(0.0, colours.class_0), (1.0, colours.class_1)] {
                let steps: Vec<f64> = (0..=50)
                    .map(|i| distance(class_fill(0.5 + (end - 0.5) * i as f64 / 50.0, &colours)))
                    .collect();
                assert!(steps.windows(2).all(|w| w[1] >= w[0]), "{steps:?}");
                assert_eq!(
                    class_fill(end, &colours),
                    mix(colours.background, class, 0.55)
                );
            }
            // Orange against blue: apart on the blue–yellow axis that red–green colour
            // blindness keeps.
            let (zero, one) = (class_fill(0.0, &colours), class_fill(1.0, &colours));
            assert!(
                zero.0 > one.0 + 40 && one.2 > zero.2 + 40,
                "{zero:?} {one:?}"
            );
        }
    }
}
