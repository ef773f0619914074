//! The hybrid side: virtual private gateways, Site-to-Site VPN connections (with tunnel
//! telemetry), Direct Connect gateways with their associations, and virtual interfaces.

use super::{Raw, Warnings, dedup, gateway_state, ip, net, state_ok, tags, vif_kind};
use crate::model::*;

/// Virtual private gateways, VPN connections, Direct Connect gateways and virtual interfaces.
pub(super) fn hybrid(raw: &mut Raw, m: &mut Model, w: &mut Warnings) {
    for g in dedup(std::mem::take(&mut raw.vgws), |g| g.vpn_gateway_id.clone()) {
        m.vpn_gateways.push(VpnGateway {
            id: g.vpn_gateway_id,
            state: gateway_state(g.state.as_deref()),
            vpcs: g.vpc_attachments.iter().filter(|a| state_ok(a.state.as_deref())).filter_map(|a| a.vpc_id.clone()).map(VpcId).collect(),
            tags: tags(&g.tags),
        });
    }
    for c in dedup(std::mem::take(&mut raw.vpns), |c| c.vpn_connection_id.clone()) {
        let static_routes = c
            .routes
            .iter()
            .filter(|r| !matches!(r.state.as_deref(), Some("deleted" | "deleting")))
            .filter_map(|r| r.destination_cidr_block.as_deref().and_then(net))
            .collect();
        m.vpn_connections.push(VpnConnection {
            id: c.vpn_connection_id,
            state: gateway_state(c.state.as_deref()),
            vgw: c.vpn_gateway_id,
            tgw: c.transit_gateway_id.map(TgwId),
            customer_gateway: c.customer_gateway_id,
            static_routes,
            static_only: c.options.as_ref().and_then(|o| o.static_routes_only).unwrap_or(false),
            tunnels: c
                .vgw_telemetry
                .iter()
                .map(|t| VpnTunnel { outside_ip: t.outside_ip_address.as_deref().and_then(ip), up: t.status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("up")) })
                .collect(),
            tags: tags(&c.tags),
        });
    }
    for v in dedup(std::mem::take(&mut raw.vifs), |v| v.virtual_interface_id.clone()) {
        m.virtual_interfaces.push(VirtualInterface {
            id: v.virtual_interface_id,
            name: v.virtual_interface_name.unwrap_or_default(),
            kind: v.virtual_interface_type.as_deref().map(vif_kind),
            state: gateway_state(v.virtual_interface_state.as_deref()),
            vgw: v.virtual_gateway_id.filter(|s| !s.is_empty()),
            dx_gateway: v.direct_connect_gateway_id.filter(|s| !s.is_empty()),
        });
    }
    for g in dedup(std::mem::take(&mut raw.dxgws), |g| g.direct_connect_gateway_id.clone()) {
        m.dx_gateways.push(DxGateway {
            id: g.direct_connect_gateway_id,
            name: g.direct_connect_gateway_name.unwrap_or_default(),
            state: gateway_state(g.direct_connect_gateway_state.as_deref()),
            associated: Vec::new(),
        });
    }
    for a in std::mem::take(&mut raw.dxgw_assocs) {
        if !state_ok(a.association_state.as_deref()) {
            continue;
        }
        let Some(dx) = a.direct_connect_gateway_id else { continue };
        let Some(gw) = a.associated_gateway.and_then(|g| g.id).or(a.virtual_gateway_id) else { continue };
        match m.dx_gateways.iter_mut().find(|g| g.id == dx) {
            Some(g) if !g.associated.contains(&gw) => g.associated.push(gw),
            Some(_) => {}
            None => w.push(format!("Direct Connect gateway association of {dx}, which is not in the snapshot; ignored")),
        }
    }
    for c in &m.vpn_connections {
        if let Some(g) = &c.vgw {
            if !m.vpn_gateways.iter().any(|x| &x.id == g) && c.state.is_available() {
                w.push(format!("{}: virtual private gateway {g} is not in the snapshot", c.id));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use super::super::convert_with;
    use serde_json::json;

    #[test]
    fn vpn_tunnels_and_states_are_read() {
        let (m, w) = convert_with(json!({"VpnConnections": [{"VpnConnectionId": "vpn-1", "State": "available", "VpnGatewayId": "vgw-gone",
            "Routes": [{"DestinationCidrBlock": "192.168.0.0/16", "State": "available"}, {"DestinationCidrBlock": "172.16.0.0/12", "State": "deleted"}],
            "VgwTelemetry": [{"OutsideIpAddress": "52.0.0.1", "Status": "DOWN"}, {"OutsideIpAddress": "52.0.0.2", "Status": "UP"}]}]}), &[hybrid]);
        let c = &m.vpn_connections[0];
        assert_eq!(c.static_routes.len(), 1);
        assert_eq!(c.tunnels_up(), Some(true));
        assert_eq!(w, ["vpn-1: virtual private gateway vgw-gone is not in the snapshot"]);
    }

    #[test]
    fn virtual_interfaces_and_direct_connect_associations_are_read() {
        let (m, w) = convert_with(json!({
            "virtualInterfaces": [{"virtualInterfaceId": "dxvif-1", "virtualInterfaceType": "transit", "virtualInterfaceState": "down", "directConnectGatewayId": "dx-1"}],
            "directConnectGateways": [{"directConnectGatewayId": "dx-1", "directConnectGatewayState": "available"}],
            "directConnectGatewayAssociations": [
                {"directConnectGatewayId": "dx-1", "associatedGateway": {"id": "tgw-1"}, "associationState": "associated"},
                {"directConnectGatewayId": "dx-9", "virtualGatewayId": "vgw-1", "associationState": "associated"},
                {"directConnectGatewayId": "dx-1", "virtualGatewayId": "vgw-2", "associationState": "disassociated"}]}), &[hybrid]);
        assert_eq!(m.virtual_interfaces[0].kind, Some(VifKind::Transit));
        assert_eq!(m.virtual_interfaces[0].state, GatewayState::Down);
        assert_eq!(m.dx_gateways[0].associated, ["tgw-1"]);
        assert_eq!(w, ["Direct Connect gateway association of dx-9, which is not in the snapshot; ignored"]);
    }
}
