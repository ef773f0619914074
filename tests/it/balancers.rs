//! Load balancers (`AWS-SEMANTICS.md` §5b) and inspection end to end: `reach` follows a
//! client through a listener to the targets, refuses ports without a listener, names load
//! balancers as endpoints; `audit` finds databases exposed through an internet-facing
//! listener; `flows explain` names the load balancer of a node-to-target leg; egress goes
//! through a Network Firewall whose policy decides. On the `web` sample and on Batfish's
//! `test-load-balancer` fixture.

use crate::util::{shared_fixtures, vpcscope, vpcscope_in};
use serde_json::Value;

const WEB: &str = "samples/snapshots/web";

fn reach(snapshot: &str, from: &str, to: &str, port: &str) -> (i32, Value) {
    let r = vpcscope(["reach", "--snapshot", snapshot, "--from", from, "--to", to, "--port", port, "--format", "json"]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    (r.code, r.json())
}

fn code(v: &Value) -> &str {
    v["blocked_by"]["code"].as_str().unwrap_or("")
}

#[test]
fn reach_follows_the_internet_through_an_alb_listener_to_each_target() {
    let (status, v) = reach(WEB, "internet", "shop-alb", "443");
    assert_eq!((status, v["verdict"].as_str()), (0, Some("reachable")), "{v:#}");
    let lb = &v["load_balancer"];
    assert_eq!((lb["name"].as_str(), lb["kind"].as_str(), lb["listener"]["port"].as_u64()), (Some("shop-alb"), Some("application"), Some(443)));
    let targets: Vec<(&str, &str, bool)> = lb["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["target"].as_str().unwrap(), t["verdict"].as_str().unwrap(), t["traced"].as_bool().unwrap()))
        .collect();
    // app-2 sits in a group the ALB's egress rule does not name: one target of two.
    assert_eq!(targets, [("i-0webapp1000000001", "reachable", true), ("i-0webapp2000000001", "not-reachable", false)]);
    // The trace shows both connections: the listener hop, then the node's own connection to
    // the target from the node's address; the reply is relayed.
    let hops = v["forward"]["hops"].as_array().unwrap();
    let listener = hops.iter().position(|h| h["kind"] == "load-balancer").expect("a load-balancer hop");
    assert!(hops[listener + 1..].iter().any(|h| h["id"] == "eni-0webapp100000001" && h["action"] == "deliver"));
    assert!(v["return"]["hops"].as_array().unwrap().iter().any(|h| h["kind"] == "load-balancer"));
}

#[test]
fn a_port_without_a_listener_is_refused() {
    // The NLB has no security group: every port reaches its node, and only its listeners'
    // ports go on.
    let (status, v) = reach(WEB, "internet", "partner-nlb", "5433");
    assert_eq!((status, v["verdict"].as_str(), code(&v)), (1, Some("not-reachable"), "ELB_LISTENERS_MISMATCH"), "{v:#}");
    // The ALB's security group refuses 8443 before any listener is asked.
    let (_, v) = reach(WEB, "internet", "shop-alb", "8443");
    assert_eq!(code(&v), "ENI_SG_RULES_MISMATCH");
    // The security group of the node admits 80; its listener redirects without a target.
    let (status, v) = reach(WEB, "internet", "shop-alb", "80");
    assert_eq!(status, 0, "{v:#}");
    assert_eq!(v["load_balancer"]["targets"].as_array().map(Vec::len), Some(0));
}

#[test]
fn nlb_with_client_ip_preservation_lets_through_only_the_clients_the_target_admits() {
    let (status, v) = reach(WEB, "internet", "partner-nlb", "2222");
    assert_eq!(status, 0);
    assert_eq!(v["internet_ranges"], serde_json::json!(["198.51.100.0/24"]), "the bastion admits the partner range only");
    assert_eq!(v["load_balancer"]["targets"][0]["client_ip_preserved"], true);
}

#[test]
fn audit_reports_a_database_exposed_through_an_internet_facing_nlb() {
    let r = vpcscope(["audit", "--snapshot", WEB, "--format", "json"]);
    let v = r.json();
    let findings = v["findings"].as_array().unwrap();
    let db = findings.iter().find(|f| f["kind"] == "exposed-database").expect("an exposed database");
    assert_eq!((db["severity"].as_str(), db["resource"]["id"].as_str(), db["port"].as_u64()), (Some("critical"), Some("orders-db"), Some(5432)));
    assert!(db["title"].as_str().unwrap().contains("through load balancer partner-nlb"));
    assert_eq!(db["fix"]["action"], "delete-listener");
    // The path in the finding goes through the load balancer to the database.
    let hops = db["path"]["forward"]["hops"].as_array().unwrap();
    assert!(hops.iter().any(|h| h["kind"] == "load-balancer") && hops.iter().any(|h| h["id"] == "eni-0webdb000000001"));
    let kinds: Vec<&str> = findings.iter().map(|f| f["kind"].as_str().unwrap()).collect();
    for k in ["exposed-admin-port", "health-check-blocked", "target-open-to-world"] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    assert!(r.code >= 1, "findings at or above the default --fail-on");
}

#[test]
fn flows_explain_names_the_load_balancer_of_a_node_to_target_leg() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("flows.log");
    // ALB node 10.40.0.10 to app-1 on 9090: no rule of app-1's group admits that port.
    std::fs::write(&log, "2 111122223333 eni-0webapp100000001 10.40.0.10 10.40.10.11 41000 9090 6 3 180 1733300000 1733300060 REJECT OK\n").unwrap();
    let root = crate::util::root();
    let r = vpcscope_in(&root, ["flows", "explain", "--snapshot", WEB, "--format", "json", log.to_str().unwrap()], None);
    let v = r.json();
    let f = &v["findings"][0];
    assert_eq!((f["kind"].as_str(), f["load_balancer"].as_str()), (Some("rejected"), Some("shop-alb")), "{v:#}");
    assert!(f["explanation"].as_str().unwrap().contains("load balancer shop-alb"));
}

#[test]
fn batfish_load_balancer_fixture_follows_the_nlb_listener_to_its_targets() {
    let Some(fx) = shared_fixtures() else { return };
    let snap = fx.join("batfish-aws/test-load-balancer/aws_configs");
    let s = snap.to_str().unwrap();
    // No listener on 81: refused (it was REACHABLE when the node was a plain interface).
    let (status, v) = reach(s, "i-0c8ce8bbdd98cc4e8", "test-lb", "81");
    assert_eq!((status, code(&v)), (1, "ELB_LISTENERS_MISMATCH"));
    // TCP 80 goes on to both instance targets on port 22, with the client's address (NLB
    // instance targets preserve it), which their group admits (22 from anywhere).
    let arn = "arn:aws:elasticloadbalancing:us-east-2:554773406868:loadbalancer/net/test-lb/725b996cb6be8fba";
    let (status, v) = reach(s, "i-0c8ce8bbdd98cc4e8", arn, "80");
    assert_eq!(status, 0, "{v:#}");
    let targets = v["load_balancer"]["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2);
    assert!(targets.iter().all(|t| t["port"] == 22 && t["verdict"] == "reachable" && t["client_ip_preserved"] == true));
    let delivered = v["forward"]["hops"].as_array().unwrap().iter().filter(|h| h["action"] == "deliver").count();
    assert_eq!(delivered, 2, "delivered to the node, then to the target");
}

#[test]
fn egress_through_the_inspection_vpc_is_decided_by_the_firewall_policy() {
    let (status, v) = reach(WEB, "app-1", "8.8.8.8", "443");
    assert_eq!(status, 0, "{v:#}");
    let kinds = |leg: &str| v[leg]["hops"].as_array().unwrap().iter().filter(|h| h["kind"] == "network-firewall").count();
    assert_eq!((kinds("forward"), kinds("return")), (1, 1), "the request and the reply cross the firewall");
    let (status, v) = reach(WEB, "app-1", "8.8.8.8", "80");
    assert_eq!((status, code(&v)), (1, "NETWORK_FIREWALL_DROP"));
    assert!(v["blocked_by"]["explanation"].as_str().unwrap().contains("aws:drop_strict"));
}

#[test]
fn a_load_balancer_is_asked_through_each_of_its_nodes() {
    // web-public-b's own ACL refuses 443: clients that resolve shop-alb to its node in
    // us-east-1b fail, those that get the us-east-1a node get through.
    let tmp = tempfile::tempdir().unwrap();
    let acl = |v: &mut Value| {
        let acls = v["NetworkAcls"].as_array_mut().unwrap();
        acls[0]["Associations"].as_array_mut().unwrap().retain(|a| a["SubnetId"] != "subnet-0webpublicb000001");
        acls.push(serde_json::json!({"NetworkAclId": "acl-0webpublicb000001", "VpcId": "vpc-0web0000000000001", "IsDefault": false,
            "Associations": [{"SubnetId": "subnet-0webpublicb000001"}], "Entries": [
            {"RuleNumber": 90, "Protocol": "6", "RuleAction": "deny", "Egress": false, "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 443, "To": 443}},
            {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0"},
            {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0"}]}));
    };
    let snap = crate::util::sample_copy("web", tmp.path(), &[], &[("NetworkAcls", &acl)]);
    let (status, v) = reach(snap.to_str().unwrap(), "internet", "shop-alb", "443");
    assert_eq!(status, 0, "through the node that works: {v:#}");
    let nodes: Vec<(&str, &str)> = v["load_balancer_nodes"].as_array().unwrap().iter().map(|n| (n["zone"].as_str().unwrap(), n["verdict"].as_str().unwrap())).collect();
    assert_eq!(nodes, [("us-east-1a", "reachable"), ("us-east-1b", "not-reachable")]);
    assert_eq!(v["load_balancer_nodes"][1]["blocked_by"]["code"], "SUBNET_ACL_RESTRICTION");
    let text = vpcscope(["reach", "--snapshot", snap.to_str().unwrap(), "--from", "internet", "--to", "shop-alb", "--port", "443"]).stdout;
    assert!(text.contains("through 1 of 2 nodes; clients that resolve the name to the others fail"), "{text}");
}
