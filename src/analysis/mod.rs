//! Questions asked of the model: `reach` (one flow, forward and return, with internet
//! sources and destinations resolved to address ranges) and `audit` (what is truly exposed,
//! over the full path). Analyses combine the evaluator
//! with topology lookups; they never print.

pub mod audit;
pub mod reach;
