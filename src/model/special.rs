//! The one list of special-purpose addresses: blocks no internet host has an address in.
//! The walker uses it to tell the internet from everything else, `reach` to cut the
//! outside address space, `audit` to tell public sources, and the matrix to cut addresses
//! into atoms.

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Special-purpose IPv4 blocks (RFC 6890): "this network", private, shared (carrier-grade
/// NAT), loopback, link-local, IETF protocol assignments, benchmarking, multicast and
/// reserved (with the broadcast address).
pub const SPECIAL_V4: [(Ipv4Addr, u8); 11] = [
    (Ipv4Addr::new(0, 0, 0, 0), 8),
    (Ipv4Addr::new(10, 0, 0, 0), 8),
    (Ipv4Addr::new(100, 64, 0, 0), 10),
    (Ipv4Addr::new(127, 0, 0, 0), 8),
    (Ipv4Addr::new(169, 254, 0, 0), 16),
    (Ipv4Addr::new(172, 16, 0, 0), 12),
    (Ipv4Addr::new(192, 0, 0, 0), 24),
    (Ipv4Addr::new(192, 168, 0, 0), 16),
    (Ipv4Addr::new(198, 18, 0, 0), 15),
    (Ipv4Addr::new(224, 0, 0, 0), 4),
    (Ipv4Addr::new(240, 0, 0, 0), 4),
];

/// IPv6 global unicast (2000::/3): every IPv6 address outside it is special.
pub const GLOBAL_UNICAST_V6: (Ipv6Addr, u8) = (Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3);

/// [`SPECIAL_V4`] as prefixes.
pub fn special_v4_blocks() -> impl Iterator<Item = Ipv4Net> {
    SPECIAL_V4.iter().filter_map(|&(a, len)| Ipv4Net::new(a, len).ok())
}

/// Whether block `(net, len)` holds address `x`.
fn holds_v4(&(net, len): &(Ipv4Addr, u8), x: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    x & mask == u32::from(net) & mask
}

/// Addresses no internet host has: the special-purpose IPv4 blocks, and every IPv6 address
/// outside global unicast 2000::/3.
pub fn is_special(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => {
            let x = u32::from(v);
            SPECIAL_V4.iter().any(|b| holds_v4(b, x))
        }
        IpAddr::V6(v) => {
            let (net, len) = GLOBAL_UNICAST_V6;
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            u128::from(v) & mask != u128::from(net) & mask
        }
    }
}

/// Whether every address of `net` is special (no public address in it). Adjacent blocks
/// count as one (224.0.0.0/3 is multicast and reserved together).
pub fn is_special_net(net: &IpNet) -> bool {
    match net {
        IpNet::V4(n) => {
            let (mut lo, hi) = (u64::from(u32::from(n.network())), u64::from(u32::from(n.broadcast())));
            // Walk up from the first address through consecutive special blocks.
            let mut blocks: Vec<Ipv4Net> = special_v4_blocks().collect();
            blocks.sort_unstable();
            for b in blocks {
                let (blo, bhi) = (u64::from(u32::from(b.network())), u64::from(u32::from(b.broadcast())));
                if blo <= lo && lo <= bhi {
                    lo = bhi + 1;
                }
                if lo > hi {
                    return true;
                }
            }
            false
        }
        IpNet::V6(n) => {
            let (net, len) = GLOBAL_UNICAST_V6;
            Ipv6Net::new(net, len).is_ok_and(|g| !g.contains(&n.network()) && !n.contains(&g.network()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn special(s: &str) -> bool {
        is_special(s.parse().unwrap())
    }

    #[test]
    fn private_shared_loopback_link_local_multicast_and_reserved_ipv4_is_special() {
        for s in ["0.0.0.0", "10.1.2.3", "100.64.0.1", "100.127.255.255", "127.0.0.1", "169.254.169.254", "172.31.0.1", "192.0.0.8", "192.168.1.1", "198.19.0.1", "224.0.0.1", "239.255.255.255", "240.0.0.1", "255.255.255.255"] {
            assert!(special(s), "{s}");
        }
        for s in ["8.8.8.8", "100.128.0.1", "172.32.0.1", "192.0.1.1", "198.20.0.1", "223.255.255.255", "1.0.0.0"] {
            assert!(!special(s), "{s}");
        }
    }

    #[test]
    fn ipv6_outside_global_unicast_is_special() {
        assert!(special("::1") && special("fe80::1") && special("ff02::1") && special("fd00::1") && special("4000::1"));
        assert!(!special("2600:1f18::1") && !special("2001:db8::1") && !special("3fff:ffff::1"));
    }

    #[test]
    fn the_list_agrees_with_the_standard_library_classification() {
        for x in (0..=u32::MAX).step_by(65_521) {
            let v = Ipv4Addr::from(x);
            let o = v.octets();
            let std = v.is_private() || v.is_loopback() || v.is_link_local() || v.is_multicast() || v.is_broadcast() || v.is_unspecified()
                || o[0] == 0 || o[0] >= 240 || (o[0] == 100 && (o[1] & 0xc0) == 64) || (o[0] == 198 && (o[1] & 0xfe) == 18) || (o[0] == 192 && o[1] == 0 && o[2] == 0);
            assert_eq!(is_special(IpAddr::V4(v)), std, "{v}");
        }
    }

    #[test]
    fn a_prefix_is_special_when_every_address_is() {
        let net = |s: &str| is_special_net(&s.parse().unwrap());
        assert!(net("10.0.0.0/8") && net("10.1.0.0/16") && net("224.0.0.0/3") && net("192.168.1.0/24"));
        assert!(!net("0.0.0.0/0") && !net("8.0.0.0/7") && !net("192.0.0.0/16") && !net("198.18.0.0/14"));
        assert!(net("fe80::/10") && !net("2600::/16") && !net("::/0"));
    }
}
