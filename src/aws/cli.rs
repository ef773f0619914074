//! How the AWS CLI spells model values in the `aws ec2 ...` commands that fixes suggest:
//! protocol `-1` for every protocol, names or numbers otherwise.

use crate::model::Protocol;

/// `--protocol` of `create-network-acl-entry` and `IpProtocol` as a number: `-1` for every
/// protocol, else the IP protocol number (`6`).
pub fn protocol_number(p: Protocol) -> String {
    match p.number() {
        None => "-1".into(),
        Some(n) => n.to_string(),
    }
}

/// `IpProtocol` of `--ip-permissions` by name: `-1` for every protocol, `tcp`, `udp`,
/// `icmp`, `icmpv6`, else the number.
pub fn protocol_name(p: Protocol) -> String {
    match p {
        Protocol::Any => "-1".into(),
        Protocol::Tcp => "tcp".into(),
        Protocol::Udp => "udp".into(),
        Protocol::Icmp => "icmp".into(),
        Protocol::Icmpv6 => "icmpv6".into(),
        Protocol::Other(n) => n.to_string(),
    }
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
