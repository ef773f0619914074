//! CloudWatch Logs (being written).
