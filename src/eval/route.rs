//! Route lookup: longest prefix match over a VPC or transit gateway route table, with AWS's
//! tie-breaks for equal prefixes (a static or local CIDR route beats a prefix-list route,
//! which beats a propagated route). Prefix-list destinations expand to their entries.
//! IPv4 and IPv6 are independent: a prefix of one family never covers the other.

use crate::model::{Route, RouteDest, RouteOrigin, RouteTable, TgwRoute, TgwRouteTable};
use crate::topology::Topology;
use ipnet::IpNet;
use std::net::IpAddr;

/// The route that won, and the prefix through which it matched (a prefix list's entry for
/// prefix-list routes).
#[derive(Clone, Copy, Debug)]
pub struct Matched<'m, R> {
    /// The route.
    pub route: &'m R,
    /// The matching prefix.
    pub prefix: IpNet,
}

/// Preference among routes of equal prefix length (higher wins).
fn preference(dest: &RouteDest, origin: RouteOrigin) -> u8 {
    match (dest, origin) {
        (_, RouteOrigin::Propagated) => 1,
        (RouteDest::PrefixList(_), _) => 2,
        (RouteDest::Cidr(_), _) => 3,
    }
}

fn best<'m, R>(
    topo: &Topology<'m>,
    routes: &'m [R],
    dst: IpAddr,
    parts: impl Fn(&'m R) -> (&'m RouteDest, RouteOrigin),
) -> Option<Matched<'m, R>> {
    let mut winner: Option<(u8, u8, Matched<'m, R>)> = None;
    for r in routes {
        let (dest, origin) = parts(r);
        let covering: Option<IpNet> = match dest {
            RouteDest::Cidr(c) => c.contains(&dst).then_some(*c),
            RouteDest::PrefixList(p) => {
                topo.prefix_list_cidrs(p).iter().filter(|c| c.contains(&dst)).max_by_key(|c| c.prefix_len()).copied()
            }
        };
        let Some(prefix) = covering else { continue };
        let key = (prefix.prefix_len(), preference(dest, origin));
        if winner.as_ref().is_none_or(|(l, p, _)| key > (*l, *p)) {
            winner = Some((key.0, key.1, Matched { route: r, prefix }));
        }
    }
    winner.map(|(_, _, m)| m)
}

/// Longest-prefix match of `dst` in a VPC route table.
pub fn lookup<'m>(topo: &Topology<'m>, table: &'m RouteTable, dst: IpAddr) -> Option<Matched<'m, Route>> {
    best(topo, &table.routes, dst, |r: &'m Route| (&r.dest, r.origin))
}

/// Longest-prefix match of `dst` in a transit gateway route table.
pub fn lookup_tgw<'m>(topo: &Topology<'m>, table: &'m TgwRouteTable, dst: IpAddr) -> Option<Matched<'m, TgwRoute>> {
    best(topo, &table.routes, dst, |r: &'m TgwRoute| (&r.dest, r.origin))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::{build_model, Document};
    use crate::model::RouteTarget;
    use serde_json::json;

    fn model() -> crate::model::Model {
        let v = json!({
            "Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}],
            "PrefixLists": [{"PrefixListId": "pl-s3", "PrefixListName": "com.amazonaws.us-east-1.s3", "Cidrs": ["52.216.0.0/15"]}],
            "RouteTables": [{"RouteTableId": "rtb-1", "VpcId": "vpc-1", "Routes": [
                {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"},
                {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1", "Origin": "CreateRoute", "State": "active"},
                {"DestinationCidrBlock": "10.0.9.0/24", "NetworkInterfaceId": "eni-fw", "Origin": "CreateRoute", "State": "active"},
                {"DestinationCidrBlock": "192.168.0.0/16", "GatewayId": "vgw-1", "Origin": "EnableVgwRoutePropagation", "State": "active"},
                {"DestinationCidrBlock": "192.168.0.0/16", "TransitGatewayId": "tgw-1", "Origin": "CreateRoute", "State": "active"},
                {"DestinationPrefixListId": "pl-s3", "GatewayId": "vpce-1", "Origin": "CreateRoute", "State": "active"},
                {"DestinationCidrBlock": "172.16.0.0/12", "VpcPeeringConnectionId": "pcx-gone", "Origin": "CreateRoute", "State": "blackhole"}
            ]}]
        });
        build_model(&[Document { origin: "t".into(), region: None, value: v }]).unwrap().0
    }

    fn target(dst: &str) -> Option<String> {
        let m = model();
        let t = Topology::new(&m);
        lookup(&t, &m.route_tables[0], dst.parse().unwrap()).map(|x| x.route.target.id().to_string())
    }

    #[test]
    fn route_longest_prefix_wins() {
        assert_eq!(target("10.0.1.5").as_deref(), Some("local"));
        assert_eq!(target("8.8.8.8").as_deref(), Some("nat-1"));
    }

    #[test]
    fn route_more_specific_than_local_steers_to_appliance() {
        assert_eq!(target("10.0.9.7").as_deref(), Some("eni-fw"));
    }

    #[test]
    fn route_static_beats_propagated_for_equal_prefix() {
        assert_eq!(target("192.168.3.3").as_deref(), Some("tgw-1"));
    }

    #[test]
    fn route_prefix_list_destination_expands_to_entries() {
        assert_eq!(target("52.217.1.1").as_deref(), Some("vpce-1"));
    }

    #[test]
    fn route_blackhole_is_still_selected_by_prefix() {
        let m = model();
        let t = Topology::new(&m);
        let hit = lookup(&t, &m.route_tables[0], "172.16.0.1".parse().unwrap()).unwrap();
        assert_eq!(hit.route.state, crate::model::RouteState::Blackhole);
        assert_eq!(hit.route.target, RouteTarget::Peering("pcx-gone".into()));
    }

    #[test]
    fn route_ipv4_prefix_never_covers_ipv6() {
        assert_eq!(target("2600::1"), None);
    }
}
