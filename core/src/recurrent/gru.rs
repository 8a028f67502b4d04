//! One GRU step, PyTorch's variant ("reset_after": r_t multiplies W_hn h_{t−1} + b_hn):
//! r = σ(pre_r), z = σ(pre_z), n = tanh(W_in x + b_in + r ⊙ (W_hn h_{t−1} + b_hn)),
//! h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}.
//!
//! Slices are one step's [batch, hidden] blocks; `net` does the matrix products. The n gate's
//! two halves get different gradients (the hidden half is scaled by r), so the backward pass
//! returns them separately.

use crate::activation::sigmoid;

use super::net::{sigmoid_slope, tanh_slope};

/// The three gates' values at one step, in PyTorch's order.
pub(super) struct Gates<'a> {
    pub r: &'a [f32],
    pub z: &'a [f32],
    pub n: &'a [f32],
}

/// Gate values and h_t; `hn` receives W_hn h_{t−1} + b_hn (needed for ∂L/∂r).
pub(super) fn forward_step(pre_ih: &[&[f32]], pre_hh: &[Vec<f32>], h_prev: &[f32], gates: &mut [&mut [f32]], hn: &mut [f32], h: &mut [f32]) {
    let [r, z, n] = gates else { unreachable!("a GRU has three gates") };
    for j in 0..h.len() {
        r[j] = sigmoid(pre_ih[0][j] + pre_hh[0][j]);
        z[j] = sigmoid(pre_ih[1][j] + pre_hh[1][j]);
        hn[j] = pre_hh[2][j];
        n[j] = libm::tanhf(pre_ih[2][j] + r[j] * hn[j]);
        h[j] = (1.0 - z[j]) * n[j] + z[j] * h_prev[j];
    }
}

/// Backward through one step from `dh` = ∂L/∂h_t (total). Writes `d_pre[k]` = ∂L/∂(input-side
/// pre-activation of gate k), which for r and z is also the hidden side's; `d_hn` =
/// ∂L/∂(W_hn h_{t−1} + b_hn); and `dh_prev` = the direct path ∂L/∂h_t ⊙ z_t (the matrix
/// paths through W_h· are added by `net`).
pub(super) fn backward_step(gates: &Gates, h_prev: &[f32], hn: &[f32], dh: &[f32], d_pre: &mut [&mut [f32]], d_hn: &mut [f32], dh_prev: &mut [f32]) {
    let Gates { r, z, n } = gates;
    let [dr, dz, dn] = d_pre else { unreachable!("a GRU has three gates") };
    for j in 0..dh.len() {
        // h = (1 − z) ⊙ n + z ⊙ h_prev
        dn[j] = dh[j] * (1.0 - z[j]) * tanh_slope(n[j]);
        dz[j] = dh[j] * (h_prev[j] - n[j]) * sigmoid_slope(z[j]);
        dh_prev[j] = dh[j] * z[j];
        // n = tanh(W_in x + b_in + r ⊙ hn)
        d_hn[j] = dn[j] * r[j];
        dr[j] = dn[j] * hn[j] * sigmoid_slope(r[j]);
    }
}
