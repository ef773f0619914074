//! Questions asked of the model: `reach` (one flow, forward and return, with internet
//! sources and destinations resolved to address ranges). Analyses combine the evaluator
//! with topology lookups; they never print.

pub mod reach;
pub mod check;
pub mod diff;
pub mod flows;
