//! Writes a generated network as a snapshot directory, and optionally flow logs between its
//! interfaces, for whole-binary runs:
//! `cargo run --release --example gen_network -- DIR [ENIS] [FLOW_RECORDS] [--accounts N]`
//! (default 10,000 interfaces, no flow logs, one account). Flow logs go to `DIR/../flows.log`.
//! With `--accounts N` the VPCs are spread over N accounts in the multi-account layout
//! (`accounts/<account>/us-east-1/`, a network account sharing the transit gateway; see
//! `vpcscope::testgen::estate`).

use std::io::Write;
use std::path::PathBuf;
use vpcscope::testgen::{estate, network, write_flow_logs, FlowSpec, NetworkSpec};

fn main() -> std::io::Result<()> {
    let mut all: Vec<String> = std::env::args().skip(1).collect();
    let mut accounts = None;
    if let Some(i) = all.iter().position(|a| a == "--accounts") {
        accounts = Some(all.get(i + 1).and_then(|s| s.parse().ok()).unwrap_or(1usize));
        all.drain(i..(i + 2).min(all.len()));
    }
    let mut args = all.into_iter();
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "target/gen-network".into()));
    let enis: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let records: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let spec = NetworkSpec::with_enis(enis);
    let docs = match accounts {
        Some(n) => estate(&spec, n),
        None => network(&spec),
    };
    let accounts = accounts.unwrap_or(1);
    for (origin, value) in &docs {
        let path = dir.join(origin);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, serde_json::to_vec(value)?)?;
    }
    eprintln!("wrote {} ({enis} interfaces requested, {accounts} accounts)", dir.display());
    if records > 0 {
        let loaded = vpcscope::source::snapshot::load_documents(docs).map_err(std::io::Error::other)?;
        let path = dir.with_file_name("flows.log");
        let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?);
        let spec = FlowSpec { records, connections: 200_000, reject_every: 10, seed: 3 };
        let bytes = write_flow_logs(&loaded.model, &spec, &mut w)?;
        w.flush()?;
        eprintln!("wrote {} ({records} records, {bytes} bytes)", path.display());
    }
    Ok(())
}
