//! A generator of realistic synthetic flow logs in the default version-2 format, for
//! benchmarks and scale tests: a fixed set of conversations repeated with a skewed (roughly
//! Zipf-like) popularity, several interfaces, a mix of ACCEPT and REJECT, IPv4 and a little
//! IPv6, NODATA and SKIPDATA records. Output is deterministic for a given [`SynthConfig`].

use std::io::{self, Write};
use super::push_u64;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SynthConfig {
    /// Number of records (lines).
    pub records: u64,
    /// Number of distinct conversations.
    pub conversations: u32,
    /// Number of interfaces.
    pub interfaces: u32,
    /// Fraction of conversations that are rejected.
    pub reject_ratio: f64,
    /// Fraction of records that are NODATA (a tenth as many are SKIPDATA).
    pub nodata_ratio: f64,
    /// Random seed.
    pub seed: u64,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig { records: 100_000, conversations: 50_000, interfaces: 16, reject_ratio: 0.15, nodata_ratio: 0.01, seed: 1 }
    }
}

/// What was generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SynthStats {
    /// Lines written.
    pub records: u64,
    /// Bytes written.
    pub bytes: u64,
    /// NODATA lines.
    pub nodata: u64,
    /// SKIPDATA lines.
    pub skipdata: u64,
}

/// SplitMix64: small, fast, deterministic; also drawn from by property tests that build
/// inputs from one seed.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n.max(1) as u128) >> 64) as u64
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}


/// Writes synthetic records to `out`.
pub fn write_synthetic(cfg: &SynthConfig, out: &mut dyn Write) -> io::Result<SynthStats> {
    let mut rng = Rng(cfg.seed ^ 0x5eed);
    let interfaces: Vec<String> = (0..cfg.interfaces.max(1)).map(|_| format!("eni-{:017x}", rng.next() >> 7)).collect();
    let conversations = cfg.conversations.max(1) as usize;
    // Each conversation: its line prefix up to the protocol, its packet size, its action.
    let mut prefixes: Vec<Box<[u8]>> = Vec::with_capacity(conversations);
    let mut actions: Vec<bool> = Vec::with_capacity(conversations);
    let mut sizes: Vec<u16> = Vec::with_capacity(conversations);
    const PORTS: [(u16, u8); 10] = [(443, 6), (80, 6), (22, 6), (5432, 6), (3306, 6), (53, 17), (123, 17), (6379, 6), (3389, 6), (0, 1)];
    for i in 0..conversations {
        let eni = &interfaces[rng.below(interfaces.len() as u64) as usize];
        let (dport, proto) = PORTS[rng.below(PORTS.len() as u64) as usize];
        let v6 = rng.below(50) == 0;
        let (src, dst) = if v6 {
            (format!("2001:db8:{:x}::{:x}", rng.below(65536), rng.below(65536)), format!("2001:db8:ff::{:x}", rng.below(4096)))
        } else {
            let src = format!("10.{}.{}.{}", rng.below(4), rng.below(256), 1 + rng.below(254));
            let dst = if rng.below(4) == 0 {
                format!("{}.{}.{}.{}", 52 + rng.below(4), rng.below(256), rng.below(256), 1 + rng.below(254))
            } else {
                format!("10.{}.{}.{}", rng.below(4), rng.below(256), 1 + rng.below(254))
            };
            (src, dst)
        };
        let sport = if proto == 1 { 0 } else { 32768 + (i as u64 * 7919 + rng.below(28000)) % 28000 };
        let dport = if proto == 1 { 0 } else { dport };
        prefixes.push(format!("2 123456789012 {eni} {src} {dst} {sport} {dport} {proto} ").into_bytes().into_boxed_slice());
        actions.push(rng.unit() < cfg.reject_ratio);
        sizes.push(40 + rng.below(1460) as u16);
    }
    let mut stats = SynthStats::default();
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
    let mut t: u64 = 1_700_000_000;
    for n in 0..cfg.records {
        if n % 4096 == 0 {
            t += 1;
        }
        let r = rng.unit();
        if r < cfg.nodata_ratio * 1.1 {
            let eni = &interfaces[rng.below(interfaces.len() as u64) as usize];
            let skip = r < cfg.nodata_ratio * 0.1;
            buf.extend_from_slice(b"2 123456789012 ");
            buf.extend_from_slice(eni.as_bytes());
            buf.extend_from_slice(b" - - - - - - - ");
            push_u64(&mut buf, t);
            buf.push(b' ');
            push_u64(&mut buf, t + 60);
            buf.extend_from_slice(if skip { b" - SKIPDATA\n" } else { b" - NODATA\n" });
            if skip {
                stats.skipdata += 1;
            } else {
                stats.nodata += 1;
            }
        } else {
            // Skewed popularity: squaring a uniform number favours low indexes.
            let u = rng.unit();
            let i = ((u * u) * conversations as f64) as usize % conversations;
            let packets = 1 + rng.below(if actions[i] { 3 } else { 200 });
            buf.extend_from_slice(&prefixes[i]);
            push_u64(&mut buf, packets);
            buf.push(b' ');
            push_u64(&mut buf, packets * sizes[i] as u64);
            buf.push(b' ');
            push_u64(&mut buf, t);
            buf.push(b' ');
            push_u64(&mut buf, t + 60);
            buf.extend_from_slice(if actions[i] { b" REJECT OK\n" } else { b" ACCEPT OK\n" });
        }
        stats.records += 1;
        if buf.len() >= (1 << 20) - 512 {
            out.write_all(&buf)?;
            stats.bytes += buf.len() as u64;
            buf.clear();
        }
    }
    out.write_all(&buf)?;
    stats.bytes += buf.len() as u64;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flowlog::{Parser, Summary};

    #[test]
    fn generated_logs_parse_cleanly() {
        let cfg = SynthConfig { records: 20_000, conversations: 3_000, ..SynthConfig::default() };
        let mut out = Vec::new();
        let st = write_synthetic(&cfg, &mut out).unwrap();
        assert_eq!(st.bytes as usize, out.len());
        let mut p = Parser::default();
        let mut s = Summary::new();
        let used = p.feed(&out, |_, r| {
            s.add(&r.expect("synthetic lines are valid"));
        });
        assert_eq!(used, out.len());
        assert_eq!(s.counts.total, 20_000);
        assert_eq!((s.counts.nodata, s.counts.skipdata), (st.nodata, st.skipdata));
        assert!(s.conversations.len() > 2_000 && s.conversations.len() <= 3_000);
        assert!(!s.conversations.rejected_by_port(0).is_empty());
        let avg = out.len() as f64 / 20_000.0;
        assert!((95.0..130.0).contains(&avg), "average line {avg}");
    }
}
