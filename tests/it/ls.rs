//! `vpcscope ls`: what a snapshot holds, and that every interface it lists can be passed to
//! `reach` as it is listed.

use crate::util::{sample, vpcscope};
use serde_json::Value;

fn ls(args: &[&str]) -> crate::util::Run {
    let mut all = vec!["ls", "--quiet", "--snapshot"];
    all.extend_from_slice(args);
    vpcscope(all)
}

#[test]
fn lists_every_section_with_names_owners_and_addresses() {
    let shop = sample("snapshots/shop");
    let r = ls(&[shop.to_str().unwrap(), "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = r.json();
    let rows = j["rows"].as_array().unwrap();
    assert_eq!(j["count"].as_u64(), Some(rows.len() as u64));
    let count = |s: &str| rows.iter().filter(|r| r["section"] == s).count();
    assert_eq!((count("vpcs"), count("subnets"), count("interfaces"), count("security-groups"), count("network-acls"), count("route-tables"), count("gateways")), (1, 4, 6, 6, 2, 3, 3));
    let db = rows.iter().find(|r| r["id"] == "eni-0a1b2c3d4e5f600d1").unwrap();
    assert_eq!(db["kind"], "rds");
    assert_eq!(db["name"], "orders-db");
    assert!(db["details"].as_array().unwrap().iter().any(|d| d == "db=orders-db"));
    let web = rows.iter().find(|r| r["name"] == "web-1").unwrap();
    assert_eq!(web["addresses"], serde_json::json!(["10.0.0.20", "54.210.20.40 (public)"]));
}

#[test]
fn every_listed_interface_name_is_accepted_by_reach() {
    let hybrid = sample("snapshots/hybrid");
    let h = hybrid.to_str().unwrap();
    let j = ls(&[h, "interfaces", "--format", "json"]).json();
    let names: Vec<String> = j["rows"].as_array().unwrap().iter().filter_map(|r| r["name"].as_str().map(str::to_string)).collect();
    assert_eq!(names.len(), 5);
    for n in &names {
        let r = vpcscope(["reach", "--quiet", "--snapshot", h, "--from", n, "--to", "internet", "--port", "443", "--format", "json"]);
        assert_ne!(r.code, 2, "{n}: {}", r.stderr);
    }
}

#[test]
fn filter_sections_and_formats() {
    let hybrid = sample("snapshots/hybrid");
    let h = hybrid.to_str().unwrap();
    // Short section names, a case-insensitive filter over every column.
    let j = ls(&[h, "gw", "--filter", "VPN", "--format", "json"]).json();
    let kinds: Vec<&str> = j["rows"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"vpn-gateway") && kinds.contains(&"vpn-connection"), "{kinds:?}");
    assert!(j["rows"].as_array().unwrap().iter().all(|r| r["section"] == "gateways"));
    let tunnels: Vec<&Value> = j["rows"].as_array().unwrap().iter().filter(|r| r["kind"] == "vpn-connection").collect();
    assert!(tunnels.iter().any(|r| r["details"].as_array().unwrap().iter().any(|d| d == "tunnels-up=1/2")), "{tunnels:?}");
    // Nothing matches: exit 1, said on stderr.
    let none = vpcscope(["ls", "--snapshot", h, "--filter", "no-such-thing"]);
    assert_eq!(none.code, 1);
    assert!(none.stderr.contains("nothing in the snapshot matches `no-such-thing`"), "{}", none.stderr);
    // CSV by the --output extension: a header and one line per component.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("subnets.csv");
    let r = ls(&[h, "subnets", "--output", out.to_str().unwrap()]);
    assert_eq!(r.code, 0);
    let csv = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "section,id,kind,name,vpc,place,addresses,details");
    assert_eq!(lines.len(), 1 + 9);
    assert!(lines.iter().any(|l| l.starts_with("subnets,subnet-0b7b000000000001,subnet,corp-public-a,vpc-0b7a0000000000001,us-east-1a,10.10.0.0/24 2600:1f18:4a00:100::/64,")), "{csv}");
    // A bad section is an error naming it.
    let bad = vpcscope(["ls", "--snapshot", h, "routers"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("unknown section `routers`"), "{}", bad.stderr);
}
