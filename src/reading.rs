//! The plot in one sentence, computed from the measured numbers, so a first-time visitor
//! knows what they are looking at ("gradient at layer 1 is 3.2e-7 of layer 10's: vanishing").

use gradscope_core::probe::LayerProbe;
use gradscope_core::theory::Theory;
use gradscope_core::ProbeReport;

use crate::format::readable;
use crate::i18n::{inapplicable, phase, Strings};
use crate::tr;

/// Across the whole depth, a change by more than this factor counts as vanishing/exploding.
const VERDICT_FACTOR: f64 = 10.0;

/// The reading in `words`' language; the numbers are written the same way in every language.
pub fn reading(report: &ProbeReport, words: &Strings) -> String {
    // The last entry is the readout; theory and the story are about the hidden stack.
    let hidden = &report.layers[..report.layers.len().saturating_sub(1)];
    [measured(hidden, words), theory(&report.theory, words)].join(words.reading.sentence_gap)
}

fn measured(hidden: &[LayerProbe], words: &Strings) -> String {
    let said = &words.reading;
    let (Some(first), Some(last)) = (hidden.first(), hidden.last()) else {
        return said.no_hidden.to_owned();
    };
    let depth = hidden.len();
    if depth == 1 {
        return said.one_hidden.to_owned();
    }
    if let Some(bad) = hidden.iter().rev().find(|l| !l.delta_rms.is_finite()) {
        return tr!(words, reading.overflow, value = readable(bad.delta_rms), layer = bad.layer);
    }
    if last.delta_rms == 0.0 {
        return tr!(words, reading.zero_at_last, depth = depth);
    }
    if first.delta_rms == 0.0 {
        let zero_up_to = hidden.iter().take_while(|l| l.delta_rms == 0.0).count();
        return tr!(words, reading.vanished_completely, last = zero_up_to);
    }
    let ratio = first.delta_rms / last.delta_rms;
    let verdict = if ratio < 1.0 / VERDICT_FACTOR {
        said.vanishing
    } else if ratio > VERDICT_FACTOR {
        said.exploding
    } else {
        said.stable
    };
    tr!(
        words,
        reading.ratio,
        ratio = readable(ratio),
        depth = depth,
        verdict = verdict,
        factor = readable(per_layer(first.delta_rms, last.delta_rms, depth))
    )
}

/// The constant factor per layer that turns `last` into `first` over `layers` layers.
fn per_layer(first: f64, last: f64, layers: usize) -> f64 {
    libm::pow(first / last, 1.0 / (layers - 1) as f64)
}

fn theory(theory: &Theory, words: &Strings) -> String {
    match theory {
        Theory::Applies(mf) => {
            let profile = &mf.predicted_delta_rms;
            // Read the factor off the predicted profile, as the measured one is read off the
            // measurements (it includes the transient before q* is reached); with one layer
            // there is no profile, and E[δ²] shrinks by χ₁ per layer, so the RMS by √χ₁.
            let factor = match (profile.first(), profile.last()) {
                (Some(&first), Some(&last)) if profile.len() > 1 && last != 0.0 => {
                    per_layer(first, last, profile.len())
                }
                _ => mf.chi1.sqrt(),
            };
            let caveat = if mf.approximate { words.reading.residual_caveat } else { "" };
            tr!(
                words,
                reading.predicts,
                factor = readable(factor),
                chi1 = readable(mf.chi1),
                phase = phase(words, &mf.phase),
                caveat = caveat
            )
        }
        Theory::NotApplicable { cause, .. } => tr!(words, reading.not_applicable, reason = inapplicable(words, *cause)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use gradscope_core::theory::{Inapplicable, MeanField};

    /// The reading in English (the language of most assertions here).
    fn english(report: &ProbeReport) -> String {
        reading(report, Lang::En.strings())
    }

    fn layer(layer: usize, delta_rms: f64) -> LayerProbe {
        LayerProbe {
            layer,
            fan_in: 8,
            fan_out: 8,
            delta_rms,
            grad_w_norm: delta_rms,
            grad_b_norm: delta_rms,
            weight_norm: 1.0,
            act_mean: 0.0,
            act_std: 1.0,
            saturated: 0.0,
            dead: 0.0,
            local_gain: 1.0,
            delta_zero: delta_rms == 0.0,
            grad_w_zero: delta_rms == 0.0,
            nonfinite: !delta_rms.is_finite(),
        }
    }

    /// A report whose hidden δ RMS values are `deltas` (layer 1 first), plus a readout.
    fn report(deltas: &[f64], theory: Theory) -> ProbeReport {
        let mut layers: Vec<_> = deltas.iter().enumerate().map(|(i, &d)| layer(i + 1, d)).collect();
        layers.push(layer(deltas.len() + 1, 123.0));
        ProbeReport { loss: 0.69, layers, theory, pre_activations: vec![] }
    }

    /// An ordered-phase theory whose predicted profile is `profile` (layer 1 first).
    fn ordered(chi1: f64, profile: &[f64]) -> MeanField {
        MeanField {
            sigma_w2: 0.64,
            sigma_b2: 0.0,
            q_star: 0.1,
            chi1,
            depth_scale: -1.0 / chi1.ln(),
            phase: "ordered".into(),
            predicted_delta_rms: profile.to_vec(),
            approximate: false,
        }
    }

    #[test]
    fn vanishing_compares_layer_one_with_the_last_hidden_layer() {
        // Measured: 1e-4 over three steps, ×0.0464 per layer. Predicted: 8e-3 over three, ×0.2.
        let vanishing = report(&[1e-6, 1e-4, 1e-3, 1e-2], Theory::Applies(ordered(0.04, &[8e-5, 4e-4, 2e-3, 1e-2])));
        assert_eq!(
            english(&vanishing),
            "Gradient at layer 1 is 1.00e-4 of layer 4's (the last hidden layer): vanishing, ×0.0464 per layer. \
             Mean-field theory predicts ×0.200 per layer (χ₁ = 0.0400, ordered phase)."
        );
        assert_eq!(
            reading(&vanishing, Lang::ZhCn.strings()),
            "第 1 层的梯度是第 4 层（最后一个隐藏层）的 1.00e-4 倍：梯度消失，每层 ×0.0464。\
             平均场理论预测每层 ×0.200（χ₁ = 0.0400，有序相）。",
            "the same numbers, in Chinese word order and punctuation"
        );
    }

    #[test]
    fn without_a_profile_theory_falls_back_to_the_square_root_of_chi1() {
        let text = english(&report(&[1e-3], Theory::Applies(ordered(0.25, &[1e-3]))));
        assert!(text.ends_with("Mean-field theory predicts ×0.500 per layer (χ₁ = 0.250, ordered phase)."), "{text}");
        let residual = MeanField { approximate: true, ..ordered(0.25, &[]) };
        let text = english(&report(&[1e-3, 1e-3], Theory::Applies(residual)));
        assert!(text.ends_with("ordered phase; approximate for residual blocks)."), "{text}");
    }

    #[test]
    fn the_verdict_follows_the_ratio() {
        let na = || Theory::not_applicable(Inapplicable::BatchNorm);
        let exploding = english(&report(&[50.0, 1.0], na()));
        assert!(exploding.starts_with("Gradient at layer 1 is 50.0 of layer 2's (the last hidden layer): exploding"));
        assert!(exploding.ends_with(&format!("Mean-field theory does not apply here: {}", Inapplicable::BatchNorm.reason())));
        let chinese = reading(&report(&[50.0, 1.0], na()), Lang::ZhCn.strings());
        assert!(chinese.contains("梯度爆炸") && chinese.contains("批量归一化"), "{chinese}");
        let stable = english(&report(&[0.5, 0.7, 1.0], na()));
        assert!(stable.contains(": stable, ×0.707 per layer."), "{stable}");
    }

    #[test]
    fn zeros_and_overflow_get_their_own_words() {
        let na = || Theory::not_applicable(Inapplicable::NoAnchor);
        let underflow = english(&report(&[0.0, 0.0, 1e-30, 1.0], na()));
        assert!(underflow.starts_with("The gradient vanished completely: it is exactly zero in f32 at layers 1 to 2"));
        let nothing = english(&report(&[0.0, 0.0], na()));
        assert!(nothing.starts_with("The gradient is exactly zero already at layer 2"));
        let overflow = english(&report(&[f64::NAN, f64::INFINITY, 1.0], na()));
        assert!(overflow.starts_with("The gradient overflowed to ∞ at layer 2: exploding."), "{overflow}");
        let shallow = english(&report(&[0.3], na()));
        assert!(shallow.starts_with("With one hidden layer"));
    }
}
