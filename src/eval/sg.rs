//! Security group evaluation: allow-only rules, the union over every group on the
//! interface, stateful (a reply to an admitted flow is admitted without rules). A rule's peer
//! is a CIDR, a prefix list's entries, or the private addresses of the interfaces carrying a
//! referenced group (same VPC or a peered VPC; never through a NAT gateway, whose address
//! is not the member's).

use super::{Direction, Packet};
use crate::model::{L4Match, SgId, SgPeer, SgRule, VpcId};
use crate::topology::Topology;
use std::net::IpAddr;

/// Whether a rule's protocol and ports/type admit the packet.
pub fn l4_matches(rule: &SgRule, packet: &Packet) -> bool {
    if !rule.protocol.covers(packet.protocol) {
        return false;
    }
    match rule.l4 {
        L4Match::Any => true,
        L4Match::Ports(r) => packet.protocol.has_ports() && r.contains(packet.dst_port),
        L4Match::Icmp(m) => packet.protocol.is_icmp() && m.matches(packet.icmp_type, packet.icmp_code),
    }
}

/// Whether the rule's peer covers `remote`, seen from an interface in `local_vpc`, for an
/// inbound rule (`dir` ingress) or an outbound one.
pub fn peer_matches(topo: &Topology<'_>, peer: &SgPeer, remote: IpAddr, local_vpc: &VpcId, dir: Direction) -> bool {
    match peer {
        SgPeer::Cidr(c) => c.contains(&remote),
        SgPeer::PrefixList(p) => topo.prefix_list_cidrs(p).iter().any(|c| c.contains(&remote)),
        // References resolve to members' private addresses, in this VPC, a VPC peered in the
        // same Region, or (inbound rules only) a VPC on a transit gateway with security group
        // referencing on. Looked up from the address (a handful of interfaces) rather than
        // from the group (which may have thousands of members).
        SgPeer::Group(g) => topo.enis_with_private(remote).iter().any(|&i| {
            let member = &topo.model.enis[i];
            member.security_groups.contains(g) && topo.sg_reference_reaches(local_vpc, &member.vpc, dir == Direction::Ingress)
        }),
    }
}

/// Whether an active peering joins `a` and `b`.
pub fn vpcs_peered(topo: &Topology<'_>, a: &VpcId, b: &VpcId) -> bool {
    topo.peered(a, b)
}

/// Whether any rule of the groups at positions `groups` (in the model) admits `packet` in
/// direction `dir`: [`evaluate`] without the lookups by id, for the hot paths that only need
/// the verdict.
pub fn admits(topo: &Topology<'_>, groups: &[crate::topology::Ix], local_vpc: &VpcId, dir: Direction, packet: &Packet) -> bool {
    let remote = match dir {
        Direction::Ingress => packet.src,
        Direction::Egress => packet.dst,
    };
    groups.iter().any(|&g| {
        let g = &topo.model.security_groups[g];
        let rules = match dir {
            Direction::Ingress => &g.ingress,
            Direction::Egress => &g.egress,
        };
        rules.iter().any(|r| l4_matches(r, packet) && peer_matches(topo, &r.peer, remote, local_vpc, dir))
    })
}

/// The first rule (over `groups`, in order) that admits `packet` in direction `dir`, with
/// its group. `None`: no rule matches, the packet is dropped.
pub fn evaluate<'m>(
    topo: &Topology<'m>,
    groups: &[SgId],
    local_vpc: &VpcId,
    dir: Direction,
    packet: &Packet,
) -> Option<(&'m SgId, &'m SgRule)> {
    let remote = match dir {
        Direction::Ingress => packet.src,
        Direction::Egress => packet.dst,
    };
    for gid in groups {
        let Some(g) = topo.sg(gid.as_str()) else { continue };
        let rules = match dir {
            Direction::Ingress => &g.ingress,
            Direction::Egress => &g.egress,
        };
        if let Some(r) = rules.iter().find(|r| l4_matches(r, packet) && peer_matches(topo, &r.peer, remote, local_vpc, dir)) {
            return Some((&g.id, r));
        }
    }
    None
}
