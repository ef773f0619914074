//! AWS Network Firewall (`Firewalls`, `FirewallPolicies`, `RuleGroups`: the outputs of
//! `describe-firewall`, `describe-firewall-policy` and `describe-rule-group`).

use super::{dedup, net, Raw, Warnings};
use crate::aws;
use crate::model::*;
use ipnet::IpNet;

/// Firewalls, their policies and rule groups.
pub(super) fn firewalls(raw: &mut Raw, m: &mut Model, w: &mut Warnings) {
    for f in dedup(std::mem::take(&mut raw.firewalls), |f| f.firewall.firewall_arn.clone().unwrap_or_default()) {
        let fw = f.firewall;
        let (Some(id), Some(vpc)) = (fw.firewall_arn.clone(), fw.vpc_id.clone()) else {
            w.push(format!("Firewalls: firewall {} without an ARN or VPC; ignored", fw.firewall_name.unwrap_or_default()));
            continue;
        };
        let mut endpoints: Vec<FirewallEndpoint> = f
            .firewall_status
            .iter()
            .flat_map(|s| &s.sync_states)
            .filter_map(|(az, s)| {
                let a = s.attachment.as_ref()?;
                Some(FirewallEndpoint { az: az.clone(), subnet: SubnetId(a.subnet_id.clone()?), endpoint: VpceId(a.endpoint_id.clone()?) })
            })
            .collect();
        endpoints.sort_by(|a, b| a.az.cmp(&b.az));
        if endpoints.is_empty() {
            w.push(format!("firewall {}: no endpoint in FirewallStatus.SyncStates; routes to it are unknown", fw.firewall_name.clone().unwrap_or_else(|| id.clone())));
        }
        m.firewalls.push(Firewall {
            name: fw.firewall_name.unwrap_or_else(|| id.clone()),
            id,
            vpc: VpcId(vpc),
            policy: fw.firewall_policy_arn.unwrap_or_default(),
            endpoints,
        });
    }
    for p in dedup(std::mem::take(&mut raw.firewall_policies), |p| p.firewall_policy_response.firewall_policy_arn.clone().unwrap_or_default()) {
        let Some(id) = p.firewall_policy_response.firewall_policy_arn.clone() else { continue };
        let pol = p.firewall_policy;
        let mut stateless: Vec<(i64, String)> = pol.stateless_rule_group_references.iter().filter_map(|r| Some((r.priority.unwrap_or(0), r.resource_arn.clone()?))).collect();
        stateless.sort();
        let strict = pol.stateful_engine_options.as_ref().and_then(|o| o.rule_order.as_deref()) == Some("STRICT_ORDER");
        let mut stateful: Vec<(Option<i64>, String)> = pol.stateful_rule_group_references.iter().filter_map(|r| Some((r.priority, r.resource_arn.clone()?))).collect();
        if strict {
            stateful.sort_by_key(|(p, _)| p.unwrap_or(i64::MAX));
        }
        m.firewall_policies.push(FirewallPolicy {
            name: p.firewall_policy_response.firewall_policy_name.unwrap_or_else(|| id.clone()),
            id,
            stateless_groups: stateless,
            stateless_default: StatelessAction::from_actions(&pol.stateless_default_actions),
            stateful_groups: stateful,
            strict_order: strict,
            stateful_default: pol.stateful_default_actions,
        });
    }
    for g in dedup(std::mem::take(&mut raw.rule_groups), |g| g.rule_group_response.rule_group_arn.clone().unwrap_or_default()) {
        let Some(id) = g.rule_group_response.rule_group_arn.clone() else { continue };
        let name = g.rule_group_response.rule_group_name.clone().unwrap_or_else(|| id.clone());
        m.rule_groups.push(rule_group(id, name, &g.rule_group));
    }
}

fn rule_group(id: String, name: String, g: &aws::NfwRuleGroup) -> RuleGroup {
    let src = &g.rules_source;
    let mut undecidable = None;
    if src.rules_string.as_deref().is_some_and(|s| !s.trim().is_empty()) {
        undecidable = Some("Suricata rules (they may match on payloads)".to_string());
    } else if src.rules_source_list.is_some() {
        undecidable = Some("a domain list (it matches on HTTP host and TLS SNI)".to_string());
    }
    let vars = |name: &str| -> Option<Vec<IpNet>> {
        let set = g.rule_variables.as_ref()?.ip_sets.get(name)?;
        set.definition.iter().map(|d| net(d)).collect()
    };
    let mut stateful = Vec::new();
    for r in &src.stateful_rules {
        match stateful_rule(r, &vars) {
            Ok(x) => stateful.push(x),
            Err(why) => {
                undecidable.get_or_insert(why);
            }
        }
    }
    let mut stateless: Vec<StatelessRule> = src
        .stateless_rules_and_custom_actions
        .iter()
        .flat_map(|s| &s.stateless_rules)
        .map(|r| {
            let a = &r.rule_definition.match_attributes;
            let nets = |v: &[aws::NfwAddress]| v.iter().filter_map(|x| x.address_definition.as_deref().and_then(net)).collect();
            let ports = |v: &[aws::NfwPortRange]| {
                v.iter()
                    .filter_map(|x| {
                        let from = u16::try_from(x.from_port?).ok()?;
                        let to = u16::try_from(x.to_port.unwrap_or(i64::from(from))).ok()?;
                        Some(PortRange { from, to })
                    })
                    .collect()
            };
            StatelessRule {
                priority: r.priority.unwrap_or(0),
                sources: nets(&a.sources),
                destinations: nets(&a.destinations),
                source_ports: ports(&a.source_ports),
                destination_ports: ports(&a.destination_ports),
                protocols: a.protocols.iter().filter_map(|p| u8::try_from(*p).ok()).collect(),
                tcp_flags: !a.tcp_flags.is_empty(),
                action: StatelessAction::from_actions(&r.rule_definition.actions),
            }
        })
        .collect();
    stateless.sort_by_key(|r| r.priority);
    RuleGroup { id, name, stateless, stateful, undecidable }
}

/// A stateful 5-tuple rule, or why the model cannot read it.
fn stateful_rule(r: &aws::NfwStatefulRule, vars: &dyn Fn(&str) -> Option<Vec<IpNet>>) -> Result<StatefulRule, String> {
    let h = &r.header;
    let action = match r.action.as_deref().map(str::to_ascii_uppercase).as_deref() {
        Some("PASS") => StatefulAction::Pass,
        Some("DROP") => StatefulAction::Drop,
        Some("REJECT") => StatefulAction::Reject,
        Some("ALERT") => StatefulAction::Alert,
        other => return Err(format!("a stateful rule with action {}", other.unwrap_or("none"))),
    };
    let proto = h.protocol.as_deref().unwrap_or("IP").to_ascii_uppercase();
    let protocol = match proto.as_str() {
        "IP" => None,
        "TCP" => Some(6),
        "UDP" => Some(17),
        "ICMP" => Some(1),
        // Application protocols (HTTP, TLS, DNS, ...) are detected in the payload.
        other => return Err(format!("a stateful rule on application protocol {other}")),
    };
    let addrs = |s: Option<&str>| -> Result<FwAddresses, String> {
        let s = s.unwrap_or("ANY").trim();
        if s.eq_ignore_ascii_case("any") {
            return Ok(FwAddresses::Any);
        }
        if let Some(v) = s.strip_prefix('$') {
            return vars(v).map(FwAddresses::Nets).ok_or_else(|| format!("a stateful rule on variable ${v}, which the rule group does not define"));
        }
        net(s).map(|n| FwAddresses::Nets(vec![n])).ok_or_else(|| format!("a stateful rule on addresses `{s}`"))
    };
    let ports = |s: Option<&str>| -> Result<Option<PortRange>, String> {
        let s = s.unwrap_or("ANY").trim();
        if s.eq_ignore_ascii_case("any") {
            return Ok(None);
        }
        let parse = |x: &str| x.trim().parse::<u16>().map_err(|_| format!("a stateful rule on ports `{s}`"));
        match s.split_once(':') {
            Some((a, b)) => Ok(Some(PortRange { from: parse(a)?, to: if b.trim().is_empty() { 65535 } else { parse(b)? } })),
            None => {
                let p = parse(s)?;
                Ok(Some(PortRange { from: p, to: p }))
            }
        }
    };
    let text = format!(
        "{} {} {} {} {} {} {}",
        r.action.as_deref().unwrap_or_default(),
        proto,
        h.source.as_deref().unwrap_or("ANY"),
        h.source_port.as_deref().unwrap_or("ANY"),
        if h.direction.as_deref() == Some("ANY") { "<>" } else { "->" },
        h.destination.as_deref().unwrap_or("ANY"),
        h.destination_port.as_deref().unwrap_or("ANY"),
    );
    Ok(StatefulRule {
        action,
        protocol,
        source: addrs(h.source.as_deref())?,
        source_ports: ports(h.source_port.as_deref())?,
        destination: addrs(h.destination.as_deref())?,
        destination_ports: ports(h.destination_port.as_deref())?,
        both_ways: h.direction.as_deref() == Some("ANY"),
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::super::convert_with;
    use super::*;
    use serde_json::json;

    #[test]
    fn firewall_endpoints_policy_and_rule_groups_are_read() {
        let (m, w) = convert_with(
            json!({
                "Firewalls": [{"Firewall": {"FirewallName": "inspect", "FirewallArn": "arn:fw", "FirewallPolicyArn": "arn:pol", "VpcId": "vpc-1",
                    "SubnetMappings": [{"SubnetId": "subnet-fw-a"}]},
                    "FirewallStatus": {"Status": "READY", "SyncStates": {"us-east-1a": {"Attachment": {"SubnetId": "subnet-fw-a", "EndpointId": "vpce-fw-a", "Status": "READY"}}}}}],
                "FirewallPolicies": [{"FirewallPolicyResponse": {"FirewallPolicyName": "p", "FirewallPolicyArn": "arn:pol"},
                    "FirewallPolicy": {"StatelessDefaultActions": ["aws:forward_to_sfe"], "StatelessFragmentDefaultActions": ["aws:forward_to_sfe"],
                        "StatelessRuleGroupReferences": [{"ResourceArn": "arn:sl", "Priority": 10}],
                        "StatefulRuleGroupReferences": [{"ResourceArn": "arn:sf", "Priority": 1}], "StatefulDefaultActions": ["aws:drop_strict"],
                        "StatefulEngineOptions": {"RuleOrder": "STRICT_ORDER"}}}],
                "RuleGroups": [
                    {"RuleGroupResponse": {"RuleGroupName": "sl", "RuleGroupArn": "arn:sl", "Type": "STATELESS"},
                     "RuleGroup": {"RulesSource": {"StatelessRulesAndCustomActions": {"StatelessRules": [{"Priority": 5, "RuleDefinition": {
                        "MatchAttributes": {"Sources": [{"AddressDefinition": "0.0.0.0/0"}], "DestinationPorts": [{"FromPort": 22, "ToPort": 22}], "Protocols": [6]},
                        "Actions": ["aws:drop"]}}]}}}},
                    {"RuleGroupResponse": {"RuleGroupName": "sf", "RuleGroupArn": "arn:sf", "Type": "STATEFUL"},
                     "RuleGroup": {"RuleVariables": {"IPSets": {"HOME_NET": {"Definition": ["10.0.0.0/8"]}}},
                        "RulesSource": {"StatefulRules": [{"Action": "PASS", "Header": {"Protocol": "TCP", "Source": "$HOME_NET", "SourcePort": "ANY",
                        "Direction": "FORWARD", "Destination": "ANY", "DestinationPort": "443"}, "RuleOptions": [{"Keyword": "sid", "Settings": ["1"]}]}]}}},
                    {"RuleGroupResponse": {"RuleGroupName": "domains", "RuleGroupArn": "arn:dom", "Type": "STATEFUL"},
                     "RuleGroup": {"RulesSource": {"RulesSourceList": {"Targets": [".example.com"], "TargetTypes": ["TLS_SNI"], "GeneratedRulesType": "ALLOWLIST"}}}}]
            }),
            &[firewalls],
        );
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(m.firewalls[0].endpoints[0].endpoint, VpceId("vpce-fw-a".into()));
        let p = &m.firewall_policies[0];
        assert_eq!((p.stateless_default, p.strict_order, p.stateful_default.as_slice()), (Some(StatelessAction::Forward), true, ["aws:drop_strict".to_string()].as_slice()));
        assert_eq!(m.rule_groups[0].stateless[0].action, Some(StatelessAction::Drop));
        let sf = &m.rule_groups[1].stateful[0];
        assert_eq!((sf.action, sf.protocol, sf.destination_ports), (StatefulAction::Pass, Some(6), Some(PortRange { from: 443, to: 443 })));
        assert_eq!(sf.source, FwAddresses::Nets(vec!["10.0.0.0/8".parse().unwrap()]));
        assert!(m.rule_groups[2].undecidable.as_deref().is_some_and(|u| u.contains("domain list")));
    }
}
