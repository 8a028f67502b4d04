//! `gradscope`: the numerics core on the command line.
//!
//! `gradscope probe '<link or query string>' [--format json|csv]` prints the per-layer
//! gradient probe of the experiment a link describes: exactly the numbers the page shows.
//! `gradscope train '<link>' --steps N [--chunk K] [--format json|csv]` trains it and prints a
//! snapshot per chunk of K steps: the page's training numbers, bit for bit. A recurrent link
//! (`model=rnn|lstm|gru`) gets the probe through time and the recurrent trainer instead.
//! With `pretrain=rbm` in the link, both first pretrain the hidden layers as stacked RBMs
//! (deterministic for the seed), then probe or fine-tune the pretrained network.
//! Usage errors print the usage on stderr and exit with status 2; nothing here panics on input.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use serde::{Deserialize, Serialize};

use gradscope_core::link::{self, LinkNote};
use gradscope_core::recurrent::{self, ChunkSnapshot, RecurrentConfig, TimeProbe, EVALUATION_SEQUENCES};
use gradscope_core::probe::probe_pretrained;
use gradscope_core::rbm::{pretrainer_for, EpochMetrics, Pretrain, Pretrainer};
use gradscope_core::serde_float::Float;
use gradscope_core::theory::Theory;
use gradscope_core::train::{Diagnosis, Evaluation, Snapshot, Trainer};
use gradscope_core::{probe, ExperimentConfig, ProbeReport};

const USAGE: &str = "\
gradscope: watch gradients vanish and explode, from the command line

Usage:
  gradscope probe '<link or query string>' [--format json|csv]
      One forward and backward pass at initialization of the network the link describes;
      prints the canonical config and link, what decoding changed, one row per layer
      (1..=depth+1, the last is the readout) and the mean-field theory. Default: json.
      The json also holds, per hidden layer, where its units sit on φ: 'pre_activations',
      counts of φ's inputs (batch × width values) in 96 bins of 1/8 over [−6, 6), plus
      'below', 'above' and 'nonfinite'.
      For a recurrent link (model=rnn|lstm|gru): one row per time step t = 1..=seq
      (‖∂L/∂h_t‖, ‖∂L/∂c_t‖, gate means, the carry gate's product along the path).
  gradscope train '<link or query string>' --steps N [--chunk K] [--format json|csv]
      Trains the network the link describes for N steps (1..=10000000) and prints one
      snapshot per chunk of K steps (default 100): loss, accuracy, per-layer gradient norms,
      update:data ratios, clipping; it stops early, with a diagnosis, at the first NaN or ∞.
      A recurrent link trains on its task (fresh sequences every step): per chunk the mean
      loss against the task's baseline, clipping, and the gradient through time.
  With pretrain=rbm (sigmoid, no bn/res, data=bars or digits), both first pretrain the
  hidden layers as stacked RBMs by CD-k and print every epoch's metrics under 'pretraining';
  probe then measures, and train fine-tunes, the pretrained network.
  gradscope help
      Shows this message (also --help, -h).

A link is a full URL (http://host/?depth=20&act=relu), '?depth=20&act=relu' or
'depth=20&act=relu'; every key is optional. Quote it: '&' means something to the shell.
Keys: v seed model data batch depth width hidden seq task act slope init rinit
      std bound gain fbias bn res tbptt opt lr mom wd clip clipv
      pretrain cdk pt_epochs pt_lr pt_mom pt_wd pcd.
";

/// Most steps `train` takes in one run.
const MAX_STEPS: usize = 10_000_000;
/// Steps per snapshot when `--chunk` is not given.
const DEFAULT_CHUNK: usize = 100;

/// Exit status for invalid usage (as getopt-style tools do).
const USAGE_ERROR: u8 = 2;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os().skip(1).map(|arg| arg.to_string_lossy().into_owned()).collect();
    match parse_command(&args) {
        Ok(command) => match run(command) {
            Ok(text) => print(&text),
            Err(problem) => {
                eprintln!("gradscope: {problem}");
                ExitCode::FAILURE
            }
        },
        Err(UsageError(problem)) => {
            eprintln!("gradscope: {problem}\n\n{USAGE}");
            ExitCode::from(USAGE_ERROR)
        }
    }
}

/// A command line that cannot be run; the text says why, in one sentence.
#[derive(Debug, PartialEq)]
struct UsageError(String);

#[derive(Debug, PartialEq)]
enum Command {
    Help,
    Probe { link: String, format: Format },
    Train { link: String, steps: usize, chunk: usize, format: Format },
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Format {
    Json,
    Csv,
}

fn parse_command(args: &[String]) -> Result<Command, UsageError> {
    let Some((name, rest)) = args.split_first() else {
        return Err(UsageError("no command given".to_owned()));
    };
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        return Ok(Command::Help);
    }
    match name.as_str() {
        "help" => Ok(Command::Help),
        "probe" => {
            let parsed = parse_arguments(rest, &["format"])?;
            let format = parsed.format()?;
            Ok(Command::Probe { link: parsed.single_positional("link or query string")?, format })
        }
        "train" => {
            let parsed = parse_arguments(rest, &["steps", "chunk", "format"])?;
            let format = parsed.format()?;
            let steps = parsed.count("steps")?.ok_or_else(|| UsageError("missing --steps N (how many training steps)".to_owned()))?;
            let chunk = parsed.count("chunk")?.unwrap_or(DEFAULT_CHUNK).min(steps);
            Ok(Command::Train { link: parsed.single_positional("link or query string")?, steps, chunk, format })
        }
        other => Err(UsageError(format!("unknown command '{other}'"))),
    }
}

/// A subcommand's arguments: positionals, and `--name value` / `--name=value` options.
struct Arguments {
    positional: Vec<String>,
    options: HashMap<String, String>,
}

impl Arguments {
    /// `--format`: json (the default) or csv.
    fn format(&self) -> Result<Format, UsageError> {
        match self.options.get("format").map(String::as_str) {
            None | Some("json") => Ok(Format::Json),
            Some("csv") => Ok(Format::Csv),
            Some(other) => Err(UsageError(format!("unknown format '{other}' (expected json or csv)"))),
        }
    }

    /// A `--name N` option that counts steps: a whole number in 1..=MAX_STEPS, if given.
    fn count(&self, name: &str) -> Result<Option<usize>, UsageError> {
        let Some(text) = self.options.get(name) else {
            return Ok(None);
        };
        match text.parse::<usize>() {
            Ok(n) if (1..=MAX_STEPS).contains(&n) => Ok(Some(n)),
            _ => Err(UsageError(format!("--{name} must be a whole number from 1 to {MAX_STEPS}, got '{text}'"))),
        }
    }

    fn single_positional(mut self, what: &str) -> Result<String, UsageError> {
        match self.positional.len() {
            0 => Err(UsageError(format!("missing the {what}"))),
            1 => Ok(self.positional.remove(0)),
            _ => Err(UsageError(format!("unexpected argument '{}' (only one {what} is expected)", self.positional[1]))),
        }
    }
}

/// Splits a subcommand's arguments; `known` lists the options it takes (each with a value).
/// A repeated option: the last one wins.
fn parse_arguments(args: &[String], known: &[&str]) -> Result<Arguments, UsageError> {
    let mut parsed = Arguments { positional: Vec::new(), options: HashMap::new() };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        // Links never start with '-', so anything that does is meant as an option.
        let Some(option) = arg.strip_prefix('-').filter(|rest| !rest.is_empty()) else {
            parsed.positional.push(arg.clone());
            continue;
        };
        let Some(option) = option.strip_prefix('-') else {
            return Err(UsageError(format!("unknown option '{arg}'")));
        };
        let (name, inline_value) = option.split_once('=').map_or((option, None), |(name, value)| (name, Some(value)));
        if !known.contains(&name) {
            return Err(UsageError(format!("unknown option '--{name}'")));
        }
        let value = inline_value
            .map(str::to_owned)
            .or_else(|| args.next().cloned())
            .ok_or_else(|| UsageError(format!("option '--{name}' needs a value")))?;
        parsed.options.insert(name.to_owned(), value);
    }
    Ok(parsed)
}

/// The command's output, or why it could not run (not a usage error).
fn run(command: Command) -> Result<String, String> {
    match command {
        Command::Help => Ok(USAGE.to_owned()),
        Command::Probe { link, format } => {
            let decoded = link::decode(&link);
            if let Some(recurrent) = decoded.config.recurrent() {
                let probe = recurrent::probe_through_time(&recurrent)?;
                let output = TimeProbeOutput { link: link::encode(&decoded.config), config: &decoded.config, notes: &decoded.notes, probe: &probe };
                return Ok(match format {
                    Format::Json => to_json(&output),
                    Format::Csv => output.to_csv(),
                });
            }
            let pretrained = pretrain(&decoded.config)?;
            let report = match &pretrained {
                Some(pretrainer) => probe_pretrained(&decoded.config, pretrainer.finished())?,
                None => probe(&decoded.config),
            };
            let output = ProbeOutput {
                link: link::encode(&decoded.config),
                config: &decoded.config,
                notes: &decoded.notes,
                pretraining: pretrained.as_ref().map(Pretrainer::history),
                report: &report,
            };
            Ok(match format {
                Format::Json => to_json(&output),
                Format::Csv => output.to_csv(),
            })
        }
        Command::Train { link, steps, chunk, format } => {
            let decoded = link::decode(&link);
            if let Some(recurrent) = decoded.config.recurrent() {
                return train_recurrent(&decoded, &recurrent, steps, chunk, format);
            }
            let pretrained = pretrain(&decoded.config)?;
            let mut trainer = match &pretrained {
                Some(pretrainer) => Trainer::pretrained(&decoded.config, pretrainer.finished().to_vec())?,
                None => Trainer::new(&decoded.config)?,
            };
            let snapshots = train(&mut trainer, steps, chunk);
            let evaluation = trainer.evaluate_all();
            let output = TrainOutput {
                config: &decoded.config,
                link: link::encode(&decoded.config),
                notes: &decoded.notes,
                pretraining: pretrained.as_ref().map(Pretrainer::history),
                snapshots: &snapshots,
                diagnosis: trainer.diagnosis(),
                evaluation,
            };
            Ok(match format {
                Format::Json => to_json(&output),
                Format::Csv => output.to_csv(),
            })
        }
    }
}

/// The finished greedy pretraining of `cfg`'s hidden layers when it asks for one (`pretrain=rbm`).
fn pretrain(cfg: &ExperimentConfig) -> Result<Option<Pretrainer>, String> {
    if cfg.pretrain != Pretrain::Rbm {
        return Ok(None);
    }
    let mut pretrainer = pretrainer_for(cfg)?;
    pretrainer.advance(usize::MAX);
    Ok(Some(pretrainer))
}

/// `steps` steps in chunks of `chunk` (the last one shorter), one snapshot each, stopping
/// after the chunk that ran into a diagnosis.
fn train(trainer: &mut Trainer, steps: usize, chunk: usize) -> Vec<Snapshot> {
    let mut snapshots = Vec::new();
    let mut remaining = steps;
    while remaining > 0 && trainer.diagnosis().is_none() {
        let n = chunk.min(remaining);
        snapshots.push(trainer.advance(n));
        remaining -= n;
    }
    snapshots
}

/// `train` for a recurrent link: chunks of steps until `steps` are done or training diverged.
fn train_recurrent(decoded: &link::Decoded, config: &RecurrentConfig, steps: usize, chunk: usize, format: Format) -> Result<String, String> {
    let clip = decoded.config.clipping()?;
    let mut trainer = recurrent::Trainer::new(config, decoded.config.optimizer(), clip)?;
    let mut snapshots = Vec::new();
    let mut remaining = steps;
    while remaining > 0 {
        let n = chunk.min(remaining);
        let snapshot = trainer.run(n);
        let diverged = snapshot.diverged_at.is_some();
        snapshots.push(snapshot);
        remaining -= n;
        if diverged {
            break;
        }
    }
    let output = RecurrentTrainOutput {
        config: &decoded.config,
        link: link::encode(&decoded.config),
        notes: &decoded.notes,
        baseline: config.task.baseline_loss(),
        snapshots: &snapshots,
        evaluation_loss: trainer.evaluate(EVALUATION_SEQUENCES),
    };
    Ok(match format {
        Format::Json => to_json(&output),
        Format::Csv => output.to_csv(),
    })
}

/// Writes `text` to stdout; a closed pipe (`gradscope probe … | head`) is not an error worth a panic.
fn print(text: &str) -> ExitCode {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("gradscope: cannot write the output: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The CLI's JSON document: `{config, link, notes, [pretraining,] loss, layers, theory,
/// pre_activations}`. The CSV leaves the histograms out (one table per document).
#[derive(Serialize)]
struct ProbeOutput<'a> {
    config: &'a ExperimentConfig,
    link: String,
    notes: &'a [LinkNote],
    /// Every layer's pretraining metrics, epoch by epoch, when the link asks for pretraining.
    #[serde(skip_serializing_if = "Option::is_none")]
    pretraining: Option<&'a [EpochMetrics]>,
    #[serde(flatten)]
    report: &'a ProbeReport,
}

/// A JSON document, pretty-printed, with a final newline.
fn to_json<T: Serialize>(document: &T) -> String {
    let mut json = serde_json::to_string_pretty(document).expect("plain structs with string keys always serialize");
    json.push('\n');
    json
}

/// The `# link:`, `# config:`, `# note:` and (with pretraining) `# pretraining:` lines that
/// open every CSV output.
fn csv_preamble(link: &str, config: &ExperimentConfig, notes: &[LinkNote], pretraining: Option<&[EpochMetrics]>) -> String {
    let mut csv = String::new();
    let _ = writeln!(csv, "# link: {link}");
    let _ = writeln!(csv, "# config: {}", compact_json(config));
    for note in notes {
        let _ = writeln!(csv, "# note: {}", note.message);
    }
    if let Some(metrics) = pretraining {
        let _ = writeln!(csv, "# pretraining: {}", compact_json(metrics));
    }
    csv
}

impl ProbeOutput<'_> {
    /// `# ` comment lines (link, config, notes, loss, theory), then a header and one row per
    /// layer: every `LayerProbe` field, in declaration order, plus the theory's prediction.
    fn to_csv(&self) -> String {
        let mut csv = csv_preamble(&self.link, self.config, self.notes, self.pretraining);
        let _ = writeln!(csv, "# loss: {}", float_cell(self.report.loss));
        let _ = writeln!(csv, "# theory: {}", compact_json(&self.report.theory));

        let predicted: &[f64] = match &self.report.theory {
            Theory::Applies(mean_field) => &mean_field.predicted_delta_rms,
            Theory::NotApplicable { .. } => &[],
        };
        for (index, layer) in self.report.layers.iter().enumerate() {
            let fields = Fields::of(layer);
            if index == 0 {
                let names: Vec<&str> = fields.0.iter().map(|(name, _)| name.as_str()).collect();
                let _ = writeln!(csv, "{},predicted_delta_rms", names.join(","));
            }
            let cells: Vec<String> = fields.0.iter().map(|(_, value)| csv_cell(value)).collect();
            let prediction = predicted.get(index).map_or(String::new(), |&p| float_cell(p));
            let _ = writeln!(csv, "{},{prediction}", cells.join(","));
        }
        csv
    }
}

/// The CLI's JSON document for a recurrent `probe`: `{config, link, notes}` and the
/// `TimeProbe`'s fields.
#[derive(Serialize)]
struct TimeProbeOutput<'a> {
    config: &'a ExperimentConfig,
    link: String,
    notes: &'a [LinkNote],
    #[serde(flatten)]
    probe: &'a TimeProbe,
}

impl TimeProbeOutput<'_> {
    /// `# ` lines (link, config, notes, the probe's single numbers), then a header and one row
    /// per time step: `t`, then every per-step series the model has, in `TimeProbe` order.
    fn to_csv(&self) -> String {
        let probe = self.probe;
        let mut csv = csv_preamble(&self.link, self.config, self.notes, None);
        let singles = [("loss", Some(probe.loss)), ("baseline", Some(probe.baseline)), ("grad_norm", Some(probe.grad_norm))];
        let rnn = [("spectral_norm", probe.spectral_norm.map(|f| f.0)), ("critical_norm", probe.critical_norm.map(|f| f.0))];
        for (name, value) in singles.into_iter().chain(rnn) {
            if let Some(value) = value {
                let _ = writeln!(csv, "# {name}: {}", float_cell(value));
            }
        }
        let mut columns: Vec<(String, &[f64])> = vec![("grad_h_norm".to_owned(), &probe.grad_h_norm), ("grad_c_norm".to_owned(), &probe.grad_c_norm)];
        columns.extend(probe.gates.iter().map(|trace| (format!("{}_gate_mean", trace.gate), trace.mean.as_slice())));
        columns.push(("path_product".to_owned(), &probe.path_product));
        columns.retain(|(_, values)| !values.is_empty());
        let names: Vec<&str> = columns.iter().map(|(name, _)| name.as_str()).collect();
        let _ = writeln!(csv, "t,{}", names.join(","));
        for t in 0..probe.steps {
            let cells: Vec<String> = columns.iter().map(|(_, values)| float_cell(values[t])).collect();
            let _ = writeln!(csv, "{},{}", t + 1, cells.join(","));
        }
        csv
    }
}

/// The CLI's JSON document for a recurrent `train`:
/// `{config, link, notes, baseline, snapshots, evaluation_loss}`.
#[derive(Serialize)]
struct RecurrentTrainOutput<'a> {
    config: &'a ExperimentConfig,
    link: String,
    notes: &'a [LinkNote],
    /// The loss of the best input-blind prediction (the task's baseline).
    #[serde(with = "gradscope_core::serde_float")]
    baseline: f64,
    /// One per chunk.
    snapshots: &'a [ChunkSnapshot],
    /// Mean loss on the first `EVALUATION_SEQUENCES` held-out sequences after the last step.
    #[serde(with = "gradscope_core::serde_float")]
    evaluation_loss: f64,
}

impl RecurrentTrainOutput<'_> {
    /// `# ` lines (link, config, notes, baseline, evaluation loss), then a header and one row per
    /// chunk: the snapshot's numbers (an empty `diverged_at` while training is healthy), then
    /// ‖∂L/∂h_1‖ and ‖∂L/∂h_T‖ on the chunk's last batch (the full series is in the JSON).
    fn to_csv(&self) -> String {
        let mut csv = csv_preamble(&self.link, self.config, self.notes, None);
        let _ = writeln!(csv, "# baseline: {}", float_cell(self.baseline));
        let _ = writeln!(csv, "# evaluation_loss: {}", float_cell(self.evaluation_loss));
        for (index, snapshot) in self.snapshots.iter().enumerate() {
            let mut cells: Vec<(String, serde_json::Value)> = Fields::of(snapshot).0.into_iter().filter(|(name, _)| name != "probe" && name != "losses").collect();
            let norms = snapshot.probe.as_ref().map(|probe| &probe.grad_h_norm[..]).unwrap_or_default();
            for (name, norm) in [("grad_h_norm_first", norms.first()), ("grad_h_norm_last", norms.last())] {
                let value = norm.map_or(serde_json::Value::Null, |&n| float_value(n));
                cells.push((name.to_owned(), value));
            }
            write_row(&mut csv, &cells, index == 0);
        }
        csv
    }
}

/// The CLI's JSON document for `train`: `{config, link, notes, [pretraining,] snapshots,
/// diagnosis, evaluation}`.
#[derive(Serialize)]
struct TrainOutput<'a> {
    config: &'a ExperimentConfig,
    link: String,
    notes: &'a [LinkNote],
    /// As in `ProbeOutput`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pretraining: Option<&'a [EpochMetrics]>,
    /// One per chunk.
    snapshots: &'a [Snapshot],
    /// Why training stopped early; `null` when it ran all its steps.
    diagnosis: Option<&'a Diagnosis>,
    /// The whole dataset after the last step.
    evaluation: Evaluation,
}

impl TrainOutput<'_> {
    /// `# ` lines (link, config, notes, the final evaluation, the diagnosis), then a header and
    /// one row per chunk: the snapshot's numbers, `eval` as `eval_loss` and `eval_accuracy`,
    /// then for each layer l its fields as `grad_w_norm_l`, `delta_rms_l`, … (a wide table:
    /// every column is one series over the steps, ready to plot).
    fn to_csv(&self) -> String {
        let mut csv = csv_preamble(&self.link, self.config, self.notes, self.pretraining);
        let _ = writeln!(csv, "# evaluation: {}", compact_json(&self.evaluation));
        if let Some(diagnosis) = self.diagnosis {
            let _ = writeln!(csv, "# diagnosis: {}", compact_json(diagnosis));
        }
        for (index, snapshot) in self.snapshots.iter().enumerate() {
            let cells = snapshot_cells(snapshot);
            write_row(&mut csv, &cells, index == 0);
        }
        csv
    }
}

/// Appends a row of named CSV cells, after a header of their names when `first`.
fn write_row(csv: &mut String, cells: &[(String, serde_json::Value)], first: bool) {
    if first {
        let names: Vec<&str> = cells.iter().map(|(name, _)| name.as_str()).collect();
        let _ = writeln!(csv, "{}", names.join(","));
    }
    let values: Vec<String> = cells.iter().map(|(_, value)| csv_cell(value)).collect();
    let _ = writeln!(csv, "{}", values.join(","));
}

/// A snapshot as named CSV cells, in declaration order (see `TrainOutput::to_csv`).
fn snapshot_cells(snapshot: &Snapshot) -> Vec<(String, serde_json::Value)> {
    let mut cells = Vec::new();
    for (name, value) in Fields::of(snapshot).0 {
        match name.as_str() {
            "eval" => cells.extend(Fields::of(&snapshot.eval).0.into_iter().map(|(field, v)| (format!("eval_{field}"), v))),
            "layers" => {
                for layer in &snapshot.layers {
                    let fields = Fields::of(layer).0.into_iter().filter(|(field, _)| field != "layer");
                    cells.extend(fields.map(|(field, v)| (format!("{field}_{}", layer.layer), v)));
                }
            }
            "diagnosis" => {}
            _ => cells.push((name, value)),
        }
    }
    cells
}

fn compact_json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("plain structs with string keys always serialize")
}

/// A float as a CSV cell, through `serde_float` like every other number.
fn float_cell(value: f64) -> String {
    csv_cell(&float_value(value))
}

fn float_value(value: f64) -> serde_json::Value {
    serde_json::to_value(Float(value)).expect("a float always serializes")
}

/// A struct's serialized fields in declaration order (a `serde_json::Map` would sort them).
/// Going through serde keeps the CSV's columns equal to the JSON's fields by construction.
struct Fields(Vec<(String, serde_json::Value)>);

impl Fields {
    fn of<T: Serialize>(value: &T) -> Fields {
        serde_json::from_str(&compact_json(value)).expect("serde_json reads back what it wrote")
    }
}

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InOrder;
        impl<'de> serde::de::Visitor<'de> for InOrder {
            type Value = Fields;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    fields.push(entry);
                }
                Ok(Fields(fields))
            }
        }
        deserializer.deserialize_map(InOrder)
    }
}

/// A CSV cell: numbers in serde_json's shortest round-trip form, "NaN"/"inf"/"-inf" as
/// written by `serde_float`, booleans as true/false, nothing for null (no accuracy in a
/// regression); text quoted when it needs to be.
fn csv_cell(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(text) if text.contains([',', '"', '\n', '\r']) => format!("\"{}\"", text.replace('"', "\"\"")),
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradscope_core::probe::LayerProbe;
    use gradscope_core::theory::Inapplicable;
    
    fn args(line: &[&str]) -> Vec<String> {
        line.iter().map(|arg| arg.to_string()).collect()
    }

    fn usage_error(line: &[&str]) -> String {
        match parse_command(&args(line)) {
            Err(UsageError(problem)) => problem,
            Ok(command) => panic!("{line:?} parsed as {command:?}"),
        }
    }

    #[test]
    fn probe_arguments_parse_in_any_order() {
        let probe = |format| Command::Probe { link: "depth=3".to_owned(), format };
        assert_eq!(parse_command(&args(&["probe", "depth=3"])), Ok(probe(Format::Json)));
        assert_eq!(parse_command(&args(&["probe", "depth=3", "--format", "csv"])), Ok(probe(Format::Csv)));
        assert_eq!(parse_command(&args(&["probe", "--format=csv", "depth=3"])), Ok(probe(Format::Csv)));
        assert_eq!(parse_command(&args(&["probe", "--format", "csv", "--format", "json", "depth=3"])), Ok(probe(Format::Json)));
        assert_eq!(parse_command(&args(&["probe", ""])), Ok(Command::Probe { link: String::new(), format: Format::Json }));
    }

    #[test]
    fn train_arguments_parse_with_defaults_and_limits() {
        let train = |steps, chunk, format| Command::Train { link: "depth=3".to_owned(), steps, chunk, format };
        assert_eq!(parse_command(&args(&["train", "depth=3", "--steps", "500"])), Ok(train(500, 100, Format::Json)));
        assert_eq!(parse_command(&args(&["train", "--steps=50", "depth=3"])), Ok(train(50, 50, Format::Json)), "a chunk never exceeds the run");
        assert_eq!(parse_command(&args(&["train", "depth=3", "--chunk", "7", "--steps", "10000000", "--format", "csv"])), Ok(train(10_000_000, 7, Format::Csv)));
        assert_eq!(usage_error(&["train", "depth=3"]), "missing --steps N (how many training steps)");
        assert_eq!(usage_error(&["train", "--steps", "5"]), "missing the link or query string");
        for (option, value) in [("steps", "0"), ("steps", "-5"), ("steps", "1e3"), ("steps", "10000001"), ("steps", "ten"), ("chunk", "0"), ("chunk", "")] {
            let line = ["train", "depth=3", "--steps", "5", &format!("--{option}={value}")];
            assert_eq!(usage_error(&line), format!("--{option} must be a whole number from 1 to 10000000, got '{value}'"));
        }
        assert_eq!(usage_error(&["train", "depth=3", "--steps", "5", "--format", "xml"]), "unknown format 'xml' (expected json or csv)");
        assert_eq!(usage_error(&["probe", "depth=3", "--steps", "5"]), "unknown option '--steps'");
    }

    #[test]
    fn a_train_run_stops_after_the_chunk_that_diverged() {
        let mut trainer = Trainer::new(&link::decode("act=relu&init=normal&std=1&opt=sgd&lr=10&depth=4&width=32").config).unwrap();
        let snapshots = train(&mut trainer, 1000, 2);
        let last = snapshots.last().unwrap();
        assert!(last.diagnosis.is_some() && snapshots[..snapshots.len() - 1].iter().all(|s| s.diagnosis.is_none()));
        let mut healthy = Trainer::new(&link::decode("depth=2&width=4").config).unwrap();
        let steps: Vec<usize> = train(&mut healthy, 25, 10).iter().map(|s| s.steps_in_chunk).collect();
        assert_eq!(steps, [10, 10, 5]);
    }

    #[test]
    fn train_csv_is_one_wide_row_per_chunk() {
        let decoded = link::decode("data=sine&depth=2&width=4&dpeth=1");
        let mut trainer = Trainer::new(&decoded.config).unwrap();
        let snapshots = train(&mut trainer, 6, 4);
        let output = TrainOutput {
            config: &decoded.config,
            link: link::encode(&decoded.config),
            notes: &decoded.notes,
            pretraining: None,
            snapshots: &snapshots,
            diagnosis: None,
            evaluation: trainer.evaluate_all(),
        };
        let csv = output.to_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert!(lines[0].starts_with("# link: v=1&seed=1&data=sine") && lines[1].starts_with("# config: {"));
        assert_eq!(lines[2], "# note: Unknown key 'dpeth' ignored; did you mean 'depth'?");
        assert!(lines[3].starts_with("# evaluation: {\"loss\":") && lines[3].ends_with("\"accuracy\":null}"));
        let layer_columns = |l: usize| ["grad_w_norm", "delta_rms", "weight_norm", "update_ratio", "saturated", "dead"].map(|f| format!("{f}_{l}"));
        let mut header = vec!["step", "steps_in_chunk", "loss_mean", "loss_last", "eval_loss", "eval_accuracy", "grad_norm", "grad_norm_clipped", "clip_events"]
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>();
        header.extend((1..=3).flat_map(layer_columns));
        assert_eq!(lines[4], header.join(","));
        let rows: Vec<Vec<&str>> = lines[5..].iter().map(|line| line.split(',').collect()).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0][0], rows[0][1], rows[1][0], rows[1][1]), ("4", "4", "6", "2"));
        assert_eq!(rows[1][5], "", "no accuracy for regression");
        assert_eq!(rows[1][4].parse::<f64>().unwrap().to_bits(), snapshots[1].eval.loss.to_bits());
        assert_eq!(rows[1][9].parse::<f64>().unwrap().to_bits(), snapshots[1].layers[0].grad_w_norm.to_bits());
    }

    #[test]
    fn help_is_found_anywhere() {
        for line in [&["help"][..], &["--help"], &["-h"], &["probe", "--help"], &["probe", "depth=3", "-h"]] {
            assert_eq!(parse_command(&args(line)), Ok(Command::Help), "{line:?}");
        }
    }

    #[test]
    fn bad_usage_says_what_is_wrong() {
        assert_eq!(usage_error(&[]), "no command given");
        assert_eq!(usage_error(&["prob", "depth=3"]), "unknown command 'prob'");
        assert_eq!(usage_error(&["probe"]), "missing the link or query string");
        assert_eq!(usage_error(&["probe", "a", "b"]), "unexpected argument 'b' (only one link or query string is expected)");
        assert_eq!(usage_error(&["probe", "depth=3", "-f", "csv"]), "unknown option '-f'");
        assert_eq!(usage_error(&["probe", "depth=3", "--format"]), "option '--format' needs a value");
        assert_eq!(usage_error(&["probe", "depth=3", "--format", "xml"]), "unknown format 'xml' (expected json or csv)");
        assert_eq!(usage_error(&["probe", "depth=3", "--fromat", "csv"]), "unknown option '--fromat'");
    }

    fn layer(index: usize, delta_rms: f64) -> LayerProbe {
        LayerProbe {
            layer: index,
            fan_in: 4,
            fan_out: 4,
            delta_rms,
            grad_w_norm: 1e-300,
            grad_b_norm: 0.1,
            weight_norm: 2.0,
            act_mean: -0.0,
            act_std: f64::INFINITY,
            saturated: 0.25,
            dead: 0.0,
            local_gain: 1.0 / 3.0,
            delta_zero: false,
            grad_w_zero: true,
            nonfinite: index == 2,
        }
    }

    /// A hand-made report (not computed) exercising every kind of cell the writers meet. The
    /// theory's prediction column is checked on real probe output in tests/cli.rs.
    fn report() -> ProbeReport {
        let theory = Theory::NotApplicable {
            cause: Inapplicable::BatchNorm,
            reason: "Batch normalization: a \"test\", with commas".to_owned(),
        };
        ProbeReport { loss: std::f64::consts::LN_2, layers: vec![layer(1, 3.2e-7), layer(2, f64::NAN), layer(3, 0.0)], theory, pre_activations: vec![] }
    }

    fn render(report: &ProbeReport, format: Format) -> String {
        let config = ExperimentConfig { depth: 2, width: 4, ..Default::default() };
        let notes = link::decode("depth=2&width=4&dpeth=3").notes;
        let output = ProbeOutput { link: link::encode(&config), config: &config, notes: &notes, pretraining: None, report };
        match format {
            Format::Json => to_json(&output),
            Format::Csv => output.to_csv(),
        }
    }

    #[test]
    fn json_holds_config_link_notes_and_the_whole_report() {
        let report = report();
        let json: serde_json::Value = serde_json::from_str(&render(&report, Format::Json)).unwrap();
        let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 7);
        for key in ["config", "link", "notes", "loss", "layers", "theory", "pre_activations"] {
            assert!(keys.contains(&key), "{key}");
        }
        let config: ExperimentConfig = serde_json::from_value(json["config"].clone()).unwrap();
        assert_eq!(link::encode(&config), json["link"]);
        assert_eq!(json["notes"][0]["message"], "Unknown key 'dpeth' ignored; did you mean 'depth'?");
        let back: ProbeReport = serde_json::from_value(json).unwrap();
        assert_eq!(back.layers[0], report.layers[0]);
        assert!(back.layers[1].delta_rms.is_nan());
        assert_eq!((back.loss, &back.theory), (report.loss, &report.theory));
    }

    #[test]
    fn csv_has_a_row_per_layer_with_every_field_exactly() {
        let report = report();
        let csv = render(&report, Format::Csv);
        let comments: Vec<&str> = csv.lines().filter(|line| line.starts_with("# ")).collect();
        assert_eq!(comments[0], format!("# link: {}", link::encode(&ExperimentConfig { depth: 2, width: 4, ..Default::default() })));
        assert!(comments[1].starts_with("# config: {\"seed\":1,"));
        assert_eq!(comments[2], "# note: Unknown key 'dpeth' ignored; did you mean 'depth'?");
        assert_eq!(comments[3], "# loss: 0.6931471805599453");
        assert_eq!(comments[4], r#"# theory: {"status":"not_applicable","cause":"batch_norm","reason":"Batch normalization: a \"test\", with commas"}"#);

        let table: Vec<Vec<&str>> = csv.lines().filter(|line| !line.starts_with('#')).map(|line| line.split(',').collect()).collect();
        assert_eq!(table.len(), 1 + report.layers.len());
        let json_fields = Fields::of(&report.layers[0]);
        let mut expected_header: Vec<&str> = json_fields.0.iter().map(|(name, _)| name.as_str()).collect();
        expected_header.push("predicted_delta_rms");
        assert_eq!(table[0], expected_header);
        assert_eq!(table[0][0], "layer", "declaration order, not sorted");

        let column = |name: &str| table[0].iter().position(|&h| h == name).unwrap();
        let rows = &table[1..];
        let cell = |row: usize, name: &str| rows[row][column(name)];
        assert_eq!(cell(0, "delta_rms").parse::<f64>().unwrap(), 3.2e-7);
        assert_eq!(cell(0, "grad_w_norm"), "1e-300", "scientific notation, not 300 zeros");
        assert_eq!(cell(0, "local_gain").parse::<f64>().unwrap().to_bits(), (1.0f64 / 3.0).to_bits());
        assert_eq!(cell(0, "act_mean"), "-0.0");
        assert_eq!(cell(0, "act_std"), "inf");
        assert_eq!(cell(1, "delta_rms"), "NaN");
        assert_eq!((cell(1, "nonfinite"), cell(0, "grad_w_zero")), ("true", "true"));
        assert!(rows.iter().all(|row| row.last() == Some(&"")), "no prediction where theory does not apply");
    }

    #[test]
    fn text_cells_are_quoted_only_when_needed() {
        assert_eq!(csv_cell(&serde_json::json!("NaN")), "NaN");
        assert_eq!(csv_cell(&serde_json::json!("a,\"b\"")), "\"a,\"\"b\"\"\"");
        assert_eq!(csv_cell(&serde_json::json!(12)), "12");
    }
}
