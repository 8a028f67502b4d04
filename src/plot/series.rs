//! What the depth plot shows, built from probe reports: one `Series` per line, so a second
//! report (e.g. "at init" beside "now") is just more series.

use gradscope_core::probe::ProbeReport;
use gradscope_core::theory::Theory;

use super::scale::Placement;
use crate::i18n::{inapplicable, Strings};
use crate::tr;

/// What a series measures; decides its colour, marker and dash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    /// RMS of ∂L/∂h, the backpropagated signal.
    DeltaRms,
    /// Frobenius norm of ∂L/∂W, the weight gradient.
    GradWNorm,
    /// Mean-field prediction of ∂L/∂h RMS.
    TheoryDeltaRms,
}

impl Quantity {
    pub fn label(self, words: &Strings) -> &'static str {
        match self {
            Quantity::DeltaRms => words.plot.delta_rms,
            Quantity::GradWNorm => words.plot.grad_w_norm,
            Quantity::TheoryDeltaRms => words.plot.theory,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub quantity: Quantity,
    pub label: String,
    /// Drawn lighter and with hollow markers: a reference behind the main series.
    pub faded: bool,
    /// `(layer, value)` in layer order; values as measured (0, NaN and ±∞ included).
    pub points: Vec<(usize, f64)>,
}

impl Series {
    pub fn placements(&self) -> impl Iterator<Item = (usize, Placement)> + '_ {
        self.points
            .iter()
            .map(|&(layer, value)| (layer, Placement::of(value)))
    }
}

/// Everything the depth plot draws.
#[derive(Clone, Debug, PartialEq)]
pub struct DepthPlot {
    pub series: Vec<Series>,
    /// The last layer, the readout (depth + 1), labelled "out" on the x axis.
    pub readout: usize,
    /// Shown under the legend when there is no theory line, saying why.
    pub note: Option<String>,
}

impl DepthPlot {
    /// Both measured series of `report` and, when the theory applies, its prediction; labels
    /// and the note in `words`' language.
    pub fn from_report(report: &ProbeReport, words: &Strings) -> Self {
        let mut plot = Self {
            series: measured_series(report, None, words),
            readout: 0,
            note: None,
        };
        match &report.theory {
            Theory::Applies(mean_field) => plot.series.push(Series {
                quantity: Quantity::TheoryDeltaRms,
                label: Quantity::TheoryDeltaRms.label(words).to_owned(),
                faded: false,
                // The prediction covers the hidden layers 1..=depth, in order.
                points: (1..)
                    .zip(mean_field.predicted_delta_rms.iter().copied())
                    .collect(),
            }),
            Theory::NotApplicable { cause, .. } => {
                plot.note = Some(tr!(words, plot.no_theory, reason = inapplicable(words, *cause)))
            }
        }
        plot.readout = plot.last_layer();
        plot
    }

    /// Adds the measured series of another report, faded, with `tag` in their legend labels
    /// (e.g. "at init" behind the current numbers), in `words`' language like the tag.
    pub fn with_reference(mut self, report: &ProbeReport, tag: &str, words: &Strings) -> Self {
        self.series.extend(measured_series(report, Some(tag), words));
        self.readout = self.last_layer();
        self
    }

    /// Every value drawn, for fitting the y range.
    pub fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.series
            .iter()
            .flat_map(|series| series.points.iter().map(|&(_, value)| value))
    }

    /// Whether any measured point (the theory line aside) is placed as `wanted` says.
    pub fn has_measured(&self, wanted: impl Fn(Placement) -> bool) -> bool {
        self.series
            .iter()
            .filter(|series| series.quantity != Quantity::TheoryDeltaRms)
            .any(|series| series.placements().any(|(_, p)| wanted(p)))
    }

    fn last_layer(&self) -> usize {
        let layers = self
            .series
            .iter()
            .flat_map(|series| series.points.iter().map(|&(l, _)| l));
        layers.max().unwrap_or(0)
    }
}

fn measured_series(report: &ProbeReport, tag: Option<&str>, words: &Strings) -> Vec<Series> {
    let measure =
        |quantity: Quantity, value: fn(&gradscope_core::probe::LayerProbe) -> f64| Series {
            quantity,
            label: match tag {
                Some(tag) => tr!(words, plot.tagged, series = quantity.label(words), tag = tag),
                None => quantity.label(words).to_owned(),
            },
            faded: tag.is_some(),
            points: report
                .layers
                .iter()
                .map(|layer| (layer.layer, value(layer)))
                .collect(),
        };
    vec![
        measure(Quantity::DeltaRms, |layer| layer.delta_rms),
        measure(Quantity::GradWNorm, |layer| layer.grad_w_norm),
    ]
}
