//! `audit`: the posture report. Finds what an attacker on the internet can actually reach
//! (databases first, then admin ports) by evaluating the **whole path**, forward and return,
//! with the evaluator; keeps the security-group-only exposures whose path is closed as a
//! lower "latent" class with the piece that closes them; checks network ACLs statically for
//! replies they drop; and lists hygiene problems (groups open to the world, unused or
//! missing groups, blackhole routes, missing flow logs, inactive peerings).
//!
//! Every finding has the same shape ([`Finding`]), which is the JSON contract documented in
//! `docs/audit.md`; `report::audit` renders it as text, JSON, Markdown, HTML and SARIF. With
//! flow-log records ([`flows`]) the findings gain traffic evidence and the report lists rules
//! no accepted flow used. Like every analysis, this module never prints.

mod balancers;
pub mod flows;
mod hygiene;
mod lateral;
mod routing;
mod nacl;

use crate::analysis::reach::{sweep_internet, Sweep};
use crate::eval::{self, Blocked, Direction, Endpoint, Hop, Leg, Trace};
use crate::report::{words, Fix};
use crate::model::*;
use crate::topology::{Ix, Topology};
use ipnet::IpNet;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::IpAddr;

/// Database listener ports posture tools check, with their engines (AWS-SEMANTICS.md §7).
pub const DATABASE_PORTS: &[(u16, &str)] = &[
    (3306, "MySQL/MariaDB/Aurora"),
    (5432, "PostgreSQL"),
    (1521, "Oracle"),
    (2483, "Oracle"),
    (2484, "Oracle"),
    (1433, "SQL Server"),
    (1434, "SQL Server"),
    (27017, "MongoDB"),
    (27018, "MongoDB"),
    (6379, "Redis"),
    (11211, "Memcached"),
    (7000, "Cassandra"),
    (7001, "Cassandra"),
    (7199, "Cassandra"),
    (9042, "Cassandra"),
    (9160, "Cassandra"),
    (9200, "Elasticsearch/OpenSearch"),
    (9300, "Elasticsearch/OpenSearch"),
    (5601, "Kibana"),
    (9092, "Kafka"),
    (5984, "CouchDB"),
    (7474, "Neo4j"),
    (7687, "Neo4j"),
];

/// Remote administration ports (AWS-SEMANTICS.md §7).
pub const ADMIN_PORTS: &[(u16, &str)] = &[(22, "SSH"), (3389, "RDP"), (23, "Telnet"), (5900, "VNC"), (5985, "WinRM"), (5986, "WinRM")];

/// The service name of a well-known port, if it is one.
pub fn service_of(port: u16) -> Option<&'static str> {
    DATABASE_PORTS.iter().chain(ADMIN_PORTS).find(|(p, _)| *p == port).map(|(_, s)| *s)
}

pub use crate::severity::Severity;

/// What a finding is about. The kebab-case names are part of the JSON contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A database listener reachable from the internet over the full path.
    ExposedDatabase,
    /// SSH, RDP, Telnet, VNC or WinRM reachable from the internet.
    ExposedAdminPort,
    /// A security group opens a database or admin port to the world, but the path is closed.
    LatentExposure,
    /// A database or admin port may be reachable from the internet: the path meets
    /// something the snapshot cannot evaluate (an appliance, routes it does not hold).
    UndecidedExposure,
    /// A network ACL admits traffic whose replies it (statically) denies.
    NaclReturnPath,
    /// A security group admits all traffic from anywhere.
    SecurityGroupOpenToWorld,
    /// A security group no interface uses.
    UnusedSecurityGroup,
    /// A rule or interface references a security group that is not in the snapshot.
    MissingSecurityGroup,
    /// A route whose target is gone.
    BlackholeRoute,
    /// A VPC or subnet with no flow log.
    NoFlowLogs,
    /// A peering connection that does not carry traffic.
    PeeringNotActive,
    /// A security-group or ACL allow rule that no accepted flow used (with `--flows`).
    UnusedRule,
    /// A database or admin port the internet reaches in 2 or more hops (through hosts it
    /// reaches first).
    LateralPath,
    /// Route tables that forward a destination around a cycle.
    RoutingLoop,
    /// A subnet routes to another VPC whose subnets have no route back to it (one-way
    /// routing: replies are lost).
    UnreachableSubnet,
    /// A target behind a load balancer admits its port from anywhere.
    TargetOpenToWorld,
    /// A load balancer's health checks cannot reach a target.
    HealthCheckBlocked,
}

impl FindingKind {
    /// Every kind, in report order.
    pub const ALL: [FindingKind; 17] = [
        FindingKind::ExposedDatabase,
        FindingKind::ExposedAdminPort,
        FindingKind::LateralPath,
        FindingKind::UndecidedExposure,
        FindingKind::LatentExposure,
        FindingKind::NaclReturnPath,
        FindingKind::HealthCheckBlocked,
        FindingKind::SecurityGroupOpenToWorld,
        FindingKind::TargetOpenToWorld,
        FindingKind::UnusedSecurityGroup,
        FindingKind::MissingSecurityGroup,
        FindingKind::BlackholeRoute,
        FindingKind::RoutingLoop,
        FindingKind::UnreachableSubnet,
        FindingKind::NoFlowLogs,
        FindingKind::PeeringNotActive,
        FindingKind::UnusedRule,
    ];

    /// The kebab-case name (`exposed-database`).
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::ExposedDatabase => "exposed-database",
            FindingKind::ExposedAdminPort => "exposed-admin-port",
            FindingKind::LatentExposure => "latent-exposure",
            FindingKind::UndecidedExposure => "undecided-exposure",
            FindingKind::NaclReturnPath => "nacl-return-path",
            FindingKind::SecurityGroupOpenToWorld => "security-group-open-to-world",
            FindingKind::UnusedSecurityGroup => "unused-security-group",
            FindingKind::MissingSecurityGroup => "missing-security-group",
            FindingKind::BlackholeRoute => "blackhole-route",
            FindingKind::NoFlowLogs => "no-flow-logs",
            FindingKind::PeeringNotActive => "peering-not-active",
            FindingKind::UnusedRule => "unused-rule",
            FindingKind::LateralPath => "lateral-path",
            FindingKind::RoutingLoop => "routing-loop",
            FindingKind::UnreachableSubnet => "unreachable-subnet",
            FindingKind::TargetOpenToWorld => "target-open-to-world",
            FindingKind::HealthCheckBlocked => "health-check-blocked",
        }
    }

    /// A one-line description of the check (SARIF rule text, report legends).
    pub fn description(self) -> &'static str {
        match self {
            FindingKind::ExposedDatabase => "A database listener is reachable from the internet over the full path (forward and return)",
            FindingKind::ExposedAdminPort => "A remote administration port (SSH, RDP, Telnet, VNC, WinRM) is reachable from the internet",
            FindingKind::LatentExposure => "A security group opens a database or admin port to the world, but another piece of the path closes it",
            FindingKind::UndecidedExposure => "A database or admin port may be reachable from the internet: the path meets something the snapshot cannot evaluate",
            FindingKind::NaclReturnPath => "A network ACL admits traffic but denies its replies (network ACLs are stateless)",
            FindingKind::SecurityGroupOpenToWorld => "A security group admits all traffic from anywhere",
            FindingKind::UnusedSecurityGroup => "A security group is attached to no network interface",
            FindingKind::MissingSecurityGroup => "A security group referenced by a rule or an interface is not in the snapshot",
            FindingKind::BlackholeRoute => "A route points at a target that no longer exists; traffic is dropped",
            FindingKind::NoFlowLogs => "A VPC or subnet has no flow log",
            FindingKind::PeeringNotActive => "A VPC peering connection is not active and carries no traffic",
            FindingKind::UnusedRule => "An allow rule that no accepted flow used during the flow-log window",
            FindingKind::LateralPath => "A database or admin port is reachable from the internet in two or more hops, through hosts the internet reaches first",
            FindingKind::RoutingLoop => "Route tables forward a destination to one another around a cycle; no table delivers it",
            FindingKind::UnreachableSubnet => "A subnet routes to another VPC whose subnets have no route back to it: requests get there, replies never return",
            FindingKind::TargetOpenToWorld => "A target behind a load balancer admits its port from anywhere instead of from the load balancer only",
            FindingKind::HealthCheckBlocked => "A load balancer's health checks cannot reach a target, which then receives no traffic",
        }
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The component a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Resource {
    /// AWS id (`i-...`, `sg-...`, `acl-...`) or RDS DB identifier.
    pub id: String,
    /// Name tag, group name or DB identifier (untrusted text: escape when rendering).
    pub name: Option<String>,
    /// Resource type: `rds-db-instance`, `ec2-instance`, `network-interface`,
    /// `security-group`, `network-acl`, `route-table`, `transit-gateway-route-table`,
    /// `vpc`, `subnet`, `vpc-peering-connection`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The network interface, for interface-based resources.
    pub interface: Option<String>,
    /// The VPC.
    pub vpc: Option<String>,
    /// The subnet, for interface-based resources.
    pub subnet: Option<String>,
    /// The account that owns it, when the snapshot says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

impl Resource {
    fn new(id: impl Into<String>, name: Option<&str>, kind: &str) -> Resource {
        Resource { id: id.into(), name: name.map(str::to_string), kind: kind.into(), interface: None, vpc: None, subnet: None, account: None }
    }

    /// `name (id)` or `id`.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) if n != &self.id => format!("{n} ({})", self.id),
            _ => self.id.clone(),
        }
    }
}

/// The full path of an exposure (or the furthest a closed one got).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PathEvidence {
    /// The outside address the trace was evaluated for.
    pub sample: IpAddr,
    /// The request.
    pub forward: Leg,
    /// The reply.
    #[serde(rename = "return")]
    pub ret: Option<Leg>,
}

/// Flow-log evidence attached to an exposure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TrafficEvidence {
    /// ACCEPT records from outside addresses to the resource's port.
    pub accepted_records: u64,
    /// Distinct outside source addresses among them.
    pub source_addresses: u64,
    /// REJECT records from outside addresses to the port.
    pub rejected_records: u64,
}

/// One finding: the JSON contract's element of `findings`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What kind of problem.
    pub kind: FindingKind,
    /// How bad.
    pub severity: Severity,
    /// One line for lists and titles.
    pub title: String,
    /// The component.
    pub resource: Resource,
    /// Destination port, for port findings.
    pub port: Option<u16>,
    /// Protocol, for port and rule findings.
    pub protocol: Option<Protocol>,
    /// The outside ranges that get through (exposures) or the peer ranges a rule admits.
    pub sources: Vec<String>,
    /// The hop-by-hop path (exposures and latent exposures).
    pub path: Option<PathEvidence>,
    /// Facts that prove the finding: the rules that let traffic through, or the ones that
    /// conflict.
    pub evidence: Vec<String>,
    /// The component that closes the path (latent exposures).
    pub closed_by: Option<Blocked>,
    /// The change that removes the problem (never run by vpcscope).
    pub fix: Option<Fix>,
    /// Sentences for the reader.
    pub explanation: String,
    /// Traffic seen in the flow logs (with `--flows`).
    pub traffic: Option<TrafficEvidence>,
}

/// Counts for the summary.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Number of findings.
    pub total: usize,
    /// Findings per severity (every severity present, zero included).
    pub by_severity: BTreeMap<Severity, usize>,
    /// Findings per kind (only kinds that occur).
    pub by_kind: BTreeMap<FindingKind, usize>,
    /// Network interfaces examined.
    pub interfaces: usize,
    /// (interface, port) pairs evaluated against the whole internet.
    pub exposure_checks: usize,
    /// VPCs in the snapshot.
    pub vpcs: usize,
    /// Subnets in the snapshot.
    pub subnets: usize,
    /// The highest severity found, if any finding.
    pub highest: Option<Severity>,
    /// Flow-log records used (with `--flows`): the records with a flow (`ok` in `flows
    /// summary`), whatever conversation they belong to.
    pub flow_records: Option<usize>,
    /// The distinct conversations those records form (interface, addresses, ports, protocol,
    /// action), each evaluated once.
    pub flow_conversations: Option<usize>,
    /// The incident filter applied to `--flows` (`RecordFilter::to_json`), when one was given.
    pub flow_filter: Option<serde_json::Value>,
    /// Flow-log records outside that filter (with `--flows` and a filter).
    pub flow_records_filtered_out: Option<u64>,
    /// Why `lateral-path` findings were not looked for, when they were not on a network
    /// above [`LATERAL_DEFAULT_MAX_INTERFACES`] without an explicit `--max-hops`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lateral_skipped: Option<String>,
}

/// The largest network (in interfaces) on which `audit` looks for `lateral-path` findings
/// without being asked (`--max-hops`): the search builds the all-pairs matrix and a path
/// graph over it, seconds at 5,000 interfaces and minutes on a whole estate, so above this an
/// audit stays a quick posture report and says how to ask for the paths.
pub const LATERAL_DEFAULT_MAX_INTERFACES: usize = 5_000;

/// The audit: findings, most severe first, and the summary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Audit {
    /// Findings, sorted by severity (most severe first), kind, resource, port.
    pub findings: Vec<Finding>,
    /// Counts.
    pub summary: Summary,
}

impl Audit {
    /// Whether some finding is at or above `level`.
    pub fn has_at_least(&self, level: Severity) -> bool {
        self.findings.iter().any(|f| f.severity >= level)
    }
}

/// Settings of one audit run.
#[derive(Clone, Debug, Default)]
pub struct Options<'a> {
    /// Flow-log records to attach as evidence and to find unused rules with.
    pub flows: Option<&'a [flows::FlowRecord]>,
    /// The longest attack path `lateral-path` findings look for, in hops (below 2: none).
    pub max_hops: usize,
    /// Look for `lateral-path` findings only on networks of at most this many interfaces
    /// (`None`: whatever the size, as when `--max-hops` is given).
    pub lateral_limit: Option<usize>,
    /// Keep only the findings about resources this account owns (`--account`).
    pub account: Option<String>,
}

/// Runs every check over the topology.
pub fn audit(topo: &Topology<'_>, opts: &Options<'_>) -> Audit {
    let (mut findings, checks) = exposures(topo);
    let (through, lb_checks) = balancers::exposures(topo);
    findings.extend(through);
    let checks = checks + lb_checks;
    findings.extend(nacl::return_paths(topo));
    findings.extend(hygiene::checks(topo));
    let interfaces = topo.model.enis.len();
    let lateral_skipped = match opts.lateral_limit {
        Some(limit) if opts.max_hops >= 2 && interfaces > limit => Some(format!(
            "lateral paths (2 to {} hops from the internet) not looked for: {interfaces} interfaces, above {limit}; \
             ask with `vpcscope audit --max-hops {}` or `vpcscope paths --from internet --to databases`",
            opts.max_hops, opts.max_hops
        )),
        _ => {
            findings.extend(lateral::findings(topo, opts.max_hops));
            None
        }
    };
    findings.extend(routing::findings(topo));
    findings.extend(balancers::hygiene(topo));
    if let Some(records) = opts.flows {
        flows::attach(topo, records, &mut findings);
        findings.extend(flows::unused_rules(topo, records));
    }
    for f in &mut findings {
        if f.resource.account.is_none() {
            let id = f.resource.interface.as_deref().unwrap_or(&f.resource.id);
            f.resource.account = topo.account_of(id).map(str::to_string);
        }
    }
    if let Some(acct) = &opts.account {
        findings.retain(|f| f.resource.account.as_deref() == Some(acct.as_str()));
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.kind.cmp(&b.kind))
            .then_with(|| a.resource.id.cmp(&b.resource.id))
            .then(a.port.cmp(&b.port))
            .then_with(|| a.title.cmp(&b.title))
    });
    let m = topo.model;
    let mut summary = Summary {
        total: findings.len(),
        interfaces: m.enis.len(),
        exposure_checks: checks,
        vpcs: m.vpcs.len(),
        subnets: m.subnets.len(),
        highest: findings.iter().map(|f| f.severity).max(),
        flow_records: opts.flows.map(|f| f.iter().map(|r| r.records).sum::<u64>() as usize),
        flow_conversations: opts.flows.map(<[_]>::len),
        lateral_skipped,
        ..Summary::default()
    };
    for s in Severity::ALL {
        summary.by_severity.insert(s, 0);
    }
    for f in &findings {
        *summary.by_severity.entry(f.severity).or_default() += 1;
        *summary.by_kind.entry(f.kind).or_default() += 1;
    }
    Audit { findings, summary }
}

/// What listens on an interface, for classifying a port.
#[derive(Clone, Debug)]
pub(crate) struct Listener {
    /// The RDS instance, when the interface is one's.
    pub(crate) db: Option<Ix>,
    /// Ports the managed service listens on (RDS port, ElastiCache 6379/11211, ...).
    pub(crate) ports: Vec<u16>,
}

pub(crate) fn listener(topo: &Topology<'_>, ix: Ix) -> Listener {
    let m = topo.model;
    let e = &m.enis[ix];
    let db = (0..m.db_instances.len()).find(|&d| topo.db_enis(d).contains(&ix));
    let mut ports = Vec::new();
    if let Some(d) = db {
        let inst = &m.db_instances[d];
        ports.extend(inst.port.or_else(|| engine_port(&inst.engine)));
    }
    match e.kind {
        EniKind::Rds if ports.is_empty() => ports.extend([3306, 5432, 1521, 1433]),
        EniKind::ElastiCache => ports.extend([6379, 11211]),
        EniKind::Redshift => ports.push(5439),
        EniKind::OpenSearch => ports.extend([443, 9200]),
        _ => {}
    }
    Listener { db, ports }
}

fn engine_port(engine: &str) -> Option<u16> {
    let e = engine.to_ascii_lowercase();
    if e.contains("postgres") {
        Some(5432)
    } else if e.contains("mysql") || e.contains("maria") || e.starts_with("aurora") {
        Some(3306)
    } else if e.contains("oracle") {
        Some(1521)
    } else if e.contains("sqlserver") {
        Some(1433)
    } else if e.contains("docdb") || e.contains("mongo") {
        Some(27017)
    } else if e.contains("neptune") {
        Some(8182)
    } else {
        None
    }
}


/// Whether `c` contains at least one public (internet) address.
fn has_public(c: &IpNet) -> bool {
    match c {
        IpNet::V4(_) => !crate::model::is_special_net(c),
        IpNet::V6(v6) => {
            let global: IpNet = match "2000::/3".parse() {
                Ok(n) => n,
                Err(_) => return false,
            };
            global.contains(c) || IpNet::V6(*v6).contains(&global)
        }
    }
}

fn is_world(c: &IpNet) -> bool {
    c.prefix_len() == 0
}

/// The public peer CIDRs of a rule (prefix lists resolved).
fn public_peers(topo: &Topology<'_>, peer: &SgPeer) -> Vec<IpNet> {
    match peer {
        SgPeer::Cidr(c) => vec![*c],
        SgPeer::PrefixList(p) => topo.prefix_list_cidrs(p).to_vec(),
        SgPeer::Group(_) => Vec::new(),
    }
    .into_iter()
    .filter(has_public)
    .collect()
}

fn rule_ports(rule: &SgRule) -> Option<PortRange> {
    if !rule.protocol.covers(Protocol::Tcp) {
        return None;
    }
    match rule.l4 {
        L4Match::Any => Some(PortRange::ALL),
        L4Match::Ports(r) => Some(r),
        L4Match::Icmp(_) => None,
    }
}

/// One (interface, port) an internet peer might reach, with the world-open rules that
/// admit it (for the latent class and the fix).
#[derive(Clone, Debug)]
struct Candidate {
    ix: Ix,
    port: u16,
    listener_port: bool,
    /// Rules admitting the port from a public peer: (group, rule).
    rules: Vec<(SgId, SgRule)>,
}

impl Candidate {
    fn world_rules(&self) -> impl Iterator<Item = &(SgId, SgRule)> {
        self.rules.iter().filter(|(_, r)| matches!(&r.peer, SgPeer::Cidr(c) if is_world(c)))
    }
}

/// The (interface, port) pairs worth sweeping: database and admin ports (and a managed
/// database's listener port) that some ingress rule opens to a public peer. Rules that open
/// every port count for admin ports and managed listeners only; on a plain instance they
/// are reported as `security-group-open-to-world` rather than as 23 database findings.
fn candidates(topo: &Topology<'_>) -> Vec<(Candidate, Listener)> {
    let mut out = Vec::new();
    for (ix, e) in topo.model.enis.iter().enumerate() {
        // A load balancer's node is audited through its listeners (`balancers`).
        if e.security_groups.is_empty() || topo.lb_of_eni(ix).is_some() {
            continue;
        }
        let l = listener(topo, ix);
        let mut per_port: BTreeMap<u16, Candidate> = BTreeMap::new();
        for gid in &e.security_groups {
            let Some(g) = topo.sg(gid.as_str()) else { continue };
            for r in &g.ingress {
                let Some(range) = rule_ports(r) else { continue };
                if public_peers(topo, &r.peer).is_empty() {
                    continue;
                }
                let broad = range == PortRange::ALL;
                let ports = ADMIN_PORTS.iter().map(|(p, _)| *p).chain(l.ports.iter().copied()).chain(
                    DATABASE_PORTS.iter().map(|(p, _)| *p).filter(|_| !broad || e.kind.is_managed_database()),
                );
                for p in ports.filter(|p| range.contains(*p)) {
                    let c = per_port.entry(p).or_insert_with(|| Candidate { ix, port: p, listener_port: l.ports.contains(&p), rules: Vec::new() });
                    if !c.rules.iter().any(|(gg, rr)| gg == &g.id && rr == r) {
                        c.rules.push((g.id.clone(), r.clone()));
                    }
                }
            }
        }
        out.extend(per_port.into_values().map(|c| (c, l.clone())));
    }
    out
}

fn is_admin(port: u16) -> bool {
    ADMIN_PORTS.iter().any(|(p, _)| *p == port)
}

/// The resource an interface stands for: its RDS instance, its EC2 instance, or itself.
pub(crate) fn eni_resource(topo: &Topology<'_>, ix: Ix, l: &Listener) -> Resource {
    let m = topo.model;
    let e = &m.enis[ix];
    // Which database owns an interface is unknown when several could (the same subnet group
    // and security groups): the finding is about the interface, naming every candidate.
    let owners: Vec<&str> = (0..m.db_instances.len()).filter(|&d| topo.db_enis(d).contains(&ix)).map(|d| m.db_instances[d].id.as_str()).collect();
    let mut r = if owners.len() > 1 {
        let name = format!("{} (one of {}; the snapshot cannot tell which)", e.id, owners.join(", "));
        Resource { name: Some(name), ..Resource::new(e.id.as_str(), None, "network-interface/rds") }
    } else if let Some(d) = l.db {
        let db = &m.db_instances[d];
        Resource::new(db.id.as_str(), Some(db.tags.name().unwrap_or(db.id.as_str())), "rds-db-instance")
    } else if let Some(i) = e.instance.as_ref() {
        Resource::new(i.as_str(), topo.name_of(e.id.as_str()), "ec2-instance")
    } else {
        let name = topo.name_of(e.id.as_str()).map(str::to_string).or_else(|| (!e.description.is_empty()).then(|| e.description.clone()));
        Resource { name, ..Resource::new(e.id.as_str(), None, &format!("network-interface/{}", e.kind.label())) }
    };
    r.interface = Some(e.id.to_string());
    r.vpc = Some(e.vpc.to_string());
    r.subnet = Some(e.subnet.to_string());
    r
}

/// The console-style rules that let a successful trace through, one line per hop.
fn allow_evidence(trace: &Trace) -> Vec<String> {
    let mut out = Vec::new();
    let legs = std::iter::once(("request", &trace.forward)).chain(trace.ret.as_ref().map(|r| ("reply", r)));
    for (leg, l) in legs {
        for h in &l.hops {
            if let Some(rule) = words::hop_rule(h) {
                out.push(format!("{leg}: {}{} {}: {rule}", h.id, h.direction.map(|d| format!(" {d}")).unwrap_or_default(), kind_word(h)));
            } else if matches!(h.action, eval::Action::Translate) {
                out.push(format!("{leg}: {} {}", h.id, words::hop_detail(h)));
            }
        }
    }
    out
}

fn kind_word(h: &Hop) -> String {
    h.kind.to_string()
}

pub(crate) fn revoke_fix(g: &SgId, r: &SgRule, port: u16) -> Fix {
    let (cidr_flag, cidr) = match &r.peer {
        SgPeer::Cidr(c) if c.addr().is_ipv6() => ("--ip-permissions", format!("IpProtocol={},FromPort={},ToPort={},Ipv6Ranges=[{{CidrIpv6={c}}}]", proto_cli(r.protocol), from_port(r), to_port(r))),
        SgPeer::Cidr(c) => ("--ip-permissions", format!("IpProtocol={},FromPort={},ToPort={},IpRanges=[{{CidrIp={c}}}]", proto_cli(r.protocol), from_port(r), to_port(r))),
        SgPeer::PrefixList(p) => ("--ip-permissions", format!("IpProtocol={},FromPort={},ToPort={},PrefixListIds=[{{PrefixListId={p}}}]", proto_cli(r.protocol), from_port(r), to_port(r))),
        SgPeer::Group(s) => ("--ip-permissions", format!("IpProtocol={},FromPort={},ToPort={},UserIdGroupPairs=[{{GroupId={s}}}]", proto_cli(r.protocol), from_port(r), to_port(r))),
    };
    Fix {
        action: "revoke-security-group-rule".into(),
        id: g.to_string(),
        description: format!(
            "remove inbound rule {r} from {g} (or narrow it to the addresses that need port {port}, e.g. a VPN or bastion range, and reach the service over a private path)"
        ),
        aws_cli: Some(format!("aws ec2 revoke-security-group-ingress --group-id {g} {cidr_flag} '{cidr}'")),
    }
}

fn proto_cli(p: Protocol) -> String {
    crate::aws::cli::protocol_name(p)
}

fn from_port(r: &SgRule) -> i32 {
    match r.l4 {
        L4Match::Ports(p) => p.from as i32,
        _ => -1,
    }
}

fn to_port(r: &SgRule) -> i32 {
    match r.l4 {
        L4Match::Ports(p) => p.to as i32,
        _ => -1,
    }
}

/// Sweeps every candidate against the whole internet; returns the exposure and latent
/// findings and the number of (interface, port) pairs checked.
///
/// Interfaces in the same subnet with the same security groups, the same public-address
/// status and the same port answer the internet alike (ACLs and routes see only the outside
/// address; the internet gateway maps whichever public address), so one full sweep serves
/// the class and each member re-evaluates only the sample address for its own path. If a
/// member's answer differs from its class's, it gets a full sweep of its own.
fn exposures(topo: &Topology<'_>) -> (Vec<Finding>, usize) {
    let cands = candidates(topo);
    let n = cands.len();
    type Key = (String, Vec<String>, bool, bool, u16);
    let key = |c: &Candidate| -> Key {
        let e = &topo.model.enis[c.ix];
        let mut groups: Vec<String> = e.security_groups.iter().map(|g| g.to_string()).collect();
        groups.sort();
        let public = e.primary_ip().is_some_and(|ip| e.public_for(ip).is_some());
        let v6 = e.private_ips.iter().any(|a| a.is_ipv6());
        (e.subnet.to_string(), groups, public, v6, c.port)
    };
    let mut classes: BTreeMap<Key, usize> = BTreeMap::new();
    let mut reps: Vec<usize> = Vec::new();
    for (i, (c, _)) in cands.iter().enumerate() {
        classes.entry(key(c)).or_insert_with(|| {
            reps.push(i);
            i
        });
    }
    let swept: HashMap<usize, Sweep> = reps.par_iter().filter_map(|&i| full_sweep(topo, &cands[i].0).map(|s| (i, s))).collect();
    let findings: Vec<Finding> = cands
        .par_iter()
        .enumerate()
        .filter_map(|(i, (c, l))| {
            let rep = classes.get(&key(c)).copied()?;
            let sweep = swept.get(&rep)?;
            if rep == i {
                return exposure(topo, c, l, sweep.clone());
            }
            let ip = topo.model.enis[c.ix].primary_ip()?;
            let trace = eval::evaluate(topo, &Endpoint::Internet(sweep.sample), &Endpoint::Eni { ix: c.ix, ip }, Protocol::Tcp, eval::DEFAULT_SOURCE_PORT, c.port);
            if trace.verdict == sweep.trace.verdict {
                exposure(topo, c, l, Sweep { trace, ..sweep.clone() })
            } else {
                exposure(topo, c, l, full_sweep(topo, c)?)
            }
        })
        .collect();
    (findings, n)
}

fn full_sweep(topo: &Topology<'_>, c: &Candidate) -> Option<Sweep> {
    let e = &topo.model.enis[c.ix];
    let ip = e.primary_ip()?;
    let dst = Endpoint::Eni { ix: c.ix, ip };
    Some(sweep_internet(topo, (c.ix, ip), true, |addr| {
        eval::evaluate(topo, &Endpoint::Internet(addr), &dst, Protocol::Tcp, eval::DEFAULT_SOURCE_PORT, c.port)
    }))
}

fn exposure(topo: &Topology<'_>, c: &Candidate, l: &Listener, sweep: Sweep) -> Option<Finding> {
    let e = &topo.model.enis[c.ix];
    let ip = e.primary_ip()?;
    let admin = is_admin(c.port) && !c.listener_port;
    let service = if c.listener_port && !is_admin(c.port) {
        l.db.map(|d| topo.model.db_instances[d].engine.clone()).or_else(|| service_of(c.port).map(str::to_string)).unwrap_or_else(|| e.kind.label().to_string())
    } else {
        service_of(c.port).unwrap_or("service").to_string()
    };
    let resource = eni_resource(topo, c.ix, l);
    let label = resource.label();
    let path = PathEvidence { sample: sweep.sample, forward: sweep.trace.forward.clone(), ret: sweep.trace.ret.clone() };
    let fix = c.world_rules().next().or(c.rules.first()).map(|(g, r)| revoke_fix(g, r, c.port));
    let rules_text: Vec<String> = c.rules.iter().map(|(g, r)| format!("{g} inbound {r}")).collect();
    let public = e.public_for(ip).map(|p| format!(" at public address {p}")).unwrap_or_default();
    if !sweep.ranges.is_empty() {
        let (kind, severity) = exposure_class(admin, &sweep);
        let (sources, who): (Vec<String>, String) = if sweep.all {
            let mut s = vec!["0.0.0.0/0".to_string()];
            if sweep.all_v6 {
                s.push("::/0".into());
            }
            (s, "any internet address".to_string())
        } else if sweep.all_v4 || sweep.all_v6 {
            let (family, world, v6) = if sweep.all_v6 { ("IPv6", "::/0", true) } else { ("IPv4", "0.0.0.0/0", false) };
            let mut s = vec![world.to_string()];
            s.extend(sweep.ranges.iter().filter(|r| r.addr().is_ipv6() != v6).map(ToString::to_string));
            (s, format!("any {family} internet address"))
        } else if !sweep.refused.is_empty() && sweep.refused.len() <= 3 && sweep.unknown.is_empty() {
            // Most of the internet: name the few ranges that do not get through.
            let s: Vec<String> = sweep.ranges.iter().map(ToString::to_string).collect();
            let except: Vec<String> = sweep.refused.iter().map(ToString::to_string).collect();
            (s, format!("every public address except {}", except.join(", ")))
        } else {
            let s: Vec<String> = sweep.ranges.iter().map(ToString::to_string).collect();
            let who = format!("{} ({})", plural(s.len(), "public range"), short_list(&s));
            (s, who)
        };
        let rds_note = match l.db {
            Some(d) if topo.model.db_instances[d].publicly_accessible => " The RDS instance is PubliclyAccessible.",
            _ => "",
        };
        let mut evidence = allow_evidence(&sweep.trace);
        evidence.extend(rules_text.iter().map(|r| format!("admitting rule: {r}")));
        return Some(Finding {
            kind,
            severity,
            title: format!("{service} on {label} port {} is reachable from {who}", c.port),
            explanation: format!(
                "{label}{public} accepts TCP {} ({service}) from {who}: the request passes the internet gateway, the subnet's network ACL and the security groups, and the reply gets back out (checked over the full path, both directions, for every range of the address space).{rds_note}",
                c.port
            ),
            resource,
            port: Some(c.port),
            protocol: Some(Protocol::Tcp),
            sources,
            path: Some(path),
            evidence,
            closed_by: None,
            fix,
            traffic: None,
        });
    }
    // Undecided: some ranges meet something the model cannot evaluate. Neither hidden nor
    // called exposed: its own class, naming what is missing.
    if !sweep.unknown.is_empty() {
        let b = sweep.trace.blocked_by.clone();
        let what = b.as_ref().map(|b| format!("{} ({}): {}", b.id, b.code, words::explanation(b))).unwrap_or_default();
        let sources: Vec<String> = sweep.unknown.iter().map(ToString::to_string).collect();
        let mut evidence: Vec<String> = rules_text.iter().map(|r| format!("admitting rule: {r}")).collect();
        evidence.push(format!("undecided at: {what}"));
        return Some(Finding {
            kind: FindingKind::UndecidedExposure,
            severity: if admin { Severity::Low } else { Severity::Medium },
            title: format!("{service} on {label} port {} may be reachable from {}: the snapshot cannot decide", c.port, plural(sources.len(), "public range")),
            explanation: format!(
                "{label}{public} admits TCP {} ({service}) in its security groups, and the path from {} meets {}, which the model does not evaluate. Check that component, or capture what is missing, to decide.",
                c.port,
                short_list(&sources),
                b.as_ref().map(|b| b.id.as_str()).unwrap_or("a component")
            ),
            resource,
            port: Some(c.port),
            protocol: Some(Protocol::Tcp),
            sources,
            path: Some(path),
            evidence,
            closed_by: b,
            fix: None,
            traffic: None,
        });
    }
    // Not reachable: latent only when a security group opens the port to the world.
    let world: Vec<String> = c.world_rules().map(|(g, r)| format!("{g} inbound {r}")).collect();
    if world.is_empty() {
        return None;
    }
    let blocked = sweep.trace.blocked_by.clone();
    let closed = blocked.as_ref().map(closed_phrase).unwrap_or_else(|| "the path is closed".into());
    let severity = if admin { Severity::Low } else { Severity::Medium };
    let mut evidence = world.iter().map(|r| format!("opening rule: {r}")).collect::<Vec<_>>();
    if let Some(b) = &blocked {
        evidence.push(format!("closed by: {} {}{} ({}, {} path): {}", b.kind, b.id, b.rule.as_ref().map(|r| format!(" rule {r}")).unwrap_or_default(), b.code, words::path_word(b.path), words::explanation(b)));
    }
    Some(Finding {
        kind: FindingKind::LatentExposure,
        severity,
        title: format!("{service} on {label} port {} is open to the world in its security group but closed by {closed}", c.port),
        explanation: format!(
            "A security-group-only checker would flag {label}: {}. Over the full path it is not reachable from the internet, closed by {closed}. A change to that one piece would expose it; narrow the security group rule as well.",
            world.join("; ")
        ),
        resource,
        port: Some(c.port),
        protocol: Some(Protocol::Tcp),
        sources: c.world_rules().map(|(_, r)| r.peer.to_string()).collect(),
        path: Some(path),
        evidence,
        closed_by: blocked,
        fix,
        traffic: None,
    })
}

/// The kind and severity of an exposure: a database or an admin port, reachable from the
/// whole internet (either family's whole internet is as bad) or from some ranges.
fn exposure_class(admin: bool, sweep: &Sweep) -> (FindingKind, Severity) {
    let world = sweep.all || sweep.all_v4 || sweep.all_v6;
    match (admin, world) {
        (false, true) => (FindingKind::ExposedDatabase, Severity::Critical),
        (false, false) => (FindingKind::ExposedDatabase, Severity::High),
        (true, true) => (FindingKind::ExposedAdminPort, Severity::High),
        (true, false) => (FindingKind::ExposedAdminPort, Severity::Medium),
    }
}

/// "no public address", "network ACL acl-1 inbound rule 100", ...
fn closed_phrase(b: &Blocked) -> String {
    let leg = match b.path {
        eval::PathKind::Forward => "",
        eval::PathKind::Return => " on the reply",
    };
    match b.code.as_str() {
        "NO_PUBLIC_ADDRESS" => format!("no public address on {}", b.id),
        _ => match (b.kind, b.rule_number) {
            (eval::Kind::NetworkAcl, Some(n)) => {
                format!("network ACL {} {} rule {n}{leg}", b.id, b.direction.map(|d| d.to_string()).unwrap_or_default())
            }
            (eval::Kind::RouteTable, _) => format!("route table {} ({}){leg}: {}", b.id, b.code, words::explanation(b)),
            (eval::Kind::SecurityGroup, _) => format!("security groups of {}{leg}", b.id),
            _ => format!("{} {} ({}){leg}", b.kind, b.id, b.code),
        },
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn short_list(items: &[String]) -> String {
    if items.len() <= 4 {
        items.join(", ")
    } else {
        format!("{}, and {} more", items[..4].join(", "), items.len() - 4)
    }
}

/// The direction word for ACL findings.
pub(crate) fn dir_word(d: Direction) -> &'static str {
    match d {
        Direction::Ingress => "inbound",
        Direction::Egress => "outbound",
    }
}

#[cfg(test)]
mod tests;
