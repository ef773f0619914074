//! The directory walk: the files of the inputs in order, one directory listing at a time.

use super::{io_err, Input, SourceError};

/// The files of the inputs, in order: a directory's files sorted by path, hidden ones (name
/// starting with `.`) skipped. Lazy: a directory is listed when the walk reaches it, so
/// memory holds one directory listing at a time, never the whole tree.
pub fn walk(inputs: &[Input]) -> impl Iterator<Item = Result<Input, SourceError>> + '_ {
    inputs.iter().flat_map(|input| -> Box<dyn Iterator<Item = Result<Input, SourceError>> + Send> {
        let p = match input {
            Input::Stdin => return Box::new(std::iter::once(Ok(Input::Stdin))),
            Input::Path(p) => p,
        };
        match std::fs::metadata(p) {
            Err(e) => Box::new(std::iter::once(Err(io_err(p)(e)))),
            Ok(meta) if !meta.is_dir() => Box::new(std::iter::once(Ok(Input::Path(p.clone())))),
            Ok(_) => {
                let walk = walkdir::WalkDir::new(p).follow_links(true).sort_by_file_name();
                let root = p.clone();
                Box::new(
                    walk.into_iter()
                        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
                        .filter_map(move |entry| match entry {
                            Err(source) => Some(Err(SourceError::Walk { path: root.clone(), source })),
                            Ok(e) if e.file_type().is_file() => Some(Ok(Input::Path(e.into_path()))),
                            Ok(_) => None,
                        }),
                )
            }
        }
    })
}

/// Lists the files of the inputs, in order (see [`walk`], which does not build the list).
pub fn expand(inputs: &[Input]) -> Result<Vec<Input>, SourceError> {
    walk(inputs).collect()
}
