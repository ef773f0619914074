//! topology layer (being written).
