//! The intent-file parser on arbitrary text (TOML or not).
//!
//! Oracles: parsing never panics, and an error renders; intents that parse are checked
//! against the bundled `shop` sample network, which never panics either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use vpcscope::analysis::check;
use vpcscope::model::Model;
use vpcscope::topology::Topology;

fn shop() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../samples/snapshots/shop");
        vpcscope::source::snapshot::load(std::path::Path::new(dir)).expect("the shop sample loads").model
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match vpcscope::intent::parse("fuzz.toml", text) {
        Ok(intents) => {
            let topo = Topology::new(shop());
            let _ = check::check(&topo, &intents);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
