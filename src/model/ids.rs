//! Typed AWS identifiers: passing a subnet id where a VPC id is expected does not compile.

use serde::Serialize;
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The id as AWS prints it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_string())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(s)
            }
        }
    )*};
}

id_type! {
    /// `vpc-...`
    VpcId,
    /// `subnet-...`
    SubnetId,
    /// `eni-...`
    EniId,
    /// `sg-...`
    SgId,
    /// `acl-...`
    NaclId,
    /// `rtb-...`
    RouteTableId,
    /// `igw-...`
    IgwId,
    /// `eigw-...`
    EigwId,
    /// `nat-...`
    NatId,
    /// `pcx-...`
    PcxId,
    /// `tgw-...`
    TgwId,
    /// `tgw-attach-...`
    TgwAttachmentId,
    /// `tgw-rtb-...`
    TgwRouteTableId,
    /// `vpce-...`
    VpceId,
    /// `pl-...`
    PrefixListId,
    /// `i-...`
    InstanceId,
    /// An RDS `DBInstanceIdentifier`.
    DbId,
}
