//! Load balancers: ELBv2 (`LoadBalancers`, `LoadBalancerListeners`,
//! `LoadBalancerListenerRules`, `TargetGroups`, `LoadBalancerTargetHealth`,
//! `LoadBalancerAttributes`, `TargetGroupAttributes`) and Classic
//! (`LoadBalancerDescriptions`, whose listeners and instances become one target group per
//! instance port).

use super::{dedup, port, Raw, Warnings};
use crate::aws;
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet};

fn attribute<'a>(sets: &'a [aws::AttributeSet], matches: impl Fn(&aws::AttributeSet) -> bool, key: &str) -> Option<&'a str> {
    sets.iter().filter(|s| matches(s)).flat_map(|s| &s.attributes).find(|a| a.key == key).map(|a| a.value.as_str())
}

fn flag(v: Option<&str>) -> Option<bool> {
    match v?.trim() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// The target groups an action forwards to.
fn forwards(a: &aws::LbAction) -> Vec<String> {
    if !a.r#type.as_deref().is_none_or(|t| t.eq_ignore_ascii_case("forward")) {
        return Vec::new();
    }
    let mut out: Vec<String> = a.target_group_arn.iter().cloned().collect();
    if let Some(f) = &a.forward_config {
        out.extend(f.target_groups.iter().filter_map(|g| g.target_group_arn.clone()));
    }
    out.sort();
    out.dedup();
    out
}

fn health_port(s: Option<&str>) -> Option<HealthCheckPort> {
    match s.map(str::trim) {
        None | Some("") | Some("traffic-port") => Some(HealthCheckPort::TrafficPort),
        Some(p) => p.parse().ok().map(HealthCheckPort::Port),
    }
}

/// Load balancers, their listeners and their target groups.
pub(super) fn load_balancers(raw: &mut Raw, m: &mut Model, w: &mut Warnings) {
    let listener_sets = std::mem::take(&mut raw.lb_listeners);
    let rule_sets = std::mem::take(&mut raw.lb_rules);
    let lb_attrs = std::mem::take(&mut raw.lb_attributes);
    let tg_attrs = std::mem::take(&mut raw.tg_attributes);
    let mut health: BTreeMap<String, Vec<Target>> = BTreeMap::new();
    for set in std::mem::take(&mut raw.target_health) {
        let Some(arn) = set.target_group_arn else {
            w.push("LoadBalancerTargetHealth: an entry without a TargetGroupArn; ignored".to_string());
            continue;
        };
        let targets = health.entry(arn).or_default();
        for d in set.target_health_descriptions {
            targets.push(Target {
                id: d.target.id,
                port: port(d.target.port),
                az: d.target.availability_zone,
                health: d.target_health.and_then(|h| h.state).unwrap_or_else(|| "registered".into()),
            });
        }
    }
    for g in dedup(std::mem::take(&mut raw.target_groups), |g| g.target_group_arn.clone().unwrap_or_default()) {
        let Some(arn) = g.target_group_arn.clone() else { continue };
        let is = |s: &aws::AttributeSet| s.target_group_arn.as_deref() == Some(arn.as_str());
        let target_type = match g.target_type.as_deref() {
            Some("ip") => TargetType::Ip,
            Some("lambda") => TargetType::Lambda,
            Some("alb") => TargetType::Alb,
            _ => TargetType::Instance,
        };
        m.target_groups.push(TargetGroup {
            name: g.target_group_name.clone().unwrap_or_else(|| arn.clone()),
            protocol: g.protocol.clone().unwrap_or_default(),
            port: port(g.port),
            target_type,
            vpc: g.vpc_id.clone().map(VpcId),
            health_check: if g.health_check_enabled == Some(false) { None } else { health_port(g.health_check_port.as_deref()) },
            preserve_client_ip: flag(attribute(&tg_attrs, is, "preserve_client_ip.enabled")),
            cross_zone: flag(attribute(&tg_attrs, is, "load_balancing.cross_zone.enabled")),
            targets: health.remove(&arn),
            id: arn,
        });
    }
    for (arn, _) in health {
        w.push(format!("LoadBalancerTargetHealth: target group {arn} is not in TargetGroups; its targets are ignored"));
    }
    for lb in dedup(std::mem::take(&mut raw.lbs), |l| l.load_balancer_arn.clone().or(l.load_balancer_name.clone()).unwrap_or_default()) {
        let classic = lb.load_balancer_arn.is_none() && (lb.r#type.is_none() || !lb.listener_descriptions.is_empty());
        let Some(id) = lb.load_balancer_arn.clone().or(lb.load_balancer_name.clone()) else { continue };
        let name = lb.load_balancer_name.clone().unwrap_or_else(|| id.clone());
        let Some(vpc) = lb.vpc_id.clone().or(lb.classic_vpc_id.clone()) else {
            w.push(format!("load balancer {name}: no VPC (EC2-Classic); ignored"));
            continue;
        };
        let mut subnets: Vec<SubnetId> = lb.availability_zones.iter().filter_map(|z| z.subnet_id.clone()).chain(lb.subnets.iter().cloned()).map(SubnetId).collect();
        subnets.sort();
        subnets.dedup();
        let kind = match (classic, lb.r#type.as_deref()) {
            (true, _) => LbKind::Classic,
            (_, Some("network")) => LbKind::Network,
            (_, Some("gateway")) => LbKind::Gateway,
            _ => LbKind::Application,
        };
        let (listeners, listeners_captured, node_description) = if classic {
            (classic_listeners(&lb, &name, m), true, format!("ELB {name}"))
        } else {
            let mine: Vec<&aws::LbListener> = listener_sets
                .iter()
                .flat_map(|s| s.listeners.iter().map(move |l| (s, l)))
                .filter(|(s, l)| s.load_balancer_arn.as_deref().or(l.load_balancer_arn.as_deref()) == Some(id.as_str()))
                .map(|(_, l)| l)
                .collect();
            let captured = !mine.is_empty() || listener_sets.iter().any(|s| s.load_balancer_arn.as_deref() == Some(id.as_str()));
            let listeners = mine
                .into_iter()
                .filter_map(|l| {
                    let listener_arn = l.listener_arn.clone().unwrap_or_default();
                    let target_groups: Vec<String> = l.default_actions.iter().flat_map(forwards).collect();
                    let mut conditional: BTreeSet<String> = rule_sets
                        .iter()
                        .filter(|r| r.listener_arn.as_deref() == Some(listener_arn.as_str()))
                        .flat_map(|r| &r.rules)
                        .filter(|r| !r.is_default)
                        .flat_map(|r| r.actions.iter().flat_map(forwards))
                        .collect();
                    conditional.retain(|g| !target_groups.contains(g));
                    let answers_itself = l
                        .default_actions
                        .iter()
                        .filter_map(|a| a.r#type.as_deref())
                        .find(|t| t.eq_ignore_ascii_case("redirect") || t.eq_ignore_ascii_case("fixed-response"))
                        .map(str::to_string);
                    Some(Listener {
                        id: listener_arn,
                        port: port(l.port)?,
                        protocol: l.protocol.clone().unwrap_or_default(),
                        target_groups,
                        conditional_target_groups: conditional.into_iter().collect(),
                        answers_itself,
                    })
                })
                .collect();
            let suffix = id.split_once(":loadbalancer/").map(|(_, s)| s.to_string()).unwrap_or_else(|| name.clone());
            (listeners, captured, format!("ELB {suffix}"))
        };
        let is = |s: &aws::AttributeSet| s.load_balancer_arn.as_deref() == Some(id.as_str());
        m.load_balancers.push(LoadBalancer {
            name,
            kind,
            internet_facing: lb.scheme.as_deref() == Some("internet-facing"),
            vpc: VpcId(vpc),
            subnets,
            security_groups: lb.security_groups.iter().cloned().map(SgId).collect(),
            listeners,
            listeners_captured,
            cross_zone: flag(attribute(&lb_attrs, is, "load_balancing.cross_zone.enabled")),
            node_description,
            dns_name: lb.dns_name.clone().unwrap_or_default(),
            id,
        });
    }
    for lb in &m.load_balancers {
        for g in lb.listeners.iter().flat_map(|l| l.target_groups.iter().chain(&l.conditional_target_groups)) {
            if !m.target_groups.iter().any(|t| &t.id == g) {
                w.push(format!("load balancer {}: target group {g} is not in TargetGroups; paths through it are unknown", lb.name));
            }
        }
    }
}

/// A Classic load balancer's listeners; each distinct instance port becomes a target group
/// `NAME:PORT` holding the registered instances.
fn classic_listeners(lb: &aws::LoadBalancer, name: &str, m: &mut Model) -> Vec<Listener> {
    let health = lb.health_check.as_ref().and_then(|h| h.target.as_deref()).and_then(|t| {
        let rest = t.split_once(':')?.1;
        rest.split('/').next()?.parse::<u16>().ok()
    });
    let mut out = Vec::new();
    for d in &lb.listener_descriptions {
        let l = &d.listener;
        let (Some(lb_port), Some(instance_port)) = (port(l.load_balancer_port), port(l.instance_port)) else { continue };
        let group = format!("{name}:{instance_port}");
        if !m.target_groups.iter().any(|g| g.id == group) {
            m.target_groups.push(TargetGroup {
                id: group.clone(),
                name: group.clone(),
                protocol: l.instance_protocol.clone().or(l.protocol.clone()).unwrap_or_default(),
                port: Some(instance_port),
                target_type: TargetType::Instance,
                vpc: lb.vpc_id.clone().or(lb.classic_vpc_id.clone()).map(VpcId),
                health_check: Some(health.map_or(HealthCheckPort::TrafficPort, HealthCheckPort::Port)),
                preserve_client_ip: Some(false),
                cross_zone: None,
                targets: Some(lb.instances.iter().map(|i| Target { id: i.instance_id.clone(), port: None, az: None, health: "registered".into() }).collect()),
            });
        }
        out.push(Listener {
            id: format!("{name}:{lb_port}"),
            port: lb_port,
            protocol: l.protocol.clone().unwrap_or_default(),
            target_groups: vec![group],
            conditional_target_groups: Vec::new(),
            answers_itself: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::convert_with;
    use super::*;
    use serde_json::json;

    #[test]
    fn elbv2_listeners_target_groups_health_and_attributes_are_joined() {
        let arn = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/web/abc";
        let tg = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web/def";
        let (m, w) = convert_with(
            json!({
                "LoadBalancers": [{"LoadBalancerArn": arn, "LoadBalancerName": "web", "Type": "network", "Scheme": "internet-facing", "VpcId": "vpc-1",
                    "AvailabilityZones": [{"ZoneName": "a", "SubnetId": "subnet-2"}, {"ZoneName": "b", "SubnetId": "subnet-1"}]}],
                "LoadBalancerListeners": [{"LoadBalancerArn": arn, "Listeners": [{"ListenerArn": "l-1", "Port": 443, "Protocol": "TCP",
                    "DefaultActions": [{"Type": "forward", "TargetGroupArn": tg}]}]}],
                "TargetGroups": [{"TargetGroupArn": tg, "TargetGroupName": "web", "Protocol": "TCP", "Port": 8443, "TargetType": "ip", "HealthCheckPort": "9000"}],
                "LoadBalancerTargetHealth": [{"TargetGroupArn": tg, "TargetHealthDescriptions": [{"Target": {"Id": "10.0.0.5", "Port": 8443}, "TargetHealth": {"State": "healthy"}}]}],
                "LoadBalancerAttributes": [{"LoadBalancerArn": arn, "Attributes": [{"Key": "load_balancing.cross_zone.enabled", "Value": "true"}]}],
                "TargetGroupAttributes": [{"TargetGroupArn": tg, "Attributes": [{"Key": "preserve_client_ip.enabled", "Value": "true"}]}]
            }),
            &[load_balancers],
        );
        assert!(w.is_empty(), "{w:?}");
        let lb = &m.load_balancers[0];
        assert_eq!((lb.kind, lb.internet_facing, lb.cross_zone, lb.node_description.as_str()), (LbKind::Network, true, Some(true), "ELB net/web/abc"));
        assert_eq!(lb.subnets, [SubnetId("subnet-1".into()), SubnetId("subnet-2".into())]);
        assert_eq!((lb.listeners[0].port, lb.listeners[0].target_groups.as_slice()), (443, [tg.to_string()].as_slice()));
        let g = &m.target_groups[0];
        assert_eq!((g.health_check, g.preserve_client_ip, g.target_type), (Some(HealthCheckPort::Port(9000)), Some(true), TargetType::Ip));
        assert_eq!(g.targets.as_ref().map(|t| t[0].health.as_str()), Some("healthy"));
        assert!(g.preserves_client_ip(LbKind::Network));
    }

    #[test]
    fn classic_listeners_become_target_groups_of_their_instances() {
        let (m, _) = convert_with(
            json!({"LoadBalancerDescriptions": [{"LoadBalancerName": "old", "Scheme": "internet-facing", "VPCId": "vpc-1", "Subnets": ["subnet-1"],
                "SecurityGroups": ["sg-1"], "AvailabilityZones": ["us-east-1a"],
                "ListenerDescriptions": [{"Listener": {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 8080}}],
                "Instances": [{"InstanceId": "i-1"}], "HealthCheck": {"Target": "HTTP:8081/health"}}]}),
            &[load_balancers],
        );
        let lb = &m.load_balancers[0];
        assert_eq!((lb.kind, lb.node_description.as_str(), lb.listeners[0].port), (LbKind::Classic, "ELB old", 80));
        let g = &m.target_groups[0];
        assert_eq!((g.id.as_str(), g.port, g.health_check), ("old:8080", Some(8080), Some(HealthCheckPort::Port(8081))));
        assert_eq!(g.targets.as_ref().map(|t| t[0].id.as_str()), Some("i-1"));
    }

    #[test]
    fn alb_rules_add_conditional_target_groups_and_missing_groups_are_warned() {
        let arn = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/web/abc";
        let (m, w) = convert_with(
            json!({
                "LoadBalancers": [{"LoadBalancerArn": arn, "LoadBalancerName": "web", "Type": "application", "Scheme": "internal", "VpcId": "vpc-1", "SecurityGroups": ["sg-1"]}],
                "LoadBalancerListeners": [{"LoadBalancerArn": arn, "Listeners": [{"ListenerArn": "l-1", "Port": 80, "Protocol": "HTTP",
                    "DefaultActions": [{"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": "tg-a"}]}}]}]}],
                "LoadBalancerListenerRules": [{"ListenerArn": "l-1", "Rules": [{"IsDefault": false, "Actions": [{"Type": "forward", "TargetGroupArn": "tg-b"}]},
                    {"IsDefault": true, "Actions": [{"Type": "forward", "TargetGroupArn": "tg-a"}]}]}]
            }),
            &[load_balancers],
        );
        let l = &m.load_balancers[0].listeners[0];
        assert_eq!((l.target_groups.as_slice(), l.conditional_target_groups.as_slice()), (["tg-a".to_string()].as_slice(), ["tg-b".to_string()].as_slice()));
        assert_eq!(w.iter().filter(|x| x.contains("not in TargetGroups")).count(), 2, "{w:?}");
    }
}
