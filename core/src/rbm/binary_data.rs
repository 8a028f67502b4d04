//! Data for binary visible units, as labelled [`Samples`] so the fine-tuning stage can train
//! the classifier on the same examples the RBMs were pretrained on.
//!
//! - Bars and stripes (MacKay 2003): a 4×4 image whose columns (bars) or rows (stripes) are
//!   each on or off, generated from the data stream.
//! - Digits: the 1797 real handwritten 8×8 digits of the UCI optical-digits test set, as
//!   scikit-learn ships them (`load_digits`), each pixel on iff its count is ≥ 8 of 16; stored
//!   in `data/digits.txt` (how it was made: `data/make_digits.py`; licence: `data/LICENSE.md`).

use crate::data::{Samples, Targets};
use crate::rng::{Rng, Stream};

/// Side of the generated bars-and-stripes images.
pub const BARS_SIDE: usize = 4;
/// Examples drawn for the bars-and-stripes data set.
pub const BARS_EXAMPLES: usize = 1024;
/// The last 1/HELD_OUT_DIVISOR of a data set is held out (free-energy gap, validation).
pub const HELD_OUT_DIVISOR: usize = 5;

const DIGITS_FILE: &str = include_str!("data/digits.txt");
const DIGIT_SIDE: usize = 8;

/// The generators behind `config::Dataset::Bars` and `Dataset::Digits` (which carry the names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryDataset {
    BarsStripes,
    Digits,
}

impl BinaryDataset {
    /// (rows, columns) of one image, for drawing inputs and first-layer filters.
    pub fn image_shape(self) -> (usize, usize) {
        match self {
            BinaryDataset::BarsStripes => (BARS_SIDE, BARS_SIDE),
            BinaryDataset::Digits => (DIGIT_SIDE, DIGIT_SIDE),
        }
    }

    /// The data set for `seed`, in random order (so [`split_held_out`] holds out a random fifth).
    ///
    /// Bars and stripes: BARS_EXAMPLES draws, orientation and then a set of lines uniformly at
    /// random, the all-off and all-on images excluded because they are both bars and stripes
    /// (their label would be a coin flip). Label 0 = bars (vertical), 1 = stripes.
    pub fn generate(self, seed: u64) -> Samples {
        let mut rng = Rng::new(seed, Stream::Data);
        match self {
            BinaryDataset::BarsStripes => {
                let mut inputs = Vec::with_capacity(BARS_EXAMPLES * BARS_SIDE * BARS_SIDE);
                let mut labels = Vec::with_capacity(BARS_EXAMPLES);
                for _ in 0..BARS_EXAMPLES {
                    let stripes = rng.below(2) == 1;
                    let lines = 1 + rng.below((1 << BARS_SIDE) - 2) as usize;
                    inputs.extend(bars_or_stripes(BARS_SIDE, stripes, lines));
                    labels.push(usize::from(stripes));
                }
                Samples { inputs, n_features: BARS_SIDE * BARS_SIDE, targets: Targets::Classes { labels, n_classes: 2 } }
            }
            BinaryDataset::Digits => {
                let digits = digits_in_file_order();
                digits.select(&rng.permutation(digits.len()))
            }
        }
    }
}

/// (training, held-out): the held-out part is the last 1/HELD_OUT_DIVISOR of the examples.
pub fn split_held_out(samples: &Samples) -> (Samples, Samples) {
    let n = samples.len();
    let n_train = n - n / HELD_OUT_DIVISOR;
    let indices: Vec<usize> = (0..n).collect();
    (samples.select(&indices[..n_train]), samples.select(&indices[n_train..]))
}

/// Every distinct side×side bars-and-stripes image, row-major [2^(side+1) − 2, side²]: all
/// 2^side bar images, then the stripe images except all-off and all-on (already among the bars).
pub fn bars_and_stripes_patterns(side: usize) -> Vec<f32> {
    let all = 1usize << side;
    let bars = (0..all).flat_map(|lines| bars_or_stripes(side, false, lines));
    let stripes = (1..all - 1).flat_map(|lines| bars_or_stripes(side, true, lines));
    bars.chain(stripes).collect()
}

/// The image whose columns (or, for stripes, rows) are on where `lines` has bit c set.
fn bars_or_stripes(side: usize, stripes: bool, lines: usize) -> impl Iterator<Item = f32> {
    (0..side * side).map(move |pixel| {
        let line = if stripes { pixel / side } else { pixel % side };
        if (lines >> line) & 1 == 1 {
            1.0
        } else {
            0.0
        }
    })
}

/// The digits as stored: per line a label and 16 hex digits, one byte per image row with the
/// most significant bit the leftmost pixel; lines starting with '#' are comments.
fn digits_in_file_order() -> Samples {
    let mut inputs = Vec::new();
    let mut labels = Vec::new();
    for line in DIGITS_FILE.lines().filter(|l| !l.starts_with('#')) {
        // The file is part of the source tree and checked by a test, so a bad line is a build bug.
        let (label, rows) = line.split_once(' ').expect("digits.txt: label and rows");
        labels.push(label.parse::<usize>().expect("digits.txt: label"));
        let image = u64::from_str_radix(rows, 16).expect("digits.txt: 16 hex digits");
        inputs.extend((0..64).rev().map(|bit| ((image >> bit) & 1) as f32));
    }
    Samples { inputs, n_features: DIGIT_SIDE * DIGIT_SIDE, targets: Targets::Classes { labels, n_classes: 10 } }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn labels(s: &Samples) -> &[usize] {
        let Targets::Classes { labels, .. } = &s.targets else { panic!("the binary sets are labelled") };
        labels
    }

    /// Whether a row-major side×side image is constant along each row (stripes) or column (bars).
    fn orientation(image: &[f32], side: usize) -> (bool, bool) {
        let at = |r: usize, c: usize| image[r * side + c];
        let stripes = (0..side).all(|r| (0..side).all(|c| at(r, c) == at(r, 0)));
        let bars = (0..side).all(|c| (0..side).all(|r| at(r, c) == at(0, c)));
        (bars, stripes)
    }

    #[test]
    fn all_distinct_bars_and_stripes_patterns() {
        for side in 2..=4 {
            let patterns = bars_and_stripes_patterns(side);
            let images: Vec<&[f32]> = patterns.chunks(side * side).collect();
            assert_eq!(images.len(), (1 << (side + 1)) - 2, "2^(n+1) − 2 patterns");
            let distinct: HashSet<Vec<u32>> = images.iter().map(|im| im.iter().map(|v| v.to_bits()).collect()).collect();
            assert_eq!(distinct.len(), images.len(), "side {side}: duplicates");
            assert!(images.iter().all(|im| {
                let (bars, stripes) = orientation(im, side);
                bars || stripes
            }));
        }
        // 2×2: the four bar images, then the two one-row stripes.
        assert_eq!(bars_and_stripes_patterns(2), [0., 0., 0., 0., 1., 0., 1., 0., 0., 1., 0., 1., 1., 1., 1., 1., 1., 1., 0., 0., 0., 0., 1., 1.]);
    }

    #[test]
    fn generated_bars_and_stripes_are_labelled_by_orientation() {
        let data = BinaryDataset::BarsStripes.generate(7);
        assert_eq!((data.len(), data.n_features, data.n_outputs()), (BARS_EXAMPLES, 16, 2));
        for (image, &label) in data.inputs.chunks(16).zip(labels(&data)) {
            let (bars, stripes) = orientation(image, 4);
            assert!(bars != stripes, "uniform images are excluded");
            assert_eq!(label, usize::from(stripes));
        }
        // Each label ~ Binomial(1024, ½): sd 16.
        let stripes = labels(&data).iter().sum::<usize>();
        assert!((440..=584).contains(&stripes), "{stripes} stripes");
        let distinct: HashSet<Vec<u32>> = data.inputs.chunks(16).map(|im| im.iter().map(|v| v.to_bits()).collect()).collect();
        assert_eq!(distinct.len(), 28, "every non-uniform pattern occurs");
        assert_eq!(data, BinaryDataset::BarsStripes.generate(7));
        assert_ne!(data, BinaryDataset::BarsStripes.generate(8));
    }

    #[test]
    fn digits_file_holds_the_binarized_uci_digits() {
        let digits = digits_in_file_order();
        assert_eq!((digits.len(), digits.n_features, digits.n_outputs()), (1797, 64, 10));
        // Class sizes of sklearn's load_digits, and the on-pixel count of the binarization
        // (both counted from the CSV by Python when the file was made).
        let mut per_class = [0; 10];
        labels(&digits).iter().for_each(|&l| per_class[l] += 1);
        assert_eq!(per_class, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
        assert_eq!(digits.inputs.iter().filter(|&&v| v == 1.0).count(), 37151);
        assert!(digits.inputs.iter().all(|&v| v == 0.0 || v == 1.0));
        // The first image is a 0: CSV row 0,0,5,13,9,1,0,0 / 0,0,13,15,10,15,5,0 / … ≥ 8 gives
        // 00011000 / 00111100 / 00100110 / 00100110 / 00100110 / 00100100 / 00101100 / 00011000.
        let rows: Vec<u8> = digits.inputs[..64].chunks(8).map(|r| r.iter().fold(0, |acc, &v| (acc << 1) | v as u8)).collect();
        assert_eq!(rows, [0x18, 0x3c, 0x26, 0x26, 0x26, 0x24, 0x2c, 0x18]);
        assert_eq!(labels(&digits)[0], 0);
    }

    #[test]
    fn digits_are_shuffled_by_seed_and_split_into_fifths() {
        let a = BinaryDataset::Digits.generate(1);
        assert_eq!(a, BinaryDataset::Digits.generate(1));
        assert_ne!(labels(&a), labels(&BinaryDataset::Digits.generate(2)));
        let mut sorted = labels(&a).to_vec();
        sorted.sort_unstable();
        let mut original = labels(&digits_in_file_order()).to_vec();
        original.sort_unstable();
        assert_eq!(sorted, original, "a permutation of the same examples");
        let (train, held_out) = split_held_out(&a);
        assert_eq!((train.len(), held_out.len()), (1438, 359));
        assert_eq!(held_out.inputs, a.inputs[1438 * 64..]);
        assert_eq!(BinaryDataset::Digits.image_shape(), (8, 8));
    }
}
