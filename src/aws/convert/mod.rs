//! Conversion of describe-* documents into the [`Model`]: recognises each document by its
//! top-level keys, deserialises with JSON paths in errors, merges duplicates (a shared
//! transit gateway listed by two accounts), fills in what AWS leaves implicit, and collects
//! warnings for unknown keys and dangling references.

mod balancers;
mod firewalls;
mod gateways;
mod hybrid;
mod interfaces;
mod refs;
mod routes;
mod rules;
mod services;
mod states;
mod tgw;
mod vpcs;

use super::shapes as aws;
use states::*;
use crate::model::*;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::{BTreeSet, HashSet};
use std::net::IpAddr;

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
    lb_listeners: Vec<aws::ListenerSet>,
    lb_rules: Vec<aws::ListenerRuleSet>,
    target_groups: Vec<aws::TargetGroup>,
    target_health: Vec<aws::TargetHealthSet>,
    lb_attributes: Vec<aws::AttributeSet>,
    tg_attributes: Vec<aws::AttributeSet>,
    firewalls: Vec<aws::FirewallDescription>,
    firewall_policies: Vec<aws::FirewallPolicyDescription>,
    rule_groups: Vec<aws::RuleGroupDescription>,
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

/// The account a document's path names: the segment after `accounts/` (Batfish's layout),
/// or a 12-digit segment followed by a Region (a live capture's `<account>/<region>/`).
fn account_in_origin(origin: &str) -> Option<String> {
    let parts: Vec<&str> = origin.split(['/', '\\']).collect();
    if let Some(i) = parts.iter().position(|p| *p == "accounts") {
        return parts.get(i + 1).filter(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())).map(|p| p.to_string());
    }
    parts.windows(2).find(|w| w[0].len() == 12 && w[0].chars().all(|c| c.is_ascii_digit()) && w[1].contains('-')).map(|w| w[0].to_string())
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
        // The account whose capture this is, when the layout says (`accounts/<id>/` in
        // Batfish's layout, `<id>/<region>/` in a live capture): the owner of the VPCs the
        // document lists when they do not name one (subnets and interfaces without an
        // `OwnerId` belong to their VPC's owner).
        let account = account_in_origin(&doc.origin);
        let fill = |owner: &mut Option<String>, account: &Option<String>| {
            if owner.is_none() {
                owner.clone_from(account);
            }
        };
        for (key, v) in map {
            match key.as_str() {
                "Vpcs" => {
                    let mut items: Vec<aws::Vpc> = take(doc, key, v)?;
                    items.iter_mut().for_each(|x| fill(&mut x.owner_id, &account));
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
                "LoadBalancerListeners" => raw.lb_listeners.extend(take(doc, key, v)?),
                // A bare `describe-listeners` result.
                "Listeners" => raw.lb_listeners.push(aws::ListenerSet { load_balancer_arn: None, listeners: take(doc, key, v)? }),
                "LoadBalancerListenerRules" => raw.lb_rules.extend(take(doc, key, v)?),
                "TargetGroups" => raw.target_groups.extend(take(doc, key, v)?),
                "LoadBalancerTargetHealth" => raw.target_health.extend(take(doc, key, v)?),
                "LoadBalancerAttributes" => raw.lb_attributes.extend(take(doc, key, v)?),
                "TargetGroupAttributes" => raw.tg_attributes.extend(take(doc, key, v)?),
                "Firewalls" => raw.firewalls.extend(take(doc, key, v)?),
                "FirewallPolicies" => raw.firewall_policies.extend(take(doc, key, v)?),
                "RuleGroups" => raw.rule_groups.extend(take(doc, key, v)?),
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

fn port(v: Option<i64>) -> Option<u16> {
    v.and_then(|p| u16::try_from(p).ok())
}

/// Keeps the first of each id: a resource listed twice (a shared transit gateway, an
/// overlapping capture) is one resource.
fn dedup<T>(items: Vec<T>, key: impl Fn(&T) -> String) -> Vec<T> {
    let mut seen = HashSet::new();
    items.into_iter().filter(|x| seen.insert(key(x))).collect()
}

/// One step of [`build_model`]: converts some of the documents (taking them out of `raw`)
/// into the model, reading what earlier steps built, and adds warnings.
type Section = fn(&mut Raw, &mut Model, &mut Warnings);

/// Builds the model from parsed documents. Fails only on documents that are not of the
/// expected shape; everything else becomes a warning.
pub fn build_model(docs: &[Document]) -> Result<(Model, Warnings), DocumentError> {
    let mut w = Warnings::default();
    let mut raw = Raw::default();
    collect(docs, &mut raw, &mut w)?;
    let mut m = Model::default();
    // In this order: it is the order warnings are reported in, and later sections read what
    // earlier ones put in the model (subnets read VPCs, propagations read attachments).
    let sections: [Section; 22] = [
        hybrid::hybrid,
        refs::missing_classes,
        vpcs::vpcs,
        vpcs::subnets,
        rules::prefix_lists,
        rules::security_groups,
        rules::network_acls,
        routes::route_tables,
        interfaces::interfaces,
        interfaces::nat_gateways,
        interfaces::elastic_ips,
        interfaces::check_interface_subnets,
        gateways::internet_gateways,
        gateways::peerings,
        tgw::transit_gateways,
        tgw::tgw_attachments,
        tgw::tgw_route_tables,
        services::vpc_endpoints,
        services::databases,
        services::flow_logs,
        balancers::load_balancers,
        firewalls::firewalls,
    ];
    for section in sections {
        section(&mut raw, &mut m, &mut w);
    }
    refs::check_references(&m, &mut w);
    Ok((m, w))
}

/// Collects the documents of `v` and runs `sections` on them, in order: the model and the
/// warnings (a helper for the sections' unit tests).
#[cfg(test)]
fn convert_with(v: Value, sections: &[Section]) -> (Model, Vec<String>) {
    let mut raw = Raw::default();
    let mut w = Warnings::default();
    collect(&[Document { origin: "test.json".into(), region: None, value: v }], &mut raw, &mut w).expect("documents of the expected shape");
    let mut m = Model::default();
    for section in sections {
        section(&mut raw, &mut m, &mut w);
    }
    (m, w.iter().map(str::to_string).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(v: Value) -> Document {
        Document { origin: "test.json".into(), region: None, value: v }
    }

    #[test]
    fn the_account_of_a_document_comes_from_its_path_when_its_items_do_not_name_one() {
        assert_eq!(account_in_origin("snap/aws_configs/accounts/111/us-west-1/Vpcs.json").as_deref(), Some("111"));
        assert_eq!(account_in_origin("123456789012/us-east-1/Subnets.json").as_deref(), Some("123456789012"));
        assert_eq!(account_in_origin("samples/snapshots/shop/us-east-1/Vpcs.json"), None);
        let d = |v: Value| Document { origin: "snap/accounts/222/us-east-1/x.json".into(), region: Some("us-east-1".into()), value: v };
        let (m, _) = build_model(&[d(json!({
            "Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}, {"VpcId": "vpc-2", "CidrBlock": "10.1.0.0/16", "OwnerId": "333"}],
            "Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.0.0/24"}],
            "NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "VpcId": "vpc-1", "SubnetId": "subnet-1", "PrivateIpAddress": "10.0.0.5", "OwnerId": "444"}]
        }))])
        .unwrap();
        assert_eq!((m.vpcs[0].owner.as_deref(), m.vpcs[1].owner.as_deref()), (Some("222"), Some("333")));
        let t = crate::topology::Topology::new(&m);
        assert_eq!(t.account_of("subnet-1"), Some("222"), "a subnet without an owner is its VPC's");
        assert_eq!(t.account_of("eni-1"), Some("444"), "an interface in another account's subnet keeps its own owner");
    }

    #[test]
    fn sections_convert_what_they_own_and_leave_the_rest() {
        let (m, w) = convert_with(json!({"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}],
            "Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24"}]}), &[vpcs::vpcs]);
        assert_eq!(m.vpcs.len(), 1);
        assert!(m.subnets.is_empty());
        assert!(w.is_empty(), "{w:?}");
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
    fn duplicate_resources_from_two_accounts_are_merged() {
        let tgw = json!({"TransitGateways": [{"TransitGatewayId": "tgw-1", "State": "available"}]});
        let (m, _) = build_model(&[doc(tgw.clone()), doc(tgw)]).unwrap();
        assert_eq!(m.transit_gateways.len(), 1);
    }

    #[test]
    fn tgw_route_file_named_after_table_is_attributed() {
        assert_eq!(id_in_origin("snap/routes-tgw-rtb-0abc12.json", "tgw-rtb-").as_deref(), Some("tgw-rtb-0abc12"));
        assert_eq!(id_in_origin("snap/Vpcs.json", "tgw-rtb-"), None);
    }
}
