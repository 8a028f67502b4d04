use super::*;
use crate::clip::ClipMethod;
use crate::config::{Activation, Dataset, Init};
use crate::link;
use crate::optim::OptimizerKind;
use crate::probe::probe;

fn trainer(query: &str) -> Trainer {
    let decoded = link::decode(query);
    assert_eq!(decoded.notes, [], "{query}");
    Trainer::new(&decoded.config).unwrap()
}

/// Every weight, bias and batch-norm parameter, as bits.
fn parameter_bits(trainer: &Trainer) -> Vec<u32> {
    trainer.mlp().params().flat_map(|p| p.value.iter().map(|v| v.to_bits())).collect()
}

fn json(snapshot: &Snapshot) -> String {
    serde_json::to_string(snapshot).unwrap()
}

const RELU_ADAM: &str = "depth=4&width=32&act=relu&init=kaiming_normal&opt=adam";

#[test]
fn the_first_step_sees_exactly_the_probes_gradients() {
    for query in ["depth=6&width=16", "depth=5&width=12&act=gelu&init=orthogonal&bn=1&res=1&batch=20", "data=sine&act=tanh&depth=3", "data=digits&depth=3&width=16"] {
        let cfg = link::decode(query).config;
        assert_first_step_matches(&probe(&cfg), &mut Trainer::new(&cfg).unwrap(), query);
    }
}

/// Fine-tuning starts from the pretrained stack: its first step sees the pretrained probe's
/// gradients, and a reset goes back to the stack, not to the random initialization.
#[test]
fn fine_tuning_starts_from_the_pretrained_stack_and_resets_to_it() {
    let query = "data=bars&depth=3&width=12&pretrain=rbm&pt_epochs=3";
    let cfg = link::decode(query).config;
    let mut pretrainer = crate::rbm::pretrainer_for(&cfg).unwrap();
    pretrainer.advance(usize::MAX);
    let stack = pretrainer.finished().to_vec();
    let report = crate::probe::probe_pretrained(&cfg, &stack).unwrap();
    let mut trainer = Trainer::pretrained(&cfg, stack.clone()).unwrap();
    let start = parameter_bits(&trainer);
    assert_first_step_matches(&report, &mut trainer, query);
    assert_ne!(parameter_bits(&trainer), start);
    trainer.reset();
    assert_eq!(parameter_bits(&trainer), start);
    assert_eq!(trainer.mlp().layers[0].weight.value, stack[0].weight);
    assert_ne!(parameter_bits(&Trainer::new(&cfg).unwrap()), start, "the random initialization differs");
    let wider = ExperimentConfig { width: 16, ..cfg };
    assert!(Trainer::pretrained(&wider, stack).unwrap_err().contains("is 16→12 but the network's layer 1 is 16→16"));
}

fn assert_first_step_matches(report: &crate::probe::ProbeReport, trainer: &mut Trainer, query: &str) {
    let snapshot = trainer.advance(1);
    for (trained, probed) in snapshot.layers.iter().zip(&report.layers) {
        let pairs = [
            (trained.grad_w_norm, probed.grad_w_norm),
            (trained.delta_rms, probed.delta_rms),
            (trained.saturated, probed.saturated),
            (trained.dead, probed.dead),
        ];
        for (a, b) in pairs {
            assert_eq!(a.to_bits(), b.to_bits(), "{query} layer {}", trained.layer);
        }
    }
    assert_eq!(snapshot.loss_last.to_bits(), report.loss.to_bits(), "{query}");
}

#[test]
fn the_same_link_gives_bit_identical_snapshots_however_the_steps_are_chunked() {
    for query in [
        "depth=3&width=16&act=relu&init=kaiming_normal&opt=adam&clip=norm&clipv=0.5&batch=100",
        "depth=4&width=12&act=tanh&init=xavier_uniform&bn=1&res=1&opt=nesterov&wd=0.01&batch=48",
        // 1000 of 1024 examples per batch: every step starts a new epoch.
        "data=sine&depth=3&width=16&act=silu&init=kaiming_uniform&opt=rmsprop&clip=value&clipv=0.01&batch=1000",
    ] {
        let run = |chunks: &[usize]| {
            let mut t = trainer(query);
            let snapshots: Vec<String> = chunks.iter().map(|&n| json(&t.advance(n))).collect();
            (snapshots, parameter_bits(&t))
        };
        let (first, weights) = run(&[10, 10]);
        assert_eq!((first.clone(), weights.clone()), run(&[10, 10]), "{query}: two trainers differ");
        let (whole, whole_weights) = run(&[20]);
        assert_eq!(weights, whole_weights, "{query}: chunking changed the weights");
        // The chunk of 20 ends on the same step as the second chunk of 10, and measures it alike.
        let last: Snapshot = serde_json::from_str(&first[1]).unwrap();
        let one: Snapshot = serde_json::from_str(&whole[0]).unwrap();
        assert_eq!((last.step, one.step, last.steps_in_chunk, one.steps_in_chunk), (20, 20, 10, 20));
        assert_eq!(json(&Snapshot { steps_in_chunk: 0, loss_mean: 0.0, clip_events: 0, ..last }), json(&Snapshot { steps_in_chunk: 0, loss_mean: 0.0, clip_events: 0, ..one }));
        assert_eq!(run(&[3, 17]).1, weights, "{query}");
    }
}

#[test]
fn relu_with_he_init_and_adam_learns_the_spiral() {
    // Adam at PyTorch's default lr 1e-3 (4 × 32 units): 99.7 % of the 1024 points after 1500
    // steps (the evaluation subset: 66 % at step 500, 98.8 % at 1000); chance is 50 %.
    let mut t = trainer(RELU_ADAM);
    let first = t.advance(100);
    let mut last = first.clone();
    for _ in 1..15 {
        last = t.advance(100);
    }
    assert_eq!(last.step, 1500);
    let accuracy = t.evaluate_all().accuracy.unwrap();
    assert!(accuracy >= 0.97, "accuracy {accuracy}");
    assert!(last.eval.accuracy.unwrap() >= 0.97 && last.eval.loss < 0.1 * first.eval.loss, "{last:?}");
    assert!(last.diagnosis.is_none() && last.layers.iter().all(|l| l.update_ratio > 0.0 && l.update_ratio < 0.1));
}

#[test]
fn deep_sigmoid_with_small_init_does_not_learn_in_its_first_layers() {
    // The default network (10 sigmoid layers, N(0, 0.1²) weights) under plain SGD: δ shrinks
    // ~25× per layer towards the input, so layer 1's updates fall below f32's resolution of W.
    let mut t = trainer("opt=sgd&width=32&batch=32");
    let initial: Vec<Vec<f32>> = t.mlp().layers.iter().map(|l| l.weight.value.clone()).collect();
    let mut snapshot = t.advance(50);
    for _ in 0..3 {
        snapshot = t.advance(50);
    }
    let relative_change = |i: usize| {
        let now = &t.mlp().layers[i].weight.value;
        let moved: Vec<f32> = now.iter().zip(&initial[i]).map(|(a, b)| a - b).collect();
        norm::frobenius(&moved) / norm::frobenius(&initial[i])
    };
    assert!(relative_change(0) < 1e-6, "layer 1 moved by {}", relative_change(0));
    assert!(relative_change(9) > 1e-2, "layer 10 moved by only {}", relative_change(9));
    let layers = &snapshot.layers;
    assert!(layers[0].grad_w_norm < 1e-6 * layers[9].grad_w_norm, "{layers:?}");
    assert!(layers[0].update_ratio < 1e-4 * layers[9].update_ratio, "{layers:?}");
    assert!(t.evaluate_all().accuracy.unwrap() < 0.6);

    // Adam's step is blind to the gradient's scale: layer 1 moves like layer 10, yet the
    // washed-out signal still teaches it nothing.
    let mut adam = trainer("opt=adam&width=32&batch=32");
    let layers = adam.advance(200).layers;
    assert!(layers[0].update_ratio > 0.05 * layers[9].update_ratio, "{layers:?}");
    assert!(layers[0].grad_w_norm < 1e-6 * layers[9].grad_w_norm);
}

#[test]
fn a_diverging_run_stops_at_the_first_non_finite_value_and_says_why() {
    // ReLU with N(0, 1) weights at width 32 (σ_w² = 32, sixteen times He's) and SGD at lr 10.
    let mut t = trainer("act=relu&init=normal&std=1&opt=sgd&lr=10&depth=4&width=32");
    let snapshot = t.advance(50);
    let diagnosis = snapshot.diagnosis.clone().expect("diverges");
    assert!((2..=10).contains(&diagnosis.step), "after some updates: {diagnosis:?}");
    assert_eq!(snapshot.step, diagnosis.step - 1, "the failing step does not count");
    assert!((1..=5).contains(&diagnosis.layer) && !diagnosis.value.is_finite());
    // The steps before all had finite, growing gradient norms.
    let norms: Vec<f64> = diagnosis.recent_grad_norms.iter().map(|r| r.grad_w_norm.iter().map(|n| n * n).sum::<f64>().sqrt()).collect();
    assert!(norms.len() as u64 >= diagnosis.step - 1 && norms[0].is_finite() && norms[0] > 10.0, "{norms:?}");
    assert!(diagnosis.advice[0].starts_with("Lower the learning rate: lr=10"), "{:?}", diagnosis.advice);
    assert!(diagnosis.advice.iter().any(|a| a.contains("clip=norm")), "{:?}", diagnosis.advice);
    assert!(diagnosis.advice.iter().any(|a| a.contains("try init=kaiming_normal")), "{:?}", diagnosis.advice);
    assert_eq!(t.diagnosis(), Some(&diagnosis));
    // Further calls step no more and repeat the diagnosis.
    let again = t.advance(10);
    assert_eq!((again.step, again.steps_in_chunk, again.diagnosis), (snapshot.step, 0, Some(diagnosis)));
    assert!(again.loss_mean.is_nan());
    // Clipping by norm keeps the same run finite (the advice holds here).
    let mut clipped = trainer("act=relu&init=normal&std=1&opt=sgd&lr=10&depth=4&width=32&clip=norm&clipv=0.01");
    let snapshot = clipped.advance(50);
    assert!(snapshot.diagnosis.is_none() && snapshot.clip_events == 50, "{snapshot:?}");
}

#[test]
fn overflow_at_initialization_blames_the_network_not_the_optimizer() {
    // Linear layers with std 10 at width 64 multiply the scale by 80 per layer: f32 overflows
    // around layer 20 in the very first forward pass.
    let mut t = trainer("act=linear&init=normal&std=10&depth=40&width=64");
    let diagnosis = t.advance(5).diagnosis.expect("overflows");
    assert_eq!((diagnosis.step, diagnosis.quantity), (1, Quantity::PreActivation));
    assert!((15..=25).contains(&diagnosis.layer), "{}", diagnosis.message);
    assert!(diagnosis.recent_grad_norms.is_empty(), "no backward pass ran");
    assert!(diagnosis.advice[0].contains("initial weights"), "{:?}", diagnosis.advice);
    assert!(!diagnosis.advice.iter().any(|a| a.contains("clip=") || a.contains("Lower the learning rate")));
    assert!(diagnosis.advice.iter().any(|a| a.contains("try init=xavier_normal")));
}

#[test]
fn optimizer_and_clipping_changes_apply_from_the_next_step_without_losing_progress() {
    let mut reference = trainer(RELU_ADAM);
    reference.advance(20);
    // Re-applying the same settings keeps Adam's moments: identical to never touching them.
    let mut same = trainer(RELU_ADAM);
    same.advance(10);
    same.set_optimizer(same.config().optimizer()).unwrap();
    same.advance(10);
    assert_eq!(parameter_bits(&same), parameter_bits(&reference));
    // A new lr changes the trajectory, not the progress made so far.
    let mut slower = trainer(RELU_ADAM);
    let before = slower.advance(10);
    slower.set_optimizer(OptimizerConfig { lr: 1e-4, ..slower.config().optimizer() }).unwrap();
    let after = slower.advance(10);
    assert_eq!((after.step, slower.config().lr), (20, 1e-4));
    assert_ne!(parameter_bits(&slower), parameter_bits(&reference));
    assert!(after.layers[0].update_ratio < 0.5 * before.layers[0].update_ratio, "{before:?}\n{after:?}");
    // Switching the kind restarts the optimizer's state, keeping the weights.
    slower.set_optimizer(OptimizerConfig::for_kind(OptimizerKind::Sgd)).unwrap();
    assert_eq!(slower.config().opt, OptimizerKind::Sgd);
    assert!(slower.advance(5).diagnosis.is_none());
    // Clipping at a tiny norm clips every step from the next one.
    slower.set_clip(ClipConfig::Norm(1e-4)).unwrap();
    let clipped = slower.advance(7);
    assert_eq!(clipped.clip_events, 7);
    assert!(clipped.grad_norm > 1e-4);
    // What the optimizer got: the norm rescaled to τ (up to f32 rounding of each entry).
    assert!((clipped.grad_norm_clipped / 1e-4 - 1.0).abs() < 1e-5, "{}", clipped.grad_norm_clipped);
    assert_eq!(after.grad_norm_clipped, after.grad_norm, "without clipping nothing changes");
    assert_eq!((slower.config().clip, slower.config().clipv), (ClipMethod::Norm, 1e-4));
    // Invalid settings are refused and change nothing.
    let settings = slower.config().clone();
    assert!(slower.set_optimizer(OptimizerConfig { lr: f32::NAN, ..OptimizerConfig::default() }).unwrap_err().starts_with("lr must be"));
    assert!(slower.set_clip(ClipConfig::Value(0.0)).unwrap_err().starts_with("clipv must be"));
    assert_eq!(slower.config(), &settings);
}

#[test]
fn reset_brings_back_the_initial_weights_and_batch_order() {
    let fresh = || trainer("depth=3&width=8&act=tanh&init=xavier_normal&opt=momentum&batch=500");
    let mut t = fresh();
    t.advance(30);
    t.reset();
    assert_eq!((t.step_count(), parameter_bits(&t)), (0, parameter_bits(&fresh())));
    assert_eq!(json(&t.advance(7)), json(&fresh().advance(7)));
    // After a diagnosis too.
    let mut diverged = trainer("act=relu&init=normal&std=1&opt=sgd&lr=10&depth=4&width=32");
    diverged.advance(20);
    diverged.reset();
    assert!(diverged.diagnosis().is_none() && diverged.advance(1).steps_in_chunk == 1);
}

#[test]
fn the_noisy_sine_is_fitted_by_mean_squared_error() {
    // The constant predictor's MSE is ≈ 0.51 and the noise floor 0.01; this reaches 0.0118.
    let mut t = trainer("data=sine&depth=3&width=32&act=tanh&init=xavier_normal&opt=adam&lr=0.01");
    let first = t.advance(1);
    assert!((0.2..2.0).contains(&first.eval.loss) && first.eval.accuracy.is_none(), "{first:?}");
    for _ in 0..10 {
        t.advance(100);
    }
    let all = t.evaluate_all();
    assert!(all.loss < 0.03 && all.accuracy.is_none(), "{all:?}");
    assert!(t.decision_boundary(16).is_none(), "a 1-D dataset has no 2-D boundary");
}

#[test]
fn histograms_show_a_layer_and_change_nothing() {
    let query = "depth=3&width=16&act=relu&init=kaiming_normal&opt=adam&batch=32";
    let mut watched = trainer(query);
    watched.advance(20);
    let h = watched.histograms(2).unwrap();
    let eval_values = 256 * 16;
    assert_eq!(h.activation.low, 0.0, "relu outputs are non-negative");
    for (histogram, n) in [(&h.activation, eval_values), (&h.activation_grad, eval_values), (&h.weight_grad, 16 * 16)] {
        assert_eq!(histogram.counts.len(), HISTOGRAM_BINS);
        assert_eq!(histogram.counts.iter().sum::<u32>() + histogram.nonfinite, n as u32);
        assert!(histogram.low < histogram.high);
    }
    assert_eq!(watched.histograms(2), Some(h.clone()), "deterministic");
    assert!(watched.histograms(0).is_none() && watched.histograms(5).is_none());
    assert_eq!(watched.histograms(4).unwrap().activation.counts.iter().sum::<u32>(), 256 * 2, "the readout's logits");
    watched.decision_boundary(8);
    watched.evaluate_all();
    watched.advance(20);
    let mut unwatched = trainer(query);
    unwatched.advance(40);
    assert_eq!(parameter_bits(&watched), parameter_bits(&unwatched), "measuring changed the training");
    // Sigmoid outputs get the fixed range [0, 1].
    let sigmoid = trainer("depth=2&width=8").histograms(1).unwrap();
    assert_eq!((sigmoid.activation.low, sigmoid.activation.high), (0.0, 1.0));
}

#[test]
fn the_decision_boundary_separates_the_gaussian_blobs() {
    for query in ["data=gauss&depth=2&width=16&act=relu&init=kaiming_normal&opt=adam&lr=0.01", "data=gauss&depth=2&width=16&act=tanh&bn=1&opt=adam&lr=0.01"] {
        let mut t = trainer(query);
        t.advance(200);
        let boundary = t.decision_boundary(48).unwrap();
        assert_eq!((boundary.resolution, boundary.probability.len()), (48, 48 * 48));
        assert!(boundary.probability.iter().all(|p| (0.0..=1.0).contains(p)));
        // The cell holding each class's mean point leans clearly to that class.
        let samples = Dataset::Gauss.generate(1);
        let Targets::Classes { labels, .. } = &samples.targets else { unreachable!() };
        for class in [0, 1] {
            let members: Vec<usize> = (0..samples.len()).filter(|&i| labels[i] == class).collect();
            let mean = |f: usize| members.iter().map(|&i| f64::from(samples.inputs[2 * i + f])).sum::<f64>() / members.len() as f64;
            let cell = |[low, high]: [f64; 2], v: f64| ((v - low) / (high - low) * 48.0) as usize;
            let p = boundary.probability[cell(boundary.y_range, mean(1)) * 48 + cell(boundary.x_range, mean(0))];
            assert!(if class == 1 { p > 0.9 } else { p < 0.1 }, "{query}: class {class} at its mean: P(1) = {p}");
        }
        assert!(boundary.x_range[0] < -1.0 && boundary.x_range[1] > 1.0);
        assert_eq!(t.decision_boundary(1000).unwrap().resolution, views::MAX_RESOLUTION);
    }
}

#[test]
fn invalid_settings_are_errors_and_shapes_are_clamped() {
    let cfg = ExperimentConfig { lr: f32::NAN, ..ExperimentConfig::default() };
    assert!(Trainer::new(&cfg).unwrap_err().starts_with("lr must be"));
    let cfg = ExperimentConfig { clip: ClipMethod::Norm, clipv: -1.0, ..ExperimentConfig::default() };
    assert!(Trainer::new(&cfg).unwrap_err().starts_with("clipv must be"));
    let empty = Dataset::Xor.generate(1).select(&[]);
    assert!(Trainer::with_samples(&ExperimentConfig::default(), empty).is_err());
    let tiny = ExperimentConfig { depth: 0, width: 0, batch: 0, act: Activation::Relu, init: Init::KaimingNormal, ..ExperimentConfig::default() };
    let mut t = Trainer::new(&tiny).unwrap();
    assert_eq!((t.config().depth, t.config().width, t.config().batch), (1, 2, 1));
    assert_eq!(t.advance(3).step, 3);
}

#[test]
fn snapshots_before_any_step_and_after_a_diagnosis_survive_json() {
    let mut t = trainer("act=relu&init=normal&std=1&opt=sgd&lr=10&depth=4&width=32");
    let before = t.advance(0);
    assert_eq!((before.step, before.steps_in_chunk), (0, 0));
    assert!(before.loss_mean.is_nan() && before.layers[0].grad_w_norm.is_nan() && before.layers[0].weight_norm > 0.0);
    let after = t.advance(20);
    for snapshot in [before, after] {
        let text = json(&snapshot);
        let back: Snapshot = serde_json::from_str(&text).unwrap();
        assert_eq!(json(&back), text);
    }
}

#[test]
fn the_reference_benchmark_has_the_reference_shape_and_trains() {
    let mut t = reference_benchmark(3, 8, 4).unwrap();
    let shapes: Vec<(usize, usize, bool)> = t.mlp().layers.iter().map(|l| (l.fan_in, l.fan_out, l.hidden)).collect();
    assert_eq!(shapes, [(8, 8, true), (8, 8, true), (8, 8, false)]);
    assert_eq!((t.config().opt, t.config().lr, t.config().act, t.config().batch), (OptimizerKind::Sgd, 1e-3, Activation::Relu, 4));
    let first = t.advance(1).loss_last;
    let later = t.advance(100).loss_last;
    assert!(later < first, "{first} → {later}");
    assert!(reference_benchmark(1, 8, 4).is_err() && reference_benchmark(202, 8, 4).is_err() && reference_benchmark(2, 513, 4).is_err());
    assert!(reference_benchmark(201, 32, 16).is_ok());
}
