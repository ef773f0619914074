//! On-premises networks (VPN, Direct Connect), transit-gateway zones, IPv6 to the internet and
//! paths through things the model cannot evaluate: the `hybrid` sample and Batfish's hybrid
//! snapshots. Every answer is `reachable` only through components the model evaluated;
//! what the snapshot cannot decide is `unknown` (exit 1), naming what is missing.

use crate::util::{sample, shared_fixtures, vpcscope, Run};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn hybrid() -> PathBuf {
    sample("snapshots/hybrid")
}

fn reach(snapshot: &Path, from: &str, to: &str, port: &str) -> Run {
    vpcscope(["reach", "--quiet", "--snapshot", snapshot.to_str().unwrap(), "--from", from, "--to", to, "--port", port, "--format", "json"])
}

/// `(exit code, verdict, blocked_by.code)`.
fn answer(r: &Run) -> (i32, String, String) {
    let j = r.json();
    assert_eq!(j["reachable"].as_bool(), Some(j["verdict"] == "reachable"), "`reachable` is true exactly for the reachable verdict");
    (r.code, j["verdict"].as_str().unwrap_or("").to_string(), j["blocked_by"]["code"].as_str().unwrap_or("").to_string())
}

fn kinds(j: &Value, leg: &str) -> Vec<String> {
    j[leg]["hops"].as_array().map(|h| h.iter().map(|h| format!("{}:{}", h["kind"].as_str().unwrap(), h["id"].as_str().unwrap())).collect()).unwrap_or_default()
}

#[test]
fn vpn_source_enters_through_the_vgw_without_a_public_address() {
    let r = reach(&hybrid(), "10.200.1.5", "app-db", "5432");
    assert_eq!(answer(&r), (0, "reachable".into(), "".into()), "{}", r.stdout);
    let j = r.json();
    let fwd = kinds(&j, "forward");
    assert_eq!(fwd[..2], ["on-premises:onprem".to_string(), "vpn-gateway:vgw-0b7d000000000001".to_string()], "{fwd:?}");
    assert!(kinds(&j, "return").contains(&"vpn-gateway:vgw-0b7d000000000001".to_string()));
    assert!(!fwd.iter().any(|k| k.starts_with("internet")), "an on-premises source is not the internet: {fwd:?}");
}

#[test]
fn direct_connect_source_enters_through_the_transit_gateway() {
    let r = reach(&hybrid(), "172.16.5.5", "app-db", "5432");
    assert_eq!(answer(&r), (0, "reachable".into(), "".into()), "{}", r.stdout);
    assert!(kinds(&r.json(), "forward").contains(&"transit-gateway-attachment:tgw-attach-0b7a00000005".to_string()));
}

#[test]
fn tgw_routes_learned_by_bgp_and_missing_from_the_snapshot_are_unknown() {
    let r = reach(&hybrid(), "192.168.10.5", "app-1", "443");
    assert_eq!(answer(&r), (1, "unknown".into(), "TGW_ROUTES_NOT_IN_SNAPSHOT".into()), "{}", r.stdout);
    let j = r.json();
    assert_eq!(j["forward"]["disposition"], "insufficient-info");
    assert!(j["blocked_by"]["explanation"].as_str().unwrap().contains("vpn-0b7f000000000002"), "names the VPN whose routes are missing");
    // The text says so and what would decide it.
    let t = vpcscope(["reach", "--quiet", "--snapshot", hybrid().to_str().unwrap(), "--from", "192.168.10.5", "--to", "app-1", "--port", "443"]);
    assert_eq!(t.code, 1);
    assert!(t.stdout.contains("Result: UNKNOWN"), "{}", t.stdout);
    assert!(t.stdout.contains("works if on premises advertises 192.168.10.5"), "{}", t.stdout);
}

#[test]
fn tgw_route_to_a_vpn_attachment_never_reaches_the_other_vpc() {
    let r = reach(&hybrid(), "app-1", "reports-1", "443");
    assert_eq!(answer(&r), (1, "not-reachable".into(), "ROUTED_OUT_OF_NETWORK".into()), "{}", r.stdout);
    let j = r.json();
    assert_eq!(j["forward"]["disposition"], "exits-network");
    assert_eq!(j["return"], Value::Null, "no reply is injected for a request that never arrived");
    assert_eq!(j["blocked_by"]["id"], "tgw-attach-0b7a00000004");
    assert_eq!(j["fix"]["action"], "replace-transit-gateway-route");
}

#[test]
fn egress_through_an_unmodelled_firewall_endpoint_is_unknown() {
    for to in ["internet", "8.8.8.8"] {
        let r = reach(&hybrid(), "app-1", to, "443");
        assert_eq!(answer(&r), (1, "unknown".into(), "APPLIANCE_NOT_MODELLED".into()), "{to}: {}", r.stdout);
    }
    let j = reach(&hybrid(), "app-1", "internet", "443").json();
    assert_eq!(j["internet_ranges"], json!([]));
    assert!(!j["unknown_ranges"].as_array().unwrap().is_empty());
}

#[test]
fn onprem_end_sweeps_only_addresses_behind_on_premises_gateways() {
    let j = reach(&hybrid(), "onprem", "app-db", "5432").json();
    assert_eq!(j["verdict"], "reachable");
    assert_eq!(j["onprem_ranges"], json!(["10.200.0.0/16", "172.16.0.0/12"]));
    assert_eq!(j["unknown_ranges"], json!(["192.168.0.0/16"]));
    assert_eq!(j["internet_ranges"], Value::Null);
    // Behind one gateway, or one VPN connection on it.
    for via in ["vgw-0b7d000000000001", "vpn-0b7f000000000001"] {
        let j = reach(&hybrid(), via, "app-db", "5432").json();
        assert_eq!(j["onprem_ranges"], json!(["10.200.0.0/16"]), "{via}");
    }
    let j = reach(&hybrid(), "tgw-attach-0b7a00000005", "app-db", "5432").json();
    assert_eq!(j["onprem_ranges"], json!(["172.16.0.0/12"]));
    // A VPC attachment is not an on-premises end.
    let r = reach(&hybrid(), "tgw-attach-0b7a00000001", "app-db", "5432");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not an on-premises network"), "{}", r.stderr);
}

#[test]
fn ipv6_exposure_needs_no_public_ipv4_and_audit_reports_it() {
    let r = reach(&hybrid(), "internet", "bastion-v6", "22");
    assert_eq!(answer(&r), (0, "reachable".into(), "".into()), "{}", r.stdout);
    let j = r.json();
    assert_eq!(j["internet_any_ipv6"], true);
    assert_eq!(j["internet_any_ipv4"], false);
    assert!(j["internet_ranges"].as_array().unwrap().iter().all(|c| c.as_str().unwrap().contains(':')));
    let a = vpcscope(["audit", "--quiet", "--snapshot", hybrid().to_str().unwrap(), "--format", "json"]);
    let a = a.json();
    let f = a["findings"].as_array().unwrap().iter().find(|f| f["kind"] == "exposed-admin-port").expect("the IPv6 SSH exposure");
    assert_eq!(f["severity"], "high");
    assert_eq!(f["resource"]["interface"], "eni-0b7e000000000001");
    assert_eq!(f["sources"], json!(["::/0"]));
    assert!(!a["findings"].as_array().unwrap().iter().any(|f| f["kind"] == "latent-exposure" && f["resource"]["interface"] == "eni-0b7e000000000001"));
}

/// A copy of the hybrid sample whose internet gateway has an edge-associated route table that
/// steers the bastion's IPv6 subnet to an appliance (ingress routing).
fn hybrid_with_ingress_appliance(dir: &Path) -> PathBuf {
    let edge = |v: &mut Value| {
        v["RouteTables"].as_array_mut().unwrap().push(json!({"RouteTableId": "rtb-0b7c0000000000ff", "VpcId": "vpc-0b7a0000000000001",
            "Associations": [{"RouteTableAssociationId": "rtbassoc-0b70000ff", "GatewayId": "igw-0b7c000000000001", "Main": false, "AssociationState": {"State": "associated"}}],
            "Routes": [{"DestinationIpv6CidrBlock": "2600:1f18:4a00:100::/64", "NetworkInterfaceId": "eni-0b7e000000000002", "Origin": "CreateRoute", "State": "active"}]}));
    };
    // An appliance forwards: its source/destination check is off, and its group (the
    // bastion's) admits SSH from anywhere.
    let appliance = |v: &mut Value| {
        for e in v["NetworkInterfaces"].as_array_mut().unwrap() {
            if e["NetworkInterfaceId"] == "eni-0b7e000000000002" {
                e["SourceDestCheck"] = json!(false);
                e["Groups"] = json!([{"GroupId": "sg-0b75000000000001"}]);
            }
        }
    };
    crate::util::sample_copy("hybrid", dir, &[], &[("RouteTables", &edge), ("NetworkInterfaces", &appliance)])
}

#[test]
fn audit_reports_exposure_through_an_appliance_as_undecided() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = hybrid_with_ingress_appliance(tmp.path());
    // The appliance interface is followed (its subnet's ACL, its groups) and the walk goes on
    // to the bastion; what the appliance's software does is what the snapshot cannot say.
    let r = reach(&snap, "internet", "bastion-v6", "22");
    assert_eq!(answer(&r), (1, "unknown".into(), "APPLIANCE_NOT_MODELLED".into()), "{}", r.stdout);
    let a = vpcscope(["audit", "--quiet", "--snapshot", snap.to_str().unwrap(), "--format", "json"]).json();
    let f = a["findings"].as_array().unwrap().iter().find(|f| f["resource"]["interface"] == "eni-0b7e000000000001").expect("a finding for the bastion");
    assert_eq!(f["kind"], "undecided-exposure", "{f:#}");
    assert_eq!(f["closed_by"]["code"], "APPLIANCE_NOT_MODELLED");
    // With the check on (as the sample has it) the interface drops what it is not addressed by.
    let tmp = tempfile::tempdir().unwrap();
    let edge_only = |v: &mut Value| {
        v["RouteTables"].as_array_mut().unwrap().push(json!({"RouteTableId": "rtb-0b7c0000000000ff", "VpcId": "vpc-0b7a0000000000001",
            "Associations": [{"GatewayId": "igw-0b7c000000000001", "Main": false, "AssociationState": {"State": "associated"}}],
            "Routes": [{"DestinationIpv6CidrBlock": "2600:1f18:4a00:100::/64", "NetworkInterfaceId": "eni-0b7e000000000002", "State": "active"}]}));
    };
    let snap = crate::util::sample_copy("hybrid", tmp.path(), &[], &[("RouteTables", &edge_only)]);
    let r = reach(&snap, "internet", "bastion-v6", "22");
    assert_eq!(answer(&r), (1, "not-reachable".into(), "SOURCE_DEST_CHECK_RESTRICTION".into()), "{}", r.stdout);
    // An edge route to an endpoint the snapshot does not hold stops there, undecided.
    let tmp = tempfile::tempdir().unwrap();
    let edge = |v: &mut Value| {
        v["RouteTables"].as_array_mut().unwrap().push(json!({"RouteTableId": "rtb-0b7c0000000000fe", "VpcId": "vpc-0b7a0000000000001",
            "Associations": [{"GatewayId": "igw-0b7c000000000001", "Main": false, "AssociationState": {"State": "associated"}}],
            "Routes": [{"DestinationIpv6CidrBlock": "2600:1f18:4a00:100::/64", "GatewayId": "vpce-0b7c0000000000fe", "State": "active"}]}));
    };
    let snap = crate::util::sample_copy("hybrid", tmp.path(), &[], &[("RouteTables", &edge)]);
    let r = reach(&snap, "internet", "bastion-v6", "22");
    assert_eq!(answer(&r), (1, "unknown".into(), "INGRESS_ROUTING_TO_APPLIANCE".into()), "{}", r.stdout);
}

#[test]
fn check_reports_an_intent_it_cannot_decide_as_undecided() {
    let tmp = tempfile::tempdir().unwrap();
    let intents = tmp.path().join("egress.toml");
    std::fs::write(&intents, "[[intent]]\nname = \"app-reaches-internet\"\nkind = \"must-reach\"\nfrom = \"app-1\"\nto = \"internet\"\nprotocol = \"tcp\"\nports = [443]\n").unwrap();
    let r = vpcscope(["check", "--quiet", "--snapshot", hybrid().to_str().unwrap(), intents.to_str().unwrap(), "--format", "json"]);
    assert_eq!(r.code, 1, "an undecided intent is not a pass: {}", r.stdout);
    let j = r.json();
    assert_eq!(j["intents"][0]["status"], "undecided", "{j:#}");
    assert_eq!(j["undecided"], 1);
    assert_eq!(j["violated"], 0);
    assert_eq!(j["intents"][0]["undecided"][0]["blocked_by"]["code"], "APPLIANCE_NOT_MODELLED");
}

#[test]
fn unassigned_destination_is_walked_to_where_it_stops() {
    let r = reach(&hybrid(), "app-1", "10.10.2.99", "5432");
    assert_eq!(answer(&r), (1, "not-reachable".into(), "NO_DESTINATION_INTERFACE".into()), "{}", r.stdout);
    // As a source it is still an error: nothing sends from it.
    let r = reach(&hybrid(), "10.10.2.99", "app-db", "5432");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no interface in the snapshot has address 10.10.2.99"), "{}", r.stderr);
}

#[test]
fn batfish_hybrid_snapshots_answer_as_aws_documents() {
    let Some(fx) = shared_fixtures() else { return };
    let b = fx.join("batfish-aws");
    let cases: &[(&str, &str, &str, &str, (i32, &str, &str))] = &[
        // Both tunnels of the only VPN on the gateway are down: nothing gets through.
        ("test-vpn-gateway/aws_configs", "192.168.1.5", "eni-07c1506e49d784fe0", "22", (1, "not-reachable", "VPN_TUNNELS_DOWN")),
        ("test-vpn-gateway/aws_configs", "eni-07c1506e49d784fe0", "192.168.1.5", "22", (1, "not-reachable", "VPN_TUNNELS_DOWN")),
        // A private virtual interface on the VGW, available: on premises reaches in.
        ("test-direct-connect-private-vif/aws_configs", "192.168.1.5", "eni-priv01", "22", (0, "reachable", "")),
        // Two transit gateway route tables, each VPC's attachment propagating into the other's.
        ("test-transit-gateway-multi-table/aws_configs", "eni-0f0708220e812876c", "eni-0024c0af5aa1387e5", "22", (0, "reachable", "")),
        ("test-transit-gateway-multi-table/aws_configs", "eni-0024c0af5aa1387e5", "eni-0f0708220e812876c", "22", (0, "reachable", "")),
        // The DC host reaches 10.20.1.207 only if the VPN advertises 203.0.113.0/24 by BGP,
        // which the snapshot does not hold: unknown, never a confident "no".
        ("pybatfish-hybrid-cloud/aws_configs", "203.0.113.12", "10.20.1.207", "22", (1, "unknown", "TGW_ROUTES_NOT_IN_SNAPSHOT")),
    ];
    for (scenario, from, to, port, want) in cases {
        let r = reach(&b.join(scenario), from, to, port);
        assert_eq!(answer(&r), (want.0, want.1.to_string(), want.2.to_string()), "{scenario}: {from} -> {to}:{port}\n{}", r.stdout);
    }
}

/// A copy of the shop sample without the documents named.
fn shop_without(dir: &Path, drop: &[&str]) -> PathBuf {
    crate::util::sample_copy("shop", dir, drop, &[])
}

#[test]
fn a_missing_network_acl_document_makes_answers_unknown_unless_assumed() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = shop_without(tmp.path(), &["NetworkAcls"]);
    let s = snap.to_str().unwrap();
    // The warning is loud (no --quiet here) and names the missing document.
    let r = vpcscope(["reach", "--snapshot", s, "--from", "app-1", "--to", "orders-db", "--format", "json"]);
    assert!(r.stderr.contains("the snapshot has no NetworkAcls document"), "{}", r.stderr);
    assert_eq!(answer(&r), (1, "unknown".into(), "MISSING_NETWORK_ACL".into()), "{}", r.stdout);
    assert_eq!(r.json()["assumptions"], json!([]));
    // An explicit assumption decides, and the answer says what it assumed.
    let base = ["reach", "--quiet", "--snapshot", s, "--from", "app-1", "--to", "orders-db", "--format", "json", "--assume-missing"];
    let allow = vpcscope(base.iter().copied().chain(["allow"]));
    assert_eq!(answer(&allow), (0, "reachable".into(), "".into()), "{}", allow.stdout);
    let assumed = allow.json()["assumptions"].as_array().unwrap().clone();
    assert!(assumed.iter().any(|a| a.as_str().unwrap().contains("subnet-0a1b2c3d4e5f60003")), "{assumed:?}");
    let deny = vpcscope(base.iter().copied().chain(["deny"]));
    assert_eq!(answer(&deny), (1, "not-reachable".into(), "MISSING_NETWORK_ACL".into()), "{}", deny.stdout);
    // flows explain never blames a check the snapshot lacks: what a present security group
    // refuses for certain is still blamed on it (the ACL could only refuse more).
    let e = vpcscope(["flows", "explain", "--quiet", "--snapshot", s, "samples/flowlogs/shop", "--format", "json"]).json();
    let findings = e["findings"].as_array().unwrap();
    assert!(!findings.iter().any(|f| f["blocked_by"]["kind"] == "network-acl"), "{findings:#?}");
    assert!(findings.iter().filter(|f| f["kind"] == "drift").all(|f| f["blocked_by"]["kind"] == "security-group"), "{findings:#?}");
    assert!(e["undecided_checks"].as_u64().unwrap() > 0, "{e:#}");
}

#[test]
fn a_security_group_missing_from_the_snapshot_is_not_taken_for_a_deny() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = shop_without(tmp.path(), &["SecurityGroups"]);
    // A path that gets through every component the snapshot holds is unknown: the missing
    // groups decide it.
    let r = reach(&snap, "app-1", "web-1", "443");
    assert_eq!(answer(&r), (1, "unknown".into(), "MISSING_SECURITY_GROUP".into()), "{}", r.stdout);
    // One that a present component stops for certain is not reachable, whatever the missing
    // groups say (orders-db's subnet ACL refuses the reply).
    let r = reach(&snap, "app-1", "orders-db", "5432");
    assert_eq!(answer(&r), (1, "not-reachable".into(), "SUBNET_ACL_RESTRICTION".into()), "{}", r.stdout);
    let a = vpcscope(["reach", "--quiet", "--snapshot", snap.to_str().unwrap(), "--from", "app-1", "--to", "orders-db", "--format", "json", "--assume-missing", "deny"]);
    assert_eq!(answer(&a), (1, "not-reachable".into(), "ENI_SG_RULES_MISMATCH".into()), "{}", a.stdout);
}
