//! The evaluator: walks one packet from a source to a destination through security groups,
//! network ACLs, route tables and gateways, then walks the reply back, and records every
//! component crossed as a [`Hop`] with the rule that matched.
//!
//! Evaluation is a pure function of the topology and the flow: no I/O, no shared state, so
//! callers evaluate many flows in parallel. Semantics follow `AWS-SEMANTICS.md` §1-6; each
//! rule the walker encodes has a unit test named after it (see `path.rs`).

pub mod fix;
pub mod firewall;
mod gate;
pub mod nacl;
mod path;
pub mod route;
pub mod sg;
mod step;

pub use step::{Assumption, BlockCode, Change, ChangeL4, Cidr, NatPorts, Peer, Place, Reason, RouteTo, Rule, Step, Unrouted};

pub use gate::{at_interface_gate, Gate};
pub use crate::model::is_special;
pub use path::{at_interface, at_interface_verdict, evaluate, Endpoint};

use crate::model::{Protocol, RuleNumber};
use serde::Serialize;
use std::fmt;
use std::net::IpAddr;

pub use path::{evaluate_through, evaluate_verdict};
pub use path::balance::resolve_target as load_balancer_target;

/// The default ephemeral source port of a client when the user gives none: 49152 lies in
/// every documented ephemeral range (Linux 32768-60999, Windows 49152-65535, NAT gateway,
/// ELB and Lambda 1024-65535), so a return rule that admits any of them admits it.
pub const DEFAULT_SOURCE_PORT: u16 = 49152;

/// One packet: addresses, protocol, ports (TCP/UDP) or ICMP type/code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Packet {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// Protocol.
    pub protocol: Protocol,
    /// Source port (TCP/UDP).
    pub src_port: u16,
    /// Destination port (TCP/UDP).
    pub dst_port: u16,
    /// ICMP type (ICMP only; echo request 8 by default).
    pub icmp_type: u8,
    /// ICMP code.
    pub icmp_code: u8,
}

impl Packet {
    /// A packet; ICMP packets default to an echo request.
    pub fn new(src: IpAddr, dst: IpAddr, protocol: Protocol, src_port: u16, dst_port: u16) -> Packet {
        let icmp_type = if protocol.is_icmp() { if src.is_ipv6() { 128 } else { 8 } } else { 0 };
        Packet { src, dst, protocol, src_port, dst_port, icmp_type, icmp_code: 0 }
    }

    /// The reply: addresses and ports swapped; an echo request becomes an echo reply.
    pub fn reply(&self) -> Packet {
        let icmp_type = match (self.protocol, self.icmp_type) {
            (Protocol::Icmp, 8) => 0,
            (Protocol::Icmpv6, 128) => 129,
            (_, t) => t,
        };
        Packet {
            src: self.dst,
            dst: self.src,
            protocol: self.protocol,
            src_port: self.dst_port,
            dst_port: self.src_port,
            icmp_type,
            icmp_code: self.icmp_code,
        }
    }
}

/// How a path ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Disposition {
    /// Delivered to the destination interface.
    Accepted,
    /// Denied by an inbound rule (security group or network ACL).
    DeniedIn,
    /// Denied by an outbound rule.
    DeniedOut,
    /// No route matched the destination.
    NoRoute,
    /// The matching route is a blackhole (its target is gone).
    Blackhole,
    /// Dropped by a gateway or connection (no public address, inactive peering, transit
    /// gateway without an attachment in the zone, non-transitive hop, ...).
    Dropped,
    /// Left the modelled network (the internet, an AWS service, a VPN).
    ExitsNetwork,
    /// The path revisited a hop.
    Loop,
    /// The path reached something vpcscope does not model (an appliance, a load balancer).
    InsufficientInfo,
}

impl Disposition {
    /// Whether the packet got where it was going.
    pub fn is_success(self) -> bool {
        matches!(self, Disposition::Accepted | Disposition::ExitsNetwork)
    }
}

impl fmt::Display for Disposition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Disposition::Accepted => "ACCEPTED",
            Disposition::DeniedIn => "DENIED (inbound)",
            Disposition::DeniedOut => "DENIED (outbound)",
            Disposition::NoRoute => "NO ROUTE",
            Disposition::Blackhole => "BLACKHOLE",
            Disposition::Dropped => "DROPPED",
            Disposition::ExitsNetwork => "EXITS NETWORK",
            Disposition::Loop => "LOOP",
            Disposition::InsufficientInfo => "INSUFFICIENT INFO",
        };
        f.write_str(s)
    }
}

/// The kind of component a hop crosses (names as in the JSON contract).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// An elastic network interface.
    NetworkInterface,
    /// A security group (or the set of groups of an interface).
    SecurityGroup,
    /// A network ACL.
    NetworkAcl,
    /// A VPC route table.
    RouteTable,
    /// An internet gateway.
    InternetGateway,
    /// An egress-only internet gateway.
    EgressOnlyInternetGateway,
    /// A NAT gateway.
    NatGateway,
    /// A VPC peering connection.
    VpcPeering,
    /// A transit gateway.
    TransitGateway,
    /// A transit gateway attachment.
    TransitGatewayAttachment,
    /// A transit gateway route table.
    TransitGatewayRouteTable,
    /// A VPC endpoint.
    VpcEndpoint,
    /// A virtual private gateway or other exit.
    VpnGateway,
    /// A load balancer (its listener, or its relay of a target's reply).
    LoadBalancer,
    /// An AWS Network Firewall.
    NetworkFirewall,
    /// Addresses on the internet, outside the modelled networks.
    Internet,
    /// Addresses of an on-premises network, reached through a virtual private gateway or a
    /// transit gateway's VPN or Direct Connect gateway attachment.
    OnPremises,
    /// A VPC (for local delivery).
    Vpc,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        f.write_str(&s)
    }
}

/// Which way a rule set was evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Inbound rules.
    Ingress,
    /// Outbound rules.
    Egress,
}

/// What happened at a hop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// The packet entered or left an interface.
    Pass,
    /// A rule allowed the packet.
    Allow,
    /// A rule (or the absence of one) denied the packet.
    Deny,
    /// Routed to a next hop.
    Forward,
    /// Addresses translated.
    Translate,
    /// Delivered.
    Deliver,
    /// Dropped by the component.
    Drop,
    /// Left the modelled network.
    Exit,
    /// Informational: what the walker could not model.
    Note,
}

/// One component a packet crossed, with what happened there (`report::words` renders it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hop {
    /// The AWS id of the component.
    pub id: String,
    /// The kind of component.
    pub kind: Kind,
    /// Its Name tag (or group name), when it has one.
    pub name: Option<String>,
    /// Inbound or outbound, for rule sets.
    pub direction: Option<Direction>,
    /// What happened.
    pub action: Action,
    /// The step, with the rule that decided.
    pub step: Step,
    /// Names (Name tags) of the other components the step mentions, by id.
    pub names: Vec<(String, String)>,
    /// The account that owns the component, when the snapshot says.
    pub account: Option<String>,
    /// The packet at this hop.
    pub packet: Packet,
}

/// Which path a hop or a block belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PathKind {
    /// The request.
    Forward,
    /// The reply.
    Return,
}

/// One path (request or reply): the hops and how it ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Leg {
    /// How the path ended.
    pub disposition: Disposition,
    /// The hops, in order (empty for verdict-only walks).
    pub hops: Vec<Hop>,
    /// The network ACLs the leg passed, in order: recorded by every walk, verdict-only
    /// ones included.
    #[serde(skip)]
    pub acls: Vec<AclCrossing>,
    /// Whether a gateway translated an address on this leg.
    #[serde(skip)]
    pub translated: bool,
}

/// A network ACL a leg passed: the subnet it guards and the direction evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AclCrossing {
    /// Position of the subnet in the model.
    pub subnet: crate::topology::Ix,
    /// Inbound or outbound rules.
    pub direction: Direction,
}

/// The component that stopped a path and why (`report::words` renders the JSON contract's
/// `rule` and `explanation`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocked {
    /// AWS id of the component.
    pub id: String,
    /// Its kind.
    pub kind: Kind,
    /// Inbound/outbound for rule sets, else `None`.
    pub direction: Option<Direction>,
    /// The rule that decided: a NACL entry or a route, or `None` for "no rule matched".
    pub rule: Option<Rule>,
    /// The NACL rule number (`*` for the default rule), when a NACL blocked.
    pub rule_number: Option<RuleNumber>,
    /// Forward or return path.
    pub path: PathKind,
    /// Explanation code (Reachability Analyzer's names where they fit).
    pub code: BlockCode,
    /// The cause, with its data.
    pub reason: Reason,
    /// The account that owns the component, when the snapshot says.
    pub account: Option<String>,
}

/// The three answers to "does this flow get through".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The request arrives at the destination and the reply at the sender, through
    /// components the model evaluated.
    Reachable,
    /// A component the model evaluated stops the request or the reply.
    NotReachable,
    /// The path meets something the model cannot evaluate (an appliance, routes the snapshot
    /// does not hold, a zone choice that changes the answer): `blocked_by` names what is
    /// missing.
    Unknown,
}

impl Verdict {
    /// The upper-case word reports print.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Reachable => "REACHABLE",
            Verdict::NotReachable => "NOT REACHABLE",
            Verdict::Unknown => "UNKNOWN",
        }
    }
}

/// The answer for one flow: both paths, the first blocking component and its fix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Trace {
    /// True only when the request and the reply both get through ([`Verdict::Reachable`]).
    pub reachable: bool,
    /// Reachable, not reachable, or unknown (what the model cannot decide).
    pub verdict: Verdict,
    /// The request.
    pub forward: Leg,
    /// The reply (`None` when the request did not get through).
    #[serde(rename = "return")]
    pub ret: Option<Leg>,
    /// What stopped the flow.
    pub blocked_by: Option<Blocked>,
    /// How to open it.
    pub fix: Option<Change>,
    /// What the answer assumed of components the snapshot lacks (`--assume-missing`): empty
    /// when it assumed nothing.
    pub assumptions: Vec<Assumption>,
    /// The packet as it left the source.
    #[serde(skip)]
    pub packet: Option<Packet>,
    /// The gateway through which the outside end of the flow connects (`igw-...`,
    /// `vgw-...`, a transit gateway attachment id), when one end is outside the modelled
    /// networks and the request got that far.
    #[serde(skip)]
    pub outside_via: Option<Door>,
    /// When the destination is a load balancer: the listener, and every target the
    /// listener may forward to with its own answer (the trace follows one of them).
    #[serde(rename = "load_balancer", skip_serializing_if = "Option::is_none")]
    pub balancer: Option<Box<Balanced>>,
}

/// A load balancer on a path: the listener that took the connection and the answer for each
/// target it may forward to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Balanced {
    /// ARN (ELBv2) or name (Classic).
    pub id: String,
    /// Name.
    pub name: String,
    /// `application`, `network`, `gateway`, `classic`.
    pub kind: crate::model::LbKind,
    /// Whether it is internet-facing.
    pub internet_facing: bool,
    /// The node interface the client connected to.
    pub node: String,
    /// The node's zone.
    pub zone: String,
    /// The listener's port and protocol (`None` when no listener took the connection).
    pub listener: Option<ListenerRef>,
    /// Every target the listener may forward to from this node.
    pub targets: Vec<TargetOutcome>,
}

/// A listener: its port and protocol.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ListenerRef {
    /// Port.
    pub port: u16,
    /// Protocol (`TCP`, `HTTP`, ...).
    pub protocol: String,
}

/// What stops a load balancer's connection to one target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TargetBlock {
    /// The component's id.
    pub id: String,
    /// Its explanation code.
    pub code: BlockCode,
}

/// One target behind a listener and whether the load balancer's connection to it gets
/// through (request and reply), and its health checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TargetOutcome {
    /// Target group id.
    pub group: String,
    /// Instance id or IP address.
    pub target: String,
    /// The target's interface, when the model has it.
    pub interface: Option<String>,
    /// The address the load balancer connects to.
    pub address: Option<IpAddr>,
    /// The target's port.
    pub port: Option<u16>,
    /// Health as the snapshot recorded it.
    pub health: String,
    /// Whether the target sees the client's address (NLB client IP preservation).
    pub client_ip_preserved: bool,
    /// Whether the load balancer's connection gets through.
    pub verdict: Verdict,
    /// What stops it: component id and code.
    pub blocked_by: Option<TargetBlock>,
    /// Whether health checks (from the node, on the health-check port) get through; `None`
    /// when they are off or the target is not followed.
    pub health_check: Option<Verdict>,
    /// Whether this is the target the trace's hops follow.
    pub traced: bool,
}

impl Trace {
    /// Whether the path stopped at something the model cannot evaluate.
    pub fn is_unknown(&self) -> bool {
        self.verdict == Verdict::Unknown
    }
}

/// How an outside end connects to the modelled networks.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Door {
    /// The internet, through an internet or egress-only gateway.
    Internet(String),
    /// An on-premises network, through a virtual private gateway (`vgw-...`) or a transit
    /// gateway's VPN or Direct Connect gateway attachment, named by its id; `resource` is
    /// the VPN connection or Direct Connect gateway behind an attachment.
    OnPrem {
        /// The gateway or attachment id.
        gateway: String,
        /// The VPN connection or Direct Connect gateway id behind a transit gateway
        /// attachment.
        resource: Option<String>,
    },
    /// Something else outside (an AWS service through a gateway endpoint).
    Other(String),
}

impl Door {
    /// Whether the door leads to an on-premises network.
    pub fn is_onprem(&self) -> bool {
        matches!(self, Door::OnPrem { .. })
    }

    /// Whether `id` names this door (its gateway, attachment or the resource behind it).
    pub fn is_named(&self, id: &str) -> bool {
        match self {
            Door::Internet(g) | Door::Other(g) => g == id,
            Door::OnPrem { gateway, resource } => gateway == id || resource.as_deref() == Some(id),
        }
    }
}
