//! `riv backfill SOURCE`: register existing users in bulk.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Result;
use riv_client::ClientError;
use riv_client::backfill::{BackfillError, BackfillOptions, backfill};

use super::target::{Connected, with_target};
use super::{
    ConnArgs, EXIT_REFUSED, EXIT_UNREACHABLE, EXIT_USAGE, interrupted, print, report_error,
};

/// The backfill's help epilogue: sources, resuming, exit codes.
pub const AFTER_HELP: &str = "SOURCE is a directory of USER_ID/ folders of .jpg, .jpeg, .png or .webp \
pictures; a CSV with a user_id,image header; JSON lines of {\"user_id\":..,\"image\":..}; or a \
tab-separated file with an identity<TAB>image header. Image paths in files are relative to the file.\n\n\
Per user the first picture registers the user and the rest update it. Each finished picture is \
appended to the state file; running the same command again skips what was registered or updated \
and retries the rest.\n\n\
Exit codes: 0 every picture is in riv; 1 some were denied or failed (see the report); 2 usage \
error or unreadable source; 3 riv unreachable (is `riv run` running?), or AWS unreachable with \
--target aws; 130 interrupted (--target aws: the state file keeps what finished).";

/// `riv backfill`'s arguments.
#[derive(Debug, clap::Args)]
pub struct BackfillArgs {
    /// A directory, CSV, JSON lines or tab-separated file (see below).
    source: PathBuf,
    /// Send at most the first N pictures of each user.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    per_user: Option<u32>,
    /// Start at most R requests per second.
    #[arg(long, value_name = "R", value_parser = parse_rate)]
    rate: Option<f64>,
    /// Keep at most C requests in flight.
    #[arg(long, value_name = "C", default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(1..=1024))]
    concurrency: u32,
    /// The state file [default: SOURCE.riv-backfill.jsonl, or riv-backfill.jsonl inside a directory].
    #[arg(long, value_name = "PATH")]
    state: Option<PathBuf>,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    conn: ConnArgs,
}

fn parse_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
        _ => Err(format!(
            "{text:?} is not a positive number of requests per second"
        )),
    }
}

/// Runs the backfill and prints its report; returns the exit code.
pub async fn run(args: BackfillArgs) -> Result<i32> {
    if !args.source.exists() {
        eprintln!("error: no such source: {}", args.source.display());
        return Ok(EXIT_USAGE);
    }
    let options = BackfillOptions {
        per_user: args.per_user.map(|n| n as usize),
        rate: args.rate,
        concurrency: args.concurrency as usize,
        state_path: args.state.clone(),
        timeout: args.conn.timeout(),
        progress: !args.quiet && std::io::stderr().is_terminal(),
    };
    let conn = &args.conn;
    let ran = with_target(&conn.target, &conn.endpoint, async |target| {
        if let Connected::Local(client) = target {
            client.health().await?;
        }
        Ok::<_, ClientError>(backfill(target, &args.source, &options).await)
    })
    .await;
    let report = match ran {
        Ok(Some(Ok(Ok(report)))) => report,
        Ok(Some(Ok(Err(err)))) => {
            eprintln!("error: {err}");
            return Ok(match err {
                BackfillError::Source { .. } | BackfillError::Parse { .. } => EXIT_USAGE,
                BackfillError::State { .. } => EXIT_REFUSED,
            });
        }
        Ok(Some(Err(err))) => return Ok(report_error(&err)),
        Ok(None) => return Ok(interrupted()),
        Err(err) => return Ok(err.report()),
    };
    let mut out = std::io::stdout().lock();
    if conn.json {
        print::json(&mut out, &report)?;
    } else {
        report.write_pretty(&mut out)?;
    }
    Ok(if report.aborted.is_some() {
        EXIT_UNREACHABLE
    } else if report.is_complete() {
        0
    } else {
        EXIT_REFUSED
    })
}
