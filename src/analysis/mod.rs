//! analysis layer (being written).
