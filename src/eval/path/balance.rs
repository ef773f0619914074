//! Load balancers on a path (`AWS-SEMANTICS.md` §5b): the client's connection ends at a
//! listener on a node; the load balancer opens a second connection from the node to a target
//! of the listener's target groups, on the target's port, from the node's address (ALB, CLB,
//! NLB without client IP preservation) or the client's (NLB with it). Every target the node
//! may pick is evaluated, request and reply, and its health checks; the trace follows one:
//! the first that gets through, else the first whose answer is unknown, else the first.

use super::*;

/// What the load balancer did with a connection: the leg to the target the trace follows
/// (`None` when no target could be followed) and every target's answer.
pub(super) struct Relayed {
    /// The node-to-target flow the trace follows, request and reply.
    pub leg: Option<Trace>,
    /// The listener answered itself: the connection ends at the node.
    pub answered: bool,
    /// The load balancer, listener and per-target answers.
    pub info: Balanced,
    /// A zone choice the followed leg left open.
    pub choice: Option<ZoneChoice>,
    lb: String,
}

/// A target the listener may forward to, resolved to an interface.
struct Candidate<'m> {
    group: &'m TargetGroup,
    target: &'m Target,
    /// The interface and address, or why the model cannot follow it.
    to: Result<(Ix, IpAddr), &'static str>,
}

impl Relayed {
    /// The request stopped on the way to the target (or before one was picked): the trace
    /// carries the per-target answers.
    pub fn stopped(self, trace: &mut Trace) {
        trace.balancer = Some(Box::new(self.info));
    }

    /// The request reached the target: the reply comes back from the target to the node
    /// (the second connection's reply) before it goes from the node to the client.
    pub fn through(self, trace: &mut Trace, mode: Mode) {
        let Some(leg) = self.leg else {
            trace.balancer = Some(Box::new(self.info));
            return;
        };
        if let (Some(ret), Some(leg_ret)) = (trace.ret.as_mut(), leg.ret) {
            let mut hops = leg_ret.hops;
            if mode == Mode::Steps {
                if let Some(p) = ret.hops.first().map(|h| h.packet) {
                    hops.push(Hop { id: self.lb.clone(), kind: Kind::LoadBalancer, name: Some(self.info.name.clone()), direction: None, action: Action::Forward, step: Step::RelayReply, packet: p, names: Vec::new(), account: None });
                }
            }
            hops.append(&mut ret.hops);
            ret.hops = hops;
            let mut acls = leg_ret.acls;
            acls.append(&mut ret.acls);
            ret.acls = acls;
            ret.translated |= leg_ret.translated;
            if leg.verdict != Verdict::Reachable {
                // The target's reply is the first thing on the way back: its stop decides.
                ret.disposition = leg_ret.disposition;
                trace.reachable = false;
                trace.verdict = leg.verdict;
                trace.blocked_by = leg.blocked_by;
                trace.fix = leg.fix;
            }
        }
        for a in leg.assumptions {
            if !trace.assumptions.contains(&a) {
                trace.assumptions.push(a);
            }
        }
        trace.balancer = Some(Box::new(self.info));
    }
}

impl<'t, 'm> Flow<'t, 'm> {
    /// The load balancer whose node `node` received the request `at`: finds the listener,
    /// evaluates every target, and appends the followed target's request to `fwd` (stopping
    /// `fwd` where it stops). `None` when the walk stopped before a target was chosen and
    /// nothing about targets can be said.
    pub(super) fn balance(&self, fwd: &mut Walk<'t, 'm>, node: Ix, at: Packet, zone: Option<&String>) -> Option<Relayed> {
        let topo = self.topo;
        let li = topo.lb_of_eni(node)?;
        let lb = &topo.model.load_balancers[li];
        let node_eni = &topo.model.enis[node];
        let node_zone = topo.eni_subnet_ix(node).map(|s| topo.model.subnets[s].az.clone()).unwrap_or_default();
        let mut info = Balanced {
            id: lb.id.clone(),
            name: lb.name.clone(),
            kind: lb.kind,
            internet_facing: lb.internet_facing,
            node: node_eni.id.to_string(),
            zone: node_zone.clone(),
            listener: None,
            targets: Vec::new(),
        };
        let relayed = |info: Balanced, leg: Option<Trace>, choice: Option<ZoneChoice>| Some(Relayed { leg, answered: false, info, choice, lb: lb.id.clone() });
        let halt = |fwd: &mut Walk<'t, 'm>, disposition: Disposition, code: BlockCode, reason: Reason| {
            fwd.halt(disposition, &lb.id, Kind::LoadBalancer, code, &at, || reason);
        };
        if !lb.listeners_captured && lb.kind != LbKind::Gateway {
            let reason = Reason::BalancerNotInSnapshot { lb: lb.name.clone(), what: "the listeners".into() };
            halt(fwd, Disposition::InsufficientInfo, BlockCode::ElbNotInSnapshot, reason);
            return relayed(info, None, None);
        }
        let udp = at.protocol == Protocol::Udp;
        let listener = match (at.protocol, lb.listener(udp, at.dst_port)) {
            (Protocol::Tcp | Protocol::Udp, Some(l)) => l,
            _ => {
                let listeners = lb.listeners.iter().map(|l| (l.port, l.protocol.clone())).collect();
                let reason = Reason::NoListener { lb: lb.name.clone(), kind: lb.kind, udp, port: at.dst_port, listeners };
                halt(fwd, Disposition::Dropped, BlockCode::ElbListenersMismatch, reason);
                return relayed(info, None, None);
            }
        };
        info.listener = Some(ListenerRef { port: listener.port, protocol: listener.protocol.clone() });
        if let (Some(action), true) = (&listener.answers_itself, listener.target_groups.is_empty()) {
            fwd.hop(&lb.id, Kind::LoadBalancer, None, Action::Deliver, &at, || Step::ListenerAnswers { port: listener.port, protocol: listener.protocol.clone(), action: action.clone() });
            return Some(Relayed { leg: None, answered: true, info, choice: None, lb: lb.id.clone() });
        }
        // The target groups and their targets in service.
        let mut candidates: Vec<Candidate<'m>> = Vec::new();
        let mut missing: Option<String> = None;
        let mut groups: Vec<String> = Vec::new();
        let mut other_zones = false;
        for gid in listener.target_groups.iter().chain(&listener.conditional_target_groups) {
            let Some(group) = topo.target_group(gid) else {
                missing.get_or_insert_with(|| format!("target group {gid}"));
                continue;
            };
            groups.push(group.name.clone());
            let Some(targets) = &group.targets else {
                missing.get_or_insert_with(|| format!("the targets of target group {}", group.name));
                continue;
            };
            let cross = lb.crosses_zones(Some(group));
            for t in targets.iter().filter(|t| t.in_service()) {
                let to = resolve_target(topo, group, t);
                let t_zone = match &to {
                    Ok((ix, _)) => topo.eni_subnet_ix(*ix).map(|s| topo.model.subnets[s].az.clone()),
                    Err(_) => t.az.clone(),
                };
                if !cross && t_zone.as_deref().is_some_and(|z| z != node_zone && z != "all") {
                    other_zones = true;
                    continue;
                }
                candidates.push(Candidate { group, target: t, to });
            }
        }
        if let Some(pin) = self.pin {
            candidates.retain(|c| c.target.id == pin);
        }
        if candidates.is_empty() {
            let (disposition, code, reason) = match missing {
                Some(what) => (Disposition::InsufficientInfo, BlockCode::ElbNotInSnapshot, Reason::BalancerNotInSnapshot { lb: lb.name.clone(), what }),
                None if other_zones => (Disposition::Dropped, BlockCode::ElbNotCrossZone, Reason::NotCrossZone { lb: lb.name.clone(), zone: node_zone.clone() }),
                None => (Disposition::Dropped, BlockCode::ElbNoTargets, Reason::NoTargets { lb: lb.name.clone(), groups }),
            };
            halt(fwd, disposition, code, reason);
            return relayed(info, None, None);
        }
        // Every candidate, request and reply, decided without steps.
        let node_ip = node_eni.primary_ip().unwrap_or(at.dst);
        let leg_flow = |c: &Candidate<'m>, (ix, ip): (Ix, IpAddr), mode: Mode| {
            let preserved = c.group.preserves_client_ip(lb.kind);
            let (src_ip, src_port) = if preserved { (at.src, at.src_port) } else { (node_ip, DEFAULT_SOURCE_PORT) };
            let dst_port = c.group.target_port(c.target).unwrap_or(at.dst_port);
            Flow {
                topo,
                src: Endpoint::Eni { ix: node, ip: src_ip },
                dst: Endpoint::Eni { ix, ip },
                protocol: at.protocol,
                src_port,
                dst_port,
                mode,
                relay: Some(Relay { node, node_ip, preserved }),
                pin: None,
            }
        };
        let mut answers: Vec<Option<Trace>> = Vec::with_capacity(candidates.len());
        for c in &candidates {
            let preserved = c.group.preserves_client_ip(lb.kind);
            let (verdict, blocked_by, health_check, answer) = match c.to {
                Ok(to) => {
                    let t = leg_flow(c, to, Mode::Verdict).walk(zone).0;
                    let health = c.group.health_port(c.target).map(|port| {
                        let hc = Flow { topo, src: Endpoint::Eni { ix: node, ip: node_ip }, dst: Endpoint::Eni { ix: to.0, ip: to.1 }, protocol: Protocol::Tcp, src_port: DEFAULT_SOURCE_PORT, dst_port: port, mode: Mode::Verdict, relay: Some(Relay { node, node_ip, preserved: false }), pin: None };
                        hc.walk(zone).0.verdict
                    });
                    let blocked = t.blocked_by.as_ref().map(|b| TargetBlock { id: b.id.clone(), code: b.code });
                    (t.verdict, blocked, health, Some(t))
                }
                Err(_) => (Verdict::Unknown, Some(TargetBlock { id: c.target.id.clone(), code: BlockCode::ElbTargetNotModelled }), None, None),
            };
            info.targets.push(TargetOutcome {
                group: c.group.id.clone(),
                target: c.target.id.clone(),
                interface: c.to.ok().map(|(ix, _)| topo.model.enis[ix].id.to_string()),
                address: c.to.ok().map(|(_, ip)| ip),
                port: c.group.target_port(c.target),
                health: c.target.health.clone(),
                client_ip_preserved: preserved,
                verdict,
                blocked_by,
                health_check,
                traced: false,
            });
            answers.push(answer);
        }
        let rank = |v: Verdict| match v {
            Verdict::Reachable => 0,
            Verdict::Unknown => 1,
            Verdict::NotReachable => 2,
        };
        let pick = (0..candidates.len()).min_by_key(|&i| rank(info.targets[i].verdict)).unwrap_or(0);
        info.targets[pick].traced = true;
        let c = &candidates[pick];
        let (ix, ip) = match c.to {
            Ok(to) => to,
            Err(kind) => {
                let reason = Reason::TargetNotModelled { lb: lb.name.clone(), target: c.target.id.clone(), kind: kind.to_string() };
                halt(fwd, Disposition::InsufficientInfo, BlockCode::ElbTargetNotModelled, reason);
                return relayed(info, None, None);
            }
        };
        let (leg, choice) = if self.mode == Mode::Verdict {
            (answers.swap_remove(pick).unwrap_or_else(|| leg_flow(c, (ix, ip), Mode::Verdict).walk(zone).0), None)
        } else {
            leg_flow(c, (ix, ip), self.mode).walk(zone)
        };
        // The listener's hop, then the second connection's request.
        let preserved = c.group.preserves_client_ip(lb.kind);
        let first = leg.forward.hops.first().map(|h| h.packet).unwrap_or(at);
        fwd.hop(&lb.id, Kind::LoadBalancer, None, Action::Forward, &first, || Step::Listener {
            port: listener.port,
            protocol: listener.protocol.clone(),
            group: c.group.id.clone(),
            target: c.target.id.clone(),
            target_ip: ip,
            target_port: c.group.target_port(c.target).unwrap_or(at.dst_port),
            client_ip: preserved,
        });
        fwd.hops.extend(leg.forward.hops.iter().cloned());
        fwd.acls.extend(leg.forward.acls.iter().copied());
        fwd.translated |= leg.forward.translated;
        if leg.ret.is_none() {
            // The second connection's request stopped: that stop is the answer.
            fwd.disposition = leg.forward.disposition;
            fwd.blocked = leg.blocked_by.clone();
            fwd.fix = leg.fix.clone();
            fwd.stopped = Some(StopAt { kind: Kind::LoadBalancer, direction: None, rule_number: None, code: leg.blocked_by.as_ref().map_or(BlockCode::ElbNoTargets, |b| b.code), subnet: None });
            for a in &leg.assumptions {
                if !fwd.assumptions.contains(a) {
                    fwd.assumptions.push(a.clone());
                }
            }
        }
        relayed(info, Some(leg), choice)
    }
}

/// The interface and address of target `t` of `group`, or what it is when the model cannot
/// follow it.
pub fn resolve_target(topo: &Topology<'_>, group: &TargetGroup, t: &Target) -> Result<(Ix, IpAddr), &'static str> {
    match group.target_type {
        TargetType::Instance => {
            let inst = topo.instance(&t.id).ok_or("an instance not in the snapshot")?;
            let ix = inst.enis.iter().find_map(|e| topo.eni_ix(e.as_str())).ok_or("an instance without an interface in the snapshot")?;
            let ip = topo.model.enis[ix].primary_ip().ok_or("an instance without an address")?;
            Ok((ix, ip))
        }
        TargetType::Ip => {
            let ip: IpAddr = t.id.parse().map_err(|_| "an IP target that is not an address")?;
            let owners = topo.enis_with_private(ip);
            let ix = owners
                .iter()
                .copied()
                .find(|&i| group.vpc.as_ref().is_some_and(|v| &topo.model.enis[i].vpc == v))
                .or_else(|| owners.first().copied())
                .ok_or("an IP address outside the modelled networks")?;
            Ok((ix, ip))
        }
        TargetType::Lambda => Err("a Lambda function"),
        TargetType::Alb => Err("an Application Load Balancer"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{base, run};
    use super::*;
    use serde_json::{json, Value};

    const LB: &str = "arn:aws:elasticloadbalancing:r:1:loadbalancer/net/web/1";
    const TG: &str = "arn:aws:elasticloadbalancing:r:1:targetgroup/app/2";

    /// `base()` plus a load balancer `web` of `kind` in subnet-pub (node `eni-lb`, 10.0.0.50,
    /// public 54.0.0.50; groups `sg-lb` admitting 443 from anywhere when it has any) with a
    /// TCP:443 listener forwarding to target group `app` (port 8080, `target_type`) holding
    /// eni-app1 (10.0.1.10, instance i-app1) and eni-appb (10.0.2.10, instance i-appb).
    /// sg-app admits 8080 from sg-lb only.
    fn with_lb(kind: &str, target_type: &str, groups: bool) -> Value {
        let mut v = base();
        let code = if kind == "application" { "app" } else { "net" };
        let (lb, tg) = (LB.replace("/net/", &format!("/{code}/")), TG);
        let sgs: Vec<Value> = if groups { vec![json!({"GroupId": "sg-lb"})] } else { Vec::new() };
        v["NetworkInterfaces"].as_array_mut().unwrap().push(json!({"NetworkInterfaceId": "eni-lb", "VpcId": "vpc-a", "SubnetId": "subnet-pub",
            "PrivateIpAddress": "10.0.0.50", "InterfaceType": if kind == "network" { "network_load_balancer" } else { "interface" },
            "Description": format!("ELB {code}/web/1"), "Groups": sgs, "Association": {"PublicIp": "54.0.0.50"}}));
        v["SecurityGroups"].as_array_mut().unwrap().push(json!({"GroupId": "sg-lb", "VpcId": "vpc-a",
            "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
            "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}));
        v["SecurityGroups"][1]["IpPermissions"].as_array_mut().unwrap().push(json!({"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": "sg-lb"}]}));
        v["Reservations"] = json!([{"Instances": [
            {"InstanceId": "i-app1", "VpcId": "vpc-a", "SubnetId": "subnet-app", "NetworkInterfaces": [{"NetworkInterfaceId": "eni-app1"}]},
            {"InstanceId": "i-appb", "VpcId": "vpc-a", "SubnetId": "subnet-appb", "NetworkInterfaces": [{"NetworkInterfaceId": "eni-appb"}]}]}]);
        let ids = if target_type == "ip" { ["10.0.1.10", "10.0.2.10"] } else { ["i-app1", "i-appb"] };
        v["LoadBalancers"] = json!([{"LoadBalancerArn": lb, "LoadBalancerName": "web", "Type": kind, "Scheme": "internet-facing", "VpcId": "vpc-a",
            "AvailabilityZones": [{"ZoneName": "az-a", "SubnetId": "subnet-pub"}], "SecurityGroups": if groups { json!(["sg-lb"]) } else { json!([]) }}]);
        v["LoadBalancerListeners"] = json!([{"LoadBalancerArn": lb, "Listeners": [{"ListenerArn": "l-1", "Port": 443, "Protocol": if kind == "application" { "HTTPS" } else { "TCP" },
            "DefaultActions": [{"Type": "forward", "TargetGroupArn": tg}]}]}]);
        v["TargetGroups"] = json!([{"TargetGroupArn": tg, "TargetGroupName": "app", "Protocol": if kind == "application" { "HTTP" } else { "TCP" }, "Port": 8080,
            "TargetType": target_type, "VpcId": "vpc-a", "HealthCheckPort": "traffic-port"}]);
        v["LoadBalancerTargetHealth"] = json!([{"TargetGroupArn": tg, "TargetHealthDescriptions": [
            {"Target": {"Id": ids[0], "Port": 8080}, "TargetHealth": {"State": "healthy"}},
            {"Target": {"Id": ids[1], "Port": 8080}, "TargetHealth": {"State": "healthy"}}]}]);
        v["LoadBalancerAttributes"] = json!([{"LoadBalancerArn": lb, "Attributes": [{"Key": "load_balancing.cross_zone.enabled", "Value": "true"}]}]);
        v
    }

    fn targets(t: &Trace) -> Vec<(String, Verdict)> {
        t.balancer.as_ref().map(|b| b.targets.iter().map(|x| (x.target.clone(), x.verdict)).collect()).unwrap_or_default()
    }

    fn code(t: &Trace) -> &str {
        t.blocked_by.as_ref().map(|b| b.code.as_str()).unwrap_or("")
    }

    #[test]
    fn alb_connects_to_targets_from_its_own_addresses() {
        let v = with_lb("application", "instance", true);
        let t = run(&v, "8.8.8.8", "eni-lb", Protocol::Tcp, 443);
        assert!(t.reachable, "{t:#?}");
        // The second connection leaves the node from 10.0.0.50: sg-app admits it by sg-lb.
        let second = t.forward.hops.iter().find(|h| h.id == "eni-app1" || h.id == "eni-appb").unwrap();
        assert_eq!(second.packet.src, "10.0.0.50".parse::<IpAddr>().unwrap());
        assert!(t.forward.hops.iter().any(|h| matches!(h.step, Step::Listener { client_ip: false, target_port: 8080, .. })));
        assert!(t.ret.as_ref().unwrap().hops.iter().any(|h| h.step == Step::RelayReply));
        assert!(targets(&t).iter().all(|(_, v)| *v == Verdict::Reachable));
    }

    #[test]
    fn nlb_preserves_client_ip_so_target_sg_must_admit_the_client() {
        // Instance targets of an NLB see the client's address: sg-app admits 8080 only from
        // sg-lb, which the client is not in.
        let v = with_lb("network", "instance", false);
        let t = run(&v, "8.8.8.8", "eni-lb", Protocol::Tcp, 443);
        assert_eq!((t.verdict, code(&t)), (Verdict::NotReachable, "ENI_SG_RULES_MISMATCH"), "{t:#?}");
        assert!(targets(&t).iter().all(|(_, v)| *v == Verdict::NotReachable));
        // Admitting the client's range on the target opens it, and the reply goes back
        // through the node although the target's routes send 8.8.8.8 to the NAT gateway.
        let mut v = v;
        v["SecurityGroups"][1]["IpPermissions"].as_array_mut().unwrap().push(json!({"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}));
        let t = run(&v, "8.8.8.8", "eni-lb", Protocol::Tcp, 443);
        assert!(t.reachable, "{t:#?}");
        let second = t.forward.hops.iter().find(|h| h.id == "eni-app1" || h.id == "eni-appb").unwrap();
        assert_eq!(second.packet.src, "8.8.8.8".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn nlb_ip_targets_see_the_node_address_unless_preservation_is_on() {
        let mut v = with_lb("network", "ip", false);
        // sg-app admits 8080 from the node's subnet.
        v["SecurityGroups"][1]["IpPermissions"].as_array_mut().unwrap().push(json!({"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "10.0.0.0/24"}]}));
        assert!(run(&v, "8.8.8.8", "eni-lb", Protocol::Tcp, 443).reachable);
        v["TargetGroupAttributes"] = json!([{"TargetGroupArn": TG, "Attributes": [{"Key": "preserve_client_ip.enabled", "Value": "true"}]}]);
        let t = run(&v, "8.8.8.8", "eni-lb", Protocol::Tcp, 443);
        assert_eq!(code(&t), "ENI_SG_RULES_MISMATCH", "{t:#?}");
    }

    #[test]
    fn no_listener_on_the_port_refuses_the_connection() {
        let v = with_lb("network", "instance", false);
        let t = run(&v, "eni-web", "eni-lb", Protocol::Tcp, 444);
        assert_eq!((t.verdict, code(&t)), (Verdict::NotReachable, "ELB_LISTENERS_MISMATCH"), "{t:#?}");
        // A TCP listener takes no UDP.
        let t = run(&v, "eni-web", "eni-lb", Protocol::Udp, 443);
        assert_eq!(code(&t), "ELB_LISTENERS_MISMATCH");
    }

    #[test]
    fn load_balancer_replies_on_every_ephemeral_port_must_pass_the_target_subnet_acl() {
        // The node opens its connection from a port of 1024-65535: an ACL that lets replies
        // out of the target's subnet only to 32768-65535 breaks some of them.
        let mut v = with_lb("application", "instance", true);
        v["NetworkAcls"].as_array_mut().unwrap().push(json!({"NetworkAclId": "acl-app", "VpcId": "vpc-a", "IsDefault": false,
            "Associations": [{"SubnetId": "subnet-app"}, {"SubnetId": "subnet-appb"}], "Entries": [
            {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0"},
            {"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 32768, "To": 65535}}]}));
        let t = run(&v, "8.8.8.8", "eni-lb", Protocol::Tcp, 443);
        assert_eq!((t.verdict, code(&t)), (Verdict::NotReachable, "SUBNET_ACL_RESTRICTION"), "{t:#?}");
        assert_eq!(t.blocked_by.as_ref().unwrap().path, PathKind::Return);
        let why = crate::report::words::explanation(t.blocked_by.as_ref().unwrap());
        assert!(why.contains("load balancer node at 10.0.0.50") && why.contains("1024-32767"), "{why}");
    }

    #[test]
    fn nlb_without_cross_zone_forwards_only_to_targets_in_its_zone() {
        let mut v = with_lb("network", "ip", false);
        v["SecurityGroups"][1]["IpPermissions"].as_array_mut().unwrap().push(json!({"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "10.0.0.0/24"}]}));
        v["LoadBalancerAttributes"] = json!([]);
        let t = run(&v, "8.8.8.8", "eni-lb", Protocol::Tcp, 443);
        assert!(t.reachable);
        assert_eq!(targets(&t).iter().map(|x| x.0.as_str()).collect::<Vec<_>>(), ["10.0.1.10"], "only the az-a target");
        // With no target in the node's zone the node cannot forward.
        v["LoadBalancerTargetHealth"][0]["TargetHealthDescriptions"].as_array_mut().unwrap().remove(0);
        assert_eq!(code(&run(&v, "8.8.8.8", "eni-lb", Protocol::Tcp, 443)), "ELB_NOT_CROSSZONE");
    }

    #[test]
    fn listener_without_targets_in_service_refuses_the_connection() {
        let mut v = with_lb("application", "instance", true);
        for d in v["LoadBalancerTargetHealth"][0]["TargetHealthDescriptions"].as_array_mut().unwrap() {
            d["TargetHealth"]["State"] = json!("draining");
        }
        assert_eq!(code(&run(&v, "8.8.8.8", "eni-lb", Protocol::Tcp, 443)), "ELB_NO_TARGETS");
    }

    #[test]
    fn load_balancer_without_listeners_or_targets_in_the_snapshot_is_unknown() {
        let mut v = with_lb("application", "instance", true);
        v.as_object_mut().unwrap().remove("LoadBalancerTargetHealth");
        let t = run(&v, "8.8.8.8", "eni-lb", Protocol::Tcp, 443);
        assert_eq!((t.verdict, code(&t)), (Verdict::Unknown, "ELB_NOT_IN_SNAPSHOT"));
        v.as_object_mut().unwrap().remove("LoadBalancerListeners");
        let t = run(&v, "8.8.8.8", "eni-lb", Protocol::Tcp, 443);
        assert_eq!((t.verdict, code(&t)), (Verdict::Unknown, "ELB_NOT_IN_SNAPSHOT"));
    }

    #[test]
    fn lambda_targets_are_not_followed() {
        let mut v = with_lb("application", "instance", true);
        v["TargetGroups"][0]["TargetType"] = json!("lambda");
        let t = run(&v, "8.8.8.8", "eni-lb", Protocol::Tcp, 443);
        assert_eq!((t.verdict, code(&t)), (Verdict::Unknown, "ELB_TARGET_NOT_MODELLED"));
    }

    #[test]
    fn one_target_blocked_and_another_reachable_are_both_named() {
        let mut v = with_lb("application", "instance", true);
        // eni-appb gets a group that admits nothing.
        v["SecurityGroups"].as_array_mut().unwrap().push(json!({"GroupId": "sg-closed", "VpcId": "vpc-a", "IpPermissions": [], "IpPermissionsEgress": []}));
        v["NetworkInterfaces"][3]["Groups"] = json!([{"GroupId": "sg-closed"}]);
        let t = run(&v, "8.8.8.8", "eni-lb", Protocol::Tcp, 443);
        assert!(t.reachable, "a connection gets through to the reachable target");
        let b = t.balancer.as_ref().unwrap();
        let appb = b.targets.iter().find(|x| x.target == "i-appb").unwrap();
        assert_eq!((appb.verdict, appb.health_check, appb.traced), (Verdict::NotReachable, Some(Verdict::NotReachable), false));
        assert!(b.targets.iter().any(|x| x.target == "i-app1" && x.traced && x.verdict == Verdict::Reachable));
    }

    #[test]
    fn internal_load_balancer_has_no_public_address() {
        let mut v = with_lb("application", "instance", true);
        v["NetworkInterfaces"][5].as_object_mut().unwrap().remove("Association");
        let t = run(&v, "8.8.8.8", "eni-lb", Protocol::Tcp, 443);
        assert_eq!(code(&t), "NO_PUBLIC_ADDRESS");
        assert_eq!(t.fix, None, "no Elastic IP on a load balancer's node");
    }
}
