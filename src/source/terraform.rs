//! Reading a Terraform plan file: the JSON that `terraform show -json PLANFILE` prints.
//! Parsing the parts vpcscope uses and applying them to a model happens in
//! `aws::terraform`; this module only does the I/O and JSON syntax errors.

use crate::aws::terraform::{parse_plan, Plan, PlanError};
use std::path::{Path, PathBuf};

/// Why a plan file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    /// Unreadable.
    #[error("cannot read plan {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Not JSON.
    #[error("{path}:{line}:{column}: invalid JSON ({message}); pass the output of `terraform show -json PLANFILE`, not the binary plan file")]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// JSON of the wrong shape.
    #[error("{path}")]
    Shape {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: PlanError,
    },
}

/// Reads and parses the plan JSON at `path`.
pub fn read_plan(path: &Path) -> Result<Plan, PlanFileError> {
    let bytes = std::fs::read(path).map_err(|source| PlanFileError::Io { path: path.to_path_buf(), source })?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| PlanFileError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    parse_plan(&value).map_err(|source| PlanFileError::Shape { path: path.to_path_buf(), source })
}
