//! aws layer (being written).
