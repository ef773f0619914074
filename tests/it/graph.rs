//! `graph`: the structure graph's DOT parses back with every edge between declared nodes, at
//! every level; GraphML is well-formed XML with unique ids; hostile names stay inside their
//! labels in DOT, Mermaid and GraphML; the reach overlay adds edges between interface groups.

use serde_json::Value;

use crate::paths::parse_dot;
use crate::util::{sample, sample_copy, vpcscope};

#[test]
fn graph_dot_parses_back_at_every_level() {
    for snap in ["shop", "hub", "hybrid"] {
        let dir = sample(&format!("snapshots/{snap}"));
        let mut sizes = Vec::new();
        for level in ["vpc", "subnet", "class"] {
            let r = vpcscope(["graph", "--snapshot", dir.to_str().unwrap(), "--level", level]);
            assert_eq!(r.code, 0, "{}", r.stderr);
            let (nodes, edges) = parse_dot(&r.stdout).unwrap_or_else(|e| panic!("{snap} {level}: {e}\n{}", r.stdout));
            for (a, b) in &edges {
                assert!(nodes.contains(a) && nodes.contains(b), "{snap} {level}: {a} -> {b}");
            }
            sizes.push(nodes.len());
        }
        assert!(sizes[0] < sizes[1] && sizes[1] < sizes[2], "{snap}: {sizes:?}");
    }
}

#[test]
fn graph_json_and_graphml_carry_the_same_nodes_and_edges() {
    let dir = sample("snapshots/hub");
    let r = vpcscope(["graph", "--snapshot", dir.to_str().unwrap(), "--format", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let (n, e) = (v["nodes"].as_array().unwrap().len(), v["edges"].as_array().unwrap().len());
    assert!(v["nodes"].as_array().unwrap().iter().any(|x| x["kind"] == "transit-gateway-route-table"));
    let r = vpcscope(["graph", "--snapshot", dir.to_str().unwrap(), "--format", "graphml"]);
    assert_eq!(r.stdout.matches("<node ").count(), n);
    assert_eq!(r.stdout.matches("<edge ").count(), e);
    assert!(r.stdout.trim_end().ends_with("</graphml>"));
}

#[test]
fn graph_reach_overlay_draws_reachability_between_interface_groups() {
    let dir = sample("snapshots/shop");
    let r = vpcscope(["graph", "--snapshot", dir.to_str().unwrap(), "--reach", "3306", "--format", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let nodes = v["nodes"].as_array().unwrap();
    let reach: Vec<&Value> = v["edges"].as_array().unwrap().iter().filter(|e| e["kind"] == "reach").collect();
    assert!(!reach.is_empty());
    for e in reach {
        let to = &nodes[e["to"].as_u64().unwrap() as usize];
        assert_eq!(to["kind"], "interfaces");
        assert_eq!(e["label"], "tcp 3306");
    }
}

#[test]
fn graph_escapes_hostile_names_in_dot_mermaid_and_graphml() {
    let dir = tempfile::tempdir().unwrap();
    let evil = "a\"];\n n99 -> n0 [label=\"x <b>|]) & ";
    let snap = sample_copy("shop", dir.path(), &[], &[("Vpcs", &|v: &mut Value| {
        v["Vpcs"][0]["Tags"] = serde_json::json!([{"Key": "Name", "Value": evil}]);
    })]);
    let s = snap.to_str().unwrap();
    let r = vpcscope(["graph", "--snapshot", s, "--level", "vpc"]);
    let (nodes, _) = parse_dot(&r.stdout).unwrap_or_else(|e| panic!("{e}\n{}", r.stdout));
    assert!(!nodes.iter().any(|n| n == "n99"), "{}", r.stdout);
    let r = vpcscope(["graph", "--snapshot", s, "--level", "vpc", "--format", "mermaid"]);
    assert!(!r.stdout.contains("<b>") && !r.stdout.contains("\"]; ") && r.stdout.lines().all(|l| l.matches('"').count() % 2 == 0), "{}", r.stdout);
    let r = vpcscope(["graph", "--snapshot", s, "--level", "vpc", "--format", "graphml"]);
    assert!(!r.stdout.contains("<b>") && r.stdout.contains("&lt;b&gt;"), "{}", r.stdout);
}
