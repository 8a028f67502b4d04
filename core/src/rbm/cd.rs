//! One contrastive-divergence update of an RBM from one mini-batch (Hinton 2002), optionally
//! persistent (Tieleman 2008).
//!
//! The gradient of the mean log-likelihood is ⟨v hᵀ⟩_data − ⟨v hᵀ⟩_model; CD-k replaces the
//! model term by statistics after k steps of block Gibbs sampling started at the data, PCD by
//! k further steps of chains that persist across updates. Choices (the practical guide, §3):
//! - Chain states are binary samples at every step, so the chain is a genuine Gibbs chain
//!   (what PCD and k > 1 rely on): h₀ ~ p(h | v_data), then v_t ~ p(v | h_{t−1}) and, except
//!   after the last step, h_t ~ p(h | v_t).
//! - Both statistics use hidden *probabilities*, ⟨v p(h|v)ᵀ⟩ at the data and at v_k: given v the
//!   expectation over h is exact, so this removes sampling noise without adding bias
//!   (THEORY.md's "probabilities for the statistics of the last step").
//! - Data and chains are averaged separately (PCD keeps as many chains as its first batch had).
//!
//! Uniforms are drawn in this order, each block row-major: [PCD, first update only: the chains'
//! initial visible states ~ Bernoulli(data)], h₀, then per step v_t and (t < k) h_t.

use crate::linalg::{gemm, Op, Write};

use super::machine::{column_sums, sample_bernoulli, Rbm, Uniforms};
use super::PretrainConfig;

#[derive(Clone, Debug)]
pub struct CdTrainer {
    k: usize,
    persistent: bool,
    lr: f32,
    momentum: f32,
    weight_decay: f32,
    /// Parameter increments of the last update, for momentum.
    velocity_weight: Vec<f32>,
    velocity_visible: Vec<f32>,
    velocity_hidden: Vec<f32>,
    /// PCD's fantasy particles: the visible states where the chains stopped; empty until the
    /// first update, unused by plain CD.
    chain: Vec<f32>,
    // Scratch, reused across updates.
    data_hidden: Vec<f32>,
    hidden: Vec<f32>,
    visible_probs: Vec<f32>,
    visible: Vec<f32>,
    model_hidden: Vec<f32>,
    positive: Vec<f32>,
    negative: Vec<f32>,
}

impl CdTrainer {
    /// A trainer for `rbm`'s shape with `config`'s k, persistence and update settings.
    pub fn new(config: &PretrainConfig, rbm: &Rbm) -> Self {
        CdTrainer {
            k: config.cd_k.max(1),
            persistent: config.persistent,
            lr: config.lr,
            momentum: config.momentum,
            weight_decay: config.weight_decay,
            velocity_weight: vec![0.0; rbm.weight.len()],
            velocity_visible: vec![0.0; rbm.n_visible],
            velocity_hidden: vec![0.0; rbm.n_hidden],
            chain: Vec::new(),
            data_hidden: Vec::new(),
            hidden: Vec::new(),
            visible_probs: Vec::new(),
            visible: Vec::new(),
            model_hidden: Vec::new(),
            positive: Vec::new(),
            negative: Vec::new(),
        }
    }

    /// PCD's chains (visible states, [chains, n_visible]); empty for CD or before the first update.
    pub fn chain(&self) -> &[f32] {
        &self.chain
    }

    /// One update of `rbm` from `data` ([batch, n_visible], batch ≥ 1, entries in [0, 1]).
    pub fn update(&mut self, rbm: &mut Rbm, data: &[f32], uniforms: &mut impl Uniforms) {
        let (n_visible, n_hidden) = (rbm.n_visible, rbm.n_hidden);
        assert!(!data.is_empty() && data.len().is_multiple_of(n_visible), "CD update: {} values for {n_visible} visible units", data.len());
        let batch = data.len() / n_visible;
        rbm.hidden_probs(data, &mut self.data_hidden);
        if self.persistent {
            if self.chain.is_empty() {
                sample_bernoulli(data, &mut self.chain, uniforms);
            }
            rbm.hidden_probs(&self.chain, &mut self.model_hidden);
            sample_bernoulli(&self.model_hidden, &mut self.hidden, uniforms);
        } else {
            sample_bernoulli(&self.data_hidden, &mut self.hidden, uniforms);
        }
        for step in 1..=self.k {
            rbm.visible_probs(&self.hidden, &mut self.visible_probs);
            sample_bernoulli(&self.visible_probs, &mut self.visible, uniforms);
            rbm.hidden_probs(&self.visible, &mut self.model_hidden);
            if step < self.k {
                sample_bernoulli(&self.model_hidden, &mut self.hidden, uniforms);
            }
        }
        if self.persistent {
            self.chain.clone_from(&self.visible);
        }
        let chains = self.visible.len() / n_visible;

        // Σ p(h|v) vᵀ over the data and over the chains, [n_hidden, n_visible] like W.
        self.positive.resize(n_hidden * n_visible, 0.0);
        self.negative.resize(n_hidden * n_visible, 0.0);
        gemm(n_hidden, batch, n_visible, &self.data_hidden, Op::T, data, Op::N, &mut self.positive, Write::Overwrite);
        gemm(n_hidden, chains, n_visible, &self.model_hidden, Op::T, &self.visible, Op::N, &mut self.negative, Write::Overwrite);
        let (data_count, chain_count) = (batch as f32, chains as f32);
        for (idx, (w, velocity)) in rbm.weight.iter_mut().zip(&mut self.velocity_weight).enumerate() {
            let gradient = self.positive[idx] / data_count - self.negative[idx] / chain_count - self.weight_decay * *w;
            momentum_step(w, velocity, gradient, self.lr, self.momentum);
        }
        let bias_gradients = |data_side: &[f32], model_side: &[f32], width: usize| -> Vec<f32> {
            let (data_sums, model_sums) = (column_sums(data_side, width), column_sums(model_side, width));
            data_sums.iter().zip(&model_sums).map(|(d, m)| (d / batch as f64 - m / chains as f64) as f32).collect()
        };
        let visible_gradient = bias_gradients(data, &self.visible, n_visible);
        for ((b, velocity), g) in rbm.visible_bias.iter_mut().zip(&mut self.velocity_visible).zip(visible_gradient) {
            momentum_step(b, velocity, g, self.lr, self.momentum);
        }
        let hidden_gradient = bias_gradients(&self.data_hidden, &self.model_hidden, n_hidden);
        for ((c, velocity), g) in rbm.hidden_bias.iter_mut().zip(&mut self.velocity_hidden).zip(hidden_gradient) {
            momentum_step(c, velocity, g, self.lr, self.momentum);
        }
    }
}

/// Δθ ← momentum·Δθ + lr·gradient, θ ← θ + Δθ (gradient ascent on the log-likelihood).
fn momentum_step(param: &mut f32, velocity: &mut f32, gradient: f32, lr: f32, momentum: f32) {
    *velocity = momentum * *velocity + lr * gradient;
    *param += *velocity;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rbm::machine::tests::{random_rbm, FixedUniforms};
    use crate::rng::{Rng, Stream};

    fn config(cd_k: usize, persistent: bool) -> PretrainConfig {
        PretrainConfig { cd_k, persistent, lr: 0.1, momentum: 0.5, weight_decay: 0.01, ..PretrainConfig::default() }
    }

    #[test]
    fn cd1_update_matches_a_hand_computation() {
        // W = 0 and zero biases: every probability is ½. Data v₀ = (1, 0, 1); the draws give
        // h₀ = (1, 0) (0.2 < ½, 0.7 > ½) and the reconstruction v₁ = (0, 1, 0) (0.6, 0.1, 0.9),
        // whose hidden probabilities are again ½. With ε = 0.1, no momentum yet, λ·W = 0:
        // ΔW_j = ε(½·v₀ − ½·v₁) = (0.05, −0.05, 0.05) for both hidden j,
        // Δb = ε(v₀ − v₁) = (0.1, −0.1, 0.1), Δc = ε(½ − ½) = 0.
        let mut rbm = Rbm { n_visible: 3, n_hidden: 2, weight: vec![0.0; 6], visible_bias: vec![0.0; 3], hidden_bias: vec![0.0; 2] };
        let mut trainer = CdTrainer::new(&config(1, false), &rbm);
        let mut draws = FixedUniforms(vec![0.2, 0.7, 0.6, 0.1, 0.9].into_iter());
        trainer.update(&mut rbm, &[1.0, 0.0, 1.0], &mut draws);
        assert_eq!(draws.0.len(), 0, "one draw per hidden unit, then per visible unit");
        assert_eq!(rbm.weight, [0.05, -0.05, 0.05, 0.05, -0.05, 0.05]);
        assert_eq!(rbm.visible_bias, [0.1, -0.1, 0.1]);
        assert_eq!(rbm.hidden_bias, [0.0, 0.0]);
    }

    /// The same algorithm in f64 with plain loops, one example at a time, written from the
    /// equations in the module docs; it consumes the draws in the documented order.
    struct Reference {
        w: Vec<Vec<f64>>,
        b: Vec<f64>,
        c: Vec<f64>,
        dw: Vec<Vec<f64>>,
        db: Vec<f64>,
        dc: Vec<f64>,
        chain: Option<Vec<Vec<f64>>>,
    }

    fn sigma(x: f64) -> f64 {
        1.0 / (1.0 + libm::exp(-x))
    }

    /// A Bernoulli state from a draw that must not be ambiguous between f32 and f64 rounding.
    fn draw(p: f64, draws: &mut impl Iterator<Item = f64>) -> f64 {
        let u = draws.next().unwrap();
        assert!((u - p).abs() > 1e-4, "draw {u} too close to p = {p} for an exact comparison");
        if u < p {
            1.0
        } else {
            0.0
        }
    }

    impl Reference {
        fn of(rbm: &Rbm) -> Self {
            let w = rbm.weight.chunks(rbm.n_visible).map(|row| row.iter().map(|&x| f64::from(x)).collect()).collect();
            let to64 = |v: &[f32]| v.iter().map(|&x| f64::from(x)).collect::<Vec<f64>>();
            Reference {
                w,
                b: to64(&rbm.visible_bias),
                c: to64(&rbm.hidden_bias),
                dw: vec![vec![0.0; rbm.n_visible]; rbm.n_hidden],
                db: vec![0.0; rbm.n_visible],
                dc: vec![0.0; rbm.n_hidden],
                chain: None,
            }
        }

        fn p_h(&self, v: &[f64]) -> Vec<f64> {
            self.w.iter().zip(&self.c).map(|(row, c)| sigma(c + row.iter().zip(v).map(|(w, v)| w * v).sum::<f64>())).collect()
        }

        fn p_v(&self, h: &[f64]) -> Vec<f64> {
            (0..self.b.len()).map(|i| sigma(self.b[i] + h.iter().zip(&self.w).map(|(h, row)| h * row[i]).sum::<f64>())).collect()
        }

        fn update(&mut self, data: &[Vec<f64>], cfg: &PretrainConfig, draws: &mut impl Iterator<Item = f64>) {
            let (nv, nh) = (self.b.len(), self.c.len());
            let data_h: Vec<Vec<f64>> = data.iter().map(|v| self.p_h(v)).collect();
            if cfg.persistent && self.chain.is_none() {
                self.chain = Some(data.iter().map(|v| v.iter().map(|&p| draw(p, draws)).collect()).collect());
            }
            let start_probs: Vec<Vec<f64>> = match &self.chain {
                Some(chain) if cfg.persistent => chain.iter().map(|v| self.p_h(v)).collect(),
                _ => data_h.clone(),
            };
            let mut h: Vec<Vec<f64>> = start_probs.iter().map(|p| p.iter().map(|&p| draw(p, draws)).collect()).collect();
            let mut v = Vec::new();
            let mut q = Vec::new();
            for step in 1..=cfg.cd_k {
                v = h.iter().map(|h| self.p_v(h).iter().map(|&p| draw(p, draws)).collect::<Vec<f64>>()).collect();
                q = v.iter().map(|v| self.p_h(v)).collect();
                if step < cfg.cd_k {
                    h = q.iter().map(|p| p.iter().map(|&p| draw(p, draws)).collect()).collect();
                }
            }
            if cfg.persistent {
                self.chain = Some(v.clone());
            }
            let (n, m) = (data.len() as f64, v.len() as f64);
            let (lr, mom, wd) = (f64::from(cfg.lr), f64::from(cfg.momentum), f64::from(cfg.weight_decay));
            for j in 0..nh {
                for i in 0..nv {
                    let pos: f64 = data.iter().zip(&data_h).map(|(v, h)| h[j] * v[i]).sum::<f64>() / n;
                    let neg: f64 = v.iter().zip(&q).map(|(v, h)| h[j] * v[i]).sum::<f64>() / m;
                    self.dw[j][i] = mom * self.dw[j][i] + lr * (pos - neg - wd * self.w[j][i]);
                    self.w[j][i] += self.dw[j][i];
                }
                let grad = data_h.iter().map(|h| h[j]).sum::<f64>() / n - q.iter().map(|h| h[j]).sum::<f64>() / m;
                self.dc[j] = mom * self.dc[j] + lr * grad;
                self.c[j] += self.dc[j];
            }
            for i in 0..nv {
                let grad = data.iter().map(|v| v[i]).sum::<f64>() / n - v.iter().map(|v| v[i]).sum::<f64>() / m;
                self.db[i] = mom * self.db[i] + lr * grad;
                self.b[i] += self.db[i];
            }
        }

        fn assert_matches(&self, rbm: &Rbm, what: &str) {
            let got = rbm.weight.iter().chain(&rbm.visible_bias).chain(&rbm.hidden_bias);
            let want = self.w.iter().flatten().chain(&self.b).chain(&self.c);
            for (k, (&g, &w)) in got.zip(want).enumerate() {
                // f32 arithmetic on O(1) values over a handful of operations: error ≲ 1e-6.
                assert!((f64::from(g) - w).abs() < 2e-6, "{what}: parameter {k} is {g}, reference {w}");
            }
        }
    }

    /// Three updates of a random 3×2 RBM on a batch of two, by the trainer and by the reference,
    /// from the same draws: exercises momentum (updates 2, 3), weight decay (W ≠ 0) and, for PCD,
    /// chains that continue from where the last update left them.
    fn check_against_reference(cd_k: usize, persistent: bool) {
        let cfg = config(cd_k, persistent);
        let mut rbm = random_rbm(3, 2, 4);
        let mut reference = Reference::of(&rbm);
        let mut trainer = CdTrainer::new(&cfg, &rbm);
        let mut rng = Rng::new(3, Stream::Data);
        let pool: Vec<f64> = (0..200).map(|_| rng.uniform()).collect();
        let (mut ours, mut theirs) = (FixedUniforms(pool.clone().into_iter()), pool.into_iter());
        let batches = [[1.0, 0.0, 1.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 1.0, 1.0, 0.0], [1.0, 1.0, 1.0, 0.0, 0.0, 0.0]];
        for (t, batch) in batches.iter().enumerate() {
            trainer.update(&mut rbm, batch, &mut ours);
            let rows: Vec<Vec<f64>> = batch.chunks(3).map(|r| r.iter().map(|&x| f64::from(x)).collect()).collect();
            reference.update(&rows, &cfg, &mut theirs);
            assert_eq!(ours.0.len(), theirs.len(), "CD-{cd_k} pcd={persistent}: update {t} consumed a different number of draws");
            reference.assert_matches(&rbm, &format!("CD-{cd_k} pcd={persistent} update {t}"));
            if persistent {
                let chain: Vec<f32> = reference.chain.iter().flatten().flatten().map(|&x| x as f32).collect();
                assert_eq!(trainer.chain(), chain.as_slice());
            }
        }
        assert!(!persistent || !trainer.chain().is_empty());
    }

    #[test]
    fn cd1_updates_match_an_independent_f64_reference() {
        check_against_reference(1, false);
    }

    #[test]
    fn cd3_updates_match_an_independent_f64_reference() {
        check_against_reference(3, false);
    }

    #[test]
    fn persistent_cd_updates_match_an_independent_f64_reference() {
        check_against_reference(1, true);
        check_against_reference(2, true);
    }
}
