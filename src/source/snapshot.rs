//! Snapshot directories: every `*.json` file below a directory (recursively, whatever the
//! file names), as printed by `aws ec2 describe-*` and `aws rds describe-db-instances`.
//! Batfish's layout `aws_configs/[accounts/<account>/]<region>/*.json` loads as is, with
//! several accounts and regions in one snapshot.

use crate::aws::{build_model, Document, DocumentError, Warnings};
use crate::model::Model;
use std::path::{Path, PathBuf};

/// A loaded snapshot: the model and what could not be modelled.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The network model.
    pub model: Model,
    /// Unknown keys, dangling references and unmodelled resources, once each.
    pub warnings: Warnings,
    /// How many JSON files were read.
    pub files: usize,
}

/// Why a snapshot could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The path does not exist or is not readable.
    #[error("cannot read {path}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is not valid JSON.
    #[error("{path}:{line}:{column}: invalid JSON: {message}")]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// A file is JSON of the wrong shape.
    #[error(transparent)]
    Shape(#[from] DocumentError),
    /// The directory holds no JSON files.
    #[error("snapshot {0} contains no .json files (expected describe-* output such as Vpcs.json)")]
    Empty(PathBuf),
}

/// The region named by a path component (`us-east-1`, `eu-west-2`, `us-gov-west-1`).
fn region_of(path: &Path) -> Option<String> {
    path.ancestors().skip(1).filter_map(|p| p.file_name()?.to_str()).find(|name| looks_like_region(name)).map(str::to_string)
}

fn looks_like_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts.last().is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        && parts[1..parts.len() - 1].iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
}

fn json_files(dir: &Path) -> Result<Vec<PathBuf>, SnapshotError> {
    let meta = std::fs::metadata(dir).map_err(|source| SnapshotError::Io { path: dir.to_path_buf(), source })?;
    if meta.is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).follow_links(true).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_path_buf();
            SnapshotError::Io { path, source: e.into_io_error().unwrap_or_else(|| std::io::Error::other("filesystem loop")) }
        })?;
        let p = entry.path();
        // manifest.json describes a capture; it is not describe-* output.
        if entry.file_type().is_file()
            && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"))
            && p.file_name().is_some_and(|n| n != "manifest.json")
        {
            files.push(p.to_path_buf());
        }
    }
    Ok(files)
}

/// Loads every JSON file under `dir` (or the one file `dir` names).
pub fn load(dir: &Path) -> Result<Loaded, SnapshotError> {
    let files = json_files(dir)?;
    if files.is_empty() {
        return Err(SnapshotError::Empty(dir.to_path_buf()));
    }
    let mut docs = Vec::with_capacity(files.len());
    for path in &files {
        let bytes = std::fs::read(path).map_err(|source| SnapshotError::Io { path: path.clone(), source })?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| SnapshotError::Json {
            path: path.clone(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        docs.push(Document { origin: path.display().to_string(), region: region_of(path), value });
    }
    let n = docs.len();
    let (model, mut warnings) = build_model(&docs)?;
    // A vpcscope capture records the calls that failed: the model misses those parts.
    let manifest = dir.join(super::manifest::MANIFEST_FILE);
    if manifest.is_file() {
        match std::fs::read(&manifest).map_err(|e| e.to_string()).and_then(|b| {
            serde_json::from_slice::<super::manifest::Manifest>(&b).map_err(|e| e.to_string())
        }) {
            Ok(m) => m.missing_warnings().into_iter().for_each(|w| warnings.push(w)),
            Err(e) => warnings.push(format!("{}: unreadable capture manifest ({e})", manifest.display())),
        }
    }
    Ok(Loaded { model, warnings, files: n })
}

/// Loads in-memory documents (a live capture): `(origin, value)` pairs, where the origin
/// reads like a path (`<account>/<region>/Vpcs.json`) so that the region can be found.
pub fn load_documents(docs: Vec<(String, serde_json::Value)>) -> Result<Loaded, SnapshotError> {
    let docs: Vec<Document> = docs
        .into_iter()
        .map(|(origin, value)| {
            let region = region_of(Path::new(&origin));
            Document { origin, region, value }
        })
        .collect();
    let n = docs.len();
    let (model, warnings) = build_model(&docs)?;
    Ok(Loaded { model, warnings, files: n })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_is_read_from_batfish_layout() {
        assert_eq!(region_of(Path::new("snap/aws_configs/accounts/111/us-west-1/Vpcs.json")).as_deref(), Some("us-west-1"));
        assert_eq!(region_of(Path::new("snap/aws_configs/us-gov-west-1/Vpcs.json")).as_deref(), Some("us-gov-west-1"));
        assert_eq!(region_of(Path::new("snap/aws_configs/Vpcs.json")), None);
    }
    /// Property test (issue 9): a random snapshot (VPCs, subnets, security groups with
    /// rules, network ACLs, route tables, interfaces, internet gateways), written as
    /// describe-* documents, loads to the same model from memory, from files in Batfish's
    /// layout, and from each document split over two files; and that model is the network
    /// generated (ids, addresses, rules, associations).
    mod roundtrip {
        use super::*;
        use crate::topology::Topology;
        use proptest::prelude::*;
        use serde_json::{json, Value};

        /// The network is drawn from one proptest seed.
        use crate::flowlog::synth::Rng;

        impl Rng {
            fn chance(&mut self, percent: u64) -> bool {
                self.below(100) < percent
            }
        }

        const PROTOCOLS: [(&str, &str); 4] = [("tcp", "6"), ("udp", "17"), ("icmp", "1"), ("-1", "-1")];

        fn cidr(r: &mut Rng) -> String {
            let len = r.below(33);
            let addr = u32::try_from(r.next() >> 32).unwrap_or(0);
            let net = if len == 0 { 0 } else { addr & (u32::MAX << (32 - len)) };
            format!("{}/{len}", std::net::Ipv4Addr::from(net))
        }

        /// The describe-* documents of a random network, by key, and what the model must hold.
        struct Net {
            docs: Vec<(&'static str, Vec<Value>)>,
            /// (subnet id, its ACL id, its route table id).
            subnets: Vec<(String, String, String)>,
            /// (ACL id, egress, rule number, action, cidr) of every non-default entry.
            nacl_entries: Vec<(String, bool, u16, String, String)>,
            /// (group id, ingress rules, egress rules).
            sg_rules: Vec<(String, usize, usize)>,
            /// (interface id, address, groups).
            enis: Vec<(String, String, Vec<String>)>,
        }

        fn network(seed: u64) -> Net {
            let r = &mut Rng(seed);
            let (mut vpcs, mut subnets, mut sgs, mut acls, mut rts, mut enis, mut igws) = (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
            let mut net = Net { docs: vec![], subnets: vec![], nacl_entries: vec![], sg_rules: vec![], enis: vec![] };
            for v in 0..1 + r.below(3) {
                let vpc = format!("vpc-{v:017x}");
                vpcs.push(json!({"VpcId": vpc, "CidrBlock": format!("10.{v}.0.0/16"), "State": "available", "OwnerId": "111122223333"}));
                let igw = r.chance(60).then(|| format!("igw-{v:017x}"));
                if let Some(id) = &igw {
                    igws.push(json!({"InternetGatewayId": id, "Attachments": [{"State": "available", "VpcId": vpc}]}));
                }
                let sg_ids: Vec<String> = (0..1 + r.below(3)).map(|g| format!("sg-{v}{g:016x}")).collect();
                for id in &sg_ids {
                    let mut perms = [vec![], vec![]];
                    for dir in 0..2 {
                        for _ in 0..r.below(5) {
                            let (proto, _) = PROTOCOLS[r.below(4) as usize];
                            let mut p = json!({"IpProtocol": proto});
                            if proto == "tcp" || proto == "udp" {
                                let from = r.below(65536);
                                p["FromPort"] = json!(from);
                                p["ToPort"] = json!(from + r.below(65536 - from));
                            } else if proto == "icmp" {
                                p["FromPort"] = json!(r.below(20));
                                p["ToPort"] = json!(-1);
                            }
                            if r.chance(30) {
                                p["UserIdGroupPairs"] = json!([{"GroupId": sg_ids[r.below(sg_ids.len() as u64) as usize]}]);
                            } else {
                                p["IpRanges"] = json!([{"CidrIp": cidr(r)}]);
                            }
                            perms[dir].push(p);
                        }
                    }
                    net.sg_rules.push((id.clone(), perms[0].len(), perms[1].len()));
                    let [ingress, egress] = perms;
                    sgs.push(json!({"GroupId": id, "GroupName": id, "VpcId": vpc, "IpPermissions": ingress, "IpPermissionsEgress": egress}));
                }
                let acl_ids: Vec<String> = (0..1 + r.below(2)).map(|a| format!("acl-{v}{a:016x}")).collect();
                let rt_ids: Vec<String> = (0..1 + r.below(2)).map(|t| format!("rtb-{v}{t:016x}")).collect();
                let mut acl_assoc: Vec<Vec<Value>> = vec![vec![]; acl_ids.len()];
                let mut rt_assoc: Vec<Vec<Value>> = vec![vec![json!({"Main": true, "RouteTableId": rt_ids[0]})]];
                rt_assoc.resize(rt_ids.len(), vec![]);
                for s in 0..1 + r.below(3) {
                    let subnet = format!("subnet-{v}{s:016x}");
                    subnets.push(json!({"SubnetId": subnet, "VpcId": vpc, "CidrBlock": format!("10.{v}.{s}.0/24"), "AvailabilityZone": "us-east-1a"}));
                    // Every subnet has an explicit ACL association (AWS always lists one);
                    // a route table association only sometimes (else the main table).
                    let a = r.below(acl_ids.len() as u64) as usize;
                    acl_assoc[a].push(json!({"NetworkAclId": acl_ids[a], "SubnetId": subnet}));
                    let t = if r.chance(50) { r.below(rt_ids.len() as u64) as usize } else { 0 };
                    if t > 0 || r.chance(50) {
                        rt_assoc[t].push(json!({"Main": false, "RouteTableId": rt_ids[t], "SubnetId": subnet}));
                    }
                    net.subnets.push((subnet.clone(), acl_ids[a].clone(), rt_ids[t].clone()));
                    for e in 0..r.below(4) {
                        let id = format!("eni-{v}{s}{e:015x}");
                        let ip = format!("10.{v}.{s}.{}", 10 + e);
                        let groups: Vec<String> = sg_ids.iter().filter(|_| r.chance(50)).cloned().collect();
                        enis.push(json!({
                            "NetworkInterfaceId": id, "SubnetId": subnet, "VpcId": vpc, "InterfaceType": "interface",
                            "PrivateIpAddress": ip, "PrivateIpAddresses": [{"Primary": true, "PrivateIpAddress": ip}],
                            "Groups": groups.iter().map(|g| json!({"GroupId": g})).collect::<Vec<_>>(), "Status": "in-use",
                        }));
                        net.enis.push((id, ip, groups));
                    }
                }
                for (a, id) in acl_ids.iter().enumerate() {
                    let mut entries = vec![];
                    for egress in [false, true] {
                        let mut numbers: Vec<u16> = (0..r.below(6)).map(|_| 1 + r.below(32766) as u16).collect();
                        numbers.sort_unstable();
                        numbers.dedup();
                        for n in numbers {
                            let (_, proto) = PROTOCOLS[r.below(4) as usize];
                            let action = if r.chance(50) { "allow" } else { "deny" };
                            let c = cidr(r);
                            let mut e = json!({"RuleNumber": n, "Egress": egress, "Protocol": proto, "RuleAction": action, "CidrBlock": c});
                            if proto == "6" || proto == "17" {
                                let from = r.below(65536);
                                e["PortRange"] = json!({"From": from, "To": from + r.below(65536 - from)});
                            } else if proto == "1" {
                                e["IcmpTypeCode"] = json!({"Type": -1, "Code": -1});
                            }
                            entries.push(e);
                            net.nacl_entries.push((id.clone(), egress, n, action.to_string(), c));
                        }
                        entries.push(json!({"RuleNumber": 32767, "Egress": egress, "Protocol": "-1", "RuleAction": "deny", "CidrBlock": "0.0.0.0/0"}));
                    }
                    acls.push(json!({"NetworkAclId": id, "VpcId": vpc, "IsDefault": a == 0, "Entries": entries, "Associations": acl_assoc[a]}));
                }
                for (t, id) in rt_ids.iter().enumerate() {
                    let mut routes = vec![json!({"DestinationCidrBlock": format!("10.{v}.0.0/16"), "GatewayId": "local", "State": "active"})];
                    if let Some(igw) = igw.as_ref().filter(|_| r.chance(70)) {
                        routes.push(json!({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw, "State": "active"}));
                    }
                    rts.push(json!({"RouteTableId": id, "VpcId": vpc, "Routes": routes, "Associations": rt_assoc[t]}));
                }
            }
            net.docs = vec![
                ("Vpcs", vpcs),
                ("Subnets", subnets),
                ("SecurityGroups", sgs),
                ("NetworkAcls", acls),
                ("RouteTables", rts),
                ("NetworkInterfaces", enis),
                ("InternetGateways", igws),
            ];
            net
        }

        fn model_json(loaded: &Loaded) -> String {
            serde_json::to_string_pretty(&loaded.model).unwrap()
        }

        fn write(path: &Path, key: &str, items: &[Value]) {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, serde_json::to_string_pretty(&json!({ key: items })).unwrap()).unwrap();
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

            #[test]
            fn a_random_snapshot_reloads_to_the_same_model(seed in any::<u64>(), cut in 0usize..8) {
                let net = network(seed);
                let memory = load_documents(net.docs.iter().map(|(k, items)| (format!("111122223333/us-east-1/{k}.json"), json!({ *k: items }))).collect()).unwrap();
                prop_assert!(memory.warnings.is_empty(), "{:?}", memory.warnings);

                let dir = tempfile::tempdir().unwrap();
                let region = dir.path().join("whole/aws_configs/accounts/111122223333/us-east-1");
                for (k, items) in &net.docs {
                    write(&region.join(format!("{k}.json")), k, items);
                }
                let disk = load(&dir.path().join("whole")).unwrap();
                // Each list cut in two: the second part in a later file (a subdirectory sorts
                // after the capitalised file names).
                let region = dir.path().join("split/us-east-1");
                for (k, items) in &net.docs {
                    let at = cut.min(items.len());
                    write(&region.join(format!("{k}.json")), k, &items[..at]);
                    write(&region.join(format!("more/{k}.json")), k, &items[at..]);
                }
                let split = load(&dir.path().join("split")).unwrap();
                let want = model_json(&memory);
                prop_assert_eq!(&model_json(&disk), &want);
                prop_assert_eq!(&model_json(&split), &want);
                prop_assert!(disk.warnings.is_empty() && split.warnings.is_empty());

                // The model is the generated network.
                let m = &memory.model;
                prop_assert_eq!(m.vpcs.len(), net.docs[0].1.len());
                prop_assert!(m.vpcs.iter().all(|v| v.region.as_deref() == Some("us-east-1")));
                let topo = Topology::new(m);
                for (subnet, acl, rt) in &net.subnets {
                    let ix = topo.subnet_ix(subnet).unwrap();
                    prop_assert_eq!(topo.nacl_of(ix).map(|a| a.id.as_str()), Some(acl.as_str()), "{}", subnet);
                    prop_assert_eq!(topo.route_table_of(ix).map(|t| t.id.as_str()), Some(rt.as_str()), "{}", subnet);
                }
                let mut entries: Vec<(String, bool, u16, String, String)> = m
                    .network_acls
                    .iter()
                    .flat_map(|a| {
                        let side = |egress: bool, list: &[crate::model::NaclEntry]| {
                            list.iter()
                                .filter(|e| !e.number.is_default())
                                .map(|e| (a.id.to_string(), egress, e.number.0, format!("{:?}", e.action).to_lowercase(), e.cidr.to_string()))
                                .collect::<Vec<_>>()
                        };
                        let mut v = side(false, &a.ingress);
                        v.extend(side(true, &a.egress));
                        v
                    })
                    .collect();
                entries.sort();
                let mut want_entries = net.nacl_entries.clone();
                want_entries.sort();
                prop_assert_eq!(entries, want_entries);
                for (id, ingress, egress) in &net.sg_rules {
                    let g = topo.sg(id).unwrap();
                    prop_assert_eq!((g.ingress.len(), g.egress.len()), (*ingress, *egress), "{}", id);
                }
                prop_assert_eq!(m.enis.len(), net.enis.len());
                for (id, ip, groups) in &net.enis {
                    let e = topo.eni(id).unwrap();
                    prop_assert_eq!(e.primary_ip().map(|a| a.to_string()), Some(ip.clone()));
                    prop_assert_eq!(e.security_groups.iter().map(|g| g.to_string()).collect::<Vec<_>>(), groups.clone());
                }
            }
        }
    }
}
