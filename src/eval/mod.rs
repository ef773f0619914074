//! eval layer (being written).
