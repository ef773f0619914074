//! Several accounts in one snapshot (Batfish's `accounts/<account>/<region>/` layout): paths
//! across accounts through a peering and a shared transit gateway, every component named
//! with the account that owns it, and analyses narrowed to one account.

use crate::util::{shared_fixtures, vpcscope};
use serde_json::Value;

fn reach(snap: &std::path::Path, port: &str, assume: bool) -> (i32, Value) {
    let mut args = vec!["reach", "--snapshot", snap.to_str().unwrap(), "--from", "bat-web01", "--to", "fish-web01", "--port", port, "--format", "json", "--quiet"];
    if assume {
        args.extend(["--assume-missing", "allow"]);
    }
    let r = vpcscope(args);
    (r.code, r.json())
}

#[test]
fn cross_account_paths_name_the_account_of_every_component() {
    let Some(fx) = shared_fixtures() else { return };
    // The documents' `OwnerId` names the account (the peering fixture's directories are
    // named after other, invented ids: the documents win).
    let cases = [
        ("test-vpc-peering-multi-account", "028403472736", "951601349076", "vpc-peering"),
        ("test-transit-gateway-multi-account", "028403472736", "951601349076", "transit-gateway-route-table"),
    ];
    for (name, a, b, via) in cases {
        let snap = fx.join("batfish-aws").join(name);
        // The fixtures hold no network ACLs: the honest answer is unknown, naming that.
        let (code, v) = reach(&snap, "22", false);
        assert_eq!((code, v["verdict"].as_str(), v["blocked_by"]["code"].as_str()), (1, Some("unknown"), Some("MISSING_NETWORK_ACL")), "{name}");
        // Assuming the missing ACLs allow, SSH crosses the accounts.
        let (code, v) = reach(&snap, "22", true);
        assert_eq!((code, v["verdict"].as_str()), (0, Some("reachable")), "{name}: {v:#}");
        assert_eq!((v["from"]["account"].as_str(), v["to"]["account"].as_str()), (Some(a), Some(b)), "{name}");
        let hops = v["forward"]["hops"].as_array().unwrap();
        assert!(hops.iter().any(|h| h["kind"] == via), "{name} goes through a {via}");
        let accounts: Vec<&str> = hops.iter().filter_map(|h| h["account"].as_str()).collect();
        assert!(accounts.contains(&a) && accounts.contains(&b), "{name}: {accounts:?}");
        assert_eq!(hops.first().and_then(|h| h["account"].as_str()), Some(a));
        assert_eq!(hops.last().and_then(|h| h["account"].as_str()), Some(b));
        // Port 80: the destination account's group refuses it, and says whose it is.
        let (code, v) = reach(&snap, "80", true);
        assert_eq!((code, v["blocked_by"]["code"].as_str(), v["blocked_by"]["account"].as_str()), (1, Some("ENI_SG_RULES_MISMATCH"), Some(b)), "{name}");
    }
}

#[test]
fn analyses_narrow_to_one_account() {
    let Some(fx) = shared_fixtures() else { return };
    let snap = fx.join("batfish-aws/test-transit-gateway-multi-account");
    let s = snap.to_str().unwrap();
    let all = vpcscope(["audit", "--snapshot", s, "--format", "json", "--quiet", "--assume-missing", "allow"]).json();
    let mine = vpcscope(["audit", "--snapshot", s, "--format", "json", "--quiet", "--assume-missing", "allow", "--account", "951601349076"]).json();
    let accounts = |v: &Value| v["findings"].as_array().unwrap().iter().map(|f| f["resource"]["account"].as_str().unwrap_or("").to_string()).collect::<Vec<_>>();
    assert!(accounts(&all).iter().any(|a| a == "028403472736") && accounts(&all).iter().any(|a| a == "951601349076"), "{:?}", accounts(&all));
    assert!(!accounts(&mine).is_empty() && accounts(&mine).iter().all(|a| a == "951601349076"), "{:?}", accounts(&mine));
    // The matrix selects an account's interfaces and names each interface's account.
    let m = vpcscope(["matrix", "--snapshot", s, "--from", "account:028403472736", "--to", "account:951601349076", "--ports", "tcp/22", "--format", "json", "--quiet", "--assume-missing", "allow"]);
    let v = m.json();
    let classes = v["classes"].as_array().unwrap();
    assert!(classes.iter().filter(|c| c["source"] == true).all(|c| c["accounts"].as_array().unwrap().iter().all(|a| a == "028403472736")));
    assert!(classes.iter().any(|c| c["destination"] == true && c["accounts"][0] == "951601349076"));
    // `ls` names the account of each interface when there are several.
    let ls = vpcscope(["ls", "--snapshot", s, "interfaces", "--quiet"]);
    assert!(ls.stdout.contains("account=028403472736") && ls.stdout.contains("account=951601349076"), "{}", ls.stdout);
}

#[test]
fn org_sample_paths_cross_three_accounts_and_a_shared_vpc() {
    let org = crate::util::sample("snapshots/org");
    let run = |from: &str, to: &str, port: &str| {
        let r = vpcscope(["reach", "--snapshot", org.to_str().unwrap(), "--from", from, "--to", to, "--port", port, "--format", "json"]);
        assert!(r.stderr.is_empty(), "resources listed by several accounts merge without warnings: {}", r.stderr);
        (r.code, r.json())
    };
    let (code, v) = run("pay-api-1", "ledger-db", "5432");
    assert_eq!(code, 0, "{v:#}");
    let accounts: Vec<&str> = v["forward"]["hops"].as_array().unwrap().iter().filter_map(|h| h["account"].as_str()).collect();
    for a in ["222222222222", "111111111111", "333333333333"] {
        assert!(accounts.contains(&a), "{a} in {accounts:?}");
    }
    // An interface of the payments account in the network account's shared subnet: the
    // shared VPC's route table is the network account's; the ledger table lacks the route back.
    let (code, v) = run("pay-worker-1", "ledger-db", "5432");
    assert_eq!((code, v["from"]["account"].as_str()), (1, Some("222222222222")));
    assert!(v["forward"]["hops"].as_array().unwrap().iter().any(|h| h["kind"] == "route-table" && h["account"] == "111111111111"));
    let b = &v["blocked_by"];
    assert_eq!((b["code"].as_str(), b["path"].as_str(), b["account"].as_str()), (Some("NO_ROUTE_TO_DESTINATION"), Some("return"), Some("333333333333")));
    // Two accounts' interfaces in one subnet: no ACL between them, the group decides.
    let (code, v) = run("pay-worker-1", "ledger-batch-1", "22");
    assert_eq!((code, v["blocked_by"]["code"].as_str(), v["to"]["account"].as_str()), (1, Some("ENI_SG_RULES_MISMATCH"), Some("333333333333")));
    assert!(!v["forward"]["hops"].as_array().unwrap().iter().any(|h| h["kind"] == "network-acl"), "no ACL within a subnet");
}

#[test]
fn paths_name_the_accounts_of_each_hop() {
    let org = crate::util::sample("snapshots/org");
    let r = vpcscope(["paths", "--snapshot", org.to_str().unwrap(), "--from", "pay-api-1", "--to", "ledger-db", "--format", "json"]);
    assert_eq!(r.code, 1, "a path exists: {}", r.stderr);
    let v = r.json();
    let hop = &v["targets"][0]["paths"][0]["hops"][0];
    assert_eq!((hop["from_account"].as_str(), hop["to_account"].as_str()), (Some("222222222222"), Some("333333333333")));
}

/// Writes one side of an inter-Region transit gateway peering: account `account` in `region`
/// with VPC `10.<net>.0.0/16`, one interface `eni-0<side>`, its own transit gateway
/// `tgw-0<side>` whose route table sends the other side's VPC over the peering attachment
/// `tgw-attach-0peer` (static: AWS propagates no routes over a peering), and the peering
/// attachment itself as each account lists it (requester east, accepter west).
fn peering_side(root: &std::path::Path, account: &str, region: &str, side: &str, net: u8, other_net: u8, ssh_from: Option<&str>) {
    use serde_json::json;
    let dir = root.join("accounts").join(account).join(region);
    std::fs::create_dir_all(&dir).unwrap();
    let (vpc, subnet, tgw, rtb) = (format!("vpc-0{side}"), format!("subnet-0{side}"), format!("tgw-0{side}"), format!("tgw-rtb-0{side}"));
    let other_tgw = if side == "east" { "tgw-0west" } else { "tgw-0east" };
    let vpc_att = format!("tgw-attach-0{side}vpc");
    // SSH from the other side's CIDR, and 5432 from the other account's group by reference
    // (`account/sg-id`), which does not hold across an inter-Region peering.
    let ingress: Vec<Value> = ssh_from
        .map(|cidr| {
            vec![
                json!({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": cidr}]}),
                json!({"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                       "UserIdGroupPairs": [{"UserId": "111111111111", "GroupId": "sg-0east"}]}),
            ]
        })
        .unwrap_or_default();
    let write = |key: &str, items: Value| {
        std::fs::write(dir.join(format!("{key}.json")), serde_json::to_vec_pretty(&json!({ key: items })).unwrap()).unwrap();
    };
    write("Vpcs", json!([{"VpcId": vpc, "CidrBlock": format!("10.{net}.0.0/16"), "OwnerId": account, "State": "available"}]));
    write("Subnets", json!([{"SubnetId": subnet, "VpcId": vpc, "CidrBlock": format!("10.{net}.1.0/24"),
        "AvailabilityZone": format!("{region}a"), "OwnerId": account}]));
    write("RouteTables", json!([{"RouteTableId": format!("rtb-0{side}"), "VpcId": vpc, "OwnerId": account,
        "Associations": [{"SubnetId": subnet, "Main": false}, {"Main": true}],
        "Routes": [{"DestinationCidrBlock": format!("10.{net}.0.0/16"), "GatewayId": "local", "State": "active"},
                   {"DestinationCidrBlock": format!("10.{other_net}.0.0/16"), "TransitGatewayId": tgw, "State": "active"}]}]));
    write("NetworkAcls", json!([{"NetworkAclId": format!("acl-0{side}"), "VpcId": vpc, "IsDefault": true, "OwnerId": account,
        "Associations": [{"SubnetId": subnet}],
        "Entries": [{"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0"},
                    {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0"},
                    {"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": false, "CidrBlock": "0.0.0.0/0"},
                    {"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": true, "CidrBlock": "0.0.0.0/0"}]}]));
    write("SecurityGroups", json!([{"GroupId": format!("sg-0{side}"), "GroupName": side, "VpcId": vpc, "OwnerId": account,
        "IpPermissions": ingress, "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]));
    write("NetworkInterfaces", json!([{"NetworkInterfaceId": format!("eni-0{side}"), "VpcId": vpc, "SubnetId": subnet,
        "OwnerId": account, "InterfaceType": "interface", "PrivateIpAddress": format!("10.{net}.1.10"),
        "Groups": [{"GroupId": format!("sg-0{side}")}], "TagSet": [{"Key": "Name", "Value": format!("{side}-host")}]}]));
    write("TransitGateways", json!([{"TransitGatewayId": tgw, "OwnerId": account, "State": "available"}]));
    write("TransitGatewayAttachments", json!([
        {"TransitGatewayAttachmentId": vpc_att, "TransitGatewayId": tgw, "TransitGatewayOwnerId": account, "ResourceType": "vpc",
         "ResourceId": vpc, "ResourceOwnerId": account, "State": "available",
         "Association": {"TransitGatewayRouteTableId": rtb, "State": "associated"}},
        {"TransitGatewayAttachmentId": "tgw-attach-0peer", "TransitGatewayId": tgw, "TransitGatewayOwnerId": account, "ResourceType": "peering",
         "ResourceId": other_tgw, "State": "available",
         "Association": {"TransitGatewayRouteTableId": rtb, "State": "associated"}}]));
    write("TransitGatewayVpcAttachments", json!([{"TransitGatewayAttachmentId": vpc_att, "TransitGatewayId": tgw, "VpcId": vpc,
        "VpcOwnerId": account, "SubnetIds": [subnet], "State": "available"}]));
    write("TransitGatewayPeeringAttachments", json!([{"TransitGatewayAttachmentId": "tgw-attach-0peer", "State": "available",
        "RequesterTgwInfo": {"TransitGatewayId": "tgw-0east", "OwnerId": "111111111111", "Region": "us-east-1"},
        "AccepterTgwInfo": {"TransitGatewayId": "tgw-0west", "OwnerId": "222222222222", "Region": "eu-west-1"}}]));
    write("TransitGatewayRouteTables", json!([{"TransitGatewayRouteTableId": rtb, "TransitGatewayId": tgw, "State": "available"}]));
    write("TransitGatewayRoutes", json!([{"TransitGatewayRouteTableId": rtb, "Routes": [
        {"DestinationCidrBlock": format!("10.{net}.0.0/16"), "State": "active", "Type": "propagated",
         "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": vpc_att, "ResourceId": vpc, "ResourceType": "vpc"}]},
        {"DestinationCidrBlock": format!("10.{other_net}.0.0/16"), "State": "active", "Type": "static",
         "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": "tgw-attach-0peer", "ResourceId": other_tgw, "ResourceType": "peering"}]}]}]));
}

/// Inter-Region transit gateway peering between two accounts: each account's gateway routes
/// the other VPC over the peering attachment both accounts list (merged once per side), the
/// path crosses both gateways' route tables, each hop named with its account, and the
/// destination account's group decides.
#[test]
fn inter_region_transit_gateway_peering_between_accounts() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path();
    peering_side(snap, "111111111111", "us-east-1", "east", 81, 82, None);
    peering_side(snap, "222222222222", "eu-west-1", "west", 82, 81, Some("10.81.0.0/16"));
    let run = |port: &str| {
        let r = vpcscope(["reach", "--snapshot", snap.to_str().unwrap(), "--from", "eni-0east", "--to", "eni-0west", "--port", port, "--format", "json"]);
        assert!(!r.stderr.contains("warning"), "{}", r.stderr);
        (r.code, r.json())
    };
    let (code, v) = run("22");
    assert_eq!((code, v["verdict"].as_str()), (0, Some("reachable")), "{v:#}");
    assert_eq!((v["from"]["account"].as_str(), v["to"]["account"].as_str()), (Some("111111111111"), Some("222222222222")));
    let hops = v["forward"]["hops"].as_array().unwrap();
    let tables: Vec<(&str, &str)> = hops
        .iter()
        .filter(|h| h["kind"] == "transit-gateway-route-table")
        .map(|h| (h["id"].as_str().unwrap_or(""), h["account"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(tables, [("tgw-rtb-0east", "111111111111"), ("tgw-rtb-0west", "222222222222")], "{hops:#?}");
    // The reply comes back over the same peering.
    let back: Vec<&str> = v["return"]["hops"].as_array().unwrap().iter().filter(|h| h["kind"] == "transit-gateway-route-table").filter_map(|h| h["id"].as_str()).collect();
    assert_eq!(back, ["tgw-rtb-0west", "tgw-rtb-0east"]);
    // A port the west account's group does not open: refused there, naming the account.
    let (code, v) = run("80");
    assert_eq!((code, v["verdict"].as_str()), (1, Some("not-reachable")));
    assert_eq!((v["blocked_by"]["id"].as_str(), v["blocked_by"]["account"].as_str()), (Some("sg-0west"), Some("222222222222")));
    // "Security group references are not supported across inter-Region peering": the
    // west group's rule naming the east account's group admits nothing from it.
    let (code, v) = run("5432");
    assert_eq!((code, v["verdict"].as_str(), v["blocked_by"]["id"].as_str()), (1, Some("not-reachable"), Some("sg-0west")), "{v:#}");
}

/// A security group rule naming another account's group (`account/sg-id`) across a
/// same-Region VPC peering between the accounts admits that group's members and no one else.
#[test]
fn cross_account_security_group_reference_over_a_same_region_peering() {
    use serde_json::json;
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path();
    let pcx = json!({"VpcPeeringConnections": [{"VpcPeeringConnectionId": "pcx-0ab", "Status": {"Code": "active"},
        "RequesterVpcInfo": {"VpcId": "vpc-0a", "OwnerId": "111111111111", "CidrBlock": "10.91.0.0/16", "Region": "us-east-1"},
        "AccepterVpcInfo": {"VpcId": "vpc-0b", "OwnerId": "222222222222", "CidrBlock": "10.92.0.0/16", "Region": "us-east-1"}}]});
    for (account, side, net, other) in [("111111111111", "a", 91, 92), ("222222222222", "b", 92, 91)] {
        let dir = snap.join("accounts").join(account).join("us-east-1");
        std::fs::create_dir_all(&dir).unwrap();
        let write = |key: &str, items: Value| {
            std::fs::write(dir.join(format!("{key}.json")), serde_json::to_vec_pretty(&json!({ key: items })).unwrap()).unwrap();
        };
        let (vpc, subnet) = (format!("vpc-0{side}"), format!("subnet-0{side}"));
        write("Vpcs", json!([{"VpcId": vpc, "CidrBlock": format!("10.{net}.0.0/16"), "OwnerId": account}]));
        write("Subnets", json!([{"SubnetId": subnet, "VpcId": vpc, "CidrBlock": format!("10.{net}.1.0/24"), "AvailabilityZone": "us-east-1a", "OwnerId": account}]));
        write("RouteTables", json!([{"RouteTableId": format!("rtb-0{side}"), "VpcId": vpc, "Associations": [{"Main": true}],
            "Routes": [{"DestinationCidrBlock": format!("10.{net}.0.0/16"), "GatewayId": "local", "State": "active"},
                       {"DestinationCidrBlock": format!("10.{other}.0.0/16"), "VpcPeeringConnectionId": "pcx-0ab", "State": "active"}]}]));
        write("NetworkAcls", json!([{"NetworkAclId": format!("acl-0{side}"), "VpcId": vpc, "IsDefault": true, "Associations": [{"SubnetId": subnet}],
            "Entries": [{"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0"},
                        {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0"}]}]));
        let egress = json!([{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]);
        let groups = if side == "a" {
            json!([{"GroupId": "sg-0app", "GroupName": "app", "VpcId": vpc, "OwnerId": account, "IpPermissions": [], "IpPermissionsEgress": egress},
                   {"GroupId": "sg-0other", "GroupName": "other", "VpcId": vpc, "OwnerId": account, "IpPermissions": [], "IpPermissionsEgress": egress}])
        } else {
            json!([{"GroupId": "sg-0db", "GroupName": "db", "VpcId": vpc, "OwnerId": account, "IpPermissionsEgress": egress,
                    "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                                       "UserIdGroupPairs": [{"UserId": "111111111111", "GroupId": "sg-0app", "VpcPeeringConnectionId": "pcx-0ab"}]}]}])
        };
        write("SecurityGroups", groups);
        let enis = if side == "a" {
            json!([{"NetworkInterfaceId": "eni-0app", "VpcId": vpc, "SubnetId": subnet, "OwnerId": account, "PrivateIpAddress": "10.91.1.10", "Groups": [{"GroupId": "sg-0app"}]},
                   {"NetworkInterfaceId": "eni-0other", "VpcId": vpc, "SubnetId": subnet, "OwnerId": account, "PrivateIpAddress": "10.91.1.11", "Groups": [{"GroupId": "sg-0other"}]}])
        } else {
            json!([{"NetworkInterfaceId": "eni-0db", "VpcId": vpc, "SubnetId": subnet, "OwnerId": account, "PrivateIpAddress": "10.92.1.10", "Groups": [{"GroupId": "sg-0db"}]}])
        };
        write("NetworkInterfaces", enis);
        // Both accounts list the peering: it is merged once.
        std::fs::write(dir.join("VpcPeeringConnections.json"), serde_json::to_vec_pretty(&pcx).unwrap()).unwrap();
    }
    let run = |from: &str| {
        let r = vpcscope(["reach", "--snapshot", snap.to_str().unwrap(), "--from", from, "--to", "eni-0db", "--port", "5432", "--format", "json"]);
        assert!(!r.stderr.contains("warning"), "{}", r.stderr);
        (r.code, r.json())
    };
    let (code, v) = run("eni-0app");
    assert_eq!((code, v["verdict"].as_str()), (0, Some("reachable")), "{v:#}");
    let sg_hop = v["forward"]["hops"].as_array().unwrap().iter().find(|h| h["id"] == "sg-0db").cloned().unwrap_or_default();
    assert_eq!(sg_hop["account"], "222222222222");
    let (code, v) = run("eni-0other");
    assert_eq!((code, v["verdict"].as_str(), v["blocked_by"]["id"].as_str()), (1, Some("not-reachable"), Some("sg-0db")), "{v:#}");
}

/// Batfish's `test-multi-account`: two accounts' directories, each with a VPC of the same
/// name and CIDR in a different Region. Both VPCs are kept (distinct ids), each in the Region
/// its directory names, owned by the account its document's `OwnerId` names.
#[test]
fn batfish_multi_account_keeps_both_accounts_vpcs_in_their_regions() {
    let Some(fx) = shared_fixtures() else { return };
    let snap = fx.join("batfish-aws/test-multi-account");
    let loaded = vpcscope::source::snapshot::load(&snap).expect("loads");
    let mut vpcs: Vec<(String, Option<String>, Option<String>)> = loaded
        .model
        .vpcs
        .iter()
        .map(|v| (v.id.to_string(), v.region.clone(), v.owner.clone()))
        .collect();
    vpcs.sort();
    let owner = Some("554773406868".to_string());
    assert_eq!(
        vpcs,
        [
            ("vpc-0008a7b45e3ddf1dd".to_string(), Some("us-west-2".to_string()), owner.clone()),
            ("vpc-015b20578b48c1349".to_string(), Some("us-west-1".to_string()), owner),
        ]
    );
    let r = vpcscope(["ls", "--snapshot", snap.to_str().unwrap()]);
    assert!(r.stdout.contains("region=us-west-1") && r.stdout.contains("region=us-west-2"), "{}", r.stdout);
}
