//! The page's parts. `App` (in `crate::app`) owns the state and hands each part the signals it needs.

pub mod controls;
pub mod panel;
pub mod notices;
pub mod recurrent;
pub mod recurrent_training;
pub mod redraw;
pub mod pretraining;
pub mod results;
pub mod training;
