//! Serde types shaped like describe-* output. Unknown fields are ignored; missing fields
//! default, so a partial snapshot still loads.

#![allow(missing_docs)] // Field names are AWS's own; their documentation is AWS's API reference.

use serde::Deserialize;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct State {
    pub state: Option<String>,
    pub name: Option<String>,
    pub code: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CidrAssociation {
    pub cidr_block: Option<String>,
    pub ipv6_cidr_block: Option<String>,
    pub cidr_block_state: Option<State>,
    pub ipv6_cidr_block_state: Option<State>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Vpc {
    pub vpc_id: String,
    pub cidr_block: Option<String>,
    pub cidr_block_association_set: Vec<CidrAssociation>,
    pub ipv6_cidr_block_association_set: Vec<CidrAssociation>,
    pub owner_id: Option<String>,
    pub is_default: bool,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Subnet {
    pub subnet_id: String,
    pub vpc_id: String,
    pub owner_id: Option<String>,
    pub availability_zone: Option<String>,
    pub cidr_block: Option<String>,
    pub ipv6_cidr_block_association_set: Vec<CidrAssociation>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RouteTableAssociation {
    pub main: bool,
    pub subnet_id: Option<String>,
    pub gateway_id: Option<String>,
    pub association_state: Option<State>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Route {
    pub destination_cidr_block: Option<String>,
    pub destination_ipv6_cidr_block: Option<String>,
    pub destination_prefix_list_id: Option<String>,
    pub gateway_id: Option<String>,
    pub nat_gateway_id: Option<String>,
    pub transit_gateway_id: Option<String>,
    pub vpc_peering_connection_id: Option<String>,
    pub network_interface_id: Option<String>,
    pub instance_id: Option<String>,
    pub egress_only_internet_gateway_id: Option<String>,
    pub local_gateway_id: Option<String>,
    pub carrier_gateway_id: Option<String>,
    pub core_network_arn: Option<String>,
    pub state: Option<String>,
    pub origin: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RouteTable {
    pub route_table_id: String,
    pub vpc_id: String,
    pub associations: Vec<RouteTableAssociation>,
    pub routes: Vec<Route>,
    pub propagating_vgws: Vec<PropagatingVgw>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PropagatingVgw {
    pub gateway_id: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct IpRange {
    pub cidr_ip: Option<String>,
    pub cidr_ipv6: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PrefixListRef {
    pub prefix_list_id: String,
    pub description: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UserIdGroupPair {
    pub group_id: Option<String>,
    pub user_id: Option<String>,
    pub vpc_id: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct IpPermission {
    pub ip_protocol: Option<String>,
    pub from_port: Option<i64>,
    pub to_port: Option<i64>,
    pub ip_ranges: Vec<IpRange>,
    pub ipv6_ranges: Vec<IpRange>,
    pub prefix_list_ids: Vec<PrefixListRef>,
    pub user_id_group_pairs: Vec<UserIdGroupPair>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SecurityGroup {
    pub group_id: String,
    pub group_name: String,
    pub description: String,
    pub owner_id: Option<String>,
    pub vpc_id: Option<String>,
    pub ip_permissions: Vec<IpPermission>,
    pub ip_permissions_egress: Vec<IpPermission>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NaclAssociation {
    pub subnet_id: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct FromTo {
    pub from: Option<i64>,
    pub to: Option<i64>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct IcmpTypeCode {
    pub r#type: Option<i64>,
    pub code: Option<i64>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NaclEntry {
    pub rule_number: i64,
    pub protocol: Option<String>,
    pub rule_action: Option<String>,
    pub egress: bool,
    pub cidr_block: Option<String>,
    pub ipv6_cidr_block: Option<String>,
    pub port_range: Option<FromTo>,
    pub icmp_type_code: Option<IcmpTypeCode>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkAcl {
    pub network_acl_id: String,
    pub vpc_id: String,
    pub is_default: bool,
    pub associations: Vec<NaclAssociation>,
    pub entries: Vec<NaclEntry>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct IpAssociation {
    pub public_ip: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PrivateIp {
    pub private_ip_address: Option<String>,
    pub primary: bool,
    pub association: Option<IpAssociation>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Ipv6Address {
    pub ipv6_address: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Ipv4PrefixSpec {
    pub ipv4_prefix: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Ipv6PrefixSpec {
    pub ipv6_prefix: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GroupRef {
    pub group_id: String,
    pub group_name: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EniAttachment {
    pub instance_id: Option<String>,
    pub instance_owner_id: Option<String>,
    pub status: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkInterface {
    pub network_interface_id: String,
    pub owner_id: Option<String>,
    pub vpc_id: Option<String>,
    pub subnet_id: Option<String>,
    pub availability_zone: Option<String>,
    pub interface_type: Option<String>,
    pub description: Option<String>,
    pub private_ip_address: Option<String>,
    pub private_ip_addresses: Vec<PrivateIp>,
    pub ipv6_addresses: Vec<Ipv6Address>,
    pub ipv4_prefixes: Vec<Ipv4PrefixSpec>,
    pub ipv6_prefixes: Vec<Ipv6PrefixSpec>,
    pub association: Option<IpAssociation>,
    pub groups: Vec<GroupRef>,
    pub attachment: Option<EniAttachment>,
    pub requester_id: Option<String>,
    pub requester_managed: bool,
    pub source_dest_check: Option<bool>,
    pub tag_set: Vec<Tag>,
    /// Instances' embedded interfaces use `Tags`? No: they carry none; kept for symmetry.
    pub tags: Vec<Tag>,
    pub status: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct InstanceState {
    pub code: Option<i64>,
    pub name: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Instance {
    pub instance_id: String,
    pub state: Option<InstanceState>,
    pub subnet_id: Option<String>,
    pub vpc_id: Option<String>,
    pub network_interfaces: Vec<NetworkInterface>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Reservation {
    pub owner_id: Option<String>,
    pub instances: Vec<Instance>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GatewayAttachment {
    pub vpc_id: Option<String>,
    pub state: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct InternetGateway {
    pub internet_gateway_id: String,
    pub attachments: Vec<GatewayAttachment>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EgressOnlyInternetGateway {
    pub egress_only_internet_gateway_id: String,
    pub attachments: Vec<GatewayAttachment>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NatGatewayAddress {
    pub private_ip: Option<String>,
    pub public_ip: Option<String>,
    pub network_interface_id: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NatGateway {
    pub nat_gateway_id: String,
    pub vpc_id: String,
    pub subnet_id: String,
    pub state: Option<String>,
    pub connectivity_type: Option<String>,
    pub nat_gateway_addresses: Vec<NatGatewayAddress>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CidrEntry {
    pub cidr_block: Option<String>,
    pub ipv6_cidr_block: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PeeringVpcInfo {
    pub vpc_id: String,
    pub owner_id: Option<String>,
    pub region: Option<String>,
    pub cidr_block: Option<String>,
    pub cidr_block_set: Vec<CidrEntry>,
    pub ipv6_cidr_block_set: Vec<CidrEntry>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VpcPeeringConnection {
    pub vpc_peering_connection_id: String,
    pub requester_vpc_info: PeeringVpcInfo,
    pub accepter_vpc_info: PeeringVpcInfo,
    pub status: Option<State>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TransitGateway {
    pub transit_gateway_id: String,
    pub owner_id: Option<String>,
    pub state: Option<String>,
    pub options: Option<TgwOptions>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TgwOptions {
    pub security_group_referencing_support: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TgwAssociation {
    pub transit_gateway_route_table_id: Option<String>,
    pub state: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TransitGatewayAttachment {
    pub transit_gateway_attachment_id: String,
    pub transit_gateway_id: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub state: Option<String>,
    pub association: Option<TgwAssociation>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TransitGatewayVpcAttachment {
    pub transit_gateway_attachment_id: String,
    pub transit_gateway_id: String,
    pub vpc_id: String,
    pub subnet_ids: Vec<String>,
    pub state: Option<String>,
    pub options: Option<TgwVpcAttachmentOptions>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TgwVpcAttachmentOptions {
    pub appliance_mode_support: Option<String>,
    pub security_group_referencing_support: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VpnGateway {
    pub vpn_gateway_id: String,
    pub state: Option<String>,
    pub vpc_attachments: Vec<GatewayAttachment>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VpnStaticRoute {
    pub destination_cidr_block: Option<String>,
    pub state: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VgwTelemetry {
    pub outside_ip_address: Option<String>,
    pub status: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VpnConnectionOptions {
    pub static_routes_only: Option<bool>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VpnConnection {
    pub vpn_connection_id: String,
    pub state: Option<String>,
    pub vpn_gateway_id: Option<String>,
    pub transit_gateway_id: Option<String>,
    pub customer_gateway_id: Option<String>,
    pub options: Option<VpnConnectionOptions>,
    pub routes: Vec<VpnStaticRoute>,
    pub vgw_telemetry: Vec<VgwTelemetry>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VirtualInterface {
    #[serde(alias = "VirtualInterfaceId")]
    pub virtual_interface_id: String,
    #[serde(alias = "VirtualInterfaceName")]
    pub virtual_interface_name: Option<String>,
    #[serde(alias = "VirtualInterfaceType")]
    pub virtual_interface_type: Option<String>,
    #[serde(alias = "VirtualInterfaceState")]
    pub virtual_interface_state: Option<String>,
    #[serde(alias = "VirtualGatewayId")]
    pub virtual_gateway_id: Option<String>,
    #[serde(alias = "DirectConnectGatewayId")]
    pub direct_connect_gateway_id: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DirectConnectGateway {
    #[serde(alias = "DirectConnectGatewayId")]
    pub direct_connect_gateway_id: String,
    #[serde(alias = "DirectConnectGatewayName")]
    pub direct_connect_gateway_name: Option<String>,
    #[serde(alias = "DirectConnectGatewayState")]
    pub direct_connect_gateway_state: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AssociatedGateway {
    #[serde(alias = "Id")]
    pub id: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DirectConnectGatewayAssociation {
    #[serde(alias = "DirectConnectGatewayId")]
    pub direct_connect_gateway_id: Option<String>,
    #[serde(alias = "AssociatedGateway")]
    pub associated_gateway: Option<AssociatedGateway>,
    #[serde(alias = "VirtualGatewayId")]
    pub virtual_gateway_id: Option<String>,
    #[serde(alias = "AssociationState")]
    pub association_state: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PeeringTgwInfo {
    pub transit_gateway_id: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TransitGatewayPeeringAttachment {
    pub transit_gateway_attachment_id: String,
    pub requester_tgw_info: Option<PeeringTgwInfo>,
    pub accepter_tgw_info: Option<PeeringTgwInfo>,
    pub state: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TransitGatewayRouteTable {
    pub transit_gateway_route_table_id: String,
    pub transit_gateway_id: String,
    pub state: Option<String>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TgwRouteAttachment {
    pub transit_gateway_attachment_id: Option<String>,
    pub resource_id: Option<String>,
    pub resource_type: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TgwRoute {
    pub destination_cidr_block: Option<String>,
    pub prefix_list_id: Option<String>,
    pub state: Option<String>,
    pub r#type: Option<String>,
    pub transit_gateway_attachments: Vec<TgwRouteAttachment>,
}

/// One `search-transit-gateway-routes` result, tagged with its route table (Batfish's
/// `TransitGatewayStaticRoutes.json` wrapper).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TgwRouteSet {
    pub transit_gateway_route_table_id: Option<String>,
    pub routes: Vec<TgwRoute>,
    /// Whether the search that produced this set included propagated (BGP) routes: set by
    /// the loader from the document key (`TransitGatewayRoutes`) or from the routes' types.
    #[serde(skip)]
    pub with_propagated: bool,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TgwPropagation {
    pub transit_gateway_attachment_id: Option<String>,
    pub resource_id: Option<String>,
    pub resource_type: Option<String>,
    pub state: Option<String>,
    pub transit_gateway_route_table_id: Option<String>,
}

/// One `get-transit-gateway-route-table-propagations` result with its route table.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TgwPropagationSet {
    pub transit_gateway_route_table_id: Option<String>,
    pub transit_gateway_route_table_propagations: Vec<TgwPropagation>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TgwRtAssociation {
    pub transit_gateway_attachment_id: Option<String>,
    pub state: Option<String>,
}

/// One `get-transit-gateway-route-table-associations` result with its route table.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TgwAssociationSet {
    pub transit_gateway_route_table_id: Option<String>,
    pub associations: Vec<TgwRtAssociation>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VpcEndpoint {
    pub vpc_endpoint_id: String,
    pub vpc_endpoint_type: Option<String>,
    pub vpc_id: String,
    pub service_name: Option<String>,
    pub state: Option<String>,
    pub route_table_ids: Vec<String>,
    pub subnet_ids: Vec<String>,
    pub network_interface_ids: Vec<String>,
    pub tags: Vec<Tag>,
}

/// describe-prefix-lists (AWS-managed service lists).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PrefixList {
    pub prefix_list_id: String,
    pub prefix_list_name: Option<String>,
    pub cidrs: Vec<String>,
}

/// describe-managed-prefix-lists.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ManagedPrefixList {
    pub prefix_list_id: String,
    pub prefix_list_name: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PrefixListEntry {
    pub cidr: Option<String>,
}

/// get-managed-prefix-list-entries, tagged with its list.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PrefixListEntrySet {
    pub prefix_list_id: Option<String>,
    pub entries: Vec<PrefixListEntry>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Address {
    pub public_ip: Option<String>,
    pub network_interface_id: Option<String>,
    pub private_ip_address: Option<String>,
    pub instance_id: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DbEndpoint {
    pub address: Option<String>,
    pub port: Option<i64>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DbSubnet {
    pub subnet_identifier: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DbSubnetGroup {
    pub vpc_id: Option<String>,
    pub subnets: Vec<DbSubnet>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DbSg {
    pub vpc_security_group_id: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct DbInstance {
    #[serde(rename = "DBInstanceIdentifier")]
    pub identifier: String,
    #[serde(rename = "Engine")]
    pub engine: Option<String>,
    #[serde(rename = "Endpoint")]
    pub endpoint: Option<DbEndpoint>,
    #[serde(rename = "DbInstancePort")]
    pub db_instance_port: Option<i64>,
    #[serde(rename = "DBSubnetGroup")]
    pub subnet_group: Option<DbSubnetGroup>,
    #[serde(rename = "VpcSecurityGroups")]
    pub vpc_security_groups: Vec<DbSg>,
    #[serde(rename = "PubliclyAccessible")]
    pub publicly_accessible: bool,
    #[serde(rename = "TagList")]
    pub tag_list: Vec<Tag>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct FlowLog {
    pub flow_log_id: String,
    pub resource_id: Option<String>,
    pub traffic_type: Option<String>,
    pub log_format: Option<String>,
}

/// `describe-load-balancers` (ELBv2) and, with Classic's keys, `elb describe-load-balancers`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LoadBalancer {
    pub load_balancer_name: Option<String>,
    pub load_balancer_arn: Option<String>,
    #[serde(rename = "DNSName")]
    pub dns_name: Option<String>,
    pub scheme: Option<String>,
    pub r#type: Option<String>,
    pub vpc_id: Option<String>,
    /// Classic spells it `VPCId`.
    #[serde(rename = "VPCId")]
    pub classic_vpc_id: Option<String>,
    pub state: Option<State>,
    pub availability_zones: Vec<LbZone>,
    /// Classic: subnet ids; ELBv2 lists them in `AvailabilityZones`.
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    /// Classic listeners.
    pub listener_descriptions: Vec<ClassicListenerDescription>,
    /// Classic registered instances.
    pub instances: Vec<ClassicInstance>,
    /// Classic health check.
    pub health_check: Option<ClassicHealthCheck>,
}

/// ELBv2 `AvailabilityZones` entries; Classic lists zone names as plain strings, which
/// read as an entry with only a zone name.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(from = "LbZoneForm")]
pub struct LbZone {
    pub zone_name: Option<String>,
    pub subnet_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum LbZoneForm {
    Name(String),
    Zone {
        #[serde(rename = "ZoneName", default)]
        zone_name: Option<String>,
        #[serde(rename = "SubnetId", default)]
        subnet_id: Option<String>,
    },
}

impl From<LbZoneForm> for LbZone {
    fn from(f: LbZoneForm) -> LbZone {
        match f {
            LbZoneForm::Name(n) => LbZone { zone_name: Some(n), subnet_id: None },
            LbZoneForm::Zone { zone_name, subnet_id } => LbZone { zone_name, subnet_id },
        }
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ClassicListenerDescription {
    pub listener: ClassicListener,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ClassicListener {
    pub protocol: Option<String>,
    pub load_balancer_port: Option<i64>,
    pub instance_protocol: Option<String>,
    pub instance_port: Option<i64>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ClassicInstance {
    pub instance_id: String,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ClassicHealthCheck {
    /// `PROTOCOL:PORT[/PATH]`.
    pub target: Option<String>,
}

/// One element of Batfish's `LoadBalancerListeners`: the listeners of one load balancer.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListenerSet {
    pub load_balancer_arn: Option<String>,
    pub listeners: Vec<LbListener>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LbListener {
    pub listener_arn: Option<String>,
    pub load_balancer_arn: Option<String>,
    pub port: Option<i64>,
    pub protocol: Option<String>,
    pub default_actions: Vec<LbAction>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LbAction {
    pub r#type: Option<String>,
    pub target_group_arn: Option<String>,
    pub forward_config: Option<LbForwardConfig>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LbForwardConfig {
    pub target_groups: Vec<LbWeightedGroup>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LbWeightedGroup {
    pub target_group_arn: Option<String>,
}

/// One element of `LoadBalancerListenerRules`: the rules of one ALB listener.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListenerRuleSet {
    pub listener_arn: Option<String>,
    pub rules: Vec<ListenerRule>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListenerRule {
    pub is_default: bool,
    pub actions: Vec<LbAction>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TargetGroup {
    pub target_group_arn: Option<String>,
    pub target_group_name: Option<String>,
    pub protocol: Option<String>,
    pub port: Option<i64>,
    pub target_type: Option<String>,
    pub vpc_id: Option<String>,
    pub health_check_enabled: Option<bool>,
    pub health_check_port: Option<String>,
    pub load_balancer_arns: Vec<String>,
}

/// One element of `LoadBalancerTargetHealth`: the targets of one group.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TargetHealthSet {
    pub target_group_arn: Option<String>,
    pub target_health_descriptions: Vec<TargetHealthDescription>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TargetHealthDescription {
    pub target: LbTarget,
    pub health_check_port: Option<String>,
    pub target_health: Option<TargetHealthState>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LbTarget {
    pub id: String,
    pub port: Option<i64>,
    pub availability_zone: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TargetHealthState {
    pub state: Option<String>,
}

/// One element of `LoadBalancerAttributes` or `TargetGroupAttributes`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AttributeSet {
    pub load_balancer_arn: Option<String>,
    pub target_group_arn: Option<String>,
    pub attributes: Vec<KeyValue>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

/// One element of `Firewalls`: a `network-firewall describe-firewall` output.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct FirewallDescription {
    pub firewall: NfwFirewall,
    pub firewall_status: Option<NfwStatus>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NfwFirewall {
    pub firewall_name: Option<String>,
    pub firewall_arn: Option<String>,
    pub firewall_policy_arn: Option<String>,
    pub vpc_id: Option<String>,
    pub subnet_mappings: Vec<NfwSubnetMapping>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NfwSubnetMapping {
    pub subnet_id: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NfwStatus {
    pub status: Option<String>,
    pub sync_states: std::collections::BTreeMap<String, NfwSyncState>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NfwSyncState {
    pub attachment: Option<NfwAttachment>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NfwAttachment {
    pub subnet_id: Option<String>,
    pub endpoint_id: Option<String>,
    pub status: Option<String>,
}

/// One element of `FirewallPolicies`: a `describe-firewall-policy` output.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct FirewallPolicyDescription {
    pub firewall_policy_response: NfwPolicyResponse,
    pub firewall_policy: NfwPolicy,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NfwPolicyResponse {
    pub firewall_policy_name: Option<String>,
    pub firewall_policy_arn: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NfwPolicy {
    pub stateless_rule_group_references: Vec<NfwGroupRef>,
    pub stateless_default_actions: Vec<String>,
    pub stateless_fragment_default_actions: Vec<String>,
    pub stateful_rule_group_references: Vec<NfwGroupRef>,
    pub stateful_default_actions: Vec<String>,
    pub stateful_engine_options: Option<NfwEngineOptions>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NfwGroupRef {
    pub resource_arn: Option<String>,
    pub priority: Option<i64>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NfwEngineOptions {
    pub rule_order: Option<String>,
}

/// One element of `RuleGroups`: a `describe-rule-group` output.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RuleGroupDescription {
    pub rule_group_response: NfwRuleGroupResponse,
    pub rule_group: NfwRuleGroup,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NfwRuleGroupResponse {
    pub rule_group_name: Option<String>,
    pub rule_group_arn: Option<String>,
    pub r#type: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NfwRuleGroup {
    pub rule_variables: Option<NfwRuleVariables>,
    pub rules_source: NfwRulesSource,
    pub stateful_rule_options: Option<NfwEngineOptions>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NfwRuleVariables {
    #[serde(rename = "IPSets")]
    pub ip_sets: std::collections::BTreeMap<String, NfwIpSet>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NfwIpSet {
    pub definition: Vec<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NfwRulesSource {
    pub rules_string: Option<String>,
    pub rules_source_list: Option<serde_json::Value>,
    pub stateful_rules: Vec<NfwStatefulRule>,
    pub stateless_rules_and_custom_actions: Option<NfwStatelessRules>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NfwStatefulRule {
    pub action: Option<String>,
    pub header: NfwHeader,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NfwHeader {
    pub protocol: Option<String>,
    pub source: Option<String>,
    pub source_port: Option<String>,
    pub direction: Option<String>,
    pub destination: Option<String>,
    pub destination_port: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NfwStatelessRules {
    pub stateless_rules: Vec<NfwStatelessRule>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NfwStatelessRule {
    pub priority: Option<i64>,
    pub rule_definition: NfwRuleDefinition,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NfwRuleDefinition {
    pub match_attributes: NfwMatch,
    pub actions: Vec<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NfwMatch {
    pub sources: Vec<NfwAddress>,
    pub destinations: Vec<NfwAddress>,
    pub source_ports: Vec<NfwPortRange>,
    pub destination_ports: Vec<NfwPortRange>,
    pub protocols: Vec<i64>,
    #[serde(rename = "TCPFlags")]
    pub tcp_flags: Vec<serde_json::Value>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NfwAddress {
    pub address_definition: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NfwPortRange {
    pub from_port: Option<i64>,
    pub to_port: Option<i64>,
}
