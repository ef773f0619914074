//! `lateral-path` findings: databases and admin ports the internet reaches in 2 to
//! `max_hops` hops (a web server, then an app server, then the database), from the
//! reachability graph of `analysis::paths`, with the shortest path and the cut. Direct
//! (one-hop) exposures are `exposed-database` / `exposed-admin-port` findings already.

use super::{Finding, FindingKind, Severity};
use crate::analysis::paths::{self, Options, Pivot, Source, TargetPaths, Targets};
use crate::model::Protocol;
use crate::topology::Topology;

/// The lateral findings for paths of 2 to `max_hops` hops (none when `max_hops` < 2).
pub(super) fn findings(topo: &Topology<'_>, max_hops: usize) -> Vec<Finding> {
    if max_hops < 2 {
        return Vec::new();
    }
    let p = paths::paths(topo, &Options { from: Source::Internet, to: Targets::Exposure, max_hops, pivot: Pivot::Any, top: 1 });
    p.targets.iter().filter(|t| t.shortest_hops.is_some_and(|h| h >= 2)).filter_map(finding).collect()
}

/// Severity by hop count and by how open the entry is: an entry open to every internet
/// address (`0.0.0.0/0` or `::/0` admits it) two hops from a database is high.
pub(crate) fn severity(hops: usize, world_entry: bool, database: bool) -> Severity {
    match (hops, world_entry, database) {
        (2, true, true) => Severity::High,
        (2, _, _) | (_, true, true) => Severity::Medium,
        _ => Severity::Low,
    }
}

fn finding(t: &TargetPaths) -> Option<Finding> {
    let hops = t.shortest_hops?;
    let port = t.port?;
    let path = t.paths.first()?;
    let first = path.hops.first()?;
    let world = first.open_to_world;
    let database = super::DATABASE_PORTS.iter().any(|(p, _)| *p == port) && !super::ADMIN_PORTS.iter().any(|(p, _)| *p == port);
    let service = super::service_of(port).unwrap_or("service");
    let label = t.target.resource.label();
    let route = std::iter::once(first.from.clone()).chain(path.hops.iter().map(|h| h.to_name.clone().unwrap_or_else(|| h.to.clone()))).collect::<Vec<_>>().join(" -> ");
    let mut evidence: Vec<String> = path
        .hops
        .iter()
        .enumerate()
        .map(|(i, h)| format!("hop {}: {} -> {} on {} (vpcscope reach {})", i + 1, h.from, h.to, h.ports, h.reach))
        .collect();
    evidence.extend(t.cut.iter().map(|c| format!("cut: revoke {} {} (closes {})", c.id, c.rule, c.edges.join(", "))));
    let total = if t.paths_total_capped { format!("at least {}", t.paths_total) } else { t.paths_total.to_string() };
    Some(Finding {
        kind: FindingKind::LateralPath,
        severity: severity(hops, world, database),
        title: format!("{service} port {port} on {label} is {hops} hops from the internet"),
        resource: t.target.resource.clone(),
        port: Some(port),
        protocol: Some(Protocol::Tcp),
        sources: vec!["internet".into()],
        path: None,
        evidence,
        closed_by: None,
        fix: t.cut.first().map(|c| c.fix.clone()),
        explanation: format!(
            "An attacker on the internet reaches {label} on port {port} in {hops} hops ({route}); {total} paths of at most the audit's hop limit lead there. Revoking the {} security-group rule(s) listed as `cut` removes every one of them.",
            t.cut.len()
        ),
        traffic: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lateral_severity_rises_with_fewer_hops_and_a_world_open_entry() {
        assert_eq!(severity(2, true, true), Severity::High);
        assert_eq!(severity(2, false, true), Severity::Medium);
        assert_eq!(severity(3, true, true), Severity::Medium);
        assert_eq!(severity(3, false, true), Severity::Low);
        assert_eq!(severity(3, true, false), Severity::Low);
    }

    #[test]
    fn lateral_path_finds_the_shop_database_two_hops_from_the_internet() {
        let m = crate::source::snapshot::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/snapshots/shop")).unwrap().model;
        let topo = Topology::new(&m);
        let f = findings(&topo, 3);
        let legacy = f.iter().find(|f| f.resource.interface.as_deref() == Some("eni-0a1b2c3d4e5f600l1") && f.port == Some(3306)).expect("legacy-reports");
        assert_eq!(legacy.kind, FindingKind::LateralPath);
        assert_eq!(legacy.severity, Severity::High);
        assert!(legacy.evidence.iter().any(|e| e.starts_with("cut: revoke sg-0a1b2c3d4e5f60004 inbound TCP 3306 0.0.0.0/0")), "{:?}", legacy.evidence);
        assert!(findings(&topo, 1).is_empty());
    }
}
