//! `vpcscope snapshot` against a moto server (issue 4: live capture).
//!
//! scripts/test.sh starts moto and exports `VPCSCOPE_MOTO_ENDPOINT` and `VPCSCOPE_PYTHON`;
//! without them these tests print a NOTICE and pass. Every test builds the network of
//! tests/moto/build_network.py in a region of its own, because all tests share one moto
//! server and moto keeps one state per region. The denied-API test starts a private moto
//! server with IAM enforcement, since switching it on in the shared one would fail every
//! other test's fake credentials.
//!
//! moto gaps these tests live with (the capture records what it gets; none is papered
//! over): results are never paginated, so the paginators end after one page; custom NACLs
//! lack the `*` (32767) entries (the loader adds them, and the db ACL's return-path denial
//! is by that added rule); every ENI is InterfaceType `interface` (the loader recognises
//! the NAT's ENI from the NAT gateway's addresses); the NAT gateway's ENI has an address
//! outside its subnet (the loader places it in the NAT's subnet; no test relies on the
//! address); RDS instances have no ENI (the "db" instance is an EC2 instance for that
//! reason); TGW static routes come back without their attachment and the TGW's default
//! route table cannot be avoided (build_network.py says how it copes).

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util;

/// Every file a one-region capture writes.
const FILES: &[&str] = &[
    "Vpcs", "Subnets", "RouteTables", "NetworkAcls", "SecurityGroups", "NetworkInterfaces",
    "Reservations", "InternetGateways", "EgressOnlyInternetGateways", "NatGateways",
    "VpcPeeringConnections", "TransitGateways", "TransitGatewayAttachments",
    "TransitGatewayVpcAttachments", "TransitGatewayRouteTables", "TransitGatewayRoutes",
    "TransitGatewayPropagations", "TransitGatewayRouteTableAssociations", "VpcEndpoints",
    "ManagedPrefixLists", "PrefixListEntries", "PrefixLists", "Addresses", "FlowLogs",
    "DBInstances", "VpnGateways", "VpnConnections", "CustomerGateways", "VpcEndpointServices",
    "LoadBalancers", "LoadBalancerListeners", "LoadBalancerListenerRules", "LoadBalancerAttributes",
    "TargetGroups", "LoadBalancerTargetHealth", "TargetGroupAttributes", "LoadBalancerDescriptions",
    "Firewalls", "FirewallPolicies", "RuleGroups",
];

/// The array a file's manifest `count` counts: its own key, except the endpoint services
/// file, which holds the CLI's `ServiceDetails` and `ServiceNames`.
fn counted_key(key: &str) -> &str {
    if key == "VpcEndpointServices" { "ServiceDetails" } else { key }
}

/// moto's account id.
const ACCOUNT: &str = "123456789012";

struct Moto {
    endpoint: String,
    python: PathBuf,
}

fn moto() -> Option<Moto> {
    match (std::env::var("VPCSCOPE_MOTO_ENDPOINT"), std::env::var_os("VPCSCOPE_PYTHON")) {
        (Ok(endpoint), Some(python)) => Some(Moto { endpoint, python: PathBuf::from(python) }),
        _ => {
            eprintln!("NOTICE: VPCSCOPE_MOTO_ENDPOINT is unset; skipping the moto capture tests (run scripts/test.sh)");
            None
        }
    }
}

/// Fake credentials for moto, set explicitly so no test depends on the caller's environment.
const FAKE_ENV: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
    ("AWS_EC2_METADATA_DISABLED", "true"),
];

impl Moto {
    /// Runs a script of tests/moto with the venv's Python and returns its stdout.
    fn python(&self, endpoint: &str, script: &str, args: &[&str]) -> String {
        let out = Command::new(&self.python)
            .arg(util::root().join("tests/moto").join(script))
            .arg(endpoint)
            .args(args)
            .envs(FAKE_ENV.iter().copied())
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
            .output()
            .expect("run python");
        assert!(
            out.status.success(),
            "{script} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Builds the test network in `region` and returns the ids it printed.
    fn build_network(&self, endpoint: &str, region: &str) -> Value {
        let out = self.python(endpoint, "build_network.py", &[region]);
        serde_json::from_str(&out).expect("build_network.py prints JSON")
    }
}

/// Runs `vpcscope ARGS` with exactly the given AWS environment (nothing inherited).
fn vpcscope_env(args: &[&str], env: &[(&str, &str)]) -> util::Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vpcscope"));
    cmd.args(args).current_dir(util::root()).stdin(Stdio::null());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(key);
        }
    }
    // No shared config files either: a developer's real profile must never be read.
    let none = util::root().join("target/no-aws-config");
    cmd.env("AWS_CONFIG_FILE", &none).env("AWS_SHARED_CREDENTIALS_FILE", &none);
    cmd.envs(env.iter().copied());
    let out = cmd.output().expect("run vpcscope");
    util::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

fn items<'a>(doc: &'a Value, key: &str) -> &'a Vec<Value> {
    doc.get(key).and_then(Value::as_array).unwrap_or_else(|| panic!("no {key} array in {doc}"))
}

/// The actions of docs/iam-policy.json.
fn policy_actions() -> BTreeSet<String> {
    let policy = read_json(&util::root().join("docs/iam-policy.json"));
    let mut actions = BTreeSet::new();
    for statement in policy["Statement"].as_array().expect("Statement") {
        assert_eq!(statement["Effect"], "Allow");
        for action in statement["Action"].as_array().expect("Action") {
            actions.insert(action.as_str().expect("action string").to_owned());
        }
    }
    actions
}

/// Every operation the capture sent is in the documented policy and is a read.
fn assert_read_only_and_in_policy(manifest: &Value) {
    let policy = policy_actions();
    let ops = manifest["operations"].as_array().expect("operations");
    assert!(ops.len() >= 20, "too few operations recorded: {ops:?}");
    for op in ops {
        let op = op.as_str().expect("operation string");
        assert!(policy.contains(op), "{op} was called but is not in docs/iam-policy.json");
        let action = op.split_once(':').map_or(op, |(_, a)| a);
        // sts:AssumeRole (a capture of several accounts) obtains temporary credentials of the
        // reader role; it creates and changes nothing in the account.
        assert!(
            op == "sts:AssumeRole"
                || ["Describe", "Get", "List", "Search", "Filter", "StartQuery"].iter().any(|v| action.starts_with(v)),
            "{op} is not a read-only action"
        );
    }
}

/// Every key and value vpcscope wrote is what the AWS CLI prints (arrays element by element).
fn assert_cli_subset(ours: &Value, cli: &Value, path: &str) {
    match (ours, cli) {
        (Value::Object(o), Value::Object(c)) => {
            for (key, value) in o {
                let sub = format!("{path}/{key}");
                let other = c.get(key).unwrap_or_else(|| panic!("{sub}: key not in the CLI's output"));
                assert_cli_subset(value, other, &sub);
            }
        }
        (Value::Array(o), Value::Array(c)) => {
            assert_eq!(o.len(), c.len(), "{path}: array lengths differ");
            for (i, (a, b)) in o.iter().zip(c).enumerate() {
                assert_cli_subset(a, b, &format!("{path}/{i}"));
            }
        }
        _ => assert_eq!(ours, cli, "{path}: values differ"),
    }
}

fn region_dir(out: &Path, region: &str) -> PathBuf {
    out.join(ACCOUNT).join(region)
}

#[test]
fn snapshot_of_moto_network_writes_every_file_in_cli_shape() {
    let Some(moto) = moto() else { return };
    let region = "eu-west-3";
    let ids = moto.build_network(&moto.endpoint, region);
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("snap");
    let run = vpcscope_env(
        &["snapshot", "--endpoint-url", &moto.endpoint, "--region", region, "--out", out.to_str().unwrap()],
        FAKE_ENV,
    );
    assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(&format!("{} files, 0 failed calls", FILES.len())), "{}", run.stdout);

    let manifest = read_json(&out.join("manifest.json"));
    assert_eq!(manifest["format"], "vpcscope-capture/1");
    assert_eq!(manifest["account"], ACCOUNT);
    assert_eq!(manifest["regions"], serde_json::json!([region]));
    let calls = manifest["calls"].as_array().expect("calls");
    assert_eq!(calls.len(), FILES.len());
    let dir = region_dir(&out, region);
    for key in FILES {
        let doc = read_json(&dir.join(format!("{key}.json")));
        let record = calls.iter().find(|c| c["key"] == *key).unwrap_or_else(|| panic!("no call record for {key}"));
        assert!(record.get("error").is_none(), "{key}: {record}");
        assert_eq!(record["count"].as_u64(), Some(items(&doc, counted_key(key)).len() as u64), "count of {key}");
        assert_eq!(record["file"], format!("{ACCOUNT}/{region}/{key}.json"));
    }
    assert_read_only_and_in_policy(&manifest);

    // The content the model needs, spelled as the CLI spells it.
    let doc = |key: &str| read_json(&dir.join(format!("{key}.json")));
    let sgs = doc("SecurityGroups");
    let db_sg = items(&sgs, "SecurityGroups").iter().find(|g| g["GroupId"] == ids["security_groups"]["db"]).expect("db sg");
    // AWS (and moto) group peers of rules with the same protocol and ports into one
    // IpPermission, so look through all of them.
    let perms = db_sg["IpPermissions"].as_array().expect("IpPermissions");
    let has_peer = |list: &str, key: &str, want: &Value| {
        perms.iter().any(|p| p[list].as_array().is_some_and(|l| l.iter().any(|x| &x[key] == want)))
    };
    assert!(has_peer("UserIdGroupPairs", "GroupId", &ids["security_groups"]["app"]), "{db_sg}");
    assert!(has_peer("PrefixListIds", "PrefixListId", &ids["prefix_list"]), "{db_sg}");
    let acls = doc("NetworkAcls");
    let db_acl = items(&acls, "NetworkAcls").iter().find(|a| a["NetworkAclId"] == ids["db_acl"]).expect("db acl");
    assert_eq!(db_acl["Associations"][0]["SubnetId"], ids["subnets"]["db"]);
    // moto gap: custom NACLs come without the `*` (32767) entries, so only our two rules.
    let entries = db_acl["Entries"].as_array().expect("entries");
    assert!(entries.iter().any(|e| e["Egress"] == true && e["PortRange"]["To"] == 1023 && e["RuleNumber"] == 100));
    let tgw_routes = doc("TransitGatewayRoutes");
    let routes = items(&tgw_routes, "TransitGatewayRoutes")
        .iter()
        .find(|r| r["TransitGatewayRouteTableId"] == ids["tgw_route_table"])
        .expect("routes of the TGW route table");
    let routes = routes["Routes"].as_array().expect("routes");
    assert!(routes.iter().any(|r| r["DestinationCidrBlock"] == "10.99.0.0/16" && r["State"] == "blackhole"));
    assert!(routes.iter().all(|r| r["Type"] == "static" || r["Type"] == "propagated"));
    let props = doc("TransitGatewayPropagations");
    let props = items(&props, "TransitGatewayPropagations")
        .iter()
        .find(|r| r["TransitGatewayRouteTableId"] == ids["tgw_route_table"])
        .expect("propagations of the TGW route table");
    assert_eq!(props["TransitGatewayRouteTablePropagations"].as_array().map(Vec::len), Some(2));
    let entries = doc("PrefixListEntries");
    let admins = items(&entries, "PrefixListEntries").iter().find(|e| e["PrefixListId"] == ids["prefix_list"]).expect("entries");
    assert_eq!(admins["Entries"], serde_json::json!([{"Cidr": "192.0.2.0/24", "Description": "office"}]));
    let vgws = doc("VpnGateways");
    let vgw = items(&vgws, "VpnGateways").iter().find(|g| g["VpnGatewayId"] == ids["vgw"]).expect("the VPN gateway");
    assert_eq!(vgw["VpcAttachments"][0]["VpcId"], ids["vpcs"]["shop"]);
    let vpns = doc("VpnConnections");
    let vpn = items(&vpns, "VpnConnections").iter().find(|c| c["VpnConnectionId"] == ids["vpn"]).expect("the VPN connection");
    assert_eq!(vpn["VpnGatewayId"], ids["vgw"]);
    assert!(vpn.get("CustomerGatewayConfiguration").is_none(), "the tunnels' pre-shared keys are never written");
    let pcx = doc("VpcPeeringConnections");
    let pcx = items(&pcx, "VpcPeeringConnections").iter().find(|p| p["VpcPeeringConnectionId"] == ids["pcx"]).expect("pcx");
    assert_eq!(pcx["Status"]["Code"], "active");
    let dbs = doc("DBInstances");
    let orders = items(&dbs, "DBInstances").iter().find(|d| d["DBInstanceIdentifier"] == ids["db_instance"]).expect("db");
    assert_eq!(orders["DBSubnetGroup"]["VpcId"], ids["vpcs"]["shop"]);
    assert_eq!(orders["VpcSecurityGroups"][0]["VpcSecurityGroupId"], ids["security_groups"]["db"]);
    let nats = doc("NatGateways");
    let nat = items(&nats, "NatGateways").iter().find(|n| n["NatGatewayId"] == ids["nat"]).expect("nat");
    assert!(nat["NatGatewayAddresses"][0]["PublicIp"].is_string());

    // Same keys and values as the AWS CLI (boto3 shares its shapes) for the same calls.
    let cli_dir = tmp.path().join("cli");
    moto.python(&moto.endpoint, "cli_dump.py", &[region, cli_dir.to_str().unwrap()]);
    for key in FILES {
        let ours = read_json(&dir.join(format!("{key}.json")));
        let cli = read_json(&cli_dir.join(format!("{key}.json")));
        assert_cli_subset(&ours, &cli, key);
    }
}

#[test]
fn snapshot_never_writes_credentials_and_records_a_failed_region() {
    let Some(moto) = moto() else { return };
    let region = "ap-southeast-2";
    moto.build_network(&moto.endpoint, region);
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("snap");
    let secrets = [
        ("AWS_ACCESS_KEY_ID", "AKIAVPCSCOPELEAKTEST"),
        ("AWS_SECRET_ACCESS_KEY", "vpcscope-secret-must-not-leak"),
        ("AWS_SESSION_TOKEN", "vpcscope-session-token-must-not-leak"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];
    // moto answers an unknown region with HTTP 500: a region whose every call fails.
    // One attempt per request keeps the test fast (the default retries 500s with backoff).
    let run = vpcscope_env(
        &[
            "snapshot", "--endpoint-url", &moto.endpoint, "--region", region, "--region", "xx-nowhere-1",
            "--max-attempts", "1", "--out", out.to_str().unwrap(),
        ],
        &secrets,
    );
    assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("xx-nowhere-1: every call failed"), "{}", run.stderr);
    let manifest = read_json(&out.join("manifest.json"));
    let failed: Vec<_> = manifest["calls"].as_array().unwrap().iter().filter(|c| c.get("error").is_some()).collect();
    assert_eq!(failed.len(), FILES.len());
    assert!(failed.iter().all(|c| c["region"] == "xx-nowhere-1"));
    assert!(region_dir(&out, region).join("Vpcs.json").is_file());
    assert!(!region_dir(&out, "xx-nowhere-1").exists());

    let mut texts = vec![run.stdout.clone(), run.stderr.clone()];
    for entry in walkdir::WalkDir::new(&out).into_iter().flatten().filter(|e| e.file_type().is_file()) {
        texts.push(std::fs::read_to_string(entry.path()).expect("read output"));
    }
    for (name, secret) in &secrets[..3] {
        for text in &texts {
            assert!(!text.contains(secret), "{name} leaked into the output");
        }
    }
}

#[test]
fn snapshot_scoped_to_one_vpc_keeps_only_that_vpc() {
    let Some(moto) = moto() else { return };
    let region = "sa-east-1";
    let ids = moto.build_network(&moto.endpoint, region);
    let shop = ids["vpcs"]["shop"].as_str().unwrap();
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("snap");
    let run = vpcscope_env(
        &["snapshot", "--endpoint-url", &moto.endpoint, "--region", region, "--vpc-id", shop, "--out", out.to_str().unwrap()],
        FAKE_ENV,
    );
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    let dir = region_dir(&out, region);
    let doc = |key: &str| read_json(&dir.join(format!("{key}.json")));
    assert_eq!(items(&doc("Vpcs"), "Vpcs").len(), 1);
    // The shop VPC may have been built before on a developer's long-running moto server:
    // count only this run's instances.
    let mine = |i: &&&Value| ids["instances"].as_object().unwrap().values().any(|id| *id == i["InstanceId"]);
    for key in ["Subnets", "SecurityGroups", "RouteTables", "NetworkAcls", "NetworkInterfaces", "NatGateways", "VpcEndpoints", "TransitGatewayVpcAttachments"] {
        let d = doc(key);
        assert!(items(&d, key).iter().all(|i| i["VpcId"] == shop), "{key} has items of other VPCs");
    }
    let reservations = doc("Reservations");
    let instances: Vec<_> = items(&reservations, "Reservations").iter().flat_map(|r| r["Instances"].as_array().unwrap().iter()).collect();
    assert!(instances.iter().all(|i| i["VpcId"] == shop));
    assert_eq!(instances.iter().filter(mine).count(), 3, "web, app and db");
    assert_eq!(items(&doc("VpcPeeringConnections"), "VpcPeeringConnections").len(), 1);
    assert_eq!(read_json(&out.join("manifest.json"))["vpc_ids"], serde_json::json!([shop]));
}

#[test]
fn snapshot_refuses_a_non_empty_directory() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("keep.txt"), "earlier work").unwrap();
    let run = vpcscope_env(
        &["snapshot", "--region", "us-east-1", "--out", tmp.path().to_str().unwrap()],
        &[("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("is not empty"), "{}", run.stderr);
}

/// A private moto server, stopped when dropped.
struct PrivateMoto {
    child: Child,
    endpoint: String,
}

impl Drop for PrivateMoto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_private_moto(python: &Path) -> PrivateMoto {
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
    let log_dir = util::root().join("target");
    std::fs::create_dir_all(&log_dir).expect("target dir");
    let log = std::fs::File::create(log_dir.join(format!("moto-private-{port}.log"))).expect("log");
    let child = Command::new(python)
        .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
        // IAM is not enforced while the network and the reader user are made; the test
        // then switches enforcement on through /moto-api/reset-auth.
        .env("INITIAL_NO_AUTH_ACTION_COUNT", "1000000")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start moto");
    let server = PrivateMoto { child, endpoint: format!("http://127.0.0.1:{port}") };
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "private moto did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

#[test]
fn snapshot_with_one_denied_api_is_usable_and_the_policy_suffices() {
    let Some(moto) = moto() else { return };
    let server = start_private_moto(&moto.python);
    let region = "eu-west-3";
    let ids = moto.build_network(&server.endpoint, region);
    // A user holding docs/iam-policy.json minus ec2:DescribeFlowLogs; moto then enforces IAM.
    let keys = moto.python(&server.endpoint, "iam_reader.py", &["ec2:DescribeFlowLogs"]);
    let keys: Value = serde_json::from_str(&keys).expect("keys JSON");
    let (key_id, secret) = (keys["AccessKeyId"].as_str().unwrap(), keys["SecretAccessKey"].as_str().unwrap());

    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("snap");
    let run = vpcscope_env(
        &["snapshot", "--endpoint-url", &server.endpoint, "--region", region, "--out", out.to_str().unwrap()],
        &[("AWS_ACCESS_KEY_ID", key_id), ("AWS_SECRET_ACCESS_KEY", secret), ("AWS_EC2_METADATA_DISABLED", "true")],
    );
    assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("DescribeFlowLogs failed (AccessDenied"), "{}", run.stderr);
    assert!(run.stdout.contains(&format!("{} files, 1 failed calls", FILES.len() - 1)), "{}", run.stdout);
    let manifest = read_json(&out.join("manifest.json"));
    let failed: Vec<_> = manifest["calls"].as_array().unwrap().iter().filter(|c| c.get("error").is_some()).collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["action"], "DescribeFlowLogs");
    assert_eq!(failed[0]["error"]["code"], "AccessDenied");
    let dir = region_dir(&out, region);
    assert!(!dir.join("FlowLogs.json").exists());
    for key in FILES.iter().filter(|k| **k != "FlowLogs") {
        assert!(dir.join(format!("{key}.json")).is_file(), "{key}.json is missing although allowed");
    }
    assert_read_only_and_in_policy(&manifest);
    let everything = walkdir::WalkDir::new(&out).into_iter().flatten().filter(|e| e.file_type().is_file());
    for entry in everything {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        assert!(!text.contains(secret), "the secret key leaked into {}", entry.path().display());
    }

    // The partial snapshot loads, answers, and says on stderr (from the manifest) what it lacks.
    let missing = format!("{region}: DescribeFlowLogs failed (AccessDenied); FlowLogs are missing from the snapshot");
    let (app, db) = (ids["instances"]["app"].as_str().unwrap(), ids["instances"]["db"].as_str().unwrap());
    let query = ["--from", app, "--to", db, "--port", "5432", "--format", "json"];
    let mut args = vec!["reach", "--snapshot", out.to_str().unwrap()];
    args.extend_from_slice(&query);
    let run = vpcscope_env(&args, FAKE_ENV);
    assert_eq!(run.code, 1, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert_eq!(run.json()["blocked_by"]["path"], "return");
    assert!(run.stderr.contains(&format!("vpcscope: warning: {missing}")), "{}", run.stderr);
    // The same warning when the analysis captures the live account into memory.
    let mut args = vec!["reach", "--endpoint-url", &server.endpoint, "--region", region];
    args.extend_from_slice(&query);
    let run = vpcscope_env(
        &args,
        &[("AWS_ACCESS_KEY_ID", key_id), ("AWS_SECRET_ACCESS_KEY", secret), ("AWS_EC2_METADATA_DISABLED", "true")],
    );
    assert_eq!(run.code, 1, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains(&format!("vpcscope: warning: {missing}")), "{}", run.stderr);
    assert!(!run.stderr.contains(secret) && !run.stdout.contains(secret));
}

// ---------------------------------------------------------------------------------------
// The capture, loaded and analysed.
// ---------------------------------------------------------------------------------------

/// The region of the shared capture below (no other test builds there).
const ANALYSIS_REGION: &str = "ca-central-1";

/// The network of build_network.py, built once in [`ANALYSIS_REGION`] and captured once
/// with `vpcscope snapshot`, shared by the tests that load and analyse it.
struct Captured {
    /// What build_network.py printed.
    ids: Value,
    /// The snapshot directory (kept under target/ for inspection after a failure).
    dir: PathBuf,
}

impl Captured {
    fn id(&self, group: &str, name: &str) -> &str {
        self.ids[group][name].as_str().unwrap_or_else(|| panic!("no {group}.{name} in {}", self.ids))
    }

    /// `vpcscope reach --snapshot DIR --from FROM --to TO ARGS --format json`.
    fn reach(&self, from: &str, to: &str, args: &[&str]) -> (util::Run, Value) {
        let dir = self.dir.to_str().unwrap();
        let mut all = vec!["reach", "--snapshot", dir, "--from", from, "--to", to, "--format", "json"];
        all.extend_from_slice(args);
        let run = vpcscope_env(&all, FAKE_ENV);
        let json = run.json();
        (run, json)
    }
}

fn captured(moto: &Moto) -> &'static Captured {
    static CAPTURED: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    CAPTURED.get_or_init(|| {
        let ids = moto.build_network(&moto.endpoint, ANALYSIS_REGION);
        let dir = util::root().join(format!("target/moto-capture-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let run = vpcscope_env(
            &["snapshot", "--endpoint-url", &moto.endpoint, "--region", ANALYSIS_REGION, "--out", dir.to_str().unwrap()],
            FAKE_ENV,
        );
        assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
        Captured { ids, dir }
    })
}

/// The hop ids of one leg of a reach answer.
fn hop_ids<'a>(answer: &'a Value, leg: &str) -> Vec<&'a str> {
    answer[leg]["hops"].as_array().map_or_else(Vec::new, |h| h.iter().filter_map(|h| h["id"].as_str()).collect())
}

/// A model as JSON with its top-level collections sorted (their order follows file order,
/// not meaning), so two loads compare equal when they hold the same resources.
fn canonical_model(model: &vpcscope::model::Model) -> Value {
    let mut value = serde_json::to_value(model).expect("model serialises");
    for (_, items) in value.as_object_mut().expect("model is an object") {
        if let Value::Array(items) = items {
            items.sort_by_key(|x| x.to_string());
        }
    }
    value
}

/// The first JSON path at which two values differ.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(p), Some(q)) => first_difference(p, q, &format!("{path}.{k}")),
                (p, q) => Some(format!("{path}.{k}: {p:?} vs {q:?}")),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (p, q))| first_difference(p, q, &format!("{path}[{i}]")))
        }
        _ if a == b => None,
        _ => Some(format!("{path}: {a} vs {b}")),
    }
}

/// Round trip: the files `vpcscope snapshot` writes load to the same model as what the AWS
/// CLI prints for the same calls (boto3 shares the CLI's shapes; tests/moto/cli_dump.py).
#[test]
fn snapshot_loads_to_the_same_model_as_the_cli_output() {
    let Some(moto) = moto() else { return };
    let cap = captured(&moto);
    let tmp = tempfile::tempdir().expect("tempdir");
    // The CLI's files in the same layout, so the loader names the same region.
    let cli_dir = tmp.path().join(ACCOUNT).join(ANALYSIS_REGION);
    moto.python(&moto.endpoint, "cli_dump.py", &[ANALYSIS_REGION, cli_dir.to_str().unwrap()]);

    let ours = vpcscope::source::snapshot::load(&cap.dir).expect("load the capture");
    let cli = vpcscope::source::snapshot::load(tmp.path()).expect("load the CLI output");
    assert_eq!(ours.files, FILES.len());
    assert_eq!(cli.files, FILES.len());
    let (a, b) = (canonical_model(&ours.model), canonical_model(&cli.model));
    if let Some(diff) = first_difference(&a, &b, "model") {
        panic!("the capture and the CLI output load to different models (capture vs CLI) at {diff}");
    }
    // Not vacuous: the network is there.
    let m = &ours.model;
    assert!(m.vpcs.iter().any(|v| v.id.0 == cap.id("vpcs", "shop")));
    assert!(m.tgw_route_tables.iter().any(|t| t.routes.len() >= 3), "static, blackhole and propagated routes");
    assert!(m.prefix_lists.iter().any(|p| p.id.0 == cap.ids["prefix_list"] && !p.cidrs.is_empty()));
    let warnings: Vec<&str> = ours.warnings.iter().collect();
    let unknown = |w: &&str| w.contains("unknown top-level key");
    assert!(!warnings.iter().any(unknown), "{warnings:?}");
    assert!(!warnings.iter().any(|w| w.contains("missing from the snapshot")), "{warnings:?}");
}

/// The db subnet's ACL admits 5432 but lets no reply out to the ephemeral ports: the
/// request arrives and the reply dies on the db ACL's outbound rules. moto gap: the custom
/// ACL comes without its `*` deny entries; the loader adds them, and they are what match.
#[test]
fn reach_on_moto_capture_finds_the_db_acl_blocking_the_reply() {
    let Some(moto) = moto() else { return };
    let cap = captured(&moto);
    let (run, answer) = cap.reach(cap.id("instances", "app"), cap.id("instances", "db"), &["--port", "5432"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(answer["reachable"], false);
    assert_eq!(answer["forward"]["disposition"], "accepted", "{answer:#}");
    let blocked = &answer["blocked_by"];
    assert_eq!(blocked["id"], cap.ids["db_acl"], "{blocked:#}");
    assert_eq!(blocked["kind"], "network-acl");
    assert_eq!(blocked["path"], "return");
    assert_eq!(blocked["direction"], "egress");
    assert_eq!(blocked["rule_number"], "*", "{blocked:#}");
    assert!(hop_ids(&answer, "return").contains(&blocked["id"].as_str().unwrap()), "{answer:#}");
    assert!(answer["fix"]["id"] == cap.ids["db_acl"], "{:#}", answer["fix"]);
}

/// The app SG admits 8080 from members of the web SG (an SG that references another).
#[test]
fn reach_on_moto_capture_allows_web_to_app_by_sg_reference() {
    let Some(moto) = moto() else { return };
    let cap = captured(&moto);
    let (run, answer) = cap.reach(cap.id("instances", "web"), cap.id("instances", "app"), &["--port", "8080"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(answer["reachable"], true);
    let sg_hop = answer["forward"]["hops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["kind"] == "security-group" && h["direction"] == "ingress")
        .unwrap_or_else(|| panic!("no inbound security-group hop: {answer:#}"));
    assert!(
        sg_hop["rule"].as_str().is_some_and(|r| r.contains(cap.id("security_groups", "web"))),
        "the app SG should admit by its rule naming the web SG: {sg_hop:#}"
    );
    // Only members of the web SG: the db instance is not one.
    let (run, _) = cap.reach(cap.id("instances", "db"), cap.id("instances", "app"), &["--port", "8080"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
}

/// app (shop VPC) -> hub instance over the transit gateway: the app subnet routes
/// 10.30.0.0/16 to the TGW, whose route table sends it to the hub attachment; the hub
/// subnet routes the reply back through the TGW.
#[test]
fn reach_on_moto_capture_crosses_the_transit_gateway() {
    let Some(moto) = moto() else { return };
    let cap = captured(&moto);
    let (run, answer) = cap.reach(cap.id("instances", "app"), cap.id("instances", "hub"), &["--port", "22"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let rtb = cap.ids["tgw_route_table"].as_str().unwrap();
    for leg in ["forward", "return"] {
        let hops = hop_ids(&answer, leg);
        assert!(hops.contains(&rtb), "{leg} path does not use {rtb}: {hops:?}");
        // In by one VPC attachment, out by the other.
        let attachments = answer[leg]["hops"].as_array().unwrap().iter().filter(|h| h["kind"] == "transit-gateway-attachment").count();
        assert_eq!(attachments, 2, "{leg}: {hops:?}");
    }
    // The hub SG admits SSH from 10.0.0.0/8 only on port 22.
    let (run, answer) = cap.reach(cap.id("instances", "app"), cap.id("instances", "hub"), &["--port", "443"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(answer["blocked_by"]["kind"], "security-group", "{answer:#}");
}

/// app (shop VPC) -> partner instance over the peering, both directions routed by it.
#[test]
fn reach_on_moto_capture_crosses_the_peering() {
    let Some(moto) = moto() else { return };
    let cap = captured(&moto);
    let (run, answer) = cap.reach(cap.id("instances", "app"), cap.id("instances", "partner"), &["--port", "5432"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let pcx = cap.ids["pcx"].as_str().unwrap();
    for leg in ["forward", "return"] {
        let hops = hop_ids(&answer, leg);
        assert!(hops.contains(&pcx), "{leg} path does not cross {pcx}: {hops:?}");
    }
}

/// The web server has a public address, a route to the internet gateway and an SG open on
/// 443 to the world.
#[test]
fn reach_on_moto_capture_admits_the_internet_to_the_web_server() {
    let Some(moto) = moto() else { return };
    let cap = captured(&moto);
    let (run, answer) = cap.reach("internet", cap.id("instances", "web"), &["--port", "443"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(answer["internet_any"], true, "{answer:#}");
    let igw = cap.ids["igw"].as_str().unwrap();
    assert!(hop_ids(&answer, "forward").contains(&igw), "{answer:#}");
    // The app server has no public address.
    let (run, _) = cap.reach("internet", cap.id("instances", "app"), &["--port", "8080"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
}

/// An analysis command on the live moto (`--endpoint-url --region` instead of
/// `--snapshot`) answers exactly as on the written capture of the same network.
#[test]
fn reach_on_live_moto_answers_like_the_written_snapshot() {
    let Some(moto) = moto() else { return };
    let cap = captured(&moto);
    let (app, db, web) = (cap.id("instances", "app"), cap.id("instances", "db"), cap.id("instances", "web"));
    for (from, to, port) in [(app, db, "5432"), (web, app, "8080"), ("internet", web, "443")] {
        let (on_disk, expected) = cap.reach(from, to, &["--port", port]);
        let live = vpcscope_env(
            &[
                "reach", "--endpoint-url", &moto.endpoint, "--region", ANALYSIS_REGION, "--from", from, "--to", to,
                "--port", port, "--format", "json",
            ],
            FAKE_ENV,
        );
        assert_eq!(live.code, on_disk.code, "{from} -> {to}: {}\n{}", live.stdout, live.stderr);
        let got = live.json();
        if let Some(diff) = first_difference(&got, &expected, "answer") {
            panic!("{from} -> {to}:{port}: live and snapshot answers differ (live vs snapshot) at {diff}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Load balancers and Network Firewall (issue 18).
// ---------------------------------------------------------------------------------------

/// The element of `doc[key]` whose `field` (a JSON pointer) is `want`.
fn element<'a>(doc: &'a Value, key: &str, field: &str, want: &Value) -> &'a Value {
    items(doc, key)
        .iter()
        .find(|e| e.pointer(field) == Some(want))
        .unwrap_or_else(|| panic!("no {key} element with {field} = {want} in {doc:#}"))
}

/// The keys of an attribute list, `[{"Key", "Value"}]`, as a map.
fn attributes(list: &Value) -> std::collections::BTreeMap<&str, &str> {
    list.as_array()
        .expect("Attributes")
        .iter()
        .map(|a| (a["Key"].as_str().expect("Key"), a["Value"].as_str().expect("Value")))
        .collect()
}

/// The ALB, NLB and Classic Load Balancer of build_network.py, captured with their
/// listeners, the ALB's rules, the target groups' registered targets and health, and both
/// kinds of attributes, in the files and shapes of Batfish's layout. moto gaps: every ELBv2
/// ARN says `app/` (an NLB's too; its `Type` is right), an NLB listener comes with an
/// `SslPolicy`, and a Classic Load Balancer's DNS name is in us-east-1.
#[test]
fn snapshot_captures_load_balancers_listeners_rules_targets_and_attributes() {
    let Some(moto) = moto() else { return };
    let cap = captured(&moto);
    let dir = region_dir(&cap.dir, ANALYSIS_REGION);
    let doc = |key: &str| read_json(&dir.join(format!("{key}.json")));
    let id = |group: &str, name: &str| cap.ids[group][name].clone();

    let lbs = doc("LoadBalancers");
    let alb = element(&lbs, "LoadBalancers", "/LoadBalancerArn", &id("load_balancers", "alb"));
    assert_eq!((&alb["Type"], &alb["Scheme"]), (&"application".into(), &"internet-facing".into()), "{alb:#}");
    assert_eq!(alb["VpcId"], cap.ids["vpcs"]["shop"]);
    assert_eq!(alb["SecurityGroups"], serde_json::json!([cap.ids["security_groups"]["web"]]));
    assert_eq!(alb["AvailabilityZones"][0]["SubnetId"], cap.ids["subnets"]["public"]);
    assert!(alb["DNSName"].is_string() && alb["State"]["Code"].is_string(), "{alb:#}");
    let nlb = element(&lbs, "LoadBalancers", "/LoadBalancerArn", &id("load_balancers", "nlb"));
    assert_eq!((&nlb["Type"], &nlb["Scheme"]), (&"network".into(), &"internal".into()), "{nlb:#}");

    // Listeners: one wrapper per load balancer, the listener's port and forward action.
    let listeners = doc("LoadBalancerListeners");
    let of_alb = element(&listeners, "LoadBalancerListeners", "/LoadBalancerArn", &id("load_balancers", "alb"));
    let l = &of_alb["Listeners"][0];
    assert_eq!((&l["Port"], &l["Protocol"]), (&80.into(), &"HTTP".into()), "{l:#}");
    assert_eq!(l["DefaultActions"][0]["Type"], "forward");
    assert_eq!(l["DefaultActions"][0]["TargetGroupArn"], id("target_groups", "app"));
    let of_nlb = element(&listeners, "LoadBalancerListeners", "/LoadBalancerArn", &id("load_balancers", "nlb"));
    assert_eq!((&of_nlb["Listeners"][0]["Port"], &of_nlb["Listeners"][0]["Protocol"]), (&5432.into(), &"TCP".into()));

    // Rules only for the ALB's listener: the path rule and the default rule.
    let rules = doc("LoadBalancerListenerRules");
    let nlb_listener = &cap.ids["listeners"]["nlb"];
    assert!(!items(&rules, "LoadBalancerListenerRules").iter().any(|r| &r["ListenerArn"] == nlb_listener), "{rules:#}");
    let of_listener = element(&rules, "LoadBalancerListenerRules", "/ListenerArn", &id("listeners", "alb"));
    let rule = element(of_listener, "Rules", "/RuleArn", &cap.ids["alb_rule"]);
    assert_eq!(rule["Priority"], "10");
    assert_eq!(rule["Conditions"][0]["Field"], "path-pattern");
    assert_eq!(rule["Conditions"][0]["PathPatternConfig"]["Values"], serde_json::json!(["/api/*"]));
    assert_eq!(rule["Actions"][0]["TargetGroupArn"], id("target_groups", "app"));
    assert!(of_listener["Rules"].as_array().unwrap().iter().any(|r| r["IsDefault"] == true && r["Priority"] == "default"));

    // Target groups, their registered targets (id and port) and health.
    let groups = doc("TargetGroups");
    let app_tg = element(&groups, "TargetGroups", "/TargetGroupArn", &id("target_groups", "app"));
    assert_eq!((&app_tg["Protocol"], &app_tg["Port"], &app_tg["TargetType"]), (&"HTTP".into(), &8080.into(), &"instance".into()));
    assert_eq!((&app_tg["HealthCheckPort"], &app_tg["HealthCheckPath"]), (&"8080".into(), &"/health".into()));
    let health = doc("LoadBalancerTargetHealth");
    let app_health = element(&health, "LoadBalancerTargetHealth", "/TargetGroupArn", &id("target_groups", "app"));
    let target = &app_health["TargetHealthDescriptions"][0];
    assert_eq!((&target["Target"]["Id"], &target["Target"]["Port"]), (&id("instances", "app"), &8080.into()), "{target:#}");
    assert!(target["TargetHealth"]["State"].is_string() && target["HealthCheckPort"].is_string(), "{target:#}");
    let db_health = element(&health, "LoadBalancerTargetHealth", "/TargetGroupArn", &id("target_groups", "db"));
    assert_eq!(db_health["TargetHealthDescriptions"][0]["Target"]["Id"], id("instances", "db"));

    // Attributes: client IP preservation of the NLB's target group, cross-zone of the NLB.
    let tg_attrs = doc("TargetGroupAttributes");
    let db_attrs = element(&tg_attrs, "TargetGroupAttributes", "/TargetGroupArn", &id("target_groups", "db"));
    assert_eq!(attributes(&db_attrs["Attributes"]).get("preserve_client_ip.enabled"), Some(&"true"));
    let lb_attrs = doc("LoadBalancerAttributes");
    let nlb_attrs = element(&lb_attrs, "LoadBalancerAttributes", "/LoadBalancerArn", &id("load_balancers", "nlb"));
    assert!(attributes(&nlb_attrs["Attributes"]).contains_key("load_balancing.cross_zone.enabled"), "{nlb_attrs:#}");

    // The Classic Load Balancer: listener ports, instances, subnets, groups, health check.
    let classic = doc("LoadBalancerDescriptions");
    let clb = element(&classic, "LoadBalancerDescriptions", "/LoadBalancerName", &id("load_balancers", "classic"));
    let listener = &clb["ListenerDescriptions"][0]["Listener"];
    assert_eq!((&listener["LoadBalancerPort"], &listener["InstancePort"], &listener["Protocol"]), (&8080.into(), &8080.into(), &"TCP".into()));
    assert_eq!(clb["Instances"], serde_json::json!([{"InstanceId": cap.ids["instances"]["app"]}]));
    assert_eq!(clb["Subnets"], serde_json::json!([cap.ids["subnets"]["app"]]));
    assert_eq!(clb["SecurityGroups"], serde_json::json!([cap.ids["security_groups"]["app"]]));
    assert_eq!((&clb["VPCId"], &clb["Scheme"]), (&cap.ids["vpcs"]["shop"], &"internal".into()));
    assert_eq!(clb["HealthCheck"]["Target"], "TCP:8080");

    // Endpoint services as the CLI prints them; no firewall in this region.
    let services = doc("VpcEndpointServices");
    assert!(!items(&services, "ServiceDetails").is_empty() && !items(&services, "ServiceNames").is_empty());
    assert!(items(&services, "ServiceDetails").iter().all(|s| s["ServiceName"].is_string() && s["ServiceType"].is_array()));
    for key in ["Firewalls", "FirewallPolicies", "RuleGroups"] {
        assert!(items(&doc(key), key).is_empty(), "{key}");
    }
    let manifest = read_json(&cap.dir.join("manifest.json"));
    let ops: Vec<&str> = manifest["operations"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    for op in ["elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTargetHealth", "network-firewall:ListFirewalls"] {
        assert!(ops.contains(&op), "{op} not recorded: {ops:?}");
    }
}

/// `--vpc-id` keeps the load balancers and target groups of that VPC only, and the listeners,
/// rules, health and attributes of those.
#[test]
fn snapshot_scoped_to_another_vpc_keeps_no_load_balancer_of_the_shop_vpc() {
    let Some(moto) = moto() else { return };
    let cap = captured(&moto);
    let hub = cap.id("vpcs", "hub");
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("snap");
    let run = vpcscope_env(
        &["snapshot", "--endpoint-url", &moto.endpoint, "--region", ANALYSIS_REGION, "--vpc-id", hub, "--out", out.to_str().unwrap()],
        FAKE_ENV,
    );
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    let dir = region_dir(&out, ANALYSIS_REGION);
    for key in ["LoadBalancers", "TargetGroups", "LoadBalancerDescriptions", "LoadBalancerListeners", "LoadBalancerListenerRules",
        "LoadBalancerAttributes", "LoadBalancerTargetHealth", "TargetGroupAttributes", "Firewalls"]
    {
        let doc = read_json(&dir.join(format!("{key}.json")));
        assert!(items(&doc, key).is_empty(), "{key} holds items of another VPC: {doc:#}");
    }
}

/// moto's Network Firewall: the firewall is captured (VPC, subnet mappings, policy ARN,
/// status). moto implements no DescribeFirewallPolicy (it answers HTTP 500): the capture
/// records that call as failed, the rule groups as not attempted, and still succeeds; the
/// policy and rule group shapes are covered by the recorded-output test below.
#[test]
fn snapshot_captures_a_moto_firewall_and_records_the_calls_moto_lacks() {
    let Some(moto) = moto() else { return };
    let region = "eu-north-1";
    let out = moto.python(&moto.endpoint, "build_firewall.py", &[region]);
    let ids: Value = serde_json::from_str(&out).expect("build_firewall.py prints JSON");
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("snap");
    // One attempt: moto's HTTP 500 would otherwise be retried with backoff.
    let run = vpcscope_env(
        &["snapshot", "--endpoint-url", &moto.endpoint, "--region", region, "--max-attempts", "1", "--out", out.to_str().unwrap()],
        FAKE_ENV,
    );
    assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    let dir = region_dir(&out, region);
    let firewalls = read_json(&dir.join("Firewalls.json"));
    let fw = element(&firewalls, "Firewalls", "/Firewall/FirewallArn", &ids["firewall"]);
    assert_eq!(fw["Firewall"]["VpcId"], ids["vpc"]);
    assert_eq!(fw["Firewall"]["FirewallPolicyArn"], ids["policy"]);
    let mapped: Vec<&Value> = fw["Firewall"]["SubnetMappings"].as_array().unwrap().iter().map(|m| &m["SubnetId"]).collect();
    assert_eq!(mapped, ids["subnets"].as_array().unwrap().iter().collect::<Vec<_>>());
    assert_eq!(fw["FirewallStatus"]["Status"], "READY");

    let manifest = read_json(&out.join("manifest.json"));
    let record = |key: &str| manifest["calls"].as_array().unwrap().iter().find(|c| c["key"] == key).cloned().expect("record");
    let policies = record("FirewallPolicies");
    if policies.get("error").is_some() {
        assert!(!dir.join("FirewallPolicies.json").exists());
        assert!(run.stderr.contains("DescribeFirewallPolicy failed"), "{}", run.stderr);
        let groups = record("RuleGroups");
        assert_eq!(groups["error"]["message"], "not attempted because DescribeFirewallPolicy failed", "{groups}");
    } else {
        // A later moto that implements the call: the policy is then simply captured.
        assert_eq!(policies["count"], 1, "{policies}");
    }
    assert_read_only_and_in_policy(&manifest);
}

/// A child process stopped when dropped (the recorded-output proxy).
struct Proxy(Child);

/// Starts a proxy script of tests/moto (it prints its port first) and returns it, stopped when
/// dropped, and its endpoint.
fn start_proxy(moto: &Moto, script: &str, args: &[&str]) -> (Proxy, String) {
    let mut child = Command::new(&moto.python)
        .arg(util::root().join("tests/moto").join(script))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("start {script}: {e}"));
    let mut port = String::new();
    {
        use std::io::BufRead;
        let stdout = child.stdout.take().expect("proxy stdout");
        std::io::BufReader::new(stdout).read_line(&mut port).expect("proxy port");
    }
    (Proxy(child), format!("http://127.0.0.1:{}", port.trim()))
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Network Firewall policies and rule groups from recorded outputs
/// (tests/data/network-firewall/inspection.json, hand-written from the API reference's
/// response syntax; see its `_provenance`), served by tests/moto/recorded_proxy.py in front of
/// moto: the capture decodes them with the real SDK and writes each describe call's output
/// exactly as recorded, with the firewall's per-zone endpoints, the policy's stateless and
/// stateful references and default actions, and the rule groups' stateless 5-tuple rules,
/// stateful rules, domain list and Suricata rules.
#[test]
fn snapshot_of_recorded_network_firewall_outputs_keeps_policies_and_rule_groups() {
    let Some(moto) = moto() else { return };
    let recorded_path = util::root().join("tests/data/network-firewall/inspection.json");
    let recorded = read_json(&recorded_path);
    let (_proxy, endpoint) = start_proxy(&moto, "recorded_proxy.py", &[moto.endpoint.as_str(), recorded_path.to_str().unwrap()]);

    let region = "ap-northeast-2";
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("snap");
    let run = vpcscope_env(
        &["snapshot", "--endpoint-url", &endpoint, "--region", region, "--max-attempts", "1", "--out", out.to_str().unwrap()],
        FAKE_ENV,
    );
    assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(&format!("{} files, 0 failed calls", FILES.len())), "{}\n{}", run.stdout, run.stderr);
    let dir = region_dir(&out, region);
    let doc = |key: &str| read_json(&dir.join(format!("{key}.json")));

    // Each element is the recorded response, key for key and value for value.
    let recorded_values = |op: &str| recorded[op].as_object().expect(op).values().cloned().collect::<Vec<_>>();
    let firewalls = doc("Firewalls");
    assert_eq!(items(&firewalls, "Firewalls"), &recorded_values("DescribeFirewall"));
    let policies = doc("FirewallPolicies");
    assert_eq!(items(&policies, "FirewallPolicies"), &recorded_values("DescribeFirewallPolicy"));
    let groups = doc("RuleGroups");
    let mut want = recorded_values("DescribeRuleGroup");
    let order = |g: &Value| g["RuleGroupResponse"]["RuleGroupArn"].as_str().unwrap_or_default().to_owned();
    want.sort_by_key(order);
    let mut got = items(&groups, "RuleGroups").clone();
    got.sort_by_key(order);
    assert_eq!(got, want);

    // The fields the walker needs, named.
    let fw = &items(&firewalls, "Firewalls")[0];
    let zone_a = &fw["FirewallStatus"]["SyncStates"][format!("{region}a")]["Attachment"];
    assert_eq!((&zone_a["SubnetId"], &zone_a["EndpointId"], &zone_a["Status"]), (&"subnet-0fwa0000000000001".into(), &"vpce-0fwa00000000000a1".into(), &"READY".into()));
    let policy = &items(&policies, "FirewallPolicies")[0]["FirewallPolicy"];
    assert_eq!(policy["StatelessDefaultActions"], serde_json::json!(["aws:forward_to_sfe"]));
    assert_eq!(policy["StatelessRuleGroupReferences"][0]["Priority"], 10);
    assert_eq!(policy["StatefulRuleGroupReferences"].as_array().map(Vec::len), Some(3));
    assert_eq!(policy["StatefulEngineOptions"]["RuleOrder"], "STRICT_ORDER");
    let by_name = |name: &str| {
        items(&groups, "RuleGroups").iter().find(|g| g["RuleGroupResponse"]["RuleGroupName"] == name).unwrap_or_else(|| panic!("{name}"))
    };
    let stateless = by_name("block-telnet");
    assert_eq!(stateless["RuleGroupResponse"]["Type"], "STATELESS");
    let rule = &stateless["RuleGroup"]["RulesSource"]["StatelessRulesAndCustomActions"]["StatelessRules"][0];
    assert_eq!(rule["Priority"], 1);
    assert_eq!(rule["RuleDefinition"]["Actions"], serde_json::json!(["aws:drop"]));
    let m = &rule["RuleDefinition"]["MatchAttributes"];
    assert_eq!((&m["DestinationPorts"][0]["FromPort"], &m["Protocols"][0]), (&23.into(), &6.into()));
    let stateful = by_name("allow-web");
    let header = &stateful["RuleGroup"]["RulesSource"]["StatefulRules"][0]["Header"];
    assert_eq!((&header["Destination"], &header["DestinationPort"], &header["Direction"]), (&"$WEB_NET".into(), &"$WEB_PORTS".into(), &"FORWARD".into()));
    assert_eq!(stateful["RuleGroup"]["RuleVariables"]["IPSets"]["WEB_NET"]["Definition"], serde_json::json!(["10.1.0.0/16"]));
    assert_eq!(by_name("egress-domains")["RuleGroup"]["RulesSource"]["RulesSourceList"]["GeneratedRulesType"], "ALLOWLIST");
    assert!(by_name("suricata-ssh")["RuleGroup"]["RulesSource"]["RulesString"].as_str().is_some_and(|s| s.starts_with("drop tcp")));

    let manifest = read_json(&out.join("manifest.json"));
    assert_read_only_and_in_policy(&manifest);
    let ops: Vec<&str> = manifest["operations"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    for op in ["network-firewall:ListFirewalls", "network-firewall:DescribeFirewall", "network-firewall:DescribeFirewallPolicy", "network-firewall:DescribeRuleGroup"] {
        assert!(ops.contains(&op), "{op} not recorded: {ops:?}");
    }
}

/// An account that may not call Elastic Load Balancing or Network Firewall: the capture
/// records those calls as denied (and the ones that depend on them as not attempted), writes
/// every other file, and succeeds.
#[test]
fn snapshot_without_load_balancer_or_firewall_permissions_writes_the_rest() {
    let Some(moto) = moto() else { return };
    let server = start_private_moto(&moto.python);
    let region = "eu-west-3";
    moto.build_network(&server.endpoint, region);
    let denied = ["elasticloadbalancing:DescribeLoadBalancers", "network-firewall:ListFirewalls"];
    let keys = moto.python(&server.endpoint, "iam_reader.py", &denied);
    let keys: Value = serde_json::from_str(&keys).expect("keys JSON");
    let (key_id, secret) = (keys["AccessKeyId"].as_str().unwrap(), keys["SecretAccessKey"].as_str().unwrap());
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("snap");
    let run = vpcscope_env(
        &["snapshot", "--endpoint-url", &server.endpoint, "--region", region, "--out", out.to_str().unwrap()],
        &[("AWS_ACCESS_KEY_ID", key_id), ("AWS_SECRET_ACCESS_KEY", secret), ("AWS_EC2_METADATA_DISABLED", "true")],
    );
    assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    let manifest = read_json(&out.join("manifest.json"));
    let failed: BTreeSet<&str> = manifest["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c.get("error").is_some())
        .filter_map(|c| c["key"].as_str())
        .collect();
    let expected: BTreeSet<&str> = [
        "LoadBalancers", "LoadBalancerListeners", "LoadBalancerListenerRules", "LoadBalancerAttributes",
        // The Classic API's DescribeLoadBalancers is the same IAM action.
        "LoadBalancerDescriptions", "Firewalls", "FirewallPolicies", "RuleGroups",
    ]
    .into_iter()
    .collect();
    assert_eq!(failed, expected, "{manifest:#}");
    let dir = region_dir(&out, region);
    for key in FILES.iter().filter(|k| !expected.contains(*k)) {
        assert!(dir.join(format!("{key}.json")).is_file(), "{key}.json is missing although allowed");
    }
    // moto gap: its AccessDenied body (`<ErrorResponse><Errors><Error>`, EC2's nesting) is not
    // the query protocol's `<ErrorResponse><Error>` nor JSON, so the ELB and Network Firewall
    // SDKs see an HTTP 403 without an AWS error; AWS itself sends `AccessDenied`.
    for denied in ["DescribeLoadBalancers failed (", "DescribeFirewall failed ("] {
        let line = run.stderr.lines().find(|l| l.contains(denied)).unwrap_or_else(|| panic!("no {denied}: {}", run.stderr));
        assert!(line.contains("AccessDenied") || line.contains("HTTP 403"), "{line}");
    }
    assert_read_only_and_in_policy(&manifest);
}

// ---------------------------------------------------------------------------------------
// Several accounts: an organization, a list, a denied role (issue 21).
// ---------------------------------------------------------------------------------------

/// The region of the multi-account tests (no other test builds there).
const ORG_REGION: &str = "us-west-2";

/// The role the multi-account tests assume (docs/iam-policy.json names it).
const ROLE: &str = "VpcscopeReader";

/// Builds tests/moto/build_org.py's organization (two new member accounts) on `endpoint`.
fn build_org(moto: &Moto, endpoint: &str) -> Value {
    let out = moto.python(endpoint, "build_org.py", &[ORG_REGION, ROLE]);
    serde_json::from_str(&out).expect("build_org.py prints JSON")
}

/// Starts tests/moto/sts_proxy.py in front of moto; returns it and its endpoint.
fn sts_proxy(moto: &Moto, denied: &str, external_id: &str) -> (Proxy, String) {
    start_proxy(moto, "sts_proxy.py", &[moto.endpoint.as_str(), denied, external_id])
}

fn account_record<'a>(manifest: &'a Value, account: &str) -> &'a Value {
    manifest["accounts"]
        .as_array()
        .and_then(|all| all.iter().find(|a| a["account"] == account))
        .unwrap_or_else(|| panic!("no record of account {account} in {}", manifest["accounts"]))
}

/// `--org`: Organizations ListAccounts names the accounts; the role is assumed in each
/// member account (its temporary credentials reach that account's EC2), the management
/// account is captured with the caller's own credentials, every account lands in
/// `accounts/<account>/<region>/`, and the cross-account peering between two member accounts
/// is walked with each side in its own account.
#[test]
fn snapshot_of_an_organization_assumes_the_role_in_every_member_account() {
    let Some(moto) = moto() else { return };
    let ids = build_org(&moto, &moto.endpoint);
    let (app, data, management) =
        (ids["app"].as_str().unwrap(), ids["data"].as_str().unwrap(), ids["management"].as_str().unwrap());
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("estate");
    let run = vpcscope_env(
        &[
            "snapshot", "--org", "--role-name", ROLE, "--endpoint-url", &moto.endpoint, "--region", ORG_REGION,
            "--max-attempts", "2", "--out", out.to_str().unwrap(),
        ],
        FAKE_ENV,
    );
    assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("captured "), "{}", run.stdout);
    assert!(run.stdout.contains("in 1 region into"), "{}", run.stdout);

    let manifest = read_json(&out.join("manifest.json"));
    assert_eq!(manifest["account"], management);
    assert_eq!(manifest["account_source"], "organization");
    assert_eq!(manifest["role_name"], ROLE);
    for member in [app, data] {
        let record = account_record(&manifest, member);
        assert_eq!(record["status"], "captured", "{record}");
        assert_eq!(record["role_arn"], format!("arn:aws:iam::{member}:role/{ROLE}"));
        assert_eq!(record["files"], FILES.len());
        let vpcs = read_json(&out.join("accounts").join(member).join(ORG_REGION).join("Vpcs.json"));
        let cidrs: Vec<&str> = items(&vpcs, "Vpcs").iter().filter_map(|v| v["CidrBlock"].as_str()).collect();
        // Its own VPC (besides moto's default VPC), never the other account's.
        let (want, other) = if member == app { ("10.41.0.0/16", "10.42.0.0/16") } else { ("10.42.0.0/16", "10.41.0.0/16") };
        assert!(cidrs.contains(&want) && !cidrs.contains(&other), "account {member}: {cidrs:?}");
        assert!(items(&vpcs, "Vpcs").iter().all(|v| v["OwnerId"] == member));
    }
    // The caller's account is captured with its own credentials: no role is assumed into it.
    let own = account_record(&manifest, management);
    assert_eq!(own["status"], "captured");
    assert!(own.get("role_arn").is_none(), "{own}");
    assert!(out.join("accounts").join(management).join(ORG_REGION).join("Vpcs.json").is_file());
    // Every call names its account; the calls' files are where the manifest says.
    for call in manifest["calls"].as_array().expect("calls") {
        let account = call["account"].as_str().expect("each call names its account");
        let file = call["file"].as_str().expect("no call failed");
        assert!(file.starts_with(&format!("accounts/{account}/{ORG_REGION}/")), "{file}");
        assert!(out.join(file).is_file(), "{file}");
    }
    let ops: Vec<&str> = manifest["operations"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(ops.contains(&"organizations:ListAccounts") && ops.contains(&"sts:AssumeRole"), "{ops:?}");
    assert_read_only_and_in_policy(&manifest);

    // One model across the accounts: web (app account) reaches db (data account) through the
    // peering the app account requested and the data account accepted.
    // (By interface: the organization may hold other runs' accounts with the same CIDRs.)
    let dir = out.to_str().unwrap();
    let (web, db) = (ids["web_eni"].as_str().unwrap(), ids["db_eni"].as_str().unwrap());
    let run = vpcscope_env(&["reach", "--snapshot", dir, "--from", web, "--to", db, "--port", "5432", "--format", "json"], FAKE_ENV);
    assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    let answer = run.json();
    assert_eq!(answer["verdict"], "reachable");
    assert_eq!((answer["from"]["account"].as_str(), answer["to"]["account"].as_str()), (Some(app), Some(data)));
    let forward = answer["forward"]["hops"].as_array().expect("forward hops");
    let peering = forward.iter().position(|h| h["kind"] == "vpc-peering").expect("the peering is a hop");
    assert!(forward[..peering].iter().filter(|h| h.get("account").is_some()).all(|h| h["account"] == app), "{forward:?}");
    assert!(forward[peering + 1..].iter().filter(|h| h.get("account").is_some()).all(|h| h["account"] == data), "{forward:?}");
    // A port the data account's group does not open is refused by that account's group.
    let run = vpcscope_env(&["reach", "--snapshot", dir, "--from", web, "--to", db, "--port", "22", "--format", "json"], FAKE_ENV);
    assert_eq!(run.code, 1, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert_eq!(run.json()["blocked_by"]["account"], data);
}

/// `--accounts` with a role one account refuses: the other accounts are captured, the
/// refused one is `denied` in the manifest and a warning (never an abort), the external id
/// reaches STS, the loader warns that the account is missing, and a path into the missing
/// account is `unknown`, not unreachable. With every account refused there is nothing to
/// analyse: an error.
#[test]
fn snapshot_of_listed_accounts_with_a_denied_role_is_partial() {
    let Some(moto) = moto() else { return };
    let ids = build_org(&moto, &moto.endpoint);
    let (app, data) = (ids["app"].as_str().unwrap(), ids["data"].as_str().unwrap());
    let (_proxy, endpoint) = sts_proxy(&moto, data, "audit-2026");
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("two");
    let accounts = format!("{app},{data}");
    let capture = |external_id: &str, out: &Path| {
        vpcscope_env(
            &[
                "snapshot", "--accounts", &accounts, "--role-name", ROLE, "--external-id", external_id,
                "--endpoint-url", &endpoint, "--region", ORG_REGION, "--max-attempts", "1",
                "--out", out.to_str().unwrap(),
            ],
            FAKE_ENV,
        )
    };
    let run = capture("audit-2026", &out);
    assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("captured 1 of 2 accounts (1 denied) in 1 region"), "{}", run.stdout);
    assert!(
        run.stderr.contains(&format!("vpcscope: warning: account {data} denied: AccessDenied")),
        "{}",
        run.stderr
    );
    let manifest = read_json(&out.join("manifest.json"));
    assert_eq!(manifest["account_source"], "list");
    assert_eq!(account_record(&manifest, app)["status"], "captured");
    let denied = account_record(&manifest, data);
    assert_eq!(denied["status"], "denied");
    assert_eq!(denied["error"]["code"], "AccessDenied");
    assert_eq!(denied["files"], 0);
    assert!(!out.join("accounts").join(data).exists());
    assert!(out.join("accounts").join(app).join(ORG_REGION).join("Vpcs.json").is_file());
    assert_read_only_and_in_policy(&manifest);

    let (web, db) = (ids["web_ip"].as_str().unwrap(), ids["db_ip"].as_str().unwrap());
    let run = vpcscope_env(
        &["reach", "--snapshot", out.to_str().unwrap(), "--from", web, "--to", db, "--port", "5432", "--format", "json"],
        FAKE_ENV,
    );
    assert!(
        run.stderr.contains(&format!("account {data}: not captured (denied: AccessDenied)")),
        "{}",
        run.stderr
    );
    assert_eq!(run.json()["verdict"], "unknown", "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);

    // Without the external id the trust policy asks for, every role is refused.
    let run = capture("wrong-id", &tmp.path().join("none"));
    assert_eq!(run.code, 2, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("AccessDenied"), "{}", run.stderr);
}

/// The account flags are checked before anything is sent.
#[test]
fn snapshot_account_flags_are_checked() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("x");
    let run = vpcscope_env(&["snapshot", "--org", "--region", ORG_REGION, "--out", out.to_str().unwrap()], FAKE_ENV);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--role-name"), "{}", run.stderr);
    let run = vpcscope_env(
        &["snapshot", "--accounts", "12345", "--role-name", ROLE, "--region", ORG_REGION, "--out", out.to_str().unwrap()],
        FAKE_ENV,
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("not an AWS account id"), "{}", run.stderr);
    assert!(!out.exists());
}
