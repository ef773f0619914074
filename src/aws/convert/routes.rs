//! VPC route tables: targets recognised by id prefix, the implicit `local` routes made
//! explicit, associations that are not `associated` dropped.

use super::{Raw, Warnings, dedup, net, tags};
use crate::aws::shapes as aws;
use crate::model::*;

fn route_target(r: &aws::Route) -> Option<RouteTarget> {
    if let Some(g) = r.gateway_id.as_deref() {
        return Some(if g == "local" {
            RouteTarget::Local
        } else if g.starts_with("igw-") {
            RouteTarget::InternetGateway(IgwId(g.into()))
        } else if g.starts_with("vgw-") {
            RouteTarget::VpnGateway(g.into())
        } else if g.starts_with("vpce-") {
            RouteTarget::VpcEndpoint(VpceId(g.into()))
        } else if g.starts_with("eigw-") {
            RouteTarget::EgressOnlyInternetGateway(EigwId(g.into()))
        } else {
            RouteTarget::Other(g.into())
        });
    }
    if let Some(x) = &r.nat_gateway_id {
        return Some(RouteTarget::NatGateway(NatId(x.clone())));
    }
    if let Some(x) = &r.transit_gateway_id {
        return Some(RouteTarget::TransitGateway(TgwId(x.clone())));
    }
    if let Some(x) = &r.vpc_peering_connection_id {
        return Some(RouteTarget::Peering(PcxId(x.clone())));
    }
    if let Some(x) = &r.egress_only_internet_gateway_id {
        return Some(RouteTarget::EgressOnlyInternetGateway(EigwId(x.clone())));
    }
    if let Some(x) = &r.network_interface_id {
        return Some(RouteTarget::Interface(EniId(x.clone())));
    }
    if let Some(x) = &r.instance_id {
        return Some(RouteTarget::Instance(InstanceId(x.clone())));
    }
    r.local_gateway_id
        .as_ref()
        .or(r.carrier_gateway_id.as_ref())
        .or(r.core_network_arn.as_ref())
        .map(|x| RouteTarget::Other(x.clone()))
}

/// Route tables, with the implicit local routes made explicit.
pub(super) fn route_tables(raw: &mut Raw, m: &mut Model, w: &mut Warnings) {
    for t in dedup(std::mem::take(&mut raw.route_tables), |t| t.route_table_id.clone()) {
        let mut routes = Vec::new();
        for r in &t.routes {
            let dest = if let Some(c) = r.destination_cidr_block.as_deref().or(r.destination_ipv6_cidr_block.as_deref()) {
                match net(c) {
                    Some(n) => RouteDest::Cidr(n),
                    None => {
                        w.push(format!("{}: unparseable route destination {c:?} ignored", t.route_table_id));
                        continue;
                    }
                }
            } else if let Some(pl) = &r.destination_prefix_list_id {
                RouteDest::PrefixList(PrefixListId(pl.clone()))
            } else {
                continue;
            };
            let Some(target) = route_target(r) else {
                w.push(format!("{}: route to {dest:?} without a target ignored", t.route_table_id));
                continue;
            };
            let state = if r.state.as_deref() == Some("blackhole") { RouteState::Blackhole } else { RouteState::Active };
            let origin = match r.origin.as_deref() {
                Some("CreateRouteTable") => RouteOrigin::Table,
                Some("EnableVgwRoutePropagation") => RouteOrigin::Propagated,
                _ if target == RouteTarget::Local => RouteOrigin::Table,
                _ => RouteOrigin::Static,
            };
            routes.push(Route { dest, target, state, origin });
        }
        if let Some(vpc) = m.vpcs.iter().find(|v| v.id.0 == t.vpc_id) {
            for c in &vpc.cidrs {
                let has = routes.iter().any(|r| r.target == RouteTarget::Local && r.dest == RouteDest::Cidr(*c));
                if !has {
                    routes.push(Route { dest: RouteDest::Cidr(*c), target: RouteTarget::Local, state: RouteState::Active, origin: RouteOrigin::Table });
                }
            }
        }
        let active = |a: &&aws::RouteTableAssociation| {
            matches!(a.association_state.as_ref().and_then(|s| s.state.as_deref()), None | Some("associated"))
        };
        m.route_tables.push(RouteTable {
            id: RouteTableId(t.route_table_id),
            vpc: VpcId(t.vpc_id),
            main: t.associations.iter().filter(active).any(|a| a.main),
            subnets: t.associations.iter().filter(active).filter_map(|a| a.subnet_id.clone()).map(SubnetId).collect(),
            edge_gateways: t.associations.iter().filter(active).filter_map(|a| a.gateway_id.clone()).collect(),
            routes,
            propagating_vgws: t.propagating_vgws.iter().filter_map(|g| g.gateway_id.clone()).collect(),
            tags: tags(&t.tags),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use super::super::convert_with;
    use serde_json::json;

    #[test]
    fn route_targets_are_recognised_by_their_id() {
        let (m, _) = convert_with(json!({"RouteTables": [{"RouteTableId": "rtb-1", "VpcId": "vpc-1", "Routes": [
            {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"},
            {"DestinationCidrBlock": "10.1.0.0/16", "VpcPeeringConnectionId": "pcx-1"},
            {"DestinationCidrBlock": "10.2.0.0/16", "TransitGatewayId": "tgw-1"},
            {"DestinationCidrBlock": "10.3.0.0/16", "GatewayId": "vgw-1", "Origin": "EnableVgwRoutePropagation"},
            {"DestinationCidrBlock": "10.4.0.0/16", "NatGatewayId": "nat-1", "State": "blackhole"},
            {"DestinationPrefixListId": "pl-1", "GatewayId": "vpce-1"},
            {"DestinationCidrBlock": "10.5.0.0/16", "LocalGatewayId": "lgw-1"}]}]}), &[route_tables]);
        let r = &m.route_tables[0].routes;
        assert_eq!(r[0].target, RouteTarget::InternetGateway(IgwId("igw-1".into())));
        assert_eq!(r[1].target, RouteTarget::Peering(PcxId("pcx-1".into())));
        assert_eq!(r[2].target, RouteTarget::TransitGateway(TgwId("tgw-1".into())));
        assert_eq!((r[3].target.id(), r[3].origin), ("vgw-1", RouteOrigin::Propagated));
        assert_eq!(r[4].state, RouteState::Blackhole);
        assert_eq!(r[5].dest, RouteDest::PrefixList(PrefixListId("pl-1".into())));
        assert_eq!(r[6].target, RouteTarget::Other("lgw-1".into()));
    }

    #[test]
    fn routes_without_a_target_or_with_a_bad_destination_are_warnings() {
        let (m, w) = convert_with(json!({"RouteTables": [{"RouteTableId": "rtb-1", "VpcId": "vpc-1", "Routes": [
            {"DestinationCidrBlock": "10.9.0.0/16"},
            {"DestinationCidrBlock": "300.0.0.0/8", "GatewayId": "igw-1"}]}]}), &[route_tables]);
        assert!(m.route_tables[0].routes.is_empty());
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].contains("without a target"), "{w:?}");
        assert!(w[1].contains("unparseable route destination \"300.0.0.0/8\""), "{w:?}");
    }

    #[test]
    fn only_associated_associations_count() {
        let (m, _) = convert_with(json!({"RouteTables": [{"RouteTableId": "rtb-1", "VpcId": "vpc-1", "Associations": [
            {"Main": true, "AssociationState": {"State": "disassociating"}},
            {"SubnetId": "subnet-1", "AssociationState": {"State": "associated"}},
            {"GatewayId": "igw-1"}]}]}), &[route_tables]);
        let t = &m.route_tables[0];
        assert!(!t.main);
        assert_eq!(t.subnets, [SubnetId("subnet-1".into())]);
        assert_eq!(t.edge_gateways, ["igw-1"]);
    }

    #[test]
    fn implicit_local_route_is_made_explicit() {
        let (m, _) = convert_with(json!({
            "Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}],
            "RouteTables": [{"RouteTableId": "rtb-1", "VpcId": "vpc-1", "Routes": []}]
        }), &[super::super::vpcs::vpcs, route_tables]);
        assert_eq!(m.route_tables[0].routes[0].target, RouteTarget::Local);
    }
}
