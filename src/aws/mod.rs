//! AWS-shaped input: serde types that mirror `aws ec2 describe-*` / `aws rds
//! describe-db-instances` output, and their conversion into the vendor-neutral [`crate::model`].
//!
//! This is the only module that knows how AWS spells things: PascalCase keys, protocol `"-1"`,
//! rule number 32767 for the default ACL rule, the implicit `local` route target. Every field
//! is optional on input (hand-edited or partial snapshots load with warnings), and
//! deserialisation errors carry the JSON path.

pub mod cli;
mod convert;
mod shapes;
pub mod terraform;

pub use convert::{Document, Warnings, build_model, DocumentError};
pub use shapes::*;
