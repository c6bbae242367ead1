//! [`TestRiv`]: the embedded pipeline, started in-process on a free port
//! over a data directory the test owns, with a client and probes.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use riv_client::{Client, Picture, PreparedRequest};
use riv_events::outcome::OutcomeEnvelope;
use riv_events::{OutcomeKind, ReasonCode, UserId, Workflow};
use riv_face_engine::EngineConfig;
use riv_local::config::{LocalConfig, LocalFileConfig};
use riv_local::runtime::{Running, start};
use tokio_util::sync::CancellationToken;

/// How long a test waits for one request's outcome.
pub const OUTCOME_TIMEOUT: Duration = Duration::from_secs(90);

/// Settings for a test: the defaults with short polls, so requests move fast.
pub fn config(data_dir: &Path, models: &Path) -> LocalConfig {
    let mut file = LocalFileConfig::default();
    file.queues.poll_wait_ms = 200;
    file.queues.workers_per_stage = 2;
    LocalConfig {
        data_dir: data_dir.to_owned(),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        file,
        engine: EngineConfig::with_model_dir(models),
    }
}

/// One running embedded pipeline.
#[derive(Debug)]
pub struct TestRiv {
    /// Its data directory (owned by the test, reused across restarts).
    pub data_dir: PathBuf,
    /// Where its HTTP API listens.
    pub addr: SocketAddr,
    /// A client of that API.
    pub client: Client,
    /// The started tasks (`None` once stopped).
    running: Option<Running>,
    /// Stops it.
    shutdown: CancellationToken,
    /// A runtime of its own, for a pipeline the test kills abruptly.
    runtime: Option<tokio::runtime::Runtime>,
}

impl TestRiv {
    /// Starts a pipeline on the test's own runtime.
    pub async fn start(config: LocalConfig) -> Self {
        let shutdown = CancellationToken::new();
        let data_dir = config.data_dir.clone();
        let running = start(config, shutdown.clone())
            .await
            .expect("the embedded pipeline starts");
        Self::new(data_dir, running, shutdown, None)
    }

    /// Starts a pipeline on a runtime of its own, so [`Self::kill`] can drop
    /// every task at its next await point, like a process killed mid-work.
    pub async fn start_killable(config: LocalConfig) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime for the pipeline");
        let shutdown = CancellationToken::new();
        let data_dir = config.data_dir.clone();
        let running = runtime
            .spawn(start(config, shutdown.clone()))
            .await
            .expect("the start task finishes")
            .expect("the embedded pipeline starts");
        Self::new(data_dir, running, shutdown, Some(runtime))
    }

    fn new(
        data_dir: PathBuf,
        running: Running,
        shutdown: CancellationToken,
        runtime: Option<tokio::runtime::Runtime>,
    ) -> Self {
        let addr = running.addr;
        let client = Client::new(&format!("http://{addr}")).expect("a client");
        Self {
            data_dir,
            addr,
            client,
            running: Some(running),
            shutdown,
            runtime,
        }
    }

    /// Stops gracefully: cancels, then waits for every task.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(running) = self.running.take() {
            tokio::time::timeout(Duration::from_secs(60), running.stopped())
                .await
                .expect("the pipeline stops within a minute");
        }
    }

    /// Kills a pipeline started with [`Self::start_killable`]: its tasks are
    /// dropped where they stand, nothing is finished or settled.
    pub fn kill(mut self) {
        let runtime = self
            .runtime
            .take()
            .expect("kill needs a pipeline started with start_killable");
        runtime.shutdown_background();
    }

    /// Submits a selfie request and waits for its outcome.
    pub async fn run(
        &self,
        workflow: Workflow,
        user: &str,
        picture: &Path,
        properties: &[(&str, &str)],
    ) -> OutcomeEnvelope {
        let request = selfie_request(workflow, user, picture, properties).await;
        self.client
            .run(request, OUTCOME_TIMEOUT)
            .await
            .unwrap_or_else(|err| panic!("{workflow} {user}: {err}"))
    }

    /// Registers `user` with a selfie.
    pub async fn register(&self, user: &str, picture: &Path) -> OutcomeEnvelope {
        self.run(Workflow::Register, user, picture, &[("name", user)])
            .await
    }

    /// Authenticates `user` with a selfie.
    pub async fn auth(&self, user: &str, picture: &Path) -> OutcomeEnvelope {
        self.run(Workflow::Auth, user, picture, &[]).await
    }

    /// Adds a selfie to `user`.
    pub async fn update(&self, user: &str, picture: &Path) -> OutcomeEnvelope {
        self.run(Workflow::Update, user, picture, &[("updated", "yes")])
            .await
    }

    /// How many faces the collection holds (read from its file).
    pub fn face_count(&self) -> usize {
        face_count(&self.data_dir)
    }

    /// Every outcome in `outcomes.jsonl`, in file order.
    pub fn jsonl(&self) -> Vec<OutcomeEnvelope> {
        jsonl(&self.data_dir)
    }

    /// Waits until `outcomes.jsonl` holds an outcome for each of `requests`.
    pub async fn wait_jsonl(&self, requests: &[String]) -> Vec<OutcomeEnvelope> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let lines = self.jsonl();
            let all = requests
                .iter()
                .all(|rid| lines.iter().any(|o| o.meta.correlation_id.as_str() == rid));
            if all {
                return lines;
            }
            assert!(
                Instant::now() < deadline,
                "outcomes.jsonl lacks some of {requests:?} after 20 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `GET /v1/queues`.
    pub async fn queues(&self) -> serde_json::Value {
        reqwest::get(format!("http://{}/v1/queues", self.addr))
            .await
            .expect("GET /v1/queues")
            .json()
            .await
            .expect("queue stats are JSON")
    }

    /// Waits until `queue` holds nothing (visible, in flight or delayed).
    pub async fn wait_drained(&self, queue: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let stats = self.queues().await;
            let held: u64 = ["visible", "in_flight", "delayed"]
                .iter()
                .filter_map(|k| stats[queue][k].as_u64())
                .sum();
            if held == 0 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "queue {queue} still holds {held} message(s): {stats}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for TestRiv {
    fn drop(&mut self) {
        self.shutdown.cancel();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// A selfie request for `user` from a picture file.
pub async fn selfie_request(
    workflow: Workflow,
    user: &str,
    picture: &Path,
    properties: &[(&str, &str)],
) -> PreparedRequest {
    let picture = Picture::read(picture)
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    picture_request(workflow, user, picture, properties)
}

/// A selfie request for `user` from a picture in memory.
pub fn picture_request(
    workflow: Workflow,
    user: &str,
    picture: Picture,
    properties: &[(&str, &str)],
) -> PreparedRequest {
    let user = UserId::parse(user).expect("a valid user id");
    let properties: BTreeMap<String, String> = properties
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    PreparedRequest::selfie(workflow, user, picture, properties).expect("a valid request")
}

/// An outcome's kind and reason.
pub fn verdict(outcome: &OutcomeEnvelope) -> (OutcomeKind, Option<ReasonCode>) {
    let o = outcome.outcome();
    (o.outcome, o.reason)
}

/// How many faces the collection in `data_dir` holds.
pub fn face_count(data_dir: &Path) -> usize {
    let conn = rusqlite::Connection::open(data_dir.join("faces.db")).expect("faces.db opens");
    let count: i64 = conn
        .query_row("SELECT COUNT(*) FROM faces", [], |row| row.get(0))
        .expect("faces can be counted");
    usize::try_from(count).expect("a count")
}

/// Every outcome in `data_dir/outcomes.jsonl` (none when the file is absent).
pub fn jsonl(data_dir: &Path) -> Vec<OutcomeEnvelope> {
    let Ok(text) = std::fs::read_to_string(data_dir.join("outcomes.jsonl")) else {
        return Vec::new();
    };
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|err| panic!("outcomes.jsonl line {line}: {err}"))
        })
        .collect()
}

/// Every file under `dir`, relative to it, sorted.
pub fn files_under(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if let Ok(relative) = path.strip_prefix(root) {
                out.push(relative.display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}
