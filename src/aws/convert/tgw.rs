//! Transit gateways: the gateways, their attachments (merged from the generic, VPC and
//! peering attachment documents, each keyed by id and gateway), and their route tables
//! (static and searched routes, propagations made into routes).

use super::{Raw, Warnings, dedup, external_attachment_kind, lifecycle, net, state_ok, tags};
use crate::model::*;
use std::collections::{BTreeMap, HashSet};

/// Transit gateways.
pub(super) fn transit_gateways(raw: &mut Raw, m: &mut Model, _w: &mut Warnings) {
    for t in dedup(std::mem::take(&mut raw.tgws), |t| t.transit_gateway_id.clone()) {
        m.transit_gateways.push(TransitGateway {
            id: TgwId(t.transit_gateway_id),
            owner: t.owner_id,
            state: lifecycle(t.state.as_deref()),
            sg_referencing: t.options.as_ref().and_then(|o| o.security_group_referencing_support.as_deref()) == Some("enable"),
            tags: tags(&t.tags),
        });
    }
}

/// Transit gateway attachments, with their route table associations.
pub(super) fn tgw_attachments(raw: &mut Raw, m: &mut Model, _w: &mut Warnings) {
    let mut atts: BTreeMap<String, TgwAttachment> = BTreeMap::new();
    for a in &raw.tgw_atts {
        let kind = match a.resource_type.as_deref() {
            Some("vpc") => TgwAttachmentKind::Vpc { vpc: VpcId(a.resource_id.clone().unwrap_or_default()), subnets: vec![], appliance_mode: false, sg_referencing: true },
            Some("peering") => TgwAttachmentKind::Peering { peer_tgw: a.resource_id.clone().filter(|r| r.starts_with("tgw-")).map(TgwId) },
            other => TgwAttachmentKind::External {
                resource_type: external_attachment_kind(other.unwrap_or("unknown")),
                resource_id: a.resource_id.clone().unwrap_or_default(),
            },
        };
        let route_table = a
            .association
            .as_ref()
            .filter(|x| state_ok(x.state.as_deref()))
            .and_then(|x| x.transit_gateway_route_table_id.clone())
            .map(TgwRouteTableId);
        // A peering attachment appears in both accounts with the same id and each side's
        // own transit gateway: key by both so each side keeps its association.
        let key = format!("{}/{}", a.transit_gateway_attachment_id, a.transit_gateway_id);
        let entry = atts.entry(key).or_insert_with(|| TgwAttachment {
            id: TgwAttachmentId(a.transit_gateway_attachment_id.clone()),
            tgw: TgwId(a.transit_gateway_id.clone()),
            kind,
            state: lifecycle(a.state.as_deref()),
            route_table: None,
            tags: tags(&a.tags),
        });
        if entry.route_table.is_none() {
            entry.route_table = route_table;
        }
    }
    for a in &raw.tgw_vpc_atts {
        let key = format!("{}/{}", a.transit_gateway_attachment_id, a.transit_gateway_id);
        let entry = atts.entry(key).or_insert_with(|| TgwAttachment {
            id: TgwAttachmentId(a.transit_gateway_attachment_id.clone()),
            tgw: TgwId(a.transit_gateway_id.clone()),
            kind: TgwAttachmentKind::Vpc { vpc: VpcId(a.vpc_id.clone()), subnets: vec![], appliance_mode: false, sg_referencing: true },
            state: lifecycle(a.state.as_deref()),
            route_table: None,
            tags: tags(&a.tags),
        });
        if let TgwAttachmentKind::Vpc { subnets, appliance_mode, sg_referencing, .. } = &mut entry.kind {
            if a.options.as_ref().and_then(|o| o.appliance_mode_support.as_deref()) == Some("enable") {
                *appliance_mode = true;
            }
            if a.options.as_ref().and_then(|o| o.security_group_referencing_support.as_deref()) == Some("disable") {
                *sg_referencing = false;
            }
            for s in &a.subnet_ids {
                if !subnets.iter().any(|x| x.0 == *s) {
                    subnets.push(SubnetId(s.clone()));
                }
            }
        }
    }
    for a in &raw.tgw_peering_atts {
        for entry in atts.values_mut().filter(|x| x.id.0 == a.transit_gateway_attachment_id) {
            let mine = entry.tgw.0.clone();
            let peer = [&a.requester_tgw_info, &a.accepter_tgw_info]
                .into_iter()
                .flatten()
                .filter_map(|i| i.transit_gateway_id.clone())
                .find(|t| *t != mine);
            if let TgwAttachmentKind::Peering { peer_tgw } = &mut entry.kind {
                if peer.is_some() {
                    *peer_tgw = peer.map(TgwId);
                }
            }
        }
    }
    for set in &raw.tgw_assocs {
        let Some(rt) = &set.transit_gateway_route_table_id else { continue };
        for a in &set.associations {
            let Some(att_id) = &a.transit_gateway_attachment_id else { continue };
            let rt_tgw = raw.tgw_rts.iter().find(|r| &r.transit_gateway_route_table_id == rt).map(|r| r.transit_gateway_id.as_str());
            for att in atts.values_mut().filter(|x| &x.id.0 == att_id && rt_tgw.is_none_or(|t| t == x.tgw.0)) {
                if att.route_table.is_none() && state_ok(a.state.as_deref()) {
                    att.route_table = Some(TgwRouteTableId(rt.clone()));
                }
            }
        }
    }
    m.tgw_attachments = atts.into_values().collect();
}

/// Transit gateway route tables with their routes; propagations become routes to each
/// propagating VPC's CIDRs.
pub(super) fn tgw_route_tables(raw: &mut Raw, m: &mut Model, w: &mut Warnings) {
    let mut tgw_rts: BTreeMap<String, TgwRouteTable> = BTreeMap::new();
    for r in &raw.tgw_rts {
        tgw_rts.entry(r.transit_gateway_route_table_id.clone()).or_insert_with(|| TgwRouteTable {
            id: TgwRouteTableId(r.transit_gateway_route_table_id.clone()),
            tgw: TgwId(r.transit_gateway_id.clone()),
            state: lifecycle(r.state.as_deref()),
            routes: vec![],
            propagations: vec![],
            bgp_routes_captured: false,
            tags: tags(&r.tags),
        });
    }
    let mut route_keys: HashSet<(String, String, Vec<String>)> = HashSet::new();
    for set in &raw.tgw_routes {
        let Some(id) = &set.transit_gateway_route_table_id else { continue };
        let Some(rt) = tgw_rts.get_mut(id) else {
            w.push(format!("transit gateway routes for {id}, which is not in the snapshot; ignored"));
            continue;
        };
        if set.with_propagated {
            rt.bgp_routes_captured = true;
        }
        for r in &set.routes {
            let dest = match (r.destination_cidr_block.as_deref().and_then(net), &r.prefix_list_id) {
                (Some(n), _) => RouteDest::Cidr(n),
                (None, Some(pl)) => RouteDest::PrefixList(PrefixListId(pl.clone())),
                (None, None) => continue,
            };
            let attachments: Vec<TgwAttachmentId> =
                r.transit_gateway_attachments.iter().filter_map(|a| a.transit_gateway_attachment_id.clone()).map(TgwAttachmentId).collect();
            let key = (id.clone(), format!("{dest:?}"), attachments.iter().map(|a| a.0.clone()).collect());
            if !route_keys.insert(key) {
                continue;
            }
            let blackhole = r.state.as_deref() == Some("blackhole");
            if attachments.is_empty() && !blackhole {
                // AWS always names the attachment of an active route; moto's
                // SearchTransitGatewayRoutes leaves the list empty.
                w.push(format!("{id}: route to {} names no attachment; treated as a blackhole", route_dest_text(&dest)));
            }
            rt.routes.push(TgwRoute {
                dest,
                attachments,
                origin: if r.r#type.as_deref() == Some("propagated") { RouteOrigin::Propagated } else { RouteOrigin::Static },
                state: if blackhole { RouteState::Blackhole } else { RouteState::Active },
            });
        }
    }
    // Propagations become routes to each propagating VPC's CIDRs.
    for set in &raw.tgw_props {
        let Some(id) = &set.transit_gateway_route_table_id else { continue };
        let Some(rt) = tgw_rts.get_mut(id) else { continue };
        for p in &set.transit_gateway_route_table_propagations {
            if !state_ok(p.state.as_deref()) {
                continue;
            }
            let Some(att) = &p.transit_gateway_attachment_id else { continue };
            let att_id = TgwAttachmentId(att.clone());
            if !rt.propagations.contains(&att_id) {
                rt.propagations.push(att_id.clone());
            }
            let vpc = match m.tgw_attachments.iter().find(|a| a.id == att_id).map(|a| &a.kind) {
                Some(TgwAttachmentKind::Vpc { vpc, .. }) => Some(vpc.clone()),
                _ if p.resource_type.as_deref() == Some("vpc") => p.resource_id.clone().map(VpcId),
                _ => None,
            };
            let Some(vpc) = vpc else { continue };
            let Some(v) = m.vpcs.iter().find(|v| v.id == vpc) else {
                w.push(format!("{id}: propagation from {vpc}, whose CIDRs are not in the snapshot"));
                continue;
            };
            for c in &v.cidrs {
                let key = (id.clone(), format!("{:?}", RouteDest::Cidr(*c)), vec![att.clone()]);
                if route_keys.insert(key) {
                    rt.routes.push(TgwRoute {
                        dest: RouteDest::Cidr(*c),
                        attachments: vec![att_id.clone()],
                        origin: RouteOrigin::Propagated,
                        state: RouteState::Active,
                    });
                }
            }
        }
    }
    m.tgw_route_tables = tgw_rts.into_values().collect();
}

fn route_dest_text(dest: &RouteDest) -> String {
    match dest {
        RouteDest::Cidr(n) => n.to_string(),
        RouteDest::PrefixList(p) => p.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use super::super::convert_with;
    use serde_json::json;

    #[test]
    fn attachments_are_merged_from_their_three_documents() {
        let (m, w) = convert_with(json!({
            "TransitGatewayAttachments": [
                {"TransitGatewayAttachmentId": "tgw-attach-1", "TransitGatewayId": "tgw-1", "ResourceType": "vpc", "ResourceId": "vpc-1",
                 "Association": {"TransitGatewayRouteTableId": "tgw-rtb-1", "State": "associated"}},
                {"TransitGatewayAttachmentId": "tgw-attach-2", "TransitGatewayId": "tgw-1", "ResourceType": "vpn", "ResourceId": "vpn-1", "State": "pendingAcceptance"},
                {"TransitGatewayAttachmentId": "tgw-attach-3", "TransitGatewayId": "tgw-1", "ResourceType": "connect", "ResourceId": "x"}],
            "TransitGatewayVpcAttachments": [{"TransitGatewayAttachmentId": "tgw-attach-1", "TransitGatewayId": "tgw-1", "VpcId": "vpc-1",
                "SubnetIds": ["subnet-1", "subnet-1"], "Options": {"ApplianceModeSupport": "enable"}}]}), &[tgw_attachments]);
        assert!(w.is_empty(), "{w:?}");
        let a = &m.tgw_attachments[0];
        assert_eq!(a.route_table, Some(TgwRouteTableId("tgw-rtb-1".into())));
        match &a.kind {
            TgwAttachmentKind::Vpc { subnets, appliance_mode, .. } => assert_eq!((subnets.len(), *appliance_mode), (1, true)),
            k => panic!("{k:?}"),
        }
        assert!(matches!(&m.tgw_attachments[1].kind, TgwAttachmentKind::External { resource_type: ExternalAttachmentKind::Vpn, .. }));
        assert_eq!(m.tgw_attachments[1].state, LifecycleState::PendingAcceptance);
        assert!(matches!(&m.tgw_attachments[2].kind, TgwAttachmentKind::External { resource_type: ExternalAttachmentKind::Connect, .. }));
    }

    #[test]
    fn propagation_becomes_a_route_to_each_vpc_cidr() {
        let (m, w) = convert_with(json!({"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}],
            "TransitGatewayVpcAttachments": [{"TransitGatewayAttachmentId": "tgw-attach-1", "TransitGatewayId": "tgw-1", "VpcId": "vpc-1"}],
            "TransitGatewayRouteTables": [{"TransitGatewayRouteTableId": "tgw-rtb-1", "TransitGatewayId": "tgw-1"}],
            "TransitGatewayPropagations": [{"TransitGatewayRouteTableId": "tgw-rtb-1", "TransitGatewayRouteTablePropagations": [
                {"TransitGatewayAttachmentId": "tgw-attach-1", "State": "enabled"},
                {"TransitGatewayAttachmentId": "tgw-attach-9", "ResourceType": "vpc", "ResourceId": "vpc-9", "State": "enabled"}]}]}),
            &[super::super::vpcs::vpcs, tgw_attachments, tgw_route_tables]);
        let rt = &m.tgw_route_tables[0];
        assert_eq!(rt.routes.len(), 1);
        assert_eq!((rt.routes[0].origin, rt.routes[0].attachments[0].as_str()), (RouteOrigin::Propagated, "tgw-attach-1"));
        assert_eq!(w, ["tgw-rtb-1: propagation from vpc-9, whose CIDRs are not in the snapshot"]);
    }

    #[test]
    fn routes_of_a_table_the_snapshot_lacks_are_a_warning() {
        let (m, w) = convert_with(json!({"TransitGatewayStaticRoutes": [{"TransitGatewayRouteTableId": "tgw-rtb-9", "Routes": [{"DestinationCidrBlock": "10.0.0.0/8"}]}]}),
            &[tgw_route_tables]);
        assert!(m.tgw_route_tables.is_empty());
        assert_eq!(w, ["transit gateway routes for tgw-rtb-9, which is not in the snapshot; ignored"]);
    }

    #[test]
    fn transit_gateway_state_and_referencing_are_read() {
        let (m, _) = convert_with(json!({"TransitGateways": [{"TransitGatewayId": "tgw-1", "State": "modifying", "Options": {"SecurityGroupReferencingSupport": "enable"}}]}),
            &[transit_gateways]);
        assert_eq!(m.transit_gateways[0].state, LifecycleState::Modifying);
        assert!(m.transit_gateways[0].sg_referencing);
    }

    #[test]
    fn tgw_active_route_without_attachment_is_a_warned_blackhole() {
        // moto's SearchTransitGatewayRoutes returns static routes with no attachments.
        let (m, w) = convert_with(json!({
            "TransitGatewayRouteTables": [{"TransitGatewayRouteTableId": "tgw-rtb-1", "TransitGatewayId": "tgw-1"}],
            "TransitGatewayStaticRoutes": [{"TransitGatewayRouteTableId": "tgw-rtb-1", "Routes": [
                {"DestinationCidrBlock": "10.40.0.0/16", "TransitGatewayAttachments": [], "Type": "static", "State": "active"},
                {"DestinationCidrBlock": "10.99.0.0/16", "Type": "static", "State": "blackhole"}]}]
        }), &[tgw_route_tables]);
        assert_eq!(m.tgw_route_tables[0].routes.len(), 2);
        let all: Vec<&str> = w.iter().map(String::as_str).collect();
        assert!(all.contains(&"tgw-rtb-1: route to 10.40.0.0/16 names no attachment; treated as a blackhole"), "{all:?}");
        assert!(!all.iter().any(|x| x.contains("10.99.0.0/16")), "{all:?}");
    }
}
