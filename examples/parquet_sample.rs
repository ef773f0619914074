//! Writes flow-log text as a Parquet file shaped like AWS's S3 delivery (one typed column per
//! field, `-` as null, gzip-compressed), with `vpcscope::source::parquet::write_parquet`:
//! `cargo run --example parquet_sample -- IN.log OUT.parquet [hyphens|underscores] [ROWS_PER_GROUP]`
//! (default: AWS's hyphenated names, 100 rows per row group). Text without an S3 header line
//! is read as the default (version 2) format. `samples/flowlogs/parquet/` was made with it.

use std::path::PathBuf;
use vpcscope::flowlog::Format;
use vpcscope::source::parquet::{write_parquet, ColumnNames};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(input), Some(output)) = (args.next().map(PathBuf::from), args.next().map(PathBuf::from)) else {
        return Err("usage: parquet_sample IN.log OUT.parquet [hyphens|underscores] [ROWS_PER_GROUP]".into());
    };
    let names = match args.next().as_deref() {
        None | Some("hyphens") => ColumnNames::Hyphens,
        Some("underscores") => ColumnNames::Underscores,
        Some(other) => return Err(format!("unknown column naming {other:?}: hyphens or underscores").into()),
    };
    let rows_per_group: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(100);
    let text = std::fs::read_to_string(&input)?;
    let rows = write_parquet(&text, &Format::default_v2(), std::fs::File::create(&output)?, names, rows_per_group)?;
    eprintln!("wrote {rows} rows to {}", output.display());
    Ok(())
}
