//! What the snapshot lacks: whole document classes every path needs, and references to
//! components it does not hold. Both become warnings.

use super::{Raw, Warnings};
use crate::model::*;
use std::collections::{HashMap, HashSet};

/// A whole class missing is not an empty class: answers that need it are unknown.
pub(super) fn missing_classes(raw: &mut Raw, m: &mut Model, w: &mut Warnings) {
    let absent = [
        ("NetworkAcls", raw.nacls.is_empty(), "a network ACL", "describe-network-acls", true),
        ("SecurityGroups", raw.sgs.is_empty(), "a security group", "describe-security-groups", true),
        ("RouteTables", raw.route_tables.is_empty(), "a route table", "describe-route-tables", false),
    ];
    if !raw.vpcs.is_empty() {
        for (key, missing, what, call, assumable) in absent {
            if missing {
                m.missing_classes.push(key.to_string());
                let assume = if assumable { ", or pass --assume-missing allow|deny to decide on an assumption" } else { "" };
                w.push(format!("the snapshot has no {key} document: every answer that depends on {what} is `unknown` (capture `aws ec2 {call}` output{assume})"));
            }
        }
    }
}

/// Dangling references become warnings, once each.
pub(super) fn check_references(m: &Model, w: &mut Warnings) {
    let sgs: HashSet<&str> = m.security_groups.iter().map(|g| g.id.as_str()).collect();
    let pls: HashSet<&str> = m.prefix_lists.iter().map(|p| p.id.as_str()).collect();
    let subnets: HashMap<&str, &Subnet> = m.subnets.iter().map(|s| (s.id.as_str(), s)).collect();
    for e in &m.enis {
        for g in &e.security_groups {
            if !sgs.contains(g.as_str()) {
                w.push(format!("{}: security group {g} is not in the snapshot (treated as admitting nothing)", e.id));
            }
        }
    }
    for g in &m.security_groups {
        for r in g.ingress.iter().chain(&g.egress) {
            match &r.peer {
                SgPeer::Group(x) if !sgs.contains(x.as_str()) => {
                    w.push(format!("{}: rule references security group {x}, which is not in the snapshot (matches no address)", g.id))
                }
                SgPeer::PrefixList(p) if !pls.contains(p.as_str()) => {
                    w.push(format!("{}: rule references prefix list {p}, which is not in the snapshot (matches no address)", g.id))
                }
                _ => {}
            }
        }
    }
    for a in &m.network_acls {
        for s in &a.subnets {
            if !subnets.contains_key(s.as_str()) {
                w.push(format!("{}: associated subnet {s} is not in the snapshot", a.id));
            }
        }
    }
    for t in &m.route_tables {
        for r in &t.routes {
            if let RouteDest::PrefixList(p) = &r.dest {
                if !pls.contains(p.as_str()) {
                    w.push(format!("{}: route destination prefix list {p} is not in the snapshot (the route matches nothing)", t.id));
                }
            }
        }
    }
    if m.vpcs.is_empty() {
        w.push("the snapshot defines no VPCs");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use super::super::convert_with;
    use serde_json::json;

    #[test]
    fn a_missing_document_class_is_a_warning_only_when_there_are_vpcs() {
        let (m, w) = convert_with(json!({"Vpcs": [{"VpcId": "vpc-1"}], "SecurityGroups": [{"GroupId": "sg-1", "GroupName": "x", "Description": ""}]}), &[missing_classes]);
        assert_eq!(m.missing_classes, ["NetworkAcls", "RouteTables"]);
        assert_eq!(w.len(), 2, "{w:?}");
        let (m, w) = convert_with(json!({"SecurityGroups": []}), &[missing_classes]);
        assert!(m.missing_classes.is_empty() && w.is_empty());
    }

    #[test]
    fn dangling_references_are_warnings() {
        let (m, _) = convert_with(json!({"SecurityGroups": [{"GroupId": "sg-1", "GroupName": "x", "Description": "",
            "IpPermissions": [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-gone"}], "PrefixListIds": [{"PrefixListId": "pl-gone"}]}]}],
            "NetworkAcls": [{"NetworkAclId": "acl-1", "VpcId": "vpc-1", "Associations": [{"SubnetId": "subnet-gone"}]}]}),
            &[super::super::rules::security_groups, super::super::rules::network_acls]);
        let mut w = Warnings::default();
        check_references(&m, &mut w);
        let all: Vec<&str> = w.iter().collect();
        assert_eq!(all, [
            "sg-1: rule references prefix list pl-gone, which is not in the snapshot (matches no address)",
            "sg-1: rule references security group sg-gone, which is not in the snapshot (matches no address)",
            "acl-1: associated subnet subnet-gone is not in the snapshot",
            "the snapshot defines no VPCs",
        ]);
    }
}
