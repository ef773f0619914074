//! Aggregation of records into conversations, and the views derived from them (top talkers,
//! rejected traffic by destination port, per-interface totals). [`Conversations`] is a
//! compact hash table whose memory grows with the number of distinct conversations, never
//! with the input: a conversation costs about 60 bytes. Tables and [`Summary`] values combine
//! with `+=`, so per-thread results reduce into one.
//!
//! Each conversation gets a dense [`ConvId`] (returned by [`Conversations::add`]), so a caller
//! can keep per-conversation side data, such as the first few evidence positions, in a plain
//! `Vec` indexed by it.

use super::position::{Position, RecordSink};
use super::record::{Action, Direction, FlowRecord, LogStatus, ParseError, Protocol, TcpFlags, Values};
use hashbrown::HashTable;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::AddAssign;

/// The dense index of a conversation in one [`Conversations`] table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConvId(pub u32);

/// What identifies a conversation: (interface, source, destination, source port,
/// destination port, protocol, action). Fields are `None` when the format lacks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConversationKey<'a> {
    /// `interface-id`.
    pub interface: Option<&'a str>,
    /// `srcaddr`.
    pub src: Option<IpAddr>,
    /// `dstaddr`.
    pub dst: Option<IpAddr>,
    /// `srcport`.
    pub src_port: Option<u16>,
    /// `dstport`.
    pub dst_port: Option<u16>,
    /// `protocol`.
    pub protocol: Option<Protocol>,
    /// `action`.
    pub action: Option<Action>,
}

impl<'a> ConversationKey<'a> {
    /// The key of a record.
    pub fn of(record: &FlowRecord<'a>) -> ConversationKey<'a> {
        ConversationKey {
            interface: record.interface_id(),
            src: record.srcaddr(),
            dst: record.dstaddr(),
            src_port: record.srcport(),
            dst_port: record.dstport(),
            protocol: record.protocol(),
            action: record.action(),
        }
    }
}

/// What is known about a conversation: sums over its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConversationStats {
    /// Sum of `packets`.
    pub packets: u64,
    /// Sum of `bytes`.
    pub bytes: u64,
    /// Number of records.
    pub records: u64,
    /// Earliest `start` (Unix seconds).
    pub first_start: Option<u64>,
    /// Latest `end` (Unix seconds).
    pub last_end: Option<u64>,
    /// OR of `tcp-flags`.
    pub tcp_flags: Option<TcpFlags>,
    /// `flow-direction`, when every record of the conversation has the same one.
    pub direction: Option<Direction>,
}

impl ConversationStats {
    /// The stats of one record.
    pub fn of(record: &FlowRecord<'_>) -> ConversationStats {
        ConversationStats {
            packets: record.packets().unwrap_or(0),
            bytes: record.bytes().unwrap_or(0),
            records: 1,
            first_start: record.start(),
            last_end: record.end(),
            tcp_flags: record.tcp_flags(),
            direction: record.direction(),
        }
    }
}

impl AddAssign<&ConversationStats> for ConversationStats {
    fn add_assign(&mut self, o: &ConversationStats) {
        let had_records = self.records > 0;
        self.packets = self.packets.saturating_add(o.packets);
        self.bytes = self.bytes.saturating_add(o.bytes);
        self.records = self.records.saturating_add(o.records);
        self.first_start = min_opt(self.first_start, o.first_start);
        self.last_end = max_opt(self.last_end, o.last_end);
        self.tcp_flags = match (self.tcp_flags, o.tcp_flags) {
            (Some(a), Some(b)) => Some(TcpFlags(a.0 | b.0)),
            (a, b) => a.or(b),
        };
        self.direction = if had_records { if self.direction == o.direction { self.direction } else { None } } else { o.direction };
    }
}

fn min_opt(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_opt(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

// Packed representation. Addresses: IPv4 inline, IPv6 interned; interfaces interned.
const K_NONE: u8 = 0;
const K_V4: u8 = 1;
const K_V6: u8 = 2;

/// A conversation key packed into five words (compared and hashed as words):
/// 0 interface (interned), 1 source and 2 destination (IPv4 inline, IPv6 interned),
/// 3 source port << 16 | destination port, 4 protocol | action << 8 | kinds << 16 | tag << 24.
/// Kinds: bits 0-1 source kind, 2-3 destination kind, 4 source port, 5 destination port,
/// 6 protocol, 7 interface present. The tag is a caller's extra key byte
/// ([`Conversations::add_tagged`]); 0 for plain conversations.
#[derive(Debug, Clone, Copy, Eq, Default)]
struct PackedKey([u32; 5]);

impl PartialEq for PackedKey {
    /// Compared as two 64-bit words and one 32-bit word.
    #[inline(always)]
    fn eq(&self, o: &PackedKey) -> bool {
        let (a, b) = (&self.0, &o.0);
        let word = |w: &[u32; 5], i: usize| w[i] as u64 | (w[i + 1] as u64) << 32;
        (word(a, 0) ^ word(b, 0)) | (word(a, 2) ^ word(b, 2)) | (a[4] ^ b[4]) as u64 == 0
    }
}

impl PackedKey {
    /// Packs `key` whose interface and addresses were already interned (`(kind, value)`).
    #[inline]
    fn new(key: &ConversationKey<'_>, tag: u8, iface: Option<u32>, (sk, src): (u8, u32), (dk, dst): (u8, u32)) -> PackedKey {
        let kinds = sk
            | dk << 2
            | u8::from(key.src_port.is_some()) << 4
            | u8::from(key.dst_port.is_some()) << 5
            | u8::from(key.protocol.is_some()) << 6
            | u8::from(iface.is_some()) << 7;
        PackedKey::of(iface.unwrap_or(0), src, dst, key.src_port.unwrap_or(0), key.dst_port.unwrap_or(0), key.protocol.map_or(0, |p| p.0), action_code(key.action), kinds, tag)
    }

    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn of(iface: u32, src: u32, dst: u32, sport: u16, dport: u16, proto: u8, action: u8, kinds: u8, tag: u8) -> PackedKey {
        PackedKey([iface, src, dst, (sport as u32) << 16 | dport as u32, u32::from_le_bytes([proto, action, kinds, tag])])
    }

    fn iface(&self) -> u32 {
        self.0[0]
    }
    fn src(&self) -> u32 {
        self.0[1]
    }
    fn dst(&self) -> u32 {
        self.0[2]
    }
    fn sport(&self) -> u16 {
        (self.0[3] >> 16) as u16
    }
    fn dport(&self) -> u16 {
        self.0[3] as u16
    }
    fn proto(&self) -> u8 {
        self.0[4].to_le_bytes()[0]
    }
    fn action(&self) -> u8 {
        self.0[4].to_le_bytes()[1]
    }
    fn kinds(&self) -> u8 {
        self.0[4].to_le_bytes()[2]
    }
    fn tag(&self) -> u8 {
        self.0[4].to_le_bytes()[3]
    }

    /// The key's hash under a table's `seed`. Every key bit reaches the result: the 160 key
    /// bits go into two 128-bit multiplies whose factors are both seeded, so the writer of
    /// the logs cannot aim for a zero factor or a collision.
    #[inline]
    fn hash(&self, seed: u64) -> u64 {
        let w = &self.0;
        let a = (w[0] as u64 | (w[1] as u64) << 32) ^ seed;
        let b = (w[2] as u64 | (w[3] as u64) << 32) ^ seed.rotate_left(21) ^ 0x243f_6a88_85a3_08d3;
        let c = w[4] as u64 ^ seed.rotate_left(43) ^ 0x1319_8a2e_0370_7344;
        let m = (a as u128).wrapping_mul(b as u128);
        let x = (m as u64) ^ ((m >> 64) as u64);
        let m = ((x ^ 0xa409_3822_299f_31d0) as u128).wrapping_mul(c as u128);
        (m as u64) ^ ((m >> 64) as u64)
    }
}

#[inline]
fn fold(a: u64, b: u64) -> u64 {
    let m = (a as u128).wrapping_mul(b as u128 | 1);
    (m as u64) ^ ((m >> 64) as u64)
}

// Flags for the optional stats fields.
const F_START: u8 = 1;
const F_END: u8 = 2;
const F_TCP: u8 = 4;

/// One conversation. Aligned to a cache line, so that adding a record to it touches one
/// line (56 bytes packed back to back would straddle two lines for six entries in eight).
#[derive(Debug, Clone, Copy, Default)]
#[repr(align(64))]
struct Entry {
    packets: u64,
    bytes: u64,
    records: u64,
    // Unix seconds, saturated at u32::MAX (year 2106). Without a value (see `flags`) they
    // hold the identity of their merge, u32::MAX and 0, so merging is a plain min and max.
    first: u32,
    last: u32,
    key: PackedKey,
    tcp: u8,
    /// bit 0 ingress seen, bit 1 egress seen, bit 2 a record without direction seen.
    dir: u8,
    flags: u8,
}

const BLOCK: usize = 1 << 14;

/// An interner of byte strings (interface ids) or IPv6 addresses.
#[derive(Debug, Clone, Default)]
struct Names {
    table: HashTable<u32>,
    names: Vec<Box<str>>,
    last: Option<(u32, u64)>,
    /// Every short name (at most 24 bytes: interface ids are `eni-` and 17 hex digits) by its
    /// bytes as three words, in an open-addressing table kept at most half full (allocated on
    /// the first insertion, [`CACHE_SLOTS`] slots at first): a lookup hashes three words and compares
    /// them in place, without hashing the text or visiting the name's heap copy, however many
    /// interfaces the logs hold.
    cache: Vec<CacheSlot>,
    /// Names in `cache`.
    cached: usize,
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
    /// [`PackedKey::hash`]: the writer of the logs cannot aim for collisions).
    #[inline]
    fn hash(&self) -> u64 {
        let seed = process_seed();
        let [a, b, c] = self.words;
        fold(a ^ seed, b ^ 0x9e37_79b9_7f4a_7c15) ^ fold(c ^ seed.rotate_left(29), (self.len as u64) ^ 0x5851_f42d_4c95_7f2d)
    }
}

/// A random seed, fixed for the process, for the hashes of keys read from logs.
#[inline]
fn process_seed() -> u64 {
    use std::hash::BuildHasher;
    static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *SEED.get_or_init(|| foldhash::fast::RandomState::default().hash_one(0x5eed_u64))
}

fn hash_bytes(b: &[u8]) -> u64 {
    let mut h: u64 = b.len() as u64 ^ 0x9e37_79b9_7f4a_7c15;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = fold(h ^ u64::from_le_bytes(w), 0x5851_f42d_4c95_7f2d);
    }
    let mut w = [0u8; 8];
    w[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    fold(h ^ u64::from_le_bytes(w), 0x1405_7b7e_f767_814f)
}

impl Names {
    #[inline]
    fn intern(&mut self, s: &str) -> u32 {
        let h = hash_bytes(s.as_bytes());
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
                self.table.insert_unique(h, id, |&id| hash_bytes(names[id as usize].as_bytes()));
                id
            }
        };
        self.last = Some((id, h));
        id
    }
}

impl Names {
    /// Interns `line[s..e]`, through the short-name table when the name has at most 24
    /// bytes and the line has 24 bytes from `s`.
    #[inline]
    fn intern_span(&mut self, line: &str, s: usize, e: usize) -> u32 {
        let bytes = line.as_bytes();
        let len = e.saturating_sub(s);
        let Some(window) = bytes.get(s..s + 24).and_then(|w| w.first_chunk::<24>()).filter(|_| len <= 24) else {
            return self.intern(line.get(s..e).unwrap_or(""));
        };
        let mask = &NAME_MASKS[len];
        let mut words = [0u64; 3];
        for ((w, chunk), m) in words.iter_mut().zip(window.chunks_exact(8)).zip(mask) {
            let mut b = [0u8; 8];
            b.copy_from_slice(chunk);
            *w = u64::from_le_bytes(b) & m;
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

    fn get(&self, s: &str) -> Option<u32> {
        let names = &self.names;
        self.table.find(hash_bytes(s.as_bytes()), |&id| &*names[id as usize] == s).copied()
    }
}

#[derive(Debug, Clone, Default)]
struct V6s {
    table: HashTable<u32>,
    addrs: Vec<u128>,
}

impl V6s {
    fn get(&self, a: u128) -> Option<u32> {
        let h = fold(a as u64 ^ 0x2d35_8dcc_aa6c_78a5, (a >> 64) as u64 ^ 0x8bb8_4b93_962e_acc9);
        let addrs = &self.addrs;
        self.table.find(h, |&id| addrs[id as usize] == a).copied()
    }

    fn intern(&mut self, a: u128) -> u32 {
        let h = fold(a as u64 ^ 0x2d35_8dcc_aa6c_78a5, (a >> 64) as u64 ^ 0x8bb8_4b93_962e_acc9);
        let addrs = &mut self.addrs;
        match self.table.find(h, |&id| addrs[id as usize] == a) {
            Some(&id) => id,
            None => {
                addrs.push(a);
                let id = (addrs.len() - 1) as u32;
                self.table.insert_unique(h, id, |&id| {
                    let a = addrs[id as usize];
                    fold(a as u64 ^ 0x2d35_8dcc_aa6c_78a5, (a >> 64) as u64 ^ 0x8bb8_4b93_962e_acc9)
                });
                id
            }
        }
    }
}

/// The open-addressing index over a table's entries. Each slot holds the high half of a
/// key's hash and the entry's id + 1 (0: empty); slots are probed linearly from the hash and
/// kept at most half full, so a lookup reads one cache line of eight slots, then the entry
/// whose fingerprint matches. Keys hash with a per-process seed, so whoever writes the logs
/// cannot choose colliding keys ([`PackedKey::hash`]).
#[derive(Debug, Clone)]
struct Index {
    slots: Vec<u64>,
    seed: u64,
}

impl Default for Index {
    fn default() -> Self {
        Index { slots: Vec::new(), seed: process_seed() }
    }
}

const MIN_SLOTS: usize = 1024;

impl Index {
    #[inline]
    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    /// The id of the entry with key `pk` (hash `h`), or the empty slot where it would go.
    #[inline]
    fn probe(&self, h: u64, blocks: &[Vec<Entry>], pk: &PackedKey) -> Result<u32, usize> {
        let mask = self.mask();
        let fp = h >> 32;
        let mut i = h as usize & mask;
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                return Err(i);
            }
            if slot >> 32 == fp {
                let id = (slot as u32).wrapping_sub(1);
                if entry_at(blocks, id).is_some_and(|e| e.key == *pk) {
                    return Ok(id);
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// Doubles the index when one more entry would fill it past half.
    #[inline(always)]
    fn reserve(&mut self, len: usize, blocks: &[Vec<Entry>]) {
        if (len + 1) * 2 > self.slots.len() {
            self.grow(len, blocks);
        }
    }

    #[cold]
    fn grow(&mut self, len: usize, blocks: &[Vec<Entry>]) {
        let size = ((len + 1) * 2).next_power_of_two().max(MIN_SLOTS);
        self.slots = vec![0; size];
        let mask = size - 1;
        for (id, e) in blocks.iter().flatten().enumerate() {
            let h = e.key.hash(self.seed);
            let mut i = h as usize & mask;
            while self.slots[i] != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = (h >> 32) << 32 | (id as u64 + 1);
        }
    }

    /// Hints the CPU to fetch the slots where a key with hash `h` starts probing.
    #[inline(always)]
    fn prefetch_slot(&self, h: u64) {
        if let Some(slot) = self.slots.get(h as usize & self.mask()) {
            prefetch(slot);
        }
    }

    /// Hints the CPU to fetch the entry a key with hash `h` probably has (the first whose
    /// fingerprint matches in the first slots), without comparing keys.
    #[inline(always)]
    fn prefetch_entry(&self, h: u64, blocks: &[Vec<Entry>]) {
        let mask = self.mask();
        let mut i = h as usize & mask;
        for _ in 0..4 {
            let Some(&slot) = self.slots.get(i) else { return };
            if slot == 0 {
                return;
            }
            if slot >> 32 == h >> 32 {
                if let Some(e) = entry_at(blocks, (slot as u32).wrapping_sub(1)) {
                    // One cache line (`Entry` is aligned to one).
                    prefetch(e);
                }
                return;
            }
            i = (i + 1) & mask;
        }
    }
}

#[inline(always)]
fn entry_at(blocks: &[Vec<Entry>], id: u32) -> Option<&Entry> {
    blocks.get(id as usize / BLOCK)?.get(id as usize % BLOCK)
}

/// A hint to bring the cache line holding `value` closer; no effect on what the program does.
#[inline(always)]
pub(crate) fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults and changes no program state; the address is a live
    // reference anyway.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast::<i8>())
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// Conversations and their stats: a hash table keyed by [`ConversationKey`].
#[derive(Debug, Clone, Default)]
pub struct Conversations {
    index: Index,
    blocks: Vec<Vec<Entry>>,
    len: usize,
    ifaces: Names,
    v6: V6s,
    /// The tags the entries carry, one bit each ([`tag_bit`]): a lookup under a tag no entry
    /// has is answered without probing.
    tags: u64,
}

/// A tag's bit in [`Conversations::tags`]; tags from 63 up share the last bit.
#[inline]
fn tag_bit(tag: u8) -> u64 {
    1 << tag.min(63)
}

impl Conversations {
    /// An empty table.
    pub fn new() -> Conversations {
        Conversations::default()
    }

    /// How many distinct conversations the table holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds one record (of any log status; callers normally add only `OK` records) and
    /// returns its conversation.
    #[inline]
    pub fn add(&mut self, record: &FlowRecord<'_>) -> ConvId {
        self.add_tagged(record, 0)
    }

    /// Like [`add`](Self::add), with `tag` as an extra part of the key: records that differ
    /// only in their tag are different conversations (`flows explain` tags each record
    /// with its `flow-direction`). [`tag`](Self::tag) reads it back.
    #[inline]
    pub fn add_tagged(&mut self, record: &FlowRecord<'_>, tag: u8) -> ConvId {
        let e = self.pack(record, tag);
        self.insert_entry(e)
    }

    /// A record as an entry whose key is packed against this table's interners.
    #[inline]
    fn pack(&mut self, record: &FlowRecord<'_>, tag: u8) -> Entry {
        let v = record.values;
        let present = v.present;
        // Presence bits straight from the values' word: start and end to F_START and
        // F_END, tcp-flags to F_TCP; source port, destination port, protocol and interface
        // are the key's kinds bits 4 to 7 (`PackedKey`).
        const _: () = assert!(Values::START >> 11 == F_START as u32 && Values::END >> 11 == F_END as u32 && Values::TCP_FLAGS >> 13 == F_TCP as u32);
        const _: () = assert!(Values::SRCPORT == 1 << 4 && Values::DSTPORT == 1 << 5 && Values::PROTOCOL == 1 << 6 && Values::INTERFACE == 1 << 7);
        let flags = (present >> 11 & 3 | present >> 13 & 4) as u8;
        let has = |bit: u32| present & bit != 0;
        let dir = if has(Values::DIRECTION) {
            match v.direction {
                Direction::Ingress => 1,
                Direction::Egress => 2,
            }
        } else {
            4
        };
        let iface = if has(Values::INTERFACE) { self.ifaces.intern_span(record.line, v.interface.0 as usize, v.interface.1 as usize) } else { 0 };
        let (sk, src) = if has(Values::SRCADDR) { self.addr(v.srcaddr) } else { (K_NONE, 0) };
        let (dk, dst) = if has(Values::DSTADDR) { self.addr(v.dstaddr) } else { (K_NONE, 0) };
        let action = if has(Values::ACTION) { action_code(Some(v.action)) } else { action_code(None) };
        let kinds = sk | dk << 2 | (present & 0xf0) as u8;
        Entry {
            packets: v.packets,
            bytes: v.bytes,
            records: 1,
            first: if has(Values::START) { sat32(v.start) } else { u32::MAX },
            last: sat32(v.end),
            key: PackedKey::of(iface, src, dst, v.srcport, v.dstport, v.protocol, action, kinds, tag),
            tcp: v.tcp_flags,
            dir,
            flags,
        }
    }

    /// Adds stats for a key (for results computed elsewhere, such as Logs Insights rows).
    pub fn add_stats(&mut self, key: &ConversationKey<'_>, stats: &ConversationStats) -> ConvId {
        let mut flags = 0;
        if stats.first_start.is_some() {
            flags |= F_START;
        }
        if stats.last_end.is_some() {
            flags |= F_END;
        }
        if stats.tcp_flags.is_some() {
            flags |= F_TCP;
        }
        let dir = match stats.direction {
            Some(Direction::Ingress) => 1,
            Some(Direction::Egress) => 2,
            None if stats.records > 0 => 4,
            None => 0,
        };
        let e = Entry {
            packets: stats.packets,
            bytes: stats.bytes,
            records: stats.records,
            first: stats.first_start.map_or(u32::MAX, sat32),
            last: stats.last_end.map_or(0, sat32),
            key: PackedKey::default(),
            tcp: stats.tcp_flags.map_or(0, |t| t.0),
            dir,
            flags,
        };
        self.add_packed(key, 0, e)
    }

    #[inline]
    fn pack_key(&mut self, key: &ConversationKey<'_>, tag: u8) -> PackedKey {
        let iface = key.interface.map(|name| self.ifaces.intern(name));
        let src = self.addr_opt(key.src);
        let dst = self.addr_opt(key.dst);
        PackedKey::new(key, tag, iface, src, dst)
    }

    #[inline]
    fn add_packed(&mut self, key: &ConversationKey<'_>, tag: u8, mut e: Entry) -> ConvId {
        e.key = self.pack_key(key, tag);
        self.insert_entry(e)
    }

    /// Adds an entry whose key is already packed against this table's interners.
    #[inline]
    fn insert_entry(&mut self, e: Entry) -> ConvId {
        let h = e.key.hash(self.index.seed);
        self.insert_hashed(&e, h)
    }

    /// [`insert_entry`](Self::insert_entry) with the key's hash already computed.
    #[inline]
    fn insert_hashed(&mut self, e: &Entry, h: u64) -> ConvId {
        self.index.reserve(self.len, &self.blocks);
        let slot = match self.index.probe(h, &self.blocks, &e.key) {
            Ok(id) => {
                if let Some(cur) = self.blocks.get_mut(id as usize / BLOCK).and_then(|b| b.get_mut(id as usize % BLOCK)) {
                    merge_entry(cur, e);
                }
                return ConvId(id);
            }
            Err(slot) => slot,
        };
        let id = self.len as u32;
        if self.len % BLOCK == 0 {
            self.blocks.push(Vec::with_capacity(BLOCK));
        }
        if let Some(block) = self.blocks.last_mut() {
            block.push(*e);
        }
        self.len += 1;
        self.tags |= tag_bit(e.key.tag());
        self.index.slots[slot] = (h >> 32) << 32 | (id as u64 + 1);
        ConvId(id)
    }

    #[inline]
    fn addr_opt(&mut self, a: Option<IpAddr>) -> (u8, u32) {
        a.map_or((K_NONE, 0), |a| self.addr(a))
    }

    #[inline]
    fn addr(&mut self, a: IpAddr) -> (u8, u32) {
        match a {
            IpAddr::V4(v4) => (K_V4, u32::from(v4)),
            IpAddr::V6(v6) => (K_V6, self.v6.intern(u128::from(v6))),
        }
    }

    fn entry(&self, id: ConvId) -> Option<&Entry> {
        entry_at(&self.blocks, id.0)
    }

    /// A conversation by id.
    pub fn get(&self, id: ConvId) -> Option<(ConversationKey<'_>, ConversationStats)> {
        self.entry(id).map(|e| self.decode(e))
    }

    /// The tag a conversation was added with ([`add_tagged`](Self::add_tagged)).
    pub fn tag(&self, id: ConvId) -> Option<u8> {
        self.entry(id).map(|e| e.key.tag())
    }

    /// The action of conversation `id` (`Some(None)` when its records have no action),
    /// without decoding the rest of its key.
    pub fn action(&self, id: ConvId) -> Option<Option<Action>> {
        self.entry(id).map(|e| action_of(e.key.action()))
    }

    /// The interface ids seen, indexed by [`interface_index`](Self::interface_index).
    pub fn interface_names(&self) -> &[Box<str>] {
        &self.ifaces.names
    }

    /// The position of a conversation's interface in
    /// [`interface_names`](Self::interface_names); `None` when the format has no
    /// `interface-id`.
    pub fn interface_index(&self, id: ConvId) -> Option<u32> {
        self.entry(id).and_then(|e| (e.key.kinds() & 1 << 7 != 0).then_some(e.key.iface()))
    }

    /// The conversation with this key and tag, if the table holds it.
    pub fn find(&self, key: &ConversationKey<'_>, tag: u8) -> Option<ConvId> {
        let iface = match key.interface {
            Some(name) => Some(self.ifaces.get(name)?),
            None => None,
        };
        let addr = |a: Option<IpAddr>| -> Option<(u8, u32)> {
            Some(match a {
                None => (K_NONE, 0),
                Some(IpAddr::V4(v4)) => (K_V4, u32::from(v4)),
                Some(IpAddr::V6(v6)) => (K_V6, self.v6.get(u128::from(v6))?),
            })
        };
        let pk = PackedKey::new(key, tag, iface, addr(key.src)?, addr(key.dst)?);
        if self.len == 0 || self.tags & tag_bit(tag) == 0 {
            return None;
        }
        self.index.probe(pk.hash(self.index.seed), &self.blocks, &pk).ok().map(ConvId)
    }

    /// The reverse of conversation `id` (source and destination swapped, their ports with
    /// them) with `action` and `tag`, if the table holds it: what [`find`](Self::find)
    /// answers for the reversed key, straight from the packed key (no interface name or
    /// address to look up).
    pub fn find_reverse(&self, id: ConvId, action: Option<Action>, tag: u8) -> Option<ConvId> {
        if self.tags & tag_bit(tag) == 0 {
            return None;
        }
        let k = self.entry(id)?.key;
        let kinds = k.kinds();
        // Source and destination kinds (bits 0-1, 2-3) and port presence (bits 4, 5) swap.
        let swapped = kinds & 0xc0 | (kinds & 0x03) << 2 | (kinds >> 2) & 0x03 | (kinds & 0x10) << 1 | (kinds & 0x20) >> 1;
        let pk = PackedKey::of(k.iface(), k.dst(), k.src(), k.dport(), k.sport(), k.proto(), action_code(action), swapped, tag);
        self.index.probe(pk.hash(self.index.seed), &self.blocks, &pk).ok().map(ConvId)
    }

    fn decode(&self, e: &Entry) -> (ConversationKey<'_>, ConversationStats) {
        let k = &e.key;
        let addr = |kind: u8, v: u32| match kind {
            K_V4 => Some(IpAddr::V4(Ipv4Addr::from(v))),
            K_V6 => Some(IpAddr::V6(Ipv6Addr::from(self.v6.addrs[v as usize]))),
            _ => None,
        };
        let kinds = k.kinds();
        let key = ConversationKey {
            interface: (kinds & 1 << 7 != 0).then(|| &*self.ifaces.names[k.iface() as usize]),
            src: addr(kinds & 3, k.src()),
            dst: addr(kinds >> 2 & 3, k.dst()),
            src_port: (kinds & 1 << 4 != 0).then_some(k.sport()),
            dst_port: (kinds & 1 << 5 != 0).then_some(k.dport()),
            protocol: (kinds & 1 << 6 != 0).then_some(Protocol(k.proto())),
            action: action_of(k.action()),
        };
        let stats = ConversationStats {
            packets: e.packets,
            bytes: e.bytes,
            records: e.records,
            first_start: (e.flags & F_START != 0).then_some(e.first as u64),
            last_end: (e.flags & F_END != 0).then_some(e.last as u64),
            tcp_flags: (e.flags & F_TCP != 0).then_some(TcpFlags(e.tcp)),
            direction: match e.dir {
                1 => Some(Direction::Ingress),
                2 => Some(Direction::Egress),
                _ => None,
            },
        };
        (key, stats)
    }

    /// Every conversation, in [`ConvId`] order.
    pub fn iter(&self) -> impl Iterator<Item = (ConvId, ConversationKey<'_>, ConversationStats)> + '_ {
        self.blocks.iter().flatten().enumerate().map(|(i, e)| {
            let (k, s) = self.decode(e);
            (ConvId(i as u32), k, s)
        })
    }

    /// Orders two conversations by bytes and packets (descending), then by key.
    fn by_bytes(&self, a: u32, b: u32) -> std::cmp::Ordering {
        match (self.entry(ConvId(a)), self.entry(ConvId(b))) {
            (Some(ea), Some(eb)) => eb
                .bytes
                .cmp(&ea.bytes)
                .then(eb.packets.cmp(&ea.packets))
                .then_with(|| self.decode(ea).0.cmp(&self.decode(eb).0)),
            _ => a.cmp(&b),
        }
    }

    /// The `n` conversations with the most bytes (ties broken by key), all when `n` is 0.
    /// Needs 4 bytes per conversation of scratch memory, whatever `n`.
    pub fn top(&self, n: usize) -> Vec<(ConversationKey<'_>, ConversationStats)> {
        let mut ids: Vec<u32> = (0..self.len as u32).collect();
        if n > 0 && ids.len() > n {
            ids.select_nth_unstable_by(n - 1, |a, b| self.by_bytes(*a, *b));
            ids.truncate(n);
        }
        ids.sort_unstable_by(|a, b| self.by_bytes(*a, *b));
        ids.iter().filter_map(|&id| self.get(ConvId(id))).collect()
    }

    /// Source/destination pairs by bytes, over all conversations (`n` = 0: all). Groups by
    /// sorting packed (pair, conversation id) values, so scratch memory is 16 bytes per
    /// conversation plus `2n` pairs.
    pub fn top_talkers(&self, n: usize) -> Vec<TopTalker> {
        // (address kinds, source, destination, id) packed into one integer, so sorting
        // compares one word pair instead of a tuple field by field.
        let mut pairs: Vec<u128> = Vec::with_capacity(self.len);
        for (id, e) in self.blocks.iter().flatten().enumerate() {
            let k = &e.key;
            pairs.push(((k.kinds() & 0x0f) as u128) << 96 | (k.src() as u128) << 64 | (k.dst() as u128) << 32 | id as u128);
        }
        pairs.sort_unstable();
        let order = |a: &TopTalker, b: &TopTalker| b.bytes.cmp(&a.bytes).then(b.packets.cmp(&a.packets)).then((a.src, a.dst).cmp(&(b.src, b.dst)));
        let mut out: Vec<TopTalker> = Vec::new();
        for group in pairs.chunk_by(|a, b| a >> 32 == b >> 32) {
            let mut t = TopTalker::default();
            for id in group.iter().map(|&p| p as u32) {
                if let Some(e) = self.entry(ConvId(id)) {
                    t.packets = t.packets.saturating_add(e.packets);
                    t.bytes = t.bytes.saturating_add(e.bytes);
                    t.records = t.records.saturating_add(e.records);
                }
            }
            if let Some((k, _)) = self.get(ConvId(group[0] as u32)) {
                t.src = k.src;
                t.dst = k.dst;
            }
            out.push(t);
            if n > 0 && out.len() >= 2 * n {
                out.select_nth_unstable_by(n - 1, order);
                out.truncate(n);
            }
        }
        out.sort_unstable_by(order);
        truncate(out, n)
    }

    /// Rejected traffic grouped by destination port and protocol, most records first.
    pub fn rejected_by_port(&self, n: usize) -> Vec<RejectedPort> {
        let mut by: HashMap<(Option<u16>, Option<Protocol>), RejectedPort> = HashMap::new();
        for e in self.blocks.iter().flatten() {
            let k = &e.key;
            if k.action() != 2 {
                continue;
            }
            let dst_port = (k.kinds() & 1 << 5 != 0).then_some(k.dport());
            let protocol = (k.kinds() & 1 << 6 != 0).then_some(Protocol(k.proto()));
            let r = by.entry((dst_port, protocol)).or_insert(RejectedPort { dst_port, protocol, ..RejectedPort::default() });
            r.records = r.records.saturating_add(e.records);
            r.packets = r.packets.saturating_add(e.packets);
            r.bytes = r.bytes.saturating_add(e.bytes);
            r.conversations += 1;
        }
        let mut v: Vec<RejectedPort> = by.into_values().collect();
        v.sort_unstable_by(|a, b| b.records.cmp(&a.records).then(b.packets.cmp(&a.packets)).then((a.dst_port, a.protocol).cmp(&(b.dst_port, b.protocol))));
        truncate(v, n)
    }

    /// Totals per interface, most bytes first.
    pub fn interfaces(&self, n: usize) -> Vec<InterfaceTotals> {
        // Indexed by interned interface id; the last slot is "no interface-id field".
        let none = self.ifaces.names.len();
        let mut by: Vec<InterfaceTotals> = vec![InterfaceTotals::default(); none + 1];
        let mut seen = vec![false; none + 1];
        for e in self.blocks.iter().flatten() {
            let k = &e.key;
            let slot = if k.kinds() & 1 << 7 != 0 { k.iface() as usize } else { none };
            let Some(t) = by.get_mut(slot) else { continue };
            seen[slot] = true;
            t.records = t.records.saturating_add(e.records);
            t.packets = t.packets.saturating_add(e.packets);
            t.bytes = t.bytes.saturating_add(e.bytes);
            t.conversations += 1;
            if k.action() == 2 {
                t.rejected_records = t.rejected_records.saturating_add(e.records);
            }
        }
        let mut v: Vec<InterfaceTotals> = by
            .into_iter()
            .enumerate()
            .filter(|&(slot, _)| seen[slot])
            .map(|(slot, mut t)| {
                t.interface = self.ifaces.names.get(slot).map(|n| n.to_string());
                t
            })
            .collect();
        v.sort_unstable_by(|a, b| b.bytes.cmp(&a.bytes).then(b.records.cmp(&a.records)).then(a.interface.cmp(&b.interface)));
        truncate(v, n)
    }
}

fn truncate<T>(mut v: Vec<T>, n: usize) -> Vec<T> {
    if n > 0 {
        v.truncate(n);
    }
    v
}

/// [`action_code`] read back.
fn action_of(code: u8) -> Option<Action> {
    match code {
        1 => Some(Action::Accept),
        2 => Some(Action::Reject),
        3 => Some(Action::Unknown),
        _ => None,
    }
}

fn action_code(a: Option<Action>) -> u8 {
    match a {
        None => 0,
        Some(Action::Accept) => 1,
        Some(Action::Reject) => 2,
        Some(Action::Unknown) => 3,
    }
}

fn sat32(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

#[inline]
fn merge_entry(cur: &mut Entry, e: &Entry) {
    cur.packets = cur.packets.saturating_add(e.packets);
    cur.bytes = cur.bytes.saturating_add(e.bytes);
    cur.records = cur.records.saturating_add(e.records);
    cur.first = cur.first.min(e.first);
    cur.last = cur.last.max(e.last);
    cur.tcp |= e.tcp;
    cur.dir |= e.dir;
    cur.flags |= e.flags;
}

impl AddAssign<&Conversations> for Conversations {
    fn add_assign(&mut self, other: &Conversations) {
        self.merge_mapped(other);
    }
}

impl Conversations {
    /// Adds every conversation of `other`; returns, for each of `other`'s ids in order, its
    /// id in this table (conversations new to this table get consecutive new ids).
    pub fn merge_mapped(&mut self, other: &Conversations) -> Vec<ConvId> {
        // Re-point the other table's interned interfaces and IPv6 addresses once, then move
        // packed entries across without decoding them.
        let ifaces: Vec<u32> = other.ifaces.names.iter().map(|n| self.ifaces.intern(n)).collect();
        let v6: Vec<u32> = other.v6.addrs.iter().map(|&a| self.v6.intern(a)).collect();
        self.index.reserve(self.len + other.len, &self.blocks);
        let seed = self.index.seed;
        // `other`'s entry `id`, re-pointed to this table's interners, and its hash.
        let prepared = |id: usize| {
            let mut e = *entry_at(&other.blocks, id as u32)?;
            let k = &mut e.key;
            let kinds = k.kinds();
            if kinds & 1 << 7 != 0 {
                k.0[0] = ifaces[k.iface() as usize];
            }
            if kinds & 3 == K_V6 {
                k.0[1] = v6[k.src() as usize];
            }
            if kinds >> 2 & 3 == K_V6 {
                k.0[2] = v6[k.dst() as usize];
            }
            let h = e.key.hash(seed);
            Some((e, h))
        };
        // As in `Ahead`: each entry's slot is fetched eight entries before it is added, and
        // the entry the slot points to four before (re-preparing an entry is cheaper than a
        // cache miss, and keeps no copy of the other table).
        let mut map = Vec::with_capacity(other.len);
        for id in 0..other.len {
            if let Some((_, ahead)) = prepared(id + AHEAD) {
                self.index.prefetch_slot(ahead);
            }
            if let Some((_, half)) = prepared(id + AHEAD / 2) {
                self.index.prefetch_entry(half, &self.blocks);
            }
            if let Some((e, h)) = prepared(id) {
                map.push(self.insert_hashed(&e, h));
            }
        }
        map
    }
}

impl AddAssign for Conversations {
    fn add_assign(&mut self, other: Conversations) {
        if self.len < other.len {
            let small = std::mem::replace(self, other);
            *self += &small;
        } else {
            *self += &other;
        }
    }
}

/// A source/destination pair and its traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct TopTalker {
    /// Source address.
    pub src: Option<IpAddr>,
    /// Destination address.
    pub dst: Option<IpAddr>,
    /// Sum of packets.
    pub packets: u64,
    /// Sum of bytes.
    pub bytes: u64,
    /// Number of records.
    pub records: u64,
}

/// Rejected traffic to one destination port and protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RejectedPort {
    /// Destination port.
    pub dst_port: Option<u16>,
    /// Protocol.
    pub protocol: Option<Protocol>,
    /// Number of REJECT records.
    pub records: u64,
    /// Sum of packets.
    pub packets: u64,
    /// Sum of bytes.
    pub bytes: u64,
    /// Distinct conversations (0 when computed by Logs Insights, which does not report it).
    pub conversations: u64,
}

/// Traffic through one interface.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InterfaceTotals {
    /// `interface-id`.
    pub interface: Option<String>,
    /// Number of records with traffic (status OK).
    pub records: u64,
    /// Sum of packets.
    pub packets: u64,
    /// Sum of bytes.
    pub bytes: u64,
    /// Number of REJECT records.
    pub rejected_records: u64,
    /// Distinct conversations.
    pub conversations: u64,
}

/// Record counts by kind. Invariant: `total == ok + nodata + skipdata + malformed +
/// filtered_out`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct RecordCounts {
    /// Every non-blank line that is not a header line.
    pub total: u64,
    /// Records with log status `OK` (or an unknown status, or no status field).
    pub ok: u64,
    /// `NODATA` records.
    pub nodata: u64,
    /// `SKIPDATA` records.
    pub skipdata: u64,
    /// Lines that are not valid records.
    pub malformed: u64,
    /// Of `ok`: records whose log status is a word vpcscope does not know.
    pub unknown_status: u64,
    /// Records outside the run's filter (`--since`, `--interface`, ...): parsed, counted
    /// here, and not aggregated.
    pub filtered_out: u64,
}

impl RecordCounts {
    /// Counts one parsed record by its log status; `true` when it carries traffic (OK or an
    /// unknown status) and belongs in conversations, `false` for NODATA and SKIPDATA.
    #[inline]
    pub fn tally(&mut self, status: LogStatus) -> bool {
        self.total += 1;
        match status {
            LogStatus::NoData => {
                self.nodata += 1;
                false
            }
            LogStatus::SkipData => {
                self.skipdata += 1;
                false
            }
            status => {
                self.ok += 1;
                if status == LogStatus::Unknown {
                    self.unknown_status += 1;
                }
                true
            }
        }
    }
}

impl AddAssign for RecordCounts {
    fn add_assign(&mut self, o: RecordCounts) {
        self.total += o.total;
        self.ok += o.ok;
        self.nodata += o.nodata;
        self.skipdata += o.skipdata;
        self.malformed += o.malformed;
        self.unknown_status += o.unknown_status;
        self.filtered_out += o.filtered_out;
    }
}

/// A malformed line and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed {
    /// Where it is.
    pub position: Position,
    /// What is wrong.
    pub error: ParseError,
}

/// How many malformed lines a [`Summary`] keeps as samples.
pub const MALFORMED_SAMPLES: usize = 10;

/// The `flows summary` aggregate: counts, the first malformed lines, and conversations.
///
/// Records delivered through [`RecordSink::record`] reach their conversation a few records
/// later: the summary computes each record's slot first and asks the CPU to fetch it, so the
/// table's cache misses overlap with parsing the next lines. [`RecordSink::finish`] (which
/// the readers call) and `merge` complete the held-back records; [`Summary::add`] adds at once.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Records by kind.
    pub counts: RecordCounts,
    /// The first [`MALFORMED_SAMPLES`] malformed lines, in input order.
    pub malformed_samples: Vec<Malformed>,
    /// Conversations of the `OK` records.
    pub conversations: Conversations,
    /// Records counted but not yet added to `conversations`.
    ahead: Ahead<()>,
}

/// How many records an [`Ahead`] holds back: a record's index slot is fetched when it
/// arrives, its entry halfway, and it is added when `AHEAD` more have arrived.
const AHEAD: usize = 8;

/// Records on their way into a [`Conversations`] table, held back eight at a time so
/// that the table's memory is fetched while the next lines are parsed: on arrival a record
/// is packed and hashed and its index slot prefetched; halfway, the entry that slot points
/// to is prefetched; then it is added. Records are added in arrival order, so conversation
/// ids are exactly those of adding each record at once. `T` rides along with each record
/// (evidence positions, for instance) and comes back with its conversation.
#[derive(Debug, Clone)]
pub struct Ahead<T> {
    /// A ring of `AHEAD` places, kept as parallel arrays (a whole entry is one cache line):
    /// the oldest record at `head`, `len` of them.
    entries: [Entry; AHEAD],
    hashes: [u64; AHEAD],
    extras: [Option<T>; AHEAD],
    head: usize,
    len: usize,
}

impl<T> Default for Ahead<T> {
    fn default() -> Self {
        Ahead { entries: [Entry::default(); AHEAD], hashes: [0; AHEAD], extras: std::array::from_fn(|_| None), head: 0, len: 0 }
    }
}

impl<T> Ahead<T> {
    /// Takes `record` (keyed also by `tag`, see [`Conversations::add_tagged`]) for `table`;
    /// once eight records wait, adds the oldest and returns its conversation and extra.
    #[inline]
    pub fn push(&mut self, table: &mut Conversations, record: &FlowRecord<'_>, tag: u8, extra: T) -> Option<(ConvId, T)> {
        let e = table.pack(record, tag);
        let h = e.key.hash(table.index.seed);
        table.index.prefetch_slot(h);
        let added = if self.len == AHEAD { self.pop(table) } else { None };
        // The record that will be added after AHEAD / 2 - 1 more.
        if self.len >= AHEAD / 2 {
            table.index.prefetch_entry(self.hashes[(self.head + AHEAD / 2 - 1) % AHEAD], &table.blocks);
        }
        let at = (self.head + self.len) % AHEAD;
        self.entries[at] = e;
        self.hashes[at] = h;
        self.extras[at] = Some(extra);
        self.len += 1;
        added
    }

    /// Adds the oldest held-back record to `table`; returns its conversation and extra, or
    /// `None` when nothing waits.
    #[inline(always)]
    pub fn pop(&mut self, table: &mut Conversations) -> Option<(ConvId, T)> {
        if self.len == 0 {
            return None;
        }
        let at = self.head;
        let extra = self.extras[at].take()?;
        self.head = (self.head + 1) % AHEAD;
        self.len -= 1;
        Some((table.insert_hashed(&self.entries[at], self.hashes[at]), extra))
    }

    /// Whether no record waits.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Summary {
    /// An empty summary.
    pub fn new() -> Summary {
        Summary::default()
    }

    /// Counts one record and adds it to its conversation (when its status is not
    /// NODATA/SKIPDATA); returns the conversation.
    #[inline]
    pub fn add(&mut self, record: &FlowRecord<'_>) -> Option<ConvId> {
        self.flush();
        if self.counts.tally(record.log_status()) {
            Some(self.conversations.add(record))
        } else {
            None
        }
    }

    /// [`add`](Self::add), holding the record back while its conversation is fetched.
    #[inline]
    fn add_ahead(&mut self, record: &FlowRecord<'_>) {
        if self.counts.tally(record.log_status()) {
            self.ahead.push(&mut self.conversations, record, 0, ());
        }
    }

    /// Adds the held-back records, oldest first.
    fn flush(&mut self) {
        while self.ahead.pop(&mut self.conversations).is_some() {}
    }

    /// Counts one record outside the run's filter.
    #[inline]
    pub fn add_filtered(&mut self) {
        self.counts.total += 1;
        self.counts.filtered_out += 1;
    }

    /// Counts one malformed line, keeping it as a sample while there is room.
    pub fn add_malformed(&mut self, position: Position, error: ParseError) {
        self.counts.total += 1;
        self.counts.malformed += 1;
        if self.malformed_samples.len() < MALFORMED_SAMPLES {
            self.malformed_samples.push(Malformed { position, error });
        } else if let Some(last) = self.malformed_samples.iter_mut().max_by_key(|m| m.position) {
            // Parallel pieces arrive out of order: keep the earliest positions.
            if position < last.position {
                *last = Malformed { position, error };
            }
        }
    }
}

impl AddAssign for Summary {
    fn add_assign(&mut self, mut other: Summary) {
        self.flush();
        other.flush();
        self.counts += other.counts;
        self.malformed_samples.extend(other.malformed_samples);
        self.malformed_samples.sort_by_key(|m| m.position);
        self.malformed_samples.truncate(MALFORMED_SAMPLES);
        self.conversations += other.conversations;
    }
}

impl RecordSink for Summary {
    #[inline]
    fn record(&mut self, _position: Position, record: &FlowRecord<'_>) {
        self.add_ahead(record);
    }
    fn malformed(&mut self, position: Position, error: ParseError) {
        self.add_malformed(position, error);
    }
    fn filtered(&mut self, _position: Position) {
        self.add_filtered();
    }
    fn finish(&mut self) {
        self.flush();
    }
    fn merge(&mut self, other: Summary) {
        *self += other;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flowlog::parser::Parser;

    const LOG: &str = "\
2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 4 336 1432917027 1432917142 ACCEPT OK
2 123456789010 eni-1235b8ca123456789 172.31.16.139 203.0.113.12 0 0 1 4 336 1432917094 1432917142 REJECT OK
2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 2 100 1432917000 1432917300 ACCEPT OK
2 123456789010 eni-1235b8ca123456789 2001:db8::1 2001:db8::2 34892 22 6 54 8855 1477913708 1477913820 REJECT OK
2 123456789010 eni-aaaaaaaaaaaaaaaaa 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK
2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA
2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA
";

    fn summarize(text: &str) -> Summary {
        let mut p = Parser::default();
        let mut s = Summary::new();
        let used = p.feed(text.as_bytes(), |n, r| match r {
            Ok(r) => {
                s.add(&r);
            }
            Err(e) => s.add_malformed(Position::Line { source: super::super::SourceId(0), chunk: 0, line: n }, e),
        });
        assert_eq!(used, text.len());
        s
    }

    /// `find_reverse` answers what `find` answers for the reversed key: over IPv4 and IPv6
    /// addresses, missing ports, tags and actions, with the reverses often present.
    #[test]
    fn find_reverse_agrees_with_find_on_the_reversed_key() {
        let addrs = ["10.0.0.1", "10.0.0.2", "2001:db8::1", "2001:db8::2"];
        let ports = ["22", "443", "-", "50000"];
        let mut rng = crate::flowlog::synth::Rng(9);
        let mut c = Conversations::new();
        let mut p = Parser::default();
        for _ in 0..2000 {
            let pick = |rng: &mut crate::flowlog::synth::Rng, from: &[&'static str]| from[rng.below(from.len() as u64) as usize];
            let (src, dst) = (pick(&mut rng, &addrs), pick(&mut rng, &addrs));
            let (sport, dport) = (pick(&mut rng, &ports), pick(&mut rng, &ports));
            let (iface, action) = (pick(&mut rng, &["eni-a", "eni-b"]), pick(&mut rng, &["ACCEPT", "REJECT"]));
            let line = format!("2 1 {iface} {src} {dst} {sport} {dport} 6 1 100 1000 1060 {action} OK");
            let r = p.parse_line(line.as_bytes()).unwrap();
            c.add_tagged(&r, rng.below(3) as u8);
        }
        let mut found = 0;
        for id in 0..c.len() as u32 {
            let (k, _) = c.get(ConvId(id)).unwrap();
            let reverse = ConversationKey { src: k.dst, dst: k.src, src_port: k.dst_port, dst_port: k.src_port, ..k };
            for action in [Some(Action::Accept), Some(Action::Reject), None] {
                // (No entry has tag 5: answered without probing.)
                for tag in [0, 1, 2, 5] {
                    let want = c.find(&ConversationKey { action, ..reverse }, tag);
                    assert_eq!(c.find_reverse(ConvId(id), action, tag), want, "{k:?} {action:?} {tag}");
                    found += usize::from(want.is_some());
                }
            }
        }
        assert!(found > 1000, "{found}");
    }

    #[test]
    fn counts_and_conversations() {
        let s = summarize(LOG);
        assert_eq!(s.counts, RecordCounts { total: 7, ok: 5, nodata: 1, skipdata: 1, malformed: 0, unknown_status: 0, filtered_out: 0 });
        assert_eq!(s.conversations.len(), 4);
        let top = s.conversations.top(1);
        assert_eq!(top[0].0.src, Some("2001:db8::1".parse().unwrap()));
        let ping = s
            .conversations
            .iter()
            .find(|(_, k, _)| k.action == Some(Action::Accept))
            .map(|(_, _, st)| st)
            .unwrap();
        assert_eq!(
            ping,
            ConversationStats { packets: 6, bytes: 436, records: 2, first_start: Some(1432917000), last_end: Some(1432917300), tcp_flags: None, direction: None }
        );
    }

    #[test]
    fn derived_views() {
        let s = summarize(LOG);
        let rej = s.conversations.rejected_by_port(0);
        assert_eq!(rej.len(), 3);
        assert_eq!((rej[0].dst_port, rej[0].records, rej[0].packets), (Some(22), 1, 54));
        let talkers = s.conversations.top_talkers(2);
        assert_eq!(talkers[0].bytes, 8855);
        assert_eq!(talkers[1].bytes, 4249);
        let ifs = s.conversations.interfaces(0);
        assert_eq!(ifs[0].interface.as_deref(), Some("eni-1235b8ca123456789"));
        assert_eq!((ifs[0].records, ifs[0].rejected_records, ifs[0].conversations), (4, 2, 3));
    }

    #[test]
    fn merge_equals_single_pass() {
        let whole = summarize(LOG);
        let (a, b) = LOG.split_at(LOG.find("2 123456789010 eni-aaaa").unwrap());
        let mut left = summarize(a);
        left += summarize(b);
        assert_eq!(left.counts, whole.counts);
        let render = |s: &Summary| format!("{:?}", s.conversations.top(0));
        assert_eq!(render(&left), render(&whole));
    }

    /// Records given to the sink are held back a few at a time (to prefetch their slots):
    /// `finish` and `merge` must deliver every one, in order, so the table equals the one
    /// built by adding each record at once, conversation ids included.
    #[test]
    fn held_back_records_all_arrive_in_order() {
        let mut log = String::new();
        for i in 0..(AHEAD * 5 + 3) {
            log.push_str(&format!("2 1 eni-{} 10.0.0.{} 10.1.0.1 {} 443 6 1 {} 1 2 ACCEPT OK\n", i % 3, i % 11, 1000 + i % 7, i));
        }
        log.push_str(LOG);
        let immediate = summarize(&log);
        let feed = |text: &str| {
            let mut s = Summary::new();
            Parser::default().feed(text.as_bytes(), |n, r| {
                let position = Position::Line { source: super::super::SourceId(0), chunk: 0, line: n };
                match r {
                    Ok(r) => s.record(position, &r),
                    Err(e) => s.malformed(position, e),
                }
            });
            s
        };
        let mut sunk = feed(&log);
        sunk.finish();
        let render = |s: &Summary| format!("{:?} {:?}", s.counts, s.conversations.iter().collect::<Vec<_>>());
        assert_eq!(render(&sunk), render(&immediate));
        // Merging delivers both sides' held-back records; so does `add`.
        let (a, b) = log.split_at(log.find("2 123456789010").unwrap());
        let mut left = feed(a);
        left.merge(feed(b));
        assert_eq!(render(&left), render(&immediate));
        let mut mixed = feed(a);
        for line in b.lines() {
            if let Ok(r) = Parser::default().parse_line(line.as_bytes()) {
                mixed.add(&r);
            }
        }
        assert_eq!(format!("{:?}", mixed.conversations.iter().collect::<Vec<_>>()), format!("{:?}", immediate.conversations.iter().collect::<Vec<_>>()));
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
                // At the very end of a line the cache is skipped, with the same result.
                assert_eq!(names.intern_span(&name, 0, name.len()), id);
            }
        }
        assert_eq!(names.names.len(), reference.len());
    }

    /// Found in review: the interface id was once ORed with the seed (operator precedence),
    /// and a factor forced odd lost the low bits of the destination port and the protocol.
    /// Keys that differ in any single bit of any field must hash apart, whatever the seed.
    #[test]
    fn every_key_bit_reaches_the_hash() {
        // Every bit of every field, set through the fields' own packing.
        let parts = (0x1234u32, 0x0a00_0001u32, 0x0a00_0002u32, 1000u16, 443u16, 6u8, 1u8, 0xffu8, 0u8);
        let key = |p: (u32, u32, u32, u16, u16, u8, u8, u8, u8)| PackedKey::of(p.0, p.1, p.2, p.3, p.4, p.5, p.6, p.7, p.8);
        let (i, s, d, sp, dp, pr, ac, ki, tg) = parts;
        let mut keys = vec![key(parts)];
        for bit in 0..32 {
            keys.push(key((i ^ 1 << bit, s, d, sp, dp, pr, ac, ki, tg)));
            keys.push(key((i, s ^ 1 << bit, d, sp, dp, pr, ac, ki, tg)));
            keys.push(key((i, s, d ^ 1 << bit, sp, dp, pr, ac, ki, tg)));
        }
        for bit in 0..16 {
            keys.push(key((i, s, d, sp ^ 1 << bit, dp, pr, ac, ki, tg)));
            keys.push(key((i, s, d, sp, dp ^ 1 << bit, pr, ac, ki, tg)));
        }
        for bit in 0..8 {
            keys.push(key((i, s, d, sp, dp, pr ^ 1 << bit, ac, ki, tg)));
            keys.push(key((i, s, d, sp, dp, pr, ac ^ 1 << bit, ki, tg)));
            keys.push(key((i, s, d, sp, dp, pr, ac, ki ^ 1 << bit, tg)));
            keys.push(key((i, s, d, sp, dp, pr, ac, ki, tg ^ 1 << bit)));
        }
        for seed in [0, u64::MAX, 0x0123_4567_89ab_cdef, Index::default().seed] {
            let mut hashes: Vec<u64> = keys.iter().map(|k| k.hash(seed)).collect();
            hashes.sort_unstable();
            hashes.dedup();
            assert_eq!(hashes.len(), keys.len(), "seed {seed:#x}");
        }
    }

    #[test]
    fn direction_agrees_or_is_dropped() {
        let mut a = ConversationStats { records: 1, direction: Some(Direction::Ingress), ..Default::default() };
        a += &ConversationStats { records: 1, direction: Some(Direction::Ingress), ..Default::default() };
        assert_eq!(a.direction, Some(Direction::Ingress));
        a += &ConversationStats { records: 1, direction: Some(Direction::Egress), ..Default::default() };
        assert_eq!(a.direction, None);
    }

    #[test]
    fn many_conversations_grow_past_a_block() {
        let mut c = Conversations::new();
        let mut p = Parser::default();
        for i in 0..(BLOCK as u32 * 2 + 5) {
            let line = format!("2 1 eni-{} 10.0.{}.{} 10.1.0.1 {} 443 6 1 100 1 2 ACCEPT OK", i % 7, i >> 8 & 255, i & 255, i % 60000);
            let r = p.parse_line(line.as_bytes()).unwrap();
            c.add(&r);
        }
        assert_eq!(c.len(), BLOCK * 2 + 5);
        let total: u64 = c.iter().map(|(_, _, s)| s.bytes).sum();
        assert_eq!(total, 100 * (BLOCK as u64 * 2 + 5));
    }
}
