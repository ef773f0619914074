//! Golden outputs: every command's rendered output (text and JSON) on the bundled samples and
//! on three of Batfish's snapshots, pinned in `tests/golden/<case>.out` (the exit status on the
//! first line, then stdout). A change that alters any of them fails here; when the change is
//! intended, re-bless with `VPCSCOPE_BLESS=1 cargo test --test it golden` and review the diff.

use crate::util::{shared_fixtures, vpcscope};
use std::path::PathBuf;

/// `(case name, arguments)`; arguments naming `{fx}` read the shared fixtures.
const CASES: &[(&str, &[&str])] = &[
    ("reach-shop-app-orders-text", &["reach", "--quiet", "--snapshot", "samples/snapshots/shop", "--from", "app-1", "--to", "orders-db"]),
    ("reach-shop-app-orders-json", &["reach", "--quiet", "--snapshot", "samples/snapshots/shop", "--from", "app-1", "--to", "orders-db", "--format", "json"]),
    ("reach-shop-internet-web-ssh-text", &["reach", "--quiet", "--snapshot", "samples/snapshots/shop", "--from", "internet", "--to", "web-1", "--port", "22"]),
    ("reach-shop-app-internet-json", &["reach", "--quiet", "--snapshot", "samples/snapshots/shop", "--from", "app-1", "--to", "internet", "--port", "443", "--format", "json"]),
    ("reach-hub-zone-text", &["reach", "--quiet", "--snapshot", "samples/snapshots/hub", "--from", "prod-app-2", "--to", "svc-api-1", "--port", "8443"]),
    ("reach-hub-peering-json", &["reach", "--quiet", "--snapshot", "samples/snapshots/hub", "--from", "prod-app-1", "--to", "kafka-1", "--port", "9092", "--format", "json"]),
    ("reach-hybrid-vpn-text", &["reach", "--quiet", "--snapshot", "samples/snapshots/hybrid", "--from", "10.200.1.5", "--to", "app-db", "--port", "5432"]),
    ("reach-hybrid-onprem-json", &["reach", "--quiet", "--snapshot", "samples/snapshots/hybrid", "--from", "onprem", "--to", "app-db", "--port", "5432", "--format", "json"]),
    ("reach-hybrid-bgp-unknown-text", &["reach", "--quiet", "--snapshot", "samples/snapshots/hybrid", "--from", "192.168.10.5", "--to", "app-1", "--port", "443"]),
    ("reach-hybrid-misrouted-json", &["reach", "--quiet", "--snapshot", "samples/snapshots/hybrid", "--from", "app-1", "--to", "reports-1", "--port", "443", "--format", "json"]),
    ("reach-hybrid-ipv6-text", &["reach", "--quiet", "--snapshot", "samples/snapshots/hybrid", "--from", "internet", "--to", "bastion-v6", "--port", "22"]),
    ("audit-shop-text", &["audit", "--quiet", "--snapshot", "samples/snapshots/shop"]),
    ("audit-shop-json", &["audit", "--quiet", "--snapshot", "samples/snapshots/shop", "--format", "json"]),
    ("audit-hybrid-markdown", &["audit", "--quiet", "--snapshot", "samples/snapshots/hybrid", "--format", "markdown"]),
    ("check-shop-text", &["check", "--quiet", "--snapshot", "samples/snapshots/shop", "queries/stable"]),
    ("check-hub-json", &["check", "--quiet", "--snapshot", "samples/snapshots/hub", "queries/stable", "--format", "json"]),
    ("matrix-hub-text", &["matrix", "--quiet", "--snapshot", "samples/snapshots/hub", "--ports", "22,443,8443"]),
    ("matrix-shop-json", &["matrix", "--quiet", "--snapshot", "samples/snapshots/shop", "--ports", "22,443,5432", "--format", "json"]),
    ("diff-shop-plan-text", &["diff", "--quiet", "--before", "samples/snapshots/shop", "--plan", "tests/data/plans/open-db-sg-rule.json"]),
    ("diff-shop-plan-json", &["diff", "--quiet", "--before", "samples/snapshots/shop", "--plan", "tests/data/plans/open-db-sg-rule.json", "--format", "json"]),
    ("ls-shop-text", &["ls", "--quiet", "--snapshot", "samples/snapshots/shop"]),
    ("ls-hybrid-json", &["ls", "--quiet", "--snapshot", "samples/snapshots/hybrid", "--format", "json"]),
    ("flows-summary-shop-text", &["flows", "summary", "samples/flowlogs/shop"]),
    ("flows-summary-default-json", &["flows", "summary", "samples/flowlogs/default-v2.log", "--format", "json"]),
    ("flows-explain-shop-text", &["flows", "explain", "--quiet", "--snapshot", "samples/snapshots/shop", "samples/flowlogs/shop"]),
    ("flows-explain-shop-json", &["flows", "explain", "--quiet", "--snapshot", "samples/snapshots/shop", "samples/flowlogs/shop", "--format", "json"]),
    ("batfish-vpn-gateway-json", &["reach", "--quiet", "--snapshot", "{fx}/batfish-aws/test-vpn-gateway/aws_configs", "--from", "192.168.1.5", "--to", "eni-07c1506e49d784fe0", "--port", "22", "--format", "json"]),
    ("batfish-hybrid-cloud-text", &["reach", "--quiet", "--snapshot", "{fx}/batfish-aws/pybatfish-hybrid-cloud/aws_configs", "--from", "203.0.113.12", "--to", "10.20.1.207", "--port", "22"]),
    ("batfish-transit-gateway-text", &["reach", "--quiet", "--snapshot", "{fx}/batfish-aws/test-transit-gateway", "--from", "eni-0024c0af5aa1387e5", "--to", "eni-030eeb1fb8c2d6654", "--port", "22"]),
    ("batfish-transit-gateway-audit-json", &["audit", "--quiet", "--snapshot", "{fx}/batfish-aws/test-transit-gateway", "--format", "json"]),
];

fn golden_dir() -> PathBuf {
    crate::util::root().join("tests/golden")
}

#[test]
fn outputs_match_their_golden_files() {
    let bless = std::env::var_os("VPCSCOPE_BLESS").is_some();
    let fx = shared_fixtures();
    let mut failures = Vec::new();
    let mut compared = 0;
    for (name, args) in CASES {
        let needs_fx = args.iter().any(|a| a.contains("{fx}"));
        let args: Vec<String> = match (&fx, needs_fx) {
            (None, true) => continue,
            (Some(fx), true) => args.iter().map(|a| a.replace("{fx}", &fx.to_string_lossy())).collect(),
            _ => args.iter().map(|a| a.to_string()).collect(),
        };
        let r = vpcscope(&args);
        // Paths of the shared fixtures differ between machines: name them by their role.
        let mut got = format!("exit: {}\n{}", r.code, r.stdout);
        if let Some(fx) = &fx {
            got = got.replace(&*fx.to_string_lossy(), "{fx}");
        }
        let path = golden_dir().join(format!("{name}.out"));
        if bless {
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        compared += 1;
        match std::fs::read_to_string(&path) {
            Ok(want) if want == got => {}
            Ok(want) => {
                let line = want.lines().zip(got.lines()).position(|(a, b)| a != b).map(|i| i + 1).unwrap_or(want.lines().count().min(got.lines().count()) + 1);
                failures.push(format!("{name}: differs from {} at line {line}\n  want: {:?}\n  got:  {:?}", path.display(), want.lines().nth(line - 1).unwrap_or(""), got.lines().nth(line - 1).unwrap_or("")));
            }
            Err(_) => failures.push(format!("{name}: {} is missing (VPCSCOPE_BLESS=1 writes it)", path.display())),
        }
    }
    assert!(failures.is_empty(), "{} of {compared} golden outputs differ (re-bless with VPCSCOPE_BLESS=1 only if the change is intended):\n{}", failures.len(), failures.join("\n"));
}
