//! A fixed-size bit set over class or port-atom indices: the set algebra of the all-pairs
//! engine (unions of rule peers, intersections of security-group, path and egress
//! decisions) done a machine word at a time.

/// A set of small integers `0..n`, one bit each.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub(crate) struct Bits(pub(crate) Vec<u64>);

impl Bits {
    /// The empty set over `0..n`.
    pub(crate) fn zeros(n: usize) -> Bits {
        Bits(vec![0; n.div_ceil(64)])
    }

    /// The full set `0..n`.
    pub(crate) fn ones(n: usize) -> Bits {
        let mut b = Bits(vec![u64::MAX; n.div_ceil(64)]);
        if n % 64 != 0 {
            if let Some(last) = b.0.last_mut() {
                *last = (1u64 << (n % 64)) - 1;
            }
        }
        b
    }

    pub(crate) fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    pub(crate) fn clear(&mut self, i: usize) {
        self.0[i / 64] &= !(1 << (i % 64));
    }

    pub(crate) fn get(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// Sets `lo..hi`.
    pub(crate) fn set_range(&mut self, lo: usize, hi: usize) {
        let mut i = lo;
        while i < hi {
            if i % 64 == 0 && i + 64 <= hi {
                self.0[i / 64] = u64::MAX;
                i += 64;
            } else {
                self.set(i);
                i += 1;
            }
        }
    }

    /// Replaces bits `lo..hi` with those of `src` (when `keep`) or clears them.
    pub(crate) fn assign_range(&mut self, lo: usize, hi: usize, src: &Bits, keep: bool) {
        for i in lo..hi {
            if keep && src.get(i) {
                self.set(i);
            } else {
                self.clear(i);
            }
        }
    }

    pub(crate) fn or(&mut self, o: &Bits) {
        self.0.iter_mut().zip(&o.0).for_each(|(a, b)| *a |= b);
    }

    pub(crate) fn and(&mut self, o: &Bits) {
        self.0.iter_mut().zip(&o.0).for_each(|(a, b)| *a &= b);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }

    pub(crate) fn count(&self) -> u64 {
        self.0.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    /// The members in increasing order.
    pub(crate) fn ones_iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(wi, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let b = w.trailing_zeros() as usize;
                w &= w - 1;
                Some(wi * 64 + b)
            })
        })
    }

    /// The members as inclusive runs `(first, last)`.
    pub(crate) fn ranges(&self) -> Vec<(u32, u32)> {
        let mut out: Vec<(u32, u32)> = Vec::new();
        for i in self.ones_iter() {
            let i = i as u32;
            match out.last_mut() {
                Some((_, hi)) if *hi + 1 == i => *hi = i,
                _ => out.push((i, i)),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_ranges_and_full_sets() {
        let mut b = Bits::zeros(200);
        b.set_range(3, 130);
        b.set(150);
        assert_eq!(b.ranges(), vec![(3, 129), (150, 150)]);
        assert_eq!(b.count(), 128);
        assert_eq!(Bits::ones(70).count(), 70);
        let mut c = Bits::ones(200);
        c.and(&b);
        assert_eq!(c, b);
    }
}
