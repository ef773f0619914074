//! Inspection on the path: AWS Network Firewall endpoints (routes and ingress routing),
//! Gateway Load Balancer endpoints and appliance interfaces.

#[cfg(test)]
mod tests {
    use super::super::tests::{base, run};
    use super::super::*;
    use serde_json::{json, Value};

    /// `base()` with firewall `inspect` (endpoint `vpce-fw` in subnet-fw 10.0.5.0/24, whose
    /// routes send 0/0 to the internet gateway): subnet-pub sends 0/0 to the endpoint and the
    /// internet gateway's edge route table sends subnet-pub's range to it, so both directions of
    /// eni-web's internet traffic are inspected. The policy forwards everything to the stateful
    /// engine, which passes TCP 443 and drops the rest (strict order, `aws:drop_strict`).
    fn with_firewall() -> Value {
        let mut v = base();
        v["Subnets"].as_array_mut().unwrap().push(json!({"SubnetId": "subnet-fw", "VpcId": "vpc-a", "CidrBlock": "10.0.5.0/24", "AvailabilityZone": "az-a"}));
        v["RouteTables"][1]["Routes"][1] = json!({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "vpce-fw"});
        let rts = v["RouteTables"].as_array_mut().unwrap();
        rts.push(json!({"RouteTableId": "rtb-fw", "VpcId": "vpc-a", "Associations": [{"SubnetId": "subnet-fw"}], "Routes": [
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"}, {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-a"}]}));
        rts.push(json!({"RouteTableId": "rtb-edge", "VpcId": "vpc-a", "Associations": [{"GatewayId": "igw-a"}], "Routes": [
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"}, {"DestinationCidrBlock": "10.0.0.0/24", "GatewayId": "vpce-fw"}]}));
        v["Firewalls"] = json!([{"Firewall": {"FirewallName": "inspect", "FirewallArn": "arn:fw/inspect", "FirewallPolicyArn": "arn:pol", "VpcId": "vpc-a"},
            "FirewallStatus": {"SyncStates": {"az-a": {"Attachment": {"SubnetId": "subnet-fw", "EndpointId": "vpce-fw", "Status": "READY"}}}}}]);
        v["FirewallPolicies"] = json!([{"FirewallPolicyResponse": {"FirewallPolicyName": "pol", "FirewallPolicyArn": "arn:pol"},
            "FirewallPolicy": {"StatelessDefaultActions": ["aws:forward_to_sfe"], "StatelessFragmentDefaultActions": ["aws:forward_to_sfe"],
                "StatelessRuleGroupReferences": [], "StatefulRuleGroupReferences": [{"ResourceArn": "arn:web", "Priority": 1}],
                "StatefulDefaultActions": ["aws:drop_strict"], "StatefulEngineOptions": {"RuleOrder": "STRICT_ORDER"}}}]);
        v["RuleGroups"] = json!([{"RuleGroupResponse": {"RuleGroupName": "web", "RuleGroupArn": "arn:web", "Type": "STATEFUL"},
            "RuleGroup": {"RulesSource": {"StatefulRules": [{"Action": "PASS", "Header": {"Protocol": "TCP", "Source": "ANY", "SourcePort": "ANY",
                "Direction": "FORWARD", "Destination": "10.0.0.0/24", "DestinationPort": "443"}}]}}}]);
        // sg-web admits 443 and 8443 from anywhere, so that the firewall decides.
        v["SecurityGroups"][0]["IpPermissions"].as_array_mut().unwrap().push(json!({"IpProtocol": "tcp", "FromPort": 8443, "ToPort": 8443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}));
        v
    }

    fn code(t: &Trace) -> &str {
        t.blocked_by.as_ref().map(|b| b.code.as_str()).unwrap_or("")
    }

    #[test]
    fn firewall_endpoint_inspects_both_directions_and_its_policy_decides() {
        let v = with_firewall();
        let t = run(&v, "1.2.3.4", "eni-web", Protocol::Tcp, 443);
        // `run` sends an outside address as `External`: the internet here.
        assert!(t.reachable, "{t:#?}");
        let inspected = |l: &Leg| l.hops.iter().filter(|h| matches!(h.step, Step::Inspected { .. })).count();
        assert_eq!((inspected(&t.forward), inspected(t.ret.as_ref().unwrap())), (1, 1));
        let t = run(&v, "1.2.3.4", "eni-web", Protocol::Tcp, 8443);
        assert_eq!((t.verdict, code(&t)), (Verdict::NotReachable, "NETWORK_FIREWALL_DROP"));
        assert!(crate::report::words::explanation(t.blocked_by.as_ref().unwrap()).contains("aws:drop_strict"));
    }

    #[test]
    fn inspection_return_path_must_use_the_same_firewall_endpoint() {
        // The request is inspected (edge route table), the reply bypasses the firewall.
        let mut v = with_firewall();
        v["RouteTables"][1]["Routes"][1] = json!({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-a"});
        let t = run(&v, "1.2.3.4", "eni-web", Protocol::Tcp, 443);
        assert_eq!((t.verdict, code(&t)), (Verdict::NotReachable, "ASYMMETRIC_INSPECTION"), "{t:#?}");
        assert_eq!(t.blocked_by.as_ref().unwrap().path, PathKind::Return);
        // The request bypasses it (no edge association), the reply reaches its stateful engine.
        let mut v = with_firewall();
        v["RouteTables"].as_array_mut().unwrap().pop();
        let t = run(&v, "1.2.3.4", "eni-web", Protocol::Tcp, 443);
        assert_eq!((t.verdict, code(&t)), (Verdict::NotReachable, "ASYMMETRIC_INSPECTION"), "{t:#?}");
    }

    #[test]
    fn stateless_rules_decide_before_the_stateful_engine() {
        let mut v = with_firewall();
        v["FirewallPolicies"][0]["FirewallPolicy"]["StatelessRuleGroupReferences"] = json!([{"ResourceArn": "arn:sl", "Priority": 1}]);
        v["RuleGroups"].as_array_mut().unwrap().push(json!({"RuleGroupResponse": {"RuleGroupName": "sl", "RuleGroupArn": "arn:sl", "Type": "STATELESS"},
            "RuleGroup": {"RulesSource": {"StatelessRulesAndCustomActions": {"StatelessRules": [
                {"Priority": 1, "RuleDefinition": {"MatchAttributes": {"Sources": [{"AddressDefinition": "1.2.3.0/24"}], "Protocols": [6]}, "Actions": ["aws:drop"]}}]}}}}));
        let t = run(&v, "1.2.3.4", "eni-web", Protocol::Tcp, 443);
        assert_eq!(code(&t), "NETWORK_FIREWALL_DROP");
        assert!(crate::report::words::explanation(t.blocked_by.as_ref().unwrap()).contains("stateless rule 1 of sl"));
        assert!(run(&v, "5.6.7.8", "eni-web", Protocol::Tcp, 443).reachable);
    }

    #[test]
    fn firewall_rules_that_match_payloads_are_undecided_unless_something_else_stops_the_flow() {
        let mut v = with_firewall();
        v["RuleGroups"][0]["RuleGroup"]["RulesSource"] = json!({"RulesSourceList": {"Targets": [".example.com"], "TargetTypes": ["TLS_SNI"], "GeneratedRulesType": "ALLOWLIST"}});
        let t = run(&v, "1.2.3.4", "eni-web", Protocol::Tcp, 443);
        assert_eq!((t.verdict, code(&t)), (Verdict::Unknown, "NETWORK_FIREWALL_UNDECIDED"), "{t:#?}");
        // A port the security group refuses is refused whatever the firewall would do.
        let t = run(&v, "1.2.3.4", "eni-web", Protocol::Tcp, 8080);
        assert_eq!((t.verdict, code(&t)), (Verdict::NotReachable, "ENI_SG_RULES_MISMATCH"));
    }

    #[test]
    fn a_firewall_policy_missing_from_the_snapshot_is_undecided() {
        let mut v = with_firewall();
        v.as_object_mut().unwrap().remove("FirewallPolicies");
        assert_eq!(run(&v, "1.2.3.4", "eni-web", Protocol::Tcp, 443).verdict, Verdict::Unknown);
    }

    /// `base()` where subnet-app's default route goes to appliance eni-app2 (in the same subnet).
    fn with_appliance(check: bool) -> Value {
        let mut v = base();
        v["RouteTables"][0]["Routes"][1] = json!({"DestinationCidrBlock": "0.0.0.0/0", "NetworkInterfaceId": "eni-appb"});
        v["NetworkInterfaces"][3]["SourceDestCheck"] = json!(check);
        // The appliance sits in subnet-appb, whose table is the main one too: route it out.
        v["RouteTables"].as_array_mut().unwrap().push(json!({"RouteTableId": "rtb-appb", "VpcId": "vpc-a", "Associations": [{"SubnetId": "subnet-appb"}], "Routes": [
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"}, {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-a"}]}));
        v
    }

    #[test]
    fn appliance_route_needs_source_dest_check_off() {
        let t = run(&with_appliance(true), "eni-app1", "8.8.8.8", Protocol::Tcp, 443);
        assert_eq!((t.verdict, code(&t)), (Verdict::NotReachable, "SOURCE_DEST_CHECK_RESTRICTION"), "{t:#?}");
    }

    #[test]
    fn appliance_route_is_followed_and_unknown_past_the_appliance() {
        // The appliance's groups (sg-app) admit nothing on 443 from app1's address? They admit
        // 22 from 10.0.0.0/16: SSH goes through the appliance and on; the appliance's own
        // software decides, so the answer is unknown, naming it.
        let t = run(&with_appliance(false), "eni-app1", "8.8.8.8", Protocol::Tcp, 22);
        assert_eq!((t.verdict, code(&t)), (Verdict::Unknown, "APPLIANCE_NOT_MODELLED"), "{t:#?}");
        assert!(t.forward.hops.iter().any(|h| h.step == Step::Appliance && h.id == "eni-appb"));
        // Port 443: the appliance's security group refuses it, which is certain.
        let t = run(&with_appliance(false), "eni-app1", "8.8.8.8", Protocol::Tcp, 443);
        assert_eq!((t.verdict, code(&t)), (Verdict::NotReachable, "ENI_SG_RULES_MISMATCH"), "{t:#?}");
    }

    #[test]
    fn gwlb_endpoint_route_is_unknown_unless_a_later_rule_stops_it() {
        // subnet-app sends 0/0 to GWLB endpoint vpce-gw in subnet-appb, whose own table sends
        // it on to the NAT gateway.
        let mut v = base();
        v["VpcEndpoints"] = json!([{"VpcEndpointId": "vpce-gw", "VpcId": "vpc-a", "VpcEndpointType": "GatewayLoadBalancer", "State": "available",
            "ServiceName": "com.amazonaws.vpce.us-east-1.vpce-svc-1", "NetworkInterfaceIds": ["eni-gwe"]}]);
        v["NetworkInterfaces"].as_array_mut().unwrap().push(json!({"NetworkInterfaceId": "eni-gwe", "VpcId": "vpc-a", "SubnetId": "subnet-appb",
            "PrivateIpAddress": "10.0.2.77", "InterfaceType": "gateway_load_balancer_endpoint", "Groups": []}));
        v["RouteTables"][0]["Routes"][1] = json!({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "vpce-gw"});
        v["RouteTables"].as_array_mut().unwrap().push(json!({"RouteTableId": "rtb-appb", "VpcId": "vpc-a", "Associations": [{"SubnetId": "subnet-appb"}], "Routes": [
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"}, {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-a"}]}));
        let t = run(&v, "eni-app1", "8.8.8.8", Protocol::Tcp, 443);
        assert_eq!((t.verdict, code(&t)), (Verdict::Unknown, "APPLIANCE_NOT_MODELLED"), "{t:#?}");
        assert!(t.forward.hops.iter().any(|h| h.kind == Kind::NatGateway), "the walk goes on past the endpoint");
        // Past the endpoint the routes go straight to the internet gateway, and eni-app1 has no
        // public address: whatever the appliances do, the flow cannot work.
        v["RouteTables"][3]["Routes"][1] = json!({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-a"});
        let t = run(&v, "eni-app1", "8.8.8.8", Protocol::Tcp, 443);
        assert_eq!(t.verdict, Verdict::NotReachable, "{t:#?}");
    }
}
