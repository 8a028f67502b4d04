//! The plots, drawn with plotters on any `DrawingBackend`: the page draws on a canvas
//! (`draw_chart_on_canvas`), tests render SVG.
//!
//! - the activation chart (`draw_activation`): φ and φ′ with one layer's pre-activations shaded;
//! - the depth plot (`draw_plot`): each layer's gradient norm against depth on a log axis,
//!   beside the theory's prediction;
//! - the training charts, each from plain data the page collects from training snapshots:
//!   `draw_loss`, `draw_heatmap`, `draw_update_ratio`, `draw_histograms`,
//!   `draw_decision_boundary`;
//! - the recurrent lab's charts (`time`): `draw_time_plot` (‖∂L/∂h_t‖ against the time step, RNN,
//!   LSTM and GRU overlaid) and `draw_recurrent_loss` (training loss per model against the task's baseline).
//! - the pretraining charts (`pretrain`): reconstruction error and free-energy gap per layer
//!   over epochs (`draw_pretraining`), the first layer's filters (`draw_filters`), and fine-tuning
//!   from random init against from the pretrained stack (`draw_fine_tuning`).
//!
//! Shared pieces, pure math tested on its own:
//! - `scale`: log range, decade ticks and labels, placement of 0/NaN/±∞, clipping;
//! - `linear`: linear ticks with exact labels;
//! - `colour`: viridis, the log colour scale, the two-class map;
//! - `downsample`: buckets of snapshots/layers per drawn cell or point, run merging;
//! - `layout`: high-DPI canvas size, label capacity, legend wrapping, text width estimate;
//! - `style`: light and dark palettes, sizes in CSS pixels × devicePixelRatio;
//! - `frame` (axes, label areas, mesh, clipped lines) and `legend` (markers, swatches, header).

mod activation;
mod boundary;
mod canvas;
mod colour;
mod downsample;
mod draw;
mod frame;
mod heatmap;
mod histogram;
mod layout;
mod legend;
mod linear;
mod loss;
mod pretrain;
mod ratio;
mod scale;
mod series;
mod style;
mod time;

pub use activation::{draw_activation, ActivationChart};
pub use boundary::{draw_decision_boundary, Boundary};
pub use canvas::{draw_chart_on_canvas, draw_on_canvas, draw_plot_on_canvas};
pub use draw::{draw_depth_plot, draw_plot};
pub use frame::DrawResult;
pub use heatmap::{draw_heatmap, LayerSeries};
pub use histogram::{draw_histograms, Histogram, HistogramPanel, Histograms, Saturation};
pub use layout::CanvasSize;
pub use loss::{draw_loss, LossHistory, LossScale};
pub use pretrain::{draw_filters, draw_fine_tuning, draw_pretraining, Filters, FineTuning, MAX_FILTERS};
pub use ratio::{draw_update_ratio, HEALTHY_UPDATE_RATIO};
pub use series::{DepthPlot, Quantity, Series};
pub use style::{Colours, PlotStyle};
pub use time::{draw_recurrent_loss, draw_time_plot, ModelSeries, RecurrentLoss, TimePlot};

#[cfg(test)]
mod chart_tests;
#[cfg(test)]
mod svg;
#[cfg(test)]
mod tests;
