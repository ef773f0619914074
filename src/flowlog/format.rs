//! [`Format`]: which field each column of a flow-log line holds. A format is built once (the
//! default version-2 constant, an S3 header line, a `--log-format` string as `DescribeFlowLogs`
//! returns it, or a list of fields) and the per-line loop is then index lookups.

use super::field::{Column, Field};

/// The default (version 2) format, in column order.
pub const DEFAULT_V2_FIELDS: [Field; 14] = [
    Field::Version,
    Field::AccountId,
    Field::InterfaceId,
    Field::SrcAddr,
    Field::DstAddr,
    Field::SrcPort,
    Field::DstPort,
    Field::Protocol,
    Field::Packets,
    Field::Bytes,
    Field::Start,
    Field::End,
    Field::Action,
    Field::LogStatus,
];

/// The most columns a format may have. AWS's complete field list is under 70.
pub const MAX_COLUMNS: usize = 512;

const ABSENT: u16 = u16::MAX;

/// Why a format description was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// The description names no field at all.
    #[error("the format names no fields")]
    Empty,
    /// A field appears twice.
    #[error("field {0:?} appears twice in the format")]
    Duplicate(String),
    /// A token of a `${...}` format is not of that shape.
    #[error("bad token {0:?} in log format (expected ${{field-name}})")]
    BadToken(String),
    /// A field name holds characters no field name has.
    #[error("bad field name {0:?}")]
    BadName(String),
    /// More than [`MAX_COLUMNS`] columns.
    #[error("the format has more than {MAX_COLUMNS} fields")]
    TooManyColumns,
}

/// A flow-log format: the field of each column, plus a reverse index from field to column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    columns: Vec<Column>,
    unknown: Vec<Box<str>>,
    position: [u16; Field::ALL.len()],
}

impl Default for Format {
    fn default() -> Self {
        Format::default_v2()
    }
}

impl Format {
    /// The default version-2 format ([`DEFAULT_V2_FIELDS`]).
    pub fn default_v2() -> Format {
        Format::from_fields(&DEFAULT_V2_FIELDS).expect("the default format is valid")
    }

    /// A format from known fields in column order.
    pub fn from_fields(fields: &[Field]) -> Result<Format, FormatError> {
        let names: Vec<&[u8]> = fields.iter().map(|f| f.name().as_bytes()).collect();
        Format::from_names(names)
    }

    /// A format from an S3 header line (`version account-id interface-id ...`), the first
    /// line of every flow-log file delivered to S3. Runs of spaces separate names.
    pub fn from_header(line: &[u8]) -> Result<Format, FormatError> {
        let line = trim_line(line);
        Format::from_names(line.split(|&b| b == b' ').filter(|t| !t.is_empty()))
    }

    /// A format from the `LogFormat` string `DescribeFlowLogs` returns and `--log-format`
    /// takes: `${version} ${account-id} ${interface-id} ...`.
    pub fn from_log_format(spec: &str) -> Result<Format, FormatError> {
        let mut names = Vec::new();
        for token in spec.split_ascii_whitespace() {
            let name = token
                .strip_prefix("${")
                .and_then(|t| t.strip_suffix('}'))
                .ok_or_else(|| FormatError::BadToken(token.to_string()))?;
            names.push(name.as_bytes());
        }
        Format::from_names(names)
    }

    fn from_names<'n>(names: impl IntoIterator<Item = &'n [u8]>) -> Result<Format, FormatError> {
        let mut format = Format { columns: Vec::new(), unknown: Vec::new(), position: [ABSENT; Field::ALL.len()] };
        for name in names {
            if format.columns.len() >= MAX_COLUMNS {
                return Err(FormatError::TooManyColumns);
            }
            if !is_field_name(name) {
                return Err(FormatError::BadName(String::from_utf8_lossy(name).into_owned()));
            }
            let text = String::from_utf8_lossy(name);
            let column = match Field::from_name(name) {
                Some(field) => {
                    if format.position[field as usize] != ABSENT {
                        return Err(FormatError::Duplicate(text.into_owned()));
                    }
                    format.position[field as usize] = format.columns.len() as u16;
                    Column::Known(field)
                }
                None => {
                    if format.unknown.iter().any(|u| u.as_bytes() == name) {
                        return Err(FormatError::Duplicate(text.into_owned()));
                    }
                    format.unknown.push(text.into());
                    Column::Unknown((format.unknown.len() - 1) as u16)
                }
            };
            format.columns.push(column);
        }
        if format.columns.is_empty() {
            return Err(FormatError::Empty);
        }
        Ok(format)
    }

    /// Whether a line looks like an S3 header line rather than a record: every token is a
    /// lowercase field name, no token is `-`, and at least one names a known field.
    pub fn is_header(line: &[u8]) -> bool {
        let line = trim_line(line);
        let mut known = false;
        let mut any = false;
        for token in line.split(|&b| b == b' ').filter(|t| !t.is_empty()) {
            if !is_field_name(token) {
                return false;
            }
            any = true;
            known |= Field::from_name(token).is_some();
        }
        any && known
    }

    /// The columns in order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// How many columns a record of this format has.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Always false: a format has at least one column.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// The column that holds `field`, if the format has it.
    pub fn position(&self, field: Field) -> Option<usize> {
        match self.position[field as usize] {
            ABSENT => None,
            p => Some(p as usize),
        }
    }

    /// The column holding the unknown field called `name`, if any.
    pub fn unknown_position(&self, name: &str) -> Option<usize> {
        let idx = self.unknown.iter().position(|u| &**u == name)?;
        self.columns.iter().position(|c| *c == Column::Unknown(idx as u16))
    }

    /// Names of the columns vpcscope does not know, in order of appearance.
    pub fn unknown_names(&self) -> impl Iterator<Item = &str> {
        self.unknown.iter().map(|u| &**u)
    }

    /// The name of column `i`.
    pub fn column_name(&self, i: usize) -> Option<&str> {
        match *self.columns.get(i)? {
            Column::Known(f) => Some(f.name()),
            Column::Unknown(u) => Some(&self.unknown[u as usize]),
        }
    }

    /// The flow-log version of the format: the highest version among its known fields.
    pub fn version(&self) -> u8 {
        self.columns
            .iter()
            .filter_map(|c| match c {
                Column::Known(f) => Some(f.version()),
                Column::Unknown(_) => None,
            })
            .max()
            .unwrap_or(2)
    }

    /// The format as a `${...}` log-format string.
    pub fn to_log_format(&self) -> String {
        (0..self.len())
            .filter_map(|i| self.column_name(i))
            .map(|n| format!("${{{n}}}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn is_field_name(name: &[u8]) -> bool {
    !name.is_empty()
        && name[0].is_ascii_lowercase()
        && name.iter().all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// A line without its trailing `\r` and surrounding spaces.
pub(crate) fn trim_line(line: &[u8]) -> &[u8] {
    let (s, e) = trim_range(line);
    &line[s..e]
}

/// The bounds of [`trim_line`]'s result within `line`.
#[inline]
pub(crate) fn trim_range(line: &[u8]) -> (usize, usize) {
    let mut e = line.len();
    while e > 0 && matches!(line[e - 1], b'\r' | b'\n' | b' ' | b'\t') {
        e -= 1;
    }
    let mut s = 0;
    while s < e && matches!(line[s], b' ' | b'\t') {
        s += 1;
    }
    (s, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_v2_positions() {
        let f = Format::default_v2();
        assert_eq!(f.len(), 14);
        assert_eq!(f.position(Field::InterfaceId), Some(2));
        assert_eq!(f.position(Field::LogStatus), Some(13));
        assert_eq!(f.position(Field::TcpFlags), None);
        assert_eq!(f.version(), 2);
    }

    #[test]
    fn header_and_log_format_agree() {
        let h = Format::from_header(b"version vpc-id bytes packets tcp-flags flow-direction log-status\r\n").unwrap();
        let l = Format::from_log_format("${version} ${vpc-id} ${bytes} ${packets} ${tcp-flags} ${flow-direction} ${log-status}").unwrap();
        assert_eq!(h, l);
        assert_eq!(h.position(Field::Bytes), Some(2));
        assert_eq!(h.version(), 5);
        assert_eq!(Format::from_log_format(&h.to_log_format()).unwrap(), h);
    }

    #[test]
    fn unknown_fields_are_columns() {
        let f = Format::from_header(b"version future-field interface-id").unwrap();
        assert_eq!(f.column_name(1), Some("future-field"));
        assert_eq!(f.unknown_position("future-field"), Some(1));
        assert_eq!(f.unknown_names().collect::<Vec<_>>(), vec!["future-field"]);
    }

    #[test]
    fn refusals() {
        assert_eq!(Format::from_log_format(""), Err(FormatError::Empty));
        assert!(matches!(Format::from_log_format("${version} version"), Err(FormatError::BadToken(_))));
        assert!(matches!(Format::from_header(b"version version"), Err(FormatError::Duplicate(_))));
        assert!(matches!(Format::from_header(b"version Bad"), Err(FormatError::BadName(_))));
    }

    #[test]
    fn header_detection() {
        assert!(Format::is_header(b"version account-id interface-id srcaddr"));
        assert!(Format::is_header(b"instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr\r"));
        assert!(!Format::is_header(b"2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA"));
        assert!(!Format::is_header(b"- eni-1235b8ca123456789 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5"));
        assert!(!Format::is_header(b""));
        assert!(!Format::is_header(b"foo bar"));
    }
}
