//! The API calls of one regional capture, and what each one writes.
//!
//! Every call maps to one snapshot file named after the top-level key the AWS CLI prints
//! (`Vpcs`, `SecurityGroups`, ...; `VpcEndpointServices.json`, Batfish's name, holds the
//! CLI's `ServiceDetails` and `ServiceNames`). Simple calls run as one task each; calls that
//! need the ids of another listing (the routes, propagations and associations of each transit
//! gateway route table, the entries of each managed prefix list, the listeners, rules,
//! attributes and target health of each load balancer and target group, the policies and
//! rule groups of the firewalls) run in the task of that listing and are stored in Batfish's
//! wrapper shape, one element per parent id. Every paginated call is followed to its last
//! page with the SDK's paginators.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use aws_sdk_ec2::types::Filter;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde_json::{json, Value};

use super::shape::ToCli;
use super::CallError;

/// One snapshot file: the top-level key (and file stem) and the API action that fills it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Call {
    pub key: &'static str,
    pub action: &'static str,
}

macro_rules! calls {
    ($($name:ident = $key:literal by $action:literal;)*) => {
        $(pub(super) const $name: Call = Call { key: $key, action: $action };)*
        /// Every file a regional capture writes, in a stable order.
        pub(super) const ALL: &[Call] = &[$($name),*];
    };
}

calls! {
    VPCS = "Vpcs" by "DescribeVpcs";
    SUBNETS = "Subnets" by "DescribeSubnets";
    ROUTE_TABLES = "RouteTables" by "DescribeRouteTables";
    NETWORK_ACLS = "NetworkAcls" by "DescribeNetworkAcls";
    SECURITY_GROUPS = "SecurityGroups" by "DescribeSecurityGroups";
    NETWORK_INTERFACES = "NetworkInterfaces" by "DescribeNetworkInterfaces";
    RESERVATIONS = "Reservations" by "DescribeInstances";
    INTERNET_GATEWAYS = "InternetGateways" by "DescribeInternetGateways";
    EGRESS_ONLY_IGWS = "EgressOnlyInternetGateways" by "DescribeEgressOnlyInternetGateways";
    NAT_GATEWAYS = "NatGateways" by "DescribeNatGateways";
    PEERINGS = "VpcPeeringConnections" by "DescribeVpcPeeringConnections";
    TRANSIT_GATEWAYS = "TransitGateways" by "DescribeTransitGateways";
    TGW_ATTACHMENTS = "TransitGatewayAttachments" by "DescribeTransitGatewayAttachments";
    TGW_VPC_ATTACHMENTS = "TransitGatewayVpcAttachments" by "DescribeTransitGatewayVpcAttachments";
    TGW_ROUTE_TABLES = "TransitGatewayRouteTables" by "DescribeTransitGatewayRouteTables";
    TGW_ROUTES = "TransitGatewayRoutes" by "SearchTransitGatewayRoutes";
    TGW_PROPAGATIONS = "TransitGatewayPropagations" by "GetTransitGatewayRouteTablePropagations";
    TGW_ASSOCIATIONS = "TransitGatewayRouteTableAssociations" by "GetTransitGatewayRouteTableAssociations";
    VPC_ENDPOINTS = "VpcEndpoints" by "DescribeVpcEndpoints";
    MANAGED_PREFIX_LISTS = "ManagedPrefixLists" by "DescribeManagedPrefixLists";
    PREFIX_LIST_ENTRIES = "PrefixListEntries" by "GetManagedPrefixListEntries";
    PREFIX_LISTS = "PrefixLists" by "DescribePrefixLists";
    ADDRESSES = "Addresses" by "DescribeAddresses";
    FLOW_LOGS = "FlowLogs" by "DescribeFlowLogs";
    DB_INSTANCES = "DBInstances" by "DescribeDBInstances";
    VPN_GATEWAYS = "VpnGateways" by "DescribeVpnGateways";
    VPN_CONNECTIONS = "VpnConnections" by "DescribeVpnConnections";
    CUSTOMER_GATEWAYS = "CustomerGateways" by "DescribeCustomerGateways";
    VPC_ENDPOINT_SERVICES = "VpcEndpointServices" by "DescribeVpcEndpointServices";
    LOAD_BALANCERS = "LoadBalancers" by "DescribeLoadBalancers";
    LB_LISTENERS = "LoadBalancerListeners" by "DescribeListeners";
    LB_LISTENER_RULES = "LoadBalancerListenerRules" by "DescribeRules";
    LB_ATTRIBUTES = "LoadBalancerAttributes" by "DescribeLoadBalancerAttributes";
    TARGET_GROUPS = "TargetGroups" by "DescribeTargetGroups";
    TARGET_HEALTH = "LoadBalancerTargetHealth" by "DescribeTargetHealth";
    TG_ATTRIBUTES = "TargetGroupAttributes" by "DescribeTargetGroupAttributes";
    CLASSIC_LOAD_BALANCERS = "LoadBalancerDescriptions" by "DescribeLoadBalancers";
    FIREWALLS = "Firewalls" by "DescribeFirewall";
    FIREWALL_POLICIES = "FirewallPolicies" by "DescribeFirewallPolicy";
    RULE_GROUPS = "RuleGroups" by "DescribeRuleGroup";
}

/// How many items a captured document holds (the manifest's `count`): the array under the
/// file's key, or for the endpoint services file (whose keys are the CLI's `ServiceDetails`
/// and `ServiceNames`) its service details.
pub(super) fn count(call: Call, doc: &Value) -> usize {
    let key = if call.key == VPC_ENDPOINT_SERVICES.key { "ServiceDetails" } else { call.key };
    doc.get(key).and_then(Value::as_array).map_or(0, Vec::len)
}

/// The clients and scope of one region's capture.
#[derive(Debug)]
pub(super) struct Region {
    pub ec2: aws_sdk_ec2::Client,
    pub rds: aws_sdk_rds::Client,
    /// Elastic Load Balancing v2: application, network and gateway load balancers.
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
    /// Elastic Load Balancing (Classic Load Balancers).
    pub elb: aws_sdk_elasticloadbalancing::Client,
    pub nfw: aws_sdk_networkfirewall::Client,
    /// `--vpc-id` values; empty means every VPC.
    pub vpc_ids: Vec<String>,
}

impl Region {
    /// An EC2 filter `name` = the VPC ids, or `None` when the capture is not scoped.
    fn vpc_filter(&self, name: &str) -> Option<Vec<Filter>> {
        (!self.vpc_ids.is_empty())
            .then(|| vec![Filter::builder().name(name).set_values(Some(self.vpc_ids.clone())).build()])
    }

    fn in_scope(&self, id: Option<&Value>) -> bool {
        id.and_then(Value::as_str).is_some_and(|id| self.vpc_ids.iter().any(|v| v == id))
    }

    /// Whether an item of the file `key` belongs to the VPCs of `--vpc-id`. The server-side
    /// filters already did most of this; repeating it here covers the APIs without a VPC
    /// filter and emulators that ignore one.
    fn keep(&self, key: &str, item: &mut Value) -> bool {
        if self.vpc_ids.is_empty() {
            return true;
        }
        match key {
            "Vpcs" | "Subnets" | "RouteTables" | "NetworkAcls" | "SecurityGroups"
            | "NetworkInterfaces" | "NatGateways" | "VpcEndpoints" | "TransitGatewayVpcAttachments" => {
                self.in_scope(item.get("VpcId"))
            }
            "VpnGateways" => item
                .get("VpcAttachments")
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(|att| self.in_scope(att.get("VpcId")))),
            "InternetGateways" | "EgressOnlyInternetGateways" => item
                .get("Attachments")
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(|att| self.in_scope(att.get("VpcId")))),
            "VpcPeeringConnections" => {
                self.in_scope(item.pointer("/AccepterVpcInfo/VpcId"))
                    || self.in_scope(item.pointer("/RequesterVpcInfo/VpcId"))
            }
            "Reservations" => match item.get_mut("Instances").and_then(Value::as_array_mut) {
                Some(instances) => {
                    instances.retain(|i| self.in_scope(i.get("VpcId")));
                    !instances.is_empty()
                }
                None => false,
            },
            "DBInstances" => self.in_scope(item.pointer("/DBSubnetGroup/VpcId")),
            "LoadBalancers" | "TargetGroups" => self.in_scope(item.get("VpcId")),
            "LoadBalancerDescriptions" => self.in_scope(item.get("VPCId")),
            "Firewalls" => self.in_scope(item.pointer("/Firewall/VpcId")),
            // Transit gateways, prefix lists, addresses and flow logs are small and shared
            // between VPCs: keep them whole.
            _ => true,
        }
    }
}

/// The result of one call: the whole document (`{"Vpcs": [...]}`) or why it is missing.
#[derive(Debug)]
pub(super) struct Outcome {
    pub call: Call,
    pub result: Result<Value, CallError>,
}

/// One unit of concurrent work; it yields the outcomes of one or more calls.
pub(super) type Task = Pin<Box<dyn Future<Output = Vec<Outcome>> + Send>>;

/// Turns an SDK error into the code and message the manifest records.
pub(super) fn call_error<E>(err: &aws_sdk_ec2::error::SdkError<E>) -> CallError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    use aws_sdk_ec2::error::SdkError;
    let code = err.code().map(str::to_owned).unwrap_or_else(|| {
        match err {
            SdkError::ConstructionFailure(_) => "ConstructionFailure",
            SdkError::TimeoutError(_) => "Timeout",
            SdkError::DispatchFailure(_) => "DispatchFailure",
            SdkError::ResponseError(_) => "ResponseError",
            _ => "ServiceError",
        }
        .to_owned()
    });
    let message = match (err.message(), err.raw_response()) {
        (Some(m), _) => m.to_owned(),
        (None, Some(raw)) if err.code().is_none() => {
            format!("the service answered HTTP {} without an AWS error", raw.status().as_u16())
        }
        _ => error_chain(err),
    };
    CallError { code, message }
}

/// The messages of an error and its sources, joined by `: ` (the SDK's `Debug` output
/// would include raw responses).
pub(super) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Converts a listing into its document, applying the `--vpc-id` scope.
fn document<T: ToCli>(region: &Region, call: Call, items: &[T]) -> Value {
    let mut kept: Vec<Value> = items.iter().map(ToCli::to_cli).collect();
    kept.retain_mut(|item| region.keep(call.key, item));
    json!({ call.key: kept })
}

fn outcome<T, E>(region: &Region, call: Call, result: Result<Vec<T>, aws_sdk_ec2::error::SdkError<E>>) -> Outcome
where
    T: ToCli,
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    Outcome {
        call,
        result: result.map(|items| document(region, call, &items)).map_err(|e| call_error(&e)),
    }
}

/// The outcome of a call that was not made because the listing it depends on failed.
fn not_attempted(call: Call, parent: Call, err: &CallError) -> Outcome {
    Outcome {
        call,
        result: Err(CallError {
            code: err.code.clone(),
            message: format!("not attempted because {} failed", parent.action),
        }),
    }
}

/// A task for one paginated EC2 call: `$req` builds the request from `$c` (the client)
/// and `$r` (the region).
macro_rules! paged {
    ($region:expr, $call:expr, |$r:ident, $c:ident| $req:expr) => {{
        let $r = Arc::clone(&$region);
        Box::pin(async move {
            let $c = &$r.ec2;
            let result = $req.into_paginator().items().send().try_collect().await;
            vec![outcome(&$r, $call, result)]
        }) as Task
    }};
}

/// The outcome of one paginated call per parent id, gathered into a wrapper document with
/// one element per id. The file is written only when every per-id call succeeded, so a
/// present file is always complete.
macro_rules! per_id {
    ($ids:expr, $call:expr, |$id:ident| $req:expr, |$items:ident| $elem:expr) => {{
        let mut elems = Vec::new();
        let mut failed = None;
        for $id in $ids {
            match $req.into_paginator().items().send().try_collect().await {
                Ok($items) => elems.push($elem),
                Err(e) => {
                    failed = Some(call_error(&e));
                    break;
                }
            }
        }
        Outcome { call: $call, result: failed.map_or_else(|| Ok(json!({ $call.key: elems })), Err) }
    }};
}

/// Every task of one region's capture; together they produce one outcome per [`ALL`] entry.
pub(super) fn tasks(region: &Arc<Region>) -> Vec<Task> {
    vec![
        paged!(region, VPCS, |r, c| c.describe_vpcs().set_filters(r.vpc_filter("vpc-id"))),
        paged!(region, SUBNETS, |r, c| c.describe_subnets().set_filters(r.vpc_filter("vpc-id"))),
        paged!(region, ROUTE_TABLES, |r, c| c
            .describe_route_tables()
            .set_filters(r.vpc_filter("vpc-id"))),
        paged!(region, NETWORK_ACLS, |r, c| c
            .describe_network_acls()
            .set_filters(r.vpc_filter("vpc-id"))),
        paged!(region, SECURITY_GROUPS, |r, c| c
            .describe_security_groups()
            .set_filters(r.vpc_filter("vpc-id"))),
        paged!(region, NETWORK_INTERFACES, |r, c| c
            .describe_network_interfaces()
            .set_filters(r.vpc_filter("vpc-id"))),
        paged!(region, RESERVATIONS, |r, c| c
            .describe_instances()
            .set_filters(r.vpc_filter("vpc-id"))),
        paged!(region, INTERNET_GATEWAYS, |r, c| c
            .describe_internet_gateways()
            .set_filters(r.vpc_filter("attachment.vpc-id"))),
        paged!(region, EGRESS_ONLY_IGWS, |_r, c| c.describe_egress_only_internet_gateways()),
        paged!(region, NAT_GATEWAYS, |r, c| c
            .describe_nat_gateways()
            .set_filter(r.vpc_filter("vpc-id"))),
        paged!(region, PEERINGS, |_r, c| c.describe_vpc_peering_connections()),
        paged!(region, TRANSIT_GATEWAYS, |_r, c| c.describe_transit_gateways()),
        paged!(region, TGW_ATTACHMENTS, |_r, c| c.describe_transit_gateway_attachments()),
        paged!(region, TGW_VPC_ATTACHMENTS, |_r, c| c.describe_transit_gateway_vpc_attachments()),
        paged!(region, VPC_ENDPOINTS, |r, c| c
            .describe_vpc_endpoints()
            .set_filters(r.vpc_filter("vpc-id"))),
        paged!(region, PREFIX_LISTS, |_r, c| c.describe_prefix_lists()),
        paged!(region, FLOW_LOGS, |_r, c| c.describe_flow_logs()),
        {
            let r = Arc::clone(region);
            Box::pin(async move {
                // DescribeAddresses is not paginated: one response holds every address.
                let result = r.ec2.describe_addresses().send().await.map(|o| o.addresses.unwrap_or_default());
                vec![outcome(&r, ADDRESSES, result)]
            }) as Task
        },
        {
            let r = Arc::clone(region);
            Box::pin(async move {
                let result = r.rds.describe_db_instances().into_paginator().items().send().try_collect().await;
                vec![outcome(&r, DB_INSTANCES, result)]
            }) as Task
        },
        {
            let r = Arc::clone(region);
            Box::pin(async move {
                // The VPN describe calls are not paginated: one response holds every item.
                let gateways = r.ec2.describe_vpn_gateways().send().await.map(|o| o.vpn_gateways.unwrap_or_default());
                let connections = r.ec2.describe_vpn_connections().send().await.map(|o| o.vpn_connections.unwrap_or_default());
                let customer = r.ec2.describe_customer_gateways().send().await.map(|o| o.customer_gateways.unwrap_or_default());
                vec![outcome(&r, VPN_GATEWAYS, gateways), outcome(&r, VPN_CONNECTIONS, connections), outcome(&r, CUSTOMER_GATEWAYS, customer)]
            }) as Task
        },
        Box::pin(transit_gateway_route_tables(Arc::clone(region))),
        Box::pin(managed_prefix_lists(Arc::clone(region))),
        Box::pin(vpc_endpoint_services(Arc::clone(region))),
        Box::pin(load_balancers(Arc::clone(region))),
        Box::pin(target_groups(Arc::clone(region))),
        {
            let r = Arc::clone(region);
            Box::pin(async move {
                let result = r.elb.describe_load_balancers().into_paginator().items().send().try_collect().await;
                vec![outcome(&r, CLASSIC_LOAD_BALANCERS, result)]
            }) as Task
        },
        Box::pin(firewalls(Arc::clone(region))),
    ]
}

/// Transit gateway route tables, then per table its static routes, propagations and
/// associations, each stored as `{"<Key>": [{"TransitGatewayRouteTableId": id, <the CLI
/// output of the per-table call>}]}`, as Batfish's collector does.
async fn transit_gateway_route_tables(r: Arc<Region>) -> Vec<Outcome> {
    let tables = match r.ec2.describe_transit_gateway_route_tables().into_paginator().items().send().try_collect().await {
        Ok(tables) => tables,
        Err(e) => {
            let err = call_error(&e);
            return vec![
                not_attempted(TGW_ROUTES, TGW_ROUTE_TABLES, &err),
                not_attempted(TGW_PROPAGATIONS, TGW_ROUTE_TABLES, &err),
                not_attempted(TGW_ASSOCIATIONS, TGW_ROUTE_TABLES, &err),
                Outcome { call: TGW_ROUTE_TABLES, result: Err(err) },
            ];
        }
    };
    let ids: Vec<String> = tables.iter().filter_map(|t| t.transit_gateway_route_table_id.clone()).collect();
    // Static and propagated routes (blackholes included): the routes a table learns by BGP
    // from VPN and Direct Connect attachments appear nowhere else, and without them a
    // missing route to on premises could not be told from a route the capture missed.
    let kinds = Filter::builder().name("type").values("static").values("propagated").build();
    vec![
        Outcome { call: TGW_ROUTE_TABLES, result: Ok(document(&r, TGW_ROUTE_TABLES, &tables)) },
        per_id!(&ids, TGW_ROUTES, |id| r
            .ec2
            .search_transit_gateway_routes()
            .transit_gateway_route_table_id(id)
            .filters(kinds.clone()),
            |items| json!({
                "TransitGatewayRouteTableId": id,
                "Routes": items.to_cli(),
                "AdditionalRoutesAvailable": false,
            })),
        per_id!(&ids, TGW_PROPAGATIONS, |id| r
            .ec2
            .get_transit_gateway_route_table_propagations()
            .transit_gateway_route_table_id(id),
            |items| json!({
                "TransitGatewayRouteTableId": id,
                "TransitGatewayRouteTablePropagations": items.to_cli(),
            })),
        per_id!(&ids, TGW_ASSOCIATIONS, |id| r
            .ec2
            .get_transit_gateway_route_table_associations()
            .transit_gateway_route_table_id(id),
            |items| json!({ "TransitGatewayRouteTableId": id, "Associations": items.to_cli() })),
    ]
}

/// Managed prefix lists, then the entries of each as
/// `{"PrefixListEntries": [{"PrefixListId": id, "Entries": [{"Cidr", "Description"}]}]}`.
async fn managed_prefix_lists(r: Arc<Region>) -> Vec<Outcome> {
    let lists = match r.ec2.describe_managed_prefix_lists().into_paginator().items().send().try_collect().await {
        Ok(lists) => lists,
        Err(e) => {
            let err = call_error(&e);
            return vec![
                not_attempted(PREFIX_LIST_ENTRIES, MANAGED_PREFIX_LISTS, &err),
                Outcome { call: MANAGED_PREFIX_LISTS, result: Err(err) },
            ];
        }
    };
    let ids: Vec<String> = lists.iter().filter_map(|l| l.prefix_list_id.clone()).collect();
    vec![
        Outcome { call: MANAGED_PREFIX_LISTS, result: Ok(document(&r, MANAGED_PREFIX_LISTS, &lists)) },
        per_id!(&ids, PREFIX_LIST_ENTRIES, |id| r.ec2.get_managed_prefix_list_entries().prefix_list_id(id),
            |items| json!({ "PrefixListId": id, "Entries": items.to_cli() })),
    ]
}

/// The outcome of one unpaginated call per parent id, gathered like [`per_id!`]: `$elem`
/// builds the element from the response `$out`. Written only when every call succeeded.
macro_rules! per_id_once {
    ($ids:expr, $call:expr, |$id:ident| $req:expr, |$out:ident| $elem:expr) => {{
        let mut elems = Vec::new();
        let mut failed = None;
        for $id in $ids {
            match $req.send().await {
                Ok($out) => elems.push($elem),
                Err(e) => {
                    failed = Some(call_error(&e));
                    break;
                }
            }
        }
        Outcome { call: $call, result: failed.map_or_else(|| Ok(json!({ $call.key: elems })), Err) }
    }};
}

/// The string values at `pointer` in each element of `doc[key]` (the ARNs of the kept load
/// balancers, say), without repeats, in document order.
fn strings_at(doc: &Value, key: &str, pointer: &str) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    doc.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|item| item.pointer(pointer).and_then(Value::as_str))
        .filter(|s| seen.insert(s.to_owned()))
        .map(str::to_owned)
        .collect()
}

/// The endpoint services the region offers, as the CLI prints them:
/// `{"ServiceDetails": [...], "ServiceNames": [...]}` (the file keeps Batfish's name,
/// `VpcEndpointServices.json`). DescribeVpcEndpointServices has no paginator; its pages are
/// followed by their `NextToken`.
async fn vpc_endpoint_services(r: Arc<Region>) -> Vec<Outcome> {
    let mut details = Vec::new();
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    let result = loop {
        match r.ec2.describe_vpc_endpoint_services().set_next_token(token.take()).send().await {
            Ok(page) => {
                details.extend(page.service_details.unwrap_or_default());
                names.extend(page.service_names.unwrap_or_default());
                match page.next_token {
                    Some(next) if !next.is_empty() => token = Some(next),
                    _ => break Ok(json!({ "ServiceDetails": details.to_cli(), "ServiceNames": names })),
                }
            }
            Err(e) => break Err(call_error(&e)),
        }
    };
    vec![Outcome { call: VPC_ENDPOINT_SERVICES, result }]
}

/// Application, network and gateway load balancers, then per load balancer its listeners and
/// attributes, and per listener of an application load balancer its rules, in Batfish's
/// wrapper shape: `{"LoadBalancerListeners": [{"LoadBalancerArn": arn, "Listeners": [...]}]}`,
/// `{"LoadBalancerAttributes": [{"LoadBalancerArn": arn, "Attributes": [...]}]}`,
/// `{"LoadBalancerListenerRules": [{"ListenerArn": arn, "Rules": [...]}]}`.
async fn load_balancers(r: Arc<Region>) -> Vec<Outcome> {
    let lbs = match r.elbv2.describe_load_balancers().into_paginator().items().send().try_collect().await {
        Ok(lbs) => document(&r, LOAD_BALANCERS, &lbs),
        Err(e) => {
            let err = call_error(&e);
            return vec![
                not_attempted(LB_LISTENERS, LOAD_BALANCERS, &err),
                not_attempted(LB_LISTENER_RULES, LOAD_BALANCERS, &err),
                not_attempted(LB_ATTRIBUTES, LOAD_BALANCERS, &err),
                Outcome { call: LOAD_BALANCERS, result: Err(err) },
            ];
        }
    };
    let arns = strings_at(&lbs, LOAD_BALANCERS.key, "/LoadBalancerArn");
    // Only application load balancers' listeners have rules (DescribeRules refuses others).
    let albs: Vec<String> = lbs
        .get(LOAD_BALANCERS.key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|lb| lb.get("Type").and_then(Value::as_str) == Some("application"))
        .filter_map(|lb| lb.get("LoadBalancerArn").and_then(Value::as_str).map(str::to_owned))
        .collect();
    let listeners = per_id!(&arns, LB_LISTENERS, |arn| r.elbv2.describe_listeners().load_balancer_arn(arn),
        |items| json!({ "LoadBalancerArn": arn, "Listeners": items.to_cli() }));
    let rules = match &listeners.result {
        Ok(doc) => {
            let alb_listeners: Vec<String> = doc
                .get(LB_LISTENERS.key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|l| l.get("LoadBalancerArn").and_then(Value::as_str).is_some_and(|a| albs.iter().any(|x| x == a)))
                .flat_map(|l| l.get("Listeners").and_then(Value::as_array).into_iter().flatten())
                .filter_map(|l| l.get("ListenerArn").and_then(Value::as_str).map(str::to_owned))
                .collect();
            per_id!(&alb_listeners, LB_LISTENER_RULES, |arn| r.elbv2.describe_rules().listener_arn(arn),
                |items| json!({ "ListenerArn": arn, "Rules": items.to_cli() }))
        }
        Err(err) => not_attempted(LB_LISTENER_RULES, LB_LISTENERS, err),
    };
    let attributes = per_id_once!(&arns, LB_ATTRIBUTES, |arn| r.elbv2.describe_load_balancer_attributes().load_balancer_arn(arn),
        |out| json!({ "LoadBalancerArn": arn, "Attributes": out.attributes.to_cli() }));
    vec![Outcome { call: LOAD_BALANCERS, result: Ok(lbs) }, listeners, rules, attributes]
}

/// Target groups, then per group the health of its registered targets and its attributes:
/// `{"LoadBalancerTargetHealth": [{"TargetGroupArn": arn, "TargetHealthDescriptions": [...]}]}`
/// and `{"TargetGroupAttributes": [{"TargetGroupArn": arn, "Attributes": [...]}]}`.
async fn target_groups(r: Arc<Region>) -> Vec<Outcome> {
    let groups = match r.elbv2.describe_target_groups().into_paginator().items().send().try_collect().await {
        Ok(groups) => document(&r, TARGET_GROUPS, &groups),
        Err(e) => {
            let err = call_error(&e);
            return vec![
                not_attempted(TARGET_HEALTH, TARGET_GROUPS, &err),
                not_attempted(TG_ATTRIBUTES, TARGET_GROUPS, &err),
                Outcome { call: TARGET_GROUPS, result: Err(err) },
            ];
        }
    };
    let arns = strings_at(&groups, TARGET_GROUPS.key, "/TargetGroupArn");
    let health = per_id_once!(&arns, TARGET_HEALTH, |arn| r.elbv2.describe_target_health().target_group_arn(arn),
        |out| json!({ "TargetGroupArn": arn, "TargetHealthDescriptions": out.target_health_descriptions.to_cli() }));
    let attributes = per_id_once!(&arns, TG_ATTRIBUTES, |arn| r.elbv2.describe_target_group_attributes().target_group_arn(arn),
        |out| json!({ "TargetGroupArn": arn, "Attributes": out.attributes.to_cli() }));
    vec![Outcome { call: TARGET_GROUPS, result: Ok(groups) }, health, attributes]
}

/// The `{"Key": value}` object of the members that are present (a response's optional parts).
fn present(members: &[(&str, Value)]) -> Value {
    Value::Object(members.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| ((*k).to_owned(), v.clone())).collect())
}

/// Network Firewall: the firewalls (ListFirewalls, then DescribeFirewall each), the policies
/// they use (DescribeFirewallPolicy) and the rule groups those reference (DescribeRuleGroup,
/// AWS managed groups included), each element the CLI output of the describe call:
/// `{"Firewalls": [{"Firewall": {...}, "FirewallStatus": {...}}]}`,
/// `{"FirewallPolicies": [{"FirewallPolicyResponse": {...}, "FirewallPolicy": {...}}]}`,
/// `{"RuleGroups": [{"RuleGroupResponse": {...}, "RuleGroup": {...}}]}`. A region without
/// Network Firewall (or an account not allowed to call it) fails the first call; the other
/// two are then recorded as not attempted.
async fn firewalls(r: Arc<Region>) -> Vec<Outcome> {
    let vpc_ids = (!r.vpc_ids.is_empty()).then(|| r.vpc_ids.clone());
    let listed = r.nfw.list_firewalls().set_vpc_ids(vpc_ids).into_paginator().items().send().try_collect().await;
    let arns: Vec<String> = match listed {
        Ok(list) => list.into_iter().filter_map(|f| f.firewall_arn).collect(),
        Err(e) => {
            let mut err = call_error(&e);
            err.message = format!("ListFirewalls: {}", err.message);
            return vec![
                not_attempted(FIREWALL_POLICIES, FIREWALLS, &err),
                not_attempted(RULE_GROUPS, FIREWALLS, &err),
                Outcome { call: FIREWALLS, result: Err(err) },
            ];
        }
    };
    let firewalls = per_id_once!(&arns, FIREWALLS, |arn| r.nfw.describe_firewall().firewall_arn(arn),
        |out| present(&[
            ("UpdateToken", out.update_token.to_cli()),
            ("Firewall", out.firewall.to_cli()),
            ("FirewallStatus", out.firewall_status.to_cli()),
        ]));
    let mut firewalls = firewalls;
    if let Ok(doc) = &mut firewalls.result {
        if let Some(items) = doc.get_mut(FIREWALLS.key).and_then(Value::as_array_mut) {
            items.retain_mut(|item| r.keep(FIREWALLS.key, item));
        }
    }
    let policy_arns = match &firewalls.result {
        Ok(doc) => strings_at(doc, FIREWALLS.key, "/Firewall/FirewallPolicyArn"),
        Err(err) => {
            return vec![
                not_attempted(FIREWALL_POLICIES, FIREWALLS, err),
                not_attempted(RULE_GROUPS, FIREWALLS, err),
                firewalls,
            ];
        }
    };
    let policies = per_id_once!(&policy_arns, FIREWALL_POLICIES, |arn| r.nfw.describe_firewall_policy().firewall_policy_arn(arn),
        |out| present(&[
            ("UpdateToken", out.update_token.to_cli()),
            ("FirewallPolicyResponse", out.firewall_policy_response.to_cli()),
            ("FirewallPolicy", out.firewall_policy.to_cli()),
        ]));
    let group_arns = match &policies.result {
        Ok(doc) => {
            let mut arns = Vec::new();
            let mut seen = std::collections::BTreeSet::new();
            for policy in doc.get(FIREWALL_POLICIES.key).and_then(Value::as_array).into_iter().flatten() {
                for list in ["StatelessRuleGroupReferences", "StatefulRuleGroupReferences"] {
                    let refs = policy.pointer(&format!("/FirewallPolicy/{list}")).and_then(Value::as_array);
                    for arn in refs.into_iter().flatten().filter_map(|g| g.get("ResourceArn").and_then(Value::as_str)) {
                        if seen.insert(arn.to_owned()) {
                            arns.push(arn.to_owned());
                        }
                    }
                }
            }
            arns
        }
        Err(err) => return vec![firewalls, not_attempted(RULE_GROUPS, FIREWALL_POLICIES, err), policies],
    };
    let groups = per_id_once!(&group_arns, RULE_GROUPS, |arn| r.nfw.describe_rule_group().rule_group_arn(arn),
        |out| present(&[
            ("UpdateToken", out.update_token.to_cli()),
            ("RuleGroupResponse", out.rule_group_response.to_cli()),
            ("RuleGroup", out.rule_group.to_cli()),
        ]));
    vec![firewalls, policies, groups]
}
