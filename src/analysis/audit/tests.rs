//! Unit tests of the audit over the bundled samples: the exposed/latent split and the
//! static ACL check, value in, value out (the integration tests cover the formats).

use super::*;
use crate::source::snapshot;
use std::path::PathBuf;

fn run(name: &str) -> Audit {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/snapshots").join(name);
    let m = snapshot::load(&dir).expect("sample loads").model;
    let topo = Topology::new(&m);
    audit(&topo, &Options::default())
}

fn lines(a: &Audit) -> Vec<String> {
    a.findings.iter().map(|f| format!("{} {} {} {:?}", f.severity, f.kind, f.resource.name.as_deref().unwrap_or(&f.resource.id), f.port)).collect()
}

#[test]
fn shop_exposed_latent_and_return_path() {
    let got = lines(&run("shop"));
    assert_eq!(
        got,
        vec![
            "critical exposed-database analytics-db Some(5432)",
            "high exposed-admin-port analytics-db Some(22)",
            "medium exposed-admin-port web-1 Some(22)",
            "medium latent-exposure legacy-reports Some(3306)",
            "medium nacl-return-path shop-db Some(5432)",
        ]
    );
}

#[test]
fn hub_has_only_hygiene() {
    let a = run("hub");
    assert!(a.findings.iter().all(|f| f.severity <= Severity::Low), "{:#?}", lines(&a));
    assert_eq!(a.summary.by_kind.get(&FindingKind::PeeringNotActive), Some(&1));
}

/// Above the size limit an audit that was not asked for `--max-hops` does not look for
/// lateral paths and says so; asked (no limit), it looks, and finds the shop's.
#[test]
fn lateral_paths_are_looked_for_on_a_large_network_only_when_asked() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/snapshots/shop");
    let m = snapshot::load(&dir).expect("sample loads").model;
    let topo = Topology::new(&m);
    let lateral = |a: &Audit| a.findings.iter().filter(|f| f.kind == FindingKind::LateralPath).count();
    let small_limit = Options { max_hops: 3, lateral_limit: Some(m.enis.len() - 1), ..Options::default() };
    let skipped = audit(&topo, &small_limit);
    assert_eq!(lateral(&skipped), 0);
    let why = skipped.summary.lateral_skipped.as_deref().expect("the audit says why");
    assert!(why.contains(&format!("{} interfaces", m.enis.len())) && why.contains("--max-hops 3"), "{why}");
    let asked = audit(&topo, &Options { max_hops: 3, lateral_limit: None, ..Options::default() });
    assert!(lateral(&asked) > 0 && asked.summary.lateral_skipped.is_none());
    let within = audit(&topo, &Options { max_hops: 3, lateral_limit: Some(m.enis.len()), ..Options::default() });
    assert_eq!(lateral(&within), lateral(&asked));
}
