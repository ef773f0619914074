//! Routing findings. `routing-loop`: route tables (VPC and transit gateway) that forward a
//! destination around a cycle through peerings and transit gateways, found as strongly
//! connected components by `topology::graph::routing_loops`. `unreachable-subnet`: a subnet
//! that routes to another VPC whose subnets route nothing back to it
//! (`topology::graph::unrouted_subnets`).

use super::{Finding, FindingKind, Resource, Severity};
use crate::topology::graph::{routing_loops, unrouted_subnets};
use crate::topology::Topology;

/// One finding per loop, and one per subnet and other VPC it routes to one way.
pub(super) fn findings(topo: &Topology<'_>) -> Vec<Finding> {
    let mut out = loops(topo);
    out.extend(one_way(topo));
    out
}

fn one_way(topo: &Topology<'_>) -> Vec<Finding> {
    unrouted_subnets(topo)
        .into_iter()
        .map(|u| {
            let mut resource = Resource::new(u.subnet.as_str(), topo.name_of(u.subnet.as_str()), "subnet");
            resource.vpc = Some(u.vpc.clone());
            resource.subnet = Some(u.subnet.clone());
            let n = u.unrouted.len();
            let evidence = std::iter::once(format!("{}: {} routes {} through {}", u.subnet, u.route_table, u.other_vpc, u.via))
                .chain(u.unrouted.iter().map(|(s, rt, back)| format!("{s}: {rt} sends {} to {back}", u.subnet)))
                .collect();
            let (first_subnet, first_rt) = u.unrouted.first().map(|(s, rt, _)| (s.as_str(), rt.as_str())).unwrap_or(("", ""));
            Finding {
                kind: FindingKind::UnreachableSubnet,
                severity: Severity::Medium,
                title: format!("{} routes to {} through {}, but {n} subnet(s) there have no route back", u.subnet, u.other_vpc, u.via),
                resource,
                port: None,
                protocol: None,
                sources: Vec::new(),
                path: None,
                evidence,
                closed_by: None,
                fix: None,
                explanation: format!(
                    "{} sends traffic for {} through {}, but the route tables of {n} subnet(s) with interfaces there send {}'s addresses elsewhere: requests arrive, replies (and connections opened from that side) never reach {}. Add a route for {}'s CIDR through {} to {first_rt} (the table of {first_subnet}) and to the other tables named in the evidence, or remove the one-way route.",
                    u.subnet, u.other_vpc, u.via, u.subnet, u.subnet, u.subnet, u.via
                ),
                traffic: None,
            }
        })
        .collect()
}

fn loops(topo: &Topology<'_>) -> Vec<Finding> {
    routing_loops(topo)
        .into_iter()
        .map(|l| {
            let first = l.tables.first().cloned().unwrap_or_default();
            let kind = if first.starts_with("tgw-rtb-") { "transit-gateway-route-table" } else { "route-table" };
            Finding {
                kind: FindingKind::RoutingLoop,
                severity: Severity::Medium,
                title: format!("traffic to {} loops between {} route tables", l.destination, l.tables.len()),
                resource: Resource::new(first.as_str(), None, kind),
                port: None,
                protocol: None,
                sources: Vec::new(),
                path: None,
                evidence: l.tables.iter().map(|t| format!("on the loop: {t}")).collect(),
                closed_by: None,
                fix: None,
                explanation: format!(
                    "Each of {} forwards {} to the next through a peering or transit gateway and none delivers it: packets circle until their TTL runs out. Point one of these routes at the destination's network.",
                    l.tables.join(", "),
                    l.destination
                ),
                traffic: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    fn hub() -> Model {
        crate::source::snapshot::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/snapshots/hub")).unwrap().model
    }

    #[test]
    fn unreachable_subnet_peering_routed_one_way_is_a_finding_per_subnet_and_vpc() {
        // UNREACHABLE_SUBNET: both sides of an active peering route to each other; removing
        // one side's routes back leaves the other side's subnets routing one way.
        let mut m = hub();
        let before = one_way(&Topology::new(&m));
        assert!(before.is_empty(), "{:?}", before.iter().map(|f| &f.title).collect::<Vec<_>>());
        let pcx = m.peerings.iter().find(|p| p.is_active()).expect("an active peering").clone();
        let back_vpc = pcx.accepter.vpc.clone();
        let routed_vpc = pcx.requester.vpc.clone();
        for rt in m.route_tables.iter_mut().filter(|r| r.vpc == back_vpc) {
            rt.routes.retain(|r| !matches!(&r.target, RouteTarget::Peering(p) if p == &pcx.id));
        }
        let f = one_way(&Topology::new(&m));
        assert!(!f.is_empty());
        for x in &f {
            assert_eq!(x.kind, FindingKind::UnreachableSubnet);
            assert_eq!(x.resource.vpc.as_ref(), Some(&routed_vpc.to_string()));
            assert!(x.title.contains(back_vpc.as_str()) && x.title.contains(pcx.id.as_str()), "{}", x.title);
            assert!(x.evidence.len() >= 2, "{:?}", x.evidence);
        }
        // The sample as captured has none through the audit either.
        assert!(findings(&Topology::new(&hub())).iter().all(|f| f.kind != FindingKind::UnreachableSubnet));
    }

    #[test]
    fn routing_loop_peered_vpcs_routing_a_prefix_at_each_other_is_a_finding() {
        let mut m = crate::source::snapshot::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/snapshots/hub")).unwrap().model;
        assert!(findings(&Topology::new(&m)).is_empty());
        let pcx = m.peerings[0].clone();
        for rt in m.route_tables.iter_mut().filter(|r| r.vpc == pcx.requester.vpc || r.vpc == pcx.accepter.vpc) {
            rt.routes.push(Route { dest: RouteDest::Cidr("10.99.0.0/16".parse().unwrap()), target: RouteTarget::Peering(pcx.id.clone()), state: RouteState::Active, origin: RouteOrigin::Static });
        }
        let f = findings(&Topology::new(&m));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, FindingKind::RoutingLoop);
        assert!(f[0].title.starts_with("traffic to 10.99.0.0 loops"), "{}", f[0].title);
    }
}
