//! Activation functions as PyTorch defines them (`torch.nn.functional`), each a pair `f`/`df`.
//!
//! Generic over [`Float`] so the network (f32) and the mean-field quadrature (f64) evaluate the
//! very same definitions. All transcendental math goes through `libm`, never std, so native and
//! wasm builds give bit-identical results.

use core::ops::{Add, Div, Mul, Neg, Sub};

pub use crate::config::Activation;

/// SELU's α and scale (Klambauer et al. 2017), as in PyTorch.
pub const SELU_ALPHA: f64 = 1.673_263_242_354_377_284_817_042_991_671_7;
pub const SELU_SCALE: f64 = 1.050_700_987_355_480_493_419_334_985_294_6;
/// PyTorch's `softplus` default: linear above this input (beta = 1).
pub const SOFTPLUS_THRESHOLD: f64 = 20.0;

/// The float operations the activations need, backed by `libm` for both widths.
pub trait Float:
    Copy
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// Converts a constant (rounded to nearest).
    fn lit(value: f64) -> Self;
    fn exp(self) -> Self;
    fn exp_m1(self) -> Self;
    fn ln_1p(self) -> Self;
    fn tanh(self) -> Self;
    fn erf(self) -> Self;
}

impl Float for f32 {
    fn lit(value: f64) -> Self {
        value as f32
    }
    fn exp(self) -> Self {
        libm::expf(self)
    }
    fn exp_m1(self) -> Self {
        libm::expm1f(self)
    }
    fn ln_1p(self) -> Self {
        libm::log1pf(self)
    }
    fn tanh(self) -> Self {
        libm::tanhf(self)
    }
    fn erf(self) -> Self {
        libm::erff(self)
    }
}

impl Float for f64 {
    fn lit(value: f64) -> Self {
        value
    }
    fn exp(self) -> Self {
        libm::exp(self)
    }
    fn exp_m1(self) -> Self {
        libm::expm1(self)
    }
    fn ln_1p(self) -> Self {
        libm::log1p(self)
    }
    fn tanh(self) -> Self {
        libm::tanh(self)
    }
    fn erf(self) -> Self {
        libm::erf(self)
    }
}

/// Logistic sigmoid that never evaluates `exp` of a large positive number (no ∞/∞).
pub fn sigmoid<T: Float>(x: T) -> T {
    let one = T::lit(1.0);
    if x >= T::lit(0.0) {
        one / (one + (-x).exp())
    } else {
        let e = x.exp();
        e / (one + e)
    }
}

impl Activation {
    /// φ(x). `slope` is leaky_relu's negative slope; the other activations ignore it.
    pub fn f<T: Float>(self, x: T, slope: T) -> T {
        let zero = T::lit(0.0);
        match self {
            Activation::Linear => x,
            Activation::Sigmoid => sigmoid(x),
            Activation::Tanh => x.tanh(),
            // Written so NaN falls through to `x`: PyTorch's relu propagates NaN too.
            Activation::Relu => {
                if x <= zero {
                    zero
                } else {
                    x
                }
            }
            Activation::LeakyRelu => {
                if x > zero {
                    x
                } else {
                    slope * x
                }
            }
            // alpha = 1
            Activation::Elu => {
                if x > zero {
                    x
                } else {
                    x.exp_m1()
                }
            }
            Activation::Selu => {
                let scale = T::lit(SELU_SCALE);
                if x > zero {
                    scale * x
                } else {
                    scale * (T::lit(SELU_ALPHA) * x.exp_m1())
                }
            }
            // Exact (erf) form, PyTorch's default approximate='none'.
            Activation::Gelu => T::lit(0.5) * x * (T::lit(1.0) + (x * T::lit(core::f64::consts::FRAC_1_SQRT_2)).erf()),
            Activation::Silu => x * sigmoid(x),
            Activation::Softplus => {
                if x > T::lit(SOFTPLUS_THRESHOLD) {
                    x
                } else {
                    x.exp().ln_1p()
                }
            }
        }
    }

    /// φ′(x), with PyTorch's choices at kinks (relu′(0) = 0, leaky_relu′(0) = slope, elu′(0) = 1).
    pub fn df<T: Float>(self, x: T, slope: T) -> T {
        let zero = T::lit(0.0);
        let one = T::lit(1.0);
        match self {
            Activation::Linear => one,
            Activation::Sigmoid => {
                let s = sigmoid(x);
                s * (one - s)
            }
            Activation::Tanh => {
                let t = x.tanh();
                one - t * t
            }
            Activation::Relu => step(x, one, zero),
            Activation::LeakyRelu => step(x, one, slope),
            Activation::Elu => {
                if x > zero {
                    one
                } else {
                    x.exp()
                }
            }
            Activation::Selu => {
                let scale = T::lit(SELU_SCALE);
                if x > zero {
                    scale
                } else {
                    scale * (T::lit(SELU_ALPHA) * x.exp())
                }
            }
            Activation::Gelu => {
                let cdf = T::lit(0.5) * (one + (x * T::lit(core::f64::consts::FRAC_1_SQRT_2)).erf());
                // 1/√(2π), written as PyTorch's kBeta.
                let inv_sqrt_2pi = core::f64::consts::FRAC_2_SQRT_PI * core::f64::consts::FRAC_1_SQRT_2 * 0.5;
                let pdf = (T::lit(-0.5) * x * x).exp() * T::lit(inv_sqrt_2pi);
                cdf + x * pdf
            }
            Activation::Silu => {
                let s = sigmoid(x);
                s * (one + x * (one - s))
            }
            // PyTorch's softplus_backward: z/(z+1) with z = eᵡ, 1 above the threshold.
            Activation::Softplus => {
                if x > T::lit(SOFTPLUS_THRESHOLD) {
                    one
                } else {
                    let z = x.exp();
                    z / (z + one)
                }
            }
        }
    }

    /// φ′ expressed through the output y = φ(x), for the activations where that is cheaper
    /// (no transcendental call). Bit-identical to `df(x)` whenever `y == f(x)`; `None` for
    /// the others.
    pub fn df_from_output<T: Float>(self, y: T) -> Option<T> {
        let one = T::lit(1.0);
        match self {
            Activation::Linear => Some(one),
            Activation::Sigmoid => Some(y * (one - y)),
            Activation::Tanh => Some(one - y * y),
            Activation::Relu => Some(step(y, one, T::lit(0.0))),
            _ => None,
        }
    }
}

/// `if_positive` for x > 0, else `otherwise` (NaN takes `otherwise`).
fn step<T: Float>(x: T, if_positive: T, otherwise: T) -> T {
    if x > T::lit(0.0) {
        if_positive
    } else {
        otherwise
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SLOPE: f64 = 0.01;

    fn close(got: f64, want: f64, rel: f64) -> bool {
        (got - want).abs() <= rel * want.abs().max(1e-300)
    }

    /// (activation, x, φ(x), φ′(x)); reference values computed independently in Python with the
    /// `math` module from the textbook formulas, e.g. gelu `0.5*x*(1+math.erf(x/math.sqrt(2)))`,
    /// gelu′ `0.5*(1+math.erf(x/math.sqrt(2)))+x*math.exp(-x*x/2)/math.sqrt(2*math.pi)`,
    /// softplus `math.log1p(math.exp(x))`, softplus′ = sigmoid `1/(1+math.exp(-x))`,
    /// selu `S*A*math.expm1(x)` with PyTorch's α and scale.
    const CASES: &[(Activation, f64, f64, f64)] = &[
        (Activation::Linear, -1.5, -1.5, 1.0),
        (Activation::Sigmoid, 0.5, 0.6224593312018546, 0.2350037122015945),
        (Activation::Sigmoid, -3.0, 0.04742587317756678, 0.04517665973091214),
        (Activation::Tanh, 0.5, 0.46211715726000974, 0.7864477329659274),
        (Activation::Tanh, -2.0, -0.9640275800758169, 0.07065082485316443),
        (Activation::Relu, 0.7, 0.7, 1.0),
        (Activation::Relu, -0.7, 0.0, 0.0),
        (Activation::LeakyRelu, 0.7, 0.7, 1.0),
        (Activation::LeakyRelu, -0.7, -0.006999999999999999, 0.01),
        (Activation::Elu, 0.7, 0.7, 1.0),
        (Activation::Elu, -0.7, -0.5034146962085905, 0.4965853037914095),
        (Activation::Selu, 0.7, 0.7354906911488363, 1.0507009873554805),
        (Activation::Selu, -0.7, -0.8850530455772052, 0.8730462952701714),
        (Activation::Gelu, 0.5, 0.34573123063700656, 0.8674951246561629),
        (Activation::Gelu, -1.5, -0.10021080190328713, -0.12746919222997954),
        (Activation::Silu, 0.5, 0.3112296656009273, 0.7399611873026519),
        (Activation::Silu, -2.0, -0.2384058440442351, -0.09078424878489547),
        (Activation::Softplus, 0.5, 0.9740769841801067, 0.6224593312018546),
        (Activation::Softplus, -3.0, 0.04858735157374206, 0.04742587317756678),
        (Activation::Softplus, 25.0, 25.0, 1.0),
    ];

    /// Compares `eval` in f64 (to `rel64`) and f32 (to `rel32`) with the reference `want(case)`.
    fn assert_matches_reference(name: &str, eval64: fn(Activation, f64) -> f64, eval32: fn(Activation, f32) -> f32, want: fn(&(Activation, f64, f64, f64)) -> f64, rel64: f64, rel32: f64) {
        for case in CASES {
            let (act, x, expected) = (case.0, case.1, want(case));
            let got64 = eval64(act, x);
            assert!(close(got64, expected, rel64), "{act:?} f64 {name}({x}) = {got64}, want {expected}");
            let got32 = f64::from(eval32(act, x as f32));
            assert!(close(got32, expected, rel32), "{act:?} f32 {name}({x}) = {got32}, want {expected}");
        }
    }

    #[test]
    fn forward_matches_reference_values() {
        assert_matches_reference("f", |a, x| a.f(x, SLOPE), |a, x| a.f(x, SLOPE as f32), |c| c.2, 1e-14, 1e-6);
    }

    #[test]
    fn gradient_matches_reference_values() {
        assert_matches_reference("df", |a, x| a.df(x, SLOPE), |a, x| a.df(x, SLOPE as f32), |c| c.3, 1e-13, 2e-6);
    }

    #[test]
    fn every_activation_has_reference_values() {
        for &act in Activation::ALL {
            assert!(CASES.iter().any(|c| c.0 == act), "{act:?} has no literal test");
        }
    }

    #[test]
    fn derivative_matches_central_differences() {
        // Central difference error is O(h²·φ‴) ≈ 1e-10 with h = 1e-5, rounding O(ε/h) ≈ 1e-11.
        // Points avoid the kinks of relu/leaky_relu/elu/selu at 0 and softplus's switch at 20.
        let h = 1e-5;
        for &act in Activation::ALL {
            for i in 0..=160 {
                let x = -8.0 + 0.1 * i as f64 + 0.0123;
                let numeric = (act.f(x + h, SLOPE) - act.f(x - h, SLOPE)) / (2.0 * h);
                let analytic = act.df(x, SLOPE);
                assert!((numeric - analytic).abs() < 1e-8, "{act:?} at {x}: fd {numeric} vs df {analytic}");
            }
        }
    }

    #[test]
    fn derivative_from_output_is_bit_identical_to_df() {
        for &act in Activation::ALL {
            for i in 0..=400 {
                let x = -20.0f32 + 0.1 * i as f32;
                if let Some(d) = act.df_from_output(act.f(x, 0.01)) {
                    assert_eq!(d.to_bits(), act.df(x, 0.01).to_bits(), "{act:?} at {x}");
                }
            }
        }
    }

    #[test]
    fn extreme_inputs_stay_finite_and_nan_propagates() {
        for &act in Activation::ALL {
            for x in [-1e30f32, -200.0, 200.0, 1e30] {
                assert!(act.f(x, 0.01).is_finite(), "{act:?} f({x})");
                assert!(act.df(x, 0.01).is_finite(), "{act:?} df({x})");
            }
            assert!(act.f(f32::NAN, 0.01).is_nan(), "{act:?} f(NaN)");
        }
        assert_eq!(sigmoid(-1e4f64), 0.0);
        assert_eq!(sigmoid(1e4f64), 1.0);
    }
}
