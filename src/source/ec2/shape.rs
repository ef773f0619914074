//! Conversion of AWS SDK response types into JSON shaped exactly as the AWS CLI prints
//! them (`aws ec2 describe-* --output json`): PascalCase keys spelled as in the service
//! models, absent members left out, enums as their wire strings and timestamps as RFC 3339.
//!
//! The SDK types do not implement `Serialize`, so every type the capture writes is listed
//! here once with the CLI key of each member it keeps. Members the network model will never
//! read (block device mappings, licences, CPU options, ...) are left out; every key that is
//! written is spelled as the CLI spells it, so a vpcscope capture and an `aws ec2
//! describe-*` dump load the same way. This is the only place that knows both spellings.

use std::collections::HashMap;

use aws_sdk_ec2::types as ec2t;
use aws_sdk_elasticloadbalancing::types as elbct;
use aws_sdk_elasticloadbalancingv2::types as elbt;
use aws_sdk_networkfirewall::types as nfwt;
use aws_sdk_rds::types as rdst;
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;
use serde_json::{Map, Value};

/// A value that can be rendered in the AWS CLI's JSON shape.
pub(crate) trait ToCli {
    /// The CLI-shaped JSON value; `Value::Null` means "absent" and is left out of objects.
    fn to_cli(&self) -> Value;
}

impl ToCli for String {
    fn to_cli(&self) -> Value {
        Value::String(self.clone())
    }
}

impl ToCli for bool {
    fn to_cli(&self) -> Value {
        Value::Bool(*self)
    }
}

impl ToCli for i32 {
    fn to_cli(&self) -> Value {
        Value::from(*self)
    }
}

impl ToCli for i64 {
    fn to_cli(&self) -> Value {
        Value::from(*self)
    }
}

impl ToCli for DateTime {
    fn to_cli(&self) -> Value {
        Value::String(rfc3339(self))
    }
}

impl<T: ToCli> ToCli for Option<T> {
    fn to_cli(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToCli::to_cli)
    }
}

impl<T: ToCli> ToCli for Vec<T> {
    fn to_cli(&self) -> Value {
        Value::Array(self.iter().map(ToCli::to_cli).collect())
    }
}

/// A map (Network Firewall's sync states per zone, rule variables per name) renders as an
/// object (`serde_json::Map` keeps its keys sorted, so two captures of the same state are
/// byte-identical).
impl<T: ToCli> ToCli for HashMap<String, T> {
    fn to_cli(&self) -> Value {
        Value::Object(self.iter().map(|(k, v)| (k.clone(), v.to_cli())).collect())
    }
}

/// Formats an SDK timestamp as RFC 3339 (`2024-05-03T01:39:10Z`); a timestamp outside the
/// range RFC 3339 can express falls back to epoch seconds rather than failing the capture.
pub(crate) fn rfc3339(t: &DateTime) -> String {
    t.fmt(Format::DateTime).unwrap_or_else(|_| t.secs().to_string())
}

/// Inserts `value` under `key` unless it is absent.
fn put(map: &mut Map<String, Value>, key: &str, value: &dyn ToCliDyn) {
    let v = value.to_cli_dyn();
    if !v.is_null() {
        map.insert(key.to_owned(), v);
    }
}

/// Object-safe twin of [`ToCli`], so `put` is one function rather than one per type.
trait ToCliDyn {
    fn to_cli_dyn(&self) -> Value;
}

impl<T: ToCli> ToCliDyn for T {
    fn to_cli_dyn(&self) -> Value {
        self.to_cli()
    }
}

/// SDK enums render as their wire string, unknown future values included.
macro_rules! cli_enum {
    ($($ty:path),* $(,)?) => {
        $(impl ToCli for $ty {
            fn to_cli(&self) -> Value {
                Value::String(self.as_str().to_owned())
            }
        })*
    };
}

/// SDK structures render as objects with the listed CLI keys.
macro_rules! cli_struct {
    ($($ty:path { $($field:ident => $key:literal),* $(,)? })*) => {
        $(impl ToCli for $ty {
            fn to_cli(&self) -> Value {
                let mut map = Map::new();
                $(put(&mut map, $key, &self.$field);)*
                Value::Object(map)
            }
        })*
    };
}

cli_enum!(
    ec2t::Tenancy,
    ec2t::VpcState,
    ec2t::VpcCidrBlockStateCode,
    ec2t::SubnetState,
    ec2t::SubnetCidrBlockStateCode,
    ec2t::RouteTableAssociationStateCode,
    ec2t::RouteOrigin,
    ec2t::RouteState,
    ec2t::RuleAction,
    ec2t::NetworkInterfaceType,
    ec2t::NetworkInterfaceStatus,
    ec2t::AttachmentStatus,
    ec2t::InstanceStateName,
    ec2t::InstanceType,
    ec2t::PlatformValues,
    ec2t::NatGatewayState,
    ec2t::NatGatewayAddressStatus,
    ec2t::ConnectivityType,
    ec2t::VpcPeeringConnectionStateReasonCode,
    ec2t::TransitGatewayState,
    ec2t::AutoAcceptSharedAttachmentsValue,
    ec2t::DefaultRouteTableAssociationValue,
    ec2t::DefaultRouteTablePropagationValue,
    ec2t::VpnEcmpSupportValue,
    ec2t::DnsSupportValue,
    ec2t::MulticastSupportValue,
    ec2t::SecurityGroupReferencingSupportValue,
    ec2t::Ipv6SupportValue,
    ec2t::ApplianceModeSupportValue,
    ec2t::TransitGatewayAttachmentResourceType,
    ec2t::TransitGatewayAttachmentState,
    ec2t::TransitGatewayAssociationState,
    ec2t::TransitGatewayRouteTableState,
    ec2t::TransitGatewayRouteType,
    ec2t::TransitGatewayRouteState,
    ec2t::TransitGatewayPropagationState,
    ec2t::VpcEndpointType,
    ec2t::State,
    ec2t::IpAddressType,
    ec2t::PrefixListState,
    ec2t::DomainType,
    ec2t::TrafficType,
    ec2t::LogDestinationType,
    ec2t::VpnState,
    ec2t::GatewayType,
    ec2t::VpnStaticRouteSource,
    ec2t::TelemetryStatus,
);

// VPN connections are written without `CustomerGatewayConfiguration`: that XML holds the
// tunnels' pre-shared keys, and a snapshot never holds a secret.
cli_struct! {
    ec2t::Ipv4PrefixSpecification {
        ipv4_prefix => "Ipv4Prefix",
    }
    ec2t::Ipv6PrefixSpecification {
        ipv6_prefix => "Ipv6Prefix",
    }
    ec2t::VpnGateway {
        vpn_gateway_id => "VpnGatewayId",
        state => "State",
        r#type => "Type",
        availability_zone => "AvailabilityZone",
        amazon_side_asn => "AmazonSideAsn",
        vpc_attachments => "VpcAttachments",
        tags => "Tags",
    }
    ec2t::VpcAttachment {
        vpc_id => "VpcId",
        state => "State",
    }
    ec2t::VpnConnection {
        vpn_connection_id => "VpnConnectionId",
        state => "State",
        r#type => "Type",
        category => "Category",
        customer_gateway_id => "CustomerGatewayId",
        vpn_gateway_id => "VpnGatewayId",
        transit_gateway_id => "TransitGatewayId",
        options => "Options",
        routes => "Routes",
        vgw_telemetry => "VgwTelemetry",
        tags => "Tags",
    }
    ec2t::VpnConnectionOptions {
        static_routes_only => "StaticRoutesOnly",
        local_ipv4_network_cidr => "LocalIpv4NetworkCidr",
        remote_ipv4_network_cidr => "RemoteIpv4NetworkCidr",
    }
    ec2t::VpnStaticRoute {
        destination_cidr_block => "DestinationCidrBlock",
        source => "Source",
        state => "State",
    }
    ec2t::VgwTelemetry {
        outside_ip_address => "OutsideIpAddress",
        status => "Status",
        status_message => "StatusMessage",
        last_status_change => "LastStatusChange",
        accepted_route_count => "AcceptedRouteCount",
    }
    ec2t::CustomerGateway {
        customer_gateway_id => "CustomerGatewayId",
        bgp_asn => "BgpAsn",
        ip_address => "IpAddress",
        state => "State",
        r#type => "Type",
        device_name => "DeviceName",
        tags => "Tags",
    }
}

cli_struct! {
    ec2t::Tag { key => "Key", value => "Value" }

    ec2t::Vpc {
        owner_id => "OwnerId",
        instance_tenancy => "InstanceTenancy",
        ipv6_cidr_block_association_set => "Ipv6CidrBlockAssociationSet",
        cidr_block_association_set => "CidrBlockAssociationSet",
        is_default => "IsDefault",
        tags => "Tags",
        vpc_id => "VpcId",
        state => "State",
        cidr_block => "CidrBlock",
        dhcp_options_id => "DhcpOptionsId",
    }
    ec2t::VpcCidrBlockAssociation {
        association_id => "AssociationId",
        cidr_block => "CidrBlock",
        cidr_block_state => "CidrBlockState",
    }
    ec2t::VpcIpv6CidrBlockAssociation {
        association_id => "AssociationId",
        ipv6_cidr_block => "Ipv6CidrBlock",
        ipv6_cidr_block_state => "Ipv6CidrBlockState",
        network_border_group => "NetworkBorderGroup",
        ipv6_pool => "Ipv6Pool",
    }
    ec2t::VpcCidrBlockState { state => "State", status_message => "StatusMessage" }

    ec2t::Subnet {
        availability_zone_id => "AvailabilityZoneId",
        owner_id => "OwnerId",
        assign_ipv6_address_on_creation => "AssignIpv6AddressOnCreation",
        ipv6_cidr_block_association_set => "Ipv6CidrBlockAssociationSet",
        tags => "Tags",
        subnet_arn => "SubnetArn",
        ipv6_native => "Ipv6Native",
        subnet_id => "SubnetId",
        state => "State",
        vpc_id => "VpcId",
        cidr_block => "CidrBlock",
        available_ip_address_count => "AvailableIpAddressCount",
        availability_zone => "AvailabilityZone",
        default_for_az => "DefaultForAz",
        map_public_ip_on_launch => "MapPublicIpOnLaunch",
    }
    ec2t::SubnetIpv6CidrBlockAssociation {
        association_id => "AssociationId",
        ipv6_cidr_block => "Ipv6CidrBlock",
        ipv6_cidr_block_state => "Ipv6CidrBlockState",
    }
    ec2t::SubnetCidrBlockState { state => "State", status_message => "StatusMessage" }

    ec2t::RouteTable {
        associations => "Associations",
        propagating_vgws => "PropagatingVgws",
        route_table_id => "RouteTableId",
        routes => "Routes",
        tags => "Tags",
        vpc_id => "VpcId",
        owner_id => "OwnerId",
    }
    ec2t::RouteTableAssociation {
        main => "Main",
        route_table_association_id => "RouteTableAssociationId",
        route_table_id => "RouteTableId",
        subnet_id => "SubnetId",
        gateway_id => "GatewayId",
        association_state => "AssociationState",
    }
    ec2t::RouteTableAssociationState { state => "State", status_message => "StatusMessage" }
    ec2t::PropagatingVgw { gateway_id => "GatewayId" }
    ec2t::Route {
        destination_cidr_block => "DestinationCidrBlock",
        destination_ipv6_cidr_block => "DestinationIpv6CidrBlock",
        destination_prefix_list_id => "DestinationPrefixListId",
        egress_only_internet_gateway_id => "EgressOnlyInternetGatewayId",
        gateway_id => "GatewayId",
        instance_id => "InstanceId",
        instance_owner_id => "InstanceOwnerId",
        nat_gateway_id => "NatGatewayId",
        transit_gateway_id => "TransitGatewayId",
        local_gateway_id => "LocalGatewayId",
        carrier_gateway_id => "CarrierGatewayId",
        network_interface_id => "NetworkInterfaceId",
        origin => "Origin",
        state => "State",
        vpc_peering_connection_id => "VpcPeeringConnectionId",
        core_network_arn => "CoreNetworkArn",
    }

    ec2t::NetworkAcl {
        associations => "Associations",
        entries => "Entries",
        is_default => "IsDefault",
        network_acl_id => "NetworkAclId",
        tags => "Tags",
        vpc_id => "VpcId",
        owner_id => "OwnerId",
    }
    ec2t::NetworkAclAssociation {
        network_acl_association_id => "NetworkAclAssociationId",
        network_acl_id => "NetworkAclId",
        subnet_id => "SubnetId",
    }
    ec2t::NetworkAclEntry {
        cidr_block => "CidrBlock",
        egress => "Egress",
        icmp_type_code => "IcmpTypeCode",
        ipv6_cidr_block => "Ipv6CidrBlock",
        port_range => "PortRange",
        protocol => "Protocol",
        rule_action => "RuleAction",
        rule_number => "RuleNumber",
    }
    ec2t::IcmpTypeCode { code => "Code", r#type => "Type" }
    ec2t::PortRange { from => "From", to => "To" }

    ec2t::SecurityGroup {
        group_id => "GroupId",
        ip_permissions_egress => "IpPermissionsEgress",
        tags => "Tags",
        vpc_id => "VpcId",
        security_group_arn => "SecurityGroupArn",
        owner_id => "OwnerId",
        group_name => "GroupName",
        description => "Description",
        ip_permissions => "IpPermissions",
    }
    ec2t::IpPermission {
        ip_protocol => "IpProtocol",
        from_port => "FromPort",
        to_port => "ToPort",
        user_id_group_pairs => "UserIdGroupPairs",
        ip_ranges => "IpRanges",
        ipv6_ranges => "Ipv6Ranges",
        prefix_list_ids => "PrefixListIds",
    }
    ec2t::IpRange { description => "Description", cidr_ip => "CidrIp" }
    ec2t::Ipv6Range { description => "Description", cidr_ipv6 => "CidrIpv6" }
    ec2t::PrefixListId { description => "Description", prefix_list_id => "PrefixListId" }
    ec2t::UserIdGroupPair {
        description => "Description",
        user_id => "UserId",
        group_name => "GroupName",
        group_id => "GroupId",
        vpc_id => "VpcId",
        vpc_peering_connection_id => "VpcPeeringConnectionId",
        peering_status => "PeeringStatus",
    }

    ec2t::NetworkInterface {
        association => "Association",
        attachment => "Attachment",
        availability_zone => "AvailabilityZone",
        description => "Description",
        groups => "Groups",
        interface_type => "InterfaceType",
        ipv6_addresses => "Ipv6Addresses",
        ipv4_prefixes => "Ipv4Prefixes",
        ipv6_prefixes => "Ipv6Prefixes",
        mac_address => "MacAddress",
        network_interface_id => "NetworkInterfaceId",
        owner_id => "OwnerId",
        private_dns_name => "PrivateDnsName",
        private_ip_address => "PrivateIpAddress",
        private_ip_addresses => "PrivateIpAddresses",
        requester_id => "RequesterId",
        requester_managed => "RequesterManaged",
        source_dest_check => "SourceDestCheck",
        status => "Status",
        subnet_id => "SubnetId",
        tag_set => "TagSet",
        vpc_id => "VpcId",
        ipv6_native => "Ipv6Native",
        ipv6_address => "Ipv6Address",
    }
    ec2t::NetworkInterfaceAssociation {
        allocation_id => "AllocationId",
        association_id => "AssociationId",
        ip_owner_id => "IpOwnerId",
        public_dns_name => "PublicDnsName",
        public_ip => "PublicIp",
        customer_owned_ip => "CustomerOwnedIp",
        carrier_ip => "CarrierIp",
    }
    ec2t::NetworkInterfaceAttachment {
        attach_time => "AttachTime",
        attachment_id => "AttachmentId",
        delete_on_termination => "DeleteOnTermination",
        device_index => "DeviceIndex",
        network_card_index => "NetworkCardIndex",
        instance_id => "InstanceId",
        instance_owner_id => "InstanceOwnerId",
        status => "Status",
    }
    ec2t::GroupIdentifier { group_id => "GroupId", group_name => "GroupName" }
    ec2t::NetworkInterfaceIpv6Address {
        ipv6_address => "Ipv6Address",
        is_primary_ipv6 => "IsPrimaryIpv6",
    }
    ec2t::NetworkInterfacePrivateIpAddress {
        association => "Association",
        primary => "Primary",
        private_dns_name => "PrivateDnsName",
        private_ip_address => "PrivateIpAddress",
    }

    ec2t::Reservation {
        reservation_id => "ReservationId",
        owner_id => "OwnerId",
        requester_id => "RequesterId",
        groups => "Groups",
        instances => "Instances",
    }
    ec2t::Instance {
        network_interfaces => "NetworkInterfaces",
        security_groups => "SecurityGroups",
        source_dest_check => "SourceDestCheck",
        tags => "Tags",
        platform_details => "PlatformDetails",
        ipv6_address => "Ipv6Address",
        instance_id => "InstanceId",
        image_id => "ImageId",
        state => "State",
        private_dns_name => "PrivateDnsName",
        public_dns_name => "PublicDnsName",
        instance_type => "InstanceType",
        launch_time => "LaunchTime",
        placement => "Placement",
        platform => "Platform",
        subnet_id => "SubnetId",
        vpc_id => "VpcId",
        private_ip_address => "PrivateIpAddress",
        public_ip_address => "PublicIpAddress",
    }
    ec2t::Placement {
        availability_zone_id => "AvailabilityZoneId",
        group_name => "GroupName",
        tenancy => "Tenancy",
        availability_zone => "AvailabilityZone",
    }
    ec2t::InstanceState { code => "Code", name => "Name" }
    ec2t::InstanceNetworkInterface {
        association => "Association",
        attachment => "Attachment",
        description => "Description",
        groups => "Groups",
        ipv6_addresses => "Ipv6Addresses",
        mac_address => "MacAddress",
        network_interface_id => "NetworkInterfaceId",
        owner_id => "OwnerId",
        private_dns_name => "PrivateDnsName",
        private_ip_address => "PrivateIpAddress",
        private_ip_addresses => "PrivateIpAddresses",
        source_dest_check => "SourceDestCheck",
        status => "Status",
        subnet_id => "SubnetId",
        vpc_id => "VpcId",
        interface_type => "InterfaceType",
    }
    ec2t::InstanceNetworkInterfaceAssociation {
        carrier_ip => "CarrierIp",
        customer_owned_ip => "CustomerOwnedIp",
        ip_owner_id => "IpOwnerId",
        public_dns_name => "PublicDnsName",
        public_ip => "PublicIp",
    }
    ec2t::InstanceNetworkInterfaceAttachment {
        attach_time => "AttachTime",
        attachment_id => "AttachmentId",
        delete_on_termination => "DeleteOnTermination",
        device_index => "DeviceIndex",
        status => "Status",
        network_card_index => "NetworkCardIndex",
    }
    ec2t::InstanceIpv6Address { ipv6_address => "Ipv6Address", is_primary_ipv6 => "IsPrimaryIpv6" }
    ec2t::InstancePrivateIpAddress {
        association => "Association",
        primary => "Primary",
        private_dns_name => "PrivateDnsName",
        private_ip_address => "PrivateIpAddress",
    }

    ec2t::InternetGateway {
        attachments => "Attachments",
        internet_gateway_id => "InternetGatewayId",
        owner_id => "OwnerId",
        tags => "Tags",
    }
    ec2t::InternetGatewayAttachment { state => "State", vpc_id => "VpcId" }
    ec2t::EgressOnlyInternetGateway {
        attachments => "Attachments",
        egress_only_internet_gateway_id => "EgressOnlyInternetGatewayId",
        tags => "Tags",
    }

    ec2t::NatGateway {
        create_time => "CreateTime",
        delete_time => "DeleteTime",
        failure_code => "FailureCode",
        failure_message => "FailureMessage",
        nat_gateway_addresses => "NatGatewayAddresses",
        nat_gateway_id => "NatGatewayId",
        state => "State",
        subnet_id => "SubnetId",
        vpc_id => "VpcId",
        tags => "Tags",
        connectivity_type => "ConnectivityType",
    }
    ec2t::NatGatewayAddress {
        allocation_id => "AllocationId",
        network_interface_id => "NetworkInterfaceId",
        private_ip => "PrivateIp",
        public_ip => "PublicIp",
        association_id => "AssociationId",
        is_primary => "IsPrimary",
        failure_message => "FailureMessage",
        status => "Status",
    }

    ec2t::VpcPeeringConnection {
        accepter_vpc_info => "AccepterVpcInfo",
        expiration_time => "ExpirationTime",
        requester_vpc_info => "RequesterVpcInfo",
        status => "Status",
        tags => "Tags",
        vpc_peering_connection_id => "VpcPeeringConnectionId",
    }
    ec2t::VpcPeeringConnectionVpcInfo {
        cidr_block => "CidrBlock",
        ipv6_cidr_block_set => "Ipv6CidrBlockSet",
        cidr_block_set => "CidrBlockSet",
        owner_id => "OwnerId",
        vpc_id => "VpcId",
        region => "Region",
    }
    ec2t::CidrBlock { cidr_block => "CidrBlock" }
    ec2t::Ipv6CidrBlock { ipv6_cidr_block => "Ipv6CidrBlock" }
    ec2t::VpcPeeringConnectionStateReason { code => "Code", message => "Message" }

    ec2t::TransitGateway {
        transit_gateway_id => "TransitGatewayId",
        transit_gateway_arn => "TransitGatewayArn",
        state => "State",
        owner_id => "OwnerId",
        description => "Description",
        creation_time => "CreationTime",
        options => "Options",
        tags => "Tags",
    }
    ec2t::TransitGatewayOptions {
        amazon_side_asn => "AmazonSideAsn",
        transit_gateway_cidr_blocks => "TransitGatewayCidrBlocks",
        auto_accept_shared_attachments => "AutoAcceptSharedAttachments",
        default_route_table_association => "DefaultRouteTableAssociation",
        association_default_route_table_id => "AssociationDefaultRouteTableId",
        default_route_table_propagation => "DefaultRouteTablePropagation",
        propagation_default_route_table_id => "PropagationDefaultRouteTableId",
        vpn_ecmp_support => "VpnEcmpSupport",
        dns_support => "DnsSupport",
        security_group_referencing_support => "SecurityGroupReferencingSupport",
        multicast_support => "MulticastSupport",
    }
    ec2t::TransitGatewayAttachment {
        transit_gateway_attachment_id => "TransitGatewayAttachmentId",
        transit_gateway_id => "TransitGatewayId",
        transit_gateway_owner_id => "TransitGatewayOwnerId",
        resource_owner_id => "ResourceOwnerId",
        resource_type => "ResourceType",
        resource_id => "ResourceId",
        state => "State",
        association => "Association",
        creation_time => "CreationTime",
        tags => "Tags",
    }
    ec2t::TransitGatewayAttachmentAssociation {
        transit_gateway_route_table_id => "TransitGatewayRouteTableId",
        state => "State",
    }
    ec2t::TransitGatewayVpcAttachment {
        transit_gateway_attachment_id => "TransitGatewayAttachmentId",
        transit_gateway_id => "TransitGatewayId",
        vpc_id => "VpcId",
        vpc_owner_id => "VpcOwnerId",
        state => "State",
        subnet_ids => "SubnetIds",
        creation_time => "CreationTime",
        options => "Options",
        tags => "Tags",
    }
    ec2t::TransitGatewayVpcAttachmentOptions {
        dns_support => "DnsSupport",
        security_group_referencing_support => "SecurityGroupReferencingSupport",
        ipv6_support => "Ipv6Support",
        appliance_mode_support => "ApplianceModeSupport",
    }
    ec2t::TransitGatewayRouteTable {
        transit_gateway_route_table_id => "TransitGatewayRouteTableId",
        transit_gateway_id => "TransitGatewayId",
        state => "State",
        default_association_route_table => "DefaultAssociationRouteTable",
        default_propagation_route_table => "DefaultPropagationRouteTable",
        creation_time => "CreationTime",
        tags => "Tags",
    }
    ec2t::TransitGatewayRoute {
        destination_cidr_block => "DestinationCidrBlock",
        prefix_list_id => "PrefixListId",
        transit_gateway_attachments => "TransitGatewayAttachments",
        r#type => "Type",
        state => "State",
    }
    ec2t::TransitGatewayRouteAttachment {
        resource_id => "ResourceId",
        transit_gateway_attachment_id => "TransitGatewayAttachmentId",
        resource_type => "ResourceType",
    }
    ec2t::TransitGatewayRouteTablePropagation {
        transit_gateway_attachment_id => "TransitGatewayAttachmentId",
        resource_id => "ResourceId",
        resource_type => "ResourceType",
        state => "State",
    }
    ec2t::TransitGatewayRouteTableAssociation {
        transit_gateway_attachment_id => "TransitGatewayAttachmentId",
        resource_id => "ResourceId",
        resource_type => "ResourceType",
        state => "State",
    }

    ec2t::VpcEndpoint {
        vpc_endpoint_id => "VpcEndpointId",
        vpc_endpoint_type => "VpcEndpointType",
        vpc_id => "VpcId",
        service_name => "ServiceName",
        state => "State",
        policy_document => "PolicyDocument",
        route_table_ids => "RouteTableIds",
        subnet_ids => "SubnetIds",
        groups => "Groups",
        ip_address_type => "IpAddressType",
        private_dns_enabled => "PrivateDnsEnabled",
        requester_managed => "RequesterManaged",
        network_interface_ids => "NetworkInterfaceIds",
        dns_entries => "DnsEntries",
        creation_timestamp => "CreationTimestamp",
        tags => "Tags",
        owner_id => "OwnerId",
    }
    ec2t::SecurityGroupIdentifier { group_id => "GroupId", group_name => "GroupName" }
    ec2t::DnsEntry { dns_name => "DnsName", hosted_zone_id => "HostedZoneId" }

    ec2t::ManagedPrefixList {
        prefix_list_id => "PrefixListId",
        address_family => "AddressFamily",
        state => "State",
        state_message => "StateMessage",
        prefix_list_arn => "PrefixListArn",
        prefix_list_name => "PrefixListName",
        max_entries => "MaxEntries",
        version => "Version",
        tags => "Tags",
        owner_id => "OwnerId",
    }
    ec2t::PrefixList { cidrs => "Cidrs", prefix_list_id => "PrefixListId", prefix_list_name => "PrefixListName" }
    ec2t::PrefixListEntry { cidr => "Cidr", description => "Description" }

    ec2t::Address {
        allocation_id => "AllocationId",
        association_id => "AssociationId",
        domain => "Domain",
        network_interface_id => "NetworkInterfaceId",
        network_interface_owner_id => "NetworkInterfaceOwnerId",
        private_ip_address => "PrivateIpAddress",
        tags => "Tags",
        public_ipv4_pool => "PublicIpv4Pool",
        network_border_group => "NetworkBorderGroup",
        carrier_ip => "CarrierIp",
        subnet_id => "SubnetId",
        instance_id => "InstanceId",
        public_ip => "PublicIp",
    }

    ec2t::FlowLog {
        creation_time => "CreationTime",
        deliver_logs_error_message => "DeliverLogsErrorMessage",
        deliver_logs_permission_arn => "DeliverLogsPermissionArn",
        deliver_logs_status => "DeliverLogsStatus",
        flow_log_id => "FlowLogId",
        flow_log_status => "FlowLogStatus",
        log_group_name => "LogGroupName",
        resource_id => "ResourceId",
        traffic_type => "TrafficType",
        log_destination_type => "LogDestinationType",
        log_destination => "LogDestination",
        log_format => "LogFormat",
        tags => "Tags",
        max_aggregation_interval => "MaxAggregationInterval",
    }

    rdst::DbInstance {
        db_instance_identifier => "DBInstanceIdentifier",
        db_instance_class => "DBInstanceClass",
        engine => "Engine",
        engine_version => "EngineVersion",
        db_instance_status => "DBInstanceStatus",
        endpoint => "Endpoint",
        vpc_security_groups => "VpcSecurityGroups",
        availability_zone => "AvailabilityZone",
        secondary_availability_zone => "SecondaryAvailabilityZone",
        db_subnet_group => "DBSubnetGroup",
        multi_az => "MultiAZ",
        publicly_accessible => "PubliclyAccessible",
        db_instance_port => "DbInstancePort",
        db_cluster_identifier => "DBClusterIdentifier",
        dbi_resource_id => "DbiResourceId",
        db_instance_arn => "DBInstanceArn",
        network_type => "NetworkType",
        tag_list => "TagList",
    }
    rdst::Endpoint { address => "Address", port => "Port", hosted_zone_id => "HostedZoneId" }
    rdst::DbSubnetGroup {
        db_subnet_group_name => "DBSubnetGroupName",
        db_subnet_group_description => "DBSubnetGroupDescription",
        vpc_id => "VpcId",
        subnet_group_status => "SubnetGroupStatus",
        subnets => "Subnets",
        db_subnet_group_arn => "DBSubnetGroupArn",
    }
    rdst::Subnet {
        subnet_identifier => "SubnetIdentifier",
        subnet_availability_zone => "SubnetAvailabilityZone",
        subnet_status => "SubnetStatus",
    }
    rdst::AvailabilityZone { name => "Name" }
    rdst::VpcSecurityGroupMembership { vpc_security_group_id => "VpcSecurityGroupId", status => "Status" }
    rdst::Tag { key => "Key", value => "Value" }
}

cli_enum!(
    ec2t::PayerResponsibility,
    ec2t::DnsNameState,
    ec2t::ServiceConnectivityType,
    ec2t::ServiceType,
    elbt::LoadBalancerSchemeEnum,
    elbt::LoadBalancerStateEnum,
    elbt::LoadBalancerTypeEnum,
    elbt::IpAddressType,
    elbt::EnablePrefixForIpv6SourceNatEnum,
    elbt::ProtocolEnum,
    elbt::ActionTypeEnum,
    elbt::RedirectActionStatusCodeEnum,
    elbt::TargetTypeEnum,
    elbt::TargetGroupIpAddressTypeEnum,
    elbt::TargetHealthStateEnum,
    elbt::TargetHealthReasonEnum,
    nfwt::IpAddressType,
    nfwt::FirewallStatusValue,
    nfwt::ConfigurationSyncState,
    nfwt::AttachmentStatus,
    nfwt::PerObjectSyncStatus,
    nfwt::ResourceStatus,
    nfwt::RuleOrder,
    nfwt::StreamExceptionPolicy,
    nfwt::OverrideAction,
    nfwt::RuleGroupType,
    nfwt::StatefulAction,
    nfwt::StatefulRuleProtocol,
    nfwt::StatefulRuleDirection,
    nfwt::TargetType,
    nfwt::GeneratedRulesType,
    nfwt::TcpFlag,
);

// Endpoint services (DescribeVpcEndpointServices): what a Gateway Load Balancer endpoint or an
// interface endpoint connects to.
cli_struct! {
    ec2t::ServiceDetail {
        service_name => "ServiceName",
        service_id => "ServiceId",
        service_type => "ServiceType",
        service_region => "ServiceRegion",
        availability_zone_ids => "AvailabilityZoneIds",
        availability_zones => "AvailabilityZones",
        owner => "Owner",
        base_endpoint_dns_names => "BaseEndpointDnsNames",
        private_dns_name => "PrivateDnsName",
        private_dns_names => "PrivateDnsNames",
        vpc_endpoint_policy_supported => "VpcEndpointPolicySupported",
        acceptance_required => "AcceptanceRequired",
        manages_vpc_endpoints => "ManagesVpcEndpoints",
        payer_responsibility => "PayerResponsibility",
        tags => "Tags",
        private_dns_name_verification_state => "PrivateDnsNameVerificationState",
        supported_ip_address_types => "SupportedIpAddressTypes",
    }
    ec2t::ServiceTypeDetail { service_type => "ServiceType" }
    ec2t::PrivateDnsDetails { private_dns_name => "PrivateDnsName" }
}

// Elastic Load Balancing v2 (application, network and gateway load balancers). Listener and
// rule actions are written without their authentication settings (OIDC and Cognito
// configurations, JWT validation): they say who may log in, not where packets go.
cli_struct! {
    elbt::LoadBalancer {
        load_balancer_arn => "LoadBalancerArn",
        dns_name => "DNSName",
        canonical_hosted_zone_id => "CanonicalHostedZoneId",
        created_time => "CreatedTime",
        load_balancer_name => "LoadBalancerName",
        scheme => "Scheme",
        vpc_id => "VpcId",
        state => "State",
        r#type => "Type",
        availability_zones => "AvailabilityZones",
        security_groups => "SecurityGroups",
        ip_address_type => "IpAddressType",
        customer_owned_ipv4_pool => "CustomerOwnedIpv4Pool",
        enforce_security_group_inbound_rules_on_private_link_traffic => "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic",
        enable_prefix_for_ipv6_source_nat => "EnablePrefixForIpv6SourceNat",
    }
    elbt::AvailabilityZone {
        zone_name => "ZoneName",
        subnet_id => "SubnetId",
        outpost_id => "OutpostId",
        load_balancer_addresses => "LoadBalancerAddresses",
        source_nat_ipv6_prefixes => "SourceNatIpv6Prefixes",
    }
    elbt::LoadBalancerAddress {
        ip_address => "IpAddress",
        allocation_id => "AllocationId",
        private_ipv4_address => "PrivateIPv4Address",
        ipv6_address => "IPv6Address",
    }
    elbt::LoadBalancerState { code => "Code", reason => "Reason" }
    elbt::Listener {
        listener_arn => "ListenerArn",
        load_balancer_arn => "LoadBalancerArn",
        port => "Port",
        protocol => "Protocol",
        certificates => "Certificates",
        ssl_policy => "SslPolicy",
        default_actions => "DefaultActions",
        alpn_policy => "AlpnPolicy",
    }
    elbt::Certificate { certificate_arn => "CertificateArn", is_default => "IsDefault" }
    elbt::Action {
        r#type => "Type",
        target_group_arn => "TargetGroupArn",
        order => "Order",
        redirect_config => "RedirectConfig",
        fixed_response_config => "FixedResponseConfig",
        forward_config => "ForwardConfig",
    }
    elbt::ForwardActionConfig {
        target_groups => "TargetGroups",
        target_group_stickiness_config => "TargetGroupStickinessConfig",
    }
    elbt::TargetGroupTuple { target_group_arn => "TargetGroupArn", weight => "Weight" }
    elbt::TargetGroupStickinessConfig { enabled => "Enabled", duration_seconds => "DurationSeconds" }
    elbt::RedirectActionConfig {
        protocol => "Protocol",
        port => "Port",
        host => "Host",
        path => "Path",
        query => "Query",
        status_code => "StatusCode",
    }
    elbt::FixedResponseActionConfig {
        message_body => "MessageBody",
        status_code => "StatusCode",
        content_type => "ContentType",
    }
    elbt::Rule {
        rule_arn => "RuleArn",
        priority => "Priority",
        conditions => "Conditions",
        actions => "Actions",
        is_default => "IsDefault",
    }
    elbt::RuleCondition {
        field => "Field",
        values => "Values",
        host_header_config => "HostHeaderConfig",
        path_pattern_config => "PathPatternConfig",
        http_header_config => "HttpHeaderConfig",
        query_string_config => "QueryStringConfig",
        http_request_method_config => "HttpRequestMethodConfig",
        source_ip_config => "SourceIpConfig",
        regex_values => "RegexValues",
    }
    elbt::HostHeaderConditionConfig { values => "Values", regex_values => "RegexValues" }
    elbt::PathPatternConditionConfig { values => "Values", regex_values => "RegexValues" }
    elbt::HttpHeaderConditionConfig {
        http_header_name => "HttpHeaderName",
        values => "Values",
        regex_values => "RegexValues",
    }
    elbt::QueryStringConditionConfig { values => "Values" }
    elbt::QueryStringKeyValuePair { key => "Key", value => "Value" }
    elbt::HttpRequestMethodConditionConfig { values => "Values" }
    elbt::SourceIpConditionConfig { values => "Values" }
    elbt::TargetGroup {
        target_group_arn => "TargetGroupArn",
        target_group_name => "TargetGroupName",
        protocol => "Protocol",
        port => "Port",
        vpc_id => "VpcId",
        health_check_protocol => "HealthCheckProtocol",
        health_check_port => "HealthCheckPort",
        health_check_enabled => "HealthCheckEnabled",
        health_check_interval_seconds => "HealthCheckIntervalSeconds",
        health_check_timeout_seconds => "HealthCheckTimeoutSeconds",
        healthy_threshold_count => "HealthyThresholdCount",
        unhealthy_threshold_count => "UnhealthyThresholdCount",
        health_check_path => "HealthCheckPath",
        matcher => "Matcher",
        load_balancer_arns => "LoadBalancerArns",
        target_type => "TargetType",
        protocol_version => "ProtocolVersion",
        ip_address_type => "IpAddressType",
    }
    elbt::Matcher { http_code => "HttpCode", grpc_code => "GrpcCode" }
    elbt::TargetHealthDescription {
        target => "Target",
        health_check_port => "HealthCheckPort",
        target_health => "TargetHealth",
    }
    elbt::TargetDescription {
        id => "Id",
        port => "Port",
        availability_zone => "AvailabilityZone",
    }
    elbt::TargetHealth { state => "State", reason => "Reason", description => "Description" }
    elbt::LoadBalancerAttribute { key => "Key", value => "Value" }
    elbt::TargetGroupAttribute { key => "Key", value => "Value" }
}

// Classic Load Balancers (the `elb` API's DescribeLoadBalancers).
cli_struct! {
    elbct::LoadBalancerDescription {
        load_balancer_name => "LoadBalancerName",
        dns_name => "DNSName",
        canonical_hosted_zone_name => "CanonicalHostedZoneName",
        canonical_hosted_zone_name_id => "CanonicalHostedZoneNameID",
        listener_descriptions => "ListenerDescriptions",
        policies => "Policies",
        backend_server_descriptions => "BackendServerDescriptions",
        availability_zones => "AvailabilityZones",
        subnets => "Subnets",
        vpc_id => "VPCId",
        instances => "Instances",
        health_check => "HealthCheck",
        source_security_group => "SourceSecurityGroup",
        security_groups => "SecurityGroups",
        created_time => "CreatedTime",
        scheme => "Scheme",
    }
    elbct::ListenerDescription { listener => "Listener", policy_names => "PolicyNames" }
    elbct::Listener {
        protocol => "Protocol",
        load_balancer_port => "LoadBalancerPort",
        instance_protocol => "InstanceProtocol",
        instance_port => "InstancePort",
        ssl_certificate_id => "SSLCertificateId",
    }
    elbct::HealthCheck {
        target => "Target",
        interval => "Interval",
        timeout => "Timeout",
        unhealthy_threshold => "UnhealthyThreshold",
        healthy_threshold => "HealthyThreshold",
    }
    elbct::BackendServerDescription { instance_port => "InstancePort", policy_names => "PolicyNames" }
    elbct::Instance { instance_id => "InstanceId" }
    elbct::SourceSecurityGroup { owner_alias => "OwnerAlias", group_name => "GroupName" }
    elbct::Policies {
        app_cookie_stickiness_policies => "AppCookieStickinessPolicies",
        lb_cookie_stickiness_policies => "LBCookieStickinessPolicies",
        other_policies => "OtherPolicies",
    }
    elbct::AppCookieStickinessPolicy { policy_name => "PolicyName", cookie_name => "CookieName" }
    elbct::LbCookieStickinessPolicy {
        policy_name => "PolicyName",
        cookie_expiration_period => "CookieExpirationPeriod",
    }
}

// AWS Network Firewall: firewalls (DescribeFirewall), their policies (DescribeFirewallPolicy)
// and rule groups (DescribeRuleGroup). The JSON protocol's member names are the CLI's keys.
cli_struct! {
    nfwt::Firewall {
        firewall_name => "FirewallName",
        firewall_arn => "FirewallArn",
        firewall_policy_arn => "FirewallPolicyArn",
        vpc_id => "VpcId",
        subnet_mappings => "SubnetMappings",
        delete_protection => "DeleteProtection",
        subnet_change_protection => "SubnetChangeProtection",
        firewall_policy_change_protection => "FirewallPolicyChangeProtection",
        description => "Description",
        firewall_id => "FirewallId",
        tags => "Tags",
        number_of_associations => "NumberOfAssociations",
        transit_gateway_id => "TransitGatewayId",
        transit_gateway_owner_account_id => "TransitGatewayOwnerAccountId",
        availability_zone_mappings => "AvailabilityZoneMappings",
    }
    nfwt::SubnetMapping { subnet_id => "SubnetId", ip_address_type => "IPAddressType" }
    nfwt::AvailabilityZoneMapping { availability_zone => "AvailabilityZone" }
    nfwt::FirewallStatus {
        status => "Status",
        configuration_sync_state_summary => "ConfigurationSyncStateSummary",
        sync_states => "SyncStates",
    }
    nfwt::SyncState { attachment => "Attachment", config => "Config" }
    nfwt::Attachment {
        subnet_id => "SubnetId",
        endpoint_id => "EndpointId",
        status => "Status",
        status_message => "StatusMessage",
    }
    nfwt::PerObjectStatus { sync_status => "SyncStatus", update_token => "UpdateToken" }
    nfwt::Tag { key => "Key", value => "Value" }

    nfwt::FirewallPolicyResponse {
        firewall_policy_name => "FirewallPolicyName",
        firewall_policy_arn => "FirewallPolicyArn",
        firewall_policy_id => "FirewallPolicyId",
        description => "Description",
        firewall_policy_status => "FirewallPolicyStatus",
        tags => "Tags",
        consumed_stateless_rule_capacity => "ConsumedStatelessRuleCapacity",
        consumed_stateful_rule_capacity => "ConsumedStatefulRuleCapacity",
        number_of_associations => "NumberOfAssociations",
        last_modified_time => "LastModifiedTime",
    }
    nfwt::FirewallPolicy {
        stateless_rule_group_references => "StatelessRuleGroupReferences",
        stateless_default_actions => "StatelessDefaultActions",
        stateless_fragment_default_actions => "StatelessFragmentDefaultActions",
        stateless_custom_actions => "StatelessCustomActions",
        stateful_rule_group_references => "StatefulRuleGroupReferences",
        stateful_default_actions => "StatefulDefaultActions",
        stateful_engine_options => "StatefulEngineOptions",
        tls_inspection_configuration_arn => "TLSInspectionConfigurationArn",
        policy_variables => "PolicyVariables",
    }
    nfwt::StatelessRuleGroupReference { resource_arn => "ResourceArn", priority => "Priority" }
    nfwt::StatefulRuleGroupReference {
        resource_arn => "ResourceArn",
        priority => "Priority",
        r#override => "Override",
    }
    nfwt::StatefulRuleGroupOverride { action => "Action" }
    nfwt::StatefulEngineOptions {
        rule_order => "RuleOrder",
        stream_exception_policy => "StreamExceptionPolicy",
        flow_timeouts => "FlowTimeouts",
    }
    nfwt::FlowTimeouts { tcp_idle_timeout_seconds => "TcpIdleTimeoutSeconds" }
    nfwt::PolicyVariables { rule_variables => "RuleVariables" }
    nfwt::IpSet { definition => "Definition" }
    nfwt::PortSet { definition => "Definition" }
    nfwt::CustomAction { action_name => "ActionName", action_definition => "ActionDefinition" }
    nfwt::ActionDefinition { publish_metric_action => "PublishMetricAction" }
    nfwt::PublishMetricAction { dimensions => "Dimensions" }
    nfwt::Dimension { value => "Value" }

    nfwt::RuleGroupResponse {
        rule_group_arn => "RuleGroupArn",
        rule_group_name => "RuleGroupName",
        rule_group_id => "RuleGroupId",
        description => "Description",
        r#type => "Type",
        capacity => "Capacity",
        rule_group_status => "RuleGroupStatus",
        tags => "Tags",
        consumed_capacity => "ConsumedCapacity",
        number_of_associations => "NumberOfAssociations",
        last_modified_time => "LastModifiedTime",
    }
    nfwt::RuleGroup {
        rule_variables => "RuleVariables",
        reference_sets => "ReferenceSets",
        rules_source => "RulesSource",
        stateful_rule_options => "StatefulRuleOptions",
    }
    nfwt::RuleVariables { ip_sets => "IPSets", port_sets => "PortSets" }
    nfwt::ReferenceSets { ip_set_references => "IPSetReferences" }
    nfwt::IpSetReference { reference_arn => "ReferenceArn" }
    nfwt::StatefulRuleOptions { rule_order => "RuleOrder" }
    nfwt::RulesSource {
        rules_string => "RulesString",
        rules_source_list => "RulesSourceList",
        stateful_rules => "StatefulRules",
        stateless_rules_and_custom_actions => "StatelessRulesAndCustomActions",
    }
    nfwt::RulesSourceList {
        targets => "Targets",
        target_types => "TargetTypes",
        generated_rules_type => "GeneratedRulesType",
    }
    nfwt::StatelessRulesAndCustomActions {
        stateless_rules => "StatelessRules",
        custom_actions => "CustomActions",
    }
    nfwt::StatelessRule { rule_definition => "RuleDefinition", priority => "Priority" }
    nfwt::RuleDefinition { match_attributes => "MatchAttributes", actions => "Actions" }
    nfwt::MatchAttributes {
        sources => "Sources",
        destinations => "Destinations",
        source_ports => "SourcePorts",
        destination_ports => "DestinationPorts",
        protocols => "Protocols",
        tcp_flags => "TCPFlags",
    }
    nfwt::Address { address_definition => "AddressDefinition" }
    nfwt::PortRange { from_port => "FromPort", to_port => "ToPort" }
    nfwt::TcpFlagField { flags => "Flags", masks => "Masks" }
    nfwt::StatefulRule { action => "Action", header => "Header", rule_options => "RuleOptions" }
    nfwt::Header {
        protocol => "Protocol",
        source => "Source",
        source_port => "SourcePort",
        direction => "Direction",
        destination => "Destination",
        destination_port => "DestinationPort",
    }
    nfwt::RuleOption { keyword => "Keyword", settings => "Settings" }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The shape the CLI prints for a security group rule that references another group:
    // absent members are left out, lists stay lists, numbers stay numbers.
    #[test]
    fn sg_rule_referencing_a_group_has_cli_keys() {
        let rule = ec2t::IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(5432)
            .to_port(5432)
            .user_id_group_pairs(
                ec2t::UserIdGroupPair::builder().group_id("sg-app").user_id("123456789012").build(),
            )
            .build();
        let expected = serde_json::json!({
            "IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
            "UserIdGroupPairs": [{"GroupId": "sg-app", "UserId": "123456789012"}]
        });
        assert_eq!(rule.to_cli(), expected);
    }

    #[test]
    fn nacl_entry_keeps_icmp_type_and_port_range_keys() {
        let entry = ec2t::NetworkAclEntry::builder()
            .rule_number(100)
            .protocol("1")
            .rule_action(ec2t::RuleAction::Allow)
            .egress(false)
            .cidr_block("10.0.0.0/8")
            .icmp_type_code(ec2t::IcmpTypeCode::builder().r#type(-1).code(-1).build())
            .build();
        let expected = serde_json::json!({
            "RuleNumber": 100, "Protocol": "1", "RuleAction": "allow", "Egress": false,
            "CidrBlock": "10.0.0.0/8", "IcmpTypeCode": {"Type": -1, "Code": -1}
        });
        assert_eq!(entry.to_cli(), expected);
    }

    // A Classic Load Balancer listener: members the SDK holds as plain values (not options)
    // are written like any other, under the Classic API's spellings.
    #[test]
    fn classic_listener_has_cli_keys() {
        let listener = elbct::Listener::builder()
            .protocol("TCP")
            .load_balancer_port(5432)
            .instance_protocol("TCP")
            .instance_port(5432)
            .build()
            .expect("a listener with its required members");
        let expected = serde_json::json!({
            "Protocol": "TCP", "LoadBalancerPort": 5432, "InstanceProtocol": "TCP", "InstancePort": 5432
        });
        assert_eq!(listener.to_cli(), expected);
    }

    #[test]
    fn target_health_keeps_target_port_zone_and_reason() {
        let health = elbt::TargetHealthDescription::builder()
            .target(elbt::TargetDescription::builder().id("10.0.2.7").port(8080).availability_zone("all").build())
            .health_check_port("traffic-port")
            .target_health(
                elbt::TargetHealth::builder()
                    .state(elbt::TargetHealthStateEnum::Unhealthy)
                    .reason(elbt::TargetHealthReasonEnum::FailedHealthChecks)
                    .build(),
            )
            .build();
        let expected = serde_json::json!({
            "Target": {"Id": "10.0.2.7", "Port": 8080, "AvailabilityZone": "all"},
            "HealthCheckPort": "traffic-port",
            "TargetHealth": {"State": "unhealthy", "Reason": "Target.FailedHealthChecks"}
        });
        assert_eq!(health.to_cli(), expected);
    }

    // Network Firewall's upper-case spellings (`TCPFlags`, `IPSets`) and maps as objects.
    #[test]
    fn firewall_rule_members_keep_the_api_spellings() {
        let attrs = nfwt::MatchAttributes::builder()
            .sources(nfwt::Address::builder().address_definition("10.0.0.0/8").build().expect("address"))
            .destination_ports(nfwt::PortRange::builder().from_port(443).to_port(443).build())
            .protocols(6)
            .tcp_flags(nfwt::TcpFlagField::builder().flags(nfwt::TcpFlag::Syn).build().expect("flags"))
            .build();
        let expected = serde_json::json!({
            "Sources": [{"AddressDefinition": "10.0.0.0/8"}],
            "DestinationPorts": [{"FromPort": 443, "ToPort": 443}],
            "Protocols": [6],
            "TCPFlags": [{"Flags": ["SYN"]}]
        });
        assert_eq!(attrs.to_cli(), expected);
        let vars = nfwt::RuleVariables::builder()
            .ip_sets("HOME_NET", nfwt::IpSet::builder().definition("10.0.0.0/16").build().expect("ip set"))
            .build();
        assert_eq!(vars.to_cli(), serde_json::json!({"IPSets": {"HOME_NET": {"Definition": ["10.0.0.0/16"]}}}));
    }

    #[test]
    fn timestamps_are_rfc3339() {
        assert_eq!(rfc3339(&DateTime::from_secs(1_588_469_950)), "2020-05-03T01:39:10Z");
    }
}
