//! Reading intent files: the `*.toml` files named on the command line, or found (recursively,
//! in name order) in the directories named. Parsing is `intent::parse`.

use std::path::{Path, PathBuf};

/// An intent file that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read intent file {path}")]
pub struct QueryFileError {
    /// The path.
    pub path: PathBuf,
    /// The cause.
    pub source: std::io::Error,
}

/// Every intent file under `paths`, with its text, in a stable order.
pub fn read_query_files(paths: &[PathBuf]) -> Result<Vec<(PathBuf, String)>, QueryFileError> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|source| QueryFileError { path: p.clone(), source })?;
        let files: Vec<PathBuf> = if meta.is_dir() {
            walkdir::WalkDir::new(p)
                .follow_links(true)
                .sort_by_file_name()
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x.eq_ignore_ascii_case("toml")))
                .map(|e| e.path().to_path_buf())
                .collect()
        } else {
            vec![p.clone()]
        };
        for f in files {
            let text = read(&f)?;
            out.push((f, text));
        }
    }
    Ok(out)
}

fn read(path: &Path) -> Result<String, QueryFileError> {
    std::fs::read_to_string(path).map_err(|source| QueryFileError { path: path.to_path_buf(), source })
}
