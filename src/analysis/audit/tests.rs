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
