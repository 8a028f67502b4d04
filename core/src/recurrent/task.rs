//! Tasks with long-range dependencies, generated from the seed.
//!
//! **Adding problem** (Hochreiter & Schmidhuber 1997, in the form of Le, Jaitly & Hinton 2015):
//! each step's input is a pair (value v_t ∈ U[0,1], marker m_t ∈ {0, 1}); exactly two steps are
//! marked, one uniformly in the first half [0, ⌊T/2⌋) and one in the second half [⌊T/2⌋, T)
//! (0-based), so at least one marked value lies ≥ T/2 steps back. The target, read at the last
//! step, is the sum of the two marked values; the loss is MSE. Baseline: a constant prediction c
//! has MSE E[(s − c)²], smallest at c = E[s] = 1, where it is Var(s) = Var(v₁) + Var(v₂) = 2·(1/12)
//! = 1/6 ≈ 0.1667 (`ADDING_BASELINE_MSE`). A model that remembers only the second marked value
//! can reach Var(v₁) = 1/12.
//!
//! **Copy (memory) task**: S = min(5, ⌊(T−1)/2⌋) symbols drawn uniformly from an alphabet of
//! K = 8, shown one per step from step 0; then blanks; at step T−S−1 a "go" signal; during the
//! last S steps (blank inputs) the model must output the S symbols in order. Inputs are one-hot
//! over K + 2 channels (the symbols, blank, go); the loss is the mean cross-entropy over the S
//! recall steps. Each symbol must be held T − S steps. Baseline: the symbols are independent and
//! uniform, so nothing that ignores the first steps beats predicting 1/K each: ln K ≈ 2.079.

use crate::rng::Rng;

use super::Task;

/// Predicting the mean sum, 1, always: MSE = Var(v₁ + v₂) = 1/6.
pub const ADDING_BASELINE_MSE: f64 = 1.0 / 6.0;
/// Symbols of the copy task's alphabet (K).
pub const COPY_ALPHABET: usize = 8;
/// Symbols to remember (S) when the sequence is long enough.
pub const COPY_LENGTH: usize = 5;
/// Input channels of the copy task after the K symbols.
const COPY_BLANK: usize = COPY_ALPHABET;
const COPY_GO: usize = COPY_ALPHABET + 1;

/// What the readout is compared with.
#[derive(Clone, Debug, PartialEq)]
pub enum Targets {
    /// [output_steps, batch, n_outputs], for MSE.
    Values(Vec<f32>),
    /// [output_steps, batch] class indices, for cross-entropy.
    Classes(Vec<usize>),
}

/// A batch of sequences and what the last `output_steps` steps should produce.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    /// Sequences in the batch.
    pub size: usize,
    /// Sequence length T.
    pub steps: usize,
    /// [steps, size, n_inputs], time-major.
    pub inputs: Vec<f32>,
    pub output_steps: usize,
    pub targets: Targets,
}

impl Task {
    /// Input width: (value, marker) for adding; one-hot symbol/blank/go for copy.
    pub fn n_inputs(self) -> usize {
        match self {
            Task::Adding => 2,
            Task::Copy => COPY_ALPHABET + 2,
        }
    }

    /// Readout width: the sum, or the logits over the alphabet.
    pub fn n_outputs(self) -> usize {
        match self {
            Task::Adding => 1,
            Task::Copy => COPY_ALPHABET,
        }
    }

    /// Steps at the end whose readout enters the loss.
    pub fn output_steps(self, seq: usize) -> usize {
        match self {
            Task::Adding => 1,
            Task::Copy => copy_length(seq),
        }
    }

    /// The loss of the best prediction that ignores the inputs (see the module docs).
    pub fn baseline_loss(self) -> f64 {
        match self {
            Task::Adding => ADDING_BASELINE_MSE,
            Task::Copy => libm::log(COPY_ALPHABET as f64),
        }
    }

    /// `size` sequences of length `seq` drawn from `rng`, one sequence after the other (so the
    /// first k sequences of a batch do not depend on its size).
    pub fn batch(self, seq: usize, size: usize, rng: &mut Rng) -> Batch {
        let n_inputs = self.n_inputs();
        let output_steps = self.output_steps(seq);
        let mut inputs = vec![0.0f32; seq * size * n_inputs];
        let mut input = |t: usize, b: usize, channel: usize, value: f32| inputs[(t * size + b) * n_inputs + channel] = value;
        let targets = match self {
            Task::Adding => {
                let mut sums = Vec::with_capacity(size);
                for b in 0..size {
                    let values: Vec<f32> = (0..seq).map(|_| rng.uniform() as f32).collect();
                    let half = seq / 2;
                    let first = rng.below(half as u64) as usize;
                    let second = half + rng.below((seq - half) as u64) as usize;
                    for (t, &v) in values.iter().enumerate() {
                        input(t, b, 0, v);
                    }
                    input(first, b, 1, 1.0);
                    input(second, b, 1, 1.0);
                    sums.push(values[first] + values[second]);
                }
                Targets::Values(sums)
            }
            Task::Copy => {
                let mut labels = vec![0; output_steps * size];
                for b in 0..size {
                    for t in 0..seq {
                        let channel = if t < output_steps {
                            let symbol = rng.below(COPY_ALPHABET as u64) as usize;
                            labels[t * size + b] = symbol;
                            symbol
                        } else if t == seq - output_steps - 1 {
                            COPY_GO
                        } else {
                            COPY_BLANK
                        };
                        input(t, b, channel, 1.0);
                    }
                }
                Targets::Classes(labels)
            }
        };
        Batch { size, steps: seq, inputs, output_steps, targets }
    }
}

/// S for a copy sequence of length `seq` ≥ 3: as many as fit before the go signal and recall.
fn copy_length(seq: usize) -> usize {
    COPY_LENGTH.min((seq.saturating_sub(1)) / 2).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    #[test]
    fn adding_sequences_have_two_markers_one_per_half_and_the_sum_as_target() {
        for seq in [3, 10, 101] {
            let batch = Task::Adding.batch(seq, 50, &mut Rng::new(4, Stream::Data));
            let Targets::Values(sums) = &batch.targets else { panic!("adding has values") };
            assert_eq!((batch.output_steps, sums.len(), batch.inputs.len()), (1, 50, seq * 50 * 2));
            for (b, &sum) in sums.iter().enumerate() {
                let at = |t: usize, c: usize| batch.inputs[(t * 50 + b) * 2 + c];
                let marked: Vec<usize> = (0..seq).filter(|&t| at(t, 1) == 1.0).collect();
                assert_eq!(marked.len(), 2, "seq {seq}");
                assert!(marked[0] < seq / 2 && marked[1] >= seq / 2);
                assert!((0..seq).all(|t| at(t, 1) == 0.0 || at(t, 1) == 1.0));
                assert!((0..seq).all(|t| (0.0..1.0).contains(&at(t, 0))));
                assert_eq!(sum, at(marked[0], 0) + at(marked[1], 0));
            }
        }
    }

    #[test]
    fn adding_baseline_is_one_sixth_empirically() {
        // 100 000 sums: the sample MSE of the constant 1 has standard error
        // sd((s−1)²)/√n = √(E(s−1)⁴ − (1/6)²)/√n = √(1/15 − 1/36)/316 ≈ 6.2e-4; allow 5 of them.
        let batch = Task::Adding.batch(20, 100_000, &mut Rng::new(9, Stream::Data));
        let Targets::Values(sums) = &batch.targets else { panic!("adding has values") };
        let n = sums.len() as f64;
        let mse_of_one = sums.iter().map(|&s| (f64::from(s) - 1.0).powi(2)).sum::<f64>() / n;
        assert!((mse_of_one - ADDING_BASELINE_MSE).abs() < 3.1e-3, "{mse_of_one}");
        // And no other constant does better: the best one is the sample mean, ≈ 1.
        let mean = sums.iter().map(|&s| f64::from(s)).sum::<f64>() / n;
        assert!((mean - 1.0).abs() < 5.0 * (ADDING_BASELINE_MSE / n).sqrt(), "{mean}");
        let mse_of_mean = sums.iter().map(|&s| (f64::from(s) - mean).powi(2)).sum::<f64>() / n;
        assert!(mse_of_mean <= mse_of_one && mse_of_one - mse_of_mean < 1e-4);
        assert_eq!(Task::Adding.baseline_loss(), 1.0 / 6.0);
    }

    #[test]
    fn copy_sequences_show_symbols_wait_signal_and_ask_for_them_back() {
        let seq = 30;
        let batch = Task::Copy.batch(seq, 7, &mut Rng::new(2, Stream::Data));
        let Targets::Classes(labels) = &batch.targets else { panic!("copy has classes") };
        assert_eq!(batch.output_steps, COPY_LENGTH);
        for b in 0..7 {
            let channel = |t: usize| {
                let row = &batch.inputs[(t * 7 + b) * 10..(t * 7 + b + 1) * 10];
                assert_eq!(row.iter().sum::<f32>(), 1.0, "one-hot");
                row.iter().position(|&x| x == 1.0).unwrap()
            };
            for (j, t) in (0..COPY_LENGTH).enumerate() {
                assert_eq!(channel(t), labels[j * 7 + b]);
                assert!(labels[j * 7 + b] < COPY_ALPHABET);
            }
            for t in COPY_LENGTH..seq {
                assert_eq!(channel(t), if t == seq - COPY_LENGTH - 1 { COPY_GO } else { COPY_BLANK });
            }
        }
        // Short sequences recall fewer symbols; the shortest is symbol, go, recall.
        assert_eq!((copy_length(3), copy_length(10), copy_length(11)), (1, 4, 5));
        let tiny = Task::Copy.batch(3, 1, &mut Rng::new(2, Stream::Data));
        assert_eq!(tiny.inputs[COPY_GO + 10], 1.0, "go at step 1");
    }

    #[test]
    fn copy_baseline_is_ln_k_empirically() {
        // The best input-blind predictor is the label distribution itself; its cross-entropy on
        // the data (the empirical entropy) must be ln 8 up to sampling error (n = 50 000 labels:
        // bias ≈ (K−1)/(2n) ≈ 7e-5, noise ≲ 1e-3).
        let batch = Task::Copy.batch(12, 10_000, &mut Rng::new(3, Stream::Data));
        let Targets::Classes(labels) = &batch.targets else { panic!("copy has classes") };
        let mut counts = [0usize; COPY_ALPHABET];
        labels.iter().for_each(|&l| counts[l] += 1);
        let n = labels.len() as f64;
        let entropy: f64 = counts.iter().map(|&c| c as f64 / n).map(|p| -p * libm::log(p)).sum();
        assert!((entropy - Task::Copy.baseline_loss()).abs() < 2e-3, "{entropy}");
        assert!((Task::Copy.baseline_loss() - 2.0794415416798357).abs() < 1e-15);
    }

    #[test]
    fn batches_are_reproducible_and_prefix_stable() {
        for task in Task::ALL {
            let a = task.batch(17, 6, &mut Rng::new(5, Stream::Data));
            let b = task.batch(17, 6, &mut Rng::new(5, Stream::Data));
            assert_eq!(a, b);
            let c = task.batch(17, 6, &mut Rng::new(6, Stream::Data));
            assert_ne!(a, c);
            // The first 3 sequences of a batch of 6 are the batch of 3.
            let small = task.batch(17, 3, &mut Rng::new(5, Stream::Data));
            let width = task.n_inputs();
            for t in 0..17 {
                assert_eq!(small.inputs[t * 3 * width..(t + 1) * 3 * width], a.inputs[t * 6 * width..(t * 6 + 3) * width]);
            }
        }
    }
}
