//! Services in VPCs and records about them: VPC endpoints, RDS databases, flow log
//! configurations.

use super::{Raw, Warnings, dedup, lifecycle, port, tags};
use crate::model::*;

/// VPC endpoints.
pub(super) fn vpc_endpoints(raw: &mut Raw, m: &mut Model, _w: &mut Warnings) {
    for e in dedup(std::mem::take(&mut raw.vpces), |e| e.vpc_endpoint_id.clone()) {
        let kind = match e.vpc_endpoint_type.as_deref() {
            Some("Gateway") => VpceKind::Gateway,
            Some("GatewayLoadBalancer") => VpceKind::GatewayLoadBalancer,
            _ => VpceKind::Interface,
        };
        m.vpc_endpoints.push(VpcEndpoint {
            id: VpceId(e.vpc_endpoint_id),
            vpc: VpcId(e.vpc_id),
            kind,
            service: e.service_name.unwrap_or_default(),
            state: lifecycle(e.state.as_deref()),
            enis: e.network_interface_ids.into_iter().map(EniId).collect(),
            tags: tags(&e.tags),
        });
    }
}

/// RDS DB instances.
pub(super) fn databases(raw: &mut Raw, m: &mut Model, _w: &mut Warnings) {
    for d in dedup(std::mem::take(&mut raw.dbs), |d| d.identifier.clone()) {
        let group = d.subnet_group.unwrap_or_default();
        m.db_instances.push(DbInstance {
            id: DbId(d.identifier),
            engine: d.engine.unwrap_or_default(),
            port: port(d.endpoint.as_ref().and_then(|e| e.port).or(d.db_instance_port).filter(|p| *p > 0)),
            vpc: group.vpc_id.map(VpcId),
            subnets: group.subnets.into_iter().filter_map(|s| s.subnet_identifier).map(SubnetId).collect(),
            security_groups: d.vpc_security_groups.into_iter().filter_map(|g| g.vpc_security_group_id).map(SgId).collect(),
            publicly_accessible: d.publicly_accessible,
            endpoint: d.endpoint.and_then(|e| e.address),
            tags: tags(&d.tag_list),
        });
    }
}

/// Flow log configurations.
pub(super) fn flow_logs(raw: &mut Raw, m: &mut Model, _w: &mut Warnings) {
    for f in dedup(std::mem::take(&mut raw.flow_logs), |f| f.flow_log_id.clone()) {
        m.flow_logs.push(FlowLogConfig {
            id: f.flow_log_id,
            resource: f.resource_id.unwrap_or_default(),
            traffic_type: f.traffic_type.unwrap_or_else(|| "ALL".into()),
            log_format: f.log_format,
        });
    }
}


#[cfg(test)]
mod tests {
    use super::*;
    use super::super::convert_with;
    use serde_json::json;

    #[test]
    fn endpoint_kind_and_state_are_typed() {
        let (m, _) = convert_with(json!({"VpcEndpoints": [
            {"VpcEndpointId": "vpce-1", "VpcId": "vpc-1", "VpcEndpointType": "Gateway", "ServiceName": "com.amazonaws.us-east-1.s3"},
            {"VpcEndpointId": "vpce-2", "VpcId": "vpc-1", "VpcEndpointType": "GatewayLoadBalancer", "State": "rejected"},
            {"VpcEndpointId": "vpce-3", "VpcId": "vpc-1", "NetworkInterfaceIds": ["eni-1"]}]}), &[vpc_endpoints]);
        let e = &m.vpc_endpoints;
        assert_eq!((e[0].kind, &e[0].state), (VpceKind::Gateway, &LifecycleState::Available));
        assert_eq!((e[1].kind, &e[1].state), (VpceKind::GatewayLoadBalancer, &LifecycleState::Rejected));
        assert_eq!((e[2].kind, e[2].enis.len()), (VpceKind::Interface, 1));
    }

    #[test]
    fn database_port_comes_from_its_endpoint_and_a_zero_port_is_none() {
        let (m, _) = convert_with(json!({"DBInstances": [
            {"DBInstanceIdentifier": "orders", "Endpoint": {"Address": "orders.x.rds.amazonaws.com", "Port": 5432}},
            {"DBInstanceIdentifier": "other", "DbInstancePort": 0}]}), &[databases]);
        assert_eq!(m.db_instances[0].port, Some(5432));
        assert_eq!(m.db_instances[1].port, None);
    }

    #[test]
    fn flow_logs_default_to_all_traffic() {
        let (m, _) = convert_with(json!({"FlowLogs": [{"FlowLogId": "fl-1", "ResourceId": "vpc-1"}]}), &[flow_logs]);
        assert_eq!(m.flow_logs[0].traffic_type, "ALL");
    }
}
