//! Rule values shared by security groups and network ACLs: protocols, port ranges, ICMP
//! type/code, peers, and their console-style rendering ("120 TCP 22 10.0.0.0/8 DENY").

use super::{PrefixListId, SgId};
use ipnet::IpNet;
use serde::Serialize;
use std::fmt;

/// An IP protocol. Unknown numbers stay representable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    /// Every protocol (AWS `"-1"`).
    Any,
    /// TCP (6).
    Tcp,
    /// UDP (17).
    Udp,
    /// ICMP (1).
    Icmp,
    /// ICMPv6 (58).
    Icmpv6,
    /// Any other protocol number.
    Other(u8),
}

impl Protocol {
    /// From an IP protocol number.
    pub fn from_number(n: u8) -> Protocol {
        match n {
            6 => Protocol::Tcp,
            17 => Protocol::Udp,
            1 => Protocol::Icmp,
            58 => Protocol::Icmpv6,
            n => Protocol::Other(n),
        }
    }

    /// The IP protocol number, `None` for `Any`.
    pub fn number(self) -> Option<u8> {
        match self {
            Protocol::Any => None,
            Protocol::Tcp => Some(6),
            Protocol::Udp => Some(17),
            Protocol::Icmp => Some(1),
            Protocol::Icmpv6 => Some(58),
            Protocol::Other(n) => Some(n),
        }
    }

    /// Whether the protocol has ports (TCP, UDP).
    pub fn has_ports(self) -> bool {
        matches!(self, Protocol::Tcp | Protocol::Udp)
    }

    /// Whether the protocol is ICMP or ICMPv6.
    pub fn is_icmp(self) -> bool {
        matches!(self, Protocol::Icmp | Protocol::Icmpv6)
    }

    /// Whether a rule for protocol `self` covers a packet of protocol `packet`.
    pub fn covers(self, packet: Protocol) -> bool {
        self == Protocol::Any || self == packet
    }

    /// Parses `tcp`, `udp`, `icmp`, `icmpv6`, `all`/`-1`, or a number.
    pub fn parse(s: &str) -> Option<Protocol> {
        match s.to_ascii_lowercase().as_str() {
            "tcp" => Some(Protocol::Tcp),
            "udp" => Some(Protocol::Udp),
            "icmp" => Some(Protocol::Icmp),
            "icmpv6" | "icmp6" => Some(Protocol::Icmpv6),
            "all" | "-1" | "any" => Some(Protocol::Any),
            other => other.parse::<u8>().ok().map(Protocol::from_number),
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Protocol::Any => f.write_str("ALL"),
            Protocol::Tcp => f.write_str("TCP"),
            Protocol::Udp => f.write_str("UDP"),
            Protocol::Icmp => f.write_str("ICMP"),
            Protocol::Icmpv6 => f.write_str("ICMPv6"),
            Protocol::Other(n) => write!(f, "{n}"),
        }
    }
}

impl Serialize for Protocol {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Protocol::Any => s.serialize_str("all"),
            Protocol::Tcp => s.serialize_str("tcp"),
            Protocol::Udp => s.serialize_str("udp"),
            Protocol::Icmp => s.serialize_str("icmp"),
            Protocol::Icmpv6 => s.serialize_str("icmpv6"),
            Protocol::Other(n) => s.serialize_str(&n.to_string()),
        }
    }
}

/// An inclusive port range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct PortRange {
    /// First port.
    pub from: u16,
    /// Last port (inclusive).
    pub to: u16,
}

impl PortRange {
    /// Every port.
    pub const ALL: PortRange = PortRange { from: 0, to: 65535 };
    /// The ephemeral range AWS advises for return traffic (NAT gateways, ELB, Lambda).
    pub const EPHEMERAL: PortRange = PortRange { from: 1024, to: 65535 };

    /// Whether `port` is in the range.
    pub fn contains(self, port: u16) -> bool {
        self.from <= port && port <= self.to
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from == 0 && self.to == 65535 {
            f.write_str("ALL")
        } else if self.from == self.to {
            write!(f, "{}", self.from)
        } else {
            write!(f, "{}-{}", self.from, self.to)
        }
    }
}

/// ICMP type and code (`None` = any).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct IcmpMatch {
    /// ICMP type, `None` for any.
    pub icmp_type: Option<u8>,
    /// ICMP code, `None` for any.
    pub code: Option<u8>,
}

impl IcmpMatch {
    /// Any type, any code.
    pub const ANY: IcmpMatch = IcmpMatch { icmp_type: None, code: None };

    /// Whether a packet of `icmp_type`/`code` matches.
    pub fn matches(self, icmp_type: u8, code: u8) -> bool {
        self.icmp_type.is_none_or(|t| t == icmp_type) && self.code.is_none_or(|c| c == code)
    }
}

impl fmt::Display for IcmpMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.icmp_type, self.code) {
            (None, _) => f.write_str("ALL"),
            (Some(t), None) => write!(f, "type {t}"),
            (Some(t), Some(c)) => write!(f, "type {t} code {c}"),
        }
    }
}

/// What part of a packet's layer-4 header a rule matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum L4Match {
    /// Every port or type (protocol `all`, or a protocol without ports).
    Any,
    /// A destination port range (TCP/UDP).
    Ports(PortRange),
    /// An ICMP type/code.
    Icmp(IcmpMatch),
}

impl fmt::Display for L4Match {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            L4Match::Any => f.write_str("ALL"),
            L4Match::Ports(p) => p.fmt(f),
            L4Match::Icmp(i) => i.fmt(f),
        }
    }
}

/// The other end a security group rule admits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type", content = "value")]
pub enum SgPeer {
    /// An IPv4 or IPv6 CIDR.
    Cidr(IpNet),
    /// A prefix list's entries.
    PrefixList(PrefixListId),
    /// The private addresses of the interfaces that carry this group.
    Group(SgId),
}

impl fmt::Display for SgPeer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SgPeer::Cidr(c) => c.fmt(f),
            SgPeer::PrefixList(p) => p.fmt(f),
            SgPeer::Group(g) => g.fmt(f),
        }
    }
}

/// One security group rule with a single peer (AWS's multi-peer permissions are split).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct SgRule {
    /// Protocol.
    pub protocol: Protocol,
    /// Ports or ICMP type/code.
    pub l4: L4Match,
    /// Source (ingress) or destination (egress).
    pub peer: SgPeer,
    /// The rule's description.
    pub description: Option<String>,
}

impl fmt::Display for SgRule {
    /// As the console lists it: protocol, port range, peer (`TCP 5432 sg-0abc`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.protocol, self.l4, self.peer)
    }
}

/// Allow or deny.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleAction {
    /// Allow.
    Allow,
    /// Deny.
    Deny,
}

/// A network ACL rule number; the default rule (`*`) sorts last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleNumber(pub u16);

impl RuleNumber {
    /// The default rule `*`, which denies what no numbered rule decides.
    pub const DEFAULT: RuleNumber = RuleNumber(32767);
    /// The default rule for IPv6 traffic, listed after [`RuleNumber::DEFAULT`].
    pub const DEFAULT_IPV6: RuleNumber = RuleNumber(32768);

    /// Whether this is the non-removable default rule, shown as `*`
    /// (AWS lists it as 32767 for IPv4 and 32768 for IPv6).
    pub fn is_default(self) -> bool {
        self >= RuleNumber::DEFAULT
    }
}

impl fmt::Display for RuleNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_default() {
            f.write_str("*")
        } else {
            write!(f, "{}", self.0)
        }
    }
}

impl Serialize for RuleNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.is_default() {
            s.serialize_str("*")
        } else {
            s.serialize_u16(self.0)
        }
    }
}

/// One network ACL entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct NaclEntry {
    /// Rule number (evaluation order).
    pub number: RuleNumber,
    /// Protocol.
    pub protocol: Protocol,
    /// Ports (TCP/UDP) or ICMP type/code.
    pub l4: L4Match,
    /// The remote CIDR (source for inbound, destination for outbound).
    pub cidr: IpNet,
    /// Allow or deny.
    pub action: RuleAction,
}

impl fmt::Display for NaclEntry {
    /// As the console lists it: `120 TCP 22 10.0.0.0/8 DENY`, `* ALL ALL 0.0.0.0/0 DENY`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let action = match self.action {
            RuleAction::Allow => "ALLOW",
            RuleAction::Deny => "DENY",
        };
        write!(f, "{} {} {} {} {}", self.number, self.protocol, self.l4, self.cidr, action)
    }
}
