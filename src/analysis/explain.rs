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

use crate::eval::{self, Blocked, Direction as EvalDirection, Fix, Kind, Packet, Trace};
use crate::flowlog::{self, Action, Field, FlowRecord, ParseError, Position, RecordSink, Sources, Summary};
use crate::model::Protocol;
use crate::topology::{Ix, Topology};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::IpAddr;

/// Evidence positions kept per conversation and per finding.
pub const EVIDENCE_PER_FINDING: usize = 5;

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

#[derive(Clone, Debug, Default)]
struct Conv {
    records: u64,
    packets: u64,
    bytes: u64,
    bpa: bool,
    evidence: Vec<Position>,
}

impl Conv {
    fn absorb(&mut self, o: Conv) {
        self.records += o.records;
        self.packets += o.packets;
        self.bytes += o.bytes;
        self.bpa |= o.bpa;
        self.evidence.extend(o.evidence);
        self.evidence.sort();
        self.evidence.truncate(EVIDENCE_PER_FINDING);
    }
}

/// Collects what `explain` needs from the records: counts, malformed samples, and the
/// distinct conversations with a few evidence positions each. Memory is bounded by the
/// number of distinct conversations.
#[derive(Debug, Default)]
pub struct ExplainSink {
    /// Record counts and malformed samples (its conversation table stays empty).
    pub summary: Summary,
    iface_ids: HashMap<Box<str>, u32>,
    ifaces: Vec<Box<str>>,
    convs: HashMap<Key, Conv>,
    /// Records that carry traffic but name no interface or addresses.
    pub unattributed: u64,
}

impl ExplainSink {
    /// An empty sink.
    pub fn new() -> ExplainSink {
        ExplainSink::default()
    }

    fn iface(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.iface_ids.get(name) {
            return i;
        }
        let i = self.ifaces.len() as u32;
        self.ifaces.push(name.into());
        self.iface_ids.insert(name.into(), i);
        i
    }

    /// How many distinct conversations were seen.
    pub fn conversations(&self) -> usize {
        self.convs.len()
    }
}

impl RecordSink for ExplainSink {
    fn record(&mut self, position: Position, r: &FlowRecord<'_>) {
        if !self.summary.counts.tally(r.log_status()) {
            return;
        }
        let (Some(iface), Some(src), Some(dst)) = (r.interface_id(), r.srcaddr(), r.dstaddr()) else {
            self.unattributed += 1;
            return;
        };
        let key = Key {
            iface: self.iface(iface),
            src,
            dst,
            sport: r.srcport().unwrap_or(0),
            dport: r.dstport().unwrap_or(0),
            proto: r.protocol().map_or(0, |p| p.0),
            action: r.action().unwrap_or(Action::Unknown),
            dir: match r.direction() {
                Some(flowlog::Direction::Ingress) => 1,
                Some(flowlog::Direction::Egress) => 2,
                _ => 0,
            },
        };
        let c = self.convs.entry(key).or_default();
        c.records += 1;
        c.packets += r.packets().unwrap_or(0);
        c.bytes += r.bytes().unwrap_or(0);
        c.bpa |= r.get(Field::RejectReason) == Some("BPA");
        if c.evidence.len() < EVIDENCE_PER_FINDING {
            c.evidence.push(position);
        } else if let Some(last) = c.evidence.iter_mut().max() {
            // Parallel pieces arrive out of order: keep the earliest positions.
            if position < *last {
                *last = position;
            }
        }
    }

    fn malformed(&mut self, position: Position, error: ParseError) {
        self.summary.add_malformed(position, error);
    }

    fn merge(&mut self, other: Self) {
        self.summary += other.summary;
        self.unattributed += other.unattributed;
        let remap: Vec<u32> = other.ifaces.iter().map(|n| self.iface(n)).collect();
        for (mut k, c) in other.convs {
            k.iface = remap[k.iface as usize];
            self.convs.entry(k).or_default().absorb(c);
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
}

/// The whole answer.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Record counts (`total == ok + nodata + skipdata + malformed`).
    pub records: flowlog::RecordCounts,
    /// Distinct conversations evaluated.
    pub conversations: u64,
    /// Conversations whose direction could not be told (no `flow-direction`, and the
    /// interface owns neither address: NAT gateway and load balancer interfaces).
    pub undetermined_direction: u64,
    /// Findings, most damaging first.
    pub findings: Vec<Finding>,
}

/// What one conversation turned out to be.
enum Verdict {
    Fine,
    ReturnPath { trace: Trace, request: FlowRef, remote: IpAddr },
    Rejected { trace: Trace, remote: IpAddr },
    Drift { trace: Option<Trace>, text: String },
    Unknown,
    Undetermined,
}

fn looks_like_reply(proto: Protocol, sport: u16, dport: u16) -> bool {
    proto.has_ports() && dport >= 1024 && sport < dport && (sport < 1024 || dport >= 32768)
}

fn blocked_ref(b: &Blocked) -> BlockedRef {
    BlockedRef { id: b.id.clone(), kind: b.kind, direction: b.direction, rule: b.rule.clone() }
}

fn classify(topo: &Topology<'_>, eni: Option<Ix>, k: &Key, c: &Conv, accepted: &HashSet<(u32, IpAddr, IpAddr, u16, u16, u8)>) -> Verdict {
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
    let paired = accepted.contains(&(k.iface, k.dst, k.src, k.dport, k.sport, k.proto));
    let reply_like = paired || looks_like_reply(proto, k.sport, k.dport);
    let request = FlowRef { src: k.dst, dst: k.src, src_port: k.dport, dst_port: k.sport, protocol: proto };
    match k.action {
        Action::Reject => {
            if reply_like {
                let t = eval::at_interface(topo, ix, dir, reply_packet, true);
                if !t.reachable && t.blocked_by.as_ref().is_some_and(|b| b.kind == Kind::NetworkAcl) {
                    return Verdict::ReturnPath { trace: t, request, remote };
                }
            }
            let t = eval::at_interface(topo, ix, dir, packet, false);
            if !t.reachable {
                return Verdict::Rejected { trace: t, remote };
            }
            if !reply_like && proto.has_ports() {
                // One side alone: the model confirms the packet can only be a refused reply.
                let r = eval::at_interface(topo, ix, dir, reply_packet, true);
                if !r.reachable && r.blocked_by.as_ref().is_some_and(|b| b.kind == Kind::NetworkAcl) {
                    return Verdict::ReturnPath { trace: r, request, remote };
                }
            }
            let text = if c.bpa {
                "the log shows REJECT with reject-reason BPA: VPC Block Public Access refused it, which the snapshot does not model".to_string()
            } else {
                "the log shows REJECT but the snapshot allows this traffic at the interface: the configuration probably changed after the capture, or the packet arrived after its connection closed (a late reply or retransmission)".to_string()
            };
            Verdict::Drift { trace: None, text }
        }
        Action::Accept => {
            let t = eval::at_interface(topo, ix, dir, packet, false);
            if t.reachable {
                return Verdict::Fine;
            }
            if reply_like {
                let r = eval::at_interface(topo, ix, dir, reply_packet, true);
                if r.reachable {
                    return Verdict::Fine; // a reply of an admitted connection
                }
            }
            let text = "the log shows ACCEPT but the snapshot denies this traffic at the interface: the configuration probably changed after the capture".to_string();
            Verdict::Drift { trace: Some(t), text }
        }
        Action::Unknown => Verdict::Fine,
    }
}

#[derive(Default)]
struct Agg {
    kind: Option<FindingKind>,
    interface: String,
    flow: Option<FlowRef>,
    blocked: Option<BlockedRef>,
    fix: Option<Fix>,
    explanation: String,
    count: u64,
    conversations: u64,
    remotes: BTreeSet<IpAddr>,
    ports: BTreeSet<u16>,
    evidence: Vec<Position>,
}

/// Distinct destination ports from one remote address, refused at one interface, from which
/// the rejects are reported as one port scan.
pub const SCAN_PORTS: usize = 10;

/// Evaluates every conversation the sink collected against the model.
pub fn explain(topo: &Topology<'_>, sink: &ExplainSink, sources: &Sources) -> Report {
    let enis: Vec<Option<Ix>> = sink.ifaces.iter().map(|n| topo.eni_ix(n)).collect();
    let accepted: HashSet<(u32, IpAddr, IpAddr, u16, u16, u8)> =
        sink.convs.keys().filter(|k| k.action == Action::Accept).map(|k| (k.iface, k.src, k.dst, k.sport, k.dport, k.proto)).collect();
    // In log order (earliest evidence first), so each finding's representative flow is the
    // first one logged and the output does not depend on hashing.
    let mut convs: Vec<(&Key, &Conv)> = sink.convs.iter().collect();
    convs.sort_by_key(|(k, c)| (c.evidence.first().copied(), k.iface, k.src, k.dst, k.sport, k.dport, k.proto));
    let verdicts: Vec<Verdict> = convs.par_iter().map(|(k, c)| classify(topo, enis[k.iface as usize], k, c, &accepted)).collect();

    // A remote address refused on many ports of one interface is a scan: one finding.
    let mut ports_per_remote: HashMap<(u32, IpAddr), HashSet<u16>> = HashMap::new();
    for ((k, _), v) in convs.iter().zip(&verdicts) {
        if let Verdict::Rejected { remote, .. } = v {
            ports_per_remote.entry((k.iface, *remote)).or_default().insert(k.dport);
        }
    }
    let is_scan = |iface: u32, remote: IpAddr| ports_per_remote.get(&(iface, remote)).is_some_and(|p| p.len() >= SCAN_PORTS);
    let mut groups: HashMap<(FindingKind, String, String), Agg> = HashMap::new();
    let mut undetermined = 0;
    for ((k, c), v) in convs.iter().zip(verdicts) {
        let iface = sink.ifaces[k.iface as usize].to_string();
        let (kind, group, flow, trace, remote, text) = match v {
            Verdict::Fine => continue,
            Verdict::Undetermined => {
                undetermined += 1;
                continue;
            }
            Verdict::Unknown => (FindingKind::UnknownInterface, String::new(), None, None, None, String::new()),
            Verdict::ReturnPath { trace, request, remote } => {
                let b = trace.blocked_by.as_ref().map(|b| format!("{}|{:?}|{:?}", b.id, b.rule, b.direction)).unwrap_or_default();
                let group = format!("{}|{}|{}", request.dst_port, request.protocol, b);
                (FindingKind::NaclReturnPath, group, Some(request), Some(trace), Some(remote), String::new())
            }
            Verdict::Rejected { mut trace, remote } => {
                let b = trace.blocked_by.as_ref().map(|b| format!("{}|{:?}|{:?}", b.id, b.rule, b.direction)).unwrap_or_default();
                let group = if is_scan(k.iface, remote) {
                    // Opening the ports a scanner probed is not a fix.
                    trace.fix = None;
                    format!("scan|{remote}|{b}")
                } else {
                    format!("{}|{}|{}", k.dport, k.proto, b)
                };
                let flow = FlowRef { src: k.src, dst: k.dst, src_port: k.sport, dst_port: k.dport, protocol: Protocol::from_number(k.proto) };
                (FindingKind::Rejected, group, Some(flow), Some(trace), Some(remote), String::new())
            }
            Verdict::Drift { trace, text } => {
                let group = format!("{:?}|{}|{}|{}", k.action, k.dport, k.proto, c.bpa);
                let flow = FlowRef { src: k.src, dst: k.dst, src_port: k.sport, dst_port: k.dport, protocol: Protocol::from_number(k.proto) };
                let remote = if enis[k.iface as usize].is_some_and(|ix| topo.model.enis[ix].owns(k.src)) { k.dst } else { k.src };
                (FindingKind::Drift, group, Some(flow), trace, Some(remote), text)
            }
        };
        let a = groups.entry((kind, iface.clone(), group)).or_default();
        if a.kind.is_none() {
            a.kind = Some(kind);
            a.interface = iface;
            a.flow = flow;
            if let Some(t) = &trace {
                a.blocked = t.blocked_by.as_ref().map(blocked_ref);
                a.fix = t.fix.clone();
            }
            a.explanation = text;
        }
        a.count += c.records;
        a.conversations += 1;
        a.ports.insert(k.dport);
        if let Some(r) = remote {
            a.remotes.insert(r);
        }
        a.evidence.extend(c.evidence.iter().copied());
    }
    let mut findings: Vec<Finding> = groups.into_values().map(|a| finish(topo, a, sources)).collect();
    findings.sort_by(|a, b| a.kind.cmp(&b.kind).then(b.count.cmp(&a.count)).then(a.interface.cmp(&b.interface)));
    Report {
        records: sink.summary.counts,
        conversations: sink.convs.len() as u64,
        undetermined_direction: undetermined,
        findings,
    }
}

fn finish(topo: &Topology<'_>, mut a: Agg, sources: &Sources) -> Finding {
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
    let kind = a.kind.unwrap_or(FindingKind::Drift);
    let eni = topo.eni(&a.interface);
    let name = topo.name_of(&a.interface).map(str::to_string);
    let subnet = eni.map(|e| e.subnet.to_string());
    let nremote = a.remotes.len() as u64;
    let who = match (&name, nremote) {
        (Some(n), _) => format!("{} ({n})", a.interface),
        (None, _) => a.interface.clone(),
    };
    let explanation = match kind {
        FindingKind::UnknownInterface => {
            format!("{} records for {}, which the snapshot does not contain (a newer interface, another account, or a snapshot of other VPCs)", a.count, a.interface)
        }
        FindingKind::NaclReturnPath => {
            let f = a.flow.as_ref();
            let b = a.blocked.as_ref();
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
            let f = a.flow.as_ref();
            let port = f.map(|f| format!("{} {}", f.protocol, f.dst_port)).unwrap_or_default();
            let by = match a.blocked.as_ref() {
                Some(b) if b.kind == Kind::NetworkAcl => format!("network ACL {} {} rule {}", b.id, b.direction.map(|d| d.to_string()).unwrap_or_default(), b.rule.clone().unwrap_or_default()),
                Some(b) => format!("the security groups {} (no {} rule admits it)", b.id, b.direction.map(|d| d.to_string()).unwrap_or_default()),
                None => "the interface".to_string(),
            };
            if a.ports.len() >= SCAN_PORTS {
                let remote = a.remotes.iter().next().map(|r| r.to_string()).unwrap_or_default();
                format!("port scan: {remote} probed {} ports of {who} ({} records), all rejected by {by}", a.ports.len(), a.count)
            } else {
                format!("{} conversations ({} records) from {nremote} remote addresses on {port} at {who} were rejected by {by}", a.conversations, a.count)
            }
        }
        FindingKind::Drift => format!("{} ({} records at {who})", a.explanation, a.count),
    };
    Finding {
        kind,
        interface: a.interface,
        interface_name: name,
        flow: a.flow,
        blocked_by: a.blocked,
        subnet,
        count: a.count,
        conversations: a.conversations,
        remote_addresses: nremote,
        ports: a.ports.len() as u64,
        evidence,
        fix: a.fix,
        explanation,
    }
}
