//! `check`: evaluates intents (see `crate::intent`) against a topology. Each intent's
//! selectors are resolved to interfaces and outside ranges, every (source, destination,
//! port) flow is evaluated forward and back, and the intent holds or is violated:
//!
//! * `must-not-reach`: violated by every pair with a port that gets through; the report
//!   keeps one example trace per pair, and the count of pairs.
//! * `must-reach`: violated by every flow that does not get through; the report names the
//!   blocking hop.
//! * `isolated`: `must-not-reach` in both directions.
//!
//! `through`/`not_through` narrow which paths count, like Network Access Analyzer's match
//! and exclude paths: a path that does not cross a `through` hop, or crosses a
//! `not_through` hop, is not a reachable path for `must-not-reach`, and does not satisfy
//! `must-reach`. Flows are evaluated in parallel.

use super::flows::{self, End, EndLabel, Outcome};
use super::matrix::{Matrix, MatrixOptions, MIN_FLOWS_FOR_MATRIX};
use crate::eval::{Blocked, Trace};
use crate::intent::{glob, Criterion, Intent, IntentKind, Ports, Selector, Severity};
use crate::model::*;
use crate::topology::{Ix, Topology};
use ipnet::IpNet;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeSet;

/// Whether an intent holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// It holds.
    Holds,
    /// At least one flow violates it.
    Violated,
    /// No flow violates it, but some flow's answer the snapshot cannot decide (its path
    /// meets something the model does not evaluate).
    Undecided,
}

/// One violation: a pair of ends with the ports that break the intent and an example trace.
#[derive(Clone, Debug, Serialize)]
pub struct Violation {
    /// The source.
    pub from: EndLabel,
    /// The destination.
    pub to: EndLabel,
    /// Protocol.
    pub protocol: Protocol,
    /// The ports that violate (empty for protocols without ports).
    pub ports: Vec<u16>,
    /// For outside ends: the outside ranges that get through (`must-not-reach`).
    pub ranges: Option<Vec<IpNet>>,
    /// For outside ends: whether every outside address gets through.
    pub any_address: bool,
    /// Why it violates, in one sentence.
    pub reason: String,
    /// For `must-reach`: the hop that blocks.
    pub blocked_by: Option<Blocked>,
    /// The example trace (of the first violating port).
    pub trace: Trace,
}

/// The result of one intent.
#[derive(Clone, Debug, Serialize)]
pub struct IntentResult {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Severity.
    pub severity: Severity,
    /// Kind.
    pub kind: IntentKind,
    /// The file and line it came from.
    pub file: String,
    /// Line in the file.
    pub line: usize,
    /// Holds or violated.
    pub status: Status,
    /// How many source ends the selectors matched.
    pub sources: usize,
    /// How many destination ends the selectors matched.
    pub destinations: usize,
    /// How many flows were evaluated.
    pub flows: usize,
    /// How many violating pairs (`must-not-reach`, `isolated`) or flows (`must-reach`).
    pub violation_count: usize,
    /// One entry per violating pair (`must-not-reach`) or flow (`must-reach`).
    pub violations: Vec<Violation>,
    /// One entry per pair or flow whose answer is unknown (`reason` names what is missing).
    pub undecided: Vec<Violation>,
    /// A note for the reader (a selector matched nothing, ...).
    pub note: Option<String>,
}

/// The results of every intent.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    /// Per intent, in input order.
    pub intents: Vec<IntentResult>,
    /// How many hold.
    pub held: usize,
    /// How many are violated.
    pub violated: usize,
    /// How many cannot be decided from the snapshot.
    pub undecided: usize,
    /// Warnings (from applying a Terraform plan, ...).
    pub warnings: Vec<String>,
}

impl CheckReport {
    /// Whether every intent holds.
    pub fn all_hold(&self) -> bool {
        self.violated == 0 && self.undecided == 0
    }
}

/// Evaluates every intent.
pub fn check(topo: &Topology<'_>, intents: &[Intent]) -> CheckReport {
    check_with(topo, intents, MIN_FLOWS_FOR_MATRIX)
}

fn check_with(topo: &Topology<'_>, intents: &[Intent], matrix_min_flows: usize) -> CheckReport {
    let relevant = flows::relevant_ports(&[topo.model]);
    let results: Vec<IntentResult> = intents.iter().map(|i| check_one(topo, i, &relevant, matrix_min_flows)).collect();
    let violated = results.iter().filter(|r| r.status == Status::Violated).count();
    let undecided = results.iter().filter(|r| r.status == Status::Undecided).count();
    CheckReport { held: results.len() - violated - undecided, violated, undecided, intents: results, warnings: Vec::new() }
}

/// Resolves selectors to ends (interfaces in id order, then outside ranges).
pub fn resolve(topo: &Topology<'_>, selectors: &[Selector]) -> Vec<End> {
    let mut enis: BTreeSet<Ix> = BTreeSet::new();
    let mut outside: Vec<Option<IpNet>> = Vec::new();
    for s in selectors {
        match s {
            Selector::Internet => outside.push(None),
            Selector::Any => enis.extend((0..topo.model.enis.len()).filter(|&ix| flows::is_endpoint(topo, ix))),
            Selector::Cidr(n) => {
                enis.extend(topo.model.enis.iter().enumerate().filter(|(_, e)| e.private_ips.iter().any(|ip| n.contains(ip))).map(|(i, _)| i));
                let inside = topo.model.vpcs.iter().any(|v| v.cidrs.iter().any(|c| c.contains(n)));
                if !inside {
                    outside.push(Some(*n));
                }
            }
            Selector::Match(crit) => {
                // Gateway interfaces are ends only when named by id or type.
                let explicit = crit.iter().any(|c| matches!(c, Criterion::Id(_) | Criterion::Type(_)));
                enis.extend(
                    (0..topo.model.enis.len())
                        .filter(|&ix| explicit || flows::is_endpoint(topo, ix))
                        .filter(|&ix| crit.iter().all(|c| criterion(topo, ix, c))),
                );
            }
        }
    }
    outside.dedup();
    enis.into_iter().map(End::Eni).chain(outside.into_iter().map(End::Outside)).collect()
}

fn criterion(topo: &Topology<'_>, ix: Ix, c: &Criterion) -> bool {
    let m = topo.model;
    let e = &m.enis[ix];
    let inst = e.instance.as_ref().and_then(|i| topo.instance(i.as_str()));
    let db = m.db_instances.iter().enumerate().find(|(di, _)| topo.db_enis(*di).contains(&ix)).map(|(_, d)| d);
    let subnet = topo.subnet(e.subnet.as_str());
    let tag_match = |tags: &Tags, key: &str, value: &Option<String>| {
        tags.get(key).is_some_and(|v| value.as_deref().map_or(true, |p| glob(p, v)))
    };
    match c {
        Criterion::Id(id) => {
            e.id.as_str() == id || e.instance.as_ref().is_some_and(|i| i.as_str() == id) || db.is_some_and(|d| d.id.as_str() == id)
                || e.tags.name() == Some(id.as_str()) || inst.and_then(|i| i.tags.name()) == Some(id.as_str())
        }
        Criterion::Name(p) => {
            e.tags.name().is_some_and(|n| glob(p, n)) || inst.and_then(|i| i.tags.name()).is_some_and(|n| glob(p, n)) || db.is_some_and(|d| glob(p, d.id.as_str()))
        }
        Criterion::Tag { key, value } => {
            tag_match(&e.tags, key, value) || inst.is_some_and(|i| tag_match(&i.tags, key, value)) || db.is_some_and(|d| tag_match(&d.tags, key, value))
        }
        Criterion::Subnet(s) => e.subnet.as_str() == s || subnet.is_some_and(|x| x.tags.name() == Some(s.as_str())),
        Criterion::Vpc(v) => e.vpc.as_str() == v || topo.vpc(e.vpc.as_str()).is_some_and(|x| x.tags.name() == Some(v.as_str())),
        Criterion::SecurityGroup(g) => e.security_groups.iter().any(|id| id.as_str() == g || topo.sg(id.as_str()).is_some_and(|x| x.name == *g)),
        Criterion::Type(t) => match t.as_str() {
            "instance" => e.instance.is_some(),
            "database" => e.kind.is_managed_database(),
            other => e.kind.label() == other,
        },
        Criterion::Cidr(n) => e.private_ips.iter().any(|ip| n.contains(ip)),
        Criterion::PublicSubnet(want) => {
            let public = topo.subnet_ix(e.subnet.as_str()).and_then(|si| topo.route_table_of(si)).is_some_and(|rt| {
                rt.routes.iter().any(|r| matches!(r.target, RouteTarget::InternetGateway(_)) && r.state == RouteState::Active)
            });
            public == *want
        }
    }
}

/// Whether a trace counts as a reachable path under the intent's path filters.
fn counts(i: &Intent, o: &Outcome) -> bool {
    o.reachable && (i.through.is_empty() || flows::crosses(&o.trace, &i.through)) && !flows::crosses(&o.trace, &i.not_through)
}

fn check_one(topo: &Topology<'_>, i: &Intent, relevant: &[(Protocol, u16)], matrix_min_flows: usize) -> IntentResult {
    let from = resolve(topo, &i.from);
    let to = resolve(topo, &i.to);
    let ports = intent_ports(i, relevant);
    let pairs = intent_pairs(i, &from, &to);
    let results = walk_pairs(topo, i, &pairs, &ports, matrix_min_flows);
    let flows_n: usize = results.iter().map(|w| w.flows).sum();
    let mut violations = Vec::new();
    let mut undecided = Vec::new();
    let mut count = 0;
    for w in results {
        let (a, b) = &pairs[w.pair];
        let ends = Ends { from: flows::label(topo, a), to: flows::label(topo, b) };
        if let Some(v) = undecided_violation(i, &ends, &w.outcomes) {
            undecided.push(v);
        }
        let found = match i.kind {
            IntentKind::MustNotReach | IntentKind::Isolated => forbidden_violation(i, &ends, &ports, &w).into_iter().collect(),
            IntentKind::MustReach => must_reach_violations(i, &ends, &w.outcomes),
        };
        count += found.len();
        violations.extend(found);
    }
    let note = match (from.is_empty(), to.is_empty()) {
        (true, _) => Some("the `from` selectors match nothing in this snapshot".to_string()),
        (_, true) => Some("the `to` selectors match nothing in this snapshot".to_string()),
        _ => None,
    };
    // A must-reach intent whose ends match nothing cannot be satisfied: treat it as violated
    // so a renamed tag does not silently pass CI.
    let empty_must_reach = i.kind == IntentKind::MustReach && note.is_some();
    let status = if count > 0 || empty_must_reach {
        Status::Violated
    } else if !undecided.is_empty() {
        Status::Undecided
    } else {
        Status::Holds
    };
    IntentResult {
        name: i.name.clone(),
        description: i.description.clone(),
        severity: i.severity,
        kind: i.kind,
        file: i.file.clone(),
        line: i.line,
        status,
        sources: from.len(),
        destinations: to.len(),
        flows: flows_n,
        violation_count: count,
        violations,
        undecided,
        note,
    }
}

/// The ports an intent is checked on: its list, or the ports the snapshot's rules mention.
fn intent_ports(i: &Intent, relevant: &[(Protocol, u16)]) -> Vec<u16> {
    if !i.protocol.has_ports() {
        return vec![0];
    }
    match &i.ports {
        Ports::List(r) => flows::expand_ranges(r, relevant, i.protocol),
        Ports::Relevant => {
            let mut v: Vec<u16> = relevant.iter().filter(|(p, _)| i.protocol.covers(*p)).map(|(_, x)| *x).collect();
            v.dedup();
            v
        }
    }
}

/// The ordered pairs of ends an intent covers (both ways for `isolated`), without repeats.
fn intent_pairs(i: &Intent, from: &[End], to: &[End]) -> Vec<(End, End)> {
    let mut pairs: Vec<(End, End)> = Vec::new();
    for a in from {
        for b in to {
            pairs.push((a.clone(), b.clone()));
            if i.kind == IntentKind::Isolated {
                pairs.push((b.clone(), a.clone()));
            }
        }
    }
    pairs.sort();
    pairs.dedup();
    pairs
}

/// One pair's flows: its position, how many flows were decided, the outcomes walked, and
/// the ports the matrix found reachable that were not walked.
struct Walked {
    pair: usize,
    flows: usize,
    outcomes: Outcomes,
    untraced: Vec<u16>,
}

/// Decides every flow of every pair, walking only the flows the report shows.
fn walk_pairs(topo: &Topology<'_>, i: &Intent, pairs: &[(End, End)], ports: &[u16], matrix_min_flows: usize) -> Vec<Walked> {
    // Intents with many flows between interfaces are decided by the all-pairs matrix.
    let matrix = decide_by_matrix(topo, i.protocol, pairs, ports, matrix_min_flows);
    // A flow the matrix decides is walked only when the report needs its trace: a reachable
    // flow for `must-not-reach`; for `must-reach` an unreachable one, or any one when path
    // filters must look at its hops.
    let traced = |reachable: bool| match i.kind {
        IntentKind::MustNotReach | IntentKind::Isolated => reachable,
        IntentKind::MustReach => !reachable || !i.through.is_empty() || !i.not_through.is_empty(),
    };
    // A must-not-reach violation shows one trace per pair: without path filters, the other
    // reachable ports of the pair need only their verdict.
    let one_trace_per_pair = matches!(i.kind, IntentKind::MustNotReach | IntentKind::Isolated) && i.through.is_empty() && i.not_through.is_empty();
    pairs
        .par_iter()
        .enumerate()
        .map(|(n, (a, b))| {
            let mut w = Walked { pair: n, flows: 0, outcomes: Vec::new(), untraced: Vec::new() };
            let mut example = false;
            for &p in ports {
                let decided = match (&matrix, a, b) {
                    (Some(mx), End::Eni(x), End::Eni(y)) => mx.decide(*x, *y, i.protocol, p),
                    _ => None,
                };
                if decided.is_some_and(|r| !traced(r)) {
                    w.flows += 1;
                    continue;
                }
                if decided == Some(true) && example && one_trace_per_pair {
                    w.flows += 1;
                    w.untraced.push(p);
                    continue;
                }
                if let Some(o) = flows::evaluate(topo, a, b, i.protocol, p) {
                    w.flows += 1;
                    example |= counts(i, &o);
                    w.outcomes.push((p, o));
                }
            }
            w
        })
        .collect()
}

/// The labels of a pair's two ends.
struct Ends {
    from: EndLabel,
    to: EndLabel,
}

fn shown_ports(i: &Intent, p: u16) -> Vec<u16> {
    if i.protocol.has_ports() {
        vec![p]
    } else {
        Vec::new()
    }
}

/// The first flow of a pair the snapshot cannot decide, as an `undecided` entry.
fn undecided_violation(i: &Intent, ends: &Ends, outcomes: &Outcomes) -> Option<Violation> {
    let (p, o) = outcomes.iter().find(|(_, o)| !o.reachable && o.trace.is_unknown())?;
    let why = o.trace.blocked_by.as_ref().map(|bl| format!("{} ({}): {}", bl.id, bl.code, crate::report::words::explanation(bl))).unwrap_or_default();
    Some(one_flow(i, ends, *p, o, format!("cannot be decided from the snapshot: the path meets {why}")))
}

/// A violation (or undecided entry) about one flow of a pair: its port, its blocking
/// component and its trace.
fn one_flow(i: &Intent, ends: &Ends, port: u16, o: &Outcome, reason: String) -> Violation {
    Violation {
        from: ends.from.clone(),
        to: ends.to.clone(),
        protocol: i.protocol,
        ports: shown_ports(i, port),
        ranges: None,
        any_address: false,
        reason,
        blocked_by: o.trace.blocked_by.clone(),
        trace: o.trace.clone(),
    }
}

/// A `must-not-reach` or `isolated` pair's violation: every port that gets through, with one
/// example trace.
fn forbidden_violation(i: &Intent, ends: &Ends, ports: &[u16], w: &Walked) -> Option<Violation> {
    let bad: Vec<&(u16, Outcome)> = w.outcomes.iter().filter(|(_, o)| counts(i, o)).collect();
    let (_, example) = bad.first()?;
    let ports: Vec<u16> = if i.protocol.has_ports() {
        ports.iter().copied().filter(|p| bad.iter().any(|(q, _)| q == p) || w.untraced.contains(p)).collect()
    } else {
        Vec::new()
    };
    let mut ranges: Option<Vec<IpNet>> = None;
    for (_, o) in &bad {
        if let Some(r) = &o.ranges {
            let v = ranges.get_or_insert_with(Vec::new);
            for x in r {
                if !v.contains(x) {
                    v.push(*x);
                }
            }
        }
    }
    let what = if ports.is_empty() { i.protocol.to_string() } else { format!("{} {}", i.protocol, join(&ports)) };
    Some(Violation {
        from: ends.from.clone(),
        to: ends.to.clone(),
        protocol: i.protocol,
        reason: format!("{what} gets through, request and reply"),
        ports,
        any_address: bad.iter().any(|(_, o)| o.all),
        ranges,
        blocked_by: None,
        trace: example.trace.clone(),
    })
}

/// A `must-reach` pair's violations: each flow that does not get through (or not by the
/// required path), undecided ones aside.
fn must_reach_violations(i: &Intent, ends: &Ends, outcomes: &Outcomes) -> Vec<Violation> {
    let mut out = Vec::new();
    for (p, o) in outcomes {
        if counts(i, o) || (!o.reachable && o.trace.is_unknown()) {
            continue;
        }
        let reason = if !o.reachable {
            match &o.trace.blocked_by {
                Some(bl) => format!("blocked by {} ({}) on the {} path: {}", bl.id, bl.kind, path_name(bl), crate::report::words::explanation(bl)),
                None => format!("not reachable ({})", o.trace.forward.disposition),
            }
        } else if !i.through.is_empty() && !flows::crosses(&o.trace, &i.through) {
            format!("reachable, but not through {}", i.through.join(" or "))
        } else {
            format!("reachable, but through {}", i.not_through.join(" or "))
        };
        out.push(one_flow(i, ends, *p, o, reason));
    }
    out
}

/// The all-pairs matrix over the interface ends of `pairs`, when the intent has at least
/// `min_flows` flows between interfaces and a protocol the matrix covers.
fn decide_by_matrix(topo: &Topology<'_>, protocol: Protocol, pairs: &[(End, End)], ports: &[u16], min_flows: usize) -> Option<Matrix> {
    if !matches!(protocol, Protocol::Tcp | Protocol::Udp | Protocol::Icmp) {
        return None;
    }
    let eni_pairs: Vec<(Ix, Ix)> = pairs
        .iter()
        .filter_map(|p| match p {
            (End::Eni(a), End::Eni(b)) if a != b => Some((*a, *b)),
            _ => None,
        })
        .collect();
    if eni_pairs.len().saturating_mul(ports.len()) < min_flows {
        return None;
    }
    let from: BTreeSet<Ix> = eni_pairs.iter().map(|p| p.0).collect();
    let to: BTreeSet<Ix> = eni_pairs.iter().map(|p| p.1).collect();
    let ports = ports.iter().map(|&p| (protocol, if protocol.has_ports() { PortRange { from: p, to: p } } else { PortRange { from: 0, to: 0 } })).collect();
    Some(Matrix::compute(topo, &MatrixOptions { ports, from: Some(from.into_iter().collect()), to: Some(to.into_iter().collect()) }))
}

/// Outcomes of the flows of one pair that were walked, by port.
type Outcomes = Vec<(u16, Outcome)>;

fn path_name(b: &Blocked) -> &'static str {
    match b.path {
        crate::eval::PathKind::Forward => "forward",
        crate::eval::PathKind::Return => "return",
    }
}

fn join(ports: &[u16]) -> String {
    ports.iter().map(u16::to_string).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::snapshot;
    use std::path::Path;

    /// Intents over many interface pairs, every kind, with and without path filters.
    const WIDE: &str = r#"
[[intent]]
name = "nothing-reaches-ssh"
kind = "must-not-reach"
from = "any"
to = "any"
ports = [22, 3389]

[[intent]]
name = "nothing-reaches-anything"
kind = "must-not-reach"
from = "any"
to = "any"
ports = "relevant"

[[intent]]
name = "everything-reaches-everything"
kind = "must-reach"
from = "any"
to = "any"
ports = "relevant"

[[intent]]
name = "everything-reaches-everything-through-tgw"
kind = "must-reach"
from = "any"
to = "any"
ports = [443]
through = ["transit-gateway"]

[[intent]]
name = "no-ping"
kind = "isolated"
from = "any"
to = "any"
protocol = "icmp"

[[intent]]
name = "no-dns"
kind = "must-not-reach"
from = "any"
to = "any"
protocol = "udp"
ports = [53, "1000-2000"]
not_through = ["nat-gateway"]
"#;

    /// Deciding flows with the matrix changes nothing in the report.
    fn same_with_and_without_matrix(topo: &Topology<'_>, intents: &[Intent]) -> CheckReport {
        let slow = check_with(topo, intents, usize::MAX);
        let fast = check_with(topo, intents, 0);
        assert_eq!(serde_json::to_value(&slow).unwrap(), serde_json::to_value(&fast).unwrap());
        fast
    }

    #[test]
    fn matrix_decided_flows_give_the_same_report() {
        let mut intents = crate::intent::parse("wide.toml", WIDE).unwrap();
        intents.extend(crate::intent::parse("shop-kinds.toml", &std::fs::read_to_string("tests/data/intents/shop-kinds.toml").unwrap()).unwrap());
        for dir in ["samples/snapshots/shop", "samples/snapshots/hub"] {
            let loaded = snapshot::load(Path::new(dir)).unwrap();
            same_with_and_without_matrix(&Topology::new(&loaded.model), &intents);
        }
        let spec = crate::testgen::NetworkSpec { vpcs: 3, subnets_per_vpc: 5, enis_per_subnet: 2, sgs_per_vpc: 4, seed: 11 };
        let loaded = snapshot::load_documents(crate::testgen::network(&spec)).unwrap();
        let topo = Topology::new(&loaded.model);
        let report = same_with_and_without_matrix(&topo, &intents);
        // Pairs violating on several ports, where only the first port was walked.
        assert!(report.intents.iter().any(|r| r.violations.iter().any(|v| v.ports.len() > 1)));
    }
}
