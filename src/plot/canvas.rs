//! Drawing on an HTML canvas, sharp on high-DPI screens. Compiles natively (web-sys has native
//! stubs) so `cargo test`/clippy check it, but only works in the browser.

use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, IntoDrawingArea};
use plotters_backend::{BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind};
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use gradscope_core::probe::ProbeReport;

use crate::i18n::Lang;

use super::draw::draw_plot;
use super::frame::DrawResult;
use super::layout::CanvasSize;
use super::series::DepthPlot;
use super::style::PlotStyle;

/// Draws any chart on `canvas`, filling its CSS box:
/// `draw_chart_on_canvas(&canvas, dark, lang, |root, style| draw_loss(root, &history, style))`.
/// Call it again after a resize, a theme change or new data. The canvas needs a CSS size of its
/// own (e.g. `width: 100%; height: 22rem`): its backing store is set to that size ×
/// devicePixelRatio, which must not feed back into layout.
pub fn draw_chart_on_canvas(
    canvas: &HtmlCanvasElement,
    dark: bool,
    lang: Lang,
    draw: impl FnOnce(&DrawingArea<MeasuringCanvas, Shift>, &PlotStyle) -> DrawResult<(), MeasuringCanvas>,
) -> Result<(), String> {
    let css_box = canvas.get_bounding_client_rect();
    let ratio = web_sys::window().map_or(1.0, |window| window.device_pixel_ratio());
    let size = CanvasSize::for_css_box(css_box.width(), css_box.height(), ratio);
    // Assigning a size clears the canvas but also reallocates its backing store, even when the
    // size is unchanged: only a new size is assigned, an unchanged canvas is just cleared.
    let resized = (canvas.width(), canvas.height()) != (size.width, size.height);
    if resized {
        canvas.set_width(size.width);
        canvas.set_height(size.height);
    }
    if !size.is_drawable() {
        return Ok(());
    }
    let backend = MeasuringCanvas::new(canvas).ok_or("the chart canvas has no 2D context")?;
    if !resized {
        backend.context.clear_rect(0.0, 0.0, f64::from(size.width), f64::from(size.height));
    }
    let root = backend.into_drawing_area();
    let style = PlotStyle::for_theme(dark).scaled(size.scale).in_language(lang);
    draw(&root, &style).map_err(|error| error.to_string())?;
    root.present().map_err(|error| error.to_string())
}

/// Draws the depth plot of `report` on `canvas`.
pub fn draw_on_canvas(
    canvas: &HtmlCanvasElement,
    report: &ProbeReport,
    dark: bool,
    lang: Lang,
) -> Result<(), String> {
    draw_plot_on_canvas(canvas, &DepthPlot::from_report(report, lang.strings()), dark, lang)
}

/// Like `draw_on_canvas`, for any set of series (e.g. with a reference report).
pub fn draw_plot_on_canvas(
    canvas: &HtmlCanvasElement,
    plot: &DepthPlot,
    dark: bool,
    lang: Lang,
) -> Result<(), String> {
    draw_chart_on_canvas(canvas, dark, lang, |root, style| draw_plot(root, plot, style))
}

/// plotters' canvas backend, measuring text with the canvas itself. Without this, plotters sizes
/// every axis label by appending a `<span>` to the page and reading its `offsetWidth`: each
/// label a forced layout of the whole page, which made a slider move and every training redraw
/// spend most of their main-thread time in layout (BENCHMARKS.md). `measureText` touches no DOM.
pub struct MeasuringCanvas {
    canvas: CanvasBackend,
    context: CanvasRenderingContext2d,
}

impl MeasuringCanvas {
    fn new(canvas: &HtmlCanvasElement) -> Option<Self> {
        let context = canvas.get_context("2d").ok()??.dyn_into().ok()?;
        Some(MeasuringCanvas { canvas: CanvasBackend::with_canvas_object(canvas.clone())?, context })
    }
}

/// plotters-canvas's error type, which it does not export by name.
type CanvasError = <CanvasBackend as DrawingBackend>::ErrorType;

impl DrawingBackend for MeasuringCanvas {
    type ErrorType = CanvasError;

    fn estimate_text_size<S: BackendTextStyle>(&self, text: &str, style: &S) -> Result<(u32, u32), DrawingErrorKind<CanvasError>> {
        // The font string plotters-canvas draws with.
        self.context.set_font(&format!("{} {}px {}", style.style().as_str(), style.size(), style.family().as_str()));
        let metrics = self.context.measure_text(text).map_err(|err| {
            DrawingErrorKind::FontError(Box::new(std::io::Error::other(format!("measureText failed: {err:?}"))))
        })?;
        let height = metrics.font_bounding_box_ascent() + metrics.font_bounding_box_descent();
        Ok((metrics.width().ceil() as u32, height.ceil() as u32))
    }

    // Everything else is plotters-canvas's.
    fn get_size(&self) -> (u32, u32) {
        self.canvas.get_size()
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.canvas.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.canvas.present()
    }
    fn draw_pixel(&mut self, point: BackendCoord, color: plotters_backend::BackendColor) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.canvas.draw_pixel(point, color)
    }
    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.canvas.draw_line(from, to, style)
    }
    fn draw_rect<S: BackendStyle>(&mut self, upper_left: BackendCoord, bottom_right: BackendCoord, style: &S, fill: bool) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.canvas.draw_rect(upper_left, bottom_right, style, fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, style: &S) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.canvas.draw_path(path, style)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, vertices: I, style: &S) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.canvas.fill_polygon(vertices, style)
    }
    fn draw_circle<S: BackendStyle>(&mut self, center: BackendCoord, radius: u32, style: &S, fill: bool) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.canvas.draw_circle(center, radius, style, fill)
    }
    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, style: &S, pos: BackendCoord) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.canvas.draw_text(text, style, pos)
    }
}
