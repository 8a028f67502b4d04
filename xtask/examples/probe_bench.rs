//! Native time of one gradient probe (`gradscope_core::probe`), the work the page's worker does
//! for every slider move: `cargo run --release -p xtask --example probe_bench -- '<query>'…`
//!
//! Each link is decoded like the page decodes it, warmed up, then timed in rounds of at least
//! 0.2 s; prints one line per link: the query, the best and the median ms per probe.
//! `cargo xtask bench` runs it next to the browser measurement, so the two compare in one run.

use std::hint::black_box;
use std::time::{Duration, Instant};

use gradscope_core::{link, probe};

const ROUND: Duration = Duration::from_millis(200);
const ROUNDS: usize = 7;

fn main() {
    for query in std::env::args().skip(1) {
        let config = link::decode(&query).config;
        black_box(probe(&config));
        let mut per_probe: Vec<f64> = (0..ROUNDS)
            .map(|_| {
                let start = Instant::now();
                let mut probes = 0;
                while start.elapsed() < ROUND {
                    black_box(probe(black_box(&config)));
                    probes += 1;
                }
                start.elapsed().as_secs_f64() * 1e3 / probes as f64
            })
            .collect();
        per_probe.sort_by(f64::total_cmp);
        println!("{query}\t{:.3}\t{:.3}", per_probe[0], per_probe[ROUNDS / 2]);
    }
}
