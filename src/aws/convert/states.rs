//! AWS's lifecycle and kind words read into the model's typed values ([`LifecycleState`],
//! [`PeeringStatus`], [`GatewayState`], ...). The model prints the same words back; a word
//! AWS adds later is kept as `Other`.

use crate::model::*;

/// The lifecycle word of a NAT gateway, transit gateway, attachment, transit gateway route
/// table or VPC endpoint; a missing state is `available` (older captures and moto omit it).
pub(super) fn lifecycle(s: Option<&str>) -> LifecycleState {
    match s {
        None | Some("available") => LifecycleState::Available,
        Some("pending") => LifecycleState::Pending,
        Some("modifying") => LifecycleState::Modifying,
        Some("pendingAcceptance") => LifecycleState::PendingAcceptance,
        Some("deleting") => LifecycleState::Deleting,
        Some("deleted") => LifecycleState::Deleted,
        Some("failed") => LifecycleState::Failed,
        Some("rejected") => LifecycleState::Rejected,
        Some(other) => LifecycleState::Other(other.to_string()),
    }
}

/// A peering connection's `Status.Code`; a missing status is `active`.
pub(super) fn peering_status(s: Option<&str>) -> PeeringStatus {
    match s {
        None | Some("active") => PeeringStatus::Active,
        Some("pending-acceptance") => PeeringStatus::PendingAcceptance,
        Some("initiating-request") => PeeringStatus::InitiatingRequest,
        Some("provisioning") => PeeringStatus::Provisioning,
        Some("expired") => PeeringStatus::Expired,
        Some("failed") => PeeringStatus::Failed,
        Some("rejected") => PeeringStatus::Rejected,
        Some("deleting") => PeeringStatus::Deleting,
        Some("deleted") => PeeringStatus::Deleted,
        Some(other) => PeeringStatus::Other(other.to_string()),
    }
}

/// An instance's `State.Name`.
pub(super) fn instance_state(s: &str) -> InstanceState {
    match s {
        "pending" => InstanceState::Pending,
        "running" => InstanceState::Running,
        "stopping" => InstanceState::Stopping,
        "stopped" => InstanceState::Stopped,
        "shutting-down" => InstanceState::ShuttingDown,
        "terminated" => InstanceState::Terminated,
        other => InstanceState::Other(other.to_string()),
    }
}

/// A transit gateway attachment's `ResourceType` when it is neither `vpc` nor `peering`.
pub(super) fn external_attachment_kind(s: &str) -> ExternalAttachmentKind {
    match s {
        "vpn" => ExternalAttachmentKind::Vpn,
        "direct-connect-gateway" => ExternalAttachmentKind::DirectConnectGateway,
        "connect" => ExternalAttachmentKind::Connect,
        other => ExternalAttachmentKind::Other(other.to_string()),
    }
}

/// A Direct Connect virtual interface's `virtualInterfaceType`.
pub(super) fn vif_kind(s: &str) -> VifKind {
    match s {
        "private" => VifKind::Private,
        "transit" => VifKind::Transit,
        "public" => VifKind::Public,
        other => VifKind::Other(other.to_string()),
    }
}

/// AWS's lifecycle words in vendor-neutral terms.
pub(super) fn gateway_state(s: Option<&str>) -> GatewayState {
    match s {
        None | Some("available" | "attached" | "active" | "associated" | "up") => GatewayState::Available,
        Some("pending" | "attaching" | "modifying" | "associating" | "confirming" | "verifying" | "ordering" | "requested") => GatewayState::Pending,
        Some("deleting" | "deleted" | "detaching" | "detached" | "failed" | "rejected" | "down" | "disassociating" | "disassociated" | "unknown") => GatewayState::Down,
        Some(other) => GatewayState::Other(other.to_string()),
    }
}

/// Whether an attachment or association state means it is in force (a missing state too).
pub(super) fn state_ok(state: Option<&str>) -> bool {
    matches!(state, None | Some("available") | Some("attached") | Some("associated") | Some("enabled") | Some("active"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_words_fold_into_four_states() {
        assert_eq!(gateway_state(Some("attached")), GatewayState::Available);
        assert_eq!(gateway_state(Some("attaching")), GatewayState::Pending);
        assert_eq!(gateway_state(Some("detached")), GatewayState::Down);
        assert_eq!(gateway_state(Some("sideways")), GatewayState::Other("sideways".into()));
        assert!(state_ok(None) && state_ok(Some("enabled")) && !state_ok(Some("disabled")));
    }

    #[test]
    fn every_state_word_reads_back_as_the_variant_that_prints_it() {
        for s in LifecycleState::KNOWN {
            assert_eq!(&lifecycle(Some(s.as_str())), s);
        }
        for s in PeeringStatus::KNOWN {
            assert_eq!(&peering_status(Some(s.as_str())), s);
        }
        for s in InstanceState::KNOWN {
            assert_eq!(&instance_state(s.as_str()), s);
        }
        for s in ExternalAttachmentKind::KNOWN {
            assert_eq!(&external_attachment_kind(s.as_str()), s);
        }
        for s in VifKind::KNOWN {
            assert_eq!(&vif_kind(s.as_str()), s);
        }
        assert_eq!(lifecycle(Some("failing")), LifecycleState::Other("failing".into()));
        assert_eq!(peering_status(Some("pending")), PeeringStatus::Other("pending".into()));
    }

    #[test]
    fn missing_states_mean_available_and_active() {
        assert_eq!(lifecycle(None), LifecycleState::Available);
        assert_eq!(peering_status(None), PeeringStatus::Active);
    }
}
