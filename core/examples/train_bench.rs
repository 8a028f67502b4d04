//! Native training steps per second on the reference shapes of the TensorFlow.js comparison
//! (see `gradscope_core::train::reference_benchmark`):
//!
//! `cargo run --release -p gradscope-core --example train_bench [L W B]`
//!
//! Without arguments it runs the four reference shapes. Each shape is warmed up, then timed in
//! rounds of at least 0.2 s of `advance(10)` calls (each also evaluates B/4 examples once, as the
//! page's chunks do); the best round is printed as ms/step and steps/s.

use std::time::{Duration, Instant};

use gradscope_core::train::reference_benchmark;

const SHAPES: [(usize, usize, usize); 4] = [(10, 256, 64), (50, 64, 32), (200, 32, 16), (4, 512, 256)];
const ROUND: Duration = Duration::from_millis(200);
const ROUNDS: usize = 5;
const CHUNK: usize = 10;

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().expect("L W B are whole numbers")).collect();
    let shapes = match args[..] {
        [] => SHAPES.to_vec(),
        [layers, width, batch] => vec![(layers, width, batch)],
        _ => panic!("usage: train_bench [L W B]"),
    };
    for (layers, width, batch) in shapes {
        let mut trainer = reference_benchmark(layers, width, batch).unwrap_or_else(|e| panic!("{e}"));
        trainer.advance(3);
        let mut best = f64::INFINITY;
        for _ in 0..ROUNDS {
            let start = Instant::now();
            let mut steps = 0;
            while start.elapsed() < ROUND {
                steps += trainer.advance(CHUNK).steps_in_chunk;
            }
            best = best.min(start.elapsed().as_secs_f64() * 1e3 / steps as f64);
        }
        println!("L={layers} W={width} B={batch}\t{best:.3} ms/step\t{:.1} steps/s", 1e3 / best);
    }
}
