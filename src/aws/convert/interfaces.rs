//! Interfaces and what owns them: the `NetworkInterfaces` document, interfaces only embedded
//! in instances, NAT gateways (and their interfaces when the snapshot does not list them),
//! Elastic IPs, and the kind of each interface from its type, owner and description.

use super::{Raw, Warnings, dedup, instance_state, ip, lifecycle, net, tags};
use crate::aws::shapes as aws;
use crate::model::*;
use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};

fn classify_eni(e: &aws::NetworkInterface) -> EniKind {
    let desc = e.description.as_deref().unwrap_or("");
    let owner = e
        .attachment
        .as_ref()
        .and_then(|a| a.instance_owner_id.as_deref())
        .or(e.requester_id.as_deref())
        .unwrap_or("");
    match e.interface_type.as_deref().unwrap_or("interface") {
        "natGateway" | "nat_gateway" => return EniKind::NatGateway,
        "vpc_endpoint" | "gateway_load_balancer_endpoint" => return EniKind::VpcEndpoint,
        "network_load_balancer" | "load_balancer" | "gateway_load_balancer" => return EniKind::LoadBalancer,
        "transit_gateway" => return EniKind::TransitGateway,
        "lambda" => return EniKind::Lambda,
        "interface" | "efa" | "efa-only" | "trunk" | "branch" => {}
        other if !other.is_empty() => return EniKind::Other(other.to_string()),
        _ => {}
    }
    if desc.starts_with("RDSNetworkInterface") || owner == "amazon-rds" {
        EniKind::Rds
    } else if owner == "amazon-elasticache" || desc.contains("ElastiCache") {
        EniKind::ElastiCache
    } else if owner == "amazon-redshift" || desc.contains("Redshift") {
        EniKind::Redshift
    } else if owner == "amazon-elasticsearch" || owner == "amazon-opensearch" || desc.starts_with("ES ") || desc.contains("OpenSearch") {
        EniKind::OpenSearch
    } else if desc.starts_with("ELB ") || owner == "amazon-elb" {
        EniKind::LoadBalancer
    } else if desc.starts_with("AWS Lambda VPC ENI") {
        EniKind::Lambda
    } else if desc.starts_with("Interface for NAT Gateway") {
        EniKind::NatGateway
    } else if desc.starts_with("VPC Endpoint Interface") {
        EniKind::VpcEndpoint
    } else if desc.starts_with("Network Interface for Transit Gateway Attachment") {
        EniKind::TransitGateway
    } else {
        EniKind::Interface
    }
}

fn convert_eni(e: &aws::NetworkInterface, vpc_hint: Option<&str>, subnet_hint: Option<&str>, warnings: &mut Warnings) -> Option<Eni> {
    let vpc = e.vpc_id.as_deref().or(vpc_hint)?;
    let Some(subnet) = e.subnet_id.as_deref().or(subnet_hint) else {
        warnings.push(format!("{}: interface without a subnet ignored", e.network_interface_id));
        return None;
    };
    let mut private_ips: Vec<IpAddr> = Vec::new();
    let mut public_ips = Vec::new();
    let mut sorted: Vec<&aws::PrivateIp> = e.private_ip_addresses.iter().collect();
    sorted.sort_by_key(|p| !p.primary);
    for p in sorted {
        if let Some(a) = p.private_ip_address.as_deref().and_then(ip) {
            if !private_ips.contains(&a) {
                private_ips.push(a);
            }
            if let (IpAddr::V4(private), Some(public)) =
                (a, p.association.as_ref().and_then(|x| x.public_ip.as_deref()).and_then(|s| s.parse::<Ipv4Addr>().ok()))
            {
                public_ips.push(PublicMapping { public, private });
            }
        }
    }
    if let Some(a) = e.private_ip_address.as_deref().and_then(ip) {
        if !private_ips.contains(&a) {
            private_ips.insert(0, a);
        }
    }
    if public_ips.is_empty() {
        if let (Some(IpAddr::V4(private)), Some(public)) = (
            private_ips.first().copied(),
            e.association.as_ref().and_then(|x| x.public_ip.as_deref()).and_then(|s| s.parse::<Ipv4Addr>().ok()),
        ) {
            public_ips.push(PublicMapping { public, private });
        }
    }
    for a in &e.ipv6_addresses {
        if let Some(a) = a.ipv6_address.as_deref().and_then(ip) {
            private_ips.push(a);
        }
    }
    let mut t = tags(&e.tag_set);
    if t.0.is_empty() {
        t = tags(&e.tags);
    }
    Some(Eni {
        id: EniId(e.network_interface_id.clone()),
        vpc: VpcId(vpc.to_string()),
        subnet: SubnetId(subnet.to_string()),
        kind: classify_eni(e),
        private_ips,
        public_ips,
        prefixes: e
            .ipv4_prefixes
            .iter()
            .filter_map(|p| p.ipv4_prefix.as_deref())
            .chain(e.ipv6_prefixes.iter().filter_map(|p| p.ipv6_prefix.as_deref()))
            .filter_map(net)
            .collect(),
        security_groups: e.groups.iter().map(|g| SgId(g.group_id.clone())).collect(),
        instance: e.attachment.as_ref().and_then(|a| a.instance_id.clone()).map(InstanceId),
        description: e.description.clone().unwrap_or_default(),
        owner: e.owner_id.clone(),
        source_dest_check: e.source_dest_check,
        managed_by: e
            .attachment
            .as_ref()
            .and_then(|a| a.instance_owner_id.clone())
            .filter(|o| !o.chars().all(|c| c.is_ascii_digit()))
            .or_else(|| e.requester_id.clone()),
        tags: t,
    })
}

/// Interfaces: the NetworkInterfaces document first, then interfaces only embedded in
/// instances (with the instances).
pub(super) fn interfaces(raw: &mut Raw, m: &mut Model, w: &mut Warnings) {
    let mut eni_seen: HashSet<String> = HashSet::new();
    for e in &raw.enis {
        if eni_seen.contains(&e.network_interface_id) {
            continue;
        }
        if let Some(x) = convert_eni(e, None, None, w) {
            eni_seen.insert(x.id.0.clone());
            m.enis.push(x);
        }
    }
    for r in &raw.reservations {
        for i in &r.instances {
            let mut ids = Vec::new();
            for e in &i.network_interfaces {
                ids.push(EniId(e.network_interface_id.clone()));
                if eni_seen.contains(&e.network_interface_id) {
                    continue;
                }
                let mut e = e.clone();
                if e.attachment.as_ref().and_then(|a| a.instance_id.as_ref()).is_none() {
                    let mut att = e.attachment.clone().unwrap_or_default();
                    att.instance_id = Some(i.instance_id.clone());
                    e.attachment = Some(att);
                }
                if let Some(x) = convert_eni(&e, i.vpc_id.as_deref(), i.subnet_id.as_deref(), w) {
                    eni_seen.insert(x.id.0.clone());
                    m.enis.push(x);
                }
            }
            m.instances.push(Instance {
                id: InstanceId(i.instance_id.clone()),
                state: i.state.as_ref().and_then(|s| s.name.as_deref()).map(instance_state),
                enis: ids,
                tags: tags(&i.tags),
            });
        }
    }
    m.instances = dedup(std::mem::take(&mut m.instances), |i| i.id.0.clone());
}

/// NAT gateways; an interface of one that the snapshot does not list is added, and a
/// listed one is marked as the NAT's.
pub(super) fn nat_gateways(raw: &mut Raw, m: &mut Model, _w: &mut Warnings) {
    // Interface id -> position, so a NAT's listed interface is found without a scan.
    let mut eni_at: HashMap<String, usize> = m.enis.iter().enumerate().map(|(i, e)| (e.id.0.clone(), i)).collect();
    for n in dedup(std::mem::take(&mut raw.nats), |n| n.nat_gateway_id.clone()) {
        let mut addresses = Vec::new();
        for a in &n.nat_gateway_addresses {
            let private_ip = a.private_ip.as_deref().and_then(ip);
            let public_ip = a.public_ip.as_deref().and_then(|s| s.parse::<Ipv4Addr>().ok());
            let eni = a.network_interface_id.clone().map(EniId);
            match eni.as_ref().map(|id| (id, eni_at.get(&id.0).copied())) {
                Some((id, None)) => {
                    eni_at.insert(id.0.clone(), m.enis.len());
                    m.enis.push(Eni {
                        id: id.clone(),
                        vpc: VpcId(n.vpc_id.clone()),
                        subnet: SubnetId(n.subnet_id.clone()),
                        kind: EniKind::NatGateway,
                        private_ips: private_ip.into_iter().collect(),
                        public_ips: match (private_ip, public_ip) {
                            (Some(IpAddr::V4(private)), Some(public)) => vec![PublicMapping { public, private }],
                            _ => vec![],
                        },
                        prefixes: vec![],
                        security_groups: vec![],
                        instance: None,
                        description: format!("Interface for NAT Gateway {}", n.nat_gateway_id),
                        managed_by: Some("amazon-aws".into()),
                        owner: None,
                        source_dest_check: Some(true),
                        tags: Tags::default(),
                    });
                }
                Some((_, Some(at))) => {
                    // The interface is listed: make sure it is treated as the NAT's, whatever
                    // its InterfaceType says (moto reports `interface`) and wherever its
                    // address falls (moto allocates it outside the subnet).
                    if let Some(x) = m.enis.get_mut(at) {
                        x.kind = EniKind::NatGateway;
                        x.subnet = SubnetId(n.subnet_id.clone());
                        x.security_groups.clear();
                        if let (Some(IpAddr::V4(private)), Some(public)) = (private_ip, public_ip) {
                            if !x.public_ips.iter().any(|m| m.public == public) {
                                x.public_ips.push(PublicMapping { public, private });
                            }
                        }
                    }
                }
                None => {}
            }
            addresses.push(NatAddress { private_ip, public_ip, eni });
        }
        m.nat_gateways.push(NatGateway {
            id: NatId(n.nat_gateway_id),
            vpc: VpcId(n.vpc_id),
            subnet: SubnetId(n.subnet_id),
            state: lifecycle(n.state.as_deref()),
            connectivity: if n.connectivity_type.as_deref() == Some("private") { NatConnectivity::Private } else { NatConnectivity::Public },
            addresses,
            tags: tags(&n.tags),
        });
    }
}

/// Elastic IPs the interfaces do not already show.
pub(super) fn elastic_ips(raw: &mut Raw, m: &mut Model, _w: &mut Warnings) {
    for a in &raw.addresses {
        let (Some(eni_id), Some(public)) = (&a.network_interface_id, a.public_ip.as_deref().and_then(|s| s.parse::<Ipv4Addr>().ok())) else {
            continue;
        };
        if let Some(x) = m.enis.iter_mut().find(|x| &x.id.0 == eni_id) {
            let private = a
                .private_ip_address
                .as_deref()
                .and_then(|s| s.parse::<Ipv4Addr>().ok())
                .or_else(|| x.primary_ip().and_then(|p| if let IpAddr::V4(v) = p { Some(v) } else { None }));
            if let Some(private) = private {
                if !x.public_ips.iter().any(|m| m.public == public) {
                    x.public_ips.push(PublicMapping { public, private });
                }
            }
        }
    }
}

/// An interface whose subnet the snapshot lacks cannot be evaluated: a warning.
pub(super) fn check_interface_subnets(_raw: &mut Raw, m: &mut Model, w: &mut Warnings) {
    let subnet_ids: HashSet<&str> = m.subnets.iter().map(|s| s.id.as_str()).collect();
    for e in &m.enis {
        if !subnet_ids.contains(e.subnet.as_str()) {
            w.push(format!("{}: subnet {} is not in the snapshot; the interface cannot be evaluated", e.id, e.subnet));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use super::super::convert_with;
    use serde_json::json;

    #[test]
    fn nat_gateway_interface_missing_from_the_snapshot_is_added() {
        let (m, w) = convert_with(json!({"NatGateways": [{"NatGatewayId": "nat-1", "VpcId": "vpc-1", "SubnetId": "subnet-1", "State": "deleting",
            "NatGatewayAddresses": [{"PrivateIp": "10.0.0.9", "PublicIp": "203.0.113.9", "NetworkInterfaceId": "eni-nat"}]}]}),
            &[interfaces, nat_gateways]);
        assert_eq!(m.enis.len(), 1);
        assert_eq!(m.enis[0].kind, EniKind::NatGateway);
        assert_eq!(m.enis[0].public_for("10.0.0.9".parse().unwrap()), Some("203.0.113.9".parse().unwrap()));
        assert_eq!(m.nat_gateways[0].state, LifecycleState::Deleting);
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn interface_without_a_subnet_is_a_warning_not_an_interface() {
        let (m, w) = convert_with(json!({"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "VpcId": "vpc-1"}]}), &[interfaces]);
        assert!(m.enis.is_empty());
        assert_eq!(w, ["eni-1: interface without a subnet ignored"]);
    }

    #[test]
    fn interfaces_embedded_in_instances_belong_to_them() {
        let (m, _) = convert_with(json!({"Reservations": [{"Instances": [{"InstanceId": "i-1", "State": {"Name": "stopped"},
            "VpcId": "vpc-1", "SubnetId": "subnet-1",
            "NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "PrivateIpAddress": "10.0.0.5"}]}]}]}), &[interfaces]);
        assert_eq!(m.enis[0].instance, Some(InstanceId("i-1".into())));
        assert_eq!(m.enis[0].subnet, SubnetId("subnet-1".into()));
        assert_eq!(m.instances[0].state, Some(InstanceState::Stopped));
    }

    #[test]
    fn elastic_ip_maps_to_the_primary_address_when_it_names_none() {
        let (m, _) = convert_with(json!({"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "VpcId": "vpc-1", "SubnetId": "subnet-1", "PrivateIpAddress": "10.0.0.5"}],
            "Addresses": [{"PublicIp": "198.51.100.7", "NetworkInterfaceId": "eni-1"}, {"PublicIp": "198.51.100.8", "NetworkInterfaceId": "eni-gone"}]}),
            &[interfaces, elastic_ips]);
        assert_eq!(m.enis[0].public_ips, [PublicMapping { public: "198.51.100.7".parse().unwrap(), private: "10.0.0.5".parse().unwrap() }]);
    }

    #[test]
    fn interface_in_a_subnet_the_snapshot_lacks_is_a_warning() {
        let (_, w) = convert_with(json!({"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "VpcId": "vpc-1", "SubnetId": "subnet-x"}]}),
            &[interfaces, check_interface_subnets]);
        assert_eq!(w, ["eni-1: subnet subnet-x is not in the snapshot; the interface cannot be evaluated"]);
    }

    #[test]
    fn rds_interface_is_classified_by_description_even_when_type_is_interface() {
        let e: aws::NetworkInterface = serde_json::from_value(json!({"NetworkInterfaceId": "eni-1",
            "InterfaceType": "interface", "Description": "RDSNetworkInterface"}))
        .unwrap();
        assert_eq!(classify_eni(&e), EniKind::Rds);
    }
}
