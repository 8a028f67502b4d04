//! Marks and legends shared by the charts: point markers, legend swatches, and the header that
//! flows legend entries (and an optional note) into rows above a chart, outside the data.

use plotters::coord::{CoordTranslate, Shift};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{font, stroke, DrawResult, DASH, PADDING};
use super::layout::{flow_rows, line_pieces, text_width};
use super::style::PlotStyle;

// Sizes in CSS pixels.
const LEGEND_FONT: f64 = 13.0;
pub(crate) const NOTE_FONT: f64 = 12.0;
const LEGEND_ROW: f64 = 22.0;
const NOTE_ROW: f64 = 17.0;
/// Length of a line sample, and of a colour ramp.
const SWATCH: f64 = 28.0;
const RAMP: f64 = 60.0;
const BOX: f64 = 12.0;
/// Half the size of a point marker, and of the larger edge markers (0, NaN/±∞).
pub(crate) const MARKER: f64 = 3.5;
pub(crate) const EDGE_MARKER: f64 = 4.5;

/// The marks a chart uses; charts and their legends share them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Marker {
    Circle,
    Square,
    /// ▼, tip on the bottom edge: the value is exactly 0.
    Zero,
    /// ✕ on the top edge: NaN or ±∞.
    NonFinite,
}

/// How a marker is painted: its colour, filled or hollow, and an optional outline that keeps it
/// apart from a coloured background.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Paint {
    pub colour: RGBAColor,
    pub filled: bool,
    pub outline: Option<RGBColor>,
}

impl Paint {
    pub(crate) fn solid(colour: impl Color) -> Self {
        Self {
            colour: colour.to_rgba(),
            filled: true,
            outline: None,
        }
    }
}

/// Draws `marker` at `at`, shifted by `offset` device pixels.
pub(crate) fn draw_marker<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    at: CT::From,
    offset: (i32, i32),
    marker: Marker,
    paint: Paint,
    style: &PlotStyle,
) -> DrawResult<(), DB>
where
    CT::From: Clone,
{
    let s = style.px(match marker {
        Marker::Circle | Marker::Square => MARKER,
        Marker::Zero | Marker::NonFinite => EDGE_MARKER,
    });
    let (dx, dy) = offset;
    let shape = |colour: RGBAColor, filled: bool| ShapeStyle {
        color: colour,
        filled,
        stroke_width: style.stroke(1.5),
    };
    let anchor = || EmptyElement::at(at.clone());
    let mut layers = vec![shape(paint.colour, paint.filled)];
    if let Some(outline) = paint.outline {
        layers.push(shape(outline.to_rgba(), false).stroke_width(style.stroke(1.0)));
    }
    for layer in layers {
        match marker {
            Marker::Circle => area.draw(&(anchor() + Circle::new((dx, dy), s, layer)))?,
            Marker::Square => area
                .draw(&(anchor() + Rectangle::new([(dx - s, dy - s), (dx + s, dy + s)], layer)))?,
            Marker::Zero => area.draw(
                &(anchor()
                    + Polygon::new(
                        vec![(dx - s, dy - s), (dx + s, dy - s), (dx, dy + s)],
                        layer,
                    )),
            )?,
            Marker::NonFinite => area.draw(
                &(anchor() + Cross::new((dx, dy), s, layer.stroke_width(style.stroke(2.0)))),
            )?,
        }
    }
    Ok(())
}

/// The sample left of a legend label.
pub(crate) enum Swatch {
    /// A short stretch of line, maybe dashed, maybe with a marker in the middle.
    Line {
        line: ShapeStyle,
        dashed: bool,
        marker: Option<(Marker, Paint)>,
    },
    Marker(Marker, Paint),
    /// A filled box: a colour that means something (a heatmap cell, a shaded band).
    Fill(RGBColor),
    /// A colour ramp, left end to right end (e.g. colour by depth, input → output).
    Ramp(Vec<RGBColor>),
}

impl Swatch {
    fn width(&self, style: &PlotStyle) -> i32 {
        style.px(match self {
            Swatch::Line { .. } | Swatch::Marker(..) => SWATCH,
            Swatch::Fill(_) => BOX,
            Swatch::Ramp(_) => RAMP,
        })
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        (x, y): (i32, i32),
        style: &PlotStyle,
    ) -> DrawResult<(), DB> {
        let width = self.width(style);
        let centre = (x + width / 2, y);
        let half_box = style.px(BOX / 2.0);
        match self {
            Swatch::Line {
                line,
                dashed,
                marker,
            } => {
                let ends = [(x, y), (x + width, y)];
                if *dashed {
                    let (dash, gap) = (style.px(DASH.0), style.px(DASH.1));
                    root.draw(&DashedPathElement::new(ends, dash, gap, *line))?;
                } else {
                    root.draw(&PathElement::new(ends, *line))?;
                }
                match marker {
                    Some((marker, paint)) => {
                        draw_marker(root, centre, (0, 0), *marker, *paint, style)
                    }
                    None => Ok(()),
                }
            }
            Swatch::Marker(marker, paint) => {
                draw_marker(root, centre, (0, 0), *marker, *paint, style)
            }
            Swatch::Fill(colour) => {
                let corners = [(x, y - half_box), (x + width, y + half_box)];
                root.draw(&Rectangle::new(corners, colour.filled()))?;
                root.draw(&Rectangle::new(
                    corners,
                    stroke(style.colours.axis, 1.0, style),
                ))
            }
            Swatch::Ramp(colours) => {
                let strips = colours.len().max(1) as i32;
                for (i, colour) in colours.iter().enumerate() {
                    let i = i as i32;
                    let corners = [
                        (x + i * width / strips, y - half_box),
                        (x + (i + 1) * width / strips, y + half_box),
                    ];
                    root.draw(&Rectangle::new(corners, colour.filled()))?;
                }
                Ok(())
            }
        }
    }
}

pub(crate) struct LegendEntry {
    pub swatch: Swatch,
    pub label: String,
}

impl LegendEntry {
    pub(crate) fn new(swatch: Swatch, label: impl Into<String>) -> Self {
        Self {
            swatch,
            label: label.into(),
        }
    }
}

/// Starts a chart: fills `root` with the background, draws the legend entries wrapped to the
/// width and then `note` (muted, wrapped at words) at the top; returns the area below them.
pub(crate) fn draw_header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    note: Option<&str>,
    style: &PlotStyle,
) -> DrawResult<DrawingArea<DB, Shift>, DB> {
    let colours = &style.colours;
    root.fill(&colours.background)?;
    let (width, _) = root.dim_in_pixel();
    let pad = style.px(PADDING);
    let available = (width as i32 - 2 * pad).max(0) as u32;
    let (swatch_gap, entry_gap) = (style.px(6.0), style.px(20.0));
    let legend_font =
        font(style, LEGEND_FONT, colours.text).pos(Pos::new(HPos::Left, VPos::Center));

    let widths: Vec<u32> = entries
        .iter()
        .map(|entry| {
            let label = text_width(&entry.label, style.font(LEGEND_FONT));
            (entry.swatch.width(style) + swatch_gap) as u32 + label
        })
        .collect();
    let row_height = style.px(LEGEND_ROW);
    let mut top = pad / 2;
    for row in flow_rows(&widths, available, entry_gap as u32) {
        let y = top + row_height / 2;
        let mut x = pad;
        for index in row {
            let entry = &entries[index];
            entry.swatch.draw(root, (x, y), style)?;
            let label_x = x + entry.swatch.width(style) + swatch_gap;
            root.draw_text(&entry.label, &legend_font, (label_x, y))?;
            x += widths[index] as i32 + entry_gap;
        }
        top += row_height;
    }

    if let Some(note) = note {
        top += style.px(2.0);
        top += draw_wrapped(root, note, (pad, top), available, colours.muted, style)?;
    }
    Ok(root.split_vertically(top + pad / 2).1)
}

/// Draws `text` in the note font from `(x, top)`, wrapped to `width` at spaces and between
/// Chinese characters; returns the height it takes.
pub(crate) fn draw_wrapped<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    (x, top): (i32, i32),
    width: u32,
    colour: RGBColor,
    style: &PlotStyle,
) -> DrawResult<i32, DB> {
    let note_font = font(style, NOTE_FONT, colour);
    let pieces = line_pieces(text);
    let space = text_width(" ", style.font(NOTE_FONT));
    // A piece after a space is as wide as both; at the start of a row that space is not drawn,
    // so rows come out a little narrower than measured, never wider.
    let widths: Vec<u32> = pieces
        .iter()
        .map(|&(spaced, piece)| text_width(piece, style.font(NOTE_FONT)) + if spaced { space } else { 0 })
        .collect();
    let mut y = top;
    for row in flow_rows(&widths, width, 0) {
        let mut line = String::new();
        for (index, &(spaced, piece)) in pieces[row.clone()].iter().enumerate() {
            if spaced && index > 0 {
                line.push(' ');
            }
            line.push_str(piece);
        }
        root.draw_text(&line, &note_font, (x, y))?;
        y += style.px(NOTE_ROW);
    }
    Ok(y - top)
}
