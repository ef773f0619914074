//! VPC Flow Logs: a zero-copy record parser for every format and an aggregation into
//! conversations. Nothing here does I/O: the readers in `source` hand this module bytes
//! (chunks of files, gzip streams, CloudWatch event messages) and a [`RecordSink`] receives
//! each parsed record with its [`Position`]. This module does not know the network model;
//! joining records with it happens in `analysis`.
//!
//! * [`field`]: the catalogue of field names (versions 2-8 and transit gateway).
//! * [`filter`]: [`RecordFilter`], the incident filters, and the [`Filtered`] sink adapter.
//! * [`format`]: [`Format`], which column holds which field.
//! * [`record`]: [`FlowRecord`], a borrowed view over one line, and its value types.
//! * [`parser`]: [`Parser`], chunked, allocation-free parsing (with a fast path for the
//!   default format in `v2`).
//! * [`position`]: evidence positions, the source table and the [`RecordSink`] trait.
//! * [`aggregate`]: [`Conversations`], [`Summary`] and the derived views.
//! * [`athena`]: the Athena aggregation query and the conversion of its rows.
//! * [`insights`]: reading CloudWatch Logs Insights result rows into the same aggregates.
//! * [`render`]: text, JSON and CSV output of a summary.
//! * [`synth`]: a generator of realistic synthetic logs, for benchmarks and tests.

pub mod aggregate;
pub mod athena;
#[cfg(feature = "parquet")]
pub(crate) mod columnar;
pub mod field;
pub mod filter;
pub mod format;
pub mod insights;
pub mod parser;
pub mod position;
pub mod record;
pub mod render;
pub mod synth;
mod v2;

pub use aggregate::{
    Ahead, ConvId, ConversationKey, ConversationStats, Conversations, InterfaceTotals, Malformed, RecordCounts, RejectedPort, Summary,
    TopTalker,
};
pub use field::{Column, Field};
pub use filter::{Filtered, RecordFilter};
pub use format::{Format, FormatError, DEFAULT_V2_FIELDS};
pub use parser::{HeaderMode, Parser, ParserBuilder};
pub use position::{Position, RecordSink, Resolved, SourceId, Sources, TextFields};
pub use record::{Action, Direction, FlowRecord, LogStatus, ParseError, Protocol, TcpFlags};

/// Writes `v` in decimal, without the formatting machinery.
pub(crate) fn push_u64(buf: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}
