//! Native recurrent training steps per second on issue 5's benchmark shape: LSTM and GRU,
//! hidden 64, batch 32, T = 100, the adding problem, the lab's default Adam and clipping:
//!
//! `cargo run --release -p gradscope-core --example recurrent_bench`
//!
//! Each model is warmed up, then timed in rounds of at least 0.5 s of `run(5)` chunks (the whole
//! step: fresh batch, forward, BPTT, clipping, Adam, and the chunk's probe through time); the
//! best round is printed as ms/step and steps/s.

use std::time::{Duration, Instant};

use gradscope_core::recurrent::{default_optimizer, Model, RecurrentConfig, Trainer, DEFAULT_CLIP};

const ROUND: Duration = Duration::from_millis(500);
const ROUNDS: usize = 5;
const CHUNK: usize = 5;

fn main() {
    for model in [Model::Lstm, Model::Gru] {
        let cfg = RecurrentConfig { model, hidden: 64, batch: 32, seq: 100, ..RecurrentConfig::default() };
        let mut trainer = Trainer::new(&cfg, default_optimizer(), DEFAULT_CLIP).unwrap_or_else(|e| panic!("{e}"));
        trainer.run(2);
        let mut best = f64::INFINITY;
        for _ in 0..ROUNDS {
            let start = Instant::now();
            let mut steps = 0;
            while start.elapsed() < ROUND {
                steps += trainer.run(CHUNK).steps_in_chunk;
            }
            best = best.min(start.elapsed().as_secs_f64() * 1e3 / steps as f64);
        }
        println!("{model} H=64 B=32 T=100\t{best:.3} ms/step\t{:.1} steps/s", 1e3 / best);
    }
}
