//! Questions asked of the model: `reach` (one flow, forward and return, with internet
//! sources and destinations resolved to address ranges), `explain` (flow-log
//! conversations joined with the model), `audit` (what is truly exposed, over the full
//! path), `check` and `diff` (intents and change deltas). Analyses combine the evaluator
//! with topology lookups; they never print.

pub mod audit;
pub mod explain;
pub mod matrix;
pub mod paths;
pub mod reach;
pub mod check;
pub mod diff;
pub mod flows;
pub mod inventory;
pub mod names;
