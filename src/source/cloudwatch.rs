//! CloudWatch Logs: reads a flow log's log group with FilterLogEvents (every page, throttling
//! retried by the SDK's standard retry mode) and hands each event to `flowlog`'s parser, or
//! runs the Logs Insights queries of `--insights` with StartQuery/GetQueryResults. Only
//! read-only calls are made. This is the one async corner of the crate: each entry point
//! builds its own single-threaded tokio runtime and blocks on it, so callers stay synchronous
//! and SDK types never leave this file.

use crate::flowlog::insights::{query_text, Query, Results, Row};
use crate::flowlog::parser::DEFAULT_MAX_LINE_LEN;
use crate::flowlog::{Format, HeaderMode, ParserBuilder, Position, RecordFilter, RecordSink, SourceId, Sources};
use aws_sdk_cloudwatchlogs::error::DisplayErrorContext;
use aws_sdk_cloudwatchlogs::types::QueryStatus;
use std::collections::HashMap;
use std::time::Duration;

/// Which log group to read, and how to reach CloudWatch Logs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogGroupQuery {
    /// The log group name.
    pub log_group: String,
    /// Events at or after this time (ms since the epoch).
    pub start_ms: Option<i64>,
    /// Events at or before this time (ms since the epoch).
    pub end_ms: Option<i64>,
    /// Only log streams whose names start with this (flow-log streams are named after ENIs).
    pub log_stream_prefix: Option<String>,
    /// AWS region (default: the SDK's resolution chain).
    pub region: Option<String>,
    /// Named profile.
    pub profile: Option<String>,
    /// A different endpoint (a local emulator in tests).
    pub endpoint_url: Option<String>,
    /// The incident filter: its time window narrows the event-time range requested, one
    /// interface becomes the log-stream prefix (flow-log streams are named after their
    /// interface), Logs Insights queries get it as a `filter` command, and FilterLogEvents
    /// results are filtered record by record.
    pub filter: RecordFilter,
}

impl LogGroupQuery {
    /// The event-time range to request: `start_ms`/`end_ms` narrowed by the filter's window.
    pub fn time_range_ms(&self) -> (Option<i64>, Option<i64>) {
        let (since, until) = self.filter.event_window_ms();
        let start = match (self.start_ms, since) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let end = match (self.end_ms, until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        (start, end)
    }

    /// The log-stream prefix to request: `log_stream_prefix`, or the filter's one interface.
    pub fn stream_prefix(&self) -> Option<String> {
        match (&self.log_stream_prefix, self.filter.interfaces.as_slice()) {
            (Some(p), _) => Some(p.clone()),
            (None, [one]) => Some(one.clone()),
            _ => None,
        }
    }
}

/// CloudWatch Logs failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CloudWatchError {
    /// The async runtime could not start.
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
    /// An API call failed (after retries).
    #[error("{operation} on log group {log_group} failed: {message}")]
    Api {
        /// The API operation.
        operation: &'static str,
        /// The log group.
        log_group: String,
        /// The SDK's error, with its causes.
        message: String,
    },
    /// A Logs Insights query did not complete.
    #[error("Logs Insights query {query_id} ended with status {status}")]
    QueryFailed {
        /// The query id.
        query_id: String,
        /// Its final status.
        status: String,
    },
    /// A `--start`/`--end` value is neither RFC 3339 nor Unix seconds.
    #[error("bad time {0:?}: expected RFC 3339 (2024-05-01T12:00:00Z) or Unix seconds")]
    BadTime(String),
}

/// Parses a time given as RFC 3339 or Unix seconds into ms since the epoch.
pub fn parse_time(text: &str) -> Result<i64, CloudWatchError> {
    let t = text.trim();
    if let Ok(secs) = t.parse::<i64>() {
        return secs.checked_mul(1000).ok_or_else(|| CloudWatchError::BadTime(text.to_string()));
    }
    aws_smithy_types::DateTime::from_str(t, aws_smithy_types::date_time::Format::DateTime)
        .ok()
        .and_then(|d| d.to_millis().ok())
        .ok_or_else(|| CloudWatchError::BadTime(text.to_string()))
}

/// What a log-group read went through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Events received.
    pub events: u64,
    /// FilterLogEvents pages.
    pub pages: u64,
}

fn runtime() -> Result<tokio::runtime::Runtime, CloudWatchError> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(CloudWatchError::Runtime)
}

async fn client(q: &LogGroupQuery) -> aws_sdk_cloudwatchlogs::Client {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(8));
    if let Some(r) = &q.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(p) = &q.profile {
        loader = loader.profile_name(p);
    }
    if let Some(u) = &q.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    aws_sdk_cloudwatchlogs::Client::new(&loader.load().await)
}

fn api_err<'q, E: std::error::Error>(operation: &'static str, q: &'q LogGroupQuery) -> impl FnOnce(E) -> CloudWatchError + 'q {
    move |e| CloudWatchError::Api { operation, log_group: q.log_group.clone(), message: DisplayErrorContext(e).to_string() }
}

/// Reads every event of the log group (within the time window and stream prefix) into
/// `sink`, parsing each event message as one record of `format`. Each log stream becomes a
/// source named `log-group/log-stream` in `sources`; positions are [`Position::Event`].
pub fn read_log_group<S: RecordSink>(q: &LogGroupQuery, format: &Format, sink: &mut S, sources: &mut Sources) -> Result<ReadStats, CloudWatchError> {
    let rt = runtime()?;
    let read = rt.block_on(async {
        let client = client(q).await;
        let mut parser = ParserBuilder::new().format(format.clone()).header(HeaderMode::Never).max_line_len(DEFAULT_MAX_LINE_LEN).build();
        let mut streams: HashMap<String, SourceId> = HashMap::new();
        let mut stats = ReadStats::default();
        let (start_ms, end_ms) = q.time_range_ms();
        let prefix = q.stream_prefix();
        let mut pages = client
            .filter_log_events()
            .log_group_name(&q.log_group)
            .set_start_time(start_ms)
            .set_end_time(end_ms)
            .set_log_stream_name_prefix(prefix.clone())
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(api_err("FilterLogEvents", q))?;
            stats.pages += 1;
            for event in page.events() {
                let stream = event.log_stream_name().unwrap_or("?");
                // The prefix is also sent to the service; checking it here keeps the result
                // right with emulators that ignore it.
                if prefix.as_deref().is_some_and(|p| !stream.starts_with(p)) {
                    continue;
                }
                stats.events += 1;
                let source = match streams.get(stream) {
                    Some(&id) => id,
                    None => {
                        let id = sources.add(format!("{}/{}", q.log_group, stream));
                        streams.insert(stream.to_string(), id);
                        id
                    }
                };
                let message = event.message().unwrap_or("");
                if message.trim().is_empty() {
                    continue;
                }
                let position = Position::Event { source, timestamp_ms: event.timestamp().unwrap_or(0) };
                match parser.parse_line(message.as_bytes()) {
                    Ok(record) if q.filter.matches(&record) => sink.record(position, &record),
                    Ok(_) => sink.filtered(position),
                    Err(e) => sink.malformed(position, e),
                }
            }
        }
        Ok(stats)
    });
    // Also after an error: the records read before it stay in the sink.
    sink.finish();
    read
}

/// Runs the summary's Logs Insights queries ([`Query::ALL`]) over the log group and returns
/// their rows. The filter runs server-side: records outside it are not seen, so the counts
/// have no `filtered_out`. Without a time window, the last 30 days are queried. `format` is needed only
/// for a custom log format (Insights discovers the default format's fields itself).
pub fn run_insights(q: &LogGroupQuery, format: Option<&Format>, limit: usize) -> Result<Results, CloudWatchError> {
    let rt = runtime()?;
    rt.block_on(async {
        let client = client(q).await;
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        let (start_ms, end_ms) = q.time_range_ms();
        let end = end_ms.map_or(now, |ms| ms / 1000);
        let start = start_ms.map_or(end - 30 * 86_400, |ms| ms / 1000);
        let mut started = Vec::new();
        for query in Query::ALL {
            let out = client
                .start_query()
                .log_group_name(&q.log_group)
                .start_time(start)
                .end_time(end)
                .query_string(query_text(query, format, limit, &q.filter))
                .send()
                .await
                .map_err(api_err("StartQuery", q))?;
            started.push((query, out.query_id().unwrap_or_default().to_string()));
        }
        let mut results = Results::default();
        for (query, id) in started {
            loop {
                let out = client.get_query_results().query_id(&id).send().await.map_err(api_err("GetQueryResults", q))?;
                match out.status() {
                    Some(QueryStatus::Complete) => {
                        *results.rows_mut(query) = out
                            .results()
                            .iter()
                            .map(|row| row.iter().map(|f| (f.field().unwrap_or("").to_string(), f.value().unwrap_or("").to_string())).collect::<Row>())
                            .collect();
                        break;
                    }
                    Some(QueryStatus::Running) | Some(QueryStatus::Scheduled) | None => tokio::time::sleep(Duration::from_millis(500)).await,
                    Some(other) => return Err(CloudWatchError::QueryFailed { query_id: id, status: other.as_str().to_string() }),
                }
            }
        }
        Ok(results)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time("1418530010").unwrap(), 1_418_530_010_000);
        assert_eq!(parse_time("2024-05-01T00:00:00Z").unwrap(), 1_714_521_600_000);
        assert!(matches!(parse_time("yesterday"), Err(CloudWatchError::BadTime(_))));
    }
}
