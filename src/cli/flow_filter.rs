//! The incident filters every flow-log command shares (`--since`, `--until`, `--interface`,
//! `--addr`, `--src`, `--dst`, `--port`, `--protocol`, `--action`), checked into a
//! `flowlog::RecordFilter`. Interface names are resolved through the snapshot.

use anyhow::{bail, Context};
use vpcscope::analysis::reach::{self, Target};
use vpcscope::flowlog::filter::{parse_action, parse_cidr, parse_protocol, parse_time};
use vpcscope::flowlog::RecordFilter;
use vpcscope::topology::Topology;

/// Which records to keep: an incident's time window, interfaces, addresses and ports.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FilterArgs {
    /// Only records whose capture window ends at or after this time: RFC 3339
    /// (2024-05-01T10:02:00Z), Unix seconds, or a duration before now (15m, 2h, 1d).
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
    /// Only records whose capture window starts at or before this time (as --since).
    #[arg(long, value_name = "T")]
    pub until: Option<String>,
    /// Only records of this interface: an ENI id, or (with a snapshot) an instance id, Name
    /// tag or RDS identifier, which stands for every interface of the instance. Repeatable.
    #[arg(long, value_name = "ID|NAME")]
    pub interface: Vec<String>,
    /// Only records with the source or the destination address in this CIDR (or address).
    #[arg(long, value_name = "CIDR")]
    pub addr: Option<String>,
    /// Only records with the source address in this CIDR.
    #[arg(long, value_name = "CIDR")]
    pub src: Option<String>,
    /// Only records with the destination address in this CIDR.
    #[arg(long, value_name = "CIDR")]
    pub dst: Option<String>,
    /// Only records with this source or destination port.
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// Only records of this protocol (tcp, udp, icmp, icmpv6, or a number).
    #[arg(long, value_name = "P")]
    pub protocol: Option<String>,
    /// Only records with this action.
    #[arg(long, value_name = "ACCEPT|REJECT")]
    pub action: Option<String>,
}

impl FilterArgs {
    /// Whether any filter was given.
    pub fn is_given(&self) -> bool {
        self.since.is_some()
            || self.until.is_some()
            || !self.interface.is_empty()
            || self.addr.is_some()
            || self.src.is_some()
            || self.dst.is_some()
            || self.port.is_some()
            || self.protocol.is_some()
            || self.action.is_some()
    }

    /// Whether an `--interface` value is a name that needs the snapshot.
    pub fn needs_names(&self) -> bool {
        self.interface.iter().any(|i| !is_eni_id(i))
    }

    /// The checked filter; `topo` resolves interface names (without it, a name is an error).
    pub fn filter(&self, topo: Option<&Topology<'_>>) -> anyhow::Result<RecordFilter> {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let time = |t: &Option<String>, flag: &str| t.as_deref().map(|t| parse_time(t, now)).transpose().with_context(|| format!("bad {flag}"));
        let cidr = |t: &Option<String>, flag: &str| t.as_deref().map(parse_cidr).transpose().with_context(|| format!("bad {flag}"));
        let mut interfaces = Vec::new();
        for spec in &self.interface {
            for id in resolve_interface(spec, topo)? {
                if !interfaces.contains(&id) {
                    interfaces.push(id);
                }
            }
        }
        let filter = RecordFilter {
            since: time(&self.since, "--since")?,
            until: time(&self.until, "--until")?,
            interfaces,
            addr: cidr(&self.addr, "--addr")?,
            src: cidr(&self.src, "--src")?,
            dst: cidr(&self.dst, "--dst")?,
            port: self.port,
            protocol: self.protocol.as_deref().map(parse_protocol).transpose().context("bad --protocol")?,
            action: self.action.as_deref().map(parse_action).transpose().context("bad --action")?,
        };
        filter.validate()?;
        Ok(filter)
    }
}

fn is_eni_id(s: &str) -> bool {
    s.strip_prefix("eni-").is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The interface ids an `--interface` value stands for: an ENI id as it is; a name, instance
/// id or RDS identifier resolved in the snapshot, to every interface of its instance.
fn resolve_interface(spec: &str, topo: Option<&Topology<'_>>) -> anyhow::Result<Vec<String>> {
    let spec = spec.trim();
    if is_eni_id(spec) {
        return Ok(vec![spec.to_string()]);
    }
    let Some(topo) = topo else {
        bail!("--interface {spec:?} is not an interface id (eni-...); naming interfaces needs --snapshot");
    };
    let target = reach::resolve(topo, spec).with_context(|| format!("bad --interface {spec:?}"))?;
    let ix = match target {
        Target::Eni(ix, _) => ix,
        _ => bail!("--interface {spec:?} does not name an interface in the snapshot"),
    };
    let eni = &topo.model.enis[ix];
    let mut ids = vec![eni.id.to_string()];
    if let Some(instance) = &eni.instance {
        for e in &topo.model.enis {
            if e.instance.as_ref() == Some(instance) && e.id != eni.id {
                ids.push(e.id.to_string());
            }
        }
    }
    Ok(ids)
}
