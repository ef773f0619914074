//! Concrete fixes for a blocked path: the ACL entry, security group rule or route to add,
//! with the AWS CLI command that makes the change. vpcscope never runs these (it is
//! read-only); they are for the user to review and apply.

use super::{Direction, Fix, Packet, PathKind};
use crate::model::*;
use crate::topology::{Ix, Topology};
use ipnet::IpNet;
use std::net::IpAddr;

/// The narrowest sensible CIDR for the remote end of `ip`: its subnet when it is a modelled
/// interface, the address itself otherwise.
fn remote_cidr(topo: &Topology<'_>, ip: IpAddr) -> IpNet {
    if let Some(&ix) = topo.enis_with_private(ip).first() {
        if let Some(s) = topo.subnet(topo.model.enis[ix].subnet.as_str()) {
            match ip {
                IpAddr::V4(_) => {
                    if let Some(c) = s.cidr {
                        return IpNet::V4(c);
                    }
                }
                IpAddr::V6(v6) => {
                    if let Some(c) = s.ipv6_cidrs.iter().find(|c| c.contains(&v6)) {
                        return IpNet::V6(*c);
                    }
                }
            }
        }
    }
    IpNet::from(ip)
}

fn proto_arg(p: Protocol) -> String {
    crate::aws::cli::protocol_number(p)
}

/// The ACL entry to add so that `packet` passes `acl` in `dir`, evaluated before the rule
/// `denied_by` that stopped it. A reply gets the ephemeral range 1024-65535 (AWS's advice
/// for return rules) rather than the one port seen.
pub fn nacl_rule(topo: &Topology<'_>, acl: &NetworkAcl, dir: Direction, denied_by: RuleNumber, packet: &Packet, path: PathKind) -> Fix {
    let entries = match dir {
        Direction::Ingress => &acl.ingress,
        Direction::Egress => &acl.egress,
    };
    let number = super::nacl::free_rule_number(entries, denied_by).unwrap_or(1);
    let remote = match dir {
        Direction::Ingress => packet.src,
        Direction::Egress => packet.dst,
    };
    let cidr = remote_cidr(topo, remote);
    let (ports, port_arg) = if packet.protocol.has_ports() {
        let r = if path == PathKind::Return {
            PortRange::EPHEMERAL
        } else {
            PortRange { from: packet.dst_port, to: packet.dst_port }
        };
        (format!(" ports {r}"), format!(" --port-range From={},To={}", r.from, r.to))
    } else if packet.protocol.is_icmp() {
        (format!(" type {} code {}", packet.icmp_type, packet.icmp_code), format!(" --icmp-type-code Type={},Code=-1", packet.icmp_type))
    } else {
        (String::new(), String::new())
    };
    let egress = if dir == Direction::Egress { " --egress" } else { " --ingress" };
    let cidr_flag = if cidr.addr().is_ipv6() { "--ipv6-cidr-block" } else { "--cidr-block" };
    let what = if path == PathKind::Return { "for the reply " } else { "" };
    Fix {
        action: "add-nacl-rule".into(),
        id: acl.id.to_string(),
        description: format!(
            "add {dir} rule {number} ALLOW {}{ports} {} {cidr} to {} {what}(before rule {denied_by})",
            packet.protocol,
            if dir == Direction::Egress { "to" } else { "from" },
            acl.id
        ),
        aws_cli: Some(format!(
            "aws ec2 create-network-acl-entry --network-acl-id {}{egress} --rule-number {number} --protocol {}{port_arg} {cidr_flag} {cidr} --rule-action allow",
            acl.id,
            proto_arg(packet.protocol)
        )),
    }
}

/// The security group rule to add on interface `ix` so that `packet` passes in `dir`:
/// referencing the peer's security group when the peer is an interface in the same or a
/// peered VPC, a CIDR otherwise.
pub fn sg_rule(topo: &Topology<'_>, ix: Ix, dir: Direction, packet: &Packet) -> Fix {
    let e = &topo.model.enis[ix];
    let group = e.security_groups.first().map(|g| g.to_string()).unwrap_or_else(|| "<sg-id>".into());
    let remote = match dir {
        Direction::Ingress => packet.src,
        Direction::Egress => packet.dst,
    };
    let peer_group = topo
        .enis_with_private(remote)
        .iter()
        .map(|&i| &topo.model.enis[i])
        .find(|p| p.vpc == e.vpc || super::sg::vpcs_peered(topo, &p.vpc, &e.vpc))
        .and_then(|p| p.security_groups.first().cloned());
    let (peer_text, peer_arg) = match &peer_group {
        Some(g) => (g.to_string(), format!("--source-group {g}")),
        None => {
            let c = IpNet::from(remote);
            (c.to_string(), format!("--cidr {c}"))
        }
    };
    let (ports, port_arg) = if packet.protocol.has_ports() {
        (format!(" {}", packet.dst_port), format!(" --port {}", packet.dst_port))
    } else if packet.protocol.is_icmp() {
        (format!(" type {}", packet.icmp_type), format!(" --port {}", packet.icmp_type))
    } else {
        (String::new(), String::new())
    };
    let proto = match packet.protocol {
        Protocol::Tcp => "tcp".to_string(),
        Protocol::Udp => "udp".to_string(),
        Protocol::Icmp => "icmp".to_string(),
        Protocol::Icmpv6 => "icmpv6".to_string(),
        p => proto_arg(p),
    };
    let (verb, dir_word) = match dir {
        Direction::Ingress => ("authorize-security-group-ingress", "inbound"),
        Direction::Egress => ("authorize-security-group-egress", "outbound"),
    };
    let cli = if dir == Direction::Egress {
        // The CLI's shorthand flags exist for ingress only; egress takes --ip-permissions.
        let (from, to) = if packet.protocol.has_ports() { (packet.dst_port as i32, packet.dst_port as i32) } else { (-1, -1) };
        let peer = match &peer_group {
            Some(g) => format!("UserIdGroupPairs=[{{GroupId={g}}}]"),
            None => format!("IpRanges=[{{CidrIp={}}}]", IpNet::from(remote)),
        };
        format!("aws ec2 {verb} --group-id {group} --ip-permissions IpProtocol={proto},FromPort={from},ToPort={to},{peer}")
    } else {
        format!("aws ec2 {verb} --group-id {group} --protocol {proto}{port_arg} {peer_arg}")
    };
    Fix {
        action: "add-security-group-rule".into(),
        id: group.clone(),
        description: format!("add {dir_word} rule {}{ports} {} {peer_text} to {group}", packet.protocol, if dir == Direction::Egress { "to" } else { "from" }),
        aws_cli: Some(cli),
    }
}

/// The route to add to `rt` (in `vpc`) so that `dst` has a next hop: over an active peering
/// whose peer holds `dst`, through a transit gateway attached to `vpc` whose tables route
/// `dst`, else the internet gateway for public addresses.
pub fn route(topo: &Topology<'_>, rt: &RouteTable, vpc: &VpcId, dst: IpAddr) -> Option<Fix> {
    let m = topo.model;
    let mut target: Option<(String, String, IpNet)> = None;
    for p in m.peerings.iter().filter(|p| p.is_active()) {
        if let Some(other) = p.other_side(vpc) {
            let cidrs = topo.vpc(other.vpc.as_str()).map(|v| v.cidrs.clone()).unwrap_or_else(|| other.cidrs.clone());
            if let Some(c) = cidrs.iter().find(|c| c.contains(&dst)) {
                target = Some((p.id.to_string(), format!("--vpc-peering-connection-id {}", p.id), *c));
                break;
            }
        }
    }
    if target.is_none() {
        for a in &m.tgw_attachments {
            if let TgwAttachmentKind::Vpc { vpc: v, .. } = &a.kind {
                if v != vpc {
                    continue;
                }
                let routed = a
                    .route_table
                    .as_ref()
                    .and_then(|r| topo.tgw_route_table(r.as_str()))
                    .and_then(|t| super::route::lookup_tgw(topo, t, dst));
                if let Some(r) = routed {
                    target = Some((a.tgw.to_string(), format!("--transit-gateway-id {}", a.tgw), r.prefix));
                    break;
                }
            }
        }
    }
    if target.is_none() && !crate::model::is_special(dst) && !topo.in_modelled_network(dst) {
        if let Some(g) = topo.igw_of(vpc) {
            let any: IpNet = if dst.is_ipv4() { "0.0.0.0/0".parse().ok()? } else { "::/0".parse().ok()? };
            target = Some((g.id.to_string(), format!("--gateway-id {}", g.id), any));
        }
    }
    let (id, arg, cidr) = target?;
    let flag = if cidr.addr().is_ipv6() { "--destination-ipv6-cidr-block" } else { "--destination-cidr-block" };
    Some(Fix {
        action: "add-route".into(),
        id: rt.id.to_string(),
        description: format!("add route {cidr} -> {id} to {}", rt.id),
        aws_cli: Some(format!("aws ec2 create-route --route-table-id {} {flag} {cidr} {arg}", rt.id)),
    })
}
