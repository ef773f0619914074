//! [`Severity`], shared by audit findings and intents (one scale, so a `check` violation and
//! an `audit` finding of the same weight render and sort alike in SARIF, JUnit and HTML).

use serde::Serialize;
use std::fmt;

/// How much something matters. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// For information (e.g. a rule no flow used).
    Info,
    /// Hygiene.
    Low,
    /// A latent exposure or a broken path.
    Medium,
    /// Reachable from some of the internet.
    High,
    /// A database reachable from any internet address.
    Critical,
}

impl Severity {
    /// Every severity, most severe first.
    pub const ALL: [Severity; 5] = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info];

    /// The lowercase name used in every format and in intent files.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The severity named `s` (as [`as_str`](Self::as_str) writes it).
    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_order_is_by_weight() {
        for v in Severity::ALL {
            assert_eq!(Severity::parse(v.as_str()), Some(v));
            assert_eq!(serde_json::to_value(v).expect("serialises"), serde_json::Value::from(v.as_str()));
        }
        assert_eq!(Severity::parse("urgent"), None);
        assert!(Severity::Info < Severity::Low && Severity::High < Severity::Critical);
    }
}
