//! Internet gateways, egress-only internet gateways and VPC peering connections.

use super::{Raw, Warnings, dedup, net, peering_status, state_ok, tags};
use crate::aws::shapes as aws;
use crate::model::*;
use ipnet::IpNet;

/// Internet and egress-only internet gateways, with the VPCs they are attached to.
pub(super) fn internet_gateways(raw: &mut Raw, m: &mut Model, _w: &mut Warnings) {
    for g in dedup(std::mem::take(&mut raw.igws), |g| g.internet_gateway_id.clone()) {
        m.internet_gateways.push(InternetGateway {
            id: IgwId(g.internet_gateway_id),
            vpcs: g.attachments.iter().filter(|a| state_ok(a.state.as_deref())).filter_map(|a| a.vpc_id.clone()).map(VpcId).collect(),
            tags: tags(&g.tags),
        });
    }
    for g in dedup(std::mem::take(&mut raw.eigws), |g| g.egress_only_internet_gateway_id.clone()) {
        m.egress_only_gateways.push(EgressOnlyGateway {
            id: EigwId(g.egress_only_internet_gateway_id),
            vpcs: g.attachments.iter().filter(|a| state_ok(a.state.as_deref())).filter_map(|a| a.vpc_id.clone()).map(VpcId).collect(),
            tags: tags(&g.tags),
        });
    }
}

/// VPC peering connections, with each side's CIDRs.
pub(super) fn peerings(raw: &mut Raw, m: &mut Model, _w: &mut Warnings) {
    let side = |i: &aws::PeeringVpcInfo| {
        let mut cidrs: Vec<IpNet> = Vec::new();
        for c in i.cidr_block.iter().chain(i.cidr_block_set.iter().filter_map(|c| c.cidr_block.as_ref())) {
            if let Some(n) = net(c) {
                if !cidrs.contains(&n) {
                    cidrs.push(n);
                }
            }
        }
        for c in i.ipv6_cidr_block_set.iter().filter_map(|c| c.ipv6_cidr_block.as_deref()).filter_map(net) {
            if !cidrs.contains(&c) {
                cidrs.push(c);
            }
        }
        PeeringSide { vpc: VpcId(i.vpc_id.clone()), owner: i.owner_id.clone(), region: i.region.clone(), cidrs }
    };
    for p in dedup(std::mem::take(&mut raw.peerings), |p| p.vpc_peering_connection_id.clone()) {
        m.peerings.push(Peering {
            id: PcxId(p.vpc_peering_connection_id.clone()),
            requester: side(&p.requester_vpc_info),
            accepter: side(&p.accepter_vpc_info),
            status: peering_status(p.status.as_ref().and_then(|s| s.code.as_deref())),
            tags: tags(&p.tags),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use super::super::convert_with;
    use serde_json::json;

    #[test]
    fn gateways_attach_only_to_vpcs_whose_attachment_is_in_force() {
        let (m, _) = convert_with(json!({"InternetGateways": [{"InternetGatewayId": "igw-1", "Attachments": [
                {"VpcId": "vpc-1", "State": "available"}, {"VpcId": "vpc-2", "State": "detached"}]}],
            "EgressOnlyInternetGateways": [{"EgressOnlyInternetGatewayId": "eigw-1", "Attachments": [{"VpcId": "vpc-1", "State": "attached"}]}]}),
            &[internet_gateways]);
        assert_eq!(m.internet_gateways[0].vpcs, [VpcId("vpc-1".into())]);
        assert_eq!(m.egress_only_gateways[0].vpcs, [VpcId("vpc-1".into())]);
    }

    #[test]
    fn peering_status_is_typed_and_sides_keep_their_cidrs() {
        let (m, w) = convert_with(json!({"VpcPeeringConnections": [
            {"VpcPeeringConnectionId": "pcx-1", "Status": {"Code": "pending-acceptance"},
             "RequesterVpcInfo": {"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "CidrBlockSet": [{"CidrBlock": "10.0.0.0/16"}, {"CidrBlock": "10.5.0.0/16"}]},
             "AccepterVpcInfo": {"VpcId": "vpc-2", "CidrBlock": "not-a-cidr"}},
            {"VpcPeeringConnectionId": "pcx-2", "RequesterVpcInfo": {"VpcId": "vpc-1"}, "AccepterVpcInfo": {"VpcId": "vpc-3"}}]}), &[peerings]);
        assert_eq!(m.peerings[0].status, PeeringStatus::PendingAcceptance);
        assert!(!m.peerings[0].is_active());
        assert_eq!(m.peerings[0].requester.cidrs.len(), 2);
        assert!(m.peerings[0].accepter.cidrs.is_empty());
        assert!(m.peerings[1].is_active(), "no status: active");
        assert!(w.is_empty(), "{w:?}");
    }
}
