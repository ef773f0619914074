//! Questions asked of the model: `reach` (one flow, forward and return, with internet
//! sources and destinations resolved to address ranges) and `explain` (flow-log
//! conversations joined with the model). Analyses combine the evaluator
//! with topology lookups; they never print.

pub mod explain;
pub mod matrix;
pub mod reach;
