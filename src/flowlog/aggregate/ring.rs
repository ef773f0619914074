//! The look-ahead ring: records held back a few at a time on their way into a
//! [`Conversations`] table, so that the table's cache misses overlap with parsing.

use super::table::{ConvId, Conversations, Entry};
use crate::flowlog::record::FlowRecord;

/// How many records an [`Ahead`] holds back: a record's index slot is fetched when it
/// arrives, its entry halfway, and it is added when `AHEAD` more have arrived.
pub(super) const AHEAD: usize = 8;

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
