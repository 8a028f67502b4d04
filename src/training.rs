//! What the page keeps of a training run from the worker's progress: the series the charts
//! draw, the newest numbers and the newest views. Plain data, tested natively.

use gradscope_core::train::{DecisionBoundary, LayerHistograms, Snapshot};

use crate::bridge::MlpProgress;

/// Snapshots kept at most. Beyond, every other older one is dropped: the charts thin long
/// runs to their pixels anyway, and an hour of training must not fill the memory.
pub const MAX_SNAPSHOTS: usize = 2048;

/// One training run as the page has seen it. The series hold one entry per snapshot that took
/// steps; the per-layer ones hold `layers` values per snapshot (layer 1 first), the layout of
/// `plot::LayerSeries`.
#[derive(Clone, Debug, Default)]
pub struct TrainingHistory {
    pub steps: Vec<u64>,
    /// Loss on the evaluation subset after each snapshot's chunk: the same examples every
    /// time, so the curve shows the network changing, not the batches.
    pub loss: Vec<f64>,
    /// Accuracy on the evaluation subset; empty for regression.
    pub accuracy: Vec<f64>,
    pub layers: usize,
    pub grad_w_norm: Vec<f64>,
    pub update_ratio: Vec<f64>,
    /// The newest state: the last snapshot, unless a later one only repeated it without steps.
    pub latest: Option<Snapshot>,
    pub histograms: Option<LayerHistograms>,
    pub boundary: Option<DecisionBoundary>,
    /// Bumped whenever `histograms` or `boundary` change, so their charts redraw only then.
    pub views_version: u64,
}

impl TrainingHistory {
    pub fn record(&mut self, progress: MlpProgress) {
        let MlpProgress { snapshot, histograms, boundary } = progress;
        if histograms.is_some() || boundary.is_some() {
            self.views_version += 1;
            self.histograms = histograms.or(self.histograms.take());
            self.boundary = boundary.or(self.boundary.take());
        }
        if snapshot.steps_in_chunk > 0 {
            self.layers = snapshot.layers.len();
            self.steps.push(snapshot.step);
            self.loss.push(snapshot.eval.loss);
            self.accuracy.extend(snapshot.eval.accuracy);
            self.grad_w_norm.extend(snapshot.layers.iter().map(|l| l.grad_w_norm));
            self.update_ratio.extend(snapshot.layers.iter().map(|l| l.update_ratio));
            if self.steps.len() > MAX_SNAPSHOTS {
                self.thin();
            }
        }
        // A chunk without steps (a pause, a new inspected layer) repeats the state: keep the
        // last one that took steps, whose batch loss and gradient norm are measured.
        let repeats = |latest: &Snapshot| {
            snapshot.steps_in_chunk == 0 && latest.step == snapshot.step && latest.diagnosis == snapshot.diagnosis
        };
        if !self.latest.as_ref().is_some_and(repeats) {
            self.latest = Some(snapshot);
        }
    }

    /// Steps completed so far.
    pub fn step(&self) -> u64 {
        self.latest.as_ref().map_or(0, |s| s.step)
    }

    /// Keeps every other snapshot, counting back from the newest (always kept).
    fn thin(&mut self) {
        let n = self.steps.len();
        let kept = |i: usize| (n - 1 - i) % 2 == 0;
        let thin_values = |values: &mut Vec<f64>, per_snapshot: usize| {
            if per_snapshot == 0 {
                return;
            }
            let mut index = 0;
            values.retain(|_| {
                index += 1;
                kept((index - 1) / per_snapshot)
            });
        };
        thin_values(&mut self.loss, 1);
        if !self.accuracy.is_empty() {
            thin_values(&mut self.accuracy, 1);
        }
        thin_values(&mut self.grad_w_norm, self.layers);
        thin_values(&mut self.update_ratio, self.layers);
        let mut index = 0;
        self.steps.retain(|_| {
            index += 1;
            kept(index - 1)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradscope_core::link;
    use gradscope_core::train::Trainer;

    fn progress(trainer: &mut Trainer, steps: usize, layer: Option<usize>) -> MlpProgress {
        let snapshot = trainer.advance(steps);
        MlpProgress { snapshot, histograms: layer.and_then(|l| trainer.histograms(l)), boundary: None }
    }

    #[test]
    fn series_grow_per_chunk_and_chunks_without_steps_only_refresh_views() {
        let mut trainer = Trainer::new(&link::decode("data=spiral&depth=2&width=8&batch=16").config).unwrap();
        let mut history = TrainingHistory::default();
        history.record(progress(&mut trainer, 0, Some(1)));
        assert_eq!((history.step(), history.steps.len(), history.views_version), (0, 0, 1));
        history.record(progress(&mut trainer, 3, None));
        history.record(progress(&mut trainer, 2, None));
        assert_eq!(history.steps, [3, 5]);
        assert_eq!((history.layers, history.grad_w_norm.len(), history.accuracy.len()), (3, 6, 2));
        let stepped = history.latest.clone().unwrap();
        assert!(stepped.loss_last.is_finite());
        history.record(progress(&mut trainer, 0, Some(2)));
        assert_eq!(history.latest, Some(stepped), "a refresh keeps the measured batch loss");
        assert_eq!((history.views_version, history.histograms.as_ref().map(|h| h.layer)), (2, Some(2)));
        assert_eq!(history.steps.len(), 2);
    }

    #[test]
    fn a_divergence_without_steps_still_becomes_the_latest_state() {
        let mut trainer = Trainer::new(&link::decode("act=relu&init=normal&std=1&opt=sgd&lr=10&depth=4&width=32").config).unwrap();
        let mut history = TrainingHistory::default();
        while trainer.diagnosis().is_none() {
            history.record(progress(&mut trainer, 1, None));
        }
        let diagnosis = history.latest.as_ref().and_then(|s| s.diagnosis.as_ref()).expect("the diverging chunk is shown");
        assert_eq!(diagnosis.step, history.step() + 1, "the step that went non-finite does not count");
    }

    #[test]
    fn thinning_halves_the_series_and_keeps_the_newest() {
        let mut history = TrainingHistory { layers: 2, ..Default::default() };
        for step in 1..=5u64 {
            let v = step as f64;
            history.steps.push(step);
            history.loss.push(v);
            history.grad_w_norm.extend([v, -v]);
            history.update_ratio.extend([v, -v]);
        }
        history.thin();
        assert_eq!(history.steps, [1, 3, 5]);
        assert_eq!(history.loss, [1.0, 3.0, 5.0]);
        assert_eq!(history.grad_w_norm, [1.0, -1.0, 3.0, -3.0, 5.0, -5.0]);
        assert!(history.accuracy.is_empty());
    }
}
