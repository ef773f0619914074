//! Conversion of describe-* documents into the [`Model`]: recognises each document by its
//! top-level keys, deserialises with JSON paths in errors, merges duplicates (a shared
//! transit gateway listed by two accounts), fills in what AWS leaves implicit, and collects
//! warnings for unknown keys and dangling references.

use super::shapes as aws;
use crate::model::*;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};

/// One parsed JSON document and where it came from.
#[derive(Debug, Clone)]
pub struct Document {
    /// Where it came from (a file path, or `<account>/<region>/<Key>.json` for a live capture).
    pub origin: String,
    /// The region, when the layout names it (`.../<region>/Vpcs.json`).
    pub region: Option<String>,
    /// The JSON value.
    pub value: Value,
}

/// A document that is valid JSON but not of the expected shape.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: at {path}: {message}")]
pub struct DocumentError {
    /// The document's origin (file path).
    pub origin: String,
    /// The JSON path of the offending value (`Vpcs[3].CidrBlock`).
    pub path: String,
    /// What was wrong.
    pub message: String,
}

/// Problems that do not stop loading: unknown keys, dangling references, unmodelled
/// resources. Each distinct message is kept once.
#[derive(Debug, Clone, Default)]
pub struct Warnings {
    seen: HashSet<String>,
    list: Vec<String>,
}

impl Warnings {
    /// Adds a warning unless the same text was already recorded.
    pub fn push(&mut self, msg: impl Into<String>) {
        let msg = msg.into();
        if self.seen.insert(msg.clone()) {
            self.list.push(msg);
        }
    }

    /// The warnings, in the order first seen.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(String::as_str)
    }

    /// How many distinct warnings.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// Keys that describe things vpcscope reads but does not model as hops (yet). They are noted
/// once rather than reported as unknown.
const UNMODELLED_KEYS: &[&str] = &[
    "DomainStatusList",
    "TargetGroups",
    "LoadBalancerTargetHealth",
    "LoadBalancerListeners",
    "LoadBalancerAttributes",
    "TransitGatewayConnects",
    "TransitGatewayMulticastDomains",
];

/// Keys that are pagination or bookkeeping noise in CLI output.
/// Keys that are pagination or bookkeeping noise in CLI output, or describe things that do
/// not affect reachability (zones, customer gateways' own settings, endpoint service names).
const IGNORED_KEYS: &[&str] = &[
    "NextToken",
    "AdditionalRoutesAvailable",
    "ResponseMetadata",
    "AvailabilityZones",
    "CustomerGateways",
    "ServiceDetails",
    "ServiceNames",
];

#[derive(Default)]
struct Raw {
    vpcs: Vec<(aws::Vpc, Option<String>)>,
    subnets: Vec<aws::Subnet>,
    route_tables: Vec<aws::RouteTable>,
    sgs: Vec<aws::SecurityGroup>,
    nacls: Vec<aws::NetworkAcl>,
    enis: Vec<aws::NetworkInterface>,
    reservations: Vec<aws::Reservation>,
    igws: Vec<aws::InternetGateway>,
    eigws: Vec<aws::EgressOnlyInternetGateway>,
    nats: Vec<aws::NatGateway>,
    peerings: Vec<aws::VpcPeeringConnection>,
    tgws: Vec<aws::TransitGateway>,
    tgw_atts: Vec<aws::TransitGatewayAttachment>,
    tgw_vpc_atts: Vec<aws::TransitGatewayVpcAttachment>,
    tgw_peering_atts: Vec<aws::TransitGatewayPeeringAttachment>,
    tgw_rts: Vec<aws::TransitGatewayRouteTable>,
    tgw_routes: Vec<aws::TgwRouteSet>,
    tgw_props: Vec<aws::TgwPropagationSet>,
    tgw_assocs: Vec<aws::TgwAssociationSet>,
    vpces: Vec<aws::VpcEndpoint>,
    prefix_lists: Vec<aws::PrefixList>,
    managed_pls: Vec<aws::ManagedPrefixList>,
    pl_entries: Vec<aws::PrefixListEntrySet>,
    addresses: Vec<aws::Address>,
    dbs: Vec<aws::DbInstance>,
    flow_logs: Vec<aws::FlowLog>,
    lbs: Vec<aws::LoadBalancer>,
    vgws: Vec<aws::VpnGateway>,
    vpns: Vec<aws::VpnConnection>,
    vifs: Vec<aws::VirtualInterface>,
    dxgws: Vec<aws::DirectConnectGateway>,
    dxgw_assocs: Vec<aws::DirectConnectGatewayAssociation>,
}

fn take<T: DeserializeOwned>(doc: &Document, key: &str, v: &Value) -> Result<Vec<T>, DocumentError> {
    let mut track = serde_path_to_error::Track::new();
    let de = serde_path_to_error::Deserializer::new(v, &mut track);
    match <Vec<T> as serde::Deserialize>::deserialize(de) {
        Ok(items) => Ok(items),
        Err(e) => {
            let inner = track.path().to_string();
            let path = match inner.as_str() {
                "" | "." => key.to_string(),
                p if p.starts_with('[') => format!("{key}{p}"),
                p => format!("{key}.{p}"),
            };
            Err(DocumentError { origin: doc.origin.clone(), path, message: e.to_string() })
        }
    }
}

/// An id embedded in a file name (`...tgw-rtb-0abc....json`), for CLI outputs that do not
/// repeat the id they were asked about.
fn id_in_origin(origin: &str, prefix: &str) -> Option<String> {
    let name = origin.rsplit(['/', '\\']).next().unwrap_or(origin);
    let start = name.find(prefix)?;
    let rest = &name[start..];
    let end = rest[prefix.len()..]
        .find(|c: char| !c.is_ascii_alphanumeric())
        .map(|e| e + prefix.len())
        .unwrap_or(rest.len());
    (end > prefix.len()).then(|| rest[..end].to_string())
}

fn collect(docs: &[Document], raw: &mut Raw, warnings: &mut Warnings) -> Result<(), DocumentError> {
    let mut unmodelled: BTreeSet<&str> = BTreeSet::new();
    for doc in docs {
        let Value::Object(map) = &doc.value else {
            return Err(DocumentError {
                origin: doc.origin.clone(),
                path: "$".into(),
                message: "expected a JSON object with describe-* top-level keys".into(),
            });
        };
        for (key, v) in map {
            match key.as_str() {
                "Vpcs" => {
                    let items: Vec<aws::Vpc> = take(doc, key, v)?;
                    raw.vpcs.extend(items.into_iter().map(|x| (x, doc.region.clone())));
                }
                "Subnets" => raw.subnets.extend(take(doc, key, v)?),
                "RouteTables" => raw.route_tables.extend(take(doc, key, v)?),
                "SecurityGroups" => raw.sgs.extend(take(doc, key, v)?),
                "NetworkAcls" => raw.nacls.extend(take(doc, key, v)?),
                "NetworkInterfaces" => raw.enis.extend(take(doc, key, v)?),
                "Reservations" => raw.reservations.extend(take(doc, key, v)?),
                "InternetGateways" => raw.igws.extend(take(doc, key, v)?),
                "EgressOnlyInternetGateways" => raw.eigws.extend(take(doc, key, v)?),
                "NatGateways" => raw.nats.extend(take(doc, key, v)?),
                "VpcPeeringConnections" => raw.peerings.extend(take(doc, key, v)?),
                "TransitGateways" => raw.tgws.extend(take(doc, key, v)?),
                "TransitGatewayAttachments" => raw.tgw_atts.extend(take(doc, key, v)?),
                "TransitGatewayVpcAttachments" => raw.tgw_vpc_atts.extend(take(doc, key, v)?),
                "TransitGatewayPeeringAttachments" => raw.tgw_peering_atts.extend(take(doc, key, v)?),
                "TransitGatewayRouteTables" => raw.tgw_rts.extend(take(doc, key, v)?),
                "TransitGatewayStaticRoutes" | "TransitGatewayRoutes" => {
                    // `TransitGatewayRoutes` is a search that included propagated routes
                    // (vpcscope's capture); Batfish's `TransitGatewayStaticRoutes` holds static
                    // routes only, unless a route says otherwise.
                    let mut sets: Vec<aws::TgwRouteSet> = take(doc, key, v)?;
                    for s in &mut sets {
                        s.with_propagated = key == "TransitGatewayRoutes" || s.routes.iter().any(|r| r.r#type.as_deref() == Some("propagated"));
                    }
                    raw.tgw_routes.extend(sets);
                }
                "Routes" if !map.contains_key("RouteTables") => {
                    // A bare `search-transit-gateway-routes` result: the table id is only in
                    // the file name.
                    let routes: Vec<aws::TgwRoute> = take(doc, key, v)?;
                    match id_in_origin(&doc.origin, "tgw-rtb-") {
                        Some(id) => {
                            let with_propagated = routes.iter().any(|r| r.r#type.as_deref() == Some("propagated"));
                            raw.tgw_routes.push(aws::TgwRouteSet { transit_gateway_route_table_id: Some(id), routes, with_propagated })
                        }
                        None => warnings.push(format!(
                            "{}: transit gateway routes without a route table id (name the file after its tgw-rtb-... id); ignored",
                            doc.origin
                        )),
                    }
                }
                "TransitGatewayPropagations" => raw.tgw_props.extend(take(doc, key, v)?),
                "TransitGatewayRouteTablePropagations" => {
                    let props: Vec<aws::TgwPropagation> = take(doc, key, v)?;
                    let id = props
                        .iter()
                        .find_map(|p| p.transit_gateway_route_table_id.clone())
                        .or_else(|| id_in_origin(&doc.origin, "tgw-rtb-"));
                    match id {
                        Some(id) => raw.tgw_props.push(aws::TgwPropagationSet {
                            transit_gateway_route_table_id: Some(id),
                            transit_gateway_route_table_propagations: props,
                        }),
                        None => warnings.push(format!("{}: propagations without a route table id; ignored", doc.origin)),
                    }
                }
                "TransitGatewayRouteTableAssociations" => raw.tgw_assocs.extend(take(doc, key, v)?),
                "VpcEndpoints" => raw.vpces.extend(take(doc, key, v)?),
                "PrefixLists" => raw.prefix_lists.extend(take(doc, key, v)?),
                "ManagedPrefixLists" => raw.managed_pls.extend(take(doc, key, v)?),
                "PrefixListEntries" => raw.pl_entries.extend(take(doc, key, v)?),
                "Entries" if !map.contains_key("NetworkAcls") => {
                    let entries: Vec<aws::PrefixListEntry> = take(doc, key, v)?;
                    match id_in_origin(&doc.origin, "pl-") {
                        Some(id) => raw.pl_entries.push(aws::PrefixListEntrySet { prefix_list_id: Some(id), entries }),
                        None => warnings.push(format!(
                            "{}: prefix list entries without a prefix list id (name the file after its pl-... id); ignored",
                            doc.origin
                        )),
                    }
                }
                "Addresses" => raw.addresses.extend(take(doc, key, v)?),
                "DBInstances" => raw.dbs.extend(take(doc, key, v)?),
                "FlowLogs" => raw.flow_logs.extend(take(doc, key, v)?),
                "LoadBalancers" | "LoadBalancerDescriptions" => raw.lbs.extend(take(doc, key, v)?),
                "VpnGateways" => raw.vgws.extend(take(doc, key, v)?),
                "VpnConnections" => raw.vpns.extend(take(doc, key, v)?),
                // Direct Connect's CLI prints camelCase keys; Batfish's layout PascalCase.
                "VirtualInterfaces" | "virtualInterfaces" => raw.vifs.extend(take(doc, key, v)?),
                "DirectConnectGateways" | "directConnectGateways" => raw.dxgws.extend(take(doc, key, v)?),
                "DirectConnectGatewayAssociations" | "directConnectGatewayAssociations" => raw.dxgw_assocs.extend(take(doc, key, v)?),
                k if IGNORED_KEYS.contains(&k) => {}
                k if UNMODELLED_KEYS.contains(&k) => {
                    if let Some(known) = UNMODELLED_KEYS.iter().find(|x| **x == k) {
                        unmodelled.insert(known);
                    }
                }
                k => warnings.push(format!("{}: unknown top-level key `{k}` ignored", doc.origin)),
            }
        }
    }
    if !unmodelled.is_empty() {
        let keys: Vec<&str> = unmodelled.into_iter().collect();
        warnings.push(format!(
            "not modelled yet: {} (paths that reach them are reported as leaving the modelled network or as insufficient information)",
            keys.join(", ")
        ));
    }
    Ok(())
}

fn tags(t: &[aws::Tag]) -> Tags {
    Tags(t.iter().map(|t| (t.key.clone(), t.value.clone())).collect())
}

fn net(s: &str) -> Option<IpNet> {
    s.trim().parse::<IpNet>().ok().map(|n| n.trunc())
}

fn v4net(s: &str) -> Option<Ipv4Net> {
    s.trim().parse::<Ipv4Net>().ok().map(|n| n.trunc())
}

fn v6net(s: &str) -> Option<Ipv6Net> {
    s.trim().parse::<Ipv6Net>().ok().map(|n| n.trunc())
}

fn ip(s: &str) -> Option<IpAddr> {
    s.trim().parse().ok()
}

fn parse_protocol(s: Option<&str>) -> Protocol {
    match s.map(str::trim) {
        None | Some("-1") | Some("all") => Protocol::Any,
        Some(p) => Protocol::parse(p).unwrap_or(Protocol::Any),
    }
}

fn port(v: Option<i64>) -> Option<u16> {
    v.and_then(|p| u16::try_from(p).ok())
}

fn icmp_part(v: Option<i64>) -> Option<u8> {
    v.and_then(|p| u8::try_from(p).ok())
}

/// Layer-4 match of an SG permission: ports for TCP/UDP, type/code in From/ToPort for ICMP.
fn sg_l4(protocol: Protocol, from: Option<i64>, to: Option<i64>) -> L4Match {
    match protocol {
        Protocol::Tcp | Protocol::Udp => match (port(from), port(to)) {
            (Some(f), Some(t)) if f <= t => L4Match::Ports(PortRange { from: f, to: t }),
            _ => L4Match::Ports(PortRange::ALL),
        },
        Protocol::Icmp | Protocol::Icmpv6 => {
            let t = icmp_part(from);
            L4Match::Icmp(IcmpMatch { icmp_type: t, code: t.and(icmp_part(to)) })
        }
        _ => L4Match::Any,
    }
}

fn sg_rules(perms: &[aws::IpPermission], sg: &str, warnings: &mut Warnings) -> Vec<SgRule> {
    let mut out = Vec::new();
    for p in perms {
        let protocol = parse_protocol(p.ip_protocol.as_deref());
        let l4 = sg_l4(protocol, p.from_port, p.to_port);
        let mut push = |peer: SgPeer, description: &Option<String>| {
            out.push(SgRule { protocol, l4, peer, description: description.clone() });
        };
        for r in &p.ip_ranges {
            match r.cidr_ip.as_deref().and_then(net) {
                Some(n) => push(SgPeer::Cidr(n), &r.description),
                None => warnings.push(format!("{sg}: unparseable CidrIp {:?} ignored", r.cidr_ip)),
            }
        }
        for r in &p.ipv6_ranges {
            match r.cidr_ipv6.as_deref().and_then(net) {
                Some(n) => push(SgPeer::Cidr(n), &r.description),
                None => warnings.push(format!("{sg}: unparseable CidrIpv6 {:?} ignored", r.cidr_ipv6)),
            }
        }
        for r in &p.prefix_list_ids {
            push(SgPeer::PrefixList(PrefixListId(r.prefix_list_id.clone())), &r.description);
        }
        for r in &p.user_id_group_pairs {
            if let Some(g) = &r.group_id {
                push(SgPeer::Group(SgId(g.clone())), &r.description);
            }
        }
    }
    out
}

fn nacl_entry(e: &aws::NaclEntry) -> Option<(bool, NaclEntry)> {
    let protocol = parse_protocol(e.protocol.as_deref());
    let l4 = match protocol {
        Protocol::Tcp | Protocol::Udp => match &e.port_range {
            Some(r) => match (port(r.from), port(r.to)) {
                (Some(f), Some(t)) if f <= t => L4Match::Ports(PortRange { from: f, to: t }),
                _ => L4Match::Ports(PortRange::ALL),
            },
            None => L4Match::Ports(PortRange::ALL),
        },
        Protocol::Icmp | Protocol::Icmpv6 => match &e.icmp_type_code {
            Some(tc) => {
                let t = icmp_part(tc.r#type);
                L4Match::Icmp(IcmpMatch { icmp_type: t, code: t.and(icmp_part(tc.code)) })
            }
            None => L4Match::Icmp(IcmpMatch::ANY),
        },
        _ => L4Match::Any,
    };
    let cidr = e.cidr_block.as_deref().or(e.ipv6_cidr_block.as_deref()).and_then(net)?;
    let action = match e.rule_action.as_deref() {
        Some(a) if a.eq_ignore_ascii_case("allow") => RuleAction::Allow,
        _ => RuleAction::Deny,
    };
    let number = u16::try_from(e.rule_number.clamp(0, 32768)).map_or(RuleNumber::DEFAULT, RuleNumber);
    Some((e.egress, NaclEntry { number, protocol, l4, cidr, action }))
}

/// Adds the non-removable `*` deny entries when a snapshot omits them (moto does): AWS
/// always evaluates them last.
fn ensure_default_deny(entries: &mut Vec<NaclEntry>, has_v6: bool) {
    let any4: IpNet = IpNet::V4(Ipv4Net::default());
    let any6: IpNet = IpNet::V6(Ipv6Net::default());
    let default = |number: RuleNumber, cidr: IpNet| NaclEntry {
        number,
        protocol: Protocol::Any,
        l4: L4Match::Any,
        cidr,
        action: RuleAction::Deny,
    };
    if !entries.iter().any(|e| e.number.is_default() && e.cidr == any4) {
        entries.push(default(RuleNumber::DEFAULT, any4));
    }
    if has_v6 && !entries.iter().any(|e| e.number.is_default() && e.cidr == any6) {
        entries.push(default(RuleNumber::DEFAULT_IPV6, any6));
    }
    entries.sort_by_key(|e| e.number);
}

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
        managed_by: e
            .attachment
            .as_ref()
            .and_then(|a| a.instance_owner_id.clone())
            .filter(|o| !o.chars().all(|c| c.is_ascii_digit()))
            .or_else(|| e.requester_id.clone()),
        tags: t,
    })
}

/// Keeps the first of each id: a resource listed twice (a shared transit gateway, an
/// overlapping capture) is one resource.
fn dedup<T>(items: Vec<T>, key: impl Fn(&T) -> String) -> Vec<T> {
    let mut seen = HashSet::new();
    items.into_iter().filter(|x| seen.insert(key(x))).collect()
}

fn state_ok(state: Option<&str>) -> bool {
    matches!(state, None | Some("available") | Some("attached") | Some("associated") | Some("enabled") | Some("active"))
}

/// Builds the model from parsed documents. Fails only on documents that are not of the
/// expected shape; everything else becomes a warning.
pub fn build_model(docs: &[Document]) -> Result<(Model, Warnings), DocumentError> {
    let mut w = Warnings::default();
    let mut raw = Raw::default();
    collect(docs, &mut raw, &mut w)?;
    let mut m = Model::default();
    hybrid(&mut raw, &mut m, &mut w);
    // A whole class missing is not an empty class: answers that need it are unknown.
    let absent = [
        ("NetworkAcls", raw.nacls.is_empty(), "a network ACL", "describe-network-acls", true),
        ("SecurityGroups", raw.sgs.is_empty(), "a security group", "describe-security-groups", true),
        ("RouteTables", raw.route_tables.is_empty(), "a route table", "describe-route-tables", false),
    ];
    if !raw.vpcs.is_empty() {
        for (key, missing, what, call, assumable) in absent {
            if missing {
                m.missing_classes.push(key.to_string());
                let assume = if assumable { ", or pass --assume-missing allow|deny to decide on an assumption" } else { "" };
                w.push(format!("the snapshot has no {key} document: every answer that depends on {what} is `unknown` (capture `aws ec2 {call}` output{assume})"));
            }
        }
    }

    // VPCs.
    for (v, region) in dedup(raw.vpcs, |(v, _)| v.vpc_id.clone()) {
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
    let vpc_ids: HashSet<String> = m.vpcs.iter().map(|v| v.id.0.clone()).collect();

    // Subnets.
    for s in dedup(raw.subnets, |s| s.subnet_id.clone()) {
        if !vpc_ids.contains(&s.vpc_id) {
            w.push(format!("{}: VPC {} is not in the snapshot", s.subnet_id, s.vpc_id));
        }
        m.subnets.push(Subnet {
            id: SubnetId(s.subnet_id),
            vpc: VpcId(s.vpc_id),
            az: s.availability_zone.unwrap_or_default(),
            cidr: s.cidr_block.as_deref().and_then(v4net),
            ipv6_cidrs: s.ipv6_cidr_block_association_set.iter().filter_map(|a| a.ipv6_cidr_block.as_deref().and_then(v6net)).collect(),
            tags: tags(&s.tags),
        });
    }
    let subnet_ids: HashSet<String> = m.subnets.iter().map(|s| s.id.0.clone()).collect();

    // Prefix lists (AWS-managed and customer-managed).
    let mut pls: BTreeMap<String, PrefixList> = BTreeMap::new();
    for p in raw.prefix_lists {
        let e = pls.entry(p.prefix_list_id.clone()).or_insert_with(|| PrefixList {
            id: PrefixListId(p.prefix_list_id.clone()),
            name: p.prefix_list_name.clone().unwrap_or_default(),
            cidrs: vec![],
        });
        for c in p.cidrs.iter().filter_map(|c| net(c)) {
            if !e.cidrs.contains(&c) {
                e.cidrs.push(c);
            }
        }
    }
    for p in raw.managed_pls {
        pls.entry(p.prefix_list_id.clone()).or_insert_with(|| PrefixList {
            id: PrefixListId(p.prefix_list_id.clone()),
            name: p.prefix_list_name.clone().unwrap_or_default(),
            cidrs: vec![],
        });
    }
    for set in raw.pl_entries {
        let Some(id) = set.prefix_list_id else { continue };
        let e = pls
            .entry(id.clone())
            .or_insert_with(|| PrefixList { id: PrefixListId(id.clone()), name: String::new(), cidrs: vec![] });
        for c in set.entries.iter().filter_map(|c| c.cidr.as_deref().and_then(net)) {
            if !e.cidrs.contains(&c) {
                e.cidrs.push(c);
            }
        }
    }
    m.prefix_lists = pls.into_values().collect();

    // Security groups.
    for g in dedup(raw.sgs, |g| g.group_id.clone()) {
        let ingress = sg_rules(&g.ip_permissions, &g.group_id, &mut w);
        let egress = sg_rules(&g.ip_permissions_egress, &g.group_id, &mut w);
        m.security_groups.push(SecurityGroup {
            id: SgId(g.group_id),
            vpc: g.vpc_id.map(VpcId),
            name: g.group_name,
            description: g.description,
            owner: g.owner_id,
            ingress,
            egress,
            tags: tags(&g.tags),
        });
    }

    // Network ACLs.
    for a in dedup(raw.nacls, |a| a.network_acl_id.clone()) {
        let mut ingress = Vec::new();
        let mut egress = Vec::new();
        for e in &a.entries {
            match nacl_entry(e) {
                Some((true, entry)) => egress.push(entry),
                Some((false, entry)) => ingress.push(entry),
                None => w.push(format!("{}: entry {} has no usable CIDR; ignored", a.network_acl_id, e.rule_number)),
            }
        }
        let has_v6 = m.vpcs.iter().any(|v| v.id.0 == a.vpc_id && v.cidrs.iter().any(|c| matches!(c, IpNet::V6(_))));
        ensure_default_deny(&mut ingress, has_v6);
        ensure_default_deny(&mut egress, has_v6);
        m.network_acls.push(NetworkAcl {
            id: NaclId(a.network_acl_id),
            vpc: VpcId(a.vpc_id),
            is_default: a.is_default,
            subnets: a.associations.iter().filter_map(|x| x.subnet_id.clone()).map(SubnetId).collect(),
            ingress,
            egress,
            tags: tags(&a.tags),
        });
    }

    // Route tables, with the implicit local routes made explicit.
    for t in dedup(raw.route_tables, |t| t.route_table_id.clone()) {
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

    // Interfaces: the NetworkInterfaces file first, then interfaces only embedded in
    // instances, then NAT gateway interfaces the snapshot does not list.
    let mut enis: Vec<Eni> = Vec::new();
    let mut eni_seen: HashSet<String> = HashSet::new();
    for e in &raw.enis {
        if eni_seen.contains(&e.network_interface_id) {
            continue;
        }
        if let Some(x) = convert_eni(e, None, None, &mut w) {
            eni_seen.insert(x.id.0.clone());
            enis.push(x);
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
                if let Some(x) = convert_eni(&e, i.vpc_id.as_deref(), i.subnet_id.as_deref(), &mut w) {
                    eni_seen.insert(x.id.0.clone());
                    enis.push(x);
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
    for n in dedup(raw.nats, |n| n.nat_gateway_id.clone()) {
        let mut addresses = Vec::new();
        for a in &n.nat_gateway_addresses {
            let private_ip = a.private_ip.as_deref().and_then(ip);
            let public_ip = a.public_ip.as_deref().and_then(|s| s.parse::<Ipv4Addr>().ok());
            let eni = a.network_interface_id.clone().map(EniId);
            match &eni {
                Some(id) if !eni_seen.contains(&id.0) => {
                    eni_seen.insert(id.0.clone());
                    enis.push(Eni {
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
                        tags: Tags::default(),
                    });
                }
                Some(id) => {
                    // The interface is listed: make sure it is treated as the NAT's, whatever
                    // its InterfaceType says (moto reports `interface`) and wherever its
                    // address falls (moto allocates it outside the subnet).
                    if let Some(x) = enis.iter_mut().find(|x| &x.id == id) {
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
    // Elastic IPs the interfaces do not already show.
    for a in &raw.addresses {
        let (Some(eni_id), Some(public)) = (&a.network_interface_id, a.public_ip.as_deref().and_then(|s| s.parse::<Ipv4Addr>().ok())) else {
            continue;
        };
        if let Some(x) = enis.iter_mut().find(|x| &x.id.0 == eni_id) {
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
    for e in &enis {
        if !subnet_ids.contains(&e.subnet.0) {
            w.push(format!("{}: subnet {} is not in the snapshot; the interface cannot be evaluated", e.id, e.subnet));
        }
    }
    m.enis = enis;

    // Gateways.
    for g in dedup(raw.igws, |g| g.internet_gateway_id.clone()) {
        m.internet_gateways.push(InternetGateway {
            id: IgwId(g.internet_gateway_id),
            vpcs: g.attachments.iter().filter(|a| state_ok(a.state.as_deref())).filter_map(|a| a.vpc_id.clone()).map(VpcId).collect(),
            tags: tags(&g.tags),
        });
    }
    for g in dedup(raw.eigws, |g| g.egress_only_internet_gateway_id.clone()) {
        m.egress_only_gateways.push(EgressOnlyGateway {
            id: EigwId(g.egress_only_internet_gateway_id),
            vpcs: g.attachments.iter().filter(|a| state_ok(a.state.as_deref())).filter_map(|a| a.vpc_id.clone()).map(VpcId).collect(),
            tags: tags(&g.tags),
        });
    }

    // Peering.
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
    for p in dedup(raw.peerings, |p| p.vpc_peering_connection_id.clone()) {
        m.peerings.push(Peering {
            id: PcxId(p.vpc_peering_connection_id.clone()),
            requester: side(&p.requester_vpc_info),
            accepter: side(&p.accepter_vpc_info),
            status: peering_status(p.status.as_ref().and_then(|s| s.code.as_deref())),
            tags: tags(&p.tags),
        });
    }

    // Transit gateways.
    for t in dedup(raw.tgws, |t| t.transit_gateway_id.clone()) {
        m.transit_gateways.push(TransitGateway {
            id: TgwId(t.transit_gateway_id),
            owner: t.owner_id,
            state: lifecycle(t.state.as_deref()),
            sg_referencing: t.options.as_ref().and_then(|o| o.security_group_referencing_support.as_deref()) == Some("enable"),
            tags: tags(&t.tags),
        });
    }
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

    // Endpoints.
    for e in dedup(raw.vpces, |e| e.vpc_endpoint_id.clone()) {
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

    // Databases.
    for d in dedup(raw.dbs, |d| d.identifier.clone()) {
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
    for f in dedup(raw.flow_logs, |f| f.flow_log_id.clone()) {
        m.flow_logs.push(FlowLogConfig {
            id: f.flow_log_id,
            resource: f.resource_id.unwrap_or_default(),
            traffic_type: f.traffic_type.unwrap_or_else(|| "ALL".into()),
            log_format: f.log_format,
        });
    }
    let lbs: BTreeSet<String> = raw.lbs.into_iter().filter_map(|l| l.load_balancer_name.or(l.load_balancer_arn)).collect();
    m.load_balancers = lbs.into_iter().collect();

    check_references(&m, &mut w);
    Ok((m, w))
}

/// The lifecycle word of a NAT gateway, transit gateway, attachment, transit gateway route
/// table or VPC endpoint; a missing state is `available` (older captures and moto omit it).
fn lifecycle(s: Option<&str>) -> LifecycleState {
    match s {
        None | Some("available") => LifecycleState::Available,
        Some("pending") => LifecycleState::Pending,
        Some("modifying") => LifecycleState::Modifying,
        Some("pendingAcceptance") => LifecycleState::PendingAcceptance,
        Some("deleting") => LifecycleState::Deleting,
        Some("deleted") => LifecycleState::Deleted,
        Some("failed") => LifecycleState::Failed,
        Some("rejected") => LifecycleState::Rejected,
        Some(other) => LifecycleState::Other(other.to_string()),
    }
}

/// A peering connection's `Status.Code`; a missing status is `active`.
fn peering_status(s: Option<&str>) -> PeeringStatus {
    match s {
        None | Some("active") => PeeringStatus::Active,
        Some("pending-acceptance") => PeeringStatus::PendingAcceptance,
        Some("initiating-request") => PeeringStatus::InitiatingRequest,
        Some("provisioning") => PeeringStatus::Provisioning,
        Some("expired") => PeeringStatus::Expired,
        Some("failed") => PeeringStatus::Failed,
        Some("rejected") => PeeringStatus::Rejected,
        Some("deleting") => PeeringStatus::Deleting,
        Some("deleted") => PeeringStatus::Deleted,
        Some(other) => PeeringStatus::Other(other.to_string()),
    }
}

/// An instance's `State.Name`.
fn instance_state(s: &str) -> InstanceState {
    match s {
        "pending" => InstanceState::Pending,
        "running" => InstanceState::Running,
        "stopping" => InstanceState::Stopping,
        "stopped" => InstanceState::Stopped,
        "shutting-down" => InstanceState::ShuttingDown,
        "terminated" => InstanceState::Terminated,
        other => InstanceState::Other(other.to_string()),
    }
}

/// A transit gateway attachment's `ResourceType` when it is neither `vpc` nor `peering`.
fn external_attachment_kind(s: &str) -> ExternalAttachmentKind {
    match s {
        "vpn" => ExternalAttachmentKind::Vpn,
        "direct-connect-gateway" => ExternalAttachmentKind::DirectConnectGateway,
        "connect" => ExternalAttachmentKind::Connect,
        other => ExternalAttachmentKind::Other(other.to_string()),
    }
}

/// A Direct Connect virtual interface's `virtualInterfaceType`.
fn vif_kind(s: &str) -> VifKind {
    match s {
        "private" => VifKind::Private,
        "transit" => VifKind::Transit,
        "public" => VifKind::Public,
        other => VifKind::Other(other.to_string()),
    }
}

/// AWS's lifecycle words in vendor-neutral terms.
fn gateway_state(s: Option<&str>) -> GatewayState {
    match s {
        None | Some("available" | "attached" | "active" | "associated" | "up") => GatewayState::Available,
        Some("pending" | "attaching" | "modifying" | "associating" | "confirming" | "verifying" | "ordering" | "requested") => GatewayState::Pending,
        Some("deleting" | "deleted" | "detaching" | "detached" | "failed" | "rejected" | "down" | "disassociating" | "disassociated" | "unknown") => GatewayState::Down,
        Some(other) => GatewayState::Other(other.to_string()),
    }
}

/// Virtual private gateways, VPN connections, Direct Connect gateways and virtual interfaces.
fn hybrid(raw: &mut Raw, m: &mut Model, w: &mut Warnings) {
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

fn route_dest_text(dest: &RouteDest) -> String {
    match dest {
        RouteDest::Cidr(n) => n.to_string(),
        RouteDest::PrefixList(p) => p.to_string(),
    }
}

/// Dangling references become warnings, once each.
fn check_references(m: &Model, w: &mut Warnings) {
    let sgs: HashSet<&str> = m.security_groups.iter().map(|g| g.id.as_str()).collect();
    let pls: HashSet<&str> = m.prefix_lists.iter().map(|p| p.id.as_str()).collect();
    let subnets: HashMap<&str, &Subnet> = m.subnets.iter().map(|s| (s.id.as_str(), s)).collect();
    for e in &m.enis {
        for g in &e.security_groups {
            if !sgs.contains(g.as_str()) {
                w.push(format!("{}: security group {g} is not in the snapshot (treated as admitting nothing)", e.id));
            }
        }
    }
    for g in &m.security_groups {
        for r in g.ingress.iter().chain(&g.egress) {
            match &r.peer {
                SgPeer::Group(x) if !sgs.contains(x.as_str()) => {
                    w.push(format!("{}: rule references security group {x}, which is not in the snapshot (matches no address)", g.id))
                }
                SgPeer::PrefixList(p) if !pls.contains(p.as_str()) => {
                    w.push(format!("{}: rule references prefix list {p}, which is not in the snapshot (matches no address)", g.id))
                }
                _ => {}
            }
        }
    }
    for a in &m.network_acls {
        for s in &a.subnets {
            if !subnets.contains_key(s.as_str()) {
                w.push(format!("{}: associated subnet {s} is not in the snapshot", a.id));
            }
        }
    }
    for t in &m.route_tables {
        for r in &t.routes {
            if let RouteDest::PrefixList(p) = &r.dest {
                if !pls.contains(p.as_str()) {
                    w.push(format!("{}: route destination prefix list {p} is not in the snapshot (the route matches nothing)", t.id));
                }
            }
        }
    }
    if m.vpcs.is_empty() {
        w.push("the snapshot defines no VPCs");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(v: Value) -> Document {
        Document { origin: "test.json".into(), region: None, value: v }
    }

    #[test]
    fn type_error_names_file_and_json_path() {
        let err = build_model(&[doc(json!({"Vpcs": [{"VpcId": "vpc-1"}, {"VpcId": 5}]}))]).unwrap_err();
        assert_eq!(err.origin, "test.json");
        assert_eq!(err.path, "Vpcs[1].VpcId");
    }

    #[test]
    fn unknown_keys_and_dangling_references_are_warnings() {
        let (m, w) = build_model(&[doc(json!({
            "Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}],
            "Frobs": [],
            "NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "VpcId": "vpc-1", "SubnetId": "subnet-x",
                "PrivateIpAddress": "10.0.0.5", "Groups": [{"GroupId": "sg-missing"}]}]
        }))])
        .unwrap();
        assert_eq!(m.enis.len(), 1);
        let all: Vec<&str> = w.iter().collect();
        assert!(all.iter().any(|x| x.contains("unknown top-level key `Frobs`")), "{all:?}");
        assert!(all.iter().any(|x| x.contains("sg-missing")), "{all:?}");
        assert!(all.iter().any(|x| x.contains("subnet-x")), "{all:?}");
    }

    #[test]
    fn nacl_default_rule_is_added_when_missing_and_sorted_last() {
        let (m, _) = build_model(&[doc(json!({"NetworkAcls": [{"NetworkAclId": "acl-1", "VpcId": "vpc-1",
            "Entries": [{"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": false,
                         "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 22, "To": 22}}]}]}))])
        .unwrap();
        let a = &m.network_acls[0];
        assert_eq!(a.ingress.len(), 2);
        assert_eq!(a.ingress[1].to_string(), "* ALL ALL 0.0.0.0/0 DENY");
        assert_eq!(a.ingress[0].to_string(), "100 TCP 22 0.0.0.0/0 ALLOW");
        assert_eq!(a.egress[0].to_string(), "* ALL ALL 0.0.0.0/0 DENY");
    }

    #[test]
    fn implicit_local_route_is_made_explicit() {
        let (m, _) = build_model(&[doc(json!({
            "Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}],
            "RouteTables": [{"RouteTableId": "rtb-1", "VpcId": "vpc-1", "Routes": []}]
        }))])
        .unwrap();
        assert_eq!(m.route_tables[0].routes[0].target, RouteTarget::Local);
    }

    #[test]
    fn duplicate_resources_from_two_accounts_are_merged() {
        let tgw = json!({"TransitGateways": [{"TransitGatewayId": "tgw-1", "State": "available"}]});
        let (m, _) = build_model(&[doc(tgw.clone()), doc(tgw)]).unwrap();
        assert_eq!(m.transit_gateways.len(), 1);
    }

    #[test]
    fn rds_interface_is_classified_by_description_even_when_type_is_interface() {
        let e: aws::NetworkInterface = serde_json::from_value(json!({"NetworkInterfaceId": "eni-1",
            "InterfaceType": "interface", "Description": "RDSNetworkInterface"}))
        .unwrap();
        assert_eq!(classify_eni(&e), EniKind::Rds);
    }

    #[test]
    fn tgw_active_route_without_attachment_is_a_warned_blackhole() {
        // moto's SearchTransitGatewayRoutes returns static routes with no attachments.
        let (m, w) = build_model(&[doc(json!({
            "TransitGatewayRouteTables": [{"TransitGatewayRouteTableId": "tgw-rtb-1", "TransitGatewayId": "tgw-1"}],
            "TransitGatewayStaticRoutes": [{"TransitGatewayRouteTableId": "tgw-rtb-1", "Routes": [
                {"DestinationCidrBlock": "10.40.0.0/16", "TransitGatewayAttachments": [], "Type": "static", "State": "active"},
                {"DestinationCidrBlock": "10.99.0.0/16", "Type": "static", "State": "blackhole"}]}]
        }))])
        .unwrap();
        assert_eq!(m.tgw_route_tables[0].routes.len(), 2);
        let all: Vec<&str> = w.iter().collect();
        assert!(all.contains(&"tgw-rtb-1: route to 10.40.0.0/16 names no attachment; treated as a blackhole"), "{all:?}");
        assert!(!all.iter().any(|x| x.contains("10.99.0.0/16")), "{all:?}");
    }

    #[test]
    fn every_state_word_reads_back_as_the_variant_that_prints_it() {
        for s in LifecycleState::KNOWN {
            assert_eq!(&lifecycle(Some(s.as_str())), s);
        }
        for s in PeeringStatus::KNOWN {
            assert_eq!(&peering_status(Some(s.as_str())), s);
        }
        for s in InstanceState::KNOWN {
            assert_eq!(&instance_state(s.as_str()), s);
        }
        for s in ExternalAttachmentKind::KNOWN {
            assert_eq!(&external_attachment_kind(s.as_str()), s);
        }
        for s in VifKind::KNOWN {
            assert_eq!(&vif_kind(s.as_str()), s);
        }
        assert_eq!(lifecycle(Some("failing")), LifecycleState::Other("failing".into()));
        assert_eq!(peering_status(Some("pending")), PeeringStatus::Other("pending".into()));
    }

    #[test]
    fn missing_states_mean_available_and_active() {
        assert_eq!(lifecycle(None), LifecycleState::Available);
        assert_eq!(peering_status(None), PeeringStatus::Active);
    }

    #[test]
    fn tgw_route_file_named_after_table_is_attributed() {
        assert_eq!(id_in_origin("snap/routes-tgw-rtb-0abc12.json", "tgw-rtb-").as_deref(), Some("tgw-rtb-0abc12"));
        assert_eq!(id_in_origin("snap/Vpcs.json", "tgw-rtb-"), None);
    }
}
