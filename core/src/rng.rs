//! Deterministic randomness: xoshiro256** (Blackman & Vigna) seeded through SplitMix64.
//!
//! No `rand` dependency: the stream must never change under us, because a shared link promises
//! the same numbers forever. Each purpose gets its own stream derived from the config seed, so
//! e.g. changing the batch size leaves the data and the initial weights untouched.

/// What a stream is used for; each gets an independent sequence from the same seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Data,
    Weights,
    BatchOrder,
}

impl Stream {
    /// Fixed tags mixed into the seed (changing them changes every shared link's numbers).
    fn tag(self) -> u64 {
        match self {
            Stream::Data => 0x6461_7461, // "data"
            Stream::Weights => 0x7765_6967_6874, // "weight"
            Stream::BatchOrder => 0x006f_7264_6572, // "order"
        }
    }
}

/// SplitMix64 step: advances `state` and returns a well-mixed 64-bit value.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[derive(Clone, Debug)]
pub struct Rng {
    s: [u64; 4],
}

/// Layers of the normal ziggurat.
const ZIGGURAT_LAYERS: usize = 256;
/// Start of the tail and area of each layer for 256 layers (Marsaglia & Tsang 2000).
const ZIGGURAT_R: f64 = 3.654_152_885_361_009;
const ZIGGURAT_AREA: f64 = 0.004_928_673_233_99;

/// Unnormalized normal density e^{−x²/2}.
fn gaussian_density(x: f64) -> f64 {
    libm::exp(-0.5 * x * x)
}

/// Ziggurat tables: right edges x[0..=256] (x[0] the base strip's equivalent width, x[1] = R,
/// decreasing to x[256] = 0) and the density at each edge. Computed once with `libm`, so they
/// are identical everywhere.
struct Ziggurat {
    x: [f64; ZIGGURAT_LAYERS + 1],
    f: [f64; ZIGGURAT_LAYERS + 1],
}

fn ziggurat() -> &'static Ziggurat {
    static TABLES: std::sync::OnceLock<Ziggurat> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| {
        let mut x = [0.0; ZIGGURAT_LAYERS + 1];
        x[0] = ZIGGURAT_AREA / gaussian_density(ZIGGURAT_R);
        x[1] = ZIGGURAT_R;
        for i in 1..ZIGGURAT_LAYERS - 1 {
            x[i + 1] = (-2.0 * libm::log(ZIGGURAT_AREA / x[i] + gaussian_density(x[i]))).sqrt();
        }
        x[ZIGGURAT_LAYERS] = 0.0;
        Ziggurat { x, f: x.map(gaussian_density) }
    })
}

impl Rng {
    /// Generator for `stream` of the experiment with master seed `seed`.
    pub fn new(seed: u64, stream: Stream) -> Self {
        let mut sm = seed;
        let mixed = splitmix64(&mut sm) ^ stream.tag();
        Self::from_seed(mixed)
    }

    /// Generator whose whole state comes from one 64-bit seed via SplitMix64 (never all zero).
    pub fn from_seed(seed: u64) -> Self {
        let mut sm = seed;
        let s = [splitmix64(&mut sm), splitmix64(&mut sm), splitmix64(&mut sm), splitmix64(&mut sm)];
        Rng { s }
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1) with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [low, high).
    pub fn uniform_in(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.uniform()
    }

    /// Standard normal by the ziggurat method (Marsaglia & Tsang 2000) with 256 layers, in the
    /// form that takes the layer and the abscissa from separate bits of one draw (Doornik 2005):
    /// ~99 % of draws cost one `next_u64`, a multiply and a compare; no `libm` call but in the
    /// rare wedge and tail cases.
    pub fn normal(&mut self) -> f64 {
        let z = ziggurat();
        loop {
            let bits = self.next_u64();
            let layer = (bits & 0xff) as usize;
            // 53 bits above the layer bits: u uniform in [−1, 1).
            let u = 2.0 * ((bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)) - 1.0;
            let x = u * z.x[layer];
            if x.abs() < z.x[layer + 1] {
                return x;
            }
            if layer == 0 {
                return self.normal_tail(u < 0.0);
            }
            // Wedge: accept if a uniform height in the layer falls under the density.
            if z.f[layer] + (z.f[layer + 1] - z.f[layer]) * self.uniform() < gaussian_density(x) {
                return x;
            }
        }
    }

    /// A draw from the normal tail beyond R (Marsaglia 1964), negated if `negative`.
    fn normal_tail(&mut self, negative: bool) -> f64 {
        loop {
            // 1 − uniform ∈ (0, 1]: the logarithms stay finite.
            let x = -libm::log(1.0 - self.uniform()) / ZIGGURAT_R;
            let y = -libm::log(1.0 - self.uniform());
            if 2.0 * y >= x * x {
                return if negative { -(ZIGGURAT_R + x) } else { ZIGGURAT_R + x };
            }
        }
    }

    /// Uniform integer in 0..n (Lemire's unbiased multiply-and-reject). `n` must be > 0.
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        let threshold = n.wrapping_neg() % n;
        loop {
            let product = u128::from(self.next_u64()) * u128::from(n);
            if (product as u64) >= threshold {
                return (product >> 64) as u64;
            }
        }
    }

    /// Fisher–Yates shuffle in place.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }

    /// A uniformly random permutation of 0..n.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..n).collect();
        self.shuffle(&mut order);
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_reference_output() {
        // First outputs of the reference C implementation (Vigna, splitmix64.c) for seed 0.
        let mut state = 0;
        assert_eq!(splitmix64(&mut state), 0xe220_a839_7b1d_cdaf);
        assert_eq!(splitmix64(&mut state), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn xoshiro256starstar_matches_reference_output() {
        // State [1, 2, 3, 4] → 11520, 0, 1509978240, 1215971899390074240 (reference xoshiro256**.c).
        let mut rng = Rng { s: [1, 2, 3, 4] };
        let got: Vec<u64> = (0..4).map(|_| rng.next_u64()).collect();
        assert_eq!(got, [11520, 0, 1509978240, 1215971899390074240]);
    }

    #[test]
    fn streams_are_pinned() {
        // Pins the streams: if this fails, every existing shared link would change its numbers.
        let first = |stream| Rng::new(42, stream).next_u64();
        assert_eq!(first(Stream::Data), PINNED_DATA);
        assert_eq!(first(Stream::Weights), PINNED_WEIGHTS);
        assert_eq!(first(Stream::BatchOrder), PINNED_ORDER);
        let mut rng = Rng::new(42, Stream::Weights);
        let normals: Vec<u64> = (0..3).map(|_| rng.normal().to_bits()).collect();
        assert_eq!(normals, PINNED_NORMALS);
    }
    // Computed by an independent Python transcription of the same algorithms. The normals
    // there are 0.824255220528232, -0.704092606860157, -0.31089713644015265: the same up to
    // 2 ulps, because Python's exp/log (glibc) round the ziggurat tables slightly differently
    // from `libm`; the pins hold our exact bits.
    const PINNED_DATA: u64 = 2100251968757091809;
    const PINNED_WEIGHTS: u64 = 14837135258457382299;
    const PINNED_ORDER: u64 = 4792840022119381372;
    const PINNED_NORMALS: [u64; 3] = [0x3fea_604c_7bf7_3b95, 0xbfe6_87ed_37fa_3b7a, 0xbfd3_e5bd_1a5b_8d67];

    #[test]
    fn streams_differ_and_seeds_differ() {
        let a = Rng::new(1, Stream::Data).next_u64();
        assert_ne!(a, Rng::new(1, Stream::Weights).next_u64());
        assert_ne!(a, Rng::new(1, Stream::BatchOrder).next_u64());
        assert_ne!(a, Rng::new(2, Stream::Data).next_u64());
    }

    #[test]
    fn uniform_moments() {
        // n = 200k: the standard error of the mean of U[0,1) is 0.289/√n ≈ 6.5e-4.
        let n = 200_000;
        let mut rng = Rng::new(7, Stream::Data);
        let u: Vec<f64> = (0..n).map(|_| rng.uniform()).collect();
        assert!((u.iter().sum::<f64>() / n as f64 - 0.5).abs() < 3e-3);
        assert!(u.iter().all(|&v| (0.0..1.0).contains(&v)));
    }

    #[test]
    fn normal_matches_the_gaussian_distribution() {
        let n = 400_000;
        let mut rng = Rng::new(7, Stream::Weights);
        let mut z: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let nf = n as f64;
        // Mean (SE 1/√n = 1.6e-3) and variance (SE √(2/n) = 2.2e-3), 5 standard errors.
        let mean = z.iter().sum::<f64>() / nf;
        let var = z.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / nf;
        assert!(mean.abs() < 8e-3 && (var - 1.0).abs() < 1.1e-2, "mean {mean} var {var}");
        // Two-sided tails, including beyond the ziggurat's R = 3.654 (the tail sampler):
        // P(|z| > t) = erfc(t/√2); binomial counts within 5 standard deviations.
        for t in [1.0, 2.0, 3.0, 3.8] {
            let p = libm::erfc(t / core::f64::consts::SQRT_2);
            let count = z.iter().filter(|v| v.abs() > t).count() as f64;
            let sd = (nf * p * (1.0 - p)).sqrt();
            assert!((count - nf * p).abs() < 5.0 * sd, "P(|z| > {t}): {count} vs {}", nf * p);
        }
        // Kolmogorov–Smirnov against Φ: D·√n < 1.95 at the 0.1 % level.
        z.sort_by(f64::total_cmp);
        let d = z.iter().enumerate().fold(0.0f64, |d, (i, &v)| {
            let phi = 0.5 * libm::erfc(-v / core::f64::consts::SQRT_2);
            d.max((phi - i as f64 / nf).abs()).max(((i + 1) as f64 / nf - phi).abs())
        });
        assert!(d * nf.sqrt() < 1.95, "KS statistic {}", d * nf.sqrt());
    }

    #[test]
    fn ziggurat_tables_close_at_zero() {
        // R and V are consistent: the recursion from R leaves a top layer [0, x₂₅₅]×[f(x₂₅₅), 1]
        // of area V again (Marsaglia & Tsang give them to ~10 digits; Python finds 1e-9).
        let z = ziggurat();
        let top = z.x[ZIGGURAT_LAYERS - 1];
        assert!((top * (1.0 - gaussian_density(top)) / ZIGGURAT_AREA - 1.0).abs() < 1e-8, "top edge {top}");
        assert!(z.x.windows(2).all(|w| w[0] > w[1]));
    }

    #[test]
    fn below_is_in_range_and_covers_it() {
        let mut rng = Rng::new(3, Stream::BatchOrder);
        let mut seen = [0usize; 7];
        for _ in 0..7000 {
            seen[rng.below(7) as usize] += 1;
        }
        // Each count ~ Binomial(7000, 1/7): mean 1000, sd 29.
        assert!(seen.iter().all(|&c| (850..1150).contains(&c)), "{seen:?}");
    }

    #[test]
    fn permutation_is_a_permutation_and_deterministic() {
        let p = Rng::new(5, Stream::BatchOrder).permutation(1000);
        let mut sorted = p.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..1000).collect::<Vec<_>>());
        assert_eq!(p, Rng::new(5, Stream::BatchOrder).permutation(1000));
        assert_ne!(p, Rng::new(6, Stream::BatchOrder).permutation(1000));
    }
}
