//! model layer (being written).
