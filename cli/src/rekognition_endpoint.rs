//! `riv rekognition-endpoint`: Rekognition's JSON API for the operations
//! riv uses, served by the local face engine, and Textract's `AnalyzeID`,
//! served by the local document engine, until Ctrl-C or SIGTERM
//! (docs/rekognition-endpoint.md).

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use riv_compat::CompatConfig;
use riv_compat::aws_sdk_s3;
use riv_compat::aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
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
    /// S3 server that `Image.S3Object` images are read from (path-style
    /// requests). Its region and credentials come from AWS_REGION (or
    /// AWS_DEFAULT_REGION), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
    /// AWS_SESSION_TOKEN. Without it, S3Object images are refused.
    #[arg(long, env = "RIV_REKOGNITION_S3_ENDPOINT", value_name = "URL")]
    pub s3_endpoint: Option<String>,
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
    let ocr_models = riv_document_engine::models::OcrModelDir::new(&engine.model_dir);
    let mut config = CompatConfig::new(&args.data_dir, engine);
    config.region = args.region;
    config.s3 = args.s3_endpoint.as_deref().map(s3_client).transpose()?;
    // The same document engine `riv run` reads documents with, OCR included.
    config.documents = Some(std::sync::Arc::new(
        riv_document_engine::DocumentEngine::with_ocr_models(&ocr_models)?,
    ));
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
            "Rekognition- and Textract-compatible endpoint on http://{addr} (collections in {}; Ctrl-C stops it)",
            args.data_dir.display()
        );
        if let Some(s3) = &args.s3_endpoint {
            eprintln!("S3Object images are read from {s3}");
        }
        riv_compat::serve(config, listener, async {
            crate::run::wait_for_signal().await;
            eprintln!("stopping: finishing the requests in hand");
        })
        .await?;
        Ok(())
    })
}

/// An S3 client for `endpoint`, with the region and credentials of the
/// standard AWS environment variables.
fn s3_client(endpoint: &str) -> Result<aws_sdk_s3::Client> {
    s3_client_from(endpoint, |name| std::env::var(name).ok())
}

/// [`s3_client`] with the environment given as a lookup.
fn s3_client_from(
    endpoint: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Result<aws_sdk_s3::Client> {
    if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
        bail!("--s3-endpoint {endpoint} is not an http:// or https:// URL");
    }
    let var = |name: &str| env(name).filter(|value| !value.is_empty());
    let region = var("AWS_REGION")
        .or_else(|| var("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|| "us-east-1".to_owned());
    let (Some(key_id), Some(secret)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY"))
    else {
        bail!(
            "--s3-endpoint needs S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones)"
        );
    };
    let credentials = Credentials::new(
        key_id,
        secret,
        var("AWS_SESSION_TOKEN"),
        None,
        "environment",
    );
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region))
        .credentials_provider(credentials)
        .endpoint_url(endpoint)
        .force_path_style(true)
        .build();
    Ok(aws_sdk_s3::Client::from_conf(config))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn s3_clients_need_a_url_and_credentials() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let keys = env(&[
            ("AWS_ACCESS_KEY_ID", "id"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_DEFAULT_REGION", "eu-west-1"),
        ]);
        let client = s3_client_from("http://127.0.0.1:8333", keys).unwrap();
        let config = client.config();
        assert_eq!(config.region().unwrap().as_ref(), "eu-west-1");
        assert!(s3_client_from("127.0.0.1:8333", keys).is_err());
        let none = env(&[("AWS_ACCESS_KEY_ID", "id"), ("AWS_SECRET_ACCESS_KEY", "")]);
        let err = s3_client_from("http://127.0.0.1:8333", none).unwrap_err();
        assert!(err.to_string().contains("AWS_SECRET_ACCESS_KEY"), "{err}");
    }
}
