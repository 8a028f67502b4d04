//! gradscope-core: every number gradscope shows comes from here.
//!
//! No web dependencies: the crate builds natively (tests, the `gradscope` CLI) and for
//! wasm32 (the page's worker), and gives bit-identical results on both (see `linalg`).
//!
//! Layout: `config` + `link` describe an experiment (what a shared link holds);
//! `rng`, `data`, `activation`, `init`, `linalg`, `mlp` build and run the network;
//! `probe` measures per-layer gradient statistics; `theory` predicts them (mean field).
//! `train` trains the network over time (optimizers in `optim`, clipping in `clip`); recurrent
//! cells and RBMs live in their own modules.

pub mod activation;
pub mod clip;
pub mod config;
pub mod data;
pub mod init;
pub mod linalg;
pub mod link;
pub mod mlp;
pub mod norm;
pub mod optim;
pub mod probe;
pub mod recurrent;
pub mod rbm;
pub mod rng;
pub mod serde_float;
pub mod theory;
pub mod train;

pub use config::ExperimentConfig;
pub use probe::{probe, ProbeReport};
