//! What the page keeps of a recurrent training run (`bridge::RecurrentProgress`): per model,
//! the training loss in fixed windows of steps, the newest held-out loss, the newest probe
//! through time and where training diverged. Plain data, tested natively.

use gradscope_core::recurrent::{Model, TimeProbe};

use crate::bridge::{ModelProgress, RecurrentProgress};

/// Steps per point of the loss chart: one step's loss is that of one batch of fresh sequences
/// (noisy); a fixed window (steps 1–10, 11–20, …) smooths it the same way however the worker
/// chunked the steps.
pub const WINDOW: usize = 10;

/// One model's run as the page has seen it.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelHistory {
    pub model: Model,
    /// `(last step of the window, mean training loss over its steps)`; the last entry may be
    /// an unfinished window, replaced as its steps arrive.
    pub windows: Vec<(u64, f64)>,
    /// Sum and count of the losses of the unfinished window.
    partial: (f64, usize),
    /// Steps completed.
    pub step: u64,
    /// The held-out loss and the step it was measured after.
    pub evaluation: Option<(u64, f64)>,
    /// Gradients through time on the newest chunk's last batch.
    pub probe: Option<TimeProbe>,
    /// The step whose loss or gradient was not finite; its probe shows which.
    pub diverged_at: Option<u64>,
}

impl ModelHistory {
    fn new(model: Model) -> Self {
        ModelHistory { model, windows: Vec::new(), partial: (0.0, 0), step: 0, evaluation: None, probe: None, diverged_at: None }
    }

    fn record(&mut self, progress: ModelProgress) {
        let ModelProgress { snapshot, evaluation, .. } = progress;
        let first = snapshot.step - snapshot.losses.len() as u64;
        for (step, &loss) in (first + 1..).zip(&snapshot.losses) {
            if self.partial.1 > 0 {
                // The unfinished window's point is replaced by the longer one.
                self.windows.pop();
            }
            self.partial = (self.partial.0 + loss, self.partial.1 + 1);
            self.windows.push((step, self.partial.0 / self.partial.1 as f64));
            if self.partial.1 == WINDOW {
                self.partial = (0.0, 0);
            }
        }
        self.step = snapshot.step;
        self.diverged_at = snapshot.diverged_at;
        if let Some(evaluation) = evaluation {
            self.evaluation = Some((snapshot.step, evaluation.0));
        }
        if snapshot.probe.is_some() {
            self.probe = snapshot.probe;
        }
    }
}

/// A recurrent training run, one `ModelHistory` per model in the worker's order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecurrentHistory {
    pub models: Vec<ModelHistory>,
}

impl RecurrentHistory {
    pub fn record(&mut self, progress: RecurrentProgress) {
        for model in progress.models {
            match self.models.iter_mut().find(|m| m.model == model.model) {
                Some(history) => history.record(model),
                None => {
                    let mut history = ModelHistory::new(model.model);
                    history.record(model);
                    self.models.push(history);
                }
            }
        }
    }

    /// Steps completed by the model that got furthest.
    pub fn step(&self) -> u64 {
        self.models.iter().map(|m| m.step).max().unwrap_or(0)
    }

    /// Each model's newest probe, once every model has taken a step: the time plot's "now".
    pub fn now(&self) -> Option<(u64, Vec<TimeProbe>)> {
        let probes: Option<Vec<TimeProbe>> = self.models.iter().map(|m| m.probe.clone()).collect();
        probes.filter(|p| !p.is_empty()).map(|p| (self.step(), p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::{Job, RecurrentJob};
    use crate::bridge::Progress;
    use gradscope_core::link;

    fn progress(job: &mut RecurrentJob, steps: usize, detail: bool) -> RecurrentProgress {
        match job.advance(steps, detail.then_some(1)) {
            Progress::Recurrent(p) => p,
            other => panic!("expected a recurrent progress, got {other:?}"),
        }
    }

    #[test]
    fn windows_are_the_same_however_the_steps_were_chunked() {
        let config = link::decode("model=lstm&hidden=4&seq=5&batch=2").config;
        let run = |chunks: &[usize]| {
            let mut job = RecurrentJob::side_by_side(&config).unwrap();
            let mut history = RecurrentHistory::default();
            history.record(progress(&mut job, 0, true));
            for &steps in chunks {
                history.record(progress(&mut job, steps, false));
            }
            history
        };
        let (whole, chunked) = (run(&[25]), run(&[3, 9, 1, 12]));
        assert_eq!(whole, chunked);
        let lstm = &whole.models[1];
        assert_eq!((lstm.model, lstm.step, whole.step()), (Model::Lstm, 25, 25));
        let ends: Vec<u64> = lstm.windows.iter().map(|w| w.0).collect();
        assert_eq!(ends, [10, 20, 25], "two whole windows and the unfinished one");
        // The first window is the mean of the first ten steps' losses, summed in order.
        let mut job = RecurrentJob::side_by_side(&config).unwrap();
        let losses = progress(&mut job, 10, false).models[1].snapshot.losses.clone();
        assert_eq!(lstm.windows[0].1.to_bits(), (losses.iter().sum::<f64>() / 10.0).to_bits());
        assert_eq!(lstm.evaluation.map(|e| e.0), Some(0), "measured with the views only");
        let (step, probes) = whole.now().unwrap();
        assert_eq!((step, probes.len()), (25, 3));
        assert!(RecurrentHistory::default().now().is_none());
    }
}
