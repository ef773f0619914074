//! `vpcscope diff` (issue 7): paths opened and closed by a Terraform plan or between two
//! snapshots, each attributed to the configuration change that caused it.

use crate::util::{self, vpcscope};
use serde_json::Value;

const SHOP: &str = "samples/snapshots/shop";

fn diff_plan(plan: &str) -> Value {
    let r = vpcscope(["diff", "--before", SHOP, "--plan", &format!("tests/data/plans/{plan}"), "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.json()
}

fn find<'a>(list: &'a Value, from: &str, to: &str, port: u16) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|d| d["from"]["id"] == from && d["to"]["id"] == to && d["port"] == port)
        .unwrap_or_else(|| panic!("no {from} -> {to} {port} in {list:#}"))
}

#[test]
fn plan_adding_a_security_group_rule_opens_paths_with_their_cause() {
    let j = diff_plan("open-db-sg-rule.json");
    assert_eq!(j["closed"], serde_json::json!([]));
    let d = find(&j["opened"], "internet", "eni-0a1b2c3d4e5f600b1", 3306);
    assert_eq!(d["protocol"], "tcp");
    assert_eq!(d["any_address"], true);
    assert_eq!(d["cause"]["id"], "sg-0a1b2c3d4e5f60005");
    assert_eq!(d["cause"]["change"], "rule-added");
    assert_eq!(d["cause"]["description"], "ingress rule added: TCP 3306 0.0.0.0/0");
    find(&j["opened"], "eni-0a1b2c3d4e5f600a1", "eni-0a1b2c3d4e5f600b1", 3306);
    assert_eq!(j["changes"].as_array().unwrap().len(), 1);
    assert!(j["opened"].as_array().unwrap().iter().all(|d| d["port"] == 3306));
}

#[test]
fn plan_deleting_a_route_closes_outbound_paths() {
    let j = diff_plan("delete-nat-route.json");
    assert_eq!(j["opened"], serde_json::json!([]));
    let d = find(&j["closed"], "eni-0a1b2c3d4e5f600a1", "internet", 443);
    assert_eq!(d["cause"]["id"], "rtb-0a1b2c3d4e5f60003");
    assert_eq!(d["cause"]["change"], "route-removed");
    assert_eq!(d["cause"]["description"], "route removed: 0.0.0.0/0 -> nat-0a1b2c3d4e5f60001");
    // Traffic to S3 still takes the gateway endpoint: its ranges are not closed.
    let ranges: Vec<ipnet::IpNet> = d["ranges"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().parse().unwrap()).collect();
    let closed = |ip: &str| ranges.iter().any(|r| r.contains(&ip.parse::<std::net::IpAddr>().unwrap()));
    assert!(closed("8.8.8.8") && closed("1.0.0.1"), "{ranges:?}");
    for s3 in ["3.5.0.1", "52.216.1.1", "54.231.0.1"] {
        assert!(!closed(s3), "{s3} (the S3 prefix list) still takes the gateway endpoint: {ranges:?}");
    }
    // Nothing outside the private subnets changes.
    assert!(j["closed"].as_array().unwrap().iter().all(|d| d["from"]["id"] != "eni-0a1b2c3d4e5f600w1"), "{j:#}");
}

#[test]
fn nacl_change_that_breaks_the_return_path_is_reported_as_closed_paths() {
    let j = diff_plan("nacl-breaks-return.json");
    assert_eq!(j["opened"], serde_json::json!([]));
    // HTTPS to web-1: the request passes, the reply to the client's ephemeral port is
    // denied by the new outbound rules.
    let d = find(&j["closed"], "internet", "eni-0a1b2c3d4e5f600w1", 443);
    assert_eq!(d["cause"]["id"], "acl-0a1b2c3d4e5f60001");
    let at = d["at"].as_str().unwrap();
    assert!(at.contains("acl-0a1b2c3d4e5f60001") && at.contains("return path"), "{at}");
    // The change list names both rule edits.
    let changes: Vec<&str> = j["changes"].as_array().unwrap().iter().map(|c| c["change"].as_str().unwrap()).collect();
    assert_eq!(changes, ["rule-changed", "rule-added"]);
    // The aws_default_network_acl no-op is not reported as ignored.
    assert_eq!(j["warnings"], serde_json::json!([]));
}

#[test]
fn diff_between_two_snapshot_directories() {
    let dir = tempfile::tempdir().unwrap();
    let after = dir.path().join("shop");
    std::fs::create_dir_all(after.join("us-east-1")).unwrap();
    for e in std::fs::read_dir(util::sample("snapshots/shop/us-east-1")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, after.join("us-east-1").join(p.file_name().unwrap())).unwrap();
    }
    // Same edit as the NACL plan: the default ACL's outbound rule 100 now covers the VPC only.
    let acls = after.join("us-east-1/NetworkAcls.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&acls).unwrap()).unwrap();
    v["NetworkAcls"][0]["Entries"][1]["CidrBlock"] = "10.0.0.0/16".into();
    std::fs::write(&acls, serde_json::to_string(&v).unwrap()).unwrap();
    let r = vpcscope(["diff".as_ref(), "--before".as_ref(), SHOP.as_ref(), "--after".as_ref(), after.as_os_str(), "--format".as_ref(), "json".as_ref()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = r.json();
    let d = find(&j["closed"], "internet", "eni-0a1b2c3d4e5f600w1", 443);
    assert_eq!(d["cause"]["description"], "outbound rule changed: 100 ALL ALL 0.0.0.0/0 ALLOW -> 100 ALL ALL 10.0.0.0/16 ALLOW");
}

#[test]
fn unknown_values_are_resolved_through_references_or_reported() {
    let j = diff_plan("new-sg-unknown-ids.json");
    let warnings: Vec<&str> = j["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    assert!(warnings.iter().any(|w| w.contains("aws_vpc_security_group_ingress_rule.reports_https[0]") && w.contains("assumed 0.0.0.0/0")), "{warnings:?}");
    let c = &j["changes"][0];
    assert_eq!(c["id"], "tf:aws_security_group.reports");
    assert_eq!(c["change"], "added");
    // The rule found its group through the configuration's references: no "unknown
    // security group" warning.
    assert!(!warnings.iter().any(|w| w.contains("security group is unknown")), "{warnings:?}");
}

#[test]
fn markdown_is_a_pull_request_comment_and_ports_can_be_chosen() {
    let r = vpcscope(["diff", "--before", SHOP, "--plan", "tests/data/plans/open-db-sg-rule.json", "--format", "markdown"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("### vpcscope: reachability changes"), "{}", r.stdout);
    assert!(r.stdout.contains("| internet | eni-0a1b2c3d4e5f600b1 \\(analytics-db\\) | tcp 3306 | any internet address |"), "{}", r.stdout);
    let j = vpcscope(["diff", "--before", SHOP, "--plan", "tests/data/plans/open-db-sg-rule.json", "--ports", "443,tcp/5432", "--format", "json"]).json();
    assert_eq!(j["opened"], serde_json::json!([]));
    assert_eq!(j["ports"], serde_json::json!([["tcp", 443], ["tcp", 5432]]));
    let bad = vpcscope(["diff", "--before", SHOP, "--plan", "tests/data/plans/missing.json"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("missing.json"), "{}", bad.stderr);
}

#[test]
fn plan_moving_associations_adding_a_route_and_an_acl_rule() {
    let j = diff_plan("move-db-subnet.json");
    let changes: Vec<(String, String)> = j["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c["description"].as_str().unwrap().to_string()))
        .collect();
    let has = |id: &str, d: &str| changes.iter().any(|(i, x)| i == id && x == d);
    assert!(has("subnet-0a1b2c3d4e5f60003", "route table association moved: rtb-0a1b2c3d4e5f60003 -> rtb-0a1b2c3d4e5f60002"), "{changes:?}");
    assert!(has("subnet-0a1b2c3d4e5f60003", "network ACL association moved: acl-0a1b2c3d4e5f60002 -> acl-0a1b2c3d4e5f60001"), "{changes:?}");
    assert!(has("rtb-0a1b2c3d4e5f60003", "route added: 198.51.100.0/24 -> nat-0a1b2c3d4e5f60001"), "{changes:?}");
    assert!(has("acl-0a1b2c3d4e5f60002", "outbound rule added: 110 TCP 1024-65535 10.0.1.0/24 ALLOW"), "{changes:?}");
    // The ACL rule fixes the stateless-ACL incident of the shop sample.
    let d = find(&j["opened"], "eni-0a1b2c3d4e5f600a1", "eni-0a1b2c3d4e5f600d1", 5432);
    let cause = &d["cause"];
    assert!(cause["id"] == "subnet-0a1b2c3d4e5f60003" || cause["id"] == "acl-0a1b2c3d4e5f60002", "{d:#}");
}

/// The terminal report groups paths by the change that caused them, then by pair, with the
/// ports of a pair collapsed on one line.
#[test]
fn text_report_groups_by_change_and_collapses_ports() {
    let r = vpcscope(["diff", "--before", SHOP, "--plan", "tests/data/plans/nacl-breaks-return.json"]);
    let out = &r.stdout;
    let causes = out.lines().filter(|l| l.starts_with("  by acl-0a1b2c3d4e5f60001: outbound rule changed")).count();
    assert_eq!(causes, 1, "{out}");
    assert!(out.lines().any(|l| l.trim_start() == "eni-0a1b2c3d4e5f600a1 (app-1) -> internet tcp 22, 80, 3306, 5432, 8080 (to any internet address)"), "{out}");
    let pairs = out.lines().filter(|l| l.starts_with("    ") && l.contains(" -> ")).count();
    assert_eq!(pairs, 7, "{out}");
    assert!(out.contains("0 flows opened, 25 flows closed (180 flows evaluated)"), "{out}");
}
