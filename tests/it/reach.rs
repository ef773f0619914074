//! `vpcscope reach` on the bundled samples and on Batfish's AWS snapshots, with expectations
//! derived from AWS's documented behaviour (see the sample READMEs and AWS-SEMANTICS.md).

use crate::util::{sample, shared_fixtures, vpcscope, Run};
use serde_json::Value;

fn reach(snapshot: &std::path::Path, from: &str, to: &str, port: &str) -> Run {
    vpcscope(["reach", "--quiet", "--snapshot", snapshot.to_str().unwrap(), "--from", from, "--to", to, "--port", port, "--format", "json"])
}

fn shop() -> std::path::PathBuf {
    sample("snapshots/shop")
}

fn hub() -> std::path::PathBuf {
    sample("snapshots/hub")
}

/// `(exit code, reachable, blocked_by.code, blocked_by.path)`.
fn verdict(r: &Run) -> (i32, bool, String, String) {
    let j = r.json();
    let b = &j["blocked_by"];
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    (r.code, j["reachable"].as_bool().unwrap(), s(&b["code"]), s(&b["path"]))
}

#[test]
fn shop_db_acl_forgets_ephemeral_return_ports() {
    let r = reach(&shop(), "app-1", "orders-db", "5432");
    assert_eq!(r.code, 1, "{}", r.stderr);
    let j = r.json();
    assert_eq!(j["reachable"], false);
    assert_eq!(j["forward"]["disposition"], "accepted");
    assert_eq!(j["return"]["disposition"], "denied-out");
    let b = &j["blocked_by"];
    assert_eq!(b["id"], "acl-0a1b2c3d4e5f60002");
    assert_eq!(b["kind"], "network-acl");
    assert_eq!(b["direction"], "egress");
    assert_eq!(b["rule"], "* ALL ALL 0.0.0.0/0 DENY");
    assert_eq!(b["rule_number"], "*");
    assert_eq!(b["path"], "return");
    assert_eq!(b["code"], "SUBNET_ACL_RESTRICTION");
    let cli = j["fix"]["aws_cli"].as_str().unwrap();
    assert_eq!(
        cli,
        "aws ec2 create-network-acl-entry --network-acl-id acl-0a1b2c3d4e5f60002 --egress --rule-number 110 --protocol 6 --port-range From=1024,To=65535 --cidr-block 10.0.1.0/24 --rule-action allow"
    );
    // Every hop of the forward path names its component; the ACL hops print console rules.
    let rules: Vec<&str> = j["forward"]["hops"].as_array().unwrap().iter().filter_map(|h| h["rule"].as_str()).collect();
    assert!(rules.contains(&"100 TCP 5432 10.0.1.0/24 ALLOW"), "{rules:?}");
    assert!(rules.contains(&"TCP 5432 sg-0a1b2c3d4e5f60002"), "{rules:?}");
}

#[test]
fn shop_db_port_defaults_to_the_rds_listener_and_text_trace_shows_the_fix() {
    let r = vpcscope(["reach", "--quiet", "--snapshot", shop().to_str().unwrap(), "--from", "app-1", "--to", "orders-db"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("tcp/5432"), "{}", r.stdout);
    assert!(r.stdout.contains("Return path (tcp 10.0.2.25:5432 -> 10.0.1.15:49152): DENIED (outbound)"), "{}", r.stdout);
    assert!(r.stdout.contains("Fix: add outbound rule 110 ALLOW TCP ports 1024-65535 to 10.0.1.0/24"), "{}", r.stdout);
}

#[test]
fn shop_internet_exposure_is_judged_on_the_full_path() {
    let r = reach(&shop(), "internet", "analytics-db", "5432");
    assert_eq!(verdict(&r).0, 0);
    assert_eq!(r.json()["internet_any"], true);
    // SSH on web-1 is open to the office range only.
    let r = reach(&shop(), "internet", "web-1", "22");
    assert_eq!(r.code, 0);
    assert_eq!(r.json()["internet_ranges"], serde_json::json!(["203.0.113.0/24"]));
    assert_eq!(r.json()["internet_any"], false);
    // An SG open to the world is not an exposure without a public address.
    let r = reach(&shop(), "internet", "legacy-reports", "3306");
    assert_eq!(verdict(&r), (1, false, "NO_PUBLIC_ADDRESS".into(), "forward".into()));
    let r = reach(&shop(), "internet", "orders-db", "5432");
    assert_eq!(verdict(&r), (1, false, "NO_PUBLIC_ADDRESS".into(), "forward".into()));
}

#[test]
fn shop_outbound_goes_through_nat_and_gateway_endpoint() {
    let r = reach(&shop(), "app-1", "internet", "443");
    assert_eq!(r.code, 0, "{}", r.stdout);
    let kinds: Vec<String> = r.json()["forward"]["hops"].as_array().unwrap().iter().map(|h| h["kind"].as_str().unwrap().to_string()).collect();
    assert!(kinds.contains(&"nat-gateway".to_string()) && kinds.contains(&"internet-gateway".to_string()), "{kinds:?}");
    let r = reach(&shop(), "app-1", "52.216.10.10", "443");
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("vpce-0a1b2c3d4e5f60001"));
}

#[test]
fn hub_transit_gateway_and_peering_scenarios() {
    let cases: &[(&str, &str, &str, (i32, bool, &str, &str))] = &[
        ("prod-app-1", "svc-api-1", "8443", (0, true, "", "")),
        ("prod-app-2", "svc-api-1", "8443", (1, false, "TGW_ATTACHMENT_NOT_IN_AZ", "forward")),
        ("svc-api-1", "prod-app-2", "443", (1, false, "TGW_ATTACHMENT_NOT_IN_AZ", "return")),
        ("prod-app-1", "kafka-1", "9092", (0, true, "", "")),
        ("prod-app-1", "partner-1", "443", (1, false, "PEERING_NOT_TRANSITIVE", "forward")),
        ("prod-app-1", "10.5.0.7", "443", (1, false, "PEERING_NOT_ACTIVE", "forward")),
        ("prod-app-1", "10.9.0.5", "443", (1, false, "BAD_STATE_ROUTE", "forward")),
    ];
    for (from, to, port, want) in cases {
        let r = reach(&hub(), from, to, port);
        let got = verdict(&r);
        assert_eq!(got, (want.0, want.1, want.2.to_string(), want.3.to_string()), "{from} -> {to}:{port}\n{}", r.stdout);
    }
}

#[test]
fn bad_input_gets_a_clear_error_and_exit_2() {
    let r = vpcscope(["reach", "--snapshot", shop().to_str().unwrap(), "--from", "nosuch", "--to", "app-1", "--port", "1"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown endpoint `nosuch`"), "{}", r.stderr);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Vpcs.json"), "{\"Vpcs\": [\n  {\"VpcId\": 5}\n]}").unwrap();
    let r = vpcscope(["reach", "--snapshot", dir.path().to_str().unwrap(), "--from", "a", "--to", "b", "--port", "1"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("Vpcs.json: at Vpcs[0].VpcId: invalid type"), "{}", r.stderr);
    std::fs::write(dir.path().join("Vpcs.json"), "{\"Vpcs\": [\n  {\"VpcId\": \"vpc-1\",}\n]}").unwrap();
    let r = vpcscope(["reach", "--snapshot", dir.path().to_str().unwrap(), "--from", "a", "--to", "b", "--port", "1"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("Vpcs.json:2:"), "{}", r.stderr);
    let empty = tempfile::tempdir().unwrap();
    let r = vpcscope(["reach", "--snapshot", empty.path().to_str().unwrap(), "--from", "a", "--to", "b", "--port", "1"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("contains no .json files"), "{}", r.stderr);
}

#[test]
fn every_batfish_scenario_loads() {
    let Some(fx) = shared_fixtures() else { return };
    let root = fx.join("batfish-aws");
    let mut n = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let loaded = vpcscope::source::snapshot::load(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        // Some scenarios (Direct Connect only) define no VPC: that is a warning, not an error.
        if loaded.model.vpcs.is_empty() {
            assert!(loaded.warnings.iter().any(|w| w.contains("no VPCs")), "{}", dir.display());
        }
        n += 1;
    }
    assert!(n >= 20, "expected the Batfish scenarios under {}", root.display());
}

#[test]
fn batfish_multi_account_snapshots_merge_accounts_and_regions() {
    let Some(fx) = shared_fixtures() else { return };
    let loaded = vpcscope::source::snapshot::load(&fx.join("batfish-aws/test-transit-gateway-multi-account")).unwrap();
    // The shared transit gateway is listed by both accounts and is one gateway.
    let mut ids: Vec<&str> = loaded.model.transit_gateways.iter().map(|t| t.id.as_str()).collect();
    let before = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), before);
    // Two accounts' folders, one region: every VPC of both accounts, each named by its region.
    let regions: std::collections::BTreeSet<_> = loaded.model.vpcs.iter().filter_map(|v| v.region.clone()).collect();
    assert_eq!(regions.into_iter().collect::<Vec<_>>(), vec!["us-east-1".to_string()]);
    let owners: std::collections::BTreeSet<_> = loaded.model.vpcs.iter().filter_map(|v| v.owner.clone()).collect();
    assert_eq!(owners.into_iter().collect::<Vec<_>>(), vec!["028403472736".to_string(), "951601349076".to_string()]);
}

#[test]
fn batfish_scenarios_answer_as_aws_documents() {
    let Some(fx) = shared_fixtures() else { return };
    let b = fx.join("batfish-aws");
    let cases: &[(&str, &str, &str, &str, (i32, bool, &str, &str))] = &[
        // An instance with a public IP in a subnet routed to an IGW, SSH open to the world.
        ("test-public-subnet", "internet", "eni-00064850627e198ee", "22", (0, true, "", "")),
        ("test-public-subnet", "internet", "eni-00064850627e198ee", "80", (1, false, "ENI_SG_RULES_MISMATCH", "forward")),
        // Private subnet -> NAT gateway -> IGW; a subnet whose main table has only local.
        ("test-nat-gateway", "eni-0e4ce6a7777b9bff8", "internet", "443", (0, true, "", "")),
        ("test-nat-gateway", "eni-0cbd69297d26de519", "internet", "443", (1, false, "NO_ROUTE_TO_DESTINATION", "forward")),
        // Two peerings from one VPC to two VPCs with the same CIDR; peering is not transitive.
        ("test-vpc-peering", "eni-0f0708220e812876c", "eni-0024c0af5aa1387e5", "22", (0, true, "", "")),
        ("test-vpc-peering", "eni-0f0708220e812876c", "eni-06347554b65539ff3", "22", (0, true, "", "")),
        ("test-vpc-peering", "eni-0024c0af5aa1387e5", "eni-06347554b65539ff3", "22", (1, false, "NO_DESTINATION_INTERFACE", "forward")),
        // TGW: the attachment has a subnet in us-east-2c only; 10.10.20.0/24 is in us-east-2a.
        ("test-transit-gateway", "eni-0f0708220e812876c", "eni-0024c0af5aa1387e5", "22", (0, true, "", "")),
        ("test-transit-gateway", "eni-030eeb1fb8c2d6654", "eni-0024c0af5aa1387e5", "22", (1, false, "TGW_ATTACHMENT_NOT_IN_AZ", "forward")),
        ("test-transit-gateway", "eni-0024c0af5aa1387e5", "eni-030eeb1fb8c2d6654", "22", (1, false, "TGW_ATTACHMENT_NOT_IN_AZ", "return")),
        ("test-public-private-subnet", "internet", "eni-09da8cad43844dc1f", "22", (0, true, "", "")),
        ("test-public-private-subnet", "internet", "eni-07c1506e49d784fe0", "22", (1, false, "NO_PUBLIC_ADDRESS", "forward")),
    ];
    for (scenario, from, to, port, want) in cases {
        let r = reach(&b.join(scenario), from, to, port);
        assert_eq!(verdict(&r), (want.0, want.1, want.2.to_string(), want.3.to_string()), "{scenario}: {from} -> {to}:{port}\n{}", r.stdout);
    }
}

#[test]
fn contradictory_or_empty_questions_are_refused_with_the_reason() {
    let s = shop();
    let s = s.to_str().unwrap();
    let r = vpcscope(["reach", "--quiet", "--snapshot", s, "--from", "app-1", "--to", "web-1", "--protocol", "icmp", "--port", "5432"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--port 5432 contradicts --protocol icmp"), "{}", r.stderr);
    let r = vpcscope(["reach", "--quiet", "--snapshot", s, "--from", "app-1", "--to", "web-1", "--port", "0"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("0 is not in 1..=65535"), "{}", r.stderr);
    // The same interface named twice: no security group is blamed for a path that does not exist.
    let r = vpcscope(["reach", "--quiet", "--snapshot", s, "--from", "app-1", "--to", "eni-0a1b2c3d4e5f600a1", "--port", "22"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("are the same interface (eni-0a1b2c3d4e5f600a1)"), "{}", r.stderr);
}

#[test]
fn an_error_states_its_cause_once() {
    for args in [
        vec!["reach", "--snapshot", "/nonexistent-snapshot", "--from", "a", "--to", "b"],
        vec!["check", "--snapshot", "samples/snapshots/shop", "/nonexistent-intents.toml"],
        vec!["diff", "--before", "samples/snapshots/shop", "--plan", "/nonexistent-plan.json"],
    ] {
        let r = vpcscope(&args);
        assert_eq!(r.code, 2, "{args:?}");
        assert_eq!(r.stderr.matches("No such file or directory").count(), 1, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("/nonexistent-"), "names the culprit: {}", r.stderr);
    }
}

/// Every explanation code README lists is produced by the code and asserted by a named test;
/// a code no path can produce is not listed.
#[test]
fn every_listed_explanation_code_is_produced_and_asserted() {
    let root = crate::util::root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme.find("Explanation codes").expect("README lists the codes");
    let end = start + readme[start..].find("### What the evaluator models").expect("and ends the list");
    let mut codes: Vec<&str> = readme[start..end]
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|c| c.len() > 3 && c.chars().all(|ch| ch.is_ascii_uppercase() || ch == '_'))
        .collect();
    codes.sort_unstable();
    codes.dedup();
    assert!(codes.len() >= 40, "{codes:?}");
    // Production code and test code, split at each file's `#[cfg(test)]`.
    let (mut prod, mut tests) = (String::new(), String::new());
    for dir in ["src", "tests/it"] {
        for e in walkdir::WalkDir::new(root.join(dir)).into_iter().filter_map(Result::ok).filter(|e| e.path().extension().is_some_and(|x| x == "rs")) {
            let text = std::fs::read_to_string(e.path()).unwrap();
            match (dir, text.find("#[cfg(test)]")) {
                ("tests/it", _) => tests.push_str(&text),
                (_, Some(i)) => {
                    prod.push_str(&text[..i]);
                    tests.push_str(&text[i..]);
                }
                (_, None) => prod.push_str(&text),
            }
        }
    }
    for code in codes {
        let quoted = format!("\"{code}\"");
        assert!(prod.contains(&quoted), "{code} is listed in README but nothing produces it");
        assert!(tests.contains(&quoted), "{code} is listed in README but no test asserts it");
    }
}

/// `reach --output FILE` writes the answer to the file, its format taken from the extension,
/// and keeps the exit status.
#[test]
fn reach_writes_its_answer_to_an_output_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("answer.json");
    let r = crate::util::vpcscope(["reach", "--snapshot", "samples/snapshots/shop", "--from", "app-1", "--to", "orders-db", "--port", "5432", "-o", file.to_str().expect("utf-8 path")]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).expect("written")).expect("JSON");
    assert_eq!(v["verdict"], "not-reachable");
    assert_eq!(v["blocked_by"]["code"], "SUBNET_ACL_RESTRICTION");
}
