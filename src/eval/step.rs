//! What a trace records, as data: the step a hop took ([`Step`]), why a path stopped
//! ([`Reason`], with its [`BlockCode`]), the rule that decided ([`Rule`]) and the change that
//! would open the path ([`Change`]). Nothing here is a sentence: `report::words` turns these
//! into the words, rule strings and JSON fields reports print, and `aws::cli` spells a
//! change as an AWS CLI command.

use crate::model::{EniKind, ExternalAttachmentKind, LbKind, NaclEntry, PortRange, Protocol, RuleNumber, SgRule};
use ipnet::IpNet;
use serde::Serialize;
use std::net::IpAddr;

/// What happened at one hop, with the data that says why (each variant's comment names its
/// fields).
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Step {
    /// The packet left interface `hop.id` (of kind `role`) in `subnet`; `reply` for the
    /// reply leg.
    Sent { role: EniKind, subnet: String, reply: bool },
    /// The packet was sent from `from`, outside the modelled networks.
    FromOutside { from: IpAddr, place: Place, reply: bool },
    /// Listener `port`/`protocol` of load balancer `hop.id` took the connection and opened
    /// a second one to `target` (`target_ip`:`target_port`) of target group `group`, from
    /// the client's address (`client_ip`) or the node's.
    Listener { port: u16, protocol: String, group: String, target: String, target_ip: IpAddr, target_port: u16, client_ip: bool },
    /// Load balancer `hop.id` relayed the target's reply to the client's connection.
    RelayReply,
    /// Firewall `hop.id` let the packet through endpoint `endpoint`, by `by` (`stateful`:
    /// its stateful engine passed it and expects the reply through the same firewall).
    Inspected { endpoint: String, by: String, stateful: bool },
    /// The packet entered appliance interface `hop.id` (source/destination check off), which
    /// forwards it on (what its software does is not in the snapshot).
    Appliance,
    /// Listener `port`/`protocol` of load balancer `hop.id` answers itself (`action`:
    /// `redirect`, `fixed-response`): no target is involved.
    ListenerAnswers { port: u16, protocol: String, action: String },
    /// A network ACL admitted the packet entering (`hop.direction` ingress) or leaving
    /// `subnet`, by `entry`.
    Acl { subnet: String, entry: Option<NaclEntry> },
    /// The snapshot has no ACL for `subnet`; `--assume-missing allow` admitted the packet.
    AclAssumed { subnet: String },
    /// A security group rule admitted the packet.
    SecurityGroup { rule: SgRule },
    /// The reply passed the groups `hop.id`: security groups are stateful.
    SecurityGroupsStateful,
    /// Groups `hop.id` are not in the snapshot; `--assume-missing allow` admitted the packet.
    SecurityGroupsAssumed,
    /// A route of the table of `subnet` matched.
    Route { subnet: String, prefix: IpNet, target: String },
    /// A route of a transit gateway route table matched.
    TgwRoute { tgw: String, prefix: IpNet, attachments: Vec<String> },
    /// A gateway rewrote the destination address `from` to the packet's.
    TranslateDestination { from: IpAddr },
    /// A gateway rewrote the source address `from` to the packet's.
    TranslateSource { from: IpAddr },
    /// A NAT gateway translated the reply back to the client's address and port.
    TranslateBack { to: IpAddr, port: u16 },
    /// The packet entered the VPC through an internet gateway.
    EnterVpc,
    /// The packet left the VPC through an internet (or, `ipv6`, egress-only) gateway.
    LeaveVpc { ipv6: bool },
    /// The packet left for the internet.
    ExitToInternet { ipv6: bool },
    /// The packet entered `vpc` from the on-premises network.
    EnterFromOnPremises { vpc: String },
    /// The packet left for the on-premises network through `resource` (a virtual private
    /// gateway, or a VPN connection or Direct Connect gateway of type `resource_type`
    /// behind a transit gateway attachment).
    ExitToOnPremises { resource_type: Option<ExternalAttachmentKind>, resource: String },
    /// A peering connection carried the packet to `vpc`.
    ToVpc { vpc: String },
    /// The packet entered transit gateway `tgw` through attachment subnet `subnet`.
    EnterTgw { tgw: String, subnet: String },
    /// The packet entered transit gateway `tgw` from a VPN or Direct Connect attachment.
    EnterTgwFrom { tgw: String, resource_type: Option<ExternalAttachmentKind>, resource: String },
    /// The packet left transit gateway `tgw` into `vpc` through attachment subnet `subnet`.
    LeaveTgw { tgw: String, vpc: String, subnet: String },
    /// A peering attachment carried the packet to the peer transit gateway.
    ToPeerTgw,
    /// A gateway endpoint carried the packet to AWS service `service`.
    ToService { service: String },
    /// The packet was delivered to interface `hop.id`.
    Delivered,
    /// The path stopped here, by `rule` when one decided.
    Stopped { reason: Reason, rule: Option<Rule> },
}

/// What an answer assumed of a component the snapshot lacks (`--assume-missing`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Assumption {
    /// The network ACL of subnet `subnet` allows (or, `allows: false`, denies).
    Acl {
        /// The subnet whose ACL is missing.
        subnet: String,
        /// What was assumed.
        allows: bool,
    },
    /// Security groups `groups` admit the packet in `direction` (or, `None`, admit nothing).
    SecurityGroups {
        /// The missing groups, joined.
        groups: String,
        /// The direction they were assumed to admit, `None` for "nothing".
        admits: Option<super::Direction>,
    },
}

impl Step {
    /// The ids of the components the step mentions besides its hop's own (subnets, VPCs,
    /// transit gateways), whose names a report shows next to them.
    pub fn mentions(&self) -> Vec<&str> {
        match self {
            Step::Sent { subnet, .. } | Step::Acl { subnet, .. } | Step::AclAssumed { subnet } | Step::Route { subnet, .. } => vec![subnet],
            Step::TgwRoute { tgw, .. } => vec![tgw],
            Step::EnterFromOnPremises { vpc } | Step::ToVpc { vpc } => vec![vpc],
            Step::EnterTgw { tgw, subnet } => vec![tgw, subnet],
            Step::EnterTgwFrom { tgw, .. } => vec![tgw],
            Step::Listener { group, .. } => vec![group],
            Step::LeaveTgw { tgw, vpc, subnet } => vec![tgw, vpc, subnet],
            _ => Vec::new(),
        }
    }
}

/// Where an outside address is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// On the internet.
    Internet,
    /// On an on-premises network.
    OnPremises,
    /// An AWS service reached through a gateway endpoint.
    Service,
    /// Outside the modelled networks, where exactly the snapshot cannot tell.
    Outside,
}

/// The rule that decided at a stop.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Rule {
    /// A network ACL entry.
    Acl(NaclEntry),
    /// A route.
    Route { prefix: IpNet, target: String },
    /// A transit gateway's blackhole route.
    TgwBlackhole { prefix: IpNet },
}

/// Why a path stopped: the cause, with the data a sentence needs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Reason {
    /// The snapshot has no ACL for `subnet` (`assumed_deny`: `--assume-missing deny`).
    MissingAcl { subnet: String, assumed_deny: bool },
    /// ACL `acl` of `subnet` denied the packet (by the default rule when `number` is it).
    AclDenies { acl: String, subnet: String, entering: bool, number: RuleNumber, reply: bool, nat_ports: Option<NatPorts> },
    /// No rule of the groups of `eni` admits the packet and `missing` may.
    MissingSecurityGroup { eni: String, direction: super::Direction, missing: Vec<String> },
    /// No rule of the groups of `eni` admits the packet.
    SecurityGroupsDeny { eni: String, direction: super::Direction, groups: Vec<String>, missing: Vec<String> },
    /// Subnet `subnet` of `of` is not in the snapshot.
    MissingSubnet { subnet: String, of: String },
    /// The subnets of transit gateway attachment `attachment` are not in the snapshot.
    MissingAttachmentSubnets { attachment: String },
    /// No interface of `vpc` has address `addr` (a reply re-entering through a gateway).
    NoInterfaceOf { vpc: String, addr: IpAddr },
    /// No interface in `vpc` has address `addr`.
    NoInterfaceIn { vpc: String, addr: IpAddr },
    /// `addr` is no modelled interface's public address.
    NotAPublicAddress { addr: IpAddr },
    /// `addr` has no public address for internet gateway `igw` to translate it to.
    NoPublicSource { addr: IpAddr, igw: String, private_nat: bool },
    /// Interface `eni` has no public address: nothing on the internet can address it.
    NoPublicAddress { eni: String },
    /// `vpc` has no internet gateway.
    NoInternetGateway { vpc: String },
    /// Interface `eni` belongs to a NAT gateway, which accepts no connection.
    NatGatewayInbound { eni: String },
    /// The path loops between route tables (`transit`: between transit gateways).
    RoutingLoop { transit: bool },
    /// The snapshot has no route tables at all.
    MissingRouteTables { subnet: String },
    /// `subnet` has no route table (no association and no main table).
    NoRouteTable { subnet: String },
    /// Route table `table` of `subnet` has no route to `addr`.
    NoRoute { table: String, subnet: String, addr: IpAddr },
    /// Transit gateway route table `table` has no route to `addr`.
    NoTgwRoute { table: String, addr: IpAddr },
    /// Route `prefix` of `table` points at `target`, which is gone.
    Blackhole { table: String, prefix: IpNet, target: String },
    /// Transit gateway route `prefix` of `table` is a blackhole.
    TgwBlackhole { table: String, prefix: IpNet },
    /// A route sends the packet to appliance `target`.
    ApplianceRoute { target: String },
    /// A route sends the packet to Gateway Load Balancer endpoint `endpoint`.
    GwlbEndpoint { endpoint: String },
    /// A CIDR route sends the packet to `endpoint`, which the snapshot lacks.
    CidrRouteToMissingEndpoint { endpoint: String },
    /// A route names interface endpoint `endpoint`, which AWS does not accept as a target.
    InterfaceEndpointRoute { endpoint: String },
    /// A route sends the packet to a local, carrier or Cloud WAN gateway.
    GatewayNotModelled { gateway: String },
    /// Gateway `gateway` is not attached to `vpc`.
    NotAttached { gateway: String, vpc: String },
    /// The internet does not route `addr`.
    PrivateDestination { addr: IpAddr },
    /// An egress-only gateway carries IPv6 only.
    EgressOnlyIpv6,
    /// `id` is not in the snapshot.
    NotInSnapshot { id: String },
    /// Virtual private gateway `vgw` is not in the snapshot.
    MissingVgw { vgw: String },
    /// NAT gateway `nat` has no interface or private address in the snapshot.
    NatWithoutInterface { nat: String },
    /// The peer VPC `vpc` is not in the snapshot.
    MissingPeerVpc { vpc: String },
    /// The peer side of transit gateway peering attachment `attachment` is not in the
    /// snapshot.
    MissingPeerTgw { attachment: String },
    /// `addr` lies behind attachment `attachment`, leading to a network the snapshot lacks.
    BehindAttachment { addr: IpAddr, attachment: String },
    /// Component `id` is in state `state`, not available.
    NotAvailable { id: String, state: String },
    /// Transit gateway `id` (or its attachment) is in state `state`.
    BadState { id: String, state: String },
    /// The reply is routed through NAT gateway `nat`.
    ReplyThroughNat { nat: String },
    /// The reply leaves by `back`, not by `forward` by which the request came.
    ReplyThroughOtherDoor { back: String, forward: String },
    /// The reply arrives as `at`, not as a reply to the request.
    ReplyNotAReply { at: super::Packet },
    /// Peering `pcx` is in status `status`, not active.
    PeeringNotActive { pcx: String, status: String },
    /// Peering `pcx` does not connect `vpc`.
    PeeringWrongVpc { pcx: String, vpc: String },
    /// Traffic from a gateway or another connection cannot transit a peering.
    PeeringEdgeToEdge,
    /// `addr` is not in the peer VPC `vpc`.
    PeeringNotTransitive { addr: IpAddr, vpc: String },
    /// `vpc` has no available attachment to `tgw`.
    NoTgwAttachment { vpc: String, tgw: String },
    /// Attachment `attachment` has no subnet in zone `az`.
    AttachmentNotInZone { attachment: String, az: String, tgw: String },
    /// Attachment `attachment` is associated with no route table of `tgw`.
    AttachmentNotAssociated { attachment: String, tgw: String },
    /// Transit gateway route table `table` has no route to `addr` and learns routes by BGP
    /// from `attachment` (to `resource`), which the snapshot lacks; `capture_hint` adds how
    /// to capture them.
    RoutesNotInSnapshot { table: String, addr: IpAddr, attachment: String, resource: String, capture_hint: bool },
    /// Gateway endpoint `endpoint` is not usable from a transit gateway, VPN or Direct Connect.
    GatewayEndpointNotTransitive { endpoint: String },
    /// Direct Connect gateway `dx` behind `attachment` is in state `state`.
    DxGatewayDown { dx: String, attachment: String, state: String },
    /// No VPN connection or virtual interface on `gateway` is available (`states`: each one's
    /// id and state).
    ConnectionsDown { gateway: String, states: Vec<(String, String)> },
    /// Attachment `attachment` is of a kind the model does not follow.
    AttachmentNotModelled { attachment: String, resource_type: ExternalAttachmentKind, resource: String },
    /// The snapshot holds no connection on `gateway`.
    NoConnections { gateway: String },
    /// Every tunnel of `vpns` is down.
    TunnelsDown { vpns: Vec<String> },
    /// `vpns` route statically only and none covers `remote`.
    VpnNoRoute { vpns: Vec<String>, remote: IpAddr },
    /// The snapshot has no tunnel telemetry for `vpns`.
    TunnelStateUnknown { vpns: Vec<String> },
    /// Gateway route table `table` sends inbound traffic to `target`.
    IngressRoutingToAppliance { table: String, target: String },
    /// The two ends are of different families (`eni`: the interface lacking the family of
    /// the other end, `lacks_v4` which).
    AddressFamilyMismatch { src: IpAddr, dst: IpAddr, eni: Option<(String, bool)> },
    /// The request for `addr` leaves through `via` and never reaches `eni`.
    RoutedOutOfNetwork { addr: IpAddr, via: String, eni: String },
    /// The request is delivered to `other` in `vpc`, not to `intended`.
    DeliveredElsewhere { other: String, vpc: String, intended: String },
    /// The request for `addr` leaves for the on-premises network through `via`.
    ExitsToOnPremises { addr: IpAddr, via: String },
    /// The private outside address `addr` cannot reach `eni`: `why`.
    NoRouteToSource { addr: IpAddr, eni: String, why: Unrouted },
    /// The answer depends on the zone the transit gateway picks at `attachment`.
    ZoneDependent { attachment: String, zones: Vec<String>, outcomes: Vec<(String, Option<(String, BlockCode)>)> },
    /// Load balancer `lb` has no listener for the packet (`udp` or TCP, `port`); it has
    /// `listeners` (port, protocol).
    NoListener { lb: String, kind: LbKind, udp: bool, port: u16, listeners: Vec<(u16, String)> },
    /// The listener's target groups `groups` have no target in service.
    NoTargets { lb: String, groups: Vec<String> },
    /// The snapshot lacks what the load balancer forwards to (`what`: its listeners, a target
    /// group, the targets of one).
    BalancerNotInSnapshot { lb: String, what: String },
    /// Cross-zone load balancing is off and the node in `zone` has no target in its zone.
    NotCrossZone { lb: String, zone: String },
    /// A target (`target`, of kind `kind`) the model cannot follow: a Lambda function, an
    /// ALB behind an NLB, an IP address outside the modelled networks.
    TargetNotModelled { lb: String, target: String, kind: String },
    /// Firewall `firewall` drops the packet, by `by`.
    FirewallDrops { firewall: String, by: String },
    /// What firewall `firewall` does with the packet cannot be told: `why`.
    FirewallUndecided { firewall: String, why: String },
    /// The request went through firewall `firewall`'s stateful engine and the reply does not
    /// come back through it (or the reply reached a stateful engine that never saw the request).
    AsymmetricInspection { firewall: String, by: Option<String> },
    /// Interface `eni` is the target of a route but has source/destination check on: it drops
    /// traffic not addressed to it.
    SourceDestCheck { eni: String },
    /// Appliance `eni` forwards the packet; its software's policy is not in the snapshot.
    ApplianceForwards { eni: String },
}

/// Why an outside private address has no route to an interface.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Unrouted {
    /// Route table `table` has no route to it (`propagating`: the gateways whose routes
    /// it takes).
    NoRoute { table: String, propagating: Vec<String> },
    /// Route table `table` sends it to no VPN or Direct Connect gateway.
    NotOnPremises { table: String, propagating: Vec<String> },
    /// Route table `table` sends it to transit gateway `tgw`, which the snapshot lacks.
    MissingTgw { table: String, tgw: String },
    /// `vpc` has no available attachment to `tgw`.
    NoAttachment { vpc: String, tgw: String },
    /// Attachment `attachment` is associated with no route table of `tgw`.
    NotAssociated { attachment: String, tgw: String },
    /// Transit gateway route table `table` sends it nowhere on premises.
    TgwNotOnPremises { table: String },
    /// Transit gateway route table `table` has a blackhole route for it.
    TgwBlackhole { table: String },
    /// Transit gateway route table `table` has no route to it.
    TgwNoRoute { table: String },
}

/// The ports a NAT gateway may pick that an ACL denies replies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NatPorts {
    /// The NAT gateway's (or load balancer node's) address.
    pub nat_ip: IpAddr,
    /// Whether a load balancer node picked the ports (else a NAT gateway).
    pub balancer: bool,
    /// The denied ranges (inclusive).
    pub denied: Vec<(u16, u16)>,
}

/// A change that would open a path: for the user to review and apply, never applied by
/// vpcscope.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Change {
    /// Add entry `number` allowing the packet to ACL `acl` (before `before`).
    AddAclEntry { acl: String, direction: super::Direction, number: RuleNumber, protocol: Protocol, l4: ChangeL4, cidr: Cidr, before: RuleNumber, reply: bool },
    /// Add a rule to group `group` admitting the packet from or to `peer`.
    AddSecurityGroupRule { group: String, direction: super::Direction, protocol: Protocol, l4: ChangeL4, peer: Peer },
    /// Add route `cidr` to `target` in `table`.
    AddRoute { table: String, cidr: IpNet, target: RouteTo },
    /// Replace route `prefix` of `table`, whose target `target` is gone.
    ReplaceBlackholeRoute { table: String, prefix: IpNet, target: String },
    /// Route `prefix` of `table` (a transit gateway table when `transit`) toward the
    /// destination instead of out of the network.
    RouteTowardDestination { table: String, prefix: String, transit: bool },
    /// Attach an internet gateway to `vpc`.
    AttachInternetGateway { vpc: String },
    /// Associate an Elastic IP with interface `eni` (`inbound`: so the internet can reach it).
    AssociateAddress { eni: String, inbound: bool },
    /// Accept peering `pcx` (in status `status`).
    AcceptPeering { pcx: String, status: String },
    /// Add a subnet in zone `az` to attachment `attachment` of `tgw`.
    AddAttachmentSubnet { attachment: String, az: String, tgw: String },
    /// Add a static route for the prefix of `remote` to VPN connection `vpn`.
    AddVpnRoute { vpn: String, remote: IpAddr },
}

impl Change {
    /// Replaces the single address `sample` (a sweep's pick) by a range the user chooses: a
    /// fix opens what the user asked about, never one sample address.
    pub fn leave_address_open(&mut self, sample: IpAddr) {
        let host = IpNet::from(sample);
        let open = |c: &mut Cidr| {
            if *c == Cidr::Net(host) {
                *c = Cidr::Open { v6: sample.is_ipv6() };
            }
        };
        match self {
            Change::AddAclEntry { cidr, .. } => open(cidr),
            Change::AddSecurityGroupRule { peer: Peer::Cidr(cidr), .. } => open(cidr),
            _ => {}
        }
    }
}

/// Ports or ICMP type of a rule to add.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeL4 {
    /// A port range.
    Ports(PortRange),
    /// An ICMP type (and code).
    Icmp {
        /// The type.
        icmp_type: u8,
        /// The code.
        code: u8,
    },
    /// Every port (protocols without ports).
    None,
}

/// A CIDR in a change: known, or left open for the user to choose (printed `<cidr>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cidr {
    /// A known CIDR.
    Net(IpNet),
    /// The user's choice, for an IPv4 (`v6: false`) or IPv6 range.
    Open {
        /// Whether the range is IPv6.
        v6: bool,
    },
}

/// The peer of a security group rule to add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Peer {
    /// The peer's security group.
    Group(String),
    /// A CIDR.
    Cidr(Cidr),
}

/// The target of a route to add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteTo {
    /// A peering connection.
    Peering(String),
    /// A transit gateway.
    TransitGateway(String),
    /// An internet gateway.
    InternetGateway(String),
}

macro_rules! block_codes {
    ($($(#[$doc:meta])* $name:ident = $text:literal,)*) => {
        /// The explanation code of a stop (Reachability Analyzer's names where they fit).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum BlockCode {
            $($(#[$doc])* $name,)*
        }

        impl BlockCode {
            /// Every code.
            pub const ALL: &'static [BlockCode] = &[$(BlockCode::$name,)*];

            /// The code as reports print it (`SUBNET_ACL_RESTRICTION`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(BlockCode::$name => $text,)*
                }
            }
        }
    };
}

block_codes! {
    /// A network ACL denied the packet.
    SubnetAclRestriction = "SUBNET_ACL_RESTRICTION",
    /// No security group rule admits the packet.
    EniSgRulesMismatch = "ENI_SG_RULES_MISMATCH",
    /// The snapshot lacks a network ACL.
    MissingNetworkAcl = "MISSING_NETWORK_ACL",
    /// The snapshot lacks a security group.
    MissingSecurityGroup = "MISSING_SECURITY_GROUP",
    /// The snapshot lacks route tables.
    MissingRouteTable = "MISSING_ROUTE_TABLE",
    /// The snapshot lacks a subnet.
    MissingSubnet = "MISSING_SUBNET",
    /// The snapshot lacks a component.
    MissingComponent = "MISSING_COMPONENT",
    /// No interface has the destination address.
    NoDestinationInterface = "NO_DESTINATION_INTERFACE",
    /// No public address.
    NoPublicAddress = "NO_PUBLIC_ADDRESS",
    /// No internet gateway.
    NoInternetGateway = "NO_INTERNET_GATEWAY",
    /// A NAT gateway accepts no inbound connection.
    NatGatewayInbound = "NAT_GATEWAY_INBOUND",
    /// A routing loop.
    RoutingLoop = "ROUTING_LOOP",
    /// A subnet without a route table.
    NoRouteTable = "NO_ROUTE_TABLE",
    /// No route to the destination.
    NoRouteToDestination = "NO_ROUTE_TO_DESTINATION",
    /// A blackhole route.
    BadStateRoute = "BAD_STATE_ROUTE",
    /// An appliance the model does not evaluate.
    ApplianceNotModelled = "APPLIANCE_NOT_MODELLED",
    /// A gateway the model does not follow.
    GatewayNotModelled = "GATEWAY_NOT_MODELLED",
    /// A gateway not attached to the VPC.
    IgwNotAttached = "IGW_NOT_ATTACHED",
    /// A destination the internet does not route.
    PrivateDestination = "PRIVATE_DESTINATION",
    /// IPv4 to an egress-only gateway.
    EigwIpv6Only = "EIGW_IPV6_ONLY",
    /// A NAT gateway not available.
    BadStateNatGateway = "BAD_STATE_NAT_GATEWAY",
    /// The reply does not come back as a reply.
    AsymmetricReturn = "ASYMMETRIC_RETURN",
    /// A peering not active.
    PeeringNotActive = "PEERING_NOT_ACTIVE",
    /// A peering that does not connect the VPC.
    PeeringWrongVpc = "PEERING_WRONG_VPC",
    /// Edge-to-edge routing through a peering.
    PeeringEdgeToEdge = "PEERING_EDGE_TO_EDGE",
    /// Transitive routing through a peering.
    PeeringNotTransitive = "PEERING_NOT_TRANSITIVE",
    /// A transit gateway not available.
    BadStateTransitGateway = "BAD_STATE_TRANSIT_GATEWAY",
    /// No attachment of the VPC to the transit gateway.
    TgwNoVpcAttachment = "TGW_NO_VPC_ATTACHMENT",
    /// No attachment subnet in the zone.
    TgwAttachmentNotInAz = "TGW_ATTACHMENT_NOT_IN_AZ",
    /// An attachment without a route table.
    TgwAttachmentNotAssociated = "TGW_ATTACHMENT_NOT_ASSOCIATED",
    /// An attachment not available.
    BadStateAttachment = "BAD_STATE_ATTACHMENT",
    /// Routes learned by BGP that the snapshot lacks.
    TgwRoutesNotInSnapshot = "TGW_ROUTES_NOT_IN_SNAPSHOT",
    /// The answer depends on the transit gateway's zone choice.
    TgwZoneDependent = "TGW_ZONE_DEPENDENT",
    /// A gateway endpoint used from a transit gateway.
    GatewayEndpointNotTransitive = "GATEWAY_ENDPOINT_NOT_TRANSITIVE",
    /// A virtual private gateway not available.
    BadStateVpnGateway = "BAD_STATE_VPN_GATEWAY",
    /// A virtual private gateway not attached to the VPC.
    VgwNotAttached = "VGW_NOT_ATTACHED",
    /// Every hybrid connection down.
    HybridConnectionDown = "HYBRID_CONNECTION_DOWN",
    /// No hybrid connection in the snapshot.
    HybridConnectionNotInSnapshot = "HYBRID_CONNECTION_NOT_IN_SNAPSHOT",
    /// Every VPN tunnel down.
    VpnTunnelsDown = "VPN_TUNNELS_DOWN",
    /// No static VPN route.
    VpnNoRoute = "VPN_NO_ROUTE",
    /// Tunnel states unknown.
    VpnTunnelStateUnknown = "VPN_TUNNEL_STATE_UNKNOWN",
    /// An attachment kind the model does not follow.
    AttachmentNotModelled = "ATTACHMENT_NOT_MODELLED",
    /// Ingress routing to an appliance.
    IngressRoutingToAppliance = "INGRESS_ROUTING_TO_APPLIANCE",
    /// Ends of different address families.
    AddressFamilyMismatch = "ADDRESS_FAMILY_MISMATCH",
    /// The request leaves the modelled network.
    RoutedOutOfNetwork = "ROUTED_OUT_OF_NETWORK",
    /// The request reaches another interface.
    DeliveredElsewhere = "DELIVERED_ELSEWHERE",
    /// The request leaves for on premises.
    ExitsToOnPremises = "EXITS_TO_ON_PREMISES",
    /// An outside private address with no route.
    NoRouteToSource = "NO_ROUTE_TO_SOURCE",
    /// No listener of the load balancer accepts the packet.
    ElbListenersMismatch = "ELB_LISTENERS_MISMATCH",
    /// No target of the listener's groups is in service.
    ElbNoTargets = "ELB_NO_TARGETS",
    /// The snapshot lacks the load balancer's listeners, groups or targets.
    ElbNotInSnapshot = "ELB_NOT_IN_SNAPSHOT",
    /// Cross-zone load balancing is off and the node's zone has no target.
    ElbNotCrossZone = "ELB_NOT_CROSSZONE",
    /// A target the model cannot follow.
    ElbTargetNotModelled = "ELB_TARGET_NOT_MODELLED",
    /// A Network Firewall rule or default action drops the packet.
    FirewallDrop = "NETWORK_FIREWALL_DROP",
    /// What a Network Firewall does cannot be decided from the snapshot.
    FirewallUndecided = "NETWORK_FIREWALL_UNDECIDED",
    /// Request and reply do not cross the same stateful firewall.
    AsymmetricInspection = "ASYMMETRIC_INSPECTION",
    /// A route targets an interface with source/destination check on.
    SourceDestCheck = "SOURCE_DEST_CHECK_RESTRICTION",
}

impl std::fmt::Display for BlockCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for BlockCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for BlockCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}
