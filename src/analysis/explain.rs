//! `flows explain`: joins flow-log records with the network model. Every distinct
//! conversation is evaluated once (in parallel) at the interface that logged it, with the
//! checks that interface's flow log sees (its security groups and its subnet's ACL), and
//! classified:
//!
//! * `nacl-return-path`: a reply refused by a stateless ACL. Recognised from the pair
//!   (request ACCEPT one way, reply REJECT the other way on the same interface) or from the
//!   reply alone when the model confirms that only the ACL can have refused it.
//! * `rejected`: any other REJECT, with the security groups or ACL rule that drop it,
//!   aggregated by (interface, destination port, reason) so that a port scan is one finding.
//! * `drift`: the log contradicts the snapshot (an ACCEPT the model denies, a REJECT the
//!   model allows), with the likely causes.
//! * `unknown-interface`: records for interfaces the snapshot does not contain.

use crate::eval::{self, Blocked, Direction as EvalDirection, Gate, Kind, Packet, Trace};
use crate::report::{words, Fix};
use crate::flowlog::{self, Action, Field, FlowRecord, ParseError, Position, RecordSink, Sources, Summary};
use crate::model::Protocol;
use crate::topology::{Ix, Topology};
use rayon::prelude::*;
use serde::Serialize;
use std::net::IpAddr;

// foldhash, seeded per process: fast, and not predictable by whoever writes the logs.
type FxMap<K, V> = hashbrown::HashMap<K, V, foldhash::fast::RandomState>;
type FxSet<K> = hashbrown::HashSet<K, foldhash::fast::RandomState>;

/// Evidence positions kept per conversation and per finding.
pub const EVIDENCE_PER_FINDING: usize = 5;

/// A conversation as `classify` sees it (decoded from the sink's table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    iface: u32,
    src: IpAddr,
    dst: IpAddr,
    sport: u16,
    dport: u16,
    proto: u8,
    action: Action,
    /// 0 unknown, 1 ingress, 2 egress (from `flow-direction`).
    dir: u8,
}

impl Key {
    /// The order in which conversations represent their finding: earliest evidence, then
    /// the key, so that the output never depends on hashing or thread timing.
    fn rank(&self, first: Position) -> (Position, u32, IpAddr, IpAddr, u16, u16, u8, u8) {
        (first, self.iface, self.src, self.dst, self.sport, self.dport, self.proto, self.dir)
    }
}

/// Keeps the earliest [`EVIDENCE_PER_FINDING`] positions of `v` and `p`.
fn keep_earliest(v: &mut Vec<Position>, p: Position) {
    if v.len() < EVIDENCE_PER_FINDING {
        v.push(p);
    } else if let Some(max) = v.iter_mut().max() {
        if p < *max {
            *max = p;
        }
    }
}

/// Collects what `explain` needs from the records: counts, malformed samples, and the
/// distinct conversations (a packed [`flowlog::Conversations`] table keyed also by
/// `flow-direction`) with their earliest record positions. Memory is bounded by the number
/// of distinct conversations: about 90 bytes each.
#[derive(Debug, Default)]
pub struct ExplainSink {
    /// Record counts and malformed samples (its conversation table stays empty).
    pub summary: Summary,
    convs: flowlog::Conversations,
    /// The earliest position of each conversation, indexed by its id.
    first: Vec<Position>,
    /// Up to four more of the earliest positions, for REJECT conversations with several
    /// records (parallel pieces arrive out of order, so "earliest" is kept, not "first
    /// seen"). ACCEPT conversations keep only their earliest position.
    more: FxMap<u32, Vec<Position>>,
    /// Conversations with a record whose reject-reason is BPA.
    bpa: FxSet<u32>,
    /// Records that carry traffic but name no interface or addresses.
    pub unattributed: u64,
    /// Records on their way into `convs` (see [`flowlog::Ahead`]), with what `seen` keeps.
    ahead: flowlog::Ahead<Seen>,
    /// Records added to `convs` whose evidence waits while its place in `first` is fetched
    /// (the vector is as long as the conversations, so a random place is rarely in cache).
    pending: std::collections::VecDeque<(u32, Seen)>,
}

/// How many records' evidence waits in `pending`.
const PENDING: usize = 4;

/// What the sink keeps of one record besides its conversation.
#[derive(Debug, Clone, Copy)]
struct Seen {
    position: Position,
    reject: bool,
    bpa: bool,
}

impl ExplainSink {
    /// An empty sink.
    pub fn new() -> ExplainSink {
        ExplainSink::default()
    }

    /// How many distinct conversations were seen.
    pub fn conversations(&self) -> usize {
        self.convs.len()
    }

    /// Keeps the evidence of one record of conversation `id`.
    #[inline]
    fn seen(&mut self, id: u32, Seen { position, reject, bpa }: Seen) {
        if id as usize == self.first.len() {
            self.first.push(position);
        } else if reject {
            self.note(id, position);
        } else if let Some(first) = self.first.get_mut(id as usize) {
            // Accepted traffic rarely becomes a finding: its earliest position is enough,
            // and keeping one per conversation keeps memory flat on busy logs.
            *first = (*first).min(position);
        }
        if bpa {
            self.bpa.insert(id);
        }
    }

    fn note(&mut self, id: u32, p: Position) {
        let Some(first) = self.first.get_mut(id as usize) else { return };
        let hi = if p < *first { std::mem::replace(first, p) } else { p };
        let more = self.more.entry(id).or_default();
        if more.len() + 1 < EVIDENCE_PER_FINDING {
            more.push(hi);
        } else if let Some(max) = more.iter_mut().max() {
            if hi < *max {
                *max = hi;
            }
        }
    }

    /// Adds one more position of conversation `id` (from another sink): kept among the
    /// earliest for a REJECT conversation, only the earliest otherwise (as `seen` does).
    fn add_position(&mut self, id: u32, p: Position) {
        if self.convs.action(flowlog::ConvId(id)) == Some(Some(Action::Reject)) {
            self.note(id, p);
        } else if let Some(first) = self.first.get_mut(id as usize) {
            *first = (*first).min(p);
        }
    }

    fn positions(&self, id: u32) -> impl Iterator<Item = Position> + '_ {
        self.first.get(id as usize).copied().into_iter().chain(self.more.get(&id).into_iter().flatten().copied())
    }

    /// The conversation `id` as `classify` sees it, and its record count.
    fn key(&self, id: u32) -> Option<(Key, u64)> {
        let (k, stats) = self.convs.get(flowlog::ConvId(id))?;
        let key = Key {
            iface: self.convs.interface_index(flowlog::ConvId(id))?,
            src: k.src?,
            dst: k.dst?,
            sport: k.src_port.unwrap_or(0),
            dport: k.dst_port.unwrap_or(0),
            proto: k.protocol.map_or(0, |p| p.0),
            action: k.action.unwrap_or(Action::Unknown),
            dir: self.convs.tag(flowlog::ConvId(id)).unwrap_or(0),
        };
        Some((key, stats.records))
    }

    /// Adds a conversation aggregated elsewhere (an Athena result row): `stats.records`
    /// records of `key`, whose evidence is `position` (a representative time). The record
    /// counts are the caller's ([`from_rows`] sets them from the same rows).
    pub fn add_conversation(&mut self, key: &flowlog::ConversationKey<'_>, stats: &flowlog::ConversationStats, position: Position) {
        self.finish();
        if key.interface.is_none() || key.src.is_none() || key.dst.is_none() {
            self.unattributed += stats.records;
            return;
        }
        let dir = match stats.direction {
            Some(flowlog::Direction::Ingress) => 1,
            Some(flowlog::Direction::Egress) => 2,
            None => 0,
        };
        let id = self.convs.add_stats_tagged(key, dir, stats);
        self.seen(id.0, Seen { position, reject: key.action == Some(Action::Reject), bpa: false });
    }

    /// Whether the interface logged an ACCEPT of the reverse of conversation `id`, in any
    /// direction.
    fn accepted_reverse(&self, id: u32) -> bool {
        (0..3).any(|dir| self.convs.find_reverse(flowlog::ConvId(id), Some(Action::Accept), dir).is_some())
    }
}

impl RecordSink for ExplainSink {
    fn record(&mut self, position: Position, r: &FlowRecord<'_>) {
        if !self.summary.counts.tally(r.log_status()) {
            return;
        }
        if r.interface_id().is_none() || r.srcaddr().is_none() || r.dstaddr().is_none() {
            self.unattributed += 1;
            return;
        }
        let dir = match r.direction() {
            Some(flowlog::Direction::Ingress) => 1,
            Some(flowlog::Direction::Egress) => 2,
            _ => 0,
        };
        let reject = r.action() == Some(Action::Reject);
        let bpa = reject && r.get(Field::RejectReason) == Some("BPA");
        if let Some((id, seen)) = self.ahead.push(&mut self.convs, r, dir, Seen { position, reject, bpa }) {
            if let Some(place) = self.first.get(id.0 as usize) {
                flowlog::aggregate::prefetch(place);
            }
            if self.pending.len() == PENDING {
                if let Some((id, seen)) = self.pending.pop_front() {
                    self.seen(id, seen);
                }
            }
            self.pending.push_back((id.0, seen));
        }
    }

    fn malformed(&mut self, position: Position, error: ParseError) {
        self.summary.add_malformed(position, error);
    }

    fn filtered(&mut self, _position: Position) {
        self.summary.add_filtered();
    }

    fn finish(&mut self) {
        while let Some((id, seen)) = self.ahead.pop(&mut self.convs) {
            self.pending.push_back((id.0, seen));
        }
        while let Some((id, seen)) = self.pending.pop_front() {
            self.seen(id, seen);
        }
    }

    fn text_fields(&self) -> flowlog::TextFields {
        // Besides the typed values and the interface id: whether a reject was Block Public
        // Access's.
        flowlog::TextFields::Only(&[Field::RejectReason])
    }

    fn merge(&mut self, mut other: Self) {
        self.finish();
        other.finish();
        if other.convs.len() > self.convs.len() {
            std::mem::swap(self, &mut other);
        }
        self.summary += other.summary;
        self.unattributed += other.unattributed;
        let known = self.first.len() as u32;
        let map = self.convs.merge_mapped(&other.convs);
        // Conversations new here get the next ids in order, so their earliest positions are
        // appended as they are; those both sides saw keep the earliest of both.
        for (&to, &p) in map.iter().zip(&other.first) {
            if to.0 as usize == self.first.len() {
                self.first.push(p);
            } else {
                self.add_position(to.0, p);
            }
        }
        // The further positions and the BPA marks are few: visited once each, not looked
        // up for every conversation.
        for (i, more) in std::mem::take(&mut other.more) {
            let Some(&to) = map.get(i as usize) else { continue };
            if to.0 >= known {
                self.more.insert(to.0, more);
            } else {
                for p in more {
                    self.add_position(to.0, p);
                }
            }
        }
        for i in &other.bpa {
            if let Some(&to) = map.get(*i as usize) {
                self.bpa.insert(to.0);
            }
        }
    }
}

/// The kind of finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A stateless ACL refused the reply of an accepted request.
    NaclReturnPath,
    /// Rejected traffic, with the component that dropped it.
    Rejected,
    /// The log contradicts the snapshot.
    Drift,
    /// Records for an interface the snapshot does not contain.
    UnknownInterface,
}

/// The flow a finding is about, as the request's client and server see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FlowRef {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Protocol.
    pub protocol: Protocol,
}

/// The component that refused the traffic (the `reach` contract's `blocked_by`, minus the
/// path: a flow log sees one interface).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BlockedRef {
    /// AWS id.
    pub id: String,
    /// Kind.
    pub kind: Kind,
    /// Direction of the rule set.
    pub direction: Option<EvalDirection>,
    /// The rule, console form; `None` when no security group rule matched.
    pub rule: Option<String>,
}

/// Where a record is: a file line, or a log stream event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// File name, `-` for stdin, or `log-group/log-stream`.
    pub source: String,
    /// Line in the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// CloudWatch event timestamp (ms since the epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp_ms: Option<i64>,
}

/// One finding.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// Kind.
    pub kind: FindingKind,
    /// The interface that logged the records.
    pub interface: String,
    /// Its name (Name tag, instance, RDS identifier), when the snapshot has one.
    pub interface_name: Option<String>,
    /// A representative flow (the request direction for return-path findings).
    pub flow: Option<FlowRef>,
    /// What refused it.
    pub blocked_by: Option<BlockedRef>,
    /// The subnet of the interface.
    pub subnet: Option<String>,
    /// Flow-log records behind the finding.
    pub count: u64,
    /// Distinct conversations behind the finding.
    pub conversations: u64,
    /// Distinct remote addresses.
    pub remote_addresses: u64,
    /// Distinct destination ports (more than one for a port scan).
    pub ports: u64,
    /// Up to five record positions.
    pub evidence: Vec<Evidence>,
    /// The change that would fix it.
    pub fix: Option<Fix>,
    /// One sentence.
    pub explanation: String,
    /// The load balancer whose connection to a target the flow is (its node at one end,
    /// or the interface a target of a listener that keeps the client's address).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<String>,
    /// The account that owns the interface, when the snapshot says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

/// The whole answer.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Record counts (`total == ok + nodata + skipdata + malformed + filtered_out`).
    pub records: flowlog::RecordCounts,
    /// The incident filter of the run (`RecordFilter::to_json`), or `null` without one.
    pub filter: Option<serde_json::Value>,
    /// Distinct conversations evaluated.
    pub conversations: u64,
    /// Conversations whose direction could not be told (no `flow-direction`, and the
    /// interface owns neither address: NAT gateway and load balancer interfaces).
    pub undetermined_direction: u64,
    /// Conversations that an interface check the snapshot lacks decides (a network ACL or a
    /// security group not in it, no `--assume-missing`): never blamed, never called drift.
    pub undecided_checks: u64,
    /// `"athena"` when Athena aggregated the records (absent for a local read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine: Option<&'static str>,
    /// With Athena: `{"query_ids", "scanned_bytes", "result_rows"}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub athena: Option<serde_json::Value>,
    /// Findings, most damaging first (last in the JSON document: `report::explain::json`
    /// renders them apart).
    pub findings: Vec<Finding>,
}

/// An [`ExplainSink`] of Athena's conversation rows (`queries/athena/summary.sql`: every
/// record grouped by conversation and log status): the record counts of every row, the
/// conversations of the traffic rows, each with its earliest start as the evidence's time
/// (`source`, one per table).
pub fn from_rows(rows: &[flowlog::insights::Row], source: flowlog::SourceId) -> ExplainSink {
    let mut sink = ExplainSink::new();
    sink.summary.counts = flowlog::insights::record_counts(rows);
    for row in rows {
        if row.iter().any(|(k, v)| k == "logStatus" && (v == "NODATA" || v == "SKIPDATA")) {
            continue;
        }
        let (key, stats) = flowlog::insights::conversation(row);
        let timestamp_ms = stats.first_start.map_or(0, |s| i64::try_from(s.saturating_mul(1000)).unwrap_or(i64::MAX));
        sink.add_conversation(&key, &stats, Position::Event { source, timestamp_ms });
    }
    sink
}

/// One check at the logging interface: enough to render its full trace again.
#[derive(Clone, Copy, Debug)]
struct Check {
    ix: Ix,
    dir: EvalDirection,
    packet: Packet,
    reply: bool,
}

impl Check {
    fn gate(&self, topo: &Topology<'_>) -> Gate {
        eval::at_interface_gate(topo, self.ix, self.dir, &self.packet, self.reply)
    }

    fn trace(&self, topo: &Topology<'_>) -> Trace {
        // Findings keep only the blocking component and its fix: no hop text.
        eval::at_interface_verdict(topo, self.ix, self.dir, self.packet, self.reply)
    }
}

/// Why the log contradicts the snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum DriftCause {
    /// REJECT with reject-reason BPA (VPC Block Public Access).
    BlockPublicAccess,
    /// REJECT of traffic the snapshot allows.
    RejectAllowed,
    /// ACCEPT of traffic the snapshot denies.
    AcceptDenied,
}

impl DriftCause {
    fn text(self) -> &'static str {
        match self {
            DriftCause::BlockPublicAccess => "the log shows REJECT with reject-reason BPA: VPC Block Public Access refused it, which the snapshot does not model",
            DriftCause::RejectAllowed => "the log shows REJECT but the snapshot allows this traffic at the interface: the configuration probably changed after the capture, or the packet arrived after its connection closed (a late reply or retransmission)",
            DriftCause::AcceptDenied => "the log shows ACCEPT but the snapshot denies this traffic at the interface: the configuration probably changed after the capture",
        }
    }
}

/// What one conversation turned out to be. Small and `Copy`: decided without rendering a
/// trace (see [`eval::at_interface_gate`]); the trace is rendered once per finding.
#[derive(Clone, Copy, Debug)]
enum Verdict {
    Fine,
    ReturnPath { check: Check, gate: Gate, remote: IpAddr },
    Rejected { check: Check, gate: Gate, remote: IpAddr },
    Drift { check: Option<Check>, cause: DriftCause },
    Unknown,
    Undetermined,
    Undecided,
}

fn looks_like_reply(proto: Protocol, sport: u16, dport: u16) -> bool {
    proto.has_ports() && dport >= 1024 && sport < dport && (sport < 1024 || dport >= 32768)
}

fn blocked_ref(b: &Blocked) -> BlockedRef {
    BlockedRef { id: b.id.clone(), kind: b.kind, direction: b.direction, rule: b.rule.as_ref().map(|r| r.to_string()) }
}

fn classify(topo: &Topology<'_>, sink: &ExplainSink, eni: Option<Ix>, id: u32, k: &Key, bpa: bool) -> Verdict {
    let Some(ix) = eni else { return Verdict::Unknown };
    let e = &topo.model.enis[ix];
    let dir = match k.dir {
        1 => EvalDirection::Ingress,
        2 => EvalDirection::Egress,
        _ if e.owns(k.src) => EvalDirection::Egress,
        _ if e.owns(k.dst) => EvalDirection::Ingress,
        _ => return Verdict::Undetermined,
    };
    let proto = Protocol::from_number(k.proto);
    let packet = Packet::new(k.src, k.dst, proto, k.sport, k.dport);
    let mut reply_packet = packet;
    if proto.is_icmp() {
        reply_packet.icmp_type = if k.src.is_ipv6() { 129 } else { 0 };
    }
    let remote = if dir == EvalDirection::Ingress { k.src } else { k.dst };
    // A reply of an accepted request logged the other way, or one by its ports.
    let reply_like = || looks_like_reply(proto, k.sport, k.dport) || sink.accepted_reverse(id);
    let request = Check { ix, dir, packet, reply: false };
    let reply = Check { ix, dir, packet: reply_packet, reply: true };
    let acl_refuses = |g: Gate| matches!(g, Gate::Acl { .. });
    match k.action {
        Action::Reject => {
            let reply_like = reply_like();
            if reply_like {
                let g = reply.gate(topo);
                if acl_refuses(g) {
                    return Verdict::ReturnPath { check: reply, gate: g, remote };
                }
            }
            let g = request.gate(topo);
            if matches!(g, Gate::Undecided { .. }) {
                // A check the snapshot lacks decides: never blamed, never called drift.
                return Verdict::Undecided;
            }
            if !g.allowed() {
                return Verdict::Rejected { check: request, gate: g, remote };
            }
            if !reply_like && proto.has_ports() {
                // One side alone: the model confirms the packet can only be a refused reply.
                let g = reply.gate(topo);
                if acl_refuses(g) {
                    return Verdict::ReturnPath { check: reply, gate: g, remote };
                }
            }
            let cause = if bpa { DriftCause::BlockPublicAccess } else { DriftCause::RejectAllowed };
            Verdict::Drift { check: None, cause }
        }
        Action::Accept => {
            let g = request.gate(topo);
            if g.allowed() {
                return Verdict::Fine;
            }
            if matches!(g, Gate::Undecided { .. }) {
                return Verdict::Undecided;
            }
            if reply_like() && reply.gate(topo).allowed() {
                return Verdict::Fine; // a reply of an admitted connection
            }
            Verdict::Drift { check: Some(request), cause: DriftCause::AcceptDenied }
        }
        Action::Unknown => Verdict::Fine,
    }
}

/// What conversations are grouped by, within one kind and one interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Group {
    /// By the request's port and protocol and the refusing ACL rule.
    ReturnPath { port: u16, proto: u8, gate: Gate },
    /// By destination port and protocol and the refusing component.
    Rejected { port: u16, proto: u8, gate: Gate },
    /// One remote address probing many ports: one finding.
    Scan { remote: IpAddr, gate: Gate },
    Drift { action: Action, port: u16, proto: u8, cause: DriftCause },
    Unknown,
}

struct Agg {
    kind: FindingKind,
    iface: u32,
    /// The representative conversation (the first logged): its key, earliest position and
    /// verdict.
    rep: (Key, Position, Verdict),
    count: u64,
    conversations: u64,
    remotes: FxSet<IpAddr>,
    ports: FxSet<u16>,
    evidence: Vec<Position>,
}

/// Distinct destination ports from one remote address, refused at one interface, from which
/// the rejects are reported as one port scan.
pub const SCAN_PORTS: usize = 10;

/// Evaluates every conversation the sink collected against the model. Each conversation is
/// decided without rendering (in parallel); the full trace, with the blocking rule and its
/// fix, is rendered once per finding, for the finding's first logged conversation.
pub fn explain(topo: &Topology<'_>, sink: &ExplainSink, sources: &Sources) -> Report {
    let enis: Vec<Option<Ix>> = sink.convs.interface_names().iter().map(|n| topo.eni_ix(n)).collect();
    // Decided in parallel; only what is not fine is kept (in id order).
    let verdicts: Vec<(u32, Key, u64, Verdict)> = (0..sink.convs.len() as u32)
        .into_par_iter()
        .filter_map(|id| {
            let (k, records) = sink.key(id)?;
            let eni = enis.get(k.iface as usize).copied().flatten();
            match classify(topo, sink, eni, id, &k, sink.bpa.contains(&id)) {
                Verdict::Fine => None,
                v => Some((id, k, records, v)),
            }
        })
        .collect();

    // A remote address refused on many ports of one interface is a scan: one finding.
    let mut ports_per_remote: FxMap<(u32, IpAddr), Vec<u16>> = FxMap::default();
    for (_, k, _, v) in &verdicts {
        if let Verdict::Rejected { remote, .. } = v {
            let ports = ports_per_remote.entry((k.iface, *remote)).or_default();
            if ports.len() < SCAN_PORTS && !ports.contains(&k.dport) {
                ports.push(k.dport);
            }
        }
    }
    let is_scan = |iface: u32, remote: IpAddr| ports_per_remote.get(&(iface, remote)).is_some_and(|p| p.len() >= SCAN_PORTS);
    let mut groups: FxMap<(FindingKind, u32, Group), Agg> = FxMap::default();
    let mut undetermined = 0;
    let mut undecided = 0;
    for (id, k, records, v) in verdicts {
        let (kind, group, remote) = match v {
            Verdict::Fine => continue,
            Verdict::Undetermined => {
                undetermined += 1;
                continue;
            }
            Verdict::Undecided => {
                undecided += 1;
                continue;
            }
            Verdict::Unknown => (FindingKind::UnknownInterface, Group::Unknown, None),
            Verdict::ReturnPath { gate, remote, .. } => {
                (FindingKind::NaclReturnPath, Group::ReturnPath { port: k.sport, proto: k.proto, gate }, Some(remote))
            }
            Verdict::Rejected { gate, remote, .. } => {
                let group = if is_scan(k.iface, remote) { Group::Scan { remote, gate } } else { Group::Rejected { port: k.dport, proto: k.proto, gate } };
                (FindingKind::Rejected, group, Some(remote))
            }
            Verdict::Drift { cause, .. } => {
                let owns_src = enis.get(k.iface as usize).copied().flatten().is_some_and(|ix| topo.model.enis[ix].owns(k.src));
                let remote = if owns_src { k.dst } else { k.src };
                (FindingKind::Drift, Group::Drift { action: k.action, port: k.dport, proto: k.proto, cause }, Some(remote))
            }
        };
        let Some(first) = sink.first.get(id as usize).copied() else { continue };
        let a = groups.entry((kind, k.iface, group)).or_insert_with(|| Agg {
            kind,
            iface: k.iface,
            rep: (k, first, v),
            count: 0,
            conversations: 0,
            remotes: FxSet::default(),
            ports: FxSet::default(),
            evidence: Vec::new(),
        });
        if k.rank(first) < a.rep.0.rank(a.rep.1) {
            a.rep = (k, first, v);
        }
        a.count += records;
        a.conversations += 1;
        a.ports.insert(k.dport);
        if let Some(r) = remote {
            a.remotes.insert(r);
        }
        for p in sink.positions(id) {
            keep_earliest(&mut a.evidence, p);
        }
    }
    let groups: Vec<((FindingKind, u32, Group), Agg)> = groups.into_iter().collect();
    let mut findings: Vec<(Position, Finding)> = groups
        .into_par_iter()
        .map(|((_, _, group), a)| {
            let first = a.rep.1;
            (first, finish(topo, sink, a, matches!(group, Group::Scan { .. }), sources))
        })
        .collect();
    // Stable, as before, on the thread pool.
    findings.par_sort_by(|(pa, a), (pb, b)| a.kind.cmp(&b.kind).then(b.count.cmp(&a.count)).then(a.interface.cmp(&b.interface)).then(pa.cmp(pb)));
    Report {
        records: sink.summary.counts,
        filter: None,
        conversations: sink.convs.len() as u64,
        undetermined_direction: undetermined,
        undecided_checks: undecided,
        engine: None,
        athena: None,
        findings: findings.into_iter().map(|(_, f)| f).collect(),
    }
}

fn finish(topo: &Topology<'_>, sink: &ExplainSink, mut a: Agg, scan: bool, sources: &Sources) -> Finding {
    a.evidence.sort();
    a.evidence.dedup();
    a.evidence.truncate(EVIDENCE_PER_FINDING);
    let evidence = a
        .evidence
        .iter()
        .map(|p| {
            let r = sources.resolve(p);
            Evidence { source: r.source.to_string(), line: r.line, timestamp_ms: r.timestamp_ms }
        })
        .collect();
    let kind = a.kind;
    let interface = sink.convs.interface_names().get(a.iface as usize).map(|n| n.to_string()).unwrap_or_default();
    let (k, _, verdict) = a.rep;
    let proto = Protocol::from_number(k.proto);
    let as_logged = FlowRef { src: k.src, dst: k.dst, src_port: k.sport, dst_port: k.dport, protocol: proto };
    // The trace of the representative conversation, rendered once for the whole finding.
    // Whether the finding is a refusal of connections from outside the modelled networks:
    // the rules doing their job, never a reason to let the source in.
    let mut refused_outsider = false;
    let (flow, trace, drift) = match verdict {
        Verdict::Fine | Verdict::Undetermined | Verdict::Undecided | Verdict::Unknown => (None, None, ""),
        Verdict::ReturnPath { check, .. } => {
            let request = FlowRef { src: k.dst, dst: k.src, src_port: k.dport, dst_port: k.sport, protocol: proto };
            (Some(request), Some(check.trace(topo)), "")
        }
        Verdict::Rejected { check, remote, .. } => {
            let mut t = check.trace(topo);
            refused_outsider = check.dir == EvalDirection::Ingress && !topo.in_modelled_network(remote);
            if scan || refused_outsider {
                // Opening the ports a scanner probed, or letting in a source the rules refuse,
                // is not a fix: a fix never widens access for a refused outsider.
                t.fix = None;
            }
            (Some(as_logged), Some(t), "")
        }
        Verdict::Drift { check, cause } => {
            // The log contradicts the snapshot: re-capture and compare, never open a rule for it.
            let t = check.map(|c| {
                let mut t = c.trace(topo);
                t.fix = None;
                t
            });
            (Some(as_logged), t, cause.text())
        }
    };
    let blocked = trace.as_ref().and_then(|t| t.blocked_by.as_ref().map(blocked_ref));
    let fix = trace.and_then(|t| t.fix).map(|c| words::fix(&c));
    let eni = topo.eni(&interface);
    let name = topo.name_of(&interface).map(str::to_string);
    let subnet = eni.map(|e| e.subnet.to_string());
    let nremote = a.remotes.len() as u64;
    let who = match (&name, nremote) {
        (Some(n), _) => format!("{} ({n})", interface),
        (None, _) => interface.clone(),
    };
    let explanation = match kind {
        FindingKind::UnknownInterface => {
            format!("{} for {}, which the snapshot does not contain (a newer interface, another account, or a snapshot of other VPCs)", records(a.count), interface)
        }
        FindingKind::NaclReturnPath => {
            let f = flow.as_ref();
            let b = blocked.as_ref();
            let rule = b.and_then(|b| b.rule.clone()).unwrap_or_default();
            let dir = b.and_then(|b| b.direction).map(|d| d.to_string()).unwrap_or_default();
            format!(
                "requests {} to {}:{} were admitted but the replies were refused by network ACL {} ({dir} rule {}): the ACL is stateless and has no rule for the reply to the client's ephemeral port",
                f.map(|f| format!("from {}", f.src)).unwrap_or_default(),
                f.map(|f| f.dst.to_string()).unwrap_or_default(),
                f.map(|f| f.dst_port).unwrap_or(0),
                b.map(|b| b.id.as_str()).unwrap_or(""),
                rule.split(' ').next().unwrap_or("*"),
            )
        }
        FindingKind::Rejected => {
            let f = flow.as_ref();
            let port = f.map(|f| format!("{} {}", f.protocol, f.dst_port)).unwrap_or_default();
            let by = match blocked.as_ref() {
                Some(b) if b.kind == Kind::NetworkAcl => format!("network ACL {} {} rule {}", b.id, b.direction.map(|d| d.to_string()).unwrap_or_default(), b.rule.clone().unwrap_or_default()),
                Some(b) => format!("the security groups {} (no {} rule admits it)", b.id, b.direction.map(|d| d.to_string()).unwrap_or_default()),
                None => "the interface".to_string(),
            };
            if a.ports.len() >= SCAN_PORTS {
                let remote = a.remotes.iter().next().map(|r| r.to_string()).unwrap_or_default();
                let note = if refused_outsider { ": the rules refuse it as intended; nothing to open" } else { "" };
                format!("port scan: {remote} probed {} ports of {who} ({}), all rejected by {by}{note}", a.ports.len(), records(a.count))
            } else if refused_outsider {
                format!(
                    "{} conversations ({} records) from {nremote} remote addresses outside the modelled networks on {port} at {who} were rejected by {by}: the rules refuse them as intended; nothing to open (block or tighten further if the source is hostile; change a rule only if this source must get in)",
                    a.conversations, a.count
                )
            } else {
                format!("{} ({}) from {nremote} remote {} on {port} at {who} were rejected by {by}", crate::report::count(a.conversations, "conversation", "conversations"), records(a.count), if nremote == 1 { "address" } else { "addresses" })
            }
        }
        FindingKind::Drift => format!("{} ({} at {who})", drift, records(a.count)),
    };
    let load_balancer = flow.as_ref().and_then(|f| balancer_leg(topo, eni_ix(topo, &interface), f));
    let account = topo.account_of(&interface).map(str::to_string);
    let explanation = match &load_balancer {
        Some(lb) if kind != FindingKind::UnknownInterface => format!("{explanation} (the connection of load balancer {lb} to its target)"),
        _ => explanation,
    };
    Finding {
        kind,
        interface,
        interface_name: name,
        flow,
        blocked_by: blocked,
        subnet,
        count: a.count,
        conversations: a.conversations,
        remote_addresses: nremote,
        ports: a.ports.len() as u64,
        evidence,
        fix,
        explanation,
        load_balancer,
        account,
    }
}

fn eni_ix(topo: &Topology<'_>, id: &str) -> Option<crate::topology::Ix> {
    topo.eni_ix(id)
}

/// The load balancer whose node-to-target connection `flow` (as the interface `iface`
/// logged it) is: one end is a node of it, or `iface` is a target of a listener that keeps
/// the client's address on the flow's port.
fn balancer_leg(topo: &Topology<'_>, iface: Option<crate::topology::Ix>, flow: &FlowRef) -> Option<String> {
    let m = topo.model;
    let node_lb = |ip: IpAddr| topo.enis_with_private(ip).iter().find_map(|&i| topo.lb_of_eni(i));
    if let Some(li) = node_lb(flow.src).or_else(|| node_lb(flow.dst)) {
        return Some(m.load_balancers[li].name.clone());
    }
    let iface = iface?;
    m.load_balancers.iter().find_map(|lb| {
        let groups = lb.listeners.iter().flat_map(|l| l.target_groups.iter().chain(&l.conditional_target_groups)).filter_map(|g| topo.target_group(g));
        groups
            .filter(|g| g.preserves_client_ip(lb.kind))
            .flat_map(|g| g.targets.iter().flatten().map(move |t| (g, t)))
            .any(|(g, t)| {
                g.target_port(t) == Some(flow.dst_port) && crate::eval::load_balancer_target(topo, g, t).is_ok_and(|(ix, _)| ix == iface)
            })
            .then(|| lb.name.clone())
    })
}


/// `1 record`, `3 records`.
fn records(n: u64) -> String {
    crate::report::count(n, "record", "records")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flowlog::{Parser, SourceId};
    use crate::testgen::{self, FlowSpec, NetworkSpec};

    fn feed(sink: &mut ExplainSink, data: &[u8], first_line: u64) {
        let mut p = Parser::default();
        let used = p.feed(data, |line, r| {
            let pos = Position::Line { source: SourceId(0), chunk: 0, line: first_line + line - 1 };
            match r {
                Ok(r) => sink.record(pos, &r),
                Err(e) => sink.malformed(pos, e),
            }
        });
        assert_eq!(used, data.len());
    }

    /// Parallel readers fill one sink per thread and merge them: the report must not depend
    /// on how the records were split, in which order the pieces were merged, or hashing.
    #[test]
    fn merged_sinks_explain_exactly_like_one_sink() {
        let model = crate::source::snapshot::load_documents(testgen::network(&NetworkSpec::with_enis(400))).expect("loads").model;
        let topo = Topology::new(&model);
        let mut data = Vec::new();
        testgen::write_flow_logs(&model, &FlowSpec { records: 6000, connections: 700, reject_every: 4, seed: 5 }, &mut data).expect("write");
        let mut sources = Sources::new();
        sources.add("flows.log");

        let mut one = ExplainSink::new();
        feed(&mut one, &data, 1);
        one.finish();
        let whole = explain(&topo, &one, &sources);
        assert!(whole.findings.iter().any(|f| f.kind == FindingKind::Rejected), "the generated logs have rejects");

        // Three pieces at line boundaries, merged in two different orders, each still
        // holding its last records back (merging must deliver them).
        let cuts: Vec<usize> = [data.len() / 3, 2 * data.len() / 3].iter().map(|&c| c + data[c..].iter().position(|&b| b == b'\n').unwrap_or(0) + 1).collect();
        let pieces = [&data[..cuts[0]], &data[cuts[0]..cuts[1]], &data[cuts[1]..]];
        let mut line = 1;
        let mut sinks: Vec<ExplainSink> = Vec::new();
        for piece in pieces {
            let mut s = ExplainSink::new();
            feed(&mut s, piece, line);
            line += piece.iter().filter(|&&b| b == b'\n').count() as u64;
            sinks.push(s);
        }
        let [a, b, c]: [ExplainSink; 3] = sinks.try_into().unwrap_or_else(|_| unreachable!());
        let mut m = c;
        m.merge(a);
        m.merge(b);
        assert_eq!(m.conversations(), one.conversations());
        let merged = explain(&topo, &m, &sources);
        let json = |r: &Report| serde_json::to_string(r).expect("serialises");
        assert_eq!(json(&merged), json(&whole));

        // The JSON renderer (findings rendered side by side, then spliced) writes what
        // serde's pretty printer writes for the whole report, with and without findings.
        for report in [whole.clone(), Report { findings: Vec::new(), ..whole }] {
            let mut out = Vec::new();
            crate::report::explain::json(&mut out, &report).expect("renders");
            assert_eq!(String::from_utf8(out).expect("UTF-8"), serde_json::to_string_pretty(&report).expect("serialises") + "\n");
        }
    }
}
