//! Hygiene checks that need no path evaluation: security groups open to all traffic from
//! anywhere, unused groups, references to groups missing from the snapshot, blackhole
//! routes, VPCs and subnets without flow logs, and peering connections that are not active.

use super::{Finding, FindingKind, Resource, Severity};
use crate::report::Fix;
use crate::model::*;
use crate::topology::Topology;
use std::collections::BTreeSet;

/// Every hygiene finding of the topology.
pub(super) fn checks(topo: &Topology<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    open_to_world(topo, &mut out);
    unused_groups(topo, &mut out);
    missing_groups(topo, &mut out);
    blackholes(topo, &mut out);
    flow_logs(topo, &mut out);
    peerings(topo, &mut out);
    out
}

fn finding(kind: FindingKind, severity: Severity, resource: Resource, title: String, explanation: String) -> Finding {
    Finding {
        kind,
        severity,
        title,
        resource,
        port: None,
        protocol: None,
        sources: Vec::new(),
        path: None,
        evidence: Vec::new(),
        closed_by: None,
        fix: None,
        explanation,
        traffic: None,
    }
}

fn sg_resource(g: &SecurityGroup) -> Resource {
    let mut r = Resource::new(g.id.as_str(), Some(g.tags.name().unwrap_or(g.name.as_str())), "security-group");
    r.vpc = g.vpc.as_ref().map(ToString::to_string);
    r
}

fn label(topo: &Topology<'_>, id: &str) -> String {
    match topo.name_of(id) {
        Some(n) if n != id => format!("{n} ({id})"),
        _ => id.to_string(),
    }
}

fn open_to_world(topo: &Topology<'_>, out: &mut Vec<Finding>) {
    for g in &topo.model.security_groups {
        for r in &g.ingress {
            let world = matches!(&r.peer, SgPeer::Cidr(c) if c.prefix_len() == 0);
            let all = r.protocol == Protocol::Any || (r.protocol.has_ports() && matches!(r.l4, L4Match::Ports(p) if p == PortRange::ALL));
            if !(world && all) {
                continue;
            }
            let members = topo.sg_members(g.id.as_str());
            let severity = if members.is_empty() { Severity::Low } else { Severity::High };
            let mut f = finding(
                FindingKind::SecurityGroupOpenToWorld,
                severity,
                sg_resource(g),
                format!("{} admits {} {} from {}", label(topo, g.id.as_str()), r.protocol, r.l4, r.peer),
                format!(
                    "Security group {} has an inbound rule admitting every port ({r}); it is attached to {} interface(s). Whether each is reachable depends on the rest of the path: see the exposure findings.",
                    label(topo, g.id.as_str()),
                    members.len()
                ),
            );
            f.protocol = Some(r.protocol);
            f.sources = vec![r.peer.to_string()];
            f.evidence = members.iter().take(20).map(|&i| format!("attached to {}", label(topo, topo.model.enis[i].id.as_str()))).collect();
            f.evidence.insert(0, format!("{} inbound {r}", g.id));
            let (flag, perm) = match &r.peer {
                SgPeer::Cidr(c) if c.addr().is_ipv6() => ("Ipv6Ranges", format!("CidrIpv6={c}")),
                _ => ("IpRanges", format!("CidrIp={}", r.peer)),
            };
            let proto = crate::aws::cli::protocol_number(r.protocol);
            f.fix = Some(Fix {
                action: "revoke-security-group-rule".into(),
                id: g.id.to_string(),
                description: format!("remove inbound rule {r} from {} and admit only the ports and sources the members need", g.id),
                aws_cli: Some(format!("aws ec2 revoke-security-group-ingress --group-id {} --ip-permissions 'IpProtocol={proto},{flag}=[{{{perm}}}]'", g.id)),
            });
            out.push(f);
        }
    }
}

fn unused_groups(topo: &Topology<'_>, out: &mut Vec<Finding>) {
    let m = topo.model;
    let db_groups: BTreeSet<&str> = m.db_instances.iter().flat_map(|d| d.security_groups.iter().map(SgId::as_str)).collect();
    for g in &m.security_groups {
        // The default group cannot be deleted; RDS groups may be used by interfaces the
        // snapshot did not list.
        if g.name == "default" || !topo.sg_members(g.id.as_str()).is_empty() || db_groups.contains(g.id.as_str()) {
            continue;
        }
        let mut f = finding(
            FindingKind::UnusedSecurityGroup,
            Severity::Low,
            sg_resource(g),
            format!("{} is attached to no network interface", label(topo, g.id.as_str())),
            format!(
                "No interface in the snapshot carries {}. Unused groups accumulate rules nobody reviews and can be attached by mistake; delete it if nothing (launch templates, other accounts) needs it.",
                label(topo, g.id.as_str())
            ),
        );
        f.fix = Some(Fix {
            action: "delete-security-group".into(),
            id: g.id.to_string(),
            description: format!("delete {} if no launch template or automation refers to it", g.id),
            aws_cli: Some(format!("aws ec2 delete-security-group --group-id {}", g.id)),
        });
        out.push(f);
    }
}

fn missing_groups(topo: &Topology<'_>, out: &mut Vec<Finding>) {
    let m = topo.model;
    // Without any SecurityGroups document every reference would look missing.
    if m.security_groups.is_empty() {
        return;
    }
    for g in &m.security_groups {
        for (dir, rules) in [("inbound", &g.ingress), ("outbound", &g.egress)] {
            for r in rules {
                let SgPeer::Group(other) = &r.peer else { continue };
                // `account/sg-...` references another account: not verifiable here.
                if other.as_str().contains('/') || topo.sg(other.as_str()).is_some() {
                    continue;
                }
                let mut f = finding(
                    FindingKind::MissingSecurityGroup,
                    Severity::Medium,
                    sg_resource(g),
                    format!("{} {dir} rule references {other}, which is not in the snapshot", label(topo, g.id.as_str())),
                    format!(
                        "The {dir} rule {r} of {} names group {other}, which does not exist in the snapshot (deleted, or in a VPC or account that was not captured). The rule matches no address until the group exists; a new group with that role could silently gain access.",
                        label(topo, g.id.as_str())
                    ),
                );
                f.evidence = vec![format!("{} {dir} {r}", g.id)];
                out.push(f);
            }
        }
    }
    for e in &m.enis {
        for gid in &e.security_groups {
            if topo.sg(gid.as_str()).is_none() {
                let mut r = Resource::new(e.id.as_str(), topo.name_of(e.id.as_str()), "network-interface");
                r.vpc = Some(e.vpc.to_string());
                r.subnet = Some(e.subnet.to_string());
                r.interface = Some(e.id.to_string());
                out.push(finding(
                    FindingKind::MissingSecurityGroup,
                    Severity::Medium,
                    r,
                    format!("{} carries {gid}, which is not in the snapshot", label(topo, e.id.as_str())),
                    format!("Interface {} lists security group {gid}, but the snapshot has no such group: its rules were not evaluated (the evaluator treats it as admitting nothing).", e.id),
                ));
            }
        }
    }
}

fn blackholes(topo: &Topology<'_>, out: &mut Vec<Finding>) {
    let m = topo.model;
    for rt in &m.route_tables {
        for r in rt.routes.iter().filter(|r| r.state == RouteState::Blackhole) {
            let dest = match &r.dest {
                RouteDest::Cidr(c) => c.to_string(),
                RouteDest::PrefixList(p) => p.to_string(),
            };
            let mut res = Resource::new(rt.id.as_str(), rt.tags.name(), "route-table");
            res.vpc = Some(rt.vpc.to_string());
            let mut f = finding(
                FindingKind::BlackholeRoute,
                Severity::Medium,
                res,
                format!("{} routes {dest} to {}, which no longer exists", label(topo, rt.id.as_str()), r.target.id()),
                format!(
                    "The route {dest} -> {} in {} is a blackhole: its target was deleted, and traffic to {dest} from the table's subnets is dropped.",
                    r.target.id(),
                    label(topo, rt.id.as_str())
                ),
            );
            f.sources = vec![dest.clone()];
            f.evidence = vec![format!("{} route {dest} -> {} state blackhole", rt.id, r.target.id())];
            let flag = if dest.contains(':') { "--destination-ipv6-cidr-block" } else { "--destination-cidr-block" };
            f.fix = Some(Fix {
                action: "replace-or-delete-route".into(),
                id: rt.id.to_string(),
                description: format!("point {dest} at a live target, or delete the route from {}", rt.id),
                aws_cli: Some(format!("aws ec2 delete-route --route-table-id {} {flag} {dest}", rt.id)),
            });
            out.push(f);
        }
    }
    for t in &m.tgw_route_tables {
        for r in t.routes.iter().filter(|r| r.state == RouteState::Blackhole) {
            let dest = match &r.dest {
                RouteDest::Cidr(c) => c.to_string(),
                RouteDest::PrefixList(p) => p.to_string(),
            };
            let mut f = finding(
                FindingKind::BlackholeRoute,
                Severity::Low,
                Resource::new(t.id.as_str(), t.tags.name(), "transit-gateway-route-table"),
                format!("transit gateway route table {} drops {dest} (blackhole)", t.id),
                format!("Traffic to {dest} through {} is dropped. A static blackhole route is sometimes deliberate (to stop traffic); check that it still is.", t.tgw),
            );
            f.sources = vec![dest.clone()];
            f.evidence = vec![format!("{} route {dest} state blackhole", t.id)];
            out.push(f);
        }
    }
}

fn flow_logs(topo: &Topology<'_>, out: &mut Vec<Finding>) {
    let m = topo.model;
    let covered: BTreeSet<&str> = m.flow_logs.iter().map(|f| f.resource.as_str()).collect();
    for v in &m.vpcs {
        if covered.contains(v.id.as_str()) {
            continue;
        }
        let subnets: Vec<&Subnet> = m.subnets.iter().filter(|s| s.vpc == v.id).collect();
        let uncovered: Vec<&&Subnet> = subnets.iter().filter(|s| !covered.contains(s.id.as_str())).collect();
        if uncovered.is_empty() && !subnets.is_empty() {
            continue;
        }
        let mut res = Resource::new(v.id.as_str(), v.tags.name(), "vpc");
        res.vpc = Some(v.id.to_string());
        let mut f = finding(
            FindingKind::NoFlowLogs,
            Severity::Low,
            res,
            if uncovered.len() == subnets.len() {
                format!("{} has no flow log (nor do any of its {} subnet(s))", label(topo, v.id.as_str()), subnets.len())
            } else {
                format!("{} has no VPC flow log; {} of its {} subnets have none either", label(topo, v.id.as_str()), uncovered.len(), subnets.len())
            },
            "Without flow logs there is no record of who connected to what: an exposure cannot be confirmed or ruled out after the fact, and `vpcscope audit --flows` has nothing to attach. (A snapshot without a FlowLogs document also reads as no flow logs.)".into(),
        );
        f.evidence = uncovered.iter().map(|s| format!("subnet without flow log: {}", label(topo, s.id.as_str()))).collect();
        f.fix = Some(Fix {
            action: "create-flow-logs".into(),
            id: v.id.to_string(),
            description: format!("create a flow log for {} (all traffic) to S3 or CloudWatch Logs", v.id),
            aws_cli: Some(format!(
                "aws ec2 create-flow-logs --resource-type VPC --resource-ids {} --traffic-type ALL --log-destination-type s3 --log-destination arn:aws:s3:::<bucket>",
                v.id
            )),
        });
        out.push(f);
    }
}

fn peerings(topo: &Topology<'_>, out: &mut Vec<Finding>) {
    for p in topo.model.peerings.iter().filter(|p| !p.is_active()) {
        let mut res = Resource::new(p.id.as_str(), p.tags.name(), "vpc-peering-connection");
        res.vpc = Some(p.requester.vpc.to_string());
        let mut f = finding(
            FindingKind::PeeringNotActive,
            Severity::Low,
            res,
            format!("peering {} between {} and {} is {}", p.id, p.requester.vpc, p.accepter.vpc, p.status),
            format!(
                "Peering connection {} is in state `{}`: it carries no traffic, and routes pointing at it drop packets. Accept it, or delete it and its routes.",
                p.id, p.status
            ),
        );
        f.evidence = vec![format!("{} status {}", p.id, p.status)];
        let routes: Vec<String> = topo
            .model
            .route_tables
            .iter()
            .flat_map(|rt| rt.routes.iter().filter(|r| r.target.id() == p.id.as_str()).map(move |r| (rt, r)))
            .map(|(rt, r)| match &r.dest {
                RouteDest::Cidr(c) => format!("route {c} -> {} in {}", p.id, rt.id),
                RouteDest::PrefixList(l) => format!("route {l} -> {} in {}", p.id, rt.id),
            })
            .collect();
        f.evidence.extend(routes);
        out.push(f);
    }
}
