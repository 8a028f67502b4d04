//! The main plot: each layer's gradient norm against depth on a log axis, beside the theory's
//! prediction. Drawing is generic over plotters' `DrawingBackend`: the page draws on a canvas
//! (`draw_on_canvas`), tests render SVG.
//!
//! - `scale`: log range, decade ticks and labels, placement of 0/NaN/±∞, clipping (pure math);
//! - `layout`: high-DPI canvas size, label capacity, legend wrapping (pure math);
//! - `series`: what is drawn, built from `ProbeReport`s;
//! - `style`: light and dark palettes, sizes in CSS pixels × devicePixelRatio;
//! - `draw`: the plot itself; `canvas`: the browser wrapper.

mod canvas;
mod draw;
mod layout;
mod scale;
mod series;
mod style;

pub use canvas::{draw_on_canvas, draw_plot_on_canvas};
pub use draw::{draw_depth_plot, draw_plot, DrawResult};
pub use layout::CanvasSize;
pub use series::{DepthPlot, Quantity, Series};
pub use style::{Colours, PlotStyle};

#[cfg(test)]
mod tests;
