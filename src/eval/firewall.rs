//! AWS Network Firewall's decision for one packet: the stateless engine (rule groups by
//! priority, rules by priority, then the stateless default actions) and, for what it
//! forwards, the stateful engine (5-tuple rules in the default action order, pass before
//! drop and reject before alert, or in strict order with the stateful default actions).
//! What the packet's addresses, ports and protocol cannot decide (Suricata rule strings,
//! domain lists, TCP-flag matches, application protocols) is `Undecided`.

use super::Packet;
use crate::model::*;
use crate::topology::Topology;

/// The firewall's decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FwDecision {
    /// Through; `stateful` when the stateful engine passed it (it then expects the reply).
    Pass {
        /// Whether the stateful engine decided.
        stateful: bool,
        /// The rule or default that decided.
        by: String,
    },
    /// Dropped (or rejected).
    Drop {
        /// The rule or default that decided.
        by: String,
        /// The reply reached the stateful engine, which never saw the request.
        asymmetric: bool,
    },
    /// The snapshot cannot decide.
    Undecided {
        /// Why.
        why: String,
    },
}

fn in_nets(nets: &[ipnet::IpNet], ip: std::net::IpAddr) -> bool {
    nets.is_empty() || nets.iter().any(|n| n.contains(&ip))
}

fn in_ports(ranges: &[PortRange], port: u16) -> bool {
    ranges.is_empty() || ranges.iter().any(|r| r.contains(port))
}

fn stateless_matches(r: &StatelessRule, p: &Packet) -> bool {
    let proto = p.protocol.number();
    let ports = p.protocol.has_ports();
    in_nets(&r.sources, p.src)
        && in_nets(&r.destinations, p.dst)
        && (r.protocols.is_empty() || proto.is_some_and(|x| r.protocols.contains(&x)))
        && (!ports || in_ports(&r.source_ports, p.src_port))
        && (!ports || in_ports(&r.destination_ports, p.dst_port))
        && (ports || (r.source_ports.is_empty() && r.destination_ports.is_empty()))
}

fn stateful_matches(r: &StatefulRule, p: &Packet) -> bool {
    let one_way = |src, dst, sport: u16, dport: u16| {
        r.protocol.is_none_or(|x| Some(x) == p.protocol.number())
            && r.source.contains(src)
            && r.destination.contains(dst)
            && (!p.protocol.has_ports() || r.source_ports.is_none_or(|x| x.contains(sport)))
            && (!p.protocol.has_ports() || r.destination_ports.is_none_or(|x| x.contains(dport)))
    };
    one_way(p.src, p.dst, p.src_port, p.dst_port) || (r.both_ways && one_way(p.dst, p.src, p.dst_port, p.src_port))
}

/// Firewall `fw`'s decision for `p`. `reply` marks the reply of a flow; `inspected` whether
/// this firewall's stateful engine passed the request (the reply then belongs to a known
/// flow).
pub fn decide(topo: &Topology<'_>, fw: &Firewall, p: &Packet, reply: bool, inspected: bool) -> FwDecision {
    let Some(policy) = topo.firewall_policy(&fw.policy) else {
        return FwDecision::Undecided { why: format!("its policy {} is not in the snapshot (capture FirewallPolicies)", fw.policy) };
    };
    let mut action = None;
    'groups: for (_, gid) in &policy.stateless_groups {
        let Some(g) = topo.rule_group(gid) else {
            return FwDecision::Undecided { why: format!("stateless rule group {gid} is not in the snapshot (capture RuleGroups)") };
        };
        for r in g.stateless.iter().filter(|r| stateless_matches(r, p)) {
            if r.tcp_flags && p.protocol == Protocol::Tcp {
                return FwDecision::Undecided { why: format!("stateless rule {} of {} matches on TCP flags, which differ from packet to packet", r.priority, g.name) };
            }
            if let Some(a) = r.action {
                action = Some((a, format!("stateless rule {} of {}", r.priority, g.name)));
                break 'groups;
            }
        }
    }
    let (action, by) = match action {
        Some(a) => a,
        None => match policy.stateless_default {
            Some(a) => (a, format!("the stateless default action of {}", policy.name)),
            None => return FwDecision::Undecided { why: format!("the stateless default actions of {} are not in the snapshot", policy.name) },
        },
    };
    match action {
        StatelessAction::Pass => return FwDecision::Pass { stateful: false, by },
        StatelessAction::Drop => return FwDecision::Drop { by, asymmetric: false },
        StatelessAction::Forward => {}
    }
    if reply {
        return if inspected {
            FwDecision::Pass { stateful: true, by: format!("the stateful engine of {} (the reply of a flow it passed)", fw.name) }
        } else {
            FwDecision::Drop { by: format!("the stateful engine of {}, which never saw the request", fw.name), asymmetric: true }
        };
    }
    let mut groups = Vec::new();
    for (_, gid) in &policy.stateful_groups {
        match topo.rule_group(gid) {
            Some(g) => groups.push(g),
            None => return FwDecision::Undecided { why: format!("stateful rule group {gid} is not in the snapshot (capture RuleGroups)") },
        }
    }
    if policy.strict_order {
        for g in groups {
            if let Some(why) = &g.undecidable {
                return FwDecision::Undecided { why: format!("stateful rule group {} holds {why}", g.name) };
            }
            for r in g.stateful.iter().filter(|r| stateful_matches(r, p)) {
                let by = format!("stateful rule `{}` of {}", r.text, g.name);
                match r.action {
                    StatefulAction::Pass => return FwDecision::Pass { stateful: true, by },
                    StatefulAction::Drop | StatefulAction::Reject => return FwDecision::Drop { by, asymmetric: false },
                    StatefulAction::Alert => {}
                }
            }
        }
        return match policy.stateful_default.iter().find(|a| a.starts_with("aws:drop")) {
            Some(a) => FwDecision::Drop { by: format!("the stateful default action {a} of {}", policy.name), asymmetric: false },
            None => FwDecision::Pass { stateful: true, by: format!("no stateful rule of {} matches (default: pass)", policy.name) },
        };
    }
    // Default action order: any pass rule, then drop and reject rules, then alert.
    if let Some(g) = groups.iter().find(|g| g.undecidable.is_some()) {
        return FwDecision::Undecided { why: format!("stateful rule group {} holds {}", g.name, g.undecidable.as_deref().unwrap_or_default()) };
    }
    let rules = || groups.iter().flat_map(|g| g.stateful.iter().map(move |r| (g, r))).filter(|(_, r)| stateful_matches(r, p));
    if let Some((g, r)) = rules().find(|(_, r)| r.action == StatefulAction::Pass) {
        return FwDecision::Pass { stateful: true, by: format!("stateful rule `{}` of {}", r.text, g.name) };
    }
    if let Some((g, r)) = rules().find(|(_, r)| matches!(r.action, StatefulAction::Drop | StatefulAction::Reject)) {
        return FwDecision::Drop { by: format!("stateful rule `{}` of {}", r.text, g.name), asymmetric: false };
    }
    FwDecision::Pass { stateful: true, by: format!("no stateful rule of {} drops it", policy.name) }
}
