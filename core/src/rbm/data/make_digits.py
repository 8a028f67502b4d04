"""Regenerates digits.txt from scikit-learn's copy of the UCI optical digits (load_digits).

    python3 -m venv venv && venv/bin/pip download --no-deps scikit-learn -d .
    unzip -o scikit_learn-*.whl sklearn/datasets/data/digits.csv.gz
    python3 make_digits.py sklearn/datasets/data/digits.csv.gz > digits.txt

Each CSV row is 64 pixel counts 0..16 (8x8, row-major) and the label. A pixel is on when its
count is at least 8 (half of the 4x4 block it summarises). Each output line is the label and
16 hex digits: one byte per image row, the most significant bit the leftmost pixel.
"""
import gzip
import sys

THRESHOLD = 8

print("# Binarized UCI optical digits (1797 8x8 images) from scikit-learn's load_digits; see LICENSE.md.")
print("# label, then one byte per row as hex (msb = leftmost pixel), pixel on iff count >= 8 of 16.")
with gzip.open(sys.argv[1], "rt") as f:
    for line in f:
        values = [int(v) for v in line.split(",")]
        pixels, label = values[:64], values[64]
        rows = []
        for r in range(8):
            byte = 0
            for c in range(8):
                byte = (byte << 1) | (pixels[8 * r + c] >= THRESHOLD)
            rows.append(byte)
        print(label, bytes(rows).hex())
