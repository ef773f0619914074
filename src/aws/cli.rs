//! The AWS CLI spelling of a typed change (`eval::Change`): the command a user would run to
//! make it. vpcscope never runs these (it is read-only).

use crate::eval::{Change, ChangeL4, Cidr, Direction, Peer, RouteTo};
use crate::model::Protocol;

/// The protocol as the CLI's `--protocol` takes it: a number, `-1` for every protocol.
pub fn protocol_number(p: Protocol) -> String {
    match p.number() {
        None => "-1".into(),
        Some(n) => n.to_string(),
    }
}

/// The protocol as security group commands take it: a name where AWS has one, `-1` for
/// every protocol.
pub fn protocol_name(p: Protocol) -> String {
    match p {
        Protocol::Tcp => "tcp".into(),
        Protocol::Udp => "udp".into(),
        Protocol::Icmp => "icmp".into(),
        Protocol::Icmpv6 => "icmpv6".into(),
        p => protocol_number(p),
    }
}

fn cidr_flag(c: &Cidr, v4: &'static str, v6: &'static str) -> &'static str {
    let is_v6 = match c {
        Cidr::Net(n) => n.addr().is_ipv6(),
        Cidr::Open { v6 } => *v6,
    };
    if is_v6 {
        v6
    } else {
        v4
    }
}

/// The command that makes change `c`.
pub fn command(c: &Change) -> Option<String> {
    Some(match c {
        Change::AddAclEntry { acl, direction, number, protocol, l4, cidr, .. } => {
            let port_arg = match l4 {
                ChangeL4::Ports(r) => format!(" --port-range From={},To={}", r.from, r.to),
                ChangeL4::Icmp { icmp_type, .. } => format!(" --icmp-type-code Type={icmp_type},Code=-1"),
                ChangeL4::None => String::new(),
            };
            let egress = if *direction == Direction::Egress { " --egress" } else { " --ingress" };
            let flag = cidr_flag(cidr, "--cidr-block", "--ipv6-cidr-block");
            format!(
                "aws ec2 create-network-acl-entry --network-acl-id {acl}{egress} --rule-number {} --protocol {}{port_arg} {flag} {cidr} --rule-action allow",
                number.0,
                protocol_number(*protocol)
            )
        }
        Change::AddSecurityGroupRule { group, direction, protocol, l4, peer } => {
            let proto = protocol_name(*protocol);
            if *direction == Direction::Egress {
                // The CLI's shorthand flags exist for ingress only; egress takes --ip-permissions.
                let (from, to) = match l4 {
                    ChangeL4::Ports(r) => (r.from as i32, r.to as i32),
                    _ => (-1, -1),
                };
                let peer = match peer {
                    Peer::Group(g) => format!("UserIdGroupPairs=[{{GroupId={g}}}]"),
                    Peer::Cidr(c) => format!("IpRanges=[{{CidrIp={c}}}]"),
                };
                format!("aws ec2 authorize-security-group-egress --group-id {group} --ip-permissions IpProtocol={proto},FromPort={from},ToPort={to},{peer}")
            } else {
                let port_arg = match l4 {
                    ChangeL4::Ports(r) => format!(" --port {}", r.from),
                    ChangeL4::Icmp { icmp_type, .. } => format!(" --port {icmp_type}"),
                    ChangeL4::None => String::new(),
                };
                let peer_arg = match peer {
                    Peer::Group(g) => format!("--source-group {g}"),
                    Peer::Cidr(c) => format!("--cidr {c}"),
                };
                format!("aws ec2 authorize-security-group-ingress --group-id {group} --protocol {proto}{port_arg} {peer_arg}")
            }
        }
        Change::AddRoute { table, cidr, target } => {
            let flag = if cidr.addr().is_ipv6() { "--destination-ipv6-cidr-block" } else { "--destination-cidr-block" };
            let arg = match target {
                RouteTo::Peering(id) => format!("--vpc-peering-connection-id {id}"),
                RouteTo::TransitGateway(id) => format!("--transit-gateway-id {id}"),
                RouteTo::InternetGateway(id) => format!("--gateway-id {id}"),
            };
            format!("aws ec2 create-route --route-table-id {table} {flag} {cidr} {arg}")
        }
        Change::ReplaceBlackholeRoute { table, prefix, .. } => {
            format!("aws ec2 replace-route --route-table-id {table} --destination-cidr-block {prefix} --<target-type> <target-id>")
        }
        Change::RouteTowardDestination { table, prefix, transit: true } => format!(
            "aws ec2 replace-transit-gateway-route --transit-gateway-route-table-id {table} --destination-cidr-block {prefix} --transit-gateway-attachment-id <attachment-of-the-destination>"
        ),
        Change::RouteTowardDestination { table, prefix, transit: false } => {
            format!("aws ec2 replace-route --route-table-id {table} --destination-cidr-block {prefix} --<target-type> <target-toward-the-destination>")
        }
        Change::AttachInternetGateway { vpc } => format!("aws ec2 attach-internet-gateway --vpc-id {vpc} --internet-gateway-id <igw-id>"),
        Change::AssociateAddress { eni, .. } => format!("aws ec2 associate-address --network-interface-id {eni} --allocation-id <eipalloc-id>"),
        Change::AcceptPeering { pcx, .. } => format!("aws ec2 accept-vpc-peering-connection --vpc-peering-connection-id {pcx}"),
        Change::AddAttachmentSubnet { attachment, az, .. } => {
            format!("aws ec2 modify-transit-gateway-vpc-attachment --transit-gateway-attachment-id {attachment} --add-subnet-ids <subnet-in-{az}>")
        }
        Change::AddVpnRoute { vpn, .. } => format!("aws ec2 create-vpn-connection-route --vpn-connection-id {vpn} --destination-cidr-block <on-premises-cidr>"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_protocol_is_minus_one_on_the_aws_cli() {
        assert_eq!(protocol_number(Protocol::Any), "-1");
        assert_eq!(protocol_name(Protocol::Any), "-1");
    }

    #[test]
    fn protocols_are_numbers_or_lower_case_names_on_the_aws_cli() {
        assert_eq!(protocol_number(Protocol::Tcp), "6");
        assert_eq!(protocol_number(Protocol::Other(47)), "47");
        assert_eq!(protocol_name(Protocol::Icmpv6), "icmpv6");
        assert_eq!(protocol_name(Protocol::Other(47)), "47");
    }
}
