//! `riv rekognition-endpoint`: Rekognition's JSON API for the operations
//! riv uses, served by the local face engine until Ctrl-C or SIGTERM
//! (docs/rekognition-endpoint.md).

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use riv_compat::CompatConfig;
use riv_face_engine::EngineConfig;

/// `riv rekognition-endpoint`'s options.
#[derive(Debug, clap::Args)]
pub struct EndpointArgs {
    /// Address to serve on; point an AWS SDK's endpoint URL at http://ADDRESS.
    #[arg(long, env = "RIV_REKOGNITION_LISTEN", default_value = "127.0.0.1:8643")]
    pub listen: SocketAddr,
    /// Where the collections persist.
    #[arg(long, env = "RIV_REKOGNITION_DATA_DIR", default_value_os_t = default_data_dir())]
    pub data_dir: PathBuf,
    /// Region written into collection ARNs.
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
}

/// `$XDG_DATA_HOME/riv/rekognition` (or the platform's data directory).
fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("riv")
        .join("rekognition")
}

/// Serves until a signal, then lets requests in flight finish.
pub fn run(args: EndpointArgs, engine: EngineConfig) -> Result<()> {
    if !args.listen.ip().is_loopback() {
        tracing::warn!(
            listen = %args.listen,
            "the endpoint has no authentication: anyone who can reach this address can read and change its collections"
        );
    }
    let mut config = CompatConfig::new(&args.data_dir, engine);
    config.region = args.region;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        let addr = listener.local_addr()?;
        eprintln!(
            "Rekognition-compatible endpoint on http://{addr} (collections in {}; Ctrl-C stops it)",
            args.data_dir.display()
        );
        riv_compat::serve(config, listener, async {
            crate::run::wait_for_signal().await;
            eprintln!("stopping: finishing the requests in hand");
        })
        .await?;
        Ok(())
    })
}
