//! Amazon Athena: runs the summary's aggregation query (`flowlog::athena::query_text`) with
//! StartQueryExecution, waits for it with GetQueryExecution (exponential backoff from 200 ms
//! to 5 s), and pages its results with GetQueryResults. Each entry point builds its own
//! tokio runtime and blocks on it, so callers stay synchronous and SDK types never leave
//! this file. Besides the query, nothing is written: the results land where the workgroup or
//! `output` says, as Athena requires.

use crate::flowlog::insights::Row;
use aws_sdk_athena::error::DisplayErrorContext;
use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState, ResultConfiguration};
use std::time::Duration;

/// Where the query runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AthenaTarget {
    /// The database of the table (default: the workgroup's, or `default`).
    pub database: Option<String>,
    /// The workgroup (default: `primary`).
    pub workgroup: Option<String>,
    /// Where Athena writes the result files (`s3://...`), when the workgroup does not say.
    pub output: Option<String>,
    /// AWS region.
    pub region: Option<String>,
    /// Named profile.
    pub profile: Option<String>,
    /// A different endpoint (a local emulator in tests).
    pub endpoint_url: Option<String>,
}

/// One finished query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryOutcome {
    /// The query execution id.
    pub query_id: String,
    /// Bytes Athena scanned (what it bills).
    pub scanned_bytes: u64,
    /// The result rows as `(column, value)` pairs, the header row left out.
    pub rows: Vec<Row>,
}

/// Athena failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AthenaError {
    /// The async runtime could not start.
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
    /// An API call failed (after retries).
    #[error("{operation} failed: {message}")]
    Api {
        /// The API operation.
        operation: &'static str,
        /// The SDK's error, with its causes.
        message: String,
    },
    /// The query did not succeed.
    #[error("Athena query {query_id} ended with state {state}: {reason}")]
    QueryFailed {
        /// The query execution id.
        query_id: String,
        /// Its final state.
        state: String,
        /// Athena's reason.
        reason: String,
    },
}

fn api<E: std::error::Error>(operation: &'static str) -> impl FnOnce(E) -> AthenaError {
    move |e| AthenaError::Api { operation, message: DisplayErrorContext(e).to_string() }
}

/// Runs `query` and returns its rows. `started` is called with the query id as soon as
/// Athena has accepted the query (so a caller can print it while it runs).
pub fn run_query(t: &AthenaTarget, query: &str, started: impl Fn(&str)) -> Result<QueryOutcome, AthenaError> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(AthenaError::Runtime)?;
    rt.block_on(async {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(8));
        if let Some(r) = &t.region {
            loader = loader.region(aws_config::Region::new(r.clone()));
        }
        if let Some(p) = &t.profile {
            loader = loader.profile_name(p);
        }
        if let Some(u) = &t.endpoint_url {
            loader = loader.endpoint_url(u);
        }
        let client = aws_sdk_athena::Client::new(&loader.load().await);
        let mut start = client.start_query_execution().query_string(query).set_work_group(t.workgroup.clone());
        if let Some(db) = &t.database {
            start = start.query_execution_context(QueryExecutionContext::builder().database(db).build());
        }
        if let Some(out) = &t.output {
            start = start.result_configuration(ResultConfiguration::builder().output_location(out).build());
        }
        let id = start.send().await.map_err(api("StartQueryExecution"))?.query_execution_id().unwrap_or_default().to_string();
        started(&id);
        // Wait, backing off: most queries over a partition take seconds, a full scan minutes.
        let mut delay = Duration::from_millis(200);
        let scanned = loop {
            let out = client.get_query_execution().query_execution_id(&id).send().await.map_err(api("GetQueryExecution"))?;
            let exec = out.query_execution();
            let status = exec.and_then(|e| e.status());
            match status.and_then(|s| s.state()) {
                Some(QueryExecutionState::Succeeded) => {
                    break exec.and_then(|e| e.statistics()).and_then(|s| s.data_scanned_in_bytes()).unwrap_or(0).max(0) as u64;
                }
                Some(QueryExecutionState::Failed) | Some(QueryExecutionState::Cancelled) => {
                    return Err(AthenaError::QueryFailed {
                        query_id: id,
                        state: status.and_then(|s| s.state()).map_or("?", |s| s.as_str()).to_string(),
                        reason: status.and_then(|s| s.state_change_reason()).unwrap_or("no reason given").to_string(),
                    });
                }
                _ => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        };
        let mut rows = Vec::new();
        let mut columns: Vec<String> = Vec::new();
        let mut pages = client.get_query_results().query_execution_id(&id).max_results(1000).into_paginator().send();
        let mut first = true;
        while let Some(page) = pages.next().await {
            let page = page.map_err(api("GetQueryResults"))?;
            let Some(set) = page.result_set() else { continue };
            if columns.is_empty() {
                columns = set.result_set_metadata().map(|m| m.column_info().iter().map(|c| c.name().to_string()).collect()).unwrap_or_default();
            }
            for row in set.rows() {
                let values: Vec<String> = row.data().iter().map(|d| d.var_char_value().unwrap_or("").to_string()).collect();
                // A SELECT's first result row repeats the column names.
                let header = std::mem::take(&mut first) && values == columns;
                if header {
                    continue;
                }
                rows.push(columns.iter().cloned().zip(values).collect::<Row>());
            }
        }
        Ok(QueryOutcome { query_id: id, scanned_bytes: scanned, rows })
    })
}
