//! Drawing on an HTML canvas, sharp on high-DPI screens. Compiles natively (web-sys has native
//! stubs) so `cargo test`/clippy check it, but only works in the browser.

use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, IntoDrawingArea};
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;

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
    draw: impl FnOnce(&DrawingArea<CanvasBackend, Shift>, &PlotStyle) -> DrawResult<(), CanvasBackend>,
) -> Result<(), String> {
    let css_box = canvas.get_bounding_client_rect();
    let ratio = web_sys::window().map_or(1.0, |window| window.device_pixel_ratio());
    let size = CanvasSize::for_css_box(css_box.width(), css_box.height(), ratio);
    // Assigning the size clears the canvas, even when the size is unchanged.
    canvas.set_width(size.width);
    canvas.set_height(size.height);
    if !size.is_drawable() {
        return Ok(());
    }
    let backend = CanvasBackend::with_canvas_object(canvas.clone())
        .ok_or("the chart canvas has no 2D context")?;
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
