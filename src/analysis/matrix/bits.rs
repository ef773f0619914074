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

    /// The words of `lo..hi`, each with the mask of the bits inside.
    fn word_masks(lo: usize, hi: usize) -> impl Iterator<Item = (usize, u64)> {
        let last = hi.saturating_sub(1) / 64;
        (lo / 64..if lo < hi { last + 1 } else { 0 }).map(move |w| {
            let start = if w == lo / 64 { lo % 64 } else { 0 };
            let end = if w == last { (hi - 1) % 64 + 1 } else { 64 };
            let width = end - start;
            (w, if width == 64 { u64::MAX } else { ((1u64 << width) - 1) << start })
        })
    }

    /// Sets `lo..hi`.
    pub(crate) fn set_range(&mut self, lo: usize, hi: usize) {
        for (w, m) in Bits::word_masks(lo, hi) {
            self.0[w] |= m;
        }
    }

    /// Clears `lo..hi`.
    pub(crate) fn clear_range(&mut self, lo: usize, hi: usize) {
        for (w, m) in Bits::word_masks(lo, hi) {
            self.0[w] &= !m;
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

    #[cfg(test)]
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

    /// The members as inclusive runs `(first, last)`, found a word at a time.
    pub(crate) fn ranges(&self) -> Vec<(u32, u32)> {
        let mut out: Vec<(u32, u32)> = Vec::new();
        let mut start: Option<usize> = None;
        for (wi, &w) in self.0.iter().enumerate() {
            let base = wi * 64;
            match (w, start) {
                (u64::MAX, _) => {
                    start.get_or_insert(base);
                    continue;
                }
                (0, None) => continue,
                (0, Some(s)) => {
                    out.push((s as u32, (base - 1) as u32));
                    start = None;
                    continue;
                }
                _ => {}
            }
            let mut pos = 0u32;
            while pos < 64 {
                let rest = w >> pos;
                match start {
                    // Inside a run: it goes on over the ones from `pos`.
                    Some(s) => {
                        pos += (!rest).trailing_zeros();
                        if pos < 64 {
                            out.push((s as u32, (base + pos as usize - 1) as u32));
                            start = None;
                        }
                    }
                    None => {
                        pos += rest.trailing_zeros().min(64 - pos);
                        if pos < 64 {
                            start = Some(base + pos as usize);
                        }
                    }
                }
            }
        }
        if let Some(s) = start {
            out.push((s as u32, (self.0.len() * 64 - 1) as u32));
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

    /// Word-level range operations and runs agree with bit-by-bit ones.
    #[test]
    fn ranges_and_range_updates_match_bit_by_bit() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        for round in 0..300 {
            let n = 1 + next(300);
            let mut b = Bits::zeros(n);
            let mut naive = vec![false; n];
            for _ in 0..next(8) {
                let lo = next(n + 1);
                let hi = lo + next(n + 1 - lo);
                let set = round % 3 != 0 || next(2) == 0;
                if set {
                    b.set_range(lo, hi);
                } else {
                    b.clear_range(lo, hi);
                }
                naive[lo..hi].iter_mut().for_each(|v| *v = set);
            }
            if round % 5 == 0 {
                b = Bits::ones(n);
                naive = vec![true; n];
            }
            let mut runs: Vec<(u32, u32)> = Vec::new();
            for (i, _) in naive.iter().enumerate().filter(|(_, v)| **v) {
                match runs.last_mut() {
                    Some((_, hi)) if *hi + 1 == i as u32 => *hi = i as u32,
                    _ => runs.push((i as u32, i as u32)),
                }
            }
            assert_eq!(b.ranges(), runs, "n = {n}");
            assert_eq!(b.count() as usize, naive.iter().filter(|v| **v).count());
        }
    }
}
