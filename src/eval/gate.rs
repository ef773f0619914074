//! The verdict of [`at_interface`](super::at_interface) without the trace: which of an
//! interface's own checks (its security groups, its subnet's ACL) refuses a packet. It is
//! the same walk, keeping only where it stopped: no steps, no sentence, no fix. Analyses
//! that evaluate hundreds of thousands of flow-log conversations decide with
//! [`at_interface_gate`] and keep a full trace only for the one conversation that represents
//! each finding.

use super::path::{at_interface_decision, StopAt};
use super::{BlockCode, Direction, Kind, Packet};
use crate::model::RuleNumber;
use crate::topology::{Ix, Topology};

/// What an interface's checks decide about one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Gate {
    /// Every check admits it.
    Allowed,
    /// The ACL of subnet `subnet` refuses it by rule `number` of direction `direction`.
    Acl {
        /// Position of the subnet in the model.
        subnet: Ix,
        /// Ingress (inbound rules) or egress (outbound rules).
        direction: Direction,
        /// The rule that decided (`*` is [`RuleNumber::DEFAULT`]).
        number: RuleNumber,
    },
    /// No rule of the interface's security groups admits it.
    SecurityGroups {
        /// Ingress or egress rules.
        direction: Direction,
    },
    /// A check the snapshot lacks (the subnet's ACL, one of the groups) decides, and no
    /// `--assume-missing` says what it does: the answer is unknown.
    Undecided {
        /// Ingress or egress.
        direction: Direction,
    },
}

impl Gate {
    /// Whether the packet passes.
    pub fn allowed(self) -> bool {
        self == Gate::Allowed
    }
}

/// The verdict [`at_interface`](super::at_interface) reaches for the same arguments: `dir`
/// is the packet's direction at interface `ix`; `reply` marks the reply of an admitted
/// connection (security groups are stateful and admit it; only the ACL can refuse it).
/// ACLs are not evaluated between two addresses of the same subnet.
pub fn at_interface_gate(topo: &Topology<'_>, ix: Ix, dir: Direction, packet: &Packet, reply: bool) -> Gate {
    match at_interface_decision(topo, ix, dir, *packet, reply) {
        None => Gate::Allowed,
        Some(at) => gate_of(at, dir),
    }
}

fn gate_of(at: StopAt, dir: Direction) -> Gate {
    match at {
        StopAt { code: BlockCode::MissingNetworkAcl | BlockCode::MissingSecurityGroup, rule_number: None, .. } => Gate::Undecided { direction: dir },
        StopAt { kind: Kind::NetworkAcl, subnet: Some(subnet), rule_number, .. } => {
            Gate::Acl { subnet, direction: dir, number: rule_number.unwrap_or(RuleNumber::DEFAULT) }
        }
        StopAt { kind: Kind::NetworkAcl, .. } => Gate::Undecided { direction: dir },
        _ => Gate::SecurityGroups { direction: dir },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{at_interface, at_interface_verdict, Kind};
    use crate::model::Protocol;
    use crate::testgen::{self, NetworkSpec};
    use proptest::prelude::*;
    use std::net::{IpAddr, Ipv4Addr};

    fn agree(topo: &Topology<'_>, ix: Ix, dir: Direction, p: Packet, reply: bool) -> Result<(), TestCaseError> {
        let gate = at_interface_gate(topo, ix, dir, &p, reply);
        let trace = at_interface(topo, ix, dir, p, reply);
        prop_assert_eq!(gate.allowed(), trace.reachable, "{:?} {} {:?} reply={}", dir, p, gate, reply);
        // The walk without text decides the same, with the same blocking component and fix.
        let verdict = at_interface_verdict(topo, ix, dir, p, reply);
        prop_assert_eq!(verdict.reachable, trace.reachable);
        prop_assert_eq!(format!("{:?}", verdict.blocked_by), format!("{:?}", trace.blocked_by));
        prop_assert_eq!(format!("{:?}", verdict.fix), format!("{:?}", trace.fix));
        match (gate, trace.blocked_by.as_ref()) {
            (Gate::Allowed, None) => {}
            (Gate::Acl { number, direction, .. }, Some(b)) => {
                prop_assert_eq!(b.kind, Kind::NetworkAcl);
                prop_assert_eq!(b.rule_number, Some(number));
                prop_assert_eq!(b.direction, Some(direction));
            }
            (Gate::SecurityGroups { direction }, Some(b)) => {
                prop_assert_eq!(b.kind, Kind::SecurityGroup);
                prop_assert_eq!(b.direction, Some(direction));
            }
            (Gate::Undecided { direction }, Some(b)) => {
                prop_assert_eq!(trace.verdict, crate::eval::Verdict::Unknown);
                prop_assert_eq!(b.direction, Some(direction));
            }
            (g, b) => prop_assert!(false, "gate {:?} but trace blocked by {:?}", g, b),
        }
        Ok(())
    }

    /// The generated network exercises every outcome, so the agreement test below is not
    /// comparing only "allowed" with "allowed".
    #[test]
    fn generated_network_exercises_every_gate_outcome() {
        let model = crate::source::snapshot::load_documents(testgen::network(&NetworkSpec::with_enis(300))).expect("loads").model;
        let topo = Topology::new(&model);
        let (mut allowed, mut acl, mut sgs) = (0, 0, 0);
        let mut x: u64 = 1;
        for _ in 0..4000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let ix = (x >> 33) as usize % model.enis.len();
            let peer = &model.enis[(x >> 13) as usize % model.enis.len()];
            let local = model.enis[ix].private_ips[0];
            let port = [22, 80, 443, 5432, 3306, 6379, 8080, 40000][(x >> 5) as usize % 8];
            let (dir, p) = if x & 1 == 0 {
                (Direction::Ingress, Packet::new(peer.private_ips[0], local, Protocol::Tcp, 40000, port))
            } else {
                (Direction::Egress, Packet::new(local, IpAddr::V4(Ipv4Addr::from((x >> 7) as u32)), Protocol::Tcp, 40000, port))
            };
            let reply = x & 2 == 0;
            agree(&topo, ix, dir, p, reply).unwrap();
            match at_interface_gate(&topo, ix, dir, &p, reply) {
                Gate::Allowed => allowed += 1,
                Gate::Acl { .. } => acl += 1,
                Gate::SecurityGroups { .. } => sgs += 1,
                Gate::Undecided { .. } => panic!("the generated network holds every ACL and group"),
            }
        }
        assert!(allowed > 0 && acl > 0 && sgs > 0, "allowed {allowed}, acl {acl}, security groups {sgs}");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        /// The fast verdict equals the rendered trace's verdict: same outcome, same blocking
        /// component, same ACL rule, for requests and replies, both directions, local and
        /// remote peers (ACLs are not evaluated within a subnet).
        #[test]
        fn gate_agrees_with_at_interface(seed in 0u64..1000, picks in proptest::collection::vec((any::<u32>(), any::<u32>(), any::<u16>(), 0u8..4, any::<bool>(), any::<bool>()), 32)) {
            let spec = NetworkSpec { seed: seed + 1, ..NetworkSpec::with_enis(300) };
            let model = crate::source::snapshot::load_documents(testgen::network(&spec)).expect("generated network loads").model;
            let topo = Topology::new(&model);
            for (a, b, port, proto, ingress, reply) in picks {
                let ix = a as usize % model.enis.len();
                let local = model.enis[ix].private_ips[0];
                let peer = &model.enis[b as usize % model.enis.len()];
                // Half the peers are other interfaces (SG references, same-subnet skips),
                // half arbitrary addresses.
                let remote = if b % 2 == 0 { peer.private_ips[0] } else { IpAddr::V4(Ipv4Addr::from(b)) };
                let protocol = [Protocol::Tcp, Protocol::Udp, Protocol::Icmp, Protocol::Other(47)][proto as usize];
                let (dir, p) = if ingress {
                    (Direction::Ingress, Packet::new(remote, local, protocol, 40000, port))
                } else {
                    (Direction::Egress, Packet::new(local, remote, protocol, 40000, port))
                };
                agree(&topo, ix, dir, p, reply)?;
            }
        }
    }
}
