//! The `flows summary` aggregate: record counts by kind, the first malformed lines, and
//! the conversations of the records with traffic.

use super::ring::Ahead;
use super::table::{ConvId, Conversations};
use crate::flowlog::position::{Position, RecordSink, TextFields};
use crate::flowlog::record::{FlowRecord, LogStatus, ParseError};
use std::ops::AddAssign;

/// Record counts by kind. Invariant: `total == ok + nodata + skipdata + malformed +
/// filtered_out`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct RecordCounts {
    /// Every non-blank line that is not a header line.
    pub total: u64,
    /// Records with log status `OK` (or an unknown status, or no status field).
    pub ok: u64,
    /// `NODATA` records.
    pub nodata: u64,
    /// `SKIPDATA` records.
    pub skipdata: u64,
    /// Lines that are not valid records.
    pub malformed: u64,
    /// Of `ok`: records whose log status is a word vpcscope does not know.
    pub unknown_status: u64,
    /// Records outside the run's filter (`--since`, `--interface`, ...): parsed, counted
    /// here, and not aggregated.
    pub filtered_out: u64,
}

impl RecordCounts {
    /// Counts one parsed record by its log status; `true` when it carries traffic (OK or an
    /// unknown status) and belongs in conversations, `false` for NODATA and SKIPDATA.
    #[inline]
    pub fn tally(&mut self, status: LogStatus) -> bool {
        self.total += 1;
        match status {
            LogStatus::NoData => {
                self.nodata += 1;
                false
            }
            LogStatus::SkipData => {
                self.skipdata += 1;
                false
            }
            status => {
                self.ok += 1;
                if status == LogStatus::Unknown {
                    self.unknown_status += 1;
                }
                true
            }
        }
    }
}

impl AddAssign for RecordCounts {
    fn add_assign(&mut self, o: RecordCounts) {
        self.total += o.total;
        self.ok += o.ok;
        self.nodata += o.nodata;
        self.skipdata += o.skipdata;
        self.malformed += o.malformed;
        self.unknown_status += o.unknown_status;
        self.filtered_out += o.filtered_out;
    }
}

/// A malformed line and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed {
    /// Where it is.
    pub position: Position,
    /// What is wrong.
    pub error: ParseError,
}

/// How many malformed lines a [`Summary`] keeps as samples.
pub const MALFORMED_SAMPLES: usize = 10;

/// The `flows summary` aggregate: counts, the first malformed lines, and conversations.
///
/// Records delivered through [`RecordSink::record`] reach their conversation a few records
/// later: the summary computes each record's slot first and asks the CPU to fetch it, so the
/// table's cache misses overlap with parsing the next lines. [`RecordSink::finish`] (which
/// the readers call) and `merge` complete the held-back records; [`Summary::add`] adds at once.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Records by kind.
    pub counts: RecordCounts,
    /// The first [`MALFORMED_SAMPLES`] malformed lines, in input order.
    pub malformed_samples: Vec<Malformed>,
    /// Conversations of the `OK` records.
    pub conversations: Conversations,
    /// Records counted but not yet added to `conversations`.
    ahead: Ahead<()>,
}

impl Summary {
    /// An empty summary.
    pub fn new() -> Summary {
        Summary::default()
    }

    /// Counts one record and adds it to its conversation (when its status is not
    /// NODATA/SKIPDATA); returns the conversation.
    #[inline]
    pub fn add(&mut self, record: &FlowRecord<'_>) -> Option<ConvId> {
        self.flush();
        if self.counts.tally(record.log_status()) {
            Some(self.conversations.add(record))
        } else {
            None
        }
    }

    /// [`add`](Self::add), holding the record back while its conversation is fetched.
    #[inline]
    fn add_ahead(&mut self, record: &FlowRecord<'_>) {
        if self.counts.tally(record.log_status()) {
            self.ahead.push(&mut self.conversations, record, 0, ());
        }
    }

    /// Adds the held-back records, oldest first.
    fn flush(&mut self) {
        while self.ahead.pop(&mut self.conversations).is_some() {}
    }

    /// Counts one record outside the run's filter.
    #[inline]
    pub fn add_filtered(&mut self) {
        self.counts.total += 1;
        self.counts.filtered_out += 1;
    }

    /// Counts one malformed line, keeping it as a sample if it is among the first
    /// [`MALFORMED_SAMPLES`] by position. Parallel pieces arrive out of order, and one sink
    /// may read several: the samples are kept in position order as they come.
    pub fn add_malformed(&mut self, position: Position, error: ParseError) {
        self.counts.total += 1;
        self.counts.malformed += 1;
        let at = self.malformed_samples.partition_point(|m| m.position <= position);
        if at < MALFORMED_SAMPLES {
            self.malformed_samples.insert(at, Malformed { position, error });
            self.malformed_samples.truncate(MALFORMED_SAMPLES);
        }
    }
}

impl AddAssign for Summary {
    fn add_assign(&mut self, mut other: Summary) {
        self.flush();
        other.flush();
        self.counts += other.counts;
        self.malformed_samples.extend(other.malformed_samples);
        self.malformed_samples.sort_by_key(|m| m.position);
        self.malformed_samples.truncate(MALFORMED_SAMPLES);
        self.conversations += other.conversations;
    }
}

impl RecordSink for Summary {
    #[inline]
    fn record(&mut self, _position: Position, record: &FlowRecord<'_>) {
        self.add_ahead(record);
    }
    fn malformed(&mut self, position: Position, error: ParseError) {
        self.add_malformed(position, error);
    }
    fn filtered(&mut self, _position: Position) {
        self.add_filtered();
    }
    fn finish(&mut self) {
        self.flush();
    }
    fn merge(&mut self, other: Summary) {
        *self += other;
    }
    fn text_fields(&self) -> TextFields {
        // Conversations read the typed values and the interface id.
        TextFields::Only(&[])
    }
}
