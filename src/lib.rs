//! gradscope's page: a Leptos UI on the main thread (`app`, `components`), the probe and the
//! training running in web workers (`src/bin/worker.rs`, `jobs`) reached through a typed bridge
//! (`bridge`, `client`).

pub mod app;
pub mod bridge;
pub mod client;
pub mod components;
pub mod format;
pub mod i18n;
pub mod jobs;
pub mod math;
pub mod panels;
pub mod plot;
pub mod pretraining;
pub mod reading;
pub mod recurrent_training;
pub mod training;

pub use app::App;
