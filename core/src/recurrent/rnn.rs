//! One step of the plain (Elman) RNN, h_t = φ(a_t) with a_t = W_ih x_t + b_ih + W_hh h_{t−1} + b_hh.
//!
//! Slices are one step's [batch, hidden] blocks. The matrix products (W_ih x_t + b_ih for all
//! steps, W_hh h_{t−1} + b_hh per step, and ∂L/∂h_{t−1} = ∂L/∂a_t · W_hh) are done by `net`.

use crate::activation::Activation;

/// h_t = φ(pre_ih + pre_hh).
pub(super) fn forward_step(act: Activation, pre_ih: &[f32], pre_hh: &[f32], h: &mut [f32]) {
    for ((h, &p), &q) in h.iter_mut().zip(pre_ih).zip(pre_hh) {
        *h = act.f(p + q, 0.0);
    }
}

/// ∂L/∂a_t = ∂L/∂h_t ⊙ φ′(a_t), with φ′ read off h_t = φ(a_t) (tanh′ = 1 − h², relu′ = [h > 0]).
pub(super) fn backward_step(act: Activation, h: &[f32], dh: &[f32], d_pre: &mut [f32]) {
    for ((d, &h), &dh) in d_pre.iter_mut().zip(h).zip(dh) {
        *d = dh * act.df_from_output(h).expect("tanh and relu have φ′ in terms of φ");
    }
}
