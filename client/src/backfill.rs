//! Registering existing users in bulk: per user, pictures go one after the
//! other (the first through register, the rest through update); users go in
//! parallel, within a bound on requests in flight and a request rate.
//!
//! Every finished picture is appended to a state file. A re-run skips the
//! pictures that earlier runs registered or updated and retries the rest;
//! failures are never marked done.

mod limiter;
mod report;
mod source;
mod state;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use riv_events::{ReasonCode, Workflow};

pub use limiter::TokenBucket;
pub use report::BackfillReport;
pub use source::{Entry, Gallery, default_state_path, read_source};
pub use state::{PriorState, StateFile, StateRecord};

use crate::{ClientError, Picture, PreparedRequest, Transport};

/// How to run a backfill.
#[derive(Debug, Clone)]
pub struct BackfillOptions {
    /// At most this many pictures per user, the first in source order.
    pub per_user: Option<usize>,
    /// At most this many requests started per second.
    pub rate: Option<f64>,
    /// At most this many requests in flight (at least 1).
    pub concurrency: usize,
    /// The state file; [`default_state_path`] when unset.
    pub state_path: Option<PathBuf>,
    /// How long to wait for each request's outcome.
    pub timeout: Duration,
    /// Whether to draw a progress bar on standard error.
    pub progress: bool,
}

impl Default for BackfillOptions {
    fn default() -> Self {
        Self {
            per_user: None,
            rate: None,
            concurrency: 4,
            state_path: None,
            timeout: Duration::from_secs(120),
            progress: false,
        }
    }
}

/// Why a backfill could not run at all (single pictures failing are counted
/// in the report instead).
#[derive(Debug, thiserror::Error)]
pub enum BackfillError {
    /// The source cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Source {
        /// The source.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The source's header is not one this reader knows.
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        /// The source.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The state file cannot be read or written.
    #[error("state file {}: {source}", path.display())]
    State {
        /// The state file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// One user's pictures still to send.
struct UserPlan {
    /// Whether the user is known to exist (an earlier run succeeded for them).
    exists: bool,
    todo: Vec<Entry>,
}

/// What one picture came to.
struct Finished {
    record: StateRecord,
    error: Option<String>,
}

/// Shared by the users running at once.
struct Run<'a, T> {
    client: &'a T,
    options: &'a BackfillOptions,
    limiter: Option<TokenBucket>,
    state: StateFile,
    progress: ProgressBar,
    /// Set when the server went away: no new pictures are started.
    stop: AtomicBool,
    /// Why the run stopped, for the report.
    stop_reason: Mutex<Option<String>>,
}

/// Runs a backfill of `source` through `client` (riv's HTTP API or an AWS
/// deployment).
pub async fn backfill(
    client: &impl Transport,
    source: &Path,
    options: &BackfillOptions,
) -> Result<BackfillReport, BackfillError> {
    let started = Instant::now();
    let gallery = read_source(source)?;
    let state_path = options
        .state_path
        .clone()
        .unwrap_or_else(|| default_state_path(source));
    let prior = PriorState::load(&state_path)?;
    let mut report = BackfillReport {
        source: source.display().to_string(),
        state_file: state_path.display().to_string(),
        users: gallery.users.len(),
        invalid_rows: gallery.invalid,
        ..BackfillReport::default()
    };
    let mut plans = Vec::new();
    for (user_id, mut entries) in gallery.users {
        if let Some(limit) = options.per_user {
            entries.truncate(limit);
        }
        report.images += entries.len();
        let selected = entries.len();
        let todo: Vec<Entry> = entries
            .into_iter()
            .filter(|e| !prior.is_done(user_id.as_str(), &e.image))
            .collect();
        report.already_done += selected - todo.len();
        let exists = prior.existing_users.contains(user_id.as_str());
        if !todo.is_empty() {
            plans.push(UserPlan { exists, todo });
        }
    }
    let total: usize = plans.iter().map(|p| p.todo.len()).sum();
    let run = Run {
        client,
        options,
        limiter: options.rate.map(|rate| TokenBucket::new(rate, 1.0)),
        state: StateFile::open(&state_path).await?,
        progress: progress_bar(total, options.progress),
        stop: AtomicBool::new(false),
        stop_reason: Mutex::new(None),
    };
    let results: Vec<Result<Vec<Finished>, BackfillError>> = futures_util::stream::iter(plans)
        .map(|plan| run.user(plan))
        .buffer_unordered(options.concurrency.max(1))
        .collect()
        .await;
    run.progress.finish_and_clear();
    for finished in results {
        for item in finished? {
            let record = &item.record;
            report.count(
                &record.outcome,
                record.reason.as_deref(),
                record.succeeded(),
            );
            if let Some(error) = item.error {
                report.keep_error(format!("{} {}: {error}", record.user_id, record.image));
            }
        }
    }
    report.not_attempted = total - report.attempted;
    report.aborted = run
        .stop_reason
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    report.elapsed_secs = started.elapsed().as_secs_f64();
    Ok(report)
}

impl<T: Transport> Run<'_, T> {
    /// Sends one user's pictures in order: register until one registers,
    /// then update.
    async fn user(&self, mut plan: UserPlan) -> Result<Vec<Finished>, BackfillError> {
        let mut finished = Vec::with_capacity(plan.todo.len());
        for entry in std::mem::take(&mut plan.todo) {
            if self.stop.load(Ordering::Relaxed) {
                break;
            }
            let workflow = if plan.exists {
                Workflow::Update
            } else {
                Workflow::Register
            };
            let item = self.picture(workflow, &entry).await;
            match (item.record.outcome.as_str(), item.record.reason.as_deref()) {
                ("registered" | "updated", _) => plan.exists = true,
                // Registered by an earlier run whose record was lost, or
                // before any backfill: the rest are updates.
                (_, Some(reason)) if reason == ReasonCode::UserExists.as_str() => {
                    plan.exists = true;
                }
                _ => {}
            }
            self.state.append(&item.record).await?;
            self.progress.inc(1);
            finished.push(item);
        }
        Ok(finished)
    }

    /// Sends one picture and waits for its outcome.
    async fn picture(&self, workflow: Workflow, entry: &Entry) -> Finished {
        let record =
            |request_id: Option<String>, outcome: &str, reason: Option<String>| StateRecord {
                user_id: entry.user_id.to_string(),
                image: entry.image.clone(),
                request_id,
                outcome: outcome.to_owned(),
                reason,
            };
        let failed = |request_id, err: ClientError| Finished {
            record: record(request_id, "error", Some(err.label())),
            error: Some(err.to_string()),
        };
        let picture = match Picture::read(&entry.path).await {
            Ok(picture) => picture,
            Err(err) => return failed(None, err.into()),
        };
        let request = match PreparedRequest::selfie(
            workflow,
            entry.user_id.clone(),
            picture,
            BTreeMap::new(),
        ) {
            Ok(request) => request,
            Err(err) => return failed(None, err),
        };
        let request_id = Some(request.request_id().to_string());
        if let Some(limiter) = &self.limiter {
            limiter.acquire().await;
        }
        match self.client.run(request, self.options.timeout).await {
            Ok(envelope) => {
                let outcome = envelope.outcome();
                let reason = outcome.reason.map(|r| r.as_str().to_owned());
                Finished {
                    record: record(request_id, outcome.outcome.as_str(), reason),
                    error: None,
                }
            }
            Err(err) => {
                if err.is_unreachable() {
                    self.stop.store(true, Ordering::Relaxed);
                    let mut why = self.stop_reason.lock().unwrap_or_else(|p| p.into_inner());
                    why.get_or_insert_with(|| err.to_string());
                }
                failed(request_id, err)
            }
        }
    }
}

fn progress_bar(total: usize, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} pictures  {per_sec}  eta {eta}")
    {
        bar.set_style(style);
    }
    bar
}
