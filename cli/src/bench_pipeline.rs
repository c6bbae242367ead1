//! `riv bench-pipeline`: the embedded pipeline end to end, timed. Starts
//! `riv run`'s runtime in a temporary directory, enrols a gallery (register
//! the first picture of each user, update with the next ones), then
//! authenticates each user with a held-out picture and, as an impostor
//! check, with the next user's picture. Prints latency per workflow,
//! throughput, outcomes and peak memory.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use riv_client::backfill::{Entry, read_source};
use riv_client::{Client, Picture, PreparedRequest};
use riv_events::Workflow;
use riv_face_engine::EngineConfig;
use riv_local::config::{LocalConfig, LocalFileConfig};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// `riv bench-pipeline`'s options.
#[derive(Debug, clap::Args)]
pub struct PipelineBenchArgs {
    /// A gallery in any backfill format (directory, CSV, JSONL, identity/image TSV).
    pub source: PathBuf,
    /// Pictures enrolled per user; the next one is the probe.
    #[arg(long, default_value_t = 4)]
    pub per_user: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
}

/// One timed request.
struct Timed {
    workflow: &'static str,
    latency: Duration,
    outcome: String,
}

/// Runs the benchmark and prints its figures.
pub fn run(args: PipelineBenchArgs, engine: EngineConfig, out: &mut impl Write) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(bench(args, engine, out))
}

async fn bench(args: PipelineBenchArgs, engine: EngineConfig, out: &mut impl Write) -> Result<()> {
    let gallery = read_source(&args.source)?;
    let users: Vec<Vec<Entry>> = gallery
        .users
        .into_iter()
        .map(|(_, entries)| entries)
        .filter(|entries| entries.len() > args.per_user)
        .collect();
    anyhow::ensure!(
        users.len() >= 2,
        "the gallery needs at least two users with more than {} pictures",
        args.per_user
    );
    let data = tempfile::tempdir()?;
    let mut file = LocalFileConfig::default();
    file.outcomes.jsonl = false;
    let config = LocalConfig {
        data_dir: data.path().to_owned(),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        file,
        engine,
    };
    let shutdown = CancellationToken::new();
    let running = riv_local::runtime::start(config, shutdown.clone()).await?;
    let client = Arc::new(Client::new(&format!("http://{}", running.addr))?);
    let gate = Arc::new(Semaphore::new(args.concurrency.max(1)));

    // Enrol: each user's pictures in order, users in parallel.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for entries in &users {
        let enrol: Vec<Entry> = entries.iter().take(args.per_user).cloned().collect();
        let (client, gate) = (client.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            let mut timed = Vec::new();
            let mut registered = false;
            for entry in enrol {
                let workflow = if registered {
                    Workflow::Update
                } else {
                    Workflow::Register
                };
                let result = one(&client, &gate, workflow, &entry, None).await;
                registered |= result.outcome == "registered";
                timed.push(result);
            }
            timed
        }));
    }
    let mut enrolment = Vec::new();
    for task in tasks {
        enrolment.extend(task.await?);
    }
    let enrol_wall = started.elapsed();

    // Probe: genuine (own held-out picture) and impostor (the next user's).
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, entries) in users.iter().enumerate() {
        let probe = entries[args.per_user].clone();
        let impostor = users[(i + 1) % users.len()][args.per_user].clone();
        let (client, gate) = (client.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            let genuine = one(&client, &gate, Workflow::Auth, &probe, None).await;
            let mut fake = one(&client, &gate, Workflow::Auth, &impostor, Some(&probe)).await;
            fake.workflow = "auth (impostor)";
            vec![genuine, fake]
        }));
    }
    let mut probes = Vec::new();
    for task in tasks {
        probes.extend(task.await?);
    }
    let probe_wall = started.elapsed();

    shutdown.cancel();
    running.stopped().await;

    writeln!(
        out,
        "riv bench-pipeline: {} users, {} enrolled per user, {} in flight",
        users.len(),
        args.per_user,
        args.concurrency
    )?;
    writeln!(
        out,
        "| workflow | requests | p50 ms | p95 ms | max ms | outcomes |"
    )?;
    writeln!(out, "|---|---:|---:|---:|---:|---|")?;
    let all: Vec<&Timed> = enrolment.iter().chain(probes.iter()).collect();
    for workflow in ["register", "update", "auth", "auth (impostor)"] {
        let mut rows: Vec<&&Timed> = all.iter().filter(|t| t.workflow == workflow).collect();
        if rows.is_empty() {
            continue;
        }
        rows.sort_by_key(|t| t.latency);
        let at = |q: f64| {
            rows[((rows.len() - 1) as f64 * q).round() as usize]
                .latency
                .as_secs_f64()
                * 1000.0
        };
        let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
        for row in &rows {
            *outcomes.entry(row.outcome.as_str()).or_default() += 1;
        }
        let outcomes: Vec<String> = outcomes.iter().map(|(k, v)| format!("{k} {v}")).collect();
        writeln!(
            out,
            "| {workflow} | {} | {:.0} | {:.0} | {:.0} | {} |",
            rows.len(),
            at(0.5),
            at(0.95),
            at(1.0),
            outcomes.join(", ")
        )?;
    }
    let rate = |n: usize, wall: Duration| n as f64 / wall.as_secs_f64().max(1e-9);
    let verified = probes
        .iter()
        .filter(|t| t.workflow == "auth" && t.outcome == "verified")
        .count();
    let false_accepts = probes
        .iter()
        .filter(|t| t.workflow == "auth (impostor)" && t.outcome == "verified")
        .count();
    writeln!(
        out,
        "enrolment: {:.1} requests/s; probes: {:.1} requests/s",
        rate(enrolment.len(), enrol_wall),
        rate(probes.len(), probe_wall)
    )?;
    writeln!(
        out,
        "genuine verified: {verified}/{} ({:.1} %); impostors verified: {false_accepts}/{}",
        users.len(),
        100.0 * verified as f64 / users.len() as f64,
        users.len()
    )?;
    if let Some(peak) = peak_rss_mib() {
        writeln!(
            out,
            "peak RSS (server and client in one process): {peak:.0} MiB"
        )?;
    }
    Ok(())
}

/// One request, timed from upload to outcome. `claim` names whose id the
/// picture is presented under when it is not the picture's own user.
async fn one(
    client: &Client,
    gate: &Semaphore,
    workflow: Workflow,
    entry: &Entry,
    claim: Option<&Entry>,
) -> Timed {
    let name = match workflow {
        Workflow::Register => "register",
        Workflow::Update => "update",
        _ => "auth",
    };
    let Ok(_permit) = gate.acquire().await else {
        return Timed {
            workflow: name,
            latency: Duration::ZERO,
            outcome: "error: closed".into(),
        };
    };
    let user = claim.map_or(&entry.user_id, |c| &c.user_id).clone();
    let started = Instant::now();
    let outcome = async {
        let picture = Picture::read(&entry.path).await?;
        let request = PreparedRequest::selfie(workflow, user, picture, BTreeMap::new())?;
        let outcome = client.run(request, Duration::from_secs(120)).await?;
        anyhow::Ok(outcome.outcome().outcome.as_str().to_owned())
    }
    .await
    .unwrap_or_else(|err| format!("error: {err}"));
    Timed {
        workflow: name,
        latency: started.elapsed(),
        outcome,
    }
}

/// The process's peak resident memory, MiB (Linux).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
