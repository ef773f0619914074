//! Snapshot directories (being written).
