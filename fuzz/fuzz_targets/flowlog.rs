//! The flow-log parser on arbitrary bytes.
//!
//! The first byte picks the mode: bit 0 header detection on or off, bit 1 a custom
//! `${...}` format taken from the first line of the input (the rest is the log), bits 2-7 the
//! chunk size the log is fed in. The second byte sets the line-length limit (small, so that
//! the long-line path is reached). Oracles: no panic; feeding the log in chunks gives exactly
//! the events of feeding it whole; the default format's fast path (the window parser on the
//! whole log, the line parser on each line) and the general parser give the same record or
//! error for every line; a format survives `to_log_format` and back; every
//! record accessor works on every parsed record; the summary aggregate accepts every record.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vpcscope::flowlog::{Field, FlowRecord, Format, HeaderMode, ParseError, ParserBuilder, Position, RecordSink, SourceId, Summary};

fuzz_target!(|data: &[u8]| {
    let &[mode, limit, ref rest @ ..] = data else { return };
    let header = if mode & 1 == 1 { HeaderMode::Detect } else { HeaderMode::Never };
    let mut log = rest;
    let mut format = Format::default_v2();
    if mode & 2 == 2 {
        let (spec, tail) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &[][..]),
        };
        let Ok(spec) = std::str::from_utf8(spec) else { return };
        let Ok(f) = Format::from_log_format(spec) else { return };
        let again = Format::from_log_format(&f.to_log_format()).expect("a format's own log-format string parses");
        assert_eq!(again.to_log_format(), f.to_log_format());
        assert_eq!(again.len(), f.len());
        format = f;
        log = tail;
    }
    let step = ((mode >> 2) as usize) + 1;
    let max_line = 16 + 4 * limit as usize;

    let whole = events(&format, header, max_line, log, usize::MAX, true);
    let chunked = events(&format, header, max_line, log, step, true);
    assert_eq!(whole, chunked, "chunk size {step} changed the result");
    // Fed whole, lines are read in place by the fast path's window parser (its copy for the
    // CPU's features): it must give exactly what the general parser gives.
    let general = events(&format, header, max_line, log, usize::MAX, false);
    assert_eq!(whole, general, "the fast path's window parser disagrees with the general parser");

    // Every line on its own, as CloudWatch events are parsed, with and without the
    // default format's fast path: both must give the same record or the same error.
    let mut p = ParserBuilder::new().format(format.clone()).max_line_len(max_line).build();
    let mut general = ParserBuilder::new().format(format.clone()).max_line_len(max_line).fast_path(false).build();
    for line in log.split(|&b| b == b'\n') {
        let fast = p.parse_line(line).map(|r| touch(&r));
        let slow = general.parse_line(line).map(|r| touch(&r));
        assert_eq!(fast, slow, "the fast path disagrees on {:?}", String::from_utf8_lossy(line));
    }
});

/// Feeds `log` in pieces of `step` bytes (carrying the unfinished tail, as the readers do)
/// and renders every event; the summary sink takes every record too.
fn events(format: &Format, header: HeaderMode, max_line: usize, log: &[u8], step: usize, fast: bool) -> Vec<String> {
    let mut p = ParserBuilder::new().format(format.clone()).header(header).max_line_len(max_line).fast_path(fast).build();
    let mut out = Vec::new();
    let mut summary = Summary::new();
    let mut buf: Vec<u8> = Vec::new();
    let mut visit = |n: u64, r: Result<FlowRecord<'_>, ParseError>| {
        let position = Position::Line { source: SourceId(0), chunk: 0, line: n };
        match r {
            Ok(r) => {
                out.push(format!("{n}: {}", touch(&r)));
                summary.record(position, &r);
            }
            Err(e) => {
                out.push(format!("{n}: {e}"));
                summary.malformed(position, e);
            }
        }
    };
    for piece in log.chunks(step.max(1)) {
        buf.extend_from_slice(piece);
        let used = p.feed(&buf, &mut visit);
        buf.drain(..used);
    }
    p.finish(&buf, &mut visit);
    let mut other = Summary::new();
    other.merge(summary);
    let _ = other.conversations.top(5);
    out
}

/// Calls every accessor and renders the record.
fn touch(r: &FlowRecord<'_>) -> String {
    let mut s = format!(
        "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
        r.version(),
        r.interface_id(),
        r.srcaddr(),
        r.dstaddr(),
        r.pkt_srcaddr(),
        r.pkt_dstaddr(),
        r.srcport(),
        r.dstport(),
        r.protocol().map(|p| p.name()),
        r.packets(),
        r.bytes(),
        r.start(),
        r.end(),
        r.action(),
        r.log_status(),
        r.tcp_flags().map(|f| f.0),
        r.direction()
    );
    for f in Field::ALL {
        let _ = (r.get(*f), r.get_u64(*f));
    }
    for (name, value) in r.fields() {
        s.push_str(&format!(" {name}={value:?}"));
    }
    for i in 0..r.format().len() + 1 {
        let _ = r.column(i);
    }
    let _ = r.get_unknown("x");
    s
}
