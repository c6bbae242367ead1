//! `riv run`: the whole pipeline in this process, until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use riv_face_engine::EngineConfig;
use riv_local::config::{LocalConfig, LocalFileConfig};
use tokio_util::sync::CancellationToken;

/// How long stopping may take before riv gives up waiting for workers.
const STOP_GRACE: Duration = Duration::from_secs(30);

/// `riv run`'s options.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Where objects, the database and outcomes.jsonl live.
    #[arg(long, env = "RIV_DATA_DIR", default_value_os_t = default_data_dir())]
    pub data_dir: PathBuf,
    /// Address of the HTTP API.
    #[arg(long, env = "RIV_LISTEN", default_value = "127.0.0.1:8642")]
    pub listen: SocketAddr,
    /// Settings file (TOML, docs/configuration.md); default: riv.toml in the data directory, if there.
    #[arg(long, env = "RIV_CONFIG")]
    pub config: Option<PathBuf>,
    /// Print the effective settings as TOML and exit.
    #[arg(long)]
    pub print_config: bool,
}

/// `$XDG_DATA_HOME/riv` (or the platform's data directory).
fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("riv")
}

/// Runs the pipeline until a signal.
pub fn run(args: RunArgs, engine: EngineConfig) -> Result<()> {
    let file = match &args.config {
        Some(path) => LocalFileConfig::read(path)?,
        None => {
            let default = args.data_dir.join("riv.toml");
            if default.exists() {
                LocalFileConfig::read(&default)?
            } else {
                LocalFileConfig::default()
            }
        }
    };
    if args.print_config {
        use std::io::Write;
        std::io::stdout()
            .lock()
            .write_all(toml::to_string_pretty(&file)?.as_bytes())?;
        return Ok(());
    }
    if !args.listen.ip().is_loopback() {
        tracing::warn!(
            listen = %args.listen,
            "the HTTP API has no authentication: anyone who can reach this address can register, read and delete users"
        );
    }
    let config = LocalConfig {
        data_dir: args.data_dir,
        listen: args.listen,
        file,
        engine,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(config))
}

async fn serve(config: LocalConfig) -> Result<()> {
    let shutdown = CancellationToken::new();
    let running = riv_local::runtime::start(config, shutdown.clone()).await?;
    eprintln!(
        "riv is running on http://{} (Ctrl-C stops it; try `riv register -u USER -p PHOTO`)",
        running.addr
    );
    wait_for_signal().await;
    eprintln!("stopping: finishing the messages in hand");
    shutdown.cancel();
    if tokio::time::timeout(STOP_GRACE, running.stopped())
        .await
        .is_err()
    {
        eprintln!(
            "some workers did not stop within {STOP_GRACE:?}; their messages will be redelivered"
        );
    }
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
pub(crate) async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
