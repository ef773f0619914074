//! The snapshot loader on arbitrary JSON.
//!
//! The input is one JSON object whose top-level keys are describe-* document keys (`Vpcs`,
//! `Subnets`, `SecurityGroups`, ...). Each key becomes its own document, as the loader sees a
//! snapshot directory (one file per key, under an account/region path). Oracles: loading
//! never panics; when it succeeds, the topology builds, and evaluating a few flows between
//! the interfaces (and from and to the internet) never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::net::{IpAddr, Ipv4Addr};
use vpcscope::eval::{self, Direction, Endpoint, Packet};
use vpcscope::model::Protocol;
use vpcscope::source::snapshot::load_documents;
use vpcscope::topology::Topology;

fuzz_target!(|data: &[u8]| {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(data) else { return };
    let docs: Vec<(String, Value)> = map
        .into_iter()
        .map(|(key, value)| {
            let mut doc = serde_json::Map::new();
            doc.insert(key.clone(), value);
            (format!("123456789012/us-east-1/{key}.json"), Value::Object(doc))
        })
        .collect();
    let Ok(loaded) = load_documents(docs) else { return };
    let model = &loaded.model;
    let topo = Topology::new(model);
    let enis: Vec<(usize, IpAddr)> = model.enis.iter().enumerate().filter_map(|(i, e)| Some((i, e.primary_ip()?))).take(3).collect();
    let outside = Endpoint::External(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7)));
    for &(ix, ip) in &enis {
        let _ = topo.describe_eni(model.enis[ix].id.as_str());
        let me = Endpoint::Eni { ix, ip };
        for &(jx, jp) in &enis {
            let _ = eval::evaluate(&topo, &me, &Endpoint::Eni { ix: jx, ip: jp }, Protocol::Tcp, 40000, 443);
        }
        let _ = eval::evaluate(&topo, &me, &outside, Protocol::Udp, 40000, 53);
        let _ = eval::evaluate(&topo, &outside, &me, Protocol::Any, 40000, 22);
        let reply = Packet::new(ip, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 9)), Protocol::Icmp, 8, 0);
        let _ = eval::at_interface(&topo, ix, Direction::Egress, reply, false);
    }
});
