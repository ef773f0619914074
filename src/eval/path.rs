//! The path walker: a small state machine over components. A request starts at an
//! interface (or outside the modelled networks), crosses its security groups, its subnet's
//! ACL and route table, then whatever gateway the route names, until it is delivered, leaves
//! the network or is stopped. The reply is walked the same way from where the request ended,
//! with security groups skipped (stateful) and ACLs evaluated again (stateless).

use super::fix;
use super::nacl;
use super::route;
use super::sg;
use super::*;
use crate::model::*;
use crate::topology::{Ix, Topology};
use ipnet::IpNet;
use std::net::IpAddr;

pub(super) mod balance;
mod inspection_tests;

/// One end of a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// An interface, using one of its private addresses.
    Eni {
        /// The interface.
        ix: Ix,
        /// The private address used.
        ip: IpAddr,
    },
    /// An interface addressed by its public IPv4 address (traffic goes through the internet
    /// gateway even from inside AWS).
    EniPublic {
        /// The interface.
        ix: Ix,
        /// The public address.
        public: IpAddr,
    },
    /// An address outside the modelled networks, on the internet or on premises: the routes
    /// decide. An address that the destination's routes send to a virtual private gateway
    /// or to a transit gateway's VPN or Direct Connect gateway attachment is on premises
    /// (it arrives at the private address through that gateway); any other is on the
    /// internet (it needs a public address).
    External(IpAddr),
    /// An address on the internet, whatever the routes say about it (the `internet` sweep).
    Internet(IpAddr),
}

/// How a packet came into the VPC it is in (decides edge-to-edge and transit rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Arrival {
    /// Sent by an interface of this VPC.
    Origin,
    /// Translated by a NAT gateway of this VPC.
    Nat,
    /// Came in from a transit gateway.
    Tgw,
}

/// Where a leg left the modelled network, so the reply can come back the same way.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Exit {
    /// Through an internet gateway (the reply is addressed to a public address).
    Internet,
    /// Through an egress-only gateway, a gateway endpoint or a virtual private gateway: the
    /// reply re-enters `vpc` directly.
    Gateway { vpc: VpcId },
    /// Through a transit gateway's VPN or Direct Connect gateway attachment: the reply comes
    /// back through that attachment's transit gateway route table.
    Attachment { tgw: TgwId, att: TgwAttachmentId },
}

/// A NAT translation made on the request, undone on the reply.
#[derive(Clone, Copy, Debug)]
struct NatState {
    nat_eni: Ix,
    nat_ip: IpAddr,
    original_src: IpAddr,
    original_port: u16,
    port: u16,
}

enum End {
    Delivered { eni: Ix, packet: Packet },
    Exited { exit: Exit, packet: Packet },
    Stopped,
}

/// A zone choice the transit gateway makes and the snapshot cannot predict: the attachment
/// and the zones it may pick.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ZoneChoice {
    attachment: String,
    zones: Vec<String>,
}

struct Walk<'t, 'm> {
    topo: &'t Topology<'m>,
    path: PathKind,
    hops: Vec<Hop>,
    acls: Vec<AclCrossing>,
    translated: bool,
    disposition: Disposition,
    blocked: Option<Blocked>,
    fix: Option<Change>,
    /// Where the walk stopped, recorded by every mode (the gate reads it).
    stopped: Option<StopAt>,
    /// The first filter the snapshot lacks that this leg passed: the answer is unknown
    /// because of it unless a component further on stops the packet for certain.
    pending: Option<(StopAt, Option<Blocked>)>,
    /// The last route this leg took (table, prefix, transit), for the fix of a request
    /// routed out of the network.
    last_route: Option<(String, IpNet, bool)>,
    nat: Vec<NatState>,
    steps: u32,
    mode: Mode,
    /// The gateway the outside end used on this leg (entering or leaving).
    door: Option<Door>,
    /// The zone of the subnet by which the packet entered the current transit gateway.
    tgw_origin_az: Option<String>,
    /// The zone the flow is evaluated in where the transit gateway's choice is open.
    force_zone: Option<String>,
    /// The first open zone choice met (with no forced zone that settles it).
    open_choice: Option<ZoneChoice>,
    /// Whether reply ports are samples (a question) rather than observed (a flow-log
    /// record): a sampled reply to a NAT gateway's translation must pass for every port it
    /// may pick.
    sampled_ports: bool,
    /// What this leg assumed of components the snapshot lacks.
    assumptions: Vec<Assumption>,
    /// On the reply of a load balancer's connection to a target: the node's address, whose
    /// source port was picked from 1024-65535.
    relay_ip: Option<IpAddr>,
    /// The firewalls this leg went through, with whether their stateful engine passed it.
    inspected: Vec<(Ix, bool)>,
    /// On the reply: the firewalls whose stateful engine passed the request.
    inspected_request: Vec<Ix>,
}

/// What a walk collects. Every mode walks the same rules; they differ only in what they
/// keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    /// Every step, the blocking component with its reason, and the fix: for reports.
    Steps,
    /// No steps; the blocking component, its reason and the fix.
    Verdict,
    /// Only where the walk stopped ([`StopAt`]): for deciding many packets.
    Decision,
}

/// Where a walk stopped, as plain data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct StopAt {
    pub kind: Kind,
    pub direction: Option<Direction>,
    pub rule_number: Option<RuleNumber>,
    pub code: BlockCode,
    /// The subnet whose ACL stopped it.
    pub subnet: Option<Ix>,
}

/// A stop: what stopped the walk, where.
struct Stop<'a> {
    disposition: Disposition,
    id: &'a str,
    kind: Kind,
    code: BlockCode,
    direction: Option<Direction>,
    rule_number: Option<RuleNumber>,
    subnet: Option<Ix>,
}

impl<'a> Stop<'a> {
    fn new(disposition: Disposition, id: &'a str, kind: Kind, code: BlockCode) -> Self {
        Stop { disposition, id, kind, code, direction: None, rule_number: None, subnet: None }
    }

    fn direction(mut self, d: Direction) -> Self {
        self.direction = Some(d);
        self
    }

    fn acl(mut self, subnet: Ix, number: Option<RuleNumber>) -> Self {
        self.subnet = Some(subnet);
        self.rule_number = number;
        self
    }

    /// Where the walk stopped, as plain data.
    fn at(&self) -> StopAt {
        StopAt { kind: self.kind, direction: self.direction, rule_number: self.rule_number, code: self.code, subnet: self.subnet }
    }

    /// The blocking component on `path`, stopped by `rule` for `reason`.
    fn blocked(&self, path: PathKind, rule: Option<Rule>, reason: Reason) -> Blocked {
        Blocked { id: self.id.to_string(), kind: self.kind, direction: self.direction, rule, rule_number: self.rule_number, path, code: self.code, reason, account: None }
    }
}

/// Why a walk stopped, built only by the modes that keep it.
struct Why {
    reason: Reason,
    rule: Option<Rule>,
    fix: Option<Change>,
}

impl Why {
    fn new(reason: Reason) -> Why {
        Why { reason, rule: None, fix: None }
    }

    fn rule(mut self, rule: Option<Rule>) -> Why {
        self.rule = rule;
        self
    }

    fn fix(mut self, fix: Option<Change>) -> Why {
        self.fix = fix;
        self
    }
}

const MAX_STEPS: u32 = 32;

impl<'t, 'm> Walk<'t, 'm> {
    fn new(topo: &'t Topology<'m>, path: PathKind, nat: Vec<NatState>, mode: Mode) -> Self {
        Walk {
            topo,
            path,
            hops: Vec::new(),
            acls: Vec::new(),
            translated: false,
            disposition: Disposition::InsufficientInfo,
            blocked: None,
            fix: None,
            stopped: None,
            pending: None,
            last_route: None,
            nat,
            steps: 0,
            mode,
            door: None,
            tgw_origin_az: None,
            force_zone: None,
            open_choice: None,
            sampled_ports: true,
            assumptions: Vec::new(),
            relay_ip: None,
            inspected: Vec::new(),
            inspected_request: Vec::new(),
        }
    }

    /// Records a step (only a walk that keeps steps builds it).
    fn hop(&mut self, id: &str, kind: Kind, direction: Option<Direction>, action: Action, packet: &Packet, step: impl FnOnce() -> Step) {
        if action == Action::Translate {
            self.translated = true;
        }
        if self.mode != Mode::Steps {
            return;
        }
        let named = |id: &str| self.topo.name_of(id).filter(|n| !n.is_empty()).map(str::to_string);
        let step = step();
        let names = step.mentions().into_iter().filter_map(|m| named(m).map(|n| (m.to_string(), n))).collect();
        let account = self.topo.account_of(id).map(str::to_string);
        self.hops.push(Hop { id: id.to_string(), kind, name: named(id), direction, action, step, packet: *packet, names, account });
    }

    /// Records a stop: the hop, the disposition, the blocking component, its reason and fix
    /// (`why` runs only for the walks that keep them).
    fn stop(&mut self, at: Stop<'_>, packet: &Packet, why: impl FnOnce(&Self) -> Why) -> End {
        let action = match at.disposition {
            Disposition::DeniedIn | Disposition::DeniedOut => Action::Deny,
            Disposition::InsufficientInfo => Action::Note,
            _ => Action::Drop,
        };
        self.disposition = at.disposition;
        self.stopped = Some(at.at());
        if self.mode == Mode::Decision {
            return End::Stopped;
        }
        let why = why(self);
        if self.mode == Mode::Steps {
            let (reason, rule) = (why.reason.clone(), why.rule.clone());
            self.hop(at.id, at.kind, at.direction, action, packet, || Step::Stopped { reason, rule });
        }
        let mut blocked = at.blocked(self.path, why.rule, why.reason);
        blocked.account = self.topo.account_of(at.id).map(str::to_string);
        self.blocked = Some(blocked);
        self.fix = why.fix;
        End::Stopped
    }

    /// Records a filter the snapshot lacks and lets the packet go on: a later stop decides
    /// the answer; a walk that gets through ends `unknown` here. The hop notes it.
    fn defer(&mut self, at: Stop<'_>, packet: &Packet, why: impl FnOnce(&Self) -> Why) {
        if self.pending.is_some() {
            return;
        }
        let blocked = (self.mode != Mode::Decision).then(|| {
            let mut b = at.blocked(self.path, None, why(self).reason);
            b.account = self.topo.account_of(at.id).map(str::to_string);
            b
        });
        if let Some(b) = &blocked {
            let reason = b.reason.clone();
            self.hop(at.id, at.kind, at.direction, Action::Note, packet, || Step::Stopped { reason, rule: None });
        }
        self.pending = Some((at.at(), blocked));
    }

    fn subnet(&self, ix: Ix) -> &'m Subnet {
        &self.topo.model.subnets[ix]
    }

    fn eni(&self, ix: Ix) -> &'m Eni {
        &self.topo.model.enis[ix]
    }

    /// Evaluates subnet `sub`'s ACL; `false` when it denied (the walk is then stopped).
    fn nacl(&mut self, sub: Ix, dir: Direction, p: &Packet) -> bool {
        let subnet = self.subnet(sub);
        let direction = dir;
        let denied = match dir {
            Direction::Ingress => Disposition::DeniedIn,
            Direction::Egress => Disposition::DeniedOut,
        };
        if self.mode != Mode::Decision {
            self.acls.push(AclCrossing { subnet: sub, direction });
        }
        let Some(acl) = self.topo.nacl_of(sub) else {
            let at = Stop::new(denied, subnet.id.as_str(), Kind::NetworkAcl, BlockCode::MissingNetworkAcl).direction(direction);
            return match self.topo.model.assume_missing {
                Some(RuleAction::Allow) => {
                    self.assumptions.push(Assumption::Acl { subnet: subnet.id.to_string(), allows: true });
                    self.hop(subnet.id.as_str(), Kind::NetworkAcl, Some(direction), Action::Note, p, || Step::AclAssumed { subnet: subnet.id.to_string() });
                    true
                }
                Some(RuleAction::Deny) => {
                    self.assumptions.push(Assumption::Acl { subnet: subnet.id.to_string(), allows: false });
                    self.stop(at.acl(sub, Some(RuleNumber::DEFAULT)), p, |_| Why::new(Reason::MissingAcl { subnet: subnet.id.to_string(), assumed_deny: true }));
                    false
                }
                None => {
                    let at = Stop { disposition: Disposition::InsufficientInfo, ..at };
                    self.defer(at, p, |_| Why::new(Reason::MissingAcl { subnet: subnet.id.to_string(), assumed_deny: false }));
                    true
                }
            };
        };
        let mut entry = nacl::evaluate(acl, dir, p);
        let mut allowed = entry.is_some_and(|e| e.action == RuleAction::Allow);
        // A NAT gateway opens its connections from any port in 1024-65535: every reply port
        // must pass, not only the sample.
        let mut nat_ports = None;
        if allowed && self.ephemeral_receiver(sub, p) {
            let (denied, first) = nacl::denied_ports(acl, dir, p, 1024, 65535);
            if !denied.is_empty() {
                allowed = false;
                entry = first;
                let balancer = self.relay_ip == Some(p.dst) && !self.nat.iter().any(|s| s.nat_ip == p.dst);
                nat_ports = Some(NatPorts { nat_ip: p.dst, balancer, denied });
            }
        }
        if allowed {
            self.hop(acl.id.as_str(), Kind::NetworkAcl, Some(direction), Action::Allow, p, || Step::Acl { subnet: subnet.id.to_string(), entry: entry.cloned() });
            return true;
        }
        let number = entry.map(|e| e.number).unwrap_or(RuleNumber::DEFAULT);
        let reply = self.path == PathKind::Return;
        let path = self.path;
        let at = Stop::new(denied, acl.id.as_str(), Kind::NetworkAcl, BlockCode::SubnetAclRestriction).direction(direction).acl(sub, Some(number));
        self.stop(at, p, |w| {
            let reason = Reason::AclDenies {
                acl: acl.id.to_string(),
                subnet: subnet.id.to_string(),
                entering: dir == Direction::Ingress,
                number,
                reply,
                nat_ports,
            };
            Why::new(reason).rule(entry.cloned().map(Rule::Acl)).fix(Some(fix::nacl_rule(w.topo, acl, direction, number, p, path)))
        });
        false
    }

    /// On a reply to a NAT gateway's translation of this flow (or to a load balancer node's
    /// connection to a target): the gateway or node picked the source port of the request
    /// from 1024-65535, so every ACL the reply crosses on its way back to it (the
    /// destination's, a transit gateway attachment's, its own) must pass every port of that
    /// range, not only the sample.
    fn ephemeral_receiver(&self, _sub: Ix, p: &Packet) -> bool {
        if self.path != PathKind::Return || !p.protocol.has_ports() || !self.sampled_ports {
            return false;
        }
        self.nat.iter().any(|s| s.nat_ip == p.dst) || self.relay_ip == Some(p.dst)
    }

    /// Evaluates the security groups of interface `ix`; `false` when they deny.
    fn security_groups(&mut self, ix: Ix, dir: Direction, p: &Packet) -> bool {
        let e = self.eni(ix);
        let direction = dir;
        if e.security_groups.is_empty() {
            // NAT gateway and transit gateway interfaces have no security groups.
            return true;
        }
        let ids = || e.security_groups.iter().map(|g| g.as_str()).collect::<Vec<_>>().join(", ");
        if self.path == PathKind::Return {
            if self.mode == Mode::Steps {
                self.hop(&ids(), Kind::SecurityGroup, Some(direction), Action::Allow, p, || Step::SecurityGroupsStateful);
            }
            return true;
        }
        if self.mode != Mode::Steps {
            // Which rule admits does not matter here: the indexed test decides.
            if sg::admits(self.topo, self.topo.eni_sg_ixs(ix), &e.vpc, dir, p) {
                return true;
            }
        } else if let Some((gid, rule)) = sg::evaluate(self.topo, &e.security_groups, &e.vpc, dir, p) {
            self.hop(gid.as_str(), Kind::SecurityGroup, Some(direction), Action::Allow, p, || Step::SecurityGroup { rule: rule.clone() });
            return true;
        }
        let missing: Vec<&str> = e.security_groups.iter().filter(|g| self.topo.sg(g.as_str()).is_none()).map(|g| g.as_str()).collect();
        let denied = match dir {
            Direction::Ingress => Disposition::DeniedIn,
            Direction::Egress => Disposition::DeniedOut,
        };
        if !missing.is_empty() {
            // A group the snapshot lacks might admit the packet.
            let joined = missing.join(", ");
            match self.topo.model.assume_missing {
                Some(RuleAction::Allow) => {
                    self.assumptions.push(Assumption::SecurityGroups { groups: joined.clone(), admits: Some(direction) });
                    self.hop(&joined, Kind::SecurityGroup, Some(direction), Action::Note, p, || Step::SecurityGroupsAssumed);
                    return true;
                }
                Some(RuleAction::Deny) => {
                    self.assumptions.push(Assumption::SecurityGroups { groups: joined.clone(), admits: None });
                }
                None => {
                    let at = Stop::new(Disposition::InsufficientInfo, &joined, Kind::SecurityGroup, BlockCode::MissingSecurityGroup).direction(direction);
                    self.defer(at, p, |_| {
                        Why::new(Reason::MissingSecurityGroup { eni: e.id.to_string(), direction, missing: missing.iter().map(|m| m.to_string()).collect() })
                    });
                    return true;
                }
            }
        }
        // The component's id (a walk that keeps only where it stopped names none).
        let id = match (self.mode, e.security_groups.as_slice()) {
            (Mode::Decision, _) => String::new(),
            (_, [only]) => only.to_string(),
            _ => ids(),
        };
        let at = Stop::new(denied, &id, Kind::SecurityGroup, BlockCode::EniSgRulesMismatch).direction(direction);
        self.stop(at, p, |w| {
            let reason = Reason::SecurityGroupsDeny {
                eni: e.id.to_string(),
                direction,
                groups: e.security_groups.iter().map(|g| g.to_string()).collect(),
                missing: missing.iter().map(|m| m.to_string()).collect(),
            };
            Why::new(reason).fix(Some(fix::sg_rule(w.topo, ix, direction, p)))
        });
        false
    }

    /// A packet sent by interface `ix`.
    fn start_at_eni(&mut self, ix: Ix, p: Packet) -> End {
        let e = self.eni(ix);
        let reply = self.path == PathKind::Return;
        self.hop(e.id.as_str(), Kind::NetworkInterface, None, Action::Pass, &p, || Step::Sent { role: e.kind.clone(), subnet: e.subnet.to_string(), reply });
        if !self.security_groups(ix, Direction::Egress, &p) {
            return End::Stopped;
        }
        let Some(sub) = self.topo.subnet_ix(e.subnet.as_str()) else {
            return self.missing_subnet(e.subnet.as_str(), e.id.as_str(), &p);
        };
        self.route_from(sub, p, Arrival::Origin)
    }

    /// The ACLs a packet crosses going from subnet `from` (`None`: from a gateway) into
    /// subnet `into`: none within one subnet. `false` when one denied it.
    fn cross_into(&mut self, from: Option<Ix>, into: Ix, p: &Packet) -> bool {
        if from == Some(into) {
            return true;
        }
        from.is_none_or(|f| self.nacl(f, Direction::Egress, p)) && self.nacl(into, Direction::Ingress, p)
    }

    /// Through firewall `fi`'s endpoint `ei`, from subnet `from` (a route) or from a
    /// gateway (ingress routing): the firewall subnet's ACL, the firewall's policy, then the
    /// firewall subnet's route table.
    fn through_firewall(&mut self, fi: Ix, ei: usize, from: Option<Ix>, p: Packet) -> End {
        let topo = self.topo;
        let fw = &topo.model.firewalls[fi];
        let ep = &fw.endpoints[ei];
        let Some(fsub) = topo.subnet_ix(ep.subnet.as_str()) else {
            return self.missing_subnet(ep.subnet.as_str(), ep.endpoint.as_str(), &p);
        };
        if !self.cross_into(from, fsub, &p) {
            return End::Stopped;
        }
        let reply = self.path == PathKind::Return;
        let inspected = self.inspected_request.contains(&fi);
        match super::firewall::decide(topo, fw, &p, reply, inspected) {
            super::firewall::FwDecision::Pass { stateful, by } => {
                self.hop(fw.id.as_str(), Kind::NetworkFirewall, None, Action::Allow, &p, || Step::Inspected { endpoint: ep.endpoint.to_string(), by, stateful: stateful && !reply });
                self.inspected.push((fi, stateful));
            }
            super::firewall::FwDecision::Drop { by, asymmetric } => {
                let (code, reason) = if asymmetric {
                    (BlockCode::AsymmetricInspection, Reason::AsymmetricInspection { firewall: fw.name.clone(), by: Some(by) })
                } else {
                    (BlockCode::FirewallDrop, Reason::FirewallDrops { firewall: fw.name.clone(), by })
                };
                return self.halt(Disposition::Dropped, fw.id.as_str(), Kind::NetworkFirewall, code, &p, || reason);
            }
            super::firewall::FwDecision::Undecided { why } => {
                let at = Stop::new(Disposition::InsufficientInfo, fw.id.as_str(), Kind::NetworkFirewall, BlockCode::FirewallUndecided);
                self.defer(at, &p, |_| Why::new(Reason::FirewallUndecided { firewall: fw.name.clone(), why }));
                self.inspected.push((fi, true));
            }
        }
        self.route_from(fsub, p, Arrival::Origin)
    }

    /// Through a Gateway Load Balancer endpoint that is not a Network Firewall's: the
    /// appliances behind it decide what the snapshot cannot tell, so the walk notes it and
    /// goes on from the endpoint's subnet (a later certain stop still decides).
    fn through_gwlb_endpoint(&mut self, id: &VpceId, from: Option<Ix>, p: Packet) -> End {
        let topo = self.topo;
        let sub = topo.vpc_endpoint(id.as_str()).and_then(|e| e.enis.iter().find_map(|x| topo.eni_ix(x.as_str()))).and_then(|x| topo.eni_subnet_ix(x));
        let Some(esub) = sub else {
            return self.halt(Disposition::InsufficientInfo, id.as_str(), Kind::VpcEndpoint, BlockCode::ApplianceNotModelled, &p, || Reason::GwlbEndpoint { endpoint: id.to_string() });
        };
        if !self.cross_into(from, esub, &p) {
            return End::Stopped;
        }
        let at = Stop::new(Disposition::InsufficientInfo, id.as_str(), Kind::VpcEndpoint, BlockCode::ApplianceNotModelled);
        self.defer(at, &p, |_| Why::new(Reason::GwlbEndpoint { endpoint: id.to_string() }));
        self.route_from(esub, p, Arrival::Origin)
    }

    /// Through an appliance interface a route names (`target`: an `eni-` or an instance):
    /// the packet enters it through its subnet's ACL and its security groups, which needs
    /// source/destination check off (when the snapshot does not say, the appliance's note
    /// covers it); what the appliance's software does is not in the
    /// snapshot (noted, a later certain stop still decides); it leaves through its groups
    /// and its subnet's route table.
    fn through_appliance(&mut self, target: &str, from: Option<Ix>, p: Packet) -> End {
        let topo = self.topo;
        let ix = topo.eni_ix(target).or_else(|| topo.instance(target).and_then(|i| i.enis.iter().find_map(|e| topo.eni_ix(e.as_str()))));
        let Some(ix) = ix else {
            return self.halt(Disposition::InsufficientInfo, target, Kind::NetworkInterface, BlockCode::ApplianceNotModelled, &p, || Reason::ApplianceRoute { target: target.to_string() });
        };
        let e = self.eni(ix);
        let Some(asub) = topo.eni_subnet_ix(ix) else {
            return self.missing_subnet(e.subnet.as_str(), e.id.as_str(), &p);
        };
        if !self.cross_into(from, asub, &p) {
            return End::Stopped;
        }
        if e.source_dest_check == Some(true) && !e.owns(p.dst) {
            return self.halt(Disposition::Dropped, e.id.as_str(), Kind::NetworkInterface, BlockCode::SourceDestCheck, &p, || Reason::SourceDestCheck { eni: e.id.to_string() });
        }
        if !self.security_groups(ix, Direction::Ingress, &p) {
            return End::Stopped;
        }
        self.hop(e.id.as_str(), Kind::NetworkInterface, None, Action::Forward, &p, || Step::Appliance);
        let at = Stop::new(Disposition::InsufficientInfo, e.id.as_str(), Kind::NetworkInterface, BlockCode::ApplianceNotModelled);
        self.defer(at, &p, |_| Why::new(Reason::ApplianceForwards { eni: e.id.to_string() }));
        if !self.security_groups(ix, Direction::Egress, &p) {
            return End::Stopped;
        }
        self.route_from(asub, p, Arrival::Origin)
    }

    /// The reply of a load balancer's connection that kept the client's address: it goes
    /// from target `from` back to node `node` whatever the target's routes say about the
    /// client (the load balancer's data plane carries it), through the ACLs of both subnets.
    fn reply_to_relay(&mut self, from: Ix, node: Ix, p: Packet) -> End {
        let e = self.eni(from);
        self.hop(e.id.as_str(), Kind::NetworkInterface, None, Action::Pass, &p, || Step::Sent { role: e.kind.clone(), subnet: e.subnet.to_string(), reply: true });
        if !self.security_groups(from, Direction::Egress, &p) {
            return End::Stopped;
        }
        let (a, b) = (self.topo.eni_subnet_ix(from), self.topo.eni_subnet_ix(node));
        if let Some(b) = b {
            if !self.cross_into(a, b, &p) {
                return End::Stopped;
            }
        }
        self.arrive_at(node, p)
    }

    fn missing_subnet(&mut self, subnet: &str, of: &str, p: &Packet) -> End {
        let at = Stop::new(Disposition::InsufficientInfo, subnet, Kind::Vpc, BlockCode::MissingSubnet);
        self.stop(at, p, |_| Why::new(Reason::MissingSubnet { subnet: subnet.to_string(), of: of.to_string() }))
    }

    /// A stop with no rule and no fix.
    fn halt(&mut self, disposition: Disposition, id: &str, kind: Kind, code: BlockCode, p: &Packet, reason: impl FnOnce() -> Reason) -> End {
        self.stop(Stop::new(disposition, id, kind, code), p, |_| Why::new(reason()))
    }

    /// A packet arriving from outside the modelled networks, addressed to `p.dst`.
    fn from_outside(&mut self, p: Packet, via_gateway: Option<(&VpcId, Door)>) -> End {
        if let Some((vpc, door)) = via_gateway {
            // A reply coming back through the gateway the request left by.
            let (id, kind, place) = match &door {
                Door::OnPrem { .. } => ("onprem", Kind::OnPremises, Place::OnPremises),
                Door::Internet(_) => ("internet", Kind::Internet, Place::Internet),
                Door::Other(_) => ("internet", Kind::Internet, Place::Service),
            };
            self.hop(id, kind, None, Action::Pass, &p, || Step::FromOutside { from: p.src, place, reply: true });
            if let Door::OnPrem { gateway, .. } = &door {
                if !self.vgw_carries(gateway, vpc, p.src, &p) {
                    return End::Stopped;
                }
                self.hop(gateway, Kind::VpnGateway, Some(Direction::Ingress), Action::Forward, &p, || Step::EnterFromOnPremises { vpc: vpc.to_string() });
            }
            self.door = Some(door);
            let Some(ix) = self.topo.eni_in_vpc(vpc, p.dst) else {
                return self.halt(Disposition::Dropped, vpc.as_str(), Kind::Vpc, BlockCode::NoDestinationInterface, &p, || Reason::NoInterfaceOf { vpc: vpc.to_string(), addr: p.dst });
            };
            let sub = self.topo.subnet_ix(self.eni(ix).subnet.as_str());
            return match sub {
                Some(sub) if self.nacl(sub, Direction::Ingress, &p) => self.arrive_at(ix, p),
                Some(_) => End::Stopped,
                None => self.arrive_at(ix, p),
            };
        }
        self.hop("internet", Kind::Internet, None, Action::Pass, &p, || Step::FromOutside { from: p.src, place: Place::Internet, reply: false });
        match self.topo.eni_with_public(p.dst) {
            Some((ix, private)) => self.enter_via_igw(ix, private, p),
            None => {
                // IPv6: interfaces' global unicast addresses are reachable as they are, with
                // no translation.
                if let Some(&ix) = self.topo.enis_with_private(p.dst).first().filter(|_| p.dst.is_ipv6() && !is_special(p.dst)) {
                    return self.enter_via_igw(ix, p.dst, p);
                }
                self.halt(Disposition::Dropped, "internet", Kind::Internet, BlockCode::NoPublicAddress, &p, || Reason::NotAPublicAddress { addr: p.dst })
            }
        }
    }

    fn enter_via_igw(&mut self, ix: Ix, private: IpAddr, mut p: Packet) -> End {
        let e = self.eni(ix);
        let Some(igw) = self.topo.igw_of(&e.vpc) else {
            let at = Stop::new(Disposition::Dropped, e.vpc.as_str(), Kind::Vpc, BlockCode::NoInternetGateway);
            return self.stop(at, &p, |_| {
                Why::new(Reason::NoInternetGateway { vpc: e.vpc.to_string() }).fix(Some(Change::AttachInternetGateway { vpc: e.vpc.to_string() }))
            });
        };
        self.door = Some(Door::Internet(igw.id.to_string()));
        if p.dst != private {
            let public = p.dst;
            p.dst = private;
            self.hop(igw.id.as_str(), Kind::InternetGateway, Some(Direction::Ingress), Action::Translate, &p, || Step::TranslateDestination { from: public });
        } else {
            self.hop(igw.id.as_str(), Kind::InternetGateway, Some(Direction::Ingress), Action::Forward, &p, || Step::EnterVpc);
        }
        // Ingress routing: a gateway route table that steers this destination elsewhere.
        if let Some(end) = self.ingress_routing(igw.id.as_str(), &p) {
            return end;
        }
        let vpc = e.vpc.clone();
        self.deliver(&vpc, None, ix, p)
    }

    /// Local delivery to interface `dst` in `vpc`, from subnet `from` (or from a gateway).
    fn deliver(&mut self, _vpc: &VpcId, from: Option<Ix>, dst: Ix, p: Packet) -> End {
        let Some(dst_sub) = self.topo.subnet_ix(self.eni(dst).subnet.as_str()) else {
            let e = self.eni(dst);
            return self.missing_subnet(e.subnet.as_str(), e.id.as_str(), &p);
        };
        if from != Some(dst_sub) {
            // Network ACLs apply where traffic leaves and enters a subnet, never within one.
            if let Some(from) = from {
                if !self.nacl(from, Direction::Egress, &p) {
                    return End::Stopped;
                }
            }
            if !self.nacl(dst_sub, Direction::Ingress, &p) {
                return End::Stopped;
            }
        }
        self.arrive_at(dst, p)
    }

    fn arrive_at(&mut self, ix: Ix, p: Packet) -> End {
        let e = self.eni(ix);
        if self.path == PathKind::Return {
            if let Some(pos) = self.nat.iter().position(|s| s.nat_eni == ix && s.nat_ip == p.dst && (s.port == p.dst_port || !p.protocol.has_ports())) {
                let s = self.nat.remove(pos);
                let mut q = p;
                q.dst = s.original_src;
                q.dst_port = s.original_port;
                let nat_id = self.topo.nat_of_eni(&e.id).map(|n| n.id.to_string()).unwrap_or_else(|| e.id.to_string());
                self.hop(&nat_id, Kind::NatGateway, None, Action::Translate, &q, || Step::TranslateBack { to: s.original_src, port: s.original_port });
                let Some(sub) = self.topo.subnet_ix(e.subnet.as_str()) else { return End::Stopped };
                return self.route_from(sub, q, Arrival::Nat);
            }
        }
        if self.path == PathKind::Forward && e.kind == EniKind::NatGateway {
            return self.halt(Disposition::Dropped, e.id.as_str(), Kind::NatGateway, BlockCode::NatGatewayInbound, &p, || Reason::NatGatewayInbound { eni: e.id.to_string() });
        }
        if !self.security_groups(ix, Direction::Ingress, &p) {
            return End::Stopped;
        }
        self.hop(e.id.as_str(), Kind::NetworkInterface, None, Action::Deliver, &p, || Step::Delivered);
        self.disposition = Disposition::Accepted;
        End::Delivered { eni: ix, packet: p }
    }

    /// Route lookup in subnet `sub`'s table and whatever follows.
    fn route_from(&mut self, sub: Ix, p: Packet, arrival: Arrival) -> End {
        self.steps += 1;
        let subnet = self.subnet(sub);
        let sid = subnet.id.as_str();
        if self.steps > MAX_STEPS {
            return self.halt(Disposition::Loop, sid, Kind::RouteTable, BlockCode::RoutingLoop, &p, || Reason::RoutingLoop { transit: false });
        }
        let Some(rt) = self.topo.route_table_of(sub) else {
            if self.topo.model.missing_classes.iter().any(|c| c == "RouteTables") {
                return self.halt(Disposition::InsufficientInfo, sid, Kind::RouteTable, BlockCode::MissingRouteTable, &p, || Reason::MissingRouteTables { subnet: sid.to_string() });
            }
            return self.halt(Disposition::NoRoute, sid, Kind::RouteTable, BlockCode::NoRouteTable, &p, || Reason::NoRouteTable { subnet: sid.to_string() });
        };
        let Some(m) = route::lookup(self.topo, rt, p.dst) else {
            let at = Stop::new(Disposition::NoRoute, rt.id.as_str(), Kind::RouteTable, BlockCode::NoRouteToDestination);
            return self.stop(at, &p, |w| {
                Why::new(Reason::NoRoute { table: rt.id.to_string(), subnet: sid.to_string(), addr: p.dst }).fix(fix::route(w.topo, rt, &subnet.vpc, p.dst))
            });
        };
        let target = m.route.target.id();
        if m.route.state == RouteState::Blackhole {
            let at = Stop::new(Disposition::Blackhole, rt.id.as_str(), Kind::RouteTable, BlockCode::BadStateRoute);
            return self.stop(at, &p, |_| {
                Why::new(Reason::Blackhole { table: rt.id.to_string(), prefix: m.prefix, target: target.to_string() })
                    .rule(Some(Rule::Route { prefix: m.prefix, target: target.to_string() }))
                    .fix(Some(Change::ReplaceBlackholeRoute { table: rt.id.to_string(), prefix: m.prefix, target: target.to_string() }))
            });
        }
        self.last_route = Some((rt.id.to_string(), m.prefix, false));
        self.hop(rt.id.as_str(), Kind::RouteTable, None, Action::Forward, &p, || Step::Route { subnet: sid.to_string(), prefix: m.prefix, target: target.to_string() });
        let vpc = subnet.vpc.clone();
        match &m.route.target {
            RouteTarget::Local => match self.topo.eni_in_vpc(&vpc, p.dst) {
                Some(dst) => self.deliver(&vpc, Some(sub), dst, p),
                None => self.halt(Disposition::Dropped, vpc.as_str(), Kind::Vpc, BlockCode::NoDestinationInterface, &p, || Reason::NoInterfaceIn { vpc: vpc.to_string(), addr: p.dst }),
            },
            RouteTarget::InternetGateway(igw) => self.via_igw(igw, &vpc, sub, p),
            RouteTarget::EgressOnlyInternetGateway(g) => self.via_eigw(g, &vpc, sub, p),
            RouteTarget::NatGateway(n) => self.via_nat(n, sub, p),
            RouteTarget::Peering(pcx) => self.via_peering(pcx, &vpc, sub, p, arrival),
            RouteTarget::TransitGateway(t) => self.via_tgw(t, &vpc, sub, p),
            RouteTarget::VpcEndpoint(e) => {
                let cidr_route = matches!(m.route.dest, RouteDest::Cidr(_));
                self.via_endpoint(e, &vpc, sub, p, arrival, cidr_route)
            }
            RouteTarget::Interface(_) | RouteTarget::Instance(_) => self.through_appliance(target, Some(sub), p),
            RouteTarget::VpnGateway(g) => {
                if !self.nacl(sub, Direction::Egress, &p) {
                    return End::Stopped;
                }
                self.door = Some(Door::OnPrem { gateway: g.clone(), resource: None });
                if !self.vgw_carries(g, &vpc, p.dst, &p) {
                    return End::Stopped;
                }
                self.hop(g, Kind::VpnGateway, Some(Direction::Egress), Action::Exit, &p, || Step::ExitToOnPremises { resource_type: None, resource: g.clone() });
                self.disposition = Disposition::ExitsNetwork;
                End::Exited { exit: Exit::Gateway { vpc }, packet: p }
            }
            RouteTarget::Other(g) => {
                self.halt(Disposition::InsufficientInfo, g, Kind::VpnGateway, BlockCode::GatewayNotModelled, &p, || Reason::GatewayNotModelled { gateway: g.clone() })
            }
        }
    }

    fn via_igw(&mut self, igw: &IgwId, vpc: &VpcId, sub: Ix, mut p: Packet) -> End {
        match self.topo.igw(igw.as_str()) {
            Some(g) if g.vpcs.contains(vpc) => {}
            _ => {
                return self.halt(Disposition::Dropped, igw.as_str(), Kind::InternetGateway, BlockCode::IgwNotAttached, &p, || Reason::NotAttached { gateway: igw.to_string(), vpc: vpc.to_string() })
            }
        }
        if !self.nacl(sub, Direction::Egress, &p) {
            return End::Stopped;
        }
        if let IpAddr::V4(_) = p.src {
            let owner = self.topo.eni_in_vpc(vpc, p.src);
            let public = owner.and_then(|ix| self.eni(ix).public_for(p.src));
            let Some(public) = public else {
                let id = owner.map(|ix| self.eni(ix).id.to_string()).unwrap_or_else(|| p.src.to_string());
                let kind = owner.map(|ix| &self.eni(ix).kind);
                let at = Stop::new(Disposition::Dropped, &id, Kind::NetworkInterface, BlockCode::NoPublicAddress);
                return self.stop(at, &p, |w| {
                    // An Elastic IP can be associated with an ordinary interface only: AWS
                    // refuses it on requester-managed interfaces, and a private NAT gateway
                    // has none.
                    let fix = owner.filter(|_| kind == Some(&EniKind::Interface)).map(|ix| Change::AssociateAddress { eni: w.eni(ix).id.to_string(), inbound: false });
                    Why::new(Reason::NoPublicSource { addr: p.src, igw: igw.to_string(), private_nat: kind == Some(&EniKind::NatGateway) }).fix(fix)
                });
            };
            let private = p.src;
            p.src = IpAddr::V4(public);
            self.hop(igw.as_str(), Kind::InternetGateway, Some(Direction::Egress), Action::Translate, &p, || Step::TranslateSource { from: private });
        } else {
            self.hop(igw.as_str(), Kind::InternetGateway, Some(Direction::Egress), Action::Forward, &p, || Step::LeaveVpc { ipv6: false });
        }
        if self.topo.eni_with_public(p.dst).is_some() {
            // Hairpin: the destination is a public address of a modelled interface.
            return self.from_outside_hairpin(p);
        }
        if let Some(end) = self.ipv6_over_the_internet(&p) {
            return end;
        }
        if self.topo.in_modelled_network(p.dst) || is_special(p.dst) {
            return self.halt(Disposition::Dropped, igw.as_str(), Kind::InternetGateway, BlockCode::PrivateDestination, &p, || Reason::PrivateDestination { addr: p.dst });
        }
        self.hop("internet", Kind::Internet, None, Action::Exit, &p, || Step::ExitToInternet { ipv6: false });
        self.door = Some(Door::Internet(igw.to_string()));
        self.disposition = Disposition::ExitsNetwork;
        End::Exited { exit: Exit::Internet, packet: p }
    }

    /// A global IPv6 address of an interface of another VPC is reached over the internet, as it
    /// is, through that VPC's internet gateway.
    fn ipv6_over_the_internet(&mut self, p: &Packet) -> Option<End> {
        if !p.dst.is_ipv6() || is_special(p.dst) {
            return None;
        }
        let &ix = self.topo.enis_with_private(p.dst).first()?;
        Some(self.enter_via_igw(ix, p.dst, *p))
    }

    fn from_outside_hairpin(&mut self, p: Packet) -> End {
        match self.topo.eni_with_public(p.dst) {
            Some((ix, private)) => self.enter_via_igw(ix, private, p),
            None => End::Stopped,
        }
    }

    fn via_eigw(&mut self, g: &EigwId, vpc: &VpcId, sub: Ix, p: Packet) -> End {
        let kind = Kind::EgressOnlyInternetGateway;
        if p.dst.is_ipv4() {
            return self.halt(Disposition::Dropped, g.as_str(), kind, BlockCode::EigwIpv6Only, &p, || Reason::EgressOnlyIpv6);
        }
        match self.topo.model.egress_only_gateways.iter().find(|x| &x.id == g) {
            None => return self.halt(Disposition::InsufficientInfo, g.as_str(), kind, BlockCode::MissingComponent, &p, || Reason::NotInSnapshot { id: g.to_string() }),
            Some(x) if !x.vpcs.contains(vpc) => {
                return self.halt(Disposition::Dropped, g.as_str(), kind, BlockCode::IgwNotAttached, &p, || Reason::NotAttached { gateway: g.to_string(), vpc: vpc.to_string() })
            }
            Some(_) => {}
        }
        if !self.topo.enis_with_private(p.dst).is_empty() && !is_special(p.dst) {
            if !self.nacl(sub, Direction::Egress, &p) {
                return End::Stopped;
            }
            self.hop(g.as_str(), kind, Some(Direction::Egress), Action::Forward, &p, || Step::LeaveVpc { ipv6: true });
            if let Some(end) = self.ipv6_over_the_internet(&p) {
                return end;
            }
        }
        if self.topo.in_modelled_network(p.dst) || is_special(p.dst) {
            return self.halt(Disposition::Dropped, g.as_str(), kind, BlockCode::PrivateDestination, &p, || Reason::PrivateDestination { addr: p.dst });
        }
        if !self.nacl(sub, Direction::Egress, &p) {
            return End::Stopped;
        }
        self.hop(g.as_str(), kind, Some(Direction::Egress), Action::Exit, &p, || Step::ExitToInternet { ipv6: true });
        self.door = Some(Door::Internet(g.to_string()));
        self.disposition = Disposition::ExitsNetwork;
        End::Exited { exit: Exit::Gateway { vpc: vpc.clone() }, packet: p }
    }

    fn via_nat(&mut self, n: &NatId, sub: Ix, p: Packet) -> End {
        let kind = Kind::NatGateway;
        let Some(nat) = self.topo.nat(n.as_str()) else {
            return self.halt(Disposition::InsufficientInfo, n.as_str(), kind, BlockCode::MissingComponent, &p, || Reason::NotInSnapshot { id: n.to_string() });
        };
        if !nat.state.is_available() {
            return self.halt(Disposition::Dropped, n.as_str(), kind, BlockCode::BadStateNatGateway, &p, || Reason::NotAvailable { id: n.to_string(), state: nat.state.to_string() });
        }
        if self.path == PathKind::Return {
            return self.halt(Disposition::Dropped, n.as_str(), kind, BlockCode::AsymmetricReturn, &p, || Reason::ReplyThroughNat { nat: n.to_string() });
        }
        let Some((eni_ix, nat_ip)) = nat.addresses.iter().find_map(|a| {
            let ix = a.eni.as_ref().and_then(|e| self.topo.eni_ix(e.as_str()))?;
            Some((ix, a.private_ip?))
        }) else {
            return self.halt(Disposition::InsufficientInfo, n.as_str(), kind, BlockCode::MissingComponent, &p, || Reason::NatWithoutInterface { nat: n.to_string() });
        };
        let Some(nat_sub) = self.topo.subnet_ix(nat.subnet.as_str()) else {
            return self.missing_subnet(nat.subnet.as_str(), n.as_str(), &p);
        };
        if nat_sub != sub && (!self.nacl(sub, Direction::Egress, &p) || !self.nacl(nat_sub, Direction::Ingress, &p)) {
            return End::Stopped;
        }
        let mut q = p;
        q.src = nat_ip;
        // NAT gateways pick a source port in 1024-65535; keep the client's when it is there.
        q.src_port = if p.protocol.has_ports() { p.src_port.max(1024) } else { p.src_port };
        self.nat.push(NatState { nat_eni: eni_ix, nat_ip, original_src: p.src, original_port: p.src_port, port: q.src_port });
        self.hop(n.as_str(), kind, None, Action::Translate, &q, || Step::TranslateSource { from: p.src });
        self.route_from(nat_sub, q, Arrival::Nat)
    }

    fn via_peering(&mut self, pcx: &PcxId, vpc: &VpcId, sub: Ix, p: Packet, arrival: Arrival) -> End {
        let kind = Kind::VpcPeering;
        let Some(peering) = self.topo.peering(pcx.as_str()) else {
            return self.halt(Disposition::InsufficientInfo, pcx.as_str(), kind, BlockCode::MissingComponent, &p, || Reason::NotInSnapshot { id: pcx.to_string() });
        };
        if !peering.is_active() {
            let at = Stop::new(Disposition::Dropped, pcx.as_str(), kind, BlockCode::PeeringNotActive);
            let status = peering.status.to_string();
            return self.stop(at, &p, |_| {
                Why::new(Reason::PeeringNotActive { pcx: pcx.to_string(), status: status.clone() }).fix(Some(Change::AcceptPeering { pcx: pcx.to_string(), status }))
            });
        }
        let Some(other) = peering.other_side(vpc) else {
            return self.halt(Disposition::Dropped, pcx.as_str(), kind, BlockCode::PeeringWrongVpc, &p, || Reason::PeeringWrongVpc { pcx: pcx.to_string(), vpc: vpc.to_string() });
        };
        if !matches!(arrival, Arrival::Origin | Arrival::Nat) {
            return self.halt(Disposition::Dropped, pcx.as_str(), kind, BlockCode::PeeringEdgeToEdge, &p, || Reason::PeeringEdgeToEdge);
        }
        let in_peer = match self.topo.vpc(other.vpc.as_str()) {
            Some(v) => v.cidrs.iter().any(|c| c.contains(&p.dst)),
            None => other.cidrs.iter().any(|c| c.contains(&p.dst)),
        };
        if !in_peer {
            return self.halt(Disposition::Dropped, pcx.as_str(), kind, BlockCode::PeeringNotTransitive, &p, || Reason::PeeringNotTransitive { addr: p.dst, vpc: other.vpc.to_string() });
        }
        if !self.nacl(sub, Direction::Egress, &p) {
            return End::Stopped;
        }
        self.hop(pcx.as_str(), kind, None, Action::Forward, &p, || Step::ToVpc { vpc: other.vpc.to_string() });
        let other_vpc = other.vpc.clone();
        match self.topo.eni_in_vpc(&other_vpc, p.dst) {
            Some(dst) => self.deliver(&other_vpc, None, dst, p),
            None if self.topo.vpc(other_vpc.as_str()).is_none() => {
                self.halt(Disposition::InsufficientInfo, other_vpc.as_str(), Kind::Vpc, BlockCode::MissingComponent, &p, || Reason::MissingPeerVpc { vpc: other_vpc.to_string() })
            }
            None => self.halt(Disposition::Dropped, other_vpc.as_str(), Kind::Vpc, BlockCode::NoDestinationInterface, &p, || Reason::NoInterfaceIn { vpc: other_vpc.to_string(), addr: p.dst }),
        }
    }

    fn via_tgw(&mut self, t: &TgwId, vpc: &VpcId, sub: Ix, p: Packet) -> End {
        let kind = Kind::TransitGateway;
        let Some(tgw) = self.topo.tgw(t.as_str()) else {
            return self.halt(Disposition::InsufficientInfo, t.as_str(), kind, BlockCode::MissingComponent, &p, || Reason::NotInSnapshot { id: t.to_string() });
        };
        if !tgw.state.is_available() {
            return self.halt(Disposition::Dropped, t.as_str(), kind, BlockCode::BadStateTransitGateway, &p, || Reason::BadState { id: t.to_string(), state: tgw.state.to_string() });
        }
        let atts: Vec<&TgwAttachment> = self.topo.tgw_vpc_attachments(t.as_str(), vpc.as_str()).into_iter().filter(|a| a.state.is_available()).collect();
        if atts.is_empty() {
            return self.halt(Disposition::Dropped, t.as_str(), kind, BlockCode::TgwNoVpcAttachment, &p, || Reason::NoTgwAttachment { vpc: vpc.to_string(), tgw: t.to_string() });
        }
        let az = self.subnet(sub).az.clone();
        // Only resources in zones where the attachment has a subnet can reach the gateway.
        let att_sub = atts.iter().find_map(|a| {
            let TgwAttachmentKind::Vpc { subnets, .. } = &a.kind else { return None };
            subnets.iter().filter_map(|s| self.topo.subnet_ix(s.as_str())).find(|&i| self.subnet(i).az == az).map(|i| (*a, i))
        });
        let Some((att, att_sub)) = att_sub else {
            let att = atts[0];
            let at = Stop::new(Disposition::Dropped, att.id.as_str(), Kind::TransitGatewayAttachment, BlockCode::TgwAttachmentNotInAz);
            return self.stop(at, &p, |_| {
                Why::new(Reason::AttachmentNotInZone { attachment: att.id.to_string(), az: az.clone(), tgw: t.to_string() })
                    .fix(Some(Change::AddAttachmentSubnet { attachment: att.id.to_string(), az: az.clone(), tgw: t.to_string() }))
            });
        };
        // Instance -> TGW: the instance subnet's outbound rules and the attachment subnet's
        // inbound rules (both, even when they are the same subnet).
        if !self.nacl(sub, Direction::Egress, &p) || !self.nacl(att_sub, Direction::Ingress, &p) {
            return End::Stopped;
        }
        let through = self.subnet(att_sub).id.to_string();
        self.hop(att.id.as_str(), Kind::TransitGatewayAttachment, None, Action::Forward, &p, || Step::EnterTgw { tgw: t.to_string(), subnet: through });
        self.tgw_origin_az = Some(az);
        self.tgw_route(tgw, att, p, 0)
    }

    fn tgw_route(&mut self, tgw: &'m TransitGateway, att: &'m TgwAttachment, p: Packet, depth: u32) -> End {
        let att_kind = Kind::TransitGatewayAttachment;
        if depth > 4 {
            return self.halt(Disposition::Loop, tgw.id.as_str(), Kind::TransitGateway, BlockCode::RoutingLoop, &p, || Reason::RoutingLoop { transit: true });
        }
        let Some(rt) = att.route_table.as_ref().and_then(|r| self.topo.tgw_route_table(r.as_str())) else {
            return self.halt(Disposition::Dropped, att.id.as_str(), att_kind, BlockCode::TgwAttachmentNotAssociated, &p, || Reason::AttachmentNotAssociated {
                attachment: att.id.to_string(),
                tgw: tgw.id.to_string(),
            });
        };
        let rt_kind = Kind::TransitGatewayRouteTable;
        let Some(m) = route::lookup_tgw(self.topo, rt, p.dst) else {
            if let Some(att) = unlearned_bgp(self.topo, rt) {
                let rid = match &att.kind {
                    TgwAttachmentKind::External { resource_id, .. } => Some(resource_id.clone()),
                    _ => None,
                };
                self.door = Some(Door::OnPrem { gateway: att.id.to_string(), resource: rid });
                return self.halt(Disposition::InsufficientInfo, rt.id.as_str(), rt_kind, BlockCode::TgwRoutesNotInSnapshot, &p, || Reason::RoutesNotInSnapshot {
                    table: rt.id.to_string(),
                    addr: p.dst,
                    attachment: att.id.to_string(),
                    resource: external_label(att),
                    capture_hint: false,
                });
            }
            return self.halt(Disposition::NoRoute, rt.id.as_str(), rt_kind, BlockCode::NoRouteToDestination, &p, || Reason::NoTgwRoute { table: rt.id.to_string(), addr: p.dst });
        };
        if m.route.state == RouteState::Blackhole || m.route.attachments.is_empty() {
            let at = Stop::new(Disposition::Blackhole, rt.id.as_str(), rt_kind, BlockCode::BadStateRoute);
            return self.stop(at, &p, |_| {
                Why::new(Reason::TgwBlackhole { table: rt.id.to_string(), prefix: m.prefix }).rule(Some(Rule::TgwBlackhole { prefix: m.prefix }))
            });
        }
        self.last_route = Some((rt.id.to_string(), m.prefix, true));
        self.hop(rt.id.as_str(), rt_kind, None, Action::Forward, &p, || Step::TgwRoute {
            tgw: tgw.id.to_string(),
            prefix: m.prefix,
            attachments: m.route.attachments.iter().map(|a| a.to_string()).collect(),
        });
        let out_id = &m.route.attachments[0];
        let out = self.topo.tgw_attachment_on(out_id, &tgw.id).or_else(|| self.topo.tgw_attachment(out_id.as_str()));
        let Some(out) = out else {
            return self.halt(Disposition::InsufficientInfo, out_id.as_str(), att_kind, BlockCode::MissingComponent, &p, || Reason::NotInSnapshot { id: out_id.to_string() });
        };
        if !out.state.is_available() {
            return self.halt(Disposition::Dropped, out.id.as_str(), att_kind, BlockCode::BadStateAttachment, &p, || Reason::BadState { id: out.id.to_string(), state: out.state.to_string() });
        }
        match &out.kind {
            TgwAttachmentKind::Vpc { vpc, subnets, appliance_mode, .. } => {
                let subs: Vec<Ix> = subnets.iter().filter_map(|s| self.topo.subnet_ix(s.as_str())).collect();
                let Some(att_sub) = self.exit_subnet(out, &subs, *appliance_mode) else {
                    return self.halt(Disposition::InsufficientInfo, out.id.as_str(), att_kind, BlockCode::MissingSubnet, &p, || Reason::MissingAttachmentSubnets { attachment: out.id.to_string() });
                };
                let through = self.subnet(att_sub).id.to_string();
                self.hop(out.id.as_str(), att_kind, None, Action::Forward, &p, || Step::LeaveTgw { tgw: tgw.id.to_string(), vpc: vpc.to_string(), subnet: through });
                // TGW -> instances: the attachment subnet's route table, its outbound ACL
                // rules and the destination subnet's inbound rules (none within one subnet).
                self.route_from(att_sub, p, Arrival::Tgw)
            }
            TgwAttachmentKind::Peering { peer_tgw } => {
                self.hop(out.id.as_str(), att_kind, None, Action::Forward, &p, || Step::ToPeerTgw);
                let peer = peer_tgw.as_ref().and_then(|t| self.topo.tgw(t.as_str()));
                let peer_att = peer.and_then(|pt| self.topo.tgw_attachment_on(&out.id, &pt.id));
                match (peer, peer_att) {
                    (Some(pt), Some(pa)) => {
                        // Zones do not carry over to the peer (another Region).
                        self.tgw_origin_az = None;
                        self.tgw_route(pt, pa, p, depth + 1)
                    }
                    _ => self.halt(Disposition::InsufficientInfo, out.id.as_str(), att_kind, BlockCode::MissingComponent, &p, || Reason::MissingPeerTgw { attachment: out.id.to_string() }),
                }
            }
            TgwAttachmentKind::External { resource_type, resource_id } => {
                self.door = Some(Door::OnPrem { gateway: out.id.to_string(), resource: Some(resource_id.clone()) });
                if !self.attachment_carries(out, &p) {
                    return End::Stopped;
                }
                self.hop(out.id.as_str(), att_kind, Some(Direction::Egress), Action::Exit, &p, || Step::ExitToOnPremises {
                    resource_type: Some(resource_type.clone()),
                    resource: resource_id.clone(),
                });
                self.disposition = Disposition::ExitsNetwork;
                // The reply comes back through this attachment's transit gateway route table.
                End::Exited { exit: Exit::Attachment { tgw: tgw.id.clone(), att: out.id.clone() }, packet: p }
            }
        }
    }

    fn via_endpoint(&mut self, id: &VpceId, vpc: &VpcId, sub: Ix, p: Packet, arrival: Arrival, cidr_route: bool) -> End {
        if let Some((fi, ei)) = self.topo.firewall_endpoint(id.as_str()) {
            return self.through_firewall(fi, ei, Some(sub), p);
        }
        let ep = self.topo.vpc_endpoint(id.as_str());
        let (kind, info) = (Kind::VpcEndpoint, Disposition::InsufficientInfo);
        let endpoint = || id.to_string();
        match ep.map(|e| e.kind) {
            Some(VpceKind::Gateway) => {}
            Some(VpceKind::GatewayLoadBalancer) => return self.through_gwlb_endpoint(id, Some(sub), p),
            // Only Gateway Load Balancer endpoints (Network Firewall's among them) are the
            // target of a CIDR route; gateway endpoints take a prefix-list route.
            None if cidr_route => return self.halt(info, id.as_str(), kind, BlockCode::ApplianceNotModelled, &p, || Reason::CidrRouteToMissingEndpoint { endpoint: endpoint() }),
            None => return self.halt(info, id.as_str(), kind, BlockCode::MissingComponent, &p, || Reason::NotInSnapshot { id: endpoint() }),
            Some(VpceKind::Interface) => {
                return self.halt(info, id.as_str(), kind, BlockCode::MissingComponent, &p, || Reason::InterfaceEndpointRoute { endpoint: endpoint() });
            }
        }
        if arrival == Arrival::Tgw {
            return self.halt(Disposition::Dropped, id.as_str(), kind, BlockCode::GatewayEndpointNotTransitive, &p, || Reason::GatewayEndpointNotTransitive { endpoint: endpoint() });
        }
        if !self.nacl(sub, Direction::Egress, &p) {
            return End::Stopped;
        }
        self.hop(id.as_str(), kind, None, Action::Exit, &p, || Step::ToService { service: ep.map(|e| e.service.clone()).unwrap_or_default() });
        self.door = Some(Door::Other(id.to_string()));
        self.disposition = Disposition::ExitsNetwork;
        End::Exited { exit: Exit::Gateway { vpc: vpc.clone() }, packet: p }
    }

    /// The attachment subnet by which traffic leaves a transit gateway into a VPC: the one in
    /// the zone the flow entered the gateway from (AWS keeps traffic in its zone), unless
    /// appliance mode is on or the attachment has no subnet there; then the gateway picks a
    /// zone by a flow hash, which the snapshot cannot predict: the choice is recorded so
    /// that the flow is evaluated in every zone it may take.
    fn exit_subnet(&mut self, out: &TgwAttachment, subs: &[Ix], appliance_mode: bool) -> Option<Ix> {
        let mut zones: Vec<(String, Ix)> = subs.iter().map(|&i| (self.subnet(i).az.clone(), i)).collect();
        zones.sort();
        zones.dedup_by(|a, b| a.0 == b.0);
        if !appliance_mode {
            if let Some(origin) = &self.tgw_origin_az {
                if let Some((_, i)) = zones.iter().find(|(z, _)| z == origin) {
                    return Some(*i);
                }
            }
        }
        if zones.len() <= 1 {
            return zones.first().map(|z| z.1);
        }
        if let Some(forced) = &self.force_zone {
            if let Some((_, i)) = zones.iter().find(|(z, _)| z == forced) {
                return Some(*i);
            }
        }
        if self.open_choice.is_none() {
            self.open_choice = Some(ZoneChoice { attachment: out.id.to_string(), zones: zones.iter().map(|z| z.0.clone()).collect() });
        }
        zones.first().map(|z| z.1)
    }

    /// Whether virtual private gateway `g` connects `vpc` to the on-premises network for
    /// traffic to or from `remote`; stops the walk when it does not, or cannot be told.
    fn vgw_carries(&mut self, g: &str, vpc: &VpcId, remote: IpAddr, p: &Packet) -> bool {
        let m = self.topo.model;
        let kind = Kind::VpnGateway;
        let Some(vgw) = m.vpn_gateways.iter().find(|x| x.id == g) else {
            self.halt(Disposition::InsufficientInfo, g, kind, BlockCode::MissingComponent, p, || Reason::MissingVgw { vgw: g.to_string() });
            return false;
        };
        if !vgw.state.is_available() {
            self.halt(Disposition::Dropped, g, kind, BlockCode::BadStateVpnGateway, p, || Reason::NotAvailable { id: g.to_string(), state: vgw.state.to_string() });
            return false;
        }
        if !vgw.vpcs.contains(vpc) {
            self.halt(Disposition::Dropped, g, kind, BlockCode::VgwNotAttached, p, || Reason::NotAttached { gateway: g.to_string(), vpc: vpc.to_string() });
            return false;
        }
        let vpns: Vec<&VpnConnection> = m.vpn_connections.iter().filter(|c| c.vgw.as_deref() == Some(g)).collect();
        let dx: Vec<&str> = m.dx_gateways.iter().filter(|d| d.state.is_available() && d.associated.iter().any(|a| a == g)).map(|d| d.id.as_str()).collect();
        let vifs: Vec<&VirtualInterface> =
            m.virtual_interfaces.iter().filter(|v| v.vgw.as_deref() == Some(g) || v.dx_gateway.as_deref().is_some_and(|d| dx.contains(&d))).collect();
        self.connections_carry(g, kind, &vpns, &vifs, Some(remote), p)
    }

    /// Whether a transit gateway's VPN or Direct Connect gateway attachment carries traffic
    /// to or from the on-premises network; stops the walk when it does not, or cannot be told.
    fn attachment_carries(&mut self, att: &TgwAttachment, p: &Packet) -> bool {
        let m = self.topo.model;
        let kind = Kind::TransitGatewayAttachment;
        let TgwAttachmentKind::External { resource_type, resource_id } = &att.kind else { return true };
        match resource_type {
            ExternalAttachmentKind::Vpn => {
                let vpns: Vec<&VpnConnection> = m.vpn_connections.iter().filter(|c| &c.id == resource_id).collect();
                self.connections_carry(att.id.as_str(), kind, &vpns, &[], None, p)
            }
            ExternalAttachmentKind::DirectConnectGateway => {
                if let Some(d) = m.dx_gateways.iter().find(|d| &d.id == resource_id).filter(|d| !d.state.is_available()) {
                    self.halt(Disposition::Dropped, att.id.as_str(), kind, BlockCode::HybridConnectionDown, p, || Reason::DxGatewayDown {
                        dx: d.id.to_string(),
                        attachment: att.id.to_string(),
                        state: d.state.to_string(),
                    });
                    return false;
                }
                let vifs: Vec<&VirtualInterface> = m.virtual_interfaces.iter().filter(|v| v.dx_gateway.as_deref() == Some(resource_id.as_str())).collect();
                self.connections_carry(att.id.as_str(), kind, &[], &vifs, None, p)
            }
            other => {
                self.halt(Disposition::InsufficientInfo, att.id.as_str(), kind, BlockCode::AttachmentNotModelled, p, || Reason::AttachmentNotModelled {
                    attachment: att.id.to_string(),
                    resource_type: other.clone(),
                    resource: resource_id.clone(),
                });
                false
            }
        }
    }

    /// Whether the VPN connections and Direct Connect virtual interfaces of gateway `id`
    /// carry traffic (to or from `remote`, for a virtual private gateway, whose static-only
    /// VPN connections carry only the prefixes of their static routes).
    fn connections_carry(&mut self, id: &str, kind: Kind, vpns: &[&VpnConnection], vifs: &[&VirtualInterface], remote: Option<IpAddr>, p: &Packet) -> bool {
        let ids = |cs: &[&&VpnConnection]| cs.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
        if vpns.is_empty() && vifs.is_empty() {
            self.halt(Disposition::InsufficientInfo, id, kind, BlockCode::HybridConnectionNotInSnapshot, p, || Reason::NoConnections { gateway: id.to_string() });
            return false;
        }
        if vifs.iter().any(|v| v.state.is_available()) {
            return true;
        }
        let live: Vec<&&VpnConnection> = vpns.iter().filter(|c| c.state.is_available()).collect();
        if live.is_empty() {
            self.halt(Disposition::Dropped, id, kind, BlockCode::HybridConnectionDown, p, || Reason::ConnectionsDown {
                gateway: id.to_string(),
                states: vpns.iter().map(|c| (c.id.clone(), c.state.to_string())).chain(vifs.iter().map(|v| (v.id.clone(), v.state.to_string()))).collect(),
            });
            return false;
        }
        let up: Vec<&&VpnConnection> = live.iter().copied().filter(|c| c.tunnels_up() != Some(false)).collect();
        if up.is_empty() {
            self.halt(Disposition::Dropped, id, kind, BlockCode::VpnTunnelsDown, p, || Reason::TunnelsDown { vpns: ids(&live) });
            return false;
        }
        let unknown = |w: &mut Self, cs: &[&&VpnConnection]| {
            w.halt(Disposition::InsufficientInfo, id, kind, BlockCode::VpnTunnelStateUnknown, p, || Reason::TunnelStateUnknown { vpns: ids(cs) });
            false
        };
        if let Some(remote) = remote {
            let routed: Vec<&&VpnConnection> = up.iter().copied().filter(|c| !c.static_only || c.static_routes.iter().any(|r| r.contains(&remote))).collect();
            if routed.is_empty() {
                let first = up[0].id.clone();
                let at = Stop::new(Disposition::NoRoute, id, kind, BlockCode::VpnNoRoute);
                self.stop(at, p, |_| Why::new(Reason::VpnNoRoute { vpns: ids(&up), remote }).fix(Some(Change::AddVpnRoute { vpn: first, remote })));
                return false;
            }
            if routed.iter().all(|c| c.tunnels_up().is_none()) {
                return unknown(self, &routed);
            }
            return true;
        }
        if up.iter().all(|c| c.tunnels_up().is_none()) {
            return unknown(self, &up);
        }
        true
    }

    /// A packet from the on-premises network entering the VPC of interface `dst` through
    /// virtual private gateway `g` (no public address needed: it keeps its addresses).
    fn from_vgw(&mut self, g: &str, dst: Ix, p: Packet) -> End {
        let vpc = self.eni(dst).vpc.clone();
        self.hop("onprem", Kind::OnPremises, None, Action::Pass, &p, || Step::FromOutside { from: p.src, place: Place::OnPremises, reply: false });
        self.door = Some(Door::OnPrem { gateway: g.to_string(), resource: None });
        if !self.vgw_carries(g, &vpc, p.src, &p) {
            return End::Stopped;
        }
        self.hop(g, Kind::VpnGateway, Some(Direction::Ingress), Action::Forward, &p, || Step::EnterFromOnPremises { vpc: vpc.to_string() });
        if let Some(end) = self.ingress_routing(g, &p) {
            return end;
        }
        self.deliver(&vpc, None, dst, p)
    }

    /// A packet entering from outside through gateway `g` (an internet or virtual private
    /// gateway): a gateway route table edge-associated with it that sends the destination
    /// anywhere but `local` steers it to an appliance the model does not evaluate.
    fn ingress_routing(&mut self, g: &str, p: &Packet) -> Option<End> {
        let rt = self.topo.edge_route_table(g)?;
        let m = route::lookup(self.topo, rt, p.dst)?;
        if m.route.target == RouteTarget::Local {
            return None;
        }
        let target = m.route.target.id().to_string();
        let route_hop = |w: &mut Self| w.hop(rt.id.as_str(), Kind::RouteTable, None, Action::Forward, p, || Step::Route { subnet: g.to_string(), prefix: m.prefix, target: target.clone() });
        match &m.route.target {
            RouteTarget::VpcEndpoint(e) if self.topo.firewall_endpoint(e.as_str()).is_some() || self.topo.vpc_endpoint(e.as_str()).is_some_and(|x| x.kind == VpceKind::GatewayLoadBalancer) => {
                route_hop(self);
                return Some(match self.topo.firewall_endpoint(e.as_str()) {
                    Some((fi, ei)) => self.through_firewall(fi, ei, None, *p),
                    None => self.through_gwlb_endpoint(e, None, *p),
                });
            }
            RouteTarget::Interface(_) | RouteTarget::Instance(_) => {
                route_hop(self);
                return Some(self.through_appliance(&target, None, *p));
            }
            _ => {}
        }
        let at = Stop::new(Disposition::InsufficientInfo, rt.id.as_str(), Kind::RouteTable, BlockCode::IngressRoutingToAppliance);
        Some(self.stop(at, p, |_| {
            Why::new(Reason::IngressRoutingToAppliance { table: rt.id.to_string(), target: target.clone() }).rule(Some(Rule::Route { prefix: m.prefix, target }))
        }))
    }

    /// A packet from the on-premises network (a request, or the reply of a request that left
    /// through this attachment) entering transit gateway `tgw` by VPN or Direct Connect
    /// gateway attachment `att`.
    fn from_attachment(&mut self, tgw: &TgwId, att: &TgwAttachmentId, p: Packet) -> End {
        let reply = self.path == PathKind::Return;
        self.hop("onprem", Kind::OnPremises, None, Action::Pass, &p, || Step::FromOutside { from: p.src, place: Place::OnPremises, reply });
        let Some(gw) = self.topo.tgw(tgw.as_str()) else {
            return self.halt(Disposition::InsufficientInfo, tgw.as_str(), Kind::TransitGateway, BlockCode::MissingComponent, &p, || Reason::NotInSnapshot { id: tgw.to_string() });
        };
        let found = self.topo.tgw_attachment_on(att, tgw).or_else(|| self.topo.tgw_attachment(att.as_str()));
        let Some(a) = found else {
            return self.halt(Disposition::InsufficientInfo, att.as_str(), Kind::TransitGatewayAttachment, BlockCode::MissingComponent, &p, || Reason::NotInSnapshot { id: att.to_string() });
        };
        let (rtype, rid) = match &a.kind {
            TgwAttachmentKind::External { resource_type, resource_id } => (Some(resource_type.clone()), resource_id.clone()),
            _ => (None, String::new()),
        };
        self.door = Some(Door::OnPrem { gateway: a.id.to_string(), resource: Some(rid.clone()) });
        if !self.attachment_carries(a, &p) {
            return End::Stopped;
        }
        self.hop(a.id.as_str(), Kind::TransitGatewayAttachment, Some(Direction::Ingress), Action::Forward, &p, || Step::EnterTgwFrom {
            tgw: tgw.to_string(),
            resource_type: rtype,
            resource: rid,
        });
        self.tgw_origin_az = None;
        self.tgw_route(gw, a, p, 0)
    }

    /// The filter this leg passed that the snapshot lacks, leaving it behind.
    fn take_pending(&mut self) -> Option<(StopAt, Option<Blocked>)> {
        self.pending.take()
    }

    fn finish(self) -> (Leg, Option<Blocked>, Option<Change>, Vec<NatState>) {
        (Leg { disposition: self.disposition, hops: self.hops, acls: self.acls, translated: self.translated }, self.blocked, self.fix, self.nat)
    }

    /// The assumptions of this leg, leaving none behind.
    fn take_assumptions(&mut self) -> Vec<Assumption> {
        std::mem::take(&mut self.assumptions)
    }
}

/// Evaluates the flow `src -> dst` and its reply, keeping every step.
pub fn evaluate(topo: &Topology<'_>, src: &Endpoint, dst: &Endpoint, protocol: Protocol, src_port: u16, dst_port: u16) -> Trace {
    walk_flow(topo, src, dst, protocol, src_port, dst_port, Mode::Steps, None)
}

/// [`evaluate`] for a destination that is a load balancer's node, following only target
/// `target` (an instance id or an IP target's address) behind its listener: whether the
/// source reaches that target through the load balancer.
pub fn evaluate_through(topo: &Topology<'_>, src: &Endpoint, dst: &Endpoint, protocol: Protocol, src_port: u16, dst_port: u16, target: &str) -> Trace {
    walk_flow(topo, src, dst, protocol, src_port, dst_port, Mode::Steps, Some(target))
}

/// [`evaluate`] without the steps: the same walk, verdict, dispositions, ACL crossings,
/// `blocked_by` and fix, with no hops kept. For analyses that decide many flows and render
/// none of them (`analysis::matrix`).
pub fn evaluate_verdict(topo: &Topology<'_>, src: &Endpoint, dst: &Endpoint, protocol: Protocol, src_port: u16, dst_port: u16) -> Trace {
    walk_flow(topo, src, dst, protocol, src_port, dst_port, Mode::Verdict, None)
}

#[allow(clippy::too_many_arguments)]
fn walk_flow<'t>(topo: &'t Topology<'_>, src: &Endpoint, dst: &Endpoint, protocol: Protocol, src_port: u16, dst_port: u16, mode: Mode, pin: Option<&'t str>) -> Trace {
    let (src, dst) = align_families(topo, *src, *dst);
    let flow = Flow { topo, src, dst, protocol, src_port, dst_port, mode, relay: None, pin };
    let (first, choice) = flow.walk(None);
    let Some(choice) = choice else { return first };
    // The transit gateway picks a zone the snapshot cannot predict: evaluate every zone it
    // may pick. One answer for all of them is the answer; different answers are `unknown`.
    let runs: Vec<(String, Trace)> = choice.zones.iter().map(|z| (z.clone(), flow.walk(Some(z)).0)).collect();
    let same = runs.windows(2).all(|w| {
        let (a, b) = (&w[0].1, &w[1].1);
        a.verdict == b.verdict && a.blocked_by.as_ref().map(|x| (&x.id, x.code)) == b.blocked_by.as_ref().map(|x| (&x.id, x.code))
    });
    if same {
        return runs.into_iter().next().map(|r| r.1).unwrap_or(first);
    }
    let outcomes: Vec<(String, Option<(String, BlockCode)>)> = runs.iter().map(|(z, t)| (z.clone(), t.blocked_by.as_ref().map(|b| (b.id.clone(), b.code)))).collect();
    let (_, mut t) = runs.into_iter().find(|(_, t)| !t.reachable).unwrap_or_else(|| (String::new(), first));
    let path = t.blocked_by.as_ref().map(|b| b.path).unwrap_or(PathKind::Forward);
    let reason = Reason::ZoneDependent { attachment: choice.attachment.clone(), zones: choice.zones.clone(), outcomes };
    let blocked = Blocked {
        id: choice.attachment.clone(),
        kind: Kind::TransitGatewayAttachment,
        direction: None,
        rule: None,
        rule_number: None,
        path,
        code: BlockCode::TgwZoneDependent,
        reason: reason.clone(),
        account: None,
    };
    undecided_by(&mut t, Some(blocked));
    // The leg the answer depends on ends with a note of why.
    let sent = t.packet;
    let leg = match path {
        PathKind::Forward => Some(&mut t.forward),
        PathKind::Return => t.ret.as_mut(),
    };
    if let (Some(leg), Mode::Steps) = (leg, mode) {
        if let Some(packet) = leg.hops.last().map(|h| h.packet).or(sent) {
            let step = Step::Stopped { reason, rule: None };
            leg.hops.push(Hop { id: choice.attachment.clone(), kind: Kind::TransitGatewayAttachment, name: None, direction: None, action: Action::Note, step, packet, names: Vec::new(), account: None });
        }
    }
    t
}

/// Gives both ends the same address family: an outside end's family wins (an interface
/// answers an IPv6 peer at its IPv6 address); between two interfaces, an IPv6 address the
/// user named wins over an interface's primary IPv4 address.
fn align_families(topo: &Topology<'_>, src: Endpoint, dst: Endpoint) -> (Endpoint, Endpoint) {
    let family = |e: &Endpoint| endpoint_ip(e).is_ipv6();
    if family(&src) == family(&dst) {
        return (src, dst);
    }
    let switch = |e: Endpoint, v6: bool| match e {
        Endpoint::Eni { ix, ip } => {
            let other = topo.model.enis[ix].private_ips.iter().copied().find(|a| a.is_ipv6() == v6);
            Endpoint::Eni { ix, ip: other.unwrap_or(ip) }
        }
        e => e,
    };
    match (src, dst) {
        (Endpoint::External(a) | Endpoint::Internet(a), d) => (src, switch(d, a.is_ipv6())),
        (s, Endpoint::External(a) | Endpoint::Internet(a)) => (switch(s, a.is_ipv6()), dst),
        (s, d) if family(&s) => (s, switch(d, true)),
        (s, d) => (switch(s, true), d),
    }
}

/// How an outside address arrives at an interface: decided by the route the interface's
/// subnet uses for the reply.
enum Entry<'m> {
    /// From the internet, at a public address.
    Internet,
    /// From the on-premises network, through a virtual private gateway.
    Vgw(String),
    /// From the on-premises network, through a transit gateway's VPN or Direct Connect
    /// gateway attachment.
    Attachment(&'m TransitGateway, &'m TgwAttachment),
    /// Cannot be told from the snapshot (`door`: the on-premises gateway it may come by).
    Undecided { id: String, kind: Kind, code: BlockCode, reason: Reason, door: Option<Door> },
    /// A private address that no route leads to: it cannot arrive from anywhere.
    Unrouted { id: String, why: Unrouted },
}

fn outside_entry<'m>(topo: &Topology<'m>, dst: Ix, src: IpAddr) -> Entry<'m> {
    let e = &topo.model.enis[dst];
    let fallback = |id: &str, why: Unrouted| if is_special(src) { Entry::Unrouted { id: id.to_string(), why } } else { Entry::Internet };
    let Some(rt) = topo.subnet_ix(e.subnet.as_str()).and_then(|s| topo.route_table_of(s)) else { return Entry::Internet };
    // A table that takes routes propagated from a virtual private gateway lists them
    // (describe-route-tables shows propagated routes): none for `src` means on premises does
    // not advertise it.
    let propagating = rt.propagating_vgws.clone();
    let table = rt.id.to_string();
    let Some(m) = route::lookup(topo, rt, src) else {
        return fallback(rt.id.as_str(), Unrouted::NoRoute { table, propagating });
    };
    match &m.route.target {
        RouteTarget::VpnGateway(g) if m.route.state == RouteState::Active => Entry::Vgw(g.clone()),
        RouteTarget::TransitGateway(t) if m.route.state == RouteState::Active => {
            let Some(tgw) = topo.tgw(t.as_str()) else { return fallback(rt.id.as_str(), Unrouted::MissingTgw { table, tgw: t.to_string() }) };
            let Some(vpc_att) = topo.tgw_vpc_attachments(t.as_str(), e.vpc.as_str()).into_iter().find(|a| a.state.is_available()) else {
                return fallback(rt.id.as_str(), Unrouted::NoAttachment { vpc: e.vpc.to_string(), tgw: t.to_string() });
            };
            let Some(trt) = vpc_att.route_table.as_ref().and_then(|r| topo.tgw_route_table(r.as_str())) else {
                return fallback(vpc_att.id.as_str(), Unrouted::NotAssociated { attachment: vpc_att.id.to_string(), tgw: t.to_string() });
            };
            let ttable = trt.id.to_string();
            match route::lookup_tgw(topo, trt, src) {
                Some(r) if r.route.state == RouteState::Active => {
                    let out = r.route.attachments.first().and_then(|a| topo.tgw_attachment_on(a, &tgw.id));
                    match out {
                        Some(att @ TgwAttachment { kind: TgwAttachmentKind::External { .. }, .. }) => Entry::Attachment(tgw, att),
                        Some(att) if is_special(src) => Entry::Undecided {
                            id: att.id.to_string(),
                            kind: Kind::TransitGatewayAttachment,
                            code: BlockCode::MissingComponent,
                            reason: Reason::BehindAttachment { addr: src, attachment: att.id.to_string() },
                            door: None,
                        },
                        _ => fallback(trt.id.as_str(), Unrouted::TgwNotOnPremises { table: ttable }),
                    }
                }
                Some(_) => fallback(trt.id.as_str(), Unrouted::TgwBlackhole { table: ttable }),
                None => match unlearned_bgp(topo, trt) {
                    Some(att) => Entry::Undecided {
                        id: ttable.clone(),
                        kind: Kind::TransitGatewayRouteTable,
                        code: BlockCode::TgwRoutesNotInSnapshot,
                        reason: Reason::RoutesNotInSnapshot { table: ttable, addr: src, attachment: att.id.to_string(), resource: external_label(att), capture_hint: true },
                        door: Some(Door::OnPrem {
                            gateway: att.id.to_string(),
                            resource: match &att.kind {
                                TgwAttachmentKind::External { resource_id, .. } => Some(resource_id.clone()),
                                _ => None,
                            },
                        }),
                    },
                    None => fallback(trt.id.as_str(), Unrouted::TgwNoRoute { table: ttable }),
                },
            }
        }
        _ => fallback(rt.id.as_str(), Unrouted::NotOnPremises { table, propagating }),
    }
}

/// A VPN or Direct Connect gateway attachment that propagates BGP routes into `trt`, when the
/// snapshot does not hold the routes it learned.
fn unlearned_bgp<'m>(topo: &Topology<'m>, trt: &TgwRouteTable) -> Option<&'m TgwAttachment> {
    if trt.bgp_routes_captured {
        return None;
    }
    trt.propagations.iter().find_map(|id| {
        topo.model
            .tgw_attachments
            .iter()
            .find(|a| &a.id == id && a.tgw == trt.tgw && matches!(a.kind, TgwAttachmentKind::External { .. }))
            .filter(|a| !trt.routes.iter().any(|r| r.origin == RouteOrigin::Propagated && r.attachments.contains(&a.id)))
    })
}

/// The resource behind a VPN or Direct Connect gateway attachment (type and id).
fn external_label(a: &TgwAttachment) -> String {
    match &a.kind {
        TgwAttachmentKind::External { resource_type, resource_id } => [resource_type.as_str(), resource_id.as_str()].join(" "),
        _ => String::new(),
    }
}

/// One flow's two ends and what to walk.
struct Flow<'t, 'm> {
    topo: &'t Topology<'m>,
    src: Endpoint,
    dst: Endpoint,
    protocol: Protocol,
    src_port: u16,
    dst_port: u16,
    mode: Mode,
    /// Set on a load balancer's connection to a target: the node that opened it.
    relay: Option<Relay>,
    /// Follow only this target (instance id or address) behind a load balancer.
    pin: Option<&'t str>,
}

/// A load balancer's connection to a target: the node that opened it, and whether it kept
/// the client's address (the target's reply then goes back to the node whatever its routes
/// say about the client).
#[derive(Clone, Copy, Debug)]
struct Relay {
    node: Ix,
    node_ip: IpAddr,
    preserved: bool,
}

impl<'t, 'm> Flow<'t, 'm> {
    fn leg(&self, path: PathKind, nat: Vec<NatState>, zone: Option<&String>) -> Walk<'t, 'm> {
        let mut w = Walk::new(self.topo, path, nat, self.mode);
        w.force_zone = zone.cloned();
        w
    }

    /// Walks the request and the reply with the transit gateway's open zone choices settled
    /// by `zone`; returns the trace and the first zone choice left open.
    fn walk(&self, zone: Option<&String>) -> (Trace, Option<ZoneChoice>) {
        let (src, dst) = (&self.src, &self.dst);
        let packet = Packet::new(endpoint_ip(src), endpoint_ip(dst), self.protocol, self.src_port, self.dst_port);
        let mut fwd = self.leg(PathKind::Forward, Vec::new(), zone);
        // The destination address the sender uses (public when it reaches in from outside).
        let (end, visible_dst) = self.request(&mut fwd, packet);
        let end = self.delivered_to_destination(&mut fwd, end);
        // A load balancer's node: a listener takes the connection and the load balancer
        // opens a second one to a target.
        let (end, relayed) = match end {
            End::Delivered { eni, packet: at } if self.relay.is_none() && self.topo.lb_of_eni(eni).is_some() => {
                let r = self.balance(&mut fwd, eni, at, zone);
                let through = r.as_ref().is_some_and(|r| r.answered || r.leg.as_ref().is_some_and(|t| t.ret.is_some()));
                (if through { End::Delivered { eni, packet: at } } else { End::Stopped }, r)
            }
            e => (e, None),
        };
        if let Some(c) = relayed.as_ref().and_then(|r| r.choice.clone()) {
            fwd.open_choice.get_or_insert(c);
        }
        let fwd_door = fwd.door.clone();
        let fwd_inspected: Vec<(Ix, bool)> = std::mem::take(&mut fwd.inspected);
        let fwd_pending = fwd.take_pending();
        let mut choice = fwd.open_choice.take();
        let mut assumptions = fwd.take_assumptions();
        let (forward, blocked, fix, nat) = fwd.finish();
        if let End::Stopped = end {
            let verdict = if forward.disposition == Disposition::InsufficientInfo { Verdict::Unknown } else { Verdict::NotReachable };
            let mut trace = Trace { reachable: false, verdict, forward, ret: None, blocked_by: blocked, fix, assumptions, packet: Some(packet), outside_via: fwd_door, balancer: None };
            if let Some(r) = relayed {
                r.stopped(&mut trace);
            }
            return (trace, choice);
        }
        debug_assert!(blocked.is_none() && fix.is_none());

        // The reply, from wherever the request ended.
        let mut back = self.leg(PathKind::Return, nat, zone);
        back.inspected_request = fwd_inspected.iter().filter(|(_, stateful)| *stateful).map(|(f, _)| *f).collect();
        if let Some(r) = self.relay.filter(|r| !r.preserved) {
            back.relay_ip = Some(r.node_ip);
        }
        let ret_end = match end {
            End::Delivered { eni, packet: delivered } => match self.relay {
                Some(r) if r.preserved => back.reply_to_relay(eni, r.node, delivered.reply()),
                _ => back.start_at_eni(eni, delivered.reply()),
            },
            End::Exited { exit: Exit::Internet, packet: out } => back.from_outside(out.reply(), None),
            End::Exited { exit: Exit::Gateway { vpc }, packet: out } => {
                let door = fwd_door.clone().unwrap_or_else(|| Door::Other(String::new()));
                back.from_outside(out.reply(), Some((&vpc, door)))
            }
            End::Exited { exit: Exit::Attachment { tgw, att }, packet: out } => back.from_attachment(&tgw, &att, out.reply()),
            End::Stopped => End::Stopped,
        };
        // The reply must reach the original sender with the addresses it expects, through
        // the gateway the request used.
        let same_door = back.door == fwd_door;
        let ok = match (&ret_end, src) {
            (End::Delivered { eni, packet: p }, Endpoint::Eni { ix, .. } | Endpoint::EniPublic { ix, .. }) => eni == ix && p.src == packet.dst,
            (End::Exited { packet: p, .. }, Endpoint::External(_) | Endpoint::Internet(_)) => p.src == visible_dst && p.dst == packet.src && same_door,
            _ => false,
        };
        if !matches!(ret_end, End::Stopped) && !ok {
            let at = match &ret_end {
                End::Delivered { packet, .. } | End::Exited { packet, .. } => *packet,
                End::Stopped => packet,
            };
            let reason = match (&back.door, &fwd_door) {
                (Some(b), Some(f)) if !same_door && matches!(ret_end, End::Exited { .. }) => Reason::ReplyThroughOtherDoor { back: door_id(b).to_string(), forward: door_id(f).to_string() },
                _ => Reason::ReplyNotAReply { at },
            };
            back.halt(Disposition::Dropped, "return-path", Kind::Vpc, BlockCode::AsymmetricReturn, &at, || reason);
        }
        // A stateful firewall that passed the request must see the reply.
        if let (false, Some(&fi)) = (matches!(ret_end, End::Stopped), back.inspected_request.iter().find(|f| !back.inspected.iter().any(|(g, _)| g == *f))) {
            let fw = &self.topo.model.firewalls[fi];
            let at = match &ret_end {
                End::Delivered { packet, .. } | End::Exited { packet, .. } => *packet,
                End::Stopped => packet,
            };
            back.halt(Disposition::Dropped, fw.id.as_str(), Kind::NetworkFirewall, BlockCode::AsymmetricInspection, &at, || Reason::AsymmetricInspection { firewall: fw.name.clone(), by: None });
        }
        if choice.is_none() {
            choice = back.open_choice.take();
        }
        for a in back.take_assumptions() {
            if !assumptions.contains(&a) {
                assumptions.push(a);
            }
        }
        let back_pending = back.take_pending();
        let (ret, rblocked, rfix, _) = back.finish();
        let reachable = ret.disposition.is_success() && rblocked.is_none() && ok;
        let verdict = if reachable {
            Verdict::Reachable
        } else if ret.disposition == Disposition::InsufficientInfo {
            Verdict::Unknown
        } else {
            Verdict::NotReachable
        };
        let mut trace = Trace { reachable, verdict, forward, ret: Some(ret), blocked_by: rblocked, fix: rfix, assumptions, packet: Some(packet), outside_via: fwd_door, balancer: None };
        if reachable {
            // Through, past a filter the snapshot lacks: that filter decides.
            if let Some((_, blocked)) = fwd_pending.or(back_pending) {
                undecided_by(&mut trace, blocked);
            }
        }
        if let Some(r) = relayed {
            r.through(&mut trace, self.mode);
        }
        (trace, choice)
    }

    /// Walks the request from its source; returns where it ended and the destination address
    /// the sender used.
    fn request(&self, fwd: &mut Walk<'t, 'm>, packet: Packet) -> (End, IpAddr) {
        let (src, dst) = (&self.src, &self.dst);
        let (src_ip, dst_ip) = (packet.src, packet.dst);
        if src_ip.is_ipv6() != dst_ip.is_ipv6() {
            let eni = match (src, dst) {
                (Endpoint::Eni { ix, .. } | Endpoint::EniPublic { ix, .. }, _) | (_, Endpoint::Eni { ix, .. } | Endpoint::EniPublic { ix, .. }) => {
                    let e = &self.topo.model.enis[*ix];
                    Some((e.id.to_string(), e.private_ips.iter().any(|a| a.is_ipv6())))
                }
                _ => None,
            };
            let id = eni.as_ref().map(|e| e.0.clone()).unwrap_or_else(|| "flow".into());
            let end = fwd.halt(Disposition::Dropped, &id, Kind::NetworkInterface, BlockCode::AddressFamilyMismatch, &packet, || Reason::AddressFamilyMismatch {
                src: src_ip,
                dst: dst_ip,
                eni,
            });
            return (end, dst_ip);
        }
        let outside = |fwd: &mut Walk<'t, 'm>| {
            fwd.hop("onprem", Kind::OnPremises, None, Action::Pass, &packet, || Step::FromOutside { from: src_ip, place: Place::Outside, reply: false });
        };
        match (src, dst) {
            (Endpoint::Internet(_), Endpoint::Eni { ix, ip }) => internet_to_eni(fwd, *ix, *ip, packet),
            (Endpoint::External(_), Endpoint::Eni { ix, ip }) => match outside_entry(self.topo, *ix, src_ip) {
                Entry::Internet => internet_to_eni(fwd, *ix, *ip, packet),
                Entry::Vgw(g) => (fwd.from_vgw(&g, *ix, packet), dst_ip),
                Entry::Attachment(tgw, att) => (fwd.from_attachment(&tgw.id, &att.id, packet), dst_ip),
                Entry::Undecided { id, kind, code, reason, door } => {
                    outside(fwd);
                    fwd.door = door;
                    (fwd.halt(Disposition::InsufficientInfo, &id, kind, code, &packet, || reason), dst_ip)
                }
                Entry::Unrouted { id, why } => {
                    outside(fwd);
                    let eni = self.topo.model.enis[*ix].id.to_string();
                    (fwd.halt(Disposition::NoRoute, &id, Kind::RouteTable, BlockCode::NoRouteToSource, &packet, || Reason::NoRouteToSource { addr: src_ip, eni, why }), dst_ip)
                }
            },
            (Endpoint::External(_) | Endpoint::Internet(_), _) => (fwd.from_outside(packet, None), dst_ip),
            (Endpoint::Eni { ix, .. } | Endpoint::EniPublic { ix, .. }, _) => (fwd.start_at_eni(*ix, packet), dst_ip),
        }
    }

    /// A request is delivered only to the destination: one that leaves the modelled network,
    /// or arrives at another interface, never reaches it.
    fn delivered_to_destination(&self, fwd: &mut Walk<'t, 'm>, end: End) -> End {
        let topo = self.topo;
        match (end, &self.dst) {
            (End::Exited { packet: at, .. }, Endpoint::Eni { ix, .. } | Endpoint::EniPublic { ix, .. }) => {
                let (id, kind) = match &fwd.door {
                    // A virtual private gateway has no resource behind it; an attachment does.
                    Some(Door::OnPrem { gateway, resource: None }) => (gateway.clone(), Kind::VpnGateway),
                    Some(Door::OnPrem { gateway, .. }) => (gateway.clone(), Kind::TransitGatewayAttachment),
                    Some(Door::Internet(g)) => (g.clone(), Kind::InternetGateway),
                    Some(Door::Other(g)) => (g.clone(), Kind::VpcEndpoint),
                    None => (String::from("outside"), Kind::Vpc),
                };
                let eni = topo.model.enis[*ix].id.to_string();
                let fix = fwd.last_route.clone().map(|(table, prefix, transit)| Change::RouteTowardDestination { table, prefix: prefix.to_string(), transit });
                let at_stop = Stop::new(Disposition::ExitsNetwork, &id, kind, BlockCode::RoutedOutOfNetwork);
                fwd.stop(at_stop, &at, |_| Why::new(Reason::RoutedOutOfNetwork { addr: at.dst, via: id.clone(), eni }).fix(fix))
            }
            (End::Delivered { eni, packet: at }, Endpoint::Eni { ix, .. } | Endpoint::EniPublic { ix, .. }) if eni != *ix => {
                let other = &topo.model.enis[eni];
                fwd.halt(Disposition::Dropped, other.id.as_str(), Kind::NetworkInterface, BlockCode::DeliveredElsewhere, &at, || Reason::DeliveredElsewhere {
                    other: other.id.to_string(),
                    vpc: other.vpc.to_string(),
                    intended: topo.model.enis[*ix].id.to_string(),
                })
            }
            (End::Exited { packet: at, .. }, Endpoint::Internet(_)) if fwd.door.as_ref().is_some_and(Door::is_onprem) => {
                let (id, kind) = match &fwd.door {
                    Some(Door::OnPrem { gateway, resource: None }) => (gateway.clone(), Kind::VpnGateway),
                    Some(Door::OnPrem { gateway, .. }) => (gateway.clone(), Kind::TransitGatewayAttachment),
                    _ => (String::new(), Kind::TransitGatewayAttachment),
                };
                fwd.halt(Disposition::InsufficientInfo, &id, kind, BlockCode::ExitsToOnPremises, &at, || Reason::ExitsToOnPremises { addr: at.dst, via: id.clone() })
            }
            (end, _) => end,
        }
    }
}

/// Makes a trace that got through `unknown`, because of a filter the snapshot lacks that it
/// passed (`blocked`, on the path it names; `None` for walks that keep no reason).
fn undecided_by(trace: &mut Trace, blocked: Option<Blocked>) {
    trace.reachable = false;
    trace.verdict = Verdict::Unknown;
    trace.fix = None;
    let path = blocked.as_ref().map(|b| b.path).unwrap_or(PathKind::Forward);
    let leg = match path {
        PathKind::Forward => Some(&mut trace.forward),
        PathKind::Return => trace.ret.as_mut(),
    };
    if let Some(leg) = leg {
        leg.disposition = Disposition::InsufficientInfo;
    }
    trace.blocked_by = blocked;
}

fn door_id(d: &Door) -> &str {
    match d {
        Door::Internet(g) | Door::Other(g) => g,
        Door::OnPrem { gateway, .. } => gateway,
    }
}

/// From the internet to interface `ix`: at its public address (IPv4) or its global IPv6
/// address. Returns the end and the destination address the sender used.
fn internet_to_eni(fwd: &mut Walk<'_, '_>, ix: Ix, ip: IpAddr, packet: Packet) -> (End, IpAddr) {
    let e = &fwd.topo.model.enis[ix];
    match e.public_for(ip) {
        Some(public) => {
            let mut p = packet;
            p.dst = IpAddr::V4(public);
            (fwd.from_outside(p, None), p.dst)
        }
        None if ip.is_ipv6() => (fwd.from_outside(packet, None), ip),
        None => {
            fwd.hop("internet", Kind::Internet, None, Action::Pass, &packet, || Step::FromOutside { from: packet.src, place: Place::Internet, reply: false });
            let at = Stop::new(Disposition::Dropped, e.id.as_str(), Kind::NetworkInterface, BlockCode::NoPublicAddress);
            let end = fwd.stop(at, &packet, |_| {
                // An Elastic IP can be associated with an ordinary interface only: AWS
                // refuses it on requester-managed interfaces (RDS, load balancers, endpoints).
                let fix = (e.kind == EniKind::Interface).then(|| Change::AssociateAddress { eni: e.id.to_string(), inbound: true });
                Why::new(Reason::NoPublicAddress { eni: e.id.to_string() }).fix(fix)
            });
            (end, ip)
        }
    }
}

/// Evaluates only what one interface's flow log sees: the interface's security groups and
/// its subnet's ACL, in direction `dir` (ingress: the packet arrives at the interface;
/// egress: it leaves). `reply` marks the packet as the reply of an admitted connection:
/// security groups then admit it (stateful) and only the ACL can refuse it. The ACL is
/// skipped when the remote address is in the interface's own subnet (ACLs are not evaluated
/// within a subnet). `reachable` in the result means "allowed at this interface".
pub fn at_interface(topo: &Topology<'_>, ix: Ix, dir: Direction, packet: Packet, reply: bool) -> Trace {
    at_interface_trace(topo, ix, dir, packet, reply, Mode::Steps).0
}

/// [`at_interface`] without the steps, as [`evaluate_verdict`] is [`evaluate`] without
/// them: the same verdict, `blocked_by` and fix. For callers that keep only the blocking
/// component and its fix (`flows explain`).
pub fn at_interface_verdict(topo: &Topology<'_>, ix: Ix, dir: Direction, packet: Packet, reply: bool) -> Trace {
    at_interface_trace(topo, ix, dir, packet, reply, Mode::Verdict).0
}

/// [`at_interface`] keeping only where the walk stopped: whether the packet passed, and the
/// stop.
pub(super) fn at_interface_decision(topo: &Topology<'_>, ix: Ix, dir: Direction, packet: Packet, reply: bool) -> Option<StopAt> {
    let mut w = Walk::new(topo, if reply { PathKind::Return } else { PathKind::Forward }, Vec::new(), Mode::Decision);
    if at_interface_walk(&mut w, ix, dir, &packet) {
        w.take_pending().map(|p| p.0)
    } else {
        w.stopped
    }
}

/// [`at_interface`]'s walk in `mode`, as a trace, with where it stopped.
fn at_interface_trace(topo: &Topology<'_>, ix: Ix, dir: Direction, packet: Packet, reply: bool, mode: Mode) -> (Trace, Option<StopAt>) {
    let mut w = Walk::new(topo, if reply { PathKind::Return } else { PathKind::Forward }, Vec::new(), mode);
    let ok = at_interface_walk(&mut w, ix, dir, &packet);
    if ok {
        w.disposition = Disposition::Accepted;
    }
    let pending = w.take_pending();
    let mut stopped = w.stopped;
    let assumptions = w.take_assumptions();
    let (leg, blocked, fix, _) = w.finish();
    let verdict = if ok { Verdict::Reachable } else if leg.disposition == Disposition::InsufficientInfo { Verdict::Unknown } else { Verdict::NotReachable };
    let mut trace = Trace { reachable: ok, verdict, forward: leg, ret: None, blocked_by: blocked, fix, assumptions, packet: Some(packet), outside_via: None, balancer: None };
    if ok {
        if let Some((at, blocked)) = pending {
            stopped = Some(at);
            undecided_by(&mut trace, blocked);
        }
    }
    (trace, stopped)
}

/// The checks of interface `ix` for `packet` in direction `dir`: its subnet's ACL (not
/// between two addresses of the subnet) and its security groups; whether they admit it.
fn at_interface_walk(w: &mut Walk<'_, '_>, ix: Ix, dir: Direction, packet: &Packet) -> bool {
    let topo = w.topo;
    // A flow-log record's ports are what happened, not samples.
    w.sampled_ports = false;
    let packet = *packet;
    let sub = topo.eni_subnet_ix(ix);
    let remote = match dir {
        Direction::Ingress => packet.src,
        Direction::Egress => packet.dst,
    };
    let same_subnet = sub.is_some_and(|s| topo.model.subnets[s].contains(remote));
    match dir {
        Direction::Ingress => {
            let acl_ok = match sub {
                Some(s) if !same_subnet => w.nacl(s, Direction::Ingress, &packet),
                _ => true,
            };
            acl_ok && w.security_groups(ix, Direction::Ingress, &packet)
        }
        Direction::Egress => {
            w.security_groups(ix, Direction::Egress, &packet)
                && match sub {
                    Some(s) if !same_subnet => w.nacl(s, Direction::Egress, &packet),
                    _ => true,
                }
        }
    }
}

fn endpoint_ip(e: &Endpoint) -> IpAddr {
    match e {
        Endpoint::Eni { ip, .. } => *ip,
        Endpoint::EniPublic { public, .. } => *public,
        Endpoint::External(ip) | Endpoint::Internet(ip) => *ip,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::words;
    use crate::aws::{build_model, Document};
    use serde_json::{json, Value};

    /// Two VPCs. A (10.0.0.0/16): `pub` 10.0.0.0/24 (routes to the IGW, holds the NAT
    /// gateway and `web` with public 54.0.0.4), `app` 10.0.1.0/24 (main table: 0/0 -> NAT,
    /// 10.1/16 -> peering) with `app1` and `app2`, `appb` 10.0.2.0/24 in zone b. B
    /// (10.1.0.0/16), peered with A: `peer1`. Every ACL allows everything unless a test
    /// changes it.
    pub(super) fn base() -> Value {
        let allow_all = json!([
            {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0"},
            {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0"}]);
        let eni = |id: &str, vpc: &str, sub: &str, ip: &str, sg: &str, public: Option<&str>| {
            let mut e = json!({"NetworkInterfaceId": id, "VpcId": vpc, "SubnetId": sub, "PrivateIpAddress": ip,
                "InterfaceType": "interface", "Groups": [{"GroupId": sg}], "TagSet": [{"Key": "Name", "Value": id}]});
            if let Some(p) = public {
                e["Association"] = json!({"PublicIp": p});
            }
            e
        };
        json!({
            "Vpcs": [{"VpcId": "vpc-a", "CidrBlock": "10.0.0.0/16"}, {"VpcId": "vpc-b", "CidrBlock": "10.1.0.0/16"}],
            "Subnets": [
                {"SubnetId": "subnet-pub", "VpcId": "vpc-a", "CidrBlock": "10.0.0.0/24", "AvailabilityZone": "az-a"},
                {"SubnetId": "subnet-app", "VpcId": "vpc-a", "CidrBlock": "10.0.1.0/24", "AvailabilityZone": "az-a"},
                {"SubnetId": "subnet-appb", "VpcId": "vpc-a", "CidrBlock": "10.0.2.0/24", "AvailabilityZone": "az-b"},
                {"SubnetId": "subnet-tgw", "VpcId": "vpc-a", "CidrBlock": "10.0.9.0/28", "AvailabilityZone": "az-a"},
                {"SubnetId": "subnet-b1", "VpcId": "vpc-b", "CidrBlock": "10.1.1.0/24", "AvailabilityZone": "az-a"}],
            "InternetGateways": [{"InternetGatewayId": "igw-a", "Attachments": [{"VpcId": "vpc-a", "State": "available"}]}],
            "NatGateways": [{"NatGatewayId": "nat-a", "VpcId": "vpc-a", "SubnetId": "subnet-pub", "State": "available",
                "NatGatewayAddresses": [{"NetworkInterfaceId": "eni-nat", "PrivateIp": "10.0.0.9", "PublicIp": "54.0.0.9"}]}],
            "VpcPeeringConnections": [{"VpcPeeringConnectionId": "pcx-ab", "Status": {"Code": "active"},
                "RequesterVpcInfo": {"VpcId": "vpc-a", "CidrBlock": "10.0.0.0/16"}, "AccepterVpcInfo": {"VpcId": "vpc-b", "CidrBlock": "10.1.0.0/16"}}],
            "RouteTables": [
                {"RouteTableId": "rtb-main-a", "VpcId": "vpc-a", "Associations": [{"Main": true}], "Routes": [
                    {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"},
                    {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-a"},
                    {"DestinationCidrBlock": "10.1.0.0/16", "VpcPeeringConnectionId": "pcx-ab"}]},
                {"RouteTableId": "rtb-pub", "VpcId": "vpc-a", "Associations": [{"SubnetId": "subnet-pub"}], "Routes": [
                    {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"},
                    {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-a"}]},
                {"RouteTableId": "rtb-main-b", "VpcId": "vpc-b", "Associations": [{"Main": true}], "Routes": [
                    {"DestinationCidrBlock": "10.1.0.0/16", "GatewayId": "local"},
                    {"DestinationCidrBlock": "10.0.0.0/16", "VpcPeeringConnectionId": "pcx-ab"}]}],
            "NetworkAcls": [
                {"NetworkAclId": "acl-a", "VpcId": "vpc-a", "IsDefault": true, "Entries": allow_all.clone()},
                {"NetworkAclId": "acl-b", "VpcId": "vpc-b", "IsDefault": true, "Entries": allow_all}],
            "SecurityGroups": [
                {"GroupId": "sg-web", "VpcId": "vpc-a", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
                 "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]},
                {"GroupId": "sg-app", "VpcId": "vpc-a", "IpPermissions": [
                    {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": "sg-app"}]},
                    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]},
                    {"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
                 "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]},
                {"GroupId": "sg-peer", "VpcId": "vpc-b", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": "sg-app"}]}],
                 "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}],
            "NetworkInterfaces": [
                eni("eni-web", "vpc-a", "subnet-pub", "10.0.0.4", "sg-web", Some("54.0.0.4")),
                eni("eni-app1", "vpc-a", "subnet-app", "10.0.1.10", "sg-app", None),
                eni("eni-app2", "vpc-a", "subnet-app", "10.0.1.11", "sg-app", None),
                eni("eni-appb", "vpc-a", "subnet-appb", "10.0.2.10", "sg-app", None),
                eni("eni-peer1", "vpc-b", "subnet-b1", "10.1.1.10", "sg-peer", None)]
        })
    }

    /// Network ACL `acl-x` on `subnet`, with `entries` (AWS shape), in VPC A.
    fn with_acl(mut v: Value, subnet: &str, entries: Value) -> Value {
        v["NetworkAcls"].as_array_mut().unwrap().push(json!({"NetworkAclId": "acl-x", "VpcId": "vpc-a",
            "Associations": [{"SubnetId": subnet}], "Entries": entries}));
        v
    }

    pub(super) fn run(v: &Value, from: &str, to: &str, proto: Protocol, port: u16) -> Trace {
        let (m, _) = build_model(&[Document { origin: "test".into(), region: None, value: v.clone() }]).unwrap();
        let t = Topology::new(&m);
        let ep = |s: &str| -> Endpoint {
            if let Some(ix) = t.eni_ix(s) {
                Endpoint::Eni { ix, ip: m.enis[ix].primary_ip().unwrap() }
            } else {
                Endpoint::External(s.parse().unwrap())
            }
        };
        evaluate(&t, &ep(from), &ep(to), proto, DEFAULT_SOURCE_PORT, port)
    }

    /// `(reachable, code, path, blocking id)` for compact assertions.
    fn check(v: &Value, from: &str, to: &str, port: u16) -> (bool, String, String, String) {
        let t = run(v, from, to, Protocol::Tcp, port);
        let b = t.blocked_by.as_ref();
        (
            t.reachable,
            b.map(|b| b.code.as_str().to_string()).unwrap_or_default(),
            b.map(|b| format!("{:?}", b.path).to_lowercase()).unwrap_or_default(),
            b.map(|b| b.id.clone()).unwrap_or_default(),
        )
    }

    fn kinds(l: &Leg) -> Vec<String> {
        l.hops.iter().map(|h| format!("{}:{}", h.kind, h.id)).collect()
    }

    #[test]
    fn nacl_rules_are_not_evaluated_within_a_subnet() {
        // A deny-everything ACL on the app subnet does not affect app1 -> app2 (same subnet).
        let v = with_acl(base(), "subnet-app", json!([]));
        let t = run(&v, "eni-app1", "eni-app2", Protocol::Tcp, 5432);
        assert!(t.reachable, "{t:#?}");
        assert!(!t.forward.hops.iter().any(|h| h.kind == Kind::NetworkAcl));
        // ...but it stops app1 -> appb (another subnet).
        assert_eq!(check(&v, "eni-app1", "eni-appb", 5432).1, "SUBNET_ACL_RESTRICTION");
    }

    #[test]
    fn security_groups_are_stateful_reply_needs_no_rule() {
        // sg-app has no egress rule for 5432 replies (egress all is removed), yet the reply passes.
        let mut v = base();
        v["SecurityGroups"][1]["IpPermissionsEgress"] = json!([{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}]);
        let t = run(&v, "eni-app1", "eni-appb", Protocol::Tcp, 5432);
        assert!(t.reachable, "{t:#?}");
        let ret = t.ret.unwrap();
        assert!(ret.hops.iter().any(|h| h.kind == Kind::SecurityGroup && words::hop_detail(h).contains("stateful")));
    }

    #[test]
    fn nacl_is_stateless_reply_needs_outbound_ephemeral_rule() {
        // The destination subnet admits 5432 in but has no outbound rule for the reply.
        let v = with_acl(base(), "subnet-appb", json!([
            {"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": false, "CidrBlock": "10.0.1.0/24", "PortRange": {"From": 5432, "To": 5432}}]));
        let t = run(&v, "eni-app1", "eni-appb", Protocol::Tcp, 5432);
        assert!(!t.reachable);
        assert_eq!(t.forward.disposition, Disposition::Accepted);
        let b = t.blocked_by.unwrap();
        assert_eq!((b.path, b.id.as_str(), b.direction, b.rule.as_ref().map(|r| r.to_string()).as_deref()), (PathKind::Return, "acl-x", Some(Direction::Egress), Some("* ALL ALL 0.0.0.0/0 DENY")));
        let fix = t.fix.unwrap();
        assert_eq!(words::description(&fix), "add outbound rule 100 ALLOW TCP ports 1024-65535 to 10.0.1.0/24 to acl-x for the reply (before rule *)");
        // With the ephemeral rule added, the flow works.
        let v = with_acl(base(), "subnet-appb", json!([
            {"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": false, "CidrBlock": "10.0.1.0/24", "PortRange": {"From": 5432, "To": 5432}},
            {"RuleNumber": 110, "Protocol": "6", "RuleAction": "allow", "Egress": true, "CidrBlock": "10.0.1.0/24", "PortRange": {"From": 1024, "To": 65535}}]));
        assert!(check(&v, "eni-app1", "eni-appb", 5432).0);
    }

    #[test]
    fn nacl_explicit_deny_before_allow_wins() {
        let v = with_acl(base(), "subnet-appb", json!([
            {"RuleNumber": 90, "Protocol": "6", "RuleAction": "deny", "Egress": false, "CidrBlock": "10.0.1.10/32", "PortRange": {"From": 5432, "To": 5432}},
            {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0"},
            {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0"}]));
        let t = run(&v, "eni-app1", "eni-appb", Protocol::Tcp, 5432);
        let b = t.blocked_by.unwrap();
        assert_eq!((b.path, b.rule.as_ref().map(|r| r.to_string()).as_deref()), (PathKind::Forward, Some("90 TCP 5432 10.0.1.10/32 DENY")));
        assert_eq!(words::description(&t.fix.unwrap()), "add inbound rule 80 ALLOW TCP ports 5432 from 10.0.1.0/24 to acl-x (before rule 90)");
    }

    #[test]
    fn sg_reference_matches_member_private_addresses() {
        assert!(check(&base(), "eni-app1", "eni-appb", 5432).0);
        // web is not a member of sg-app: 5432 from web is refused by the SG, not by an ACL.
        let (ok, code, _, id) = check(&base(), "eni-web", "eni-appb", 5432);
        assert_eq!((ok, code.as_str(), id.as_str()), (false, "ENI_SG_RULES_MISMATCH", "sg-app"));
    }

    #[test]
    fn sg_reference_holds_across_active_peering() {
        let t = run(&base(), "eni-app1", "eni-peer1", Protocol::Tcp, 5432);
        assert!(t.reachable, "{t:#?}");
        assert!(kinds(&t.forward).contains(&"vpc-peering:pcx-ab".to_string()));
    }

    #[test]
    fn sg_egress_without_matching_rule_denies() {
        let mut v = base();
        v["SecurityGroups"][1]["IpPermissionsEgress"] = json!([]);
        let t = run(&v, "eni-app1", "eni-appb", Protocol::Tcp, 5432);
        let b = t.blocked_by.unwrap();
        assert_eq!((b.code.as_str(), b.direction), ("ENI_SG_RULES_MISMATCH", Some(Direction::Egress)));
        assert_eq!(t.forward.disposition, Disposition::DeniedOut);
    }

    #[test]
    fn route_table_falls_back_to_main_when_subnet_has_no_association() {
        // subnet-app has no explicit association: the main table (0/0 -> NAT) applies.
        let t = run(&base(), "eni-app1", "8.8.8.8", Protocol::Tcp, 443);
        assert!(t.reachable, "{t:#?}");
        assert!(kinds(&t.forward).contains(&"route-table:rtb-main-a".to_string()));
        assert!(kinds(&t.forward).contains(&"nat-gateway:nat-a".to_string()));
    }

    #[test]
    fn internet_inbound_needs_a_public_address() {
        let (ok, code, _, id) = check(&base(), "8.8.8.8", "eni-app1", 22);
        assert_eq!((ok, code.as_str(), id.as_str()), (false, "NO_PUBLIC_ADDRESS", "eni-app1"));
    }

    #[test]
    fn internet_gateway_translates_public_to_private_address() {
        let t = run(&base(), "8.8.8.8", "eni-web", Protocol::Tcp, 443);
        assert!(t.reachable, "{t:#?}");
        let igw = t.forward.hops.iter().find(|h| h.kind == Kind::InternetGateway).unwrap();
        assert_eq!(words::hop_detail(igw), "translates destination 54.0.0.4 to 10.0.0.4");
        let back = t.ret.unwrap();
        let igw = back.hops.iter().find(|h| h.kind == Kind::InternetGateway).unwrap();
        assert_eq!(words::hop_detail(igw), "translates source 10.0.0.4 to 54.0.0.4");
    }

    #[test]
    fn internet_inbound_reply_must_route_to_the_internet_gateway() {
        // A public address in a subnet whose table sends 0/0 to the NAT gateway: the request
        // arrives, the reply leaves through the NAT with another source address.
        let mut v = base();
        v["NetworkInterfaces"][1]["Association"] = json!({"PublicIp": "54.0.0.5"});
        v["SecurityGroups"][1]["IpPermissions"][1]["IpRanges"] = json!([{"CidrIp": "0.0.0.0/0"}]);
        let (ok, code, path, _) = check(&v, "8.8.8.8", "eni-app1", 22);
        assert_eq!((ok, code.as_str(), path.as_str()), (false, "ASYMMETRIC_RETURN", "return"));
    }

    #[test]
    fn nat_gateway_reply_needs_ephemeral_ports_in_nat_subnet_acl() {
        // The NAT subnet's ACL admits only the ephemeral range inbound: the request (443 from
        // the app subnet) cannot even reach the NAT gateway.
        let v = with_acl(base(), "subnet-pub", json!([
            {"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 1024, "To": 65535}},
            {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0"}]));
        let t = run(&v, "eni-app1", "8.8.8.8", Protocol::Tcp, 443);
        let b = t.blocked_by.unwrap();
        assert_eq!((b.path, b.id.as_str(), b.direction), (PathKind::Forward, "acl-x", Some(Direction::Ingress)));
        // It admits 443 from the VPC but not the replies from the internet to the NAT's
        // ephemeral port: the request leaves, the reply is dropped entering the NAT subnet.
        let v = with_acl(base(), "subnet-pub", json!([
            {"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": false, "CidrBlock": "10.0.0.0/16", "PortRange": {"From": 443, "To": 443}},
            {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0"}]));
        let t = run(&v, "eni-app1", "8.8.8.8", Protocol::Tcp, 443);
        assert_eq!(t.forward.disposition, Disposition::ExitsNetwork);
        let b = t.blocked_by.unwrap();
        assert_eq!((b.path, b.id.as_str(), b.direction), (PathKind::Return, "acl-x", Some(Direction::Ingress)));
        assert_eq!(words::description(&t.fix.unwrap()), "add inbound rule 110 ALLOW TCP ports 1024-65535 from 8.8.8.8/32 to acl-x for the reply (before rule *)");
    }

    #[test]
    fn nat_gateway_replies_on_every_port_it_may_pick_are_checked() {
        // The NAT subnet's ACL admits replies to 32768-60999 only (Linux's range): the sample
        // reply port passes, but the NAT gateway picks ports in 1024-65535.
        let v = with_acl(base(), "subnet-pub", json!([
            {"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": false, "CidrBlock": "10.0.0.0/16", "PortRange": {"From": 443, "To": 443}},
            {"RuleNumber": 110, "Protocol": "6", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 32768, "To": 60999}},
            {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0"}]));
        let t = run(&v, "eni-app1", "8.8.8.8", Protocol::Tcp, 443);
        assert!(!t.reachable, "{t:#?}");
        let b = t.blocked_by.unwrap();
        assert_eq!((b.path, b.id.as_str(), b.direction), (PathKind::Return, "acl-x", Some(Direction::Ingress)));
        let e = words::explanation(&b);
        assert!(e.contains("replies to ports 1024-32767, 61000-65535 are denied"), "{e}");
        // Admitting all of 1024-65535 opens it.
        let v = with_acl(base(), "subnet-pub", json!([
            {"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": false, "CidrBlock": "10.0.0.0/16", "PortRange": {"From": 443, "To": 443}},
            {"RuleNumber": 110, "Protocol": "6", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 1024, "To": 65535}},
            {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0"}]));
        assert!(run(&v, "eni-app1", "8.8.8.8", Protocol::Tcp, 443).reachable);
    }

    #[test]
    fn nat_gateway_cannot_be_used_from_a_peered_vpc() {
        let mut v = base();
        v["RouteTables"][2]["Routes"].as_array_mut().unwrap().push(json!({"DestinationCidrBlock": "0.0.0.0/0", "VpcPeeringConnectionId": "pcx-ab"}));
        let (ok, code, _, _) = check(&v, "eni-peer1", "8.8.8.8", 443);
        assert_eq!((ok, code.as_str()), (false, "PEERING_NOT_TRANSITIVE"));
    }

    #[test]
    fn peering_must_be_active() {
        let mut v = base();
        v["VpcPeeringConnections"][0]["Status"]["Code"] = json!("pending-acceptance");
        let (ok, code, _, id) = check(&v, "eni-app1", "eni-peer1", 5432);
        assert_eq!((ok, code.as_str(), id.as_str()), (false, "PEERING_NOT_ACTIVE", "pcx-ab"));
    }

    #[test]
    fn peering_needs_a_route_back_in_the_peer_vpc() {
        let mut v = base();
        v["RouteTables"][2]["Routes"] = json!([{"DestinationCidrBlock": "10.1.0.0/16", "GatewayId": "local"}]);
        let (ok, code, path, id) = check(&v, "eni-app1", "eni-peer1", 5432);
        assert_eq!((ok, code.as_str(), path.as_str(), id.as_str()), (false, "NO_ROUTE_TO_DESTINATION", "return", "rtb-main-b"));
    }

    fn with_tgw(mut v: Value, att_subnets: Value, rt_routes: Value) -> Value {
        v["TransitGateways"] = json!([{"TransitGatewayId": "tgw-1", "State": "available"}]);
        v["TransitGatewayVpcAttachments"] = json!([
            {"TransitGatewayAttachmentId": "tgw-attach-a", "TransitGatewayId": "tgw-1", "VpcId": "vpc-a", "SubnetIds": att_subnets, "State": "available"},
            {"TransitGatewayAttachmentId": "tgw-attach-b", "TransitGatewayId": "tgw-1", "VpcId": "vpc-b", "SubnetIds": ["subnet-b1"], "State": "available"}]);
        v["TransitGatewayAttachments"] = json!([
            {"TransitGatewayAttachmentId": "tgw-attach-a", "TransitGatewayId": "tgw-1", "ResourceType": "vpc", "ResourceId": "vpc-a", "State": "available",
             "Association": {"TransitGatewayRouteTableId": "tgw-rtb-1", "State": "associated"}},
            {"TransitGatewayAttachmentId": "tgw-attach-b", "TransitGatewayId": "tgw-1", "ResourceType": "vpc", "ResourceId": "vpc-b", "State": "available",
             "Association": {"TransitGatewayRouteTableId": "tgw-rtb-1", "State": "associated"}}]);
        v["TransitGatewayRouteTables"] = json!([{"TransitGatewayRouteTableId": "tgw-rtb-1", "TransitGatewayId": "tgw-1", "State": "available"}]);
        v["TransitGatewayPropagations"] = json!([{"TransitGatewayRouteTableId": "tgw-rtb-1", "TransitGatewayRouteTablePropagations": [
            {"TransitGatewayAttachmentId": "tgw-attach-a", "ResourceId": "vpc-a", "ResourceType": "vpc", "State": "enabled"},
            {"TransitGatewayAttachmentId": "tgw-attach-b", "ResourceId": "vpc-b", "ResourceType": "vpc", "State": "enabled"}]}]);
        v["TransitGatewayStaticRoutes"] = json!([{"TransitGatewayRouteTableId": "tgw-rtb-1", "Routes": rt_routes}]);
        // Replace the peering routes with TGW routes.
        v["RouteTables"][0]["Routes"][2] = json!({"DestinationCidrBlock": "10.1.0.0/16", "TransitGatewayId": "tgw-1"});
        v["RouteTables"][2]["Routes"][1] = json!({"DestinationCidrBlock": "10.0.0.0/16", "TransitGatewayId": "tgw-1"});
        v
    }

    #[test]
    fn nat_gateway_replies_must_pass_every_acl_on_the_way_back_on_every_port() {
        // app1 reaches vpc-b through the NAT gateway and the transit gateway; the reply goes
        // back to the NAT gateway's address on the port it picked (any of 1024-65535), so
        // the destination subnet's outbound ACL must admit all of them, not only the sample.
        let narrow = |from: u16, to: u16| {
            let mut v = with_tgw(base(), json!(["subnet-tgw"]), json!([]));
            v["RouteTables"][0]["Routes"][2] = json!({"DestinationCidrBlock": "10.1.0.0/16", "NatGatewayId": "nat-a"});
            v["RouteTables"][1]["Routes"].as_array_mut().unwrap().push(json!({"DestinationCidrBlock": "10.1.0.0/16", "TransitGatewayId": "tgw-1"}));
            // The peer admits the NAT gateway's address (the source it sees).
            v["SecurityGroups"][2]["IpPermissions"] = json!([{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.0.0.0/24"}]}]);
            with_acl(v, "subnet-b1", json!([
                {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0"},
                {"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0", "PortRange": {"From": from, "To": to}}]))
        };
        let t = run(&narrow(32768, 60999), "eni-app1", "eni-peer1", Protocol::Tcp, 5432);
        let k = kinds(&t.forward);
        assert!(k.contains(&"nat-gateway:nat-a".to_string()) && k.contains(&"transit-gateway-route-table:tgw-rtb-1".to_string()), "{k:?}");
        let b = t.blocked_by.clone().expect("blocked");
        assert_eq!((t.verdict, b.path, b.id.as_str(), b.direction), (Verdict::NotReachable, PathKind::Return, "acl-x", Some(Direction::Egress)), "{t:#?}");
        assert!(words::explanation(&b).contains("replies to ports 1024-32767, 61000-65535 are denied"), "{}", words::explanation(&b));
        assert!(run(&narrow(1024, 65535), "eni-app1", "eni-peer1", Protocol::Tcp, 5432).reachable);
    }

    #[test]
    fn tgw_carries_traffic_between_attached_vpcs_by_propagated_routes() {
        let v = with_tgw(base(), json!(["subnet-tgw"]), json!([]));
        let t = run(&v, "eni-app1", "eni-peer1", Protocol::Tcp, 5432);
        assert!(t.reachable, "{t:#?}");
        let k = kinds(&t.forward);
        assert!(k.contains(&"transit-gateway-route-table:tgw-rtb-1".to_string()), "{k:?}");
    }

    #[test]
    fn tgw_is_unreachable_from_a_zone_without_an_attachment_subnet() {
        let v = with_tgw(base(), json!(["subnet-tgw"]), json!([]));
        let (ok, code, path, id) = check(&v, "eni-appb", "eni-peer1", 5432);
        assert_eq!((ok, code.as_str(), path.as_str(), id.as_str()), (false, "TGW_ATTACHMENT_NOT_IN_AZ", "forward", "tgw-attach-a"));
        // The reply of a connection that arrived into that zone breaks the same way.
        let mut v = v;
        v["SecurityGroups"][1]["IpPermissions"][1]["IpRanges"] = json!([{"CidrIp": "10.0.0.0/8"}]);
        let (ok, code, path, _) = check(&v, "eni-peer1", "eni-appb", 22);
        assert_eq!((ok, code.as_str(), path.as_str()), (false, "TGW_ATTACHMENT_NOT_IN_AZ", "return"));
    }

    #[test]
    fn sg_reference_across_a_transit_gateway_needs_the_option_and_is_inbound_only() {
        // sg-peer (VPC B) admits 5432 from members of sg-app (VPC A); no peering any more.
        let mut v = with_tgw(base(), json!(["subnet-tgw"]), json!([]));
        v["VpcPeeringConnections"][0]["Status"]["Code"] = json!("deleted");
        let (ok, code, _, id) = check(&v, "eni-app1", "eni-peer1", 5432);
        assert_eq!((ok, code.as_str(), id.as_str()), (false, "ENI_SG_RULES_MISMATCH", "sg-peer"));
        // The gateway's option (off by default) turns it on; attachments default to on.
        v["TransitGateways"][0]["Options"] = json!({"SecurityGroupReferencingSupport": "enable"});
        assert!(run(&v, "eni-app1", "eni-peer1", Protocol::Tcp, 5432).reachable);
        // An attachment that disables it turns it off again.
        let mut off = v.clone();
        off["TransitGatewayVpcAttachments"][1]["Options"] = json!({"SecurityGroupReferencingSupport": "disable"});
        assert_eq!(check(&off, "eni-app1", "eni-peer1", 5432).1, "ENI_SG_RULES_MISMATCH");
        // Outbound rules cannot reference a group across a transit gateway.
        v["SecurityGroups"][1]["IpPermissionsEgress"] = json!([{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-peer"}]}]);
        let t = run(&v, "eni-app1", "eni-peer1", Protocol::Tcp, 5432);
        let b = t.blocked_by.unwrap();
        assert_eq!((b.code.as_str(), b.direction), ("ENI_SG_RULES_MISMATCH", Some(Direction::Egress)));
    }

    #[test]
    fn tgw_blackhole_route_drops_traffic() {
        let v = with_tgw(base(), json!(["subnet-tgw"]), json!([{"DestinationCidrBlock": "10.1.1.0/24", "State": "blackhole", "Type": "static"}]));
        let (ok, code, _, id) = check(&v, "eni-app1", "eni-peer1", 5432);
        assert_eq!((ok, code.as_str(), id.as_str()), (false, "BAD_STATE_ROUTE", "tgw-rtb-1"));
    }

    #[test]
    fn tgw_attachment_subnet_inbound_acl_is_evaluated_for_traffic_to_the_tgw() {
        let v = with_tgw(base(), json!(["subnet-tgw"]), json!([]));
        let v = with_acl(v, "subnet-tgw", json!([
            {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0"}]));
        let (ok, code, _, id) = check(&v, "eni-app1", "eni-peer1", 5432);
        assert_eq!((ok, code.as_str(), id.as_str()), (false, "SUBNET_ACL_RESTRICTION", "acl-x"));
    }

    #[test]
    fn blackhole_route_drops_traffic() {
        let mut v = base();
        v["RouteTables"][0]["Routes"][2]["State"] = json!("blackhole");
        let t = run(&v, "eni-app1", "eni-peer1", Protocol::Tcp, 5432);
        assert_eq!(t.forward.disposition, Disposition::Blackhole);
        assert_eq!(t.blocked_by.unwrap().code, "BAD_STATE_ROUTE");
    }

    #[test]
    fn no_route_names_the_table_and_suggests_one() {
        let mut v = base();
        v["RouteTables"][0]["Routes"].as_array_mut().unwrap().drain(1..);
        let t = run(&v, "eni-app1", "eni-peer1", Protocol::Tcp, 5432);
        assert_eq!(t.blocked_by.as_ref().unwrap().code, "NO_ROUTE_TO_DESTINATION");
        assert_eq!(words::description(&t.fix.unwrap()), "add route 10.1.0.0/16 -> pcx-ab to rtb-main-a");
    }

    #[test]
    fn gateway_endpoint_route_exits_to_the_service() {
        let mut v = base();
        v["PrefixLists"] = json!([{"PrefixListId": "pl-s3", "PrefixListName": "com.amazonaws.r.s3", "Cidrs": ["52.216.0.0/15"]}]);
        v["VpcEndpoints"] = json!([{"VpcEndpointId": "vpce-s3", "VpcEndpointType": "Gateway", "VpcId": "vpc-a", "ServiceName": "com.amazonaws.r.s3"}]);
        v["RouteTables"][0]["Routes"].as_array_mut().unwrap().push(json!({"DestinationPrefixListId": "pl-s3", "GatewayId": "vpce-s3"}));
        let t = run(&v, "eni-app1", "52.216.1.1", Protocol::Tcp, 443);
        assert!(t.reachable, "{t:#?}");
        assert!(kinds(&t.forward).contains(&"vpc-endpoint:vpce-s3".to_string()));
    }

    #[test]
    fn icmp_echo_reply_is_checked_against_the_outbound_acl() {
        // AWS's ping example: inbound ICMP allowed, no outbound rule: the reply is denied.
        let v = with_acl(base(), "subnet-pub", json!([
            {"RuleNumber": 100, "Protocol": "1", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0", "IcmpTypeCode": {"Type": -1, "Code": -1}},
            {"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 443, "To": 443}}]));
        let mut v = v;
        v["SecurityGroups"][0]["IpPermissions"].as_array_mut().unwrap().push(json!({"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}));
        let t = run(&v, "203.0.113.12", "eni-web", Protocol::Icmp, 0);
        assert!(!t.reachable);
        let b = t.blocked_by.unwrap();
        assert_eq!((b.path, b.direction, b.rule.as_ref().map(|r| r.to_string()).as_deref()), (PathKind::Return, Some(Direction::Egress), Some("* ALL ALL 0.0.0.0/0 DENY")));
    }

    #[test]
    fn nat_gateway_accepts_no_inbound_connections() {
        let (ok, code, _, id) = check(&base(), "8.8.8.8", "54.0.0.9", 443);
        assert_eq!((ok, code.as_str(), id.as_str()), (false, "NAT_GATEWAY_INBOUND", "eni-nat"));
    }

    #[test]
    fn private_address_is_not_routed_by_the_internet_gateway() {
        let (ok, code, _, _) = check(&base(), "eni-web", "192.168.5.5", 443);
        assert_eq!((ok, code.as_str()), (false, "PRIVATE_DESTINATION"));
    }

    /// VPC A with virtual private gateway `vgw-1` (VPN `vpn-1`, tunnels as given) and
    /// `10.200.0.0/16 -> vgw-1` in A's main table; `sg-app` admits 10.200.0.0/16 on 5432.
    fn with_vgw(mut v: Value, tunnels: &[&str], static_only: bool, static_routes: Value) -> Value {
        v["VpnGateways"] = json!([{"VpnGatewayId": "vgw-1", "State": "available", "VpcAttachments": [{"VpcId": "vpc-a", "State": "attached"}]}]);
        let telemetry: Vec<Value> = tunnels.iter().map(|t| json!({"OutsideIpAddress": "3.3.3.3", "Status": t})).collect();
        v["VpnConnections"] = json!([{"VpnConnectionId": "vpn-1", "State": "available", "VpnGatewayId": "vgw-1", "CustomerGatewayId": "cgw-1",
            "Options": {"StaticRoutesOnly": static_only}, "Routes": static_routes, "VgwTelemetry": telemetry}]);
        v["RouteTables"][0]["Routes"].as_array_mut().unwrap().push(json!({"DestinationCidrBlock": "10.200.0.0/16", "GatewayId": "vgw-1"}));
        v["SecurityGroups"][1]["IpPermissions"].as_array_mut().unwrap().push(json!({"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.200.0.0/16"}]}));
        v
    }

    #[test]
    fn vpn_source_enters_through_the_vgw_without_a_public_address() {
        let v = with_vgw(base(), &["UP", "DOWN"], false, json!([]));
        let t = run(&v, "10.200.1.5", "eni-app1", Protocol::Tcp, 5432);
        assert!(t.reachable, "{t:#?}");
        assert_eq!(t.verdict, Verdict::Reachable);
        let k = kinds(&t.forward);
        assert_eq!(k[..2], ["on-premises:onprem".to_string(), "vpn-gateway:vgw-1".to_string()], "{k:?}");
        // The reply leaves by the same gateway; no internet gateway on either leg.
        let back = kinds(t.ret.as_ref().unwrap());
        assert!(back.contains(&"vpn-gateway:vgw-1".to_string()), "{back:?}");
        assert!(!k.iter().chain(&back).any(|h| h.starts_with("internet-gateway")));
        assert_eq!(t.outside_via.as_ref().map(Door::is_onprem), Some(true));
    }

    #[test]
    fn vpn_with_every_tunnel_down_carries_nothing() {
        let v = with_vgw(base(), &["DOWN", "DOWN"], false, json!([]));
        let (ok, code, path, id) = check(&v, "10.200.1.5", "eni-app1", 5432);
        assert_eq!((ok, code.as_str(), path.as_str(), id.as_str()), (false, "VPN_TUNNELS_DOWN", "forward", "vgw-1"));
        // The same from inside out.
        let (ok, code, _, _) = check(&v, "eni-app1", "10.200.1.5", 5432);
        assert_eq!((ok, code.as_str()), (false, "VPN_TUNNELS_DOWN"));
    }

    #[test]
    fn static_only_vpn_carries_only_its_static_prefixes() {
        let v = with_vgw(base(), &["UP", "UP"], true, json!([{"DestinationCidrBlock": "10.200.1.0/24", "State": "available"}]));
        assert!(run(&v, "10.200.1.5", "eni-app1", Protocol::Tcp, 5432).reachable);
        let (ok, code, _, id) = check(&v, "10.200.9.5", "eni-app1", 5432);
        assert_eq!((ok, code.as_str(), id.as_str()), (false, "VPN_NO_ROUTE", "vgw-1"));
    }

    #[test]
    fn vgw_without_connections_in_the_snapshot_is_unknown() {
        let mut v = with_vgw(base(), &["UP"], false, json!([]));
        v.as_object_mut().unwrap().remove("VpnConnections");
        let t = run(&v, "10.200.1.5", "eni-app1", Protocol::Tcp, 5432);
        assert_eq!(t.verdict, Verdict::Unknown);
        assert!(!t.reachable);
        assert_eq!(t.forward.disposition, Disposition::InsufficientInfo);
        assert_eq!(t.blocked_by.unwrap().code, "HYBRID_CONNECTION_NOT_IN_SNAPSHOT");
    }

    #[test]
    fn private_source_that_no_route_sends_on_premises_cannot_arrive() {
        // 10.200.0.0/16 is not routed to any gateway in the base network.
        let (ok, code, _, id) = check(&base(), "10.200.1.5", "eni-app1", 22);
        assert_eq!((ok, code.as_str(), id.as_str()), (false, "NO_ROUTE_TO_SOURCE", "rtb-main-a"));
    }

    #[test]
    fn vgw_route_leads_on_premises_and_the_reply_returns_through_it() {
        let v = with_vgw(base(), &["UP"], false, json!([]));
        let t = run(&v, "eni-app1", "10.200.1.5", Protocol::Tcp, 443);
        assert!(t.reachable, "{t:#?}");
        assert_eq!(t.forward.disposition, Disposition::ExitsNetwork);
        assert_eq!(t.outside_via, Some(Door::OnPrem { gateway: "vgw-1".into(), resource: None }));
    }

    /// `with_tgw` plus a VPN attachment `tgw-attach-vpn` (VPN `vpn-t`, tunnel up) associated
    /// with `tgw-rtb-1`.
    fn with_tgw_vpn(v: Value, rt_routes: Value) -> Value {
        let mut v = with_tgw(v, json!(["subnet-tgw"]), rt_routes);
        v["TransitGatewayAttachments"].as_array_mut().unwrap().push(json!({"TransitGatewayAttachmentId": "tgw-attach-vpn", "TransitGatewayId": "tgw-1",
            "ResourceType": "vpn", "ResourceId": "vpn-t", "State": "available", "Association": {"TransitGatewayRouteTableId": "tgw-rtb-1", "State": "associated"}}));
        v["VpnConnections"] = json!([{"VpnConnectionId": "vpn-t", "State": "available", "TransitGatewayId": "tgw-1", "Options": {"StaticRoutesOnly": false},
            "VgwTelemetry": [{"Status": "UP"}, {"Status": "UP"}]}]);
        v
    }

    #[test]
    fn tgw_route_to_a_vpn_attachment_never_reaches_the_other_vpc() {
        // The route for VPC B's subnet points, by mistake, at the VPN attachment.
        let v = with_tgw_vpn(base(), json!([{"DestinationCidrBlock": "10.1.1.0/24", "State": "active", "Type": "static",
            "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": "tgw-attach-vpn", "ResourceType": "vpn"}]}]));
        let t = run(&v, "eni-app1", "eni-peer1", Protocol::Tcp, 5432);
        assert!(!t.reachable, "{t:#?}");
        assert_eq!(t.verdict, Verdict::NotReachable);
        assert_eq!(t.forward.disposition, Disposition::ExitsNetwork);
        assert!(t.ret.is_none(), "no reply is injected for a request that never arrived");
        let b = t.blocked_by.unwrap();
        assert_eq!((b.code.as_str(), b.id.as_str()), ("ROUTED_OUT_OF_NETWORK", "tgw-attach-vpn"));
        assert_eq!(words::fix(&t.fix.unwrap()).action, "replace-transit-gateway-route");
    }

    #[test]
    fn onprem_source_enters_through_a_tgw_vpn_attachment() {
        let mut v = with_tgw_vpn(base(), json!([{"DestinationCidrBlock": "10.200.0.0/16", "State": "active", "Type": "static",
            "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": "tgw-attach-vpn", "ResourceType": "vpn"}]}]));
        v["RouteTables"][0]["Routes"].as_array_mut().unwrap().push(json!({"DestinationCidrBlock": "10.200.0.0/16", "TransitGatewayId": "tgw-1"}));
        v["SecurityGroups"][1]["IpPermissions"][1]["IpRanges"] = json!([{"CidrIp": "10.200.0.0/16"}]);
        let t = run(&v, "10.200.1.5", "eni-app1", Protocol::Tcp, 22);
        assert!(t.reachable, "{t:#?}");
        let k = kinds(&t.forward);
        assert!(k.contains(&"transit-gateway-attachment:tgw-attach-vpn".to_string()), "{k:?}");
        let back = kinds(t.ret.as_ref().unwrap());
        assert_eq!(back.last().map(String::as_str), Some("transit-gateway-attachment:tgw-attach-vpn"), "{back:?}");
        // The reply needs the transit gateway route back to the VPN attachment.
        let mut v2 = v.clone();
        v2["TransitGatewayStaticRoutes"][0]["Routes"] = json!([]);
        v2["TransitGatewayStaticRoutes"][0]["Routes"] = json!([{"DestinationCidrBlock": "10.200.0.0/16", "State": "blackhole", "Type": "static"}]);
        let (ok, code, _, _) = check(&v2, "eni-app1", "10.200.1.5", 22);
        assert_eq!((ok, code.as_str()), (false, "BAD_STATE_ROUTE"));
    }

    #[test]
    fn tgw_routes_learned_by_bgp_and_absent_from_the_snapshot_are_unknown() {
        let mut v = with_tgw_vpn(base(), json!([]));
        v["TransitGatewayPropagations"][0]["TransitGatewayRouteTablePropagations"].as_array_mut().unwrap().push(json!(
            {"TransitGatewayAttachmentId": "tgw-attach-vpn", "ResourceId": "vpn-t", "ResourceType": "vpn", "State": "enabled"}));
        v["RouteTables"][0]["Routes"].as_array_mut().unwrap().push(json!({"DestinationCidrBlock": "10.200.0.0/16", "TransitGatewayId": "tgw-1"}));
        let t = run(&v, "10.200.1.5", "eni-app1", Protocol::Tcp, 22);
        assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
        assert_eq!(t.blocked_by.as_ref().unwrap().code, "TGW_ROUTES_NOT_IN_SNAPSHOT");
        let t = run(&v, "eni-app1", "10.200.1.5", Protocol::Tcp, 22);
        assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
        // A capture that included propagated routes decides it: no route is no route.
        v["TransitGatewayRoutes"] = v["TransitGatewayStaticRoutes"].clone();
        v.as_object_mut().unwrap().remove("TransitGatewayStaticRoutes");
        let t = run(&v, "eni-app1", "10.200.1.5", Protocol::Tcp, 22);
        assert_eq!((t.verdict, t.blocked_by.unwrap().code.as_str()), (Verdict::NotReachable, "NO_ROUTE_TO_DESTINATION"));
    }

    /// VPC B gains `subnet-b2` (zone b, `eni-peer2`) and attachment subnet `subnet-b9` in
    /// zone b, whose ACL denies everything outbound (replies entering the gateway from zone b
    /// pass its inbound rules); B's attachment has subnet-b1 (zone a) and b9.
    fn with_two_zone_attachment(appliance_mode: bool) -> Value {
        let mut v = with_tgw(base(), json!(["subnet-tgw"]), json!([]));
        v["Subnets"].as_array_mut().unwrap().extend([
            json!({"SubnetId": "subnet-b2", "VpcId": "vpc-b", "CidrBlock": "10.1.2.0/24", "AvailabilityZone": "az-b"}),
            json!({"SubnetId": "subnet-b9", "VpcId": "vpc-b", "CidrBlock": "10.1.9.0/28", "AvailabilityZone": "az-b"})]);
        v["NetworkInterfaces"].as_array_mut().unwrap().push(json!({"NetworkInterfaceId": "eni-peer2", "VpcId": "vpc-b", "SubnetId": "subnet-b2",
            "PrivateIpAddress": "10.1.2.10", "InterfaceType": "interface", "Groups": [{"GroupId": "sg-peer"}]}));
        v["NetworkAcls"].as_array_mut().unwrap().push(json!({"NetworkAclId": "acl-b9", "VpcId": "vpc-b", "Associations": [{"SubnetId": "subnet-b9"}],
            "Entries": [{"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0"}]}));
        v["TransitGatewayVpcAttachments"][1]["SubnetIds"] = json!(["subnet-b1", "subnet-b9"]);
        if appliance_mode {
            v["TransitGatewayVpcAttachments"][1]["Options"] = json!({"ApplianceModeSupport": "enable"});
        }
        v
    }

    #[test]
    fn tgw_keeps_traffic_in_the_zone_it_came_from() {
        // app1 is in zone a: the flow leaves the gateway by B's zone-a subnet (open ACL), not
        // by the zone of the destination (b9, whose ACL denies everything outbound).
        let v = with_two_zone_attachment(false);
        let t = run(&v, "eni-app1", "eni-peer2", Protocol::Tcp, 5432);
        assert!(t.reachable, "{t:#?}");
        let k = kinds(&t.forward);
        assert!(!k.iter().any(|h| h.contains("acl-b9")), "{k:?}");
    }

    #[test]
    fn tgw_appliance_mode_evaluates_every_zone_and_is_unknown_when_they_differ() {
        let v = with_two_zone_attachment(true);
        let t = run(&v, "eni-app1", "eni-peer2", Protocol::Tcp, 5432);
        assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
        let b = t.blocked_by.unwrap();
        assert_eq!((b.code.as_str(), b.id.as_str()), ("TGW_ZONE_DEPENDENT", "tgw-attach-b"));
        let e = words::explanation(&b);
        assert!(e.contains("az-a: reachable") && e.contains("az-b: stopped by acl-b9"), "{e}");
        // With the ACL open, every zone agrees: reachable.
        let mut v = v;
        v["NetworkAcls"].as_array_mut().unwrap().pop();
        assert!(run(&v, "eni-app1", "eni-peer2", Protocol::Tcp, 5432).reachable);
    }

    #[test]
    fn cidr_route_to_an_endpoint_not_in_the_snapshot_is_unknown() {
        // A CIDR route to a vpce- is a Gateway Load Balancer (firewall) endpoint.
        let mut v = base();
        v["RouteTables"][0]["Routes"][1] = json!({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "vpce-0fw"});
        let t = run(&v, "eni-app1", "8.8.8.8", Protocol::Tcp, 443);
        assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
        assert_eq!(t.blocked_by.unwrap().code, "APPLIANCE_NOT_MODELLED");
    }

    #[test]
    fn gateway_endpoint_is_not_usable_from_a_transit_gateway() {
        let mut v = with_tgw(base(), json!(["subnet-tgw"]), json!([{"DestinationCidrBlock": "52.216.0.0/15", "State": "active", "Type": "static",
            "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": "tgw-attach-a", "ResourceType": "vpc"}]}]));
        v["PrefixLists"] = json!([{"PrefixListId": "pl-s3", "PrefixListName": "com.amazonaws.r.s3", "Cidrs": ["52.216.0.0/15"]}]);
        v["VpcEndpoints"] = json!([{"VpcEndpointId": "vpce-s3", "VpcEndpointType": "Gateway", "VpcId": "vpc-a", "ServiceName": "com.amazonaws.r.s3"}]);
        v["RouteTables"][0]["Routes"].as_array_mut().unwrap().push(json!({"DestinationPrefixListId": "pl-s3", "GatewayId": "vpce-s3"}));
        v["RouteTables"][2]["Routes"].as_array_mut().unwrap().push(json!({"DestinationCidrBlock": "52.216.0.0/15", "TransitGatewayId": "tgw-1"}));
        // From A itself the endpoint works; from B through the gateway it does not.
        assert!(run(&v, "eni-app1", "52.216.1.1", Protocol::Tcp, 443).reachable);
        let (ok, code, _, id) = check(&v, "eni-peer1", "52.216.1.1", 443);
        assert_eq!((ok, code.as_str(), id.as_str()), (false, "GATEWAY_ENDPOINT_NOT_TRANSITIVE", "vpce-s3"));
    }

    /// VPC A and `subnet-pub` gain IPv6 blocks; `eni-web` an IPv6 address; `::/0 -> igw-a`
    /// in the public table; `sg-web` admits SSH from `::/0`.
    fn dual_stack() -> Value {
        let mut v = base();
        v["Vpcs"][0]["Ipv6CidrBlockAssociationSet"] = json!([{"Ipv6CidrBlock": "2600:1f18:1::/56", "Ipv6CidrBlockState": {"State": "associated"}}]);
        v["Subnets"][0]["Ipv6CidrBlockAssociationSet"] = json!([{"Ipv6CidrBlock": "2600:1f18:1:1::/64"}]);
        v["NetworkInterfaces"][0]["Ipv6Addresses"] = json!([{"Ipv6Address": "2600:1f18:1:1::4"}]);
        v["RouteTables"][1]["Routes"].as_array_mut().unwrap().push(json!({"DestinationIpv6CidrBlock": "::/0", "GatewayId": "igw-a"}));
        v["SecurityGroups"][0]["IpPermissions"].as_array_mut().unwrap().push(json!({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}));
        v["SecurityGroups"][0]["IpPermissionsEgress"][0]["Ipv6Ranges"] = json!([{"CidrIpv6": "::/0"}]);
        v["NetworkAcls"][0]["Entries"].as_array_mut().unwrap().extend([
            json!({"RuleNumber": 101, "Protocol": "-1", "RuleAction": "allow", "Egress": false, "Ipv6CidrBlock": "::/0"}),
            json!({"RuleNumber": 101, "Protocol": "-1", "RuleAction": "allow", "Egress": true, "Ipv6CidrBlock": "::/0"})]);
        v
    }

    #[test]
    fn ipv6_from_the_internet_needs_no_public_ipv4() {
        let v = dual_stack();
        // eni-web is named by its interface (primary IPv4): an IPv6 peer reaches its IPv6
        // address, through the internet gateway, with no translation.
        let t = run(&v, "2a00:1450::1", "eni-web", Protocol::Tcp, 22);
        assert!(t.reachable, "{t:#?}");
        let igw = t.forward.hops.iter().find(|h| h.kind == Kind::InternetGateway).unwrap();
        assert_eq!(igw.action, Action::Forward);
        // Over IPv4 the same SSH is closed (sg-web admits only 443 over IPv4).
        assert!(!run(&v, "8.8.8.8", "eni-web", Protocol::Tcp, 22).reachable);
    }

    #[test]
    fn ipv6_to_another_vpcs_global_address_goes_over_the_internet() {
        // VPC B gains an IPv6 block, an internet gateway and `::/0 -> igw-b`; peer1 an IPv6
        // address and an SG rule for HTTPS from `::/0`. No peering carries IPv6.
        let mut v = dual_stack();
        v["Vpcs"][1]["Ipv6CidrBlockAssociationSet"] = json!([{"Ipv6CidrBlock": "2600:1f18:2::/56", "Ipv6CidrBlockState": {"State": "associated"}}]);
        v["Subnets"][4]["Ipv6CidrBlockAssociationSet"] = json!([{"Ipv6CidrBlock": "2600:1f18:2:1::/64"}]);
        v["NetworkInterfaces"][4]["Ipv6Addresses"] = json!([{"Ipv6Address": "2600:1f18:2:1::10"}]);
        v["InternetGateways"].as_array_mut().unwrap().push(json!({"InternetGatewayId": "igw-b", "Attachments": [{"VpcId": "vpc-b", "State": "available"}]}));
        v["RouteTables"][2]["Routes"].as_array_mut().unwrap().push(json!({"DestinationIpv6CidrBlock": "::/0", "GatewayId": "igw-b"}));
        v["SecurityGroups"][2]["IpPermissions"].as_array_mut().unwrap().push(json!({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}));
        v["SecurityGroups"][0]["IpPermissionsEgress"][0]["Ipv6Ranges"] = json!([{"CidrIpv6": "::/0"}]);
        v["SecurityGroups"][2]["IpPermissionsEgress"][0]["Ipv6Ranges"] = json!([{"CidrIpv6": "::/0"}]);
        v["NetworkAcls"][1]["Entries"].as_array_mut().unwrap().extend([
            json!({"RuleNumber": 101, "Protocol": "-1", "RuleAction": "allow", "Egress": false, "Ipv6CidrBlock": "::/0"}),
            json!({"RuleNumber": 101, "Protocol": "-1", "RuleAction": "allow", "Egress": true, "Ipv6CidrBlock": "::/0"})]);
        let (m, _) = build_model(&[Document { origin: "test".into(), region: None, value: v.clone() }]).unwrap();
        let t = Topology::new(&m);
        let web = Endpoint::Eni { ix: t.eni_ix("eni-web").unwrap(), ip: "2600:1f18:1:1::4".parse().unwrap() };
        let peer = Endpoint::Eni { ix: t.eni_ix("eni-peer1").unwrap(), ip: "2600:1f18:2:1::10".parse().unwrap() };
        let tr = evaluate(&t, &web, &peer, Protocol::Tcp, DEFAULT_SOURCE_PORT, 443);
        assert!(tr.reachable, "{tr:#?}");
        let k = kinds(&tr.forward);
        assert!(k.contains(&"internet-gateway:igw-a".to_string()) && k.contains(&"internet-gateway:igw-b".to_string()), "{k:?}");
        // Without an internet gateway on B's side, nothing comes in.
        let mut v = v;
        v["InternetGateways"].as_array_mut().unwrap().pop();
        let (m, _) = build_model(&[Document { origin: "test".into(), region: None, value: v }]).unwrap();
        let t = Topology::new(&m);
        let tr = evaluate(&t, &web, &peer, Protocol::Tcp, DEFAULT_SOURCE_PORT, 443);
        assert_eq!(tr.blocked_by.unwrap().code, "NO_INTERNET_GATEWAY");
    }

    #[test]
    fn egress_only_gateway_carries_ipv6_out_and_not_ipv4() {
        let mut v = dual_stack();
        v["EgressOnlyInternetGateways"] = json!([{"EgressOnlyInternetGatewayId": "eigw-a", "Attachments": [{"VpcId": "vpc-a", "State": "attached"}]}]);
        let routes = v["RouteTables"][1]["Routes"].as_array_mut().unwrap();
        routes.pop();
        routes.push(json!({"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": "eigw-a"}));
        let t = run(&v, "eni-web", "2a00:1450::1", Protocol::Tcp, 443);
        assert!(t.reachable, "{t:#?}");
        assert!(kinds(&t.forward).contains(&"egress-only-internet-gateway:eigw-a".to_string()));
        // Nothing comes in through it: a request that arrives by the internet gateway gets a
        // reply routed out of the egress-only gateway, another gateway than it came in by.
        let (ok, code, path, _) = check(&v, "2a00:1450::1", "eni-web", 22);
        assert_eq!((ok, code.as_str(), path.as_str()), (false, "ASYMMETRIC_RETURN", "return"));
        // An IPv4 route to it drops.
        v["RouteTables"][0]["Routes"][1] = json!({"DestinationCidrBlock": "0.0.0.0/0", "EgressOnlyInternetGatewayId": "eigw-a"});
        let (ok, code, _, _) = check(&v, "eni-app1", "8.8.8.8", 443);
        assert_eq!((ok, code.as_str()), (false, "EIGW_IPV6_ONLY"));
    }

    #[test]
    fn addresses_of_a_delegated_prefix_belong_to_its_interface() {
        // EKS prefix delegation: pods take addresses of 10.0.1.32/28 on eni-app2.
        let mut v = base();
        v["NetworkInterfaces"][2]["Ipv4Prefixes"] = json!([{"Ipv4Prefix": "10.0.1.32/28"}]);
        let (m, _) = build_model(&[Document { origin: "test".into(), region: None, value: v }]).unwrap();
        let t = Topology::new(&m);
        let app1 = t.eni_ix("eni-app1").unwrap();
        let app2 = t.eni_ix("eni-app2").unwrap();
        assert_eq!(t.enis_with_private("10.0.1.40".parse().unwrap()), &[app2]);
        let pod: IpAddr = "10.0.1.40".parse().unwrap();
        let tr = evaluate(&t, &Endpoint::Eni { ix: app1, ip: "10.0.1.10".parse().unwrap() }, &Endpoint::Eni { ix: app2, ip: pod }, Protocol::Tcp, DEFAULT_SOURCE_PORT, 5432);
        assert!(tr.reachable, "{tr:#?}");
        assert_eq!(tr.forward.hops.last().map(|h| h.id.as_str()), Some("eni-app2"));
        // An address of the subnet outside the prefix is nobody's.
        assert!(t.enis_with_private("10.0.1.60".parse().unwrap()).is_empty());
    }

    #[test]
    fn no_elastic_ip_fix_for_requester_managed_interfaces() {
        let mut v = base();
        v["NetworkInterfaces"][1]["Description"] = json!("RDSNetworkInterface");
        v["NetworkInterfaces"][1]["RequesterManaged"] = json!(true);
        let t = run(&v, "8.8.8.8", "eni-app1", Protocol::Tcp, 5432);
        assert_eq!(t.blocked_by.unwrap().code, "NO_PUBLIC_ADDRESS");
        assert!(t.fix.is_none(), "an Elastic IP cannot be associated with an RDS interface");
    }

    /// One scenario per explanation code: a change to the base network, a question, the code.
    #[test]
    fn every_explanation_code_has_a_scenario() {
        type Change = fn(&mut Value);
        let cases: Vec<(&str, Change, &str, &str, &str)> = vec![
            ("NO_ROUTE_TABLE", |v| { v["RouteTables"].as_array_mut().unwrap().remove(2); }, "eni-peer1", "eni-app1", "5432"),
            ("NO_INTERNET_GATEWAY", |v| v["InternetGateways"] = json!([]), "8.8.8.8", "eni-web", "443"),
            ("IGW_NOT_ATTACHED", |v| v["RouteTables"][2]["Routes"].as_array_mut().unwrap().push(json!({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-a"})), "eni-peer1", "8.8.8.8", "443"),
            ("BAD_STATE_NAT_GATEWAY", |v| v["NatGateways"][0]["State"] = json!("failed"), "eni-app1", "8.8.8.8", "443"),
            ("PEERING_WRONG_VPC", |v| {
                v["VpcPeeringConnections"].as_array_mut().unwrap().push(json!({"VpcPeeringConnectionId": "pcx-cd", "Status": {"Code": "active"},
                    "RequesterVpcInfo": {"VpcId": "vpc-c", "CidrBlock": "10.8.0.0/16"}, "AccepterVpcInfo": {"VpcId": "vpc-d", "CidrBlock": "10.9.0.0/16"}}));
                v["RouteTables"][0]["Routes"].as_array_mut().unwrap().push(json!({"DestinationCidrBlock": "10.9.0.0/16", "VpcPeeringConnectionId": "pcx-cd"}));
            }, "eni-app1", "10.9.0.5", "443"),
            ("TGW_NO_VPC_ATTACHMENT", |v| {
                *v = with_tgw(v.clone(), json!(["subnet-tgw"]), json!([]));
                v["TransitGatewayVpcAttachments"].as_array_mut().unwrap().remove(0);
                v["TransitGatewayAttachments"].as_array_mut().unwrap().remove(0);
            }, "eni-app1", "eni-peer1", "5432"),
            ("TGW_ATTACHMENT_NOT_ASSOCIATED", |v| {
                *v = with_tgw(v.clone(), json!(["subnet-tgw"]), json!([]));
                v["TransitGatewayAttachments"][0].as_object_mut().unwrap().remove("Association");
            }, "eni-app1", "eni-peer1", "5432"),
            ("BAD_STATE_TRANSIT_GATEWAY", |v| {
                *v = with_tgw(v.clone(), json!(["subnet-tgw"]), json!([]));
                v["TransitGateways"][0]["State"] = json!("deleting");
            }, "eni-app1", "eni-peer1", "5432"),
            ("BAD_STATE_ATTACHMENT", |v| {
                *v = with_tgw(v.clone(), json!(["subnet-tgw"]), json!([]));
                v["TransitGatewayAttachments"][1]["State"] = json!("deleting");
                v["TransitGatewayVpcAttachments"][1]["State"] = json!("deleting");
            }, "eni-app1", "eni-peer1", "5432"),
            ("ROUTING_LOOP", |v| *v = with_tgw(v.clone(), json!(["subnet-tgw"]), json!([{"DestinationCidrBlock": "10.1.1.0/24", "State": "active", "Type": "static",
                "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": "tgw-attach-a"}]}])), "eni-app1", "eni-peer1", "5432"),
            ("MISSING_COMPONENT", |v| v["RouteTables"][0]["Routes"][1] = json!({"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-gone"}), "eni-app1", "8.8.8.8", "443"),
            ("MISSING_SUBNET", |v| v["NetworkInterfaces"].as_array_mut().unwrap().push(json!({"NetworkInterfaceId": "eni-orphan", "VpcId": "vpc-a", "SubnetId": "subnet-gone",
                "PrivateIpAddress": "10.0.7.7", "InterfaceType": "interface", "Groups": [{"GroupId": "sg-app"}]})), "eni-orphan", "eni-app1", "5432"),
            ("PEERING_EDGE_TO_EDGE", |v| {
                *v = with_tgw(v.clone(), json!(["subnet-tgw"]), json!([{"DestinationCidrBlock": "10.2.0.0/16", "State": "active", "Type": "static",
                    "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": "tgw-attach-a"}]}]));
                v["VpcPeeringConnections"].as_array_mut().unwrap().push(json!({"VpcPeeringConnectionId": "pcx-ac", "Status": {"Code": "active"},
                    "RequesterVpcInfo": {"VpcId": "vpc-a", "CidrBlock": "10.0.0.0/16"}, "AccepterVpcInfo": {"VpcId": "vpc-c", "CidrBlock": "10.2.0.0/16"}}));
                v["RouteTables"][0]["Routes"].as_array_mut().unwrap().push(json!({"DestinationCidrBlock": "10.2.0.0/16", "VpcPeeringConnectionId": "pcx-ac"}));
                v["RouteTables"][2]["Routes"].as_array_mut().unwrap().push(json!({"DestinationCidrBlock": "10.2.0.0/16", "TransitGatewayId": "tgw-1"}));
            }, "eni-peer1", "10.2.0.5", "443"),
            ("DELIVERED_ELSEWHERE", |v| {
                v["Vpcs"].as_array_mut().unwrap().push(json!({"VpcId": "vpc-c", "CidrBlock": "10.0.0.0/16"}));
                v["Subnets"].as_array_mut().unwrap().push(json!({"SubnetId": "subnet-c1", "VpcId": "vpc-c", "CidrBlock": "10.0.1.0/24", "AvailabilityZone": "az-a"}));
                v["NetworkInterfaces"].as_array_mut().unwrap().push(json!({"NetworkInterfaceId": "eni-dup", "VpcId": "vpc-c", "SubnetId": "subnet-c1",
                    "PrivateIpAddress": "10.0.1.10", "InterfaceType": "interface", "Groups": [{"GroupId": "sg-app"}]}));
                // app1 (the same address in VPC A) admits it: the packet gets there, not to eni-dup.
                v["SecurityGroups"][1]["IpPermissions"].as_array_mut().unwrap().push(json!({"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}));
            }, "eni-peer1", "eni-dup", "5432"),
            ("VGW_NOT_ATTACHED", |v| {
                *v = with_vgw(v.clone(), &["UP"], false, json!([]));
                v["VpnGateways"][0]["VpcAttachments"] = json!([]);
            }, "10.200.1.5", "eni-app1", "5432"),
            ("BAD_STATE_VPN_GATEWAY", |v| {
                *v = with_vgw(v.clone(), &["UP"], false, json!([]));
                v["VpnGateways"][0]["State"] = json!("deleted");
            }, "10.200.1.5", "eni-app1", "5432"),
            ("HYBRID_CONNECTION_DOWN", |v| {
                *v = with_vgw(v.clone(), &["UP"], false, json!([]));
                v["VpnConnections"][0]["State"] = json!("deleted");
            }, "10.200.1.5", "eni-app1", "5432"),
            ("VPN_TUNNEL_STATE_UNKNOWN", |v| *v = with_vgw(v.clone(), &[], false, json!([])), "10.200.1.5", "eni-app1", "5432"),
            ("ATTACHMENT_NOT_MODELLED", |v| {
                *v = with_tgw_vpn(v.clone(), json!([{"DestinationCidrBlock": "10.200.0.0/16", "State": "active", "Type": "static",
                    "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": "tgw-attach-vpn"}]}]));
                v["TransitGatewayAttachments"][2]["ResourceType"] = json!("connect");
                v["RouteTables"][0]["Routes"].as_array_mut().unwrap().push(json!({"DestinationCidrBlock": "10.200.0.0/16", "TransitGatewayId": "tgw-1"}));
            }, "eni-app1", "10.200.1.5", "443"),
            ("GATEWAY_NOT_MODELLED", |v| v["RouteTables"][0]["Routes"][1] = json!({"DestinationCidrBlock": "0.0.0.0/0", "LocalGatewayId": "lgw-1"}), "eni-app1", "8.8.8.8", "443"),
            ("ADDRESS_FAMILY_MISMATCH", |_| {}, "eni-app1", "2a00:1450::1", "443"),
            ("MISSING_ROUTE_TABLE", |v| { v.as_object_mut().unwrap().remove("RouteTables"); }, "eni-app1", "eni-peer1", "5432"),
            ("MISSING_NETWORK_ACL", |v| { v.as_object_mut().unwrap().remove("NetworkAcls"); }, "eni-app1", "eni-peer1", "5432"),
            ("MISSING_SECURITY_GROUP", |v| v["NetworkInterfaces"][4]["Groups"] = json!([{"GroupId": "sg-gone"}]), "eni-app1", "eni-peer1", "5432"),
        ];
        for (code, change, from, to, port) in cases {
            let mut v = base();
            change(&mut v);
            let t = run(&v, from, to, Protocol::Tcp, port.parse().unwrap());
            let got = t.blocked_by.as_ref().map(|b| b.code.as_str()).unwrap_or("");
            assert_eq!(got, code, "{from} -> {to}:{port}\n{t:#?}");
            assert!(!t.reachable);
        }
        // An `internet` destination that the routes send on premises.
        let mut v = with_vgw(base(), &["UP"], false, json!([]));
        v["RouteTables"][0]["Routes"][1] = json!({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "vgw-1"});
        let (m, _) = build_model(&[Document { origin: "test".into(), region: None, value: v }]).unwrap();
        let t = Topology::new(&m);
        let app1 = t.eni_ix("eni-app1").unwrap();
        let tr = evaluate(&t, &Endpoint::Eni { ix: app1, ip: "10.0.1.10".parse().unwrap() }, &Endpoint::Internet("8.8.8.8".parse().unwrap()), Protocol::Tcp, DEFAULT_SOURCE_PORT, 443);
        assert_eq!((tr.verdict, tr.blocked_by.unwrap().code.as_str()), (Verdict::Unknown, "EXITS_TO_ON_PREMISES"));
    }

    /// Whether hop `h` names a component the model holds (or an outside end marker).
    fn is_modelled(t: &Topology<'_>, h: &Hop) -> bool {
        let m = t.model;
        let id = h.id.as_str();
        match h.kind {
            Kind::NetworkInterface => t.eni(id).is_some(),
            Kind::SecurityGroup => id.split(", ").all(|g| t.sg(g).is_some()),
            Kind::NetworkAcl => m.network_acls.iter().any(|a| a.id.as_str() == id),
            Kind::RouteTable => m.route_tables.iter().any(|r| r.id.as_str() == id),
            Kind::InternetGateway => t.igw(id).is_some(),
            Kind::EgressOnlyInternetGateway => m.egress_only_gateways.iter().any(|g| g.id.as_str() == id),
            Kind::NatGateway => t.nat(id).is_some(),
            Kind::VpcPeering => t.peering(id).is_some(),
            Kind::TransitGateway => t.tgw(id).is_some(),
            Kind::TransitGatewayAttachment => t.tgw_attachment(id).is_some(),
            Kind::TransitGatewayRouteTable => t.tgw_route_table(id).is_some(),
            Kind::VpcEndpoint => t.vpc_endpoint(id).is_some(),
            Kind::VpnGateway => m.vpn_gateways.iter().any(|g| g.id == id),
            Kind::Internet => id == "internet",
            Kind::OnPremises => id == "onprem",
            Kind::LoadBalancer => t.lb_ix(id).is_some(),
            Kind::NetworkFirewall => m.firewalls.iter().any(|f| f.id == id),
            Kind::Vpc => false,
        }
    }

    /// A random network around `base()`: hybrid gateways with random tunnel states and
    /// static routes, a transit gateway with a VPN attachment and random (sometimes wrong)
    /// routes, default routes to every kind of target (appliances and an endpoint the
    /// snapshot lacks among them), ACLs with random deny and allow rules in both directions,
    /// restricted security-group egress, appliance mode, an inactive peering, dual stack.
    fn random_network(seed: u64) -> Value {
        let mut x = seed | 1;
        let mut next = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n.max(1)
        };
        let mut v = if next(2) == 0 { dual_stack() } else { base() };
        if next(3) > 0 {
            let tunnels: Vec<&str> = (0..next(3)).map(|i| if (seed >> i) & 1 == 0 { "UP" } else { "DOWN" }).collect();
            let statics = if next(2) == 0 { json!([{"DestinationCidrBlock": "10.200.0.0/20", "State": "available"}]) } else { json!([]) };
            v = with_vgw(v, &tunnels, next(2) == 0, statics);
            if next(4) == 0 {
                v.as_object_mut().unwrap().remove("VpnConnections");
            }
        }
        if next(2) == 0 {
            let mut routes = vec![];
            let targets = ["tgw-attach-vpn", "tgw-attach-a", "tgw-attach-b"];
            for cidr in ["10.200.0.0/16", "10.1.1.0/24", "192.168.0.0/16", "0.0.0.0/0"] {
                if next(2) == 0 {
                    let att = targets[next(3) as usize];
                    routes.push(json!({"DestinationCidrBlock": cidr, "State": "active", "Type": "static", "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": att}]}));
                } else if next(4) == 0 {
                    routes.push(json!({"DestinationCidrBlock": cidr, "State": "blackhole", "Type": "static"}));
                }
            }
            v = with_tgw_vpn(v, json!(routes));
            if next(2) == 0 {
                v["TransitGatewayPropagations"][0]["TransitGatewayRouteTablePropagations"].as_array_mut().unwrap().push(json!(
                    {"TransitGatewayAttachmentId": "tgw-attach-vpn", "ResourceId": "vpn-t", "ResourceType": "vpn", "State": "enabled"}));
            }
            if next(2) == 0 {
                v["TransitGatewayVpcAttachments"][0]["SubnetIds"] = json!(["subnet-tgw", "subnet-appb"]);
            }
            if next(3) == 0 {
                v["TransitGatewayVpcAttachments"][1]["Options"] = json!({"ApplianceModeSupport": "enable"});
            }
        }
        let targets = [
            json!({"NatGatewayId": "nat-a"}),
            json!({"GatewayId": "igw-a"}),
            json!({"GatewayId": "vpce-0fw"}),
            json!({"NetworkInterfaceId": "eni-app2"}),
            json!({"GatewayId": "vgw-1"}),
            json!({"TransitGatewayId": "tgw-1"}),
        ];
        for cidr in ["0.0.0.0/0", "10.200.0.0/16", "192.168.0.0/16"] {
            if next(2) == 0 {
                let mut r = targets[next(targets.len() as u64) as usize].clone();
                r["DestinationCidrBlock"] = json!(cidr);
                let t = next(3) as usize;
                let routes = v["RouteTables"][t]["Routes"].as_array_mut().unwrap();
                routes.retain(|x| x["DestinationCidrBlock"] != json!(cidr));
                routes.push(r);
            }
        }
        let subnets = ["subnet-pub", "subnet-app", "subnet-appb", "subnet-tgw"];
        if next(2) == 0 {
            let mut entries = vec![];
            for _ in 0..next(6) {
                let egress = next(2) == 0;
                let from = [0u16, 22, 443, 1024, 5432, 32768][next(6) as usize];
                let to = from.saturating_add([0u16, 100, 30000, 65535][next(4) as usize]).min(65535);
                let cidr = ["0.0.0.0/0", "10.0.0.0/16", "10.0.1.0/24", "10.200.0.0/16", "8.0.0.0/8"][next(5) as usize];
                entries.push(json!({"RuleNumber": 10 * (1 + next(30)), "Protocol": "6", "RuleAction": if next(3) == 0 { "deny" } else { "allow" },
                    "Egress": egress, "CidrBlock": cidr, "PortRange": {"From": from, "To": to}}));
            }
            entries.push(json!({"RuleNumber": 500, "Protocol": "-1", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0"}));
            if next(2) == 0 {
                entries.push(json!({"RuleNumber": 500, "Protocol": "-1", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0"}));
            }
            v = with_acl(v, subnets[next(4) as usize], json!(entries));
        }
        if next(3) == 0 {
            v["SecurityGroups"][1]["IpPermissionsEgress"] = json!([{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]);
        }
        if next(2) == 0 {
            v["SecurityGroups"][1]["IpPermissions"].as_array_mut().unwrap().push(json!(
                {"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}));
        }
        if next(4) == 0 {
            v["VpcPeeringConnections"][0]["Status"]["Code"] = json!("pending-acceptance");
        }
        v
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

        /// Soundness: whenever a flow is reachable, every hop of both legs is a component the
        /// model holds, no hop is a note about something unmodelled, the request is
        /// delivered to the destination and the reply to the sender; `unknown` exactly when
        /// a leg ends undecided. 200 random networks x 132 flows (26,400 flows) per run.
        #[test]
        fn reachable_only_through_modelled_components(seed in proptest::prelude::any::<u64>()) {
            let v = random_network(seed);
            let (m, _) = build_model(&[Document { origin: "test".into(), region: None, value: v }]).unwrap();
            let t = Topology::new(&m);
            let enis = ["eni-web", "eni-app1", "eni-appb", "eni-peer1"];
            let outside = ["8.8.8.8", "10.200.1.5", "192.168.7.7", "2a00:1450::1"];
            let ep = |s: &str| -> Endpoint {
                match t.eni_ix(s) {
                    Some(ix) => Endpoint::Eni { ix, ip: m.enis[ix].primary_ip().unwrap() },
                    None => Endpoint::External(s.parse().unwrap()),
                }
            };
            let mut pairs: Vec<(&str, &str)> = Vec::new();
            for a in enis {
                for b in enis.iter().chain(&outside) {
                    if a != *b {
                        pairs.push((a, b));
                    }
                }
                for o in outside {
                    pairs.push((o, a));
                }
            }
            for (a, b) in pairs {
                for port in [22u16, 443, 5432] {
                    let tr = evaluate(&t, &ep(a), &ep(b), Protocol::Tcp, DEFAULT_SOURCE_PORT, port);
                    let unknown = tr.forward.disposition == Disposition::InsufficientInfo
                        || tr.ret.as_ref().is_some_and(|r| r.disposition == Disposition::InsufficientInfo);
                    proptest::prop_assert_eq!(tr.verdict == Verdict::Unknown, unknown, "{} -> {}:{}", a, b, port);
                    proptest::prop_assert_eq!(tr.reachable, tr.verdict == Verdict::Reachable);
                    if !tr.reachable {
                        continue;
                    }
                    let ret = tr.ret.as_ref().unwrap();
                    for h in tr.forward.hops.iter().chain(&ret.hops) {
                        proptest::prop_assert!(is_modelled(&t, h), "{} -> {}:{} crosses {:?} {}\n{:#?}", a, b, port, h.kind, h.id, tr);
                        proptest::prop_assert!(h.action != Action::Note, "{} -> {}:{}: note at {}", a, b, port, h.id);
                    }
                    if t.eni_ix(b).is_some() {
                        let last = tr.forward.hops.last().unwrap();
                        proptest::prop_assert_eq!((last.id.as_str(), last.action), (b, Action::Deliver));
                    } else {
                        proptest::prop_assert_eq!(tr.forward.disposition, Disposition::ExitsNetwork);
                    }
                    if t.eni_ix(a).is_some() {
                        let last = ret.hops.last().unwrap();
                        proptest::prop_assert_eq!((last.id.as_str(), last.action), (a, Action::Deliver));
                    } else {
                        proptest::prop_assert_eq!(ret.disposition, Disposition::ExitsNetwork);
                        proptest::prop_assert!(tr.outside_via.is_some());
                    }
                }
            }
        }
    }
}
