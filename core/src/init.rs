//! Weight initializers following `torch.nn.init`, and PyTorch's `calculate_gain`.
//!
//! A weight has PyTorch's `nn.Linear` layout: shape [fan_out, fan_in], row-major. Biases are
//! always initialized to zero, so the mean-field σ_b² is 0.

use crate::config::{Activation, ExperimentConfig, Init};
use crate::linalg::{gemm, Op, Write};
use crate::rng::Rng;

/// PyTorch's `torch.nn.init.calculate_gain` for our activations: linear and sigmoid 1, tanh 5/3,
/// relu √2, leaky_relu √(2/(1+slope²)), selu 3/4.
///
/// PyTorch defines no gain for elu, gelu, silu and softplus; we use ReLU's √2 for them because
/// each behaves like ReLU for large inputs (identity for x ≫ 0, ≈ 0 for x ≪ 0), which is the
/// regime the gain is meant to compensate.
pub fn calculate_gain(act: Activation, slope: f32) -> f32 {
    match act {
        Activation::Linear | Activation::Sigmoid => 1.0,
        Activation::Tanh => 5.0 / 3.0,
        Activation::Relu | Activation::Elu | Activation::Gelu | Activation::Silu | Activation::Softplus => {
            core::f32::consts::SQRT_2
        }
        Activation::LeakyRelu => (2.0 / (1.0 + slope * slope)).sqrt(),
        Activation::Selu => 0.75,
    }
}

impl ExperimentConfig {
    /// The gain xavier/kaiming/orthogonal use: the configured one, else `calculate_gain`.
    pub fn effective_gain(&self) -> f32 {
        self.gain.unwrap_or_else(|| calculate_gain(self.act, self.slope))
    }
}

/// Everything an initializer needs besides the shape and the random stream.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WeightInit {
    pub init: Init,
    /// Used by xavier_*, kaiming_* and orthogonal.
    pub gain: f32,
    /// Standard deviation of `Init::Normal`.
    pub std: f32,
    /// Half-width of `Init::Uniform`.
    pub bound: f32,
}

/// How entries are drawn, given a scale computed from the shape (the page's Xavier/He panel
/// shows it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Draw {
    Zero,
    Normal { std: f64 },
    Uniform { bound: f64 },
    Orthogonal { gain: f64 },
}

impl WeightInit {
    pub fn from_config(cfg: &ExperimentConfig) -> Self {
        WeightInit { init: cfg.init, gain: cfg.effective_gain(), std: cfg.std, bound: cfg.bound }
    }

    /// The distribution of one entry, with `torch.nn.init`'s formulas.
    pub fn draw(&self, fan_in: usize, fan_out: usize) -> Draw {
        let gain = f64::from(self.gain);
        let (fan_in, fan_out) = (fan_in as f64, fan_out as f64);
        match self.init {
            Init::Zeros => Draw::Zero,
            Init::Normal => Draw::Normal { std: f64::from(self.std) },
            Init::Uniform => Draw::Uniform { bound: f64::from(self.bound) },
            Init::XavierNormal => Draw::Normal { std: gain * (2.0 / (fan_in + fan_out)).sqrt() },
            Init::XavierUniform => Draw::Uniform { bound: gain * (6.0 / (fan_in + fan_out)).sqrt() },
            Init::KaimingNormal => Draw::Normal { std: gain / fan_in.sqrt() },
            Init::KaimingUniform => Draw::Uniform { bound: gain * (3.0 / fan_in).sqrt() },
            Init::LecunNormal => Draw::Normal { std: 1.0 / fan_in.sqrt() },
            Init::Orthogonal => Draw::Orthogonal { gain },
        }
    }

    /// A fresh [fan_out, fan_in] row-major weight drawn from `rng`.
    pub fn sample(&self, fan_in: usize, fan_out: usize, rng: &mut Rng) -> Vec<f32> {
        let n = fan_in * fan_out;
        match self.draw(fan_in, fan_out) {
            Draw::Zero => vec![0.0; n],
            Draw::Normal { std } => (0..n).map(|_| (std * rng.normal()) as f32).collect(),
            Draw::Uniform { bound } => (0..n).map(|_| rng.uniform_in(-bound, bound) as f32).collect(),
            Draw::Orthogonal { gain } => orthogonal(fan_in, fan_out, gain, rng),
        }
    }

    /// Var(W) of one entry by formula (its second moment: every initializer has mean 0).
    /// σ_w² of mean-field theory is `fan_in · variance`. For orthogonal, the squared entries of
    /// gain·Q sum to gain²·min(fan_in, fan_out) exactly, i.e. gain²/max(fan_in, fan_out) each.
    pub fn variance(&self, fan_in: usize, fan_out: usize) -> f64 {
        match self.draw(fan_in, fan_out) {
            Draw::Zero => 0.0,
            Draw::Normal { std } => std * std,
            Draw::Uniform { bound } => bound * bound / 3.0,
            Draw::Orthogonal { gain } => gain * gain / fan_in.max(fan_out) as f64,
        }
    }
}

/// Var(W) of a [fan_out, fan_in] layer initialized as `cfg` says.
pub fn weight_variance(cfg: &ExperimentConfig, fan_in: usize, fan_out: usize) -> f64 {
    WeightInit::from_config(cfg).variance(fan_in, fan_out)
}

/// `torch.nn.init.orthogonal_`: a standard Gaussian [rows, cols] matrix, transposed if wide,
/// QR-factorized, Q's columns multiplied by sign(diag R), transposed back, times gain.
///
/// We compute the QR by Gram–Schmidt, whose R has a positive diagonal by construction, so it
/// yields directly the sign-fixed Q that PyTorch gets from Householder QR plus the sign fix
/// (the QR factorization with positive diag R is unique).
fn orthogonal(fan_in: usize, fan_out: usize, gain: f64, rng: &mut Rng) -> Vec<f32> {
    let (rows, cols) = (fan_out, fan_in);
    let gaussian: Vec<f64> = (0..rows * cols).map(|_| rng.normal()).collect();
    let wide = rows < cols;
    // Tall m×n matrix, column-major (each column contiguous): G itself, or Gᵀ if wide.
    let (m, n) = if wide { (cols, rows) } else { (rows, cols) };
    let mut q = vec![0.0f64; m * n];
    for j in 0..n {
        for i in 0..m {
            q[j * m + i] = if wide { gaussian[j * cols + i] } else { gaussian[i * cols + j] };
        }
    }
    orthonormalize_columns(&mut q, m, n);
    let mut weight = vec![0.0f32; rows * cols];
    for r in 0..rows {
        for c in 0..cols {
            // W = Q (tall) or Qᵀ (wide).
            let entry = if wide { q[r * m + c] } else { q[c * m + r] };
            weight[r * cols + c] = (gain * entry) as f32;
        }
    }
    weight
}

/// Columns orthogonalized together by matrix products (see `orthonormalize_columns`).
const PANEL: usize = 32;

/// Replaces the m×n (m ≥ n) column-major matrix by the Q of its QR factorization with positive
/// diag R, by block classical Gram–Schmidt with reorthogonalization (BCGS2, Barlow &
/// Smoktunowicz 2013): each panel of columns is projected off the finished ones twice through
/// `linalg::gemm`, then orthonormalized within itself by modified Gram–Schmidt, also twice
/// ("twice is enough", Giraud et al. 2005). Q is orthonormal to machine precision, and the
/// matrix products keep the O(m·n²) cost fast enough for 200 layers of width 512.
fn orthonormalize_columns(a: &mut [f64], m: usize, n: usize) {
    // Column-major m×n is row-major n×m: row j of `a` is column j.
    let mut coefficients = vec![0.0f64; PANEL * n];
    for start in (0..n).step_by(PANEL) {
        let width = PANEL.min(n - start);
        let (done, rest) = a.split_at_mut(start * m);
        let panel = &mut rest[..width * m];
        if start > 0 {
            let c = &mut coefficients[..width * start];
            for _pass in 0..2 {
                // C = P·Dᵀ, then P ← P − C·D (done rows D are orthonormal).
                gemm(width, m, start, panel, Op::N, done, Op::T, c, Write::Overwrite);
                c.iter_mut().for_each(|v| *v = -*v);
                gemm(width, start, m, c, Op::N, done, Op::N, panel, Write::Accumulate);
            }
        }
        for j in 0..width {
            let (earlier, rest) = panel.split_at_mut(j * m);
            let column = &mut rest[..m];
            for _pass in 0..2 {
                for previous in earlier.chunks_exact(m) {
                    let projection = dot(previous, column);
                    column.iter_mut().zip(previous).for_each(|(c, p)| *c -= projection * p);
                }
            }
            let norm = dot(column, column).sqrt();
            column.iter_mut().for_each(|c| *c /= norm);
        }
    }
}

/// Dot product with four interleaved partial sums: a fixed order (deterministic everywhere)
/// that the compiler can vectorize, unlike one sequential sum.
fn dot(x: &[f64], y: &[f64]) -> f64 {
    let mut partial = [0.0f64; 4];
    let (x4, y4) = (x.chunks_exact(4), y.chunks_exact(4));
    let tail: f64 = x4.remainder().iter().zip(y4.remainder()).map(|(a, b)| a * b).sum();
    for (a, b) in x4.zip(y4) {
        for lane in 0..4 {
            partial[lane] += a[lane] * b[lane];
        }
    }
    (partial[0] + partial[1]) + (partial[2] + partial[3]) + tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    #[test]
    fn calculate_gain_matches_pytorch_table() {
        use core::f64::consts::SQRT_2;
        // torch.nn.init.calculate_gain('tanh') = 5/3, ('relu') = math.sqrt(2.0) = SQRT_2,
        // ('leaky_relu', 0.01) = math.sqrt(2.0 / (1 + 0.01**2)) = 1.4141428569978354,
        // ('leaky_relu', 0.2) = 1.386750490563073, ('selu') = 0.75.
        let table = [
            (Activation::Linear, 0.01, 1.0),
            (Activation::Sigmoid, 0.01, 1.0),
            (Activation::Tanh, 0.01, 1.6666666666666667),
            (Activation::Relu, 0.01, SQRT_2),
            (Activation::LeakyRelu, 0.01, 1.4141428569978354),
            (Activation::LeakyRelu, 0.2, 1.386750490563073),
            (Activation::Selu, 0.01, 0.75),
            (Activation::Elu, 0.01, SQRT_2),
            (Activation::Gelu, 0.01, SQRT_2),
            (Activation::Silu, 0.01, SQRT_2),
            (Activation::Softplus, 0.01, SQRT_2),
        ];
        for (act, slope, want) in table {
            let got = f64::from(calculate_gain(act, slope));
            assert!((got - want).abs() <= 1e-7 * want, "{act:?}: {got} vs {want}");
        }
    }

    fn weight_init(init: Init, gain: f32) -> WeightInit {
        WeightInit { init, gain, std: 0.05, bound: 0.3 }
    }

    fn mean_and_variance(w: &[f32]) -> (f64, f64) {
        let n = w.len() as f64;
        let mean = w.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
        let var = w.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / n;
        (mean, var)
    }

    #[test]
    fn random_initializers_match_torch_formulas() {
        let (fan_in, fan_out, gain) = (400, 300, 1.7f32);
        let g2 = f64::from(gain).powi(2);
        // Expected Var(W) from torch.nn.init's formulas, written out independently.
        let cases = [
            (Init::Normal, f64::from(0.05f32).powi(2), true),
            (Init::Uniform, f64::from(0.3f32).powi(2) / 3.0, false),
            (Init::XavierNormal, g2 * 2.0 / 700.0, true),
            (Init::XavierUniform, g2 * 6.0 / 700.0 / 3.0, false),
            (Init::KaimingNormal, g2 / 400.0, true),
            (Init::KaimingUniform, g2 * 3.0 / 400.0 / 3.0, false),
            (Init::LecunNormal, 1.0 / 400.0, true),
        ];
        let n = (fan_in * fan_out) as f64;
        for (init, want_var, gaussian) in cases {
            let wi = weight_init(init, gain);
            assert!((wi.variance(fan_in, fan_out) - want_var).abs() <= 1e-12 * want_var, "{init:?} formula");
            let w = wi.sample(fan_in, fan_out, &mut Rng::new(11, Stream::Weights));
            assert_eq!(w.len(), fan_in * fan_out);
            let (mean, var) = mean_and_variance(&w);
            // Standard errors: mean σ/√n; sample variance σ²·√((κ−1)/n) with kurtosis κ = 3
            // (normal) or 9/5 (uniform). Allow 5 standard errors (n = 120 000: 2% of σ² at most).
            let kurtosis = if gaussian { 3.0 } else { 1.8 };
            assert!(mean.abs() < 5.0 * (want_var / n).sqrt(), "{init:?} mean {mean}");
            let var_tol = 5.0 * want_var * ((kurtosis - 1.0) / n).sqrt();
            assert!((var - want_var).abs() < var_tol, "{init:?} var {var} want {want_var} ± {var_tol}");
            let sd = want_var.sqrt();
            if gaussian {
                // P(|z| > 2) = 0.0455 for a normal (0 for the matching uniform): distinguishes shapes.
                let tail = w.iter().filter(|&&v| f64::from(v).abs() > 2.0 * sd).count() as f64 / n;
                assert!((tail - 0.0455).abs() < 0.003, "{init:?} tail {tail}");
            } else {
                let bound = (3.0 * want_var).sqrt() as f32;
                assert!(w.iter().all(|&v| v.abs() <= bound), "{init:?} exceeds ±{bound}");
                let max = w.iter().fold(0.0f32, |m, &v| m.max(v.abs()));
                assert!(max > 0.999 * bound, "{init:?} never comes near its bound");
            }
        }
    }

    #[test]
    fn zeros_is_zero() {
        let wi = weight_init(Init::Zeros, 1.0);
        assert!(wi.sample(7, 5, &mut Rng::new(1, Stream::Weights)).iter().all(|&v| v == 0.0));
        assert_eq!(wi.variance(7, 5), 0.0);
    }

    /// Gram matrix of the rows (if `of_rows`) or columns of a [rows, cols] matrix.
    fn gram(w: &[f32], rows: usize, cols: usize, of_rows: bool) -> Vec<f64> {
        let (k, len) = if of_rows { (rows, cols) } else { (cols, rows) };
        let at = |v: usize, t: usize| f64::from(if of_rows { w[v * cols + t] } else { w[t * cols + v] });
        let mut g = vec![0.0; k * k];
        for i in 0..k {
            for j in 0..k {
                g[i * k + j] = (0..len).map(|t| at(i, t) * at(j, t)).sum();
            }
        }
        g
    }

    #[test]
    fn orthogonal_is_gain_times_orthonormal() {
        let gain = 1.3f32;
        let g2 = f64::from(gain).powi(2);
        // Sizes above 32 span several Gram–Schmidt panels, one partial.
        for (fan_in, fan_out) in [(5, 5), (7, 3), (3, 7), (64, 64), (100, 40), (40, 100), (130, 70)] {
            let wi = weight_init(Init::Orthogonal, gain);
            let w = wi.sample(fan_in, fan_out, &mut Rng::new(3, Stream::Weights));
            // Wide weights have orthonormal rows, tall ones orthonormal columns.
            let of_rows = fan_out <= fan_in;
            let k = fan_out.min(fan_in);
            let g = gram(&w, fan_out, fan_in, of_rows);
            for i in 0..k {
                for j in 0..k {
                    let want = if i == j { g2 } else { 0.0 };
                    assert!((g[i * k + j] - want).abs() < 1e-5 * g2, "{fan_in}x{fan_out} gram[{i},{j}] = {}", g[i * k + j]);
                }
            }
            // variance() is the exact mean square entry.
            let mean_square = w.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / (fan_in * fan_out) as f64;
            assert!((mean_square - wi.variance(fan_in, fan_out)).abs() < 1e-6 * mean_square);
        }
    }

    #[test]
    fn orthogonal_is_the_sign_fixed_qr_of_the_gaussian() {
        // torch: Q·diag(sign(diag R)) — equivalently the QR with positive diag R, so Qᵀ·G must be
        // upper triangular with a positive diagonal, G the same Gaussian draw (tall case).
        for (fan_in, fan_out) in [(6, 9), (45, 50)] {
            let w = weight_init(Init::Orthogonal, 1.0).sample(fan_in, fan_out, &mut Rng::new(8, Stream::Weights));
            let mut rng = Rng::new(8, Stream::Weights);
            let g: Vec<f64> = (0..fan_in * fan_out).map(|_| rng.normal()).collect();
            for i in 0..fan_in {
                for j in 0..=i {
                    // (QᵀG)[i][j] = Σ_r Q[r][i]·G[r][j]
                    let r: f64 = (0..fan_out).map(|row| f64::from(w[row * fan_in + i]) * g[row * fan_in + j]).sum();
                    if i > j {
                        assert!(r.abs() < 1e-5, "{fan_in}x{fan_out}: R[{i},{j}] = {r} below the diagonal");
                    } else {
                        assert!(r > 0.0, "{fan_in}x{fan_out}: R[{i},{i}] = {r} not positive");
                    }
                }
            }
        }
    }

    #[test]
    fn same_stream_gives_same_weights() {
        for init in [Init::XavierUniform, Init::KaimingNormal, Init::Orthogonal] {
            let wi = weight_init(init, 1.0);
            let a = wi.sample(9, 4, &mut Rng::new(5, Stream::Weights));
            let b = wi.sample(9, 4, &mut Rng::new(5, Stream::Weights));
            assert_eq!(a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), b.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
        }
    }
}
