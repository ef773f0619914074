//! Concrete fixes for a blocked path: the ACL entry, security group rule or route to add, as
//! a typed [`Change`] (`aws::cli` spells it as a command). vpcscope never applies these (it
//! is read-only); they are for the user to review and apply.

use super::{Change, ChangeL4, Cidr, Direction, Packet, PathKind, Peer, RouteTo};
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

/// The ACL entry to add so that `packet` passes `acl` in `dir`, evaluated before the rule
/// `denied_by` that stopped it. A reply gets the ephemeral range 1024-65535 (AWS's advice
/// for return rules) rather than the one port seen.
pub fn nacl_rule(topo: &Topology<'_>, acl: &NetworkAcl, dir: Direction, denied_by: RuleNumber, packet: &Packet, path: PathKind) -> Change {
    let entries = match dir {
        Direction::Ingress => &acl.ingress,
        Direction::Egress => &acl.egress,
    };
    let number = RuleNumber(super::nacl::free_rule_number(entries, denied_by).unwrap_or(1));
    let remote = match dir {
        Direction::Ingress => packet.src,
        Direction::Egress => packet.dst,
    };
    let l4 = if packet.protocol.has_ports() {
        ChangeL4::Ports(if path == PathKind::Return { PortRange::EPHEMERAL } else { PortRange { from: packet.dst_port, to: packet.dst_port } })
    } else if packet.protocol.is_icmp() {
        ChangeL4::Icmp { icmp_type: packet.icmp_type, code: packet.icmp_code }
    } else {
        ChangeL4::None
    };
    Change::AddAclEntry {
        acl: acl.id.to_string(),
        direction: dir,
        number,
        protocol: packet.protocol,
        l4,
        cidr: Cidr::Net(remote_cidr(topo, remote)),
        before: denied_by,
        reply: path == PathKind::Return,
    }
}

/// The security group rule to add on interface `ix` so that `packet` passes in `dir`:
/// referencing the peer's security group when the peer is an interface in the same or a
/// peered VPC, a CIDR otherwise.
pub fn sg_rule(topo: &Topology<'_>, ix: Ix, dir: Direction, packet: &Packet) -> Change {
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
    let peer = match peer_group {
        Some(g) => Peer::Group(g.to_string()),
        None => Peer::Cidr(Cidr::Net(IpNet::from(remote))),
    };
    let l4 = if packet.protocol.has_ports() {
        ChangeL4::Ports(PortRange { from: packet.dst_port, to: packet.dst_port })
    } else if packet.protocol.is_icmp() {
        ChangeL4::Icmp { icmp_type: packet.icmp_type, code: packet.icmp_code }
    } else {
        ChangeL4::None
    };
    Change::AddSecurityGroupRule { group, direction: dir, protocol: packet.protocol, l4, peer }
}

/// The route to add to `rt` (in `vpc`) so that `dst` has a next hop: over an active peering
/// whose peer holds `dst`, through a transit gateway attached to `vpc` whose tables route
/// `dst`, else the internet gateway for public addresses.
pub fn route(topo: &Topology<'_>, rt: &RouteTable, vpc: &VpcId, dst: IpAddr) -> Option<Change> {
    let m = topo.model;
    let mut target: Option<(RouteTo, IpNet)> = None;
    for p in m.peerings.iter().filter(|p| p.is_active()) {
        if let Some(other) = p.other_side(vpc) {
            let cidrs = topo.vpc(other.vpc.as_str()).map(|v| v.cidrs.as_slice()).unwrap_or(other.cidrs.as_slice());
            if let Some(c) = cidrs.iter().find(|c| c.contains(&dst)) {
                target = Some((RouteTo::Peering(p.id.to_string()), *c));
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
                    target = Some((RouteTo::TransitGateway(a.tgw.to_string()), r.prefix));
                    break;
                }
            }
        }
    }
    if target.is_none() && !crate::model::is_special(dst) && !topo.in_modelled_network(dst) {
        if let Some(g) = topo.igw_of(vpc) {
            let any = IpNet::new(if dst.is_ipv4() { IpAddr::from([0u8; 4]) } else { IpAddr::from([0u8; 16]) }, 0).ok()?;
            target = Some((RouteTo::InternetGateway(g.id.to_string()), any));
        }
    }
    let (target, cidr) = target?;
    Some(Change::AddRoute { table: rt.id.to_string(), cidr, target })
}
