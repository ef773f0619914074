//! Writes a generated network as a snapshot directory, for whole-binary runs:
//! `cargo run --release --example gen_network -- DIR [ENIS]` (default 10,000 interfaces).

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "target/gen-network".into()));
    let enis: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    for (origin, value) in vpcscope::testgen::network(&vpcscope::testgen::NetworkSpec::with_enis(enis)) {
        let path = dir.join(origin);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, serde_json::to_vec(&value)?)?;
    }
    eprintln!("wrote {} ({enis} interfaces requested)", dir.display());
    Ok(())
}
