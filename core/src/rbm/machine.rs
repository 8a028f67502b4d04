//! A Bernoulli–Bernoulli restricted Boltzmann machine: binary visible units v, binary hidden
//! units h, energy E(v, h) = −bᵀv − cᵀh − hᵀWv, p(v, h) ∝ e^−E.
//!
//! W is stored [n_hidden, n_visible] row-major, exactly as the MLP layer it will initialize
//! (PyTorch's `nn.Linear`: [fan_out, fan_in]); the hidden bias c becomes that layer's bias.
//! The conditionals factorize: p(h_j = 1 | v) = σ(c_j + W_j·v), p(v_i = 1 | h) = σ(b_i + Wᵀ_i·h).
//!
//! Batches are row-major [batch, units]. Products go through [`crate::linalg::gemm`] in f32
//! and σ is the MLP's own [`sigmoid`], so a pretrained MLP layer computes bit for bit the
//! RBM's hidden probabilities; sums over a batch (metrics, statistics) are f64.

use crate::activation::sigmoid;
use crate::linalg::{gemm, Op, Write};
use crate::rng::Rng;

/// Initial weights ~ N(0, 0.01²) (the practical guide, §8): small enough that the first
/// reconstructions are near the data's marginals, large enough to break the hidden units' symmetry.
pub const INIT_WEIGHT_STD: f64 = 0.01;

/// The visible bias starts at log(p/(1−p)) of the data's marginal p (the guide, §8), with p
/// clamped to [P_CLAMP, 1 − P_CLAMP] so a pixel that is never on gets a finite bias (≈ −6.9).
pub const P_CLAMP: f64 = 1e-3;

/// Where Gibbs sampling draws its uniforms in [0, 1). The training code takes any source, so a
/// test can feed chosen numbers and compute the expected update from the same draws.
pub trait Uniforms {
    fn uniform(&mut self) -> f64;
}

impl Uniforms for Rng {
    fn uniform(&mut self) -> f64 {
        Rng::uniform(self)
    }
}

/// Bernoulli states for `probs`: 1 where the next uniform is below p, else 0; one draw per
/// entry in row-major order (the order is part of what a seed reproduces).
pub fn sample_bernoulli(probs: &[f32], states: &mut Vec<f32>, uniforms: &mut impl Uniforms) {
    states.clear();
    states.extend(probs.iter().map(|&p| if uniforms.uniform() < f64::from(p) { 1.0 } else { 0.0 }));
}

/// ln(1 + eˣ) without overflow for large x or loss of precision for very negative x.
pub fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + libm::log1p(libm::exp(-x))
    } else {
        libm::log1p(libm::exp(x))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rbm {
    pub n_visible: usize,
    pub n_hidden: usize,
    /// W, [n_hidden, n_visible] row-major.
    pub weight: Vec<f32>,
    /// b, one per visible unit.
    pub visible_bias: Vec<f32>,
    /// c, one per hidden unit.
    pub hidden_bias: Vec<f32>,
}

impl Rbm {
    /// W ~ N(0, INIT_WEIGHT_STD²) drawn row by row from `rng`; both biases 0.
    pub fn new(n_visible: usize, n_hidden: usize, rng: &mut Rng) -> Self {
        let weight = (0..n_hidden * n_visible).map(|_| (INIT_WEIGHT_STD * rng.normal()) as f32).collect();
        Rbm { n_visible, n_hidden, weight, visible_bias: vec![0.0; n_visible], hidden_bias: vec![0.0; n_hidden] }
    }

    /// Sets b_i = log(p_i/(1−p_i)), p_i the mean of visible unit i over `data` ([n, n_visible]).
    pub fn set_visible_bias_from_data(&mut self, data: &[f32]) {
        let rows = (data.len() / self.n_visible).max(1) as f64;
        for (bias, sum) in self.visible_bias.iter_mut().zip(column_sums(data, self.n_visible)) {
            let p = (sum / rows).clamp(P_CLAMP, 1.0 - P_CLAMP);
            *bias = libm::log(p / (1.0 - p)) as f32;
        }
    }

    /// p(h = 1 | v) for each row of `visible` ([batch, n_visible]) into `probs` ([batch, n_hidden]).
    pub fn hidden_probs(&self, visible: &[f32], probs: &mut Vec<f32>) {
        conditional(visible, self.n_visible, &self.weight, Op::T, &self.hidden_bias, probs);
    }

    /// p(v = 1 | h) for each row of `hidden` ([batch, n_hidden]) into `probs` ([batch, n_visible]).
    pub fn visible_probs(&self, hidden: &[f32], probs: &mut Vec<f32>) {
        conditional(hidden, self.n_hidden, &self.weight, Op::N, &self.visible_bias, probs);
    }

    /// Free energy F(v) = −log Σ_h e^−E(v,h) = −bᵀv − Σ_j softplus(c_j + W_j·v) of each row.
    /// Valid for real v too (the sum runs over binary h only), as the upper layers' inputs are.
    pub fn free_energies(&self, visible: &[f32]) -> Vec<f64> {
        let mut pre = Vec::new();
        self.hidden_pre_activations(visible, &mut pre);
        visible
            .chunks_exact(self.n_visible)
            .zip(pre.chunks_exact(self.n_hidden))
            .map(|(v, x)| {
                let visible_term: f64 = v.iter().zip(&self.visible_bias).map(|(&vi, &bi)| f64::from(vi) * f64::from(bi)).sum();
                let hidden_term: f64 = x.iter().map(|&xj| softplus(f64::from(xj))).sum();
                -visible_term - hidden_term
            })
            .collect()
    }

    /// Mean free energy over the rows of `visible`.
    pub fn mean_free_energy(&self, visible: &[f32]) -> f64 {
        mean(&self.free_energies(visible))
    }

    /// Mean over rows and units of (v − v̂)², v̂ = p(v | p(h | v)): the one-step mean-field
    /// reconstruction (probabilities, no sampling), the guide's §5 monitoring quantity.
    pub fn reconstruction_error(&self, visible: &[f32]) -> f64 {
        let (mut hidden, mut recon) = (Vec::new(), Vec::new());
        self.hidden_probs(visible, &mut hidden);
        self.visible_probs(&hidden, &mut recon);
        let squares: Vec<f64> = visible.iter().zip(&recon).map(|(&v, &r)| (f64::from(v) - f64::from(r)).powi(2)).collect();
        mean(&squares)
    }

    /// c + W·v for each row, [batch, n_hidden].
    fn hidden_pre_activations(&self, visible: &[f32], pre: &mut Vec<f32>) {
        affine(visible, self.n_visible, &self.weight, Op::T, &self.hidden_bias, pre);
    }
}

/// out = bias + input·op(W), one row per input row; op(W) is [n_in, bias.len()].
fn affine(input: &[f32], n_in: usize, weight: &[f32], op: Op, bias: &[f32], out: &mut Vec<f32>) {
    let batch = input.len() / n_in;
    out.clear();
    for _ in 0..batch {
        out.extend_from_slice(bias);
    }
    gemm(batch, n_in, bias.len(), input, Op::N, weight, op, out, Write::Accumulate);
}

/// σ(affine): the same bias-then-accumulate order and σ as the MLP's forward pass.
fn conditional(input: &[f32], n_in: usize, weight: &[f32], op: Op, bias: &[f32], probs: &mut Vec<f32>) {
    affine(input, n_in, weight, op, bias, probs);
    for p in probs.iter_mut() {
        *p = sigmoid(*p);
    }
}

/// Sums down each column of a row-major [rows, width] matrix, in f64 and row order.
pub(crate) fn column_sums(m: &[f32], width: usize) -> Vec<f64> {
    let mut sums = vec![0.0; width];
    for row in m.chunks_exact(width) {
        for (acc, &v) in sums.iter_mut().zip(row) {
            *acc += f64::from(v);
        }
    }
    sums
}

/// Sequential f64 mean (NaN for no values).
fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::rng::Stream;

    /// Uniforms chosen by a test, consumed in order.
    pub(crate) struct FixedUniforms(pub std::vec::IntoIter<f64>);

    impl Uniforms for FixedUniforms {
        fn uniform(&mut self) -> f64 {
            self.0.next().expect("the test supplies every draw")
        }
    }

    /// Energy E(v, h) = −bᵀv − cᵀh − hᵀWv in f64, straight from the definition.
    pub(crate) fn energy(rbm: &Rbm, v: &[f64], h: &[f64]) -> f64 {
        let visible: f64 = v.iter().zip(&rbm.visible_bias).map(|(vi, &bi)| f64::from(bi) * vi).sum();
        let hidden: f64 = h
            .iter()
            .zip(rbm.weight.chunks(rbm.n_visible))
            .zip(&rbm.hidden_bias)
            .map(|((hj, w_j), &cj)| hj * (f64::from(cj) + w_j.iter().zip(v).map(|(&w, vi)| f64::from(w) * vi).sum::<f64>()))
            .sum();
        -visible - hidden
    }

    /// The binary vector of length n whose bits are those of `index` (bit 0 first).
    pub(crate) fn bits(index: usize, n: usize) -> Vec<f64> {
        (0..n).map(|i| ((index >> i) & 1) as f64).collect()
    }

    pub(crate) fn random_rbm(n_visible: usize, n_hidden: usize, seed: u64) -> Rbm {
        let mut rng = Rng::new(seed, Stream::Data);
        let mut draw = |n: usize| (0..n).map(|_| rng.normal() as f32).collect::<Vec<f32>>();
        Rbm { n_visible, n_hidden, weight: draw(n_visible * n_hidden), visible_bias: draw(n_visible), hidden_bias: draw(n_hidden) }
    }

    #[test]
    fn free_energy_matches_brute_force_marginalisation() {
        // F(v) = −log Σ_h e^−E(v,h) over all 2^4 hidden states, for every binary v and one real v.
        let rbm = random_rbm(3, 4, 11);
        let mut inputs: Vec<Vec<f64>> = (0..8).map(|i| bits(i, 3)).collect();
        inputs.push(vec![0.25, 0.5, 0.9]);
        for v in inputs {
            let brute = -libm::log((0..16).map(|k| libm::exp(-energy(&rbm, &v, &bits(k, 4)))).sum::<f64>());
            let v32: Vec<f32> = v.iter().map(|&x| x as f32).collect();
            let got = rbm.free_energies(&v32)[0];
            // Pre-activations are f32 sums of 3 products of N(0,1) values: error ~1e-6 each.
            assert!((got - brute).abs() < 1e-5 * (1.0 + brute.abs()), "v={v:?}: {got} vs {brute}");
        }
    }

    #[test]
    fn conditionals_are_the_energy_model_s() {
        // p(h_j=1|v) = e^−E(v,h with h_j=1) / Σ over h_j∈{0,1} (others fixed), from the energy alone.
        let rbm = random_rbm(3, 2, 5);
        let v = [1.0, 0.0, 1.0];
        let mut probs = Vec::new();
        rbm.hidden_probs(&v.map(|x| x as f32), &mut probs);
        for j in 0..2 {
            let mut on = vec![0.0; 2];
            on[j] = 1.0;
            let (e_on, e_off) = (energy(&rbm, &v, &on), energy(&rbm, &v, &[0.0, 0.0]));
            let want = 1.0 / (1.0 + libm::exp(e_on - e_off));
            assert!((f64::from(probs[j]) - want).abs() < 1e-6, "hidden {j}");
        }
        let h = [0.0, 1.0];
        rbm.visible_probs(&h.map(|x| x as f32), &mut probs);
        for i in 0..3 {
            let mut on = vec![0.0; 3];
            on[i] = 1.0;
            let want = 1.0 / (1.0 + libm::exp(energy(&rbm, &on, &h) - energy(&rbm, &[0.0; 3], &h)));
            assert!((f64::from(probs[i]) - want).abs() < 1e-6, "visible {i}");
        }
    }

    #[test]
    fn softplus_is_stable_at_both_ends() {
        assert_eq!(softplus(0.0), std::f64::consts::LN_2);
        assert_eq!(softplus(1000.0), 1000.0);
        // Far below zero softplus(x) = eˣ to full relative precision (Python: math.log1p(math.exp(x))).
        assert_eq!(softplus(-700.0), libm::exp(-700.0));
        assert!((softplus(-30.0) / 9.357622968839737e-14 - 1.0).abs() < 1e-15);
        assert!((softplus(2.0) - 2.1269280110429727).abs() < 1e-15);
    }

    #[test]
    fn reconstruction_error_is_the_mean_squared_mean_field_residual() {
        let rbm = random_rbm(3, 2, 8);
        let v = [1.0f32, 0.0, 1.0, 0.0, 1.0, 1.0];
        let mut want = 0.0;
        for row in v.chunks(3) {
            let h: Vec<f64> = (0..2).map(|j| sigmoid(f64::from(rbm.hidden_bias[j]) + (0..3).map(|i| f64::from(rbm.weight[j * 3 + i]) * f64::from(row[i])).sum::<f64>())).collect();
            for (i, &vi) in row.iter().enumerate() {
                let r = sigmoid(f64::from(rbm.visible_bias[i]) + (0..2).map(|j| f64::from(rbm.weight[j * 3 + i]) * h[j]).sum::<f64>());
                want += (f64::from(vi) - r).powi(2) / 6.0;
            }
        }
        assert!((rbm.reconstruction_error(&v) - want).abs() < 1e-6);
    }

    #[test]
    fn visible_bias_is_the_log_odds_of_the_data() {
        let mut rbm = random_rbm(3, 1, 2);
        // Unit 0 on in 3 of 4 rows, unit 1 never, unit 2 always.
        rbm.set_visible_bias_from_data(&[1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0]);
        assert_eq!(rbm.visible_bias, [libm::log(3.0) as f32, libm::log(1e-3 / 0.999) as f32, libm::log(0.999 / 1e-3) as f32]);
    }

    #[test]
    fn bernoulli_states_compare_each_draw_with_its_probability() {
        let mut states = Vec::new();
        // A draw equal to p is not below it; p = 1 always fires, p = 0 never.
        sample_bernoulli(&[0.5, 0.5, 1.0, 0.0], &mut states, &mut FixedUniforms(vec![0.25, 0.5, 0.999, 0.0].into_iter()));
        assert_eq!(states, [1.0, 0.0, 1.0, 0.0]);
    }
}
