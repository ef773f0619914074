//! Snapshot directories: every `*.json` file below a directory (recursively, whatever the
//! file names), as printed by `aws ec2 describe-*` and `aws rds describe-db-instances`.
//! Batfish's layout `aws_configs/[accounts/<account>/]<region>/*.json` loads as is, with
//! several accounts and regions in one snapshot.

use crate::aws::{build_model, Document, DocumentError, Warnings};
use crate::model::Model;
use std::path::{Path, PathBuf};

/// A loaded snapshot: the model and what could not be modelled.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The network model.
    pub model: Model,
    /// Unknown keys, dangling references and unmodelled resources, once each.
    pub warnings: Warnings,
    /// How many JSON files were read.
    pub files: usize,
}

/// Why a snapshot could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The path does not exist or is not readable.
    #[error("cannot read snapshot {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is not valid JSON.
    #[error("{path}:{line}:{column}: invalid JSON: {message}")]
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
    /// A file is JSON of the wrong shape.
    #[error(transparent)]
    Shape(#[from] DocumentError),
    /// The directory holds no JSON files.
    #[error("snapshot {0} contains no .json files (expected describe-* output such as Vpcs.json)")]
    Empty(PathBuf),
}

/// The region named by a path component (`us-east-1`, `eu-west-2`, `us-gov-west-1`).
fn region_of(path: &Path) -> Option<String> {
    path.ancestors().skip(1).filter_map(|p| p.file_name()?.to_str()).find(|name| looks_like_region(name)).map(str::to_string)
}

fn looks_like_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts.last().is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        && parts[1..parts.len() - 1].iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
}

fn json_files(dir: &Path) -> Result<Vec<PathBuf>, SnapshotError> {
    let meta = std::fs::metadata(dir).map_err(|source| SnapshotError::Io { path: dir.to_path_buf(), source })?;
    if meta.is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).follow_links(true).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_path_buf();
            SnapshotError::Io { path, source: e.into_io_error().unwrap_or_else(|| std::io::Error::other("filesystem loop")) }
        })?;
        let p = entry.path();
        // manifest.json describes a capture; it is not describe-* output.
        if entry.file_type().is_file()
            && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"))
            && p.file_name().is_some_and(|n| n != "manifest.json")
        {
            files.push(p.to_path_buf());
        }
    }
    Ok(files)
}

/// Loads every JSON file under `dir` (or the one file `dir` names).
pub fn load(dir: &Path) -> Result<Loaded, SnapshotError> {
    let files = json_files(dir)?;
    if files.is_empty() {
        return Err(SnapshotError::Empty(dir.to_path_buf()));
    }
    let mut docs = Vec::with_capacity(files.len());
    for path in &files {
        let bytes = std::fs::read(path).map_err(|source| SnapshotError::Io { path: path.clone(), source })?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| SnapshotError::Json {
            path: path.clone(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        docs.push(Document { origin: path.display().to_string(), region: region_of(path), value });
    }
    let n = docs.len();
    let (model, mut warnings) = build_model(&docs)?;
    // A vpcscope capture records the calls that failed: the model misses those parts.
    let manifest = dir.join(super::manifest::MANIFEST_FILE);
    if manifest.is_file() {
        match std::fs::read(&manifest).map_err(|e| e.to_string()).and_then(|b| {
            serde_json::from_slice::<super::manifest::Manifest>(&b).map_err(|e| e.to_string())
        }) {
            Ok(m) => m.missing_warnings().into_iter().for_each(|w| warnings.push(w)),
            Err(e) => warnings.push(format!("{}: unreadable capture manifest ({e})", manifest.display())),
        }
    }
    Ok(Loaded { model, warnings, files: n })
}

/// Loads in-memory documents (a live capture): `(origin, value)` pairs, where the origin
/// reads like a path (`<account>/<region>/Vpcs.json`) so that the region can be found.
pub fn load_documents(docs: Vec<(String, serde_json::Value)>) -> Result<Loaded, SnapshotError> {
    let docs: Vec<Document> = docs
        .into_iter()
        .map(|(origin, value)| {
            let region = region_of(Path::new(&origin));
            Document { origin, region, value }
        })
        .collect();
    let n = docs.len();
    let (model, warnings) = build_model(&docs)?;
    Ok(Loaded { model, warnings, files: n })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_is_read_from_batfish_layout() {
        assert_eq!(region_of(Path::new("snap/aws_configs/accounts/111/us-west-1/Vpcs.json")).as_deref(), Some("us-west-1"));
        assert_eq!(region_of(Path::new("snap/aws_configs/us-gov-west-1/Vpcs.json")).as_deref(), Some("us-gov-west-1"));
        assert_eq!(region_of(Path::new("snap/aws_configs/Vpcs.json")), None);
    }
}
