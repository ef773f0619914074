//! `vpcscope flows explain`: flow logs joined with the model, on the shop sample's logs,
//! AWS's documented ping example, a client-side-only conversation and a reordered v5 format.

use crate::util::{sample, shared_fixtures, vpcscope, Run};
use serde_json::{json, Value};
use std::path::Path;

fn explain(snapshot: &Path, logs: &[&Path]) -> Run {
    let mut args = vec!["flows".to_string(), "explain".into(), "--quiet".into(), "--snapshot".into(), snapshot.display().to_string()];
    args.extend(logs.iter().map(|p| p.display().to_string()));
    args.extend(["--format".into(), "json".into()]);
    vpcscope(args)
}

fn findings<'a>(j: &'a Value, kind: &str) -> Vec<&'a Value> {
    j["findings"].as_array().unwrap().iter().filter(|f| f["kind"] == kind).collect()
}

fn assert_accounting(j: &Value) {
    let r = &j["records"];
    let n = |k: &str| r[k].as_u64().unwrap();
    assert_eq!(n("total"), n("ok") + n("nodata") + n("skipdata") + n("malformed") + n("filtered_out"), "{r}");
}

#[test]
fn shop_logs_name_the_acl_rule_behind_each_failed_connection() {
    let r = explain(&sample("snapshots/shop"), &[&sample("flowlogs/shop/shop-default.log")]);
    // A refused reply is a broken service: the default --fail-on fails on it.
    assert_eq!(r.code, 1, "{}", r.stderr);
    let j = r.json();
    assert_accounting(&j);
    assert_eq!(j["records"]["nodata"], 1);
    assert_eq!(j["records"]["skipdata"], 1);
    // Most damaging first: the refused replies of accepted requests.
    assert_eq!(j["findings"][0]["kind"], "nacl-return-path");
    let f = &findings(&j, "nacl-return-path");
    assert_eq!(f.len(), 1);
    let f = f[0];
    assert_eq!(f["interface"], "eni-0a1b2c3d4e5f600d1");
    assert_eq!(f["interface_name"], "orders-db");
    assert_eq!(f["subnet"], "subnet-0a1b2c3d4e5f60003");
    assert_eq!(f["blocked_by"], json!({"id": "acl-0a1b2c3d4e5f60002", "kind": "network-acl", "direction": "egress", "rule": "* ALL ALL 0.0.0.0/0 DENY"}));
    assert_eq!(f["flow"], json!({"src": "10.0.1.15", "dst": "10.0.2.25", "src_port": 49152, "dst_port": 5432, "protocol": "tcp"}));
    assert_eq!(f["count"], 3);
    assert_eq!(f["fix"]["aws_cli"], "aws ec2 create-network-acl-entry --network-acl-id acl-0a1b2c3d4e5f60002 --egress --rule-number 110 --protocol 6 --port-range From=1024,To=65535 --cidr-block 10.0.1.0/24 --rule-action allow");
    let ev: Vec<u64> = f["evidence"].as_array().unwrap().iter().map(|e| e["line"].as_u64().unwrap()).collect();
    assert_eq!(ev, vec![3, 6, 9]);
}

#[test]
fn port_scan_aggregates_into_one_finding_and_sg_rejects_are_not_acl_problems() {
    let r = explain(&sample("snapshots/shop"), &[&sample("flowlogs/shop/shop-default.log")]);
    let j = r.json();
    let rejected = findings(&j, "rejected");
    let scan: Vec<&&Value> = rejected.iter().filter(|f| f["ports"].as_u64().unwrap() > 1).collect();
    assert_eq!(scan.len(), 1, "{rejected:#?}");
    assert_eq!(scan[0]["count"], 198);
    assert_eq!(scan[0]["ports"], 198);
    assert_eq!(scan[0]["blocked_by"]["kind"], "security-group");
    assert!(scan[0]["fix"].is_null(), "opening scanned ports is not a fix");
    assert!(scan[0]["explanation"].as_str().unwrap().starts_with("port scan: 192.0.2.66 probed 198 ports"));
    // SSH from web-1 to legacy-reports: refused by the security group, named as such.
    let ssh = rejected.iter().find(|f| f["interface"] == "eni-0a1b2c3d4e5f600l1").unwrap();
    assert_eq!(ssh["blocked_by"]["kind"], "security-group");
    assert_eq!(ssh["blocked_by"]["id"], "sg-0a1b2c3d4e5f60004");
    assert!(findings(&j, "nacl-return-path").iter().all(|f| f["interface"] != "eni-0a1b2c3d4e5f600l1"));
}

#[test]
fn drift_and_unknown_interfaces_are_reported() {
    let j = explain(&sample("snapshots/shop"), &[&sample("flowlogs/shop/shop-default.log")]).json();
    let drift = findings(&j, "drift");
    assert_eq!(drift.len(), 1);
    assert_eq!(drift[0]["interface"], "eni-0a1b2c3d4e5f600b1");
    assert_eq!(drift[0]["flow"]["dst_port"], 3389);
    assert!(drift[0]["explanation"].as_str().unwrap().contains("ACCEPT but the snapshot denies"));
    let unknown = findings(&j, "unknown-interface");
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0]["interface"], "eni-0fffffffffffffff0");
}

#[test]
fn reordered_v5_format_with_flow_direction_gives_the_same_answer() {
    let j = explain(&sample("snapshots/shop"), &[&sample("flowlogs/shop/shop-v5.log")]).json();
    assert_accounting(&j);
    let f = findings(&j, "nacl-return-path");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["blocked_by"]["id"], "acl-0a1b2c3d4e5f60002");
    assert_eq!(f[0]["count"], 2);
    assert_eq!(findings(&j, "rejected").len(), 1);
}

/// A one-VPC snapshot for AWS's documented ping example: eni-1235b8ca123456789
/// (172.31.16.139) with a public address, its SG and its ACL's inbound rules admit ICMP, the
/// ACL has no outbound rule.
fn aws_example_snapshot(dir: &Path) {
    let v = json!({
        "Vpcs": [{"VpcId": "vpc-ex", "CidrBlock": "172.31.0.0/16"}],
        "Subnets": [{"SubnetId": "subnet-ex", "VpcId": "vpc-ex", "CidrBlock": "172.31.16.0/20", "AvailabilityZone": "us-east-1a"}],
        "InternetGateways": [{"InternetGatewayId": "igw-ex", "Attachments": [{"VpcId": "vpc-ex", "State": "available"}]}],
        "RouteTables": [{"RouteTableId": "rtb-ex", "VpcId": "vpc-ex", "Associations": [{"Main": true}], "Routes": [
            {"DestinationCidrBlock": "172.31.0.0/16", "GatewayId": "local"}, {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-ex"}]}],
        "NetworkAcls": [{"NetworkAclId": "acl-ex", "VpcId": "vpc-ex", "IsDefault": true, "Associations": [{"SubnetId": "subnet-ex"}], "Entries": [
            {"RuleNumber": 100, "Protocol": "1", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0", "IcmpTypeCode": {"Type": -1, "Code": -1}},
            {"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": false, "CidrBlock": "0.0.0.0/0"},
            {"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": true, "CidrBlock": "0.0.0.0/0"}]}],
        "SecurityGroups": [{"GroupId": "sg-ex", "GroupName": "ping", "VpcId": "vpc-ex",
            "IpPermissions": [{"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
            "IpPermissionsEgress": []}],
        "NetworkInterfaces": [{"NetworkInterfaceId": "eni-1235b8ca123456789", "VpcId": "vpc-ex", "SubnetId": "subnet-ex",
            "PrivateIpAddress": "172.31.16.139", "Association": {"PublicIp": "198.51.100.139"}, "Groups": [{"GroupId": "sg-ex"}]}]
    });
    std::fs::write(dir.join("snapshot.json"), serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

#[test]
fn aws_documented_ping_example_is_a_nacl_return_path_finding() {
    let Some(fx) = shared_fixtures() else { return };
    let doc = std::fs::read_to_string(fx.join("aws-flowlog-examples.md")).unwrap();
    let lines: Vec<&str> = doc
        .lines()
        .filter(|l| l.starts_with("2 123456789010 eni-1235b8ca123456789") && (l.contains("203.0.113.12 172.31.16.139") || l.contains("172.31.16.139 203.0.113.12")))
        .collect();
    assert_eq!(lines.len(), 2, "the ping pair in {}", fx.display());
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    std::fs::create_dir(&snap).unwrap();
    aws_example_snapshot(&snap);
    let log = dir.path().join("ping.log");
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();
    let j = explain(&snap, &[&log]).json();
    let all = j["findings"].as_array().unwrap();
    assert_eq!(all.len(), 1, "{all:#?}");
    let f = &all[0];
    assert_eq!(f["kind"], "nacl-return-path");
    assert_eq!(f["blocked_by"], json!({"id": "acl-ex", "kind": "network-acl", "direction": "egress", "rule": "* ALL ALL 0.0.0.0/0 DENY"}));
    assert_eq!(f["flow"]["src"], "203.0.113.12");
    assert_eq!(f["fix"]["description"], "add outbound rule 100 ALLOW ICMP type 0 code 0 to 203.0.113.12/32 to acl-ex for the reply (before rule *)");
}

#[test]
fn a_conversation_seen_only_from_the_client_side_is_recognised() {
    // The app subnet gets its own ACL that lets everything out but admits only SSH in: the
    // replies from S3 to app-1's ephemeral port are refused entering the subnet.
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("shop");
    copy_dir(&sample("snapshots/shop"), &snap);
    let acls_path = snap.join("us-east-1/NetworkAcls.json");
    let mut acls: Value = serde_json::from_slice(&std::fs::read(&acls_path).unwrap()).unwrap();
    let list = acls["NetworkAcls"].as_array_mut().unwrap();
    list[0]["Associations"] = json!([{"SubnetId": "subnet-0a1b2c3d4e5f60001"}]);
    list.push(json!({"NetworkAclId": "acl-app", "VpcId": "vpc-0a5b0c0d0e0f10001", "IsDefault": false,
        "Associations": [{"SubnetId": "subnet-0a1b2c3d4e5f60002"}], "Entries": [
        {"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": false, "CidrBlock": "10.0.0.0/16", "PortRange": {"From": 22, "To": 22}},
        {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0"}]}));
    std::fs::write(&acls_path, serde_json::to_vec(&acls).unwrap()).unwrap();
    let log = dir.path().join("client.log");
    std::fs::write(
        &log,
        "2 111122223333 eni-0a1b2c3d4e5f600a1 10.0.1.15 52.216.8.9 51000 443 6 4 240 1764150000 1764150060 ACCEPT OK\n\
         2 111122223333 eni-0a1b2c3d4e5f600a1 52.216.8.9 10.0.1.15 443 51000 6 4 520 1764150000 1764150060 REJECT OK\n",
    )
    .unwrap();
    let j = explain(&snap, &[&log]).json();
    let f = findings(&j, "nacl-return-path");
    assert_eq!(f.len(), 1, "{j:#}");
    assert_eq!(f[0]["blocked_by"]["id"], "acl-app");
    assert_eq!(f[0]["blocked_by"]["direction"], "ingress");
    assert_eq!(f[0]["flow"]["dst"], "52.216.8.9");
    assert_eq!(f[0]["fix"]["description"], "add inbound rule 110 ALLOW TCP ports 1024-65535 from 52.216.8.9/32 to acl-app for the reply (before rule *)");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

#[test]
fn explain_text_report_reads_top_down() {
    let r = vpcscope([
        "flows", "explain", "--quiet", "--snapshot", sample("snapshots/shop").to_str().unwrap(),
        sample("flowlogs/shop/shop-default.log").to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let first = r.stdout.find("== Replies refused").unwrap();
    let second = r.stdout.find("== Rejected traffic").unwrap();
    assert!(first < second);
    let md = vpcscope([
        "flows", "explain", "--quiet", "--format", "markdown", "--snapshot", sample("snapshots/shop").to_str().unwrap(),
        sample("flowlogs/shop/shop-default.log").to_str().unwrap(),
    ]);
    assert!(md.stdout.contains("| interface | flow | records |"), "{}", md.stdout);
}

#[test]
fn flows_summary_with_a_snapshot_names_interfaces() {
    let r = vpcscope([
        "flows", "summary", "--format", "json", "--snapshot", sample("snapshots/shop").to_str().unwrap(),
        sample("flowlogs/shop/shop-default.log").to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = r.json();
    let names: Vec<(String, String)> = j["interfaces"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| Some((i["interface"].as_str()?.to_string(), i["interface_name"].as_str()?.to_string())))
        .collect();
    assert!(names.contains(&("eni-0a1b2c3d4e5f600d1".into(), "rds orders-db".into())), "{names:?}");
    assert!(names.contains(&("eni-0a1b2c3d4e5f600w1".into(), "web-1, i-0a1b2c3d4e5f60001".into())), "{names:?}");
}

/// Tags are written by anyone with console access: a hostile Name tag must not reach a
/// terminal as an escape sequence, nor Markdown as markup.
#[test]
fn hostile_name_tags_are_neutralised_in_text_and_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("shop");
    copy_dir(&sample("snapshots/shop"), &snap);
    let path = snap.join("us-east-1/Reservations.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    for r in v["Reservations"].as_array_mut().unwrap() {
        for i in r["Instances"].as_array_mut().unwrap() {
            if i["InstanceId"] == "i-0a1b2c3d4e5f60001" {
                i["Tags"] = json!([{"Key": "Name", "Value": "<script>alert(1)</script>\u{1b}[31m|x\ny"}]);
            }
        }
    }
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let r = vpcscope(["reach", "--quiet", "--snapshot", snap.to_str().unwrap(), "--from", "internet", "--to", "eni-0a1b2c3d4e5f600w1", "--port", "443"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains('\u{1b}'), "raw escape in text output");
    assert!(r.stdout.contains("\\u{1b}[31m"), "{}", r.stdout);
    let md = vpcscope([
        "flows", "explain", "--quiet", "--format", "markdown", "--snapshot", snap.to_str().unwrap(),
        sample("flowlogs/shop/shop-default.log").to_str().unwrap(),
    ]);
    assert_eq!(md.code, 1, "{}", md.stderr);
    assert!(!md.stdout.contains("<script>"), "{}", md.stdout);
    assert!(md.stdout.contains("&lt;script&gt;"), "{}", md.stdout);
    assert!(!md.stdout.contains('\u{1b}'));
    for line in md.stdout.lines().filter(|l| l.contains("&lt;script&gt;")) {
        assert!(line.starts_with('|') && line.ends_with('|'), "a table row was broken: {line}");
    }
}

#[test]
fn a_snapshot_without_vpcs_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Subnets.json"), r#"{"Subnets": []}"#).unwrap();
    let r = vpcscope(["reach", "--snapshot", dir.path().to_str().unwrap(), "--from", "a", "--to", "b", "--port", "1"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("defines no VPCs"), "{}", r.stderr);
}

#[test]
fn fixes_never_let_in_a_refused_outsider_nor_open_what_drift_shows() {
    let j = explain(&sample("snapshots/shop"), &[&sample("flowlogs/shop/shop-default.log")]).json();
    for f in findings(&j, "rejected") {
        let remote_outside = f["flow"]["src"].as_str().is_some_and(|s| !s.starts_with("10."));
        if remote_outside && f["interface"] == "eni-0a1b2c3d4e5f600w1" {
            // SSH to web-1 from outside the office range, refused as the rules intend.
            assert!(f["fix"].is_null(), "{f:#}");
            assert!(f["explanation"].as_str().unwrap().contains("nothing to open"), "{f:#}");
        }
    }
    // A refusal between two interfaces of the network is a configuration to look at: it keeps its fix.
    let ssh = findings(&j, "rejected").into_iter().find(|f| f["interface"] == "eni-0a1b2c3d4e5f600l1").unwrap();
    assert_eq!(ssh["fix"]["action"], "add-security-group-rule");
    // Drift (RDP accepted where the snapshot denies it) is re-captured and compared, never opened.
    let drift = findings(&j, "drift");
    assert!(drift.iter().all(|f| f["fix"].is_null()), "{drift:#?}");
}

#[test]
fn a_fix_for_an_internet_end_names_no_sample_address() {
    let r = vpcscope(["reach", "--quiet", "--snapshot", sample("snapshots/shop").to_str().unwrap(), "--from", "internet", "--to", "web-1", "--port", "8080", "--format", "json"]);
    let j = r.json();
    let sample_ip = j["internet_sample"].as_str().unwrap().to_string();
    let cli = j["fix"]["aws_cli"].as_str().unwrap();
    assert!(cli.ends_with("--port 8080 --cidr <cidr>"), "{cli}");
    assert!(!j["fix"]["description"].as_str().unwrap().contains(&sample_ip));
}
