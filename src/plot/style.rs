//! Colours and sizes of the plot. Sizes are given in CSS pixels and multiplied by `scale`
//! (devicePixelRatio) when drawn, so the plot looks the same size on every screen.

use plotters::style::RGBColor;

use crate::i18n::{Lang, Strings};

/// Colours for one theme. The series colours are from the Okabe–Ito palette (distinguishable
/// with the common colour-vision deficiencies), lightened for the dark background; the
/// theory line is also dashed and the two measured series have different marker shapes, so
/// nothing depends on colour alone.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Colours {
    pub background: RGBColor,
    pub text: RGBColor,
    /// Secondary text: the note explaining a missing theory line.
    pub muted: RGBColor,
    pub axis: RGBColor,
    /// Grid lines at labelled ticks, and the fainter ones between them.
    pub grid: RGBColor,
    pub grid_minor: RGBColor,
    /// Background band behind the readout column.
    pub readout_band: RGBColor,
    /// ‖∂L/∂h‖ RMS, ‖∂L/∂W‖ and the theory's prediction.
    pub delta: RGBColor,
    pub grad_w: RGBColor,
    pub theory: RGBColor,
    /// The NaN/±∞ marker: a warning colour used by nothing else.
    pub non_finite: RGBColor,
    /// A heatmap cell that is exactly 0: a neutral grey, off the viridis ramp.
    pub zero_cell: RGBColor,
    /// The decision boundary's two classes (TensorFlow Playground's orange and blue), and the
    /// data points drawn in them.
    pub class_0: RGBColor,
    pub class_1: RGBColor,
    /// The stretch of viridis (0 … 1) that colours lines by depth: the end that would vanish
    /// into the background is left out.
    pub line_ramp: (f64, f64),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlotStyle {
    pub colours: Colours,
    /// Device pixels per CSS pixel (devicePixelRatio).
    pub scale: f64,
    /// The language of axis titles, legends and notes.
    pub lang: Lang,
}

impl PlotStyle {
    /// Dark text on white: the page's light `--panel`, `--text`, `--muted`, `--border`
    /// (style/main.css), so the canvas sits seamlessly in its panel.
    pub fn light() -> Self {
        Self {
            colours: Colours {
                background: RGBColor(0xff, 0xff, 0xff),
                text: RGBColor(0x1d, 0x20, 0x27),
                muted: RGBColor(0x5b, 0x61, 0x70),
                axis: RGBColor(0x5b, 0x61, 0x70),
                grid: RGBColor(0xd9, 0xdc, 0xe3),
                grid_minor: RGBColor(0xee, 0xf0, 0xf4),
                readout_band: RGBColor(0xf5, 0xf1, 0xe6),
                delta: RGBColor(0x00, 0x72, 0xb2),
                grad_w: RGBColor(0xd5, 0x5e, 0x00),
                theory: RGBColor(0x00, 0x9e, 0x73),
                non_finite: RGBColor(0xc2, 0x18, 0x5b),
                zero_cell: RGBColor(0xa8, 0xad, 0xb8),
                class_0: RGBColor(0xe0, 0x7b, 0x00),
                class_1: RGBColor(0x00, 0x72, 0xb2),
                line_ramp: (0.0, 0.85),
            },
            scale: 1.0,
            lang: Lang::En,
        }
    }

    /// Light text on the page's dark `--panel` (#1d2027), likewise matching style/main.css.
    pub fn dark() -> Self {
        Self {
            colours: Colours {
                background: RGBColor(0x1d, 0x20, 0x27),
                text: RGBColor(0xe6, 0xe8, 0xee),
                muted: RGBColor(0xa3, 0xa9, 0xb8),
                axis: RGBColor(0x8a, 0x91, 0xa0),
                grid: RGBColor(0x35, 0x3a, 0x46),
                grid_minor: RGBColor(0x28, 0x2c, 0x35),
                readout_band: RGBColor(0x2c, 0x2b, 0x25),
                delta: RGBColor(0x56, 0xb4, 0xe9),
                grad_w: RGBColor(0xf0, 0x9a, 0x3e),
                theory: RGBColor(0x3f, 0xd0, 0xa0),
                non_finite: RGBColor(0xff, 0x6f, 0xb0),
                zero_cell: RGBColor(0x6b, 0x71, 0x80),
                class_0: RGBColor(0xf0, 0x9a, 0x3e),
                class_1: RGBColor(0x56, 0xb4, 0xe9),
                line_ramp: (0.2, 1.0),
            },
            scale: 1.0,
            lang: Lang::En,
        }
    }

    pub fn for_theme(dark: bool) -> Self {
        if dark {
            Self::dark()
        } else {
            Self::light()
        }
    }

    /// The same style for a screen with `scale` device pixels per CSS pixel.
    pub fn scaled(self, scale: f64) -> Self {
        Self { scale, ..self }
    }

    /// The same style with its words in `lang`.
    pub fn in_language(self, lang: Lang) -> Self {
        Self { lang, ..self }
    }

    /// The words drawn on the plot.
    pub(crate) fn words(&self) -> &'static Strings {
        self.lang.strings()
    }

    /// A length of `css` CSS pixels in device pixels.
    pub(crate) fn px(&self, css: f64) -> i32 {
        (css * self.scale).round() as i32
    }

    /// A line width or marker size: at least one device pixel, so nothing disappears.
    pub(crate) fn stroke(&self, css: f64) -> u32 {
        self.px(css).max(1) as u32
    }

    /// A font size in device pixels.
    pub(crate) fn font(&self, css: f64) -> f64 {
        css * self.scale
    }
}
