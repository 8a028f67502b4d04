//! The page's words for what core names: its choices (activation, init, dataset), why the
//! theory does not apply, mean-field phases, and the notes about a link. Core words them in
//! English for the CLI; these read the same facts in the reader's language. Every match is
//! exhaustive, so a variant added in core does not compile until both languages word it.

use gradscope_core::clip::ClipMethod;
use gradscope_core::config::{Activation, Architecture, Dataset, Init};
use gradscope_core::optim::OptimizerKind;
use gradscope_core::recurrent::{Model, RecurrentInit, Task};
use gradscope_core::link::{LinkNote, NoteKind, ValueProblem};
use gradscope_core::theory::Inapplicable;
use gradscope_core::train::{Advice, Diagnosis, Quantity};

use super::Strings;
use crate::tr;

/// `fn name(words, value) -> (label, about)` for one of core's named choices, from the groups
/// `group` and `group_about` (keyed by the choice's link name). An exhaustive match: a variant
/// added in core does not compile until both languages word it.
macro_rules! choice_words {
    ($name:ident, $ty:ident, $group:ident, $about:ident { $($variant:ident => $key:ident),+ $(,)? }) => {
        pub fn $name(words: &Strings, value: $ty) -> (&'static str, &'static str) {
            match value {
                $($ty::$variant => (words.$group.$key, words.$about.$key)),+
            }
        }
    };
}

choice_words!(activation, Activation, activation, activation_about {
    Linear => linear, Sigmoid => sigmoid, Tanh => tanh, Relu => relu, LeakyRelu => leaky_relu, Elu => elu,
    Selu => selu, Gelu => gelu, Silu => silu, Softplus => softplus,
});

choice_words!(init, Init, init, init_about {
    Zeros => zeros, Normal => normal, Uniform => uniform, XavierNormal => xavier_normal,
    XavierUniform => xavier_uniform, KaimingNormal => kaiming_normal, KaimingUniform => kaiming_uniform,
    Orthogonal => orthogonal, LecunNormal => lecun_normal,
});

choice_words!(dataset, Dataset, dataset, dataset_about {
    Spiral => spiral, Circle => circle, Xor => xor, Gauss => gauss, Sine => sine, Bars => bars, Digits => digits,
});

choice_words!(model, Model, model, model_about { Rnn => rnn, Lstm => lstm, Gru => gru });

choice_words!(task, Task, task, task_about { Adding => adding, Copy => copy });

choice_words!(optimizer, OptimizerKind, optimizer, optimizer_about {
    Sgd => sgd, Momentum => momentum, Nesterov => nesterov, Adagrad => adagrad, Rmsprop => rmsprop, Adam => adam,
    Adamw => adamw,
});

choice_words!(clip_method, ClipMethod, clip_method, clip_method_about { None => none, Norm => norm, Value => value });

/// The `model` choice: the MLP, or one of the recurrent cells.
pub fn architecture(words: &Strings, value: Architecture) -> (&'static str, &'static str) {
    match value {
        Architecture::Mlp => (words.architecture.mlp, words.architecture.mlp_about),
        Architecture::Recurrent(cell) => model(words, cell),
    }
}

/// The `rinit` choice: PyTorch's default, the identity, or a `torch.nn.init` initializer.
pub fn recurrent_init(words: &Strings, value: RecurrentInit) -> (&'static str, &'static str) {
    match value {
        RecurrentInit::Default => (words.rinit.default, words.rinit.default_about),
        RecurrentInit::Identity => (words.rinit.identity, words.rinit.identity_about),
        RecurrentInit::Like(like) => init(words, like),
    }
}

/// What went non-finite first (`Diagnosis::quantity`).
pub fn quantity(words: &Strings, quantity: Quantity) -> &'static str {
    let said = &words.quantity;
    match quantity {
        Quantity::PreActivation => said.pre_activation,
        Quantity::Activation => said.activation,
        Quantity::Loss => said.loss,
        Quantity::Delta => said.delta,
        Quantity::GradWeight => said.grad_w,
        Quantity::GradBias => said.grad_b,
        Quantity::GradBn => said.grad_bn,
        Quantity::Weight => said.weight,
        Quantity::Bias => said.bias,
        Quantity::Bn => said.bn,
    }
}

/// The diagnosis' sentence (core's `Diagnosis::message`) in `words`' language; `readout` is the
/// readout's layer number.
pub fn diagnosis(words: &Strings, diagnosis: &Diagnosis, readout: usize) -> String {
    let Diagnosis { step, layer, quantity: what, value, .. } = *diagnosis;
    let layer = if layer == readout { tr!(words, training.readout_layer, layer = layer) } else { layer.to_string() };
    let value = match value {
        v if v.is_nan() => "NaN",
        v if v > 0.0 => "∞",
        _ => "−∞",
    };
    let what = quantity(words, what);
    if diagnosis.quantity.is_update() {
        tr!(words, training.diverged_message_update, quantity = what, layer = layer, value = value, step = step)
    } else {
        tr!(words, training.diverged_message, quantity = what, layer = layer, value = value, step = step)
    }
}

/// One piece of divergence advice (core's `Advice::english`) in `words`' language, with the
/// same numbers formatted the same way.
pub fn advice(words: &Strings, advice: &Advice) -> String {
    let said = &words.advice;
    match *advice {
        Advice::InitialWeights => said.initial_weights.to_owned(),
        Advice::LowerLrFromDefault { lr, times, opt, default_lr, try_lr } => {
            tr!(words, advice.lower_lr_from_default, lr = lr, times = format!("{times:.0}"), opt = opt, default_lr = default_lr, try_lr = try_lr)
        }
        Advice::LowerLr { lr, try_lr } => tr!(words, advice.lower_lr, lr = lr, try_lr = try_lr),
        Advice::ClipByNorm => said.clip_by_norm.to_owned(),
        Advice::ClipByNormInstead { clipv } => tr!(words, advice.clip_by_norm_instead, clipv = clipv),
        Advice::ClipNormDidNotHelp { clipv } => tr!(words, advice.clip_norm_did_not_help, clipv = clipv),
        Advice::GradientGrew { factor, steps } => tr!(words, advice.gradient_grew, factor = format!("{factor:.3e}"), steps = steps),
        Advice::SmallerWeights { sigma_w2, act, gain_squared, init } => tr!(
            words,
            advice.smaller_weights,
            sigma_w2 = format!("{sigma_w2:.3}"),
            act = act,
            gain_squared = format!("{gain_squared:.3}"),
            init = init
        ),
        Advice::BatchNorm => said.batch_norm.to_owned(),
        Advice::FewerLayers { depth } => tr!(words, advice.fewer_layers, depth = depth),
    }
}

/// Why the theory does not apply, in `words`' language.
pub fn inapplicable(words: &Strings, cause: Inapplicable) -> &'static str {
    let why = &words.inapplicable;
    match cause {
        Inapplicable::BatchNorm => why.batch_norm,
        Inapplicable::ZeroWeights => why.zero_weights,
        Inapplicable::NotFinite => why.not_finite,
        Inapplicable::FirstLayerNotFinite => why.first_layer_not_finite,
        Inapplicable::NoAnchor => why.no_anchor,
        Inapplicable::ResidualReluLike => why.residual_relu_like,
        Inapplicable::Pretrained => why.pretrained,
    }
}

/// A mean-field phase (`MeanField::phase`: "ordered", "critical", "chaotic"); an unknown one
/// as given.
pub fn phase<'a>(words: &Strings, phase: &'a str) -> &'a str {
    match phase {
        "ordered" => words.phase.ordered,
        "critical" => words.phase.critical,
        "chaotic" => words.phase.chaotic,
        other => other,
    }
}

/// A recurrent gate (`GateTrace::gate`: "input", "forget", "output", "reset", "update"); an
/// unknown one as given.
pub fn gate<'a>(words: &Strings, gate: &'a str) -> &'a str {
    words.gate.get(gate).unwrap_or(gate)
}

/// A link note in `words`' language, from its kind and the key, values it quotes.
pub fn link_note(words: &Strings, note: &LinkNote) -> String {
    let LinkNote { key, given, used, kind, .. } = note;
    let used = used.as_deref().unwrap_or_default();
    match kind {
        NoteKind::Value(problem) => {
            let problem = value_problem(words, problem);
            if given.trim().is_empty() {
                tr!(words, link.value_empty, key = key, problem = problem, used = used)
            } else {
                tr!(words, link.value, key = key, given = given, problem = problem, used = used)
            }
        }
        NoteKind::Repeated { count } => tr!(words, link.repeated, key = key, given = given, count = count),
        NoteKind::NewerVersion => tr!(words, link.newer_version, given = given, used = used),
        NoteKind::NotAVersion => tr!(words, link.not_a_version, given = given, used = used),
        NoteKind::NoKey => words.link.no_key.to_owned(),
        NoteKind::UnknownKey { suggestion: None } => tr!(words, link.unknown_key, key = key),
        NoteKind::UnknownKey { suggestion: Some(near) } => {
            tr!(words, link.unknown_key_suggest, key = key, suggestion = near)
        }
        NoteKind::MoreNotListed { count } => tr!(words, link.more_not_listed, count = count),
        // The reason is core's English (the pretraining checks name no causes yet).
        NoteKind::PretrainRefused { reason } => tr!(words, link.pretrain_refused, reason = reason),
    }
}

fn value_problem(words: &Strings, problem: &ValueProblem) -> String {
    let said = &words.link;
    match problem {
        ValueProblem::NoValue => said.no_value.to_owned(),
        ValueProblem::BelowMinimum { min } => tr!(words, link.below_minimum, min = min),
        ValueProblem::AboveMaximum { max } => tr!(words, link.above_maximum, max = max),
        ValueProblem::NotWhole => said.not_whole.to_owned(),
        ValueProblem::NotANumber => said.not_a_number.to_owned(),
        ValueProblem::NotFinite => said.not_finite.to_owned(),
        ValueProblem::NotOneOf { expected } => tr!(words, link.not_one_of, expected = expected.join(", ")),
        ValueProblem::NotZeroOrOne => said.not_zero_or_one.to_owned(),
        ValueProblem::NotRecurrentActivation { model } => tr!(words, link.not_recurrent_activation, model = model),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use gradscope_core::link;

    #[test]
    fn the_gates_the_probe_traces_are_named_in_both_languages() {
        use gradscope_core::recurrent::GateKind;
        for kind in [GateKind::Input, GateKind::Forget, GateKind::Output, GateKind::Reset, GateKind::Update] {
            assert_eq!(gate(Lang::En.strings(), kind.name()), kind.name(), "English keeps PyTorch's gate names");
            assert!(gate(Lang::ZhCn.strings(), kind.name()).ends_with('门'), "{}", kind.name());
        }
        assert_eq!(gate(Lang::ZhCn.strings(), "peephole"), "peephole", "an unknown gate as given");
    }

    /// Core words its choices and causes in English for the CLI; the English catalog must say
    /// the same on the page.
    #[test]
    fn the_english_catalog_words_core_choices_as_core_does() {
        let en = Lang::En.strings();
        for &act in Activation::ALL {
            assert_eq!(activation(en, act), (act.label(), act.about()), "{act}");
        }
        for &value in Init::ALL {
            assert_eq!(init(en, value), (value.label(), value.about()), "{value}");
        }
        for &data in Dataset::ALL {
            assert_eq!(dataset(en, data), (data.label(), data.about()), "{data}");
        }
        for &cause in Inapplicable::ALL {
            assert_eq!(inapplicable(en, cause), cause.reason(), "{cause:?}");
        }
        for value in Architecture::all() {
            assert_eq!(architecture(en, value), (value.label(), value.about()), "{value}");
        }
        for value in RecurrentInit::all() {
            assert_eq!(recurrent_init(en, value), (value.label(), value.about()), "{value}");
        }
        for &value in Task::ALL {
            assert_eq!(task(en, value), (value.label(), value.about()), "{value}");
        }
        for &value in OptimizerKind::ALL {
            assert_eq!(optimizer(en, value), (value.label(), value.about()), "{value}");
        }
        for &value in ClipMethod::ALL {
            assert_eq!(clip_method(en, value), (value.label(), value.about()), "{value}");
        }
        let zh = Lang::ZhCn.strings();
        assert_eq!(phase(zh, "ordered"), "有序");
        assert_eq!(phase(zh, "new"), "new", "a phase core adds later still shows");
    }

    #[test]
    fn the_divergence_sentence_reads_in_english_exactly_as_core_writes_it() {
        // ReLU with N(0, 1) weights and SGD at lr 10 diverges within a few steps (core's own test).
        let config = link::decode("act=relu&init=normal&std=1&opt=sgd&lr=10&depth=4&width=32").config;
        let mut trainer = gradscope_core::train::Trainer::new(&config).unwrap();
        let diagnosis = trainer.advance(50).diagnosis.expect("diverges");
        let readout = config.depth + 1;
        assert_eq!(self::diagnosis(Lang::En.strings(), &diagnosis, readout), diagnosis.message);
        let chinese = self::diagnosis(Lang::ZhCn.strings(), &diagnosis, readout);
        assert!(chinese.contains(&diagnosis.step.to_string()) && chinese != diagnosis.message, "{chinese}");
        let remedies = diagnosis.remedies(&config);
        let english: Vec<String> = remedies.iter().map(|a| advice(Lang::En.strings(), a)).collect();
        assert_eq!(english, diagnosis.advice, "the page's advice is core's, word for word");
        assert!(remedies.iter().all(|a| advice(Lang::ZhCn.strings(), a) != a.english()));
        let at_readout = Diagnosis { layer: readout, ..diagnosis };
        assert!(self::diagnosis(Lang::En.strings(), &at_readout, readout).contains("(the readout)"));
    }

    #[test]
    fn link_notes_read_in_english_exactly_as_core_writes_them_and_in_chinese_with_the_same_values() {
        let unknown: String = (0..link::MAX_NOTES).map(|i| format!("&k{i}=1")).collect();
        let mangled = format!("?v=7&v=x&depth=0&width=9999&act=rleu&batch=2.5&seed=&lr=nan&bn=maybe&dpeth=3&=1{unknown}");
        let others = ["?v=9", "?pretrain=rbm&act=relu", "?model=rnn&act=gelu"];
        let notes: Vec<_> = std::iter::once(mangled.as_str()).chain(others).flat_map(|l| link::decode(l).notes).collect();
        let kinds: std::collections::HashSet<_> = notes.iter().map(|note| std::mem::discriminant(&note.kind)).collect();
        assert_eq!(kinds.len(), 8, "every kind of note: {notes:#?}");
        assert!(notes.iter().any(|n| matches!(n.kind, NoteKind::Value(ValueProblem::NotRecurrentActivation { .. }))));
        for note in &notes {
            assert_eq!(link_note(Lang::En.strings(), note), note.message, "{note:?}");
            let chinese = link_note(Lang::ZhCn.strings(), note);
            assert_ne!(chinese, note.message);
            assert!(chinese.contains(&note.key), "{chinese} quotes the key {}", note.key);
        }
    }
}
