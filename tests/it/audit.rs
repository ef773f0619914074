//! `vpcscope audit` on the bundled samples and on hostile, test-generated copies of them:
//! the exposed/latent split, every finding kind, exit codes, each output format, escaping
//! of AWS-derived text (checked in headless Chromium), and SARIF structure (issue 6).

use crate::util::{root, sample, vpcscope};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn audit_json(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["audit".to_string(), "--snapshot".into(), dir.display().to_string(), "--format".into(), "json".into()];
    args.extend(extra.iter().map(|s| s.to_string()));
    let run = vpcscope(&args);
    assert!(run.code == 0 || run.code == 1, "exit {}\n{}", run.code, run.stderr);
    (run.code, run.json())
}

fn find<'a>(v: &'a Value, kind: &str, name: &str, port: Option<u64>) -> Option<&'a Value> {
    v["findings"].as_array()?.iter().find(|f| {
        f["kind"] == kind
            && (f["resource"]["name"] == name || f["resource"]["id"] == name)
            && port.is_none_or(|p| f["port"].as_u64() == Some(p))
    })
}

#[test]
fn shop_exposed_and_latent_split() {
    let (code, v) = audit_json(&sample("snapshots/shop"), &[]);
    assert_eq!(code, 1, "critical findings exit 1 with the default --fail-on high");
    let db = find(&v, "exposed-database", "analytics-db", Some(5432)).expect("analytics-db 5432 exposed");
    assert_eq!(db["severity"], "critical");
    assert_eq!(db["sources"], serde_json::json!(["0.0.0.0/0"]));
    assert_eq!(db["protocol"], "tcp");
    assert_eq!(db["path"]["forward"]["disposition"], "accepted");
    assert_eq!(db["path"]["return"]["disposition"], "exits-network", "the reply path is part of the proof");
    assert!(db["evidence"].as_array().unwrap().iter().any(|e| e.as_str().unwrap().contains("TCP 5432 0.0.0.0/0")));
    assert_eq!(db["fix"]["action"], "revoke-security-group-rule");

    let ssh = find(&v, "exposed-admin-port", "analytics-db", Some(22)).expect("analytics-db 22 exposed");
    assert_eq!(ssh["severity"], "high");
    let web = find(&v, "exposed-admin-port", "web-1", Some(22)).expect("web-1 ssh from one range");
    assert_eq!(web["sources"], serde_json::json!(["203.0.113.0/24"]), "names the public ranges");

    let latent = find(&v, "latent-exposure", "legacy-reports", Some(3306)).expect("legacy-reports latent");
    assert_eq!(latent["closed_by"]["code"], "NO_PUBLIC_ADDRESS");
    assert!(latent["title"].as_str().unwrap().contains("no public address"));

    for f in v["findings"].as_array().unwrap() {
        let name = f["resource"]["name"].as_str().unwrap_or("");
        assert!(
            !(name == "orders-db" && ["exposed-database", "latent-exposure"].contains(&f["kind"].as_str().unwrap())),
            "orders-db is private and its SG admits only the app tier: {f}"
        );
        assert!(!(name == "legacy-reports" && f["kind"] == "exposed-database"));
    }

    let nacl = v["findings"].as_array().unwrap().iter().find(|f| f["kind"] == "nacl-return-path").expect("static nacl finding");
    assert_eq!(nacl["resource"]["id"], "acl-0a1b2c3d4e5f60002");
    assert_eq!(nacl["port"], 5432);
    assert_eq!(nacl["sources"], serde_json::json!(["10.0.1.0/24"]));
    assert!(nacl["explanation"].as_str().unwrap().contains("subnet-0a1b2c3d4e5f60003"));
    assert!(nacl["fix"]["description"].as_str().unwrap().contains("outbound rule 110 ALLOW TCP ports 1024-65535 to 10.0.1.0/24"));
    assert_eq!(v["summary"]["by_severity"]["critical"], 1);
    assert_eq!(v["summary"]["total"], v["findings"].as_array().unwrap().len());
}

#[test]
fn fail_on_sets_the_exit_status() {
    let shop = sample("snapshots/shop");
    let s = shop.display().to_string();
    assert_eq!(vpcscope(["audit", "--snapshot", &s, "--fail-on", "critical"]).code, 1);
    let hub = sample("snapshots/hub").display().to_string();
    assert_eq!(vpcscope(["audit", "--snapshot", &hub, "--fail-on", "medium"]).code, 0, "hub has only low findings");
    assert_eq!(vpcscope(["audit", "--snapshot", &hub, "--fail-on", "low"]).code, 1);
    let bad = vpcscope(["audit", "--snapshot", "/nonexistent/vpcscope-audit"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("cannot load snapshot /nonexistent/vpcscope-audit"), "{}", bad.stderr);
}

#[test]
fn hub_hygiene_kinds() {
    let (_, v) = audit_json(&sample("snapshots/hub"), &[]);
    assert!(find(&v, "peering-not-active", "pcx-0b1c2d3e4f5a60003", None).is_some());
    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["kind"] == "blackhole-route" && f["sources"][0] == "10.9.0.0/16"));
    assert!(find(&v, "no-flow-logs", "prod", None).is_some());
    assert!(!v["findings"].as_array().unwrap().iter().any(|f| f["kind"] == "exposed-database"));
}

/// A copy of the shop sample in a temp dir with hostile names and hygiene problems added.
fn hostile_shop() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dst = tmp.path().join("us-east-1");
    std::fs::create_dir_all(&dst).unwrap();
    for entry in std::fs::read_dir(sample("snapshots/shop/us-east-1")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dst.join(p.file_name().unwrap())).unwrap();
    }
    let edit = |file: &str, f: &dyn Fn(&mut Value)| {
        let p = dst.join(file);
        let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        f(&mut v);
        std::fs::write(&p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    };
    edit("Reservations.json", &|v| {
        for r in v["Reservations"].as_array_mut().unwrap() {
            for i in r["Instances"].as_array_mut().unwrap() {
                if i["InstanceId"] == "i-0a1b2c3d4e5f60004" {
                    i["Tags"] = serde_json::json!([{"Key": "Name", "Value": "<script>alert(1)</script>"}]);
                }
            }
        }
    });
    edit("SecurityGroups.json", &|v| {
        let groups = v["SecurityGroups"].as_array_mut().unwrap();
        groups.push(serde_json::json!({
            "GroupId": "sg-0a1b2c3d4e5f600aa", "GroupName": "wide-open", "Description": "unused and open",
            "VpcId": "vpc-0a5b0c0d0e0f10001", "OwnerId": "111122223333",
            "IpPermissions": [
                {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
                {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": "sg-0a1b2c3d4e5f600ff"}]}
            ],
            "IpPermissionsEgress": []
        }));
    });
    edit("RouteTables.json", &|v| {
        let rt = &mut v["RouteTables"].as_array_mut().unwrap()[0];
        rt["Routes"].as_array_mut().unwrap().push(serde_json::json!({
            "DestinationCidrBlock": "192.168.0.0/16", "NatGatewayId": "nat-0deadbeef0000000", "Origin": "CreateRoute", "State": "blackhole"
        }));
    });
    edit("FlowLogs.json", &|v| {
        v["FlowLogs"] = serde_json::json!([]);
    });
    tmp
}

#[test]
fn hygiene_kinds_on_a_generated_snapshot() {
    let tmp = hostile_shop();
    let (_, v) = audit_json(tmp.path(), &[]);
    assert!(find(&v, "security-group-open-to-world", "sg-0a1b2c3d4e5f600aa", None).is_some(), "{v:#}");
    assert!(find(&v, "unused-security-group", "sg-0a1b2c3d4e5f600aa", None).is_some());
    assert!(find(&v, "missing-security-group", "sg-0a1b2c3d4e5f600aa", None).is_some());
    assert!(find(&v, "blackhole-route", "rtb-0a1b2c3d4e5f60001", None).is_some());
    assert!(find(&v, "no-flow-logs", "vpc-0a5b0c0d0e0f10001", None).is_some());
    // The hostile name is data: JSON carries it verbatim, escaped by the serializer.
    assert!(find(&v, "exposed-database", "<script>alert(1)</script>", Some(5432)).is_some());
}

#[test]
fn text_and_markdown_escape_names() {
    let tmp = hostile_shop();
    let s = tmp.path().display().to_string();
    let md = vpcscope(["audit", "--snapshot", &s, "--format", "markdown"]);
    assert_eq!(md.code, 1, "{}", md.stderr);
    assert!(md.stdout.contains("&lt;script&gt;alert\\(1\\)&lt;/script&gt;"), "{}", md.stdout);
    assert!(!md.stdout.contains("<script>"));
    assert!(md.stdout.contains("## Critical (1)"));
    let text = vpcscope(["audit", "--snapshot", &s]);
    assert!(text.stdout.contains("[CRITICAL] exposed-database"));
}

fn sarif_check(v: &Value) {
    assert_eq!(v["version"], "2.1.0");
    assert!(v["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "vpcscope");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for r in rules {
        assert!(r["shortDescription"]["text"].is_string());
    }
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let id = r["ruleId"].as_str().unwrap();
        assert!(ids.contains(&id));
        assert_eq!(ids[r["ruleIndex"].as_u64().unwrap() as usize], id);
        assert!(["error", "warning", "note", "none"].contains(&r["level"].as_str().unwrap()));
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        let loc = &r["locations"][0];
        assert!(loc["physicalLocation"]["artifactLocation"]["uri"].is_string());
        assert!(loc["logicalLocations"][0]["name"].is_string());
    }
}

#[test]
fn sarif_is_structurally_valid() {
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("audit.sarif");
    let run = vpcscope(["audit", "--snapshot", "samples/snapshots/shop", "--format", "sarif", "--output", file.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "--output writes the file, not stdout");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    sarif_check(&v);
    assert!(v["runs"][0]["results"].as_array().unwrap().iter().any(|r| r["ruleId"] == "exposed-database" && r["level"] == "error"));
    // Full JSON-schema validation when a schema file and python3 jsonschema are at hand
    // (VPCSCOPE_SARIF_SCHEMA=path/to/sarif-schema-2.1.0.json); the schema is not vendored.
    if let Some(schema) = std::env::var_os("VPCSCOPE_SARIF_SCHEMA") {
        let py = std::env::var("VPCSCOPE_PYTHON").unwrap_or_else(|_| "python3".into());
        let status = std::process::Command::new(py)
            .args(["-c", "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))); print('valid')"])
            .arg(&file)
            .arg(&schema)
            .status()
            .expect("run python");
        assert!(status.success(), "SARIF does not validate against {}", PathBuf::from(schema).display());
    } else {
        eprintln!("NOTICE: VPCSCOPE_SARIF_SCHEMA not set; SARIF checked structurally only");
    }
}

#[test]
fn flows_attach_evidence_and_list_unused_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("flows.log");
    std::fs::write(
        &log,
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
2 111122223333 eni-0a1b2c3d4e5f600b1 198.51.100.7 10.0.0.50 50123 5432 6 10 840 1700000000 1700000060 ACCEPT OK
2 111122223333 eni-0a1b2c3d4e5f600b1 198.51.100.7 10.0.0.50 50123 5432 6 10 840 1700000060 1700000120 ACCEPT OK
2 111122223333 eni-0a1b2c3d4e5f600b1 198.51.100.8 10.0.0.50 50124 5432 6 10 840 1700000000 1700000060 ACCEPT OK
2 111122223333 eni-0a1b2c3d4e5f600b1 10.0.0.50 198.51.100.7 5432 50123 6 10 840 1700000000 1700000060 ACCEPT OK
2 111122223333 eni-0a1b2c3d4e5f600b1 - - - - - - - 1700000000 1700000060 - NODATA
",
    )
    .unwrap();
    let (_, v) = audit_json(&sample("snapshots/shop"), &["--flows", log.to_str().unwrap()]);
    let db = find(&v, "exposed-database", "analytics-db", Some(5432)).unwrap();
    assert_eq!(db["traffic"]["accepted_records"], 3);
    assert_eq!(db["traffic"]["source_addresses"], 2);
    // SSH on analytics-db saw no traffic: its rule is a tightening candidate.
    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["kind"] == "unused-rule"
        && f["resource"]["id"] == "sg-0a1b2c3d4e5f60005"
        && f["evidence"][0].as_str().unwrap().contains("TCP 22 0.0.0.0/0")));
    assert!(!v["findings"].as_array().unwrap().iter().any(|f| f["kind"] == "unused-rule"
        && f["evidence"][0].as_str().unwrap().contains("TCP 5432 0.0.0.0/0")));
    // Records with a flow, as `flows summary` counts them (`ok`), and the conversations they
    // form: the repeated record is one more record of the same conversation.
    assert_eq!((v["summary"]["flow_records"].as_u64(), v["summary"]["flow_conversations"].as_u64()), (Some(4), Some(3)));
}

/// The browser as scripts/test.sh finds it: `chromium` (or another Chromium build) on PATH.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

#[test]
fn html_renders_findings_in_headless_chromium_and_names_stay_text() {
    let tmp = hostile_shop();
    let out = tempfile::tempdir().unwrap();
    let html = out.path().join("report.html");
    let run = vpcscope(["audit", "--snapshot", tmp.path().to_str().unwrap(), "--format", "html", "--output", html.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.to_ascii_lowercase().contains("<script"), "no script element in the page");
    // The only http:// in the page is the SVG namespace: nothing is fetched.
    assert_eq!(page.matches("http://").count(), page.matches("xmlns=\"http://www.w3.org/2000/svg\"").count(), "no remote fetches");
    assert!(!page.contains("https://"), "no remote fetches");
    assert!(page.contains("<svg"));
    let Some(browser) = chromium() else {
        eprintln!("NOTICE: chromium not found (apt-get install -y chromium); skipping the headless-browser check");
        return;
    };
    let profile = out.path().join("profile");
    let common = |cmd: &mut std::process::Command| {
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1200,2000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()));
    };
    let url = format!("file://{}", html.display());
    let shot = out.path().join("shot.png");
    let mut cmd = std::process::Command::new(&browser);
    common(&mut cmd);
    let status = cmd.arg(format!("--screenshot={}", shot.display())).arg(&url).output().expect("run chromium");
    assert!(shot.exists() && std::fs::metadata(&shot).unwrap().len() > 10_000, "screenshot: {}", String::from_utf8_lossy(&status.stderr));
    let mut cmd = std::process::Command::new(&browser);
    common(&mut cmd);
    let dom = cmd.arg("--dump-dom").arg(&url).output().expect("run chromium");
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("exposed-database"), "DOM lacks findings:\n{dom}");
    assert!(dom.contains("latent-exposure") && dom.contains("nacl-return-path"));
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the hostile name is text in the DOM");
    assert!(!dom.to_ascii_lowercase().contains("<script"), "no script element was created from data");
    let _ = root();
}

/// A generated network of about `enis` interfaces written to a new temporary directory.
fn generated(enis: usize) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for (origin, value) in vpcscope::testgen::network(&vpcscope::testgen::NetworkSpec::with_enis(enis)) {
        let path = tmp.path().join(origin);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, serde_json::to_vec(&value).unwrap()).unwrap();
    }
    tmp
}

/// A report cut short by a closed pipe keeps the exit status its findings call for: a CI
/// step that pipes a failing audit into `head` still fails.
#[test]
fn a_closed_pipe_keeps_the_exit_status() {
    let tmp = generated(3000);
    let bin = env!("CARGO_BIN_EXE_vpcscope");
    let dir = tmp.path().to_str().unwrap();
    // The whole report is far larger than a pipe's buffer, so the writer meets the closed pipe.
    let whole = std::process::Command::new(bin).args(["audit", "--quiet", "--snapshot", dir, "--format", "json", "--fail-on", "low"]).output().unwrap();
    assert_eq!(whole.status.code(), Some(1));
    assert!(whole.stdout.len() > 256 * 1024, "{} bytes", whole.stdout.len());
    let script = format!("\"{bin}\" audit --quiet --snapshot '{dir}' --format json --fail-on low | head -c 10 >/dev/null; echo ${{PIPESTATUS[0]}}");
    let out = std::process::Command::new("bash").arg("-c").arg(&script).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1", "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("Broken pipe"), "a closed pipe is not an error to report");
}

#[test]
fn report_files_take_their_format_from_the_extension_and_fail_on_none_never_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let shop = crate::util::sample("snapshots/shop");
    let s = shop.to_str().unwrap();
    let html = tmp.path().join("report.html");
    let r = crate::util::vpcscope(["audit", "--quiet", "--snapshot", s, "--output", html.to_str().unwrap()]);
    assert_eq!(r.code, 1, "the shop has a critical exposure: {}", r.stderr);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.trim_start().starts_with("<!DOCTYPE html>"), "{}", &page[..page.len().min(200)]);
    let junit = tmp.path().join("results.xml");
    let r = crate::util::vpcscope(["check", "--quiet", "--snapshot", s, "queries/stable", "--output", junit.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert!(std::fs::read_to_string(&junit).unwrap().contains("<testsuites name=\"vpcscope check\""));
    assert!(r.stdout.is_empty(), "the report went to the file: {}", r.stdout);
    let json = tmp.path().join("diff.json");
    let r = crate::util::vpcscope(["diff", "--quiet", "--before", s, "--plan", "tests/data/plans/open-db-sg-rule.json", "--output", json.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let d: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(d["opened"].is_array());
    // --format wins over the extension.
    let txt = tmp.path().join("audit.json");
    crate::util::vpcscope(["audit", "--quiet", "--snapshot", s, "--format", "text", "--output", txt.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&txt).unwrap().starts_with("vpcscope audit:"));
    // --fail-on none: the status never depends on findings; info: any finding fails.
    assert_eq!(crate::util::vpcscope(["audit", "--quiet", "--snapshot", s, "--fail-on", "none", "--format", "json"]).code, 0);
    assert_eq!(crate::util::vpcscope(["audit", "--quiet", "--snapshot", s, "--fail-on", "info", "--format", "json"]).code, 1);
}

/// One exposure policy: "any internet address" is the public space minus the ranges the
/// interface's subnet does not route to the internet; `audit` and `check` agree on it.
#[test]
fn a_range_routed_away_from_the_internet_does_not_lower_an_exposure() {
    let tmp = tempfile::tempdir().unwrap();
    // The public subnet's table sends one public /24 to a blackhole (a removed gateway).
    let blackhole = |v: &mut Value| {
        let public = v["RouteTables"].as_array_mut().unwrap().iter_mut().find(|t| t["RouteTableId"] == "rtb-0a1b2c3d4e5f60002").unwrap();
        public["Routes"].as_array_mut().unwrap().push(serde_json::json!({"DestinationCidrBlock": "198.51.100.0/24", "GatewayId": "vgw-0removed", "State": "blackhole", "Origin": "CreateRoute"}));
    };
    crate::util::sample_copy("shop", tmp.path(), &[], &[("RouteTables", &blackhole)]);
    let (_, a) = audit_json(tmp.path(), &["--quiet", "--fail-on", "critical"]);
    let db = find(&a, "exposed-database", "analytics-db", Some(5432)).expect("still exposed");
    assert_eq!(db["severity"], "critical", "{db:#}");
    assert_eq!(db["sources"], serde_json::json!(["0.0.0.0/0"]));
    let c = vpcscope(["check", "--quiet", "--snapshot", tmp.path().to_str().unwrap(), "queries/stable", "--format", "json"]).json();
    let intent = c["intents"].as_array().unwrap().iter().find(|i| i["name"] == "no-database-from-internet").unwrap();
    assert_eq!((intent["status"].as_str(), intent["severity"].as_str()), (Some("violated"), Some("critical")));
    assert!(intent["violations"].as_array().unwrap().iter().any(|v| v["to"]["name"] == "analytics-db" && v["any_address"] == true), "{intent:#}");
}

/// An exposure to all but a few ranges says so, instead of listing a hundred CIDRs.
#[test]
fn an_exposure_to_all_but_a_few_ranges_names_the_exceptions() {
    let tmp = tempfile::tempdir().unwrap();
    // The public subnet's ACL denies one /24 inbound before its allow-all rule.
    let deny = |v: &mut Value| {
        let acl = v["NetworkAcls"].as_array_mut().unwrap().iter_mut().find(|a| a["NetworkAclId"] == "acl-0a1b2c3d4e5f60001").unwrap();
        acl["Entries"].as_array_mut().unwrap().push(serde_json::json!({"RuleNumber": 50, "Protocol": "-1", "RuleAction": "deny", "Egress": false, "CidrBlock": "198.51.100.0/24"}));
    };
    crate::util::sample_copy("shop", tmp.path(), &[], &[("NetworkAcls", &deny)]);
    let (_, a) = audit_json(tmp.path(), &["--quiet"]);
    let db = find(&a, "exposed-database", "analytics-db", Some(5432)).expect("exposed");
    assert_eq!(db["severity"], "high");
    assert!(db["title"].as_str().unwrap().ends_with("is reachable from every public address except 198.51.100.0/24"), "{}", db["title"]);
    let r = vpcscope(["reach", "--quiet", "--snapshot", tmp.path().to_str().unwrap(), "--from", "internet", "--to", "analytics-db", "--port", "5432"]);
    assert!(r.stdout.contains("Internet: every public address gets through except 198.51.100.0/24"), "{}", r.stdout);
    let j = vpcscope(["reach", "--quiet", "--snapshot", tmp.path().to_str().unwrap(), "--from", "internet", "--to", "analytics-db", "--port", "5432", "--format", "json"]).json();
    assert_eq!(j["internet_refused_ranges"], serde_json::json!(["198.51.100.0/24"]));
}

/// On a network above 5,000 interfaces an audit without `--max-hops` reports no lateral paths
/// and says, on stderr and in the JSON summary, that it did not look and how to ask.
#[test]
fn a_large_audit_says_it_did_not_look_for_lateral_paths() {
    let tmp = generated(5200);
    let r = crate::util::vpcscope(["audit", "--snapshot", tmp.path().to_str().unwrap(), "--format", "json"]);
    let v = r.json();
    let interfaces = v["summary"]["interfaces"].as_u64().unwrap();
    assert!(interfaces > 5000, "{interfaces}");
    let why = v["summary"]["lateral_skipped"].as_str().expect("summary.lateral_skipped");
    assert!(why.contains("--max-hops 3") && why.contains(&format!("{interfaces} interfaces")), "{why}");
    assert!(r.stderr.contains(&format!("vpcscope: note: {why}")), "{}", r.stderr);
    assert!(v["findings"].as_array().unwrap().iter().all(|f| f["kind"] != "lateral-path"));
    // The sample networks stay under the limit: their summaries have no such field.
    let shop = crate::util::vpcscope(["audit", "--quiet", "--snapshot", crate::util::sample("snapshots/shop").to_str().unwrap(), "--format", "json"]);
    assert!(shop.json()["summary"].get("lateral_skipped").is_none());
}
