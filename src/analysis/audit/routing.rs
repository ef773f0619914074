//! `routing-loop` findings: route tables (VPC and transit gateway) that forward a destination
//! around a cycle through peerings and transit gateways, found as strongly connected
//! components by `topology::graph::routing_loops`.

use super::{Finding, FindingKind, Resource, Severity};
use crate::topology::graph::routing_loops;
use crate::topology::Topology;

/// One finding per loop.
pub(super) fn findings(topo: &Topology<'_>) -> Vec<Finding> {
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
