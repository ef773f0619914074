//! Rules and what they refer to: security groups (permissions split into one rule per
//! peer), network ACLs (with AWS's non-removable `*` entries made explicit) and prefix lists.

use super::{Raw, Warnings, dedup, net, port, tags};
use crate::aws::shapes as aws;
use crate::model::*;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::collections::BTreeMap;

fn parse_protocol(s: Option<&str>) -> Protocol {
    match s.map(str::trim) {
        None | Some("-1") | Some("all") => Protocol::Any,
        Some(p) => Protocol::parse(p).unwrap_or(Protocol::Any),
    }
}

fn icmp_part(v: Option<i64>) -> Option<u8> {
    v.and_then(|p| u8::try_from(p).ok())
}

/// Layer-4 match of an SG permission: ports for TCP/UDP, type/code in From/ToPort for ICMP.
fn sg_l4(protocol: Protocol, from: Option<i64>, to: Option<i64>) -> L4Match {
    match protocol {
        Protocol::Tcp | Protocol::Udp => match (port(from), port(to)) {
            (Some(f), Some(t)) if f <= t => L4Match::Ports(PortRange { from: f, to: t }),
            _ => L4Match::Ports(PortRange::ALL),
        },
        Protocol::Icmp | Protocol::Icmpv6 => {
            let t = icmp_part(from);
            L4Match::Icmp(IcmpMatch { icmp_type: t, code: t.and(icmp_part(to)) })
        }
        _ => L4Match::Any,
    }
}

fn sg_rules(perms: &[aws::IpPermission], sg: &str, warnings: &mut Warnings) -> Vec<SgRule> {
    let mut out = Vec::new();
    for p in perms {
        let protocol = parse_protocol(p.ip_protocol.as_deref());
        let l4 = sg_l4(protocol, p.from_port, p.to_port);
        let mut push = |peer: SgPeer, description: &Option<String>| {
            out.push(SgRule { protocol, l4, peer, description: description.clone() });
        };
        for r in &p.ip_ranges {
            match r.cidr_ip.as_deref().and_then(net) {
                Some(n) => push(SgPeer::Cidr(n), &r.description),
                None => warnings.push(format!("{sg}: unparseable CidrIp {:?} ignored", r.cidr_ip)),
            }
        }
        for r in &p.ipv6_ranges {
            match r.cidr_ipv6.as_deref().and_then(net) {
                Some(n) => push(SgPeer::Cidr(n), &r.description),
                None => warnings.push(format!("{sg}: unparseable CidrIpv6 {:?} ignored", r.cidr_ipv6)),
            }
        }
        for r in &p.prefix_list_ids {
            push(SgPeer::PrefixList(PrefixListId(r.prefix_list_id.clone())), &r.description);
        }
        for r in &p.user_id_group_pairs {
            if let Some(g) = &r.group_id {
                push(SgPeer::Group(SgId(g.clone())), &r.description);
            }
        }
    }
    out
}

fn nacl_entry(e: &aws::NaclEntry) -> Option<(bool, NaclEntry)> {
    let protocol = parse_protocol(e.protocol.as_deref());
    let l4 = match protocol {
        Protocol::Tcp | Protocol::Udp => match &e.port_range {
            Some(r) => match (port(r.from), port(r.to)) {
                (Some(f), Some(t)) if f <= t => L4Match::Ports(PortRange { from: f, to: t }),
                _ => L4Match::Ports(PortRange::ALL),
            },
            None => L4Match::Ports(PortRange::ALL),
        },
        Protocol::Icmp | Protocol::Icmpv6 => match &e.icmp_type_code {
            Some(tc) => {
                let t = icmp_part(tc.r#type);
                L4Match::Icmp(IcmpMatch { icmp_type: t, code: t.and(icmp_part(tc.code)) })
            }
            None => L4Match::Icmp(IcmpMatch::ANY),
        },
        _ => L4Match::Any,
    };
    let cidr = e.cidr_block.as_deref().or(e.ipv6_cidr_block.as_deref()).and_then(net)?;
    let action = match e.rule_action.as_deref() {
        Some(a) if a.eq_ignore_ascii_case("allow") => RuleAction::Allow,
        _ => RuleAction::Deny,
    };
    let number = u16::try_from(e.rule_number.clamp(0, 32768)).map_or(RuleNumber::DEFAULT, RuleNumber);
    Some((e.egress, NaclEntry { number, protocol, l4, cidr, action }))
}

/// Adds the non-removable `*` deny entries when a snapshot omits them (moto does): AWS
/// always evaluates them last.
fn ensure_default_deny(entries: &mut Vec<NaclEntry>, has_v6: bool) {
    let any4: IpNet = IpNet::V4(Ipv4Net::default());
    let any6: IpNet = IpNet::V6(Ipv6Net::default());
    let default = |number: RuleNumber, cidr: IpNet| NaclEntry {
        number,
        protocol: Protocol::Any,
        l4: L4Match::Any,
        cidr,
        action: RuleAction::Deny,
    };
    if !entries.iter().any(|e| e.number.is_default() && e.cidr == any4) {
        entries.push(default(RuleNumber::DEFAULT, any4));
    }
    if has_v6 && !entries.iter().any(|e| e.number.is_default() && e.cidr == any6) {
        entries.push(default(RuleNumber::DEFAULT_IPV6, any6));
    }
    entries.sort_by_key(|e| e.number);
}

/// Prefix lists, AWS-managed and customer-managed, with their entries (from
/// `PrefixLists`, `ManagedPrefixLists` and `PrefixListEntries`/`Entries`).
pub(super) fn prefix_lists(raw: &mut Raw, m: &mut Model, _w: &mut Warnings) {
    let mut pls: BTreeMap<String, PrefixList> = BTreeMap::new();
    for p in std::mem::take(&mut raw.prefix_lists) {
        let e = pls.entry(p.prefix_list_id.clone()).or_insert_with(|| PrefixList {
            id: PrefixListId(p.prefix_list_id.clone()),
            name: p.prefix_list_name.clone().unwrap_or_default(),
            cidrs: vec![],
        });
        for c in p.cidrs.iter().filter_map(|c| net(c)) {
            if !e.cidrs.contains(&c) {
                e.cidrs.push(c);
            }
        }
    }
    for p in std::mem::take(&mut raw.managed_pls) {
        pls.entry(p.prefix_list_id.clone()).or_insert_with(|| PrefixList {
            id: PrefixListId(p.prefix_list_id.clone()),
            name: p.prefix_list_name.clone().unwrap_or_default(),
            cidrs: vec![],
        });
    }
    for set in std::mem::take(&mut raw.pl_entries) {
        let Some(id) = set.prefix_list_id else { continue };
        let e = pls
            .entry(id.clone())
            .or_insert_with(|| PrefixList { id: PrefixListId(id.clone()), name: String::new(), cidrs: vec![] });
        for c in set.entries.iter().filter_map(|c| c.cidr.as_deref().and_then(net)) {
            if !e.cidrs.contains(&c) {
                e.cidrs.push(c);
            }
        }
    }
    m.prefix_lists = pls.into_values().collect();
}

/// Security groups.
pub(super) fn security_groups(raw: &mut Raw, m: &mut Model, w: &mut Warnings) {
    for g in dedup(std::mem::take(&mut raw.sgs), |g| g.group_id.clone()) {
        let ingress = sg_rules(&g.ip_permissions, &g.group_id, w);
        let egress = sg_rules(&g.ip_permissions_egress, &g.group_id, w);
        m.security_groups.push(SecurityGroup {
            id: SgId(g.group_id),
            vpc: g.vpc_id.map(VpcId),
            name: g.group_name,
            description: g.description,
            owner: g.owner_id,
            ingress,
            egress,
            tags: tags(&g.tags),
        });
    }
}

/// Network ACLs; an entry without a usable CIDR is a warning.
pub(super) fn network_acls(raw: &mut Raw, m: &mut Model, w: &mut Warnings) {
    for a in dedup(std::mem::take(&mut raw.nacls), |a| a.network_acl_id.clone()) {
        let mut ingress = Vec::new();
        let mut egress = Vec::new();
        for e in &a.entries {
            match nacl_entry(e) {
                Some((true, entry)) => egress.push(entry),
                Some((false, entry)) => ingress.push(entry),
                None => w.push(format!("{}: entry {} has no usable CIDR; ignored", a.network_acl_id, e.rule_number)),
            }
        }
        let has_v6 = m.vpcs.iter().any(|v| v.id.0 == a.vpc_id && v.cidrs.iter().any(|c| matches!(c, IpNet::V6(_))));
        ensure_default_deny(&mut ingress, has_v6);
        ensure_default_deny(&mut egress, has_v6);
        m.network_acls.push(NetworkAcl {
            id: NaclId(a.network_acl_id),
            vpc: VpcId(a.vpc_id),
            is_default: a.is_default,
            subnets: a.associations.iter().filter_map(|x| x.subnet_id.clone()).map(SubnetId).collect(),
            ingress,
            egress,
            tags: tags(&a.tags),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use super::super::convert_with;
    use serde_json::json;

    #[test]
    fn sg_permission_with_several_peers_becomes_one_rule_per_peer() {
        let (m, w) = convert_with(json!({"SecurityGroups": [{"GroupId": "sg-1", "GroupName": "web", "Description": "",
            "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "192.168.0.0/16"}],
                "PrefixListIds": [{"PrefixListId": "pl-1"}], "UserIdGroupPairs": [{"GroupId": "sg-2"}]}],
            "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}), &[security_groups]);
        let g = &m.security_groups[0];
        let rules: Vec<String> = g.ingress.iter().map(ToString::to_string).collect();
        assert_eq!(rules, ["TCP 443 10.0.0.0/8", "TCP 443 192.168.0.0/16", "TCP 443 pl-1", "TCP 443 sg-2"]);
        assert_eq!(g.egress[0].protocol, Protocol::Any);
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn sg_rule_with_an_unparseable_cidr_is_a_warning_not_a_rule() {
        let (m, w) = convert_with(json!({"SecurityGroups": [{"GroupId": "sg-1", "GroupName": "x", "Description": "",
            "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/99"}]}]}]}), &[security_groups]);
        assert!(m.security_groups[0].ingress.is_empty());
        assert_eq!(w, ["sg-1: unparseable CidrIp Some(\"10.0.0.0/99\") ignored"]);
    }

    #[test]
    fn sg_icmp_rule_reads_type_and_code_from_the_port_fields() {
        assert_eq!(sg_l4(Protocol::Icmp, Some(3), Some(4)), L4Match::Icmp(IcmpMatch { icmp_type: Some(3), code: Some(4) }));
        assert_eq!(sg_l4(Protocol::Icmp, Some(-1), Some(-1)), L4Match::Icmp(IcmpMatch::ANY));
        assert_eq!(sg_l4(Protocol::Tcp, Some(100), Some(10)), L4Match::Ports(PortRange::ALL));
        assert_eq!(parse_protocol(Some("-1")), Protocol::Any);
        assert_eq!(parse_protocol(Some("6")), Protocol::Tcp);
    }

    #[test]
    fn nacl_rule_numbers_beyond_the_default_are_the_default_rule() {
        let e: aws::NaclEntry = serde_json::from_value(json!({"RuleNumber": 40000, "Protocol": "-1", "RuleAction": "deny", "CidrBlock": "0.0.0.0/0"})).unwrap();
        let (egress, entry) = nacl_entry(&e).unwrap();
        assert!(!egress);
        assert!(entry.number.is_default());
    }

    #[test]
    fn nacl_entry_without_a_cidr_is_a_warning() {
        let (m, w) = convert_with(json!({"NetworkAcls": [{"NetworkAclId": "acl-1", "VpcId": "vpc-1",
            "Entries": [{"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": true}]}]}), &[network_acls]);
        assert_eq!(m.network_acls[0].egress.len(), 1, "only the default rule");
        assert_eq!(w, ["acl-1: entry 100 has no usable CIDR; ignored"]);
    }

    #[test]
    fn nacl_of_an_ipv6_vpc_gets_the_ipv6_default_rule_too() {
        let (m, _) = convert_with(json!({"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16",
            "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2600:1f18::/56"}]}],
            "NetworkAcls": [{"NetworkAclId": "acl-1", "VpcId": "vpc-1", "Entries": []}]}), &[super::super::vpcs::vpcs, network_acls]);
        let numbers: Vec<RuleNumber> = m.network_acls[0].ingress.iter().map(|e| e.number).collect();
        assert_eq!(numbers, [RuleNumber::DEFAULT, RuleNumber::DEFAULT_IPV6]);
    }

    #[test]
    fn prefix_list_entries_from_three_documents_merge_into_one_list() {
        let (m, _) = convert_with(json!({"PrefixLists": [{"PrefixListId": "pl-1", "PrefixListName": "com.amazonaws.us-east-1.s3", "Cidrs": ["52.216.0.0/15"]}],
            "ManagedPrefixLists": [{"PrefixListId": "pl-1"}, {"PrefixListId": "pl-2", "PrefixListName": "office"}],
            "PrefixListEntries": [{"PrefixListId": "pl-2", "Entries": [{"Cidr": "203.0.113.0/24"}, {"Cidr": "bad"}]}]}), &[prefix_lists]);
        assert_eq!(m.prefix_lists.len(), 2);
        assert_eq!(m.prefix_lists[0].name, "com.amazonaws.us-east-1.s3");
        assert_eq!(m.prefix_lists[1].cidrs.len(), 1);
    }

    #[test]
    fn nacl_default_rule_is_added_when_missing_and_sorted_last() {
        let (m, _) = convert_with(json!({"NetworkAcls": [{"NetworkAclId": "acl-1", "VpcId": "vpc-1",
            "Entries": [{"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": false,
                         "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 22, "To": 22}}]}]}), &[network_acls]);
        let a = &m.network_acls[0];
        assert_eq!(a.ingress.len(), 2);
        assert_eq!(a.ingress[1].to_string(), "* ALL ALL 0.0.0.0/0 DENY");
        assert_eq!(a.ingress[0].to_string(), "100 TCP 22 0.0.0.0/0 ALLOW");
        assert_eq!(a.egress[0].to_string(), "* ALL ALL 0.0.0.0/0 DENY");
    }
}
