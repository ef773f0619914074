//! Flow-log evidence for the audit: a minimal reader of the **default (version 2)** flow-log
//! format, the join of its records with exposure findings ("internet traffic actually
//! reached the database: N ACCEPT records from M addresses"), and the list of inbound
//! security-group and ACL allow rules that no accepted flow used during the log window.
//!
//! Records come from the `flowlog` parser (every format) through [`AuditSink`], one
//! [`FlowRecord`] per conversation.

use super::{Finding, FindingKind, Resource, Severity, TrafficEvidence};
use crate::eval::{is_special, nacl, sg, Packet};
use crate::model::*;
use crate::topology::Topology;
use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

/// One flow-log record: the fields the audit uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowRecord {
    /// `interface-id`.
    pub interface: String,
    /// `srcaddr`.
    pub src: IpAddr,
    /// `dstaddr`.
    pub dst: IpAddr,
    /// `srcport`.
    pub src_port: u16,
    /// `dstport`.
    pub dst_port: u16,
    /// `protocol`.
    pub protocol: Protocol,
    /// `action` is ACCEPT.
    pub accepted: bool,
    /// `packets`, summed over `records`.
    pub packets: u64,
    /// How many flow-log records this stands for.
    pub records: u64,
}

/// Collects flow-log records (read by `source::flowlog` in any format) into one
/// [`FlowRecord`] per conversation, so memory follows distinct conversations, not input size.
#[derive(Debug, Default)]
pub struct AuditSink {
    convs: HashMap<(String, IpAddr, IpAddr, u16, u16, u8, bool), (u64, u64)>,
    /// Record counts and malformed samples, as `flows summary` reports them.
    pub summary: crate::flowlog::Summary,
}

impl AuditSink {
    /// An empty sink.
    pub fn new() -> AuditSink {
        AuditSink::default()
    }

    /// The conversations, as records with their counts.
    pub fn into_records(self) -> Vec<FlowRecord> {
        let mut v: Vec<FlowRecord> = self
            .convs
            .into_iter()
            .map(|((interface, src, dst, src_port, dst_port, proto, accepted), (records, packets))| FlowRecord {
                interface,
                src,
                dst,
                src_port,
                dst_port,
                protocol: Protocol::from_number(proto),
                accepted,
                packets,
                records,
            })
            .collect();
        v.sort_by(|a, b| (&a.interface, a.src, a.dst, a.src_port, a.dst_port).cmp(&(&b.interface, b.src, b.dst, b.src_port, b.dst_port)));
        v
    }
}

impl crate::flowlog::RecordSink for AuditSink {
    fn record(&mut self, _position: crate::flowlog::Position, r: &crate::flowlog::FlowRecord<'_>) {
        if !self.summary.counts.tally(r.log_status()) {
            return;
        }
        let (Some(i), Some(src), Some(dst), Some(action)) = (r.interface_id(), r.srcaddr(), r.dstaddr(), r.action()) else { return };
        let key = (i.to_string(), src, dst, r.srcport().unwrap_or(0), r.dstport().unwrap_or(0), r.protocol().map_or(0, |p| p.0), action == crate::flowlog::Action::Accept);
        let e = self.convs.entry(key).or_default();
        e.0 += 1;
        e.1 += r.packets().unwrap_or(0);
    }

    fn malformed(&mut self, position: crate::flowlog::Position, error: crate::flowlog::ParseError) {
        self.summary.add_malformed(position, error);
    }

    fn filtered(&mut self, _position: crate::flowlog::Position) {
        self.summary.add_filtered();
    }

    fn text_fields(&self) -> crate::flowlog::TextFields {
        crate::flowlog::TextFields::Only(&[])
    }

    fn merge(&mut self, other: Self) {
        self.summary += other.summary;
        for (k, (r, p)) in other.convs {
            let e = self.convs.entry(k).or_default();
            e.0 += r;
            e.1 += p;
        }
    }
}


fn by_interface(records: &[FlowRecord]) -> HashMap<&str, Vec<&FlowRecord>> {
    let mut map: HashMap<&str, Vec<&FlowRecord>> = HashMap::new();
    for r in records {
        map.entry(r.interface.as_str()).or_default().push(r);
    }
    map
}

/// Adds traffic evidence to exposure and latent findings.
pub(super) fn attach(topo: &Topology<'_>, records: &[FlowRecord], findings: &mut [Finding]) {
    let idx = by_interface(records);
    for f in findings.iter_mut() {
        if !matches!(f.kind, FindingKind::ExposedDatabase | FindingKind::ExposedAdminPort | FindingKind::UndecidedExposure | FindingKind::LatentExposure) {
            continue;
        }
        let (Some(eni_id), Some(port)) = (f.resource.interface.clone(), f.port) else { continue };
        let Some(eni) = topo.eni(&eni_id) else { continue };
        let Some(recs) = idx.get(eni_id.as_str()) else {
            f.evidence.push(format!("flow logs: no records for {eni_id} in the files given"));
            continue;
        };
        let inbound = recs.iter().filter(|r| {
            r.protocol == Protocol::Tcp && r.dst_port == port && eni.owns(r.dst) && !is_special(r.src) && !topo.in_modelled_network(r.src)
        });
        let mut t = TrafficEvidence { accepted_records: 0, source_addresses: 0, rejected_records: 0 };
        let mut sources = BTreeSet::new();
        for r in inbound {
            if r.accepted {
                t.accepted_records += r.records;
                sources.insert(r.src);
            } else {
                t.rejected_records += r.records;
            }
        }
        t.source_addresses = sources.len() as u64;
        let sample: Vec<String> = sources.iter().take(5).map(ToString::to_string).collect();
        f.evidence.push(if t.accepted_records > 0 {
            format!(
                "flow logs: internet traffic reached port {port}: {} ACCEPT record(s) from {} address(es) ({}{})",
                t.accepted_records,
                t.source_addresses,
                sample.join(", "),
                if sources.len() > 5 { ", ..." } else { "" }
            )
        } else {
            format!("flow logs: no accepted internet traffic to port {port} in the log window ({} REJECT record(s))", t.rejected_records)
        });
        if t.accepted_records > 0 && f.kind == FindingKind::ExposedDatabase {
            f.explanation.push_str(&format!(
                " The flow logs confirm it: {} accepted connection record(s) from {} internet address(es).",
                t.accepted_records, t.source_addresses
            ));
        }
        f.traffic = Some(t);
    }
}

/// Inbound security-group rules and ACL allow rules that no accepted flow used. Only groups
/// and ACLs whose interfaces appear in the logs are judged (no records, no evidence).
pub(super) fn unused_rules(topo: &Topology<'_>, records: &[FlowRecord]) -> Vec<Finding> {
    let m = topo.model;
    let idx = by_interface(records);
    let mut out = Vec::new();
    // Accepted inbound packets per interface: records whose destination the interface owns.
    let inbound = |eni: &Eni| -> Vec<Packet> {
        idx.get(eni.id.as_str())
            .into_iter()
            .flatten()
            .filter(|r| r.accepted && eni.owns(r.dst))
            .map(|r| Packet::new(r.src, r.dst, r.protocol, r.src_port, r.dst_port))
            .collect()
    };
    for g in &m.security_groups {
        let members: Vec<&Eni> = topo.sg_members(g.id.as_str()).iter().map(|&i| &m.enis[i]).filter(|e| idx.contains_key(e.id.as_str())).collect();
        if members.is_empty() {
            continue;
        }
        let packets: Vec<(&Eni, Packet)> = members.iter().flat_map(|e| inbound(e).into_iter().map(move |p| (*e, p))).collect();
        for r in &g.ingress {
            let used = packets.iter().any(|(e, p)| sg::l4_matches(r, p) && sg::peer_matches(topo, &r.peer, p.src, &e.vpc, crate::eval::Direction::Ingress));
            if !used {
                out.push(unused(
                    Resource { vpc: g.vpc.as_ref().map(ToString::to_string), ..Resource::new(g.id.as_str(), Some(g.tags.name().unwrap_or(&g.name)), "security-group") },
                    format!("{} inbound {r}", g.id),
                    members.len(),
                    r.protocol,
                    r.peer.to_string(),
                ));
            }
        }
    }
    for acl in &m.network_acls {
        let enis: Vec<&Eni> = m
            .enis
            .iter()
            .filter(|e| idx.contains_key(e.id.as_str()))
            .filter(|e| topo.subnet_ix(e.subnet.as_str()).and_then(|i| topo.nacl_of(i)).is_some_and(|a| a.id == acl.id))
            .collect();
        if enis.is_empty() {
            continue;
        }
        // ACLs see only traffic entering the subnet from elsewhere.
        let packets: Vec<Packet> = enis
            .iter()
            .flat_map(|e| {
                let subnet = topo.subnet(e.subnet.as_str());
                inbound(e).into_iter().filter(move |p| !subnet.is_some_and(|s| s.contains(p.src)))
            })
            .collect();
        let mut used: BTreeSet<RuleNumber> = BTreeSet::new();
        for p in &packets {
            if let Some(e) = nacl::evaluate(acl, crate::eval::Direction::Ingress, p) {
                used.insert(e.number);
            }
        }
        for e in acl.ingress.iter().filter(|e| e.action == RuleAction::Allow && !e.number.is_default()) {
            if !used.contains(&e.number) {
                out.push(unused(
                    Resource { vpc: Some(acl.vpc.to_string()), ..Resource::new(acl.id.as_str(), acl.tags.name(), "network-acl") },
                    format!("{} inbound rule {e}", acl.id),
                    enis.len(),
                    e.protocol,
                    e.cidr.to_string(),
                ));
            }
        }
    }
    out
}

fn unused(resource: Resource, rule: String, seen: usize, protocol: Protocol, peer: String) -> Finding {
    Finding {
        kind: FindingKind::UnusedRule,
        severity: Severity::Info,
        title: format!("{rule} was used by no accepted flow"),
        explanation: format!(
            "No ACCEPT record in the flow logs matched {rule} ({seen} interface(s) behind it appear in the logs). A candidate for tightening or removal; the log window may not include rare traffic (backups, failover)."
        ),
        resource,
        port: None,
        protocol: Some(protocol),
        sources: vec![peer],
        path: None,
        evidence: vec![rule],
        closed_by: None,
        fix: None,
        traffic: None,
    }
}
