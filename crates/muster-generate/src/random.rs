//! The random numbers: one ChaCha stream per part of the dataset, and
//! weighted choices.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The random number generator of the whole crate.
pub(crate) type Random = ChaCha8Rng;

/// The streams of one seed, one per part of the dataset, so that a part
/// draws the same numbers whatever the others draw.
#[derive(Clone, Copy)]
pub(crate) enum Stream {
    Army = 1,
    Campaigns = 2,
    People = 3,
    Requirements = 4,
    Anomalies = 5,
}

/// The generator of one stream of a seed.
pub(crate) fn random_stream(seed: u64, stream: Stream) -> Random {
    let mut random = ChaCha8Rng::seed_from_u64(seed);
    random.set_stream(stream as u64);
    random
}

/// A choice among indices with weights, made with one draw.
pub(crate) struct Weighted {
    cumulative: Vec<u32>,
}

impl Weighted {
    /// The choice with these weights, in index order.
    pub(crate) fn new(weights: impl IntoIterator<Item = u32>) -> Self {
        let mut total = 0u32;
        let cumulative = weights
            .into_iter()
            .map(|weight| {
                total = total.saturating_add(weight);
                total
            })
            .collect();
        Weighted { cumulative }
    }

    /// The choice of the weights of a table of `(value, weight)` pairs.
    pub(crate) fn of<T>(table: &[(T, u32)]) -> Self {
        Weighted::new(table.iter().map(|(_, weight)| *weight))
    }

    /// An index, drawn by weight; 0 when every weight is 0.
    pub(crate) fn pick(&self, random: &mut Random) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0);
        if total == 0 {
            return 0;
        }
        let drawn = random.random_range(0..total);
        self.cumulative.partition_point(|&cumulative| cumulative <= drawn)
    }
}

/// A value of a table of `(value, weight)` pairs, drawn by weight, through
/// the choice made of that table by [`Weighted::of`].
pub(crate) fn pick_from<T: Copy>(
    table: &[(T, u32)],
    weighted: &Weighted,
    random: &mut Random,
) -> T {
    let index = weighted.pick(random).min(table.len().saturating_sub(1));
    table[index].0
}

/// One element of a slice, uniformly; `None` when it is empty.
pub(crate) fn pick_uniform<T: Copy>(values: &[T], random: &mut Random) -> Option<T> {
    if values.is_empty() { None } else { Some(values[random.random_range(0..values.len())]) }
}
