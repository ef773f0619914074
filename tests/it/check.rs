//! `vpcscope check` (issue 7: pre-change checks): intent kinds and selectors on the shop
//! sample, the shipped intents, a Terraform plan caught by them, output formats, and bad
//! intent files.

use crate::util::vpcscope;
use serde_json::Value;

const SHOP: &str = "samples/snapshots/shop";

fn intent<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["intents"].as_array().unwrap().iter().find(|i| i["name"] == name).unwrap_or_else(|| panic!("no intent {name} in {report:#}"))
}

fn status(report: &Value, name: &str) -> String {
    intent(report, name)["status"].as_str().unwrap().to_string()
}

#[test]
fn every_intent_kind_and_selector_is_evaluated() {
    let r = vpcscope(["check", "--snapshot", SHOP, "tests/data/intents/shop-kinds.toml", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let j = r.json();
    // must-reach, Name glob -> security group name.
    assert_eq!(status(&j, "web-reaches-app"), "holds");
    // must-reach, Name -> tag of the RDS instance: blocked on the return path by shop-db.
    assert_eq!(status(&j, "app-reaches-orders-db"), "violated");
    let v = &intent(&j, "app-reaches-orders-db")["violations"][0];
    assert_eq!(v["blocked_by"]["id"], "acl-0a1b2c3d4e5f60002");
    assert_eq!(v["blocked_by"]["path"], "return");
    assert_eq!(v["to"]["name"], "orders-db");
    // must-not-reach, internet -> resource type.
    assert_eq!(status(&j, "orders-db-not-from-internet"), "holds");
    assert_eq!(intent(&j, "orders-db-not-from-internet")["destinations"], 1);
    // isolated, subnet Name -> public_subnet + type, both directions.
    let iso = intent(&j, "db-subnets-isolated-from-public");
    assert_eq!(iso["status"], "holds");
    assert_eq!((iso["sources"].as_u64(), iso["destinations"].as_u64()), (Some(1), Some(2)));
    // through / not_through, instance id and VPC + CIDR selectors.
    assert_eq!(status(&j, "app-egress-through-nat"), "holds");
    assert_eq!(status(&j, "app-egress-avoids-nat"), "violated");
    assert!(intent(&j, "app-egress-avoids-nat")["violations"][0]["reason"].as_str().unwrap().contains("through nat-gateway"));
    // An outside CIDR as a source, ENI id and subnet id as destinations.
    assert_eq!(status(&j, "office-reaches-web-ssh"), "holds");
    let docs = intent(&j, "docs-range-no-ssh-to-web");
    assert_eq!(docs["status"], "violated");
    // web-1 admits SSH only from the office, so only analytics-db is reachable from the
    // documentation range; the NAT gateway interface is not an endpoint.
    assert_eq!(docs["violation_count"], 1);
    assert_eq!(docs["violations"][0]["to"]["id"], "eni-0a1b2c3d4e5f600b1");
    assert_eq!(docs["violations"][0]["ranges"][0], "198.51.100.0/24");
}

#[test]
fn shipped_intents_report_one_example_per_violating_pair() {
    let r = vpcscope(["check", "--snapshot", SHOP, "queries/stable", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let j = r.json();
    let db = intent(&j, "no-database-from-internet");
    assert_eq!(db["violation_count"], 1, "{db:#}");
    assert_eq!(db["violations"][0]["to"]["id"], "eni-0a1b2c3d4e5f600b1");
    assert_eq!(db["violations"][0]["ports"], serde_json::json!([5432]));
    assert_eq!(db["violations"][0]["trace"]["reachable"], true);
    // SSH: web-1 from the office range only, analytics-db from anywhere.
    let admin = intent(&j, "no-admin-port-from-internet");
    assert_eq!(admin["violation_count"], 2);
    let web = admin["violations"].as_array().unwrap().iter().find(|v| v["to"]["id"] == "eni-0a1b2c3d4e5f600w1").unwrap();
    assert_eq!(web["ranges"], serde_json::json!(["203.0.113.0/24"]));
    assert_eq!(web["any_address"], false);
    // legacy-reports opens 3306 to the world in its SG but is private: not a violation.
    assert_eq!(status(&j, "private-subnets-have-no-inbound-internet-path"), "holds");
    assert_eq!(status(&j, "no-managed-database-from-internet"), "holds");
    // The built-in set is the same as queries/stable.
    let builtin = vpcscope(["check", "--snapshot", SHOP, "--format", "json"]).json();
    assert_eq!(builtin["violated"], j["violated"]);
}

#[test]
fn plan_that_opens_a_database_port_is_caught_by_the_shipped_intent() {
    let before = vpcscope(["check", "--snapshot", SHOP, "queries/stable/no-database-from-internet.toml", "--format", "json"]).json();
    let ports = |j: &Value| intent(j, "no-database-from-internet")["violations"][0]["ports"].clone();
    assert_eq!(ports(&before), serde_json::json!([5432]));
    let r = vpcscope([
        "check", "--snapshot", SHOP, "queries/stable/no-database-from-internet.toml", "--plan", "tests/data/plans/open-db-sg-rule.json", "--format", "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let after = r.json();
    assert_eq!(ports(&after), serde_json::json!([3306, 5432]));
    let path = &intent(&after, "no-database-from-internet")["violations"][0]["trace"]["forward"]["hops"];
    assert!(path.as_array().unwrap().iter().any(|h| h["rule"] == "TCP 3306 0.0.0.0/0"), "{path:#}");
    assert_eq!(after["warnings"], serde_json::json!([]));
}

#[test]
fn all_hold_exits_zero_and_text_names_each_intent() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("ok.toml");
    std::fs::write(&f, "[[intent]]\nname = \"web-https\"\nkind = \"must-reach\"\nfrom = \"internet\"\nto = \"web-1\"\nports = [443]\n").unwrap();
    let r = vpcscope(["check".as_ref(), "--snapshot".as_ref(), SHOP.as_ref(), f.as_os_str()]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("PASS web-https"), "{}", r.stdout);
    assert!(r.stdout.contains("1 intent: 1 held, 0 violated"), "{}", r.stdout);
}

#[test]
fn junit_and_sarif_show_each_intent() {
    let r = vpcscope(["check", "--snapshot", SHOP, "queries/stable", "--format", "junit"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.starts_with("<?xml"), "{}", r.stdout);
    assert_eq!(r.stdout.matches("<testcase ").count(), 4, "{}", r.stdout);
    assert_eq!(r.stdout.matches("<failure ").count(), 2, "{}", r.stdout);
    assert!(r.stdout.contains(r#"<testcase name="no-database-from-internet" classname="queries/stable/no-database-from-internet.toml""#), "{}", r.stdout);
    let s = vpcscope(["check", "--snapshot", SHOP, "queries/stable", "--format", "sarif"]);
    assert_eq!(s.code, 1);
    let j = s.json();
    assert_eq!(j["version"], "2.1.0");
    assert_eq!(j["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap().len(), 4);
    let results = j["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["level"], "error");
    assert_eq!(results[0]["locations"][0]["physicalLocation"]["region"]["startLine"], 6);
}

#[test]
fn bad_intent_file_is_an_error_with_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.toml");
    std::fs::write(&f, "[[intent]]\nname = \"x\"\nkind = \"must-not-reach\"\nfrom = \"internet\"\nto = { type = \"database\", colour = \"red\" }\n").unwrap();
    let r = vpcscope(["check".as_ref(), "--snapshot".as_ref(), SHOP.as_ref(), f.as_os_str()]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    let want = format!("{}:5: `to.colour`: unknown selector key", f.display());
    assert!(r.stderr.contains(&want), "{}", r.stderr);
    std::fs::write(&f, "[[intent]]\nname = \"x\"\nkind = \"must-not-reach\"\nfrom = \"internet\"\nto = \"any\"\nportz = [22]\n").unwrap();
    let r = vpcscope(["check".as_ref(), "--snapshot".as_ref(), SHOP.as_ref(), f.as_os_str()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(&format!("{}:6: `portz`", f.display())), "{}", r.stderr);
}
