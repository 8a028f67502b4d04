//! The one place that multiplies matrices. Everything else calls [`gemm`], so a faster kernel
//! can replace `matrixmultiply` here alone.
//!
//! Matrices are dense, row-major, contiguous `f32` slices. `matrixmultiply` is built without
//! its `std` feature (see core/Cargo.toml): no run-time choice of an FMA kernel, so native and
//! wasm builds round identically.

/// How an operand is used: as stored, or transposed (through strides, without copying).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    N,
    T,
}

/// Whether the product overwrites C or is added to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Write {
    Overwrite,
    Accumulate,
}

/// The element types `matrixmultiply` has kernels for: f32 (the network) and f64 (orthogonal
/// initialization's QR).
pub trait Scalar: Copy + 'static {
    const ZERO: Self;
    const ONE: Self;
    /// `matrixmultiply`'s C ← α·A·B + β·C with α = 1.
    ///
    /// # Safety
    /// As `matrixmultiply::sgemm`/`dgemm`: every strided access must lie inside the buffers.
    #[allow(clippy::too_many_arguments)]
    unsafe fn kernel(m: usize, k: usize, n: usize, a: *const Self, rsa: isize, csa: isize, b: *const Self, rsb: isize, csb: isize, beta: Self, c: *mut Self, rsc: isize, csc: isize);
}

impl Scalar for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    unsafe fn kernel(m: usize, k: usize, n: usize, a: *const Self, rsa: isize, csa: isize, b: *const Self, rsb: isize, csb: isize, beta: Self, c: *mut Self, rsc: isize, csc: isize) {
        matrixmultiply::sgemm(m, k, n, 1.0, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc);
    }
}

impl Scalar for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    unsafe fn kernel(m: usize, k: usize, n: usize, a: *const Self, rsa: isize, csa: isize, b: *const Self, rsb: isize, csb: isize, beta: Self, c: *mut Self, rsc: isize, csc: isize) {
        matrixmultiply::dgemm(m, k, n, 1.0, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc);
    }
}

/// C ← op(A)·op(B) (or C + op(A)·op(B)), with op(A) m×k, op(B) k×n and C m×n, all row-major.
/// A is stored m×k (`Op::N`) or k×m (`Op::T`); B is stored k×n or n×k.
///
/// Panics if a slice length does not match its shape: that is a bug in the caller, and the
/// check is what makes the raw-pointer call below sound.
#[allow(clippy::too_many_arguments)]
pub fn gemm<T: Scalar>(m: usize, k: usize, n: usize, a: &[T], op_a: Op, b: &[T], op_b: Op, c: &mut [T], write: Write) {
    assert_eq!(a.len(), m * k, "gemm: A has {} entries, shape {m}×{k}", a.len());
    assert_eq!(b.len(), k * n, "gemm: B has {} entries, shape {k}×{n}", b.len());
    assert_eq!(c.len(), m * n, "gemm: C has {} entries, shape {m}×{n}", c.len());
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if write == Write::Overwrite {
            c.fill(T::ZERO);
        }
        return;
    }
    // (row stride, column stride) of the logical operand inside its row-major storage.
    let (rsa, csa) = match op_a {
        Op::N => (k as isize, 1),
        Op::T => (1, m as isize),
    };
    let (rsb, csb) = match op_b {
        Op::N => (n as isize, 1),
        Op::T => (1, k as isize),
    };
    // β = 0 makes matrixmultiply ignore C's old contents entirely (even NaN).
    let beta = match write {
        Write::Overwrite => T::ZERO,
        Write::Accumulate => T::ONE,
    };
    // SAFETY: the asserts above guarantee every strided access stays inside the slices,
    // and `c` is exclusively borrowed, so it aliases neither `a` nor `b`.
    unsafe {
        T::kernel(m, k, n, a.as_ptr(), rsa, csa, b.as_ptr(), rsb, csb, beta, c.as_mut_ptr(), n as isize, 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Rng, Stream};

    fn random(len: usize, rng: &mut Rng) -> Vec<f32> {
        (0..len).map(|_| rng.normal() as f32).collect()
    }

    /// op(M)[i][j] for M stored row-major with `cols` columns.
    fn at(data: &[f32], cols: usize, op: Op, i: usize, j: usize) -> f64 {
        f64::from(match op {
            Op::N => data[i * cols + j],
            Op::T => data[j * cols + i],
        })
    }

    #[test]
    fn matches_naive_triple_loop_for_every_transpose_and_mode() {
        let mut rng = Rng::new(1, Stream::Data);
        let (m, k, n) = (7, 13, 5);
        for op_a in [Op::N, Op::T] {
            for op_b in [Op::N, Op::T] {
                for write in [Write::Overwrite, Write::Accumulate] {
                    let a = random(m * k, &mut rng);
                    let b = random(k * n, &mut rng);
                    let c0 = random(m * n, &mut rng);
                    let mut c = c0.clone();
                    gemm(m, k, n, &a, op_a, &b, op_b, &mut c, write);
                    // Stored column counts: A is m×k or k×m, B is k×n or n×k.
                    let a_cols = if op_a == Op::N { k } else { m };
                    let b_cols = if op_b == Op::N { n } else { k };
                    for i in 0..m {
                        for j in 0..n {
                            let mut want: f64 = (0..k).map(|p| at(&a, a_cols, op_a, i, p) * at(&b, b_cols, op_b, p, j)).sum();
                            if write == Write::Accumulate {
                                want += f64::from(c0[i * n + j]);
                            }
                            // f32 products of N(0,1) entries summed over k = 13: error ≲ 13·ε·Σ|terms|.
                            let got = f64::from(c[i * n + j]);
                            assert!((got - want).abs() < 1e-5 * (1.0 + want.abs()) * k as f64, "{op_a:?}{op_b:?}{write:?} [{i},{j}]: {got} vs {want}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn f64_product_matches_hand_computation() {
        // [1 2; 3 4]ᵀ · [5 6; 7 8] = [1·5+3·7, 1·6+3·8; 2·5+4·7, 2·6+4·8] = [26 30; 38 44]
        let mut c = [0.5f64; 4];
        gemm(2, 2, 2, &[1.0, 2.0, 3.0, 4.0], Op::T, &[5.0, 6.0, 7.0, 8.0], Op::N, &mut c, Write::Accumulate);
        assert_eq!(c, [26.5, 30.5, 38.5, 44.5]);
    }

    #[test]
    fn overwrite_ignores_nan_in_c_and_empty_shapes_are_fine() {
        let a = [1.0, 2.0];
        let b = [3.0, 4.0];
        let mut c = [f32::NAN];
        gemm(1, 2, 1, &a, Op::N, &b, Op::N, &mut c, Write::Overwrite);
        assert_eq!(c, [11.0]);
        let mut c = [f32::NAN; 2];
        gemm(2, 0, 1, &[], Op::N, &[], Op::N, &mut c, Write::Overwrite);
        assert_eq!(c, [0.0, 0.0]);
        gemm::<f32>(0, 3, 0, &[], Op::T, &[], Op::T, &mut [], Write::Accumulate);
    }

    #[test]
    #[should_panic(expected = "gemm: B has")]
    fn shape_mismatch_is_caught_before_the_kernel() {
        gemm(1, 2, 1, &[1.0, 2.0], Op::N, &[1.0], Op::N, &mut [0.0], Write::Overwrite);
    }
}
