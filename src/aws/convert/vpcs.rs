//! VPCs (with the CIDR blocks associated with them) and subnets.

use super::{Raw, Warnings, dedup, net, tags, v4net, v6net};
use crate::model::*;
use ipnet::IpNet;
use std::collections::HashSet;

/// VPCs with their associated IPv4 and IPv6 CIDR blocks (associations being removed or
/// that failed are not routed).
pub(super) fn vpcs(raw: &mut Raw, m: &mut Model, _w: &mut Warnings) {
    for (v, region) in dedup(std::mem::take(&mut raw.vpcs), |(v, _)| v.vpc_id.clone()) {
        let mut cidrs: Vec<IpNet> = Vec::new();
        let mut add = |n: Option<IpNet>| {
            if let Some(n) = n {
                if !cidrs.contains(&n) {
                    cidrs.push(n);
                }
            }
        };
        add(v.cidr_block.as_deref().and_then(net));
        for a in &v.cidr_block_association_set {
            let st = a.cidr_block_state.as_ref().and_then(|s| s.state.as_deref());
            if matches!(st, None | Some("associated")) {
                add(a.cidr_block.as_deref().and_then(net));
            }
        }
        for a in &v.ipv6_cidr_block_association_set {
            let st = a.ipv6_cidr_block_state.as_ref().and_then(|s| s.state.as_deref());
            if matches!(st, None | Some("associated")) {
                add(a.ipv6_cidr_block.as_deref().and_then(net));
            }
        }
        m.vpcs.push(Vpc { id: VpcId(v.vpc_id), owner: v.owner_id, region, cidrs, tags: tags(&v.tags) });
    }
}

/// Subnets; a subnet of a VPC the snapshot lacks is a warning.
pub(super) fn subnets(raw: &mut Raw, m: &mut Model, w: &mut Warnings) {
    let vpc_ids: HashSet<String> = m.vpcs.iter().map(|v| v.id.0.clone()).collect();
    for s in dedup(std::mem::take(&mut raw.subnets), |s| s.subnet_id.clone()) {
        if !vpc_ids.contains(&s.vpc_id) {
            w.push(format!("{}: VPC {} is not in the snapshot", s.subnet_id, s.vpc_id));
        }
        m.subnets.push(Subnet {
            id: SubnetId(s.subnet_id),
            vpc: VpcId(s.vpc_id),
            az: s.availability_zone.unwrap_or_default(),
            cidr: s.cidr_block.as_deref().and_then(v4net),
            ipv6_cidrs: s.ipv6_cidr_block_association_set.iter().filter_map(|a| a.ipv6_cidr_block.as_deref().and_then(v6net)).collect(),
            owner: s.owner_id,
            tags: tags(&s.tags),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use super::super::convert_with;
    use serde_json::json;

    #[test]
    fn only_associated_vpc_cidr_blocks_are_routed() {
        let (m, w) = convert_with(json!({"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16",
            "CidrBlockAssociationSet": [
                {"CidrBlock": "10.0.0.0/16", "CidrBlockState": {"State": "associated"}},
                {"CidrBlock": "10.1.0.0/16", "CidrBlockState": {"State": "disassociated"}},
                {"CidrBlock": "10.2.0.0/16"}],
            "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2600:1f18::/56", "Ipv6CidrBlockState": {"State": "associated"}}]}]}), &[vpcs]);
        let cidrs: Vec<String> = m.vpcs[0].cidrs.iter().map(ToString::to_string).collect();
        assert_eq!(cidrs, ["10.0.0.0/16", "10.2.0.0/16", "2600:1f18::/56"]);
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn subnet_of_a_vpc_the_snapshot_lacks_is_a_warning() {
        let (m, w) = convert_with(json!({"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-gone", "CidrBlock": "10.0.1.0/24"}]}), &[vpcs, subnets]);
        assert_eq!(m.subnets.len(), 1);
        assert_eq!(w, ["subnet-1: VPC vpc-gone is not in the snapshot"]);
    }

    #[test]
    fn subnet_with_an_unparseable_cidr_has_none() {
        let (m, _) = convert_with(json!({"Vpcs": [{"VpcId": "vpc-1"}],
            "Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/33", "AvailabilityZone": "us-east-1a"}]}), &[vpcs, subnets]);
        assert_eq!(m.subnets[0].cidr, None);
        assert_eq!(m.subnets[0].az, "us-east-1a");
    }
}
