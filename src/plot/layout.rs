//! Pixel layout for the plot, free of plotters types: the canvas backing store for a high-DPI
//! screen, how many tick labels fit along an axis, and flowing legend entries or words into rows.

use std::ops::Range;

use super::scale::AxisTicks;

/// Browsers report devicePixelRatio from 0.25 (zoomed far out) to 4–5; beyond that a stray value
/// would only allocate a huge backing store.
const MIN_PIXEL_RATIO: f64 = 0.25;
const MAX_PIXEL_RATIO: f64 = 4.0;
/// Largest canvas side every browser draws (Safari and Chrome both allow at least this).
const MAX_CANVAS_SIDE: f64 = 8192.0;
/// Below this many CSS pixels a side there is no room for axes and labels.
const MIN_DRAWABLE_CSS: f64 = 80.0;

/// The backing-store size of a canvas that fills a CSS box: one canvas pixel per device pixel,
/// so lines and text stay crisp on high-DPI screens. `scale` (device pixels per CSS pixel) is
/// what every font size, line width and marker size is multiplied by.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CanvasSize {
    pub width: u32,
    pub height: u32,
    pub scale: f64,
    drawable: bool,
}

impl CanvasSize {
    /// `css_width` × `css_height` is the canvas's CSS box (getBoundingClientRect), the ratio is
    /// `window.devicePixelRatio`. Non-finite or negative inputs give an empty, undrawable size.
    pub fn for_css_box(css_width: f64, css_height: f64, device_pixel_ratio: f64) -> Self {
        let scale = if device_pixel_ratio.is_finite() && device_pixel_ratio > 0.0 {
            device_pixel_ratio.clamp(MIN_PIXEL_RATIO, MAX_PIXEL_RATIO)
        } else {
            1.0
        };
        let css = |length: f64| {
            if length.is_finite() {
                length.max(0.0)
            } else {
                0.0
            }
        };
        let (css_width, css_height) = (css(css_width), css(css_height));
        let device = |length: f64| (length * scale).round().min(MAX_CANVAS_SIDE) as u32;
        Self {
            width: device(css_width),
            height: device(css_height),
            scale,
            drawable: css_width >= MIN_DRAWABLE_CSS && css_height >= MIN_DRAWABLE_CSS,
        }
    }

    /// Whether the box is big enough to hold a readable plot (a collapsed or hidden canvas is not).
    pub fn is_drawable(&self) -> bool {
        self.drawable
    }
}

/// How many labels of `label_pitch` pixels (label extent plus breathing room) fit along an axis
/// of `axis_length` pixels; never fewer than 2, so an axis always shows both ends.
pub fn label_capacity(axis_length: f64, label_pitch: f64) -> usize {
    if label_pitch > 0.0 && axis_length.is_finite() {
        ((axis_length / label_pitch).floor() as usize).max(2)
    } else {
        2
    }
}

/// The widest tick label of `ticks` in a font of `font_px` pixels.
pub fn widest_label(ticks: &AxisTicks, font_px: f64) -> u32 {
    ticks
        .labelled
        .iter()
        .map(|(_, label)| text_width(label, font_px))
        .max()
        .unwrap_or(0)
}

/// The densest ticks from `ticks_for(max_labels)` whose labels, set side by side along an axis
/// of `length` pixels with 1.5 em between them, do not touch. Labels are measured, so "100000"
/// gets fewer ticks than "5".
pub fn ticks_that_fit(
    length: f64,
    font_px: f64,
    ticks_for: &dyn Fn(usize) -> AxisTicks,
) -> AxisTicks {
    let gap = 1.5 * font_px;
    let mut capacity = label_capacity(length, font_px + gap);
    loop {
        let ticks = ticks_for(capacity);
        let pitch = f64::from(widest_label(&ticks, font_px)) + gap;
        if capacity <= 2 || ticks.labelled.len() as f64 * pitch <= length {
            return ticks;
        }
        capacity = (capacity - 1).min(label_capacity(length, pitch));
    }
}

/// Packs items of the given widths, left to right, into rows at most `available` wide with `gap`
/// between neighbours. An item wider than a row gets a row of its own. Returns index ranges.
pub fn flow_rows(widths: &[u32], available: u32, gap: u32) -> Vec<Range<usize>> {
    let mut rows = Vec::new();
    let mut start = 0;
    let mut used = 0;
    for (index, &width) in widths.iter().enumerate() {
        if index > start && used + gap + width > available {
            rows.push(start..index);
            start = index;
            used = 0;
        }
        used += if index > start { gap + width } else { width };
    }
    if start < widths.len() {
        rows.push(start..widths.len());
    }
    rows
}

/// The width in pixels of `text` set in a sans-serif font of `font_px` pixels, estimated from
/// character classes with the advances of DejaVu Sans, a wide font, so real fonts fit inside.
/// The plot measures text this way instead of asking the backend: in the browser plotters
/// measures each string by adding a `<span>` to the page and forcing a reflow, and the estimate
/// gives the canvas and the SVG tests exactly the same layout.
pub fn text_width(text: &str, font_px: f64) -> u32 {
    let ems: f64 = text.chars().map(advance_in_ems).sum();
    (ems * font_px).ceil() as u32
}

fn advance_in_ems(c: char) -> f64 {
    if is_wide(c) {
        return 1.0;
    }
    match c {
        'i' | 'j' | 'l' | 'I' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | ' ' => 0.32,
        'f' | 't' | 'r' | '(' | ')' | '[' | ']' | '-' | '/' | '‖' => 0.42,
        'm' | 'w' | 'M' | 'W' => 1.0,
        '→' | '∞' | '±' | '×' | '=' | '+' | '<' | '>' => 0.84,
        'A'..='Z' => 0.76,
        _ => 0.64,
    }
}

/// CJK ideographs, kana, hangul, CJK punctuation and full-width forms: one em wide, and a line
/// may break next to them (Chinese has no spaces between words).
fn is_wide(c: char) -> bool {
    matches!(c, '\u{2E80}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}' | '\u{F900}'..='\u{FAFF}' | '\u{FF00}'..='\u{FFEF}')
}

/// Punctuation that must not start a line (it closes what precedes it).
fn closes(c: char) -> bool {
    matches!(c, '，' | '。' | '、' | '；' | '：' | '！' | '？' | '）' | '》' | '」' | '』' | '”' | '’' | ',' | '.' | ';' | ':' | ')' | '!' | '?')
}

/// Punctuation that must not end a line (it opens what follows).
fn opens(c: char) -> bool {
    matches!(c, '（' | '《' | '「' | '『' | '“' | '‘' | '(')
}

/// `text` cut where a line may break: at spaces, and next to wide (CJK) characters except
/// before closing or after opening punctuation. Each piece says whether a space preceded it.
pub fn line_pieces(text: &str) -> Vec<(bool, &str)> {
    let mut pieces = Vec::new();
    for word in text.split_whitespace() {
        let mut start = 0;
        let mut previous: Option<char> = None;
        for (index, c) in word.char_indices() {
            if let Some(before) = previous {
                if (is_wide(c) || is_wide(before)) && !closes(c) && !opens(before) {
                    pieces.push((start == 0, &word[start..index]));
                    start = index;
                }
            }
            previous = Some(c);
        }
        pieces.push((start == 0, &word[start..]));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_break_at_spaces_and_between_chinese_characters_but_not_before_closing_punctuation() {
        assert_eq!(line_pieces("no theory  line"), [(true, "no"), (true, "theory"), (true, "line")]);
        assert_eq!(line_pieces("梯度消失。"), [(true, "梯"), (false, "度"), (false, "消"), (false, "失。")]);
        assert_eq!(line_pieces("（χ₁ 层）"), [(true, "（χ₁"), (true, "层）")]);
        assert_eq!(line_pieces("批量BN归一化"), [(true, "批"), (false, "量"), (false, "BN"), (false, "归"), (false, "一"), (false, "化")]);
        assert!(line_pieces("  ").is_empty());
    }

    #[test]
    fn chinese_characters_are_one_em_wide() {
        assert_eq!(text_width("梯度", 12.0), 24);
        assert!(text_width("梯度", 12.0) > text_width("ab", 12.0));
    }

    #[test]
    fn backing_store_is_css_size_times_pixel_ratio() {
        let retina = CanvasSize::for_css_box(640.0, 360.0, 2.0);
        assert_eq!(
            (retina.width, retina.height, retina.scale),
            (1280, 720, 2.0)
        );
        assert!(retina.is_drawable());
        // Fractional ratios (Windows at 125 %) and fractional CSS boxes round to whole pixels.
        let windows = CanvasSize::for_css_box(333.3, 200.2, 1.25);
        assert_eq!(
            (windows.width, windows.height, windows.scale),
            (417, 250, 1.25)
        );
    }

    #[test]
    fn absurd_pixel_ratios_fall_back_or_clamp() {
        assert_eq!(CanvasSize::for_css_box(100.0, 100.0, f64::NAN).scale, 1.0);
        assert_eq!(CanvasSize::for_css_box(100.0, 100.0, 0.0).scale, 1.0);
        assert_eq!(CanvasSize::for_css_box(100.0, 100.0, -2.0).scale, 1.0);
        assert_eq!(
            CanvasSize::for_css_box(100.0, 100.0, 1e9).scale,
            MAX_PIXEL_RATIO
        );
        let huge = CanvasSize::for_css_box(1e7, 500.0, 4.0);
        assert_eq!((huge.width, huge.height), (8192, 2000));
    }

    #[test]
    fn collapsed_or_broken_boxes_are_not_drawn() {
        assert!(!CanvasSize::for_css_box(0.0, 300.0, 2.0).is_drawable());
        assert!(!CanvasSize::for_css_box(600.0, 40.0, 2.0).is_drawable());
        let broken = CanvasSize::for_css_box(f64::NAN, f64::INFINITY, 1.0);
        assert_eq!((broken.width, broken.height), (0, 0));
        assert!(!broken.is_drawable());
    }

    #[test]
    fn label_capacity_counts_whole_labels_and_keeps_both_ends() {
        assert_eq!(label_capacity(300.0, 30.0), 10);
        assert_eq!(label_capacity(299.0, 30.0), 9);
        assert_eq!(label_capacity(20.0, 30.0), 2);
        assert_eq!(label_capacity(300.0, 0.0), 2);
    }

    #[test]
    fn text_width_grows_with_the_text_and_the_font() {
        assert_eq!(text_width("", 12.0), 0);
        // Characters, not UTF-8 bytes: "‖∂L/∂h‖" is 7 characters in 17 bytes.
        assert!(text_width("‖∂L/∂h‖", 10.0) < text_width("aaaaaaaa", 10.0));
        assert!(text_width("iiii", 12.0) < text_width("0000", 12.0));
        assert!(text_width("0000", 12.0) < text_width("MMMM", 12.0));
        assert_eq!(text_width("1e-10", 24.0), 2 * text_width("1e-10", 12.0));
        // DejaVu Sans sets "1e-10" at 12 px in 34.6 px: the estimate must not fall short.
        assert!((35..=38).contains(&text_width("1e-10", 12.0)));
    }

    #[test]
    fn ticks_that_fit_measure_their_labels() {
        use crate::plot::linear::linear_ticks;
        let steps = |capacity| linear_ticks(0.0..100_000.0, capacity, true);
        let small = |capacity| linear_ticks(0.0..10.0, capacity, true);
        // 12 px digits are ~7.7 px wide: "100000" needs ~46 px + 18 px gap, "5" ~8 + 18.
        let wide = ticks_that_fit(400.0, 12.0, &steps);
        let narrow = ticks_that_fit(400.0, 12.0, &small);
        assert_eq!(wide.labelled.len(), 6);
        assert_eq!(narrow.labelled.len(), 11);
        for ticks in [&wide, &narrow] {
            let pitch = f64::from(widest_label(ticks, 12.0)) + 18.0;
            assert!(ticks.labelled.len() as f64 * pitch <= 400.0);
        }
        // No room at all: still both ends' worth of ticks, never a loop without end.
        assert!(ticks_that_fit(5.0, 12.0, &steps).labelled.len() <= 3);
    }

    #[test]
    fn flow_rows_wraps_when_the_next_item_does_not_fit() {
        let one_row = flow_rows(&[40, 40, 40], 200, 10);
        assert_eq!((one_row.len(), one_row[0].clone()), (1, 0..3));
        // 40 + 10 + 40 = 90 fits in 100, a third item would need 140.
        assert_eq!(flow_rows(&[40, 40, 40], 100, 10), [0..2, 2..3]);
        assert_eq!(flow_rows(&[40, 40, 40], 89, 10), [0..1, 1..2, 2..3]);
        // Too wide for any row: alone on its own row, neighbours unaffected.
        assert_eq!(flow_rows(&[30, 500, 30, 30], 100, 10), [0..1, 1..2, 2..4]);
        assert!(flow_rows(&[], 100, 10).is_empty());
    }
}
