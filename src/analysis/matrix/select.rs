//! Selectors for `matrix --from/--to`: which interfaces a side of the matrix covers. A
//! selector is a comma-separated union of ENI ids, instance ids, `subnet-`, `vpc-` and `sg-`
//! ids, `tag:Key=Value` (on the interface or its instance), `account:ID` (the interfaces an
//! account owns), CIDRs or addresses (matched
//! against the interface's private IPv4 addresses), and, as `reach` accepts them, RDS
//! identifiers and Name tags of interfaces or their instances. A miss suggests the closest
//! names.

use crate::model::EniId;
use crate::topology::{Ix, Topology};
use ipnet::IpNet;
use std::net::IpAddr;

/// A selector that names nothing, or that the matrix cannot answer.
#[derive(Debug, thiserror::Error)]
pub enum SelectError {
    /// The selector matches no interface in the snapshot (with a did-you-mean hint).
    #[error("selector `{0}` matches no interface in the snapshot{1}")]
    NoMatch(String, String),
    /// `internet` is not a matrix end yet.
    #[error("`internet` is not supported by matrix yet: use `vpcscope reach --from internet` for one destination")]
    Internet,
    /// The selector is not one of the documented forms.
    #[error("cannot read selector `{0}`: expected eni-, i-, subnet-, vpc-, sg- ids, tag:Key=Value, account:ID, a Name tag, a CIDR or an address")]
    Syntax(String),
}

/// Resolves selector `spec` to interface positions (sorted, deduplicated).
pub fn resolve(topo: &Topology<'_>, spec: &str) -> Result<Vec<Ix>, SelectError> {
    let m = topo.model;
    let mut out = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let before = out.len();
        if part.eq_ignore_ascii_case("internet") {
            return Err(SelectError::Internet);
        } else if part.starts_with("eni-") {
            out.extend(topo.eni_ix(part));
        } else if part.starts_with("i-") {
            let from_instance = topo.instance(part).map(|i| i.enis.clone()).unwrap_or_default();
            out.extend(from_instance.iter().filter_map(|e: &EniId| topo.eni_ix(e.as_str())));
            out.extend(m.enis.iter().enumerate().filter(|(_, e)| e.instance.as_ref().is_some_and(|i| i.as_str() == part)).map(|(i, _)| i));
        } else if part.starts_with("subnet-") {
            out.extend(m.enis.iter().enumerate().filter(|(_, e)| e.subnet.as_str() == part).map(|(i, _)| i));
        } else if part.starts_with("vpc-") {
            out.extend(m.enis.iter().enumerate().filter(|(_, e)| e.vpc.as_str() == part).map(|(i, _)| i));
        } else if part.starts_with("sg-") {
            out.extend(topo.sg_members(part).iter().copied());
        } else if let Some(acct) = part.strip_prefix("account:") {
            out.extend((0..m.enis.len()).filter(|&i| topo.eni_account(i) == Some(acct)));
        } else if let Some(kv) = part.strip_prefix("tag:") {
            let (k, v) = kv.split_once('=').ok_or_else(|| SelectError::Syntax(part.to_string()))?;
            out.extend(m.enis.iter().enumerate().filter(|(_, e)| {
                e.tags.get(k) == Some(v) || e.instance.as_ref().and_then(|i| topo.instance(i.as_str())).is_some_and(|i| i.tags.get(k) == Some(v))
            }).map(|(i, _)| i));
        } else if let Some(net) = part.parse::<IpNet>().ok().or_else(|| part.parse::<IpAddr>().ok().map(IpNet::from)) {
            out.extend(m.enis.iter().enumerate().filter(|(_, e)| e.private_ips.iter().any(|ip| net.contains(ip))).map(|(i, _)| i));
        } else if part.contains(['=', ':', '*', '?']) {
            return Err(SelectError::Syntax(part.to_string()));
        } else {
            // A database identifier, or a Name tag of the interface or of its instance, as
            // `reach` accepts.
            if let Some(d) = topo.db_ix(part) {
                out.extend(topo.db_enis(d).iter().copied());
            }
            out.extend(m.enis.iter().enumerate().filter(|(_, e)| {
                e.tags.name() == Some(part) || e.instance.as_ref().and_then(|i| topo.instance(i.as_str())).is_some_and(|i| i.tags.name() == Some(part))
            }).map(|(i, _)| i));
        }
        if out.len() == before {
            return Err(SelectError::NoMatch(part.to_string(), crate::analysis::names::hint(topo, part)));
        }
    }
    if out.is_empty() {
        return Err(SelectError::NoMatch(spec.to_string(), String::new()));
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}
