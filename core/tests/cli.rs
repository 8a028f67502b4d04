//! The `gradscope` binary end to end: usage errors, and probe and train output that match the
//! library.

use std::process::{Command, Output};

use gradscope_core::link;
use serde_json::Value;

fn gradscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gradscope")).args(args).output().expect("the gradscope binary runs")
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "exit {:?}, stderr: {}", output.status, String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

#[test]
fn invalid_usage_exits_2_with_the_usage_on_stderr() {
    for args in [
        &[][..],
        &["prob", "depth=3"],
        &["probe"],
        &["probe", "depth=3", "--format", "xml"],
        &["probe", "depth=3", "--format"],
        &["probe", "depth=3", "--colour"],
        &["probe", "depth=3", "extra"],
        &["train", "depth=3"],
        &["train", "depth=3", "--steps", "0"],
        &["train", "depth=3", "--steps", "many"],
        &["train", "depth=3", "--steps", "5", "--chunk", "-1"],
        &["train", "--steps", "5"],
        &["train", "depth=3", "--steps", "5", "--format", "xml"],
    ] {
        let output = gradscope(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with("gradscope: ") && stderr.contains("Usage:"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn help_goes_to_stdout_and_exits_0() {
    for args in [&["help"][..], &["--help"], &["-h"], &["probe", "--help"]] {
        let text = stdout(&gradscope(args));
        assert!(text.contains("gradscope probe '<link or query string>' [--format json|csv]"), "{args:?}");
        assert!(text.contains("gradscope train '<link or query string>' --steps N [--chunk K] [--format json|csv]"), "{args:?}");
    }
}

const LINK: &str = "http://127.0.0.1:8080/?depth=6&width=32&batch=16&act=tanh&init=xavier_normal&seed=7&dpeth=3#plot";

#[test]
fn json_output_is_the_decoded_config_and_one_row_per_layer() {
    let json: Value = serde_json::from_str(&stdout(&gradscope(&["probe", LINK]))).expect("valid JSON");
    let decoded = link::decode(LINK);
    assert_eq!(serde_json::from_value::<gradscope_core::ExperimentConfig>(json["config"].clone()).unwrap(), decoded.config);
    assert_eq!(json["link"], link::encode(&decoded.config));
    assert_eq!(json["notes"], serde_json::to_value(&decoded.notes).unwrap());
    let layers = json["layers"].as_array().unwrap();
    assert_eq!(layers.len(), decoded.config.depth + 1);
    for (index, layer) in layers.iter().enumerate() {
        assert_eq!(layer["layer"], index + 1);
    }
    // Exactly the library's numbers for the decoded config.
    let report = serde_json::to_value(gradscope_core::probe(&decoded.config)).unwrap();
    for key in ["loss", "layers", "theory", "pre_activations"] {
        assert_eq!(json[key], report[key], "{key}");
    }
    // One histogram per hidden layer, counting each of its batch × width values once.
    let (batch, width) = (decoded.config.batch as u64, decoded.config.width as u64);
    let histograms = json["pre_activations"].as_array().unwrap();
    assert_eq!(histograms.len(), decoded.config.depth);
    for histogram in histograms {
        let counts = histogram["counts"].as_array().unwrap().iter().chain([&histogram["below"], &histogram["above"], &histogram["nonfinite"]]);
        assert_eq!(counts.map(|c| c.as_u64().unwrap()).sum::<u64>(), batch * width);
    }
}

/// The data rows of a CSV output, split into cells, after its header.
fn csv_table(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = text.lines().filter(|line| !line.starts_with('#'));
    let split = |line: &str| line.split(',').map(str::to_owned).collect::<Vec<_>>();
    let header = split(lines.next().expect("a header"));
    (header, lines.map(split).collect())
}

/// A CSV cell equals a JSON value exactly: same f64 bits for numbers, same words otherwise.
fn assert_same(cell: &str, value: &Value, context: &str) {
    match value {
        Value::Number(number) => {
            let expected = number.as_f64().unwrap();
            assert_eq!(cell.parse::<f64>().map(f64::to_bits), Ok(expected.to_bits()), "{context}: {cell} vs {number}");
        }
        Value::String(word) => assert_eq!(cell, word, "{context}"),
        other => assert_eq!(cell, other.to_string(), "{context}"),
    }
}

#[test]
fn csv_output_has_every_json_field_exactly_and_depth_plus_one_rows() {
    let json: Value = serde_json::from_str(&stdout(&gradscope(&["probe", LINK, "--format", "json"]))).unwrap();
    let csv = stdout(&gradscope(&["probe", "--format=csv", LINK]));
    let (header, rows) = csv_table(&csv);
    let layers = json["layers"].as_array().unwrap();
    assert_eq!(rows.len(), link::decode(LINK).config.depth + 1);
    for (row, layer) in rows.iter().zip(layers) {
        assert_eq!(row.len(), header.len());
        let fields = layer.as_object().unwrap();
        assert_eq!(header.len(), fields.len() + 1, "every field, plus the prediction");
        for (name, cell) in header.iter().zip(row) {
            match fields.get(name) {
                Some(value) => assert_same(cell, value, name),
                None => assert_eq!(name, "predicted_delta_rms"),
            }
        }
    }
    // The prediction column is the theory block's profile (layers 1..=depth), empty for the readout.
    let predicted = json["theory"]["predicted_delta_rms"].as_array().cloned().unwrap_or_default();
    for (index, row) in rows.iter().enumerate() {
        match predicted.get(index) {
            Some(value) => assert_same(row.last().unwrap(), value, "predicted_delta_rms"),
            None => assert_eq!(row.last().unwrap(), ""),
        }
    }
    assert!(csv.starts_with(&format!("# link: {}\n# config: ", json["link"].as_str().unwrap())));
    assert!(csv.contains("\n# note: Unknown key 'dpeth' ignored; did you mean 'depth'?\n"));
    assert!(csv.contains("\n# theory: {\"status\":"));
}

#[test]
fn two_runs_print_identical_bytes() {
    for format in ["json", "csv"] {
        let first = gradscope(&["probe", LINK, "--format", format]);
        assert_eq!(stdout(&first), stdout(&gradscope(&["probe", LINK, "--format", format])), "{format}");
    }
}

#[test]
fn a_mangled_link_is_clamped_reported_and_still_probed() {
    let json: Value = serde_json::from_str(&stdout(&gradscope(&["probe", "?depth=0&width=1&std=NaN&%%%&&==&act=😀"]))).unwrap();
    assert_eq!(json["config"]["depth"], 1);
    assert_eq!(json["config"]["width"], 2);
    assert_eq!(json["layers"].as_array().unwrap().len(), 2);
    let messages: Vec<&str> = json["notes"].as_array().unwrap().iter().map(|note| note["message"].as_str().unwrap()).collect();
    assert!(messages.contains(&"depth=0 is below the minimum 1; using 1."), "{messages:?}");
    assert!(messages.contains(&"std=NaN is not a finite number; using 0.1."), "{messages:?}");
}

const TRAIN_LINK: &str = "?depth=3&width=16&act=relu&init=kaiming_normal&opt=adam&lr=0.01&clip=norm&clipv=0.5&batch=32&seed=4";

/// What the library gives for `TRAIN_LINK` trained in chunks.
fn library_snapshots(link: &str, chunks: &[usize]) -> Vec<Value> {
    let mut trainer = gradscope_core::train::Trainer::new(&link::decode(link).config).unwrap();
    chunks.iter().map(|&n| serde_json::to_value(trainer.advance(n)).unwrap()).collect()
}

#[test]
fn train_json_is_the_librarys_snapshots_chunk_by_chunk() {
    let json: Value = serde_json::from_str(&stdout(&gradscope(&["train", TRAIN_LINK, "--steps", "250", "--chunk", "100"]))).unwrap();
    let decoded = link::decode(TRAIN_LINK);
    assert_eq!(json["link"], link::encode(&decoded.config));
    assert_eq!(serde_json::from_value::<gradscope_core::ExperimentConfig>(json["config"].clone()).unwrap(), decoded.config);
    assert_eq!(json["notes"], serde_json::json!([]));
    assert_eq!(json["snapshots"].as_array().unwrap(), &library_snapshots(TRAIN_LINK, &[100, 100, 50]));
    assert_eq!(json["diagnosis"], Value::Null);
    let accuracy = json["evaluation"]["accuracy"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&accuracy) && json["evaluation"]["loss"].as_f64().unwrap() > 0.0);
    // The default chunk is 100 steps.
    let json: Value = serde_json::from_str(&stdout(&gradscope(&["train", TRAIN_LINK, "--steps", "200"]))).unwrap();
    assert_eq!(json["snapshots"].as_array().unwrap(), &library_snapshots(TRAIN_LINK, &[100, 100]));
}

#[test]
fn train_csv_has_every_json_number_exactly_one_row_per_chunk() {
    let json: Value = serde_json::from_str(&stdout(&gradscope(&["train", TRAIN_LINK, "--steps", "30", "--chunk", "10"]))).unwrap();
    let csv = stdout(&gradscope(&["train", TRAIN_LINK, "--steps=30", "--chunk=10", "--format=csv"]));
    let (header, rows) = csv_table(&csv);
    let snapshots = json["snapshots"].as_array().unwrap();
    assert_eq!(rows.len(), snapshots.len());
    for (row, snapshot) in rows.iter().zip(snapshots) {
        assert_eq!(row.len(), header.len());
        for (name, cell) in header.iter().zip(row) {
            let value = match name.strip_prefix("eval_") {
                Some(field) => &snapshot["eval"][field],
                None => match name.rsplit_once('_').and_then(|(field, layer)| Some((field, layer.parse::<usize>().ok()?))) {
                    Some((field, layer)) => &snapshot["layers"][layer - 1][field],
                    None => &snapshot[name.as_str()],
                },
            };
            assert_same(cell, value, name);
        }
    }
    let depth = link::decode(TRAIN_LINK).config.depth;
    assert_eq!(header.len(), 9 + 6 * (depth + 1));
    assert_eq!(comment(&csv, "evaluation"), json["evaluation"]);
}

/// The JSON of a `# name: {…}` line of a CSV output.
fn comment(csv: &str, name: &str) -> Value {
    let line = csv.lines().find_map(|line| line.strip_prefix(&format!("# {name}: "))).expect("the comment line");
    serde_json::from_str(line).unwrap()
}

#[test]
fn a_diverging_link_prints_the_diagnosis_and_stops() {
    let link = "act=relu&init=normal&std=1&opt=sgd&lr=10&depth=4&width=32";
    let json: Value = serde_json::from_str(&stdout(&gradscope(&["train", link, "--steps", "1000", "--chunk", "1"]))).unwrap();
    let diagnosis = &json["diagnosis"];
    let snapshots = json["snapshots"].as_array().unwrap();
    assert_eq!(snapshots.last().unwrap()["diagnosis"], *diagnosis, "the last chunk carries it");
    assert_eq!(diagnosis["step"].as_u64().unwrap() as usize, snapshots.len(), "one chunk per step until the failing one");
    assert!(diagnosis["advice"].as_array().unwrap().iter().any(|a| a.as_str().unwrap().contains("clip=norm")));
    let csv = stdout(&gradscope(&["train", link, "--steps", "1000", "--chunk", "1", "--format", "csv"]));
    assert_eq!(comment(&csv, "diagnosis"), *diagnosis);
}

#[test]
fn two_training_runs_print_identical_bytes() {
    for format in ["json", "csv"] {
        let run = || stdout(&gradscope(&["train", TRAIN_LINK, "--steps", "40", "--chunk", "15", "--format", format]));
        assert_eq!(run(), run(), "{format}");
    }
}

const RECURRENT_LINK: &str = "?model=lstm&hidden=8&seq=12&batch=4&seed=3&fbias=2";

#[test]
fn a_recurrent_probe_prints_the_librarys_numbers_through_time_in_json_and_csv() {
    let decoded = link::decode(RECURRENT_LINK);
    let probe = gradscope_core::recurrent::probe_through_time(&decoded.config.recurrent().unwrap()).unwrap();
    let library = serde_json::to_value(&probe).unwrap();
    let json: Value = serde_json::from_str(&stdout(&gradscope(&["probe", RECURRENT_LINK]))).unwrap();
    assert_eq!(json["link"], link::encode(&decoded.config));
    for (key, value) in library.as_object().unwrap() {
        assert_eq!(&json[key], value, "{key}");
    }
    let csv = stdout(&gradscope(&["probe", RECURRENT_LINK, "--format", "csv"]));
    let (header, rows) = csv_table(&csv);
    assert_eq!(header, ["t", "grad_h_norm", "grad_c_norm", "input_gate_mean", "forget_gate_mean", "output_gate_mean", "path_product"]);
    assert_eq!(rows.len(), 12);
    for (t, row) in rows.iter().enumerate() {
        assert_eq!(row[0], (t + 1).to_string());
        assert_same(&row[1], &json["grad_h_norm"][t], "grad_h_norm");
        assert_same(&row[2], &json["grad_c_norm"][t], "grad_c_norm");
        for (column, gate) in (3..6).zip(0..3) {
            assert_same(&row[column], &json["gates"][gate]["mean"][t], "gate mean");
        }
        assert_same(&row[6], &json["path_product"][t], "path_product");
    }
    assert!(csv.contains(&format!("\n# baseline: {}\n", json["baseline"])));
    // The plain RNN has no gates but its spectral norm; GRU has two gates and no cell.
    let rnn_csv = stdout(&gradscope(&["probe", "model=rnn&hidden=8&seq=6", "--format", "csv"]));
    assert!(rnn_csv.contains("\n# spectral_norm: ") && rnn_csv.contains("\nt,grad_h_norm\n"), "{rnn_csv}");
    let gru_csv = stdout(&gradscope(&["probe", "model=gru&hidden=8&seq=6", "--format", "csv"]));
    assert!(gru_csv.contains("\nt,grad_h_norm,reset_gate_mean,update_gate_mean,path_product\n"), "{gru_csv}");
}

#[test]
fn a_recurrent_train_prints_the_librarys_chunks_and_identical_bytes_twice() {
    let decoded = link::decode(RECURRENT_LINK);
    let cfg = &decoded.config;
    let mut trainer = gradscope_core::recurrent::Trainer::new(&cfg.recurrent().unwrap(), cfg.optimizer(), cfg.clipping().unwrap()).unwrap();
    let library: Vec<Value> = [4, 4, 2].iter().map(|&n| serde_json::to_value(trainer.run(n)).unwrap()).collect();
    let run = |format| stdout(&gradscope(&["train", RECURRENT_LINK, "--steps", "10", "--chunk", "4", "--format", format]));
    let json: Value = serde_json::from_str(&run("json")).unwrap();
    assert_eq!(json["snapshots"].as_array().unwrap(), &library);
    assert_eq!(json["baseline"].as_f64(), Some(1.0 / 6.0));
    assert_eq!(run("json"), run("json"));
    let csv = run("csv");
    assert_eq!(csv, run("csv"));
    let (header, rows) = csv_table(&csv);
    assert_eq!(header, ["step", "steps_in_chunk", "mean_loss", "clip_events", "max_grad_norm", "diverged_at", "grad_h_norm_first", "grad_h_norm_last"]);
    for (row, snapshot) in rows.iter().zip(&library) {
        for (cell, name) in row.iter().zip(&header[..5]) {
            assert_same(cell, &snapshot[name.as_str()], name);
        }
        assert_eq!(row[5], "", "healthy");
        assert_same(&row[6], &snapshot["probe"]["grad_h_norm"][0], "first");
        assert_same(&row[7], &snapshot["probe"]["grad_h_norm"][11], "last");
    }
    assert_same(&comment(&csv, "evaluation_loss").to_string(), &json["evaluation_loss"], "evaluation");
}

#[test]
fn a_diverging_recurrent_link_stops_at_the_chunk_that_diverged() {
    let link = "model=rnn&act=relu&rinit=identity&gain=3&seq=200&hidden=8&batch=4&clip=none";
    let json: Value = serde_json::from_str(&stdout(&gradscope(&["train", link, "--steps", "50", "--chunk", "5"]))).unwrap();
    let snapshots = json["snapshots"].as_array().unwrap();
    assert_eq!(snapshots.len(), 1);
    assert_eq!(snapshots[0]["diverged_at"], 1);
}

const PRETRAIN_LINK: &str = "?data=digits&depth=3&width=16&pretrain=rbm&pt_epochs=2&cdk=2&seed=3";

/// The library's pretraining of `PRETRAIN_LINK`, run to the end.
fn library_pretrainer() -> gradscope_core::rbm::Pretrainer {
    let mut pretrainer = gradscope_core::rbm::pretrainer_for(&link::decode(PRETRAIN_LINK).config).unwrap();
    pretrainer.advance(usize::MAX);
    pretrainer
}

#[test]
fn probe_and_train_pretrain_first_exactly_as_the_library_does() {
    let config = link::decode(PRETRAIN_LINK).config;
    let pretrainer = library_pretrainer();
    let history = serde_json::to_value(pretrainer.history()).unwrap();
    assert_eq!(history.as_array().unwrap().len(), 3 * 3, "epochs 0..=2 of 3 layers");

    let json: Value = serde_json::from_str(&stdout(&gradscope(&["probe", PRETRAIN_LINK]))).unwrap();
    assert_eq!(json["pretraining"], history);
    let report = serde_json::to_value(gradscope_core::probe::probe_pretrained(&config, pretrainer.finished()).unwrap()).unwrap();
    for key in ["loss", "layers", "theory"] {
        assert_eq!(json[key], report[key], "{key}");
    }
    assert_ne!(json["layers"], serde_json::to_value(gradscope_core::probe(&config)).unwrap()["layers"], "not the random init");
    let csv = stdout(&gradscope(&["probe", PRETRAIN_LINK, "--format", "csv"]));
    assert_eq!(comment(&csv, "pretraining"), history);

    let json: Value = serde_json::from_str(&stdout(&gradscope(&["train", PRETRAIN_LINK, "--steps", "20", "--chunk", "10"]))).unwrap();
    assert_eq!(json["pretraining"], history);
    let mut trainer = gradscope_core::train::Trainer::pretrained(&config, pretrainer.finished().to_vec()).unwrap();
    let snapshots: Vec<Value> = [10, 10].iter().map(|&n| serde_json::to_value(trainer.advance(n)).unwrap()).collect();
    assert_eq!(json["snapshots"].as_array().unwrap(), &snapshots);
}

#[test]
fn pretraining_a_network_it_cannot_initialize_is_a_note_not_a_failure() {
    let json: Value = serde_json::from_str(&stdout(&gradscope(&["probe", "data=digits&depth=2&act=relu&pretrain=rbm"]))).unwrap();
    assert!(json["notes"][0]["message"].as_str().unwrap().contains("act=relu"));
    assert_eq!(json["config"]["pretrain"], "none");
    assert!(json.get("pretraining").is_none());
    // Links without pretraining print no pretraining field.
    assert!(serde_json::from_str::<Value>(&stdout(&gradscope(&["probe", LINK]))).unwrap().get("pretraining").is_none());
}
