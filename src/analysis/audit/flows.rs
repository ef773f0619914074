//! Flow-log evidence for the audit: a minimal reader of the **default (version 2)** flow-log
//! format, the join of its records with exposure findings ("internet traffic actually
//! reached the database: N ACCEPT records from M addresses"), and the list of inbound
//! security-group and ACL allow rules that no accepted flow used during the log window.
//!
//! This reader is deliberately small (one owned record per line, default format only):
//! the zero-copy `flowlog` module with custom formats replaces it once it is merged; only
//! [`parse_default_v2`] has to change. Callers hand it bytes; it never opens a file.

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
    /// `packets`.
    pub packets: u64,
}

/// What [`parse_default_v2`] read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Records with `log-status` OK.
    pub records: Vec<FlowRecord>,
    /// Header lines, blank lines, NODATA and SKIPDATA records.
    pub skipped: usize,
    /// Lines that are not default-format records (line numbers, 1-based, first ten).
    pub malformed: Vec<usize>,
    /// Number of malformed lines.
    pub malformed_count: usize,
}

/// Reads default-format (version 2) flow-log lines:
/// `version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes
/// start end action log-status`. A header line (S3 delivery) is skipped; so are NODATA and
/// SKIPDATA records. Malformed lines are counted, never fatal.
pub fn parse_default_v2(bytes: &[u8]) -> Parsed {
    let mut out = Parsed::default();
    for (n, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let Ok(line) = std::str::from_utf8(line) else {
            out.malformed_count += 1;
            if out.malformed.len() < 10 {
                out.malformed.push(n + 1);
            }
            continue;
        };
        let line = line.trim();
        if line.is_empty() || line.starts_with("version") {
            out.skipped += 1;
            continue;
        }
        match parse_line(line) {
            Some(Some(r)) => out.records.push(r),
            Some(None) => out.skipped += 1,
            None => {
                out.malformed_count += 1;
                if out.malformed.len() < 10 {
                    out.malformed.push(n + 1);
                }
            }
        }
    }
    out
}

/// `Some(None)`: a NODATA/SKIPDATA record; `None`: malformed.
fn parse_line(line: &str) -> Option<Option<FlowRecord>> {
    let f: Vec<&str> = line.split_ascii_whitespace().collect();
    if f.len() != 14 || f[0] != "2" {
        return None;
    }
    match f[13] {
        "OK" => {}
        "NODATA" | "SKIPDATA" => return Some(None),
        _ => return None,
    }
    let accepted = match f[12] {
        "ACCEPT" => true,
        "REJECT" => false,
        _ => return None,
    };
    Some(Some(FlowRecord {
        interface: f[2].to_string(),
        src: f[3].parse().ok()?,
        dst: f[4].parse().ok()?,
        src_port: f[5].parse().ok()?,
        dst_port: f[6].parse().ok()?,
        protocol: Protocol::from_number(f[7].parse().ok()?),
        accepted,
        packets: f[8].parse().unwrap_or(0),
    }))
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
        if !matches!(f.kind, FindingKind::ExposedDatabase | FindingKind::ExposedAdminPort | FindingKind::LatentExposure) {
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
                t.accepted_records += 1;
                sources.insert(r.src);
            } else {
                t.rejected_records += 1;
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
            let used = packets.iter().any(|(e, p)| sg::l4_matches(r, p) && sg::peer_matches(topo, &r.peer, p.src, &e.vpc));
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
            if let Some(e) = nacl::evaluate(acl, nacl::NaclDirection::Inbound, p) {
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

#[cfg(test)]
mod tests {
    use super::*;

    const LINES: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 4 336 1432917027 1432917142 ACCEPT OK
2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA
2 123456789010 eni-1235b8ca123456789 172.31.16.139 203.0.113.12 0 0 1 4 336 1432917094 1432917142 REJECT OK
this is not a record
";

    #[test]
    fn default_format_records_nodata_headers_and_garbage() {
        let p = parse_default_v2(LINES.as_bytes());
        assert_eq!(p.records.len(), 2);
        assert_eq!(p.skipped, 3); // header, NODATA, trailing empty line
        assert_eq!(p.malformed, vec![5]);
        assert!(p.records[0].accepted && !p.records[1].accepted);
        assert_eq!(p.records[0].protocol, Protocol::Icmp);
    }
}
