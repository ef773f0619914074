//! A reference evaluator for tests only: one TCP, UDP or ICMP packet forward and its reply, walked over
//! `vpcscope::model::Model` with plain loops, written from the semantics document
//! (`AWS-SEMANTICS.md`, sections 1-5) and AWS's documentation, not from `eval`. It is slow and
//! small on purpose, so that a bug in the production walker cannot hide in both.
//! `differential` compares it with `vpcscope::eval::evaluate` on random networks.
//!
//! Order of checks on one leg: the sender's security groups, the route lookup of the subnet
//! the packet is in (no route and blackholes stop here: the packet has nowhere to go), the
//! subnet's network ACL outbound when the packet leaves the subnet, the gateway or
//! connection the route names, and the network ACL inbound of the subnet it enters; then the
//! receiver's security groups. The reply is a new packet (addresses and ports swapped) that
//! security groups admit (stateful) and network ACLs judge again (stateless).

mod differential;

use ipnet::IpNet;
use std::net::IpAddr;
use vpcscope::eval::{Kind, PathKind};
use vpcscope::model::{
    Eni, EniKind, L4Match, Model, NatConnectivity, Protocol, Route, RouteOrigin, RouteState,
    RouteTarget, RuleAction, SgPeer, TgwAttachmentKind,
};

/// The three answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Reachable,
    NotReachable,
    Unknown,
}

/// The reference answer: the verdict and, unless reachable, the kind of the first component
/// that stopped the flow (or that the model cannot evaluate) and on which path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answer {
    pub verdict: Verdict,
    pub stop: Option<(Kind, PathKind)>,
}

/// One end of a question: an interface (index into `Model::enis`) at one of its private
/// addresses, or an address outside every modelled VPC.
#[derive(Clone, Copy, Debug)]
pub enum End {
    Eni(usize, IpAddr),
    Outside(IpAddr),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Packet {
    src: IpAddr,
    dst: IpAddr,
    /// TCP, UDP, ICMP or ICMPv6.
    proto: Protocol,
    /// ICMP type and code (an echo request, or its reply).
    icmp: (u8, u8),
    sport: u16,
    dport: u16,
    /// The source port is any of 1024-65535 (a NAT gateway picks it), not just `sport`.
    sport_ephemeral: bool,
    /// The destination port is any of 1024-65535 (a reply to a NAT gateway).
    dport_ephemeral: bool,
}

impl Packet {
    fn new(src: IpAddr, dst: IpAddr, proto: Protocol, dport: u16) -> Packet {
        let ports = matches!(proto, Protocol::Tcp | Protocol::Udp);
        // An echo request: type 8 (ICMP), 128 (ICMPv6).
        let icmp = match proto {
            Protocol::Icmp => (8, 0),
            Protocol::Icmpv6 => (128, 0),
            _ => (0, 0),
        };
        Packet {
            src,
            dst,
            proto,
            icmp,
            sport: if ports { SOURCE_PORT } else { 0 },
            dport: if ports { dport } else { 0 },
            sport_ephemeral: false,
            dport_ephemeral: false,
        }
    }

    fn reply(self) -> Packet {
        // The echo reply: type 0 (ICMP), 129 (ICMPv6).
        let icmp = match self.icmp {
            (8, c) => (0, c),
            (128, c) => (129, c),
            other => other,
        };
        Packet {
            src: self.dst,
            dst: self.src,
            proto: self.proto,
            icmp,
            sport: self.dport,
            dport: self.sport,
            sport_ephemeral: self.dport_ephemeral,
            dport_ephemeral: self.sport_ephemeral,
        }
    }
}

/// Why a leg stopped: not reachable or unknown, with the component kind.
type Halt = (Verdict, Kind);
type Step<T> = Result<T, Halt>;

fn stop<T>(kind: Kind) -> Step<T> {
    Err((Verdict::NotReachable, kind))
}

fn unknown<T>(kind: Kind) -> Step<T> {
    Err((Verdict::Unknown, kind))
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Exit {
    Igw(String),
    Eigw(String),
    Vgw(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Place {
    /// Delivered into this subnet (index into `Model::subnets`), which holds `pkt.dst`.
    Subnet(usize),
    /// Left the modelled network.
    Out(Exit),
}

/// A leg's end: the packet as it arrived (after NAT) and the NAT gateways it crossed.
#[derive(Clone, Debug)]
struct Walked {
    pkt: Packet,
    place: Place,
    nats: Vec<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    In,
    Out,
}

const SOURCE_PORT: u16 = 49152;

/// Answers "does a TCP connection from `src` to `dst` on `port` get through, and its reply".
pub fn evaluate(m: &Model, src: End, dst: End, proto: Protocol, port: u16) -> Answer {
    let ans = match (src, dst) {
        (End::Eni(a, ip), End::Eni(b, ip2)) => eni_to_eni(m, a, ip, b, ip2, proto, port),
        (End::Outside(x), End::Eni(b, ip)) => outside_to_eni(m, x, b, ip, proto, port),
        (End::Eni(a, ip), End::Outside(x)) => eni_to_outside(m, a, ip, x, proto, port),
        (End::Outside(_), End::Outside(_)) => panic!("a question needs one interface"),
    };
    // A filter the snapshot lacks leaves the answer unknown, unless a component the model
    // evaluates stops the flow anyway (then it is not reachable whatever the filter says).
    let pending = PENDING.with(|p| p.borrow_mut().take());
    match ans {
        Ok(()) => match pending {
            Some(stop) => Answer {
                verdict: Verdict::Unknown,
                stop: Some(stop),
            },
            None => Answer {
                verdict: Verdict::Reachable,
                stop: None,
            },
        },
        Err(((v, k), path)) => Answer {
            verdict: v,
            stop: Some((k, path)),
        },
    }
}

/// What one interface's own checks decide for a packet it receives (`ingress`) or sends, as
/// a flow log at that interface sees it: its subnet's network ACL (not for a remote address
/// in the same subnet) and its security groups (which admit the reply of an admitted
/// connection). `Unknown` when a filter the snapshot lacks would decide.
#[allow(clippy::too_many_arguments)]
pub fn at_interface(m: &Model, eni: usize, ingress: bool, remote: IpAddr, local: IpAddr, proto: Protocol, port: u16, reply: bool) -> Verdict {
    let e = &m.enis[eni];
    let pkt = if ingress { Packet::new(remote, local, proto, port) } else { Packet::new(local, remote, proto, port) };
    // A flow-log record's ports are what happened (not a NAT gateway's range).
    let (pkt, dir) = if ingress { (pkt, Dir::In) } else { (pkt, Dir::Out) };
    PENDING.with(|p| p.borrow_mut().take());
    let s = subnet_ix(m, eni);
    let acl_step = || if m.subnets[s].contains(remote) { Ok(()) } else { acl(m, s, dir, pkt) };
    let sg_step = || if reply { Ok(()) } else { sg(m, e, dir, pkt) };
    let result = if ingress { acl_step().and_then(|()| sg_step()) } else { sg_step().and_then(|()| acl_step()) };
    let pending = PENDING.with(|p| p.borrow_mut().take());
    match (result, pending) {
        (Err((v, _)), _) => v,
        (Ok(()), Some(_)) => Verdict::Unknown,
        (Ok(()), None) => Verdict::Reachable,
    }
}

type Flow = Result<(), (Halt, PathKind)>;

thread_local! {
    /// The first filter (network ACL or security group) the snapshot lacks on this flow, and
    /// the path it was met on.
    static PENDING: std::cell::RefCell<Option<(Kind, PathKind)>> = const { std::cell::RefCell::new(None) };
    /// The path being walked.
    static PATH: std::cell::Cell<PathKind> = const { std::cell::Cell::new(PathKind::Forward) };
}

/// Notes a filter the snapshot lacks and lets the packet go on (later components may still
/// stop it for certain).
fn missing_filter(kind: Kind) -> Step<()> {
    let path = PATH.with(|p| p.get());
    PENDING.with(|p| {
        p.borrow_mut().get_or_insert((kind, path));
    });
    Ok(())
}

/// Starts a leg: later halts and missing filters belong to `path`.
fn on(path: PathKind) -> impl Fn(Halt) -> (Halt, PathKind) {
    PATH.with(|p| p.set(path));
    move |h| (h, path)
}

fn eni_to_eni(m: &Model, a: usize, ip: IpAddr, b: usize, ip2: IpAddr, proto: Protocol, port: u16) -> Flow {
    let fwd = on(PathKind::Forward);
    let pkt = Packet::new(ip, ip2, proto, port);
    sg(m, &m.enis[a], Dir::Out, pkt).map_err(&fwd)?;
    let w = walk(m, subnet_ix(m, a), pkt, 0).map_err(&fwd)?;
    match &w.place {
        Place::Subnet(t) if *t == subnet_ix(m, b) => {}
        // The request went elsewhere: not delivered. (Not produced by the generator: a
        // destination address is always found in its own subnet.)
        _ => return Err(((Verdict::NotReachable, Kind::RouteTable), PathKind::Forward)),
    }
    receive(m, b, w.pkt).map_err(&fwd)?;
    // The reply: routed from the receiver's subnet back to the address the request came
    // from; each NAT gateway the request crossed translates it back.
    let ret = on(PathKind::Return);
    reply_not_via_nat(m, subnet_ix(m, b), w.pkt.src).map_err(&ret)?;
    let back = walk(m, subnet_ix(m, b), w.pkt.reply(), 0).map_err(&ret)?;
    let back = untranslate(m, back, &w.nats, pkt.src).map_err(&ret)?;
    match back.place {
        Place::Subnet(t) if t == subnet_ix(m, a) && back.pkt.dst == ip => Ok(()),
        _ => Err(((Verdict::NotReachable, Kind::RouteTable), PathKind::Return)),
    }
}

/// An interface receives a request: a NAT gateway accepts no connection it did not open;
/// anything else asks its security groups.
fn receive(m: &Model, b: usize, pkt: Packet) -> Step<()> {
    if m.enis[b].kind == EniKind::NatGateway {
        return stop(Kind::NatGateway);
    }
    sg(m, &m.enis[b], Dir::In, pkt)
}

/// A reply whose route (in the replying interface's subnet) leads to a NAT gateway would
/// leave with the NAT gateway's address, which the sender does not know: charged to the NAT
/// gateway, whatever lies beyond it. (In the generated networks a NAT gateway can only be
/// the first hop of a reply.)
fn reply_not_via_nat(m: &Model, s: usize, to: IpAddr) -> Step<()> {
    match route_table(m, s).and_then(|rt| lpm(m, rt, to)) {
        Some(r)
            if matches!(r.target, RouteTarget::NatGateway(_)) && r.state == RouteState::Active =>
        {
            stop(Kind::NatGateway)
        }
        _ => Ok(()),
    }
}

/// A reply that arrived at a NAT gateway's address is translated back to the address the
/// request came from and routed on from the NAT gateway's subnet.
fn untranslate(m: &Model, mut w: Walked, nats: &[usize], original: IpAddr) -> Step<Walked> {
    for (k, &n) in nats.iter().enumerate().rev() {
        let nat = &m.nat_gateways[n];
        let Place::Subnet(s) = w.place else {
            return stop(Kind::RouteTable);
        };
        if !nat_private_ips(m, n).contains(&w.pkt.dst) || m.subnets[s].id != nat.subnet {
            return stop(Kind::RouteTable);
        }
        // The address before this NAT gateway: the previous NAT's, or the sender's.
        let before = if k == 0 {
            original
        } else {
            nat_private_ips(m, nats[k - 1])[0]
        };
        // Back to the port the sender used (one NAT gateway per path in the generated
        // networks, so that is always the original source port).
        let pkt = Packet {
            dst: before,
            dport: SOURCE_PORT,
            dport_ephemeral: k > 0,
            ..w.pkt
        };
        let mut next = walk(m, s, pkt, 0)?;
        next.nats.clear();
        w = next;
    }
    Ok(w)
}

fn outside_to_eni(m: &Model, x: IpAddr, b: usize, ip: IpAddr, proto: Protocol, port: u16) -> Flow {
    let fwd = on(PathKind::Forward);
    let eni = &m.enis[b];
    let s = subnet_ix(m, b);
    // On premises or internet, as the routes of the destination's subnet say: an address
    // they send to a virtual private gateway is on premises (AWS-SEMANTICS.md §5 Hybrid).
    let route = route_table(m, s).and_then(|rt| lpm(m, rt, x));
    let door = match route.map(|r| (&r.target, r.state)) {
        Some((RouteTarget::VpnGateway(g), RouteState::Active)) => {
            vgw_attached(m, g, &eni.vpc).map_err(&fwd)?;
            vpn_carries(m, g, x).map_err(&fwd)?;
            Exit::Vgw(g.clone())
        }
        _ => {
            // A private (RFC 1918 / unique-local) outside address comes from no internet:
            // with no route to a gateway on premises it cannot arrive.
            if is_private(x) {
                return Err(((Verdict::NotReachable, Kind::RouteTable), PathKind::Forward));
            }
            // The public address first (nothing on the internet can address an interface
            // without one: `NO_PUBLIC_ADDRESS`, charged to the interface), then an internet
            // gateway attached to its VPC (`NO_INTERNET_GATEWAY`, charged to the VPC). The
            // internet gateway translates a public IPv4 address to the private one; a global
            // IPv6 address needs no translation.
            if ip.is_ipv4() && eni.public_for(ip).is_none() {
                return Err((
                    (Verdict::NotReachable, Kind::NetworkInterface),
                    PathKind::Forward,
                ));
            }
            let Some(igw) = igw_of(m, &eni.vpc) else {
                return Err(((Verdict::NotReachable, Kind::Vpc), PathKind::Forward));
            };
            Exit::Igw(igw)
        }
    };
    let pkt = Packet::new(x, ip, proto, port);
    acl(m, s, Dir::In, pkt).map_err(&fwd)?;
    receive(m, b, pkt).map_err(&fwd)?;
    // The reply must leave by the door the request used (the internet gateway maps the
    // private address back to the public one the sender knows; the VPN carries it home).
    let ret = on(PathKind::Return);
    reply_not_via_nat(m, s, x).map_err(&ret)?;
    let back = walk(m, s, pkt.reply(), 0).map_err(&ret)?;
    if back.place == Place::Out(door) && back.nats.is_empty() {
        Ok(())
    } else {
        // The reply leaves by another door (an egress-only gateway, another gateway): the
        // sender never sees it (`ASYMMETRIC_RETURN`, charged to the VPC).
        Err(((Verdict::NotReachable, Kind::Vpc), PathKind::Return))
    }
}

fn eni_to_outside(m: &Model, a: usize, ip: IpAddr, x: IpAddr, proto: Protocol, port: u16) -> Flow {
    let fwd = on(PathKind::Forward);
    let pkt = Packet::new(ip, x, proto, port);
    sg(m, &m.enis[a], Dir::Out, pkt).map_err(&fwd)?;
    let w = walk(m, subnet_ix(m, a), pkt, 0).map_err(&fwd)?;
    if !matches!(w.place, Place::Out(_)) {
        return Err(((Verdict::NotReachable, Kind::RouteTable), PathKind::Forward));
    }
    // The reply comes back through the same gateway to the (translated) source address and
    // enters the subnet that holds it.
    let ret = on(PathKind::Return);
    let reply = w.pkt.reply();
    let Some(s) = subnet_holding(m, reply.dst) else {
        return Err(((Verdict::NotReachable, Kind::RouteTable), PathKind::Return));
    };
    acl(m, s, Dir::In, reply).map_err(&ret)?;
    let back = Walked {
        pkt: reply,
        place: Place::Subnet(s),
        nats: vec![],
    };
    let back = untranslate(m, back, &w.nats, ip).map_err(&ret)?;
    match back.place {
        Place::Subnet(t) if t == subnet_ix(m, a) => Ok(()),
        _ => Err(((Verdict::NotReachable, Kind::RouteTable), PathKind::Return)),
    }
}

/// Routes `pkt`, now in subnet `s`, until it is delivered into the subnet of its
/// destination or leaves the modelled network.
fn walk(m: &Model, s: usize, pkt: Packet, depth: usize) -> Step<Walked> {
    if depth > 8 {
        return stop(Kind::RouteTable); // a routing loop
    }
    let sub = &m.subnets[s];
    let Some(rt) = route_table(m, s) else {
        return if m.missing_classes.iter().any(|c| c == "RouteTables") {
            unknown(Kind::RouteTable)
        } else {
            stop(Kind::RouteTable)
        };
    };
    let Some(route) = lpm(m, rt, pkt.dst) else {
        return stop(Kind::RouteTable);
    };
    if route.state == RouteState::Blackhole {
        return stop(Kind::RouteTable);
    }
    let out = |place| {
        Ok(Walked {
            pkt,
            place,
            nats: vec![],
        })
    };
    match &route.target {
        RouteTarget::Local => {
            let Some(t) = subnet_in_vpc(m, &sub.vpc, pkt.dst) else {
                return stop(Kind::Vpc);
            };
            if t != s {
                acl(m, s, Dir::Out, pkt)?;
                acl(m, t, Dir::In, pkt)?;
            }
            out(Place::Subnet(t))
        }
        RouteTarget::InternetGateway(g) => {
            if !m
                .internet_gateways
                .iter()
                .any(|i| i.id == *g && i.vpcs.contains(&sub.vpc))
            {
                return stop(Kind::InternetGateway);
            }
            acl(m, s, Dir::Out, pkt)?;
            // The internet gateway forwards only from an address it can translate (a public
            // IPv4 mapping; charged to the interface, `NO_PUBLIC_ADDRESS`) or a global IPv6
            // address, and only to public destinations.
            if pkt.src.is_ipv4() && !has_public_ipv4(m, pkt.src) {
                return stop(Kind::NetworkInterface);
            }
            // A global IPv6 address of another VPC's interface: over the internet, through
            // that VPC's internet gateway (AWS-SEMANTICS §5, IPv6 through an IGW).
            if let Some(t) = ipv6_interface_subnet(m, pkt.dst) {
                return enter_by_igw(m, t, pkt);
            }
            if in_any_vpc(m, pkt.dst) || is_private(pkt.dst) {
                return stop(Kind::InternetGateway);
            }
            out(Place::Out(Exit::Igw(g.to_string())))
        }
        RouteTarget::EgressOnlyInternetGateway(g) => {
            if pkt.dst.is_ipv4()
                || !m
                    .egress_only_gateways
                    .iter()
                    .any(|e| e.id == *g && e.vpcs.contains(&sub.vpc))
            {
                return stop(Kind::EgressOnlyInternetGateway);
            }
            acl(m, s, Dir::Out, pkt)?;
            if let Some(t) = ipv6_interface_subnet(m, pkt.dst) {
                return enter_by_igw(m, t, pkt);
            }
            if in_any_vpc(m, pkt.dst) || is_private(pkt.dst) {
                return stop(Kind::EgressOnlyInternetGateway);
            }
            out(Place::Out(Exit::Eigw(g.to_string())))
        }
        RouteTarget::NatGateway(id) => {
            let Some(n) = m.nat_gateways.iter().position(|x| x.id == *id) else {
                return stop(Kind::NatGateway);
            };
            let nat = &m.nat_gateways[n];
            if !nat.state.is_available() || pkt.dst.is_ipv6() {
                return stop(Kind::NatGateway);
            }
            let Some(ns) = m.subnets.iter().position(|x| x.id == nat.subnet) else {
                return stop(Kind::NatGateway);
            };
            if ns != s {
                acl(m, s, Dir::Out, pkt)?;
                acl(m, ns, Dir::In, pkt)?;
            }
            // The NAT gateway replaces the source with its own private address (the internet
            // gateway then maps that to its Elastic IP) and routes on from its own subnet.
            let Some(&own) = nat_private_ips(m, n).first() else {
                return stop(Kind::NatGateway);
            };
            if nat.connectivity == NatConnectivity::Private && !in_any_vpc(m, pkt.dst) {
                // A private NAT gateway cannot reach the internet. (Not generated.)
                return stop(Kind::NatGateway);
            }
            let mut w = walk(
                m,
                ns,
                Packet {
                    src: own,
                    sport_ephemeral: true,
                    ..pkt
                },
                depth + 1,
            )?;
            w.nats.insert(0, n);
            Ok(w)
        }
        RouteTarget::Peering(id) => {
            let Some(p) = m.peerings.iter().find(|p| p.id == *id) else {
                return stop(Kind::VpcPeering);
            };
            acl(m, s, Dir::Out, pkt)?;
            if !p.is_active() {
                return stop(Kind::VpcPeering);
            }
            // Non-transitive: the destination must be in the VPC on the other side.
            let Some(other) = p.other_side(&sub.vpc) else {
                return stop(Kind::VpcPeering);
            };
            let Some(t) = subnet_in_vpc(m, &other.vpc, pkt.dst) else {
                return stop(Kind::VpcPeering);
            };
            acl(m, t, Dir::In, pkt)?;
            out(Place::Subnet(t))
        }
        RouteTarget::TransitGateway(tgw) => via_tgw(m, s, tgw.as_str(), pkt),
        RouteTarget::VpnGateway(g) => {
            acl(m, s, Dir::Out, pkt)?;
            vgw_attached(m, g, &sub.vpc)?;
            // A request for a modelled address sent on premises is not delivered.
            if in_any_vpc(m, pkt.dst) {
                return stop(Kind::VpnGateway);
            }
            vpn_carries(m, g, pkt.dst)?;
            out(Place::Out(Exit::Vgw(g.clone())))
        }
        // A CIDR route to a `vpce-`: a Gateway Load Balancer endpoint (or one the snapshot
        // does not hold): appliances the model does not see (§5 Gateway VPC endpoints).
        RouteTarget::VpcEndpoint(_) => unknown(Kind::VpcEndpoint),
        RouteTarget::Interface(_) | RouteTarget::Instance(_) => unknown(Kind::NetworkInterface),
        RouteTarget::Other(_) => unknown(Kind::RouteTable),
    }
}

/// A transit gateway hop (AWS-SEMANTICS.md §5): the source VPC's attachment must have a
/// subnet in the zone the packet is in; the instance subnet's ACL outbound and the
/// attachment subnet's ACL inbound apply (both, even when they are the same subnet); the
/// route table associated with the ingress attachment decides; the packet leaves by the
/// destination attachment's subnet in the same zone (another only when there is none there,
/// appliance mode off), whose ACL outbound applies, then the destination subnet's ACL
/// inbound, unless that is the attachment subnet itself.
fn via_tgw(m: &Model, s: usize, tgw: &str, pkt: Packet) -> Step<Walked> {
    let sub = &m.subnets[s];
    if !m
        .transit_gateways
        .iter()
        .any(|t| t.id.as_str() == tgw && t.state.is_available())
    {
        return stop(Kind::TransitGateway);
    }
    let vpc_att = |vpc: &vpcscope::model::VpcId| {
        m.tgw_attachments.iter().find(|a| {
            a.tgw.as_str() == tgw
                && matches!(&a.kind, TgwAttachmentKind::Vpc { vpc: v, .. } if v == vpc)
        })
    };
    // No attachment of this VPC: charged to the transit gateway (`TGW_NO_VPC_ATTACHMENT`).
    let Some(ingress) = vpc_att(&sub.vpc) else {
        return stop(Kind::TransitGateway);
    };
    let TgwAttachmentKind::Vpc { subnets, .. } = &ingress.kind else {
        unreachable!()
    };
    if !ingress.state.is_available() {
        return stop(Kind::TransitGatewayAttachment);
    }
    let Some(att_sub) = subnets
        .iter()
        .filter_map(|id| m.subnets.iter().position(|x| x.id == *id))
        .find(|&x| m.subnets[x].az == sub.az)
    else {
        return stop(Kind::TransitGatewayAttachment);
    };
    acl(m, s, Dir::Out, pkt)?;
    acl(m, att_sub, Dir::In, pkt)?;
    let Some(table) = ingress
        .route_table
        .as_ref()
        .and_then(|id| m.tgw_route_tables.iter().find(|t| t.id == *id))
    else {
        return stop(Kind::TransitGatewayAttachment);
    };
    if !table.state.is_available() {
        return stop(Kind::TransitGatewayRouteTable);
    }
    // Longest prefix match over the table's CIDR routes; on a tie a static route wins.
    let mut best: Option<&vpcscope::model::TgwRoute> = None;
    for r in &table.routes {
        let vpcscope::model::RouteDest::Cidr(c) = &r.dest else {
            continue;
        };
        if !c.contains(&pkt.dst) {
            continue;
        }
        let better = match best {
            None => true,
            Some(b) => {
                let bl = match &b.dest {
                    vpcscope::model::RouteDest::Cidr(bc) => bc.prefix_len(),
                    _ => 0,
                };
                c.prefix_len() > bl || (c.prefix_len() == bl && r.origin < b.origin)
            }
        };
        if better {
            best = Some(r);
        }
    }
    let Some(route) = best else {
        return stop(Kind::TransitGatewayRouteTable);
    };
    if route.state == RouteState::Blackhole || route.attachments.is_empty() {
        return stop(Kind::TransitGatewayRouteTable);
    }
    let Some(egress) = m
        .tgw_attachments
        .iter()
        .find(|a| a.id == route.attachments[0])
    else {
        return stop(Kind::TransitGatewayAttachment);
    };
    if !egress.state.is_available() {
        return stop(Kind::TransitGatewayAttachment);
    }
    let TgwAttachmentKind::Vpc {
        vpc: dst_vpc,
        subnets: out_subs,
        ..
    } = &egress.kind
    else {
        return unknown(Kind::TransitGatewayAttachment); // not generated
    };
    let out_subs: Vec<usize> = out_subs
        .iter()
        .filter_map(|id| m.subnets.iter().position(|x| x.id == *id))
        .collect();
    let Some(exit) = out_subs
        .iter()
        .copied()
        .find(|&x| m.subnets[x].az == sub.az)
        .or_else(|| out_subs.first().copied())
    else {
        return stop(Kind::TransitGatewayAttachment);
    };
    // Traffic from the transit gateway is delivered by the VPC's local routing.
    let Some(t) = subnet_in_vpc(m, dst_vpc, pkt.dst) else {
        return stop(Kind::TransitGatewayRouteTable);
    };
    if t != exit {
        acl(m, exit, Dir::Out, pkt)?;
        acl(m, t, Dir::In, pkt)?;
    }
    Ok(Walked {
        pkt,
        place: Place::Subnet(t),
        nats: vec![],
    })
}

fn vgw_attached(m: &Model, g: &str, vpc: &vpcscope::model::VpcId) -> Step<()> {
    match m.vpn_gateways.iter().find(|v| v.id == g) {
        Some(v) if v.state.is_available() && v.vpcs.contains(vpc) => Ok(()),
        _ => stop(Kind::VpnGateway),
    }
}

/// Whether a VPN connection on gateway `g` carries traffic for on-premises address `x`: an
/// available connection with a tunnel up and, when it uses static routes only, a static
/// route covering `x`. No connection in the snapshot: unknown.
fn vpn_carries(m: &Model, g: &str, x: IpAddr) -> Step<()> {
    let conns: Vec<_> = m
        .vpn_connections
        .iter()
        .filter(|c| c.vgw.as_deref() == Some(g))
        .collect();
    if conns.is_empty() {
        return unknown(Kind::VpnGateway);
    }
    let mut undecided = false;
    for c in conns {
        if !c.state.is_available()
            || (c.static_only && !c.static_routes.iter().any(|r| r.contains(&x)))
        {
            continue;
        }
        match c.tunnels_up() {
            Some(true) => return Ok(()),
            Some(false) => {}
            None => undecided = true,
        }
    }
    if undecided {
        unknown(Kind::VpnGateway)
    } else {
        stop(Kind::VpnGateway)
    }
}

/// A network ACL: entries in ascending rule number, the first match decides; the `*` rule
/// (listed as 32767/32768) denies the rest. Rules match the destination port of the packet.
fn acl(m: &Model, s: usize, dir: Dir, pkt: Packet) -> Step<()> {
    let sub = &m.subnets[s];
    let explicit = m.network_acls.iter().find(|a| a.subnets.contains(&sub.id));
    let Some(acl) = explicit.or_else(|| {
        m.network_acls
            .iter()
            .find(|a| a.is_default && a.vpc == sub.vpc)
    }) else {
        return missing_filter(Kind::NetworkAcl);
    };
    let mut entries: Vec<_> = if dir == Dir::Out {
        acl.egress.iter().collect()
    } else {
        acl.ingress.iter().collect()
    };
    entries.sort_by_key(|e| e.number);
    let remote = if dir == Dir::Out { pkt.dst } else { pkt.src };
    // A reply to a NAT gateway goes to whichever port of 1024-65535 the NAT gateway picked:
    // the ACL must admit all of them (AWS-SEMANTICS.md §5). The answer only changes at the
    // edges of rule port ranges, so those ports (and the range's ends) are enough to try.
    let mut ports = vec![pkt.dport];
    if pkt.dport_ephemeral && has_ports(pkt.proto) {
        ports = vec![1024, 65535];
        for e in &entries {
            if let L4Match::Ports(p) = e.l4 {
                for q in [
                    p.from.saturating_sub(1),
                    p.from,
                    p.to,
                    p.to.saturating_add(1),
                ] {
                    if q >= 1024 {
                        ports.push(q);
                    }
                }
            }
        }
    }
    for port in ports {
        let first = entries.iter().find(|e| {
            e.protocol.covers(pkt.proto) && l4_admits(&e.l4, pkt, port) && e.cidr.contains(&remote)
        });
        if !first.is_some_and(|e| e.action == RuleAction::Allow) {
            return stop(Kind::NetworkAcl);
        }
    }
    Ok(())
}

fn has_ports(p: Protocol) -> bool {
    matches!(p, Protocol::Tcp | Protocol::Udp)
}

/// Whether a rule's ports (TCP, UDP: destination `port`) or ICMP type and code (absent:
/// any) admit the packet; a rule for every protocol has no ports.
fn l4_admits(l4: &L4Match, pkt: Packet, port: u16) -> bool {
    match l4 {
        L4Match::Any => true,
        L4Match::Ports(p) => has_ports(pkt.proto) && p.contains(port),
        L4Match::Icmp(i) => {
            matches!(pkt.proto, Protocol::Icmp | Protocol::Icmpv6)
                && i.icmp_type.is_none_or(|t| t == pkt.icmp.0)
                && i.code.is_none_or(|c| c == pkt.icmp.1)
        }
    }
}

/// Security groups of an interface: the union of their allow rules in one direction.
/// Interfaces without groups (NAT gateways) are not filtered.
fn sg(m: &Model, eni: &Eni, dir: Dir, pkt: Packet) -> Step<()> {
    if eni.security_groups.is_empty() {
        return Ok(());
    }
    let remote = if dir == Dir::Out { pkt.dst } else { pkt.src };
    let mut missing = false;
    for id in &eni.security_groups {
        let Some(g) = m.security_groups.iter().find(|g| g.id == *id) else {
            missing = true;
            continue;
        };
        let rules = if dir == Dir::Out {
            &g.egress
        } else {
            &g.ingress
        };
        for r in rules {
            if r.protocol.covers(pkt.proto) && l4_admits(&r.l4, pkt, pkt.dport) && peer_matches(m, eni, &r.peer, remote) {
                return Ok(());
            }
        }
    }
    if missing {
        missing_filter(Kind::SecurityGroup)
    } else {
        stop(Kind::SecurityGroup)
    }
}

/// A rule's peer: a CIDR, a prefix list's entries, or the private addresses of the
/// interfaces carrying a group that is in the same VPC as `eni` or in a VPC joined to it by
/// an active peering (same Region in the generated networks).
fn peer_matches(m: &Model, eni: &Eni, peer: &SgPeer, remote: IpAddr) -> bool {
    match peer {
        SgPeer::Cidr(c) => c.contains(&remote),
        SgPeer::PrefixList(p) => m
            .prefix_lists
            .iter()
            .filter(|l| l.id == *p)
            .any(|l| l.cidrs.iter().any(|c| c.contains(&remote))),
        SgPeer::Group(g) => {
            let Some(group) = m.security_groups.iter().find(|x| x.id == *g) else {
                return false;
            };
            let Some(gvpc) = &group.vpc else { return false };
            let joined = *gvpc == eni.vpc
                || m.peerings.iter().any(|p| {
                    p.is_active() && p.other_side(&eni.vpc).is_some_and(|o| o.vpc == *gvpc)
                });
            joined
                && m.enis
                    .iter()
                    .any(|e| e.security_groups.contains(g) && e.private_ips.contains(&remote))
        }
    }
}

/// Longest prefix match; on equal prefixes a static route beats a propagated one and a CIDR
/// route beats a prefix-list route (AWS-SEMANTICS.md §4).
fn lpm<'m>(m: &'m Model, rt: &'m vpcscope::model::RouteTable, dst: IpAddr) -> Option<&'m Route> {
    let mut best: Option<(&Route, u8, u8)> = None;
    for r in &rt.routes {
        let (len, rank) = match &r.dest {
            vpcscope::model::RouteDest::Cidr(c) if c.contains(&dst) => (c.prefix_len(), 0u8),
            vpcscope::model::RouteDest::PrefixList(p) => {
                match m
                    .prefix_lists
                    .iter()
                    .filter(|l| l.id == *p)
                    .flat_map(|l| l.cidrs.iter())
                    .filter(|c| c.contains(&dst))
                    .map(IpNet::prefix_len)
                    .max()
                {
                    Some(l) => (l, 1),
                    None => continue,
                }
            }
            _ => continue,
        };
        let rank = rank
            + if r.origin == RouteOrigin::Propagated {
                2
            } else {
                0
            };
        let better = match best {
            None => true,
            Some((_, bl, br)) => len > bl || (len == bl && rank < br),
        };
        if better {
            best = Some((r, len, rank));
        }
    }
    best.map(|(r, _, _)| r)
}

/// The subnet's explicitly associated route table, else its VPC's main table.
fn route_table(m: &Model, s: usize) -> Option<&vpcscope::model::RouteTable> {
    let sub = &m.subnets[s];
    m.route_tables
        .iter()
        .find(|t| t.subnets.contains(&sub.id))
        .or_else(|| m.route_tables.iter().find(|t| t.main && t.vpc == sub.vpc))
}

fn subnet_ix(m: &Model, eni: usize) -> usize {
    m.subnets
        .iter()
        .position(|s| s.id == m.enis[eni].subnet)
        .expect("interface subnet in the model")
}

fn subnet_in_vpc(m: &Model, vpc: &vpcscope::model::VpcId, ip: IpAddr) -> Option<usize> {
    m.subnets
        .iter()
        .position(|s| s.vpc == *vpc && s.contains(ip))
}

fn subnet_holding(m: &Model, ip: IpAddr) -> Option<usize> {
    m.subnets.iter().position(|s| s.contains(ip))
}

/// A packet entering subnet `t`'s VPC from the internet through its internet gateway (none:
/// `NO_INTERNET_GATEWAY`, charged to the VPC), then `t`'s inbound ACL.
fn enter_by_igw(m: &Model, t: usize, pkt: Packet) -> Step<Walked> {
    if igw_of(m, &m.subnets[t].vpc).is_none() {
        return stop(Kind::Vpc);
    }
    acl(m, t, Dir::In, pkt)?;
    Ok(Walked { pkt, place: Place::Subnet(t), nats: vec![] })
}

/// The subnet of the interface that has global IPv6 address `ip`, if any.
fn ipv6_interface_subnet(m: &Model, ip: IpAddr) -> Option<usize> {
    if !ip.is_ipv6() || is_private(ip) {
        return None;
    }
    let e = m.enis.iter().position(|e| e.private_ips.contains(&ip))?;
    Some(subnet_ix(m, e))
}

fn in_any_vpc(m: &Model, ip: IpAddr) -> bool {
    m.vpcs
        .iter()
        .any(|v| v.cidrs.iter().any(|c| c.contains(&ip)))
}

fn igw_of(m: &Model, vpc: &vpcscope::model::VpcId) -> Option<String> {
    m.internet_gateways
        .iter()
        .find(|g| g.vpcs.contains(vpc))
        .map(|g| g.id.to_string())
}

fn nat_private_ips(m: &Model, n: usize) -> Vec<IpAddr> {
    m.nat_gateways[n]
        .addresses
        .iter()
        .filter_map(|a| a.private_ip)
        .collect()
}

/// Whether the internet gateway can translate private IPv4 address `ip`: an interface's
/// public mapping or a NAT gateway's Elastic IP.
fn has_public_ipv4(m: &Model, ip: IpAddr) -> bool {
    m.enis.iter().any(|e| e.public_for(ip).is_some())
        || m.nat_gateways.iter().any(|n| {
            n.addresses
                .iter()
                .any(|a| a.private_ip == Some(ip) && a.public_ip.is_some())
        })
}

/// RFC 1918, shared and unique-local addresses: never routed on the internet.
fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_private() || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64,
        IpAddr::V6(v6) => (v6.segments()[0] & 0xfe00) == 0xfc00,
    }
}
