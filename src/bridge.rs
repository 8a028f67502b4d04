//! The typed messages between the page and its workers, shared by both binaries. The page runs
//! two instances of the same `worker` binary: one answers probes, the other runs a training job
//! (`Train` requests), so the probe stays responsive while training runs.
//!
//! Messages travel as JSON strings (serde_json, `float_roundtrip`) rather than as JS objects via
//! serde-wasm-bindgen: the latter turns every integral number into an integer on the way back,
//! which loses the sign of −0.0, and the table must show exactly what `gradscope probe` prints.
//! JSON is also the CLI's format, so both paths share `serde_float`'s NaN/±∞ encoding.

use gradscope_core::clip::ClipConfig;
use gradscope_core::optim::OptimizerConfig;
use gradscope_core::rbm::PretrainChunk;
use gradscope_core::train::{DecisionBoundary, LayerHistograms, Snapshot};
use gradscope_core::recurrent::{ChunkSnapshot, Model, TimeProbe};
use gradscope_core::serde_float::Float;
use gradscope_core::{ExperimentConfig, ProbeReport};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Bumped whenever `Request` or `Response` change shape. A page and a worker from different
/// builds (e.g. one of them cached) must refuse each other loudly instead of misreading.
pub const PROTOCOL: u32 = 6;

/// Page → worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub protocol: u32,
    /// Increases with every request; answers carry it back so the page can drop stale ones.
    pub generation: u64,
    pub kind: RequestKind,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Probe(ExperimentConfig),
    Train(TrainCommand),
    /// Test hook: the worker panics on purpose, so recovery can be tested in a real browser.
    Crash,
}

/// Worker → page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    /// The worker's wasm has loaded; requests posted before this would have been lost.
    Ready { protocol: u32 },
    Probe { generation: u64, report: ProbeReport },
    /// What the training job did since the last progress. `generation` is that of the
    /// `Configure` or `Reset` the job's current run started with; `running`: more follows without
    /// another request (playing, or steps still to take).
    Progress { generation: u64, progress: Progress, running: bool },
    /// The answer to a probe of a recurrent config: every model on the same task and seed.
    Overlay { generation: u64, overlay: Overlay },
    /// Sent by the panic hook just before the worker's wasm aborts; it is unusable afterwards.
    Panic { message: String },
    /// The request could not be served (unreadable message, protocol mismatch).
    Error { generation: u64, message: String },
}

/// Commands to the training worker. A job runs in chunks of steps; between chunks the worker
/// reads the messages that arrived, so pause, step and the settings apply at once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrainCommand {
    /// Replace the job with a new one at step 0, paused; answers with its step-0 progress.
    Configure(JobSpec),
    /// Train until paused (or until training stops by itself, e.g. on divergence).
    Play,
    Pause,
    /// Pause, then take `steps` more steps.
    Step { steps: usize },
    /// Back to step 0 with the same initial weights, paused.
    Reset,
    /// The optimizer and clipping from the next step on, keeping the progress.
    SetHyper(Hyper),
    /// At most this many steps per second while playing; `None`: as fast as the worker can.
    Speed { steps_per_second: Option<f64> },
    /// Which layer the page inspects (histograms); answers with fresh progress when paused.
    Inspect { layer: usize },
}

/// What a training job trains. To add a job (e.g. a recurrent net): add a variant here and one
/// to `Progress`, implement `crate::jobs::Job` for its trainer, and start it in
/// `crate::jobs::start` — the worker, the pacing and the page's bookkeeping need no change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobSpec {
    /// The MLP of the experiment config (`gradscope_core::train::Trainer`).
    Mlp(ExperimentConfig),
    /// Greedy RBM pretraining of the config's hidden layers, then fine-tuning of the same network
    /// from random initialization and from the pretrained stack side by side
    /// (`crate::pretraining::PretrainJob`).
    Pretrain(ExperimentConfig),
    /// The TensorFlow.js comparison's reference MLP step (`train::reference_benchmark`), which
    /// `cargo xtask bench` times in the browser worker.
    Reference { layers: usize, width: usize, batch: usize },
    /// The plain RNN, the LSTM and the GRU of a recurrent config trained side by side: same
    /// task, seed, sequences, optimizer and clipping (`crate::jobs::RecurrentJob`).
    Recurrent(ExperimentConfig),
    /// One recurrent model on the adding problem with the lab's default optimizer and clipping,
    /// without evaluations: the training step `cargo xtask bench` times in the browser worker.
    RecurrentReference { model: Model, hidden: usize, batch: usize, seq: usize },
}

/// The settings that change without a reset.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hyper {
    pub optimizer: OptimizerConfig,
    pub clip: ClipConfig,
}

impl Hyper {
    /// The optimizer and clipping an experiment config holds (an unusable `clipv` is an error).
    pub fn of(config: &ExperimentConfig) -> Result<Hyper, String> {
        Ok(Hyper { optimizer: config.optimizer(), clip: config.clipping()? })
    }
}

/// A chunk's report, one variant per kind of job (see `JobSpec`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    Mlp(MlpProgress),
    Pretrain(PretrainProgress),
    Recurrent(RecurrentProgress),
}

impl Progress {
    /// Steps completed so far.
    pub fn step(&self) -> u64 {
        match self {
            Progress::Mlp(p) => p.snapshot.step,
            Progress::Pretrain(p) => p.fine_tuning.as_ref().map_or(0, |f| f.pretrained.step),
            Progress::Recurrent(p) => p.step(),
        }
    }

    /// Whether training stopped by itself (diverged); it takes no more steps until a reset.
    pub fn stopped(&self) -> bool {
        match self {
            Progress::Mlp(p) => p.snapshot.diagnosis.is_some(),
            Progress::Pretrain(p) => p.fine_tuning.as_ref().is_some_and(FineTuning::stopped),
            Progress::Recurrent(p) => p.stopped(),
        }
    }
}

/// An MLP chunk: the snapshot, and when the worker had time for them, the inspected layer's
/// histograms and (2-D two-class data) the decision boundary after the chunk.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MlpProgress {
    pub snapshot: Snapshot,
    pub histograms: Option<LayerHistograms>,
    pub boundary: Option<DecisionBoundary>,
}

/// A recurrent job's chunk: one entry per model it trains, in `Model::ALL` order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecurrentProgress {
    pub models: Vec<ModelProgress>,
}

impl RecurrentProgress {
    /// Steps completed so far by the model that got furthest (a diverged one stops early).
    pub fn step(&self) -> u64 {
        self.models.iter().map(|m| m.snapshot.step).max().unwrap_or(0)
    }

    /// Every model diverged: nothing is left to train.
    pub fn stopped(&self) -> bool {
        self.models.iter().all(|m| m.snapshot.diverged_at.is_some())
    }
}

/// One recurrent model's chunk.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelProgress {
    pub model: Model,
    pub snapshot: ChunkSnapshot,
    /// With the views: the mean loss on the held-out sequences after the chunk
    /// (`recurrent::Trainer::evaluate` on `EVALUATION_SEQUENCES`, as `gradscope train` prints).
    pub evaluation: Option<Float>,
}

/// The probe through time of every recurrent model (`Model::ALL` order) under one config,
/// and the model the config chose.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Overlay {
    pub chosen: Model,
    pub probes: Vec<TimeProbe>,
}

impl Overlay {
    /// The chosen model's probe: the numbers `gradscope probe` prints for the same link.
    pub fn chosen_probe(&self) -> Option<&TimeProbe> {
        self.probes.iter().find(|probe| probe.model == self.chosen)
    }
}

/// A pretraining job's chunk. While pretraining, `pretraining` holds the epochs' metrics since the
/// last chunk; from the chunk that finishes it on, `probes` and `fine_tuning` are set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PretrainProgress {
    pub pretraining: PretrainChunk,
    /// With the views: the first layer's weights, row-major [width, inputs] (the RBM's while
    /// pretraining, the fine-tuned network's after).
    pub filters: Option<Vec<f32>>,
    /// With the views and in the chunk that finishes pretraining: the same network probed at
    /// random initialization and after pretraining.
    pub probes: Option<PretrainProbes>,
    pub fine_tuning: Option<FineTuning>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PretrainProbes {
    pub random: ProbeReport,
    pub pretrained: ProbeReport,
}

/// Both fine-tuning runs after the chunk (same data, same batches, same steps).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FineTuning {
    pub random: Snapshot,
    pub pretrained: Snapshot,
}

impl FineTuning {
    /// Both runs diverged: nothing is left to train.
    pub fn stopped(&self) -> bool {
        self.random.diagnosis.is_some() && self.pretrained.diagnosis.is_some()
    }
}

pub fn encode<T: Serialize>(message: &T) -> String {
    // Serializing these plain data types cannot fail: every map key is a string.
    serde_json::to_string(message).expect("bridge messages always serialize")
}

pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|err| format!("unreadable message ({err})"))
}

/// The sentence both sides use when the other speaks another protocol version.
pub fn protocol_mismatch(page: u32, worker: u32) -> String {
    format!(
        "the page speaks protocol {page} but the worker speaks {worker}: they come from different builds; \
         reload the page (bypassing the cache)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradscope_core::probe::LayerProbe;
    use gradscope_core::theory::{Inapplicable, MeanField, Theory};

    fn layer(delta_rms: f64, act_mean: f64) -> LayerProbe {
        LayerProbe {
            layer: 1,
            fan_in: 2,
            fan_out: 3,
            delta_rms,
            grad_w_norm: 1.0 / 3.0,
            grad_b_norm: 5e-324,
            weight_norm: f64::MAX,
            act_mean,
            act_std: 0.1 + 0.2,
            saturated: 0.0,
            dead: 1.0,
            local_gain: f64::NEG_INFINITY,
            delta_zero: false,
            grad_w_zero: true,
            nonfinite: true,
        }
    }

    /// Bit patterns of every float in a report, so NaN and −0.0 compare exactly.
    fn bits(report: &ProbeReport) -> Vec<u64> {
        let mut out = vec![report.loss.to_bits()];
        for l in &report.layers {
            out.extend([l.delta_rms, l.grad_w_norm, l.grad_b_norm, l.weight_norm, l.act_mean, l.act_std]
                .map(f64::to_bits));
            out.extend([l.saturated, l.dead, l.local_gain].map(f64::to_bits));
        }
        if let Theory::Applies(mf) = &report.theory {
            out.extend([mf.sigma_w2, mf.sigma_b2, mf.q_star, mf.chi1, mf.depth_scale].map(f64::to_bits));
            out.extend(mf.predicted_delta_rms.iter().map(|v| v.to_bits()));
        }
        out
    }

    #[test]
    fn a_report_crosses_the_bridge_bit_for_bit() {
        let report = ProbeReport {
            loss: f64::NAN,
            layers: vec![layer(-0.0, -0.0), layer(f64::INFINITY, 1e-310)],
            theory: Theory::Applies(MeanField {
                sigma_w2: 2.0,
                sigma_b2: 0.0,
                q_star: -0.0,
                chi1: 0.1 + 0.7,
                depth_scale: f64::INFINITY,
                phase: "critical".into(),
                predicted_delta_rms: vec![f64::NAN, -0.0, 1e-300],
                approximate: true,
            }),
            pre_activations: vec![],
        };
        let sent = Response::Probe { generation: 7, report: report.clone() };
        let Ok(Response::Probe { generation, report: received }) = decode::<Response>(&encode(&sent)) else {
            panic!("did not decode as a probe answer");
        };
        assert_eq!(generation, 7);
        assert_eq!(bits(&received), bits(&report));
        assert_eq!(received.layers[1].nonfinite, report.layers[1].nonfinite);
    }

    #[test]
    fn requests_and_the_other_responses_round_trip() {
        let config = ExperimentConfig::default();
        let hyper = Hyper { clip: gradscope_core::clip::ClipConfig::Value(0.25), ..Hyper::of(&config).unwrap() };
        let commands = [
            TrainCommand::Configure(JobSpec::Mlp(config.clone())),
            TrainCommand::Configure(JobSpec::Reference { layers: 10, width: 256, batch: 64 }),
            TrainCommand::Play,
            TrainCommand::Pause,
            TrainCommand::Step { steps: 3 },
            TrainCommand::Reset,
            TrainCommand::SetHyper(hyper),
            TrainCommand::Speed { steps_per_second: Some(0.5) },
            TrainCommand::Speed { steps_per_second: None },
            TrainCommand::Inspect { layer: 4 },
        ];
        let mut requests = vec![
            Request { protocol: PROTOCOL, generation: 1, kind: RequestKind::Probe(config) },
            Request { protocol: PROTOCOL, generation: u64::MAX, kind: RequestKind::Crash },
        ];
        requests.extend(commands.into_iter().map(|command| Request { protocol: PROTOCOL, generation: 2, kind: RequestKind::Train(command) }));
        for request in requests {
            assert_eq!(decode::<Request>(&encode(&request)), Ok(request));
        }
        let responses = [
            Response::Ready { protocol: PROTOCOL },
            Response::Panic { message: "boom".into() },
            Response::Error { generation: 3, message: "no".into() },
        ];
        for response in responses {
            assert_eq!(decode::<Response>(&encode(&response)), Ok(response));
        }
        let theory = Theory::not_applicable(Inapplicable::BatchNorm);
        let report = ProbeReport { loss: 0.5, layers: vec![], theory, pre_activations: vec![] };
        let sent = Response::Probe { generation: 1, report };
        assert_eq!(decode::<Response>(&encode(&sent)), Ok(sent));
    }

    #[test]
    fn training_progress_crosses_the_bridge_bit_for_bit() {
        // Diverges: the snapshot holds NaN and ∞ and a diagnosis.
        let config = gradscope_core::link::decode("data=spiral&act=relu&init=normal&std=1&opt=sgd&lr=10&depth=4&width=32").config;
        let mut trainer = gradscope_core::train::Trainer::new(&config).unwrap();
        let snapshot = trainer.advance(200);
        assert!(snapshot.diagnosis.is_some());
        let progress = Progress::Mlp(MlpProgress { snapshot, histograms: trainer.histograms(2), boundary: trainer.decision_boundary(4) });
        let sent = Response::Progress { generation: 9, progress, running: false };
        let text = encode(&sent);
        let received: Response = decode(&text).unwrap();
        // Equal text after a round trip: every float (NaN, −0.0 included) came back as it went.
        assert_eq!(encode(&received), text);
        let Response::Progress { progress, .. } = received else { panic!("not a progress") };
        assert!(progress.stopped() && progress.step() < 200);
    }

    #[test]
    fn an_overlay_crosses_the_bridge_exactly() {
        let cfg = gradscope_core::link::decode("model=gru&hidden=4&seq=5&batch=2").config;
        let probes = gradscope_core::recurrent::probe_every_model(&cfg.recurrent().unwrap()).unwrap();
        let sent = Response::Overlay { generation: 4, overlay: Overlay { chosen: Model::Gru, probes } };
        let received = decode::<Response>(&encode(&sent)).unwrap();
        assert_eq!(received, sent);
        let Response::Overlay { overlay, .. } = received else { unreachable!() };
        assert_eq!(overlay.chosen_probe().map(|p| p.model), Some(Model::Gru));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let err = decode::<Request>("{\"protocol\":1}").unwrap_err();
        assert!(err.starts_with("unreadable message"), "{err}");
        assert!(decode::<Response>("not json").is_err());
    }
}
