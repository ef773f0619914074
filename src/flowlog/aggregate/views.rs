//! Views derived from a conversation table: the largest conversations, top talkers,
//! rejected traffic by destination port, and per-interface totals.

use super::table::{ConvId, Conversations};
use super::{ConversationKey, ConversationStats};
use crate::flowlog::record::Protocol;
use std::collections::HashMap;
use std::net::IpAddr;

impl Conversations {
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
