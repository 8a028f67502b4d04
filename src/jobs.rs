//! The training worker's logic, free of browser types so it is tested natively: a [`Job`] that
//! advances in chunks, and the [`Runner`] that paces it. The worker binary only wires the
//! runner to messages and timers: after each chunk it yields to the event loop (a zero-delay
//! timeout), so the commands that arrived meanwhile (pause, step, new settings) are applied
//! before the next chunk.
//!
//! Chunks are sized by elapsed time (about `CHUNK_MS` of work, longer when the fixed work of a
//! progress would otherwise dominate), which only decides how often a progress is posted: the
//! core gives the same bits for N steps however they are chunked. The expensive views come on a
//! time budget too, so that on big networks they cannot crowd out the training itself.
//!
//! Adding a job: see `bridge::JobSpec` (a variant there and in `bridge::Progress`, an `impl Job`
//! for the trainer, an arm in [`start`]).

use gradscope_core::recurrent::{self, Model, RecurrentConfig, EVALUATION_SEQUENCES};
use gradscope_core::serde_float::Float;
use gradscope_core::train::{reference_benchmark, Trainer};
use gradscope_core::ExperimentConfig;

use crate::bridge::{Hyper, JobSpec, MlpProgress, ModelProgress, Progress, RecurrentProgress, Response, TrainCommand};
use crate::pretraining::PretrainJob;

/// Work per chunk while playing: long enough that the per-chunk costs (evaluation, posting,
/// the page's bookkeeping) stay small, short enough that a pause applies at once and the page
/// gets ~25 progresses a second.
pub const CHUNK_MS: f64 = 40.0;
/// While playing, the expensive views (histograms, decision boundary) at most this often…
pub const DETAIL_EVERY_MS: f64 = 250.0;
/// … and at most this share of the worker's time (on a big network one set of views costs as
/// much as ten steps).
pub const DETAIL_SHARE: f64 = 0.2;
/// Most of a chunk's time the fixed work of its progress (the MLP's evaluation of 256
/// examples, several steps' worth on a narrow batch) may take: chunks grow past `CHUNK_MS` to
/// keep it below.
pub const FIXED_SHARE: f64 = 0.25;
/// Cells per side of the decision boundary's grid.
pub const BOUNDARY_RESOLUTION: usize = 48;
/// Most steps one `Step` command may ask for (more is a mistake, not a request).
pub const MAX_STEPS_PER_COMMAND: usize = 1_000_000;

/// A trainer the worker can drive.
pub trait Job {
    /// Takes up to `steps` steps (none once stopped) and reports on them; with `detail`, also
    /// the expensive views, for that (1-based) layer.
    fn advance(&mut self, steps: usize, detail: Option<usize>) -> Progress;
    /// The optimizer and clipping from the next step on.
    fn set_hyper(&mut self, hyper: Hyper) -> Result<(), String>;
    /// Back to step 0 with the same initial weights.
    fn reset(&mut self);
    /// Whether training stopped by itself (diverged).
    fn stopped(&self) -> bool;
    /// Does once, without changing anything, the work every progress repeats besides the steps,
    /// so the runner can time it and size chunks; none by default.
    fn fixed_work(&mut self) {}
}

/// The job `spec` describes, at step 0.
pub fn start(spec: &JobSpec) -> Result<Box<dyn Job>, String> {
    match spec {
        JobSpec::Mlp(config) => Ok(Box::new(Trainer::new(config)?)),
        JobSpec::Pretrain(config) => Ok(Box::new(PretrainJob::new(config)?)),
        &JobSpec::Reference { layers, width, batch } => Ok(Box::new(reference_benchmark(layers, width, batch)?)),
        JobSpec::Recurrent(config) => Ok(Box::new(RecurrentJob::side_by_side(config)?)),
        &JobSpec::RecurrentReference { model, hidden, batch, seq } => Ok(Box::new(RecurrentJob::reference(model, hidden, batch, seq)?)),
    }
}

/// Recurrent models trained in lockstep on one config (`JobSpec::Recurrent`), each exactly as
/// `gradscope train` trains its own link: the same trainer, so the same bits.
pub struct RecurrentJob {
    /// One config per model, differing only in `model`.
    configs: Vec<RecurrentConfig>,
    hyper: Hyper,
    trainers: Vec<recurrent::Trainer>,
    /// Whether the views include the held-out evaluation (not while benchmarking).
    evaluate: bool,
}

impl RecurrentJob {
    /// RNN, LSTM and GRU (`Model::ALL` order) on the recurrent settings of `config`.
    pub fn side_by_side(config: &ExperimentConfig) -> Result<Self, String> {
        let base = config.recurrent().ok_or("a recurrent job needs a recurrent model (model=rnn, lstm or gru)")?;
        let configs = Model::ALL.iter().map(|&model| RecurrentConfig { model, ..base.clone() }).collect();
        RecurrentJob::new(configs, Hyper::of(config)?, true)
    }

    /// The benchmark's single model (see `JobSpec::RecurrentReference`).
    pub fn reference(model: Model, hidden: usize, batch: usize, seq: usize) -> Result<Self, String> {
        let config = RecurrentConfig { model, hidden, batch, seq, ..RecurrentConfig::default() };
        let hyper = Hyper { optimizer: recurrent::default_optimizer(), clip: recurrent::DEFAULT_CLIP };
        RecurrentJob::new(vec![config], hyper, false)
    }

    fn new(configs: Vec<RecurrentConfig>, hyper: Hyper, evaluate: bool) -> Result<Self, String> {
        let trainers = RecurrentJob::fresh(&configs, hyper)?;
        Ok(RecurrentJob { configs, hyper, trainers, evaluate })
    }

    fn fresh(configs: &[RecurrentConfig], hyper: Hyper) -> Result<Vec<recurrent::Trainer>, String> {
        configs.iter().map(|config| recurrent::Trainer::new(config, hyper.optimizer, hyper.clip)).collect()
    }
}

impl Job for RecurrentJob {
    fn advance(&mut self, steps: usize, detail: Option<usize>) -> Progress {
        let evaluate = self.evaluate && detail.is_some();
        let models = (self.trainers.iter_mut())
            .map(|trainer| ModelProgress {
                model: trainer.config().model,
                snapshot: trainer.run(steps),
                evaluation: evaluate.then(|| Float(trainer.evaluate(EVALUATION_SEQUENCES))),
            })
            .collect();
        Progress::Recurrent(RecurrentProgress { models })
    }

    fn set_hyper(&mut self, hyper: Hyper) -> Result<(), String> {
        for trainer in &mut self.trainers {
            trainer.set_optimizer(hyper.optimizer)?;
            trainer.set_clip(hyper.clip);
        }
        self.hyper = hyper;
        Ok(())
    }

    fn reset(&mut self) {
        // The settings were valid when the job started and when `set_hyper` took them.
        if let Ok(trainers) = RecurrentJob::fresh(&self.configs, self.hyper) {
            self.trainers = trainers;
        }
    }

    fn stopped(&self) -> bool {
        self.trainers.iter().all(|trainer| trainer.diverged_at().is_some())
    }
}

impl Job for Trainer {
    fn advance(&mut self, steps: usize, detail: Option<usize>) -> Progress {
        let snapshot = Trainer::advance(self, steps);
        let (histograms, boundary) = match detail {
            Some(layer) => (self.histograms(layer), self.decision_boundary(BOUNDARY_RESOLUTION)),
            None => (None, None),
        };
        Progress::Mlp(MlpProgress { snapshot, histograms, boundary })
    }

    fn set_hyper(&mut self, hyper: Hyper) -> Result<(), String> {
        self.set_optimizer(hyper.optimizer)?;
        self.set_clip(hyper.clip)
    }

    fn reset(&mut self) {
        Trainer::reset(self);
    }

    fn stopped(&self) -> bool {
        self.diagnosis().is_some()
    }

    fn fixed_work(&mut self) {
        // Every snapshot evaluates the network (`Trainer::advance`).
        self.evaluate();
    }
}

/// When the runner wants to run next.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Next {
    /// Nothing to do until a command arrives.
    Idle,
    /// After this many milliseconds (0: as soon as the messages waiting have been read).
    After(f64),
}

/// The speed cap's reference: playing started (or the cap changed) at `origin` ms, and `taken`
/// steps were taken since.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Pace {
    origin: f64,
    taken: u64,
}

/// The training worker's state: the job, whether it plays, what it owes the page.
pub struct Runner {
    job: Option<Box<dyn Job>>,
    /// Generation of the `Configure` or `Reset` that started the current run.
    generation: u64,
    playing: bool,
    /// Steps still owed to `Step` commands.
    steps_owed: usize,
    /// A progress is owed even without steps (configure, reset, pause, inspect).
    refresh: bool,
    steps_per_second: Option<f64>,
    pace: Pace,
    /// Steps that take about `CHUNK_MS`, from the last chunk's rate.
    chunk: usize,
    /// What a step costs, ms, from the last chunk without views.
    step_ms: f64,
    /// What a progress costs besides its steps and views, ms (`Job::fixed_work`), timed once
    /// per job before its first steps.
    fixed_ms: Option<f64>,
    /// The layer whose histograms the page shows.
    inspect: usize,
    /// When the views are due next, ms.
    next_detail: f64,
}

impl Default for Runner {
    fn default() -> Self {
        Runner {
            job: None,
            generation: 0,
            playing: false,
            steps_owed: 0,
            refresh: false,
            steps_per_second: None,
            pace: Pace { origin: 0.0, taken: 0 },
            chunk: 1,
            step_ms: 0.0,
            fixed_ms: None,
            inspect: 1,
            next_detail: f64::NEG_INFINITY,
        }
    }
}

impl Runner {
    /// Applies a command that arrived at `now` (ms); returns an error to post, if any.
    pub fn command(&mut self, generation: u64, command: TrainCommand, now: f64) -> Option<Response> {
        let error = |message: String| Some(Response::Error { generation, message });
        if let TrainCommand::Configure(spec) = &command {
            self.job = None;
            let job = match start(spec) {
                Ok(job) => job,
                Err(message) => return error(message),
            };
            // The speed and the inspected layer are the page's, not the job's: they stay.
            *self = Runner { job: Some(job), generation, refresh: true, ..std::mem::take(self).keep_page_settings() };
            return None;
        }
        // The page's settings hold with or without a job.
        match command {
            TrainCommand::Speed { steps_per_second } => {
                if steps_per_second.is_some_and(|s| !(s.is_finite() && s > 0.0)) {
                    return error(format!("a speed must be a positive number of steps per second, not {steps_per_second:?}"));
                }
                self.steps_per_second = steps_per_second;
                self.pace = Pace { origin: now, taken: 0 };
                return None;
            }
            TrainCommand::Inspect { layer } => {
                self.inspect = layer;
                // Now, not at the next scheduled view.
                self.next_detail = f64::NEG_INFINITY;
                self.refresh |= !self.playing && self.job.is_some();
                return None;
            }
            _ => {}
        }
        let Some(job) = self.job.as_mut() else {
            return error("no training job: configure one first".to_owned());
        };
        match command {
            // Handled above.
            TrainCommand::Configure(_) | TrainCommand::Speed { .. } | TrainCommand::Inspect { .. } => {}
            TrainCommand::Play => {
                self.playing = !job.stopped();
                self.pace = Pace { origin: now, taken: 0 };
            }
            TrainCommand::Pause => {
                // One more progress, with the views: the page shows where it stopped in full.
                self.refresh = self.playing || self.steps_owed > 0;
                (self.playing, self.steps_owed) = (false, 0);
            }
            TrainCommand::Step { steps } => {
                if !(1..=MAX_STEPS_PER_COMMAND).contains(&steps) {
                    return error(format!("a step command takes 1 to {MAX_STEPS_PER_COMMAND} steps, not {steps}"));
                }
                self.playing = false;
                self.steps_owed = self.steps_owed.saturating_add(steps).min(MAX_STEPS_PER_COMMAND);
            }
            TrainCommand::Reset => {
                job.reset();
                (self.generation, self.playing, self.steps_owed, self.refresh) = (generation, false, 0, true);
            }
            TrainCommand::SetHyper(hyper) => {
                if let Err(message) = job.set_hyper(hyper) {
                    return error(message);
                }
            }
        }
        None
    }

    /// A runner with no job that keeps the page's settings (speed, inspected layer).
    fn keep_page_settings(self) -> Runner {
        Runner { steps_per_second: self.steps_per_second, inspect: self.inspect, ..Runner::default() }
    }

    /// Steps the speed cap allows at `now`, or how long until the next one is due.
    fn paced(&self, now: f64) -> Result<usize, f64> {
        let Some(rate) = self.steps_per_second else {
            return Ok(usize::MAX);
        };
        // The first step is due at once, the k-th (0-based) k/rate seconds after the origin.
        let due = ((now - self.pace.origin) * rate / 1000.0).floor() as u64 + 1;
        match due.saturating_sub(self.pace.taken) {
            0 => Err(self.pace.origin + self.pace.taken as f64 * 1000.0 / rate - now),
            allowed => Ok(usize::try_from(allowed).unwrap_or(usize::MAX)),
        }
    }

    /// Whether the runner has work, and when.
    pub fn next(&self, now: f64) -> Next {
        let Some(job) = &self.job else { return Next::Idle };
        if self.refresh || self.steps_owed > 0 {
            return Next::After(0.0);
        }
        if !self.playing || job.stopped() {
            return Next::Idle;
        }
        match self.paced(now) {
            Ok(_) => Next::After(0.0),
            Err(wait) => Next::After(wait.max(0.0)),
        }
    }

    /// Runs one chunk if one is due; returns the progress to post. `clock` reads the time in ms.
    pub fn run(&mut self, clock: &mut dyn FnMut() -> f64) -> Option<Response> {
        let now = clock();
        let stopped = self.job.as_ref()?.stopped();
        let steps = if self.steps_owed > 0 {
            self.steps_owed.min(self.chunk)
        } else if self.playing && !stopped {
            self.paced(now).map_or(0, |allowed| allowed.min(self.chunk))
        } else {
            0
        };
        if steps == 0 && !self.refresh {
            return None;
        }
        let last_owed = self.steps_owed > 0 && steps == self.steps_owed;
        let detailed = self.refresh || last_owed || now >= self.next_detail;
        let job = self.job.as_mut()?;
        let fixed_ms = match self.fixed_ms {
            Some(ms) => ms,
            None if steps > 0 => {
                let before = clock();
                job.fixed_work();
                *self.fixed_ms.insert(clock() - before)
            }
            None => 0.0,
        };
        let start = clock();
        let progress = job.advance(steps, detailed.then_some(self.inspect));
        let elapsed = clock() - start;
        if detailed {
            // The views' cost: what the chunk took beyond its steps and fixed work.
            let views_ms = (elapsed - fixed_ms - steps as f64 * self.step_ms).max(0.0);
            self.next_detail = start + (views_ms / DETAIL_SHARE).max(DETAIL_EVERY_MS);
        } else if steps > 0 {
            // 1 ms is the clock's resolution.
            self.step_ms = (elapsed - fixed_ms).max(1.0) / steps as f64;
            let steps_ms = CHUNK_MS.max(fixed_ms / FIXED_SHARE) - fixed_ms;
            // At most doubling, so one fast chunk cannot make the next one long.
            self.chunk = ((steps_ms / self.step_ms) as usize).clamp(1, self.chunk.saturating_mul(2));
        }
        self.steps_owed -= steps.min(self.steps_owed);
        self.pace.taken += steps as u64;
        self.refresh = false;
        if progress.stopped() {
            (self.playing, self.steps_owed) = (false, 0);
        }
        let running = self.next(clock()) != Next::Idle;
        Some(Response::Progress { generation: self.generation, progress, running })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradscope_core::link;
    use gradscope_core::train::Snapshot;

    const CONFIG: &str = "data=spiral&depth=3&width=16&batch=32&act=relu&init=kaiming_normal&opt=adam";

    fn configured(query: &str) -> Runner {
        let mut runner = Runner::default();
        let spec = JobSpec::Mlp(link::decode(query).config);
        assert_eq!(runner.command(1, TrainCommand::Configure(spec), 0.0), None);
        runner
    }

    fn snapshot(response: Option<Response>) -> (u64, Snapshot, bool, bool) {
        match response {
            Some(Response::Progress { generation, progress: Progress::Mlp(p), running }) => {
                (generation, p.snapshot, running, p.histograms.is_some())
            }
            other => panic!("expected a progress, got {other:?}"),
        }
    }

    /// A clock that advances `tick` ms per reading.
    fn ticking(tick: f64) -> impl FnMut() -> f64 {
        let mut now = 0.0;
        move || {
            now += tick;
            now
        }
    }

    #[test]
    fn configure_answers_with_step_zero_and_its_views_then_idles() {
        let mut runner = configured(CONFIG);
        assert_eq!(runner.next(0.0), Next::After(0.0));
        let (generation, snapshot, running, detailed) = snapshot(runner.run(&mut ticking(1.0)));
        assert_eq!((generation, snapshot.step, snapshot.steps_in_chunk, running, detailed), (1, 0, 0, false, true));
        assert_eq!(runner.next(5.0), Next::Idle);
        assert_eq!(runner.run(&mut ticking(1.0)), None, "nothing owed");
    }

    #[test]
    fn steps_in_timed_chunks_give_the_bits_of_one_advance() {
        let mut runner = configured(CONFIG);
        runner.run(&mut ticking(1.0));
        runner.command(2, TrainCommand::Step { steps: 37 }, 0.0);
        // Each clock reading 5 ms later: chunks grow (doubling) towards CHUNK_MS.
        let mut clock = ticking(5.0);
        let mut chunks = Vec::new();
        let last = loop {
            let (_, snapshot, running, _) = snapshot(runner.run(&mut clock));
            chunks.push(snapshot.steps_in_chunk);
            if !running {
                break snapshot;
            }
        };
        assert!(chunks.len() > 2 && chunks.windows(2).any(|w| w[0] != w[1]), "uneven chunks: {chunks:?}");
        assert_eq!(chunks.iter().sum::<usize>(), 37);
        let mut trainer = Trainer::new(&link::decode(CONFIG).config).unwrap();
        let whole = trainer.advance(37);
        // What a chunk averages differs; the state after step 37 does not.
        assert_eq!((last.step, &last.layers, &last.eval), (37, &whole.layers, &whole.eval));
        assert_eq!((last.loss_last.to_bits(), last.grad_norm.to_bits()), (whole.loss_last.to_bits(), whole.grad_norm.to_bits()));
    }

    #[test]
    fn play_runs_until_pause_and_pause_owes_one_detailed_progress() {
        let mut runner = configured(CONFIG);
        runner.run(&mut ticking(1.0));
        runner.command(2, TrainCommand::Play, 0.0);
        let mut clock = ticking(1.0);
        for _ in 0..5 {
            let (_, _, running, _) = snapshot(runner.run(&mut clock));
            assert!(running);
        }
        runner.command(3, TrainCommand::Pause, 10.0);
        let (_, snapshot, running, detailed) = snapshot(runner.run(&mut clock));
        assert_eq!((snapshot.steps_in_chunk, running, detailed), (0, false, true));
        assert!(snapshot.step >= 5);
        assert_eq!(runner.next(20.0), Next::Idle);
    }

    #[test]
    fn the_speed_cap_spaces_steps_in_time() {
        let mut runner = configured(CONFIG);
        runner.run(&mut ticking(1.0));
        runner.command(2, TrainCommand::Speed { steps_per_second: Some(10.0) }, 0.0);
        runner.command(3, TrainCommand::Play, 1000.0);
        let mut now = 1000.0;
        let (_, first, _, _) = snapshot(runner.run(&mut || now));
        assert_eq!(first.steps_in_chunk, 1, "the first step at once");
        assert_eq!(runner.next(1000.0), Next::After(100.0));
        assert_eq!(runner.run(&mut || now), None, "not due yet");
        now = 1350.0;
        let (_, later, _, _) = snapshot(runner.run(&mut || now));
        assert_eq!(later.steps_in_chunk, 1, "the chunk size learned so far (one step) bounds the catch-up");
        let errors = [Some(0.0), Some(-1.0), Some(f64::NAN), Some(f64::INFINITY)];
        for speed in errors {
            assert!(matches!(runner.command(4, TrainCommand::Speed { steps_per_second: speed }, 0.0), Some(Response::Error { .. })));
        }
    }

    #[test]
    fn reset_restarts_under_its_generation_and_set_hyper_keeps_progress() {
        let mut runner = configured(CONFIG);
        runner.command(2, TrainCommand::Step { steps: 3 }, 0.0);
        while let Some(response) = runner.run(&mut ticking(1.0)) {
            if !snapshot(Some(response)).2 {
                break;
            }
        }
        let sgd = Hyper { optimizer: gradscope_core::optim::OptimizerConfig::for_kind(gradscope_core::optim::OptimizerKind::Sgd), clip: Default::default() };
        assert_eq!(runner.command(3, TrainCommand::SetHyper(sgd), 0.0), None);
        runner.command(4, TrainCommand::Step { steps: 1 }, 0.0);
        let (generation, after, _, _) = snapshot(runner.run(&mut ticking(1.0)));
        assert_eq!((generation, after.step), (1, 4), "progress kept, still the configure's run");
        runner.command(5, TrainCommand::Reset, 0.0);
        let (generation, reset, running, _) = snapshot(runner.run(&mut ticking(1.0)));
        assert_eq!((generation, reset.step, running), (5, 0, false));
        let mut bad = sgd;
        bad.optimizer.lr = -1.0;
        assert!(matches!(runner.command(6, TrainCommand::SetHyper(bad), 0.0), Some(Response::Error { generation: 6, .. })));
    }

    /// Simulated time spent, ms, by kind of work: their sum is the clock.
    #[derive(Clone, Copy, Debug, Default)]
    struct Spent {
        steps: f64,
        fixed: f64,
        views: f64,
    }

    impl Spent {
        fn now(&self) -> f64 {
            self.steps + self.fixed + self.views
        }
    }

    /// A trainer whose work costs simulated time: a step 10 ms, the fixed work of a progress
    /// 30 ms (3 steps), the views 200 ms (20 steps).
    struct Timed {
        trainer: Trainer,
        spent: std::rc::Rc<std::cell::Cell<Spent>>,
    }

    impl Timed {
        fn spend(&self, spend: impl FnOnce(&mut Spent)) {
            let mut spent = self.spent.get();
            spend(&mut spent);
            self.spent.set(spent);
        }
    }

    impl Job for Timed {
        fn advance(&mut self, steps: usize, detail: Option<usize>) -> Progress {
            self.spend(|s| {
                s.steps += steps as f64 * 10.0;
                s.fixed += 30.0;
                s.views += if detail.is_some() { 200.0 } else { 0.0 };
            });
            Job::advance(&mut self.trainer, steps, None)
        }
        fn set_hyper(&mut self, hyper: Hyper) -> Result<(), String> {
            self.trainer.set_hyper(hyper)
        }
        fn reset(&mut self) {
            Job::reset(&mut self.trainer);
        }
        fn stopped(&self) -> bool {
            Job::stopped(&self.trainer)
        }
        fn fixed_work(&mut self) {
            self.spend(|s| s.fixed += 30.0);
        }
    }

    #[test]
    fn views_and_fixed_work_stay_bounded_shares_of_a_slow_network_s_time() {
        let spent = std::rc::Rc::new(std::cell::Cell::new(Spent::default()));
        let mut runner = configured(CONFIG);
        runner.job = Some(Box::new(Timed { trainer: Trainer::new(&link::decode(CONFIG).config).unwrap(), spent: spent.clone() }));
        let mut clock = || spent.get().now();
        runner.run(&mut clock);
        runner.command(2, TrainCommand::Play, clock());
        let start = spent.get();
        while spent.get().now() - start.now() < 60_000.0 {
            assert!(snapshot(runner.run(&mut clock)).2, "plays on");
        }
        let end = spent.get();
        let elapsed = end.now() - start.now();
        let share = |ms: f64| ms / elapsed;
        // The last set of views may not have used up its budget yet.
        assert!(share(end.views - start.views - 200.0) <= DETAIL_SHARE, "views took {}", share(end.views - start.views));
        assert!(end.views - start.views >= 50.0 * 200.0, "views less than once in 1.2 s");
        // The first chunks are short, until the runner has measured a step.
        assert!(share(end.fixed - start.fixed) <= FIXED_SHARE * 1.02, "fixed work took {}", share(end.fixed - start.fixed));
    }

    #[test]
    fn a_diverging_run_stops_playing_with_its_diagnosis() {
        let mut runner = configured("act=relu&init=normal&std=1&opt=sgd&lr=10&depth=4&width=32");
        runner.command(2, TrainCommand::Play, 0.0);
        let mut clock = ticking(1.0);
        let stopped = (0..10_000)
            .find_map(|_| {
                let (_, snapshot, running, _) = snapshot(runner.run(&mut clock));
                (!running).then_some(snapshot)
            })
            .expect("stops by itself");
        assert!(stopped.diagnosis.is_some());
        assert_eq!(runner.next(0.0), Next::Idle);
        runner.command(3, TrainCommand::Play, 0.0);
        assert_eq!(runner.next(0.0), Next::Idle, "no playing a diverged run until reset");
    }

    #[test]
    fn commands_without_a_job_or_with_bad_values_are_errors() {
        let mut runner = Runner::default();
        assert!(matches!(runner.command(1, TrainCommand::Play, 0.0), Some(Response::Error { generation: 1, .. })));
        assert_eq!(runner.command(2, TrainCommand::Inspect { layer: 2 }, 0.0), None, "the page's settings need no job");
        assert_eq!(runner.next(0.0), Next::Idle);
        let mut runner = configured(CONFIG);
        for steps in [0, MAX_STEPS_PER_COMMAND + 1] {
            assert!(matches!(runner.command(2, TrainCommand::Step { steps }, 0.0), Some(Response::Error { .. })));
        }
        let mut broken = link::decode(CONFIG).config;
        broken.lr = f32::NAN;
        assert!(matches!(runner.command(3, TrainCommand::Configure(JobSpec::Mlp(broken)), 0.0), Some(Response::Error { generation: 3, .. })));
        assert_eq!(runner.next(0.0), Next::Idle, "the broken config left no job");
    }

    const RECURRENT: &str = "model=gru&hidden=6&seq=7&batch=4&seed=3";

    fn recurrent_progress(response: Option<Response>) -> (RecurrentProgress, bool) {
        match response {
            Some(Response::Progress { progress: Progress::Recurrent(p), running, .. }) => (p, running),
            other => panic!("expected a recurrent progress, got {other:?}"),
        }
    }

    #[test]
    fn the_recurrent_job_trains_every_model_as_the_cli_does_however_chunked() {
        let config = link::decode(RECURRENT).config;
        let mut runner = Runner::default();
        assert_eq!(runner.command(1, TrainCommand::Configure(JobSpec::Recurrent(config.clone())), 0.0), None);
        let (start, _) = recurrent_progress(runner.run(&mut ticking(1.0)));
        let models: Vec<Model> = start.models.iter().map(|m| m.model).collect();
        assert_eq!(models, Model::ALL, "every model, in order");
        assert!(start.models.iter().all(|m| m.snapshot.step == 0 && m.evaluation.is_some()));
        runner.command(2, TrainCommand::Step { steps: 23 }, 0.0);
        let mut clock = ticking(5.0);
        let (mut losses, mut chunks) = (vec![Vec::<f64>::new(); 3], 0);
        let last = loop {
            let (progress, running) = recurrent_progress(runner.run(&mut clock));
            for (model, all) in progress.models.iter().zip(&mut losses) {
                all.extend(&model.snapshot.losses);
            }
            chunks += 1;
            if !running {
                break progress;
            }
        };
        assert!(chunks > 2, "one chunk proves nothing about chunking");
        for ((shown, all), &model) in last.models.iter().zip(&losses).zip(Model::ALL) {
            // What `gradscope train <link with this model> --steps 23 --chunk 1` computes.
            let cli = RecurrentConfig { model, ..config.recurrent().unwrap() };
            let mut trainer = recurrent::Trainer::new(&cli, config.optimizer(), config.clipping().unwrap()).unwrap();
            let expected: Vec<u64> = (0..23).map(|_| trainer.run(1).mean_loss.to_bits()).collect();
            assert_eq!(all.iter().map(|l| l.to_bits()).collect::<Vec<_>>(), expected, "{model}: per-step losses");
            assert_eq!(shown.snapshot.step, 23);
            let evaluation = shown.evaluation.expect("the last owed step brings the views").0;
            assert_eq!(evaluation.to_bits(), trainer.evaluate(EVALUATION_SEQUENCES).to_bits(), "{model}: held-out loss");
        }
    }

    #[test]
    fn a_recurrent_reset_starts_over_with_the_current_settings_and_a_mlp_config_is_refused() {
        let config = link::decode(RECURRENT).config;
        let mut job = RecurrentJob::side_by_side(&config).unwrap();
        let first = job.advance(3, None);
        let hyper = Hyper { clip: gradscope_core::clip::ClipConfig::Norm(0.01), ..Hyper::of(&config).unwrap() };
        job.set_hyper(hyper).unwrap();
        job.reset();
        let again = job.advance(3, None);
        let Progress::Recurrent(again) = again else { panic!("a recurrent progress") };
        let Progress::Recurrent(first) = first else { panic!("a recurrent progress") };
        assert_eq!(again.step(), 3);
        // The same batches and initial weights; the first step's loss precedes any clipping.
        assert_eq!(again.models[0].snapshot.losses[0].to_bits(), first.models[0].snapshot.losses[0].to_bits());
        assert_ne!(again.models[0].snapshot.losses[2].to_bits(), first.models[0].snapshot.losses[2].to_bits(), "the new clipping applies");
        assert!(RecurrentJob::side_by_side(&link::decode(CONFIG).config).is_err());
        let bench = RecurrentJob::reference(Model::Lstm, 8, 4, 5).unwrap();
        assert!(!bench.stopped());
    }
}
