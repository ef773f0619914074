//! The flow-log field catalogue: every field name of VPC Flow Logs versions 2-8 and of
//! transit-gateway flow logs, with the version that introduced it and the kind of value it
//! holds. A [`super::Format`] maps each column of a log line to one of these; names that are
//! not in the catalogue stay representable as opaque text columns ([`Column::Unknown`]).

/// How the parser validates a field's text. `-` ("no value") is accepted for every kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text, kept as-is (ids, names, ARNs, regions).
    Text,
    /// An unsigned decimal integer that fits in `u8`.
    U8,
    /// An unsigned decimal integer that fits in `u16`.
    U16,
    /// An unsigned decimal integer that fits in `u64`.
    U64,
    /// An IPv4 or IPv6 address.
    Addr,
    /// `ACCEPT` or `REJECT` (other words are kept as unknown actions).
    Action,
    /// `OK`, `NODATA` or `SKIPDATA` (other words are kept as unknown statuses).
    LogStatus,
    /// `ingress` or `egress`.
    Direction,
}

macro_rules! fields {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $version:literal, $kind:ident; )*) => {
        /// A known flow-log field. The doc of each variant is its AWS field name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Field {
            $( $(#[$doc])* $variant, )*
        }

        impl Field {
            /// Every known field, in catalogue order.
            pub const ALL: &'static [Field] = &[ $( Field::$variant, )* ];

            /// The field's name as AWS spells it in formats and S3 header lines.
            pub const fn name(self) -> &'static str {
                match self { $( Field::$variant => $name, )* }
            }

            /// The lowest flow-log version that defines the field (transit-gateway fields
            /// report the version of the transit-gateway format, 6).
            pub const fn version(self) -> u8 {
                match self { $( Field::$variant => $version, )* }
            }

            /// The kind of value the field holds.
            pub const fn kind(self) -> Kind {
                match self { $( Field::$variant => Kind::$kind, )* }
            }

            /// Looks a field up by its AWS name.
            pub fn from_name(name: &[u8]) -> Option<Field> {
                match name { $( n if n == $name.as_bytes() => Some(Field::$variant), )* _ => None }
            }
        }
    };
}

fields! {
    /// `version`
    Version = "version", 2, U8;
    /// `account-id`
    AccountId = "account-id", 2, Text;
    /// `interface-id`
    InterfaceId = "interface-id", 2, Text;
    /// `srcaddr`
    SrcAddr = "srcaddr", 2, Addr;
    /// `dstaddr`
    DstAddr = "dstaddr", 2, Addr;
    /// `srcport`
    SrcPort = "srcport", 2, U16;
    /// `dstport`
    DstPort = "dstport", 2, U16;
    /// `protocol`
    Protocol = "protocol", 2, U8;
    /// `packets`
    Packets = "packets", 2, U64;
    /// `bytes`
    Bytes = "bytes", 2, U64;
    /// `start`
    Start = "start", 2, U64;
    /// `end`
    End = "end", 2, U64;
    /// `action`
    Action = "action", 2, Action;
    /// `log-status`
    LogStatus = "log-status", 2, LogStatus;
    /// `vpc-id`
    VpcId = "vpc-id", 3, Text;
    /// `subnet-id`
    SubnetId = "subnet-id", 3, Text;
    /// `instance-id`
    InstanceId = "instance-id", 3, Text;
    /// `tcp-flags`
    TcpFlags = "tcp-flags", 3, U8;
    /// `type`
    Type = "type", 3, Text;
    /// `pkt-srcaddr`
    PktSrcAddr = "pkt-srcaddr", 3, Addr;
    /// `pkt-dstaddr`
    PktDstAddr = "pkt-dstaddr", 3, Addr;
    /// `region`
    Region = "region", 4, Text;
    /// `az-id`
    AzId = "az-id", 4, Text;
    /// `sublocation-type`
    SublocationType = "sublocation-type", 4, Text;
    /// `sublocation-id`
    SublocationId = "sublocation-id", 4, Text;
    /// `pkt-src-aws-service`
    PktSrcAwsService = "pkt-src-aws-service", 5, Text;
    /// `pkt-dst-aws-service`
    PktDstAwsService = "pkt-dst-aws-service", 5, Text;
    /// `flow-direction`
    FlowDirection = "flow-direction", 5, Direction;
    /// `traffic-path`
    TrafficPath = "traffic-path", 5, U8;
    /// `ecs-cluster-arn`
    EcsClusterArn = "ecs-cluster-arn", 7, Text;
    /// `ecs-cluster-name`
    EcsClusterName = "ecs-cluster-name", 7, Text;
    /// `ecs-container-instance-arn`
    EcsContainerInstanceArn = "ecs-container-instance-arn", 7, Text;
    /// `ecs-container-instance-id`
    EcsContainerInstanceId = "ecs-container-instance-id", 7, Text;
    /// `ecs-container-id`
    EcsContainerId = "ecs-container-id", 7, Text;
    /// `ecs-second-container-id`
    EcsSecondContainerId = "ecs-second-container-id", 7, Text;
    /// `ecs-service-name`
    EcsServiceName = "ecs-service-name", 7, Text;
    /// `ecs-task-definition-arn`
    EcsTaskDefinitionArn = "ecs-task-definition-arn", 7, Text;
    /// `ecs-task-arn`
    EcsTaskArn = "ecs-task-arn", 7, Text;
    /// `ecs-task-id`
    EcsTaskId = "ecs-task-id", 7, Text;
    /// `reject-reason`
    RejectReason = "reject-reason", 8, Text;
    /// `resource-type` (transit gateway)
    ResourceType = "resource-type", 6, Text;
    /// `tgw-id` (transit gateway)
    TgwId = "tgw-id", 6, Text;
    /// `tgw-attachment-id` (transit gateway)
    TgwAttachmentId = "tgw-attachment-id", 6, Text;
    /// `tgw-src-vpc-account-id` (transit gateway)
    TgwSrcVpcAccountId = "tgw-src-vpc-account-id", 6, Text;
    /// `tgw-dst-vpc-account-id` (transit gateway)
    TgwDstVpcAccountId = "tgw-dst-vpc-account-id", 6, Text;
    /// `tgw-src-vpc-id` (transit gateway)
    TgwSrcVpcId = "tgw-src-vpc-id", 6, Text;
    /// `tgw-dst-vpc-id` (transit gateway)
    TgwDstVpcId = "tgw-dst-vpc-id", 6, Text;
    /// `tgw-src-subnet-id` (transit gateway)
    TgwSrcSubnetId = "tgw-src-subnet-id", 6, Text;
    /// `tgw-dst-subnet-id` (transit gateway)
    TgwDstSubnetId = "tgw-dst-subnet-id", 6, Text;
    /// `tgw-src-eni` (transit gateway)
    TgwSrcEni = "tgw-src-eni", 6, Text;
    /// `tgw-dst-eni` (transit gateway)
    TgwDstEni = "tgw-dst-eni", 6, Text;
    /// `tgw-src-az-id` (transit gateway)
    TgwSrcAzId = "tgw-src-az-id", 6, Text;
    /// `tgw-dst-az-id` (transit gateway)
    TgwDstAzId = "tgw-dst-az-id", 6, Text;
    /// `tgw-pair-attachment-id` (transit gateway)
    TgwPairAttachmentId = "tgw-pair-attachment-id", 6, Text;
    /// `packets-lost-no-route` (transit gateway)
    PacketsLostNoRoute = "packets-lost-no-route", 6, U64;
    /// `packets-lost-blackhole` (transit gateway)
    PacketsLostBlackhole = "packets-lost-blackhole", 6, U64;
    /// `packets-lost-mtu-exceeded` (transit gateway)
    PacketsLostMtuExceeded = "packets-lost-mtu-exceeded", 6, U64;
    /// `packets-lost-ttl-expired` (transit gateway)
    PacketsLostTtlExpired = "packets-lost-ttl-expired", 6, U64;
}

/// What one column of a format holds: a known field, or an unknown name kept as opaque text
/// (its index into [`super::Format::unknown_names`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// A field from the catalogue.
    Known(Field),
    /// A field name vpcscope does not know; the value is kept as text.
    Unknown(u16),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for (i, f) in Field::ALL.iter().enumerate() {
            assert_eq!(Field::from_name(f.name().as_bytes()), Some(*f));
            assert!(Field::ALL[..i].iter().all(|g| g.name() != f.name()), "{} twice", f.name());
        }
        assert_eq!(Field::from_name(b"no-such-field"), None);
    }

    #[test]
    fn versions_match_aws_semantics() {
        assert_eq!(Field::LogStatus.version(), 2);
        assert_eq!(Field::PktSrcAddr.version(), 3);
        assert_eq!(Field::SublocationId.version(), 4);
        assert_eq!(Field::FlowDirection.version(), 5);
        assert_eq!(Field::EcsTaskId.version(), 7);
        assert_eq!(Field::RejectReason.version(), 8);
    }
}
