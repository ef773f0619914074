//! `paths`: every hop of every reported path is an edge the evaluator (`reach`) confirms,
//! request and reply; revoking the cut's rules in the model leaves no path; the command's
//! exit codes, JSON contract and DOT output.

use proptest::prelude::*;
use serde_json::Value;
use vpcscope::analysis::paths::{self, Options, Paths, Pivot, Source, Targets};
use vpcscope::eval::{self, Endpoint, DEFAULT_SOURCE_PORT};
use vpcscope::model::Model;
use vpcscope::source::snapshot;
use vpcscope::topology::Topology;

use crate::util::{sample, vpcscope};

fn ask(m: &Model, from: Source, to: Targets, max_hops: usize) -> Paths {
    let topo = Topology::new(m);
    paths::paths(&topo, &Options { from, to, max_hops, pivot: Pivot::Any, top: 1000 })
}

/// The endpoint a hop names: `internet` (at an address the hop's rules let in: the sweep's
/// sample is not in the JSON, so the hop is re-decided with `reach`'s own sweep) or an
/// interface at its primary IPv4 address.
fn hop_reachable(m: &Model, from: &str, to: &str, protocol: vpcscope::model::Protocol, port: u16) -> bool {
    let topo = Topology::new(m);
    let ix = |id: &str| topo.eni_ix(id).expect("hop names an interface");
    let end = |i: usize| Endpoint::Eni { ix: i, ip: m.enis[i].private_ips.iter().copied().find(|a| a.is_ipv4()).expect("v4") };
    if let Some(lb) = to.strip_prefix("lb:") {
        // Into a listener node (`lb:NAME:PORT`): `reach` to the load balancer on the port.
        let name = lb.split(':').next().unwrap_or(lb);
        let q = vpcscope::analysis::reach::Query { from: from.into(), to: name.into(), protocol, port: Some(port), source_port: None };
        return vpcscope::analysis::reach::reach(&topo, &q).expect("reach").trace.reachable;
    }
    if from == "internet" || from == "onprem" {
        let q = vpcscope::analysis::reach::Query { from: from.into(), to: to.into(), protocol, port: Some(port), source_port: None };
        return vpcscope::analysis::reach::reach(&topo, &q).expect("reach").trace.reachable;
    }
    eval::evaluate(&topo, &end(ix(from)), &end(ix(to)), protocol, DEFAULT_SOURCE_PORT, port).reachable
}

/// Whether `client` reaches interface `to` on `port` through listener `lb` (`NAME:PORT`,
/// as a listener node is named after `lb:`), as `reach` to the load balancer decides it: the
/// trace gets through and the target's own answer is reachable.
fn relayed_to(m: &Model, client: &str, lb: &str, to: &str, port: u16) -> bool {
    let topo = Topology::new(m);
    let mut parts = lb.split(':');
    let (Some(name), Some(lport)) = (parts.next(), parts.next().and_then(|p| p.split('#').next()).and_then(|p| p.parse::<u16>().ok())) else { return false };
    let q = vpcscope::analysis::reach::Query { from: client.into(), to: name.into(), protocol: vpcscope::model::Protocol::Tcp, port: Some(lport), source_port: None };
    let Ok(r) = vpcscope::analysis::reach::reach(&topo, &q) else { return false };
    r.trace.reachable && r.trace.balancer.as_ref().is_some_and(|b| b.targets.iter().any(|t| t.interface.as_deref() == Some(to) && t.port == Some(port) && t.verdict == eval::Verdict::Reachable))
}

/// The property: every hop of every reported path is reachable as `reach` decides it, and
/// revoking the cut's rules leaves the target without a path of at most `max_hops`.
fn check_paths_and_cuts(m: &Model, from: Source, to: Targets, max_hops: usize) -> Result<usize, String> {
    let p = ask(m, from.clone(), to.clone(), max_hops);
    let mut checked = 0;
    for t in p.targets.iter().filter(|t| t.shortest_hops.is_some()) {
        if t.paths.is_empty() {
            return Err(format!("{} has a shortest path but lists none", t.target.resource.id));
        }
        for path in &t.paths {
            if path.hops.len() != t.shortest_hops.unwrap_or(0) || path.hops.len() > max_hops {
                return Err(format!("path of {} hops for shortest {:?}", path.hops.len(), t.shortest_hops));
            }
            for (i, h) in path.hops.iter().enumerate() {
                let ok = match h.from.strip_prefix("lb:") {
                    // Out of a listener node: the client of the hop before reaches this target
                    // through the load balancer.
                    Some(lb) => i > 0 && relayed_to(m, &path.hops[i - 1].from, lb, &h.to, h.port),
                    None => hop_reachable(m, &h.from, &h.to, h.protocol, h.port),
                };
                if !h.confirmed || !ok {
                    return Err(format!("hop {} -> {} on {} is not reachable", h.from, h.to, h.port));
                }
                checked += 1;
            }
        }
        if t.cut.is_empty() {
            return Err(format!("{} port {:?}: empty cut", t.target.resource.id, t.port));
        }
        let mut cut = m.clone();
        for c in &t.cut {
            for g in cut.security_groups.iter_mut().filter(|g| g.id.as_str() == c.id) {
                g.ingress.retain(|r| format!("inbound {r}") != c.rule);
            }
        }
        let after = ask(&cut, from.clone(), to.clone(), max_hops);
        let eni = &t.target.interfaces[0];
        if let Some(still) = after.targets.iter().find(|x| x.port == t.port && x.target.interfaces.contains(eni) && x.shortest_hops.is_some()) {
            return Err(format!("after revoking {:?}, {eni} port {:?} is still {:?} hops away", t.cut.iter().map(|c| &c.rule).collect::<Vec<_>>(), t.port, still.shortest_hops));
        }
    }
    Ok(checked)
}

#[test]
fn shop_paths_are_confirmed_hop_by_hop_and_the_cut_leaves_none() {
    let m = snapshot::load(&sample("snapshots/shop")).unwrap().model;
    let hops = check_paths_and_cuts(&m, Source::Internet, Targets::Databases, 3).unwrap();
    assert!(hops >= 3, "{hops}");
    check_paths_and_cuts(&m, Source::Internet, Targets::Admin, 3).unwrap();
    check_paths_and_cuts(&m, Source::Interfaces(vec![0]), Targets::Databases, 4).unwrap();
}

#[test]
fn hub_paths_are_confirmed_hop_by_hop_and_the_cut_leaves_none() {
    let m = snapshot::load(&sample("snapshots/hub")).unwrap().model;
    check_paths_and_cuts(&m, Source::Internet, Targets::Databases, 3).unwrap();
    check_paths_and_cuts(&m, Source::Internet, Targets::Admin, 4).unwrap();
}

/// The web sample: its database sits in a subnet with no route to the internet, and the
/// partner NLB forwards TCP 5432 to it from the node's own address (which the database's
/// group admits as "the public subnets"). `paths` finds the two-hop path through the
/// listener node `lb:partner-nlb:5432`, every hop is confirmed (`reach` to the load balancer,
/// and the listener's answer for the target), and revoking the cut leaves no path; SSH on the
/// bastion is reached through the 2222 listener, whose target sees the client's address.
#[test]
fn web_database_is_reached_through_the_nlb_listener_and_the_cut_leaves_none() {
    let m = snapshot::load(&sample("snapshots/web")).unwrap().model;
    let p = ask(&m, Source::Internet, Targets::Databases, 3);
    let db = p.targets.iter().find(|t| t.target.resource.id == "orders-db" && t.port == Some(5432)).expect("orders-db is a target");
    assert_eq!(db.shortest_hops, Some(2), "{db:#?}");
    let hops = &db.paths[0].hops;
    assert_eq!((hops[0].from.as_str(), hops[0].to.as_str(), hops[0].port), ("internet", "lb:partner-nlb:5432", 5432), "{hops:#?}");
    assert_eq!((hops[1].from.as_str(), hops[1].to.as_str(), hops[1].port), ("lb:partner-nlb:5432", "eni-0webdb000000001", 5432), "{hops:#?}");
    assert!(hops[1].rules.iter().any(|r| r.contains("sg-0webdb00000000001") && r.contains("10.40.0.0/23")), "{:?}", hops[1].rules);
    // The NLB has no security group: its entry cannot be revoked, so the cut is at the
    // database (the rule that admits the node's addresses).
    assert!(db.cut.iter().any(|c| c.rule.contains("10.40.0.0/23")), "{:?}", db.cut);
    assert!(db.cut_edges.iter().any(|e| e == "lb:partner-nlb:5432 -> eni-0webdb000000001"), "{:?}", db.cut_edges);
    assert!(!p.notes.iter().any(|n| n.contains("do not pivot")), "{:?}", p.notes);
    let checked = check_paths_and_cuts(&m, Source::Internet, Targets::Databases, 3).unwrap();
    assert!(checked >= 2, "{checked}");
    let admin = ask(&m, Source::Internet, Targets::Admin, 3);
    let ssh = admin.targets.iter().find(|t| t.port == Some(22) && t.shortest_hops.is_some()).expect("the bastion's SSH is reached");
    assert_eq!(ssh.paths[0].hops[0].to, "lb:partner-nlb:2222", "{:#?}", ssh.paths);
    // Client IP preservation: the target sees the client, so the rule that admits the
    // client's range is the cut, not the one for the public subnets.
    assert!(ssh.cut.iter().all(|c| c.rule.contains("198.51.100.0/24")), "{:?}", ssh.cut);
    check_paths_and_cuts(&m, Source::Internet, Targets::Admin, 3).unwrap();
    check_paths_and_cuts(&m, Source::Internet, Targets::Exposure, 3).unwrap();
}

/// Traffic that arrives on one listener's port leaves only to that listener's targets, on
/// their ports: every hop out of a listener node names a target of that listener's target
/// groups (conditional ones included) at the group's port, never another listener's.
#[test]
fn a_listener_node_forwards_only_to_its_own_listeners_targets() {
    let m = snapshot::load(&sample("snapshots/web")).unwrap().model;
    let topo = Topology::new(&m);
    let mut seen = 0;
    for (to, k) in [(Targets::Databases, 3), (Targets::Admin, 3), (Targets::Exposure, 4)] {
        let p = ask(&m, Source::Internet, to, k);
        for h in p.targets.iter().flat_map(|t| &t.paths).flat_map(|p| &p.hops) {
            let Some(lb) = h.from.strip_prefix("lb:") else { continue };
            let mut parts = lb.split(':');
            let name = parts.next().unwrap();
            let lport: u16 = parts.next().and_then(|p| p.split('#').next()).and_then(|p| p.parse().ok()).expect("lb:NAME:PORT");
            let balancer = m.load_balancers.iter().find(|b| b.name == name).expect("the load balancer");
            let listener = balancer.listeners.iter().find(|l| l.port == lport).expect("the listener");
            let mut own: Vec<(String, u16)> = Vec::new();
            for g in listener.target_groups.iter().chain(&listener.conditional_target_groups).filter_map(|g| topo.target_group(g)) {
                for t in g.targets.iter().flatten() {
                    if let (Ok((ix, _)), Some(port)) = (eval::load_balancer_target(&topo, g, t), g.target_port(t)) {
                        own.push((m.enis[ix].id.to_string(), port));
                    }
                }
            }
            assert!(own.contains(&(h.to.clone(), h.port)), "{} -> {} port {}: not a target of listener {lport} ({own:?})", h.from, h.to, h.port);
            seen += 1;
        }
    }
    // The database through 5432 and the bastion through 2222 (its port 22).
    assert!(seen >= 2, "{seen}");
    let admin = ask(&m, Source::Internet, Targets::Admin, 3);
    assert!(admin.targets.iter().flat_map(|t| &t.paths).flat_map(|p| &p.hops).all(|h| h.from != "lb:partner-nlb:5432"), "SSH through the database's listener");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    /// Generated networks with narrow rules, NAT detours and restrictive egress (the matrix
    /// property test's networks): every reported hop is reachable and every cut works.
    #[test]
    fn every_reported_hop_is_reachable_and_revoking_the_cut_leaves_no_path(seed in 1u64..10_000, hops in 2usize..=4) {
        let m = crate::matrix::small(seed, 2, 6, 3, 6);
        let r = check_paths_and_cuts(&m, Source::Internet, Targets::Databases, hops);
        prop_assert!(r.is_ok(), "{:?}", r);
        let r = check_paths_and_cuts(&m, Source::Internet, Targets::Admin, hops);
        prop_assert!(r.is_ok(), "{:?}", r);
    }
}

/// From on premises (the hybrid sample: a VPN into a virtual private gateway, Direct Connect
/// and a VPN through the transit gateway): entry edges are what `reach --from onprem` finds
/// (10.200.0.0/16 through the VPN, 172.16.0.0/12 through Direct Connect); entries the
/// snapshot cannot decide (transit gateway routes only BGP knows) are listed, never edges;
/// every hop is confirmed and the cut (both on-premises ranges and the app tier's group)
/// leaves no path.
#[test]
fn paths_from_onprem_enter_through_the_vpn_and_direct_connect_and_the_cut_closes_both() {
    let hybrid = sample("snapshots/hybrid");
    let m = snapshot::load(&hybrid).unwrap().model;
    let hops = check_paths_and_cuts(&m, Source::OnPrem, Targets::Databases, 3).unwrap();
    assert!(hops >= 1, "{hops}");
    let r = vpcscope(["paths", "--snapshot", hybrid.to_str().unwrap(), "--from", "onprem", "--to", "databases", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let t = &v["targets"][0];
    assert_eq!(t["target"]["name"], "app-db", "{t}");
    assert_eq!(t["port"], 5432);
    assert_eq!(t["shortest_hops"], 1);
    assert_eq!(t["paths_total"], 2, "directly, and through app-1");
    let hop = &t["paths"][0]["hops"][0];
    assert_eq!(hop["from"], "onprem");
    assert_eq!(hop["confirmed"], true);
    assert!(hop["reach"].as_str().unwrap().starts_with("--from onprem --to eni-"), "{hop}");
    let mut cut: Vec<&str> = t["cut"].as_array().unwrap().iter().map(|c| c["rule"].as_str().unwrap()).collect();
    cut.sort();
    assert_eq!(cut, ["inbound TCP 5432 10.200.0.0/16", "inbound TCP 5432 172.16.0.0/12", "inbound TCP 5432 sg-0b75000000000002"]);
    assert_eq!(t["cut_minimal"], true);
    // What `reach --from onprem` cannot decide is reported, not made an edge.
    let undecided = v["undecided_entries"].as_array().unwrap();
    assert!(!undecided.is_empty() && undecided.iter().all(|u| u["ports"] == "tcp 443"), "{undecided:?}");
    // The entry hop is the one `reach` gives.
    let reach = vpcscope(["reach", "--snapshot", hybrid.to_str().unwrap(), "--from", "onprem", "--to", "app-db", "--protocol", "tcp", "--port", "5432"]);
    assert_eq!(reach.code, 0, "{}{}", reach.stdout, reach.stderr);
    // A snapshot without a way in from on premises has no path from there.
    let shop = sample("snapshots/shop");
    let r = vpcscope(["paths", "--snapshot", shop.to_str().unwrap(), "--from", "onprem", "--to", "databases"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn paths_exit_one_when_a_path_exists_zero_when_none_and_two_on_error() {
    let shop = sample("snapshots/shop");
    let shop = shop.to_str().unwrap();
    let r = vpcscope(["paths", "--snapshot", shop, "--from", "internet", "--to", "databases"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let r = vpcscope(["paths", "--snapshot", shop, "--from", "internet", "--to", "orders-db"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("no path in at most 3 hops"), "{}", r.stdout);
    let r = vpcscope(["paths", "--snapshot", shop, "--from", "internet", "--to", "no-such-host"]);
    assert_eq!(r.code, 2);
    let r = vpcscope(["paths", "--snapshot", shop, "--from", "internet", "--to", "databases", "--max-hops", "0"]);
    assert_eq!(r.code, 2);
}

#[test]
fn paths_json_has_the_documented_contract() {
    let shop = sample("snapshots/shop");
    let r = vpcscope(["paths", "--snapshot", shop.to_str().unwrap(), "--from", "internet", "--to", "databases", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(v["graph"]["nodes"].as_u64().unwrap() > 0 && v["graph"]["edges"].as_u64().unwrap() > 0);
    let targets = v["targets"].as_array().unwrap();
    // legacy-reports: no public address, but web-1 (443 from anywhere) reaches it on 3306.
    let legacy = targets.iter().find(|t| t["target"]["interface"] == "eni-0a1b2c3d4e5f600l1").expect("legacy-reports is a target");
    assert_eq!(legacy["port"], 3306);
    assert_eq!(legacy["shortest_hops"], 2);
    assert!(legacy["paths_total"].as_u64().unwrap() >= 2);
    let hops = legacy["paths"][0]["hops"].as_array().unwrap();
    assert_eq!(hops.len(), 2);
    for h in hops {
        for key in ["from", "to", "ports", "rules"] {
            assert!(h.get(key).is_some(), "hop lacks {key}: {h}");
        }
        assert!(!h["rules"].as_array().unwrap().is_empty());
    }
    assert_eq!(hops[0]["from"], "internet");
    assert_eq!(hops[1]["to"], "eni-0a1b2c3d4e5f600l1");
    let cut = legacy["cut"].as_array().unwrap();
    assert_eq!(cut.len(), 1, "{cut:?}");
    assert_eq!(cut[0]["id"], "sg-0a1b2c3d4e5f60004");
    assert_eq!(cut[0]["kind"], "security-group-rule");
    assert_eq!(cut[0]["rule"], "inbound TCP 3306 0.0.0.0/0");
    assert_eq!(cut[0]["fix"]["action"], "revoke-security-group-rule");
    assert!(cut[0]["fix"]["aws_cli"].as_str().unwrap().starts_with("aws ec2 revoke-security-group-ingress --group-id sg-0a1b2c3d4e5f60004"));
    // orders-db: the database ACL drops the replies to the app tier, so no path.
    let orders = targets.iter().find(|t| t["target"]["id"] == "orders-db").unwrap();
    assert_eq!(orders["shortest_hops"], Value::Null);
    assert_eq!(orders["paths_total"], 0);
}

/// A minimal reader of the DOT the renderers write: statements end with `;`, strings are
/// double-quoted with backslash escapes; returns the node ids and the edges.
pub(crate) fn parse_dot(s: &str) -> Result<(Vec<String>, Vec<(String, String)>), String> {
    let body = s.trim().strip_prefix("digraph").ok_or("no digraph")?;
    let open = body.find('{').ok_or("no {")?;
    let body = body[open + 1..].trim_end().strip_suffix('}').ok_or("no closing }")?;
    // Split into statements at `;` outside strings.
    let (mut stmts, mut cur, mut in_str, mut esc) = (Vec::new(), String::new(), false, false);
    for c in body.chars() {
        if in_str {
            cur.push(c);
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                cur.push(c);
            }
            ';' => stmts.push(std::mem::take(&mut cur)),
            '\n' | '\r' if !cur.trim().is_empty() => return Err(format!("statement spans lines: {cur}")),
            c => cur.push(c),
        }
    }
    if in_str || !cur.trim().is_empty() {
        return Err(format!("unterminated: {cur}"));
    }
    // An ID: a double-quoted string, or a bare word of letters, digits and `_`.
    let quoted = |t: &str| -> Result<(String, usize), String> {
        let t = t.trim_start();
        let mut chars = t.char_indices();
        if chars.next().map(|c| c.1) != Some('"') {
            let n = t.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(t.len());
            if n == 0 {
                return Err(format!("expected an ID: {t}"));
            }
            return Ok((t[..n].to_string(), n));
        }
        let (mut out, mut esc) = (String::new(), false);
        for (i, c) in chars {
            if esc {
                out.push(c);
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                return Ok((out, i + 1));
            } else {
                out.push(c);
            }
        }
        Err("unterminated string".into())
    };
    let (mut nodes, mut edges) = (Vec::new(), Vec::new());
    for st in stmts.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if st.starts_with("rankdir") || st.starts_with("node ") || st.starts_with("edge ") || st.starts_with("graph ") || st.starts_with("compound") || st.starts_with("label") || st.starts_with("subgraph") || st.starts_with('}') {
            continue;
        }
        let (a, used) = quoted(st)?;
        let rest = st[st.len() - st.trim_start().len() + used..].trim_start();
        if let Some(r) = rest.strip_prefix("->") {
            let (b, used2) = quoted(r)?;
            let attrs = r.trim_start()[used2..].trim();
            if !attrs.is_empty() && !(attrs.starts_with('[') && attrs.ends_with(']')) {
                return Err(format!("bad attributes: {attrs}"));
            }
            edges.push((a, b));
        } else {
            if !rest.is_empty() && !(rest.starts_with('[') && rest.ends_with(']')) {
                return Err(format!("bad node statement: {st}"));
            }
            nodes.push(a);
        }
    }
    Ok((nodes, edges))
}

#[test]
fn paths_dot_parses_back_with_every_hop_as_an_edge_between_declared_nodes() {
    let shop = sample("snapshots/shop");
    let r = vpcscope(["paths", "--snapshot", shop.to_str().unwrap(), "--from", "internet", "--to", "databases", "--format", "dot"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let (nodes, edges) = parse_dot(&r.stdout).unwrap();
    assert!(nodes.contains(&"internet".to_string()));
    assert!(edges.contains(&("eni-0a1b2c3d4e5f600w1".into(), "eni-0a1b2c3d4e5f600l1".into())), "{edges:?}");
    for (a, b) in &edges {
        assert!(nodes.contains(a) && nodes.contains(b), "{a} -> {b}");
    }
    assert!(r.stdout.contains("color=red"), "the cut edges are drawn: {}", r.stdout);
}

#[test]
fn paths_dot_and_markdown_escape_hostile_names() {
    let dir = tempfile::tempdir().unwrap();
    let evil = "web\"] ; \"x\" -> \"y\" [label=\"pwn\n<script>|";
    let snap = crate::util::sample_copy("shop", dir.path(), &[], &[("Reservations", &|v: &mut Value| {
        let s = serde_json::to_string(v).unwrap().replace("\"web-1\"", &serde_json::to_string(evil).unwrap());
        *v = serde_json::from_str(&s).unwrap();
    })]);
    let r = vpcscope(["paths", "--snapshot", snap.to_str().unwrap(), "--from", "internet", "--to", "databases", "--format", "dot"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let (nodes, edges) = parse_dot(&r.stdout).unwrap();
    assert!(!nodes.iter().any(|n| n == "x" || n == "y") && !edges.iter().any(|(a, _)| a == "x"), "{}", r.stdout);
    let r = vpcscope(["paths", "--snapshot", snap.to_str().unwrap(), "--from", "internet", "--to", "databases", "--format", "markdown"]);
    assert!(!r.stdout.contains("<script>") && !r.stdout.contains("web\"]"), "{}", r.stdout);
}

/// A target carrying a security group the snapshot lacks: the cut cannot name that group's
/// rules, and says so (`cut_missing_groups`) rather than passing for complete.
#[test]
fn paths_cut_names_the_target_groups_missing_from_the_snapshot() {
    let mut m = snapshot::load(&sample("snapshots/shop")).unwrap().model;
    let before = ask(&m, Source::Internet, Targets::Databases, 3);
    let t = before.targets.iter().find(|t| t.shortest_hops.is_some()).expect("the shop has a path");
    assert!(t.cut_missing_groups.is_empty());
    let eni = t.target.interfaces[0].clone();
    let e = m.enis.iter_mut().find(|e| e.id.as_str() == eni).unwrap();
    e.security_groups.push(vpcscope::model::SgId::from("sg-0ffffffffffffffff"));
    let after = ask(&m, Source::Internet, Targets::Databases, 3);
    match after.targets.iter().find(|x| x.target.interfaces.contains(&eni) && x.port == t.port) {
        Some(x) if x.shortest_hops.is_some() => assert_eq!(x.cut_missing_groups, ["sg-0ffffffffffffffff"], "{:?}", x.cut),
        other => panic!("the missing group is no reason to lose the path: {other:?}"),
    }
}
