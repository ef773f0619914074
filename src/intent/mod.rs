//! Intents: declarative statements about a network ("nothing on the internet reaches a
//! database", "web reaches app on 8080", "the PCI VPC is isolated from dev"), parsed from the
//! TOML files of `queries/` (format documented in `queries/README.md`).
//!
//! This module only parses and validates: an intent names its ends with [`Selector`]s, which
//! `analysis::check` resolves against a topology and evaluates. Errors name the file, the
//! line and the offending key, because intent files are written by hand and read in CI logs.

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Range;

use crate::model::Protocol;

/// How much a violated intent matters (SARIF and JUnit carry it); the same scale as audit
/// findings.
pub use crate::severity::Severity;

/// What an intent asserts about the flows between its sources and destinations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IntentKind {
    /// Every source reaches every destination on every port (request and reply).
    MustReach,
    /// No source reaches any destination on any port.
    MustNotReach,
    /// No traffic in either direction between the two sets.
    Isolated,
}

impl IntentKind {
    fn parse(s: &str) -> Option<IntentKind> {
        Some(match s {
            "must-reach" => IntentKind::MustReach,
            "must-not-reach" => IntentKind::MustNotReach,
            "isolated" => IntentKind::Isolated,
            _ => return None,
        })
    }
}

impl fmt::Display for IntentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IntentKind::MustReach => "must-reach",
            IntentKind::MustNotReach => "must-not-reach",
            IntentKind::Isolated => "isolated",
        })
    }
}

/// One condition on an interface; a selector table ANDs several.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "key", content = "value")]
pub enum Criterion {
    /// An interface, instance or RDS identifier (`eni-...`, `i-...`, `orders-db`).
    Id(String),
    /// The Name tag of the interface or its instance (`*` matches any run of characters).
    Name(String),
    /// A tag present (`value` `None`) or with a value (`*` globs allowed).
    Tag {
        /// Tag key.
        key: String,
        /// Tag value pattern.
        value: Option<String>,
    },
    /// In this subnet (id or Name tag).
    Subnet(String),
    /// In this VPC (id or Name tag).
    Vpc(String),
    /// Carrying this security group (id or group name).
    SecurityGroup(String),
    /// Of this resource type (`instance`, `rds`, `nat-gateway`, `vpc-endpoint`, ...).
    Type(String),
    /// With a private address in this CIDR.
    Cidr(IpNet),
    /// In a subnet whose route table has (true) or lacks (false) a route to an internet
    /// gateway.
    PublicSubnet(bool),
}

/// One end of an intent: interfaces chosen by criteria, or addresses outside.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type", content = "value")]
pub enum Selector {
    /// Any address outside the modelled networks.
    Internet,
    /// Every interface.
    Any,
    /// A CIDR: the interfaces with an address in it, and, for the part outside the modelled
    /// VPCs, those outside addresses.
    Cidr(IpNet),
    /// Interfaces meeting every criterion.
    Match(Vec<Criterion>),
}

/// Which ports an intent covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type", content = "value")]
pub enum Ports {
    /// These ports (each range expanded to its endpoints and the ports rules mention in it).
    List(Vec<(u16, u16)>),
    /// Every port any rule in the snapshot mentions.
    Relevant,
}

/// One parsed intent.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Intent {
    /// Unique name (`no-database-from-internet`).
    pub name: String,
    /// What it means and why.
    pub description: String,
    /// Severity.
    pub severity: Severity,
    /// Kind.
    pub kind: IntentKind,
    /// Sources (any of them).
    pub from: Vec<Selector>,
    /// Destinations (any of them).
    pub to: Vec<Selector>,
    /// Protocol.
    pub protocol: Protocol,
    /// Ports (TCP/UDP).
    pub ports: Ports,
    /// Paths must cross a hop matching one of these (id, kind or Name).
    pub through: Vec<String>,
    /// Paths must not cross a hop matching any of these.
    pub not_through: Vec<String>,
    /// The file it came from.
    pub file: String,
    /// Its line in that file.
    pub line: usize,
}

/// A bad intent file.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: `{key}`: {message}")]
pub struct IntentError {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// The offending key (dotted path when nested, e.g. `intent.to`).
    pub key: String,
    /// What is wrong.
    pub message: String,
}

type Sp<T> = toml::Spanned<T>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    intent: Vec<Sp<RawIntent>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIntent {
    name: Sp<String>,
    #[serde(default)]
    description: String,
    severity: Option<Sp<String>>,
    kind: Sp<String>,
    from: Sp<toml::Value>,
    to: Sp<toml::Value>,
    protocol: Option<Sp<String>>,
    ports: Option<Sp<toml::Value>>,
    #[serde(default)]
    through: Vec<String>,
    #[serde(default, alias = "not-through")]
    not_through: Vec<String>,
}

struct Ctx<'a> {
    file: &'a str,
    src: &'a str,
}

impl Ctx<'_> {
    fn line(&self, span: &Range<usize>) -> usize {
        let end = span.start.min(self.src.len());
        self.src.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
    }

    fn err(&self, span: &Range<usize>, key: &str, message: impl Into<String>) -> IntentError {
        IntentError { file: self.file.to_string(), line: self.line(span), key: key.to_string(), message: message.into() }
    }

    /// The key written before the `=` nearest to `pos` on its line (toml's errors point at
    /// the value or at an unknown key).
    fn key_at(&self, pos: usize) -> Option<String> {
        let pos = pos.min(self.src.len());
        let start = self.src[..pos].rfind('\n').map(|i| i + 1).unwrap_or(0);
        let end = self.src[pos..].find('\n').map(|i| pos + i).unwrap_or(self.src.len());
        let line = &self.src[start..end];
        let rel = pos - start;
        // The span may start at the key itself.
        let word: String = line[rel..].chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-').collect();
        if !word.is_empty() && line[rel + word.len()..].trim_start().starts_with('=') {
            return Some(word);
        }
        let before = &line[..rel];
        let eq = before.rfind('=')?;
        let k = before[..eq].trim_end();
        let k: String = k.chars().rev().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-' || *c == '"').collect();
        let k: String = k.chars().rev().collect::<String>().trim_matches('"').to_string();
        (!k.is_empty()).then_some(k)
    }
}

/// Parses one intent file. `file` names it in errors; `src` is its text.
pub fn parse(file: &str, src: &str) -> Result<Vec<Intent>, IntentError> {
    let cx = Ctx { file, src };
    let raw: RawFile = toml::from_str(src).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let msg = e.message().to_string();
        // serde names unknown and missing fields itself; otherwise read the key off the line.
        let key = quoted(&msg, "unknown field `")
            .or_else(|| quoted(&msg, "missing field `"))
            .or_else(|| cx.key_at(span.start))
            .unwrap_or_else(|| "intent".into());
        cx.err(&span, &key, msg)
    })?;
    if raw.intent.is_empty() {
        return Err(cx.err(&(0..0), "intent", "no intents: write each as an `[[intent]]` table"));
    }
    let mut out: Vec<Intent> = Vec::new();
    for ri in raw.intent {
        let span = ri.span();
        let ri = ri.into_inner();
        let name = ri.name.get_ref().trim().to_string();
        if name.is_empty() {
            return Err(cx.err(&ri.name.span(), "name", "must not be empty"));
        }
        if out.iter().any(|i| i.name == name) {
            return Err(cx.err(&ri.name.span(), "name", format!("duplicate intent name `{name}`")));
        }
        let severity = match &ri.severity {
            None => Severity::High,
            Some(s) => Severity::parse(s.get_ref()).ok_or_else(|| {
                cx.err(&s.span(), "severity", format!("unknown severity `{}` (expected critical, high, medium, low or info)", s.get_ref()))
            })?,
        };
        let kind = IntentKind::parse(ri.kind.get_ref()).ok_or_else(|| {
            cx.err(&ri.kind.span(), "kind", format!("unknown kind `{}` (expected must-reach, must-not-reach or isolated)", ri.kind.get_ref()))
        })?;
        let protocol = match &ri.protocol {
            None => Protocol::Tcp,
            Some(p) => Protocol::parse(p.get_ref())
                .ok_or_else(|| cx.err(&p.span(), "protocol", format!("unknown protocol `{}` (expected tcp, udp, icmp, icmpv6, all or a number)", p.get_ref())))?,
        };
        let ports = match &ri.ports {
            None => Ports::Relevant,
            Some(p) => parse_ports(&cx, p)?,
        };
        if !protocol.has_ports() && matches!(ports, Ports::List(_)) {
            if let Some(p) = &ri.ports {
                return Err(cx.err(&p.span(), "ports", format!("protocol {protocol} has no ports")));
            }
        }
        let from = parse_selectors(&cx, "from", &ri.from)?;
        let to = parse_selectors(&cx, "to", &ri.to)?;
        out.push(Intent {
            name,
            description: ri.description,
            severity,
            kind,
            from,
            to,
            protocol,
            ports,
            through: ri.through,
            not_through: ri.not_through,
            file: file.to_string(),
            line: cx.line(&span),
        });
    }
    Ok(out)
}

fn quoted(msg: &str, prefix: &str) -> Option<String> {
    let rest = &msg[msg.find(prefix)? + prefix.len()..];
    Some(rest[..rest.find('`')?].to_string())
}

fn parse_ports(cx: &Ctx<'_>, v: &Sp<toml::Value>) -> Result<Ports, IntentError> {
    let span = v.span();
    let bad = |m: String| cx.err(&span, "ports", m);
    let one = |x: &toml::Value| -> Result<(u16, u16), IntentError> {
        match x {
            toml::Value::Integer(n) => u16::try_from(*n).map(|p| (p, p)).map_err(|_| bad(format!("port {n} is out of range 0-65535"))),
            toml::Value::String(s) => {
                let parse = |t: &str| t.trim().parse::<u16>().map_err(|_| bad(format!("`{s}` is not a port or a range like \"1024-65535\"")));
                match s.split_once('-') {
                    Some((a, b)) => {
                        let (a, b) = (parse(a)?, parse(b)?);
                        if a > b {
                            return Err(bad(format!("range `{s}` ends before it starts")));
                        }
                        Ok((a, b))
                    }
                    None => parse(s).map(|p| (p, p)),
                }
            }
            other => Err(bad(format!("expected a port number or a \"from-to\" string, found {}", other.type_str()))),
        }
    };
    match v.get_ref() {
        toml::Value::String(s) if s == "relevant" || s == "any" || s == "all" => Ok(Ports::Relevant),
        toml::Value::Array(a) => {
            if a.is_empty() {
                return Err(bad("empty list (leave `ports` out to use every port the rules mention)".into()));
            }
            a.iter().map(one).collect::<Result<Vec<_>, _>>().map(Ports::List)
        }
        other => one(other).map(|r| Ports::List(vec![r])),
    }
}

fn parse_selectors(cx: &Ctx<'_>, key: &str, v: &Sp<toml::Value>) -> Result<Vec<Selector>, IntentError> {
    let span = v.span();
    let items: Vec<&toml::Value> = match v.get_ref() {
        toml::Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    if items.is_empty() {
        return Err(cx.err(&span, key, "no selectors"));
    }
    items.into_iter().map(|item| selector(cx, key, &span, item)).collect()
}

const SELECTOR_KEYS: &str = "id, name, tag, subnet, vpc, security_group, type, cidr, public_subnet, internet";

fn selector(cx: &Ctx<'_>, key: &str, span: &Range<usize>, v: &toml::Value) -> Result<Selector, IntentError> {
    match v {
        toml::Value::String(s) => Ok(selector_str(s)),
        toml::Value::Table(t) => {
            if t.is_empty() {
                return Err(cx.err(span, key, format!("empty selector table (keys: {SELECTOR_KEYS})")));
            }
            let mut crit = Vec::new();
            for (k, val) in t {
                let sub = format!("{key}.{k}");
                let text = || -> Result<String, IntentError> {
                    val.as_str().map(str::to_string).ok_or_else(|| cx.err(span, &sub, format!("expected a string, found {}", val.type_str())))
                };
                let c = match k.as_str() {
                    "internet" => {
                        if val.as_bool() == Some(true) && t.len() == 1 {
                            return Ok(Selector::Internet);
                        }
                        return Err(cx.err(span, &sub, "write `internet = true` alone in its table, or the string \"internet\""));
                    }
                    "id" => Criterion::Id(text()?),
                    "name" => Criterion::Name(text()?),
                    "tag" => {
                        let s = text()?;
                        match s.split_once('=') {
                            Some((k, v)) => Criterion::Tag { key: k.trim().into(), value: Some(v.trim().into()) },
                            None => Criterion::Tag { key: s.trim().into(), value: None },
                        }
                    }
                    "subnet" => Criterion::Subnet(text()?),
                    "vpc" => Criterion::Vpc(text()?),
                    "security_group" | "security-group" | "sg" => Criterion::SecurityGroup(text()?),
                    "type" => {
                        let s = text()?;
                        if !RESOURCE_TYPES.contains(&s.as_str()) {
                            return Err(cx.err(span, &sub, format!("unknown resource type `{s}` (expected one of {})", RESOURCE_TYPES.join(", "))));
                        }
                        Criterion::Type(s)
                    }
                    "cidr" => {
                        let s = text()?;
                        let n = s.parse::<IpNet>().or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from)).map_err(|_| cx.err(span, &sub, format!("`{s}` is not a CIDR")))?;
                        Criterion::Cidr(n.trunc())
                    }
                    "public_subnet" | "public-subnet" => Criterion::PublicSubnet(
                        val.as_bool().ok_or_else(|| cx.err(span, &sub, format!("expected true or false, found {}", val.type_str())))?,
                    ),
                    _ => return Err(cx.err(span, &sub, format!("unknown selector key (expected one of {SELECTOR_KEYS})"))),
                };
                crit.push(c);
            }
            Ok(Selector::Match(crit))
        }
        other => Err(cx.err(span, key, format!("expected a string or a selector table, found {}", other.type_str()))),
    }
}

/// Resource types a `type` selector accepts (interface kinds, plus `instance` for interfaces
/// attached to an EC2 instance and `database` for every managed database kind).
pub const RESOURCE_TYPES: &[&str] = &[
    "instance", "interface", "rds", "elasticache", "redshift", "opensearch", "database", "nat-gateway", "vpc-endpoint",
    "load-balancer", "transit-gateway", "lambda",
];

/// A selector written as a string: `internet`, `any`, a CIDR or address, an id by its prefix
/// (`subnet-`, `vpc-`, `sg-`), else an interface/instance/RDS id or a Name tag.
pub fn selector_str(s: &str) -> Selector {
    let s = s.trim();
    if s.eq_ignore_ascii_case("internet") {
        return Selector::Internet;
    }
    if s == "any" || s == "*" {
        return Selector::Any;
    }
    if let Ok(n) = s.parse::<IpNet>() {
        return Selector::Cidr(n.trunc());
    }
    if let Ok(ip) = s.parse::<std::net::IpAddr>() {
        return Selector::Cidr(IpNet::from(ip));
    }
    let c = if s.starts_with("subnet-") {
        Criterion::Subnet(s.into())
    } else if s.starts_with("vpc-") {
        Criterion::Vpc(s.into())
    } else if s.starts_with("sg-") {
        Criterion::SecurityGroup(s.into())
    } else {
        Criterion::Id(s.into())
    };
    Selector::Match(vec![c])
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, p) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(p) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(p);
        } else {
            match rest.find(p) {
                Some(at) => rest = &rest[at + p.len()..],
                None => return false,
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[intent]]
name = "web-reaches-app"
severity = "medium"
kind = "must-reach"
from = { name = "web-*" }
to = [{ security_group = "shop-app", type = "instance" }]
ports = [8080, "9000-9001"]
through = ["local"]
"#;

    #[test]
    fn intent_file_parses_selectors_and_ports() {
        let i = &parse("good.toml", GOOD).unwrap()[0];
        assert_eq!(i.kind, IntentKind::MustReach);
        assert_eq!(i.severity, Severity::Medium);
        assert_eq!(i.line, 2);
        assert_eq!(i.from, vec![Selector::Match(vec![Criterion::Name("web-*".into())])]);
        assert_eq!(i.ports, Ports::List(vec![(8080, 8080), (9000, 9001)]));
        assert_eq!(i.protocol, Protocol::Tcp);
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let e = parse("bad.toml", "[[intent]]\nname = \"x\"\nkind = \"must-reach\"\nfrom = \"internet\"\nto = \"any\"\nportz = 1\n").unwrap_err();
        assert_eq!((e.file.as_str(), e.line, e.key.as_str()), ("bad.toml", 6, "portz"), "{e}");
        let e = parse("bad.toml", "[[intent]]\nname = \"x\"\nkind = \"must-reech\"\nfrom = \"internet\"\nto = \"any\"\n").unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (3, "kind"), "{e}");
        let e = parse("bad.toml", "[[intent]]\nname = \"x\"\nkind = \"isolated\"\nfrom = \"internet\"\nto = { colour = \"red\" }\n").unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (5, "to.colour"), "{e}");
        let e = parse("bad.toml", "[[intent]]\nname = \"x\"\nkind = \"isolated\"\nfrom = \"internet\"\nto = \"any\"\nports = [22, \"abc\"]\n").unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (6, "ports"), "{e}");
        let e = parse("bad.toml", "[[intent]]\nname = \"x\"\nkind = \"isolated\"\nfrom = \"internet\"\nto = \"any\"\nthrough = 5\n").unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (6, "through"), "{e}");
        let e = parse("bad.toml", "[[intent]]\nname = \"x\"\nkind = \"isolated\"\nfrom = \"internet\"\n").unwrap_err();
        assert_eq!(e.key, "to", "{e}");
    }

    #[test]
    fn string_selectors_are_recognised_by_shape() {
        assert_eq!(selector_str("internet"), Selector::Internet);
        assert_eq!(selector_str("10.0.0.0/16"), Selector::Cidr("10.0.0.0/16".parse().unwrap()));
        assert_eq!(selector_str("subnet-1"), Selector::Match(vec![Criterion::Subnet("subnet-1".into())]));
        assert!(glob("web-*", "web-1") && glob("*db*", "orders-db-1") && !glob("web-*", "app-1"));
    }
}
