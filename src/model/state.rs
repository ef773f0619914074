//! Lifecycle states of components as typed values: whether a NAT gateway, transit gateway,
//! attachment, endpoint or peering connection carries traffic is a variant, not a string
//! compared in the evaluator.
//!
//! Reports print the same word the provider uses (`available`, `pending-acceptance`), so each
//! enum renders its word with `as_str`/`Display`; values this model does not know stay
//! representable as `Other`, with the word as it came. Reading the provider's words is the
//! job of `aws` (its conversion functions parse them into these values).
//!
//! [`GatewayState`](super::GatewayState) (the hybrid side: virtual private gateways, VPN
//! connections, Direct Connect) folds many words into a few; the states here keep the word,
//! because reports name it ("nat-0abc is deleting, not available").

use serde::Serialize;
use std::fmt;

/// Declares a state enum with a word per variant, an `Other(String)` variant, `as_str`,
/// `Display` and `Serialize` (both the word).
macro_rules! state_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $var:ident => $word:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $var,)*
            /// A value this model does not know, as the provider spelled it.
            Other(String),
        }

        impl $name {
            /// Every named variant (not `Other`).
            pub const KNOWN: &'static [$name] = &[$($name::$var,)*];

            /// The word reports print (the provider's own spelling).
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$var => $word,)*
                    $name::Other(s) => s,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

state_enum! {
    /// Lifecycle of a NAT gateway, transit gateway, transit gateway attachment or route
    /// table, or VPC endpoint. Only `Available` carries traffic.
    LifecycleState {
        /// Carries traffic.
        Available => "available",
        /// Being created.
        Pending => "pending",
        /// Being changed.
        Modifying => "modifying",
        /// Waiting for the other account to accept (attachments, endpoints).
        PendingAcceptance => "pendingAcceptance",
        /// Being deleted.
        Deleting => "deleting",
        /// Deleted.
        Deleted => "deleted",
        /// Creation failed.
        Failed => "failed",
        /// The other account rejected it (attachments, endpoints).
        Rejected => "rejected",
    }
}

impl LifecycleState {
    /// Whether the component carries traffic.
    pub fn is_available(&self) -> bool {
        matches!(self, LifecycleState::Available)
    }
}

state_enum! {
    /// Status of a VPC peering connection. Only `Active` carries traffic.
    PeeringStatus {
        /// Accepted: carries traffic.
        Active => "active",
        /// Requested, not yet accepted.
        PendingAcceptance => "pending-acceptance",
        /// The request is being created.
        InitiatingRequest => "initiating-request",
        /// Accepted, being set up.
        Provisioning => "provisioning",
        /// The request was not accepted in time.
        Expired => "expired",
        /// The request failed (overlapping CIDRs, ...).
        Failed => "failed",
        /// The accepter rejected it.
        Rejected => "rejected",
        /// Being deleted.
        Deleting => "deleting",
        /// Deleted.
        Deleted => "deleted",
    }
}

impl PeeringStatus {
    /// Whether the connection carries traffic.
    pub fn is_active(&self) -> bool {
        matches!(self, PeeringStatus::Active)
    }
}

state_enum! {
    /// State of an EC2 instance.
    InstanceState {
        /// Starting.
        Pending => "pending",
        /// Running.
        Running => "running",
        /// Being stopped.
        Stopping => "stopping",
        /// Stopped.
        Stopped => "stopped",
        /// Being terminated.
        ShuttingDown => "shutting-down",
        /// Terminated.
        Terminated => "terminated",
    }
}

state_enum! {
    /// What a transit gateway attachment that is neither a VPC nor a transit gateway peering
    /// connects to.
    ExternalAttachmentKind {
        /// A Site-to-Site VPN connection.
        Vpn => "vpn",
        /// A Direct Connect gateway.
        DirectConnectGateway => "direct-connect-gateway",
        /// A Connect attachment (GRE tunnels over another attachment).
        Connect => "connect",
    }
}

state_enum! {
    /// The kind of a Direct Connect virtual interface.
    VifKind {
        /// Private: to a virtual private gateway or Direct Connect gateway.
        Private => "private",
        /// Transit: to a Direct Connect gateway associated with transit gateways.
        Transit => "transit",
        /// Public: to AWS public endpoints.
        Public => "public",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_print_the_providers_word() {
        assert_eq!(LifecycleState::Available.to_string(), "available");
        assert_eq!(LifecycleState::Other("failing".into()).to_string(), "failing");
        assert_eq!(PeeringStatus::PendingAcceptance.to_string(), "pending-acceptance");
        assert_eq!(InstanceState::ShuttingDown.as_str(), "shutting-down");
        assert_eq!(serde_json::to_string(&PeeringStatus::Active).unwrap(), "\"active\"");
    }

    #[test]
    fn only_available_components_and_active_peerings_carry_traffic() {
        assert!(LifecycleState::Available.is_available());
        assert!(LifecycleState::KNOWN.iter().filter(|s| s.is_available()).count() == 1);
        assert!(!LifecycleState::Other("available ".into()).is_available());
        assert!(PeeringStatus::Active.is_active());
        assert!(PeeringStatus::KNOWN.iter().filter(|s| s.is_active()).count() == 1);
    }
}
