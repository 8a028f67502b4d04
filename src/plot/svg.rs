//! Reading rendered SVG back in tests: texts, elements and their attributes.

use std::collections::HashMap;

use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, IntoDrawingArea};
use plotters::style::RGBColor;
use plotters_svg::SVGBackend;

use super::DrawResult;

/// Draws a chart of `size` pixels to an SVG string.
pub fn render(
    size: (u32, u32),
    draw: impl for<'a> FnOnce(&DrawingArea<SVGBackend<'a>, Shift>) -> DrawResult<(), SVGBackend<'a>>,
) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        draw(&root).expect("the chart draws");
        root.present().expect("the SVG is written");
    }
    svg
}

/// Writes `svg` to `target/<name>.svg` so a person can look at it (convert with rsvg-convert).
pub fn write_preview(name: &str, svg: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.svg")), svg).unwrap();
}

/// The text of every `<text>` element, unescaped.
pub fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|rest| {
            let body = &rest[rest.find('>')? + 1..];
            let text = body[..body.find("</text>")?].trim();
            let unescaped = [
                ("&lt;", "<"),
                ("&gt;", ">"),
                ("&apos;", "'"),
                ("&amp;", "&"),
            ]
            .iter()
            .fold(text.to_owned(), |text, (escaped, plain)| {
                text.replace(escaped, plain)
            });
            Some(unescaped)
        })
        .collect()
}

/// The attributes of every `<tag …>` element.
pub fn elements<'a>(svg: &'a str, tag: &str) -> Vec<HashMap<&'a str, &'a str>> {
    svg.split(&format!("<{tag} "))
        .skip(1)
        .map(|rest| {
            let head = &rest[..rest.find('>').unwrap_or(rest.len())];
            head.split("\" ")
                .filter_map(|pair| pair.split_once("=\""))
                .map(|(name, value)| (name.trim(), value.trim_end_matches(['"', '/'])))
                .collect()
        })
        .collect()
}

pub fn hex(colour: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", colour.0, colour.1, colour.2)
}

pub fn with_attr<'a>(
    found: &'a [HashMap<&'a str, &'a str>],
    name: &str,
    value: &str,
) -> Vec<&'a HashMap<&'a str, &'a str>> {
    found
        .iter()
        .filter(|e| e.get(name) == Some(&value))
        .collect()
}

pub fn number(element: &HashMap<&str, &str>, name: &str) -> f64 {
    element[name].parse().unwrap()
}

/// The y extent of the points of every polygon.
pub fn polygon_ys(polygon: &HashMap<&str, &str>) -> Vec<f64> {
    let points = polygon["points"].split_whitespace();
    points
        .map(|p| p.split_once(',').unwrap().1.parse().unwrap())
        .collect()
}

/// Every `<text>` with its position: (text, x, y).
pub fn placed_texts(svg: &str) -> Vec<(String, f64, f64)> {
    texts(svg)
        .into_iter()
        .zip(elements(svg, "text"))
        .map(|(text, element)| (text, number(&element, "x"), number(&element, "y")))
        .collect()
}

/// The position of the first `<text>` reading exactly `wanted`.
pub fn text_at(svg: &str, wanted: &str) -> (f64, f64) {
    placed_texts(svg)
        .into_iter()
        .find(|(text, _, _)| text == wanted)
        .map(|(_, x, y)| (x, y))
        .unwrap_or_else(|| panic!("no text {wanted:?} in {:?}", texts(svg)))
}

/// A filled `<rect>`.
#[derive(Clone, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub fill: String,
}

pub fn filled_rects(svg: &str) -> Vec<Rect> {
    elements(svg, "rect")
        .iter()
        .filter(|rect| rect.get("fill").is_some_and(|fill| *fill != "none"))
        .map(|rect| Rect {
            x: number(rect, "x"),
            y: number(rect, "y"),
            width: number(rect, "width"),
            height: number(rect, "height"),
            fill: rect["fill"].to_owned(),
        })
        .collect()
}

/// The points of every `<polyline>` drawn in `stroke`.
pub fn polylines(svg: &str, stroke: RGBColor) -> Vec<Vec<(f64, f64)>> {
    with_attr(&elements(svg, "polyline"), "stroke", &hex(stroke))
        .iter()
        .map(|line| {
            line["points"]
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect()
        })
        .collect()
}

/// The plotting area, found from the axis lines: the longest horizontal one is the x axis, the
/// leftmost longest vertical one the y axis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlotBox {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

impl PlotBox {
    pub fn find(svg: &str, axis: RGBColor) -> Self {
        let lines: Vec<((f64, f64), (f64, f64))> = polylines(svg, axis)
            .into_iter()
            .filter(|points| points.len() == 2)
            .map(|points| (points[0], points[1]))
            .collect();
        let longest = |vertical: bool| {
            let length = |&(a, b): &((f64, f64), (f64, f64))| {
                if vertical {
                    (b.1 - a.1).abs()
                } else {
                    (b.0 - a.0).abs()
                }
            };
            let most = lines.iter().map(length).fold(0.0, f64::max);
            lines
                .iter()
                .filter(|line| length(line) == most)
                .min_by(|a, b| a.0 .0.total_cmp(&b.0 .0))
                .copied()
                .expect("axis lines")
        };
        let (x_axis, y_axis) = (longest(false), longest(true));
        Self {
            left: x_axis.0 .0.min(x_axis.1 .0),
            right: x_axis.0 .0.max(x_axis.1 .0),
            top: y_axis.0 .1.min(y_axis.1 .1),
            bottom: y_axis.0 .1.max(y_axis.1 .1),
        }
    }

    /// Within the box, give or take a pixel of rounding.
    pub fn holds(&self, x: f64, y: f64) -> bool {
        self.left - 1.0 <= x
            && x <= self.right + 1.0
            && self.top - 1.0 <= y
            && y <= self.bottom + 1.0
    }

    pub fn holds_rect(&self, rect: &Rect) -> bool {
        self.holds(rect.x, rect.y) && self.holds(rect.x + rect.width, rect.y + rect.height)
    }
}
