//! The pretraining job the training worker runs (`bridge::JobSpec::Pretrain`): greedy RBM
//! pretraining of the config's hidden layers, epoch by epoch, then fine-tuning of the same
//! network twice in lockstep, from its random initialization and from the pretrained stack, so
//! the page can show whether and where pretraining helped. Free of browser types: tested natively.
//!
//! While pretraining, a "step" of the runner is one epoch; after, one training step of both runs.

use gradscope_core::probe::probe_pretrained;
use gradscope_core::rbm::{pretrainer_for, LayerProgress, PretrainChunk, Pretrainer};
use gradscope_core::train::Trainer;
use gradscope_core::{probe, ExperimentConfig};

use crate::bridge::{FineTuning, Hyper, PretrainProbes, PretrainProgress, Progress};
use crate::jobs::Job;

pub struct PretrainJob {
    /// The experiment, with the optimizer and clipping last set.
    config: ExperimentConfig,
    phase: Phase,
}

enum Phase {
    Pretraining(Pretrainer),
    FineTuning {
        /// Every layer's finished pretraining.
        layers: Vec<LayerProgress>,
        probes: PretrainProbes,
        random: Box<Trainer>,
        pretrained: Box<Trainer>,
    },
}

impl PretrainJob {
    /// Refuses, with the reason, a config that cannot be pretrained (see `rbm::pretrainer_for`).
    pub fn new(config: &ExperimentConfig) -> Result<Self, String> {
        Ok(PretrainJob { config: config.clone(), phase: Phase::Pretraining(pretrainer_for(config)?) })
    }
}

impl Job for PretrainJob {
    fn advance(&mut self, steps: usize, detail: Option<usize>) -> Progress {
        let mut progress = match &mut self.phase {
            Phase::Pretraining(pretrainer) => {
                let pretraining = pretrainer.advance(steps);
                let filters = detail.and_then(|_| first_layer(pretrainer));
                if pretraining.done {
                    // Fails only for a stack that does not fit its own config's network, which
                    // `pretrainer_for` rules out; pretraining then just stays done.
                    if let Ok(phase) = fine_tuning(&self.config, pretrainer) {
                        self.phase = phase;
                    }
                }
                PretrainProgress { pretraining, filters, probes: None, fine_tuning: None }
            }
            Phase::FineTuning { layers, random, pretrained, .. } => {
                let (random, pretrained) = (random.advance(steps), pretrained.advance(steps));
                let pretraining = PretrainChunk { metrics: Vec::new(), layers: layers.clone(), done: true };
                PretrainProgress { pretraining, filters: None, probes: None, fine_tuning: Some(FineTuning { random, pretrained }) }
            }
        };
        // Once fine-tuning, the views come with every detailed chunk and with the one that
        // finished pretraining (then with both runs at step 0), so a page never misses them.
        if let Phase::FineTuning { probes, random, pretrained, .. } = &mut self.phase {
            let finished_now = progress.fine_tuning.is_none();
            if detail.is_some() || finished_now {
                progress.probes = Some(probes.clone());
                progress.filters = Some(pretrained.mlp().layers[0].weight.value.clone());
            }
            if finished_now {
                // No steps: measures without changing either run.
                progress.fine_tuning = Some(FineTuning { random: random.advance(0), pretrained: pretrained.advance(0) });
            }
        }
        Progress::Pretrain(progress)
    }

    fn set_hyper(&mut self, hyper: Hyper) -> Result<(), String> {
        hyper.optimizer.validate()?;
        self.config.set_optimizer(hyper.optimizer);
        self.config.set_clipping(hyper.clip);
        if let Phase::FineTuning { random, pretrained, .. } = &mut self.phase {
            for run in [random, pretrained] {
                run.set_optimizer(hyper.optimizer)?;
                run.set_clip(hyper.clip)?;
            }
        }
        Ok(())
    }

    /// While pretraining: from the first epoch again. Fine-tuning: both runs back to step 0
    /// (the pretrained one to the stack).
    fn reset(&mut self) {
        match &mut self.phase {
            Phase::Pretraining(pretrainer) => {
                if let Ok(fresh) = pretrainer_for(&self.config) {
                    *pretrainer = fresh;
                }
            }
            Phase::FineTuning { random, pretrained, .. } => {
                random.reset();
                pretrained.reset();
            }
        }
    }

    fn stopped(&self) -> bool {
        match &self.phase {
            Phase::Pretraining(_) => false,
            Phase::FineTuning { random, pretrained, .. } => random.diagnosis().is_some() && pretrained.diagnosis().is_some(),
        }
    }
}

/// The first layer's RBM weights, row-major [hidden, visible], once it exists.
fn first_layer(pretrainer: &Pretrainer) -> Option<Vec<f32>> {
    let rbm = pretrainer.finished().first().or(pretrainer.in_training())?;
    Some(rbm.weight.clone())
}

/// Pretraining is done: the stack initializes the second run; both start at step 0.
fn fine_tuning(config: &ExperimentConfig, pretrainer: &Pretrainer) -> Result<Phase, String> {
    let stack = pretrainer.finished();
    let probes = PretrainProbes { random: probe(config), pretrained: probe_pretrained(config, stack)? };
    Ok(Phase::FineTuning {
        layers: pretrainer.progress(),
        probes,
        random: Box::new(Trainer::new(config)?),
        pretrained: Box::new(Trainer::pretrained(config, stack.to_vec())?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradscope_core::link;

    const BARS: &str = "data=bars&depth=2&width=8&batch=32&pretrain=rbm&pt_epochs=3&opt=sgd";

    fn unwrap(progress: Progress) -> PretrainProgress {
        match progress {
            Progress::Pretrain(p) => p,
            other => panic!("expected a pretraining progress, got {other:?}"),
        }
    }

    #[test]
    fn pretrains_epoch_by_epoch_then_fine_tunes_both_runs_from_the_same_step_zero() {
        let config = link::decode(BARS).config;
        let mut job = PretrainJob::new(&config).unwrap();
        let mut metrics = Vec::new();
        let last = loop {
            let progress = unwrap(job.advance(1, None));
            metrics.extend(progress.pretraining.metrics.clone());
            if progress.pretraining.done {
                break progress;
            }
            assert!(progress.probes.is_none() && progress.fine_tuning.is_none() && progress.filters.is_none());
        };
        // Epochs 0..=3 of two layers, each reported once, exactly as the library's run.
        let mut whole = pretrainer_for(&config).unwrap();
        whole.advance(usize::MAX);
        assert_eq!(metrics, whole.history());
        let probes = last.probes.expect("the chunk that finishes pretraining carries the probes");
        assert_eq!(probes.random, probe(&config));
        assert_eq!(probes.pretrained, probe_pretrained(&config, whole.finished()).unwrap());
        assert_eq!(last.filters.as_deref(), Some(whole.finished()[0].weight.as_slice()));
        let start = last.fine_tuning.unwrap();
        assert_eq!((start.random.step, start.pretrained.step), (0, 0));

        let after = unwrap(job.advance(5, None)).fine_tuning.unwrap();
        let mut random = Trainer::new(&config).unwrap();
        let mut pretrained = Trainer::pretrained(&config, whole.finished().to_vec()).unwrap();
        assert_eq!(after.random, random.advance(5));
        assert_eq!(after.pretrained, pretrained.advance(5));
        assert_eq!(job.advance(0, None).step(), 5);
        job.reset();
        assert_eq!(unwrap(job.advance(0, None)).fine_tuning.unwrap().pretrained.step, 0);
        assert!(!job.stopped());
    }

    #[test]
    fn views_come_with_detailed_chunks_and_a_reset_restarts_pretraining() {
        let config = link::decode(BARS).config;
        let mut job = PretrainJob::new(&config).unwrap();
        let first = unwrap(job.advance(1, Some(1)));
        assert_eq!(first.filters.map(|f| f.len()), Some(8 * 16), "layer 1's RBM: 8 hidden × 16 pixels");
        job.reset();
        let again = unwrap(job.advance(0, None));
        assert_eq!(again.pretraining.layers[0].epochs_done, 0);
        assert_eq!(again.pretraining.metrics.len(), 1, "epoch 0 of layer 1 again");
    }

    #[test]
    fn a_network_an_rbm_stack_cannot_initialize_is_refused_with_the_reason() {
        let relu = ExperimentConfig { act: gradscope_core::config::Activation::Relu, ..link::decode(BARS).config };
        assert!(PretrainJob::new(&relu).err().unwrap().contains("act=relu"));
    }
}
