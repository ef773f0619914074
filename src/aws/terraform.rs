//! Proposed changes from a Terraform plan (`terraform show -json PLANFILE`): the planned
//! create, update and delete actions of the network resources vpcscope models, applied to a
//! snapshot's model to give the model after the change.
//!
//! Handled resource types: `aws_security_group`, `aws_security_group_rule`,
//! `aws_vpc_security_group_ingress_rule`, `aws_vpc_security_group_egress_rule`,
//! `aws_network_acl`, `aws_network_acl_rule`, `aws_network_acl_association`, `aws_route`,
//! `aws_route_table` and `aws_route_table_association`. Others are ignored (listed once in
//! the warnings). Resources are matched to the snapshot by id; resources the plan creates get
//! the placeholder id `tf:ADDRESS` (for example `tf:aws_security_group.db`), and an id that
//! is unknown until apply is resolved through the plan's `configuration` references to the
//! resource that will produce it. Other unknown values are handled conservatively and
//! reported: an unknown CIDR in an allow rule is taken as `0.0.0.0/0` (the widest the rule
//! can be); a rule or route whose component cannot be identified is skipped.
//!
//! Like `convert`, this is the only place that knows Terraform's spellings (`-1`, `rule_no`,
//! `cidr_blocks`); the result is an ordinary [`Model`].

use super::Warnings;
use crate::model::*;
use ipnet::{IpNet, Ipv4Net};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// The resource types applied to the model.
pub const HANDLED_TYPES: &[&str] = &[
    "aws_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_network_acl",
    "aws_network_acl_rule",
    "aws_network_acl_association",
    "aws_route",
    "aws_route_table",
    "aws_route_table_association",
];

/// A plan JSON document of the wrong shape.
#[derive(Debug, thiserror::Error)]
#[error("not a Terraform plan (terraform show -json PLANFILE): {0}")]
pub struct PlanError(pub String);

/// One planned resource change.
#[derive(Clone, Debug)]
pub struct ResourceChange {
    /// `aws_security_group_rule.db_open`, `module.net.aws_route.x[0]`.
    pub address: String,
    /// Resource type.
    pub rtype: String,
    /// `create`, `update`, `delete`, `no-op`, `read` (replacement is delete + create).
    pub actions: Vec<String>,
    /// Values before (null for create).
    pub before: Value,
    /// Values after (null for delete); unknown values are absent or null.
    pub after: Value,
    /// Which `after` values are unknown until apply (`true` leaves).
    pub after_unknown: Value,
}

/// A parsed plan: its resource changes and the references of its configuration.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Terraform's `format_version`.
    pub format_version: String,
    /// Resource changes in plan order.
    pub changes: Vec<ResourceChange>,
    /// `address without index` -> attribute -> referenced addresses, from `configuration`.
    pub references: HashMap<String, HashMap<String, Vec<String>>>,
}

/// Reads the parts of a plan document vpcscope uses.
pub fn parse_plan(doc: &Value) -> Result<Plan, PlanError> {
    let obj = doc.as_object().ok_or_else(|| PlanError("the document is not a JSON object".into()))?;
    let format_version = obj.get("format_version").and_then(Value::as_str).ok_or_else(|| PlanError("missing `format_version`".into()))?.to_string();
    let rcs = match obj.get("resource_changes") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(a)) => a.as_slice(),
        Some(_) => return Err(PlanError("`resource_changes` is not an array".into())),
    };
    let mut changes = Vec::new();
    for (i, rc) in rcs.iter().enumerate() {
        let at = |k: &str| format!("resource_changes[{i}].{k}");
        let address = rc.get("address").and_then(Value::as_str).ok_or_else(|| PlanError(format!("missing {}", at("address"))))?;
        let rtype = rc.get("type").and_then(Value::as_str).ok_or_else(|| PlanError(format!("missing {}", at("type"))))?;
        let change = rc.get("change").ok_or_else(|| PlanError(format!("missing {}", at("change"))))?;
        let actions = change
            .get("actions")
            .and_then(Value::as_array)
            .ok_or_else(|| PlanError(format!("missing {}", at("change.actions"))))?
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        changes.push(ResourceChange {
            address: address.to_string(),
            rtype: rtype.to_string(),
            actions,
            before: change.get("before").cloned().unwrap_or(Value::Null),
            after: change.get("after").cloned().unwrap_or(Value::Null),
            after_unknown: change.get("after_unknown").cloned().unwrap_or(Value::Null),
        });
    }
    let mut references = HashMap::new();
    if let Some(root) = obj.get("configuration").and_then(|c| c.get("root_module")) {
        collect_refs(root, "", &mut references);
    }
    Ok(Plan { format_version, changes, references })
}

fn collect_refs(module: &Value, prefix: &str, out: &mut HashMap<String, HashMap<String, Vec<String>>>) {
    for r in module.get("resources").and_then(Value::as_array).into_iter().flatten() {
        let Some(addr) = r.get("address").and_then(Value::as_str) else { continue };
        let mut attrs = HashMap::new();
        for (k, e) in r.get("expressions").and_then(Value::as_object).into_iter().flatten() {
            let refs: Vec<String> = e.get("references").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(|s| format!("{prefix}{s}")).collect();
            if !refs.is_empty() {
                attrs.insert(k.clone(), refs);
            }
        }
        out.insert(format!("{prefix}{addr}"), attrs);
    }
    for (name, call) in module.get("module_calls").and_then(Value::as_object).into_iter().flatten() {
        if let Some(m) = call.get("module") {
            collect_refs(m, &format!("{prefix}module.{name}."), out);
        }
    }
}

/// `aws_x.y[0]` -> `aws_x.y`; `aws_x.y["a"]` -> `aws_x.y`.
fn strip_index(address: &str) -> &str {
    match address.rfind('[') {
        Some(i) if address.ends_with(']') && !address[i..].contains('.') => &address[..i],
        _ => address,
    }
}

struct Ctx<'p> {
    plan: &'p Plan,
    /// Address -> id (known, or a `tf:` placeholder).
    ids: HashMap<&'p str, String>,
    warnings: Warnings,
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|x| !x.is_empty())
}

fn int(v: &Value, key: &str) -> Option<i64> {
    match v.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(x) => x.trim().parse().ok(),
        _ => None,
    }
}

fn strs(v: &Value, key: &str) -> Vec<String> {
    v.get(key).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_string).collect()
}

fn any_true(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Array(a) => a.iter().any(any_true),
        Value::Object(o) => o.values().any(any_true),
        _ => false,
    }
}

impl<'p> Ctx<'p> {
    fn unknown(&self, rc: &ResourceChange, key: &str) -> bool {
        rc.after_unknown.get(key).is_some_and(any_true)
    }

    /// An id attribute of `rc`'s after (or before) values, resolving unknown ids through
    /// configuration references.
    fn id_attr(&self, rc: &ResourceChange, vals: &Value, key: &str) -> Option<String> {
        if let Some(x) = s(vals, key) {
            return Some(x.to_string());
        }
        let refs = self.plan.references.get(strip_index(&rc.address)).and_then(|m| m.get(key))?;
        for r in refs {
            let target = r.strip_suffix(".id").unwrap_or(r);
            if let Some((_, id)) = self.ids.iter().find(|(addr, _)| strip_index(addr) == target) {
                return Some(id.clone());
            }
        }
        None
    }

    fn warn(&mut self, msg: String) {
        self.warnings.push(msg);
    }
}

fn protocol(p: Option<&str>) -> Protocol {
    match p.map(str::trim) {
        None | Some("-1") | Some("all") | Some("") => Protocol::Any,
        Some(x) => Protocol::parse(x).unwrap_or(Protocol::Any),
    }
}

fn l4(protocol: Protocol, from: Option<i64>, to: Option<i64>) -> L4Match {
    let port = |v: Option<i64>| v.and_then(|p| u16::try_from(p).ok());
    let icmp = |v: Option<i64>| v.and_then(|p| u8::try_from(p).ok());
    match protocol {
        Protocol::Tcp | Protocol::Udp => match (port(from), port(to)) {
            (Some(f), Some(t)) if f <= t && !(f == 0 && t == 0) => L4Match::Ports(PortRange { from: f, to: t }),
            _ => L4Match::Ports(PortRange::ALL),
        },
        Protocol::Icmp | Protocol::Icmpv6 => {
            let t = icmp(from);
            L4Match::Icmp(IcmpMatch { icmp_type: t, code: t.and(icmp(to)) })
        }
        _ => L4Match::Any,
    }
}

fn net(x: &str) -> Option<IpNet> {
    x.trim().parse::<IpNet>().ok().map(|n| n.trunc())
}

const ANY4: &str = "0.0.0.0/0";

/// Applies `plan` to a copy of `model`. Returns the changed model and what could not be
/// applied exactly.
pub fn apply(model: &Model, plan: &Plan) -> (Model, Warnings) {
    let mut m = model.clone();
    let mut ids = HashMap::new();
    for rc in &plan.changes {
        let id = s(&rc.after, "id").or_else(|| s(&rc.before, "id")).map(str::to_string).unwrap_or_else(|| format!("tf:{}", rc.address));
        ids.insert(rc.address.as_str(), id);
    }
    let mut cx = Ctx { plan, ids, warnings: Warnings::default() };
    let mut ignored: BTreeSet<&str> = BTreeSet::new();
    // Containers first, so that rules and routes created with them find them.
    let order = |t: &str| match t {
        "aws_security_group" | "aws_network_acl" | "aws_route_table" => 0,
        _ => 1,
    };
    let mut changes: Vec<&ResourceChange> = plan.changes.iter().collect();
    changes.sort_by_key(|rc| order(&rc.rtype));
    for rc in changes {
        if !HANDLED_TYPES.contains(&rc.rtype.as_str()) {
            if !rc.actions.iter().all(|a| a == "no-op" || a == "read") {
                ignored.insert(&rc.rtype);
            }
            continue;
        }
        let delete = rc.actions.iter().any(|a| a == "delete");
        let create = rc.actions.iter().any(|a| a == "create");
        let update = rc.actions.iter().any(|a| a == "update");
        if delete {
            remove(&mut m, &mut cx, rc);
        }
        if create {
            add(&mut m, &mut cx, rc, true);
        } else if update {
            update_in_place(&mut m, &mut cx, rc);
        }
    }
    for t in ignored {
        cx.warn(format!("terraform plan: changes to {t} resources are not modelled and were ignored"));
    }
    (m, cx.warnings)
}

fn sg_mut<'a>(m: &'a mut Model, id: &str) -> Option<&'a mut SecurityGroup> {
    m.security_groups.iter_mut().find(|g| g.id.as_str() == id)
}

fn acl_mut<'a>(m: &'a mut Model, id: &str) -> Option<&'a mut NetworkAcl> {
    m.network_acls.iter_mut().find(|g| g.id.as_str() == id)
}

fn rtb_mut<'a>(m: &'a mut Model, id: &str) -> Option<&'a mut RouteTable> {
    m.route_tables.iter_mut().find(|g| g.id.as_str() == id)
}

/// Security group rules of an inline `ingress`/`egress` block or an `aws_security_group_rule`.
fn sg_block_rules(cx: &mut Ctx<'_>, rc: &ResourceChange, b: &Value, self_id: &str) -> Vec<SgRule> {
    let p = protocol(s(b, "protocol"));
    let l = l4(p, int(b, "from_port"), int(b, "to_port"));
    let description = s(b, "description").map(str::to_string);
    let mut out = Vec::new();
    let mut push = |peer: SgPeer| out.push(SgRule { protocol: p, l4: l, peer, description: description.clone() });
    for c in strs(b, "cidr_blocks").iter().chain(&strs(b, "ipv6_cidr_blocks")) {
        match net(c) {
            Some(n) => push(SgPeer::Cidr(n)),
            None => cx.warnings.push(format!("{}: unparseable CIDR {c:?} ignored", rc.address)),
        }
    }
    for pl in strs(b, "prefix_list_ids") {
        push(SgPeer::PrefixList(PrefixListId(pl)));
    }
    for g in strs(b, "security_groups") {
        push(SgPeer::Group(SgId(g)));
    }
    if let Some(g) = s(b, "source_security_group_id") {
        push(SgPeer::Group(SgId(g.into())));
    }
    if b.get("self").and_then(Value::as_bool) == Some(true) {
        push(SgPeer::Group(SgId(self_id.into())));
    }
    out
}

/// Rules of an `aws_vpc_security_group_{ingress,egress}_rule` (one peer each).
fn vpc_sg_rule(cx: &mut Ctx<'_>, rc: &ResourceChange, v: &Value, known: bool) -> Vec<SgRule> {
    let p = protocol(s(v, "ip_protocol"));
    let l = l4(p, int(v, "from_port"), int(v, "to_port"));
    let peer = if let Some(c) = s(v, "cidr_ipv4").or_else(|| s(v, "cidr_ipv6")) {
        net(c).map(SgPeer::Cidr)
    } else if let Some(pl) = s(v, "prefix_list_id") {
        Some(SgPeer::PrefixList(PrefixListId(pl.into())))
    } else if let Some(g) = cx.id_attr(rc, v, "referenced_security_group_id") {
        Some(SgPeer::Group(SgId(g)))
    } else if known {
        None
    } else {
        cx.warnings.push(format!("{}: the rule's peer is unknown until apply; assumed {ANY4}, the widest it can be", rc.address));
        Some(SgPeer::Cidr(ANY4.parse().expect("constant CIDR")))
    };
    match peer {
        Some(peer) => vec![SgRule { protocol: p, l4: l, peer, description: s(v, "description").map(str::to_string) }],
        None => {
            cx.warnings.push(format!("{}: rule without a peer ignored", rc.address));
            Vec::new()
        }
    }
}

fn nacl_entries(cx: &mut Ctx<'_>, rc: &ResourceChange, blocks: &Value) -> Vec<NaclEntry> {
    let mut out = Vec::new();
    for b in blocks.as_array().into_iter().flatten() {
        if let Some(e) = nacl_entry(cx, rc, b, "rule_no", "action") {
            out.push(e);
        }
    }
    out
}

fn nacl_entry(cx: &mut Ctx<'_>, rc: &ResourceChange, b: &Value, number_key: &str, action_key: &str) -> Option<NaclEntry> {
    let p = protocol(s(b, "protocol"));
    let l = match p {
        Protocol::Icmp | Protocol::Icmpv6 => {
            let t = int(b, "icmp_type").and_then(|x| u8::try_from(x).ok());
            L4Match::Icmp(IcmpMatch { icmp_type: t, code: t.and(int(b, "icmp_code").and_then(|x| u8::try_from(x).ok())) })
        }
        _ => l4(p, int(b, "from_port"), int(b, "to_port")),
    };
    let allow = s(b, action_key).is_some_and(|a| a.eq_ignore_ascii_case("allow"));
    let cidr = match s(b, "cidr_block").or_else(|| s(b, "ipv6_cidr_block")).and_then(net) {
        Some(c) => c,
        None if allow => {
            cx.warnings.push(format!("{}: an ACL rule's CIDR is unknown until apply; assumed {ANY4}, the widest it can be", rc.address));
            ANY4.parse().ok()?
        }
        None => {
            cx.warnings.push(format!("{}: a deny rule with an unknown CIDR was ignored (the rule can only narrow what passes)", rc.address));
            return None;
        }
    };
    let number = int(b, number_key).and_then(|n| u16::try_from(n).ok()).map(RuleNumber);
    let Some(number) = number else {
        cx.warnings.push(format!("{}: an ACL rule without a rule number was ignored", rc.address));
        return None;
    };
    Some(NaclEntry { number, protocol: p, l4: l, cidr, action: if allow { RuleAction::Allow } else { RuleAction::Deny } })
}

fn with_default_deny(mut entries: Vec<NaclEntry>) -> Vec<NaclEntry> {
    let any4 = IpNet::V4(Ipv4Net::default());
    if !entries.iter().any(|e| e.number.is_default()) {
        entries.push(NaclEntry { number: RuleNumber::DEFAULT, protocol: Protocol::Any, l4: L4Match::Any, cidr: any4, action: RuleAction::Deny });
    }
    entries.sort_by_key(|e| e.number);
    entries
}

const TARGET_KEYS: &[&str] = &[
    "gateway_id", "nat_gateway_id", "transit_gateway_id", "vpc_peering_connection_id", "network_interface_id", "vpc_endpoint_id",
    "egress_only_gateway_id", "instance_id", "local_gateway_id", "carrier_gateway_id", "core_network_arn",
];

fn route_target(key: &str, id: &str) -> RouteTarget {
    // Placeholders name the resource type that will produce the id.
    let ty = id.strip_prefix("tf:").map(|a| a.rsplit('.').nth(1).unwrap_or(""));
    match key {
        "gateway_id" => {
            if id == "local" {
                RouteTarget::Local
            } else if id.starts_with("igw-") || ty == Some("aws_internet_gateway") {
                RouteTarget::InternetGateway(IgwId(id.into()))
            } else if id.starts_with("vpce-") || ty == Some("aws_vpc_endpoint") {
                RouteTarget::VpcEndpoint(VpceId(id.into()))
            } else if id.starts_with("eigw-") {
                RouteTarget::EgressOnlyInternetGateway(EigwId(id.into()))
            } else if id.starts_with("vgw-") || ty == Some("aws_vpn_gateway") {
                RouteTarget::VpnGateway(id.into())
            } else {
                RouteTarget::Other(id.into())
            }
        }
        "nat_gateway_id" => RouteTarget::NatGateway(NatId(id.into())),
        "transit_gateway_id" => RouteTarget::TransitGateway(TgwId(id.into())),
        "vpc_peering_connection_id" => RouteTarget::Peering(PcxId(id.into())),
        "network_interface_id" => RouteTarget::Interface(EniId(id.into())),
        "vpc_endpoint_id" => RouteTarget::VpcEndpoint(VpceId(id.into())),
        "egress_only_gateway_id" => RouteTarget::EgressOnlyInternetGateway(EigwId(id.into())),
        "instance_id" => RouteTarget::Instance(InstanceId(id.into())),
        _ => RouteTarget::Other(id.into()),
    }
}

/// A route from an `aws_route` (dest keys `destination_*`) or an inline `route` block
/// (`cidr_block`, ...). `None` with a warning when its destination or target is unknown.
fn route(cx: &mut Ctx<'_>, rc: &ResourceChange, v: &Value, inline: bool) -> Option<Route> {
    let (c4, c6, pl) = if inline {
        ("cidr_block", "ipv6_cidr_block", "destination_prefix_list_id")
    } else {
        ("destination_cidr_block", "destination_ipv6_cidr_block", "destination_prefix_list_id")
    };
    let dest = if let Some(n) = s(v, c4).or_else(|| s(v, c6)).and_then(net) {
        RouteDest::Cidr(n)
    } else if let Some(p) = s(v, pl) {
        RouteDest::PrefixList(PrefixListId(p.into()))
    } else {
        cx.warnings.push(format!("{}: a route whose destination is unknown until apply was skipped", rc.address));
        return None;
    };
    let mut target = None;
    for k in TARGET_KEYS {
        let id = if inline { s(v, k).map(str::to_string) } else { cx.id_attr(rc, v, k) };
        if let Some(id) = id {
            target = Some(route_target(k, &id));
            break;
        }
    }
    let Some(target) = target else {
        cx.warnings.push(format!("{}: a route whose target is unknown until apply was skipped", rc.address));
        return None;
    };
    if target.id().starts_with("tf:") {
        cx.warnings.push(format!("{}: the route's target {} is created by this plan and is not modelled; traffic to it is not followed", rc.address, target.id()));
    }
    Some(Route { dest, target, state: RouteState::Active, origin: RouteOrigin::Static })
}

fn tags(v: &Value) -> Tags {
    let mut t: Vec<(String, String)> = v
        .get("tags")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
        .collect();
    t.sort();
    Tags(t)
}

fn add(m: &mut Model, cx: &mut Ctx<'_>, rc: &ResourceChange, created: bool) {
    let id = cx.ids.get(rc.address.as_str()).cloned().unwrap_or_else(|| format!("tf:{}", rc.address));
    match rc.rtype.as_str() {
        "aws_security_group" => add_security_group(m, cx, rc, id, created),
        "aws_security_group_rule" => add_security_group_rule(m, cx, rc),
        "aws_vpc_security_group_ingress_rule" | "aws_vpc_security_group_egress_rule" => add_vpc_security_group_rule(m, cx, rc),
        "aws_network_acl" => add_network_acl(m, cx, rc, id),
        "aws_network_acl_rule" => add_network_acl_rule(m, cx, rc),
        "aws_network_acl_association" => add_network_acl_association(m, cx, rc),
        "aws_route_table" => add_route_table(m, cx, rc, id),
        "aws_route" => add_route(m, cx, rc),
        "aws_route_table_association" => add_route_table_association(m, cx, rc),
        _ => {}
    }
}

/// Applies a planned `aws_security_group` resource to the model.
fn add_security_group(m: &mut Model, cx: &mut Ctx<'_>, rc: &ResourceChange, id: String, created: bool) {
    let v = &rc.after;
    let vpc = cx.id_attr(rc, v, "vpc_id").map(VpcId);
    let ingress: Vec<SgRule> = v.get("ingress").and_then(Value::as_array).into_iter().flatten().flat_map(|b| sg_block_rules(cx, rc, b, &id)).collect();
    let egress: Vec<SgRule> = v.get("egress").and_then(Value::as_array).into_iter().flatten().flat_map(|b| sg_block_rules(cx, rc, b, &id)).collect();
    if created && cx.unknown(rc, "ingress") {
        cx.warn(format!("{}: inline rules are unknown until apply; only rules of separate rule resources are modelled", rc.address));
    }
    m.security_groups.retain(|g| g.id.as_str() != id);
    m.security_groups.push(SecurityGroup {
        id: SgId(id),
        vpc,
        name: s(v, "name").unwrap_or(&rc.address).to_string(),
        description: s(v, "description").unwrap_or("").to_string(),
        owner: None,
        ingress,
        egress,
        tags: tags(v),
    });
}

/// Applies a planned `aws_security_group_rule` resource to the model.
fn add_security_group_rule(m: &mut Model, cx: &mut Ctx<'_>, rc: &ResourceChange) {
    let v = &rc.after;
    let Some(sg) = cx.id_attr(rc, v, "security_group_id") else {
        return cx.warn(format!("{}: the security group is unknown until apply; the rule was not modelled", rc.address));
    };
    let mut rules = sg_block_rules(cx, rc, v, &sg);
    // The provider computes source_security_group_id when CIDRs are given, so an
    // unknown peer matters only when no known peer is there.
    if rules.is_empty() {
        let p = protocol(s(v, "protocol"));
        let l = l4(p, int(v, "from_port"), int(v, "to_port"));
        match cx.id_attr(rc, v, "source_security_group_id") {
            Some(g) => rules.push(SgRule { protocol: p, l4: l, peer: SgPeer::Group(SgId(g)), description: None }),
            None => {
                cx.warn(format!("{}: the rule's peer is unknown until apply; assumed {ANY4}, the widest it can be", rc.address));
                rules.push(SgRule { protocol: p, l4: l, peer: SgPeer::Cidr(ANY4.parse().expect("constant CIDR")), description: None });
            }
        }
    }
    let egress = s(v, "type") == Some("egress");
    match sg_mut(m, &sg) {
        Some(g) => {
            let list = if egress { &mut g.egress } else { &mut g.ingress };
            for r in rules {
                if !list.contains(&r) {
                    list.push(r);
                }
            }
        }
        None => cx.warn(format!("{}: security group {sg} is not in the snapshot; the rule was not modelled", rc.address)),
    }
}

/// Applies a planned `aws_vpc_security_group_ingress_rule` resource (or its egress twin) to the model.
fn add_vpc_security_group_rule(m: &mut Model, cx: &mut Ctx<'_>, rc: &ResourceChange) {
    let v = &rc.after;
    let Some(sg) = cx.id_attr(rc, v, "security_group_id") else {
        return cx.warn(format!("{}: the security group is unknown until apply; the rule was not modelled", rc.address));
    };
    let known = !["cidr_ipv4", "cidr_ipv6", "prefix_list_id", "referenced_security_group_id"].iter().any(|k| cx.unknown(rc, k));
    let rules = vpc_sg_rule(cx, rc, v, known);
    let egress = rc.rtype.ends_with("egress_rule");
    match sg_mut(m, &sg) {
        Some(g) => {
            let list = if egress { &mut g.egress } else { &mut g.ingress };
            list.extend(rules.into_iter().filter(|r| !list.contains(r)).collect::<Vec<_>>());
        }
        None => cx.warn(format!("{}: security group {sg} is not in the snapshot; the rule was not modelled", rc.address)),
    }
}

/// Applies a planned `aws_network_acl` resource to the model.
fn add_network_acl(m: &mut Model, cx: &mut Ctx<'_>, rc: &ResourceChange, id: String) {
    let v = &rc.after;
    let Some(vpc) = cx.id_attr(rc, v, "vpc_id") else {
        return cx.warn(format!("{}: the VPC is unknown until apply; the ACL was not modelled", rc.address));
    };
    let ingress = with_default_deny(nacl_entries(cx, rc, v.get("ingress").unwrap_or(&Value::Null)));
    let egress = with_default_deny(nacl_entries(cx, rc, v.get("egress").unwrap_or(&Value::Null)));
    let subnets: Vec<SubnetId> = strs(v, "subnet_ids").into_iter().map(SubnetId).collect();
    for a in &mut m.network_acls {
        a.subnets.retain(|s| !subnets.contains(s));
    }
    m.network_acls.retain(|a| a.id.as_str() != id);
    m.network_acls.push(NetworkAcl { id: NaclId(id), vpc: VpcId(vpc), is_default: false, subnets, ingress, egress, tags: tags(v) });
}

/// Applies a planned `aws_network_acl_rule` resource to the model.
fn add_network_acl_rule(m: &mut Model, cx: &mut Ctx<'_>, rc: &ResourceChange) {
    let v = &rc.after;
    let Some(acl) = cx.id_attr(rc, v, "network_acl_id") else {
        return cx.warn(format!("{}: the network ACL is unknown until apply; the rule was not modelled", rc.address));
    };
    let Some(e) = nacl_entry(cx, rc, v, "rule_number", "rule_action") else { return };
    let egress = v.get("egress").and_then(Value::as_bool).unwrap_or(false);
    match acl_mut(m, &acl) {
        Some(a) => {
            let list = if egress { &mut a.egress } else { &mut a.ingress };
            list.retain(|x| !(x.number == e.number && x.cidr.addr().is_ipv6() == e.cidr.addr().is_ipv6()));
            list.push(e);
            list.sort_by_key(|x| x.number);
        }
        None => cx.warn(format!("{}: network ACL {acl} is not in the snapshot; the rule was not modelled", rc.address)),
    }
}

/// Applies a planned `aws_network_acl_association` resource to the model.
fn add_network_acl_association(m: &mut Model, cx: &mut Ctx<'_>, rc: &ResourceChange) {
    let v = &rc.after;
    let (Some(acl), Some(subnet)) = (cx.id_attr(rc, v, "network_acl_id"), cx.id_attr(rc, v, "subnet_id")) else {
        return cx.warn(format!("{}: the ACL or subnet is unknown until apply; the association was not modelled", rc.address));
    };
    for a in &mut m.network_acls {
        a.subnets.retain(|s| s.as_str() != subnet);
    }
    match acl_mut(m, &acl) {
        Some(a) => a.subnets.push(SubnetId(subnet)),
        None => cx.warn(format!("{}: network ACL {acl} is not in the snapshot; the association was not modelled", rc.address)),
    }
}

/// Applies a planned `aws_route_table` resource to the model.
fn add_route_table(m: &mut Model, cx: &mut Ctx<'_>, rc: &ResourceChange, id: String) {
    let v = &rc.after;
    let Some(vpc) = cx.id_attr(rc, v, "vpc_id") else {
        return cx.warn(format!("{}: the VPC is unknown until apply; the route table was not modelled", rc.address));
    };
    let mut routes: Vec<Route> = m
        .vpcs
        .iter()
        .filter(|x| x.id.as_str() == vpc)
        .flat_map(|x| x.cidrs.iter())
        .map(|c| Route { dest: RouteDest::Cidr(*c), target: RouteTarget::Local, state: RouteState::Active, origin: RouteOrigin::Table })
        .collect();
    for b in v.get("route").and_then(Value::as_array).into_iter().flatten() {
        routes.extend(route(cx, rc, b, true));
    }
    m.route_tables.retain(|r| r.id.as_str() != id);
    m.route_tables.push(RouteTable { id: RouteTableId(id), vpc: VpcId(vpc), main: false, subnets: Vec::new(), edge_gateways: Vec::new(), routes, propagating_vgws: Vec::new(), tags: tags(v) });
}

/// Applies a planned `aws_route` resource to the model.
fn add_route(m: &mut Model, cx: &mut Ctx<'_>, rc: &ResourceChange) {
    let v = &rc.after;
    let Some(rtb) = cx.id_attr(rc, v, "route_table_id") else {
        return cx.warn(format!("{}: the route table is unknown until apply; the route was not modelled", rc.address));
    };
    let Some(r) = route(cx, rc, v, false) else { return };
    match rtb_mut(m, &rtb) {
        Some(t) => {
            t.routes.retain(|x| x.dest != r.dest);
            t.routes.push(r);
        }
        None => cx.warn(format!("{}: route table {rtb} is not in the snapshot; the route was not modelled", rc.address)),
    }
}

/// Applies a planned `aws_route_table_association` resource to the model.
fn add_route_table_association(m: &mut Model, cx: &mut Ctx<'_>, rc: &ResourceChange) {
    let v = &rc.after;
    let Some(rtb) = cx.id_attr(rc, v, "route_table_id") else {
        return cx.warn(format!("{}: the route table is unknown until apply; the association was not modelled", rc.address));
    };
    if let Some(gw) = s(v, "gateway_id") {
        if let Some(t) = rtb_mut(m, &rtb) {
            t.edge_gateways.push(gw.to_string());
        }
        return;
    }
    let Some(subnet) = cx.id_attr(rc, v, "subnet_id") else {
        return cx.warn(format!("{}: the subnet is unknown until apply; the association was not modelled", rc.address));
    };
    for t in &mut m.route_tables {
        t.subnets.retain(|s| s.as_str() != subnet);
    }
    match rtb_mut(m, &rtb) {
        Some(t) => t.subnets.push(SubnetId(subnet)),
        None => cx.warn(format!("{}: route table {rtb} is not in the snapshot; the association was not modelled", rc.address)),
    }
}

/// Removes what `rc.before` describes.
fn remove(m: &mut Model, cx: &mut Ctx<'_>, rc: &ResourceChange) {
    let v = &rc.before;
    let id = s(v, "id").map(str::to_string);
    match rc.rtype.as_str() {
        "aws_security_group" => {
            if let Some(id) = id {
                m.security_groups.retain(|g| g.id.as_str() != id);
            }
        }
        "aws_network_acl" => {
            if let Some(id) = id {
                m.network_acls.retain(|g| g.id.as_str() != id);
            }
        }
        "aws_route_table" => {
            if let Some(id) = id {
                m.route_tables.retain(|g| g.id.as_str() != id);
            }
        }
        "aws_security_group_rule" => {
            let Some(sg) = s(v, "security_group_id") else { return };
            let rules = sg_block_rules(cx, rc, v, sg);
            let egress = s(v, "type") == Some("egress");
            remove_sg_rules(m, cx, rc, sg, egress, &rules);
        }
        "aws_vpc_security_group_ingress_rule" | "aws_vpc_security_group_egress_rule" => {
            let Some(sg) = s(v, "security_group_id") else { return };
            let rules = vpc_sg_rule(cx, rc, v, true);
            remove_sg_rules(m, cx, rc, sg, rc.rtype.ends_with("egress_rule"), &rules);
        }
        "aws_network_acl_rule" => {
            let (Some(acl), Some(n)) = (s(v, "network_acl_id"), int(v, "rule_number")) else { return };
            let egress = v.get("egress").and_then(Value::as_bool).unwrap_or(false);
            let v6 = s(v, "ipv6_cidr_block").is_some();
            if let Some(a) = acl_mut(m, acl) {
                let list = if egress { &mut a.egress } else { &mut a.ingress };
                list.retain(|x| !(i64::from(x.number.0) == n && x.cidr.addr().is_ipv6() == v6));
            }
        }
        "aws_network_acl_association" => {
            let (Some(acl), Some(subnet)) = (s(v, "network_acl_id"), s(v, "subnet_id")) else { return };
            // The subnet falls back to the VPC's default ACL.
            if let Some(a) = acl_mut(m, acl) {
                a.subnets.retain(|x| x.as_str() != subnet);
            }
        }
        "aws_route" => {
            let (Some(rtb), Some(r)) = (s(v, "route_table_id").map(str::to_string), route(cx, rc, v, false)) else { return };
            match rtb_mut(m, &rtb) {
                Some(t) => {
                    let before = t.routes.len();
                    t.routes.retain(|x| x.dest != r.dest);
                    if t.routes.len() == before {
                        cx.warn(format!("{}: route to {} is not in {rtb} in the snapshot", rc.address, dest_str(&r.dest)));
                    }
                }
                None => cx.warn(format!("{}: route table {rtb} is not in the snapshot", rc.address)),
            }
        }
        "aws_route_table_association" => {
            let (Some(rtb), Some(subnet)) = (s(v, "route_table_id"), s(v, "subnet_id")) else { return };
            // The subnet falls back to the VPC's main route table.
            if let Some(t) = rtb_mut(m, rtb) {
                t.subnets.retain(|x| x.as_str() != subnet);
            }
        }
        _ => {}
    }
}

fn dest_str(d: &RouteDest) -> String {
    match d {
        RouteDest::Cidr(c) => c.to_string(),
        RouteDest::PrefixList(p) => p.to_string(),
    }
}

fn remove_sg_rules(m: &mut Model, cx: &mut Ctx<'_>, rc: &ResourceChange, sg: &str, egress: bool, rules: &[SgRule]) {
    let Some(g) = sg_mut(m, sg) else {
        return cx.warn(format!("{}: security group {sg} is not in the snapshot", rc.address));
    };
    let list = if egress { &mut g.egress } else { &mut g.ingress };
    for r in rules {
        let before = list.len();
        list.retain(|x| !(x.protocol == r.protocol && x.l4 == r.l4 && x.peer == r.peer));
        if list.len() == before {
            cx.warnings.push(format!("{}: rule {r} is not in {sg} in the snapshot", rc.address));
        }
    }
}

/// An in-place update: containers take their new inline rules and associations; single
/// rules, routes and associations are removed as before and added as after.
fn update_in_place(m: &mut Model, cx: &mut Ctx<'_>, rc: &ResourceChange) {
    let v = &rc.after;
    let Some(id) = s(v, "id").or_else(|| s(&rc.before, "id")).map(str::to_string) else {
        return cx.warn(format!("{}: an update without an id was not modelled", rc.address));
    };
    match rc.rtype.as_str() {
        "aws_security_group" => {
            let unknown_in = cx.unknown(rc, "ingress");
            let unknown_eg = cx.unknown(rc, "egress");
            let ingress: Vec<SgRule> = v.get("ingress").and_then(Value::as_array).into_iter().flatten().flat_map(|b| sg_block_rules(cx, rc, b, &id)).collect();
            let egress: Vec<SgRule> = v.get("egress").and_then(Value::as_array).into_iter().flatten().flat_map(|b| sg_block_rules(cx, rc, b, &id)).collect();
            let has_in = v.get("ingress").is_some_and(Value::is_array);
            let has_eg = v.get("egress").is_some_and(Value::is_array);
            if unknown_in || unknown_eg {
                cx.warn(format!("{}: some inline rules are unknown until apply; the snapshot's rules were kept for them", rc.address));
            }
            match sg_mut(m, &id) {
                Some(g) => {
                    if has_in && !unknown_in {
                        g.ingress = ingress;
                    }
                    if has_eg && !unknown_eg {
                        g.egress = egress;
                    }
                    if let Some(n) = s(v, "name") {
                        g.name = n.to_string();
                    }
                }
                None => cx.warn(format!("{}: security group {id} is not in the snapshot; the update was not modelled", rc.address)),
            }
        }
        "aws_network_acl" => {
            let ingress = v.get("ingress").filter(|x| x.is_array()).map(|b| with_default_deny(nacl_entries(cx, rc, b)));
            let egress = v.get("egress").filter(|x| x.is_array()).map(|b| with_default_deny(nacl_entries(cx, rc, b)));
            let subnets: Option<Vec<SubnetId>> = v.get("subnet_ids").filter(|x| x.is_array()).map(|_| strs(v, "subnet_ids").into_iter().map(SubnetId).collect());
            if let Some(sn) = &subnets {
                for a in m.network_acls.iter_mut().filter(|a| a.id.as_str() != id) {
                    a.subnets.retain(|s| !sn.contains(s));
                }
            }
            match acl_mut(m, &id) {
                Some(a) => {
                    if let Some(i) = ingress {
                        a.ingress = i;
                    }
                    if let Some(e) = egress {
                        a.egress = e;
                    }
                    if let Some(sn) = subnets {
                        a.subnets = sn;
                    }
                }
                None => cx.warn(format!("{}: network ACL {id} is not in the snapshot; the update was not modelled", rc.address)),
            }
        }
        "aws_route_table" => {
            if cx.unknown(rc, "route") {
                return cx.warn(format!("{}: routes are unknown until apply; the snapshot's routes were kept", rc.address));
            }
            let Some(blocks) = v.get("route").and_then(Value::as_array) else { return };
            let routes: Vec<Route> = blocks.iter().filter_map(|b| route(cx, rc, b, true)).collect();
            match rtb_mut(m, &id) {
                Some(t) => {
                    // Terraform manages the non-local routes; local and propagated ones stay.
                    t.routes.retain(|r| r.target == RouteTarget::Local || r.origin == RouteOrigin::Propagated);
                    t.routes.extend(routes);
                }
                None => cx.warn(format!("{}: route table {id} is not in the snapshot; the update was not modelled", rc.address)),
            }
        }
        _ => {
            remove(m, cx, rc);
            add(m, cx, rc, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexed_addresses_match_their_configuration_address() {
        assert_eq!(strip_index("aws_route.r[0]"), "aws_route.r");
        assert_eq!(strip_index("module.a.aws_route.r[\"x\"]"), "module.a.aws_route.r");
        assert_eq!(strip_index("aws_route.r"), "aws_route.r");
    }

    #[test]
    fn terraform_protocol_spellings_convert() {
        assert_eq!(protocol(Some("-1")), Protocol::Any);
        assert_eq!(protocol(Some("6")), Protocol::Tcp);
        assert_eq!(l4(Protocol::Tcp, Some(0), Some(0)), L4Match::Ports(PortRange::ALL));
        assert_eq!(l4(Protocol::Tcp, Some(22), Some(22)), L4Match::Ports(PortRange { from: 22, to: 22 }));
    }
}
