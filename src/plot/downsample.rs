//! Keeping redraws cheap on long runs and deep networks, free of plotters types: which snapshots
//! and layers share a drawn cell or line point, what value such a group shows, and merging runs of
//! equal cells into one rectangle.

use std::ops::Range;

use super::scale::Placement;

/// Splits `0..n` into `groups` consecutive ranges whose sizes differ by at most one (`groups` is
/// clamped to 1..=n). Empty for n = 0.
pub fn buckets(n: usize, groups: usize) -> Vec<Range<usize>> {
    if n == 0 {
        return Vec::new();
    }
    let groups = groups.clamp(1, n);
    (0..groups)
        .map(|g| g * n / groups..(g + 1) * n / groups)
        .collect()
}

/// `count` indices out of `0..n`, evenly spread, always the first and the last (all of them when
/// `count` ≥ n).
pub fn evenly_spaced(n: usize, count: usize) -> Vec<usize> {
    if count >= n {
        return (0..n).collect();
    }
    if count <= 1 {
        return (n > 0).then_some(n - 1).into_iter().collect();
    }
    let mut picked: Vec<usize> = (0..count)
        .map(|i| ((i * (n - 1)) as f64 / (count - 1) as f64).round() as usize)
        .collect();
    picked.dedup();
    picked
}

/// How many rows (layers) × columns (snapshots) of heatmap cells to draw: every layer and every
/// snapshot when they fit, else as many as fit in `max_rows` × `max_columns` (about one cell per
/// couple of pixels) and `max_cells` in all, shrinking both sides by the same factor.
pub fn cell_grid(
    layers: usize,
    snapshots: usize,
    (max_rows, max_columns): (usize, usize),
    max_cells: usize,
) -> (usize, usize) {
    if layers == 0 || snapshots == 0 {
        return (0, 0);
    }
    let (all_rows, all_columns) = (
        layers.min(max_rows.max(1)),
        snapshots.min(max_columns.max(1)),
    );
    if all_rows * all_columns <= max_cells {
        return (all_rows, all_columns);
    }
    let shrink = (max_cells as f64 / (all_rows * all_columns) as f64).sqrt();
    let rows = ((all_rows as f64 * shrink) as usize).clamp(1, all_rows);
    // Rounding down leaves some budget: columns take it first, then rows what remains.
    let columns = (max_cells / rows).clamp(1, all_columns);
    let rows = (max_cells / columns).clamp(1, all_rows);
    (rows, columns)
}

/// The edges of the columns that tile the x axis, one column per step: halfway between
/// neighbouring steps, and half a spacing beyond the first and the last (one step when there is
/// only one). `steps.len() + 1` edges.
pub fn column_edges(steps: &[u64]) -> Vec<f64> {
    let x: Vec<f64> = steps.iter().map(|&s| s as f64).collect();
    match x.len() {
        0 => Vec::new(),
        1 => vec![x[0] - 0.5, x[0] + 0.5],
        n => {
            let mut edges = Vec::with_capacity(n + 1);
            edges.push(x[0] - (x[1] - x[0]) / 2.0);
            edges.extend(x.windows(2).map(|pair| (pair[0] + pair[1]) / 2.0));
            edges.push(x[n - 1] + (x[n - 1] - x[n - 2]) / 2.0);
            edges
        }
    }
}

/// What a group of values shows on a log scale: NaN/±∞ if any value is (a divergence must never
/// be averaged away), else the geometric mean of the positive values (the mean on the log axis),
/// else exactly 0 if they are all 0. `None` for no values.
pub fn log_mean(values: impl IntoIterator<Item = f64>) -> Option<Placement> {
    let (mut sum, mut positives, mut any) = (0.0, 0usize, false);
    for value in values {
        any = true;
        match Placement::of(value) {
            Placement::NonFinite => return Some(Placement::NonFinite),
            Placement::At(decade) => {
                sum += decade;
                positives += 1;
            }
            Placement::Zero => {}
        }
    }
    match (positives, any) {
        (0, false) => None,
        (0, true) => Some(Placement::Zero),
        (n, _) => Some(Placement::At(sum / n as f64)),
    }
}

/// Runs of equal neighbours: `(index range, item)` tiling `items` in order.
pub fn runs<T: PartialEq + Copy>(items: &[T]) -> Vec<(Range<usize>, T)> {
    let mut runs: Vec<(Range<usize>, T)> = Vec::new();
    for (index, &item) in items.iter().enumerate() {
        match runs.last_mut() {
            Some((range, last)) if *last == item => range.end = index + 1,
            _ => runs.push((index..index + 1, item)),
        }
    }
    runs
}

/// Keeps the shape of a long line while drawing at most two points per group: for each bucket
/// of `points`, its lowest and highest y in their original order (a NaN point, `None`, is kept
/// as a break). Lines with fewer than two points per group come back unchanged.
pub fn min_max(points: &[(f64, Option<f64>)], groups: usize) -> Vec<(f64, Option<f64>)> {
    if points.len() <= 2 * groups {
        return points.to_vec();
    }
    let mut kept = Vec::with_capacity(2 * groups + 1);
    for bucket in buckets(points.len(), groups) {
        let slice = &points[bucket];
        if let Some(gap) = slice.iter().find(|(_, y)| y.is_none()) {
            kept.push(*gap);
            continue;
        }
        let y = |i: usize| slice[i].1.unwrap_or_default();
        let by_y = |a: &usize, b: &usize| y(*a).total_cmp(&y(*b));
        let low = (0..slice.len()).min_by(by_y).unwrap_or(0);
        let high = (0..slice.len()).max_by(by_y).unwrap_or(0);
        kept.push(slice[low.min(high)]);
        if low != high {
            kept.push(slice[low.max(high)]);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_tile_the_range_in_near_equal_parts() {
        assert_eq!(buckets(10, 3), [0..3, 3..6, 6..10]);
        assert_eq!(buckets(4, 10), [0..1, 1..2, 2..3, 3..4]);
        let everything = 0..5;
        assert_eq!(buckets(5, 0), [everything]);
        assert!(buckets(0, 3).is_empty());
        for (n, groups) in [(1000, 7), (12345, 300), (299, 299), (17, 16)] {
            let parts = buckets(n, groups);
            assert_eq!(parts.len(), groups);
            assert_eq!((parts[0].start, parts[groups - 1].end), (0, n));
            assert!(parts.windows(2).all(|w| w[0].end == w[1].start));
            let sizes: Vec<usize> = parts.iter().map(|p| p.len()).collect();
            let (least, most) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(
                most - least <= 1 && *least >= 1,
                "{n}/{groups}: {least}..{most}"
            );
        }
    }

    #[test]
    fn evenly_spaced_keeps_both_ends() {
        assert_eq!(evenly_spaced(201, 5), [0, 50, 100, 150, 200]);
        assert_eq!(evenly_spaced(4, 10), [0, 1, 2, 3]);
        assert_eq!(evenly_spaced(10, 1), [9]);
        assert!(evenly_spaced(0, 3).is_empty());
        let picked = evenly_spaced(1000, 48);
        assert_eq!((picked.len(), picked[0], picked[47]), (48, 0, 999));
        assert!(picked.windows(2).all(|w| w[1] > w[0]));
    }

    #[test]
    fn every_cell_is_drawn_when_it_fits() {
        assert_eq!(cell_grid(12, 50, (200, 300), 4096), (12, 50));
        assert_eq!(cell_grid(0, 50, (200, 300), 4096), (0, 0));
        assert_eq!(cell_grid(12, 0, (200, 300), 4096), (0, 0));
    }

    #[test]
    fn long_runs_and_deep_networks_are_downsampled_within_budget() {
        // A long run of a shallow network: all rows, columns cut to the pixels then the budget.
        assert_eq!(cell_grid(5, 10_000, (150, 300), 4096), (5, 300));
        assert_eq!(cell_grid(20, 10_000, (150, 300), 4096), (16, 256));
        // Deep and long: both sides shrink, the total stays within the budget.
        for (layers, snapshots) in [(201, 5000), (1000, 1000), (64, 300), (200, 40)] {
            let (rows, columns) = cell_grid(layers, snapshots, (150, 300), 4096);
            assert!(
                rows * columns <= 4096,
                "{layers}×{snapshots} → {rows}×{columns}"
            );
            assert!(rows <= layers.min(150) && columns <= snapshots.min(300));
            // … and uses most of it: never a needlessly coarse picture.
            assert!(
                rows * columns > 4096 / 2,
                "{layers}×{snapshots} → {rows}×{columns}"
            );
        }
        // A few snapshots of a very deep network keep every snapshot.
        assert_eq!(cell_grid(1000, 10, (150, 300), 4096), (150, 10));
        assert_eq!(cell_grid(1000, 40, (150, 300), 4096), (124, 33));
    }

    #[test]
    fn columns_meet_halfway_between_steps() {
        assert_eq!(column_edges(&[10, 20, 40]), [5.0, 15.0, 30.0, 50.0]);
        assert_eq!(column_edges(&[7]), [6.5, 7.5]);
        assert!(column_edges(&[]).is_empty());
    }

    #[test]
    fn groups_show_the_geometric_mean_and_never_hide_a_nan() {
        assert_eq!(log_mean([1e-2, 1e-4]), Some(Placement::At(-3.0)));
        assert_eq!(log_mean([1e-2, f64::NAN, 1e-4]), Some(Placement::NonFinite));
        assert_eq!(log_mean([0.0, -0.0]), Some(Placement::Zero));
        // A zero among positives is underflow within the group: the positives speak.
        assert_eq!(log_mean([0.0, 1e-6]), Some(Placement::At(-6.0)));
        assert_eq!(log_mean([]), None);
    }

    #[test]
    fn runs_merge_equal_neighbours_and_tile_the_row() {
        assert_eq!(runs(&[1, 1, 2, 2, 2, 1]), [(0..2, 1), (2..5, 2), (5..6, 1)]);
        assert!(runs::<u8>(&[]).is_empty());
        let row: Vec<i8> = (0..100).map(|i| (i / 7) as i8).collect();
        let merged = runs(&row);
        assert_eq!(merged.len(), 15);
        let covered: usize = merged.iter().map(|(r, _)| r.len()).sum();
        assert_eq!(covered, 100);
    }

    #[test]
    fn min_max_keeps_spikes_and_breaks() {
        let line: Vec<(f64, Option<f64>)> = (0..100)
            .map(|i| (i as f64, Some(if i == 37 { 9.0 } else { (i % 5) as f64 })))
            .collect();
        let kept = min_max(&line, 10);
        assert!(kept.len() <= 20);
        assert!(kept.contains(&(37.0, Some(9.0))), "the spike survives");
        assert!(kept.windows(2).all(|w| w[1].0 > w[0].0), "x stays in order");
        let mut broken = line.clone();
        broken[64].1 = None;
        assert!(min_max(&broken, 10).contains(&(64.0, None)));
        // Short lines are untouched.
        assert_eq!(min_max(&line[..15], 10), line[..15].to_vec());
    }
}
