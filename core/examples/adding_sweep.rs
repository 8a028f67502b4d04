//! The measurements behind the recurrent lab's default example: trains the plain RNN, the LSTM
//! and the GRU on the adding problem with the lab's defaults (Adam lr 1e-2, clip_grad_norm 1)
//! and prints, every `every` steps, the mean training loss of those steps and the loss on the
//! 256 held-out sequences (`EVALUATION_SEQUENCES`), then the training time per step:
//!
//! `cargo run --release -p gradscope-core --example adding_sweep -- HIDDEN BATCH SEQ STEPS EVERY [SEED]`
//!
//! e.g. `-- 32 32 30 800 100` for the default example (see `recurrent::train`'s test).

use std::time::Instant;

use gradscope_core::recurrent::{default_optimizer, Model, RecurrentConfig, Trainer, DEFAULT_CLIP, EVALUATION_SEQUENCES};

fn main() {
    let numbers: Result<Vec<usize>, _> = std::env::args().skip(1).map(|a| a.parse()).collect();
    let (hidden, batch, seq, steps, every, seed) = match numbers.as_deref() {
        Ok(&[hidden, batch, seq, steps, every]) => (hidden, batch, seq, steps, every, 1),
        Ok(&[hidden, batch, seq, steps, every, seed]) => (hidden, batch, seq, steps, every, seed as u64),
        _ => {
            eprintln!("usage: adding_sweep HIDDEN BATCH SEQ STEPS EVERY [SEED]");
            std::process::exit(2);
        }
    };
    for &model in Model::ALL {
        let cfg = RecurrentConfig { model, hidden, batch, seq, seed, ..RecurrentConfig::default() };
        let mut trainer = Trainer::new(&cfg, default_optimizer(), DEFAULT_CLIP).unwrap_or_else(|e| panic!("{e}"));
        let mut line = format!("{model} hidden {hidden} batch {batch} T {seq} seed {seed} (step: training/held-out):");
        let mut training = 0.0;
        for round in 1..=steps / every.max(1) {
            let start = Instant::now();
            let snapshot = trainer.run(every);
            training += start.elapsed().as_secs_f64();
            let held_out = trainer.evaluate(EVALUATION_SEQUENCES);
            line += &format!(" {}: {:.3}/{:.3}", round * every, snapshot.mean_loss, held_out);
        }
        println!("{line}  [{:.1} ms/step]", training * 1e3 / steps as f64);
    }
}
