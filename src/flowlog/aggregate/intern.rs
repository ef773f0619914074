//! Interners for the packed conversation table: interface ids (byte strings, with a
//! short-name cache probed without hashing the text) and IPv6 addresses, each interned once
//! to a dense `u32`. Every hash here is seeded per process, so whoever writes the logs
//! cannot choose keys that collide.

use crate::flowlog::record::InterfaceKey;
use hashbrown::HashTable;

#[inline]
fn fold(a: u64, b: u64) -> u64 {
    let m = (a as u128).wrapping_mul(b as u128 | 1);
    (m as u64) ^ ((m >> 64) as u64)
}

/// An interner of byte strings (interface ids).
#[derive(Debug, Clone)]
pub(super) struct Names {
    /// The seed of [`hash_bytes`], the process's ([`process_seed`]) unless a test sets it.
    seed: u64,
    table: HashTable<u32>,
    pub(super) names: Vec<Box<str>>,
    last: Option<(u32, u64)>,
    /// Every short name (at most 24 bytes: interface ids are `eni-` and 17 hex digits) by its
    /// bytes as three words, in an open-addressing table kept at most half full (allocated on
    /// the first insertion, [`CACHE_SLOTS`] slots at first): a lookup hashes three words and compares
    /// them in place, without hashing the text or visiting the name's heap copy, however many
    /// interfaces the logs hold.
    cache: Vec<CacheSlot>,
    /// Names in `cache`.
    cached: usize,
    /// The ids of the entries of one reader's dictionary ([`InterfaceKey`]): `memo[e]` is
    /// entry `e`'s id (`u32::MAX`: not yet seen), for dictionary `memo_dictionary`.
    memo_dictionary: u64,
    memo: Vec<u32>,
}

impl Default for Names {
    fn default() -> Self {
        Names::with_seed(process_seed())
    }
}

impl Names {
    /// An empty interner whose name hashes use `seed`.
    pub(super) fn with_seed(seed: u64) -> Names {
        Names { seed, table: HashTable::new(), names: Vec::new(), last: None, cache: Vec::new(), cached: 0, memo_dictionary: 0, memo: Vec::new() }
    }
}

const CACHE_SLOTS: usize = 256;

/// For a name of `len` (at most 24) bytes, the masks that keep its bytes of each of the three
/// words read from its start.
const NAME_MASKS: [[u64; 3]; 25] = {
    let mut t = [[0u64; 3]; 25];
    let mut len = 0;
    while len <= 24 {
        let mut i = 0;
        while i < 3 {
            let keep = if len > 8 * i { if len - 8 * i >= 8 { 8 } else { len - 8 * i } } else { 0 };
            t[len][i] = if keep == 8 { u64::MAX } else { (1u64 << (8 * keep)) - 1 };
            i += 1;
        }
        len += 1;
    }
    t
};

#[derive(Debug, Clone, Copy, Default)]
struct CacheSlot {
    words: [u64; 3],
    /// Length + 1 (0: empty).
    len: u32,
    id: u32,
}

impl CacheSlot {
    /// The hash of the name's words and length, under the per-process seed (see
    /// the table's packed-key hash: the writer of the logs cannot aim for collisions).
    #[inline]
    fn hash(&self) -> u64 {
        let seed = process_seed();
        let [a, b, c] = self.words;
        fold(a ^ seed, b ^ 0x9e37_79b9_7f4a_7c15) ^ fold(c ^ seed.rotate_left(29), (self.len as u64) ^ 0x5851_f42d_4c95_7f2d)
    }
}

/// A random seed, fixed for the process, for the hashes of keys read from logs.
#[inline]
pub(super) fn process_seed() -> u64 {
    use std::hash::BuildHasher;
    static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *SEED.get_or_init(|| foldhash::fast::RandomState::default().hash_one(0x5eed_u64))
}

/// The first 8 bytes of `b` (which has 8) as a little-endian word.
#[inline(always)]
fn word(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[..8]);
    u64::from_le_bytes(w)
}

/// The hash of a name's bytes under `seed`. Each 8-byte word is folded into the running
/// value with a seeded multiplier, starting from the seeded length: without the seed, the
/// writer of the logs cannot compute which names collide.
fn hash_bytes(b: &[u8], seed: u64) -> u64 {
    let mul = seed.rotate_left(23) ^ 0x5851_f42d_4c95_7f2d;
    let mut h: u64 = b.len() as u64 ^ seed;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = fold(h ^ u64::from_le_bytes(w), mul);
    }
    let mut w = [0u8; 8];
    w[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    fold(h ^ u64::from_le_bytes(w), seed.rotate_left(47) ^ 0x1405_7b7e_f767_814f)
}

/// The hash of an IPv6 address under `seed`: the low half is folded with a seeded
/// multiplier, then the high half into the result with another, so both halves reach every
/// bit and no value of one half cancels the other. (The unseeded
/// `fold(lo ^ C, hi ^ C')` it replaces sent every address whose low half equals `C` to
/// hash 0: a flow log of such addresses made interning quadratic.)
#[inline]
pub(super) fn hash_v6(a: u128, seed: u64) -> u64 {
    let h = fold(a as u64 ^ seed, seed.rotate_left(23) ^ 0x9e37_79b9_7f4a_7c15);
    fold(h ^ (a >> 64) as u64, seed.rotate_left(47) ^ 0x2d35_8dcc_aa6c_78a5)
}

impl Names {
    #[inline]
    pub(super) fn intern(&mut self, s: &str) -> u32 {
        let seed = self.seed;
        let h = hash_bytes(s.as_bytes(), seed);
        if let Some((id, lh)) = self.last {
            if lh == h && &*self.names[id as usize] == s {
                return id;
            }
        }
        let names = &mut self.names;
        let id = match self.table.find(h, |&id| &*names[id as usize] == s) {
            Some(&id) => id,
            None => {
                names.push(s.into());
                let id = (names.len() - 1) as u32;
                self.table.insert_unique(h, id, |&id| hash_bytes(names[id as usize].as_bytes(), seed));
                id
            }
        };
        self.last = Some((id, h));
        id
    }
}

/// The largest dictionary entry [`Names::intern_keyed`] remembers (a larger one is interned
/// by its text).
const MEMO_ENTRIES: u32 = 1 << 16;

impl Names {
    /// Interns `line[s..e]`, whose reader named it `key`: an entry of a dictionary seen
    /// last is looked up by its number, without reading the text.
    #[inline]
    pub(super) fn intern_keyed(&mut self, key: InterfaceKey, line: &str, s: usize, e: usize) -> u32 {
        if key.dictionary == 0 || key.entry >= MEMO_ENTRIES {
            return self.intern_span(line, s, e);
        }
        if key.dictionary != self.memo_dictionary {
            self.memo_dictionary = key.dictionary;
            self.memo.clear();
        }
        if let Some(&id) = self.memo.get(key.entry as usize).filter(|&&id| id != u32::MAX) {
            return id;
        }
        let id = self.intern_span(line, s, e);
        let at = key.entry as usize;
        if self.memo.len() <= at {
            self.memo.resize(at + 1, u32::MAX);
        }
        self.memo[at] = id;
        id
    }

    /// Interns `line[s..e]`, through the short-name table when the name has at most 24
    /// bytes: read as 24 bytes from `s`, or, when the line ends sooner (a Parquet record's
    /// line may hold the interface id alone), as words of 8 bytes inside the name.
    #[inline]
    pub(super) fn intern_span(&mut self, line: &str, s: usize, e: usize) -> u32 {
        let bytes = line.as_bytes();
        let len = e.saturating_sub(s);
        let mut words = [0u64; 3];
        match bytes.get(s..s + 24).and_then(|w| w.first_chunk::<24>()) {
            Some(window) if len <= 24 => {
                for ((w, chunk), m) in words.iter_mut().zip(window.chunks_exact(8)).zip(&NAME_MASKS[len]) {
                    *w = word(chunk) & m;
                }
            }
            None if (8..=24).contains(&len) && e <= bytes.len() => {
                // Word i holds bytes s + 8i.. of the name; a last, partial word is the name's
                // last 8 bytes shifted down (the name has 8 bytes to end at `e`).
                for (i, w) in words.iter_mut().enumerate() {
                    let from = s + 8 * i;
                    let n = e.saturating_sub(from).min(8);
                    *w = match n {
                        0 => 0,
                        8 => word(&bytes[from..from + 8]),
                        n => word(&bytes[e - 8..e]) >> (8 * (8 - n)),
                    };
                }
            }
            _ => return self.intern(line.get(s..e).unwrap_or("")),
        }
        let key = CacheSlot { words, len: len as u32 + 1, id: 0 };
        // (An empty table finds nothing; the first insertion allocates it.)
        let mask = self.cache.len().wrapping_sub(1);
        let mut i = key.hash() as usize & mask;
        while let Some(c) = self.cache.get(i).filter(|c| c.len != 0) {
            if c.len == key.len && c.words == words {
                return c.id;
            }
            i = (i + 1) & mask;
        }
        let id = self.intern(line.get(s..e).unwrap_or(""));
        self.cache_insert(CacheSlot { id, ..key });
        id
    }

    /// Adds a name not yet in the short-name table, doubling the table first when it would
    /// be more than half full.
    fn cache_insert(&mut self, slot: CacheSlot) {
        if (self.cached + 1) * 2 > self.cache.len() {
            let size = (self.cache.len() * 2).max(CACHE_SLOTS);
            let old = std::mem::replace(&mut self.cache, vec![CacheSlot::default(); size]);
            self.cached = 0;
            for c in old.into_iter().filter(|c| c.len != 0) {
                self.cache_insert(c);
            }
        }
        let mask = self.cache.len() - 1;
        let mut i = slot.hash() as usize & mask;
        while self.cache.get(i).is_some_and(|c| c.len != 0) {
            i = (i + 1) & mask;
        }
        if let Some(c) = self.cache.get_mut(i) {
            *c = slot;
            self.cached += 1;
        }
    }

    pub(super) fn get(&self, s: &str) -> Option<u32> {
        let names = &self.names;
        self.table.find(hash_bytes(s.as_bytes(), self.seed), |&id| &*names[id as usize] == s).copied()
    }
}

/// An interner of IPv6 addresses.
#[derive(Debug, Clone)]
pub(super) struct V6s {
    /// The seed of [`hash_v6`], the process's ([`process_seed`]) unless a test sets it.
    seed: u64,
    table: HashTable<u32>,
    pub(super) addrs: Vec<u128>,
}

impl Default for V6s {
    fn default() -> Self {
        V6s::with_seed(process_seed())
    }
}

impl V6s {
    /// An empty interner whose address hashes use `seed`.
    pub(super) fn with_seed(seed: u64) -> V6s {
        V6s { seed, table: HashTable::new(), addrs: Vec::new() }
    }

    pub(super) fn get(&self, a: u128) -> Option<u32> {
        let addrs = &self.addrs;
        self.table.find(hash_v6(a, self.seed), |&id| addrs[id as usize] == a).copied()
    }

    pub(super) fn intern(&mut self, a: u128) -> u32 {
        let seed = self.seed;
        let h = hash_v6(a, seed);
        let addrs = &mut self.addrs;
        match self.table.find(h, |&id| addrs[id as usize] == a) {
            Some(&id) => id,
            None => {
                addrs.push(a);
                let id = (addrs.len() - 1) as u32;
                self.table.insert_unique(h, id, |&id| hash_v6(addrs[id as usize], seed));
                id
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A reader's key names an entry of one dictionary: the same entry of another dictionary
    /// may be another name, and a key-less or too-large entry is interned by its text.
    /// (Conversations from keyed and from text records are held equal by the Parquet tests.)
    #[test]
    fn keyed_interning_is_per_dictionary() {
        let mut names = Names::default();
        let (a, b) = (InterfaceKey::new_dictionary(), InterfaceKey::new_dictionary());
        let key = |dictionary, entry| InterfaceKey { dictionary, entry };
        let x = names.intern_keyed(key(a, 3), "eni-aaaaaaaaaaaaaaaaa", 0, 21);
        let y = names.intern_keyed(key(b, 3), "eni-bbbbbbbbbbbbbbbbb", 0, 21);
        assert_ne!(x, y);
        assert_eq!(names.intern_keyed(key(b, 3), "eni-bbbbbbbbbbbbbbbbb", 0, 21), y);
        assert_eq!(names.intern_keyed(key(a, 0), "eni-bbbbbbbbbbbbbbbbb", 0, 21), y);
        assert_eq!(names.intern_keyed(InterfaceKey::NONE, "eni-aaaaaaaaaaaaaaaaa", 0, 21), x);
        assert_eq!(names.intern_keyed(key(a, MEMO_ENTRIES), "eni-aaaaaaaaaaaaaaaaa", 0, 21), x);
        // The entries of the dictionary seen last are remembered: the text is not read.
        assert_eq!(names.intern_keyed(key(a, 0), "ignored: remembered", 0, 10), y);
        assert_eq!(&*names.names[x as usize], "eni-aaaaaaaaaaaaaaaaa");
    }

    /// The interner's short-name table must never confuse two names: names of every length
    /// around the 24-byte limit, sharing prefixes, enough of them to grow the table several
    /// times, each interned repeatedly at different places in a line, always get their one id.
    #[test]
    fn cached_interning_keeps_names_apart() {
        let mut names = Names::default();
        let mut reference: HashMap<String, u32> = HashMap::new();
        for round in 0..3 {
            for i in 0..(CACHE_SLOTS * 3) {
                // Odd i: lengths 1-30 from one pattern; even i: interface-shaped ids that
                // differ only in their last bytes, so they meet in the cache's slots.
                let name = if i % 2 == 1 { format!("eni-{:x}", i * 7919).chars().cycle().take(1 + i % 30).collect::<String>() } else { format!("eni-0000000000000{:04x}", i) };
                let line = format!("{}{name} and some more text after it", " ".repeat((i + round) % 5));
                let s = (i + round) % 5;
                let id = names.intern_span(&line, s, s + name.len());
                assert_eq!(&*names.names[id as usize], name);
                assert_eq!(*reference.entry(name.clone()).or_insert(id), id, "{name}");
                // At the very end of a line (the name read as words inside it), the same
                // result, and the same key in the short-name table.
                assert_eq!(names.intern_span(&name, 0, name.len()), id);
                let tail = format!("x {name}");
                assert_eq!(names.intern_span(&tail, 2, 2 + name.len()), id);
            }
        }
        assert_eq!(names.names.len(), reference.len());
    }

    /// The probes a linear-probing table of `2n` slots (rounded up to a power of two, the
    /// load hashbrown and the conversation index keep) makes to insert keys with these
    /// hashes, starting at `hash & mask`: about `1.5n` for well-spread hashes, `n²/2` when
    /// they all collide.
    fn insertion_probes(hashes: &[u64]) -> usize {
        let size = (hashes.len() * 2).next_power_of_two();
        let mut used = vec![false; size];
        let mut probes = 0;
        for &h in hashes {
            let mut i = h as usize & (size - 1);
            probes += 1;
            while used[i] {
                i = (i + 1) & (size - 1);
                probes += 1;
            }
            used[i] = true;
        }
        probes
    }

    /// Issue 17: the IPv6 interner hashed `fold(lo ^ C, hi ^ C')` without a seed, so every
    /// address whose low 64 bits equal `C` hashed to 0. Such addresses (and those whose low
    /// half equals the seed, which would zero a seeded first factor) must spread: inserting
    /// them costs a linear number of probes, under fixed seeds and the process's.
    #[test]
    fn hostile_ipv6_addresses_stay_linear() {
        const OLD_C: u64 = 0x2d35_8dcc_aa6c_78a5;
        let old = |a: u128| fold(a as u64 ^ OLD_C, (a >> 64) as u64 ^ 0x8bb8_4b93_962e_acc9);
        let n = 1 << 12;
        let hostile = |lo: u64| -> Vec<u128> { (0..n as u128).map(|i| (0x2001_0db8_0000_0000 ^ i << 7) << 64 | lo as u128).collect() };
        // The oracle: under the old hash these addresses are one long collision chain.
        let old_hashes: Vec<u64> = hostile(OLD_C).into_iter().map(old).collect();
        assert!(insertion_probes(&old_hashes) >= n * (n - 1) / 2, "the hostile set no longer collides under the old hash");
        for seed in [0, u64::MAX, 0x0123_4567_89ab_cdef, process_seed()] {
            for lo in [OLD_C, seed, 0] {
                let addrs = hostile(lo);
                let hashes: Vec<u64> = addrs.iter().map(|&a| hash_v6(a, seed)).collect();
                let probes = insertion_probes(&hashes);
                assert!(probes <= 3 * n, "seed {seed:#x}, low half {lo:#x}: {probes} probes for {n} addresses");
                let mut distinct = hashes.clone();
                distinct.sort_unstable();
                distinct.dedup();
                assert_eq!(distinct.len(), n, "seed {seed:#x}, low half {lo:#x}: full-hash collisions");
                // And the interner itself keeps them apart.
                let mut v6 = V6s::with_seed(seed);
                let ids: Vec<u32> = addrs.iter().map(|&a| v6.intern(a)).collect();
                assert_eq!(ids, (0..n as u32).collect::<Vec<_>>());
                assert!(addrs.iter().zip(&ids).all(|(&a, &id)| v6.get(a) == Some(id)));
            }
        }
    }

    /// Names hash under the seed: the same bytes hash apart under different seeds (so no
    /// fixed set of interface ids collides in every process), and names that differ in one
    /// byte, or only in length, hash apart under one seed.
    #[test]
    fn name_hashes_depend_on_the_seed() {
        let names: Vec<Vec<u8>> = (0..64u8).map(|i| format!("eni-{:017x}", i as u64 * 0x1111).into_bytes()).chain([vec![], vec![0], vec![0, 0], vec![0; 8], vec![0; 9]]).collect();
        for seed in [0, u64::MAX, process_seed()] {
            let mut hashes: Vec<u64> = names.iter().map(|n| hash_bytes(n, seed)).collect();
            hashes.sort_unstable();
            hashes.dedup();
            assert_eq!(hashes.len(), names.len(), "seed {seed:#x}");
        }
        let moved = names.iter().filter(|n| hash_bytes(n, 1) != hash_bytes(n, 2)).count();
        assert_eq!(moved, names.len());
        let mut interned = Names::with_seed(7);
        for n in &names {
            let s = String::from_utf8(n.clone()).unwrap_or_default();
            let id = interned.intern(&s);
            assert_eq!(interned.get(&s), Some(id));
        }
    }
}
