//! `paths`: multi-hop attack paths over the reachability graph, and the change that cuts them.
//!
//! The graph is built from the all-pairs matrix ([`Matrix`]): its nodes are interface classes
//! (and the outside source, `internet` or `onprem`), and an edge `A -> B` says that a host in
//! class A can open a connection to class B on some ports, request and reply both getting
//! through, as `eval::evaluate` decides it. Load balancers relay through listener nodes
//! (`lb:NAME:PORT`, `LNode`): edges into one are connections the evaluator carries on the
//! listener's port, edges out of one go only to the targets that listener forwards its own
//! sources to (the walker's answer per target), never anywhere else. Entry edges (from the outside) come from the same
//! sweep of the outside address space `reach --from internet` does, one sweep per class and
//! port piece; an entry whose answer is `unknown` is never an edge: it is listed in
//! [`Paths::undecided_entries`]. The matrix answers pairs whose walk ends `unknown` as not
//! reachable, so a path that would need such a pair is not reported (the answer is a lower
//! bound of what an attacker could do, never a path that does not exist).
//!
//! The graph is a petgraph `DiGraph`, pruned before it is built to the classes that lie on
//! some path of at most `max_hops` hops (distance from the source plus distance to a target),
//! so a dense network of 10,000 interfaces does not become 15 million edges. Per target (a
//! class and its service port): the shortest paths (fewest hops, ties broken by how widely
//! the hops are open), the number of simple paths up to `max_hops`, and a minimum edge cut
//! (unit capacities, Edmonds-Karp augmenting paths over the pruned graph) whose edges are
//! closed by revoking the security-group rules that admit them. Removing security-group
//! rules can only remove reachability, so a cut applied to the model leaves no path.
//!
//! petgraph types stay inside this module: results carry AWS ids and class numbers.

use crate::analysis::audit::{self, ADMIN_PORTS, DATABASE_PORTS};
use crate::analysis::matrix::{self, Matrix, MatrixOptions};
use crate::analysis::reach::{sweep_space, Space};
use crate::eval::{self, sg, Direction, Endpoint, Trace, DEFAULT_SOURCE_PORT};
use crate::model::*;
use crate::report::{words, Fix};
use crate::topology::{Ix, Topology};
use ipnet::IpNet;
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction as Towards;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

/// Hash maps keyed by graph nodes and small ids: a fast hasher (no input reaches them from
/// outside the snapshot's own ids).
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
use std::net::IpAddr;

/// How many simple paths are counted per target before counting stops (`paths_total_capped`).
pub const PATH_COUNT_CAP: u64 = 100_000;
/// How many augmenting paths the minimum cut looks for before it settles for the edges into
/// the target (`cut_minimal: false`).
pub const CUT_CAP: usize = 32;
/// How many shortest paths per target are ranked by how widely they are open (the first the
/// search meets); `--top` of them are shown.
pub const SHORTEST_KEPT: usize = 1000;
/// Edges named per cut rule (the rest are counted in `edges_total`).
pub const EDGES_SHOWN: usize = 10;
const INF_CAP: u32 = 1 << 20;
const FAR: u8 = u8::MAX;

/// Where the attacker starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Any public address, through an internet gateway.
    Internet,
    /// Any on-premises address (through a virtual private gateway, VPN or Direct Connect).
    OnPrem,
    /// A foothold on these interfaces (positions in the model).
    Interfaces(Vec<Ix>),
}

/// What the attacker is after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Targets {
    /// Managed databases on their listener ports, and interfaces whose security groups name a
    /// database port of AWS-SEMANTICS §7 (a rule for that port, not one for every port).
    Databases,
    /// The admin ports of AWS-SEMANTICS §7 (SSH, RDP, Telnet, VNC, WinRM) that a security
    /// group rule admits.
    Admin,
    /// Both: what `audit`'s `lateral-path` findings are about.
    Exposure,
    /// These interfaces, on their service ports (a managed service's listener, or the
    /// database and admin ports their rules name), or on any pivot port when they have none.
    Interfaces(Vec<Ix>),
}

/// The ports an attacker on a host can use onward.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pivot {
    /// Every TCP and UDP port.
    Any,
    /// The admin ports of AWS-SEMANTICS §7.
    Admin,
    /// A list (as `matrix --ports` reads it).
    List(Vec<(Protocol, PortRange)>),
}

impl Pivot {
    /// The protocols and port ranges.
    pub fn ports(&self) -> Vec<(Protocol, PortRange)> {
        match self {
            Pivot::Any => vec![(Protocol::Tcp, PortRange::ALL), (Protocol::Udp, PortRange::ALL)],
            Pivot::Admin => ADMIN_PORTS.iter().map(|(p, _)| (Protocol::Tcp, PortRange { from: *p, to: *p })).collect(),
            Pivot::List(l) => l.iter().copied().filter(|(p, _)| p.has_ports()).collect(),
        }
    }
}

/// Settings of one `paths` question.
#[derive(Clone, Debug)]
pub struct Options {
    /// The attacker's start.
    pub from: Source,
    /// The targets.
    pub to: Targets,
    /// The longest path counted, in hops (at least 1).
    pub max_hops: usize,
    /// Ports used between hosts.
    pub pivot: Pivot,
    /// Shortest paths shown per target.
    pub top: usize,
}

/// A protocol and its port ranges.
pub type PortSet = Vec<(Protocol, Vec<PortRange>)>;

/// The answer: one entry per target, and the graph's size.
#[derive(Clone, Debug, Serialize)]
pub struct Paths {
    /// `internet`, `onprem`, or the selector's interfaces.
    pub source: String,
    /// Every target, those with a path first (fewest hops first).
    pub targets: Vec<TargetPaths>,
    /// The reachability graph the paths were found in.
    pub graph: GraphStats,
    /// Entries from the outside whose answer the snapshot cannot decide: not edges.
    pub undecided_entries: Vec<Undecided>,
    /// What the answer does not cover.
    pub notes: Vec<String>,
}

impl Paths {
    /// Whether some target has a path.
    pub fn any_path(&self) -> bool {
        self.targets.iter().any(|t| t.shortest_hops.is_some())
    }
}

/// Sizes of the graph.
#[derive(Clone, Debug, Default, Serialize)]
pub struct GraphStats {
    /// Nodes of the pruned graph (classes on some path of at most `max_hops`, and the source).
    pub nodes: usize,
    /// Edges of the pruned graph (entry and pivot edges; final edges into targets are counted
    /// in `final_edges`).
    pub edges: usize,
    /// Edges into targets on their service ports.
    pub final_edges: usize,
    /// Interface classes of the matrix.
    pub classes: usize,
    /// (source class, destination class) pairs the matrix found reachable on some port.
    pub reachable_class_pairs: u64,
    /// The longest path considered.
    pub max_hops: usize,
}

/// An entry from the outside that the snapshot cannot decide.
#[derive(Clone, Debug, Serialize)]
pub struct Undecided {
    /// The interface (class representative).
    pub to: String,
    /// Its class.
    pub to_class: u32,
    /// Ports.
    pub ports: String,
    /// The outside ranges whose answer is unknown.
    pub ranges: Vec<IpNet>,
}

/// What is attacked.
#[derive(Clone, Debug, Serialize)]
pub struct Target {
    /// The resource (an RDS instance, an EC2 instance or an interface), as `audit` names it.
    #[serde(flatten)]
    pub resource: audit::Resource,
    /// The class (as `matrix` numbers them).
    pub class: u32,
    /// The class's interfaces that are targets on this port.
    pub interfaces: Vec<String>,
}

/// One target's paths and cut: the JSON contract's element of `targets`.
#[derive(Clone, Debug, Serialize)]
pub struct TargetPaths {
    /// What is attacked.
    pub target: Target,
    /// The service port (TCP); `null` when the target has none and any pivot port counts.
    pub port: Option<u16>,
    /// Hops of the shortest path; `null` when there is none.
    pub shortest_hops: Option<usize>,
    /// Simple paths of at most `max_hops` hops (counting stops at `PATH_COUNT_CAP`).
    pub paths_total: u64,
    /// Whether counting stopped at the cap.
    pub paths_total_capped: bool,
    /// The shortest paths, most widely open first (at most `--top`).
    pub paths: Vec<AttackPath>,
    /// The edges whose removal disconnects the target: one element per security-group rule
    /// to revoke.
    pub cut: Vec<CutRule>,
    /// Whether the cut is a minimum cut (false: too many disjoint paths, the cut is every
    /// edge into the target).
    pub cut_minimal: bool,
    /// The graph edges the cut removes, as `from -> to` labels (at most `EDGES_SHOWN` per
    /// rule).
    pub cut_edges: Vec<String>,
    /// How many graph edges the cut removes.
    pub cut_edges_total: usize,
    /// Security groups the target's interfaces carry that the snapshot lacks: their rules
    /// cannot be named, so the cut may leave paths open (omitted when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cut_missing_groups: Vec<String>,
}

/// A path: hops from the source to the target.
#[derive(Clone, Debug, Serialize)]
pub struct AttackPath {
    /// The hops, in order.
    pub hops: Vec<PathHop>,
}

/// One hop of a path.
#[derive(Clone, Debug, Serialize)]
pub struct PathHop {
    /// `internet`, `onprem`, or an interface (its class's representative).
    pub from: String,
    /// The source's Name tag (untrusted text).
    pub from_name: Option<String>,
    /// The source's class (`null` for the outside).
    pub from_class: Option<u32>,
    /// The account that owns the source interface, when the snapshot says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_account: Option<String>,
    /// The interface reached (its class's representative).
    pub to: String,
    /// Its Name tag (untrusted text).
    pub to_name: Option<String>,
    /// Its class.
    pub to_class: u32,
    /// The account that owns it, when the snapshot says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_account: Option<String>,
    /// Every protocol and port this hop is open on (`tcp 443,8080; udp 53`).
    pub ports: String,
    /// The protocol and port the rules below were evaluated on.
    pub protocol: Protocol,
    /// The port.
    pub port: u16,
    /// The rules that let the request and the reply through, from the trace `reach` prints
    /// for this hop (`request: sg-... inbound security-group: TCP 443 0.0.0.0/0`).
    pub rules: Vec<String>,
    /// For a hop from the outside: whether every outside address gets through on `port`.
    pub open_to_world: bool,
    /// Whether that trace is `reachable` (always true; a false would be a bug, reported
    /// rather than hidden).
    pub confirmed: bool,
    /// The `reach` arguments that explain this hop.
    pub reach: String,
}

/// One security-group rule to revoke to cut the paths.
#[derive(Clone, Debug, Serialize)]
pub struct CutRule {
    /// The security group.
    pub id: String,
    /// `security-group-rule`.
    pub kind: String,
    /// The rule, console style, with its direction (`inbound TCP 8080 sg-...`).
    pub rule: String,
    /// The edges it closes: `from -> to` (interfaces or `internet`; at most `EDGES_SHOWN`).
    pub edges: Vec<String>,
    /// How many edges it closes.
    pub edges_total: usize,
    /// The change and its AWS CLI command.
    pub fix: Fix,
}

/// A graph node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Node {
    Outside,
    Class(u32),
    /// A load balancer's listener (an index into `Builder::lst`).
    Listener(u32),
}

/// A listener of a load balancer as a graph node: the sources whose connections on its port
/// it relays to the same set of targets share one node (`lb:NAME:PORT`), so that a path
/// through it leaves only to targets its own sources reach, on the targets' ports.
#[derive(Clone, Debug)]
struct LNode {
    /// The load balancer (position in the model).
    lb: Ix,
    /// `lb:NAME:PORT` (a suffix `#N` when the sources of one listener reach different
    /// target sets).
    label: String,
    protocol: Protocol,
    port: u16,
    /// Whether every security group of the load balancer is in the snapshot and it has some:
    /// an edge into it is then closed by revoking rules.
    closable: bool,
    /// Classes whose representative's connection is relayed (sorted).
    ins: Vec<u32>,
    /// The outside's entry: a sample address, every outside address got through, the
    /// outside ranges that got through.
    outside: Option<(IpAddr, bool, Vec<IpNet>)>,
    /// A node interface per source (the outside: `u32::MAX`) the hop is described with.
    via: Vec<(u32, Ix)>,
    /// Where it forwards.
    outs: Vec<LOut>,
}

/// A listener's connection to one target class on one port.
#[derive(Clone, Debug)]
struct LOut {
    class: u32,
    /// The target's interface and id (instance id or address) as the target group names it.
    ix: Ix,
    target: String,
    port: u16,
    ps: PortSet,
    /// The addresses the target sees: the nodes', or the clients' when the client's address
    /// is preserved (outside ranges included).
    peers: Vec<IpNet>,
    /// Whether the port is a pivot port (the edge may lead on).
    pivot: bool,
}

/// A graph edge: an interned port set.
#[derive(Clone, Copy, Debug)]
struct EdgeW {
    ports: u32,
}

/// One entry from the outside into a class: the ports that pass, and per port piece the
/// sample address and outside ranges that got through.
#[derive(Clone, Debug, Default)]
struct Entry {
    ports: PortSet,
    /// (protocol, port piece, sample address, whether every outside address gets through).
    samples: Vec<(Protocol, PortRange, IpAddr, bool)>,
    ranges: Vec<IpNet>,
}

/// The final edges into one target, by source node: sorted by node once built.
struct Fin<'a> {
    at: Vec<(NodeIndex, &'a PortSet)>,
    keys: Vec<NodeIndex>,
}

impl<'a> Fin<'a> {
    /// From (node, ports) pairs; a node given twice keeps its last ports.
    fn new(mut at: Vec<(NodeIndex, &'a PortSet)>) -> Fin<'a> {
        // Stable: the later of two equal nodes stays after, and dedup keeps the first of a
        // run, so reverse first to keep the last.
        at.reverse();
        at.sort_by_key(|(v, _)| *v);
        at.dedup_by_key(|(v, _)| *v);
        let keys = at.iter().map(|(v, _)| *v).collect();
        Fin { at, keys }
    }

    fn get(&self, v: &NodeIndex) -> Option<&'a PortSet> {
        self.at.binary_search_by_key(v, |(x, _)| *x).ok().map(|i| self.at[i].1)
    }

    fn contains_key(&self, v: &NodeIndex) -> bool {
        self.get(v).is_some()
    }
}

/// Distances to one target (hops, the final edge included) per graph node.
struct Dt(Vec<usize>);

impl Dt {
    fn get(&self, v: &NodeIndex) -> Option<&usize> {
        self.0.get(v.index()).filter(|d| **d != usize::MAX)
    }

    fn contains_key(&self, v: &NodeIndex) -> bool {
        self.get(v).is_some()
    }

    fn insert(&mut self, v: NodeIndex, d: usize) {
        if let Some(x) = self.0.get_mut(v.index()) {
            *x = d;
        }
    }

    fn iter(&self) -> impl Iterator<Item = (NodeIndex, usize)> + '_ {
        self.0.iter().enumerate().filter(|(_, d)| **d != usize::MAX).map(|(i, d)| (NodeIndex::new(i), *d))
    }
}

impl std::ops::Index<&NodeIndex> for Dt {
    type Output = usize;
    fn index(&self, v: &NodeIndex) -> &usize {
        &self.0[v.index()]
    }
}

/// The final edges into one target.
struct Preds {
    /// (source class, index into `sets`).
    classes: Vec<(u32, u16)>,
    sets: Vec<PortSet>,
    /// The ports the outside reaches the target on directly.
    direct: Option<PortSet>,
}

/// A target before analysis.
#[derive(Clone, Debug)]
struct Want {
    class: u32,
    port: Option<u16>,
    members: Vec<Ix>,
}

/// How each target is answered: over the layered index where the question allows it, or by
/// search over the graph always (the reference the layered answer is tested against).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Layered,
    #[cfg_attr(not(test), allow(dead_code))]
    Search,
}

/// Answers one `paths` question.
pub fn paths(topo: &Topology<'_>, opts: &Options) -> Paths {
    paths_by(topo, opts, Method::Layered, SHORTEST_KEPT)
}

fn paths_by(topo: &Topology<'_>, opts: &Options, method: Method, kept: usize) -> Paths {
    let m = topo.model;
    let k = opts.max_hops.clamp(1, 16);
    let pivot = opts.pivot.ports();
    let wants_raw = targets(topo, &opts.to);
    let mut mx_ports = pivot.clone();
    for (_, p) in &wants_raw {
        for port in p.iter().flatten() {
            mx_ports.push((Protocol::Tcp, PortRange { from: *port, to: *port }));
        }
    }
    // Listener ports: whether a class reaches a listener is asked of the matrix.
    for l in m.load_balancers.iter().flat_map(|b| &b.listeners) {
        if let Some(proto) = listener_protocol(l) {
            mx_ports.push((proto, PortRange { from: l.port, to: l.port }));
        }
    }
    if mx_ports.is_empty() {
        mx_ports.push((Protocol::Tcp, PortRange { from: 1, to: 1 }));
    }
    // A load balancer's node is no foothold: it opens connections only to its targets, for
    // what its listeners take. Paths through it go through its listeners' nodes instead.
    let from = m.enis.iter().enumerate().filter(|(i, e)| e.kind.opens_connections() && topo.lb_of_eni(*i).is_none()).map(|(i, _)| i).collect();
    let mx = Matrix::compute(topo, &MatrixOptions { ports: mx_ports, from: Some(from), to: None });
    let b = Builder::new(topo, &mx, opts, k, pivot, wants_raw);
    b.run(opts, method, kept)
}

/// An address of a range (its first host).
fn first_host(r: &IpNet) -> IpAddr {
    r.hosts().next().unwrap_or_else(|| r.addr())
}

/// The transport a listener takes (TCP first); `None` for GENEVE.
fn listener_protocol(l: &Listener) -> Option<Protocol> {
    if l.accepts(false) {
        Some(Protocol::Tcp)
    } else if l.accepts(true) {
        Some(Protocol::Udp)
    } else {
        None
    }
}

/// The targets per interface: its service ports (`None`: any pivot port).
fn targets(topo: &Topology<'_>, to: &Targets) -> Vec<(Ix, Vec<Option<u16>>)> {
    let m = topo.model;
    let rule_ports = |ix: Ix, wanted: &dyn Fn(u16) -> bool, broad_too: bool| -> Vec<u16> {
        let mut out: Vec<u16> = Vec::new();
        for g in &m.enis[ix].security_groups {
            let Some(g) = topo.sg(g.as_str()) else { continue };
            for r in &g.ingress {
                if !r.protocol.covers(Protocol::Tcp) {
                    continue;
                }
                let range = match r.l4 {
                    L4Match::Any => PortRange::ALL,
                    L4Match::Ports(p) => p,
                    L4Match::Icmp(_) => continue,
                };
                if range == PortRange::ALL && !broad_too {
                    continue;
                }
                let cands = DATABASE_PORTS.iter().chain(ADMIN_PORTS).map(|(p, _)| *p);
                out.extend(cands.filter(|p| wanted(*p) && range.contains(*p)));
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    };
    let is_db = |p: u16| DATABASE_PORTS.iter().any(|(x, _)| *x == p);
    let is_admin = |p: u16| ADMIN_PORTS.iter().any(|(x, _)| *x == p);
    let mut out = Vec::new();
    let all: Vec<Ix> = (0..m.enis.len()).collect();
    let (ixs, mode) = match to {
        Targets::Databases => (&all, 0),
        Targets::Admin => (&all, 1),
        Targets::Exposure => (&all, 3),
        Targets::Interfaces(v) => (v, 2),
    };
    for &ix in ixs {
        let e = &m.enis[ix];
        if !e.kind.opens_connections() && !e.kind.is_managed_database() {
            continue;
        }
        let l = audit::listener(topo, ix);
        let managed = e.kind.is_managed_database() || l.db.is_some();
        let ports: Vec<Option<u16>> = match mode {
            0 if managed => l.ports.iter().map(|p| Some(*p)).collect(),
            0 => rule_ports(ix, &is_db, false).into_iter().map(Some).collect(),
            1 => rule_ports(ix, &is_admin, true).into_iter().map(Some).collect(),
            3 => {
                let mut p = if managed { l.ports.clone() } else { rule_ports(ix, &is_db, false) };
                p.extend(rule_ports(ix, &is_admin, true));
                p.sort_unstable();
                p.dedup();
                p.into_iter().map(Some).collect()
            }
            _ => {
                let mut p = if managed { l.ports.clone() } else { rule_ports(ix, &|p| is_db(p) || is_admin(p), false) };
                p.sort_unstable();
                p.dedup();
                if p.is_empty() {
                    vec![None]
                } else {
                    p.into_iter().map(Some).collect()
                }
            }
        };
        if !ports.is_empty() {
            out.push((ix, ports));
        }
    }
    out
}

fn intersect(a: &[PortRange], b: &[PortRange]) -> Vec<PortRange> {
    let mut out = Vec::new();
    for x in a {
        for y in b {
            let (lo, hi) = (x.from.max(y.from), x.to.min(y.to));
            if lo <= hi {
                out.push(PortRange { from: lo, to: hi });
            }
        }
    }
    merge(out)
}

fn merge(mut v: Vec<PortRange>) -> Vec<PortRange> {
    v.sort_by_key(|r| (r.from, r.to));
    let mut out: Vec<PortRange> = Vec::new();
    for r in v {
        match out.last_mut() {
            Some(l) if (l.to as u32) + 1 >= r.from as u32 => l.to = l.to.max(r.to),
            _ => out.push(r),
        }
    }
    out
}

/// The part of a port set inside `pivot`.
fn restrict(ps: &[(Protocol, Vec<PortRange>)], pivot: &[(Protocol, PortRange)]) -> PortSet {
    let mut out: PortSet = Vec::new();
    for (proto, ranges) in ps {
        let piv: Vec<PortRange> = pivot.iter().filter(|(p, _)| p == proto).map(|(_, r)| *r).collect();
        let r = intersect(ranges, &piv);
        if !r.is_empty() {
            add_ports(&mut out, *proto, &r);
        }
    }
    out
}

fn add_ports(ps: &mut PortSet, proto: Protocol, ranges: &[PortRange]) {
    match ps.iter_mut().find(|(p, _)| *p == proto) {
        Some((_, r)) => {
            r.extend_from_slice(ranges);
            *r = merge(std::mem::take(r));
        }
        None => {
            ps.push((proto, merge(ranges.to_vec())));
            ps.sort_by_key(|(p, _)| p.to_string());
        }
    }
}

fn covers(ps: &[(Protocol, Vec<PortRange>)], port: u16) -> bool {
    ps.iter().any(|(p, r)| *p == Protocol::Tcp && r.iter().any(|x| x.contains(port)))
}

fn width(ps: &[(Protocol, Vec<PortRange>)]) -> u64 {
    ps.iter().flat_map(|(_, r)| r).map(|r| r.to as u64 - r.from as u64 + 1).sum()
}

/// `tcp 443,8080; udp all`.
pub fn format_port_set(ps: &[(Protocol, Vec<PortRange>)]) -> String {
    ps.iter().map(|(p, r)| format!("{} {}", p.to_string().to_lowercase(), matrix::format_ports(*p, r))).collect::<Vec<_>>().join("; ")
}

/// The first (protocol, port) of a set, TCP first.
fn first_port(ps: &[(Protocol, Vec<PortRange>)]) -> (Protocol, u16) {
    ps.iter()
        .find(|(p, _)| *p == Protocol::Tcp)
        .or(ps.first())
        .and_then(|(p, r)| r.first().map(|x| (*p, x.from)))
        .unwrap_or((Protocol::Tcp, 0))
}

struct Builder<'t, 'm, 'x> {
    topo: &'t Topology<'m>,
    mx: &'x Matrix,
    k: usize,
    source: Source,
    /// Distance from the source per class (`FAR`: more than `k - 1`).
    ds: Vec<u8>,
    /// The classes with a distance, sorted.
    near: Vec<u32>,
    /// Per class: the rows into it, restricted to the pivot ports (port set, row).
    pivot_rows: Vec<Vec<(u32, &'x matrix::Entry)>>,
    /// Per class: the rows into it on every computed port.
    all_rows: Vec<Vec<&'x matrix::Entry>>,
    port_sets: Vec<PortSet>,
    entries: BTreeMap<u32, Entry>,
    undecided: Vec<Undecided>,
    wants: Vec<Want>,
    /// Per class: whether every security group of its members is in the snapshot (an edge
    /// into it can then be closed by revoking rules).
    closable: Vec<bool>,
    /// Listener nodes.
    lst: Vec<LNode>,
    /// Distance from the source per listener node (`FAR`: more than `k - 1`).
    lds: Vec<u8>,
    /// What the listeners' answers leave undecided.
    lb_notes: Vec<String>,
}

impl<'t, 'm, 'x> Builder<'t, 'm, 'x> {
    fn new(topo: &'t Topology<'m>, mx: &'x Matrix, opts: &Options, k: usize, pivot: Vec<(Protocol, PortRange)>, wants_raw: Vec<(Ix, Vec<Option<u16>>)>) -> Self {
        let n = mx.classes.len();
        let mut port_sets: Vec<PortSet> = Vec::new();
        let mut interned: HashMap<PortSet, u32> = HashMap::default();
        let mut intern = |ps: PortSet| -> u32 {
            *interned.entry(ps.clone()).or_insert_with(|| {
                port_sets.push(ps);
                (port_sets.len() - 1) as u32
            })
        };
        let mut pivot_rows: Vec<Vec<(u32, &'x matrix::Entry)>> = vec![Vec::new(); n];
        let mut all_rows: Vec<Vec<&'x matrix::Entry>> = vec![Vec::new(); n];
        for row in mx.rows() {
            let ps: PortSet = vec![(row.entry.protocol, row.entry.ports.clone())];
            let piv = restrict(&ps, &pivot);
            if !piv.is_empty() {
                pivot_rows[row.to_class as usize].push((intern(piv), row.entry));
            }
            all_rows[row.to_class as usize].push(row.entry);
        }
        let m = topo.model;
        let closable = mx
            .classes
            .iter()
            .map(|c| c.members.first().is_some_and(|&i| !m.enis[i].security_groups.is_empty() && m.enis[i].security_groups.iter().all(|g| topo.sg(g.as_str()).is_some())))
            .collect();
        let mut by_class: BTreeMap<(u32, Option<u16>), Vec<Ix>> = BTreeMap::new();
        for (ix, ports) in wants_raw {
            let Some(c) = mx.class_of(ix) else { continue };
            for p in ports {
                by_class.entry((c, p)).or_default().push(ix);
            }
        }
        let wants = by_class.into_iter().map(|((class, port), members)| Want { class, port, members }).collect();
        let mut b = Builder {
            topo,
            mx,
            k,
            source: opts.from.clone(),
            ds: vec![FAR; n],
            near: Vec::new(),
            pivot_rows,
            all_rows,
            port_sets,
            entries: BTreeMap::new(),
            undecided: Vec::new(),
            wants,
            closable,
            lst: Vec::new(),
            lds: Vec::new(),
            lb_notes: Vec::new(),
        };
        b.entries(&pivot);
        b.listeners(&pivot);
        b.forward();
        b.near = (0..n as u32).filter(|&c| b.ds[c as usize] != FAR).collect();
        b
    }

    /// The final edge from listener node `ln` into target `w`: its ports, when the
    /// listener forwards to one of the target's interfaces on the target's port (any port
    /// when the target has none).
    fn listener_final<'l>(&self, ln: &'l LNode, w: &Want) -> Option<&'l PortSet> {
        ln.outs
            .iter()
            .find(|o| o.class == w.class && w.members.contains(&o.ix) && w.port.map_or(o.pivot, |p| o.port == p && o.ps.iter().any(|(pr, _)| *pr == Protocol::Tcp)))
            .map(|o| &o.ps)
    }

    /// The rules of the load balancer's security groups that admit `peer` on the port of
    /// listener node `l` (none when some group is missing or it has none: nothing to revoke).
    fn rules_into_listener(&self, l: u32, peer: &Peer) -> Vec<(SgId, u32, SgRule)> {
        let Some(ln) = self.lst.get(l as usize) else { return Vec::new() };
        if !ln.closable {
            return Vec::new();
        }
        let lb = &self.topo.model.load_balancers[ln.lb];
        let peers: Vec<IpNet> = match peer {
            Peer::Address(ip) => vec![IpNet::from(*ip)],
            Peer::Outside => ln.outside.as_ref().map(|o| o.2.clone()).unwrap_or_default(),
        };
        let ps: PortSet = vec![(ln.protocol, vec![PortRange { from: ln.port, to: ln.port }])];
        rules_admitting(self.topo, &lb.security_groups, &lb.vpc, &ps, &peers)
    }

    /// The rules of a target's groups that admit listener node `l`'s connection to class
    /// `c` on the port of `ps` (the node's addresses, or the clients' when preserved).
    fn rules_out_of_listener(&self, l: u32, c: u32, ps: &PortSet) -> Vec<(SgId, u32, SgRule)> {
        let Some(ln) = self.lst.get(l as usize) else { return Vec::new() };
        if !self.closable.get(c as usize).copied().unwrap_or(false) {
            return Vec::new();
        }
        let port = first_port(ps).1;
        let m = self.topo.model;
        let mut out: Vec<(SgId, u32, SgRule)> = Vec::new();
        for o in ln.outs.iter().filter(|o| o.class == c && o.port == port) {
            let e = &m.enis[o.ix];
            for r in rules_admitting(self.topo, &e.security_groups, &e.vpc, &o.ps, &o.peers) {
                if !out.iter().any(|x| x.0 == r.0 && x.1 == r.1) {
                    out.push(r);
                }
            }
        }
        out
    }

    fn rep(&self, c: u32) -> Ix {
        self.mx.classes[c as usize].members[0]
    }

    fn rep_ip(&self, c: u32) -> IpAddr {
        let e = &self.topo.model.enis[self.rep(c)];
        e.private_ips.iter().copied().find(IpAddr::is_ipv4).unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
    }

    /// Entry edges from the outside: per class, the ports some outside address reaches.
    fn entries(&mut self, pivot: &[(Protocol, PortRange)]) {
        let space = match self.source {
            Source::Internet => Space::Internet,
            Source::OnPrem => Space::OnPrem(None),
            Source::Interfaces(_) => return,
        };
        let topo = self.topo;
        let m = topo.model;
        if space != Space::Internet && m.vpn_gateways.is_empty() && m.vpn_connections.is_empty() && m.dx_gateways.is_empty() && m.transit_gateways.is_empty() {
            return;
        }
        let mut target_ports: Vec<(Protocol, PortRange)> = pivot.to_vec();
        for w in &self.wants {
            if let Some(p) = w.port {
                target_ports.push((Protocol::Tcp, PortRange { from: p, to: p }));
            }
        }
        // Per class: the (protocol, port piece) to sweep.
        let work: Vec<(u32, Protocol, PortRange)> = (0..self.mx.classes.len() as u32)
            .flat_map(|c| {
                let cl = &self.mx.classes[c as usize];
                let e = &m.enis[cl.members[0]];
                let internet_ok = cl.public || e.private_ips.iter().any(IpAddr::is_ipv6);
                if (space == Space::Internet && !internet_ok) || !cl.is_destination {
                    return Vec::new();
                }
                entry_pieces(topo, cl.members[0], &target_ports, space == Space::Internet).into_iter().map(move |(p, r)| (c, p, r)).collect()
            })
            .collect();
        let swept: Vec<(u32, Protocol, PortRange, crate::analysis::reach::Sweep)> = work
            .par_iter()
            .filter_map(|&(c, proto, range)| {
                let ix = self.mx.classes[c as usize].members[0];
                let ip = m.enis[ix].primary_ip()?;
                let dst = Endpoint::Eni { ix, ip };
                let src = |a: IpAddr| if space == Space::Internet { Endpoint::Internet(a) } else { Endpoint::External(a) };
                let s = sweep_space(topo, (ix, ip), true, None, &space, |a| eval::evaluate_verdict(topo, &src(a), &dst, proto, DEFAULT_SOURCE_PORT, range.from));
                Some((c, proto, range, s))
            })
            .collect();
        for (c, proto, range, s) in swept {
            if !s.ranges.is_empty() {
                let en = self.entries.entry(c).or_default();
                add_ports(&mut en.ports, proto, &[range]);
                en.samples.push((proto, range, s.sample, s.all || s.all_v4 || s.all_v6));
                en.ranges.extend(s.ranges.iter().copied());
            } else if !s.unknown.is_empty() {
                self.undecided.push(Undecided {
                    to: m.enis[self.rep(c)].id.to_string(),
                    to_class: c,
                    ports: format_port_set(&[(proto, vec![range])]),
                    ranges: s.unknown.clone(),
                });
            }
        }
    }

    /// Listener nodes: per listener that forwards, the targets each source's connection is
    /// relayed to (the evaluator's answer per target for a connection to the node, request
    /// and reply both), sources with the same targets sharing a node. A target whose answer
    /// is `unknown` is never an edge.
    fn listeners(&mut self, pivot: &[(Protocol, PortRange)]) {
        let topo = self.topo;
        let m = topo.model;
        let space = match self.source {
            Source::Internet => Some(Space::Internet),
            Source::OnPrem => Some(Space::OnPrem(None)),
            Source::Interfaces(_) => None,
        };
        let src_of = |a: IpAddr| {
            if self.source == Source::OnPrem {
                Endpoint::External(a)
            } else {
                Endpoint::Internet(a)
            }
        };
        let sources: Vec<u32> = (0..self.mx.classes.len() as u32).filter(|&c| self.mx.classes[c as usize].is_source).collect();
        let mut unknown: Vec<String> = Vec::new();
        for (li, lb) in m.load_balancers.iter().enumerate() {
            let nodes = topo.lb_nodes(li);
            if nodes.is_empty() {
                continue;
            }
            let closable = !lb.security_groups.is_empty() && lb.security_groups.iter().all(|g| topo.sg(g.as_str()).is_some());
            for l in &lb.listeners {
                let Some(proto) = listener_protocol(l) else { continue };
                if l.target_groups.is_empty() && l.conditional_target_groups.is_empty() {
                    continue; // answers itself: forwards nowhere
                }
                // Per source (class, or `u32::MAX` for the outside): targets reached as
                // (class, interface, target id, port) with the address the target sees.
                type Reached = BTreeMap<(u32, Ix, String, u16), Vec<IpNet>>;
                let mut per: BTreeMap<u32, (Reached, Ix)> = BTreeMap::new();
                let mut outside: Option<(IpAddr, bool, Vec<IpNet>)> = None;
                let mut undecided = false;
                let take = |tr: &Trace, node: Ix, client: IpAddr, client_net: Option<IpNet>, into: &mut Reached, undecided: &mut bool| {
                    let Some(b) = tr.balancer.as_ref() else { return };
                    for t in &b.targets {
                        if t.verdict == eval::Verdict::Unknown {
                            *undecided = true;
                        }
                        if !tr.reachable || t.verdict != eval::Verdict::Reachable {
                            continue;
                        }
                        let Some(ix) = t.interface.as_deref().and_then(|id| topo.eni_ix(id)) else { continue };
                        let (Some(c), Some(port)) = (self.mx.class_of(ix), t.port) else { continue };
                        let seen: IpNet = if t.client_ip_preserved {
                            client_net.unwrap_or_else(|| IpNet::from(client))
                        } else {
                            IpNet::from(m.enis[node].primary_ip().unwrap_or(client))
                        };
                        into.entry((c, ix, t.target.clone(), port)).or_default().push(seen);
                    }
                };
                for &node in nodes {
                    let Some(nip) = m.enis[node].primary_ip() else { continue };
                    let dst = Endpoint::Eni { ix: node, ip: nip };
                    if let Some(space) = &space {
                        let internet_ok = lb.internet_facing || m.enis[node].private_ips.iter().any(IpAddr::is_ipv6);
                        if *space != Space::Internet || internet_ok {
                            let s = sweep_space(topo, (node, nip), true, None, space, |a| {
                                eval::evaluate_verdict(topo, &src_of(a), &dst, proto, DEFAULT_SOURCE_PORT, l.port)
                            });
                            undecided |= !s.unknown.is_empty();
                            if !s.ranges.is_empty() {
                                // The sample, and one address of each range (client IP
                                // preservation makes targets depend on the address).
                                let mut addrs: Vec<(IpAddr, Option<IpNet>)> = vec![(s.sample, s.ranges.iter().find(|r| r.contains(&s.sample)).copied())];
                                addrs.extend(s.ranges.iter().take(32).map(|r| (first_host(r), Some(*r))));
                                let (reached, via) = per.entry(u32::MAX).or_insert_with(|| (Reached::new(), node));
                                let before = reached.len();
                                for (a, net) in addrs {
                                    let tr = eval::evaluate_verdict(topo, &src_of(a), &dst, proto, DEFAULT_SOURCE_PORT, l.port);
                                    take(&tr, node, a, net, reached, &mut undecided);
                                }
                                if before == 0 {
                                    *via = node;
                                }
                                let o = outside.get_or_insert_with(|| (s.sample, false, Vec::new()));
                                o.1 |= s.all || s.all_v4 || s.all_v6;
                                o.2.extend(s.ranges.iter().copied());
                            }
                        }
                    }
                    for &c in &sources {
                        let rep = self.rep(c);
                        if !self.mx.reachable(rep, node, proto, l.port) {
                            continue;
                        }
                        let ip = self.rep_ip(c);
                        let tr = eval::evaluate_verdict(topo, &Endpoint::Eni { ix: rep, ip }, &dst, proto, DEFAULT_SOURCE_PORT, l.port);
                        let (reached, via) = per.entry(c).or_insert_with(|| (Reached::new(), node));
                        let before = reached.len();
                        take(&tr, node, ip, None, reached, &mut undecided);
                        if before == 0 {
                            *via = node;
                        }
                    }
                }
                if undecided {
                    unknown.push(format!("{}:{}", lb.name, l.port));
                }
                // Sources with the same targets share a node.
                let mut groups: BTreeMap<Vec<(u32, Ix, String, u16)>, (Vec<u32>, Vec<(u32, Ix)>, Reached)> = BTreeMap::new();
                for (src, (reached, node)) in per {
                    if reached.is_empty() {
                        continue;
                    }
                    let key: Vec<(u32, Ix, String, u16)> = reached.keys().cloned().collect();
                    let g = groups.entry(key).or_insert_with(|| (Vec::new(), Vec::new(), Reached::new()));
                    g.0.push(src);
                    g.1.push((src, node));
                    for (k, v) in reached {
                        g.2.entry(k).or_default().extend(v);
                    }
                }
                let several = groups.len() > 1;
                for (i, (_, (srcs, via, reached))) in groups.into_iter().enumerate() {
                    let label = if several {
                        format!("lb:{}:{}#{}", lb.name, l.port, i + 1)
                    } else {
                        format!("lb:{}:{}", lb.name, l.port)
                    };
                    let mut outs: Vec<LOut> = Vec::new();
                    for ((class, ix, target, port), mut peers) in reached {
                        peers.sort();
                        peers.dedup();
                        let ps: PortSet = vec![(Protocol::Tcp, vec![PortRange { from: port, to: port }])];
                        let ps = if proto == Protocol::Udp {
                            vec![(Protocol::Udp, vec![PortRange { from: port, to: port }])]
                        } else {
                            ps
                        };
                        let piv = !restrict(&ps, pivot).is_empty();
                        outs.push(LOut {
                            class,
                            ix,
                            target,
                            port,
                            ps,
                            peers,
                            pivot: piv,
                        });
                    }
                    let ins: Vec<u32> = srcs.iter().copied().filter(|&c| c != u32::MAX).collect();
                    let out_entry = if srcs.contains(&u32::MAX) { outside.clone() } else { None };
                    self.lst.push(LNode {
                        lb: li,
                        label,
                        protocol: proto,
                        port: l.port,
                        closable,
                        ins,
                        outside: out_entry,
                        via,
                        outs,
                    });
                }
            }
        }
        if !unknown.is_empty() {
            self.lb_notes.push(format!(
                "load balancer listeners forward to targets the snapshot cannot decide ({}): paths through those targets are not reported",
                unknown.join(", ")
            ));
        }
        self.lds = vec![FAR; self.lst.len()];
    }

    /// Distances from the source over entry and pivot edges, up to `k - 1`.
    fn forward(&mut self) {
        let n = self.mx.classes.len();
        let mut frontier: Vec<bool> = vec![false; n];
        match &self.source {
            Source::Interfaces(v) => {
                for &ix in v {
                    if let Some(c) = self.mx.class_of(ix) {
                        if self.mx.classes[c as usize].is_source {
                            self.ds[c as usize] = 0;
                            frontier[c as usize] = true;
                        }
                    }
                }
            }
            _ => {
                for (&c, e) in &self.entries {
                    if !restrict(&e.ports, &[(Protocol::Tcp, PortRange::ALL), (Protocol::Udp, PortRange::ALL)]).is_empty() {
                        self.ds[c as usize] = 1;
                        frontier[c as usize] = true;
                    }
                }
            }
        }
        let mut d: u8 = match self.source {
            Source::Interfaces(_) => 0,
            _ => 1,
        };
        // Listener nodes the outside (or a source class) connects to directly.
        for (l, ln) in self.lst.iter().enumerate() {
            let first = match self.source {
                Source::Interfaces(_) => ln.ins.iter().any(|&c| self.ds[c as usize] == 0),
                _ => ln.outside.is_some(),
            };
            if first && (self.k > 1) {
                self.lds[l] = 1;
            }
        }
        while (d as usize) + 1 < self.k && (frontier.iter().any(|x| *x) || self.lds.iter().any(|&x| x == d)) {
            let mut prefix = vec![0u32; n + 1];
            for i in 0..n {
                prefix[i + 1] = prefix[i] + frontier[i] as u32;
            }
            let mut next = vec![false; n];
            for b in 0..n {
                if self.ds[b] != FAR {
                    continue;
                }
                let hit = self.pivot_rows[b].iter().any(|(_, e)| e.from.iter().any(|&(lo, hi)| prefix[hi as usize + 1] > prefix[lo as usize]));
                if hit {
                    next[b] = true;
                }
            }
            // Through listeners at distance `d`: their targets are at `d + 1`.
            for (l, ln) in self.lst.iter().enumerate() {
                if self.lds[l] != d {
                    continue;
                }
                for o in ln.outs.iter().filter(|o| o.pivot) {
                    if self.ds[o.class as usize] == FAR {
                        next[o.class as usize] = true;
                    }
                }
            }
            // Listeners the frontier connects to are at `d + 1`.
            let mut next_l: Vec<usize> = Vec::new();
            for (l, ln) in self.lst.iter().enumerate() {
                if self.lds[l] == FAR && ln.ins.iter().any(|&c| frontier[c as usize]) {
                    next_l.push(l);
                }
            }
            d += 1;
            for b in 0..n {
                if next[b] {
                    self.ds[b] = d;
                }
            }
            if (d as usize) + 1 <= self.k {
                for l in next_l {
                    self.lds[l] = d;
                }
            }
            frontier = next;
        }
    }

    /// The final edges into a target: source classes with distance at most `k - 1` and
    /// their ports (an index into `sets`), and the ports the outside reaches it on directly.
    fn final_preds(&self, w: &Want) -> Preds {
        let t = w.class as usize;
        let ok = |a: u32| a as usize != t && self.ds[a as usize] != FAR && (self.ds[a as usize] as usize) < self.k;
        let direct = self.entries.get(&w.class).and_then(|e| match w.port {
            Some(p) => covers(&e.ports, p).then(|| vec![(Protocol::Tcp, vec![PortRange { from: p, to: p }])]),
            None => Some(e.ports.clone()),
        });
        match w.port {
            Some(p) => {
                let mut classes: Vec<(u32, u16)> = Vec::new();
                for e in self.all_rows[t].iter().filter(|e| e.protocol == Protocol::Tcp && e.ports.iter().any(|r| r.contains(p))) {
                    for &(lo, hi) in &e.from {
                        // Only classes near the source can be a last hop: walk those in the run.
                        let i = self.near.partition_point(|&c| c < lo);
                        classes.extend(self.near[i..].iter().take_while(|&&c| c <= hi).filter(|&&a| ok(a)).map(|&a| (a, 0u16)));
                    }
                }
                classes.sort_unstable();
                classes.dedup();
                Preds { classes, sets: vec![vec![(Protocol::Tcp, vec![PortRange { from: p, to: p }])]], direct }
            }
            None => {
                let mut out: BTreeMap<u32, PortSet> = BTreeMap::new();
                for (i, e) in &self.pivot_rows[t] {
                    for &(lo, hi) in &e.from {
                        for a in (lo..=hi).filter(|&a| ok(a)) {
                            let ps = out.entry(a).or_default();
                            for (proto, r) in &self.port_sets[*i as usize] {
                                add_ports(ps, *proto, r);
                            }
                        }
                    }
                }
                let mut sets: Vec<PortSet> = Vec::new();
                let mut ix: HashMap<PortSet, u16> = HashMap::default();
                let classes = out
                    .into_iter()
                    .map(|(a, ps)| {
                        let i = *ix.entry(ps.clone()).or_insert_with(|| {
                            sets.push(ps);
                            (sets.len() - 1) as u16
                        });
                        (a, i)
                    })
                    .collect();
                Preds { classes, sets, direct }
            }
        }
    }

    fn run(self, opts: &Options, method: Method, kept: usize) -> Paths {
        let n = self.mx.classes.len();
        let k = self.k;
        let preds: Vec<Preds> = self.wants.par_iter().map(|w| self.final_preds(w)).collect();
        // Distance to any target, over pivot edges, for pruning.
        let mut dt = vec![FAR; n];
        let mut frontier = vec![false; n];
        for p in &preds {
            for (a, _) in &p.classes {
                dt[*a as usize] = 1;
                frontier[*a as usize] = true;
            }
        }
        // Listener nodes with a final edge into a target.
        let nl = self.lst.len();
        let mut ldt = vec![FAR; nl];
        let mut lfrontier = vec![false; nl];
        for (l, ln) in self.lst.iter().enumerate() {
            if self.lds[l] != FAR && (self.lds[l] as usize) < k && self.wants.iter().any(|w| self.listener_final(ln, w).is_some()) {
                ldt[l] = 1;
                lfrontier[l] = true;
            }
        }
        let mut d = 1u8;
        while (d as usize) < k && (frontier.iter().any(|x| *x) || lfrontier.iter().any(|x| *x)) {
            // Listeners into the class frontier, and classes into the listener frontier.
            let mut next_l = vec![false; nl];
            let mut via_l: Vec<u32> = Vec::new();
            for (l, ln) in self.lst.iter().enumerate() {
                if ldt[l] == FAR && self.lds[l] != FAR && self.lds[l] as usize + d as usize + 1 <= k && ln.outs.iter().any(|o| o.pivot && frontier[o.class as usize]) {
                    next_l[l] = true;
                }
                if lfrontier[l] {
                    via_l.extend(ln.ins.iter().copied());
                }
            }
            let mut diff = vec![0i32; n + 1];
            for &a in &via_l {
                diff[a as usize] += 1;
                diff[a as usize + 1] -= 1;
            }
            for b in 0..n {
                if !frontier[b] {
                    continue;
                }
                for (_, e) in &self.pivot_rows[b] {
                    for &(lo, hi) in &e.from {
                        diff[lo as usize] += 1;
                        diff[hi as usize + 1] -= 1;
                    }
                }
            }
            let mut next = vec![false; n];
            let mut acc = 0i32;
            for c in 0..n {
                acc += diff[c];
                if acc > 0 && dt[c] == FAR && self.ds[c] != FAR && self.ds[c] as usize + d as usize + 1 <= k {
                    dt[c] = d + 1;
                    next[c] = true;
                }
            }
            frontier = next;
            for l in 0..nl {
                if next_l[l] {
                    ldt[l] = d + 1;
                }
            }
            lfrontier = next_l;
            d += 1;
        }
        let relevant = |c: usize| self.ds[c] != FAR && dt[c] != FAR && self.ds[c] as usize + dt[c] as usize <= k;
        let l_relevant = |l: usize| self.lds[l] != FAR && ldt[l] != FAR && self.lds[l] as usize + ldt[l] as usize <= k;
        // The pruned graph.
        let mut g: DiGraph<Node, EdgeW> = DiGraph::new();
        let mut node_of = vec![None; n];
        let outside = match self.source {
            Source::Interfaces(_) => None,
            _ => Some(g.add_node(Node::Outside)),
        };
        for c in 0..n {
            if relevant(c) {
                node_of[c] = Some(g.add_node(Node::Class(c as u32)));
            }
        }
        let mut lnode_of: Vec<Option<NodeIndex>> = vec![None; nl];
        for (l, slot) in lnode_of.iter_mut().enumerate() {
            if l_relevant(l) {
                *slot = Some(g.add_node(Node::Listener(l as u32)));
            }
        }
        let mut entry_sets: Vec<(u32, u32)> = Vec::new();
        let mut port_sets = self.port_sets.clone();
        if let Some(o) = outside {
            for (&c, e) in &self.entries {
                if let Some(v) = node_of[c as usize] {
                    port_sets.push(e.ports.clone());
                    let ix = (port_sets.len() - 1) as u32;
                    g.add_edge(o, v, EdgeW { ports: ix });
                    entry_sets.push((c, ix));
                }
            }
        }
        let mut combined: HashMap<Vec<u32>, u32> = HashMap::default();
        for b in 0..n {
            let Some(vb) = node_of[b] else { continue };
            let mut incoming: Vec<(u32, u32)> = Vec::new();
            for (ps, e) in &self.pivot_rows[b] {
                for &(lo, hi) in &e.from {
                    for a in lo..=hi {
                        let au = a as usize;
                        if au != b && node_of[au].is_some() && self.ds[au] as usize + 1 + dt[b] as usize <= k {
                            incoming.push((a, *ps));
                        }
                    }
                }
            }
            incoming.sort_unstable();
            let mut i = 0;
            while i < incoming.len() {
                let a = incoming[i].0;
                let mut sets = Vec::new();
                while i < incoming.len() && incoming[i].0 == a {
                    sets.push(incoming[i].1);
                    i += 1;
                }
                sets.dedup();
                let ix = if sets.len() == 1 {
                    sets[0]
                } else {
                    *combined.entry(sets.clone()).or_insert_with(|| {
                        let mut ps = PortSet::new();
                        for s in &sets {
                            for (p, r) in &self.port_sets[*s as usize] {
                                add_ports(&mut ps, *p, r);
                            }
                        }
                        port_sets.push(ps);
                        (port_sets.len() - 1) as u32
                    })
                };
                if let Some(va) = node_of[a as usize] {
                    g.add_edge(va, vb, EdgeW { ports: ix });
                }
            }
        }
        // Edges into and out of listener nodes.
        for (l, ln) in self.lst.iter().enumerate() {
            let Some(vl) = lnode_of[l] else { continue };
            let lps: PortSet = vec![(ln.protocol, vec![PortRange { from: ln.port, to: ln.port }])];
            port_sets.push(lps);
            let lpi = (port_sets.len() - 1) as u32;
            if let (Some(o), Some(_)) = (outside, &ln.outside) {
                g.add_edge(o, vl, EdgeW { ports: lpi });
            }
            for &a in &ln.ins {
                if let Some(va) = node_of[a as usize] {
                    if self.ds[a as usize] as usize + 1 + ldt[l] as usize <= k {
                        g.add_edge(va, vl, EdgeW { ports: lpi });
                    }
                }
            }
            for o in ln.outs.iter().filter(|o| o.pivot) {
                if let Some(vc) = node_of[o.class as usize] {
                    if self.lds[l] as usize + 1 + dt[o.class as usize] as usize <= k && dt[o.class as usize] != FAR {
                        port_sets.push(o.ps.clone());
                        g.add_edge(vl, vc, EdgeW { ports: (port_sets.len() - 1) as u32 });
                    }
                }
            }
        }
        let sources: Vec<NodeIndex> = match (&self.source, outside) {
            (_, Some(o)) => vec![o],
            (Source::Interfaces(_), None) => (0..n).filter(|&c| self.ds[c] == 0).filter_map(|c| node_of[c]).collect(),
            _ => Vec::new(),
        };
        let layers = match outside {
            // Paths through listener nodes are answered by the search.
            Some(o) if k <= 3 && method == Method::Layered && !lnode_of.iter().any(Option::is_some) => Some(Layers::new(&g, o, &port_sets)),
            _ => None,
        };
        let ctx = Ctx {
            b: &self,
            edge_rules: (0..g.edge_count()).map(|_| std::sync::OnceLock::new()).collect(),
            hop_cache: std::sync::Mutex::new(HashMap::default()),
            g: &g,
            node_of: &node_of,
            lnode_of: &lnode_of,
            port_sets: &port_sets,
            sources: &sources,
            outside,
            layers: layers.as_ref(),
            kept,
        };
        let mut targets: Vec<TargetPaths> = self.wants.par_iter().zip(preds.par_iter()).map(|(w, p)| ctx.target(w, p, opts.top)).collect();
        targets.sort_by(|a, b| {
            (a.shortest_hops.is_none(), a.shortest_hops, std::cmp::Reverse(a.paths_total), a.target.class, a.port)
                .cmp(&(b.shortest_hops.is_none(), b.shortest_hops, std::cmp::Reverse(b.paths_total), b.target.class, b.port))
        });
        let listener_finals: usize = self
            .wants
            .iter()
            .map(|w| self.lst.iter().enumerate().filter(|(l, ln)| lnode_of[*l].is_some() && self.listener_final(ln, w).is_some()).count())
            .sum();
        let final_edges = preds.iter().map(|p| p.classes.len() + p.direct.is_some() as usize).sum::<usize>() + listener_finals;
        let source = match &self.source {
            Source::Internet => "internet".to_string(),
            Source::OnPrem => "onprem".to_string(),
            Source::Interfaces(v) => v.iter().map(|&i| self.topo.model.enis[i].id.to_string()).collect::<Vec<_>>().join(","),
        };
        let mut notes = vec![
            "edges are pairs the evaluator finds reachable (request and reply); a pair whose answer is unknown is not an edge, so a path through one is not reported".to_string(),
        ];
        if !self.undecided.is_empty() {
            notes.push(format!("{} entries from the outside are undecided (see undecided_entries): paths through them are not reported", self.undecided.len()));
        }
        // Load balancers relay through their listeners' nodes; what they leave undecided
        // is said.
        notes.extend(self.lb_notes.iter().cloned());
        Paths {
            source,
            targets,
            graph: GraphStats {
                nodes: g.node_count(),
                edges: g.edge_count(),
                final_edges,
                classes: n,
                reachable_class_pairs: self.mx.stats.reachable_class_pairs,
                max_hops: k,
            },
            undecided_entries: self.undecided,
            notes,
        }
    }
}

/// The (protocol, port piece) pairs worth sweeping for an interface: the parts of `wanted`
/// that an ingress rule with an address peer admits, cut at every port bound of the
/// subnet's network ACL (inside a piece every rule answers alike).
fn entry_pieces(topo: &Topology<'_>, ix: Ix, wanted: &[(Protocol, PortRange)], internet: bool) -> Vec<(Protocol, PortRange)> {
    let m = topo.model;
    let e = &m.enis[ix];
    let mut out = Vec::new();
    let acl = topo.eni_subnet_ix(ix).and_then(|s| topo.nacl_of(s));
    for proto in [Protocol::Tcp, Protocol::Udp] {
        let want: Vec<PortRange> = merge(wanted.iter().filter(|(p, _)| *p == proto).map(|(_, r)| *r).collect());
        let mut admitted: Vec<PortRange> = Vec::new();
        for g in &e.security_groups {
            let Some(g) = topo.sg(g.as_str()) else { continue };
            for r in &g.ingress {
                if !r.protocol.covers(proto) || matches!(r.peer, SgPeer::Group(_)) {
                    continue;
                }
                if internet {
                    let peers: Vec<IpNet> = match &r.peer {
                        SgPeer::Cidr(c) => vec![*c],
                        SgPeer::PrefixList(p) => topo.prefix_list_cidrs(p).to_vec(),
                        SgPeer::Group(_) => Vec::new(),
                    };
                    if !peers.iter().any(|c| !crate::model::is_special_net(c) || c.prefix_len() == 0 || c.addr().is_ipv6()) {
                        continue;
                    }
                }
                match r.l4 {
                    L4Match::Any => admitted.push(PortRange::ALL),
                    L4Match::Ports(p) => admitted.push(p),
                    L4Match::Icmp(_) => {}
                }
            }
        }
        let pieces = intersect(&merge(admitted), &want);
        let mut cuts: Vec<u32> = Vec::new();
        if let Some(acl) = acl {
            for en in acl.ingress.iter().chain(&acl.egress) {
                if let L4Match::Ports(p) = en.l4 {
                    cuts.push(p.from as u32);
                    cuts.push(p.to as u32 + 1);
                }
            }
        }
        for (_, r) in wanted.iter().filter(|(p, _)| *p == proto) {
            cuts.push(r.from as u32);
            cuts.push(r.to as u32 + 1);
        }
        cuts.sort_unstable();
        cuts.dedup();
        for piece in pieces {
            let mut lo = piece.from as u32;
            for &c in cuts.iter().filter(|&&c| c > piece.from as u32 && c <= piece.to as u32) {
                out.push((proto, PortRange { from: lo as u16, to: (c - 1) as u16 }));
                lo = c;
            }
            out.push((proto, PortRange { from: lo as u16, to: piece.to }));
        }
    }
    out
}

struct Ctx<'a, 't, 'm, 'x> {
    b: &'a Builder<'t, 'm, 'x>,
    /// Per graph edge: the rules that admit it (computed once, shared by every target).
    edge_rules: Vec<std::sync::OnceLock<Vec<(SgId, u32, SgRule)>>>,
    /// Hops already described (the same hop is on many targets' paths).
    hop_cache: std::sync::Mutex<HashMap<(NodeIndex, u32, String), PathHop>>,
    g: &'a DiGraph<Node, EdgeW>,
    node_of: &'a [Option<NodeIndex>],
    lnode_of: &'a [Option<NodeIndex>],
    port_sets: &'a [PortSet],
    sources: &'a [NodeIndex],
    outside: Option<NodeIndex>,
    /// The layered view of the graph when the question allows it (from the outside, at most
    /// three hops).
    layers: Option<&'a Layers>,
    /// Shortest paths kept per target before ranking (`SHORTEST_KEPT`).
    kept: usize,
}

/// Paths from the outside of at most three hops have a fixed shape: `outside -> a -> t`,
/// `outside -> a -> b -> t` (every `a` an entry node, every `b` a last hop), or the direct
/// edge. Walks of that shape are simple paths (no edge loops on a class, the target is never
/// a middle hop), so a target's count, shortest length and shortest paths follow from its last
/// hops and, per last hop, the entry nodes with an edge into it. This index holds those, built
/// once for the graph; per target the work is then proportional to its last hops and to the
/// three-hop paths it lists, not to the graph.
struct Layers {
    /// Per node: the entry edge from the outside into it.
    entry: Vec<Option<EdgeIndex>>,
    /// Per node `b`, `into[start[b]..start[b + 1]]`: every entry node `a` with an edge
    /// `a -> b`, and that edge.
    start: Vec<usize>,
    into: Vec<(NodeIndex, EdgeIndex)>,
    /// Per edge: how many ports it is open on.
    width: Vec<u64>,
}

impl Layers {
    fn new(g: &DiGraph<Node, EdgeW>, o: NodeIndex, port_sets: &[PortSet]) -> Layers {
        let n = g.node_count();
        let mut entry = vec![None; n];
        for e in g.edges(o) {
            entry[e.target().index()] = Some(e.id());
        }
        let from_entry = |e: &petgraph::graph::EdgeReference<'_, EdgeW>| e.source() != o && entry[e.source().index()].is_some();
        let mut start = vec![0usize; n + 1];
        for e in g.edge_references().filter(from_entry) {
            start[e.target().index() + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut into = vec![(NodeIndex::new(0), EdgeIndex::new(0)); start[n]];
        for e in g.edge_references().filter(from_entry) {
            let b = e.target().index();
            into[fill[b]] = (e.source(), e.id());
            fill[b] += 1;
        }
        let width = g.edge_references().map(|e| port_sets.get(e.weight().ports as usize).map_or(0, |ps| width(ps))).collect();
        Layers { entry, start, into, width }
    }

    fn into(&self, b: NodeIndex) -> &[(NodeIndex, EdgeIndex)] {
        match (self.start.get(b.index()), self.start.get(b.index() + 1)) {
            (Some(&lo), Some(&hi)) => &self.into[lo..hi],
            _ => &[],
        }
    }
}

/// A path found by the search: the graph edges, then the final edge's source node.
struct Found {
    edges: Vec<EdgeIndex>,
    width: u64,
}

impl Ctx<'_, '_, '_, '_> {
    fn ds(&self, v: NodeIndex) -> usize {
        match self.g[v] {
            Node::Outside => 0,
            Node::Class(c) => self.b.ds[c as usize] as usize,
            Node::Listener(l) => self.b.lds[l as usize] as usize,
        }
    }

    fn target(&self, w: &Want, preds: &Preds, top: usize) -> TargetPaths {
        let tnode = self.b.mx.classes.get(w.class as usize).and_then(|_| self.node_of[w.class as usize]);
        // Final edges by source node.
        let mut at: Vec<(NodeIndex, &PortSet)> = Vec::with_capacity(preds.classes.len() + 1);
        for (a, i) in &preds.classes {
            if let (Some(v), Some(ps)) = (self.node_of[*a as usize], preds.sets.get(*i as usize)) {
                at.push((v, ps));
            }
        }
        if let (Some(o), Some(ps)) = (self.outside, &preds.direct) {
            at.push((o, ps));
        }
        for (l, ln) in self.b.lst.iter().enumerate() {
            if let (Some(v), Some(ps)) = (self.lnode_of[l], self.b.listener_final(ln, w)) {
                if self.b.lds[l] as usize <= self.b.k.saturating_sub(1) {
                    at.push((v, ps));
                }
            }
        }
        let fin = Fin::new(at);
        let mut result = match (self.layers, self.outside) {
            (Some(lay), Some(o)) => self.target_layered(w, &fin, tnode, o, lay, top),
            _ => self.target_search(w, &fin, tnode, top),
        };
        if result.shortest_hops.is_some() && !self.b.closable[w.class as usize] {
            let m = self.b.topo.model;
            let mut missing: Vec<String> = w.members.iter().flat_map(|&i| &m.enis[i].security_groups).filter(|g| self.b.topo.sg(g.as_str()).is_none()).map(|g| g.to_string()).collect();
            missing.sort();
            missing.dedup();
            result.cut_missing_groups = missing;
        }
        result
    }

    /// Distance to the target (hops, final edge included) per node, by reverse search.
    fn distances(&self, fin: &Fin<'_>, tnode: Option<NodeIndex>) -> Dt {
        let k = self.b.k;
        let g = self.g;
        let mut dt = Dt(vec![usize::MAX; g.node_count()]);
        let mut q = VecDeque::new();
        for &v in &fin.keys {
            if self.ds(v) < k {
                dt.insert(v, 1);
                q.push_back(v);
            }
        }
        while let Some(v) = q.pop_front() {
            let d = dt[&v];
            for u in g.neighbors_directed(v, Towards::Incoming) {
                if Some(u) == tnode || dt.contains_key(&u) || self.ds(u) + d + 1 > k {
                    continue;
                }
                dt.insert(u, d + 1);
                q.push_back(u);
            }
        }
        dt
    }

    fn empty_result(&self, w: &Want, shortest: Option<usize>) -> TargetPaths {
        TargetPaths {
            target: self.describe_target(w),
            port: w.port,
            shortest_hops: shortest,
            paths_total: 0,
            paths_total_capped: false,
            paths: Vec::new(),
            cut: Vec::new(),
            cut_minimal: true,
            cut_edges: Vec::new(),
            cut_edges_total: 0,
            cut_missing_groups: Vec::new(),
        }
    }

    /// One target from the outside in at most three hops, over [`Layers`]: the same answer
    /// as [`Ctx::target_search`] (the count the walks give, the shortest paths the search
    /// would keep, the same cut), without a search over the graph per target.
    fn target_layered(&self, w: &Want, fin: &Fin<'_>, tnode: Option<NodeIndex>, o: NodeIndex, lay: &Layers, top: usize) -> TargetPaths {
        let k = self.b.k;
        let direct = fin.contains_key(&o);
        // Last hops other than the outside, in node order.
        let mut last: Vec<NodeIndex> = fin.keys.iter().copied().filter(|v| *v != o).collect();
        last.sort_unstable();
        let two: Vec<NodeIndex> = if k >= 2 { last.iter().copied().filter(|v| lay.entry[v.index()].is_some()).collect() } else { Vec::new() };
        let mut three = 0u64;
        if k >= 3 {
            for &b in &last {
                three = three.saturating_add(lay.into(b).len() as u64);
            }
            // A walk through the target's own class is no path.
            if let Some(t) = tnode.filter(|t| lay.entry[t.index()].is_some()) {
                let back = self.g.edges(t).filter(|e| e.target() != o && fin.contains_key(&e.target())).count() as u64;
                three = three.saturating_sub(back);
            }
        }
        let shortest = if direct {
            Some(1)
        } else if !two.is_empty() {
            Some(2)
        } else if three > 0 {
            Some(3)
        } else {
            None
        };
        let mut result = self.empty_result(w, shortest);
        let Some(shortest) = shortest else { return result };
        result.paths_total = (direct as u64).saturating_add(two.len() as u64).saturating_add(three);
        // The shortest paths the search keeps: at most `SHORTEST_KEPT`, the first in its order (entry
        // edges newest first, then each entry node's edges newest first), then the most
        // widely open.
        let fin_width = |v: NodeIndex| fin.get(&v).map_or(0, |ps| width(ps));
        // Candidates as (width, first edge, second edge): one path each, the same length.
        let mut cands: Vec<(u64, u32, u32)> = match shortest {
            1 => vec![(fin_width(o), 0, 0)],
            2 => two.iter().filter_map(|&a| lay.entry[a.index()].map(|e| (lay.width[e.index()] + fin_width(a), e.index() as u32, 0))).collect(),
            _ => {
                let mut v = Vec::new();
                for &b in &last {
                    let wb = fin_width(b);
                    for &(a, e2) in lay.into(b) {
                        if Some(a) == tnode {
                            continue;
                        }
                        let Some(e1) = lay.entry[a.index()] else { continue };
                        v.push((lay.width[e1.index()] + lay.width[e2.index()] + wb, e1.index() as u32, e2.index() as u32));
                    }
                }
                v
            }
        };
        if cands.len() > self.kept {
            cands.sort_unstable_by_key(|c| std::cmp::Reverse((c.1, c.2)));
            cands.truncate(self.kept);
        }
        cands.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| (a.1, a.2).cmp(&(b.1, b.2))));
        let found: Vec<Found> = cands
            .iter()
            .take(top)
            .map(|&(width, e1, e2)| Found {
                edges: match shortest {
                    1 => Vec::new(),
                    2 => vec![EdgeIndex::new(e1 as usize)],
                    _ => vec![EdgeIndex::new(e1 as usize), EdgeIndex::new(e2 as usize)],
                },
                width,
            })
            .collect();
        result.paths = found.iter().take(top).map(|f| self.describe_path(f, w, fin)).collect();
        let (cut, edges, total, minimal) = match self.rule_cut(fin, w, tnode, o, lay) {
            Some(c) => c,
            None => self.min_cut(&self.distances(fin, tnode), fin, tnode, w),
        };
        result.cut = cut;
        result.cut_edges = edges;
        result.cut_edges_total = total;
        result.cut_minimal = minimal;
        result
    }

    /// The final edges' admitting rules, as [`Ctx::min_cut`] links them.
    fn final_rules(&self, v: NodeIndex, to_class: u32, ps: &PortSet, target_rules: &[(SgId, u32, SgRule)]) -> Vec<(SgId, u32, SgRule)> {
        let peer = match self.g[v] {
            Node::Outside => Peer::Outside,
            Node::Class(c) => Peer::Address(self.b.rep_ip(c)),
            // Layered answers have no listener nodes.
            Node::Listener(_) => return Vec::new(),
        };
        if !self.b.closable[to_class as usize] {
            Vec::new()
        } else if target_rules.len() == 1 && !matches!(peer, Peer::Outside) {
            target_rules.to_vec()
        } else {
            admitting_rules(self.b, &peer, to_class, ps)
        }
    }

    /// The cut at the target when it is a minimum cut, without building the flow network.
    ///
    /// Let `R` be the rules that admit the final edges (every final edge admitted by at least
    /// one). Revoking `R` cuts every path, so the maximum flow is at most `|R|`. When `|R|`
    /// paths can be found that use each rule of `R` once and each rule into a middle class at
    /// most once (rules are the unit arcs of [`Ctx::min_cut`]'s network), the flow is `|R|`,
    /// every arc into the sink is saturated, and the cut nearest the target, the one
    /// [`Ctx::min_cut`] reports, is `R`. With one rule, one path is the shortest path. `None`
    /// when the paths are not found greedily (the flow network decides then).
    fn rule_cut(&self, fin: &Fin<'_>, w: &Want, tnode: Option<NodeIndex>, o: NodeIndex, lay: &Layers) -> Option<(Vec<CutRule>, Vec<String>, usize, bool)> {
        if !self.b.closable[w.class as usize] {
            return None;
        }
        let topo = self.b.topo;
        let target_rules: Vec<(SgId, u32, SgRule)> = match w.port {
            Some(p) => candidate_rules(self.b, w.class, &[(Protocol::Tcp, vec![PortRange { from: p, to: p }])]),
            None => Vec::new(),
        };
        let mut keys = fin.keys.clone();
        keys.sort_unstable();
        // The rules in the order the flow network creates them, each with the final edges it
        // admits (source nodes, in node order) and the port of the first.
        let mut rules: Vec<(SgId, u32, SgRule, u16, Vec<NodeIndex>)> = Vec::new();
        let mut admits: Vec<Vec<u32>> = Vec::with_capacity(keys.len());
        let rep = &topo.model.enis[self.b.rep(w.class)];
        for &v in &keys {
            let ps = fin.get(&v)?;
            let owned;
            let list: Vec<&(SgId, u32, SgRule)> = match (self.g[v], w.port) {
                (Node::Class(_), Some(_)) if target_rules.len() == 1 => target_rules.iter().collect(),
                // With a port, the final edge's port set is that port, so the rules that admit
                // it are the target's rules on the port that match the peer.
                (Node::Class(c), Some(_)) => {
                    let ip = self.b.rep_ip(c);
                    target_rules.iter().filter(|(_, _, r)| sg::peer_matches(topo, &r.peer, ip, &rep.vpc, Direction::Ingress)).collect()
                }
                _ => {
                    owned = self.final_rules(v, w.class, ps, &target_rules);
                    owned.iter().collect()
                }
            };
            if list.is_empty() {
                return None;
            }
            let mut mine = Vec::with_capacity(list.len());
            for (g, i, r) in list.iter().copied() {
                let j = match rules.iter().position(|x| &x.0 == g && x.1 == *i) {
                    Some(j) => j,
                    None => {
                        if rules.len() >= CUT_CAP {
                            return None;
                        }
                        rules.push((g.clone(), *i, r.clone(), first_port(ps).1, Vec::new()));
                        rules.len() - 1
                    }
                };
                if !mine.contains(&(j as u32)) {
                    mine.push(j as u32);
                    rules[j].4.push(v);
                }
            }
            admits.push(mine);
        }
        if rules.len() > 1 && !self.rule_paths(&keys, &admits, rules.len(), tnode, o, lay) {
            return None;
        }
        let to_id = &topo.model.enis[self.b.rep(w.class)].id;
        let mut edges: Vec<String> = Vec::new();
        let mut total = 0usize;
        let cut = rules
            .into_iter()
            .map(|(g, _, r, port, es)| {
                let labels: Vec<String> = es.iter().take(EDGES_SHOWN).map(|v| format!("{} -> {to_id}", self.label(*v).0)).collect();
                edges.extend(labels.iter().cloned());
                total += es.len();
                CutRule { id: g.to_string(), kind: "security-group-rule".into(), rule: format!("inbound {r}"), edges_total: es.len(), edges: labels, fix: audit::revoke_fix(&g, &r, port) }
            })
            .collect();
        edges.sort();
        edges.dedup();
        Some((cut, edges, total, true))
    }

    /// Whether one path per final rule is found, each using its final rule and rules into
    /// middle classes no other path uses (an edge no rule closes is never used up). Greedy:
    /// a failure proves nothing; the search is bounded.
    fn rule_paths(&self, keys: &[NodeIndex], admits: &[Vec<u32>], n: usize, tnode: Option<NodeIndex>, o: NodeIndex, lay: &Layers) -> bool {
        // Rules into middle classes already used: (class, group position, rule position).
        let mut used: Vec<(u32, usize, u32)> = Vec::new();
        let mut budget = 20_000usize;
        let k = self.b.k;
        for j in 0..n as u32 {
            let mut done = false;
            for (&v, list) in keys.iter().zip(admits) {
                if done || !list.contains(&j) {
                    continue;
                }
                if v == o {
                    done = true;
                    continue;
                }
                // Two hops: outside -> v -> target.
                if let Some(e1) = lay.entry[v.index()] {
                    if let Some(key) = self.free_rule(e1, &used) {
                        used.extend(key);
                        done = true;
                        continue;
                    }
                }
                // Three hops: outside -> a -> v -> target.
                if k < 3 {
                    continue;
                }
                for &(a, e2) in lay.into(v) {
                    if budget == 0 {
                        return false;
                    }
                    budget -= 1;
                    if Some(a) == tnode {
                        continue;
                    }
                    let Some(e1) = lay.entry[a.index()] else { continue };
                    let Some(k2) = self.free_rule(e2, &used) else { continue };
                    used.extend(k2);
                    match self.free_rule(e1, &used) {
                        Some(k1) => {
                            used.extend(k1);
                            done = true;
                            break;
                        }
                        None => {
                            if k2.is_some() {
                                used.pop();
                            }
                        }
                    }
                }
            }
            if !done {
                return false;
            }
        }
        true
    }

    /// A rule into the head of edge `e` that no path uses yet: `Some(None)` when nothing
    /// closes the edge (no unit arc to use up), `None` when every rule is used.
    fn free_rule(&self, e: EdgeIndex, used: &[(u32, usize, u32)]) -> Option<Option<(u32, usize, u32)>> {
        let (from, to) = self.g.edge_endpoints(e)?;
        let Node::Class(to_class) = self.g[to] else { return None };
        if !self.b.closable[to_class as usize] {
            return Some(None);
        }
        let peer = match self.g[from] {
            Node::Outside => Peer::Outside,
            Node::Class(c) => Peer::Address(self.b.rep_ip(c)),
            // Layered answers have no listener nodes.
            Node::Listener(_) => return Some(None),
        };
        let ps = self.port_sets.get(self.g[e].ports as usize)?;
        let rules = self.edge_rules.get(e.index())?.get_or_init(|| admitting_rules(self.b, &peer, to_class, ps));
        if rules.is_empty() {
            return Some(None);
        }
        let topo = self.b.topo;
        rules.iter().map(|(g, i, _)| (to_class, topo.sg_ix(g.as_str()).unwrap_or(usize::MAX), *i)).find(|key| !used.contains(key)).map(Some)
    }

    /// One target by search: distances to it, walks or a capped search for the count, the
    /// shortest paths, and the minimum cut.
    fn target_search(&self, w: &Want, fin: &Fin<'_>, tnode: Option<NodeIndex>, top: usize) -> TargetPaths {
        let k = self.b.k;
        let g = self.g;
        let dt = self.distances(fin, tnode);
        let shortest = self.sources.iter().filter_map(|s| dt.get(s)).min().copied();
        let mut result = self.empty_result(w, shortest);
        let Some(shortest) = shortest else { return result };
        // Count every simple path up to k (by dynamic programming where walks are simple
        // paths: from the outside in at most 3 hops, since no edge loops on a class and the
        // target's class is never a middle hop; by search with a cap otherwise), and keep
        // the shortest ones.
        let mut found: Vec<Found> = Vec::new();
        let mut count = 0u64;
        let mut on_path: Vec<bool> = vec![false; g.node_count()];
        let dp = self.outside.is_some() && k <= 3;
        if dp {
            let mut memo = vec![u64::MAX; g.node_count() * (k + 1)];
            for &s in self.sources {
                count = count.saturating_add(self.walks(s, k, &dt, fin, tnode, &mut memo));
            }
        }
        for &s in self.sources {
            if Some(s) == tnode || !dt.contains_key(&s) {
                continue;
            }
            let mut stack = Vec::new();
            on_path[s.index()] = true;
            let mut n = 0u64;
            let cap = if dp { Some(shortest) } else { None };
            self.dfs(s, &mut stack, &mut on_path, &dt, fin, tnode, shortest, cap, &mut n, &mut found);
            on_path[s.index()] = false;
            if !dp {
                count += n;
            }
            if count >= PATH_COUNT_CAP && !dp {
                break;
            }
        }
        let capped = !dp && count >= PATH_COUNT_CAP;
        let count = if dp { count } else { count.min(PATH_COUNT_CAP) };
        result.paths_total = count;
        result.paths_total_capped = capped;
        found.sort_by(|a, b| b.width.cmp(&a.width).then_with(|| a.edges.cmp(&b.edges)));
        result.paths = found.iter().take(top).map(|f| self.describe_path(f, w, fin)).collect();
        let (cut, edges, total, minimal) = self.min_cut(&dt, fin, tnode, w);
        result.cut = cut;
        result.cut_edges = edges;
        result.cut_edges_total = total;
        result.cut_minimal = minimal;
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn dfs(
        &self,
        v: NodeIndex,
        stack: &mut Vec<EdgeIndex>,
        on_path: &mut [bool],
        dt: &Dt,
        fin: &Fin<'_>,
        tnode: Option<NodeIndex>,
        shortest: usize,
        only: Option<usize>,
        count: &mut u64,
        found: &mut Vec<Found>,
    ) {
        if *count >= PATH_COUNT_CAP || (only.is_some() && found.len() >= self.kept) {
            return;
        }
        let depth = stack.len();
        let limit = only.unwrap_or(self.b.k);
        if let Some(ps) = fin.get(&v) {
            if depth < self.b.k {
                *count += 1;
                if depth + 1 == shortest && found.len() < self.kept {
                    let width = stack.iter().map(|e| width(&self.port_sets[self.g[*e].ports as usize])).sum::<u64>() + width(ps);
                    found.push(Found { edges: stack.clone(), width });
                }
            }
        }
        if depth + 2 > limit {
            return;
        }
        for e in self.g.edges(v) {
            let w = e.target();
            if on_path[w.index()] || Some(w) == tnode {
                continue;
            }
            let Some(&d) = dt.get(&w) else { continue };
            if depth + 1 + d > limit {
                continue;
            }
            on_path[w.index()] = true;
            stack.push(e.id());
            self.dfs(w, stack, on_path, dt, fin, tnode, shortest, only, count, found);
            stack.pop();
            on_path[w.index()] = false;
            if *count >= PATH_COUNT_CAP || (only.is_some() && found.len() >= self.kept) {
                return;
            }
        }
    }

    /// Walks from `v` to the target in at most `r` hops (memoised).
    fn walks(&self, v: NodeIndex, r: usize, dt: &Dt, fin: &Fin<'_>, tnode: Option<NodeIndex>, memo: &mut [u64]) -> u64 {
        if r == 0 {
            return 0;
        }
        let slot = v.index() * (self.b.k + 1) + r;
        if let Some(&n) = memo.get(slot).filter(|n| **n != u64::MAX) {
            return n;
        }
        let mut n = fin.contains_key(&v) as u64;
        if r >= 2 {
            for e in self.g.edges(v) {
                let w = e.target();
                if Some(w) == tnode || dt.get(&w).is_none_or(|&d| d > r - 1) {
                    continue;
                }
                n = n.saturating_add(self.walks(w, r - 1, dt, fin, tnode, memo));
            }
        }
        if let Some(m) = memo.get_mut(slot) {
            *m = n.min(u64::MAX - 1);
        }
        n
    }

    fn describe_target(&self, w: &Want) -> Target {
        let topo = self.b.topo;
        let rep = w.members[0];
        let l = audit::listener(topo, rep);
        Target {
            resource: audit::eni_resource(topo, rep, &l),
            class: w.class,
            interfaces: w.members.iter().map(|&i| topo.model.enis[i].id.to_string()).collect(),
        }
    }

    fn label(&self, v: NodeIndex) -> (String, Option<String>, Option<u32>) {
        match self.g[v] {
            Node::Outside => (if self.b.source == Source::OnPrem { "onprem" } else { "internet" }.to_string(), None, None),
            Node::Class(c) => {
                let e = &self.b.topo.model.enis[self.b.rep(c)];
                (e.id.to_string(), self.b.topo.name_of(e.id.as_str()).map(str::to_string), Some(c))
            }
            Node::Listener(l) => {
                let ln = &self.b.lst[l as usize];
                (ln.label.clone(), Some(self.b.topo.model.load_balancers[ln.lb].name.clone()), None)
            }
        }
    }

    /// The name of a rule node's destination: a class's representative, or a listener node.
    fn dest_label(&self, to: u32) -> String {
        let n = self.b.mx.classes.len() as u32;
        if to < n {
            self.b.topo.model.enis[self.b.rep(to)].id.to_string()
        } else {
            self.b.lst.get((to - n) as usize).map_or_else(String::new, |ln| ln.label.clone())
        }
    }

    fn describe_path(&self, f: &Found, w: &Want, fin: &Fin<'_>) -> AttackPath {
        let mut hops = Vec::new();
        for &e in &f.edges {
            let (a, b) = self.g.edge_endpoints(e).unwrap_or((NodeIndex::new(0), NodeIndex::new(0)));
            let ps = &self.port_sets[self.g[e].ports as usize];
            match (self.g[a], self.g[b]) {
                (_, Node::Listener(l)) => hops.push(self.hop_into_listener(a, l)),
                (Node::Listener(l), Node::Class(bc)) => hops.push(self.hop_out_of_listener(self.prev(f, e), l, bc, ps)),
                (_, Node::Class(bc)) => hops.push(self.hop(a, bc, ps)),
                _ => {}
            }
        }
        let last = f.edges.last().and_then(|e| self.g.edge_endpoints(*e)).map(|(_, b)| b).or_else(|| self.sources.first().copied());
        if let Some(v) = last {
            if let Some(ps) = fin.get(&v) {
                match self.g[v] {
                    Node::Listener(l) => hops.push(self.hop_out_of_listener(f.edges.last().and_then(|e| self.g.edge_endpoints(*e)).map(|(a, _)| a), l, w.class, ps)),
                    _ => hops.push(self.hop(v, w.class, ps)),
                }
            }
        }
        AttackPath { hops }
    }

    /// The node path `f` enters the tail of edge `e` from (the tail of the edge before).
    fn prev(&self, f: &Found, e: EdgeIndex) -> Option<NodeIndex> {
        let i = f.edges.iter().position(|x| *x == e)?;
        f.edges.get(i.checked_sub(1)?).and_then(|p| self.g.edge_endpoints(*p)).map(|(a, _)| a)
    }

    /// The hop into a listener node: the client's connection to the load balancer's node,
    /// with the rules that admit it before the listener takes it (and on the reply to the
    /// client).
    fn hop_into_listener(&self, a: NodeIndex, l: u32) -> PathHop {
        let topo = self.b.topo;
        let ln = &self.b.lst[l as usize];
        let lb = &topo.model.load_balancers[ln.lb];
        let (from, from_name, from_class) = self.label(a);
        let key = match self.g[a] {
            Node::Class(c) => c,
            _ => u32::MAX,
        };
        let node = ln.via.iter().find(|(s, _)| *s == key).map(|(_, n)| *n).or_else(|| topo.lb_nodes(ln.lb).first().copied());
        let mut world = false;
        let trace = node.and_then(|node| {
            let dst = Endpoint::Eni {
                ix: node,
                ip: topo.model.enis[node].primary_ip()?,
            };
            let src = match self.g[a] {
                Node::Class(c) => Endpoint::Eni {
                    ix: self.b.rep(c),
                    ip: self.b.rep_ip(c),
                },
                _ => {
                    let (sample, all, _) = ln.outside.as_ref()?;
                    world = *all;
                    if self.b.source == Source::OnPrem {
                        Endpoint::External(*sample)
                    } else {
                        Endpoint::Internet(*sample)
                    }
                }
            };
            Some(eval::evaluate(topo, &src, &dst, ln.protocol, DEFAULT_SOURCE_PORT, ln.port))
        });
        let node_class = node.and_then(|n| self.b.mx.class_of(n)).unwrap_or(u32::MAX);
        let proto_word = ln.protocol.to_string().to_lowercase();
        PathHop {
            reach: format!("--from {from} --to {} --protocol {proto_word} --port {}", lb.name, ln.port),
            from_account: topo.account_of(&from).map(str::to_string),
            from,
            from_name,
            from_class,
            to: ln.label.clone(),
            to_name: Some(lb.name.clone()),
            to_class: node_class,
            to_account: node.and_then(|n| topo.eni_account(n)).map(str::to_string),
            ports: format_port_set(&[(ln.protocol, vec![PortRange { from: ln.port, to: ln.port }])]),
            protocol: ln.protocol,
            port: ln.port,
            rules: trace.as_ref().map(|t| rule_lines_part(t, true)).unwrap_or_default(),
            open_to_world: world,
            confirmed: trace.is_some_and(|t| t.reachable),
        }
    }

    /// The hop out of a listener node to a target: the load balancer's own connection, with
    /// the rules that admit it (from the trace of a source's connection through the
    /// listener to that target).
    fn hop_out_of_listener(&self, before: Option<NodeIndex>, l: u32, bc: u32, ps: &[(Protocol, Vec<PortRange>)]) -> PathHop {
        let topo = self.b.topo;
        let ln = &self.b.lst[l as usize];
        let lb = &topo.model.load_balancers[ln.lb];
        let (proto, port) = first_port(ps);
        let out = ln.outs.iter().find(|o| o.class == bc && o.port == port);
        let mut trace: Option<Trace> = None;
        let mut via_from = String::new();
        // The path's own source of the listener hop first.
        let first = before.map(|v| match self.g[v] {
            Node::Class(c) => c,
            _ => u32::MAX,
        });
        let mut via = ln.via.clone();
        via.sort_by_key(|(s, _)| Some(*s) != first);
        if let Some(o) = out {
            for &(src, node) in &via {
                let Some(nip) = topo.model.enis[node].primary_ip() else { continue };
                let dst = Endpoint::Eni { ix: node, ip: nip };
                let (s, name) = if src == u32::MAX {
                    let Some((sample, _, _)) = ln.outside.as_ref() else { continue };
                    if self.b.source == Source::OnPrem {
                        (Endpoint::External(*sample), "onprem".to_string())
                    } else {
                        (Endpoint::Internet(*sample), "internet".to_string())
                    }
                } else {
                    (
                        Endpoint::Eni {
                            ix: self.b.rep(src),
                            ip: self.b.rep_ip(src),
                        },
                        topo.model.enis[self.b.rep(src)].id.to_string(),
                    )
                };
                let t = eval::evaluate_through(topo, &s, &dst, ln.protocol, DEFAULT_SOURCE_PORT, ln.port, &o.target);
                let ok = t.reachable;
                if trace.is_none() || ok {
                    trace = Some(t);
                    via_from = name;
                }
                if ok {
                    break;
                }
            }
        }
        let bix = out.map_or_else(|| self.b.rep(bc), |o| o.ix);
        let be = &topo.model.enis[bix];
        let proto_word = ln.protocol.to_string().to_lowercase();
        PathHop {
            reach: format!("--from {via_from} --to {} --protocol {proto_word} --port {}", lb.name, ln.port),
            from_account: None,
            from: ln.label.clone(),
            from_name: Some(lb.name.clone()),
            from_class: None,
            to: be.id.to_string(),
            to_name: topo.name_of(be.id.as_str()).map(str::to_string),
            to_class: bc,
            to_account: topo.eni_account(bix).map(str::to_string),
            ports: format_port_set(ps),
            protocol: proto,
            port,
            rules: trace.as_ref().map(|t| rule_lines_part(t, false)).unwrap_or_default(),
            open_to_world: false,
            confirmed: trace.is_some_and(|t| t.reachable),
        }
    }

    /// One hop, with the rules of the trace `reach` prints for it.
    fn hop(&self, a: NodeIndex, bc: u32, ps: &[(Protocol, Vec<PortRange>)]) -> PathHop {
        let key = (a, bc, format_port_set(ps));
        if let Some(h) = self.hop_cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return h;
        }
        let h = self.hop_uncached(a, bc, ps);
        if let Ok(mut c) = self.hop_cache.lock() {
            c.insert(key, h.clone());
        }
        h
    }

    fn hop_uncached(&self, a: NodeIndex, bc: u32, ps: &[(Protocol, Vec<PortRange>)]) -> PathHop {
        let topo = self.b.topo;
        let (mut proto, mut port) = first_port(ps);
        let (from, from_name, from_class) = self.label(a);
        let bix = self.b.rep(bc);
        let be = &topo.model.enis[bix];
        let dst = Endpoint::Eni { ix: bix, ip: self.b.rep_ip(bc) };
        let mut world = false;
        let trace: Option<Trace> = match self.g[a] {
            Node::Outside => self.b.entries.get(&bc).and_then(|en| {
                // The most widely open piece of the hop: one every outside address gets through.
                let inside = |p: &Protocol, r: &PortRange| ps.iter().any(|(q, rs)| q == p && rs.iter().any(|x| x.from <= r.from && r.from <= x.to));
                let pick = en.samples.iter().filter(|(p, r, _, _)| inside(p, r)).max_by_key(|s| (s.3, std::cmp::Reverse(s.1.from)))?;
                (proto, port, world) = (pick.0, pick.1.from, pick.3);
                let src = if self.b.source == Source::OnPrem { Endpoint::External(pick.2) } else { Endpoint::Internet(pick.2) };
                Some(eval::evaluate(topo, &src, &dst, proto, DEFAULT_SOURCE_PORT, port))
            }),
            Node::Class(ac) => {
                let aix = self.b.rep(ac);
                Some(eval::evaluate(topo, &Endpoint::Eni { ix: aix, ip: self.b.rep_ip(ac) }, &dst, proto, DEFAULT_SOURCE_PORT, port))
            }
            // Hops out of listeners are described by `hop_out_of_listener`.
            Node::Listener(_) => None,
        };
        let rules = trace.as_ref().map(rule_lines).unwrap_or_default();
        let proto_word = proto.to_string().to_lowercase();
        PathHop {
            reach: format!("--from {from} --to {} --protocol {proto_word} --port {port}", be.id),
            from_account: topo.account_of(&from).map(str::to_string),
            from,
            from_name,
            from_class,
            to: be.id.to_string(),
            to_name: topo.name_of(be.id.as_str()).map(str::to_string),
            to_class: bc,
            to_account: topo.eni_account(bix).map(str::to_string),
            ports: format_port_set(ps),
            protocol: proto,
            port,
            rules,
            open_to_world: world,
            confirmed: trace.is_some_and(|t| t.reachable),
        }
    }

    /// The rules to revoke so that no path of at most `k` hops is left, and whether the set
    /// is a minimum cut.
    ///
    /// The flow network has, for every edge `u -> v` and every security-group rule that
    /// admits it, a path `u -> [rule at v] -> v`, and the arc out of a rule node has capacity
    /// one: an edge admitted by two rules needs both revoked (its rule paths are parallel),
    /// and a rule admitting many edges is revoked once (its arc is shared). An edge no rule
    /// closes (a group missing from the snapshot) has infinite capacity. A minimum cut over
    /// this network is a smallest set of rules, up to rules shared between classes.
    fn min_cut(&self, dt: &Dt, fin: &Fin<'_>, tnode: Option<NodeIndex>, w: &Want) -> (Vec<CutRule>, Vec<String>, usize, bool) {
        let k = self.b.k;
        const NONE: usize = usize::MAX;
        let mut local: Vec<usize> = vec![NONE; self.g.node_count()];
        let mut nodes: Vec<NodeIndex> = Vec::new();
        for (v, d) in dt.iter() {
            if self.ds(v) + d <= k && Some(v) != tnode {
                local[v.index()] = nodes.len() + 2;
                nodes.push(v);
            }
        }
        let topo = self.b.topo;
        let local_of = |v: NodeIndex| local.get(v.index()).copied().filter(|&l| l != NONE);
        let mut net = Flow::new(nodes.len() + 2);
        // Rule nodes: (destination class, group, rule position) -> (local node, rule, port,
        // the edges it admits as (from node, destination class)).
        type RuleNode = (usize, SgId, SgRule, u16, Vec<(NodeIndex, u32)>);
        // Keyed by the group's position in the model (a group the snapshot lacks admits
        // nothing here: its rules are never candidates).
        let mut rule_nodes: HashMap<(u32, usize, u32), RuleNode> = HashMap::default();
        // The rules into the target on its port: when there is one, it is what admits every
        // final edge (an edge exists only where some rule admits it).
        let target_rules: Vec<(SgId, u32, SgRule)> = match (w.port, self.b.closable[w.class as usize]) {
            (Some(p), true) => candidate_rules(self.b, w.class, &[(Protocol::Tcp, vec![PortRange { from: p, to: p }])]),
            _ => Vec::new(),
        };
        let n_classes = self.b.mx.classes.len() as u32;
        // `to_class`: a class, or `n_classes + l` for listener node `l`.
        let mut link = |net: &mut Flow, from: NodeIndex, lfrom: usize, to_class: u32, lto: usize, ps: &PortSet, edge: Option<EdgeIndex>| {
            let peer = match self.g[from] {
                Node::Outside => Peer::Outside,
                Node::Class(c) => Peer::Address(self.b.rep_ip(c)),
                Node::Listener(_) => Peer::Outside,
            };
            let owned;
            let listener_rules = || match (self.g[from], to_class.checked_sub(n_classes)) {
                (_, Some(l)) => Some(self.b.rules_into_listener(l, &peer)),
                (Node::Listener(l), None) => Some(self.b.rules_out_of_listener(l, to_class, ps)),
                _ => None,
            };
            let rules: &[(SgId, u32, SgRule)] = if to_class < n_classes && !self.b.closable[to_class as usize] {
                &[]
            } else if matches!(self.g[from], Node::Listener(_)) || to_class >= n_classes {
                match edge {
                    Some(e) => self.edge_rules[e.index()].get_or_init(|| listener_rules().unwrap_or_default()),
                    None => {
                        owned = listener_rules().unwrap_or_default();
                        &owned
                    }
                }
            } else if let Some(e) = edge {
                self.edge_rules[e.index()].get_or_init(|| admitting_rules(self.b, &peer, to_class, ps))
            } else if target_rules.len() == 1 && !matches!(peer, Peer::Outside) {
                &target_rules
            } else {
                owned = admitting_rules(self.b, &peer, to_class, ps);
                &owned
            };
            if rules.is_empty() {
                net.arc(lfrom, lto, INF_CAP);
                return;
            }
            for (g, i, r) in rules {
                let gix = topo.sg_ix(g.as_str()).unwrap_or(usize::MAX);
                let entry = rule_nodes.entry((to_class, gix, *i)).or_insert_with(|| {
                    let n = net.node();
                    net.arc(n, lto, 1);
                    (n, g.clone(), r.clone(), first_port(ps).1, Vec::new())
                });
                entry.4.push((from, to_class));
                net.arc(lfrom, entry.0, INF_CAP);
            }
        };
        for &s in self.sources {
            if let Some(ls) = local_of(s) {
                net.arc(0, ls, INF_CAP);
            }
        }
        for &v in &nodes {
            let Some(lv) = local_of(v) else { continue };
            if let Some(ps) = fin.get(&v) {
                link(&mut net, v, lv, w.class, 1, ps, None);
            }
            for e in self.g.edges(v) {
                let x = e.target();
                let xc = match self.g[x] {
                    Node::Class(c) => c,
                    Node::Listener(l) => n_classes + l,
                    Node::Outside => continue,
                };
                let Some(lx) = local_of(x) else { continue };
                if self.ds(v) + 1 + dt[&x] > k {
                    continue;
                }
                link(&mut net, v, lv, xc, lx, &self.port_sets[e.weight().ports as usize], Some(e.id()));
            }
        }
        let flow = net.max_flow(0, 1, CUT_CAP as u32);
        let to_rules = |mut picked: Vec<&RuleNode>| -> (Vec<CutRule>, Vec<String>, usize) {
            picked.sort_by_key(|r| r.0);
            let mut edges: Vec<String> = Vec::new();
            let mut total = 0usize;
            let edges_total = &mut total;
            let rules = picked
                .into_iter()
                .map(|(_, g, r, port, es)| {
                    let mut es = es.clone();
                    es.sort();
                    es.dedup();
                    let labels: Vec<String> = es.iter().take(EDGES_SHOWN).map(|(from, c)| format!("{} -> {}", self.label(*from).0, self.dest_label(*c))).collect();
                    *edges_total += es.len();
                    edges.extend(labels.iter().cloned());
                    CutRule { id: g.to_string(), kind: "security-group-rule".into(), rule: format!("inbound {r}"), edges_total: es.len(), edges: labels, fix: audit::revoke_fix(g, r, *port) }
                })
                .collect();
            edges.sort();
            edges.dedup();
            (rules, edges, total)
        };
        match flow {
            Some(_) => {
                let sink_side = net.sink_side(1);
                let picked = rule_nodes.values().filter(|(n, ..)| !sink_side[*n] && net.out_to_sink_side(*n, &sink_side)).collect();
                let (rules, edges, total) = to_rules(picked);
                (rules, edges, total, true)
            }
            None => {
                // Too many disjoint paths, or one no rule closes: every rule into the target.
                let picked = rule_nodes.iter().filter(|((c, ..), _)| *c == w.class).map(|(_, v)| v).collect();

                let (rules, edges, total) = to_rules(picked);
                (rules, edges, total, false)
            }
        }
    }
}

/// A flow network with unit and infinite capacities, for minimum cuts (Edmonds-Karp:
/// shortest augmenting paths by breadth-first search).
struct Flow {
    adj: Vec<Vec<usize>>,
    /// Arcs as (head, residual capacity); arc `i ^ 1` is the reverse of arc `i`.
    arcs: Vec<(usize, u32)>,
}

impl Flow {
    fn new(n: usize) -> Flow {
        Flow { adj: vec![Vec::new(); n], arcs: Vec::new() }
    }

    fn node(&mut self) -> usize {
        self.adj.push(Vec::new());
        self.adj.len() - 1
    }

    fn arc(&mut self, from: usize, to: usize, cap: u32) {
        self.adj[from].push(self.arcs.len());
        self.arcs.push((to, cap));
        self.adj[to].push(self.arcs.len());
        self.arcs.push((from, 0));
    }

    /// The maximum flow from `s` to `t`, or `None` when it exceeds `cap` (or is infinite).
    fn max_flow(&mut self, s: usize, t: usize, cap: u32) -> Option<u32> {
        let mut flow = 0u32;
        loop {
            let mut prev: Vec<Option<usize>> = vec![None; self.adj.len()];
            let mut seen = vec![false; self.adj.len()];
            seen[s] = true;
            let mut q = VecDeque::from([s]);
            while let Some(u) = q.pop_front() {
                if u == t {
                    break;
                }
                for &ai in &self.adj[u] {
                    let (to, c) = self.arcs[ai];
                    if c > 0 && !seen[to] {
                        seen[to] = true;
                        prev[to] = Some(ai);
                        q.push_back(to);
                    }
                }
            }
            if !seen[t] {
                return Some(flow);
            }
            let mut bottleneck = u32::MAX;
            let mut x = t;
            while let Some(ai) = prev[x] {
                bottleneck = bottleneck.min(self.arcs[ai].1);
                x = self.arcs[ai ^ 1].0;
            }
            let mut x = t;
            while let Some(ai) = prev[x] {
                self.arcs[ai].1 -= bottleneck;
                self.arcs[ai ^ 1].1 += bottleneck;
                x = self.arcs[ai ^ 1].0;
            }
            flow = flow.saturating_add(bottleneck);
            if flow > cap {
                return None;
            }
        }
    }

    /// The nodes that still reach `t` in the residual network (the cut nearest the target:
    /// rules at the target are shared by every edge into it).
    fn sink_side(&self, t: usize) -> Vec<bool> {
        let mut side = vec![false; self.adj.len()];
        side[t] = true;
        let mut q = VecDeque::from([t]);
        while let Some(x) = q.pop_front() {
            for &ai in &self.adj[x] {
                let from = self.arcs[ai].0;
                if self.arcs[ai ^ 1].1 > 0 && !side[from] {
                    side[from] = true;
                    q.push_back(from);
                }
            }
        }
        side
    }

    /// Whether a forward arc of `n` leads into `side`.
    fn out_to_sink_side(&self, n: usize, side: &[bool]) -> bool {
        self.adj[n].iter().any(|&ai| ai % 2 == 0 && side[self.arcs[ai].0])
    }
}

/// Who knocks on an edge: a class's representative address, or the outside (the ranges
/// that got into the destination class).
enum Peer {
    Address(IpAddr),
    Outside,
}

/// The ingress rules of class `bc`'s groups on some port of `ps`, whoever the peer.
fn candidate_rules(b: &Builder<'_, '_, '_>, bc: u32, ps: &[(Protocol, Vec<PortRange>)]) -> Vec<(SgId, u32, SgRule)> {
    let topo = b.topo;
    let e = &topo.model.enis[b.rep(bc)];
    let mut out: Vec<(SgId, u32, SgRule)> = Vec::new();
    for gid in &e.security_groups {
        let Some(g) = topo.sg(gid.as_str()) else { continue };
        for (i, r) in g.ingress.iter().enumerate().filter(|(_, r)| rule_on_ports(r, ps)) {
            if !out.iter().any(|(gg, _, rr)| gg == &g.id && rr == r) {
                out.push((g.id.clone(), i as u32, r.clone()));
            }
        }
    }
    out
}

fn rule_on_ports(r: &SgRule, ps: &[(Protocol, Vec<PortRange>)]) -> bool {
    ps.iter().any(|(proto, ranges)| {
        r.protocol.covers(*proto)
            && match r.l4 {
                L4Match::Any => true,
                L4Match::Ports(p) => ranges.iter().any(|x| x.from <= p.to && p.from <= x.to),
                L4Match::Icmp(_) => false,
            }
    })
}

/// The ingress rules of `groups` on some port of `ps` that admit one of `peers` (addresses
/// or ranges): revoking them all closes the connections of those peers.
fn rules_admitting(topo: &Topology<'_>, groups: &[SgId], vpc: &VpcId, ps: &[(Protocol, Vec<PortRange>)], peers: &[IpNet]) -> Vec<(SgId, u32, SgRule)> {
    let mut out: Vec<(SgId, u32, SgRule)> = Vec::new();
    for gid in groups {
        let Some(g) = topo.sg(gid.as_str()) else { continue };
        for (i, r) in g.ingress.iter().enumerate() {
            if !rule_on_ports(r, ps) {
                continue;
            }
            let hit = peers.iter().any(|p| match &r.peer {
                SgPeer::Cidr(c) => c.contains(p) || p.contains(c),
                SgPeer::PrefixList(l) => topo.prefix_list_cidrs(l).iter().any(|c| c.contains(p) || p.contains(c)),
                SgPeer::Group(_) => p.prefix_len() == p.max_prefix_len() && sg::peer_matches(topo, &r.peer, p.addr(), vpc, Direction::Ingress),
            });
            if hit && !out.iter().any(|(gg, _, rr)| gg == &g.id && rr == r) {
                out.push((g.id.clone(), i as u32, r.clone()));
            }
        }
    }
    out
}

/// The ingress rules of class `bc`'s groups that admit the peer on some port of `ps`:
/// revoking them all closes the edge (security groups are a union of allows).
fn admitting_rules(b: &Builder<'_, '_, '_>, peer: &Peer, bc: u32, ps: &[(Protocol, Vec<PortRange>)]) -> Vec<(SgId, u32, SgRule)> {
    let topo = b.topo;
    let e = &topo.model.enis[b.rep(bc)];
    let outside_ranges: Vec<IpNet> = match peer {
        Peer::Outside => b.entries.get(&bc).map(|en| en.ranges.clone()).unwrap_or_default(),
        Peer::Address(_) => Vec::new(),
    };
    let mut out = Vec::new();
    for gid in &e.security_groups {
        let Some(g) = topo.sg(gid.as_str()) else { continue };
        for (i, r) in g.ingress.iter().enumerate() {
            if !rule_on_ports(r, ps) {
                continue;
            }
            let peer_hit = match peer {
                Peer::Address(ip) => sg::peer_matches(topo, &r.peer, *ip, &e.vpc, Direction::Ingress),
                Peer::Outside => {
                    let cidrs: Vec<IpNet> = match &r.peer {
                        SgPeer::Cidr(c) => vec![*c],
                        SgPeer::PrefixList(p) => topo.prefix_list_cidrs(p).to_vec(),
                        SgPeer::Group(_) => Vec::new(),
                    };
                    cidrs.iter().any(|c| outside_ranges.iter().any(|o| c.contains(o) || o.contains(c)))
                }
            };
            if peer_hit && !out.iter().any(|(gg, _, rr): &(SgId, u32, SgRule)| gg == &g.id && rr == r) {
                out.push((g.id.clone(), i as u32, r.clone()));
            }
        }
    }
    out
}

/// [`rule_lines`] for one connection of a trace through a load balancer: the client's
/// (`client`: up to the listener, and from the relayed reply on) or the load balancer's own
/// connection to the target (between them).
fn rule_lines_part(trace: &Trace, client: bool) -> Vec<String> {
    let mut out = Vec::new();
    let legs = std::iter::once(("request", &trace.forward, true)).chain(trace.ret.as_ref().map(|r| ("reply", r, false)));
    for (leg, l, request) in legs {
        // On the request the client's part comes first; on the reply, last.
        let mut in_client = request;
        for h in &l.hops {
            match h.step {
                eval::Step::Listener { .. } if request => {
                    in_client = false;
                    continue;
                }
                eval::Step::RelayReply if !request => {
                    in_client = true;
                    continue;
                }
                _ => {}
            }
            if in_client != client {
                continue;
            }
            let admits = matches!(h.step, eval::Step::SecurityGroup { .. } | eval::Step::Acl { .. });
            if let Some(rule) = words::hop_rule(h).filter(|_| admits) {
                out.push(format!("{leg}: {}{} {}: {rule}", h.id, h.direction.map(|d| format!(" {d}")).unwrap_or_default(), h.kind));
            }
        }
    }
    out
}

/// The security-group rules and network-ACL entries a successful trace passed, one line each
/// (`request: sg-... inbound security-group: TCP 443 0.0.0.0/0`): what admits the hop.
fn rule_lines(trace: &Trace) -> Vec<String> {
    let mut out = Vec::new();
    let legs = std::iter::once(("request", &trace.forward)).chain(trace.ret.as_ref().map(|r| ("reply", r)));
    for (leg, l) in legs {
        for h in &l.hops {
            let admits = matches!(h.step, eval::Step::SecurityGroup { .. } | eval::Step::Acl { .. });
            if let Some(rule) = words::hop_rule(h).filter(|_| admits) {
                out.push(format!("{leg}: {}{} {}: {rule}", h.id, h.direction.map(|d| format!(" {d}")).unwrap_or_default(), h.kind));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::snapshot;
    use crate::testgen::{network, NetworkSpec};

    /// The layered answer (count, shortest paths, cut) is the search's, target by target, on
    /// generated networks of several shapes and on the samples.
    #[test]
    fn layered_answers_equal_the_search_on_generated_networks_and_samples() {
        const KEPT: usize = 7;
        let mut docs: Vec<(String, Vec<(String, serde_json::Value)>)> = Vec::new();
        for (seed, enis) in [(1u64, 150usize), (7, 400), (23, 900)] {
            let mut spec = NetworkSpec::with_enis(enis);
            spec.seed = seed;
            docs.push((format!("generated seed {seed}, {enis} interfaces"), network(&spec)));
        }
        let mut loaded: Vec<(String, crate::model::Model)> = docs.into_iter().map(|(name, d)| (name, snapshot::load_documents(d).expect("generated network loads").model)).collect();
        for sample in ["shop", "hub", "web"] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/snapshots").join(sample);
            loaded.push((sample.to_string(), snapshot::load(&dir).expect("sample loads").model));
        }
        // What the comparison covered: targets 3 hops away, cuts of several rules, targets
        // with more shortest paths than are kept (a small cap, so that small networks have
        // them).
        let (mut three, mut several, mut many) = (0, 0, 0);
        for (name, model) in &loaded {
            let topo = Topology::new(model);
            for (to, k) in [(Targets::Databases, 3), (Targets::Exposure, 3), (Targets::Databases, 2), (Targets::Admin, 1)] {
                let opts = Options { from: Source::Internet, to: to.clone(), max_hops: k, pivot: Pivot::Any, top: 3 };
                let layered = paths_by(&topo, &opts, Method::Layered, KEPT);
                for t in &layered.targets {
                    three += (t.shortest_hops == Some(3)) as usize;
                    several += (t.cut.len() > 1) as usize;
                    many += (t.shortest_hops == Some(3) && t.paths_total > KEPT as u64) as usize;
                }
                let a = serde_json::to_value(layered).expect("serialises");
                let b = serde_json::to_value(paths_by(&topo, &opts, Method::Search, KEPT)).expect("serialises");
                assert!(a == b, "{name}, {to:?}, {k} hops: layered and search answers differ");
            }
        }
        assert!(three > 0 && several > 0 && many > 0, "coverage: {three} three-hop targets, {several} cuts of several rules, {many} with over {KEPT} paths");
    }
}
