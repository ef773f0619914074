//! The static `nacl-return-path` check: network ACLs are stateless, so an ACL that admits
//! a request must also let its reply through in the other direction, to the client's
//! ephemeral port. For every allow rule the check builds the request the rule admits (one
//! sample address per piece of its CIDR that the other direction's rules treat alike), and
//! evaluates the reply against the rules of the other direction with the evaluator's own
//! first-match logic. Rules that look like return rules themselves (a range starting at
//! 1024 or above, at least 1000 ports wide) are not requests and are skipped.

use super::{dir_word, Finding, FindingKind, Resource, Severity};
use crate::eval::{nacl, Direction};
use crate::eval::{Packet, DEFAULT_SOURCE_PORT};
use crate::report::Fix;
use crate::model::*;
use crate::topology::Topology;
use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Every `nacl-return-path` finding of the topology.
pub(super) fn return_paths(topo: &Topology<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for acl in &topo.model.network_acls {
        // An ACL that no subnet uses carries no traffic.
        let subnets: Vec<&Subnet> = topo.model.subnets.iter().enumerate().filter(|(i, _)| topo.nacl_of(*i).is_some_and(|a| a.id == acl.id)).map(|(_, s)| s).collect();
        if subnets.is_empty() {
            continue;
        }
        for (dir, entries) in [(Direction::Ingress, &acl.ingress), (Direction::Egress, &acl.egress)] {
            for entry in entries.iter().filter(|e| e.action == RuleAction::Allow && !e.number.is_default()) {
                if let Some(f) = check_entry(topo, acl, &subnets, dir, entry) {
                    out.push(f);
                }
            }
        }
    }
    out
}

/// The protocol and destination port of the request an entry admits, or `None` when the
/// entry admits no port-based request (ICMP, other protocols) or looks like a return rule.
fn request_of(entry: &NaclEntry) -> Option<(Protocol, u16, String)> {
    let proto = match entry.protocol {
        Protocol::Any => Protocol::Tcp,
        p @ (Protocol::Tcp | Protocol::Udp) => p,
        _ => return None,
    };
    match entry.l4 {
        L4Match::Ports(r) => {
            if r.from >= 1024 && r.to.saturating_sub(r.from) >= 1000 {
                return None;
            }
            let what = if r.from == r.to { format!("port {}", r.from) } else { format!("ports {r}") };
            Some((proto, r.from.max(1), what))
        }
        // "All traffic": the reply to any service; 443 stands for it.
        L4Match::Any => Some((proto, 443, "any port".into())),
        L4Match::Icmp(_) => None,
    }
}

fn check_entry(topo: &Topology<'_>, acl: &NetworkAcl, subnets: &[&Subnet], dir: Direction, entry: &NaclEntry) -> Option<Finding> {
    let (proto, port, what) = request_of(entry)?;
    let other = match dir {
        Direction::Ingress => &acl.egress,
        Direction::Egress => &acl.ingress,
    };
    let local = local_address(subnets, entry.cidr.addr().is_ipv6());
    let mut denied: Option<(IpAddr, &NaclEntry)> = None;
    for remote in samples(entry.cidr, other) {
        // The request: is it decided by this entry (not shadowed by an earlier rule)?
        let (req, reply_dir) = match dir {
            Direction::Ingress => (Packet::new(remote, local, proto, DEFAULT_SOURCE_PORT, port), Direction::Egress),
            Direction::Egress => (Packet::new(local, remote, proto, DEFAULT_SOURCE_PORT, port), Direction::Ingress),
        };
        if nacl::evaluate(acl, dir, &req) != Some(entry) {
            continue;
        }
        let reply = req.reply();
        match nacl::evaluate(acl, reply_dir, &reply) {
            Some(e) if e.action == RuleAction::Allow => {}
            Some(e) => {
                denied = Some((remote, e));
                break;
            }
            None => {}
        }
    }
    let (remote, deny) = denied?;
    let subnet_list: Vec<String> = subnets.iter().map(|s| label(topo, s.id.as_str())).collect();
    let acl_label = label(topo, acl.id.as_str());
    let (in_out, reply_word, reply_flag, side) = match dir {
        Direction::Ingress => ("inbound", "outbound", "--egress", "server"),
        Direction::Egress => ("outbound", "inbound", "--ingress", "client"),
    };
    let reply_entries = match dir {
        Direction::Ingress => &acl.egress,
        Direction::Egress => &acl.ingress,
    };
    let number = nacl::free_rule_number(reply_entries, deny.number).unwrap_or(1);
    let cidr_flag = if entry.cidr.addr().is_ipv6() { "--ipv6-cidr-block" } else { "--cidr-block" };
    let proto_num = proto.number().unwrap_or(6);
    let (remote_word, reply_ports) = match dir {
        // Server side: replies go to the client's ephemeral ports.
        Direction::Ingress => ("to", "1024-65535"),
        // Client side: replies come back to this subnet's ephemeral ports.
        Direction::Egress => ("from", "1024-65535"),
    };
    let fix = Fix {
        action: "add-nacl-rule".into(),
        id: acl.id.to_string(),
        description: format!(
            "add {reply_word} rule {number} ALLOW {proto} ports {reply_ports} {remote_word} {} to {} (before rule {})",
            entry.cidr, acl.id, deny.number
        ),
        aws_cli: Some(format!(
            "aws ec2 create-network-acl-entry --network-acl-id {} {reply_flag} --rule-number {number} --protocol {proto_num} --port-range From=1024,To=65535 {cidr_flag} {} --rule-action allow",
            acl.id, entry.cidr
        )),
    };
    let explanation = match dir {
        Direction::Ingress => format!(
            "{acl_label} admits {proto} {what} from {} ({in_out} rule {}), but network ACLs are stateless: the replies leave the subnet towards the clients' ephemeral ports (1024-65535) and {reply_word} rule {} ({deny}) denies them. Connections to {} from {} time out even though every security group allows them.",
            entry.cidr, entry.number, deny.number, subnet_list.join(", "), entry.cidr
        ),
        Direction::Egress => format!(
            "{acl_label} lets {proto} {what} out to {} ({in_out} rule {}), but the replies come back to the {side}'s ephemeral ports (1024-65535) and {reply_word} rule {} ({deny}) denies them. Connections from {} to {} fail.",
            entry.cidr, entry.number, deny.number, subnet_list.join(", "), entry.cidr
        ),
    };
    let mut resource = Resource::new(acl.id.as_str(), acl.tags.name(), "network-acl");
    resource.vpc = Some(acl.vpc.to_string());
    resource.subnet = subnets.first().map(|s| s.id.to_string());
    Some(Finding {
        kind: FindingKind::NaclReturnPath,
        severity: Severity::Medium,
        title: format!("{acl_label} {in_out} rule {} admits {proto} {what} {} {}, but {reply_word} rule {} denies the replies", entry.number, if dir == Direction::Ingress { "from" } else { "to" }, entry.cidr, deny.number),
        resource,
        port: Some(port).filter(|_| !matches!(entry.l4, L4Match::Any)),
        protocol: Some(proto),
        sources: vec![entry.cidr.to_string()],
        path: None,
        evidence: vec![
            format!("{} {} rule: {entry}", acl.id, in_out),
            format!("{} {} rule deciding the reply {} -> {} port {}: {deny}", acl.id, reply_word, fmt_addr(local), fmt_addr(remote), DEFAULT_SOURCE_PORT),
            format!("subnets using {}: {}", acl.id, subnet_list.join(", ")),
            format!("{} ACL direction checked: {}", side, dir_word(if dir == Direction::Ingress { crate::eval::Direction::Egress } else { crate::eval::Direction::Ingress })),
        ],
        closed_by: None,
        fix: Some(fix),
        explanation,
        traffic: None,
    })
}

fn fmt_addr(ip: IpAddr) -> String {
    ip.to_string()
}

fn label(topo: &Topology<'_>, id: &str) -> String {
    match topo.name_of(id) {
        Some(n) if n != id => format!("{n} ({id})"),
        _ => id.to_string(),
    }
}

/// An address of the ACL's subnets (the ACL matches only the remote end, so any will do).
fn local_address(subnets: &[&Subnet], v6: bool) -> IpAddr {
    let found = if v6 {
        subnets.iter().find_map(|s| s.ipv6_cidrs.first()).map(|c| IpAddr::V6(c.network()))
    } else {
        subnets.iter().find_map(|s| s.cidr).map(|c| IpAddr::V4(c.network()))
    };
    found.unwrap_or(if v6 { IpAddr::V6(Ipv6Addr::UNSPECIFIED) } else { IpAddr::V4(Ipv4Addr::UNSPECIFIED) })
}

/// One address per piece of `cidr` that the `other` direction's entries cut it into.
fn samples(cidr: IpNet, other: &[NaclEntry]) -> Vec<IpAddr> {
    let mut out = vec![cidr.network()];
    for e in other {
        if e.cidr.addr().is_ipv6() != cidr.addr().is_ipv6() {
            continue;
        }
        if cidr.contains(&e.cidr) && e.cidr != cidr {
            out.push(e.cidr.network());
            if let Some(next) = next_addr(e.cidr.broadcast()) {
                if cidr.contains(&next) {
                    out.push(next);
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn next_addr(ip: IpAddr) -> Option<IpAddr> {
    match ip {
        IpAddr::V4(v) => u32::from(v).checked_add(1).map(|n| IpAddr::V4(Ipv4Addr::from(n))),
        IpAddr::V6(v) => u128::from(v).checked_add(1).map(|n| IpAddr::V6(Ipv6Addr::from(n))),
    }
}
