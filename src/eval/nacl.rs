//! Network ACL evaluation: entries in ascending rule number, per direction, the first match
//! decides, the `*` rule denies whatever nothing else matched. Stateless: a reply is a new
//! packet evaluated against the rules of its own direction.

use super::{Direction, Packet};
use crate::model::{L4Match, NaclEntry, NetworkAcl};
use std::net::IpAddr;

/// Whether `entry` matches `packet` whose remote address (source inbound, destination
/// outbound) is `remote`.
pub fn entry_matches(entry: &NaclEntry, packet: &Packet, remote: IpAddr) -> bool {
    if !entry.cidr.contains(&remote) {
        return false;
    }
    if !entry.protocol.covers(packet.protocol) {
        return false;
    }
    match entry.l4 {
        L4Match::Any => true,
        L4Match::Ports(r) => packet.protocol.has_ports() && r.contains(packet.dst_port),
        L4Match::Icmp(m) => packet.protocol.is_icmp() && m.matches(packet.icmp_type, packet.icmp_code),
    }
}

/// The entry that decides `packet` (the first match). `None` only when the ACL has no
/// matching entry at all, which the loader prevents by always adding the `*` rules; callers
/// treat it as a deny.
pub fn evaluate<'a>(acl: &'a NetworkAcl, dir: Direction, packet: &Packet) -> Option<&'a NaclEntry> {
    let (entries, remote) = match dir {
        Direction::Ingress => (&acl.ingress, packet.src),
        Direction::Egress => (&acl.egress, packet.dst),
    };
    // Entries are kept sorted by rule number; IPv4 and IPv6 entries share the order, and a
    // CIDR of the other family never matches.
    entries.iter().find(|e| entry_matches(e, packet, remote))
}

/// The destination ports in `lo..=hi` that the ACL denies for `packet` (the same packet with
/// each of those ports), merged into ranges, with the entry that denies the first of them.
/// The ports are cut at every entry's port bounds and one port per piece is evaluated, so
/// the answer is exact for all 65,536 ports at the cost of a few evaluations.
pub fn denied_ports<'a>(acl: &'a NetworkAcl, dir: Direction, packet: &Packet, lo: u16, hi: u16) -> (Vec<(u16, u16)>, Option<&'a NaclEntry>) {
    let entries = match dir {
        Direction::Ingress => &acl.ingress,
        Direction::Egress => &acl.egress,
    };
    let mut cuts: Vec<u32> = vec![lo as u32, hi as u32 + 1];
    for e in entries {
        if let L4Match::Ports(r) = e.l4 {
            for c in [r.from as u32, r.to as u32 + 1] {
                if c > lo as u32 && c <= hi as u32 {
                    cuts.push(c);
                }
            }
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut denied: Vec<(u16, u16)> = Vec::new();
    let mut first = None;
    for w in cuts.windows(2) {
        let (from, to) = (w[0] as u16, (w[1] - 1) as u16);
        let mut q = *packet;
        q.dst_port = from;
        let entry = evaluate(acl, dir, &q);
        if entry.is_some_and(|e| e.action == crate::model::RuleAction::Allow) {
            continue;
        }
        if first.is_none() {
            first = entry;
        }
        match denied.last_mut() {
            Some(last) if last.1 as u32 + 1 == from as u32 => last.1 = to,
            _ => denied.push((from, to)),
        }
    }
    (denied, first)
}

/// A free rule number that would be evaluated before `before` (a rule that denied), for
/// suggesting a fix: the highest unused multiple of 10 below it, else any unused number.
/// For the default rule, the next multiple of 10 after the highest rule in use.
pub fn free_rule_number(entries: &[NaclEntry], before: crate::model::RuleNumber) -> Option<u16> {
    let used = |n: u16| entries.iter().any(|e| e.number.0 == n);
    if before.is_default() {
        let max = entries.iter().filter(|e| !e.number.is_default()).map(|e| e.number.0).max().unwrap_or(0);
        let next = if max == 0 { 100 } else { (max / 10 + 1) * 10 };
        if next <= 32766 {
            return Some(next);
        }
        return (1..=32766).rev().find(|&n| !used(n));
    }
    let limit = before.0;
    (1..limit).rev().filter(|n| n % 10 == 0).find(|&n| !used(n)).or_else(|| (1..limit).rev().find(|&n| !used(n)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    fn acl(ingress: Vec<NaclEntry>, egress: Vec<NaclEntry>) -> NetworkAcl {
        NetworkAcl { id: NaclId("acl-1".into()), vpc: VpcId("vpc-1".into()), is_default: false, subnets: vec![], ingress, egress, tags: Tags::default() }
    }

    fn e(n: u16, proto: Protocol, ports: Option<(u16, u16)>, cidr: &str, action: RuleAction) -> NaclEntry {
        NaclEntry {
            number: RuleNumber(n),
            protocol: proto,
            l4: ports.map(|(f, t)| L4Match::Ports(PortRange { from: f, to: t })).unwrap_or(L4Match::Any),
            cidr: cidr.parse().unwrap(),
            action,
        }
    }

    fn deny_all() -> NaclEntry {
        e(32767, Protocol::Any, None, "0.0.0.0/0", RuleAction::Deny)
    }

    fn tcp(src: &str, dst: &str, dport: u16) -> Packet {
        Packet::new(src.parse().unwrap(), dst.parse().unwrap(), Protocol::Tcp, 49152, dport)
    }

    #[test]
    fn nacl_first_match_in_rule_number_order_decides() {
        let a = acl(
            vec![
                e(100, Protocol::Tcp, Some((22, 22)), "10.0.0.0/8", RuleAction::Deny),
                e(110, Protocol::Tcp, Some((22, 22)), "0.0.0.0/0", RuleAction::Allow),
                deny_all(),
            ],
            vec![deny_all()],
        );
        let hit = evaluate(&a, Direction::Ingress, &tcp("10.1.2.3", "172.31.0.5", 22)).unwrap();
        assert_eq!(hit.to_string(), "100 TCP 22 10.0.0.0/8 DENY");
        let hit = evaluate(&a, Direction::Ingress, &tcp("8.8.8.8", "172.31.0.5", 22)).unwrap();
        assert_eq!(hit.to_string(), "110 TCP 22 0.0.0.0/0 ALLOW");
    }

    #[test]
    fn nacl_default_rule_denies_what_nothing_else_matched_and_prints_as_star() {
        let a = acl(vec![e(100, Protocol::Tcp, Some((443, 443)), "0.0.0.0/0", RuleAction::Allow), deny_all()], vec![deny_all()]);
        let hit = evaluate(&a, Direction::Ingress, &tcp("8.8.8.8", "172.31.0.5", 80)).unwrap();
        assert_eq!(hit.to_string(), "* ALL ALL 0.0.0.0/0 DENY");
    }

    #[test]
    fn nacl_outbound_rules_match_the_destination_address() {
        let a = acl(vec![deny_all()], vec![e(100, Protocol::Tcp, Some((1024, 65535)), "10.0.1.0/24", RuleAction::Allow), deny_all()]);
        let reply = tcp("10.0.2.9", "10.0.1.5", 49152);
        assert_eq!(evaluate(&a, Direction::Egress, &reply).unwrap().action, RuleAction::Allow);
        let reply = tcp("10.0.2.9", "10.0.3.5", 49152);
        assert_eq!(evaluate(&a, Direction::Egress, &reply).unwrap().action, RuleAction::Deny);
    }

    #[test]
    fn nacl_icmp_rule_matches_type_and_code() {
        let mut a = acl(vec![], vec![]);
        a.ingress = vec![
            NaclEntry {
                number: RuleNumber(100),
                protocol: Protocol::Icmp,
                l4: L4Match::Icmp(IcmpMatch { icmp_type: Some(8), code: None }),
                cidr: "0.0.0.0/0".parse().unwrap(),
                action: RuleAction::Allow,
            },
            deny_all(),
        ];
        let mut ping = Packet::new("8.8.8.8".parse().unwrap(), "10.0.0.1".parse().unwrap(), Protocol::Icmp, 0, 0);
        ping.icmp_type = 8;
        assert_eq!(evaluate(&a, Direction::Ingress, &ping).unwrap().number, RuleNumber(100));
        ping.icmp_type = 0;
        assert!(evaluate(&a, Direction::Ingress, &ping).unwrap().number.is_default());
    }

    #[test]
    fn nacl_port_rule_does_not_match_a_protocol_without_ports() {
        let a = acl(vec![e(100, Protocol::Any, None, "0.0.0.0/0", RuleAction::Allow)], vec![]);
        let mut gre = tcp("1.1.1.1", "10.0.0.1", 0);
        gre.protocol = Protocol::Other(47);
        assert_eq!(evaluate(&a, Direction::Ingress, &gre).unwrap().number, RuleNumber(100));
        let a = acl(vec![e(100, Protocol::Tcp, Some((0, 65535)), "0.0.0.0/0", RuleAction::Allow), deny_all()], vec![]);
        assert!(evaluate(&a, Direction::Ingress, &gre).unwrap().number.is_default());
    }

    #[test]
    fn nacl_ipv4_rule_never_matches_ipv6_packet() {
        let a = acl(
            vec![e(100, Protocol::Any, None, "0.0.0.0/0", RuleAction::Allow), e(32768, Protocol::Any, None, "::/0", RuleAction::Deny)],
            vec![],
        );
        let p = tcp("2001:db8::1", "2001:db8::2", 80);
        assert_eq!(evaluate(&a, Direction::Ingress, &p).unwrap().to_string(), "* ALL ALL ::/0 DENY");
    }

    #[test]
    fn free_rule_number_precedes_the_denying_rule() {
        let entries = vec![e(100, Protocol::Any, None, "0.0.0.0/0", RuleAction::Allow), e(120, Protocol::Any, None, "0.0.0.0/0", RuleAction::Deny), deny_all()];
        assert_eq!(free_rule_number(&entries, RuleNumber(120)), Some(110));
        assert_eq!(free_rule_number(&entries, RuleNumber::DEFAULT), Some(130));
        let tight = vec![e(10, Protocol::Any, None, "0.0.0.0/0", RuleAction::Allow), e(11, Protocol::Any, None, "0.0.0.0/0", RuleAction::Deny)];
        assert_eq!(free_rule_number(&tight, RuleNumber(11)), Some(9));
    }

    mod prop {
        use super::*;
        use proptest::prelude::*;

        /// The reference: sort by rule number, walk until the first entry whose every field
        /// matches, written as plainly as possible.
        fn naive(entries: &[NaclEntry], p: &Packet, remote: std::net::IpAddr) -> RuleAction {
            let mut sorted: Vec<&NaclEntry> = entries.iter().collect();
            sorted.sort_by_key(|e| e.number);
            for e in sorted {
                let proto_ok = e.protocol == Protocol::Any || e.protocol == p.protocol;
                let l4_ok = match e.l4 {
                    L4Match::Any => true,
                    L4Match::Ports(r) => (p.protocol == Protocol::Tcp || p.protocol == Protocol::Udp) && r.from <= p.dst_port && p.dst_port <= r.to,
                    L4Match::Icmp(_) => false,
                };
                if e.cidr.contains(&remote) && proto_ok && l4_ok {
                    return e.action;
                }
            }
            RuleAction::Deny
        }

        fn entry() -> impl Strategy<Value = NaclEntry> {
            (1u16..200, 0u8..3, 0u16..1000, 0u16..1000, 0u8..4, 0u32..4, 8u8..33, any::<bool>()).prop_map(|(n, proto, a, b, o2, o3, len, allow)| {
                let protocol = [Protocol::Any, Protocol::Tcp, Protocol::Udp][proto as usize];
                let l4 = if protocol == Protocol::Any { L4Match::Any } else { L4Match::Ports(PortRange { from: a.min(b), to: a.max(b) }) };
                let cidr: ipnet::IpNet = ipnet::Ipv4Net::new(std::net::Ipv4Addr::new(10, o2, o3 as u8, 0), len).unwrap().trunc().into();
                NaclEntry { number: RuleNumber(n), protocol, l4, cidr, action: if allow { RuleAction::Allow } else { RuleAction::Deny } }
            })
        }

        proptest! {
            #[test]
            fn nacl_evaluation_equals_naive_reference(mut entries in proptest::collection::vec(entry(), 0..12), o2 in 0u8..4, o3 in 0u8..4, o4 in any::<u8>(), port in 0u16..1000, tcp in any::<bool>()) {
                // Rule numbers are unique per direction in AWS.
                entries.sort_by_key(|e| e.number);
                entries.dedup_by_key(|e| e.number);
                let remote = std::net::IpAddr::V4(std::net::Ipv4Addr::new(10, o2, o3, o4));
                let mut p = tcp_packet(remote, port);
                if !tcp { p.protocol = Protocol::Udp; }
                let mut ingress = entries.clone();
                ingress.push(deny_all());
                let a = acl(ingress, vec![]);
                let got = evaluate(&a, Direction::Ingress, &p).map(|e| e.action).unwrap_or(RuleAction::Deny);
                prop_assert_eq!(got, naive(&entries, &p, remote));
            }
        }

        fn tcp_packet(src: std::net::IpAddr, port: u16) -> Packet {
            Packet::new(src, "10.9.9.9".parse().unwrap(), Protocol::Tcp, 40000, port)
        }
    }
}
