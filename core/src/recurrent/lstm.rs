//! One LSTM step in PyTorch's gate order (i, f, g, o):
//! c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t, h_t = o_t ⊙ tanh(c_t),
//! with i, f, o = σ(pre-activation) and g = tanh(pre-activation).
//!
//! Slices are one step's [batch, hidden] blocks; `net` does the matrix products.

use crate::activation::sigmoid;

use super::net::{sigmoid_slope, tanh_slope};

/// The four gates' values at one step, in PyTorch's order.
pub(super) struct Gates<'a> {
    pub i: &'a [f32],
    pub f: &'a [f32],
    pub g: &'a [f32],
    pub o: &'a [f32],
}

/// Gate values, c_t, tanh(c_t) and h_t from the pre-activations pre_ih[k] + pre_hh[k].
pub(super) fn forward_step(pre_ih: &[&[f32]], pre_hh: &[Vec<f32>], c_prev: &[f32], gates: &mut [&mut [f32]], c: &mut [f32], tanh_c: &mut [f32], h: &mut [f32]) {
    let [i, f, g, o] = gates else { unreachable!("an LSTM has four gates") };
    for j in 0..h.len() {
        let pre = |k: usize| pre_ih[k][j] + pre_hh[k][j];
        i[j] = sigmoid(pre(0));
        f[j] = sigmoid(pre(1));
        g[j] = libm::tanhf(pre(2));
        o[j] = sigmoid(pre(3));
        c[j] = f[j] * c_prev[j] + i[j] * g[j];
        tanh_c[j] = libm::tanhf(c[j]);
        h[j] = o[j] * tanh_c[j];
    }
}

/// Backward through one step. On entry `dh` = ∂L/∂h_t (total) and `dc` = ∂L/∂c_t through
/// c_{t+1} only; on return `dc` = ∂L/∂c_t (total), `d_pre[k]` = ∂L/∂(pre-activation of gate k)
/// and `dc_prev` = ∂L/∂c_{t−1} through c_t, i.e. dc ⊙ f_t: the cell's own chain-rule factor.
pub(super) fn backward_step(gates: &Gates, c_prev: &[f32], tanh_c: &[f32], dh: &[f32], dc: &mut [f32], d_pre: &mut [&mut [f32]], dc_prev: &mut [f32]) {
    let Gates { i, f, g, o } = gates;
    let [di, df, dg, d_o] = d_pre else { unreachable!("an LSTM has four gates") };
    for j in 0..dh.len() {
        // h = o ⊙ tanh(c)
        d_o[j] = dh[j] * tanh_c[j] * sigmoid_slope(o[j]);
        dc[j] += dh[j] * o[j] * tanh_slope(tanh_c[j]);
        // c = f ⊙ c_prev + i ⊙ g
        di[j] = dc[j] * g[j] * sigmoid_slope(i[j]);
        df[j] = dc[j] * c_prev[j] * sigmoid_slope(f[j]);
        dg[j] = dc[j] * i[j] * tanh_slope(g[j]);
        dc_prev[j] = dc[j] * f[j];
    }
}
