//! report layer (being written).
