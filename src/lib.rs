//! gradscope's page: a Leptos UI on the main thread (`app`, `components`), the probe running in
//! a web worker (`src/bin/worker.rs`) reached through a typed bridge (`bridge`, `client`).

pub mod app;
pub mod bridge;
pub mod client;
pub mod components;
pub mod format;
pub mod math;
pub mod panels;
pub mod plot;
pub mod reading;

pub use app::App;
