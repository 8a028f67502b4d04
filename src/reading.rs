//! The plot in one sentence, computed from the measured numbers, so a first-time visitor
//! knows what they are looking at ("gradient at layer 1 is 3.2e-7 of layer 10's: vanishing").

use gradscope_core::probe::LayerProbe;
use gradscope_core::theory::Theory;
use gradscope_core::ProbeReport;

use crate::format::readable;

/// Across the whole depth, a change by more than this factor counts as vanishing/exploding.
const VERDICT_FACTOR: f64 = 10.0;

pub fn reading(report: &ProbeReport) -> String {
    // The last entry is the readout; theory and the story are about the hidden stack.
    let hidden = &report.layers[..report.layers.len().saturating_sub(1)];
    format!("{} {}", measured(hidden), theory(&report.theory))
}

fn measured(hidden: &[LayerProbe]) -> String {
    let (Some(first), Some(last)) = (hidden.first(), hidden.last()) else {
        return "There are no hidden layers to compare.".to_owned();
    };
    let depth = hidden.len();
    if depth == 1 {
        return "With one hidden layer there is no depth to vanish over: add layers.".to_owned();
    }
    if let Some(bad) = hidden.iter().rev().find(|l| !l.delta_rms.is_finite()) {
        return format!("The gradient overflowed to {} at layer {}: exploding.", readable(bad.delta_rms), bad.layer);
    }
    if last.delta_rms == 0.0 {
        return format!(
            "The gradient is exactly zero already at layer {depth}, the last hidden layer: nothing flows back."
        );
    }
    if first.delta_rms == 0.0 {
        let zero_up_to = hidden.iter().take_while(|l| l.delta_rms == 0.0).count();
        return format!(
            "The gradient vanished completely: it is exactly zero in f32 at layers 1 to {zero_up_to} \
             (underflow or dead units)."
        );
    }
    let ratio = first.delta_rms / last.delta_rms;
    let verdict = if ratio < 1.0 / VERDICT_FACTOR {
        "vanishing"
    } else if ratio > VERDICT_FACTOR {
        "exploding"
    } else {
        "stable"
    };
    format!(
        "Gradient at layer 1 is {} of layer {depth}'s (the last hidden layer): {verdict}, ×{} per layer.",
        readable(ratio),
        readable(per_layer(first.delta_rms, last.delta_rms, depth))
    )
}

/// The constant factor per layer that turns `last` into `first` over `layers` layers.
fn per_layer(first: f64, last: f64, layers: usize) -> f64 {
    libm::pow(first / last, 1.0 / (layers - 1) as f64)
}

fn theory(theory: &Theory) -> String {
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
            let caveat = if mf.approximate { "; approximate for residual blocks" } else { "" };
            format!(
                "Mean-field theory predicts ×{} per layer (χ₁ = {}, {} phase{caveat}).",
                readable(factor),
                readable(mf.chi1),
                mf.phase
            )
        }
        Theory::NotApplicable { reason } => format!("Mean-field theory does not apply here: {reason}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradscope_core::theory::MeanField;

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
        ProbeReport { loss: 0.69, layers, theory }
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
        let text = reading(&report(&[1e-6, 1e-4, 1e-3, 1e-2], Theory::Applies(ordered(0.04, &[8e-5, 4e-4, 2e-3, 1e-2]))));
        assert_eq!(
            text,
            "Gradient at layer 1 is 1.00e-4 of layer 4's (the last hidden layer): vanishing, ×0.0464 per layer. \
             Mean-field theory predicts ×0.200 per layer (χ₁ = 0.0400, ordered phase)."
        );
    }

    #[test]
    fn without_a_profile_theory_falls_back_to_the_square_root_of_chi1() {
        let text = reading(&report(&[1e-3], Theory::Applies(ordered(0.25, &[1e-3]))));
        assert!(text.ends_with("Mean-field theory predicts ×0.500 per layer (χ₁ = 0.250, ordered phase)."), "{text}");
        let residual = MeanField { approximate: true, ..ordered(0.25, &[]) };
        let text = reading(&report(&[1e-3, 1e-3], Theory::Applies(residual)));
        assert!(text.ends_with("ordered phase; approximate for residual blocks)."), "{text}");
    }

    #[test]
    fn the_verdict_follows_the_ratio() {
        let na = || Theory::NotApplicable { reason: "batch norm changes the statistics.".into() };
        let exploding = reading(&report(&[50.0, 1.0], na()));
        assert!(exploding.starts_with("Gradient at layer 1 is 50.0 of layer 2's (the last hidden layer): exploding"));
        assert!(exploding.ends_with("Mean-field theory does not apply here: batch norm changes the statistics."));
        let stable = reading(&report(&[0.5, 0.7, 1.0], na()));
        assert!(stable.contains(": stable, ×0.707 per layer."), "{stable}");
    }

    #[test]
    fn zeros_and_overflow_get_their_own_words() {
        let na = || Theory::NotApplicable { reason: "-".into() };
        let underflow = reading(&report(&[0.0, 0.0, 1e-30, 1.0], na()));
        assert!(underflow.starts_with("The gradient vanished completely: it is exactly zero in f32 at layers 1 to 2"));
        let nothing = reading(&report(&[0.0, 0.0], na()));
        assert!(nothing.starts_with("The gradient is exactly zero already at layer 2"));
        let overflow = reading(&report(&[f64::NAN, f64::INFINITY, 1.0], na()));
        assert!(overflow.starts_with("The gradient overflowed to ∞ at layer 2: exploding."), "{overflow}");
        let shallow = reading(&report(&[0.3], na()));
        assert!(shallow.starts_with("With one hidden layer"));
    }
}
