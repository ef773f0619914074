//! AWS Network Firewall: a firewall's endpoints (one per zone, each a Gateway Load Balancer
//! endpoint in a firewall subnet), its policy (stateless rule groups by priority with
//! default actions, then the stateful engine) and the rule groups, as far as a packet's
//! addresses, ports and protocol decide them. Suricata rule strings and domain lists depend
//! on payloads: they are kept as "cannot decide" (`RuleGroup::undecidable`).

use super::{PortRange, SubnetId, VpcId, VpceId};
use ipnet::IpNet;
use serde::Serialize;

/// One zone's endpoint of a firewall.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FirewallEndpoint {
    /// The zone.
    pub az: String,
    /// The firewall subnet.
    pub subnet: SubnetId,
    /// The endpoint (`vpce-...`) routes name.
    pub endpoint: VpceId,
}

/// A firewall.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Firewall {
    /// ARN.
    pub id: String,
    /// Name.
    pub name: String,
    /// The VPC.
    pub vpc: VpcId,
    /// The policy's ARN.
    pub policy: String,
    /// Endpoints, by zone.
    pub endpoints: Vec<FirewallEndpoint>,
}

/// What a stateless rule or default does with a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StatelessAction {
    /// `aws:pass`: through, no stateful inspection.
    Pass,
    /// `aws:drop`.
    Drop,
    /// `aws:forward_to_sfe`: to the stateful engine.
    Forward,
}

impl StatelessAction {
    /// The action among `actions` (custom actions only publish metrics).
    pub fn from_actions(actions: &[String]) -> Option<StatelessAction> {
        actions.iter().find_map(|a| match a.as_str() {
            "aws:pass" => Some(StatelessAction::Pass),
            "aws:drop" => Some(StatelessAction::Drop),
            "aws:forward_to_sfe" => Some(StatelessAction::Forward),
            _ => None,
        })
    }
}

/// A firewall policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FirewallPolicy {
    /// ARN.
    pub id: String,
    /// Name.
    pub name: String,
    /// Stateless rule groups (priority, ARN), lowest priority first.
    pub stateless_groups: Vec<(i64, String)>,
    /// What happens to a full packet no stateless rule matches (`None`: not captured).
    pub stateless_default: Option<StatelessAction>,
    /// Stateful rule groups (priority under strict order, ARN), in evaluation order.
    pub stateful_groups: Vec<(Option<i64>, String)>,
    /// Strict rule order (else the default action order: pass, then drop and reject, then
    /// alert).
    pub strict_order: bool,
    /// Stateful default actions (strict order only): `aws:drop_strict`, ...
    pub stateful_default: Vec<String>,
}

/// An address set of a rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum FwAddresses {
    /// Any address.
    Any,
    /// These prefixes.
    Nets(Vec<IpNet>),
}

impl FwAddresses {
    /// Whether `ip` is in the set.
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        match self {
            FwAddresses::Any => true,
            FwAddresses::Nets(n) => n.iter().any(|c| c.contains(&ip)),
        }
    }
}

/// A stateless rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatelessRule {
    /// Priority within its group (lower first).
    pub priority: i64,
    /// Source prefixes (empty: any).
    pub sources: Vec<IpNet>,
    /// Destination prefixes (empty: any).
    pub destinations: Vec<IpNet>,
    /// Source port ranges (empty: any).
    pub source_ports: Vec<PortRange>,
    /// Destination port ranges (empty: any).
    pub destination_ports: Vec<PortRange>,
    /// IP protocol numbers (empty: any).
    pub protocols: Vec<u8>,
    /// Whether it matches on TCP flags (only some packets of a connection).
    pub tcp_flags: bool,
    /// Its action (`None`: only custom actions).
    pub action: Option<StatelessAction>,
}

/// What a stateful rule does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StatefulAction {
    /// `PASS`.
    Pass,
    /// `DROP`.
    Drop,
    /// `REJECT`.
    Reject,
    /// `ALERT` (logs, lets through).
    Alert,
}

/// A stateful 5-tuple rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatefulRule {
    /// The action.
    pub action: StatefulAction,
    /// IP protocol number, `None` for `IP` (any).
    pub protocol: Option<u8>,
    /// Source addresses.
    pub source: FwAddresses,
    /// Source ports (`None`: any).
    pub source_ports: Option<PortRange>,
    /// Destination addresses.
    pub destination: FwAddresses,
    /// Destination ports (`None`: any).
    pub destination_ports: Option<PortRange>,
    /// `ANY` direction: matches either way.
    pub both_ways: bool,
    /// The rule as AWS writes it, for reports.
    pub text: String,
}

/// A rule group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleGroup {
    /// ARN.
    pub id: String,
    /// Name.
    pub name: String,
    /// Stateless rules (a stateless group), by priority.
    pub stateless: Vec<StatelessRule>,
    /// Stateful 5-tuple rules (a stateful group), in order.
    pub stateful: Vec<StatefulRule>,
    /// Why the group cannot be decided from a packet's addresses and ports (a Suricata rule
    /// string, a domain list, a rule the model cannot read).
    pub undecidable: Option<String>,
}
