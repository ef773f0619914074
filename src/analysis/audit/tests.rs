//! Unit tests of the audit over the bundled samples.

use super::*;
use crate::source::snapshot;
use std::path::PathBuf;

fn load(name: &str) -> Model {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/snapshots").join(name);
    snapshot::load(&dir).expect("sample loads").model
}

fn run(name: &str) -> Audit {
    let m = load(name);
    let topo = Topology::new(&m);
    audit(&topo, &Options::default())
}

#[test]
fn shop_findings() {
    let a = run("shop");
    for f in &a.findings {
        eprintln!("{} {} {} {:?} {}", f.severity, f.kind, f.resource.label(), f.port, f.title);
    }
}
