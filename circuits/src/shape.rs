//! Circuit shapes: the fixed number of asset slots a circuit is laid out for.

use std::fmt;

/// A supported circuit shape. A market of `n` assets uses the smallest shape with at least `n`
/// slots; unused slots carry zero prices, scales, weights and amounts, which the commitments bind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Shape {
    /// One asset slot.
    A1,
    /// Two asset slots.
    A2,
    /// Four asset slots.
    A4,
    /// Eight asset slots.
    A8,
    /// Sixteen asset slots.
    A16,
}

impl Shape {
    /// Every shape, smallest first.
    pub const ALL: [Shape; 5] = [Shape::A1, Shape::A2, Shape::A4, Shape::A8, Shape::A16];

    /// The smallest shape with at least `assets` slots (`None` above 16 or at 0).
    pub fn for_assets(assets: usize) -> Option<Shape> {
        if assets == 0 {
            return None;
        }
        Shape::ALL.into_iter().find(|s| s.assets() >= assets)
    }

    /// The shape with exactly `slots` slots.
    pub fn from_slots(slots: usize) -> Option<Shape> {
        Shape::ALL.into_iter().find(|s| s.assets() == slots)
    }

    /// Number of asset slots.
    pub const fn assets(self) -> usize {
        match self {
            Shape::A1 => 1,
            Shape::A2 => 2,
            Shape::A4 => 4,
            Shape::A8 => 8,
            Shape::A16 => 16,
        }
    }

    /// `log2` of the circuit's row count: the smallest that fits the layout (a test checks that
    /// the circuit fits at `k` and not at `k - 1`).
    pub const fn k(self) -> u32 {
        match self {
            Shape::A1 | Shape::A2 | Shape::A4 => 9,
            Shape::A8 | Shape::A16 => 10,
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-asset", self.assets())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_smallest_shape_that_fits() {
        let expect = [
            (1, 1),
            (2, 2),
            (3, 4),
            (4, 4),
            (5, 8),
            (8, 8),
            (9, 16),
            (16, 16),
        ];
        for (n, slots) in expect {
            assert_eq!(
                Shape::for_assets(n).map(Shape::assets),
                Some(slots),
                "n = {n}"
            );
        }
        assert_eq!(Shape::for_assets(0), None);
        assert_eq!(Shape::for_assets(17), None);
        assert_eq!(Shape::from_slots(3), None);
        assert_eq!(Shape::from_slots(8), Some(Shape::A8));
    }
}
