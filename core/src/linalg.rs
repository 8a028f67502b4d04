//! The one place that multiplies matrices. Everything else calls [`gemm`].
//!
//! Matrices are dense, row-major, contiguous slices. The result must be bit-identical natively
//! and in wasm, so every entry of C is computed in one fixed order, whatever the platform:
//! k is cut into chunks of [`K_CHUNK`] (0..256, 256..512, …); each chunk's products are summed
//! left to right, starting from +0, as a separate multiply then add (never a fused
//! multiply-add, which Rust never contracts into on its own); each chunk sum is then added to
//! C (the first one replaces C when overwriting). `tests::reference` spells this out. It is
//! the order `matrixmultiply` 0.3 used without its `std` feature, which this kernel replaced,
//! so the numbers did not change.
//!
//! Speed comes from what does not touch that order: each k chunk of op(A) and op(B) is copied
//! ("packed") into panels of `ROWS` rows and `COLS` columns laid out k-major, which turns the
//! transposed products of the backward pass into contiguous reads; then a register tile of
//! ROWS×COLS independent sums runs down k, vectorized across the COLS columns (each lane a
//! different entry of C, so vector width changes no result): f32x4 intrinsics in wasm
//! simd128, compiler-vectorized SSE natively, or AVX with a tile twice as wide when the CPU
//! has it (checked at run time).

use std::ops::{Add, Mul};

/// How an operand is used: as stored, or transposed (read through strides while packing).
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

/// The element types products are taken in: f32 (the networks) and f64 (orthogonal
/// initialization's QR). `+` and `*` are IEEE-754 round-to-nearest on every platform.
pub trait Scalar: Copy + Add<Output = Self> + Mul<Output = Self> + 'static {
    const ZERO: Self;

    /// R×C independent sums over the steps of a packed A panel (R entries a step) and B panel
    /// (C entries a step), each from +0 in step order: `sum + a·b`, multiply then add.
    #[inline(always)]
    fn tile<const R: usize, const C: usize>(a_panel: &[Self], b_panel: &[Self]) -> [[Self; C]; R] {
        let mut sums = [[Self::ZERO; C]; R];
        for (a, b) in a_panel.chunks_exact(R).zip(b_panel.chunks_exact(C)) {
            // The inner loop over a row's C sums is what the compiler turns into vector
            // multiplies and adds: one lane per entry of C, so vector width changes no result.
            for (row, &x) in sums.iter_mut().zip(a) {
                for (sum, &y) in row.iter_mut().zip(b) {
                    *sum = *sum + x * y;
                }
            }
        }
        sums
    }
}

impl Scalar for f32 {
    const ZERO: Self = 0.0;

    /// LLVM leaves the portable loops scalar for wasm: spell out the simd128 version.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    #[inline(always)]
    fn tile<const R: usize, const C: usize>(a_panel: &[f32], b_panel: &[f32]) -> [[f32; C]; R] {
        simd128::tile(a_panel, b_panel)
    }
}

impl Scalar for f64 {
    const ZERO: Self = 0.0;
}

/// Length of the k chunks each entry of C is summed in (see the module docs). Changing it
/// changes results wherever k exceeds it, i.e. shared links' numbers.
pub const K_CHUNK: usize = 256;
/// Register tile: ROWS rows of op(A) times COLS columns of op(B). 4×8 f32 sums are 8 vectors of
/// 4 lanes, which leaves room for the operands in the 16 vector registers of x86 (also what
/// V8 has for wasm simd128 there).
const ROWS: usize = 4;
const COLS: usize = 8;

/// C ← op(A)·op(B) (or C + op(A)·op(B)), with op(A) m×k, op(B) k×n and C m×n, all row-major.
/// A is stored m×k (`Op::N`) or k×m (`Op::T`); B is stored k×n or n×k. Overwriting ignores C's
/// old contents entirely (even NaN).
///
/// Panics if a slice length does not match its shape: that is a bug in the caller.
#[allow(clippy::too_many_arguments)]
pub fn gemm<T: Scalar>(m: usize, k: usize, n: usize, a: &[T], op_a: Op, b: &[T], op_b: Op, c: &mut [T], write: Write) {
    assert_eq!(a.len(), m * k, "gemm: A has {} entries, shape {m}×{k}", a.len());
    assert_eq!(b.len(), k * n, "gemm: B has {} entries, shape {k}×{n}", b.len());
    assert_eq!(c.len(), m * n, "gemm: C has {} entries, shape {m}×{n}", c.len());
    if k == 0 && write == Write::Overwrite {
        c.fill(T::ZERO);
    }
    if m == 0 || n == 0 || k == 0 {
        return;
    }
    let operands = Operands::new(m, k, n, a, op_a, b, op_b);
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU has AVX, checked just above.
        return unsafe { product_avx(&operands, c, write) };
    }
    product::<T, ROWS, COLS>(&operands, c, write);
}

/// A product's operands as packing reads them: op(A) row by row and op(B) column by column,
/// each a "line" of k steps, at (stride between lines, stride between steps) in storage.
struct Operands<'a, T> {
    m: usize,
    k: usize,
    n: usize,
    a: &'a [T],
    a_strides: (usize, usize),
    b: &'a [T],
    b_strides: (usize, usize),
}

impl<'a, T> Operands<'a, T> {
    #[allow(clippy::too_many_arguments)]
    fn new(m: usize, k: usize, n: usize, a: &'a [T], op_a: Op, b: &'a [T], op_b: Op) -> Self {
        let a_strides = match op_a {
            Op::N => (k, 1),
            Op::T => (1, m),
        };
        let b_strides = match op_b {
            Op::N => (1, n),
            Op::T => (k, 1),
        };
        Operands { m, k, n, a, a_strides, b, b_strides }
    }
}

/// [`product`] compiled for AVX: 8 f32 lanes per vector, so twice the tile width. AVX has
/// separate vector multiply and add only; fused multiply-add is the separate `fma` feature,
/// which stays off, so the rounding is exactly the portable build's.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn product_avx<T: Scalar>(operands: &Operands<'_, T>, c: &mut [T], write: Write) {
    product::<T, ROWS, { 2 * COLS }>(operands, c, write);
}

/// The whole product (k ≥ 1), chunk after chunk of k, with register tiles of R×C entries.
#[inline(always)]
fn product<T: Scalar, const R: usize, const C: usize>(operands: &Operands<'_, T>, c: &mut [T], write: Write) {
    let &Operands { m, k, n, a, a_strides, b, b_strides } = operands;
    let (mut a_panels, mut b_panels) = (Vec::new(), Vec::new());
    for (chunk, start) in (0..k).step_by(K_CHUNK).enumerate() {
        let steps = start..k.min(start + K_CHUNK);
        pack::<T, R>(a, m, a_strides, steps.clone(), &mut a_panels);
        pack::<T, C>(b, n, b_strides, steps.clone(), &mut b_panels);
        let replace = chunk == 0 && write == Write::Overwrite;
        multiply_panels::<T, R, C>(&a_panels, &b_panels, steps.len(), n, c, replace);
    }
}

/// Copies `steps` of `lines` lines of `src` (line l, step p at `l·line_stride + p·step_stride`)
/// into panels of WIDTH lines, step-major: panel q holds, step after step, lines qW..qW+W side
/// by side. Lines past the last are 0 (their sums are computed and dropped).
#[inline(always)]
fn pack<T: Scalar, const WIDTH: usize>(src: &[T], lines: usize, (line_stride, step_stride): (usize, usize), steps: std::ops::Range<usize>, out: &mut Vec<T>) {
    let len = steps.len();
    out.clear();
    out.resize(lines.div_ceil(WIDTH) * len * WIDTH, T::ZERO);
    for (q, panel) in out.chunks_exact_mut(len * WIDTH).enumerate() {
        let first_line = q * WIDTH;
        let width = WIDTH.min(lines - first_line);
        if line_stride == 1 {
            // Lines side by side in memory (op(A) of a transposed A, op(B) of a plain B):
            // each step of the panel is one contiguous copy.
            for (p, step) in steps.clone().zip(panel.chunks_exact_mut(WIDTH)) {
                let at = p * step_stride + first_line;
                for (slot, &x) in step.iter_mut().zip(&src[at..at + width]) {
                    *slot = x;
                }
            }
        } else {
            // Steps contiguous along each line: read each line straight through.
            for w in 0..width {
                let line = &src[(first_line + w) * line_stride..];
                for (slot, p) in panel[w..].iter_mut().step_by(WIDTH).zip(steps.clone()) {
                    *slot = line[p * step_stride];
                }
            }
        }
    }
}

/// Adds (or, when `replace`, writes) the product of packed panels of one k chunk of `len` steps
/// into C (n columns). Each B panel stays in L1 cache while every A panel runs past it.
#[inline(always)]
fn multiply_panels<T: Scalar, const R: usize, const C: usize>(a_panels: &[T], b_panels: &[T], len: usize, n: usize, c: &mut [T], replace: bool) {
    let m = c.len() / n;
    for (q, b_panel) in b_panels.chunks_exact(len * C).enumerate() {
        let first_col = q * C;
        let cols = C.min(n - first_col);
        for (r, a_panel) in a_panels.chunks_exact(len * R).enumerate() {
            let first_row = r * R;
            let sums = T::tile::<R, C>(a_panel, b_panel);
            for (row, sums) in (first_row..m.min(first_row + R)).zip(&sums) {
                let c_row = &mut c[row * n + first_col..][..cols];
                for (entry, &sum) in c_row.iter_mut().zip(sums) {
                    *entry = if replace { sum } else { *entry + sum };
                }
            }
        }
    }
}

/// The f32 register tile in wasm simd128 intrinsics, the same arithmetic as the portable one:
/// each f32x4 lane is one entry of C, `f32x4_add(sum, f32x4_mul(a, b))` per step.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128 {
    use core::arch::wasm32::{f32x4_add, f32x4_mul, f32x4_splat, v128, v128_load, v128_store};

    #[inline(always)]
    pub(super) fn tile<const R: usize, const C: usize>(a_panel: &[f32], b_panel: &[f32]) -> [[f32; C]; R] {
        const { assert!(C == 8, "the simd128 tile is two f32x4 wide") };
        let mut sums: [[v128; 2]; R] = [[f32x4_splat(0.0); 2]; R];
        for (a, b) in a_panel.chunks_exact(R).zip(b_panel.chunks_exact(C)) {
            // SAFETY: `b` holds C = 8 f32, i.e. two 16-byte vectors (wasm loads need no alignment).
            let b = unsafe { [v128_load(b.as_ptr().cast()), v128_load(b.as_ptr().add(4).cast())] };
            for (row, &x) in sums.iter_mut().zip(a) {
                let x = f32x4_splat(x);
                for (sum, &y) in row.iter_mut().zip(&b) {
                    *sum = f32x4_add(*sum, f32x4_mul(x, y));
                }
            }
        }
        sums.map(|row| {
            let mut out = [0.0; C];
            for (half, vector) in out.chunks_exact_mut(4).zip(row) {
                // SAFETY: each half is 4 f32 = 16 bytes.
                unsafe { v128_store(half.as_mut_ptr().cast(), vector) };
            }
            out
        })
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
    fn at<T: Scalar>(data: &[T], cols: usize, op: Op, i: usize, j: usize) -> T {
        match op {
            Op::N => data[i * cols + j],
            Op::T => data[j * cols + i],
        }
    }

    /// The summation order the module docs promise, as plain loops over C's entries.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn reference<T: Scalar>(m: usize, k: usize, n: usize, a: &[T], op_a: Op, b: &[T], op_b: Op, c: &mut [T], write: Write) {
        let a_cols = if op_a == Op::N { k } else { m };
        let b_cols = if op_b == Op::N { n } else { k };
        for i in 0..m {
            for j in 0..n {
                let mut entry = (write == Write::Accumulate).then_some(c[i * n + j]);
                for start in (0..k).step_by(K_CHUNK) {
                    let mut sum = T::ZERO;
                    for p in start..k.min(start + K_CHUNK) {
                        sum = sum + at(a, a_cols, op_a, i, p) * at(b, b_cols, op_b, p, j);
                    }
                    entry = Some(entry.map_or(sum, |e| e + sum));
                }
                c[i * n + j] = entry.unwrap_or(T::ZERO);
            }
        }
    }

    /// N(0, 1)·2^±12 entries: products spread over many binades, so that any other summation
    /// order, grouping or fused multiply-add rounds differently somewhere.
    fn spread<T>(len: usize, rng: &mut Rng, cast: fn(f64) -> T) -> Vec<T> {
        (0..len).map(|_| cast(rng.normal() * libm::exp2(rng.uniform_in(-12.0, 12.0).round()))).collect()
    }

    /// Shapes with partial register tiles on every side, k below, at and above K_CHUNK.
    const SHAPES: [(usize, usize, usize); 6] = [(1, 1, 1), (5, 3, 9), (13, 300, 11), (4, 256, 8), (3, 513, 17), (37, 64, 70)];

    fn assert_same_bits_as_reference<T: Scalar + Into<f64>>(cast: fn(f64) -> T) {
        let mut rng = Rng::new(7, Stream::Data);
        for (m, k, n) in SHAPES {
            for (op_a, op_b, write) in [Op::N, Op::T].into_iter().flat_map(|a| [(a, Op::N), (a, Op::T)]).flat_map(|(a, b)| [(a, b, Write::Overwrite), (a, b, Write::Accumulate)]) {
                let a = spread(m * k, &mut rng, cast);
                let b = spread(k * n, &mut rng, cast);
                let c = spread(m * n, &mut rng, cast);
                let (mut got, mut want) = (c.clone(), c);
                let mut portable = got.clone();
                gemm(m, k, n, &a, op_a, &b, op_b, &mut got, write);
                reference(m, k, n, &a, op_a, &b, op_b, &mut want, write);
                let bits = |v: &[T]| v.iter().map(|&x| x.into().to_bits()).collect::<Vec<u64>>();
                assert_eq!(bits(&got), bits(&want), "{m}×{k}×{n} {op_a:?}{op_b:?} {write:?}");
                // gemm may have taken a wider kernel (AVX); the portable one must agree too.
                product::<T, ROWS, COLS>(&Operands::new(m, k, n, &a, op_a, &b, op_b), &mut portable, write);
                assert_eq!(bits(&portable), bits(&want), "portable {m}×{k}×{n} {op_a:?}{op_b:?} {write:?}");
            }
        }
    }

    #[test]
    fn every_entry_has_the_bits_of_the_documented_summation_order() {
        assert_same_bits_as_reference::<f32>(|x| x as f32);
        assert_same_bits_as_reference::<f64>(|x| x);
    }

    #[test]
    fn another_summation_order_would_be_caught() {
        // What keeps the test above from passing whatever the kernel does: on the same kind of
        // data, summing k = 300 straight through (no chunk split) changes bits.
        let mut rng = Rng::new(7, Stream::Data);
        let (m, k, n) = (13, 300, 11);
        let a = spread(m * k, &mut rng, |x| x as f32);
        let b = spread(k * n, &mut rng, |x| x as f32);
        let mut c = vec![0.0; m * n];
        gemm(m, k, n, &a, Op::N, &b, Op::N, &mut c, Write::Overwrite);
        let straight = |i: usize, j: usize| (0..k).fold(0.0f32, |sum, p| sum + a[i * k + p] * b[p * n + j]);
        let differing = (0..m * n).filter(|&e| straight(e / n, e % n).to_bits() != c[e].to_bits()).count();
        assert!(differing > 0, "no entry of the unsplit sum differs");
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
                            let mut want: f64 = (0..k).map(|p| f64::from(at(&a, a_cols, op_a, i, p)) * f64::from(at(&b, b_cols, op_b, p, j))).sum();
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
