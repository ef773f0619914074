//! Load balancers in the audit (`AWS-SEMANTICS.md` §5b): a database or admin port that an
//! internet-facing listener forwards to is exposed to the internet whatever its own subnet's
//! routes say; a target whose own security group is open to the world behind a load
//! balancer that connects from its own addresses is hygiene; a target group whose health
//! checks cannot arrive is a finding.

use super::{allow_evidence, eni_resource, exposure_class, is_admin, listener, plural, service_of, short_list, Finding, FindingKind, PathEvidence, Resource, Severity, DATABASE_PORTS};
use crate::analysis::reach::sweep_internet;
use crate::eval::{self, Endpoint, Verdict};
use crate::model::*;
use crate::report::{words, Fix};
use crate::topology::{Ix, Topology};
use rayon::prelude::*;

/// One target of one listener of an internet-facing load balancer, on a port worth
/// sweeping.
struct Forwarded<'m> {
    lb: &'m LoadBalancer,
    node: Ix,
    listener: &'m crate::model::Listener,
    group: &'m TargetGroup,
    target: &'m Target,
    ix: Ix,
    port: u16,
}

/// The change that closes an exposure through a listener: delete the listener (or make the
/// load balancer internal). Never run by vpcscope.
fn listener_fix(lb: &LoadBalancer, l: &crate::model::Listener) -> Fix {
    let (action, cli) = match lb.kind {
        LbKind::Classic => (
            "delete-load-balancer-listeners",
            format!("aws elb delete-load-balancer-listeners --load-balancer-name {} --load-balancer-ports {}", lb.name, l.port),
        ),
        _ => ("delete-listener", format!("aws elbv2 delete-listener --listener-arn {}", l.id)),
    };
    Fix {
        action: action.into(),
        id: l.id.clone(),
        description: format!(
            "remove listener {}:{} of {} (or put the service behind an internal load balancer, or restrict who may reach the listener)",
            l.protocol, l.port, lb.name
        ),
        aws_cli: Some(cli),
    }
}

/// The targets of internet-facing listeners whose port is a database or admin port (or a
/// managed database's listener).
fn forwarded<'m>(topo: &Topology<'m>) -> Vec<Forwarded<'m>> {
    let m = topo.model;
    let mut out = Vec::new();
    for (li, lb) in m.load_balancers.iter().enumerate().filter(|(_, l)| l.internet_facing) {
        // The node the internet reaches: one with a public address.
        let nodes = topo.lb_nodes(li);
        let Some(&node) = nodes.iter().find(|&&n| m.enis[n].primary_ip().is_some_and(|ip| m.enis[n].public_for(ip).is_some())).or(nodes.first()) else {
            continue;
        };
        for l in &lb.listeners {
            for g in l.target_groups.iter().chain(&l.conditional_target_groups).filter_map(|g| topo.target_group(g)) {
                for t in g.targets.iter().flatten().filter(|t| t.in_service()) {
                    let Ok((ix, _)) = eval::load_balancer_target(topo, g, t) else { continue };
                    let Some(port) = g.target_port(t) else { continue };
                    let managed = listener(topo, ix).ports.contains(&port);
                    if managed || is_admin(port) || DATABASE_PORTS.iter().any(|(p, _)| *p == port) {
                        out.push(Forwarded { lb, node, listener: l, group: g, target: t, ix, port });
                    }
                }
            }
        }
    }
    out
}

/// Exposures through load balancers, and the number of (listener, target) pairs swept.
pub(super) fn exposures(topo: &Topology<'_>) -> (Vec<Finding>, usize) {
    let all = forwarded(topo);
    let findings = all.par_iter().filter_map(|f| exposure(topo, f)).collect();
    (findings, all.len())
}

fn exposure(topo: &Topology<'_>, f: &Forwarded<'_>) -> Option<Finding> {
    let m = topo.model;
    let node = &m.enis[f.node];
    let node_ip = node.primary_ip()?;
    let dst = Endpoint::Eni { ix: f.node, ip: node_ip };
    let lport = f.listener.port;
    let sweep = sweep_internet(topo, (f.node, node_ip), true, |addr| {
        eval::evaluate_through(topo, &Endpoint::Internet(addr), &dst, Protocol::Tcp, eval::DEFAULT_SOURCE_PORT, lport, &f.target.id)
    });
    let l = listener(topo, f.ix);
    let admin = is_admin(f.port) && !l.ports.contains(&f.port);
    let service = l
        .db
        .map(|d| m.db_instances[d].engine.clone())
        .filter(|e| !e.is_empty() && !admin)
        .or_else(|| service_of(f.port).map(str::to_string))
        .unwrap_or_else(|| m.enis[f.ix].kind.label().to_string());
    let resource: Resource = eni_resource(topo, f.ix, &l);
    let label = resource.label();
    let via = format!("load balancer {} ({}, listener {}:{})", f.lb.name, f.lb.kind.label(), f.listener.protocol, lport);
    let path = PathEvidence { sample: sweep.sample, forward: sweep.trace.forward.clone(), ret: sweep.trace.ret.clone() };
    let mut evidence = vec![format!("{via} forwards to target group {} target {} port {}", f.group.name, f.target.id, f.port)];
    if !sweep.ranges.is_empty() {
        let (kind, severity) = exposure_class(admin, &sweep);
        let sources: Vec<String> = if sweep.all { vec!["0.0.0.0/0".into()] } else { sweep.ranges.iter().map(ToString::to_string).collect() };
        let who = if sweep.all { "any internet address".to_string() } else { format!("{} ({})", plural(sources.len(), "public range"), short_list(&sources)) };
        evidence.extend(allow_evidence(&sweep.trace));
        return Some(Finding {
            kind,
            severity,
            title: format!("{service} on {label} port {} is reachable from {who} through {via}", f.port),
            explanation: format!(
                "{label} has no path of its own from the internet to care about: {via} takes connections from {who} and opens its own to {label} on port {} ({service}), and the target's security groups, network ACLs and the replies of both connections let it through (checked over the full path). Its own subnet may well be private: the load balancer is the way in.",
                f.port
            ),
            resource,
            port: Some(f.port),
            protocol: Some(Protocol::Tcp),
            sources,
            path: Some(path),
            evidence,
            closed_by: None,
            fix: Some(listener_fix(f.lb, f.listener)),
            traffic: None,
        });
    }
    if !sweep.unknown.is_empty() {
        let b = sweep.trace.blocked_by.clone();
        let what = b.as_ref().map(|b| format!("{} ({}): {}", b.id, b.code, words::explanation(b))).unwrap_or_default();
        evidence.push(format!("undecided at: {what}"));
        let sources: Vec<String> = sweep.unknown.iter().map(ToString::to_string).collect();
        return Some(Finding {
            kind: FindingKind::UndecidedExposure,
            severity: if admin { Severity::Low } else { Severity::Medium },
            title: format!("{service} on {label} port {} may be reachable from the internet through {via}: the snapshot cannot decide", f.port),
            explanation: format!(
                "{via} forwards to {label} port {}, and the path from {} meets {}, which the model does not evaluate.",
                f.port,
                short_list(&sources),
                b.as_ref().map(|b| b.id.as_str()).unwrap_or("a component")
            ),
            resource,
            port: Some(f.port),
            protocol: Some(Protocol::Tcp),
            sources,
            path: Some(path),
            evidence,
            closed_by: b,
            fix: None,
            traffic: None,
        });
    }
    None
}

/// Hygiene: targets behind a load balancer that connects from its own addresses whose
/// security group admits the target port from anywhere (the load balancer is the only
/// sender they need); health checks that cannot arrive.
pub(super) fn hygiene(topo: &Topology<'_>) -> Vec<Finding> {
    let m = topo.model;
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (li, lb) in m.load_balancers.iter().enumerate() {
        let nodes = topo.lb_nodes(li);
        let groups = lb.listeners.iter().flat_map(|l| l.target_groups.iter().chain(&l.conditional_target_groups)).filter_map(|g| topo.target_group(g));
        for g in groups {
            for t in g.targets.iter().flatten().filter(|t| t.in_service()) {
                let Ok((ix, ip)) = eval::load_balancer_target(topo, g, t) else { continue };
                let Some(port) = g.target_port(t) else { continue };
                let e = &m.enis[ix];
                if !g.preserves_client_ip(lb.kind) && seen.insert((ix, port, "open")) {
                    let open: Vec<String> = e
                        .security_groups
                        .iter()
                        .filter_map(|gid| topo.sg(gid.as_str()))
                        .flat_map(|sg| sg.ingress.iter().map(move |r| (sg, r)))
                        .filter(|(_, r)| matches!(&r.peer, SgPeer::Cidr(c) if c.prefix_len() == 0) && r.protocol.covers(Protocol::Tcp) && match r.l4 {
                            L4Match::Any => true,
                            L4Match::Ports(p) => p.contains(port),
                            L4Match::Icmp(_) => false,
                        })
                        .map(|(sg, r)| format!("{} inbound {r}", sg.id))
                        .collect();
                    if !open.is_empty() {
                        let l = listener(topo, ix);
                        let resource = eni_resource(topo, ix, &l);
                        let label = resource.label();
                        out.push(Finding {
                            kind: FindingKind::TargetOpenToWorld,
                            severity: Severity::Low,
                            title: format!("{label} behind load balancer {} admits port {port} from anywhere", lb.name),
                            explanation: format!(
                                "{label} receives port {port} from load balancer {} ({}), which connects from its own addresses; its security group admits the port from the whole internet ({}). Admit the load balancer's security group (or its subnets) only, so that nothing reaches the target around the load balancer.",
                                lb.name,
                                lb.kind.label(),
                                open.join("; ")
                            ),
                            resource,
                            port: Some(port),
                            protocol: Some(Protocol::Tcp),
                            sources: vec!["0.0.0.0/0".into()],
                            path: None,
                            evidence: open,
                            closed_by: None,
                            fix: None,
                            traffic: None,
                        });
                    }
                }
                // Health checks come from the nodes: from the one in the target's zone (any
                // node when none is), on the health-check port.
                let Some(hport) = g.health_port(t) else { continue };
                let zone = topo.eni_subnet_ix(ix).map(|s| &m.subnets[s].az);
                let node = nodes.iter().copied().find(|&n| topo.eni_subnet_ix(n).map(|s| &m.subnets[s].az) == zone).or(nodes.first().copied());
                let Some(node) = node else { continue };
                let Some(node_ip) = m.enis[node].primary_ip() else { continue };
                if !seen.insert((ix, hport, "health")) {
                    continue;
                }
                let trace = eval::evaluate(topo, &Endpoint::Eni { ix: node, ip: node_ip }, &Endpoint::Eni { ix, ip }, Protocol::Tcp, eval::DEFAULT_SOURCE_PORT, hport);
                if trace.verdict != Verdict::NotReachable {
                    continue;
                }
                let l = listener(topo, ix);
                let resource = eni_resource(topo, ix, &l);
                let label = resource.label();
                let b = trace.blocked_by.clone();
                let why = b.as_ref().map(|b| format!("{} ({}): {}", b.id, b.code, words::explanation(b))).unwrap_or_default();
                out.push(Finding {
                    kind: FindingKind::HealthCheckBlocked,
                    severity: Severity::Medium,
                    title: format!("health checks of load balancer {} cannot reach {label} on port {hport}", lb.name),
                    explanation: format!(
                        "Target group {} of {} checks {label} on port {hport} from its nodes ({} at {node_ip}), and the check is stopped by {why}. The target never turns healthy and receives no traffic.",
                        g.name,
                        lb.name,
                        m.enis[node].id
                    ),
                    resource,
                    port: Some(hport),
                    protocol: Some(Protocol::Tcp),
                    sources: vec![node_ip.to_string()],
                    path: Some(PathEvidence { sample: node_ip, forward: trace.forward.clone(), ret: trace.ret.clone() }),
                    evidence: vec![format!("target group {} health check port {hport}", g.name)],
                    closed_by: b,
                    fix: trace.fix.as_ref().map(words::fix),
                    traffic: None,
                });
            }
        }
    }
    out
}
