//! The typed messages between the page and the probe worker, shared by both binaries.
//!
//! Messages travel as JSON strings (serde_json, `float_roundtrip`) rather than as JS objects via
//! serde-wasm-bindgen: the latter turns every integral number into an integer on the way back,
//! which loses the sign of −0.0, and the table must show exactly what `gradscope probe` prints.
//! JSON is also the CLI's format, so both paths share `serde_float`'s NaN/±∞ encoding.

use gradscope_core::{ExperimentConfig, ProbeReport};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Bumped whenever `Request` or `Response` change shape. A page and a worker from different
/// builds (e.g. one of them cached) must refuse each other loudly instead of misreading.
pub const PROTOCOL: u32 = 1;

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
    /// Sent by the panic hook just before the worker's wasm aborts; it is unusable afterwards.
    Panic { message: String },
    /// The request could not be served (unreadable message, protocol mismatch).
    Error { generation: u64, message: String },
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
    use gradscope_core::theory::{MeanField, Theory};

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
        let requests = [
            Request { protocol: PROTOCOL, generation: 1, kind: RequestKind::Probe(ExperimentConfig::default()) },
            Request { protocol: PROTOCOL, generation: u64::MAX, kind: RequestKind::Crash },
        ];
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
        let theory = Theory::NotApplicable { reason: "batch norm".into() };
        let report = ProbeReport { loss: 0.5, layers: vec![], theory };
        let sent = Response::Probe { generation: 1, report };
        assert_eq!(decode::<Response>(&encode(&sent)), Ok(sent));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let err = decode::<Request>("{\"protocol\":1}").unwrap_err();
        assert!(err.starts_with("unreadable message"), "{err}");
        assert!(decode::<Response>("not json").is_err());
    }
}
