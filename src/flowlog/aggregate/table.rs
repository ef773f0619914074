//! The packed conversation table: keys packed into five words against the table's
//! interners, entries one cache line each in blocks, and an open-addressing index of
//! fingerprints over them. Views over the table live in `views`, the look-ahead ring in
//! `ring`.

use super::intern::{process_seed, Names, V6s};
use super::ring::AHEAD;
pub(super) use super::ConvId;
use super::{ConversationKey, ConversationStats};
use crate::flowlog::record::{Action, Direction, FlowRecord, Protocol, TcpFlags, Values};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::AddAssign;

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
pub(super) struct PackedKey([u32; 5]);

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

    pub(super) fn iface(&self) -> u32 {
        self.0[0]
    }
    pub(super) fn src(&self) -> u32 {
        self.0[1]
    }
    pub(super) fn dst(&self) -> u32 {
        self.0[2]
    }
    pub(super) fn sport(&self) -> u16 {
        (self.0[3] >> 16) as u16
    }
    pub(super) fn dport(&self) -> u16 {
        self.0[3] as u16
    }
    pub(super) fn proto(&self) -> u8 {
        self.0[4].to_le_bytes()[0]
    }
    pub(super) fn action(&self) -> u8 {
        self.0[4].to_le_bytes()[1]
    }
    pub(super) fn kinds(&self) -> u8 {
        self.0[4].to_le_bytes()[2]
    }
    pub(super) fn tag(&self) -> u8 {
        self.0[4].to_le_bytes()[3]
    }

    /// The key's hash under a table's `seed`. Every key bit reaches the result: the 160 key
    /// bits go into two 128-bit multiplies whose factors are both seeded, so the writer of
    /// the logs cannot aim for a zero factor or a collision.
    #[inline]
    pub(super) fn hash(&self, seed: u64) -> u64 {
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

// Flags for the optional stats fields.
const F_START: u8 = 1;
const F_END: u8 = 2;
const F_TCP: u8 = 4;

/// One conversation. Aligned to a cache line, so that adding a record to it touches one
/// line (56 bytes packed back to back would straddle two lines for six entries in eight).
#[derive(Debug, Clone, Copy, Default)]
#[repr(align(64))]
pub(super) struct Entry {
    pub(super) packets: u64,
    pub(super) bytes: u64,
    pub(super) records: u64,
    // Unix seconds, saturated at u32::MAX (year 2106). Without a value (see `flags`) they
    // hold the identity of their merge, u32::MAX and 0, so merging is a plain min and max.
    first: u32,
    last: u32,
    pub(super) key: PackedKey,
    tcp: u8,
    /// bit 0 ingress seen, bit 1 egress seen, bit 2 a record without direction seen.
    dir: u8,
    flags: u8,
}

pub(super) const BLOCK: usize = 1 << 14;

/// The open-addressing index over a table's entries. Each slot holds the high half of a
/// key's hash and the entry's id + 1 (0: empty); slots are probed linearly from the hash and
/// kept at most half full, so a lookup reads one cache line of eight slots, then the entry
/// whose fingerprint matches. Keys hash with a per-process seed, so whoever writes the logs
/// cannot choose colliding keys ([`PackedKey::hash`]).
#[derive(Debug, Clone)]
pub(super) struct Index {
    slots: Vec<u64>,
    pub(super) seed: u64,
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
    pub(super) fn prefetch_slot(&self, h: u64) {
        if let Some(slot) = self.slots.get(h as usize & self.mask()) {
            prefetch(slot);
        }
    }

    /// Hints the CPU to fetch the entry a key with hash `h` probably has (the first whose
    /// fingerprint matches in the first slots), without comparing keys.
    #[inline(always)]
    pub(super) fn prefetch_entry(&self, h: u64, blocks: &[Vec<Entry>]) {
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
    pub(super) index: Index,
    pub(super) blocks: Vec<Vec<Entry>>,
    pub(super) len: usize,
    pub(super) ifaces: Names,
    pub(super) v6: V6s,
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
    pub(super) fn pack(&mut self, record: &FlowRecord<'_>, tag: u8) -> Entry {
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
        let iface = if has(Values::INTERFACE) { self.ifaces.intern_keyed(record.interface_key, record.line, v.interface.0 as usize, v.interface.1 as usize) } else { 0 };
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
        self.add_stats_tagged(key, 0, stats)
    }

    /// [`add_stats`](Self::add_stats) under `tag` (see [`add_tagged`](Self::add_tagged)).
    pub fn add_stats_tagged(&mut self, key: &ConversationKey<'_>, tag: u8, stats: &ConversationStats) -> ConvId {
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
        self.add_packed(key, tag, e)
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
    pub(super) fn insert_hashed(&mut self, e: &Entry, h: u64) -> ConvId {
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

    pub(super) fn entry(&self, id: ConvId) -> Option<&Entry> {
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

    pub(super) fn decode(&self, e: &Entry) -> (ConversationKey<'_>, ConversationStats) {
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
}

/// [`action_code`] read back.
pub(super) fn action_of(code: u8) -> Option<Action> {
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
        // (No room is made for both tables' entries at once: most conversations are in both,
        // and an index grown for their sum is rebuilt for nothing, then twice as large to
        // search. Each insertion grows it when needed.)
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
