//! Load balancers (Application, Network, Gateway and Classic), their listeners and target
//! groups, as `AWS-SEMANTICS.md` §5b describes them: a client connects to a listener on a
//! node; the load balancer opens a second connection from the node to a target.

use super::{SgId, SubnetId, VpcId};
use serde::Serialize;

/// The kind of a load balancer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LbKind {
    /// Application Load Balancer (layer 7; always from the node's address).
    Application,
    /// Network Load Balancer (layer 4; may preserve the client's address).
    Network,
    /// Gateway Load Balancer (GENEVE to appliances; no listener ports of its own).
    Gateway,
    /// Classic Load Balancer.
    Classic,
}

impl LbKind {
    /// The short name reports print (`alb`, `nlb`, `gwlb`, `clb`).
    pub fn label(self) -> &'static str {
        match self {
            LbKind::Application => "alb",
            LbKind::Network => "nlb",
            LbKind::Gateway => "gwlb",
            LbKind::Classic => "clb",
        }
    }
}

/// One listener: what the load balancer accepts and where it forwards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Listener {
    /// The listener's ARN (a Classic listener has none: `NAME:PORT`).
    pub id: String,
    /// The port clients connect to.
    pub port: u16,
    /// `HTTP`, `HTTPS`, `TCP`, `UDP`, `TCP_UDP`, `TLS`, `GENEVE`, `SSL`.
    pub protocol: String,
    /// The target groups its default action forwards to.
    pub target_groups: Vec<String>,
    /// Target groups only some requests reach (ALB rules on host, path or header): a
    /// packet's addresses and ports cannot say which.
    pub conditional_target_groups: Vec<String>,
    /// The default action answers on the load balancer itself (`redirect`,
    /// `fixed-response`), with no target.
    pub answers_itself: Option<String>,
}

impl Listener {
    /// Whether the listener accepts transport protocol `udp` (else TCP).
    pub fn accepts(&self, udp: bool) -> bool {
        match self.protocol.to_ascii_uppercase().as_str() {
            "UDP" => udp,
            "TCP_UDP" => true,
            "GENEVE" => false,
            _ => !udp,
        }
    }
}

/// A load balancer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LoadBalancer {
    /// ARN (ELBv2) or name (Classic): the id everything refers to.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The kind.
    pub kind: LbKind,
    /// Internet-facing (public node addresses) or internal.
    pub internet_facing: bool,
    /// The VPC.
    pub vpc: VpcId,
    /// The subnets its nodes are in.
    pub subnets: Vec<SubnetId>,
    /// Its security groups (ALB, CLB, and NLBs created with some).
    pub security_groups: Vec<SgId>,
    /// Listeners.
    pub listeners: Vec<Listener>,
    /// Whether the listeners were in the snapshot (`LoadBalancerListeners`).
    pub listeners_captured: bool,
    /// Cross-zone load balancing (`load_balancing.cross_zone.enabled`): `None` when the
    /// attributes were not captured (ALB: always on; NLB/GWLB default off).
    pub cross_zone: Option<bool>,
    /// The description its node interfaces carry (`ELB net/NAME/ID`, `ELB NAME`).
    pub node_description: String,
    /// DNS name.
    pub dns_name: String,
}

impl LoadBalancer {
    /// Whether a node may send to targets in other zones.
    pub fn crosses_zones(&self, group: Option<&TargetGroup>) -> bool {
        match self.kind {
            LbKind::Application | LbKind::Classic => true,
            _ => group.and_then(|g| g.cross_zone).or(self.cross_zone).unwrap_or(false),
        }
    }

    /// The listener for transport `udp` on `port`.
    pub fn listener(&self, udp: bool, port: u16) -> Option<&Listener> {
        self.listeners.iter().find(|l| l.port == port && l.accepts(udp))
    }
}

/// What a target group's targets are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetType {
    /// EC2 instances (their primary interface).
    Instance,
    /// IP addresses (in the VPC, a peered VPC or on premises).
    Ip,
    /// A Lambda function (invoked by the service, not over the VPC).
    Lambda,
    /// An Application Load Balancer behind a Network Load Balancer.
    Alb,
}

/// Where health checks are sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HealthCheckPort {
    /// The port each target receives traffic on.
    TrafficPort,
    /// A fixed port.
    Port(u16),
}

/// One registered target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Target {
    /// Instance id, IP address, Lambda or ALB ARN.
    pub id: String,
    /// The port it receives traffic on (the group's port when unset).
    pub port: Option<u16>,
    /// The zone it was registered in (`all` for IP targets outside the VPC).
    pub az: Option<String>,
    /// `healthy`, `unhealthy`, `initial`, `draining`, `unused`, `unavailable`, or
    /// `registered` when the snapshot does not say.
    pub health: String,
}

impl Target {
    /// Whether the load balancer sends new connections to it: not draining and not unused
    /// (a target in a zone the load balancer does not serve).
    pub fn in_service(&self) -> bool {
        !matches!(self.health.as_str(), "draining" | "unused")
    }
}

/// A target group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TargetGroup {
    /// ARN (Classic listeners get `NAME:PORT`).
    pub id: String,
    /// Name.
    pub name: String,
    /// Protocol of the connection to targets.
    pub protocol: String,
    /// The default target port.
    pub port: Option<u16>,
    /// What its targets are.
    pub target_type: TargetType,
    /// The VPC.
    pub vpc: Option<VpcId>,
    /// Health checks: the port, or `None` when they are disabled.
    pub health_check: Option<HealthCheckPort>,
    /// `preserve_client_ip.enabled` when captured.
    pub preserve_client_ip: Option<bool>,
    /// `load_balancing.cross_zone.enabled` of the group (`use_load_balancer_configuration`
    /// reads as `None`).
    pub cross_zone: Option<bool>,
    /// Registered targets; `None` when the snapshot holds no target health for the group.
    pub targets: Option<Vec<Target>>,
}

impl TargetGroup {
    /// Whether targets see the client's address (NLB): always for instance targets unless
    /// turned off; for IP targets when turned on (UDP and TCP_UDP groups: on by default).
    pub fn preserves_client_ip(&self, lb: LbKind) -> bool {
        if lb != LbKind::Network {
            return false;
        }
        match (self.preserve_client_ip, self.target_type) {
            (Some(v), _) => v,
            (None, TargetType::Instance) => true,
            (None, _) => matches!(self.protocol.to_ascii_uppercase().as_str(), "UDP" | "TCP_UDP"),
        }
    }

    /// The port a target receives traffic on.
    pub fn target_port(&self, t: &Target) -> Option<u16> {
        t.port.or(self.port)
    }

    /// The port health checks of target `t` go to.
    pub fn health_port(&self, t: &Target) -> Option<u16> {
        match self.health_check? {
            HealthCheckPort::TrafficPort => self.target_port(t),
            HealthCheckPort::Port(p) => Some(p),
        }
    }
}
