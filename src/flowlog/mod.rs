//! Flow-log parsing and aggregation (see issue 3).
