//! The words of a trace: what each typed step, stop and change of `eval` says to a reader,
//! the rule strings as the console prints them, and the JSON contract's `rule`, `packet`,
//! `detail`, `code`, `explanation`, `description` and `aws_cli` fields. Analyses that quote
//! a trace in a finding's sentence take the words from here too.

use crate::eval::{
    Assumption, Blocked, Change, ChangeL4, Cidr, Direction, Hop, NatPorts, Packet, PathKind, Peer, Place, Reason, RouteTo, Rule, Step, Unrouted,
};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use std::fmt;
use std::net::IpAddr;

impl fmt::Display for Packet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let proto = self.protocol.to_string().to_lowercase();
        if self.protocol.has_ports() {
            write!(f, "{proto} {}:{} -> {}:{}", bracketed(self.src), self.src_port, bracketed(self.dst), self.dst_port)
        } else if self.protocol.is_icmp() {
            write!(f, "{proto} {} -> {} type {} code {}", self.src, self.dst, self.icmp_type, self.icmp_code)
        } else {
            write!(f, "{proto} {} -> {}", self.src, self.dst)
        }
    }
}

/// An address as it precedes a port: IPv6 in brackets.
fn bracketed(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v) => v.to_string(),
        IpAddr::V6(v) => format!("[{v}]"),
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Acl(e) => write!(f, "{e}"),
            Rule::Route { prefix, target } => write!(f, "{prefix} -> {target}"),
            Rule::TgwBlackhole { prefix } => write!(f, "{prefix} -> blackhole"),
        }
    }
}

/// The rule a hop matched, as the console prints it (`120 TCP 22 10.0.0.0/8 DENY`,
/// `TCP 5432 sg-0abc`, `0.0.0.0/0 -> igw-1`).
pub fn hop_rule(h: &Hop) -> Option<String> {
    match &h.step {
        Step::Acl { entry, .. } => entry.as_ref().map(|e| e.to_string()),
        Step::SecurityGroup { rule } => Some(rule.to_string()),
        Step::Route { prefix, target, .. } => Some(format!("{prefix} -> {target}")),
        Step::TgwRoute { prefix, attachments, .. } => Some(format!("{prefix} -> {}", attachments.join(", "))),
        Step::Stopped { rule, .. } => rule.as_ref().map(|r| r.to_string()),
        _ => None,
    }
}

/// A sentence for the reader about one hop.
pub fn hop_detail(h: &Hop) -> String {
    let p = &h.packet;
    // A mentioned component with its name: `subnet-0a1 (shop-db-a)`.
    let n = |id: &str| match h.names.iter().find(|(i, _)| i == id) {
        Some((_, name)) => format!("{id} ({name})"),
        None => id.to_string(),
    };
    match &h.step {
        Step::Sent { role, subnet, reply: false } => format!("sent by {} ({}) in {}", h.id, role.label(), n(subnet)),
        Step::Sent { subnet, reply: true, .. } => format!("reply sent by {} in {}", h.id, n(subnet)),
        Step::FromOutside { from, place, reply } => {
            let sent = if *reply { "reply sent from" } else { "sent from" };
            match place {
                Place::Internet => format!("{sent} {from} on the internet"),
                Place::OnPremises => format!("{sent} {from} on the on-premises network"),
                Place::Service => format!("{sent} {from} on the AWS service"),
                Place::Outside => format!("{sent} {from} outside the modelled networks"),
            }
        }
        Step::Listener { port, protocol, group, target, target_ip, target_port, client_ip } => {
            let from = if *client_ip { "from the client's address (client IP preservation)" } else { "from the node's own address" };
            let lb = h.name.as_deref().unwrap_or(&h.id);
            let target = if target == &target_ip.to_string() { target.clone() } else { format!("{target} ({target_ip})") };
            format!("listener {protocol}:{port} of {lb} forwards to target group {}: a new connection to {target} port {target_port}, {from}", n(group))
        }
        Step::ListenerAnswers { port, protocol, action } => {
            format!("listener {protocol}:{port} of {} answers itself ({action}): no target is involved", h.name.as_deref().unwrap_or(&h.id))
        }
        Step::Inspected { endpoint, by, stateful } => {
            let state = if *stateful { "; its stateful engine expects the reply through the same firewall" } else { "" };
            format!("firewall {} at endpoint {endpoint} passes the packet ({by}){state}", h.name.as_deref().unwrap_or(&h.id))
        }
        Step::Appliance => format!("routed to appliance {} (source/destination check off), which forwards it", h.id),
        Step::RelayReply => format!("{} relays the target's reply on the client's connection", h.name.as_deref().unwrap_or(&h.id)),
        Step::Acl { subnet, .. } => {
            let side = if h.direction == Some(Direction::Ingress) { "entering" } else { "leaving" };
            format!("{side} {}", n(subnet))
        }
        Step::AclAssumed { subnet } => format!("no network ACL for {} in the snapshot; assumed to allow (--assume-missing allow)", n(subnet)),
        Step::SecurityGroup { .. } => format!("{} rule of {} admits the packet", direction_word(h.direction), h.id),
        Step::SecurityGroupsStateful => "reply admitted: security groups are stateful".into(),
        Step::SecurityGroupsAssumed => format!("{} not in the snapshot; assumed to admit (--assume-missing allow)", h.id),
        Step::Route { subnet, .. } => format!("route table of {}", n(subnet)),
        Step::TgwRoute { tgw, .. } => format!("route table of {}", n(tgw)),
        Step::TranslateDestination { from } => format!("translates destination {from} to {}", p.dst),
        Step::TranslateSource { from } => format!("translates source {from} to {}", p.src),
        Step::TranslateBack { to, port } => format!("reply translated back to {to}:{port}"),
        Step::EnterVpc => "enters the VPC".into(),
        Step::LeaveVpc { ipv6: false } => "leaves the VPC".into(),
        Step::LeaveVpc { ipv6: true } => "leaves the VPC (IPv6)".into(),
        Step::ExitToInternet { ipv6: false } => "leaves for the internet".into(),
        Step::ExitToInternet { ipv6: true } => "leaves for the internet (IPv6)".into(),
        Step::EnterFromOnPremises { vpc } => format!("enters {} from the on-premises network", n(vpc)),
        Step::ExitToOnPremises { resource_type: None, resource } => format!("leaves for the on-premises network through {resource}"),
        Step::ExitToOnPremises { resource_type: Some(t), resource } => format!("leaves for the on-premises network through {t} {resource}"),
        Step::ToVpc { vpc } => format!("to {}", n(vpc)),
        Step::EnterTgw { tgw, subnet } => format!("enters {} through {}", n(tgw), n(subnet)),
        Step::EnterTgwFrom { tgw, resource_type: Some(t), resource } => format!("enters {} from {t} {resource}", n(tgw)),
        Step::EnterTgwFrom { tgw, resource_type: None, resource } => format!("enters {} from {resource}", n(tgw)),
        Step::LeaveTgw { tgw, vpc, subnet } => format!("leaves {} into {} through {}", n(tgw), n(vpc), n(subnet)),
        Step::ToPeerTgw => "to the peer transit gateway".into(),
        Step::ToService { service } => format!("to the AWS service {service} through gateway endpoint {}", h.id),
        Step::Delivered => format!("delivered to {}", h.id),
        Step::Stopped { reason, .. } => reason.to_string(),
    }
}

fn direction_word(d: Option<Direction>) -> &'static str {
    match d {
        Some(Direction::Ingress) => "inbound",
        Some(Direction::Egress) => "outbound",
        None => "",
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(direction_word(Some(*self)))
    }
}

/// The one sentence explaining a stop.
pub fn explanation(b: &Blocked) -> String {
    b.reason.to_string()
}

/// Why the internet does not carry `ip`: a private or special IPv4 address, an IPv6
/// address outside global unicast, or a global one of a modelled VPC that no interface has.
fn unroutable(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(_) => format!("{ip} is a private address"),
        IpAddr::V6(_) if crate::eval::is_special(ip) => format!("{ip} is not a global unicast address"),
        IpAddr::V6(_) => format!("{ip} lies in a modelled VPC and no interface has it"),
    }
}

fn port_ranges(ranges: &[(u16, u16)]) -> String {
    ranges.iter().map(|(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") }).collect::<Vec<_>>().join(", ")
}

// One arm per reason: the sentences read as a table, which is why this is one long match.
impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::MissingAcl { subnet, assumed_deny: true } => write!(f, "no network ACL for {subnet} in the snapshot; assumed to deny (--assume-missing deny)"),
            Reason::MissingAcl { subnet, assumed_deny: false } => write!(
                f,
                "no network ACL for {subnet} in the snapshot: whether it admits the packet cannot be told (capture NetworkAcls, or pass --assume-missing allow|deny)"
            ),
            Reason::AclDenies { acl, subnet, entering, number, reply, nat_ports } => {
                let side = if *entering { "entering" } else { "leaving" };
                let which = if number.is_default() { "the default rule *".to_string() } else { format!("rule {number}") };
                let reply_note = if *reply { " (the ACL is stateless: the reply needs its own rule)" } else { "" };
                write!(f, "network ACL {acl} of {subnet} denies the packet {side} the subnet by {which}{reply_note}")?;
                if let Some(NatPorts { nat_ip, balancer, denied }) = nat_ports {
                    let first = denied.first().map(|d| d.0).unwrap_or(1024);
                    let who = if *balancer { "load balancer node" } else { "NAT gateway" };
                    write!(
                        f,
                        "; the {who} at {nat_ip} picks its source ports from 1024-65535, and replies to ports {} are denied (port {first} for one)",
                        port_ranges(denied)
                    )?;
                }
                Ok(())
            }
            Reason::MissingSecurityGroup { eni, direction, missing } => write!(
                f,
                "no {direction} rule of the groups of {eni} in the snapshot admits the packet, and {} is not in the snapshot: whether it admits the packet cannot be told (capture SecurityGroups, or pass --assume-missing allow|deny)",
                missing.join(", ")
            ),
            Reason::SecurityGroupsDeny { eni, direction, groups, missing } => {
                write!(f, "no {direction} rule of the security groups of {eni} ({}) admits the packet", groups.join(", "))?;
                if !missing.is_empty() {
                    write!(f, "; {} not in the snapshot", missing.join(", "))?;
                }
                Ok(())
            }
            Reason::MissingSubnet { subnet, of } => write!(f, "subnet {subnet} of {of} is not in the snapshot"),
            Reason::MissingAttachmentSubnets { attachment } => write!(f, "the subnets of {attachment} are not in the snapshot"),
            Reason::NoInterfaceOf { vpc, addr } => write!(f, "no interface of {vpc} has address {addr}"),
            Reason::NoInterfaceIn { vpc, addr } => write!(f, "no interface in {vpc} has address {addr}"),
            Reason::NotAPublicAddress { addr } => write!(f, "{addr} is not a public address of any modelled interface"),
            Reason::NoPublicSource { addr, igw, private_nat: true } => write!(
                f,
                "{addr} belongs to a private NAT gateway, which has no public address: {igw} cannot translate it (use a public NAT gateway for internet access)"
            ),
            Reason::NoPublicSource { addr, igw, private_nat: false } => write!(f, "{addr} has no public address: {igw} cannot translate it"),
            Reason::NoPublicAddress { eni } => write!(f, "{eni} has no public address: nothing on the internet can address it"),
            Reason::NoInternetGateway { vpc } => write!(f, "{vpc} has no internet gateway attached: its public address is unreachable"),
            Reason::NatGatewayInbound { eni } => write!(f, "{eni} belongs to a NAT gateway, which accepts no connections it did not open"),
            Reason::RoutingLoop { transit: false } => f.write_str("the path loops between route tables"),
            Reason::RoutingLoop { transit: true } => f.write_str("the path loops between transit gateways"),
            Reason::MissingRouteTables { subnet } => write!(f, "the snapshot has no route tables: where {subnet} sends the packet cannot be told"),
            Reason::NoRouteTable { subnet } => write!(f, "{subnet} has no route table in the snapshot (no association and no main table)"),
            Reason::NoRoute { table, subnet, addr } => write!(f, "route table {table} of {subnet} has no route to {addr}"),
            Reason::NoTgwRoute { table, addr } => write!(f, "transit gateway route table {table} has no route to {addr}"),
            Reason::Blackhole { table, prefix, target } => write!(f, "route {prefix} in {table} is a blackhole: its target {target} is gone"),
            Reason::TgwBlackhole { table, prefix } => write!(f, "transit gateway route {prefix} in {table} is a blackhole"),
            Reason::ApplianceRoute { target } => write!(f, "traffic is routed to appliance {target}; what the appliance forwards is not modelled"),
            Reason::GwlbEndpoint { endpoint } => write!(
                f,
                "traffic is sent to Gateway Load Balancer endpoint {endpoint}; what the appliances behind it (a firewall, an inspection fleet) forward is not modelled"
            ),
            Reason::CidrRouteToMissingEndpoint { endpoint } => write!(
                f,
                "a CIDR route sends traffic to {endpoint}, which is not in the snapshot: such a target is a Gateway Load Balancer (or Network Firewall) endpoint, whose appliances are not modelled"
            ),
            Reason::InterfaceEndpointRoute { endpoint } => {
                write!(f, "a route names interface endpoint {endpoint}, which AWS does not accept as a route target: the snapshot is inconsistent")
            }
            Reason::GatewayNotModelled { gateway } => {
                write!(f, "traffic is routed to {gateway} (a local, carrier or Cloud WAN gateway); what lies beyond it is not modelled")
            }
            Reason::NotAttached { gateway, vpc } => write!(f, "{gateway} is not attached to {vpc}"),
            Reason::PrivateDestination { addr } => write!(f, "{}: the internet does not route it", unroutable(*addr)),
            Reason::EgressOnlyIpv6 => f.write_str("an egress-only internet gateway carries IPv6 only"),
            Reason::NotInSnapshot { id } => write!(f, "{id} is not in the snapshot"),
            Reason::MissingVgw { vgw } => write!(f, "{vgw} is not in the snapshot: whether it connects an on-premises network cannot be told"),
            Reason::NatWithoutInterface { nat } => write!(f, "{nat} has no interface or private address in the snapshot"),
            Reason::MissingPeerVpc { vpc } => write!(f, "{vpc} (the peer) is not in the snapshot"),
            Reason::MissingPeerTgw { attachment } => write!(f, "the peer side of {attachment} is not in the snapshot"),
            Reason::BehindAttachment { addr, attachment } => write!(f, "{addr} lies behind {attachment}, which leads to a network the snapshot does not hold"),
            Reason::NotAvailable { id, state } => write!(f, "{id} is {state}, not available"),
            Reason::BadState { id, state } => write!(f, "{id} is {state}"),
            Reason::ReplyThroughNat { nat } => write!(f, "the reply is routed through {nat}, which would change its source address: the client drops it"),
            Reason::ReplyThroughOtherDoor { back, forward } => write!(
                f,
                "the reply leaves through {back}, not through {forward} by which the request came in: the sender never sees it (asymmetric path)"
            ),
            Reason::ReplyNotAReply { at } => write!(f, "the reply arrives as {at}, not as a reply to the request: the sender drops it (asymmetric path)"),
            Reason::PeeringNotActive { pcx, status } => write!(f, "{pcx} is {status}, not active"),
            Reason::PeeringWrongVpc { pcx, vpc } => write!(f, "{pcx} does not connect {vpc}"),
            Reason::PeeringEdgeToEdge => f.write_str(
                "traffic that entered the VPC through a gateway or another connection cannot transit a peering (no transitive or edge-to-edge routing)",
            ),
            Reason::PeeringNotTransitive { addr, vpc } => write!(f, "{addr} is not in {vpc}: peering is not transitive"),
            Reason::NoTgwAttachment { vpc, tgw } => write!(f, "{vpc} has no available attachment to {tgw}"),
            Reason::AttachmentNotInZone { attachment, az, tgw } => write!(f, "{attachment} has no subnet in {az}: resources in {az} cannot reach {tgw}"),
            Reason::AttachmentNotAssociated { attachment, tgw } => {
                write!(f, "{attachment} is not associated with a route table of {tgw} (or the table is not in the snapshot)")
            }
            Reason::RoutesNotInSnapshot { table, addr, attachment, resource, capture_hint } => {
                write!(
                    f,
                    "transit gateway route table {table} holds no route to {addr}; it learns routes by BGP from {attachment} ({resource}), which the snapshot does not hold: the flow works if on premises advertises {addr}, and is dropped if not"
                )?;
                if *capture_hint {
                    f.write_str(" (capture with propagated routes: search-transit-gateway-routes --filters Name=type,Values=static,propagated)")?;
                }
                Ok(())
            }
            Reason::GatewayEndpointNotTransitive { endpoint } => write!(
                f,
                "gateway endpoint {endpoint} cannot be used by traffic that entered the VPC from a transit gateway, a VPN or Direct Connect (only by the VPC's own interfaces)"
            ),
            Reason::DxGatewayDown { dx, attachment, state } => write!(f, "Direct Connect gateway {dx} behind {attachment} is {state}"),
            Reason::ConnectionsDown { gateway, states } => {
                let all: Vec<String> = states.iter().map(|(id, s)| format!("{id} is {s}")).collect();
                write!(f, "no VPN connection or virtual interface on {gateway} is available ({})", all.join("; "))
            }
            Reason::AttachmentNotModelled { attachment, resource_type, resource } => {
                write!(f, "{attachment} is a `{resource_type}` attachment ({resource}); what lies beyond it is not modelled")
            }
            Reason::NoConnections { gateway } => write!(
                f,
                "the snapshot holds no VPN connection or Direct Connect virtual interface on {gateway}: whether on-premises traffic gets through depends on connections it does not show (capture VpnConnections, and Direct Connect's VirtualInterfaces)"
            ),
            Reason::TunnelsDown { vpns } => write!(f, "every tunnel of {} is down: the VPN carries no traffic", vpns.join(", ")),
            Reason::VpnNoRoute { vpns, remote } => write!(f, "{} use static routes only, and none covers {remote}", vpns.join(", ")),
            Reason::TunnelStateUnknown { vpns } => write!(f, "the snapshot has no tunnel telemetry for {}: whether a tunnel is up cannot be told", vpns.join(", ")),
            Reason::IngressRoutingToAppliance { table, target } => write!(f, "gateway route table {table} sends inbound traffic to {target}; appliances are not modelled"),
            Reason::AddressFamilyMismatch { src, dst, eni } => {
                write!(f, "{src} and {dst} are of different address families: ")?;
                match eni {
                    Some((id, has_v6)) => write!(f, "{id} has no {} address", if *has_v6 { "IPv4" } else { "IPv6" }),
                    None => f.write_str("the two ends are of different address families"),
                }
            }
            Reason::RoutedOutOfNetwork { addr, via, eni } => write!(
                f,
                "the request for {addr} leaves the modelled network through {via} and never reaches {eni}: a route sends it the wrong way"
            ),
            Reason::DeliveredElsewhere { other, vpc, intended } => {
                write!(f, "the request is delivered to {other} in {vpc}, which has the same address, not to {intended}")
            }
            Reason::ExitsToOnPremises { addr, via } => write!(
                f,
                "the request for {addr} leaves for the on-premises network through {via}; whether it reaches the internet from there is not modelled"
            ),
            Reason::FirewallDrops { firewall, by } => write!(f, "firewall {firewall} drops the packet: {by}"),
            Reason::FirewallUndecided { firewall, why } => {
                write!(f, "what firewall {firewall} does with the packet cannot be decided from the snapshot: {why}")
            }
            Reason::AsymmetricInspection { firewall, by: None } => write!(
                f,
                "the request went through firewall {firewall}, whose stateful engine tracks the flow, but the reply does not come back through it: asymmetric routing around a stateful firewall drops the flow (route the reply through the same firewall endpoint, or use transit gateway appliance mode)"
            ),
            Reason::AsymmetricInspection { firewall, by: Some(by) } => write!(
                f,
                "the reply reaches firewall {firewall}, whose stateful engine never saw the request ({by}): asymmetric routing around a stateful firewall drops the flow"
            ),
            Reason::SourceDestCheck { eni } => write!(
                f,
                "the route sends the packet to {eni}, which has source/destination check on and drops traffic not addressed to it (turn the check off on an appliance)"
            ),
            Reason::ApplianceForwards { eni } => write!(
                f,
                "appliance {eni} forwards the packet; what its own software (firewall rules, address translation) does is not in the snapshot"
            ),
            Reason::NoListener { lb, kind, udp, port, listeners } => {
                let proto = if *udp { "UDP" } else { "TCP" };
                let have: Vec<String> = listeners.iter().map(|(p, pr)| format!("{pr}:{p}")).collect();
                let have = if have.is_empty() { "none".to_string() } else { have.join(", ") };
                write!(f, "load balancer {lb} ({}) has no listener for {proto} port {port}: the connection is refused (its listeners: {have})", kind.label())
            }
            Reason::NoTargets { lb, groups } => {
                write!(f, "load balancer {lb} forwards to target group {} with no registered target in service: the connection is refused", groups.join(", "))
            }
            Reason::BalancerNotInSnapshot { lb, what } => {
                write!(f, "the snapshot lacks {what} of load balancer {lb}: where it forwards cannot be told (capture LoadBalancerListeners, TargetGroups and LoadBalancerTargetHealth)")
            }
            Reason::NotCrossZone { lb, zone } => write!(
                f,
                "cross-zone load balancing of {lb} is off and its node in {zone} has no target in that zone: the node cannot forward the connection"
            ),
            Reason::TargetNotModelled { lb, target, kind } => {
                write!(f, "load balancer {lb} forwards to {target} ({kind}), which the model does not follow")
            }
            Reason::NoRouteToSource { addr, eni, why } => {
                write!(f, "{addr} is a private address outside the modelled VPCs, and {why}: it cannot reach {eni} (the reply has no way back)")
            }
            Reason::ZoneDependent { attachment, zones, outcomes } => {
                let outcomes: Vec<String> = outcomes
                    .iter()
                    .map(|(z, b)| match b {
                        None => format!("through {z}: reachable"),
                        Some((id, code)) => format!("through {z}: stopped by {id} ({code})"),
                    })
                    .collect();
                write!(
                    f,
                    "the answer depends on the Availability Zone the transit gateway picks for this flow at {attachment} ({}): {}",
                    zones.join(", "),
                    outcomes.join("; ")
                )
            }
        }
    }
}

impl fmt::Display for Unrouted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let propagation = |p: &[String]| {
            if p.is_empty() {
                String::new()
            } else {
                format!(" (it takes the routes {} propagates, and none covers it: on premises does not advertise it)", p.join(", "))
            }
        };
        match self {
            Unrouted::NoRoute { table, propagating } => write!(f, "route table {table} has no route to it{}", propagation(propagating)),
            Unrouted::NotOnPremises { table, propagating } => {
                write!(f, "route table {table} sends it to no VPN or Direct Connect gateway{}", propagation(propagating))
            }
            Unrouted::MissingTgw { table, tgw } => write!(f, "route table {table} sends it to {tgw}, which is not in the snapshot"),
            Unrouted::NoAttachment { vpc, tgw } => write!(f, "{vpc} has no available attachment to {tgw}"),
            Unrouted::NotAssociated { attachment, tgw } => write!(f, "{attachment} is associated with no route table of {tgw}"),
            Unrouted::TgwNotOnPremises { table } => write!(f, "transit gateway route table {table} sends it nowhere on premises"),
            Unrouted::TgwBlackhole { table } => write!(f, "transit gateway route table {table} has a blackhole route for it"),
            Unrouted::TgwNoRoute { table } => write!(f, "transit gateway route table {table} has no route to it"),
        }
    }
}

/// A change in words, with its AWS CLI command: the JSON contract's `fix` object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// What to change (`add-nacl-rule`, `add-security-group-rule`, `add-route`, ...).
    pub action: String,
    /// The component to change.
    pub id: String,
    /// The change in words.
    pub description: String,
    /// The equivalent AWS CLI command (a write: for the user to run, never run by vpcscope).
    pub aws_cli: Option<String>,
}

/// A typed change in words.
pub fn fix(c: &Change) -> Fix {
    let (action, id) = match c {
        Change::AddAclEntry { acl, .. } => ("add-nacl-rule", acl.as_str()),
        Change::AddSecurityGroupRule { group, .. } => ("add-security-group-rule", group.as_str()),
        Change::AddRoute { table, .. } => ("add-route", table.as_str()),
        Change::ReplaceBlackholeRoute { table, .. } => ("replace-route", table.as_str()),
        Change::RouteTowardDestination { table, transit: false, .. } => ("replace-route", table.as_str()),
        Change::RouteTowardDestination { table, transit: true, .. } => ("replace-transit-gateway-route", table.as_str()),
        Change::AttachInternetGateway { vpc } => ("attach-internet-gateway", vpc.as_str()),
        Change::AssociateAddress { eni, .. } => ("associate-address", eni.as_str()),
        Change::AcceptPeering { pcx, .. } => ("accept-vpc-peering-connection", pcx.as_str()),
        Change::AddAttachmentSubnet { attachment, .. } => ("modify-transit-gateway-vpc-attachment", attachment.as_str()),
        Change::AddVpnRoute { vpn, .. } => ("create-vpn-connection-route", vpn.as_str()),
    };
    Fix { action: action.into(), id: id.to_string(), description: description(c), aws_cli: crate::aws::cli::command(c) }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cidr::Net(n) => write!(f, "{n}"),
            Cidr::Open { .. } => f.write_str("<cidr>"),
        }
    }
}

/// What a change does, in words.
pub fn description(c: &Change) -> String {
    match c {
        Change::AddAclEntry { acl, direction, number, protocol, l4, cidr, before, reply } => {
            let ports = match l4 {
                ChangeL4::Ports(r) => format!(" ports {r}"),
                ChangeL4::Icmp { icmp_type, code } => format!(" type {icmp_type} code {code}"),
                ChangeL4::None => String::new(),
            };
            let to_from = if *direction == Direction::Egress { "to" } else { "from" };
            let what = if *reply { "for the reply " } else { "" };
            format!("add {direction} rule {number} ALLOW {protocol}{ports} {to_from} {cidr} to {acl} {what}(before rule {before})")
        }
        Change::AddSecurityGroupRule { group, direction, protocol, l4, peer } => {
            let ports = match l4 {
                ChangeL4::Ports(r) => format!(" {}", r.from),
                ChangeL4::Icmp { icmp_type, .. } => format!(" type {icmp_type}"),
                ChangeL4::None => String::new(),
            };
            let peer = match peer {
                Peer::Group(g) => g.clone(),
                Peer::Cidr(c) => c.to_string(),
            };
            let to_from = if *direction == Direction::Egress { "to" } else { "from" };
            format!("add {direction} rule {protocol}{ports} {to_from} {peer} to {group}")
        }
        Change::AddRoute { table, cidr, target } => {
            let target = match target {
                RouteTo::Peering(id) | RouteTo::TransitGateway(id) | RouteTo::InternetGateway(id) => id,
            };
            format!("add route {cidr} -> {target} to {table}")
        }
        Change::ReplaceBlackholeRoute { prefix, target, .. } => format!("the target {target} of route {prefix} no longer exists: replace or delete the route"),
        Change::RouteTowardDestination { table, prefix, .. } => format!("route {prefix} in {table} toward the destination instead"),
        Change::AttachInternetGateway { vpc } => format!("attach an internet gateway to {vpc} and route the reply to it"),
        Change::AssociateAddress { eni, inbound: true } => {
            format!("{eni} has no public address: associate an Elastic IP (and check its subnet routes to an internet gateway)")
        }
        Change::AssociateAddress { eni, inbound: false } => format!("give {eni} a public address (an Elastic IP), or route through a NAT gateway"),
        Change::AcceptPeering { pcx, status } => format!("{pcx} is {status}: it must be active (accepted) to carry traffic"),
        Change::AddAttachmentSubnet { attachment, az, tgw } => format!("add a subnet in {az} to {attachment} so that {az} can reach {tgw}"),
        Change::AddVpnRoute { vpn, remote } => format!("add a static route for the on-premises prefix of {remote} to {vpn}"),
    }
}

impl Serialize for Change {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        fix(self).serialize(s)
    }
}

impl Serialize for Hop {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Hop", 8)?;
        st.serialize_field("id", &self.id)?;
        st.serialize_field("kind", &self.kind)?;
        st.serialize_field("name", &self.name)?;
        st.serialize_field("direction", &self.direction)?;
        st.serialize_field("action", &self.action)?;
        st.serialize_field("rule", &hop_rule(self))?;
        st.serialize_field("packet", &self.packet.to_string())?;
        st.serialize_field("detail", &hop_detail(self))?;
        if let Some(a) = &self.account {
            st.serialize_field("account", a)?;
        }
        st.end()
    }
}

impl Serialize for Blocked {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Blocked", 8)?;
        st.serialize_field("id", &self.id)?;
        st.serialize_field("kind", &self.kind)?;
        st.serialize_field("direction", &self.direction)?;
        st.serialize_field("rule", &self.rule.as_ref().map(|r| r.to_string()))?;
        st.serialize_field("rule_number", &self.rule_number)?;
        st.serialize_field("path", &self.path)?;
        st.serialize_field("code", &self.code)?;
        st.serialize_field("explanation", &explanation(self))?;
        if let Some(a) = &self.account {
            st.serialize_field("account", a)?;
        }
        st.end()
    }
}

impl fmt::Display for Assumption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Assumption::Acl { subnet, allows: true } => write!(f, "the network ACL of {subnet} (not in the snapshot) allows"),
            Assumption::Acl { subnet, allows: false } => write!(f, "the network ACL of {subnet} (not in the snapshot) denies"),
            Assumption::SecurityGroups { groups, admits: Some(d) } => write!(f, "security groups {groups} (not in the snapshot) admit the packet {d}"),
            Assumption::SecurityGroups { groups, admits: None } => write!(f, "security groups {groups} (not in the snapshot) admit nothing"),
        }
    }
}

impl Serialize for Assumption {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The path a stop is on, as reports name it.
pub fn path_word(p: PathKind) -> &'static str {
    match p {
        PathKind::Forward => "request",
        PathKind::Return => "reply",
    }
}
