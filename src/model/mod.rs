//! The vendor-neutral network model: VPCs, subnets, interfaces, route tables, security
//! groups, network ACLs, gateways, peering, transit gateways, endpoints and prefix lists as
//! plain values with typed ids.
//!
//! The model knows nothing of AWS spelling (PascalCase keys, protocol `"-1"`, rule 32767):
//! `aws` converts describe-* JSON into these values. Everything downstream (`topology`,
//! `eval`, `analysis`) reads only this module's types.

mod balancer;
mod firewall;
mod ids;
mod rules;
mod special;
mod state;

pub use balancer::*;
pub use firewall::*;
pub use ids::*;
pub use rules::*;
pub use special::*;
pub use state::*;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::Serialize;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};

/// Key/value tags as AWS stores them, in their original order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tags(pub Vec<(String, String)>);

impl Tags {
    /// The value of the `Name` tag, if any.
    pub fn name(&self) -> Option<&str> {
        self.get("Name")
    }

    /// The value of tag `key`, if any.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// A VPC.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Vpc {
    /// `vpc-...`
    pub id: VpcId,
    /// Owning account, when known.
    pub owner: Option<String>,
    /// Region the snapshot file came from, when known.
    pub region: Option<String>,
    /// IPv4 and IPv6 CIDR blocks associated with the VPC (each gets a `local` route).
    pub cidrs: Vec<IpNet>,
    /// Tags.
    pub tags: Tags,
}

/// A subnet.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Subnet {
    /// `subnet-...`
    pub id: SubnetId,
    /// The VPC it belongs to.
    pub vpc: VpcId,
    /// Availability zone name (e.g. `us-east-1a`).
    pub az: String,
    /// IPv4 CIDR block.
    pub cidr: Option<Ipv4Net>,
    /// IPv6 CIDR blocks.
    pub ipv6_cidrs: Vec<Ipv6Net>,
    /// Owning account (a VPC shared by AWS RAM has subnets of its owner holding other
    /// accounts' interfaces), when known.
    pub owner: Option<String>,
    /// Tags.
    pub tags: Tags,
}

impl Subnet {
    /// Whether `ip` lies inside one of the subnet's CIDR blocks.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(v4) => self.cidr.is_some_and(|c| c.contains(&v4)),
            IpAddr::V6(v6) => self.ipv6_cidrs.iter().any(|c| c.contains(&v6)),
        }
    }
}

/// What an interface belongs to, from its type, owner and description.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type", content = "detail")]
pub enum EniKind {
    /// An ordinary interface (EC2 instance or unattached).
    Interface,
    /// The interface of a NAT gateway.
    NatGateway,
    /// An interface VPC endpoint or Gateway Load Balancer endpoint.
    VpcEndpoint,
    /// An Elastic Load Balancing node (ALB, NLB, CLB, GWLB).
    LoadBalancer,
    /// A transit gateway attachment interface.
    TransitGateway,
    /// An AWS Lambda hyperplane interface.
    Lambda,
    /// An RDS database instance.
    Rds,
    /// An ElastiCache node.
    ElastiCache,
    /// A Redshift cluster node.
    Redshift,
    /// An OpenSearch / Elasticsearch domain node.
    OpenSearch,
    /// Anything else, with AWS's interface type string.
    Other(String),
}

impl EniKind {
    /// A short human name for reports.
    pub fn label(&self) -> &str {
        match self {
            EniKind::Interface => "interface",
            EniKind::NatGateway => "nat-gateway",
            EniKind::VpcEndpoint => "vpc-endpoint",
            EniKind::LoadBalancer => "load-balancer",
            EniKind::TransitGateway => "transit-gateway",
            EniKind::Lambda => "lambda",
            EniKind::Rds => "rds",
            EniKind::ElastiCache => "elasticache",
            EniKind::Redshift => "redshift",
            EniKind::OpenSearch => "opensearch",
            EniKind::Other(s) => s,
        }
    }

    /// Whether the interface opens connections of its own: NAT gateway, transit gateway and
    /// VPC endpoint interfaces only answer or forward.
    pub fn opens_connections(&self) -> bool {
        !matches!(self, EniKind::NatGateway | EniKind::TransitGateway | EniKind::VpcEndpoint)
    }

    /// Whether the interface belongs to a managed database-like service.
    pub fn is_managed_database(&self) -> bool {
        matches!(self, EniKind::Rds | EniKind::ElastiCache | EniKind::Redshift | EniKind::OpenSearch)
    }
}

/// A public IPv4 address mapped (by the internet gateway) to one private address of an
/// interface: an Elastic IP or an auto-assigned public IP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PublicMapping {
    /// The public address.
    pub public: Ipv4Addr,
    /// The private address it translates to.
    pub private: Ipv4Addr,
}

/// An elastic network interface.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Eni {
    /// `eni-...`
    pub id: EniId,
    /// The VPC.
    pub vpc: VpcId,
    /// The subnet.
    pub subnet: SubnetId,
    /// What the interface belongs to.
    pub kind: EniKind,
    /// Private addresses, the primary IPv4 first, then secondary IPv4, then IPv6.
    pub private_ips: Vec<IpAddr>,
    /// Public IPv4 addresses (EIP or auto-assigned) and the private address each maps to.
    pub public_ips: Vec<PublicMapping>,
    /// Prefixes delegated to the interface (`Ipv4Prefixes`, `Ipv6Prefixes`: EKS prefix
    /// delegation): every address in them belongs to the interface.
    pub prefixes: Vec<IpNet>,
    /// Security groups (empty for NAT gateway interfaces).
    pub security_groups: Vec<SgId>,
    /// The instance it is attached to, if any.
    pub instance: Option<InstanceId>,
    /// AWS's description string.
    pub description: String,
    /// Account or service that manages it (`Attachment.InstanceOwnerId` or `RequesterId`).
    pub managed_by: Option<String>,
    /// The account that owns the interface (in a shared VPC, not always the VPC's owner),
    /// when known.
    pub owner: Option<String>,
    /// Source/destination check (`SourceDestCheck`): an interface with it on drops traffic
    /// not addressed to or from it, so it cannot forward as an appliance; `None` when the
    /// snapshot does not say.
    pub source_dest_check: Option<bool>,
    /// Tags.
    pub tags: Tags,
}

impl Eni {
    /// The primary private address (the first IPv4, else the first address).
    pub fn primary_ip(&self) -> Option<IpAddr> {
        self.private_ips.iter().copied().find(IpAddr::is_ipv4).or_else(|| self.private_ips.first().copied())
    }

    /// Whether `ip` is one of the interface's private addresses.
    pub fn owns(&self, ip: IpAddr) -> bool {
        self.private_ips.contains(&ip) || self.prefixes.iter().any(|p| p.contains(&ip))
    }

    /// The public address mapped to private address `private`, if any.
    pub fn public_for(&self, private: IpAddr) -> Option<Ipv4Addr> {
        match private {
            IpAddr::V4(p) => self.public_ips.iter().find(|m| m.private == p).map(|m| m.public),
            IpAddr::V6(_) => None,
        }
    }
}

/// An EC2 instance (used to resolve `i-...` to its interfaces and to name things).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Instance {
    /// `i-...`
    pub id: InstanceId,
    /// Instance state (`running`, `stopped`, ...); `None` when the snapshot does not say.
    pub state: Option<InstanceState>,
    /// Interfaces, primary first.
    pub enis: Vec<EniId>,
    /// Tags.
    pub tags: Tags,
}

/// An RDS DB instance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DbInstance {
    /// The DB identifier (`DBInstanceIdentifier`).
    pub id: DbId,
    /// Engine name (`postgres`, `mysql`, ...).
    pub engine: String,
    /// Listener port.
    pub port: Option<u16>,
    /// The VPC of its subnet group.
    pub vpc: Option<VpcId>,
    /// Subnets of its subnet group.
    pub subnets: Vec<SubnetId>,
    /// VPC security groups.
    pub security_groups: Vec<SgId>,
    /// `PubliclyAccessible` (a public DNS answer only; reachability is decided by the path).
    pub publicly_accessible: bool,
    /// The endpoint DNS name.
    pub endpoint: Option<String>,
    /// Tags.
    pub tags: Tags,
}

/// A route table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RouteTable {
    /// `rtb-...`
    pub id: RouteTableId,
    /// The VPC.
    pub vpc: VpcId,
    /// Whether it is the VPC's main route table.
    pub main: bool,
    /// Explicitly associated subnets.
    pub subnets: Vec<SubnetId>,
    /// Gateways (IGW/VGW) edge-associated with this table (ingress routing).
    pub edge_gateways: Vec<String>,
    /// Routes, in snapshot order.
    pub routes: Vec<Route>,
    /// Virtual private gateways whose BGP routes propagate into this table.
    pub propagating_vgws: Vec<String>,
    /// Tags.
    pub tags: Tags,
}

/// Where a route sends traffic.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type", content = "id")]
pub enum RouteTarget {
    /// Within the VPC.
    Local,
    /// An internet gateway.
    InternetGateway(IgwId),
    /// An egress-only internet gateway (IPv6).
    EgressOnlyInternetGateway(EigwId),
    /// A NAT gateway.
    NatGateway(NatId),
    /// A VPC peering connection.
    Peering(PcxId),
    /// A transit gateway.
    TransitGateway(TgwId),
    /// A network interface (appliance).
    Interface(EniId),
    /// An instance (appliance).
    Instance(InstanceId),
    /// A gateway VPC endpoint (S3, DynamoDB) or Gateway Load Balancer endpoint.
    VpcEndpoint(VpceId),
    /// A virtual private gateway (VPN / Direct Connect).
    VpnGateway(String),
    /// Anything else (local gateway, carrier gateway, core network), with its id.
    Other(String),
}

impl RouteTarget {
    /// The id as AWS prints it.
    pub fn id(&self) -> &str {
        match self {
            RouteTarget::Local => "local",
            RouteTarget::InternetGateway(x) => x.as_str(),
            RouteTarget::EgressOnlyInternetGateway(x) => x.as_str(),
            RouteTarget::NatGateway(x) => x.as_str(),
            RouteTarget::Peering(x) => x.as_str(),
            RouteTarget::TransitGateway(x) => x.as_str(),
            RouteTarget::Interface(x) => x.as_str(),
            RouteTarget::Instance(x) => x.as_str(),
            RouteTarget::VpcEndpoint(x) => x.as_str(),
            RouteTarget::VpnGateway(x) => x,
            RouteTarget::Other(x) => x,
        }
    }
}

/// A route's destination.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type", content = "value")]
pub enum RouteDest {
    /// A CIDR block.
    Cidr(IpNet),
    /// A managed or AWS prefix list.
    PrefixList(PrefixListId),
}

/// How a route got into its table (decides ties between equal prefixes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RouteOrigin {
    /// Created with the table (`local`).
    Table,
    /// Created by the user (static).
    Static,
    /// Propagated from a virtual private gateway.
    Propagated,
}

/// Whether a route can carry traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RouteState {
    /// Active.
    Active,
    /// Blackhole: the target is gone; traffic is dropped.
    Blackhole,
}

/// One route of a VPC route table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Route {
    /// Destination.
    pub dest: RouteDest,
    /// Target.
    pub target: RouteTarget,
    /// State.
    pub state: RouteState,
    /// Origin.
    pub origin: RouteOrigin,
}

/// A security group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SecurityGroup {
    /// `sg-...`
    pub id: SgId,
    /// The VPC.
    pub vpc: Option<VpcId>,
    /// Group name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Owning account.
    pub owner: Option<String>,
    /// Inbound rules, one per peer.
    pub ingress: Vec<SgRule>,
    /// Outbound rules, one per peer.
    pub egress: Vec<SgRule>,
    /// Tags.
    pub tags: Tags,
}

/// A network ACL.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NetworkAcl {
    /// `acl-...`
    pub id: NaclId,
    /// The VPC.
    pub vpc: VpcId,
    /// Whether it is the VPC's default ACL (used by subnets with no explicit association).
    pub is_default: bool,
    /// Associated subnets.
    pub subnets: Vec<SubnetId>,
    /// Inbound entries, sorted by rule number.
    pub ingress: Vec<NaclEntry>,
    /// Outbound entries, sorted by rule number.
    pub egress: Vec<NaclEntry>,
    /// Tags.
    pub tags: Tags,
}

/// An internet gateway.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InternetGateway {
    /// `igw-...`
    pub id: IgwId,
    /// VPCs it is attached to (state available/attached).
    pub vpcs: Vec<VpcId>,
    /// Tags.
    pub tags: Tags,
}

/// An egress-only internet gateway (IPv6 outbound only).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EgressOnlyGateway {
    /// `eigw-...`
    pub id: EigwId,
    /// VPCs it is attached to.
    pub vpcs: Vec<VpcId>,
    /// Tags.
    pub tags: Tags,
}

/// Public or private NAT gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NatConnectivity {
    /// Public: translates to an Elastic IP and uses an internet gateway.
    Public,
    /// Private: translates to its private address only.
    Private,
}

/// One address of a NAT gateway.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NatAddress {
    /// Private address.
    pub private_ip: Option<IpAddr>,
    /// Elastic IP.
    pub public_ip: Option<Ipv4Addr>,
    /// The interface carrying it.
    pub eni: Option<EniId>,
}

/// A NAT gateway.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NatGateway {
    /// `nat-...`
    pub id: NatId,
    /// The VPC.
    pub vpc: VpcId,
    /// The subnet it sits in.
    pub subnet: SubnetId,
    /// `available`, `pending`, `failed`, `deleted`, ...
    pub state: LifecycleState,
    /// Public or private.
    pub connectivity: NatConnectivity,
    /// Addresses; the first is the primary.
    pub addresses: Vec<NatAddress>,
    /// Tags.
    pub tags: Tags,
}

/// One side of a peering connection.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PeeringSide {
    /// The VPC.
    pub vpc: VpcId,
    /// Its owner.
    pub owner: Option<String>,
    /// Its region.
    pub region: Option<String>,
    /// CIDRs of the VPC visible through the peering.
    pub cidrs: Vec<IpNet>,
}

/// A VPC peering connection.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Peering {
    /// `pcx-...`
    pub id: PcxId,
    /// The requester side.
    pub requester: PeeringSide,
    /// The accepter side.
    pub accepter: PeeringSide,
    /// `Status.Code` (`active`, `pending-acceptance`, `deleted`, ...).
    pub status: PeeringStatus,
    /// Tags.
    pub tags: Tags,
}

impl Peering {
    /// Whether the connection carries traffic.
    pub fn is_active(&self) -> bool {
        self.status.is_active()
    }

    /// The side that is not `vpc`, if `vpc` is one of the two.
    pub fn other_side(&self, vpc: &VpcId) -> Option<&PeeringSide> {
        if &self.requester.vpc == vpc {
            Some(&self.accepter)
        } else if &self.accepter.vpc == vpc {
            Some(&self.requester)
        } else {
            None
        }
    }
}

/// A transit gateway.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TransitGateway {
    /// `tgw-...`
    pub id: TgwId,
    /// Owning account.
    pub owner: Option<String>,
    /// State (`available`, ...).
    pub state: LifecycleState,
    /// `Options.SecurityGroupReferencingSupport` (off unless enabled): inbound rules may
    /// reference groups of other VPCs attached to it.
    pub sg_referencing: bool,
    /// Tags.
    pub tags: Tags,
}

/// What a transit gateway attachment connects.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum TgwAttachmentKind {
    /// A VPC, through one subnet per availability zone.
    Vpc {
        /// The VPC.
        vpc: VpcId,
        /// The attachment subnets.
        subnets: Vec<SubnetId>,
        /// Appliance mode (`Options.ApplianceModeSupport`): the transit gateway picks one
        /// zone per flow by a hash, for both directions, instead of keeping the flow in the
        /// zone it came from.
        appliance_mode: bool,
        /// `Options.SecurityGroupReferencingSupport` of the attachment (on unless disabled).
        sg_referencing: bool,
    },
    /// A peering with another transit gateway.
    Peering {
        /// The transit gateway on the other side, when known.
        peer_tgw: Option<TgwId>,
    },
    /// VPN, Direct Connect gateway, Connect or anything else, with AWS's resource type.
    External {
        /// What it connects (`vpn`, `direct-connect-gateway`, ...).
        resource_type: ExternalAttachmentKind,
        /// The resource id.
        resource_id: String,
    },
}

/// A transit gateway attachment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TgwAttachment {
    /// `tgw-attach-...`
    pub id: TgwAttachmentId,
    /// The transit gateway.
    pub tgw: TgwId,
    /// What it connects.
    pub kind: TgwAttachmentKind,
    /// State (`available`, ...).
    pub state: LifecycleState,
    /// The transit gateway route table it is associated with.
    pub route_table: Option<TgwRouteTableId>,
    /// Tags.
    pub tags: Tags,
}

/// A transit gateway route.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TgwRoute {
    /// Destination.
    pub dest: RouteDest,
    /// Target attachments (several with ECMP).
    pub attachments: Vec<TgwAttachmentId>,
    /// Static or propagated.
    pub origin: RouteOrigin,
    /// Active or blackhole.
    pub state: RouteState,
}

/// A transit gateway route table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TgwRouteTable {
    /// `tgw-rtb-...`
    pub id: TgwRouteTableId,
    /// The transit gateway.
    pub tgw: TgwId,
    /// State.
    pub state: LifecycleState,
    /// Routes.
    pub routes: Vec<TgwRoute>,
    /// Attachments propagating into this table.
    pub propagations: Vec<TgwAttachmentId>,
    /// Whether the snapshot holds the routes learned by BGP from VPN and Direct Connect
    /// attachments (a `search-transit-gateway-routes` capture that included propagated
    /// routes). When false, a destination with no route may still be reachable by a route
    /// the snapshot does not show.
    pub bgp_routes_captured: bool,
    /// Tags.
    pub tags: Tags,
}

/// The kind of a VPC endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VpceKind {
    /// A gateway endpoint (S3, DynamoDB): a route to the service's prefix list.
    Gateway,
    /// An interface endpoint: ENIs in subnets.
    Interface,
    /// A Gateway Load Balancer endpoint.
    GatewayLoadBalancer,
}

/// A VPC endpoint.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VpcEndpoint {
    /// `vpce-...`
    pub id: VpceId,
    /// The VPC.
    pub vpc: VpcId,
    /// Kind.
    pub kind: VpceKind,
    /// Service name (`com.amazonaws.us-east-1.s3`).
    pub service: String,
    /// State.
    pub state: LifecycleState,
    /// Interfaces (interface endpoints).
    pub enis: Vec<EniId>,
    /// Tags.
    pub tags: Tags,
}

/// A virtual private gateway: the VPC side of Site-to-Site VPN connections and Direct
/// Connect private virtual interfaces.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VpnGateway {
    /// `vgw-...`
    pub id: String,
    /// State (`available`, `deleted`, ...).
    pub state: GatewayState,
    /// VPCs it is attached to (attachment state `attached`).
    pub vpcs: Vec<VpcId>,
    /// Tags.
    pub tags: Tags,
}

/// Lifecycle state of a gateway, connection or attachment, in vendor-neutral terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GatewayState {
    /// Carries traffic (`available`, `attached`, `active`, `associated`).
    Available,
    /// Being created or changed (`pending`, `attaching`, `modifying`, ...).
    Pending,
    /// Gone or going (`deleting`, `deleted`, `detached`, `failed`, `rejected`, ...).
    Down,
    /// A value this model does not know, as AWS spelled it.
    Other(String),
}

impl GatewayState {
    /// Whether the component carries traffic.
    pub fn is_available(&self) -> bool {
        matches!(self, GatewayState::Available)
    }
}

impl std::fmt::Display for GatewayState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GatewayState::Available => f.write_str("available"),
            GatewayState::Pending => f.write_str("pending"),
            GatewayState::Down => f.write_str("down"),
            GatewayState::Other(s) => f.write_str(s),
        }
    }
}

/// One IPsec tunnel of a VPN connection, as the gateway's telemetry reports it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VpnTunnel {
    /// The AWS-side outside address of the tunnel.
    pub outside_ip: Option<IpAddr>,
    /// Whether the tunnel is up.
    pub up: bool,
}

/// A Site-to-Site VPN connection, on a virtual private gateway or a transit gateway.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VpnConnection {
    /// `vpn-...`
    pub id: String,
    /// State.
    pub state: GatewayState,
    /// The virtual private gateway it ends on, if any.
    pub vgw: Option<String>,
    /// The transit gateway it ends on, if any.
    pub tgw: Option<TgwId>,
    /// The customer gateway (the on-premises device).
    pub customer_gateway: Option<String>,
    /// Static routes (only these are used when `static_only`; otherwise BGP learns more).
    pub static_routes: Vec<IpNet>,
    /// `Options.StaticRoutesOnly`.
    pub static_only: bool,
    /// Tunnels with their state; empty when the snapshot has no telemetry.
    pub tunnels: Vec<VpnTunnel>,
    /// Tags.
    pub tags: Tags,
}

impl VpnConnection {
    /// `Some(true)` when some tunnel is up, `Some(false)` when the telemetry shows every
    /// tunnel down, `None` when the snapshot holds no telemetry.
    pub fn tunnels_up(&self) -> Option<bool> {
        (!self.tunnels.is_empty()).then(|| self.tunnels.iter().any(|t| t.up))
    }
}

/// A Direct Connect virtual interface (private or transit) that carries on-premises traffic
/// to a virtual private gateway or a Direct Connect gateway.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VirtualInterface {
    /// `dxvif-...`
    pub id: String,
    /// Its name.
    pub name: String,
    /// `private`, `transit` or `public`; `None` when the snapshot does not say.
    pub kind: Option<VifKind>,
    /// State (`available`, `down`, ...).
    pub state: GatewayState,
    /// The virtual private gateway it ends on, if any.
    pub vgw: Option<String>,
    /// The Direct Connect gateway it ends on, if any.
    pub dx_gateway: Option<String>,
}

/// A Direct Connect gateway and the gateways (VGWs, transit gateways) associated with it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DxGateway {
    /// The Direct Connect gateway id (a UUID).
    pub id: String,
    /// Its name.
    pub name: String,
    /// State.
    pub state: GatewayState,
    /// Associated virtual private gateways and transit gateways (associations in state
    /// `associated`).
    pub associated: Vec<String>,
}

/// A prefix list (AWS-managed or customer-managed) with its entries.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PrefixList {
    /// `pl-...`
    pub id: PrefixListId,
    /// Name (`com.amazonaws.us-east-1.s3` for AWS-managed lists).
    pub name: String,
    /// Entries.
    pub cidrs: Vec<IpNet>,
}

/// A flow log configuration (which resources are logged).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FlowLogConfig {
    /// `fl-...`
    pub id: String,
    /// The VPC, subnet or interface it covers.
    pub resource: String,
    /// `ACCEPT`, `REJECT` or `ALL`.
    pub traffic_type: String,
    /// The log format string (`${version} ...`).
    pub log_format: Option<String>,
}

/// The whole modelled network: every component, plus indexes from id to position.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Model {
    /// VPCs.
    pub vpcs: Vec<Vpc>,
    /// Subnets.
    pub subnets: Vec<Subnet>,
    /// Interfaces.
    pub enis: Vec<Eni>,
    /// Instances.
    pub instances: Vec<Instance>,
    /// RDS DB instances.
    pub db_instances: Vec<DbInstance>,
    /// Route tables.
    pub route_tables: Vec<RouteTable>,
    /// Security groups.
    pub security_groups: Vec<SecurityGroup>,
    /// Network ACLs.
    pub network_acls: Vec<NetworkAcl>,
    /// Internet gateways.
    pub internet_gateways: Vec<InternetGateway>,
    /// Egress-only internet gateways.
    pub egress_only_gateways: Vec<EgressOnlyGateway>,
    /// NAT gateways.
    pub nat_gateways: Vec<NatGateway>,
    /// Peering connections.
    pub peerings: Vec<Peering>,
    /// Transit gateways.
    pub transit_gateways: Vec<TransitGateway>,
    /// Transit gateway attachments.
    pub tgw_attachments: Vec<TgwAttachment>,
    /// Transit gateway route tables.
    pub tgw_route_tables: Vec<TgwRouteTable>,
    /// VPC endpoints.
    pub vpc_endpoints: Vec<VpcEndpoint>,
    /// Prefix lists.
    pub prefix_lists: Vec<PrefixList>,
    /// Flow log configurations.
    pub flow_logs: Vec<FlowLogConfig>,
    /// Load balancers (ELBv2 and Classic).
    pub load_balancers: Vec<LoadBalancer>,
    /// Target groups (a Classic listener's instances make one too).
    pub target_groups: Vec<TargetGroup>,
    /// AWS Network Firewall firewalls.
    pub firewalls: Vec<Firewall>,
    /// Their policies.
    pub firewall_policies: Vec<FirewallPolicy>,
    /// Their rule groups.
    pub rule_groups: Vec<RuleGroup>,
    /// Virtual private gateways.
    pub vpn_gateways: Vec<VpnGateway>,
    /// Site-to-Site VPN connections.
    pub vpn_connections: Vec<VpnConnection>,
    /// Direct Connect virtual interfaces.
    pub virtual_interfaces: Vec<VirtualInterface>,
    /// Direct Connect gateways.
    pub dx_gateways: Vec<DxGateway>,
    /// Whole document classes the snapshot lacks that every path needs (`NetworkAcls`,
    /// `SecurityGroups`, `RouteTables`): answers that depend on them are unknown unless
    /// [`Model::assume_missing`] says what to assume.
    pub missing_classes: Vec<String>,
    /// What to assume of a network ACL or security group the snapshot lacks (the user's
    /// `--assume-missing allow|deny`); `None`: such answers are unknown.
    pub assume_missing: Option<RuleAction>,
}

/// Builds `id -> position` maps for one component vector.
pub fn index_by<T, K: std::hash::Hash + Eq + Clone>(items: &[T], key: impl Fn(&T) -> &K) -> HashMap<K, usize> {
    let mut map = HashMap::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        map.entry(key(item).clone()).or_insert(i);
    }
    map
}
